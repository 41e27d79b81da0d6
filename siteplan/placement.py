"""Choose camera options that maximise covered demand within a budget.

The model is the budgeted maximum-coverage problem stated in :mod:`siteplan.problem`, with
optional per-area minimums (a count of cameras, or a share of the area's demand weight), the
installed cameras fixed in, an exclusion list and a "stop areas only" filter.

How it is solved, and why every plan states a proven optimality gap:

1. **Reduce.** Drop excluded, filtered and unaffordable options; take the fixed cameras out
   (their cost comes off the budget, the demand they see is counted once); merge demand points
   covered by the same set of options (weights summed); drop options dominated by another
   heading in the same slot; fold demand seen by a single option into that option's profit;
   fold the site cost into the option cost where a site has only one camera slot.
2. **Greedy.** Lazy greedy (CELF, Leskovec et al. 2007) by gain per krona, counting the shared
   site cost while the site is closed, plus the best single camera (Khuller, Moss & Naor 1999),
   then a swap local search (remove one camera, add another, refill the budget).
3. **Bound.** The Lagrangian relaxation of the coverage constraints (Galvão & ReVelle 1996):
   multipliers ``lambda_j`` on ``z_j <= sum x_o``; the subproblem is a knapsack with site costs
   and one option per slot whose LP value, minimised over the budget multiplier, is computed
   exactly. Any multipliers give a valid upper bound. They come from the LP relaxation (dual
   simplex and interior point without crossover, run side by side; its duals are re-evaluated,
   so an inexact or early-stopped LP still gives a proven bound), or, for very large instances
   or when the LP stops short, from subgradient steps (Polyak, best plan as target). The tighter
   bound is kept.
4. **Better plan.** A MILP restricted to the options the relaxation uses (the LP's support, or
   the subgradient's averaged choices), the greedy plan, and the options that look best when
   forced in: a large improvement in little time (RINS-like).
5. **Exact.** Options whose Lagrangian bound when forced in is below the best plan are fixed
   out (reduced-cost fixing); when the rest is small enough, a MILP built in sparse form and
   solved by HiGHS (warm-started, time limit, relative gap) closes the gap: every plan better
   than the incumbent lies in what is left, so its bound holds for the whole problem.

``method="auto"`` runs all of this and reports the best plan and the tightest bound;
``"milp"`` solves the reduced MILP directly; ``"greedy"`` stops after steps 1-3.
"""

from __future__ import annotations

import contextlib
import heapq
import logging
import math
import numbers
import os
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal, Self

import numpy as np
import pandas as pd
import scipy.sparse as sp

from siteplan.errors import InfeasibleError, InputError, NotSolvedError, SolverError
from siteplan.problem import PlacementProblem

__all__ = [
    "BoundResult",
    "CameraPlacement",
    "GreedyResult",
    "budget_frontier",
    "greedy",
    "lagrangian_bound",
    "lp_bound",
]

log = logging.getLogger(__name__)

Method = Literal["auto", "milp", "greedy"]
LpSolver = Literal["fastest", "simplex", "ipm"]

_TOL = 1e-9
# Reduced MILPs up to this size (options + coverage nonzeros) are handed to HiGHS in "auto".
_MILP_MAX_SIZE = 150_000
# Reduced instances up to this many coverage nonzeros get the LP relaxation first; larger ones
# go straight to the Lagrangian subgradient (anytime; no model to build).
_LP_MAX_NNZ = 2_000_000
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


# --------------------------------------------------------------------------------------------
# The reduced instance
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Inst:
    """A reduced instance: options sorted by (site, slot), demand merged into classes."""

    cover: sp.csr_matrix  # options x classes, float 0/1
    cover_t: sp.csr_matrix  # classes x options
    weight: np.ndarray  # per class
    profit: np.ndarray  # per option: weight only it covers (folded classes)
    cost: np.ndarray  # per option, incl. the site cost where the site has one slot
    site: np.ndarray  # per option: site code
    site_cost: np.ndarray  # per site: shared cost still to pay (0 once folded or opened)
    slot: np.ndarray  # per option: slot code, contiguous
    slot_start: np.ndarray  # first option of each slot
    slot_site: np.ndarray  # site code of each slot
    site_slot_start: np.ndarray  # first slot of each site
    budget: float  # residual budget after the fixed cameras
    opt_pos: np.ndarray  # per option: row in problem.options
    opt_area: np.ndarray  # per option: code into area_names, -1 if none
    area_names: tuple[str, ...]
    count_need: np.ndarray  # per area: cameras still required (0 if no minimum)
    share_cls: np.ndarray  # (n_share, classes): area weight of each class
    share_opt: np.ndarray  # (n_share, options): folded area weight per option
    share_need: np.ndarray  # (n_share,): area weight still to cover
    share_names: tuple[str, ...]

    @property
    def n(self) -> int:
        return self.cover.shape[0]

    @property
    def m(self) -> int:
        return self.cover.shape[1]

    @property
    def has_area_rules(self) -> bool:
        return bool((self.count_need > 0).any() or (self.share_need > _TOL).any())

    def value(self, sel: np.ndarray) -> float:
        """Covered weight (reduced scale) of the options `sel`."""
        if len(sel) == 0:
            return 0.0
        hit = np.asarray(self.cover[sel].sum(axis=0)).ravel() > 0
        return float(self.profit[sel].sum() + self.weight[hit].sum())

    def spend(self, sel: np.ndarray) -> float:
        """Cost (reduced scale) of the options `sel`, shared site costs counted once."""
        return float(self.cost[sel].sum() + self.site_cost[np.unique(self.site[sel])].sum())

    def area_ok(self, sel: np.ndarray) -> bool:
        """True if `sel` meets every per-area minimum."""
        if (self.count_need > 0).any():
            got = np.bincount(
                self.opt_area[sel][self.opt_area[sel] >= 0], minlength=len(self.area_names)
            )
            if (got < self.count_need).any():
                return False
        if len(self.share_need):
            hit = np.asarray(self.cover[sel].sum(axis=0)).ravel() > 0
            got = self.share_cls[:, hit].sum(axis=1) + self.share_opt[:, sel].sum(axis=1)
            if (got < self.share_need - 1e-7 * np.maximum(1.0, self.share_need)).any():
                return False
        return True


def _u64_hash(rows: sp.csr_matrix, salt: np.ndarray) -> np.ndarray:
    """Per row, the wrapping sum of `salt` over its column indices (a set hash)."""
    out = np.zeros(rows.shape[0], dtype=np.uint64)
    starts = rows.indptr[:-1]
    nonempty = np.diff(rows.indptr) > 0
    if rows.nnz:
        out[nonempty] = np.add.reduceat(salt[rows.indices], starts[nonempty])
    return out


