"""Cameras already installed: points with model, azimuth and field of view.

One loader serves both uses: a plan fixes the installed cameras into the solution (it needs
``model`` and ``azimuth_deg``), and the follow-up compares incidents around them before and
after their ``installed_on`` date (it needs the date, ``hfov_deg`` and ``range_m``). Every bad
cell is reported at once, naming the file, the column and the data row (1-based, the header not
counted).
"""

from __future__ import annotations

import logging
import os
import warnings

import geopandas as gpd
import pandas as pd

from siteplan.crs import parse_crs
from siteplan.errors import InputError, InputWarning
from siteplan.io._common import read_csv, read_vector, require_file, row_list, to_working_crs
from siteplan.io.spending import data_rows, parse_amount, parse_dates, require_columns

__all__ = ["load_installed_cameras"]

log = logging.getLogger(__name__)

_WHAT = "installed-cameras file"
#: Columns a plan needs to fix a camera into the solution.
_PLAN_COLUMNS = ("model", "azimuth_deg")
#: Columns the follow-up needs: the day and the footprint.
_DATED_COLUMNS = ("camera_id", "installed_on", "azimuth_deg", "hfov_deg", "range_m")
_NUMERIC = ("azimuth_deg", "hfov_deg", "range_m")
_OPTIONAL_NUMERIC = ("capex_sek", "opex_sek_per_year", "total_cost_sek", "covered_demand")
_TEXT_SUFFIXES = {".csv", ".tsv", ".txt"}


def load_installed_cameras(
    path: str | os.PathLike[str], *, crs: str = "EPSG:3006", dated: bool = False
) -> gpd.GeoDataFrame:
    """
    Read installed cameras from a CSV (``x``/``y`` in `crs` or ``lon``/``lat``) or a point layer.

    Parameters
    ----------
    path
        A ``cameras.csv`` as siteplan writes it (plus ``installed_on`` for a follow-up), or
        any point file GDAL reads. ``azimuth_deg`` is blank for a 360° camera.
    crs
        The working CRS (projected, metres).
    dated
        Require what a follow-up needs: ``camera_id``, ``installed_on`` (YYYY-MM-DD),
        ``azimuth_deg``, ``hfov_deg`` and ``range_m`` (``model`` is then optional). Without
        it, ``model`` and ``azimuth_deg`` are required, as a plan needs them.

    Returns
    -------
    cameras
        Points in `crs`, indexed by ``camera_id`` (str; ``installed-001``, ... when the file
        has none) in file order, with ``x``/``y`` in `crs`, the numeric columns as floats and
        ``installed_on`` (when present) as naive midnight timestamps. Cameras with a blank
        ``installed_on`` (not installed yet) are left out. Other columns are kept.

    Raises
    ------
    SourceUnavailableError
        If the file does not exist.
    InputError
        If a column is missing, an id is blank or repeated, or a date, number or coordinate
        cannot be read; every bad cell is listed with its column and row.
    CRSError
        If a point layer has no CRS.

    Warns
    -----
    InputWarning
        When cameras without an ``installed_on`` date are left out.
    """
    path = require_file(path, what=_WHAT)
    target = parse_crs(crs, key="study_area.crs")
    is_table = path.suffix.lower() in _TEXT_SUFFIXES
    frame = read_csv(path) if is_table else read_vector(path)
    require_columns(frame, _DATED_COLUMNS if dated else _PLAN_COLUMNS, path, _WHAT)
    coords = _coordinate_columns(frame, path, crs) if is_table else None
    parsed, problems = _parse_cells(frame, coords)
    if problems:
        msg = f"{path}: {len(problems)} problem(s) in the {_WHAT}:\n" + "\n".join(
            f"  - {p}" for p in problems
        )
        raise InputError(msg)
    out = frame.assign(**parsed)
    if "installed_on" in out.columns:
        out = _drop_not_installed(out, path)
    if coords is None:
        points = gpd.GeoDataFrame(out, geometry=out.geometry.name, crs=frame.crs)
    else:
        (xcol, ycol), coord_crs = coords
        geom = gpd.points_from_xy(out[xcol], out[ycol])
        points = gpd.GeoDataFrame(out, geometry=geom, crs=coord_crs)
    points = to_working_crs(points, target, source=str(path))
    points["x"], points["y"] = points.geometry.x, points.geometry.y
    if "camera_id" not in points.columns:
        points["camera_id"] = [f"installed-{i + 1:03d}" for i in range(len(points))]
    points["camera_id"] = points["camera_id"].astype(str)
    log.info("loaded %d installed cameras from %s", len(points), path)
    return points.set_index("camera_id")


