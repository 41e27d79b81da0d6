"""Public-transport stops, stations, routes and departures per hour from a GTFS feed.

:func:`load_gtfs` reads a feed (zip or folder) with gtfs-kit and returns a
:class:`TransitLayers` in the working CRS. Departures are counted on one service date (the
busiest by default) or averaged over a date range. :func:`validate_gtfs` runs the canonical
GTFS validator (the pure-Python ``gtfs-validator`` package) and returns its notices.
:func:`download_gtfs_regional` fetches a feed from Trafiklab's "GTFS Regional Static".
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import warnings
import zipfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

import geopandas as gpd
import gtfs_kit as gk
import pandas as pd
import pyproj
import requests
import shapely

from siteplan import settings
from siteplan.crs import parse_crs
from siteplan.errors import InputError, InputWarning, SourceUnavailableError
from siteplan.io._common import cap_text, require_in_area_of_use

__all__ = [
    "DAY_HOURS",
    "NIGHT_HOURS",
    "TransitLayers",
    "departures_per_stop",
    "download_gtfs_regional",
    "load_gtfs",
    "validate_gtfs",
]

log = logging.getLogger(__name__)

#: Hours (start of the hour) averaged into ``departures_per_hour``: 06:00-22:00.
DAY_HOURS: tuple[int, ...] = tuple(range(6, 22))
#: Hours averaged into ``night_departures_per_hour``: 22:00-06:00.
NIGHT_HOURS: tuple[int, ...] = (22, 23, 0, 1, 2, 3, 4, 5)

_REQUIRED_COLUMNS = {
    "stops": ("stop_id", "stop_lat", "stop_lon"),
    "routes": ("route_id", "route_type"),
    "trips": ("route_id", "service_id", "trip_id"),
    "stop_times": ("trip_id", "stop_id", "stop_sequence"),
}
_TRAFIKLAB_URL = "https://opendata.samtrafiken.se/gtfs/{operator}/{operator}.zip"
_SEVERITY_ORDER = {"ERROR": 0, "WARNING": 1, "INFO": 2}

ServiceDate = dt.date | str
ServiceDates = ServiceDate | tuple[ServiceDate, ServiceDate] | None


@dataclass(frozen=True)
class TransitLayers:
    """
    The transit layers siteplan needs, in the working CRS.

    Attributes
    ----------
    stops
        Boarding stops and platforms (``location_type`` 0 or empty), columns of
        ``schemas.LAYERS["stops"]``: index ``stop_id``, ``stop_name``, ``station_id`` (the
        parent station, or the stop's own id), ``route_ids`` (sorted tuple of the routes
        whose trips call there, on any date), ``departures_per_hour`` (mean over
        :data:`DAY_HOURS`), ``night_departures_per_hour`` (mean over :data:`NIGHT_HOURS`),
        ``geometry`` (Point).
    stations
        Parent stations (``location_type`` 1): index ``stop_id``, ``stop_name``, ``geometry``.
    routes
        Index ``route_id``, ``route_short_name``, ``route_long_name``, ``route_type``,
        ``geometry``: the union of the route's shapes, or straight lines between the stops
        of its most common stop sequence when the feed has no shapes; None for a route
        without trips.
    departures
        Index ``stop_id`` (like `stops`), columns 0..23: trips calling per hour, the mean
        over `service_dates`. Times past 24:00 count in hour ``h % 24``.
    service_dates
        The dates counted, ISO ``YYYY-MM-DD``; empty when departures are a proxy.
    feed
        The gtfs-kit feed; None for stops taken from OSM (no GTFS feed).
    notices
        The validator's notices when loaded with ``validate=True``, else None.
    departures_known
        True for a GTFS timetable; False when the stops come from OSM and departures are a
        proxy (see :mod:`siteplan.io.osm._transit`).
    """

    stops: gpd.GeoDataFrame
    stations: gpd.GeoDataFrame
    routes: gpd.GeoDataFrame
    departures: pd.DataFrame
    service_dates: tuple[str, ...]
    feed: gk.Feed | None
    notices: pd.DataFrame | None = field(default=None)
    departures_known: bool = True


# --------------------------------------------------------------------------- public API


def load_gtfs(
    path: str | Path,
    *,
    crs: str | int | pyproj.CRS = "EPSG:3006",
    service_date: ServiceDates = None,
    validate: bool = False,
    strict: bool = True,
) -> TransitLayers:
    """
    Load stops, stations, routes and departures per hour from a GTFS feed.

    Parameters
    ----------
    path
        A GTFS zip file or a folder of GTFS ``.txt`` tables.
    crs
        The working CRS (projected, in metres).
    service_date
        The day whose departures are counted: a date (or ``"YYYY-MM-DD"`` /
        ``"YYYYMMDD"``), or a ``(start, end)`` pair, inclusive, to average over every date
        of the calendar in that range. None picks the busiest date (most trips; the first
        one on a tie).
    validate
        Run the canonical GTFS validator first (see :func:`validate_gtfs`).
    strict
        With `validate`, raise if the validator reports errors; if False, log them and
        load anyway.

    Returns
    -------
    layers
        Stops, stations, routes, departures and the feed, in `crs`.

    Raises
    ------
    SourceUnavailableError
        If `path` does not exist.
    InputError
        If it is not a zip or folder, lacks a required table or column, has stops without
        coordinates, or the service date lies outside the calendar; with ``validate`` and
        `strict`, if the validator reports errors.
    CRSError
        If `crs` is geographic or unknown.
    """
    path = Path(path)
    target = parse_crs(crs, key="crs")
    _require_feed_path(path)
    notices = None
    if validate:
        notices = validate_gtfs(path)
        _check_notices(notices, path, strict=strict)
    feed = _read_feed(path)
    dates = _service_dates(feed, service_date, path)
    platforms, stations_raw = _split_stops(feed, path)
    require_in_area_of_use(
        pd.to_numeric(platforms["stop_lon"], errors="coerce").dropna(),
        pd.to_numeric(platforms["stop_lat"], errors="coerce").dropna(),
        target,
        source=f"inputs.gtfs ({path.name})",
    )
    departures = _departures(feed, dates, label=str(path)).reindex(
        platforms["stop_id"], fill_value=0.0
    )
    names = cap_text(_column(platforms, "stop_name"), what="stop names", source=str(path))
    stops_layer = _stops_layer(feed, platforms.assign(stop_name=names), departures, target)
    departures.index = stops_layer.index
    _warn_unknown_stops(feed, path)
    layers = TransitLayers(
        stops=stops_layer,
        stations=gpd.GeoDataFrame(
            {"stop_name": _text(_column(stations_raw, "stop_name")).to_numpy()},
            geometry=_points(stations_raw, target),
            index=pd.Index(stations_raw["stop_id"], name="stop_id", dtype="str"),
        ),
        routes=_routes_layer(feed, path, target),
        departures=departures,
        service_dates=tuple(_iso(d) for d in dates),
        feed=feed,
        notices=notices,
    )
    _log_loaded(layers, path)
    return layers


def _log_loaded(layers: TransitLayers, path: Path) -> None:
    """The one INFO line with the counts of a loaded feed."""
    dates = layers.service_dates
    log.info(
        "loaded GTFS: %d stops, %d stations, %d routes, %d trips, %.0f departures per day "
        "on %s from %s",
        len(layers.stops),
        len(layers.stations),
        len(layers.routes),
        0 if layers.feed is None else len(layers.feed.trips),
        float(layers.departures.to_numpy().sum()),
        dates[0] if len(dates) == 1 else f"{dates[0]}..{dates[-1]}",
        path,
    )


def _warn_unknown_stops(feed: gk.Feed, path: Path) -> None:
    """Warn with counts when stop_times.txt calls at stop_ids that stops.txt lacks."""
    known = set(feed.stops["stop_id"].astype("str"))
    called = feed.stop_times["stop_id"].astype("str")
    unknown = ~called.isin(known)
    if unknown.any():
        ids = sorted(set(called[unknown]))
        shown = ", ".join(map(repr, ids[:5])) + (
            f" and {len(ids) - 5} more" if len(ids) > 5 else ""
        )
        _warn(
            f"{path.name}: {int(unknown.sum())} of {len(called)} rows of stop_times.txt call "
            f"at {len(ids)} stop_id(s) missing from stops.txt ({shown}); those calls are "
            "ignored. Use a complete feed, or check it with `validate_gtfs`."
        )


def _split_stops(feed: gk.Feed, path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The feed's stops and platforms (location_type 0) and its stations (1), checked."""
    stops = feed.stops.copy()
    stops["stop_id"] = stops["stop_id"].astype("str")
    duplicated = sorted(set(stops.loc[stops["stop_id"].duplicated(), "stop_id"]))
    if duplicated:
        msg = (
            f"{path}: stops.txt repeats stop_id {', '.join(map(repr, duplicated[:5]))}"
            f"{' and more' if len(duplicated) > 5 else ''}; each stop_id must be unique."
        )
        raise InputError(msg)
    location = _location_types(stops)
    _require_coordinates(stops, location, path)
    platforms = stops[location == 0]
    if platforms.empty:
        msg = f"{path}: stops.txt has no stops or platforms (location_type 0 or empty)."
        raise InputError(msg)
    return platforms, stops[location == 1]


