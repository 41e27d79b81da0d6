"""load_osm: one entry point for local files, dispatching to the loader of each format."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pyproj
from shapely.geometry.base import BaseGeometry

from siteplan.crs import parse_crs
from siteplan.errors import InputError, SourceUnavailableError
from siteplan.io.osm._graphml import load_graphml
from siteplan.io.osm._layers import OsmLayers, polygon_wgs84
from siteplan.io.osm._lines import LINE_SUFFIXES, load_road_lines
from siteplan.io.osm._pbf import load_pbf
from siteplan.io.osm._xml import XML_SUFFIXES, load_xml

__all__ = ["load_osm"]

_SUPPORTED = ".osm, .osm.bz2, .osm.gz, .osm.pbf, .graphml, .geojson, .gpkg"


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
        If the file is a folder, is not OSM data, has an unsupported suffix, or holds no
        walkable ways.
    CRSError
        If `crs` is geographic or unknown.
    ImportError
        For a ``.osm.pbf`` file when pyrosm is not installed.
    """
    path = Path(source)
    target = parse_crs(crs, key="crs")
    if path.is_dir():
        msg = (
            f"OSM file {path} is a folder. Set `inputs.osm` in the scenario to the file inside "
            f"it ({_SUPPORTED})."
        )
        raise InputError(msg)
    if not path.is_file():
        msg = (
            f"OSM file {path} does not exist. Check `inputs.osm` in the scenario, or download "
            "an extract (e.g. from download.geofabrik.de or with `siteplan fetch osm`)."
        )
        raise SourceUnavailableError(msg)
    area = polygon_wgs84(polygon)
    name = path.name.lower()
    if name.endswith(".osm.pbf") or name.endswith(".pbf"):
        return load_pbf(path, target, area)
    if name.endswith(".graphml"):
        return load_graphml(path, target, area)
    if name.endswith(XML_SUFFIXES):
        return load_xml(path, target, area)
    if path.suffix.lower() in LINE_SUFFIXES:
        return load_road_lines(path, crs=target, polygon=area)
    msg = (
        f"OSM file {path}: unknown file type {''.join(path.suffixes) or '(no suffix)'!r}. "
        f"siteplan reads {_SUPPORTED}. Rename the file if its suffix is wrong, or convert "
        "it with osmium (`osmium cat in.o5m -o out.osm.pbf`)."
    )
    raise InputError(msg)
