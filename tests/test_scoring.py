"""Tests of siteplan.scoring and siteplan.io.raster on hand-built layers (EPSG:3006)."""

from __future__ import annotations

import datetime as dt
import math

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import rasterio
from affine import Affine
from shapely.geometry import LineString, Point, box

from siteplan import scoring
from siteplan.config import ScoringConfig
from siteplan.errors import CRSError, InputError, InputWarning
from siteplan.io.raster import write_geotiff

CRS = "EPSG:3006"
TZ = "Europe/Stockholm"
X0, Y0 = 535_000.0, 6_475_000.0  # somewhere in Linköping, SWEREF 99 TM


def corridors_from(segments: dict[str, tuple[tuple, tuple]], *, areas=None, nodes=None):
    """Corridors from {id: ((x0, y0), (x1, y1))} in local metres (offset to X0, Y0)."""
    geoms = [
        LineString([(X0 + a[0], Y0 + a[1]), (X0 + b[0], Y0 + b[1])]) for a, b in segments.values()
    ]
    ids = list(segments)
    frame = gpd.GeoDataFrame(
        {
            "length_m": [g.length for g in geoms],
            "name": [f"gata {i}" for i in ids],
            "highway": "footway",
            "area": [None] * len(ids) if areas is None else areas,
            "u": [n[0] for n in nodes] if nodes else range(len(ids)),
            "v": [n[1] for n in nodes] if nodes else range(100, 100 + len(ids)),
        },
        geometry=geoms,
        index=pd.Index(ids, name="corridor_id"),
        crs=CRS,
    )
    return frame


def incidents_from(rows: list[tuple]) -> gpd.GeoDataFrame:
    """Incidents from (id, 'YYYY-mm-dd HH:MM', category, area, (x, y) | None), local metres."""
    return gpd.GeoDataFrame(
        {
            "occurred_at": pd.to_datetime([r[1] for r in rows]).tz_localize(TZ),
            "category": [r[2] for r in rows],
            "area": [r[3] for r in rows],
        },
        geometry=[None if r[4] is None else Point(X0 + r[4][0], Y0 + r[4][1]) for r in rows],
        index=pd.Index([r[0] for r in rows], name="incident_id"),
        crs=CRS,
    )


def stops_from(rows: list[tuple]) -> gpd.GeoDataFrame:
    """Stops from (id, departures_per_hour, (x, y)), local metres."""
    return gpd.GeoDataFrame(
        {
            "stop_name": [r[0] for r in rows],
            "departures_per_hour": [float(r[1]) for r in rows],
            "night_departures_per_hour": 0.0,
            "route_ids": [("1",)] * len(rows),
        },
        geometry=[Point(X0 + r[2][0], Y0 + r[2][1]) for r in rows],
        index=pd.Index([r[0] for r in rows], name="stop_id"),
        crs=CRS,
    )


def no_stops() -> gpd.GeoDataFrame:
    return stops_from([]).set_crs(CRS, allow_override=True)


def gauss(d2: np.ndarray, h: float) -> np.ndarray:
    return np.exp(-d2 / (2 * h * h)) / (2 * math.pi * h * h)


# ---------------------------------------------------------------- a small synthetic town


def grid_town(seed: int = 0):
    """A 1 km grid of 50 m segments, 3 lasting hotspots plus background, over two years."""
    rng = np.random.default_rng(seed)
    segs, nodes = {}, []
    step, n = 50.0, 20
    for i in range(n + 1):
        for j in range(n):
            segs[f"h{i:02d}{j:02d}"] = ((j * step, i * step), ((j + 1) * step, i * step))
            nodes.append((i * 100 + j, i * 100 + j + 1))
            segs[f"v{i:02d}{j:02d}"] = ((i * step, j * step), (i * step, (j + 1) * step))
            nodes.append((j * 100 + i, (j + 1) * 100 + i))
    area = ["City" if (a[0] < 500 and a[1] < 500) else None for a, _ in segs.values()]
    corridors = corridors_from(segs, areas=area, nodes=nodes)
    hotspots = np.array([[250.0, 250.0], [700.0, 600.0], [400.0, 850.0]])
    start = pd.Timestamp("2023-01-01")
    rows = []
    for k in range(900):
        if k % 3 == 0:  # background: anywhere on the network
            line = corridors.geometry.iloc[rng.integers(len(corridors))]
            p = line.interpolate(rng.uniform(0, line.length))
            xy = (p.x - X0, p.y - Y0)
        else:  # hotspot: near a junction, snapped to the nearest street line
            c = hotspots[k % 3] + rng.normal(0, 40, 2)
            xy = (
                (c[0], round(c[1] / step) * step)
                if rng.random() < 0.5
                else (round(c[0] / step) * step, c[1])
            )
        when = start + pd.Timedelta(minutes=int(rng.integers(0, 2 * 365 * 24 * 60)))
        rows.append((f"i{k:04d}", when.strftime("%Y-%m-%d %H:%M"), "Misshandel", None, xy))
    rows += [(f"a{k}", "2024-06-01 23:00", "Rån", "City", None) for k in range(10)]
    incidents = incidents_from(rows)
    stops = stops_from([("s1", 20, (250, 260)), ("s2", 6, (800, 100))])
    return corridors, incidents, stops


