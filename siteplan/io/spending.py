"""Read the actual spending of a camera project: one line per payment or invoice.

The spending file has one line per cost (``date``, ``category``, ``area``, ``amount_sek``,
``note``). Every bad cell is reported at once, naming the file, the column and the data row
(1-based, the header not counted). :func:`parse_amount` and :func:`parse_dates` read the
Swedish and English ways of writing numbers and ISO dates; the installed-cameras loader uses
them too.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from siteplan.errors import InputError
from siteplan.followup.result import SPENDING_CATEGORIES
from siteplan.io._common import did_you_mean, read_csv, require_file, row_list

__all__ = [
    "SPENDING_CATEGORIES",
    "data_rows",
    "load_spending",
    "parse_amount",
    "parse_dates",
    "require_columns",
]

log = logging.getLogger(__name__)

_SPACES = re.compile(r"[\s\u00a0\u202f']")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def data_rows(mask: pd.Series) -> list[int]:
    """
    1-based data row numbers where `mask` is true.

    Parameters
    ----------
    mask
        Booleans aligned with a frame read from a file (in file order).

    Returns
    -------
    rows
        Row numbers, the header not counted.
    """
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


def parse_dates(text: pd.Series) -> pd.Series:
    """
    Read ISO dates (YYYY-MM-DD) as naive midnight timestamps.

    Parameters
    ----------
    text
        Dates as text; missing stays missing.

    Returns
    -------
    dates
        Timestamps with the same index; NaT where the text is not a real date.
    """
    ok = text.str.match(_DATE).fillna(False).astype(bool)
    return pd.to_datetime(text.where(ok), format="%Y-%m-%d", errors="coerce")


def require_columns(frame: pd.DataFrame, columns: tuple[str, ...], path: Path, what: str) -> None:
    """
    Raise if `frame` (read from `path`) lacks one of `columns`, with a spelling hint.

    Parameters
    ----------
    frame
        The table as read.
    columns
        The columns it needs.
    path
        The file, for the message.
    what
        What the file holds, e.g. "spending file".

    Raises
    ------
    InputError
        Naming the missing columns and the ones found.
    """
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        hints = "".join(did_you_mean(c, list(frame.columns)) for c in missing)
        msg = (
            f"{path}: missing column(s) {missing} in the {what}; found {list(frame.columns)}."
            f"{hints} Add the column(s) to the header line."
        )
        raise InputError(msg)


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
    require_columns(frame, ("date", "category", "amount_sek"), path, "spending file")
    dates = parse_dates(frame["date"])
    category = frame["category"].str.lower()
    amount = parse_amount(frame["amount_sek"])
    problems = _spending_problems(frame, dates, category, amount)
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
        len(out),
        out["amount_sek"].sum(),
        out["date"].min().date(),
        out["date"].max().date(),
        path,
    )
    return out


def _spending_problems(
    frame: pd.DataFrame, dates: pd.Series, category: pd.Series, amount: pd.Series
) -> list[str]:
    """One line per column with unreadable cells, naming the rows and what they hold."""
    problems: list[str] = []

    def shown(col: str, bad: pd.Series) -> list[str]:
        return [v if isinstance(v, str) else "" for v in frame[col][bad]]

    bad = dates.isna()
    if bad.any():
        problems.append(
            f"column 'date' is not a date in {row_list(data_rows(bad), shown('date', bad))} "
            "(write dates as YYYY-MM-DD, e.g. 2025-03-14)"
        )
    bad = ~category.isin(SPENDING_CATEGORIES)
    if bad.any():
        values = shown("category", bad)
        first = next((v for v in values if v), "")
        hint = did_you_mean(first, SPENDING_CATEGORIES) if first else ""
        problems.append(
            f"column 'category' has unknown values in {row_list(data_rows(bad), values)}; "
            f"use one of {list(SPENDING_CATEGORIES)}.{hint}"
        )
    bad = amount.isna()
    if bad.any():
        problems.append(
            "column 'amount_sek' is not a number in "
            f"{row_list(data_rows(bad), shown('amount_sek', bad))} "
            "(write SEK as plain numbers, e.g. 12500 or 12 500,50)"
        )
    return problems
