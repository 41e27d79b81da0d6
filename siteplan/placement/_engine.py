"""
The solve on a reduced instance, shared by CameraPlacement and budget_frontier.

1. **Greedy** and swap local search (:mod:`._heuristics`).
2. **Bound.** The LP relaxation's duals (or, for very large instances or when the LP stops
   short, subgradient steps) as Lagrangian multipliers (:mod:`._bounds`, :mod:`._highs`).
3. **Better plan.** A MILP restricted to the options the relaxation uses, the greedy plan and
   the options that look best when forced in (RINS-like).
4. **Exact.** Reduced-cost fixing, then a MILP over what is left when it is small enough:
   every plan better than the incumbent lies there, so its bound holds for the whole problem.

Every step stops on work (moves, iterations, nodes: :class:`WorkLimits`), so the plan and its
bound do not depend on machine load. The wall-clock limit is only a safety net: when it is
hit the status says ``"time_limit"``.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from siteplan.errors import InfeasibleError, InputError
from siteplan.placement._bounds import (
    _eval_lagrangian,
    _fix_by_reduced_cost,
    _forced_bounds,
    _lagrangian,
)
from siteplan.placement._budget_dual import _PRICED_NODES, _line_forced, _Pool, _search
from siteplan.placement._heuristics import _celf, _greedy_inst, _local_search, _State
from siteplan.placement._highs import _lp_relax, _LpSweep, _milp, _Setup
from siteplan.placement._instance import _better, _Inst, _positions, _restrict

log = logging.getLogger(__name__)

Method = Literal["auto", "milp", "greedy"]

# Reduced MILPs up to this size (options + coverage nonzeros) are handed to HiGHS in "auto".
_MILP_MAX_SIZE = 150_000
# Reduced instances up to this many coverage nonzeros get the LP relaxation first; larger ones
# go straight to the Lagrangian subgradient (anytime; no model to build).
_LP_MAX_NNZ = 2_000_000


@dataclass(frozen=True)
class WorkLimits:
    """
    How much work each step of the solve may do: the limits that decide the plan.

    They count moves, iterations and nodes, not seconds, so the same problem gives the same
    plan and bound on an idle and on a loaded machine (for a fixed thread count). A limit of
    0 skips its step.

    Parameters
    ----------
    local_search_moves
        Swap moves of the local search after the greedy.
    lagrangian_iterations
        Subgradient iterations of the Lagrangian bound (when the LP is skipped or stops short).
    lp_iterations
        Simplex (or interior-point) iterations per LP relaxation.
    rins_nodes
        Branch-and-bound nodes of the MILP over the options the relaxation uses.
    proof_nodes
        Branch-and-bound nodes of the MILP that closes the gap (and of ``method="milp"``).
    budget_dual_steps
        Priced MILPs (the budget dualised at a price per SEK, each within 500 nodes)
        of the search for the tightest budget-dual bound; it proves most frontier points and
        shrinks the proof MILP.
    """

    local_search_moves: int = 1000
    lagrangian_iterations: int = 3000
    lp_iterations: int = 1_000_000
    rins_nodes: int = 2_000
    proof_nodes: int = 20_000
    budget_dual_steps: int = 12

    def __post_init__(self) -> None:
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                msg = f"work limit {name} must be an integer >= 0; got {value!r}."
                raise InputError(msg)


@dataclass(frozen=True)
class _Run:
    """What one solve of a reduced instance may do."""

    method: Method
    mip_gap: float
    limits: WorkLimits
    setup: _Setup
    time_limit_s: float  # safety net only
    t0: float = field(default_factory=time.perf_counter)
    # The budget-dual search, RINS and the proof MILP run only while the gap is above this
    # (frontier: 90 % of proven_gap).
    dual_gap: float = 0.0
    # HiGHS's presolve and root restarts in the proof MILP. The frontier turns them off: its
    # proofs are capped at a few nodes, and there they cost more than they save (the sample's
    # 10 frontier proofs: 50 s with, 24.5 s without, the same points proven).
    proof_presolve: bool = True

    @property
    def deadline(self) -> float:
        return self.t0 + self.time_limit_s

    def left(self) -> float:
        return self.deadline - time.perf_counter()

    def timed_out(self) -> bool:
        return time.perf_counter() >= self.deadline


@dataclass
class _Outcome:
    sel: np.ndarray  # reduced option indices
    value: float  # reduced objective
    bound: float  # reduced upper bound
    greedy_value: float
    status: str
    method: str
    lam: np.ndarray | None


@dataclass
class _Bound:
    """The best bound so far, its multipliers, and the relaxation's primal hint."""

    ub: float
    mu: float
    lam: np.ndarray
    tag: str
    hint: np.ndarray | None = None


