"""Walk network, buildings, street lamps, bus stops and POIs from OpenStreetMap.

Local files: OSM XML (``.osm``, ``.osm.bz2``, ``.osm.gz``), PBF (``.osm.pbf``, needs pyrosm),
GraphML saved by osmnx (``.graphml``) and road centre lines (``.geojson``, ``.gpkg``; see
:func:`load_road_lines`). Online: :func:`walk_network_from_place`,
:func:`walk_network_from_polygon` and :func:`walk_network_from_bbox` query Overpass through
osmnx, with its cache under ``siteplan.settings.cache_folder / "osmnx"``.

Every loader returns an :class:`OsmLayers` in the working CRS. The walk network keeps the
highway types in :data:`WALKABLE_HIGHWAYS`, drops ``foot=no``, ``access=private|no`` (unless
``foot=yes``) and ``area=yes`` ways, and treats every way as two-way, as osmnx's "walk"
network does.
"""

from __future__ import annotations

import bz2
import contextlib
import gzip
import logging
import sys
import tempfile
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import IO, Any
from xml.sax.saxutils import quoteattr

import geopandas as gpd
import networkx as nx
import numpy as np
import osmnx as ox
import pandas as pd
import pyogrio
import pyproj
import shapely
from osmnx._errors import InsufficientResponseError
from shapely.geometry.base import BaseGeometry

from siteplan import settings
from siteplan.crs import parse_crs
from siteplan.errors import CRSError, InputError, InputWarning, SourceUnavailableError

__all__ = [
    "FOOTWAY_HIGHWAYS",
    "POI_AMENITIES",
    "RESIDENTIAL_BUILDINGS",
    "WALKABLE_HIGHWAYS",
    "OsmLayers",
    "load_osm",
    "load_road_lines",
    "save_layers",
    "walk_network_from_bbox",
    "walk_network_from_place",
    "walk_network_from_polygon",
]

log = logging.getLogger(__name__)

#: OSM ``highway`` values kept in the walk network.
WALKABLE_HIGHWAYS = frozenset(
    {
        "footway", "path", "pedestrian", "steps", "cycleway", "living_street",
        "residential", "service", "unclassified", "tertiary", "tertiary_link",
        "secondary", "secondary_link", "primary", "primary_link", "track", "corridor",
        "bridleway", "road",
    }
)  # fmt: skip
#: ``highway`` values that are mapped paths for people on foot (not roads).
FOOTWAY_HIGHWAYS = frozenset(
    {"footway", "path", "pedestrian", "steps", "cycleway", "corridor", "bridleway"}
)
#: ``amenity`` values kept as points of interest (night life, food, venues).
POI_AMENITIES = frozenset(
    {
        "bar", "pub", "nightclub", "fast_food", "restaurant", "cafe", "biergarten",
        "casino", "cinema", "theatre", "events_venue", "food_court", "stripclub",
    }
)  # fmt: skip
#: ``building`` values counted as homes (privacy when cameras overlook them).
RESIDENTIAL_BUILDINGS = frozenset(
    {
        "residential", "apartments", "house", "detached", "semidetached_house", "terrace",
        "dormitory", "bungalow", "cabin", "farm", "static_caravan", "houseboat",
    }
)  # fmt: skip

_FEATURE_TAGS: dict[str, bool | str | list[str]] = {
    "building": True,
    "highway": ["bus_stop", "street_lamp"],
    "public_transport": ["platform"],
    "amenity": sorted(POI_AMENITIES),
}
_EXTRA_WAY_TAGS = ("access", "area", "foot", "footway", "highway", "name", "sidewalk")
_NO_FOOT = frozenset({"no", "private"})
_FOOT_ALLOWED = frozenset({"yes", "designated", "permissive", "official"})
_NO_ACCESS = frozenset({"no", "private"})
_LINE_SUFFIXES = frozenset({".geojson", ".json", ".gpkg", ".shp", ".fgb"})
_XML_SUFFIXES = (".osm", ".osm.bz2", ".osm.gz", ".xml", ".xml.bz2", ".xml.gz")
_SUPPORTED = ".osm, .osm.bz2, .osm.gz, .osm.pbf, .graphml, .geojson, .gpkg"


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


