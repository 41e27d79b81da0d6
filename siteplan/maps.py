"""The interactive HTML map of a plan (folium/Leaflet).

:func:`make_map` draws hand-made or computed layers in the working CRS; :func:`plan_map` draws a
:class:`~siteplan.pipeline.PlanResult`; :func:`save_map` writes the HTML atomically. Layers are
reprojected to EPSG:4326 here, at the last step, and nowhere else. Incidents are personal data:
the map shows them only as k-anonymised grid cells (:mod:`siteplan.privacy`) and as a smoothed
density masked to those cells, never as points. Every user-supplied text (names, categories,
reasons) is HTML-escaped before it reaches a tooltip, popup or panel.

With ``self_contained=True`` the saved page carries Leaflet, its CSS and d3 (for the colour
scale) inline, copied from the installed ``folium-offline`` package, and links to nothing
external except base-map tiles (use ``tiles="none"`` for a page that needs no network at all).
Such a page omits folium's jQuery, Bootstrap and Font Awesome, which this map does not use.
"""

from __future__ import annotations

import base64
import io
import logging
import math
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from siteplan.crs import parse_crs, require_projected
from siteplan.errors import CRSError, InputError
from siteplan.i18n import t
from siteplan.io._common import atomic_write
from siteplan.legal import LEGAL_CLASSES
from siteplan.privacy import escape

if TYPE_CHECKING:
    import folium

    from siteplan.pipeline import PlanResult

__all__ = ["LEGAL_STYLES", "layer_names", "make_map", "plan_map", "save_map"]

log = logging.getLogger(__name__)

#: Line style of each legal class in the "Legal class" layer (Leaflet path options).
LEGAL_STYLES: dict[str, dict[str, Any]] = {
    "stop_area": {"color": "#5e3c99", "weight": 9, "opacity": 0.45},
    "stop_area_borderline": {"color": "#5e3c99", "weight": 9, "opacity": 0.45, "dashArray": "6 8"},
    "general": {"color": "#8c8c8c", "weight": 1.5, "opacity": 0.8},
}

_SCORE_COLOURS = ["#ffffb2", "#fecc5c", "#fd8d3c", "#e31a1c", "#800026"]
_CELL_COLOURS = ["#fee0d2", "#fc9272", "#de2d26"]
_CAMERA = {
    "color": "#08306b",
    "fill": True,
    "fillColor": "#2171b5",
    "fillOpacity": 0.95,
    "weight": 2,
    "radius": 8,
}
_FOOTPRINT = {
    "color": "#2171b5",
    "weight": 1,
    "fill": True,
    "fillColor": "#6baed6",
    "fillOpacity": 0.3,
}
_STOP = {
    "color": "#252525",
    "weight": 1.5,
    "fill": True,
    "fillColor": "#ffffff",
    "fillOpacity": 1.0,
    "radius": 4,
}
_ROUTE = {"color": "#4a6fa5", "weight": 2, "opacity": 0.6}
_AREA = {"color": "#2c7fb8", "weight": 2, "fill": True, "fillOpacity": 0.04, "dashArray": "2 4"}
_LAYER_KEYS = (
    "areas",
    "legal",
    "corridors",
    "heat",
    "incident_cells",
    "routes",
    "stops",
    "footprints",
    "cameras",
)

# Binds each feature's escaped HTML (properties.tip / .popup) to its Leaflet layer.
_BIND_JS = (
    "function(feature, layer) {"
    " var p = feature.properties || {};"
    " if (p.tip) { layer.bindTooltip(p.tip, {sticky: true}); }"
    " if (p.popup) { layer.bindPopup(p.popup, {maxWidth: 360}); }"
    "}"
)


def _folium() -> Any:
    try:
        import folium
    except ImportError as err:
        msg = "siteplan.maps needs folium>=0.17: conda install -c conda-forge folium"
        raise ImportError(msg) from err
    return folium


