"""The whole follow-up of one period: installed cameras and incidents in, FollowupResult out.

The steps, in order: the cameras installed by the period's end and their footprints; the units
(corridors or grid cells) and their roles; each incident's unit and local day; the before and
after windows; matched controls; the before/after counts with the odds ratio and the
displacement quotient; the unit × month panel and its difference-in-differences model; the
economics; and the monthly counts per group. Only counts leave this module.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd

from siteplan.crs import require_same_crs
from siteplan.errors import InputError
from siteplan.followup.economics import Period, economics
from siteplan.followup.effects import (
    assign_incidents,
    build_panel,
    displacement,
    grid_units,
    local_day,
    matched_controls,
    month_table,
    odds_ratio,
    resolve_footprints,
    unit_roles,
)
from siteplan.followup.inference import did_poisson
from siteplan.followup.result import (
    GROUPS,
    BeforeAfter,
    Counts,
    DidResult,
    Displacement,
    FollowupMeta,
    FollowupResult,
    IncidentTally,
    Installation,
    MonthlyCounts,
    Note,
    NotEstimable,
    OddsRatio,
    PanelSpan,
    UnitTally,
    Window,
    Windows,
)

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
    """

    buffer_m: float = 50.0
    snap_m: float = 25.0
    grid_m: float = 50.0
    min_overlap: float = 0.2
    pre_months: int = 12
    n_per_treated: int = 3


class _Layout(NamedTuple):
    """Where things are: units with their roles, and each incident's unit and local day."""

    units: gpd.GeoDataFrame
    unit_kind: str
    roles: pd.DataFrame
    unit_of: pd.Series
    day: pd.Series
    points: pd.Series


class _Effects(NamedTuple):
    """The effect measures and the panel they were estimated on."""

    counts: Counts
    odds_ratio: OddsRatio
    displacement: Displacement
    did: DidResult | NotEstimable
    panel: pd.DataFrame


class _Groups(NamedTuple):
    """The comparison group of every unit, and the treated and control ids in panel order."""

    group: pd.Series
    treated_ids: list[str]
    control_ids: list[str]


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
    require_same_crs(installed, incidents, "installed", "incidents")
    settings = settings or FollowupSettings()
    notes: list[Note] = []
    cams = _installed_by(installed, period, notes)
    foot = resolve_footprints(cams, footprints)
    lay = _layout(incidents, corridors, foot, scenario.study_area.timezone, notes, settings)
    end = pd.Timestamp(period.end)
    windows = _windows(pd.Timestamp(period.start), end, cams["installed_on"].max())
    panel_start = _data_notes(lay, windows, period, settings.pre_months, notes)
    groups = _groups(lay, panel_start, cams["installed_on"].min(), settings.n_per_treated)
    effects = _effects(lay, groups, windows, panel_start, end, notes)
    covered_km = float(lay.roles["covered_m"].sum()) / 1000 if lay.unit_kind == "corridor" else None
    econ = economics(
        spending,
        budget_sek=scenario.budget.total_sek,
        period=period,
        cameras=cams,
        covered_km=covered_km,
    )
    result = FollowupResult(
        meta=_meta(scenario, period, lay.unit_kind, settings),
        installation=_installation(cams, installed, foot),
        windows=windows,
        panel=PanelSpan(panel_start.date(), end.date(), len(effects.panel)),
        units=_unit_tally(lay, groups),
        counts=effects.counts,
        incidents=_incident_tally(lay),
        odds_ratio=effects.odds_ratio,
        did=effects.did,
        displacement=effects.displacement,
        economics=econ,
        monthly=_monthly(lay, groups.group, panel_start, end),
        notes=tuple(notes),
        unit_roles=lay.roles.assign(group=groups.group),
        panel_rows=effects.panel,
    )
    _log_result(result)
    return result


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


def _windows(start: pd.Timestamp, end: pd.Timestamp, last_install: pd.Timestamp) -> Windows:
    """After: from the last installation (or period start) to the end; before: a year earlier."""
    after_start = max(start, last_install)
    year = pd.DateOffset(years=1)
    return Windows(
        before=Window((after_start - year).date(), (end - year).date()),
        after=Window(after_start.date(), end.date()),
    )


def _data_notes(
    lay: _Layout, windows: Windows, period: Period, pre_months: int, notes: list[Note]
) -> pd.Timestamp:
    """Notes on data that start late or end early and a short after window; the panel start."""
    end, start = pd.Timestamp(period.end), pd.Timestamp(period.start)
    data_first, data_last = lay.day[lay.points].min(), lay.day[lay.points].max()
    if pd.notna(data_first) and data_first > pd.Timestamp(windows.before.start):
        notes.append(Note("data_starts_late", {"date": data_first.date().isoformat()}))
    if pd.notna(data_last) and data_last < end:
        notes.append(Note("data_ends_early", {"date": data_last.date().isoformat()}))
    after_days = (end - pd.Timestamp(windows.after.start)).days + 1
    if after_days < 90:
        notes.append(Note("short_after", {"days": after_days}))
    return max(
        (start - pd.DateOffset(months=pre_months)).to_period("M").to_timestamp(),
        data_first.to_period("M").to_timestamp() if pd.notna(data_first) else start,
    )


def _groups(
    lay: _Layout, panel_start: pd.Timestamp, first_install: pd.Timestamp, n_per_treated: int
) -> _Groups:
    """Treated, buffer and matched control units (matched on counts before any installation)."""
    roles, units, unit_of, day = lay.roles, lay.units, lay.unit_of, lay.day
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
    return _Groups(group, treated_ids, list(controls))


def _effects(
    lay: _Layout,
    groups: _Groups,
    windows: Windows,
    panel_start: pd.Timestamp,
    end: pd.Timestamp,
    notes: list[Note],
) -> _Effects:
    """Before/after counts, odds ratio, displacement quotient and the panel's DiD estimate."""
    counts = _counts(lay, groups.group, windows)
    t, b, c = counts.treated, counts.buffer, counts.control
    ratio = odds_ratio(t.before, t.after, c.before, c.after)
    if ratio.continuity_correction:
        notes.append(Note("continuity_correction"))
    wdq = displacement(t.before, t.after, b.before, b.after, c.before, c.after)
    panel = _panel(lay, groups, panel_start, end)
    try:
        did: DidResult | NotEstimable = did_poisson(panel)
    except InputError as err:
        did = NotEstimable(str(err))
    return _Effects(counts, ratio, wdq, did, panel)


def _counts(lay: _Layout, group: pd.Series, windows: Windows) -> Counts:
    """Incidents per comparison group in the before and after windows."""

    def count(which: str, window: Window) -> int:
        lo, hi = pd.Timestamp(window.start), pd.Timestamp(window.end)
        sel = lay.unit_of.notna() & (lay.day >= lo) & (lay.day <= hi)
        return int((lay.unit_of[sel].map(group) == which).sum())

    return Counts(
        **{g: BeforeAfter(count(g, windows.before), count(g, windows.after)) for g in GROUPS}
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
