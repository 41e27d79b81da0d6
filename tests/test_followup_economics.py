"""Tests for the follow-up's report periods and economics."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from siteplan import followup as fu
from siteplan.errors import InputError


def spending_lines() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "date": pd.to_datetime(
                ["2024-12-20", "2025-02-01", "2025-03-15", "2025-03-15", "2025-06-30", "2025-09-10"]
            ),
            "category": ["other", "camera", "mount", "connectivity", "operation", "operation"],
            "area": ["City", "City", "City", None, "Ryd", "Ryd"],
            "amount_sek": [5_000.0, 20_000.0, 30_000.0, 10_000.0, 4_000.0, 4_000.0],
            "note": None,
        }
    )


def test_economics_sums():
    period = fu.report_period("interim", year=2025)
    cams = pd.DataFrame({"total_cost_sek": [30_000.0, 30_000.0]}, index=["a", "b"])
    r = fu.economics(
        spending_lines(), budget_sek=100_000, period=period, cameras=cams, covered_km=0.5
    )
    assert isinstance(r, fu.Economics)
    assert r.spent_sek == 64_000  # 2024 and September lines are outside the period
    assert r.by_category == {
        "camera": 20_000, "mount": 30_000, "connectivity": 10_000, "vms": 0,
        "operation": 4_000, "paperwork": 0, "other": 0,
    }  # fmt: skip
    assert list(r.by_category) == list(fu.SPENDING_CATEGORIES)
    assert r.by_area == {"City": 50_000, "Ryd": 4_000, fu.SHARED_AREA: 10_000}
    assert list(r.by_area)[-1] == fu.SHARED_AREA
    assert sum(r.by_area.values()) == r.spent_sek
    assert r.remaining_sek == 36_000
    assert r.cost_per_camera_sek == 32_000
    assert r.cost_per_km_sek == 128_000
    assert r.planned_cost_sek == 60_000
    # 1 Jan - 31 Aug 2025 is 243 days: 64 000 * 365 / 243.
    assert r.forecast_year_end_sek == pytest.approx(64_000 * 365 / 243)
    d = r.to_dict()
    assert d["cumulative"][-1] == {"month": "2025-08", "spent_sek": 64_000}
    assert len(d["cumulative"]) == 8


def test_economics_without_cameras_costs_or_corridors():
    period = fu.report_period("interim", year=2025)
    r = fu.economics(
        spending_lines(), budget_sek=0, period=period, cameras=pd.DataFrame(), covered_km=None
    )
    assert r.share_of_budget is None
    assert r.cost_per_camera_sek is None
    assert r.cost_per_km_sek is None
    assert r.planned_cost_sek is None


def test_report_periods():
    assert fu.report_period("interim", year=2025) == fu.Period(
        dt.date(2025, 1, 1), dt.date(2025, 8, 31), "interim"
    )
    assert fu.report_period("year", year=2024).days == 366
    assert fu.report_period(start="2025-03-01", end="2025-03-31").days == 31
    with pytest.raises(InputError, match="'quarter' is not a report period"):
        fu.report_period("quarter", year=2025)
    with pytest.raises(InputError, match="before --start"):
        fu.report_period(start="2025-03-01", end="2025-02-01")
