"""End to end: `siteplan demo` on the sample town, its outputs, and the CLI's error handling."""

from __future__ import annotations

import json
import re
import types
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import rasterio
from typer.testing import CliRunner

from siteplan import pipeline
from siteplan.cli import app

runner = CliRunner()

OUTPUTS = (
    "map.html",
    "report.html",
    "plan.gpkg",
    "heat.tif",
    "cameras.csv",
    "summary.json",
    "register.csv",
    "procurement.csv",
)
CAMERA_COLUMNS = [
    "camera_id",
    "site_id",
    "x",
    "y",
    "lon",
    "lat",
    "azimuth_deg",
    "hfov_deg",
    "range_m",
    "model",
    "mount",
    "legal_class",
    "purpose",
    "area",
    "capex_sek",
    "opex_sek_per_year",
    "total_cost_sek",
    "covered_demand",
]


@pytest.fixture(scope="module")
def demo_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "exempelstad"
    result = runner.invoke(app, ["demo", "--out", str(out)])
    assert result.exit_code == 0, result.output + repr(result.exception)
    return out


@pytest.fixture(scope="module")
def summary(demo_out: Path) -> dict:
    return json.loads((demo_out / "summary.json").read_text("utf-8"))


@pytest.mark.slow
def test_same_scenario_gives_the_same_outputs(demo_out: Path, tmp_path: Path) -> None:
    """Two runs of the sample write identical plans (the solver stops on work limits)."""
    again = tmp_path / "again"
    res = runner.invoke(app, ["demo", "--out", str(again)])
    assert res.exit_code == 0, res.output
    for name in ("cameras.csv", "register.csv", "procurement.csv", "map.html"):
        assert (again / name).read_bytes() == (demo_out / name).read_bytes(), name
    first, second = (json.loads((d / "summary.json").read_text("utf-8")) for d in (demo_out, again))
    for s in (first, second):
        s.pop("created", None)
    assert first == second
    layers = [name for name, _ in pyogrio.list_layers(demo_out / "plan.gpkg")]
    assert layers == [name for name, _ in pyogrio.list_layers(again / "plan.gpkg")]
    for layer in layers:
        a = gpd.read_file(demo_out / "plan.gpkg", layer=layer)
        b = gpd.read_file(again / "plan.gpkg", layer=layer)
        pd.testing.assert_frame_equal(a.drop(columns="geometry"), b.drop(columns="geometry"))
        assert a.geometry.to_wkb().equals(b.geometry.to_wkb()), layer


def test_demo_writes_every_output(demo_out: Path) -> None:
    for name in OUTPUTS:
        assert (demo_out / name).is_file(), name
        assert (demo_out / name).stat().st_size > 0, name
    assert list((demo_out / "paperwork").glob("*.html"))
    # The atomic swap leaves no temporary folder behind.
    assert not [p for p in demo_out.parent.iterdir() if p.name.startswith(".")]


def test_summary_is_within_budget_with_a_proven_gap(summary: dict) -> None:
    assert summary["scenario"] == "exempelstad"
    assert summary["regime"] == "kbl-2025"
    assert summary["budget_sek"] == 500_000
    assert 0 < summary["cost_sek"] <= summary["budget_sek"]
    assert summary["n_cameras"] > 0
    assert 0 < summary["coverage_share"] < 1
    solver = summary["solver"]
    assert solver["bound"] >= solver["objective"] - 1e-6
    assert solver["gap"] <= 1e-3  # the "<= 0.1 % at this size"
    assert summary["greedy_objective"] <= solver["objective"] + 1e-6
    for group in ("by_area", "by_legal_class"):
        parts = summary[group]
        assert sum(g["n_cameras"] for g in parts.values()) == summary["n_cameras"]
        assert sum(g["demand_total"] for g in parts.values()) == pytest.approx(
            summary["demand_total"]
        )
        assert sum(g["demand_covered"] for g in parts.values()) == pytest.approx(
            summary["demand_covered"]
        )
    assert set(summary["by_area"]) >= {"City", "Norrby", "Västerby", "Söderby"}


def test_frontier_is_non_decreasing(summary: dict) -> None:
    front = pd.DataFrame(summary["frontier"])
    assert len(front) >= 5
    assert (np.diff(front["objective"].to_numpy()) >= -1e-6).all()
    at_budget = front.loc[front["budget_sek"] == summary["budget_sek"], "objective"]
    if len(at_budget):
        assert at_budget.iloc[0] == pytest.approx(summary["solver"]["objective"], rel=2e-3)