@pytest.fixture(scope="module")
def town():
    return grid_town()


# ---------------------------------------------------------------- incident weights


def test_incident_weights_hand_values():
    hours = [1.0] * 24
    hours[22] = 2.0
    config = ScoringConfig(
        severity={"Rån": 5.0}, default_severity=1.0, hour_weights=hours, half_life_days=10.0
    )
    inc = incidents_from(
        [
            ("latest", "2024-01-11 22:30", "Rån", None, (0, 0)),  # 5 × 2 × 1
            ("ten_days", "2024-01-01 22:30", "Stöld", None, (0, 0)),  # 1 × 2 × 0.5
            ("twenty_days", "2023-12-22 22:30", "Stöld", None, (0, 0)),  # 1 × 2 × 0.25
            ("noon", "2024-01-11 12:30", "Stöld", None, (0, 0)),  # 1 × 1 × 0.5^(10 h / 10 d)
        ]
    )
    w = scoring.incident_weights(inc, config=config)
    expected = {"latest": 10.0, "ten_days": 1.0, "twenty_days": 0.5, "noon": 0.5 ** (10 / 240)}
    assert w.to_dict() == pytest.approx(expected)

    later = pd.Timestamp("2024-01-21 22:30", tz=TZ)  # everything ten days older
    w2 = scoring.incident_weights(inc, config=config, reference_time=later)
    assert w2.to_numpy() == pytest.approx([5.0, 0.5, 0.25, 0.5 ** (250 / 240)])

    flat = scoring.incident_weights(inc, config=config.model_copy(update={"half_life_days": None}))
    assert flat.to_numpy() == pytest.approx([10.0, 2.0, 2.0, 1.0])


def test_incident_weights_without_time_warn_and_use_the_mean_hour_weight():
    inc = incidents_from([("a", "2024-01-01 12:00", "Rån", None, (0, 0))])
    inc = pd.concat([inc, inc.rename(index={"a": "b"})])
    inc.loc["b", "occurred_at"] = pd.NaT
    config = ScoringConfig()
    with pytest.warns(InputWarning, match="1 of 2 row.*mean hour weight"):
        w = scoring.incident_weights(inc, config=config)
    # Time unknown (`time = "none"`): the mean hour weight, no recency decay.
    assert w["b"] == pytest.approx(5.0 * np.mean(config.hour_weights))
    assert w["a"] == pytest.approx(5.0)  # Rån, hour weight 1 at noon, age 0


# ---------------------------------------------------------------- kde


def test_kde_intensity_equals_brute_force_gaussian_sum():
    corr = corridors_from({"A": ((0, 0), (10, 0)), "B": ((100, 0), (100, 15))})
    inc = incidents_from(
        [
            ("p1", "2024-01-01 12:00", "Rån", None, (0, 5)),
            ("p2", "2024-01-01 12:00", "Rån", None, (20, 0)),
            ("p3", "2024-01-01 12:00", "Rån", None, (100, 30)),
            ("area_only", "2024-01-01 12:00", "Rån", "City", None),  # ignored: no point
        ]
    )
    weights = pd.Series([1.0, 2.0, 0.5, 7.0], index=inc.index)
    h = 10.0
    got = scoring.kde_intensity(corr, inc, bandwidth_m=h, weights=weights, step_m=5.0)

    # Sample points: centres of ceil(L / 5) equal pieces:
    # A at x = 2.5, 7.5; B at y = 2.5, 7.5, 12.5.
    pts = {"A": [(2.5, 0), (7.5, 0)], "B": [(100, 2.5), (100, 7.5), (100, 12.5)]}
    src = np.array([(0, 5), (20, 0), (100, 30)], dtype=float)
    w = np.array([1.0, 2.0, 0.5])
    for cid, samples in pts.items():
        dens = [(w * gauss(((src - s) ** 2).sum(axis=1), h)).sum() for s in np.array(samples)]
        assert got[cid] == pytest.approx(np.mean(dens), rel=1e-5)
    assert got.name == "kde_intensity"
    assert list(got.index) == ["A", "B"]


