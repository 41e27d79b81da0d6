"""Hotspot significance and trends per corridor: Getis–Ord Gi* and a Mann–Kendall trend.

In the spirit of Esri's Emerging Hot Spot Analysis, on the corridor graph (segments that share
an end node are neighbours):

- **Significance**: Getis–Ord Gi* of ``log(1 + count)`` (``esda.G_Local`` with ``star=True``
  and binary weights: a segment's neighbourhood, itself included, over the network total; the
  log keeps one very busy segment drawn at random from swamping every permutation) with
  conditional
  permutation inference (the segment's own count fixed, its neighbours' drawn from the other
  segments), one-sided for hot spots, and the Benjamini–Hochberg false-discovery rate over all
  segments. A segment with no incident of its own in the window is never a significant hotspot.
- **Trend**: the Mann–Kendall test (with the tie correction) on the neighbourhood's counts per
  period (equal periods ending at the last incident, by default a twelfth of the span and at
  least 30 days).
- **Category** (first match): ``new`` (a hotspot, over the span or in the recent quarter of
  the periods, whose neighbourhood had at most the network's average rate per metre before
  that quarter), ``intensifying`` (a hotspot with a significant upward trend),
  ``diminishing`` (a hotspot over the span with a significant downward trend),
  ``persistent`` (a hotspot over the span and recently), ``sporadic`` (any other hotspot:
  over the span or recently, not both) and ``none`` (not a significant hotspot).
"""

from __future__ import annotations

import logging
import math
import warnings
from dataclasses import dataclass

import esda
import geopandas as gpd
import numpy as np
import pandas as pd
from libpysal.weights import WSP
from scipy import sparse
from scipy.stats import norm
from statsmodels.stats.multitest import multipletests

from siteplan.errors import InputError
from siteplan.scoring._common import check_corridors, require_columns, snap

log = logging.getLogger(__name__)

#: The trend categories, strongest claim first; ``none``: not a significant hotspot.
TREND_CATEGORIES = ("new", "intensifying", "persistent", "diminishing", "sporadic", "none")

_PERM_CHUNK = 2_000_000  # most random draws held at once


@dataclass(frozen=True)
class Hotspots:
    """
    Result of :func:`hotspot_trends`.

    Attributes
    ----------
    corridors
        Indexed by ``corridor_id``: ``incidents`` (snapped point incidents in the periods),
        ``gi_z`` (Gi* z-score, analytical, from esda), ``gi_p`` (one-sided permutation
        p-value), ``gi_q`` (Benjamini–Hochberg q-value), ``hotspot`` (q ≤ alpha, z > 0 and
        at least one own incident), ``hotspot_recent`` (the same on the recent quarter of the
        periods), ``trend_s`` (Mann–Kendall S on the neighbourhood's period counts),
        ``trend_z``, ``trend_p`` (two-sided), ``trend`` (one of :data:`TREND_CATEGORIES`).
    period_counts
        Snapped incidents per corridor (rows) and period (columns: each period's first day).
    alpha
        Significance level of the hotspots (FDR) and of the trend.
    permutations
        Permutations of the Gi* inference.
    """

    corridors: pd.DataFrame
    period_counts: pd.DataFrame
    alpha: float
    permutations: int


def adjacency(corridors: gpd.GeoDataFrame) -> sparse.csr_matrix:
    """Binary adjacency of segments sharing an end node (``u``/``v``), no self-loops."""
    check_corridors(corridors, ["u", "v"])
    ends = pd.DataFrame(
        {
            "pos": np.tile(np.arange(len(corridors)), 2),
            "node": np.concatenate([corridors["u"].to_numpy(), corridors["v"].to_numpy()]),
        }
    ).drop_duplicates()
    pairs = ends.merge(ends, on="node")
    pairs = pairs[pairs["pos_x"] != pairs["pos_y"]]
    n = len(corridors)
    adj = sparse.csr_matrix(
        (np.ones(len(pairs)), (pairs["pos_x"].to_numpy(), pairs["pos_y"].to_numpy())), (n, n)
    )
    adj.data[:] = 1.0
    return adj


