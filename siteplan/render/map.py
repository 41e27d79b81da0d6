"""The interactive HTML map of a plan (folium/Leaflet): a pure renderer.

:func:`make_map` draws hand-made or computed layers given in the working CRS; :func:`plan_map`
draws a :class:`~siteplan.pipeline.PlanResult`; :func:`map_html` gives the page as text (with
stable element ids, so the same map gives the same bytes); :mod:`siteplan.io.outputs` writes it.
Layers are reprojected to EPSG:4326 here, at the last step, and nowhere else. Incidents are
personal data: the map shows them only as the k-anonymised grid cells of a
:class:`~siteplan.privacy.IncidentCells` and as a smoothed density masked to those cells, never as
points. Every user-supplied text (names, categories, reasons) is HTML-escaped before it reaches a
tooltip, popup or panel.

With ``self_contained=True`` the page carries Leaflet, its CSS and d3 (for the colour scale)
inline, copied from the installed ``folium-offline`` package, and links to nothing external
except base-map tiles (use ``tiles="none"`` for a page that needs no network at all). Such a page
omits folium's jQuery, Bootstrap and Font Awesome, which this map does not use.
"""

from __future__ import annotations

import copy
import logging
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import folium
import geopandas as gpd
import matplotlib as mpl
import numpy as np
import pandas as pd
import pyproj
import shapely
from affine import Affine
from branca.colormap import LinearColormap
from branca.element import Element, Figure, MacroElement
from folium.utilities import JsCode
from jinja2 import Template
from rasterio.features import geometry_mask
from rasterio.transform import array_bounds
from rasterio.warp import Resampling, reproject

from siteplan._assets import inline_assets
from siteplan.crs import parse_crs, require_projected
from siteplan.errors import CRSError, InputError
from siteplan.i18n import t
from siteplan.legal import LEGAL_CLASSES
from siteplan.privacy import IncidentCells, escape
from siteplan.render._charts import MAP_PANEL, frontier_png, frontier_proof
from siteplan.render.portfolio import measure_layer
from siteplan.scoring import TREND_CATEGORIES

if TYPE_CHECKING:
    from siteplan.pipeline import PlanResult

__all__ = ["LEGAL_STYLES", "TREND_STYLES", "layer_names", "make_map", "map_html", "plan_map"]

log = logging.getLogger(__name__)

#: Line style of each legal class in the "Legal class" layer (Leaflet path options).
LEGAL_STYLES: dict[str, dict[str, Any]] = {
    "stop_area": {"color": "#5e3c99", "weight": 9, "opacity": 0.45},
    "stop_area_borderline": {"color": "#5e3c99", "weight": 9, "opacity": 0.45, "dashArray": "6 8"},
    "general": {"color": "#8c8c8c", "weight": 1.5, "opacity": 0.8},
}

_SCORE_COLOURS = ["#ffffb2", "#fecc5c", "#fd8d3c", "#e31a1c", "#800026"]
_CELL_COLOURS = ["#fee0d2", "#fc9272", "#de2d26"]
_HEAT_COLOURS = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")
_CAMERA: dict[str, Any] = {
    "color": "#08306b",
    "fill": True,
    "fillColor": "#2171b5",
    "fillOpacity": 0.95,
    "weight": 2,
    "radius": 8,
}
_FOOTPRINT: dict[str, Any] = {
    "color": "#2171b5",
    "weight": 1,
    "fill": True,
    "fillColor": "#6baed6",
    "fillOpacity": 0.3,
}
_STOP: dict[str, Any] = {
    "color": "#252525",
    "weight": 1.5,
    "fill": True,
    "fillColor": "#ffffff",
    "fillOpacity": 1.0,
    "radius": 4,
}
_ROUTE: dict[str, Any] = {"color": "#4a6fa5", "weight": 2, "opacity": 0.6}
_AREA: dict[str, Any] = {
    "color": "#2c7fb8",
    "weight": 2,
    "fill": True,
    "fillOpacity": 0.04,
    "dashArray": "2 4",
}
#: Line style of each trend category in the "Hotspots & trends" layer.
TREND_STYLES: dict[str, dict[str, Any]] = {
    "new": {"color": "#c51b7d", "weight": 6, "opacity": 0.85},
    "intensifying": {"color": "#d7301f", "weight": 6, "opacity": 0.85},
    "persistent": {"color": "#fc8d59", "weight": 6, "opacity": 0.85},
    "diminishing": {"color": "#4575b4", "weight": 6, "opacity": 0.85},
    "sporadic": {"color": "#878787", "weight": 6, "opacity": 0.85, "dashArray": "4 6"},
}
_STOP_AREA: dict[str, Any] = {
    "color": "#5e3c99",
    "weight": 1.5,
    "fill": True,
    "fillColor": "#9e9ac8",
    "fillOpacity": 0.25,
}
#: Lighting upgrades of a portfolio (the dark stretch that gets lamps).
_LIGHTING: dict[str, Any] = {"color": "#f0a202", "weight": 7, "opacity": 0.9}
#: Other measures of a portfolio: markers at sites, lines along corridors.
_MEASURE: dict[str, Any] = {
    "color": "#00441b",
    "fill": True,
    "fillColor": "#41ab5d",
    "fillOpacity": 0.95,
    "weight": 2,
    "radius": 7,
}
_MEASURE_LINE: dict[str, Any] = {"color": "#238b45", "weight": 6, "opacity": 0.85}
_PERCEIVED_COLOURS = ("#f2f0f7", "#cbc9e2", "#9e9ac8", "#756bb1", "#54278f")
_LAYER_KEYS = (
    "areas",
    "stop_areas",
    "legal",
    "corridors",
    "perceived",
    "hotspots",
    "lighting",
    "heat",
    "incident_cells",
    "routes",
    "stops",
    "footprints",
    "cameras",
    "measures",
)
_DEFAULT_GRID_M = 100.0

# Binds each feature's escaped HTML (properties.tip / .popup) to its Leaflet layer.
_BIND_JS = (
    "function(feature, layer) {"
    " var p = feature.properties || {};"
    " if (p.tip) { layer.bindTooltip(p.tip, {sticky: true}); }"
    " if (p.popup) { layer.bindPopup(p.popup, {maxWidth: 360}); }"
    "}"
)

_PANEL_CSS = (
    "position:fixed;z-index:1000;background:rgba(255,255,255,0.93);padding:8px 10px;"
    "border-radius:6px;box-shadow:0 1px 5px rgba(0,0,0,0.35);font:12px/1.35 system-ui,sans-serif;"
)

# A branca element id: 32 lower-case hex digits (see branca.element.Element._generate_id).
_ELEMENT_ID = re.compile(r"[0-9a-f]{32}")