def _status(value: float, bound: float, mip_gap: float, timed_out: bool) -> str:
    """``optimal``, ``gap_limit``, ``time_limit`` (safety net hit) or ``heuristic``."""
    gap = (bound - value) / bound if bound > 0 else 0.0
    if gap <= 1e-6:
        return "optimal"
    if gap <= mip_gap:
        return "gap_limit"
    return "time_limit" if timed_out else "heuristic"


def _needs(inst: _Inst) -> str:
    """What the per-area minimums still ask for, after the fixed cameras."""
    cams = dict(zip(inst.area_names, inst.count_need.tolist(), strict=True))
    weight = dict(zip(inst.share_names, inst.share_need.round(3).tolist(), strict=True))
    return f"cameras still required: {cams}; demand weight still to cover: {weight}"


def _raise_area_infeasible(inst: _Inst) -> None:
    msg = (
        f"No plan meets the per-area minimums within the budget ({_needs(inst)}). Lower "
        "placement.min_cameras_per_area / min_share_per_area or raise budget.total_sek."
    )
    raise InfeasibleError(msg)


def _first_plan(inst: _Inst, run: _Run, start: np.ndarray | None) -> tuple[np.ndarray, float]:
    """Greedy (or the extended `start`, if better), then local search; (plan, greedy value)."""
    sel = _greedy_inst(inst)
    greedy_value = inst.value(sel)
    if start is not None and len(start):
        # A plan for a smaller budget stays feasible: extend it and keep the better start.
        st = _State(inst, start.tolist())
        _celf(st, np.arange(inst.n), inst.weight, inst.profit)
        if inst.value(st.selected) > greedy_value and inst.area_ok(st.selected):
            sel = st.selected
    sel = _local_search(inst, sel, max_moves=run.limits.local_search_moves, deadline=run.deadline)
    return sel, greedy_value


def _solve_milp(
    inst: _Inst, run: _Run, sel: np.ndarray, feasible: bool, greedy_value: float
) -> _Outcome:
    """The reduced MILP directly (``method="milp"``, or to find any plan meeting the rules)."""
    value = inst.value(sel) if feasible else -math.inf
    out = _milp(
        inst,
        sel if feasible else None,
        run.setup,
        max_nodes=run.limits.proof_nodes,
        mip_gap=run.mip_gap,
        time_limit_s=max(run.left(), 0.5),
    )
    if out.status == "infeasible":
        _raise_area_infeasible(inst)
    sel, value = _better(inst, out.sel, sel, value)
    if not np.isfinite(value):
        msg = (
            "HiGHS found no plan meeting the per-area minimums within its work limit; "
            "raise placement.proof_nodes (or time_limit_s if it was hit)."
        )
        raise InfeasibleError(msg)
    bound = max(out.bound, value)
    status = _status(value, bound, run.mip_gap, out.status == "time_limit" or run.timed_out())
    return _Outcome(sel, value, bound, greedy_value, status, "milp", None)


