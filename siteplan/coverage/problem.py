"""The placement problem: demand points, the coverage matrix and the instance the optimiser solves.

:func:`demand_points` samples the corridors; :func:`coverage_matrix` says which option sees
which point; :func:`build_problem` chains sites, options, costs, installed cameras and
exclusion zones into a :class:`~siteplan.problem.PlacementProblem`, dropping options that
cover nothing or only a subset of what another azimuth of the same camera slot sees.
"""

from __future__ import annotations

import logging
import warnings
from typing import NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely

from siteplan import legal
from siteplan.config import LegalConfig, Scenario
from siteplan.coverage._common import geometry_array, nearest_rows, usable_mask, warn_skipped
from siteplan.coverage.geometry import N_RAYS, building_obstacles, ray_distances
from siteplan.coverage.options import (
    camera_options,
    option_costs,
    options_frame,
    site_paperwork_sek,
)
from siteplan.crs import require_projected, require_same_crs
from siteplan.errors import InputError, InputWarning
from siteplan.problem import OPTION_COLUMNS, OPTION_PAPERWORK, PlacementProblem
from siteplan.schemas import require

__all__ = ["build_problem", "coverage_matrix", "demand_points"]

log = logging.getLogger(__name__)

_CORRIDORS_HINT = (
    "Build it with corridors.build_corridors, then legal.classify and scoring.score_corridors."
)
_SITES_HINT = "Build it with coverage.candidate_sites, then legal.classify_points."
_INSTALLED_HINT = "Load installed cameras with siteplan.io.cameras.load_installed_cameras."


def demand_points(
    corridors: gpd.GeoDataFrame, *, step_m: float = 5.0, min_weight: float = 0.0
) -> gpd.GeoDataFrame:
    """
    Sample each corridor every `step_m`; each point stands for the stretch around it.

    Points sit at ``step/2, 3·step/2, ...`` along the corridor; the last stands for the
    remainder. A point's weight is the corridor score times the length it stands for, so a
    corridor's weights sum to ``score × length_m``.

    Parameters
    ----------
    corridors
        Corridor segments with ``length_m``, ``score``, ``area``, ``legal_class``.
    step_m
        Sampling step in metres. Must be > 0.
    min_weight
        Points lighter than this are dropped.

    Returns
    -------
    demand
        Index ``demand_id`` (``"<corridor_id>:<i>"``); columns ``corridor_id``, ``weight``,
        ``area``, ``legal_class``; geometry Point.
    """
    if step_m <= 0:
        msg = f"step_m must be > 0 (coverage.sample_step_m); got {step_m}."
        raise InputError(msg)
    require(
        corridors,
        ("length_m", "score", "area", "legal_class"),
        name="corridors",
        hint=_CORRIDORS_HINT,
    )
    require_projected(corridors, "corridors")
    geoms = geometry_array(corridors)
    length = corridors["length_m"].to_numpy(dtype=float)
    ok = usable_mask(geoms, ("LineString",)) & (length > 0) & np.isfinite(length)
    warn_skipped(int((~ok).sum()), len(ok), "corridors", "no line geometry or length_m <= 0")
    rows = np.flatnonzero(ok)
    n_per = np.maximum(1, np.ceil(length[rows] / step_m - 1e-9)).astype(int)
    row = np.repeat(rows, n_per)
    k = np.arange(len(row)) - np.repeat(np.cumsum(n_per) - n_per, n_per)
    lo = k * step_m
    hi = np.minimum((k + 1) * step_m, length[row])
    pts = shapely.line_interpolate_point(geoms[row], (lo + hi) / 2 / length[row], normalized=True)
    weight = corridors["score"].to_numpy(dtype=float)[row] * (hi - lo)
    cid = corridors.index.to_numpy()[row]
    frame = pd.DataFrame(
        {
            "corridor_id": cid,
            "weight": weight,
            "area": corridors["area"].to_numpy()[row],
            "legal_class": corridors["legal_class"].to_numpy()[row],
        },
        index=pd.Index([f"{c}:{i}" for c, i in zip(cid, k, strict=True)], name="demand_id"),
    )
    keep = weight >= min_weight
    demand = gpd.GeoDataFrame(frame[keep], geometry=pts[keep], crs=corridors.crs)
    log.info(
        "demand points: %d every %.1f m on %d corridors (%d below min weight dropped), "
        "total weight %.1f",
        len(demand),
        step_m,
        len(rows),
        int((~keep).sum()),
        float(demand["weight"].sum()),
    )
    return demand


