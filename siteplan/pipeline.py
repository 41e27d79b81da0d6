"""The one place that knows the order of the steps: scenario in, PlanResult out.

Notebooks may call the steps one by one; the CLI and scripts call :func:`run`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import logging
import os
import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from siteplan import (
    batch,
    coverage,
    followup,
    legal,
    measures,
    paperwork,
    placement,
    privacy,
    procurement,
    scoring,
)
from siteplan import corridors as corridors_mod
from siteplan.config import Scenario
from siteplan.crs import parse_crs
from siteplan.errors import InputError, InputWarning
from siteplan.io import areas as areas_io
from siteplan.io import cameras as cameras_io
from siteplan.io import gtfs as gtfs_io
from siteplan.io import incidents as incidents_io
from siteplan.io import installed_measures as installed_measures_io
from siteplan.io import operations as operations_io
from siteplan.io import osm as osm_io
from siteplan.io import perceived as perceived_io
from siteplan.io import plan as plan_io
from siteplan.io import spending as spending_io
from siteplan.io._checks import require_near_network
from siteplan.measures import plans as measure_plans
from siteplan.problem import PlacementProblem

__all__ = [
    "STEPS",
    "PlanInputs",
    "PlanResult",
    "build_corridors_and_law",
    "load_inputs",
    "run",
    "run_followup",
    "run_many",
    "summarise",
]

log = logging.getLogger(__name__)

#: The steps of a run, in order, as (key, English label) pairs; progress callbacks get the key.
STEPS: tuple[tuple[str, str], ...] = (
    ("load", "Loading inputs"),
    ("corridors", "Building corridors"),
    ("legal", "Classifying under camera law"),
    ("evaluation", "Choosing and evaluating the score model over rolling folds"),
    ("scoring", "Scoring corridors"),
    ("coverage", "Building camera options and coverage"),
    ("placement", "Optimising camera placement"),
    ("frontier", "Sweeping the budget frontier"),
    ("portfolio", "Choosing cameras and other measures together"),
    ("summary", "Summarising"),
    ("deliverables", "Preparing masking, paperwork and bill"),
)

#: Rows of the report's hotspot table.
TOP_HOTSPOTS = 10

Progress = Callable[[str, str], None]
"""Called as ``progress(step_key, "start" | "done")``."""


@dataclass(frozen=True)
class PlanInputs:
    """Every input layer, loaded and in the working CRS."""

    osm: osm_io.OsmLayers
    transit: gtfs_io.TransitLayers
    incidents: gpd.GeoDataFrame
    areas: gpd.GeoDataFrame | None
    installed: gpd.GeoDataFrame | None = None
    exclusion: gpd.GeoDataFrame | None = None
    perceived: gpd.GeoDataFrame | None = None

    def counts(self) -> dict[str, int]:
        """Counts of every layer, for the CLI's summary."""
        inc = self.incidents
        return {
            "edges": len(self.osm.edges),
            "nodes": len(self.osm.nodes),
            "buildings": len(self.osm.buildings),
            "lamps": len(self.osm.lamps),
            "stops": len(self.transit.stops),
            "routes": len(self.transit.routes),
            "incidents": len(inc),
            "incidents_area_level": int(inc.geometry.isna().sum()),
            "areas": 0 if self.areas is None else len(self.areas),
        }


@dataclass(frozen=True)
class PlanResult:
    """
    Everything a run produced; writers (maps, reports, paperwork) only read this.

    Attributes
    ----------
    scenario
        The scenario that was run.
    regime
        The camera-law regime applied (``kbl-2018`` | ``kbl-2020`` | ``kbl-2025``).
    inputs
        The loaded layers (incidents are personal data: writers aggregate them).
    corridors
        Corridor segments with legal class and reason, score components, score, rank and
        ``covered_share`` (share of the segment's demand weight that the plan covers).
    heat, heat_transform
        Incident intensity raster (float32) and its affine transform, in the working CRS;
        zero outside the privacy cells that hold at least k incidents, so it can be shared.
    hotspots
        Hotspot significance (Getis-Ord Gi*, FDR-controlled) and trend per corridor.
    hotspot_table
        The report's table of the most significant hotspots (:data:`TOP_HOTSPOTS` rows).
    evaluation
        The hold-out evaluation (PAI/PEI table, cut date, bandwidth) from
        :func:`siteplan.scoring.evaluate`.
    sites
        Candidate sites with legal class.
    problem
        The placement problem that was solved.
    plan
        The solved :class:`siteplan.placement.CameraPlacement`.
    cameras
        Chosen cameras: one Point row per camera (at its site), index ``camera_id``.
    footprints
        Visibility polygons of the chosen cameras, index ``camera_id``.
    frontier
        Budget frontier from :func:`siteplan.placement.budget_frontier`.
    summary
        The numbers of ``summary.json``.
    stop_areas
        Stop-area polygons (a radius around every platform of a served stop, merged per
        station); what a camera films inside them is exempt under kbl-2025.
    masking
        Privacy-masking polygons (facades and windows inside the footprints); may be empty.
    incident_cells
        Incidents aggregated on the privacy grid; only cells that pass the k threshold.
    legal_wording
        The regime's wording per legal class.
    site_packs
        The legal evidence pack of every camera site.
    register
        The register rows (10 §) of the cameras.
    bill
        The bill of quantities with totals (phased when the run was given a phase strategy).
    portfolio
        Cameras and the scenario's other ``[[measures]]`` chosen together by expected
        incidents prevented (:mod:`siteplan.measures`); None without measures.
    seconds
        Wall-clock seconds per step (diagnostics only; no output depends on them).
    created
        The day the plan was made (shown on the report).
    """

    scenario: Scenario
    regime: str
    inputs: PlanInputs
    corridors: gpd.GeoDataFrame
    heat: np.ndarray
    heat_transform: Any
    evaluation: scoring.Evaluation
    hotspots: scoring.Hotspots
    hotspot_table: pd.DataFrame
    sites: gpd.GeoDataFrame
    problem: PlacementProblem
    plan: placement.CameraPlacement
    cameras: gpd.GeoDataFrame
    footprints: gpd.GeoDataFrame
    frontier: pd.DataFrame
    summary: dict[str, Any]
    stop_areas: gpd.GeoDataFrame
    masking: gpd.GeoDataFrame
    incident_cells: privacy.IncidentCells
    legal_wording: dict[str, str]
    site_packs: tuple[paperwork.SitePack, ...]
    register: pd.DataFrame
    bill: pd.DataFrame
    portfolio: measure_plans.PortfolioResult | None = None
    seconds: dict[str, float] = field(default_factory=dict)
    created: dt.date = field(default_factory=dt.date.today)

    @property
    def demand(self) -> gpd.GeoDataFrame:
        """Demand points with a ``covered`` flag."""
        return self.problem.demand.assign(covered=self.plan.covered_)


