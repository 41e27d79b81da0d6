"""Load priority areas (e.g. ordningsvaktsområden) as named polygons in the working CRS."""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from siteplan.errors import InputError, InputWarning
from siteplan.io._common import (
    as_text,
    cap_text,
    did_you_mean,
    read_parquet,
    read_vector,
    require_file,
    row_list,
    to_working_crs,
)

__all__ = ["load_areas", "load_polygons"]

log = logging.getLogger(__name__)

_POLYGONAL = frozenset({"Polygon", "MultiPolygon"})


def load_areas(
    path: str | os.PathLike[str],
    *,
    crs: str = "EPSG:3006",
    name_column: str = "name",
    layer: str | None = None,
) -> gpd.GeoDataFrame:
    """
    Read a polygon file of named priority areas.

    Parameters
    ----------
    path
        A GeoJSON, GeoPackage, GeoParquet or any other polygon file pyogrio reads.
    crs
        The working CRS (projected, metres).
    name_column
        The column holding each area's name (scenario key ``inputs.areas_name_column``).
    layer
        Layer of a multi-layer file such as a GeoPackage; needed when there are several.

    Returns
    -------
    areas
        Indexed by ``area`` (the stripped name, str, unique), with a Polygon or MultiPolygon
        ``geometry`` in `crs`. Rows keep the file's order.

    Raises
    ------
    SourceUnavailableError
        If the file does not exist.
    InputError
        If the file is empty, the name column is missing, names are empty or repeated (ignoring
        case), or a geometry is missing or not a polygon.
    CRSError
        If the file has no CRS, or `crs` is not a projected CRS in metres.

    Warns
    -----
    InputWarning
        When invalid polygons (e.g. self-intersecting) were repaired with
        :func:`shapely.make_valid`.
    """
    path = require_file(path, what="areas file", key="inputs.areas")
    frame = _read(path, layer)
    key = "inputs.areas_name_column"
    if name_column not in frame:
        found = [c for c in frame.columns if c != frame.geometry.name]
        msg = (
            f"{path}: no column {name_column!r} with the area names."
            f"{did_you_mean(name_column, found)} Found columns: {found}. Set {key} "
            "(or name_column=) to the column that holds them."
        )
        raise InputError(msg)
    names = as_text(frame[name_column])
    names = cap_text(names, what=f"area names in column {name_column!r} ({key})", source=str(path))
    _check_names(names, path, name_column)
    geometry = _check_geometry(frame, path)
    areas = gpd.GeoDataFrame(
        geometry=geometry.set_axis(pd.Index(names.to_numpy(), name="area", dtype="str"))
    )
    areas = to_working_crs(areas, crs, source=path)
    areas = areas.set_geometry(_repaired(areas.geometry, path, labels=list(areas.index)))
    _warn_overlaps(areas, path)
    log.info(
        "loaded %d areas (%.2f km² in total) from %s",
        len(areas),
        areas.geometry.area.sum() / 1e6,
        path,
    )
    return areas


def load_polygons(
    path: str | os.PathLike[str],
    *,
    crs: str = "EPSG:3006",
    layer: str | None = None,
) -> gpd.GeoDataFrame:
    """
    Read a file of unnamed polygons, such as zones where no camera may be placed.

    Parameters
    ----------
    path
        A GeoJSON, GeoPackage, GeoParquet or any other polygon file pyogrio reads.
    crs
        The working CRS (projected, metres).
    layer
        Layer of a multi-layer file such as a GeoPackage; needed when there are several.

    Returns
    -------
    polygons
        The file's features in its order (RangeIndex), attribute columns kept, with a Polygon or
        MultiPolygon ``geometry`` in `crs`.

    Raises
    ------
    SourceUnavailableError
        If the file does not exist.
    InputError
        If the file is empty, or a geometry is missing or not a polygon.
    CRSError
        If the file has no CRS, or `crs` is not a projected CRS in metres.

    Warns
    -----
    InputWarning
        When invalid polygons were repaired with :func:`shapely.make_valid`.
    """
    path = require_file(path, what="polygon file")
    frame = _read(path, layer)
    _check_geometry(frame, path)
    frame = to_working_crs(frame, crs, source=path)
    labels = [f"row {i + 1}" for i in range(len(frame))]
    frame = frame.set_geometry(_repaired(frame.geometry, path, labels=labels))
    log.info("loaded %d polygons from %s", len(frame), path)
    return frame


def _read(path: Path, layer: str | None) -> gpd.GeoDataFrame:
    if path.suffix.lower() in {".parquet", ".geoparquet"}:
        frame = read_parquet(path)
        if not isinstance(frame, gpd.GeoDataFrame):
            msg = f"{path}: a Parquet file without geometry; polygons need GeoParquet."
            raise InputError(msg)
    else:
        frame = read_vector(path, layer=layer)
    return frame.reset_index(drop=True)


