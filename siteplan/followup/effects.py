"""Effects of installed cameras on incidents, from counts in camera areas vs. controls.

The units of analysis are corridor segments (or, without corridors, square grid cells). A unit
is *treated* when the installed cameras' footprints cover at least `min_overlap` of it; the
*buffer* holds the other units within `buffer_m` of a footprint; *controls* are matched to the
treated units from the rest. From the counts come the odds ratio of before/after counts
(Welsh & Farrington 2009) and the weighted displacement quotient of the buffer ring (Bowers &
Johnson 2003); :mod:`siteplan.followup.inference` fits the difference-in-differences model on
the unit × month panel built here.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from siteplan.coverage import footprint
from siteplan.crs import require_projected
from siteplan.errors import InputError
from siteplan.followup.inference import Z95
from siteplan.followup.result import Displacement, OddsRatio, WeightedDisplacement

__all__ = [
    "assign_incidents",
    "build_panel",
    "displacement",
    "grid_units",
    "local_day",
    "matched_control_sets",
    "matched_controls",
    "month_table",
    "odds_ratio",
    "resolve_footprints",
    "unit_roles",
    "wedge_footprints",
    "weighted_displacement_difference",
]

log = logging.getLogger(__name__)


# ----------------------------------------------------------------------------------------------
# Effect measures (pure, on counts)


def odds_ratio(a: float, b: float, c: float, d: float) -> OddsRatio:
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
        The ratio, its interval, ``log_or``, ``var_log_or``, ``p_value`` (two-sided, normal),
        ``significant`` (the CI excludes 1), ``relative_change`` (``1/OR − 1``: the treated
        area's change beyond the control's trend; −0.2 = 20 % fewer),
        ``continuity_correction`` and the counts as given.

    Raises
    ------
    InputError
        If a count is negative or not finite.
    """
    counts = {"a": a, "b": b, "c": c, "d": d}
    _check_counts(counts, "odds_ratio")
    corrected = any(float(v) == 0 for v in counts.values())
    fa, fb, fc, fd = (float(v) + (0.5 if corrected else 0.0) for v in (a, b, c, d))
    ratio = (fa * fd) / (fb * fc)
    log_or = math.log(ratio)
    var = 1 / fa + 1 / fb + 1 / fc + 1 / fd
    se = math.sqrt(var)
    lo, hi = math.exp(log_or - Z95 * se), math.exp(log_or + Z95 * se)
    return OddsRatio(
        a=float(a),
        b=float(b),
        c=float(c),
        d=float(d),
        odds_ratio=ratio,
        ci_low=lo,
        ci_high=hi,
        log_or=log_or,
        var_log_or=var,
        p_value=math.erfc(abs(log_or) / se / math.sqrt(2)),
        significant=not lo <= 1.0 <= hi,
        relative_change=1 / ratio - 1,
        continuity_correction=corrected,
    )


def _check_counts(counts: dict[str, float], where: str) -> None:
    """Raise InputError for a count that is negative or not finite."""
    for key, value in counts.items():
        if not math.isfinite(float(value)) or float(value) < 0:
            msg = f"{where}: count {key}={value!r} must be a finite number >= 0."
            raise InputError(msg)


def displacement(
    r_before: float,
    r_after: float,
    b_before: float,
    b_after: float,
    c_before: float,
    c_after: float,
) -> Displacement:
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
        "r_before": r_before,
        "r_after": r_after,
        "b_before": b_before,
        "b_after": b_after,
        "c_before": c_before,
        "c_after": c_after,
    }
    _check_counts(counts, "displacement")
    given = {k: float(v) for k, v in counts.items()}
    if c_before == 0 or c_after == 0:
        return Displacement(
            **given,
            wdq=None,
            success_measure=None,
            buffer_measure=None,
            interpretation="no_control",
        )
    success = r_after / c_after - r_before / c_before
    buffer = b_after / c_after - b_before / c_before
    wdq = buffer / success if success < 0 else None
    return Displacement(
        **given,
        wdq=wdq,
        success_measure=success,
        buffer_measure=buffer,
        interpretation=_wdq_meaning(wdq),
    )


#: Fewer incidents than this in a treated or buffer window make the displacement measures fragile.
SMALL_COUNT = 10