def layer_names(lang: str = "sv", *, grid_m: float = _DEFAULT_GRID_M) -> dict[str, str]:
    """
    The translated name of every map layer, keyed by layer id.

    Parameters
    ----------
    lang
        ``"sv"`` or ``"en"``.
    grid_m
        Cell side of the incident grid, shown in that layer's name.

    Returns
    -------
    names
        ``{layer id: name}`` in drawing order (bottom first).
    """
    return {
        key: t(f"map.layer.{key}", lang, grid_m=grid_m)
        if key == "incident_cells"
        else t(f"map.layer.{key}", lang)
        for key in _LAYER_KEYS
    }


# -- checks ------------------------------------------------------------------------------------


def _check_layer(gdf: gpd.GeoDataFrame | None, name: str, crs: pyproj.CRS) -> None:
    if gdf is None:
        return
    if not isinstance(gdf, gpd.GeoDataFrame):
        msg = f"make_map: `{name}` must be a GeoDataFrame, got {type(gdf).__name__}."
        raise InputError(msg)
    require_projected(gdf, name)
    if not gdf.crs.equals(crs):
        msg = (
            f"make_map: `{name}` is in {gdf.crs.to_string()} but the map's working CRS is "
            f"{crs.to_string()}. Pass layers in one CRS (siteplan.io loads them so)."
        )
        raise CRSError(msg)


def _check_cells(incident_cells: object, crs: pyproj.CRS) -> None:
    """Only k-anonymised polygons with a count of at least ``min_count`` may be drawn."""
    if not isinstance(incident_cells, IncidentCells):
        msg = (
            "make_map: `incident_cells` must be a privacy.IncidentCells (from "
            f"privacy.aggregate_incidents), got {type(incident_cells).__name__}."
        )
        raise InputError(msg)
    cells = incident_cells.cells
    _check_layer(cells, "incident_cells", crs)
    if set(shapely.get_type_id(cells.geometry.to_numpy()).tolist()) - {3, 6}:
        msg = (
            "make_map: `incident_cells` holds non-polygon geometry (e.g. single incident "
            "points). Incidents are personal data: pass privacy.aggregate_incidents(...)."
        )
        raise InputError(msg)
    if "count" not in cells.columns:
        msg = (
            "make_map: `incident_cells` lacks the 'count' column; use privacy.aggregate_incidents."
        )
        raise InputError(msg)
    k = incident_cells.min_count
    if (cells["count"] < k).any():
        msg = (
            f"make_map: `incident_cells` has cells with fewer than min_count={k} incidents; "
            "they must be suppressed (privacy.aggregate_incidents does that)."
        )
        raise InputError(msg)


def _check_inputs(
    corridors: gpd.GeoDataFrame,
    layers: Mapping[str, gpd.GeoDataFrame | None],
    *,
    crs: str | pyproj.CRS | None,
    incident_cells: IncidentCells | None,
    heat: np.ndarray | None,
    heat_transform: Any,
) -> pyproj.CRS:
    """Check every layer against the working CRS and its needed columns; return that CRS."""
    require_projected(corridors, "corridors")
    work_crs = parse_crs(crs if crs is not None else corridors.crs, key="crs")
    for name, gdf in {"corridors": corridors, **layers}.items():
        _check_layer(gdf, name, work_crs)
    if len(corridors) == 0:
        msg = "make_map: `corridors` is empty; there is nothing to fit the map to."
        raise InputError(msg)
    cameras = layers.get("cameras")
    if cameras is not None and "model" not in cameras.columns:
        msg = f"make_map: `cameras` lacks the 'model' column; found {list(cameras.columns)}."
        raise InputError(msg)
    if incident_cells is not None:
        _check_cells(incident_cells, work_crs)
    if heat is not None and heat_transform is None:
        msg = "make_map: `heat` was given without `heat_transform`."
        raise InputError(msg)
    return work_crs


# -- feature helpers ---------------------------------------------------------------------------


def _wgs84(gdf: gpd.GeoDataFrame) -> np.ndarray:
    """Geometries in EPSG:4326, rounded to 1e-6 degrees (about 0.1 m), as a shapely array."""
    geoms = gdf.geometry.to_crs(4326).to_numpy()
    return shapely.transform(geoms, lambda c: np.round(c, 6))


def _features(geoms: np.ndarray, props: list[dict[str, Any]]) -> dict[str, Any]:
    feats = []
    for i, (geom, prop) in enumerate(zip(geoms, props, strict=True)):
        if geom is None or shapely.is_empty(geom):
            continue
        feats.append(
            {
                "type": "Feature",
                "id": str(i),
                "geometry": shapely.geometry.mapping(geom),
                "properties": prop,
            }
        )
    return {"type": "FeatureCollection", "features": feats}


def _col(gdf: gpd.GeoDataFrame, name: str) -> list[Any]:
    return gdf[name].tolist() if name in gdf.columns else [None] * len(gdf)


def _num(value: Any) -> float | None:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return None if np.isnan(out) else out


def _sek(value: Any) -> str:
    v = _num(value)
    return "–" if v is None else f"{v:,.0f}".replace(",", "\u00a0") + "\u00a0kr"


def _purpose(value: Any, lang: str) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    parts = [p.strip() for p in str(value).split(",") if p.strip()]
    out = []
    for p in parts:
        try:
            out.append(escape(t(f"purpose.{p}", lang)))
        except KeyError:
            out.append(escape(p))
    return ", ".join(out)


def _legal_text(cls: Any, wording: Any, lang: str) -> str:
    """Translated class name plus the regime's (Swedish) wording, escaped."""
    if cls is None or (isinstance(cls, float) and np.isnan(cls)):
        return ""
    try:
        name = escape(t(f"legal_class.{cls}", lang))
    except KeyError:
        name = escape(cls)
    text = escape(wording)
    return f"{name}<br><i>{text}</i>" if text else name


def _geojson(
    fc: dict[str, Any], *, class_name: str, interactive: bool = True, marker: Any = None
) -> folium.GeoJson:
    return folium.GeoJson(
        fc,
        control=False,
        on_each_feature=JsCode(_BIND_JS) if interactive else None,
        marker=marker,
        class_name=class_name,
        interactive=interactive,
    )


# -- layers ------------------------------------------------------------------------------------


def _areas_layer(areas: gpd.GeoDataFrame | None) -> Element | None:
    if areas is None or not len(areas):
        return None
    area_names = areas["name"].tolist() if "name" in areas.columns else list(areas.index)
    props = [{"tip": f"<b>{escape(n)}</b>", "style": _AREA} for n in area_names]
    return _geojson(_features(_wgs84(areas), props), class_name="siteplan-area")


