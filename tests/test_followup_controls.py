"""Tests for the controls: other interventions left out, regression to the mean stated."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from test_followup_analysis import result, scenario, town  # noqa: F401 (fixtures)
from test_followup_economics import spending_lines

from siteplan import followup as fu
from siteplan.followup.controls import RTM_EXCESS_RISE, intervention_units, regression_to_mean
from siteplan.followup.result import Window

CRS = "EPSG:3006"


def test_intervention_units_touching_a_polygon():
    units = gpd.GeoDataFrame(
        geometry=[
            shapely.box(0, 0, 10, 10),
            shapely.box(20, 0, 30, 10),
            shapely.box(40, 0, 50, 10),
        ],
        crs=CRS,
        index=pd.Index(["a", "b", "c"]),
    )
    zones = gpd.GeoDataFrame(geometry=[shapely.box(25, 5, 45, 6)], crs=CRS)
    assert intervention_units(units, zones).tolist() == ["b", "c"]
    assert intervention_units(units, None).empty
    assert intervention_units(units, zones.iloc[:0]).empty


def _rtm_case(treated_before: int) -> fu.RegressionToMean | None:
    """One camera-site unit, one control unit, one other unit with incidents, one empty."""
    match = Window(dt.date(2023, 1, 1), dt.date(2023, 1, 30))  # 30 days
    # Matching window: treated 6, control 6, other 3 incidents.
    unit_of = pd.Series(["t"] * 6 + ["c"] * 6 + ["o"] * 3)
    day = pd.Series([pd.Timestamp("2023-01-10")] * 15)
    group = pd.Series({"t": "treated", "c": "control", "o": "other", "e": "other"})
    clusters = pd.DataFrame(
        {
            "treated": [True, False],
            "n_units": [1, 1],
            "before": [treated_before, 6],
            "days_before": [30, 30],
        },
        index=["S1", "S1~c1"],
    )
    return regression_to_mean(unit_of, day, group, clusters, match)


def test_regression_to_mean_flags_a_peak_before_installation():
    rtm = _rtm_case(treated_before=12)
    assert rtm is not None
    assert rtm.treated_match_rate == pytest.approx(6.0)
    assert rtm.all_match_rate == pytest.approx(15 / 3)  # the empty unit is left out
    assert rtm.hotspot_ratio == pytest.approx(6 / 5)
    assert rtm.treated_rise == pytest.approx(1.0)  # 6 -> 12
    assert rtm.control_rise == pytest.approx(0.0)
    assert rtm.excess_rise == pytest.approx(1.0)
    assert rtm.flagged
    flat = _rtm_case(treated_before=6)
    assert flat is not None
    assert flat.excess_rise == pytest.approx(0.0)
    assert not flat.flagged
    assert RTM_EXCESS_RISE > 0
    assert flat.to_dict()["matching_window"] == {"start": "2023-01-01", "end": "2023-01-30"}


def test_followup_leaves_other_interventions_out_of_the_controls(scenario, result):  # noqa: F811
    corridors, installed, incidents = town()
    # A guard deployment over the south-west quarter of the town (away from both cameras).
    zones = gpd.GeoDataFrame({"kind": ["guards"]}, geometry=[shapely.box(0, 0, 400, 400)], crs=CRS)
    blocked = intervention_units(corridors, zones)
    with_zones = fu.followup(
        installed,
        incidents,
        spending_lines(),
        corridors=corridors,
        period=fu.report_period("interim", year=2025),
        scenario=scenario,
        interventions=zones,
    )
    roles = with_zones.unit_roles
    assert roles.loc[blocked, "intervention"].all()
    assert not (roles.loc[blocked, "group"] == "control").any()
    assert (result.unit_roles.loc[blocked, "group"] == "control").any()  # chosen without it
    c = with_zones.controls
    assert c.n_intervention_areas == 1
    assert c.n_units_excluded == int((roles.loc[blocked, "group"] == "other").sum()) > 0
    assert c.n_treated_in_interventions == 0
    assert with_zones.units.n_control == result.units.n_control  # still 3 per treated unit
    assert with_zones.to_dict()["controls"]["n_intervention_areas"] == 1


def test_followup_states_regression_to_the_mean(result):  # noqa: F811
    rtm = result.controls.rtm
    assert rtm is not None
    # The town's incidents start 2024-01-01: the rates count the matching window from then.
    assert rtm.matching_window == Window(dt.date(2024, 1, 1), result.sites.matching_window.end)
    assert rtm.all_match_rate > 0
    assert rtm.treated_before_rate > 0
    assert rtm.control_before_rate > 0
    assert rtm.hotspot_ratio is not None
    assert np.isfinite(rtm.hotspot_ratio)
    # Controls are matched on the sites' (here empty) matching-window counts: the rise into
    # the before windows cannot be measured, so nothing is flagged and the report says why.
    assert rtm.treated_match_rate == rtm.control_match_rate == 0
    assert rtm.excess_rise is None
    assert not rtm.flagged
    assert result.controls.n_intervention_areas == 0
    assert not result.operations.given
