"""
The public face of the placement engine: CameraPlacement, greedy, the bounds, the frontier.

The model is the budgeted maximum-coverage problem stated in :mod:`siteplan.problem`, with
optional per-area minimums (a count of cameras, or a share of the area's demand weight), the
installed cameras fixed in, an exclusion list and a "stop areas only" filter. Every plan
states a proven optimality gap; how it is found is told in :mod:`siteplan.placement`.
"""

from __future__ import annotations

import logging
import math
import numbers
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Self

import numpy as np
import pandas as pd

from siteplan.errors import InfeasibleError, InputError, NotSolvedError
from siteplan.placement._bounds import _eval_lagrangian, _lagrangian
from siteplan.placement._budget_dual import _Pool
from siteplan.placement._engine import Method, WorkLimits, _Outcome, _Run, _solve_inst
from siteplan.placement._heuristics import _greedy_inst, _local_search
from siteplan.placement._highs import LpSolver, _lp_relax, _LpSweep, _Setup
from siteplan.placement._instance import _TOL, _Inst, _reduce, _Reduction
from siteplan.problem import PlacementProblem

if TYPE_CHECKING:
    from siteplan.config import PlacementConfig, Scenario

log = logging.getLogger(__name__)

_RESULTS = (
    "selected_",
    "sites_",
    "objective_",
    "bound_",
    "gap_",
    "status_",
    "method_",
    "seconds_",
    "cost_sek_",
    "greedy_objective_",
    "covered_",
    "reduction_",
)


def _check_params(budget_sek: float, method: str, time_limit_s: float, mip_gap: float) -> None:
    if not (isinstance(budget_sek, numbers.Real) and math.isfinite(budget_sek) and budget_sek > 0):
        msg = f"budget_sek must be a positive number of SEK; got {budget_sek!r} (budget.total_sek)."
        raise InputError(msg)
    if method not in ("auto", "milp", "greedy"):
        msg = f"method must be 'auto', 'milp' or 'greedy'; got {method!r} (placement.method)."
        raise InputError(msg)
    if not time_limit_s > 0:
        msg = f"time_limit_s must be > 0; got {time_limit_s!r} (placement.time_limit_s)."
        raise InputError(msg)
    if not 0 <= mip_gap < 1:
        msg = f"mip_gap must be in [0, 1); got {mip_gap!r} (placement.mip_gap)."
        raise InputError(msg)


def _check_threads(threads: int) -> None:
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        msg = f"threads must be an integer >= 1; got {threads!r} (placement.threads)."
        raise InputError(msg)


def _limits_from(pl: PlacementConfig) -> WorkLimits:
    """The work limits of a scenario's ``placement`` section."""
    return WorkLimits(
        local_search_moves=pl.local_search_moves,
        lagrangian_iterations=pl.lagrangian_iterations,
        lp_iterations=pl.lp_iterations,
        rins_nodes=pl.rins_nodes,
        proof_nodes=pl.proof_nodes,
    )


def _rows(red: _Reduction, inst: _Inst, sel: np.ndarray) -> np.ndarray:
    """Rows of problem.options of a reduced plan, the fixed cameras included, sorted."""
    return np.sort(np.r_[red.fixed_pos, inst.opt_pos[sel]]).astype(int)