def _colour_values(corridors: gpd.GeoDataFrame) -> tuple[pd.Series | None, bool]:
    """The corridor colour values and whether they are priority percentiles (0–100).

    ``priority_pct`` (a rank percentile, so nothing saturates) when present, else ``score``.
    """
    if "priority_pct" in corridors:
        return 100 * pd.to_numeric(corridors["priority_pct"], errors="coerce"), True
    if "score" in corridors:
        return pd.to_numeric(corridors["score"], errors="coerce"), False
    return None, False


def _score_colormap(
    values: pd.Series | None, lang: str, *, percentile: bool
) -> LinearColormap | None:
    if values is None or not values.notna().any():
        return None
    if percentile:
        lo, hi = 0.0, 100.0
        caption = t("map.legend.priority_pct_caption", lang)
    else:
        lo, hi = float(values.min()), float(values.max())
        caption = t("map.legend.score_caption", lang)
    return LinearColormap(
        _SCORE_COLOURS, vmin=lo, vmax=hi if hi > lo else lo + 1.0, caption=caption
    )


def _g(value: Any) -> str:
    """A number to three significant digits, "–" when missing."""
    v = _num(value)
    return "–" if v is None else f"{v:.3g}"


def _score_lines(row: Mapping[str, Any], lang: str) -> list[str]:
    """Tooltip lines of risk (with its interval), exposure and priority, as present."""
    lines = []
    if _num(row.get("risk_per_m_year")) is not None:
        lo, hi = row.get("risk_low_per_m_year"), row.get("risk_high_per_m_year")
        text = t("map.tooltip.risk", lang, v=_g(row["risk_per_m_year"]), lo=_g(lo), hi=_g(hi))
        lines.append(escape(text))
    if _num(row.get("exposure_dph")) is not None:
        lines.append(escape(t("map.tooltip.exposure", lang, v=_g(row["exposure_dph"]))))
    prio = _num(row.get("priority"))
    pct = _num(row.get("priority_pct"))
    if prio is not None:
        pct_text = "–" if pct is None else f"{100 * pct:.0f}"
        lines.append(escape(t("map.tooltip.priority", lang, v=_g(prio), pct=pct_text)))
    elif _num(row.get("score")) is not None:
        lines.append(f"{escape(t('map.tooltip.score', lang))}: {_g(row['score'])}")
    return lines


def _corridor_tip(cid: Any, row: Mapping[str, Any], legal: str, lang: str) -> str:
    label = escape(row.get("name")) or escape(t("map.tooltip.unnamed", lang))
    tip = [f"<b>{label}</b> <small>{escape(cid)}</small>", *_score_lines(row, lang)]
    c = _num(row.get("covered_share"))
    if c is not None:
        tip.append(f"{escape(t('map.tooltip.covered', lang))}: {100 * c:.0f}\u00a0%")
    if legal:
        tip.append(legal)
    return "<br>".join(tip)


_TIP_COLUMNS = (
    "name",
    "covered_share",
    "score",
    "priority",
    "priority_pct",
    "risk_per_m_year",
    "risk_low_per_m_year",
    "risk_high_per_m_year",
    "exposure_dph",
)


def _tip_rows(corridors: gpd.GeoDataFrame) -> list[dict[str, Any]]:
    """The tooltip columns of each corridor (those present) as dicts."""
    cols = [c for c in _TIP_COLUMNS if c in corridors.columns]
    return pd.DataFrame(corridors[cols]).to_dict(orient="records")


def _corridor_layers(
    corridors: gpd.GeoDataFrame, *, lang: str, wording: Mapping[str, str]
) -> tuple[Element | None, Element, LinearColormap | None]:
    """The legal-class halo (or None), the priority-coloured lines, and their colour map."""
    values, percentile = _colour_values(corridors)
    cmap = _score_colormap(values, lang, percentile=percentile)
    colour_values = values.tolist() if values is not None else [None] * len(corridors)
    rows = zip(
        corridors.index,
        _col(corridors, "legal_class"),
        _col(corridors, "legal_wording"),
        _tip_rows(corridors),
        colour_values,
        strict=True,
    )
    line_props, legal_props = [], []
    for cid, cls, wtext, row, value in rows:
        v = _num(value)
        colour = cmap(v) if (cmap is not None and v is not None) else "#9e9e9e"
        legal = ""
        if cls is not None:
            w = wtext if isinstance(wtext, str) else wording.get(str(cls), "")
            legal = _legal_text(cls, w, lang)
        line_props.append(
            {
                "tip": _corridor_tip(cid, row, legal, lang),
                "style": {"color": colour, "weight": 3, "opacity": 0.9},
            }
        )
        legal_props.append({"style": LEGAL_STYLES.get(str(cls), LEGAL_STYLES["general"])})
    geoms = _wgs84(corridors)
    legal_layer = None
    if "legal_class" in corridors:
        legal_layer = _geojson(
            _features(geoms, legal_props), class_name="siteplan-legal", interactive=False
        )
    lines = _geojson(_features(geoms, line_props), class_name="siteplan-corridor")
    return legal_layer, lines, cmap


def _hotspot_tip(cid: Any, row: Mapping[str, Any], lang: str) -> str:
    label = escape(row.get("name")) or escape(t("map.tooltip.unnamed", lang))
    trend = t(f"trend.{row['trend']}", lang)
    return "<br>".join(
        [
            f"<b>{label}</b> <small>{escape(cid)}</small>",
            f"<b>{escape(t('map.tooltip.trend', lang, trend=trend))}</b>",
            escape(t("map.tooltip.gi", lang, z=_g(row.get("gi_z")), q=_g(row.get("gi_q")))),
            escape(t("map.tooltip.trend_p", lang, p=_g(row.get("trend_p")))),
        ]
    )


def _hotspots_layer(corridors: gpd.GeoDataFrame, lang: str) -> Element | None:
    """Corridors whose trend is not ``none``, coloured by trend category (None if none)."""
    if "trend" not in corridors.columns:
        return None
    trend = corridors["trend"].astype(str)
    hot = corridors[trend.isin(list(TREND_STYLES))]
    if hot.empty:
        return None
    cols = [c for c in ("name", "trend", "gi_z", "gi_q", "trend_p") if c in hot.columns]
    records = pd.DataFrame(hot[cols]).assign(trend=trend[hot.index]).to_dict(orient="records")
    props = [
        {"tip": _hotspot_tip(cid, row, lang), "style": TREND_STYLES[row["trend"]]}
        for cid, row in zip(hot.index, records, strict=True)
    ]
    return _geojson(_features(_wgs84(hot), props), class_name="siteplan-hotspot")


def _stop_areas_layer(stop_areas: gpd.GeoDataFrame | None, lang: str) -> Element | None:
    """Stop-area polygons, tooltip their name (or id) when known."""
    if stop_areas is None or not len(stop_areas):
        return None
    names = next(
        (_col(stop_areas, c) for c in ("name", "stop_name") if c in stop_areas.columns),
        [str(i) for i in stop_areas.index],
    )
    label = escape(t("legal_class.stop_area", lang))
    props = [
        {"tip": f"{label}: <b>{escape(n)}</b>" if n else label, "style": _STOP_AREA} for n in names
    ]
    return _geojson(_features(_wgs84(stop_areas), props), class_name="siteplan-stop-area")


