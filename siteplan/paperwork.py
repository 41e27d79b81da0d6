"""Legal paperwork per camera site: packs, the 10 § register and privacy masking.

One pack per planned site says what the camera-law regime asks for at that place (see
../shared/DOMAIN.md §1):

- ``permit`` (``kbl-2018``; ``general`` sites under ``kbl-2020``): the content of an IMY permit
  application: map of the recorded area, incidents at the place by date, time and type and by
  hour and weekday, proposed recording days and hours, cameras and optics, purpose, retention,
  masking and real-time viewing (a placeholder to fill in);
- ``assessment`` (``general`` sites under ``kbl-2025``): the documented balancing of interests
  (8–9 §§) and the register entry (10 §);
- ``exemption`` (``stop_area`` and ``stop_area_borderline`` sites under ``kbl-2020`` and
  ``kbl-2025``): why the stop-area exemption applies and what still applies (signage, GDPR,
  retention); borderline sites carry a legal-review note and the incident evidence.

Incidents appear in packs only as a table of date, time, weekday and type inside the recorded
area, never with coordinates. Statute references and legal wording are Swedish in both
languages. The content functions are pure; :func:`write_paperwork` is the thin writer.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import logging
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from siteplan import legal
from siteplan.crs import require_projected, require_same_crs
from siteplan.errors import InputError
from siteplan.i18n import t
from siteplan.schemas import require

if TYPE_CHECKING:
    from siteplan.config import Scenario
    from siteplan.pipeline import PlanResult

__all__ = [
    "INCIDENT_BUFFER_M",
    "MASKING_COLUMNS",
    "REGISTER_COLUMNS",
    "STATUTE",
    "hour_weekday_table",
    "incident_table",
    "masking_polygons",
    "pack_kind",
    "pack_map_png",
    "recording_hours",
    "register_rows",
    "render_combined_html",
    "render_combined_markdown",
    "render_pack_html",
    "render_pack_markdown",
    "site_pack",
    "write_paperwork",
]

log = logging.getLogger(__name__)

#: Incidents this close to a recorded area count as "at the place" (metres).
INCIDENT_BUFFER_M = 25.0
#: Width of the facade strip around a residential building that is masked (metres).
FACADE_STRIP_M = 3.0
#: A named street farther than this from a camera is not used to describe its place (metres).
STREET_SEARCH_M = 50.0
#: Columns of :func:`masking_polygons` (besides the geometry).
MASKING_COLUMNS = ("camera_id", "building_id", "kind", "area_m2")
#: Columns of :func:`register_rows` (index ``camera_id``).
REGISTER_COLUMNS = (
    "site_id",
    "description",
    "area",
    "place_type",
    "purpose",
    "sound_special",
    "assessment_date",
    "legal_class",
    "register_required",
    "note",
    "lon",
    "lat",
)

#: Statute references and legal wording; Swedish in both languages (quoted law, not interface).
STATUTE: dict[str, str] = {
    "signage": "Upplysning om kamerabevakningen ska lämnas genom tydlig skyltning (15 § KBL).",
    "gdpr_basis": (
        "Rättslig grund för personuppgiftsbehandlingen: artikel 6.1 e dataskyddsförordningen "
        "(uppgift av allmänt intresse), jfr 7 § KBL."
    ),
    "dpia": (
        "Konsekvensbedömning avseende dataskydd (artikel 35 dataskyddsförordningen) krävs vid "
        "systematisk övervakning av allmän plats."
    ),
    "retention": (
        "Inspelat material bevaras i {days} dygn och raderas därefter automatiskt "
        "(dataskyddsförordningen artikel 5.1 e, lagringsminimering)."
    ),
    "permit": "Tillstånd från Integritetsskyddsmyndigheten (IMY) krävs enligt {ref}.",
    "assessment": (
        "Kamerabevakningen får bara ske om intresset av bevakningen väger tyngre än den "
        "enskildes intresse av att inte bli bevakad (8–9 §§ KBL). Bedömningen ska dokumenteras "
        "och bevakningen registreras (10 § KBL)."
    ),
    "keep_5_years": (
        "Den dokumenterade bedömningen ska bevaras i minst fem år efter att "
        "kamerabevakningen har upphört (9 § KBL)."
    ),
    "exemption.kbl-2020": (
        "Hållplatsområdet är undantaget från tillståndsplikten enligt 9 § KBL i lydelse enligt "
        "SFS 2020:519."
    ),
    "exemption.kbl-2025": (
        "Hållplatsområdet är undantaget från kraven på dokumenterad intresseavvägning och "
        "registrering i 8–10 §§ enligt 11 § 5 b KBL (SFS 2025:220)."
    ),
    "exemption_purpose": (
        "Undantaget gäller bara när syftet är att förebygga, förhindra eller upptäcka brott, "
        "ordningsstörningar eller olyckor."
    ),
    "no_exemption_purpose": (
        "Inget av ändamålen brott, ordningsstörningar eller olyckor är angivet: undantaget "
        "gäller inte (syftet trygghet ensamt räcker inte)."
    ),
    "borderline": (
        "Lagen nämner inte stråk mellan hållplatser uttryckligen; undantaget gäller här enligt "
        "kommunens tolkning. Juridisk granskning rekommenderas."
    ),
}

_KINDS = ("permit", "assessment", "exemption")
_EXEMPT_PURPOSES = ("crime", "order", "accident")
_FOOTPATHS = frozenset({"footway", "path", "steps", "cycleway", "bridleway", "corridor"})
_SQUARES = frozenset({"pedestrian", "living_street"})
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


# ----------------------------------------------------------------------------------------------
# Masking


def masking_polygons(
    footprints: gpd.GeoDataFrame,
    buildings: gpd.GeoDataFrame,
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
        of `footprints`.
    min_area_m2
        Smaller pieces are dropped (slivers from touching edges).
    strip_m
        Width in metres of the facade strip around a residential building.

    Returns
    -------
    masking
        Index ``mask_id`` ("<camera_id>:<building_id>"); columns :data:`MASKING_COLUMNS`
        (``kind`` is "facade", ``area_m2`` the masked ground area) and Polygon geometry,
        sorted by camera and building. No rows when no residential building is in view.

    Raises
    ------
    CRSError
        If the layers are unprojected or their CRSs differ.
    InputError
        If `buildings` has no ``residential`` column or `strip_m` is not positive.
    """
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
    resid = buildings[buildings["residential"].fillna(False).astype(bool).to_numpy()]
    b_geoms = resid.geometry.to_numpy()
    b_ok = ~(shapely.is_missing(b_geoms) | shapely.is_empty(b_geoms))
    resid, b_geoms = resid[b_ok], b_geoms[b_ok]
    f_geoms = footprints.geometry.to_numpy()
    f_ok = ~(shapely.is_missing(f_geoms) | shapely.is_empty(f_geoms))
    rows: list[tuple[str, str, float, BaseGeometry]] = []
    if len(resid) and f_ok.any():
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


