"""GraphML saved by osmnx or `save_layers`, with the other layers in a GeoPackage beside it."""

from __future__ import annotations

import logging
from pathlib import Path

import geopandas as gpd
import osmnx as ox
import pyogrio
import pyproj
from shapely.geometry.base import BaseGeometry

from siteplan.errors import InputError
from siteplan.io.osm._layers import (
    LAYER_SCHEMAS,
    FeatureLayers,
    OsmLayers,
    empty_layer,
    feature_tuple,
    finish,
    warn,
)

__all__ = ["load_graphml", "save_layers"]

log = logging.getLogger(__name__)


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
    for (name, _, _), layer in zip(LAYER_SCHEMAS, feature_tuple(layers), strict=True):
        if not layer.empty:
            layer.reset_index().to_file(sidecar, layer=name, driver="GPKG")
    log.info("saved walk network to %s and its other layers to %s", path, sidecar)
    return path


def load_graphml(path: Path, target: pyproj.CRS, polygon: BaseGeometry | None) -> OsmLayers:
    """
    Load a GraphML walk network and, when present, the layers :func:`save_layers` wrote.

    Parameters
    ----------
    path
        The ``.graphml`` file.
    target
        The working CRS.
    polygon
        Keep only what lies inside this EPSG:4326 area (None: everything).

    Returns
    -------
    layers
        The layers, in `target`; buildings and points are empty without the GeoPackage.
    """
    try:
        G = ox.load_graphml(path)
    except Exception as err:  # networkx/lxml raise several types for bad GraphML
        msg = f"{path}: cannot read GraphML ({err}). Save graphs with `ox.save_graphml`."
        raise InputError(msg) from err
    sidecar = _sidecar(path)
    if sidecar.is_file():
        features: FeatureLayers | None = _read_sidecar(sidecar, target, polygon)
    else:
        features = None
        warn(
            f"{path}: a GraphML file holds only the network, and there is no {sidecar.name} "
            "beside it; buildings, lamps, bus stops and POIs are empty. Load an .osm or "
            ".osm.pbf extract, or save with siteplan.io.osm.save_layers, to get them."
        )
    return finish(G, features, label=str(path), target=target, polygon=polygon)


def _sidecar(graphml: Path) -> Path:
    return graphml.with_name(graphml.name[: -len(".graphml")] + ".features.gpkg")


def _read_sidecar(sidecar: Path, target: pyproj.CRS, polygon: BaseGeometry | None) -> FeatureLayers:
    """The layers :func:`save_layers` wrote, in `target`, clipped to `polygon`."""
    present = {str(name) for name in pyogrio.list_layers(sidecar)[:, 0]}
    area = None
    if polygon is not None:
        area = gpd.GeoSeries([polygon], crs="EPSG:4326").to_crs(target).iloc[0]
    out = []
    for name, index_name, columns in LAYER_SCHEMAS:
        if name not in present:
            out.append(empty_layer(index_name, columns, target))
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