class CameraPlacement:
    """
    Choose camera options that maximise covered demand weight within a budget.

    Estimator-shaped (like spopt's models and scikit-learn's estimators): ``__init__`` only
    stores the options; :meth:`solve` validates, solves and returns ``self``; results are the
    attributes ending in ``_``. Reading them before solving raises
    :class:`~siteplan.errors.NotSolvedError`.

    Parameters
    ----------
    budget_sek
        Total budget in SEK: cameras, shared site costs and the fixed (installed) cameras.
    method
        ``"auto"`` (greedy and local search, LP/Lagrangian bound, a MILP over the options the
        relaxation uses, then a MILP on what reduced-cost fixing leaves when it is small
        enough), ``"milp"`` (the reduced MILP directly, warm-started), or ``"greedy"`` (greedy
        and local search, with the LP/Lagrangian bound).
    time_limit_s
        Safety net on the wall-clock time of the whole solve, in seconds. The plan is decided
        by `work_limits`; if this limit is hit first, ``status_`` is ``"time_limit"`` (and the
        plan may then depend on machine load).
    mip_gap
        Relative optimality gap at which the search stops.
    stop_area_only
        Only options whose ``legal_class`` is ``"stop_area"`` (no permit; the action plan's
        first phase). Fixed cameras are kept whatever their class.
    min_cameras_per_area
        Minimum number of cameras per priority area (options' ``area``), fixed ones included.
    min_share_per_area
        Minimum share of each area's demand weight (demand's ``area``) to be covered.
    seed
        Seed for HiGHS (and anything random).
    threads
        Threads for HiGHS. Results are reproducible for a fixed thread count.
    work_limits
        Moves, iterations and nodes each step may spend (:class:`WorkLimits`; defaults if
        None). These, not the clock, decide the plan.
    verbose
        Show the HiGHS log.

    Attributes
    ----------
    selected_ : list of str
        Chosen option ids, fixed ones included, sorted.
    sites_ : list of str
        Site ids with at least one chosen camera, sorted.
    objective_ : float
        Covered demand weight (each demand point counted once).
    bound_ : float
        Proven upper bound on the best achievable covered weight.
    gap_ : float
        ``(bound_ - objective_) / bound_``.
    status_ : str
        ``"optimal"``, ``"gap_limit"`` (within `mip_gap`), ``"heuristic"`` (the work limits
        were reached first) or ``"time_limit"`` (the safety net `time_limit_s` was hit).
    method_ : str
        What produced plan and bound, e.g. ``"greedy+lagrangian+milp"`` or ``"milp"``.
    seconds_ : float
        Wall-clock time of :meth:`solve`.
    cost_sek_ : float
        Total cost of the plan, site costs counted once, fixed cameras included.
    greedy_objective_ : float
        Covered weight of the plain greedy plan (before local search and MILP).
    covered_ : numpy.ndarray
        Boolean per demand point (order of ``problem.demand``): covered by the plan.
    reduction_ : dict
        Sizes before and after the reduction.
    """

    def __init__(
        self,
        *,
        budget_sek: float,
        method: Method = "auto",
        time_limit_s: float = 60.0,
        mip_gap: float = 1e-3,
        stop_area_only: bool = False,
        min_cameras_per_area: Mapping[str, int] | None = None,
        min_share_per_area: Mapping[str, float] | None = None,
        seed: int = 0,
        threads: int = 1,
        work_limits: WorkLimits | None = None,
        verbose: bool = False,
    ) -> None:
        self.budget_sek = budget_sek
        self.method = method
        self.time_limit_s = time_limit_s
        self.mip_gap = mip_gap
        self.stop_area_only = stop_area_only
        self.min_cameras_per_area = min_cameras_per_area
        self.min_share_per_area = min_share_per_area
        self.seed = seed
        self.threads = threads
        self.work_limits = work_limits if work_limits is not None else WorkLimits()
        self.verbose = verbose

    def __getattr__(self, name: str) -> Any:
        if name in _RESULTS:
            msg = (
                f"CameraPlacement is not solved yet, so `{name}` is not available. "
                "Call .solve(problem) first."
            )
            raise NotSolvedError(msg)
        raise AttributeError(name)

    def __repr__(self) -> str:
        return (
            f"CameraPlacement(budget_sek={self.budget_sek!r}, method={self.method!r}, "
            f"time_limit_s={self.time_limit_s!r}, mip_gap={self.mip_gap!r})"
        )

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> CameraPlacement:
        """
        Build from a scenario's ``budget`` and ``placement`` sections.

        Parameters
        ----------
        scenario
            A :class:`siteplan.config.Scenario`.

        Returns
        -------
        placement
            An unsolved CameraPlacement.
        """
        pl = scenario.placement
        return cls(
            budget_sek=scenario.budget.total_sek,
            method=pl.method,
            time_limit_s=pl.time_limit_s,
            mip_gap=pl.mip_gap,
            stop_area_only=pl.stop_area_only,
            min_cameras_per_area=dict(pl.min_cameras_per_area) or None,
            min_share_per_area=dict(pl.min_share_per_area) or None,
            seed=pl.seed,
            threads=pl.threads,
            work_limits=_limits_from(pl),
        )

    def solve(self, problem: PlacementProblem) -> Self:
        """
        Solve the placement problem.

        Parameters
        ----------
        problem
            Options, sites, demand and the coverage matrix.

        Returns
        -------
        self
            With the result attributes set.

        Raises
        ------
        InfeasibleError
            If the budget is below the cheapest camera (the message names its cost), below
            the fixed cameras' cost, or no plan meets the per-area minimums.
        InputError
            If the options or the problem are malformed.
        """
        _check_params(self.budget_sek, self.method, self.time_limit_s, self.mip_gap)
        _check_threads(self.threads)
        t0 = time.perf_counter()
        red = _reduce(
            problem,
            float(self.budget_sek),
            stop_area_only=self.stop_area_only,
            min_cameras_per_area=self.min_cameras_per_area,
            min_share_per_area=self.min_share_per_area,
        )
        run = _Run(
            method=self.method,
            mip_gap=self.mip_gap,
            limits=self.work_limits,
            setup=_Setup(threads=self.threads, seed=self.seed, verbose=self.verbose),
            time_limit_s=self.time_limit_s,
            t0=t0,
        )
        out = _solve_inst(red.inst, run)
        self._store(problem, red, out, time.perf_counter() - t0)
        log.info(
            "placement: %d cameras, %.1f%% of demand weight covered, gap %.2f%% (%s, %s, %.1f s)",
            len(self.selected_) - len(red.fixed_pos),
            100 * self.objective_ / max(problem.weights.sum(), _TOL),
            100 * self.gap_,
            self.method_,
            self.status_,
            self.seconds_,
        )
        return self

    def _store(
        self, problem: PlacementProblem, red: _Reduction, out: _Outcome, seconds: float
    ) -> None:
        pos = _rows(red, red.inst, out.sel)
        cover = problem.coverage
        covered = (
            np.asarray(cover[pos].sum(axis=0)).ravel() > 0
            if len(pos)
            else np.zeros(cover.shape[1], bool)
        )
        objective = float(problem.weights[covered].sum())
        bound = max(red.constant + out.bound * (1 + 1e-9) + 1e-9, objective)
        self.selected_ = sorted(problem.options.index[pos].tolist())
        self.sites_ = sorted(problem.sites.index[np.unique(problem.site_index[pos])].tolist())
        self.objective_ = objective
        self.bound_ = float(bound)
        self.gap_ = float((bound - objective) / bound) if bound > 0 else 0.0
        self.status_ = out.status
        self.method_ = out.method
        self.seconds_ = float(seconds)
        self.cost_sek_ = problem.plan_cost_sek(pos)
        self.greedy_objective_ = float(red.constant + max(out.greedy_value, 0.0))
        self.covered_ = covered
        self.reduction_ = dict(red.sizes)