# ----------------------------------------------------------------------------------------------
# Incident evidence


def _require(frame: pd.DataFrame, columns: Iterable[str], name: str, hint: str) -> None:
    require(frame, columns, name=name, hint=hint)


def _empty_incident_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "date": pd.Series(dtype=object),
            "time": pd.Series(dtype=object),
            "weekday": pd.Series(dtype=int),
            "hour": pd.Series(dtype=int),
            "category": pd.Series(dtype=object),
        },
        index=pd.Index([], name="incident_id", dtype=object),
    )


def incident_table(
    footprint: BaseGeometry | None,
    incidents: gpd.GeoDataFrame,
    *,
    tz: str,
    buffer_m: float = INCIDENT_BUFFER_M,
) -> pd.DataFrame:
    """
    Incidents at a recorded place: date, time, weekday and type, never coordinates.

    Parameters
    ----------
    footprint
        The recorded area (Polygon or MultiPolygon) in the CRS of `incidents`.
    incidents
        Incidents indexed by ``incident_id`` with ``occurred_at`` (timestamps), ``category``
        and Point geometry (None for incidents located only by area, which never count here).
    tz
        IANA time zone the table is written in (``study_area.timezone``); naive timestamps
        are taken to be in it already.
    buffer_m
        Incidents this many metres outside the footprint still count as at the place.

    Returns
    -------
    table
        Indexed by ``incident_id``: ``date`` ("YYYY-MM-DD"), ``time`` ("HH:MM"), ``weekday``
        (0 = Monday … 6 = Sunday), ``hour`` (0–23) and ``category``, in local time, sorted by
        date, time and category.

    Raises
    ------
    CRSError
        If `incidents` is unprojected.
    InputError
        If a column is missing.
    """
    require_projected(incidents, "incidents")
    _require(incidents, ("occurred_at", "category"), "incidents", "Load them with siteplan.io.")
    if footprint is None or shapely.is_empty(footprint) or incidents.empty:
        return _empty_incident_table()
    area = shapely.buffer(footprint, buffer_m) if buffer_m > 0 else footprint
    geoms = incidents.geometry.to_numpy()
    located = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    hit = np.zeros(len(incidents), dtype=bool)
    pos = np.flatnonzero(located)
    hit[pos[shapely.intersects(area, geoms[pos])]] = True
    sel = incidents[hit]
    if sel.empty:
        return _empty_incident_table()
    when = pd.to_datetime(sel["occurred_at"])
    when = when.dt.tz_localize(tz) if when.dt.tz is None else when.dt.tz_convert(tz)
    table = pd.DataFrame(
        {
            "date": when.dt.strftime("%Y-%m-%d").astype(object),
            "time": when.dt.strftime("%H:%M").astype(object),
            "weekday": when.dt.day_of_week.astype(int),
            "hour": when.dt.hour.astype(int),
            "category": sel["category"].astype(object).where(sel["category"].notna(), ""),
        },
        index=sel.index,
    )
    table.index.name = "incident_id"
    order = np.lexsort(
        (
            table.index.astype(str).to_numpy(),
            table["category"].astype(str).to_numpy(),
            table["time"].to_numpy(dtype=str),
            table["date"].to_numpy(dtype=str),
        )
    )
    return table.iloc[order]


def hour_weekday_table(incidents_in_view: pd.DataFrame) -> pd.DataFrame:
    """
    Count incidents by hour of day and weekday.

    Parameters
    ----------
    incidents_in_view
        Output of :func:`incident_table` (columns ``hour`` and ``weekday``).

    Returns
    -------
    counts
        24 × 7 integer counts: index ``hour`` 0–23, columns ``weekday`` 0 (Monday) … 6.
    """
    counts = np.zeros((24, 7), dtype=int)
    if len(incidents_in_view):
        np.add.at(
            counts,
            (
                incidents_in_view["hour"].to_numpy(dtype=int),
                incidents_in_view["weekday"].to_numpy(dtype=int),
            ),
            1,
        )
    return pd.DataFrame(
        counts, index=pd.RangeIndex(24, name="hour"), columns=pd.RangeIndex(7, name="weekday")
    )