def layer_names(lang: str = "sv", *, grid_m: float = 100.0) -> dict[str, str]:
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


# -- geometry helpers ------------------------------------------------------------------------


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


# -- layers ------------------------------------------------------------------------------------


def _geojson(
    fc: dict[str, Any], *, class_name: str, interactive: bool = True, marker: Any = None
) -> Any:
    folium = _folium()
    from folium.utilities import JsCode

    return folium.GeoJson(
        fc,
        control=False,
        on_each_feature=JsCode(_BIND_JS) if interactive else None,
        marker=marker,
        class_name=class_name,
        interactive=interactive,
    )


def _corridor_layers(
    corridors: gpd.GeoDataFrame,
    geoms: np.ndarray,
    *,
    lang: str,
    wording: Mapping[str, str],
) -> tuple[dict[str, Any] | None, dict[str, Any], Any]:
    """GeoJSON of the legal-class halo (or None), of the score lines, and the colour map."""
    from branca.colormap import LinearColormap

    score = pd.to_numeric(corridors["score"], errors="coerce") if "score" in corridors else None
    cmap = None
    if score is not None and score.notna().any():
        lo, hi = float(score.min()), float(score.max())
        cmap = LinearColormap(
            _SCORE_COLOURS,
            vmin=lo,
            vmax=hi if hi > lo else lo + 1.0,
            caption=t("map.legend.score_caption", lang),
        )
    classes = _col(corridors, "legal_class")
    wordings = _col(corridors, "legal_wording")
    names = _col(corridors, "name")
    covered = _col(corridors, "covered_share")
    scores = score.tolist() if score is not None else [None] * len(corridors)
    unnamed = escape(t("map.tooltip.unnamed", lang))
    line_props, legal_props = [], []
    for cid, cls, wtext, name, cov, sc in zip(
        corridors.index, classes, wordings, names, covered, scores, strict=True
    ):
        s = _num(sc)
        colour = cmap(s) if (cmap is not None and s is not None) else "#9e9e9e"
        label = escape(name) or unnamed
        tip = [f"<b>{label}</b> <small>{escape(cid)}</small>"]
        if s is not None:
            tip.append(f"{escape(t('map.tooltip.score', lang))}: {s:.3g}")
        c = _num(cov)
        if c is not None:
            tip.append(f"{escape(t('map.tooltip.covered', lang))}: {100 * c:.0f}\u00a0%")
        if cls is not None:
            w = wtext if isinstance(wtext, str) else wording.get(str(cls), "")
            tip.append(_legal_text(cls, w, lang))
        line_props.append(
            {"tip": "<br>".join(tip), "style": {"color": colour, "weight": 3, "opacity": 0.9}}
        )
        legal_props.append({"style": LEGAL_STYLES.get(str(cls), LEGAL_STYLES["general"])})
    legal_fc = _features(geoms, legal_props) if "legal_class" in corridors else None
    return legal_fc, _features(geoms, line_props), cmap


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