@dataclass(frozen=True)
class GreedyResult:
    """A greedy plan: option ids, covered weight, cost, and the plain greedy value."""

    selected: list[str]
    objective: float
    cost_sek: float
    greedy_objective: float
    seconds: float


@dataclass(frozen=True)
class BoundResult:
    """A proven upper bound on the covered weight, and how it was obtained."""

    bound: float
    method: str
    seconds: float
    iterations: int


def greedy(
    problem: PlacementProblem,
    budget_sek: float,
    *,
    local_search: bool = True,
    stop_area_only: bool = False,
    min_cameras_per_area: Mapping[str, int] | None = None,
    min_share_per_area: Mapping[str, float] | None = None,
    max_moves: int = 1000,
    time_limit_s: float = 10.0,
) -> GreedyResult:
    """
    Lazy greedy (CELF) by gain per krona, plus the best single camera, plus swap local search.

    The gain of an option is the weight of the demand it newly covers; its cost includes the
    shared site cost while the site has no camera. Without area minimums the plan covers at
    least (1 - 1/e)/2 of the optimum (Khuller, Moss & Naor 1999).

    Parameters
    ----------
    problem
        The placement problem.
    budget_sek
        Total budget in SEK (fixed cameras included).
    local_search
        Run the swap local search after the greedy.
    stop_area_only, min_cameras_per_area, min_share_per_area
        As in :class:`CameraPlacement`.
    max_moves
        Swap moves of the local search (a work limit: the same plan on any machine).
    time_limit_s
        Safety net on the local search's wall-clock time, in seconds.

    Returns
    -------
    result
        The plan.
    """
    _check_params(budget_sek, "greedy", time_limit_s, 0.0)
    t0 = time.perf_counter()
    red = _reduce(
        problem,
        float(budget_sek),
        stop_area_only=stop_area_only,
        min_cameras_per_area=min_cameras_per_area,
        min_share_per_area=min_share_per_area,
    )
    inst = red.inst
    sel = _greedy_inst(inst)
    g_val = inst.value(sel)
    if local_search:
        sel = _local_search(inst, sel, max_moves=max_moves, deadline=t0 + time_limit_s)
    pos = _rows(red, inst, sel)
    return GreedyResult(
        sorted(problem.options.index[pos].tolist()),
        float(red.constant + inst.value(sel)),
        problem.plan_cost_sek(pos),
        float(red.constant + g_val),
        time.perf_counter() - t0,
    )


