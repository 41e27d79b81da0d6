"""Cameras by what they film: the share of each view inside stop areas decides its class.

11 § 5 b KBL exempts surveillance *of* a station, terminal or stop area: what matters is the
area a camera films, not where it hangs. :func:`classify_views` measures each footprint
against the stop-area polygons of :func:`siteplan.legal.stop_areas.stop_areas`;
:func:`mask_views` clips views to the stop areas (the camera then films only the exempt area)
and says how much view that costs.
"""

from __future__ import annotations

import logging
from typing import Any, NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from siteplan.config import LegalConfig
from siteplan.crs import require_same_crs
from siteplan.legal._common import require_columns
from siteplan.legal.classify import Decision, assign_decisions
from siteplan.legal.regimes import EXEMPT_PURPOSES, REGIMES, RegimeInfo, regime_for

log = logging.getLogger(__name__)

#: Columns :func:`classify_views` adds besides :data:`~siteplan.legal.classify.LEGAL_COLUMNS`.
VIEW_COLUMNS = ("view_area_m2", "view_stop_area_share", "view_outside_m2", "view_on_strak")

#: Tolerance on the share (polygon clipping leaves rounding noise of ~1e-12).
_SHARE_EPS = 1e-9
#: Outside areas below this are clipping noise, in m².
_AREA_EPS_M2 = 1e-6


class ViewMeasure(NamedTuple):
    """What one view covers: its area, the share inside stop areas, stråk contact, station."""

    area_m2: float
    share: float
    outside_m2: float
    on_strak: bool
    station_id: str | None
    stop_name: str | None
    distance_m: float


class MaskedViews(NamedTuple):
    """
    Views clipped to the stop areas.

    Attributes
    ----------
    geometry
        The clipped views (empty where a view does not reach a stop area), like the input.
    lost_m2
        View area given up by the mask, in m², like the input.
    lost_share
        Share of the view given up (0 for an empty view).
    """

    geometry: gpd.GeoSeries
    lost_m2: pd.Series
    lost_share: pd.Series


