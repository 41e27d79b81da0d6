"""The HTML map: layers, translations, escaping, privacy of the incident layer, the page."""

from __future__ import annotations

import dataclasses
import json
import math
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from affine import Affine
from shapely.geometry import LineString, Point, Polygon, box

from siteplan._assets import external_references
from siteplan.errors import CRSError, InputError
from siteplan.privacy import aggregate_incidents, escape
from siteplan.render import map as maps

CRS = "EPSG:3006"
X0, Y0 = 536_000.0, 6_474_000.0  # central Linköping in SWEREF 99 TM
EVIL = "<script>alert(1)</script>"


def wedge(x: float, y: float, azimuth_deg: float, hfov_deg: float, range_m: float) -> Polygon:
    angles = np.radians(np.linspace(azimuth_deg - hfov_deg / 2, azimuth_deg + hfov_deg / 2, 12))
    arc = [(x + range_m * math.sin(a), y + range_m * math.cos(a)) for a in angles]
    return Polygon([(x, y), *arc])


def sample_layers(*, evil: bool = False) -> dict:
    """Small hand-made layers in EPSG:3006: a street grid, two stops, two cameras, incidents."""
    name = EVIL if evil else "Drottninggatan"
    lines = [
        LineString([(X0 + 50 * i, Y0 + 200), (X0 + 50 * (i + 1), Y0 + 200)]) for i in range(6)
    ] + [LineString([(X0 + 150, Y0 + 50 * j), (X0 + 150, Y0 + 50 * (j + 1))]) for j in range(6)]
    corridors = gpd.GeoDataFrame(
        {
            "name": [name] * 6 + ["Ågatan"] * 6,
            "score": np.linspace(0.0, 1.0, 12),
            "legal_class": ["stop_area", "stop_area_borderline", "general"] * 4,
            "legal_wording": ["Undantaget från tillståndsplikt", "Gränsfall", "Tillstånd krävs"]
            * 4,
            "covered_share": [0.5] * 12,
            "length_m": [50.0] * 12,
            # Five hotspots (one on the first street), six segments that are none.
            "trend": ["none"] * 5
            + ["sporadic", "none", "new", "intensifying", "persistent", "diminishing", "none"],
            "gi_z": np.linspace(-1.0, 4.5, 12),
            "gi_q": [1.0] * 5 + [0.04, 1.0, 0.001, 0.002, 0.003, 0.004, 1.0],
            "trend_p": [0.9] * 5 + [0.7, 0.9, 0.5, 0.0123, 0.4, 0.021, 0.9],
            # Perceived-safety demand per metre on three segments (issue 15).
            "perceived_per_m": [0.0] * 9 + [0.01, 0.05, 0.2],
        },
        geometry=lines,
        crs=CRS,
        index=pd.Index([f"c{i:02d}" for i in range(12)], name="corridor_id"),
    )
    stops = gpd.GeoDataFrame(
        {
            "stop_name": [EVIL if evil else "Trädgårdstorget", "Resecentrum"],
            "departures_per_hour": [24.0, 60.5],
        },
        geometry=[Point(X0 + 100, Y0 + 210), Point(X0 + 260, Y0 + 190)],
        crs=CRS,
        index=pd.Index(["s1", "s2"], name="stop_id"),
    )
    routes = gpd.GeoDataFrame(
        {"route_short_name": ["12"]},
        geometry=[LineString([(X0, Y0 + 190), (X0 + 300, Y0 + 190)])],
        crs=CRS,
        index=pd.Index(["r12"], name="route_id"),
    )
    areas = gpd.GeoDataFrame(
        geometry=[box(X0 - 20, Y0 - 20, X0 + 320, Y0 + 320)],
        crs=CRS,
        index=pd.Index([EVIL if evil else "City"], name="area"),
    )
    cam_xy = [(X0 + 110, Y0 + 205), (X0 + 155, Y0 + 100)]
    cameras = gpd.GeoDataFrame(
        {
            "model": [EVIL if evil else "bullet-4mp-60", "dome-360"],
            "mount": ["lamp_post", "facade"],
            "total_cost_sek": [45_500.0, 39_000.0],
            "covered_demand": [12.5, 7.25],
            "legal_class": ["stop_area", "general"],
            "legal_wording": ["Undantaget från tillståndsplikt", "Tillstånd krävs"],
            "legal_reason": [EVIL if evil else "within 25 m of stop s1", "no stop within 25 m"],
            "purpose": ["crime, order", "crime"],
        },
        geometry=[Point(xy) for xy in cam_xy],
        crs=CRS,
        index=pd.Index(["cam-001", "cam-002"], name="camera_id"),
    )
    footprints = gpd.GeoDataFrame(
        {"model": cameras["model"].to_numpy()},
        geometry=[wedge(*cam_xy[0], 90, 60, 35), wedge(*cam_xy[1], 0, 90, 20)],
        crs=CRS,
        index=cameras.index,
    )
    # 7 incidents in one 100 m cell, 3 in another (suppressed), 2 + 6 area-level ones.
    pts = [Point(X0 + 105 + i, Y0 + 205) for i in range(7)]
    pts += [Point(X0 + 250 + i, Y0 + 50) for i in range(3)]
    incidents = gpd.GeoDataFrame(
        {
            "category": ["Misshandel"] * 10 + ["Rån"] * 8,
            "area": [None] * 10 + ["City"] * 2 + ["Ryd"] * 6,
        },
        geometry=pts + [None] * 8,
        crs=CRS,
    )
    # A 10 m heat raster with one bump at the first incident cluster.
    cell = 10.0
    rows, cols = 40, 40
    transform = Affine(cell, 0, X0 - 50, 0, -cell, Y0 + 350)
    xs = X0 - 50 + cell * (np.arange(cols) + 0.5)
    ys = Y0 + 350 - cell * (np.arange(rows) + 0.5)
    gx, gy = np.meshgrid(xs, ys)
    heat = np.exp(-((gx - X0 - 108) ** 2 + (gy - Y0 - 205) ** 2) / (2 * 40.0**2)).astype("float32")
    frontier = pd.DataFrame(
        {"budget_sek": [100_000.0, 200_000.0, 300_000.0], "coverage_share": [0.2, 0.35, 0.41]}
    )
    stop_areas = gpd.GeoDataFrame(
        {"name": [EVIL if evil else "Trädgårdstorget", "Resecentrum"]},
        geometry=[Point(X0 + 100, Y0 + 210).buffer(25), Point(X0 + 260, Y0 + 190).buffer(25)],
        crs=CRS,
        index=pd.Index(["sa1", "sa2"], name="stop_area_id"),
    )
    # A portfolio's chosen measures: one lighting upgrade, one help point (issue 15).
    measures = gpd.GeoDataFrame(
        {
            "measure": ["belysning", EVIL if evil else "nodtelefon"],
            "kind": ["lighting", "help_point"],
            "cost_sek": [70_600.0, 66_000.0],
            "frequency": [0.5, np.nan],
        },
        geometry=[
            LineString([(X0 + 150, Y0 + 50), (X0 + 150, Y0 + 100)]),
            Point(X0 + 260, Y0 + 190),
        ],
        crs=CRS,
        index=pd.Index(["belysning:c01", "nodtelefon:S02"], name="option_id"),
    )
    return {
        "measures": measures,
        "stop_areas": stop_areas,
        "corridors": corridors,
        "stops": stops,
        "routes": routes,
        "areas": areas,
        "cameras": cameras,
        "footprints": footprints,
        "incidents": incidents,
        "heat": heat,
        "heat_transform": transform,
        "frontier": frontier,
    }


