"""Generated incident processes for testing the score on towns it was not tuned on.

The sample town's incidents (:mod:`siteplan.datasets.build_sample`) are Gaussian clusters
around nightlife, stops and district centres over a diffuse background, mostly steady. A
score tuned on that alone may not generalise, so these generators draw other processes on
any corridor network (the sample's streets, or :func:`grid_corridors`):

- ``stable_heavy_tailed``: many small, fixed hotspots whose weights follow a Pareto law
  (a few segments hold most incidents), over a 25 % uniform background;
- ``emerging_fading``: clusters that appear half-way (growing), fade out, or stay; the
  growing one is placed at a stop without departures;
- ``near_repeat``: a self-exciting (Hawkes) process: each incident triggers on average 0.6
  more within about 40 m and 10 days, in cascades;
- ``few_addresses``: 60 % of the incidents at eight exact addresses (a shop, a school),
  the rest uniform on the network;
- ``footfall_irrelevant``: hotspots placed only on segments far (≥ 400 m) from every stop
  with departures, so footfall carries no signal.

Every draw takes a seed; the same seed gives the same incidents. All processes are fictional.
"""

from __future__ import annotations

from collections.abc import Callable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString

__all__ = ["PROCESSES", "generate_incidents", "grid_corridors", "grid_stops"]

_START = pd.Timestamp("2023-01-01", tz="Europe/Stockholm")
_DAYS = 3 * 365
_CATEGORIES = np.array(["Misshandel", "Hot", "Rån", "Skadegörelse", "Stöld"])
_CATEGORY_P = np.array([0.3, 0.25, 0.1, 0.2, 0.15])
_HOUR_P = np.array([4, 4, 3, 2, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 3, 4, 4, 5, 5, 6, 6, 5.0])


def grid_corridors(
    n: int = 20, step_m: float = 50.0, *, crs: str = "EPSG:3006", seed: int = 0
) -> gpd.GeoDataFrame:
    """
    A small fictional town: an n × n grid of streets cut into `step_m` segments.

    Parameters
    ----------
    n
        Blocks per side.
    step_m
        Segment length in metres.
    crs
        Working CRS of the result (metric); the grid sits at 535 000 E, 6 475 000 N.
    seed
        Seed of the small jitter of the nodes (so segments differ in length).

    Returns
    -------
    corridors
        Segments indexed by ``corridor_id`` with ``u``, ``v``, ``length_m``, ``area``
        (``"City"`` in the south-west quarter), ``name`` and ``highway``.
    """
    rng = np.random.default_rng(seed)
    x0, y0 = 535_000.0, 6_475_000.0
    jitter = rng.uniform(-5, 5, size=(n + 1, n + 1, 2))

    def node(i: int, j: int) -> tuple[float, float]:
        return (x0 + j * step_m + jitter[i, j, 0], y0 + i * step_m + jitter[i, j, 1])

    rows = []
    for i in range(n + 1):
        for j in range(n):
            rows.append(
                (f"h{i:03d}{j:03d}", i * 1000 + j, i * 1000 + j + 1, node(i, j), node(i, j + 1))
            )
            rows.append(
                (f"v{j:03d}{i:03d}", j * 1000 + i, (j + 1) * 1000 + i, node(j, i), node(j + 1, i))
            )
    geoms = [LineString([a, b]) for *_, a, b in rows]
    half = x0 + n * step_m / 2, y0 + n * step_m / 2
    mids = shapely.get_coordinates(shapely.centroid(np.asarray(geoms)))
    return gpd.GeoDataFrame(
        {
            "u": [r[1] for r in rows],
            "v": [r[2] for r in rows],
            "length_m": [g.length for g in geoms],
            "area": ["City" if (x < half[0] and y < half[1]) else None for x, y in mids.tolist()],
            "name": [f"gata {r[0]}" for r in rows],
            "highway": "footway",
        },
        geometry=geoms,
        index=pd.Index([r[0] for r in rows], name="corridor_id"),
        crs=crs,
    )


def grid_stops(
    corridors: gpd.GeoDataFrame, *, n_stops: int = 12, seed: int = 0
) -> gpd.GeoDataFrame:
    """
    Fictional stops on a network: `n_stops` segment midpoints, a few without departures.

    Returns
    -------
    stops
        Indexed by ``stop_id`` with ``stop_name``, ``departures_per_hour`` (0 for every
        fourth stop), ``night_departures_per_hour`` and ``route_ids``.
    """
    rng = np.random.default_rng(seed)
    pick = rng.choice(len(corridors), size=min(n_stops, len(corridors)), replace=False)
    pts = shapely.line_interpolate_point(corridors.geometry.values[pick], 0.5, normalized=True)
    dph = rng.choice([4.0, 8.0, 12.0, 20.0], size=len(pick))
    dph[::4] = 0.0
    ids = [f"s{k:02d}" for k in range(len(pick))]
    return gpd.GeoDataFrame(
        {
            "stop_name": ids,
            "departures_per_hour": dph,
            "night_departures_per_hour": dph / 4,
            "route_ids": [("1",)] * len(pick),
        },
        geometry=pts,
        index=pd.Index(ids, name="stop_id"),
        crs=corridors.crs,
    )


