"""Legal classification: regimes, stop areas, stråk, purposes and candidate sites."""

from __future__ import annotations

import datetime as dt
import itertools

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, Point

from siteplan import legal
from siteplan.config import LegalConfig
from siteplan.corridors import build_corridors, corridor_graph
from siteplan.errors import CRSError, InputError, InputWarning
from siteplan.legal.classify import _decide
from siteplan.legal.stop_areas import nearest_stops

X0, Y0 = 500_000.0, 6_470_000.0
D2018, D2020, D2025 = dt.date(2019, 6, 1), dt.date(2022, 1, 1), dt.date(2025, 6, 1)


def xy(x: float, y: float) -> tuple[float, float]:
    return (X0 + x, Y0 + y)


def make_corridors(streets: list[tuple[int, int, list[tuple[float, float]]]]) -> gpd.GeoDataFrame:
    geoms = [LineString([xy(*p) for p in pts]) for _, _, pts in streets]
    edges = gpd.GeoDataFrame(
        {
            "u": [s[0] for s in streets],
            "v": [s[1] for s in streets],
            "key": 0,
            "osmid": 0,
            "highway": "footway",
            "name": None,
            "length_m": [g.length for g in geoms],
        },
        geometry=geoms,
        index=pd.Index([f"e{s[0]}-{s[1]}" for s in streets], name="edge_id"),
        crs="EPSG:3006",
    )
    return build_corridors(edges, max_length_m=50)


def make_stops(rows: list[tuple[str, str, str, tuple[str, ...], tuple[float, float]]]):
    """rows: (stop_id, stop_name, station_id, route_ids, (x, y))."""
    return gpd.GeoDataFrame(
        {
            "stop_name": [r[1] for r in rows],
            "station_id": [r[2] for r in rows],
            "route_ids": [r[3] for r in rows],
            "departures_per_hour": 4.0,
            "night_departures_per_hour": 1.0,
        },
        geometry=[Point(xy(*r[4])) for r in rows],
        index=pd.Index([r[0] for r in rows], name="stop_id"),
        crs="EPSG:3006",
    )


def cfg(**kwargs) -> LegalConfig:
    kwargs.setdefault("plan_date", D2025)
    return LegalConfig(**kwargs)


# --- a stop with streets 10 m and 80 m away -----------------------------------------------------


@pytest.fixture
def near_far() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    corridors = make_corridors([(1, 2, [(-20, 10), (20, 10)]), (3, 4, [(-20, 80), (20, 80)])])
    stops = make_stops([("S1", "Trädgårdstorget", "S1", ("1",), (0, 0))])
    return corridors, stops


def test_stop_area_within_radius_general_outside(near_far):
    corridors, stops = near_far
    out = legal.classify(corridors, stops, config=cfg(stop_area_radius_m=25))
    near, far = out.loc["c-1-2-0-000"], out.loc["c-3-4-0-000"]
    assert near["legal_class"] == "stop_area"
    assert near["legal_stop_id"] == "S1"
    assert near["legal_distance_m"] == pytest.approx(10.0)
    assert bool(near["legal_assumption"]) is True
    assert "Trädgårdstorget (S1)" in near["legal_reason"]
    assert "10 m" in near["legal_reason"]
    assert "Antagande, inte lag: radie 25 m (legal.stop_area_radius_m)" in near["legal_reason"]
    assert "KBL 11 § 5 b (SFS 2025:220)" in near["legal_reason"]
    assert far["legal_class"] == "general"
    assert far["legal_distance_m"] == pytest.approx(80.0)
    assert "80 m" in far["legal_reason"]
    assert bool(far["legal_assumption"]) is False
    # the input is not modified and keeps its index
    assert "legal_class" not in corridors.columns
    assert list(out.index) == list(corridors.index)


def test_a_larger_radius_changes_the_class(near_far):
    corridors, stops = near_far
    out = legal.classify(corridors, stops, config=cfg(stop_area_radius_m=100))
    assert out.loc["c-3-4-0-000", "legal_class"] == "stop_area"
    assert "radie 100 m" in out.loc["c-3-4-0-000", "legal_reason"]


