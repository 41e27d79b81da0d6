"""Privacy: aggregation of incidents (personal data) and masking of residential facades.

Incidents are never published as single points: they are counted per square grid cell or per
corridor segment, and counts under ``privacy.min_count`` (k) are suppressed. What was suppressed
is reported only as totals, never by location. :func:`masking_polygons` finds the residential
facades in each camera's view that the cameras must mask.
"""

from __future__ import annotations

import html
import logging
import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from affine import Affine
from shapely.geometry.base import BaseGeometry

from siteplan.crs import require_projected, require_same_crs
from siteplan.errors import InputError, InputWarning

__all__ = [
    "FACADE_STRIP_M",
    "MASKING_COLUMNS",
    "IncidentCells",
    "SegmentCounts",
    "aggregate_incidents",
    "cell_id",
    "escape",
    "mask_heat",
    "masking_polygons",
    "segment_counts",
    "suppress_small_counts",
]

log = logging.getLogger(__name__)

#: Width of the facade strip around a residential building that is masked (metres).
FACADE_STRIP_M = 3.0
#: Columns of :func:`masking_polygons` (besides the geometry).
MASKING_COLUMNS = ("camera_id", "building_id", "kind", "area_m2")


@dataclass(frozen=True, eq=False)
class IncidentCells:
    """
    Incidents counted per grid cell, with the cells under the k threshold suppressed.

    Attributes
    ----------
    cells
        One square Polygon per published cell (or cell and `by` value), indexed by ``cell_id``
        (or a (``cell_id``, `by`) MultiIndex), with ``count``, ``x_m`` and ``y_m`` (lower-left
        corner); every ``count`` is at least `min_count`. Sorted by index.
    grid_m
        Cell side in metres.
    min_count
        k: the smallest count that may be published.
    n_cells_suppressed
        Cells with ``0 < count < min_count`` (dropped; where they are is not kept).
    n_incidents_suppressed
        Located incidents in those cells.
    n_area_level
        Incidents without a point location (area-level notices, and rows with no area either).
    n_located
        Incidents with a point location.
    area_counts
        Area name -> incidents without a point location in that area; published areas only
        (counts of at least `min_count`).
    n_areas_suppressed
        Areas with fewer than `min_count` such incidents.
    n_area_incidents_suppressed
        Incidents in those areas.
    n_unlocated
        Incidents with neither a point nor an area (counted nowhere).
    """

    cells: gpd.GeoDataFrame
    grid_m: float
    min_count: int
    n_cells_suppressed: int
    n_incidents_suppressed: int
    n_area_level: int
    n_located: int
    area_counts: Mapping[str, int]
    n_areas_suppressed: int
    n_area_incidents_suppressed: int
    n_unlocated: int


@dataclass(frozen=True, eq=False)
class SegmentCounts:
    """
    Incidents counted per corridor segment, counts under the k threshold hidden.

    Attributes
    ----------
    counts
        Float Series indexed like the corridors, named ``"incident_count"``; NaN means fewer
        than `min_count` (including none).
    min_count
        k: the smallest count shown.
    n_assigned
        Incidents assigned to a segment.
    n_unassigned
        Located incidents farther than the search distance from every segment.
    n_segments_suppressed
        Segments with ``0 < count < min_count``.
    """

    counts: pd.Series
    min_count: int
    n_assigned: int
    n_unassigned: int
    n_segments_suppressed: int


def escape(text: object) -> str:
    """
    Escape user-supplied text for HTML (names, categories, free text).

    Parameters
    ----------
    text
        Any value; ``None`` and NaN become an empty string, other values are ``str()``-ed.

    Returns
    -------
    escaped
        The text with ``& < > " '`` replaced by HTML entities, and ``{ }`` too: folium/branca
        pass rendered HTML through Jinja again, where ``{{ ... }}`` in a name would be evaluated.
    """
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return ""
    return html.escape(str(text), quote=True).replace("{", "&#123;").replace("}", "&#125;")


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def cell_id(x_m: float, y_m: float) -> str:
    """
    Identifier of the grid cell whose lower-left corner is (`x_m`, `y_m`).

    Parameters
    ----------
    x_m, y_m
        Lower-left corner in the working CRS, in metres.

    Returns
    -------
    cell_id
        ``"E<x>N<y>"``, e.g. ``"E536400N6474300"``.
    """
    return f"E{_num(x_m)}N{_num(y_m)}"