def _bound(
    inst: _Inst, run: _Run, value: float, lam0: np.ndarray | None, sweep: _LpSweep | None
) -> _Bound:
    """
    The tightest bound found, its multipliers and a primal hint.

    Up to a size, the LP relaxation (exact LP bound; its support guides the RINS step).
    Larger, or if the LP stops short: the Lagrangian subgradient, whose averaged subproblem
    choices play the LP's part.
    """
    lam = 0.5 * inst.weight if lam0 is None else lam0
    ub, mu = _eval_lagrangian(inst, lam) if inst.n else (0.0, 0.0)
    b = _Bound(ub, mu, lam, "lagrangian")
    gap = run.mip_gap
    if not inst.m or b.ub - value <= gap * b.ub:
        return b
    if inst.cover.nnz <= _LP_MAX_NNZ and run.limits.lp_iterations > 0:
        if sweep is not None:
            lp = sweep.solve(inst.budget, run.left())
        else:
            lp = _lp_relax(
                inst,
                run.setup,
                max_iterations=run.limits.lp_iterations,
                time_limit_s=run.left(),
            )
        if lp is not None:
            ub_lp, mu_lp = _eval_lagrangian(inst, lp.lam)
            if ub_lp < b.ub:
                b = _Bound(ub_lp, mu_lp, lp.lam, "lp")
            b.hint = lp.x
    if b.hint is None and b.ub - value > gap * b.ub and run.limits.lagrangian_iterations > 0:
        lg = _lagrangian(
            inst,
            max(value, 0.0),
            lam0=b.lam,
            max_iter=run.limits.lagrangian_iterations,
            target_gap=gap * 0.5,
            deadline=run.deadline,
        )
        if lg.bound < b.ub:
            b = _Bound(lg.bound, lg.mu, lg.lam, "lagrangian")
        b.hint = lg.usage
    return b


def _rins(
    inst: _Inst, run: _Run, b: _Bound, sel: np.ndarray, value: float
) -> tuple[np.ndarray, float, bool]:
    """
    A MILP near the relaxation: a better plan, fast; returns (plan, value, ran).

    Its options: those the relaxation uses, the plan's, and as many again of the options that
    look best when forced in (by the bound).
    """
    assert b.hint is not None
    support = b.hint > 1e-2
    support[sel] = True
    k = min(inst.n, 2 * int(support.sum()) + 50)
    support[np.argsort(-_forced_bounds(inst, b.lam, b.mu), kind="stable")[:k]] = True
    small = _restrict(inst, support)
    if small.n + small.cover.nnz > _MILP_MAX_SIZE:
        return sel, value, False
    out = _milp(
        small,
        _positions(small, inst, sel),
        run.setup,
        max_nodes=run.limits.rins_nodes,
        mip_gap=run.mip_gap * 0.25,
        time_limit_s=run.left(),
        presolve=False,
    )
    if out.sel is not None:
        sel, value = _better(inst, _positions(inst, small, out.sel), sel, value)
    return sel, value, True


def _proof(
    inst: _Inst, run: _Run, b: _Bound, sel: np.ndarray, value: float, pool: _Pool | None
) -> tuple[np.ndarray, float, float, bool]:
    """
    Reduced-cost fixing, then a MILP over what is left: (plan, value, bound, ran).

    An option is fixed out when the LP multipliers or a budget-dual line prove that no plan
    using it beats `value`.
    """
    keep = _fix_by_reduced_cost(inst, b.lam, b.mu, value)
    if pool is not None and pool.lines:
        keep &= _line_forced(inst, pool) >= value - 1e-9 * max(1.0, abs(value))
    keep[sel] = True
    small = _restrict(inst, keep) if not keep.all() else inst
    log.debug(
        "reduced-cost fixing kept %d of %d options (%d nonzeros)",
        small.n,
        inst.n,
        small.cover.nnz,
    )
    if small.n + small.cover.nnz > _MILP_MAX_SIZE:
        return sel, value, b.ub, False
    out = _milp(
        small,
        _positions(small, inst, sel),
        run.setup,
        max_nodes=run.limits.proof_nodes,
        mip_gap=max(run.mip_gap, run.dual_gap),
        time_limit_s=run.left(),
        presolve=run.proof_presolve,
        restarts=run.proof_presolve,
    )
    ub = b.ub
    # `sel` is feasible there, so "infeasible" would be a numerical glitch: no claim then.
    if out.status != "infeasible":
        cand = _positions(inst, small, out.sel) if out.sel is not None else None
        sel, value = _better(inst, cand, sel, value)
        # Every plan better than `value` lies in the restricted instance.
        ub = min(ub, max(out.bound, value))
    return sel, value, ub, True


