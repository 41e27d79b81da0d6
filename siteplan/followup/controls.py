"""Controls that are fit to compare with: other interventions left out, regression to the mean.

Units inside an area of an "other interventions" layer (police cameras, guard deployments, new
lighting) changed for another reason, so they never serve as controls. Camera sites inside such
an area are counted and the report says their change may not be the cameras' alone.

Camera sites are chosen because they had many incidents, and a place picked at a peak tends to
fall back without any intervention (regression to the mean). :func:`regression_to_mean` states
how far above the average unit the camera sites were in the matching window, and how their
incidents moved from the matching window into their before windows compared with their
controls': a rise beyond the controls' just before installation is the peak a later drop may
merely undo.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from siteplan.followup.result import Window

__all__ = [
    "RTM_EXCESS_RISE",
    "Controls",
    "RegressionToMean",
    "intervention_units",
    "regression_to_mean",
]

#: A rise of the camera sites beyond their controls' (from the matching window into the before
#: windows) above this share is flagged as a peak a later drop may merely undo.
RTM_EXCESS_RISE = 0.10


@dataclass(frozen=True)
class RegressionToMean:
    """
    How far the camera sites stood out, and whether they peaked just before installation.

    Rates are incidents per unit and 30 days.

    Attributes
    ----------
    matching_window
        The window the controls were matched on (before every before window), from the
        first day with incidents when the data start later.
    all_match_rate, treated_match_rate, control_match_rate
        The rate of the units with incidents (empty units left out), the camera sites' and
        the controls' rates in the matching window.
    treated_before_rate, control_before_rate
        The camera sites' and the controls' rates in the sites' before windows.
    hotspot_ratio
        Camera sites' rate / the rate of units with incidents in the matching window; None
        when undefined.
    treated_rise, control_rise
        Change from the matching window to the before windows (0.25 = 25 % more); None when
        the matching-window rate is 0.
    excess_rise
        ``(1 + treated_rise) / (1 + control_rise) − 1``; None when undefined.
    flagged
        ``excess_rise`` above :data:`RTM_EXCESS_RISE`: part of a later drop may be regression
        to the mean.
    """

    matching_window: Window
    all_match_rate: float
    treated_match_rate: float
    control_match_rate: float
    treated_before_rate: float
    control_before_rate: float
    hotspot_ratio: float | None
    treated_rise: float | None
    control_rise: float | None
    excess_rise: float | None
    flagged: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready values."""
        return {**asdict(self), "matching_window": self.matching_window.to_dict()}


@dataclass(frozen=True)
class Controls:
    """
    What was done to keep the controls comparable, and regression to the mean.

    Attributes
    ----------
    n_intervention_areas
        Polygons in the "other interventions" layer (0 when none was given).
    n_units_excluded
        Units outside the camera sites that touch such an area: never controls.
    n_treated_in_interventions
        Camera-site units that touch such an area: their change is not the cameras' alone.
    rtm
        Regression to the mean for the camera sites; None without sites or controls.
    """

    n_intervention_areas: int
    n_units_excluded: int
    n_treated_in_interventions: int
    rtm: RegressionToMean | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready values."""
        return {
            "n_intervention_areas": self.n_intervention_areas,
            "n_units_excluded": self.n_units_excluded,
            "n_treated_in_interventions": self.n_treated_in_interventions,
            "rtm": None if self.rtm is None else self.rtm.to_dict(),
        }


def intervention_units(units: gpd.GeoDataFrame, interventions: gpd.GeoDataFrame | None) -> pd.Index:
    """
    The units that touch an area of the "other interventions" layer.

    Parameters
    ----------
    units
        Corridor segments or grid cells, indexed by id.
    interventions
        Polygons in the units' CRS; None or empty gives no unit.

    Returns
    -------
    ids
        The ids of the units that intersect a polygon, in the units' order.
    """
    if interventions is None or interventions.empty:
        return units.index[:0]
    tree = shapely.STRtree(interventions.geometry.to_numpy())
    left, _ = tree.query(units.geometry.to_numpy(), predicate="intersects")
    hit = np.zeros(len(units), dtype=bool)
    hit[left] = True
    return units.index[hit]


def _rate(n: float, unit_days: float) -> float:
    """Incidents per unit and 30 days (0 without unit-days)."""
    return 30.0 * n / unit_days if unit_days > 0 else 0.0


def _rise(before: float, match: float) -> float | None:
    return before / match - 1 if match > 0 else None


def regression_to_mean(
    unit_of: pd.Series,
    day: pd.Series,
    group: pd.Series,
    clusters: pd.DataFrame,
    match: Window,
    *,
    data_start: pd.Timestamp | None = None,
) -> RegressionToMean | None:
    """
    The camera sites against all units and their controls, before installation.

    Parameters
    ----------
    unit_of
        Unit id per incident (missing outside every unit).
    day
        Local day per incident (naive midnight), aligned with `unit_of`.
    group
        Comparison group per unit (``treated``, ``buffer``, ``control``, ``other``).
    clusters
        Per cluster: ``treated``, ``n_units``, ``before`` and ``days_before`` (from
        :func:`~.sites.cluster_counts`).
    match
        The matching window.
    data_start
        First day with incidents; a matching window that starts earlier is cut to it, so the
        rates count only days with data.

    Returns
    -------
    rtm
        The rates and the flag; None without camera-site or control clusters.
    """
    treated = clusters["treated"].astype(bool)
    if not treated.any() or treated.all():
        return None
    if data_start is not None and pd.notna(data_start) and data_start.date() > match.start:
        match = Window(min(data_start.date(), match.end), match.end)
    days = (match.end - match.start).days + 1
    inside = unit_of.notna() & (day >= pd.Timestamp(match.start)) & (day <= pd.Timestamp(match.end))
    in_group = unit_of[inside].map(group).value_counts()
    n_units = group.value_counts()

    def match_rate(g: str) -> float:
        return _rate(float(in_group.get(g, 0)), float(n_units.get(g, 0)) * days)

    def before_rate(sel: pd.Series) -> float:
        part = clusters.loc[sel]
        return _rate(
            float(part["before"].sum()), float((part["n_units"] * part["days_before"]).sum())
        )

    n_with = int(unit_of[inside].nunique())
    all_rate = _rate(float(inside.sum()), float(n_with) * days)
    t_match, c_match = match_rate("treated"), match_rate("control")
    t_before, c_before = before_rate(treated), before_rate(~treated)
    t_rise, c_rise = _rise(t_before, t_match), _rise(c_before, c_match)
    excess = None
    if t_rise is not None and c_rise is not None and c_rise > -1:
        excess = (1 + t_rise) / (1 + c_rise) - 1
    return RegressionToMean(
        matching_window=match,
        all_match_rate=all_rate,
        treated_match_rate=t_match,
        control_match_rate=c_match,
        treated_before_rate=t_before,
        control_before_rate=c_before,
        hotspot_ratio=t_match / all_rate if all_rate > 0 else None,
        treated_rise=t_rise,
        control_rise=c_rise,
        excess_rise=excess,
        flagged=excess is not None and excess > RTM_EXCESS_RISE,
    )
