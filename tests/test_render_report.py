"""report.html: the evaluation with nothing to test on, the frontier, the procurement sheet."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable

import geopandas as gpd
import pandas as pd
import pytest
from markupsafe import escape as html_escape
from shapely.geometry import LineString

from siteplan.config import scenario_from_dict
from siteplan.pipeline import PlanResult
from siteplan.render.report import render_report
from siteplan.scoring import Evaluation

CRS = "EPSG:3006"


def fake_result(
    make: Callable[..., PlanResult],
    evaluation: pd.DataFrame,
    *,
    lang: str = "en",
    cut_date: dt.date | None = None,
) -> PlanResult:
    """A real PlanResult with the parts render_report reads replaced: one corridor, no cameras."""
    scenario = scenario_from_dict(
        {
            "study_area": {"name": "test"},
            "inputs": {"osm": "a.osm", "gtfs": "g.zip", "incidents": "i.csv"},
            "legal": {"plan_date": "2025-06-01"},
            "cameras": [{"model": "m", "horizontal_px": 1920, "hfov_deg": 90, "capex_sek": 1}],
            "output": {"language": lang},
        }
    )
    corridors = gpd.GeoDataFrame(
        {
            "name": ["Storgatan"],
            "area": [None],
            "legal_class": ["general"],
            "length_m": [50.0],
            "score": [0.5],
            "rank": [1],
            "comp_incidents": [0.0],
            "covered_share": [0.0],
        },
        geometry=[LineString([(500_000, 6_470_000), (500_050, 6_470_000)])],
        index=pd.Index(["c1"], name="corridor_id"),
        crs=CRS,
    )
    cameras = gpd.GeoDataFrame(
        {"model": pd.Series([], dtype="str")},
        geometry=gpd.GeoSeries([], crs=CRS),
        index=pd.Index([], name="camera_id", dtype="str"),
    )
    group = {"n_cameras": 0, "cost_sek": 0.0, "coverage_share": 0.0}
    summary = {
        "scenario": "test",
        "regime": "kbl-2025",
        "plan_date": "2025-06-01",
        "n_cameras": 0,
        "n_sites": 0,
        "cost_sek": 0.0,
        "budget_sek": 500_000.0,
        "coverage_share": 0.0,
        "covered_length_m": 0.0,
        "corridor_length_m": 50.0,
        "solver": {
            "gap": 0.0,
            "method": "greedy",
            "status": "optimal",
            "seconds": 0.1,
            "objective": 0.0,
            "bound": 0.0,
        },
        "greedy_objective": 0.0,
        "by_area": {"(none)": group},
        "by_legal_class": {"general": group},
        "evaluation_cut_date": "",
    }
    return make(
        scenario=scenario,
        regime="kbl-2025",
        corridors=corridors,
        evaluation=Evaluation(
            table=evaluation, cut_date=cut_date, bandwidth_m=75.0, prior_strength_m=200.0
        ),
        legal_wording={
            "stop_area": "Undantaget från tillståndsplikt",
            "stop_area_borderline": "Gränsfall",
            "general": "Tillstånd krävs",
        },
        bill=pd.DataFrame(),
        created=dt.date(2025, 6, 2),
        summary=summary,
        frontier=pd.DataFrame(),
        cameras=cameras,
    )


def evaluation_rows(n_test: float, big_n: float, pai: float, pei: float) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "method": m,
                "share": 0.05,
                "length_share": 0.05,
                "n_test": n_test,
                "N_test": big_n,
                "pai": pai,
                "pei": pei,
            }
            for m in ("score", "last_period_counts", "uniform")
        ]
    )


def cells(html: str) -> list[str]:
    return re.findall(r'<td class="num">([^<]*)</td>', html)


@pytest.mark.parametrize(
    "evaluation",
    [
        # Incidents only known by area (or none in the test period on the network): N = 0.
        evaluation_rows(0.0, 0.0, math.nan, math.nan),
        # No evaluation at all (the pipeline skipped it).
        pd.DataFrame(columns=["method", "share", "length_share", "n_test", "N_test", "pai", "pei"]),
    ],
)
def test_report_says_when_there_is_no_evaluation(
    evaluation: pd.DataFrame, make_plan_result
) -> None:
    html = render_report(fake_result(make_plan_result, evaluation))
    assert "No evaluation: no incidents with a point on the street network" in html
    assert "PAI = share of incidents" not in html
    assert not re.search(r">\s*nan\b", html, re.IGNORECASE)


def test_report_shows_a_dash_for_an_undefined_index(make_plan_result) -> None:
    html = render_report(fake_result(make_plan_result, evaluation_rows(3.0, 10.0, 6.0, math.nan)))
    assert "PAI = share of incidents" in html
    assert "6.00" in cells(html)
    assert "–" in cells(html)


def test_report_note_is_swedish_in_swedish(make_plan_result) -> None:
    html = render_report(
        fake_result(make_plan_result, evaluation_rows(0.0, 0.0, math.nan, math.nan), lang="sv")
    )
    assert "Ingen utvärdering" in html


def test_report_frontier_with_a_budget_that_fits_no_camera(make_plan_result) -> None:
    nan = math.nan
    result = fake_result(make_plan_result, evaluation_rows(3.0, 10.0, 6.0, 0.5))
    result.frontier = pd.DataFrame(
        {
            "budget_sek": [1_000.0, 300_000.0],
            "objective": [nan, 40.0],
            "bound": [nan, 40.0],
            "gap": [nan, 0.0],
            "cost_sek": [nan, 290_000.0],
            "n_cameras": [0, 5],
            "coverage_share": [nan, 0.25],
            "marginal_per_sek": [nan, nan],
            "status": ["infeasible", "optimal"],
            "method": ["", "milp"],
        }
    )
    html = render_report(result)
    row = re.search(r'<tr><td class="num">1 000</td>(.*?)</tr>', html)
    assert row is not None
    assert re.findall(r"<td[^>]*>([^<]*)</td>", row[1]) == ["0", "–", "–", "–"]
    assert "25.0 %" in html


def test_report_states_the_cut_date_and_the_wording(make_plan_result) -> None:
    result = fake_result(
        make_plan_result, evaluation_rows(3.0, 10.0, 6.0, 0.5), cut_date=dt.date(2024, 7, 1)
    )
    html = render_report(result)
    assert "2025-06-02" in html  # result.created, not today
    assert "2024-07-01" in html
    assert "<code>stop_area_borderline</code>: Gränsfall" in html
    assert "Tillstånd krävs" in html


def test_report_shows_the_bill_as_a_sheet(make_plan_result) -> None:
    result = fake_result(make_plan_result, evaluation_rows(3.0, 10.0, 6.0, 0.5))
    assert "Capex (SEK)" not in render_report(result)  # an empty bill: no sheet
    result.bill = pd.DataFrame(
        {"item": ["Kamera <bullet>"], "quantity": [2], "capex_sek": [91_000.0]}
    )
    html = render_report(result)
    assert "<th>Item</th><th>Quantity</th><th>Capex (SEK)</th>" in html
    assert "Kamera &lt;bullet&gt;" in html
    assert "91 000" in cells(html)


@pytest.mark.slow
def test_the_sample_report(plan_result) -> None:
    html = render_report(plan_result)
    assert plan_result.created.isoformat() in html
    for wording in plan_result.legal_wording.values():
        assert str(html_escape(wording)) in html
    if not plan_result.bill.empty:
        assert "Upphandlingsunderlag" in html or "Procurement: bill of quantities" in html
    assert render_report(plan_result) == html