def test_score_beats_both_baselines_on_the_hold_out(summary: dict) -> None:
    ev = pd.DataFrame(summary["evaluation"]).pivot(index="share", columns="method", values="pai")
    for share in (0.05, 0.10):
        assert ev.loc[share, "model"] >= ev.loc[share, "last_period_counts"]
        assert ev.loc[share, "model"] >= ev.loc[share, "kde"]
        assert ev.loc[share, "model"] > ev.loc[share, "uniform"] == pytest.approx(1.0)


def test_cameras_csv_matches_summary(demo_out: Path, summary: dict) -> None:
    cams = pd.read_csv(demo_out / "cameras.csv")
    assert list(cams.columns) == CAMERA_COLUMNS
    assert len(cams) == summary["n_cameras"]
    assert cams["total_cost_sek"].sum() == pytest.approx(summary["cost_sek"], rel=1e-9)
    assert cams["camera_id"].is_unique
    assert set(cams["legal_class"]) <= {"stop_area", "stop_area_borderline", "general"}


def test_covered_demand_reproducible_from_geopackage(demo_out: Path, summary: dict) -> None:
    gpkg = demo_out / "plan.gpkg"
    layers = {name for name, _ in pyogrio.list_layers(gpkg)}
    assert {
        "corridors",
        "stops",
        "routes",
        "areas",
        "cameras",
        "footprints",
        "candidates",
    } <= layers
    feet = gpd.read_file(gpkg, layer="footprints")
    demand = gpd.read_file(gpkg, layer="demand")
    seen = demand.sindex.query(feet.geometry, predicate="intersects")[1]
    covered = demand["weight"].to_numpy()[np.unique(seen)].sum()
    assert covered == pytest.approx(summary["demand_covered"], rel=5e-3)
    corr = gpd.read_file(gpkg, layer="corridors")
    for col in ("score", "legal_class", "legal_reason", "covered_share"):
        assert col in corr.columns
    assert corr["length_m"].sum() == pytest.approx(summary["corridor_length_m"])
    # The covered length is geometric: corridor length inside the cameras' footprints.
    inside = corr.geometry.intersection(feet.geometry.union_all()).length.sum()
    assert inside == pytest.approx(summary["covered_length_m"], rel=1e-6)
    assert 0 < summary["covered_length_m"] < summary["corridor_length_m"]


def test_heat_raster_is_georeferenced(demo_out: Path) -> None:
    with rasterio.open(demo_out / "heat.tif") as src:
        assert src.crs.to_epsg() == 3006
        band = src.read(1)
    assert np.nanmax(band) > 0


def test_shared_outputs_hold_no_single_incident(demo_out: Path) -> None:
    from scipy.spatial import cKDTree

    incidents = pd.read_csv(
        Path(__file__).resolve().parents[1] / "siteplan/datasets/sample/incidents.csv"
    )
    html = (demo_out / "map.html").read_text("utf-8") + (demo_out / "report.html").read_text(
        "utf-8"
    )
    # Every point feature in the shared HTML is a stop, a camera or a measure placed at a point
    # (help points): 80 stops + the cameras + those measures.
    points = re.findall(
        r'"coordinates":\s*\[\s*(-?\d+\.\d+)\s*,\s*(-?\d+\.\d+)\s*\],\s*"type":\s*"Point"', html
    )
    n_cameras = len(pd.read_csv(demo_out / "cameras.csv"))
    layers = pyogrio.list_layers(demo_out / "plan.gpkg")[:, 0]
    n_measures = 0
    if "measures" in layers:
        measures = gpd.read_file(demo_out / "plan.gpkg", layer="measures")
        n_measures = int((measures.geom_type == "Point").sum())
    assert len(points) == 80 + n_cameras + n_measures
    tree = cKDTree(np.array(points, dtype=float))
    dist, _ = tree.query(incidents[["lon", "lat"]].to_numpy(), k=1)
    assert dist.min() > 1e-6  # about 10 cm: no point sits on an incident
    assert "Fiktiva data" in html


def test_shared_html_is_self_contained(demo_out: Path) -> None:
    for name in ("map.html", "report.html"):
        html = (demo_out / name).read_text("utf-8")
        assert not re.search(r"""<script[^>]+src=["']https?:""", html), name
        assert not re.search(r"""<link[^>]+href=["']https?:""", html), name


def test_explain_a_camera_and_a_corridor(demo_out: Path) -> None:
    res = runner.invoke(app, ["explain", "cam-001", "--out", str(demo_out)])
    assert res.exit_code == 0, res.output
    assert "legal_class" in res.output
    cid = gpd.read_file(demo_out / "plan.gpkg", layer="corridors", rows=1)["corridor_id"].iloc[0]
    res = runner.invoke(app, ["explain", cid, "--out", str(demo_out)])
    assert res.exit_code == 0, res.output
    assert "score" in res.output
    res = runner.invoke(app, ["explain", "no-such-id", "--out", str(demo_out)])
    assert res.exit_code == 2
    assert "no corridor or camera" in " ".join(res.output.split())