def _dual(
    inst: _Inst, run: _Run, b: _Bound, pool: _Pool, sel: np.ndarray, value: float
) -> tuple[np.ndarray, float]:
    """The budget-dual search: tightens ``b.ub`` in place; returns the better plan."""
    if not run.timed_out():
        _search(
            inst,
            pool,
            b.mu,
            value,
            steps=run.limits.budget_dual_steps,
            target_gap=max(run.mip_gap, run.dual_gap),
            setup=run.setup,
            max_nodes=_PRICED_NODES,
            deadline=run.deadline,
        )
    b.ub = min(b.ub, pool.bound(inst.budget))
    hull, _ = pool.best_plan(inst)
    if hull is None or b.ub - value <= run.mip_gap * b.ub:
        return sel, value
    # A plan on the hull, optimal for its own cost: spend the rest of the budget, then swap.
    st = _State(inst, hull.tolist())
    _celf(st, np.arange(inst.n), inst.weight, inst.profit)
    cand = _local_search(
        inst, st.selected, max_moves=run.limits.local_search_moves, deadline=run.deadline
    )
    sel, value = _better(inst, hull, sel, value)
    return _better(inst, cand, sel, value)


def _solve_inst(
    inst: _Inst,
    run: _Run,
    *,
    start: np.ndarray | None = None,
    lam0: np.ndarray | None = None,
    sweep: _LpSweep | None = None,
    pool: _Pool | None = None,
) -> _Outcome:
    """
    Greedy, local search, bound and (if it pays) MILPs on a reduced instance.

    `pool` holds budget-dual lines of this instance (any budget), e.g. from the frontier's
    earlier budgets; new lines are added to it.
    """
    sel, greedy_value = _first_plan(inst, run, start)
    feasible = inst.area_ok(sel)
    if not feasible and run.method == "greedy":
        msg = (
            f"The greedy plan cannot meet the per-area minimums ({_needs(inst)}) within the "
            "budget; use method='milp' to decide whether any plan can."
        )
        raise InfeasibleError(msg)
    small_enough = inst.n + inst.cover.nnz <= 4 * _MILP_MAX_SIZE
    if run.method == "milp" or (not feasible and small_enough):
        return _solve_milp(inst, run, sel, feasible, greedy_value)
    if not feasible:
        msg = (
            f"The greedy plan cannot meet the per-area minimums ({_needs(inst)}) and the instance "
            "is too large for the MILP; lower the minimums or raise budget.total_sek."
        )
        raise InfeasibleError(msg)
    value = inst.value(sel)
    b = _bound(inst, run, value, lam0, sweep)
    steps = ["greedy", b.tag]
    if pool is not None and pool.lines:  # lines of earlier budgets hold here too
        b.ub = min(b.ub, pool.bound(inst.budget))
        sel, value = _better(inst, pool.best_plan(inst)[0], sel, value)
    gap = run.mip_gap
    if run.method == "auto" and b.ub - value > gap * b.ub:
        pool = pool if pool is not None else _Pool()
        if run.limits.budget_dual_steps > 0 and b.mu > 0:
            sel, value = _dual(inst, run, b, pool, sel, value)
            steps += ["dual"] if pool.lines else []
        ready = b.hint is not None and run.limits.rins_nodes > 0 and not run.timed_out()
        if b.ub - value > max(gap, run.dual_gap) * b.ub and ready:
            sel, value, ran = _rins(inst, run, b, sel, value)
            steps += ["rins"] if ran else []
        proof = run.limits.proof_nodes > 0 and not run.timed_out()
        if b.ub - value > max(gap, run.dual_gap) * b.ub and proof:
            sel, value, b.ub, ran = _proof(inst, run, b, sel, value, pool)
            steps += ["milp"] if ran else []
    ub = max(b.ub, value)
    status = _status(value, ub, gap, run.timed_out())
    return _Outcome(sel, value, ub, greedy_value, status, "+".join(steps), b.lam)