def _is_located(geoms: gpd.GeoSeries) -> np.ndarray:
    arr = geoms.to_numpy()
    return ~(shapely.is_missing(arr) | shapely.is_empty(arr))


def _check_k(min_count: int) -> int:
    if int(min_count) < 1:
        msg = f"min_count must be >= 1 (privacy.min_count); got {min_count!r}."
        raise InputError(msg)
    return int(min_count)


# ----------------------------------------------------------------------------------------------
# Grid cells


def aggregate_incidents(
    incidents: gpd.GeoDataFrame,
    *,
    grid_m: float,
    min_count: int,
    by: str | None = None,
) -> IncidentCells:
    """
    Count incidents per square grid cell and suppress cells with fewer than `min_count`.

    Cells are aligned to multiples of `grid_m` in the working CRS (a point on a cell edge belongs
    to the cell above/right of it). Cells with ``0 < count < min_count`` are dropped; how many
    cells and incidents were dropped is reported as totals, never where. Area-level incidents
    (geometry None or empty) are counted per ``area`` instead, with the same threshold.

    Parameters
    ----------
    incidents
        Incidents in a projected CRS (schema ``incidents``): Point geometry or None, and an
        ``area`` column for area-level rows.
    grid_m
        Cell side in metres (``privacy.grid_m``). Must be > 0.
    min_count
        k: the smallest count that may be published (``privacy.min_count``). Must be >= 1.
    by
        Optional column (e.g. ``"category"``) to count per cell and value; the threshold then
        applies to every (cell, value) pair.

    Returns
    -------
    cells
        The published cells and the suppression totals (see :class:`IncidentCells`).

    Raises
    ------
    CRSError
        If `incidents` has no CRS or a geographic one.
    InputError
        If `grid_m` or `min_count` is out of range, or `by` is not a column.

    Warns
    -----
    InputWarning
        If some incidents have neither a location nor an area (they are not counted).
    """
    k = _check_grid_args(incidents, grid_m=grid_m, min_count=min_count, by=by)
    located = _is_located(incidents.geometry)
    pts = incidents.loc[located]
    cells, cells_suppressed, incidents_suppressed = _grid_cells(
        pts, grid_m=float(grid_m), k=k, by=by
    )
    area_rows = incidents.loc[~located]
    area_counts, per_area_small, unlocated = _area_counts(area_rows, k=k)
    if unlocated:
        warnings.warn(
            f"aggregate_incidents: {unlocated} of {len(incidents)} incidents have neither a point "
            "nor an area and are not counted. Give them coordinates or an area name.",
            InputWarning,
            stacklevel=2,
        )
    result = IncidentCells(
        cells=cells,
        grid_m=float(grid_m),
        min_count=k,
        n_cells_suppressed=cells_suppressed,
        n_incidents_suppressed=incidents_suppressed,
        n_area_level=len(area_rows),
        n_located=len(pts),
        area_counts=MappingProxyType(area_counts),
        n_areas_suppressed=len(per_area_small),
        n_area_incidents_suppressed=int(per_area_small.sum()),
        n_unlocated=unlocated,
    )
    log.info(
        "aggregated %d located incidents into %d cells of %g m (k=%d; %d cells with %d incidents "
        "suppressed); %d areas published, %d suppressed",
        *(len(pts), len(cells), grid_m, k, cells_suppressed, incidents_suppressed),
        *(len(area_counts), len(per_area_small)),
    )
    return result


def _check_grid_args(
    incidents: gpd.GeoDataFrame, *, grid_m: float, min_count: int, by: str | None
) -> int:
    """Validate the arguments of :func:`aggregate_incidents`; return k."""
    require_projected(incidents, "incidents")
    if not grid_m > 0:
        msg = f"grid_m must be > 0 (privacy.grid_m); got {grid_m!r}."
        raise InputError(msg)
    k = _check_k(min_count)
    if by is not None and by not in incidents.columns:
        msg = (
            f"aggregate_incidents: by={by!r} is not a column of incidents; "
            f"found {list(incidents.columns)}."
        )
        raise InputError(msg)
    return k


