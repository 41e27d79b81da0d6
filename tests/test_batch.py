"""siteplan.batch: sweeps, isolation and the run cache (the Dask tests are slow)."""

from __future__ import annotations

import math
import tomllib
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
import tomli_w
from geopandas.testing import assert_geodataframe_equal
from typer.testing import CliRunner

from siteplan import batch, coverage, legal, pipeline
from siteplan.cli import app
from siteplan.config import SweepConfig, load_scenario
from siteplan.errors import InputError, ScenarioError
from siteplan.render import batch as batch_render

SAMPLE = Path(__file__).resolve().parents[1] / "siteplan" / "datasets" / "sample"

#: Light work limits so a run of the sample takes seconds, not minutes (CI).
LIGHT: dict[str, Any] = {
    "coverage": {"max_sites": 40, "azimuths_per_site": 4, "sample_step_m": 20.0},
    "placement": {
        "threads": 1,
        "local_search_moves": 50,
        "lagrangian_iterations": 100,
        "lp_iterations": 20_000,
        "rins_nodes": 20,
        "proof_nodes": 50,
    },
    "portfolio": {"draws": 50, "stability_draws": 0},
}


def _scenario_file(folder: Path, name: str, *, sweep: dict | None = None, **inputs: str) -> Path:
    """A light copy of the sample scenario in `folder`, reading the sample's files."""
    data = tomllib.loads((SAMPLE / "scenario.toml").read_text("utf-8"))
    data["study_area"]["name"] = name
    data["inputs"] = {
        k: (str(SAMPLE / v) if isinstance(v, str) and k != "areas_name_column" else v)
        for k, v in data["inputs"].items()
    }
    data["inputs"].update(inputs)
    for section, values in LIGHT.items():
        data.setdefault(section, {}).update(values)
    if sweep is not None:
        data["sweep"] = sweep
    path = folder / f"{name}.toml"
    path.write_text(tomli_w.dumps(data), "utf-8")
    return path


# ----------------------------------------------------------------------------------------------
# Fast: variants, hashes, tables, rendering


def test_sweep_accepts_nested_tables_as_dotted_keys():
    sweep = SweepConfig.model_validate(
        {"parameters": {"legal": {"stop_area_radius_m": [20, 40]}, "budget.total_sek": [1, 2]}}
    )
    assert list(sweep.parameters) == ["legal.stop_area_radius_m", "budget.total_sek"]


def test_ranges_need_draws():
    with pytest.raises(ValueError, match="need random draws"):
        SweepConfig.model_validate({"parameters": {"budget.total_sek": {"low": 1, "high": 2}}})


def test_expand_grid_in_order(tmp_path):
    sweep = {
        "parameters": {"legal.stop_area_radius_m": [20.0, 40.0], "budget.total_sek": [3e5, 5e5]}
    }
    scenario = load_scenario(_scenario_file(tmp_path, "town", sweep=sweep))
    runs = batch.expand(scenario)
    assert [dict(r.parameters) for r in runs] == [
        {"legal.stop_area_radius_m": 20.0, "budget.total_sek": 3e5},
        {"legal.stop_area_radius_m": 20.0, "budget.total_sek": 5e5},
        {"legal.stop_area_radius_m": 40.0, "budget.total_sek": 3e5},
        {"legal.stop_area_radius_m": 40.0, "budget.total_sek": 5e5},
    ]
    assert runs[2].scenario is not None
    assert runs[2].scenario.legal.stop_area_radius_m == 40.0
    assert runs[2].scenario.budget.total_sek == 3e5
    assert runs[2].scenario.sweep is None
    assert runs[2].scenario.base_dir == scenario.base_dir


def test_random_draws_are_seeded_and_within_range(tmp_path):
    scenario = load_scenario(_scenario_file(tmp_path, "town"))
    sweep = SweepConfig.model_validate(
        {
            "parameters": {
                "legal.stop_area_radius_m": {"low": 15, "high": 50, "integer": True},
                "legal.strak_policy": ["borderline", "exempt"],
            },
            "draws": 6,
            "seed": 7,
        }
    )
    first = [dict(r.parameters) for r in batch.expand(scenario, sweep)]
    again = [dict(r.parameters) for r in batch.expand(scenario, sweep)]
    assert first == again
    assert len(first) == 6
    assert all(15 <= p["legal.stop_area_radius_m"] <= 50 for p in first)
    assert all(isinstance(p["legal.stop_area_radius_m"], int) for p in first)


