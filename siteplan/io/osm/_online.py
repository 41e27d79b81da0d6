"""Download the walk network and layers from OpenStreetMap (Overpass, through osmnx).

osmnx's cache lives under ``siteplan.settings.cache_folder / "osmnx"``. Every function refuses
to touch the network when ``siteplan.settings.offline`` is True.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import geopandas as gpd
import networkx as nx
import osmnx as ox
import pyproj
from osmnx._errors import InsufficientResponseError
from shapely.geometry.base import BaseGeometry

from siteplan import settings
from siteplan.crs import parse_crs
from siteplan.errors import SourceUnavailableError
from siteplan.io.osm._layers import OsmLayers, finish, osmnx_settings
from siteplan.io.osm._tags import FEATURE_TAGS

__all__ = ["walk_network_from_bbox", "walk_network_from_place", "walk_network_from_polygon"]


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
    with osmnx_settings(online=True):
        G = graph_fn(where, network_type="walk", simplify=False, retain_all=True)
        features = _features_online(lambda: features_fn(where, tags=FEATURE_TAGS))
    return finish(G, features, label=f"OSM {what}", target=target, polygon=None)


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
