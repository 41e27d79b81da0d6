"""Follow-up of installed cameras: effect on incidents and spending against the budget.

For the interim report (1 January – 31 August) and the year-end report. The units of analysis
are corridor segments (or, without corridors, square grid cells). A unit is *treated* when the
installed cameras' footprints cover at least `min_overlap` of it; the *buffer* holds the other
units within `buffer_m` of a footprint; *controls* are matched to the treated units from the
rest. The effect is estimated three ways, from counts only (no incident point leaves here):

- the odds ratio of the before/after counts in treated vs. control units (Welsh & Farrington
  2009), before = the same calendar dates one year earlier;
- a difference-in-differences Poisson (or negative-binomial) model of unit × month counts with
  unit and month fixed effects and staggered installation dates;
- the weighted displacement quotient of the buffer ring (Bowers & Johnson 2003).

Meta-analyses find modest reductions overall, largest in car parks (Welsh & Farrington 2009;
Piza et al. 2019): the report states estimates with their intervals and claims nothing more.

Run ``python -m siteplan.followup --make-sample`` to regenerate the sample town's simulated
installation in ``siteplan/datasets/sample/followup/``.
"""

from __future__ import annotations

import argparse
import base64
import calendar
import contextlib
import datetime as dt
import io
import json
import logging
import math
import os
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from siteplan.crs import require_projected
from siteplan.errors import InputError, InputWarning
from siteplan.io.followup_inputs import SPENDING_CATEGORIES

if TYPE_CHECKING:
    from siteplan.config import Scenario

__all__ = [
    "SHARED_AREA",
    "Period",
    "assign_incidents",
    "build_panel",
    "cameras_from_stops",
    "corridors_from_scenario",
    "demo_paths",
    "did_poisson",
    "displacement",
    "economics",
    "followup",
    "grid_units",
    "make_sample",
    "matched_controls",
    "odds_ratio",
    "report_period",
    "run_followup",
    "simulate_installation",
    "simulate_spending",
    "unit_roles",
    "wedge_footprints",
    "write_followup",
]

log = logging.getLogger(__name__)

#: Name used for spending lines without an area (shared costs such as the VMS).
SHARED_AREA = "(shared)"
#: Two-sided 95 % normal quantile.
_Z95 = 1.959963984540054
#: Pearson chi² / df above which the Poisson model is replaced by a negative binomial.
OVERDISPERSION_LIMIT = 1.5


# ----------------------------------------------------------------------------------------------
# The report period


@dataclass(frozen=True)
class Period:
    """
    A report period of whole days, both ends included.

    Attributes
    ----------
    start, end
        First and last day.
    label
        ``"interim"`` (1 Jan – 31 Aug), ``"year"`` or ``"custom"``.
    """

    start: dt.date
    end: dt.date
    label: str = "custom"

    @property
    def days(self) -> int:
        """Number of days in the period."""
        return (self.end - self.start).days + 1

    def as_dict(self) -> dict[str, Any]:
        """The period as JSON-ready values."""
        return {
            "label": self.label,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "days": self.days,
        }


def report_period(
    name: str | None = None,
    *,
    year: int | None = None,
    start: dt.date | str | None = None,
    end: dt.date | str | None = None,
) -> Period:
    """
    The period of an interim (1 Jan – 31 Aug) or year-end report, or explicit dates.

    Parameters
    ----------
    name
        ``"interim"`` or ``"year"``; None when `start` and `end` are given.
    year
        Calendar year of a named period (default: the current year).
    start, end
        First and last day (dates or ``YYYY-MM-DD``), instead of a named period.

    Returns
    -------
    period
        The period.

    Raises
    ------
    InputError
        If the name is unknown, only one of `start`/`end` is given, both a name and dates are
        given, a date cannot be read, or `end` is before `start`.
    """
    if start is not None or end is not None:
        if name is not None or start is None or end is None:
            msg = (
                "period: give either --period interim|year (with --year), or both --start and "
                f"--end; got period={name!r}, start={start!r}, end={end!r}."
            )
            raise InputError(msg)
        s, e = _as_date(start, "start"), _as_date(end, "end")
        if e < s:
            msg = f"period: --end {e} is before --start {s}. Swap them."
            raise InputError(msg)
        return Period(s, e, "custom")
    if name is None:
        msg = "period: give --period interim|year (with --year), or --start and --end."
        raise InputError(msg)
    year = dt.date.today().year if year is None else int(year)
    if name == "interim":
        return Period(dt.date(year, 1, 1), dt.date(year, 8, 31), "interim")
    if name == "year":
        return Period(dt.date(year, 1, 1), dt.date(year, 12, 31), "year")
    msg = f"period: {name!r} is not a report period; use 'interim' (1 Jan – 31 Aug) or 'year'."
    raise InputError(msg)