def test_validate_accepts_the_sample() -> None:
    path = Path(__file__).resolve().parents[1] / "siteplan/datasets/sample/scenario.toml"
    res = runner.invoke(app, ["validate", str(path)])
    assert res.exit_code == 0, res.output
    assert "kbl-2025" in res.output


def test_bad_scenario_lists_every_problem_with_exit_code_2(tmp_path: Path) -> None:
    sample = (
        Path(__file__).resolve().parents[1] / "siteplan/datasets/sample/scenario.toml"
    ).read_text("utf-8")
    text = sample.replace('crs = "EPSG:3006"', 'crs = "EPSG:4326"', 1)
    text = re.sub(r"total_sek = [0-9_]+", "total_sek = -5", text)
    text = text.replace("[legal]", "[legal]\nstop_area_radius = 30", 1)
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    res = runner.invoke(app, ["validate", str(path)])
    assert res.exit_code == 2, res.output
    out = " ".join(res.output.split())
    assert "3 problem(s)" in out
    assert "study_area.crs" in out
    assert "geographic" in out
    assert "budget.total_sek" in out
    assert "legal.stop_area_radius" in out
    assert "did you mean stop_area_radius_m" in out
    assert "Traceback" not in res.output


def test_missing_input_file_gives_exit_code_2(tmp_path: Path) -> None:
    sample = (
        Path(__file__).resolve().parents[1] / "siteplan/datasets/sample/scenario.toml"
    ).read_text("utf-8")
    path = tmp_path / "scenario.toml"  # relative input paths now point into tmp_path
    path.write_text(sample, encoding="utf-8")
    res = runner.invoke(app, ["plan", str(path), "--out", str(tmp_path / "out")])
    assert res.exit_code == 2, res.output
    out = " ".join(res.output.split())
    assert "inputs.osm: file not found" in out
    assert "inputs.incidents: file not found" in out
    assert not (tmp_path / "out").exists()


def test_evaluation_is_skipped_when_the_incidents_share_one_time() -> None:
    from shapely.geometry import LineString, Point

    from siteplan import pipeline
    from siteplan.config import scenario_from_dict
    from siteplan.errors import InputError, InputWarning

    data = {
        "study_area": {"name": "t"},
        "inputs": {"osm": "a.osm", "gtfs": "g.zip", "incidents": "i.csv"},
        "cameras": [{"model": "m", "horizontal_px": 1920, "hfov_deg": 90, "capex_sek": 1}],
    }
    when = pd.Timestamp("2024-05-01 22:00", tz="Europe/Stockholm")
    incidents = gpd.GeoDataFrame(
        {"occurred_at": [when], "category": ["Rån"], "area": [None]},
        geometry=[Point(500_010, 6_470_000)],
        index=pd.Index(["1"], name="incident_id"),
        crs="EPSG:3006",
    )
    corr = gpd.GeoDataFrame(
        {"length_m": [50.0], "area": [None]},
        geometry=[LineString([(500_000, 6_470_000), (500_050, 6_470_000)])],
        index=pd.Index(["c1"], name="corridor_id"),
        crs="EPSG:3006",
    )
    transit = types.SimpleNamespace(stops=None)  # not reached: the split comes first
    inputs = pipeline.PlanInputs(osm=None, transit=transit, incidents=incidents, areas=None)
    # One incident: no period before the default cut to train on; the plan goes on without it.
    with pytest.warns(InputWarning, match="skipped the hold-out evaluation"):
        evaluation = pipeline._evaluation(scenario_from_dict(data), corr, inputs, None)
    assert evaluation.table.empty
    assert "pai" in evaluation.table.columns
    assert evaluation.cut_date is None
    # A cut date the user chose outside the data stays an error they can fix.
    data["scoring"] = {"evaluation_cut_date": "2020-01-01"}
    with pytest.raises(InputError, match="evaluation_cut_date"):
        pipeline._evaluation(scenario_from_dict(data), corr, inputs, None)


