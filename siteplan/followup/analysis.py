"""The whole follow-up of one period: installed cameras and incidents in, FollowupResult out.

The steps, in order: the cameras installed by the period's end and their footprints; the units
(corridors or grid cells) and their roles; each incident's unit and local day; the before and
after windows; matched controls; the before/after counts with the odds ratio and the
displacement quotient; the unit × month panel and its difference-in-differences model; the
economics; and the monthly counts per group. Only counts leave this module.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from siteplan.config import FollowupConfig
from siteplan.crs import require_same_crs
from siteplan.errors import InputError
from siteplan.followup.controls import Controls, intervention_units, regression_to_mean
from siteplan.followup.economics import Period, economics
from siteplan.followup.effects import (
    assign_incidents,
    build_panel,
    displacement,
    grid_units,
    local_day,
    matched_control_sets,
    month_table,
    odds_ratio,
    resolve_footprints,
    unit_roles,
    weighted_displacement_difference,
)
from siteplan.followup.inference import did_poisson
from siteplan.followup.measures import LINE_BAND_M, MeasureEffects, measure_effects
from siteplan.followup.money import Money, money
from siteplan.followup.operations import operations
from siteplan.followup.randomization import (
    randomization_inference,
    site_log_changes,
    wild_cluster_bootstrap,
)
from siteplan.followup.result import (
    GROUPS,
    BeforeAfter,
    Counts,
    DidResult,
    Displacement,
    Economics,
    EventStudy,
    FollowupMeta,
    FollowupResult,
    IncidentTally,
    Installation,
    MonthlyCounts,
    Note,
    NotEstimable,
    OddsRatio,
    PanelSpan,
    SiteEffects,
    SiteInference,
    UnitTally,
    WeightedDisplacement,
    Window,
    Windows,
)
from siteplan.followup.sites import (
    SiteLayout,
    cluster_counts,
    cluster_table,
    matching_window,
    overdispersion,
    pool_random_effects,
    site_odds_ratios,
    site_windows,
    unit_sites,
)
from siteplan.followup.staggered import event_study
from siteplan.followup.summary import effect_summary
from siteplan.measures.darkness import centre_latlon

if TYPE_CHECKING:
    from siteplan.config import Scenario

__all__ = ["FollowupSettings", "followup"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FollowupSettings:
    """
    How the follow-up compares: the units, the buffer ring, the controls and the panel.

    Attributes
    ----------
    buffer_m
        Width of the displacement buffer ring beyond the footprints.
    snap_m
        Largest distance from an incident to its corridor.
    grid_m
        Cell side when no corridors are given.
    min_overlap
        Share of a unit inside the footprints from which it counts as treated.
    pre_months
        Months before the period start included in the panel.
    n_per_treated
        Control units per treated unit.
    min_treated_sites
        Fewer camera sites than this cannot show an effect either way.
    placebo_draws, bootstrap_draws, seed
        Draws of the randomization inference and the wild cluster bootstrap, and their seed.
    max_after_days
        Longest after window of a site.
    match_months
        Length of the window the controls are matched on (before every before window).
    """

    buffer_m: float = 50.0
    snap_m: float = 25.0
    grid_m: float = 50.0
    min_overlap: float = 0.2
    pre_months: int = 12
    n_per_treated: int = 3
    min_treated_sites: int = 10
    placebo_draws: int = 1999
    bootstrap_draws: int = 999
    seed: int = 0
    max_after_days: int = 365
    match_months: int = 12

    @classmethod
    def from_config(cls, config: FollowupConfig) -> FollowupSettings:
        """
        The settings a scenario's ``[followup]`` section gives (the rest at their defaults).

        Parameters
        ----------
        config
            ``scenario.followup``.

        Returns
        -------
        settings
            With the inference and window keys of `config`.
        """
        return cls(
            min_treated_sites=config.min_treated_sites,
            placebo_draws=config.placebo_draws,
            bootstrap_draws=config.bootstrap_draws,
            seed=config.seed,
            max_after_days=config.max_after_days,
            match_months=config.match_months,
        )


class _Layout(NamedTuple):
    """Where things are: units with their roles, and each incident's unit and local day."""

    units: gpd.GeoDataFrame
    unit_kind: str
    roles: pd.DataFrame
    unit_of: pd.Series
    day: pd.Series
    points: pd.Series


