"""The portfolio: multiplicative combination, darkness strata and the family plans, by hand."""

from __future__ import annotations

import dataclasses

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from shapely.geometry import LineString, Point

from siteplan.measures.catalogue import Measure
from siteplan.measures.plans import effect_draws, plan_portfolio, solve_family
from siteplan.measures.portfolio import build_portfolio, incident_strata
from siteplan.placement import CameraPlacement, budget_frontier
from siteplan.problem import PlacementProblem

CRS = "EPSG:3006"


def measure(name: str, kind: str, reduction: float, **changes: object) -> Measure:
    base = Measure(
        name=name,
        kind=kind,
        title=name,
        unit="site",
        capex_sek=0.0,
        opex_sek_per_year=0.0,
        reach_m=25.0,
        categories=None,
        hours="all",
        reduction=reduction,
        reduction_low=reduction / 2,
        reduction_high=min(0.9, reduction * 1.5),
        source="test",
        evidence="moderate",
        perceived_effect=0.0,
        lamp_spacing_m=30.0,
    )
    return dataclasses.replace(base, **changes)


def corridor() -> gpd.GeoDataFrame:
    """One 10 m corridor with 1 expected incident per metre and year (10 a year)."""
    return gpd.GeoDataFrame(
        {"length_m": [10.0], "risk_per_m_year": [1.0], "area": [None], "legal_class": ["general"]},
        index=pd.Index(["c1"], name="corridor_id"),
        geometry=[LineString([(0, 0), (10, 0)])],
        crs=CRS,
    )


def points() -> gpd.GeoDataFrame:
    """Two demand points of 5 m each on the corridor."""
    return gpd.GeoDataFrame(
        {"corridor_id": ["c1", "c1"], "length_m": [5.0, 5.0], "area": None, "legal_class": "x"},
        index=pd.Index(["c1:0", "c1:1"], name="demand_id"),
        geometry=[Point(2.5, 0), Point(7.5, 0)],
        crs=CRS,
    )


def camera_problem(cost_sek: float = 100.0) -> PlacementProblem:
    """One camera option that sees the first point only."""
    options = gpd.GeoDataFrame(
        {
            "site_id": ["s1"],
            "slot_id": ["s1/a"],
            "model": ["cam"],
            "azimuth_deg": [90.0],
            "hfov_deg": [60.0],
            "range_m": [10.0],
            "mount": ["lamp_post"],
            "legal_class": ["general"],
            "area": [None],
            "capex_sek": [cost_sek],
            "opex_sek_per_year": [0.0],
            "cost_sek": [cost_sek],
        },
        index=pd.Index(["cam1"], name="option_id"),
        geometry=[Point(0, 0).buffer(4)],
        crs=CRS,
    )
    sites = gpd.GeoDataFrame(
        {
            "mount": ["lamp_post"],
            "source": ["lamp"],
            "area": [None],
            "legal_class": ["general"],
            "site_cost_sek": [0.0],
        },
        index=pd.Index(["s1"], name="site_id"),
        geometry=[Point(0, 0)],
        crs=CRS,
    )
    demand = points().assign(weight=1.0)[
        ["corridor_id", "weight", "area", "legal_class", "geometry"]
    ]
    return PlacementProblem(
        options=options,
        sites=sites,
        demand=demand,
        coverage=sp.csr_matrix(np.array([[True, False]])),
    )


def lighting_options(cost_sek: float = 100.0) -> tuple[gpd.GeoDataFrame, sp.csr_matrix]:
    """One lighting upgrade of the whole corridor (both points)."""
    opts = gpd.GeoDataFrame(
        {"capex_sek": [cost_sek], "opex_sek_per_year": [0.0], "cost_sek": [cost_sek], "area": None},
        index=pd.Index(["light:c1"], name="option_id"),
        geometry=[LineString([(0, 0), (10, 0)])],
        crs=CRS,
    )
    return opts, sp.csr_matrix(np.array([[True, True]]))


def incidents() -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """Four incidents on the corridor: two in darkness, two in daylight."""
    frame = gpd.GeoDataFrame(
        {"category": ["Rån"] * 4},
        geometry=[Point(1, 0), Point(3, 0), Point(6, 0), Point(9, 0)],
        crs=CRS,
    )
    return frame, np.array([True, False, True, False])


def portfolio(camera_r: float = 0.2, light_r: float = 0.5, *, camera_cost: float = 100.0) -> tuple:
    cam = measure("cctv", "camera", camera_r)
    light = measure("lighting", "lighting", light_r, hours="darkness", unit="lamp")
    measures = (cam, light)
    inc, dark = incidents()
    strata = incident_strata(
        corridor(),
        inc,
        measures,
        dark=dark,
        weights=np.ones(4),
        snapped=(np.arange(4), np.zeros(4, int)),
        prior_n=0.0,
    )
    opts, cover = lighting_options()
    return build_portfolio(
        camera_problem(camera_cost), points(), corridor(), measures, [(light, opts, cover)], strata
    ), strata


def factory(budget_sek: float) -> CameraPlacement:
    return CameraPlacement(budget_sek=budget_sek, method="milp", time_limit_s=60)


def test_strata_follow_darkness_and_the_measures_that_act() -> None:
    _, strata = portfolio()
    # Daylight incidents: only the camera acts; darkness: camera and lighting.
    assert set(strata.names) == {"cctv", "cctv+lighting"}
    day = strata.names.index("cctv")
    night = strata.names.index("cctv+lighting")
    np.testing.assert_allclose(strata.share[0, [day, night]], [0.5, 0.5])
    np.testing.assert_allclose(strata.reductions[:, day], [0.2, 0.0])
    np.testing.assert_allclose(strata.reductions[:, night], [0.2, 0.5])


