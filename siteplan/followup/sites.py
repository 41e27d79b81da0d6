"""Camera sites as the units of inference: own windows, control sites, site odds ratios.

A staggered rollout (Linköping: August 2022 to June 2024) leaves almost no after period when
every site waits for the last installation, so each site gets its own windows from its own
installation day: *after* from the day after installation to the period end (at most
``max_after_days``), *before* the same calendar days whole years earlier, ending before the
installation (the season is the same). Controls are matched on a window strictly before every
before window, so the before counts that measure the change did not choose the controls.

Each treated unit has ``n_per_treated`` matched control units; the j-th control of every unit
of a site forms that site's j-th *control site*: the same size, the same windows, the same
pre-period level. Randomization inference reassigns the treatment over these clusters
(:mod:`.randomization`). Each site's odds ratio against all its controls has its variance
inflated by the overdispersion φ of monthly counts (Farrington et al. 2007), and the sites are
pooled with random effects (DerSimonian & Laird 1986), as the CCTV meta-analyses pool schemes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from siteplan.followup.effects import odds_ratio
from siteplan.followup.inference import Z95
from siteplan.followup.result import PooledOddsRatio, SiteEffect, Window

__all__ = [
    "SiteLayout",
    "cluster_counts",
    "cluster_table",
    "matching_window",
    "overdispersion",
    "pool_random_effects",
    "site_odds_ratios",
    "site_windows",
    "unit_sites",
]

#: Window columns of :func:`site_windows`, in order.
WINDOW_COLUMNS = ("before_start", "before_end", "after_start", "after_end")


class SiteLayout(NamedTuple):
    """The sites and their clusters: which units, which windows, treated or control."""

    sites: pd.DataFrame
    clusters: pd.DataFrame
    cluster_of: pd.Series


def unit_sites(
    units: gpd.GeoDataFrame, treated_ids: Sequence[Any], footprints: gpd.GeoDataFrame
) -> pd.Series:
    """
    The camera site of each treated unit: the earliest-installed site whose footprint it meets.

    Parameters
    ----------
    units
        All units (corridors or cells), indexed by id.
    treated_ids
        The treated units.
    footprints
        Footprints with ``installed_on`` and ``site_id``, same CRS.

    Returns
    -------
    site
        Site id per treated unit (ties go to the lower site id), named ``site_id``.
    """
    geoms = units.geometry.loc[list(treated_ids)].to_numpy()
    tree = shapely.STRtree(footprints.geometry.to_numpy())
    left, right = tree.query(geoms, predicate="intersects")
    pairs = pd.DataFrame(
        {
            "unit": np.asarray(list(treated_ids), dtype=object)[left],
            "site": footprints["site_id"].astype(str).to_numpy()[right],
            "day": footprints["installed_on"].to_numpy()[right],
        }
    ).sort_values(["unit", "day", "site"], kind="stable")
    first = pairs.drop_duplicates("unit").set_index("unit")["site"]
    return first.reindex(list(treated_ids)).rename("site_id")


def site_windows(
    installed_on: pd.Series, *, end: pd.Timestamp, max_after_days: int = 365
) -> pd.DataFrame:
    """
    Each site's own before and after windows.

    Parameters
    ----------
    installed_on
        Installation day per site (index: site id).
    end
        Last day of the report period.
    max_after_days
        Longest after window; it ends on `end`.

    Returns
    -------
    windows
        Indexed like `installed_on`: ``before_start``, ``before_end``, ``after_start``,
        ``after_end`` (naive days, both ends included), ``days`` (of the after window) and
        ``installed_on``;
        sites installed on or after `end` have no after window and are left out.
    """
    rows = {}
    for site, day in installed_on.sort_index().items():
        start = max(
            pd.Timestamp(day) + pd.Timedelta(days=1), end - pd.Timedelta(max_after_days - 1, "D")
        )
        if start > end:
            continue
        years = 1
        while end - pd.DateOffset(years=years) >= pd.Timestamp(day):
            years += 1
        shift = pd.DateOffset(years=years)
        rows[site] = (start - shift, end - shift, start, end, (end - start).days + 1, day)
    cols = [*WINDOW_COLUMNS, "days", "installed_on"]
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=cols)
    return frame.rename_axis(installed_on.index.name or "site_id")


def matching_window(windows: pd.DataFrame, *, months: int = 12) -> Window:
    """
    The window controls are matched on: `months` months ending the day before any before window.

    Parameters
    ----------
    windows
        From :func:`site_windows`.
    months
        Its length.

    Returns
    -------
    window
        Strictly before every site's before window.
    """
    first = pd.Timestamp(windows["before_start"].min())
    return Window(
        (first - pd.DateOffset(months=months)).date(), (first - pd.Timedelta(days=1)).date()
    )


def cluster_table(
    site_of: pd.Series, controls: Mapping[Any, Sequence[Any]], windows: pd.DataFrame
) -> SiteLayout:
    """
    Treated sites and their control sites, each a cluster of units with the site's windows.

    Parameters
    ----------
    site_of
        Site id per treated unit (:func:`unit_sites`).
    controls
        The matched control units of each treated unit, in the order chosen.
    windows
        Each site's windows (:func:`site_windows`); sites without one are left out.

    Returns
    -------
    layout
        ``sites`` (the windows with ``n_units`` and ``n_control_units``), ``clusters``
        (index ``cluster_id``: ``site_id``, ``treated``, ``n_units``, the windows and
        ``installed_on``) and
        ``cluster_of`` (cluster id per unit). A site's j-th control site is ``<site>~c<j>``.
    """
    rows: list[tuple[str, str, bool, int]] = []
    member: dict[Any, str] = {}
    n_ctrl: dict[str, int] = {}
    for site, units in site_of.groupby(site_of, sort=True).groups.items():
        if site not in windows.index:
            continue
        site = str(site)
        ids = sorted(units, key=str)
        member.update(dict.fromkeys(ids, site))
        rows.append((site, site, True, len(ids)))
        depth = max((len(controls.get(u, ())) for u in ids), default=0)
        n_ctrl[site] = 0
        for j in range(depth):
            cid = f"{site}~c{j + 1}"
            picks = [controls[u][j] for u in ids if len(controls.get(u, ())) > j]
            member.update(dict.fromkeys(picks, cid))
            rows.append((cid, site, False, len(picks)))
            n_ctrl[site] += len(picks)
    clusters = pd.DataFrame(rows, columns=["cluster_id", "site_id", "treated", "n_units"])
    cols = [*WINDOW_COLUMNS, "installed_on"]
    clusters = clusters.set_index("cluster_id").join(windows[cols], on="site_id")
    sites = windows.loc[[s for s in windows.index if s in n_ctrl]].copy()
    sites["n_units"] = clusters.loc[clusters["treated"]].set_index("site_id")["n_units"]
    sites["n_control_units"] = pd.Series(n_ctrl)
    return SiteLayout(sites, clusters, pd.Series(member, name="cluster_id", dtype="object"))


def cluster_counts(layout: SiteLayout, unit_of: pd.Series, day: pd.Series) -> pd.DataFrame:
    """
    Incidents of each cluster in its before and after windows.

    Parameters
    ----------
    layout
        From :func:`cluster_table`.
    unit_of
        Unit id per incident (missing outside every unit).
    day
        Local day per incident, aligned with `unit_of`.

    Returns
    -------
    counts
        ``layout.clusters`` with ``before``, ``after``, ``days_before`` and ``days_after``.
    """
    cl = layout.clusters
    cluster = unit_of.map(layout.cluster_of)
    keep = cluster.notna()
    hits = pd.DataFrame({"cluster": cluster[keep], "day": day[keep]})
    hits = hits.join(cl[list(WINDOW_COLUMNS)], on="cluster")
    out = cl.copy()
    for which in ("before", "after"):
        inside = (hits["day"] >= hits[f"{which}_start"]) & (hits["day"] <= hits[f"{which}_end"])
        out[which] = hits.loc[inside, "cluster"].value_counts().reindex(cl.index, fill_value=0)
        span = cl[f"{which}_end"] - cl[f"{which}_start"]
        out[f"days_{which}"] = span.dt.days + 1
    return out


def overdispersion(
    counts: pd.DataFrame, unit_of: pd.Series, day: pd.Series, cluster_of: pd.Series
) -> float:
    """
    φ: Pearson dispersion of the clusters' monthly counts in their before windows (>= 1).

    Parameters
    ----------
    counts
        From :func:`cluster_counts`.
    unit_of, day
        Unit and local day per incident.
    cluster_of
        Cluster id per unit.

    Returns
    -------
    phi
        ``Σ (y − ȳ)² / ȳ  /  Σ (months − 1)`` over clusters with incidents; 1 when the
        counts are not overdispersed or there is no month to compare.
    """
    cluster = unit_of.map(cluster_of)
    keep = cluster.notna().to_numpy()
    n_months = np.maximum(1, np.round(counts["days_before"].to_numpy(dtype=float) / 30.44))
    n_months = pd.Series(n_months.astype(int), index=counts.index)
    if not keep.any() or counts.empty:
        return 1.0
    cl = cluster[keep].astype(str).to_numpy()
    start = pd.to_datetime(counts["before_start"]).reindex(cl).to_numpy()
    length = counts["days_before"].reindex(cl).to_numpy(dtype=float)
    offset = (pd.to_datetime(day[keep]).to_numpy() - start) / np.timedelta64(1, "D")
    inside = (offset >= 0) & (offset < length)
    months = n_months.reindex(cl).to_numpy()
    bins = (offset[inside] * months[inside] // length[inside]).astype(int)
    table = (
        pd.Series(1, index=pd.MultiIndex.from_arrays([cl[inside], bins]))
        .groupby(level=[0, 1])
        .sum()
    )
    chi2, dof = 0.0, 0
    for cid, m in n_months.items():
        y = np.zeros(m)
        if cid in table.index.get_level_values(0):
            row = table.loc[cid]
            y[row.index.to_numpy(dtype=int)] = row.to_numpy(dtype=float)
        if y.mean() > 0 and m > 1:
            chi2 += float(((y - y.mean()) ** 2).sum() / y.mean())
            dof += m - 1
    return max(1.0, chi2 / dof) if dof else 1.0


def site_odds_ratios(
    layout: SiteLayout, counts: pd.DataFrame, *, phi: float
) -> tuple[SiteEffect, ...]:
    """
    Each site's odds ratio against all its control sites, variance inflated by `phi`.

    Parameters
    ----------
    layout
        From :func:`cluster_table`.
    counts
        From :func:`cluster_counts`.
    phi
        Overdispersion (:func:`overdispersion`).

    Returns
    -------
    sites
        One :class:`SiteEffect` per site with controls, in site order.
    """
    out = []
    for site, row in layout.sites.iterrows():
        mine = counts.loc[counts["site_id"] == site]
        t, c = mine.loc[mine["treated"]], mine.loc[~mine["treated"]]
        if c.empty:
            continue
        a, b = int(t["before"].sum()), int(t["after"].sum())
        cb, ca = int(c["before"].sum()), int(c["after"].sum())
        r = odds_ratio(a, b, cb, ca)
        var = phi * r.var_log_or
        half = Z95 * math.sqrt(var)
        lo, hi = math.exp(r.log_or - half), math.exp(r.log_or + half)
        out.append(
            SiteEffect(
                site_id=str(site),
                installed_on=pd.Timestamp(row["installed_on"]).date(),
                before=Window(row["before_start"].date(), row["before_end"].date()),
                after=Window(row["after_start"].date(), row["after_end"].date()),
                n_units=int(row["n_units"]),
                n_control_units=int(row["n_control_units"]),
                a=a,
                b=b,
                c=cb,
                d=ca,
                odds_ratio=r.odds_ratio,
                ci_low=lo,
                ci_high=hi,
                var_log_or=var,
                change=1 / r.odds_ratio - 1,
                change_low=1 / hi - 1,
                change_high=1 / lo - 1,
            )
        )
    return tuple(out)


def pool_random_effects(sites: Sequence[SiteEffect]) -> PooledOddsRatio | None:
    """
    DerSimonian–Laird random-effects pooling of the sites' log odds ratios.

    Parameters
    ----------
    sites
        From :func:`site_odds_ratios`.

    Returns
    -------
    pooled
        The pooled odds ratio and its interval, τ², I² and Q; None without sites.
    """
    if not sites:
        return None
    y = np.log([s.odds_ratio for s in sites])
    v = np.array([s.var_log_or for s in sites])
    w = 1 / v
    mean_fixed = float((w * y).sum() / w.sum())
    q = float((w * (y - mean_fixed) ** 2).sum())
    k = len(sites)
    denom = float(w.sum() - (w**2).sum() / w.sum())
    tau2 = max(0.0, (q - (k - 1)) / denom) if denom > 0 else 0.0
    ws = 1 / (v + tau2)
    mu = float((ws * y).sum() / ws.sum())
    se = math.sqrt(1 / float(ws.sum()))
    lo, hi = math.exp(mu - Z95 * se), math.exp(mu + Z95 * se)
    return PooledOddsRatio(
        odds_ratio=math.exp(mu),
        ci_low=lo,
        ci_high=hi,
        change=math.exp(-mu) - 1,
        change_low=1 / hi - 1,
        change_high=1 / lo - 1,
        tau2=tau2,
        i2=max(0.0, (q - (k - 1)) / q) if q > 0 else 0.0,
        q=q,
        n_sites=k,
    )
