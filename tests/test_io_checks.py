"""Inputs from the wild through pipeline.load_inputs: no GTFS feed, inputs of different places."""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import pytest
from typer.testing import CliRunner

from siteplan import pipeline
from siteplan.cli import app
from siteplan.config import scenario_from_dict
from siteplan.errors import InputError, InputWarning, ScenarioError
from siteplan.io._checks import require_near_network
from siteplan.io.osm import load_osm

DATA = Path(__file__).resolve().parent / "data"
TOWN_TRANSIT = DATA / "osm" / "town_transit.osm"
CAMERA = {"model": "Dome", "horizontal_px": 1920, "hfov_deg": 90.0, "capex_sek": 6000}
HEADER = "id,occurred_at,category,lat,lon\n"
NEAR_TOWN = (
    "a1,2024-05-01T19:30:00Z,Rån,58.4100,15.6210\na2,2024-06-01T22:00:00Z,Rån,58.4115,15.6222\n"
)
# the same rows, but in Spain (an OSM extract of one place, incidents of another)
IN_SPAIN = "a1,2024-05-01T19:30:00Z,Rån,40.4168,-3.7038\na2,2024-06-01T22:00:00Z,Rån,40.42,-3.70\n"


def _scenario(folder: Path, incidents: str, *, crs: str = "EPSG:3006"):
    shutil.copy(TOWN_TRANSIT, folder / "town.osm")
    (folder / "incidents.csv").write_text(HEADER + incidents, encoding="utf-8")
    data = {
        "study_area": {"name": "town", "crs": crs},
        "inputs": {"osm": "town.osm", "incidents": "incidents.csv"},  # no gtfs
        "cameras": [CAMERA],
    }
    return scenario_from_dict(data, base_dir=folder)


def test_a_scenario_without_gtfs_loads_stops_from_osm(tmp_path):
    scenario = _scenario(tmp_path, NEAR_TOWN)
    assert scenario.inputs.gtfs is None
    with pytest.warns(InputWarning) as record:
        inputs = pipeline.load_inputs(scenario)
    assert any(
        "no GTFS feed (inputs.gtfs): 3 stops taken from OSM" in str(w.message) for w in record
    )
    assert inputs.counts()["stops"] == 3
    assert inputs.counts()["routes"] == 2
    assert not inputs.transit.departures_known
    assert len(inputs.incidents) == 2


def test_incidents_of_another_place_than_the_network_are_an_error_naming_both(tmp_path):
    scenario = _scenario(tmp_path, IN_SPAIN, crs="EPSG:3035")  # a CRS that covers both
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InputWarning)
        with pytest.raises(InputError) as err:
            pipeline.load_inputs(scenario)
    text = str(err.value)
    assert "2 of 2 incidents (inputs.incidents (incidents.csv))" in text
    assert "walk network (inputs.osm (town.osm))" in text
    assert "km apart" in text


def test_all_stops_far_from_the_network_are_an_error_but_some_are_not():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InputWarning)
        layers = load_osm(TOWN_TRANSIT)
    stops = layers.bus_stops
    far = stops.set_geometry(stops.geometry.translate(50_000, 0))
    keys = {"network_key": "inputs.osm (town.osm)", "points_key": "inputs.gtfs (gtfs.zip)"}
    with pytest.raises(InputError, match=r"2 of 2 stops \(inputs.gtfs \(gtfs.zip\)\)"):
        require_near_network(layers.edges, far, what="stops", share=1.0, **keys)
    # one stop of two outside: a regional feed around a town's extract is normal
    mixed = stops.set_geometry([stops.geometry.iloc[0], far.geometry.iloc[1]])
    require_near_network(layers.edges, mixed, what="stops", share=1.0, **keys)
    require_near_network(layers.edges, stops, what="incidents", **keys)


def _scenario_file(folder: Path, incidents: str, **inputs: str) -> Path:
    shutil.copy(TOWN_TRANSIT, folder / "town.osm")
    (folder / "incidents.csv").write_text(incidents, encoding="utf-8")
    extra = "".join(f'{k} = "{v}"\n' for k, v in inputs.items())
    path = folder / "scenario.toml"
    path.write_text(
        '[study_area]\nname = "town"\n\n[inputs]\nosm = "town.osm"\n'
        f'incidents = "incidents.csv"\n{extra}\n'
        '[[cameras]]\nmodel = "Dome"\nhorizontal_px = 1920\nhfov_deg = 90.0\ncapex_sek = 6000\n',
        encoding="utf-8",
    )
    return path


def test_validate_runs_the_input_checks_of_load(tmp_path):
    runner = CliRunner()
    ok = _scenario_file(tmp_path, HEADER + NEAR_TOWN)
    res = runner.invoke(app, ["validate", str(ok)])
    assert res.exit_code == 0, res.output
    assert "2 incidents" in " ".join(res.output.split())  # rich wraps lines
    # incident columns missing: validate used to pass this, and load then refused it
    bad = _scenario_file(tmp_path, "id,when,lat,lon\na1,2024-05-01T19:30:00Z,58.41,15.62\n")
    res = runner.invoke(app, ["validate", str(bad)])
    assert res.exit_code == 2, res.output
    output = " ".join(res.output.split())
    assert "'occurred_at' (inputs.incident_columns.time)" in output
    # a GTFS "feed" without its tables
    (tmp_path / "feed").mkdir()
    res = runner.invoke(
        app, ["validate", str(_scenario_file(tmp_path, HEADER + NEAR_TOWN, gtfs="feed"))]
    )
    assert res.exit_code == 2, res.output
    assert "lacks stops.txt" in " ".join(res.output.split())


def test_scenario_errors_name_the_key_once_without_pydantic_prefixes():
    data = {
        "study_area": {"name": "x", "crs": "EPSG:4326", "timezone": "Mars/Olympus"},
        "inputs": {"osm": "a.osm", "incidents": "b.csv"},
        "cameras": [CAMERA],
    }
    with pytest.raises(ScenarioError) as err:
        scenario_from_dict(data)
    text = str(err.value)
    assert "Value error" not in text
    assert "  - study_area.crs: 'EPSG:4326' is a geographic CRS" in text
    assert text.count("study_area.crs") == 1
    assert text.count("'Mars/Olympus'") == 1  # not repeated as "(found ...)"
