"""Shared machinery of the scoring package: validation, snapping, scaling and ranking."""

from __future__ import annotations

import datetime as dt
import logging
import warnings
from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from siteplan.crs import require_projected
from siteplan.errors import InputError, InputWarning
from siteplan.schemas import require

log = logging.getLogger(__name__)

#: Incidents farther than this from every segment are not on the walk network.
SNAP_DISTANCE_M = 25.0


_NORM_QUANTILE = 0.99


def require_columns(frame: pd.DataFrame, columns: Sequence[str], name: str) -> None:
    require(
        frame,
        columns,
        name=name,
        hint="Load the layer through siteplan.io (or siteplan.corridors), which builds them.",
    )


def check_corridors(corridors: gpd.GeoDataFrame, columns: Sequence[str] = ()) -> None:
    require_columns(corridors, ["geometry", *columns], "corridors")
    require_projected(corridors, "corridors")
    if not corridors.index.is_unique:
        dupes = corridors.index[corridors.index.duplicated()].unique()[:3].tolist()
        msg = f"`corridors`: the index (corridor_id) repeats ids, e.g. {dupes}. Make them unique."
        raise InputError(msg)
    bad = corridors.geometry.isna() | corridors.geometry.is_empty
    if bad.any():
        msg = (
            f"`corridors`: {int(bad.sum())} segment(s) have no geometry, e.g. "
            f"{corridors.index[bad][:3].tolist()}. Rebuild them with siteplan.corridors."
        )
        raise InputError(msg)


def point_mask(incidents: gpd.GeoDataFrame) -> np.ndarray:
    """True where an incident has a usable point (area-level rows have none)."""
    geoms = incidents.geometry.values
    return ~(shapely.is_missing(geoms) | shapely.is_empty(geoms)) & (
        shapely.get_type_id(geoms) == shapely.GeometryType.POINT
    )


def weights_array(incidents: pd.DataFrame, weights: pd.Series | None) -> np.ndarray:
    if weights is None:
        return np.ones(len(incidents))
    w = pd.Series(weights).reindex(incidents.index)
    if w.isna().any():
        msg = (
            f"`weights`: {int(w.isna().sum())} incident(s) have no weight, e.g. "
            f"{incidents.index[w.isna()][:3].tolist()}. Pass weights indexed like `incidents` "
            "(see incident_weights)."
        )
        raise InputError(msg)
    arr = w.to_numpy(dtype=float)
    if (arr < 0).any():
        msg = f"`weights`: {int((arr < 0).sum())} negative weight(s); weights must be >= 0."
        raise InputError(msg)
    return arr


def weighted_points(
    incidents: gpd.GeoDataFrame, weights: pd.Series | None
) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates and weights of point incidents with a positive weight."""
    w = weights_array(incidents, weights)
    keep = point_mask(incidents) & (w > 0)
    xy = shapely.get_coordinates(incidents.geometry.values[keep])
    return xy, w[keep]


def robust_unit(values: pd.Series) -> pd.Series:
    """Scale to [0, 1]: divide by the 99th percentile (the maximum if that is 0) and clip."""
    arr = values.to_numpy(dtype=float)
    scale = float(np.quantile(arr, _NORM_QUANTILE)) if len(arr) else 0.0
    if scale <= 0:
        scale = float(arr.max()) if len(arr) else 0.0
    if scale <= 0:
        return pd.Series(0.0, index=values.index)
    return pd.Series(np.clip(arr / scale, 0.0, 1.0), index=values.index)


_SNAP_STEP_M = 2.0  # spacing of the points that find candidate segments
_SNAP_CANDIDATES = 8  # nearest points looked at per incident


def _densify(geoms: np.ndarray, step_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Points every ~`step_m` along each line (both ends included) and the line of each."""
    lengths = shapely.length(geoms)
    counts = np.maximum(2, np.ceil(lengths / step_m).astype(int) + 1)
    owner = np.repeat(np.arange(len(geoms)), counts)
    starts = np.cumsum(counts) - counts
    frac = (np.arange(len(owner)) - np.repeat(starts, counts)) / (counts[owner] - 1)
    pts = shapely.line_interpolate_point(geoms[owner], frac, normalized=True)
    return shapely.get_coordinates(pts), owner


