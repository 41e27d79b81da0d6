"""Camera sites as the units of inference: own windows, control sites, pooling, verdict."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import pandas as pd
import pytest

from siteplan.followup.randomization import randomization_inference
from siteplan.followup.result import NotEstimable, OddsRatio, SiteEffect, SiteEffects, Window
from siteplan.followup.sites import (
    cluster_table,
    matching_window,
    pool_random_effects,
    site_windows,
)
from siteplan.followup.summary import effect_summary


def test_site_windows_staggered_and_season_matched():
    install = pd.Series(
        pd.to_datetime(["2022-08-15", "2024-06-10", "2024-12-31"]),
        index=pd.Index(["a", "b", "c"], name="site_id"),
    )
    w = site_windows(install, end=pd.Timestamp("2024-12-31"))
    assert list(w.index) == ["a", "b"]  # c has no after window
    # a: installed 2022, the after window is the last 365 days; before is a whole year
    # earlier still, so it ends before the installation.
    assert w.loc["a", "after_start"] == pd.Timestamp("2024-01-02")
    assert w.loc["a", "before_end"] < install["a"]
    assert w.loc["a", "before_start"] == pd.Timestamp("2021-01-02")  # three years back
    # b: its own after window from the day after installation, before a year earlier.
    assert w.loc["b", "after_start"] == pd.Timestamp("2024-06-11")
    assert w.loc["b", "before_start"] == pd.Timestamp("2023-06-11")
    assert w.loc["b", "before_end"] == pd.Timestamp("2023-12-31")
    m = matching_window(w, months=12)
    assert m == Window(dt.date(2020, 1, 2), dt.date(2021, 1, 1))


def test_control_sites_mirror_the_site():
    site_of = pd.Series({"u1": "s1", "u2": "s1", "u3": "s2"})
    controls = {"u1": ["c1", "c2"], "u2": ["c3", "c4"], "u3": ["c5"]}
    install = pd.Series(pd.to_datetime(["2025-02-01", "2025-03-01"]), index=["s1", "s2"])
    windows = site_windows(install, end=pd.Timestamp("2025-08-31"))
    lay = cluster_table(site_of, controls, windows)
    assert list(lay.clusters.index) == ["s1", "s1~c1", "s1~c2", "s2", "s2~c1"]
    assert lay.clusters.loc["s1~c1", "n_units"] == 2  # the first control of each unit
    assert lay.cluster_of["c3"] == "s1~c1"
    assert lay.cluster_of["c4"] == "s1~c2"
    assert lay.sites.loc["s1", "n_control_units"] == 4


def _site(or_: float, var: float) -> SiteEffect:
    w = Window(dt.date(2024, 1, 1), dt.date(2024, 6, 30))
    half = 1.96 * math.sqrt(var)
    lo, hi = or_ * math.exp(-half), or_ * math.exp(half)
    return SiteEffect("s", dt.date(2025, 1, 1), w, w, 1, 3, 10, 8, 30, 30, or_, lo, hi, var,
                      1 / or_ - 1, 1 / hi - 1, 1 / lo - 1)  # fmt: skip


def test_random_effects_pooling_by_hand():
    # Identical sites: no heterogeneity, the pooled estimate is the common one.
    same = pool_random_effects([_site(1.5, 0.1)] * 4)
    assert same is not None
    assert same.odds_ratio == pytest.approx(1.5)
    assert same.tau2 == 0
    assert same.ci_high / same.odds_ratio == pytest.approx(
        math.exp(1.96 * math.sqrt(0.1 / 4)), rel=1e-4
    )
    # Two far-apart sites: τ² > 0 widens the interval beyond the fixed-effect one.
    apart = pool_random_effects([_site(0.5, 0.05), _site(2.0, 0.05)])
    assert apart is not None
    assert apart.tau2 > 0
    assert apart.i2 > 0.5
    assert apart.odds_ratio == pytest.approx(1.0)
    assert pool_random_effects([]) is None


def test_few_sites_are_never_called_significant():
    d = [-1.0, -1.1, -0.9, 0.0, 0.1, -0.1, 0.05] * 3
    treated = [True, True, True, False, False, False, False] * 3
    inf = randomization_inference(d, treated)
    assert inf.significant
    ratio = OddsRatio(1, 1, 1, 1, 1.0, 0.5, 2.0, 0.0, 0.1, 1.0, False, 0.0, False)
    window = Window(dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    few = SiteEffects((), None, inf, inf, 1.0, 10, False, window)
    summary = effect_summary(few, ratio, NotEstimable("x"))
    assert summary.verdict == "too_few_sites"
    assert summary.headline is not None
    assert summary.lines[0].method == "randomization"
    assert summary.lines[-1].method == "odds_ratio"  # no TWFE line when not estimable
    many = dataclasses.replace(few, conclusive=True)
    assert effect_summary(many, ratio, NotEstimable("x")).verdict == "clear"
    unsure = dataclasses.replace(many, randomization=dataclasses.replace(inf, significant=False))
    assert effect_summary(unsure, ratio, NotEstimable("x")).verdict == "uncertain"
