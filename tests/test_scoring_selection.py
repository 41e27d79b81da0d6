"""Tests of model selection, the generated incident processes and generalisation."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from siteplan import scoring
from siteplan.config import ScoringConfig
from siteplan.datasets import incident_processes as ip
from siteplan.errors import InputWarning
from siteplan.scoring import selection

pytestmark = pytest.mark.filterwarnings("ignore:.*have no departures:UserWarning")


@pytest.fixture(scope="module")
def small_town():
    corridors = ip.grid_corridors(20, 50.0, seed=0)
    stops = ip.grid_stops(corridors, seed=0)
    return corridors, stops


def test_processes_are_seeded_and_differ(small_town):
    corridors, stops = small_town
    seen = {}
    for name in ip.PROCESSES:
        a = ip.generate_incidents(corridors, stops, process=name, n=800, seed=5)
        b = ip.generate_incidents(corridors, stops, process=name, n=800, seed=5)
        pd.testing.assert_frame_equal(a, b)
        assert 600 <= len(a) <= 800, name
        assert a["occurred_at"].is_monotonic_increasing
        assert a["occurred_at"].min() >= pd.Timestamp("2023-01-01", tz="Europe/Stockholm")
        assert a["occurred_at"].max() < pd.Timestamp("2026-01-02", tz="Europe/Stockholm")
        assert a.crs == corridors.crs
        seen[name] = np.bincount(
            corridors.sindex.nearest(a.geometry.values, return_all=False)[1],
            minlength=len(corridors),
        )
    # Concentration differs: few addresses and heavy tails put more on the busiest 2 %.
    top = {k: np.sort(v)[::-1][: len(v) // 50].sum() / v.sum() for k, v in seen.items()}
    assert top["few_addresses"] > top["near_repeat"] + 0.2
    assert top["stable_heavy_tailed"] > top["near_repeat"] + 0.2
    with pytest.raises(ValueError, match="not an incident process"):
        ip.generate_incidents(corridors, stops, process="nope")


def test_emerging_cluster_sits_at_a_stop_without_departures(small_town):
    corridors, stops = small_town
    inc = ip.generate_incidents(corridors, stops, process="emerging_fading", n=3000, seed=2)
    idle = stops[stops["departures_per_hour"] == 0].geometry.iloc[0]
    late = inc[inc["occurred_at"] >= pd.Timestamp("2025-01-01", tz="Europe/Stockholm")]
    early = inc[inc["occurred_at"] < pd.Timestamp("2024-01-01", tz="Europe/Stockholm")]
    assert (late.distance(idle) < 60).sum() > 5 * max((early.distance(idle) < 60).sum(), 1)


def test_footfall_warns_about_stops_without_departures(small_town):
    corridors, stops = small_town
    with pytest.warns(InputWarning, match=r"3 of 12 stop\(s\) have no departures"):
        ff = scoring.footfall(corridors, stops, decay_m=150.0, max_walk_m=400.0)
    busy = stops[stops["departures_per_hour"] > 0]
    only_busy = scoring.footfall(corridors, busy, decay_m=150.0, max_walk_m=400.0)
    pd.testing.assert_series_equal(ff, only_busy)


def test_rolling_folds_step_back_one_horizon():
    times = pd.Series(pd.date_range("2023-01-01", "2025-12-31", freq="D", tz="Europe/Stockholm"))
    folds = selection.rolling_folds(times, cut_date=dt.date(2025, 7, 1), n_folds=5)
    assert folds.cuts[-1].date() == dt.date(2025, 7, 1)
    assert folds.horizon_days == pytest.approx(183, abs=1)
    gaps = np.diff([c.value for c in folds.cuts]) / 86_400e9
    assert np.allclose(gaps, folds.horizon_days, atol=1)
    assert len(folds.cuts) == 5
    assert (folds.cuts[0] - times.min()).days >= selection.MIN_TRAIN_DAYS
    short = selection.rolling_folds(times[:200])  # no cut date: a sixth of the span
    assert short.horizon_days == pytest.approx(199 / 6, abs=0.01)
    assert all((c - times.min()).days >= selection.MIN_TRAIN_DAYS for c in short.cuts)


def test_selection_includes_the_baselines_and_beats_them_on_its_folds(small_town):
    corridors, stops = small_town
    inc = ip.generate_incidents(corridors, stops, process="emerging_fading", n=2500, seed=1)
    config = ScoringConfig(bandwidth_m="cv", bandwidth_candidates_m=[25.0, 50.0, 100.0])
    result = scoring.select_model(corridors, inc, config=config)
    assert result.fallback_reason is None
    summary = result.summary().set_index("candidate")["mean"]
    assert {"last_period_counts", "kde(h=25 m)", "kde(h=100 m)"} <= set(summary.index)
    assert summary[result.model.label] == summary.max()
    for baseline in ("last_period_counts", "kde(h=25 m)", "kde(h=50 m)", "kde(h=100 m)"):
        assert summary[result.model.label] >= summary[baseline]
    assert result.default == selection.default_model(config)
    assert len(result.cut_dates) == result.scores["fold"].nunique() >= 2


def test_too_few_incidents_fall_back_to_the_stated_default(small_town):
    corridors, stops = small_town
    inc = ip.generate_incidents(corridors, stops, process="stable_heavy_tailed", n=60, seed=1)
    result = scoring.select_model(corridors, inc, config=ScoringConfig())
    assert result.model == result.default == selection.default_model(ScoringConfig())
    assert "fewer than 20 test incidents" in (result.fallback_reason or "")
    fit = scoring.fit_scores(corridors, inc, stops, config=ScoringConfig())
    assert fit.model == result.default


@pytest.mark.parametrize("process", ["stable_heavy_tailed", "emerging_fading"])
def test_model_beats_the_best_baseline_over_rolling_folds_on_a_small_town(small_town, process):
    corridors, stops = small_town
    inc = ip.generate_incidents(corridors, stops, process=process, n=3000, seed=3)
    config = ScoringConfig(bandwidth_m="cv", bandwidth_candidates_m=[25.0, 50.0, 100.0])
    table = scoring.evaluate(corridors, inc, stops, config=config).table.set_index(
        ["method", "share"]
    )
    assert (table["n_folds"] >= 3).all()
    for share in (0.05, 0.10):
        best = max(table.loc[(b, share), "pai"] for b in ("last_period_counts", "kde"))
        assert table.loc[("model", share), "pai"] >= best, share
        assert table.loc[("model", share), "pai"] > 2 * table.loc[("uniform", share), "pai"]


def test_each_fold_adds_a_window_half_a_horizon_earlier_and_choices_use_only_the_past(
    small_town,
):
    corridors, stops = small_town
    inc = ip.generate_incidents(corridors, stops, process="near_repeat", n=2000, seed=4)
    config = ScoringConfig(bandwidth_m="cv", bandwidth_candidates_m=[25.0, 100.0])
    result = scoring.select_model(corridors, inc, config=config)
    scores = result.scores
    horizon = pd.Timedelta(days=result.horizon_days)
    first = inc["occurred_at"].min()
    n_cands = scores["candidate"].nunique()
    for f, cut in enumerate(result.cut_dates):
        rows = scores[scores["fold"] == f]
        own = rows[rows["window"] == "fold"]
        assert set(own["cut_date"]) == {cut}
        assert len(own) == n_cands
        between = rows[rows["window"] == "between"]
        start = (pd.Timestamp(cut, tz=first.tz) - horizon / 2).normalize()
        if (start - first).days >= selection.MIN_TRAIN_DAYS:
            assert set(between["cut_date"]) == {start.date()}
            assert len(between) == n_cands
            # It ends before the next fold's cut, so a choice for later folds may use it.
            if f + 1 < len(result.cut_dates):
                nxt = pd.Timestamp(result.cut_dates[f + 1], tz=first.tz)
                assert start + horizon <= nxt + pd.Timedelta(days=1)
        else:
            assert between.empty
    assert (scores["window"] == "between").sum() >= n_cands * (len(result.cut_dates) - 1)
    # The choice is the best mean over all windows; its mean counts both kinds.
    summary = result.summary().set_index("candidate")
    assert summary.loc[result.model.label, "mean"] == summary["mean"].max()
    assert (summary["n_windows"] == len(scores) // n_cands).all()
