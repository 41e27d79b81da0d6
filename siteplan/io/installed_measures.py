"""Installed safety measures other than cameras: lighting, help points, vegetation, custom.

The follow-up evaluates each installed measure like a camera site, before/after its
``installed_on`` date against matched controls (:mod:`siteplan.followup.measures`). A measure is
a stretch (LineString: improved lighting, vegetation clearance) or a spot (Point: an emergency
help point, acting within ``reach_m``, default 50 m); a ``custom`` measure may be either.

A CSV holds the geometry as WKT in a ``geometry`` (or ``wkt``) column, in the working CRS
(metres), or in WGS 84 degrees (lon lat) when every coordinate lies within ±180/±90; GeoJSON,
GeoPackage and other vector files carry their own CRS. Every bad cell is reported at once,
naming the file, the column and the data row (1-based, the header not counted).
"""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from siteplan.crs import parse_crs
from siteplan.errors import InputError, InputWarning
from siteplan.io._common import (
    as_text,
    read_csv,
    read_vector,
    require_file,
    row_list,
    to_working_crs,
)
from siteplan.io.spending import data_rows, parse_amount, parse_dates, require_columns

__all__ = [
    "DEFAULT_REACH_M",
    "INSTALLED_MEASURE_KINDS",
    "load_installed_measures",
]

log = logging.getLogger(__name__)

#: The kinds of installed measure the follow-up evaluates.
INSTALLED_MEASURE_KINDS: tuple[str, ...] = ("lighting", "help_point", "vegetation", "custom")
#: Reach of a point measure (help point) when the file gives none, in metres.
DEFAULT_REACH_M = 50.0

_WHAT = "installed-measures file"
_REQUIRED = ("measure_id", "kind", "installed_on")
_TEXT_SUFFIXES = frozenset({".csv", ".tsv", ".txt"})
_WKT_NAMES = ("geometry", "wkt", "geom", "the_geom")
_LINES = frozenset({"LineString", "MultiLineString"})
_POINTS = frozenset({"Point"})
#: Geometry types each kind may have.
_SHAPES: dict[str, frozenset[str]] = {
    "lighting": _LINES,
    "vegetation": _LINES,
    "help_point": _POINTS,
    "custom": _LINES | _POINTS,
}


def load_installed_measures(
    path: str | os.PathLike[str], *, crs: str = "EPSG:3006"
) -> gpd.GeoDataFrame:
    """
    Read installed non-camera measures from a CSV with WKT geometry, GeoJSON or GeoPackage.

    Parameters
    ----------
    path
        The file: columns ``measure_id``, ``kind`` (``lighting``, ``help_point``,
        ``vegetation`` or ``custom``), ``installed_on`` (YYYY-MM-DD), an optional ``reach_m``
        and a geometry (a CSV's ``geometry`` or ``wkt`` column in WKT). Lighting and
        vegetation are lines, help points points, custom measures either.
    crs
        The working CRS (projected, metres).

    Returns
    -------
    measures
        Indexed by ``measure_id`` (str) in file order, with ``kind``, ``installed_on``
        (naive midnight timestamps), ``reach_m`` (float: the given value or 50 for points,
        NaN for lines) and the geometry in `crs`. Rows with a blank ``installed_on`` (not
        installed yet) are left out with a warning. Other columns are kept.

    Raises
    ------
    SourceUnavailableError
        If the file does not exist.
    InputError
        If a column is missing, an id is blank or repeated, a kind unknown, a date, reach or
        WKT unreadable, or a geometry of the wrong type for its kind; every bad cell is
        listed with its column and row.
    CRSError
        If a vector file has no CRS.

    Warns
    -----
    InputWarning
        When measures without an ``installed_on`` date are left out.
    """
    path = require_file(path, what=_WHAT)
    target = parse_crs(crs, key="study_area.crs")
    frame = _read(path, crs)
    require_columns(frame, _REQUIRED, path, _WHAT)
    parsed, problems = _parse_cells(frame)
    if problems:
        msg = f"{path}: {len(problems)} problem(s) in the {_WHAT}:\n" + "\n".join(
            f"  - {p}" for p in problems
        )
        raise InputError(msg)
    out = frame.assign(**parsed)
    out = _drop_not_installed(out, path)
    points = out.geom_type == "Point"
    out["reach_m"] = out["reach_m"].where(~points | out["reach_m"].notna(), DEFAULT_REACH_M)
    out = to_working_crs(out, target, source=str(path))
    log.info(
        "loaded %d installed measures (%s) from %s",
        len(out),
        ", ".join(f"{n} {k}" for k, n in out["kind"].value_counts().sort_index().items()),
        path.name,
    )
    return out.set_index("measure_id")


