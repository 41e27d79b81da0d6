"""Stråk: the shortest walks between nearby stops that serve different routes (transfers)."""

from __future__ import annotations

import itertools
import logging
import warnings
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from siteplan.corridors import corridor_graph, snap_points
from siteplan.crs import require_same_crs
from siteplan.errors import InputError, InputWarning
from siteplan.legal._common import BUILD_HINT, require_columns
from siteplan.legal.stop_areas import STOP_COLUMNS

log = logging.getLogger(__name__)

#: Columns of :func:`find_strak`'s result.
STRAK_COLUMNS = (
    "stop_a",
    "stop_b",
    "station_a",
    "station_b",
    "name_a",
    "name_b",
    "walk_m",
    "corridor_ids",
)


def find_strak(
    corridors: gpd.GeoDataFrame,
    stops: gpd.GeoDataFrame,
    *,
    max_walk_m: float,
    graph: nx.Graph | None = None,
) -> pd.DataFrame:
    """
    Find stråk: shortest walks between nearby stops that serve different routes.

    Each stop is attached to its nearest corridor (within `max_walk_m`); the walk runs from the
    stop to the corridor, along the corridor graph, and off to the other stop. A pair counts
    when the walk is at most `max_walk_m`, the stops belong to different stations, both are
    served, and their route sets differ (a transfer is possible).

    Parameters
    ----------
    corridors
        Output of :func:`siteplan.corridors.build_corridors`.
    stops
        Stops indexed by stop_id with stop_name, station_id, route_ids (sorted tuple of route
        ids) and Point geometry, in the CRS of `corridors`.
    max_walk_m
        Longest walk between the two stops, in metres (``legal.strak_max_walk_m``).
    graph
        :func:`siteplan.corridors.corridor_graph` of `corridors`, if already built.

    Returns
    -------
    strak
        One row per stop pair (stop_a < stop_b), sorted by (stop_a, stop_b), with columns
        :data:`STRAK_COLUMNS`: the stops, their stations and names, the walk in metres and the
        corridor ids walked, in path order (tuple of str).

    Raises
    ------
    CRSError
        If the layers are unprojected or their CRSs differ.
    InputError
        If a column is missing or `max_walk_m` is not positive.

    Warns
    -----
    InputWarning
        If stops lie farther than `max_walk_m` from every corridor (they take no part).
    """
    require_same_crs(corridors, stops, "corridors", "stops")
    require_columns(stops, STOP_COLUMNS, "stops", "Load the stops through siteplan.io.gtfs.")
    require_columns(corridors, ("u", "v", "length_m", "geometry"), "corridors", BUILD_HINT)
    if not max_walk_m > 0:
        msg = f"max_walk_m must be > 0 (legal.strak_max_walk_m); got {max_walk_m!r}."
        raise InputError(msg)
    strak, n_served = strak_table(corridors, stops, max_walk_m=max_walk_m, graph=graph)
    log.info(
        "find_strak: %d stop pairs within %g m walk on different routes, from %d served stops",
        len(strak),
        max_walk_m,
        n_served,
    )
    return strak


