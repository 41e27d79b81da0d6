"""Rolling-origin evaluation of the risk model: PAI, PEI and RRI against simple baselines."""

from __future__ import annotations

import datetime as dt
import logging
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from siteplan.config import ScoringConfig
from siteplan.crs import require_same_crs
from siteplan.errors import InputError, InputWarning
from siteplan.scoring._common import (
    as_timestamp,
    check_corridors,
    point_mask,
    require_columns,
)
from siteplan.scoring._surface import (
    ModelSpec,
    Prepared,
    order_desc,
    prepare,
    surface,
    top_share,
)
from siteplan.scoring.components import footfall
from siteplan.scoring.selection import (
    DEFAULT_FOLDS,
    Folds,
    ModelSelection,
    base_weights,
    best_of,
    candidates,
    default_model,
    fold_scores,
    rolling_folds,
    select_prepared,
)

log = logging.getLogger(__name__)

#: Columns of :attr:`Evaluation.table` (means over the folds, then their spread).
EVALUATION_COLUMNS = (
    "method",
    "share",
    "length_share",
    "n_test",
    "N_test",
    "pai",
    "pei",
    "rri",
    "pai_sd",
    "pei_sd",
    "rri_sd",
    "pai_min",
    "pai_max",
    "n_folds",
)
#: Columns of :attr:`Evaluation.folds` (one row per fold, method and share).
FOLD_COLUMNS = (
    "fold",
    "cut_date",
    "method",
    "model",
    "share",
    "length_share",
    "n_test",
    "N_test",
    "pai",
    "pei",
    "rri",
)
#: The methods compared, in table order.
METHODS = ("model", "priority", "last_period_counts", "kde", "uniform")


@dataclass(frozen=True)
class Evaluation:
    """
    Result of :func:`evaluate`: PAI, PEI and RRI over rolling folds, and how they were made.

    Attributes
    ----------
    table
        One row per method and share: the means over the folds of ``length_share`` (a / A),
        ``n_test`` (float: expected for uniform), ``N_test``, ``pai``, ``pei`` and ``rri``,
        their standard deviations ``pai_sd``, ``pei_sd``, ``rri_sd``, the range
        ``pai_min``/``pai_max`` and ``n_folds`` (see :data:`EVALUATION_COLUMNS`).
    cut_date
        First day of the last fold's test period; None when no evaluation was made.
    bandwidth_m
        Kernel bandwidth in metres of the model of the last fold.
    prior_strength_m
        Prior strength k in metres of that model (NaN for a baseline).
    n_train
        Incidents before the last cut.
    n_test_unsnapped
        Point incidents of the last test period farther than 25 m from every segment.
    folds
        One row per fold, method and share (:data:`FOLD_COLUMNS`); ``model`` names the model
        chosen for that fold from the earlier folds only.
    selection
        The model selection over all folds (what :func:`score_corridors` uses); None when no
        evaluation was made.
    horizon_days
        Length of each test period in days.
    """

    table: pd.DataFrame
    cut_date: dt.date | None
    bandwidth_m: float
    prior_strength_m: float
    n_train: int = 0
    n_test_unsnapped: int = 0
    folds: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(FOLD_COLUMNS)))
    selection: ModelSelection | None = None
    horizon_days: float = math.nan

    @classmethod
    def empty(cls) -> Evaluation:
        """An evaluation that was not made: empty tables, no cut date, NaN values."""
        table = pd.DataFrame(columns=list(EVALUATION_COLUMNS))
        return cls(table=table, cut_date=None, bandwidth_m=math.nan, prior_strength_m=math.nan)


def pai(
    selected_mask: Sequence[bool] | np.ndarray,
    counts: Sequence[float] | np.ndarray,
    lengths: Sequence[float] | np.ndarray,
) -> float:
    """
    Predictive Accuracy Index: ``(n / N) / (a / A)`` (Chainey et al. 2008).

    Parameters
    ----------
    selected_mask
        True for the selected segments.
    counts
        Test incidents per segment.
    lengths
        Segment lengths in metres (the "area" of a network hotspot).

    Returns
    -------
    pai
        Share of incidents captured over share of length; NaN if there are no incidents or
        nothing is selected.
    """
    mask, c, ln = _eval_arrays(selected_mask, counts, lengths)
    big_n, big_a, a = c.sum(), ln.sum(), ln[mask].sum()
    if big_n <= 0 or a <= 0:
        return math.nan
    return float((c[mask].sum() / big_n) / (a / big_a))


