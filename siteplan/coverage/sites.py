"""Candidate sites: where a camera could hang, and what its mount costs.

Sources: street lamps, building facades, public-transport stops, walk-network junctions and
evenly spaced points along the corridors (:func:`candidate_sites`). Sites inside buildings
are dropped and sites closer than :data:`DEDUPE_M` merged, by :data:`SOURCE_PRIORITY`.
"""

from __future__ import annotations

import logging
from typing import NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from siteplan.config import CostsConfig, CoverageConfig
from siteplan.coverage._common import (
    bearing_deg,
    geometry_array,
    nearest_rows,
    usable_mask,
    warn_skipped,
)
from siteplan.coverage.geometry import building_obstacles
from siteplan.crs import require_projected, require_same_crs
from siteplan.errors import InputError, ScenarioError
from siteplan.schemas import require

__all__ = [
    "DEDUPE_M",
    "FACADE_NUDGE_M",
    "LAMP_MOUNT_M",
    "MIN_WALL_M",
    "SNAP_M",
    "SOURCE_PRIORITY",
    "candidate_sites",
]

log = logging.getLogger(__name__)

#: Which site survives when two are closer than ``DEDUPE_M`` (lower wins).
SOURCE_PRIORITY: dict[str, int] = {
    "installed": -1,
    "lamp": 0,
    "facade": 1,
    "stop": 2,
    "junction": 3,
    "spacing": 4,
}
SNAP_M = 20.0  # lamps farther than this from every corridor are dropped
LAMP_MOUNT_M = 3.0  # a pole site this close to a street lamp is mounted on the lamp
DEDUPE_M = 2.0  # sites closer than this are one site
FACADE_NUDGE_M = 0.3  # facade sites sit this far outside their wall
MIN_WALL_M = 3.0  # walls shorter than this get no facade site

_CORRIDORS_HINT = "Build it with corridors.build_corridors, then scoring.score_corridors."
_SITE_SOURCE_KEY = {
    "lamps": "lamp",
    "facades": "facade",
    "junctions": "junction",
    "stops": "stop",
    "spacing": "spacing",
}


def candidate_sites(
    corridors: gpd.GeoDataFrame,
    *,
    buildings: gpd.GeoDataFrame | None,
    lamps: gpd.GeoDataFrame | None,
    stops: gpd.GeoDataFrame | None,
    config: CoverageConfig,
    costs: CostsConfig,
) -> gpd.GeoDataFrame:
    """
    Propose the places where a camera could be mounted.

    Sources (each enabled by ``coverage.site_sources``):

    - ``lamp``: street lamps within 20 m of a corridor, mounted on the lamp post;
    - ``facade``: points every ~``facade_spacing_m`` along each exterior wall (at least one in
      the middle of every wall of 3 m or more) whose wall faces a corridor within
      ``facade_max_distance_m``; nudged 0.3 m outward so the camera is outside its own wall;
    - ``stop``: every public-transport stop;
    - ``junction``: walk-network nodes where 3 or more corridor segments meet;
    - ``spacing``: points every ~``corridor_spacing_m`` along each corridor.

    Stop, junction and spacing sites need a new pole unless a street lamp stands within 3 m.
    Sites inside a building are dropped; sites closer than 2 m are merged, keeping the one of
    the first source in the order lamp, facade, stop, junction, spacing. With
    ``coverage.max_sites`` set, the sites next to the highest-scoring corridors are kept.

    Parameters
    ----------
    corridors
        Corridor segments indexed by ``corridor_id`` with ``u``, ``v``, ``area``, ``score``.
    buildings
        Building footprints (index ``building_id``), or None.
    lamps
        Street-lamp points, or None.
    stops
        Stop points indexed by ``stop_id``, or None.
    config
        The scenario's ``coverage`` section.
    costs
        The scenario's ``costs`` section (mount and connectivity prices).

    Returns
    -------
    sites
        Index ``site_id``; columns ``source``, ``mount``, ``area``, ``site_cost_sek``
        (mount + connectivity), ``facade_normal_deg`` (outward bearing, NaN if not a facade),
        geometry Point; in the corridors' CRS.

    Raises
    ------
    InputError
        If `corridors` lacks a needed column.
    CRSError
        If a layer is unprojected or in another CRS.
    ScenarioError
        If ``costs.mount_sek`` has no price for a mount in use.
    """
    corridors, c_geoms = _checked_corridors(
        corridors, buildings=buildings, lamps=lamps, stops=stops
    )
    if not len(corridors):
        log.info("candidate sites: 0 (no corridors)")
        return _empty_sites(corridors.crs)
    c_tree = shapely.STRtree(c_geoms)
    sites = _raw_sites(
        corridors, c_geoms, c_tree, buildings=buildings, lamps=lamps, stops=stops, config=config
    )
    if sites is None:
        log.info("candidate sites: 0 (no source produced a site)")
        return _empty_sites(corridors.crs)
    n_raw = len(sites)
    xy = sites[["x", "y"]].to_numpy(dtype=float)
    merged = _merge_sites(xy, sites, buildings)
    sites, pts = sites[merged.keep], shapely.points(xy[merged.keep])

    near = nearest_rows(pts, c_tree)
    sites["area"] = corridors["area"].to_numpy()[near]
    score = corridors["score"].to_numpy(dtype=float)[near]
    if config.max_sites is not None and len(sites) > config.max_sites:
        top = _best_sites(sites, score, config.max_sites)
        sites, pts = sites[top], pts[top]
    sites["mount"] = _site_mounts(sites["source"], pts, lamps)
    sites["site_cost_sek"] = _mount_cost(costs, sites["mount"]) + costs.connectivity_sek

    out = _sites_frame(sites, pts, corridors.crs)
    _log_sites(out, merged, n_raw)
    return out


