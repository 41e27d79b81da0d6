"""Hold-out evaluation of the score: PAI, PEI and the comparison with simple baselines."""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from siteplan.config import ScoringConfig
from siteplan.crs import require_same_crs
from siteplan.errors import InputError
from siteplan.scoring._common import (
    as_timestamp,
    check_corridors,
    point_mask,
    rank_desc,
    require_columns,
    snap_counts,
)
from siteplan.scoring.model import fit_scores

log = logging.getLogger(__name__)

#: Columns of :attr:`Evaluation.table`.
EVALUATION_COLUMNS = ("method", "share", "length_share", "n_test", "N_test", "pai", "pei")


@dataclass(frozen=True)
class Evaluation:
    """
    Result of :func:`evaluate`: the hold-out table and what it was computed with.

    Attributes
    ----------
    table
        One row per method and share, columns :data:`EVALUATION_COLUMNS`: ``method``,
        ``share``, ``length_share`` (a / A), ``n_test`` (float: expected for uniform),
        ``N_test``, ``pai``, ``pei``.
    cut_date
        First day of the test period; None when no evaluation was made.
    bandwidth_m
        Kernel bandwidth in metres of the score fitted on the training period.
    prior_strength_m
        Prior strength k in metres of that score's incident rate.
    n_train
        Incidents before the cut (training period).
    n_test_unsnapped
        Point incidents of the test period farther than 25 m from every segment.
    """

    table: pd.DataFrame
    cut_date: dt.date | None
    bandwidth_m: float
    prior_strength_m: float
    n_train: int = 0
    n_test_unsnapped: int = 0

    @classmethod
    def empty(cls) -> Evaluation:
        """An evaluation that was not made: an empty table, no cut date, NaN values."""
        table = pd.DataFrame(columns=list(EVALUATION_COLUMNS))
        return cls(table=table, cut_date=None, bandwidth_m=math.nan, prior_strength_m=math.nan)


class _Periods(NamedTuple):
    """Training and test incidents either side of the cut."""

    cut: dt.date
    cut_ts: pd.Timestamp
    train: gpd.GeoDataFrame
    test: gpd.GeoDataFrame
    test_span: pd.Timedelta


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


def _top_share(order: np.ndarray, lengths: np.ndarray, share: float) -> np.ndarray:
    """Mask of the first segments in `order` until their length reaches `share` of the total."""
    cum = np.cumsum(lengths[order])
    k = int(np.searchsorted(cum, share * lengths.sum() * (1 - 1e-12), side="left")) + 1
    mask = np.zeros(len(lengths), dtype=bool)
    mask[order[: min(k, len(order))]] = True
    return mask


def _default_cut(times: pd.Series) -> dt.date:
    t0, t1 = times.min(), times.max()
    return (t0 + 0.75 * (t1 - t0)).date()


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
) -> Evaluation:
    """
    Hold-out test of the score: train before a date, count hits after it.

    For each share s of network length, the top-ranked segments are taken until their length
    reaches s · A (the last may overshoot; a is the actual selected length). Test incidents
    are snapped to their nearest segment within 25 m (N = snapped test incidents). Then
    ``PAI = (n / N) / (a / A)`` and ``PEI = n / n*`` (see :func:`pei`).

    The methods compared:

    - ``score``: :func:`score_corridors` fitted on the training incidents;
    - ``last_period_counts``: raw incident counts per segment (snapped like the test) in the
      last period before the cut, as long as the test period (the analyst's "last month's
      hotspots" rule, capped at the training span), ties broken by shorter length (denser), then
      corridor id;
    - ``uniform``: a random choice of length s · A; its expected PAI is 1 by definition and its
      expected n is ``N · s``, so PEI = ``s · N / n*``.

    Parameters
    ----------
    corridors, incidents, stops
        As for :func:`score_corridors`.
    config
        The scenario's ``scoring`` section.
    cut_date
        First day of the test period; default ``config.evaluation_cut_date``, else the date at
        75 % of the incidents' time span.
    areas, graph
        Passed to :func:`score_corridors`.
    shares
        Shares of network length to report, each in (0, 1].

    Returns
    -------
    Evaluation
        The table (one row per method and share), the cut date, the training and unsnapped
        test counts, and the bandwidth and prior strength of the score fitted on the training
        period.

    Raises
    ------
    InputError
        If either period has no incidents, a share is outside (0, 1], or a column is missing.
    CRSError
        If a layer is unprojected or the CRSs differ.
    """
    _check_inputs(corridors, incidents, shares)
    periods = _periods(incidents, cut_date or config.evaluation_cut_date)
    lengths = corridors["length_m"].to_numpy(dtype=float)
    test_counts = snap_counts(corridors, periods.test)
    fit = fit_scores(
        corridors,
        periods.train,
        stops,
        config=config,
        areas=areas,
        graph=graph,
        reference_time=periods.cut_ts,
    )
    orders = {
        "score": np.argsort(fit.corridors["rank"].to_numpy(), kind="stable"),
        "last_period_counts": _last_period_order(corridors, periods, lengths),
    }
    rows = [
        *_method_rows(orders, shares, test_counts, lengths),
        *_uniform_rows(shares, test_counts, lengths),
    ]
    n_snapped = int(test_counts.sum())
    result = Evaluation(
        table=pd.DataFrame(rows),
        cut_date=pd.Timestamp(periods.cut).date(),
        bandwidth_m=fit.bandwidth_m,
        prior_strength_m=fit.prior_strength_m,
        n_train=len(periods.train),
        n_test_unsnapped=int(point_mask(periods.test).sum()) - n_snapped,
    )
    _log_result(result, n_test=len(periods.test), n_snapped=n_snapped)
    return result