# --------------------------------------------------------------------------- public API


def load_osm(
    source: str | Path,
    *,
    crs: str | int | pyproj.CRS = "EPSG:3006",
    polygon: BaseGeometry | gpd.GeoDataFrame | gpd.GeoSeries | None = None,
) -> OsmLayers:
    """
    Load the walk network and the point and building layers from a local OSM file.

    Parameters
    ----------
    source
        An OSM XML file (``.osm``, ``.osm.bz2``, ``.osm.gz``), a PBF file (``.osm.pbf``,
        needs pyrosm), a GraphML file saved by osmnx (``.graphml``; no buildings or points)
        or road centre lines (``.geojson``, ``.gpkg``; see :func:`load_road_lines`).
        Extracts clipped by a bounding box are fine: references to nodes outside the file
        are trimmed with a warning.
    crs
        The working CRS (projected, in metres).
    polygon
        Keep only what lies inside this area: a shapely (Multi)Polygon in EPSG:4326, or a
        GeoDataFrame/GeoSeries with a CRS.

    Returns
    -------
    layers
        The walk network and the other layers, in `crs`.

    Raises
    ------
    SourceUnavailableError
        If the file does not exist.
    InputError
        If the file is not OSM data, has an unsupported suffix, or holds no walkable ways.
    CRSError
        If `crs` is geographic or unknown.
    ImportError
        For a ``.osm.pbf`` file when pyrosm is not installed.
    """
    path = Path(source)
    target = parse_crs(crs, key="crs")
    if not path.is_file():
        msg = (
            f"OSM file {path} does not exist. Check `inputs.osm` in the scenario, or download "
            "an extract (e.g. from download.geofabrik.de or with `siteplan fetch osm`)."
        )
        raise SourceUnavailableError(msg)
    area = _polygon_wgs84(polygon)
    name = path.name.lower()
    if name.endswith(".osm.pbf") or name.endswith(".pbf"):
        return _load_pbf(path, target, area)
    if name.endswith(".graphml"):
        return _load_graphml(path, target, area)
    if name.endswith(_XML_SUFFIXES):
        return _load_xml(path, target, area)
    if path.suffix.lower() in _LINE_SUFFIXES:
        return load_road_lines(path, crs=target, polygon=area)
    msg = (
        f"OSM file {path}: unknown file type {''.join(path.suffixes) or '(no suffix)'!r}. "
        f"siteplan reads {_SUPPORTED}. Rename the file if its suffix is wrong, or convert "
        "it with osmium (`osmium cat in.o5m -o out.osm.pbf`)."
    )
    raise InputError(msg)


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
    lines = lines.to_crs("EPSG:4326")
    G = _graph_from_lines(lines, path)
    return _finish(G, None, label=str(path), target=target, polygon=_polygon_wgs84(polygon))


def walk_network_from_place(place: str, *, crs: str | int | pyproj.CRS = "EPSG:3006") -> OsmLayers:
    """
    Download the walk network and layers of a named place from OpenStreetMap (online).

    Parameters
    ----------
    place
        A place name Nominatim resolves to a polygon, e.g. "Linköping, Sweden".
    crs
        The working CRS (projected, in metres).

    Returns
    -------
    layers
        The layers, in `crs`.

    Raises
    ------
    SourceUnavailableError
        If ``siteplan.settings.offline`` is True.
    """
    return _download(f"place {place!r}", place, ox.graph_from_place, ox.features_from_place, crs)


def walk_network_from_polygon(
    polygon: BaseGeometry, *, crs: str | int | pyproj.CRS = "EPSG:3006"
) -> OsmLayers:
    """
    Download the walk network and layers inside a polygon from OpenStreetMap (online).

    Parameters
    ----------
    polygon
        A shapely (Multi)Polygon in EPSG:4326.
    crs
        The working CRS (projected, in metres).

    Returns
    -------
    layers
        The layers, in `crs`.

    Raises
    ------
    SourceUnavailableError
        If ``siteplan.settings.offline`` is True.
    """
    return _download("polygon", polygon, ox.graph_from_polygon, ox.features_from_polygon, crs)


