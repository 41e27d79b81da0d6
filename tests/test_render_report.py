"""report.html: the evaluation with nothing to test on, the frontier, the procurement sheet."""

from __future__ import annotations

import dataclasses
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
from siteplan.scoring import (
    METHODS,
    Evaluation,
    Hotspots,
    ModelSelection,
    ModelSpec,
    hotspot_summary,
)

CRS = "EPSG:3006"


def fake_result(
    make: Callable[..., PlanResult],
    evaluation: pd.DataFrame,
    *,
    lang: str = "en",
    cut_date: dt.date | None = None,
    trend: str = "none",
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
    hot = trend != "none"
    hotspots = Hotspots(
        corridors=pd.DataFrame(
            {
                "incidents": [12.0],
                "gi_z": [3.21],
                "gi_p": [0.0001],
                "gi_q": [0.0042],
                "hotspot": [hot],
                "hotspot_recent": [hot],
                "trend_s": [20.0],
                "trend_z": [2.5],
                "trend_p": [0.0123],
                "trend": pd.Categorical([trend]),
            },
            index=corridors.index,
        ),
        period_counts=pd.DataFrame(
            [[1.0, 2.0, 4.0, 5.0]], index=corridors.index, columns=["q1", "q2", "q3", "q4"]
        ),
        alpha=0.05,
        permutations=999,
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
        hotspots=hotspots,
        hotspot_table=hotspot_summary(hotspots, corridors, top=10),
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
    result = dataclasses.replace(
        result,
        frontier=pd.DataFrame(
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
        ),
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
    bill = pd.DataFrame({"item": ["Kamera <bullet>"], "quantity": [2], "capex_sek": [91_000.0]})
    result = dataclasses.replace(result, bill=bill)
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
    # The rolling evaluation with its spread, the model choice, the hotspot table.
    sel = plan_result.evaluation.selection
    if sel is not None:
        assert str(html_escape(sel.model.label)) in html
        if sel.fallback_reason:
            assert str(html_escape(sel.fallback_reason)) in html
    if not plan_result.evaluation.table.empty:
        assert "PAI ± sd" in html
    assert "Hotspots och trender" in html or "Hotspots and trends" in html
    assert "× nätets medel" in html or "× network mean" in html


def fold_rows(*, pai: float = 6.0, pai_sd: float = 0.5, n_folds: int = 4) -> pd.DataFrame:
    """Evaluation rows of every method at 5 % with their spread over the folds."""
    return pd.DataFrame(
        [
            {
                "method": m,
                "share": 0.05,
                "length_share": 0.05,
                "n_test": 3.0,
                "N_test": 10.0,
                "pai": pai,
                "pei": 0.5,
                "rri": 1.25,
                "pai_sd": pai_sd,
                "pei_sd": 0.1,
                "rri_sd": 0.2,
                "pai_min": pai - 1,
                "pai_max": pai + 1,
                "n_folds": n_folds,
            }
            for m in METHODS
        ]
    )


def with_selection(result: PlanResult, reason: str | None) -> PlanResult:
    spec = ModelSpec(bandwidth_m=50.0, half_life_days=180.0)
    selection = ModelSelection(
        model=spec,
        default=ModelSpec(),
        scores=pd.DataFrame(),
        cut_dates=(dt.date(2024, 4, 1), dt.date(2024, 7, 1)),
        horizon_days=91.0,
        fallback_reason=reason,
    )
    ev = dataclasses.replace(result.evaluation, selection=selection, horizon_days=91.0)
    return dataclasses.replace(result, evaluation=ev)


@pytest.mark.parametrize("lang", ["en", "sv"])
def test_report_evaluation_shows_spread_folds_and_the_chosen_model(make_plan_result, lang):
    result = fake_result(make_plan_result, fold_rows(), lang=lang, cut_date=dt.date(2024, 7, 1))
    html = render_report(with_selection(result, None))
    assert "<th>PAI ± sd</th><th>PEI ± sd</th><th>RRI ± sd</th>" in html
    assert cells(html).count("6.00 ± 0.50") == len(METHODS)
    assert cells(html).count("1.25 ± 0.20") == len(METHODS)
    assert cells(html).count("4") >= len(METHODS)  # the number of folds
    model = "blend(h=50 m, t½=180 d, k×1, nr=0)"
    if lang == "en":
        assert f"Chosen risk model: {model}." in html
        assert "Last period&#39;s counts" in html
        assert "Uniform (chance)" in html
        assert "following 91 days (last cut 2024-07-01)" in html
    else:
        assert f"Vald riskmodell: {model}." in html
        assert "Förra periodens antal" in html
    assert "default model is used" not in html


def test_report_states_the_fallback_reason(make_plan_result):
    result = fake_result(make_plan_result, fold_rows(), cut_date=dt.date(2024, 7, 1))
    html = render_report(with_selection(result, "only 12 incidents <before> the first cut"))
    assert "the default model is used: only 12 incidents &lt;before&gt; the first cut" in html
    # Stated even when nothing could be evaluated.
    empty = fake_result(make_plan_result, evaluation_rows(0.0, 0.0, math.nan, math.nan))
    html = render_report(with_selection(empty, "no incidents"))
    assert "No evaluation" in html
    assert "the default model is used: no incidents" in html


def test_report_top_corridors_show_risk_exposure_and_priority(make_plan_result):
    result = fake_result(make_plan_result, fold_rows(), lang="sv")
    corridors = result.corridors.assign(
        risk_per_m_year=[0.0123],
        risk_low_per_m_year=[0.00612],
        risk_high_per_m_year=[0.0245],
        exposure_dph=[42.25],
        priority=[3.5],
        score=[3.5],
        comp_incidents=[2.75],
        comp_footfall=[4.25],
    )
    html = render_report(dataclasses.replace(result, corridors=corridors))
    assert "Risk (händelser per m och år, 90 %-intervall)" in html
    assert "Händelserisk, × nätets medel" in html
    assert "Resenärsflöde, × nätets medel" in html
    row = re.search(r"<tr><td>c1</td>(.*?)</tr>", html)
    assert row is not None
    nums = re.findall(r'<td class="num">([^<]*)</td>', row[1])
    assert nums == ["0.0123 (0.00612–0.0245)", "42.2", "3.50", "2.75", "4.25", "0 %"]
    en = render_report(
        dataclasses.replace(
            result,
            corridors=corridors,
            scenario=fake_result(make_plan_result, fold_rows()).scenario,
        )
    )
    assert "Incident risk, × network mean" in en
    assert "Priority (× network mean)" in en


@pytest.mark.parametrize(
    ("lang", "trend", "word"),
    [
        ("en", "intensifying", "intensifying"),
        ("sv", "intensifying", "växande"),
        ("sv", "new", "ny"),
        ("sv", "diminishing", "avtagande"),
        ("en", "sporadic", "sporadic"),
    ],
)
def test_report_hotspot_table(make_plan_result, lang, trend, word):
    html = render_report(fake_result(make_plan_result, fold_rows(), lang=lang, trend=trend))
    row = re.search(r"<tr><td>c1</td><td>([^<]*)</td><td>Storgatan</td>(.*?)</tr>", html)
    assert row is not None
    assert row[1] == word
    # incidents, recent (the last quarter of four periods), Gi* z, q, trend p
    assert re.findall(r'<td class="num">([^<]*)</td>', row[2]) == [
        "12",
        "5",
        "3.21",
        "0.004",
        "0.012",
    ]
    assert "999" in html  # the permutations are stated


def test_report_says_when_there_is_no_hotspot(make_plan_result):
    html = render_report(fake_result(make_plan_result, fold_rows(), trend="none"))
    assert "No significant hotspots." in html


def frontier(gap: float, **extra: object) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "budget_sek": [300_000.0],
            "objective": [40.0],
            "bound": [40.0 / (1 - gap)],
            "gap": [gap],
            "cost_sek": [290_000.0],
            "n_cameras": [5],
            "coverage_share": [0.25],
            "marginal_per_sek": [math.nan],
            "status": ["time_limit"],
            "method": ["milp"],
            **{k: [v] for k, v in extra.items()},
        }
    )


@pytest.mark.parametrize(
    ("table", "shown"),
    [
        (frontier(0.2, proven=False), "not proven (at most 31.2 %)"),
        (frontier(0.004, proven=True), "0.40 %"),
        (frontier(0.08), "not proven (at most 27.2 %)"),  # no column: above 5 % is not proven
        (frontier(0.03), "3.00 %"),
    ],
)
def test_report_frontier_shows_unproven_points_with_their_bound(make_plan_result, table, shown):
    result = fake_result(make_plan_result, fold_rows())
    html = render_report(dataclasses.replace(result, frontier=table))
    row = re.search(r'<tr><td class="num">300 000</td>(.*?)</tr>', html)
    assert row is not None
    assert re.findall(r"<td[^>]*>([^<]*)</td>", row[1])[2] == shown
    assert ("Not proven" in html) == shown.startswith("not proven")