def _merge_columns(cover: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
    """
    Group the columns of `cover` by their set of rows.

    Returns ``(cls_of, rep)``: the class of each column (-1 for empty columns) and one
    representative column per class. Two independent 64-bit set hashes plus the degree make a
    false merge practically impossible (about 2^-128 per pair).
    """
    cols = cover.T.tocsr()
    rng = np.random.default_rng(20_250_401)
    top = np.iinfo(np.uint64).max
    h1 = _u64_hash(cols, rng.integers(0, top, cover.shape[0], dtype=np.uint64, endpoint=True))
    h2 = _u64_hash(cols, rng.integers(0, top, cover.shape[0], dtype=np.uint64, endpoint=True))
    deg = np.diff(cols.indptr)
    live = np.flatnonzero(deg > 0)
    order = live[np.lexsort((live, h2[live], h1[live], deg[live]))]
    new = np.ones(len(order), dtype=bool)
    if len(order) > 1:
        same = (h1[order[1:]] == h1[order[:-1]]) & (h2[order[1:]] == h2[order[:-1]])
        same &= deg[order[1:]] == deg[order[:-1]]
        new[1:] = ~same
    group = np.cumsum(new) - 1
    # Number classes by their first column, so the order does not depend on the hashes.
    rep_sorted = order[new]
    renum = np.empty(len(rep_sorted), dtype=np.int64)
    renum[np.argsort(rep_sorted, kind="stable")] = np.arange(len(rep_sorted))
    cls_of = np.full(cover.shape[1], -1, dtype=np.int64)
    cls_of[order] = renum[group]
    return cls_of, np.sort(rep_sorted)


def _dominated(
    cover: sp.csr_matrix,
    cost: np.ndarray,
    profit: np.ndarray,
    slot: np.ndarray,
    area: np.ndarray | None,
    strict_profit: bool,
) -> np.ndarray:
    """
    Options dominated by another option in the same slot.

    ``o`` is dominated by ``o'`` when ``o'`` covers every class ``o`` covers, costs no more,
    has at least its folded profit (and the same area when area counts apply), and is better in
    one of these or earlier in order: a strict order, so one of each chain always survives.
    """
    out = np.zeros(cover.shape[0], dtype=bool)
    if cover.shape[0] < 2:
        return out
    deg = np.diff(cover.indptr)
    g = (cover @ cover.T).tocoo()
    r, c, v = g.row, g.col, g.data
    keep = (r != c) & (slot[r] == slot[c]) & (v >= deg[r] - 0.5)
    keep &= cost[c] <= cost[r] + _TOL
    keep &= profit[c] >= profit[r] - _TOL
    if strict_profit:
        keep &= profit[r] <= _TOL
    if area is not None:
        keep &= area[r] == area[c]
    r, c = r[keep], c[keep]
    better = (
        (cost[c] < cost[r] - _TOL) | (deg[c] > deg[r]) | (profit[c] > profit[r] + _TOL) | (c < r)
    )
    out[r[better]] = True
    # Options with nothing to cover are dominated by not choosing them.
    out |= (deg == 0) & (profit <= _TOL)
    return out


def _compress(
    *,
    cover: sp.csr_matrix,
    weight: np.ndarray,
    share_cls: np.ndarray,
    profit: np.ndarray,
    share_opt: np.ndarray,
    cost: np.ndarray,
    site: np.ndarray,
    site_cost: np.ndarray,
    slot: np.ndarray,
    opt_pos: np.ndarray,
    opt_area: np.ndarray,
    area_names: tuple[str, ...],
    count_need: np.ndarray,
    share_need: np.ndarray,
    share_names: tuple[str, ...],
    budget: float,
    drop_dominated: bool = True,
) -> _Inst:
    """Merge classes, drop dominated options, fold single-cover classes and sites; sort."""
    counted = count_need > 0
    keep_area = counted[opt_area] & (opt_area >= 0) if counted.any() else np.zeros(len(cost), bool)
    for _ in range(2):  # dominance can make more columns identical: merge twice
        cls_of, rep = _merge_columns(cover)
        live = cls_of >= 0
        weight = np.bincount(cls_of[live], weights=weight[live], minlength=len(rep))
        if share_cls.shape[0]:
            share_cls = np.stack(
                [np.bincount(cls_of[live], weights=s[live], minlength=len(rep)) for s in share_cls]
            )
        else:
            share_cls = np.zeros((0, len(rep)))
        cover = cover[:, rep].tocsr()
        if not drop_dominated:
            break
        drop = _dominated(
            cover, cost, profit, slot, opt_area if counted.any() else None, len(share_need) > 0
        )
        drop &= ~keep_area
        if not drop.any():
            break
        k = ~drop
        cover, profit, cost, site, slot = cover[k], profit[k], cost[k], site[k], slot[k]
        opt_pos, opt_area, keep_area = opt_pos[k], opt_area[k], keep_area[k]
        share_opt = share_opt[:, k]

    # Demand seen by one option only: its weight becomes that option's profit.
    cover.sum_duplicates()
    cols = cover.T.tocsr()
    deg = np.diff(cols.indptr)
    single = np.flatnonzero(deg == 1)
    owner = cols.indices[cols.indptr[single]]
    profit = profit + np.bincount(owner, weights=weight[single], minlength=len(profit))
    if share_opt.shape[0]:
        share_opt = share_opt + np.stack(
            [np.bincount(owner, weights=s[single], minlength=len(profit)) for s in share_cls]
        )
    multi = np.flatnonzero(deg >= 2)
    cover, weight, share_cls = cover[:, multi].tocsr(), weight[multi], share_cls[:, multi]

    useful = (np.diff(cover.indptr) > 0) | (profit > _TOL) | keep_area
    if not useful.all():
        cover, profit, cost, site, slot = (
            cover[useful],
            profit[useful],
            cost[useful],
            site[useful],
            slot[useful],
        )
        opt_pos, opt_area, share_opt = opt_pos[useful], opt_area[useful], share_opt[:, useful]
        cols_deg = np.diff(cover.tocsc().indptr)
        live = np.flatnonzero(cols_deg > 0)
        cover, weight, share_cls = cover[:, live].tocsr(), weight[live], share_cls[:, live]

    # Renumber sites and slots; sort options by (site, slot).
    site_u, site_code = np.unique(site, return_inverse=True)
    site_cost = site_cost[site_u].astype(float)
    slot_code = np.unique(slot, return_inverse=True)[1]
    n_slot_site = np.bincount(
        site_code[np.unique(slot_code, return_index=True)[1]], minlength=len(site_u)
    )
    fold = (n_slot_site == 1) & (site_cost > 0)
    cost = cost + np.where(fold[site_code], site_cost[site_code], 0.0)
    site_cost = np.where(fold, 0.0, site_cost)
    order = np.lexsort((np.arange(len(cost)), slot_code, site_code))
    cover = cover[order].tocsr()
    cover.sort_indices()
    # Slot codes in run order (0, 1, 2, ... along the sorted options), so that `slot` indexes
    # arrays built with reduceat over `slot_start`.
    slot_sorted = slot_code[order]
    runs = np.r_[True, slot_sorted[1:] != slot_sorted[:-1]] if len(order) else np.zeros(0, bool)
    slot_code = np.cumsum(runs) - 1
    site_sorted = site_code[order]
    slot_start = np.flatnonzero(runs) if len(order) else np.zeros(0, int)
    slot_site = site_sorted[slot_start]
    site_slot_start = (
        np.flatnonzero(np.r_[True, slot_site[1:] != slot_site[:-1]])
        if len(slot_start)
        else np.zeros(0, int)
    )
    # Sites without options keep their code but have no slots; drop them from the site table.
    used_sites, site_final = np.unique(site_sorted, return_inverse=True)
    return _Inst(
        cover=cover,
        cover_t=cover.T.tocsr(),
        weight=np.asarray(weight, dtype=float),
        profit=profit[order],
        cost=cost[order],
        site=site_final,
        site_cost=site_cost[used_sites],
        slot=slot_code,
        slot_start=slot_start,
        slot_site=site_final[slot_start] if len(slot_start) else np.zeros(0, int),
        site_slot_start=site_slot_start,
        budget=float(budget),
        opt_pos=opt_pos[order],
        opt_area=opt_area[order],
        area_names=area_names,
        count_need=count_need,
        share_cls=share_cls,
        share_opt=share_opt[:, order],
        share_need=share_need,
        share_names=share_names,
    )


def _restrict(inst: _Inst, keep: np.ndarray) -> _Inst:
    """The instance with only the options in `keep` (a mask), compressed again."""
    k = np.asarray(keep, dtype=bool)
    return _compress(
        cover=inst.cover[k].tocsr(),
        weight=inst.weight,
        share_cls=inst.share_cls,
        profit=inst.profit[k],
        share_opt=inst.share_opt[:, k],
        cost=inst.cost[k],
        site=inst.site[k],
        site_cost=inst.site_cost,
        slot=inst.slot[k],
        opt_pos=inst.opt_pos[k],
        opt_area=inst.opt_area[k],
        area_names=inst.area_names,
        count_need=inst.count_need,
        share_need=inst.share_need,
        share_names=inst.share_names,
        budget=inst.budget,
    )


@dataclass(frozen=True)
class _Reduction:
    """The reduced instance and what was taken out of the original problem."""

    inst: _Inst
    constant: float  # weight covered by the fixed cameras
    fixed_pos: np.ndarray  # rows of problem.options that are fixed in
    fixed_cost: float
    cheapest_sek: float  # cheapest allowed option incl. its site cost (inf if none)
    sizes: dict[str, Any]


def _area_codes(values: pd.Series, names: Sequence[str]) -> np.ndarray:
    lookup = {name: k for k, name in enumerate(names)}
    return np.array(
        [lookup.get(v, -1) if isinstance(v, str) else -1 for v in values], dtype=np.int64
    )


def _reduce(
    problem: PlacementProblem,
    budget_sek: float,
    *,
    stop_area_only: bool = False,
    min_cameras_per_area: Mapping[str, int] | None = None,
    min_share_per_area: Mapping[str, float] | None = None,
) -> _Reduction:
    """Apply filters, fixed cameras and the reductions; raise if the budget cannot be met."""
    options = problem.options
    ids = options.index
    n_opt, n_dem = problem.coverage.shape
    cover0 = sp.csr_matrix(problem.coverage, dtype=float)
    cover0.data[:] = 1.0
    cover0.sum_duplicates()
    cover0.data[:] = 1.0
    weight = problem.weights
    if not np.isfinite(weight).all() or (weight < 0).any():
        bad = int((~np.isfinite(weight) | (weight < 0)).sum())
        msg = (
            f"demand column 'weight' has {bad} negative or missing values; weights must be "
            f">= 0. Fix the demand layer (or the scoring step that built it)."
        )
        raise InputError(msg)
    cost = problem.option_cost_sek
    site = problem.site_index
    site_cost = problem.site_cost_sek
    if (
        not (np.isfinite(cost).all() and np.isfinite(site_cost).all())
        or (cost < 0).any()
        or (site_cost < 0).any()
    ):
        msg = (
            "options 'cost_sek' or sites 'site_cost_sek' has negative or missing values; "
            "costs must be >= 0 SEK."
        )
        raise InputError(msg)
    slot = problem.slot_codes()
    # A slot is one camera position, so it belongs to one site.
    slot_sites = pd.DataFrame({"slot": slot, "site": site}).drop_duplicates()
    if slot_sites["slot"].duplicated().any():
        dup = slot_sites.loc[slot_sites["slot"].duplicated(), "slot"].iloc[0]
        bad_slot = options["slot_id"].iloc[int(np.argmax(slot == dup))]
        msg = (
            f"options: slot_id {bad_slot!r} spans several site_id values; a slot is one camera "
            f"position at one site. Give each site its own slot ids."
        )
        raise InputError(msg)

    fixed_set, excluded_set = set(problem.fixed), set(problem.excluded)
    unknown = sorted((fixed_set | excluded_set) - set(ids))
    if unknown:
        msg = (
            f"fixed/excluded name {len(unknown)} option ids that are not in options, e.g. "
            f"{unknown[:3]}. Use ids from the options index (option_id)."
        )
        raise InputError(msg)
    both = sorted(fixed_set & excluded_set)
    if both:
        msg = (
            f"{len(both)} options are both fixed (installed) and excluded, e.g. {both[:3]}; "
            f"remove them from one of the two lists."
        )
        raise InputError(msg)
    is_fixed = ids.isin(list(fixed_set))
    fixed_pos = np.flatnonzero(is_fixed)
    if len(np.unique(slot[fixed_pos])) < len(fixed_pos):
        msg = "two fixed (installed) cameras share one slot; each slot holds one camera."
        raise InputError(msg)

    fixed_sites = np.unique(site[fixed_pos])
    fixed_cost = float(cost[fixed_pos].sum() + site_cost[fixed_sites].sum())
    if fixed_cost > budget_sek + _TOL:
        msg = (
            f"The {len(fixed_pos)} installed (fixed) cameras cost {fixed_cost:,.0f} SEK, more "
            f"than the budget of {budget_sek:,.0f} SEK. Raise budget.total_sek or fix fewer "
            "cameras."
        )
        raise InfeasibleError(msg)
    residual = budget_sek - fixed_cost
    site_cost_res = site_cost.copy()
    site_cost_res[fixed_sites] = 0.0

    allowed = ~is_fixed & ~ids.isin(list(excluded_set))
    if stop_area_only:
        allowed &= options["legal_class"].to_numpy(dtype=object) == "stop_area"
    slot_taken = np.zeros(slot.max() + 1 if n_opt else 0, dtype=bool)
    slot_taken[slot[fixed_pos]] = True
    allowed &= ~slot_taken[slot]
    total_cost = cost + site_cost_res[site]
    cheapest = float(total_cost[allowed].min()) if allowed.any() else math.inf
    if len(fixed_pos) == 0:
        if not allowed.any():
            why = " with legal_class 'stop_area'" if stop_area_only else ""
            msg = (
                f"No camera options{why} are left after the exclusions ({n_opt} options, "
                f"{len(excluded_set)} excluded). Relax placement.stop_area_only or the "
                "exclusion layer."
            )
            raise InfeasibleError(msg)
        if cheapest > budget_sek + _TOL:
            msg = (
                f"No camera fits the budget: the cheapest option costs {cheapest:,.0f} SEK "
                f"(camera and site), the budget is {budget_sek:,.0f} SEK. Raise budget.total_sek."
            )
            raise InfeasibleError(msg)
    allowed &= total_cost <= residual + _TOL

    covered_fixed = np.asarray(cover0[fixed_pos].sum(axis=0)).ravel() > 0
    constant = float(weight[covered_fixed].sum())
    active = ~covered_fixed & (weight > 0)

    # Per-area minimums, after what the fixed cameras already give.
    counts = dict(min_cameras_per_area or {})
    shares = dict(min_share_per_area or {})
    area_names = tuple(sorted(counts))
    opt_area_all = _area_codes(options["area"], area_names)
    count_need = np.array([int(counts[a]) for a in area_names], dtype=np.int64)
    if len(fixed_pos):
        have = np.bincount(
            opt_area_all[fixed_pos][opt_area_all[fixed_pos] >= 0], minlength=len(area_names)
        )
        count_need = np.maximum(count_need - have, 0)
    for name, k in counts.items():
        if k > int((opt_area_all == area_names.index(name)).sum()):
            msg = (
                f"placement.min_cameras_per_area asks for {k} cameras in area {name!r} but "
                f"the problem has only {(opt_area_all == area_names.index(name)).sum()} options "
                f"there. Check the area name (known: {sorted(set(options['area'].dropna()))})."
            )
            raise InfeasibleError(msg)
    share_names = tuple(sorted(shares))
    dem_area = problem.demand["area"].to_numpy(dtype=object)
    share_dem = np.zeros((len(share_names), n_dem))
    share_need = np.zeros(len(share_names))
    for k, name in enumerate(share_names):
        share = float(shares[name])
        if not 0 <= share <= 1:
            msg = f"placement.min_share_per_area[{name!r}] = {share}; a share must be in [0, 1]."
            raise InputError(msg)
        in_area = dem_area == name
        if not in_area.any():
            msg = (
                f"placement.min_share_per_area names area {name!r} but no demand point lies in "
                f"it (known: {sorted({a for a in dem_area if isinstance(a, str)})})."
            )
            raise InputError(msg)
        share_dem[k] = np.where(in_area, weight, 0.0)
        need = share * weight[in_area].sum() - weight[in_area & covered_fixed].sum()
        share_need[k] = max(need, 0.0)

    opt_idx = np.flatnonzero(allowed)
    dem_idx = np.flatnonzero(active)
    cover = cover0[opt_idx][:, dem_idx].tocsr()
    inst = _compress(
        cover=cover,
        weight=weight[dem_idx],
        share_cls=share_dem[:, dem_idx],
        profit=np.zeros(len(opt_idx)),
        share_opt=np.zeros((len(share_names), len(opt_idx))),
        cost=cost[opt_idx].astype(float),
        site=site[opt_idx],
        site_cost=site_cost_res,
        slot=slot[opt_idx],
        opt_pos=opt_idx,
        opt_area=opt_area_all[opt_idx],
        area_names=area_names,
        count_need=count_need,
        share_need=share_need,
        share_names=share_names,
        budget=residual,
    )
    sizes = {
        "options": n_opt,
        "options_allowed": len(opt_idx),
        "options_reduced": inst.n,
        "demand": n_dem,
        "demand_active": len(dem_idx),
        "demand_classes": inst.m,
        "nnz": int(problem.coverage.nnz),
        "nnz_reduced": int(inst.cover.nnz),
        "sites_reduced": len(inst.site_cost),
        "sites_with_shared_cost": int((inst.site_cost > 0).sum()),
        "fixed": len(fixed_pos),
    }
    log.debug("reduced placement problem: %s", sizes)
    return _Reduction(inst, constant, fixed_pos, fixed_cost, cheapest, sizes)


# --------------------------------------------------------------------------------------------
# Greedy and local search
# --------------------------------------------------------------------------------------------


class _State:
    """A plan under construction: who is chosen, what is covered, what is left to spend."""

    def __init__(self, inst: _Inst, sel: Sequence[int] = ()) -> None:
        self.inst = inst
        self.x = np.zeros(inst.n, dtype=bool)
        self.count = np.zeros(inst.m, dtype=np.int64)
        self.site_n = np.zeros(len(inst.site_cost), dtype=np.int64)
        self.slot_used = np.zeros(len(inst.slot_start), dtype=bool)
        self.remaining = inst.budget
        for o in sel:
            self.add(int(o))

    def mcost(self, o: int) -> float:
        """Cost of adding `o` now: its own cost, plus its site's if the site is closed."""
        s = self.inst.site[o]
        return float(self.inst.cost[o] + (self.inst.site_cost[s] if self.site_n[s] == 0 else 0.0))

    def add(self, o: int) -> None:
        inst = self.inst
        self.remaining -= self.mcost(o)
        self.x[o] = True
        self.site_n[inst.site[o]] += 1
        self.slot_used[inst.slot[o]] = True
        cls = inst.cover.indices[inst.cover.indptr[o] : inst.cover.indptr[o + 1]]
        self.count[cls] += 1

    def remove(self, o: int) -> None:
        inst = self.inst
        self.x[o] = False
        s = inst.site[o]
        self.site_n[s] -= 1
        self.remaining += inst.cost[o] + (inst.site_cost[s] if self.site_n[s] == 0 else 0.0)
        self.slot_used[inst.slot[o]] = False
        cls = inst.cover.indices[inst.cover.indptr[o] : inst.cover.indptr[o + 1]]
        self.count[cls] -= 1

    @property
    def selected(self) -> np.ndarray:
        return np.flatnonzero(self.x)


def _site_members(inst: _Inst) -> tuple[np.ndarray, np.ndarray]:
    """Options grouped by site: (start offsets per site, option indices); options are sorted."""
    starts = np.searchsorted(inst.site, np.arange(len(inst.site_cost) + 1))
    return starts, np.arange(inst.n)


def _celf(
    st: _State,
    cand: np.ndarray,
    wvec: np.ndarray,
    pvec: np.ndarray,
    *,
    stop: Any = None,
) -> None:
    """
    Lazy greedy (CELF) by gain per krona over the options `cand`, updating `st` in place.

    Gains only fall as coverage grows, so a stale heap key is an upper bound; the marginal cost
    can fall when a site opens, so the other options of a newly opened site are re-queued.
    """
    inst = st.inst
    if len(cand) == 0:
        return
    indptr, indices = inst.cover.indptr, inst.cover.indices
    uncov = np.where(st.count > 0, 0.0, wvec)
    gain = pvec[cand] + inst.cover[cand] @ uncov
    site_open = st.site_n[inst.site[cand]] > 0
    mc = inst.cost[cand] + np.where(site_open, 0.0, inst.site_cost[inst.site[cand]])
    ok = (gain > _TOL) & ~st.slot_used[inst.slot[cand]]
    ratio = gain[ok] / np.maximum(mc[ok], _TOL)
    heap = list(zip((-ratio).tolist(), cand[ok].tolist(), [0] * int(ok.sum()), strict=True))
    heapq.heapify(heap)
    in_cand = np.zeros(inst.n, dtype=bool)
    in_cand[cand] = True
    site_starts, _ = _site_members(inst)
    n_sel = 0
    while heap:
        _, o, ver = heapq.heappop(heap)
        if st.slot_used[inst.slot[o]]:
            continue
        mco = st.mcost(o)
        if mco > st.remaining + _TOL:
            continue
        if ver == n_sel:
            s = inst.site[o]
            opened = st.site_n[s] == 0 and inst.site_cost[s] > 0
            st.add(o)
            cls = indices[indptr[o] : indptr[o + 1]]
            uncov[cls] = 0.0
            n_sel += 1
            if opened:  # cheaper now: re-queue the site's other options with fresh keys
                for q in range(site_starts[s], site_starts[s + 1]):
                    if in_cand[q] and not st.slot_used[inst.slot[q]]:
                        gq = pvec[q] + uncov[indices[indptr[q] : indptr[q + 1]]].sum()
                        if gq > _TOL:
                            heapq.heappush(heap, (-gq / max(st.mcost(q), _TOL), q, n_sel))
            if stop is not None and stop(st):
                return
            continue
        g = pvec[o] + uncov[indices[indptr[o] : indptr[o + 1]]].sum()
        if g > _TOL:
            heapq.heappush(heap, (-g / max(mco, _TOL), o, n_sel))


def _fill_cheapest(st: _State, cand: np.ndarray, need: int) -> None:
    """Add the cheapest options of `cand` (free slots, within budget) until `need` are added."""
    inst = st.inst
    order = cand[np.argsort(inst.cost[cand] + inst.site_cost[inst.site[cand]], kind="stable")]
    for o in order:
        if need <= 0:
            return
        if not st.x[o] and not st.slot_used[inst.slot[o]] and st.mcost(o) <= st.remaining + _TOL:
            st.add(int(o))
            need -= 1


def _greedy_inst(inst: _Inst, start: Sequence[int] = ()) -> np.ndarray:
    """Greedy plan (area minimums first, then CELF, and the best single camera)."""
    st = _State(inst, start)
    all_opts = np.arange(inst.n)
    for a in np.flatnonzero(inst.count_need > 0):
        in_a = np.flatnonzero(inst.opt_area == a)
        need = int(inst.count_need[a])

        def enough(s: _State, a: int = a, need: int = need) -> bool:
            return int(s.x[inst.opt_area == a].sum()) >= need

        if not enough(st):
            _celf(st, in_a, inst.weight, inst.profit, stop=enough)
        _fill_cheapest(st, in_a, need - int(st.x[in_a].sum()))
    for k in range(len(inst.share_need)):
        if inst.share_need[k] <= _TOL:
            continue

        def met(s: _State, k: int = k) -> bool:
            got = inst.share_cls[k][s.count > 0].sum() + inst.share_opt[k][s.x].sum()
            return bool(got >= inst.share_need[k] - 1e-9)

        if not met(st):
            _celf(st, all_opts, inst.share_cls[k], inst.share_opt[k], stop=met)
    _celf(st, all_opts, inst.weight, inst.profit)
    sel = st.selected
    if not start and not inst.has_area_rules and inst.n:
        # Best single camera (Khuller, Moss & Naor): guards greedy against one big option.
        alone = inst.cost + inst.site_cost[inst.site]
        gain = inst.profit + inst.cover @ inst.weight
        fits = alone <= inst.budget + _TOL
        if fits.any():
            best = int(np.flatnonzero(fits)[np.argmax(gain[fits])])
            if gain[best] > inst.value(sel) + _TOL:
                st1 = _State(inst, [best])
                _celf(st1, all_opts, inst.weight, inst.profit)
                sel = st1.selected
    return sel


def _local_search(inst: _Inst, sel: np.ndarray, deadline: float) -> np.ndarray:
    """
    Swap local search, then refill the budget.

    Replace one chosen camera by another (any heading of its own slot, a
    camera overlapping what it alone covered, or one of the best free cameras) when that raises
    coverage within the budget; refill the budget after every pass.
    """
    if inst.n == 0:
        return sel
    st = _State(inst, sel)
    all_opts = np.arange(inst.n)
    area_rules = inst.has_area_rules
    w, profit, cover, cover_t = inst.weight, inst.profit, inst.cover, inst.cover_t
    indptr, indices = cover.indptr, cover.indices
    for _ in range(1000):
        _celf(st, all_opts, w, profit)
        if time.perf_counter() > deadline:
            break
        u = np.where(st.count == 0, w, 0.0)
        g = profit + cover @ u
        free = ~st.slot_used[inst.slot]
        top = np.flatnonzero(free & (g > _TOL))
        top = top[np.argsort(-g[top], kind="stable")[:64]]
        moved = False
        for o_out in st.selected.tolist():
            if time.perf_counter() > deadline:
                break
            if not st.x[o_out]:
                continue
            cls = indices[indptr[o_out] : indptr[o_out + 1]]
            only = cls[st.count[cls] == 1]
            loss = profit[o_out] + w[only].sum()
            # Options that would regain what o_out alone covers, and by how much.
            sub = cover_t[only]
            nb, nb_inv = np.unique(sub.indices, return_inverse=True)
            nb_gain = np.bincount(
                nb_inv, weights=np.repeat(w[only], np.diff(sub.indptr)), minlength=len(nb)
            )
            k_slot = inst.slot[o_out]
            lo = inst.slot_start[k_slot]
            hi = inst.slot_start[k_slot + 1] if k_slot + 1 < len(inst.slot_start) else inst.n
            cands = np.unique(np.concatenate([nb, np.arange(lo, hi), top]))
            cands = cands[(cands != o_out) & ~st.x[cands]]
            cands = cands[free[cands] | (inst.slot[cands] == k_slot)]
            if len(cands) == 0:
                continue
            at = np.minimum(np.searchsorted(nb, cands), max(len(nb) - 1, 0))
            regain = (
                np.where((len(nb) > 0) & (nb[at] == cands), nb_gain[at], 0.0) if len(nb) else 0.0
            )
            gain = g[cands] + regain
            s_out = inst.site[o_out]
            closes = st.site_n[s_out] == 1
            budget2 = st.remaining + inst.cost[o_out] + (inst.site_cost[s_out] if closes else 0.0)
            s_c = inst.site[cands]
            open_after = st.site_n[s_c] - (s_c == s_out) > 0
            mc = inst.cost[cands] + np.where(open_after, 0.0, inst.site_cost[s_c])
            net = gain - loss
            good = (mc <= budget2 + _TOL) & (net > 1e-9 * max(1.0, loss))
            if not good.any():
                continue
            for j in np.flatnonzero(good)[np.argsort(-net[good], kind="stable")][:5]:
                o_in = int(cands[j])
                st.remove(o_out)
                st.add(o_in)
                if area_rules and not inst.area_ok(st.selected):
                    st.remove(o_in)
                    st.add(o_out)
                    continue
                moved = True
                break
            if moved:
                break
        if not moved:
            break
    _celf(st, all_opts, w, profit)
    return st.selected


# --------------------------------------------------------------------------------------------
# Bounds: the Lagrangian subproblem, subgradient, LP relaxation
# --------------------------------------------------------------------------------------------


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
    deadline: float,
    *,
    lam0: np.ndarray | None = None,
    max_iter: int = 3000,
    target_gap: float = 0.0,
) -> _LagrangeState:
    """
    Subgradient optimisation of the Lagrangian dual of the coverage constraints.

    ``L(lambda) = sum_j max(0, w_j - lambda_j) + max { (profit + A lambda) . x }`` over the
    budget, slot and site constraints (LP value, see :func:`_subproblem`). Every evaluated
    ``L`` is a valid upper bound on the reduced objective; the smallest is returned.
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


@contextlib.contextmanager
def _quiet_stdout() -> Iterator[None]:
    """Silence HiGHS's copyright banner, written to fd 1 when the first Highs() is built."""
    try:
        fd = os.dup(1)
    except OSError:
        yield
        return
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            yield
    finally:
        os.dup2(fd, 1)
        os.close(fd)