def walk_network_from_bbox(
    bbox: tuple[float, float, float, float], *, crs: str | int | pyproj.CRS = "EPSG:3006"
) -> OsmLayers:
    """
    Download the walk network and layers inside a bounding box from OpenStreetMap (online).

    Parameters
    ----------
    bbox
        ``(left, bottom, right, top)`` in degrees (EPSG:4326), as osmnx 2 takes it.
    crs
        The working CRS (projected, in metres).

    Returns
    -------
    layers
        The layers, in `crs`.

    Raises
    ------
    SourceUnavailableError
        If ``siteplan.settings.offline`` is True.
    """
    return _download(f"bbox {tuple(bbox)}", bbox, ox.graph_from_bbox, ox.features_from_bbox, crs)


def _download(
    what: str,
    where: Any,
    graph_fn: Callable[..., nx.MultiDiGraph],
    features_fn: Callable[..., gpd.GeoDataFrame],
    crs: str | int | pyproj.CRS,
) -> OsmLayers:
    """Fetch the walk network and features of `where` with osmnx (refused when offline)."""
    _refuse_offline(what)
    target = parse_crs(crs, key="crs")
    with _osmnx_settings(online=True):
        G = graph_fn(where, network_type="walk", simplify=False, retain_all=True)
        features = _features_online(lambda: features_fn(where, tags=_FEATURE_TAGS))
    return _finish(G, features, label=f"OSM {what}", target=target, polygon=None)


def save_layers(layers: OsmLayers, path: str | Path) -> Path:
    """
    Save layers for offline use: the graph as GraphML, the other layers beside it.

    Buildings, lamps, bus stops and POIs go to a GeoPackage named like the GraphML file
    with ``.features.gpkg`` (``walk.graphml`` -> ``walk.features.gpkg``); :func:`load_osm`
    reads both back.

    Parameters
    ----------
    layers
        Layers from any loader.
    path
        The ``.graphml`` file to write; folders are created.

    Returns
    -------
    path
        The GraphML file written.

    Raises
    ------
    InputError
        If `path` does not end in ``.graphml``.
    """
    path = Path(path)
    if path.suffix.lower() != ".graphml":
        msg = f"save_layers writes GraphML: name the file *.graphml, not {path.name!r}."
        raise InputError(msg)
    path.parent.mkdir(parents=True, exist_ok=True)
    ox.save_graphml(layers.graph, path)
    sidecar = _sidecar(path)
    sidecar.unlink(missing_ok=True)
    named = zip(_SIDECAR_LAYERS, _layer_tuple(layers), strict=True)
    for (name, _, _), layer in named:
        if not layer.empty:
            layer.reset_index().to_file(sidecar, layer=name, driver="GPKG")
    log.info("saved walk network to %s and its other layers to %s", path, sidecar)
    return path


# --------------------------------------------------------------------------- walk filter
def _warn(msg: str) -> None:
    """Warn with InputWarning, pointing at the first caller outside this module."""
    level, frame = 2, sys._getframe(1)
    while frame is not None and frame.f_globals.get("__name__") == __name__:
        frame, level = frame.f_back, level + 1
    warnings.warn(msg, InputWarning, stacklevel=level)


def _values(value: Any) -> list[str]:
    """Tag value(s) as a list of strings; missing values give an empty list."""
    if isinstance(value, list | tuple | set | np.ndarray):
        return sorted(str(v) for v in value if _present(v))
    return [str(value)] if _present(value) else []


def _present(value: Any) -> bool:
    """True unless `value` is None or a missing-value marker."""
    if value is None:
        return False
    try:
        return not bool(pd.isna(value))
    except (TypeError, ValueError):  # list-like values
        return True