class _Effects(NamedTuple):
    """The effect measures and the panel and clusters they were estimated on."""

    counts: Counts
    odds_ratio: OddsRatio
    displacement: Displacement
    did: DidResult | NotEstimable
    panel: pd.DataFrame
    sites: SiteEffects
    clusters: pd.DataFrame
    event_study: EventStudy
    wdd: WeightedDisplacement


class _Groups(NamedTuple):
    """The comparison group of every unit, the treated and control ids, each unit's controls."""

    group: pd.Series
    treated_ids: list[str]
    control_ids: list[str]
    controls: dict[Any, list[Any]]


class _SitePlan(NamedTuple):
    """The sites' windows and clusters, the matching window, buffer units' sites, blocked units."""

    groups: _Groups
    layout: SiteLayout
    match: Window
    envelope: Windows
    buffer_site: pd.Series
    blocked: pd.Index


def followup(
    installed: gpd.GeoDataFrame,
    incidents: gpd.GeoDataFrame,
    spending: pd.DataFrame,
    *,
    period: Period,
    scenario: Scenario,
    corridors: gpd.GeoDataFrame | None = None,
    footprints: gpd.GeoDataFrame | None = None,
    settings: FollowupSettings | None = None,
    interventions: gpd.GeoDataFrame | None = None,
    disclosures: pd.DataFrame | None = None,
    uptime: pd.DataFrame | None = None,
    measures: gpd.GeoDataFrame | None = None,
) -> FollowupResult:
    """
    Effects on incidents and the economics of the installed cameras, for one period.

    Parameters
    ----------
    installed
        Installed cameras from :func:`siteplan.io.cameras.load_installed_cameras`.
    incidents
        The incidents layer up to the report date.
    spending
        From :func:`siteplan.io.spending.load_spending`.
    period
        The report period (see :func:`~siteplan.followup.report_period`).
    scenario
        Gives the budget, time zone, language and study name.
    corridors
        Corridor segments (with ``legal_class`` or ``area`` for matching); None uses square
        cells of ``settings.grid_m`` as units (and leaves the cost per km unknown).
    footprints
        The plan's footprints, indexed by ``camera_id``; cameras that are not in it, or were
        moved or turned, get rebuilt wedges. None rebuilds all.
    settings
        Buffer width, snapping distance, cell size, overlap, panel months and controls per
        treated unit (default :class:`FollowupSettings`).
    interventions
        Areas of other interventions (police cameras, guard deployments): never controls.
    disclosures, uptime
        Footage disclosures to the police and camera uptime, reported per site
        (:mod:`siteplan.io.operations`); None when not kept.
    measures
        Installed non-camera measures (:func:`siteplan.io.installed_measures.
        load_installed_measures`), each followed up like a camera site (lighting on darkness
        incidents only; :mod:`siteplan.followup.measures`); None leaves them out. Their
        reach is also never a control of the cameras, as for `interventions`.

    Returns
    -------
    result
        The typed results; ``result.to_dict()`` gives ``followup.json``. Only counts.

    Raises
    ------
    InputError
        If no camera was installed by the end of the period.
    CRSError
        If the layers are not in one projected CRS.
    """
    _check_crs(installed, incidents, interventions)
    if measures is not None:
        interventions = _with_measure_areas(interventions, measures)
    settings = settings or FollowupSettings.from_config(scenario.followup)
    notes: list[Note] = []
    cams = _installed_by(installed, period, notes)
    foot = resolve_footprints(cams, footprints).assign(site_id=_site_ids(cams))
    lay = _layout(incidents, corridors, foot, scenario.study_area.timezone, notes, settings)
    end = pd.Timestamp(period.end)
    plan = _site_plan(lay, foot, period, settings, notes, interventions)
    panel_start = _data_notes(lay, plan, period, settings.pre_months, notes)
    effects = _effects(lay, plan, panel_start, end, notes, settings)
    parts = _Parts(scenario, period, settings, installed, cams, foot, lay, plan, panel_start)
    result = _assemble(parts, effects, spending, interventions, disclosures, uptime, notes)
    if measures is not None:
        result = replace(result, measures=_measures(measures, incidents, parts))
    _log_result(result)
    return result