def _log_sites(out: gpd.GeoDataFrame, merged: _Merged, n_raw: int) -> None:
    by_source = out["source"].value_counts().reindex(list(SOURCE_PRIORITY)[1:]).dropna().astype(int)
    log.info(
        "candidate sites: %d (%s); %d inside buildings dropped, %d merged within %.0f m, of %d",
        len(out),
        ", ".join(f"{k} {v}" for k, v in by_source.items()),
        merged.n_inside,
        merged.n_merged,
        DEDUPE_M,
        n_raw,
    )


def _checked_corridors(
    corridors: gpd.GeoDataFrame,
    *,
    buildings: gpd.GeoDataFrame | None,
    lamps: gpd.GeoDataFrame | None,
    stops: gpd.GeoDataFrame | None,
) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """Check the layers' columns and CRSs; the corridors with a line geometry, and those lines."""
    require(corridors, ("u", "v", "area", "score"), name="corridors", hint=_CORRIDORS_HINT)
    require_projected(corridors, "corridors")
    for name, layer in (("buildings", buildings), ("lamps", lamps), ("stops", stops)):
        if layer is not None and len(layer):
            require_same_crs(corridors, layer, "corridors", name)
    c_geoms = geometry_array(corridors)
    c_ok = usable_mask(c_geoms, ("LineString",))
    n_bad = int((~c_ok).sum())
    warn_skipped(n_bad, len(c_geoms), "corridors", "a missing or non-line geometry", stacklevel=4)
    return corridors[c_ok], c_geoms[c_ok]


def _raw_sites(
    corridors: gpd.GeoDataFrame,
    c_geoms: np.ndarray,
    c_tree: shapely.STRtree,
    *,
    buildings: gpd.GeoDataFrame | None,
    lamps: gpd.GeoDataFrame | None,
    stops: gpd.GeoDataFrame | None,
    config: CoverageConfig,
) -> pd.DataFrame | None:
    """
    The sites of every enabled source, before merging; None if no source produced one.

    Columns ``site_id``, ``x``, ``y``, ``source``, ``facade_normal_deg`` (NaN if not a facade).
    """
    wanted = {_SITE_SOURCE_KEY[s] for s in config.site_sources}
    parts: list[pd.DataFrame] = []
    if "lamp" in wanted:
        parts.append(
            _point_sites(lamps, "lamp", "lamps", corridor_tree=c_tree).assign(source="lamp")
        )
    if "facade" in wanted and buildings is not None and len(buildings):
        facades = _facade_sites(
            buildings,
            c_geoms,
            c_tree,
            spacing_m=config.facade_spacing_m,
            max_distance_m=config.facade_max_distance_m,
        )
        parts.append(facades.assign(source="facade"))
    if "stop" in wanted:
        parts.append(_point_sites(stops, "stop", "stops", corridor_tree=None).assign(source="stop"))
    if "junction" in wanted and len(corridors):
        parts.append(_junction_sites(corridors, c_geoms).assign(source="junction"))
    if "spacing" in wanted and len(corridors):
        spacing = _spacing_sites(corridors, c_geoms, config.corridor_spacing_m)
        parts.append(spacing.assign(source="spacing"))
    parts = [p for p in parts if len(p)]
    if not parts:
        return None
    sites = pd.concat(parts, ignore_index=True)
    dupes = sites["site_id"][sites["site_id"].duplicated()].unique()
    if len(dupes):
        msg = (
            f"{len(dupes)} candidate site ids repeat, e.g. {list(dupes[:3])}: the lamps, stops "
            "or buildings layer has a repeated index. Give each row a unique id."
        )
        raise InputError(msg)
    if "facade_normal_deg" not in sites:
        sites["facade_normal_deg"] = np.nan
    sites["facade_normal_deg"] = sites["facade_normal_deg"].astype(float)
    return sites