def _check_names(names: pd.Series, path: os.PathLike[str], column: str) -> None:
    empty = names.isna()
    if empty.any():
        msg = (
            f"{path}: column {column!r} is empty in {row_list(_rows(empty))}. Every area needs a "
            "name (it is how incidents and reports refer to it); fill them in or drop the rows."
        )
        raise InputError(msg)
    folded = names.str.casefold()
    repeated = folded.duplicated(keep=False)
    if repeated.any():
        groups = names[repeated].groupby(folded[repeated], sort=False)
        shown = [
            f"{'/'.join(dict.fromkeys(group))!r} (rows {', '.join(map(str, group.index + 1))})"
            for _, group in list(groups)[:5]
        ]
        msg = (
            f"{path}: column {column!r} repeats area names (ignoring case): {', '.join(shown)}. "
            "Names must be unique: merge each area's polygons into one (e.g. QGIS 'Dissolve' "
            "by name) or rename them."
        )
        raise InputError(msg)


def _check_geometry(frame: gpd.GeoDataFrame, path: os.PathLike[str]) -> gpd.GeoSeries:
    geometry = frame.geometry
    missing = geometry.isna() | geometry.is_empty
    if missing.any():
        msg = (
            f"{path}: {int(missing.sum())} feature(s) have no geometry "
            f"({row_list(_rows(missing))}). Draw their polygons or drop the rows."
        )
        raise InputError(msg)
    kinds = geometry.geom_type
    bad = ~kinds.isin(_POLYGONAL)
    if bad.any():
        msg = (
            f"{path}: {int(bad.sum())} geometries are {sorted(set(kinds[bad]))}, not polygons "
            f"({row_list(_rows(bad))}). Areas must be Polygon or MultiPolygon; buffer lines or "
            "points into polygons, or drop those rows."
        )
        raise InputError(msg)
    return geometry


def _repaired(
    geometry: gpd.GeoSeries, path: os.PathLike[str], *, labels: list[str]
) -> gpd.GeoSeries:
    """Make invalid polygons valid, keeping them polygonal; warn with the count and `labels`."""
    invalid = ~geometry.is_valid
    named = [label for label, bad in zip(labels, invalid, strict=True) if bad]
    if not invalid.any():
        return geometry
    fixed = shapely.make_valid(
        geometry[invalid].to_numpy(), method="structure", keep_collapsed=False
    )
    reasons = shapely.is_valid_reason(geometry[invalid].to_numpy())
    empty = shapely.is_empty(fixed)
    if empty.any():
        names = [label for label, gone in zip(named, empty, strict=True) if gone]
        msg = (
            f"{path}: {names} have polygons with no area left after repair "
            f"({reasons[empty][0]}). Redraw them."
        )
        raise InputError(msg)
    warnings.warn(
        f"{path}: repaired {int(invalid.sum())} invalid polygon(s) with shapely.make_valid: "
        f"{named[:5]} (e.g. {reasons[0]}). Check their outlines.",
        InputWarning,
        stacklevel=3,
    )
    out = geometry.copy()
    out[invalid] = fixed
    return out


def _warn_overlaps(areas: gpd.GeoDataFrame, path: os.PathLike[str]) -> None:
    """Warn with counts when areas overlap by more than 1 m² (not just share a border)."""
    left, right = areas.sindex.query(areas.geometry.values, predicate="intersects")
    pairs = [(i, j) for i, j in zip(left, right, strict=True) if i < j]
    shared = [
        (float(areas.geometry.iloc[i].intersection(areas.geometry.iloc[j]).area), i, j)
        for i, j in pairs
    ]
    overlaps = sorted(((a, i, j) for a, i, j in shared if a > 1.0), reverse=True)
    if not overlaps:
        return
    area_m2, i, j = overlaps[0]
    total = sum(a for a, _, _ in overlaps)
    warnings.warn(
        f"{Path(path).name}: {len(overlaps)} pair(s) of priority areas overlap, "
        f"{total:,.0f} m² in all (the largest: {areas.index[i]!r} and {areas.index[j]!r}, "
        f"{area_m2:,.0f} m²). Incidents and streets in an overlap count for one area only, so "
        "the other loses that demand. Make the areas disjoint (e.g. QGIS 'Difference').",
        InputWarning,
        stacklevel=3,
    )


def _rows(mask: pd.Series) -> list[int]:
    """1-based feature numbers where `mask` is true (the frame has a RangeIndex)."""
    return [int(i) + 1 for i in mask.index[mask.to_numpy()]]