def test_unknown_swept_key_is_an_error(tmp_path):
    scenario = load_scenario(_scenario_file(tmp_path, "town"))
    sweep = SweepConfig.model_validate({"parameters": {"legal.stop_radius_m": [1, 2]}})
    with pytest.raises(ScenarioError, match=r"'legal\.stop_radius_m' is not a scenario key"):
        batch.expand(scenario, sweep)


def test_invalid_variant_becomes_a_failed_run(tmp_path):
    scenario = load_scenario(_scenario_file(tmp_path, "town"))
    sweep = SweepConfig.model_validate({"parameters": {"budget.total_sek": [-5, 400_000]}})
    bad, good = batch.expand(scenario, sweep)
    assert bad.scenario is None
    assert "budget.total_sek" in (bad.error or "")
    assert good.scenario is not None


def test_run_hash_ignores_the_folder_but_not_the_content(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    one = load_scenario(_scenario_file(tmp_path / "a", "town"))
    two = load_scenario(_scenario_file(tmp_path / "b", "town"))
    digest = batch.input_hash(one)
    assert digest == batch.input_hash(two)
    assert batch.run_hash(one, digest, frontier=False) == batch.run_hash(
        two, digest, frontier=False
    )
    other = one.model_copy(update={"budget": one.budget.model_copy(update={"total_sek": 1e5})})
    assert batch.run_hash(other, digest, frontier=False) != batch.run_hash(
        one, digest, frontier=False
    )


def _record(run_id: str, radius: float, budget: float, cov: float, sites: list[str]) -> Any:
    picks = tuple(batch.SitePick(s, 15.6 + i / 1000, 58.4, 1) for i, s in enumerate(sites))
    return batch.RunRecord(
        run_id=run_id,
        group="town",
        label=f"town r={radius} b={budget}",
        parameters={"legal.stop_area_radius_m": radius, "budget.total_sek": budget},
        status="ok",
        budget_sek=budget,
        cost_sek=budget * 0.9,
        coverage_share=cov,
        gap=0.001,
        n_cameras=len(sites),
        n_sites=len(sites),
        sites=picks,
    )


def _synthetic() -> batch.BatchResult:
    records = [
        _record("a", 20, 3e5, 0.30, ["S1", "S2"]),
        _record("b", 20, 5e5, 0.50, ["S1", "S2", "S3"]),
        _record("c", 40, 3e5, 0.32, ["S1", "S4"]),
        _record("d", 40, 5e5, 0.52, ["S1", "S3", "S4"]),
        batch.RunRecord("e", "other", "broken", {}, "failed", error="bad file", error_type="X"),
    ]
    return batch.summarise_runs(records)


def test_site_frequency_and_sensitivity():
    result = _synthetic()
    sites = result.sites.set_index("site_id")
    assert sites.loc["S1", "selection_share"] == 1.0
    assert sites.loc["S3", "selection_share"] == 0.5
    assert set(sites["n_runs"]) == {4}
    sens = result.sensitivity.set_index("parameter")
    assert list(result.sensitivity["parameter"]) == ["budget.total_sek", "legal.stop_area_radius_m"]
    assert math.isclose(sens.loc["budget.total_sek", "swing"], 0.20)
    assert math.isclose(sens.loc["legal.stop_area_radius_m", "swing"], 0.02)
    assert sens.loc["budget.total_sek", "high_value"] == "500000.0"
    assert list(result.runs["status"]) == ["ok"] * 4 + ["failed"]


def test_record_json_round_trip():
    rec = _synthetic().records[1]
    assert batch.RunRecord.from_json(rec.to_json()) == rec


def test_batch_files_and_report(tmp_path):
    result = _synthetic()
    files = batch.batch_files(result)
    assert {"batch.csv", "sites.csv", "batch.gpkg", "report.html", "map.html"} <= set(files)
    assert {f"runs/{r}.json" for r in "abcd"} <= set(files)
    page = files["report.html"]
    assert isinstance(page, str)
    assert "bad file" in page
    assert "data:image/png;base64," in page
    assert batch_render.tornado_png(result.sensitivity.iloc[0:0]) is None
    out = batch.write_batch(result, tmp_path / "out")
    runs = pd.read_csv(out / "batch.csv")
    assert len(runs) == 5
    assert set(batch.read_runs(out)) == set("abcd")


# ----------------------------------------------------------------------------------------------
# Slow: real runs on a 2-worker LocalCluster


@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as dask_client,
    ):
        yield dask_client