class _Parts(NamedTuple):
    """What the first steps of :func:`followup` computed, for :func:`_assemble`."""

    scenario: Scenario
    period: Period
    settings: FollowupSettings
    installed: gpd.GeoDataFrame
    cams: gpd.GeoDataFrame
    foot: gpd.GeoDataFrame
    lay: _Layout
    plan: _SitePlan
    panel_start: pd.Timestamp


def _assemble(
    p: _Parts,
    effects: _Effects,
    spending: pd.DataFrame,
    interventions: gpd.GeoDataFrame | None,
    disclosures: pd.DataFrame | None,
    uptime: pd.DataFrame | None,
    notes: list[Note],
) -> FollowupResult:
    """Money, controls and operations, and the typed result of every step."""
    lay, plan = p.lay, p.plan
    end = pd.Timestamp(p.period.end)
    cash, econ = _money(spending, p.period, p.scenario, p.installed, p.cams, lay)
    controls = _controls(lay, plan, effects.clusters, interventions, notes)
    cams = p.cams.assign(site_id=_site_ids(p.cams))
    return FollowupResult(
        meta=_meta(p.scenario, p.period, lay.unit_kind, p.settings),
        installation=_installation(p.cams, p.installed, p.foot),
        windows=plan.envelope,
        panel=PanelSpan(p.panel_start.date(), end.date(), len(effects.panel)),
        units=_unit_tally(lay, plan.groups),
        counts=effects.counts,
        incidents=_incident_tally(lay),
        odds_ratio=effects.odds_ratio,
        did=effects.did,
        displacement=effects.displacement,
        economics=econ,
        monthly=_monthly(lay, plan.groups.group, p.panel_start, end),
        notes=tuple(notes),
        sites=effects.sites,
        effect=effect_summary(effects.sites, effects.odds_ratio, effects.did, effects.event_study),
        event_study=effects.event_study,
        displacement_test=effects.wdd,
        money=cash,
        controls=controls,
        operations=operations(disclosures, uptime, cameras=cams, period=p.period),
        unit_roles=_roles(lay, plan),
        panel_rows=effects.panel,
        cluster_counts=effects.clusters,
    )


def _with_measure_areas(
    interventions: gpd.GeoDataFrame | None, measures: gpd.GeoDataFrame
) -> gpd.GeoDataFrame:
    """Interventions plus the installed measures' reach: what they change is no camera control."""
    reach = measures["reach_m"].fillna(LINE_BAND_M).to_numpy(dtype=float)
    areas = gpd.GeoDataFrame(geometry=measures.geometry.buffer(reach), crs=measures.crs)
    if interventions is None:
        return areas
    return gpd.GeoDataFrame(
        geometry=pd.concat([interventions.geometry, areas.geometry], ignore_index=True),
        crs=interventions.crs,
    )


def _measures(measures: gpd.GeoDataFrame, incidents: gpd.GeoDataFrame, p: _Parts) -> MeasureEffects:
    """The installed measures like camera sites; camera units and their ring never controls."""
    place = centre_latlon(p.lay.units)
    cameras = p.lay.roles.index[p.lay.roles["role"] != "other"]
    return measure_effects(
        measures,
        incidents,
        p.lay.units,
        lat=place.lat,
        lon=place.lon,
        timezone=p.scenario.study_area.timezone,
        settings=p.settings,
        period=p.period,
        exclude=cameras.union(p.plan.blocked),
    )


def _check_crs(
    installed: gpd.GeoDataFrame,
    incidents: gpd.GeoDataFrame,
    interventions: gpd.GeoDataFrame | None,
) -> None:
    """Raise unless the layers share one projected CRS."""
    require_same_crs(installed, incidents, "installed", "incidents")
    if interventions is not None:
        require_same_crs(interventions, installed, "interventions", "installed")


def _roles(lay: _Layout, plan: _SitePlan) -> pd.DataFrame:
    """Every unit's role, comparison group and whether it touches another intervention."""
    blocked = lay.units.index.isin(plan.blocked)
    return lay.roles.assign(group=plan.groups.group, intervention=blocked)