def strak_table(
    corridors: gpd.GeoDataFrame,
    stops: gpd.GeoDataFrame,
    *,
    max_walk_m: float,
    graph: nx.Graph | None,
) -> tuple[pd.DataFrame, int]:
    """Stråk table (see :func:`find_strak`) and the number of served, snapped stops."""
    empty = pd.DataFrame({c: pd.Series(dtype=object) for c in STRAK_COLUMNS})
    empty["walk_m"] = empty["walk_m"].astype(float)
    if stops.empty or corridors.empty:
        return empty, 0

    stops = stops.sort_index()
    routes = {sid: _route_set(r) for sid, r in stops["route_ids"].items()}
    station = stops["station_id"].astype(str).to_dict()
    names = stops["stop_name"].to_dict()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InputWarning)  # warned below, in this step's words
        snapped = snap_points(stops, corridors, max_distance_m=max_walk_m)
    unsnapped = snapped["corridor_id"].isna()
    if unsnapped.any():
        msg = (
            f"find_strak: {int(unsnapped.sum())} of {len(stops)} stop(s) are more than "
            f"{max_walk_m:g} m from every corridor and take no part in stråk, e.g. "
            f"{snapped.index[unsnapped][:3].tolist()}. Check that the walk network covers them."
        )
        warnings.warn(msg, InputWarning, stacklevel=3)
    snapped = snapped[~unsnapped]
    served = [sid for sid in snapped.index if routes[sid]]

    walk_graph = (graph if graph is not None else corridor_graph(corridors)).copy()
    _add_stop_nodes(walk_graph, snapped.loc[served], corridors)

    rows = []
    for i, a in enumerate(served):
        partners = [
            b for b in served[i + 1 :] if station[a] != station[b] and routes[a] != routes[b]
        ]
        if not partners:
            continue
        dist, paths = nx.single_source_dijkstra(
            walk_graph, ("stop", a), cutoff=max_walk_m, weight="length_m"
        )
        for b in partners:
            node = ("stop", b)
            if node not in dist:
                continue
            path = paths[node]
            walked = []
            for x, y in itertools.pairwise(path):
                data = walk_graph.edges[x, y]
                if data.get("along_m", data["length_m"]) > 1e-6:
                    walked.append(data["corridor_id"])
            rows.append(
                {
                    "stop_a": a,
                    "stop_b": b,
                    "station_a": station[a],
                    "station_b": station[b],
                    "name_a": names[a],
                    "name_b": names[b],
                    "walk_m": float(dist[node]),
                    "corridor_ids": tuple(dict.fromkeys(walked)),
                }
            )
    strak = pd.DataFrame(rows, columns=list(STRAK_COLUMNS)) if rows else empty
    return strak.reset_index(drop=True), len(served)


def _route_set(value: Any) -> frozenset[str]:
    """Route ids of a stop as a set; a plain string is one route id."""
    if isinstance(value, str):
        return frozenset({value}) if value else frozenset()
    if value is None or (np.isscalar(value) and pd.isna(value)):
        return frozenset()
    return frozenset(str(r) for r in value)


def _add_stop_nodes(graph: nx.Graph, snapped: pd.DataFrame, corridors: gpd.GeoDataFrame) -> None:
    """
    Add each stop as a node ("stop", stop_id) joined to both ends of its corridor.

    Edge weights are real walks: off the stop to the corridor, then along it. Stops on the same
    corridor are also joined directly. `along_m` is the part walked on the corridor itself.
    """
    ends = corridors[["u", "v", "length_m"]]
    for cid, group in snapped.groupby("corridor_id", sort=True):
        u, v, length = ends.loc[cid, "u"], ends.loc[cid, "v"], float(ends.loc[cid, "length_m"])
        members = list(group.itertuples())
        for s in members:
            node = ("stop", s.Index)
            graph.add_edge(
                node, u, length_m=s.distance_m + s.position_m, along_m=s.position_m, corridor_id=cid
            )
            graph.add_edge(
                node,
                v,
                length_m=s.distance_m + length - s.position_m,
                along_m=length - s.position_m,
                corridor_id=cid,
            )
        for i, s in enumerate(members):
            for t in members[i + 1 :]:
                along = abs(s.position_m - t.position_m)
                graph.add_edge(
                    ("stop", s.Index),
                    ("stop", t.Index),
                    length_m=s.distance_m + along + t.distance_m,
                    along_m=along,
                    corridor_id=cid,
                )


def best_strak(strak: pd.DataFrame) -> dict[str, Any]:
    """Corridor id -> the shortest stråk over it (ties: smallest stop pair)."""
    best: dict[str, Any] = {}
    ordered = strak.sort_values(["walk_m", "stop_a", "stop_b"], kind="stable")
    for row in ordered.itertuples(index=False):
        for cid in row.corridor_ids:
            best.setdefault(cid, row)
    return best