def _weekday_names(lang: str) -> list[str]:
    return t("paperwork.weekdays", lang).split(",")


def _day_runs(days: Iterable[int]) -> list[tuple[int, int]]:
    """Runs of consecutive weekdays (Sunday runs on into Monday) as (first, last) pairs."""
    chosen = set(days)
    starts = sorted(d for d in chosen if (d - 1) % 7 not in chosen)
    runs = []
    for s in starts:
        e = s
        while (e + 1) % 7 in chosen and (e + 1) % 7 != s:
            e = (e + 1) % 7
        runs.append((s, e))
    return runs


def recording_hours(
    incidents_in_view: pd.DataFrame,
    *,
    min_share: float = 0.8,
    lang: str = "sv",
    full_day_from_h: int = 18,
    full_week_share: float = 0.75,
) -> str:
    """
    Propose recording days and hours that cover most incidents at a place.

    Among all daily windows of whole hours (they may run past midnight; an incident after
    midnight then belongs to the day the window opened) and all sets of weekdays, the proposal
    records the fewest hours per week while covering at least `min_share` of the incidents.
    Ties go to more incidents covered, then the earlier start hour, then fewer days. A window of
    `full_day_from_h` hours or more becomes the whole day, and a proposal that records at least
    `full_week_share` of the week's 168 hours becomes recording around the clock.

    Parameters
    ----------
    incidents_in_view
        Output of :func:`incident_table` (columns ``hour`` and ``weekday``).
    min_share
        Share of the incidents the proposal must cover, in (0, 1].
    lang
        Language of the day names: "sv" or "en".
    full_day_from_h
        Windows at least this long are widened to the whole day.
    full_week_share
        Proposals recording at least this share of the week become around the clock, every day.

    Returns
    -------
    proposal
        E.g. "fre–lör 20–04" (Friday and Saturday evenings to 04 the next morning),
        "alla dagar 18–02", or "dygnet runt" when the incidents are spread over the whole week.

    Raises
    ------
    InputError
        If `min_share` is not in (0, 1].
    """
    if not 0 < min_share <= 1:
        msg = f"recording_hours: min_share must be in (0, 1]; got {min_share!r}."
        raise InputError(msg)
    n = len(incidents_in_view)
    if n == 0:
        return t("paperwork.hours.none", lang)
    hours = incidents_in_view["hour"].to_numpy(dtype=int)
    days = incidents_in_view["weekday"].to_numpy(dtype=int)
    need = min_share * n - 1e-9
    best: tuple[int, int, int, int] | None = None  # (hours per week, -covered, start, n_days)
    best_plan: tuple[int, int, list[int]] = (0, 24, list(range(7)))
    for length in range(1, 25):
        for start in range(24 if length < 24 else 1):
            inwin = (hours - start) % 24 < length
            day = np.where(hours < start, (days - 1) % 7, days)[inwin]
            counts = np.bincount(day, minlength=7)
            order = sorted(range(7), key=lambda d: (-counts[d], d))
            covered = 0
            for k, d in enumerate(order, 1):
                covered += int(counts[d])
                if covered >= need:
                    key = (length * k, -covered, start, k)
                    if best is None or key < best:
                        best, best_plan = key, (start, length, sorted(order[:k]))
                    break
    start, length, chosen = best_plan
    if length * len(chosen) >= full_week_share * 168:
        start, length, chosen = 0, 24, list(range(7))
    if length >= full_day_from_h:
        start, length = 0, 24
    names = _weekday_names(lang)
    if len(chosen) == 7:
        day_text = t("paperwork.hours.every_day", lang)
    else:
        day_text = ", ".join(
            names[s] if s == e else f"{names[s]}–{names[e]}" for s, e in _day_runs(chosen)
        )
    if length == 24:
        if len(chosen) == 7:
            return t("paperwork.hours.around_the_clock", lang)
        return f"{day_text}, {t('paperwork.hours.around_the_clock', lang)}"
    return f"{day_text} {start:02d}–{(start + length) % 24:02d}"


# ----------------------------------------------------------------------------------------------
# Places: street, type of place, nearest stop


def _text(value: Any) -> str | None:
    if value is None or (not isinstance(value, str) and bool(pd.isna(value))):
        return None
    text = str(value).strip()
    return text or None


def _nearest_rows(
    points: np.ndarray, layer: gpd.GeoDataFrame, *, max_distance_m: float | None
) -> tuple[np.ndarray, np.ndarray]:
    """Position in `layer` (-1 if none) and distance of each point's nearest row; ties: index."""
    pos = np.full(len(points), -1, dtype=int)
    dist = np.full(len(points), np.inf)
    if layer is None or layer.empty or len(points) == 0:
        return pos, dist
    order = np.argsort(layer.index.astype(str).to_numpy(), kind="stable")
    geoms = layer.geometry.to_numpy()[order]
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if not ok.any():
        return pos, dist
    tree = shapely.STRtree(geoms[ok])
    (left, right), d = tree.query_nearest(
        points, max_distance=max_distance_m, return_distance=True, all_matches=True
    )
    rank = order[np.flatnonzero(ok)][right]
    keys = np.lexsort((rank, d, left))
    left, rank, d = left[keys], rank[keys], d[keys]
    first = np.concatenate([[True], left[1:] != left[:-1]]) if len(left) else np.array([], bool)
    pos[left[first]] = rank[first]
    dist[left[first]] = d[first]
    return pos, dist