def build(layers: dict, **kw) -> object:
    cells = aggregate_incidents(layers["incidents"], grid_m=100.0, min_count=5)
    args = {
        "corridors": layers["corridors"],
        "cameras": layers["cameras"],
        "footprints": layers["footprints"],
        "stops": layers["stops"],
        "routes": layers["routes"],
        "areas": layers["areas"],
        "stop_areas": layers["stop_areas"],
        "measures": layers["measures"],
        "incident_cells": cells,
        "heat": layers["heat"],
        "heat_transform": layers["heat_transform"],
        "crs": CRS,
        "frontier": layers["frontier"],
        "budget_sek": 200_000.0,
        "tiles": "none",
    }
    args.update(kw)
    return maps.make_map(**args)


def geojson_children(group) -> list[dict]:
    return [child.data for child in group._children.values() if hasattr(child, "data")]


def groups_by_name(m) -> dict:
    return {
        child.layer_name: child
        for child in m._children.values()
        if type(child).__name__ == "FeatureGroup"
    }


@pytest.fixture(scope="module")
def layers() -> dict:
    return sample_layers()


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_every_layer_is_a_named_feature_group(layers, lang):
    m = build(layers, lang=lang)
    names = maps.layer_names(lang, grid_m=100.0)
    # Layer names are HTML in the layer control: escaped ("Hotspots &amp; trends").
    assert set(groups_by_name(m)) == {escape(n) for n in names.values()}
    html = m.get_root().render()
    for name in map(escape, names.values()):
        as_js = json.dumps(name, ensure_ascii=True).strip('"')
        assert as_js in html or as_js.replace("&", "\\u0026") in html or name in html


