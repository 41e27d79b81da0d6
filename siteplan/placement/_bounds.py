"""
Upper bounds: the Lagrangian relaxation of the coverage constraints and what it proves.

Multipliers ``lambda_j`` on ``z_j <= sum x_o`` (Galvão & ReVelle 1996); the subproblem is a
knapsack with site costs and one option per slot whose LP value, minimised over the budget
multiplier, is computed exactly. Any multipliers give a valid upper bound. Options whose bound
when forced in is below the best plan are fixed out (reduced-cost fixing).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from siteplan.placement._instance import _TOL, _Inst


def _knapsack_value(inst: _Inst, p: np.ndarray, mu: float) -> tuple[float, float]:
    """
    Value and slope of ``mu * B + sum_s max(0, sum_slots max(0, max_o (p_o - mu c_o)) - mu f_s)``.

    For any ``mu >= 0`` this is an upper bound on ``max p.x`` over the budget, slot and site
    constraints (weak duality on the budget row; the rest is an integral polytope), and its
    minimum over ``mu`` equals that LP's optimum. Returns (value, d value / d mu).
    """
    r = p - mu * inst.cost
    smax = np.maximum.reduceat(r, inst.slot_start)
    spos = np.maximum(smax, 0.0)
    site_val = np.add.reduceat(spos, inst.site_slot_start) - mu * inst.site_cost
    open_site = site_val > 0
    value = mu * inst.budget + float(site_val[open_site].sum())
    # Slope: budget minus the cost of an argmax (one option per positive slot of open sites).
    arg = _slot_argmax(inst, r, smax)
    take = (smax > 0) & open_site[inst.slot_site]
    spend = float(inst.cost[arg[take]].sum() + inst.site_cost[open_site].sum())
    return value, inst.budget - spend


def _slot_argmax(inst: _Inst, r: np.ndarray, smax: np.ndarray) -> np.ndarray:
    """Index of the first option attaining each slot's maximum of `r`."""
    is_max = r >= smax[inst.slot]
    idx = np.flatnonzero(is_max)
    first = np.r_[True, inst.slot[idx][1:] != inst.slot[idx][:-1]]
    return idx[first]


def _subproblem(inst: _Inst, p: np.ndarray, mu0: float | None) -> tuple[float, float, np.ndarray]:
    """
    Minimise the knapsack bound over the budget multiplier; return (value, mu, x).

    The function is convex and piecewise linear in ``mu``, so cutting-plane steps (the crossing
    of the tangents at a point of negative and one of non-negative slope) reach the minimum in
    a few evaluations; bisection guards against slow steps. The value returned is evaluated at
    the returned ``mu`` and is a valid bound whatever the precision of the search.
    """
    if inst.n == 0:
        return 0.0, 0.0, np.zeros(0, dtype=int)
    v_lo, s_lo = _knapsack_value(inst, p, 0.0)
    best, mu = v_lo, 0.0
    if s_lo < 0:
        pos = inst.cost > 0
        hi = max(float(np.max(p[pos] / inst.cost[pos])) if pos.any() else 1.0, _TOL)
        lo = 0.0
        v_hi, s_hi = _knapsack_value(inst, p, hi)
        if mu0 is not None and 0 < mu0 < hi:  # warm start near the previous minimiser
            v, s = _knapsack_value(inst, p, mu0)
            if s < 0:
                lo, v_lo, s_lo = mu0, v, s
            else:
                hi, v_hi, s_hi = mu0, v, s
        if v_hi < best:
            best, mu = v_hi, hi
        if v_lo < best:
            best, mu = v_lo, lo
        for k in range(60):
            if s_hi <= s_lo:
                break
            cut = (v_hi - v_lo + s_lo * lo - s_hi * hi) / (s_lo - s_hi)
            model = v_lo + s_lo * (cut - lo)  # the tangents' floor: no value below it
            if best - model <= 1e-10 * max(abs(best), 1.0) or hi - lo <= 1e-12 * hi:
                break
            mid = cut if (k % 3 != 2) and lo < cut < hi else 0.5 * (lo + hi)
            v, s = _knapsack_value(inst, p, mid)
            if v < best:
                best, mu = v, mid
            if s < 0:
                lo, v_lo, s_lo = mid, v, s
            else:
                hi, v_hi, s_hi = mid, v, s
    # A subgradient point: the argmax at (slightly above) mu, within the budget.
    r = p - (mu * (1 + 1e-9) + 1e-15) * inst.cost
    smax = np.maximum.reduceat(r, inst.slot_start)
    site_val = np.add.reduceat(np.maximum(smax, 0.0), inst.site_slot_start) - mu * inst.site_cost
    arg = _slot_argmax(inst, r, smax)
    take = (smax > 0) & (site_val > 0)[inst.slot_site]
    return best, mu, arg[take]


