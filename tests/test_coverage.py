"""Tests for siteplan.coverage: sites, visibility, footprints, demand, coverage and costs.

Every layer is built by hand in EPSG:3006 so the expected numbers can be checked on paper.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import shapely
from shapely.geometry import LineString, Point, Polygon, box

from siteplan import coverage as cv
from siteplan.config import (
    BudgetConfig,
    CameraModel,
    CostsConfig,
    CoverageConfig,
    scenario_from_dict,
)
from siteplan.coverage.geometry import ray_distances
from siteplan.coverage.problem import _dominated
from siteplan.errors import CRSError, InputError, InputWarning, ScenarioError
from siteplan.problem import OPTION_COLUMNS, SITE_COLUMNS, PlacementProblem

CRS = "EPSG:3006"
CAM_4MP_60 = CameraModel(
    model="bullet-4mp-60", horizontal_px=2560, hfov_deg=60, capex_sek=9_000, opex_sek_per_year=3_000
)
CAM_1080_90 = CameraModel(model="dome-1080-90", horizontal_px=1920, hfov_deg=90, capex_sek=5_000)
CAM_PANO = CameraModel(model="pano-12mp", horizontal_px=12_000, hfov_deg=360, capex_sek=15_000)


def corridors_frame(
    lines: list[LineString],
    *,
    score: list[float] | None = None,
    legal: list[str] | None = None,
    u: list[object] | None = None,
    v: list[object] | None = None,
) -> gpd.GeoDataFrame:
    n = len(lines)
    frame = gpd.GeoDataFrame(
        {
            "length_m": [ln.length for ln in lines],
            "name": None,
            "highway": "footway",
            "area": [None] * n,
            "u": u if u is not None else [f"a{i}" for i in range(n)],
            "v": v if v is not None else [f"b{i}" for i in range(n)],
            "legal_class": legal or ["general"] * n,
            "legal_reason": "test",
            "score": score or [1.0] * n,
        },
        geometry=lines,
        crs=CRS,
        index=pd.Index([f"c{i}" for i in range(n)], name="corridor_id"),
    )
    return frame


def buildings_frame(polys: list[Polygon]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"building": "yes", "residential": False},
        geometry=polys,
        crs=CRS,
        index=pd.Index([f"b{i}" for i in range(len(polys))], name="building_id"),
    )


def points_frame(points: list[Point], ids: list[str], index_name: str) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(geometry=points, crs=CRS, index=pd.Index(ids, name=index_name))


def sites_frame(
    points: list[Point],
    ids: list[str],
    *,
    legal: list[str] | None = None,
    normal: list[float] | None = None,
    cost: float = 27_500.0,
) -> gpd.GeoDataFrame:
    n = len(points)
    return gpd.GeoDataFrame(
        {
            "source": "lamp",
            "mount": "lamp_post",
            "area": [None] * n,
            "legal_class": legal or ["general"] * n,
            "site_cost_sek": cost,
            "facade_normal_deg": normal or [np.nan] * n,
        },
        geometry=points,
        crs=CRS,
        index=pd.Index(ids, name="site_id"),
    )


def scenario(cameras: list[CameraModel], **sections: dict) -> object:
    data = {
        "study_area": {"name": "test"},
        "inputs": {"osm": "a.osm", "gtfs": "b.zip", "incidents": "c.csv"},
        "cameras": [c.model_dump() for c in cameras],
        **sections,
    }
    return scenario_from_dict(data)


# ----------------------------------------------------------------------------------------------
# DORI ranges, ground reach, blind zone


@pytest.mark.parametrize(
    ("px", "hfov", "expected"),
    [
        (1920, 90, {"detect": 38.0, "observe": 15.5, "recognise": 7.7, "identify": 3.8}),
        (2560, 60, {"detect": 89.0, "observe": 36.0, "recognise": 18.0, "identify": 8.9}),
        (2560, 90, {"detect": 51.0, "observe": 21.0, "recognise": 10.2, "identify": 5.1}),
    ],
)
def test_dori_ranges_match_domain_examples(px: int, hfov: float, expected: dict) -> None:
    for level, metres in expected.items():
        cam = CameraModel(model="x", horizontal_px=px, hfov_deg=hfov, level=level, capex_sek=0)
        # The reference DORI table rounds to 2-3 significant figures.
        assert cam.range_m == pytest.approx(metres, rel=0.02), level


def test_ground_reach_and_blind_zone_by_hand() -> None:
    # 4 MP at 60°, recognise: d = 2560 / (2 * 125 * tan 30°) = 17.736 m.
    assert CAM_4MP_60.range_m == pytest.approx(17.736, abs=1e-3)
    # Mounted at 4.5 m, a head at 1.7 m: sqrt(17.736² - 2.8²) = 17.514 m.
    assert CAM_4MP_60.ground_range_m == pytest.approx(17.514, abs=1e-3)
    # Blind zone: vfov = 2 atan(tan 30° · 9/16) = 35.98°; the top edge looks down
    # atan(2.8 / 17.513) = 9.08°, the bottom edge 45.06°, so 2.8 / tan 45.06° = 2.79 m.
    assert cv.blind_zone_m(CAM_4MP_60) == pytest.approx(2.79, abs=0.01)
    assert cv.blind_zone_m(CAM_PANO) == 0.0
    low = CameraModel(model="low", horizontal_px=2560, hfov_deg=60, mount_height_m=1.7, capex_sek=0)
    assert low.ground_range_m == pytest.approx(low.range_m)
    assert cv.blind_zone_m(low) == 0.0


# ----------------------------------------------------------------------------------------------
# Visibility and footprints


def test_wedge_blocked_by_one_building() -> None:
    wall = box(8, -2, 10, 2)
    origin = Point(0, 0)
    vis = cv.visibility_polygon(origin, [wall], radius_m=30)
    fp = cv.footprint(origin, azimuth_deg=90, hfov_deg=60, range_m=18, blind_m=1.0, visibility=vis)
    assert not fp.contains(Point(14, 0))  # straight behind the building
    assert fp.contains(Point(14, 5))  # beside it: the sight line passes x=8 at y=2.86
    assert fp.contains(Point(5, 0))  # in front of the building
    assert not fp.contains(Point(0.5, 0))  # in the blind zone
    assert not fp.contains(Point(0, 14))  # outside the 60° wedge (north)
    assert not fp.contains(Point(19, 0.5))  # beyond the range
    assert fp.intersection(wall).area == pytest.approx(0.0, abs=0.05)


def test_courtyard_sees_itself_but_not_through_walls() -> None:
    # A U-shaped block open to the north; the camera stands in the courtyard.
    u_block = box(0, 0, 30, 30).difference(box(10, 10, 20, 30))
    vis = cv.visibility_polygon(Point(15, 15), [u_block], radius_m=50)
    seen = [Point(15, 25), Point(11, 11), Point(19, 29), Point(15, 45), Point(17, 40)]
    hidden = [Point(15, -5), Point(-5, 15), Point(35, 15), Point(25, 40), Point(5, 40)]
    assert all(vis.contains(p) for p in seen)
    assert not any(vis.contains(p) for p in hidden)
    # No part of the view lies inside the walls (up to the 1° chords).
    assert vis.intersection(u_block).area < 0.5


def test_ray_distances_agree_with_shapely() -> None:
    obstacles = np.array(
        [box(5, 5, 12, 9), Polygon([(-20, -3), (-8, -15), (-4, 2)]), box(-3, 20, 3, 21)],
        dtype=object,
    )
    xy = np.array([[0.0, 0.0], [2.0, -1.0]])
    dist, blocked = ray_distances(xy, obstacles, radius_m=40, n_rays=72)
    assert not blocked.any()
    union = shapely.union_all(obstacles)
    for i, (x, y) in enumerate(xy):
        for k in range(72):
            theta = math.radians(k * 5)
            ray = LineString([(x, y), (x + 40 * math.sin(theta), y + 40 * math.cos(theta))])
            hit = ray.intersection(union)
            expected = 40.0 if hit.is_empty else Point(x, y).distance(hit)
            assert dist[i, k] == pytest.approx(expected, abs=1e-6), (i, k)


def test_origin_inside_building_sees_nothing() -> None:
    assert cv.visibility_polygon(Point(5, 5), [box(0, 0, 10, 10)], radius_m=20).is_empty


def test_360_model_gives_one_disc() -> None:
    sites = sites_frame([Point(0, 0)], ["lamp-1"])
    opts = cv.camera_options(sites, [CAM_PANO], buildings=None, corridors=None)
    assert list(opts.index) == ["lamp-1/pano-12mp/360"]
    row = opts.iloc[0]
    assert np.isnan(row["azimuth_deg"])
    r = CAM_PANO.ground_range_m  # 12000 / (2π · 125) = 15.28 m, 15.02 m at head height
    assert r == pytest.approx(math.sqrt((12_000 / (2 * math.pi * 125)) ** 2 - 2.8**2))
    assert row.geometry.area == pytest.approx(math.pi * r * r, rel=0.001)
    assert row.geometry.contains(Point(0, r - 0.5))
    assert row.geometry.contains(Point(-(r - 0.5), 0))


def test_option_footprints_match_the_public_footprint() -> None:
    blocks = [box(6, 3, 14, 9), box(-12, -8, -4, 1), box(-3, 10, 9, 13)]
    sites = sites_frame([Point(0, 0), Point(3, -4)], ["s0", "s1"])
    opts = cv.camera_options(
        sites, [CAM_4MP_60, CAM_1080_90], buildings=buildings_frame(blocks), corridors=None
    )
    radius = CAM_4MP_60.ground_range_m
    for option_id, row in opts.iterrows():
        origin = sites.geometry[row["site_id"]]
        vis = cv.visibility_polygon(origin, blocks, radius_m=radius)
        model = CAM_4MP_60 if row["model"] == CAM_4MP_60.model else CAM_1080_90
        expected = cv.footprint(
            origin,
            azimuth_deg=row["azimuth_deg"],
            hfov_deg=row["hfov_deg"],
            range_m=row["range_m"],
            blind_m=cv.blind_zone_m(model),
            visibility=vis,
        )
        assert row.geometry.is_valid
        diff = row.geometry.symmetric_difference(expected).area
        assert diff <= 0.01 * max(expected.area, 1.0), option_id


# ----------------------------------------------------------------------------------------------
# Candidate sites and azimuths


@pytest.fixture
def street() -> dict[str, gpd.GeoDataFrame]:
    """An east-west street with a north-south side street at x=50 and one building."""
    corridors = corridors_frame(
        [
            LineString([(0, 0), (50, 0)]),
            LineString([(50, 0), (100, 0)]),
            LineString([(50, 0), (50, 50)]),
        ],
        score=[1.0, 0.5, 0.2],
        u=[1, 2, 2],
        v=[2, 3, 4],
    )
    buildings = buildings_frame([box(10, 5, 30, 15), box(60, -30, 80, -5)])
    lamps = points_frame(
        [Point(20, -2), Point(51, 1), Point(80, 40), Point(70, 3), Point(70, -20)],
        ["node/1", "node/2", "node/3", "node/4", "node/5"],
        "lamp_id",
    )
    stops = points_frame([Point(72.5, 3), Point(20, -1)], ["st1", "st2"], "stop_id")
    return {"corridors": corridors, "buildings": buildings, "lamps": lamps, "stops": stops}


def test_candidate_sites_sources_mounts_and_costs(street: dict) -> None:
    sites = cv.candidate_sites(
        street["corridors"],
        buildings=street["buildings"],
        lamps=street["lamps"],
        stops=street["stops"],
        config=CoverageConfig(),
        costs=CostsConfig(),
    )
    assert sites.index.name == "site_id"
    assert sites.crs == CRS
    ids = set(sites.index)
    # node/3 is 30 m from every corridor; node/5 is inside a building.
    assert {"lamp-node/1", "lamp-node/2", "lamp-node/4"} <= ids
    assert "lamp-node/3" not in ids
    assert "lamp-node/5" not in ids
    # The junction (1, 2, 4 meet at node 2) lies 1.4 m from lamp node/2: the lamp wins.
    assert not any(i.startswith("junction-") for i in ids)
    # Stop st2 is 1 m from lamp node/1 (merged); st1 is 2.5 m from lamp node/4 (kept, on it).
    assert "stop-st2" not in ids
    assert sites.loc["stop-st1", "mount"] == "lamp_post"
    # Facades: the south wall of b0 faces the street (5 m), the north wall of b1 too.
    b0 = sites.loc["facade-b0-3"]
    assert b0["mount"] == "facade"
    assert b0["facade_normal_deg"] == pytest.approx(180.0)
    assert b0.geometry.equals_exact(Point(20, 4.7), 1e-9)
    facades = sites[sites["source"] == "facade"]
    assert set(facades["facade_normal_deg"].round()) <= {0.0, 180.0, 270.0}
    # Spacing points at each corridor's middle; the one at (75, 0) is a new pole.
    assert sites.loc["spacing-c1-0", "mount"] == "new_pole"
    assert sites.loc["spacing-c1-0"].geometry.equals_exact(Point(75, 0), 1e-9)
    # Site cost: mount + connectivity.
    assert sites.loc["lamp-node/1", "site_cost_sek"] == 17_500 + 10_000
    assert sites.loc["facade-b0-3", "site_cost_sek"] == 10_000 + 10_000
    assert sites.loc["spacing-c1-0", "site_cost_sek"] == 45_000 + 10_000
    # No site inside a building, none closer than 2 m to another.
    inside = street["buildings"].sindex.query(sites.geometry, predicate="within")[0]
    assert len(inside) == 0
    left, right = sites.sindex.query(sites.geometry, predicate="dwithin", distance=2.0)
    assert (left == right).all()


def test_candidate_sites_junctions_sources_and_max_sites(street: dict) -> None:
    only = CoverageConfig(site_sources=["junctions", "spacing"])
    sites = cv.candidate_sites(
        street["corridors"],
        buildings=None,
        lamps=None,
        stops=None,
        config=only,
        costs=CostsConfig(),
    )
    assert set(sites["source"]) == {"junction", "spacing"}
    assert sites.loc["junction-2"].geometry.equals_exact(Point(50, 0), 1e-9)
    assert sites.loc["junction-2", "mount"] == "new_pole"
    capped = cv.candidate_sites(
        street["corridors"],
        buildings=None,
        lamps=None,
        stops=None,
        config=CoverageConfig(site_sources=["spacing"], max_sites=1),
        costs=CostsConfig(),
    )
    assert list(capped.index) == ["spacing-c0-0"]  # next to the best corridor (score 1.0)


def test_candidate_sites_errors(street: dict) -> None:
    with pytest.raises(CRSError, match="geographic"):
        cv.candidate_sites(
            street["corridors"].to_crs(4326),
            buildings=None,
            lamps=None,
            stops=None,
            config=CoverageConfig(),
            costs=CostsConfig(),
        )
    with pytest.raises(ScenarioError, match="new_pole"):
        cv.candidate_sites(
            street["corridors"],
            buildings=None,
            lamps=None,
            stops=None,
            config=CoverageConfig(site_sources=["spacing"]),
            costs=CostsConfig(mount_sek={"facade": 8_000}),
        )
    lamps = street["lamps"].copy()
    lamps.loc["node/1", "geometry"] = None
    with pytest.warns(InputWarning, match="skipped 1 of 5"):
        cv.candidate_sites(
            street["corridors"],
            buildings=None,
            lamps=lamps,
            stops=None,
            config=CoverageConfig(site_sources=["lamps"]),
            costs=CostsConfig(),
        )


def test_azimuths_follow_the_corridors_and_avoid_the_wall(street: dict) -> None:
    sites = sites_frame([Point(25, 0)], ["pole"])
    opts = cv.camera_options(
        sites, [CAM_4MP_60], buildings=None, corridors=street["corridors"], azimuths_per_site=4
    )
    azimuths = set(opts["azimuth_deg"])
    assert {90.0, 270.0} <= azimuths  # aimed both ways along the street
    assert len(azimuths) == 6  # plus four evenly spaced ones, none within 10° of those
    assert (opts["slot_id"] == "pole/bullet-4mp-60").all()
    assert opts.index.is_unique

    facade = sites_frame([Point(20, 4.7)], ["facade-b0-3"], normal=[180.0])
    opts = cv.camera_options(
        facade,
        [CAM_4MP_60, CAM_1080_90],
        buildings=street["buildings"],
        corridors=street["corridors"],
    )
    assert len(opts)
    turn = np.abs((opts["azimuth_deg"] - 180.0 + 180.0) % 360.0 - 180.0)
    assert (turn <= 80.0).all()
    # Looking straight at the wall 0.3 m away: everything lies in the blind zone.
    vis = cv.visibility_polygon(Point(20, 4.7), street["buildings"], radius_m=20)
    for cam in (CAM_4MP_60, CAM_1080_90):
        fp = cv.footprint(
            Point(20, 4.7),
            azimuth_deg=0,
            hfov_deg=cam.hfov_deg,
            range_m=cam.ground_range_m,
            blind_m=cv.blind_zone_m(cam),
            visibility=vis,
        )
        assert fp.area < 1e-6, cam.model


def test_camera_options_are_deterministic(street: dict) -> None:
    sites = sites_frame([Point(25, 0), Point(60, 2)], ["a", "b"])
    kwargs = {"buildings": street["buildings"], "corridors": street["corridors"]}
    one = cv.camera_options(sites, [CAM_4MP_60, CAM_PANO], **kwargs)
    two = cv.camera_options(sites, [CAM_4MP_60, CAM_PANO], **kwargs)
    assert list(one.index) == list(two.index)
    assert one.geometry.geom_equals_exact(two.geometry, 1e-9).all()
    assert set(one.columns) >= {
        c for c in OPTION_COLUMNS if not c.endswith("sek") and "opex" not in c
    }


# ----------------------------------------------------------------------------------------------
# Demand and coverage


def test_demand_weights_sum_to_score_times_length() -> None:
    corridors = corridors_frame(
        [LineString([(0, 0), (50, 0)]), LineString([(0, 10), (12, 10)])], score=[0.4, 2.0]
    )
    demand = cv.demand_points(corridors, step_m=5.0)
    assert list(demand.index[:2]) == ["c0:0", "c0:1"]
    assert (demand["corridor_id"] == "c0").sum() == 10
    assert (demand["corridor_id"] == "c1").sum() == 3
    sums = demand.groupby("corridor_id")["weight"].sum()
    assert sums["c0"] == pytest.approx(0.4 * 50)
    assert sums["c1"] == pytest.approx(2.0 * 12)
    # c1: stretches [0,5], [5,10], [10,12] -> points at 2.5, 7.5 and 11 m, weights 10, 10, 4.
    c1 = demand[demand["corridor_id"] == "c1"]
    assert list(c1["weight"]) == pytest.approx([10.0, 10.0, 4.0])
    assert list(c1.geometry.x) == pytest.approx([2.5, 7.5, 11.0])
    assert set(demand["legal_class"]) == {"general"}
    heavy = cv.demand_points(corridors, step_m=5.0, min_weight=5.0)
    assert list(heavy.index) == ["c1:0", "c1:1"]


def test_coverage_matrix_matches_shapely() -> None:
    rng = np.random.default_rng(7)
    corridors = corridors_frame([LineString([(0, y), (60, y + 5)]) for y in (0.0, 12.0, 25.0)])
    demand = cv.demand_points(corridors, step_m=4.0)
    sites = sites_frame(
        [Point(x, y) for x, y in rng.uniform(0, 40, size=(5, 2))], [f"s{i}" for i in range(5)]
    )
    opts = cv.camera_options(
        sites,
        [CAM_4MP_60, CAM_1080_90, CAM_PANO],
        buildings=buildings_frame([box(20, 14, 30, 20)]),
        corridors=corridors,
    )
    matrix = cv.coverage_matrix(opts, demand)
    assert matrix.shape == (len(opts), len(demand))
    assert matrix.dtype == bool
    expected = shapely.intersects(
        opts.geometry.to_numpy()[:, None], demand.geometry.to_numpy()[None, :]
    )
    assert (matrix.toarray() == expected).all()
    assert matrix.nnz > 0


def test_dominated_options_within_a_slot() -> None:
    rows = [
        [0, 1],  # A, slot 0: a subset of B -> dropped
        [0, 1, 2],  # B, slot 0
        [3],  # C, slot 0: sees something B does not
        [0, 1],  # D, slot 1: same points as A but another slot
        [0, 1],  # E, slot 1: the same as D -> the later one goes
        [5],  # F, slot 2
    ]
    data = np.zeros((6, 6), dtype=bool)
    for i, cols in enumerate(rows):
        data[i, cols] = True
    slots = np.array([0, 0, 0, 1, 1, 2])
    dropped = _dominated(sp.csr_matrix(data), slots)
    assert list(dropped) == [True, False, False, False, True, False]


# ----------------------------------------------------------------------------------------------
# Costs


@pytest.mark.parametrize(
    ("regime", "legal_class", "paperwork", "site_paperwork"),
    [
        # per site: paperwork 16 h × 750 = 12 000 + permit risk 15 000
        ("kbl-2020", "general", True, 27_000),
        ("kbl-2020", "stop_area", False, 27_000),
        # borderline: a permit application with the exemption argument as an annex (kbl-2020),
        # the full 9 § assessment and a 10 § entry (kbl-2025)
        ("kbl-2020", "stop_area_borderline", True, 27_000),
        ("kbl-2025", "general", True, 12_000),
        ("kbl-2025", "stop_area_borderline", True, 12_000),
        ("kbl-2025", "stop_area", False, 12_000),
        ("kbl-2018", "stop_area", True, 27_000),
    ],
)
def test_option_costs_by_hand(
    regime: str, legal_class: str, paperwork: bool, site_paperwork: float
) -> None:
    sites = sites_frame([Point(0, 0)], ["s"], legal=[legal_class])
    options = pd.DataFrame(
        {"site_id": ["s", "s"], "model": [CAM_4MP_60.model] * 2},
        index=pd.Index(["s/bullet-4mp-60/000", "s/bullet-4mp-60/090"], name="option_id"),
    )
    costs = cv.option_costs(
        options,
        sites,
        models=[CAM_4MP_60],
        costs=CostsConfig(),
        budget=BudgetConfig(horizon_years=2),
        regime=regime,
    )
    # camera 9 000 + VMS 2 000; the paperwork is the site's, paid once whatever the cameras
    assert list(costs["capex_sek"]) == [11_000, 11_000]
    assert list(costs["paperwork"]) == [paperwork, paperwork]
    assert cv.site_paperwork_sek(CostsConfig(), regime) == site_paperwork
    assert list(costs["opex_sek_per_year"]) == [3_000, 3_000]
    # Two years of operation; the site's 27 500 is not in the option's cost.
    assert list(costs["cost_sek"]) == [11_000 + 6_000, 11_000 + 6_000]


def test_option_costs_use_the_option_class_by_view() -> None:
    # the site is near a stop, but only the first option films the stop area
    sites = sites_frame([Point(0, 0)], ["s"], legal=["stop_area"])
    options = pd.DataFrame(
        {
            "site_id": ["s", "s", "s"],
            "model": [CAM_4MP_60.model] * 3,
            "legal_class": ["stop_area", "general", None],
        },
        index=pd.Index(["s/a/000", "s/a/090", "s/a/180"], name="option_id"),
    )
    costs = cv.option_costs(
        options,
        sites,
        models=[CAM_4MP_60],
        costs=CostsConfig(),
        budget=BudgetConfig(horizon_years=2),
        regime="kbl-2025",
    )
    assert list(costs["paperwork"]) == [False, True, False]  # None: the site's class


def test_option_costs_unknown_model() -> None:
    sites = sites_frame([Point(0, 0)], ["s"])
    options = pd.DataFrame({"site_id": ["s"], "model": ["nope"]}, index=["s/nope/000"])
    with pytest.raises(InputError, match="nope"):
        cv.option_costs(
            options,
            sites,
            models=[CAM_4MP_60],
            costs=CostsConfig(),
            budget=BudgetConfig(),
            regime="kbl-2025",
        )


# ----------------------------------------------------------------------------------------------
# The placement problem


@pytest.fixture
def town(street: dict) -> dict:
    sites = cv.candidate_sites(
        street["corridors"],
        buildings=street["buildings"],
        lamps=street["lamps"],
        stops=street["stops"],
        config=CoverageConfig(),
        costs=CostsConfig(),
    )
    sites["legal_class"] = np.where(sites.index == "stop-st1", "stop_area", "general")
    sites["legal_reason"] = "test"
    sc = scenario(
        [CAM_4MP_60, CAM_PANO],
        legal={"regime": "kbl-2020", "plan_date": "2022-01-01"},
        costs={"connectivity_opex_sek_per_year": 1_200},
        budget={"horizon_years": 2},
    )
    return {**street, "sites": sites, "scenario": sc}


def test_build_problem_is_valid(town: dict) -> None:
    problem = cv.build_problem(
        town["corridors"], town["sites"], buildings=town["buildings"], scenario=town["scenario"]
    )
    assert isinstance(problem, PlacementProblem)
    opts, sites = problem.options, problem.sites
    assert list(opts.columns[: len(OPTION_COLUMNS)]) == list(OPTION_COLUMNS)
    assert set(SITE_COLUMNS) <= set(sites.columns)
    assert "legal_reason" in sites.columns  # extra site columns are kept
    assert problem.coverage.shape == (len(opts), len(problem.demand))
    # Every option covers something; every site has an option; no option of a slot sees a
    # subset of what another option of the same slot sees.
    dense = problem.coverage.toarray()
    assert dense.any(axis=1).all()
    for _, rows in opts.reset_index().groupby("slot_id").groups.items():
        for i in rows:
            for j in rows:
                assert i == j or not (dense[i] <= dense[j]).all()
    assert set(sites.index) == set(opts["site_id"])
    # Option legal class and area are its site's; costs follow the regime.
    assert (
        opts["legal_class"].to_numpy() == sites.loc[opts["site_id"], "legal_class"].to_numpy()
    ).all()
    stop = opts[opts["site_id"] == "stop-st1"]
    assert len(stop)
    assert (stop.loc[stop["model"] == CAM_4MP_60.model, "capex_sek"] == 11_000).all()
    assert not stop["paperwork"].any()
    general = opts[(opts["legal_class"] == "general") & (opts["model"] == CAM_4MP_60.model)]
    assert (general["capex_sek"] == 11_000).all()
    assert general["paperwork"].all()
    assert (general["cost_sek"] == 11_000 + 2 * 3_000).all()
    # kbl-2020: paperwork 12 000 and permit risk 15 000, once per site
    assert (sites["paperwork_sek"] == 27_000).all()
    # Site cost is shared, once per site: mount + connectivity + 2 years of connectivity opex.
    assert sites.loc["lamp-node/1", "site_cost_sek"] == 17_500 + 10_000 + 2 * 1_200
    assert problem.weights.sum() == pytest.approx((town["corridors"]["score"] * 50).sum())
    assert not problem.fixed
    assert not problem.excluded


def test_build_problem_fixed_and_excluded(town: dict) -> None:
    installed = gpd.GeoDataFrame(
        {
            "model": [CAM_4MP_60.model, CAM_PANO.model],
            "azimuth_deg": [90.0, np.nan],
            "mount": ["facade", None],
        },
        geometry=[Point(40, -1), Point(70, -20)],  # cam2 stands inside building b1
        crs=CRS,
        index=pd.Index(["cam1", "cam2"], name="camera_id"),
    )
    zone = gpd.GeoDataFrame(geometry=[box(15, -5, 45, 5)], crs=CRS)
    with pytest.warns(InputWarning, match="inside a building"):
        problem = cv.build_problem(
            town["corridors"],
            town["sites"],
            buildings=town["buildings"],
            scenario=town["scenario"],
            installed=installed,
            exclusion=zone,
        )
    fixed_id = "installed-cam1/bullet-4mp-60/090"
    blind_id = "installed-cam2/pano-12mp/360"
    assert problem.fixed == frozenset({fixed_id, blind_id})  # kept even though it sees nothing
    assert problem.options.loc[blind_id].geometry.is_empty
    assert problem.sites.loc["installed-cam1", "source"] == "installed"
    assert problem.sites.loc["installed-cam1", "mount"] == "facade"
    assert problem.sites.loc["installed-cam2", "mount"] == "new_pole"  # blank -> default
    assert problem.sites.loc["installed-cam1", "site_cost_sek"] == 0
    assert problem.options.loc[fixed_id, "cost_sek"] == 0
    assert problem.options.loc[fixed_id, "legal_class"] == "general"  # from the nearest corridor
    assert fixed_id not in problem.excluded  # installed cameras are never excluded
    # The zone holds lamp node/1 (20, -2), the spacing pole (25, 0) and b0's facade (20, 4.7).
    in_zone = {"lamp-node/1", "spacing-c0-0", "facade-b0-3"}
    assert in_zone <= set(problem.sites.index)
    expected = set(problem.options.index[problem.options["site_id"].isin(in_zone)])
    assert problem.excluded == frozenset(expected)

    bad = installed.assign(model="unknown-cam")
    with pytest.raises(InputError, match="unknown-cam"):
        cv.build_problem(
            town["corridors"],
            town["sites"],
            buildings=None,
            scenario=town["scenario"],
            installed=bad,
        )


def test_build_problem_needs_legal_class(town: dict) -> None:
    with pytest.raises(InputError, match="legal_class"):
        cv.build_problem(
            town["corridors"],
            town["sites"].drop(columns="legal_class"),
            buildings=None,
            scenario=town["scenario"],
        )


def test_package_face_keeps_every_public_name():
    names = {
        "SOURCE_PRIORITY",
        "N_RAYS",
        "HEAD_HEIGHT_M",
        "blind_zone_m",
        "build_problem",
        "camera_options",
        "candidate_sites",
        "coverage_matrix",
        "demand_points",
        "footprint",
        "option_costs",
        "visibility_polygon",
    }
    assert names <= set(cv.__all__)
    assert all(callable(getattr(cv, n)) or n.isupper() for n in cv.__all__)


def test_build_problem_classes_options_by_view_and_masks(town: dict) -> None:
    # a 25 m stop area around st1 (72.5, 3); options take the class of what they film
    area = gpd.GeoDataFrame(
        {"stop_name": ["St1"]},
        geometry=[Point(72.5, 3).buffer(25, quad_segs=16)],
        index=pd.Index(["st1"], name="station_id"),
        crs=CRS,
    )
    sc = scenario(
        [CAM_4MP_60, CAM_PANO],
        legal={"plan_date": "2026-01-15", "mask_views": True},
        budget={"horizon_years": 2},
    )
    problem = cv.build_problem(
        town["corridors"],
        town["sites"],
        buildings=town["buildings"],
        scenario=sc,
        stop_areas=area,
    )
    opts = problem.options
    inside = opts.geometry.intersection(area.geometry.iloc[0]).area
    share = inside / opts.geometry.area
    exempt = opts["legal_class"] == "stop_area"
    assert exempt.any()
    assert (share[exempt] >= 1 - 1e-9).all()
    assert (opts.loc[~exempt & (share > 0), "legal_class"] == "stop_area_borderline").all()
    assert (opts.loc[share == 0, "legal_class"] == "general").all()
    assert (opts["legal_class"] == "stop_area_borderline").any()
    # masked twins: the view clipped to the area, exempt, with the view share they give up
    masked = opts[opts.index.str.endswith("/mask")]
    assert len(masked)
    assert (masked["legal_class"] == "stop_area").all()
    assert ((masked["mask_lost_share"] > 0) & (masked["mask_lost_share"] < 1)).all()
    assert (opts.loc[~opts.index.str.endswith("/mask"), "mask_lost_share"] == 0).all()
    # exempt options need no paperwork; the others their site's (12 000 per site)
    assert not opts.loc[exempt, "paperwork"].any()
    assert opts.loc[~exempt, "paperwork"].all()
    assert set(opts.loc[opts["model"] == CAM_4MP_60.model, "capex_sek"]) == {11_000}
    assert (problem.sites["paperwork_sek"] == 12_000).all()