@pytest.mark.slow
def test_sweep_on_two_workers(tmp_path, client):
    sweep = {
        "parameters": {"legal.stop_area_radius_m": [25.0, 60.0], "budget.total_sek": [2e5, 5e5]}
    }
    scenario = load_scenario(_scenario_file(tmp_path, "town", sweep=sweep))
    seen: list[batch.BatchStatus] = []
    result = pipeline.run_many(scenario, client=client, progress=seen.append)
    assert list(result.runs["status"]) == ["ok"] * 4, result.runs["error"].tolist()
    assert seen[0].record is None
    assert seen[0].n_total == 4
    assert seen[-1].n_done == 4
    assert seen[-1].n_failed == 0
    assert (result.runs["cost_sek"] <= result.runs["budget_sek"]).all()
    small, large = result.runs.groupby("budget.total_sek")["coverage_share"].mean()
    assert large >= small
    # The sample lists measures: every run reports the mix's expected incidents prevented.
    runs = result.runs
    assert (runs["prevented_low"] < runs["prevented_per_year"]).all()
    assert (runs["prevented_per_year"] < runs["prevented_high"]).all()
    assert set(result.sensitivity["parameter"]) <= {"legal.stop_area_radius_m", "budget.total_sek"}
    assert result.sites["selection_share"].between(0, 1).all()
    assert (result.sites["n_runs"] == 4).all()
    assert result.sites["selection_share"].max() == 1.0  # some sites are chosen in every world


@pytest.mark.slow
def test_broken_scenario_is_isolated_and_rerun_skips_finished(tmp_path):
    broken_csv = tmp_path / "broken.csv"
    broken_csv.write_text("foo,bar\n1,2\n", "utf-8")
    good = _scenario_file(tmp_path, "good")
    broken = _scenario_file(tmp_path, "broken", incidents=str(broken_csv))
    with pytest.raises(Exception) as info:  # noqa: PT011 - the message is what matters
        pipeline.load_inputs(load_scenario(broken))
    expected = str(info.value)
    out = tmp_path / "out"
    runner = CliRunner()
    args = ["batch", str(good), str(broken), "--out", str(out), "--workers", "2"]
    first = runner.invoke(app, args)
    assert first.exit_code == 2, first.output
    squeezed = "".join(first.output.split())  # the console wraps long lines
    assert "".join(expected.split()) in squeezed
    runs = pd.read_csv(out / "batch.csv").set_index("group")
    assert runs.loc["good", "status"] == "ok"
    assert runs.loc["broken", "status"] == "failed"
    assert runs.loc["broken", "error"] == expected
    stored = batch.read_runs(out)
    assert len(stored) == 1
    # again: the finished run is taken from the folder; only the broken one is tried
    seen: list[batch.BatchStatus] = []
    again = pipeline.run_many(
        batch.runs_from_files([good, broken]), stored=stored, progress=seen.append, n_workers=1
    )
    assert again.n_cached == 1
    assert [s.record.group for s in seen if s.record is not None] == ["broken"]
    assert again.records[0] == stored[again.records[0].run_id]
    second = runner.invoke(app, args)
    assert second.exit_code == 2
    assert "1 from an earlier batch" in second.output


@pytest.mark.slow
def test_tiled_coverage_matrix_equals_the_single_process_build(tmp_path, client):
    scenario = load_scenario(_scenario_file(tmp_path, "town"))
    problem = pipeline.run(scenario, frontier=False).problem
    single = coverage.coverage_matrix(problem.options, problem.demand)
    tiled = batch.tiled_coverage_matrix(problem.options, problem.demand, client=client, tile_m=150)
    assert tiled.shape == single.shape == problem.coverage.shape
    assert single.nnz > 0
    assert (tiled != single).nnz == 0
    assert (tiled != problem.coverage).nnz == 0
    assert np.array_equal(tiled.indptr, single.indptr)
    assert np.array_equal(tiled.indices, single.indices)