def test_measures_on_one_stretch_combine_multiplicatively() -> None:
    pf, _ = portfolio()
    # Point 1 (5 incidents a year, half in darkness) has the camera and the lighting:
    # darkness 2.5 × (1 − 0.8 × 0.5) = 1.5, daylight 2.5 × 0.2 = 0.5. Point 2 has only the
    # lighting: darkness 2.5 × 0.5 = 1.25, daylight nothing. In all 3.25.
    assert pf.prevented(["cam1", "light:c1"]).incidents == pytest.approx(3.25)
    assert pf.prevented(["cam1"]).incidents == pytest.approx(1.0)
    assert pf.prevented(["light:c1"]).incidents == pytest.approx(2.5)
    # The engine's objective (covered atom weight) is the same function.
    for sel in (["cam1", "light:c1"], ["cam1"], ["light:c1"]):
        covered = pf.problem.coverage[pf.problem.options.index.get_indexer(sel)].sum(axis=0)
        objective = float(pf.problem.weights[np.asarray(covered).ravel() > 0].sum())
        assert objective == pytest.approx(pf.prevented(sel).incidents)


def test_families_and_the_mix() -> None:
    pf, _ = portfolio()
    cams = solve_family(pf, "cameras", factory, 200.0)
    light = solve_family(pf, "lighting", factory, 200.0)
    mix = solve_family(pf, "mix", factory, 200.0, floor=cams)
    assert cams.selected == ("cam1",)
    assert light.selected == ("light:c1",)
    assert mix.selected == ("cam1", "light:c1")
    assert mix.prevented_per_year == pytest.approx(3.25)
    assert mix.gap <= 1e-6
    # With money for one measure, the lighting (2.5) beats the camera (1.0).
    assert solve_family(pf, "mix", factory, 150.0).selected == ("light:c1",)


def test_zero_lighting_effect_gives_the_camera_plan() -> None:
    pf, _ = portfolio(light_r=0.0)
    cams = solve_family(pf, "cameras", factory, 200.0)
    mix = solve_family(pf, "mix", factory, 200.0, floor=cams)
    assert "light:c1" not in mix.selected
    assert mix.prevented_per_year == pytest.approx(cams.prevented_per_year)


def test_cameras_priced_out_give_lighting_only() -> None:
    pf, _ = portfolio(camera_cost=10_000.0)
    mix = solve_family(pf, "mix", factory, 200.0)
    assert mix.selected == ("light:c1",)


def test_effect_draws_are_seeded_and_spread_around_the_central_value() -> None:
    pf, _ = portfolio()
    a = effect_draws(pf, ["cam1", "light:c1"], n_draws=400, seed=3)
    b = effect_draws(pf, ["cam1", "light:c1"], n_draws=400, seed=3)
    np.testing.assert_array_equal(a, b)
    assert a.std() > 0
    assert np.percentile(a, 5) < 3.25 < np.percentile(a, 95)


def test_raising_the_perceived_weight_changes_the_plan() -> None:
    # The camera prevents more incidents (5 × 0.6 = 3.0 vs the lighting's 2.5), but the
    # lighting addresses half the unease reported on the corridor (the camera none of it).
    cam = measure("cctv", "camera", 0.6)
    light = measure("lighting", "lighting", 0.5, hours="darkness", perceived_effect=0.5)
    inc, dark = incidents()
    strata = incident_strata(
        corridor(),
        inc,
        (cam, light),
        dark=dark,
        weights=np.ones(4),
        snapped=(np.arange(4), np.zeros(4, int)),
        prior_n=0.0,
    )
    opts, cover = lighting_options()
    unease = pd.Series([0.4], index=corridor().index)  # per metre: 4 over the corridor

    def plan(weight: float) -> tuple[str, ...]:
        pf = build_portfolio(
            camera_problem(),
            points(),
            corridor(),
            (cam, light),
            [(light, opts, cover)],
            strata,
            perceived_per_m=unease,
            perceived_weight=weight,
        )
        return solve_family(pf, "mix", factory, 150.0).selected

    assert plan(0.0) == ("cam1",)
    # 2.5 + weight × 4 × 0.5 > 3.0 once weight > 0.25.
    assert plan(0.5) == ("light:c1",)
    pf = build_portfolio(
        camera_problem(),
        points(),
        corridor(),
        (cam, light),
        [(light, opts, cover)],
        strata,
        perceived_per_m=unease,
        perceived_weight=0.5,
    )
    done = pf.prevented(["light:c1"])
    assert (done.incidents, done.perceived) == pytest.approx((2.5, 2.0))


def test_plan_portfolio_puts_each_plan_on_its_frontier() -> None:
    pf, _ = portfolio()

    def sweep(problem: PlacementProblem) -> pd.DataFrame:
        return budget_frontier(problem, [150.0, 200.0], method="milp")

    result = plan_portfolio(
        pf, factory, 200.0, n_draws=50, stability_draws=2, seed=0, frontier=sweep
    )
    assert list(result.plans) == ["mix", "cameras", "lighting"]
    assert result.plans["mix"].prevented_per_year == pytest.approx(3.25)
    front = result.frontier.set_index(["family", "budget_sek"])
    for family, plan in result.plans.items():
        row = front.loc[(family, 200.0)]
        assert row["objective"] == pytest.approx(plan.objective)
        assert bool(row["proven"])
    # With 150 SEK only one measure fits: the lighting (2.5 a year) in the mix.
    assert front.loc[("mix", 150.0), "objective"] == pytest.approx(2.5)
    assert result.measures["frequency"].between(0, 1).all()
