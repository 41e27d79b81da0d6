"""Load police incidents from CSV, GeoJSON, GeoPackage or Parquet into the incidents schema.

Rows with coordinates become points in the working CRS. Rows without usable coordinates (blank,
or the source's placeholder such as the municipality centroid of the Swedish police feed) are
located by the name of a priority area found in their text, and keep ``geometry=None``: they are
never turned into invented points.
"""

from __future__ import annotations

import logging
import os
import re
import warnings
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj

from siteplan.config import IncidentColumns
from siteplan.crs import parse_crs
from siteplan.errors import CRSError, InputError, InputWarning
from siteplan.io._common import (
    MAX_TEXT_CHARS,
    as_text,
    cap_text,
    did_you_mean,
    read_csv,
    read_parquet,
    read_vector,
    require_file,
    require_in_area_of_use,
    row_list,
    to_working_crs,
)

__all__ = ["MAX_CATEGORY_CHARS", "NO_COLUMN", "UNKNOWN_CATEGORY", "load_incidents"]

log = logging.getLogger(__name__)

#: Category given to rows whose category cell is empty.
UNKNOWN_CATEGORY = "Okänd"
#: ``time`` / ``category`` value of ``inputs.incident_columns`` for a file without that column.
NO_COLUMN = "none"
#: Longer categories are cut to this length (with a warning): they end up in every output.
MAX_CATEGORY_CHARS = MAX_TEXT_CHARS

_KEY = "inputs.incident_columns"
_CSV_SUFFIXES = frozenset({".csv", ".tsv", ".txt"})
_PARQUET_SUFFIXES = frozenset({".parquet", ".geoparquet", ".pq"})
# Degrees; the police feed rounds coordinates to 6 decimals.
_PLACEHOLDER_TOL_DEG = 1e-6
# An ISO time of day followed by a UTC offset ("20:22:30 +01:00", "T20:22Z").
_OFFSET = re.compile(r"\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:[zZ]|[+-]\d{2}(?::?\d{2})?)$")


def load_incidents(
    path: str | os.PathLike[str],
    *,
    crs: str = "EPSG:3006",
    timezone: str = "Europe/Stockholm",
    columns: IncidentColumns | None = None,
    areas: gpd.GeoDataFrame | None = None,
    encoding: str | None = None,
    layer: str | None = None,
    as_of: pd.Timestamp | None = None,
) -> gpd.GeoDataFrame:
    """
    Read an incident file into the incidents layer.

    Parameters
    ----------
    path
        A CSV (delimiter ``,`` ``;`` or tab), GeoJSON, GeoPackage, Parquet or GeoParquet file.
        Files with a geometry use it; other files use the coordinate columns of `columns`.
    crs
        The working CRS (projected, metres).
    timezone
        IANA time zone the times are converted to; times without a UTC offset are read as local
        time there (with an :class:`InputWarning`). A local time that occurs twice when clocks go
        back is read as summer time.
    columns
        Which columns hold the id, time, category, coordinates and area text; defaults to
        :class:`~siteplan.config.IncidentColumns` (``id``, ``occurred_at``, ``category``,
        ``lat``, ``lon``). A file written by siteplan (``incident_id`` and ``area`` columns)
        reads back with the defaults.
    areas
        The priority areas (from :func:`siteplan.io.areas.load_areas`, indexed by name). Needed when
        rows without coordinates are to be located by the area named in their text.
    encoding
        Encoding of a CSV file; None means ``columns.encoding``, else UTF-8 (checked).
    layer
        Layer of a multi-layer file such as a GeoPackage.
    as_of
        Incidents after this time are an error unless ``columns.allow_future``; None: now.

    Returns
    -------
    incidents
        Indexed by ``incident_id`` (str), with ``occurred_at`` (tz-aware, in `timezone`; NaT
        for every row when ``columns.time`` is ``"none"``), ``category`` (str;
        :data:`UNKNOWN_CATEGORY` for every row when ``columns.category`` is ``"none"``),
        ``area`` (str for area-level rows, else missing) and ``geometry``
        (Point in `crs`, or None for area-level rows). Rows keep the file's order.

    Raises
    ------
    SourceUnavailableError
        If the file does not exist.
    InputError
        If the file is empty or not UTF-8, a required column is missing, times or coordinates
        cannot be read, coordinates lie outside the CRS's area of use or look swapped, ids are
        missing or repeated, area-level rows exist but no `areas` were given, or times lie
        after `as_of` (unless ``columns.allow_future``).
    CRSError
        If `crs` or ``columns.coord_crs`` is not a valid CRS, or a vector file has no CRS.

    Warns
    -----
    InputWarning
        When rows are skipped (no time; no coordinates and no area match), categories are
        missing or cut to :data:`MAX_CATEGORY_CHARS`, times have no UTC offset, many points
        share one coordinate, or the file has no time or category column (``"none"``: the
        warning states what the plan loses).
    """
    path = require_file(path, what="incident file", key="inputs.incidents")
    cols = columns or IncidentColumns()
    target = parse_crs(crs, key="study_area.crs")
    table, points = _read(path, encoding=encoding or cols.encoding, layer=layer)
    id_col = _resolve_columns(table, cols, path, has_geometry=points is not None)

    ids = _ids(table[id_col], path, id_col)
    times = _times_or_none(table, path, cols, timezone, as_of)
    category = _categories_or_none(table, path, cols)

    geometry, lonlat, area_level = _locations(table, points, cols, path, target)
    area = _locate_by_area(table, area_level, areas, cols, path)
    keep = _rows_kept(table, times, area_level, area, cols, path)
    fields = {"occurred_at": times, "category": category, "area": area}
    incidents = _layer(ids, fields, geometry.where(~area_level, None), keep, target)
    _warn_shared_point(lonlat[keep & ~area_level], path)
    _log_loaded(incidents, int((~area_level & keep).sum()), path)
    return incidents