def _log_result(result: Evaluation, *, n_test: int, n_snapped: int) -> None:
    """One INFO line: the cut, the incident counts and the score's PAI at each share."""
    table = result.table
    at = table[(table["method"] == "score")].set_index("share")["pai"]
    log.info(
        "evaluation: cut %s, %d train / %d test incidents (%d on the network); score PAI %s",
        result.cut_date,
        result.n_train,
        n_test,
        n_snapped,
        ", ".join(f"{s:.0%}: {v:.2f}" for s, v in at.items()),
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


def _last_period_order(
    corridors: gpd.GeoDataFrame, periods: _Periods, lengths: np.ndarray
) -> np.ndarray:
    """Segment positions by incident count in the last training period as long as the test.

    Ties go to the shorter (denser) segment, then the corridor id.
    """
    train = periods.train
    last_period = train[(train["occurred_at"] >= periods.cut_ts - periods.test_span).to_numpy()]
    counts = pd.Series(snap_counts(corridors, last_period), index=corridors.index)
    return np.argsort(rank_desc(counts, tiebreak=[lengths]).to_numpy(), kind="stable")


def _periods(incidents: gpd.GeoDataFrame, cut_date: dt.date | None) -> _Periods:
    """Split `incidents` at `cut_date` (default: at 75 % of their time span); none may be empty."""
    times = incidents["occurred_at"]
    if not pd.api.types.is_datetime64_any_dtype(times) or times.notna().sum() == 0:
        msg = "`incidents`: 'occurred_at' must hold timestamps to split train and test periods."
        raise InputError(msg)
    cut = cut_date or _default_cut(times.dropna())
    cut_ts = as_timestamp(pd.Timestamp(cut), times)
    train = incidents[(times < cut_ts).to_numpy()]
    test = incidents[(times >= cut_ts).to_numpy()]
    if len(train) == 0 or len(test) == 0:
        msg = (
            f"evaluate: the cut date {cut} leaves {len(train)} training and {len(test)} test "
            f"incidents (times {times.min()} to {times.max()}). Set scoring.evaluation_cut_date "
            "inside that span."
        )
        raise InputError(msg)
    return _Periods(cut, cut_ts, train, test, times.max() - cut_ts)


def _method_rows(
    orders: dict[str, np.ndarray],
    shares: Sequence[float],
    test_counts: np.ndarray,
    lengths: np.ndarray,
) -> list[dict[str, Any]]:
    """Table rows of the ranked methods: the top segments by each order, at each share."""
    big_n = float(test_counts.sum())
    rows = []
    for method, order in orders.items():
        for s in shares:
            mask = _top_share(order, lengths, s)
            rows.append(
                {
                    "method": method,
                    "share": float(s),
                    "length_share": float(lengths[mask].sum() / lengths.sum()),
                    "n_test": float(test_counts[mask].sum()),
                    "N_test": big_n,
                    "pai": pai(mask, test_counts, lengths),
                    "pei": pei(mask, test_counts, lengths),
                }
            )
    return rows


def _uniform_rows(
    shares: Sequence[float], test_counts: np.ndarray, lengths: np.ndarray
) -> list[dict[str, Any]]:
    """Table rows of the uniform (random) choice: expected values at each share."""
    big_n = float(test_counts.sum())
    rows = []
    for s in shares:
        best = _max_captured(test_counts, lengths, s * lengths.sum())
        rows.append(
            {
                "method": "uniform",
                "share": float(s),
                "length_share": float(s),
                "n_test": big_n * s,
                "N_test": big_n,
                "pai": 1.0 if big_n > 0 else math.nan,
                "pei": big_n * s / best if best > 0 else math.nan,
            }
        )
    return rows