def _places(
    cameras: gpd.GeoDataFrame, corridors: gpd.GeoDataFrame | None, *, lang: str
) -> pd.DataFrame:
    """Street name, area, type of place and a description of each camera's place."""
    pts = cameras.geometry.to_numpy()
    street: list[str | None] = [None] * len(cameras)
    highway: list[str | None] = [None] * len(cameras)
    if corridors is not None and len(corridors):
        named = corridors.iloc[:0]
        if "name" in corridors.columns:
            named = corridors[[_text(v) is not None for v in corridors["name"]]]
        pos, _ = _nearest_rows(pts, named, max_distance_m=STREET_SEARCH_M)
        names = named["name"].to_numpy(dtype=object) if len(named) else np.array([], object)
        street = [_text(names[p]) if p >= 0 else None for p in pos]
        if "highway" in corridors.columns:
            pos, _ = _nearest_rows(pts, corridors, max_distance_m=STREET_SEARCH_M)
            hw = corridors["highway"].to_numpy(dtype=object)
            highway = [_text(hw[p]) if p >= 0 else None for p in pos]
    areas = [_text(a) for a in cameras.get("area", pd.Series([None] * len(cameras)))]
    rows = []
    for (cid, cam), name, hw, area in zip(cameras.iterrows(), street, highway, areas, strict=True):
        cls = str(cam.get("legal_class", "general"))
        if cls == "stop_area":
            kind = t("paperwork.place_type.stop_area", lang)
        elif cls == "stop_area_borderline":
            kind = t("paperwork.place_type.strak", lang)
        elif hw in _SQUARES:
            kind = t("paperwork.place_type.square", lang)
        elif hw in _FOOTPATHS:
            kind = t("paperwork.place_type.walkway", lang)
        else:
            kind = t("paperwork.place_type.general", lang)
        where = name or t("paperwork.place.unnamed", lang)
        desc = f"{where}, {area}" if area else where
        rows.append(
            {
                "camera_id": cid,
                "street": name,
                "area": area,
                "place_type": kind,
                "description": f"{desc} ({t('paperwork.place.site', lang)} {cam.get('site_id')})",
            }
        )
    return pd.DataFrame(rows, columns=["camera_id", "street", "area", "place_type", "description"])


def _purpose_codes(value: Any) -> list[str]:
    text = _text(value)
    return [p.strip() for p in text.split(",") if p.strip()] if text else []


def _purpose_text(codes: list[str], lang: str) -> str:
    labels = []
    for code in codes:
        key = f"purpose.{code}"
        try:
            labels.append(t(key, lang))
        except KeyError:
            labels.append(code)
    return ", ".join(labels)


def pack_kind(regime: str, legal_class: str) -> str:
    """
    Which paperwork a site needs: "permit", "assessment" or "exemption".

    Parameters
    ----------
    regime
        A key of :data:`siteplan.legal.REGIMES`.
    legal_class
        {"stop_area", "stop_area_borderline", "general"}

    Returns
    -------
    kind
        "permit" under ``kbl-2018`` and for general sites under ``kbl-2020``; "assessment" for
        general sites under ``kbl-2025``; "exemption" for stop-area sites (borderline too)
        where the exemption exists.

    Raises
    ------
    KeyError
        If the regime or class is unknown.
    """
    legal.wording(regime, legal_class)  # validates both
    info = legal.REGIMES[regime]
    if not info.exemption:
        return "permit"
    if legal_class == "general":
        return "permit" if regime == "kbl-2020" else "assessment"
    return "exemption"


def _add_months(day: dt.date, months: int) -> dt.date:
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    return dt.date(year, month, 28)


# ----------------------------------------------------------------------------------------------
# Register (10 §)


