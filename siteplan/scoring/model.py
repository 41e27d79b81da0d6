"""The score: risk, exposure and priority per corridor, rankings and the heat raster."""

from __future__ import annotations

import datetime as dt
import logging
import math
from dataclasses import dataclass, field
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
    as_timestamp,
    check_corridors,
    point_mask,
    rank_desc,
    require_columns,
    warn_off_network,
    weighted_points,
)
from siteplan.scoring._surface import ModelSpec, effective_years, prepare, surface
from siteplan.scoring.components import area_incidents, footfall, incident_weights
from siteplan.scoring.selection import (
    ModelSelection,
    base_weights,
    rolling_folds,
    select_model,
)

log = logging.getLogger(__name__)

_WeightKey = Literal["incidents", "area_incidents", "footfall"]
_COMPONENTS: dict[_WeightKey, tuple[str, str]] = {  # weight key -> (raw, relative column)
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
    Result of :func:`fit_scores`: the scored corridors and the model behind them.

    Attributes
    ----------
    corridors
        The scored corridors (see :func:`score_corridors`).
    bandwidth_m
        Kernel bandwidth in metres of the risk model's long-term surface.
    prior_strength_m
        Prior strength k in metres of the empirical-Bayes rate (see :func:`incident_rate`);
        NaN when no incident lies on the network or the model is a baseline.
    model
        The risk model used (see :class:`ModelSpec`).
    selection
        The rolling-origin model selection that chose it; None when the model was given.
    """

    corridors: gpd.GeoDataFrame
    bandwidth_m: float
    prior_strength_m: float
    model: ModelSpec = field(default_factory=ModelSpec)
    selection: ModelSelection | None = None


def _choose(
    corridors: gpd.GeoDataFrame,
    incidents: gpd.GeoDataFrame,
    config: ScoringConfig,
    model: ModelSpec | ModelSelection | None,
    bandwidth_m: float | None,
) -> tuple[ModelSpec, ModelSelection | None, float]:
    """The model to fit, the selection behind it and the forecast horizon in days."""
    if isinstance(model, ModelSelection):
        return model.model, model, model.horizon_days
    folds = rolling_folds(incidents["occurred_at"], cut_date=config.evaluation_cut_date)
    if isinstance(model, ModelSpec):
        return model, None, folds.horizon_days
    selection = select_model(
        corridors,
        incidents,
        config=config,
        bandwidths_m=None if bandwidth_m is None else [bandwidth_m],
    )
    return selection.model, selection, selection.horizon_days


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
    model: ModelSpec | ModelSelection | None = None,
) -> ScoreFit:
    """
    Score every corridor segment, and say which model (bandwidth, prior strength) was used.

    Parameters
    ----------
    corridors, incidents, stops, config, areas, graph, reference_time, seed, bandwidth_m, model
        As for :func:`score_corridors`.

    Returns
    -------
    ScoreFit
        The scored corridors, the bandwidth, the prior strength, the model and its selection.

    Raises
    ------
    InputError
        If a column is missing or `bandwidth_m` is not positive.
    CRSError
        If a layer is unprojected or the CRSs differ.
    """
    del seed  # the selection is deterministic; kept for callers that pass it
    if bandwidth_m is not None and not bandwidth_m > 0:
        msg = f"bandwidth_m must be > 0 metres or None (from the scenario); found {bandwidth_m!r}."
        raise InputError(msg)
    check_corridors(corridors, ["length_m", "area"])
    require_columns(incidents, ["occurred_at", "category", "area", "geometry"], "incidents")
    require_columns(stops, ["geometry", "departures_per_hour"], "stops")
    require_same_crs(corridors, incidents, "corridors", "incidents")
    require_same_crs(corridors, stops, "corridors", "stops")
    spec, selection, horizon = _choose(corridors, incidents, config, model, bandwidth_m)
    warn_off_network(corridors, incidents, reach_m=6 * spec.bandwidth_m)
    prep = prepare(corridors, incidents, base_weights(incidents, config))
    times = incidents["occurred_at"].dropna()
    end = times.max() if len(times) else prep.t0
    ref = end if reference_time is None else as_timestamp(reference_time, incidents["occurred_at"])
    cut_day = max(prep.day_of(ref), float(prep.days.max(initial=0.0))) + 1e-6
    surf = surface(prep, spec, cut_day, max(horizon, 1.0), with_interval=True)
    scored = corridors.copy()
    scored["kde_intensity"] = surf.kde
    scored["incident_rate"] = surf.risk
    span_days = cut_day - prep.start_day
    scored["area_incidents"] = _area_rate(corridors, incidents, config, spec, areas, ref, span_days)
    scored["risk_per_m_year"] = surf.risk + scored["area_incidents"].to_numpy()
    scored["risk_low_per_m_year"] = surf.low + scored["area_incidents"].to_numpy()
    scored["risk_high_per_m_year"] = surf.high + scored["area_incidents"].to_numpy()
    scored["footfall_dph"] = footfall(
        corridors,
        stops,
        decay_m=config.footfall_decay_m,
        max_walk_m=config.footfall_max_walk_m,
        graph=graph,
    )
    scored["exposure_dph"] = scored["footfall_dph"]
    scored["incident_count"] = _incident_count(corridors, incidents)
    combine(scored, config)
    log.info(
        "scored %d corridors from %d incidents (%d on the network) and %d stops with %s; "
        "top risk %.3g per m and year",
        len(scored),
        len(incidents),
        len(prep.seg),
        len(stops),
        spec.label,
        float(scored["risk_per_m_year"].max()) if len(scored) else 0.0,
    )
    return ScoreFit(scored, float(spec.bandwidth_m), surf.prior_strength_m, spec, selection)


def _area_rate(
    corridors: gpd.GeoDataFrame,
    incidents: gpd.GeoDataFrame,
    config: ScoringConfig,
    spec: ModelSpec,
    areas: gpd.GeoDataFrame | None,
    reference_time: pd.Timestamp,
    span_days: float,
) -> pd.Series:
    """Area-level incidents per metre and year, with the model's recency half-life."""
    cfg = config.model_copy(update={"half_life_days": spec.half_life_days})
    weights = incident_weights(incidents, config=cfg, reference_time=reference_time)
    per_m = area_incidents(corridors, incidents, weights=weights, areas=areas)
    return per_m / effective_years(span_days, spec.half_life_days)


def relative(values: pd.Series, lengths: np.ndarray) -> pd.Series:
    """`values` over their length-weighted network mean (0 everywhere if that mean is 0)."""
    arr = values.to_numpy(dtype=float)
    mean = float((arr * lengths).sum() / lengths.sum()) if lengths.sum() > 0 else 0.0
    out = arr / mean if mean > 0 else np.zeros(len(arr))
    return pd.Series(out, index=values.index)


def combine(scored: gpd.GeoDataFrame, config: ScoringConfig) -> None:
    """Add ``comp_*``, ``priority`` (= ``score``), ``rank`` and the colour ranks to `scored`.

    Each component is divided by its length-weighted network mean (1 = an average metre of
    walkway), so none saturates; ``priority`` is their mean weighted by ``config.weights``.
    """
    lengths = scored["length_m"].to_numpy(dtype=float)
    total_w = sum(config.weights.get(k, 0.0) for k in _COMPONENTS)
    priority = np.zeros(len(scored))
    for key, (raw, comp) in _COMPONENTS.items():
        scored[comp] = relative(scored[raw], lengths)
        priority += config.weights.get(key, 0.0) * scored[comp].to_numpy()
    scored["priority"] = priority / total_w
    scored["score"] = scored["priority"]
    risk = scored["risk_per_m_year"].to_numpy(dtype=float)
    scored["rank"] = rank_desc(scored["priority"], tiebreak=[-risk])
    scored["risk_rank"] = rank_desc(scored["risk_per_m_year"]).to_numpy()
    n = max(len(scored) - 1, 1)
    scored["priority_pct"] = 1.0 - (scored["rank"].to_numpy() - 1) / n
    scored["risk_pct"] = 1.0 - (scored["risk_rank"].to_numpy() - 1) / n


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
    model: ModelSpec | ModelSelection | None = None,
) -> gpd.GeoDataFrame:
    """
    Score every corridor segment: incident risk, exposure (footfall) and their priority.

    The risk model is chosen from the data by rolling-origin cross-validation
    (:func:`select_model`) unless `model` is given. It is fitted on every incident up to
    `reference_time`.

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
        Time incident recency is counted from; default (and at the earliest) the latest
        incident.
    seed
        Unused (the selection is deterministic); kept for callers that pass it.
    bandwidth_m
        Fixes the bandwidth of the model search (None: the scenario's, see
        :func:`~siteplan.scoring.selection.candidates`). Ignored when `model` is given.
    model
        A :class:`ModelSpec` to fit as is, or a :class:`ModelSelection` (its chosen model);
        None selects one.

    Returns
    -------
    scored
        A copy of `corridors` with:

        - risk: ``risk_per_m_year`` (expected severity- and hour-weighted incidents per metre
          and year), ``risk_low_per_m_year`` / ``risk_high_per_m_year`` (90 % interval of the
          Poisson-gamma posterior), made of ``incident_rate`` (point incidents, per metre and
          year) and ``area_incidents`` (area-level incidents spread by length, per metre and
          year); ``kde_intensity`` (the long-term surface, weighted incidents per m²);
        - exposure: ``exposure_dph`` = ``footfall_dph`` (distance-weighted departures per hour);
        - ``incident_count`` (point incidents within 25 m);
        - ``comp_incidents``, ``comp_area_incidents``, ``comp_footfall``: each raw component
          over its length-weighted network mean (1 = an average metre; no upper bound);
        - ``priority`` = ``score``: the mean of the three by ``config.weights``;
        - ``rank`` (1 = highest priority; ties by risk, then corridor id), ``risk_rank``;
        - ``priority_pct``, ``risk_pct``: 1 − (rank − 1) / (n − 1), for colour scales.

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
        model=model,
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
            "priority",
            "risk_per_m_year",
            "risk_low_per_m_year",
            "risk_high_per_m_year",
            "exposure_dph",
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