def test_layer_names_differ_by_language():
    sv, en = maps.layer_names("sv"), maps.layer_names("en")
    assert sv["cameras"] == "Kameror"
    assert en["cameras"] == "Cameras"
    assert sv["stops"] == "Hållplatser"
    assert en["stops"] == "Stops"
    # The statute's name stays Swedish in English.
    assert "kamerabevakningslagen" in en["legal"]


def test_camera_popup_has_the_facts(layers):
    m = build(layers, lang="en")
    cams = groups_by_name(m)["Cameras"]
    (fc,) = geojson_children(cams)
    popups = [f["properties"]["popup"] for f in fc["features"]]
    assert len(popups) == 2
    first = popups[0]
    for text in (
        "cam-001",
        "bullet-4mp-60",
        "45\u00a0500\u00a0kr",
        "12.5",
        "Stop area",
        "Undantaget från tillståndsplikt",
        "within 25 m of stop s1",
        "prevent and detect crime",
        "public-order disturbances",
    ):
        assert text in first, text


def test_corridor_styles_follow_score_and_legal_class(layers):
    m = build(layers, lang="sv")
    g = groups_by_name(m)
    (lines,) = geojson_children(g["Gatusegment (poäng)"])
    colours = [f["properties"]["style"]["color"] for f in lines["features"]]
    # Lowest score gets the first colour of the ramp, highest the last.
    assert colours[0].lower().startswith("#ffffb2")
    assert colours[-1].lower().startswith("#800026")
    (legal,) = geojson_children(g["Rättslig klass (kamerabevakningslagen)"])
    styles = [f["properties"]["style"] for f in legal["features"]]
    assert "dashArray" not in styles[0]
    assert styles[0]["weight"] > 5
    assert styles[1]["dashArray"]  # stop_area_borderline: dashed
    assert styles[2]["color"] == "#8c8c8c"
    assert styles[2]["weight"] < 2


def test_coordinates_are_reprojected_to_wgs84(layers):
    m = build(layers)
    (fc,) = geojson_children(groups_by_name(m)["Kameror"])
    lon, lat = fc["features"][0]["geometry"]["coordinates"]
    assert 15.5 < lon < 15.8
    assert 58.3 < lat < 58.5