class _Merged(NamedTuple):
    keep: np.ndarray  # mask of the sites that stay
    n_inside: int  # dropped: inside a building
    n_merged: int  # dropped: within DEDUPE_M of a site of a preferred source


def _merge_sites(
    xy: np.ndarray, sites: pd.DataFrame, buildings: gpd.GeoDataFrame | None
) -> _Merged:
    """
    Drop sites inside a building, then merge sites closer than :data:`DEDUPE_M`.

    Of sites to merge the one first in :data:`SOURCE_PRIORITY`, then by ``site_id``, stays.
    Facade sites sit just outside their own wall, so they are not inside it.
    """
    pts = shapely.points(xy)
    b_geoms = building_obstacles(buildings)
    inside = np.zeros(len(sites), dtype=bool)
    if len(b_geoms):
        inside[shapely.STRtree(b_geoms).query(pts, predicate="within")[0]] = True
    priority = sites["source"].map(SOURCE_PRIORITY).to_numpy(dtype=int)
    order = np.lexsort((sites["site_id"].to_numpy(dtype=str), priority))
    order = order[~inside[order]]
    keep = np.zeros(len(sites), dtype=bool)
    sub_keep = _dedupe(xy[order], np.arange(len(order)), DEDUPE_M)
    keep[order[sub_keep]] = True
    return _Merged(keep, int(inside.sum()), int((~inside).sum() - keep.sum()))


def _best_sites(sites: pd.DataFrame, score: np.ndarray, max_sites: int) -> np.ndarray:
    """Mask of the `max_sites` sites next to the highest-scoring corridors (then by source, id)."""
    priority = sites["source"].map(SOURCE_PRIORITY).to_numpy(dtype=int)
    rank = np.lexsort((sites["site_id"].to_numpy(dtype=str), priority, -score))
    top = np.zeros(len(sites), dtype=bool)
    top[rank[:max_sites]] = True
    log.info("candidate sites: kept the %d of %d next to the best corridors", top.sum(), len(top))
    return top


def _site_mounts(source: pd.Series, pts: np.ndarray, lamps: gpd.GeoDataFrame | None) -> pd.Series:
    """Lamp post for lamps, facade for facades, else a new pole unless a lamp is within 3 m."""
    mount = source.map({"lamp": "lamp_post", "facade": "facade"}).fillna("new_pole")
    if lamps is not None and len(lamps):
        lamp_geoms = geometry_array(lamps)
        lamp_geoms = lamp_geoms[usable_mask(lamp_geoms, ("Point",))]
        on_lamp = np.zeros(len(pts), dtype=bool)
        hits = shapely.STRtree(lamp_geoms).query(pts, predicate="dwithin", distance=LAMP_MOUNT_M)[0]
        on_lamp[hits] = True
        mount = mount.mask(on_lamp & (mount == "new_pole").to_numpy(), "lamp_post")
    return mount.astype(str)


def _sites_frame(sites: pd.DataFrame, pts: np.ndarray, crs: object) -> gpd.GeoDataFrame:
    """The public sites layer: index ``site_id``, the documented columns, Point geometry."""
    frame = pd.DataFrame(
        {
            "source": sites["source"].to_numpy(dtype=str),
            "mount": sites["mount"].to_numpy(dtype=str),
            "area": sites["area"].to_numpy(),
            "site_cost_sek": sites["site_cost_sek"].to_numpy(dtype=float),
            "facade_normal_deg": sites["facade_normal_deg"].to_numpy(dtype=float),
        },
        index=pd.Index(sites["site_id"].to_numpy(dtype=str), name="site_id"),
    )
    return gpd.GeoDataFrame(frame, geometry=pts, crs=crs)


