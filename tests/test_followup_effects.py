"""Tests for the follow-up's effect measures on counts: odds ratio, displacement, controls."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from siteplan import followup as fu
from siteplan.errors import InputError

# -- odds ratio ---------------------------------------------------------------------------------


def test_odds_ratio_by_hand():
    # a, b treated before/after; c, d control before/after.
    r = fu.odds_ratio(50, 30, 100, 90)
    assert isinstance(r, fu.OddsRatio)
    assert r.odds_ratio == pytest.approx(50 * 90 / (30 * 100))  # 1.5
    var = 1 / 50 + 1 / 30 + 1 / 100 + 1 / 90
    assert r.var_log_or == pytest.approx(var)
    assert r.ci_low == pytest.approx(math.exp(math.log(1.5) - 1.96 * math.sqrt(var)), rel=1e-4)
    assert r.ci_high == pytest.approx(math.exp(math.log(1.5) + 1.96 * math.sqrt(var)), rel=1e-4)
    assert r.ci_low == pytest.approx(0.8787, abs=1e-4)
    assert r.ci_high == pytest.approx(2.5606, abs=1e-4)
    assert not r.significant  # the CI contains 1
    assert r.relative_change == pytest.approx(1 / 1.5 - 1)  # a third fewer, relative to control
    assert not r.continuity_correction


def test_odds_ratio_significant_reduction():
    r = fu.odds_ratio(200, 100, 200, 200)
    assert r.odds_ratio == pytest.approx(2.0)
    assert r.significant
    assert r.p_value < 0.001


def test_odds_ratio_zero_cell_uses_continuity_correction():
    r = fu.odds_ratio(10, 0, 20, 25)
    assert r.continuity_correction
    assert r.odds_ratio == pytest.approx(10.5 * 25.5 / (0.5 * 20.5))
    assert r.var_log_or == pytest.approx(1 / 10.5 + 1 / 0.5 + 1 / 20.5 + 1 / 25.5)
    assert r.b == 0  # the counts are reported as given
    assert math.isfinite(r.ci_high)


def test_odds_ratio_rejects_negative_count():
    with pytest.raises(InputError, match="count b=-1"):
        fu.odds_ratio(1, -1, 2, 2)


def test_odds_ratio_to_dict_has_the_json_keys():
    d = fu.odds_ratio(50, 30, 100, 90).to_dict()
    assert set(d) == {
        "a", "b", "c", "d", "odds_ratio", "ci_low", "ci_high", "log_or", "var_log_or",
        "p_value", "significant", "relative_change", "continuity_correction",
    }  # fmt: skip
    assert d["a"] == 50.0


# -- displacement ---------------------------------------------------------------------------------


def test_wdq_by_hand_displacement():
    # R 100 -> 60, B 50 -> 55, C 200 -> 200: success -0.2, buffer +0.025, WDQ -0.125.
    r = fu.displacement(100, 60, 50, 55, 200, 200)
    assert r.success_measure == pytest.approx(-0.2)
    assert r.buffer_measure == pytest.approx(0.025)
    assert r.wdq == pytest.approx(-0.125)
    assert r.interpretation == "displacement"


def test_wdq_by_hand_diffusion_and_undefined_cases():
    # Buffer 50 -> 40 with control 100 -> 80: buffer measure 40/80 - 50/100 = 0.
    assert fu.displacement(100, 60, 50, 40, 100, 80).interpretation == "none"
    # Buffer 50 -> 30, control flat: 0.3 - 0.5 = -0.2; success 0.6 - 1.0 = -0.4 -> WDQ 0.5.
    r = fu.displacement(100, 60, 50, 30, 100, 100)
    assert r.wdq == pytest.approx(0.5)
    assert r.interpretation == "diffusion"
    assert fu.displacement(100, 60, 10, 80, 100, 100).interpretation == "net_loss"
    no_success = fu.displacement(60, 100, 50, 30, 100, 100)
    assert no_success.interpretation == "no_success"
    assert no_success.wdq is None
    assert no_success.success_measure == pytest.approx(0.4)  # still reported
    no_control = fu.displacement(100, 60, 50, 30, 0, 100)
    assert no_control.wdq is None
    assert no_control.interpretation == "no_control"
    assert no_control.success_measure is None


def test_wdq_rejects_negative_count():
    with pytest.raises(InputError, match="count c_after=-3"):
        fu.displacement(1, 1, 1, 1, 1, -3)


# -- matched controls ----------------------------------------------------------------------------


def test_matched_controls_by_stratum_level_and_buffer():
    units = pd.DataFrame(
        {"legal_class": ["stop_area"] * 6 + ["general"] * 3},
        index=[f"c{i}" for i in range(9)],
    )
    pre = pd.Series({"c0": 10, "c1": 9, "c2": 11, "c3": 10, "c4": 3, "c5": 10, "c6": 10, "c7": 10})
    controls = fu.matched_controls(units, ["c0"], pre, n_per_treated=2, exclude=["c3"])
    # c5 (same level) first, then the tie c1/c2 goes to the lower id; c3 is in the buffer and
    # the general units are another stratum.
    assert controls == ["c5", "c1"]


# -- weighted displacement difference (Wheeler & Ratcliffe 2018) -------------------------------


def test_wdd_by_hand():
    # Treated 100 -> 60, buffer 80 -> 70, controls 300 -> 300 (no trend).
    r = fu.weighted_displacement_difference(100, 60, 80, 70, 300, 300)
    assert r.wdd == pytest.approx((60 - 100) + (70 - 80))  # −50: net fewer
    k_r, k_b = 100 / 300, 80 / 300
    var = 100 + 60 + 80 + 70 + (k_r + k_b) ** 2 * 600
    assert r.se == pytest.approx(math.sqrt(var))
    assert r.ci_low == pytest.approx(-50 - 1.96 * math.sqrt(var), rel=1e-3)
    assert r.p_value is not None
    assert r.p_value == pytest.approx(math.erfc(50 / math.sqrt(var) / math.sqrt(2)))
    assert r.p_value < 0.05
    assert not r.small_counts


def test_wdd_small_counts_only_when_small():
    assert fu.weighted_displacement_difference(8, 5, 40, 38, 100, 90).small_counts
    assert not fu.weighted_displacement_difference(30, 25, 40, 38, 100, 90).small_counts
    none = fu.weighted_displacement_difference(30, 25, 40, 38, 0, 9)
    assert none.wdd is None
