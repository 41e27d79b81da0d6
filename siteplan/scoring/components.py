"""The score's components: incident weights, kernel density, incident rate, area, footfall."""

from __future__ import annotations

import datetime as dt
import logging
import math
import warnings
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from scipy import sparse
from scipy.sparse import csgraph
from scipy.spatial import cKDTree
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.neighbors import KernelDensity

from siteplan.config import ScoringConfig
from siteplan.crs import require_projected, require_same_crs
from siteplan.errors import InputError, InputWarning
from siteplan.scoring._common import (
    as_timestamp,
    check_corridors,
    point_mask,
    require_columns,
    snap,
    weighted_points,
    weights_array,
)

log = logging.getLogger(__name__)

_KDE_CUTOFF = 6.0  # kernel sums stop at 6 bandwidths: the neglected tail is < exp(-18) = 2e-8


_PAIR_BUDGET = 4_000_000  # most (sample, incident) pairs held in memory at once


_PRIOR_STRENGTH_RANGE_M = (1.0, 10_000.0)  # clip of the estimated prior strength k


_CV_MAX_POINTS = 2000


_CV_SPLITS = 5


_STOP_CHUNK = 128


def incident_weights(
    incidents: pd.DataFrame,
    *,
    config: ScoringConfig,
    reference_time: pd.Timestamp | dt.datetime | None = None,
) -> pd.Series:
    """
    Weight each incident by severity, hour of day and recency.

    ``weight = severity[category] × hour_weights[hour] × 0.5 ** (age_days / half_life_days)``,
    where the hour is the local hour of ``occurred_at`` and the age is counted back from
    `reference_time` (incidents after it count as age 0).

    Parameters
    ----------
    incidents
        Incidents with ``occurred_at`` (datetime, tz-aware) and ``category``.
    config
        The scenario's ``scoring`` section: ``severity``, ``default_severity``,
        ``hour_weights`` (24 values, hour 0 first) and ``half_life_days`` (None: no decay).
    reference_time
        Time the ages are counted from; default the latest incident.

    Returns
    -------
    weights
        Non-negative floats indexed like `incidents`, named "weight". Rows without a time get 0.

    Raises
    ------
    InputError
        If a column is missing or ``occurred_at`` is not a datetime column.

    Warns
    -----
    InputWarning
        If some incidents have no time (they get weight 0).
    """
    require_columns(incidents, ["occurred_at", "category"], "incidents")
    times = incidents["occurred_at"]
    if not pd.api.types.is_datetime64_any_dtype(times):
        msg = (
            f"`incidents`: column 'occurred_at' must hold timestamps, found dtype {times.dtype}. "
            "Load incidents with siteplan.io.incidents.load_incidents."
        )
        raise InputError(msg)
    category = incidents["category"].astype(object)
    known = category.isin(list(config.severity))
    severity = category.map(config.severity).where(known, config.default_severity).astype(float)
    missing_time = times.isna().to_numpy()
    hours = times.dt.hour.fillna(0).to_numpy(dtype=int)
    hour_table = np.asarray(config.hour_weights, dtype=float)
    # Time unknown (`time = "none"`): the mean hour weight and no recency decay.
    hour_w = np.where(missing_time, hour_table.mean(), hour_table[hours])
    recency = np.ones(len(incidents))
    if config.half_life_days is not None and len(incidents) and not missing_time.all():
        ref = times.max() if reference_time is None else as_timestamp(reference_time, times)
        age_days = ((ref - times).dt.total_seconds() / 86_400.0).fillna(0.0).to_numpy()
        recency = 0.5 ** (np.clip(age_days, 0.0, None) / config.half_life_days)
    recency = np.where(missing_time, 1.0, recency)
    weight = severity.to_numpy() * hour_w * recency
    if missing_time.any():
        warnings.warn(
            f"incidents: {int(missing_time.sum())} of {len(incidents)} row(s) have no time: "
            "they are weighted by the mean hour weight, without recency decay.",
            InputWarning,
            stacklevel=2,
        )
    log.debug(
        "incident weights: %d incidents, %d with a category outside the severity table "
        "(default %.2f), mean weight %.3f",
        len(incidents),
        int((~known).sum()),
        config.default_severity,
        float(weight.mean()) if len(weight) else 0.0,
    )
    return pd.Series(weight, index=incidents.index, name="weight")


