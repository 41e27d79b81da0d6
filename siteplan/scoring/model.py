"""The score: components combined per corridor, rankings and the heat raster."""

from __future__ import annotations

import datetime as dt
import logging
import math
from dataclasses import dataclass
from typing import Literal

import affine
import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from siteplan.config import ScoringConfig
from siteplan.crs import require_projected, require_same_crs
from siteplan.errors import InputError
from siteplan.scoring._common import (
    SNAP_DISTANCE_M,
    check_corridors,
    point_mask,
    rank_desc,
    require_columns,
    robust_unit,
    warn_off_network,
    weighted_points,
)
from siteplan.scoring.components import (
    area_incidents,
    bandwidth_for,
    footfall,
    incident_rate,
    incident_weights,
    kde_intensity,
)

log = logging.getLogger(__name__)

_WeightKey = Literal["incidents", "area_incidents", "footfall"]
_COMPONENTS: dict[_WeightKey, tuple[str, str]] = {  # weight key -> (raw, normalised column)
    "incidents": ("incident_rate", "comp_incidents"),
    "area_incidents": ("area_incidents", "comp_area_incidents"),
    "footfall": ("footfall_dph", "comp_footfall"),
}


_MAX_RASTER_CELLS = 50_000_000


def _incident_count(corridors: gpd.GeoDataFrame, incidents: gpd.GeoDataFrame) -> np.ndarray:
    """Point incidents within SNAP_DISTANCE_M of each segment (one may count for several)."""
    pts = incidents.geometry.values[point_mask(incidents)]
    _, c_idx = corridors.sindex.query(pts, predicate="dwithin", distance=SNAP_DISTANCE_M)
    return np.bincount(c_idx, minlength=len(corridors))


@dataclass(frozen=True)
class ScoreFit:
    """
    Result of :func:`fit_scores`: the scored corridors and the two values estimated on the way.

    Attributes
    ----------
    corridors
        The scored corridors (see :func:`score_corridors`).
    bandwidth_m
        Kernel bandwidth in metres that was used (given, fixed by the scenario or
        cross-validated).
    prior_strength_m
        Prior strength k in metres of the incident rate (see :func:`incident_rate`); NaN when
        no incident lies on the network.
    """

    corridors: gpd.GeoDataFrame
    bandwidth_m: float
    prior_strength_m: float


def fit_scores(
    corridors: gpd.GeoDataFrame,
    incidents: gpd.GeoDataFrame,
    stops: gpd.GeoDataFrame,
    *,
    config: ScoringConfig,
    areas: gpd.GeoDataFrame | None = None,
    graph: nx.Graph | None = None,
    reference_time: pd.Timestamp | dt.datetime | None = None,
    seed: int = 0,
    bandwidth_m: float | None = None,
) -> ScoreFit:
    """
    Score every corridor segment, and say which bandwidth and prior strength were used.

    Parameters
    ----------
    corridors, incidents, stops, config, areas, graph, reference_time, seed, bandwidth_m
        As for :func:`score_corridors`.

    Returns
    -------
    ScoreFit
        The scored corridors, the bandwidth and the prior strength.

    Raises
    ------
    InputError
        If a column is missing or `bandwidth_m` is not positive.
    CRSError
        If a layer is unprojected or the CRSs differ.
    """
    if bandwidth_m is not None and not bandwidth_m > 0:
        msg = f"bandwidth_m must be > 0 metres or None (from the scenario); found {bandwidth_m!r}."
        raise InputError(msg)
    check_corridors(corridors, ["length_m", "area"])
    require_columns(incidents, ["occurred_at", "category", "area", "geometry"], "incidents")
    require_columns(stops, ["geometry", "departures_per_hour"], "stops")
    require_same_crs(corridors, incidents, "corridors", "incidents")
    require_same_crs(corridors, stops, "corridors", "stops")
    weights = incident_weights(incidents, config=config, reference_time=reference_time)
    if bandwidth_m is None:
        bandwidth_m = bandwidth_for(incidents, config=config, weights=weights, seed=seed)
    warn_off_network(corridors, incidents, reach_m=6 * bandwidth_m)
    scored = corridors.copy()
    scored["kde_intensity"] = kde_intensity(
        corridors, incidents, bandwidth_m=bandwidth_m, weights=weights
    )
    rate = incident_rate(corridors, incidents, kde=scored["kde_intensity"], weights=weights)
    scored["incident_rate"] = rate.rate
    scored["area_incidents"] = area_incidents(corridors, incidents, weights=weights, areas=areas)
    scored["footfall_dph"] = footfall(
        corridors,
        stops,
        decay_m=config.footfall_decay_m,
        max_walk_m=config.footfall_max_walk_m,
        graph=graph,
    )
    scored["incident_count"] = _incident_count(corridors, incidents)
    _combine(scored, config)
    log.info(
        "scored %d corridors from %d incidents (%d with a point) and %d stops; bandwidth %.0f m; "
        "%d segments score > 0.5",
        len(scored),
        len(incidents),
        int(point_mask(incidents).sum()),
        len(stops),
        bandwidth_m,
        int((scored["score"] > 0.5).sum()),
    )
    return ScoreFit(scored, float(bandwidth_m), rate.prior_strength_m)