@dataclass
class _LagrangeState:
    bound: float
    lam: np.ndarray
    mu: float
    iterations: int
    usage: np.ndarray | None = None  # moving average of the subproblem's choices (a primal hint)


def _lagrangian(
    inst: _Inst,
    lower: float,
    *,
    lam0: np.ndarray | None = None,
    max_iter: int = 3000,
    target_gap: float = 0.0,
    deadline: float = math.inf,
) -> _LagrangeState:
    """
    Subgradient optimisation of the Lagrangian dual of the coverage constraints.

    ``L(lambda) = sum_j max(0, w_j - lambda_j) + max { (profit + A lambda) . x }`` over the
    budget, slot and site constraints (LP value, see :func:`_subproblem`). Every evaluated
    ``L`` is a valid upper bound on the reduced objective; the smallest is returned. Stops
    after `max_iter` iterations (a work limit), when the step size has shrunk away or the gap
    to `lower` is below `target_gap`; `deadline` (``time.perf_counter()`` seconds) is only a
    safety net.
    """
    w = inst.weight
    if inst.n == 0:
        return _LagrangeState(0.0, np.zeros(inst.m), 0.0, 0)
    lam = np.minimum(lam0, w) if lam0 is not None else w * 0.5
    best = _LagrangeState(math.inf, lam.copy(), 0.0, 0)
    theta, stall, mu = 1.0, 0, None
    usage = np.zeros(inst.n)
    for it in range(1, max_iter + 1):
        p = inst.profit + inst.cover @ lam
        sub, mu, x = _subproblem(inst, p, mu)
        bound = float(np.maximum(w - lam, 0.0).sum()) + sub
        if bound < best.bound - 1e-12 * max(1.0, abs(bound)):
            improve = best.bound - bound
            best = _LagrangeState(bound, lam.copy(), float(mu), it)
            stall = 0 if improve > 1e-6 * bound else stall + 1
        else:
            stall += 1
        if stall >= 20:
            theta *= 0.5
            stall = 0
            lam = best.lam.copy()
            p = inst.profit + inst.cover @ lam
            sub, mu, x = _subproblem(inst, p, best.mu)
            bound = best.bound
        if best.bound - lower <= target_gap * best.bound or theta < 1e-4:
            break
        if time.perf_counter() > deadline:
            break
        # Subgradient of L at lam: (A^T x)_j - [w_j > lam_j]; step against it, within [0, w].
        xv = np.zeros(inst.n)
        xv[x] = 1.0
        usage += 0.1 * (xv - usage)
        s = inst.cover_t @ xv - (w > lam)
        s[(lam <= 0) & (s > 0)] = 0.0
        s[(lam >= w) & (s < 0)] = 0.0
        norm2 = float((s * s).sum())  # not s @ s: a BLAS call, slow when cores are busy
        if norm2 <= 0:
            break  # lam is optimal for the dual
        step = theta * max(bound - lower, 1e-9 * bound) / norm2
        lam = np.clip(lam - step * s, 0.0, w)
        lam[lam < 1e-12 * w] = 0.0  # no subnormal floats: they make numpy crawl
    best.iterations = it
    best.usage = usage
    return best


def _eval_lagrangian(inst: _Inst, lam: np.ndarray) -> tuple[float, float]:
    """(L(lam), mu) for given multipliers: a valid upper bound on the reduced objective."""
    lam = np.clip(lam, 0.0, inst.weight)
    sub, mu, _ = _subproblem(inst, inst.profit + inst.cover @ lam, None)
    return float(np.maximum(inst.weight - lam, 0.0).sum()) + sub, mu


def _forced_bounds(inst: _Inst, lam: np.ndarray, mu: float) -> np.ndarray:
    """
    For each option, the Lagrangian bound at (`lam`, `mu`) with that option forced in.

    Forcing ``x_o = 1`` changes only its site's term: the site is paid for, the option takes its
    slot and the site's other slots stay free. A valid upper bound on every plan that uses ``o``.
    """
    p = inst.profit + inst.cover @ lam
    r = p - mu * inst.cost
    smax = np.maximum.reduceat(r, inst.slot_start)
    spos = np.maximum(smax, 0.0)
    site_val = np.add.reduceat(spos, inst.site_slot_start) - mu * inst.site_cost
    bound = (
        mu * inst.budget
        + float(np.maximum(site_val, 0).sum())
        + float(np.maximum(inst.weight - lam, 0).sum())
    )
    s = inst.site
    return bound - np.maximum(site_val[s], 0) + (site_val[s] - spos[inst.slot] + r)


def _fix_by_reduced_cost(inst: _Inst, lam: np.ndarray, mu: float, lower: float) -> np.ndarray:
    """
    Keep-mask: options whose forced bound does not fall below `lower`.

    The others cannot be in any plan better than `lower` (reduced-cost fixing).
    """
    return _forced_bounds(inst, lam, mu) >= lower - 1e-9 * max(1.0, abs(lower))
