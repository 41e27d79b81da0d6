"""Inference with few treated sites: randomization inference and the wild cluster bootstrap.

The simulation of issue 14: with no true effect and 3 treated sites among 20 controls, fewer
than 7 % of 200 seeded replications may be significant at 5 %; with a true 30 % reduction at
20 treated sites, the interval must hold the effect in at least 90 % of replications.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from siteplan.errors import InputError
from siteplan.followup.randomization import (
    randomization_inference,
    site_log_changes,
    wild_cluster_bootstrap,
)


def _sites(rng: np.random.Generator, n_treated: int, n_control: int, *, irr: float):
    """Sites with overdispersed levels (mean 20 a window) and a common trend of +10 %."""
    n = n_treated + n_control
    level = rng.gamma(4.0, 5.0, size=n)
    treated = np.arange(n) < n_treated
    before = rng.poisson(level)
    after = rng.poisson(level * 1.1 * np.where(treated, irr, 1.0))
    return site_log_changes(before, after), treated


def test_no_effect_three_treated_among_twenty_rarely_significant():
    rng = np.random.default_rng(14)
    hits = 0
    for rep in range(200):
        d, treated = _sites(rng, 3, 20, irr=1.0)
        r = randomization_inference(d, treated, seed=rep)
        assert r.exact  # C(23, 3) = 1771 assignments, all enumerated
        hits += r.significant
    assert hits / 200 < 0.07


def test_true_reduction_at_twenty_sites_is_covered():
    rng = np.random.default_rng(30)
    covered = significant = 0
    for rep in range(200):
        d, treated = _sites(rng, 20, 20, irr=0.7)
        r = randomization_inference(d, treated, n_draws=999, seed=rep)
        covered += r.covers(-0.3)
        significant += r.significant
    assert covered / 200 >= 0.90
    assert significant / 200 > 0.5  # and the reduction is usually found


def test_one_treated_among_five_can_never_be_significant():
    d = np.array([-2.0, 0.1, -0.1, 0.05, 0.0, 0.02])  # a large drop at the one camera site
    treated = np.arange(6) == 0
    r = randomization_inference(d, treated)
    assert r.n_draws == 6
    assert r.p_value == pytest.approx(1 / 6)
    assert not r.significant
    assert r.change_low is None or r.change_high is None  # the data cannot bound it


def test_wild_cluster_bootstrap_no_effect_rarely_significant():
    rng = np.random.default_rng(7)
    hits = 0
    for rep in range(60):
        d, treated = _sites(rng, 3, 20, irr=1.0)
        hits += wild_cluster_bootstrap(d, treated, n_draws=399, seed=rep).significant
    assert hits / 60 <= 0.10


def test_wild_cluster_bootstrap_finds_a_clear_effect_and_is_seeded():
    rng = np.random.default_rng(3)
    d, treated = _sites(rng, 20, 20, irr=0.5)
    r = wild_cluster_bootstrap(d, treated, n_draws=499, seed=1)
    assert r.significant
    assert r.covers(-0.5)
    assert r.change < 0
    assert wild_cluster_bootstrap(d, treated, n_draws=499, seed=1) == r


def test_estimate_is_difference_of_mean_log_changes():
    d = np.array([-0.5, -0.3, 0.1, 0.0, 0.2])
    treated = np.array([True, True, False, False, False])
    r = randomization_inference(d, treated)
    assert r.log_effect == pytest.approx(-0.4 - 0.1)
    assert r.change == pytest.approx(math.expm1(-0.5))
    assert r.to_dict()["method"] == "randomization"


def test_needs_both_groups():
    with pytest.raises(InputError, match="needs treated and control"):
        randomization_inference(np.zeros(3), np.ones(3, dtype=bool))
