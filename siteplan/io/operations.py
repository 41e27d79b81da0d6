"""Read a camera coordinator's operations records: footage disclosures and camera uptime.

Both files are optional inputs of the follow-up (``siteplan followup --disclosures FILE
--uptime FILE``), and the "other interventions" layer (police cameras, guard deployments)
whose areas may not serve as controls. Every bad cell is reported at once, naming the file,
the column and the data row (1-based, the header not counted); the messages show the bad
value only, never a whole row.

Disclosures (one line per release of footage to the police):
``date`` (YYYY-MM-DD), ``site_id`` and/or ``camera_id``, ``case_used`` (``yes``/``no``,
``ja``/``nej``, ``true``/``false``, ``1``/``0``; blank when not yet known).

Uptime (one line per camera or site and day, month or span):
``site_id`` and/or ``camera_id``; ``date`` (YYYY-MM-DD) or ``period`` (``YYYY-MM``,
``YYYY-MM-DD`` or ``YYYY-MM-DD/YYYY-MM-DD``); ``uptime_share`` (0–1, or a percentage written
with ``%``) or ``uptime_hours`` (hours recorded in that period).
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from siteplan.errors import InputError
from siteplan.io._common import did_you_mean, read_csv, require_file, row_list
from siteplan.io.areas import load_polygons
from siteplan.io.spending import data_rows, parse_amount, parse_dates, require_columns

__all__ = [
    "CASE_USED_NO",
    "CASE_USED_YES",
    "load_disclosures",
    "load_interventions",
    "load_uptime",
    "parse_period",
]

log = logging.getLogger(__name__)

#: Texts read as "the footage was used in the case" (any case).
CASE_USED_YES: frozenset[str] = frozenset({"yes", "y", "ja", "j", "true", "1", "used", "använd"})
#: Texts read as "the footage was not used".
CASE_USED_NO: frozenset[str] = frozenset(
    {"no", "n", "nej", "false", "0", "unused", "not used", "ej använd", "inte använd"}
)
_ID_COLUMNS = ("site_id", "camera_id")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MONTH = re.compile(r"^\d{4}-\d{2}$")
_SPAN = re.compile(r"^(\d{4}-\d{2}-\d{2})\s*/\s*(\d{4}-\d{2}-\d{2})$")


def _fail(path: Path, what: str, problems: list[str]) -> None:
    """Raise one InputError listing every problem, if there are any."""
    if problems:
        msg = f"{path}: {len(problems)} problem(s) in the {what}:\n" + "\n".join(
            f"  - {p}" for p in problems
        )
        raise InputError(msg)


def _shown(frame: pd.DataFrame, col: str, bad: pd.Series) -> list[str]:
    """The offending cells of `col` as text ("" for blanks)."""
    return [v if isinstance(v, str) else "" for v in frame[col][bad]]


def _ids(frame: pd.DataFrame, path: Path, what: str, problems: list[str]) -> pd.DataFrame:
    """``site_id`` and ``camera_id`` (text or missing); at least one per row."""
    if not any(c in frame.columns for c in _ID_COLUMNS):
        hints = "".join(did_you_mean(c, list(frame.columns)) for c in _ID_COLUMNS)
        msg = (
            f"{path}: the {what} needs a 'site_id' or a 'camera_id' column; found "
            f"{list(frame.columns)}.{hints} Add the column to the header line."
        )
        raise InputError(msg)
    blank = pd.Series(pd.NA, index=frame.index, dtype="str")
    ids = pd.DataFrame(
        {c: frame[c].astype("str") if c in frame.columns else blank for c in _ID_COLUMNS}
    )
    bad = ids.isna().all(axis=1)
    if bad.any():
        cols = " or ".join(repr(c) for c in _ID_COLUMNS if c in frame.columns)
        problems.append(f"column {cols} is blank in {row_list(data_rows(bad))}")
    return ids


def _case_used(frame: pd.DataFrame, problems: list[str]) -> pd.Series:
    """``case_used`` as a nullable boolean (blank: not known yet)."""
    text = frame["case_used"].str.lower()
    known = text.isin(CASE_USED_YES | CASE_USED_NO)
    bad = text.notna() & ~known
    if bad.any():
        problems.append(
            "column 'case_used' has unknown values in "
            f"{row_list(data_rows(bad), _shown(frame, 'case_used', bad))}; write yes or no "
            "(ja/nej, true/false, 1/0), or leave it blank when not known"
        )
    used = pd.Series(pd.NA, index=frame.index, dtype="boolean")
    used[text.isin(CASE_USED_YES).fillna(False)] = True
    used[text.isin(CASE_USED_NO).fillna(False)] = False
    return used


def load_disclosures(path: str | os.PathLike[str]) -> pd.DataFrame:
    """
    Read the footage disclosures to the police: one line per release.

    Parameters
    ----------
    path
        A CSV (``,`` or ``;`` delimited) with ``date`` (YYYY-MM-DD), ``site_id`` and/or
        ``camera_id`` (one per row at least) and ``case_used`` (yes/no, ja/nej, true/false,
        1/0 in any case; blank when not known yet).

    Returns
    -------
    disclosures
        Columns ``date`` (naive midnight timestamp), ``site_id`` and ``camera_id`` (str or
        missing) and ``case_used`` (nullable boolean), sorted by date with ties in file order,
        with a RangeIndex.

    Raises
    ------
    SourceUnavailableError
        If the file does not exist.
    InputError
        If a column is missing or a date, id or ``case_used`` cannot be read; every bad cell is
        listed with its column and row.
    """
    what = "disclosures file"
    path = require_file(path, what=what)
    frame = read_csv(path)
    require_columns(frame, ("date", "case_used"), path, what)
    problems: list[str] = []
    dates = parse_dates(frame["date"])
    bad = dates.isna()
    if bad.any():
        problems.append(
            f"column 'date' is not a date in {row_list(data_rows(bad), _shown(frame, 'date', bad))}"
            " (write dates as YYYY-MM-DD, e.g. 2025-03-14)"
        )
    ids = _ids(frame, path, what, problems)
    used = _case_used(frame, problems)
    _fail(path, what, problems)
    out = pd.DataFrame({"date": dates, **ids, "case_used": used})
    out = out.sort_values("date", kind="stable").reset_index(drop=True)
    log.info("loaded %d footage disclosures from %s", len(out), path)
    return out


def parse_period(text: pd.Series) -> pd.DataFrame:
    """
    Read periods written as a day, a month or a span of days.

    Parameters
    ----------
    text
        ``YYYY-MM-DD`` (one day), ``YYYY-MM`` (a calendar month) or
        ``YYYY-MM-DD/YYYY-MM-DD`` (both days included); missing stays missing.

    Returns
    -------
    periods
        ``start`` and ``end`` (naive midnight timestamps, both days included) with the same
        index; NaT where the text is not a period or ends before it starts.
    """
    s = text.astype("str").str.strip()
    day = s.str.match(_DAY).fillna(False).astype(bool)
    month = s.str.match(_MONTH).fillna(False).astype(bool)
    span = s.str.extract(_SPAN)
    start = pd.to_datetime(s.where(day), format="%Y-%m-%d", errors="coerce")
    end = start.copy()
    first = pd.to_datetime(s.where(month), format="%Y-%m", errors="coerce")
    start = start.fillna(first)
    end = end.fillna(first + pd.offsets.MonthEnd(0))
    lo = pd.to_datetime(span[0], format="%Y-%m-%d", errors="coerce")
    hi = pd.to_datetime(span[1], format="%Y-%m-%d", errors="coerce")
    start, end = start.fillna(lo), end.fillna(hi)
    bad = start.isna() | end.isna() | (end < start)
    return pd.DataFrame({"start": start.mask(bad), "end": end.mask(bad)}, index=text.index)


def _uptime_value(
    frame: pd.DataFrame, hours: pd.Series, path: Path, problems: list[str]
) -> pd.Series:
    """The uptime share (0–1) from ``uptime_share`` or ``uptime_hours``."""
    if "uptime_share" in frame.columns:
        col = "uptime_share"
        text = frame[col].astype("str")
        percent = text.str.strip().str.endswith("%").fillna(False).astype(bool)
        value = parse_amount(text.str.replace("%", "", regex=False))
        share = value.where(~percent, value / 100)
        hint = "a share from 0 to 1 (e.g. 0,98), or a percentage with % (98 %)"
    elif "uptime_hours" in frame.columns:
        col = "uptime_hours"
        value = parse_amount(frame[col])
        share = value / hours
        hint = "hours from 0 to the hours of the row's period (24 a day)"
    else:
        hints = "".join(
            did_you_mean(c, list(frame.columns)) for c in ("uptime_share", "uptime_hours")
        )
        msg = (
            f"{path}: the uptime file needs an 'uptime_share' or an 'uptime_hours' column; "
            f"found {list(frame.columns)}.{hints} Add the column to the header line."
        )
        raise InputError(msg)
    bad = share.isna() | (share < 0) | (share > 1 + 1e-9)
    bad &= hours.notna() | (col == "uptime_share")
    if bad.any():
        problems.append(
            f"column {col!r} is not {hint} in {row_list(data_rows(bad), _shown(frame, col, bad))}"
        )
    return share.clip(0.0, 1.0)


def load_uptime(path: str | os.PathLike[str]) -> pd.DataFrame:
    """
    Read camera uptime: one line per camera or site and day, month or span of days.

    Parameters
    ----------
    path
        A CSV (``,`` or ``;`` delimited) with ``site_id`` and/or ``camera_id``; ``date``
        (YYYY-MM-DD) or ``period`` (``YYYY-MM``, ``YYYY-MM-DD`` or
        ``YYYY-MM-DD/YYYY-MM-DD``); and ``uptime_share`` (0–1, ``0,98`` or ``98 %``) or
        ``uptime_hours`` (hours recorded in the period).

    Returns
    -------
    uptime
        Columns ``site_id`` and ``camera_id`` (str or missing), ``start`` and ``end`` (naive
        midnight timestamps, both days included), ``hours`` (the period's length in hours) and
        ``uptime_share`` (0–1), sorted by start with ties in file order, with a RangeIndex.

    Raises
    ------
    SourceUnavailableError
        If the file does not exist.
    InputError
        If a column is missing or a period, id or uptime value cannot be read; every bad cell
        is listed with its column and row.
    """
    what = "uptime file"
    path = require_file(path, what=what)
    frame = read_csv(path)
    col = "period" if "period" in frame.columns else "date"
    require_columns(frame, (col,), path, f"{what} (a 'date' or a 'period' column)")
    problems: list[str] = []
    periods = parse_period(frame[col])
    bad = periods["start"].isna()
    if bad.any():
        problems.append(
            f"column {col!r} is not a day, month or span in "
            f"{row_list(data_rows(bad), _shown(frame, col, bad))} (write 2025-03-14, 2025-03 "
            "or 2025-03-01/2025-03-31)"
        )
    ids = _ids(frame, path, what, problems)
    hours = ((periods["end"] - periods["start"]).dt.days + 1) * 24.0
    share = _uptime_value(frame, hours, path, problems)
    _fail(path, what, problems)
    out = pd.DataFrame({**ids, **periods, "hours": hours, "uptime_share": share})
    out = out.sort_values("start", kind="stable").reset_index(drop=True)
    log.info(
        "loaded %d uptime records (mean %.1f %%) from %s",
        len(out),
        100 * float(np.average(out["uptime_share"], weights=out["hours"])),
        path,
    )
    return out


def load_interventions(
    path: str | os.PathLike[str], *, crs: str = "EPSG:3006", layer: str | None = None
) -> gpd.GeoDataFrame:
    """
    Read the "other interventions" layer: areas that may not serve as controls.

    Police cameras, guard deployments, new lighting: anything else that may change incidents
    in a unit during the follow-up. Any attribute columns (``kind``, ``name``, dates) are kept
    for the reader; the follow-up uses the polygons only.

    Parameters
    ----------
    path
        A GeoJSON, GeoPackage, GeoParquet or any other polygon file pyogrio reads.
    crs
        The working CRS (projected, metres).
    layer
        Layer of a multi-layer file.

    Returns
    -------
    interventions
        Polygons in `crs` (RangeIndex), attributes kept.

    Raises
    ------
    SourceUnavailableError
        If the file does not exist.
    InputError
        If the file is empty, or a geometry is missing or not a polygon.
    CRSError
        If the file has no CRS.
    """
    return load_polygons(path, crs=crs, layer=layer)
