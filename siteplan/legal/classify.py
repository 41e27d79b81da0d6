"""Classification: each corridor segment or camera site gets a legal class, wording and reason."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from typing import Any, Literal, NamedTuple

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from siteplan.config import LegalConfig
from siteplan.corridors import snap_points
from siteplan.crs import require_same_crs
from siteplan.errors import InputWarning
from siteplan.legal._common import BUILD_HINT, is_missing, require_columns
from siteplan.legal.regimes import EXEMPT_PURPOSES, REGIMES, RegimeInfo, regime_for
from siteplan.legal.stop_areas import STOP_COLUMNS, nearest_stops, served_stops
from siteplan.legal.strak import best_strak, strak_table

log = logging.getLogger(__name__)

#: Columns :func:`classify` and :func:`classify_points` add.
LEGAL_COLUMNS = (
    "legal_class",
    "legal_wording",
    "legal_reason",
    "legal_stop_id",
    "legal_distance_m",
    "legal_assumption",
)


class Decision(NamedTuple):
    """
    The legal decision for one corridor segment or camera site (one row of :data:`LEGAL_COLUMNS`).

    Attributes
    ----------
    legal_class
        One of :data:`~siteplan.legal.regimes.LEGAL_CLASSES`.
    wording
        The regime's own words for the class.
    reason
        Swedish: the rule, the stop or stop pair, the distance, the statute, the assumption.
    stop_id
        The station id; "<station_a>|<station_b>" for a stråk; None without stops.
    distance_m
        Metres to that stop, or the stråk's walk; NaN without stops.
    assumption
        True where a configured assumption (radius, stråk), not the statute, decided the class.
    """

    legal_class: str
    wording: str
    reason: str
    stop_id: str | None
    distance_m: float
    assumption: bool


def classify(
    corridors: gpd.GeoDataFrame,
    stops: gpd.GeoDataFrame,
    *,
    config: LegalConfig,
    graph: nx.Graph | None = None,
) -> gpd.GeoDataFrame:
    """
    Give every corridor segment its legal class under the plan's regime, with reasons.

    A segment within ``stop_area_radius_m`` of a served stop (any platform of a station with
    a departure; see :func:`~siteplan.legal.stop_areas.served_stops`) is a stop area; a
    segment on a stråk (see :func:`find_strak`) gets its class from ``strak_policy``;
    everything else is general. Under kbl-2018 the exemption did not exist yet, and when the
    only purpose is "trygghet" it does not apply: then every segment is general.

    Parameters
    ----------
    corridors
        Output of :func:`siteplan.corridors.build_corridors`.
    stops
        Stops indexed by stop_id with stop_name, station_id, route_ids and Point geometry, in
        the CRS of `corridors`.
    config
        The scenario's legal section (regime or plan date, radius, stråk distance and policy,
        purposes).
    graph
        :func:`siteplan.corridors.corridor_graph` of `corridors`, if already built.

    Returns
    -------
    classified
        A copy of `corridors` with :data:`LEGAL_COLUMNS`: `legal_class`, `legal_wording` (the
        regime's words), `legal_reason` (Swedish: rule, stop or stop pair, distance, statute,
        and the assumption used), `legal_stop_id` (the station id; "<station_a>|<station_b>"
        for a stråk; the nearest station for general segments), `legal_distance_m` (metres to
        that stop, or the stråk's walk) and `legal_assumption` (True where a configured
        assumption, not the statute, decided the class: stop areas by radius and stråk).

    Raises
    ------
    CRSError
        If the layers are unprojected or their CRSs differ.
    InputError
        If a column is missing.
    """
    require_same_crs(corridors, stops, "corridors", "stops")
    require_columns(stops, STOP_COLUMNS, "stops", "Load the stops through siteplan.io.gtfs.")
    require_columns(corridors, ("u", "v", "length_m", "geometry"), "corridors", BUILD_HINT)
    regime = regime_for(config)
    stops = stops[served_stops(stops).to_numpy()].sort_index()

    near = nearest_stops(corridors.geometry, stops)
    strak, _ = strak_table(corridors, stops, max_walk_m=config.strak_max_walk_m, graph=graph)
    best = best_strak(strak)

    records = []
    for cid, row in zip(corridors.index, near.itertuples(index=False), strict=True):
        in_area = bool(row.distance_m <= config.stop_area_radius_m)
        pair = None if in_area else best.get(cid)
        records.append(_decide(row, pair, config=config, regime=regime, subject="segmentet"))
    out = corridors.copy()
    assign_decisions(out, records)
    counts = out["legal_class"].value_counts()
    log.info(
        "classify (%s): %d segments: %d stop_area, %d stop_area_borderline, %d general; "
        "%d stråk pairs",
        regime,
        len(out),
        counts.get("stop_area", 0),
        counts.get("stop_area_borderline", 0),
        counts.get("general", 0),
        len(strak),
    )
    return out


def classify_points(
    points: gpd.GeoDataFrame,
    stops: gpd.GeoDataFrame,
    corridors_classified: gpd.GeoDataFrame,
    *,
    config: LegalConfig,
    snap_m: float = 15.0,
) -> gpd.GeoDataFrame:
    """
    Give camera candidate sites a legal class.

    A point within ``stop_area_radius_m`` of a stop is a stop area (under the regime and
    purposes); otherwise it takes the class of the nearest classified corridor within `snap_m`;
    otherwise it is general.

    Parameters
    ----------
    points
        Candidate sites (Points) in the CRS of `corridors_classified`.
    stops
        Stops as for :func:`classify`.
    corridors_classified
        Output of :func:`classify` for the same `config`.
    config
        The scenario's legal section.
    snap_m
        Largest distance in metres at which a point takes its class from a corridor.

    Returns
    -------
    classified
        A copy of `points` with :data:`LEGAL_COLUMNS`, as in :func:`classify`; a reason taken
        from a corridor starts with that corridor's id and distance.

    Raises
    ------
    CRSError
        If the layers are unprojected or their CRSs differ.
    InputError
        If a column is missing (run :func:`classify` first).
    """
    require_same_crs(points, corridors_classified, "points", "corridors_classified")
    require_same_crs(points, stops, "points", "stops")
    require_columns(stops, STOP_COLUMNS, "stops", "Load the stops through siteplan.io.gtfs.")
    require_columns(
        corridors_classified,
        LEGAL_COLUMNS,
        "corridors_classified",
        "Run siteplan.legal.classify(corridors, stops, config=...) first.",
    )
    regime = regime_for(config)
    near = nearest_stops(points.geometry, stops[served_stops(stops).to_numpy()].sort_index())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InputWarning)  # far points simply fall back to general
        snapped = snap_points(points, corridors_classified, max_distance_m=snap_m)
    legal = corridors_classified[list(LEGAL_COLUMNS)]
    records = []
    for stop_row, cid, d in zip(
        near.itertuples(index=False), snapped["corridor_id"], snapped["distance_m"], strict=True
    ):
        if stop_row.distance_m <= config.stop_area_radius_m or pd.isna(cid):
            records.append(_decide(stop_row, None, config=config, regime=regime, subject="platsen"))
        else:
            records.append(_from_corridor(legal.loc[cid], cid, d))
    out = points.copy()
    assign_decisions(out, records)
    counts = out["legal_class"].value_counts()
    log.info(
        "classify_points (%s): %d sites: %d stop_area, %d stop_area_borderline, %d general",
        regime,
        len(out),
        counts.get("stop_area", 0),
        counts.get("stop_area_borderline", 0),
        counts.get("general", 0),
    )
    return out


def _from_corridor(c: pd.Series, cid: Any, distance_m: float) -> Decision:
    """A site's decision taken over from its nearest classified corridor `c`."""
    stop_id = c["legal_stop_id"]
    return Decision(
        c["legal_class"],
        c["legal_wording"],
        f"Närmaste korridor {cid} ({distance_m:.0f} m): {c['legal_reason']}",
        None if is_missing(stop_id) else stop_id,
        float(c["legal_distance_m"]),
        bool(c["legal_assumption"]),
    )