def _grid_cells(
    pts: gpd.GeoDataFrame, *, grid_m: float, k: int, by: str | None
) -> tuple[gpd.GeoDataFrame, int, int]:
    """Published cells of located incidents, and the number of cells and incidents dropped."""
    xy = shapely.get_coordinates(pts.geometry.to_numpy())
    if len(xy) != len(pts):
        msg = "aggregate_incidents: incident geometries must be Points (one coordinate each)."
        raise InputError(msg)
    x0 = np.floor(xy[:, 0] / grid_m) * grid_m if len(xy) else np.empty(0)
    y0 = np.floor(xy[:, 1] / grid_m) * grid_m if len(xy) else np.empty(0)
    keys = pd.DataFrame({"x_m": x0, "y_m": y0})
    group_cols = ["x_m", "y_m"]
    if by is not None:
        keys[by] = pts[by].to_numpy()
        group_cols.append(by)
    counts = keys.groupby(group_cols, sort=True, dropna=False).size().rename("count").reset_index()
    small = counts["count"] < k
    cells_suppressed = int(small.sum())
    incidents_suppressed = int(counts.loc[small, "count"].sum())
    counts = counts.loc[~small].reset_index(drop=True)
    ids = [cell_id(x, y) for x, y in zip(counts["x_m"], counts["y_m"], strict=True)]
    boxes = shapely.box(
        counts["x_m"], counts["y_m"], counts["x_m"] + grid_m, counts["y_m"] + grid_m
    )
    cells = gpd.GeoDataFrame(
        counts.assign(cell_id=ids, count=counts["count"].astype("int64")),
        geometry=np.asarray(boxes, dtype=object),
        crs=pts.crs,
    )
    cells = cells.set_index(["cell_id", by] if by is not None else "cell_id")
    cells = cells[[c for c in ("count", "x_m", "y_m") if c in cells.columns] + ["geometry"]]
    return cells.sort_index(), cells_suppressed, incidents_suppressed


def _area_counts(area_rows: pd.DataFrame, *, k: int) -> tuple[dict[str, int], pd.Series, int]:
    """Published per-area counts, the suppressed areas' counts, and the unlocated count."""
    if "area" in area_rows.columns:
        has_area = area_rows["area"].notna().to_numpy()
    else:
        has_area = np.zeros(len(area_rows), dtype=bool)
    unlocated = int((~has_area).sum())
    per_area = area_rows.loc[has_area, "area"].astype(str).value_counts().sort_index()
    small = per_area < k
    published = {str(a): int(n) for a, n in per_area[~small].items()}
    return published, per_area[small], unlocated


# ----------------------------------------------------------------------------------------------
# Corridor segments


