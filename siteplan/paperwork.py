"""Legal paperwork per camera site: the content of the packs and the 10 § register.

One pack per planned site says what the camera-law regime asks for at that place:

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
languages. This module computes the content (:class:`SitePack`, :func:`register_rows`);
:mod:`siteplan.render.paperwork` renders it.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from siteplan import legal
from siteplan.crs import require_projected, require_same_crs
from siteplan.errors import InputError
from siteplan.i18n import t
from siteplan.privacy import MASKING_COLUMNS
from siteplan.schemas import require

if TYPE_CHECKING:
    from siteplan.config import Scenario

__all__ = [
    "INCIDENT_BUFFER_M",
    "REGISTER_COLUMNS",
    "STATUTE",
    "NearestStop",
    "PackCamera",
    "PackKind",
    "PackMap",
    "PackPlace",
    "PackStatute",
    "SitePack",
    "hour_weekday_table",
    "incident_table",
    "pack_kind",
    "recording_hours",
    "register_rows",
    "site_pack",
    "site_packs",
]

log = logging.getLogger(__name__)

#: Incidents this close to a recorded area count as "at the place" (metres).
INCIDENT_BUFFER_M = 25.0
#: A named street farther than this from a camera is not used to describe its place (metres).
STREET_SEARCH_M = 50.0
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

_EXEMPT_PURPOSES = ("crime", "order", "accident")
_FOOTPATHS = frozenset({"footway", "path", "steps", "cycleway", "bridleway", "corridor"})
_SQUARES = frozenset({"pedestrian", "living_street"})
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")

#: The paperwork a site needs (see :func:`pack_kind`).
PackKind = Literal["permit", "assessment", "exemption"]


@dataclass(frozen=True)
class PackPlace:
    """Where a site is: street, area, type of place and a description (register wording)."""

    street: str | None
    area: str | None
    place_type: str
    description: str
    lon: float | None
    lat: float | None


@dataclass(frozen=True)
class PackCamera:
    """One camera of a site and its optics."""

    camera_id: str
    model: str
    mount: str
    mount_height_m: float | None
    hfov_deg: float
    horizontal_px: int | None
    level: str | None
    range_m: float
    azimuth_deg: float | None
    footprint_m2: float


@dataclass(frozen=True)
class NearestStop:
    """The stop nearest to a site and whether it lies within the stop-area radius."""

    stop_id: str
    stop_name: str
    station_id: str
    distance_m: float
    radius_m: float
    within_radius: bool


@dataclass(frozen=True)
class PackStatute:
    """Statute texts of a pack (Swedish in both languages: quoted law)."""

    requirement: str
    general_ref: str
    exemption_ref: str | None
    signage: str
    gdpr_basis: str
    dpia: str
    retention: str
    keep_5_years: str
    purpose: str
    borderline: str


@dataclass(frozen=True, eq=False)
class PackMap:
    """Geometries and layers for the map of the recorded area (working CRS)."""

    footprints: tuple[BaseGeometry, ...]
    cameras: tuple[BaseGeometry, ...]
    masking: tuple[BaseGeometry, ...]
    buildings: gpd.GeoDataFrame | None
    corridors: gpd.GeoDataFrame | None
    stops: gpd.GeoDataFrame | None


@dataclass(frozen=True, eq=False)
class SitePack:
    """
    Everything one site's paperwork says (the site's cameras together).

    Attributes
    ----------
    site_id, file_stem
        The site and a file-name-safe version of its id.
    lang
        Language of the labels: "sv" or "en".
    regime, regime_title
        The camera-law regime id and its title.
    kind
        The paperwork the site needs (see :func:`pack_kind`).
    legal_class, borderline
        The site's class (its strictest camera's) and whether it is a borderline stop area.
    legal_wording, legal_reasons
        The regime's wording of the class, and the cameras' classification reasons.
    fictional, study_area
        Whether the data are fictional, and the study area's title.
    place
        Street, area, type of place and description.
    cameras
        The cameras and their optics, in camera-id order.
    recorded_area_m2
        Area of the union of the footprints.
    purpose_codes, purposes, exempt_purpose
        The purposes (codes and labels) and whether one of them allows the exemption.
    incidents
        The evidence: :func:`incident_table` of the recorded area (date, time, weekday,
        hour, category; no coordinates).
    incident_buffer_m
        Incidents this close to the recorded area count.
    categories
        (category, count) pairs, most frequent first.
    hour_weekday
        :func:`hour_weekday_table` of `incidents` (24 × 7 counts).
    recording_hours
        Proposed recording days and hours (see :func:`recording_hours`).
    retention_days
        Days footage is kept.
    masking
        Rows of :func:`siteplan.privacy.masking_polygons` for the site's cameras (may be empty).
    stop
        The nearest stop, or None without stops.
    statute
        Statute texts that apply.
    assessment_date, next_review_date
        Date of the assessment and of the next review (12 months later).
    register
        :func:`register_rows` of the site's cameras.
    map
        Layers for the map of the recorded area.
    """

    site_id: str
    file_stem: str
    lang: str
    regime: str
    regime_title: str
    kind: PackKind
    legal_class: str
    borderline: bool
    legal_wording: str
    legal_reasons: tuple[str, ...]
    fictional: bool
    study_area: str
    place: PackPlace
    cameras: tuple[PackCamera, ...]
    recorded_area_m2: float
    purpose_codes: tuple[str, ...]
    purposes: tuple[str, ...]
    exempt_purpose: bool
    incidents: pd.DataFrame
    incident_buffer_m: float
    categories: tuple[tuple[str, int], ...]
    hour_weekday: pd.DataFrame
    recording_hours: str
    retention_days: int
    masking: pd.DataFrame
    stop: NearestStop | None
    statute: PackStatute
    assessment_date: dt.date
    next_review_date: dt.date
    register: pd.DataFrame
    map: PackMap

    @property
    def n_incidents(self) -> int:
        """Incidents at the place."""
        return len(self.incidents)


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
    start, length, chosen = _best_window(hours, days, need=min_share * n - 1e-9)
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


def _best_window(hours: np.ndarray, days: np.ndarray, *, need: float) -> tuple[int, int, list[int]]:
    """
    (start hour, length, weekdays) of the fewest weekly hours covering `need` incidents.

    Ties go to more incidents covered, then the earlier start, then fewer days. An incident
    before the start hour belongs to the day before (the window ran past midnight).
    """
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
    return best_plan


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


def pack_kind(regime: str, legal_class: str) -> PackKind:
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
    rows = [
        _register_row(
            cid,
            cam,
            places.loc[cid],
            regime=regime,
            masked=cid in masked,
            assessment_date=assessment_date,
            lang=lang,
        )
        for cid, cam in cams.iterrows()
    ]
    frame = pd.DataFrame(rows, columns=["camera_id", *REGISTER_COLUMNS])
    frame["register_required"] = frame["register_required"].astype(bool)
    return frame.set_index("camera_id")


def _register_row(
    cid: Any,
    cam: pd.Series,
    place: pd.Series,
    *,
    regime: str,
    masked: bool,
    assessment_date: dt.date,
    lang: str,
) -> dict[str, Any]:
    """One camera's register row."""
    cls = str(cam["legal_class"])
    required = regime == "kbl-2025" and cls == "general"
    if required:
        note = legal.REGIMES[regime].general_ref
    elif regime == "kbl-2025":
        note = legal.wording(regime, cls)
    else:
        note = t("paperwork.register.no_register", lang, regime=regime)
    special = t("paperwork.register.no_sound", lang)
    if masked:
        special += "; " + t("paperwork.register.masking", lang)
    return {
        "camera_id": cid,
        "site_id": cam["site_id"],
        "description": place["description"],
        "area": place["area"],
        "place_type": place["place_type"],
        "purpose": _purpose_text(_purpose_codes(cam.get("purpose")), lang),
        "sound_special": special,
        "assessment_date": assessment_date.isoformat(),
        "legal_class": cls,
        "register_required": required,
        "note": note,
        "lon": float(cam["lon"]) if "lon" in cam else np.nan,
        "lat": float(cam["lat"]) if "lat" in cam else np.nan,
    }


