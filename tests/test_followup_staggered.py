"""A staggered synthetic rollout: per-site and group-time estimates recover a known effect, and
the pre-trend test flags an injected pre-trend (issue 14)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from siteplan.followup.sites import (
    cluster_counts,
    cluster_table,
    site_odds_ratios,
    site_windows,
)
from siteplan.followup.staggered import event_study

START, END = pd.Timestamp("2022-01-01"), pd.Timestamp("2025-06-30")
EFFECTS = {"s0": 0.6, "s1": 0.7, "s2": 0.8, "s3": 0.6, "s4": 0.7, "s5": 0.8}  # known IRR per site


def _rollout(seed: int, *, pretrend: float = 0.0):
    """Six sites installed Aug 2023 - Jun 2024, 30 incidents a month each, 3 controls each."""
    rng = np.random.default_rng(seed)
    install = pd.Series(
        pd.to_datetime(
            ["2023-08-15", "2023-09-20", "2023-12-01", "2024-01-10", "2024-03-05", "2024-06-01"]
        ),
        index=pd.Index(list(EFFECTS), name="site_id"),
    )
    days = pd.date_range(START, END, freq="D")
    rows = []
    for site, day in install.items():
        for unit, treated in [(f"{site}-t", True)] + [(f"{site}-c{j}", False) for j in range(3)]:
            rate = np.full(len(days), 1.0)  # one incident a day
            if treated:
                rate = np.where(days > day, rate * EFFECTS[site], rate)
                years_before = np.clip((day - days).days.to_numpy() / 365.25, 0, None)
                rate = rate * np.exp(-pretrend * years_before)  # rising toward installation
            n = rng.poisson(rate)
            rows.append(pd.DataFrame({"unit": unit, "day": np.repeat(days, n)}))
    hits = pd.concat(rows, ignore_index=True)
    site_of = pd.Series({f"{s}-t": s for s in EFFECTS})
    controls = {f"{s}-t": [f"{s}-c{j}" for j in range(3)] for s in EFFECTS}
    windows = site_windows(install, end=END)
    layout = cluster_table(site_of, controls, windows)
    return hits, layout


def test_per_site_and_group_time_recover_the_known_effect():
    hits, layout = _rollout(1)
    counts = cluster_counts(layout, hits["unit"], hits["day"])
    sites = site_odds_ratios(layout, counts, phi=1.0)
    assert len(sites) == 6
    for s in sites:
        true_change = EFFECTS[s.site_id] - 1
        assert s.change_low <= true_change <= s.change_high, s.site_id
        assert s.change == pytest.approx(true_change, abs=0.1)
    cluster = hits["unit"].map(layout.cluster_of)
    study = event_study(
        pd.DataFrame({"cluster": cluster, "day": hits["day"]}), layout.clusters,
        data_start=START, end=END,
    )  # fmt: skip
    assert study.overall is not None
    mean_change = float(np.mean(list(EFFECTS.values()))) - 1  # −0.3
    assert study.overall.change_low <= mean_change <= study.overall.change_high
    for g in study.cohorts:
        assert g.change < 0
    after = [ev for ev in study.events if ev.e >= 0]
    assert after
    assert all(ev.change_high < 0 for ev in after)
    assert not study.pretrend_flag
    base = next(ev for ev in study.events if ev.e == -1)
    assert base.log_effect == 0


def test_pretrend_is_flagged():
    hits, layout = _rollout(2, pretrend=0.5)
    cluster = hits["unit"].map(layout.cluster_of)
    study = event_study(
        pd.DataFrame({"cluster": cluster, "day": hits["day"]}), layout.clusters,
        data_start=START, end=END,
    )  # fmt: skip
    assert study.pretrend_df >= 2
    assert study.pretrend_flag
    assert study.pretrend_p is not None
    assert study.pretrend_p < 0.05