def _max_captured(counts: np.ndarray, lengths: np.ndarray, length_m: float) -> float:
    """n*: incidents on the densest `length_m` of network (greedy by density, last one pro rata).

    This is the optimum when segments may be split, hence an upper bound of any whole-segment
    choice of the same total length, so PEI = n / n* <= 1.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        density = np.where(lengths > 0, counts / lengths, np.where(counts > 0, np.inf, 0.0))
    order = np.argsort(-density, kind="stable")
    c, ln = counts[order], lengths[order]
    before = np.concatenate([[0.0], np.cumsum(ln)[:-1]])
    take = np.clip(length_m - before, 0.0, ln)
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(ln > 0, take / ln, 1.0)
    return float((c * frac).sum())


def pei(
    selected_mask: Sequence[bool] | np.ndarray,
    counts: Sequence[float] | np.ndarray,
    lengths: Sequence[float] | np.ndarray,
) -> float:
    """
    Predictive Efficiency Index: ``n / n*`` (Hunt 2016).

    n* is the most incidents any network of the selected total length could hold, computed
    greedily: segments by test incidents per metre, densest first, the last one counted pro
    rata to reach the length exactly. That is the maximum when segments may be split, so it
    bounds every whole-segment selection and PEI lies in [0, 1].

    Parameters
    ----------
    selected_mask
        True for the selected segments.
    counts
        Test incidents per segment.
    lengths
        Segment lengths in metres.

    Returns
    -------
    pei
        Captured over the maximum capturable; NaN if nothing could be captured.
    """
    mask, c, ln = _eval_arrays(selected_mask, counts, lengths)
    best = _max_captured(c, ln, ln[mask].sum())
    if best <= 0:
        return math.nan
    return float(c[mask].sum() / best)


def _eval_arrays(mask: Any, counts: Any, lengths: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    m = np.asarray(mask, dtype=bool)
    c = np.asarray(counts, dtype=float)
    ln = np.asarray(lengths, dtype=float)
    if not (m.shape == c.shape == ln.shape):
        msg = (
            "selected_mask, counts and lengths must have one shape; found "
            f"{m.shape}, {c.shape}, {ln.shape}."
        )
        raise InputError(msg)
    return m, c, ln


def evaluate(
    corridors: gpd.GeoDataFrame,
    incidents: gpd.GeoDataFrame,
    stops: gpd.GeoDataFrame,
    *,
    config: ScoringConfig,
    cut_date: dt.date | None = None,
    areas: gpd.GeoDataFrame | None = None,
    graph: nx.Graph | None = None,
    shares: Sequence[float] = (0.01, 0.05, 0.10, 0.20),
    n_folds: int = DEFAULT_FOLDS,
    horizon_days: float | None = None,
) -> Evaluation:
    """
    Rolling-origin test of the risk model against baselines: train before each cut, test after.

    The folds (:func:`~siteplan.scoring.selection.rolling_folds`): the last cut is `cut_date`
    (default ``config.evaluation_cut_date``, else one horizon before the last incident), the
    earlier ones one horizon apart. At each cut every method is fitted on the incidents before
    it only. The model of fold f is chosen by :func:`select_model`'s criterion on the test
    windows of folds 0..f-1 (each fold's own period and the window half a horizon before its
    cut), so no fold's model has seen its own test period; fold 0 only serves that choice
    and is not reported (with a single fold, or data too few for a selection, the stated
    default model is reported). For each share s of network length, the top-ranked segments
    are taken until their length reaches s · A. Test incidents are snapped to their nearest
    segment within 25 m (N = snapped test incidents). Then ``PAI = (n / N) / (a / A)``,
    ``PEI = n / n*`` (see :func:`pei`) and the recapture rate index ``RRI = (n / n_prev) /
    (N / N_prev)`` (Levine 2008; "prev" = the period of the same length before the cut: 1
    means the selection keeps its share, below 1 that its incidents regress).

    The methods (:data:`METHODS`):

    - ``model``: the risk model (:func:`score_corridors`' ``risk_per_m_year``);
    - ``priority``: the model's risk combined with footfall by ``config.weights`` (area-level
      incidents left out), what the camera plan ranks by;
    - ``last_period_counts``: raw counts per segment in the horizon before the cut, ties
      broken by shorter length (denser), then corridor id;
    - ``kde``: a plain kernel density of all past incidents (the default bandwidth);
    - ``uniform``: a random choice of length s · A; expected PAI and RRI 1, PEI ``s · N / n*``.

    Parameters
    ----------
    corridors, incidents, stops
        As for :func:`score_corridors`.
    config
        The scenario's ``scoring`` section.
    cut_date
        First day of the last test period; default ``config.evaluation_cut_date``.
    areas, graph
        `graph` gives walking distances to stops (footfall); `areas` is unused.
    shares
        Shares of network length to report, each in (0, 1].
    n_folds, horizon_days
        Number of folds and test-period length (see ``rolling_folds``).

    Returns
    -------
    Evaluation
        Means and spread over the folds (``table``), every fold (``folds``), the selection
        over all folds, the last cut and the last fold's model.

    Raises
    ------
    InputError
        If the last cut leaves no training or test incidents, a share is outside (0, 1], or a
        column is missing.
    CRSError
        If a layer is unprojected or the CRSs differ.
    """
    del areas
    _check_inputs(corridors, incidents, shares)
    times = incidents["occurred_at"]
    cut = cut_date or config.evaluation_cut_date
    _check_cut(times, cut)
    prep = prepare(corridors, incidents, base_weights(incidents, config))
    folds = rolling_folds(times, cut_date=cut, horizon_days=horizon_days, n_folds=n_folds)
    if not folds.cuts:
        folds = Folds((_only_cut(times, cut),), folds.horizon_days)
    specs = candidates(config)
    scores, tests = fold_scores(prep, specs, folds)
    selection = select_prepared(prep, folds, config, precomputed=(scores, tests))
    exposure = _exposure(corridors, stops, config, graph)
    fold_table, last = _all_folds(prep, folds, selection, specs, tests, exposure, config, shares)
    last_cut = folds.cuts[-1]
    in_test = (times >= last_cut).to_numpy()
    result = Evaluation(
        table=_summarise(fold_table),
        cut_date=last_cut.date(),
        bandwidth_m=float(last[0].bandwidth_m) if last else math.nan,
        prior_strength_m=float(last[1]) if last else math.nan,
        n_train=int((times < last_cut).sum()),
        n_test_unsnapped=int(point_mask(incidents[in_test]).sum()) - int(tests[-1].sum()),
        folds=fold_table,
        selection=selection,
        horizon_days=folds.horizon_days,
    )
    _log_result(result)
    return result


def _exposure(
    corridors: gpd.GeoDataFrame, stops: gpd.GeoDataFrame, config: ScoringConfig, graph: Any
) -> np.ndarray:
    """Footfall per corridor (see :func:`footfall`) as an array; score_corridors warns once."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*have no departures", category=InputWarning)
        return footfall(
            corridors,
            stops,
            decay_m=config.footfall_decay_m,
            max_walk_m=config.footfall_max_walk_m,
            graph=graph,
        ).to_numpy()