def _is_walkable(tags: Mapping[str, Any]) -> bool:
    """
    Return True if a way (or a merged edge) with these tags belongs to the walk network.

    Parameters
    ----------
    tags
        OSM tags or osmnx edge attributes. A list of ``highway`` values marks an edge that
        osmnx merged from several ways; its other tags cannot be told apart per way, so it
        is kept when any of its highway values is walkable.

    Returns
    -------
    walkable
        Whether people may walk along it.
    """
    highway = _values(tags.get("highway"))
    if not any(h in WALKABLE_HIGHWAYS for h in highway):
        return False
    if len(highway) > 1:
        return True
    if "yes" in _values(tags.get("area")):
        return False
    foot = _values(tags.get("foot"))
    if foot and all(f in _NO_FOOT for f in foot):
        return False
    access = _values(tags.get("access"))
    foot_ok = any(f in _FOOT_ALLOWED for f in foot)
    return not (access and all(a in _NO_ACCESS for a in access) and not foot_ok)


def _is_mixed(tags: Mapping[str, Any]) -> bool:
    """True for a merged edge whose ways are not all walkable (see `_is_walkable`)."""
    highway = _values(tags.get("highway"))
    if len(highway) < 2:
        return False
    restricted = {*_values(tags.get("foot")), *_values(tags.get("access"))} & _NO_ACCESS
    return (
        bool(restricted)
        or "yes" in _values(tags.get("area"))
        or not all(h in WALKABLE_HIGHWAYS for h in highway)
    )


# --------------------------------------------------------------------------- OSM XML


@dataclass
class _WalkWays:
    """What the first pass over an OSM XML file found."""

    node_ids: set[int]
    ways: list[tuple[int, list[int], dict[str, str]]]
    n_ways: int
    highways: dict[str, int]


@contextlib.contextmanager
def _open_xml(path: Path) -> Iterator[IO[bytes]]:
    """Open a plain, bz2 or gzip OSM XML file for binary reading."""
    name = path.name.lower()
    if name.endswith(".bz2"):
        with bz2.open(path, "rb") as f:
            yield f
    elif name.endswith(".gz"):
        with gzip.open(path, "rb") as f:
            yield f
    else:
        with path.open("rb") as f:
            yield f


def _iter_elements(path: Path) -> Iterator[ET.Element]:
    """Stream the top-level elements of an OSM XML file, checking it is OSM XML."""
    try:
        with _open_xml(path) as f:
            context = ET.iterparse(f, events=("start", "end"))
            _, root = next(context)
            if root.tag != "osm":
                msg = (
                    f"{path}: the root element is <{root.tag}>, not <osm>, so this is not an "
                    "OSM XML file. Export one from openstreetmap.org, JOSM or osmium "
                    "(`osmium cat extract.osm.pbf -o extract.osm`)."
                )
                raise InputError(msg)
            depth = 1
            for event, elem in context:
                if event == "start":
                    depth += 1
                    continue
                depth -= 1
                if depth == 1:
                    yield elem
                    root.clear()  # drop finished elements: memory stays flat
    except ET.ParseError as err:
        msg = (
            f"{path}: not valid XML ({err}). Expected an OSM XML file; if it was cut short "
            "by a failed download, download it again."
        )
        raise InputError(msg) from err
    except (OSError, EOFError) as err:
        msg = f"{path}: cannot read the file ({err}). Is the compression (.bz2/.gz) right?"
        raise InputError(msg) from err


def _scan_xml(path: Path) -> _WalkWays:
    """First pass: every node id, and the walkable ways with their node refs and tags."""
    node_ids: set[int] = set()
    ways: list[tuple[int, list[int], dict[str, str]]] = []
    highways: dict[str, int] = {}
    n_ways = 0
    for elem in _iter_elements(path):
        if elem.tag == "node":
            node_ids.add(int(elem.attrib["id"]))
        elif elem.tag == "way":
            n_ways += 1
            tags = {t.attrib["k"]: t.attrib["v"] for t in elem.iter("tag")}
            if "highway" in tags:
                highways[tags["highway"]] = highways.get(tags["highway"], 0) + 1
            if _is_walkable(tags):
                refs = [int(nd.attrib["ref"]) for nd in elem.iter("nd")]
                keep = {k: v for k, v in tags.items() if k in _EXTRA_WAY_TAGS}
                ways.append((int(elem.attrib["id"]), refs, keep))
    return _WalkWays(node_ids, ways, n_ways, highways)


