"""Inference that stays valid with few treated camera sites.

The data are one number per site (a *cluster*): its log change in incidents from its own
before window to its own after window, ``d = ln((A + ½)/(B + ½)) − ln(days_after/days_before)``.
Treated sites are the camera sites; control sites are the matched comparison areas. The effect
is the difference of the mean log changes, ``τ = mean_T(d) − mean_C(d)``; ``exp(τ) − 1`` is
the change in incidents beyond the controls' (negative: fewer). This is the stacked
difference-in-differences of the sites' own windows.

Cluster-robust standard errors are far too small with a handful of treated clusters, so two
procedures take their place:

- randomization (placebo) inference (Fisher; MacKinnon & Webb 2020): the treatment labels are
  reassigned over all eligible sites (every assignment when there are at most
  ``max_enumerate`` of them, else ``n_draws`` seeded draws); the p-value is the share of
  placebo effects at least as large as the observed one, and the interval inverts the test of
  a constant effect ``τ₀`` (treated ``d − τ₀``);
- a wild cluster bootstrap with the null imposed (WCR; Cameron, Gelbach & Miller 2008; Roodman
  et al. 2019), Webb's six-point weights, one cluster per site, the interval again by test
  inversion.

With k treated among N sites, randomization inference cannot give a p-value below
``1 / C(N, k)``: one treated site among five controls can never be significant, as it should.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from siteplan.errors import InputError
from siteplan.followup.result import SiteInference

__all__ = [
    "randomization_inference",
    "site_log_changes",
    "wild_cluster_bootstrap",
]

FloatArray = npt.NDArray[np.float64]
PFunc = Callable[[FloatArray], FloatArray]

#: Half-width of the search for interval ends, on the log scale (a factor e⁴ ≈ 55).
_SPAN = 4.0
_COARSE = 161
_FINE = 24
#: Webb's six-point weights (Webb 2023), each with probability 1/6.
_WEBB = np.array([-math.sqrt(1.5), -1.0, -math.sqrt(0.5), math.sqrt(0.5), 1.0, math.sqrt(1.5)])


class _Checked(NamedTuple):
    d: FloatArray
    treated: npt.NDArray[np.bool_]
    k: int
    n: int


def site_log_changes(
    before: npt.ArrayLike,
    after: npt.ArrayLike,
    *,
    days_before: npt.ArrayLike | None = None,
    days_after: npt.ArrayLike | None = None,
) -> FloatArray:
    """
    Each site's log change in incidents, before to after, per day.

    Parameters
    ----------
    before, after
        Incident counts per site in its before and after windows (>= 0).
    days_before, days_after
        Window lengths in days (default: equal).

    Returns
    -------
    d
        ``ln((after + ½)/(before + ½)) − ln(days_after/days_before)`` per site (the ½ is
        Haldane's correction: it removes most of the small-count bias and allows zeros).
    """
    b = np.asarray(before, dtype=float)
    a = np.asarray(after, dtype=float)
    d = np.log((a + 0.5) / (b + 0.5))
    if days_before is not None and days_after is not None:
        d = d - np.log(np.asarray(days_after, dtype=float) / np.asarray(days_before, dtype=float))
    return np.asarray(d, dtype=float)


def _check(d: npt.ArrayLike, treated: npt.ArrayLike, where: str) -> _Checked:
    """The arrays as floats and booleans; at least one treated and one control site."""
    dd = np.asarray(d, dtype=float)
    tt = np.asarray(treated, dtype=bool)
    if dd.shape != tt.shape or dd.ndim != 1:
        msg = f"{where}: d and treated must be 1-D and of one length; got {dd.shape}, {tt.shape}."
        raise InputError(msg)
    if not np.isfinite(dd).all():
        msg = f"{where}: every site's log change must be finite."
        raise InputError(msg)
    k, n = int(tt.sum()), len(tt)
    if k == 0 or k == n:
        msg = f"{where}: needs treated and control sites; got {k} treated of {n}."
        raise InputError(msg)
    return _Checked(dd, tt, k, n)


def _effect(d: FloatArray, treated: npt.NDArray[np.bool_]) -> float:
    return float(d[treated].mean() - d[~treated].mean())


def _assignments(
    n: int, k: int, *, n_draws: int, max_enumerate: int, seed: int
) -> tuple[npt.NDArray[np.bool_], bool]:
    """Placebo assignments of k treated among n sites: all of them, or seeded draws."""
    total = math.comb(n, k)
    if total <= max_enumerate:
        combos = np.fromiter(
            itertools.chain.from_iterable(itertools.combinations(range(n), k)),
            dtype=np.int64,
            count=total * k,
        ).reshape(total, k)
        rows = np.zeros((total, n), dtype=bool)
        np.put_along_axis(rows, combos, True, axis=1)
        return rows, True
    rng = np.random.default_rng(seed)
    keys = rng.random((n_draws, n))
    picks = np.argsort(keys, axis=1)[:, :k]
    rows = np.zeros((n_draws, n), dtype=bool)
    np.put_along_axis(rows, picks, True, axis=1)
    return rows, False


def randomization_inference(
    d: npt.ArrayLike,
    treated: npt.ArrayLike,
    *,
    n_draws: int = 1999,
    max_enumerate: int = 5000,
    seed: int = 0,
    level: float = 0.95,
) -> SiteInference:
    """
    Randomization (placebo) inference for the effect on sites' log changes.

    Parameters
    ----------
    d
        Each site's log change (:func:`site_log_changes`).
    treated
        True for camera sites; the others are the eligible control sites.
    n_draws
        Random placebo assignments when there are more than `max_enumerate`.
    max_enumerate
        Enumerate every assignment up to this many.
    seed
        Seed of the draws (the observed assignment is always counted too).
    level
        Confidence level of the interval.

    Returns
    -------
    result
        Estimate, p-value, interval (None at an end the data cannot bound), significance at
        ``1 − level``, the numbers of sites and of placebo assignments.
    """
    c = _check(d, treated, "randomization_inference")
    rows, exact = _assignments(c.n, c.k, n_draws=n_draws, max_enumerate=max_enumerate, seed=seed)
    if not exact:
        rows = np.vstack([c.treated[None, :], rows])
    ctrl = ~rows
    # Under a constant effect τ₀ the placebo effect is u − τ₀·v and the observed one τ̂ − τ₀.
    u = (rows @ c.d) / c.k - (ctrl @ c.d) / (c.n - c.k)
    v = (rows @ c.treated.astype(float)) / c.k - (ctrl @ c.treated.astype(float)) / (c.n - c.k)
    est = _effect(c.d, c.treated)

    def p_at(tau: FloatArray) -> FloatArray:
        stat = np.abs(u[:, None] - tau[None, :] * v[:, None])
        return np.asarray((stat >= np.abs(est - tau)[None, :] - 1e-12).mean(axis=0), dtype=float)

    p0 = float(p_at(np.array([0.0]))[0])
    low, high = _invert(p_at, est, alpha=1 - level)
    return SiteInference.build(
        method="randomization",
        log_effect=est,
        p_value=p0,
        log_low=low,
        log_high=high,
        alpha=round(1 - level, 10),
        n_treated=c.k,
        n_control=c.n - c.k,
        n_draws=len(rows),
        exact=exact,
    )


def wild_cluster_bootstrap(
    d: npt.ArrayLike,
    treated: npt.ArrayLike,
    *,
    n_draws: int = 999,
    seed: int = 0,
    level: float = 0.95,
) -> SiteInference:
    """
    Wild cluster bootstrap (null imposed, Webb weights) of the effect on sites' log changes.

    Each site is one cluster. The statistic is ``t = (τ̂ − τ₀)/se`` with the
    heteroskedasticity-robust standard error of the two-group difference; the bootstrap
    draws ``d* = α̃ + τ₀·T + w·ũ`` from the restricted fit with one weight ``w`` per site.

    Parameters
    ----------
    d
        Each site's log change (:func:`site_log_changes`).
    treated
        True for camera sites.
    n_draws
        Bootstrap draws.
    seed
        Seed of the weights.
    level
        Confidence level of the interval.

    Returns
    -------
    result
        As :func:`randomization_inference`, with ``method`` ``"wild_cluster_bootstrap"``.
    """
    c = _check(d, treated, "wild_cluster_bootstrap")
    weights = np.random.default_rng(seed).choice(_WEBB, size=(n_draws, c.n))
    tf = c.treated.astype(float)
    est = _effect(c.d, c.treated)
    se = _robust_se(c.d[None, :], c.treated)[0]
    u0 = c.d - c.d.mean()
    shift = tf - c.k / c.n

    def p_one(tau0: float) -> float:
        resid = u0 - tau0 * shift  # restricted residuals under β = τ₀
        star = c.d.mean() - tau0 * c.k / c.n + tau0 * tf + weights * resid[None, :]
        beta = star[:, c.treated].mean(axis=1) - star[:, ~c.treated].mean(axis=1)
        t_star = (beta - tau0) / np.maximum(_robust_se(star, c.treated), 1e-12)
        t_obs = (est - tau0) / max(se, 1e-12)
        return float((np.abs(t_star) >= abs(t_obs) - 1e-12).mean())

    def p_at(tau: FloatArray) -> FloatArray:
        return np.array([p_one(float(x)) for x in tau])

    low, high = _invert(p_at, est, alpha=1 - level, coarse=41)
    return SiteInference.build(
        method="wild_cluster_bootstrap",
        log_effect=est,
        p_value=p_one(0.0),
        log_low=low,
        log_high=high,
        alpha=round(1 - level, 10),
        n_treated=c.k,
        n_control=c.n - c.k,
        n_draws=n_draws,
        exact=False,
    )


def _robust_se(d: FloatArray, treated: npt.NDArray[np.bool_]) -> FloatArray:
    """HC standard error of the difference of group means, one per row of `d`."""
    out = np.zeros(d.shape[0])
    for grp in (treated, ~treated):
        x = d[:, grp]
        m = x.shape[1]
        out += ((x - x.mean(axis=1, keepdims=True)) ** 2).sum(axis=1) / (m * max(m - 1, 1))
    return np.asarray(np.sqrt(out), dtype=float)


def _invert(
    p_at: PFunc, est: float, *, alpha: float, coarse: int = _COARSE
) -> tuple[float | None, float | None]:
    """Ends of {τ₀ : p(τ₀) > α} around the estimate; None where it reaches ±_SPAN."""
    grid = est + np.linspace(-_SPAN, _SPAN, coarse)
    keep = p_at(grid) > alpha
    if not keep.any():
        return est, est
    idx = np.flatnonzero(keep)
    lo_i, hi_i = int(idx[0]), int(idx[-1])
    low = None if lo_i == 0 else _refine(p_at, grid[lo_i - 1], grid[lo_i], alpha, low_end=True)
    high = (
        None
        if hi_i == coarse - 1
        else _refine(p_at, grid[hi_i], grid[hi_i + 1], alpha, low_end=False)
    )
    return low, high


def _refine(p_at: PFunc, a: float, b: float, alpha: float, *, low_end: bool) -> float:
    """The interval end between a rejected and an accepted grid point, on a finer grid."""
    fine = np.linspace(a, b, _FINE)
    keep = np.flatnonzero(p_at(fine) > alpha)
    if not len(keep):
        return float(b if low_end else a)
    return float(fine[keep[0]] if low_end else fine[keep[-1]])