def segment_counts(
    corridors: gpd.GeoDataFrame,
    incidents: gpd.GeoDataFrame,
    *,
    min_count: int,
    max_distance_m: float = 25.0,
) -> SegmentCounts:
    """
    Count incidents per corridor segment, hiding counts below `min_count`.

    Each located incident is assigned to its single nearest segment within `max_distance_m`
    (so the counts add up); incidents farther away, and area-level incidents, are not counted.

    Parameters
    ----------
    corridors
        Corridor segments in the working CRS, indexed by ``corridor_id``.
    incidents
        Incidents in the same CRS; rows without a point are skipped.
    min_count
        k: counts below it (including 0) become NaN, meaning "fewer than k".
    max_distance_m
        Largest distance from an incident to its segment, in metres. Must be >= 0.

    Returns
    -------
    counts
        The counts and the totals of what was hidden (see :class:`SegmentCounts`).

    Raises
    ------
    CRSError
        If a layer is unprojected or the CRSs differ.
    InputError
        If `max_distance_m` or `min_count` is out of range.
    """
    require_same_crs(corridors, incidents, "corridors", "incidents")
    if not max_distance_m >= 0:
        msg = f"max_distance_m must be >= 0; got {max_distance_m!r}."
        raise InputError(msg)
    k = _check_k(min_count)
    pts = incidents.geometry.loc[_is_located(incidents.geometry)]
    if len(pts) and len(corridors):
        pairs = corridors.sindex.nearest(
            pts.to_numpy(), return_all=False, max_distance=max_distance_m
        )
        hit = np.bincount(pairs[1], minlength=len(corridors))
        n_assigned = len(pairs[1])
    else:
        hit = np.zeros(len(corridors), dtype=int)
        n_assigned = 0
    counts = pd.Series(hit.astype(float), index=corridors.index, name="incident_count")
    suppressed = int(((counts > 0) & (counts < k)).sum())
    counts = counts.where(counts >= k)
    log.info(
        "counted %d incidents on %d segments (k=%d): %d segments published, %d suppressed, "
        "%d incidents beyond %g m",
        n_assigned,
        len(corridors),
        k,
        int(counts.notna().sum()),
        suppressed,
        len(pts) - n_assigned,
        max_distance_m,
    )
    return SegmentCounts(
        counts=counts,
        min_count=k,
        n_assigned=n_assigned,
        n_unassigned=len(pts) - n_assigned,
        n_segments_suppressed=suppressed,
    )


# ----------------------------------------------------------------------------------------------
# Masking


def masking_polygons(
    footprints: gpd.GeoDataFrame,
    buildings: gpd.GeoDataFrame | None,
    *,
    min_area_m2: float = 1.0,
    strip_m: float = FACADE_STRIP_M,
) -> gpd.GeoDataFrame:
    """
    Residential facades in each camera's view, to be masked.

    A residential building's facade strip is the building buffered by `strip_m`; the part of it
    inside a camera's footprint is masked. Only residential buildings count (a shop front
    gives no row). OSM has no private plots, so every row is a facade strip.

    Parameters
    ----------
    footprints
        Camera footprints (Polygons) indexed by ``camera_id``, in a projected CRS.
    buildings
        Buildings indexed by ``building_id`` with a boolean ``residential`` column, in the CRS
        of `footprints`; None when the inputs have no buildings (nothing is masked).
    min_area_m2
        Smaller pieces are dropped (slivers from touching edges).
    strip_m
        Width in metres of the facade strip around a residential building.

    Returns
    -------
    masking
        Index ``mask_id`` ("<camera_id>:<building_id>"); columns :data:`MASKING_COLUMNS`
        (``kind`` is "facade", ``area_m2`` the masked ground area) and Polygon geometry in the
        CRS of `footprints`, sorted by camera and building. No rows when no residential
        building is in view, when there are no cameras, or when `buildings` is None.

    Raises
    ------
    CRSError
        If the layers are unprojected or their CRSs differ.
    InputError
        If `buildings` has no ``residential`` column or `strip_m` is not positive.
    """
    rows: list[tuple[str, str, float, BaseGeometry]] = []
    if buildings is not None and len(footprints):
        require_same_crs(footprints, buildings, "footprints", "buildings")
        if "residential" not in buildings.columns:
            msg = (
                f"`buildings`: missing column 'residential'; found {list(buildings.columns)}. "
                "Load buildings through siteplan.io.osm, which sets it from the OSM building tag."
            )
            raise InputError(msg)
        if not strip_m > 0:
            msg = f"masking_polygons: strip_m must be > 0 metres; got {strip_m!r}."
            raise InputError(msg)
        rows = _facade_pieces(footprints, buildings, min_area_m2=min_area_m2, strip_m=strip_m)
    rows.sort(key=lambda r: (r[0], r[1]))
    out = gpd.GeoDataFrame(
        {
            "camera_id": pd.Series([r[0] for r in rows], dtype=object),
            "building_id": pd.Series([r[1] for r in rows], dtype=object),
            "kind": pd.Series(["facade"] * len(rows), dtype=object),
            "area_m2": pd.Series([r[2] for r in rows], dtype=float),
        },
        geometry=[r[3] for r in rows],
        crs=footprints.crs,
    )
    out.index = pd.Index([f"{r[0]}:{r[1]}" for r in rows], name="mask_id", dtype=object)
    log.info(
        "masking: %d facade strip(s) of %d residential building(s) in view of %d of %d camera(s)",
        len(out),
        out["building_id"].nunique(),
        out["camera_id"].nunique(),
        len(footprints),
    )
    return out