def _write_walk_xml(path: Path, out: Path) -> None:
    """
    Write the walkable ways of `path` and their nodes to `out`, trimming dangling refs.

    osmnx fails ("Some edges missing nodes") on ways that reference nodes missing from the
    file, as in extracts clipped by a bounding box; those references are dropped here, and
    ways left with fewer than 2 nodes are dropped, with an InputWarning giving the counts.
    """
    scan = _scan_xml(path)
    if not scan.ways:
        found = ", ".join(f"{k} ({v})" for k, v in sorted(scan.highways.items())) or "none"
        msg = (
            f"{path}: no walkable ways ({scan.n_ways} ways; highway values found: {found}). "
            f"The walk network keeps highway={', '.join(sorted(WALKABLE_HIGHWAYS))}. Use an "
            "extract that covers the study area's streets and paths."
        )
        raise InputError(msg)
    kept: list[tuple[int, list[int], dict[str, str]]] = []
    n_refs = 0
    missing: set[int] = set()
    n_trimmed_ways = 0
    n_dropped = 0
    for way_id, refs, tags in scan.ways:
        inside = [r for r in refs if r in scan.node_ids]
        if len(inside) < len(refs):
            n_refs += len(refs) - len(inside)
            missing.update(r for r in refs if r not in scan.node_ids)
            n_trimmed_ways += 1
        if len(set(inside)) < 2:
            n_dropped += 1
            continue
        kept.append((way_id, inside, tags))
    if n_refs:
        _warn(
            f"{path}: trimmed {n_refs} references to {len(missing)} nodes outside the file in "
            f"{n_trimmed_ways} walkable ways; dropped {n_dropped} ways left with fewer than "
            "2 nodes. The extract looks clipped: use one that covers the study area with a "
            "margin."
        )
    if not kept:
        msg = f"{path}: every walkable way references only nodes outside the file."
        raise InputError(msg)
    needed = {r for _, refs, _ in kept for r in refs}
    with out.open("w", encoding="utf-8") as f:
        f.write(
            '<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" generator="siteplan">\n'
        )
        for elem in _iter_elements(path):
            if elem.tag == "node" and int(elem.attrib["id"]) in needed:
                a = elem.attrib
                f.write(f'<node id="{a["id"]}" lat="{a["lat"]}" lon="{a["lon"]}"/>\n')
        for way_id, refs, tags in kept:
            f.write(f'<way id="{way_id}">')
            f.writelines(f'<nd ref="{r}"/>' for r in refs)
            f.writelines(f"<tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items())
            f.write("</way>\n")
        f.write("</osm>\n")


def _load_xml(path: Path, target: pyproj.CRS, polygon: BaseGeometry | None) -> OsmLayers:
    with tempfile.TemporaryDirectory(prefix="siteplan-osm-") as tmp:
        walk_file = Path(tmp) / "walk.osm"
        _write_walk_xml(path, walk_file)
        with _osmnx_settings():
            G = ox.graph_from_xml(walk_file, bidirectional=True, simplify=False, retain_all=True)
    with _osmnx_settings():
        try:
            features = ox.features_from_xml(path, polygon=polygon, tags=_FEATURE_TAGS)
        except InsufficientResponseError:
            features = None
    return _finish(G, features, label=str(path), target=target, polygon=polygon)


# --------------------------------------------------------------------------- other sources


_FeatureLayers = tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame]
#: GeoPackage layer name, index name and column dtypes of the layers beside a GraphML file
_SIDECAR_LAYERS: tuple[tuple[str, str, dict[str, str]], ...] = (
    ("buildings", "building_id", {"building": "str", "residential": "bool"}),
    ("lamps", "osm_id", {}),
    ("bus_stops", "osm_id", {"name": "object"}),
    ("pois", "osm_id", {"amenity": "str", "name": "object"}),
)


def _layer_tuple(layers: OsmLayers) -> _FeatureLayers:
    return layers.buildings, layers.lamps, layers.bus_stops, layers.pois


def _sidecar(graphml: Path) -> Path:
    return graphml.with_name(graphml.name[: -len(".graphml")] + ".features.gpkg")


