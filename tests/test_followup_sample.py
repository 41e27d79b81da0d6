"""Tests for the sample town's simulated follow-up and the `siteplan followup` command."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from typer.testing import CliRunner

from siteplan import datasets, pipeline
from siteplan.cli import app
from siteplan.config import load_scenario, scenario_from_dict
from siteplan.datasets.followup_sample import (
    simulate_disclosures,
    simulate_installation,
    simulate_spending,
    simulate_uptime,
)
from siteplan.io.cameras import load_installed_cameras
from siteplan.io.operations import load_disclosures, load_uptime
from siteplan.io.spending import SPENDING_CATEGORIES, load_spending

CRS = "EPSG:3006"


def _plan() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "camera_id": [f"cam-{i:03d}" for i in range(1, 11)],
            "site_id": ["s1", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9"],
            "x": 500_000.0 + 100 * np.arange(10),
            "y": 6_400_000.0,
            "lon": 15.0,
            "lat": 57.7,
            "model": "bullet",
            "mount": "lamp_post",
            "legal_class": ["general"] + ["stop_area"] * 9,
            "area": "City",
        }
    )


def test_simulate_installation_is_deterministic():
    plan = _plan()
    a = simulate_installation(plan, start=dt.date(2025, 2, 3), spacing_days=7, seed=0)
    b = simulate_installation(plan, start=dt.date(2025, 2, 3), spacing_days=7, seed=0)
    pd.testing.assert_frame_equal(a, b)
    assert len(a) == 9  # 10 % missing
    both = a.merge(plan, on="camera_id", suffixes=("", "_plan"))
    moved = np.hypot(both["x"] - both["x_plan"], both["y"] - both["y_plan"])
    assert (moved > 0).sum() == 1  # 10 % moved
    assert 2.0 <= moved.max() <= 8.0
    days = pd.to_datetime(a["installed_on"])
    assert days.min() >= pd.Timestamp("2025-02-03")
    assert days.max() <= pd.Timestamp("2025-02-03") + pd.Timedelta(days=8 * 7 + 2)
    same_site = a[a["site_id"] == "s1"]["installed_on"]
    assert same_site.nunique() <= 1


def test_simulate_spending_is_deterministic(sample_dir: Path):
    scenario = load_scenario(sample_dir / "scenario.toml")
    installed = simulate_installation(_plan(), start=dt.date(2025, 2, 3), spacing_days=7, seed=0)
    a = simulate_spending(installed, scenario=scenario, year=2025, seed=1)
    b = simulate_spending(installed, scenario=scenario, year=2025, seed=1)
    pd.testing.assert_frame_equal(a, b)
    assert set(a["category"]) <= set(SPENDING_CATEGORIES)
    assert "paperwork" in set(a["category"])  # the one general site needs its assessment
    assert pd.to_datetime(a["date"]).dt.year.max() == 2025
    assert a["date"].is_monotonic_increasing


def test_simulate_disclosures_and_uptime_are_deterministic(tmp_path):
    installed = simulate_installation(_plan(), start=dt.date(2025, 2, 3), spacing_days=7, seed=0)
    end = dt.date(2025, 12, 31)
    a = simulate_disclosures(installed, end=end, seed=2)
    pd.testing.assert_frame_equal(a, simulate_disclosures(installed, end=end, seed=2))
    assert set(a["site_id"]) <= set(installed["site_id"])
    assert set(a["case_used"]) <= {"yes", "no", ""}
    first = installed.groupby("site_id")["installed_on"].min().astype(str)
    assert (a["date"] > a["site_id"].map(first)).all()  # only after installation
    assert (a.loc[a["date"] >= "2025-12-02", "case_used"] == "").all()  # outcome not known
    u = simulate_uptime(installed, end=end, seed=2)
    pd.testing.assert_frame_equal(u, simulate_uptime(installed, end=end, seed=2))
    assert u["uptime_share"].between(0, 1).all()
    assert set(u["camera_id"]) == set(installed["camera_id"])
    # What the simulators write, the loaders read.
    a.to_csv(tmp_path / "d.csv", index=False)
    u.to_csv(tmp_path / "u.csv", index=False)
    assert len(load_disclosures(tmp_path / "d.csv")) == len(a)
    read = load_uptime(tmp_path / "u.csv")  # sorted by period start
    assert sorted(read["uptime_share"]) == sorted(u["uptime_share"])


def test_sample_followup_files_read():
    paths = datasets.followup_paths()
    cams = load_installed_cameras(paths["installed"], crs=CRS, dated=True)
    spend = load_spending(paths["spending"])
    disclosures = load_disclosures(paths["disclosures"])
    uptime = load_uptime(paths["uptime"])
    assert set(disclosures["site_id"]) <= set(cams["site_id"])
    assert set(uptime["camera_id"]) == set(cams.index)
    assert 0.9 < uptime["uptime_share"].mean() <= 1
    assert len(cams) > 0
    assert cams["installed_on"].min() >= pd.Timestamp("2025-01-01")
    assert spend["amount_sek"].sum() > 0


@pytest.mark.slow
def test_cli_followup_demo_and_bad_input(tmp_path, sample_dir: Path):
    runner = CliRunner()
    out = tmp_path / "fu"
    # Corridors rebuilt from the sample's walk network and stops, classified under the law.
    zones = tmp_path / "guards.geojson"
    box = shapely.box(499_500, 6_429_800, 499_900, 6_430_200)
    gpd.GeoDataFrame({"kind": ["guards"]}, geometry=[box], crs=CRS).to_file(zones)
    args = ["followup", "--demo", "--period", "year", "--out", str(out)]
    res = runner.invoke(app, [*args, "--interventions", str(zones)])
    assert res.exit_code == 0, res.output
    # The summary leads with the verdict and the % change interval, as the report does.
    line = res.output.strip().splitlines()[-1]
    assert line.startswith("2025-01-01..2025-12-31: Osäkert:")
    assert "Intervallet rymmer" in line
    assert "IRR" not in line
    assert "OR " not in line
    assert (out / "followup.html").is_file()
    assert (out / "followup.json").is_file()
    report = json.loads((out / "followup.json").read_text("utf-8"))
    assert report["meta"]["period"] == {
        "label": "year", "start": "2025-01-01", "end": "2025-12-31", "days": 365
    }  # fmt: skip
    assert report["meta"]["unit_kind"] == "corridor"
    assert report["economics"]["covered_km"] > 0
    ops = report["operations"]  # the sample's disclosures and uptime
    assert ops["has_disclosures"]
    assert ops["has_uptime"]
    assert ops["n_disclosures"] > 0
    assert 0.9 < ops["uptime_share"] <= 1
    assert len(ops["sites"]) == report["installation"]["n_sites"]
    assert report["controls"]["rtm"] is not None
    assert report["controls"]["n_intervention_areas"] == 1
    html = (out / "followup.html").read_text("utf-8")
    assert "Drift: utlämnat material och drifttid" in html
    assert not list(out.glob(".siteplan-partial*"))  # no temporary files left
    res = runner.invoke(app, ["followup", "--scenario", str(sample_dir / "scenario.toml")])
    assert res.exit_code == 2
    assert "--installed" in res.output


def test_cli_followup_bad_disclosures_exit_2(tmp_path, sample_dir: Path):
    bad = tmp_path / "disclosures.csv"
    bad.write_text("date,site_id,case_used\n2025-03-01,S1,perhaps\n", encoding="utf-8")
    args = ["followup", "--demo", "--disclosures", str(bad), "--out", str(tmp_path / "o")]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 2
    assert "disclosures.csv" in res.output
    assert "column 'case_used' has unknown values in row 1 ('perhaps')" in res.output
    assert not (tmp_path / "o").exists()


def test_scenario_interventions_key_is_read_relative_to_the_scenario(tmp_path):
    gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 10, 10)], crs=CRS).to_file(
        tmp_path / "police.geojson"
    )
    scenario = scenario_from_dict(
        {
            "study_area": {"name": "t"},
            "inputs": {"osm": "x.osm", "gtfs": "x.zip", "incidents": "x.csv"},
            "cameras": [{"model": "c", "horizontal_px": 2560, "hfov_deg": 60, "capex_sek": 1}],
            "budget": {"total_sek": 1},
            "followup": {"interventions": "police.geojson"},
        },
        base_dir=tmp_path,
    )
    zones = pipeline._followup_interventions(scenario, None)
    assert zones is not None
    assert len(zones) == 1
    assert (
        pipeline._followup_interventions(
            scenario.model_copy(
                update={"followup": scenario.followup.model_copy(update={"interventions": None})}
            ),
            None,
        )
        is None
    )


@pytest.mark.slow
def test_run_followup_on_grid_matches_given_layers(sample_dir: Path):
    scenario = load_scenario(sample_dir / "scenario.toml")
    inputs = pipeline.load_inputs(scenario)
    paths = datasets.followup_paths()
    by_path = pipeline.run_followup(
        scenario,
        installed=paths["installed"],
        spending=paths["spending"],
        period="interim",
        year=2025,
        grid=True,
        inputs=inputs,
    )
    by_frame = pipeline.run_followup(
        scenario,
        installed=load_installed_cameras(
            paths["installed"], crs=scenario.study_area.crs, dated=True
        ),
        spending=load_spending(paths["spending"]),
        incidents=inputs.incidents,
        period="interim",
        year=2025,
        grid=True,
        inputs=inputs,
    )
    assert by_path.meta.unit_kind == "cell"
    assert by_path.to_json() == by_frame.to_json()
    assert by_path.installation.n_installed == 9