def _stop_text(name: Any, station_id: Any, stop_id: Any) -> str:
    label = f"{name} ({station_id}" if not is_missing(name) else f"({station_id}"
    if stop_id is not None and str(stop_id) != str(station_id):
        label += f", läge {stop_id}"
    return label + ")"


class _Finding(NamedTuple):
    """What lies at a segment or site: a stop area, a stråk or neither, in Swedish words."""

    kind: Literal["stop_area", "strak", "none"]
    text: str
    stop_id: str | None
    distance_m: float


def _find(near: Any, pair: Any, *, radius: float, subject: str) -> _Finding:
    """The stop area (within `radius`), else the stråk `pair`, else the nearest stop (if any)."""
    has_stop = near.stop_id is not None and np.isfinite(near.distance_m)
    stop_id = near.station_id if has_stop else None
    distance = float(near.distance_m) if has_stop else float("nan")
    if has_stop and near.distance_m <= radius:
        text = (
            f"Hållplatsområde: {subject} ligger {near.distance_m:.0f} m från hållplatsen "
            f"{_stop_text(near.stop_name, near.station_id, near.stop_id)}, "
            f"inom radien {radius:g} m."
        )
        return _Finding("stop_area", text, stop_id, distance)
    if pair is not None:
        text = (
            f"Stråk mellan hållplatserna {_stop_text(pair.name_a, pair.station_a, pair.stop_a)} "
            f"och {_stop_text(pair.name_b, pair.station_b, pair.stop_b)}: {pair.walk_m:.0f} m "
            "gångväg, olika linjer (byte)."
        )
        return _Finding("strak", text, f"{pair.station_a}|{pair.station_b}", float(pair.walk_m))
    if has_stop:
        text = (
            f"Allmän plats: närmaste hållplats "
            f"{_stop_text(near.stop_name, near.station_id, near.stop_id)} ligger "
            f"{near.distance_m:.0f} m bort, utanför radien {radius:g} m "
            "(antagande, inte lag: legal.stop_area_radius_m)."
        )
        return _Finding("none", text, stop_id, distance)
    return _Finding("none", "Allmän plats: inga hållplatser i underlaget.", stop_id, distance)