def _controls(
    lay: _Layout,
    plan: _SitePlan,
    clusters: pd.DataFrame,
    interventions: gpd.GeoDataFrame | None,
    notes: list[Note],
) -> Controls:
    """Units left out for other interventions, and regression to the mean at the sites."""
    group = plan.groups.group.loc[plan.blocked]
    n_treated = int(group.eq("treated").sum())
    if n_treated:
        notes.append(Note("treated_in_interventions", {"n": n_treated}))
    rtm = regression_to_mean(
        lay.unit_of,
        lay.day,
        plan.groups.group,
        clusters,
        plan.match,
        data_start=lay.day[lay.points].min(),
    )
    return Controls(
        n_intervention_areas=0 if interventions is None else len(interventions),
        n_units_excluded=int(group.eq("other").sum()),
        n_treated_in_interventions=n_treated,
        rtm=rtm,
    )


def _money(
    spending: pd.DataFrame,
    period: Period,
    scenario: Scenario,
    installed: gpd.GeoDataFrame,
    cams: gpd.GeoDataFrame,
    lay: _Layout,
) -> tuple[Money, Economics]:
    """The money view (all cameras in the file) and spending in the period against the budget."""
    covered_km = float(lay.roles["covered_m"].sum()) / 1000 if lay.unit_kind == "corridor" else None
    cash = money(spending, end=period.end, cameras=installed, scenario=scenario)
    econ = economics(
        spending,
        budget_sek=scenario.budget.total_sek,
        period=period,
        cameras=cams,
        covered_km=covered_km,
        forecast_sek=cash.forecast_total_sek,
    )
    return cash, econ


def _meta(
    scenario: Scenario, period: Period, unit_kind: str, settings: FollowupSettings
) -> FollowupMeta:
    """What was followed up (from the scenario) and how (the settings)."""
    area = scenario.study_area
    return FollowupMeta(
        scenario=area.name,
        title=area.title or area.name,
        fictional=area.fictional,
        lang=scenario.output.language,
        timezone=area.timezone,
        period=period,
        unit_kind=unit_kind,
        buffer_m=settings.buffer_m,
        min_overlap=settings.min_overlap,
        n_per_treated=settings.n_per_treated,
    )


def _incident_tally(lay: _Layout) -> IncidentTally:
    """Incidents with a point, area-level ones, and points in no unit."""
    return IncidentTally(
        n_points=int(lay.points.sum()),
        n_area_level=int((~lay.points).sum()),
        n_outside_units=int((lay.points & lay.unit_of.isna()).sum()),
    )


def _installed_by(
    installed: gpd.GeoDataFrame, period: Period, notes: list[Note]
) -> gpd.GeoDataFrame:
    """The cameras installed by the period's end; notes those installed later."""
    in_period = installed["installed_on"] <= pd.Timestamp(period.end)
    cams = installed.loc[in_period]
    if cams.empty:
        first = installed["installed_on"].min()
        msg = (
            f"followup: no camera was installed by {period.end} (the first installed_on is "
            f"{first.date() if pd.notna(first) else 'missing'}). Choose a later period."
        )
        raise InputError(msg)
    if (~in_period).any():
        notes.append(Note("installed_after", {"n": int((~in_period).sum())}))
    return cams


def _layout(
    incidents: gpd.GeoDataFrame,
    corridors: gpd.GeoDataFrame | None,
    foot: gpd.GeoDataFrame,
    timezone: str,
    notes: list[Note],
    settings: FollowupSettings,
) -> _Layout:
    """Units (corridors, else grid cells) with their roles; incidents' units and local days."""
    # Area-level rows have no place in a spatial comparison.
    points = incidents.geometry.notna() & ~incidents.geometry.is_empty
    day = local_day(incidents["occurred_at"], timezone)
    n_area_level = int((~points).sum())
    if n_area_level:
        notes.append(Note("area_level_excluded", {"n": n_area_level}))
    if corridors is not None:
        require_same_crs(corridors, foot, "corridors", "installed")
        units, unit_kind = corridors, "corridor"
    else:
        boxes = (
            [incidents.loc[points].total_bounds, foot.total_bounds]
            if points.any()
            else [foot.total_bounds]
        )
        box = np.array(boxes)
        bounds = (*box[:, :2].min(axis=0), *box[:, 2:].max(axis=0))
        units, unit_kind = grid_units(bounds, cell_m=settings.grid_m, crs=foot.crs), "cell"
        notes.append(Note("grid_units", {"grid_m": settings.grid_m}))
    roles = unit_roles(units, foot, buffer_m=settings.buffer_m, min_overlap=settings.min_overlap)
    unit_of = assign_incidents(incidents.loc[points], units, snap_m=settings.snap_m)
    return _Layout(units, unit_kind, roles, unit_of.reindex(incidents.index), day, points)