def _all_folds(
    prep: Prepared,
    folds: Folds,
    selection: ModelSelection,
    specs: Sequence[ModelSpec],
    tests: Sequence[np.ndarray],
    exposure: np.ndarray,
    config: ScoringConfig,
    shares: Sequence[float],
) -> tuple[pd.DataFrame, tuple[ModelSpec, float] | None]:
    """The per-fold table (fold 0 left out when there are several) and the last fold's model."""
    rows: list[dict[str, Any]] = []
    last = None
    warm_up = 1 if len(folds.cuts) >= 2 else 0  # fold 0 only trains the first choice
    for f, cut_ts in enumerate(folds.cuts[warm_up:], start=warm_up):
        spec = _fold_model(selection, selection.scores, specs, f)
        fold_rows, last = _fold_rows(
            prep, folds, f, cut_ts, spec, tests[f], exposure, config, shares
        )
        rows += fold_rows
    return pd.DataFrame(rows, columns=list(FOLD_COLUMNS)), last


def _fold_model(
    selection: ModelSelection, scores: pd.DataFrame, specs: Sequence[ModelSpec], fold: int
) -> ModelSpec:
    """The model of `fold`: the best on the earlier folds, or the default (fold 0, few data)."""
    if fold == 0 or selection.fallback_reason is not None:
        return selection.default
    return best_of(scores, specs, range(fold))


