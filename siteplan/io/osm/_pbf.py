"""PBF (``.osm.pbf``) through pyrosm, an optional dependency."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pyproj
from shapely.geometry.base import BaseGeometry

from siteplan.errors import InputError
from siteplan.io.osm._layers import OsmLayers, finish
from siteplan.io.osm._tags import POI_AMENITIES, WALKABLE_HIGHWAYS, is_walkable

__all__ = ["load_pbf"]

_POI_FILTER = {
    "amenity": sorted(POI_AMENITIES),
    "highway": ["bus_stop", "street_lamp"],
    "public_transport": ["platform"],
}


def load_pbf(path: Path, target: pyproj.CRS, polygon: BaseGeometry | None) -> OsmLayers:
    """
    Load the walk network and the other layers from a PBF file with pyrosm.

    Parameters
    ----------
    path
        The ``.osm.pbf`` file.
    target
        The working CRS.
    polygon
        Read only this EPSG:4326 area (whole buildings across its edge); None: everything.

    Returns
    -------
    layers
        The layers, in `target`.

    Raises
    ------
    ImportError
        If pyrosm is not installed.
    InputError
        If the file cannot be read or holds no walkable ways.
    """
    osm = _open(path, polygon)
    G = _walk_graph(osm, path)
    return finish(G, _features(osm), label=str(path), target=target, polygon=None)


def _open(path: Path, polygon: BaseGeometry | None) -> Any:
    """A ``pyrosm.OSM`` reader of `path`, limited to `polygon`."""
    try:
        import pyrosm  # optional: only PBF files need it
    except ImportError as err:
        msg = (
            "Reading .osm.pbf files needs pyrosm: `pip install pyrosm` or "
            "`conda install -c conda-forge pyrosm`; or convert the file to .osm with "
            "`osmium cat extract.osm.pbf -o extract.osm`."
        )
        raise ImportError(msg) from err
    try:
        return pyrosm.OSM(
            str(path),
            bounding_box=polygon,
            complete_relations=polygon is not None,  # whole buildings across the edge
            progress=False,
            engine="in_memory",
        )
    except (ValueError, OSError, RuntimeError) as err:
        raise _unreadable(path, err) from err


def _unreadable(path: Path, err: Exception) -> InputError:
    return InputError(f"{path}: cannot read the PBF file ({err}). Download the extract again.")


def _walk_graph(osm: Any, path: Path) -> nx.MultiDiGraph:
    """
    The walkable ways of the PBF file as a simplified two-way graph.

    pyrosm's own "walking" filter differs from the XML path's (it drops every
    ``highway=cycleway``, even with ``foot=designated``, and ``sidewalk=separate`` roads), so
    every way is read and :func:`~siteplan.io.osm._tags.is_walkable`, the one walk filter of
    every format, decides.
    """
    try:
        nodes, edges = osm.get_network(
            network_type="all", nodes=True, extra_attributes=["area", "foot", "access"]
        )
    except (ValueError, OSError, RuntimeError) as err:
        raise _unreadable(path, err) from err
    if edges is None or edges.empty:
        msg = f"{path}: no walkable ways in the PBF file (or inside `polygon`)."
        raise InputError(msg)
    columns = [c for c in ("highway", "area", "foot", "access") if c in edges.columns]
    walkable = [is_walkable(dict(zip(columns, row, strict=True))) for row in edges[columns].values]
    edges = edges[np.asarray(walkable, dtype=bool)]
    if edges.empty:
        msg = f"{path}: no walkable ways after filtering (highway={sorted(WALKABLE_HIGHWAYS)})."
        raise InputError(msg)
    return osm.to_graph(
        nodes,
        edges,
        graph_type="networkx",
        retain_all=True,
        progress=False,
        simplify_kwargs={"edge_attrs_differ": ["highway", "name"]},
    )


def _features(osm: Any) -> gpd.GeoDataFrame | None:
    """Buildings and points as osmnx returns features: indexed by ``(element, id)``."""
    frames = []
    buildings = osm.get_buildings()
    if buildings is not None and not buildings.empty:
        frames.append(buildings)
    points = osm.get_pois(custom_filter=_POI_FILTER)
    if points is not None and not points.empty:
        frames.append(points)
    if not frames:
        return None
    cols = ["osm_type", "id", "building", "highway", "public_transport", "amenity", "name"]
    parts = [f.reindex(columns=[*cols, "geometry"]) for f in frames]
    features = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs="EPSG:4326")
    features = features.rename(columns={"osm_type": "element"})
    return features.drop_duplicates(subset=["element", "id"]).set_index(["element", "id"])
