"""Corridor segments: splitting, merging, stable ids, areas, graph and snapping."""

from __future__ import annotations

import math

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, Point, box

from siteplan import corridors as C
from siteplan.errors import CRSError, InputError, InputWarning

X0, Y0 = 500_000.0, 6_470_000.0  # somewhere in SWEREF 99 TM


def xy(x: float, y: float) -> tuple[float, float]:
    return (X0 + x, Y0 + y)


def make_edges(rows: list[tuple]) -> gpd.GeoDataFrame:
    """rows: (edge_id, u, v, [(x, y), ...], highway, name); geometry runs from u to v."""
    geoms = [LineString([xy(*p) for p in r[3]]) for r in rows]
    return gpd.GeoDataFrame(
        {
            "u": [r[1] for r in rows],
            "v": [r[2] for r in rows],
            "key": 0,
            "osmid": [i for i, _ in enumerate(rows)],
            "highway": [r[4] for r in rows],
            "name": [r[5] for r in rows],
            "length_m": [g.length for g in geoms],
        },
        geometry=geoms,
        index=pd.Index([r[0] for r in rows], name="edge_id"),
        crs="EPSG:3006",
    )


@pytest.fixture
def town() -> gpd.GeoDataFrame:
    """A junction (node 3) with a bent street through degree-2 node 2, and two side streets."""
    return make_edges(
        [
            ("e1", 1, 2, [(0, 0), (60, 0)], "residential", "Storgatan"),
            ("e2", 2, 3, [(60, 0), (100, 0), (100, 40)], "residential", "Storgatan"),
            ("e3", 3, 4, [(100, 40), (230, 40)], "footway", None),
            ("e4", 3, 5, [(100, 40), (100, 75)], "service", "Gränd"),
            ("e5", 5, 6, [(100, 75), (100, 90)], "service", "Annan väg"),
        ]
    )


def test_segments_respect_max_length_and_keep_total_length(town):
    corridors = C.build_corridors(town, max_length_m=50)
    assert (corridors["length_m"] <= 50 + 1e-9).all()
    total_in = town.geometry.length.sum()
    assert corridors["length_m"].sum() == pytest.approx(total_in, rel=1e-6)
    np.testing.assert_allclose(corridors["length_m"], corridors.geometry.length)
    # e3 is 130 m: ceil(130 / 50) = 3 equal parts of 43.33 m.
    e3 = corridors[corridors.index.str.startswith("c-3-4-0-")]
    assert len(e3) == 3
    np.testing.assert_allclose(e3["length_m"], 130 / 3)
    assert list(e3["u"]) == ["3", "c-3-4-0:1", "c-3-4-0:2"]
    assert list(e3["v"]) == ["c-3-4-0:1", "c-3-4-0:2", "4"]


def test_split_parts_lie_on_the_line_and_join_end_to_end(town):
    corridors = C.build_corridors(town, max_length_m=20)
    merged = shapely.line_merge(shapely.union_all(town.geometry.values))
    for geom in corridors.geometry:
        assert shapely.distance(merged, geom) < 1e-6
        assert shapely.hausdorff_distance(geom, geom.intersection(merged.buffer(1e-6))) < 1e-6
    # consecutive parts share their split point exactly
    parts = corridors[corridors.index.str.startswith("c-3-4-0-")]
    for a, b in zip(parts.geometry[:-1], parts.geometry[1:], strict=True):
        assert a.coords[-1] == b.coords[0]


def test_degree2_merge_joins_same_street_but_not_different_names(town):
    corridors = C.build_corridors(town, max_length_m=1000)
    # e1 + e2 meet at node 2 (degree 2, same name and highway): one 140 m line from 1 to 3.
    assert "c-1-3-0-000" in corridors.index
    row = corridors.loc["c-1-3-0-000"]
    assert row["length_m"] == pytest.approx(140.0)
    assert row["name"] == "Storgatan"
    assert (row["u"], row["v"]) == ("1", "3")
    assert row.geometry.coords[0] == xy(0, 0)
    assert row.geometry.coords[-1] == xy(100, 40)
    # e4 and e5 meet at degree-2 node 5 but differ in name: not merged.
    assert {"c-3-5-0-000", "c-5-6-0-000"} <= set(corridors.index)
    assert "2" not in set(corridors["u"]) | set(corridors["v"])
    assert len(corridors) == 4


def test_merge_handles_reversed_edges_and_unnamed_chains():
    # Two unnamed footway pieces stored in opposite directions, meeting at degree-2 node 20.
    edges = make_edges(
        [
            ("a", 10, 20, [(0, 0), (30, 0)], "footway", None),
            ("b", 30, 20, [(70, 0), (30, 0)], "footway", None),
        ]
    )
    corridors = C.build_corridors(edges, max_length_m=100)
    assert list(corridors.index) == ["c-10-30-0-000"]
    line = corridors.geometry.iloc[0]
    assert line.length == pytest.approx(70.0)
    assert line.coords[0] == xy(0, 0)
    assert line.coords[-1] == xy(70, 0)
    assert pd.isna(corridors["name"].iloc[0])