# ----------------------------------------------------------------------------------------------
# One pack


def _nearest_stop(
    point: BaseGeometry | None, stops: gpd.GeoDataFrame | None, *, radius_m: float
) -> NearestStop | None:
    if stops is None or stops.empty or point is None:
        return None
    pos, dist = _nearest_rows(np.array([point]), stops, max_distance_m=None)
    if pos[0] < 0:
        return None
    row = stops.iloc[pos[0]]
    return NearestStop(
        stop_id=str(stops.index[pos[0]]),
        stop_name=_text(row.get("stop_name")) or "",
        station_id=_text(row.get("station_id")) or str(stops.index[pos[0]]),
        distance_m=float(dist[0]),
        radius_m=float(radius_m),
        within_radius=bool(float(dist[0]) <= float(radius_m)),
    )


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
) -> PackCamera:
    px: int | None
    level: str | None
    height: float | None
    try:
        spec = scenario.camera(str(cam["model"]))
        px, level, height = spec.horizontal_px, spec.level, spec.mount_height_m
    except KeyError:
        px, level, height = None, None, None
    az = cam.get("azimuth_deg")
    return PackCamera(
        camera_id=str(cam_id),
        model=str(cam["model"]),
        mount=_mount_text(cam.get("mount"), lang),
        mount_height_m=height,
        hfov_deg=float(cam["hfov_deg"]),
        horizontal_px=px,
        level=level,
        range_m=float(cam["range_m"]),
        azimuth_deg=None if az is None or pd.isna(az) else float(az),
        footprint_m2=0.0 if foot is None else float(shapely.area(foot)),
    )