def register_rows(
    cameras: gpd.GeoDataFrame,
    *,
    scenario: Scenario,
    assessment_date: dt.date,
    corridors: gpd.GeoDataFrame | None = None,
    masking: pd.DataFrame | None = None,
    lang: str | None = None,
) -> pd.DataFrame:
    """
    The 10 § register: one row per camera.

    Under ``kbl-2025`` a general place must be registered (10 § KBL): address or description of
    the place, type of place, purpose, sound recording or other special technology, and the date
    of the latest assessment. Stop-area cameras are exempt (11 § 5 b) and older regimes had no
    register; they get a row too (an inventory), with ``register_required`` False and a note.

    Parameters
    ----------
    cameras
        Planned cameras indexed by ``camera_id`` with ``site_id``, ``legal_class``,
        ``purpose`` ("crime, order"), ``area``, ``lon``, ``lat`` and Point geometry.
    scenario
        The scenario (regime and language).
    assessment_date
        Date of the latest assessment.
    corridors
        Corridors with ``name`` (and ``highway``), in the CRS of `cameras`: the nearest named
        street within 50 m describes the place.
    masking
        Output of :func:`masking_polygons`; cameras with rows there use masking.
    lang
        "sv" or "en" (default: ``output.language``).

    Returns
    -------
    register
        Indexed by ``camera_id`` (sorted) with :data:`REGISTER_COLUMNS`.

    Raises
    ------
    InputError
        If a column is missing.
    CRSError
        If `corridors` is in another CRS.
    """
    lang = lang or scenario.output.language
    _require(cameras, ("site_id", "legal_class"), "cameras", "Pass PlanResult.cameras.")
    if corridors is not None:
        require_same_crs(cameras, corridors, "cameras", "corridors")
    regime = scenario.legal.effective_regime
    cams = cameras.sort_index()
    places = _places(cams, corridors, lang=lang).set_index("camera_id")
    masked = set() if masking is None or masking.empty else set(masking["camera_id"])
    rows = []
    for cid, cam in cams.iterrows():
        cls = str(cam["legal_class"])
        required = regime == "kbl-2025" and cls == "general"
        if required:
            note = legal.REGIMES[regime].general_ref
        elif regime == "kbl-2025":
            note = legal.wording(regime, cls)
        else:
            note = t("paperwork.register.no_register", lang, regime=regime)
        special = t("paperwork.register.no_sound", lang)
        if cid in masked:
            special += "; " + t("paperwork.register.masking", lang)
        rows.append(
            {
                "camera_id": cid,
                "site_id": cam["site_id"],
                "description": places.at[cid, "description"],
                "area": places.at[cid, "area"],
                "place_type": places.at[cid, "place_type"],
                "purpose": _purpose_text(_purpose_codes(cam.get("purpose")), lang),
                "sound_special": special,
                "assessment_date": assessment_date.isoformat(),
                "legal_class": cls,
                "register_required": required,
                "note": note,
                "lon": float(cam["lon"]) if "lon" in cam else np.nan,
                "lat": float(cam["lat"]) if "lat" in cam else np.nan,
            }
        )
    frame = pd.DataFrame(rows, columns=["camera_id", *REGISTER_COLUMNS])
    frame["register_required"] = frame["register_required"].astype(bool)
    return frame.set_index("camera_id")


# ----------------------------------------------------------------------------------------------
# One pack


def _nearest_stop(point: BaseGeometry, stops: gpd.GeoDataFrame | None) -> dict[str, Any] | None:
    if stops is None or stops.empty or point is None:
        return None
    pos, dist = _nearest_rows(np.array([point]), stops, max_distance_m=None)
    if pos[0] < 0:
        return None
    row = stops.iloc[pos[0]]
    return {
        "stop_id": str(stops.index[pos[0]]),
        "stop_name": _text(row.get("stop_name")) or "",
        "station_id": _text(row.get("station_id")) or str(stops.index[pos[0]]),
        "distance_m": float(dist[0]),
    }


def _as_frame(rows: pd.DataFrame | pd.Series, crs: Any) -> gpd.GeoDataFrame:
    """One row (a Series named by its id) or a frame, as a GeoDataFrame in `crs`."""
    if isinstance(rows, pd.Series):
        frame = rows.drop(labels="geometry", errors="ignore").to_frame().T
        frame.index.name = "camera_id"
        return gpd.GeoDataFrame(frame, geometry=[rows.get("geometry")], crs=crs)
    if not isinstance(rows, gpd.GeoDataFrame):
        return gpd.GeoDataFrame(rows, geometry="geometry", crs=crs)
    return rows if rows.crs is not None else rows.set_crs(crs)


def _mount_text(value: Any, lang: str) -> str:
    code = _text(value)
    if code is None:
        return "–"
    try:
        return t(f"paperwork.mount.{code}", lang)
    except KeyError:
        return code


def _camera_entry(
    cam_id: Any, cam: pd.Series, foot: BaseGeometry | None, scenario: Scenario, lang: str
) -> dict[str, Any]:
    try:
        spec = scenario.camera(str(cam["model"]))
        px, level, height = spec.horizontal_px, spec.level, spec.mount_height_m
    except KeyError:
        px, level, height = None, None, None
    az = cam.get("azimuth_deg")
    az = None if az is None or pd.isna(az) else float(az)
    return {
        "camera_id": str(cam_id),
        "model": str(cam["model"]),
        "mount": _mount_text(cam.get("mount"), lang),
        "mount_height_m": height,
        "hfov_deg": float(cam["hfov_deg"]),
        "horizontal_px": px,
        "level": level,
        "range_m": float(cam["range_m"]),
        "azimuth_deg": az,
        "footprint_m2": 0.0 if foot is None else float(shapely.area(foot)),
    }