def _heat_image(
    heat: np.ndarray,
    transform: Any,
    crs: pyproj.CRS,
    *,
    cells: gpd.GeoDataFrame | None,
) -> tuple[np.ndarray, list[list[float]]] | None:
    """RGBA image of the heat raster warped to Web Mercator, and its EPSG:4326 bounds."""
    import matplotlib as mpl
    from affine import Affine
    from rasterio.features import geometry_mask
    from rasterio.transform import array_bounds
    from rasterio.warp import Resampling, reproject

    src = np.asarray(heat, dtype="float32")
    if src.ndim != 2 or src.size == 0:
        msg = f"make_map: `heat` must be a 2-D raster; got shape {src.shape}."
        raise InputError(msg)
    src = np.where(np.isfinite(src) & (src > 0), src, 0.0).astype("float32")
    aff = transform if isinstance(transform, Affine) else Affine(*tuple(transform)[:6])
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
    # Crop to the non-zero part (1 px margin) so the PNG carries no empty border.
    r0, r1 = max(rows[0] - 1, 0), min(rows[-1] + 2, h)
    c0, c1 = max(cols[0] - 1, 0), min(cols[-1] + 2, w)
    src = np.ascontiguousarray(src[r0:r1, c0:c1])
    aff = Affine(
        aff.a, aff.b, aff.c + aff.a * c0 + aff.b * r0, aff.d, aff.e, aff.f + aff.d * c0 + aff.e * r0
    )
    h, w = src.shape
    # Warp to Web Mercator, the projection Leaflet stretches the image in, at the same
    # ground resolution.
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
    peak = float(dst.max())
    if peak <= 0:
        return None
    v = np.clip(dst / peak, 0.0, 1.0)
    rgba = mpl.colormaps["YlOrRd"](v)
    rgba[..., 3] = np.where(v > 0.02, np.clip(0.25 + 0.6 * v, 0.0, 0.85), 0.0)
    img = (rgba * 255).round().astype("uint8")
    w3857, s3857, e3857, n3857 = array_bounds(dh, dw, dst_aff)
    to_ll = pyproj.Transformer.from_crs("EPSG:3857", "EPSG:4326", always_xy=True)
    west, south = to_ll.transform(w3857, s3857)
    east, north = to_ll.transform(e3857, n3857)
    return img, [[south, west], [north, east]]


def _frontier_png(frontier: pd.DataFrame, *, lang: str, budget_sek: float | None) -> str | None:
    """The coverage-vs-budget curve as a small PNG data URI."""
    if frontier is None or frontier.empty:
        return None
    missing = {"budget_sek", "coverage_share"} - set(frontier.columns)
    if missing:
        msg = (
            f"make_map: `frontier` lacks column(s) {sorted(missing)}; "
            f"found {list(frontier.columns)}."
        )
        raise InputError(msg)
    from matplotlib.figure import Figure

    f = frontier.sort_values("budget_sek")
    fig = Figure(figsize=(3.4, 2.2), dpi=100)
    ax = fig.add_subplot()
    ax.plot(f["budget_sek"] / 1000, 100 * f["coverage_share"], marker="o", ms=3, color="#1f5fa8")
    if budget_sek is not None:
        ax.axvline(budget_sek / 1000, color="#c0392b", ls="--", lw=1)
    ax.set_xlabel(t("map.frontier.x", lang), fontsize=8)
    ax.set_ylabel(t("map.frontier.y", lang), fontsize=8)
    ax.tick_params(labelsize=7)
    ax.set_ylim(0, max(5.0, 105 * float(f["coverage_share"].max())))
    ax.grid(alpha=0.3)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _panel(html: str) -> Any:
    """A MacroElement that puts fixed-position HTML (user text escaped) into the page body."""
    from branca.element import MacroElement
    from jinja2 import Template

    el = MacroElement()
    el._name = "SiteplanPanel"
    el._template = Template("{% macro html(this, kwargs) %}{{ this.content }}{% endmacro %}")
    el.content = html
    return el


def _script(code: str) -> Any:
    """A MacroElement that adds fixed JavaScript (no user text) to the page script."""
    from branca.element import MacroElement
    from jinja2 import Template

    el = MacroElement()
    el._name = "SiteplanScript"
    el._template = Template("{% macro script(this, kwargs) %}{{ this.code }}{% endmacro %}")
    el.code = code
    return el


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


_PANEL_CSS = (
    "position:fixed;z-index:1000;background:rgba(255,255,255,0.93);padding:8px 10px;"
    "border-radius:6px;box-shadow:0 1px 5px rgba(0,0,0,0.35);font:12px/1.35 system-ui,sans-serif;"
)