def _points_on(
    corridors: gpd.GeoDataFrame, seg: np.ndarray, rng: np.random.Generator, jitter_m: float = 2.0
) -> np.ndarray:
    """Uniform points along the chosen segments, jittered by `jitter_m` (normal sd)."""
    pts = shapely.line_interpolate_point(
        corridors.geometry.values[seg], rng.random(len(seg)), normalized=True
    )
    return shapely.get_coordinates(pts) + rng.normal(0, jitter_m, size=(len(seg), 2))


def _uniform_segments(corridors: gpd.GeoDataFrame, n: int, rng: np.random.Generator) -> np.ndarray:
    lengths = corridors["length_m"].to_numpy(dtype=float)
    return rng.choice(len(corridors), size=n, p=lengths / lengths.sum())


def _cluster_segments(
    corridors: gpd.GeoDataFrame, centre: int, sigma_m: float, n: int, rng: np.random.Generator
) -> np.ndarray:
    """Segments near segment `centre`, weighted by a gaussian of midpoint distance × length."""
    mids = shapely.get_coordinates(shapely.centroid(corridors.geometry.values))
    d2 = ((mids - mids[centre]) ** 2).sum(axis=1)
    w = np.exp(-0.5 * d2 / sigma_m**2) * corridors["length_m"].to_numpy(dtype=float)
    return rng.choice(len(corridors), size=n, p=w / w.sum())


def _days(
    trend: Callable[[np.ndarray], np.ndarray], n: int, rng: np.random.Generator
) -> np.ndarray:
    """`n` day offsets in [0, 3 years) drawn with density ∝ trend(day / 3 years)."""
    grid = np.arange(_DAYS)
    p = np.maximum(trend(grid / _DAYS), 0.0)
    return rng.choice(_DAYS, size=n, p=p / p.sum()) + rng.random(n)


def _steady(u: np.ndarray) -> np.ndarray:
    return np.ones_like(u, dtype=float)


def _frame(
    xy: np.ndarray, days: np.ndarray, rng: np.random.Generator, crs: object
) -> gpd.GeoDataFrame:
    """The incidents table: times (whole days + an hour by a night-heavy profile), categories."""
    days = np.floor(days)
    hours = rng.choice(24, size=len(days), p=_HOUR_P / _HOUR_P.sum())
    minutes = rng.integers(0, 60, size=len(days))
    offset = days * 1440 + hours * 60 + minutes
    order = np.argsort(offset, kind="stable")
    xy, offset = xy[order], offset[order]
    naive = pd.Timestamp("2023-01-01") + pd.to_timedelta(offset, unit="min")
    when = pd.DatetimeIndex(naive).tz_localize(
        "Europe/Stockholm", ambiguous="NaT", nonexistent="shift_forward"
    )
    cats = rng.choice(_CATEGORIES, size=len(offset), p=_CATEGORY_P)
    ids = pd.Index([f"g{k:06d}" for k in range(len(offset))], name="incident_id")
    return gpd.GeoDataFrame(
        {"occurred_at": when, "category": cats, "area": None},
        geometry=shapely.points(xy),
        index=ids,
        crs=crs,
    )