def load_inputs(scenario: Scenario) -> PlanInputs:
    """
    Load every input layer of `scenario` into the working CRS.

    Parameters
    ----------
    scenario
        A validated scenario.

    Returns
    -------
    inputs
        The loaded layers.
    """
    crs = scenario.study_area.crs
    inp = scenario.inputs
    areas = None
    if inp.areas is not None:
        areas = areas_io.load_areas(
            scenario.path(inp.areas), crs=crs, name_column=inp.areas_name_column
        )
    osm = osm_io.load_osm(scenario.path(inp.osm), crs=crs)
    if inp.gtfs is None:
        transit = osm_io.transit_from_osm(scenario.path(inp.osm), osm, crs=parse_crs(crs))
    else:
        transit = gtfs_io.load_gtfs(
            scenario.path(inp.gtfs), crs=crs, service_date=inp.gtfs_service_date
        )
    incidents = incidents_io.load_incidents(
        scenario.path(inp.incidents),
        crs=crs,
        timezone=scenario.study_area.timezone,
        columns=inp.incident_columns,
        areas=areas,
    )
    installed = None
    if inp.installed_cameras is not None:
        installed = cameras_io.load_installed_cameras(scenario.path(inp.installed_cameras), crs=crs)
    exclusion = None
    if inp.exclusion is not None:
        exclusion = areas_io.load_polygons(scenario.path(inp.exclusion), crs=crs)
    perceived = None
    if inp.perceived is not None:
        perceived = perceived_io.load_perceived(
            scenario.path(inp.perceived),
            crs=crs,
            weight_column=inp.perceived_weight_column,
            date_column=inp.perceived_date_column,
        )
    network_key = f"inputs.osm ({inp.osm.name})"
    require_near_network(
        osm.edges,
        incidents,
        network_key=network_key,
        points_key=f"inputs.incidents ({inp.incidents.name})",
        what="incidents",
    )
    stops_key = "stops from inputs.osm" if inp.gtfs is None else f"inputs.gtfs ({inp.gtfs.name})"
    require_near_network(
        osm.edges,
        transit.stops,
        network_key=network_key,
        points_key=stops_key,
        what="stops",
        share=1.0,  # a regional feed has most of its stops outside a town's extract
    )
    return PlanInputs(
        osm=osm,
        transit=transit,
        incidents=incidents,
        areas=areas,
        installed=installed,
        exclusion=exclusion,
        perceived=perceived,
    )


@contextmanager
def _step(key: str, seconds: dict[str, float], progress: Progress | None) -> Iterator[None]:
    if progress:
        progress(key, "start")
    t0 = time.perf_counter()
    yield
    seconds[key] = time.perf_counter() - t0
    if progress:
        progress(key, "done")


def run(
    scenario: Scenario,
    *,
    inputs: PlanInputs | None = None,
    progress: Progress | None = None,
    frontier: bool = True,
    phase: str | None = None,
) -> PlanResult:
    """
    Run a scenario from its inputs to a plan.

    Parameters
    ----------
    scenario
        A validated scenario.
    inputs
        Already loaded inputs (a notebook may load once and run variants); loaded if None.
    progress
        Optional callback, called with each step key of :data:`STEPS` and "start"/"done".
    frontier
        Also sweep the budget frontier (``placement.frontier_budgets_sek``).
    phase
        None for one procurement phase, or a strategy of
        :data:`siteplan.procurement.PHASE_STRATEGIES` (``"stop-areas-first"``).

    Returns
    -------
    result
        The frozen PlanResult.
    """
    seconds: dict[str, float] = {}
    with _step("load", seconds, progress):
        inputs = inputs or load_inputs(scenario)
    with _step("corridors", seconds, progress):
        corr, graph, areas = _corridors(scenario, inputs)
    stops = inputs.transit.stops
    with _step("legal", seconds, progress):
        corr = legal.classify(corr, stops, config=scenario.legal, graph=graph)
    with _step("evaluation", seconds, progress):
        evaluation = _evaluation(scenario, corr, inputs, graph)
    with _step("scoring", seconds, progress):
        corr, hotspots, heat, transform = _score(scenario, corr, inputs, graph, evaluation)
    with _step("coverage", seconds, progress):
        sites, problem = _coverage(scenario, corr, inputs, areas)
    with _step("placement", seconds, progress):
        plan = placement.CameraPlacement.from_scenario(scenario).solve(problem)
    with _step("frontier", seconds, progress):
        front = _frontier(scenario, problem, plan) if frontier else pd.DataFrame()
    with _step("portfolio", seconds, progress):
        if inputs.perceived is not None:
            corr = corr.assign(perceived_per_m=measures.perceived_demand(corr, inputs.perceived))
        folio = _portfolio(scenario, inputs, corr, problem, frontier=frontier)
        if folio is not None and scenario.portfolio.objective == "prevented":
            plan = _mix_cameras(scenario, problem, folio)
    with _step("summary", seconds, progress):
        cameras, footprints = _cameras(problem, plan, scenario)
        cameras, footprints = _cameras_by_view(cameras, footprints, areas, corr, problem, scenario)
        corr = corr.assign(covered_share=_covered_share(problem, plan, corr.index))
        summary = summarise(scenario, corr, problem, plan, evaluation, front, cameras, footprints)
        summary["portfolio"] = measure_plans.portfolio_summary(folio)
        if folio is not None and scenario.portfolio.objective == "prevented":
            summary["solver"] = _mix_solver(folio)
    with _step("deliverables", seconds, progress):
        parts = _deliverables(scenario, inputs, corr, sites, cameras, footprints, phase=phase)
        if folio is not None and scenario.portfolio.objective == "prevented":
            lines = procurement.measure_lines(folio, scenario=scenario)
            parts["bill"] = procurement.bill_with_measures(parts["bill"], lines)
    _log_plan(scenario, summary)
    heat = privacy.mask_heat(heat, transform, parts["incident_cells"])
    return PlanResult(
        scenario=scenario,
        regime=scenario.legal.effective_regime,
        inputs=inputs,
        corridors=corr,
        heat=heat,
        heat_transform=transform,
        evaluation=evaluation,
        hotspots=hotspots,
        hotspot_table=scoring.hotspot_summary(hotspots, corr, top=TOP_HOTSPOTS),
        stop_areas=areas,
        sites=sites,
        problem=problem,
        plan=plan,
        cameras=cameras,
        footprints=footprints,
        frontier=front,
        summary=summary,
        portfolio=folio,
        seconds=seconds,
        **parts,
    )