@pytest.mark.parametrize(
    ("plan_date", "regime", "near_class", "near_words", "far_words", "ref"),
    [
        (
            D2018,
            "kbl-2018",
            "general",
            "Tillstånd krävs (undantaget för kollektivtrafik infördes 2020-08-01)",
            "Tillstånd krävs",
            "KBL 7 § (SFS 2018:1200, ursprunglig lydelse)",
        ),
        (
            D2020,
            "kbl-2020",
            "stop_area",
            "Undantag från tillståndsplikt",
            "Tillstånd krävs",
            "KBL 9 § i lydelse enligt SFS 2020:519",
        ),
        (
            D2025,
            "kbl-2025",
            "stop_area",
            "Undantag från 8–10 §§ (11 § 5 b)",
            "Dokumenterad intresseavvägning (8–9 §§) och förteckning (10 §) krävs",
            "KBL 11 § 5 b (SFS 2025:220)",
        ),
    ],
)
def test_same_segment_under_each_regime(
    near_far, plan_date, regime, near_class, near_words, far_words, ref
):
    corridors, stops = near_far
    config = cfg(plan_date=plan_date)
    assert legal.regime_for(config) == regime == config.effective_regime
    out = legal.classify(corridors, stops, config=config)
    near, far = out.loc["c-1-2-0-000"], out.loc["c-3-4-0-000"]
    assert near["legal_class"] == near_class
    assert near["legal_wording"] == near_words == legal.wording(regime, "stop_area")
    assert far["legal_class"] == "general"
    assert far["legal_wording"] == far_words == legal.wording(regime, "general")
    assert ref in near["legal_reason"]
    if regime == "kbl-2018":
        assert "fanns ännu inte" in near["legal_reason"]
        assert "fanns ännu inte" in far["legal_reason"]
        assert "Trädgårdstorget (S1)" in near["legal_reason"]  # still detected
        assert near["legal_stop_id"] == "S1"
        assert not out["legal_assumption"].any()


def test_explicit_regime_overrides_plan_date(near_far):
    corridors, stops = near_far
    config = cfg(plan_date=D2018, regime="kbl-2025", historical=True)
    assert legal.regime_for(config) == "kbl-2025"
    out = legal.classify(corridors, stops, config=config)
    assert out.loc["c-1-2-0-000", "legal_wording"] == "Undantag från 8–10 §§ (11 § 5 b)"


def test_regime_table_dates_follow_each_other():
    infos = list(legal.REGIMES.values())
    for before, after in itertools.pairwise(infos):
        assert before.in_force_to + dt.timedelta(days=1) == after.in_force_from
    assert legal.regime_for(cfg(plan_date=dt.date(2020, 7, 31))) == "kbl-2018"
    assert legal.regime_for(cfg(plan_date=dt.date(2025, 4, 1))) == "kbl-2025"
    with pytest.raises(KeyError, match="known"):
        legal.wording("kbl-1999", "general")
    with pytest.raises(KeyError, match="known"):
        legal.wording("kbl-2025", "exempt")


def test_trygghet_alone_gives_general_everywhere(near_far):
    corridors, stops = near_far
    out = legal.classify(corridors, stops, config=cfg(purposes=["trygghet"]))
    assert (out["legal_class"] == "general").all()
    reason = "Syftet trygghet ensamt omfattas inte av undantaget i KBL 11 § 5 b"
    assert out["legal_reason"].str.contains(reason).all()
    assert (out["legal_wording"] == legal.wording("kbl-2025", "general")).all()
    # a listed purpose next to trygghet restores the exemption
    both = legal.classify(corridors, stops, config=cfg(purposes=["trygghet", "crime"]))
    assert both.loc["c-1-2-0-000", "legal_class"] == "stop_area"


def test_any_platform_of_a_station_counts():
    corridors = make_corridors([(1, 2, [(0, 200), (40, 200)]), (3, 4, [(0, 0), (40, 0)])])
    stops = make_stops(
        [
            ("P1", "Resecentrum", "RC", ("1",), (20, -5)),
            ("P2", "Resecentrum", "RC", ("2",), (20, 212)),
        ]
    )
    out = legal.classify(corridors, stops, config=cfg())
    row = out.loc["c-1-2-0-000"]
    assert row["legal_class"] == "stop_area"
    assert row["legal_stop_id"] == "RC"
    assert row["legal_distance_m"] == pytest.approx(12.0)
    assert "Resecentrum (RC, läge P2)" in row["legal_reason"]


# --- stråk --------------------------------------------------------------------------------------
# Street 1 runs x = 0..1000 (20 corridors of 50 m, ids c-1-2-0-000..019). Stops A (x = 60) and
# B (x = 360) stand 5 m off it: a 310 m walk. Street 2 (far away) has C and D 600 m apart.
# Corridors 2..5 (x = 100..300) are on the A-B walk but more than 25 m from both stops.

BETWEEN = [f"c-1-2-0-{k:03d}" for k in (2, 3, 4, 5)]