def lagrangian_bound(
    problem: PlacementProblem,
    budget_sek: float,
    *,
    lower_bound: float | None = None,
    time_limit_s: float = 10.0,
    max_iter: int = 3000,
    stop_area_only: bool = False,
) -> BoundResult:
    """
    Upper bound on the covered weight from the Lagrangian relaxation of coverage.

    Multipliers on ``z_j <= sum x_o`` (Galvão & ReVelle 1996), subgradient steps with Polyak's
    rule. The subproblem (a knapsack with shared site costs and one option per slot) is solved
    exactly as an LP, so every value is a valid bound. Per-area minimums are ignored, which
    only loosens the bound.

    Parameters
    ----------
    problem
        The placement problem.
    budget_sek
        Total budget in SEK.
    lower_bound
        Covered weight of a known plan, the target of Polyak's step; the greedy plan's if None.
    time_limit_s
        Safety net on the wall-clock time, in seconds.
    max_iter
        Maximum number of subgradient iterations (the work limit).
    stop_area_only
        As in :class:`CameraPlacement`.

    Returns
    -------
    result
        The bound (original scale, the fixed cameras' coverage included).
    """
    _check_params(budget_sek, "greedy", time_limit_s, 0.0)
    t0 = time.perf_counter()
    red = _reduce(problem, float(budget_sek), stop_area_only=stop_area_only)
    inst = red.inst
    lower = (
        (lower_bound - red.constant) if lower_bound is not None else inst.value(_greedy_inst(inst))
    )
    lg = _lagrangian(inst, max(lower, 0.0), max_iter=max_iter, deadline=t0 + time_limit_s)
    bound = red.constant + lg.bound * (1 + 1e-9) + 1e-9
    return BoundResult(float(bound), "lagrangian", time.perf_counter() - t0, lg.iterations)


def lp_bound(
    problem: PlacementProblem,
    budget_sek: float,
    *,
    time_limit_s: float = 60.0,
    solver: LpSolver = "fastest",
    stop_area_only: bool = False,
    seed: int = 0,
    threads: int = 1,
    max_iterations: int = WorkLimits.lp_iterations,
) -> BoundResult:
    """
    Upper bound from the LP relaxation, solved by HiGHS.

    The LP's coverage-row duals are re-evaluated as Lagrangian multipliers, so the bound stays
    valid even when the solver stops early or inexactly.

    Parameters
    ----------
    problem
        The placement problem.
    budget_sek
        Total budget in SEK.
    time_limit_s
        Safety net on HiGHS's wall-clock time, in seconds.
    solver
        ``"fastest"`` (the algorithm likelier to be fast on this instance: interior point
        when coverage rows are dense, dual simplex otherwise; the other if it stops short),
        ``"simplex"`` or ``"ipm"`` (interior point, crossover off).
    stop_area_only
        As in :class:`CameraPlacement`.
    seed
        HiGHS random seed.
    threads
        HiGHS threads.
    max_iterations
        Simplex or interior-point iterations per LP solve (the work limit).

    Returns
    -------
    result
        The bound (original scale). If HiGHS returns no duals, the multipliers are zero and
        the bound is the knapsack bound on all reachable demand weight.
    """
    _check_params(budget_sek, "greedy", time_limit_s, 0.0)
    _check_threads(threads)
    t0 = time.perf_counter()
    red = _reduce(problem, float(budget_sek), stop_area_only=stop_area_only)
    inst = red.inst
    lp = _lp_relax(
        inst,
        _Setup(threads=threads, seed=seed),
        max_iterations=max_iterations,
        time_limit_s=time_limit_s,
        solver=solver,
    )
    lam = lp.lam if lp is not None else np.zeros(inst.m)
    value, _ = _eval_lagrangian(inst, lam)
    bound = red.constant + value * (1 + 1e-9) + 1e-9
    return BoundResult(float(bound), f"lp-{solver}", time.perf_counter() - t0, 0)


