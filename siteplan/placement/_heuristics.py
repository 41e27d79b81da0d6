"""
Greedy and local search on a reduced instance.

Lazy greedy (CELF, Leskovec et al. 2007) by gain per krona, counting the shared site cost while
the site is closed (and its paperwork while no camera there needs it), plus the best single
camera (Khuller, Moss & Naor 1999), then a swap local search (remove one camera, add another,
refill the budget). Every loop stops on a count of moves, never on the clock, so the plan does
not depend on machine load.
"""

from __future__ import annotations

import heapq
import math
import time
from collections.abc import Callable, Sequence

import numpy as np

from siteplan.placement._instance import _TOL, _Inst


class _State:
    """A plan under construction: who is chosen, what is covered, what is left to spend."""

    def __init__(self, inst: _Inst, sel: Sequence[int] = ()) -> None:
        self.inst = inst
        self.x = np.zeros(inst.n, dtype=bool)
        self.count = np.zeros(inst.m, dtype=np.int64)
        self.site_n = np.zeros(len(inst.site_cost), dtype=np.int64)
        self.paper_n = np.zeros(len(inst.site_cost), dtype=np.int64)
        self.slot_used = np.zeros(len(inst.slot_start), dtype=bool)
        self.remaining = inst.budget
        for o in sel:
            self.add(int(o))

    def mcost(self, o: int) -> float:
        """Cost of adding `o` now: its own, plus its site's and paperwork's if still unpaid."""
        inst, s = self.inst, self.inst.site[o]
        c = inst.cost[o] + (inst.site_cost[s] if self.site_n[s] == 0 else 0.0)
        if inst.paper[o] and self.paper_n[s] == 0:
            c += inst.site_paper[s]
        return float(c)

    def mcost_many(self, cands: np.ndarray, without: int = -1) -> np.ndarray:
        """:meth:`mcost` of each of `cands`, as if option `without` (if >= 0) were removed."""
        inst = self.inst
        s = inst.site[cands]
        site_n, paper_n = self.site_n[s], self.paper_n[s]
        if without >= 0:
            here = s == inst.site[without]
            site_n = site_n - here
            paper_n = paper_n - (here & bool(inst.paper[without]))
        return (
            inst.cost[cands]
            + np.where(site_n > 0, 0.0, inst.site_cost[s])
            + np.where(inst.paper[cands] & (paper_n == 0), inst.site_paper[s], 0.0)
        )

    def refund(self, o: int) -> float:
        """What removing the chosen option `o` gives back to the budget."""
        inst, s = self.inst, self.inst.site[o]
        back = inst.cost[o] + (inst.site_cost[s] if self.site_n[s] == 1 else 0.0)
        if inst.paper[o] and self.paper_n[s] == 1:
            back += inst.site_paper[s]
        return float(back)

    def add(self, o: int) -> None:
        inst = self.inst
        self.remaining -= self.mcost(o)
        self.x[o] = True
        self.site_n[inst.site[o]] += 1
        self.paper_n[inst.site[o]] += int(inst.paper[o])
        self.slot_used[inst.slot[o]] = True
        cls = inst.cover.indices[inst.cover.indptr[o] : inst.cover.indptr[o + 1]]
        self.count[cls] += 1

    def remove(self, o: int) -> None:
        inst = self.inst
        self.remaining += self.refund(o)
        self.x[o] = False
        s = inst.site[o]
        self.site_n[s] -= 1
        self.paper_n[s] -= int(inst.paper[o])
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
    stop: Callable[[_State], bool] | None = None,
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
    mc = st.mcost_many(cand)
    ok = (gain > _TOL) & ~st.slot_used[inst.slot[cand]]
    ratio = gain[ok] / np.maximum(mc[ok], _TOL)
    heap = list(zip((-ratio).tolist(), cand[ok].tolist(), [0] * int(ok.sum()), strict=True))
    heapq.heapify(heap)
    in_cand = np.zeros(inst.n, dtype=bool)
    in_cand[cand] = True
    site_starts, _ = _site_members(inst)
    min_cost = float(inst.cost[cand].min())  # no option fits once less than this is left
    n_sel = 0
    while heap and st.remaining + _TOL >= min_cost:
        _, o, ver = heapq.heappop(heap)
        if st.slot_used[inst.slot[o]]:
            continue
        mco = st.mcost(o)
        if mco > st.remaining + _TOL:
            continue
        if ver == n_sel:
            s = inst.site[o]
            opened = st.site_n[s] == 0 and inst.site_cost[s] > 0
            opened |= bool(inst.paper[o]) and st.paper_n[s] == 0 and inst.site_paper[s] > 0
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
    order = cand[np.argsort(_alone_cost(inst)[cand], kind="stable")]
    for o in order:
        if need <= 0:
            return
        if not st.x[o] and not st.slot_used[inst.slot[o]] and st.mcost(o) <= st.remaining + _TOL:
            st.add(int(o))
            need -= 1