def _facade_sites(
    buildings: gpd.GeoDataFrame,
    corridor_geoms: np.ndarray,
    corridor_tree: shapely.STRtree,
    *,
    spacing_m: float,
    max_distance_m: float,
) -> pd.DataFrame:
    """Points along exterior walls that face a corridor within `max_distance_m`."""
    empty = pd.DataFrame(columns=["site_id", "x", "y", "facade_normal_deg"])
    geoms = geometry_array(buildings)
    ok = usable_mask(geoms, ("Polygon", "MultiPolygon"))
    parts, part_of = shapely.get_parts(geoms[ok], return_index=True)
    if not len(parts):
        return empty
    building_ids = buildings.index.to_numpy()[np.flatnonzero(ok)[part_of]]
    # Counter-clockwise exteriors: the outside of each wall is on its right.
    rings = shapely.get_exterior_ring(shapely.orient_polygons(parts, exterior_cw=False))
    coords, ring_of = shapely.get_coordinates(rings, return_index=True)
    same = ring_of[1:] == ring_of[:-1]
    a, b, seg_ring = coords[:-1][same], coords[1:][same], ring_of[:-1][same]
    vec = b - a
    wall_m = np.hypot(vec[:, 0], vec[:, 1])
    long_ = wall_m >= MIN_WALL_M
    a, vec, wall_m, seg_ring = a[long_], vec[long_], wall_m[long_], seg_ring[long_]
    if not len(a):
        return empty
    # Points every ~spacing_m along each wall, at least one in the middle of each wall.
    n_per = np.maximum(1, np.rint(wall_m / spacing_m)).astype(int)
    seg = np.repeat(np.arange(len(a)), n_per)
    k = np.arange(len(seg)) - np.repeat(np.cumsum(n_per) - n_per, n_per)
    t = (k + 0.5) / n_per[seg]
    on_wall = a[seg] + t[:, None] * vec[seg]
    unit = vec[seg] / wall_m[seg, None]
    normal = np.column_stack([unit[:, 1], -unit[:, 0]])  # right of travel = outward
    owner = building_ids[seg_ring[seg]]
    number = pd.Series(owner).groupby(owner, sort=False).cumcount().to_numpy()
    # Keep points whose wall faces a corridor that is close enough.
    pts = shapely.points(on_wall)
    p_i, c_i = corridor_tree.query(pts, predicate="dwithin", distance=max_distance_m)
    facing = np.zeros(len(pts), dtype=bool)
    if len(p_i):
        target = shapely.get_coordinates(
            shapely.get_point(shapely.shortest_line(pts[p_i], corridor_geoms[c_i]), 1)
        )
        dot = np.einsum("ij,ij->i", target - on_wall[p_i], normal[p_i])
        facing[p_i[dot > 0]] = True
    if not facing.any():
        return empty
    xy = on_wall[facing] + FACADE_NUDGE_M * normal[facing]
    ids = [f"facade-{o}-{i}" for o, i in zip(owner[facing], number[facing], strict=True)]
    return pd.DataFrame(
        {
            "site_id": ids,
            "x": xy[:, 0],
            "y": xy[:, 1],
            "facade_normal_deg": bearing_deg(normal[facing, 0], normal[facing, 1]),
        }
    )


def _point_sites(
    layer: gpd.GeoDataFrame | None,
    prefix: str,
    name: str,
    *,
    corridor_tree: shapely.STRtree | None,
) -> pd.DataFrame:
    """Sites at the points of `layer`; within SNAP_M of a corridor if a tree is given."""
    if layer is None or not len(layer):
        return pd.DataFrame(columns=["site_id", "x", "y"])
    geoms = geometry_array(layer)
    ok = usable_mask(geoms, ("Point",))
    warn_skipped(int((~ok).sum()), len(geoms), name, "a missing, empty or non-point geometry")
    keep = ok.copy()
    if corridor_tree is not None:
        rows = np.flatnonzero(ok)
        near = corridor_tree.query(geoms[rows], predicate="dwithin", distance=SNAP_M)[0]
        keep[:] = False
        keep[rows[near]] = True
    xy = shapely.get_coordinates(geoms[keep])
    ids = [f"{prefix}-{i}" for i in layer.index.to_numpy()[keep]]
    return pd.DataFrame({"site_id": ids, "x": xy[:, 0], "y": xy[:, 1]})


