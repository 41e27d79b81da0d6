"""The machinery every OSM loader shares: filter, clip, simplify, project, build the layers.

Each loader turns its source into an unprojected two-way graph (and features, when the source
has them) and hands both to :func:`finish`, so the layers are built in one place.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import osmnx as ox
import pandas as pd
import pyproj
import shapely
from shapely.geometry.base import BaseGeometry

from siteplan import settings
from siteplan.errors import CRSError, InputError, InputWarning
from siteplan.io._common import require_in_area_of_use
from siteplan.io.osm._tags import (
    EXTRA_WAY_TAGS,
    FOOTWAY_HIGHWAYS,
    POI_AMENITIES,
    RESIDENTIAL_BUILDINGS,
    WALKABLE_HIGHWAYS,
    first_value,
    is_mixed,
    is_walkable,
)

__all__ = [
    "LAYER_SCHEMAS",
    "FeatureLayers",
    "OsmLayers",
    "empty_layer",
    "feature_layers",
    "feature_tuple",
    "finish",
    "osmnx_settings",
    "polygon_wgs84",
    "warn",
]

log = logging.getLogger(__name__)

_PACKAGE = __name__.rpartition(".")[0]

FeatureLayers = tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame]
#: Name, index name and column dtypes of the buildings, lamps, bus stop and POI layers.
LAYER_SCHEMAS: tuple[tuple[str, str, dict[str, str]], ...] = (
    ("buildings", "building_id", {"building": "str", "residential": "bool"}),
    ("lamps", "osm_id", {}),
    ("bus_stops", "osm_id", {"name": "object"}),
    ("pois", "osm_id", {"amenity": "str", "name": "object"}),
)


@dataclass(frozen=True)
class OsmLayers:
    """
    The OpenStreetMap layers siteplan needs, all in the working CRS.

    Attributes
    ----------
    graph
        The walk network as an osmnx MultiDiGraph, projected (``ox.project_graph``), every
        street in both directions.
    nodes
        Graph nodes: index ``osmid`` (int), ``street_count``, ``geometry`` (Point).
    edges
        One row per street (reverse duplicates of two-way edges dropped), columns of
        ``schemas.LAYERS["edges"]``: index ``edge_id`` ("u-v-key"), ``u``, ``v``, ``key``,
        ``osmid`` (int, or a sorted tuple when merged), ``highway`` (str), ``name``
        (str or None), ``length_m``, ``geometry`` (LineString oriented u -> v).
    buildings
        Index ``building_id`` ("way/123"), ``building``, ``residential`` (bool),
        ``geometry`` (Polygon, or MultiPolygon for multipolygon relations).
    lamps
        ``highway=street_lamp`` points, index ``osm_id`` ("node/123").
    bus_stops
        ``highway=bus_stop`` or ``public_transport=platform`` points (a point on platform
        ways), index ``osm_id``, column ``name``.
    pois
        Points (a point inside areas) with ``amenity`` in :data:`POI_AMENITIES`, index
        ``osm_id``, columns ``amenity`` and ``name``.
    road_only
        True when the network has no footway, path, pedestrian, steps or cycleway edges, so
        sidewalks are assumed along the roads.
    source
        The file or query the layers came from.
    """

    graph: nx.MultiDiGraph
    nodes: gpd.GeoDataFrame
    edges: gpd.GeoDataFrame
    buildings: gpd.GeoDataFrame
    lamps: gpd.GeoDataFrame
    bus_stops: gpd.GeoDataFrame
    pois: gpd.GeoDataFrame
    road_only: bool
    source: str = field(default="")


def feature_tuple(layers: OsmLayers) -> FeatureLayers:
    """Buildings, lamps, bus stops and POIs of `layers`, in the order of `LAYER_SCHEMAS`."""
    return layers.buildings, layers.lamps, layers.bus_stops, layers.pois


def warn(msg: str) -> None:
    """Warn with InputWarning, pointing at the first caller outside ``siteplan.io.osm``."""
    level = 2
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and _in_package(frame.f_globals.get("__name__")):
        frame, level = frame.f_back, level + 1
    warnings.warn(msg, InputWarning, stacklevel=level)


def _in_package(module: str | None) -> bool:
    return module is not None and (module == _PACKAGE or module.startswith(_PACKAGE + "."))


@contextlib.contextmanager
def osmnx_settings(*, online: bool = False) -> Iterator[None]:
    """Temporarily set osmnx settings: walk tags on edges; cache and timeout when online."""
    changes: dict[str, Any] = {
        "useful_tags_way": sorted(set(ox.settings.useful_tags_way) | set(EXTRA_WAY_TAGS)),
        "log_console": False,
    }
    if online:
        changes |= {
            "cache_folder": Path(settings.cache_folder) / "osmnx",
            "use_cache": True,
            "requests_timeout": settings.requests_timeout_s,
        }
    saved = {k: getattr(ox.settings, k) for k in changes}
    try:
        for k, v in changes.items():
            setattr(ox.settings, k, v)
        yield
    finally:
        for k, v in saved.items():
            setattr(ox.settings, k, v)


def polygon_wgs84(
    polygon: BaseGeometry | gpd.GeoDataFrame | gpd.GeoSeries | None,
) -> BaseGeometry | None:
    """The clip area as one shapely geometry in EPSG:4326."""
    if polygon is None:
        return None
    if isinstance(polygon, gpd.GeoDataFrame | gpd.GeoSeries):
        if polygon.crs is None:
            msg = "`polygon` has no CRS. Set it with `.set_crs(...)`."
            raise CRSError(msg)
        return polygon.to_crs("EPSG:4326").union_all()
    if polygon.geom_type not in {"Polygon", "MultiPolygon"} or polygon.is_empty:
        msg = f"`polygon` must be a non-empty Polygon or MultiPolygon, got {polygon.geom_type}."
        raise InputError(msg)
    return polygon


# --------------------------------------------------------------------------- the graph


def _filter_graph(G: nx.MultiDiGraph, label: str) -> nx.MultiDiGraph:
    """Drop non-walkable edges and the nodes they leave isolated."""
    drop = [(u, v, k) for u, v, k, d in G.edges(keys=True, data=True) if not is_walkable(d)]
    mixed = {frozenset((u, v)) for u, v, d in G.edges(data=True) if is_mixed(d)}
    if mixed:
        warn(
            f"{label}: kept {len(mixed)} streets that osmnx merged from walkable and "
            "non-walkable ways (e.g. a footway and a trunk road, or foot=no) before the file "
            "was saved. Save the graph with simplify=False for an exact walk filter."
        )
    if drop:
        G = G.copy()
        G.remove_edges_from(drop)
        G.remove_nodes_from([n for n in list(G.nodes) if G.degree(n) == 0])
    return G


def _truncate(G: nx.MultiDiGraph, polygon: BaseGeometry) -> nx.MultiDiGraph:
    graph_crs = G.graph.get("crs", "EPSG:4326")
    if not pyproj.CRS.from_user_input(graph_crs).equals(pyproj.CRS("EPSG:4326")):
        polygon, _ = ox.projection.project_geometry(polygon, crs="EPSG:4326", to_crs=graph_crs)
    try:
        return ox.truncate.truncate_graph_polygon(G, polygon, truncate_by_edge=True)
    except ValueError as err:
        msg = f"No walk-network nodes inside `polygon` ({err}). Check that it covers the data."
        raise InputError(msg) from err


def _walk_graph(
    G: nx.MultiDiGraph, *, label: str, target: pyproj.CRS, polygon: BaseGeometry | None
) -> nx.MultiDiGraph:
    """Filter, clip, simplify and project a raw two-way graph."""
    G = _filter_graph(G, label)
    if polygon is not None and len(G):
        G = _truncate(G, polygon)
    if G.number_of_edges() == 0:
        msg = (
            f"{label}: the walk network is empty after filtering (highway in "
            f"{sorted(WALKABLE_HIGHWAYS)}, no foot=no, access=private or area=yes). Use an "
            "extract that covers the study area's streets and paths."
        )
        raise InputError(msg)
    if pyproj.CRS.from_user_input(G.graph.get("crs", "EPSG:4326")).is_geographic:
        xy = np.array([(d["x"], d["y"]) for _, d in G.nodes(data=True)], dtype=float)
        source = f"inputs.osm ({Path(label).name})"
        require_in_area_of_use(xy[:, 0], xy[:, 1], target, source=source)
    if not G.graph.get("simplified"):
        G = ox.simplify_graph(G, edge_attrs_differ=["highway", "name"])
    counts = ox.stats.count_streets_per_node(G)
    nx.set_node_attributes(G, counts, name="street_count")
    return ox.project_graph(G, to_crs=target)


def finish(
    G: nx.MultiDiGraph,
    features: gpd.GeoDataFrame | FeatureLayers | None,
    *,
    label: str,
    target: pyproj.CRS,
    polygon: BaseGeometry | None,
) -> OsmLayers:
    """
    Filter, clip, simplify and project the graph; build every layer; warn and log.

    Parameters
    ----------
    G
        The raw two-way graph of the source, unsimplified unless the source saved it so.
    features
        osmnx/pyrosm features (split here), layers already split, or None (empty layers).
    label
        The source, for messages and :attr:`OsmLayers.source`.
    target
        The working CRS.
    polygon
        Keep only the network inside this EPSG:4326 area (None: all of it).

    Returns
    -------
    layers
        Every layer in `target`.
    """
    G = _walk_graph(G, label=label, target=target, polygon=polygon)
    nodes, edges = _network_layers(G)
    if isinstance(features, tuple):
        buildings, lamps, bus_stops, pois = features
    else:
        buildings, lamps, bus_stops, pois = feature_layers(features, target, label=label)
    n_foot = int(edges["highway"].isin(FOOTWAY_HIGHWAYS).sum())
    road_only = n_foot == 0
    if road_only:
        warn(
            f"{label}: no footway, path, pedestrian, steps or cycleway edges: footways are "
            "not mapped, so sidewalks are assumed along every road. Walking distances and "
            "corridors follow the road centre lines."
        )
    log.info(
        "loaded walk network: %d nodes, %d edges (%d footway), %d buildings, %d lamps, "
        "%d bus stops, %d POIs from %s",
        len(nodes), len(edges), n_foot, len(buildings), len(lamps), len(bus_stops), len(pois),
        label,
    )  # fmt: skip
    return OsmLayers(
        graph=G,
        nodes=nodes,
        edges=edges,
        buildings=buildings,
        lamps=lamps,
        bus_stops=bus_stops,
        pois=pois,
        road_only=road_only,
        source=label,
    )


def _osmid(value: Any) -> int | tuple[int, ...]:
    if isinstance(value, list | tuple | set | np.ndarray):
        ids = tuple(sorted({int(v) for v in value}))
        return ids[0] if len(ids) == 1 else ids
    return int(value)


def _network_layers(G: nx.MultiDiGraph) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Node and undirected edge layers of a projected two-way graph."""
    nodes, edges = ox.graph_to_gdfs(G)
    nodes = nodes[["street_count", "geometry"]].copy()
    nodes["street_count"] = nodes["street_count"].astype("int64")
    nodes.index = nodes.index.astype("int64")
    nodes.index.name = "osmid"
    nodes = nodes.sort_index()
    edges = edges.reset_index()
    out = gpd.GeoDataFrame(
        {
            "u": edges["u"].astype("int64"),
            "v": edges["v"].astype("int64"),
            "key": edges["key"].astype("int64"),
            "osmid": edges["osmid"].map(_osmid),
            "highway": edges["highway"].map(first_value),
            "name": edges["name"].map(first_value) if "name" in edges else None,
        },
        geometry=edges.geometry.values,
        crs=edges.crs,
    )
    out["name"] = out["name"].astype(object).where(out["name"].notna(), None)
    out["length_m"] = out.geometry.length
    out = _one_row_per_street(out)
    out.index = pd.Index(
        [f"{u}-{v}-{k}" for u, v, k in zip(out["u"], out["v"], out["key"], strict=True)],
        name="edge_id",
    )
    columns = ["u", "v", "key", "osmid", "highway", "name", "length_m", "geometry"]
    return nodes, out[columns]