def weighted_displacement_difference(
    r_before: float,
    r_after: float,
    b_before: float,
    b_after: float,
    c_before: float,
    c_after: float,
) -> WeightedDisplacement:
    """
    Weighted displacement difference test (Wheeler & Ratcliffe 2018), with its interval.

    ``WDD = ΔR − k_R·ΔC + ΔB − k_B·ΔC`` in incidents, with Δ = after − before, R the
    response (treated) area, B the buffer and C the control area scaled to each area's
    before level (``k_R = Rb/Cb``, ``k_B = Bb/Cb``; the controls here are larger than the
    treated area). Under Poisson counts ``V = Rb + Ra + Bb + Ba + (k_R + k_B)²·(Cb + Ca)``
    (the scales taken as known); negative WDD = fewer incidents in the treated area and its
    surroundings together than the controls predict, net of any displacement.

    Parameters
    ----------
    r_before, r_after, b_before, b_after, c_before, c_after
        Incident counts in each area and window.

    Returns
    -------
    result
        ``wdd`` with ``se``, the 95 % interval, ``z``, ``p_value`` and ``small_counts``; the
        estimate is None when the controls had no incident before.
    """
    counts = {
        "r_before": r_before,
        "r_after": r_after,
        "b_before": b_before,
        "b_after": b_after,
        "c_before": c_before,
        "c_after": c_after,
    }
    _check_counts(counts, "weighted_displacement_difference")
    small = min(r_before, r_after, b_before, b_after) < SMALL_COUNT
    if c_before == 0:
        return WeightedDisplacement(None, None, None, None, None, None, None, None, small)
    k_r, k_b = r_before / c_before, b_before / c_before
    d_c = c_after - c_before
    wdd = (r_after - r_before) - k_r * d_c + (b_after - b_before) - k_b * d_c
    var = r_before + r_after + b_before + b_after + (k_r + k_b) ** 2 * (c_before + c_after)
    se = math.sqrt(var) if var > 0 else 0.0
    z = wdd / se if se > 0 else 0.0
    return WeightedDisplacement(
        wdd=float(wdd),
        se=se,
        ci_low=float(wdd - Z95 * se),
        ci_high=float(wdd + Z95 * se),
        z=z,
        p_value=math.erfc(abs(z) / math.sqrt(2)),
        scale_treated=k_r,
        scale_buffer=k_b,
        small_counts=small,
    )


def _wdq_meaning(wdq: float | None) -> str:
    """The reading of a quotient; None means the cameras' area did not improve."""
    if wdq is None:
        return "no_success"
    if wdq < -1:
        return "net_loss"
    if wdq < 0:
        return "displacement"
    if wdq == 0:
        return "none"
    return "diffusion" if wdq <= 1 else "diffusion_exceeds"


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
            installed.geometry,
            installed["azimuth_deg"],
            installed["hfov_deg"],
            installed["range_m"],
            strict=True,
        )
    ]
    return gpd.GeoSeries(shapes, index=installed.index, crs=installed.crs, name="geometry")


def resolve_footprints(
    installed: gpd.GeoDataFrame, plan: gpd.GeoDataFrame | None, *, tol_m: float = 1.0
) -> gpd.GeoDataFrame:
    """
    Footprints of the installed cameras: the plan's where unchanged, else rebuilt wedges.

    Parameters
    ----------
    installed
        Installed camera points with ``installed_on``, ``x``, ``y``, ``azimuth_deg``,
        ``hfov_deg`` and ``range_m``, indexed by ``camera_id``.
    plan
        The plan's footprints indexed by ``camera_id`` (optionally with the planned ``x``,
        ``y`` and ``azimuth_deg``); None rebuilds every footprint.
    tol_m
        A camera mounted farther than this from its planned spot, or turned more than 1°,
        counts as moved and gets a rebuilt wedge.

    Returns
    -------
    footprints
        Polygons indexed like `installed` with ``installed_on`` and ``source`` (``"plan"``,
        ``"moved"`` or ``"wedge"``).
    """
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


def grid_units(bounds: Sequence[float], *, cell_m: float, crs: Any) -> gpd.GeoDataFrame:
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


def local_day(times: pd.Series, timezone: str) -> pd.Series:
    """Local calendar day (naive midnight) of tz-aware times."""
    return times.dt.tz_convert(timezone).dt.tz_localize(None).dt.normalize()


def month_table(start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """Months overlapping [start, end] with their first/last day inside and the days."""
    months = pd.date_range(start.to_period("M").to_timestamp(), end, freq="MS")
    first = np.maximum(months, start)
    last = np.minimum(months + pd.offsets.MonthEnd(0), end)
    return pd.DataFrame(
        {
            "period": months.strftime("%Y-%m"),
            "first": first,
            "last": last,
            "exposure": (last - first).days + 1,
        },
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
    months = month_table(start, end)
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
    sets = matched_control_sets(
        corridors, treated_ids, counts_pre, n_per_treated=n_per_treated, exclude=exclude
    )
    return [c for picks in sets.values() for c in picks]


def matched_control_sets(
    corridors: pd.DataFrame,
    treated_ids: Iterable[Any],
    counts_pre: pd.Series,
    *,
    n_per_treated: int = 3,
    exclude: Iterable[Any] = (),
) -> dict[Any, list[Any]]:
    """
    The controls of each treated unit, chosen as :func:`matched_controls` chooses them.

    Parameters
    ----------
    corridors, treated_ids, counts_pre, n_per_treated, exclude
        As for :func:`matched_controls`.

    Returns
    -------
    controls
        Treated id (in id order) -> its control ids, nearest pre-period level first.
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
    chosen: dict[Any, list[Any]] = {}
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
        chosen[tid] = list(picks)
    if short:
        log.debug("matched_controls: %d treated unit(s) matched outside their stratum", short)
    n_chosen = sum(len(v) for v in chosen.values())
    log.info("matched %d control units to %d treated units", n_chosen, len(treated))
    return chosen
