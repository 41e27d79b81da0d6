"""Difference-in-differences count model of unit × month incident counts.

``log E[count] = log(exposure) + α_unit + γ_period + β · treated·post``, a Poisson GLM with unit
and period fixed effects, refitted as a negative binomial when the counts are overdispersed;
``exp(β)`` is the incident-rate ratio. Standard errors are cluster-robust by unit.
"""

from __future__ import annotations

import logging
import math
import warnings
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import statsmodels.api as sm
from threadpoolctl import threadpool_limits

from siteplan.errors import InputError
from siteplan.followup.result import DidResult

__all__ = ["OVERDISPERSION_LIMIT", "Z95", "did_poisson"]

log = logging.getLogger(__name__)

#: Two-sided 95 % normal quantile.
Z95 = 1.959963984540054
#: Pearson chi² / df above which the Poisson model is replaced by a negative binomial.
OVERDISPERSION_LIMIT = 1.5

_COLUMNS = ("unit", "period", "count", "treated", "post")


class _Design(NamedTuple):
    """The fixed-effect design of a panel: response, regressors, offset and clusters."""

    y: np.ndarray
    x: np.ndarray
    offset: np.ndarray
    groups: np.ndarray
    n_units: int
    n_periods: int


class _Fit(NamedTuple):
    """The chosen model's fit and what chose it."""

    res: Any
    model: str
    dispersion: float
    alpha: float | None


def did_poisson(panel: pd.DataFrame, *, overdispersion: float = OVERDISPERSION_LIMIT) -> DidResult:
    """
    Difference-in-differences count model with unit and period fixed effects.

    ``log E[count] = log(exposure) + α_unit + γ_period + β · treated·post``, fitted as a
    Poisson GLM; if Pearson χ²/df exceeds `overdispersion`, refitted as a negative-binomial
    GLM with α estimated from the Poisson fit (Cameron & Trivedi's auxiliary regression).
    Standard errors are cluster-robust by unit. ``exp(β)`` is the incident-rate ratio (IRR):
    the treated units' rate after installation relative to what the controls' trend predicts.
    `post` is unit-specific, so staggered installation dates are handled. Units and periods
    with no incidents at all carry no information under fixed effects and are dropped.

    Parameters
    ----------
    panel
        One row per unit and period with columns ``unit``, ``period``, ``count`` (>= 0),
        ``treated`` (bool), ``post`` (bool: after that unit's installation) and optionally
        ``exposure`` (> 0, e.g. days; 1 if absent).
    overdispersion
        Pearson χ²/df above which the negative binomial is used.

    Returns
    -------
    result
        IRR with its interval, p-value, coefficient, model, dispersion and panel sizes.

    Raises
    ------
    InputError
        If a column is missing, counts or exposures are invalid, or no (or only) treated
        post-installation rows remain, so the effect cannot be estimated.
    """
    frame = _checked(panel)
    n_units_all, n_periods_all = frame["unit"].nunique(), frame["period"].nunique()
    # Units and periods without any incident have infinitely negative fixed effects.
    frame = frame[frame.groupby("unit")["count"].transform("sum") > 0]
    frame = frame[frame.groupby("period")["count"].transform("sum") > 0]
    design = _design(frame, n_rows_given=len(panel))
    fit = _fit(design, overdispersion=overdispersion)
    beta, se = float(fit.res.params[1]), float(fit.res.bse[1])
    lo, hi = math.exp(beta - Z95 * se), math.exp(beta + Z95 * se)
    treated_units = frame.loc[frame["treated"].astype(bool), "unit"].nunique()
    result = DidResult(
        irr=math.exp(beta),
        ci_low=lo,
        ci_high=hi,
        p_value=float(fit.res.pvalues[1]),
        beta=beta,
        se=se,
        significant=not lo <= 1.0 <= hi,
        model=fit.model,
        dispersion=fit.dispersion,
        alpha=fit.alpha,
        converged=bool(getattr(fit.res, "converged", True)),
        n_obs=len(design.y),
        n_units=design.n_units,
        n_treated_units=int(treated_units),
        n_periods=design.n_periods,
        n_units_dropped=int(n_units_all - design.n_units),
        n_periods_dropped=int(n_periods_all - design.n_periods),
    )
    log.info(
        "did: IRR %.3f (95%% CI %.3f-%.3f, p=%.3f), %s, %d rows, %d units (%d treated)",
        result.irr,
        lo,
        hi,
        result.p_value,
        fit.model,
        result.n_obs,
        result.n_units,
        treated_units,
    )
    return result


