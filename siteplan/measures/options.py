"""Options of a measure: where it can go, what it costs and which demand points it acts on.

- Lighting priced per lamp: on each corridor, the dark stretch (farther than
  ``lamp_spacing_m`` from every OSM street lamp) gets ``ceil(dark length / spacing)`` new
  lamps and acts on the demand points on that stretch. Without lamp data every corridor is
  taken as unlit (with an :class:`~siteplan.errors.InputWarning`).
- Lighting, vegetation clearance and custom measures priced per metre: the whole corridor,
  acting on all its demand points.
- Help points and custom measures priced per site: one site per station (the centre of its
  platforms), acting on the demand points within ``reach_m``.
"""

from __future__ import annotations

import math
import warnings
from typing import NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely

from siteplan.crs import require_same_crs
from siteplan.errors import InputError, InputWarning
from siteplan.measures.catalogue import Measure
from siteplan.schemas import require

__all__ = ["MEASURE_OPTION_COLUMNS", "MIN_DARK_LENGTH_M", "MeasureOptions", "measure_options"]

#: Columns of :attr:`MeasureOptions.options` (index ``option_id``).
MEASURE_OPTION_COLUMNS = (
    "measure",
    "kind",
    "corridor_id",  # None for site measures
    "site_id",  # station id for site measures, None for corridor measures
    "units",  # metres, lamps or 1 site
    "capex_sek",
    "opex_sek_per_year",
    "cost_sek",  # capex + horizon_years × opex
    "area",
    "dark_length_m",  # lighting: length of the corridor farther than lamp_spacing_m from a lamp
    "geometry",
)

#: Dark stretches shorter than this are ignored (slivers of the lamps' buffer polygons).
MIN_DARK_LENGTH_M = 1.0

#: Columns filled from the measure's prices rather than from each option's place.
_COSTED = frozenset({"measure", "kind", "capex_sek", "opex_sek_per_year", "cost_sek"})

#: Lamp spacing when a lighting measure sets none (the lighting default of defaults.toml).
_DEFAULT_SPACING_M = 30.0


class MeasureOptions(NamedTuple):
    """
    The options of one measure and the demand points each acts on.

    Attributes
    ----------
    options
        One row per option, index ``option_id`` ("<measure>:<corridor_id>" or
        "<measure>:<station id>"), columns :data:`MEASURE_OPTION_COLUMNS`; geometry: the
        corridor (or its dark stretch for lighting per lamp) or the site's Point.
    coverage
        Sparse boolean matrix, options × demand points (in the order of the `demand` frame
        given): True where the option acts on the point.
    """

    options: gpd.GeoDataFrame
    coverage: sp.csr_matrix


def _corridor_rows(
    corridors: gpd.GeoDataFrame, demand: gpd.GeoDataFrame
) -> dict[object, np.ndarray]:
    """Corridor id → positions of its demand points."""
    ids = demand["corridor_id"].to_numpy()
    frame = pd.DataFrame({"cid": ids, "pos": np.arange(len(ids))})
    known = frame[frame["cid"].isin(corridors.index)]
    return {cid: group["pos"].to_numpy() for cid, group in known.groupby("cid", sort=False)}


def _lit_demand(demand: gpd.GeoDataFrame, lamps: gpd.GeoDataFrame, spacing_m: float) -> np.ndarray:
    """True for demand points within `spacing_m` of a lamp."""
    lit = np.zeros(len(demand), dtype=bool)
    if len(lamps) and len(demand):
        tree = shapely.STRtree(lamps.geometry.to_numpy())
        hits = tree.query(demand.geometry.to_numpy(), predicate="dwithin", distance=spacing_m)
        lit[np.unique(hits[0])] = True
    return lit


def _dark_stretches(
    corridors: gpd.GeoDataFrame, lamps: gpd.GeoDataFrame, spacing_m: float
) -> np.ndarray:
    """Each corridor's geometry less the discs of radius `spacing_m` around the lamps."""
    lines = corridors.geometry.to_numpy()
    dark = lines.copy()
    if not len(lamps):
        return dark
    points = lamps.geometry.to_numpy()
    pairs = shapely.STRtree(points).query(lines, predicate="dwithin", distance=spacing_m)
    frame = pd.DataFrame({"line": pairs[0], "lamp": pairs[1]})
    for line, group in frame.groupby("line", sort=True):
        discs = shapely.buffer(points[group["lamp"].to_numpy()], spacing_m, quad_segs=32)
        dark[line] = shapely.difference(lines[line], shapely.union_all(discs))
    return dark