def _stops_layer(
    feed: gk.Feed, platforms: pd.DataFrame, departures: pd.DataFrame, target: pyproj.CRS
) -> gpd.GeoDataFrame:
    """The stops layer: name, station, routes and day/night departures per hour."""
    route_ids = _route_ids_per_stop(feed).reindex(platforms["stop_id"])
    parent = _column(platforms, "parent_station")
    station_id = parent.where(parent.notna() & (parent.astype("str") != ""), platforms["stop_id"])
    return gpd.GeoDataFrame(
        {
            "stop_name": _text(_column(platforms, "stop_name")).to_numpy(),
            "station_id": station_id.astype("str").to_numpy(),
            "route_ids": [r if isinstance(r, tuple) else () for r in route_ids],
            "departures_per_hour": departures[list(DAY_HOURS)].sum(axis=1).to_numpy()
            / len(DAY_HOURS),
            "night_departures_per_hour": departures[list(NIGHT_HOURS)].sum(axis=1).to_numpy()
            / len(NIGHT_HOURS),
        },
        geometry=_points(platforms, target),
        index=pd.Index(platforms["stop_id"], name="stop_id", dtype="str"),
    )


def departures_per_stop(feed: gk.Feed, dates: Iterable[ServiceDate]) -> pd.DataFrame:
    """
    Count the trips calling at each stop per hour, averaged over `dates`.

    Every stop time of a trip running on a date counts once (a terminus counts its
    arrivals), except stops where both boarding and alighting are impossible
    (``pickup_type`` and ``drop_off_type`` 1). The departure time is used, else the
    arrival time; missing times between two timed stops are interpolated. Times past
    24:00 count in hour ``h % 24`` of the same service date.

    Parameters
    ----------
    feed
        A gtfs-kit feed.
    dates
        Service dates (``datetime.date``, ``"YYYY-MM-DD"`` or ``"YYYYMMDD"``).

    Returns
    -------
    departures
        Index ``stop_id`` (every stop with ``location_type`` 0 or empty, in file order),
        columns 0..23, mean trips per hour over `dates`.

    Raises
    ------
    InputError
        If `dates` is empty or a date is malformed.
    """
    return _departures(feed, [_datestr(d) for d in dates], label="GTFS feed")