def _alone_cost(inst: _Inst) -> np.ndarray:
    """Each option's cost as the only camera: its own, its site's and its paperwork."""
    return (
        inst.cost
        + inst.site_cost[inst.site]
        + np.where(inst.paper, inst.site_paper[inst.site], 0.0)
    )


def _greedy_inst(inst: _Inst, start: Sequence[int] = ()) -> np.ndarray:
    """Greedy plan (area minimums first, then CELF, and the best single camera)."""
    st = _State(inst, start)
    all_opts = np.arange(inst.n)
    for a in np.flatnonzero(inst.count_need > 0).tolist():
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
        alone = _alone_cost(inst)
        gain = inst.profit + inst.cover @ inst.weight
        fits = alone <= inst.budget + _TOL
        if fits.any():
            best = int(np.flatnonzero(fits)[np.argmax(gain[fits])])
            if gain[best] > inst.value(sel) + _TOL:
                st1 = _State(inst, [best])
                _celf(st1, all_opts, inst.weight, inst.profit)
                sel = st1.selected
    return sel


def _swap_candidates(
    st: _State, o_out: int, free: np.ndarray, top: np.ndarray
) -> tuple[np.ndarray, np.ndarray, float]:
    """
    Options that could replace `o_out`, what each regains of its coverage, and its loss.

    Candidates: any heading of its own slot, an option overlapping what `o_out` alone covers,
    or one of the best free options (`top`).
    """
    inst = st.inst
    w, cover = inst.weight, inst.cover
    cls = cover.indices[cover.indptr[o_out] : cover.indptr[o_out + 1]]
    only = cls[st.count[cls] == 1]
    loss = float(inst.profit[o_out] + w[only].sum())
    # Options that would regain what o_out alone covers, and by how much.
    sub = inst.cover_t[only]
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
    if len(cands) == 0 or len(nb) == 0:
        return cands, np.zeros(len(cands)), loss
    at = np.minimum(np.searchsorted(nb, cands), len(nb) - 1)
    return cands, np.where(nb[at] == cands, nb_gain[at], 0.0), loss


def _try_swap(st: _State, o_out: int, g: np.ndarray, free: np.ndarray, top: np.ndarray) -> bool:
    """Replace `o_out` by the best improving candidate that fits the budget; True if moved."""
    inst = st.inst
    cands, regain, loss = _swap_candidates(st, o_out, free, top)
    if len(cands) == 0:
        return False
    gain = g[cands] + regain
    budget2 = st.remaining + st.refund(o_out)
    mc = st.mcost_many(cands, without=o_out)
    net = gain - loss
    good = (mc <= budget2 + _TOL) & (net > 1e-9 * max(1.0, loss))
    if not good.any():
        return False
    for j in np.flatnonzero(good)[np.argsort(-net[good], kind="stable")][:5]:
        o_in = int(cands[j])
        st.remove(o_out)
        st.add(o_in)
        if inst.has_area_rules and not inst.area_ok(st.selected):
            st.remove(o_in)
            st.add(o_out)
            continue
        return True
    return False


def _local_search(
    inst: _Inst, sel: np.ndarray, *, max_moves: int = 1000, deadline: float = math.inf
) -> np.ndarray:
    """
    Swap local search, then refill the budget.

    Replace one chosen camera by another (any heading of its own slot, a camera overlapping
    what it alone covered, or one of the best free cameras) when that raises coverage within
    the budget; refill the budget after every move. Stops at a local optimum or after
    `max_moves` moves (a work limit: the same plan on any machine). `deadline`
    (``time.perf_counter()`` seconds) is only a safety net; the caller reports when it passed.
    """
    if inst.n == 0:
        return sel
    st = _State(inst, sel.tolist())
    all_opts = np.arange(inst.n)
    w, profit = inst.weight, inst.profit
    for _ in range(max_moves):
        _celf(st, all_opts, w, profit)
        if time.perf_counter() > deadline:
            break
        g = profit + inst.cover @ np.where(st.count == 0, w, 0.0)
        free = ~st.slot_used[inst.slot]
        top = np.flatnonzero(free & (g > _TOL))
        top = top[np.argsort(-g[top], kind="stable")[:64]]
        moved = False
        for o_out in st.selected.tolist():
            if time.perf_counter() > deadline:
                break
            if st.x[o_out] and _try_swap(st, o_out, g, free, top):
                moved = True
                break
        if not moved:
            break
    _celf(st, all_opts, w, profit)
    return st.selected