def _mask_and_crop(
    heat: np.ndarray, aff: Affine, cells: gpd.GeoDataFrame | None
) -> tuple[np.ndarray, Affine] | None:
    """Heat outside the published cells set to 0, cropped to its non-zero part (1 px margin)."""
    src = np.where(np.isfinite(heat) & (heat > 0), heat, 0.0).astype("float32")
    h, w = src.shape
    if cells is not None:
        # Show density only where the k-anonymised grid is published.
        polys = [g for g in cells.geometry if g is not None and not g.is_empty]
        if polys:
            inside = geometry_mask(polys, out_shape=(h, w), transform=aff, invert=True)
            src = np.where(inside, src, 0.0).astype("float32")
        else:
            src[:] = 0.0
    rows = np.flatnonzero((src > 0).any(axis=1))
    cols = np.flatnonzero((src > 0).any(axis=0))
    if rows.size == 0:
        return None
    r0, r1 = max(rows[0] - 1, 0), min(rows[-1] + 2, h)
    c0, c1 = max(cols[0] - 1, 0), min(cols[-1] + 2, w)
    cropped = np.ascontiguousarray(src[r0:r1, c0:c1])
    shifted = Affine(
        aff.a, aff.b, aff.c + aff.a * c0 + aff.b * r0, aff.d, aff.e, aff.f + aff.d * c0 + aff.e * r0
    )
    return cropped, shifted


def _to_web_mercator(src: np.ndarray, aff: Affine, crs: pyproj.CRS) -> tuple[np.ndarray, Affine]:
    """`src` warped to Web Mercator (Leaflet stretches images in it), same ground resolution."""
    h, w = src.shape
    left, bottom, right, top = array_bounds(h, w, aff)
    to_merc = pyproj.Transformer.from_crs(crs, "EPSG:3857", always_xy=True)
    west, south, east, north = to_merc.transform_bounds(left, bottom, right, top, densify_pts=21)
    lat = pyproj.Transformer.from_crs("EPSG:3857", "EPSG:4326", always_xy=True).transform(
        (west + east) / 2, (south + north) / 2
    )[1]
    res = abs(aff.a) / math.cos(math.radians(lat))
    dw, dh = max(math.ceil((east - west) / res), 1), max(math.ceil((north - south) / res), 1)
    dst_aff = Affine(res, 0.0, west, 0.0, -res, north)
    dst = np.zeros((dh, dw), dtype="float32")
    reproject(
        src,
        dst,
        src_transform=aff,
        src_crs=crs,
        dst_transform=dst_aff,
        dst_crs="EPSG:3857",
        resampling=Resampling.bilinear,
        src_nodata=None,
        dst_nodata=0.0,
    )
    return dst, dst_aff


def _heat_image(
    heat: np.ndarray, transform: Any, crs: pyproj.CRS, *, cells: gpd.GeoDataFrame | None
) -> tuple[np.ndarray, list[list[float]]] | None:
    """RGBA image of the heat raster warped to Web Mercator, and its EPSG:4326 bounds."""
    src = np.asarray(heat, dtype="float32")
    if src.ndim != 2 or src.size == 0:
        msg = f"make_map: `heat` must be a 2-D raster; got shape {src.shape}."
        raise InputError(msg)
    aff = transform if isinstance(transform, Affine) else Affine(*tuple(transform)[:6])
    cropped = _mask_and_crop(src, aff, cells)
    if cropped is None:
        return None
    dst, dst_aff = _to_web_mercator(*cropped, crs)
    peak = float(dst.max())
    if peak <= 0:
        return None
    v = np.clip(dst / peak, 0.0, 1.0)
    rgba = mpl.colormaps["YlOrRd"](v)
    rgba[..., 3] = np.where(v > 0.02, np.clip(0.25 + 0.6 * v, 0.0, 0.85), 0.0)
    img = (rgba * 255).round().astype("uint8")
    w3857, s3857, e3857, n3857 = array_bounds(*dst.shape, dst_aff)
    to_ll = pyproj.Transformer.from_crs("EPSG:3857", "EPSG:4326", always_xy=True)
    west, south = to_ll.transform(w3857, s3857)
    east, north = to_ll.transform(e3857, n3857)
    return img, [[south, west], [north, east]]


def _heat_layer(
    heat: np.ndarray | None,
    heat_transform: Any,
    crs: pyproj.CRS,
    incident_cells: IncidentCells | None,
) -> Element | None:
    if heat is None:
        return None
    cells = None if incident_cells is None else incident_cells.cells
    image = _heat_image(heat, heat_transform, crs, cells=cells)
    if image is None:
        return None
    img, bounds = image
    return folium.raster_layers.ImageOverlay(
        img,
        bounds=bounds,
        opacity=0.75,
        pixelated=False,
        control=False,
        class_name="siteplan-heat",
    )


def _cells_layer(incident_cells: IncidentCells | None, lang: str) -> Element | None:
    if incident_cells is None or not len(incident_cells.cells):
        return None
    cells = incident_cells.cells
    counts = cells["count"].astype(float)
    ccmap = LinearColormap(
        _CELL_COLOURS, vmin=float(counts.min()), vmax=float(max(counts.max(), counts.min() + 1))
    )
    props = [
        {
            "tip": escape(t("map.tooltip.incidents", lang, n=int(n))),
            "style": {"color": ccmap(n), "weight": 0.8, "fillColor": ccmap(n), "fillOpacity": 0.35},
        }
        for n in counts
    ]
    return _geojson(_features(_wgs84(cells), props), class_name="siteplan-cell")


def _routes_layer(routes: gpd.GeoDataFrame | None, lang: str) -> Element | None:
    if routes is None or not len(routes):
        return None
    props = [
        {
            "tip": escape(t("map.tooltip.route", lang, name=n if n is not None else rid)),
            "style": _ROUTE,
        }
        for rid, n in zip(routes.index, _col(routes, "route_short_name"), strict=True)
    ]
    return _geojson(_features(_wgs84(routes), props), class_name="siteplan-route")


def _stops_layer(stops: gpd.GeoDataFrame | None, lang: str) -> Element | None:
    if stops is None or not len(stops):
        return None
    props = []
    for sid, n, dep in zip(
        stops.index, _col(stops, "stop_name"), _col(stops, "departures_per_hour"), strict=True
    ):
        tip = f"<b>{escape(n if n is not None else sid)}</b>"
        d = _num(dep)
        if d is not None:
            tip += "<br>" + escape(t("map.tooltip.departures", lang, n=d))
        props.append({"tip": tip, "style": _STOP})
    marker = folium.CircleMarker(radius=_STOP["radius"], class_name="siteplan-stop")
    return _geojson(_features(_wgs84(stops), props), class_name="siteplan-stop", marker=marker)