def _departures(feed: gk.Feed, days: list[str], *, label: str) -> pd.DataFrame:
    """`departures_per_stop` for YYYYMMDD `days`; `label` names the feed in warnings."""
    if not days:
        msg = "departures_per_stop: `dates` is empty; give at least one service date."
        raise InputError(msg)
    service_days: Counter[str] = Counter()
    for day in days:
        service_days.update(str(s) for s in gk.get_active_services(feed, day))
    trips = feed.trips[["trip_id", "service_id"]].astype("str")
    trip_days = trips.set_index("trip_id")["service_id"].map(service_days).astype("float64")
    trip_days = trip_days[~trip_days.index.duplicated()]
    running = trip_days[trip_days > 0]

    st = feed.stop_times.copy()
    st["trip_id"] = st["trip_id"].astype("str")
    st["stop_id"] = st["stop_id"].astype("str")
    st = st[st["trip_id"].isin(running.index)]
    if {"pickup_type", "drop_off_type"} <= set(st.columns):
        no_stop = (st["pickup_type"].fillna(0) == 1) & (st["drop_off_type"].fillna(0) == 1)
        st = st[~no_stop]
    seconds = _stop_time_seconds(st, label)
    keep = seconds.notna()
    hours = (seconds[keep] // 3600 % 24).astype("int64")
    weights = st.loc[keep, "trip_id"].map(running)
    counts = (
        pd.DataFrame({"stop_id": st.loc[keep, "stop_id"], "hour": hours, "w": weights})
        .groupby(["stop_id", "hour"])["w"]
        .sum()
        .unstack(fill_value=0.0)
        .reindex(columns=range(24), fill_value=0.0)
    )
    stops = feed.stops.copy()
    stops["stop_id"] = stops["stop_id"].astype("str")
    index = pd.Index(stops.loc[_location_types(stops) == 0, "stop_id"], name="stop_id")
    table = counts.reindex(index, fill_value=0.0).astype("float64") / len(days)
    table.columns = pd.Index(range(24), name="hour")
    return table


def validate_gtfs(path: str | Path, *, validation_date: dt.date | None = None) -> pd.DataFrame:
    """
    Run the canonical GTFS validator on a feed and return its notices.

    Uses the pure-Python ``gtfs-validator`` package (the MobilityData rule set), run as
    ``python -m gtfs_validator.cli -i FEED -o OUT`` in a subprocess; its ``report.json``
    and ``system_errors.json`` are read back.

    Parameters
    ----------
    path
        A GTFS zip file or folder.
    validation_date
        The date rules such as "expired calendar" compare with; default today.

    Returns
    -------
    notices
        One row per notice code: ``code``, ``severity`` ("ERROR", "WARNING", "INFO"),
        ``count`` and ``sample`` (the first sample notice, a dict), errors first.

    Raises
    ------
    SourceUnavailableError
        If `path` does not exist.
    InputError
        If the validator cannot open the feed at all.
    ImportError
        If gtfs-validator is not installed.
    """
    path = Path(path)
    _require_feed_path(path)
    if importlib.util.find_spec("gtfs_validator") is None:
        msg = "validate_gtfs needs gtfs-validator: `pip install gtfs-validator`."
        raise ImportError(msg)
    with tempfile.TemporaryDirectory(prefix="siteplan-gtfs-") as out:
        cmd = [sys.executable, "-m", "gtfs_validator.cli", "-i", str(path), "-o", out]
        if validation_date is not None:
            cmd += ["-d", validation_date.isoformat()]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=3600)
        report_file = Path(out) / "report.json"
        if proc.returncode != 0 or not report_file.is_file():
            detail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
            msg = (
                f"{path}: the GTFS validator could not open the feed (exit code "
                f"{proc.returncode}): {' '.join(detail) or 'no message'}. Check that it is a "
                "GTFS zip or folder."
            )
            raise InputError(msg)
        found = json.loads(report_file.read_text(encoding="utf-8")).get("notices", [])
        system_file = Path(out) / "system_errors.json"
        if system_file.is_file():
            system = json.loads(system_file.read_text(encoding="utf-8"))
            found += system.get("notices", [])
    rows = [
        {
            "code": n["code"],
            "severity": n["severity"],
            "count": int(n.get("totalNotices", 1)),
            "sample": (n.get("sampleNotices") or [None])[0],
        }
        for n in found
    ]
    notices = pd.DataFrame(rows, columns=["code", "severity", "count", "sample"])
    rank = notices["severity"].map(_SEVERITY_ORDER).fillna(3)
    notices = notices.assign(_rank=rank).sort_values(["_rank", "code"], kind="stable")
    notices = notices.drop(columns="_rank").reset_index(drop=True)
    totals = notices.groupby("severity")["count"].sum()
    log.info(
        "validated GTFS %s: %d errors, %d warnings, %d infos (%d notice codes)",
        path,
        int(totals.get("ERROR", 0)),
        int(totals.get("WARNING", 0)),
        int(totals.get("INFO", 0)),
        len(notices),
    )
    return notices


