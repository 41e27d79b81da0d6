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

One module per source (``_xml``, ``_pbf``, ``_graphml``, ``_lines``, ``_online``); each turns
its source into a raw graph and features, and ``_layers.finish`` builds every layer from them.
The walk rules live in ``_tags``. Without a GTFS feed, :func:`transit_from_osm` builds the
stops and routes from OSM (``_transit``; departures are a documented proxy).
"""

from __future__ import annotations

from siteplan.io.osm._graphml import save_layers
from siteplan.io.osm._layers import OsmLayers
from siteplan.io.osm._lines import load_road_lines
from siteplan.io.osm._load import load_osm
from siteplan.io.osm._online import (
    walk_network_from_bbox,
    walk_network_from_place,
    walk_network_from_polygon,
)
from siteplan.io.osm._tags import (
    FOOTWAY_HIGHWAYS,
    POI_AMENITIES,
    RESIDENTIAL_BUILDINGS,
    WALKABLE_HIGHWAYS,
)
from siteplan.io.osm._transit import transit_from_osm

__all__ = [
    "FOOTWAY_HIGHWAYS",
    "POI_AMENITIES",
    "RESIDENTIAL_BUILDINGS",
    "WALKABLE_HIGHWAYS",
    "OsmLayers",
    "load_osm",
    "load_road_lines",
    "save_layers",
    "transit_from_osm",
    "walk_network_from_bbox",
    "walk_network_from_place",
    "walk_network_from_polygon",
]