def site_pack(
    cameras: pd.DataFrame | pd.Series,
    footprints: pd.DataFrame | pd.Series,
    *,
    regime: str,
    incidents: gpd.GeoDataFrame,
    masking: pd.DataFrame | None,
    stops: gpd.GeoDataFrame | None,
    scenario: Scenario,
    lang: str | None = None,
    buildings: gpd.GeoDataFrame | None = None,
    corridors: gpd.GeoDataFrame | None = None,
    assessment_date: dt.date | None = None,
) -> dict[str, Any]:
    """
    All content of one site's pack (the site's cameras together).

    Parameters
    ----------
    cameras
        The site's cameras (rows of ``PlanResult.cameras``, one ``site_id``), or one camera row.
    footprints
        Their footprints (rows of ``PlanResult.footprints``, same index).
    regime
        The camera-law regime id.
    incidents
        Incidents (see :func:`incident_table`) in the working CRS.
    masking
        Output of :func:`masking_polygons` (rows of other cameras are ignored).
    stops
        Stops indexed by ``stop_id`` with ``stop_name`` and ``station_id``.
    scenario
        The scenario: purposes, retention, time zone, camera catalogue, radius.
    lang
        "sv" or "en" (default: ``output.language``).
    buildings, corridors
        Drawn on the map of the recorded area; corridors also name the street.
    assessment_date
        Date of the assessment (default: ``legal.plan_date``).

    Returns
    -------
    pack
        A dictionary: ``site_id``, ``kind`` (see :func:`pack_kind`), ``legal_class``,
        ``borderline``, wording, reason and statute texts, the place, cameras and optics,
        purposes, the incident table (date, time, weekday, category; no coordinates), the
        hour × weekday counts, proposed recording hours, retention, masking, the nearest stop,
        review dates, the register rows, and ``map`` (geometries for :func:`pack_map_png`).

    Raises
    ------
    InputError
        If the rows are empty or span several sites, or a column is missing.
    """
    lang = lang or scenario.output.language
    cams = _as_frame(cameras, incidents.crs)
    feet = _as_frame(footprints, incidents.crs)
    if cams.empty:
        msg = "site_pack: no camera rows were given; pass the rows of one site_id."
        raise InputError(msg)
    sites = sorted(map(str, pd.unique(cams["site_id"])))
    if len(sites) != 1:
        msg = f"site_pack: the camera rows span {len(sites)} sites {sites[:3]}; pass one site."
        raise InputError(msg)
    site_id = sites[0]
    assessment_date = assessment_date or scenario.legal.plan_date
    classes = set(map(str, cams["legal_class"]))
    # A site is as strict as its strictest camera.
    cls = next(c for c in ("general", "stop_area_borderline", "stop_area") if c in classes)
    kind = pack_kind(regime, cls)
    info = legal.REGIMES[regime]
    foot_geoms = [feet.geometry.get(cid) if cid in feet.index else None for cid in cams.index]
    valid = [g for g in foot_geoms if g is not None and not shapely.is_empty(g)]
    recorded = shapely.union_all(valid) if valid else None
    table = incident_table(recorded, incidents, tz=scenario.study_area.timezone)
    counts = hour_weekday_table(table)
    names = _weekday_names(lang)
    site_pt = cams.geometry.iloc[0]
    place = _places(cams.iloc[:1], corridors, lang=lang).iloc[0]
    mask = (
        masking[masking["camera_id"].isin(set(map(str, cams.index)))]
        if masking is not None and len(masking)
        else None
    )
    codes = _purpose_codes(cams["purpose"].iloc[0]) if "purpose" in cams else []
    first = cams.iloc[0]
    stop = _nearest_stop(site_pt, stops)
    if stop is not None:
        stop["radius_m"] = float(scenario.legal.stop_area_radius_m)
        stop["within_radius"] = stop["distance_m"] <= stop["radius_m"]
    reasons = list(dict.fromkeys(_text(r) for r in cams.get("legal_reason", []) if _text(r)))
    by_cat = sorted(
        table["category"].astype(str).value_counts().items(), key=lambda kv: (-kv[1], kv[0])
    )
    pack: dict[str, Any] = {
        "site_id": site_id,
        "file_stem": _SAFE_NAME.sub("_", site_id),
        "lang": lang,
        "regime": regime,
        "regime_title": info.title,
        "kind": kind,
        "legal_class": cls,
        "borderline": cls == "stop_area_borderline",
        "legal_wording": legal.wording(regime, cls),
        "legal_reasons": reasons,
        "fictional": bool(scenario.study_area.fictional),
        "study_area": scenario.study_area.title or scenario.study_area.name,
        "place": {
            "street": place["street"],
            "area": place["area"],
            "place_type": place["place_type"],
            "description": place["description"],
            "lon": float(first["lon"]) if "lon" in first else None,
            "lat": float(first["lat"]) if "lat" in first else None,
        },
        "cameras": [
            _camera_entry(cid, cam, g, scenario, lang)
            for (cid, cam), g in zip(cams.iterrows(), foot_geoms, strict=True)
        ],
        "recorded_area_m2": 0.0 if recorded is None else float(shapely.area(recorded)),
        "purpose_codes": codes,
        "purposes": [_purpose_text([c], lang) for c in codes],
        "exempt_purpose": any(c in _EXEMPT_PURPOSES for c in codes),
        "incidents": [
            {
                "date": r.date,
                "time": r.time,
                "weekday": names[int(r.weekday)],
                "category": r.category,
            }
            for r in table.itertuples(index=False)
        ],
        "n_incidents": len(table),
        "incident_buffer_m": INCIDENT_BUFFER_M,
        "categories": [(k, int(v)) for k, v in by_cat],
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
        "recording_hours": recording_hours(table, lang=lang),
        "retention_days": int(scenario.output.retention_days),
        "masking": []
        if mask is None
        else [
            {"camera_id": r.camera_id, "building_id": r.building_id, "area_m2": float(r.area_m2)}
            for r in mask.itertuples(index=False)
        ],
        "stop": stop,
        "statute": {
            "requirement": STATUTE["permit"].format(ref=info.general_ref)
            if kind == "permit"
            else STATUTE["assessment"]
            if kind == "assessment"
            else STATUTE[f"exemption.{regime}"],
            "general_ref": info.general_ref,
            "exemption_ref": info.exemption_ref,
            "signage": STATUTE["signage"],
            "gdpr_basis": STATUTE["gdpr_basis"],
            "dpia": STATUTE["dpia"],
            "retention": STATUTE["retention"].format(days=int(scenario.output.retention_days)),
            "keep_5_years": STATUTE["keep_5_years"],
            "purpose": STATUTE["exemption_purpose"]
            if any(c in _EXEMPT_PURPOSES for c in codes)
            else STATUTE["no_exemption_purpose"],
            "borderline": STATUTE["borderline"],
        },
        "assessment_date": assessment_date.isoformat(),
        "next_review_date": _add_months(assessment_date, 12).isoformat(),
        "register": register_rows(
            cams,
            scenario=scenario,
            assessment_date=assessment_date,
            corridors=corridors,
            masking=mask,
            lang=lang,
        )
        .reset_index()
        .to_dict(orient="records")
        if kind == "assessment"
        else [],
        "map": {
            "footprints": valid,
            "cameras": list(cams.geometry.to_numpy()),
            "masking": [] if mask is None else list(mask.geometry.to_numpy()),
            "buildings": buildings,
            "corridors": corridors,
            "stops": stops,
        },
    }
    return pack