def download_gtfs_regional(
    operator: str = "otraf", *, key: str | None = None, dest: str | Path | None = None
) -> Path:
    """
    Download an operator's feed from Trafiklab's GTFS Regional Static (CC0).

    The file is cached as ``settings.cache_folder / "gtfs" / "{operator}-{YYYY-MM-DD}.zip"``;
    a feed already downloaded today is reused without a request.

    Parameters
    ----------
    operator
        Trafiklab's operator abbreviation, e.g. "otraf" (Östgötatrafiken).
    key
        Trafiklab API key for GTFS Regional Static; default ``$TRAFIKLAB_API_KEY``.
    dest
        Where to copy the zip; default: return the cached file.

    Returns
    -------
    path
        The downloaded (or cached) zip file.

    Raises
    ------
    SourceUnavailableError
        If ``settings.offline`` is True, no API key is given, or the download fails.
    InputError
        If `operator` is not a plain abbreviation.
    """
    if not re.fullmatch(r"[a-z0-9_]+", operator):
        msg = f"operator {operator!r} is not a Trafiklab operator abbreviation such as 'otraf'."
        raise InputError(msg)
    cached = Path(settings.cache_folder) / "gtfs" / f"{operator}-{dt.date.today().isoformat()}.zip"
    if not (cached.is_file() and zipfile.is_zipfile(cached)):
        _fetch_trafiklab(operator, key, cached)
    else:
        log.info("using GTFS %s downloaded today: %s", operator, cached)
    if dest is None:
        return cached
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(cached, dest)
    return dest