def strak_network(route_b: tuple[str, ...] = ("2",), station_b: str = "B"):
    corridors = make_corridors([(1, 2, [(0, 0), (1000, 0)]), (3, 4, [(0, 2000), (1000, 2000)])])
    stops = make_stops(
        [
            ("A", "Stopp A", "A", ("1",), (60, 5)),
            ("B", "Stopp B", station_b, route_b, (360, 5)),
            ("C", "Stopp C", "C", ("3",), (100, 2005)),
            ("D", "Stopp D", "D", ("4",), (700, 2005)),
        ]
    )
    return corridors, stops


def test_find_strak_pairs_within_walk_on_different_routes():
    corridors, stops = strak_network()
    strak = legal.find_strak(corridors, stops, max_walk_m=400)
    assert list(strak.columns) == list(legal.STRAK_COLUMNS)
    assert len(strak) == 1  # C-D is a 610 m walk
    row = strak.iloc[0]
    assert (row["stop_a"], row["stop_b"]) == ("A", "B")
    assert row["walk_m"] == pytest.approx(310.0)
    assert row["corridor_ids"] == tuple(f"c-1-2-0-{k:03d}" for k in range(1, 8))
    longer = legal.find_strak(corridors, stops, max_walk_m=700)
    assert list(zip(longer["stop_a"], longer["stop_b"], strict=True)) == [("A", "B"), ("C", "D")]
    assert longer["walk_m"].iloc[1] == pytest.approx(610.0)


def test_strak_is_borderline_and_the_long_pair_is_not():
    corridors, stops = strak_network()
    out = legal.classify(corridors, stops, config=cfg(strak_max_walk_m=400))
    assert (out.loc[BETWEEN, "legal_class"] == "stop_area_borderline").all()
    row = out.loc["c-1-2-0-003"]
    assert "Stopp A (A)" in row["legal_reason"]
    assert "Stopp B (B)" in row["legal_reason"]
    assert "310 m" in row["legal_reason"]
    assert "legal.strak_max_walk_m" in row["legal_reason"]
    assert row["legal_stop_id"] == "A|B"
    assert row["legal_distance_m"] == pytest.approx(310.0)
    assert row["legal_wording"] == legal.wording("kbl-2025", "stop_area_borderline")
    assert "9 § bedömning och 10 § förteckning" in row["legal_wording"]
    assert "juridisk granskning rekommenderas" in row["legal_wording"]
    # near the stops: stop_area; past B: general
    for cid in ("c-1-2-0-000", "c-1-2-0-001", "c-1-2-0-006", "c-1-2-0-007"):
        assert out.loc[cid, "legal_class"] == "stop_area", cid
    assert out.loc["c-1-2-0-008", "legal_class"] == "general"
    # C and D (600 m apart): only their own surroundings are stop areas
    street2 = out[out.index.str.startswith("c-3-4-0-")]
    assert set(street2["legal_class"]) == {"stop_area", "general"}
    assert street2.loc["c-3-4-0-008", "legal_class"] == "general"  # x = 400..450, between C, D


def test_same_route_or_same_station_is_not_a_strak():
    for corridors, stops in (strak_network(route_b=("1",)), strak_network(station_b="A")):
        assert legal.find_strak(corridors, stops, max_walk_m=400).empty
        out = legal.classify(corridors, stops, config=cfg())
        assert (out.loc[BETWEEN, "legal_class"] == "general").all()


def test_stops_served_by_overlapping_but_different_routes_form_a_strak():
    corridors, stops = strak_network(route_b=("1", "2"))
    assert len(legal.find_strak(corridors, stops, max_walk_m=400)) == 1


@pytest.mark.parametrize(
    ("policy", "expected", "words"),
    [
        ("exempt", "stop_area", "Undantag från 8–10 §§ (11 § 5 b)"),
        (
            "general",
            "general",
            "Dokumenterad intresseavvägning (8–9 §§) och förteckning (10 §) krävs",
        ),
    ],
)
def test_strak_policy_variants(policy, expected, words):
    corridors, stops = strak_network()
    out = legal.classify(corridors, stops, config=cfg(strak_policy=policy))
    rows = out.loc[BETWEEN]
    assert (rows["legal_class"] == expected).all()
    assert (rows["legal_wording"] == words).all()
    assert rows["legal_reason"].str.contains("Stopp A").all()
    assert rows["legal_reason"].str.contains(f"legal.strak_policy = {policy}").all()
    assert (rows["legal_stop_id"] == "A|B").all()


def test_strak_under_kbl2020_wording():
    corridors, stops = strak_network()
    out = legal.classify(corridors, stops, config=cfg(plan_date=D2020))
    assert "KBL 9 § i lydelse enligt SFS 2020:519" in out.loc["c-1-2-0-003", "legal_reason"]
    assert out.loc["c-1-2-0-008", "legal_wording"] == "Tillstånd krävs"


