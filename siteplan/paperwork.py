"""Legal paperwork per camera site: the content of the packs and the 10 § register.

One pack per planned site says what the camera-law regime asks for at that place:

- ``permit`` (``kbl-2018``; ``general`` and ``stop_area_borderline`` sites under ``kbl-2020``):
  the content of a permit application: map of the recorded area, incidents at the place by
  date, time and type and by hour and weekday, proposed recording days and hours, cameras and
  optics, purpose, retention, masking and real-time viewing (a placeholder to fill in);
- ``assessment`` (``general`` and ``stop_area_borderline`` sites under ``kbl-2025``): the
  documented balancing of interests (8–9 §§) and the entry in the förteckning (10 §);
- ``exemption`` (``stop_area`` sites under ``kbl-2020`` and ``kbl-2025``, classed by what the
  cameras film): why the stop-area exemption applies, the evidence that the place is
  crime-exposed (7 § necessity) and what still applies (signage, GDPR, retention).

Borderline sites carry the exemption argument as an annex and a legal-review note. Every pack
ends with a checklist for the municipal lawyer. Incidents appear in packs only as tables of
date, time, weekday and type, inside the recorded area and, separately, in a near-zone around
it (``legal.near_zone_m``, an assumption), never with coordinates. Legal wording follows
``output.language`` (statute names and quotes stay Swedish). This module computes the
content (:class:`SitePack`, :func:`register_rows`);
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
    "CHECKLIST",
    "INCIDENT_BUFFER_M",
    "NOT_APPLICABLE",
    "PURPOSE_WORDS",
    "REGISTER_COLUMNS",
    "STATUTE",
    "STATUTE_EN",
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

#: Incidents this close to a recorded area count as "in the recorded area" (metres): none
#: outside it (IMY asks for the crimes within the surveilled area; the near-zone is separate).
INCIDENT_BUFFER_M = 0.0
#: The förteckning's assessment column for a camera exempt under 11 § 5 b.
NOT_APPLICABLE = {"sv": "ej tillämpligt (11 § 5 b)", "en": "not applicable (11 § 5 b)"}
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
    "start_date",
    "end_date",
    "status",
    "changed_dates",
    "legal_class",
    "register_required",
    "note",
    "lon",
    "lat",
)
#: Statute references and legal wording in Swedish (statute names and quotes stay Swedish in
#: :data:`STATUTE_EN` too). Placeholders: {authority}, {ref}, {days}, {general_ref}, ...
STATUTE: dict[str, str] = {
    "signage": (
        "Upplysning om kamerabevakningen ska lämnas genom tydlig skyltning eller på något annat "
        "verksamt sätt (15 § KBL)."
    ),
    "gdpr_basis": (
        "Rättslig grund för personuppgiftsbehandlingen: artikel 6.1 e dataskyddsförordningen "
        "(uppgift av allmänt intresse) med stöd i nationell rätt enligt artikel 6.3, jfr 7 § KBL."
    ),
    "dpia": (
        "Konsekvensbedömning avseende dataskydd (artikel 35 dataskyddsförordningen) krävs vid "
        "systematisk övervakning av allmän plats."
    ),
    "retention": (
        "Inspelat material bevaras i {days} dygn och raderas därefter automatiskt "
        "(dataskyddsförordningen artikel 5.1 e, lagringsminimering)."
    ),
    "necessity": (
        "Kommunen kamerabevakar vid utförande av en uppgift av allmänt intresse (7 § KBL). Även "
        "där undantaget gäller ska bevakningen vara nödvändig för ändamålet och platsen "
        "brottsutsatt: händelserna inom det bevakade området visar behovet."
    ),
    "permit": "Tillstånd från {authority} krävs enligt {ref}.",
    "permit_historical": (
        "Historisk jämförelse: enligt reglerna i {regime} (i kraft {start}–{end}) krävdes "
        "tillstånd från {authority} ({ref}). Det kravet gäller inte på planens datum {plan_date}."
    ),
    "assessment": (
        "Kamerabevakning får bara ske om intresset av bevakningen väger tyngre än den enskildes "
        "intresse av att inte bli bevakad (8 §). Bevakningsintresset bedöms efter ändamålen i "
        "8 § första stycket; den enskildes intresse efter hur bevakningen ska ske, vilken "
        "integritetsskyddande teknik som används och vilket område som bevakas (8 § andra "
        "stycket). Bedömningen görs och dokumenteras innan bevakningen startar (9 §), och "
        "bevakningen förs in i förteckningen över pågående kamerabevakning (10 §). Inget ges in "
        "till IMY; förteckningen visas för IMY på begäran."
    ),
    "keep_5_years": (
        "Den dokumenterade bedömningen ska bevaras i minst fem år efter att "
        "kamerabevakningen har upphört (9 § KBL); posten i förteckningen likaså (10 § KBL)."
    ),
    "exemption.kbl-2020": (
        "Hållplatsområdet är undantaget från tillståndsplikten enligt 9 § KBL i lydelse enligt "
        "SFS 2020:519."
    ),
    "exemption.kbl-2025": (
        "Bevakning av hållplatsområdet är undantagen från kraven i 8–10 §§ (intresseavvägning, "
        "dokumentation och förteckning) enligt 11 § 5 b KBL (SFS 2025:220). Undantaget gäller "
        "det område kameran filmar, inte var kameran sitter."
    ),
    "exemption_purpose": (
        "Undantaget gäller bara bevakning för att förebygga, förhindra eller upptäcka brottslig "
        "verksamhet, utreda eller lagföra brott, förebygga ordningsstörningar eller olyckor."
    ),
    "no_exemption_purpose": (
        "Inget av dessa ändamål är angivet: syftet trygghet ensamt omfattas inte av undantaget "
        "i {exemption_ref}."
    ),
    "borderline": (
        "Gränsfall: en del av det kameran filmar ligger utanför hållplatsområdet eller på ett "
        "stråk mellan hållplatser, som lagen inte nämner uttryckligen. Underlaget upprättas "
        "därför fullt ut ({general_ref}) med undantagsargumentet som bilaga: delar IMY inte "
        "kommunens tolkning har kraven annars åsidosatts, vilket kan leda till "
        "sanktionsavgift (25 § KBL)."
    ),
    "transition": (
        "Övergång 2025-04-01: tillstånd enligt äldre regler upphörde 2025-03-31. Bevakning som "
        "pågick med stöd av tillstånd behövde från 2025-04-01 en bedömning enligt 9 § och en "
        "post i förteckningen enligt 10 §."
    ),
    "review": (
        "Omprövning efter 12 månader är kommunens rutin. Lagen kräver en ny bedömning före en "
        "betydande förändring av bevakningen (9 § andra stycket)."
    ),
}

#: The legal wording of :data:`STATUTE` in English (statute names and quotes stay Swedish).
STATUTE_EN: dict[str, str] = {
    "signage": (
        "The public must be informed of the surveillance by clear signs or in some other "
        "effective way (15 § KBL)."
    ),
    "gdpr_basis": (
        "Legal basis of the processing: GDPR article 6.1 e (task in the public interest) laid "
        "down in national law under article 6.3, cf. 7 § KBL."
    ),
    "dpia": (
        "A data protection impact assessment (GDPR article 35) is required for systematic "
        "monitoring of a public place."
    ),
    "retention": (
        "Recordings are kept for {days} days and then deleted automatically (GDPR article "
        "5.1 e, storage limitation)."
    ),
    "necessity": (
        "The municipality films while performing a task in the public interest (7 § KBL). "
        "Even where the exemption applies, the surveillance must be necessary for its purpose "
        "and the place crime-exposed: the incidents inside the recorded area show the need."
    ),
    "permit": "A permit from {authority} is required under {ref}.",
    "permit_historical": (
        "Historical comparison: under the rules of {regime} (in force {start}–{end}) a permit "
        "from {authority} was required ({ref}). That requirement does not apply on the plan "
        "date {plan_date}."
    ),
    "assessment": (
        "Camera surveillance may only take place if the interest in it outweighs the "
        "individual's interest in not being filmed (8 §). The surveillance interest is judged "
        "by the purposes in 8 § första stycket; the individual's interest by how the "
        "surveillance is done, which privacy-protecting technology is used and which area is "
        "covered (8 § andra stycket). The assessment is made and documented before the "
        "surveillance starts (9 §), and the surveillance is entered in the förteckning of "
        "ongoing camera surveillance (10 §). Nothing is filed with IMY; the förteckning is "
        "shown to IMY on request."
    ),
    "keep_5_years": (
        "The documented assessment is kept for at least five years after the surveillance "
        "ends (9 § KBL); so is the förteckning entry (10 § KBL)."
    ),
    "exemption.kbl-2020": (
        "The stop area is exempt from the permit requirement under 9 § KBL as amended by "
        "SFS 2020:519."
    ),
    "exemption.kbl-2025": (
        "Surveillance of the stop area is exempt from 8–10 §§ (balancing of interests, "
        "documentation and förteckning) under 11 § 5 b KBL (SFS 2025:220). The exemption "
        "follows the area the camera films, not where the camera hangs."
    ),
    "exemption_purpose": (
        "The exemption applies only to surveillance to prevent, deter or detect criminal "
        "activity, investigate or prosecute crime, or prevent public-order disturbances or "
        "accidents."
    ),
    "no_exemption_purpose": (
        "None of these purposes is given: perceived safety (trygghet) alone is not covered by "
        "the exemption in {exemption_ref}."
    ),
    "borderline": (
        "Borderline: part of what the camera films lies outside the stop area or on a walkway "
        "between stops (stråk), which the statute does not name. The documents are therefore "
        "prepared in full ({general_ref}) with the exemption argument as an annex: if IMY does "
        "not share the municipality's reading, the duties would otherwise have been breached, "
        "which may lead to a sanction fee (25 § KBL)."
    ),
    "transition": (
        "Transition on 2025-04-01: permits under the older rules lapsed on 2025-03-31. "
        "Surveillance running under a permit needed a 9 § assessment and a 10 § förteckning "
        "entry from 2025-04-01."
    ),
    "review": (
        "A review after 12 months is the municipality's routine. The statute requires a new "
        "assessment before a significant (betydande) change of the surveillance "
        "(9 § andra stycket)."
    ),
}

#: The purposes in the statute's words (8 § and 11 § 5 b KBL), per language.
PURPOSE_WORDS: dict[str, dict[str, str]] = {
    "sv": {
        "crime": "förebygga, förhindra eller upptäcka brottslig verksamhet, utreda eller "
        "lagföra brott",
        "order": "förebygga ordningsstörningar",
        "accident": "förebygga olyckor",
        "trygghet": "trygghet (omfattas inte av undantaget i 11 § 5 KBL)",
    },
    "en": {
        "crime": "prevent, deter or detect criminal activity, investigate or prosecute crime "
        "(förebygga, förhindra eller upptäcka brottslig verksamhet, utreda eller lagföra brott)",
        "order": "prevent public-order disturbances (förebygga ordningsstörningar)",
        "accident": "prevent accidents (förebygga olyckor)",
        "trygghet": "perceived safety (trygghet; not covered by the exemption in 11 § 5 KBL)",
    },
}

#: The lawyer's checklist at the end of every pack (sv, en), in order.
CHECKLIST: dict[str, tuple[str, ...]] = {
    "sv": (
        "Rättslig grund: uppgift av allmänt intresse fastställd i nationell rätt "
        "(artikel 6.1 e och 6.3 dataskyddsförordningen).",
        "Konsekvensbedömning (DPIA, artikel 35) genomförd och diarieförd.",
        "Behandlingen införd i registret över behandlingar (artikel 30).",
        "Personuppgiftsbiträdesavtal med installatören och driftleverantören (artikel 28).",
        "Skylttext och skyltplaceringar fastställda (15 § KBL).",
        "Arbetsplats? Berörda arbetstagare informerade; förhandling enligt MBL vid behov.",
        "Realtidsövervakning: vem tittar, var och vilka tider.",
        "Lagringstid {days} dygn inställd i systemet.",
    ),
    "en": (
        "Legal basis: task in the public interest laid down in national law "
        "(GDPR article 6.1 e and 6.3).",
        "Data protection impact assessment (DPIA, article 35) done and filed.",
        "Processing entered in the record of processing activities (article 30).",
        "Processor agreement with the installer and the operator (article 28).",
        "Sign text and sign positions decided (15 § KBL).",
        "Workplace? Employees affected informed; negotiation under MBL where needed.",
        "Real-time viewing: who watches, where and at what hours.",
        "Retention of {days} days set in the system.",
    ),
}
_CHECK_BORDERLINE = {
    "sv": "Gränsfall: undantagsargumentet (bilaga) granskat; 9 § bedömning och 10 § post "
    "upprättade ändå.",
    "en": "Borderline: exemption argument (annex) reviewed; 9 § assessment and 10 § entry "
    "prepared anyway.",
}
_CHECK_EXEMPT = {
    "sv": "Undantag: kontrollerat på plats att kameran bara filmar hållplatsområdet.",
    "en": "Exemption: checked on site that the camera films only the stop area.",
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
    view_stop_area_share: float | None = None
    view_outside_m2: float | None = None
    mask_lost_share: float | None = None


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
    """Statute texts of a pack, in the pack's language (statute names stay Swedish)."""

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
    necessity: str = ""
    review: str = ""
    transition: str | None = None
    historical: str | None = None


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
        Incidents this close to the recorded area count (0: inside it).
    near_incidents, near_zone_m
        Incidents within `near_zone_m` of the recorded area but outside it (labelled apart).
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
    checklist
        What the municipal lawyer ticks before the cameras start.
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
    near_incidents: pd.DataFrame
    near_zone_m: float
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
    checklist: tuple[str, ...] = ()

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
            kind = t("paperwork.place_type.borderline", lang)
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
    """The purposes in the statute's words (see :data:`PURPOSE_WORDS`)."""
    words = PURPOSE_WORDS.get(lang, PURPOSE_WORDS["sv"])
    return "; ".join(words.get(code, code) for code in codes)


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
        "permit" under ``kbl-2018`` and for general and borderline sites under ``kbl-2020``;
        "assessment" for general and borderline sites under ``kbl-2025`` (borderline sites
        carry the exemption argument as an annex); "exemption" for stop-area sites where the
        exemption exists.

    Raises
    ------
    KeyError
        If the regime or class is unknown.
    """
    legal.wording(regime, legal_class)  # validates both
    info = legal.REGIMES[regime]
    if not info.exemption:
        return "permit"
    if legal_class != "stop_area":
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
    The 10 § förteckning: one row per camera.

    Under ``kbl-2025`` ongoing surveillance of a general place goes into the municipality's
    förteckning (10 § KBL; nothing is filed with IMY): address or description of the place,
    type of place, purpose, sound recording or special technology (image analytics or sound;
    privacy masking is not special technology), and the date of the latest assessment; plus
    start date, end date, status and change dates (entries are kept 5 years after the
    surveillance ends). Borderline cameras get an entry too (``register_required``), with the
    exemption argument in the pack's annex. Cameras exempt under 11 § 5 b get a row with
    "ej tillämpligt (11 § 5 b)" as assessment date; older regimes had no förteckning: their
    rows are an inventory, with ``register_required`` False and a note.

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
        Output of :func:`masking_polygons`; cameras with rows there use privacy masking (said
        in the note, not as special technology).
    lang
        "sv" or "en" (default: ``output.language``).

    Returns
    -------
    register
        Indexed by ``camera_id`` (sorted) with :data:`REGISTER_COLUMNS`; ``start_date``,
        ``end_date`` and ``changed_dates`` are empty and ``status`` "planerad" / "planned"
        until the municipality fills them in.

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
    """One camera's förteckning row (see :func:`register_rows`)."""
    cls = str(cam["legal_class"])
    required = regime == "kbl-2025" and cls != "stop_area"
    assessed: str = assessment_date.isoformat()
    if regime == "kbl-2025":
        note = (
            legal.REGIMES[regime].general_ref
            if cls == "general"
            else legal.wording(regime, cls, lang)
        )
        if cls == "stop_area":
            assessed = NOT_APPLICABLE.get(lang, NOT_APPLICABLE["sv"])
    else:
        note = t("paperwork.forteckning.none_in_regime", lang, regime=regime)
    if masked:
        note += "; " + t("paperwork.register.masking", lang)
    special = t("paperwork.forteckning.no_special", lang)
    return {
        "camera_id": cid,
        "site_id": cam["site_id"],
        "description": place["description"],
        "area": place["area"],
        "place_type": place["place_type"],
        "purpose": _purpose_text(_purpose_codes(cam.get("purpose")), lang),
        "sound_special": special,
        "assessment_date": assessed,
        "start_date": "",
        "end_date": "",
        "status": t("paperwork.forteckning.status_planned", lang),
        "changed_dates": "",
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
        **_view_numbers(cam),
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


def _view_numbers(cam: pd.Series) -> dict[str, float | None]:
    """The camera's view share inside stop areas, its outside area and masking loss, if known."""
    out: dict[str, float | None] = {}
    for name in ("view_stop_area_share", "view_outside_m2", "mask_lost_share"):
        value = cam.get(name)
        out[name] = None if value is None or pd.isna(value) else float(value)
    return out


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


def _statute(
    regime: str,
    kind: PackKind,
    codes: list[str],
    *,
    retention_days: int,
    lang: str = "sv",
    plan_date: dt.date | None = None,
) -> PackStatute:
    """
    The statute texts of a pack of `kind` under `regime`, in `lang`.

    A permit under a regime not in force on `plan_date` (a historical comparison) is worded
    in the past tense, never as current law.
    """
    texts = STATUTE_EN if lang == "en" else STATUTE
    info = legal.REGIMES[regime]
    historical = None
    authority = info.authority if plan_date is None else legal.authority_on(plan_date)
    if plan_date is not None and not _in_force(info, plan_date):
        authority = info.authority
        historical = texts["permit_historical"].format(
            regime=regime,
            start=info.in_force_from.isoformat(),
            end=info.in_force_to.isoformat() if info.in_force_to else "",
            authority=authority,
            ref=info.general_ref,
            plan_date=plan_date.isoformat(),
        )
    if kind == "permit":
        permit = texts["permit"].format(authority=authority, ref=info.general_ref)
        requirement = historical or permit
    elif kind == "assessment":
        requirement = texts["assessment"]
    else:
        requirement = texts[f"exemption.{regime}"]
    exempt = any(c in _EXEMPT_PURPOSES for c in codes)
    purpose = texts["exemption_purpose"]
    if not exempt:
        purpose += " " + texts["no_exemption_purpose"].format(exemption_ref=info.exemption_ref)
    return PackStatute(
        requirement=requirement,
        general_ref=info.general_ref,
        exemption_ref=info.exemption_ref,
        signage=texts["signage"],
        gdpr_basis=texts["gdpr_basis"],
        dpia=texts["dpia"],
        retention=texts["retention"].format(days=retention_days),
        keep_5_years=texts["keep_5_years"],
        purpose=purpose,
        borderline=texts["borderline"].format(general_ref=info.general_ref),
        necessity=texts["necessity"],
        review=texts["review"],
        transition=texts["transition"] if regime == "kbl-2025" and kind != "exemption" else None,
        historical=historical,
    )


def _in_force(info: legal.RegimeInfo, day: dt.date) -> bool:
    return info.in_force_from <= day and (info.in_force_to is None or day <= info.in_force_to)


def _checklist(regime: str, cls: str, *, retention_days: int, lang: str) -> tuple[str, ...]:
    """The lawyer's checklist of a pack (see :data:`CHECKLIST`)."""
    key = "en" if lang == "en" else "sv"
    items = [item.format(days=retention_days) for item in CHECKLIST[key]]
    if cls == "stop_area_borderline":
        items.append(_CHECK_BORDERLINE[key])
    elif cls == "stop_area" and legal.REGIMES[regime].exemption:
        items.append(_CHECK_EXEMPT[key])
    return tuple(items)


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
        **_legal_fields(cams, regime, cls, codes, scenario, lang),
        fictional=bool(scenario.study_area.fictional),
        study_area=scenario.study_area.title or scenario.study_area.name,
        cameras=tuple(
            _camera_entry(cid, cam, g, scenario, lang)
            for (cid, cam), g in zip(cams.iterrows(), foot_geoms, strict=True)
        ),
        recorded_area_m2=0.0 if recorded is None else float(shapely.area(recorded)),
        **_purpose_fields(codes, lang),
        **_evidence_fields(
            recorded,
            incidents,
            scenario.study_area.timezone,
            lang,
            near_zone_m=float(scenario.legal.near_zone_m),
        ),
        retention_days=int(scenario.output.retention_days),
        masking=mask,
        **_place_fields(cams, mask, stops, corridors, scenario, assessment_date, lang),
        map=_pack_map(valid, cams, mask, buildings=buildings, corridors=corridors, stops=stops),
        checklist=_checklist(
            regime, cls, retention_days=int(scenario.output.retention_days), lang=lang
        ),
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
    cams: gpd.GeoDataFrame,
    regime: str,
    cls: str,
    codes: list[str],
    scenario: Scenario,
    lang: str,
) -> dict[str, Any]:
    """The regime, the paperwork kind, the class and its wording, reasons and statute texts."""
    kind = pack_kind(regime, cls)
    return {
        "regime": regime,
        "regime_title": legal.REGIMES[regime].title,
        "kind": kind,
        "legal_class": cls,
        "borderline": cls == "stop_area_borderline",
        "legal_wording": legal.wording(regime, cls, lang),
        "legal_reasons": tuple(
            dict.fromkeys(r for r in map(_text, cams.get("legal_reason", [])) if r)
        ),
        "statute": _statute(
            regime,
            kind,
            codes,
            retention_days=int(scenario.output.retention_days),
            lang=lang,
            plan_date=scenario.legal.plan_date,
        ),
    }


def _evidence_fields(
    recorded: BaseGeometry | None,
    incidents: gpd.GeoDataFrame,
    tz: str,
    lang: str,
    *,
    near_zone_m: float,
) -> dict[str, Any]:
    """
    The incidents in the recorded area, those in its near-zone, and the recording hours.

    Counts, the hour × weekday table and the proposed hours are of the recorded area; the
    near-zone (within `near_zone_m`, outside the area) is listed apart.
    """
    table = incident_table(recorded, incidents, tz=tz, buffer_m=INCIDENT_BUFFER_M)
    around = incident_table(recorded, incidents, tz=tz, buffer_m=near_zone_m)
    near = around[~around.index.isin(table.index)]
    by_cat = sorted(
        table["category"].astype(str).value_counts().items(), key=lambda kv: (-kv[1], kv[0])
    )
    return {
        "incidents": table,
        "incident_buffer_m": INCIDENT_BUFFER_M,
        "near_incidents": near,
        "near_zone_m": float(near_zone_m),
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