def _legend_html(
    present: list[str], *, lang: str, fictional: bool, wording: Mapping[str, str], k: int | None
) -> str:
    rows: list[tuple[str, str]] = []
    if "corridors" in present:
        score = "".join(
            f'<span style="display:inline-block;width:12px;height:10px;background:{c}"></span>'
            for c in _SCORE_COLOURS
        )
        rows.append((score, escape(t("map.legend.score", lang))))
    if "legal" in present:
        for cls in LEGAL_CLASSES:
            text = escape(t(f"legal_class.{cls}", lang))
            if wording.get(cls):
                text += f"<br><i>{escape(wording[cls])}</i>"
            rows.append((_swatch(LEGAL_STYLES[cls]), text))
    if "areas" in present:
        rows.append((_swatch(_AREA), escape(t("map.legend.area", lang))))
    if "routes" in present:
        rows.append((_swatch(_ROUTE), escape(t("map.legend.route", lang))))
    if "stops" in present:
        rows.append((_swatch(_STOP, kind="circle"), escape(t("map.legend.stop", lang))))
    if "incident_cells" in present:
        text = (
            t("map.legend.cells", lang, k=k)
            if k is not None
            else t("map.layer.incident_cells", lang, grid_m=0)
        )
        rows.append(
            (_swatch({"color": "#de2d26", "fillColor": "#fc9272"}, kind="box"), escape(text))
        )
    if "heat" in present:
        heat = "".join(
            f'<span style="display:inline-block;width:7px;height:10px;background:{c}"></span>'
            for c in ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")
        )
        rows.append((heat, escape(t("map.legend.heat", lang))))
    if "footprints" in present:
        rows.append((_swatch(_FOOTPRINT, kind="box"), escape(t("map.legend.footprint", lang))))
    if "cameras" in present:
        rows.append((_swatch(_CAMERA, kind="circle"), escape(t("map.legend.camera", lang))))
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


def _offline_figure(title: str) -> Any:
    """A branca Figure whose rendered HTML has every linked JS/CSS asset inlined."""
    from branca.element import Figure

    from siteplan._assets import inline_assets

    class OfflineFigure(Figure):
        def render(self, **kwargs: Any) -> str:
            return inline_assets(super().render(**kwargs))

    return OfflineFigure(title=title)