def _highs(*, time_limit_s: float, seed: int, verbose: bool) -> Any:
    import highspy

    with _quiet_stdout():
        h = highspy.Highs()
    h.setOptionValue("output_flag", bool(verbose))
    h.setOptionValue("time_limit", float(max(time_limit_s, 0.01)))
    h.setOptionValue("random_seed", int(seed))
    h.setOptionValue("threads", 2)
    return h


def _run(h: Any) -> None:
    """Run HiGHS; if another caller in this process fixed a different thread count, reset it."""
    import highspy

    if (
        h.run() == highspy.HighsStatus.kError
        and h.getModelStatus() == highspy.HighsModelStatus.kNotset
    ):
        highspy.Highs.resetGlobalScheduler(True)
        h.run()


def _model_arrays(inst: _Inst, *, with_area_rules: bool) -> dict[str, Any]:
    """
    The MILP in sparse row form.

    Columns: x (options), y (multi-slot sites with a shared cost), z (demand classes). Rows:
    coverage, budget, slot/site links, per-area minimums.
    """
    n, m = inst.n, inst.m
    ysites = np.flatnonzero(inst.site_cost > 0)
    ycol = np.full(len(inst.site_cost), -1, dtype=np.int64)
    ycol[ysites] = n + np.arange(len(ysites))
    ny = len(ysites)
    ncol = n + ny + m
    blocks, lo, hi = [], [], []
    # z_j - sum_{o covers j} x_o <= 0
    cov = sp.hstack(
        [-inst.cover_t, sp.csr_matrix((m, ny)), sp.identity(m, format="csr")], format="csr"
    )
    blocks.append(cov)
    lo.append(np.full(m, -np.inf))
    hi.append(np.zeros(m))
    # budget
    # Budget row in units of the mean option cost: HiGHS warns of (and suffers from) SEK-sized
    # coefficients next to the 0/1 coverage rows.
    unit = float(inst.cost[inst.cost > 0].mean()) if (inst.cost > 0).any() else 1.0
    brow = np.r_[inst.cost, inst.site_cost[ysites], np.zeros(m)] / unit
    blocks.append(sp.csr_matrix(brow[None, :]))
    lo.append([-np.inf])
    hi.append([inst.budget / unit])
    # sum_{o in slot} x_o <= y_site (or <= 1 when the site has no shared cost)
    n_slot = len(inst.slot_start)
    slot_rows = sp.csr_matrix((np.ones(n), (inst.slot, np.arange(n))), shape=(n_slot, ncol))
    ys = ycol[inst.slot_site]
    has_y = ys >= 0
    link = sp.csr_matrix(
        (-np.ones(int(has_y.sum())), (np.flatnonzero(has_y), ys[has_y])), shape=(n_slot, ncol)
    )
    sizes = np.diff(np.r_[inst.slot_start, n])
    need_row = has_y | (sizes > 1)
    blocks.append((slot_rows + link)[need_row])
    lo.append(np.full(int(need_row.sum()), -np.inf))
    hi.append(np.where(has_y[need_row], 0.0, 1.0))
    if with_area_rules:
        for a in np.flatnonzero(inst.count_need > 0):
            row = np.r_[(inst.opt_area == a).astype(float), np.zeros(ny + m)]
            blocks.append(sp.csr_matrix(row[None, :]))
            lo.append([float(inst.count_need[a])])
            hi.append([np.inf])
        for k in np.flatnonzero(inst.share_need > _TOL):
            row = np.r_[inst.share_opt[k], np.zeros(ny), inst.share_cls[k]]
            blocks.append(sp.csr_matrix(row[None, :]))
            lo.append([float(inst.share_need[k])])
            hi.append([np.inf])
    a = sp.vstack(blocks, format="csr")
    a.eliminate_zeros()
    return {
        "ncol": ncol,
        "ny": ny,
        "ysites": ysites,
        "a": a,
        "row_lo": np.concatenate([np.asarray(v, float) for v in lo]),
        "row_hi": np.concatenate([np.asarray(v, float) for v in hi]),
        "obj": np.r_[inst.profit, np.zeros(ny), inst.weight],
        "col_hi": np.ones(ncol),
        "integer": np.r_[np.ones(n + ny, dtype=np.int32), np.zeros(m, dtype=np.int32)],
        "budget_row": m,
        "unit": unit,
    }