def _combine(scored: gpd.GeoDataFrame, config: ScoringConfig) -> None:
    """Add the scaled components, their weighted mean ``score`` and ``rank`` to `scored`."""
    total_w = sum(config.weights.get(k, 0.0) for k in _COMPONENTS)
    score = np.zeros(len(scored))
    for key, (raw, comp) in _COMPONENTS.items():
        scored[comp] = robust_unit(scored[raw])
        score += config.weights.get(key, 0.0) * scored[comp].to_numpy()
    scored["score"] = np.clip(score / total_w, 0.0, 1.0)
    scored["rank"] = rank_desc(scored["score"])


def score_corridors(
    corridors: gpd.GeoDataFrame,
    incidents: gpd.GeoDataFrame,
    stops: gpd.GeoDataFrame,
    *,
    config: ScoringConfig,
    areas: gpd.GeoDataFrame | None = None,
    graph: nx.Graph | None = None,
    reference_time: pd.Timestamp | dt.datetime | None = None,
    seed: int = 0,
    bandwidth_m: float | None = None,
) -> gpd.GeoDataFrame:
    """
    Score every corridor segment from incidents and footfall.

    Parameters
    ----------
    corridors
        Segments with ``length_m``, ``area`` and LineString geometry, indexed by ``corridor_id``.
    incidents
        Incidents with ``occurred_at``, ``category``, ``area`` and geometry (Point, or None for
        area-level rows), same CRS.
    stops
        Stops with ``departures_per_hour``, same CRS.
    config
        The scenario's ``scoring`` section.
    areas
        Optional area polygons for spreading area-level incidents (see :func:`area_incidents`).
    graph
        Optional walk graph for network distances to stops (see :func:`footfall`).
    reference_time
        Time incident recency is counted from; default the latest incident.
    seed
        Seed of the bandwidth cross-validation when ``config.bandwidth_m == "cv"``.
    bandwidth_m
        Kernel bandwidth in metres; None takes it from the scenario (see
        :func:`bandwidth_for`). Pass the value the heat raster uses to keep the two in step.

    Returns
    -------
    scored
        A copy of `corridors` with the raw columns ``kde_intensity`` (weighted incidents per
        m²), ``incident_rate`` (weighted incidents per metre, see :func:`incident_rate`),
        ``area_incidents`` (per metre), ``footfall_dph`` and ``incident_count`` (point
        incidents within 25 m), the components ``comp_incidents`` (from ``incident_rate``),
        ``comp_area_incidents``, ``comp_footfall`` (each in [0, 1]: divided by the 99th
        percentile and clipped), ``score`` (weighted mean of the components by
        ``config.weights``, in [0, 1]) and ``rank`` (1 = highest score; ties by corridor id).
        :func:`fit_scores` returns the bandwidth and prior strength used as well.

    Raises
    ------
    InputError
        If a column is missing.
    CRSError
        If a layer is unprojected or the CRSs differ.
    """
    return fit_scores(
        corridors,
        incidents,
        stops,
        config=config,
        areas=areas,
        graph=graph,
        reference_time=reference_time,
        seed=seed,
        bandwidth_m=bandwidth_m,
    ).corridors


