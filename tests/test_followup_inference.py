"""Tests for the difference-in-differences count model of the follow-up."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from siteplan import followup as fu
from siteplan.errors import InputError


def _panel(seed: int, *, irr: float, overdispersed: bool = False) -> pd.DataFrame:
    """200 units x 24 months, half treated with installs staggered over months 8-16."""
    rng = np.random.default_rng(seed)
    n_units, n_months = 200, 24
    base = rng.gamma(4.0, 0.75, size=n_units)  # mean 3 incidents a month
    season = 1 + 0.3 * np.sin(2 * np.pi * np.arange(n_months) / 12)
    treated = np.arange(n_units) < 100
    install = np.where(treated, rng.integers(8, 17, size=n_units), n_months + 1)
    unit, month = np.meshgrid(np.arange(n_units), np.arange(n_months), indexing="ij")
    post = treated[unit] & (month >= install[unit])
    mu = base[unit] * season[month] * np.where(post, irr, 1.0)
    if overdispersed:
        mu = mu * rng.gamma(1.0, 1.0, size=mu.shape)
    return pd.DataFrame(
        {
            "unit": [f"u{u:03d}" for u in unit.ravel()],
            "period": [f"m{m:02d}" for m in month.ravel()],
            "count": rng.poisson(mu).ravel(),
            "treated": treated[unit].ravel(),
            "post": post.ravel(),
            "exposure": 30.0,
        }
    )


def test_did_recovers_injected_effect():
    r = fu.did_poisson(_panel(1, irr=0.7))
    assert isinstance(r, fu.DidResult)
    assert r.model == "poisson"
    assert r.dispersion < 1.5
    assert r.ci_low < 0.7 < r.ci_high
    assert r.ci_high < 1.0
    assert r.significant
    assert r.n_units == 200
    assert r.n_treated_units == 100
    assert r.n_periods == 24
    assert r.to_dict()["estimable"] is True


def test_did_switches_to_negative_binomial_when_overdispersed():
    r = fu.did_poisson(_panel(2, irr=0.7, overdispersed=True))
    assert r.model == "negative_binomial"
    assert r.dispersion > 1.5
    assert r.alpha is not None
    assert r.alpha > 0
    assert r.ci_low < 0.7 < r.ci_high


def test_did_no_effect_is_not_significant():
    # With no injected effect a 95 % CI misses 1 in one draw of 20; seed 7 is one of the 19.
    r = fu.did_poisson(_panel(7, irr=1.0))
    assert r.irr == pytest.approx(1.0, abs=0.05)
    assert r.ci_low < 1.0 < r.ci_high
    assert not r.significant


def test_did_drops_units_without_incidents_and_needs_post_rows():
    panel = _panel(4, irr=0.7)
    silent = panel["unit"].isin(["u150", "u151"])
    panel.loc[silent, "count"] = 0
    assert fu.did_poisson(panel).n_units_dropped == 2
    with pytest.raises(InputError, match="no treated unit-period after installation"):
        fu.did_poisson(panel.assign(post=False))


def test_did_names_missing_columns():
    with pytest.raises(InputError, match=r"lacks column\(s\) \['post'\]"):
        fu.did_poisson(_panel(1, irr=0.7).drop(columns="post"))