def _decide(
    near: Any,
    pair: Any,
    *,
    config: LegalConfig,
    regime: str,
    subject: str,
) -> Decision:
    """Class, wording, reason, stop id, distance and assumption flag of one segment or site."""
    info = REGIMES[regime]
    radius = config.stop_area_radius_m
    radius_note = f"Antagande, inte lag: radie {radius:g} m (legal.stop_area_radius_m)."
    found = _find(near, pair, radius=radius, subject=subject)
    need = info.general_requirement
    requirement = f"{need[0].upper()}{need[1:]} enligt {info.general_ref}."
    radius_tail = f" {radius_note}" if found.kind == "stop_area" else ""

    if not info.exemption:
        reason = (
            "Undantaget för kollektivtrafikens hållplatsområden fanns ännu inte (infördes "
            f"2020-08-01 genom SFS 2020:519): {info.general_requirement} enligt "
            f"{info.general_ref}. {found.text}{radius_tail}"
        )
        words = info.wording["stop_area" if found.kind != "none" else "general"]
        return Decision("general", words, reason, found.stop_id, found.distance_m, False)

    if not EXEMPT_PURPOSES.intersection(config.purposes):
        reason = (
            f"Syftet trygghet ensamt omfattas inte av undantaget i {info.exemption_ref}: det "
            "gäller bevakning för att förebygga, förhindra eller upptäcka brottslig verksamhet, "
            "utreda eller lagföra brott, förebygga ordningsstörningar eller olyckor. "
            f"{requirement}"
        )
        if found.kind != "none":
            reason += f" {found.text}"
        reason += radius_tail
        return _general(info, reason, found)

    if found.kind == "stop_area":
        reason = f"{found.text} Undantaget gäller enligt {info.exemption_ref}. {radius_note}"
        cls = "stop_area"
        return Decision(cls, info.wording[cls], reason, found.stop_id, found.distance_m, True)
    if found.kind == "strak":
        return _strak_decision(info, found, config)
    return _general(info, f"{found.text} {requirement}", found)


def _general(info: RegimeInfo, reason: str, found: _Finding) -> Decision:
    """A general place decided by the statute (no assumption)."""
    return Decision(
        "general", info.wording["general"], reason, found.stop_id, found.distance_m, False
    )


def _strak_decision(info: RegimeInfo, found: _Finding, config: LegalConfig) -> Decision:
    """A segment on a stråk: its class follows ``legal.strak_policy`` (an assumption)."""
    walk_note = (
        f"Antagande, inte lag: stråk upp till {config.strak_max_walk_m:g} m gångväg "
        f"(legal.strak_max_walk_m), legal.strak_policy = {config.strak_policy}."
    )
    policy = config.strak_policy
    cls: str
    if policy == "borderline":
        reason = (
            f"{found.text} Lagen nämner inte stråk uttryckligen; undantag enligt kommunens "
            f"tolkning av {info.exemption_ref} – juridisk granskning rekommenderas. {walk_note}"
        )
        cls = "stop_area_borderline"
    elif policy == "exempt":
        reason = (
            f"{found.text} Behandlas som hållplatsområde enligt kommunens tolkning av "
            f"{info.exemption_ref}. {walk_note}"
        )
        cls = "stop_area"
    else:
        reason = (
            f"{found.text} Stråk behandlas som allmän plats: {info.general_requirement} enligt "
            f"{info.general_ref}. {walk_note}"
        )
        cls = "general"
    return Decision(cls, info.wording[cls], reason, found.stop_id, found.distance_m, True)


def assign_decisions(out: pd.DataFrame, records: Sequence[Decision]) -> None:
    """Write `records` into `out` as :data:`LEGAL_COLUMNS` (in place)."""
    columns: list[Sequence[Any]] = (
        list(zip(*records, strict=True)) if records else [[] for _ in LEGAL_COLUMNS]
    )
    for name, values in zip(LEGAL_COLUMNS, columns, strict=True):
        out[name] = list(values)
    out["legal_distance_m"] = out["legal_distance_m"].astype(float)
    out["legal_assumption"] = out["legal_assumption"].astype(bool)