def _layer(
    ids: pd.Series,
    fields: dict[str, pd.Series],
    geometry: gpd.GeoSeries,
    keep: pd.Series,
    crs: pyproj.CRS,
) -> gpd.GeoDataFrame:
    """The kept rows as the incidents layer, indexed by ``incident_id``."""
    index = pd.Index(ids[keep].to_numpy(), name="incident_id", dtype="str")
    return gpd.GeoDataFrame(
        {name: values[keep].set_axis(index) for name, values in fields.items()},
        geometry=geometry[keep].set_axis(index),
        crs=crs,
    )


def _log_loaded(incidents: gpd.GeoDataFrame, n_points: int, path: Path) -> None:
    """The one INFO line with the counts and the time span of the incidents."""
    times = incidents["occurred_at"].dropna()
    span = f"{times.min().date()}..{times.max().date()}" if len(times) else "no times"
    log.info(
        "loaded %d incidents (%d points, %d area-level) from %s, %s",
        len(incidents),
        n_points,
        len(incidents) - n_points,
        path.name,
        span,
    )


def _locations(
    table: pd.DataFrame,
    points: gpd.GeoDataFrame | None,
    cols: IncidentColumns,
    path: Path,
    target: pyproj.CRS,
) -> tuple[gpd.GeoSeries, pd.DataFrame, pd.Series]:
    """
    Each row's point in `target`, its lon/lat and whether it is area-level.

    A row is area-level when it has no usable coordinates or sits on the source's
    placeholder; the other rows' coordinates are checked against the CRS's area of use.
    """
    if points is None:
        xy, lonlat, swapped = _coordinates(table, cols, path)
        geometry = _points_from_xy(xy, _coord_crs(cols), target)
    else:
        geometry = to_working_crs(points, target, source=path).geometry
        lonlat, swapped = _lonlat_of(points), None
    has_point = lonlat.notna().all(axis=1)
    placeholder = _is_placeholder(lonlat, cols.placeholder_lonlat) & has_point
    checked = has_point & ~placeholder
    _check_area_of_use(
        lonlat[checked], None if swapped is None else swapped[checked], target, path, cols
    )
    return geometry, lonlat, ~has_point | placeholder