def _site_ids(cams: pd.DataFrame) -> pd.Series:
    """The site of each camera (its own id when the file has no ``site_id``)."""
    if "site_id" in cams.columns:
        ids = cams["site_id"].astype("object").where(cams["site_id"].notna(), None)
        return ids.fillna(pd.Series(cams.index, index=cams.index)).astype(str)
    return pd.Series(cams.index.astype(str), index=cams.index)


def _site_plan(
    lay: _Layout,
    foot: gpd.GeoDataFrame,
    period: Period,
    settings: FollowupSettings,
    notes: list[Note],
    interventions: gpd.GeoDataFrame | None,
) -> _SitePlan:
    """Each site's windows, the matching window, the matched controls and the clusters.

    Units touching an area of `interventions` are never controls.
    """
    blocked = intervention_units(lay.units, interventions)
    end = pd.Timestamp(period.end)
    treated_ids = lay.roles.index[lay.roles["role"] == "treated"].tolist()
    site_of = (
        unit_sites(lay.units, treated_ids, foot)
        if treated_ids
        else pd.Series(dtype="object", name="site_id")
    )
    install = foot.groupby("site_id")["installed_on"].min()
    install = install.loc[install.index.isin(site_of.dropna().unique())]
    windows = site_windows(install, end=end, max_after_days=settings.max_after_days)
    if len(windows) < len(install):
        notes.append(Note("no_after_window", {"n": len(install) - len(windows)}))
    if windows.empty:
        start = pd.Timestamp(period.start)
        windows = pd.DataFrame(
            {
                "before_start": [start - pd.DateOffset(years=1)],
                "before_end": [end - pd.DateOffset(years=1)],
                "after_start": [start],
                "after_end": [end],
                "days": [(end - start).days + 1],
                "installed_on": [start - pd.Timedelta(days=1)],
            },
            index=pd.Index(["(none)"], name="site_id"),
        )
    match = matching_window(windows, months=settings.match_months)
    groups = _groups(lay, match, settings.n_per_treated, blocked)
    layout = cluster_table(site_of.dropna(), groups.controls, windows)
    buffer_site = _buffer_sites(lay, groups, foot, layout)
    envelope = Windows(
        before=Window(windows["before_start"].min().date(), windows["before_end"].max().date()),
        after=Window(windows["after_start"].min().date(), end.date()),
    )
    return _SitePlan(groups, layout, match, envelope, buffer_site, blocked)


def _buffer_sites(
    lay: _Layout, groups: _Groups, foot: gpd.GeoDataFrame, layout: SiteLayout
) -> pd.Series:
    """The site of each buffer unit: that of the nearest footprint of a site with windows."""
    buffer_ids = groups.group.index[groups.group == "buffer"]
    feet = foot.loc[foot["site_id"].isin(layout.sites.index)]
    if not len(buffer_ids) or feet.empty:
        return pd.Series(dtype="object")
    tree = shapely.STRtree(feet.geometry.to_numpy())
    left, right = tree.query_nearest(
        lay.units.geometry.loc[buffer_ids].to_numpy(), all_matches=False
    )
    return pd.Series(feet["site_id"].to_numpy()[right], index=buffer_ids[left])


def _data_notes(
    lay: _Layout, plan: _SitePlan, period: Period, pre_months: int, notes: list[Note]
) -> pd.Timestamp:
    """Notes on data that start late or end early and short after windows; the panel start."""
    end, start = pd.Timestamp(period.end), pd.Timestamp(period.start)
    data_first, data_last = lay.day[lay.points].min(), lay.day[lay.points].max()
    if pd.notna(data_first) and data_first > pd.Timestamp(plan.match.start):
        notes.append(Note("data_starts_late", {"date": data_first.date().isoformat()}))
    if pd.notna(data_last) and data_last < end:
        notes.append(Note("data_ends_early", {"date": data_last.date().isoformat()}))
    sites = plan.layout.sites
    after_days = int(sites["days"].min()) if len(sites) else period.days
    if after_days < 90:
        notes.append(Note("short_after", {"days": after_days}))
    return max(
        (start - pd.DateOffset(months=pre_months)).to_period("M").to_timestamp(),
        data_first.to_period("M").to_timestamp() if pd.notna(data_first) else start,
    )