def _footprints_layer(footprints: gpd.GeoDataFrame | None) -> Element | None:
    if footprints is None or not len(footprints):
        return None
    props = [
        {"tip": f"<b>{escape(cid)}</b> {escape(mod)}", "style": _FOOTPRINT}
        for cid, mod in zip(footprints.index, _col(footprints, "model"), strict=True)
    ]
    return _geojson(_features(_wgs84(footprints), props), class_name="siteplan-footprint")


def _camera_popup(
    row: Mapping[str, Any], cid: Any, *, lang: str, wording: Mapping[str, str]
) -> str:
    cost = next(
        (
            row[c]
            for c in ("total_cost_sek", "cost_sek", "capex_sek")
            if c in row and _num(row[c]) is not None
        ),
        None,
    )
    cls = row.get("legal_class")
    wtext = row.get("legal_wording")
    if not isinstance(wtext, str):
        wtext = wording.get(str(cls), "")
    demand = _num(row.get("covered_demand"))
    rows = [
        ("map.popup.model", escape(row.get("model"))),
        ("map.popup.mount", escape(row.get("mount"))),
        ("map.popup.cost", _sek(cost)),
        ("map.popup.covered_demand", "–" if demand is None else f"{demand:.3g}"),
        ("map.popup.legal", _legal_text(cls, wtext, lang)),
        ("map.popup.reason", escape(row.get("legal_reason"))),
        ("map.popup.purpose", _purpose(row.get("purpose"), lang)),
    ]
    body = "".join(
        f'<tr><th style="text-align:left;padding-right:8px;vertical-align:top">'
        f"{escape(t(key, lang))}</th><td>{value}</td></tr>"
        for key, value in rows
        if value
    )
    head = f"<b>{escape(t('map.popup.camera', lang))} {escape(cid)}</b>"
    return f'<div class="siteplan-popup">{head}<table>{body}</table></div>'


def _cameras_layer(
    cameras: gpd.GeoDataFrame | None, *, lang: str, wording: Mapping[str, str]
) -> Element | None:
    if cameras is None or not len(cameras):
        return None
    records = cameras.drop(columns=cameras.geometry.name).to_dict("records")
    props = [
        {
            "tip": f"<b>{escape(cid)}</b> {escape(row.get('model'))}",
            "popup": _camera_popup(row, cid, lang=lang, wording=wording),
            "style": _CAMERA,
        }
        for cid, row in zip(cameras.index, records, strict=True)
    ]
    marker = folium.CircleMarker(radius=_CAMERA["radius"], class_name="siteplan-camera")
    return _geojson(_features(_wgs84(cameras), props), class_name="siteplan-camera", marker=marker)


def _perceived_layer(corridors: gpd.GeoDataFrame, lang: str) -> Element | None:
    """Corridors with perceived-safety demand, coloured by ``perceived_per_m`` (else None)."""
    if "perceived_per_m" not in corridors.columns:
        return None
    values = pd.to_numeric(corridors["perceived_per_m"], errors="coerce")
    shown = corridors[(values > 0).to_numpy()]
    if not len(shown):
        return None
    v = values[(values > 0).to_numpy()]
    cmap = LinearColormap(
        list(_PERCEIVED_COLOURS), vmin=0.0, vmax=float(max(v.max(), np.finfo(float).tiny))
    )
    props = [
        {
            "tip": f"<b>{escape(cid)}</b><br>"
            + escape(t("map.tooltip.perceived", lang, v=_g(value))),
            "style": {"color": cmap(value), "weight": 6, "opacity": 0.85},
        }
        for cid, value in zip(shown.index, v.tolist(), strict=True)
    ]
    return _geojson(_features(_wgs84(shown), props), class_name="siteplan-perceived")


def _measure_popup(row: Mapping[str, Any], option_id: Any, *, lang: str) -> str:
    """A chosen measure's popup: measure, kind, cost and the share of draws that kept it."""
    freq = _num(row.get("frequency"))
    units = _num(row.get("units"))
    rows = [
        ("map.popup.measure", f"{escape(row.get('measure'))} ({escape(row.get('kind'))})"),
        ("map.popup.units", "" if units is None else f"{units:g}"),
        ("map.popup.cost", _sek(row.get("cost_sek"))),
        ("map.popup.frequency", "–" if freq is None else f"{100 * freq:.0f}\u00a0%"),
    ]
    body = "".join(
        f'<tr><th style="text-align:left;padding-right:8px;vertical-align:top">'
        f"{escape(t(key, lang))}</th><td>{value}</td></tr>"
        for key, value in rows
        if value
    )
    head = f"<b>{escape(option_id)}</b>"
    return f'<div class="siteplan-popup">{head}<table>{body}</table></div>'


def _measures_layers(
    measures: gpd.GeoDataFrame | None, lang: str
) -> tuple[Element | None, Element | None]:
    """The lighting upgrades (lines) and the other measures (markers or lines), or None."""
    if measures is None or not len(measures):
        return None, None
    records = measures.drop(columns=measures.geometry.name).to_dict("records")
    lighting = (measures["kind"].astype(str) == "lighting").to_numpy()
    points = shapely.get_type_id(measures.geometry.to_numpy()) == 0
    geoms = _wgs84(measures)
    props = [
        {
            "tip": f"<b>{escape(row.get('measure'))}</b> {escape(oid)}",
            "popup": _measure_popup(row, oid, lang=lang),
            "style": _LIGHTING if light else _MEASURE if point else _MEASURE_LINE,
        }
        for oid, row, light, point in zip(measures.index, records, lighting, points, strict=True)
    ]
    out: list[Element | None] = []
    for mask, name in ((lighting, "siteplan-lighting"), (~lighting, "siteplan-measure")):
        if not mask.any():
            out.append(None)
            continue
        marker = folium.CircleMarker(radius=_MEASURE["radius"], class_name=name)
        chosen = [p for p, keep in zip(props, mask, strict=True) if keep]
        out.append(_geojson(_features(geoms[mask], chosen), class_name=name, marker=marker))
    return out[0], out[1]