def _site_of(cams: gpd.GeoDataFrame) -> tuple[str, str]:
    """The one site id of `cams` and its class (the strictest of its cameras')."""
    if cams.empty:
        msg = "site_pack: no camera rows were given; pass the rows of one site_id."
        raise InputError(msg)
    sites = sorted(map(str, pd.unique(cams["site_id"])))
    if len(sites) != 1:
        msg = f"site_pack: the camera rows span {len(sites)} sites {sites[:3]}; pass one site."
        raise InputError(msg)
    classes = set(map(str, cams["legal_class"]))
    cls = next(c for c in ("general", "stop_area_borderline", "stop_area") if c in classes)
    return sites[0], cls


def _statute(regime: str, kind: PackKind, codes: list[str], *, retention_days: int) -> PackStatute:
    """The statute texts of a pack of `kind` under `regime`."""
    info = legal.REGIMES[regime]
    if kind == "permit":
        requirement = STATUTE["permit"].format(ref=info.general_ref)
    elif kind == "assessment":
        requirement = STATUTE["assessment"]
    else:
        requirement = STATUTE[f"exemption.{regime}"]
    exempt = any(c in _EXEMPT_PURPOSES for c in codes)
    return PackStatute(
        requirement=requirement,
        general_ref=info.general_ref,
        exemption_ref=info.exemption_ref,
        signage=STATUTE["signage"],
        gdpr_basis=STATUTE["gdpr_basis"],
        dpia=STATUTE["dpia"],
        retention=STATUTE["retention"].format(days=retention_days),
        keep_5_years=STATUTE["keep_5_years"],
        purpose=STATUTE["exemption_purpose" if exempt else "no_exemption_purpose"],
        borderline=STATUTE["borderline"],
    )


def _site_masking(masking: pd.DataFrame | None, camera_ids: Iterable[Any]) -> pd.DataFrame:
    """Rows of `masking` for these cameras; an empty frame when there are none."""
    if masking is None or not len(masking):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in MASKING_COLUMNS})
    return masking[masking["camera_id"].isin(set(map(str, camera_ids)))]


