"""Road centre lines (GeoJSON, GeoPackage, ...) as a walk network."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import osmnx as ox
import pandas as pd
import pyproj
from shapely.geometry.base import BaseGeometry

from siteplan.crs import parse_crs
from siteplan.errors import CRSError, InputError, SourceUnavailableError
from siteplan.io.osm._layers import OsmLayers, finish, polygon_wgs84, warn
from siteplan.io.osm._tags import present

__all__ = ["LINE_SUFFIXES", "load_road_lines"]

#: File suffixes read as road centre lines.
LINE_SUFFIXES = frozenset({".geojson", ".json", ".gpkg", ".shp", ".fgb"})


def load_road_lines(
    path: str | Path,
    *,
    crs: str | int | pyproj.CRS = "EPSG:3006",
    polygon: BaseGeometry | gpd.GeoDataFrame | gpd.GeoSeries | None = None,
) -> OsmLayers:
    """
    Build a walk network from a file of road centre lines (GeoJSON, GeoPackage, ...).

    Each line is a way. With an ``osm_node_ids`` column (one id per vertex) lines connect
    wherever they share a node, also mid-line; without it they connect where they share a
    vertex (equal coordinates). ``highway`` and ``name`` columns are used when present; a missing
    ``highway`` is taken as "road". Roads are assumed walkable along their sidewalks, so
    the result is a road-only network (with an :class:`~siteplan.errors.InputWarning`)
    unless the file has footway lines. Buildings, lamps, stops and POIs are empty.

    Parameters
    ----------
    path
        The line file. Needs a CRS; MultiLineStrings are split into their parts.
    crs
        The working CRS (projected, in metres).
    polygon
        Keep only nodes inside this area (EPSG:4326 shapely geometry, or a GeoDataFrame /
        GeoSeries with a CRS).

    Returns
    -------
    layers
        The network layers, in `crs`.

    Raises
    ------
    SourceUnavailableError
        If the file does not exist.
    InputError
        If the file cannot be read or holds no lines.
    CRSError
        If the file has no CRS, or `crs` is geographic.
    """
    path = Path(path)
    target = parse_crs(crs, key="crs")
    lines = _read_lines(path)
    G = _graph_from_lines(lines, path)
    return finish(G, None, label=str(path), target=target, polygon=polygon_wgs84(polygon))


def _read_lines(path: Path) -> gpd.GeoDataFrame:
    """The LineStrings of `path` (MultiLineStrings split), in EPSG:4326."""
    if not path.is_file():
        msg = f"Road line file {path} does not exist. Check `inputs.osm` in the scenario."
        raise SourceUnavailableError(msg)
    try:
        lines = gpd.read_file(path)
    except Exception as err:  # pyogrio raises several types for unreadable files
        msg = f"{path}: cannot read road lines ({err}). Use a GeoJSON or GeoPackage file."
        raise InputError(msg) from err
    if lines.crs is None:
        msg = f"{path}: the file has no CRS. Save it with one (GeoJSON is EPSG:4326)."
        raise CRSError(msg)
    lines = lines[lines.geometry.notna()]
    lines = lines[lines.geom_type.isin(["LineString", "MultiLineString"])].explode(
        index_parts=False
    )
    if lines.empty:
        msg = f"{path}: no LineString features; a road file needs one line per road."
        raise InputError(msg)
    return lines.to_crs("EPSG:4326")


def _column(lines: gpd.GeoDataFrame, name: str, default: Any) -> pd.Series:
    """Column `name` of `lines`, or a Series of `default` when it is missing."""
    return lines[name] if name in lines.columns else pd.Series([default] * len(lines))


def _graph_from_lines(lines: gpd.GeoDataFrame, path: Path) -> nx.MultiDiGraph:
    """
    Build an unsimplified two-way graph from lines in EPSG:4326, one edge per segment.

    Vertices are nodes: OSM ids from ``osm_node_ids`` when it has one id per vertex, else
    synthetic negative ids shared by vertices with equal coordinates (to 1e-7 degrees).
    """
    way_ids = lines["osm_way_id"] if "osm_way_id" in lines.columns else range(len(lines))
    has_ids = "osm_node_ids" in lines.columns
    rows = zip(
        lines.geometry,
        _column(lines, "highway", "road"),
        _column(lines, "name", None),
        way_ids,
        _column(lines, "osm_node_ids", None),
        strict=True,
    )
    node_xy: dict[int, tuple[float, float]] = {}
    coord_ids: dict[tuple[float, float], int] = {}
    G = nx.MultiDiGraph(crs="EPSG:4326")
    n_fallback = 0
    for geom, hw, nm, way_id, ids in rows:
        coords = [(float(x), float(y)) for x, y in geom.coords]
        if isinstance(ids, list | tuple | np.ndarray) and len(ids) == len(coords):
            nodes = [int(i) for i in ids]
        else:
            n_fallback += has_ids
            nodes = [_coord_node(xy, coord_ids) for xy in coords]
        for node, xy in zip(nodes, coords, strict=True):
            node_xy.setdefault(node, xy)
        _add_way(G, nodes, coords, _way_attrs(way_id, hw, nm))
    for node, (x, y) in node_xy.items():
        if node in G:
            G.nodes[node].update(x=x, y=y)
    if n_fallback:
        warn(
            f"{path}: {n_fallback} lines have no usable osm_node_ids (missing, or not one id "
            "per vertex); they connect to other lines only at shared vertices."
        )
    if G.number_of_edges() == 0:
        msg = f"{path}: the lines have no segments (every line is a single point)."
        raise InputError(msg)
    return G


def _coord_node(xy: tuple[float, float], coord_ids: dict[tuple[float, float], int]) -> int:
    """The synthetic (negative) node id of a vertex, shared by equal coordinates."""
    key = (round(xy[0], 7), round(xy[1], 7))
    return coord_ids.setdefault(key, -(len(coord_ids) + 1))


def _way_attrs(way_id: Any, highway: Any, name: Any) -> dict[str, Any]:
    """Edge attributes of one line: ``osmid``, ``highway`` (default "road"), ``name``."""
    tags: dict[str, Any] = {
        "osmid": int(way_id),
        "highway": str(highway) if present(highway) else "road",
    }
    if present(name) and str(name):
        tags["name"] = str(name)
    return tags


def _add_way(
    G: nx.MultiDiGraph,
    nodes: list[int],
    coords: list[tuple[float, float]],
    attrs: dict[str, Any],
) -> None:
    """Add each segment of a way in both directions, with its great-circle length."""
    for (a, b), (pa, pb) in zip(pairwise(nodes), pairwise(coords), strict=True):
        if a == b:
            continue
        length = float(ox.distance.great_circle(pa[1], pa[0], pb[1], pb[0]))
        G.add_edge(a, b, length=length, **attrs)
        G.add_edge(b, a, length=length, **attrs)