def _draw_layers(
    corridors: gpd.GeoDataFrame,
    layers: Mapping[str, gpd.GeoDataFrame | None],
    *,
    incident_cells: IncidentCells | None,
    heat: np.ndarray | None,
    heat_transform: Any,
    crs: pyproj.CRS,
    lang: str,
    wording: Mapping[str, str],
) -> tuple[dict[str, Element], LinearColormap | None]:
    """Every drawable layer, keyed by layer id in drawing order, and the score colour map."""
    legal, lines, cmap = _corridor_layers(corridors, lang=lang, wording=wording)
    lighting, measures = _measures_layers(layers.get("measures"), lang)
    drawn: dict[str, Element | None] = {
        "areas": _areas_layer(layers.get("areas")),
        "stop_areas": _stop_areas_layer(layers.get("stop_areas"), lang),
        "legal": legal,
        "corridors": lines,
        "perceived": _perceived_layer(corridors, lang),
        "hotspots": _hotspots_layer(corridors, lang),
        "lighting": lighting,
        "heat": _heat_layer(heat, heat_transform, crs, incident_cells),
        "incident_cells": _cells_layer(incident_cells, lang),
        "routes": _routes_layer(layers.get("routes"), lang),
        "stops": _stops_layer(layers.get("stops"), lang),
        # Cameras on top of their footprints, so a click on a marker reaches the marker.
        "footprints": _footprints_layer(layers.get("footprints")),
        "cameras": _cameras_layer(layers.get("cameras"), lang=lang, wording=wording),
        "measures": measures,
    }
    present: dict[str, Element] = {}
    for key in _LAYER_KEYS:
        layer = drawn[key]
        if layer is not None:
            present[key] = layer
    return present, cmap


# -- page, controls and panels -----------------------------------------------------------------


class _OfflineFigure(Figure):
    """A branca Figure whose rendered HTML has every linked JS/CSS asset inlined."""

    def render(self, **kwargs: Any) -> str:
        return inline_assets(super().render(**kwargs))


def _base_map(
    corridors: gpd.GeoDataFrame, *, tiles: str | None, page_title: str, self_contained: bool
) -> folium.Map:
    """An empty map centred on the corridors, in a page titled `page_title`."""
    minx, miny, maxx, maxy = corridors.geometry.to_crs(4326).total_bounds
    use_tiles = None if tiles is None or str(tiles).lower() == "none" else tiles
    m = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom_start=15, tiles=use_tiles)
    if self_contained:
        # Only Leaflet is needed: folium's jQuery/Bootstrap/Font Awesome stay out of the page.
        m.default_js = [a for a in m.default_js if a[0] == "leaflet"]
        m.default_css = [a for a in m.default_css if a[0] == "leaflet_css"]
        _OfflineFigure(title=escape(page_title)).add_child(m)
    else:
        root = m.get_root()
        if isinstance(root, Figure):
            root.title = escape(page_title)
    return m


class _Panel(MacroElement):
    """Fixed-position HTML (user text escaped by the caller) in the page body."""

    _template = Template("{% macro html(this, kwargs) %}{{ this.content }}{% endmacro %}")

    def __init__(self, html: str) -> None:
        super().__init__()
        self._name = "SiteplanPanel"
        self.content = html


class _Script(MacroElement):
    """Fixed JavaScript (no user text) in the page script."""

    _template = Template("{% macro script(this, kwargs) %}{{ this.code }}{% endmacro %}")

    def __init__(self, code: str) -> None:
        super().__init__()
        self._name = "SiteplanScript"
        self.code = code


def _add_layers_and_controls(
    m: folium.Map,
    drawn: Mapping[str, Element],
    cmap: LinearColormap | None,
    *,
    names: Mapping[str, str],
    corridors: gpd.GeoDataFrame,
) -> None:
    """One named feature group per drawn layer, the colour bar, layer control, scale, fit."""
    for key, layer in drawn.items():
        folium.FeatureGroup(name=escape(names[key])).add_child(layer).add_to(m)
    if cmap is not None:
        cmap.add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    m.add_child(_Script(f"L.control.scale({{imperial: false}}).addTo({m.get_name()});"))
    minx, miny, maxx, maxy = corridors.geometry.to_crs(4326).total_bounds
    m.fit_bounds([[miny, minx], [maxy, maxx]])


def _swatch(style: Mapping[str, Any], *, kind: str = "line") -> str:
    colour = style.get("color", "#333")
    if kind == "circle":
        return (
            f'<svg width="22" height="14"><circle cx="11" cy="7" r="5" stroke="{colour}" '
            f'stroke-width="{style.get("weight", 1)}" '
            f'fill="{style.get("fillColor", colour)}"/></svg>'
        )
    if kind == "box":
        return (
            '<svg width="22" height="14"><rect x="2" y="2" width="18" height="10" '
            f'stroke="{colour}" '
            f'stroke-width="1" fill="{style.get("fillColor", colour)}" '
            f'fill-opacity="{style.get("fillOpacity", 0.4)}"/></svg>'
        )
    dash = f' stroke-dasharray="{style["dashArray"]}"' if "dashArray" in style else ""
    weight = min(float(style.get("weight", 3)), 9.0)
    return (
        f'<svg width="34" height="12"><line x1="1" y1="6" x2="33" y2="6" stroke="{colour}" '
        f'stroke-width="{weight}" stroke-opacity="{style.get("opacity", 1)}"{dash}/></svg>'
    )


def _ramp(colours: Sequence[str], width_px: int) -> str:
    return "".join(
        f'<span style="display:inline-block;width:{width_px}px;height:10px;background:{c}"></span>'
        for c in colours
    )


def _legend_rows(
    present: Mapping[str, Any],
    *,
    lang: str,
    wording: Mapping[str, str],
    k: int | None,
    percentile: bool = False,
    trends: Sequence[str] = (),
) -> list[tuple[str, str]]:
    """(symbol, escaped text) of every legend row, for the layers drawn.

    `percentile`: the corridors are coloured by priority percentile; `trends`: the trend
    categories drawn in the hotspot layer.
    """
    rows: list[tuple[str, str]] = []
    if "corridors" in present:
        key = "map.legend.priority_pct" if percentile else "map.legend.score"
        rows.append((_ramp(_SCORE_COLOURS, 12), escape(t(key, lang))))
    for trend in trends:
        text = t("map.legend.trend", lang, trend=t(f"trend.{trend}", lang))
        rows.append((_swatch(TREND_STYLES[trend]), escape(text)))
    if "stop_areas" in present:
        rows.append((_swatch(_STOP_AREA, kind="box"), escape(t("map.legend.stop_area", lang))))
    if "legal" in present:
        for cls in LEGAL_CLASSES:
            text = escape(t(f"legal_class.{cls}", lang))
            if wording.get(cls):
                text += f"<br><i>{escape(wording[cls])}</i>"
            rows.append((_swatch(LEGAL_STYLES[cls]), text))
    simple = (
        ("areas", _swatch(_AREA), "map.legend.area"),
        ("routes", _swatch(_ROUTE), "map.legend.route"),
        ("stops", _swatch(_STOP, kind="circle"), "map.legend.stop"),
    )
    rows += [(sym, escape(t(key, lang))) for layer, sym, key in simple if layer in present]
    if "incident_cells" in present and k is not None:
        box = _swatch({"color": "#de2d26", "fillColor": "#fc9272"}, kind="box")
        rows.append((box, escape(t("map.legend.cells", lang, k=k))))
    if "heat" in present:
        rows.append((_ramp(_HEAT_COLOURS, 7), escape(t("map.legend.heat", lang))))
    if "footprints" in present:
        rows.append((_swatch(_FOOTPRINT, kind="box"), escape(t("map.legend.footprint", lang))))
    if "cameras" in present:
        rows.append((_swatch(_CAMERA, kind="circle"), escape(t("map.legend.camera", lang))))
    return rows + _measure_legend_rows(present, lang)