def _junction_sites(corridors: gpd.GeoDataFrame, geoms: np.ndarray) -> pd.DataFrame:
    """Graph nodes where three or more corridor segments meet."""
    start = shapely.get_coordinates(shapely.get_point(geoms, 0))
    end = shapely.get_coordinates(shapely.get_point(geoms, -1))
    ends = pd.DataFrame(
        {
            "node": np.concatenate([corridors["u"].to_numpy(), corridors["v"].to_numpy()]),
            "x": np.concatenate([start[:, 0], end[:, 0]]),
            "y": np.concatenate([start[:, 1], end[:, 1]]),
        }
    )
    nodes = ends.groupby("node", sort=True).agg(
        degree=("x", "size"), x=("x", "first"), y=("y", "first")
    )
    nodes = nodes[nodes["degree"] >= 3]
    ids = [f"junction-{n}" for n in nodes.index]
    return pd.DataFrame({"site_id": ids, "x": nodes["x"].to_numpy(), "y": nodes["y"].to_numpy()})


def _spacing_sites(
    corridors: gpd.GeoDataFrame, geoms: np.ndarray, spacing_m: float
) -> pd.DataFrame:
    """Points every ~spacing_m along each corridor, at least one at its middle."""
    n_per = np.maximum(1, np.rint(shapely.length(geoms) / spacing_m)).astype(int)
    row = np.repeat(np.arange(len(geoms)), n_per)
    k = np.arange(len(row)) - np.repeat(np.cumsum(n_per) - n_per, n_per)
    pts = shapely.line_interpolate_point(geoms[row], (k + 0.5) / n_per[row], normalized=True)
    xy = shapely.get_coordinates(pts)
    ids = [f"spacing-{c}-{i}" for c, i in zip(corridors.index.to_numpy()[row], k, strict=True)]
    return pd.DataFrame({"site_id": ids, "x": xy[:, 0], "y": xy[:, 1]})


def _dedupe(xy: np.ndarray, order: np.ndarray, radius_m: float) -> np.ndarray:
    """Mask of sites kept when, in `order`, each kept site removes later ones within radius."""
    pts = shapely.points(xy)
    i, j = shapely.STRtree(pts).query(pts, predicate="dwithin", distance=radius_m)
    rank = np.empty(len(order), dtype=int)
    rank[order] = np.arange(len(order))
    later = rank[j] > rank[i]
    i, j = i[later], j[later]
    keep = np.ones(len(xy), dtype=bool)
    if not len(i):
        return keep
    sort = np.lexsort((rank[j], rank[i]))
    i, j = i[sort], j[sort]
    bounds = np.searchsorted(rank[i], np.arange(len(order) + 1))
    for r in range(len(order)):
        s = order[r]
        if keep[s] and bounds[r] < bounds[r + 1]:
            keep[j[bounds[r] : bounds[r + 1]]] = False
    return keep


def _mount_cost(costs: CostsConfig, mounts: pd.Series) -> np.ndarray:
    """The price of each mount from ``costs.mount_sek``; raises if one has no price."""
    missing = sorted(set(mounts) - set(costs.mount_sek))
    if missing:
        msg = (
            f"costs.mount_sek has no price for mount(s) {missing}; found "
            f"{sorted(costs.mount_sek)}. Add e.g. `{missing[0]} = 45000` under [costs.mount_sek]."
        )
        raise ScenarioError(msg)
    return mounts.map(costs.mount_sek).to_numpy(dtype=float)


def _empty_sites(crs: object) -> gpd.GeoDataFrame:
    """A sites frame with no rows but every column."""
    frame = pd.DataFrame(
        {
            "source": pd.Series(dtype=str),
            "mount": pd.Series(dtype=str),
            "area": pd.Series(dtype=object),
            "site_cost_sek": pd.Series(dtype=float),
            "facade_normal_deg": pd.Series(dtype=float),
        },
        index=pd.Index([], dtype=str, name="site_id"),
    )
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([], crs=crs), crs=crs)
