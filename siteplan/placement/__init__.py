"""
Choose camera options that maximise covered demand within a budget.

The model is the budgeted maximum-coverage problem stated in :mod:`siteplan.problem`, with
optional per-area minimums (a count of cameras, or a share of the area's demand weight), the
installed cameras fixed in, an exclusion list and a "stop areas only" filter.

How it is solved, and why every plan states a proven optimality gap:

1. **Reduce** (``_instance``). Drop excluded, filtered and unaffordable options; take the
   fixed cameras out; merge demand points covered by the same set of options; drop dominated
   headings; fold single-cover demand into option profits and single-slot site costs into
   option costs.
2. **Greedy** (``_heuristics``). Lazy greedy (CELF) by gain per krona plus the best single
   camera (Khuller, Moss & Naor 1999), then a swap local search.
3. **Bound** (``_bounds``, ``_highs``). The Lagrangian relaxation of the coverage constraints
   (Galvão & ReVelle 1996), with multipliers from the LP relaxation's duals (re-evaluated, so
   an early-stopped LP still gives a proven bound) or from subgradient steps.
   **Budget dual** (``_budget_dual``). The budget row priced at ``mu`` per SEK leaves a small
   integer problem (options worth less than their priced cost drop out) whose bound,
   ``mu * B + g(mu)``, holds at every budget ``B``; a 1-D search over ``mu`` reaches the hull of
   the budget frontier, its plans are optimal for their own cost, and the lines fix options
   out before the proof. The frontier shares these lines across its budgets.
4. **Better plan** (``_engine``). A MILP restricted to the options the relaxation uses, the
   greedy plan and the options that look best when forced in (RINS-like).
5. **Exact** (``_engine``). Reduced-cost fixing, then a MILP by HiGHS over what is left when
   it is small enough: every plan better than the incumbent lies there.

``method="auto"`` runs all of this and reports the best plan and the tightest bound;
``"milp"`` solves the reduced MILP directly; ``"greedy"`` stops after steps 1-3.

Every step stops on work (moves, iterations, branch-and-bound nodes; :class:`WorkLimits`),
so the same problem gives the same plan on an idle and on a loaded machine for a fixed thread
count. ``time_limit_s`` is only a safety net, reported as status ``"time_limit"`` when hit.
"""

from __future__ import annotations

from siteplan.placement._api import (
    FRONTIER_LIMITS,
    QUICK_LIMITS,
    BoundResult,
    CameraPlacement,
    GreedyResult,
    budget_frontier,
    greedy,
    lagrangian_bound,
    lp_bound,
)
from siteplan.placement._engine import Method, WorkLimits
from siteplan.placement._highs import LpSolver

__all__ = [
    "FRONTIER_LIMITS",
    "QUICK_LIMITS",
    "BoundResult",
    "CameraPlacement",
    "GreedyResult",
    "LpSolver",
    "Method",
    "WorkLimits",
    "budget_frontier",
    "greedy",
    "lagrangian_bound",
    "lp_bound",
]
