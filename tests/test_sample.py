"""The embedded fictional sample town: regeneration, and that real readers accept every file."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
import zoneinfo

import geopandas as gpd
import numpy as np
import osmnx as ox
import pandas as pd
import pytest
import shapely

from siteplan.config import load_scenario
from siteplan.datasets import SAMPLE_FILES, build_sample

STOCKHOLM = zoneinfo.ZoneInfo("Europe/Stockholm")


def _walkable(value: object) -> bool:
    values = value if isinstance(value, list) else [value]
    return any(v in build_sample.WALKABLE for v in values)


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory):
    out = tmp_path_factory.mktemp("sample")
    counts = build_sample.build(out)
    return out, counts


@pytest.fixture(scope="module")
def graph(sample_dir):
    return ox.graph_from_xml(sample_dir / "town.osm", simplify=True, retain_all=True)


@pytest.fixture(scope="module")
def walk_edges(graph):
    edges = ox.graph_to_gdfs(graph, nodes=False)
    return edges[edges["highway"].map(_walkable)].to_crs(3006)


@pytest.fixture(scope="module")
def features(sample_dir):
    tags = {
        "building": True,
        "highway": ["street_lamp", "bus_stop"],
        "amenity": ["bar", "pub", "nightclub", "fast_food"],
    }
    return ox.features_from_xml(sample_dir / "town.osm", tags=tags).to_crs(3006)


@pytest.fixture(scope="module")
def gtfs(sample_dir):
    with zipfile.ZipFile(sample_dir / "gtfs.zip") as zf:
        return {
            name.removesuffix(".txt"): pd.read_csv(io.BytesIO(zf.read(name)), dtype=str)
            for name in zf.namelist()
        }


@pytest.fixture(scope="module")
def incidents(sample_dir):
    return pd.read_csv(sample_dir / "incidents.csv", dtype=str)


@pytest.fixture(scope="module")
def areas(sample_dir):
    return gpd.read_file(sample_dir / "areas.geojson")


def _points_3006(lon: pd.Series, lat: pd.Series) -> gpd.GeoSeries:
    return gpd.GeoSeries(gpd.points_from_xy(lon.astype(float), lat.astype(float)), crs=4326).to_crs(
        3006
    )


# --- regeneration ---------------------------------------------------------------------------


def test_regeneration_is_byte_identical(rebuilt, sample_dir):
    out, _ = rebuilt
    for name in SAMPLE_FILES:
        assert (out / name).read_bytes() == (sample_dir / name).read_bytes(), (
            f"{name} differs from the committed file; rerun "
            "`python -m siteplan.datasets.build_sample` and commit siteplan/datasets/sample"
        )


def test_zip_entries_have_fixed_timestamps(sample_dir):
    with zipfile.ZipFile(sample_dir / "gtfs.zip") as zf:
        assert {info.date_time for info in zf.infolist()} == {(2024, 1, 1, 0, 0, 0)}


def test_another_seed_gives_another_town(tmp_path, sample_dir):
    build_sample.build(tmp_path, seed=1)
    assert (tmp_path / "incidents.csv").read_bytes() != (sample_dir / "incidents.csv").read_bytes()
    assert (tmp_path / "town.osm").read_bytes() != (sample_dir / "town.osm").read_bytes()


# --- town.osm -------------------------------------------------------------------------------


def test_osm_xml_is_well_formed_with_consistent_ids(sample_dir):
    root = ET.parse(sample_dir / "town.osm").getroot()
    assert root.tag == "osm"
    assert root.get("version") == "0.6"
    assert root.get("generator") == "siteplan build_sample"
    bounds = root.find("bounds")
    assert bounds is not None
    assert 57.9 < float(bounds.get("minlat")) < 58.0 < float(bounds.get("maxlat")) < 58.1
    assert 14.9 < float(bounds.get("minlon")) < 15.0 < float(bounds.get("maxlon")) < 15.1
    nodes = root.findall("node")
    node_ids = [int(n.get("id")) for n in nodes]
    assert node_ids == list(range(1, len(nodes) + 1))
    assert all(n.get("version") == "1" and n.get("lat") and n.get("lon") for n in nodes)
    ways = root.findall("way")
    assert [int(w.get("id")) for w in ways] == list(range(1, len(ways) + 1))
    refs = {int(nd.get("ref")) for w in ways for nd in w.findall("nd")}
    assert refs <= set(node_ids)
    way_ids = {int(w.get("id")) for w in ways}
    for rel in root.findall("relation"):
        assert {int(m.get("ref")) for m in rel.findall("member")} <= way_ids


def test_osm_uses_real_tagging(sample_dir):
    root = ET.parse(sample_dir / "town.osm").getroot()
    way_tags = [{t.get("k"): t.get("v") for t in w.findall("tag")} for w in root.findall("way")]
    highways = {t["highway"] for t in way_tags if "highway" in t}
    assert {
        "footway",
        "path",
        "pedestrian",
        "steps",
        "cycleway",
        "residential",
        "tertiary",
        "primary",
        "service",
    } <= highways
    assert any(t.get("footway") == "sidewalk" for t in way_tags)
    street_names = {t["name"] for t in way_tags if "highway" in t and "name" in t}
    assert {"Storgatan", "Kvarngatan", "Ågatan", "Järnvägsgatan", "Stora torget"} <= street_names
    assert sum("name" in t for t in way_tags if t.get("highway") == "residential") >= 50


def test_walk_network_is_large_enough(walk_edges):
    assert len(walk_edges) >= 1500
    assert walk_edges.length.sum() > 100_000  # metres, both directions


def test_buildings(features):
    buildings = features[features["building"].notna()]
    assert len(buildings) >= 500
    assert {"residential", "apartments", "retail", "commercial", "school"} <= set(
        buildings["building"]
    )
    assert set(buildings.geom_type) == {"Polygon"}
    concave = buildings.area / buildings.convex_hull.area < 0.85
    assert concave.sum() >= 50  # L- and U-shaped blocks
    assert sum(len(p.interiors) > 0 for p in buildings.geometry) >= 1  # a real courtyard


def test_buildings_do_not_overlap_walkways(features, walk_edges):
    buildings = features[features["building"].notna()]
    hits = buildings.sindex.query(walk_edges.geometry, predicate="intersects")
    assert hits.shape[1] == 0
    hits = buildings.sindex.query(walk_edges.geometry, predicate="dwithin", distance=5.0)
    assert hits.shape[1] == 0


def test_lamps_stops_and_nightlife(features, gtfs, areas):
    lamps = features[features["highway"] == "street_lamp"]
    assert len(lamps) >= 1000
    stops = features[features["highway"] == "bus_stop"]
    platforms = gtfs["stops"][gtfs["stops"]["location_type"] == "0"]
    assert len(stops) == len(platforms)
    assert stops["name"].notna().all()
    # Each bus_stop node sits on its GTFS platform (6-decimal GTFS rounding: < 0.2 m).
    pts = _points_3006(platforms["stop_lon"], platforms["stop_lat"])
    assert stops.sindex.nearest(pts, return_distance=True)[1].max() < 0.2
    night = features[features["amenity"].isin(["bar", "pub", "nightclub"])]
    assert len(night) >= 10
    city = areas[areas["name"] == "City"].to_crs(3006).geometry.iloc[0]
    assert night.within(city).mean() >= 0.7  # nightlife concentrated in the centre


# --- gtfs.zip -------------------------------------------------------------------------------


@pytest.mark.slow
def test_gtfs_validator_reports_no_errors(sample_dir):
    cmd = [
        sys.executable,
        "-c",
        "import sys; from gtfs_validator.cli import main; sys.exit(main())",
        "-i",
        str(sample_dir / "gtfs.zip"),
        "-c",
        "SE",
        "-d",
        "2025-06-01",
        "--stdout",
    ]
    run = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=120)
    report = json.loads(run.stdout)
    errors = [(n["code"], n["totalNotices"]) for n in report["notices"] if n["severity"] == "ERROR"]
    assert errors == []
    assert report["summary"]["counts"]["Routes"] >= 5


def test_gtfs_stations_platforms_and_routes(gtfs):
    stops, routes, trips, times = gtfs["stops"], gtfs["routes"], gtfs["trips"], gtfs["stop_times"]
    stations = stops[stops["location_type"] == "1"]
    platforms = stops[stops["location_type"] == "0"]
    assert len(platforms) >= 40
    assert set(platforms["parent_station"]) <= set(stations["stop_id"])
    assert stations["parent_station"].isna().all()
    assert (platforms.groupby("parent_station").size() == 2).any()  # one per direction
    assert "Resecentrum" in set(stations["stop_name"])
    assert len(routes) >= 5
    assert set(routes["route_type"]) == {"3"}
    assert set(gtfs["agency"]["agency_timezone"]) == {"Europe/Stockholm"}
    cal = gtfs["calendar"]
    assert (cal["start_date"] <= "20240101").all()
    assert (cal["end_date"] >= "20261231").all()
    # Served platforms: every trip's times increase; stops shared by routes.
    joined = times.merge(trips[["trip_id", "route_id"]], on="trip_id")
    routes_per_station = (
        joined.merge(platforms[["stop_id", "parent_station"]], on="stop_id")
        .groupby("parent_station")["route_id"]
        .agg(lambda r: frozenset(r))
    )
    assert (routes_per_station.map(len) >= 2).sum() >= 5
    seconds = times["departure_time"].str.split(":", expand=True).astype(int) @ [3600, 60, 1]
    times = times.assign(s=seconds, seq=times["stop_sequence"].astype(int))
    steps = times.sort_values(["trip_id", "seq"]).groupby("trip_id")["s"].diff().dropna()
    assert (steps >= 0).all()
    assert times.groupby("trip_id")["s"].agg(lambda s: s.max() - s.min()).gt(0).all()


def test_gtfs_headways_and_night_service(gtfs):
    trips, times = gtfs["trips"], gtfs["stop_times"]
    first = times[times["stop_sequence"] == "1"].merge(trips, on="trip_id")
    start_min = first["departure_time"].str.split(":", expand=True).astype(int) @ [60, 1, 0]
    first = first.assign(m=start_min)
    one = first[
        (first["route_id"] == "1")
        & (first["direction_id"] == "0")
        & (first["service_id"] == "VARDAG")
    ].sort_values("m")
    day = one[(one["m"] >= 7 * 60) & (one["m"] < 19 * 60)]["m"].diff().dropna()
    evening = one[(one["m"] >= 19 * 60) & (one["m"] < 23 * 60)]["m"].diff().dropna()
    assert set(day) == {10}
    assert set(evening) == {30}
    assert (first["m"] >= 22 * 60).sum() > 0
    assert (first["m"] >= 24 * 60).sum() > 0  # times past 24:00:00 on the night after


def test_gtfs_stops_sit_beside_walkways(gtfs, walk_edges):
    platforms = gtfs["stops"][gtfs["stops"]["location_type"] == "0"]
    pts = _points_3006(platforms["stop_lon"], platforms["stop_lat"])
    dist = walk_edges.sindex.nearest(pts, return_distance=True)[1]
    assert dist.max() <= 10.0


def test_gtfs_has_transfer_pairs(gtfs):
    stops, trips, times = gtfs["stops"], gtfs["trips"], gtfs["stop_times"]
    platforms = stops[stops["location_type"] == "0"]
    served = times.merge(trips[["trip_id", "route_id"]], on="trip_id").merge(
        platforms[["stop_id", "parent_station"]], on="stop_id"
    )
    route_sets = served.groupby("parent_station")["route_id"].agg(frozenset)
    stations = stops[stops["location_type"] == "1"].set_index("stop_id").loc[route_sets.index]
    xy = _points_3006(stations["stop_lon"], stations["stop_lat"])
    pairs = 0
    for a, b in itertools.combinations(range(len(xy)), 2):
        d = xy.iloc[a].distance(xy.iloc[b])
        if 150 <= d <= 500 and route_sets.iloc[a] != route_sets.iloc[b]:
            pairs += 1
    assert pairs >= 5


# --- incidents.csv --------------------------------------------------------------------------


def test_incidents_schema_and_time_zone(incidents):
    assert list(incidents.columns) == ["id", "occurred_at", "category", "lat", "lon"]
    assert len(incidents) >= 3000
    assert incidents["id"].is_unique
    assert incidents["lat"].str.fullmatch(r"\d+\.\d{6}").all()
    assert incidents["lon"].str.fullmatch(r"\d+\.\d{6}").all()
    offsets = set()
    for text in incidents["occurred_at"]:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", text), text
        when = dt.datetime.fromisoformat(text)
        assert when.utcoffset() == when.astimezone(STOCKHOLM).utcoffset(), text
        offsets.add(text[-6:])
    assert offsets == {"+01:00", "+02:00"}
    when = pd.to_datetime(incidents["occurred_at"], utc=True)
    months = (when.max().year - when.min().year) * 12 + when.max().month - when.min().month + 1
    assert months >= 24
    known = {
        "Misshandel",
        "Misshandel, grov",
        "Rån",
        "Skadegörelse",
        "Stöld",
        "Narkotikabrott",
        "Ordningslagen",
        "Hot",
        "Brand",
        "Fylleri/LOB",
    }
    assert set(incidents["category"]) == known


def test_incidents_lie_on_walkways_not_in_buildings(incidents, walk_edges, features):
    pts = _points_3006(incidents["lon"], incidents["lat"])
    dist = walk_edges.sindex.nearest(pts, return_distance=True)[1]
    assert dist.max() <= 20.0
    buildings = features[features["building"].notna()]
    assert buildings.sindex.query(pts, predicate="within").shape[1] == 0


def test_incident_hours_and_weekdays_follow_categories(incidents):
    local = pd.to_datetime(incidents["occurred_at"], utc=True).dt.tz_convert(STOCKHOLM)
    hour = local.dt.hour
    assault = incidents["category"] == "Misshandel"
    theft = incidents["category"] == "Stöld"
    assert ((hour[assault] >= 20) | (hour[assault] < 4)).mean() > 0.5
    assert ((hour[theft] >= 9) & (hour[theft] < 18)).mean() > 0.5
    # Assaults peak on Friday and Saturday nights (early Saturday and Sunday).
    by_day = local[assault].dt.day_of_week.value_counts()
    assert by_day[[5, 6]].min() > by_day[[0, 1, 2]].max()


def test_incidents_drift_but_mostly_persist(incidents, features):
    pts = _points_3006(incidents["lon"], incidents["lat"])
    year = pd.to_datetime(incidents["occurred_at"], utc=True).dt.year.to_numpy()

    def per_year(name: str) -> dict[int, int]:
        place = features[features["name"] == name].geometry.iloc[0]
        near = (pts.distance(place) < 100).to_numpy()
        return {y: int((near & (year == y)).sum()) for y in (2023, 2024, 2025)}

    grill = per_year("Söderby Grill & Kebab")  # opened 2024: the new hotspot
    assert grill[2023] <= 5
    assert grill[2025] >= 50
    club = per_year("Klubb Kolibri")  # fading after mid-2024
    assert club[2025] <= 0.5 * club[2023]
    steady = per_year("Krogen Ankaret")
    assert 0.7 < steady[2025] / steady[2023] < 1.4
    # Past hotspots still predict: the top 5 % of 100 m cells of 2023-24 hold >= 35 % of 2025.
    cell = (
        np.floor(pts.x / 100).astype(int).astype(str)
        + "_"
        + np.floor(pts.y / 100).astype(int).astype(str)
    ).to_numpy()
    train = pd.Series(cell[year < 2025]).value_counts()
    top = set(train.index[: max(1, len(train) // 20)])
    assert np.isin(cell[year == 2025], list(top)).mean() >= 0.35


# --- areas.geojson and scenario.toml --------------------------------------------------------


def test_areas_are_four_disjoint_polygons(areas, gtfs):
    assert list(areas["name"]) == ["City", "Norrby", "Västerby", "Söderby"]
    assert set(areas.geom_type) == {"Polygon"}
    assert areas.crs.to_epsg() == 4326
    geoms = areas.to_crs(3006).geometry.tolist()
    for a, b in itertools.combinations(geoms, 2):
        assert not a.intersection(b).area
    stations = gtfs["stops"][gtfs["stops"]["location_type"] == "1"]
    by_name = dict(
        zip(
            stations["stop_name"],
            _points_3006(stations["stop_lon"], stations["stop_lat"]),
            strict=True,
        )
    )
    city = geoms[0]
    assert city.contains(by_name["Resecentrum"])
    assert city.contains(by_name["Stora torget"])
    for name, geom in zip(areas["name"][1:], geoms[1:], strict=True):
        assert geom.contains(by_name[f"{name} centrum"])
        assert shapely.area(geom) > 400_000  # about 0.5 km² each


def test_scenario_loads(sample_dir):
    scenario = load_scenario(sample_dir / "scenario.toml")
    assert scenario.study_area.name == "exempelstad"
    assert scenario.study_area.fictional is True
    assert "fiktiv" in scenario.study_area.title
    assert scenario.study_area.crs == "EPSG:3006"
    assert scenario.legal.plan_date == dt.date(2026, 1, 15)
    assert scenario.legal.effective_regime == "kbl-2025"
    assert scenario.legal.purposes == ["crime", "order"]
    assert scenario.budget.total_sek == 500_000
    assert scenario.budget.horizon_years == 1
    assert len(scenario.cameras) == 3
    assert sum(cam.is_360 for cam in scenario.cameras) == 1
    bullet = scenario.camera("Bullet 4MP 60°")
    assert bullet.range_m == pytest.approx(2560 / (2 * 125 * np.tan(np.radians(30))))  # ~17.7 m
    assert scenario.output.language == "sv"
    assert scenario.output.self_contained is True
    assert scenario.output.tiles == "none"
    for key in ("osm", "gtfs", "incidents", "areas"):
        assert scenario.path(getattr(scenario.inputs, key)).parent == sample_dir.resolve()
