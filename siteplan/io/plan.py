"""Read a written plan's layers back: the camera footprints and corridors of ``plan.gpkg``.

The follow-up uses them to compare installed cameras with the plan: a camera mounted where the
plan put it keeps the plan's visibility polygon.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import cast

import geopandas as gpd
import pyogrio

from siteplan.errors import InputError, SourceUnavailableError
from siteplan.io._common import read_vector, to_working_crs

__all__ = ["load_plan_layers"]

log = logging.getLogger(__name__)


def load_plan_layers(
    plan_dir: str | os.PathLike[str], *, crs: str = "EPSG:3006"
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame | None]:
    """
    Read the camera footprints and the corridors from a plan's ``plan.gpkg``.

    Parameters
    ----------
    plan_dir
        The plan's output folder (holding ``plan.gpkg``).
    crs
        The working CRS.

    Returns
    -------
    footprints, corridors
        Footprint polygons indexed by ``camera_id`` (with the plan's ``x``, ``y`` and
        ``azimuth_deg`` when written), and corridor lines indexed by ``corridor_id`` (None if
        the plan has no corridors layer).

    Raises
    ------
    SourceUnavailableError
        If the folder has no ``plan.gpkg``.
    InputError
        If the file has no ``footprints`` layer or lacks the id columns.
    """
    path = Path(plan_dir) / "plan.gpkg"
    if not path.is_file():
        msg = (
            f"{path}: not found. Pass the plan's output folder to --plan (the one holding "
            "plan.gpkg), or leave --plan out to rebuild footprints as wedges."
        )
        raise SourceUnavailableError(msg)
    names = [str(n) for n, _ in pyogrio.list_layers(path)]
    if "footprints" not in names:
        msg = f"{path}: no 'footprints' layer (layers: {names}). Write the plan again."
        raise InputError(msg)
    layers: dict[str, gpd.GeoDataFrame | None] = {}
    for layer, key in (("footprints", "camera_id"), ("corridors", "corridor_id")):
        if layer not in names:
            layers[layer] = None
            continue
        frame = to_working_crs(read_vector(path, layer=layer), crs, source=f"{path}:{layer}")
        if key not in frame.columns:
            msg = f"{path}: layer {layer!r} has no {key!r} column; found {list(frame.columns)}."
            raise InputError(msg)
        layers[layer] = frame.set_index(key)
    footprints = cast("gpd.GeoDataFrame", layers["footprints"])  # the layer exists (checked)
    corridors = layers["corridors"]
    log.info(
        "read %d footprints and %s corridors from %s",
        len(footprints),
        "no" if corridors is None else len(corridors),
        path,
    )
    return footprints, corridors
