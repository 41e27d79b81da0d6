"""Darkness by the sun: sunset to sunrise at the place and local date (astral)."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from siteplan.errors import InputError
from siteplan.measures import LatLon, centre_latlon, darkness_share, is_dark, sun_times

LINKOPING = {"lat": 58.41, "lon": 15.62}
TROMSO = {"lat": 69.65, "lon": 18.96}


def local(*stamps: str | None) -> pd.Series:
    return pd.Series(pd.to_datetime(list(stamps)))


def test_winter_night_is_dark_and_noon_is_light_in_linkoping():
    times = local("2024-12-15 22:00", "2024-12-15 12:00", "2024-12-15 08:00")
    assert is_dark(times, **LINKOPING).tolist() == [True, False, True]


def test_midsummer_night_after_sunset_is_dark():
    # astral: sunset in Linköping on 2024-06-21 at 22:08 CEST, sunrise at 03:50.
    times = local("2024-06-21 21:00", "2024-06-21 23:00", "2024-06-21 03:30", "2024-06-21 04:00")
    assert is_dark(times, **LINKOPING).tolist() == [False, True, True, False]


def test_the_switch_happens_at_sunset_and_sunrise():
    table = sun_times([dt.date(2024, 12, 15)], **LINKOPING)
    sunrise = table["sunrise"].iloc[0]
    sunset = table["sunset"].iloc[0]
    assert sunrise.tz is not None
    assert (sunrise.hour, sunset.hour) == (8, 15)
    second = pd.Timedelta(seconds=1)
    times = pd.Series([sunrise - second, sunrise, sunset - second, sunset])
    assert is_dark(times, **LINKOPING).tolist() == [True, False, False, True]


def test_aware_times_are_taken_at_their_local_date():
    naive = local("2024-12-15 22:00", "2024-12-15 12:00", "2024-06-21 23:00", "2024-06-21 21:00")
    aware = naive.dt.tz_localize("Europe/Stockholm").dt.tz_convert("UTC")
    assert is_dark(aware, **LINKOPING).tolist() == is_dark(naive, **LINKOPING).tolist()
    # 23:30 UTC on 15 December is 00:30 local on the 16th: dark either way.
    assert is_dark(pd.Series(pd.to_datetime(["2024-12-15 23:30"], utc=True)), **LINKOPING)[0]


def test_missing_times_are_not_dark_and_the_index_is_ignored():
    times = pd.Series(pd.to_datetime([None, "2024-12-15 22:00"]), index=[10, 3])
    dark = is_dark(times, **LINKOPING)
    assert isinstance(dark, np.ndarray)
    assert dark.dtype == bool
    assert dark.tolist() == [False, True]
    assert is_dark(pd.Series([], dtype="datetime64[ns]"), **LINKOPING).tolist() == []


def test_polar_day_and_night_follow_the_sun():
    times = local("2024-06-21 00:30", "2024-12-15 12:00")
    assert is_dark(times, **TROMSO).tolist() == [False, True]
    table = sun_times([dt.date(2024, 6, 21), dt.date(2024, 12, 15)], **TROMSO)
    assert table["sunrise"].isna().all()
    assert table["sunset"].isna().all()
    assert table["dark_h"].tolist() == [0.0, 24.0]


def test_dark_hours_are_the_day_less_sunrise_to_sunset_also_on_dst_days():
    days = [dt.date(2024, 12, 15), dt.date(2024, 3, 31), dt.date(2024, 10, 27)]
    table = sun_times(days, **LINKOPING)
    assert list(table.index) == sorted(days)
    day_hours = {
        dt.date(2024, 12, 15): 24.0,
        dt.date(2024, 3, 31): 23.0,
        dt.date(2024, 10, 27): 25.0,
    }
    for day, row in table.iterrows():
        light_h = (row["sunset"] - row["sunrise"]).total_seconds() / 3600
        assert row["dark_h"] == pytest.approx(day_hours[day] - light_h)
    # Mid December in Linköping: about 6 h 23 min of daylight.
    assert table.loc[dt.date(2024, 12, 15), "dark_h"] == pytest.approx(17.6, abs=0.05)


def test_darkness_share_over_a_year():
    equator = darkness_share(
        dt.date(2024, 1, 1), dt.date(2024, 12, 31), lat=0.0, lon=0.0, timezone="UTC"
    )
    # Refraction and the sun's disc make the day a few minutes longer than the night.
    assert 0.48 < equator < 0.5
    december = darkness_share(dt.date(2024, 12, 15), dt.date(2024, 12, 15), **LINKOPING)
    assert december == pytest.approx(
        sun_times([dt.date(2024, 12, 15)], **LINKOPING)["dark_h"].iloc[0] / 24
    )
    with pytest.raises(InputError, match="before it starts"):
        darkness_share(dt.date(2024, 2, 1), dt.date(2024, 1, 1), **LINKOPING)


def test_centre_latlon_of_a_projected_layer():
    layer = gpd.GeoSeries([Point(15.62, 58.41)], crs="EPSG:4326").to_crs("EPSG:3006")
    place = centre_latlon(layer)
    assert isinstance(place, LatLon)
    assert place.lat == pytest.approx(58.41)
    assert place.lon == pytest.approx(15.62)
    with pytest.raises(InputError):
        centre_latlon(gpd.GeoSeries([], crs="EPSG:3006"))


def test_bad_coordinates_are_refused():
    with pytest.raises(InputError, match="WGS 84"):
        is_dark(local("2024-12-15 22:00"), lat=6_500_000.0, lon=500_000.0)
