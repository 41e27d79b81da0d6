"""Tests for the whole follow-up on a synthetic town: typed result, JSON and plan footprints."""

from __future__ import annotations

import dataclasses
import json
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from test_followup_economics import spending_lines

from siteplan import followup as fu
from siteplan.config import scenario_from_dict
from siteplan.errors import InputError
from siteplan.io.plan import load_plan_layers

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


def town(seed: int = 0):
    """A 20 x 20 grid of 50 m streets, two cameras, incidents 2024-2025."""
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


@pytest.fixture(scope="module")
def result(scenario) -> fu.FollowupResult:
    corridors, installed, incidents = town()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return fu.followup(
            installed,
            incidents,
            spending_lines(),
            corridors=corridors,
            period=fu.report_period("interim", year=2025),
            scenario=scenario,
        )


def test_followup_on_corridors(result):
    assert result.installation.n_installed == 2
    # Each site has its own windows from its own installation day (issue 14): the after
    # window no longer waits for the last installation; `windows` is their envelope.
    assert result.windows.to_dict() == {
        "after": {"start": "2025-02-04", "end": "2025-08-31"},
        "before": {"start": "2024-02-04", "end": "2024-08-31"},
    }
    by_site = {s.site_id: s for s in result.sites.sites}
    assert by_site["s1"].after.to_dict() == {"start": "2025-02-04", "end": "2025-08-31"}
    assert by_site["s1"].before.to_dict() == {"start": "2024-02-04", "end": "2024-08-31"}
    assert by_site["s2"].after.to_dict() == {"start": "2025-02-18", "end": "2025-08-31"}
    # Controls are matched on a window strictly before every before window.
    assert result.sites.matching_window.end < by_site["s1"].before.start
    # Two camera sites: far below the default 10, so the data cannot show an effect.
    assert not result.sites.conclusive
    units = result.units
    assert units.n_treated > 0
    assert units.n_control == 3 * units.n_treated
    counts, o = result.counts, result.odds_ratio
    assert (o.a, o.b) == (counts.treated.before, counts.treated.after)
    assert (o.c, o.d) == (counts.control.before, counts.control.after)
    w = result.displacement
    assert (w.b_before, w.b_after) == (counts.buffer.before, counts.buffer.after)
    assert result.economics.spent_sek == 64_000
    assert result.economics.covered_km is not None
    assert 0 < result.economics.covered_km < 0.2  # two 40 m wedges over a 50 m grid
    assert len(result.monthly) == 20  # Jan 2024 - Aug 2025
    # The frames behind the numbers: every unit's group, and the panel the model saw.
    assert (result.unit_roles["group"] == "control").sum() == units.n_control
    assert len(result.panel_rows) == result.panel.n_rows
    assert dataclasses.is_dataclass(result)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.notes = ()  # type: ignore[misc]


def test_followup_json_keys_and_counts_only(result):
    data = json.loads(result.to_json())
    assert set(data) == {
        "meta", "installation", "windows", "panel", "units", "counts", "incidents",
        "odds_ratio", "did", "displacement", "economics", "monthly", "notes", "sites",
        "effect", "event_study", "displacement_test", "money", "controls", "operations",
    }  # fmt: skip
    assert data["odds_ratio"]["odds_ratio"] == pytest.approx(result.odds_ratio.odds_ratio)
    assert data["did"]["estimable"] is isinstance(result.did, fu.DidResult)
    assert data["meta"]["period"] == {
        "label": "interim", "start": "2025-01-01", "end": "2025-08-31", "days": 243
    }  # fmt: skip
    assert data["counts"]["treated"] == {
        "before": result.counts.treated.before, "after": result.counts.treated.after
    }  # fmt: skip
    assert set(data["monthly"][0]) == {"month", "treated", "buffer", "control"}
    assert result.to_json().endswith("}\n")
    # Only counts leave the module: no incident coordinates in the JSON.
    assert "geometry" not in result.to_json()


def test_followup_without_corridors_uses_cells(scenario):
    _, installed, incidents = town(1)
    result = fu.followup(
        installed,
        incidents,
        spending_lines(),
        period=fu.report_period("year", year=2025),
        scenario=scenario,
    )
    assert result.meta.unit_kind == "cell"
    assert result.units.n_treated >= 2
    assert result.economics.covered_km is None
    assert {"code": "grid_units", "grid_m": 50.0} in result.to_dict()["notes"]


def test_followup_needs_an_installed_camera(scenario):
    corridors, installed, incidents = town()
    with pytest.raises(InputError, match="no camera was installed by 2024-08-31"):
        fu.followup(
            installed,
            incidents,
            spending_lines(),
            corridors=corridors,
            period=fu.report_period("interim", year=2024),
            scenario=scenario,
        )


def test_did_not_estimable_is_reported(scenario):
    corridors, installed, incidents = town()
    few = incidents.iloc[:3]  # too few incidents for the model
    result = fu.followup(
        installed,
        few,
        spending_lines(),
        corridors=corridors,
        period=fu.report_period("year", year=2025),
        scenario=scenario,
    )
    assert isinstance(result.did, fu.NotEstimable)
    assert result.to_dict()["did"]["estimable"] is False
    assert "cannot estimate" in result.did.reason


def test_plan_footprints_used_unless_camera_moved(tmp_path, scenario):
    corridors, installed, incidents = town()
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
    assert plan_corridors is not None
    assert len(plan_corridors) == len(corridors)
    result = fu.followup(
        installed,
        incidents,
        spending_lines(),
        corridors=plan_corridors,
        footprints=footprints,
        period=fu.report_period("year", year=2025),
        scenario=scenario,
    )
    assert result.installation.footprints == {"moved": 1, "plan": 1}
    # cam-001's plan box covers 30 m of the y=500 street; cam-002's rebuilt wedge adds more.
    assert result.economics.covered_km is not None
    assert result.economics.covered_km > 0.03
