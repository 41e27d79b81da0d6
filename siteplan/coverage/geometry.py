"""Camera geometry: ray-cast visibility, wedge footprints and the blind zone under a camera.

Geometry model and its limits:

- Buildings are opaque and infinitely tall; nothing else (trees, vehicles) blocks the view.
- The visibility polygon is cast with ``n_rays`` rays (default 360, i.e. 1° apart). Between
  two rays the polygon edge is a straight chord, so an obstacle narrower than the gap between
  rays can be missed: the gap is ``range × 2π / n_rays`` (0.87 m at 50 m, 1.6 m at 90 m).
- The blind zone is an assumption (:func:`blind_zone_m`): a 16:9 sensor tilted so the top of
  the image reaches a head (1.7 m) at the ground range.

Speed: the rays of many sites are cast at once in numpy (:func:`ray_distances`: each building
edge is intersected analytically with the rays it spans), and option footprints are built
straight from those ray distances (:func:`ray_footprints`), so no polygon is clipped per option.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon

from siteplan.config import CameraModel
from siteplan.coverage._common import bearing_deg, geometry_array, polygonal, usable_mask
from siteplan.errors import InputError

__all__ = [
    "HEAD_HEIGHT_M",
    "N_RAYS",
    "blind_zone_m",
    "building_obstacles",
    "footprint",
    "ray_distances",
    "ray_footprints",
    "visibility_polygon",
]

HEAD_HEIGHT_M = 1.7
N_RAYS = 360
_ARC_POINTS = 65  # vertices on a wedge's arc (≤ 1.4° apart for a 90° lens)
_SITE_CHUNK = 100  # origins cast per batch, to bound memory
_VERTEX_CHUNK = 2_000_000  # footprint vertices built per batch


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


def ray_distances(
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
        a = bearing_deg(w_p[:, 0], w_p[:, 1]) * per_ray
        span = (bearing_deg(w_q[:, 0], w_q[:, 1]) * per_ray - a + n_rays / 2) % n_rays
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


def building_obstacles(buildings: gpd.GeoDataFrame | None) -> np.ndarray:
    """The usable building polygons that block the view (an empty array for None)."""
    if buildings is None or not len(buildings):
        return np.empty(0, dtype=object)
    geoms = geometry_array(buildings)
    return geoms[usable_mask(geoms, ("Polygon", "MultiPolygon"))]


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
        obs = building_obstacles(obstacles)  # type: ignore[arg-type]
    else:
        obs = np.asarray(list(obstacles), dtype=object)
        obs = obs[usable_mask(obs, ("Polygon", "MultiPolygon"))]
    xy = np.array([[origin.x, origin.y]], dtype=float)
    dist, blocked = ray_distances(xy, obs, radius_m=radius_m, n_rays=n_rays)
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
    return polygonal(shapes)


class _Wedges(NamedTuple):
    """Where each footprint's vertices fall among the rays (angles in ray units)."""

    pano: np.ndarray  # 360° footprint: every ray is a vertex
    lo: np.ndarray  # angle of the wedge's left edge
    hi: np.ndarray  # angle of the wedge's right edge
    first: np.ndarray  # first ray strictly inside the wedge
    n_vert: np.ndarray  # vertices per ring: apex, left edge, inner rays, right edge
    starts: np.ndarray  # position of each ring's first vertex among all vertices
    ends: np.ndarray  # position after each ring's last vertex


def _wedge_layout(azimuth_deg: np.ndarray, hfov_deg: np.ndarray, n_rays: int) -> _Wedges:
    per_ray = n_rays / 360.0
    pano = hfov_deg >= 360
    lo = (azimuth_deg - hfov_deg / 2) * per_ray
    hi = lo + hfov_deg * per_ray
    first = np.ceil(lo + 1e-9).astype(np.int64)
    inner = np.maximum(np.floor(hi - 1e-9).astype(np.int64) - first + 1, 0)
    n_vert = np.where(pano, n_rays, inner + 3)
    ends = np.cumsum(n_vert)
    return _Wedges(pano, lo, hi, first, n_vert, ends - n_vert, ends)


def _edge_reach(
    dist: np.ndarray, site: np.ndarray, angle: np.ndarray, n_rays: int
) -> tuple[np.ndarray, np.ndarray]:
    """
    Where wedge edges at `angle` (ray units) meet the visibility boundary, and their direction.

    The boundary between two rays is the chord between their end points.
    """
    dirs = _ray_directions(n_rays)
    k = np.floor(angle + 1e-9).astype(np.int64)
    k1, k2 = k % n_rays, (k + 1) % n_rays
    p1 = dist[site, k1, None] * dirs[k1]
    chord = dist[site, k2, None] * dirs[k2] - p1
    theta = np.radians(angle / (n_rays / 360.0))
    e_dir = np.column_stack([np.sin(theta), np.cos(theta)])
    with np.errstate(divide="ignore", invalid="ignore"):
        e_reach = _cross(p1, chord) / _cross(e_dir, chord)
    return np.where(np.isfinite(e_reach), e_reach, dist[site, k1]), e_dir