# --------------------------------------------------------------------------- reading


def _warn(msg: str) -> None:
    """Warn with InputWarning, pointing at the first caller outside this module."""
    level = 2
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and frame.f_globals.get("__name__") == __name__:
        frame, level = frame.f_back, level + 1
    warnings.warn(msg, InputWarning, stacklevel=level)


def _require_feed_path(path: Path) -> None:
    if not path.exists():
        msg = (
            f"GTFS feed {path} does not exist. Check `inputs.gtfs` in the scenario, or "
            "download it with `siteplan fetch gtfs` (download_gtfs_regional)."
        )
        raise SourceUnavailableError(msg)
    if path.is_file() and not zipfile.is_zipfile(path):
        msg = (
            f"{path}: not a zip file or a folder. A GTFS feed is a .zip (or a folder) of "
            ".txt tables: stops.txt, routes.txt, trips.txt, stop_times.txt, calendar.txt."
        )
        raise InputError(msg)


def _read_feed(path: Path) -> gk.Feed:
    try:
        feed = gk.read_feed(path)
    except (ValueError, KeyError, TypeError, UnicodeDecodeError, zipfile.BadZipFile) as err:
        msg = f"{path}: cannot read the GTFS tables ({err}). Run validate_gtfs() for details."
        raise InputError(msg) from err
    missing = [t for t in _REQUIRED_COLUMNS if getattr(feed, t) is None]
    if missing:
        tables = ("agency", "calendar", "calendar_dates", *_REQUIRED_COLUMNS)
        found = [f"{t}.txt" for t in tables if getattr(feed, t) is not None]
        msg = (
            f"{path}: missing or empty table(s) {', '.join(t + '.txt' for t in missing)}; "
            f"found {', '.join(found) or 'no GTFS tables'}. A GTFS feed needs stops.txt, "
            "routes.txt, trips.txt and stop_times.txt."
        )
        raise InputError(msg)
    for table, columns in _REQUIRED_COLUMNS.items():
        frame = getattr(feed, table)
        lacking = [c for c in columns if c not in frame.columns]
        if lacking:
            msg = (
                f"{path}: {table}.txt lacks column(s) {lacking}; found {list(frame.columns)}. "
                "Check the header row of that file."
            )
            raise InputError(msg)
    if feed.calendar is None and feed.calendar_dates is None:
        msg = (
            f"{path}: no calendar.txt or calendar_dates.txt, so the days trips run on are "
            "unknown. Use a complete GTFS feed."
        )
        raise InputError(msg)
    if feed.frequencies is not None and not feed.frequencies.empty:
        feed = gk.expand_frequencies(feed)  # headway trips become ordinary trips
    return feed


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame.columns:
        return frame[name]
    return pd.Series(pd.NA, index=frame.index, dtype="object")


def _text(values: pd.Series) -> pd.Series:
    """Strings, with None for missing values."""
    return values.astype(object).where(values.notna(), None)


def _location_types(stops: pd.DataFrame) -> pd.Series:
    return pd.to_numeric(_column(stops, "location_type"), errors="coerce").fillna(0).astype(int)