def _lamps_frame(lamps: gpd.GeoDataFrame | None, corridors: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if lamps is None or lamps.empty:
        warnings.warn(
            "no street-lamp data (OSM highway=street_lamp): every corridor is taken as unlit, "
            "so lighting options span whole corridors. Add lamp data for dark gaps.",
            InputWarning,
            stacklevel=4,
        )
        return gpd.GeoDataFrame(geometry=gpd.GeoSeries([], crs=corridors.crs), crs=corridors.crs)
    require_same_crs(corridors, lamps, "corridors", "lamps")
    return lamps


def _corridor_options(
    measure: Measure,
    corridors: gpd.GeoDataFrame,
    demand: gpd.GeoDataFrame,
    lamps: gpd.GeoDataFrame | None,
) -> tuple[list[dict[str, object]], list[np.ndarray]]:
    """Rows and covered demand positions of a measure placed per corridor."""
    members = _corridor_rows(corridors, demand)
    lengths = (
        corridors["length_m"].to_numpy(dtype=float)
        if "length_m" in corridors
        else shapely.length(corridors.geometry.to_numpy())
    )
    lighting = measure.kind == "lighting"
    spacing = measure.lamp_spacing_m or _DEFAULT_SPACING_M
    dark_geoms, lit = corridors.geometry.to_numpy(), np.zeros(len(demand), dtype=bool)
    if lighting:
        lamp_frame = _lamps_frame(lamps, corridors)
        # Lamps `spacing` apart light everything within half of it.
        dark_geoms = _dark_stretches(corridors, lamp_frame, spacing / 2)
        lit = _lit_demand(demand, lamp_frame, spacing / 2)
    dark_lengths = shapely.length(dark_geoms)
    areas = corridors["area"].to_numpy() if "area" in corridors else [None] * len(corridors)
    rows, covered = [], []
    for i, cid in enumerate(corridors.index):
        on = members.get(cid, np.zeros(0, dtype=int))
        geom, units = corridors.geometry.iloc[i], float(lengths[i])
        if measure.unit == "lamp":
            if dark_lengths[i] < MIN_DARK_LENGTH_M:
                continue
            on, geom = on[~lit[on]], dark_geoms[i]
            units = float(math.ceil(dark_lengths[i] / spacing - 1e-9))
        rows.append(
            {
                "corridor_id": cid,
                "site_id": None,
                "units": units,
                "area": areas[i],
                "dark_length_m": float(dark_lengths[i]) if lighting else np.nan,
                "geometry": geom,
            }
        )
        covered.append(on)
    return rows, covered


def _stations(stops: gpd.GeoDataFrame) -> gpd.GeoSeries:
    """One Point per station: the centre of its platforms (or of each stop without stations)."""
    geoms = stops.geometry.to_numpy()
    keys = (
        stops["station_id"].astype(str).to_numpy()
        if "station_id" in stops
        else stops.index.astype(str).to_numpy()
    )
    names = sorted(set(keys))
    centres = [shapely.centroid(shapely.union_all(geoms[keys == k])) for k in names]
    return gpd.GeoSeries(centres, index=pd.Index(names, name="site_id"), crs=stops.crs)


def _site_options(
    measure: Measure, demand: gpd.GeoDataFrame, stops: gpd.GeoDataFrame | None
) -> tuple[list[dict[str, object]], list[np.ndarray]]:
    """Rows and covered demand positions of a measure placed per station."""
    if stops is None or stops.empty:
        warnings.warn(
            f"measure {measure.name!r}: no stops, so no sites to place it at",
            InputWarning,
            stacklevel=3,
        )
        return [], []
    require_same_crs(demand, stops, "demand", "stops")
    if measure.reach_m is None:
        msg = f"measure {measure.name!r} is placed per site and needs reach_m"
        raise InputError(msg)
    sites = _stations(stops)
    points = demand.geometry.to_numpy()
    hits = shapely.STRtree(points).query(
        sites.to_numpy(), predicate="dwithin", distance=measure.reach_m
    )
    areas = demand["area"].to_numpy() if "area" in demand else np.full(len(demand), None)
    rows, covered = [], []
    for i, (sid, point) in enumerate(sites.items()):
        on = np.sort(hits[1][hits[0] == i])
        nearest = on[np.argmin(shapely.distance(points[on], point))] if len(on) else None
        rows.append(
            {
                "corridor_id": None,
                "site_id": sid,
                "units": 1.0,
                "area": None if nearest is None else areas[nearest],
                "dark_length_m": np.nan,
                "geometry": point,
            }
        )
        covered.append(on)
    return rows, covered


def _frame(
    measure: Measure, rows: list[dict[str, object]], crs: object, horizon_years: float
) -> gpd.GeoDataFrame:
    frame = pd.DataFrame(rows, columns=[c for c in MEASURE_OPTION_COLUMNS if c not in _COSTED])
    place = frame["corridor_id"].where(frame["corridor_id"].notna(), frame["site_id"])
    frame.index = pd.Index([f"{measure.name}:{p}" for p in place], name="option_id", dtype=str)
    frame["measure"], frame["kind"] = measure.name, measure.kind
    units = frame["units"].to_numpy(dtype=float)
    frame["capex_sek"] = units * measure.capex_sek
    frame["opex_sek_per_year"] = units * measure.opex_sek_per_year
    frame["cost_sek"] = frame["capex_sek"] + horizon_years * frame["opex_sek_per_year"]
    frame["dark_length_m"] = frame["dark_length_m"].astype(float)
    for column in ("corridor_id", "site_id", "area"):
        values = frame[column].astype(object)
        frame[column] = values.where(values.notna(), None)
    geometry = gpd.GeoSeries(list(frame["geometry"]), index=frame.index, crs=crs)
    out = gpd.GeoDataFrame(frame.drop(columns="geometry"), geometry=geometry, crs=crs)
    return out[list(MEASURE_OPTION_COLUMNS)]


def measure_options(
    measure: Measure,
    corridors: gpd.GeoDataFrame,
    demand: gpd.GeoDataFrame,
    *,
    lamps: gpd.GeoDataFrame | None,
    stops: gpd.GeoDataFrame | None,
    horizon_years: float,
) -> MeasureOptions:
    """
    The options of one measure with their costs and the demand points each acts on.

    Parameters
    ----------
    measure
        A resolved measure (:func:`siteplan.measures.resolve`); not of kind camera.
    corridors
        Corridor segments indexed by ``corridor_id`` (``length_m`` and ``area`` used when
        present), in the working CRS.
    demand
        Demand points (``PlacementProblem.demand``): index ``demand_id``, column
        ``corridor_id``, Point geometry (``area`` used for site options when present).
    lamps
        Street lamps (OSM ``highway=street_lamp``) as Points; None or empty: no lamp data,
        every corridor is unlit (with an InputWarning). Used by lighting only.
    stops
        Stops with Point geometry; grouped by ``station_id`` when that column exists. Used
        by site measures only; None or empty: no site options (with an InputWarning).
    horizon_years
        Years of running costs counted in ``cost_sek``.

    Returns
    -------
    MeasureOptions
        The options (sorted by corridor or station) and the options × demand coverage.

    Raises
    ------
    InputError
        For a camera measure (camera options come from :mod:`siteplan.coverage`), a site
        measure without reach_m, a negative horizon or missing columns.
    CRSError
        If the layers are not in one projected CRS.
    """
    if measure.kind == "camera":
        msg = "camera options come from siteplan.coverage, not from measure_options"
        raise InputError(msg)
    if horizon_years < 0:
        msg = f"horizon_years must be ≥ 0; got {horizon_years!r}"
        raise InputError(msg)
    require(corridors, ["geometry"], name="corridors")
    require(demand, ["corridor_id", "geometry"], name="demand")
    require_same_crs(corridors, demand, "corridors", "demand")
    if measure.per_corridor:
        rows, covered = _corridor_options(measure, corridors.sort_index(), demand, lamps)
    else:
        rows, covered = _site_options(measure, demand, stops)
    options = _frame(measure, rows, corridors.crs, horizon_years)
    indptr = np.cumsum([0, *(len(c) for c in covered)])
    indices = np.concatenate([*covered, np.zeros(0, dtype=int)]).astype(np.int64)
    coverage = sp.csr_matrix(
        (np.ones(len(indices), dtype=bool), indices, indptr), shape=(len(options), len(demand))
    )
    return MeasureOptions(options=options, coverage=coverage)
