"""Camera coverage: candidate sites, visibility footprints, demand points, coverage and costs.

The steps, each a pure function on in-memory frames in the working CRS (metres):

1. :func:`candidate_sites` proposes where a camera could hang: street lamps, building
   facades, walk-network junctions, public-transport stops and evenly spaced points along
   the corridors.
2. :func:`camera_options` lists, for every site and camera model, a few azimuths and the
   ground footprint each would see: a wedge of the model's DORI range (a disc for 360°
   models), minus the blind zone under the camera, clipped by a ray-cast visibility polygon
   against the building footprints (:func:`visibility_polygon`, :func:`footprint`).
3. :func:`demand_points` samples the corridors every few metres; each point carries the
   corridor score times the length it stands for.
4. :func:`coverage_matrix` says which option sees which demand point.
5. :func:`option_costs` prices each option (camera, licence, paperwork, permit risk).
6. :func:`build_problem` chains the above into a :class:`~siteplan.problem.PlacementProblem`.

Speed: the rays of all sites are cast at once in numpy (each building edge is intersected
analytically with the rays it spans), and option footprints are built straight from those
ray distances, so no polygon is clipped per option. About 180 000 options for 11 000 sites
take 8-12 s on one core, the coverage matrix 2 s more (Linköping road network).

Geometry model and its limits (see ../shared/DOMAIN.md §3):

- Buildings are opaque and infinitely tall; nothing else (trees, vehicles) blocks the view.
- The visibility polygon is cast with ``n_rays`` rays (default 360, i.e. 1° apart). Between
  two rays the polygon edge is a straight chord, so an obstacle narrower than the gap between
  rays can be missed: the gap is ``range × 2π / n_rays`` (0.87 m at 50 m, 1.6 m at 90 m).
- The blind zone is an assumption (:func:`blind_zone_m`): a 16:9 sensor tilted so the top of
  the image reaches a head (1.7 m) at the ground range.
"""

from __future__ import annotations

import logging
import math
import warnings
import zlib
from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon

from siteplan.config import (
    BudgetConfig,
    CameraModel,
    CostsConfig,
    CoverageConfig,
    Scenario,
)
from siteplan.crs import require_projected, require_same_crs
from siteplan.errors import InputError, InputWarning, ScenarioError
from siteplan.problem import OPTION_COLUMNS, PlacementProblem
from siteplan.schemas import require

__all__ = [
    "SOURCE_PRIORITY",
    "blind_zone_m",
    "build_problem",
    "camera_options",
    "candidate_sites",
    "coverage_matrix",
    "demand_points",
    "footprint",
    "option_costs",
    "visibility_polygon",
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
AIM_SEARCH_M = 10.0  # corridors this close to a site get an azimuth aimed along them
AZIMUTH_DEDUPE_DEG = 10.0  # azimuths of one site and model at least this far apart
FACADE_MAX_TURN_DEG = 80.0  # a facade camera looks at most this far from the wall's normal
HEAD_HEIGHT_M = 1.7
N_RAYS = 360
_ARC_POINTS = 65  # vertices on a wedge's arc (≤ 1.4° apart for a 90° lens)
_SITE_CHUNK = 100  # origins cast per batch, to bound memory
_VERTEX_CHUNK = 2_000_000  # footprint vertices built per batch

_SITE_SOURCE_KEY = {
    "lamps": "lamp",
    "facades": "facade",
    "junctions": "junction",
    "stops": "stop",
    "spacing": "spacing",
}


# ----------------------------------------------------------------------------------------------
# Small helpers


def _require(frame: pd.DataFrame, columns: Sequence[str], name: str) -> None:
    require(
        frame, columns, name=name, hint=f"Build it with the siteplan step that produces `{name}`."
    )


def _geoms(layer: gpd.GeoDataFrame | gpd.GeoSeries) -> np.ndarray:
    """The layer's geometries as an object array of shapely geometries."""
    return np.asarray(layer.geometry.to_numpy(), dtype=object)


def _usable(geoms: np.ndarray, kinds: tuple[str, ...]) -> np.ndarray:
    """Mask of geometries that are present, non-empty and of one of `kinds`."""
    ok = ~shapely.is_missing(geoms)
    ok[ok] &= ~shapely.is_empty(geoms[ok])
    types = shapely.get_type_id(geoms)
    ids = {"Point": 0, "LineString": 1, "Polygon": 3, "MultiPolygon": 6}
    return ok & np.isin(types, [ids[k] for k in kinds])


def _warn_skipped(n_bad: int, n_all: int, name: str, what: str) -> None:
    if n_bad:
        msg = f"`{name}`: skipped {n_bad} of {n_all} rows with {what}."
        warnings.warn(msg, InputWarning, stacklevel=3)


def _bearing_deg(dx: np.ndarray, dy: np.ndarray) -> np.ndarray:
    """Compass bearing (0 = north, clockwise) of the vector (dx east, dy north)."""
    return np.degrees(np.arctan2(dx, dy)) % 360.0


def _angle_diff_deg(a: np.ndarray | float, b: np.ndarray | float) -> np.ndarray:
    """Absolute difference of two bearings, in [0, 180]."""
    d = np.abs((np.asarray(a) - np.asarray(b)) % 360.0)
    return np.minimum(d, 360.0 - d)


def _polygonal(geoms: np.ndarray) -> np.ndarray:
    """Keep only the polygonal parts of each geometry (drops slivers reduced to lines)."""
    out = geoms.copy()
    odd = ~np.isin(shapely.get_type_id(out), [3, 6]) & ~shapely.is_empty(out)
    for i in np.flatnonzero(odd):
        parts = [p for p in shapely.get_parts(out[i]) if p.geom_type in {"Polygon", "MultiPolygon"}]
        out[i] = shapely.union_all(parts) if parts else Polygon()
    return out


# ----------------------------------------------------------------------------------------------
# Camera geometry


def blind_zone_m(model: CameraModel) -> float:
    """
    Radius of the blind zone under a camera, where a head (1.7 m) is below the image.

    Assumes a 16:9 sensor (vertical FOV from the horizontal one) tilted so the top edge of the
    image reaches a head at the model's ground range. 360° models look straight down: no blind
    zone. An assumption, not a datasheet value.

    Parameters
    ----------
    model
        The camera model.

    Returns
    -------
    blind_m
        Horizontal distance from the mast within which a head is not seen.
    """
    dh = model.mount_height_m - HEAD_HEIGHT_M
    ground = model.ground_range_m
    if model.is_360 or dh <= 0 or ground <= 0:
        return 0.0
    vfov = 2 * math.atan(math.tan(math.radians(model.hfov_deg) / 2) * 9 / 16)
    lowest = math.atan2(dh, ground) + vfov  # depression of the image's bottom edge
    if lowest >= math.pi / 2:
        return 0.0
    return dh / math.tan(lowest)


def _ray_directions(n_rays: int) -> np.ndarray:
    theta = np.radians(np.arange(n_rays) * (360.0 / n_rays))
    return np.column_stack([np.sin(theta), np.cos(theta)])  # (east, north) per compass bearing


def _cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]