def snap(corridors: gpd.GeoDataFrame, incidents: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(incident position, segment position) of point incidents snapped within 25 m.

    Each incident goes to its nearest segment; on a tie, the lowest segment position. The
    candidates are the segments of the 8 nearest of points spaced 2 m along every segment
    (a cKDTree); the exact distance to each candidate decides. (A nearer segment can be
    missed only when 8 points of other segments lie within 1 m of its distance.)
    """
    positions = np.flatnonzero(point_mask(incidents))
    if len(positions) == 0 or len(corridors) == 0:
        empty = np.zeros(0, dtype=int)
        return empty, empty
    pts = np.asarray(incidents.geometry.values)[positions]
    xy = shapely.get_coordinates(pts)
    geoms = np.asarray(corridors.geometry.values)
    samples, owner = _densify(geoms, _SNAP_STEP_M)
    k = min(_SNAP_CANDIDATES, len(samples))
    reach = SNAP_DISTANCE_M + _SNAP_STEP_M
    idx = cKDTree(samples).query(xy, k=k, distance_upper_bound=reach)[1].reshape(-1)
    found = idx < len(samples)
    inc = np.repeat(np.arange(len(xy), dtype=np.int64), k)[found]
    key = np.unique(inc * len(geoms) + owner[idx[found]])  # sorted by incident, then segment
    inc, seg = key // len(geoms), key % len(geoms)
    d = shapely.distance(pts[inc], geoms[seg])
    near = d <= SNAP_DISTANCE_M
    inc, seg, d = inc[near], seg[near], d[near]
    order = np.lexsort((seg, d, inc))  # by incident, distance, segment
    inc, seg = inc[order], seg[order]
    first = np.unique(inc, return_index=True)[1]
    return positions[inc[first]], seg[first]


def warn_off_network(
    corridors: gpd.GeoDataFrame, incidents: gpd.GeoDataFrame, *, reach_m: float
) -> None:
    """Warn with counts when point incidents lie beyond the kernel's reach of every segment."""
    positions = np.flatnonzero(point_mask(incidents))
    if len(positions) == 0:
        return
    xy = shapely.get_coordinates(incidents.geometry.values[positions])
    samples, _ = _densify(np.asarray(corridors.geometry.values), _SNAP_STEP_M)
    dist = cKDTree(samples).query(xy, k=1)[0]  # within 1 m of the distance to the line
    beyond = np.flatnonzero(dist > reach_m + _SNAP_STEP_M / 2)
    far = len(beyond)
    if far:
        example = incidents.index[positions[beyond[0]]]
        warnings.warn(
            f"{far} of {len(positions)} point incidents lie more than {reach_m:.0f} m from every "
            f"corridor (e.g. {example!r}), so they add nothing to any score: outside the walk "
            "network's extract, or a placeholder coordinate (set "
            "inputs.incident_columns.placeholder_lonlat).",
            InputWarning,
            stacklevel=3,
        )


def snap_counts(corridors: gpd.GeoDataFrame, incidents: gpd.GeoDataFrame) -> np.ndarray:
    """Point incidents per segment, each on its nearest segment within SNAP_DISTANCE_M."""
    _, seg = snap(corridors, incidents)
    return np.bincount(seg, minlength=len(corridors)).astype(float)


def as_timestamp(value: pd.Timestamp | dt.datetime | dt.date, times: pd.Series) -> pd.Timestamp:
    """`value` as a Timestamp comparable with `times` (localised to their zone if naive)."""
    ts = pd.Timestamp(value)
    tz = times.dt.tz
    if tz is not None and ts.tzinfo is None:
        return ts.tz_localize(tz)
    if tz is None and ts.tzinfo is not None:
        return ts.tz_localize(None)
    return ts


def rank_desc(values: pd.Series, *, tiebreak: Sequence[np.ndarray] = ()) -> pd.Series:
    """1 for the highest value; ties broken by `tiebreak` arrays (ascending), then the index."""
    keys = [index_codes(values.index), *reversed([np.asarray(t) for t in tiebreak])]
    order = np.lexsort((*keys, -values.to_numpy(dtype=float)))  # last key sorts first
    rank = np.empty(len(values), dtype=int)
    rank[order] = np.arange(1, len(values) + 1)
    return pd.Series(rank, index=values.index, name="rank")


def index_codes(index: pd.Index) -> np.ndarray:
    """Sort codes of the index (works for str and int ids alike)."""
    return pd.factorize(index, sort=True)[0]