def _rows_kept(
    table: pd.DataFrame,
    times: pd.Series,
    area_level: pd.Series,
    area: pd.Series,
    cols: IncidentColumns,
    path: Path,
) -> pd.Series:
    """Rows with a time and a point or an area; warns about the others (stacklevel: caller's)."""
    no_time = times.isna() & (cols.time != NO_COLUMN)
    unplaced = area_level & area.isna() & ~no_time
    if unplaced.any():
        _warn_unplaced(table, unplaced, cols, path, stacklevel=4)
    keep = ~area_level | area.notna()
    if no_time.any():
        warnings.warn(
            f"{path}: skipped {int(no_time.sum())} row(s) with no time in column {cols.time!r} "
            f"({row_list(_rows(no_time))}).",
            InputWarning,
            stacklevel=3,
        )
    keep &= ~no_time
    if not keep.any():
        msg = (
            f"{path}: no incidents left: every row lacked a time, or coordinates and an area "
            "match (see the warnings above). Check the column mapping in "
            f"{_KEY} and the areas layer."
        )
        raise InputError(msg)
    return keep


# -- reading ---------------------------------------------------------------------------------


def _read(
    path: Path, *, encoding: str | None, layer: str | None
) -> tuple[pd.DataFrame, gpd.GeoDataFrame | None]:
    """The attribute table (RangeIndex) and, for files with geometry, the geometry column."""
    suffix = path.suffix.lower()
    if suffix in _CSV_SUFFIXES:
        return read_csv(path, encoding=encoding, encoding_key=f"{_KEY}.encoding"), None
    frame = read_parquet(path) if suffix in _PARQUET_SUFFIXES else read_vector(path, layer=layer)
    if not isinstance(frame, gpd.GeoDataFrame):
        return frame, None
    table = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    if frame.geometry.isna().all():
        return table, None
    points = frame[[frame.geometry.name]]
    kinds = frame.geometry.geom_type
    bad = kinds.notna() & (kinds != "Point")
    if bad.any():
        found = sorted(set(kinds[bad]))
        msg = (
            f"{path}: {int(bad.sum())} geometries are {found}, not points "
            f"({row_list(_rows(bad))}). Incidents must be points; convert them (e.g. to "
            "centroids) before loading, or drop the geometry and use area text."
        )
        raise InputError(msg)
    return table, points


def _resolve_columns(
    table: pd.DataFrame, cols: IncidentColumns, path: Path, *, has_geometry: bool
) -> str:
    """Check that every mapped column exists; return the id column's name."""
    found = list(table.columns)
    id_col = cols.id
    if id_col not in table and id_col == "id" and "incident_id" in table:
        id_col = "incident_id"  # a layer written by siteplan
    wanted: list[tuple[str, str]] = [("id", id_col)]
    wanted += [(key, getattr(cols, key)) for key in ("time", "category")]
    wanted = [(key, column) for key, column in wanted if column != NO_COLUMN]
    if not has_geometry:
        for a, b in (("x", "y"), ("lat", "lon")):
            if (getattr(cols, a) is None) != (getattr(cols, b) is None):
                found_pair = f"{a}={getattr(cols, a)!r}, {b}={getattr(cols, b)!r}"
                msg = f"{_KEY}: set both {a!r} and {b!r}, or neither (found {found_pair})."
                raise InputError(msg)
        pair = ("x", "y") if cols.x is not None else ("lat", "lon")
        wanted += [(key, getattr(cols, key)) for key in pair if getattr(cols, key) is not None]
    wanted += [("area_text", column) for column in cols.area_text or []]
    missing = [(key, column) for key, column in wanted if column not in table]
    if missing:
        parts = [
            f"{column!r} ({_KEY}.{key}){did_you_mean(column, found)}" for key, column in missing
        ]
        msg = (
            f"{path}: missing column(s) " + "; ".join(parts) + f". Found columns: {found}. "
            f"Set {_KEY}.<key> to the file's column name."
        )
        raise InputError(msg)
    return id_col


def _rows(mask: pd.Series) -> list[int]:
    """1-based data row numbers where `mask` is true (the frame has a RangeIndex)."""
    return [int(i) + 1 for i in np.flatnonzero(mask.to_numpy())]


# -- columns ---------------------------------------------------------------------------------


def _ids(values: pd.Series, path: Path, column: str) -> pd.Series:
    ids = as_text(values)
    missing = ids.isna()
    if missing.any():
        msg = (
            f"{path}: column {column!r} ({_KEY}.id) is empty in {row_list(_rows(missing))}. "
            "Every incident needs an id; fill them in (e.g. with the row number)."
        )
        raise InputError(msg)
    repeated = ids.duplicated(keep=False)
    if repeated.any():
        groups = ids[repeated].groupby(ids[repeated], sort=False).groups
        shown = [
            f"{key!r} (rows {', '.join(str(int(i) + 1) for i in rows)})"
            for key, rows in list(groups.items())[:5]
        ]
        more = f" and {len(groups) - 5} more" if len(groups) > 5 else ""
        msg = (
            f"{path}: column {column!r} ({_KEY}.id) has {len(groups)} repeated id(s): "
            f"{', '.join(shown)}{more}. Ids must be unique; remove duplicate rows or choose "
            "another id column."
        )
        raise InputError(msg)
    return ids