def _ray_distances(
    xy: np.ndarray, obstacles: np.ndarray, *, radius_m: float, n_rays: int
) -> tuple[np.ndarray, np.ndarray]:
    """
    Distance along each ray to the nearest obstacle edge, for many origins at once.

    Ray ``k`` of an origin has bearing ``k · 360 / n_rays``. Each obstacle edge within
    `radius_m` of an origin is intersected analytically with the rays inside its angular
    span (numpy, no per-ray geometry). Returns ``(dist, blocked)``: ``dist[i, k]`` capped at
    `radius_m`, and ``blocked[i]`` True where origin ``i`` lies inside or on an obstacle.
    """
    n = len(xy)
    dist = np.full((n, n_rays), float(radius_m))
    blocked = np.zeros(n, dtype=bool)
    if not len(obstacles) or not n:
        return dist, blocked
    pts = shapely.points(xy)
    blocked[shapely.STRtree(obstacles).query(pts, predicate="intersects")[0]] = True
    coords, ring_of = shapely.get_coordinates(
        shapely.get_rings(shapely.get_parts(obstacles)), return_index=True
    )
    same = ring_of[1:] == ring_of[:-1]
    p, q = coords[:-1][same], coords[1:][same]
    keep = np.any(p != q, axis=1)
    p, q = p[keep], q[keep]
    edges = shapely.STRtree(shapely.linestrings(np.stack([p, q], axis=1)))
    dirs = _ray_directions(n_rays)
    per_ray = n_rays / 360.0
    chunk = _SITE_CHUNK
    for lo in range(0, n, chunk):
        hi = min(n, lo + chunk)
        s_i, e_i = edges.query(pts[lo:hi], predicate="dwithin", distance=radius_m)
        if not len(s_i):
            continue
        w_p, w_q = p[e_i] - xy[lo + s_i], q[e_i] - xy[lo + s_i]
        # The rays between the bearings of the edge's ends (the short way round).
        a = _bearing_deg(w_p[:, 0], w_p[:, 1]) * per_ray
        span = (_bearing_deg(w_q[:, 0], w_q[:, 1]) * per_ray - a + n_rays / 2) % n_rays
        span -= n_rays / 2
        first = np.ceil(np.where(span >= 0, a, a + span) - 1e-9).astype(np.int64)
        last = np.floor(np.where(span >= 0, a + span, a) + 1e-9).astype(np.int64)
        count = np.maximum(last - first + 1, 0)
        pair = np.repeat(np.arange(len(s_i)), count)
        ray = first[pair] + np.arange(len(pair)) - np.repeat(np.cumsum(count) - count, count)
        ray %= n_rays
        d, e, w = dirs[ray], (q - p)[e_i[pair]], w_p[pair]
        denom = _cross(d, e)
        ok = np.abs(denom) > 1e-12
        with np.errstate(divide="ignore", invalid="ignore"):
            along = _cross(w, e) / denom  # distance along the ray
            t = _cross(w, d) / denom  # position along the edge, 0..1
        ok &= (along >= 0) & (t >= -1e-9) & (t <= 1 + 1e-9)
        flat = dist[lo:hi].reshape(-1).copy()
        np.minimum.at(flat, s_i[pair[ok]] * n_rays + ray[ok], along[ok])
        dist[lo:hi] = flat.reshape(hi - lo, n_rays)
    return dist, blocked


def _star_polygons(xy: np.ndarray, dist: np.ndarray, blocked: np.ndarray) -> np.ndarray:
    """Polygons through the ray end points (simple: star-shaped with positive radii)."""
    if not len(xy):
        return np.empty(0, dtype=object)
    dirs = _ray_directions(dist.shape[1])
    polys = shapely.polygons(xy[:, None, :] + dist[:, :, None] * dirs[None, :, :])
    polys[blocked] = Polygon()
    return polys


def _obstacles(buildings: gpd.GeoDataFrame | None) -> np.ndarray:
    if buildings is None or not len(buildings):
        return np.empty(0, dtype=object)
    geoms = _geoms(buildings)
    return geoms[_usable(geoms, ("Polygon", "MultiPolygon"))]


def visibility_polygon(
    origin: Point,
    obstacles: gpd.GeoDataFrame | gpd.GeoSeries | Sequence[Polygon] | np.ndarray,
    *,
    radius_m: float,
    n_rays: int = N_RAYS,
) -> Polygon:
    """
    The area visible from `origin` within `radius_m`, by ray casting against obstacles.

    Casts `n_rays` evenly spaced rays (ray 0 points north, then clockwise), stops each at its
    nearest obstacle and joins the end points. The result is exact at the rays; between two
    rays the edge is a chord, so the angular resolution is ``360 / n_rays`` degrees. Works in
    concave courtyards: a ray stops at the first wall it meets.

    Parameters
    ----------
    origin
        The viewpoint.
    obstacles
        Polygons that block the view (building footprints).
    radius_m
        How far to look, in metres. Must be > 0.
    n_rays
        Number of rays. Must be >= 3.

    Returns
    -------
    visibility
        The visible area; empty if `origin` lies inside or on an obstacle.
    """
    if radius_m <= 0 or n_rays < 3:
        msg = f"radius_m must be > 0 and n_rays >= 3; got radius_m={radius_m}, n_rays={n_rays}."
        raise InputError(msg)
    if isinstance(obstacles, gpd.GeoDataFrame | gpd.GeoSeries):
        obs = _obstacles(obstacles)  # type: ignore[arg-type]
    else:
        obs = np.asarray(list(obstacles), dtype=object)
        obs = obs[_usable(obs, ("Polygon", "MultiPolygon"))]
    xy = np.array([[origin.x, origin.y]], dtype=float)
    dist, blocked = _ray_distances(xy, obs, radius_m=radius_m, n_rays=n_rays)
    return _star_polygons(xy, dist, blocked)[0]