def make_map(
    *,
    corridors: gpd.GeoDataFrame,
    cameras: gpd.GeoDataFrame | None = None,
    footprints: gpd.GeoDataFrame | None = None,
    stops: gpd.GeoDataFrame | None = None,
    routes: gpd.GeoDataFrame | None = None,
    areas: gpd.GeoDataFrame | None = None,
    incident_cells: gpd.GeoDataFrame | None = None,
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
) -> folium.Map:
    """
    Draw a plan's layers on an interactive folium map.

    Parameters
    ----------
    corridors
        Corridor segments (LineStrings) in the working CRS, indexed by ``corridor_id``. Optional
        columns: ``score`` (colour), ``legal_class`` and ``legal_wording`` (legal layer),
        ``name``, ``covered_share``.
    cameras
        Chosen cameras (Points), indexed by ``camera_id``, with ``model`` and optionally
        ``mount``, ``total_cost_sek`` (or ``cost_sek``/``capex_sek``), ``covered_demand``,
        ``legal_class``, ``legal_wording``, ``legal_reason``, ``purpose``.
    footprints
        Visibility polygons of the cameras, indexed by ``camera_id``.
    stops
        Stops (Points) with ``stop_name`` and ``departures_per_hour``.
    routes
        Routes (lines) with ``route_short_name``.
    areas
        Priority areas (polygons) indexed by area name (or with a ``name`` column).
    incident_cells
        Aggregated incidents from :func:`siteplan.privacy.aggregate_incidents`: polygons with a
        ``count``. Point geometries are refused.
    heat, heat_transform
        Incident density raster in the working CRS and its affine transform. Drawn only where
        `incident_cells` has a published cell, when cells are given.
    crs
        The working CRS of every layer (default: the corridors' CRS).
    lang
        ``"sv"`` (default) or ``"en"``.
    title
        Title shown on the map and in the page's ``<title>``.
    fictional
        Label the map as fictional data.
    tiles
        Base map (a folium/xyzservices name); ``"none"`` or None for no base map.
    self_contained
        Inline every JS/CSS asset so the saved page needs no network (see the module notes).
    frontier
        Budget frontier (``budget_sek``, ``coverage_share``) drawn as a small chart panel.
    budget_sek
        The plan's budget, marked on the frontier chart.
    legal_wording
        The regime's wording per legal class, e.g. from :func:`siteplan.legal.wording`; used in
        the legend and where a layer has no ``legal_wording`` column.

    Returns
    -------
    map
        The folium map; save it with :func:`save_map`.

    Raises
    ------
    CRSError
        If a layer has no CRS, a geographic CRS, or a CRS other than `crs`.
    InputError
        If `incident_cells` holds non-polygon geometry or counts below its ``min_count``, or a
        layer lacks a needed column.
    """
    folium = _folium()
    from branca.colormap import LinearColormap

    t("map.title", lang)  # validates `lang`
    require_projected(corridors, "corridors")
    work_crs = parse_crs(crs if crs is not None else corridors.crs, key="crs")
    layers = {
        "corridors": corridors,
        "cameras": cameras,
        "footprints": footprints,
        "stops": stops,
        "routes": routes,
        "areas": areas,
        "incident_cells": incident_cells,
    }
    for name, gdf in layers.items():
        _check_layer(gdf, name, work_crs)
    if len(corridors) == 0:
        msg = "make_map: `corridors` is empty; there is nothing to fit the map to."
        raise InputError(msg)
    if cameras is not None and "model" not in cameras.columns:
        msg = f"make_map: `cameras` lacks the 'model' column; found {list(cameras.columns)}."
        raise InputError(msg)
    k = None
    if incident_cells is not None:
        kinds = set(shapely.get_type_id(incident_cells.geometry.to_numpy()).tolist()) - {3, 6}
        if kinds:
            msg = (
                "make_map: `incident_cells` holds non-polygon geometry (e.g. single incident "
                "points). Incidents are personal data: pass privacy.aggregate_incidents(...)."
            )
            raise InputError(msg)
        if "count" not in incident_cells.columns:
            msg = (
                "make_map: `incident_cells` lacks the 'count' column; "
                "use privacy.aggregate_incidents."
            )
            raise InputError(msg)
        k = incident_cells.attrs.get("min_count")
        if k is not None and (incident_cells["count"] < k).any():
            msg = (
                f"make_map: `incident_cells` has cells with fewer than min_count={k} incidents; "
                "they must be suppressed (privacy.aggregate_incidents does that)."
            )
            raise InputError(msg)
    wording = dict(legal_wording or {})
    names = layer_names(
        lang,
        grid_m=float(
            incident_cells.attrs.get("grid_m", 100.0) if incident_cells is not None else 100.0
        ),
    )

    # Map frame, fitted to the corridors.
    minx, miny, maxx, maxy = corridors.geometry.to_crs(4326).total_bounds
    use_tiles = None if tiles is None or str(tiles).lower() == "none" else tiles
    m = folium.Map(
        location=[(miny + maxy) / 2, (minx + maxx) / 2],
        zoom_start=15,
        tiles=use_tiles,
    )
    page_title = title or t("map.title", lang)
    if self_contained:
        # Only Leaflet is needed: folium's jQuery/Bootstrap/Font Awesome stay out of the page.
        m.default_js = [a for a in m.default_js if a[0] == "leaflet"]
        m.default_css = [a for a in m.default_css if a[0] == "leaflet_css"]
        _offline_figure(escape(page_title)).add_child(m)
    else:
        m.get_root().title = escape(page_title)

    present: list[str] = []
    groups: dict[str, Any] = {}

    def group(key: str) -> Any:
        fg = folium.FeatureGroup(name=escape(names[key]))
        groups[key] = fg
        present.append(key)
        return fg

    # Priority areas.
    if areas is not None and len(areas):
        area_names = areas["name"].tolist() if "name" in areas.columns else list(areas.index)
        props = [{"tip": f"<b>{escape(n)}</b>", "style": _AREA} for n in area_names]
        group("areas").add_child(
            _geojson(_features(_wgs84(areas), props), class_name="siteplan-area")
        )

    # Corridors: legal-class halo under score-coloured lines.
    corr_geoms = _wgs84(corridors)
    legal_fc, line_fc, cmap = _corridor_layers(corridors, corr_geoms, lang=lang, wording=wording)
    if legal_fc is not None:
        group("legal").add_child(_geojson(legal_fc, class_name="siteplan-legal", interactive=False))
    group("corridors").add_child(_geojson(line_fc, class_name="siteplan-corridor"))

    # Incident density and k-anonymised cells.
    if heat is not None:
        if heat_transform is None:
            msg = "make_map: `heat` was given without `heat_transform`."
            raise InputError(msg)
        image = _heat_image(heat, heat_transform, work_crs, cells=incident_cells)
        if image is not None:
            img, bounds = image
            group("heat").add_child(
                folium.raster_layers.ImageOverlay(
                    img,
                    bounds=bounds,
                    opacity=0.75,
                    pixelated=False,
                    control=False,
                    class_name="siteplan-heat",
                )
            )
    if incident_cells is not None and len(incident_cells):
        counts = incident_cells["count"].astype(float)
        ccmap = LinearColormap(
            _CELL_COLOURS, vmin=float(counts.min()), vmax=float(max(counts.max(), counts.min() + 1))
        )
        props = [
            {
                "tip": escape(t("map.tooltip.incidents", lang, n=int(n))),
                "style": {
                    "color": ccmap(n),
                    "weight": 0.8,
                    "fillColor": ccmap(n),
                    "fillOpacity": 0.35,
                },
            }
            for n in counts
        ]
        group("incident_cells").add_child(
            _geojson(_features(_wgs84(incident_cells), props), class_name="siteplan-cell")
        )

    # Public transport.
    if routes is not None and len(routes):
        props = [
            {
                "tip": escape(t("map.tooltip.route", lang, name=n if n is not None else rid)),
                "style": _ROUTE,
            }
            for rid, n in zip(routes.index, _col(routes, "route_short_name"), strict=True)
        ]
        group("routes").add_child(
            _geojson(_features(_wgs84(routes), props), class_name="siteplan-route")
        )
    if stops is not None and len(stops):
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
        group("stops").add_child(
            _geojson(_features(_wgs84(stops), props), class_name="siteplan-stop", marker=marker)
        )

    # Cameras on top of their footprints, so a click on a marker reaches the marker.
    if footprints is not None and len(footprints):
        models = _col(footprints, "model")
        props = [
            {"tip": f"<b>{escape(cid)}</b> {escape(mod)}", "style": _FOOTPRINT}
            for cid, mod in zip(footprints.index, models, strict=True)
        ]
        group("footprints").add_child(
            _geojson(_features(_wgs84(footprints), props), class_name="siteplan-footprint")
        )
    if cameras is not None and len(cameras):
        props = []
        for cid, row in zip(
            cameras.index, cameras.drop(columns="geometry").to_dict("records"), strict=True
        ):
            props.append(
                {
                    "tip": f"<b>{escape(cid)}</b> {escape(row.get('model'))}",
                    "popup": _camera_popup(row, cid, lang=lang, wording=wording),
                    "style": _CAMERA,
                }
            )
        marker = folium.CircleMarker(radius=_CAMERA["radius"], class_name="siteplan-camera")
        group("cameras").add_child(
            _geojson(_features(_wgs84(cameras), props), class_name="siteplan-camera", marker=marker)
        )

    for key in _LAYER_KEYS:
        if key in groups:
            groups[key].add_to(m)
    if cmap is not None:
        cmap.add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    m.add_child(_script(f"L.control.scale({{imperial: false}}).addTo({m.get_name()});"))
    m.fit_bounds([[miny, minx], [maxy, maxx]])

    # Panels: title (and fictional banner), legend, frontier chart.
    banner = (
        f' <span style="background:#fff3cd;border:1px solid #e0b000;border-radius:4px;'
        f'padding:1px 6px;margin-left:6px">{escape(t("map.fictional_banner", lang))}</span>'
        if fictional
        else ""
    )
    m.add_child(
        _panel(
            f'<div class="siteplan-title" style="{_PANEL_CSS}top:10px;left:60px;font-size:15px">'
            f"<b>{escape(page_title)}</b>{banner}</div>"
        )
    )
    m.add_child(_panel(_legend_html(present, lang=lang, fictional=fictional, wording=wording, k=k)))
    png = (
        _frontier_png(frontier, lang=lang, budget_sek=budget_sek) if frontier is not None else None
    )
    if png:
        m.add_child(
            _panel(
                f'<div class="siteplan-frontier" style="{_PANEL_CSS}bottom:28px;right:10px">'
                f"<b>{escape(t('map.frontier.title', lang))}</b><br>"
                f'<img src="{png}" alt="{escape(t("map.frontier.title", lang))}" '
                'style="width:250px"></div>'
            )
        )
    log.info(
        "map: %d corridors, %d cameras, %d cells, layers %s (%s%s)",
        len(corridors),
        0 if cameras is None else len(cameras),
        0 if incident_cells is None else len(incident_cells),
        ", ".join(present),
        lang,
        ", self-contained" if self_contained else "",
    )
    return m