def test_incident_layer_has_only_published_polygons(layers):
    m = build(layers)
    name = maps.layer_names("sv", grid_m=100.0)["incident_cells"]
    (fc,) = geojson_children(groups_by_name(m)[name])
    types = {f["geometry"]["type"] for f in fc["features"]}
    assert types == {"Polygon"}
    # One published cell (7 incidents); the cell with 3 is suppressed.
    assert len(fc["features"]) == 1
    assert "7" in fc["features"][0]["properties"]["tip"]
    # ... and it is the cell of the 7-incident cluster, [X0+100, X0+200] x [Y0+200, Y0+300].
    ring = np.array(fc["features"][0]["geometry"]["coordinates"][0])
    cell = gpd.GeoSeries([box(X0 + 100, Y0 + 200, X0 + 200, Y0 + 300)], crs=CRS).to_crs(4326)
    assert (
        ring[:, 0].min(),
        ring[:, 1].min(),
        ring[:, 0].max(),
        ring[:, 1].max(),
    ) == pytest.approx(tuple(cell.total_bounds), abs=1e-6)


def test_refuses_incident_points(layers):
    cells = aggregate_incidents(layers["incidents"], grid_m=100.0, min_count=5)
    points = layers["incidents"].dropna(subset=["category"]).iloc[:10].assign(count=5)
    with pytest.raises(InputError, match="personal data"):
        build(layers, incident_cells=dataclasses.replace(cells, cells=points))


def test_refuses_a_bare_frame_of_cells(layers):
    cells = aggregate_incidents(layers["incidents"], grid_m=100.0, min_count=5)
    with pytest.raises(InputError, match=r"privacy\.IncidentCells"):
        build(layers, incident_cells=cells.cells)


def test_refuses_cells_under_k(layers):
    cells = aggregate_incidents(layers["incidents"], grid_m=100.0, min_count=5)
    bad = dataclasses.replace(cells, cells=cells.cells.assign(count=2))
    with pytest.raises(InputError, match="fewer than min_count=5"):
        build(layers, incident_cells=bad)


def test_heat_overlay_is_masked_to_published_cells(layers):
    m = build(layers)
    name = maps.layer_names("sv")["heat"]
    overlay = next(iter(groups_by_name(m)[name]._children.values()))
    (south, west), (north, east) = overlay.bounds
    # The published cell is [X0+100, X0+200] x [Y0+200, Y0+300]: the cropped image covers it,
    # give or take a raster cell of margin and the grid rotation (within 25 m).
    corners = gpd.GeoSeries([Point(west, south), Point(east, north)], crs=4326).to_crs(CRS)
    (x_min, y_min), (x_max, y_max) = [(p.x, p.y) for p in corners]
    assert x_min == pytest.approx(X0 + 100, abs=25)
    assert x_max == pytest.approx(X0 + 200, abs=25)
    assert y_min == pytest.approx(Y0 + 200, abs=25)
    assert y_max == pytest.approx(Y0 + 300, abs=25)
    assert overlay.url.startswith("data:image/png;base64,")


def test_heat_hidden_when_no_cell_is_published(layers):
    cells = aggregate_incidents(layers["incidents"], grid_m=100.0, min_count=50)
    m = build(layers, incident_cells=cells)
    assert maps.layer_names("sv")["heat"] not in groups_by_name(m)


def test_user_text_is_escaped():
    evil = sample_layers(evil=True)
    m = build(evil, title=EVIL, lang="en")
    html = maps.map_html(m)
    assert EVIL not in html
    assert "alert(1)" in html  # the text is there, escaped
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # title and panel (HTML)
    # Tooltips and popups are set as innerHTML by Leaflet: their HTML must carry entities.
    g = groups_by_name(m)
    texts = []
    for key in ("cameras", "stops", "areas", "corridors", "stop_areas", "hotspots"):
        (fc,) = geojson_children(g[escape(maps.layer_names("en")[key])])
        texts += [
            f["properties"].get("tip", "") + f["properties"].get("popup", "")
            for f in fc["features"]
        ]
    evil_texts = [x for x in texts if "alert(1)" in x]
    assert len(evil_texts) >= 6
    assert all(
        "&lt;script&gt;alert(1)&lt;/script&gt;" in x and "<script" not in x for x in evil_texts
    )


def test_jinja_syntax_in_names_is_not_evaluated(layers):
    corridors = layers["corridors"].assign(name="{{ 7*7 }}")
    html = maps.map_html(build(layers, corridors=corridors))
    assert "&#123;&#123; 7*7 &#125;&#125;" in html.replace("\\u0026", "&")
    assert ">49<" not in html