def _footprints(
    xy: np.ndarray,
    azimuth_deg: np.ndarray,
    hfov_deg: np.ndarray,
    range_m: np.ndarray,
    blind_m: np.ndarray,
    visibility: np.ndarray | None,
) -> np.ndarray:
    """Vectorised :func:`footprint` over arrays of equal length."""
    n = len(xy)
    if n == 0:
        return np.empty(0, dtype=object)
    pano = hfov_deg >= 360
    shapes = np.empty(n, dtype=object)
    if pano.any():
        shapes[pano] = shapely.buffer(shapely.points(xy[pano]), range_m[pano], quad_segs=32)
    if (~pano).any():
        w = ~pano
        t = np.linspace(-0.5, 0.5, _ARC_POINTS)
        ang = np.radians(azimuth_deg[w, None] + hfov_deg[w, None] * t[None, :])
        arc = xy[w, None, :] + range_m[w, None, None] * np.stack([np.sin(ang), np.cos(ang)], -1)
        ring = np.concatenate([xy[w, None, :], arc], axis=1)
        shapes[w] = shapely.polygons(ring)
    if visibility is not None:
        shapes = shapely.intersection(shapes, visibility)
    blind = blind_m > 0
    if blind.any():
        discs = shapely.buffer(shapely.points(xy[blind]), blind_m[blind], quad_segs=16)
        shapes[blind] = shapely.difference(shapes[blind], discs)
    return _polygonal(shapes)


def _ray_footprints(
    xy: np.ndarray,
    dist: np.ndarray,
    site_pos: np.ndarray,
    azimuth_deg: np.ndarray,
    hfov_deg: np.ndarray,
    range_m: np.ndarray,
    blind_m: np.ndarray,
) -> np.ndarray:
    """
    Footprints built straight from the sites' ray distances (no polygon clipping).

    A wedge's vertices are its apex, the points where its two edges meet the visibility
    polygon's boundary (the chord between the neighbouring rays) and every ray inside it,
    each capped at the range. 360° footprints use every ray. Equal to
    :func:`footprint` with the site's :func:`visibility_polygon`, up to the ray spacing.
    """
    n_opt = len(site_pos)
    out = np.empty(n_opt, dtype=object)
    if not n_opt:
        return out
    n_rays = dist.shape[1]
    per_ray = n_rays / 360.0
    dirs = _ray_directions(n_rays)
    pano = hfov_deg >= 360
    lo = (azimuth_deg - hfov_deg / 2) * per_ray
    hi = lo + hfov_deg * per_ray
    first = np.ceil(lo + 1e-9).astype(np.int64)
    inner = np.maximum(np.floor(hi - 1e-9).astype(np.int64) - first + 1, 0)
    n_vert = np.where(pano, n_rays, inner + 3)
    ends = np.cumsum(n_vert)
    starts = ends - n_vert
    cut = np.zeros(n_opt, dtype=bool)  # footprints that need the blind disc cut out
    batch_lo = 0
    while batch_lo < n_opt:
        cap = starts[batch_lo] + _VERTEX_CHUNK
        batch_hi = max(batch_lo + 1, int(np.searchsorted(ends, cap, side="right")))
        sl = slice(batch_lo, batch_hi)
        nv = n_vert[sl]
        opt = np.repeat(np.arange(batch_lo, batch_hi), nv)
        j = np.arange(len(opt)) - np.repeat(np.cumsum(nv) - nv, nv)  # vertex number
        s = site_pos[opt]
        # Vertex j: for a wedge 0 = apex, 1 and nv-1 = the edges, else the rays in between.
        ray = np.where(pano[opt], j, first[opt] + j - 2) % n_rays
        reach = dist[s, ray]
        d = dirs[ray]
        apex = ~pano[opt] & (j == 0)
        is_edge = ~pano[opt] & ((j == 1) | (j == nv[opt - batch_lo] - 1))
        if is_edge.any():
            # An edge meets the visibility boundary on the chord between its two nearest rays.
            e_angle = np.where(j[is_edge] == 1, lo[opt[is_edge]], hi[opt[is_edge]])
            k = np.floor(e_angle + 1e-9).astype(np.int64)
            k1, k2 = k % n_rays, (k + 1) % n_rays
            e_site = s[is_edge]
            p1 = dist[e_site, k1, None] * dirs[k1]
            chord = dist[e_site, k2, None] * dirs[k2] - p1
            theta = np.radians(e_angle / per_ray)
            e_dir = np.column_stack([np.sin(theta), np.cos(theta)])
            with np.errstate(divide="ignore", invalid="ignore"):
                e_reach = _cross(p1, chord) / _cross(e_dir, chord)
            reach[is_edge] = np.where(np.isfinite(e_reach), e_reach, dist[e_site, k1])
            d[is_edge] = e_dir
        reach = np.minimum(reach, range_m[opt])
        reach[apex] = np.inf
        # A wedge whose every chord stays outside the blind disc becomes an annular sector:
        # outer vertices, then the blind arc backwards. Others are cut by a disc below.
        closest = np.minimum.reduceat(reach, starts[sl] - starts[batch_lo])
        annular = (
            (~pano[sl])
            & (blind_m[sl] > 0)
            & (closest * math.cos(math.pi / n_rays) > blind_m[sl] * (1 + 1e-9))
        )
        cut[sl] = (blind_m[sl] > 0) & ~annular
        reach[apex] = 0.0
        ring_of = opt - batch_lo
        ann = annular[ring_of]
        # Place each vertex in its ring: annular rings drop the apex and add the arc back.
        n_new = np.where(annular, 2 * (nv - 1), nv)
        first_new = (np.cumsum(n_new) - n_new)[ring_of]
        coords = np.empty((int(n_new.sum()), 2))
        keep = ~(ann & apex)
        pos = first_new + np.where(ann, j - 1, j)
        coords[pos[keep]] = xy[s[keep]] + reach[keep, None] * d[keep]
        back = ann & ~apex
        pos = first_new[back] + 2 * (nv[ring_of[back]] - 1) - j[back]
        coords[pos] = xy[s[back]] + blind_m[opt[back], None] * d[back]
        ring_of = np.repeat(np.arange(len(nv)), n_new)
        rings = shapely.linearrings(coords, indices=ring_of)
        out[sl] = shapely.polygons(rings)
        batch_lo = batch_hi
    if cut.any():
        discs = shapely.buffer(shapely.points(xy[site_pos[cut]]), blind_m[cut], quad_segs=16)
        out[cut] = shapely.difference(out[cut], discs)
    return _polygonal(out)


