"""Render the paperwork of a plan: site packs and the register as Markdown, HTML, PNG and CSV.

Reads :class:`siteplan.paperwork.SitePack` objects and the register that
:func:`siteplan.pipeline.run` computed; computes nothing a planner would quote. Text is escaped
for its target: HTML through Jinja's autoescape, Markdown by :func:`_md_escape` (no HTML tags,
no broken table cells), CSV through :func:`siteplan.render._csv.csv_text`.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from siteplan import legal
from siteplan.i18n import t
from siteplan.render._csv import csv_text

if TYPE_CHECKING:
    from siteplan.paperwork import PackMap, SitePack
    from siteplan.pipeline import PlanResult

__all__ = [
    "pack_map_png",
    "paperwork_files",
    "render_combined_html",
    "render_combined_markdown",
    "render_pack_html",
    "render_pack_markdown",
]


# ----------------------------------------------------------------------------------------------
# Map of the recorded area


def _clip(layer: gpd.GeoDataFrame | None, box: shapely.Polygon) -> gpd.GeoDataFrame | None:
    if layer is None or layer.empty:
        return None
    hit = layer.sindex.query(box, predicate="intersects")
    return layer.iloc[np.sort(hit)] if len(hit) else None


def _draw_layers(ax: Axes, layers: PackMap, box: shapely.Polygon) -> None:
    """Buildings, streets, footprints, masking, stops and cameras, bottom to top."""
    blds = _clip(layers.buildings, box)
    if blds is not None:
        resid = blds["residential"].fillna(False).astype(bool) if "residential" in blds else False
        colors = np.where(resid, "#b08968", "#c8c8c8")
        blds.geometry.plot(ax=ax, color=colors, edgecolor="#666666", linewidth=0.4)
    corr = _clip(layers.corridors, box)
    if corr is not None:
        corr.geometry.plot(ax=ax, color="#555555", linewidth=1.0)
    feet = [g for g in layers.footprints if g is not None]
    gpd.GeoSeries(feet).plot(ax=ax, color="#1f5fa8", alpha=0.3, edgecolor="#1f5fa8")
    if layers.masking:
        gpd.GeoSeries(list(layers.masking)).plot(
            ax=ax, facecolor="none", edgecolor="#c0392b", hatch="////", linewidth=0.8
        )
    stops = _clip(layers.stops, box)
    if stops is not None:
        stops.geometry.plot(ax=ax, color="#2e8b57", marker="s", markersize=30)
    pts = [p for p in layers.cameras if p is not None]
    gpd.GeoSeries(pts).plot(ax=ax, color="#c0392b", marker="^", markersize=60, zorder=5)


def _draw_frame(ax: Axes, box: shapely.Polygon, *, width_m: float) -> None:
    """Extent, no ticks, a north arrow and a scale bar."""
    ax.set_xlim(box.bounds[0], box.bounds[2])
    ax.set_ylim(box.bounds[1], box.bounds[3])
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.annotate(
        "N",
        xy=(0.95, 0.95),
        xytext=(0.95, 0.85),
        xycoords="axes fraction",
        ha="center",
        arrowprops={"arrowstyle": "->"},
    )
    bar = 10.0 if width_m < 80 else 50.0
    x0, y0 = box.bounds[0] + 5, box.bounds[1] + 5
    ax.plot([x0, x0 + bar], [y0, y0], color="black", linewidth=2)
    ax.text(x0, y0 + 2, f"{bar:.0f} m", fontsize=8)


def pack_map_png(pack: SitePack, *, margin_m: float = 25.0) -> bytes | None:
    """
    A small PNG map of the recorded area: footprints, masking, buildings, streets, stops.

    Parameters
    ----------
    pack
        A site's pack.
    margin_m
        Space around the recorded area, in metres.

    Returns
    -------
    png
        The image bytes, or None when the site records no area.
    """
    layers = pack.map
    feet = [g for g in layers.footprints if g is not None]
    pts = [p for p in layers.cameras if p is not None]
    if not feet and not pts:
        return None
    xmin, ymin, xmax, ymax = shapely.total_bounds(np.array(feet + pts, dtype=object))
    box = shapely.box(xmin - margin_m, ymin - margin_m, xmax + margin_m, ymax + margin_m)
    fig = Figure(figsize=(5.0, 5.0), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    _draw_layers(ax, layers, box)
    _draw_frame(ax, box, width_m=xmax - xmin)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    return buf.getvalue()


def _png_uri(png: bytes | None) -> str | None:
    return None if png is None else "data:image/png;base64," + base64.b64encode(png).decode("ascii")


# ----------------------------------------------------------------------------------------------
# Template context


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return frame.reset_index().to_dict(orient="records")


def _evidence_context(pack: SitePack) -> dict[str, Any]:
    """The incident table, the hour × weekday counts and the categories, as template rows."""
    names = t("paperwork.weekdays", pack.lang).split(",")
    counts = pack.hour_weekday
    return {
        "incidents": [
            {
                "date": r.date,
                "time": r.time,
                "weekday": names[int(r.weekday)],
                "category": r.category,
            }
            for r in pack.incidents.itertuples(index=False)
        ],
        "n_incidents": pack.n_incidents,
        "incident_buffer_m": pack.incident_buffer_m,
        "near_incidents": [
            {
                "date": r.date,
                "time": r.time,
                "weekday": names[int(r.weekday)],
                "category": r.category,
            }
            for r in pack.near_incidents.itertuples(index=False)
        ],
        "near_zone_m": pack.near_zone_m,
        "categories": [list(c) for c in pack.categories],
        "weekday_names": names,
        "hour_weekday": [
            {
                "hour": f"{h:02d}",
                "counts": [int(v) for v in counts.loc[h]],
                "total": int(counts.loc[h].sum()),
            }
            for h in counts.index
        ],
        "weekday_totals": [int(v) for v in counts.sum(axis=0)],
    }


def _pack_context(pack: SitePack) -> dict[str, Any]:
    """A pack as the nested dictionaries and lists the templates read."""
    return {
        "site_id": pack.site_id,
        "file_stem": pack.file_stem,
        "lang": pack.lang,
        "regime": pack.regime,
        "regime_title": pack.regime_title,
        "kind": pack.kind,
        "kind_label": _kind_label(pack),
        "legal_class": pack.legal_class,
        "borderline": pack.borderline,
        "legal_wording": pack.legal_wording,
        "legal_reasons": list(pack.legal_reasons),
        "fictional": pack.fictional,
        "study_area": pack.study_area,
        "place": vars(pack.place).copy(),
        "cameras": [vars(c).copy() for c in pack.cameras],
        "recorded_area_m2": pack.recorded_area_m2,
        "purposes": list(pack.purposes),
        **_evidence_context(pack),
        "recording_hours": pack.recording_hours,
        "retention_days": pack.retention_days,
        "masking": [
            {"camera_id": r.camera_id, "building_id": r.building_id, "area_m2": float(r.area_m2)}
            for r in pack.masking.itertuples(index=False)
        ],
        "stop": None if pack.stop is None else vars(pack.stop).copy(),
        "statute": vars(pack.statute).copy(),
        "assessment_date": pack.assessment_date.isoformat(),
        "next_review_date": pack.next_review_date.isoformat(),
        "register": _records(pack.register) if pack.kind == "assessment" else [],
        "checklist": list(pack.checklist),
    }


def _kind_label(pack: SitePack) -> str:
    """The paperwork a pack holds, in words (the permit names the authority of its time)."""
    if pack.kind == "permit":
        info = legal.REGIMES[pack.regime]
        day = pack.assessment_date
        historical = day < info.in_force_from or (
            info.in_force_to is not None and day > info.in_force_to
        )
        authority = info.authority if historical else legal.authority_on(day)
        return t("paperwork.kind.permit_authority", pack.lang, authority=authority)
    if pack.kind == "assessment":
        return t("paperwork.kind.assessment_forteckning", pack.lang)
    return t(f"paperwork.kind.{pack.kind}", pack.lang)


def _md_escape(value: Any) -> Any:
    """Escape text for Markdown: it cannot open HTML tags, break table cells or lines."""
    if isinstance(value, str):
        text = html.escape(value, quote=False).replace("|", "\\|")
        return " ".join(text.splitlines())
    if isinstance(value, Mapping):
        return {k: _md_escape(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_md_escape(v) for v in value)
    return value


def _fmt_num(value: Any, digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "–"
    return f"{float(value):,.{digits}f}".replace(",", "\u00a0")


def _environment(*, markdown: bool, lang: str) -> Environment:
    if markdown:
        env = Environment(
            loader=PackageLoader("siteplan", "templates"),
            autoescape=False,  # the data is escaped before rendering (see _md_escape)
            finalize=lambda v: "" if v is None else v,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
    else:
        env = Environment(
            loader=PackageLoader("siteplan", "templates"),
            autoescape=select_autoescape(["html", "j2"], default=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )

    def label(key: str, **kw: Any) -> str:
        return t(key, lang, **kw)

    env.globals["t"] = label
    env.filters["num"] = _fmt_num
    return env


def _lang_of(packs: Sequence[SitePack], lang: str | None) -> str:
    return lang or (packs[0].lang if packs else "sv")


# ----------------------------------------------------------------------------------------------
# Markdown and HTML


def render_pack_markdown(pack: SitePack, *, map_file: str | None = None) -> str:
    """
    Render one pack as Markdown (text escaped: no HTML from names can get through).

    Parameters
    ----------
    pack
        A site's pack.
    map_file
        Relative path of the map image to link, if one was written.

    Returns
    -------
    markdown
        The pack.
    """
    env = _environment(markdown=True, lang=pack.lang)
    return env.get_template("pack_site.md.j2").render(
        p=_md_escape(_pack_context(pack)), map_file=map_file, level=1
    )


def render_combined_markdown(
    packs: Sequence[SitePack],
    *,
    register: pd.DataFrame,
    lang: str | None = None,
    title: str = "",
    map_files: Mapping[str, str] | None = None,
) -> str:
    """
    Render every pack and the register as one Markdown document.

    Parameters
    ----------
    packs
        The sites' packs.
    register
        The register (:func:`siteplan.paperwork.register_rows`).
    lang
        "sv" or "en" (default: the packs' language).
    title
        Study-area title.
    map_files
        Site id -> relative path of its map image.

    Returns
    -------
    markdown
        The combined document.
    """
    lang = _lang_of(packs, lang)
    env = _environment(markdown=True, lang=lang)
    return env.get_template("pack_combined.md.j2").render(
        packs=[_md_escape(_pack_context(p)) for p in packs],
        register=_md_escape(_records(register)),
        title=_md_escape(title),
        map_files=dict(map_files or {}),
        fictional=any(p.fictional for p in packs),
    )


def render_pack_html(pack: SitePack, *, map_uri: str | None = None) -> str:
    """
    Render one pack as self-contained HTML (map inline, all text escaped).

    Parameters
    ----------
    pack
        A site's pack.
    map_uri
        A ready PNG data URI of the map; drawn with :func:`pack_map_png` if None.

    Returns
    -------
    html
        The pack.
    """
    uri = map_uri or _png_uri(pack_map_png(pack))
    return _render_html([pack], maps={pack.site_id: uri}, combined=False)


def render_combined_html(
    packs: Sequence[SitePack],
    *,
    register: pd.DataFrame,
    lang: str | None = None,
    title: str = "",
    maps: Mapping[str, str | None] | None = None,
) -> str:
    """
    Render every pack and the register as one self-contained HTML page.

    Parameters
    ----------
    packs
        The sites' packs.
    register
        The register (:func:`siteplan.paperwork.register_rows`).
    lang
        "sv" or "en" (default: the packs' language).
    title
        Study-area title.
    maps
        Site id -> PNG data URI; drawn when missing.

    Returns
    -------
    html
        The combined page, marked as containing personal data (internal).
    """
    uris = dict(maps or {})
    for p in packs:
        if p.site_id not in uris:
            uris[p.site_id] = _png_uri(pack_map_png(p))
    return _render_html(packs, maps=uris, combined=True, register=register, lang=lang, title=title)


def _render_html(
    packs: Sequence[SitePack],
    *,
    maps: Mapping[str, str | None],
    combined: bool,
    register: pd.DataFrame | None = None,
    lang: str | None = None,
    title: str = "",
) -> str:
    lang = _lang_of(packs, lang)
    env = _environment(markdown=False, lang=lang)
    return env.get_template("pack.html.j2").render(
        lang=lang,
        packs=[_pack_context(p) for p in packs],
        maps=maps,
        combined=combined,
        register=[] if register is None else _records(register),
        title=title or (packs[0].study_area if packs else ""),
        fictional=any(p.fictional for p in packs),
    )


# ----------------------------------------------------------------------------------------------
# Every paperwork file of a plan


def paperwork_files(result: PlanResult) -> dict[str, str | bytes]:
    """
    Every paperwork output of a plan, keyed by its path relative to the output folder.

    ``paperwork/<file_stem>.md``, ``.html`` and ``.png`` (the map, when the site records an
    area) per site; ``paperwork/samlat.md`` and ``samlat.html`` (``combined.*`` in English)
    with every pack and the register; and ``register.csv`` (text cells neutralised against
    formula injection).

    Parameters
    ----------
    result
        The plan (reads ``site_packs``, ``register`` and ``scenario``).

    Returns
    -------
    files
        Relative POSIX path -> text (str) or image (bytes).
    """
    sc = result.scenario
    lang = sc.output.language
    files: dict[str, str | bytes] = {}
    maps: dict[str, str | None] = {}
    map_files: dict[str, str] = {}
    for pack in result.site_packs:
        stem = pack.file_stem
        png = pack_map_png(pack)
        if png is not None:
            files[f"paperwork/{stem}.png"] = png
            map_files[pack.site_id] = f"{stem}.png"
        maps[pack.site_id] = _png_uri(png)
        files[f"paperwork/{stem}.md"] = render_pack_markdown(
            pack, map_file=map_files.get(pack.site_id)
        )
        files[f"paperwork/{stem}.html"] = _render_html(
            [pack], maps={pack.site_id: maps[pack.site_id]}, combined=False
        )
    packs = list(result.site_packs)
    register = result.register
    name = t("paperwork.combined_file", lang)
    title = sc.study_area.title or sc.study_area.name
    files[f"paperwork/{name}.md"] = render_combined_markdown(
        packs, register=register, lang=lang, title=title, map_files=map_files
    )
    files[f"paperwork/{name}.html"] = render_combined_html(
        packs, register=register, lang=lang, title=title, maps=maps
    )
    files["register.csv"] = csv_text(register, index=True, float_format="%.6f")
    return files