def _score(
    scenario: Scenario,
    corr: gpd.GeoDataFrame,
    inputs: PlanInputs,
    graph: nx.Graph,
    evaluation: scoring.Evaluation,
) -> tuple[gpd.GeoDataFrame, scoring.Hotspots, np.ndarray, Any]:
    """Risk, exposure and priority with the model the evaluation chose; hotspots; heat raster."""
    fit = scoring.fit_scores(
        corr,
        inputs.incidents,
        inputs.transit.stops,
        config=scenario.scoring,
        areas=inputs.areas,
        graph=graph,
        model=evaluation.selection,  # None (no evaluation): the fit selects its own
    )
    hotspots = scoring.hotspot_trends(fit.corridors, inputs.incidents, seed=scenario.placement.seed)
    corr = scoring.annotate(fit.corridors, hotspots)
    weights = scoring.incident_weights(inputs.incidents, config=scenario.scoring)
    heat, transform = scoring.heat_raster(
        inputs.incidents,
        bounds=tuple(corr.total_bounds),
        cell_m=scenario.scoring.raster_cell_m,
        bandwidth_m=fit.bandwidth_m,
        weights=weights,
    )
    return corr, hotspots, heat, transform


def _corridors(
    scenario: Scenario, inputs: PlanInputs
) -> tuple[gpd.GeoDataFrame, nx.Graph, gpd.GeoDataFrame]:
    """Corridor segments (split at stop-area boundaries), their graph, and the stop areas."""
    corr = corridors_mod.build_corridors(
        inputs.osm.edges, areas=inputs.areas, max_length_m=scenario.corridors.max_length_m
    )
    areas = legal.stop_areas(
        inputs.transit.stops,
        radius_m=scenario.legal.stop_area_radius_m,
        departures=inputs.transit.departures,
    )
    corr = corridors_mod.split_at_boundaries(corr, areas)
    return corr, corridors_mod.corridor_graph(corr), areas


def build_corridors_and_law(
    scenario: Scenario, inputs: PlanInputs
) -> tuple[gpd.GeoDataFrame, nx.Graph]:
    """
    Corridors with their legal class, exactly as :func:`run` builds them.

    Parameters
    ----------
    scenario
        A validated scenario.
    inputs
        Its loaded inputs.

    Returns
    -------
    corridors, graph
        Corridor segments with ``legal_class`` and the corridor graph.
    """
    corr, graph, _ = _corridors(scenario, inputs)
    corr = legal.classify(corr, inputs.transit.stops, config=scenario.legal, graph=graph)
    return corr, graph


def _coverage(
    scenario: Scenario,
    corr: gpd.GeoDataFrame,
    inputs: PlanInputs,
    stop_areas: gpd.GeoDataFrame | None = None,
) -> tuple[gpd.GeoDataFrame, PlacementProblem]:
    """
    Candidate sites (with legal class) and the placement problem over them.

    With `stop_areas`, every option carries the legal class of what it films (see
    :func:`siteplan.legal.classify_views`) and is priced by it.
    """
    stops = inputs.transit.stops
    sites = coverage.candidate_sites(
        corr,
        buildings=inputs.osm.buildings,
        lamps=inputs.osm.lamps,
        stops=stops,
        config=scenario.coverage,
        costs=scenario.costs,
    )
    sites = legal.classify_points(sites, stops, corr, config=scenario.legal)
    problem = coverage.build_problem(
        corr,
        sites,
        buildings=inputs.osm.buildings,
        scenario=scenario,
        installed=inputs.installed,
        exclusion=inputs.exclusion,
        stop_areas=stop_areas,
        strak=legal.strak_segments(corr),
    )
    return sites, problem


def _frontier(
    scenario: Scenario, problem: PlacementProblem, plan: placement.CameraPlacement
) -> pd.DataFrame:
    """The budget frontier, with the plan itself at its own budget."""
    front = placement.budget_frontier(
        problem,
        scenario.placement.frontier_budgets_sek,
        time_limit_s=scenario.placement.time_limit_s,
        stop_area_only=scenario.placement.stop_area_only,
        seed=scenario.placement.seed,
        threads=scenario.placement.threads,
        proven_gap=scenario.placement.frontier_proven_gap,
    )
    return _with_plan(
        front, plan, scenario.budget.total_sek, problem, scenario.placement.frontier_proven_gap
    )