def footprint(
    origin: Point,
    *,
    azimuth_deg: float | None,
    hfov_deg: float,
    range_m: float,
    blind_m: float = 0.0,
    visibility: Polygon | None,
) -> Polygon | MultiPolygon:
    """
    The ground area a camera sees: a wedge (a disc for 360°) minus its blind zone, clipped.

    Parameters
    ----------
    origin
        Camera position.
    azimuth_deg
        Compass bearing of the optical axis (0 = north, clockwise). Ignored for 360°.
    hfov_deg
        Horizontal field of view in degrees; >= 360 gives a disc.
    range_m
        Ground range in metres (the wedge's radius).
    blind_m
        Radius of the blind zone under the camera, removed from the footprint.
    visibility
        Visibility polygon of `origin` (see :func:`visibility_polygon`); None for an
        unobstructed view.

    Returns
    -------
    footprint
        The visible wedge; empty if nothing is seen.
    """
    az = 0.0 if azimuth_deg is None or hfov_deg >= 360 else float(azimuth_deg)
    out = _footprints(
        np.array([[origin.x, origin.y]], dtype=float),
        np.array([az]),
        np.array([float(hfov_deg)]),
        np.array([float(range_m)]),
        np.array([float(blind_m)]),
        None if visibility is None else np.array([visibility], dtype=object),
    )
    return out[0]


# ----------------------------------------------------------------------------------------------
# Candidate sites


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
    geoms = _geoms(buildings)
    ok = _usable(geoms, ("Polygon", "MultiPolygon"))
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
            "facade_normal_deg": _bearing_deg(normal[facing, 0], normal[facing, 1]),
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
    geoms = _geoms(layer)
    ok = _usable(geoms, ("Point",))
    _warn_skipped(int((~ok).sum()), len(geoms), name, "a missing, empty or non-point geometry")
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