def test_classification_is_deterministic_and_uses_a_given_graph():
    corridors, stops = strak_network()
    first = legal.classify(corridors, stops, config=cfg())
    shuffled_stops = stops.sample(frac=1.0, random_state=3)
    shuffled_corr = corridors.sample(frac=1.0, random_state=4)
    again = legal.classify(
        shuffled_corr, shuffled_stops, config=cfg(), graph=corridor_graph(corridors)
    )
    pd.testing.assert_frame_equal(
        pd.DataFrame(again.loc[first.index].drop(columns="geometry")),
        pd.DataFrame(first.drop(columns="geometry")),
    )


def test_stop_far_from_network_warns_and_is_left_out():
    corridors, stops = strak_network()
    far = make_stops([("Z", "Ödemark", "Z", ("9",), (5000, 5000))])
    with pytest.warns(InputWarning, match=r"1 of 5 stop\(s\).*'Z'"):
        strak = legal.find_strak(corridors, pd.concat([stops, far]), max_walk_m=400)
    assert len(strak) == 1


def test_no_stops_means_general(near_far):
    corridors, stops = near_far
    out = legal.classify(corridors, stops.iloc[:0], config=cfg())
    assert (out["legal_class"] == "general").all()
    assert out["legal_stop_id"].isna().all()
    assert np.isnan(out["legal_distance_m"]).all()


def test_input_validation(near_far):
    corridors, stops = near_far
    with pytest.raises(InputError, match=r"route_ids"):
        legal.classify(corridors, stops.drop(columns="route_ids"), config=cfg())
    with pytest.raises(CRSError, match="different CRSs"):
        legal.classify(corridors, stops.to_crs(3857), config=cfg())
    with pytest.raises(InputError, match="classify"):
        legal.classify_points(stops, stops, corridors, config=cfg())


# --- candidate sites ----------------------------------------------------------------------------


def test_classify_points_uses_stop_then_corridor_then_general():
    corridors, stops = strak_network()
    config = cfg()
    classified = legal.classify(corridors, stops, config=config)
    sites = gpd.GeoDataFrame(
        geometry=[Point(xy(60, 20)), Point(xy(200, 8)), Point(xy(600, 1000))],
        index=pd.Index(["at-stop", "on-strak", "nowhere"], name="site_id"),
        crs="EPSG:3006",
    )
    out = legal.classify_points(sites, stops, classified, config=config, snap_m=15)
    assert out.loc["at-stop", "legal_class"] == "stop_area"
    assert out.loc["at-stop", "legal_distance_m"] == pytest.approx(15.0)
    assert "15 m" in out.loc["at-stop", "legal_reason"]
    assert out.loc["on-strak", "legal_class"] == "stop_area_borderline"
    assert out.loc["on-strak", "legal_reason"].startswith("Närmaste korridor c-1-2-0-003 (8 m)")
    assert out.loc["on-strak", "legal_stop_id"] == "A|B"
    assert out.loc["nowhere", "legal_class"] == "general"
    assert out.loc["nowhere", "legal_wording"] == legal.wording("kbl-2025", "general")

    old = cfg(plan_date=D2018)
    old_out = legal.classify_points(
        sites, stops, legal.classify(corridors, stops, config=old), config=old
    )
    assert (old_out["legal_class"] == "general").all()
    assert old_out.loc["at-stop", "legal_wording"] == legal.wording("kbl-2018", "stop_area")


# --- the decision as a typed record --------------------------------------------------------------


def test_decision_is_a_named_record_of_the_legal_columns(near_far):
    corridors, stops = near_far
    config = cfg(stop_area_radius_m=25)
    assert (
        [f"legal_{f}" if f != "legal_class" else f for f in legal.Decision._fields]
        == [
            "legal_class",
            "legal_wording",
            "legal_reason",
            "legal_stop_id",
            "legal_distance_m",
            "legal_assumption",
        ]
        == list(legal.LEGAL_COLUMNS)
    )
    near = nearest_stops(corridors.geometry, stops.sort_index())
    row = next(near.itertuples(index=False))
    decision = _decide(row, None, config=config, regime="kbl-2025", subject="segmentet")
    assert isinstance(decision, legal.Decision)
    assert decision.legal_class == "stop_area"
    assert decision.stop_id == "S1"
    assert decision.distance_m == pytest.approx(10.0)
    assert decision.assumption is True
    out = legal.classify(corridors, stops, config=config)
    first = out.iloc[0]
    assert tuple(first[c] for c in legal.LEGAL_COLUMNS) == tuple(decision)
