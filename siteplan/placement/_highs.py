"""
The HiGHS side of the placement engine: solver setup, the model in sparse form, MILP and LP.

Every solve stops on work (branch-and-bound nodes, simplex or interior-point iterations), so
the same instance gives the same answer on an idle and on a loaded machine for a fixed thread
count. The wall-clock ``time_limit`` is set only as a safety net; a solve that hits it says so
in its status (``"time_limit"``).
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, replace
from typing import Literal

import highspy
import numpy as np
import scipy.sparse as sp

from siteplan.errors import SolverError
from siteplan.placement._instance import _TOL, _Inst

log = logging.getLogger(__name__)

LpSolver = Literal["fastest", "simplex", "ipm"]

_MODEL = highspy.HighsModelStatus
_STATUS = {
    _MODEL.kOptimal: "optimal",
    _MODEL.kTimeLimit: "time_limit",
    _MODEL.kInterrupt: "interrupted",
    _MODEL.kMemoryLimit: "memory_limit",
    _MODEL.kIterationLimit: "work_limit",
    _MODEL.kSolutionLimit: "work_limit",
}


class _SilentHighs(highspy.Highs):
    """A HiGHS solver whose log is off from the start: no banner on the console."""

    def enableCallbacks(self) -> None:
        # highspy.Highs.__init__ calls this right after building the solver, and HiGHS prints
        # its banner when the callback is first set with output on: switch output off first.
        self.setOptionValue("output_flag", False)
        self.setOptionValue("log_to_console", False)
        super().enableCallbacks()


@dataclass(frozen=True)
class _Setup:
    """Solver options shared by every HiGHS run of one solve."""

    threads: int = 1
    seed: int = 0
    verbose: bool = False


def _new_highs(setup: _Setup, *, time_limit_s: float) -> highspy.Highs:
    """A silent (unless verbose) HiGHS with the thread count, seed and safety time limit."""
    h = _SilentHighs()
    h.setOptionValue("output_flag", bool(setup.verbose))
    h.setOptionValue("log_to_console", bool(setup.verbose))
    h.setOptionValue("time_limit", float(max(time_limit_s, 0.01)))
    h.setOptionValue("random_seed", int(setup.seed))
    h.setOptionValue("threads", int(setup.threads))
    return h


def _run(h: highspy.Highs) -> None:
    """Run HiGHS; if another caller in this process fixed a different thread count, reset it."""
    if h.run() == highspy.HighsStatus.kError and h.getModelStatus() == _MODEL.kNotset:
        highspy.Highs.resetGlobalScheduler(True)
        h.run()


@dataclass(frozen=True)
class _ModelArrays:
    """The placement MILP in sparse row form (columns x, y, q, z; see :func:`_model_arrays`)."""

    ncol: int
    ny: int  # shared-cost columns: y (sites) then q (paperwork)
    ysites: np.ndarray  # site codes with a y column
    psites: np.ndarray  # site codes with a q (paperwork) column
    shared_cost: np.ndarray  # cost of each y and q column (reduced scale)
    a: sp.csr_matrix
    row_lo: np.ndarray
    row_hi: np.ndarray
    obj: np.ndarray
    integer: np.ndarray
    budget_row: int
    unit: float  # the budget row is in units of this many (reduced) SEK


def _slot_rows(
    inst: _Inst, ycol: np.ndarray, ncol: int
) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    """``sum_{o in slot} x_o <= y_site`` (or ``<= 1`` when the site has no shared cost)."""
    n = inst.n
    n_slot = len(inst.slot_start)
    slot_rows = sp.csr_matrix((np.ones(n), (inst.slot, np.arange(n))), shape=(n_slot, ncol))
    ys = ycol[inst.slot_site]
    has_y = ys >= 0
    link = sp.csr_matrix(
        (-np.ones(int(has_y.sum())), (np.flatnonzero(has_y), ys[has_y])), shape=(n_slot, ncol)
    )
    sizes = np.diff(np.r_[inst.slot_start, n])
    need_row = has_y | (sizes > 1)
    rows = sp.csr_matrix((slot_rows + link)[need_row])
    return rows, np.full(int(need_row.sum()), -np.inf), np.where(has_y[need_row], 0.0, 1.0)


def _paper_rows(inst: _Inst, pcol: np.ndarray, ncol: int) -> sp.csr_matrix:
    """``sum_{o in slot, o needs paperwork} x_o <= q_site``, per slot holding such options."""
    opts = np.flatnonzero(inst.paper & (pcol[inst.site] >= 0))
    slots, row = np.unique(inst.slot[opts], return_inverse=True)
    qs = pcol[inst.slot_site[slots]]
    data = np.r_[np.ones(len(opts)), -np.ones(len(slots))]
    rows = np.r_[row, np.arange(len(slots))]
    cols = np.r_[opts, qs]
    return sp.csr_matrix((data, (rows, cols)), shape=(len(slots), ncol))


def _area_rows(inst: _Inst, ny: int) -> list[tuple[sp.csr_matrix, float]]:
    """Per-area minimums as ``(row, lower bound)`` pairs."""
    out = []
    for a in np.flatnonzero(inst.count_need > 0):
        row = np.r_[(inst.opt_area == a).astype(float), np.zeros(ny + inst.m)]
        out.append((sp.csr_matrix(row[None, :]), float(inst.count_need[a])))
    for k in np.flatnonzero(inst.share_need > _TOL):
        row = np.r_[inst.share_opt[k], np.zeros(ny), inst.share_cls[k]]
        out.append((sp.csr_matrix(row[None, :]), float(inst.share_need[k])))
    return out


def _model_arrays(inst: _Inst, *, with_area_rules: bool) -> _ModelArrays:
    """
    The MILP in sparse row form.

    Columns: x (options), y (multi-slot sites with a shared cost), q (multi-slot sites whose
    paperwork is still shared), z (demand classes). Rows: coverage, budget, slot/site links,
    paperwork links, per-area minimums.
    """
    n, m = inst.n, inst.m
    ysites = np.flatnonzero(inst.site_cost > 0)
    psites = np.flatnonzero(inst.site_paper > 0)
    ycol = np.full(len(inst.site_cost), -1, dtype=np.int64)
    ycol[ysites] = n + np.arange(len(ysites))
    pcol = np.full(len(inst.site_cost), -1, dtype=np.int64)
    pcol[psites] = n + len(ysites) + np.arange(len(psites))
    shared_cost = np.r_[inst.site_cost[ysites], inst.site_paper[psites]]
    ny = len(shared_cost)
    ncol = n + ny + m
    # z_j - sum_{o covers j} x_o <= 0
    cov = sp.hstack(
        [-inst.cover_t, sp.csr_matrix((m, ny)), sp.identity(m, format="csr")], format="csr"
    )
    # Budget row in units of the mean option cost: HiGHS warns of (and suffers from) SEK-sized
    # coefficients next to the 0/1 coverage rows.
    unit = float(inst.cost[inst.cost > 0].mean()) if (inst.cost > 0).any() else 1.0
    brow = np.r_[inst.cost, shared_cost, np.zeros(m)] / unit
    slot_rows, slot_lo, slot_hi = _slot_rows(inst, ycol, ncol)
    paper_rows = _paper_rows(inst, pcol, ncol)
    n_paper = paper_rows.shape[0]
    blocks = [cov, sp.csr_matrix(brow[None, :]), slot_rows, paper_rows]
    lo = [np.full(m, -np.inf), np.array([-np.inf]), slot_lo, np.full(n_paper, -np.inf)]
    hi = [np.zeros(m), np.array([inst.budget / unit]), slot_hi, np.zeros(n_paper)]
    if with_area_rules:
        for row, need in _area_rows(inst, ny):
            blocks.append(row)
            lo.append(np.array([need]))
            hi.append(np.array([np.inf]))
    a = sp.vstack(blocks, format="csr")
    a.eliminate_zeros()
    return _ModelArrays(
        ncol=ncol,
        ny=ny,
        ysites=ysites,
        psites=psites,
        shared_cost=shared_cost,
        a=a,
        row_lo=np.concatenate(lo).astype(float),
        row_hi=np.concatenate(hi).astype(float),
        obj=np.r_[inst.profit, np.zeros(ny), inst.weight],
        integer=np.r_[np.ones(n + ny, dtype=np.int32), np.zeros(m, dtype=np.int32)],
        budget_row=m,
        unit=unit,
    )


def _pass_model(h: highspy.Highs, arrays: _ModelArrays, *, integer: bool) -> None:
    a = arrays.a
    status = h.passModel(
        int(arrays.ncol),
        int(a.shape[0]),
        int(a.nnz),
        int(highspy.MatrixFormat.kRowwise),
        int(highspy.ObjSense.kMaximize),
        0.0,
        arrays.obj,
        np.zeros(arrays.ncol),
        np.ones(arrays.ncol),
        arrays.row_lo,
        arrays.row_hi,
        a.indptr.astype(np.int32),
        a.indices.astype(np.int32),
        a.data.astype(float),
        arrays.integer if integer else np.zeros(arrays.ncol, dtype=np.int32),
    )
    if status != highspy.HighsStatus.kOk:
        msg = f"HiGHS rejected the placement model ({status}); this is a bug in siteplan.placement."
        raise SolverError(msg)


@dataclass(frozen=True)
class _MilpOut:
    status: str
    sel: np.ndarray | None
    bound: float
    seconds: float


def _warm_start(h: highspy.Highs, inst: _Inst, arrays: _ModelArrays, start: np.ndarray) -> None:
    """Give HiGHS the plan `start` (options, open sites, covered classes) as incumbent."""
    col = np.zeros(arrays.ncol)
    col[start] = 1.0
    open_sites = np.zeros(len(inst.site_cost), dtype=bool)
    open_sites[inst.site[start]] = True
    papered = np.zeros(len(inst.site_cost), dtype=bool)
    papered[inst.site[start][inst.paper[start]]] = True
    col[inst.n : inst.n + arrays.ny] = np.r_[open_sites[arrays.ysites], papered[arrays.psites]]
    cnt = np.asarray(inst.cover[start].sum(axis=0)).ravel()
    col[inst.n + arrays.ny :] = np.minimum(cnt, 1.0)
    h.setSolution(arrays.ncol, np.arange(arrays.ncol, dtype=np.int32), col)


def _milp(
    inst: _Inst,
    start: np.ndarray | None,
    setup: _Setup,
    *,
    max_nodes: int,
    mip_gap: float,
    time_limit_s: float,
    presolve: bool = True,
    restarts: bool = True,
) -> _MilpOut:
    """
    Solve the reduced MILP with HiGHS, warm-started from `start`.

    Stops at `mip_gap` or after `max_nodes` branch-and-bound nodes (status ``"work_limit"``);
    `time_limit_s` is a safety net (status ``"time_limit"``). ``presolve=False`` for instances
    already cut down by reduced-cost fixing: HiGHS's presolve finds little there and costs
    time (the proof at spopt's scale: 3.4 s without, 5.7 s with). ``restarts=False`` turns
    off HiGHS's root restarts (``mip_allow_restart``).
    """
    t0 = time.perf_counter()
    if inst.n == 0:
        return _MilpOut("optimal", np.zeros(0, dtype=int), 0.0, 0.0)
    arrays = _model_arrays(inst, with_area_rules=True)
    h = _new_highs(setup, time_limit_s=time_limit_s)
    h.setOptionValue("mip_rel_gap", float(mip_gap))
    h.setOptionValue("mip_max_nodes", int(max_nodes))
    if not presolve:
        h.setOptionValue("presolve", "off")
    if not restarts:
        h.setOptionValue("mip_allow_restart", False)
    _pass_model(h, arrays, integer=True)
    if start is not None and len(start):
        _warm_start(h, inst, arrays, start)
    _run(h)
    ms = h.getModelStatus()
    info = h.getInfo()
    if ms == _MODEL.kInfeasible:
        return _MilpOut("infeasible", None, -math.inf, time.perf_counter() - t0)
    status = _STATUS.get(ms)
    if status is None:
        msg = f"HiGHS stopped with status {h.modelStatusToString(ms)!r} on the placement MILP."
        raise SolverError(msg)
    sel = None
    if info.primal_solution_status == 2:  # kSolutionStatusFeasible
        xv = np.asarray(h.getSolution().col_value[: inst.n])
        sel = np.flatnonzero(xv > 0.5)
    bound = float(info.mip_dual_bound)
    if not np.isfinite(bound):
        bound = math.inf
    log.debug(
        "MILP (%d options): %s after %d nodes, %.2f s",
        inst.n,
        status,
        int(info.mip_node_count),
        time.perf_counter() - t0,
    )
    return _MilpOut(status, sel, bound, time.perf_counter() - t0)


def _priced_milp(
    inst: _Inst, mu: float, setup: _Setup, *, max_nodes: int, time_limit_s: float
) -> _MilpOut:
    """
    ``max cover(x) - mu * cost(x)`` over the slot and site rules, without the budget row.

    The budget dualised with multiplier `mu` (SEK^-1): the dual bound plus ``mu * B`` bounds
    the plan at every budget ``B``; the plan found is optimal for a budget equal to its cost.
    Stops at a relative gap of 1e-5 or after `max_nodes` nodes (``"work_limit"``).
    """
    t0 = time.perf_counter()
    if inst.n == 0:
        return _MilpOut("optimal", np.zeros(0, dtype=int), 0.0, 0.0)
    arrays = _model_arrays(inst, with_area_rules=False)
    obj = arrays.obj.copy()
    obj[: inst.n] -= mu * inst.cost
    obj[inst.n : inst.n + arrays.ny] -= mu * arrays.shared_cost
    row_hi = arrays.row_hi.copy()
    row_hi[arrays.budget_row] = np.inf
    arrays = replace(arrays, obj=obj, row_hi=row_hi)
    h = _new_highs(setup, time_limit_s=time_limit_s)
    h.setOptionValue("mip_rel_gap", 1e-5)
    h.setOptionValue("mip_max_nodes", int(max(max_nodes, 1)))
    _pass_model(h, arrays, integer=True)
    _run(h)
    info = h.getInfo()
    status = _STATUS.get(h.getModelStatus(), "stopped")
    sel = None
    if info.primal_solution_status == 2:
        sel = np.flatnonzero(np.asarray(h.getSolution().col_value[: inst.n]) > 0.5)
    bound = float(info.mip_dual_bound)
    if status not in ("optimal", "work_limit", "time_limit") or not np.isfinite(bound):
        bound = math.inf
    log.debug(
        "priced MILP (mu %.4g, %d options): %s after %d nodes, %.2f s",
        mu,
        inst.n,
        status,
        int(info.mip_node_count),
        time.perf_counter() - t0,
    )
    return _MilpOut(status, sel, bound, time.perf_counter() - t0)


@dataclass(frozen=True)
class _LpOut:
    lam: np.ndarray  # coverage-row duals, clipped to [0, w]
    x: np.ndarray | None  # option values when HiGHS reports the LP optimal
    seconds: float
    status: str


def _lp_solvers(inst: _Inst, solver: LpSolver) -> list[str]:
    """The LP algorithms to try, in order: the likelier faster one first for "fastest"."""
    if solver != "fastest":
        return [solver]
    # Measured on the benchmark instances: simplex 0.2 s vs interior point 2.3 s at
    # priority-area scale, 6.5 s vs 91 s at town scale, but 33 s vs 1.8 s at spopt's scale,
    # where each demand point is seen by about 20 options.
    dense = inst.cover.nnz >= 10 * inst.m  # options per demand class
    return ["ipm", "simplex"] if dense else ["simplex", "ipm"]


def _lp_relax(
    inst: _Inst,
    setup: _Setup,
    *,
    max_iterations: int,
    time_limit_s: float,
    solver: LpSolver = "fastest",
) -> _LpOut | None:
    """
    The LP relaxation by HiGHS; its coverage duals (and values, if optimal), or None.

    ``solver="fastest"`` runs the algorithm likelier to be fast on this instance (interior
    point, crossover off, when coverage rows are dense; the dual simplex otherwise) and, if it
    stops short of optimal within `max_iterations`, the other. Either way the duals are
    re-evaluated as Lagrangian multipliers, so an early stop still gives a valid bound. Area
    minimums are left out: the LP only bounds from above.
    """
    if inst.n == 0 or inst.m == 0:
        return None
    arrays = _model_arrays(inst, with_area_rules=False)
    t_end = time.perf_counter() + time_limit_s
    fallback = None
    for name in _lp_solvers(inst, solver):
        t0 = time.perf_counter()
        h = _new_highs(setup, time_limit_s=t_end - t0)
        h.setOptionValue("solver", name)
        h.setOptionValue("run_crossover", "off")
        h.setOptionValue("simplex_iteration_limit", int(max_iterations))
        h.setOptionValue("ipm_iteration_limit", int(max_iterations))
        _pass_model(h, arrays, integer=False)
        _run(h)
        out = _lp_out(h, inst, t0)
        if out is not None and out.x is not None:
            return out
        fallback = fallback or out
        if out is not None and out.status == "time_limit":
            break
    return fallback


def _lp_out(h: highspy.Highs, inst: _Inst, t0: float) -> _LpOut | None:
    """Coverage duals (and values if optimal) of a solved LP."""
    sol = h.getSolution()
    status = h.getModelStatus()
    log.debug(
        "LP relaxation (%s): %s after %d simplex / %d ipm iterations, %.2f s",
        h.getOptionValue("solver")[1],
        h.modelStatusToString(status),
        int(h.getInfo().simplex_iteration_count),
        int(h.getInfo().ipm_iteration_count),
        time.perf_counter() - t0,
    )
    if not sol.dual_valid:
        return None
    # A maximisation's <= rows have duals >= 0 in HiGHS; clip any noise.
    lam = np.clip(np.asarray(sol.row_dual[: inst.m]), 0.0, inst.weight)
    optimal = status == _MODEL.kOptimal and sol.value_valid
    x = np.asarray(sol.col_value[: inst.n]) if optimal else None
    name = _STATUS.get(status, "stopped")
    return _LpOut(lam, x, time.perf_counter() - t0, name)


class _LpSweep:
    """
    One LP model re-solved for several budgets.

    Only the budget row changes, so the dual simplex restarts from the last basis and each
    re-solve takes a few pivots.
    """

    def __init__(self, inst: _Inst, setup: _Setup, *, max_iterations: int) -> None:
        self.inst = inst
        self.arrays = _model_arrays(inst, with_area_rules=False) if inst.n and inst.m else None
        self.h = None
        if self.arrays is not None:
            self.h = _new_highs(setup, time_limit_s=math.inf)
            self.h.setOptionValue("solver", "simplex")
            self.h.setOptionValue("simplex_iteration_limit", int(max_iterations))
            _pass_model(self.h, self.arrays, integer=False)

    def solve(self, budget: float, time_limit_s: float) -> _LpOut | None:
        """The LP at `budget` (reduced scale), from the last basis; `time_limit_s` is a net."""
        if self.h is None or self.arrays is None:
            return None
        t0 = time.perf_counter()
        self.h.setOptionValue("time_limit", float(max(time_limit_s, 0.01)))
        self.h.changeRowBounds(
            int(self.arrays.budget_row), -np.inf, float(budget / self.arrays.unit)
        )
        _run(self.h)
        return _lp_out(self.h, self.inst, t0)