def _as_date(value: dt.date | str, key: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError as err:
        msg = f"period: --{key} {value!r} is not a date; write YYYY-MM-DD, e.g. 2025-08-31."
        raise InputError(msg) from err


# ----------------------------------------------------------------------------------------------
# Effect measures (pure, on counts)


def odds_ratio(a: float, b: float, c: float, d: float) -> dict[str, Any]:
    """
    Odds ratio of before/after counts in treated vs. control areas, with a 95 % CI.

    ``OR = (a·d) / (b·c)``, ``V(ln OR) = 1/a + 1/b + 1/c + 1/d``, CI ``exp(ln OR ± 1.96 √V)``
    (Welsh & Farrington 2009). OR > 1 means incidents fell in the treated area relative to the
    control area: the treated area's after/before ratio is ``1/OR`` times the control's. When a
    count is 0, 0.5 is added to all four (a continuity correction) and the result says so.

    Parameters
    ----------
    a, b
        Incidents in the treated area before and after.
    c, d
        Incidents in the control area before and after.

    Returns
    -------
    result
        ``odds_ratio``, ``ci_low``, ``ci_high``, ``log_or``, ``var_log_or``, ``p_value``
        (two-sided, normal), ``significant`` (the CI excludes 1), ``relative_change``
        (``1/OR − 1``: the treated area's change beyond the control's trend; −0.2 = 20 %
        fewer), ``continuity_correction`` and the counts as given (``a``, ``b``, ``c``, ``d``).

    Raises
    ------
    InputError
        If a count is negative or not finite.
    """
    counts = {"a": a, "b": b, "c": c, "d": d}
    for key, value in counts.items():
        if not math.isfinite(float(value)) or float(value) < 0:
            msg = f"odds_ratio: count {key}={value!r} must be a finite number >= 0."
            raise InputError(msg)
    corrected = any(float(v) == 0 for v in counts.values())
    fa, fb, fc, fd = (float(v) + (0.5 if corrected else 0.0) for v in (a, b, c, d))
    ratio = (fa * fd) / (fb * fc)
    log_or = math.log(ratio)
    var = 1 / fa + 1 / fb + 1 / fc + 1 / fd
    se = math.sqrt(var)
    lo, hi = math.exp(log_or - _Z95 * se), math.exp(log_or + _Z95 * se)
    return {
        **{k: float(v) for k, v in counts.items()},
        "odds_ratio": ratio,
        "ci_low": lo,
        "ci_high": hi,
        "log_or": log_or,
        "var_log_or": var,
        "p_value": math.erfc(abs(log_or) / se / math.sqrt(2)),
        "significant": not lo <= 1.0 <= hi,
        "relative_change": 1 / ratio - 1,
        "continuity_correction": corrected,
    }


def displacement(
    r_before: float,
    r_after: float,
    b_before: float,
    b_after: float,
    c_before: float,
    c_after: float,
) -> dict[str, Any]:
    """
    Weighted displacement quotient of a buffer ring (Bowers & Johnson 2003).

    ``WDQ = (Ba/Ca − Bb/Cb) / (Ra/Ca − Rb/Cb)`` with R the response (treated) area, B the
    buffer and C the control area, b = before and a = after. The denominator (the *success
    measure*) must be negative, i.e. R improved relative to C, for the quotient to mean
    anything. Then WDQ > 0 is a diffusion of benefits (the buffer improved too; > 1: more than
    R itself), WDQ < 0 is displacement into the buffer (< −1: more displaced than prevented,
    a net loss) and WDQ = 0 is neither.

    Parameters
    ----------
    r_before, r_after, b_before, b_after, c_before, c_after
        Incident counts in each area and window.

    Returns
    -------
    result
        ``wdq`` (None when undefined), ``success_measure``, ``buffer_measure`` and
        ``interpretation``: ``"no_control"`` (a control count is 0), ``"no_success"`` (R did
        not improve relative to C), ``"net_loss"``, ``"displacement"``, ``"none"``,
        ``"diffusion"`` or ``"diffusion_exceeds"``; plus the six counts.

    Raises
    ------
    InputError
        If a count is negative or not finite.
    """
    counts = {
        "r_before": r_before, "r_after": r_after, "b_before": b_before,
        "b_after": b_after, "c_before": c_before, "c_after": c_after,
    }
    for key, value in counts.items():
        if not math.isfinite(float(value)) or float(value) < 0:
            msg = f"displacement: count {key}={value!r} must be a finite number >= 0."
            raise InputError(msg)
    out: dict[str, Any] = {k: float(v) for k, v in counts.items()}
    if c_before == 0 or c_after == 0:
        return {**out, "wdq": None, "success_measure": None, "buffer_measure": None,
                "interpretation": "no_control"}
    success = r_after / c_after - r_before / c_before
    buffer = b_after / c_after - b_before / c_before
    out.update(success_measure=success, buffer_measure=buffer)
    if success >= 0:
        return {**out, "wdq": None, "interpretation": "no_success"}
    wdq = buffer / success
    if wdq < -1:
        meaning = "net_loss"
    elif wdq < 0:
        meaning = "displacement"
    elif wdq == 0:
        meaning = "none"
    elif wdq <= 1:
        meaning = "diffusion"
    else:
        meaning = "diffusion_exceeds"
    return {**out, "wdq": wdq, "interpretation": meaning}


def _one_blas_thread() -> contextlib.AbstractContextManager[Any]:
    """One BLAS thread: the fixed-effect design is small, and threads only contend here."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def did_poisson(
    panel: pd.DataFrame, *, overdispersion: float = OVERDISPERSION_LIMIT
) -> dict[str, Any]:
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
        ``irr``, ``ci_low``, ``ci_high``, ``p_value``, ``beta``, ``se``, ``significant``,
        ``model`` (``"poisson"`` | ``"negative_binomial"``), ``dispersion`` (Pearson χ²/df of
        the Poisson fit), ``alpha`` (None for Poisson), ``converged``, ``n_obs``, ``n_units``,
        ``n_treated_units``, ``n_periods``, ``n_units_dropped``, ``n_periods_dropped``.

    Raises
    ------
    InputError
        If a column is missing, counts or exposures are invalid, or no (or only) treated
        post-installation rows remain, so the effect cannot be estimated.
    """
    import statsmodels.api as sm

    need = ("unit", "period", "count", "treated", "post")
    missing = [c for c in need if c not in panel.columns]
    if missing:
        msg = f"did_poisson: panel lacks column(s) {missing}; found {list(panel.columns)}."
        raise InputError(msg)
    frame = panel.loc[:, list(need)].copy()
    frame["exposure"] = panel["exposure"].astype(float) if "exposure" in panel else 1.0
    y_all = frame["count"].astype(float)
    if not (np.isfinite(y_all) & (y_all >= 0)).all():
        msg = "did_poisson: column 'count' must hold finite numbers >= 0."
        raise InputError(msg)
    if not (np.isfinite(frame["exposure"]) & (frame["exposure"] > 0)).all():
        msg = "did_poisson: column 'exposure' must hold finite numbers > 0."
        raise InputError(msg)
    n_units_all, n_periods_all = frame["unit"].nunique(), frame["period"].nunique()
    # Units and periods without any incident have infinitely negative fixed effects.
    frame = frame[frame.groupby("unit")["count"].transform("sum") > 0]
    frame = frame[frame.groupby("period")["count"].transform("sum") > 0]
    d = (frame["treated"].astype(bool) & frame["post"].astype(bool)).to_numpy(dtype=float)
    if d.sum() == 0 or d.sum() == len(d):
        what = "no treated unit-period after installation" if d.sum() == 0 else "no comparison rows"
        msg = (
            f"did_poisson: cannot estimate the effect: {what} with incidents remains "
            f"({len(frame)} rows kept of {len(panel)}). Extend the period or add control units."
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
    y = frame["count"].to_numpy(dtype=float)
    offset = np.log(frame["exposure"].to_numpy(dtype=float))
    cluster = {"groups": u_codes}
    with _one_blas_thread(), warnings.catch_warnings():
        # Fixed effects of units with very few incidents converge slowly; the effect does not.
        warnings.simplefilter("ignore", RuntimeWarning)
        pois = sm.GLM(y, x, family=sm.families.Poisson(), offset=offset).fit(
            cov_type="cluster", cov_kwds=cluster
        )
        dispersion = float(pois.pearson_chi2 / pois.df_resid)
        res, model, alpha = pois, "poisson", None
        if dispersion > overdispersion:
            mu = pois.mu
            alpha = float(np.sum((y - mu) ** 2 - y) / np.sum(mu**2))
            if alpha > 0:
                family = sm.families.NegativeBinomial(alpha=alpha)
                res = sm.GLM(y, x, family=family, offset=offset).fit(
                    cov_type="cluster", cov_kwds=cluster
                )
                model = "negative_binomial"
            else:
                alpha = None
    beta, se = float(res.params[1]), float(res.bse[1])
    lo, hi = math.exp(beta - _Z95 * se), math.exp(beta + _Z95 * se)
    treated_units = frame.loc[frame["treated"].astype(bool), "unit"].nunique()
    result = {
        "irr": math.exp(beta),
        "ci_low": lo,
        "ci_high": hi,
        "p_value": float(res.pvalues[1]),
        "beta": beta,
        "se": se,
        "significant": not lo <= 1.0 <= hi,
        "model": model,
        "dispersion": dispersion,
        "alpha": alpha,
        "converged": bool(getattr(res, "converged", True)),
        "n_obs": n,
        "n_units": n_u,
        "n_treated_units": int(treated_units),
        "n_periods": n_p,
        "n_units_dropped": int(n_units_all - n_u),
        "n_periods_dropped": int(n_periods_all - n_p),
    }
    log.info(
        "did: IRR %.3f (95%% CI %.3f-%.3f, p=%.3f), %s, %d rows, %d units (%d treated)",
        result["irr"], lo, hi, result["p_value"], model, n, n_u, treated_units,
    )
    return result


# ----------------------------------------------------------------------------------------------
# Units, roles, counts


def wedge_footprints(installed: gpd.GeoDataFrame) -> gpd.GeoSeries:
    """
    Rebuild camera footprints as unobstructed wedges (discs for 360° cameras).

    Buildings are ignored, so the footprints are a little larger than the plan's visibility
    polygons.

    Parameters
    ----------
    installed
        Camera points in a projected CRS with ``azimuth_deg``, ``hfov_deg`` and ``range_m``.

    Returns
    -------
    footprints
        Polygons indexed like `installed`.
    """
    from siteplan.coverage import footprint

    require_projected(installed, "installed")
    shapes = [
        footprint(
            pt,
            azimuth_deg=None if pd.isna(az) else float(az),
            hfov_deg=float(hfov),
            range_m=float(rng),
            visibility=None,
        )
        for pt, az, hfov, rng in zip(
            installed.geometry, installed["azimuth_deg"], installed["hfov_deg"],
            installed["range_m"], strict=True,
        )
    ]
    return gpd.GeoSeries(shapes, index=installed.index, crs=installed.crs, name="geometry")


def _resolve_footprints(
    installed: gpd.GeoDataFrame, plan: gpd.GeoDataFrame | None, *, tol_m: float = 1.0
) -> gpd.GeoDataFrame:
    """Footprints of the installed cameras: the plan's where unchanged, else rebuilt wedges."""
    wedges = wedge_footprints(installed)
    source = pd.Series("wedge", index=installed.index, dtype="str")
    geoms = wedges.copy()
    if plan is not None and len(plan):
        same = installed.index.isin(plan.index)
        if same.any():
            ids = installed.index[same]
            ok = pd.Series(True, index=ids)
            if {"x", "y"} <= set(plan.columns):
                dx = installed.loc[ids, "x"].astype(float) - plan.loc[ids, "x"].astype(float)
                dy = installed.loc[ids, "y"].astype(float) - plan.loc[ids, "y"].astype(float)
                ok &= np.hypot(dx, dy) <= tol_m
            if "azimuth_deg" in plan.columns:
                a = installed.loc[ids, "azimuth_deg"].astype(float)
                b = plan.loc[ids, "azimuth_deg"].astype(float)
                diff = ((a - b + 180) % 360 - 180).abs()
                ok &= (diff <= 1.0) | (a.isna() & b.isna())
            keep = ok[ok].index
            geoms.loc[keep] = plan.geometry.loc[keep].to_numpy()
            source.loc[keep] = "plan"
            source.loc[ok[~ok].index] = "moved"
    return gpd.GeoDataFrame(
        {"installed_on": installed["installed_on"], "source": source},
        geometry=geoms.to_numpy(),
        crs=installed.crs,
        index=installed.index,
    )


def grid_units(
    bounds: Sequence[float], *, cell_m: float, crs: Any
) -> gpd.GeoDataFrame:
    """
    Square cells covering `bounds`, aligned to multiples of `cell_m`.

    Parameters
    ----------
    bounds
        ``(minx, miny, maxx, maxy)`` in the working CRS.
    cell_m
        Cell side in metres.
    crs
        The working CRS.

    Returns
    -------
    cells
        Polygons indexed by ``unit_id`` (``"g<row>-<col>"``, zero-padded, sorted).
    """
    minx, miny, maxx, maxy = (float(v) for v in bounds)
    x0, y0 = math.floor(minx / cell_m) * cell_m, math.floor(miny / cell_m) * cell_m
    nx = max(1, math.ceil((maxx - x0) / cell_m))
    ny = max(1, math.ceil((maxy - y0) / cell_m))
    rows, cols = np.divmod(np.arange(nx * ny), nx)
    xs, ys = x0 + cols * cell_m, y0 + rows * cell_m
    width = len(str(max(nx, ny)))
    ids = [f"g{r:0{width}d}-{c:0{width}d}" for r, c in zip(rows, cols, strict=True)]
    geoms = shapely.box(xs, ys, xs + cell_m, ys + cell_m)
    return gpd.GeoDataFrame(
        geometry=geoms, crs=crs, index=pd.Index(ids, name="unit_id")
    ).sort_index()


def unit_roles(
    units: gpd.GeoDataFrame,
    footprints: gpd.GeoDataFrame,
    *,
    buffer_m: float = 50.0,
    min_overlap: float = 0.2,
) -> pd.DataFrame:
    """
    Which units the cameras treat, which lie in the buffer ring, and when each was treated.

    Parameters
    ----------
    units
        Corridor lines or grid polygons, indexed by their id.
    footprints
        Camera footprints with an ``installed_on`` column, same CRS.
    buffer_m
        Width of the ring beyond the footprints whose units form the displacement buffer.
    min_overlap
        A unit counts as treated when this share of its length (lines) or area (polygons) lies
        inside the footprints, or (polygons only) when it holds this share of one camera's
        footprint; units with less overlap fall in the buffer.

    Returns
    -------
    roles
        Indexed like `units`: ``role`` (``"treated"``, ``"buffer"`` or ``"other"``),
        ``installed_on`` (earliest installation among the footprints touching a treated unit,
        else NaT), ``overlap`` (share inside the footprints) and ``covered_m`` (length inside
        the footprints for lines, area in m² for polygons).
    """
    geoms = units.geometry.to_numpy()
    union = shapely.union_all(footprints.geometry.to_numpy())
    lines = np.isin(shapely.get_type_id(geoms), [1, 2, 5])
    inter = shapely.intersection(geoms, union)
    size = np.where(lines, shapely.length(geoms), shapely.area(geoms))
    covered = np.where(lines, shapely.length(inter), shapely.area(inter))
    share = np.divide(covered, size, out=np.zeros(len(geoms)), where=size > 0)
    treated = share >= min_overlap
    polys = ~lines
    if polys.any():
        # A cell larger than a footprint is treated when it holds a good part of one.
        cells, feet = shapely.STRtree(footprints.geometry.to_numpy()).query(
            geoms[polys], predicate="intersects"
        )
        fp = footprints.geometry.to_numpy()[feet]
        part = shapely.area(shapely.intersection(geoms[polys][cells], fp))
        holds = part >= min_overlap * np.maximum(shapely.area(fp), 1e-9)
        treated[np.flatnonzero(polys)[np.unique(cells[holds])]] = True
    near = shapely.dwithin(geoms, union, buffer_m)
    role = np.select([treated, near], ["treated", "buffer"], "other")
    first = pd.Series(pd.NaT, index=units.index, dtype="datetime64[ns]")
    if treated.any():
        tree = shapely.STRtree(footprints.geometry.to_numpy())
        left, right = tree.query(geoms[treated], predicate="intersects")
        dates = pd.Series(
            footprints["installed_on"].to_numpy()[right], index=units.index[treated][left]
        )
        first.loc[dates.index.unique()] = dates.groupby(level=0).min()
    return pd.DataFrame(
        {"role": role, "installed_on": first, "overlap": share, "covered_m": covered},
        index=units.index,
    )


def assign_incidents(
    incidents: gpd.GeoDataFrame, units: gpd.GeoDataFrame, *, snap_m: float = 25.0
) -> pd.Series:
    """
    The unit each incident point belongs to.

    Points go to the polygon containing them, or to the nearest line within `snap_m`; ties go
    to the first unit in index order. Area-level incidents (no geometry) get no unit.

    Parameters
    ----------
    incidents
        The incidents layer (same CRS as `units`).
    units
        Corridor lines or grid polygons.
    snap_m
        Largest distance from a point to its corridor line.

    Returns
    -------
    unit
        The unit id per incident (missing when none), indexed like `incidents`.
    """
    out = pd.Series(pd.NA, index=incidents.index, dtype="object", name="unit")
    pts = incidents.geometry.to_numpy()
    has = ~(pd.isna(pts) | shapely.is_empty(pts))
    if not has.any() or len(units) == 0:
        return out
    order = units.sort_index()
    geoms = order.geometry.to_numpy()
    tree = shapely.STRtree(geoms)
    lines = np.isin(shapely.get_type_id(geoms), [1, 2, 5]).all()
    if lines:
        left, right = tree.query_nearest(pts[has], max_distance=snap_m, all_matches=True)
    else:
        left, right = tree.query(pts[has], predicate="intersects")
    pairs = pd.DataFrame({"left": left, "right": right}).groupby("left")["right"].min()
    idx = np.flatnonzero(has)[pairs.index.to_numpy()]
    out.iloc[idx] = order.index.to_numpy()[pairs.to_numpy()]
    return out


def _local_day(times: pd.Series, timezone: str) -> pd.Series:
    """Local calendar day (naive midnight) of tz-aware times."""
    return times.dt.tz_convert(timezone).dt.tz_localize(None).dt.normalize()


def _month_table(start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """Months overlapping [start, end] with their first/last day inside and the days."""
    months = pd.date_range(start.to_period("M").to_timestamp(), end, freq="MS")
    first = np.maximum(months, start)
    last = np.minimum(months + pd.offsets.MonthEnd(0), end)
    return pd.DataFrame(
        {"period": months.strftime("%Y-%m"), "first": first, "last": last,
         "exposure": (last - first).days + 1},
    )


def build_panel(
    unit_of: pd.Series,
    day: pd.Series,
    units: pd.DataFrame,
    *,
    start: pd.Timestamp,
    end: pd.Timestamp,
) -> pd.DataFrame:
    """
    Unit × month incident counts for :func:`did_poisson`.

    A treated unit's month is *post* when it starts on or after the unit's installation day;
    the month in which it was installed (partly before, partly after) is left out.

    Parameters
    ----------
    unit_of
        Unit id per incident (missing for incidents in no unit).
    day
        Local day per incident (naive timestamps), aligned with `unit_of`.
    units
        The panel's units, indexed by id, with ``treated`` (bool) and ``installed_on``.
    start, end
        First and last day of the panel.

    Returns
    -------
    panel
        Columns ``unit``, ``period`` (``YYYY-MM``), ``count``, ``treated``, ``post`` and
        ``exposure`` (days of the month inside [start, end]), sorted by unit and period.
    """
    months = _month_table(start, end)
    inside = unit_of.notna() & unit_of.isin(units.index) & (day >= start) & (day <= end)
    keyed = pd.DataFrame(
        {"unit": unit_of[inside].astype(str), "period": day[inside].dt.strftime("%Y-%m")}
    )
    counts = keyed.value_counts()
    grid = pd.MultiIndex.from_product(
        [sorted(units.index.astype(str)), months["period"]], names=["unit", "period"]
    )
    panel = counts.reindex(grid, fill_value=0).rename("count").reset_index()
    panel = panel.merge(months, on="period", how="left")
    info = pd.DataFrame(
        {
            "treated": units["treated"].astype(bool).to_numpy(),
            "installed_on": pd.to_datetime(units["installed_on"]).to_numpy(),
        },
        index=pd.Index(units.index.astype(str), name="unit"),
    )
    panel = panel.merge(info, left_on="unit", right_index=True, how="left")
    installed = panel["installed_on"]
    month_start = pd.to_datetime(panel["period"] + "-01")
    post = panel["treated"] & (month_start >= installed)
    transition = panel["treated"] & (month_start < installed) & (installed <= panel["last"])
    panel["post"] = post.fillna(False).astype(bool)
    panel = panel.loc[~transition.fillna(False).astype(bool)]
    cols = ["unit", "period", "count", "treated", "post", "exposure"]
    return panel[cols].sort_values(["unit", "period"]).reset_index(drop=True)


def _strata(units: pd.DataFrame) -> pd.Series:
    """Matching strata: legal class if known, else inside/outside a priority area."""
    if "legal_class" in units.columns:
        return units["legal_class"].astype("str").fillna("(none)")
    if "area" in units.columns:
        inside = units["area"].notna() & (units["area"].astype("str") != "")
        return pd.Series(np.where(inside, "priority_area", "other"), index=units.index)
    return pd.Series("all", index=units.index)


def matched_controls(
    corridors: pd.DataFrame,
    treated_ids: Iterable[Any],
    counts_pre: pd.Series,
    *,
    n_per_treated: int = 3,
    exclude: Iterable[Any] = (),
) -> list[Any]:
    """
    Pick control units for the treated units, by stratum and pre-period level.

    Each treated unit, in id order, takes the `n_per_treated` unused units of its stratum (same
    ``legal_class`` if the frame has one, else the same area type: inside a priority area or
    not) whose pre-period count is nearest its own; ties go to the lower id. Treated units and
    the `exclude` units (the displacement buffer) are never controls. When a stratum runs out,
    the rest of the pool is used.

    Parameters
    ----------
    corridors
        The units (corridors or cells), indexed by id, optionally with ``legal_class`` or
        ``area``.
    treated_ids
        Ids of the treated units.
    counts_pre
        Pre-period incident count per unit id (missing ids count 0).
    n_per_treated
        Controls per treated unit.
    exclude
        Ids that may not be controls (the buffer ring).

    Returns
    -------
    controls
        Control ids in the order chosen, each at most once.
    """
    treated = sorted(set(treated_ids))
    strata = _strata(corridors)
    pre = counts_pre.reindex(corridors.index, fill_value=0).astype(float)
    banned = set(treated) | set(exclude)
    pool = pd.DataFrame({"stratum": strata, "pre": pre}).loc[
        [i for i in corridors.index if i not in banned]
    ]
    pool = pool.assign(_id=pool.index.astype(str)).sort_values("_id", kind="stable")
    used: set[Any] = set()
    chosen: list[Any] = []
    short = 0
    for tid in treated:
        free = pool.loc[[i not in used for i in pool.index]]
        same = free[free["stratum"] == strata.get(tid)]
        if len(same) < n_per_treated:
            short += 1
            same = free
        gap = (same["pre"] - pre.get(tid, 0.0)).abs()
        ranked = same.assign(_gap=gap).sort_values(["_gap", "_id"], kind="stable")
        picks = ranked.index[:n_per_treated]
        used.update(picks)
        chosen.extend(picks)
    if short:
        log.debug("matched_controls: %d treated unit(s) matched outside their stratum", short)
    log.info("matched %d control units to %d treated units", len(chosen), len(treated))
    return chosen


# ----------------------------------------------------------------------------------------------
# Economics


def economics(
    spending: pd.DataFrame,
    *,
    budget_sek: float,
    period: Period,
    cameras: pd.DataFrame,
    covered_km: float | None,
) -> dict[str, Any]:
    """
    Spending in the period against the budget, by category and area, with unit costs.

    Parameters
    ----------
    spending
        From :func:`siteplan.io.followup_inputs.load_spending`.
    budget_sek
        The budget (``budget.total_sek`` of the scenario).
    period
        The report period; lines dated inside it count.
    cameras
        The cameras installed by the end of the period (``total_cost_sek`` gives the planned
        cost when present).
    covered_km
        Corridor length inside the footprints, in km; None when not known.

    Returns
    -------
    result
        ``spent_sek``, ``budget_sek``, ``remaining_sek``, ``share_of_budget``,
        ``by_category`` (every category, in vocabulary order), ``by_area`` (sorted, shared costs
        as :data:`SHARED_AREA` last), ``n_cameras``, ``cost_per_camera_sek``, ``covered_km``,
        ``cost_per_km_sek``, ``planned_cost_sek``, ``spent_year_to_date_sek``,
        ``forecast_year_end_sek`` (linear in the days elapsed since 1 January),
        ``forecast_vs_budget_sek`` and ``cumulative`` (month, spent so far in the year).
    """
    day = pd.to_datetime(spending["date"])
    start, end = pd.Timestamp(period.start), pd.Timestamp(period.end)
    inside = spending.loc[(day >= start) & (day <= end)]
    spent = float(inside["amount_sek"].sum())
    by_cat = inside.groupby("category")["amount_sek"].sum()
    by_category = {c: float(by_cat.get(c, 0.0)) for c in SPENDING_CATEGORIES}
    area = inside["area"].astype("object").where(inside["area"].notna(), SHARED_AREA)
    by_area_s = inside["amount_sek"].groupby(area).sum()
    names = sorted(n for n in by_area_s.index if n != SHARED_AREA)
    if SHARED_AREA in by_area_s.index:
        names.append(SHARED_AREA)
    by_area = {n: float(by_area_s[n]) for n in names}
    n_cam = len(cameras)
    year_start = pd.Timestamp(period.end.year, 1, 1)
    ytd_mask = (day >= year_start) & (day <= end)
    ytd = float(spending.loc[ytd_mask, "amount_sek"].sum())
    elapsed = (end - year_start).days + 1
    year_days = 366 if calendar.isleap(period.end.year) else 365
    forecast = ytd * year_days / elapsed
    months = spending.loc[ytd_mask].assign(month=day[ytd_mask].dt.strftime("%Y-%m"))
    monthly = months.groupby("month")["amount_sek"].sum()
    all_months = pd.date_range(year_start, end, freq="MS").strftime("%Y-%m")
    cum = monthly.reindex(all_months, fill_value=0.0).cumsum()
    planned = (
        float(cameras["total_cost_sek"].astype(float).sum())
        if "total_cost_sek" in cameras.columns
        else None
    )
    result = {
        "spent_sek": spent,
        "budget_sek": float(budget_sek),
        "remaining_sek": float(budget_sek) - spent,
        "share_of_budget": spent / budget_sek if budget_sek > 0 else None,
        "by_category": by_category,
        "by_area": by_area,
        "n_cameras": n_cam,
        "cost_per_camera_sek": spent / n_cam if n_cam else None,
        "covered_km": covered_km,
        "cost_per_km_sek": spent / covered_km if covered_km else None,
        "planned_cost_sek": planned,
        "spent_year_to_date_sek": ytd,
        "forecast_year_end_sek": forecast,
        "forecast_vs_budget_sek": forecast - float(budget_sek),
        "cumulative": [{"month": m, "spent_sek": float(v)} for m, v in cum.items()],
    }
    log.info(
        "economics: %.0f SEK spent of %.0f (%d lines in %s..%s), forecast %.0f SEK by year-end",
        spent, budget_sek, len(inside), period.start, period.end, forecast,
    )
    return result


# ----------------------------------------------------------------------------------------------
# The whole follow-up


def followup(
    installed: gpd.GeoDataFrame,
    incidents: gpd.GeoDataFrame,
    spending: pd.DataFrame,
    *,
    corridors: gpd.GeoDataFrame | None = None,
    period: Period,
    scenario: Scenario,
    footprints: gpd.GeoDataFrame | None = None,
    buffer_m: float = 50.0,
    snap_m: float = 25.0,
    grid_m: float = 50.0,
    min_overlap: float = 0.2,
    pre_months: int = 12,
    n_per_treated: int = 3,
) -> dict[str, Any]:
    """
    Effects on incidents and the economics of the installed cameras, for one period.

    Parameters
    ----------
    installed
        Installed cameras from :func:`siteplan.io.followup_inputs.load_installed`.
    incidents
        The incidents layer up to the report date.
    spending
        From :func:`siteplan.io.followup_inputs.load_spending`.
    corridors
        Corridor segments (with ``legal_class`` or ``area`` for matching); None uses square
        cells of `grid_m` as units (and leaves the cost per km unknown).
    period
        The report period (see :func:`report_period`).
    scenario
        Gives the budget, time zone, language and study name.
    footprints
        The plan's footprints (``plan.gpkg``), indexed by ``camera_id``; cameras that are not in
        it, or were moved or turned, get rebuilt wedges. None rebuilds all.
    buffer_m
        Width of the displacement buffer ring beyond the footprints.
    snap_m
        Largest distance from an incident to its corridor.
    grid_m
        Cell side when `corridors` is None.
    min_overlap
        Share of a unit inside the footprints from which it counts as treated.
    pre_months
        Months before the period start included in the panel.
    n_per_treated
        Control units per treated unit.

    Returns
    -------
    report
        JSON-ready results: ``meta``, ``installation``, ``windows``, ``units``, ``counts``,
        ``odds_ratio``, ``did``, ``displacement``, ``economics``, ``monthly`` and ``notes``
        (codes with values, rendered by :func:`write_followup`). Only counts, never points.

    Raises
    ------
    InputError
        If no camera was installed by the end of the period.
    CRSError
        If the layers are not in one projected CRS.
    """
    from siteplan.crs import require_same_crs

    require_same_crs(installed, incidents, "installed", "incidents")
    tz = scenario.study_area.timezone
    notes: list[dict[str, Any]] = []
    end = pd.Timestamp(period.end)
    start = pd.Timestamp(period.start)
    in_period = installed["installed_on"] <= end
    cams = installed.loc[in_period]
    if cams.empty:
        first = installed["installed_on"].min()
        msg = (
            f"followup: no camera was installed by {period.end} (the first installed_on is "
            f"{first.date() if pd.notna(first) else 'missing'}). Choose a later period."
        )
        raise InputError(msg)
    if (~in_period).any():
        notes.append({"code": "installed_after", "n": int((~in_period).sum())})
    foot = _resolve_footprints(cams, footprints)
    first_install = cams["installed_on"].min()
    last_install = cams["installed_on"].max()

    # Incidents as local days; area-level rows have no place in a spatial comparison.
    points = incidents.geometry.notna() & ~incidents.geometry.is_empty
    day = _local_day(incidents["occurred_at"], tz)
    n_area_level = int((~points).sum())
    if n_area_level:
        notes.append({"code": "area_level_excluded", "n": n_area_level})

    if corridors is not None:
        require_same_crs(corridors, installed, "corridors", "installed")
        units = corridors
        unit_kind = "corridor"
    else:
        box = np.array(
            [incidents.loc[points].total_bounds, foot.total_bounds]
        ) if points.any() else np.array([foot.total_bounds])
        bounds = (*box[:, :2].min(axis=0), *box[:, 2:].max(axis=0))
        units = grid_units(bounds, cell_m=grid_m, crs=installed.crs)
        unit_kind = "cell"
        notes.append({"code": "grid_units", "grid_m": grid_m})
    roles = unit_roles(units, foot, buffer_m=buffer_m, min_overlap=min_overlap)
    unit_of = assign_incidents(incidents.loc[points], units, snap_m=snap_m).reindex(incidents.index)

    # Windows: after = from the last installation to the period end; before = a year earlier.
    after_start = max(start, last_install)
    windows = {
        "after": (after_start, end),
        "before": (after_start - pd.DateOffset(years=1), end - pd.DateOffset(years=1)),
    }
    data_first, data_last = day[points].min(), day[points].max()
    if pd.notna(data_first) and data_first > windows["before"][0]:
        notes.append({"code": "data_starts_late", "date": data_first.date().isoformat()})
    if pd.notna(data_last) and data_last < end:
        notes.append({"code": "data_ends_early", "date": data_last.date().isoformat()})
    after_days = (end - after_start).days + 1
    if after_days < 90:
        notes.append({"code": "short_after", "days": after_days})

    panel_start = max(
        (start - pd.DateOffset(months=pre_months)).to_period("M").to_timestamp(),
        data_first.to_period("M").to_timestamp() if pd.notna(data_first) else start,
    )
    pre_mask = (day >= panel_start) & (day < first_install) & unit_of.notna()
    counts_pre = unit_of[pre_mask].value_counts()
    treated_ids = roles.index[roles["role"] == "treated"].tolist()
    buffer_ids = roles.index[roles["role"] == "buffer"].tolist()
    info = units.drop(columns=units.geometry.name).join(roles[["role"]])
    controls = matched_controls(
        info, treated_ids, counts_pre, n_per_treated=n_per_treated, exclude=buffer_ids
    )
    group = pd.Series("other", index=units.index, dtype="object")
    group.loc[treated_ids] = "treated"
    group.loc[buffer_ids] = "buffer"
    group.loc[controls] = "control"

    def count(which: str, window: str) -> int:
        lo, hi = windows[window]
        sel = unit_of.notna() & (day >= lo) & (day <= hi)
        return int((unit_of[sel].map(group) == which).sum())

    counts = {
        g: {"before": count(g, "before"), "after": count(g, "after")}
        for g in ("treated", "buffer", "control")
    }
    or_result = odds_ratio(
        counts["treated"]["before"], counts["treated"]["after"],
        counts["control"]["before"], counts["control"]["after"],
    )
    if or_result["continuity_correction"]:
        notes.append({"code": "continuity_correction"})
    wdq = displacement(
        counts["treated"]["before"], counts["treated"]["after"],
        counts["buffer"]["before"], counts["buffer"]["after"],
        counts["control"]["before"], counts["control"]["after"],
    )

    panel_units = pd.DataFrame(
        {
            "treated": roles.loc[treated_ids + controls, "role"].eq("treated").to_numpy(),
            "installed_on": roles.loc[treated_ids + controls, "installed_on"].to_numpy(),
        },
        index=pd.Index(treated_ids + controls),
    )
    panel = build_panel(unit_of, day, panel_units, start=panel_start, end=end)
    try:
        did = {"estimable": True, **did_poisson(panel)}
    except InputError as err:
        did = {"estimable": False, "reason": str(err)}

    covered_km = (
        float(roles["covered_m"].sum()) / 1000 if unit_kind == "corridor" else None
    )
    econ = economics(
        spending, budget_sek=scenario.budget.total_sek, period=period, cameras=cams,
        covered_km=covered_km,
    )
    months = _month_table(panel_start, end)
    sel = unit_of.notna() & (day >= panel_start) & (day <= end)
    monthly_counts = (
        pd.DataFrame({"g": unit_of[sel].map(group), "m": day[sel].dt.strftime("%Y-%m")})
        .value_counts()
        .unstack("g", fill_value=0)
        .reindex(index=months["period"], columns=["treated", "buffer", "control"], fill_value=0)
    )
    n_in = {g: int((group == g).sum()) for g in ("treated", "buffer", "control")}
    monthly = [
        {"month": m, **{g: int(row[g]) for g in ("treated", "buffer", "control")}}
        for m, row in monthly_counts.iterrows()
    ]
    by_month = cams["installed_on"].dt.strftime("%Y-%m").value_counts().sort_index()
    report = {
        "meta": {
            "scenario": scenario.study_area.name,
            "title": scenario.study_area.title or scenario.study_area.name,
            "fictional": scenario.study_area.fictional,
            "lang": scenario.output.language,
            "timezone": tz,
            "period": period.as_dict(),
            "unit_kind": unit_kind,
            "buffer_m": buffer_m,
            "min_overlap": min_overlap,
            "n_per_treated": n_per_treated,
        },
        "installation": {
            "n_installed": len(cams),
            "n_sites": int(cams["site_id"].nunique()) if "site_id" in cams else len(cams),
            "n_installed_after_period": int((~in_period).sum()),
            "first": first_install.date().isoformat(),
            "last": last_install.date().isoformat(),
            "by_month": {str(k): int(v) for k, v in by_month.items()},
            "footprints": {
                k: int(v) for k, v in foot["source"].value_counts().sort_index().items()
            },
        },
        "windows": {
            k: {"start": lo.date().isoformat(), "end": hi.date().isoformat()}
            for k, (lo, hi) in windows.items()
        },
        "panel": {
            "start": panel_start.date().isoformat(),
            "end": end.date().isoformat(),
            "n_rows": len(panel),
        },
        "units": {
            "n_units": len(units),
            "n_treated": n_in["treated"],
            "n_buffer": n_in["buffer"],
            "n_control": n_in["control"],
        },
        "counts": counts,
        "incidents": {
            "n_points": int(points.sum()),
            "n_area_level": n_area_level,
            "n_outside_units": int((points & unit_of.isna()).sum()),
        },
        "odds_ratio": or_result,
        "did": did,
        "displacement": wdq,
        "economics": econ,
        "monthly": monthly,
        "notes": notes,
    }
    log.info(
        "followup %s %s..%s: %d cameras, %d treated / %d control / %d buffer %ss, "
        "OR %.2f, IRR %s",
        scenario.study_area.name, period.start, period.end, len(cams), n_in["treated"],
        n_in["control"], n_in["buffer"], unit_kind, or_result["odds_ratio"],
        f"{did['irr']:.2f}" if did["estimable"] else "n/a",
    )
    return report


# ----------------------------------------------------------------------------------------------
# Loading and running (the CLI's entry point)


def corridors_from_scenario(
    scenario: Scenario, *, areas: gpd.GeoDataFrame | None = None
) -> gpd.GeoDataFrame:
    """
    Corridors with legal class, rebuilt from the scenario's walk network and stops.

    The same steps as a plan (:mod:`siteplan.pipeline`) up to the legal classification, for a
    follow-up run without the plan's ``plan.gpkg``.

    Parameters
    ----------
    scenario
        The scenario (its ``inputs.osm``, ``inputs.gtfs``, corridor length and legal section).
    areas
        Priority areas, to give each corridor its area.

    Returns
    -------
    corridors
        Corridor segments indexed by ``corridor_id`` with ``area`` and ``legal_class``.
    """
    from siteplan import corridors as corridors_mod
    from siteplan import legal
    from siteplan.io import gtfs as gtfs_io
    from siteplan.io import osm as osm_io

    crs = scenario.study_area.crs
    inp = scenario.inputs
    osm = osm_io.load_osm(scenario.path(inp.osm), crs=crs)
    transit = gtfs_io.load_gtfs(
        scenario.path(inp.gtfs), crs=crs, service_date=inp.gtfs_service_date
    )
    stops = transit.stops
    corr = corridors_mod.build_corridors(
        osm.edges, areas=areas, max_length_m=scenario.corridors.max_length_m
    )
    graph = corridors_mod.corridor_graph(corr)
    return legal.classify(corr, stops, config=scenario.legal, graph=graph)


def demo_paths() -> dict[str, Path]:
    """
    The sample town's follow-up inputs: installed cameras, spending, incidents and scenario.

    Returns
    -------
    paths
        Keys ``installed``, ``spending``, ``incidents``, ``scenario``.

    Raises
    ------
    SourceUnavailableError
        If a file is missing (regenerate with ``python -m siteplan.followup --make-sample``).
    """
    from siteplan.datasets import get_path, sample_dir
    from siteplan.errors import SourceUnavailableError

    folder = sample_dir() / "followup"
    paths = {
        "installed": folder / "installed.csv",
        "spending": folder / "spending.csv",
        "incidents": get_path("incidents.csv"),
        "scenario": get_path("scenario.toml"),
    }
    for key in ("installed", "spending"):
        if not paths[key].is_file():
            msg = (
                f"{paths[key]}: sample follow-up file missing. Regenerate it with "
                "`python -m siteplan.followup --make-sample`."
            )
            raise SourceUnavailableError(msg)
    return paths


def run_followup(
    *,
    installed: str | os.PathLike[str],
    incidents: str | os.PathLike[str],
    spending: str | os.PathLike[str],
    scenario: str | os.PathLike[str] | Scenario,
    period: Period,
    plan: str | os.PathLike[str] | None = None,
    grid: bool = False,
) -> dict[str, Any]:
    """
    Load the follow-up's files and run :func:`followup`.

    Parameters
    ----------
    installed
        Installed cameras (a plan's ``cameras.csv`` plus ``installed_on``).
    incidents
        Incidents up to the report date, read like the scenario's incident file.
    spending
        The spending lines.
    scenario
        The plan's scenario (file or loaded).
    period
        The report period.
    plan
        The plan's output folder: footprints (and corridors) from its ``plan.gpkg``.
    grid
        Use square cells instead of corridors (no network needed, no cost per km).

    Returns
    -------
    report
        As :func:`followup`.
    """
    from siteplan.config import Scenario as ScenarioModel
    from siteplan.config import load_scenario
    from siteplan.io import areas as areas_io
    from siteplan.io import followup_inputs
    from siteplan.io import incidents as incidents_io

    sc = scenario if isinstance(scenario, ScenarioModel) else load_scenario(scenario)
    crs = sc.study_area.crs
    inp = sc.inputs
    areas = None
    if inp.areas is not None:
        areas = areas_io.load_areas(sc.path(inp.areas), crs=crs, name_column=inp.areas_name_column)
    cams = followup_inputs.load_installed(installed, crs=crs)
    inc = incidents_io.load_incidents(
        incidents, crs=crs, timezone=sc.study_area.timezone, columns=inp.incident_columns,
        areas=areas,
    )
    lines = followup_inputs.load_spending(spending)
    footprints = corridors = None
    if plan is not None:
        footprints, corridors = followup_inputs.load_plan_layers(plan, crs=crs)
    if grid:
        corridors = None
    elif corridors is None:
        corridors = corridors_from_scenario(sc, areas=areas)
    return followup(
        cams, inc, lines, corridors=corridors, period=period, scenario=sc, footprints=footprints
    )


# ----------------------------------------------------------------------------------------------
# Writing


def _jsonable(obj: Any) -> Any:
    """Plain JSON values: NaN/inf become None, numpy scalars become Python numbers."""
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dt.date | pd.Timestamp):
        return obj.isoformat()
    return obj


def _png(fig: Any) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _charts(report: dict[str, Any], lang: str) -> dict[str, str | None]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from siteplan.i18n import t

    charts: dict[str, str | None] = {"monthly": None, "spending": None}
    monthly = pd.DataFrame(report["monthly"])
    units = report["units"]
    if not monthly.empty:
        fig, ax = plt.subplots(figsize=(7.5, 3.4))
        x = np.arange(len(monthly))
        styles = {"treated": "#c0392b", "control": "#1f5fa8", "buffer": "#7f8c8d"}
        for g, colour in styles.items():
            n = units[f"n_{g}"]
            if n:
                ax.plot(x, monthly[g] / n, color=colour, marker="o", ms=3,
                        label=t(f"followup.group.{g}", lang))
        inst = report["installation"]
        months = list(monthly["month"])
        for key, ls in (("first", ":"), ("last", "--")):
            m = inst[key][:7]
            if m in months:
                ax.axvline(months.index(m), color="#333", ls=ls, lw=1)
        step = max(1, len(months) // 12)
        ax.set_xticks(x[::step], months[::step], rotation=45, ha="right", fontsize=8)
        ax.set_ylabel(t("followup.chart.per_unit", lang))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
        charts["monthly"] = _png(fig)
    econ = report["economics"]
    if econ["cumulative"]:
        fig, ax = plt.subplots(figsize=(7.5, 3.2))
        cum = pd.DataFrame(econ["cumulative"])
        x = np.arange(len(cum))
        ax.bar(x, cum["spent_sek"] / 1000, color="#1f5fa8", label=t("followup.chart.spent", lang))
        ax.axhline(econ["budget_sek"] / 1000, color="#c0392b", ls="--", lw=1,
                   label=t("followup.chart.budget", lang))
        ax.axhline(econ["forecast_year_end_sek"] / 1000, color="#e67e22", ls=":", lw=1.2,
                   label=t("followup.chart.forecast", lang))
        ax.set_xticks(x, list(cum["month"]), rotation=45, ha="right", fontsize=8)
        ax.set_ylabel(t("followup.chart.ksek", lang))
        ax.grid(alpha=0.3, axis="y")
        ax.legend(fontsize=8)
        charts["spending"] = _png(fig)
    return charts


def render_followup(report: dict[str, Any]) -> str:
    """
    Render ``followup.html`` from a follow-up report: self-contained, charts inline.

    Parameters
    ----------
    report
        From :func:`followup`.

    Returns
    -------
    html
        The page; text is escaped and nothing is loaded from elsewhere.
    """
    from jinja2 import Environment, PackageLoader, select_autoescape

    from siteplan.i18n import t

    lang = report["meta"]["lang"]
    env = Environment(
        loader=PackageLoader("siteplan", "templates"), autoescape=select_autoescape(["html", "j2"])
    )
    env.globals["t"] = lambda key, **kw: t(key, lang, **kw)
    env.filters["sek"] = lambda v: "–" if v is None else f"{v:,.0f}".replace(",", " ")
    comma = lang == "sv"  # Swedish writes a decimal comma

    def num(value: float | None, fmt: str = "%.2f") -> str:
        if value is None:
            return "–"
        text = fmt % value
        return text.replace(".", ",") if comma else text

    env.filters["num"] = num
    return env.get_template("followup.html.j2").render(
        r=report,
        lang=lang,
        generated=dt.date.today().isoformat(),
        charts=_charts(report, lang),
        categories=SPENDING_CATEGORIES,
        shared_area=SHARED_AREA,
    )


def write_followup(report: dict[str, Any], out_dir: str | os.PathLike[str]) -> tuple[Path, Path]:
    """
    Write ``followup.html`` and ``followup.json`` into `out_dir`, each atomically.

    Parameters
    ----------
    report
        From :func:`followup`.
    out_dir
        The folder; created if needed.

    Returns
    -------
    html, json
        The two files written.
    """
    from siteplan.io._common import atomic_write

    out = Path(out_dir)
    data = _jsonable(report)
    text = json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True, allow_nan=False)
    html = render_followup(data)
    html_path, json_path = out / "followup.html", out / "followup.json"
    with atomic_write(json_path) as tmp:
        tmp.write_text(text + "\n", encoding="utf-8")
    with atomic_write(html_path) as tmp:
        tmp.write_text(html, encoding="utf-8")
    log.info("wrote %s and %s", html_path, json_path)
    return html_path, json_path


# ----------------------------------------------------------------------------------------------
# The sample town's simulated installation


def cameras_from_stops(
    stops: gpd.GeoDataFrame,
    incidents: gpd.GeoDataFrame,
    *,
    scenario: Scenario,
    n_cameras: int = 10,
    before: dt.date = dt.date(2025, 1, 1),
    radius_m: float = 50.0,
    min_spacing_m: float = 60.0,
) -> pd.DataFrame:
    """
    A stand-in plan: one camera at each of the stops with most incidents nearby.

    Used for the sample only when no plan's ``cameras.csv`` is at hand. Each camera looks
    toward the mean position of the incidents within `radius_m` (north if there are none).

    Parameters
    ----------
    stops
        Stop points (working CRS), indexed by ``stop_id``.
    incidents
        Incidents (same CRS); those before `before` rank the stops.
    scenario
        Camera catalogue (the first non-360° model is used) and cost model.
    n_cameras
        How many cameras.
    before
        Only incidents before this day count.
    radius_m
        Radius around a stop whose incidents count.
    min_spacing_m
        Stops closer than this to a chosen one are skipped.

    Returns
    -------
    cameras
        The columns of a plan's ``cameras.csv``.
    """
    from pyproj import Transformer

    model = next((c for c in scenario.cameras if not c.is_360), scenario.cameras[0])
    inc = incidents.loc[incidents.geometry.notna() & ~incidents.geometry.is_empty]
    inc = inc.loc[inc["occurred_at"].dt.tz_localize(None) < pd.Timestamp(before)]
    stops = stops.sort_index()
    tree = shapely.STRtree(inc.geometry.to_numpy())
    left, right = tree.query(stops.geometry.to_numpy(), predicate="dwithin", distance=radius_m)
    hits = pd.Series(right, index=stops.index.to_numpy()[left])
    rank = hits.groupby(level=0).size().reindex(stops.index, fill_value=0)
    order = rank.sort_values(ascending=False, kind="stable").index
    chosen: list[Any] = []
    for sid in order:
        pt = stops.geometry.loc[sid]
        if all(pt.distance(stops.geometry.loc[c]) >= min_spacing_m for c in chosen):
            chosen.append(sid)
        if len(chosen) == n_cameras:
            break
    xy = inc.geometry.get_coordinates().to_numpy()
    costs = scenario.costs
    capex = (
        model.capex_sek + costs.mount_sek["lamp_post"] + costs.connectivity_sek
        + costs.vms_licence_sek
    )
    opex = model.opex_sek_per_year + costs.connectivity_opex_sek_per_year
    rows = []
    for k, sid in enumerate(chosen):
        pt = stops.geometry.loc[sid]
        near = xy[right[left == stops.index.get_loc(sid)]] if len(xy) else np.empty((0, 2))
        dx, dy = (near.mean(axis=0) - (pt.x, pt.y)) if len(near) else (0.0, 1.0)
        rows.append({
            "camera_id": f"cam-{k + 1:03d}", "site_id": f"stop-{sid}", "x": pt.x, "y": pt.y,
            "azimuth_deg": round(float(np.degrees(np.arctan2(dx, dy)) % 360), 1),
            "hfov_deg": model.hfov_deg, "range_m": round(model.ground_range_m, 2),
            "model": model.model, "mount": "lamp_post", "legal_class": "stop_area",
            "purpose": ", ".join(scenario.legal.purposes), "area": None,
            "capex_sek": capex, "opex_sek_per_year": opex,
            "total_cost_sek": capex + opex * scenario.budget.horizon_years,
            "covered_demand": float(rank.loc[sid]),
        })
    frame = pd.DataFrame(rows)
    lon, lat = Transformer.from_crs(stops.crs, 4326, always_xy=True).transform(
        frame["x"].to_numpy(), frame["y"].to_numpy()
    )
    frame.insert(4, "lon", lon)
    frame.insert(5, "lat", lat)
    return frame


def simulate_installation(
    cameras_csv_frame: pd.DataFrame,
    *,
    start: dt.date,
    spacing_days: int,
    seed: int,
    crs: str = "EPSG:3006",
    missing_share: float = 0.1,
    moved_share: float = 0.1,
    max_move_m: float = 8.0,
) -> pd.DataFrame:
    """
    Simulate how a plan's cameras were installed: site by site, some missing, some moved.

    Sites are installed in order of their first camera id, one every `spacing_days` from
    `start` (plus 0–2 days of seeded jitter); all cameras of a site share its day. A seeded
    `missing_share` of cameras is never installed (dropped), and `moved_share` is mounted
    2 m to `max_move_m` away from the planned spot.

    Parameters
    ----------
    cameras_csv_frame
        A plan's ``cameras.csv`` as a frame (``camera_id``, ``site_id``, ``x``, ``y``, ...).
    start
        Day of the first installation.
    spacing_days
        Days between two sites.
    seed
        Seed of the random generator; the same seed gives the same installation.
    crs
        CRS of ``x``/``y`` (to update ``lon``/``lat`` of moved cameras).
    missing_share, moved_share
        Shares of cameras left out and moved.
    max_move_m
        Largest move in metres.

    Returns
    -------
    installed
        The installed cameras: the input columns (x, y, lon, lat updated) plus
        ``installed_on`` (a date), in camera-id order.
    """
    from pyproj import Transformer

    rng = np.random.default_rng(seed)
    cams = cameras_csv_frame.sort_values("camera_id", kind="stable").reset_index(drop=True)
    site = cams["site_id"] if "site_id" in cams else cams["camera_id"]
    sites = list(dict.fromkeys(site))
    jitter = rng.integers(0, 3, size=len(sites))
    day = {
        s: start + dt.timedelta(days=k * spacing_days + int(j))
        for k, (s, j) in enumerate(zip(sites, jitter, strict=True))
    }
    cams["installed_on"] = site.map(day)
    n = len(cams)
    n_missing = round(missing_share * n)
    missing = rng.choice(n, size=n_missing, replace=False) if n_missing else np.array([], int)
    rest = np.setdiff1d(np.arange(n), missing)
    n_moved = min(round(moved_share * n), len(rest))
    moved = rng.choice(rest, size=n_moved, replace=False) if n_moved else np.array([], int)
    dist = rng.uniform(2.0, max_move_m, size=len(moved))
    ang = rng.uniform(0, 2 * np.pi, size=len(moved))
    cams["x"] = cams["x"].astype(float)
    cams["y"] = cams["y"].astype(float)
    cams.loc[moved, "x"] += np.round(dist * np.sin(ang), 2)
    cams.loc[moved, "y"] += np.round(dist * np.cos(ang), 2)
    if {"lon", "lat"} <= set(cams.columns) and len(moved):
        lon, lat = Transformer.from_crs(crs, 4326, always_xy=True).transform(
            cams.loc[moved, "x"].to_numpy(), cams.loc[moved, "y"].to_numpy()
        )
        cams.loc[moved, "lon"], cams.loc[moved, "lat"] = lon, lat
    out = cams.drop(index=missing).reset_index(drop=True)
    log.info(
        "simulated installation: %d of %d cameras at %d sites, %s to %s (%d missing, %d moved)",
        len(out), n, len(sites), min(day.values()), max(day.values()), len(missing), len(moved),
    )
    return out


def simulate_spending(
    installed: pd.DataFrame, *, scenario: Scenario, year: int, seed: int
) -> pd.DataFrame:
    """
    Simulate the spending lines of an installation, with seeded deviations from the cost model.

    Per camera: the camera (two weeks before installation) and a VMS licence (on the day); per
    site: the mount, the connectivity (a week before) and signs (15 §); per ``general`` site
    the written assessment; each month after installation, operation per area; plus a shared
    project-management line. Amounts deviate −5 % to +25 % from the scenario's cost model.

    Parameters
    ----------
    installed
        From :func:`simulate_installation`.
    scenario
        The cost model.
    year
        Lines after 31 December of this year are left out.
    seed
        Seed of the random generator.

    Returns
    -------
    spending
        Columns ``date``, ``category``, ``area``, ``amount_sek`` (whole SEK), ``note``, sorted
        by date.
    """
    rng = np.random.default_rng(seed)
    costs = scenario.costs
    lines: list[tuple[dt.date, str, Any, int, str]] = []

    def add(day: dt.date, cat: str, area: Any, base: float, note: str) -> None:
        if base > 0:
            amount = round(base * rng.uniform(0.95, 1.25))
            lines.append((day, cat, None if pd.isna(area) else area, int(amount), note))

    cams = installed.sort_values("camera_id", kind="stable")
    seen_sites: set[Any] = set()
    for cam in cams.itertuples(index=False):
        day: dt.date = pd.Timestamp(cam.installed_on).date()
        area = getattr(cam, "area", None)
        try:
            model = scenario.camera(cam.model)
            capex, opex = model.capex_sek, model.opex_sek_per_year
        except KeyError:
            capex, opex = float(getattr(cam, "capex_sek", 0.0)), 0.0
        add(day - dt.timedelta(days=14), "camera", area, capex, f"{cam.model} {cam.camera_id}")
        add(day, "vms", area, costs.vms_licence_sek, f"VMS {cam.camera_id}")
        site = getattr(cam, "site_id", cam.camera_id)
        if site not in seen_sites:
            seen_sites.add(site)
            mount = getattr(cam, "mount", "lamp_post")
            add(day, "mount", area, costs.mount_sek.get(mount, 0.0), f"{mount} {site}")
            add(day - dt.timedelta(days=7), "connectivity", area, costs.connectivity_sek, str(site))
            add(day, "other", area, 1_500.0, f"skyltar {site}")
            if getattr(cam, "legal_class", "") == "general":
                add(day - dt.timedelta(days=30), "paperwork", area,
                    costs.paperwork_hours * costs.hourly_rate_sek, f"9 § {site}")
        monthly = (opex + costs.connectivity_opex_sek_per_year) / 12
        month = pd.Timestamp(day) + pd.offsets.MonthEnd(1)
        while month.year <= year:
            add(month.date(), "operation", area, monthly, f"drift {cam.camera_id}")
            month += pd.offsets.MonthEnd(1)
    first = min(pd.Timestamp(d).date() for d in cams["installed_on"])
    add(first - dt.timedelta(days=45), "other", None, 20_000.0, "projektledning")
    frame = pd.DataFrame(lines, columns=["date", "category", "area", "amount_sek", "note"])
    frame = frame.loc[pd.to_datetime(frame["date"]).dt.year <= year]
    return frame.sort_values(["date", "category", "note"], kind="stable").reset_index(drop=True)


def make_sample(
    out_dir: str | os.PathLike[str] | None = None, *, seed: int = 0
) -> tuple[Path, Path]:
    """
    Write the sample town's simulated ``installed.csv`` and ``spending.csv``.

    The cameras come from ``maps/exempelstad/cameras.csv`` when a plan of the sample has been
    written there (``siteplan demo``), else from :func:`cameras_from_stops`. They are installed
    from 3 February 2025, one site a week, so the 2025 interim and year-end reports have
    before and after periods in the sample's incidents (2023–2025).

    Parameters
    ----------
    out_dir
        Target folder (default ``siteplan/datasets/sample/followup``).
    seed
        Seed of the simulation.

    Returns
    -------
    installed, spending
        The two files written.
    """
    from siteplan.config import load_scenario
    from siteplan.datasets import get_path, sample_dir
    from siteplan.io import areas as areas_io
    from siteplan.io import gtfs as gtfs_io
    from siteplan.io import incidents as incidents_io
    from siteplan.io._common import atomic_write, read_csv

    scenario = load_scenario(get_path("scenario.toml"))
    crs = scenario.study_area.crs
    plan_csv = sample_dir().parents[1] / "maps" / scenario.study_area.name / "cameras.csv"
    if plan_csv.is_file():
        cams = read_csv(plan_csv)
        for col in ("x", "y", "lon", "lat", "azimuth_deg", "hfov_deg", "range_m"):
            cams[col] = pd.to_numeric(cams[col])
        log.info("sample installation from the plan's %s", plan_csv)
    else:
        inp = scenario.inputs
        areas = None
        if inp.areas is not None:
            areas = areas_io.load_areas(
                scenario.path(inp.areas), crs=crs, name_column=inp.areas_name_column
            )
        stops = gtfs_io.load_gtfs(
            scenario.path(inp.gtfs), crs=crs, service_date=inp.gtfs_service_date
        ).stops
        incidents = incidents_io.load_incidents(
            scenario.path(inp.incidents), crs=crs, timezone=scenario.study_area.timezone,
            columns=inp.incident_columns, areas=areas,
        )
        cams = cameras_from_stops(stops, incidents, scenario=scenario)
        if areas is not None:
            pts = gpd.GeoSeries(gpd.points_from_xy(cams["x"], cams["y"]), crs=crs)
            named = areas.reset_index()[["area", "geometry"]]
            hit = gpd.sjoin(gpd.GeoDataFrame(geometry=pts), named, predicate="within", how="left")
            cams["area"] = hit.groupby(level=0)["area"].first().to_numpy()
        log.info("sample installation from the %d stops with most incidents", len(cams))
    installed = simulate_installation(
        cams, start=dt.date(2025, 2, 3), spacing_days=7, seed=seed, crs=crs
    )
    spending = simulate_spending(installed, scenario=scenario, year=2025, seed=seed)
    out = Path(out_dir) if out_dir is not None else sample_dir() / "followup"
    paths = (out / "installed.csv", out / "spending.csv")
    for frame, path in zip((installed, spending), paths, strict=True):
        with atomic_write(path) as tmp:
            frame.to_csv(tmp, index=False, float_format="%.6f", lineterminator="\n")
    log.info("wrote %s and %s", *paths)
    return paths


def _main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m siteplan.followup",
        description="Regenerate the sample town's simulated installation and spending.",
    )
    parser.add_argument("--make-sample", action="store_true", help="write installed/spending CSVs")
    parser.add_argument("--out", type=Path, default=None, help="default siteplan/datasets/sample/followup")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if not args.make_sample:
        parser.error("nothing to do; pass --make-sample")
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    warnings.simplefilter("default", InputWarning)
    make_sample(args.out, seed=args.seed)


if __name__ == "__main__":
    _main()