def _measure_legend_rows(present: Mapping[str, Any], lang: str) -> list[tuple[str, str]]:
    """Legend rows of the portfolio's layers (perceived safety, lighting, other measures)."""
    rows: list[tuple[str, str]] = []
    if "perceived" in present:
        rows.append((_ramp(_PERCEIVED_COLOURS, 7), escape(t("map.legend.perceived", lang))))
    if "lighting" in present:
        rows.append((_swatch(_LIGHTING), escape(t("map.legend.lighting", lang))))
    if "measures" in present:
        rows.append((_swatch(_MEASURE, kind="circle"), escape(t("map.legend.measure", lang))))
    return rows


def _legend_html(
    present: Mapping[str, Any],
    *,
    lang: str,
    fictional: bool,
    wording: Mapping[str, str],
    k: int | None,
    corridors: gpd.GeoDataFrame,
) -> str:
    trends: list[str] = []
    if "hotspots" in present:
        drawn_trends = set(corridors["trend"].astype(str))
        trends = [c for c in TREND_CATEGORIES if c in drawn_trends and c in TREND_STYLES]
    percentile = "priority_pct" in corridors.columns
    rows = _legend_rows(
        present, lang=lang, wording=wording, k=k, percentile=percentile, trends=trends
    )
    body = "".join(
        f'<tr><td style="padding:2px 6px 2px 0;white-space:nowrap">{sym}</td><td>{text}</td></tr>'
        for sym, text in rows
    )
    fict = (
        '<div style="margin-top:6px;color:#7a5b00;font-weight:600">'
        f"{escape(t('common.fictional', lang))}</div>"
        if fictional
        else ""
    )
    return (
        f'<div class="siteplan-legend" style="{_PANEL_CSS}bottom:48px;left:10px;max-width:330px;'
        f'max-height:60vh;overflow:auto"><b>{escape(t("map.legend.title", lang))}</b>'
        f"<table>{body}</table>{fict}</div>"
    )


def _title_html(page_title: str, *, lang: str, fictional: bool) -> str:
    banner = (
        f' <span style="background:#fff3cd;border:1px solid #e0b000;border-radius:4px;'
        f'padding:1px 6px;margin-left:6px">{escape(t("map.fictional_banner", lang))}</span>'
        if fictional
        else ""
    )
    return (
        f'<div class="siteplan-title" style="{_PANEL_CSS}top:10px;left:60px;font-size:15px">'
        f"<b>{escape(page_title)}</b>{banner}</div>"
    )


def _frontier_html(frontier: pd.DataFrame | None, *, lang: str, budget_sek: float | None) -> str:
    """The frontier chart panel ("" when there is no frontier)."""
    png = frontier_png(
        frontier,
        budget_sek=budget_sek,
        xlabel=t("map.frontier.x", lang),
        ylabel=t("map.frontier.y", lang),
        style=MAP_PANEL,
    )
    if not png:
        return ""
    title = escape(t("map.frontier.title", lang))
    note = ""
    if frontier is not None and not frontier_proof(frontier).proven.all():
        note = f"<br><small>{escape(t('map.frontier.not_proven', lang))}</small>"
    return (
        f'<div class="siteplan-frontier" style="{_PANEL_CSS}bottom:28px;right:10px">'
        f'<b>{title}</b><br><img src="{png}" alt="{title}" style="width:250px">{note}</div>'
    )


@dataclass(frozen=True)
class _Page:
    """Everything of :func:`make_map` besides the layers: language, texts, page options."""

    lang: str
    title: str
    fictional: bool
    tiles: str | None
    self_contained: bool
    frontier: pd.DataFrame | None
    budget_sek: float | None
    wording: Mapping[str, str]


def _draw(
    corridors: gpd.GeoDataFrame,
    layers: Mapping[str, gpd.GeoDataFrame | None],
    *,
    incident_cells: IncidentCells | None,
    heat: np.ndarray | None,
    heat_transform: Any,
    crs: pyproj.CRS,
    page: _Page,
) -> folium.Map:
    """The map of checked layers: base map, layer groups, controls and panels."""
    lang = page.lang
    drawn, cmap = _draw_layers(
        corridors,
        layers,
        incident_cells=incident_cells,
        heat=heat,
        heat_transform=heat_transform,
        crs=crs,
        lang=lang,
        wording=page.wording,
    )
    m = _base_map(
        corridors, tiles=page.tiles, page_title=page.title, self_contained=page.self_contained
    )
    grid_m = _DEFAULT_GRID_M if incident_cells is None else float(incident_cells.grid_m)
    names = layer_names(lang, grid_m=grid_m)
    _add_layers_and_controls(m, drawn, cmap, names=names, corridors=corridors)
    k = None if incident_cells is None else int(incident_cells.min_count)
    legend = _legend_html(
        drawn, lang=lang, fictional=page.fictional, wording=page.wording, k=k, corridors=corridors
    )
    m.add_child(_Panel(_title_html(page.title, lang=lang, fictional=page.fictional)))
    m.add_child(_Panel(legend))
    frontier_panel = _frontier_html(page.frontier, lang=lang, budget_sek=page.budget_sek)
    if frontier_panel:
        m.add_child(_Panel(frontier_panel))
    n_cells = 0 if incident_cells is None else len(incident_cells.cells)
    log.info("map: %d corridors, %d cells, layers %s", len(corridors), n_cells, ", ".join(drawn))
    return m