def test_fictional_label_and_legend(layers):
    html = build(layers, fictional=True, lang="en").get_root().render()
    assert "FICTIONAL DATA" in html
    assert "Fictional data: the town" in html
    assert "cells with fewer than 5 incidents are not shown" in html
    html_sv = build(layers, fictional=False).get_root().render()
    assert "FIKTIVA DATA" not in html_sv
    assert "Teckenförklaring" in html_sv


def test_frontier_panel(layers):
    html = build(layers).get_root().render()
    assert 'class="siteplan-frontier"' in html
    assert re.search(r'<img src="data:image/png;base64,[A-Za-z0-9+/=]{200,}"', html)
    html2 = build(layers, frontier=None).get_root().render()
    assert "siteplan-frontier" not in html2


def test_tiles_none_has_no_tile_layer(layers):
    html = build(layers, tiles="none").get_root().render()
    assert "tile.openstreetmap.org" not in html
    html_osm = build(layers, tiles="OpenStreetMap").get_root().render()
    assert "tile.openstreetmap.org" in html_osm


def test_self_contained_has_no_external_assets(layers):
    html = maps.map_html(build(layers, self_contained=True))
    assert external_references(html) == []
    for pattern in (
        '<script src="http',
        '<link href="http',
        'rel="stylesheet" href="http',
        "url(http",
    ):
        assert pattern not in html
    assert "L.map(" in html
    assert "leafletjs.com" in html
    # The ordinary map links the CDN instead.
    online = build(layers).get_root().render()
    assert '<script src="https://cdn.jsdelivr.net/npm/leaflet' in online


def test_fit_bounds_to_corridors(layers):
    m = build(layers)
    fit = next(c for c in m._children.values() if type(c).__name__ == "FitBounds")
    (s, w), (n, e) = fit.bounds
    lon_lat = layers["corridors"].to_crs(4326).total_bounds
    assert (w, s, e, n) == pytest.approx(tuple(lon_lat))


def test_rejects_layers_in_other_crs(layers):
    with pytest.raises(CRSError, match="`stops` is in EPSG:3857"):
        build(layers, stops=layers["stops"].to_crs(3857))
    with pytest.raises(CRSError, match="geographic"):
        build(layers, cameras=layers["cameras"].to_crs(4326))


def test_map_html_is_a_page_with_stable_ids(layers):
    html = maps.map_html(build(layers))
    assert html.startswith("<!DOCTYPE html>")
    # folium's random element ids are replaced: the same map gives the same bytes.
    assert maps.map_html(build(layers)) == html
    ids = re.findall(r"_([0-9a-f]{32})\b", html)
    assert ids
    assert all(i.isdecimal() for i in ids)
    assert re.search(r"var map_0{31}1 = L\.map\(", html)
    # Rendering leaves the map as it was: a second page is the same.
    m = build(layers, self_contained=True)
    assert maps.map_html(m) == maps.map_html(m)
    assert "function(feature, layer)" in html  # the tooltip binding survives the id rewrite