def _stable_heavy_tailed(
    corridors: gpd.GeoDataFrame, stops: gpd.GeoDataFrame, n: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    n_bg = n // 4
    hot = rng.choice(len(corridors), size=40, replace=False)
    weight = rng.pareto(1.2, size=40) + 0.05
    which = rng.choice(40, size=n - n_bg, p=weight / weight.sum())
    seg = np.concatenate([_uniform_segments(corridors, n_bg, rng), hot[which]])
    return _points_on(corridors, seg, rng, 3.0), _days(_steady, n, rng)


def _emerging_fading(
    corridors: gpd.GeoDataFrame, stops: gpd.GeoDataFrame, n: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    idle = stops[stops["departures_per_hour"] <= 0]
    at_idle = (
        corridors.sindex.nearest(idle.geometry.values[:1])[1][0]
        if len(idle)
        else rng.integers(len(corridors))
    )
    centres = [int(at_idle), *rng.choice(len(corridors), size=5, replace=False).tolist()]
    trends: list[Callable[[np.ndarray], np.ndarray]] = [
        lambda u: np.clip((u - 0.5) * 4, 0, 1),  # growing, at a stop without departures
        lambda u: np.clip((u - 0.4) * 3, 0, 1),  # growing
        lambda u: np.clip(1 - (u - 0.2) * 2, 0, 1),  # fading
        lambda u: np.clip(1 - (u - 0.3) * 3, 0, 1),  # fading
        _steady,
        _steady,
    ]
    share = np.array([0.12, 0.12, 0.12, 0.12, 0.1, 0.1])
    counts = rng.multinomial(n, [*share, 1 - share.sum()])
    xy, days = [], []
    for c, trend, k in zip(centres, trends, counts[:-1], strict=True):
        xy.append(_points_on(corridors, _cluster_segments(corridors, c, 40.0, k, rng), rng))
        days.append(_days(trend, k, rng))
    xy.append(_points_on(corridors, _uniform_segments(corridors, counts[-1], rng), rng))
    days.append(_days(_steady, counts[-1], rng))
    return np.concatenate(xy), np.concatenate(days)


def _near_repeat(
    corridors: gpd.GeoDataFrame, stops: gpd.GeoDataFrame, n: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    n_bg = max(1, int(n * 0.4))
    xy = [_points_on(corridors, _uniform_segments(corridors, n_bg, rng), rng)]
    days = [_days(_steady, n_bg, rng)]
    parent_xy, parent_day = xy[0], days[0]
    total = n_bg
    while total < n and len(parent_day):
        kids = rng.poisson(0.6, size=len(parent_day))
        k = int(kids.sum())
        if k == 0:
            break
        src = np.repeat(np.arange(len(parent_day)), kids)
        child_xy = parent_xy[src] + rng.normal(0, 40.0, size=(k, 2))
        child_day = parent_day[src] + rng.exponential(10.0, size=k)
        keep = child_day < _DAYS
        parent_xy, parent_day = child_xy[keep], child_day[keep]
        xy.append(parent_xy)
        days.append(parent_day)
        total += int(keep.sum())
    out_xy, out_days = np.concatenate(xy)[:n], np.concatenate(days)[:n]
    near = corridors.sindex.nearest(shapely.points(out_xy), return_all=False)[1]
    lines = np.asarray(corridors.geometry.values)[near]  # pull each onto its nearest street
    snapped = shapely.line_interpolate_point(
        lines, shapely.line_locate_point(lines, shapely.points(out_xy))
    )
    return shapely.get_coordinates(snapped) + rng.normal(0, 2.0, size=(len(out_xy), 2)), out_days


def _few_addresses(
    corridors: gpd.GeoDataFrame, stops: gpd.GeoDataFrame, n: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    n_bg = int(n * 0.4)
    addresses = _points_on(corridors, rng.choice(len(corridors), size=8, replace=False), rng, 0.0)
    which = rng.choice(8, size=n - n_bg, p=np.array([8, 6, 5, 4, 3, 2, 1, 1]) / 30)
    xy = np.concatenate(
        [_points_on(corridors, _uniform_segments(corridors, n_bg, rng), rng), addresses[which]]
    )
    return xy, _days(_steady, n, rng)


def _footfall_irrelevant(
    corridors: gpd.GeoDataFrame, stops: gpd.GeoDataFrame, n: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    busy = stops[stops["departures_per_hour"] > 0]
    if len(busy):
        dist = np.min(
            [shapely.distance(corridors.geometry.values, p) for p in busy.geometry.values], axis=0
        )
        far = np.flatnonzero(dist >= 400.0)
    else:
        far = np.arange(len(corridors))
    far = far if len(far) >= 10 else np.argsort(-dist)[:10]
    centres = rng.choice(far, size=10, replace=False)
    n_bg = n // 3
    which = rng.choice(10, size=n - n_bg)
    seg = [
        _cluster_segments(corridors, int(centres[c]), 30.0, int((which == c).sum()), rng)
        for c in range(10)
    ]
    seg.append(_uniform_segments(corridors, n_bg, rng))
    return _points_on(corridors, np.concatenate(seg), rng), _days(_steady, n, rng)


_Process = Callable[
    [gpd.GeoDataFrame, gpd.GeoDataFrame, int, np.random.Generator], tuple[np.ndarray, np.ndarray]
]

#: Name -> generator (corridors, stops, n, rng) -> (xy, day offsets).
PROCESSES: dict[str, _Process] = {
    "stable_heavy_tailed": _stable_heavy_tailed,
    "emerging_fading": _emerging_fading,
    "near_repeat": _near_repeat,
    "few_addresses": _few_addresses,
    "footfall_irrelevant": _footfall_irrelevant,
}


def generate_incidents(
    corridors: gpd.GeoDataFrame,
    stops: gpd.GeoDataFrame,
    *,
    process: str,
    n: int = 3000,
    seed: int = 0,
) -> gpd.GeoDataFrame:
    """
    Draw fictional incidents of one process on a corridor network over three years.

    Parameters
    ----------
    corridors
        Segments in a projected CRS (the sample's, or :func:`grid_corridors`).
    stops
        Stops with ``departures_per_hour`` (some processes use them), same CRS.
    process
        One of :data:`PROCESSES`.
    n
        About how many incidents (the near-repeat cascade may stop a little short).
    seed
        Seed of every draw.

    Returns
    -------
    incidents
        Indexed by ``incident_id`` with ``occurred_at`` (Europe/Stockholm, 2023-01-01 to
        2025-12-31), ``category``, ``area`` (None) and Point geometry, in time order.

    Raises
    ------
    ValueError
        If `process` is unknown.
    """
    if process not in PROCESSES:
        msg = f"{process!r} is not an incident process; choose one of {sorted(PROCESSES)}."
        raise ValueError(msg)
    rng = np.random.default_rng(seed)
    xy, days = PROCESSES[process](corridors, stops, n, rng)
    frame = _frame(np.asarray(xy), np.asarray(days), rng, corridors.crs)
    return frame[frame["occurred_at"].notna()]
