"""Perceived-safety demand: places people report as unsafe, spread along the corridors.

Each place (a point, a walked line or a polygon from a trygghetsvandring, a survey or citizen
reports; see :func:`siteplan.io.perceived.load_perceived`) reaches the corridor length within
``reach_m`` of it. Its weight is spread over that length in proportion to it, so the demand
per metre sums back to the total weight of the places that reach a corridor.
"""

from __future__ import annotations

import logging
import math
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from siteplan.crs import require_same_crs
from siteplan.errors import InputError, InputWarning
from siteplan.schemas import require

__all__ = ["DEFAULT_REACH_M", "perceived_demand"]

log = logging.getLogger(__name__)

#: How far from a place the corridors it concerns reach (metres): about a street's width and
#: a half, so a point on a walkway reaches that walkway and not the parallel street.
DEFAULT_REACH_M = 25.0
#: Segments per quarter circle of the buffers (a finer circle than shapely's default 8).
_QUAD_SEGS = 16


def perceived_demand(
    corridors: gpd.GeoDataFrame,
    places: gpd.GeoDataFrame,
    *,
    reach_m: float = DEFAULT_REACH_M,
) -> pd.Series:
    """
    Spread each perceived-safety place's weight over the corridor length within its reach.

    Parameters
    ----------
    corridors
        Corridor segments (:func:`siteplan.corridors.build_corridors`): LineString geometry in
        a projected CRS; ``length_m`` if present (else the geometry's length) is the length
        the demand is per.
    places
        Perceived-safety places in the same CRS (:func:`siteplan.io.perceived.load_perceived`)
        with a ``weight`` column (≥ 0) and Point, LineString or Polygon (or Multi*) geometry.
    reach_m
        A place reaches the corridor length within this distance of it: a point's circle, a
        line's buffer, a polygon's area grown by `reach_m`. Must be ≥ 0 (0: only polygons
        reach anything, the corridor length inside them).

    Returns
    -------
    perceived_per_m
        Indexed like `corridors`, named ``perceived_per_m``: perceived-safety weight per metre
        of corridor (0 where no place reaches). ``(perceived_per_m * length_m).sum()`` equals
        the total weight of the places that reach some corridor.

    Raises
    ------
    CRSError
        If either layer is unprojected or their CRSs differ.
    InputError
        If `places` lacks ``weight``, a weight is negative or missing, or `reach_m` is
        negative or not finite.

    Warns
    -----
    InputWarning
        When places reach no corridor (with their count and total weight): their weight is
        left out.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> corridors = gpd.GeoDataFrame(
    ...     {"length_m": [100.0]},
    ...     geometry=[shapely.LineString([(0, 0), (100, 0)])],
    ...     index=pd.Index(["c1"], name="corridor_id"),
    ...     crs="EPSG:3006",
    ... )
    >>> places = gpd.GeoDataFrame({"weight": [2.0]}, geometry=[shapely.Point(50, 0)], crs=3006)
    >>> round(float(perceived_demand(corridors, places, reach_m=10).iloc[0]), 3)
    0.02
    """
    _check(corridors, places, reach_m)
    lengths = _lengths(corridors)
    out = pd.Series(0.0, index=corridors.index, name="perceived_per_m")
    if places.empty or corridors.empty:
        return out
    weight = places["weight"].to_numpy(dtype=float)
    zones = shapely.buffer(places.geometry.to_numpy(), reach_m, quad_segs=_QUAD_SEGS)
    place_i, corridor_i = corridors.sindex.query(zones, predicate="intersects")
    lines = corridors.geometry.to_numpy()[corridor_i]
    covered = shapely.length(shapely.intersection(lines, zones[place_i]))
    hit = covered > 0
    place_i, corridor_i, covered = place_i[hit], corridor_i[hit], covered[hit]
    reached = np.bincount(place_i, weights=covered, minlength=len(places))
    _warn_unreached(places, reached, weight)
    share = weight[place_i] * covered / reached[place_i]
    spread = np.bincount(corridor_i, weights=share, minlength=len(corridors))
    per_m = np.divide(spread, lengths, out=np.zeros_like(spread), where=lengths > 0)
    out[:] = per_m
    log.info(
        "perceived_demand: %d of %d places (weight %g of %g) spread over %d corridors (reach %g m)",
        int((reached > 0).sum()),
        len(places),
        float(weight[reached > 0].sum()),
        float(weight.sum()),
        int((spread > 0).sum()),
        reach_m,
    )
    return out


def _check(corridors: gpd.GeoDataFrame, places: gpd.GeoDataFrame, reach_m: float) -> None:
    """Raise for unprojected or differing CRSs, a bad weight column or a bad reach."""
    if not math.isfinite(reach_m) or reach_m < 0:
        msg = f"reach_m must be a finite number of metres ≥ 0; got {reach_m!r}."
        raise InputError(msg)
    require_same_crs(corridors, places, "corridors", "places")
    require(places, ["weight"], name="places", hint="Load them with siteplan.io.perceived.")
    weight = pd.to_numeric(places["weight"], errors="coerce")
    bad = weight.isna() | (weight < 0) | np.isinf(weight)
    if bad.any():
        msg = (
            f"places: {int(bad.sum())} weight(s) are missing, negative or not numbers "
            f"(places {list(places.index[bad.to_numpy()][:5])}). Weights must be ≥ 0; "
            "siteplan.io.perceived.load_perceived skips such rows with a warning."
        )
        raise InputError(msg)


def _lengths(corridors: gpd.GeoDataFrame) -> np.ndarray:
    """The length each corridor's demand is per: ``length_m``, else the geometry's length."""
    if "length_m" in corridors:
        return corridors["length_m"].to_numpy(dtype=float)
    return np.asarray(corridors.geometry.length, dtype=float)


def _warn_unreached(places: gpd.GeoDataFrame, reached: np.ndarray, weight: np.ndarray) -> None:
    """Warn with the count and weight of the places that reach no corridor."""
    missed = reached <= 0
    if not missed.any():
        return
    warnings.warn(
        f"{int(missed.sum())} of {len(places)} perceived-safety places (weight "
        f"{float(weight[missed].sum()):g} of {float(weight.sum()):g}) lie farther than the "
        f"reach from every corridor, so they add no demand (e.g. places "
        f"{list(places.index[missed][:5])}). Check that they lie in the study area, or raise "
        "the reach.",
        InputWarning,
        stacklevel=3,
    )