def _placement_at(scenario: Scenario, budget_sek: float) -> placement.CameraPlacement:
    """The scenario's placement settings at another budget (no area minimums)."""
    pl = scenario.placement
    return placement.CameraPlacement(
        budget_sek=budget_sek,
        method=pl.method,
        time_limit_s=pl.time_limit_s,
        mip_gap=pl.mip_gap,
        seed=pl.seed,
        threads=pl.threads,
        work_limits=placement.WorkLimits(
            local_search_moves=pl.local_search_moves,
            lagrangian_iterations=pl.lagrangian_iterations,
            lp_iterations=pl.lp_iterations,
            rins_nodes=pl.rins_nodes,
            proof_nodes=pl.proof_nodes,
        ),
    )


def _portfolio_instance(
    scenario: Scenario,
    inputs: PlanInputs,
    corr: gpd.GeoDataFrame,
    problem: PlacementProblem,
    chosen: tuple[measures.Measure, ...],
) -> measures.Portfolio:
    """The joint instance of cameras and the scenario's other measures."""
    points = coverage.demand_points(
        corr.assign(score=1.0), step_m=scenario.coverage.sample_step_m
    ).rename(columns={"weight": "length_m"})
    inc = inputs.incidents
    place = measures.centre_latlon(corr)
    dark = measures.is_dark(
        inc["occurred_at"], lat=place.lat, lon=place.lon, timezone=scenario.study_area.timezone
    )
    weights = scoring.incident_weights(inc, config=scenario.scoring).to_numpy(dtype=float)
    strata = measures.incident_strata(
        corr, inc, chosen, dark=dark, weights=weights, snapped=scoring.snap_incidents(corr, inc)
    )
    options = [
        (
            m,
            *measures.measure_options(
                m,
                corr,
                points,
                lamps=inputs.osm.lamps,
                stops=inputs.transit.stops,
                horizon_years=scenario.budget.horizon_years,
            ),
        )
        for m in chosen
        if m.kind != "camera"
    ]
    perceived = corr.get("perceived_per_m")
    return measures.build_portfolio(
        problem,
        points,
        corr,
        chosen,
        options,
        strata,
        perceived_per_m=perceived,
        perceived_weight=scenario.portfolio.perceived_weight,
    )


def _portfolio(
    scenario: Scenario,
    inputs: PlanInputs,
    corr: gpd.GeoDataFrame,
    problem: PlacementProblem,
    *,
    frontier: bool,
) -> measure_plans.PortfolioResult | None:
    """Cameras and other measures chosen together, or None when the scenario lists none."""
    chosen = measures.resolve(scenario.measures)
    if not chosen:
        return None
    folio = _portfolio_instance(scenario, inputs, corr, problem, chosen)
    pf = scenario.portfolio
    budgets = pf.frontier_budgets_sek or scenario.placement.frontier_budgets_sek
    sweep = None
    if frontier and budgets:
        sweep = functools.partial(_family_frontier, budgets=budgets, scenario=scenario)
    return measure_plans.plan_portfolio(
        folio,
        functools.partial(_placement_at, scenario),
        scenario.budget.total_sek,
        n_draws=pf.draws,
        stability_draws=pf.stability_draws,
        seed=scenario.placement.seed,
        frontier=sweep,
        proven_gap=scenario.placement.frontier_proven_gap,
    )


def _mix_cameras(
    scenario: Scenario, problem: PlacementProblem, folio: measure_plans.PortfolioResult
) -> placement.CameraPlacement:
    """
    The camera plan of the portfolio's mix, as a solved placement of the camera problem.

    The mix's cameras are fixed in and the budget is their cost, so nothing else fits: the
    placement only carries them (coverage, cost, covered points) to the deliverables. Its own
    gap says nothing about the mix; the summary takes the mix's (:func:`_mix_solver`).
    """
    opts = problem.options
    chosen = frozenset(folio.plans["mix"].selected) & frozenset(opts.index)
    if not chosen:
        msg = (
            "portfolio.objective = 'prevented' chose no camera at this budget, so there is no "
            "camera plan to write. Use objective = 'coverage', or raise the budget."
        )
        raise InputError(msg)
    fixed = problem.fixed | chosen
    budget = problem.plan_cost_sek(opts.index.get_indexer(sorted(fixed)))
    return _placement_at(scenario, budget + 1.0).solve(dataclasses.replace(problem, fixed=fixed))


def _mix_solver(folio: measure_plans.PortfolioResult) -> dict[str, Any]:
    """summary.json's solver block for the portfolio's mix."""
    mix = folio.plans["mix"]
    return {
        "method": "portfolio",
        "status": mix.status,
        "objective": mix.objective,
        "bound": mix.bound,
        "gap": mix.gap,
    }


def _family_frontier(
    problem: PlacementProblem, *, budgets: list[float], scenario: Scenario
) -> pd.DataFrame:
    """One family's frontier over `budgets`."""
    return placement.budget_frontier(
        problem,
        budgets,
        time_limit_s=scenario.placement.time_limit_s,
        seed=scenario.placement.seed,
        threads=scenario.placement.threads,
        proven_gap=scenario.placement.frontier_proven_gap,
    )


