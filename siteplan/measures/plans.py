"""
Plans of a portfolio: one per family of measures, their uncertainty and robustness.

A *family* is the set of measure kinds a plan may use: the mix (every kind), cameras only,
lighting only. Each is the portfolio's placement problem with the other kinds excluded,
solved by the placement engine with a proven gap. The mix is never worse than a single
family: their plans are feasible for it, and the best of them is kept if the engine's
search ends below one. Uncertainty comes from the effect priors: Monte Carlo draws of the
reductions give the plan's expected effect an interval, and re-optimising under some draws
shows how often each chosen option stays in the plan.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from siteplan.measures.portfolio import Portfolio, draw_reductions, only_kinds
from siteplan.placement import QUICK_LIMITS, CameraPlacement
from siteplan.problem import PlacementProblem

__all__ = [
    "FAMILIES",
    "PortfolioPlan",
    "PortfolioResult",
    "effect_draws",
    "families_of",
    "measure_table",
    "plan_portfolio",
    "portfolio_summary",
    "selection_frequency",
    "solve_family",
]

#: Families of plans: name -> measure kinds it may use (None: every kind).
FAMILIES: Mapping[str, tuple[str, ...] | None] = {
    "mix": None,
    "cameras": ("camera",),
    "lighting": ("lighting",),
}

#: Builds an unsolved placement at a budget (the scenario's limits, seed and threads).
PlacementFactory = Callable[[float], CameraPlacement]


@dataclass(frozen=True)
class PortfolioPlan:
    """
    One family's plan.

    Attributes
    ----------
    family
        ``"mix"``, ``"cameras"`` or ``"lighting"``.
    selected
        Chosen option ids (cameras and measures), sorted.
    cost_sek
        Cost of the plan over the horizon, site costs once.
    prevented_per_year
        Expected severity-weighted incidents prevented per year (central priors).
    perceived_addressed
        Perceived-safety demand addressed (0 without the layer).
    objective
        The engine's objective: prevented plus the weighted perceived demand.
    bound
        Proven upper bound on the family's best objective.
    gap
        ``(bound - objective) / bound``.
    status
        The engine's status.
    """

    family: str
    selected: tuple[str, ...]
    cost_sek: float
    prevented_per_year: float
    perceived_addressed: float
    objective: float
    bound: float
    gap: float
    status: str


def _family_problem(portfolio: Portfolio, family: str) -> PlacementProblem:
    kinds = FAMILIES[family]
    return portfolio.problem if kinds is None else only_kinds(portfolio, kinds)


def solve_family(
    portfolio: Portfolio,
    family: str,
    placement: PlacementFactory,
    budget_sek: float,
    *,
    floor: PortfolioPlan | None = None,
) -> PortfolioPlan:
    """
    Solve one family of the portfolio at a budget.

    Parameters
    ----------
    portfolio
        The joint instance.
    family
        A key of :data:`FAMILIES`.
    placement
        Builds the unsolved placement for a budget.
    budget_sek
        The budget.
    floor
        A plan feasible for this family (e.g. the camera-only plan for the mix): kept if the
        engine's plan is worse, so the mix is never below it.

    Returns
    -------
    plan
        The family's plan.
    """
    problem = _family_problem(portfolio, family)
    solved = placement(budget_sek).solve(problem)
    selected = tuple(sorted(solved.selected_))
    objective = float(solved.objective_)
    bound = float(solved.bound_)
    if floor is not None and floor.objective > objective:
        selected, objective = floor.selected, floor.objective
    cost = _cost(problem, selected)
    prevented = portfolio.prevented(selected)
    return PortfolioPlan(
        family=family,
        selected=selected,
        cost_sek=cost,
        prevented_per_year=prevented.incidents,
        perceived_addressed=prevented.perceived,
        objective=objective,
        bound=max(bound, objective),
        gap=(max(bound, objective) - objective) / bound if bound > 0 else 0.0,
        status=str(solved.status_),
    )


def _cost(problem: PlacementProblem, selected: Sequence[str]) -> float:
    """Cost of `selected`: option costs plus each site's shared cost and paperwork once."""
    return problem.plan_cost_sek(problem.options.index.get_indexer(list(selected)))


def effect_draws(
    portfolio: Portfolio, selected: Sequence[str], *, n_draws: int, seed: int
) -> np.ndarray:
    """
    Expected incidents prevented per year by `selected` under draws of the effect priors.

    Parameters
    ----------
    portfolio
        The joint instance.
    selected
        Option ids of the plan.
    n_draws
        Monte Carlo draws.
    seed
        Seed of the draws (the same seed gives the same draws for every plan).

    Returns
    -------
    prevented
        One value per draw.
    """
    draws = draw_reductions(portfolio, n_draws, seed=seed)
    return np.array([portfolio.prevented(selected, r).incidents for r in draws])