def test_incident_rate_shrinks_counts_to_the_density_prior():
    corr = corridors_from({"A": ((0, 0), (10, 0)), "B": ((100, 0), (130, 0))})
    inc = incidents_from(
        [
            ("a1", "2024-01-01 12:00", "Hot", None, (2, 3)),
            ("a2", "2024-01-01 12:00", "Hot", None, (8, -1)),
            ("b1", "2024-01-01 12:00", "Hot", None, (120, 0)),
            ("far", "2024-01-01 12:00", "Hot", None, (60, 200)),  # > 25 m from both: not counted
        ]
    )
    kde = pd.Series({"A": 0.01, "B": 0.03})
    # Counts n = (2, 1); exposure sum(kde · L) = 0.1 + 0.9 = 1, so the prior m = kde · 3 / 1.
    got = scoring.incident_rate(corr, inc, kde=kde, prior_strength_m=20.0)
    assert isinstance(got, scoring.IncidentRate)
    assert got.rate.name == "incident_rate"
    assert got.rate.index.equals(corr.index)
    assert got.rate["A"] == pytest.approx((2 + 20 * 0.03) / (10 + 20))
    assert got.rate["B"] == pytest.approx((1 + 20 * 0.09) / (30 + 20))
    assert got.prior_strength_m == 20.0
    assert got.rate.attrs == {}

    # Method of moments: m·L = (0.3, 2.7); sum (n - mL)² = 2 × 1.7² = 5.78; Poisson part
    # rho · sum(mL) = 1 × 3; sum L² m = 100 × 0.03 + 900 × 0.09 = 84 -> k = 84 / 2.78.
    est = scoring.incident_rate(corr, inc, kde=kde)
    k = 84 / (5.78 - 3)
    assert est.prior_strength_m == pytest.approx(k)
    assert est.rate["A"] == pytest.approx((2 + k * 0.03) / (10 + k))

    # Counts exactly as the prior expects (no extra spread): k is at its cap, the prior decides.
    flat = scoring.incident_rate(corr, inc, kde=pd.Series({"A": 2 / 30, "B": 1 / 90}))
    assert flat.prior_strength_m == 10_000.0
    assert flat.rate["A"] == pytest.approx(0.2, rel=1e-3)

    # Nothing on the network: rate 0 and no prior strength.
    none = scoring.incident_rate(corr, inc.loc[["far"]], kde=kde)
    assert (none.rate == 0).all()
    assert math.isnan(none.prior_strength_m)


def test_choose_bandwidth_picks_the_plausible_candidate():
    rng = np.random.default_rng(1)
    xy = rng.normal(0, 100, size=(400, 2))  # Silverman's rule: 100 · 400^(-1/6) ≈ 37 m
    inc = gpd.GeoDataFrame(geometry=gpd.points_from_xy(X0 + xy[:, 0], Y0 + xy[:, 1]), crs=CRS)
    chosen = scoring.choose_bandwidth(inc, candidates_m=[2.0, 35.0, 800.0], seed=0)
    assert chosen == 35.0
    again = scoring.choose_bandwidth(inc, candidates_m=[2.0, 35.0, 800.0], seed=0, max_points=150)
    assert again == 35.0


# ---------------------------------------------------------------- area-level incidents


def test_area_incidents_spread_by_length():
    corr = corridors_from(
        {
            "c1": ((0, 0), (10, 0)),
            "c2": ((10, 0), (40, 0)),
            "c3": ((0, 100), (20, 100)),
            "c4": ((0, 200), (40, 200)),
        },
        areas=["City", "City", "Ryd", None],
    )
    inc = incidents_from(
        [
            ("a1", "2024-01-01 12:00", "Hot", "City", None),
            ("a2", "2024-01-02 12:00", "Hot", "City", None),
            ("a3", "2024-01-03 12:00", "Hot", "Ryd", None),
            ("point", "2024-01-03 12:00", "Hot", "City", (5, 0)),  # has a point: not spread
        ]
    )
    weights = pd.Series([1.0, 1.0, 3.0, 100.0], index=inc.index)
    got = scoring.area_incidents(corr, inc, weights=weights)
    # City: 2 incidents over 40 m -> 0.05 per metre; Ryd: 3 over 20 m -> 0.15 per metre.
    assert got.to_dict() == pytest.approx({"c1": 0.05, "c2": 0.05, "c3": 0.15, "c4": 0.0})
    # A segment's share is its length times the rate: c1 holds 0.5 incidents, c2 1.5.
    assert (got * corr["length_m"]).sum() == pytest.approx(5.0)