_FRONTIER_COLUMNS = [
    "budget_sek",
    "objective",
    "bound",
    "gap",
    "cost_sek",
    "n_cameras",
    "coverage_share",
    "marginal_per_sek",
    "status",
    "proven",
    "method",
]
_INFEASIBLE_ROW: dict[str, Any] = {
    "objective": np.nan,
    "bound": np.nan,
    "gap": np.nan,
    "cost_sek": np.nan,
    "n_cameras": 0,
    "status": "infeasible",
    "proven": False,
    "method": "",
}


# A quick solve: greedy, a short local search, the LP bound (warm re-solves of one model), the
# budget-dual search and the hull plans, extended and swapped; no MILP over the options. For
# many re-solves where robustness, not proof, is asked (the portfolio's stability draws).
QUICK_LIMITS = WorkLimits(
    local_search_moves=50,
    lagrangian_iterations=300,
    rins_nodes=0,
    proof_nodes=0,
    budget_dual_steps=4,
)
# Default work per frontier budget: the quick solve with 2 budget-dual steps, then a RINS MILP
# of 200 nodes near the LP (the plan) and a proof MILP of 100 nodes after reduced-cost fixing
# (the bound). On the sample this proves all 11 default budgets within 0.5 %
# (benchmarks/RESULTS.md); without the two MILPs none was, and plans were up to 5 % worse.
FRONTIER_LIMITS = replace(QUICK_LIMITS, rins_nodes=200, proof_nodes=100, budget_dual_steps=2)


@dataclass
class _Sweep:
    """What carries over from one frontier budget to the next."""

    red: _Reduction
    lp: _LpSweep | None
    pool: _Pool
    prev_sel: np.ndarray | None = None
    lam: np.ndarray | None = None


def _frontier_point(
    problem: PlacementProblem, budget: float, sweep: _Sweep, run: _Run
) -> dict[str, Any]:
    """One row of the frontier: solve at `budget`, starting from the previous plan."""
    red = sweep.red
    row: dict[str, Any] = {"budget_sek": budget}
    no_camera = len(red.fixed_pos) == 0 and red.cheapest_sek > budget + _TOL
    if budget < red.fixed_cost - _TOL or no_camera:
        return {**row, **_INFEASIBLE_ROW}
    inst = replace(red.inst, budget=budget - red.fixed_cost)
    try:
        out = _solve_inst(
            inst, run, start=sweep.prev_sel, lam0=sweep.lam, sweep=sweep.lp, pool=sweep.pool
        )
    except InfeasibleError:
        return {**row, **_INFEASIBLE_ROW}
    sel = out.sel
    if sweep.prev_sel is not None and inst.value(sweep.prev_sel) > out.value:
        sel = sweep.prev_sel
    sweep.prev_sel = sel
    sweep.lam = out.lam if out.lam is not None else sweep.lam
    pos = _rows(red, inst, sel)
    return {
        **row,
        "objective": red.constant + inst.value(sel),
        "bound": red.constant + out.bound * (1 + 1e-9) + 1e-9,
        "cost_sek": problem.plan_cost_sek(pos),
        "n_cameras": len(pos),
        "status": out.status,
        "method": out.method,
    }


def _frontier_frame(
    rows: list[dict[str, Any]], mip_gap: float, proven_gap: float, total_w: float
) -> pd.DataFrame:
    """The frontier table: monotone bounds, gaps, statuses, shares and marginal values."""
    df = pd.DataFrame(rows)
    # A bound for a larger budget holds for a smaller one: take the running minimum from the top.
    df["bound"] = df["bound"][::-1].cummin()[::-1]
    df["bound"] = np.fmax(df["bound"], df["objective"])
    df["gap"] = (df["bound"] - df["objective"]) / df["bound"]
    df.loc[df["gap"] <= mip_gap, "status"] = "gap_limit"
    df.loc[df["gap"] <= 1e-6, "status"] = "optimal"
    df["proven"] = (df["gap"] <= proven_gap).fillna(False).astype(bool)
    df["coverage_share"] = df["objective"] / total_w if total_w > 0 else np.nan
    df["marginal_per_sek"] = df["objective"].diff() / df["budget_sek"].diff()
    return df[_FRONTIER_COLUMNS]


