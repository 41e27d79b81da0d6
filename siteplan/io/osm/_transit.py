"""Stops and routes from OpenStreetMap, for a town without a GTFS feed.

Stops are the ``highway=bus_stop`` and ``public_transport=platform`` features of the OSM
layers; ``public_transport=stop_position`` nodes (read from XML files) add the routes that
stop there to the nearest platform within :data:`STOP_POSITION_RADIUS_M`, or become stops of
their own when no platform is that close. Routes come from ``type=route`` relations
(``route`` in :data:`TRANSIT_ROUTES`); their line runs through their stops in relation order.

OSM has no timetable, so departures are unknown. Footfall falls back to a proxy:
:data:`PROXY_DAY_DEPARTURES_PER_ROUTE` departures per hour by day (06-22) and
:data:`PROXY_NIGHT_DEPARTURES_PER_ROUTE` by night for every route that calls at a stop, and
one route for a stop that no route relation lists (a mapped stop is taken as served). The
proxy ranks stops by the number of routes; it says nothing about how often buses run, so a
GTFS feed, when there is one, gives a better footfall.
"""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from siteplan.io.gtfs import DAY_HOURS, NIGHT_HOURS, TransitLayers
from siteplan.io.osm._layers import OsmLayers, warn
from siteplan.io.osm._xml import XML_SUFFIXES, iter_elements

__all__ = [
    "PROXY_DAY_DEPARTURES_PER_ROUTE",
    "PROXY_NIGHT_DEPARTURES_PER_ROUTE",
    "STOP_POSITION_RADIUS_M",
    "TRANSIT_ROUTES",
    "transit_from_osm",
]

log = logging.getLogger(__name__)

#: Departures per hour by day (06-22) assumed for each route calling at a stop.
PROXY_DAY_DEPARTURES_PER_ROUTE = 2.0
#: Departures per hour by night (22-06) assumed for each route calling at a stop.
PROXY_NIGHT_DEPARTURES_PER_ROUTE = 0.5
#: A stop position lends its routes to the nearest platform within this distance (metres).
STOP_POSITION_RADIUS_M = 40.0
#: ``route`` values of the relations read as public-transport routes.
TRANSIT_ROUTES = frozenset(
    {"bus", "trolleybus", "tram", "train", "subway", "light_rail", "ferry", "monorail"}
)
_ROUTE_TYPES = {"tram": 0, "subway": 1, "train": 2, "bus": 3, "ferry": 4, "trolleybus": 11}


@dataclass
class _OsmTransit:
    """What the XML stream found: stop positions and route relations."""

    positions: dict[str, tuple[float, float, str | None]] = field(default_factory=dict)
    """``node/ID`` -> (lon, lat, name) of every ``public_transport=stop_position`` node."""
    routes: dict[str, dict[str, str]] = field(default_factory=dict)
    """``relation/ID`` -> tags of every transit route relation."""
    members: dict[str, list[str]] = field(default_factory=dict)
    """``relation/ID`` -> its stop and platform members (``node/ID``, ``way/ID``), in order."""


def transit_from_osm(source: str | Path, layers: OsmLayers, *, crs: pyproj.CRS) -> TransitLayers:
    """
    Build the transit layers from OSM stops and route relations (no GTFS feed).

    Parameters
    ----------
    source
        The OSM file `layers` came from; an XML file also gives stop positions and route
        relations, other formats give the stops of `layers` only (one proxy route each).
    layers
        The loaded OSM layers (their ``bus_stops``).
    crs
        The working CRS of `layers`.

    Returns
    -------
    transit
        Stops with proxy departures (see the module docstring), routes from the relations,
        ``departures`` per hour from the proxy, no stations and no feed;
        ``departures_known`` is False.

    Warns
    -----
    InputWarning
        Always: the stops come from OSM and departures are a proxy (with the counts).
    """
    path = Path(source)
    found = _read_xml(path) if path.name.lower().endswith(XML_SUFFIXES) else _OsmTransit()
    stops = _stops(layers.bus_stops, found, crs)
    calls = _member_stops(stops, found, crs)
    route_ids = _route_ids(stops, calls)
    n_routes = np.array([max(1, len(r)) for r in route_ids], dtype=float)
    stops["route_ids"] = route_ids
    stops["departures_per_hour"] = n_routes * PROXY_DAY_DEPARTURES_PER_ROUTE
    stops["night_departures_per_hour"] = n_routes * PROXY_NIGHT_DEPARTURES_PER_ROUTE
    stops = stops[["stop_name", "station_id", "route_ids", "departures_per_hour",
                   "night_departures_per_hour", "geometry"]]  # fmt: skip
    departures = pd.DataFrame(0.0, index=stops.index, columns=list(range(24)))
    departures[list(DAY_HOURS)] = np.repeat(stops[["departures_per_hour"]].to_numpy(), 16, 1)
    departures[list(NIGHT_HOURS)] = np.repeat(
        stops[["night_departures_per_hour"]].to_numpy(), len(NIGHT_HOURS), 1
    )
    routes = _routes_layer(stops, found, calls, crs)
    n_listed = sum(1 for r in route_ids if r)
    warn(
        f"no GTFS feed (inputs.gtfs): {len(stops)} stops taken from OSM ({n_listed} on "
        f"{len(routes)} route relations, {len(stops) - n_listed} on none). Departures are "
        f"unknown, so footfall uses a proxy of {PROXY_DAY_DEPARTURES_PER_ROUTE:g} departures "
        f"per hour by day and {PROXY_NIGHT_DEPARTURES_PER_ROUTE:g} by night per route (one "
        "route for a stop on none), and every mapped stop counts as served. Set inputs.gtfs "
        "to a feed for real departures."
    )
    log.info("stops from OSM: %d stops, %d routes from %s", len(stops), len(routes), path.name)
    return TransitLayers(
        stops=stops,
        stations=gpd.GeoDataFrame(
            {"stop_name": pd.Series([], dtype=object)},
            geometry=gpd.GeoSeries([], crs=crs),
            index=pd.Index([], dtype="str", name="stop_id"),
        ),
        routes=routes,
        departures=departures,
        service_dates=(),
        feed=None,
        departures_known=False,
    )