@pytest.fixture(scope="module")
def sample_sites():
    """The sample's corridors, buildings and a spread-out eighth of its candidate sites."""
    scenario = load_scenario(SAMPLE / "scenario.toml")
    inputs = pipeline.load_inputs(scenario)
    corr, _ = pipeline.build_corridors_and_law(scenario, inputs)
    corr["score"] = 1.0  # candidate_sites and demand_points need a score; its value is moot here
    sites = coverage.candidate_sites(
        corr,
        buildings=inputs.osm.buildings,
        lamps=inputs.osm.lamps,
        stops=inputs.transit.stops,
        config=scenario.coverage,
        costs=scenario.costs,
    )
    sites = legal.classify_points(sites, inputs.transit.stops, corr, config=scenario.legal)
    return scenario, inputs.osm.buildings, corr, sites.iloc[::8]


@pytest.mark.slow
def test_tiled_camera_options_equal_the_single_process_options(sample_sites, client):
    scenario, buildings, corr, sites = sample_sites
    kwargs = {"buildings": buildings, "corridors": corr, "azimuths_per_site": 8}
    single = coverage.camera_options(sites, scenario.cameras, **kwargs)
    tiled = batch.tiled_camera_options(
        sites, scenario.cameras, **kwargs, client=client, tile_m=400.0
    )
    cells = np.floor(np.column_stack([sites.geometry.x, sites.geometry.y]) / 400.0)
    assert len(np.unique(cells, axis=0)) >= 20  # many tiles: the stitching is exercised
    assert len(single) > 1000
    assert single.geometry.is_empty.sum() < len(single)
    # Same index, columns, dtypes and values; the very same geometries (WKB, not just "equal").
    pd.testing.assert_frame_equal(
        pd.DataFrame(tiled.drop(columns="geometry")), pd.DataFrame(single.drop(columns="geometry"))
    )
    assert isinstance(tiled, gpd.GeoDataFrame)
    assert tiled.crs == single.crs
    assert tiled.geometry.name == single.geometry.name
    assert shapely.to_wkb(tiled.geometry.to_numpy()).tolist() == (
        shapely.to_wkb(single.geometry.to_numpy()).tolist()
    )
    assert_geodataframe_equal(tiled.iloc[:200], single.iloc[:200])
    demand = coverage.demand_points(corr, step_m=10.0)
    matrix = coverage.coverage_matrix(single, demand)
    assert matrix.nnz > 0
    for other in (
        coverage.coverage_matrix(tiled, demand),
        batch.tiled_coverage_matrix(tiled, demand, client=client, tile_m=400.0),
    ):
        assert other.shape == matrix.shape
        assert (other != matrix).nnz == 0
        assert np.array_equal(other.indptr, matrix.indptr)
        assert np.array_equal(other.indices, matrix.indices)


@pytest.mark.slow
def test_tiled_view_classes_equal_the_single_process_classes(sample_sites, client):
    scenario, buildings, corr, sites = sample_sites
    inputs = pipeline.load_inputs(scenario)
    areas = legal.stop_areas(
        inputs.transit.stops,
        radius_m=scenario.legal.stop_area_radius_m,
        departures=inputs.transit.departures,
    )
    strak = legal.strak_segments(corr)
    views = coverage.camera_options(
        sites, scenario.cameras, buildings=buildings, corridors=corr, azimuths_per_site=8
    )
    single = legal.view_classes(views, areas, strak, config=scenario.legal)
    tiled = batch.tiled_view_classes(
        views, areas, strak, config=scenario.legal, client=client, tile_m=400.0
    )
    assert len(set(single)) == 3  # every class occurs: the comparison means something
    assert tiled.tolist() == single.tolist()


def test_tiled_camera_options_need_unique_site_ids():
    cameras = load_scenario(SAMPLE / "scenario.toml").cameras
    sites = gpd.GeoDataFrame(
        {"mount": ["pole"] * 3, "area": ["a"] * 3},
        geometry=gpd.points_from_xy([0.0, 50.0, 900.0], [0.0, 0.0, 0.0]),
        index=pd.Index(["S1", "S2", "S1"], name="site_id"),
        crs="EPSG:3006",
    )
    with pytest.raises(InputError, match="must be unique"):
        batch.tiled_camera_options(
            sites,
            cameras,
            buildings=None,
            corridors=None,
            client=None,  # type: ignore[arg-type]  # never reached
        )
