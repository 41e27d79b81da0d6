"""Report periods and the economics of a follow-up: spending against the budget.

The interim report covers 1 January – 31 August and the year-end report the calendar year.
Spending is summed by category and area, set against the budget, and forecast linearly to the
year's end.
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

import pandas as pd

from siteplan.errors import InputError
from siteplan.followup.result import (
    SHARED_AREA,
    SPENDING_CATEGORIES,
    Economics,
    MonthlySpend,
)

__all__ = ["SHARED_AREA", "SPENDING_CATEGORIES", "Period", "economics", "report_period"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Period:
    """
    A report period of whole days, both ends included.

    Attributes
    ----------
    start, end
        First and last day.
    label
        ``"interim"`` (1 Jan – 31 Aug), ``"year"`` or ``"custom"``.
    """

    start: dt.date
    end: dt.date
    label: str = "custom"

    @property
    def days(self) -> int:
        """Number of days in the period."""
        return (self.end - self.start).days + 1

    def as_dict(self) -> dict[str, Any]:
        """The period as JSON-ready values."""
        return {
            "label": self.label,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "days": self.days,
        }


def report_period(
    name: str | None = None,
    *,
    year: int | None = None,
    start: dt.date | str | None = None,
    end: dt.date | str | None = None,
) -> Period:
    """
    The period of an interim (1 Jan – 31 Aug) or year-end report, or explicit dates.

    Parameters
    ----------
    name
        ``"interim"`` or ``"year"``; None when `start` and `end` are given.
    year
        Calendar year of a named period (default: the current year).
    start, end
        First and last day (dates or ``YYYY-MM-DD``), instead of a named period.

    Returns
    -------
    period
        The period.

    Raises
    ------
    InputError
        If the name is unknown, only one of `start`/`end` is given, both a name and dates are
        given, a date cannot be read, or `end` is before `start`.
    """
    if start is not None or end is not None:
        if name is not None or start is None or end is None:
            msg = (
                "period: give either --period interim|year (with --year), or both --start and "
                f"--end; got period={name!r}, start={start!r}, end={end!r}."
            )
            raise InputError(msg)
        s, e = _as_date(start, "start"), _as_date(end, "end")
        if e < s:
            msg = f"period: --end {e} is before --start {s}. Swap them."
            raise InputError(msg)
        return Period(s, e, "custom")
    if name is None:
        msg = "period: give --period interim|year (with --year), or --start and --end."
        raise InputError(msg)
    year = dt.date.today().year if year is None else int(year)
    if name == "interim":
        return Period(dt.date(year, 1, 1), dt.date(year, 8, 31), "interim")
    if name == "year":
        return Period(dt.date(year, 1, 1), dt.date(year, 12, 31), "year")
    msg = f"period: {name!r} is not a report period; use 'interim' (1 Jan – 31 Aug) or 'year'."
    raise InputError(msg)


def _as_date(value: dt.date | str, key: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError as err:
        msg = f"period: --{key} {value!r} is not a date; write YYYY-MM-DD, e.g. 2025-08-31."
        raise InputError(msg) from err


def economics(
    spending: pd.DataFrame,
    *,
    budget_sek: float,
    period: Period,
    cameras: pd.DataFrame,
    covered_km: float | None,
    forecast_sek: float | None = None,
) -> Economics:
    """
    Spending in the period against the budget, by category and area, with unit costs.

    Parameters
    ----------
    spending
        From :func:`siteplan.io.spending.load_spending`.
    budget_sek
        The budget (``budget.total_sek`` of the scenario).
    period
        The report period; lines dated inside it count.
    cameras
        The cameras installed by the end of the period (``total_cost_sek`` gives the planned
        cost when present).
    covered_km
        Corridor length inside the footprints, in km; None when not known.
    forecast_sek
        The year-end forecast from the plan and the running-cost run rate
        (:func:`siteplan.followup.money.money`); None falls back to a linear extrapolation of
        spending so far, which overstates the year once the investment is made.

    Returns
    -------
    result
        Spent, budget and what is left; spending by category (every category, in vocabulary
        order) and by area (sorted, shared costs as :data:`SHARED_AREA` last); unit costs;
        the planned cost; spending so far in the year, its year-end forecast (linear in the
        days elapsed since 1 January) and the monthly cumulative sums.
    """
    day = pd.to_datetime(spending["date"])
    start, end = pd.Timestamp(period.start), pd.Timestamp(period.end)
    inside = spending.loc[(day >= start) & (day <= end)]
    spent = float(inside["amount_sek"].sum())
    n_cam = len(cameras)
    ytd, forecast, cumulative = _year_to_date(spending, day, end)
    if forecast_sek is not None:
        forecast = float(forecast_sek)
    planned = (
        float(cameras["total_cost_sek"].astype(float).sum())
        if "total_cost_sek" in cameras.columns
        else None
    )
    result = Economics(
        spent_sek=spent,
        budget_sek=float(budget_sek),
        remaining_sek=float(budget_sek) - spent,
        share_of_budget=spent / budget_sek if budget_sek > 0 else None,
        by_category=_by_category(inside),
        by_area=_by_area(inside),
        n_cameras=n_cam,
        cost_per_camera_sek=spent / n_cam if n_cam else None,
        covered_km=covered_km,
        cost_per_km_sek=spent / covered_km if covered_km else None,
        planned_cost_sek=planned,
        spent_year_to_date_sek=ytd,
        forecast_year_end_sek=forecast,
        forecast_vs_budget_sek=forecast - float(budget_sek),
        cumulative=cumulative,
    )
    log.info(
        "economics: %.0f SEK spent of %.0f (%d lines in %s..%s), forecast %.0f SEK by year-end",
        spent,
        budget_sek,
        len(inside),
        period.start,
        period.end,
        forecast,
    )
    return result


def _by_category(lines: pd.DataFrame) -> dict[str, float]:
    """Amount per category, every category of the vocabulary in its order."""
    by_cat = lines.groupby("category")["amount_sek"].sum()
    return {c: float(by_cat.get(c, 0.0)) for c in SPENDING_CATEGORIES}


def _by_area(lines: pd.DataFrame) -> dict[str, float]:
    """Amount per area, sorted by name, lines without an area last as :data:`SHARED_AREA`."""
    area = lines["area"].astype("object").where(lines["area"].notna(), SHARED_AREA)
    sums = lines["amount_sek"].groupby(area).sum()
    names = sorted(n for n in sums.index if n != SHARED_AREA)
    if SHARED_AREA in sums.index:
        names.append(SHARED_AREA)
    return {n: float(sums[n]) for n in names}


def _year_to_date(
    spending: pd.DataFrame, day: pd.Series, end: pd.Timestamp
) -> tuple[float, float, tuple[MonthlySpend, ...]]:
    """Spent from 1 January to `end`, its linear year-end forecast and the monthly sums."""
    year_start = pd.Timestamp(end.year, 1, 1)
    ytd_mask = (day >= year_start) & (day <= end)
    ytd = float(spending.loc[ytd_mask, "amount_sek"].sum())
    elapsed = (end - year_start).days + 1
    year_days = 366 if calendar.isleap(end.year) else 365
    forecast = ytd * year_days / elapsed
    months = spending.loc[ytd_mask].assign(month=day[ytd_mask].dt.strftime("%Y-%m"))
    monthly = months.groupby("month")["amount_sek"].sum()
    all_months = pd.date_range(year_start, end, freq="MS").strftime("%Y-%m")
    cum = monthly.reindex(all_months, fill_value=0.0).cumsum()
    return ytd, forecast, tuple(MonthlySpend(str(m), float(v)) for m, v in cum.items())