def budget_frontier(
    problem: PlacementProblem,
    budgets_sek: Sequence[float],
    *,
    method: Method = "auto",
    time_limit_s: float = 600.0,
    mip_gap: float = 1e-3,
    stop_area_only: bool = False,
    min_cameras_per_area: Mapping[str, int] | None = None,
    min_share_per_area: Mapping[str, float] | None = None,
    seed: int = 0,
    threads: int = 1,
    work_limits: WorkLimits | None = None,
    proven_gap: float = 0.005,
) -> pd.DataFrame:
    """
    The coverage-vs-budget frontier and the marginal coverage per extra krona.

    The instance is reduced once (at the largest budget). Budgets are solved in increasing
    order; each plan starts from the previous one (still feasible with more money) and the
    bound's multipliers are carried over, so the objective never falls as the budget grows.
    A bound proven for a larger budget also holds for a smaller one, so bounds are made
    non-decreasing the same way. The budget-dual lines (:mod:`._budget_dual`) bound every
    budget at once and are shared by all of them, so every point carries a proven bound.

    Parameters
    ----------
    problem
        The placement problem.
    budgets_sek
        Budgets in SEK.
    method
        As in :class:`CameraPlacement`.
    time_limit_s
        Safety net on the wall-clock time of the whole frontier (the reduction included).
        Each budget is solved within `work_limits`, which decide the result; budgets reached
        after this limit get status ``"time_limit"`` (and depend on the machine's load).
    mip_gap, stop_area_only, min_cameras_per_area, min_share_per_area, seed, threads
        As in :class:`CameraPlacement`.
    work_limits
        Work limits for each budget; if None, ``FRONTIER_LIMITS`` (greedy, 50 local-search
        moves, the LP bound, 2 budget-dual steps, a 200-node RINS MILP and a 100-node proof
        MILP; each of the budget-dual search, RINS and the proof runs only while the gap is
        above 90 % of `proven_gap`).
    proven_gap
        A point whose gap is at most this share is ``proven``; above it, show the point's
        bound rather than its gap (a report says "ej bevisad").

    Returns
    -------
    frontier
        One row per budget (ascending): ``budget_sek``, ``objective``, ``bound``, ``gap``,
        ``cost_sek``, ``n_cameras``, ``coverage_share`` (of the total demand weight),
        ``marginal_per_sek`` (extra covered weight per extra krona since the previous row; NaN
        on the first), ``status``, ``proven`` (bool: ``gap <= proven_gap``) and ``method``.
        Budgets below the cheapest camera get status
        ``"infeasible"`` and NaN values.
    """
    budgets = sorted(float(b) for b in budgets_sek)
    if not budgets:
        msg = "budgets_sek is empty; give at least one budget in SEK."
        raise InputError(msg)
    for b in budgets:
        _check_params(b, method, time_limit_s, mip_gap)
    _check_threads(threads)
    t0 = time.perf_counter()
    red = _reduce(
        problem,
        budgets[-1],
        stop_area_only=stop_area_only,
        min_cameras_per_area=min_cameras_per_area,
        min_share_per_area=min_share_per_area,
    )
    limits = work_limits if work_limits is not None else FRONTIER_LIMITS
    setup = _Setup(threads=threads, seed=seed)
    lp = _LpSweep(red.inst, setup, max_iterations=limits.lp_iterations)
    sweep = _Sweep(red, lp if method != "milp" else None, _Pool())
    # One safety deadline for the whole frontier; the work limits decide each point.
    run = _Run(
        method,
        mip_gap,
        limits,
        setup,
        time_limit_s=time_limit_s,
        t0=t0,
        dual_gap=0.9 * proven_gap,  # within proven_gap; later steps only tighten the bounds
        proof_presolve=False,
    )
    rows = [_frontier_point(problem, b, sweep, run) for b in budgets]
    df = _frontier_frame(rows, mip_gap, proven_gap, float(problem.weights.sum()))
    log.info(
        "budget frontier: %d budgets from %.0f to %.0f SEK in %.1f s",
        len(df),
        budgets[0],
        budgets[-1],
        time.perf_counter() - t0,
    )
    return df
