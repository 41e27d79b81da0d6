"""A plan as tables: ``summary.json``, ``cameras.csv`` and the GeoPackage layers.

Pure: a :class:`~siteplan.pipeline.PlanResult` in, text or frames out; :mod:`siteplan.io.outputs`
writes them.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from siteplan.privacy import suppress_small_counts
from siteplan.render._csv import csv_text

if TYPE_CHECKING:
    from siteplan.pipeline import PlanResult

__all__ = ["CAMERA_CSV_COLUMNS", "cameras_csv", "gpkg_layers", "summary_json"]

CAMERA_CSV_COLUMNS = (
    "camera_id",
    "site_id",
    "x",
    "y",
    "lon",
    "lat",
    "azimuth_deg",
    "hfov_deg",
    "range_m",
    "model",
    "mount",
    "legal_class",
    "purpose",
    "area",
    "capex_sek",
    "opex_sek_per_year",
    "total_cost_sek",
    "covered_demand",
)


def _json_default(value: Any) -> Any:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return None if np.isnan(value) else float(value)
    if isinstance(value, dt.date | pd.Timestamp):
        return value.isoformat()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)


def _strict(obj: Any) -> Any:
    """Replace NaN/inf floats with None so the JSON is strict."""
    if isinstance(obj, dict):
        return {str(k): _strict(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_strict(v) for v in obj]
    if isinstance(obj, float) and not np.isfinite(obj):
        return None
    return obj


def json_text(data: dict[str, Any]) -> str:
    """Strict JSON (no NaN), UTF-8 text, sorted keys, two-space indent, final newline."""
    text = json.dumps(
        _strict(data), indent=2, ensure_ascii=False, default=_json_default, sort_keys=True
    )
    return text + "\n"


def summary_json(result: PlanResult) -> str:
    """The text of ``summary.json``: the plan's quotable numbers."""
    return json_text(result.summary)


def cameras_csv(result: PlanResult) -> str:
    """The text of ``cameras.csv``: the documented columns, in camera-id order."""
    frame = pd.DataFrame(result.cameras.reset_index())
    return csv_text(frame[list(CAMERA_CSV_COLUMNS)].sort_values("camera_id"), index=False)


def _gpkg_safe(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Columns GeoPackage can store: tuples/lists become '; '-joined text."""
    out = frame.copy()
    for col in out.columns:
        if col != out.geometry.name and out[col].dtype == object:
            out[col] = out[col].map(
                lambda v: (
                    "; ".join(map(str, v)) if isinstance(v, list | tuple | set | frozenset) else v
                )
            )
    return out


def gpkg_layers(result: PlanResult) -> dict[str, gpd.GeoDataFrame]:
    """
    The layers of ``plan.gpkg``, in writing order; empty layers are left out.

    Layers: corridors, stops, routes, areas, stop_areas, cameras, footprints, candidates,
    demand, masking.
    Incidents are never among them, and the corridors' ``incident_count`` is missing where
    it is below the privacy threshold k (``privacy.min_count``).
    """
    corridors = result.corridors
    if "incident_count" in corridors.columns:
        corridors = corridors.assign(
            incident_count=suppress_small_counts(
                corridors["incident_count"], min_count=result.scenario.privacy.min_count
            )
        )
    layers: dict[str, gpd.GeoDataFrame | None] = {
        "corridors": corridors,
        "stops": result.inputs.transit.stops,
        "routes": result.inputs.transit.routes,
        "areas": result.inputs.areas,
        "stop_areas": result.stop_areas,
        "cameras": result.cameras,
        "footprints": result.footprints,
        "candidates": result.sites,
        "demand": result.demand,
        "masking": result.masking,
    }
    return {
        name: _gpkg_safe(layer.reset_index())
        for name, layer in layers.items()
        if layer is not None and len(layer)
    }
