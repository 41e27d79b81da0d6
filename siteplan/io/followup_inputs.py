"""Read the follow-up's inputs: installed cameras, actual spending and a plan's written layers.

The installed-cameras file is a ``cameras.csv`` as a plan writes it plus an ``installed_on``
date per camera; the spending file has one line per cost (``date``, ``category``, ``area``,
``amount_sek``, ``note``). Every bad cell is reported at once, naming the file, the column and
the data row (1-based, the header not counted).
"""

from __future__ import annotations

import logging
import os
import re
import warnings
from pathlib import Path
from typing import cast

import geopandas as gpd
import numpy as np
import pandas as pd

from siteplan.crs import parse_crs
from siteplan.errors import InputError, InputWarning, SourceUnavailableError
from siteplan.io._common import (
    did_you_mean,
    read_csv,
    read_vector,
    require_file,
    row_list,
    to_working_crs,
)

__all__ = [
    "SPENDING_CATEGORIES",
    "load_installed",
    "load_plan_layers",
    "load_spending",
    "parse_amount",
]

log = logging.getLogger(__name__)

#: The closed vocabulary of the spending file's ``category`` column.
SPENDING_CATEGORIES: tuple[str, ...] = (
    "camera",
    "mount",
    "connectivity",
    "vms",
    "operation",
    "paperwork",
    "other",
)

_INSTALLED_NUMERIC = ("azimuth_deg", "hfov_deg", "range_m")
_INSTALLED_OPTIONAL_NUMERIC = ("capex_sek", "opex_sek_per_year", "total_cost_sek", "covered_demand")
_SPACES = re.compile(r"[\s\u00a0\u202f']")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _rows(mask: pd.Series) -> list[int]:
    """1-based data row numbers where `mask` is true (the frame has a RangeIndex)."""
    return [int(i) + 1 for i in np.flatnonzero(mask.to_numpy())]


def parse_amount(text: pd.Series) -> pd.Series:
    """
    Parse amounts written the Swedish or the English way into floats.

    Spaces (also non-breaking and thin spaces) and apostrophes group thousands; a comma is the
    decimal sign when the text has no point (``"12 500,50"``). Text with both a comma and a
    point is ambiguous and gives NaN, as does anything else that is not a number.

    Parameters
    ----------
    text
        Amounts as text; missing stays missing.

    Returns
    -------
    amounts
        Floats with the same index; NaN where the text is not a finite number.
    """
    s = text.astype("str").str.replace(_SPACES, "", regex=True)
    both = s.str.contains(",", regex=False) & s.str.contains(".", regex=False)
    s = s.where(~both.fillna(False)).str.replace(",", ".", regex=False)
    values = pd.to_numeric(s, errors="coerce").astype(float)
    return values.where(np.isfinite(values))


def _parse_dates(text: pd.Series) -> pd.Series:
    """ISO dates (YYYY-MM-DD) as naive midnight timestamps; NaT where not a real date."""
    ok = text.str.match(_DATE).fillna(False).astype(bool)
    return pd.to_datetime(text.where(ok), format="%Y-%m-%d", errors="coerce")