def _checked(panel: pd.DataFrame) -> pd.DataFrame:
    """The panel's columns, with ``exposure`` (1 if absent), after checking their values."""
    missing = [c for c in _COLUMNS if c not in panel.columns]
    if missing:
        msg = f"did_poisson: panel lacks column(s) {missing}; found {list(panel.columns)}."
        raise InputError(msg)
    frame = panel.loc[:, list(_COLUMNS)].copy()
    frame["exposure"] = panel["exposure"].astype(float) if "exposure" in panel else 1.0
    y_all = frame["count"].astype(float)
    if not (np.isfinite(y_all) & (y_all >= 0)).all():
        msg = "did_poisson: column 'count' must hold finite numbers >= 0."
        raise InputError(msg)
    if not (np.isfinite(frame["exposure"]) & (frame["exposure"] > 0)).all():
        msg = "did_poisson: column 'exposure' must hold finite numbers > 0."
        raise InputError(msg)
    return frame


def _design(frame: pd.DataFrame, *, n_rows_given: int) -> _Design:
    """Intercept, the treated·post dummy, and unit and period dummies (first level dropped)."""
    d = (frame["treated"].astype(bool) & frame["post"].astype(bool)).to_numpy(dtype=float)
    if d.sum() == 0 or d.sum() == len(d):
        what = "no treated unit-period after installation" if d.sum() == 0 else "no comparison rows"
        msg = (
            f"did_poisson: cannot estimate the effect: {what} with incidents remains "
            f"({len(frame)} rows kept of {n_rows_given}). Extend the period or add control units."
        )
        raise InputError(msg)
    units = pd.Categorical(frame["unit"], categories=sorted(frame["unit"].unique()))
    periods = pd.Categorical(frame["period"], categories=sorted(frame["period"].unique()))
    n = len(frame)
    u_codes, p_codes = units.codes.astype(np.int64), periods.codes.astype(np.int64)
    n_u, n_p = len(units.categories), len(periods.categories)
    x = np.zeros((n, 2 + (n_u - 1) + (n_p - 1)))
    x[:, 0] = 1.0
    x[:, 1] = d
    rows = np.arange(n)
    sel = u_codes > 0
    x[rows[sel], 1 + u_codes[sel]] = 1.0
    sel = p_codes > 0
    x[rows[sel], n_u + p_codes[sel]] = 1.0
    return _Design(
        y=frame["count"].to_numpy(dtype=float),
        x=x,
        offset=np.log(frame["exposure"].to_numpy(dtype=float)),
        groups=u_codes,
        n_units=n_u,
        n_periods=n_p,
    )


def _fit(design: _Design, *, overdispersion: float) -> _Fit:
    """Poisson fit, replaced by a negative binomial when overdispersed."""
    y, x, offset = design.y, design.x, design.offset
    cluster = {"groups": design.groups}
    # One BLAS thread (scoped): the design is small, and threads only contend here.
    with threadpool_limits(limits=1, user_api="blas"), warnings.catch_warnings():
        # Fixed effects of units with very few incidents converge slowly; the effect does not.
        warnings.simplefilter("ignore", RuntimeWarning)
        pois = sm.GLM(y, x, family=sm.families.Poisson(), offset=offset).fit(
            cov_type="cluster", cov_kwds=cluster
        )
        dispersion = float(pois.pearson_chi2 / pois.df_resid)
        if dispersion <= overdispersion:
            return _Fit(pois, "poisson", dispersion, None)
        mu = pois.mu
        alpha = float(np.sum((y - mu) ** 2 - y) / np.sum(mu**2))
        if alpha <= 0:
            return _Fit(pois, "poisson", dispersion, None)
        family = sm.families.NegativeBinomial(alpha=alpha)
        res = sm.GLM(y, x, family=family, offset=offset).fit(cov_type="cluster", cov_kwds=cluster)
    return _Fit(res, "negative_binomial", dispersion, alpha)