def selection_frequency(
    portfolio: Portfolio,
    plan: PortfolioPlan,
    placement: PlacementFactory,
    budget_sek: float,
    *,
    n_draws: int,
    seed: int,
) -> pd.Series:
    """
    How often each option of `plan` stays chosen when the effects are drawn from the priors.

    Parameters
    ----------
    portfolio
        The joint instance.
    plan
        The plan whose options are followed.
    placement
        Builds the unsolved placement for a budget.
    budget_sek
        The budget.
    n_draws
        Re-optimisations, each under one draw of the reductions with quick work limits
        (:data:`siteplan.placement.QUICK_LIMITS`).
    seed
        Seed of the draws.

    Returns
    -------
    frequency
        Share of draws (0–1) whose plan holds the option, indexed by the plan's option ids.
    """
    counts = pd.Series(0.0, index=pd.Index(plan.selected, name="option_id"), name="frequency")
    if n_draws <= 0:
        return counts * np.nan
    draws = draw_reductions(portfolio, n_draws, seed=seed + 1)
    excluded = _family_problem(portfolio, plan.family).excluded
    for r in draws:
        problem = dataclasses.replace(portfolio.with_reductions(r), excluded=excluded)
        quick = placement(budget_sek)
        quick.work_limits = QUICK_LIMITS  # robustness, not a proof
        chosen = set(quick.solve(problem).selected_)
        counts += counts.index.isin(list(chosen))
    return counts / n_draws


def measure_table(portfolio: Portfolio, plan: PortfolioPlan, draws: int, seed: int) -> pd.DataFrame:
    """
    Per measure of the plan: units, cost, expected effect with an interval, evidence, source.

    A measure's effect is what the plan loses without all of its options (the measures on
    the same stretch share the incidents, so the effects do not add up to the plan's total).

    Parameters
    ----------
    portfolio
        The joint instance.
    plan
        A plan of the portfolio.
    draws
        Monte Carlo draws for the intervals.
    seed
        Seed of the draws.

    Returns
    -------
    table
        One row per measure with at least one chosen option: ``measure``, ``kind``, ``title``,
        ``n_options``, ``cost_sek``, ``prevented_per_year``, ``prevented_low``,
        ``prevented_high`` (5th and 95th percentiles over the draws), ``perceived_addressed``,
        ``reduction``, ``reduction_low``, ``reduction_high``, ``evidence``, ``source``.
    """
    opts = portfolio.problem.options.loc[list(plan.selected)]
    reductions = draw_reductions(portfolio, draws, seed=seed)
    rows = []
    for m in portfolio.measures:
        mine = opts.index[opts["measure"] == m.name]
        if not len(mine):
            continue
        rest = [s for s in plan.selected if s not in set(mine)]
        full = np.array([portfolio.prevented(plan.selected, r).incidents for r in reductions])
        without = np.array([portfolio.prevented(rest, r).incidents for r in reductions])
        gain = full - without
        central = portfolio.prevented(plan.selected)
        central_rest = portfolio.prevented(rest)
        rows.append(
            {
                "measure": m.name,
                "kind": m.kind,
                "title": m.title,
                "n_options": len(mine),
                "cost_sek": _cost(portfolio.problem, list(mine)),
                "prevented_per_year": central.incidents - central_rest.incidents,
                "prevented_low": float(np.percentile(gain, 5)),
                "prevented_high": float(np.percentile(gain, 95)),
                "perceived_addressed": central.perceived - central_rest.perceived,
                "reduction": m.reduction,
                "reduction_low": m.reduction_low,
                "reduction_high": m.reduction_high,
                "evidence": m.evidence,
                "source": m.source,
            }
        )
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class PortfolioResult:
    """
    The portfolio's plans at the budget, with uncertainty and the frontier per family.

    Attributes
    ----------
    portfolio
        The joint instance.
    budget_sek
        The budget.
    plans
        Per family present (``mix``, ``cameras``, ``lighting``): its plan.
    intervals
        Per family: 5th and 95th percentile of expected incidents prevented per year over
        the Monte Carlo draws of the effect priors.
    measures
        :func:`measure_table` of the mix, with ``frequency``: the mean share of the
        re-optimised draws that keep the measure's options (NaN when not computed).
    chosen
        The mix's chosen options: ``measure``, ``kind``, ``cost_sek``, ``frequency`` (share
        of re-optimised draws keeping it; NaN when not computed), geometry.
    frontier
        Per family and budget: ``family``, ``budget_sek``, ``objective``, ``bound``, ``gap``,
        ``proven``, ``cost_sek``, ``status``.
    n_draws
        Monte Carlo draws behind `intervals` and `measures`.
    """

    portfolio: Portfolio
    budget_sek: float
    plans: Mapping[str, PortfolioPlan]
    intervals: Mapping[str, tuple[float, float]]
    measures: pd.DataFrame
    chosen: pd.DataFrame
    frontier: pd.DataFrame
    n_draws: int


def _with_frequency(table: pd.DataFrame, chosen: pd.DataFrame) -> pd.DataFrame:
    """The measure table with ``frequency``: the mean share of draws keeping its options."""
    if table.empty:
        return table.assign(frequency=pd.Series(dtype=float))
    mean = chosen.groupby("measure")["frequency"].mean()
    return table.assign(frequency=table["measure"].map(mean).astype(float))


