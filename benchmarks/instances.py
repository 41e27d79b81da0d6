"""Synthetic placement instances with realistic directional coverage, for the benchmarks.

A town is a jittered street grid. Demand points lie on the streets (weights heavy-tailed, with a
few hotspots). Poles stand at the kerb, each with one camera slot and 8 headings (one option
per heading, at most one heading per pole). A pole sees a point when the point lies inside the
heading's wedge (half-angle hfov/2, range by camera model) and the line of sight stays in the
street: the point is on the pole's own street, or both are close to the same junction. A share
of the views is blocked near the camera (trees, walls, parked vans): that heading's range is cut.

Everything is vectorised (a k-d tree for pole-point pairs, numpy angle tests) and seeded.

Sizes (``SIZES``): ``district`` ~10 000 demand x 4 000 options, ``priority`` ~50 000 x 20 000,
``town`` ~300 000 x 200 000. :func:`make_spopt_instance` builds PySAL spopt's MCLP scale
(10 000 demand points x 2 000 sites, uniform cost, p = 50) together with the dense distance
matrix that spopt takes.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely
from scipy.spatial import cKDTree

from siteplan.problem import PlacementProblem

__all__ = ["DENSE", "SIZES", "SpoptInstance", "make_instance", "make_spopt_instance"]

CRS = "EPSG:3006"
ORIGIN = np.array([530_000.0, 6_470_000.0])  # SWEREF 99 TM, near Linköping (coordinates only)

#: name -> keyword arguments of :func:`make_instance` (plus the budget used by the benchmark).
SIZES: dict[str, dict[str, float]] = {
    "district": {"n_demand": 10_000, "n_options": 4_000, "budget_sek": 1_000_000},
    "priority": {"n_demand": 50_000, "n_options": 20_000, "budget_sek": 2_000_000},
    "town": {"n_demand": 300_000, "n_options": 200_000, "budget_sek": 5_000_000},
}

#: Instances at the density of the sample town's own problem (issue 13): demand x (sites x 8
#: headings), about 2 options per demand point as in `siteplan demo` (46,367 options for 20,986
#: demand points), 30 % of views cut short. ``make_instance(**DENSE[name], seed=s)`` minus the
#: budget key.
DENSE: dict[str, dict[str, float]] = {
    "dense-2k": {
        "n_demand": 2_000,
        "n_options": 4_000,
        "budget_sek": 500_000,
        "blocked_share": 0.3,
    },
    "dense-10k": {
        "n_demand": 10_000,
        "n_options": 16_000,
        "budget_sek": 1_000_000,
        "blocked_share": 0.3,
    },
    "dense-50k": {
        "n_demand": 50_000,
        "n_options": 40_000,
        "budget_sek": 2_000_000,
        "blocked_share": 0.3,
    },
    "dense-200k": {
        "n_demand": 200_000,
        "n_options": 160_000,
        "budget_sek": 5_000_000,
        "blocked_share": 0.3,
    },
}

# (model, hfov_deg, range_m, capex_sek): 4 MP bullets at the "observe" level, and a wide one.
CATALOGUE = (
    ("bullet-4mp-60", 60.0, 36.0, 9_000.0),
    ("bullet-4mp-90", 90.0, 21.0, 8_000.0),
    ("bullet-4mp-30", 30.0, 40.0, 12_000.0),
)
MOUNT_SEK = {"lamp_post": 17_500.0, "facade": 10_000.0, "new_pole": 45_000.0}
CONNECTIVITY_SEK = 10_000.0
VMS_SEK = 2_000.0
PAPERWORK_SEK = 16 * 750.0
OPEX_SEK_PER_YEAR = 5_000.0
AREA_NAMES = ("Centrum", "Skäggetorp", "Ryd", "Lambohov", "Berga")


def _grid(n_demand: int, step_m: float, spacing_m: float) -> tuple[float, int]:
    """Side of the square town and number of streets per direction for `n_demand` points."""
    length_m = n_demand * step_m
    n_streets = max(2, round(np.sqrt(length_m / 2 / spacing_m)))
    return n_streets * spacing_m, n_streets


def _on_streets(
    rng: np.random.Generator,
    n: int,
    side_m: float,
    n_streets: int,
    spacing_m: float,
    offsets: np.ndarray,
    lateral_m: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Random points on the street grid: (xy, orientation 0=east-west 1=north-south, street)."""
    orient = rng.integers(0, 2, n)
    street = rng.integers(0, n_streets, n)
    along = rng.uniform(0, side_m, n)
    across = (
        (street + 0.5) * spacing_m + offsets[orient, street] + rng.uniform(-1, 1, n) * lateral_m
    )
    xy = np.where(orient[:, None] == 0, np.c_[along, across], np.c_[across, along])
    return xy, orient, street


