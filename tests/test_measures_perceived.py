"""Tests for siteplan.measures.perceived.perceived_demand and the sample's perceived layer."""

from __future__ import annotations

import math
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, box

from siteplan.corridors import build_corridors
from siteplan.datasets import SAMPLE_FILES, get_path, perceived_sample
from siteplan.errors import CRSError, InputError, InputWarning
from siteplan.io.gtfs import load_gtfs
from siteplan.io.osm import load_osm
from siteplan.io.perceived import load_perceived
from siteplan.measures.perceived import perceived_demand


def _corridors(lines: dict[str, LineString], crs: int = 3006) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"length_m": [line.length for line in lines.values()]},
        geometry=list(lines.values()),
        index=pd.Index(list(lines), name="corridor_id"),
        crs=crs,
    )


def _places(geoms: list, weights: list[float], crs: int = 3006) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"weight": weights}, geometry=geoms, crs=crs)


def _total(per_m: pd.Series, corridors: gpd.GeoDataFrame) -> float:
    return float((per_m * corridors["length_m"]).sum())


def test_point_reaches_only_the_corridor_within_reach():
    # A point 10 m from a 100 m corridor and 40 m from another, reach 25 m.
    corridors = _corridors(
        {"near": LineString([(0, 0), (100, 0)]), "far": LineString([(0, 50), (100, 50)])}
    )
    per_m = perceived_demand(corridors, _places([Point(50, 10)], [3.0]), reach_m=25.0)
    assert per_m.name == "perceived_per_m"
    assert per_m.index.equals(corridors.index)
    assert per_m["far"] == 0.0
    # All weight on "near": 3 over its 100 m. The covered stretch is the chord
    # 2 * sqrt(25² - 10²) = 45.8 m, which is where the place reaches, but the demand is per
    # metre of the whole corridor so that it sums back to the weight.
    assert per_m["near"] == pytest.approx(3.0 / 100.0)
    assert _total(per_m, corridors) == pytest.approx(3.0)


def test_weight_is_split_by_the_covered_length():
    # A point at x = 90 on a line cut at x = 100; reach 25 covers 65..100 (35 m) on "a"
    # and 100..115 (15 m) on "b".
    corridors = _corridors(
        {"a": LineString([(0, 0), (100, 0)]), "b": LineString([(100, 0), (300, 0)])}
    )
    per_m = perceived_demand(corridors, _places([Point(90, 0)], [5.0]), reach_m=25.0)
    assert per_m["a"] == pytest.approx(5.0 * 35 / 50 / 100)
    assert per_m["b"] == pytest.approx(5.0 * 15 / 50 / 200)
    assert _total(per_m, corridors) == pytest.approx(5.0)


def test_polygon_reaches_its_inside_and_reach_around_it():
    # A 20 m square on the cut between two corridors, reach 5: 15 m on each side.
    corridors = _corridors(
        {
            "a": LineString([(-100, 0), (10, 0)]),
            "b": LineString([(10, 0), (100, 0)]),
            "c": LineString([(-100, 40), (100, 40)]),
        }
    )
    places = _places([box(0, -10, 20, 10)], [4.0])
    per_m = perceived_demand(corridors, places, reach_m=5.0)
    assert per_m["a"] == pytest.approx(2.0 / 110)
    assert per_m["b"] == pytest.approx(2.0 / 90)
    assert per_m["c"] == 0.0
    # With reach 0 a polygon still reaches the corridor length inside it (10 m on each side).
    inside = perceived_demand(corridors, places, reach_m=0.0)
    assert inside["a"] == pytest.approx(2.0 / 110)
    assert inside["b"] == pytest.approx(2.0 / 90)


def test_line_place_reaches_along_its_buffer():
    corridors = _corridors(
        {"a": LineString([(0, 0), (200, 0)]), "b": LineString([(0, 100), (200, 100)])}
    )
    walk = LineString([(20, 10), (60, 10)])
    per_m = perceived_demand(corridors, _places([walk], [2.0]), reach_m=25.0)
    assert per_m["a"] == pytest.approx(2.0 / 200)
    assert per_m["b"] == 0.0