def test_plan_map_only_draws_the_result(layers, make_plan_result):
    from siteplan.config import scenario_from_dict

    sc = scenario_from_dict(
        {
            "study_area": {"name": "test", "title": "Testplan", "fictional": True},
            "inputs": {"osm": "a.osm", "gtfs": "g.zip", "incidents": "i.csv"},
            "cameras": [
                {"model": "bullet-4mp-60", "horizontal_px": 2560, "hfov_deg": 60, "capex_sek": 9000}
            ],
            "privacy": {"min_count": 3, "grid_m": 100.0},
            "output": {"language": "en", "tiles": "none"},
        }
    )
    sample_inputs = make_plan_result().inputs
    transit = dataclasses.replace(
        sample_inputs.transit, stops=layers["stops"], routes=layers["routes"]
    )
    # No incidents in the inputs: the map must not aggregate them itself.
    inputs = dataclasses.replace(
        sample_inputs,
        transit=transit,
        areas=layers["areas"],
        incidents=sample_inputs.incidents.iloc[:0],
    )
    wording = {
        "stop_area": "Undantaget från tillståndsplikt",
        "stop_area_borderline": "Gränsfall: <prövas>",
        "general": "Tillstånd krävs (regime text)",
    }
    result = make_plan_result(
        scenario=sc,
        regime="kbl-2025",
        inputs=inputs,
        corridors=layers["corridors"],
        cameras=layers["cameras"].drop(columns="legal_wording"),
        footprints=layers["footprints"],
        heat=layers["heat"],
        heat_transform=layers["heat_transform"],
        frontier=layers["frontier"],
        incident_cells=aggregate_incidents(layers["incidents"], grid_m=100.0, min_count=3),
        legal_wording=wording,
    )
    m = maps.plan_map(result, self_contained=False)
    g = groups_by_name(m)
    assert "Cameras" in g  # English from output.language
    (fc,) = geojson_children(g[maps.layer_names("en", grid_m=100.0)["incident_cells"]])
    # The result's cells (k = 3): the cell with 3 incidents is published too.
    assert len(fc["features"]) == 2
    html = maps.map_html(m)
    assert "FICTIONAL DATA" in html
    assert "Testplan" in html
    assert "cells with fewer than 3 incidents are not shown" in html
    assert "Gränsfall: &lt;prövas&gt;" in html  # the legend quotes result.legal_wording
    # Cameras without a legal_wording column get the wording of result.legal_wording.
    (cams,) = geojson_children(g["Cameras"])
    assert "Tillstånd krävs (regime text)" in cams["features"][1]["properties"]["popup"]


@pytest.mark.slow
def test_the_sample_plan_map(plan_result):
    m = maps.plan_map(plan_result, self_contained=False)
    cells = plan_result.incident_cells
    names = maps.layer_names(plan_result.scenario.output.language, grid_m=cells.grid_m)
    g = groups_by_name(m)
    (cams,) = geojson_children(g[names["cameras"]])
    assert len(cams["features"]) == len(plan_result.cameras)
    if len(cells.cells):
        (fc,) = geojson_children(g[names["incident_cells"]])
        assert len(fc["features"]) == len(cells.cells)
    # Corridors coloured by priority percentile, the tooltip with risk, exposure, priority.
    (lines,) = geojson_children(g[escape(names["corridors"])])
    colours = {f["properties"]["style"]["color"].lower() for f in lines["features"]}
    assert {"#ffffb2", "#800026"} <= {c[:7] for c in colours}
    first = plan_result.corridors.index.get_loc(plan_result.corridors["rank"].idxmin())
    tip = lines["features"][first]["properties"]["tip"]
    assert tip.count("<br>") >= 3
    assert "(percentile 100)" in tip or "(percentil 100)" in tip
    # The hotspot layer draws exactly the corridors with a trend.
    n_hot = int((plan_result.corridors["trend"].astype(str) != "none").sum())
    if n_hot:
        (hot,) = geojson_children(g[escape(names["hotspots"])])
        assert len(hot["features"]) == n_hot
    else:
        assert escape(names["hotspots"]) not in g
    # The same plan gives the same page, byte for byte.
    html = maps.map_html(m)
    assert maps.map_html(maps.plan_map(plan_result, self_contained=False)) == html


def scored_corridors(layers: dict) -> gpd.GeoDataFrame:
    """The sample corridors with the scoring columns: the score saturates, the ranks do not."""
    n = len(layers["corridors"])
    risk = np.linspace(0.01, 0.12, n)
    return layers["corridors"].assign(
        score=[1.0] * n,  # a saturated 0-1 score must not decide the colour
        priority=np.linspace(0.2, 7.5, n),
        priority_pct=np.linspace(0.0, 1.0, n),
        risk_per_m_year=risk,
        risk_low_per_m_year=risk / 2,
        risk_high_per_m_year=risk * 2,
        exposure_dph=np.linspace(0.0, 55.0, n),
    )


