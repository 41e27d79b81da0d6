"""Darkness: which times fall between sunset and sunrise at the study area, by the sun.

Lighting acts in darkness. Sunrise and sunset come from the `astral` library for the study
area's latitude, longitude and local date (the sun's upper limb on the horizon, with standard
refraction: the sun's centre 0.833° below it). Where the sun neither rises nor sets on a day
(midnight sun, polar night) the sun's elevation decides.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import NamedTuple

import astral
import astral.sun
import geopandas as gpd
import numpy as np
import pandas as pd

from siteplan.errors import InputError

__all__ = ["HORIZON_DEG", "LatLon", "centre_latlon", "darkness_share", "is_dark", "sun_times"]

#: Elevation of the sun's centre at sunrise and sunset, in degrees (geometric, no refraction).
HORIZON_DEG = -0.833


class LatLon(NamedTuple):
    """A place in WGS 84 degrees."""

    lat: float
    lon: float


def centre_latlon(frame: gpd.GeoDataFrame | gpd.GeoSeries) -> LatLon:
    """
    The centre of a layer's bounding box in WGS 84: where to compute sunrise and sunset.

    Parameters
    ----------
    frame
        Any layer with a CRS (e.g. the corridors).

    Returns
    -------
    place
        Latitude and longitude in degrees.

    Raises
    ------
    InputError
        If the layer is empty or has no CRS.
    """
    if frame.crs is None or len(frame) == 0:
        msg = "need a non-empty layer with a CRS to place the study area on the globe"
        raise InputError(msg)
    lonlat = frame.geometry.to_crs("EPSG:4326")
    x0, y0, x1, y1 = lonlat.total_bounds
    return LatLon(lat=float((y0 + y1) / 2), lon=float((x0 + x1) / 2))


def _check_place(lat: float, lon: float) -> astral.Observer:
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        msg = f"lat/lon must be WGS 84 degrees; got lat={lat!r}, lon={lon!r}"
        raise InputError(msg)
    return astral.Observer(latitude=lat, longitude=lon)


def _elevation_deg(observer: astral.Observer, when: dt.datetime) -> float:
    return float(astral.sun.elevation(observer, when, with_refraction=False))


def _sun_row(
    observer: astral.Observer, day: dt.date, tz: zoneinfo.ZoneInfo
) -> tuple[pd.Timestamp, pd.Timestamp, float]:
    """Sunrise, sunset (NaT when the event does not happen) and the dark hours of one day."""
    events: list[pd.Timestamp] = []
    for event in (astral.sun.sunrise, astral.sun.sunset):
        try:
            events.append(pd.Timestamp(event(observer, day, tz)))
        except ValueError:
            events.append(pd.NaT)
    rise, sunset = events
    start = pd.Timestamp(dt.datetime.combine(day, dt.time(), tz))
    after = pd.Timestamp(dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tz))
    length_h = (after - start).total_seconds() / 3600.0  # 23 or 25 on DST days
    if not pd.isna(rise) and not pd.isna(sunset) and sunset > rise:
        dark_h = length_h - (sunset - rise).total_seconds() / 3600.0
    else:
        # No sunrise or no sunset: sample the sun's elevation every 10 minutes.
        stamps = pd.date_range(start, after, freq="10min", inclusive="left")
        dark = [_elevation_deg(observer, t.to_pydatetime()) < HORIZON_DEG for t in stamps]
        dark_h = length_h * float(np.mean(dark))
    return rise, sunset, dark_h


def sun_times(
    dates: pd.Series | pd.Index | list[dt.date],
    *,
    lat: float,
    lon: float,
    timezone: str = "Europe/Stockholm",
) -> pd.DataFrame:
    """
    Sunrise, sunset and hours of darkness of each local date.

    Parameters
    ----------
    dates
        Local calendar dates (duplicates are computed once).
    lat, lon
        The place, in WGS 84 degrees.
    timezone
        IANA time zone the dates and the returned times are in.

    Returns
    -------
    table
        Index ``date`` (sorted, unique ``datetime.date``); columns ``sunrise`` and ``sunset``
        (tz-aware local times; NaT where the sun does not rise or set that day) and
        ``dark_h`` (hours of the local day with the sun below the horizon).
    """
    observer = _check_place(lat, lon)
    tz = zoneinfo.ZoneInfo(timezone)
    days = sorted({pd.Timestamp(d).date() for d in dates if not pd.isna(d)})
    rows = [_sun_row(observer, day, tz) for day in days]
    dtype = pd.DatetimeTZDtype(tz=timezone)
    return pd.DataFrame(
        {
            "sunrise": pd.Series([r[0] for r in rows], dtype=dtype),
            "sunset": pd.Series([r[1] for r in rows], dtype=dtype),
            "dark_h": pd.Series([r[2] for r in rows], dtype=float),
        }
    ).set_axis(pd.Index(days, name="date", dtype=object))


def _local_wall_times(times: pd.Series, timezone: str) -> pd.Series:
    """`times` as naive local wall-clock times of `timezone` (naive input taken as local)."""
    values = pd.to_datetime(pd.Series(times), errors="coerce")
    if values.dt.tz is not None:
        values = values.dt.tz_convert(timezone).dt.tz_localize(None)
    return values.reset_index(drop=True)


def is_dark(
    times: pd.Series,
    *,
    lat: float,
    lon: float,
    timezone: str = "Europe/Stockholm",
) -> np.ndarray:
    """
    Whether each time falls in darkness: before sunrise or after sunset of its local date.

    Parameters
    ----------
    times
        Times of day: tz-aware, or naive local times of `timezone`. NaT is not dark.
    lat, lon
        The place, in WGS 84 degrees (see :func:`centre_latlon`).
    timezone
        IANA time zone of the local dates (the study area's ``study_area.timezone``).

    Returns
    -------
    dark
        Boolean array aligned with `times`.

    Notes
    -----
    Sunrise and sunset are computed once per unique local date with `astral`. On a day
    without a sunrise or a sunset (polar day or night, or the days around them), each time is
    dark when the sun's centre is more than 0.833° below the horizon.
    """
    local = _local_wall_times(times, timezone)
    valid = local.notna().to_numpy()
    dark = np.zeros(len(local), dtype=bool)
    if not valid.any():
        return dark
    observer = _check_place(lat, lon)
    days = local[valid].dt.date
    table = sun_times(days.unique().tolist(), lat=lat, lon=lon, timezone=timezone)
    rise = table["sunrise"].dt.tz_localize(None).reindex(days.to_numpy()).to_numpy()
    sunset = table["sunset"].dt.tz_localize(None).reindex(days.to_numpy()).to_numpy()
    wall = local[valid].to_numpy()
    known = ~(pd.isna(rise) | pd.isna(sunset))
    by_sun = np.zeros(len(wall), dtype=bool)
    by_sun[known] = (wall[known] < rise[known]) | (wall[known] >= sunset[known])
    tz = zoneinfo.ZoneInfo(timezone)
    for i in np.flatnonzero(~known):
        moment = pd.Timestamp(wall[i]).to_pydatetime().replace(tzinfo=tz)
        by_sun[i] = _elevation_deg(observer, moment) < HORIZON_DEG
    dark[valid] = by_sun
    return dark


def darkness_share(
    start: dt.date,
    end: dt.date,
    *,
    lat: float,
    lon: float,
    timezone: str = "Europe/Stockholm",
) -> float:
    """
    Share of the hours from `start` to `end` (both included) with the sun below the horizon.

    Use it to compare incident counts restricted to darkness with the time at risk, e.g. in
    the follow-up of a lighting upgrade.

    Parameters
    ----------
    start, end
        First and last local date of the period.
    lat, lon
        The place, in WGS 84 degrees.
    timezone
        IANA time zone of the dates.

    Returns
    -------
    share
        Dark hours ÷ all hours of the period, in [0, 1].

    Raises
    ------
    InputError
        If `end` is before `start`.
    """
    if end < start:
        msg = f"the period ends ({end}) before it starts ({start})"
        raise InputError(msg)
    days = pd.date_range(start, end, freq="D").date.tolist()
    table = sun_times(days, lat=lat, lon=lon, timezone=timezone)
    tz = zoneinfo.ZoneInfo(timezone)
    first = pd.Timestamp(dt.datetime.combine(start, dt.time(), tz))
    after = pd.Timestamp(dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tz))
    total_h = (after - first).total_seconds() / 3600.0
    return float(table["dark_h"].sum() / total_h)
