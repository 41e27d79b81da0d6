"""Corridor scoring: where incidents concentrate, where people are, and how well that predicts.

The score of a corridor segment combines three components, each a pure function returning a
Series aligned to the corridor index:

- ``incident_rate``: weighted incidents per metre of the segment itself, shrunk towards the
  neighbourhood's rate from a gaussian kernel density (``kde_intensity``) by empirical Bayes
  (weights = severity × hour-of-day weight × recency). Where a segment has much data its own
  count dominates, where it has little the smooth density does; the balance is estimated from
  the data (method of moments), so no hotspot or smoothing strength is hard-coded;
- ``area_incidents``: incidents known only by their priority area, spread over the area's
  corridors by length (weighted incidents per metre);
- ``footfall``: departures per hour at public-transport stops within walking distance,
  decaying as ``exp(-d / decay_m)``.

Each component is scaled robustly to [0, 1] (divided by its 99th percentile and clipped) and the
score is their weighted mean, using ``scoring.weights`` of the scenario.

:func:`evaluate` checks the score on a hold-out period with the Predictive Accuracy Index
(PAI, Chainey et al. 2008) and the Predictive Efficiency Index (PEI, Hunt 2016) at shares of the
network length, against two baselines: a uniform (random) choice and last period's counts.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import warnings
from collections.abc import Hashable, Sequence
from typing import Any

import affine
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
from siteplan.schemas import require

__all__ = [
    "SNAP_DISTANCE_M",
    "area_incidents",
    "choose_bandwidth",
    "evaluate",
    "footfall",
    "heat_raster",
    "incident_rate",
    "incident_weights",
    "kde_intensity",
    "pai",
    "pei",
    "rankings",
    "score_corridors",
]

log = logging.getLogger(__name__)

#: Incidents farther than this from every segment are not on the walk network.
SNAP_DISTANCE_M = 25.0

_COMPONENTS = {  # weight key -> (raw column, normalised column)
    "incidents": ("incident_rate", "comp_incidents"),
    "area_incidents": ("area_incidents", "comp_area_incidents"),
    "footfall": ("footfall_dph", "comp_footfall"),
}
_NORM_QUANTILE = 0.99
_KDE_CUTOFF = 6.0  # kernel sums stop at 6 bandwidths: the neglected tail is < exp(-18) = 2e-8
_PAIR_BUDGET = 4_000_000  # most (sample, incident) pairs held in memory at once
_PRIOR_STRENGTH_RANGE_M = (1.0, 10_000.0)  # clip of the estimated prior strength k
_CV_MAX_POINTS = 2000
_CV_SPLITS = 5
_STOP_CHUNK = 128
_MAX_RASTER_CELLS = 50_000_000


# --------------------------------------------------------------------------- validation helpers


def _require(frame: pd.DataFrame, columns: Sequence[str], name: str) -> None:
    require(
        frame,
        columns,
        name=name,
        hint="Load the layer through siteplan.io (or siteplan.corridors), which builds them.",
    )


def _check_corridors(corridors: gpd.GeoDataFrame, columns: Sequence[str] = ()) -> None:
    _require(corridors, ["geometry", *columns], "corridors")
    require_projected(corridors, "corridors")
    if not corridors.index.is_unique:
        dupes = corridors.index[corridors.index.duplicated()].unique()[:3].tolist()
        msg = f"`corridors`: the index (corridor_id) repeats ids, e.g. {dupes}. Make them unique."
        raise InputError(msg)
    bad = corridors.geometry.isna() | corridors.geometry.is_empty
    if bad.any():
        msg = (
            f"`corridors`: {int(bad.sum())} segment(s) have no geometry, e.g. "
            f"{corridors.index[bad][:3].tolist()}. Rebuild them with siteplan.corridors."
        )
        raise InputError(msg)


def _point_mask(incidents: gpd.GeoDataFrame) -> np.ndarray:
    """True where an incident has a usable point (area-level rows have none)."""
    geoms = incidents.geometry.values
    return ~(shapely.is_missing(geoms) | shapely.is_empty(geoms)) & (
        shapely.get_type_id(geoms) == shapely.GeometryType.POINT
    )


def _weights_array(incidents: pd.DataFrame, weights: pd.Series | None) -> np.ndarray:
    if weights is None:
        return np.ones(len(incidents))
    w = pd.Series(weights).reindex(incidents.index)
    if w.isna().any():
        msg = (
            f"`weights`: {int(w.isna().sum())} incident(s) have no weight, e.g. "
            f"{incidents.index[w.isna()][:3].tolist()}. Pass weights indexed like `incidents` "
            "(see incident_weights)."
        )
        raise InputError(msg)
    arr = w.to_numpy(dtype=float)
    if (arr < 0).any():
        msg = f"`weights`: {int((arr < 0).sum())} negative weight(s); weights must be >= 0."
        raise InputError(msg)
    return arr


def _weighted_points(
    incidents: gpd.GeoDataFrame, weights: pd.Series | None
) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates and weights of point incidents with a positive weight."""
    w = _weights_array(incidents, weights)
    keep = _point_mask(incidents) & (w > 0)
    xy = shapely.get_coordinates(incidents.geometry.values[keep])
    return xy, w[keep]