def _require(frame: pd.DataFrame, columns: tuple[str, ...], path: Path, what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        hints = "".join(did_you_mean(c, list(frame.columns)) for c in missing)
        msg = (
            f"{path}: missing column(s) {missing} in the {what}; found {list(frame.columns)}."
            f"{hints} Add the column(s) to the header line."
        )
        raise InputError(msg)


def load_installed(path: str | os.PathLike[str], *, crs: str = "EPSG:3006") -> gpd.GeoDataFrame:
    """
    Read the cameras actually installed: a plan's ``cameras.csv`` plus ``installed_on``.

    Parameters
    ----------
    path
        A CSV with ``camera_id``, ``installed_on`` (YYYY-MM-DD), ``azimuth_deg`` (blank for a
        360° camera), ``hfov_deg``, ``range_m`` and coordinates: ``x``/``y`` in `crs`, or
        ``lon``/``lat`` (WGS 84). Other columns of ``cameras.csv`` (``site_id``, ``model``,
        ``legal_class``, ``area``, ``total_cost_sek``, ...) are kept.
    crs
        The working CRS (projected, metres).

    Returns
    -------
    installed
        Points in `crs`, indexed by ``camera_id`` (str) in file order, with ``installed_on``
        as naive midnight timestamps and the numeric columns as floats. Cameras with a blank
        ``installed_on`` (not installed yet) are left out.

    Raises
    ------
    SourceUnavailableError
        If the file does not exist.
    InputError
        If a column is missing, an id is blank or repeated, or a date, number or coordinate
        cannot be read; every bad cell is listed with its column and row.

    Warns
    -----
    InputWarning
        When cameras without an ``installed_on`` date are left out.
    """
    path = require_file(path, what="installed-cameras file")
    target = parse_crs(crs, key="study_area.crs")
    frame = read_csv(path)
    required = ("camera_id", "installed_on", *_INSTALLED_NUMERIC)
    _require(frame, required, path, "installed-cameras file")
    if {"x", "y"} <= set(frame.columns):
        coord_cols, coord_crs = ("x", "y"), target
    elif {"lon", "lat"} <= set(frame.columns):
        coord_cols, coord_crs = ("lon", "lat"), "EPSG:4326"
    else:
        msg = (
            f"{path}: no coordinate columns; found {list(frame.columns)}. Add `x`,`y` (in {crs}) "
            "or `lon`,`lat` (WGS 84), as in the plan's cameras.csv."
        )
        raise InputError(msg)

    problems: list[str] = []

    def flag(col: str, bad: pd.Series, what: str) -> None:
        if bad.any():
            shown = ["" if pd.isna(v) else v for v in frame[col][bad]]
            problems.append(f"column {col!r} {what} in {row_list(_rows(bad), shown)}")

    ids = frame["camera_id"]
    flag("camera_id", ids.isna(), "is empty")
    flag("camera_id", ids.duplicated(keep="first") & ids.notna(), "repeats an id")
    dates = _parse_dates(frame["installed_on"])
    flag(
        "installed_on",
        frame["installed_on"].notna() & dates.isna(),
        "is not a date (write YYYY-MM-DD, e.g. 2025-02-03)",
    )
    numbers: dict[str, pd.Series] = {}
    for col in (*_INSTALLED_NUMERIC, *coord_cols, *_INSTALLED_OPTIONAL_NUMERIC):
        if col not in frame.columns:
            continue
        numbers[col] = parse_amount(frame[col])
        flag(col, numbers[col].isna() & frame[col].notna(), "is not a number")
    for col in (*_INSTALLED_NUMERIC, *coord_cols):
        # A blank azimuth is fine for a 360° camera only.
        need = numbers["hfov_deg"] < 360 if col == "azimuth_deg" else True
        flag(col, frame[col].isna() & need, "is empty")
    hfov, range_m = numbers["hfov_deg"], numbers["range_m"]
    flag("hfov_deg", (hfov <= 0) | (hfov > 360), "must be in (0, 360]")
    flag("range_m", range_m <= 0, "must be > 0")
    if problems:
        msg = f"{path}: {len(problems)} problem(s) in the installed-cameras file:\n" + "\n".join(
            f"  - {p}" for p in problems
        )
        raise InputError(msg)

    out = frame.assign(installed_on=dates, **numbers)
    not_yet = out["installed_on"].isna()
    if not_yet.any():
        warnings.warn(
            f"{path}: {int(not_yet.sum())} camera(s) have no installed_on date and are treated "
            f"as not installed ({row_list(_rows(not_yet), list(ids[not_yet]))}).",
            InputWarning,
            stacklevel=2,
        )
        out = out.loc[~not_yet].reset_index(drop=True)
    points = gpd.GeoDataFrame(
        out,
        geometry=gpd.points_from_xy(out[coord_cols[0]], out[coord_cols[1]]),
        crs=coord_crs,
    )
    points = to_working_crs(points, target, source=path)
    points["x"], points["y"] = points.geometry.x, points.geometry.y
    log.info("loaded %d installed cameras from %s", len(points), path)
    return points.set_index("camera_id")


def load_spending(path: str | os.PathLike[str]) -> pd.DataFrame:
    """
    Read the actual costs: one line per payment or invoice.

    Parameters
    ----------
    path
        A CSV (``,`` or ``;`` delimited) with ``date`` (YYYY-MM-DD), ``category`` (one of
        :data:`SPENDING_CATEGORIES`, any case), ``amount_sek`` (``12500``, ``12 500,50`` or
        ``12500.50``; negative for a credit) and optionally ``area`` (blank for shared costs)
        and ``note``.

    Returns
    -------
    spending
        Columns ``date`` (naive midnight timestamp), ``category`` (lower case), ``area`` (str or
        missing), ``amount_sek`` (float) and ``note`` (str or missing), sorted by date with
        ties in file order, with a RangeIndex.

    Raises
    ------
    SourceUnavailableError
        If the file does not exist.
    InputError
        If a column is missing or a date, category or amount cannot be read; every bad cell is
        listed with its column and row.
    """
    path = require_file(path, what="spending file")
    frame = read_csv(path)
    _require(frame, ("date", "category", "amount_sek"), path, "spending file")
    problems: list[str] = []
    dates = _parse_dates(frame["date"])
    bad = dates.isna()
    if bad.any():
        shown = [v if isinstance(v, str) else "" for v in frame["date"][bad]]
        problems.append(
            f"column 'date' is not a date in {row_list(_rows(bad), shown)} "
            "(write dates as YYYY-MM-DD, e.g. 2025-03-14)"
        )
    category = frame["category"].str.lower()
    bad = ~category.isin(SPENDING_CATEGORIES)
    if bad.any():
        shown = [v if isinstance(v, str) else "" for v in frame["category"][bad]]
        first = next((s for s in shown if s), "")
        hint = did_you_mean(first, SPENDING_CATEGORIES) if first else ""
        problems.append(
            f"column 'category' has unknown values in {row_list(_rows(bad), shown)}; use one of "
            f"{list(SPENDING_CATEGORIES)}.{hint}"
        )
    amount = parse_amount(frame["amount_sek"])
    bad = amount.isna()
    if bad.any():
        shown = [v if isinstance(v, str) else "" for v in frame["amount_sek"][bad]]
        problems.append(
            f"column 'amount_sek' is not a number in {row_list(_rows(bad), shown)} "
            "(write SEK as plain numbers, e.g. 12500 or 12 500,50)"
        )
    if problems:
        msg = f"{path}: {len(problems)} problem(s) in the spending file:\n" + "\n".join(
            f"  - {p}" for p in problems
        )
        raise InputError(msg)
    blank = pd.Series(pd.NA, index=frame.index, dtype="str")
    area = frame["area"] if "area" in frame.columns else blank
    note = frame["note"] if "note" in frame.columns else blank
    out = pd.DataFrame(
        {
            "date": dates,
            "category": category.astype("str"),
            "area": area.astype("str"),
            "amount_sek": amount,
            "note": note.astype("str"),
        }
    )
    out = out.sort_values("date", kind="stable").reset_index(drop=True)
    log.info(
        "loaded %d spending lines (%.0f SEK, %s to %s) from %s",
        len(out), out["amount_sek"].sum(), out["date"].min().date(), out["date"].max().date(), path,
    )
    return out


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
    import pyogrio

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
        len(footprints), "no" if corridors is None else len(corridors), path,
    )
    return footprints, corridors