def make_map(
    *,
    corridors: gpd.GeoDataFrame,
    cameras: gpd.GeoDataFrame | None = None,
    footprints: gpd.GeoDataFrame | None = None,
    stops: gpd.GeoDataFrame | None = None,
    routes: gpd.GeoDataFrame | None = None,
    areas: gpd.GeoDataFrame | None = None,
    stop_areas: gpd.GeoDataFrame | None = None,
    incident_cells: IncidentCells | None = None,
    heat: np.ndarray | None = None,
    heat_transform: Any = None,
    crs: str | pyproj.CRS | None = None,
    lang: str = "sv",
    title: str | None = None,
    fictional: bool = False,
    tiles: str | None = "OpenStreetMap",
    self_contained: bool = False,
    frontier: pd.DataFrame | None = None,
    budget_sek: float | None = None,
    legal_wording: Mapping[str, str] | None = None,
    measures: gpd.GeoDataFrame | None = None,
) -> folium.Map:
    """
    Draw a plan's layers on an interactive folium map.

    Parameters
    ----------
    corridors
        Segments (lines) in the working CRS, index ``corridor_id``; optional columns
        ``priority_pct`` (colour, a rank percentile; else ``score``), ``risk_per_m_year`` with
        ``risk_low_per_m_year``/``risk_high_per_m_year``, ``exposure_dph``, ``priority``
        (tooltip), ``trend`` with ``gi_z``, ``gi_q``, ``trend_p`` (the hotspot layer: trend not
        ``none``), ``legal_class``/``legal_wording`` (legal layer), ``name``, ``covered_share``.
    cameras
        Chosen cameras (points), index ``camera_id``, with ``model``; optional ``mount``,
        ``total_cost_sek`` (or ``cost_sek``/``capex_sek``), ``covered_demand``, ``legal_class``,
        ``legal_wording``, ``legal_reason``, ``purpose``.
    footprints, stops, routes, areas
        Camera view polygons (index ``camera_id``); stops (``stop_name``,
        ``departures_per_hour``); routes (``route_short_name``); priority areas (index or
        ``name`` column: the area name).
    stop_areas
        Stop-area polygons (optional ``name``/``stop_name``), drawn as their own layer.
    incident_cells
        Cells of :func:`siteplan.privacy.aggregate_incidents`; its ``grid_m`` names the layer,
        its ``min_count`` (k) is stated in the legend.
    heat, heat_transform
        Incident density raster in the working CRS and its affine transform; drawn only inside
        published cells when `incident_cells` is given.
    crs
        The working CRS of every layer (default: the corridors' CRS).
    lang, title, fictional
        ``"sv"`` (default) or ``"en"``; title of the map and page; label as fictional data.
    tiles
        Base map (a folium/xyzservices name); ``"none"`` or None for no base map.
    self_contained
        Inline every JS/CSS asset so the page needs no network (see the module notes).
    frontier, budget_sek
        Budget frontier (``budget_sek``, ``coverage_share``) as a chart panel; the budget marked.
    legal_wording
        The regime's wording per legal class (legend; layers without ``legal_wording``).
    measures
        Chosen measures other than cameras (index ``option_id``) with ``measure``, ``kind``,
        ``cost_sek``, ``frequency`` (optional ``units``): ``kind == "lighting"`` rows are the
        lighting layer, the rest markers (points) or lines in the other-measures layer.
        A ``perceived_per_m`` column on `corridors` draws the perceived-safety layer.

    Returns
    -------
    map
        The folium map; :func:`map_html` gives its page.

    Raises
    ------
    CRSError
        If a layer has no CRS, a geographic CRS, or a CRS other than `crs`.
    InputError
        If `incident_cells` is no IncidentCells, holds non-polygons or counts under its
        ``min_count``; if a layer lacks a needed column.
    """
    t("map.title", lang)  # validates `lang`
    layers = dict(
        cameras=cameras,
        footprints=footprints,
        stops=stops,
        routes=routes,
        areas=areas,
        stop_areas=stop_areas,
        measures=measures,
    )
    inc = dict(incident_cells=incident_cells, heat=heat, heat_transform=heat_transform)
    work_crs = _check_inputs(corridors, layers, crs=crs, **inc)
    wording = dict(legal_wording or {})
    page_title = title or t("map.title", lang)
    page = _Page(lang, page_title, fictional, tiles, self_contained, frontier, budget_sek, wording)
    return _draw(corridors, layers, **inc, crs=work_crs, page=page)


def plan_map(result: PlanResult, *, self_contained: bool | None = None) -> folium.Map:
    """
    The map of a plan: every layer of `result`, incidents only as its published cells.

    Parameters
    ----------
    result
        A :class:`~siteplan.pipeline.PlanResult`; the map reads its layers (the corridors
        with their scores, hotspot columns and ``perceived_per_m`` when present,
        ``stop_areas`` when the result has them, the portfolio's chosen measures),
        ``incident_cells``, ``legal_wording`` and the scenario's output settings.
    self_contained
        Inline every asset (default: the scenario's ``output.self_contained``).

    Returns
    -------
    map
        The folium map; :func:`map_html` gives its page.
    """
    sc = result.scenario
    portfolio = getattr(result, "portfolio", None)
    return make_map(
        corridors=result.corridors,
        cameras=result.cameras,
        footprints=result.footprints,
        stops=result.inputs.transit.stops,
        routes=result.inputs.transit.routes,
        areas=result.inputs.areas,
        stop_areas=getattr(result, "stop_areas", None),
        incident_cells=result.incident_cells,
        heat=result.heat,
        heat_transform=result.heat_transform,
        crs=sc.study_area.crs,
        lang=sc.output.language,
        title=sc.study_area.title or sc.study_area.name,
        fictional=sc.study_area.fictional,
        tiles=sc.output.tiles,
        self_contained=sc.output.self_contained if self_contained is None else self_contained,
        frontier=result.frontier,
        budget_sek=sc.budget.total_sek,
        legal_wording=result.legal_wording,
        measures=None if portfolio is None else measure_layer(portfolio),
    )


def _element_ids(element: Element) -> Iterator[str]:
    """The ids of `element` and everything below it (a Figure's header, html, script too)."""
    yield element._id
    for part in ("header", "html", "script"):
        sub = getattr(element, part, None)
        if isinstance(sub, Element):
            yield from _element_ids(sub)
    for child in element._children.values():
        yield from _element_ids(child)


def map_html(m: folium.Map) -> str:
    """
    The map's HTML page, with folium's random element ids replaced by stable counters.

    folium names every element (``map_<id>``, ``feature_group_<id>``, ...) with 32 random hex
    digits; here they become ``0…01``, ``0…02``, ... in order of first appearance, so the same
    map always gives the same bytes.

    Parameters
    ----------
    m
        A map from :func:`make_map` or :func:`plan_map` (it is not changed).

    Returns
    -------
    html
        The page, a complete ``<!DOCTYPE html>`` document.

    Raises
    ------
    SourceUnavailableError
        If the map is self-contained and an asset cannot be inlined.
    """
    # folium's render adds elements to the tree (a second render would repeat scripts): render a
    # copy, so `m` stays as it was.
    root = copy.deepcopy(m.get_root())
    html = root.render()
    ids = set(_element_ids(root))
    stable: dict[str, str] = {}

    def replace(match: re.Match[str]) -> str:
        found = match.group(0)
        if found not in ids:
            return found
        return stable.setdefault(found, f"{len(stable) + 1:032d}")

    return _ELEMENT_ID.sub(replace, html)