def _require_coordinates(stops: pd.DataFrame, location: pd.Series, path: Path) -> None:
    lat = pd.to_numeric(stops["stop_lat"], errors="coerce")
    lon = pd.to_numeric(stops["stop_lon"], errors="coerce")
    located = location.isin([0, 1, 2])  # stops, stations and entrances need coordinates
    bad = located & (lat.isna() | lon.isna() | (lat.abs() > 90) | (lon.abs() > 180))
    if bad.any():
        ids = stops.loc[bad, "stop_id"].tolist()
        shown = ", ".join(map(repr, ids[:5])) + (
            f" and {len(ids) - 5} more" if len(ids) > 5 else ""
        )
        msg = (
            f"{path}: stops.txt has {len(ids)} stop(s) without valid stop_lat/stop_lon: "
            f"{shown}. Stops, platforms and stations need coordinates in degrees; fix the "
            "feed or remove those stops."
        )
        raise InputError(msg)


def _points(stops: pd.DataFrame, target: pyproj.CRS) -> gpd.GeoSeries:
    lon = pd.to_numeric(stops["stop_lon"], errors="coerce").to_numpy(dtype=float)
    lat = pd.to_numeric(stops["stop_lat"], errors="coerce").to_numpy(dtype=float)
    return gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs="EPSG:4326").to_crs(target).values


def _route_ids_per_stop(feed: gk.Feed) -> pd.Series:
    calls = feed.stop_times[["trip_id", "stop_id"]].astype("str").drop_duplicates()
    trips = feed.trips[["trip_id", "route_id"]].astype("str")
    pairs = calls.merge(trips, on="trip_id")[["stop_id", "route_id"]].drop_duplicates()
    return pairs.groupby("stop_id")["route_id"].agg(lambda r: tuple(sorted(r)))


def _stop_time_seconds(st: pd.DataFrame, label: str) -> pd.Series:
    """Seconds after midnight of each stop time, interpolated within its trip when missing."""
    dep = _parse_times(_column(st, "departure_time"))
    arr = _parse_times(_column(st, "arrival_time"))
    seconds = dep.fillna(arr)
    if seconds.isna().any():
        order = pd.DataFrame(
            {
                "trip": st["trip_id"],
                "seq": pd.to_numeric(st["stop_sequence"], errors="coerce"),
                "t": seconds,
            }
        ).sort_values(["trip", "seq"], kind="stable")
        # linear in stop position between the previous and the next timed stop of the trip
        trip = order["trip"]
        pos = order.groupby("trip", sort=False).cumcount().astype("float64")
        timed_pos = pos.where(order["t"].notna())
        t0 = order["t"].groupby(trip, sort=False).ffill()
        t1 = order["t"].groupby(trip, sort=False).bfill()
        p0 = timed_pos.groupby(trip, sort=False).ffill()
        p1 = timed_pos.groupby(trip, sort=False).bfill()
        between = t0 + (t1 - t0) * (pos - p0) / (p1 - p0)
        seconds = order["t"].fillna(between).reindex(st.index)
        n_left = int(seconds.isna().sum())
        if n_left:
            _warn(
                f"{label}: {n_left} stop times have no usable time (missing or malformed, and not "
                "between two timed stops of their trip); they are not counted."
            )
    return seconds


def _parse_times(values: pd.Series) -> pd.Series:
    """GTFS "H:MM:SS" (hours may pass 24) to seconds; NaN when missing or malformed."""
    parts = values.astype("string").str.strip().str.extract(r"^(\d{1,3}):(\d\d):(\d\d)$")
    parts = parts.astype("float64")
    return parts[0] * 3600 + parts[1] * 60 + parts[2]


# --------------------------------------------------------------------------- service dates