def _one_row_per_street(edges: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Drop reverse duplicates: a two-way edge and its reverse have the same normalised line."""
    out = edges.copy()
    out["_a"] = np.minimum(out["u"], out["v"])
    out["_b"] = np.maximum(out["u"], out["v"])
    out["_shape"] = shapely.to_wkb(shapely.normalize(out.geometry.values))
    out["_osm"] = out["osmid"].map(str)
    out["_rev"] = out["u"] > out["v"]
    out = out.sort_values(["_rev", "u", "v", "key"], kind="stable")
    out = out.drop_duplicates(subset=["_a", "_b", "_osm", "_shape"], keep="first")
    out = out.drop(columns=["_a", "_b", "_shape", "_osm", "_rev"])
    return out.sort_values(["u", "v", "key"], kind="stable")


# --------------------------------------------------------------------------- feature layers


def empty_layer(index_name: str, columns: dict[str, str], crs: pyproj.CRS) -> gpd.GeoDataFrame:
    """An empty layer with these index name and column dtypes."""
    data = {c: pd.Series([], dtype=t) for c, t in columns.items()}
    return gpd.GeoDataFrame(
        data,
        geometry=gpd.GeoSeries([], crs=crs),
        index=pd.Index([], dtype="str", name=index_name),
    )


def _as_points(geoms: gpd.GeoSeries) -> gpd.GeoSeries:
    """Points as they are; lines and areas as a point on them."""
    is_point = geoms.geom_type == "Point"
    return geoms.where(is_point, geoms.representative_point())


def _valid_buildings(buildings: gpd.GeoDataFrame, label: str) -> gpd.GeoDataFrame:
    """
    Repair invalid outlines (e.g. self-intersecting, or cut by the extract's edge).

    :func:`shapely.make_valid` keeps the polygonal parts; outlines with no area left are
    dropped. Later steps (visibility, masking) need valid polygons.
    """
    geoms = buildings.geometry.to_numpy()
    invalid = ~shapely.is_valid(geoms)
    if not invalid.any():
        return buildings
    reason = shapely.is_valid_reason(geoms[invalid][0])
    fixed = shapely.make_valid(geoms[invalid], method="structure", keep_collapsed=False)
    for i, geom in enumerate(fixed):
        if geom.geom_type not in {"Polygon", "MultiPolygon"}:  # e.g. a polygon and a stray line
            parts = [p for p in shapely.get_parts(geom) if p.geom_type.endswith("Polygon")]
            fixed[i] = shapely.union_all(parts) if parts else None
    out = buildings.copy()
    out.loc[invalid, "geometry"] = fixed
    gone = out.geometry.isna() | out.geometry.is_empty
    ids = list(buildings.index[invalid][:3])
    warn(
        f"{label}: repaired {int(invalid.sum())} invalid building outline(s) with "
        f"shapely.make_valid (e.g. {ids}: {reason}); dropped {int(gone.sum())} left without "
        "area."
    )
    return out[~gone]


def _tidy_features(features: gpd.GeoDataFrame, target: pyproj.CRS) -> gpd.GeoDataFrame:
    """Features indexed by "element/id" (sorted, unique), in `target`, None for missing tags."""
    f = features.reset_index()
    f = f[f.geometry.notna() & ~f.geometry.is_empty]
    cols = ["building", "highway", "public_transport", "amenity", "name"]
    f = f.reindex(columns=["element", "id", *cols, "geometry"])
    f = gpd.GeoDataFrame(f, geometry="geometry", crs=features.crs).to_crs(target)
    f.index = pd.Index(
        [f"{e}/{int(i)}" for e, i in zip(f["element"], f["id"], strict=True)], dtype="str"
    )
    f = f[~f.index.duplicated()].sort_index()
    for c in cols:
        f[c] = f[c].astype(object).where(f[c].notna(), None)
    return f


def feature_layers(
    features: gpd.GeoDataFrame | None, target: pyproj.CRS, *, label: str = "OSM"
) -> FeatureLayers:
    """
    Split osmnx/pyrosm features into buildings, lamps, bus stops and POIs.

    Parameters
    ----------
    features
        Features indexed by ``(element, id)`` with the tag columns osmnx returns, or None.
    target
        The working CRS.
    label
        The source, for warnings.

    Returns
    -------
    layers
        Buildings (invalid outlines repaired), lamps, bus stops and POIs, in `target`.
    """
    if features is None or features.empty:
        empty = [empty_layer(index, columns, target) for _, index, columns in LAYER_SCHEMAS]
        return empty[0], empty[1], empty[2], empty[3]
    f = _tidy_features(features, target)
    is_area = f.geom_type.isin(["Polygon", "MultiPolygon"])
    bmask = f["building"].notna() & (f["building"] != "no") & is_area
    buildings = f.loc[bmask, ["building", "geometry"]].copy()
    buildings["building"] = buildings["building"].astype("str")
    buildings["residential"] = buildings["building"].isin(RESIDENTIAL_BUILDINGS).astype(bool)
    buildings = _valid_buildings(buildings[["building", "residential", "geometry"]], label)
    buildings.index.name = "building_id"

    lamps = f.loc[(f["highway"] == "street_lamp") & (f.geom_type == "Point"), ["geometry"]]
    lamps.index.name = "osm_id"

    smask = (f["highway"] == "bus_stop") | (f["public_transport"] == "platform")
    stops = f.loc[smask, ["name", "geometry"]].copy()
    stops["geometry"] = _as_points(stops.geometry)
    stops.index.name = "osm_id"

    pmask = f["amenity"].isin(POI_AMENITIES)
    pois = f.loc[pmask, ["amenity", "name", "geometry"]].copy()
    pois["geometry"] = _as_points(pois.geometry)
    pois["amenity"] = pois["amenity"].astype("str")
    pois.index.name = "osm_id"
    return (
        gpd.GeoDataFrame(buildings, geometry="geometry", crs=target),
        gpd.GeoDataFrame(lamps, geometry="geometry", crs=target),
        gpd.GeoDataFrame(stops, geometry="geometry", crs=target),
        gpd.GeoDataFrame(pois, geometry="geometry", crs=target),
    )