def _only_cut(times: pd.Series, cut: dt.date | None) -> pd.Timestamp:
    """The one cut when the span fits no rolling fold: `cut`, else 75 % into the span."""
    if cut is not None:
        return as_timestamp(pd.Timestamp(cut), times)
    valid = times.dropna()
    return as_timestamp(
        pd.Timestamp((valid.min() + 0.75 * (valid.max() - valid.min())).date()), times
    )


def _fold_rows(
    prep: Prepared,
    folds: Folds,
    f: int,
    cut_ts: pd.Timestamp,
    spec: ModelSpec,
    test: np.ndarray,
    exposure: np.ndarray,
    config: ScoringConfig,
    shares: Sequence[float],
) -> tuple[list[dict[str, Any]], tuple[ModelSpec, float]]:
    """Rows of every method at every share for one fold, and that fold's model and k."""
    cut_day = prep.day_of(cut_ts)
    horizon = folds.horizon_days
    model = surface(prep, spec, cut_day, horizon)
    kde_spec = ModelSpec("kde", default_model(config).bandwidth_m, None, 1.0, 0.0)
    orders = {
        "model": model.order,
        "priority": _priority_order(prep, model.risk, exposure, config),
        "last_period_counts": surface(
            prep, ModelSpec("last_period_counts"), cut_day, horizon
        ).order,
        "kde": surface(prep, kde_spec, cut_day, horizon).order,
    }
    recent = (prep.days < cut_day) & (prep.days >= cut_day - horizon)
    prev = np.bincount(prep.seg[recent], minlength=len(prep.lengths)).astype(float)
    head = {"fold": f, "cut_date": cut_ts.date()}
    rows = []
    for method, order in orders.items():
        label = spec.label if method in ("model", "priority") else method
        for s in shares:
            mask = top_share(order, prep.lengths, s)
            rows.append(
                {
                    **head,
                    "method": method,
                    "model": label,
                    **_row(mask, test, prev, prep.lengths, s),
                }
            )
    rows += [
        {**head, "method": "uniform", "model": "uniform", **_uniform(test, prep.lengths, s)}
        for s in shares
    ]
    return rows, (spec, model.prior_strength_m)


def _priority_order(
    prep: Prepared, risk: np.ndarray, exposure: np.ndarray, config: ScoringConfig
) -> np.ndarray:
    """Positions by risk and footfall, each over its network mean, mixed by the weights."""
    lengths = prep.lengths
    total = np.zeros(len(lengths))
    for weight, values in (
        (config.weights.get("incidents", 0.0), risk),
        (config.weights.get("footfall", 0.0), exposure),
    ):
        mean = float((values * lengths).sum() / lengths.sum())
        if mean > 0:
            total += weight * values / mean
    return order_desc(total, prep.codes, -risk)


def _row(
    mask: np.ndarray, test: np.ndarray, prev: np.ndarray, lengths: np.ndarray, share: float
) -> dict[str, Any]:
    big_n, big_prev = float(test.sum()), float(prev.sum())
    n, n_prev = float(test[mask].sum()), float(prev[mask].sum())
    rri = (
        (n / n_prev) / (big_n / big_prev) if n_prev > 0 and big_n > 0 and big_prev > 0 else math.nan
    )
    return {
        "share": float(share),
        "length_share": float(lengths[mask].sum() / lengths.sum()),
        "n_test": n,
        "N_test": big_n,
        "pai": pai(mask, test, lengths),
        "pei": pei(mask, test, lengths),
        "rri": rri,
    }