def _coordinate_columns(
    frame: pd.DataFrame, path: os.PathLike[str], crs: str
) -> tuple[tuple[str, str], str]:
    """The coordinate columns of a table and their CRS: ``x``/``y`` in `crs`, else lon/lat."""
    if {"x", "y"} <= set(frame.columns):
        return ("x", "y"), crs
    if {"lon", "lat"} <= set(frame.columns):
        return ("lon", "lat"), "EPSG:4326"
    msg = (
        f"{path}: no coordinate columns; found {list(frame.columns)}. Add `x`,`y` (in {crs}) "
        "or `lon`,`lat` (WGS 84), as in the plan's cameras.csv."
    )
    raise InputError(msg)


def _parse_cells(
    frame: pd.DataFrame, coords: tuple[tuple[str, str], str] | None
) -> tuple[dict[str, pd.Series], list[str]]:
    """Numbers and dates read from their text, and one line per kind of bad cell."""
    problems: list[str] = []

    def flag(col: str, bad: pd.Series, what: str) -> None:
        if bad.any():
            shown = ["" if pd.isna(v) else v for v in frame[col][bad]]
            problems.append(f"column {col!r} {what} in {row_list(data_rows(bad), shown)}")

    if "camera_id" in frame.columns:
        ids = frame["camera_id"]
        flag("camera_id", ids.isna(), "is empty")
        flag("camera_id", ids.duplicated(keep="first") & ids.notna(), "repeats an id")
    parsed: dict[str, pd.Series] = {}
    if "installed_on" in frame.columns:
        text = frame["installed_on"]
        parsed["installed_on"] = parse_dates(text.astype("str").where(text.notna()))
        bad_date = text.notna() & parsed["installed_on"].isna()
        flag("installed_on", bad_date, "is not a date (write YYYY-MM-DD, e.g. 2025-02-03)")
    coord_cols = coords[0] if coords is not None else ()
    for col in (*_NUMERIC, *coord_cols, *_OPTIONAL_NUMERIC):
        if col in frame.columns:
            parsed[col] = parse_amount(frame[col])
            flag(col, parsed[col].isna() & frame[col].notna(), "is not a number")
    hfov = parsed.get("hfov_deg")
    if hfov is not None:  # a blank azimuth is fine for a 360° camera
        flag("azimuth_deg", frame["azimuth_deg"].isna() & (hfov < 360), "is empty")
    for col in ("hfov_deg", "range_m", *coord_cols):
        if col in frame.columns:
            flag(col, frame[col].isna(), "is empty")
    if hfov is not None:
        flag("hfov_deg", (hfov <= 0) | (hfov > 360), "must be in (0, 360]")
    if "range_m" in parsed:
        flag("range_m", parsed["range_m"] <= 0, "must be > 0")
    if coords is None:
        geoms = frame.geometry
        bad = geoms.isna() | geoms.is_empty
        if bad.any():
            where = row_list(data_rows(bad))
            problems.append(f"{int(bad.sum())} camera(s) without a point geometry, {where}")
    return parsed, problems


def _drop_not_installed(frame: pd.DataFrame, path: os.PathLike[str]) -> pd.DataFrame:
    """Leave out (with a warning) the cameras without an ``installed_on`` date."""
    not_yet = frame["installed_on"].isna()
    if not not_yet.any():
        return frame
    ids = list(frame["camera_id"][not_yet]) if "camera_id" in frame.columns else None
    warnings.warn(
        f"{path}: {int(not_yet.sum())} camera(s) have no installed_on date and are treated "
        f"as not installed ({row_list(data_rows(not_yet), ids)}).",
        InputWarning,
        stacklevel=3,
    )
    return frame.loc[~not_yet].reset_index(drop=True)