def _read_sidecar(
    sidecar: Path, target: pyproj.CRS, polygon: BaseGeometry | None
) -> _FeatureLayers:
    """The layers :func:`save_layers` wrote, in `target`, clipped to `polygon`."""
    present = {str(name) for name in pyogrio.list_layers(sidecar)[:, 0]}
    area = None
    if polygon is not None:
        area = gpd.GeoSeries([polygon], crs="EPSG:4326").to_crs(target).iloc[0]
    out = []
    for name, index_name, columns in _SIDECAR_LAYERS:
        if name not in present:
            out.append(_empty_layer(index_name, columns, target))
            continue
        layer = gpd.read_file(sidecar, layer=name).set_index(index_name).to_crs(target)
        layer.index = layer.index.astype("str")
        for column, dtype in columns.items():
            values = layer[column]
            layer[column] = values.astype(object).where(values.notna(), None)
            if dtype != "object":
                layer[column] = layer[column].astype(dtype)
        if area is not None:
            layer = layer[layer.intersects(area)]
        out.append(layer[[*columns, "geometry"]])
    return out[0], out[1], out[2], out[3]


def _load_graphml(path: Path, target: pyproj.CRS, polygon: BaseGeometry | None) -> OsmLayers:
    try:
        G = ox.load_graphml(path)
    except Exception as err:  # networkx/lxml raise several types for bad GraphML
        msg = f"{path}: cannot read GraphML ({err}). Save graphs with `ox.save_graphml`."
        raise InputError(msg) from err
    sidecar = _sidecar(path)
    if sidecar.is_file():
        features: _FeatureLayers | None = _read_sidecar(sidecar, target, polygon)
    else:
        features = None
        _warn(
            f"{path}: a GraphML file holds only the network, and there is no {sidecar.name} "
            "beside it; buildings, lamps, bus stops and POIs are empty. Load an .osm or "
            ".osm.pbf extract, or save with siteplan.io.osm.save_layers, to get them."
        )
    return _finish(G, features, label=str(path), target=target, polygon=polygon)


def _load_pbf(path: Path, target: pyproj.CRS, polygon: BaseGeometry | None) -> OsmLayers:
    try:
        import pyrosm
    except ImportError as err:
        msg = (
            "Reading .osm.pbf files needs pyrosm: `pip install pyrosm` or "
            "`conda install -c conda-forge pyrosm`; or convert the file to .osm with "
            "`osmium cat extract.osm.pbf -o extract.osm`."
        )
        raise ImportError(msg) from err
    try:
        osm = pyrosm.OSM(
            str(path),
            bounding_box=polygon,
            complete_relations=polygon is not None,  # whole buildings across the edge
            progress=False,
            engine="in_memory",
        )
        nodes, edges = osm.get_network(
            network_type="walking", nodes=True, extra_attributes=["area", "foot", "access"]
        )
    except (ValueError, OSError, RuntimeError) as err:
        msg = f"{path}: cannot read the PBF file ({err}). Download the extract again."
        raise InputError(msg) from err
    if edges is None or edges.empty:
        msg = f"{path}: no walkable ways in the PBF file (or inside `polygon`)."
        raise InputError(msg)
    columns = [c for c in ("highway", "area", "foot", "access") if c in edges.columns]
    walkable = [_is_walkable(dict(zip(columns, row, strict=True))) for row in edges[columns].values]
    edges = edges[np.asarray(walkable, dtype=bool)]
    if edges.empty:
        msg = f"{path}: no walkable ways after filtering (highway={sorted(WALKABLE_HIGHWAYS)})."
        raise InputError(msg)
    G = osm.to_graph(
        nodes,
        edges,
        graph_type="networkx",
        retain_all=True,
        progress=False,
        simplify_kwargs={"edge_attrs_differ": ["highway", "name"]},
    )
    frames = []
    buildings = osm.get_buildings()
    if buildings is not None and not buildings.empty:
        frames.append(buildings)
    points = osm.get_pois(
        custom_filter={
            "amenity": sorted(POI_AMENITIES),
            "highway": ["bus_stop", "street_lamp"],
            "public_transport": ["platform"],
        }
    )
    if points is not None and not points.empty:
        frames.append(points)
    features = None
    if frames:
        cols = ["osm_type", "id", "building", "highway", "public_transport", "amenity", "name"]
        parts = [f.reindex(columns=[*cols, "geometry"]) for f in frames]
        features = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs="EPSG:4326")
        features = features.rename(columns={"osm_type": "element"})
        features = features.drop_duplicates(subset=["element", "id"]).set_index(["element", "id"])
    return _finish(G, features, label=str(path), target=target, polygon=None)