def gi_star_z(values: np.ndarray, adj: sparse.csr_matrix) -> np.ndarray:
    """Analytical Gi* z-scores from ``esda.G_Local`` (star, binary weights, self included)."""
    if values.sum() <= 0:
        return np.zeros(len(values))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # islands: segments without neighbours
        w = WSP(adj).to_W(silence_warnings=True)
        g = esda.G_Local(values, w, transform="B", star=True, permutations=0)
    return np.nan_to_num(np.asarray(g.Zs, dtype=float))


def gi_star_pvalues(
    values: np.ndarray,
    adj: sparse.csr_matrix,
    *,
    permutations: int,
    seed: int,
    test: np.ndarray | None = None,
) -> np.ndarray:
    """One-sided (hot) conditional-permutation p-values of Gi*.

    For segment i with k neighbours, its own value stays and k values are drawn (with
    replacement) from the other segments, `permutations` times; ``p = (1 + #{sim ≥ obs}) /
    (permutations + 1)``. Only segments where `test` is True are permuted (the others get
    p = 1, which can only make a false-discovery control more conservative). Drawn in
    chunks, one random stream from `seed`.
    """
    n = len(values)
    p = np.ones(n)
    if n < 2 or values.sum() <= 0:
        return p
    rng = np.random.default_rng(seed)
    degree = np.diff(adj.indptr)
    observed = adj @ values  # neighbours only; the own value is the same in every draw
    todo = (degree > 0) if test is None else (degree > 0) & test
    for k in np.unique(degree[todo]):
        nodes = np.flatnonzero(todo & (degree == k))
        rows = max(1, _PERM_CHUNK // (permutations * k))
        for start in range(0, len(nodes), rows):
            part = nodes[start : start + rows]
            draw = rng.integers(0, n - 1, size=(len(part), permutations, k), dtype=np.int32)
            draw += draw >= part[:, None, None]  # skip the segment itself
            sims = values[draw].sum(axis=2)
            exceed = (sims >= observed[part, None] - 1e-9).sum(axis=1)
            p[part] = (1 + exceed) / (permutations + 1)
    return p


def mann_kendall(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mann–Kendall S, z and two-sided p per row of `counts` (rows: series, columns: time).

    ``var S = [T(T−1)(2T+5) − Σ_g t_g(t_g−1)(2t_g+5)] / 18`` over the groups of tied values;
    ``z = (S − sign S) / sqrt(var S)`` (continuity correction); a constant row has z 0, p 1.
    """
    x = np.asarray(counts, dtype=float)
    n_t = x.shape[1]
    s = np.zeros(len(x))
    for a in range(n_t - 1):
        s += np.sign(x[:, a + 1 :] - x[:, a : a + 1]).sum(axis=1)
    var = np.full(len(x), n_t * (n_t - 1) * (2 * n_t + 5) / 18.0)
    for r in np.flatnonzero(s != 0):
        _, ties = np.unique(x[r], return_counts=True)
        var[r] -= float((ties * (ties - 1) * (2 * ties + 5)).sum()) / 18.0
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(var > 0, (s - np.sign(s)) / np.sqrt(var), 0.0)
    p = 2 * norm.sf(np.abs(z))
    return s, z, p


def period_edges(times: pd.Series, period_days: float | None) -> tuple[pd.Timestamp, ...]:
    """Equal periods ending at the last incident (a partial oldest period is left out)."""
    valid = times.dropna()
    if valid.empty:
        return ()
    span = (valid.max() - valid.min()) / pd.Timedelta(days=1)
    length = period_days if period_days is not None else max(span / 12.0, 30.0)
    n_periods = math.floor(span / length + 1e-9)
    end = valid.max() + pd.Timedelta(seconds=1)
    step = pd.Timedelta(days=float(length))
    return tuple(end - step * (n_periods - k) for k in range(n_periods + 1))


def _significant(
    counts: np.ndarray, adj: sparse.csr_matrix, alpha: float, permutations: int, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Gi* z, p, BH q and the hotspot flag (q ≤ alpha, z > 0, own count > 0).

    Only segments with an own incident and z > 0 are permuted (see gi_star_pvalues).
    """
    values = np.log1p(counts)
    z = gi_star_z(values, adj)
    p = gi_star_pvalues(
        values, adj, permutations=permutations, seed=seed, test=(counts > 0) & (z > 0)
    )
    q = multipletests(p, alpha=alpha, method="fdr_bh")[1] if len(p) else p
    hot = (q <= alpha) & (z > 0) & (counts > 0)
    return z, p, q, hot


def hotspot_trends(
    corridors: gpd.GeoDataFrame,
    incidents: gpd.GeoDataFrame,
    *,
    alpha: float = 0.05,
    period_days: float | None = None,
    permutations: int = 9999,
    seed: int = 0,
) -> Hotspots:
    """
    Significant hotspots and their trend category per corridor segment.

    Parameters
    ----------
    corridors
        Segments with ``u``, ``v`` and ``length_m`` in a projected CRS, indexed by
        ``corridor_id``.
    incidents
        Incidents with ``occurred_at`` and geometry, same CRS; point incidents within 25 m of
        a segment count (each on its nearest).
    alpha
        Level of the false-discovery rate of the hotspots and of the trend test.
    period_days
        Length of the periods of the trend; default a twelfth of the span, at least 30 days.
    permutations
        Permutations of the Gi* inference (at least 99).
    seed
        Seed of the permutations.

    Returns
    -------
    Hotspots
        The per-corridor table and the period counts (see :class:`Hotspots`).

    Raises
    ------
    InputError
        If a column is missing, `alpha` is not in (0, 1) or `permutations` < 99.
    """
    if not 0 < alpha < 1 or permutations < 99:
        msg = f"alpha must be in (0, 1) and permutations >= 99; found {alpha!r}, {permutations!r}."
        raise InputError(msg)
    check_corridors(corridors, ["u", "v", "length_m"])
    require_columns(incidents, ["occurred_at", "geometry"], "incidents")
    edges = period_edges(incidents["occurred_at"], period_days)
    counts = _period_counts(corridors, incidents, edges)
    adj = adjacency(corridors)
    n_t = counts.shape[1]
    recent = max(1, math.ceil(n_t / 4)) if n_t else 0
    total = counts.sum(axis=1)
    z, p, q, hot = _significant(total, adj, alpha, permutations, seed)
    recent_counts = counts[:, n_t - recent :].sum(axis=1)
    hot_recent = _significant(recent_counts, adj, alpha, permutations, seed + 1)[3]
    with_self = adj + sparse.identity(len(corridors), format="csr")
    neighbourhood = with_self @ counts
    lengths = with_self @ corridors["length_m"].to_numpy(dtype=float)
    before = neighbourhood[:, : n_t - recent].sum(axis=1)
    rate = total.sum() / max(float(corridors["length_m"].sum()), 1e-9) / max(n_t, 1)
    was_quiet = before <= rate * lengths * (n_t - recent)  # at most the network's average
    if n_t >= 3:
        s, tz, tp = mann_kendall(neighbourhood)
    else:
        s, tz, tp = np.zeros(len(total)), np.zeros(len(total)), np.ones(len(total))
    trend = _categories(hot, hot_recent, was_quiet, s, tp, alpha)
    table = pd.DataFrame(
        {
            "incidents": total,
            "gi_z": z,
            "gi_p": p,
            "gi_q": q,
            "hotspot": hot,
            "hotspot_recent": hot_recent,
            "trend_s": s,
            "trend_z": tz,
            "trend_p": tp,
            "trend": pd.Categorical(trend, categories=list(TREND_CATEGORIES)),
        },
        index=corridors.index,
    )
    periods = pd.DataFrame(counts, index=corridors.index, columns=[e.date() for e in edges[:-1]])
    log.info(
        "hotspots: %d of %d segments significant (FDR %.0f %%, %d permutations), %d periods; %s",
        int(hot.sum()),
        len(table),
        alpha * 100,
        permutations,
        n_t,
        ", ".join(f"{c} {int((trend == c).sum())}" for c in TREND_CATEGORIES[:-1]),
    )
    return Hotspots(table, periods, alpha, permutations)


def _period_counts(
    corridors: gpd.GeoDataFrame, incidents: gpd.GeoDataFrame, edges: tuple[pd.Timestamp, ...]
) -> np.ndarray:
    """Snapped point incidents per corridor (rows) and period (columns)."""
    n_t = max(len(edges) - 1, 0)
    if n_t == 0:
        return np.zeros((len(corridors), 0))
    pos, seg = snap(corridors, incidents)
    times = incidents["occurred_at"].iloc[pos]
    bounds = pd.DatetimeIndex(list(edges[1:]))
    period = np.asarray(bounds.searchsorted(pd.DatetimeIndex(times), side="right"))
    inside = (times >= edges[0]).to_numpy() & times.notna().to_numpy() & (period < n_t)
    flat = seg[inside] * n_t + period[inside]
    return (
        np.bincount(flat, minlength=len(corridors) * n_t).reshape(len(corridors), n_t).astype(float)
    )


def _categories(
    hot: np.ndarray,
    hot_recent: np.ndarray,
    was_quiet: np.ndarray,
    s: np.ndarray,
    p: np.ndarray,
    alpha: float,
) -> np.ndarray:
    """The trend category of each segment (see the module docstring), first match wins."""
    up = (p <= alpha) & (s > 0)
    down = (p <= alpha) & (s < 0)
    any_hot = hot | hot_recent
    conditions = [
        any_hot & was_quiet,
        any_hot & up,
        hot & down,
        hot & hot_recent,
        any_hot,
    ]
    names = ["new", "intensifying", "diminishing", "persistent", "sporadic"]
    return np.select(conditions, names, default="none")


#: Columns :func:`annotate` adds to the corridors.
HOTSPOT_COLUMNS = ("hotspot", "hotspot_recent", "trend", "gi_z", "gi_q", "trend_p")


def annotate(corridors: gpd.GeoDataFrame, result: Hotspots) -> gpd.GeoDataFrame:
    """A copy of `corridors` with :data:`HOTSPOT_COLUMNS` from `result` (aligned by id)."""
    out = corridors.copy()
    table = result.corridors.reindex(corridors.index)
    for col in HOTSPOT_COLUMNS:
        out[col] = table[col]
    out["hotspot"] = out["hotspot"].fillna(False).astype(bool)
    out["hotspot_recent"] = out["hotspot_recent"].fillna(False).astype(bool)
    out["trend"] = out["trend"].fillna("none")
    return out


def hotspot_summary(result: Hotspots, corridors: pd.DataFrame, *, top: int = 20) -> pd.DataFrame:
    """
    The significant hotspots for a report: strongest category first, then by Gi* z.

    Parameters
    ----------
    result
        Output of :func:`hotspot_trends`.
    corridors
        The scored corridors (``name``, ``area``, ``risk_per_m_year`` are shown where present).
    top
        Rows per category.

    Returns
    -------
    table
        Columns ``corridor_id``, ``trend``, ``name``, ``area``, ``incidents``, ``recent``
        (incidents in the recent quarter of the periods), ``gi_z``, ``gi_q``, ``trend_p``,
        ``risk_per_m_year`` (those present); only segments whose trend is not ``none``.
    """
    table = result.corridors
    n_t = result.period_counts.shape[1]
    recent = max(1, math.ceil(n_t / 4)) if n_t else 0
    rows = table[table["trend"] != "none"].copy()
    rows["recent"] = result.period_counts.loc[rows.index].iloc[:, n_t - recent :].sum(axis=1)
    extra = [c for c in ("name", "area", "risk_per_m_year") if c in corridors.columns]
    rows = rows.join(pd.DataFrame(corridors[extra]), how="left")
    rank = rows["trend"].astype(str).map({c: i for i, c in enumerate(TREND_CATEGORIES)})
    rows = rows.assign(_r=rank, _z=-rows["gi_z"]).sort_values(["_r", "_z"], kind="stable")
    rows = rows.groupby("_r", sort=False).head(top)
    cols = ["trend", *extra[:2], "incidents", "recent", "gi_z", "gi_q", "trend_p", *extra[2:]]
    return rows[cols].rename_axis("corridor_id").reset_index()