def _groups(lay: _Layout, match: Window, n_per_treated: int, blocked: pd.Index) -> _Groups:
    """Treated, buffer and matched controls (matched on the matching window; never `blocked`)."""
    roles, units, unit_of, day = lay.roles, lay.units, lay.unit_of, lay.day
    lo, hi = pd.Timestamp(match.start), pd.Timestamp(match.end)
    pre_mask = (day >= lo) & (day <= hi) & unit_of.notna()
    counts_pre = unit_of[pre_mask].value_counts()
    treated_ids = roles.index[roles["role"] == "treated"].tolist()
    buffer_ids = roles.index[roles["role"] == "buffer"].tolist()
    info = units.drop(columns=units.geometry.name).join(roles[["role"]])
    sets = matched_control_sets(
        info, treated_ids, counts_pre, n_per_treated=n_per_treated, exclude=[*buffer_ids, *blocked]
    )
    controls = [c for picks in sets.values() for c in picks]
    group = pd.Series("other", index=units.index, dtype="object")
    group.loc[treated_ids] = "treated"
    group.loc[buffer_ids] = "buffer"
    group.loc[controls] = "control"
    return _Groups(group, treated_ids, controls, sets)


def _effects(
    lay: _Layout,
    plan: _SitePlan,
    panel_start: pd.Timestamp,
    end: pd.Timestamp,
    notes: list[Note],
    settings: FollowupSettings,
) -> _Effects:
    """Counts in the sites' own windows, odds ratio, displacement, site effects and the DiD."""
    per_cluster = cluster_counts(plan.layout, lay.unit_of, lay.day)
    counts = _counts(lay, plan, per_cluster)
    t, b, c = counts.treated, counts.buffer, counts.control
    ratio = odds_ratio(t.before, t.after, c.before, c.after)
    if ratio.continuity_correction:
        notes.append(Note("continuity_correction"))
    wdq = displacement(t.before, t.after, b.before, b.after, c.before, c.after)
    wdd = weighted_displacement_difference(t.before, t.after, b.before, b.after, c.before, c.after)
    if wdd.small_counts:
        notes.append(Note("small_counts"))
    sites = _site_effects(lay, plan, per_cluster, settings)
    panel = _panel(lay, plan.groups, panel_start, end)
    try:
        did: DidResult | NotEstimable = did_poisson(panel)
    except InputError as err:
        did = NotEstimable(str(err))
    cluster = lay.unit_of.map(plan.layout.cluster_of)
    keep = cluster.notna()
    study = event_study(
        pd.DataFrame({"cluster": cluster[keep], "day": lay.day[keep]}),
        plan.layout.clusters,
        data_start=lay.day[lay.points].min(),
        end=end,
        phi=sites.dispersion,
    )
    if study.pretrend_flag:
        notes.append(Note("pretrend", {"p": round(float(study.pretrend_p or 0.0), 3)}))
    return _Effects(counts, ratio, wdq, did, panel, sites, per_cluster, study, wdd)


def _site_effects(
    lay: _Layout, plan: _SitePlan, per_cluster: pd.DataFrame, settings: FollowupSettings
) -> SiteEffects:
    """Site odds ratios, their pooling, and inference over the sites' log changes."""
    phi = overdispersion(per_cluster, lay.unit_of, lay.day, plan.layout.cluster_of)
    sites = site_odds_ratios(plan.layout, per_cluster, phi=phi)
    d = site_log_changes(
        per_cluster["before"],
        per_cluster["after"],
        days_before=per_cluster["days_before"],
        days_after=per_cluster["days_after"],
    )
    treated = per_cluster["treated"].to_numpy(dtype=bool)
    ri: SiteInference | NotEstimable
    wcb: SiteInference | NotEstimable
    try:
        ri = randomization_inference(d, treated, n_draws=settings.placebo_draws, seed=settings.seed)
        wcb = wild_cluster_bootstrap(
            d, treated, n_draws=settings.bootstrap_draws, seed=settings.seed
        )
    except InputError as err:
        ri = wcb = NotEstimable(str(err))
    return SiteEffects(
        sites=sites,
        pooled=pool_random_effects(sites),
        randomization=ri,
        bootstrap=wcb,
        dispersion=phi,
        min_treated_sites=settings.min_treated_sites,
        conclusive=len(sites) >= settings.min_treated_sites,
        matching_window=plan.match,
    )