def _place(cams: gpd.GeoDataFrame, corridors: gpd.GeoDataFrame | None, lang: str) -> PackPlace:
    """The place of a site, described from its first camera."""
    place = _places(cams.iloc[:1], corridors, lang=lang).iloc[0]
    first = cams.iloc[0]
    return PackPlace(
        street=place["street"],
        area=place["area"],
        place_type=place["place_type"],
        description=place["description"],
        lon=float(first["lon"]) if "lon" in first else None,
        lat=float(first["lat"]) if "lat" in first else None,
    )


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
) -> SitePack:
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
        Output of :func:`siteplan.privacy.masking_polygons` (rows of other cameras are ignored).
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
        The pack (see :class:`SitePack`).

    Raises
    ------
    InputError
        If the rows are empty or span several sites, or a column is missing.
    """
    lang = lang or scenario.output.language
    cams = _as_frame(cameras, incidents.crs)
    feet = _as_frame(footprints, incidents.crs)
    site_id, cls = _site_of(cams)
    assessment_date = assessment_date or scenario.legal.plan_date
    foot_geoms = [feet.geometry.get(cid) if cid in feet.index else None for cid in cams.index]
    valid = tuple(g for g in foot_geoms if g is not None and not shapely.is_empty(g))
    recorded = shapely.union_all(valid) if valid else None
    mask = _site_masking(masking, cams.index)
    codes = _purpose_codes(cams["purpose"].iloc[0]) if "purpose" in cams else []
    return SitePack(
        site_id=site_id,
        file_stem=_SAFE_NAME.sub("_", site_id),
        lang=lang,
        **_legal_fields(cams, regime, cls, codes, scenario),
        fictional=bool(scenario.study_area.fictional),
        study_area=scenario.study_area.title or scenario.study_area.name,
        cameras=tuple(
            _camera_entry(cid, cam, g, scenario, lang)
            for (cid, cam), g in zip(cams.iterrows(), foot_geoms, strict=True)
        ),
        recorded_area_m2=0.0 if recorded is None else float(shapely.area(recorded)),
        **_purpose_fields(codes, lang),
        **_evidence_fields(recorded, incidents, scenario.study_area.timezone, lang),
        retention_days=int(scenario.output.retention_days),
        masking=mask,
        **_place_fields(cams, mask, stops, corridors, scenario, assessment_date, lang),
        map=_pack_map(valid, cams, mask, buildings=buildings, corridors=corridors, stops=stops),
    )


def _purpose_fields(codes: list[str], lang: str) -> dict[str, Any]:
    """The purpose codes, their labels and whether one of them allows the exemption."""
    return {
        "purpose_codes": tuple(codes),
        "purposes": tuple(_purpose_text([c], lang) for c in codes),
        "exempt_purpose": any(c in _EXEMPT_PURPOSES for c in codes),
    }


def _pack_map(
    footprints: tuple[BaseGeometry, ...],
    cams: gpd.GeoDataFrame,
    mask: pd.DataFrame,
    *,
    buildings: gpd.GeoDataFrame | None,
    corridors: gpd.GeoDataFrame | None,
    stops: gpd.GeoDataFrame | None,
) -> PackMap:
    """The layers of the map of the recorded area."""
    return PackMap(
        footprints=footprints,
        cameras=tuple(cams.geometry.to_numpy()),
        masking=tuple(mask.geometry.to_numpy()) if len(mask) else (),
        buildings=buildings,
        corridors=corridors,
        stops=stops,
    )


def _place_fields(
    cams: gpd.GeoDataFrame,
    mask: pd.DataFrame,
    stops: gpd.GeoDataFrame | None,
    corridors: gpd.GeoDataFrame | None,
    scenario: Scenario,
    assessment_date: dt.date,
    lang: str,
) -> dict[str, Any]:
    """The place, the nearest stop, the review dates and the register rows of a site."""
    return {
        "place": _place(cams, corridors, lang),
        "stop": _nearest_stop(
            cams.geometry.iloc[0], stops, radius_m=scenario.legal.stop_area_radius_m
        ),
        "assessment_date": assessment_date,
        "next_review_date": _add_months(assessment_date, 12),
        "register": register_rows(
            cams,
            scenario=scenario,
            assessment_date=assessment_date,
            corridors=corridors,
            masking=mask if len(mask) else None,
            lang=lang,
        ),
    }


def _legal_fields(
    cams: gpd.GeoDataFrame, regime: str, cls: str, codes: list[str], scenario: Scenario
) -> dict[str, Any]:
    """The regime, the paperwork kind, the class and its wording, reasons and statute texts."""
    kind = pack_kind(regime, cls)
    return {
        "regime": regime,
        "regime_title": legal.REGIMES[regime].title,
        "kind": kind,
        "legal_class": cls,
        "borderline": cls == "stop_area_borderline",
        "legal_wording": legal.wording(regime, cls),
        "legal_reasons": tuple(
            dict.fromkeys(r for r in map(_text, cams.get("legal_reason", [])) if r)
        ),
        "statute": _statute(
            regime, kind, codes, retention_days=int(scenario.output.retention_days)
        ),
    }


def _evidence_fields(
    recorded: BaseGeometry | None, incidents: gpd.GeoDataFrame, tz: str, lang: str
) -> dict[str, Any]:
    """The incidents in the recorded area, their counts and the proposed recording hours."""
    table = incident_table(recorded, incidents, tz=tz)
    by_cat = sorted(
        table["category"].astype(str).value_counts().items(), key=lambda kv: (-kv[1], kv[0])
    )
    return {
        "incidents": table,
        "incident_buffer_m": INCIDENT_BUFFER_M,
        "categories": tuple((str(k), int(v)) for k, v in by_cat),
        "hour_weekday": hour_weekday_table(table),
        "recording_hours": recording_hours(table, lang=lang),
    }


def site_packs(
    cameras: gpd.GeoDataFrame,
    footprints: gpd.GeoDataFrame,
    *,
    regime: str,
    incidents: gpd.GeoDataFrame,
    masking: pd.DataFrame | None,
    stops: gpd.GeoDataFrame | None,
    scenario: Scenario,
    buildings: gpd.GeoDataFrame | None = None,
    corridors: gpd.GeoDataFrame | None = None,
    assessment_date: dt.date | None = None,
    lang: str | None = None,
) -> tuple[SitePack, ...]:
    """
    The pack of every site of a plan, in site-id order.

    Parameters
    ----------
    cameras
        The plan's cameras (``PlanResult.cameras``) with ``site_id``.
    footprints
        Their footprints (``PlanResult.footprints``).
    regime, incidents, masking, stops, scenario, buildings, corridors, assessment_date, lang
        As for :func:`site_pack`; `assessment_date` defaults to ``legal.plan_date``.

    Returns
    -------
    packs
        One :class:`SitePack` per site; empty when the plan has no cameras.
    """
    lang = lang or scenario.output.language
    date = assessment_date or scenario.legal.plan_date
    packs = []
    for _site_id, group in cameras.sort_index().groupby("site_id", sort=True):
        packs.append(
            site_pack(
                group,
                footprints.loc[footprints.index.intersection(group.index)],
                regime=regime,
                incidents=incidents,
                masking=masking,
                stops=stops,
                scenario=scenario,
                lang=lang,
                buildings=buildings,
                corridors=corridors,
                assessment_date=date,
            )
        )
    kinds = pd.Series([p.kind for p in packs], dtype=object).value_counts()
    log.info(
        "paperwork: %d site pack(s) (%d permit, %d assessment, %d exemption, %d for legal review)",
        len(packs),
        kinds.get("permit", 0),
        kinds.get("assessment", 0),
        kinds.get("exemption", 0),
        sum(p.borderline for p in packs),
    )
    return tuple(packs)
