"""Installed measures other than cameras, followed up like camera sites.

Each installed measure (improved lighting along a stretch, an emergency help point, vegetation
clearance, a custom measure) is a *site*: its treated units are the corridor segments (or grid
cells) it acts on, its before and after windows run from its own ``installed_on`` day by the
rule of :func:`~siteplan.followup.sites.site_windows`, and its controls are matched as the
camera follow-up matches them (:func:`~siteplan.followup.effects.matched_control_sets`, on a
window strictly before every before window; never a camera unit, a camera's buffer ring, another
measure's unit or an area of other interventions). Each measure gets the odds ratio against its
controls with the overdispersion-inflated interval, and the measures of one kind are pooled with
random effects (:func:`~siteplan.followup.sites.pool_random_effects`). Below
``settings.min_treated_sites`` measures of a kind the verdict is ``too_few_sites``: the data
cannot show an effect either way, whatever the interval.

Lighting acts in darkness, so a lighting upgrade is judged on the incidents between sunset and
sunrise only (:func:`siteplan.measures.is_dark`), in its units and in its controls alike: the
controls are matched, and φ estimated, on darkness incidents too. Daylight incidents do not
enter its estimate at all.

A unit is *along* a line measure when at least ``settings.min_overlap`` of its length lies
within :data:`LINE_BAND_M` of the line and runs beside it (a street that crosses the line, or
ends at it, is not lit by it); for grid cells, when the line runs that share of the cell's side
through it. A point measure acts on every unit within its ``reach_m``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from siteplan.crs import require_same_crs
from siteplan.followup.effects import assign_incidents, local_day, matched_control_sets
from siteplan.followup.result import PooledOddsRatio, SiteEffect, Window
from siteplan.followup.sites import (
    cluster_counts,
    cluster_table,
    matching_window,
    overdispersion,
    pool_random_effects,
    site_odds_ratios,
    site_windows,
)
from siteplan.measures.darkness import is_dark

if TYPE_CHECKING:
    from siteplan.followup.analysis import FollowupSettings
    from siteplan.followup.economics import Period

__all__ = [
    "LINE_BAND_M",
    "MEASURE_STATUSES",
    "MeasureEffect",
    "MeasureEffects",
    "MeasureKindEffects",
    "measure_effects",
]

#: Half-width of the band along a line measure within which a unit's length counts as lit.
LINE_BAND_M = 10.0
#: Reach of a point measure without ``reach_m``, in metres (as the loader's default).
DEFAULT_REACH_M = 50.0
#: Why a measure has, or has no, estimate.
MEASURE_STATUSES = ("estimated", "installed_after", "no_units", "no_after_window", "no_controls")
#: The kinds whose effect is judged on darkness incidents only.
_DARK_KINDS = frozenset({"lighting"})
#: Report order of the kinds.
_KIND_ORDER = ("lighting", "help_point", "vegetation", "custom")


@dataclass(frozen=True)
class MeasureEffect:
    """
    One installed measure's own before/after comparison with its matched controls.

    Attributes
    ----------
    measure_id, kind, installed_on
        The measure, its kind and its installation day.
    darkness_only
        Only incidents between sunset and sunrise were counted (lighting).
    n_units
        Units it acts on (each unit goes to the earliest-installed measure of its kind).
    status
        ``estimated``, or why not: ``installed_after`` (after the period's end),
        ``no_units`` (acts on no unit), ``no_after_window`` (installed on the period's last
        day) or ``no_controls``.
    site
        The counts (``a``, ``b``: its units before/after; ``c``, ``d``: its controls), the odds
        ratio with the interval inflated by φ, and the change in incidents; None unless
        estimated.
    """

    measure_id: str
    kind: str
    installed_on: dt.date
    darkness_only: bool
    n_units: int
    status: str
    site: SiteEffect | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready values."""
        return {
            "measure_id": self.measure_id,
            "kind": self.kind,
            "installed_on": self.installed_on.isoformat(),
            "darkness_only": self.darkness_only,
            "n_units": self.n_units,
            "status": self.status,
            "site": None if self.site is None else self.site.to_dict(),
        }


@dataclass(frozen=True)
class MeasureKindEffects:
    """
    The measures of one kind, each with its own windows, and their pooled effect.

    Attributes
    ----------
    kind
        ``lighting``, ``help_point``, ``vegetation`` or ``custom``.
    darkness_only
        Only darkness incidents were counted (lighting).
    measures
        Every installed measure of the kind, in id order.
    pooled
        Random-effects pooled odds ratio of the estimated measures; None without one.
    dispersion
        φ of the monthly counts in the before windows (at least 1).
    matching_window
        The window the controls were matched on; None when no measure has an after window.
    n_incidents
        Incidents with a place that were counted (for lighting: those in darkness).
    min_treated_sites
        Fewer estimated measures than this cannot show an effect either way.
    conclusive
        At least `min_treated_sites` measures were estimated.
    verdict
        ``not_estimable``, ``too_few_sites`` (never significant), ``uncertain`` (the pooled
        interval holds no change) or ``clear`` (it excludes no change).
    """

    kind: str
    darkness_only: bool
    measures: tuple[MeasureEffect, ...]
    pooled: PooledOddsRatio | None
    dispersion: float
    matching_window: Window | None
    n_incidents: int
    min_treated_sites: int
    conclusive: bool
    verdict: str

    @property
    def n_estimated(self) -> int:
        """Measures with an estimate."""
        return sum(m.site is not None for m in self.measures)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready values."""
        return {
            "kind": self.kind,
            "darkness_only": self.darkness_only,
            "measures": [m.to_dict() for m in self.measures],
            "pooled": None if self.pooled is None else self.pooled.to_dict(),
            "dispersion": self.dispersion,
            "matching_window": None
            if self.matching_window is None
            else self.matching_window.to_dict(),
            "n_incidents": self.n_incidents,
            "n_estimated": self.n_estimated,
            "min_treated_sites": self.min_treated_sites,
            "conclusive": self.conclusive,
            "verdict": self.verdict,
        }


@dataclass(frozen=True)
class MeasureEffects:
    """
    The follow-up of the installed non-camera measures, kind by kind.

    Attributes
    ----------
    kinds
        One entry per kind with installed measures, lighting first.
    line_band_m
        Half-width of the band along a line measure (:data:`LINE_BAND_M`).
    lat, lon, timezone
        Where and in which time zone darkness was computed (the study area's centre).
    """

    kinds: tuple[MeasureKindEffects, ...]
    line_band_m: float
    lat: float
    lon: float
    timezone: str

    def kind(self, name: str) -> MeasureKindEffects | None:
        """
        The effects of one kind.

        Parameters
        ----------
        name
            The kind, e.g. ``"lighting"``.

        Returns
        -------
        effects
            None when no measure of that kind was installed.
        """
        return next((k for k in self.kinds if k.kind == name), None)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready values."""
        return {
            "kinds": [k.to_dict() for k in self.kinds],
            "line_band_m": self.line_band_m,
            "lat": self.lat,
            "lon": self.lon,
            "timezone": self.timezone,
        }


class _Incidents(NamedTuple):
    """Each incident's unit and local day, and whether it fell in darkness."""

    unit_of: pd.Series
    day: pd.Series
    dark: pd.Series


def measure_effects(
    installed_measures: gpd.GeoDataFrame,
    incidents: gpd.GeoDataFrame,
    corridors: gpd.GeoDataFrame,
    *,
    lat: float,
    lon: float,
    timezone: str,
    settings: FollowupSettings,
    period: Period,
    exclude: Iterable[Any] = (),
) -> MeasureEffects:
    """
    Each installed measure's effect like a camera site's, and the pooled effect per kind.

    Parameters
    ----------
    installed_measures
        From :func:`siteplan.io.installed_measures.load_installed_measures`: indexed by
        ``measure_id`` with ``kind``, ``installed_on`` and ``reach_m``.
    incidents
        The incidents layer (``occurred_at`` tz-aware) up to the report date.
    corridors
        The units: corridor segments (with ``legal_class`` or ``area`` for matching), or grid
        cells; same CRS.
    lat, lon
        The study area's centre in WGS 84 (:func:`siteplan.measures.centre_latlon`), for
        sunset and sunrise.
    timezone
        The scenario's ``study_area.timezone``.
    settings
        The follow-up's settings: ``snap_m``, ``buffer_m``, ``min_overlap``,
        ``n_per_treated``, ``max_after_days``, ``match_months`` and ``min_treated_sites``.
    period
        The report period; measures installed after its end are left out.
    exclude
        Units that may never be controls: the camera sites' units and buffer ring, and units
        in areas of other interventions.

    Returns
    -------
    effects
        Per kind, each measure's counts and odds ratio, and the pooled estimate.

    Raises
    ------
    CRSError
        If the layers are not in one CRS.
    """
    require_same_crs(installed_measures, corridors, "measures", "corridors")
    require_same_crs(incidents, corridors, "incidents", "corridors")
    end = pd.Timestamp(period.end)
    points = incidents.geometry.notna() & ~incidents.geometry.is_empty
    unit_of = assign_incidents(incidents.loc[points], corridors, snap_m=settings.snap_m)
    kinds_in = set(installed_measures["kind"])
    dark = (
        is_dark(incidents["occurred_at"], lat=lat, lon=lon, timezone=timezone)
        if kinds_in & _DARK_KINDS
        else np.zeros(len(incidents), dtype=bool)
    )
    seen = _Incidents(
        unit_of.reindex(incidents.index),
        local_day(incidents["occurred_at"], timezone),
        pd.Series(dark, index=incidents.index),
    )
    active = installed_measures.loc[installed_measures["installed_on"] <= end]
    pairs = _treated_pairs(corridors, active, min_overlap=settings.min_overlap)
    banned = set(exclude) | set(pairs["unit"])
    kinds = tuple(
        _kind_effects(
            kind,
            installed_measures.loc[installed_measures["kind"] == kind],
            pairs.loc[pairs["kind"] == kind],
            corridors,
            seen,
            banned,
            settings,
            end,
        )
        for kind in _KIND_ORDER
        if kind in kinds_in
    )
    return MeasureEffects(kinds, LINE_BAND_M, float(lat), float(lon), timezone)


def _footprints(measures: gpd.GeoDataFrame) -> np.ndarray:
    """The area each measure acts in: a band along a line, a disc of ``reach_m`` round a point."""
    geoms = measures.geometry.to_numpy()
    is_point = shapely.get_type_id(geoms) == 0
    given = measures["reach_m"] if "reach_m" in measures else pd.Series(np.nan, measures.index)
    reach = given.astype(float).fillna(DEFAULT_REACH_M).to_numpy()
    return np.asarray(shapely.buffer(geoms, np.where(is_point, reach, LINE_BAND_M)))


def _treated_pairs(
    units: gpd.GeoDataFrame, measures: gpd.GeoDataFrame, *, min_overlap: float
) -> pd.DataFrame:
    """Every (unit, measure) where the measure acts on the unit, with kind and install day."""
    cols = ["unit", "measure_id", "kind", "installed_on"]
    if measures.empty or units.empty:
        return pd.DataFrame(columns=cols)
    geoms = units.geometry.to_numpy()
    feet = _footprints(measures)
    left, right = shapely.STRtree(feet).query(geoms, predicate="intersects")
    shape = measures.geometry.to_numpy()[right]
    unit = geoms[left]
    is_point = shapely.get_type_id(shape) == 0
    is_line_unit = np.isin(shapely.get_type_id(unit), [1, 2, 5])
    length = shapely.length(unit)
    along = _along_m(shapely.intersection(unit, feet[right]), shape)
    line_share = np.divide(along, length, out=np.zeros(len(left)), where=length > 0)
    side = np.sqrt(shapely.area(unit))
    through = shapely.length(shapely.intersection(shape, unit))
    cell_share = np.divide(through, side, out=np.zeros(len(left)), where=side > 0)
    share = np.where(is_line_unit, line_share, cell_share)
    ok = is_point | (share >= min_overlap)
    return pd.DataFrame(
        {
            "unit": units.index.to_numpy()[left[ok]],
            "measure_id": measures.index.astype(str).to_numpy()[right[ok]],
            "kind": measures["kind"].to_numpy()[right[ok]],
            "installed_on": measures["installed_on"].to_numpy()[right[ok]],
        },
        columns=cols,
    )


def _along_m(inside: np.ndarray, shape: np.ndarray) -> np.ndarray:
    """
    How far each unit's part inside the band runs along its measure's line, in metres.

    The distance along the line between the points nearest the part's two ends: the part's
    length for a street beside the line, about 0 for one that crosses or ends at it.
    """
    out = np.zeros(len(inside))
    for i, (part, line) in enumerate(zip(inside, shape, strict=True)):
        xy = shapely.get_coordinates(part)
        if len(xy) < 2 or shapely.get_type_id(line) == 0:
            continue
        ends = shapely.points(xy[[0, -1]])
        at = shapely.line_locate_point(line, ends)
        out[i] = min(abs(float(at[1] - at[0])), float(shapely.length(part)))
    return out


def _ring(units: gpd.GeoDataFrame, measures: gpd.GeoDataFrame, buffer_m: float) -> pd.Index:
    """Units within `buffer_m` of the measures' footprints (the displacement ring)."""
    if measures.empty:
        return units.index[:0]
    union = shapely.union_all(_footprints(measures))
    return units.index[shapely.dwithin(units.geometry.to_numpy(), union, buffer_m)]


def _kind_effects(
    kind: str,
    measures: gpd.GeoDataFrame,
    pairs: pd.DataFrame,
    units: gpd.GeoDataFrame,
    seen: _Incidents,
    banned: set[Any],
    settings: FollowupSettings,
    end: pd.Timestamp,
) -> MeasureKindEffects:
    """The measures of one kind as sites: windows, matched controls, odds ratios, pooling."""
    darkness_only = kind in _DARK_KINDS
    keep = seen.unit_of.notna()
    if darkness_only:
        keep &= seen.dark
    unit_of, day = seen.unit_of[keep], seen.day[keep]
    first = pairs.sort_values(["unit", "installed_on", "measure_id"], kind="stable")
    site_of = first.drop_duplicates("unit").set_index("unit")["measure_id"].rename("site_id")
    install = measures["installed_on"].rename_axis("site_id")
    install = install.loc[install.index.astype(str).isin(site_of.unique())]
    install.index = install.index.astype(str)
    windows = site_windows(install, end=end, max_after_days=settings.max_after_days)
    sites: tuple[SiteEffect, ...] = ()
    phi, match = 1.0, None
    if not windows.empty:
        match = matching_window(windows, months=settings.match_months)
        site_of = site_of.loc[site_of.isin(windows.index)]
        lo, hi = pd.Timestamp(match.start), pd.Timestamp(match.end)
        counts_pre = unit_of[(day >= lo) & (day <= hi)].value_counts()
        info = pd.DataFrame(units.drop(columns=units.geometry.name))
        ring = _ring(units, measures.loc[measures["installed_on"] <= end], settings.buffer_m)
        controls = matched_control_sets(
            info,
            site_of.index.tolist(),
            counts_pre,
            n_per_treated=settings.n_per_treated,
            exclude=[u for u in [*banned, *ring] if u not in site_of.index],
        )
        layout = cluster_table(site_of, controls, windows)
        per_cluster = cluster_counts(layout, unit_of, day)
        phi = overdispersion(per_cluster, unit_of, day, layout.cluster_of)
        sites = site_odds_ratios(layout, per_cluster, phi=phi)
    pooled = pool_random_effects(sites)
    rows = _measure_rows(kind, measures, site_of, windows, sites, end, darkness_only)
    return MeasureKindEffects(
        kind=kind,
        darkness_only=darkness_only,
        measures=rows,
        pooled=pooled,
        dispersion=phi,
        matching_window=match,
        n_incidents=int(keep.sum()),
        min_treated_sites=settings.min_treated_sites,
        conclusive=len(sites) >= settings.min_treated_sites,
        verdict=_verdict(sites, pooled, settings.min_treated_sites),
    )


def _measure_rows(
    kind: str,
    measures: gpd.GeoDataFrame,
    site_of: pd.Series,
    windows: pd.DataFrame,
    sites: tuple[SiteEffect, ...],
    end: pd.Timestamp,
    darkness_only: bool,
) -> tuple[MeasureEffect, ...]:
    """One row per measure of the kind, in id order, with its estimate or why it has none."""
    by_id = {s.site_id: s for s in sites}
    n_units = site_of.value_counts()
    rows = []
    for mid, day in sorted(measures["installed_on"].items(), key=lambda kv: str(kv[0])):
        key = str(mid)
        if day > end:
            status = "installed_after"
        elif not n_units.get(key, 0):
            status = "no_units"
        elif key not in windows.index:
            status = "no_after_window"
        else:
            status = "estimated" if key in by_id else "no_controls"
        rows.append(
            MeasureEffect(
                measure_id=key,
                kind=kind,
                installed_on=pd.Timestamp(day).date(),
                darkness_only=darkness_only,
                n_units=int(n_units.get(key, 0)),
                status=status,
                site=by_id.get(key),
            )
        )
    return tuple(rows)


def _verdict(sites: tuple[SiteEffect, ...], pooled: PooledOddsRatio | None, min_sites: int) -> str:
    """What the report may say: never significant below `min_sites` measures."""
    if pooled is None or not sites:
        return "not_estimable"
    if len(sites) < min_sites:
        return "too_few_sites"
    return "uncertain" if pooled.ci_low <= 1.0 <= pooled.ci_high else "clear"