def rankings(
    corridors: pd.DataFrame,
    *,
    by: str | None = None,
    top: int = 20,
) -> pd.DataFrame:
    """
    The best-scored corridors, overall or per group.

    Parameters
    ----------
    corridors
        Output of :func:`score_corridors` (needs ``score`` and ``rank``).
    by
        None for the overall list, or a column to rank within, e.g. ``"area"`` or
        ``"legal_class"``; segments with no value form their own group (None), listed last.
    top
        Rows per group.

    Returns
    -------
    table
        Columns: the group column (if `by`), ``group_rank``, ``corridor_id``, ``rank``,
        ``score``, the component and raw score columns, and ``name``, ``highway``, ``area``,
        ``legal_class``, ``length_m`` where present. No geometry.

    Raises
    ------
    InputError
        If ``score``/``rank`` or the `by` column is missing.
    """
    require_columns(corridors, ["score", "rank"], "corridors (run score_corridors first)")
    if by is not None:
        require_columns(corridors, [by], "corridors")
    info = [
        c
        for c in (
            "name",
            "highway",
            "area",
            "legal_class",
            "length_m",
            "score",
            "comp_incidents",
            "comp_area_incidents",
            "comp_footfall",
            "incident_rate",
            "kde_intensity",
            "area_incidents",
            "footfall_dph",
            "incident_count",
        )
        if c in corridors.columns and c != by
    ]
    table = pd.DataFrame(corridors[["rank", *info]]).sort_values("rank", kind="stable")
    table = table.rename_axis("corridor_id").reset_index()
    if by is None:
        table = table.head(top).copy()
        table.insert(0, "group_rank", np.arange(1, len(table) + 1))
        return table.reset_index(drop=True)
    group = corridors[by].astype(object).reindex(table["corridor_id"]).to_numpy()
    table.insert(0, by, group)
    table.insert(1, "group_rank", table.groupby(by, dropna=False, sort=False).cumcount() + 1)
    table = table[table["group_rank"] <= top]
    has_group = table[by].notna()
    key = table[by].where(has_group, "").astype(str)
    table = table.assign(_none=~has_group, _key=key).sort_values(
        ["_none", "_key", "group_rank"], kind="stable"
    )
    return table.drop(columns=["_none", "_key"]).reset_index(drop=True)


def heat_raster(
    incidents: gpd.GeoDataFrame,
    *,
    bounds: tuple[float, float, float, float],
    cell_m: float,
    bandwidth_m: float,
    weights: pd.Series | None = None,
) -> tuple[np.ndarray, affine.Affine]:
    """
    Kernel density of point incidents on a north-up grid, for maps and GIS.

    The gaussian kernel is separable, so the grid is an exact matrix product
    ``G_y^T · diag(w) · G_x`` (evaluated at cell centres), computed in chunks of incidents.

    Parameters
    ----------
    incidents
        Incidents in a projected CRS; only point incidents are used.
    bounds
        (minx, miny, maxx, maxy) of the grid in the CRS of `incidents`.
    cell_m
        Cell size in metres; the grid extends right and down to whole cells.
    bandwidth_m
        Gaussian standard deviation in metres.
    weights
        Incident weights (see :func:`incident_weights`); default 1 each.

    Returns
    -------
    array
        float32 (rows, cols), row 0 north: weighted incidents per m². Its sum times
        ``cell_m²`` is close to the total weight when `bounds` enclose the incidents with a
        margin of a few bandwidths.
    transform
        Affine transform of the grid (top-left origin).

    Raises
    ------
    InputError
        If the bounds are empty, a size is not positive, or the grid is too large.
    CRSError
        If `incidents` is not in a projected CRS.
    """
    require_projected(incidents, "incidents")
    minx, miny, maxx, maxy = map(float, bounds)
    if not (cell_m > 0 and bandwidth_m > 0 and maxx > minx and maxy > miny):
        msg = (
            f"heat_raster: need maxx > minx, maxy > miny, cell_m > 0 and bandwidth_m > 0; found "
            f"bounds={bounds!r}, cell_m={cell_m!r}, bandwidth_m={bandwidth_m!r}."
        )
        raise InputError(msg)
    cols = math.ceil((maxx - minx) / cell_m - 1e-9)
    rows = math.ceil((maxy - miny) / cell_m - 1e-9)
    if rows * cols > _MAX_RASTER_CELLS:
        msg = (
            f"heat_raster: a {rows} x {cols} grid is too large; raise scoring.raster_cell_m "
            f"(now {cell_m} m) or shrink the bounds."
        )
        raise InputError(msg)
    transform = affine.Affine(cell_m, 0.0, minx, 0.0, -cell_m, maxy)
    xs = minx + (np.arange(cols) + 0.5) * cell_m
    ys = maxy - (np.arange(rows) + 0.5) * cell_m
    xy, w = weighted_points(incidents, weights)
    grid = np.zeros((rows, cols))
    norm = 1.0 / (math.sqrt(2 * math.pi) * bandwidth_m)
    chunk = max(1, 4_000_000 // max(rows, cols))
    for start in range(0, len(xy), chunk):
        part, pw = xy[start : start + chunk], w[start : start + chunk]
        gx = norm * np.exp(-0.5 * ((xs[None, :] - part[:, :1]) / bandwidth_m) ** 2)
        gy = norm * np.exp(-0.5 * ((ys[None, :] - part[:, 1:]) / bandwidth_m) ** 2)
        grid += (gy * pw[:, None]).T @ gx
    log.info(
        "heat raster: %d x %d cells of %.0f m from %d incidents (bandwidth %.0f m)",
        rows,
        cols,
        cell_m,
        len(xy),
        bandwidth_m,
    )
    return grid.astype(np.float32), transform
