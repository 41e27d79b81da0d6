"""Tests for the follow-up: effect measures, economics, input errors and the written report."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from siteplan import followup as fu
from siteplan.config import scenario_from_dict
from siteplan.errors import InputError, InputWarning
from siteplan.io.followup_inputs import load_installed, load_spending

CRS = "EPSG:3006"


@pytest.fixture(scope="module")
def scenario():
    return scenario_from_dict(
        {
            "study_area": {"name": "testby", "title": "Testby", "fictional": True},
            "inputs": {"osm": "x.osm", "gtfs": "x.zip", "incidents": "x.csv"},
            "cameras": [{"model": "cam", "horizontal_px": 2560, "hfov_deg": 60, "capex_sek": 9000}],
            "budget": {"total_sek": 100_000},
        }
    )


# -- odds ratio ---------------------------------------------------------------------------------


def test_odds_ratio_by_hand():
    # a, b treated before/after; c, d control before/after.
    r = fu.odds_ratio(50, 30, 100, 90)
    assert r["odds_ratio"] == pytest.approx(50 * 90 / (30 * 100))  # 1.5
    var = 1 / 50 + 1 / 30 + 1 / 100 + 1 / 90
    assert r["var_log_or"] == pytest.approx(var)
    assert r["ci_low"] == pytest.approx(math.exp(math.log(1.5) - 1.96 * math.sqrt(var)), rel=1e-4)
    assert r["ci_high"] == pytest.approx(math.exp(math.log(1.5) + 1.96 * math.sqrt(var)), rel=1e-4)
    assert r["ci_low"] == pytest.approx(0.8787, abs=1e-4)
    assert r["ci_high"] == pytest.approx(2.5606, abs=1e-4)
    assert not r["significant"]  # the CI contains 1
    assert r["relative_change"] == pytest.approx(1 / 1.5 - 1)  # a third fewer, relative to control
    assert not r["continuity_correction"]


def test_odds_ratio_significant_reduction():
    r = fu.odds_ratio(200, 100, 200, 200)
    assert r["odds_ratio"] == pytest.approx(2.0)
    assert r["significant"]
    assert r["p_value"] < 0.001


def test_odds_ratio_zero_cell_uses_continuity_correction():
    r = fu.odds_ratio(10, 0, 20, 25)
    assert r["continuity_correction"]
    assert r["odds_ratio"] == pytest.approx(10.5 * 25.5 / (0.5 * 20.5))
    assert r["var_log_or"] == pytest.approx(1 / 10.5 + 1 / 0.5 + 1 / 20.5 + 1 / 25.5)
    assert r["b"] == 0  # the counts are reported as given
    assert math.isfinite(r["ci_high"])


def test_odds_ratio_rejects_negative_count():
    with pytest.raises(InputError, match="count b=-1"):
        fu.odds_ratio(1, -1, 2, 2)


# -- difference in differences --------------------------------------------------------------------


def _panel(seed: int, *, irr: float, overdispersed: bool = False) -> pd.DataFrame:
    """200 units x 24 months, half treated with installs staggered over months 8-16."""
    rng = np.random.default_rng(seed)
    n_units, n_months = 200, 24
    base = rng.gamma(4.0, 0.75, size=n_units)  # mean 3 incidents a month
    season = 1 + 0.3 * np.sin(2 * np.pi * np.arange(n_months) / 12)
    treated = np.arange(n_units) < 100
    install = np.where(treated, rng.integers(8, 17, size=n_units), n_months + 1)
    unit, month = np.meshgrid(np.arange(n_units), np.arange(n_months), indexing="ij")
    post = treated[unit] & (month >= install[unit])
    mu = base[unit] * season[month] * np.where(post, irr, 1.0)
    if overdispersed:
        mu = mu * rng.gamma(1.0, 1.0, size=mu.shape)
    return pd.DataFrame(
        {
            "unit": [f"u{u:03d}" for u in unit.ravel()],
            "period": [f"m{m:02d}" for m in month.ravel()],
            "count": rng.poisson(mu).ravel(),
            "treated": treated[unit].ravel(),
            "post": post.ravel(),
            "exposure": 30.0,
        }
    )


def test_did_recovers_injected_effect():
    r = fu.did_poisson(_panel(1, irr=0.7))
    assert r["model"] == "poisson"
    assert r["dispersion"] < 1.5
    assert r["ci_low"] < 0.7 < r["ci_high"]
    assert r["ci_high"] < 1.0
    assert r["significant"]
    assert r["n_units"] == 200
    assert r["n_treated_units"] == 100
    assert r["n_periods"] == 24


def test_did_switches_to_negative_binomial_when_overdispersed():
    r = fu.did_poisson(_panel(2, irr=0.7, overdispersed=True))
    assert r["model"] == "negative_binomial"
    assert r["dispersion"] > 1.5
    assert r["alpha"] > 0
    assert r["ci_low"] < 0.7 < r["ci_high"]


def test_did_no_effect_is_not_significant():
    # With no injected effect a 95 % CI misses 1 in one draw of 20; seed 7 is one of the 19.
    r = fu.did_poisson(_panel(7, irr=1.0))
    assert r["irr"] == pytest.approx(1.0, abs=0.05)
    assert r["ci_low"] < 1.0 < r["ci_high"]
    assert not r["significant"]


def test_did_drops_units_without_incidents_and_needs_post_rows():
    panel = _panel(4, irr=0.7)
    silent = panel["unit"].isin(["u150", "u151"])
    panel.loc[silent, "count"] = 0
    assert fu.did_poisson(panel)["n_units_dropped"] == 2
    with pytest.raises(InputError, match="no treated unit-period after installation"):
        fu.did_poisson(panel.assign(post=False))


# -- displacement ---------------------------------------------------------------------------------


def test_wdq_by_hand_displacement():
    # R 100 -> 60, B 50 -> 55, C 200 -> 200: success -0.2, buffer +0.025, WDQ -0.125.
    r = fu.displacement(100, 60, 50, 55, 200, 200)
    assert r["success_measure"] == pytest.approx(-0.2)
    assert r["buffer_measure"] == pytest.approx(0.025)
    assert r["wdq"] == pytest.approx(-0.125)
    assert r["interpretation"] == "displacement"


def test_wdq_by_hand_diffusion_and_undefined_cases():
    # Buffer 50 -> 40 with control 100 -> 80: buffer measure 40/80 - 50/100 = 0.
    assert fu.displacement(100, 60, 50, 40, 100, 80)["interpretation"] == "none"
    # Buffer 50 -> 30, control flat: 0.3 - 0.5 = -0.2; success 0.6 - 1.0 = -0.4 -> WDQ 0.5.
    r = fu.displacement(100, 60, 50, 30, 100, 100)
    assert r["wdq"] == pytest.approx(0.5)
    assert r["interpretation"] == "diffusion"
    assert fu.displacement(100, 60, 10, 80, 100, 100)["interpretation"] == "net_loss"
    assert fu.displacement(60, 100, 50, 30, 100, 100)["interpretation"] == "no_success"
    assert fu.displacement(100, 60, 50, 30, 0, 100)["wdq"] is None


# -- matched controls ----------------------------------------------------------------------------


def test_matched_controls_by_stratum_level_and_buffer():
    units = pd.DataFrame(
        {"legal_class": ["stop_area"] * 6 + ["general"] * 3},
        index=[f"c{i}" for i in range(9)],
    )
    pre = pd.Series({"c0": 10, "c1": 9, "c2": 11, "c3": 10, "c4": 3, "c5": 10, "c6": 10, "c7": 10})
    controls = fu.matched_controls(units, ["c0"], pre, n_per_treated=2, exclude=["c3"])
    # c5 (same level) first, then the tie c1/c2 goes to the lower id; c3 is in the buffer and
    # the general units are another stratum.
    assert controls == ["c5", "c1"]


# -- economics -----------------------------------------------------------------------------------


def _spending() -> pd.DataFrame:
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


def test_economics_sums(scenario):
    period = fu.report_period("interim", year=2025)
    cams = pd.DataFrame({"total_cost_sek": [30_000.0, 30_000.0]}, index=["a", "b"])
    r = fu.economics(_spending(), budget_sek=100_000, period=period, cameras=cams, covered_km=0.5)
    assert r["spent_sek"] == 64_000  # 2024 and September lines are outside the period
    assert r["by_category"] == {
        "camera": 20_000, "mount": 30_000, "connectivity": 10_000, "vms": 0,
        "operation": 4_000, "paperwork": 0, "other": 0,
    }
    assert r["by_area"] == {"City": 50_000, "Ryd": 4_000, fu.SHARED_AREA: 10_000}
    assert sum(r["by_area"].values()) == r["spent_sek"]
    assert r["remaining_sek"] == 36_000
    assert r["cost_per_camera_sek"] == 32_000
    assert r["cost_per_km_sek"] == 128_000
    assert r["planned_cost_sek"] == 60_000
    # 1 Jan - 31 Aug 2025 is 243 days: 64 000 * 365 / 243.
    assert r["forecast_year_end_sek"] == pytest.approx(64_000 * 365 / 243)
    assert r["cumulative"][-1] == {"month": "2025-08", "spent_sek": 64_000}
    assert len(r["cumulative"]) == 8


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


# -- input files ---------------------------------------------------------------------------------


def test_spending_reads_swedish_amounts(tmp_path):
    path = tmp_path / "spending.csv"
    path.write_text(
        "date;category;area;amount_sek;note\n"
        "2025-02-01;Camera;City;12 500,50;första\n"
        "2025-01-15;vms;;-2000;kreditnota\n",
        encoding="utf-8",
    )
    frame = load_spending(path)
    assert list(frame["amount_sek"]) == [-2000.0, 12500.5]  # sorted by date
    assert list(frame["category"]) == ["vms", "camera"]
    assert frame["area"].isna().tolist() == [True, False]


def test_spending_bad_rows_name_row_and_column(tmp_path):
    path = tmp_path / "spending.csv"
    path.write_text(
        "date,category,area,amount_sek,note\n"
        "2025-02-01,camera,City,1000,\n"
        "2025-02-31,camera,City,1000,\n"
        "2025-03-01,camerra,City,1000,\n"
        "2025-03-02,mount,City,12x,\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as err:
        load_spending(path)
    msg = str(err.value)
    assert "spending.csv: 3 problem(s)" in msg
    assert "column 'date' is not a date in row 2 ('2025-02-31')" in msg
    assert "column 'category' has unknown values in row 3 ('camerra')" in msg
    assert "Did you mean 'camera'?" in msg
    assert "column 'amount_sek' is not a number in row 4 ('12x')" in msg


def test_spending_missing_column(tmp_path):
    path = tmp_path / "spending.csv"
    path.write_text("date,category,amount\n2025-01-01,camera,10\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"missing column\(s\) \['amount_sek'\]"):
        load_spending(path)


def test_installed_reads_dates_and_skips_uninstalled(tmp_path):
    path = tmp_path / "installed.csv"
    path.write_text(
        "camera_id,x,y,azimuth_deg,hfov_deg,range_m,installed_on\n"
        "cam-001,500000,6400000,90,60,18,2025-02-03\n"
        "cam-002,500100,6400000,,360,10,2025-02-10\n"
        "cam-003,500200,6400000,0,60,18,\n",
        encoding="utf-8",
    )
    with pytest.warns(InputWarning, match="1 camera\\(s\\) have no installed_on"):
        cams = load_installed(path, crs=CRS)
    assert list(cams.index) == ["cam-001", "cam-002"]
    assert cams.loc["cam-001", "installed_on"] == pd.Timestamp("2025-02-03")
    assert cams.crs.to_epsg() == 3006


def test_installed_bad_cells_name_row_and_column(tmp_path):
    path = tmp_path / "installed.csv"
    path.write_text(
        "camera_id,x,y,azimuth_deg,hfov_deg,range_m,installed_on\n"
        "cam-001,500000,6400000,,60,18,2025-02-03\n"
        "cam-001,500100,6400000,90,60,abc,03/02/2025\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as err:
        load_installed(path, crs=CRS)
    msg = str(err.value)
    assert "column 'camera_id' repeats an id in row 2 ('cam-001')" in msg
    assert "column 'installed_on' is not a date" in msg
    assert "row 2 ('03/02/2025')" in msg
    assert "column 'range_m' is not a number in row 2 ('abc')" in msg
    assert "column 'azimuth_deg' is empty in row 1" in msg


# -- the whole follow-up on a synthetic town ------------------------------------------------------


def _town(seed: int = 0):
    """A 20 x 20 grid of 50 m streets, one camera at the centre, incidents 2024-2025."""
    rng = np.random.default_rng(seed)
    lines = []
    for k in range(21):
        for j in range(20):
            lines.append(shapely.LineString([(j * 50, k * 50), ((j + 1) * 50, k * 50)]))
            lines.append(shapely.LineString([(k * 50, j * 50), (k * 50, (j + 1) * 50)]))
    corridors = gpd.GeoDataFrame(
        {"legal_class": "general", "area": None},
        geometry=lines,
        crs=CRS,
        index=pd.Index([f"c{i:04d}" for i in range(len(lines))], name="corridor_id"),
    )
    corridors.loc[corridors.index[:40], "legal_class"] = "stop_area"
    installed = gpd.GeoDataFrame(
        {
            "site_id": ["s1", "s2"],
            "azimuth_deg": [90.0, 0.0],
            "hfov_deg": [60.0, 60.0],
            "range_m": [40.0, 40.0],
            "installed_on": pd.to_datetime(["2025-02-03", "2025-02-17"]),
            "total_cost_sek": [40_000.0, 40_000.0],
        },
        geometry=[shapely.Point(500, 500), shapely.Point(200, 700)],
        crs=CRS,
        index=pd.Index(["cam-001", "cam-002"], name="camera_id"),
    )
    installed["x"], installed["y"] = installed.geometry.x, installed.geometry.y
    n = 3000
    days = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 731, n), unit="D")
    xy = rng.uniform(0, 1000, size=(n, 2))
    incidents = gpd.GeoDataFrame(
        {
            "occurred_at": (days + pd.Timedelta(hours=20)).tz_localize("Europe/Stockholm"),
            "category": "Stöld",
            "area": None,
        },
        geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]),
        crs=CRS,
        index=pd.Index([str(i) for i in range(n)], name="incident_id"),
    )
    return corridors, installed, incidents


def test_followup_and_write(tmp_path, scenario):
    corridors, installed, incidents = _town()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        report = fu.followup(
            installed, incidents, _spending(), corridors=corridors,
            period=fu.report_period("interim", year=2025), scenario=scenario,
        )
    assert report["installation"]["n_installed"] == 2
    assert report["windows"]["after"] == {"start": "2025-02-17", "end": "2025-08-31"}
    assert report["windows"]["before"] == {"start": "2024-02-17", "end": "2024-08-31"}
    units = report["units"]
    assert units["n_treated"] > 0
    assert units["n_control"] == 3 * units["n_treated"]
    counts = report["counts"]
    o = report["odds_ratio"]
    assert (o["a"], o["b"]) == (counts["treated"]["before"], counts["treated"]["after"])
    assert (o["c"], o["d"]) == (counts["control"]["before"], counts["control"]["after"])
    assert report["economics"]["spent_sek"] == 64_000
    assert 0 < report["economics"]["covered_km"] < 0.2  # two 40 m wedges over a 50 m grid
    assert len(report["monthly"]) == 20  # Jan 2024 - Aug 2025

    html, js = fu.write_followup(report, tmp_path / "out")
    assert html.name == "followup.html"
    assert js.name == "followup.json"
    data = json.loads(js.read_text("utf-8"))
    assert data["odds_ratio"]["odds_ratio"] == pytest.approx(o["odds_ratio"])
    text = html.read_text("utf-8")
    assert "Uppföljning av kamerabevakningen" in text  # Swedish by default
    assert text.count("data:image/png;base64,") == 2  # both charts inline
    assert not re.search(r"https?://", text)  # no external URLs at all
    assert not re.search(r"<(script|link|iframe)\b", text, re.IGNORECASE)
    # Only counts leave the module: no incident coordinates in the JSON.
    assert "geometry" not in js.read_text("utf-8")
    assert not list((tmp_path / "out").glob(".*"))  # no temporary files left


def test_followup_without_corridors_uses_cells(scenario):
    _, installed, incidents = _town(1)
    report = fu.followup(
        installed, incidents, _spending(), period=fu.report_period("year", year=2025),
        scenario=scenario,
    )
    assert report["meta"]["unit_kind"] == "cell"
    assert report["units"]["n_treated"] >= 2
    assert report["economics"]["covered_km"] is None
    assert {"code": "grid_units", "grid_m": 50.0} in report["notes"]


def test_followup_needs_an_installed_camera(scenario):
    corridors, installed, incidents = _town()
    with pytest.raises(InputError, match="no camera was installed by 2024-08-31"):
        fu.followup(
            installed, incidents, _spending(), corridors=corridors,
            period=fu.report_period("interim", year=2024), scenario=scenario,
        )


# -- the sample's simulated installation ---------------------------------------------------------


def test_simulate_installation_is_deterministic():
    plan = pd.DataFrame(
        {
            "camera_id": [f"cam-{i:03d}" for i in range(1, 11)],
            "site_id": ["s1", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9"],
            "x": 500_000.0 + 100 * np.arange(10),
            "y": 6_400_000.0,
            "lon": 15.0,
            "lat": 57.7,
        }
    )
    a = fu.simulate_installation(plan, start=dt.date(2025, 2, 3), spacing_days=7, seed=0)
    b = fu.simulate_installation(plan, start=dt.date(2025, 2, 3), spacing_days=7, seed=0)
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


def test_sample_followup_files_read(sample_dir: Path):
    folder = sample_dir / "followup"
    if not (folder / "installed.csv").exists():
        pytest.skip("sample follow-up not generated (python -m siteplan.followup --make-sample)")
    cams = load_installed(folder / "installed.csv", crs=CRS)
    spend = load_spending(folder / "spending.csv")
    assert len(cams) > 0
    assert cams["installed_on"].min() >= pd.Timestamp("2025-01-01")
    assert spend["amount_sek"].sum() > 0


def test_cli_followup_demo_and_bad_input(tmp_path, sample_dir: Path):
    from typer.testing import CliRunner

    from siteplan.cli import app

    if not (sample_dir / "followup" / "installed.csv").exists():
        pytest.skip("sample follow-up not generated (python -m siteplan.followup --make-sample)")
    runner = CliRunner()
    out = tmp_path / "fu"
    # Corridors rebuilt from the sample's walk network and stops, classified under the law.
    args = ["followup", "--demo", "--period", "year", "--out", str(out)]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    assert (out / "followup.html").is_file()
    assert (out / "followup.json").is_file()
    report = json.loads((out / "followup.json").read_text("utf-8"))
    assert report["meta"]["period"] == {
        "label": "year", "start": "2025-01-01", "end": "2025-12-31", "days": 365
    }
    assert report["meta"]["unit_kind"] == "corridor"
    assert report["economics"]["covered_km"] > 0
    res = runner.invoke(app, ["followup", "--scenario", str(sample_dir / "scenario.toml")])
    assert res.exit_code == 2
    assert "--installed" in res.output


def test_plan_footprints_used_unless_camera_moved(tmp_path, scenario):
    from siteplan.io.followup_inputs import load_plan_layers

    corridors, installed, incidents = _town()
    plan_fp = gpd.GeoDataFrame(
        {
            "camera_id": ["cam-001", "cam-002", "cam-009"],
            "x": [500.0, 210.0, 0.0],  # cam-002 was mounted 10 m from the plan's spot
            "y": [500.0, 700.0, 0.0],
            "azimuth_deg": [90.0, 0.0, 0.0],
        },
        geometry=[shapely.box(500, 480, 530, 520), *[shapely.box(0, 0, 1, 1)] * 2],
        crs=CRS,
    )
    gpkg = tmp_path / "plan.gpkg"
    plan_fp.to_file(gpkg, layer="footprints", driver="GPKG")
    corridors.reset_index().to_file(gpkg, layer="corridors", driver="GPKG")
    footprints, plan_corridors = load_plan_layers(tmp_path, crs=CRS)
    assert list(footprints.index) == ["cam-001", "cam-002", "cam-009"]
    assert len(plan_corridors) == len(corridors)
    report = fu.followup(
        installed, incidents, _spending(), corridors=plan_corridors, footprints=footprints,
        period=fu.report_period("year", year=2025), scenario=scenario,
    )
    assert report["installation"]["footprints"] == {"moved": 1, "plan": 1}
    # cam-001's plan box covers 30 m of the y=500 street; cam-002's rebuilt wedge adds more.
    assert report["economics"]["covered_km"] > 0.03
