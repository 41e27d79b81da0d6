"""Stop areas: the stop layer's columns and the nearest stop of each corridor or site."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

STOP_COLUMNS = ("stop_name", "station_id", "route_ids", "geometry")


def nearest_stops(geoms: gpd.GeoSeries, stops: gpd.GeoDataFrame) -> pd.DataFrame:
    """Nearest stop of each geometry: stop_id, station_id, stop_name, distance_m (ties: id)."""
    n = len(geoms)
    near = pd.DataFrame(
        {
            "stop_id": [None] * n,
            "station_id": [None] * n,
            "stop_name": [None] * n,
            "distance_m": np.full(n, np.inf),
        },
        dtype=object,
    )
    near["distance_m"] = near["distance_m"].astype(float)
    if stops.empty or n == 0:
        return near
    (left, right), dist = stops.sindex.nearest(geoms.values, return_all=True, return_distance=True)
    # stops are sorted by stop_id, so the tree position breaks distance ties by id.
    order = np.lexsort((right, dist, left))
    left, right, dist = left[order], right[order], dist[order]
    first = np.concatenate([[True], left[1:] != left[:-1]])
    left, right, dist = left[first], right[first], dist[first]
    near.loc[left, "stop_id"] = stops.index.to_numpy()[right]
    near.loc[left, "station_id"] = stops["station_id"].astype(str).to_numpy()[right]
    near.loc[left, "stop_name"] = stops["stop_name"].to_numpy()[right]
    near.loc[left, "distance_m"] = dist
    return near