def test_area_incidents_unknown_area_warns_and_polygons_may_overlap():
    corr = corridors_from({"c1": ((0, 0), (10, 0)), "c2": ((20, 0), (50, 0))})
    areas = gpd.GeoDataFrame(
        geometry=[box(X0 - 1, Y0 - 1, X0 + 60, Y0 + 1), box(X0 + 15, Y0 - 1, X0 + 60, Y0 + 1)],
        index=pd.Index(["City", "Resecentrum"], name="area"),
        crs=CRS,
    )
    inc = incidents_from(
        [
            ("a1", "2024-01-01 12:00", "Hot", "City", None),
            ("a2", "2024-01-01 12:00", "Hot", "Resecentrum", None),
            ("a3", "2024-01-01 12:00", "Hot", "Berga", None),
        ]
    )
    with pytest.warns(InputWarning, match="1 area-level incident"):
        got = scoring.area_incidents(corr, inc, areas=areas)
    # City holds both (40 m): 1/40 each; Resecentrum holds c2 only (30 m): +1/30.
    assert got["c1"] == pytest.approx(1 / 40)
    assert got["c2"] == pytest.approx(1 / 40 + 1 / 30)


# ---------------------------------------------------------------- footfall


def test_footfall_straight_line_decay_hand_value():
    corr = corridors_from({"near": ((0, 0), (0, 100)), "far": ((1000, 0), (1000, 100))})
    stops = stops_from([("s1", 12, (100, 50)), ("s2", 4, (0, -30))])
    got = scoring.footfall(corr, stops, decay_m=150.0, max_walk_m=400.0)
    # s1 is 100 m from "near"; s2 is 30 m from its end (0, 0); "far" is beyond 400 m of both.
    assert got["near"] == pytest.approx(12 * math.exp(-100 / 150) + 4 * math.exp(-30 / 150))
    assert got["far"] == 0.0


def test_footfall_uses_network_distance_when_given_a_graph():
    # Street 1-2-3-4 along x then up; a parallel street 5-6 across a "river" joins only via 6-4.
    coords = {1: (0, 0), 2: (100, 0), 3: (200, 0), 4: (200, 100), 5: (0, 60), 6: (100, 60)}
    pairs = {"e12": (1, 2), "e23": (2, 3), "e34": (3, 4), "e56": (5, 6), "e64": (6, 4)}
    corr = corridors_from(
        {k: (coords[a], coords[b]) for k, (a, b) in pairs.items()}, nodes=list(pairs.values())
    )
    graph = nx.Graph()
    for cid, (a, b) in pairs.items():
        graph.add_edge(a, b, length_m=corr.loc[cid, "length_m"])
    stops = stops_from([("s", 12, (50, 10))])  # 10 m off e12, 50 m from node 1 and node 2
    got = scoring.footfall(corr, stops, decay_m=150.0, max_walk_m=400.0, graph=graph)
    d64 = math.hypot(100, 40)
    walk = {"e12": 10.0, "e23": 60.0, "e34": 160.0, "e64": 260.0, "e56": 260.0 + d64}
    for cid, d in walk.items():
        assert got[cid] == pytest.approx(12 * math.exp(-d / 150)), cid
    straight = scoring.footfall(corr, stops, decay_m=150.0, max_walk_m=400.0)
    assert straight["e56"] == pytest.approx(12 * math.exp(-50 / 150))  # across the river


# ---------------------------------------------------------------- score and rankings