def _read_xml(path: Path) -> _OsmTransit:
    """Stream `path` for stop positions and transit route relations."""
    found = _OsmTransit()
    for elem in iter_elements(path):
        if elem.tag == "node":
            tags = _tags(elem)
            if tags.get("public_transport") == "stop_position":
                a = elem.attrib
                found.positions[f"node/{a['id']}"] = (
                    float(a["lon"]), float(a["lat"]), tags.get("name")
                )  # fmt: skip
        elif elem.tag == "relation":
            tags = _tags(elem)
            if tags.get("type") == "route" and tags.get("route") in TRANSIT_ROUTES:
                rid = f"relation/{elem.attrib['id']}"
                found.routes[rid] = tags
                found.members[rid] = [
                    f"{m.attrib['type']}/{m.attrib['ref']}"
                    for m in elem.iter("member")
                    if m.get("type") in {"node", "way"}
                    and (m.get("role") or "").split("_")[0] in {"stop", "platform", ""}
                ]
    return found


def _tags(elem: ET.Element) -> dict[str, str]:
    return {t.attrib["k"]: t.attrib["v"] for t in elem.iter("tag")}


def _stops(bus_stops: gpd.GeoDataFrame, found: _OsmTransit, crs: pyproj.CRS) -> gpd.GeoDataFrame:
    """Platforms, plus stop positions with no platform within the radius; named, with station."""
    platforms = gpd.GeoDataFrame(
        {"stop_name": bus_stops["name"].to_numpy()},
        geometry=bus_stops.geometry.to_numpy(),
        index=pd.Index(bus_stops.index.astype(str), name="stop_id"),
        crs=crs,
    )
    positions = _positions(found, crs)
    if len(positions) and len(platforms):
        near = platforms.sindex.query(
            positions.geometry, predicate="dwithin", distance=STOP_POSITION_RADIUS_M
        )[0]
        positions = positions[~np.isin(np.arange(len(positions)), near)]
    stops = pd.concat([platforms, positions]) if len(positions) else platforms
    stops = gpd.GeoDataFrame(stops, geometry="geometry", crs=crs).sort_index()
    stops["stop_name"] = stops["stop_name"].astype(object).where(stops["stop_name"].notna(), None)
    stops["station_id"] = stops.index.to_numpy()
    return stops


def _positions(found: _OsmTransit, crs: pyproj.CRS) -> gpd.GeoDataFrame:
    """The stop positions as points in `crs`, index ``node/ID``."""
    ids = sorted(found.positions)
    lon = [found.positions[i][0] for i in ids]
    lat = [found.positions[i][1] for i in ids]
    return gpd.GeoDataFrame(
        {"stop_name": [found.positions[i][2] for i in ids]},
        geometry=gpd.points_from_xy(lon, lat, crs="EPSG:4326").to_crs(crs),
        index=pd.Index(ids, dtype="str", name="stop_id"),
    )


def _member_stops(
    stops: gpd.GeoDataFrame, found: _OsmTransit, crs: pyproj.CRS
) -> dict[str, list[str]]:
    """
    Each route's stops in relation order.

    A member that is a stop counts as it is; a member stop position counts as the stop
    nearest it within :data:`STOP_POSITION_RADIUS_M`.
    """
    positions = _positions(found, crs)
    out: dict[str, list[str]] = {}
    for rid, members in found.members.items():
        calls: list[str] = []
        for member in members:
            if member in stops.index:
                calls.append(member)
            elif member in positions.index and len(stops):
                point = positions.geometry.loc[member]
                nearest = stops.sindex.nearest(point, max_distance=STOP_POSITION_RADIUS_M)[1]
                calls.extend(str(stops.index[i]) for i in nearest[:1])
        out[rid] = list(dict.fromkeys(calls))
    return out


def _route_ids(stops: gpd.GeoDataFrame, calls: dict[str, list[str]]) -> list[tuple[str, ...]]:
    """The routes calling at each stop, sorted."""
    per_stop: dict[str, set[str]] = {sid: set() for sid in stops.index}
    for rid, stop_ids in calls.items():
        for sid in stop_ids:
            per_stop[sid].add(rid)
    return [tuple(sorted(per_stop[sid])) for sid in stops.index]


def _routes_layer(
    stops: gpd.GeoDataFrame, found: _OsmTransit, calls: dict[str, list[str]], crs: pyproj.CRS
) -> gpd.GeoDataFrame:
    """One row per route relation: names, GTFS route type, a line through its stops."""
    rows = []
    for rid in sorted(found.routes):
        tags = found.routes[rid]
        points = [stops.geometry.loc[m] for m in calls[rid]]
        line = shapely.LineString(points) if len(points) >= 2 else None
        rows.append(
            {
                "route_id": rid,
                "route_short_name": tags.get("ref"),
                "route_long_name": tags.get("name"),
                "route_type": _ROUTE_TYPES.get(tags.get("route", ""), 3),
                "geometry": line,
            }
        )
    frame = pd.DataFrame(
        rows,
        columns=["route_id", "route_short_name", "route_long_name", "route_type", "geometry"],
    )
    out = gpd.GeoDataFrame(frame, geometry="geometry", crs=crs)
    return out.set_index(pd.Index(out.pop("route_id"), dtype="str", name="route_id"))