def test_plan_joins_a_frontier_whose_small_budgets_fit_no_camera() -> None:
    from siteplan import pipeline

    nan = float("nan")
    front = pd.DataFrame(
        {
            "budget_sek": [1_000.0, 100_000.0, 200_000.0, 300_000.0],
            "objective": [nan, 10.0, 18.0, 17.0],
            "bound": [nan, 10.0, 19.0, 20.0],
            "gap": [nan, 0.0, 1 / 19, 0.15],
            "cost_sek": [nan, 90_000.0, 190_000.0, 250_000.0],
            "n_cameras": [0, 1, 2, 2],
            "coverage_share": [nan, 0.1, 0.18, 0.17],
            "marginal_per_sek": [nan, nan, 8e-5, -1e-5],
            "status": ["infeasible", "optimal", "time_limit", "time_limit"],
            "method": ["", "milp", "milp", "milp"],
        }
    )
    plan = types.SimpleNamespace(
        objective_=19.0, bound_=19.0, gap_=0.0, cost_sek_=195_000.0, selected_=[1, 2],
        status_="optimal", method_="milp",
    )  # fmt: skip
    problem = types.SimpleNamespace(weights=np.full(4, 25.0))
    out = pipeline._with_plan(front, plan, 200_000.0, problem)
    # The budget that fits no camera stays without a plan: it neither spreads nor takes one.
    assert out.loc[0, "status"] == "infeasible"
    assert np.isnan(out.loc[0, ["objective", "gap", "coverage_share"]].astype(float)).all()
    # The plan replaces the sweep at its budget; the larger budget keeps the better plan.
    assert out["objective"].tolist()[1:] == [10.0, 19.0, 19.0]
    assert out.loc[2, "coverage_share"] == pytest.approx(0.19)
    assert out.loc[3, "cost_sek"] == 195_000.0
    assert out.loc[3, "gap"] == pytest.approx(1 / 20)
    assert out.loc[1, "gap"] == 0.0


def test_sample_portfolio_mix_is_at_least_the_camera_only_plan(plan_result) -> None:
    folio = plan_result.portfolio
    assert folio is not None
    assert set(folio.plans) == {"mix", "cameras", "lighting"}
    mix, cams = folio.plans["mix"], folio.plans["cameras"]
    budget = plan_result.scenario.budget.total_sek
    for plan in folio.plans.values():
        assert 0 < plan.cost_sek <= budget
        assert plan.gap <= 0.01
        low, high = folio.intervals[plan.family]
        assert low < plan.prevented_per_year < high
    # The camera-only plan is feasible for the mix, so the mix prevents at least as much.
    assert mix.objective >= cams.objective - 1e-9
    # The numbers are reproducible from the options: cost and prevented recomputed.
    opts = folio.portfolio.problem.options.loc[list(mix.selected)]
    all_sites = folio.portfolio.problem.sites
    sites = all_sites.loc[opts["site_id"].unique(), "site_cost_sek"]
    # the legal paperwork once per site with a camera that needs it
    papered = opts.loc[opts["paperwork"].fillna(False).astype(bool), "site_id"].unique()
    paper = all_sites.loc[papered, "paperwork_sek"]
    assert mix.cost_sek == pytest.approx(opts["cost_sek"].sum() + sites.sum() + paper.sum())
    again = folio.portfolio.prevented(mix.selected)
    assert again.incidents == pytest.approx(mix.prevented_per_year)
    summary = plan_result.summary["portfolio"]
    assert summary["families"]["mix"]["prevented_per_year"] == pytest.approx(mix.prevented_per_year)
    assert set(folio.measures["measure"]) <= {"kameror", "belysning", "nodtelefon"}
    assert folio.chosen["frequency"].between(0, 1).all()


def test_objective_prevented_makes_the_mix_the_plan(plan_result) -> None:
    scenario = plan_result.scenario.model_copy(
        update={
            "portfolio": plan_result.scenario.portfolio.model_copy(
                update={"objective": "prevented", "stability_draws": 0}
            )
        }
    )
    result = pipeline.run(scenario, inputs=plan_result.inputs, frontier=False)
    folio = result.portfolio
    assert folio is not None
    mix = folio.plans["mix"]
    cams = set(
        folio.portfolio.problem.options.index[folio.portfolio.problem.options["kind"] == "camera"]
    )
    # The cameras, paperwork and bill describe the mix, not the coverage plan.
    assert set(result.plan.selected_) == set(mix.selected) & cams
    assert len(result.cameras) == len(set(mix.selected) & cams)
    assert result.summary["solver"]["method"] == "portfolio"
    assert result.summary["solver"]["gap"] == pytest.approx(mix.gap)
    others = folio.chosen[folio.chosen["kind"] != "camera"]
    bill = result.bill
    grand = float(bill["total_cost_sek"].iloc[-1])
    assert grand == pytest.approx(mix.cost_sek, rel=1e-9)
    assert set(others["kind"]) <= set(bill["item"])
