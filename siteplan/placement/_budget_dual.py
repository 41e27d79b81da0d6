"""
The budget row dualised: bounds for every budget at once, and the plans on the frontier's hull.

For a price ``mu`` (per SEK) on the budget, ``g(mu) = max cover(x) - mu * cost(x)`` over the
slot and site rules, with *no* budget row, is an integer problem that stays much smaller than
the placement MILP: an option whose whole coverage is worth less than ``mu`` times its cost is
never worth buying, and at realistic prices that leaves a few hundred of tens of thousands of
options. Its proven upper bound ``g_ub`` gives the line ``mu * B + g_ub``, an upper bound on
the covered weight at *every* budget ``B`` (weak duality); the plan it finds is optimal for a
budget equal to its own cost. Minimising over ``mu`` reaches the concave hull of the
budget-coverage frontier, which is tighter than the LP bound (the integrality of the slot and
site rules and of the coverage is kept); what separates the hull from the frontier is the
knapsack granularity of whole cameras, closed by the proof MILP on the options the lines do
not rule out (:func:`_line_forced`).

The search over ``mu`` is a one-dimensional cutting-plane method (the crossing of the
tangents on both sides of the budget), stopped after a number of priced MILPs (a work limit).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from siteplan.placement._highs import _priced_milp, _Setup
from siteplan.placement._instance import _Inst, _positions, _restrict

# Priced cores up to this size (options + coverage nonzeros) are handed to HiGHS.
_CORE_MAX_SIZE = 60_000
# Branch-and-bound nodes of each priced MILP (a work limit; most close at the root).
_PRICED_NODES = 500
# Parts of a priced core are packed into MILPs of about this many options.
_PACK = 100


@dataclass(frozen=True)
class _Line:
    """One priced problem: ``mu * B + g_ub`` bounds the plan at every budget ``B``."""

    mu: float
    g_ub: float
    sel: np.ndarray | None  # the plan found (options of the instance), if any
    cost: float  # its cost (reduced scale)
    value: float  # its covered weight (reduced scale)

    def at(self, budget: float) -> float:
        """The bound this line gives at `budget`."""
        return self.mu * budget + self.g_ub


@dataclass
class _Pool:
    """Lines found so far for one instance; shared by the budgets of a frontier."""

    lines: list[_Line] = field(default_factory=list)
    too_large: bool = False  # a priced core was too large for HiGHS: stop trying

    def bound(self, budget: float) -> float:
        """The tightest line at `budget` (inf if none)."""
        return min((ln.at(budget) for ln in self.lines), default=math.inf)

    def best_plan(self, inst: _Inst) -> tuple[np.ndarray | None, float]:
        """The best plan of the lines that fits `inst` (budget, area rules): (plan, value)."""
        best: tuple[np.ndarray | None, float] = (None, -math.inf)
        for ln in self.lines:
            if ln.sel is None or ln.cost > inst.budget + 1e-6 or ln.value <= best[1]:
                continue
            if inst.area_ok(ln.sel):
                best = (ln.sel, ln.value)
        return best


def _priced_core(inst: _Inst, mu: float) -> np.ndarray:
    """
    Options that can be in a maximiser of ``cover(x) - mu * cost(x)``: a keep-mask.

    An option whose total coverage (all it sees, alone) is worth no more than ``mu`` times its
    own cost never helps; nor does a site whose best heading per slot cannot pay its shared
    cost.
    """
    wsum = inst.profit + inst.cover @ inst.weight
    gain = wsum - mu * inst.cost
    keep = gain > 0
    slot_best = np.maximum.reduceat(np.where(keep, gain, 0.0), inst.slot_start)
    site_val = np.add.reduceat(slot_best, inst.site_slot_start) - mu * inst.site_cost
    return keep & (site_val > 0)[inst.site]


def _evaluate(
    inst: _Inst, mu: float, setup: _Setup, *, max_nodes: int, deadline: float
) -> _Line | None:
    """The line of price `mu`, or None if its core is too large for the MILP."""
    keep = _priced_core(inst, mu)
    if not keep.any():
        return _Line(mu, 0.0, np.zeros(0, dtype=int), 0.0, 0.0)
    core = _restrict(inst, keep)
    if core.n + core.cover.nnz > _CORE_MAX_SIZE:
        return None
    # The priced problem splits into parts that share no demand and no site: one MILP each
    # (HiGHS's root cut loop grows faster than linearly with the model).
    label = _components(core)
    g_ub, found, complete = 0.0, [], True
    for part in range(int(label.max()) + 1 if core.n else 0):
        sub = _restrict(core, label == part)
        out = _priced_milp(
            sub,
            mu,
            setup,
            max_nodes=max_nodes,
            time_limit_s=max(deadline - time.perf_counter(), 0.5),
        )
        g_ub += out.bound
        if out.sel is None:
            complete = False
        else:
            found.append(_positions(inst, sub, out.sel))
    if not complete:
        return _Line(mu, g_ub, None, math.inf, -math.inf)
    sel = np.sort(np.concatenate(found)) if found else np.zeros(0, dtype=int)
    return _Line(mu, g_ub, sel, inst.spend(sel), inst.value(sel))


def _components(inst: _Inst) -> np.ndarray:
    """Per option, the label of its part: options linked by a shared demand class or site."""
    n, m = inst.n, inst.m
    c = inst.cover.tocoo()
    rows = np.r_[c.row, np.arange(n)]
    cols = np.r_[n + c.col, n + m + inst.site]
    size = n + m + len(inst.site_cost)
    graph = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(size, size))
    _, label = connected_components(graph, directed=False)
    _, part = np.unique(label[:n], return_inverse=True)
    # Parts of fewer than _PACK options are packed together (one HiGHS run per ~_PACK
    # options, not per part); larger parts keep their own MILP.
    sizes = np.bincount(part)
    small = sizes < _PACK
    batch = np.where(small, np.cumsum(np.where(small, sizes, 0)) // _PACK, -1)
    key = np.where(small, batch, len(sizes) + np.arange(len(sizes)))
    _, batch = np.unique(key, return_inverse=True)
    return np.asarray(batch[part])


def _next_mu(pool: _Pool, budget: float, mu0: float, k: int) -> float | None:
    """The next price to try at `budget`, or None when the hull is reached."""
    done = [ln for ln in pool.lines if ln.sel is not None]
    lo = max((ln for ln in done if ln.cost > budget), key=lambda ln: ln.mu, default=None)
    hi = min((ln for ln in done if ln.cost <= budget), key=lambda ln: ln.mu, default=None)
    if lo is None and hi is None:
        return mu0
    if lo is None:
        assert hi is not None
        return hi.mu * 0.85 if hi.mu > 1e-12 else None
    if hi is None:
        return lo.mu * 1.2
    if hi.mu - lo.mu <= 1e-9 * hi.mu:
        return None
    s_lo, s_hi = budget - lo.cost, budget - hi.cost  # slopes of mu -> mu * B + g(mu)
    h_lo, h_hi = lo.at(budget), hi.at(budget)
    cut = (h_hi - h_lo + s_lo * lo.mu - s_hi * hi.mu) / (s_lo - s_hi)
    model = h_lo + s_lo * (cut - lo.mu)  # the tangents' floor: nothing below it
    if pool.bound(budget) - model <= 1e-9 * max(abs(model), 1.0):
        return None
    if k % 3 == 2 or not lo.mu < cut < hi.mu:
        cut = 0.5 * (lo.mu + hi.mu)
    return cut


def _search(
    inst: _Inst,
    pool: _Pool,
    mu0: float,
    lower: float,
    *,
    steps: int,
    target_gap: float,
    setup: _Setup,
    max_nodes: int,
    deadline: float,
) -> int:
    """
    Add lines to `pool` until the bound at ``inst.budget`` is within `target_gap` of `lower`.

    Stops after `steps` priced MILPs (the work limit), at the hull, or when a priced core is
    too large; `deadline` is only a safety net. Returns the number of MILPs run.
    """
    budget = inst.budget
    ran = 0
    for k in range(steps):
        best = pool.bound(budget)
        if (math.isfinite(best) and best - lower <= target_gap * best) or pool.too_large:
            break
        mu = _next_mu(pool, budget, mu0, k)
        if mu is None or mu <= 0 or time.perf_counter() > deadline:
            break
        if any(abs(ln.mu - mu) <= 1e-12 * mu for ln in pool.lines):
            break
        line = _evaluate(inst, mu, setup, max_nodes=max_nodes, deadline=deadline)
        ran += 1
        if line is None:
            pool.too_large = True
            break
        pool.lines.append(line)
    return ran


def _line_forced(inst: _Inst, pool: _Pool) -> np.ndarray:
    """
    For each option, an upper bound at ``inst.budget`` on every plan that uses it.

    Forcing an option ``o`` in lowers ``g(mu)`` by at least ``mu * c_o - w_o`` (its own cost
    against all it could cover): drop it from the forced maximiser and compare.
    """
    out = np.full(inst.n, math.inf)
    if not pool.lines:
        return out
    wsum = inst.profit + inst.cover @ inst.weight
    for ln in pool.lines:
        out = np.minimum(out, ln.at(inst.budget) - np.maximum(ln.mu * inst.cost - wsum, 0.0))
    return out