def _datestr(value: ServiceDate) -> str:
    """A date as GTFS's YYYYMMDD string."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.strftime("%Y%m%d")
    text = str(value).strip()
    for fmt in ("%Y-%m-%d", "%Y%m%d"):
        try:
            return dt.datetime.strptime(text, fmt).strftime("%Y%m%d")
        except ValueError:
            continue
    msg = f"service date {value!r} is not a date; use YYYY-MM-DD, e.g. '2024-06-03'."
    raise InputError(msg)


def _iso(day: str) -> str:
    return f"{day[:4]}-{day[4:6]}-{day[6:]}"


def _trips_per_date(feed: gk.Feed, days: Sequence[str]) -> pd.Series:
    per_service = feed.trips["service_id"].astype("str").value_counts()
    counts = {
        day: int(per_service.reindex([str(s) for s in gk.get_active_services(feed, day)]).sum())
        for day in days
    }
    return pd.Series(counts, dtype="int64")


def _service_dates(feed: gk.Feed, service_date: ServiceDates, path: Path) -> list[str]:
    """The YYYYMMDD dates to count, checked against the feed's calendar."""
    feed_days = feed.get_dates()
    if not feed_days:
        msg = f"{path}: calendar.txt and calendar_dates.txt give no dates; the feed is empty."
        raise InputError(msg)
    span = f"the feed's calendar runs {_iso(feed_days[0])} to {_iso(feed_days[-1])}"
    if service_date is None:
        counts = _trips_per_date(feed, feed_days)
        if counts.max() == 0:
            msg = f"{path}: no trips run on any date of the calendar ({span})."
            raise InputError(msg)
        return [str(counts.idxmax())]  # the first date with the most trips
    if isinstance(service_date, tuple | list):
        if len(service_date) != 2:
            msg = f"service_date range must be (start, end), got {service_date!r}."
            raise InputError(msg)
        start, end = (_datestr(d) for d in service_date)
        if start > end:
            msg = f"service_date range starts {_iso(start)}, after its end {_iso(end)}."
            raise InputError(msg)
        days = [d for d in feed_days if start <= d <= end]
        asked = f"{_iso(start)} to {_iso(end)}"
    else:
        day = _datestr(service_date)
        days = [day] if day in feed_days else []
        asked = _iso(day)
    if not days:
        msg = (
            f"{path}: service date {asked} is outside the calendar; {span}. Set "
            "`inputs.gtfs_service_date` inside that range, or leave it out to use the "
            "busiest date."
        )
        raise InputError(msg)
    counts = _trips_per_date(feed, days)
    idle = [_iso(d) for d, n in counts.items() if n == 0]
    if idle:
        _warn(f"{path}: no trips run on {', '.join(idle)}; departures there count as 0.")
    return days


# --------------------------------------------------------------------------- routes


def _routes_layer(feed: gk.Feed, path: Path, target: pyproj.CRS) -> gpd.GeoDataFrame:
    routes = feed.routes.copy()
    routes["route_id"] = routes["route_id"].astype("str")
    geoms = _shape_geometries(feed)
    trips = feed.trips.astype({"route_id": "str"})
    with_trips = set(trips["route_id"])
    lacking = sorted(r for r in routes["route_id"] if r in with_trips and r not in geoms)
    if lacking:
        why = (
            "has no shapes.txt"
            if feed.shapes is None
            else f"has no shape for {len(lacking)} routes ({', '.join(lacking[:5])})"
        )
        _warn(
            f"{path}: the feed {why}; those route lines are drawn straight between the stops "
            "of each route's most common stop sequence."
        )
        geoms |= _stop_sequence_geometries(feed, lacking)
    geometry = gpd.GeoSeries([geoms.get(r) for r in routes["route_id"]], crs="EPSG:4326").to_crs(
        target
    )
    return gpd.GeoDataFrame(
        {
            "route_short_name": _text(_column(routes, "route_short_name")).to_numpy(),
            "route_long_name": _text(_column(routes, "route_long_name")).to_numpy(),
            "route_type": pd.to_numeric(routes["route_type"], errors="coerce")
            .astype("Int64")
            .to_numpy(),
        },
        geometry=geometry.values,
        index=pd.Index(routes["route_id"], name="route_id", dtype="str"),
    )


def _shape_geometries(feed: gk.Feed) -> dict[str, Any]:
    """Route id -> merged line of the shapes its trips use (EPSG:4326)."""
    if feed.shapes is None or "shape_id" not in feed.trips.columns:
        return {}
    shapes = gk.geometrize_shapes(feed.shapes)
    by_shape = {
        str(s): g
        for s, g in zip(shapes["shape_id"], shapes.geometry, strict=True)
        if g is not None and g.geom_type == "LineString"
    }
    pairs = (
        feed.trips[["route_id", "shape_id"]]
        .dropna()
        .astype("str")
        .drop_duplicates()
        .sort_values(["route_id", "shape_id"])
    )
    out: dict[str, Any] = {}
    for route_id, group in pairs.groupby("route_id", sort=True):
        lines = [by_shape[s] for s in group["shape_id"] if s in by_shape]
        if lines:
            out[str(route_id)] = _merge_lines(lines)
    return out