def coverage_matrix(options: gpd.GeoDataFrame, demand: gpd.GeoDataFrame) -> sp.csr_matrix:
    """
    Which option sees which demand point.

    Parameters
    ----------
    options
        Camera options; geometry = footprint.
    demand
        Demand points.

    Returns
    -------
    coverage
        Boolean sparse matrix, ``len(options) × len(demand)``: True where the footprint
        intersects (contains or touches) the point.
    """
    shape = (len(options), len(demand))
    if not len(options) or not len(demand):
        return sp.csr_matrix(shape, dtype=bool)
    tree = shapely.STRtree(geometry_array(demand))
    o_i, d_i = tree.query(geometry_array(options), predicate="intersects")
    matrix = sp.csr_matrix((np.ones(len(o_i), dtype=bool), (o_i, d_i)), shape=shape)
    matrix.sort_indices()
    log.info("coverage matrix: %d x %d, %d entries", *shape, matrix.nnz)
    return matrix


def build_problem(
    corridors: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    *,
    buildings: gpd.GeoDataFrame | None,
    scenario: Scenario,
    installed: gpd.GeoDataFrame | None = None,
    exclusion: gpd.GeoDataFrame | None = None,
    stop_areas: gpd.GeoDataFrame | None = None,
    strak: gpd.GeoDataFrame | None = None,
) -> PlacementProblem:
    """
    Build the budgeted maximum-coverage instance the optimiser solves.

    Demand points sample the scored corridors; every site × model gets its options
    (:func:`~siteplan.coverage.camera_options`) priced by
    :func:`~siteplan.coverage.option_costs`. Options that cover no demand
    are dropped, and so are options that see only a subset of what another azimuth of the
    same slot (site and model, same cost) sees; then sites left without options. Each
    site's cost gains the connectivity opex over the horizon. Cameras already installed
    become sites of source ``installed`` at cost 0 with one fixed option each. Options at
    sites inside an exclusion polygon are excluded (fixed options never are). The
    ``placement.stop_area_only`` filter is left to :mod:`siteplan.placement`.

    With `stop_areas`, every option carries the legal class of what it films
    (:func:`siteplan.legal.classify_views`), and its paperwork is priced by that class; with
    ``legal.mask_views``, each option whose view lies partly in a stop area also gets a
    masked twin (``<option_id>/mask``: the view clipped to the stop area, class
    ``stop_area``, the view share given up in ``mask_lost_share``). Without `stop_areas`
    options take their site's class.

    Parameters
    ----------
    corridors
        Scored, legally classified corridors (``score``, ``legal_class``, ``area``, ...).
    sites
        Candidate sites after legal classification (``legal_class``).
    buildings
        Building footprints, or None.
    scenario
        The scenario (cameras, costs, coverage, budget, legal, placement).
    installed
        Installed cameras: ``model``, ``azimuth_deg`` (NaN for 360°), Point geometry;
        optionally ``mount`` and ``legal_class``.
    exclusion
        Polygons where no new camera may go.
    stop_areas
        Stop-area polygons (:func:`siteplan.legal.stop_areas`), or None.
    strak
        Stråk segments (:func:`siteplan.legal.strak_segments`), or None.

    Returns
    -------
    problem
        The placement problem.

    Raises
    ------
    InputError
        If a layer lacks a column, an installed camera names an unknown model, or no demand
        point remains.
    """
    require(
        sites, ("legal_class", "mount", "area", "site_cost_sek"), name="sites", hint=_SITES_HINT
    )
    require_same_crs(corridors, sites, "corridors", "sites")
    demand = _demand(corridors, scenario)
    views = _ViewLayers(stop_areas, strak, scenario.legal)
    all_sites, options = _priced_options(
        corridors, sites, buildings=buildings, scenario=scenario, views=views
    )
    fixed: list[str] = []
    if installed is not None and len(installed):
        inst_sites, inst_opts = _installed_options(
            installed, corridors, all_sites.index, buildings=buildings, scenario=scenario
        )
        inst_opts = _by_view(inst_opts, views, masks=False)
        fixed = list(inst_opts.index)
        all_sites = pd.concat([all_sites, inst_sites])
        options = pd.concat([options, inst_opts])
    options = options.assign(mask_lost_share=options["mask_lost_share"].fillna(0.0))
    options = options[[*OPTION_COLUMNS, OPTION_PAPERWORK, "mask_lost_share", "geometry"]]
    kept = _prune(options, coverage_matrix(options, demand), options.index.isin(fixed))
    options, matrix = kept.options, kept.coverage
    all_sites = all_sites[all_sites.index.isin(options["site_id"])]
    excluded = _excluded_options(options, all_sites, kept.fixed, corridors, exclusion)
    problem = PlacementProblem(
        options=options,
        sites=all_sites,
        demand=demand,
        coverage=matrix,
        fixed=frozenset(fixed),
        excluded=frozenset(excluded),
    )
    _log_problem(problem, kept, scenario.legal.effective_regime)
    return problem


