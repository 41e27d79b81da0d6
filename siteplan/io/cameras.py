"""Cameras already installed: a layer of points with model and azimuth, fixed into a plan."""

from __future__ import annotations

import logging
from pathlib import Path

import geopandas as gpd
import pandas as pd

from siteplan.errors import InputError
from siteplan.io._common import did_you_mean, read_csv, read_vector, require_file, to_working_crs

__all__ = ["load_installed_cameras"]

log = logging.getLogger(__name__)

_REQUIRED = ("model", "azimuth_deg")


def load_installed_cameras(path: str | Path, *, crs: str = "EPSG:3006") -> gpd.GeoDataFrame:
    """
    Read installed cameras from a CSV (``lon``/``lat`` or ``x``/``y`` in `crs`) or a point layer.

    Parameters
    ----------
    path
        A ``cameras.csv`` as siteplan writes it, or any point file GDAL reads.
    crs
        Working CRS.

    Returns
    -------
    cameras
        Points in `crs` with at least ``model`` and ``azimuth_deg`` (NaN for 360° models),
        indexed by ``camera_id``.

    Raises
    ------
    InputError
        On missing columns or coordinates, naming the file, column and row.
    """
    path = require_file(path, what="installed-cameras file")
    if path.suffix.lower() in {".csv", ".tsv", ".txt"}:
        frame = read_csv(path)
        if {"x", "y"} <= set(frame.columns):
            geom = gpd.points_from_xy(frame["x"], frame["y"])
            gdf = gpd.GeoDataFrame(frame, geometry=geom, crs=crs)
        elif {"lon", "lat"} <= set(frame.columns):
            geom = gpd.points_from_xy(frame["lon"], frame["lat"])
            gdf = gpd.GeoDataFrame(frame, geometry=geom, crs="EPSG:4326")
        else:
            msg = (
                f"{path}: no coordinate columns; found {list(frame.columns)}. Add `x`,`y` "
                f"(in {crs}) or `lon`,`lat` (WGS 84) columns."
            )
            raise InputError(msg)
    else:
        gdf = read_vector(path)
    missing = [c for c in _REQUIRED if c not in gdf.columns]
    if missing:
        hints = "; ".join(f"{c}{did_you_mean(c, list(gdf.columns))}" for c in missing)
        msg = (
            f"{path}: missing column(s) {missing} ({hints}). "
            "Each installed camera needs its model and azimuth."
        )
        raise InputError(msg)
    bad = gdf.geometry.isna() | gdf.geometry.is_empty
    if bad.any():
        rows = [int(i) + 2 for i in bad.to_numpy().nonzero()[0][:5]]
        msg = (
            f"{path}: {int(bad.sum())} camera(s) without coordinates, first at data row(s) {rows}."
        )
        raise InputError(msg)
    gdf = to_working_crs(gdf, crs, source=str(path))
    if "camera_id" not in gdf.columns:
        gdf["camera_id"] = [f"installed-{i + 1:03d}" for i in range(len(gdf))]
    gdf["azimuth_deg"] = pd.to_numeric(gdf["azimuth_deg"], errors="coerce")
    log.info("loaded %d installed cameras from %s", len(gdf), path)
    return gdf.set_index("camera_id")