def _robust_unit(values: pd.Series) -> pd.Series:
    """Scale to [0, 1]: divide by the 99th percentile (the maximum if that is 0) and clip."""
    arr = values.to_numpy(dtype=float)
    scale = float(np.quantile(arr, _NORM_QUANTILE)) if len(arr) else 0.0
    if scale <= 0:
        scale = float(arr.max()) if len(arr) else 0.0
    if scale <= 0:
        return pd.Series(0.0, index=values.index)
    return pd.Series(np.clip(arr / scale, 0.0, 1.0), index=values.index)


def _snap(
    corridors: gpd.GeoDataFrame, incidents: gpd.GeoDataFrame
) -> tuple[np.ndarray, np.ndarray]:
    """(incident position, segment position) of point incidents snapped within 25 m.

    Each incident goes to its nearest segment; on a tie, the lowest segment position.
    """
    positions = np.flatnonzero(_point_mask(incidents))
    if len(positions) == 0:
        return positions, positions
    pts = incidents.geometry.values[positions]
    i_idx, c_idx = corridors.sindex.nearest(pts, return_all=True, max_distance=SNAP_DISTANCE_M)
    first = np.unique(i_idx, return_index=True)[1]  # pairs come sorted by incident
    return positions[i_idx[first]], c_idx[first]


def _warn_off_network(
    corridors: gpd.GeoDataFrame, incidents: gpd.GeoDataFrame, *, reach_m: float
) -> None:
    """Warn with counts when point incidents lie beyond the kernel's reach of every segment."""
    positions = np.flatnonzero(_point_mask(incidents))
    if len(positions) == 0:
        return
    pts = incidents.geometry.values[positions]
    near = np.unique(corridors.sindex.nearest(pts, max_distance=reach_m)[0])
    far = len(positions) - len(near)
    if far:
        example = incidents.index[positions[np.setdiff1d(np.arange(len(positions)), near)[0]]]
        warnings.warn(
            f"{far} of {len(positions)} point incidents lie more than {reach_m:.0f} m from every "
            f"corridor (e.g. {example!r}), so they add nothing to any score: outside the walk "
            "network's extract, or a placeholder coordinate (set "
            "inputs.incident_columns.placeholder_lonlat).",
            InputWarning,
            stacklevel=3,
        )


def _snap_counts(corridors: gpd.GeoDataFrame, incidents: gpd.GeoDataFrame) -> np.ndarray:
    """Point incidents per segment, each on its nearest segment within SNAP_DISTANCE_M."""
    _, seg = _snap(corridors, incidents)
    return np.bincount(seg, minlength=len(corridors)).astype(float)