def test_ring_of_degree2_nodes_is_cut_at_a_fixed_node():
    edges = make_edges(
        [
            ("r1", 7, 8, [(0, 0), (40, 0)], "footway", "Slingan"),
            ("r2", 8, 9, [(40, 0), (40, 40)], "footway", "Slingan"),
            ("r3", 9, 7, [(40, 40), (0, 0)], "footway", "Slingan"),
        ]
    )
    corridors = C.build_corridors(edges, max_length_m=50)
    total = 80 + math.hypot(40, 40)
    assert corridors["length_m"].sum() == pytest.approx(total)
    assert all(cid.startswith("c-7-7-0-") for cid in corridors.index)
    assert len(corridors) == math.ceil(total / 50)
    shuffled = C.build_corridors(edges.iloc[[2, 0, 1]], max_length_m=50)
    assert list(shuffled.index) == list(corridors.index)


def test_ids_are_stable_under_row_shuffling(town):
    first = C.build_corridors(town, max_length_m=25)
    for seed in range(3):
        shuffled = town.sample(frac=1.0, random_state=seed)
        again = C.build_corridors(shuffled, max_length_m=25)
        assert list(again.index) == list(first.index)
        assert again.geometry.geom_equals_exact(first.geometry, tolerance=0).all()
        pd.testing.assert_frame_equal(
            pd.DataFrame(again.drop(columns="geometry")),
            pd.DataFrame(first.drop(columns="geometry")),
        )
    assert list(first.index) == sorted(first.index)


def test_parallel_edges_get_distinct_keys():
    edges = make_edges(
        [
            ("p1", 1, 2, [(0, 0), (40, 0)], "footway", None),
            ("p2", 2, 1, [(40, 0), (20, 10), (0, 0)], "footway", None),
            ("p3", 2, 3, [(40, 0), (40, 30)], "footway", "X"),
            ("p4", 0, 1, [(-30, 0), (0, 0)], "footway", "Y"),
        ]
    )
    corridors = C.build_corridors(edges, max_length_m=100)
    assert {"c-1-2-0-000", "c-1-2-1-000", "c-2-3-0-000", "c-0-1-0-000"} == set(corridors.index)
    assert corridors.loc["c-1-2-0-000", "length_m"] == pytest.approx(40.0)
    # p2 is reversed to run from node 1 to node 2
    assert corridors.loc["c-1-2-1-000"].geometry.coords[0] == xy(0, 0)
    # the graph keeps the shorter of the two parallel segments
    graph = C.corridor_graph(corridors)
    assert graph.edges["1", "2"]["corridor_id"] == "c-1-2-0-000"


def test_lasso_through_a_degree2_node_becomes_a_loop():
    # Node 1 touches only the two parallel edges: they merge into one loop at node 2.
    edges = make_edges(
        [
            ("p1", 1, 2, [(0, 0), (40, 0)], "footway", None),
            ("p2", 2, 1, [(40, 0), (20, 10), (0, 0)], "footway", None),
            ("p3", 2, 3, [(40, 0), (40, 30)], "footway", "X"),
        ]
    )
    corridors = C.build_corridors(edges, max_length_m=100)
    assert set(corridors.index) == {"c-2-2-0-000", "c-2-3-0-000"}
    loop = corridors.loc["c-2-2-0-000"]
    assert loop["length_m"] == pytest.approx(40 + 2 * math.hypot(20, 10))
    assert loop.geometry.coords[0] == loop.geometry.coords[-1] == xy(40, 0)


def test_area_is_assigned_by_segment_midpoint(town):
    areas = gpd.GeoDataFrame(
        geometry=[box(*xy(0, -10), *xy(55, 10)), box(*xy(150, 30), *xy(300, 50))],
        index=pd.Index(["City", "Ryd"], name="area"),
        crs="EPSG:3006",
    )
    corridors = C.build_corridors(town, areas=areas, max_length_m=50)
    # Storgatan (140 m) -> 3 parts of 46.7 m; the first part's midpoint (23.3, 0) is in City,
    # the second's (70, 0) is not.
    assert corridors.loc["c-1-3-0-000", "area"] == "City"
    assert pd.isna(corridors.loc["c-1-3-0-001", "area"])
    # e3 parts: midpoints at x = 121.7, 165, 208.3 -> the last two are in Ryd.
    assert pd.isna(corridors.loc["c-3-4-0-000", "area"])
    assert list(corridors.loc[["c-3-4-0-001", "c-3-4-0-002"], "area"]) == ["Ryd", "Ryd"]


def test_validation_errors(town):
    with pytest.raises(CRSError, match="geographic CRS"):
        C.build_corridors(town.to_crs(4326))
    with pytest.raises(InputError, match=r"missing column\(s\) \['highway'\]"):
        C.build_corridors(town.drop(columns="highway"))
    with pytest.raises(InputError, match="empty"):
        C.build_corridors(town.iloc[:0])
    with pytest.raises(InputError, match="max_length_m"):
        C.build_corridors(town, max_length_m=0)
    bad = town.copy()
    bad["u"] = bad["u"].astype(float)
    with pytest.raises(InputError, match="integer OSM node ids"):
        C.build_corridors(bad)
    areas = gpd.GeoDataFrame(geometry=[box(0, 0, 1, 1)], crs="EPSG:3857")
    with pytest.raises(CRSError, match="different CRSs"):
        C.build_corridors(town, areas=areas)