def _deliverables(
    scenario: Scenario,
    inputs: PlanInputs,
    corr: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    cameras: gpd.GeoDataFrame,
    footprints: gpd.GeoDataFrame,
    *,
    phase: str | None,
) -> dict[str, Any]:
    """Masking, aggregated incidents, legal wording, site packs, register and bill."""
    regime = scenario.legal.effective_regime
    buildings = inputs.osm.buildings
    masking = privacy.masking_polygons(footprints, buildings)
    cells = privacy.aggregate_incidents(
        inputs.incidents, grid_m=scenario.privacy.grid_m, min_count=scenario.privacy.min_count
    )
    cams = cameras.sort_index()
    packs = paperwork.site_packs(
        cams,
        footprints,
        regime=regime,
        incidents=inputs.incidents,
        masking=masking,
        stops=inputs.transit.stops,
        scenario=scenario,
        buildings=buildings,
        corridors=corr,
    )
    register = paperwork.register_rows(
        cams,
        scenario=scenario,
        assessment_date=scenario.legal.plan_date,
        corridors=corr,
        masking=masking,
        lang=scenario.output.language,
    )
    phase_of = None if phase is None else procurement.phase_plan(cameras, strategy=phase)
    bill = procurement.bill_of_quantities(cameras, sites, scenario=scenario, phase_of=phase_of)
    return {
        "masking": masking,
        "incident_cells": cells,
        "legal_wording": {
            cls: legal.wording(regime, cls, scenario.output.language) for cls in legal.LEGAL_CLASSES
        },
        "site_packs": packs,
        "register": register,
        "bill": bill,
    }


def _log_plan(scenario: Scenario, summary: dict[str, Any]) -> None:
    log.info(
        "plan %s: %d cameras, %.0f SEK, %.1f%% of weighted demand covered, gap %.3f%%",
        scenario.study_area.name,
        summary["n_cameras"],
        summary["cost_sek"],
        100 * summary["coverage_share"],
        100 * summary["solver"]["gap"],
    )


def _evaluation(
    scenario: Scenario, corr: gpd.GeoDataFrame, inputs: PlanInputs, graph: Any
) -> scoring.Evaluation:
    """
    The hold-out evaluation, or an empty one with a warning when it cannot be split.

    Without ``scoring.evaluation_cut_date`` the cut falls inside the incidents' time span, so
    only incidents that all share one time (e.g. a single one) leave no training period; the
    plan does not need the evaluation, so it goes on without it.
    """
    times = inputs.incidents["occurred_at"]
    if times.isna().all() and len(times):
        warnings.warn(
            "skipped the hold-out evaluation: the incidents have no time "
            "(inputs.incident_columns.time = 'none'), so no period can be held out.",
            InputWarning,
            stacklevel=3,
        )
        return scoring.Evaluation.empty()
    if scenario.scoring.evaluation_cut_date is None and times.nunique() < 2:
        warnings.warn(
            f"skipped the hold-out evaluation: the {len(times)} incident(s) all have one time, "
            "so there is no earlier period to train on and later one to test.",
            InputWarning,
            stacklevel=3,
        )
        return scoring.Evaluation.empty()
    return scoring.evaluate(
        corr,
        inputs.incidents,
        inputs.transit.stops,
        config=scenario.scoring,
        areas=inputs.areas,
        graph=graph,
    )


def _with_plan(
    front: pd.DataFrame,
    plan: placement.CameraPlacement,
    budget_sek: float,
    problem: PlacementProblem,
    proven_gap: float = 0.005,
) -> pd.DataFrame:
    """
    Put the plan itself on the frontier at its budget.

    The frontier's sweep has less work per budget than the plan, so at the plan's own budget
    the plan (longer search, tighter bound) replaces the sweep's point. A bound at a budget
    also holds at every smaller budget, so bounds are made non-decreasing; ``proven`` marks
    the points whose gap is at most `proven_gap`.
    """
    if front.empty or not (front["budget_sek"] == budget_sek).any():
        return front
    front = front.copy()
    row = front.index[front["budget_sek"] == budget_sek][0]
    if plan.objective_ >= front.at[row, "objective"]:
        total = float(problem.weights.sum())
        front.loc[row, ["objective", "bound", "gap", "cost_sek", "n_cameras", "coverage_share"]] = [
            plan.objective_,
            min(plan.bound_, float(front.at[row, "bound"])),
            plan.gap_,
            plan.cost_sek_,
            len(plan.selected_),
            plan.objective_ / total if total > 0 else 0.0,
        ]
        front.loc[row, ["status", "method"]] = [plan.status_, plan.method_]
        # Any plan stays feasible with more money: a budget whose sweep point falls below a
        # cheaper one takes that cheaper plan.
        plan_cols = ["objective", "cost_sek", "n_cameras", "coverage_share", "status", "method"]
        # Budgets below the cheapest camera have no plan (NaN): they take none and give none.
        best = None
        for i in range(len(front)):
            objective = front["objective"].iat[i]
            if best is not None and not objective >= front["objective"].iat[best]:
                front.loc[front.index[i], plan_cols] = front.loc[
                    front.index[best], plan_cols
                ].to_numpy()
            elif not np.isnan(objective):
                best = i
        bound = front["bound"][::-1].cummin()[::-1]
        front["bound"] = np.fmax(bound, front["objective"])
        gap = (front["bound"] - front["objective"]) / front["bound"].where(front["bound"] > 0)
        # A zero bound means nothing to cover (gap 0); a budget without a plan has no gap.
        front["gap"] = gap.where(front["objective"].isna() | (front["bound"] > 0), 0.0)
        front["gap"] = front["gap"].clip(lower=0.0)
        front["proven"] = (front["gap"] <= proven_gap).astype(bool)
        front["marginal_per_sek"] = front["objective"].diff() / front["budget_sek"].diff()
    return front