def _graph_from_lines(lines: gpd.GeoDataFrame, path: Path) -> nx.MultiDiGraph:
    """
    Build an unsimplified two-way graph from lines in EPSG:4326, one edge per segment.

    Vertices are nodes: OSM ids from ``osm_node_ids`` when it has one id per vertex, else
    synthetic negative ids shared by vertices with equal coordinates (to 1e-7 degrees).
    """
    n = len(lines)
    highway = lines["highway"] if "highway" in lines.columns else pd.Series("road", lines.index)
    names = lines["name"] if "name" in lines.columns else pd.Series(None, lines.index)
    way_ids = lines["osm_way_id"] if "osm_way_id" in lines.columns else pd.Series(range(n))
    node_ids = lines["osm_node_ids"] if "osm_node_ids" in lines.columns else pd.Series([None] * n)
    node_xy: dict[int, tuple[float, float]] = {}
    coord_ids: dict[tuple[float, float], int] = {}
    G = nx.MultiDiGraph(crs="EPSG:4326")
    n_fallback = 0
    for geom, hw, nm, way_id, ids in zip(
        lines.geometry, highway, names, way_ids, node_ids, strict=True
    ):
        coords = [(float(x), float(y)) for x, y in geom.coords]
        if isinstance(ids, list | tuple | np.ndarray) and len(ids) == len(coords):
            nodes = [int(i) for i in ids]
        else:
            n_fallback += "osm_node_ids" in lines.columns
            nodes = []
            for xy in coords:
                key = (round(xy[0], 7), round(xy[1], 7))
                nodes.append(coord_ids.setdefault(key, -(len(coord_ids) + 1)))
        attrs: dict[str, Any] = {
            "osmid": int(way_id),
            "highway": str(hw) if _present(hw) else "road",
        }
        if _present(nm) and str(nm):
            attrs["name"] = str(nm)
        for node, xy in zip(nodes, coords, strict=True):
            node_xy.setdefault(node, xy)
        for (a, b), (pa, pb) in zip(pairwise(nodes), pairwise(coords), strict=True):
            if a == b:
                continue
            length = float(ox.distance.great_circle(pa[1], pa[0], pb[1], pb[0]))
            G.add_edge(a, b, length=length, **attrs)
            G.add_edge(b, a, length=length, **attrs)
    for node, (x, y) in node_xy.items():
        if node in G:
            G.nodes[node].update(x=x, y=y)
    if n_fallback:
        _warn(
            f"{path}: {n_fallback} lines have no usable osm_node_ids (missing, or not one id "
            "per vertex); they connect to other lines only at shared vertices."
        )
    if G.number_of_edges() == 0:
        msg = f"{path}: the lines have no segments (every line is a single point)."
        raise InputError(msg)
    return G


# --------------------------------------------------------------------------- online


def _refuse_offline(what: str) -> None:
    if settings.offline:
        msg = (
            f"Cannot download OSM data for {what}: siteplan.settings.offline is True. "
            "Run `siteplan fetch osm` online first, or load a local file with load_osm()."
        )
        raise SourceUnavailableError(msg)


def _features_online(query: Callable[[], gpd.GeoDataFrame]) -> gpd.GeoDataFrame | None:
    try:
        return query()
    except InsufficientResponseError:
        return None


