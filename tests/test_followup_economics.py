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


def test_money_lines_forecast_procurement_and_storage():
    from siteplan.config import scenario_from_dict
    from siteplan.followup.money import money

    scenario = scenario_from_dict(
        {
            "study_area": {"name": "testby"},
            "inputs": {"osm": "x.osm", "gtfs": "x.zip", "incidents": "x.csv"},
            "cameras": [{"model": "cam", "horizontal_px": 2560, "hfov_deg": 60, "capex_sek": 9000}],
            "budget": {"total_sek": 100_000},
            "followup": {
                "running_budget_sek": 20_000,
                "direct_procurement_threshold_sek": 615_312,
                "threshold_year": 2021,
                "threshold_source": "Upphandlingsmyndigheten",
                "contract_years": 4,
                "codec": "h265",
                "frame_rate_fps": 15,
            },
        }
    )
    cams = pd.DataFrame(
        {
            "site_id": ["s1", "s1", "s2"],
            "model": ["cam"] * 3,
            "capex_sek": [40_000.0, 40_000.0, 40_000.0],  # one installed after August
            "opex_sek_per_year": [5_000.0] * 3,
        },
        index=["a", "b", "c"],
    )
    m = money(spending_lines(), end=dt.date(2025, 8, 31), cameras=cams, scenario=scenario)
    assert m.investment_sek == 60_000  # camera, mount, connectivity in 2025 to 31 Aug
    assert m.running_sek == 4_000
    assert m.investment_budget_sek == 80_000
    assert m.running_budget_sek == 20_000
    assert m.depreciation_per_year_sek == pytest.approx(60_000 / 5)
    # Forecast = plan + run rate, not 64 000 × 365/243 ≈ 96 132 (the old linear artefact).
    assert m.remaining_investment_sek == 120_000 - 60_000
    assert m.run_rate_per_month_sek == pytest.approx(4_000 / 3)  # June's line, last 3 months
    assert m.forecast_total_sek == pytest.approx(60_000 + 60_000 + 4_000 + 4 * 4_000 / 3)
    p = m.procurement
    assert p.contract_value_sek == pytest.approx(120_000 + 15_000 * 4)
    assert p.above_threshold is False
    assert p.threshold_year == 2021
    # 2560 × 1440 px × 15 fps × 0.06 bit/px = 3.3 Mbit/s per camera; 3 days of it.
    per_cam = 2560 * 1440 * 15 * 0.06 / 1e6
    assert {s.site_id: s.n_cameras for s in m.storage} == {"s1": 2, "s2": 1}
    assert m.bitrate_total_mbps == pytest.approx(3 * per_cam)
    assert m.storage_total_tb == pytest.approx(3 * per_cam * 86_400 * 3 / 8 / 1e6)