def test_unusable_rows_are_skipped_with_a_count(town):
    edges = town.copy()
    edges.loc["e5", "geometry"] = None
    with pytest.warns(InputWarning, match=r"skipped 1 of 5 row\(s\).*e5"):
        corridors = C.build_corridors(edges, max_length_m=50)
    assert not any(cid.startswith("c-5-6-") for cid in corridors.index)


def test_graph_distances_follow_the_segments(town):
    corridors = C.build_corridors(town, max_length_m=50)
    graph = C.corridor_graph(corridors)
    assert set(graph.nodes) == set(corridors["u"]) | set(corridors["v"])
    assert graph.number_of_edges() == len(corridors)
    # node 1 -> node 4: Storgatan 140 m + footway 130 m
    assert nx.shortest_path_length(graph, "1", "4", weight="length_m") == pytest.approx(270.0)
    data = graph.edges["3", "c-3-4-0:1"]
    assert data["corridor_id"] == "c-3-4-0-000"
    assert data["length_m"] == pytest.approx(130 / 3)
    assert graph.nodes["4"]["x"] == pytest.approx(X0 + 230)


def test_snap_points_reports_corridor_position_and_node(town):
    corridors = C.build_corridors(town, max_length_m=50)
    points = gpd.GeoDataFrame(
        geometry=[Point(xy(30, 4)), Point(xy(120, 45)), Point(xy(900, 900))],
        index=pd.Index(["a", "b", "far"], name="stop_id"),
        crs="EPSG:3006",
    )
    with pytest.warns(InputWarning, match=r"1 of 3 point\(s\)"):
        snapped = C.snap_points(points, corridors, max_distance_m=20)
    assert snapped.loc["a", "corridor_id"] == "c-1-3-0-000"
    assert snapped.loc["a", "distance_m"] == pytest.approx(4.0)
    assert snapped.loc["a", "position_m"] == pytest.approx(30.0)
    # part 0 of Storgatan is 46.67 m long: 30 m is past the middle, so the nearer node is v
    assert snapped.loc["a", "node"] == "c-1-3-0:1"
    assert snapped.loc["a", "node_offset_m"] == pytest.approx(140 / 3 - 30)
    assert snapped.loc["b", "corridor_id"] == "c-3-4-0-000"
    assert snapped.loc["b", "node"] == "3"
    assert snapped.loc["b", "node_offset_m"] == pytest.approx(20.0)
    assert pd.isna(snapped.loc["far", "corridor_id"])
    assert np.isnan(snapped.loc["far", "distance_m"])


def test_split_at_boundaries_cuts_a_corridor_crossing_a_stop_area():
    # a 50 m corridor from x=0 to x=50; a stop area disc of 25 m around x=60 starts at x=35
    line = LineString([(500_000.0, 6_470_000.0), (500_050.0, 6_470_000.0)])
    corr = gpd.GeoDataFrame(
        {
            "length_m": [50.0],
            "name": ["Gatan"],
            "highway": ["footway"],
            "area": [None],
            "u": ["1"],
            "v": ["2"],
        },
        geometry=[line],
        index=pd.Index(["c-1-2-0-000"], name="corridor_id"),
        crs="EPSG:3006",
    )
    area = gpd.GeoDataFrame(
        geometry=[Point(500_060.0, 6_470_000.0).buffer(25.0, quad_segs=64)], crs="EPSG:3006"
    )
    out = C.split_at_boundaries(corr, area)
    assert list(out.index) == ["c-1-2-0-000.00", "c-1-2-0-000.01"]
    assert out["length_m"].tolist() == pytest.approx([35.0, 15.0], abs=0.01)
    assert out["u"].tolist() == ["1", "c-1-2-0-000:b1"]
    assert out["v"].tolist() == ["c-1-2-0-000:b1", "2"]
    inside = out.geometry.within(area.geometry.iloc[0].buffer(1e-6))
    assert inside.tolist() == [False, True]  # each piece is wholly in or out
    assert out["name"].tolist() == ["Gatan", "Gatan"]
    # a corridor that does not cross keeps its id; a sliver cut is not made
    far = corr.set_geometry([LineString([(500_000.0, 6_470_100.0), (500_050.0, 6_470_100.0)])])
    assert list(C.split_at_boundaries(far, area).index) == ["c-1-2-0-000"]
    edge = gpd.GeoDataFrame(
        geometry=[Point(500_074.5, 6_470_000.0).buffer(25.0, quad_segs=64)], crs="EPSG:3006"
    )
    assert list(C.split_at_boundaries(corr, edge).index) == ["c-1-2-0-000"]
