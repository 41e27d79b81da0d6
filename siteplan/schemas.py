"""The columns of every layer that passes between siteplan's steps.

Each layer is a GeoDataFrame in the working CRS (metres) whose index is its identity. The
tables here are the contract between modules: loaders produce them, analysis functions add
columns to them, writers read them. :func:`require_columns` checks a frame against one.
"""

from __future__ import annotations

from collections.abc import Iterable

import geopandas as gpd
import pandas as pd

from siteplan.errors import InputError

__all__ = ["LAYERS", "require", "require_columns"]

#: layer name -> (index name, {column: description})
LAYERS: dict[str, tuple[str, dict[str, str]]] = {
    "incidents": (
        "incident_id",
        {
            "occurred_at": "tz-aware timestamp in the scenario's time zone",
            "category": "police category (str), e.g. 'Misshandel'",
            "area": "priority-area name for incidents located only by area, else None",
            "geometry": "Point in the working CRS; None for area-level incidents",
        },
    ),
    "areas": ("area", {"geometry": "Polygon or MultiPolygon of the priority area"}),
    "stops": (
        "stop_id",
        {
            "stop_name": "name from GTFS",
            "station_id": "parent station id, or the stop's own id if it has none",
            "route_ids": "sorted tuple of route_ids serving the stop",
            "departures_per_hour": "mean departures per hour 06-22 on the service date",
            "night_departures_per_hour": "mean departures per hour 22-06",
            "geometry": "Point",
        },
    ),
    "routes": (
        "route_id",
        {
            "route_short_name": "public route number",
            "route_type": "GTFS route_type (3 = bus)",
            "geometry": "LineString/MultiLineString from shapes.txt or stop sequences",
        },
    ),
    "edges": (
        "edge_id",
        {
            "u": "OSM node id of one end",
            "v": "OSM node id of the other end",
            "key": "parallel-edge key",
            "osmid": "OSM way id(s)",
            "highway": "OSM highway value (str; first if several)",
            "name": "street name or None",
            "length_m": "length in metres",
            "geometry": "LineString",
        },
    ),
    "buildings": (
        "building_id",
        {"building": "OSM building value", "residential": "bool", "geometry": "Polygon"},
    ),
    "corridors": (
        "corridor_id",
        {
            "length_m": "segment length in metres (<= corridors.max_length_m)",
            "name": "street name(s), '; '-joined, or None",
            "highway": "OSM highway type",
            "area": "priority area the segment lies in, or None",
            "u": "graph node at the segment's start (for network distances)",
            "v": "graph node at the segment's end",
            "geometry": "LineString",
        },
    ),
}


def require(frame: pd.DataFrame, columns: Iterable[str], *, name: str, hint: str = "") -> None:
    """
    Raise if `frame` lacks any of `columns` ("geometry" means: must be a GeoDataFrame).

    Parameters
    ----------
    frame
        The frame to check.
    columns
        Required column names.
    name
        The frame's name in the message, e.g. "corridors".
    hint
        How to build a frame that has them, appended to the message.

    Raises
    ------
    InputError
        Naming the missing columns and the columns that were found.
    """
    columns = list(columns)
    missing = [c for c in columns if c != "geometry" and c not in frame.columns]
    if "geometry" in columns and not isinstance(frame, gpd.GeoDataFrame):
        missing.append("geometry")
    if missing:
        msg = f"`{name}`: missing column(s) {missing}; found {list(frame.columns)}. {hint}".rstrip()
        raise InputError(msg)


def require_columns(frame: pd.DataFrame, layer: str, *, source: str | None = None) -> None:
    """
    Raise if `frame` lacks a column that `layer`'s schema requires.

    Parameters
    ----------
    frame
        The frame to check.
    layer
        A key of :data:`LAYERS`.
    source
        File or argument name for the message; defaults to `layer`.

    Raises
    ------
    InputError
        Naming the missing columns and the columns that were found.
    """
    _, columns = LAYERS[layer]
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        msg = (
            f"{source or layer}: missing column(s) {missing} for the {layer!r} layer; found "
            f"{list(frame.columns)}. Load it through siteplan.io, which builds these columns."
        )
        raise InputError(msg)