def _with_plan(
    front: pd.DataFrame, plan: PortfolioPlan, budget_sek: float, proven_gap: float
) -> pd.DataFrame:
    """
    The family's frontier with its plan at the plan's own budget.

    The sweep spends less work per budget than the plan, so at that budget the plan (longer
    search, tighter bound) replaces the sweep's point when it is at least as good.
    """
    at = front.index[front["budget_sek"] == budget_sek]
    if not len(at) or not plan.objective >= front.at[at[0], "objective"]:
        return front
    front = front.copy()
    row = at[0]
    bound = min(plan.bound, float(front.at[row, "bound"]))
    gap = (bound - plan.objective) / bound if bound > 0 else 0.0
    front.loc[row, ["objective", "bound", "gap", "cost_sek"]] = [
        plan.objective,
        bound,
        gap,
        plan.cost_sek,
    ]
    front.loc[row, "status"] = plan.status
    front.loc[row, "proven"] = bool(gap <= proven_gap)
    return front


def families_of(portfolio: Portfolio) -> list[str]:
    """The families this portfolio can form: the mix, and cameras / lighting when present."""
    kinds = {m.kind for m in portfolio.measures}
    present = set(portfolio.problem.options["kind"])
    out = ["mix"]
    out += [f for f, k in FAMILIES.items() if k is not None and set(k) <= kinds & present]
    return out


def plan_portfolio(
    portfolio: Portfolio,
    placement: PlacementFactory,
    budget_sek: float,
    *,
    n_draws: int,
    stability_draws: int,
    seed: int,
    frontier: Callable[[PlacementProblem], pd.DataFrame] | None = None,
    proven_gap: float = 0.005,
) -> PortfolioResult:
    """
    Solve every family at the budget; intervals, the measure table and robustness of the mix.

    Parameters
    ----------
    portfolio
        The joint instance.
    placement
        Builds the unsolved placement for a budget.
    budget_sek
        The budget.
    n_draws
        Monte Carlo draws of the effect priors for the intervals.
    stability_draws
        Re-optimisations under drawn effects for the mix's selection frequency (0: none).
    seed
        Seed of every draw.
    frontier
        Sweeps a family's problem over the budgets (e.g. a partial of
        :func:`siteplan.placement.budget_frontier`); None: no frontier.
    proven_gap
        A frontier point is ``proven`` when its gap is at most this share; the plan itself
        replaces the sweep's point at its budget.

    Returns
    -------
    result
        The portfolio's result.
    """
    plans: dict[str, PortfolioPlan] = {}
    for family in families_of(portfolio)[1:]:
        plans[family] = solve_family(portfolio, family, placement, budget_sek)
    best = max(plans.values(), key=lambda p: p.objective, default=None)
    plans["mix"] = solve_family(portfolio, "mix", placement, budget_sek, floor=best)
    intervals = {
        f: tuple(
            np.percentile(effect_draws(portfolio, p.selected, n_draws=n_draws, seed=seed), [5, 95])
        )
        for f, p in plans.items()
    }
    mix = plans["mix"]
    freq = selection_frequency(
        portfolio, mix, placement, budget_sek, n_draws=stability_draws, seed=seed
    )
    opts = portfolio.problem.options.loc[list(mix.selected)]
    chosen = opts[["measure", "kind", "cost_sek", "geometry"]].assign(frequency=freq)
    fronts = []
    if frontier is not None:
        for family in plans:
            front = frontier(_family_problem(portfolio, family))
            front = _with_plan(front, plans[family], budget_sek, proven_gap)
            fronts.append(front.assign(family=family))
    return PortfolioResult(
        portfolio=portfolio,
        budget_sek=float(budget_sek),
        plans={f: plans[f] for f in ("mix", *[f for f in plans if f != "mix"])},
        intervals={f: (float(lo), float(hi)) for f, (lo, hi) in intervals.items()},
        measures=_with_frequency(measure_table(portfolio, mix, n_draws, seed), chosen),
        chosen=chosen,
        frontier=pd.concat(fronts, ignore_index=True) if fronts else pd.DataFrame(),
        n_draws=n_draws,
    )


def portfolio_summary(result: PortfolioResult | None) -> dict[str, object] | None:
    """
    The portfolio's numbers for ``summary.json``: per family and per measure.

    Parameters
    ----------
    result
        The portfolio result, or None.

    Returns
    -------
    summary
        JSON-serialisable; None without a portfolio.
    """
    if result is None:
        return None
    families = {
        f: {
            "n_options": len(p.selected),
            "cost_sek": p.cost_sek,
            "prevented_per_year": p.prevented_per_year,
            "prevented_low": result.intervals[f][0],
            "prevented_high": result.intervals[f][1],
            "perceived_addressed": p.perceived_addressed,
            "objective": p.objective,
            "bound": p.bound,
            "gap": p.gap,
            "status": p.status,
        }
        for f, p in result.plans.items()
    }
    return {
        "budget_sek": result.budget_sek,
        "perceived_weight": result.portfolio.perceived_weight,
        "draws": result.n_draws,
        "families": families,
        "measures": result.measures.to_dict(orient="records"),
    }