def _log_problem(problem: PlacementProblem, kept: _Pruned, regime: str) -> None:
    log.info(
        "placement problem: %d options at %d sites, %d demand points, %d coverage entries; "
        "dropped %d covering nothing and %d seeing a subset of another azimuth's points; "
        "%d fixed, %d excluded (regime %s)",
        len(problem.options),
        len(problem.sites),
        len(problem.demand),
        problem.coverage.nnz,
        kept.n_useless,
        kept.n_dominated,
        len(problem.fixed),
        len(problem.excluded),
        regime,
    )


def _demand(corridors: gpd.GeoDataFrame, scenario: Scenario) -> gpd.GeoDataFrame:
    """The scenario's demand points on `corridors`; raises if there are none."""
    demand = demand_points(
        corridors,
        step_m=scenario.coverage.sample_step_m,
        min_weight=scenario.coverage.min_demand_weight,
    )
    if not len(demand):
        msg = (
            "no demand points: the corridors are empty or every point weighs less than "
            f"coverage.min_demand_weight = {scenario.coverage.min_demand_weight}."
        )
        raise InputError(msg)
    return demand


def _priced_options(
    corridors: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    *,
    buildings: gpd.GeoDataFrame | None,
    scenario: Scenario,
    views: _ViewLayers,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """
    The sites with connectivity opex over the horizon in their cost, and their priced options.

    Returns ``(sites, options)``; options carry ``capex_sek``, ``opex_sek_per_year`` and
    ``cost_sek`` (see :func:`siteplan.coverage.options.option_costs`).
    """
    options = camera_options(
        sites,
        scenario.cameras,
        buildings=buildings,
        corridors=corridors,
        azimuths_per_site=scenario.coverage.azimuths_per_site,
    )
    options = _by_view(options, views)
    all_sites = sites.copy()
    all_sites["site_cost_sek"] = (
        all_sites["site_cost_sek"].astype(float)
        + scenario.costs.connectivity_opex_sek_per_year * scenario.budget.horizon_years
    )
    regime = scenario.legal.effective_regime
    all_sites["paperwork_sek"] = site_paperwork_sek(scenario.costs, regime)
    priced = option_costs(
        options,
        all_sites,
        models=scenario.cameras,
        costs=scenario.costs,
        budget=scenario.budget,
        regime=regime,
    )
    return all_sites, options.join(priced)


def _installed_options(
    installed: gpd.GeoDataFrame,
    corridors: gpd.GeoDataFrame,
    taken: pd.Index,
    *,
    buildings: gpd.GeoDataFrame | None,
    scenario: Scenario,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """
    Sites and their one fixed option (cost 0) each for the cameras already installed.

    Raises if a site id is among `taken` (the candidate sites); warns if an installed camera
    stands inside a building footprint (it sees nothing).
    """
    inst_sites, model_pos, azimuth = _installed_sites(installed, corridors, scenario)
    dup = inst_sites.index.intersection(taken)
    if len(dup):
        msg = f"installed camera site ids {list(dup[:3])} clash with candidate sites."
        raise InputError(msg)
    radius = max(scenario.cameras[p].ground_range_m for p in model_pos) or 1.0
    rays = ray_distances(
        shapely.get_coordinates(geometry_array(inst_sites)),
        building_obstacles(buildings),
        radius_m=radius,
        n_rays=N_RAYS,
    )
    if rays[1].any():
        msg = (
            f"installed cameras: {int(rays[1].sum())} stand inside a building footprint "
            f"(e.g. {list(installed.index[rays[1]][:3])}); they see nothing in the model. "
            "Check their coordinates."
        )
        warnings.warn(msg, InputWarning, stacklevel=3)
    inst_opts = options_frame(
        inst_sites, np.arange(len(inst_sites)), scenario.cameras, model_pos, azimuth, rays
    )
    inst_opts[["capex_sek", "opex_sek_per_year", "cost_sek"]] = 0.0
    inst_opts["paperwork"] = False  # done when the camera was put up
    return inst_sites, inst_opts


class _ViewLayers(NamedTuple):
    """What options are classified against (see :func:`build_problem`)."""

    stop_areas: gpd.GeoDataFrame | None
    strak: gpd.GeoDataFrame | None
    config: LegalConfig


def _by_view(
    options: gpd.GeoDataFrame, views: _ViewLayers, *, masks: bool = True
) -> gpd.GeoDataFrame:
    """Options with the legal class of what they film, plus masked twins (see build_problem)."""
    options = options.assign(mask_lost_share=0.0)
    config = views.config
    if views.stop_areas is None or not len(options):
        return options
    options["legal_class"] = legal.view_classes(
        options, views.stop_areas, views.strak, config=config
    )
    if not masks or not config.mask_views:
        return options
    reaches = options.geometry.intersects(views.stop_areas.geometry.union_all()).to_numpy()
    partial = options[reaches & (options["legal_class"].to_numpy(dtype=object) != "stop_area")]
    if not len(partial):
        return options
    masked = legal.mask_views(partial, views.stop_areas)
    twins = partial.copy()
    twins = twins.set_geometry(masked.geometry.to_numpy())
    twins.index = pd.Index([f"{i}/mask" for i in partial.index], name=options.index.name)
    twins["legal_class"] = legal.view_classes(twins, views.stop_areas, views.strak, config=config)
    twins["mask_lost_share"] = masked.lost_share.to_numpy()
    log.info("masked views: %d options also offered masked to the stop area", len(twins))
    return pd.concat([options, twins])


class _Pruned(NamedTuple):
    options: gpd.GeoDataFrame
    coverage: sp.csr_matrix
    fixed: np.ndarray  # mask of the fixed options among `options`
    n_useless: int  # dropped: cover no demand point
    n_dominated: int  # dropped: cover a subset of another option of their slot


def _prune(options: gpd.GeoDataFrame, matrix: sp.csr_matrix, fixed_mask: np.ndarray) -> _Pruned:
    """Drop options that cover nothing, then dominated ones; fixed options always stay."""
    useful = (np.diff(matrix.indptr) > 0) | fixed_mask
    options, matrix, fixed_mask = options[useful], matrix[useful], fixed_mask[useful]
    # Options of one slot compete only with those of the same legal class and cost: a view
    # class (and so its paperwork) may differ between the azimuths of one slot.
    group = (
        options["slot_id"].astype(str)
        + "|"
        + options["legal_class"].astype(str)
        + "|"
        + options["cost_sek"].astype(float).map(repr)
    )
    slots = pd.factorize(group)[0]
    better = ~(_dominated(matrix, slots) & ~fixed_mask)
    return _Pruned(
        options[better],
        matrix[better],
        fixed_mask[better],
        int((~useful).sum()),
        int((~better).sum()),
    )


def _excluded_options(
    options: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    fixed_mask: np.ndarray,
    corridors: gpd.GeoDataFrame,
    exclusion: gpd.GeoDataFrame | None,
) -> set[str]:
    """Ids of the options (not fixed) at sites inside an exclusion polygon."""
    if exclusion is None or not len(exclusion):
        return set()
    require_same_crs(corridors, exclusion, "corridors", "exclusion")
    zone = geometry_array(exclusion)
    zone = zone[usable_mask(zone, ("Polygon", "MultiPolygon"))]
    inside = np.zeros(len(sites), dtype=bool)
    inside[shapely.STRtree(zone).query(geometry_array(sites), predicate="intersects")[0]] = True
    bad_sites = set(sites.index[inside])
    return set(options.index[options["site_id"].isin(bad_sites) & ~fixed_mask])


def _installed_sites(
    installed: gpd.GeoDataFrame,
    corridors: gpd.GeoDataFrame,
    scenario: Scenario,
) -> tuple[gpd.GeoDataFrame, np.ndarray, np.ndarray]:
    """Sites (cost 0) for cameras already installed, and their (model position, azimuth)."""
    require(installed, ("model", "azimuth_deg"), name="installed", hint=_INSTALLED_HINT)
    require_same_crs(corridors, installed, "corridors", "installed")
    names = [m.model for m in scenario.cameras]
    bad = [f"{i} ({m!r})" for i, m in installed["model"].items() if m not in names]
    if bad:
        msg = (
            f"installed cameras: {len(bad)} row(s) name a model not in the scenario's [[cameras]] "
            f"catalogue: {', '.join(bad[:5])}; known: {names}. Add the model or fix the name."
        )
        raise InputError(msg)
    geoms = geometry_array(installed)
    if not usable_mask(geoms, ("Point",)).all():
        msg = "installed cameras: every row needs a Point geometry; fix the missing ones."
        raise InputError(msg)
    near = nearest_rows(geoms, shapely.STRtree(geometry_array(corridors)))
    legal = pd.Series(corridors["legal_class"].to_numpy()[near], dtype=object)
    if "legal_class" in installed:
        given = pd.Series(installed["legal_class"].to_numpy(), dtype=object)
        legal = given.where(given.notna(), legal)
    mount = pd.Series(installed.get("mount", pd.Series(index=installed.index)).to_numpy())
    mount = mount.where(mount.isin(["lamp_post", "facade", "new_pole"]), "new_pole")
    frame = pd.DataFrame(
        {
            "source": "installed",
            "mount": mount.to_numpy(dtype=str),
            "area": corridors["area"].to_numpy()[near],
            "legal_class": legal.to_numpy(),
            "site_cost_sek": 0.0,
            "paperwork_sek": 0.0,
            "facade_normal_deg": np.nan,
        },
        index=pd.Index([f"installed-{i}" for i in installed.index], name="site_id"),
    )
    sites = gpd.GeoDataFrame(frame, geometry=geoms, crs=installed.crs)
    model_pos = np.array([names.index(m) for m in installed["model"]], dtype=int)
    azimuth = installed["azimuth_deg"].to_numpy(dtype=float)
    missing_az = np.isnan(azimuth) & ~np.array([scenario.cameras[p].is_360 for p in model_pos])
    if missing_az.any():
        rows = list(installed.index[missing_az][:5])
        msg = f"installed cameras: rows {rows} have no azimuth_deg but are not 360° models."
        raise InputError(msg)
    return sites, model_pos, np.round(np.nan_to_num(azimuth)) % 360


def _dominated(matrix: sp.csr_matrix, slots: np.ndarray) -> np.ndarray:
    """
    Mask of options whose covered points are a subset of another option's in the same group.

    Options of one group (slot, legal class and cost) share site, model, cost, legal class
    and area, and at most one of them is chosen, so a dominated option can never do better
    than its dominator. Of options
    with equal sets the first is kept. Only pairs that share a (slot, point) are compared.
    """
    n = matrix.shape[0]
    coo = matrix.tocoo()
    key = slots[coo.row].astype(np.int64) * matrix.shape[1] + coo.col
    order = np.argsort(key, kind="stable")
    opt, key = coo.row[order], key[order]
    if not len(key):
        return np.zeros(n, dtype=bool)
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    sizes = np.diff(np.r_[starts, len(key)])
    g = np.repeat(sizes, sizes)  # size of each entry's (slot, point) group
    first = np.repeat(starts, sizes)
    a_pos = np.repeat(np.arange(len(opt)), g)
    b_pos = first[a_pos] + np.arange(len(a_pos)) - np.repeat(np.cumsum(g) - g, g)
    a, b = opt[a_pos], opt[b_pos]
    other = a != b
    shared = sp.coo_matrix(
        (np.ones(int(other.sum()), dtype=np.int64), (a[other], b[other])), shape=(n, n)
    ).tocsr()  # duplicates add up: points a and b both cover
    shared = shared.tocoo()
    size = np.diff(matrix.indptr)
    row, col = shared.row, shared.col
    subset = shared.data == size[row]
    drop = subset & ((size[col] > size[row]) | (col < row))
    out = np.zeros(n, dtype=bool)
    out[row[drop]] = True
    return out