@contextlib.contextmanager
def _osmnx_settings(*, online: bool = False) -> Iterator[None]:
    """Temporarily set osmnx settings: walk tags on edges; cache and timeout when online."""
    changes: dict[str, Any] = {
        "useful_tags_way": sorted(set(ox.settings.useful_tags_way) | set(_EXTRA_WAY_TAGS)),
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


# --------------------------------------------------------------------------- assembly


def _polygon_wgs84(
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


def _filter_graph(G: nx.MultiDiGraph, label: str) -> nx.MultiDiGraph:
    """Drop non-walkable edges and the nodes they leave isolated."""
    drop = [(u, v, k) for u, v, k, d in G.edges(keys=True, data=True) if not _is_walkable(d)]
    mixed = {frozenset((u, v)) for u, v, d in G.edges(data=True) if _is_mixed(d)}
    if mixed:
        _warn(
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


def _finish(
    G: nx.MultiDiGraph,
    features: gpd.GeoDataFrame | _FeatureLayers | None,
    *,
    label: str,
    target: pyproj.CRS,
    polygon: BaseGeometry | None,
) -> OsmLayers:
    """Filter, clip, simplify and project the graph; build every layer; warn and log."""
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
    if not G.graph.get("simplified"):
        G = ox.simplify_graph(G, edge_attrs_differ=["highway", "name"])
    counts = ox.stats.count_streets_per_node(G)
    nx.set_node_attributes(G, counts, name="street_count")
    G = ox.project_graph(G, to_crs=target)
    nodes, edges = _network_layers(G)
    if isinstance(features, tuple):
        buildings, lamps, bus_stops, pois = features
    else:
        buildings, lamps, bus_stops, pois = _feature_layers(features, target, label=label)
    n_foot = int(edges["highway"].isin(FOOTWAY_HIGHWAYS).sum())
    road_only = n_foot == 0
    if road_only:
        _warn(
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


def _first(value: Any) -> str | None:
    """The first (sorted) value of a tag that may be a list; None when missing."""
    values = _values(value)
    return values[0] if values else None


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
            "highway": edges["highway"].map(_first),
            "name": edges["name"].map(_first) if "name" in edges else None,
        },
        geometry=edges.geometry.values,
        crs=edges.crs,
    )
    out["name"] = out["name"].astype(object).where(out["name"].notna(), None)
    out["length_m"] = out.geometry.length
    # one row per street: a two-way edge and its reverse have the same normalised line
    shape = shapely.to_wkb(shapely.normalize(out.geometry.values))
    out["_a"] = np.minimum(out["u"], out["v"])
    out["_b"] = np.maximum(out["u"], out["v"])
    out["_shape"] = shape
    out["_osm"] = out["osmid"].map(str)
    out["_rev"] = out["u"] > out["v"]
    out = out.sort_values(["_rev", "u", "v", "key"], kind="stable")
    out = out.drop_duplicates(subset=["_a", "_b", "_osm", "_shape"], keep="first")
    out = out.drop(columns=["_a", "_b", "_shape", "_osm", "_rev"])
    out = out.sort_values(["u", "v", "key"], kind="stable")
    out.index = pd.Index(
        [f"{u}-{v}-{k}" for u, v, k in zip(out["u"], out["v"], out["key"], strict=True)],
        name="edge_id",
    )
    columns = ["u", "v", "key", "osmid", "highway", "name", "length_m", "geometry"]
    return nodes, out[columns]


def _empty_layer(index_name: str, columns: dict[str, str], crs: pyproj.CRS) -> gpd.GeoDataFrame:
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
    _warn(
        f"{label}: repaired {int(invalid.sum())} invalid building outline(s) with "
        f"shapely.make_valid (e.g. {ids}: {reason}); dropped {int(gone.sum())} left without "
        "area."
    )
    return out[~gone]


def _feature_layers(
    features: gpd.GeoDataFrame | None, target: pyproj.CRS, *, label: str = "OSM"
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Split osmnx/pyrosm features into buildings, lamps, bus stops and POIs."""
    empty_b = _empty_layer("building_id", {"building": "str", "residential": "bool"}, target)
    empty_l = _empty_layer("osm_id", {}, target)
    empty_s = _empty_layer("osm_id", {"name": "object"}, target)
    empty_p = _empty_layer("osm_id", {"amenity": "str", "name": "object"}, target)
    if features is None or features.empty:
        return empty_b, empty_l, empty_s, empty_p
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