# ----------------------------------------------------------------------------------------------
# Rendering


def pack_map_png(pack: Mapping[str, Any], *, margin_m: float = 25.0) -> bytes | None:
    """
    A small PNG map of the recorded area: footprints, masking, buildings, streets, stops.

    Parameters
    ----------
    pack
        Output of :func:`site_pack`.
    margin_m
        Space around the recorded area, in metres.

    Returns
    -------
    png
        The image bytes, or None when the site records no area.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    layers = pack["map"]
    feet = [g for g in layers["footprints"] if g is not None]
    pts = [p for p in layers["cameras"] if p is not None]
    if not feet and not pts:
        return None
    xmin, ymin, xmax, ymax = shapely.total_bounds(np.array(feet + pts, dtype=object))
    box = shapely.box(xmin - margin_m, ymin - margin_m, xmax + margin_m, ymax + margin_m)
    fig = Figure(figsize=(5.0, 5.0), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)

    def clip(layer: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame | None:
        if layer is None or layer.empty:
            return None
        hit = layer.sindex.query(box, predicate="intersects")
        return layer.iloc[np.sort(hit)] if len(hit) else None

    blds = clip(layers.get("buildings"))
    if blds is not None:
        resid = blds["residential"].fillna(False).astype(bool) if "residential" in blds else False
        colors = np.where(resid, "#b08968", "#c8c8c8")
        blds.geometry.plot(ax=ax, color=colors, edgecolor="#666666", linewidth=0.4)
    corr = clip(layers.get("corridors"))
    if corr is not None:
        corr.geometry.plot(ax=ax, color="#555555", linewidth=1.0)
    gpd.GeoSeries(feet).plot(ax=ax, color="#1f5fa8", alpha=0.3, edgecolor="#1f5fa8")
    if layers["masking"]:
        gpd.GeoSeries(layers["masking"]).plot(
            ax=ax, facecolor="none", edgecolor="#c0392b", hatch="////", linewidth=0.8
        )
    stops = clip(layers.get("stops"))
    if stops is not None:
        stops.geometry.plot(ax=ax, color="#2e8b57", marker="s", markersize=30)
    gpd.GeoSeries(pts).plot(ax=ax, color="#c0392b", marker="^", markersize=60, zorder=5)
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
    bar = 10.0 if (xmax - xmin) < 80 else 50.0
    x0, y0 = box.bounds[0] + 5, box.bounds[1] + 5
    ax.plot([x0, x0 + bar], [y0, y0], color="black", linewidth=2)
    ax.text(x0, y0 + 2, f"{bar:.0f} m", fontsize=8)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    return buf.getvalue()


def _md_escape(value: Any) -> Any:
    """Escape text for Markdown: it cannot open HTML tags, break table cells or lines."""
    if isinstance(value, str):
        text = html.escape(value, quote=False).replace("|", "\\|")
        return " ".join(text.splitlines())
    if isinstance(value, Mapping):
        return {k: v if k == "map" else _md_escape(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_md_escape(v) for v in value)
    return value


def _fmt_num(value: Any, digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "–"
    return f"{float(value):,.{digits}f}".replace(",", "\u00a0")


def _environment(*, markdown: bool, lang: str) -> Any:
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

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
    env.globals["t"] = lambda key, **kw: t(key, lang, **kw)
    env.filters["num"] = _fmt_num
    return env


def _lang_of(packs: list[Mapping[str, Any]], lang: str | None) -> str:
    return lang or (packs[0]["lang"] if packs else "sv")


def render_pack_markdown(pack: Mapping[str, Any], *, map_file: str | None = None) -> str:
    """
    Render one pack as Markdown (text escaped: no HTML from names can get through).

    Parameters
    ----------
    pack
        Output of :func:`site_pack`.
    map_file
        Relative path of the map image to link, if one was written.

    Returns
    -------
    markdown
        The pack.
    """
    env = _environment(markdown=True, lang=pack["lang"])
    return env.get_template("pack_site.md.j2").render(
        p=_md_escape(dict(pack)), map_file=map_file, level=1
    )


def render_combined_markdown(
    packs: list[Mapping[str, Any]],
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
        Outputs of :func:`site_pack`.
    register
        Output of :func:`register_rows`.
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
        packs=[_md_escape(dict(p)) for p in packs],
        register=_md_escape(register.reset_index().to_dict(orient="records")),
        title=_md_escape(title),
        map_files=dict(map_files or {}),
        fictional=any(p["fictional"] for p in packs),
    )


def _png_uri(pack: Mapping[str, Any]) -> str | None:
    png = pack_map_png(pack)
    return None if png is None else "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def render_pack_html(pack: Mapping[str, Any], *, map_uri: str | None = None) -> str:
    """
    Render one pack as self-contained HTML (map inline, all text escaped).

    Parameters
    ----------
    pack
        Output of :func:`site_pack`.
    map_uri
        A ready PNG data URI of the map; drawn with :func:`pack_map_png` if None.

    Returns
    -------
    html
        The pack.
    """
    return _render_html([pack], maps={pack["site_id"]: map_uri or _png_uri(pack)}, combined=False)


def render_combined_html(
    packs: list[Mapping[str, Any]],
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
        Outputs of :func:`site_pack`.
    register
        Output of :func:`register_rows`.
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
    maps = dict(maps or {})
    for p in packs:
        if p["site_id"] not in maps:
            maps[p["site_id"]] = _png_uri(p)
    return _render_html(packs, maps=maps, combined=True, register=register, lang=lang, title=title)


def _render_html(
    packs: list[Mapping[str, Any]],
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
        packs=packs,
        maps=maps,
        combined=combined,
        register=[] if register is None else register.reset_index().to_dict(orient="records"),
        title=title or (packs[0]["study_area"] if packs else ""),
        fictional=any(p["fictional"] for p in packs),
    )


# ----------------------------------------------------------------------------------------------
# Writer


def write_paperwork(result: PlanResult, out_dir: str | Path) -> gpd.GeoDataFrame | None:
    """
    Write the paperwork of a plan: one pack per site, the combined pack and the register.

    Files: ``paperwork/<site_id>.md``, ``.html`` and ``.png`` (map), ``paperwork/samlat.md``
    and ``samlat.html`` (``combined.*`` in English), and ``register.csv``.

    Parameters
    ----------
    result
        The plan (reads scenario, regime, inputs, corridors, cameras and footprints).
    out_dir
        Output folder (created if needed).

    Returns
    -------
    masking
        The masking layer (see :func:`masking_polygons`), or None when nothing is masked.
    """
    out_dir = Path(out_dir)
    folder = out_dir / "paperwork"
    folder.mkdir(parents=True, exist_ok=True)
    sc = result.scenario
    lang = sc.output.language
    cams = result.cameras.sort_index()
    feet = result.footprints
    buildings = result.inputs.osm.buildings
    masking = masking_polygons(feet, buildings) if len(feet) and buildings is not None else None
    stops = result.inputs.transit.stops
    date = sc.legal.plan_date
    packs = []
    maps: dict[str, str | None] = {}
    map_files: dict[str, str] = {}
    for _site_id, group in cams.groupby("site_id", sort=True):
        pack = site_pack(
            group,
            feet.loc[feet.index.intersection(group.index)],
            regime=result.regime,
            incidents=result.inputs.incidents,
            masking=masking,
            stops=stops,
            scenario=sc,
            lang=lang,
            buildings=buildings,
            corridors=result.corridors,
            assessment_date=date,
        )
        stem = pack["file_stem"]
        png = pack_map_png(pack)
        if png is not None:
            (folder / f"{stem}.png").write_bytes(png)
            map_files[pack["site_id"]] = f"{stem}.png"
            maps[pack["site_id"]] = "data:image/png;base64," + base64.b64encode(png).decode()
        else:
            maps[pack["site_id"]] = None
        (folder / f"{stem}.md").write_text(
            render_pack_markdown(pack, map_file=map_files.get(pack["site_id"])), encoding="utf-8"
        )
        (folder / f"{stem}.html").write_text(
            _render_html([pack], maps={pack["site_id"]: maps[pack["site_id"]]}, combined=False),
            encoding="utf-8",
        )
        packs.append(pack)
    register = register_rows(
        cams,
        scenario=sc,
        assessment_date=date,
        corridors=result.corridors,
        masking=masking,
        lang=lang,
    )
    register.to_csv(out_dir / "register.csv", float_format="%.6f")
    name = t("paperwork.combined_file", lang)
    title = sc.study_area.title or sc.study_area.name
    (folder / f"{name}.md").write_text(
        render_combined_markdown(
            packs, register=register, lang=lang, title=title, map_files=map_files
        ),
        encoding="utf-8",
    )
    (folder / f"{name}.html").write_text(
        render_combined_html(packs, register=register, lang=lang, title=title, maps=maps),
        encoding="utf-8",
    )
    kinds = pd.Series([p["kind"] for p in packs], dtype=object).value_counts()
    log.info(
        "paperwork: %d site pack(s) (%d permit, %d assessment, %d exemption, %d for legal "
        "review), %d register row(s), %d masking polygon(s) -> %s",
        len(packs),
        kinds.get("permit", 0),
        kinds.get("assessment", 0),
        kinds.get("exemption", 0),
        sum(p["borderline"] for p in packs),
        len(register),
        0 if masking is None else len(masking),
        folder,
    )
    return masking if masking is not None and len(masking) else None
