"""Staggered installation: group-time effects and an event study with a pre-trend test.

Two-way fixed effects are biased when installation dates differ and effects change over time
(Goodman-Bacon 2021): already-treated units serve as controls. Here every camera site has its
own never-treated matched controls, and time is counted from the site's own installation in
bins of ``bin_days`` (a quarter). For each *cohort* g (the sites installed in one calendar
quarter) and event time e, in the manner of Callaway & Sant'Anna (2021),

``θ(g, e) = ln(T_{g,e} / T_{g,−1}) − ln(C_{g,e} / C_{g,−1})``

with T the cohort's incidents at its sites, C at their controls, and e = −1 the quarter before
installation (½ added to each count). The event study averages θ(g, e) over cohorts weighted by
their numbers of sites; the leads (e ≤ −2) test for a pre-trend (a Wald χ² with the shared
base quarter in the covariance). Variances are Poisson's, inflated by the overdispersion φ.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy import stats

from siteplan.followup.inference import Z95
from siteplan.followup.result import EventStudy, EventTime, GroupTime

__all__ = ["event_study"]


class _Bins(NamedTuple):
    """Counts per site and event bin, for the sites' cameras (T) and their controls (C)."""

    t: pd.DataFrame
    c: pd.DataFrame
    cohort: pd.Series


def _bins(
    hits: pd.DataFrame,
    clusters: pd.DataFrame,
    *,
    data_start: pd.Timestamp,
    end: pd.Timestamp,
    leads: int,
    lags: int,
    bin_days: int,
) -> _Bins:
    """Counts per site × event bin; bins not wholly inside the data are NaN."""
    origin = pd.to_datetime(clusters["installed_on"]) + pd.Timedelta(days=1)
    site_origin = origin.groupby(clusters["site_id"]).min()
    h = hits.join(clusters[["site_id", "treated"]], on="cluster", how="inner")
    rel = (h["day"] - h["cluster"].map(origin)).dt.days
    h = h.assign(e=np.floor_divide(rel, bin_days))
    h = h.loc[(h["e"] >= -leads) & (h["e"] <= lags)]
    events = list(range(-leads, lags + 1))
    out = []
    for is_treated in (True, False):
        sel = h.loc[h["treated"] == is_treated]
        table = pd.crosstab(sel["site_id"], sel["e"]).reindex(
            index=site_origin.index, columns=events, fill_value=0
        )
        out.append(table.astype(float))
    offsets = np.array(events, dtype="int64")[None, :] * np.timedelta64(bin_days, "D")
    first = site_origin.to_numpy(dtype="datetime64[ns]")[:, None] + offsets
    last = first + np.timedelta64(bin_days - 1, "D")
    seen = (first >= np.datetime64(data_start)) & (last <= np.datetime64(end))
    t, c = (x.where(seen) for x in out)
    install = site_origin - pd.Timedelta(days=1)
    cohort = install.dt.to_period("Q").astype(str)
    return _Bins(t, c, cohort)


def _theta(t_e: float, t_b: float, c_e: float, c_b: float, phi: float) -> tuple[float, float]:
    """Log ratio-of-ratios and its variance, ½ added to each count."""
    t_e, t_b, c_e, c_b = (x + 0.5 for x in (t_e, t_b, c_e, c_b))
    theta = math.log(t_e / t_b) - math.log(c_e / c_b)
    return theta, phi * (1 / t_e + 1 / t_b + 1 / c_e + 1 / c_b)


def _change(theta: float, se: float) -> tuple[float, float, float]:
    return math.expm1(theta), math.expm1(theta - Z95 * se), math.expm1(theta + Z95 * se)


def event_study(
    hits: pd.DataFrame,
    clusters: pd.DataFrame,
    *,
    data_start: pd.Timestamp,
    end: pd.Timestamp,
    phi: float = 1.0,
    leads: int = 4,
    lags: int = 4,
    bin_days: int = 91,
) -> EventStudy:
    """
    Group-time effects by installation cohort, the event study and its pre-trend test.

    Parameters
    ----------
    hits
        One row per incident in a cluster: ``cluster`` (id) and ``day`` (local day).
    clusters
        Indexed by cluster id: ``site_id``, ``treated`` and ``installed_on`` (the site's
        installation day; bins count from the day after).
    data_start, end
        The incident data's first day and the period's last day; only bins wholly between
        them count.
    phi
        Overdispersion inflating every variance (>= 1).
    leads, lags
        Event bins before (e = −leads … −1) and from (e = 0 … lags) installation.
    bin_days
        Length of an event bin (91: a quarter).

    Returns
    -------
    study
        The event times (e = −1 is the base, 0 by construction), each cohort's effect over
        its observed post bins, the overall group-time effect and the pre-trend test.
    """
    b = _bins(
        hits, clusters, data_start=data_start, end=end, leads=leads, lags=lags, bin_days=bin_days
    )
    events: list[EventTime] = []
    leads_seen: list[_Lead] = []
    cohorts = sorted(b.cohort.unique())
    for e in range(-leads, lags + 1):
        row = _event(b, cohorts, e, phi)
        if row is None:
            continue
        events.append(row[0])
        if e <= -2:
            leads_seen.append(_Lead(row[0].log_effect, row[0].se, row[1], row[2]))
    groups = tuple(g for g in (_cohort_effect(b, g, phi) for g in cohorts) if g is not None)
    chi2, df, p = _pretrend(leads_seen)
    return EventStudy(
        bin_days=bin_days,
        events=tuple(events),
        cohorts=groups,
        overall=_overall(groups),
        pretrend_chi2=chi2,
        pretrend_df=df,
        pretrend_p=p,
        pretrend_flag=p is not None and p < 0.05,
    )


