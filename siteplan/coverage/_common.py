"""Small array helpers shared by the coverage modules: layer geometries, bearings, masks."""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import Polygon

from siteplan.errors import InputWarning

__all__ = [
    "angle_diff_deg",
    "bearing_deg",
    "geometry_array",
    "nearest_rows",
    "polygonal",
    "usable_mask",
    "warn_skipped",
]

_TYPE_IDS = {"Point": 0, "LineString": 1, "Polygon": 3, "MultiPolygon": 6}


def geometry_array(layer: gpd.GeoDataFrame | gpd.GeoSeries) -> np.ndarray:
    """The layer's geometries as an object array of shapely geometries."""
    return np.asarray(layer.geometry.to_numpy(), dtype=object)


def usable_mask(geometries: np.ndarray, kinds: tuple[str, ...]) -> np.ndarray:
    """Mask of geometries that are present, non-empty and of one of `kinds`."""
    ok = ~shapely.is_missing(geometries)
    ok[ok] &= ~shapely.is_empty(geometries[ok])
    types = shapely.get_type_id(geometries)
    return ok & np.isin(types, [_TYPE_IDS[k] for k in kinds])


def warn_skipped(n_bad: int, n_all: int, name: str, what: str, *, stacklevel: int = 3) -> None:
    """Warn that `n_bad` of `n_all` rows of `name` were skipped (`stacklevel` as for warn)."""
    if n_bad:
        msg = f"`{name}`: skipped {n_bad} of {n_all} rows with {what}."
        warnings.warn(msg, InputWarning, stacklevel=stacklevel)


def bearing_deg(dx: np.ndarray, dy: np.ndarray) -> np.ndarray:
    """Compass bearing (0 = north, clockwise) of the vector (dx east, dy north)."""
    return np.degrees(np.arctan2(dx, dy)) % 360.0


def angle_diff_deg(a: np.ndarray | float, b: np.ndarray | float) -> np.ndarray:
    """Absolute difference of two bearings, in [0, 180]."""
    d = np.abs((np.asarray(a) - np.asarray(b)) % 360.0)
    return np.minimum(d, 360.0 - d)


def polygonal(geometries: np.ndarray) -> np.ndarray:
    """Keep only the polygonal parts of each geometry (drops slivers reduced to lines)."""
    out = geometries.copy()
    odd = ~np.isin(shapely.get_type_id(out), [3, 6]) & ~shapely.is_empty(out)
    for i in np.flatnonzero(odd):
        parts = [p for p in shapely.get_parts(out[i]) if p.geom_type in {"Polygon", "MultiPolygon"}]
        out[i] = shapely.union_all(parts) if parts else Polygon()
    return out


def nearest_rows(points: np.ndarray, tree: shapely.STRtree) -> np.ndarray:
    """Position in the tree of each point's nearest geometry (lowest position on ties)."""
    pairs = tree.query_nearest(points, all_matches=True)
    nearest = np.full(len(points), np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(nearest, pairs[0], pairs[1])
    return nearest