def _batch_vertices(
    w: _Wedges, sl: slice, site_pos: np.ndarray, dist: np.ndarray, range_m: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """
    Every vertex of the footprints in `sl`: ``(opt, j, reach, direction, apex)``.

    Vertex ``j`` of a wedge: 0 = apex, 1 and ``n_vert - 1`` = the edges, else the rays in
    between; of a 360° footprint: ray ``j``. Reach is capped at the range, the apex's is inf.
    """
    n_rays = dist.shape[1]
    nv = w.n_vert[sl]
    opt = np.repeat(np.arange(sl.start, sl.stop), nv)
    j = np.arange(len(opt)) - np.repeat(np.cumsum(nv) - nv, nv)  # vertex number
    s = site_pos[opt]
    pano = w.pano[opt]
    ray = np.where(pano, j, w.first[opt] + j - 2) % n_rays
    reach = dist[s, ray]
    d = _ray_directions(n_rays)[ray]
    apex = ~pano & (j == 0)
    is_edge = ~pano & ((j == 1) | (j == nv[opt - sl.start] - 1))
    if is_edge.any():
        e_angle = np.where(j[is_edge] == 1, w.lo[opt[is_edge]], w.hi[opt[is_edge]])
        reach[is_edge], d[is_edge] = _edge_reach(dist, s[is_edge], e_angle, n_rays)
    reach = np.minimum(reach, range_m[opt])
    reach[apex] = np.inf
    return opt, j, reach, d, apex


def _batch_rings(
    w: _Wedges,
    sl: slice,
    xy: np.ndarray,
    site_pos: np.ndarray,
    dist: np.ndarray,
    range_m: np.ndarray,
    blind_m: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """
    The footprint polygons of `sl`, and which of them still need the blind disc cut out.

    A wedge whose every chord stays outside the blind disc becomes an annular sector: outer
    vertices, then the blind arc backwards. Others are cut by a disc afterwards.
    """
    n_rays = dist.shape[1]
    opt, j, reach, d, apex = _batch_vertices(w, sl, site_pos, dist, range_m)
    nv = w.n_vert[sl]
    s = site_pos[opt]
    closest = np.minimum.reduceat(reach, w.starts[sl] - w.starts[sl.start])
    annular = (
        (~w.pano[sl])
        & (blind_m[sl] > 0)
        & (closest * math.cos(math.pi / n_rays) > blind_m[sl] * (1 + 1e-9))
    )
    cut = (blind_m[sl] > 0) & ~annular
    reach[apex] = 0.0
    ring_of = opt - sl.start
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
    rings = shapely.linearrings(coords, indices=np.repeat(np.arange(len(nv)), n_new))
    return shapely.polygons(rings), cut


def ray_footprints(
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

    Parameters
    ----------
    xy
        Site coordinates, ``(n_sites, 2)``.
    dist
        Ray distances per site, ``(n_sites, n_rays)`` (see :func:`ray_distances`).
    site_pos
        Row of `xy` of each footprint.
    azimuth_deg, hfov_deg, range_m, blind_m
        Per footprint: optical axis, field of view, ground range and blind-zone radius.

    Returns
    -------
    footprints
        One polygonal geometry per footprint (may be empty).
    """
    n_opt = len(site_pos)
    out = np.empty(n_opt, dtype=object)
    if not n_opt:
        return out
    w = _wedge_layout(azimuth_deg, hfov_deg, dist.shape[1])
    cut = np.zeros(n_opt, dtype=bool)  # footprints that need the blind disc cut out
    batch_lo = 0
    while batch_lo < n_opt:
        cap = w.starts[batch_lo] + _VERTEX_CHUNK
        batch_hi = max(batch_lo + 1, int(np.searchsorted(w.ends, cap, side="right")))
        sl = slice(batch_lo, batch_hi)
        out[sl], cut[sl] = _batch_rings(w, sl, xy, site_pos, dist, range_m, blind_m)
        batch_lo = batch_hi
    if cut.any():
        discs = shapely.buffer(shapely.points(xy[site_pos[cut]]), blind_m[cut], quad_segs=16)
        out[cut] = shapely.difference(out[cut], discs)
    return polygonal(out)


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