# --------------------------------------------------------------------------- incident weights


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
    _require(incidents, ["occurred_at", "category"], "incidents")
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
    hour_w = np.asarray(config.hour_weights, dtype=float)[hours]
    recency = np.ones(len(incidents))
    if config.half_life_days is not None and len(incidents) and not missing_time.all():
        ref = times.max() if reference_time is None else _as_timestamp(reference_time, times)
        age_days = ((ref - times).dt.total_seconds() / 86_400.0).fillna(0.0).to_numpy()
        recency = 0.5 ** (np.clip(age_days, 0.0, None) / config.half_life_days)
    weight = severity.to_numpy() * hour_w * recency
    weight[missing_time] = 0.0
    if missing_time.any():
        warnings.warn(
            f"incidents: {int(missing_time.sum())} of {len(incidents)} row(s) have no "
            "'occurred_at' and get weight 0 in the score.",
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


def _as_timestamp(value: pd.Timestamp | dt.datetime | dt.date, times: pd.Series) -> pd.Timestamp:
    """`value` as a Timestamp comparable with `times` (localised to their zone if naive)."""
    ts = pd.Timestamp(value)
    tz = times.dt.tz
    if tz is not None and ts.tzinfo is None:
        return ts.tz_localize(tz)
    if tz is None and ts.tzinfo is not None:
        return ts.tz_localize(None)
    return ts


# --------------------------------------------------------------------------- kernel density


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
    xy, w = _weighted_points(incidents, weights)
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
    _check_corridors(corridors)
    require_same_crs(corridors, incidents, "corridors", "incidents")
    xy, w = _weighted_points(incidents, weights)
    if len(xy) == 0:
        return pd.Series(0.0, index=corridors.index, name="kde_intensity")
    samples, owner, counts = _sample_points(corridors.geometry.values, step_m)
    density = _gaussian_sum(samples, xy, w, bandwidth_m)
    mean = np.bincount(owner, weights=density, minlength=len(corridors)) / counts
    log.debug(
        "kde: %d incidents, %d sample points, bandwidth %.0f m", len(xy), len(samples), bandwidth_m
    )
    return pd.Series(mean, index=corridors.index, name="kde_intensity")


def incident_rate(
    corridors: gpd.GeoDataFrame,
    incidents: gpd.GeoDataFrame,
    *,
    kde: pd.Series,
    weights: pd.Series | None = None,
    prior_strength_m: float | None = None,
) -> pd.Series:
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
    incident_rate
        Weighted incidents per metre, indexed like `corridors`, named "incident_rate"; the k
        used is in ``.attrs["prior_strength_m"]``.

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
    _check_corridors(corridors, ["length_m"])
    require_same_crs(corridors, incidents, "corridors", "incidents")
    w = _weights_array(incidents, weights)
    lengths = corridors["length_m"].to_numpy(dtype=float)
    pos, seg = _snap(corridors, incidents)
    counts = np.bincount(seg, weights=w[pos], minlength=len(corridors))
    squares = float((w[pos] ** 2).sum())
    density = kde.reindex(corridors.index).fillna(0.0).to_numpy(dtype=float)
    exposure = float((density * lengths).sum())
    if counts.sum() <= 0 or exposure <= 0:
        out = pd.Series(0.0, index=corridors.index, name="incident_rate")
        out.attrs["prior_strength_m"] = float("nan")
        return out
    prior = density * counts.sum() / exposure  # per metre; sum(prior · L) = sum(counts)
    k = prior_strength_m
    if k is None:
        expected = prior * lengths
        excess = float(((counts - expected) ** 2).sum()) - squares / counts.sum() * expected.sum()
        low, high = _PRIOR_STRENGTH_RANGE_M
        k = high if excess <= 0 else float(np.clip((lengths**2 * prior).sum() / excess, low, high))
    rate = (counts + k * prior) / (lengths + k)
    log.debug("incident rate: %d snapped incidents, prior strength k = %.1f m", len(pos), k)
    out = pd.Series(rate, index=corridors.index, name="incident_rate")
    out.attrs["prior_strength_m"] = float(k)
    return out


# --------------------------------------------------------------------------- area-level incidents


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
    _require(incidents, ["area"], "incidents")
    _check_corridors(corridors, ["length_m"] if areas is not None else ["length_m", "area"])
    w = _weights_array(incidents, weights)
    if isinstance(incidents, gpd.GeoDataFrame):
        has_point = _point_mask(incidents)
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


# --------------------------------------------------------------------------- footfall


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

    Raises
    ------
    InputError
        If a column or the ``length_m`` edge attribute is missing, or a distance is not > 0.
    CRSError
        If a layer is unprojected or the CRSs differ.
    """
    if not decay_m > 0 or not max_walk_m > 0:
        msg = f"decay_m and max_walk_m must be > 0; found {decay_m!r} and {max_walk_m!r}."
        raise InputError(msg)
    _check_corridors(corridors, ["u", "v"] if graph is not None else [])
    _require(stops, ["geometry", "departures_per_hour"], "stops")
    require_same_crs(corridors, stops, "corridors", "stops")
    ok = ~(shapely.is_missing(stops.geometry.values) | shapely.is_empty(stops.geometry.values))
    dph = stops["departures_per_hour"].to_numpy(dtype=float)
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


# --------------------------------------------------------------------------- the score


def _incident_count(corridors: gpd.GeoDataFrame, incidents: gpd.GeoDataFrame) -> np.ndarray:
    """Point incidents within SNAP_DISTANCE_M of each segment (one may count for several)."""
    pts = incidents.geometry.values[_point_mask(incidents)]
    _, c_idx = corridors.sindex.query(pts, predicate="dwithin", distance=SNAP_DISTANCE_M)
    return np.bincount(c_idx, minlength=len(corridors))


def score_corridors(
    corridors: gpd.GeoDataFrame,
    incidents: gpd.GeoDataFrame,
    stops: gpd.GeoDataFrame,
    *,
    config: ScoringConfig,
    areas: gpd.GeoDataFrame | None = None,
    graph: nx.Graph | None = None,
    reference_time: pd.Timestamp | dt.datetime | None = None,
    seed: int = 0,
) -> gpd.GeoDataFrame:
    """
    Score every corridor segment from incidents and footfall.

    Parameters
    ----------
    corridors
        Segments with ``length_m``, ``area`` and LineString geometry, indexed by ``corridor_id``.
    incidents
        Incidents with ``occurred_at``, ``category``, ``area`` and geometry (Point, or None for
        area-level rows), same CRS.
    stops
        Stops with ``departures_per_hour``, same CRS.
    config
        The scenario's ``scoring`` section.
    areas
        Optional area polygons for spreading area-level incidents (see :func:`area_incidents`).
    graph
        Optional walk graph for network distances to stops (see :func:`footfall`).
    reference_time
        Time incident recency is counted from; default the latest incident.
    seed
        Seed of the bandwidth cross-validation when ``config.bandwidth_m == "cv"``.

    Returns
    -------
    scored
        A copy of `corridors` with the raw columns ``kde_intensity`` (weighted incidents per
        m²), ``incident_rate`` (weighted incidents per metre, see :func:`incident_rate`),
        ``area_incidents`` (per metre), ``footfall_dph`` and ``incident_count`` (point
        incidents within 25 m), the components ``comp_incidents`` (from ``incident_rate``),
        ``comp_area_incidents``, ``comp_footfall`` (each in [0, 1]: divided by the 99th
        percentile and clipped), ``score`` (weighted mean of the components by
        ``config.weights``, in [0, 1]) and ``rank`` (1 = highest score; ties by corridor id).
        ``scored.attrs`` hold ``bandwidth_m`` and ``prior_strength_m``.

    Raises
    ------
    InputError
        If a column is missing.
    CRSError
        If a layer is unprojected or the CRSs differ.
    """
    _check_corridors(corridors, ["length_m", "area"])
    _require(incidents, ["occurred_at", "category", "area", "geometry"], "incidents")
    _require(stops, ["geometry", "departures_per_hour"], "stops")
    require_same_crs(corridors, incidents, "corridors", "incidents")
    require_same_crs(corridors, stops, "corridors", "stops")
    weights = incident_weights(incidents, config=config, reference_time=reference_time)
    if config.bandwidth_m == "cv":
        bandwidth_m = choose_bandwidth(
            incidents, candidates_m=config.bandwidth_candidates_m, weights=weights, seed=seed
        )
    else:
        bandwidth_m = float(config.bandwidth_m)
    _warn_off_network(corridors, incidents, reach_m=6 * bandwidth_m)
    scored = corridors.copy()
    scored["kde_intensity"] = kde_intensity(
        corridors, incidents, bandwidth_m=bandwidth_m, weights=weights
    )
    rate = incident_rate(corridors, incidents, kde=scored["kde_intensity"], weights=weights)
    scored["incident_rate"] = rate
    scored["area_incidents"] = area_incidents(corridors, incidents, weights=weights, areas=areas)
    scored["footfall_dph"] = footfall(
        corridors,
        stops,
        decay_m=config.footfall_decay_m,
        max_walk_m=config.footfall_max_walk_m,
        graph=graph,
    )
    scored["incident_count"] = _incident_count(corridors, incidents)
    total_w = sum(config.weights.get(k, 0.0) for k in _COMPONENTS)
    score = np.zeros(len(scored))
    for key, (raw, comp) in _COMPONENTS.items():
        scored[comp] = _robust_unit(scored[raw])
        score += config.weights.get(key, 0.0) * scored[comp].to_numpy()
    scored["score"] = np.clip(score / total_w, 0.0, 1.0)
    scored["rank"] = _rank(scored["score"])
    scored.attrs["bandwidth_m"] = bandwidth_m
    scored.attrs["prior_strength_m"] = rate.attrs["prior_strength_m"]
    log.info(
        "scored %d corridors from %d incidents (%d with a point) and %d stops; bandwidth %.0f m; "
        "%d segments score > 0.5",
        len(scored),
        len(incidents),
        int(_point_mask(incidents).sum()),
        len(stops),
        bandwidth_m,
        int((scored["score"] > 0.5).sum()),
    )
    return scored


def _rank(values: pd.Series, *, tiebreak: Sequence[np.ndarray] = ()) -> pd.Series:
    """1 for the highest value; ties broken by `tiebreak` arrays (ascending), then the index."""
    keys = [_index_codes(values.index), *reversed([np.asarray(t) for t in tiebreak])]
    order = np.lexsort((*keys, -values.to_numpy(dtype=float)))  # last key sorts first
    rank = np.empty(len(values), dtype=int)
    rank[order] = np.arange(1, len(values) + 1)
    return pd.Series(rank, index=values.index, name="rank")


def _index_codes(index: pd.Index) -> np.ndarray:
    """Sort codes of the index (works for str and int ids alike)."""
    return pd.factorize(index, sort=True)[0]


def rankings(
    corridors: pd.DataFrame,
    *,
    by: str | None = None,
    top: int = 20,
) -> pd.DataFrame:
    """
    The best-scored corridors, overall or per group.

    Parameters
    ----------
    corridors
        Output of :func:`score_corridors` (needs ``score`` and ``rank``).
    by
        None for the overall list, or a column to rank within, e.g. ``"area"`` or
        ``"legal_class"``; segments with no value form their own group (None), listed last.
    top
        Rows per group.

    Returns
    -------
    table
        Columns: the group column (if `by`), ``group_rank``, ``corridor_id``, ``rank``,
        ``score``, the component and raw score columns, and ``name``, ``highway``, ``area``,
        ``legal_class``, ``length_m`` where present. No geometry.

    Raises
    ------
    InputError
        If ``score``/``rank`` or the `by` column is missing.
    """
    _require(corridors, ["score", "rank"], "corridors (run score_corridors first)")
    if by is not None:
        _require(corridors, [by], "corridors")
    info = [
        c
        for c in (
            "name",
            "highway",
            "area",
            "legal_class",
            "length_m",
            "score",
            "comp_incidents",
            "comp_area_incidents",
            "comp_footfall",
            "incident_rate",
            "kde_intensity",
            "area_incidents",
            "footfall_dph",
            "incident_count",
        )
        if c in corridors.columns and c != by
    ]
    table = pd.DataFrame(corridors[["rank", *info]]).sort_values("rank", kind="stable")
    table = table.rename_axis("corridor_id").reset_index()
    if by is None:
        table = table.head(top).copy()
        table.insert(0, "group_rank", np.arange(1, len(table) + 1))
        return table.reset_index(drop=True)
    group = corridors[by].astype(object).reindex(table["corridor_id"]).to_numpy()
    table.insert(0, by, group)
    table.insert(1, "group_rank", table.groupby(by, dropna=False, sort=False).cumcount() + 1)
    table = table[table["group_rank"] <= top]
    has_group = table[by].notna()
    key = table[by].where(has_group, "").astype(str)
    table = table.assign(_none=~has_group, _key=key).sort_values(
        ["_none", "_key", "group_rank"], kind="stable"
    )
    return table.drop(columns=["_none", "_key"]).reset_index(drop=True)


# --------------------------------------------------------------------------- heat raster


def heat_raster(
    incidents: gpd.GeoDataFrame,
    *,
    bounds: tuple[float, float, float, float],
    cell_m: float,
    bandwidth_m: float,
    weights: pd.Series | None = None,
) -> tuple[np.ndarray, affine.Affine]:
    """
    Kernel density of point incidents on a north-up grid, for maps and GIS.

    The gaussian kernel is separable, so the grid is an exact matrix product
    ``G_y^T · diag(w) · G_x`` (evaluated at cell centres), computed in chunks of incidents.

    Parameters
    ----------
    incidents
        Incidents in a projected CRS; only point incidents are used.
    bounds
        (minx, miny, maxx, maxy) of the grid in the CRS of `incidents`.
    cell_m
        Cell size in metres; the grid extends right and down to whole cells.
    bandwidth_m
        Gaussian standard deviation in metres.
    weights
        Incident weights (see :func:`incident_weights`); default 1 each.

    Returns
    -------
    array
        float32 (rows, cols), row 0 north: weighted incidents per m². Its sum times
        ``cell_m²`` is close to the total weight when `bounds` enclose the incidents with a
        margin of a few bandwidths.
    transform
        Affine transform of the grid (top-left origin).

    Raises
    ------
    InputError
        If the bounds are empty, a size is not positive, or the grid is too large.
    CRSError
        If `incidents` is not in a projected CRS.
    """
    require_projected(incidents, "incidents")
    minx, miny, maxx, maxy = map(float, bounds)
    if not (cell_m > 0 and bandwidth_m > 0 and maxx > minx and maxy > miny):
        msg = (
            f"heat_raster: need maxx > minx, maxy > miny, cell_m > 0 and bandwidth_m > 0; found "
            f"bounds={bounds!r}, cell_m={cell_m!r}, bandwidth_m={bandwidth_m!r}."
        )
        raise InputError(msg)
    cols = math.ceil((maxx - minx) / cell_m - 1e-9)
    rows = math.ceil((maxy - miny) / cell_m - 1e-9)
    if rows * cols > _MAX_RASTER_CELLS:
        msg = (
            f"heat_raster: a {rows} x {cols} grid is too large; raise scoring.raster_cell_m "
            f"(now {cell_m} m) or shrink the bounds."
        )
        raise InputError(msg)
    transform = affine.Affine(cell_m, 0.0, minx, 0.0, -cell_m, maxy)
    xs = minx + (np.arange(cols) + 0.5) * cell_m
    ys = maxy - (np.arange(rows) + 0.5) * cell_m
    xy, w = _weighted_points(incidents, weights)
    grid = np.zeros((rows, cols))
    norm = 1.0 / (math.sqrt(2 * math.pi) * bandwidth_m)
    chunk = max(1, 4_000_000 // max(rows, cols))
    for start in range(0, len(xy), chunk):
        part, pw = xy[start : start + chunk], w[start : start + chunk]
        gx = norm * np.exp(-0.5 * ((xs[None, :] - part[:, :1]) / bandwidth_m) ** 2)
        gy = norm * np.exp(-0.5 * ((ys[None, :] - part[:, 1:]) / bandwidth_m) ** 2)
        grid += (gy * pw[:, None]).T @ gx
    log.info(
        "heat raster: %d x %d cells of %.0f m from %d incidents (bandwidth %.0f m)",
        rows,
        cols,
        cell_m,
        len(xy),
        bandwidth_m,
    )
    return grid.astype(np.float32), transform


# --------------------------------------------------------------------------- evaluation


def pai(
    selected_mask: Sequence[bool] | np.ndarray,
    counts: Sequence[float] | np.ndarray,
    lengths: Sequence[float] | np.ndarray,
) -> float:
    """
    Predictive Accuracy Index: ``(n / N) / (a / A)`` (Chainey et al. 2008).

    Parameters
    ----------
    selected_mask
        True for the selected segments.
    counts
        Test incidents per segment.
    lengths
        Segment lengths in metres (the "area" of a network hotspot).

    Returns
    -------
    pai
        Share of incidents captured over share of length; NaN if there are no incidents or
        nothing is selected.
    """
    mask, c, ln = _eval_arrays(selected_mask, counts, lengths)
    big_n, big_a, a = c.sum(), ln.sum(), ln[mask].sum()
    if big_n <= 0 or a <= 0:
        return math.nan
    return float((c[mask].sum() / big_n) / (a / big_a))


def _max_captured(counts: np.ndarray, lengths: np.ndarray, length_m: float) -> float:
    """n*: incidents on the densest `length_m` of network (greedy by density, last one pro rata).

    This is the optimum when segments may be split, hence an upper bound of any whole-segment
    choice of the same total length, so PEI = n / n* <= 1.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        density = np.where(lengths > 0, counts / lengths, np.where(counts > 0, np.inf, 0.0))
    order = np.argsort(-density, kind="stable")
    c, ln = counts[order], lengths[order]
    before = np.concatenate([[0.0], np.cumsum(ln)[:-1]])
    take = np.clip(length_m - before, 0.0, ln)
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(ln > 0, take / ln, 1.0)
    return float((c * frac).sum())


def pei(
    selected_mask: Sequence[bool] | np.ndarray,
    counts: Sequence[float] | np.ndarray,
    lengths: Sequence[float] | np.ndarray,
) -> float:
    """
    Predictive Efficiency Index: ``n / n*`` (Hunt 2016).

    n* is the most incidents any network of the selected total length could hold, computed
    greedily: segments by test incidents per metre, densest first, the last one counted pro
    rata to reach the length exactly. That is the maximum when segments may be split, so it
    bounds every whole-segment selection and PEI lies in [0, 1].

    Parameters
    ----------
    selected_mask
        True for the selected segments.
    counts
        Test incidents per segment.
    lengths
        Segment lengths in metres.

    Returns
    -------
    pei
        Captured over the maximum capturable; NaN if nothing could be captured.
    """
    mask, c, ln = _eval_arrays(selected_mask, counts, lengths)
    best = _max_captured(c, ln, ln[mask].sum())
    if best <= 0:
        return math.nan
    return float(c[mask].sum() / best)


def _eval_arrays(mask: Any, counts: Any, lengths: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    m = np.asarray(mask, dtype=bool)
    c = np.asarray(counts, dtype=float)
    ln = np.asarray(lengths, dtype=float)
    if not (m.shape == c.shape == ln.shape):
        msg = (
            "selected_mask, counts and lengths must have one shape; found "
            f"{m.shape}, {c.shape}, {ln.shape}."
        )
        raise InputError(msg)
    return m, c, ln


def _top_share(order: np.ndarray, lengths: np.ndarray, share: float) -> np.ndarray:
    """Mask of the first segments in `order` until their length reaches `share` of the total."""
    cum = np.cumsum(lengths[order])
    k = int(np.searchsorted(cum, share * lengths.sum() * (1 - 1e-12), side="left")) + 1
    mask = np.zeros(len(lengths), dtype=bool)
    mask[order[: min(k, len(order))]] = True
    return mask


def _default_cut(times: pd.Series) -> dt.date:
    t0, t1 = times.min(), times.max()
    return (t0 + 0.75 * (t1 - t0)).date()


def evaluate(
    corridors: gpd.GeoDataFrame,
    incidents: gpd.GeoDataFrame,
    stops: gpd.GeoDataFrame,
    *,
    config: ScoringConfig,
    cut_date: dt.date | None = None,
    areas: gpd.GeoDataFrame | None = None,
    graph: nx.Graph | None = None,
    shares: Sequence[float] = (0.01, 0.05, 0.10, 0.20),
) -> pd.DataFrame:
    """
    Hold-out test of the score: train before a date, count hits after it.

    For each share s of network length, the top-ranked segments are taken until their length
    reaches s · A (the last may overshoot; a is the actual selected length). Test incidents
    are snapped to their nearest segment within 25 m (N = snapped test incidents). Then
    ``PAI = (n / N) / (a / A)`` and ``PEI = n / n*`` (see :func:`pei`).

    The methods compared:

    - ``score``: :func:`score_corridors` fitted on the training incidents;
    - ``last_period_counts``: raw incident counts per segment (snapped like the test) in the
      last period before the cut, as long as the test period (the analyst's "last month's
      hotspots" rule, capped at the training span), ties broken by shorter length (denser), then
      corridor id;
    - ``uniform``: a random choice of length s · A; its expected PAI is 1 by definition and its
      expected n is ``N · s``, so PEI = ``s · N / n*``.

    Parameters
    ----------
    corridors, incidents, stops
        As for :func:`score_corridors`.
    config
        The scenario's ``scoring`` section.
    cut_date
        First day of the test period; default ``config.evaluation_cut_date``, else the date at
        75 % of the incidents' time span.
    areas, graph
        Passed to :func:`score_corridors`.
    shares
        Shares of network length to report, each in (0, 1].

    Returns
    -------
    table
        One row per method and share: ``method``, ``share``, ``length_share`` (a / A),
        ``n_test`` (float: expected for uniform), ``N_test``, ``pai``, ``pei``. ``attrs`` hold
        ``cut_date``, ``n_train``, ``n_test_unsnapped``, ``bandwidth_m`` and
        ``prior_strength_m``.

    Raises
    ------
    InputError
        If either period has no incidents, a share is outside (0, 1], or a column is missing.
    CRSError
        If a layer is unprojected or the CRSs differ.
    """
    _check_corridors(corridors, ["length_m", "area"])
    _require(incidents, ["occurred_at", "category", "area", "geometry"], "incidents")
    require_same_crs(corridors, incidents, "corridors", "incidents")
    bad = [s for s in shares if not 0 < s <= 1]
    if bad or not shares:
        msg = f"evaluate: shares must be in (0, 1]; found {list(shares)}."
        raise InputError(msg)
    times = incidents["occurred_at"]
    if not pd.api.types.is_datetime64_any_dtype(times) or times.notna().sum() == 0:
        msg = "`incidents`: 'occurred_at' must hold timestamps to split train and test periods."
        raise InputError(msg)
    cut = cut_date or config.evaluation_cut_date or _default_cut(times.dropna())
    cut_ts = _as_timestamp(pd.Timestamp(cut), times)
    train = incidents[(times < cut_ts).to_numpy()]
    test = incidents[(times >= cut_ts).to_numpy()]
    if len(train) == 0 or len(test) == 0:
        msg = (
            f"evaluate: the cut date {cut} leaves {len(train)} training and {len(test)} test "
            f"incidents (times {times.min()} to {times.max()}). Set scoring.evaluation_cut_date "
            "inside that span."
        )
        raise InputError(msg)

    lengths = corridors["length_m"].to_numpy(dtype=float)
    test_counts = _snap_counts(corridors, test)
    n_snapped = int(test_counts.sum())
    big_n = float(test_counts.sum())
    n_test_points = int(_point_mask(test).sum())
    scored = score_corridors(
        corridors, train, stops, config=config, areas=areas, graph=graph, reference_time=cut_ts
    )
    test_span = times.max() - cut_ts
    last_period = train[(train["occurred_at"] >= cut_ts - test_span).to_numpy()]
    orders = {
        "score": np.argsort(scored["rank"].to_numpy(), kind="stable"),
        "last_period_counts": np.argsort(
            _rank(
                pd.Series(_snap_counts(corridors, last_period), index=corridors.index),
                tiebreak=[lengths],
            ).to_numpy(),
            kind="stable",
        ),
    }
    rows = []
    for method, order in orders.items():
        for s in shares:
            mask = _top_share(order, lengths, s)
            rows.append(
                {
                    "method": method,
                    "share": float(s),
                    "length_share": float(lengths[mask].sum() / lengths.sum()),
                    "n_test": float(test_counts[mask].sum()),
                    "N_test": big_n,
                    "pai": pai(mask, test_counts, lengths),
                    "pei": pei(mask, test_counts, lengths),
                }
            )
    for s in shares:
        best = _max_captured(test_counts, lengths, s * lengths.sum())
        rows.append(
            {
                "method": "uniform",
                "share": float(s),
                "length_share": float(s),
                "n_test": big_n * s,
                "N_test": big_n,
                "pai": 1.0 if big_n > 0 else math.nan,
                "pei": big_n * s / best if best > 0 else math.nan,
            }
        )
    table = pd.DataFrame(rows)
    table.attrs.update(
        cut_date=pd.Timestamp(cut).date(),
        n_train=len(train),
        n_test_unsnapped=n_test_points - n_snapped,
        bandwidth_m=scored.attrs["bandwidth_m"],
        prior_strength_m=scored.attrs["prior_strength_m"],
    )
    at = table[(table["method"] == "score")].set_index("share")["pai"]
    log.info(
        "evaluation: cut %s, %d train / %d test incidents (%d on the network); score PAI %s",
        table.attrs["cut_date"],
        len(train),
        len(test),
        n_snapped,
        ", ".join(f"{s:.0%}: {v:.2f}" for s, v in at.items()),
    )
    return table