def _counts(lay: _Layout, plan: _SitePlan, per_cluster: pd.DataFrame) -> Counts:
    """Incidents per comparison group, each unit counted in its site's own windows."""
    treated = per_cluster.loc[per_cluster["treated"]]
    control = per_cluster.loc[~per_cluster["treated"]]
    win = plan.layout.sites
    sel = lay.unit_of.isin(plan.buffer_site.index)
    site = lay.unit_of[sel].map(plan.buffer_site)
    day = lay.day[sel]

    def in_window(which: str) -> int:
        lo = site.map(win[f"{which}_start"])
        hi = site.map(win[f"{which}_end"])
        return int(((day >= lo) & (day <= hi)).sum())

    return Counts(
        treated=BeforeAfter(int(treated["before"].sum()), int(treated["after"].sum())),
        buffer=BeforeAfter(in_window("before"), in_window("after")),
        control=BeforeAfter(int(control["before"].sum()), int(control["after"].sum())),
    )


def _panel(
    lay: _Layout, groups: _Groups, panel_start: pd.Timestamp, end: pd.Timestamp
) -> pd.DataFrame:
    """The unit × month panel of the treated and control units."""
    ids = groups.treated_ids + groups.control_ids
    panel_units = pd.DataFrame(
        {
            "treated": lay.roles.loc[ids, "role"].eq("treated").to_numpy(),
            "installed_on": lay.roles.loc[ids, "installed_on"].to_numpy(),
        },
        index=pd.Index(ids),
    )
    return build_panel(lay.unit_of, lay.day, panel_units, start=panel_start, end=end)


def _unit_tally(lay: _Layout, groups: _Groups) -> UnitTally:
    """Units in the study and per comparison group."""
    n_in = {g: int((groups.group == g).sum()) for g in GROUPS}
    return UnitTally(len(lay.units), n_in["treated"], n_in["buffer"], n_in["control"])


def _monthly(
    lay: _Layout, group: pd.Series, panel_start: pd.Timestamp, end: pd.Timestamp
) -> tuple[MonthlyCounts, ...]:
    """Incidents per group and month from the panel start to the period end."""
    months = month_table(panel_start, end)
    sel = lay.unit_of.notna() & (lay.day >= panel_start) & (lay.day <= end)
    table = (
        pd.DataFrame({"g": lay.unit_of[sel].map(group), "m": lay.day[sel].dt.strftime("%Y-%m")})
        .value_counts()
        .unstack("g", fill_value=0)
        .reindex(index=months["period"], columns=list(GROUPS), fill_value=0)
    )
    return tuple(
        MonthlyCounts(str(m), int(row["treated"]), int(row["buffer"]), int(row["control"]))
        for m, row in table.iterrows()
    )


def _installation(
    cams: gpd.GeoDataFrame, installed: gpd.GeoDataFrame, foot: gpd.GeoDataFrame
) -> Installation:
    """Cameras and sites installed, when, and where their footprints came from."""
    by_month = cams["installed_on"].dt.strftime("%Y-%m").value_counts().sort_index()
    sources = foot["source"].value_counts().sort_index()
    return Installation(
        n_installed=len(cams),
        n_sites=int(cams["site_id"].nunique()) if "site_id" in cams else len(cams),
        n_installed_after_period=len(installed) - len(cams),
        first=cams["installed_on"].min().date(),
        last=cams["installed_on"].max().date(),
        by_month={str(k): int(v) for k, v in by_month.items()},
        footprints={str(k): int(v) for k, v in sources.items()},
    )


def _log_result(result: FollowupResult) -> None:
    """One INFO line with the counts and the two headline estimates."""
    meta, units, did = result.meta, result.units, result.did
    log.info(
        "followup %s %s..%s: %d cameras, %d treated / %d control / %d buffer %ss, OR %.2f, IRR %s",
        meta.scenario,
        meta.period.start,
        meta.period.end,
        result.installation.n_installed,
        units.n_treated,
        units.n_control,
        units.n_buffer,
        meta.unit_kind,
        result.odds_ratio.odds_ratio,
        f"{did.irr:.2f}" if isinstance(did, DidResult) else "n/a",
    )