def test_total_weight_is_conserved_on_a_grid():
    rng = np.random.default_rng(0)
    lines = {}
    for i in range(6):
        for j in range(5):
            lines[f"h{i}{j}"] = LineString([(j * 50, i * 50), ((j + 1) * 50, i * 50)])
            lines[f"v{j}{i}"] = LineString([(i * 50, j * 50), (i * 50, (j + 1) * 50)])
    corridors = _corridors(lines)
    xy = rng.uniform(0, 250, size=(40, 2))
    geoms = [Point(x, y) for x, y in xy[:30]]
    geoms += [LineString([(x, y), (x + 30, y + 20)]) for x, y in xy[30:35]]
    geoms += [box(x, y, x + 15, y + 15) for x, y in xy[35:]]
    weights = rng.integers(1, 6, size=40).astype(float)
    per_m = perceived_demand(corridors, _places(geoms, list(weights)), reach_m=25.0)
    assert (per_m >= 0).all()
    assert _total(per_m, corridors) == pytest.approx(weights.sum())


def test_place_touching_no_corridor_warns_with_count_and_is_left_out():
    corridors = _corridors({"a": LineString([(0, 0), (100, 0)])})
    places = _places([Point(50, 5), Point(50, 500), Point(900, 900)], [1.0, 2.0, 4.0])
    with pytest.warns(InputWarning, match=r"2 of 3 perceived-safety places \(weight 6 of 7\)"):
        per_m = perceived_demand(corridors, places)
    assert _total(per_m, corridors) == pytest.approx(1.0)


def test_no_places_gives_zeros_without_warning():
    corridors = _corridors({"a": LineString([(0, 0), (100, 0)])})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        per_m = perceived_demand(corridors, _places([], []))
    assert per_m.tolist() == [0.0]
    assert per_m.name == "perceived_per_m"


def test_bad_inputs_raise():
    corridors = _corridors({"a": LineString([(0, 0), (100, 0)])})
    places = _places([Point(0, 0)], [1.0])
    with pytest.raises(InputError, match="reach_m"):
        perceived_demand(corridors, places, reach_m=-1.0)
    with pytest.raises(InputError, match="reach_m"):
        perceived_demand(corridors, places, reach_m=math.inf)
    with pytest.raises(CRSError, match="different CRSs"):
        perceived_demand(corridors, places.set_crs(3011, allow_override=True))
    with pytest.raises(InputError, match=r"missing column\(s\) \['weight'\]"):
        perceived_demand(corridors, places.drop(columns="weight"))
    with pytest.raises(InputError, match="negative"):
        perceived_demand(corridors, _places([Point(0, 0)], [-1.0]))


# --- the sample town's layer ------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_layers():
    return load_osm(get_path("town.osm"), crs="EPSG:3006")


@pytest.mark.slow
def test_sample_layer_loads_and_spreads_onto_the_sample_corridors(sample_layers):
    assert "perceived.geojson" in SAMPLE_FILES
    places = load_perceived(get_path("perceived.geojson"), crs="EPSG:3006")
    assert 40 <= len(places) <= 80
    assert set(places.geom_type) == {"Point", "LineString", "Polygon"}
    assert places["weight"].between(1, 5).all()
    assert places["date"].dt.date.isin(perceived_sample.WALK_DATES).all()
    assert places["reason"].notna().all()
    assert {"mörkt", "buskage"} <= set(places["reason"])
    corridors = build_corridors(sample_layers.edges)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # every sample place reaches a corridor
        per_m = perceived_demand(corridors, places)
    assert _total(per_m, corridors) == pytest.approx(places["weight"].sum())
    assert 50 <= int((per_m > 0).sum()) < len(corridors) // 2


@pytest.mark.slow
def test_sample_generator_is_deterministic_and_matches_the_file(sample_layers, tmp_path):
    stops = load_gtfs(get_path("gtfs.zip"), crs="EPSG:3006").stops
    args = (sample_layers.edges, sample_layers.lamps, stops, sample_layers.pois)
    places = perceived_sample.perceived_places(*args)
    text = perceived_sample.to_geojson(places)
    assert text == get_path("perceived.geojson").read_text("utf-8")
    assert perceived_sample.to_geojson(perceived_sample.perceived_places(*args, seed=1)) != text
