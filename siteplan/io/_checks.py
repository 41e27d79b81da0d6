"""Checks across inputs: whether the incidents and stops lie on the walk network at all.

Each input is checked on its own when it is read; these checks compare them, so a network of
one place with incidents or stops of another (OSM of Spain, incidents of Sweden; a study area
that misses the incidents) stops the run instead of giving a plan that covers nothing.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np

from siteplan.errors import InputError

__all__ = ["NEAR_NETWORK_M", "OUTSIDE_SHARE_ERROR", "require_near_network"]

#: A point farther than this from every walk-network edge is outside the network (metres).
NEAR_NETWORK_M = 500.0
#: At least this share of the points outside the network is an error.
OUTSIDE_SHARE_ERROR = 0.95


def require_near_network(
    edges: gpd.GeoDataFrame,
    points: gpd.GeoDataFrame,
    *,
    network_key: str,
    points_key: str,
    what: str,
    share: float = OUTSIDE_SHARE_ERROR,
) -> None:
    """
    Raise if (nearly) all located `points` lie far from the walk network.

    Parameters
    ----------
    edges
        The walk-network edges, in the working CRS.
    points
        Incidents or stops in the same CRS. Rows without a geometry (area-level incidents,
        placed by their priority area) count as near the network.
    network_key, points_key
        The scenario keys and files of the two inputs, for the message, e.g.
        ``"inputs.osm (town.osm)"``.
    what
        What the points are ("incidents", "stops").
    share
        The share of located points outside the network that is an error (1.0: all).

    Raises
    ------
    InputError
        If at least `share` of the rows are points farther than :data:`NEAR_NETWORK_M`
        from every edge.
    """
    geoms = points.geometry
    located = geoms[geoms.notna() & ~geoms.is_empty]
    if located.empty or edges.empty:
        return
    near = np.unique(
        edges.sindex.query(located.values, predicate="dwithin", distance=NEAR_NETWORK_M)[0]
    )
    n_out = len(located) - len(near)
    if n_out == 0 or n_out / len(points) < share:
        return
    ex, ey = edges.total_bounds.reshape(2, 2).mean(axis=0)
    px, py = located.total_bounds.reshape(2, 2).mean(axis=0)
    gap_km = float(np.hypot(ex - px, ey - py)) / 1000
    msg = (
        f"{n_out} of {len(points)} {what} ({points_key}) lie more than {NEAR_NETWORK_M:g} m "
        f"from the walk network ({network_key}); the centres of the two are {gap_km:,.1f} km "
        "apart. The plan would cover nothing. Check that both inputs cover the same place "
        f"(the OSM extract must include the {what}' area) and that both are read in the "
        "right coordinate system."
    )
    raise InputError(msg)
