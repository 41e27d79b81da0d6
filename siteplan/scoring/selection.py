"""Model selection by rolling-origin temporal cross-validation.

Several cut dates, one forecast horizon apart and ending at the last incident; at each cut
every candidate is fitted only on the incidents before it and scored on the incidents of the
following horizon. Each fold also scores a second test window that starts half a horizon
before its cut (overlapping its neighbours), so a choice made on the first k folds rests on
2k windows: with few folds the choice is then less a matter of one period's luck. The
criterion is the mean PAI at 5 % and 10 % of the network length (the shares a camera plan can
cover), averaged over the windows. The baselines (last-period counts and plain kernel
densities) are among the candidates, so on these windows the chosen model is at least as good
as each of them by construction.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import geopandas as gpd
import numpy as np
import pandas as pd

from siteplan.config import ScoringConfig
from siteplan.errors import InputError
from siteplan.scoring._common import as_timestamp, check_corridors, require_columns
from siteplan.scoring._surface import ModelSpec, Prepared, pai_at, prepare, surface
from siteplan.scoring.components import incident_weights

log = logging.getLogger(__name__)

#: Shares of network length whose mean PAI is the selection criterion.
SELECTION_SHARES = (0.05, 0.10)
#: Recency half-lives tried (days; None: no decay), besides the scenario's own.
HALF_LIVES_DAYS: tuple[float | None, ...] = (90.0, 180.0, 365.0, 730.0, None)
#: Multipliers of the estimated prior strength tried.
PRIOR_SCALES = (0.25, 1.0, 4.0)
#: Near-repeat shares tried.
NEAR_REPEAT_SHARES = (0.0, 0.15)
#: Fewer folds than this, or fewer test incidents per fold, and the default model is used.
MIN_FOLDS = 2
MIN_TEST_INCIDENTS = 20
DEFAULT_FOLDS = 5
#: Half-life of the fallback model, in days.
DEFAULT_HALF_LIFE_DAYS = 180.0
#: Least training span before the first cut, in days.
MIN_TRAIN_DAYS = 90.0
#: Where each fold's second selection window starts: this share of a horizon before its cut.
BETWEEN_WINDOW_SHARE = 0.5


@dataclass(frozen=True)
class Folds:
    """Rolling-origin folds: cut days (since the first incident) and the forecast horizon."""

    cuts: tuple[pd.Timestamp, ...]
    horizon_days: float


@dataclass(frozen=True)
class ModelSelection:
    """
    Result of :func:`select_model`.

    Attributes
    ----------
    model
        The chosen candidate (the default when the data are too few: see `fallback_reason`).
    default
        The stated default model (scenario bandwidth and half-life, estimated prior strength).
    scores
        One row per candidate and test window: ``candidate`` (label), ``kind``,
        ``bandwidth_m``, ``half_life_days``, ``prior_scale``, ``near_repeat``, ``fold``,
        ``window`` (``"fold"``: the fold's own test period; ``"between"``: the window
        starting half a horizon before the fold's cut, which ends before the next fold's
        cut), ``cut_date`` (the window's first day), ``pai_5``, ``pai_10`` and ``criterion``
        (their mean). Empty with a fallback.
    cut_dates
        First day of each fold's test period, oldest first.
    horizon_days
        Length of each test period (and of the last-period-counts baseline's window).
    fallback_reason
        Why the default was used (None when the cross-validation decided).
    """

    model: ModelSpec
    default: ModelSpec
    scores: pd.DataFrame
    cut_dates: tuple[dt.date, ...]
    horizon_days: float
    fallback_reason: str | None = None

    def summary(self) -> pd.DataFrame:
        """Mean and spread of the criterion over the test windows per candidate, best first."""
        if self.scores.empty:
            return pd.DataFrame(columns=["candidate", "mean", "sd", "n_windows"])
        grouped = self.scores.groupby("candidate", sort=False)["criterion"]
        table = pd.DataFrame(
            {"mean": grouped.mean(), "sd": grouped.std(ddof=1), "n_windows": grouped.count()}
        )
        return table.sort_values("mean", ascending=False, kind="stable").reset_index()


def searches_bandwidth(config: ScoringConfig) -> bool:
    """True when the bandwidth is chosen from ``bandwidth_candidates_m``.

    That is with ``bandwidth_m = "cv"`` and when the scenario leaves ``bandwidth_m`` unset;
    a number the scenario sets fixes it.
    """
    return config.bandwidth_m == "cv" or "bandwidth_m" not in config.model_fields_set


def default_model(config: ScoringConfig) -> ModelSpec:
    """The stated fallback when the data are too few to choose.

    The scenario's bandwidth (75 m with "cv"), a 180-day half-life, four times the estimated
    prior strength and a 15 % near-repeat share: the candidate that came within 4 % of the
    best on all six generated test processes (benchmarks/RESULTS.md, "Scoring: generalisation").
    """
    bandwidth = 75.0 if config.bandwidth_m == "cv" else float(config.bandwidth_m)
    return ModelSpec("blend", bandwidth, DEFAULT_HALF_LIFE_DAYS, 4.0, 0.15)


def candidates(
    config: ScoringConfig, *, bandwidths_m: Sequence[float] | None = None
) -> list[ModelSpec]:
    """The candidate models: the default first, the baselines, then the blend grid.

    Bandwidths: `bandwidths_m`, else the scenario's candidates (see
    :func:`searches_bandwidth`), else its fixed one.
    When a given `bandwidths_m` leaves out the default's bandwidth, the default takes their
    median.
    """
    default = default_model(config)
    if bandwidths_m is None:
        bandwidths_m = (
            config.bandwidth_candidates_m if searches_bandwidth(config) else [default.bandwidth_m]
        )
    elif default.bandwidth_m not in bandwidths_m:  # fixed by the caller: the default follows
        default = replace(default, bandwidth_m=sorted(bandwidths_m)[len(bandwidths_m) // 2])
    hs = sorted({float(b) for b in bandwidths_m})
    hls = list(dict.fromkeys([config.half_life_days, *HALF_LIVES_DAYS]))
    out = [default, ModelSpec("last_period_counts", default.bandwidth_m, None, 1.0, 0.0)]
    out += [ModelSpec("kde", h, None, 1.0, 0.0) for h in hs]
    for h, hl, k, nr in itertools.product(hs, hls, PRIOR_SCALES, NEAR_REPEAT_SHARES):
        spec = ModelSpec("blend", h, hl, k, nr)
        if spec != default:
            out.append(spec)
    return out


def rolling_folds(
    times: pd.Series,
    *,
    cut_date: dt.date | None = None,
    horizon_days: float | None = None,
    n_folds: int = DEFAULT_FOLDS,
) -> Folds:
    """
    Cut dates one horizon apart, the last one horizon before the last incident.

    The horizon is `horizon_days`, else the time from `cut_date` to the last incident, else a
    sixth of the span (at least 14 days). Earlier cuts follow while at least 90 days of data
    lie before them, up to `n_folds`.
    """
    valid = times.dropna()
    if valid.empty:
        return Folds((), 0.0)
    t_min, t_max = valid.min(), valid.max()
    span_days = (t_max - t_min) / pd.Timedelta(days=1)
    if horizon_days is None:
        if cut_date is not None:
            last_cut = as_timestamp(pd.Timestamp(cut_date), times)
            horizon_days = (t_max - last_cut) / pd.Timedelta(days=1)
        else:
            horizon_days = max(span_days / 6.0, 14.0)
    if not horizon_days > 0:
        msg = f"evaluation: the cut date {cut_date} leaves no test period (last incident {t_max})."
        raise InputError(msg)
    step = pd.Timedelta(days=float(horizon_days))
    last = (
        as_timestamp(pd.Timestamp(cut_date), times)
        if cut_date is not None
        else (t_max - step).normalize()
    )
    cuts = []
    for f in range(n_folds):
        cut = (last - f * step).normalize() if f else last
        if (cut - t_min) / pd.Timedelta(days=1) < MIN_TRAIN_DAYS:
            break
        cuts.append(cut)
    return Folds(tuple(reversed(cuts)), float(horizon_days))


def fold_scores(
    prep: Prepared, specs: Sequence[ModelSpec], folds: Folds
) -> tuple[pd.DataFrame, list[np.ndarray]]:
    """
    Criterion of every candidate in every test window, and each fold's test counts.

    Fold f scores its own test period and, when at least ``MIN_TRAIN_DAYS`` lie before it, a
    window of the same length starting ``BETWEEN_WINDOW_SHARE`` of a horizon before its cut.
    Both end by the next fold's cut, so a choice for fold f may use every window of folds
    0..f-1 (the last fold's own period runs to the last incident).
    """
    rows = []
    tests = []
    prep.warm([s.bandwidth_m for s in specs if s.kind != "last_period_counts"])
    h = folds.horizon_days
    last_day = float(prep.days.max()) if len(prep.days) else 0.0
    for f, cut in enumerate(folds.cuts):
        between = (cut - pd.Timedelta(days=BETWEEN_WINDOW_SHARE * h)).normalize()
        windows = [("fold", cut)]
        if prep.day_of(between) - prep.start_day >= MIN_TRAIN_DAYS:
            windows.append(("between", between))
        for window, start in windows:
            start_day = prep.day_of(start)
            runs_to_end = f == len(folds.cuts) - 1 and window == "fold"
            test = _window_counts(prep, start_day, last_day + 1.0 if runs_to_end else start_day + h)
            if window == "fold":
                tests.append(test)
            cache: dict = {}
            for spec in specs:
                order = surface(prep, spec, start_day, h, cache=cache).order
                p5, p10 = pai_at(order, test, prep.lengths, SELECTION_SHARES)
                rows.append(_score_row(spec, f, window, start, p5, p10))
    return pd.DataFrame(rows), tests


def _window_counts(prep: Prepared, start_day: float, end_day: float) -> np.ndarray:
    """Incidents per segment with ``start_day <= day < end_day`` (a day of slack at the end)."""
    inside = (prep.days >= start_day) & (prep.days < end_day + 1e-9)
    return np.bincount(prep.seg[inside], minlength=len(prep.lengths)).astype(float)


def _score_row(
    spec: ModelSpec, fold: int, window: str, cut: pd.Timestamp, p5: float, p10: float
) -> dict:
    return {
        "candidate": spec.label,
        "kind": spec.kind,
        "bandwidth_m": spec.bandwidth_m,
        "half_life_days": math.nan if spec.half_life_days is None else spec.half_life_days,
        "prior_scale": spec.prior_scale,
        "near_repeat": spec.near_repeat,
        "fold": fold,
        "window": window,
        "cut_date": cut.date(),
        "pai_5": p5,
        "pai_10": p10,
        "criterion": (p5 + p10) / 2,
    }


def best_of(scores: pd.DataFrame, specs: Sequence[ModelSpec], folds: Sequence[int]) -> ModelSpec:
    """The best mean criterion over the test windows of `folds` (ties: earlier in `specs`)."""
    part = scores[scores["fold"].isin(list(folds))]
    mean = part.groupby("candidate", sort=False)["criterion"].mean().fillna(-math.inf)
    by_label = {s.label: s for s in specs}
    best = max(specs, key=lambda s: (mean.get(s.label, -math.inf), -specs.index(s)))
    return by_label[best.label]


def _fallback_reason(folds: Folds, tests: Sequence[np.ndarray]) -> str | None:
    if len(folds.cuts) < MIN_FOLDS:
        return (
            f"only {len(folds.cuts)} rolling fold(s) fit in the incidents' time span "
            f"(need {MIN_FOLDS}); using the default model"
        )
    thin = [int(t.sum()) for t in tests if t.sum() < MIN_TEST_INCIDENTS]
    if thin:
        return (
            f"{len(thin)} fold(s) have fewer than {MIN_TEST_INCIDENTS} test incidents on the "
            "network; using the default model"
        )
    return None


def select_model(
    corridors: gpd.GeoDataFrame,
    incidents: gpd.GeoDataFrame,
    *,
    config: ScoringConfig,
    bandwidths_m: Sequence[float] | None = None,
    cut_date: dt.date | None = None,
    horizon_days: float | None = None,
    n_folds: int = DEFAULT_FOLDS,
) -> ModelSelection:
    """
    Choose the risk model by rolling-origin temporal cross-validation.

    Candidates: the default model (:func:`default_model`), the baselines (last-period counts,
    a plain KDE per bandwidth) and the empirical-Bayes blend over bandwidths (see
    :func:`candidates`), recency half-lives (90, 180, 365, 730 days, none and the scenario's
    ``half_life_days``),
    prior-strength multipliers (0.25, 1, 4) and near-repeat shares (0, 0.15). Each is fitted
    at every cut on the incidents before it; the one with the best mean PAI at 5 % and 10 %
    over the folds is chosen (ties: the earlier candidate, so the default wins ties).

    Parameters
    ----------
    corridors
        Segments with ``length_m`` in a projected CRS.
    incidents
        Incidents with ``occurred_at``, ``category`` and geometry, same CRS.
    config
        The scenario's ``scoring`` section (severity, hour weights, bandwidths, half-life,
        ``evaluation_cut_date``: the last fold's cut).
    bandwidths_m
        Bandwidths to try; default ``config.bandwidth_candidates_m`` unless the scenario sets
        a number for ``bandwidth_m`` (see :func:`searches_bandwidth`).
    cut_date, horizon_days, n_folds
        The folds (see :func:`rolling_folds`); `cut_date` defaults to
        ``config.evaluation_cut_date``.

    Returns
    -------
    ModelSelection
        The choice, the fold scores and, when the data are too few (fewer than 2 folds or a
        fold with fewer than 20 test incidents on the network), the default with the reason.
    """
    check_corridors(corridors, ["length_m"])
    require_columns(incidents, ["occurred_at", "category", "geometry"], "incidents")
    prep = prepare(corridors, incidents, base_weights(incidents, config))
    folds = rolling_folds(
        incidents["occurred_at"],
        cut_date=cut_date or config.evaluation_cut_date,
        horizon_days=horizon_days,
        n_folds=n_folds,
    )
    return select_prepared(prep, folds, config, bandwidths_m=bandwidths_m)


def base_weights(incidents: pd.DataFrame, config: ScoringConfig) -> np.ndarray:
    """Severity × hour weights without recency (the candidates apply their own half-life)."""
    no_decay = config.model_copy(update={"half_life_days": None})
    return incident_weights(incidents, config=no_decay).to_numpy(dtype=float)


def select_prepared(
    prep: Prepared,
    folds: Folds,
    config: ScoringConfig,
    *,
    bandwidths_m: Sequence[float] | None = None,
    precomputed: tuple[pd.DataFrame, list[np.ndarray]] | None = None,
) -> ModelSelection:
    """:func:`select_model` on incidents already snapped (see ``_surface.prepare``).

    `precomputed`: the :func:`fold_scores` of the same candidates and folds, to reuse.
    """
    specs = candidates(config, bandwidths_m=bandwidths_m)
    default = specs[0]
    cut_dates = tuple(c.date() for c in folds.cuts)
    if precomputed is not None:
        scores, tests = precomputed
    elif folds.cuts:
        scores, tests = fold_scores(prep, specs, folds)
    else:
        scores, tests = pd.DataFrame(), []
    reason = _fallback_reason(folds, tests)
    if reason is not None:
        log.info("model selection: %s (%s)", reason, default.label)
        return ModelSelection(default, default, scores, cut_dates, folds.horizon_days, reason)
    chosen = best_of(scores, specs, range(len(folds.cuts)))
    result = ModelSelection(chosen, default, scores, cut_dates, folds.horizon_days)
    top = result.summary().iloc[0]
    log.info(
        "model selection: %s chosen over %d candidates on %d folds of %.0f days "
        "(mean PAI 5/10 %% %.2f, sd %.2f)",
        chosen.label,
        len(specs),
        len(folds.cuts),
        folds.horizon_days,
        top["mean"],
        top["sd"],
    )
    return result
