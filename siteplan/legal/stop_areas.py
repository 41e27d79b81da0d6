"""Stop areas: the stop layer, the stop-area polygons of served stops, the nearest stop."""

from __future__ import annotations

import logging
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from siteplan.crs import require_projected
from siteplan.errors import InputError, InputWarning
from siteplan.legal._common import is_missing, require_columns

log = logging.getLogger(__name__)

_STOPS_HINT = "Load the stops through siteplan.io.gtfs."

STOP_COLUMNS = ("stop_name", "station_id", "route_ids", "geometry")


def nearest_stops(geoms: gpd.GeoSeries, stops: gpd.GeoDataFrame) -> pd.DataFrame:
    """Nearest stop of each geometry: stop_id, station_id, stop_name, distance_m (ties: id)."""
    n = len(geoms)
    near = pd.DataFrame(
        {
            "stop_id": [None] * n,
            "station_id": [None] * n,
            "stop_name": [None] * n,
            "distance_m": np.full(n, np.inf),
        },
        dtype=object,
    )
    near["distance_m"] = near["distance_m"].astype(float)
    if stops.empty or n == 0:
        return near
    (left, right), dist = stops.sindex.nearest(geoms.values, return_all=True, return_distance=True)
    # stops are sorted by stop_id, so the tree position breaks distance ties by id.
    order = np.lexsort((right, dist, left))
    left, right, dist = left[order], right[order], dist[order]
    first = np.concatenate([[True], left[1:] != left[:-1]])
    left, right, dist = left[first], right[first], dist[first]
    near.loc[left, "stop_id"] = stops.index.to_numpy()[right]
    near.loc[left, "station_id"] = stops["station_id"].astype(str).to_numpy()[right]
    near.loc[left, "stop_name"] = stops["stop_name"].to_numpy()[right]
    near.loc[left, "distance_m"] = dist
    return near


#: Columns of the stop-area layer :func:`stop_areas` returns (index ``station_id``).
STOP_AREA_COLUMNS = ("stop_name", "stop_ids", "n_platforms", "radius_m", "area_m2", "geometry")


def served_stops(stops: gpd.GeoDataFrame, departures: pd.DataFrame | None = None) -> pd.Series:
    """
    Whether each stop is served: at least one departure in the service period.

    Parameters
    ----------
    stops
        Stops indexed by ``stop_id``; ``departures_per_hour`` and
        ``night_departures_per_hour`` (see :class:`siteplan.io.gtfs.TransitLayers`) are used
        when `departures` is None; without them a stop is served when it has ``route_ids``.
    departures
        Trips calling per hour (index ``stop_id``, one column per hour), or None.

    Returns
    -------
    served
        Boolean Series indexed like `stops`, named "served".
    """
    if departures is not None:
        counts = departures.reindex(stops.index).fillna(0.0).to_numpy(dtype=float).sum(axis=1)
        return pd.Series(counts > 0, index=stops.index, name="served")
    if {"departures_per_hour", "night_departures_per_hour"} <= set(stops.columns):
        total = stops["departures_per_hour"].fillna(0.0) + stops[
            "night_departures_per_hour"
        ].fillna(0.0)
        return pd.Series(total.to_numpy() > 0, index=stops.index, name="served")
    if "route_ids" in stops:
        has = [not is_missing(r) and len(r) > 0 for r in stops["route_ids"]]
        return pd.Series(has, index=stops.index, dtype=bool, name="served")
    return pd.Series(True, index=stops.index, name="served")


def stop_areas(
    stops: gpd.GeoDataFrame,
    *,
    radius_m: float,
    departures: pd.DataFrame | None = None,
) -> gpd.GeoDataFrame:
    """
    Stop-area polygons: a disc of `radius_m` around every platform of a served stop, per station.

    The statute (11 § 5 b KBL) names "stations-, terminal- eller hållplatsområde" and gives no
    distance: the radius is an assumption (``legal.stop_area_radius_m``). Only served stops
    (at least one departure, see :func:`served_stops`) are "avsett för resande"; unserved
    stops are left out with an :class:`~siteplan.errors.InputWarning` that counts and lists
    them.

    Parameters
    ----------
    stops
        Stops indexed by ``stop_id`` with ``stop_name``, ``station_id`` and Point geometry in
        a projected CRS.
    radius_m
        Radius of the disc around each platform, in metres (> 0).
    departures
        Trips per hour per stop (:attr:`siteplan.io.gtfs.TransitLayers.departures`), or None
        to use the departure columns of `stops`.

    Returns
    -------
    areas
        One row per station with a served platform, index ``station_id`` (sorted), columns
        :data:`STOP_AREA_COLUMNS`: ``stop_name`` (of the first platform), ``stop_ids``
        (comma-joined platform ids), ``n_platforms``, ``radius_m``, ``area_m2`` and the
        (Multi)Polygon, in the CRS of `stops`.

    Raises
    ------
    CRSError
        If `stops` is unprojected.
    InputError
        If `radius_m` is not positive or a column is missing.
    """
    require_projected(stops, "stops")
    require_columns(stops, ("stop_name", "station_id", "geometry"), "stops", _STOPS_HINT)
    if not radius_m > 0:
        msg = f"radius_m must be > 0 metres; got {radius_m!r}. Set legal.stop_area_radius_m."
        raise InputError(msg)
    served = served_stops(stops, departures)
    unserved = stops.index[~served.to_numpy()]
    if len(unserved):
        listed = ", ".join(str(s) for s in sorted(unserved)[:10])
        more = f" and {len(unserved) - 10} more" if len(unserved) > 10 else ""
        msg = (
            f"{len(unserved)} of {len(stops)} stops have no departures in the service period "
            f"and make no stop area (assumption: only served stops are 'avsett för resande'): "
            f"{listed}{more}."
        )
        warnings.warn(msg, InputWarning, stacklevel=2)
    live = stops[served.to_numpy()].sort_index()
    if live.empty:
        return _empty_areas(stops.crs)
    discs = shapely.buffer(live.geometry.to_numpy(), radius_m, quad_segs=16)
    station = live["station_id"].astype(str).to_numpy()
    rows = []
    for sid in sorted(set(station)):
        at = station == sid
        geom = shapely.union_all(discs[at])
        rows.append(
            {
                "station_id": sid,
                "stop_name": live["stop_name"].to_numpy()[at][0],
                "stop_ids": ",".join(live.index.to_numpy(dtype=str)[at]),
                "n_platforms": int(at.sum()),
                "radius_m": float(radius_m),
                "area_m2": float(geom.area),
                "geometry": geom,
            }
        )
    out = gpd.GeoDataFrame(rows, geometry="geometry", crs=stops.crs).set_index("station_id")
    log.info(
        "stop areas: %d stations from %d served platforms (radius %g m); %d unserved stops",
        len(out),
        len(live),
        radius_m,
        len(unserved),
    )
    return out


def _empty_areas(crs: object) -> gpd.GeoDataFrame:
    frame = gpd.GeoDataFrame(
        {c: pd.Series(dtype=object) for c in STOP_AREA_COLUMNS if c != "geometry"},
        geometry=gpd.GeoSeries([], crs=crs),
        crs=crs,
    )
    frame.index = pd.Index([], name="station_id", dtype=str)
    return frame