def plan_map(result: PlanResult, *, self_contained: bool | None = None) -> folium.Map:
    """
    The map of a plan: every layer of `result`, incidents aggregated under the privacy settings.

    Parameters
    ----------
    result
        A :class:`~siteplan.pipeline.PlanResult`.
    self_contained
        Inline every asset (default: the scenario's ``output.self_contained``).

    Returns
    -------
    map
        The folium map.
    """
    from siteplan import legal
    from siteplan.privacy import aggregate_incidents

    sc = result.scenario
    cells = aggregate_incidents(
        result.inputs.incidents, grid_m=sc.privacy.grid_m, min_count=sc.privacy.min_count
    )
    wording = {cls: legal.wording(result.regime, cls) for cls in LEGAL_CLASSES}
    cameras = result.cameras
    if "legal_wording" not in cameras.columns and "legal_class" in cameras.columns:
        cameras = cameras.assign(legal_wording=cameras["legal_class"].map(wording))
    return make_map(
        corridors=result.corridors,
        cameras=cameras,
        footprints=result.footprints,
        stops=result.inputs.transit.stops,
        routes=result.inputs.transit.routes,
        areas=result.inputs.areas,
        incident_cells=cells,
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
        legal_wording=wording,
    )


def save_map(m: folium.Map, path: str | Path) -> Path:
    """
    Write the map's HTML to `path` atomically (temporary file in the same folder, then rename).

    Parameters
    ----------
    m
        A map from :func:`make_map` or :func:`plan_map`.
    path
        Target ``.html`` file; its folder is created if needed.

    Returns
    -------
    path
        The file written.

    Raises
    ------
    SourceUnavailableError
        If the map is self-contained and an asset cannot be inlined (nothing is written).
    """
    path = Path(path)
    html = m.get_root().render()
    with atomic_write(path) as tmp:
        tmp.write_text(html, encoding="utf-8")
    log.info("map written to %s (%.0f kB)", path, len(html.encode("utf-8")) / 1024)
    return path