def test_corridor_colour_follows_priority_percentile(layers):
    m = build(layers, corridors=scored_corridors(layers), lang="en")
    (lines,) = geojson_children(groups_by_name(m)["Corridor segments (score)"])
    colours = [f["properties"]["style"]["color"].lower() for f in lines["features"]]
    assert colours[0].startswith("#ffffb2")
    assert colours[-1].startswith("#800026")
    assert len(set(colours)) == len(colours)  # every rank its own colour: no saturation
    tip = lines["features"][-1]["properties"]["tip"]
    assert "Risk: 0.12 incidents per m and year (90 %: 0.06–0.24)" in tip
    assert "Exposure: 55 departures per hour" in tip
    assert "Priority: 7.5 × network mean (percentile 100)" in tip
    html = m.get_root().render()
    assert "Corridor priority (percentile)" in html
    assert "Priority, percentile in the network (0" in html  # the colour bar's caption


def test_corridor_colour_falls_back_to_score(layers):
    html = build(layers, lang="en").get_root().render()
    assert "Corridor score: yellow = low" in html
    assert "Corridor priority (percentile)" not in html


@pytest.mark.parametrize(
    ("lang", "name", "words"),
    [
        ("sv", "Hotspots och trender", ["ny", "växande", "bestående", "avtagande", "sporadisk"]),
        ("en", "Hotspots & trends", ["new", "intensifying", "persistent", "diminishing"]),
    ],
)
def test_hotspot_layer_shows_the_trend_categories(layers, lang, name, words):
    m = build(layers, lang=lang)
    g = groups_by_name(m)
    (fc,) = geojson_children(g[escape(name)])
    corridors = layers["corridors"]
    hot = corridors[corridors["trend"] != "none"]
    assert len(fc["features"]) == len(hot) == 5
    colours = [f["properties"]["style"]["color"] for f in fc["features"]]
    assert colours == [maps.TREND_STYLES[c]["color"] for c in hot["trend"]]
    assert len(set(colours)) == 5
    tips = [f["properties"]["tip"] for f in fc["features"]]
    intensifying = tips[list(hot["trend"]).index("intensifying")]
    assert "Gi* z = 3, q = 0.002 (FDR)" in intensifying
    assert "p = 0.0123" in intensifying
    html = m.get_root().render()
    for word in words:
        assert f"Hotspot: {word}" in html  # a legend row per drawn category


def test_no_hotspot_layer_without_hotspots(layers):
    calm = layers["corridors"].assign(trend="none")
    m = build(layers, corridors=calm, lang="en")
    assert "Hotspots &amp; trends" not in groups_by_name(m)
    assert "Hotspot: " not in m.get_root().render()
    m2 = build(layers, corridors=layers["corridors"].drop(columns="trend"), lang="en")
    assert "Hotspots &amp; trends" not in groups_by_name(m2)
    assert "Hotspots &amp; trends" in groups_by_name(build(layers, lang="en"))


def test_stop_area_layer(layers):
    m = build(layers, lang="en")
    (fc,) = geojson_children(groups_by_name(m)["Stop areas"])
    assert [f["geometry"]["type"] for f in fc["features"]] == ["Polygon", "Polygon"]
    assert "Trädgårdstorget" in fc["features"][0]["properties"]["tip"]
    assert "Stop area (polygon)" in m.get_root().render()
    assert "Stop areas" not in groups_by_name(build(layers, stop_areas=None, lang="en"))


def test_frontier_panel_marks_unproven_points(layers):
    frontier = layers["frontier"].assign(
        objective=[20.0, 35.0, 41.0],
        bound=[20.0, 45.0, 45.0],
        gap=[0.0, 10 / 45, 4 / 45],
        proven=[True, False, False],
    )
    html = build(layers, frontier=frontier, lang="en").get_root().render()
    assert "hollow points: gap not proven" in html
    assert "gap not proven" not in build(layers, lang="en").get_root().render()