def _gaussian_sum(
    targets: np.ndarray, xy: np.ndarray, w: np.ndarray, bandwidth_m: float
) -> np.ndarray:
    """``sum_i w_i exp(-d_i² / 2h²) / (2π h²)`` at each target, over incidents within 6 h.

    A cKDTree finds the pairs; targets go in chunks so at most ~4 M pairs are held at once.
    """
    tree = cKDTree(xy)
    out = np.zeros(len(targets))
    chunk = max(256, _PAIR_BUDGET // max(len(xy), 1))
    radius = _KDE_CUTOFF * bandwidth_m
    for start in range(0, len(targets), chunk):
        part = cKDTree(targets[start : start + chunk])
        pairs = part.sparse_distance_matrix(tree, radius, output_type="ndarray")
        kernel = w[pairs["j"]] * np.exp(-0.5 * (pairs["v"] / bandwidth_m) ** 2)
        out[start : start + chunk] = np.bincount(pairs["i"], weights=kernel, minlength=part.n)
    return out / (2 * math.pi * bandwidth_m**2)


def _weighted_log_likelihood(
    estimator: KernelDensity,
    X: np.ndarray,
    y: None = None,
    sample_weight: np.ndarray | None = None,
) -> float:
    """Mean log-likelihood of held-out points per unit weight (a GridSearchCV scorer)."""
    ll = estimator.score_samples(X)
    if sample_weight is None:
        return float(ll.mean())
    return float(np.average(ll, weights=sample_weight))


def choose_bandwidth(
    incidents: gpd.GeoDataFrame,
    *,
    candidates_m: Sequence[float],
    weights: pd.Series | None = None,
    seed: int = 0,
    max_points: int = _CV_MAX_POINTS,
) -> float:
    """
    Choose the kernel bandwidth by cross-validated likelihood.

    Fits a gaussian :class:`sklearn.neighbors.KernelDensity` for every candidate and keeps
    the one with the highest mean held-out log-likelihood (5-fold, shuffled with `seed`).
    At most `max_points` point incidents (a seeded random subsample) are used.

    Parameters
    ----------
    incidents
        Incidents in a projected CRS; only point incidents are used.
    candidates_m
        Bandwidths to try, in metres.
    weights
        Incident weights (see :func:`incident_weights`); default 1 each.
    seed
        Seed of the subsample and of the fold shuffle.
    max_points
        Largest number of incidents used for the search.

    Returns
    -------
    bandwidth_m
        The chosen bandwidth in metres. With fewer than 10 points, the median candidate.

    Raises
    ------
    InputError
        If `candidates_m` is empty or holds a non-positive value.
    CRSError
        If `incidents` is not in a projected CRS.
    """
    cands = sorted({float(c) for c in candidates_m})
    if not cands or cands[0] <= 0:
        msg = f"scoring.bandwidth_candidates_m must be positive metres; found {list(candidates_m)}."
        raise InputError(msg)
    require_projected(incidents, "incidents")
    xy, w = weighted_points(incidents, weights)
    if len(cands) == 1:
        return cands[0]
    if len(xy) < 2 * _CV_SPLITS:
        chosen = cands[len(cands) // 2]
        log.info(
            "bandwidth: only %d point incidents, too few to cross-validate; using %.0f m",
            len(xy),
            chosen,
        )
        return chosen
    rng = np.random.default_rng(seed)
    if len(xy) > max_points:
        pick = np.sort(rng.choice(len(xy), size=max_points, replace=False))
        xy, w = xy[pick], w[pick]
    search = GridSearchCV(
        KernelDensity(kernel="gaussian", rtol=1e-4),
        {"bandwidth": cands},
        cv=KFold(n_splits=_CV_SPLITS, shuffle=True, random_state=seed),
        scoring=_weighted_log_likelihood,
    )
    search.fit(xy, sample_weight=w)
    chosen = float(search.best_params_["bandwidth"])
    scores = ", ".join(
        f"{b:.0f} m: {s:.3f}"
        for b, s in zip(cands, search.cv_results_["mean_test_score"], strict=True)
    )
    log.info(
        "bandwidth: %.0f m chosen by 5-fold likelihood on %d incidents (%s)",
        chosen,
        len(xy),
        scores,
    )
    return chosen


def bandwidth_for(
    incidents: gpd.GeoDataFrame,
    *,
    config: ScoringConfig,
    weights: pd.Series | None = None,
    seed: int = 0,
) -> float:
    """
    The kernel bandwidth a scenario asks for: its fixed value, or one chosen from the data.

    Parameters
    ----------
    incidents
        Incidents in a projected CRS (used only when the bandwidth is cross-validated).
    config
        The scenario's ``scoring`` section: ``bandwidth_m`` (metres, or "cv") and
        ``bandwidth_candidates_m``.
    weights
        Incident weights (see :func:`incident_weights`); default 1 each.
    seed
        Seed of the cross-validation (see :func:`choose_bandwidth`).

    Returns
    -------
    bandwidth_m
        ``config.bandwidth_m`` in metres, or with "cv" the candidate :func:`choose_bandwidth`
        picks.
    """
    if config.bandwidth_m == "cv":
        return choose_bandwidth(
            incidents, candidates_m=config.bandwidth_candidates_m, weights=weights, seed=seed
        )
    return float(config.bandwidth_m)


def _sample_points(geoms: np.ndarray, step_m: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Points at the centres of ``ceil(L / step_m)`` equal pieces of each line.

    Returns the xy coordinates, the line each point belongs to and the count per line.
    """
    lengths = shapely.length(geoms)
    counts = np.maximum(1, np.ceil(lengths / step_m - 1e-9)).astype(int)
    owner = np.repeat(np.arange(len(geoms)), counts)
    starts = np.cumsum(counts) - counts
    within = np.arange(len(owner)) - np.repeat(starts, counts)
    frac = (within + 0.5) / counts[owner]
    pts = shapely.line_interpolate_point(geoms[owner], frac, normalized=True)
    return shapely.get_coordinates(pts), owner, counts


def kde_intensity(
    corridors: gpd.GeoDataFrame,
    incidents: gpd.GeoDataFrame,
    *,
    bandwidth_m: float,
    weights: pd.Series | None = None,
    step_m: float = 5.0,
) -> pd.Series:
    """
    Mean kernel density of point incidents along each corridor segment.

    Each segment of length L is cut into ``ceil(L / step_m)`` equal pieces and the density is
    evaluated at their centres and averaged. The density at x is
    ``sum_i w_i · exp(-|x - x_i|² / (2 h²)) / (2 π h²)`` (h = `bandwidth_m`): the gaussian
    :class:`sklearn.neighbors.KernelDensity` times the total weight, so the unit is weighted
    incidents per m². The sum runs over incidents within 6 h of the point (found with a
    :class:`scipy.spatial.cKDTree`); the neglected tail is below 2e-8 of one kernel's peak.

    Parameters
    ----------
    corridors
        Segments (LineStrings) in a projected CRS, indexed by ``corridor_id``.
    incidents
        Incidents in the same CRS; rows without a point (area-level) are ignored.
    bandwidth_m
        Gaussian standard deviation in metres.
    weights
        Incident weights (see :func:`incident_weights`); default 1 each.
    step_m
        Spacing of the sample points along a segment, in metres.

    Returns
    -------
    kde_intensity
        Weighted incidents per m², indexed like `corridors`, named "kde_intensity".

    Raises
    ------
    CRSError
        If a layer is unprojected or the CRSs differ.
    InputError
        If `bandwidth_m` or `step_m` is not positive, or a segment has no geometry.
    """
    if not bandwidth_m > 0 or not step_m > 0:
        msg = f"bandwidth_m and step_m must be > 0; found {bandwidth_m!r} and {step_m!r}."
        raise InputError(msg)
    check_corridors(corridors)
    require_same_crs(corridors, incidents, "corridors", "incidents")
    xy, w = weighted_points(incidents, weights)
    if len(xy) == 0:
        return pd.Series(0.0, index=corridors.index, name="kde_intensity")
    samples, owner, counts = _sample_points(corridors.geometry.values, step_m)
    density = _gaussian_sum(samples, xy, w, bandwidth_m)
    mean = np.bincount(owner, weights=density, minlength=len(corridors)) / counts
    log.debug(
        "kde: %d incidents, %d sample points, bandwidth %.0f m", len(xy), len(samples), bandwidth_m
    )
    return pd.Series(mean, index=corridors.index, name="kde_intensity")


@dataclass(frozen=True)
class IncidentRate:
    """
    Result of :func:`incident_rate`.

    Attributes
    ----------
    rate
        Weighted incidents per metre, indexed like the corridors, named "incident_rate".
    prior_strength_m
        The prior strength k in metres that was used (estimated unless given); NaN when there
        were no snapped incidents or no density to shrink towards.
    """

    rate: pd.Series
    prior_strength_m: float


def incident_rate(
    corridors: gpd.GeoDataFrame,
    incidents: gpd.GeoDataFrame,
    *,
    kde: pd.Series,
    weights: pd.Series | None = None,
    prior_strength_m: float | None = None,
) -> IncidentRate:
    """
    Empirical-Bayes incident rate per metre: the segment's own count, shrunk to its neighbourhood.

    Each point incident is snapped to its nearest segment within 25 m, giving a weighted count
    ``n_i`` on a segment of length ``L_i``. The kernel density `kde` gives the prior rate
    ``m_i = c · kde_i`` per metre, with ``c`` chosen so that ``sum m_i L_i = sum n_i``. The
    rate is the posterior mean of a Poisson-gamma model (prior rate k, shape ``k · m_i``)::

        rate_i = (n_i + k · m_i) / (L_i + k)

    A segment much longer than k is judged on its own count, a much shorter one by its
    neighbourhood. Unless given, k is estimated by the method of moments from the spread of the
    counts around the prior, ``k = sum L² m / (sum (n − m L)² − ρ · sum m L)`` with
    ``ρ = sum w² / sum w`` (the Poisson part of the variance for weighted counts), clipped to
    [1, 10 000] m. Data where risk is smooth give a large k (the density decides); data where
    risk sits on single segments give a small k (the counts decide).

    Parameters
    ----------
    corridors
        Segments with ``length_m`` in a projected CRS.
    incidents
        Incidents in the same CRS; only point incidents within 25 m of a segment count.
    kde
        Output of :func:`kde_intensity` for the same incidents and weights.
    weights
        Incident weights (see :func:`incident_weights`); default 1 each.
    prior_strength_m
        k in metres; None estimates it.

    Returns
    -------
    IncidentRate
        ``rate``: weighted incidents per metre, indexed like `corridors`, named
        "incident_rate"; ``prior_strength_m``: the k used (NaN when there is nothing to shrink).

    Raises
    ------
    InputError
        If a column is missing or `prior_strength_m` is not positive.
    CRSError
        If a layer is unprojected or the CRSs differ.
    """
    if prior_strength_m is not None and not prior_strength_m > 0:
        msg = f"prior_strength_m must be > 0 or None; found {prior_strength_m!r}."
        raise InputError(msg)
    check_corridors(corridors, ["length_m"])
    require_same_crs(corridors, incidents, "corridors", "incidents")
    w = weights_array(incidents, weights)
    lengths = corridors["length_m"].to_numpy(dtype=float)
    pos, seg = snap(corridors, incidents)
    counts = np.bincount(seg, weights=w[pos], minlength=len(corridors))
    squares = float((w[pos] ** 2).sum())
    density = kde.reindex(corridors.index).fillna(0.0).to_numpy(dtype=float)
    exposure = float((density * lengths).sum())
    if counts.sum() <= 0 or exposure <= 0:
        return IncidentRate(pd.Series(0.0, index=corridors.index, name="incident_rate"), math.nan)
    prior = density * counts.sum() / exposure  # per metre; sum(prior · L) = sum(counts)
    k = prior_strength_m
    if k is None:
        expected = prior * lengths
        excess = float(((counts - expected) ** 2).sum()) - squares / counts.sum() * expected.sum()
        low, high = _PRIOR_STRENGTH_RANGE_M
        k = high if excess <= 0 else float(np.clip((lengths**2 * prior).sum() / excess, low, high))
    rate = (counts + k * prior) / (lengths + k)
    log.debug("incident rate: %d snapped incidents, prior strength k = %.1f m", len(pos), k)
    return IncidentRate(pd.Series(rate, index=corridors.index, name="incident_rate"), float(k))


def area_incidents(
    corridors: gpd.GeoDataFrame,
    incidents: pd.DataFrame,
    *,
    weights: pd.Series | None = None,
    areas: gpd.GeoDataFrame | None = None,
) -> pd.Series:
    """
    Spread incidents known only by their area over that area's corridors, by length.

    An area with total corridor length L_a and area-level incident weight W_a gives each of its
    segments ``W_a / L_a`` (weighted incidents per metre): a segment's share of the incidents is
    proportional to its length. Rows with a point are ignored (they enter :func:`kde_intensity`).

    Parameters
    ----------
    corridors
        Segments with ``length_m`` and, unless `areas` is given, ``area``.
    incidents
        Incidents with ``area``; those without a point geometry are spread.
    weights
        Incident weights (see :func:`incident_weights`); default 1 each.
    areas
        Area polygons indexed by area name. When given, a segment belongs to every area that
        contains its midpoint (areas may overlap); otherwise to its ``area`` value.

    Returns
    -------
    area_incidents
        Weighted incidents per metre, indexed like `corridors`, named "area_incidents".

    Raises
    ------
    InputError
        If a column is missing.

    Warns
    -----
    InputWarning
        If incidents name an area that holds no corridor (their weight is dropped).
    """
    require_columns(incidents, ["area"], "incidents")
    check_corridors(corridors, ["length_m"] if areas is not None else ["length_m", "area"])
    w = weights_array(incidents, weights)
    if isinstance(incidents, gpd.GeoDataFrame):
        has_point = point_mask(incidents)
    else:
        has_point = np.zeros(len(incidents), dtype=bool)
    area_rows = ~has_point & incidents["area"].notna().to_numpy()
    out = pd.Series(0.0, index=corridors.index, name="area_incidents")
    if not area_rows.any():
        return out
    per_area = (
        pd.Series(w[area_rows], index=incidents["area"].to_numpy()[area_rows].astype(object))
        .groupby(level=0, sort=True)
        .sum()
    )
    counts = pd.Series(incidents["area"].to_numpy()[area_rows].astype(object)).value_counts()
    members = _area_membership(corridors, areas)  # (corridor position, area name)
    lengths = corridors["length_m"].to_numpy(dtype=float)
    members = members.assign(length_m=lengths[members["pos"].to_numpy()])
    area_len = members.groupby("area", sort=True)["length_m"].sum()
    area_len = area_len[area_len > 0]
    orphan = per_area.index.difference(area_len.index)
    if len(orphan):
        warnings.warn(
            f"incidents: {int(counts[orphan].sum())} area-level incident(s) name "
            f"{len(orphan)} area(s) with no corridor ({sorted(map(str, orphan))[:5]}); "
            "they are left out of the score. Check the area names against the areas layer.",
            InputWarning,
            stacklevel=2,
        )
    per_metre = (per_area / area_len).dropna()
    members = members[members["area"].isin(per_metre.index)]
    contrib = per_metre.reindex(members["area"]).to_numpy()
    out[:] = np.bincount(members["pos"].to_numpy(), weights=contrib, minlength=len(corridors))
    log.debug("area incidents: %d rows over %d area(s)", int(area_rows.sum()), len(per_metre))
    return out


def _area_membership(corridors: gpd.GeoDataFrame, areas: gpd.GeoDataFrame | None) -> pd.DataFrame:
    """Pairs (corridor position, area name) from polygons, or else the ``area`` column."""
    if areas is None:
        names = corridors["area"].astype(object).to_numpy()
        pos = np.flatnonzero(pd.notna(names))
        return pd.DataFrame({"pos": pos, "area": names[pos]})
    require_same_crs(corridors, areas, "corridors", "areas")
    mid = shapely.line_interpolate_point(corridors.geometry.values, 0.5, normalized=True)
    area_idx, corr_idx = gpd.GeoSeries(mid, crs=corridors.crs).sindex.query(
        areas.geometry.values, predicate="contains"
    )
    return pd.DataFrame({"pos": corr_idx, "area": areas.index.to_numpy()[area_idx].astype(object)})


def footfall(
    corridors: gpd.GeoDataFrame,
    stops: gpd.GeoDataFrame,
    *,
    decay_m: float,
    max_walk_m: float,
    graph: nx.Graph | None = None,
) -> pd.Series:
    """
    Public-transport footfall near each segment: departures per hour, decaying with distance.

    ``footfall = sum over stops within max_walk_m of departures_per_hour · exp(-d / decay_m)``.
    Without a graph, d is the straight-line distance from the stop to the segment. With a graph,
    d is the walking distance: the stop is attached to its nearest segment (perpendicular
    offset), then shortest paths run over the graph to the nearer end of every other segment.

    Parameters
    ----------
    corridors
        Segments in a projected CRS; with a graph they need ``u`` and ``v``.
    stops
        Stops (points) with ``departures_per_hour``.
    decay_m
        Distance at which a stop's weight falls to 1/e, in metres.
    max_walk_m
        Stops farther than this do not count, in metres.
    graph
        Optional walk graph (networkx; nodes = corridor ``u``/``v``; edge attribute
        ``length_m``), treated as undirected.

    Returns
    -------
    footfall_dph
        Distance-weighted departures per hour, indexed like `corridors`, named "footfall_dph".
        Stops without departures contribute nothing.

    Raises
    ------
    InputError
        If a column or the ``length_m`` edge attribute is missing, or a distance is not > 0.
    CRSError
        If a layer is unprojected or the CRSs differ.

    Warns
    -----
    InputWarning
        With the number of stops without departures (0, missing or not finite).
    """
    if not decay_m > 0 or not max_walk_m > 0:
        msg = f"decay_m and max_walk_m must be > 0; found {decay_m!r} and {max_walk_m!r}."
        raise InputError(msg)
    check_corridors(corridors, ["u", "v"] if graph is not None else [])
    require_columns(stops, ["geometry", "departures_per_hour"], "stops")
    require_same_crs(corridors, stops, "corridors", "stops")
    ok = ~(shapely.is_missing(stops.geometry.values) | shapely.is_empty(stops.geometry.values))
    dph = stops["departures_per_hour"].to_numpy(dtype=float)
    idle = ok & ~(np.isfinite(dph) & (dph > 0))
    if idle.any():
        warnings.warn(
            f"stops: {int(idle.sum())} of {len(stops)} stop(s) have no departures in the "
            f"timetable (e.g. {stops.index[idle][0]!r}); they add nothing to footfall.",
            InputWarning,
            stacklevel=2,
        )
    ok &= np.isfinite(dph) & (dph > 0)
    pts, dph = stops.geometry.values[ok], dph[ok]
    if graph is None:
        total = _footfall_straight(corridors, pts, dph, decay_m, max_walk_m)
    else:
        total = _footfall_network(corridors, pts, dph, decay_m, max_walk_m, graph)
    log.debug("footfall: %d stops with departures, graph=%s", len(pts), graph is not None)
    return pd.Series(total, index=corridors.index, name="footfall_dph")


def _footfall_straight(
    corridors: gpd.GeoDataFrame, pts: np.ndarray, dph: np.ndarray, decay_m: float, max_walk_m: float
) -> np.ndarray:
    s_idx, c_idx = corridors.sindex.query(pts, predicate="dwithin", distance=max_walk_m)
    d = shapely.distance(pts[s_idx], corridors.geometry.values[c_idx])
    contrib = dph[s_idx] * np.exp(-d / decay_m)
    return np.bincount(c_idx, weights=contrib, minlength=len(corridors))


def _graph_matrix(graph: nx.Graph) -> tuple[sparse.csr_matrix, dict[Hashable, int]]:
    """Symmetric sparse matrix of shortest parallel edge lengths, and the node positions."""
    nodes = {n: i for i, n in enumerate(graph.nodes)}
    rows, cols, lens = [], [], []
    for a, b, length in graph.edges(data="length_m"):
        if length is None:
            msg = (
                f"`graph`: edge ({a!r}, {b!r}) has no 'length_m' attribute. Build the graph "
                "with siteplan.corridors or set edge lengths in metres."
            )
            raise InputError(msg)
        rows.append(nodes[a])
        cols.append(nodes[b])
        lens.append(float(length))
    edges = pd.DataFrame({"r": rows + cols, "c": cols + rows, "len": lens + lens})
    edges = edges.groupby(["r", "c"], sort=False)["len"].min().reset_index()
    # csgraph drops explicit zeros as non-edges: keep zero-length links with a tiny length.
    lengths = np.maximum(edges["len"].to_numpy(), 1e-9)
    n = len(nodes)
    matrix = sparse.csr_matrix((lengths, (edges["r"].to_numpy(), edges["c"].to_numpy())), (n, n))
    return matrix, nodes


def _footfall_network(
    corridors: gpd.GeoDataFrame,
    pts: np.ndarray,
    dph: np.ndarray,
    decay_m: float,
    max_walk_m: float,
    graph: nx.Graph,
) -> np.ndarray:
    matrix, nodes = _graph_matrix(graph)
    cu = np.array([nodes.get(n, -1) for n in corridors["u"]], dtype=int)
    cv = np.array([nodes.get(n, -1) for n in corridors["v"]], dtype=int)
    if (cu < 0).all():
        msg = (
            "`corridors`: none of the 'u'/'v' node ids is a node of `graph`; pass the graph the "
            "corridors were built from."
        )
        raise InputError(msg)
    geoms = corridors.geometry.values
    s_idx, c_idx = corridors.sindex.nearest(pts, return_all=True, max_distance=max_walk_m)
    first = np.unique(s_idx, return_index=True)[1]  # lowest corridor position on ties
    s_idx, c_idx = s_idx[first], c_idx[first]
    offset = shapely.distance(pts[s_idx], geoms[c_idx])
    along = shapely.line_locate_point(geoms[c_idx], pts[s_idx])
    to_u = offset + along
    to_v = offset + shapely.length(geoms[c_idx]) - along
    n_nodes = matrix.shape[0]
    cu_safe, cv_safe = np.where(cu < 0, n_nodes, cu), np.where(cv < 0, n_nodes, cv)
    total = np.zeros(len(corridors))
    for start in range(0, len(s_idx), _STOP_CHUNK):
        sl = slice(start, start + _STOP_CHUNK)
        su, sv = cu[c_idx[sl]], cv[c_idx[sl]]
        sources = np.unique(np.concatenate([su[su >= 0], sv[sv >= 0]]))
        dist = np.full((len(sources) + 1, n_nodes + 1), np.inf)  # last row/col: "unknown"
        if len(sources):
            dist[:-1, :-1] = csgraph.dijkstra(
                matrix, directed=False, indices=sources, limit=max_walk_m
            )
        row_u = np.where(su >= 0, np.searchsorted(sources, su), len(sources))
        row_v = np.where(sv >= 0, np.searchsorted(sources, sv), len(sources))
        stop_to_node = np.minimum(to_u[sl, None] + dist[row_u], to_v[sl, None] + dist[row_v])
        d = np.minimum(stop_to_node[:, cu_safe], stop_to_node[:, cv_safe])
        own = np.arange(d.shape[0])
        d[own, c_idx[sl]] = offset[sl]  # a stop's own segment: just the perpendicular offset
        contrib = np.where(d <= max_walk_m, np.exp(-d / decay_m), 0.0)
        total += dph[s_idx[sl]] @ contrib
    return total
