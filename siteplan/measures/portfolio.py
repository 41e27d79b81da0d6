r"""
The portfolio: cameras and other measures chosen together by expected incidents prevented.

Each demand point ``j`` (a stretch of walkway) carries an expected, severity-weighted number of
incidents per year, ``risk_per_m_year × length``, split into *strata*: groups of incidents on
which the same measures act (a measure acts on its incident categories, and lighting only in
darkness). A measure ``m`` that reaches the point removes the share ``r[m, s]`` of stratum
``s`` (its effect prior); measures on the same point combine multiplicatively, so the incidents
prevented at ``j`` are::

    sum_s w[j, s] · (1 − prod_{m reaches j} (1 − r[m, s]))

This is a weighted *coverage* function, so it is stated exactly as the budgeted
maximum-coverage problem the placement engine already solves: split each point into *atoms*,
one per non-empty set ``T`` of the measures that can reach it (those incidents prevented by
exactly the measures in ``T`` if all of them were in place), with weight::

    sum_s w[j, s] · prod_{m in T} r[m, s] · prod_{m in A \\ T} (1 − r[m, s])

(``A``: every measure with an option reaching ``j``). An atom counts as covered when any chosen
option of a measure in ``T`` reaches the point, and the covered atom weight equals the
multiplicative formula above for every choice of options. Perceived safety is one more
stratum: its weight is ``portfolio.perceived_weight`` × the perceived-safety demand of the
stretch, and a measure addresses the share ``perceived_effect`` of it.

Options are the camera options of the camera problem (one measure of kind ``camera``) and each
other measure's options (:func:`siteplan.measures.measure_options`), each its own site at no
shared cost. The engine (:mod:`siteplan.placement`) solves it with a proven gap; camera-only
and lighting-only plans are the same problem with the other options excluded.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp

from siteplan.errors import InputError
from siteplan.measures.catalogue import Measure
from siteplan.problem import (
    OPTION_COLUMNS,
    OPTION_PAPERWORK,
    SITE_COLUMNS,
    SITE_PAPERWORK,
    PlacementProblem,
)

__all__ = [
    "PERCEIVED",
    "Portfolio",
    "Prevented",
    "build_portfolio",
    "draw_reductions",
    "incident_strata",
    "only_kinds",
]

#: Name of the perceived-safety stratum.
PERCEIVED = "perceived"


@dataclass(frozen=True)
class Strata:
    """
    Incident strata: groups of incidents on which the same measures act.

    Attributes
    ----------
    names
        One name per stratum, e.g. ``"camera+lighting"`` (the measures acting on it).
    reductions
        Array (measures × strata): the share of the stratum a measure prevents (0 where it
        does not act).
    share
        Array (corridors × strata): each corridor's share of its risk in each stratum (rows
        sum to 1), its own incidents shrunk towards the town's mix.
    """

    names: tuple[str, ...]
    reductions: np.ndarray
    share: np.ndarray


class Prevented(tuple[float, float]):
    """Expected incidents prevented per year and perceived-safety demand addressed."""

    __slots__ = ()

    @property
    def incidents(self) -> float:
        """Expected severity-weighted incidents prevented per year."""
        return self[0]

    @property
    def perceived(self) -> float:
        """Perceived-safety demand addressed (unweighted)."""
        return self[1]


def _signatures(
    incidents: pd.DataFrame, measures: Sequence[Measure], dark: np.ndarray
) -> np.ndarray:
    """Per incident, the bitmask of the measures acting on it (category and darkness)."""
    cats = incidents["category"].astype("string").fillna("")
    sig = np.zeros(len(incidents), dtype=np.int64)
    for k, m in enumerate(measures):
        acts = np.ones(len(incidents), bool)
        if m.categories is not None:
            acts &= cats.isin(list(m.categories)).to_numpy()
        if m.hours == "darkness":
            acts &= dark
        sig |= acts.astype(np.int64) << k
    return sig


def incident_strata(
    corridors: gpd.GeoDataFrame,
    incidents: gpd.GeoDataFrame,
    measures: Sequence[Measure],
    *,
    dark: np.ndarray,
    weights: np.ndarray,
    snapped: tuple[np.ndarray, np.ndarray],
    prior_n: float = 5.0,
) -> Strata:
    """
    Split each corridor's risk into strata by which measures act on its incidents.

    Parameters
    ----------
    corridors
        Corridor segments (only their number and order are used).
    incidents
        Incidents with ``category`` (area-level incidents included: they shape the town's mix).
    measures
        The measures of the portfolio.
    dark
        Per incident: occurred in darkness (:func:`siteplan.measures.is_dark`).
    weights
        Per incident: its weight (severity, as in the risk).
    snapped
        ``(incident position, corridor position)`` of the incidents on the network.
    prior_n
        Weight of the town's mix in each corridor's shares, in incidents (empirical Bayes).

    Returns
    -------
    strata
        The strata, the measures' reductions on them and each corridor's shares.
    """
    sig = _signatures(incidents, measures, np.asarray(dark, bool))
    codes, inverse = np.unique(sig, return_inverse=True)
    w = np.asarray(weights, float)
    town = np.bincount(inverse, weights=w, minlength=len(codes))
    town = town / town.sum() if town.sum() > 0 else np.full(len(codes), 1.0 / len(codes))
    inc, seg = snapped
    counts = np.zeros((len(corridors), len(codes)))
    np.add.at(counts, (seg, inverse[inc]), w[inc])
    share = (counts + prior_n * town) / (counts.sum(axis=1, keepdims=True) + prior_n)
    bits = (codes[None, :] >> np.arange(len(measures))[:, None]) & 1
    reductions = bits * np.array([m.reduction for m in measures])[:, None]
    names = tuple(
        "+".join(m.name for k, m in enumerate(measures) if bits[k, s]) or "none"
        for s in range(len(codes))
    )
    return Strata(names=names, reductions=reductions.astype(float), share=share)


@dataclass(frozen=True)
class Portfolio:
    """
    The joint instance: camera and measure options over atoms of the demand points.

    Attributes
    ----------
    problem
        The placement problem (atoms as demand; ``options`` gains ``measure`` and ``kind``).
    measures
        The measures, in the order of the bit codes.
    strata
        Stratum names; the last is :data:`PERCEIVED` when perceived safety counts.
    reductions
        Array (measures × strata) of central reductions.
    points
        The demand points: index ``demand_id``, ``corridor_id``, ``length_m``, geometry.
    point_weight
        Array (points × strata): expected incidents per year (or perceived demand × its
        weight) of each point in each stratum.
    point_cover
        Sparse boolean matrix, options × points: the option reaches the point.
    option_measure
        Per option: position of its measure in `measures`.
    atom_point, atom_set, atom_sub
        Per atom: its point, the bitmask ``A`` of measures reaching the point and its subset
        ``T`` (to re-weigh atoms for other reductions).
    perceived_weight
        Incident-equivalents per unit of perceived-safety demand.
    """

    problem: PlacementProblem
    measures: tuple[Measure, ...]
    strata: tuple[str, ...]
    reductions: np.ndarray
    points: gpd.GeoDataFrame
    point_weight: np.ndarray
    point_cover: sp.csr_matrix
    option_measure: np.ndarray
    atom_point: np.ndarray
    atom_set: np.ndarray
    atom_sub: np.ndarray
    perceived_weight: float

    @property
    def has_perceived(self) -> bool:
        """Whether the last stratum is perceived safety."""
        return bool(self.strata) and self.strata[-1] == PERCEIVED

    def reach(self, selected: Sequence[str]) -> np.ndarray:
        """Boolean array (points × measures): a selected option of the measure reaches it."""
        pos = self.problem.options.index.get_indexer(list(selected))
        if (pos < 0).any():
            unknown = [s for s, p in zip(selected, pos, strict=True) if p < 0][:3]
            msg = f"unknown portfolio option ids, e.g. {unknown}."
            raise InputError(msg)
        onehot = sp.csr_matrix(
            (np.ones(len(pos)), (np.arange(len(pos)), self.option_measure[pos])),
            shape=(len(pos), len(self.measures)),
        )
        return np.asarray((self.point_cover[pos].T @ onehot).todense()) > 0

    def prevented(self, selected: Sequence[str], reductions: np.ndarray | None = None) -> Prevented:
        """
        Expected incidents prevented per year and perceived demand addressed by `selected`.

        Parameters
        ----------
        selected
            Option ids of the plan.
        reductions
            Reductions (measures × strata); default the central priors.

        Returns
        -------
        prevented
            ``(incidents, perceived)``; perceived is unweighted (divided by
            ``perceived_weight``), 0 without a perceived-safety stratum.
        """
        r = self.reductions if reductions is None else reductions
        reach = self.reach(selected).astype(float)
        # log(1 - r) is finite: reductions are < 1.
        keep = np.exp(reach @ np.log1p(-np.clip(r, -np.inf, 1 - 1e-12)))
        done = (self.point_weight * (1.0 - keep)).sum(axis=0)
        if not self.has_perceived:
            return Prevented((float(done.sum()), 0.0))
        scale = self.perceived_weight if self.perceived_weight > 0 else 1.0
        return Prevented((float(done[:-1].sum()), float(done[-1] / scale)))

    def atom_weights(self, reductions: np.ndarray) -> np.ndarray:
        """Atom weights for `reductions` (measures × strata), aligned with the demand."""
        return _weights_for(
            self.point_weight, self.atom_point, self.atom_set, self.atom_sub, reductions
        )

    def with_reductions(self, reductions: np.ndarray) -> PlacementProblem:
        """The placement problem re-weighed for other reductions (same atoms and options)."""
        demand = self.problem.demand.assign(weight=self.atom_weights(reductions))
        return dataclasses.replace(self.problem, demand=demand)


def _factor(a: int, t: int, r: np.ndarray) -> np.ndarray:
    r"""Per stratum: prod_{m in t} r[m] · prod_{m in a \\ t} (1 − r[m])."""
    out = np.ones(r.shape[1])
    for k in range(r.shape[0]):
        if t >> k & 1:
            out *= r[k]
        elif a >> k & 1:
            out *= 1.0 - r[k]
    return out


def _weights_for(
    point_weight: np.ndarray,
    atom_point: np.ndarray,
    atom_set: np.ndarray,
    atom_sub: np.ndarray,
    reductions: np.ndarray,
) -> np.ndarray:
    """Atom weights: each atom's point weight times its (A, T) factor, stratum by stratum."""
    out = np.zeros(len(atom_point))
    key = atom_set * (1 << reductions.shape[0]) + atom_sub
    uniq, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    for g in range(len(uniq)):
        rows = np.flatnonzero(inverse == g)
        factor = _factor(int(atom_set[first[g]]), int(atom_sub[first[g]]), reductions)
        out[rows] = point_weight[atom_point[rows]] @ factor
    return out


def _subsets(a: int) -> list[int]:
    """Non-empty subsets of the bitmask `a`, ascending."""
    bits = [1 << k for k in range(a.bit_length()) if a >> k & 1]
    return sorted(sum(c) for n in range(1, len(bits) + 1) for c in itertools.combinations(bits, n))


def _atoms(
    point_cover: sp.csr_matrix,
    option_measure: np.ndarray,
    point_weight: np.ndarray,
    reductions: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, sp.csr_matrix]:
    """Atoms (point, set A, subset T) with positive weight, and their coverage (options × atoms)."""
    n_measures = reductions.shape[0]
    onehot = sp.csr_matrix(
        (np.ones(len(option_measure)), (np.arange(len(option_measure)), option_measure)),
        shape=(len(option_measure), n_measures),
    )
    reach = np.asarray((point_cover.T @ onehot).todense()) > 0  # points × measures
    point_set = (reach.astype(np.int64) << np.arange(n_measures)).sum(axis=1)
    cover_csc = point_cover.tocsc()
    points, sets, subs, blocks = [], [], [], []
    for a in np.unique(point_set[point_set > 0]):
        js = np.flatnonzero(point_set == a)
        for t in _subsets(int(a)):
            weight = point_weight[js] @ _factor(int(a), t, reductions)
            keep = js[weight > 0]
            if not len(keep):
                continue
            in_t = (t >> option_measure) & 1
            blocks.append(sp.diags(in_t.astype(float)) @ cover_csc[:, keep])
            points.append(keep)
            sets.append(np.full(len(keep), a, np.int64))
            subs.append(np.full(len(keep), t, np.int64))
    if not blocks:
        msg = "no measure reaches any stretch with incidents: the portfolio has nothing to choose."
        raise InputError(msg)
    cover = sp.hstack(blocks, format="csr")
    cover.eliminate_zeros()
    cover.data[:] = 1.0
    return np.concatenate(points), np.concatenate(sets), np.concatenate(subs), cover.astype(bool)


def _camera_cover(camera: PlacementProblem, points: gpd.GeoDataFrame) -> sp.csr_matrix:
    """The camera options' coverage re-indexed onto `points` (missing points: not covered)."""
    col = points.index.get_indexer(camera.demand.index)
    coo = camera.coverage.tocoo()
    ok = col[coo.col] >= 0
    return sp.csr_matrix(
        (np.ones(int(ok.sum()), bool), (coo.row[ok], col[coo.col[ok]])),
        shape=(len(camera.options), len(points)),
    )


def _measure_rows(
    measure_options: Sequence[tuple[Measure, gpd.GeoDataFrame, sp.csr_matrix]],
    crs: object,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Option and site rows of the non-camera measures, in the placement problem's schema."""
    frames = [opts.assign(measure=m.name, kind=m.kind) for m, opts, _ in measure_options]
    opts = pd.concat(frames) if frames else pd.DataFrame(columns=["measure", "kind", "cost_sek"])
    rows = pd.DataFrame(
        {
            "site_id": opts.index.astype(str),
            "slot_id": opts.index.astype(str),
            "model": opts["measure"],
            "azimuth_deg": np.nan,
            "hfov_deg": np.nan,
            "range_m": np.nan,
            "mount": "none",
            "legal_class": "general",
            "area": opts.get("area", None),
            "capex_sek": opts["capex_sek"],
            "opex_sek_per_year": opts["opex_sek_per_year"],
            "cost_sek": opts["cost_sek"],
            "paperwork": False,  # camera law paperwork only
            "measure": opts["measure"],
            "kind": opts["kind"],
        },
        index=opts.index,
    )
    geometry = opts.geometry if isinstance(opts, gpd.GeoDataFrame) else None
    options = gpd.GeoDataFrame(rows, geometry=geometry, crs=crs)
    sites = gpd.GeoDataFrame(
        {
            "mount": "none",
            "source": "measure",
            "area": rows["area"].to_numpy(),
            "legal_class": "general",
            "site_cost_sek": 0.0,
            "paperwork_sek": 0.0,
        },
        index=pd.Index(rows["site_id"].to_numpy(), name="site_id"),
        geometry=geometry.centroid.to_numpy() if geometry is not None else None,
        crs=crs,
    )
    return options, sites


def point_weights(
    points: gpd.GeoDataFrame,
    corridors: gpd.GeoDataFrame,
    strata: Strata,
    *,
    perceived_per_m: pd.Series | None,
    perceived_weight: float,
) -> np.ndarray:
    """Array (points × strata [+ perceived]): expected incidents per year per stratum."""
    pos = corridors.index.get_indexer(points["corridor_id"])
    length = points["length_m"].to_numpy(float)
    risk = corridors["risk_per_m_year"].to_numpy(float)[pos] * length
    weight = risk[:, None] * strata.share[pos]
    if perceived_per_m is None:
        return weight
    per_m = perceived_per_m.reindex(corridors.index).fillna(0.0).to_numpy(float)[pos]
    return np.column_stack([weight, perceived_weight * per_m * length])


def build_portfolio(
    camera: PlacementProblem | None,
    points: gpd.GeoDataFrame,
    corridors: gpd.GeoDataFrame,
    measures: Sequence[Measure],
    measure_options: Sequence[tuple[Measure, gpd.GeoDataFrame, sp.csr_matrix]],
    strata: Strata,
    *,
    perceived_per_m: pd.Series | None = None,
    perceived_weight: float = 0.0,
) -> Portfolio:
    """
    The joint placement problem of cameras and other measures.

    Parameters
    ----------
    camera
        The camera placement problem, or None for a portfolio without cameras. Its options
        join as the measure of kind ``camera`` (which must then be in `measures`).
    points
        Demand points on every corridor: index ``demand_id`` (as the camera problem's),
        ``corridor_id``, ``length_m``, geometry.
    corridors
        Scored corridors with ``risk_per_m_year`` (expected incidents per metre and year).
    measures
        Every measure of the portfolio (camera included), in a fixed order.
    measure_options
        Per non-camera measure: the measure, its options (``capex_sek``,
        ``opex_sek_per_year``, ``cost_sek``, ``area``, geometry) and their coverage
        (options × `points`).
    strata
        Incident strata (:func:`incident_strata`) over `measures`.
    perceived_per_m
        Perceived-safety demand per metre of corridor, or None.
    perceived_weight
        Incident-equivalents per unit of perceived-safety demand.

    Returns
    -------
    portfolio
        The instance; solve ``portfolio.problem`` with :class:`siteplan.placement.CameraPlacement`.
    """
    names = [m.name for m in measures]
    cams = [k for k, m in enumerate(measures) if m.kind == "camera"]
    parts_opts, parts_sites, covers, codes = [], [], [], []
    if camera is not None and cams:
        k = cams[0]
        opts = camera.options.assign(measure=names[k], kind="camera")
        parts_opts.append(opts)
        parts_sites.append(camera.sites)
        covers.append(_camera_cover(camera, points))
        codes.append(np.full(len(opts), k))
    m_opts, m_sites = _measure_rows(measure_options, points.crs)
    if len(m_opts):
        parts_opts.append(m_opts)
        parts_sites.append(m_sites)
        covers.extend(c.astype(bool) for _, _, c in measure_options)
        codes.append(pd.Index(names).get_indexer(m_opts["measure"]))
    if not parts_opts:
        msg = "the portfolio has no options: list [[cameras]] or other [[measures]]."
        raise InputError(msg)
    options = pd.concat(parts_opts)
    option_measure = np.concatenate(codes).astype(np.int64)
    point_cover = sp.vstack(covers, format="csr")
    reductions = strata.reductions
    if perceived_per_m is not None:
        extra = np.array([[m.perceived_effect] for m in measures])
        reductions = np.hstack([reductions, extra])
    weight = point_weights(
        points,
        corridors,
        strata,
        perceived_per_m=perceived_per_m,
        perceived_weight=perceived_weight,
    )
    atom_point, atom_set, atom_sub, cover = _atoms(point_cover, option_measure, weight, reductions)
    problem = _problem(camera, options, parts_sites, points, cover, atom_point, atom_sub, names)
    problem = dataclasses.replace(
        problem,
        demand=problem.demand.assign(
            weight=_weights_for(weight, atom_point, atom_set, atom_sub, reductions)
        ),
    )
    return Portfolio(
        problem=problem,
        measures=tuple(measures),
        strata=strata.names + ((PERCEIVED,) if perceived_per_m is not None else ()),
        reductions=reductions,
        points=points,
        point_weight=weight,
        point_cover=point_cover,
        option_measure=option_measure,
        atom_point=atom_point,
        atom_set=atom_set,
        atom_sub=atom_sub,
        perceived_weight=float(perceived_weight),
    )


def _problem(
    camera: PlacementProblem | None,
    options: pd.DataFrame,
    sites: Sequence[pd.DataFrame],
    points: gpd.GeoDataFrame,
    cover: sp.csr_matrix,
    atom_point: np.ndarray,
    atom_sub: np.ndarray,
    names: Sequence[str],
) -> PlacementProblem:
    """The placement problem over the atoms (weights set by the caller)."""
    label = {t: "+".join(n for k, n in enumerate(names) if t >> k & 1) for t in set(atom_sub)}
    ids = points.index.to_numpy()[atom_point]
    demand = gpd.GeoDataFrame(
        {
            "corridor_id": points["corridor_id"].to_numpy()[atom_point],
            "weight": 0.0,
            "area": points["area"].to_numpy()[atom_point] if "area" in points else None,
            "legal_class": (
                points["legal_class"].to_numpy()[atom_point] if "legal_class" in points else None
            ),
            "measures": [label[t] for t in atom_sub],
        },
        index=pd.Index(
            [f"{i}|{label[t]}" for i, t in zip(ids, atom_sub, strict=True)], name="demand_id"
        ),
        geometry=points.geometry.to_numpy()[atom_point],
        crs=points.crs,
    )
    all_sites = pd.concat(list(sites))
    columns = [*OPTION_COLUMNS, OPTION_PAPERWORK, "measure", "kind", "geometry"]
    opts = gpd.GeoDataFrame(options[[c for c in columns if c in options]], crs=points.crs)
    site_columns = [c for c in (*SITE_COLUMNS, SITE_PAPERWORK, "geometry") if c in all_sites]
    return PlacementProblem(
        options=opts,
        sites=gpd.GeoDataFrame(all_sites[site_columns], crs=points.crs),
        demand=demand,
        coverage=cover,
        fixed=camera.fixed if camera is not None else frozenset(),
        excluded=camera.excluded if camera is not None else frozenset(),
    )


def only_kinds(portfolio: Portfolio, kinds: Sequence[str]) -> PlacementProblem:
    """
    The portfolio's problem with every option of another kind excluded.

    Parameters
    ----------
    portfolio
        The joint instance.
    kinds
        Measure kinds to keep, e.g. ``["camera"]`` for the camera-only plan.

    Returns
    -------
    problem
        The same problem; options of other kinds are in ``excluded`` (fixed cameras stay).
    """
    opts = portfolio.problem.options
    other = opts.index[~opts["kind"].isin(list(kinds))]
    excluded = portfolio.problem.excluded | (frozenset(other) - portfolio.problem.fixed)
    return dataclasses.replace(portfolio.problem, excluded=excluded)


def draw_reductions(portfolio: Portfolio, n_draws: int, *, seed: int) -> np.ndarray:
    """
    Draws of the reductions from the measures' effect priors (seeded).

    Each measure's relative reduction is drawn once per draw from a split normal with its
    central value as the mode and the interval ends as 1.96 standard deviations on each
    side, clipped to [-0.5, 0.95]; it scales the measure's row of the central reductions
    (perceived-safety effects stay fixed).

    Parameters
    ----------
    portfolio
        The joint instance.
    n_draws
        Number of draws.
    seed
        Seed of the generator.

    Returns
    -------
    draws
        Array (draws × measures × strata).
    """
    rng = np.random.default_rng(seed)
    k = len(portfolio.measures)
    centre = np.array([m.reduction for m in portfolio.measures])
    low = np.array([m.reduction_low for m in portfolio.measures])
    high = np.array([m.reduction_high for m in portfolio.measures])
    z = rng.standard_normal((n_draws, k))
    sd = np.where(z < 0, (centre - low) / 1.96, (high - centre) / 1.96)
    value = np.clip(centre + z * sd, -0.5, 0.95)
    base = portfolio.reductions.copy()
    n_inc = base.shape[1] - (1 if portfolio.has_perceived else 0)
    out = np.repeat(base[None], n_draws, axis=0)
    acts = base[:, :n_inc] > 0
    out[:, :, :n_inc] = np.where(acts[None], value[:, :, None], 0.0)
    return out