def _facade_pieces(
    footprints: gpd.GeoDataFrame,
    buildings: gpd.GeoDataFrame,
    *,
    min_area_m2: float,
    strip_m: float,
) -> list[tuple[str, str, float, BaseGeometry]]:
    """(camera id, building id, area, piece) for each residential facade strip in view."""
    resid = buildings[buildings["residential"].fillna(False).astype(bool).to_numpy()]
    b_geoms = resid.geometry.to_numpy()
    b_ok = ~(shapely.is_missing(b_geoms) | shapely.is_empty(b_geoms))
    resid, b_geoms = resid[b_ok], b_geoms[b_ok]
    f_geoms = footprints.geometry.to_numpy()
    f_ok = ~(shapely.is_missing(f_geoms) | shapely.is_empty(f_geoms))
    rows: list[tuple[str, str, float, BaseGeometry]] = []
    if not len(resid) or not f_ok.any():
        return rows
    strips = shapely.buffer(b_geoms, strip_m)
    f_pos = np.flatnonzero(f_ok)
    i_f, i_b = shapely.STRtree(strips).query(f_geoms[f_pos], predicate="intersects")
    pieces = shapely.intersection(f_geoms[f_pos][i_f], strips[i_b])
    areas = shapely.area(pieces)
    cams = footprints.index.to_numpy()[f_pos][i_f]
    bids = resid.index.to_numpy()[i_b]
    for cam, bid, area, geom in zip(cams, bids, areas, pieces, strict=True):
        if area >= min_area_m2:
            rows.append((str(cam), str(bid), float(area), geom))
    return rows


# ----------------------------------------------------------------------------------------------
# Shared layers: the k threshold on the heat raster and on per-corridor counts


def mask_heat(heat: np.ndarray, transform: Affine, cells: IncidentCells) -> np.ndarray:
    """
    The heat raster with every pixel outside a published privacy cell set to zero.

    A kernel density peaks on each incident, so the raw raster shows isolated incidents to a
    few metres. Only pixels whose privacy-grid cell holds at least ``cells.min_count``
    incidents (the cells the map may show) keep their value.

    Parameters
    ----------
    heat
        Raster of incident intensity (rows from north to south).
    transform
        Its affine transform (working CRS, metres).
    cells
        The published cells, from :func:`aggregate_incidents`.

    Returns
    -------
    heat
        A new float32 raster of the same shape.
    """
    rows, cols = np.indices(heat.shape)
    x, y = transform * (cols + 0.5, rows + 0.5)
    pixel = _cell_keys(np.asarray(x), np.asarray(y), cells.grid_m)
    table = cells.cells
    published = _cell_keys(
        table["x_m"].to_numpy() + cells.grid_m / 2,
        table["y_m"].to_numpy() + cells.grid_m / 2,
        cells.grid_m,
    )
    keep = np.isin(pixel, published)
    return np.where(keep, heat, 0.0).astype(np.float32)


def _cell_keys(x_m: np.ndarray, y_m: np.ndarray, grid_m: float) -> np.ndarray:
    """One int64 key per point: the column and row of its privacy-grid cell."""
    ix = np.floor(x_m / grid_m).astype(np.int64)
    iy = np.floor(y_m / grid_m).astype(np.int64)
    return (ix << 32) | (iy & 0xFFFFFFFF)


def suppress_small_counts(counts: pd.Series, *, min_count: int) -> pd.Series:
    """
    Per-segment incident counts fit to share: counts from 1 to ``min_count - 1`` become missing.

    Parameters
    ----------
    counts
        Incident counts (e.g. per corridor).
    min_count
        The k threshold.

    Returns
    -------
    counts
        Nullable integer counts; zero and counts of at least `min_count` are kept.
    """
    values = counts.astype("Int64")
    return values.mask((values > 0) & (values < min_count))