def _cameras(
    problem: PlacementProblem, plan: placement.CameraPlacement, scenario: Scenario
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The chosen options as camera points (cameras.csv schema) and footprint polygons."""
    opts = problem.options.loc[list(plan.selected_)]
    sites = problem.sites
    cover = problem.coverage[problem.options.index.get_indexer(opts.index)]
    # Demand a camera adds on its own terms: weight of the points it sees (shared points count
    # for each camera that sees them; the plan total counts each point once).
    covered_demand = np.asarray(cover @ problem.weights).ravel()
    site_pts = sites.geometry.loc[opts["site_id"]].to_numpy()
    camera_id = [f"cam-{i + 1:03d}" for i in range(len(opts))]
    pts = gpd.GeoSeries(site_pts, crs=sites.crs)
    lonlat = pts.to_crs(4326)
    purpose = ", ".join(scenario.legal.purposes)
    cams = gpd.GeoDataFrame(
        {
            "camera_id": camera_id,
            "option_id": opts.index.to_numpy(),
            "site_id": opts["site_id"].to_numpy(),
            "x": pts.x.to_numpy(),
            "y": pts.y.to_numpy(),
            "lon": lonlat.x.to_numpy(),
            "lat": lonlat.y.to_numpy(),
            "azimuth_deg": opts["azimuth_deg"].to_numpy(),
            "hfov_deg": opts["hfov_deg"].to_numpy(),
            "range_m": opts["range_m"].to_numpy(),
            "model": opts["model"].to_numpy(),
            "mount": opts["mount"].to_numpy(),
            "legal_class": opts["legal_class"].to_numpy(),
            "legal_reason": sites["legal_reason"].loc[opts["site_id"]].to_numpy()
            if "legal_reason" in sites
            else None,
            "purpose": purpose,
            "area": opts["area"].to_numpy(),
            "capex_sek": opts["capex_sek"].to_numpy(),
            "opex_sek_per_year": opts["opex_sek_per_year"].to_numpy(),
            "total_cost_sek": opts["cost_sek"].to_numpy(),
            "covered_demand": covered_demand,
        },
        geometry=pts.to_numpy(),
        crs=sites.crs,
    ).set_index("camera_id")
    # Shared site cost is charged to the first camera at each site, so the column sums to the plan.
    first = ~cams["site_id"].duplicated()
    cams.loc[first, "total_cost_sek"] += (
        sites["site_cost_sek"].loc[cams.loc[first, "site_id"]].to_numpy()
    )
    cams.loc[first, "capex_sek"] += (
        sites["site_cost_sek"].loc[cams.loc[first, "site_id"]].to_numpy()
    )
    # Likewise the site's paperwork, to the first camera there that needs it.
    needs = problem.option_paperwork[problem.options.index.get_indexer(opts.index)]
    paper_first = needs & ~cams["site_id"].where(needs).duplicated().to_numpy()
    paper_sek = problem.site_paperwork_sek[sites.index.get_indexer(cams["site_id"])]
    cams["total_cost_sek"] += np.where(paper_first, paper_sek, 0.0)
    cams["capex_sek"] += np.where(paper_first, paper_sek, 0.0)
    foot = gpd.GeoDataFrame(
        cams.drop(columns="geometry").assign(geometry=opts.geometry.to_numpy()),
        geometry="geometry",
        crs=sites.crs,
    )
    return cams, foot


def _cameras_by_view(
    cameras: gpd.GeoDataFrame,
    footprints: gpd.GeoDataFrame,
    stop_areas: gpd.GeoDataFrame,
    corr: gpd.GeoDataFrame,
    problem: PlacementProblem,
    scenario: Scenario,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """
    Each chosen camera classified by what it films (11 § 5 b: surveillance *of* a stop area).

    ``legal_class``, ``legal_wording``, ``legal_reason``, ``legal_stop_id``,
    ``legal_distance_m`` and the view columns (share inside stop areas, outside area, stråk)
    come from :func:`siteplan.legal.classify_views` on the camera's footprint; the site's
    position-based reason is kept as ``site_legal_reason``; ``mask_lost_share`` is the share
    of the view a camera masked to the stop area gives up (0 unmasked).
    """
    views = legal.classify_views(
        footprints,
        stop_areas,
        legal.strak_segments(corr),
        config=scenario.legal,
        lang=scenario.output.language,
    )
    lost = problem.options.get("mask_lost_share")
    views["mask_lost_share"] = (
        0.0 if lost is None else lost.reindex(cameras["option_id"]).fillna(0.0).to_numpy()
    )
    columns = [*legal.LEGAL_COLUMNS, *legal.VIEW_COLUMNS, "mask_lost_share"]
    cams = cameras.assign(site_legal_reason=cameras["legal_reason"])
    cams = cams.drop(columns=[c for c in columns if c in cams.columns]).join(views[columns])
    foot = footprints.drop(columns=[c for c in columns if c in footprints.columns])
    foot = foot.join(views[columns])
    counts = views["legal_class"].value_counts()
    log.info(
        "cameras by view: %d stop_area, %d stop_area_borderline, %d general",
        counts.get("stop_area", 0),
        counts.get("stop_area_borderline", 0),
        counts.get("general", 0),
    )
    return cams, foot


def _covered_share(
    problem: PlacementProblem, plan: placement.CameraPlacement, index: pd.Index
) -> pd.Series:
    dem = problem.demand
    w = dem["weight"].to_numpy(dtype=float)
    cov = np.asarray(plan.covered_, dtype=bool)
    tot = pd.Series(w, index=dem.index).groupby(dem["corridor_id"]).sum()
    got = pd.Series(w * cov, index=dem.index).groupby(dem["corridor_id"]).sum()
    share = (got / tot.replace(0, np.nan)).reindex(index)
    return share.fillna(0.0).rename("covered_share")


def _group_summary(
    key: str, problem: PlacementProblem, plan: placement.CameraPlacement, cams: pd.DataFrame
) -> dict[str, dict[str, float]]:
    dem = problem.demand
    w = dem["weight"].to_numpy(dtype=float)
    cov = np.asarray(plan.covered_, dtype=bool)
    groups = dem[key].fillna("(none)").astype(str)
    out: dict[str, dict[str, float]] = {}
    for name in sorted(set(groups) | set(cams[key].fillna("(none)").astype(str))):
        mask = (groups == name).to_numpy()
        sel = cams[key].fillna("(none)").astype(str) == name
        total = float(w[mask].sum())
        covered = float(w[mask & cov].sum())
        out[name] = {
            "n_cameras": int(sel.sum()),
            "cost_sek": float(cams.loc[sel, "total_cost_sek"].sum()),
            "demand_total": total,
            "demand_covered": covered,
            "coverage_share": covered / total if total > 0 else 0.0,
        }
    return out


def _model_summary(evaluation: scoring.Evaluation) -> dict[str, Any] | None:
    """The score model the rolling-origin folds chose, for summary.json."""
    selection = evaluation.selection
    if selection is None:
        return None
    return {
        "chosen": selection.model.label,
        "fallback_reason": selection.fallback_reason,
        "horizon_days": evaluation.horizon_days,
        "fold_cut_dates": [d.isoformat() for d in selection.cut_dates],
    }


def summarise(
    scenario: Scenario,
    corridors: gpd.GeoDataFrame,
    problem: PlacementProblem,
    plan: placement.CameraPlacement,
    evaluation: scoring.Evaluation,
    frontier: pd.DataFrame,
    cameras: gpd.GeoDataFrame,
    footprints: gpd.GeoDataFrame,
) -> dict[str, Any]:
    """
    The numbers of ``summary.json``, reproducible from the written layers.

    Parameters
    ----------
    scenario, corridors, problem, plan, evaluation, frontier
        The run's parts.
    cameras
        The chosen cameras (one row per camera, with ``site_id``, ``area``, ``legal_class``
        and ``total_cost_sek``).
    footprints
        The cameras' visibility polygons: ``covered_length_m`` is the length of corridor
        inside them.

    Returns
    -------
    summary
        A JSON-serialisable dictionary.
    """
    w = problem.weights
    cov = np.asarray(plan.covered_, dtype=bool)
    step = scenario.coverage.sample_step_m
    demand_total = float(w.sum())
    demand_covered = float(w[cov].sum())
    seen = footprints.geometry.union_all() if len(footprints) else None
    covered_length = (
        0.0 if seen is None else float(corridors.geometry.intersection(seen).length.sum())
    )
    return {
        "scenario": scenario.study_area.name,
        "title": scenario.study_area.title,
        "fictional": scenario.study_area.fictional,
        "regime": scenario.legal.effective_regime,
        "plan_date": scenario.legal.plan_date.isoformat(),
        "budget_sek": float(scenario.budget.total_sek),
        "horizon_years": float(scenario.budget.horizon_years),
        "cost_sek": float(plan.cost_sek_),
        "n_cameras": len(cameras),
        "n_sites": int(cameras["site_id"].nunique()),
        "demand_total": demand_total,
        "demand_covered": demand_covered,
        "coverage_share": demand_covered / demand_total if demand_total > 0 else 0.0,
        "corridor_length_m": float(corridors["length_m"].sum()),
        "covered_length_m": covered_length,
        "sample_step_m": float(step),
        "by_area": _group_summary("area", problem, plan, cameras),
        "by_legal_class": _group_summary("legal_class", problem, plan, cameras),
        "solver": {
            "method": plan.method_,
            "status": plan.status_,
            "objective": float(plan.objective_),
            "bound": float(plan.bound_),
            "gap": float(plan.gap_),
        },
        "greedy_objective": float(plan.greedy_objective_),
        "evaluation": evaluation.table.to_dict(orient="records"),
        "evaluation_folds": evaluation.folds.to_dict(orient="records"),
        "evaluation_cut_date": str(evaluation.cut_date or ""),
        "model": _model_summary(evaluation),
        "hotspots": {
            c: int((corridors["trend"] == c).sum()) if "trend" in corridors else 0
            for c in scoring.TREND_CATEGORIES
        },
        "frontier": frontier.to_dict(orient="records"),
        "assumptions": {
            "stop_area_radius_m": scenario.legal.stop_area_radius_m,
            "exempt_view_share": scenario.legal.exempt_view_share,
            "near_zone_m": scenario.legal.near_zone_m,
            "strak_max_walk_m": scenario.legal.strak_max_walk_m,
            "strak_policy": scenario.legal.strak_policy,
        },
    }


def run_many(
    scenarios: Scenario | Iterable[Scenario | batch.BatchRun], **options: Any
) -> batch.BatchResult:
    """
    Run many scenarios, or the variants of a sweep, on Dask: each one as :func:`run` runs it.

    Each distinct input set is loaded once on the cluster (:func:`load_inputs`) and shared by
    the variants that use it; each run is isolated (a failing one carries its error).

    Parameters
    ----------
    scenarios
        A scenario (its ``[sweep]`` expanded), scenarios, or prepared
        :class:`siteplan.batch.BatchRun`.
    **options
        The options of :func:`siteplan.batch.run_many`: ``sweep``, ``client``, ``scheduler``,
        ``n_workers``, ``frontier``, ``stored``, ``progress``, ``checkpoint``.

    Returns
    -------
    result
        The records and the batch tables.
    """
    return batch.run_many(scenarios, steps=batch.RunSteps(load=load_inputs, plan=run), **options)


def run_followup(
    scenario: Scenario,
    *,
    installed: str | os.PathLike[str] | gpd.GeoDataFrame,
    spending: str | os.PathLike[str] | pd.DataFrame,
    period: followup.Period | str,
    year: int | None = None,
    incidents: str | os.PathLike[str] | gpd.GeoDataFrame | None = None,
    plan_dir: str | os.PathLike[str] | None = None,
    grid: bool = False,
    inputs: PlanInputs | None = None,
    settings: followup.FollowupSettings | None = None,
    interventions: str | os.PathLike[str] | gpd.GeoDataFrame | None = None,
    disclosures: str | os.PathLike[str] | pd.DataFrame | None = None,
    uptime: str | os.PathLike[str] | pd.DataFrame | None = None,
    measures: str | os.PathLike[str] | gpd.GeoDataFrame | None = None,
) -> followup.FollowupResult:
    """
    Follow up a scenario's installed cameras: effect on incidents and spending, one period.

    The scenario's inputs are loaded by :func:`load_inputs` and its corridors and legal classes
    built as :func:`run` builds them (:func:`build_corridors_and_law`), unless the plan's
    ``plan.gpkg`` has its corridors or `grid` is set.

    Parameters
    ----------
    scenario
        The plan's scenario (budget, time zone, language, inputs).
    installed
        Installed cameras: a plan's ``cameras.csv`` plus ``installed_on``, or the loaded layer.
    spending
        The spending lines: a file, or the frame :func:`siteplan.io.spending.load_spending`
        returns.
    period
        The report period, or its name (``"interim"``, ``"year"``) with `year`.
    year
        Calendar year of a named `period` (default: this year).
    incidents
        Incidents up to the report date (a file read like the scenario's, or a layer); None
        uses the scenario's incidents.
    plan_dir
        The plan's output folder: footprints (and corridors) from its ``plan.gpkg``.
    grid
        Square cells instead of corridors (no cost per km).
    inputs
        Already loaded inputs of `scenario`; loaded if None.
    settings
        Analysis settings (default :class:`siteplan.followup.FollowupSettings`).
    interventions
        Polygons of other interventions (never controls); None: ``followup.interventions``.
    disclosures, uptime
        Footage disclosed to the police and camera uptime (files or frames); None: not kept.
    measures
        Installed non-camera measures (lighting, help points, ...; a file read by
        :func:`siteplan.io.installed_measures.load_installed_measures`, or the layer), each
        followed up like a camera site; None leaves them out.

    Returns
    -------
    result
        The :class:`siteplan.followup.FollowupResult`.
    """
    if isinstance(period, followup.Period):
        span = period
    else:
        span = followup.report_period(period, year=year)
    tables = _followup_tables(scenario, installed, spending, disclosures, uptime)  # fail fast
    if measures is not None and not isinstance(measures, gpd.GeoDataFrame):
        crs = scenario.study_area.crs
        measures = installed_measures_io.load_installed_measures(measures, crs=crs)
    inputs = inputs or load_inputs(scenario)
    layers = _followup_layers(scenario, inputs, plan_dir, grid=grid)
    return followup.followup(
        tables.installed,
        _followup_incidents(scenario, inputs, incidents),
        tables.spending,
        period=span,
        scenario=scenario,
        corridors=layers.corridors,
        footprints=layers.footprints,
        settings=settings,
        interventions=_followup_interventions(scenario, interventions),
        disclosures=tables.disclosures,
        uptime=tables.uptime,
        measures=measures,
    )


class _FollowupTables(NamedTuple):
    """The follow-up's tables, loaded."""

    installed: gpd.GeoDataFrame
    spending: pd.DataFrame
    disclosures: pd.DataFrame | None
    uptime: pd.DataFrame | None


def _followup_tables(
    scenario: Scenario,
    installed: str | os.PathLike[str] | gpd.GeoDataFrame,
    spending: str | os.PathLike[str] | pd.DataFrame,
    disclosures: str | os.PathLike[str] | pd.DataFrame | None,
    uptime: str | os.PathLike[str] | pd.DataFrame | None,
) -> _FollowupTables:
    """Installed cameras, spending, disclosures and uptime: given frames, or read from files."""
    if not isinstance(installed, gpd.GeoDataFrame):
        crs = scenario.study_area.crs
        installed = cameras_io.load_installed_cameras(installed, crs=crs, dated=True)
    if not isinstance(spending, pd.DataFrame):
        spending = spending_io.load_spending(spending)
    if disclosures is not None and not isinstance(disclosures, pd.DataFrame):
        disclosures = operations_io.load_disclosures(disclosures)
    if uptime is not None and not isinstance(uptime, pd.DataFrame):
        uptime = operations_io.load_uptime(uptime)
    return _FollowupTables(installed, spending, disclosures, uptime)


class _FollowupLayers(NamedTuple):
    """The plan's footprints (None: rebuilt) and the units (None: grid cells)."""

    footprints: gpd.GeoDataFrame | None
    corridors: gpd.GeoDataFrame | None


def _followup_layers(
    scenario: Scenario,
    inputs: PlanInputs,
    plan_dir: str | os.PathLike[str] | None,
    *,
    grid: bool,
) -> _FollowupLayers:
    """Footprints and corridors from the plan's folder, else corridors built as run builds them."""
    footprints = corridors = None
    if plan_dir is not None:
        footprints, corridors = plan_io.load_plan_layers(plan_dir, crs=scenario.study_area.crs)
    if grid:
        corridors = None
    elif corridors is None:
        corridors, _ = build_corridors_and_law(scenario, inputs)
    return _FollowupLayers(footprints, corridors)


def _followup_interventions(
    scenario: Scenario, interventions: str | os.PathLike[str] | gpd.GeoDataFrame | None
) -> gpd.GeoDataFrame | None:
    """The other interventions' areas: a given layer or file, else the scenario's, else None."""
    if isinstance(interventions, gpd.GeoDataFrame):
        return interventions
    path = (
        scenario.path(scenario.followup.interventions) if interventions is None else interventions
    )
    if path is None:
        return None
    return operations_io.load_interventions(path, crs=scenario.study_area.crs)


def _followup_incidents(
    scenario: Scenario,
    inputs: PlanInputs,
    incidents: str | os.PathLike[str] | gpd.GeoDataFrame | None,
) -> gpd.GeoDataFrame:
    """The follow-up's incidents: the scenario's, a given layer, or a file read like them."""
    if incidents is None:
        return inputs.incidents
    if isinstance(incidents, gpd.GeoDataFrame):
        return incidents
    return incidents_io.load_incidents(
        incidents,
        crs=scenario.study_area.crs,
        timezone=scenario.study_area.timezone,
        columns=scenario.inputs.incident_columns,
        areas=inputs.areas,
    )