def test_score_columns_units_relative_components_and_ranks(town):
    corridors, incidents, stops = town
    config = ScoringConfig()
    scored = scoring.score_corridors(corridors, incidents, stops, config=config)
    lengths = scored["length_m"].to_numpy()
    # Components are each raw column over its length-weighted network mean: no upper bound.
    for comp, raw in (
        ("comp_incidents", "incident_rate"),
        ("comp_area_incidents", "area_incidents"),
        ("comp_footfall", "footfall_dph"),
    ):
        assert (scored[comp] >= 0).all(), comp
        assert np.average(scored[comp], weights=lengths) == pytest.approx(1.0), comp
        mean = np.average(scored[raw], weights=lengths)
        np.testing.assert_allclose(scored[comp], scored[raw] / mean)
    assert scored["comp_incidents"].max() > 1.5  # hotspots stand well above the mean
    w = config.weights
    expected = (
        w["incidents"] * scored["comp_incidents"]
        + w["area_incidents"] * scored["comp_area_incidents"]
        + w["footfall"] * scored["comp_footfall"]
    ) / sum(w.values())
    np.testing.assert_allclose(scored["priority"], expected)
    assert (scored["score"] == scored["priority"]).all()
    # Risk = point rate + area rate, per metre and year, inside its interval.
    np.testing.assert_allclose(
        scored["risk_per_m_year"], scored["incident_rate"] + scored["area_incidents"]
    )
    assert (scored["risk_low_per_m_year"] <= scored["risk_per_m_year"] + 1e-12).all()
    assert (scored["risk_high_per_m_year"] >= scored["risk_per_m_year"] - 1e-12).all()
    assert (scored["exposure_dph"] == scored["footfall_dph"]).all()
    assert sorted(scored["rank"]) == list(range(1, len(scored) + 1))
    assert scored.loc[scored["rank"] == 1, "score"].item() == scored["score"].max()
    assert scored.sort_values("rank")["score"].is_monotonic_decreasing
    assert scored["priority_pct"].between(0, 1).all()
    assert scored.loc[scored["rank"] == 1, "priority_pct"].item() == 1.0
    assert scored.attrs == {}  # nothing travels in attrs
    assert scored.index.equals(corridors.index)
    # Area-level rows land only in City; footfall is highest by stop s1 at (250, 260).
    assert (scored.loc[scored["area"].isna(), "area_incidents"] == 0).all()
    busiest = scored.geometry[scored["footfall_dph"].idxmax()]
    assert busiest.distance(Point(X0 + 250, Y0 + 260)) < 1
    # The top 1 % by risk lies by a hotspot.
    top = scored.nsmallest(len(scored) // 100, "risk_rank").geometry.centroid
    hot = [Point(X0 + 250, Y0 + 250), Point(X0 + 700, Y0 + 600), Point(X0 + 400, Y0 + 850)]
    assert all(min(p.distance(h) for h in hot) < 150 for p in top)


def test_no_score_column_saturates_rates_that_differ_get_different_values():
    # Three hotspots on separate streets, with 10, 20 and 30 incidents a year: the old
    # 0-1 scaling capped all three at 1; risk, priority and the components must not.
    segs = {f"s{k}": ((0, 200.0 * k), (50, 200.0 * k)) for k in range(30)}
    corr = corridors_from(segs)
    rows = []
    for k, n_per_year in ((0, 10), (10, 20), (20, 30)):
        for j in range(2 * n_per_year):
            day = pd.Timestamp("2023-01-01") + pd.Timedelta(days=int(j * 365 / n_per_year))
            rows.append((f"i{k}-{j}", day.strftime("%Y-%m-%d 12:00"), "Hot", None, (25, 200.0 * k)))
    config = ScoringConfig(hour_weights=[1.0] * 24, half_life_days=None)
    scored = scoring.score_corridors(corr, incidents_from(rows), no_stops(), config=config)
    for col in ("risk_per_m_year", "incident_rate", "priority", "score", "comp_incidents"):
        values = scored.loc[["s0", "s10", "s20"], col].to_numpy()
        assert values[0] < values[1] < values[2], col
    assert list(scored.loc[["s20", "s10", "s0"], "rank"]) == [1, 2, 3]


def test_score_ties_break_by_corridor_id_and_count_within_25m():
    corr = corridors_from(
        {"b": ((0, 0), (10, 0)), "a": ((0, 20), (10, 20)), "c": ((0, 500), (9, 500))}
    )
    inc = incidents_from([("x", "2024-01-01 12:00", "Hot", "Ryd", None)])  # area with no corridor
    with pytest.warns(InputWarning):
        scored = scoring.score_corridors(corr, inc, no_stops(), config=ScoringConfig())
    assert (scored["score"] == 0).all()
    assert scored["rank"].to_dict() == {"a": 1, "b": 2, "c": 3}

    inc = incidents_from([("x", "2024-01-01 12:00", "Hot", None, (5, 10))])  # 10 m from a and b
    scored = scoring.score_corridors(corr, inc, no_stops(), config=ScoringConfig())
    assert scored["incident_count"].to_dict() == {"b": 1, "a": 1, "c": 0}
    assert scored["rank"]["c"] == 3


def test_score_with_cross_validated_bandwidth(town):
    corridors, incidents, stops = town
    cands = [25.0, 50.0, 100.0, 400.0]
    config = ScoringConfig(bandwidth_m="cv", bandwidth_candidates_m=cands)
    fit = scoring.fit_scores(corridors, incidents, stops, config=config)
    assert fit.bandwidth_m in cands
    assert fit.selection is not None
    assert fit.model == fit.selection.model
    scores = fit.selection.scores
    assert set(scores.loc[scores["kind"] == "kde", "bandwidth_m"]) == set(cands)
    assert set(scores["kind"]) == {"blend", "kde", "last_period_counts"}
    # The selection (or the chosen model) passed explicitly gives the same scores.
    for model in (fit.selection, fit.model):
        scored = scoring.score_corridors(corridors, incidents, stops, config=config, model=model)
        pd.testing.assert_frame_equal(scored, fit.corridors)


def test_bandwidth_is_explicit_and_fit_scores_reports_it(town):
    corridors, incidents, stops = town
    config = ScoringConfig(bandwidth_m=75.0)  # set by the scenario: fixed
    assert scoring.bandwidth_for(incidents, config=config) == 75.0
    fit = scoring.fit_scores(corridors, incidents, stops, config=config)
    assert isinstance(fit, scoring.ScoreFit)
    assert fit.bandwidth_m == 75.0  # a fixed scenario bandwidth fixes the search's
    assert set(fit.selection.scores["bandwidth_m"]) == {75.0}
    unset = scoring.selection.candidates(ScoringConfig())  # unset in the scenario: searched
    assert {s.bandwidth_m for s in unset} == set(ScoringConfig().bandwidth_candidates_m)
    if fit.model.kind == "blend":
        assert 1.0 <= fit.prior_strength_m <= 4 * 10_000.0
    else:
        assert math.isnan(fit.prior_strength_m)
    pd.testing.assert_frame_equal(
        fit.corridors, scoring.score_corridors(corridors, incidents, stops, config=config)
    )
    wide = scoring.fit_scores(corridors, incidents, stops, config=config, bandwidth_m=200.0)
    assert wide.bandwidth_m == 200.0
    blend = scoring.ModelSpec("blend", 75.0, 365.0, 1.0, 0.0)
    narrow = scoring.fit_scores(corridors, incidents, stops, config=config, model=blend)
    wider = scoring.fit_scores(
        corridors, incidents, stops, config=config, model=scoring.ModelSpec(bandwidth_m=200.0)
    )
    assert not np.allclose(wider.corridors["kde_intensity"], narrow.corridors["kde_intensity"])
    assert 1.0 <= narrow.prior_strength_m <= 10_000.0
    with pytest.raises(InputError, match="bandwidth_m"):
        scoring.score_corridors(corridors, incidents, stops, config=config, bandwidth_m=0.0)


def test_rankings_overall_and_per_area(town):
    corridors, incidents, stops = town
    scored = scoring.score_corridors(corridors, incidents, stops, config=ScoringConfig())
    overall = scoring.rankings(scored, top=5)
    assert list(overall["group_rank"]) == [1, 2, 3, 4, 5]
    assert list(overall["rank"]) == [1, 2, 3, 4, 5]
    assert overall["corridor_id"].iloc[0] == scored["rank"].idxmin()
    assert "geometry" not in overall.columns

    per_area = scoring.rankings(scored, by="area", top=3)
    assert list(per_area["area"].iloc[:3]) == ["City"] * 3
    assert per_area["area"].iloc[3:].isna().all()  # segments outside any area come last
    assert list(per_area["group_rank"]) == [1, 2, 3, 1, 2, 3]
    city = scored[scored["area"] == "City"].sort_values("rank")
    assert list(per_area["corridor_id"].iloc[:3]) == list(city.index[:3])
    with pytest.raises(InputError, match="legal_class"):
        scoring.rankings(scored, by="legal_class")


# ---------------------------------------------------------------- heat raster and GeoTIFF


def test_heat_raster_values_sum_and_geotiff_roundtrip(tmp_path):
    inc = incidents_from(
        [
            ("p1", "2024-01-01 12:00", "Rån", None, (205, 305)),
            ("p2", "2024-01-01 12:00", "Rån", None, (400, 300)),
            ("area_only", "2024-01-01 12:00", "Rån", "City", None),
        ]
    )
    weights = pd.Series([2.0, 1.0, 9.0], index=inc.index)
    h, cell = 20.0, 10.0
    bounds = (X0 + 0, Y0 + 100, X0 + 600, Y0 + 500)
    grid, transform = scoring.heat_raster(
        inc, bounds=bounds, cell_m=cell, bandwidth_m=h, weights=weights
    )
    assert grid.shape == (40, 60)
    assert grid.dtype == np.float32
    assert (transform.c, transform.f, transform.a, transform.e) == (X0, Y0 + 500, 10.0, -10.0)
    # The grid integrates to the total point weight (3), and peaks at p1's cell (row 19, col 20).
    assert grid.sum() * cell**2 == pytest.approx(3.0, rel=1e-3)
    assert np.unravel_index(grid.argmax(), grid.shape) == (19, 20)
    # One cell against the formula: cell (row 19, col 20) has its centre at local (205, 305).
    centre = np.array([205.0, 305.0])
    src = np.array([[205.0, 305.0], [400.0, 300.0]])
    expected = (np.array([2.0, 1.0]) * gauss(((src - centre) ** 2).sum(axis=1), h)).sum()
    assert grid[19, 20] == pytest.approx(expected, rel=1e-5)

    out = write_geotiff(tmp_path / "maps" / "heat.tif", grid, transform, CRS)
    assert out.exists()
    assert not list(out.parent.glob(".*tmp*"))  # the temporary file was renamed away
    with rasterio.open(out) as src_ds:
        assert src_ds.crs.to_epsg() == 3006
        assert src_ds.transform == transform
        assert (src_ds.height, src_ds.width, src_ds.count) == (40, 60, 1)
        assert src_ds.descriptions == ("incident intensity",)
        assert src_ds.compression.name.lower() == "deflate"
        back = src_ds.read(1)
    np.testing.assert_array_equal(back, grid)


def test_write_geotiff_tiles_large_rasters_and_needs_a_crs(tmp_path):
    big = np.zeros((300, 520), dtype=np.float32)
    path = write_geotiff(
        tmp_path / "big.tif", big, Affine(10.0, 0.0, X0, 0.0, -10.0, Y0), "EPSG:3006"
    )
    with rasterio.open(path) as ds:
        assert ds.profile["tiled"] is True
        assert ds.block_shapes == [(256, 256)]
    with pytest.raises(CRSError, match="no CRS"):
        write_geotiff(tmp_path / "x.tif", big, Affine(10.0, 0.0, X0, 0.0, -10.0, Y0), None)
    with pytest.raises(InputError, match="shape"):
        write_geotiff(tmp_path / "x.tif", np.zeros(5), Affine(10.0, 0.0, X0, 0.0, -10.0, Y0), CRS)


# ---------------------------------------------------------------- evaluation


def test_pai_and_pei_on_a_five_segment_hand_example():
    lengths = [10.0, 20.0, 30.0, 40.0, 50.0]  # A = 150 m
    counts = [3, 0, 6, 2, 1]  # N = 12
    chosen = [True, False, False, True, False]  # a = 50 m, n = 5
    # PAI = (5 / 12) / (50 / 150) = 1.25
    assert scoring.pai(chosen, counts, lengths) == pytest.approx(1.25)
    # n* for 50 m: densities 0.3, 0, 0.2, 0.05, 0.02 per m -> segment 0 (10 m, 3),
    # segment 2 (30 m, 6), then 10 of segment 3's 40 m (2 × 10/40 = 0.5): n* = 9.5.
    assert scoring.pei(chosen, counts, lengths) == pytest.approx(5 / 9.5)
    best = [True, False, True, False, False]  # 40 m holding 9 = n* for 40 m
    assert scoring.pei(best, counts, lengths) == pytest.approx(1.0)
    assert scoring.pai(best, counts, lengths) == pytest.approx((9 / 12) / (40 / 150))
    assert math.isnan(scoring.pai(chosen, [0] * 5, lengths))
    with pytest.raises(InputError, match="one shape"):
        scoring.pai(chosen, counts[:4], lengths)


def test_evaluate_reports_every_method_and_share_over_rolling_folds(town):
    corridors, incidents, stops = town
    evaluation = scoring.evaluate(corridors, incidents, stops, config=ScoringConfig())
    assert isinstance(evaluation, scoring.Evaluation)
    table, folds = evaluation.table, evaluation.folds
    assert table.attrs == {}  # nothing travels in attrs
    shares = [0.01, 0.05, 0.10, 0.20]
    assert list(table.columns) == list(scoring.EVALUATION_COLUMNS)
    assert list(folds.columns) == list(scoring.FOLD_COLUMNS)
    assert list(table["method"].unique()) == list(scoring.METHODS)
    for method in scoring.METHODS:
        assert list(table.loc[table["method"] == method, "share"]) == shares
    # Several folds, each a later cut; the table holds their mean and spread.
    n_folds = folds["fold"].nunique()
    assert n_folds >= 2
    assert (table["n_folds"] == n_folds).all()
    assert list(folds.groupby("fold")["cut_date"].first()) == sorted(folds["cut_date"].unique())
    model5 = folds[(folds["method"] == "model") & (folds["share"] == 0.05)]
    row = table[(table["method"] == "model") & (table["share"] == 0.05)].iloc[0]
    assert row["pai"] == pytest.approx(model5["pai"].mean())
    assert row["pai_sd"] == pytest.approx(model5["pai"].std(ddof=1))
    assert row["pai_min"] <= row["pai"] <= row["pai_max"]
    uniform = table[table["method"] == "uniform"]
    assert (uniform["pai"] == 1.0).all()
    assert (uniform["rri"] == 1.0).all()
    assert uniform["length_share"].tolist() == shares
    ranked = folds[folds["method"] != "uniform"]
    # The last segment may overshoot the share, by less than one segment (50 m of 42 km).
    assert (ranked["length_share"] >= ranked["share"]).all()
    assert (
        ranked["length_share"] - ranked["share"] < 50 / corridors["length_m"].sum() + 1e-12
    ).all()
    assert folds["pei"].between(0, 1).all()
    assert (folds["rri"].dropna() >= 0).all()
    # Hotspots persist across periods, so the model finds them.
    model = table[table["method"] == "model"].set_index("share")
    assert model.loc[0.10, "pai"] > 2.0
    # Fold 0 only trains the first choice; each reported fold's model is the best on the
    # earlier folds only.
    assert folds["fold"].min() == 1
    scores = evaluation.selection.scores
    for fold, label in model5.set_index("fold")["model"].items():
        earlier = scores[scores["fold"] < fold].groupby("candidate", sort=False)["criterion"]
        assert earlier.mean().max() == pytest.approx(earlier.mean()[label])
    # The last cut: one horizon before the last incident; n_train counts the rows before it.
    span = incidents["occurred_at"]
    cut = evaluation.cut_date
    assert cut == max(folds["cut_date"])
    assert evaluation.n_train == int((span < pd.Timestamp(cut, tz=TZ)).sum())
    assert evaluation.n_test_unsnapped >= 0
    assert evaluation.horizon_days == pytest.approx((span.max() - span.min()).days / 6, abs=1)
    # Unset in the scenario: the bandwidth is one of the candidates chosen by the folds.
    assert evaluation.bandwidth_m in ScoringConfig().bandwidth_candidates_m
    assert evaluation.selection is not None
    assert evaluation.selection.cut_dates[1:] == tuple(sorted(folds["cut_date"].unique()))
    with pytest.raises(AttributeError):
        evaluation.cut_date = None  # type: ignore[misc]  # frozen


def test_empty_evaluation_has_the_columns_and_no_cut_date():
    empty = scoring.Evaluation.empty()
    assert empty.table.empty
    assert list(empty.table.columns) == list(scoring.EVALUATION_COLUMNS)
    assert list(empty.folds.columns) == list(scoring.FOLD_COLUMNS)
    assert empty.cut_date is None
    assert empty.selection is None
    assert math.isnan(empty.bandwidth_m)
    assert math.isnan(empty.prior_strength_m)


def test_evaluate_explicit_cut_date_and_empty_period(town):
    corridors, incidents, stops = town
    evaluation = scoring.evaluate(
        corridors,
        incidents,
        stops,
        config=ScoringConfig(),
        cut_date=dt.date(2024, 1, 1),
        shares=(0.1,),
    )
    assert evaluation.cut_date == dt.date(2024, 1, 1)
    # One year of test after the cut; a single fold fits before it: the stated default.
    assert len(evaluation.table) == len(scoring.METHODS)
    assert evaluation.selection is not None
    assert "need 2" in (evaluation.selection.fallback_reason or "")
    with pytest.raises(InputError, match="leaves 0 training"):
        scoring.evaluate(
            corridors, incidents, stops, config=ScoringConfig(), cut_date=dt.date(2020, 1, 1)
        )


# ---------------------------------------------------------------- errors


def test_geographic_crs_raises_crs_error(town):
    corridors, incidents, stops = town
    with pytest.raises(CRSError, match="geographic CRS"):
        scoring.kde_intensity(corridors.to_crs(4326), incidents, bandwidth_m=50.0)
    with pytest.raises(CRSError, match="geographic CRS"):
        scoring.score_corridors(corridors, incidents.to_crs(4326), stops, config=ScoringConfig())
    with pytest.raises(CRSError, match="geographic CRS"):
        scoring.heat_raster(incidents.to_crs(4326), bounds=(0, 0, 1, 1), cell_m=1, bandwidth_m=1)


def test_missing_columns_raise_input_error(town):
    corridors, incidents, stops = town
    with pytest.raises(InputError, match=r"corridors.*\['length_m'\]"):
        scoring.score_corridors(
            corridors.drop(columns="length_m"), incidents, stops, config=ScoringConfig()
        )
    with pytest.raises(InputError, match=r"stops.*departures_per_hour"):
        scoring.footfall(
            corridors, stops.drop(columns="departures_per_hour"), decay_m=1, max_walk_m=1
        )
    with pytest.raises(InputError, match="occurred_at"):
        scoring.incident_weights(incidents.drop(columns="occurred_at"), config=ScoringConfig())
    with pytest.raises(InputError, match="run score_corridors first"):
        scoring.rankings(corridors)


def test_incidents_beyond_the_kernel_reach_are_reported_not_silently_lost():
    corr = corridors_from({"a": ((0, 0), (50, 0)), "b": ((50, 0), (100, 0))})
    inc = incidents_from(
        [
            ("near", "2024-01-01 22:00", "Misshandel", None, (20, 5)),
            ("far", "2024-01-01 22:00", "Misshandel", None, (5_000, 5_000)),
        ]
    )
    config = ScoringConfig(bandwidth_m=50.0)
    with pytest.warns(InputWarning, match=r"1 of 2 point incidents lie more than 300 m.*'far'"):
        scored = scoring.score_corridors(corr, inc, no_stops(), config=config)
    assert scored["incident_count"].sum() == 1
