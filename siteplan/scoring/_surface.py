"""Machinery of model selection: incidents snapped once, corridor kernels, candidate surfaces.

Everything here works on corridor positions (0..n-1) and plain arrays, so that one snapping of
the incidents and one kernel matrix per bandwidth serve every candidate model and every fold.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import sparse
from scipy.spatial import cKDTree
from scipy.stats import gamma

from siteplan.scoring._common import index_codes, snap

#: Kernel sums stop at this many standard deviations (neglected tail < exp(-4.5) = 1 %).
_KERNEL_CUTOFF = 3.0
#: Clip of the estimated prior strength k, in metres.
_PRIOR_STRENGTH_RANGE_M = (1.0, 10_000.0)
#: Time scale of the near-repeat boost (an incident raises the risk nearby for weeks).
NEAR_REPEAT_DAYS = 14.0
#: Bandwidth of the near-repeat boost in metres.
NEAR_REPEAT_BANDWIDTH_M = 50.0
#: Central probability of the risk interval.
INTERVAL = 0.90
_DAYS_PER_YEAR = 365.25

Kind = Literal["blend", "last_period_counts", "kde"]


@dataclass(frozen=True)
class ModelSpec:
    """
    One candidate model of the incident risk.

    Attributes
    ----------
    kind
        ``"blend"`` (the empirical-Bayes model), or a baseline: ``"last_period_counts"``
        (counts in the last period as long as the forecast horizon) or ``"kde"`` (a plain
        kernel density of all past incidents, unweighted).
    bandwidth_m
        Gaussian kernel bandwidth of the long-term surface (and of the "kde" baseline).
    half_life_days
        Recency half-life of the incident weights; None: no decay.
    prior_scale
        Multiplier of the estimated empirical-Bayes prior strength k (1: as estimated;
        larger: the smooth surface counts more, smaller: the segment's own counts do).
    near_repeat
        Share of the risk given to the near-repeat boost (incidents of the last weeks nearby).
    """

    kind: Kind = "blend"
    bandwidth_m: float = 75.0
    half_life_days: float | None = 365.0
    prior_scale: float = 1.0
    near_repeat: float = 0.0

    @property
    def label(self) -> str:
        """A short readable name, e.g. ``blend(h=75 m, t½=365 d, k×1, nr=0)``."""
        if self.kind == "last_period_counts":
            return "last_period_counts"
        if self.kind == "kde":
            return f"kde(h={self.bandwidth_m:.0f} m)"
        hl = "∞" if self.half_life_days is None else f"{self.half_life_days:.0f} d"
        return (
            f"blend(h={self.bandwidth_m:.0f} m, t½={hl}, k×{self.prior_scale:g}, "
            f"nr={self.near_repeat:g})"
        )


@dataclass(frozen=True)
class Prepared:
    """Incidents snapped once to the corridors, with the kernels the candidates need."""

    lengths: np.ndarray  # corridor lengths in metres
    codes: np.ndarray  # sort codes of the corridor ids (tie-break)
    seg: np.ndarray  # corridor position of each snapped point incident
    days: np.ndarray  # time of each snapped incident, days since t0
    base_w: np.ndarray  # severity × hour weight of each snapped incident (no recency)
    start_day: float  # first incident time (days since t0)
    t0: pd.Timestamp
    mids: np.ndarray  # corridor midpoints (n, 2)
    kernels: dict[float, sparse.csr_matrix] = field(default_factory=dict)

    def kernel(self, bandwidth_m: float) -> sparse.csr_matrix:
        """Corridor-to-corridor gaussian kernel per m² (built once per bandwidth)."""
        if bandwidth_m not in self.kernels:
            self.kernels[bandwidth_m] = corridor_kernel(self.mids, self.lengths, bandwidth_m)
        return self.kernels[bandwidth_m]

    def warm(self, bandwidths_m: Sequence[float]) -> None:
        """Build the kernels of `bandwidths_m` from one neighbour search at the widest reach."""
        todo = sorted({float(b) for b in bandwidths_m} - set(self.kernels))
        if not todo:
            return
        pairs = _pairs(self.mids, _reach(self.lengths, todo[-1]))
        for h in todo:
            self.kernels[h] = _kernel_from_pairs(pairs, self.lengths, h)

    def day_of(self, when: pd.Timestamp) -> float:
        """Days from t0 to `when`."""
        return float((when - self.t0) / pd.Timedelta(days=1))


def prepare(
    corridors: gpd.GeoDataFrame, incidents: gpd.GeoDataFrame, base_weights: np.ndarray
) -> Prepared:
    """Snap point incidents with a time once; keep their times and severity × hour weights."""
    times = incidents["occurred_at"]
    pos, seg = snap(corridors, incidents)
    has_time = times.iloc[pos].notna().to_numpy()
    pos, seg = pos[has_time], seg[has_time]
    valid = times.dropna()
    t0 = valid.min() if len(valid) else pd.Timestamp("1970-01-01", tz="UTC")
    days = ((times.iloc[pos] - t0) / pd.Timedelta(days=1)).to_numpy(dtype=float)
    mids = shapely.get_coordinates(
        shapely.line_interpolate_point(corridors.geometry.values, 0.5, normalized=True)
    )
    return Prepared(
        lengths=corridors["length_m"].to_numpy(dtype=float),
        codes=index_codes(corridors.index),
        seg=seg,
        days=days,
        base_w=np.asarray(base_weights, dtype=float)[pos],
        start_day=0.0,
        t0=t0,
        mids=mids,
    )


def _reach(lengths: np.ndarray, bandwidth_m: float) -> float:
    return _KERNEL_CUTOFF * math.sqrt(bandwidth_m**2 + float(lengths.max(initial=0.0)) ** 2 / 12)


def _pairs(mids: np.ndarray, reach_m: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(i, j, distance) of midpoint pairs within `reach_m`, the diagonal included, by i."""
    tree = cKDTree(mids)
    found = tree.sparse_distance_matrix(tree, reach_m, output_type="ndarray")
    diag = np.arange(len(mids))  # distance 0 pairs are not stored: add the diagonal
    i = np.concatenate([found["i"], diag])
    j = np.concatenate([found["j"], diag])
    d = np.concatenate([found["v"], np.zeros(len(mids))])
    order = np.argsort(i, kind="stable")
    return i[order], j[order], d[order]


def _kernel_from_pairs(
    pairs: tuple[np.ndarray, np.ndarray, np.ndarray], lengths: np.ndarray, bandwidth_m: float
) -> sparse.csr_matrix:
    i, j, d = pairs
    keep = d <= _reach(lengths, bandwidth_m)
    i, j, d = i[keep], j[keep], d[keep]
    var = bandwidth_m**2 + (lengths[i] ** 2 + lengths[j] ** 2) / 24.0
    val = np.exp(-0.5 * d**2 / var) / (2 * math.pi * var)
    n = len(lengths)
    indptr = np.concatenate([[0], np.cumsum(np.bincount(i, minlength=n))])
    return sparse.csr_matrix((val, j, indptr), shape=(n, n))


def corridor_kernel(mids: np.ndarray, lengths: np.ndarray, bandwidth_m: float) -> sparse.csr_matrix:
    """``K[i, j]``: gaussian density at corridor i of an incident on corridor j, per m².

    Midpoint distances, with the variance widened by the two segments' own extent
    (``h² + (L_i² + L_j²) / 24``); pairs beyond 3 widened standard deviations are dropped.
    """
    pairs = _pairs(mids, _reach(lengths, bandwidth_m))
    return _kernel_from_pairs(pairs, lengths, bandwidth_m)


def effective_years(span_days: float, half_life_days: float | None) -> float:
    """Years of data a recency-weighted sum stands for: ``∫ 0.5^(age/t½) d(age)`` over the span."""
    span = max(span_days, 1.0)
    if half_life_days is None:
        return span / _DAYS_PER_YEAR
    scale = half_life_days / math.log(2)
    return scale * (1 - math.exp(-span / scale)) / _DAYS_PER_YEAR


@dataclass(frozen=True)
class Surface:
    """A candidate's risk per corridor at one cut: rate per metre-year and its interval."""

    risk: np.ndarray  # expected weighted incidents per metre and year
    low: np.ndarray
    high: np.ndarray
    kde: np.ndarray  # long-term surface (weighted incidents per m²)
    prior_strength_m: float
    order: np.ndarray  # corridor positions, highest risk first


def _recency(prep: Prepared, train: np.ndarray, cut_day: float, hl: float | None) -> np.ndarray:
    w = prep.base_w[train]
    if hl is None:
        return w
    return w * 0.5 ** ((cut_day - prep.days[train]) / hl)


def prior_strength(counts: np.ndarray, prior: np.ndarray, lengths: np.ndarray, rho: float) -> float:
    """Method-of-moments prior strength k of the Poisson-gamma model (see incident_rate)."""
    expected = prior * lengths
    excess = float(((counts - expected) ** 2).sum()) - rho * float(expected.sum())
    low, high = _PRIOR_STRENGTH_RANGE_M
    if excess <= 0:
        return high
    return float(np.clip((lengths**2 * prior).sum() / excess, low, high))


def order_desc(values: np.ndarray, codes: np.ndarray, *tiebreak: np.ndarray) -> np.ndarray:
    """Positions by `values` descending, ties by `tiebreak` (ascending) then corridor id."""
    return np.lexsort((codes, *reversed(tiebreak), -values))


def _weighted_counts(
    prep: Prepared, spec: ModelSpec, cut_day: float, cache: dict | None
) -> tuple[np.ndarray, np.ndarray, float]:
    """Recency-weighted counts, their kernel surface and ρ = Σw²/Σw (memoised in `cache`)."""
    key = ("counts", spec.bandwidth_m, spec.half_life_days, cut_day)
    if cache is not None and key in cache:
        return cache[key]  # type: ignore[no-any-return]
    train = prep.days < cut_day
    w = _recency(prep, train, cut_day, spec.half_life_days)
    counts = np.bincount(prep.seg[train], weights=w, minlength=len(prep.lengths))
    kde = prep.kernel(spec.bandwidth_m) @ counts
    rho = float((w**2).sum() / w.sum()) if w.sum() > 0 else 1.0
    out = (counts, kde, rho)
    if cache is not None:
        cache[key] = out
    return out


def blend_surface(
    prep: Prepared,
    spec: ModelSpec,
    cut_day: float,
    *,
    with_interval: bool = False,
    cache: dict | None = None,
) -> Surface:
    """The empirical-Bayes blend fitted on incidents before `cut_day` (see ModelSpec)."""
    n_corr = len(prep.lengths)
    counts, kde, rho = _weighted_counts(prep, spec, cut_day, cache)
    years = effective_years(cut_day - prep.start_day, spec.half_life_days)
    mass = float((kde * prep.lengths).sum())
    total = float(counts.sum())
    zero = np.zeros(n_corr)
    if total <= 0 or mass <= 0:
        return Surface(zero, zero, zero, kde, math.nan, order_desc(zero, prep.codes))
    prior = kde * total / mass
    k = spec.prior_scale * prior_strength(counts, prior, prep.lengths, rho)
    rate = (counts + k * prior) / (prep.lengths + k)
    low = high = rate
    if with_interval:
        shape = np.maximum((counts + k * prior) / rho, 1e-12)
        scale = rho / (prep.lengths + k)
        tail = (1 - INTERVAL) / 2
        low, high = gamma.ppf(tail, shape, scale=scale), gamma.ppf(1 - tail, shape, scale=scale)
    b = spec.near_repeat
    boost = zero
    if b > 0:
        boost = _near_repeat(prep, cut_day, cache) * float((rate * prep.lengths).sum())
    risk = ((1 - b) * rate + b * boost) / years
    low = ((1 - b) * low + b * boost) / years
    high = ((1 - b) * high + b * boost) / years
    return Surface(risk, low, high, kde, k, order_desc(risk, prep.codes))


def _near_repeat(prep: Prepared, cut_day: float, cache: dict | None) -> np.ndarray:
    """Short-lived boost near recent incidents, per metre, scaled to a total of 1."""
    key = ("near_repeat", cut_day)
    if cache is not None and key in cache:
        return cache[key]  # type: ignore[no-any-return]
    train = prep.days < cut_day
    age = cut_day - prep.days[train]
    w = prep.base_w[train] * np.exp(-age / NEAR_REPEAT_DAYS)
    counts = np.bincount(prep.seg[train], weights=w, minlength=len(prep.lengths))
    near = prep.kernel(NEAR_REPEAT_BANDWIDTH_M) @ counts
    total = float((near * prep.lengths).sum())
    out = near / total if total > 0 else np.zeros(len(prep.lengths))
    if cache is not None:
        cache[key] = out
    return out


def last_period_counts(prep: Prepared, cut_day: float, horizon_days: float) -> np.ndarray:
    """Unweighted snapped incidents per corridor in the `horizon_days` before `cut_day`."""
    recent = (prep.days < cut_day) & (prep.days >= cut_day - horizon_days)
    return np.bincount(prep.seg[recent], minlength=len(prep.lengths)).astype(float)


def baseline_surface(
    prep: Prepared, spec: ModelSpec, cut_day: float, horizon_days: float
) -> Surface:
    """A baseline as a Surface: last-period counts (ties: shorter first) or a plain KDE."""
    n_corr = len(prep.lengths)
    if spec.kind == "last_period_counts":
        counts = last_period_counts(prep, cut_day, horizon_days)
        years = max(horizon_days, 1.0) / _DAYS_PER_YEAR
        risk = counts / np.maximum(prep.lengths, 1e-9) / years
        order = order_desc(counts, prep.codes, prep.lengths)
        tail = (1 - INTERVAL) / 2  # Jeffreys interval of a Poisson count
        low = gamma.ppf(tail, counts + 0.5) / np.maximum(prep.lengths, 1e-9) / years
        high = gamma.ppf(1 - tail, counts + 0.5) / np.maximum(prep.lengths, 1e-9) / years
        return Surface(risk, low, high, np.zeros(n_corr), math.nan, order)
    train = prep.days < cut_day
    counts = np.bincount(prep.seg[train], minlength=n_corr).astype(float)
    kde = prep.kernel(spec.bandwidth_m) @ counts
    mass = float((kde * prep.lengths).sum())
    years = effective_years(cut_day - prep.start_day, None)
    risk = kde * counts.sum() / mass / years if mass > 0 else np.zeros(n_corr)
    return Surface(risk, risk, risk, kde, math.nan, order_desc(risk, prep.codes))


def surface(
    prep: Prepared,
    spec: ModelSpec,
    cut_day: float,
    horizon_days: float,
    *,
    with_interval: bool = False,
    cache: dict | None = None,
) -> Surface:
    """The risk surface of any candidate at `cut_day` (`cache` memoises shared sums)."""
    if spec.kind == "blend":
        return blend_surface(prep, spec, cut_day, with_interval=with_interval, cache=cache)
    return baseline_surface(prep, spec, cut_day, horizon_days)


def top_share(order: np.ndarray, lengths: np.ndarray, share: float) -> np.ndarray:
    """Mask of the first segments in `order` until their length reaches `share` of the total."""
    cum = np.cumsum(lengths[order])
    k = int(np.searchsorted(cum, share * lengths.sum() * (1 - 1e-12), side="left")) + 1
    mask = np.zeros(len(lengths), dtype=bool)
    mask[order[: min(k, len(order))]] = True
    return mask


def pai_at(
    order: np.ndarray, test: np.ndarray, lengths: np.ndarray, shares: Sequence[float]
) -> list[float]:
    """PAI of the top `shares` of length by `order` for test counts `test` (NaN if no test)."""
    big_n = float(test.sum())
    out = []
    for s in shares:
        mask = top_share(order, lengths, s)
        a = lengths[mask].sum() / lengths.sum()
        out.append(float(test[mask].sum() / big_n / a) if big_n > 0 else math.nan)
    return out