def _pass_model(h: Any, arrays: dict[str, Any], *, integer: bool) -> None:
    import highspy

    a = arrays["a"]
    status = h.passModel(
        int(arrays["ncol"]),
        int(a.shape[0]),
        int(a.nnz),
        int(highspy.MatrixFormat.kRowwise),
        int(highspy.ObjSense.kMaximize),
        0.0,
        arrays["obj"],
        np.zeros(arrays["ncol"]),
        arrays["col_hi"],
        arrays["row_lo"],
        arrays["row_hi"],
        a.indptr.astype(np.int32),
        a.indices.astype(np.int32),
        a.data.astype(float),
        arrays["integer"] if integer else np.zeros(arrays["ncol"], dtype=np.int32),
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


def _milp(
    inst: _Inst,
    start: np.ndarray | None,
    *,
    time_limit_s: float,
    mip_gap: float,
    seed: int,
    verbose: bool,
    presolve: bool = True,
) -> _MilpOut:
    """
    Solve the reduced MILP with HiGHS, warm-started from `start`.

    ``presolve=False`` for instances already cut down by reduced-cost fixing: HiGHS's presolve
    finds little there and costs time (the proof at spopt's scale: 3.4 s without, 5.7 s with).
    """
    import highspy

    t0 = time.perf_counter()
    if inst.n == 0:
        return _MilpOut("optimal", np.zeros(0, dtype=int), 0.0, 0.0)
    arrays = _model_arrays(inst, with_area_rules=True)
    h = _highs(time_limit_s=time_limit_s, seed=seed, verbose=verbose)
    h.setOptionValue("mip_rel_gap", float(mip_gap))
    if not presolve:
        h.setOptionValue("presolve", "off")
    _pass_model(h, arrays, integer=True)
    if start is not None and len(start):
        col = np.zeros(arrays["ncol"])
        col[start] = 1.0
        ny = arrays["ny"]
        open_sites = np.zeros(len(inst.site_cost), dtype=bool)
        open_sites[inst.site[start]] = True
        col[inst.n : inst.n + ny] = open_sites[arrays["ysites"]]
        cnt = np.asarray(inst.cover[start].sum(axis=0)).ravel()
        col[inst.n + ny :] = np.minimum(cnt, 1.0)
        h.setSolution(arrays["ncol"], np.arange(arrays["ncol"], dtype=np.int32), col)
    _run(h)
    ms = h.getModelStatus()
    info = h.getInfo()
    M = highspy.HighsModelStatus
    if ms == M.kInfeasible:
        return _MilpOut("infeasible", None, -math.inf, time.perf_counter() - t0)
    status = {
        M.kOptimal: "optimal",
        M.kTimeLimit: "time_limit",
        M.kInterrupt: "interrupted",
        M.kMemoryLimit: "memory_limit",
        M.kIterationLimit: "iteration_limit",
        M.kSolutionLimit: "solution_limit",
    }.get(ms)
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
    return _MilpOut(status, sel, bound, time.perf_counter() - t0)


@dataclass(frozen=True)
class _LpOut:
    lam: np.ndarray  # coverage-row duals, clipped to [0, w]
    x: np.ndarray | None  # option values when HiGHS reports the LP optimal
    seconds: float


def _lp_relax(
    inst: _Inst, *, time_limit_s: float, seed: int, verbose: bool, solver: LpSolver = "fastest"
) -> _LpOut | None:
    """
    The LP relaxation by HiGHS; its coverage duals (and values, if optimal), or None.

    ``solver="fastest"`` runs the dual simplex and the interior point (crossover off) side by
    side and keeps the first to finish: which one wins depends on the instance (measured on the
    benchmark instances: simplex 0.2 s vs interior point 2.3 s at priority-area scale, 6.5 s vs
    91 s at town scale, but 33 s vs 1.8 s at spopt's scale, where each demand point is seen by
    about 20 options). The likelier winner (interior point when coverage rows are dense) starts
    first, the other a little later, so an easy LP is not slowed by the race. Either way the
    duals are re-evaluated as Lagrangian multipliers, so an early stop still gives a valid
    bound. Area minimums are left out: the LP only bounds from above.
    """
    import highspy

    t0 = time.perf_counter()
    if inst.n == 0 or inst.m == 0:
        return None
    arrays = _model_arrays(inst, with_area_rules=False)
    if solver == "fastest":
        dense = inst.cover.nnz >= 10 * inst.m  # options per demand class
        names = ["ipm", "simplex"] if dense else ["simplex", "ipm"]
    else:
        names = [solver]
    runs = []
    for name in names:
        h = _highs(time_limit_s=time_limit_s, seed=seed, verbose=verbose)
        h.setOptionValue("solver", name)
        h.setOptionValue("run_crossover", "off")
        _pass_model(h, arrays, integer=False)
        runs.append(h)
    optimal = highspy.HighsModelStatus.kOptimal
    if len(runs) == 1:
        _run(runs[0])
        done = runs[0]
    else:
        # HiGHS releases the GIL while it solves; the loser is interrupted by a callback.
        delay = min(2.0, 0.1 * time_limit_s)
        for h in runs:
            h.HandleUserInterrupt = True
            h.setOptionValue(
                "time_limit", float(max(time_limit_s - (delay if h is runs[1] else 0.0), 0.01))
            )
        threads = [threading.Thread(target=h.run, daemon=True) for h in runs]
        first, second = threads
        first.start()
        done = None
        while done is None:
            if second.ident is None and (time.perf_counter() - t0 >= delay or not first.is_alive()):
                second.start()  # after the delay, or at once if the first stopped short
            running = False
            for h, th in zip(runs, threads, strict=True):
                if th.ident is None:
                    continue
                th.join(0.01)
                if th.is_alive():
                    running = True
                elif h.getModelStatus() == optimal:
                    done = h
                    break
            if done is None and not running and second.ident is not None:
                break
        for h, th in zip(runs, threads, strict=True):
            if th.ident is None:
                continue
            if h is not done:
                h.cancelSolve()
            th.join()
        if done is None:  # neither finished: keep any with duals
            started = [h for h, th in zip(runs, threads, strict=True) if th.ident is not None]
            done = next((h for h in started if h.getSolution().dual_valid), started[0])
    return _lp_out(done, inst, t0, time_limit_s)


def _lp_out(h: Any, inst: _Inst, t0: float, time_limit_s: float) -> _LpOut | None:
    """Coverage duals (and values if optimal) of a solved LP."""
    import highspy

    sol = h.getSolution()
    status = h.getModelStatus()
    log.debug(
        "LP relaxation (%s): %s in %.2f s (limit %.1f s)",
        h.getOptionValue("solver")[1],
        h.modelStatusToString(status),
        time.perf_counter() - t0,
        time_limit_s,
    )
    if not sol.dual_valid:
        return None
    # A maximisation's <= rows have duals >= 0 in HiGHS; clip any noise.
    lam = np.clip(np.asarray(sol.row_dual[: inst.m]), 0.0, inst.weight)
    optimal = status == highspy.HighsModelStatus.kOptimal and sol.value_valid
    x = np.asarray(sol.col_value[: inst.n]) if optimal else None
    return _LpOut(lam, x, time.perf_counter() - t0)


class _LpSweep:
    """
    One LP model re-solved for several budgets.

    Only the budget row changes, so the dual simplex restarts from the last basis and each
    re-solve takes a few pivots.
    """

    def __init__(self, inst: _Inst, *, seed: int, verbose: bool) -> None:
        self.inst = inst
        self.arrays = _model_arrays(inst, with_area_rules=False) if inst.n and inst.m else None
        self.h = None
        if self.arrays is not None:
            self.h = _highs(time_limit_s=60.0, seed=seed, verbose=verbose)
            self.h.setOptionValue("solver", "simplex")
            _pass_model(self.h, self.arrays, integer=False)

    def solve(self, budget: float, time_limit_s: float) -> _LpOut | None:
        if self.h is None or self.arrays is None:
            return None
        t0 = time.perf_counter()
        self.h.setOptionValue("time_limit", float(max(time_limit_s, 0.01)))
        self.h.changeRowBounds(
            int(self.arrays["budget_row"]), -np.inf, float(budget / self.arrays["unit"])
        )
        _run(self.h)
        return _lp_out(self.h, self.inst, t0, time_limit_s)


# --------------------------------------------------------------------------------------------
# The engine shared by CameraPlacement and budget_frontier
# --------------------------------------------------------------------------------------------


@dataclass
class _Outcome:
    sel: np.ndarray  # reduced option indices
    value: float  # reduced objective
    bound: float  # reduced upper bound
    greedy_value: float
    status: str
    method: str
    lam: np.ndarray | None


def _solve_inst(
    inst: _Inst,
    *,
    method: Method,
    time_limit_s: float,
    mip_gap: float,
    seed: int,
    verbose: bool,
    start: np.ndarray | None = None,
    lam0: np.ndarray | None = None,
    sweep: _LpSweep | None = None,
) -> _Outcome:
    """Greedy, local search, bound and (if it pays) MILPs on a reduced instance."""
    t0 = time.perf_counter()
    limit = time_limit_s
    deadline = t0 + limit

    def left() -> float:
        return deadline - time.perf_counter()

    sel = _greedy_inst(inst)
    greedy_value = inst.value(sel)
    if start is not None and len(start):
        # A plan for a smaller budget stays feasible: extend it and keep the better start.
        st = _State(inst, start)
        _celf(st, np.arange(inst.n), inst.weight, inst.profit)
        if inst.value(st.selected) > greedy_value and inst.area_ok(st.selected):
            sel = st.selected
    sel = _local_search(inst, sel, t0 + (0.25 if method == "greedy" else 0.1) * limit)
    feasible = inst.area_ok(sel)
    if not feasible and method == "greedy":
        msg = (
            f"The greedy plan cannot meet the per-area minimums ({_needs(inst)}) within the "
            "budget; use method='milp' to decide whether any plan can."
        )
        raise InfeasibleError(msg)
    value = inst.value(sel) if feasible else -math.inf

    if method == "milp" or (not feasible and inst.n + inst.cover.nnz <= 4 * _MILP_MAX_SIZE):
        out = _milp(
            inst,
            sel if feasible else None,
            time_limit_s=max(left(), 0.5),
            mip_gap=mip_gap,
            seed=seed,
            verbose=verbose,
        )
        if out.status == "infeasible":
            _raise_area_infeasible(inst)
        sel, value = _better(inst, out.sel, sel, value)
        if not np.isfinite(value):
            msg = (
                "HiGHS found no plan meeting the per-area minimums within the time limit; "
                "raise time_limit_s."
            )
            raise InfeasibleError(msg)
        bound = max(out.bound, value)
        return _Outcome(
            sel, value, bound, greedy_value, _status(value, bound, mip_gap, deadline), "milp", None
        )
    if not feasible:
        msg = (
            f"The greedy plan cannot meet the per-area minimums ({_needs(inst)}) and the instance "
            "is too large for the MILP; lower the minimums or raise budget.total_sek."
        )
        raise InfeasibleError(msg)

    # 1. Bound. Up to a size: the LP relaxation (exact LP bound, and its support guides step 2).
    # Larger, or if the LP stops short: the Lagrangian subgradient, whose averaged subproblem
    # choices play the LP's part.
    steps = ["greedy"]
    bound_end = t0 + (0.45 if method == "auto" else 1.0) * limit
    lam = 0.5 * inst.weight if lam0 is None else lam0
    ub, mu = _eval_lagrangian(inst, lam) if inst.n else (0.0, 0.0)
    hint = None
    tag = "lagrangian"
    if inst.m and ub - value > mip_gap * ub:
        if inst.cover.nnz <= _LP_MAX_NNZ:
            lp_limit = max(bound_end - time.perf_counter() - 0.1 * limit, 0.1)
            if sweep is not None:
                lp = sweep.solve(inst.budget, lp_limit)
            else:
                lp = _lp_relax(inst, time_limit_s=lp_limit, seed=seed, verbose=verbose)
            if lp is not None:
                ub_lp, mu_lp = _eval_lagrangian(inst, lp.lam)
                if ub_lp < ub:
                    ub, mu, lam, tag = ub_lp, mu_lp, lp.lam, "lp"
                hint = lp.x
        if hint is None and ub - value > mip_gap * ub:
            lg = _lagrangian(inst, max(value, 0.0), bound_end, lam0=lam, target_gap=mip_gap * 0.5)
            if lg.bound < ub:
                ub, mu, lam, tag = lg.bound, lg.mu, lg.lam, "lagrangian"
            hint = lg.usage
    steps.append(tag)
    if method == "greedy" or ub - value <= mip_gap * ub:
        return _Outcome(
            sel,
            value,
            max(ub, value),
            greedy_value,
            _status(value, ub, mip_gap, deadline),
            "+".join(steps),
            lam,
        )

    # 2. A MILP over the options the relaxation uses, the greedy plan, and as many again of the
    # options that look best when forced in (by the bound): a better plan, fast.
    if hint is not None and left() > 0.05 * limit:
        support = hint > 1e-2
        support[sel] = True
        k = min(inst.n, 2 * int(support.sum()) + 50)
        support[np.argsort(-_forced_bounds(inst, lam, mu), kind="stable")[:k]] = True
        small = _restrict(inst, support)
        if small.n + small.cover.nnz <= _MILP_MAX_SIZE:
            out = _milp(
                small,
                _positions(small, inst, sel),
                time_limit_s=min(0.15 * limit, left()),
                mip_gap=mip_gap * 0.25,
                seed=seed,
                verbose=verbose,
                presolve=False,
            )
            if out.sel is not None:
                sel, value = _better(inst, _positions(inst, small, out.sel), sel, value)
            steps.append("rins")

    # 3. Reduced-cost fixing, then a MILP over what is left: the proof.
    if ub - value > mip_gap * ub and left() > 0.05 * limit:
        keep = _fix_by_reduced_cost(inst, lam, mu, value)
        keep[sel] = True
        small = _restrict(inst, keep) if not keep.all() else inst
        log.debug(
            "reduced-cost fixing kept %d of %d options (%d nonzeros)",
            small.n,
            inst.n,
            small.cover.nnz,
        )
        if small.n + small.cover.nnz <= _MILP_MAX_SIZE:
            out = _milp(
                small,
                _positions(small, inst, sel),
                time_limit_s=left(),
                mip_gap=mip_gap,
                seed=seed,
                verbose=verbose,
                presolve=small is inst,
            )
            steps.append("milp")
            # `sel` is feasible there, so "infeasible" would be a numerical glitch: no claim then.
            if out.status != "infeasible":
                sel, value = _better(
                    inst,
                    _positions(inst, small, out.sel) if out.sel is not None else None,
                    sel,
                    value,
                )
                # Every plan better than `value` lies in the restricted instance.
                ub = min(ub, max(out.bound, value))
    ub = max(ub, value)
    return _Outcome(
        sel, value, ub, greedy_value, _status(value, ub, mip_gap, deadline), "+".join(steps), lam
    )


def _positions(target: _Inst, source: _Inst, sel: np.ndarray) -> np.ndarray:
    """Indices in `target` of the options `sel` of `source` (matched by problem row)."""
    return np.flatnonzero(np.isin(target.opt_pos, source.opt_pos[sel]))


def _better(
    inst: _Inst, cand: np.ndarray | None, sel: np.ndarray, value: float
) -> tuple[np.ndarray, float]:
    """The better of two plans; `cand` only if it is feasible."""
    if cand is None:
        return sel, value
    v = inst.value(cand)
    if v > value + 1e-9 and inst.spend(cand) <= inst.budget + 1e-6 and inst.area_ok(cand):
        return cand, v
    return sel, value


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


def _status(value: float, bound: float, mip_gap: float, deadline: float) -> str:
    gap = (bound - value) / bound if bound > 0 else 0.0
    if gap <= 1e-6:
        return "optimal"
    if gap <= mip_gap:
        return "gap_limit"
    return "time_limit" if time.perf_counter() >= deadline - 0.05 else "heuristic"


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


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
        Wall-clock limit for the whole solve, in seconds.
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
        ``"optimal"``, ``"gap_limit"`` (within `mip_gap`), ``"time_limit"`` or ``"heuristic"``.
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
    def from_scenario(cls, scenario: Any) -> CameraPlacement:
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
        t0 = time.perf_counter()
        red = _reduce(
            problem,
            float(self.budget_sek),
            stop_area_only=self.stop_area_only,
            min_cameras_per_area=self.min_cameras_per_area,
            min_share_per_area=self.min_share_per_area,
        )
        remaining = max(self.time_limit_s - (time.perf_counter() - t0), 0.1 * self.time_limit_s)
        out = _solve_inst(
            red.inst,
            method=self.method,
            time_limit_s=remaining,
            mip_gap=self.mip_gap,
            seed=self.seed,
            verbose=self.verbose,
        )
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
        pos = np.sort(np.r_[red.fixed_pos, red.inst.opt_pos[out.sel]]).astype(int)
        cover = problem.coverage
        covered = (
            np.asarray(cover[pos].sum(axis=0)).ravel() > 0
            if len(pos)
            else np.zeros(cover.shape[1], bool)
        )
        w = problem.weights
        objective = float(w[covered].sum())
        site = problem.site_index[pos]
        cost = float(
            problem.option_cost_sek[pos].sum() + problem.site_cost_sek[np.unique(site)].sum()
        )
        bound = max(red.constant + out.bound * (1 + 1e-9) + 1e-9, objective)
        self.selected_ = sorted(problem.options.index[pos].tolist())
        self.sites_ = sorted(problem.sites.index[np.unique(site)].tolist())
        self.objective_ = objective
        self.bound_ = float(bound)
        self.gap_ = float((bound - objective) / bound) if bound > 0 else 0.0
        self.status_ = out.status
        self.method_ = out.method
        self.seconds_ = float(seconds)
        self.cost_sek_ = cost
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
    time_limit_s
        Limit for the local search, in seconds.

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
        sel = _local_search(inst, sel, t0 + time_limit_s)
    pos = np.sort(np.r_[red.fixed_pos, inst.opt_pos[sel]]).astype(int)
    site = problem.site_index[pos]
    cost = float(problem.option_cost_sek[pos].sum() + problem.site_cost_sek[np.unique(site)].sum())
    obj = red.constant + inst.value(sel)
    return GreedyResult(
        sorted(problem.options.index[pos].tolist()),
        float(obj),
        cost,
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
        Time limit in seconds.
    max_iter
        Maximum number of subgradient iterations.
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
    lg = _lagrangian(inst, max(lower, 0.0), t0 + time_limit_s, max_iter=max_iter)
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
        Time limit for HiGHS, in seconds.
    solver
        ``"fastest"`` (dual simplex and interior point side by side, the first to finish
        wins), ``"simplex"`` or ``"ipm"`` (interior point, crossover off).
    stop_area_only
        As in :class:`CameraPlacement`.
    seed
        HiGHS random seed.

    Returns
    -------
    result
        The bound (original scale). If HiGHS returns no duals, the multipliers are zero and
        the bound is the knapsack bound on all reachable demand weight.
    """
    _check_params(budget_sek, "greedy", time_limit_s, 0.0)
    t0 = time.perf_counter()
    red = _reduce(problem, float(budget_sek), stop_area_only=stop_area_only)
    inst = red.inst
    lp = _lp_relax(inst, time_limit_s=time_limit_s, seed=seed, verbose=False, solver=solver)
    lam = lp.lam if lp is not None else np.zeros(inst.m)
    value, _ = _eval_lagrangian(inst, lam)
    bound = red.constant + value * (1 + 1e-9) + 1e-9
    return BoundResult(float(bound), f"lp-{solver}", time.perf_counter() - t0, 0)


def budget_frontier(
    problem: PlacementProblem,
    budgets_sek: Sequence[float],
    *,
    method: Method = "auto",
    time_limit_s: float = 10.0,
    mip_gap: float = 1e-3,
    stop_area_only: bool = False,
    min_cameras_per_area: Mapping[str, int] | None = None,
    min_share_per_area: Mapping[str, float] | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """
    The coverage-vs-budget frontier and the marginal coverage per extra krona.

    The instance is reduced once (at the largest budget). Budgets are solved in increasing
    order; each plan starts from the previous one (still feasible with more money) and the
    bound's multipliers are carried over, so the objective never falls as the budget grows.
    A bound proven for a larger budget also holds for a smaller one, so bounds are made
    non-decreasing the same way.

    Parameters
    ----------
    problem
        The placement problem.
    budgets_sek
        Budgets in SEK.
    method
        As in :class:`CameraPlacement`.
    time_limit_s
        Total time for the whole frontier (the reduction included), shared between the budgets.
    mip_gap, stop_area_only, min_cameras_per_area, min_share_per_area, seed
        As in :class:`CameraPlacement`.

    Returns
    -------
    frontier
        One row per budget (ascending): ``budget_sek``, ``objective``, ``bound``, ``gap``,
        ``cost_sek``, ``n_cameras``, ``coverage_share`` (of the total demand weight),
        ``marginal_per_sek`` (extra covered weight per extra krona since the previous row; NaN
        on the first), ``status`` and ``method``. Budgets below the cheapest camera get status
        ``"infeasible"`` and NaN values.
    """
    budgets = sorted(float(b) for b in budgets_sek)
    if not budgets:
        msg = "budgets_sek is empty; give at least one budget in SEK."
        raise InputError(msg)
    for b in budgets:
        _check_params(b, method, time_limit_s, mip_gap)
    t0 = time.perf_counter()
    red = _reduce(
        problem,
        budgets[-1],
        stop_area_only=stop_area_only,
        min_cameras_per_area=min_cameras_per_area,
        min_share_per_area=min_share_per_area,
    )
    total_w = float(problem.weights.sum())
    sweep = _LpSweep(red.inst, seed=seed, verbose=False) if method != "milp" else None
    rows = []
    infeasible = {
        "objective": np.nan,
        "bound": np.nan,
        "gap": np.nan,
        "cost_sek": np.nan,
        "n_cameras": 0,
        "status": "infeasible",
        "method": "",
    }
    prev_sel: np.ndarray | None = None
    lam = None
    for b in budgets:
        row: dict[str, Any] = {"budget_sek": b}
        no_camera = len(red.fixed_pos) == 0 and red.cheapest_sek > b + _TOL
        if b < red.fixed_cost - _TOL or no_camera:
            rows.append({**row, **infeasible})
            continue
        inst = replace(red.inst, budget=b - red.fixed_cost)
        # What is left of the time limit, shared by the budgets still to solve.
        per = max(time_limit_s - (time.perf_counter() - t0), 0.0) / (len(budgets) - len(rows))
        try:
            out = _solve_inst(
                inst,
                method=method,
                time_limit_s=max(per, 0.05),
                mip_gap=mip_gap,
                seed=seed,
                verbose=False,
                start=prev_sel,
                lam0=lam,
                sweep=sweep,
            )
        except InfeasibleError:
            rows.append({**row, **infeasible})
            continue
        sel = out.sel
        if prev_sel is not None and inst.value(prev_sel) > out.value:
            sel = prev_sel
        prev_sel, lam = sel, out.lam if out.lam is not None else lam
        pos = np.sort(np.r_[red.fixed_pos, inst.opt_pos[sel]]).astype(int)
        site = problem.site_index[pos]
        row.update(
            objective=red.constant + inst.value(sel),
            bound=red.constant + out.bound * (1 + 1e-9) + 1e-9,
            cost_sek=float(
                problem.option_cost_sek[pos].sum() + problem.site_cost_sek[np.unique(site)].sum()
            ),
            n_cameras=len(pos),
            status=out.status,
            method=out.method,
        )
        rows.append(row)
    df = pd.DataFrame(rows)
    # A bound for a larger budget holds for a smaller one: take the running minimum from the top.
    df["bound"] = df["bound"][::-1].cummin()[::-1]
    df["bound"] = np.fmax(df["bound"], df["objective"])
    df["gap"] = (df["bound"] - df["objective"]) / df["bound"]
    df.loc[df["gap"] <= mip_gap, "status"] = "gap_limit"
    df.loc[df["gap"] <= 1e-6, "status"] = "optimal"
    df["coverage_share"] = df["objective"] / total_w if total_w > 0 else np.nan
    df["marginal_per_sek"] = df["objective"].diff() / df["budget_sek"].diff()
    df = df[
        [
            "budget_sek",
            "objective",
            "bound",
            "gap",
            "cost_sek",
            "n_cameras",
            "coverage_share",
            "marginal_per_sek",
            "status",
            "method",
        ]
    ]
    log.info(
        "budget frontier: %d budgets from %.0f to %.0f SEK in %.1f s",
        len(df),
        budgets[0],
        budgets[-1],
        time.perf_counter() - t0,
    )
    return df