def strak_segments(corridors_classified: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """
    The corridor segments that lie on a stråk (a walk between two stops), outside stop areas.

    Parameters
    ----------
    corridors_classified
        Output of :func:`siteplan.legal.classify`.

    Returns
    -------
    strak
        The rows whose ``legal_stop_id`` names a stop pair ("<station_a>|<station_b>").
    """
    require_columns(
        corridors_classified, ("legal_stop_id",), "corridors_classified", _CLASSIFY_HINT
    )
    ids = corridors_classified["legal_stop_id"]
    on = np.array([isinstance(v, str) and "|" in v for v in ids], dtype=bool)
    return corridors_classified[on]


class _Shares(NamedTuple):
    """Per view: area, area inside the stop areas, and whether its outside part is on a stråk."""

    area: np.ndarray
    inside: np.ndarray
    share: np.ndarray
    on_strak: np.ndarray


def _view_shares(
    geoms: np.ndarray, stop_areas: gpd.GeoDataFrame, strak: gpd.GeoDataFrame | None
) -> tuple[_Shares, np.ndarray, np.ndarray]:
    """The views' shares inside `stop_areas`, and the (view, stop area) pairs that touch."""
    area = shapely.area(geoms)
    inside = np.zeros(len(geoms))
    polys = stop_areas.geometry.to_numpy()
    outside_geoms = geoms.copy()  # the part of each view outside the stop areas
    left = right = np.zeros(0, dtype=np.int64)
    if len(polys) and len(geoms):
        union = shapely.union_all(polys)
        left, right = stop_areas.sindex.query(geoms, predicate="intersects")
        hit = np.unique(left)
        inside[hit] = shapely.area(shapely.intersection(geoms[hit], union))
        outside_geoms[hit] = shapely.difference(geoms[hit], union)
    on_strak = np.zeros(len(geoms), dtype=bool)
    if strak is not None and len(strak) and len(geoms):
        hit_left, _ = strak.sindex.query(outside_geoms, predicate="intersects")
        on_strak[np.unique(hit_left)] = True
    inside = np.minimum(inside, area)
    inside = np.where(area - inside < _AREA_EPS_M2, area, inside)  # clipping noise (~1e-13 m²)
    share = np.where(area > 0, inside / np.where(area > 0, area, 1.0), 0.0)
    return _Shares(area, inside, share, on_strak), left, right


def measure_views(
    geoms: np.ndarray, stop_areas: gpd.GeoDataFrame, strak: gpd.GeoDataFrame | None
) -> list[ViewMeasure]:
    """Area, share inside `stop_areas`, stråk contact and the main station of each view."""
    shares, left, right = _view_shares(geoms, stop_areas, strak)
    best = np.full(len(geoms), -1)
    dist = np.full(len(geoms), np.inf)
    polys = stop_areas.geometry.to_numpy()
    if len(polys) and len(geoms):
        overlap = shapely.area(shapely.intersection(geoms[left], polys[right]))
        first = _first_per_group(left, np.lexsort((right, -overlap, left)))
        best[left[first]] = right[first]
        dist[left[first]] = 0.0
        rest = np.flatnonzero((best < 0) & ~shapely.is_empty(geoms))
        if len(rest):
            # The station nearest to the view's centre (fast), then the exact distance to it.
            centres = shapely.centroid(geoms[rest])
            li, ri = stop_areas.sindex.nearest(centres, return_all=True)
            keep = _first_per_group(li, np.lexsort((ri, li)))
            best[rest[li[keep]]] = ri[keep]
            dist[rest[li[keep]]] = shapely.distance(geoms[rest[li[keep]]], polys[ri[keep]])
    ids = stop_areas.index.to_numpy(dtype=str)
    names = stop_areas["stop_name"].to_numpy() if "stop_name" in stop_areas else ids
    area, inside = shares.area, shares.inside
    return [
        ViewMeasure(
            float(area[i]),
            float(shares.share[i]),
            float(area[i] - inside[i]),
            bool(shares.on_strak[i]),
            str(ids[best[i]]) if best[i] >= 0 else None,
            str(names[best[i]]) if best[i] >= 0 else None,
            float(dist[i]),
        )
        for i in range(len(geoms))
    ]


def _first_per_group(group: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Positions of the first row of each `group` value, in `order` (sorted by group first)."""
    if not len(order):
        return order
    ordered = group[order]
    return order[np.concatenate([[True], ordered[1:] != ordered[:-1]])]


def classify_views(
    footprints: gpd.GeoDataFrame,
    stop_areas: gpd.GeoDataFrame,
    strak: gpd.GeoDataFrame | None = None,
    *,
    config: LegalConfig,
    lang: str = "sv",
) -> gpd.GeoDataFrame:
    """
    Give every camera view its legal class by what it films.

    A view is ``stop_area`` when at least ``legal.exempt_view_share`` of its area lies inside
    the stop areas (an assumption: the statute gives no share); ``stop_area_borderline``
    when part of it lies inside a stop area, or it reaches a stråk (under
    ``legal.strak_policy`` = "borderline"; "exempt" makes such a view ``stop_area`` under the
    municipality's reading, "general" ignores stråk); else ``general``. Under kbl-2018, or
    when no purpose is one the exemption covers, every view is ``general``.

    Parameters
    ----------
    footprints
        View polygons (one row per camera or option) in a projected CRS.
    stop_areas
        Output of :func:`siteplan.legal.stop_areas`, in the CRS of `footprints`.
    strak
        Stråk segments (:func:`strak_segments`), or None.
    config
        The scenario's legal section.
    lang
        Language of the reasons: "sv" or "en" (statute names and quotes stay Swedish).

    Returns
    -------
    classified
        A copy of `footprints` with :data:`~siteplan.legal.classify.LEGAL_COLUMNS` (the
        ``legal_stop_id`` is the station the view overlaps most, else the nearest one, and
        ``legal_distance_m`` the distance from the view to its stop area) and
        :data:`VIEW_COLUMNS`: ``view_area_m2``, ``view_stop_area_share`` (0-1),
        ``view_outside_m2`` and ``view_on_strak``.

    Raises
    ------
    CRSError
        If the layers are unprojected or their CRSs differ.
    """
    require_same_crs(footprints, stop_areas, "footprints", "stop_areas")
    if strak is not None:
        require_same_crs(footprints, strak, "footprints", "strak")
    info = REGIMES[regime_for(config)]
    geoms = np.asarray(footprints.geometry.to_numpy(), dtype=object)
    measures = measure_views(geoms, stop_areas, strak)
    records = [view_decision(m, info=info, config=config, lang=lang) for m in measures]
    out = footprints.copy()
    assign_decisions(out, records)
    out["view_area_m2"] = [m.area_m2 for m in measures]
    out["view_stop_area_share"] = [m.share for m in measures]
    out["view_outside_m2"] = [m.outside_m2 for m in measures]
    out["view_on_strak"] = np.array([m.on_strak for m in measures], dtype=bool)
    counts = out["legal_class"].value_counts()
    log.debug(
        "classify_views (%s): %d views: %d stop_area, %d stop_area_borderline, %d general",
        info.id,
        len(out),
        counts.get("stop_area", 0),
        counts.get("stop_area_borderline", 0),
        counts.get("general", 0),
    )
    return out


def view_classes(
    footprints: gpd.GeoDataFrame,
    stop_areas: gpd.GeoDataFrame,
    strak: gpd.GeoDataFrame | None = None,
    *,
    config: LegalConfig,
) -> np.ndarray:
    """
    The ``legal_class`` :func:`classify_views` gives each view, without the reasons (fast).

    Parameters
    ----------
    footprints, stop_areas, strak, config
        As for :func:`classify_views`.

    Returns
    -------
    classes
        Object array of classes, in the order of `footprints`.
    """
    require_same_crs(footprints, stop_areas, "footprints", "stop_areas")
    info = REGIMES[regime_for(config)]
    geoms = np.asarray(footprints.geometry.to_numpy(), dtype=object)
    out = np.full(len(geoms), "general", dtype=object)
    if not info.exemption or not EXEMPT_PURPOSES.intersection(config.purposes):
        return out
    # Only the shares decide the class: no station, distance or reason (the slow part).
    shares = _view_shares(geoms, stop_areas, strak)[0]
    area, share = shares.area, shares.share
    on_strak = shares.on_strak & (config.strak_policy != "general")
    out[(share > 0) | on_strak] = "stop_area_borderline"
    if config.strak_policy == "exempt":
        out[on_strak & (share > 0)] = "stop_area"
    out[(area > 0) & (share >= config.exempt_view_share - _SHARE_EPS)] = "stop_area"
    return out


def mask_views(footprints: gpd.GeoDataFrame, stop_areas: gpd.GeoDataFrame) -> MaskedViews:
    """
    Clip each view to the stop areas: the camera then films only the exempt area.

    Parameters
    ----------
    footprints
        View polygons in a projected CRS.
    stop_areas
        Output of :func:`siteplan.legal.stop_areas`, in the CRS of `footprints`.

    Returns
    -------
    masked
        The clipped views and the view area (m² and share) the mask gives up.
    """
    require_same_crs(footprints, stop_areas, "footprints", "stop_areas")
    geoms = np.asarray(footprints.geometry.to_numpy(), dtype=object)
    area = shapely.area(geoms)
    if len(stop_areas):
        clipped = shapely.intersection(geoms, shapely.union_all(stop_areas.geometry.to_numpy()))
    else:
        clipped = np.array([shapely.Polygon() for _ in geoms], dtype=object)
    lost = np.maximum(area - shapely.area(clipped), 0.0)
    share = np.where(area > 0, lost / np.where(area > 0, area, 1.0), 0.0)
    return MaskedViews(
        gpd.GeoSeries(clipped, index=footprints.index, crs=footprints.crs),
        pd.Series(lost, index=footprints.index, name="lost_m2"),
        pd.Series(share, index=footprints.index, name="lost_share"),
    )


_CLASSIFY_HINT = "Run siteplan.legal.classify(corridors, stops, config=...) first."


def _fmt(lang: str, sv: str, en: str, **values: Any) -> str:
    return (en if lang == "en" else sv).format(**values)


def view_decision(m: ViewMeasure, *, info: RegimeInfo, config: LegalConfig, lang: str) -> Decision:
    """The class, wording and reason of one view (see :func:`classify_views`)."""
    threshold = config.exempt_view_share
    facts = _view_facts(m, lang)
    share_note = _fmt(
        lang,
        "Antagande, inte lag: minst {t:.0%} av vyn inom hållplatsområdet "
        "(legal.exempt_view_share), radie {r:g} m (legal.stop_area_radius_m).",
        "Assumption, not law: at least {t:.0%} of the view inside the stop area "
        "(legal.exempt_view_share), radius {r:g} m (legal.stop_area_radius_m).",
        t=threshold,
        r=config.stop_area_radius_m,
    )
    dist = m.distance_m if np.isfinite(m.distance_m) else float("nan")

    def make(cls: str, reason: str, assumption: bool) -> Decision:
        return Decision(cls, info.wording[cls], reason, m.station_id, dist, assumption)

    if not info.exemption:
        return make("general", f"{facts} {_no_exemption(info, lang)}", False)
    if not EXEMPT_PURPOSES.intersection(config.purposes):
        return make("general", f"{facts} {_trygghet_only(info, lang)}", False)
    if m.area_m2 > 0 and m.share >= threshold - _SHARE_EPS:
        rule = _fmt(
            lang,
            "Vyn filmar hållplatsområdet: undantaget gäller enligt {ref}.",
            "The view films the stop area: the exemption applies under {ref}.",
            ref=info.exemption_ref,
        )
        return make("stop_area", f"{facts} {rule} {share_note}", True)
    strak = m.on_strak and config.strak_policy != "general"
    if strak and config.strak_policy == "exempt" and m.share > 0:
        rule = _fmt(
            lang,
            "Resten av vyn ligger på ett stråk, som behandlas som hållplatsområde enligt "
            "kommunens tolkning av {ref} (legal.strak_policy = exempt).",
            "The rest of the view lies on a stråk, treated as stop area under the "
            "municipality's reading of {ref} (legal.strak_policy = exempt).",
            ref=info.exemption_ref,
        )
        return make("stop_area", f"{facts} {rule} {share_note}", True)
    if m.share > 0 or strak:
        return make("stop_area_borderline", f"{facts} {_borderline(info, lang)} {share_note}", True)
    need = info.general_requirement
    rule = _fmt(
        lang,
        "Vyn filmar inget hållplatsområde: {need} enligt {ref}.",
        "The view films no stop area: {need} under {ref}.",
        need=need if lang != "en" else info.general_requirement_en,
        ref=info.general_ref,
    )
    return make("general", f"{facts} {rule}", False)


def _view_facts(m: ViewMeasure, lang: str) -> str:
    if m.area_m2 <= 0:
        return _fmt(lang, "Vyn är tom (kameran ser inget).", "The view is empty.")
    stop = f"{m.stop_name} ({m.station_id})" if m.station_id is not None else "–"
    text = _fmt(
        lang,
        "{share:.0%} av vyn ({area:.0f} m²) ligger inom hållplatsområdet {stop}; "
        "{out:.0f} m² ligger utanför.",
        "{share:.0%} of the view ({area:.0f} m²) lies inside the stop area {stop}; "
        "{out:.0f} m² lies outside.",
        share=m.share,
        area=m.area_m2,
        stop=stop,
        out=m.outside_m2,
    )
    if m.share <= 0 and m.station_id is not None and np.isfinite(m.distance_m):
        text = _fmt(
            lang,
            "Vyn ({area:.0f} m²) ligger helt utanför hållplatsområden; närmaste, {stop}, "
            "ligger {d:.0f} m bort.",
            "The view ({area:.0f} m²) lies wholly outside stop areas; the nearest, {stop}, "
            "is {d:.0f} m away.",
            area=m.area_m2,
            stop=stop,
            d=m.distance_m,
        )
    if m.on_strak:
        text += _fmt(
            lang,
            " Vyn når ett stråk mellan hållplatser.",
            " The view reaches a stråk between stops.",
        )
    return text


def _no_exemption(info: RegimeInfo, lang: str) -> str:
    return _fmt(
        lang,
        "Undantaget för kollektivtrafikens hållplatsområden fanns ännu inte (infördes "
        "2020-08-01 genom SFS 2020:519): {need} enligt {ref}.",
        "The exemption for public-transport stop areas did not exist yet (introduced "
        "2020-08-01 by SFS 2020:519): {need} under {ref}.",
        need=info.general_requirement if lang != "en" else info.general_requirement_en,
        ref=info.general_ref,
    )


def _trygghet_only(info: RegimeInfo, lang: str) -> str:
    return _fmt(
        lang,
        "Syftet trygghet ensamt omfattas inte av undantaget i {ref}: det gäller bevakning för "
        "att förebygga, förhindra eller upptäcka brottslig verksamhet, utreda eller lagföra "
        "brott, förebygga ordningsstörningar eller olyckor. {need} enligt {gref}.",
        "Perceived safety (trygghet) alone is not covered by the exemption in {ref}, which "
        "applies to surveillance to prevent, deter or detect crime, investigate or prosecute "
        "crime, or prevent public-order disturbances or accidents. {need} under {gref}.",
        ref=info.exemption_ref,
        need=_cap(info.general_requirement if lang != "en" else info.general_requirement_en),
        gref=info.general_ref,
    )


def _borderline(info: RegimeInfo, lang: str) -> str:
    return _fmt(
        lang,
        "{ref} undantar bevakning av hållplatsområdet; den del av vyn som ligger utanför "
        "omfattas bara enligt kommunens tolkning – juridisk granskning rekommenderas. "
        "Underlaget upprättas som för allmän plats ({gref}) med undantagsargumentet som bilaga.",
        "{ref} exempts surveillance of the stop area; the part of the view outside it is "
        "covered only under the municipality's reading – legal review recommended. The "
        "documents are prepared as for a general place ({gref}) with the exemption argument "
        "as an annex.",
        ref=info.exemption_ref,
        gref=info.general_ref,
    )


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]