def _event(
    b: _Bins, cohorts: list[str], e: int, phi: float
) -> tuple[EventTime, dict[str, float], dict[str, float]] | None:
    """θ(e) over cohorts observed at e and at −1; the weights and base variances for the test."""
    thetas, variances, weights, base_var = {}, {}, {}, {}
    n_t = n_c = 0.0
    for g in cohorts:
        sites = b.cohort.index[b.cohort == g]
        ok = b.t.loc[sites, [e, -1]].notna().all(axis=1)
        sites = sites[ok.to_numpy()]
        if not len(sites):
            continue
        t_e, t_b = b.t.loc[sites, e].sum(), b.t.loc[sites, -1].sum()
        c_e, c_b = b.c.loc[sites, e].sum(), b.c.loc[sites, -1].sum()
        thetas[g], variances[g] = _theta(t_e, t_b, c_e, c_b, phi)
        weights[g] = float(len(sites))
        base_var[g] = phi * (1 / (t_b + 0.5) + 1 / (c_b + 0.5))
        n_t, n_c = n_t + t_e, n_c + c_e
    if not weights:
        return None
    total = sum(weights.values())
    w = {g: v / total for g, v in weights.items()}
    theta = sum(w[g] * thetas[g] for g in w) if e != -1 else 0.0
    se = math.sqrt(sum(w[g] ** 2 * variances[g] for g in w)) if e != -1 else 0.0
    change, lo, hi = _change(theta, se)
    row = EventTime(e, theta, se, change, lo, hi, int(total), int(n_t), int(n_c))
    return row, w, base_var


class _Lead(NamedTuple):
    theta: float
    se: float
    weights: dict[str, float]
    base_var: dict[str, float]


def _pretrend(leads: list[_Lead]) -> tuple[float | None, int, float | None]:
    """Wald χ² that every lead is 0; the leads share the base quarter's variance."""
    k = len(leads)
    if k == 0:
        return None, 0, None
    cov = np.zeros((k, k))
    for i, li in enumerate(leads):
        for j, lj in enumerate(leads):
            if i == j:
                cov[i, j] = li.se**2
            else:
                shared = set(li.weights) & set(lj.weights)
                cov[i, j] = sum(li.weights[g] * lj.weights[g] * li.base_var[g] for g in shared)
    theta = np.array([lead.theta for lead in leads])
    if not np.all(np.isfinite(cov)) or np.any(np.diag(cov) <= 0):
        return None, k, None
    chi2 = float(theta @ np.linalg.solve(cov, theta))
    return chi2, k, float(stats.chi2.sf(chi2, k))


def _cohort_effect(b: _Bins, g: str, phi: float) -> GroupTime | None:
    """A cohort's effect over its observed post bins against its base quarter."""
    sites = b.cohort.index[b.cohort == g]
    post = [e for e in b.t.columns if e >= 0]
    t_post = b.t.loc[sites, post]
    observed = t_post.notna().all(axis=0)
    cols = [e for e, ok in observed.items() if ok]
    base_ok = b.t.loc[sites, -1].notna().all()
    if not cols or not base_ok:
        return None
    t_sum = float(b.t.loc[sites, cols].to_numpy().sum())
    c_sum = float(b.c.loc[sites, cols].to_numpy().sum())
    t_b, c_b = float(b.t.loc[sites, -1].sum()), float(b.c.loc[sites, -1].sum())
    # Mean per post bin against the base bin; the variance from the summed post counts.
    theta, _ = _theta(t_sum / len(cols), t_b, c_sum / len(cols), c_b, phi)
    var = phi * sum(1 / (x + 0.5) for x in (t_sum, t_b, c_sum, c_b))
    se = math.sqrt(var)
    change, lo, hi = _change(theta, se)
    return GroupTime(g, len(sites), len(cols), theta, se, change, lo, hi)


def _overall(groups: tuple[GroupTime, ...]) -> GroupTime | None:
    """The cohorts' effects averaged with their numbers of sites as weights."""
    if not groups:
        return None
    w = np.array([g.n_sites for g in groups], dtype=float)
    w /= w.sum()
    theta = float(w @ np.array([g.log_effect for g in groups]))
    se = float(math.sqrt(w**2 @ np.array([g.se**2 for g in groups])))
    change, lo, hi = _change(theta, se)
    n_bins = max(g.n_bins for g in groups)
    return GroupTime("all", int(sum(g.n_sites for g in groups)), n_bins, theta, se, change, lo, hi)