def _stop_sequence_geometries(feed: gk.Feed, route_ids: Sequence[str]) -> dict[str, Any]:
    """Route id -> line through the stops of its most common stop sequence (EPSG:4326)."""
    trips = feed.trips[["trip_id", "route_id"]].astype("str")
    trips = trips[trips["route_id"].isin(route_ids)]
    st = feed.stop_times[["trip_id", "stop_id", "stop_sequence"]].copy()
    st = st.astype({"trip_id": "str", "stop_id": "str"})
    st = st[st["trip_id"].isin(trips["trip_id"])]
    st["seq"] = pd.to_numeric(st["stop_sequence"], errors="coerce")
    st = st.sort_values(["trip_id", "seq"], kind="stable")
    patterns = st.groupby("trip_id")["stop_id"].agg(tuple)
    stops = feed.stops.astype({"stop_id": "str"}).set_index("stop_id")
    lon = pd.to_numeric(stops["stop_lon"], errors="coerce")
    lat = pd.to_numeric(stops["stop_lat"], errors="coerce")
    out: dict[str, Any] = {}
    for route_id, group in trips.groupby("route_id", sort=True):
        counts = Counter(patterns.reindex(group["trip_id"]).dropna())
        if not counts:
            continue
        best = min(counts, key=lambda p: (-counts[p], p))  # most trips, then the smallest
        coords = [(lon[s], lat[s]) for s in best if s in lon.index and pd.notna(lon[s])]
        if len(set(coords)) >= 2:
            out[str(route_id)] = shapely.LineString(coords)
    return out


def _merge_lines(lines: list[Any]) -> Any:
    """One (Multi)LineString from overlapping shapes; a shared stretch appears once."""
    if len(lines) == 1:
        return lines[0]
    return shapely.line_merge(shapely.union_all(lines))


# --------------------------------------------------------------------------- validation, download


def _check_notices(notices: pd.DataFrame, path: Path, *, strict: bool) -> None:
    errors = notices[notices["severity"] == "ERROR"]
    if errors.empty:
        return
    listed = ", ".join(f"{c} ({n})" for c, n in zip(errors["code"], errors["count"], strict=True))
    msg = (
        f"{path}: the GTFS validator found {int(errors['count'].sum())} errors: {listed}. "
        f"Fix the feed (run `gtfs-validator -i {path} -o report/` for the full report), or "
        "load it anyway with strict=False."
    )
    if strict:
        raise InputError(msg)
    log.warning(msg)


def _fetch_trafiklab(operator: str, key: str | None, target: Path) -> None:
    url = _TRAFIKLAB_URL.format(operator=operator)
    if settings.offline:
        msg = (
            f"Cannot download {url}: siteplan.settings.offline is True. Download it online "
            f"first (it is cached in {target.parent}), or point `inputs.gtfs` at a local zip."
        )
        raise SourceUnavailableError(msg)
    key = key or os.environ.get("TRAFIKLAB_API_KEY")
    if not key:
        msg = (
            f"Cannot download {url}: no Trafiklab API key. Pass key=... or set "
            "TRAFIKLAB_API_KEY; get a free key for 'GTFS Regional Static' at "
            "https://developer.trafiklab.se."
        )
        raise SourceUnavailableError(msg)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".part")
    try:
        with requests.get(
            url, params={"key": key}, stream=True, timeout=settings.requests_timeout_s
        ) as response:
            response.raise_for_status()
            with tmp.open("wb") as f:
                for chunk in response.iter_content(chunk_size=1 << 20):
                    f.write(chunk)
    except requests.RequestException as err:
        tmp.unlink(missing_ok=True)
        detail = str(err).replace(key, "***")  # never log the key
        msg = f"Download of {url} failed: {detail}. Check the API key and the network."
        raise SourceUnavailableError(msg) from err
    if not zipfile.is_zipfile(tmp):
        tmp.unlink(missing_ok=True)
        msg = f"{url} did not return a zip file; check the operator name and the API key."
        raise SourceUnavailableError(msg)
    os.replace(tmp, target)
    log.info("downloaded GTFS %s to %s (%d bytes)", operator, target, target.stat().st_size)
