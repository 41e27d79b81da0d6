"""Aggregation of incidents (personal data) before they appear in any shared output.

Incidents are never published as single points: they are counted per square grid cell or per
corridor segment, and counts under ``privacy.min_count`` (k) are suppressed. What was suppressed
is reported only as totals, never by location.
"""

from __future__ import annotations

import html
import logging
import math
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from siteplan.crs import require_projected, require_same_crs
from siteplan.errors import InputError, InputWarning

__all__ = ["aggregate_incidents", "cell_id", "escape", "segment_counts"]

log = logging.getLogger(__name__)


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


def aggregate_incidents(
    incidents: gpd.GeoDataFrame,
    *,
    grid_m: float = 100.0,
    min_count: int = 5,
    by: str | None = None,
) -> gpd.GeoDataFrame:
    """
    Count incidents per square grid cell and suppress cells with fewer than `min_count`.

    Cells are aligned to multiples of `grid_m` in the working CRS (a point on a cell edge belongs
    to the cell above/right of it). Cells with ``0 < count < min_count`` are dropped; how many
    cells and incidents were dropped is reported in ``.attrs``, never where. Area-level incidents
    (geometry None or empty) are counted per ``area`` instead, with the same threshold.

    Parameters
    ----------
    incidents
        Incidents in a projected CRS (schema ``incidents``): Point geometry or None, and an
        ``area`` column for area-level rows.
    grid_m
        Cell side in metres. Must be > 0.
    min_count
        k: the smallest count that may be published. Must be >= 1.
    by
        Optional column (e.g. ``"category"``) to count per cell and value; the threshold then
        applies to every (cell, value) pair.

    Returns
    -------
    cells
        One square Polygon per published cell (or cell and `by` value), indexed by ``cell_id``
        (or a (``cell_id``, `by`) MultiIndex), with columns ``count``, ``x_m``, ``y_m`` (lower-left
        corner) and, with `by`, the group value. Sorted by index. ``.attrs`` holds
        ``grid_m``, ``min_count``, ``n_incidents`` (located), ``cells_suppressed``,
        ``incidents_suppressed``, ``area_counts`` ({area: count}, published areas only),
        ``areas_suppressed``, ``area_incidents_suppressed`` and ``unlocated`` (no point, no area).

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
    require_projected(incidents, "incidents")
    if not grid_m > 0:
        msg = f"grid_m must be > 0 (privacy.grid_m); got {grid_m!r}."
        raise InputError(msg)
    if int(min_count) < 1:
        msg = f"min_count must be >= 1 (privacy.min_count); got {min_count!r}."
        raise InputError(msg)
    if by is not None and by not in incidents.columns:
        msg = (
            f"aggregate_incidents: by={by!r} is not a column of incidents; "
            f"found {list(incidents.columns)}."
        )
        raise InputError(msg)
    k = int(min_count)

    located = _is_located(incidents.geometry)
    pts = incidents.loc[located]
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
        crs=incidents.crs,
    )
    cells = cells.set_index(["cell_id", by] if by is not None else "cell_id")
    cells = cells[[c for c in ("count", "x_m", "y_m") if c in cells.columns] + ["geometry"]]
    cells = cells.sort_index()

    # Area-level incidents: counted per area with the same threshold.
    area_rows = incidents.loc[~located]
    if "area" in area_rows.columns:
        has_area = area_rows["area"].notna().to_numpy()
    else:
        has_area = np.zeros(len(area_rows), dtype=bool)
    unlocated = int((~has_area).sum())
    per_area = area_rows.loc[has_area, "area"].astype(str).value_counts().sort_index()
    area_small = per_area < k
    area_counts = {str(a): int(n) for a, n in per_area[~area_small].items()}
    if unlocated:
        warnings.warn(
            f"aggregate_incidents: {unlocated} of {len(incidents)} incidents have neither a point "
            "nor an area and are not counted. Give them coordinates or an area name.",
            InputWarning,
            stacklevel=2,
        )

    cells.attrs.update(
        grid_m=float(grid_m),
        min_count=k,
        n_incidents=len(pts),
        cells_suppressed=cells_suppressed,
        incidents_suppressed=incidents_suppressed,
        area_counts=area_counts,
        areas_suppressed=int(area_small.sum()),
        area_incidents_suppressed=int(per_area[area_small].sum()),
        unlocated=unlocated,
    )
    log.info(
        "aggregated %d located incidents into %d cells of %g m (k=%d; %d cells with %d incidents "
        "suppressed); %d areas published, %d suppressed",
        len(pts),
        len(cells),
        grid_m,
        k,
        cells_suppressed,
        incidents_suppressed,
        len(area_counts),
        int(area_small.sum()),
    )
    return cells


def segment_counts(
    corridors: gpd.GeoDataFrame,
    incidents: gpd.GeoDataFrame,
    *,
    max_distance_m: float = 25.0,
    min_count: int = 5,
) -> pd.Series:
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
    max_distance_m
        Largest distance from an incident to its segment, in metres. Must be >= 0.
    min_count
        k: counts below it (including 0) become NaN, meaning "fewer than k".

    Returns
    -------
    counts
        Float Series indexed like `corridors`, named ``"incident_count"``; NaN = fewer than k.
        ``.attrs`` holds ``min_count``, ``n_assigned``, ``n_unassigned`` and
        ``segments_suppressed`` (segments with 0 < count < k).

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
    if int(min_count) < 1:
        msg = f"min_count must be >= 1 (privacy.min_count); got {min_count!r}."
        raise InputError(msg)
    k = int(min_count)
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
    counts.attrs.update(
        min_count=k,
        n_assigned=n_assigned,
        n_unassigned=len(pts) - n_assigned,
        segments_suppressed=suppressed,
    )
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
    return counts