def _times_or_none(
    table: pd.DataFrame,
    path: Path,
    cols: IncidentColumns,
    timezone: str,
    as_of: pd.Timestamp | None,
) -> pd.Series:
    """The parsed times, checked for future dates; all NaT (with a warning) for "none"."""
    if cols.time == NO_COLUMN:
        warnings.warn(
            f"{path.name}: no time column ({_KEY}.time = 'none'): {len(table)} incidents have no "
            "time, so the score uses no hour-of-day or recency weights, the hold-out "
            "evaluation is skipped and no before/after follow-up is possible.",
            InputWarning,
            stacklevel=3,
        )
        return pd.Series(pd.NaT, index=table.index, dtype=f"datetime64[us, {timezone}]")
    times = _times(table[cols.time], path, cols, timezone)
    now = pd.Timestamp.now(tz=timezone) if as_of is None else as_of
    future = times > now
    if future.any() and not cols.allow_future:
        latest = times[future].max()
        msg = (
            f"{path}: column {cols.time!r} ({_KEY}.time): {int(future.sum())} incident(s) are "
            f"dated after {now:%Y-%m-%d %H:%M} (the latest {latest:%Y-%m-%d}; "
            f"{row_list(_rows(future))}). Future dates are usually typos and would change "
            f"the plan; fix them, or set {_KEY}.allow_future = true to keep them."
        )
        raise InputError(msg)
    return times


def _categories_or_none(table: pd.DataFrame, path: Path, cols: IncidentColumns) -> pd.Series:
    """The categories, cut to MAX_CATEGORY_CHARS; one category (with a warning) for "none"."""
    if cols.category == NO_COLUMN:
        warnings.warn(
            f"{path.name}: no category column ({_KEY}.category = 'none'): all {len(table)} "
            f"incidents get the one category {UNKNOWN_CATEGORY!r}, weighted by "
            "scoring.default_severity; scoring.severity does not apply and no category "
            "breakdown is shown.",
            InputWarning,
            stacklevel=3,
        )
        return pd.Series(UNKNOWN_CATEGORY, index=table.index, dtype=object)
    category = _categories(table[cols.category], path, cols.category)
    return cap_text(
        category,
        what=f"categories in column {cols.category!r} ({_KEY}.category)",
        source=str(path),
        limit=MAX_CATEGORY_CHARS,
    )


def _categories(values: pd.Series, path: Path, column: str) -> pd.Series:
    category = as_text(values)
    missing = category.isna()
    if missing.any():
        warnings.warn(
            f"{path}: {int(missing.sum())} row(s) have no category in column {column!r} "
            f"({row_list(_rows(missing))}); set to {UNKNOWN_CATEGORY!r}.",
            InputWarning,
            stacklevel=4,
        )
    return category.fillna(UNKNOWN_CATEGORY)


def _times(values: pd.Series, path: Path, cols: IncidentColumns, timezone: str) -> pd.Series:
    """Parse times to `timezone`; missing cells are NaT, unreadable ones an error."""
    where = f"column {cols.time!r} ({_KEY}.time)"
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.dt.tz_convert(timezone)
    if pd.api.types.is_datetime64_dtype(values):
        _warn_naive(int(values.notna().sum()), path, where, timezone)
        return _localize(values, timezone)
    text = as_text(values)
    missing = text.isna()
    if cols.time_format is not None:
        fmt = cols.time_format
        has_offset = any(code in fmt for code in ("%z", "%Z"))
        aware = pd.Series(has_offset, index=text.index)
    else:
        fmt = "ISO8601"
        aware = text.str.contains(_OFFSET, na=False)
    times = pd.Series(pd.NaT, index=text.index, dtype=f"datetime64[us, {timezone}]")
    if aware.any():
        parsed = pd.to_datetime(text[aware], format=fmt, utc=True, errors="coerce")
        times[aware] = parsed.dt.tz_convert(timezone)
    naive = ~aware & ~missing
    if naive.any():
        parsed = pd.to_datetime(text[naive], format=fmt, errors="coerce")
        times[naive] = _localize(parsed, timezone)
    bad = times.isna() & ~missing
    if bad.any():
        hint = (
            f"check {_KEY}.time_format ({cols.time_format!r})"
            if cols.time_format
            else f"use ISO 8601 such as '2024-05-01 21:30' or '2024-05-01T21:30:00+02:00', or set "
            f"{_KEY}.time_format (e.g. '%d/%m/%Y %H:%M')"
        )
        msg = (
            f"{path}: {where}: {int(bad.sum())} value(s) are not readable times: "
            f"{row_list(_rows(bad), list(text[bad]))}. Fix them, or {hint}."
        )
        raise InputError(msg)
    if naive.any():
        _warn_naive(int(naive.sum()), path, where, timezone)
    return times