def _uniform(test: np.ndarray, lengths: np.ndarray, share: float) -> dict[str, Any]:
    """Expected values of a random choice of `share` of the length."""
    big_n = float(test.sum())
    best = _max_captured(test, lengths, share * lengths.sum())
    return {
        "share": float(share),
        "length_share": float(share),
        "n_test": big_n * share,
        "N_test": big_n,
        "pai": 1.0 if big_n > 0 else math.nan,
        "pei": big_n * share / best if best > 0 else math.nan,
        "rri": 1.0 if big_n > 0 else math.nan,
    }


def _summarise(folds: pd.DataFrame) -> pd.DataFrame:
    """Mean and spread over the folds per method and share, in :data:`METHODS` order."""
    if folds.empty:
        return pd.DataFrame(columns=list(EVALUATION_COLUMNS))
    grouped = folds.groupby(["method", "share"], sort=False)
    table = grouped[["length_share", "n_test", "N_test", "pai", "pei", "rri"]].mean()
    spread = grouped[["pai", "pei", "rri"]].std(ddof=1).add_suffix("_sd")
    table = table.join(spread)
    table["pai_min"] = grouped["pai"].min()
    table["pai_max"] = grouped["pai"].max()
    table["n_folds"] = grouped["fold"].nunique()
    table = table.reset_index()
    rank = table["method"].map({m: i for i, m in enumerate(METHODS)})
    table = table.assign(_r=rank).sort_values(["_r", "share"], kind="stable").drop(columns="_r")
    return table[list(EVALUATION_COLUMNS)].reset_index(drop=True)


def _log_result(result: Evaluation) -> None:
    """One INFO line: the folds, the last cut and the model's mean PAI at each share."""
    table = result.table
    at = table[table["method"] == "model"].set_index("share")["pai"]
    base = table[table["method"] == "last_period_counts"].set_index("share")["pai"]
    log.info(
        "evaluation: %d fold(s) of %.0f days, last cut %s; model PAI %s (last-period counts %s)",
        int(result.folds["fold"].nunique()),
        result.horizon_days,
        result.cut_date,
        ", ".join(f"{s:.0%}: {v:.2f}" for s, v in at.items()),
        ", ".join(f"{v:.2f}" for v in base.to_numpy()),
    )


def _check_inputs(
    corridors: gpd.GeoDataFrame, incidents: gpd.GeoDataFrame, shares: Sequence[float]
) -> None:
    """Columns, CRSs and shares of :func:`evaluate`."""
    check_corridors(corridors, ["length_m", "area"])
    require_columns(incidents, ["occurred_at", "category", "area", "geometry"], "incidents")
    require_same_crs(corridors, incidents, "corridors", "incidents")
    bad = [s for s in shares if not 0 < s <= 1]
    if bad or not shares:
        msg = f"evaluate: shares must be in (0, 1]; found {list(shares)}."
        raise InputError(msg)


def _check_cut(times: pd.Series, cut: dt.date | None) -> None:
    """The last cut must leave incidents on both sides."""
    if not pd.api.types.is_datetime64_any_dtype(times) or times.notna().sum() == 0:
        msg = "`incidents`: 'occurred_at' must hold timestamps to split train and test periods."
        raise InputError(msg)
    if cut is None:
        return
    cut_ts = as_timestamp(pd.Timestamp(cut), times)
    n_train, n_test = int((times < cut_ts).sum()), int((times >= cut_ts).sum())
    if n_train == 0 or n_test == 0:
        msg = (
            f"evaluate: the cut date {cut} leaves {n_train} training and {n_test} test "
            f"incidents (times {times.min()} to {times.max()}). Set scoring.evaluation_cut_date "
            "inside that span."
        )
        raise InputError(msg)