def _nearest_rows(points: np.ndarray, tree: shapely.STRtree) -> np.ndarray:
    """Position in the tree of each point's nearest geometry (lowest position on ties)."""
    pairs = tree.query_nearest(points, all_matches=True)
    nearest = np.full(len(points), np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(nearest, pairs[0], pairs[1])
    return nearest


def _mount_cost(costs: CostsConfig, mounts: pd.Series) -> np.ndarray:
    missing = sorted(set(mounts) - set(costs.mount_sek))
    if missing:
        msg = (
            f"costs.mount_sek has no price for mount(s) {missing}; found "
            f"{sorted(costs.mount_sek)}. Add e.g. `{missing[0]} = 45000` under [costs.mount_sek]."
        )
        raise ScenarioError(msg)
    return mounts.map(costs.mount_sek).to_numpy(dtype=float)


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
    _require(corridors, ("u", "v", "area", "score"), "corridors")
    require_projected(corridors, "corridors")
    for name, layer in (("buildings", buildings), ("lamps", lamps), ("stops", stops)):
        if layer is not None and len(layer):
            require_same_crs(corridors, layer, "corridors", name)
    c_geoms = _geoms(corridors)
    c_ok = _usable(c_geoms, ("LineString",))
    _warn_skipped(int((~c_ok).sum()), len(c_geoms), "corridors", "a missing or non-line geometry")
    corridors, c_geoms = corridors[c_ok], c_geoms[c_ok]
    if not len(corridors):
        log.info("candidate sites: 0 (no corridors)")
        return _empty_sites(corridors.crs)
    c_tree = shapely.STRtree(c_geoms)
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
        log.info("candidate sites: 0 (no source produced a site)")
        return _empty_sites(corridors.crs)
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
    n_raw = len(sites)
    xy = sites[["x", "y"]].to_numpy(dtype=float)
    pts = shapely.points(xy)

    # Drop sites inside a building (facade sites sit just outside their own wall).
    b_geoms = _obstacles(buildings)
    inside = np.zeros(len(sites), dtype=bool)
    if len(b_geoms):
        inside[shapely.STRtree(b_geoms).query(pts, predicate="within")[0]] = True
    # Merge sites closer than DEDUPE_M, preferring lamps, then facades, stops, ...
    priority = sites["source"].map(SOURCE_PRIORITY).to_numpy(dtype=int)
    order = np.lexsort((sites["site_id"].to_numpy(dtype=str), priority))
    order = order[~inside[order]]
    keep = np.zeros(len(sites), dtype=bool)
    sub_keep = _dedupe(xy[order], np.arange(len(order)), DEDUPE_M)
    keep[order[sub_keep]] = True
    n_inside, n_merged = int(inside.sum()), int((~inside).sum() - keep.sum())
    sites, xy, pts = sites[keep], xy[keep], pts[keep]

    near = _nearest_rows(pts, c_tree)
    sites["area"] = corridors["area"].to_numpy()[near]
    score = corridors["score"].to_numpy(dtype=float)[near]
    if config.max_sites is not None and len(sites) > config.max_sites:
        rank = np.lexsort((sites["site_id"].to_numpy(dtype=str), priority[keep], -score))
        top = np.zeros(len(sites), dtype=bool)
        top[rank[: config.max_sites]] = True
        log.info(
            "candidate sites: kept the %d of %d next to the best corridors", top.sum(), len(top)
        )
        sites, xy, pts = sites[top], xy[top], pts[top]

    mount = sites["source"].map({"lamp": "lamp_post", "facade": "facade"}).fillna("new_pole")
    if lamps is not None and len(lamps):
        lamp_geoms = _geoms(lamps)
        lamp_geoms = lamp_geoms[_usable(lamp_geoms, ("Point",))]
        on_lamp = np.zeros(len(sites), dtype=bool)
        hits = shapely.STRtree(lamp_geoms).query(pts, predicate="dwithin", distance=LAMP_MOUNT_M)[0]
        on_lamp[hits] = True
        mount = mount.mask(on_lamp & (mount == "new_pole").to_numpy(), "lamp_post")
    sites["mount"] = mount.astype(str)
    sites["site_cost_sek"] = _mount_cost(costs, sites["mount"]) + costs.connectivity_sek

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
    out = gpd.GeoDataFrame(frame, geometry=pts, crs=corridors.crs)
    by_source = out["source"].value_counts().reindex(list(SOURCE_PRIORITY)[1:]).dropna().astype(int)
    log.info(
        "candidate sites: %d (%s); %d inside buildings dropped, %d merged within %.0f m, of %d",
        len(out),
        ", ".join(f"{k} {v}" for k, v in by_source.items()),
        n_inside,
        n_merged,
        DEDUPE_M,
        n_raw,
    )
    return out


def _empty_sites(crs: object) -> gpd.GeoDataFrame:
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


# ----------------------------------------------------------------------------------------------
# Camera options


def _usable_models(models: Sequence[CameraModel]) -> list[CameraModel]:
    usable = [m for m in models if m.ground_range_m > 0]
    dropped = [m.model for m in models if m.ground_range_m <= 0]
    if dropped:
        msg = (
            f"camera model(s) {dropped} reach no head at 1.7 m from their mount height at the "
            f"required DORI level and get no options; lower `mount_height_m` or the `level`."
        )
        warnings.warn(msg, InputWarning, stacklevel=3)
    return usable


def _corridor_aims(
    xy: np.ndarray, corridors: gpd.GeoDataFrame | None, half_ranges: np.ndarray
) -> list[dict[int, list[float]]]:
    """Per model (by half range): site position -> bearings along the corridors at the site."""
    out: list[dict[int, list[float]]] = [{} for _ in half_ranges]
    if corridors is None or not len(corridors) or not len(xy):
        return out
    geoms = _geoms(corridors)
    geoms = geoms[_usable(geoms, ("LineString",))]
    pts = shapely.points(xy)
    s_i, c_i = shapely.STRtree(geoms).query(pts, predicate="dwithin", distance=AIM_SEARCH_M)
    if not len(s_i):
        return out
    order = np.lexsort((c_i, s_i))
    s_i, c_i = s_i[order], c_i[order]
    lines = geoms[c_i]
    length = shapely.length(lines)
    along = shapely.line_locate_point(lines, pts[s_i])
    for m, half in enumerate(half_ranges):
        for sign in (-1.0, 1.0):
            target = shapely.line_interpolate_point(lines, np.clip(along + sign * half, 0, length))
            dxy = shapely.get_coordinates(target) - xy[s_i]
            far = np.hypot(dxy[:, 0], dxy[:, 1]) > 1.0
            bearing = _bearing_deg(dxy[:, 0], dxy[:, 1])
            for s, b in zip(s_i[far], bearing[far], strict=True):
                out[m].setdefault(int(s), []).append(float(b))
    return out


def _site_azimuths(site_id: str, aims: list[float], normal_deg: float, k: int) -> list[int]:
    """Corridor-aimed then evenly spaced azimuths, ≥ 10° apart, facing away from any wall."""
    offset = (zlib.crc32(site_id.encode()) % 1000) / 1000 * (360.0 / k)
    even = [offset + i * 360.0 / k for i in range(k)]
    kept: list[int] = []
    for a in [*aims, *even]:
        az = round(a) % 360
        if all(min((az - b) % 360, (b - az) % 360) >= AZIMUTH_DEDUPE_DEG for b in kept):
            kept.append(az)
    if not math.isnan(normal_deg):
        kept = [a for a in kept if _angle_diff_deg(a, normal_deg) <= FACADE_MAX_TURN_DEG]
        if not kept:
            kept = [round(normal_deg) % 360]
    return sorted(kept)


def _options_frame(
    sites: gpd.GeoDataFrame,
    site_pos: np.ndarray,
    models: Sequence[CameraModel],
    model_pos: np.ndarray,
    azimuth: np.ndarray,
    rays: tuple[np.ndarray, np.ndarray],
) -> gpd.GeoDataFrame:
    """Option rows with their footprints, for the given (site, model, azimuth) triples."""
    xy = shapely.get_coordinates(_geoms(sites))
    hfov = np.array([m.hfov_deg for m in models], dtype=float)[model_pos]
    ground = np.array([m.ground_range_m for m in models], dtype=float)[model_pos]
    blind = np.array([blind_zone_m(m) for m in models], dtype=float)[model_pos]
    pano = hfov >= 360
    az = np.where(pano, np.nan, azimuth)
    dist, blocked = rays
    geoms = _ray_footprints(xy, dist, site_pos, np.nan_to_num(az), hfov, ground, blind)
    geoms[blocked[site_pos] | (ground <= 0)] = Polygon()
    site_ids = sites.index.to_numpy(dtype=str)[site_pos]
    names = np.array([m.model for m in models], dtype=object)[model_pos]
    slot = [f"{s}/{m}" for s, m in zip(site_ids, names, strict=True)]
    option_id = [
        f"{sl}/360" if p else f"{sl}/{int(a):03d}"
        for sl, p, a in zip(slot, pano, azimuth, strict=True)
    ]
    legal = (
        sites["legal_class"].to_numpy()[site_pos]
        if "legal_class" in sites
        else np.full(len(site_pos), None, dtype=object)
    )
    frame = pd.DataFrame(
        {
            "site_id": site_ids,
            "slot_id": slot,
            "model": names,
            "azimuth_deg": az,
            "hfov_deg": hfov,
            "range_m": ground,
            "mount": sites["mount"].to_numpy()[site_pos],
            "legal_class": legal,
            "area": sites["area"].to_numpy()[site_pos],
        },
        index=pd.Index(option_id, name="option_id"),
    )
    return gpd.GeoDataFrame(frame, geometry=geoms, crs=sites.crs)


def camera_options(
    sites: gpd.GeoDataFrame,
    models: Sequence[CameraModel],
    *,
    buildings: gpd.GeoDataFrame | None,
    corridors: gpd.GeoDataFrame | None,
    azimuths_per_site: int = 8,
    n_rays: int = N_RAYS,
) -> gpd.GeoDataFrame:
    """
    List the camera options: every site × model × azimuth, with the footprint it would see.

    Azimuths per (site, model): bearings from the site to the points half the model's range
    along each corridor within 10 m of the site, then `azimuths_per_site` evenly spaced
    bearings (turned by a fixed, site-dependent offset), rounded to whole degrees and kept
    only if 10° or more from those already kept. Facade sites keep the azimuths within 80° of
    their wall's outward normal. A 360° model gets one option. Sites inside a building get
    none. Each site's rays are cast once (radius = the longest ground range) and shared by
    all its options; a footprint is the model's ground-range wedge through those rays, minus
    the blind zone (:func:`blind_zone_m`). It equals :func:`footprint` with the site's
    :func:`visibility_polygon` up to the ray spacing.

    Parameters
    ----------
    sites
        Candidate sites (see :func:`candidate_sites`); ``legal_class`` is copied if present.
    models
        The camera catalogue.
    buildings
        Building footprints that block the view, or None.
    corridors
        Corridor segments to aim along, or None.
    azimuths_per_site
        Evenly spaced azimuths per site and model.
    n_rays
        Rays of each visibility polygon (angular resolution 360 / n_rays degrees).

    Returns
    -------
    options
        Index ``option_id`` (``"<site_id>/<model>/<azimuth:03d>"``, or ``.../360`` for 360°
        models); the columns of :data:`siteplan.problem.OPTION_COLUMNS` except the costs
        (see :func:`option_costs`); geometry = footprint (may be empty).
    """
    _require(sites, ("mount", "area"), "sites")
    require_projected(sites, "sites")
    for name, layer in (("buildings", buildings), ("corridors", corridors)):
        if layer is not None and len(layer):
            require_same_crs(sites, layer, "sites", name)
    if azimuths_per_site < 1:
        msg = f"azimuths_per_site must be >= 1; got {azimuths_per_site}."
        raise InputError(msg)
    usable = _usable_models(models)
    xy = shapely.get_coordinates(_geoms(sites))
    if not usable or not len(sites):
        none = np.empty(0, dtype=int)
        rays = (np.empty((0, n_rays)), np.empty(0, dtype=bool))
        return _options_frame(sites.iloc[:0], none, usable, none, none.astype(float), rays)
    radius = max(m.ground_range_m for m in usable)
    dist, blocked = _ray_distances(xy, _obstacles(buildings), radius_m=radius, n_rays=n_rays)
    aims = _corridor_aims(xy, corridors, np.array([m.ground_range_m / 2 for m in usable]))
    normals = (
        sites["facade_normal_deg"].to_numpy(dtype=float)
        if "facade_normal_deg" in sites
        else np.full(len(sites), np.nan)
    )
    site_ids = sites.index.to_numpy(dtype=str)
    site_pos: list[int] = []
    model_pos: list[int] = []
    azimuth: list[float] = []
    for s in range(len(sites)):
        if blocked[s]:
            continue
        for m, model in enumerate(usable):
            azs = (
                [0]
                if model.is_360
                else _site_azimuths(site_ids[s], aims[m].get(s, []), normals[s], azimuths_per_site)
            )
            site_pos += [s] * len(azs)
            model_pos += [m] * len(azs)
            azimuth += azs
    options = _options_frame(
        sites,
        np.asarray(site_pos, dtype=int),
        usable,
        np.asarray(model_pos, dtype=int),
        np.asarray(azimuth, dtype=float),
        (dist, blocked),
    )
    n_blocked = int(blocked.sum())
    log.info(
        "camera options: %d at %d sites for %d models (%d sites blocked by a building)",
        len(options),
        len(sites) - n_blocked,
        len(usable),
        n_blocked,
    )
    return options


# ----------------------------------------------------------------------------------------------
# Demand and coverage


def demand_points(
    corridors: gpd.GeoDataFrame, *, step_m: float = 5.0, min_weight: float = 0.0
) -> gpd.GeoDataFrame:
    """
    Sample each corridor every `step_m`; each point stands for the stretch around it.

    Points sit at ``step/2, 3·step/2, ...`` along the corridor; the last stands for the
    remainder. A point's weight is the corridor score times the length it stands for, so a
    corridor's weights sum to ``score × length_m``.

    Parameters
    ----------
    corridors
        Corridor segments with ``length_m``, ``score``, ``area``, ``legal_class``.
    step_m
        Sampling step in metres. Must be > 0.
    min_weight
        Points lighter than this are dropped.

    Returns
    -------
    demand
        Index ``demand_id`` (``"<corridor_id>:<i>"``); columns ``corridor_id``, ``weight``,
        ``area``, ``legal_class``; geometry Point.
    """
    if step_m <= 0:
        msg = f"step_m must be > 0 (coverage.sample_step_m); got {step_m}."
        raise InputError(msg)
    _require(corridors, ("length_m", "score", "area", "legal_class"), "corridors")
    require_projected(corridors, "corridors")
    geoms = _geoms(corridors)
    length = corridors["length_m"].to_numpy(dtype=float)
    ok = _usable(geoms, ("LineString",)) & (length > 0) & np.isfinite(length)
    _warn_skipped(int((~ok).sum()), len(ok), "corridors", "no line geometry or length_m <= 0")
    rows = np.flatnonzero(ok)
    n_per = np.maximum(1, np.ceil(length[rows] / step_m - 1e-9)).astype(int)
    row = np.repeat(rows, n_per)
    k = np.arange(len(row)) - np.repeat(np.cumsum(n_per) - n_per, n_per)
    lo = k * step_m
    hi = np.minimum((k + 1) * step_m, length[row])
    pts = shapely.line_interpolate_point(geoms[row], (lo + hi) / 2 / length[row], normalized=True)
    weight = corridors["score"].to_numpy(dtype=float)[row] * (hi - lo)
    cid = corridors.index.to_numpy()[row]
    frame = pd.DataFrame(
        {
            "corridor_id": cid,
            "weight": weight,
            "area": corridors["area"].to_numpy()[row],
            "legal_class": corridors["legal_class"].to_numpy()[row],
        },
        index=pd.Index([f"{c}:{i}" for c, i in zip(cid, k, strict=True)], name="demand_id"),
    )
    keep = weight >= min_weight
    demand = gpd.GeoDataFrame(frame[keep], geometry=pts[keep], crs=corridors.crs)
    log.info(
        "demand points: %d every %.1f m on %d corridors (%d below min weight dropped), "
        "total weight %.1f",
        len(demand),
        step_m,
        len(rows),
        int((~keep).sum()),
        float(demand["weight"].sum()),
    )
    return demand


def coverage_matrix(options: gpd.GeoDataFrame, demand: gpd.GeoDataFrame) -> sp.csr_matrix:
    """
    Which option sees which demand point.

    Parameters
    ----------
    options
        Camera options; geometry = footprint.
    demand
        Demand points.

    Returns
    -------
    coverage
        Boolean sparse matrix, ``len(options) × len(demand)``: True where the footprint
        intersects (contains or touches) the point.
    """
    shape = (len(options), len(demand))
    if not len(options) or not len(demand):
        return sp.csr_matrix(shape, dtype=bool)
    tree = shapely.STRtree(_geoms(demand))
    o_i, d_i = tree.query(_geoms(options), predicate="intersects")
    matrix = sp.csr_matrix((np.ones(len(o_i), dtype=bool), (o_i, d_i)), shape=shape)
    matrix.sort_indices()
    log.info("coverage matrix: %d x %d, %d entries", *shape, matrix.nnz)
    return matrix


# ----------------------------------------------------------------------------------------------
# Costs


def option_costs(
    options: pd.DataFrame,
    sites: pd.DataFrame,
    *,
    models: Sequence[CameraModel],
    costs: CostsConfig,
    budget: BudgetConfig,
    regime: str,
) -> pd.DataFrame:
    """
    Price each option, apart from its site's shared cost.

    ``capex_sek`` = camera capex + VMS licence, plus for sites that need paperwork
    ``paperwork_hours × hourly_rate_sek``, plus ``permit_penalty_sek`` where an IMY permit is
    required. Paperwork is needed at ``general`` sites, and under ``kbl-2018`` at every site;
    a permit under ``kbl-2018`` (every site) and ``kbl-2020`` (``general`` sites).
    ``cost_sek = capex_sek + opex_sek_per_year × horizon_years``. The site's mount and
    connectivity are in ``sites.site_cost_sek``, paid once per site by the optimiser.

    Parameters
    ----------
    options
        Camera options with ``site_id`` and ``model``.
    sites
        Sites with ``legal_class``.
    models
        The camera catalogue.
    costs
        The scenario's ``costs`` section.
    budget
        The scenario's ``budget`` section (``horizon_years``).
    regime
        The camera-law regime id, e.g. ``"kbl-2025"``.

    Returns
    -------
    costs
        Indexed like `options`: ``capex_sek``, ``opex_sek_per_year``, ``cost_sek``.

    Raises
    ------
    InputError
        If an option's model is not in the catalogue, or `sites` lacks ``legal_class``.
    """
    _require(sites, ("legal_class",), "sites")
    catalogue = {m.model: m for m in models}
    unknown = sorted(set(options["model"]) - set(catalogue))
    if unknown:
        msg = f"options use camera model(s) {unknown} not in the catalogue {sorted(catalogue)}."
        raise InputError(msg)
    general = sites["legal_class"].reindex(options["site_id"]).to_numpy(dtype=object) == "general"
    paperwork = np.ones(len(options), bool) if regime == "kbl-2018" else general
    permit = {"kbl-2018": np.ones(len(options), bool), "kbl-2020": general}.get(
        regime, np.zeros(len(options), bool)
    )
    camera = options["model"].map({k: m.capex_sek for k, m in catalogue.items()}).to_numpy(float)
    opex = options["model"].map({k: m.opex_sek_per_year for k, m in catalogue.items()})
    capex = (
        camera
        + costs.vms_licence_sek
        + paperwork * costs.paperwork_hours * costs.hourly_rate_sek
        + permit * costs.permit_penalty_sek
    )
    opex = opex.to_numpy(dtype=float)
    return pd.DataFrame(
        {
            "capex_sek": capex,
            "opex_sek_per_year": opex,
            "cost_sek": capex + opex * budget.horizon_years,
        },
        index=options.index,
    )


# ----------------------------------------------------------------------------------------------
# The placement problem


def _installed_sites(
    installed: gpd.GeoDataFrame,
    corridors: gpd.GeoDataFrame,
    scenario: Scenario,
) -> tuple[gpd.GeoDataFrame, np.ndarray, np.ndarray]:
    """Sites (cost 0) for cameras already installed, and their (model position, azimuth)."""
    _require(installed, ("model", "azimuth_deg"), "installed")
    require_same_crs(corridors, installed, "corridors", "installed")
    names = [m.model for m in scenario.cameras]
    bad = [f"{i} ({m!r})" for i, m in installed["model"].items() if m not in names]
    if bad:
        msg = (
            f"installed cameras: {len(bad)} row(s) name a model not in the scenario's [[cameras]] "
            f"catalogue: {', '.join(bad[:5])}; known: {names}. Add the model or fix the name."
        )
        raise InputError(msg)
    geoms = _geoms(installed)
    if not _usable(geoms, ("Point",)).all():
        msg = "installed cameras: every row needs a Point geometry; fix the missing ones."
        raise InputError(msg)
    near = _nearest_rows(geoms, shapely.STRtree(_geoms(corridors)))
    legal = pd.Series(corridors["legal_class"].to_numpy()[near], dtype=object)
    if "legal_class" in installed:
        given = pd.Series(installed["legal_class"].to_numpy(), dtype=object)
        legal = given.where(given.notna(), legal)
    mount = pd.Series(installed.get("mount", pd.Series(index=installed.index)).to_numpy())
    mount = mount.where(mount.isin(["lamp_post", "facade", "new_pole"]), "new_pole")
    frame = pd.DataFrame(
        {
            "source": "installed",
            "mount": mount.to_numpy(dtype=str),
            "area": corridors["area"].to_numpy()[near],
            "legal_class": legal.to_numpy(),
            "site_cost_sek": 0.0,
            "facade_normal_deg": np.nan,
        },
        index=pd.Index([f"installed-{i}" for i in installed.index], name="site_id"),
    )
    sites = gpd.GeoDataFrame(frame, geometry=geoms, crs=installed.crs)
    model_pos = np.array([names.index(m) for m in installed["model"]], dtype=int)
    azimuth = installed["azimuth_deg"].to_numpy(dtype=float)
    missing_az = np.isnan(azimuth) & ~np.array([scenario.cameras[p].is_360 for p in model_pos])
    if missing_az.any():
        rows = list(installed.index[missing_az][:5])
        msg = f"installed cameras: rows {rows} have no azimuth_deg but are not 360° models."
        raise InputError(msg)
    return sites, model_pos, np.round(np.nan_to_num(azimuth)) % 360


def _dominated(matrix: sp.csr_matrix, slots: np.ndarray) -> np.ndarray:
    """
    Mask of options whose covered points are a subset of another option's in the same slot.

    Options of one slot share site, model, cost, legal class and area, and at most one of
    them is chosen, so a dominated option can never do better than its dominator. Of options
    with equal sets the first is kept. Only pairs that share a (slot, point) are compared.
    """
    n = matrix.shape[0]
    coo = matrix.tocoo()
    key = slots[coo.row].astype(np.int64) * matrix.shape[1] + coo.col
    order = np.argsort(key, kind="stable")
    opt, key = coo.row[order], key[order]
    if not len(key):
        return np.zeros(n, dtype=bool)
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    sizes = np.diff(np.r_[starts, len(key)])
    g = np.repeat(sizes, sizes)  # size of each entry's (slot, point) group
    first = np.repeat(starts, sizes)
    a_pos = np.repeat(np.arange(len(opt)), g)
    b_pos = first[a_pos] + np.arange(len(a_pos)) - np.repeat(np.cumsum(g) - g, g)
    a, b = opt[a_pos], opt[b_pos]
    other = a != b
    shared = sp.coo_matrix(
        (np.ones(int(other.sum()), dtype=np.int64), (a[other], b[other])), shape=(n, n)
    ).tocsr()  # duplicates add up: points a and b both cover
    shared = shared.tocoo()
    size = np.diff(matrix.indptr)
    row, col = shared.row, shared.col
    subset = shared.data == size[row]
    drop = subset & ((size[col] > size[row]) | (col < row))
    out = np.zeros(n, dtype=bool)
    out[row[drop]] = True
    return out


def build_problem(
    corridors: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    *,
    buildings: gpd.GeoDataFrame | None,
    scenario: Scenario,
    installed: gpd.GeoDataFrame | None = None,
    exclusion: gpd.GeoDataFrame | None = None,
) -> PlacementProblem:
    """
    Build the budgeted maximum-coverage instance the optimiser solves.

    Demand points sample the scored corridors; every site × model gets its options
    (:func:`camera_options`) priced by :func:`option_costs`. Options that cover no demand
    are dropped, and so are options that see only a subset of what another azimuth of the
    same slot (site and model, same cost) sees; then sites left without options. Each
    site's cost gains the connectivity opex over the horizon. Cameras already installed
    become sites of source ``installed`` at cost 0 with one fixed option each. Options at
    sites inside an exclusion polygon are excluded (fixed options never are). The
    ``placement.stop_area_only`` filter is left to :mod:`siteplan.placement`.

    Parameters
    ----------
    corridors
        Scored, legally classified corridors (``score``, ``legal_class``, ``area``, ...).
    sites
        Candidate sites after legal classification (``legal_class``).
    buildings
        Building footprints, or None.
    scenario
        The scenario (cameras, costs, coverage, budget, legal, placement).
    installed
        Installed cameras: ``model``, ``azimuth_deg`` (NaN for 360°), Point geometry;
        optionally ``mount`` and ``legal_class``.
    exclusion
        Polygons where no new camera may go.

    Returns
    -------
    problem
        The placement problem.

    Raises
    ------
    InputError
        If a layer lacks a column, an installed camera names an unknown model, or no demand
        point remains.
    """
    _require(sites, ("legal_class", "mount", "area", "site_cost_sek"), "sites")
    require_same_crs(corridors, sites, "corridors", "sites")
    demand = demand_points(
        corridors,
        step_m=scenario.coverage.sample_step_m,
        min_weight=scenario.coverage.min_demand_weight,
    )
    if not len(demand):
        msg = (
            "no demand points: the corridors are empty or every point weighs less than "
            f"coverage.min_demand_weight = {scenario.coverage.min_demand_weight}."
        )
        raise InputError(msg)
    regime = scenario.legal.effective_regime
    options = camera_options(
        sites,
        scenario.cameras,
        buildings=buildings,
        corridors=corridors,
        azimuths_per_site=scenario.coverage.azimuths_per_site,
    )
    all_sites = sites.copy()
    all_sites["site_cost_sek"] = (
        all_sites["site_cost_sek"].astype(float)
        + scenario.costs.connectivity_opex_sek_per_year * scenario.budget.horizon_years
    )
    priced = option_costs(
        options,
        all_sites,
        models=scenario.cameras,
        costs=scenario.costs,
        budget=scenario.budget,
        regime=regime,
    )
    options = options.join(priced)
    fixed: list[str] = []
    if installed is not None and len(installed):
        inst_sites, model_pos, azimuth = _installed_sites(installed, corridors, scenario)
        dup = inst_sites.index.intersection(all_sites.index)
        if len(dup):
            msg = f"installed camera site ids {list(dup[:3])} clash with candidate sites."
            raise InputError(msg)
        radius = max(scenario.cameras[p].ground_range_m for p in model_pos) or 1.0
        rays = _ray_distances(
            shapely.get_coordinates(_geoms(inst_sites)),
            _obstacles(buildings),
            radius_m=radius,
            n_rays=N_RAYS,
        )
        if rays[1].any():
            msg = (
                f"installed cameras: {int(rays[1].sum())} stand inside a building footprint "
                f"(e.g. {list(installed.index[rays[1]][:3])}); they see nothing in the model. "
                "Check their coordinates."
            )
            warnings.warn(msg, InputWarning, stacklevel=2)
        inst_opts = _options_frame(
            inst_sites, np.arange(len(inst_sites)), scenario.cameras, model_pos, azimuth, rays
        )
        inst_opts[["capex_sek", "opex_sek_per_year", "cost_sek"]] = 0.0
        fixed = list(inst_opts.index)
        all_sites = pd.concat([all_sites, inst_sites])
        options = pd.concat([options, inst_opts])
    options = options[[*OPTION_COLUMNS, "geometry"]]
    matrix = coverage_matrix(options, demand)
    fixed_mask = options.index.isin(fixed)
    useful = (np.diff(matrix.indptr) > 0) | fixed_mask
    n_useless = int((~useful).sum())
    options, matrix, fixed_mask = options[useful], matrix[useful], fixed_mask[useful]
    slots = pd.factorize(options["slot_id"])[0]
    better = ~(_dominated(matrix, slots) & ~fixed_mask)
    n_dominated = int((~better).sum())
    options, matrix, fixed_mask = options[better], matrix[better], fixed_mask[better]
    used = all_sites.index.isin(options["site_id"])
    all_sites = all_sites[used]

    excluded: set[str] = set()
    if exclusion is not None and len(exclusion):
        require_same_crs(corridors, exclusion, "corridors", "exclusion")
        zone = _geoms(exclusion)
        zone = zone[_usable(zone, ("Polygon", "MultiPolygon"))]
        inside = np.zeros(len(all_sites), dtype=bool)
        inside[shapely.STRtree(zone).query(_geoms(all_sites), predicate="intersects")[0]] = True
        bad_sites = set(all_sites.index[inside])
        excluded |= set(options.index[options["site_id"].isin(bad_sites) & ~fixed_mask])

    problem = PlacementProblem(
        options=options,
        sites=all_sites,
        demand=demand,
        coverage=matrix,
        fixed=frozenset(fixed),
        excluded=frozenset(excluded),
    )
    log.info(
        "placement problem: %d options at %d sites, %d demand points, %d coverage entries; "
        "dropped %d covering nothing and %d seeing a subset of another azimuth's points; "
        "%d fixed, %d excluded (regime %s)",
        len(options),
        len(all_sites),
        len(demand),
        matrix.nnz,
        n_useless,
        n_dominated,
        len(fixed),
        len(excluded),
        regime,
    )
    return problem