def _localize(naive: pd.Series, timezone: str) -> pd.Series:
    # Clocks going back: read the repeated hour as summer time; going forward: shift past the gap.
    return naive.dt.tz_localize(
        timezone, ambiguous=np.ones(len(naive), dtype=bool), nonexistent="shift_forward"
    )


def _warn_naive(count: int, path: Path, where: str, timezone: str) -> None:
    warnings.warn(
        f"{path}: {where}: {count} time(s) have no UTC offset; read as local time in {timezone}. "
        "Add offsets (e.g. '+02:00') or a time_format with %z to silence this.",
        InputWarning,
        stacklevel=4,
    )


# -- coordinates -----------------------------------------------------------------------------


def _coord_crs(cols: IncidentColumns) -> pyproj.CRS:
    try:
        return pyproj.CRS.from_user_input(cols.coord_crs)
    except pyproj.exceptions.CRSError as err:
        msg = f"{_KEY}.coord_crs: {cols.coord_crs!r} is not a known CRS; use e.g. 'EPSG:4326'."
        raise CRSError(msg) from err


def _coordinates(
    table: pd.DataFrame, cols: IncidentColumns, path: Path
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """
    Read the coordinate columns.

    Returns (x, y) in ``coord_crs``, the same as (lon, lat) in degrees, and (lon, lat) of the
    columns swapped; NaN where a row has no coordinates, inf where they cannot be converted.
    """
    index = table.index
    if cols.x is not None and cols.y is not None:
        keys = (cols.x, cols.y)
    elif cols.lat is not None and cols.lon is not None:
        keys = (cols.lon, cols.lat)
    else:
        empty = pd.DataFrame({"lon": np.nan, "lat": np.nan}, index=index)
        return empty.set_axis(["x", "y"], axis=1), empty, empty
    x, y = (_numbers(table[column], path, column) for column in keys)
    half = x.isna() | y.isna()  # half a coordinate is no coordinate
    x, y = x.mask(half), y.mask(half)
    to_deg = pyproj.Transformer.from_crs(_coord_crs(cols), "EPSG:4326", always_xy=True)

    def degrees(a: pd.Series, b: pd.Series) -> pd.DataFrame:
        lon, lat = to_deg.transform(a.to_numpy(), b.to_numpy())
        lonlat = pd.DataFrame({"lon": lon, "lat": lat}, index=index)
        lonlat[~np.isfinite(lonlat).all(axis=1) & ~half] = np.inf
        return lonlat

    return pd.DataFrame({"x": x, "y": y}), degrees(x, y), degrees(y, x)


def _numbers(values: pd.Series, path: Path, column: str) -> pd.Series:
    if pd.api.types.is_numeric_dtype(values):
        return values.astype(float)
    text = as_text(values)
    numbers = pd.to_numeric(text.str.replace(",", ".", regex=False), errors="coerce")
    bad = numbers.isna() & text.notna()
    if bad.any():
        msg = (
            f"{path}: column {column!r}: {int(bad.sum())} value(s) are not numbers: "
            f"{row_list(_rows(bad), list(text[bad]))}. Use plain decimals such as 58.4108."
        )
        raise InputError(msg)
    return numbers.astype(float)


def _points_from_xy(xy: pd.DataFrame, source: pyproj.CRS, target: pyproj.CRS) -> gpd.GeoSeries:
    have = xy.notna().all(axis=1)
    points = gpd.GeoSeries.from_xy(xy["x"].fillna(0), xy["y"].fillna(0), crs=source)
    return points.where(have, None).to_crs(target)


def _lonlat_of(points: gpd.GeoDataFrame) -> pd.DataFrame:
    deg = points.geometry.to_crs("EPSG:4326")
    empty = deg.isna() | deg.is_empty
    return pd.DataFrame({"lon": deg.x.mask(empty), "lat": deg.y.mask(empty)}, index=points.index)


def _is_placeholder(
    lonlat: pd.DataFrame, placeholder: Sequence[tuple[float, float]] | None
) -> pd.Series:
    hit = pd.Series(False, index=lonlat.index)
    for lon, lat in placeholder or ():
        near_lon = (lonlat["lon"] - lon).abs() <= _PLACEHOLDER_TOL_DEG
        hit |= near_lon & ((lonlat["lat"] - lat).abs() <= _PLACEHOLDER_TOL_DEG)
    return hit


def _check_area_of_use(
    lonlat: pd.DataFrame,
    swapped: pd.DataFrame | None,
    target: pyproj.CRS,
    path: Path,
    cols: IncidentColumns,
) -> None:
    """
    Raise if points lie outside `target`'s area of use.

    `swapped` holds the same rows read with the coordinate columns swapped (None for files with
    a geometry); if all outside points fall inside that way, the message says to swap the mapping.
    """
    aou = target.area_of_use
    if aou is None or lonlat.empty:
        return

    def inside(frame: pd.DataFrame) -> pd.Series:
        return frame["lon"].between(aou.west, aou.east) & frame["lat"].between(aou.south, aou.north)

    outside = ~inside(lonlat)
    if not outside.any():
        return
    rows = [int(i) + 1 for i in lonlat.index[outside]]
    shown = row_list(rows, [f"{x:.6g}, {y:.6g}" for x, y in lonlat[outside].to_numpy()])
    bounds = f"lon {aou.west}..{aou.east}, lat {aou.south}..{aou.north}"
    count = int(outside.sum())
    if swapped is None:
        where = "geometry"
    elif cols.x is not None:
        where = f"columns {cols.x!r}/{cols.y!r} ({_KEY}.x/y)"
    else:
        where = f"columns {cols.lon!r}/{cols.lat!r} ({_KEY}.lon/lat)"
    if swapped is not None and inside(swapped[outside]).all():
        if cols.x is not None:
            fix = f"set {_KEY}.x = {cols.y!r} and {_KEY}.y = {cols.x!r}"
        else:
            fix = f"set {_KEY}.lat = {cols.lon!r} and {_KEY}.lon = {cols.lat!r}"
        msg = (
            f"{path}: {where}: {count} point(s) fall outside the area of use of {target.name} "
            f"({bounds}) but inside it with the two columns swapped ({shown}, read as lon, lat). "
            f"The columns look swapped: {fix}."
        )
        raise InputError(msg)
    lat = lonlat["lat"]
    if lat.abs().le(90).all() and lonlat["lon"].abs().le(180).all():
        # degrees that read well but lie elsewhere: the working CRS does not fit the place
        require_in_area_of_use(lonlat["lon"], lat, target, source=f"{path.name} (inputs.incidents)")
    if swapped is not None and cols.x is None and (lat.abs() > 90).any():
        bad = lat.abs() > 90
        found = row_list([int(i) + 1 for i in lonlat.index[bad]], list(lat[bad]))
        msg = (
            f"{path}: column {cols.lat!r} ({_KEY}.lat): {int(bad.sum())} latitude(s) outside "
            f"[-90, 90]: {found}. If these are projected metres, map them with {_KEY}.x/y and "
            "set coord_crs."
        )
        raise InputError(msg)
    msg = (
        f"{path}: {where}: {count} point(s) fall outside the area of use of {target.name} "
        f"({bounds}): {shown} (read as lon, lat). Check {_KEY}.coord_crs "
        f"({cols.coord_crs!r}) and those coordinates, or remove the rows."
    )
    raise InputError(msg)


def _warn_shared_point(lonlat: pd.DataFrame, path: Path) -> None:
    """Warn when one exact coordinate carries many points: likely a placeholder, not a place."""
    counts = lonlat.round(6).value_counts()
    if counts.empty:
        return
    (lon, lat), count = counts.index[0], int(counts.iloc[0])
    if count >= 10 and count >= 0.05 * len(lonlat):
        warnings.warn(
            f"{path}: {count} of {len(lonlat)} points share the exact coordinate "
            f"(lon {lon}, lat {lat}). If the source puts this on rows it cannot place (e.g. a "
            f"municipality centroid), add [{lon}, {lat}] to {_KEY}.placeholder_lonlat.",
            InputWarning,
            stacklevel=3,
        )


# -- area-level rows -------------------------------------------------------------------------


def _locate_by_area(
    table: pd.DataFrame,
    rows: pd.Series,
    areas: gpd.GeoDataFrame | None,
    cols: IncidentColumns,
    path: Path,
) -> pd.Series:
    """Area name for each row in `rows` whose text names an area; missing elsewhere."""
    area = pd.Series(pd.NA, index=table.index, dtype="str")
    if not rows.any():
        return area
    names = [] if areas is None else [str(n).strip() for n in areas.index if pd.notna(n)]
    if "area" in table and "area" not in (cols.area_text or []):
        # A layer written by siteplan: use its area column (names checked against `areas`).
        area = as_text(table["area"]).where(rows)
        if names:
            canonical = {n.casefold(): n for n in reversed(names)}
            area = area.map(lambda v: canonical.get(v.casefold()) if isinstance(v, str) else None)
            area = area.astype("str")
        rows = rows & area.isna()
    if not rows.any() or (not cols.area_text and cols.placeholder_lonlat is None):
        return area
    if areas is None:
        msg = (
            f"{path}: {int(rows.sum())} row(s) have no coordinates or only the placeholder "
            f"{cols.placeholder_lonlat}, so they must be located by the area named in "
            f"{cols.area_text}, but no areas were given. Pass areas=load_areas(...) (in a "
            "scenario: set inputs.areas)."
        )
        raise InputError(msg)
    if not cols.area_text:
        return area
    return area.fillna(match_area_names(table.loc[rows, cols.area_text], names))


def match_area_names(texts: pd.DataFrame, names: Sequence[str]) -> pd.Series:
    """
    Find, for each row, the first area name mentioned in its text columns.

    Columns are searched in order; within a column the earliest mention wins, and at one
    position the longest name. Matching ignores case and needs whole words (so "Ryd" does not
    match "Rydsvägen"), and also accepts the Swedish genitive -s ("Skäggetorps centrum").

    Parameters
    ----------
    texts
        Text columns, searched left to right.
    names
        The area names.

    Returns
    -------
    area
        The matched name as spelled in `names`, or missing; indexed like `texts`.
    """
    area = pd.Series(pd.NA, index=texts.index, dtype="str")
    unique = list(dict.fromkeys(n for n in names if n))
    if not unique or texts.empty:
        return area
    ordered = sorted(unique, key=len, reverse=True)
    pattern = re.compile(
        "|".join(
            rf"(?P<a{i}>(?<!\w){re.escape(n)}{'' if n[-1].lower() in 'sxz' else 's?'}(?!\w))"
            for i, n in enumerate(ordered)
        ),
        re.IGNORECASE,
    )

    def first(text: object) -> str | None:
        if not isinstance(text, str):
            return None
        hit = pattern.search(text)
        return ordered[int(hit.lastgroup[1:])] if hit and hit.lastgroup else None

    for column in texts.columns:
        todo = area.isna()
        if not todo.any():
            break
        found = texts.loc[todo, column].map(first)
        area = area.fillna(found.astype("str"))
    return area


def _warn_unplaced(
    table: pd.DataFrame,
    unplaced: pd.Series,
    cols: IncidentColumns,
    path: Path,
    *,
    stacklevel: int,
) -> None:
    rows = _rows(unplaced)
    if cols.area_text:
        how = f"no area name in {cols.area_text}"
        first = table.loc[unplaced, cols.area_text].iloc[0]
        text = next((str(v) for v in first if isinstance(v, str) and v.strip()), "")
        where = f"Example: row {rows[0]}: {text[:80]!r}."
    else:
        how = f"no area text columns ({_KEY}.area_text is not set)"
        where = f"({row_list(rows)})."
    warnings.warn(
        f"{path}: skipped {len(rows)} row(s) with no usable coordinates and {how}. {where}",
        InputWarning,
        stacklevel=stacklevel,
    )