def _read(path: Path, crs: str) -> gpd.GeoDataFrame:
    """The file as a layer with a RangeIndex (a CSV's WKT parsed; bad WKT raises)."""
    if path.suffix.lower() not in _TEXT_SUFFIXES:
        frame = read_vector(path).reset_index(drop=True)
        if frame.geometry.name != "geometry":
            frame = frame.rename_geometry("geometry")
        return frame
    table = read_csv(path)
    lower = {str(c).lower(): str(c) for c in table.columns}
    column = next((lower[n] for n in _WKT_NAMES if n in lower), None)
    if column is None:
        msg = (
            f"{path}: no geometry column in the {_WHAT}; found {list(table.columns)}. Add a "
            "column 'geometry' with WKT, e.g. 'LINESTRING (500100 6400200, 500180 6400210)' "
            f"in {crs}, or export the layer as GeoJSON or GeoPackage."
        )
        raise InputError(msg)
    text = as_text(table[column])
    shapes = shapely.from_wkt(text.to_numpy(dtype=object), on_invalid="ignore")
    bad = pd.Series(shapely.is_missing(shapes), index=table.index) & text.notna()
    if bad.any():
        msg = (
            f"{path}: column {column!r} is not WKT in {row_list(data_rows(bad), list(text[bad]))}."
            " Write e.g. 'LINESTRING (500100 6400200, 500180 6400210)' or 'POINT (500100 "
            "6400200)'."
        )
        raise InputError(msg)
    table = table.drop(columns=[column])
    return gpd.GeoDataFrame(table, geometry=shapes, crs=_wkt_crs(shapes, crs))


def _wkt_crs(shapes: np.ndarray, crs: str) -> str:
    """WGS 84 when every coordinate lies within ±180/±90 (degrees), else the working CRS."""
    have = shapes[~shapely.is_missing(shapes)]
    if not len(have):
        return crs
    xy = shapely.get_coordinates(have)
    degrees = bool((np.abs(xy[:, 0]) <= 180).all() and (np.abs(xy[:, 1]) <= 90).all())
    return "EPSG:4326" if degrees else crs


def _parse_cells(frame: gpd.GeoDataFrame) -> tuple[dict[str, pd.Series], list[str]]:
    """Kinds, dates and reaches read from their text, and one line per kind of bad cell."""
    problems: list[str] = []

    def flag(col: str, bad: pd.Series, what: str) -> None:
        if bad.any():
            shown = ["" if pd.isna(v) else v for v in frame[col][bad]]
            problems.append(f"column {col!r} {what} in {row_list(data_rows(bad), shown)}")

    ids = as_text(frame["measure_id"])
    flag("measure_id", ids.isna(), "is empty")
    flag("measure_id", ids.duplicated(keep="first") & ids.notna(), "repeats an id")
    kind = as_text(frame["kind"]).str.strip().str.lower()
    known = kind.isin(INSTALLED_MEASURE_KINDS)
    flag("kind", ~known, f"is not one of {list(INSTALLED_MEASURE_KINDS)}")
    raw_dates = frame["installed_on"]
    if pd.api.types.is_datetime64_any_dtype(raw_dates):  # a vector file's date field
        raw_dates = raw_dates.dt.strftime("%Y-%m-%d")
    text = as_text(raw_dates)
    dates = parse_dates(text)
    flag("installed_on", text.notna() & dates.isna(), "is not a date (write YYYY-MM-DD)")
    reach = pd.Series(np.nan, index=frame.index, dtype=float)
    if "reach_m" in frame.columns:
        raw = frame["reach_m"]
        reach = parse_amount(as_text(raw)) if not pd.api.types.is_numeric_dtype(raw) else raw
        reach = reach.astype(float)
        flag("reach_m", reach.isna() & raw.notna(), "is not a number")
        flag("reach_m", reach <= 0, "must be > 0")
    problems.extend(_geometry_problems(frame.geometry, kind.where(known)))
    parsed = {"measure_id": ids, "kind": kind, "installed_on": dates, "reach_m": reach}
    return parsed, problems


def _geometry_problems(geometry: gpd.GeoSeries, kind: pd.Series) -> list[str]:
    """Rows without a geometry, and geometries of a type their kind may not have."""
    problems = []
    missing = geometry.isna() | geometry.is_empty
    if missing.any():
        where = row_list(data_rows(missing))
        problems.append(f"{int(missing.sum())} measure(s) without a geometry, {where}")
    types = geometry.geom_type
    for name, allowed in _SHAPES.items():
        bad = kind.eq(name) & ~missing & ~types.isin(allowed)
        if bad.any():
            want = " or ".join(sorted(allowed))
            problems.append(
                f"column 'geometry': a {name} measure must be a {want}, found "
                f"{row_list(data_rows(bad), list(types[bad]))}"
            )
    return problems


def _drop_not_installed(frame: gpd.GeoDataFrame, path: Path) -> gpd.GeoDataFrame:
    """Leave out (with a warning) the measures without an ``installed_on`` date."""
    not_yet = frame["installed_on"].isna()
    if not not_yet.any():
        return frame
    warnings.warn(
        f"{path}: {int(not_yet.sum())} measure(s) have no installed_on date and are treated as "
        f"not installed ({row_list(data_rows(not_yet), list(frame['measure_id'][not_yet]))}).",
        InputWarning,
        stacklevel=3,
    )
    return frame.loc[~not_yet].reset_index(drop=True)