def _junction(
    xy: np.ndarray, spacing_m: float, offsets: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Nearest junction (street index east-west, north-south) and the distance to it."""
    n_streets = offsets.shape[1]
    ix = np.clip(np.floor(xy[:, 0] / spacing_m).astype(int), 0, n_streets - 1)  # north-south street
    iy = np.clip(np.floor(xy[:, 1] / spacing_m).astype(int), 0, n_streets - 1)  # east-west street
    jx = (ix + 0.5) * spacing_m + offsets[1, ix]
    jy = (iy + 0.5) * spacing_m + offsets[0, iy]
    return ix * n_streets + iy, np.hypot(xy[:, 0] - jx, xy[:, 1] - jy)


def _wedges(
    xy: np.ndarray, azimuth_deg: np.ndarray, hfov_deg: np.ndarray, range_m: np.ndarray
) -> np.ndarray:
    """Wedge polygons (apex + 7 arc points), vectorised."""
    t = np.linspace(-0.5, 0.5, 7)
    ang = np.radians(azimuth_deg[:, None] + t[None, :] * hfov_deg[:, None])
    ax = xy[:, [0]] + range_m[:, None] * np.sin(ang)
    ay = xy[:, [1]] + range_m[:, None] * np.cos(ang)
    ring = np.stack(
        [np.c_[xy[:, 0], ax, xy[:, 0]], np.c_[xy[:, 1], ay, xy[:, 1]]], axis=-1
    )  # (n, 9, 2), closed
    return shapely.polygons(ring)


def make_instance(
    n_demand: int,
    n_options: int,
    *,
    headings: int = 8,
    blocked_share: float = 0.25,
    step_m: float = 2.0,
    spacing_m: float = 100.0,
    junction_m: float = 12.0,
    n_areas: int = 3,
    seed: int = 0,
) -> PlacementProblem:
    """
    A street-grid instance with directional coverage.

    Parameters
    ----------
    n_demand
        Number of demand points (about one per `step_m` of street).
    n_options
        Number of camera options; poles = n_options // headings.
    headings
        Headings per pole (one option each; one slot per pole).
    blocked_share
        Share of headings whose view is cut short by an obstacle.
    step_m
        Mean street length per demand point; sets the town's size.
    spacing_m
        Distance between parallel streets.
    junction_m
        A point and a pole both within this distance of the same junction see each other
        around the corner.
    n_areas
        Number of rectangular priority areas.
    seed
        Seed of the random generator.

    Returns
    -------
    problem
        The instance; coverage is options x demand points.
    """
    rng = np.random.default_rng(seed)
    side_m, n_streets = _grid(n_demand, step_m, spacing_m)
    offsets = rng.normal(0, spacing_m * 0.08, (2, n_streets))

    # Demand on the pavements, weights: lognormal noise times a few hotspots.
    dxy, dor, dst = _on_streets(rng, n_demand, side_m, n_streets, spacing_m, offsets, 4.0)
    hot = rng.uniform(0, side_m, (max(3, n_demand // 2_000), 2))
    amp = rng.lognormal(1.0, 0.7, len(hot))
    d2 = ((dxy[:, None, :] - hot[None, :, :]) ** 2).sum(-1) if len(hot) * n_demand <= 5e7 else None
    if d2 is None:  # large towns: nearest hotspots only
        dist, idx = cKDTree(hot).query(dxy, k=8)
        intensity = (amp[idx] * np.exp(-((dist / 250.0) ** 2))).sum(1)
    else:
        intensity = (amp[None, :] * np.exp(-d2 / 250.0**2)).sum(1)
    weight = np.round((0.2 + intensity) * rng.lognormal(0, 0.6, n_demand), 3)

    # Poles at the kerb; one camera model per pole; 8 headings.
    n_poles = max(1, n_options // headings)
    pxy, por, pst = _on_streets(rng, n_poles, side_m, n_streets, spacing_m, offsets, 6.0)
    model_idx = rng.choice(len(CATALOGUE), n_poles, p=[0.6, 0.25, 0.15])
    hfov = np.array([c[1] for c in CATALOGUE])[model_idx]
    rng_m = np.array([c[2] for c in CATALOGUE])[model_idx]
    azimuth = (
        np.arange(headings)[None, :] * 360.0 / headings + rng.uniform(-10, 10, (n_poles, 1))
    ) % 360
    reach = np.repeat(rng_m[:, None], headings, axis=1)
    blocked = rng.random((n_poles, headings)) < blocked_share
    reach = np.where(blocked, reach * rng.uniform(0.05, 0.5, (n_poles, headings)), reach)

    # Pole-point pairs within the longest range, then the wedge and line-of-sight tests.
    pairs = cKDTree(pxy).sparse_distance_matrix(
        cKDTree(dxy), float(rng_m.max()), output_type="ndarray"
    )
    pi, dj, dist = pairs["i"].astype(np.int64), pairs["j"].astype(np.int64), pairs["v"]
    pj, pjd = _junction(pxy, spacing_m, offsets)
    dju, djd = _junction(dxy, spacing_m, offsets)
    same_street = (por[pi] == dor[dj]) & (pst[pi] == dst[dj])
    corner = (pj[pi] == dju[dj]) & (pjd[pi] <= junction_m) & (djd[dj] <= junction_m)
    keep = (same_street | corner) & (dist >= 1.0)
    pi, dj, dist = pi[keep], dj[keep], dist[keep]
    bearing = np.degrees(np.arctan2(dxy[dj, 0] - pxy[pi, 0], dxy[dj, 1] - pxy[pi, 1])) % 360
    rows, cols = [], []
    for h in range(headings):
        diff = np.abs((bearing - azimuth[pi, h] + 180.0) % 360.0 - 180.0)
        hit = (diff <= hfov[pi] / 2) & (dist <= reach[pi, h])
        rows.append(pi[hit] * headings + h)
        cols.append(dj[hit])
    r, c = np.concatenate(rows), np.concatenate(cols)
    n_opt = n_poles * headings
    coverage = sp.csr_matrix((np.ones(len(r), dtype=bool), (r, c)), shape=(n_opt, n_demand))

    # Priority areas: rectangles; stops decide the legal class.
    areas = []
    for k in range(n_areas):
        w, h = rng.uniform(0.15, 0.3, 2) * side_m
        x0, y0 = rng.uniform(0, side_m - w), rng.uniform(0, side_m - h)
        areas.append((AREA_NAMES[k % len(AREA_NAMES)], x0, y0, x0 + w, y0 + h))

    def area_of(xy: np.ndarray) -> np.ndarray:
        out = np.full(len(xy), None, dtype=object)
        for name, x0, y0, x1, y1 in reversed(areas):
            inside = (xy[:, 0] >= x0) & (xy[:, 0] <= x1) & (xy[:, 1] >= y0) & (xy[:, 1] <= y1)
            out[inside] = name
        return out

    sxy, _, _ = _on_streets(rng, max(1, n_poles // 8), side_m, n_streets, spacing_m, offsets, 5.0)
    stop_dist, _ = cKDTree(sxy).query(pxy)
    legal = np.where(
        stop_dist <= 25, "stop_area", np.where(stop_dist <= 40, "stop_area_borderline", "general")
    )

    mount = rng.choice(list(MOUNT_SEK), n_poles, p=[0.6, 0.3, 0.1])
    site_ids = np.array([f"P{i:06d}" for i in range(n_poles)], dtype=object)
    pole_area = area_of(pxy)
    sites = gpd.GeoDataFrame(
        {
            "mount": mount,
            "source": np.where(
                mount == "lamp_post", "lamp", np.where(mount == "facade", "facade", "spacing")
            ),
            "area": pole_area,
            "legal_class": legal,
            "site_cost_sek": np.array([MOUNT_SEK[m] for m in mount]) + CONNECTIVITY_SEK,
        },
        geometry=gpd.points_from_xy(pxy[:, 0] + ORIGIN[0], pxy[:, 1] + ORIGIN[1]),
        crs=CRS,
        index=pd.Index(site_ids, name="site_id"),
    )
    capex_cam = np.array([c[3] for c in CATALOGUE])[model_idx] + VMS_SEK
    capex_cam = capex_cam + np.where(legal == "general", PAPERWORK_SEK, 0.0)
    pole = np.repeat(np.arange(n_poles), headings)
    opt_xy = pxy[pole] + ORIGIN
    options = gpd.GeoDataFrame(
        {
            "site_id": site_ids[pole],
            "slot_id": site_ids[pole],
            "model": np.array([c[0] for c in CATALOGUE], dtype=object)[model_idx][pole],
            "azimuth_deg": azimuth.ravel(),
            "hfov_deg": hfov[pole],
            "range_m": reach.ravel(),
            "mount": mount[pole],
            "legal_class": legal[pole],
            "area": pole_area[pole],
            "capex_sek": capex_cam[pole],
            "opex_sek_per_year": np.full(n_opt, OPEX_SEK_PER_YEAR),
            "cost_sek": capex_cam[pole] + OPEX_SEK_PER_YEAR,
        },
        geometry=_wedges(opt_xy, azimuth.ravel(), hfov[pole], reach.ravel()),
        crs=CRS,
        index=pd.Index([f"{s}-h{h}" for s in site_ids for h in range(headings)], name="option_id"),
    )
    demand = gpd.GeoDataFrame(
        {
            "corridor_id": [
                f"C{o}-{s}-{int(a // 50)}"
                for o, s, a in zip(dor, dst, np.where(dor == 0, dxy[:, 0], dxy[:, 1]), strict=True)
            ],
            "weight": weight,
            "area": area_of(dxy),
            "legal_class": "general",
        },
        geometry=gpd.points_from_xy(dxy[:, 0] + ORIGIN[0], dxy[:, 1] + ORIGIN[1]),
        crs=CRS,
        index=pd.Index(np.arange(n_demand), name="demand_id"),
    )
    return PlacementProblem(options=options, sites=sites, demand=demand, coverage=coverage)


@dataclass(frozen=True)
class SpoptInstance:
    """spopt-scale MCLP: our problem and spopt's inputs (dense distances, weights, radius, p)."""

    problem: PlacementProblem
    cost_matrix: np.ndarray
    weights: np.ndarray
    service_radius_m: float
    p_facilities: int
    cost_sek: float


def coverage_problem_from_cost_matrix(
    cost_matrix: np.ndarray,
    weights: np.ndarray,
    service_radius_m: float,
    *,
    cost_sek: float,
    demand_xy: np.ndarray,
    site_xy: np.ndarray,
) -> PlacementProblem:
    """Our PlacementProblem from spopt's inputs: one 360-degree option per site, uniform cost."""
    n_dem, n_sites = cost_matrix.shape
    within = cost_matrix <= service_radius_m  # demand x sites
    coverage = sp.csr_matrix(within.T)
    ids = np.array([f"S{i:05d}" for i in range(n_sites)], dtype=object)
    pts = gpd.points_from_xy(site_xy[:, 0], site_xy[:, 1])
    sites = gpd.GeoDataFrame(
        {
            "mount": "lamp_post",
            "source": "lamp",
            "area": None,
            "legal_class": "general",
            "site_cost_sek": 0.0,
        },
        geometry=pts,
        crs=CRS,
        index=pd.Index(ids, name="site_id"),
    )
    options = gpd.GeoDataFrame(
        {
            "site_id": ids,
            "slot_id": ids,
            "model": "dome-360",
            "azimuth_deg": np.nan,
            "hfov_deg": 360.0,
            "range_m": service_radius_m,
            "mount": "lamp_post",
            "legal_class": "general",
            "area": None,
            "capex_sek": cost_sek,
            "opex_sek_per_year": 0.0,
            "cost_sek": cost_sek,
        },
        geometry=pts,
        crs=CRS,
        index=pd.Index(ids, name="option_id"),
    )
    demand = gpd.GeoDataFrame(
        {
            "corridor_id": None,
            "weight": np.asarray(weights, dtype=float),
            "area": None,
            "legal_class": "general",
        },
        geometry=gpd.points_from_xy(demand_xy[:, 0], demand_xy[:, 1]),
        crs=CRS,
        index=pd.Index(np.arange(n_dem), name="demand_id"),
    )
    return PlacementProblem(options=options, sites=sites, demand=demand, coverage=coverage)


def make_spopt_instance(
    n_demand: int = 10_000, n_sites: int = 2_000, *, p_facilities: int = 50, seed: int = 0
) -> SpoptInstance:
    """
    PySAL spopt's MCLP scale: random points in a square, Euclidean distances, integer weights.

    The service radius makes one facility reach about 1 % of the square, so p = 50 facilities
    cover roughly half the demand. Cost is uniform (10 000 SEK); the budget is p x cost.
    """
    rng = np.random.default_rng(seed)
    side_m = 5_000.0
    demand_xy = rng.uniform(0, side_m, (n_demand, 2)) + ORIGIN
    site_xy = rng.uniform(0, side_m, (n_sites, 2)) + ORIGIN
    weights = rng.integers(1, 12, n_demand).astype(float)
    radius = float(np.sqrt(0.01 / np.pi) * side_m)
    cost_matrix = np.sqrt(((demand_xy[:, None, :] - site_xy[None, :, :]) ** 2).sum(-1))
    cost_sek = 10_000.0
    problem = coverage_problem_from_cost_matrix(
        cost_matrix, weights, radius, cost_sek=cost_sek, demand_xy=demand_xy, site_xy=site_xy
    )
    return SpoptInstance(problem, cost_matrix, weights, radius, p_facilities, cost_sek)
