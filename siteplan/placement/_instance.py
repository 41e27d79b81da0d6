"""
The reduced placement instance and the reduction that builds it.

Drop excluded, filtered and unaffordable options; take the fixed cameras out (their cost comes
off the budget, the demand they see is counted once); merge demand points covered by the same
set of options (weights summed); drop options dominated by another heading in the same slot;
fold demand seen by a single option into that option's profit; fold the site cost into the
option cost where a site has only one camera slot, and a site's paperwork into its shared
cost where every option there needs it (into the option cost where the site has one slot).
What is left is a second shared cost only at multi-slot sites that mix exempt options with
options needing paperwork.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from siteplan.errors import InfeasibleError, InputError
from siteplan.problem import PlacementProblem

log = logging.getLogger(__name__)

_TOL = 1e-9


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
    paper: np.ndarray  # per option: True if it needs its site's paperwork (not yet folded)
    site_paper: np.ndarray  # per site: paperwork still to pay (0 once folded or paid)
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
        sel = np.asarray(sel, dtype=np.int64)
        paper_sites = np.unique(self.site[sel][self.paper[sel]])
        return float(
            self.cost[sel].sum()
            + self.site_cost[np.unique(self.site[sel])].sum()
            + self.site_paper[paper_sites].sum()
        )

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
    paper: np.ndarray,
) -> np.ndarray:
    """
    Options dominated by another option in the same slot.

    ``o`` is dominated by ``o'`` when ``o'`` covers every class ``o`` covers, costs no more
    (and needs the site's paperwork only if ``o`` does),
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
    keep &= paper[r] | ~paper[c]
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


@dataclass
class _Parts:
    """The arrays of an instance being compressed; options in any order."""

    cover: sp.csr_matrix  # options x demand classes
    weight: np.ndarray  # per class
    share_cls: np.ndarray  # (n_share, classes)
    profit: np.ndarray  # per option
    share_opt: np.ndarray  # (n_share, options)
    cost: np.ndarray
    site: np.ndarray
    site_cost: np.ndarray  # per site (original site codes)
    paper: np.ndarray  # per option: needs its site's paperwork
    site_paper: np.ndarray  # per site (original site codes): paperwork still to pay
    slot: np.ndarray
    opt_pos: np.ndarray
    opt_area: np.ndarray
    area_names: tuple[str, ...]
    count_need: np.ndarray
    share_need: np.ndarray
    share_names: tuple[str, ...]
    budget: float

    def keep_options(self, k: np.ndarray) -> None:
        """Keep the options where the mask or index array `k` says so."""
        self.cover, self.profit, self.cost = self.cover[k], self.profit[k], self.cost[k]
        self.site, self.slot, self.paper = self.site[k], self.slot[k], self.paper[k]
        self.opt_pos, self.opt_area = self.opt_pos[k], self.opt_area[k]
        self.share_opt = self.share_opt[:, k]

    def keep_classes(self, cols: np.ndarray) -> None:
        """Keep the demand classes (columns) `cols`."""
        self.cover = self.cover[:, cols].tocsr()
        self.weight, self.share_cls = self.weight[cols], self.share_cls[:, cols]


def _merge_and_drop(p: _Parts, keep_area: np.ndarray, drop_dominated: bool) -> np.ndarray:
    """Merge identical demand columns and drop dominated options, twice; return `keep_area`."""
    counted = p.count_need > 0
    for _ in range(2):  # dominance can make more columns identical: merge twice
        cls_of, rep = _merge_columns(p.cover)
        live = cls_of >= 0
        p.weight = np.bincount(cls_of[live], weights=p.weight[live], minlength=len(rep))
        if p.share_cls.shape[0]:
            p.share_cls = np.stack(
                [
                    np.bincount(cls_of[live], weights=s[live], minlength=len(rep))
                    for s in p.share_cls
                ]
            )
        else:
            p.share_cls = np.zeros((0, len(rep)))
        p.cover = p.cover[:, rep].tocsr()
        if not drop_dominated:
            break
        area = p.opt_area if counted.any() else None
        drop = _dominated(p.cover, p.cost, p.profit, p.slot, area, len(p.share_need) > 0, p.paper)
        drop &= ~keep_area
        if not drop.any():
            break
        p.keep_options(~drop)
        keep_area = keep_area[~drop]
    return keep_area


def _fold_single(p: _Parts) -> None:
    """Demand seen by one option only: its weight becomes that option's profit."""
    p.cover.sum_duplicates()
    cols = p.cover.T.tocsr()
    deg = np.diff(cols.indptr)
    single = np.flatnonzero(deg == 1)
    owner = cols.indices[cols.indptr[single]]
    n = len(p.profit)
    p.profit = p.profit + np.bincount(owner, weights=p.weight[single], minlength=n)
    if p.share_opt.shape[0]:
        p.share_opt = p.share_opt + np.stack(
            [np.bincount(owner, weights=s[single], minlength=n) for s in p.share_cls]
        )
    p.keep_classes(np.flatnonzero(deg >= 2))


def _drop_useless(p: _Parts, keep_area: np.ndarray) -> None:
    """Drop options that cover nothing, have no profit and count for no area minimum."""
    useful = (np.diff(p.cover.indptr) > 0) | (p.profit > _TOL) | keep_area
    if useful.all():
        return
    p.keep_options(useful)
    cols_deg = np.diff(p.cover.tocsc().indptr)
    p.keep_classes(np.flatnonzero(cols_deg > 0))


def _fold_paperwork(
    p: _Parts, site_u: np.ndarray, site_code: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """
    Per used site: (shared cost, per option paperwork flag, paperwork still to pay).

    Where every option of a site needs the paperwork, it is paid exactly when the site opens:
    it joins the shared cost. Where none does, it is never paid.
    """
    site_cost = p.site_cost[site_u].astype(float)
    site_paper = p.site_paper[site_u].astype(float)
    n_opt = np.bincount(site_code, minlength=len(site_u))
    n_paper = np.bincount(site_code, weights=p.paper.astype(float), minlength=len(site_u))
    every = n_paper == n_opt
    site_cost = site_cost + np.where(every, site_paper, 0.0)
    site_paper = np.where(every | (n_paper == 0), 0.0, site_paper)
    return site_cost, p.paper & (site_paper[site_code] > 0), site_paper


def _sorted_inst(p: _Parts) -> _Inst:
    """Renumber sites and slots, fold single-slot site costs, sort options by (site, slot)."""
    site_u, site_code = np.unique(p.site, return_inverse=True)
    site_cost, paper, site_paper = _fold_paperwork(p, site_u, site_code)
    slot_code = np.unique(p.slot, return_inverse=True)[1]
    n_slot_site = np.bincount(
        site_code[np.unique(slot_code, return_index=True)[1]], minlength=len(site_u)
    )
    # One slot: at most one camera, so the site's costs are that camera's.
    fold = n_slot_site == 1
    cost = p.cost + np.where(fold[site_code], site_cost[site_code], 0.0)
    cost = cost + np.where(fold[site_code] & paper, site_paper[site_code], 0.0)
    site_cost = np.where(fold, 0.0, site_cost)
    site_paper = np.where(fold, 0.0, site_paper)
    paper = paper & (site_paper[site_code] > 0)
    order = np.lexsort((np.arange(len(cost)), slot_code, site_code))
    cover = p.cover[order].tocsr()
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
        weight=np.asarray(p.weight, dtype=float),
        profit=p.profit[order],
        cost=cost[order],
        site=site_final,
        site_cost=site_cost[used_sites],
        paper=paper[order],
        site_paper=site_paper[used_sites],
        slot=slot_code,
        slot_start=slot_start,
        slot_site=site_final[slot_start] if len(slot_start) else np.zeros(0, int),
        site_slot_start=site_slot_start,
        budget=float(p.budget),
        opt_pos=p.opt_pos[order],
        opt_area=p.opt_area[order],
        area_names=p.area_names,
        count_need=p.count_need,
        share_cls=p.share_cls,
        share_opt=p.share_opt[:, order],
        share_need=p.share_need,
        share_names=p.share_names,
    )


def _compress(p: _Parts, *, drop_dominated: bool = True) -> _Inst:
    """Merge classes, drop dominated options, fold single-cover classes and sites; sort."""
    counted = p.count_need > 0
    if counted.any():
        keep_area = counted[p.opt_area] & (p.opt_area >= 0)
    else:
        keep_area = np.zeros(len(p.cost), dtype=bool)
    keep_area = _merge_and_drop(p, keep_area, drop_dominated)
    _fold_single(p)
    _drop_useless(p, keep_area)
    return _sorted_inst(p)


def _restrict(inst: _Inst, keep: np.ndarray) -> _Inst:
    """The instance with only the options in `keep` (a mask), compressed again."""
    k = np.asarray(keep, dtype=bool)
    return _compress(
        _Parts(
            cover=inst.cover[k].tocsr(),
            weight=inst.weight,
            share_cls=inst.share_cls,
            profit=inst.profit[k],
            share_opt=inst.share_opt[:, k],
            cost=inst.cost[k],
            site=inst.site[k],
            site_cost=inst.site_cost,
            paper=inst.paper[k],
            site_paper=inst.site_paper,
            slot=inst.slot[k],
            opt_pos=inst.opt_pos[k],
            opt_area=inst.opt_area[k],
            area_names=inst.area_names,
            count_need=inst.count_need,
            share_need=inst.share_need,
            share_names=inst.share_names,
            budget=inst.budget,
        )
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


def _check_numbers(problem: PlacementProblem) -> None:
    """Raise if demand weights or costs are negative or missing."""
    weight = problem.weights
    if not np.isfinite(weight).all() or (weight < 0).any():
        bad = int((~np.isfinite(weight) | (weight < 0)).sum())
        msg = (
            f"demand column 'weight' has {bad} negative or missing values; weights must be "
            f">= 0. Fix the demand layer (or the scoring step that built it)."
        )
        raise InputError(msg)
    cost, site_cost = problem.option_cost_sek, problem.site_cost_sek
    site_cost = np.r_[site_cost, problem.site_paperwork_sek]
    if (
        not (np.isfinite(cost).all() and np.isfinite(site_cost).all())
        or (cost < 0).any()
        or (site_cost < 0).any()
    ):
        msg = (
            "options 'cost_sek' or sites 'site_cost_sek'/'paperwork_sek' has negative or "
            "missing values; costs must be >= 0 SEK."
        )
        raise InputError(msg)


def _check_slots(problem: PlacementProblem, slot: np.ndarray) -> None:
    """Raise if a slot (one camera position) spans several sites."""
    slot_sites = pd.DataFrame({"slot": slot, "site": problem.site_index}).drop_duplicates()
    if slot_sites["slot"].duplicated().any():
        dup = slot_sites.loc[slot_sites["slot"].duplicated(), "slot"].iloc[0]
        bad_slot = problem.options["slot_id"].iloc[int(np.argmax(slot == dup))]
        msg = (
            f"options: slot_id {bad_slot!r} spans several site_id values; a slot is one camera "
            f"position at one site. Give each site its own slot ids."
        )
        raise InputError(msg)


def _fixed_positions(problem: PlacementProblem, slot: np.ndarray) -> np.ndarray:
    """Rows of the fixed options; raise on unknown, contradictory or clashing ids."""
    ids = problem.options.index
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
    fixed_pos = np.flatnonzero(ids.isin(list(fixed_set)))
    if len(np.unique(slot[fixed_pos])) < len(fixed_pos):
        msg = "two fixed (installed) cameras share one slot; each slot holds one camera."
        raise InputError(msg)
    return fixed_pos


@dataclass(frozen=True)
class _Allowed:
    """Options that may still be chosen, and the budget left after the fixed cameras."""

    mask: np.ndarray
    cheapest_sek: float
    fixed_cost: float
    residual: float
    site_cost: np.ndarray  # per site; 0 where a fixed camera already pays it
    site_paper: np.ndarray  # per site; 0 where a fixed camera already pays it


def _allowed_options(
    problem: PlacementProblem,
    budget_sek: float,
    fixed_pos: np.ndarray,
    slot: np.ndarray,
    stop_area_only: bool,
) -> _Allowed:
    """Filter the options; raise if the fixed cameras or the cheapest camera exceed the budget."""
    options, cost, site = problem.options, problem.option_cost_sek, problem.site_index
    paper = problem.option_paperwork
    fixed_sites = np.unique(site[fixed_pos])
    fixed_paper = np.unique(site[fixed_pos][paper[fixed_pos]])
    fixed_cost = problem.plan_cost_sek(fixed_pos)
    if fixed_cost > budget_sek + _TOL:
        msg = (
            f"The {len(fixed_pos)} installed (fixed) cameras cost {fixed_cost:,.0f} SEK, more "
            f"than the budget of {budget_sek:,.0f} SEK. Raise budget.total_sek or fix fewer "
            "cameras."
        )
        raise InfeasibleError(msg)
    residual = budget_sek - fixed_cost
    site_cost_res = problem.site_cost_sek.copy()
    site_cost_res[fixed_sites] = 0.0
    site_paper_res = problem.site_paperwork_sek.copy()
    site_paper_res[fixed_paper] = 0.0
    excluded = options.index.isin(list(problem.excluded))
    allowed = ~options.index.isin(list(problem.fixed)) & ~excluded
    if stop_area_only:
        allowed &= options["legal_class"].to_numpy(dtype=object) == "stop_area"
    slot_taken = np.zeros(slot.max() + 1 if len(slot) else 0, dtype=bool)
    slot_taken[slot[fixed_pos]] = True
    allowed &= ~slot_taken[slot]
    total_cost = cost + site_cost_res[site] + np.where(paper, site_paper_res[site], 0.0)
    cheapest = float(total_cost[allowed].min()) if allowed.any() else math.inf
    if len(fixed_pos) == 0:
        if not allowed.any():
            why = " with legal_class 'stop_area'" if stop_area_only else ""
            msg = (
                f"No camera options{why} are left after the exclusions ({len(options)} options, "
                f"{int(excluded.sum())} excluded). Relax placement.stop_area_only or the "
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
    return _Allowed(allowed, cheapest, fixed_cost, residual, site_cost_res, site_paper_res)


@dataclass(frozen=True)
class _AreaRules:
    """Per-area minimums still to meet after the fixed cameras."""

    area_names: tuple[str, ...]
    opt_area: np.ndarray  # per option of the problem: code into area_names, -1 if none
    count_need: np.ndarray
    share_names: tuple[str, ...]
    share_dem: np.ndarray  # (n_share, demand points): weight of the point if in the area
    share_need: np.ndarray


def _count_rules(
    problem: PlacementProblem, fixed_pos: np.ndarray, counts: Mapping[str, int]
) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    """(area names, option area codes, cameras still needed per area)."""
    options = problem.options
    area_names = tuple(sorted(counts))
    opt_area = _area_codes(options["area"], area_names)
    count_need = np.array([int(counts[a]) for a in area_names], dtype=np.int64)
    if len(fixed_pos):
        fixed_area = opt_area[fixed_pos]
        have = np.bincount(fixed_area[fixed_area >= 0], minlength=len(area_names))
        count_need = np.maximum(count_need - have, 0)
    for name, k in counts.items():
        n_there = int((opt_area == area_names.index(name)).sum())
        if k > n_there:
            msg = (
                f"placement.min_cameras_per_area asks for {k} cameras in area {name!r} but "
                f"the problem has only {n_there} options "
                f"there. Check the area name (known: {sorted(set(options['area'].dropna()))})."
            )
            raise InfeasibleError(msg)
    return area_names, opt_area, count_need


def _area_rules(
    problem: PlacementProblem,
    fixed_pos: np.ndarray,
    covered_fixed: np.ndarray,
    counts: Mapping[str, int],
    shares: Mapping[str, float],
) -> _AreaRules:
    """Check and net the per-area minimums against what the fixed cameras give."""
    area_names, opt_area, count_need = _count_rules(problem, fixed_pos, counts)
    weight = problem.weights
    share_names = tuple(sorted(shares))
    dem_area = problem.demand["area"].to_numpy(dtype=object)
    share_dem = np.zeros((len(share_names), len(weight)))
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
    return _AreaRules(area_names, opt_area, count_need, share_names, share_dem, share_need)


def _reduce(
    problem: PlacementProblem,
    budget_sek: float,
    *,
    stop_area_only: bool = False,
    min_cameras_per_area: Mapping[str, int] | None = None,
    min_share_per_area: Mapping[str, float] | None = None,
) -> _Reduction:
    """Apply filters, fixed cameras and the reductions; raise if the budget cannot be met."""
    n_opt, n_dem = problem.coverage.shape
    cover0 = sp.csr_matrix(problem.coverage, dtype=float)
    cover0.data[:] = 1.0
    cover0.sum_duplicates()
    cover0.data[:] = 1.0
    weight = problem.weights
    _check_numbers(problem)
    slot = problem.slot_codes()
    _check_slots(problem, slot)
    fixed_pos = _fixed_positions(problem, slot)
    ok = _allowed_options(problem, budget_sek, fixed_pos, slot, stop_area_only)
    covered_fixed = np.asarray(cover0[fixed_pos].sum(axis=0)).ravel() > 0
    constant = float(weight[covered_fixed].sum())
    rules = _area_rules(
        problem, fixed_pos, covered_fixed, min_cameras_per_area or {}, min_share_per_area or {}
    )
    opt_idx = np.flatnonzero(ok.mask)
    dem_idx = np.flatnonzero(~covered_fixed & (weight > 0))
    inst = _compress(
        _Parts(
            cover=cover0[opt_idx][:, dem_idx].tocsr(),
            weight=weight[dem_idx],
            share_cls=rules.share_dem[:, dem_idx],
            profit=np.zeros(len(opt_idx)),
            share_opt=np.zeros((len(rules.share_names), len(opt_idx))),
            cost=problem.option_cost_sek[opt_idx].astype(float),
            site=problem.site_index[opt_idx],
            site_cost=ok.site_cost,
            paper=problem.option_paperwork[opt_idx],
            site_paper=ok.site_paper,
            slot=slot[opt_idx],
            opt_pos=opt_idx,
            opt_area=rules.opt_area[opt_idx],
            area_names=rules.area_names,
            count_need=rules.count_need,
            share_need=rules.share_need,
            share_names=rules.share_names,
            budget=ok.residual,
        )
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
        "sites_with_shared_paperwork": int((inst.site_paper > 0).sum()),
        "fixed": len(fixed_pos),
    }
    log.debug("reduced placement problem: %s", sizes)
    return _Reduction(inst, constant, fixed_pos, ok.fixed_cost, ok.cheapest_sek, sizes)


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
