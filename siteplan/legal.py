"""Camera-law regimes, stop areas and stråk: which corridor needs which procedure, and why.

Three regimes of the Camera Surveillance Act (kamerabevakningslagen 2018:1200, KBL) are encoded
in :data:`REGIMES` (see ../shared/DOMAIN.md §1). Code uses one vocabulary, ``legal_class`` in
{"stop_area", "stop_area_borderline", "general"}, and renders each regime's own Swedish words
with :func:`wording`. The statute gives no distance for a stop area and does not name the walkways
between stops (stråk): the radius, the walking distance and the stråk policy are configurable
assumptions, and every reason that rests on them says so ("Antagande, inte lag").
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from siteplan.config import LegalConfig
from siteplan.corridors import corridor_graph, snap_points
from siteplan.crs import require_same_crs
from siteplan.errors import InputError, InputWarning
from siteplan.schemas import require

__all__ = [
    "EXEMPT_PURPOSES",
    "LEGAL_CLASSES",
    "LEGAL_COLUMNS",
    "REGIMES",
    "STRAK_COLUMNS",
    "RegimeInfo",
    "classify",
    "classify_points",
    "find_strak",
    "regime_for",
    "wording",
]

log = logging.getLogger(__name__)

#: The closed vocabulary of ``legal_class``.
LEGAL_CLASSES = ("stop_area", "stop_area_borderline", "general")
#: Columns :func:`classify` and :func:`classify_points` add.
LEGAL_COLUMNS = (
    "legal_class",
    "legal_wording",
    "legal_reason",
    "legal_stop_id",
    "legal_distance_m",
    "legal_assumption",
)
#: Columns of :func:`find_strak`'s result.
STRAK_COLUMNS = (
    "stop_a",
    "stop_b",
    "station_a",
    "station_b",
    "name_a",
    "name_b",
    "walk_m",
    "corridor_ids",
)
#: Purposes for which the stop-area exemption applies (crime, public order, accidents).
EXEMPT_PURPOSES = frozenset({"crime", "order", "accident"})

_BORDERLINE_WORDS = "Undantag enligt kommunens tolkning – juridisk granskning rekommenderas"
_NOT_YET = "Tillstånd krävs (undantaget för kollektivtrafik infördes 2020-08-01)"
_STOP_COLUMNS = ("stop_name", "station_id", "route_ids", "geometry")


@dataclass(frozen=True)
class RegimeInfo:
    """
    One regime of the Camera Surveillance Act.

    Attributes
    ----------
    id
        Regime id, e.g. "kbl-2025".
    title
        Swedish name of the regime.
    in_force_from, in_force_to
        First and last day in force (`in_force_to` is None while in force).
    exemption
        Whether a stop-area exemption exists in this regime.
    exemption_ref
        Statute reference of the stop-area exemption, or None.
    general_ref
        Statute reference of what a general public place needs.
    general_requirement
        What a general place needs, as a Swedish clause ("tillstånd från IMY krävs").
    wording
        The regime's own Swedish words per ``legal_class``.
    """

    id: str
    title: str
    in_force_from: dt.date
    in_force_to: dt.date | None
    exemption: bool
    exemption_ref: str | None
    general_ref: str
    general_requirement: str
    wording: Mapping[str, str]


REGIMES: dict[str, RegimeInfo] = {
    "kbl-2018": RegimeInfo(
        id="kbl-2018",
        title="Kamerabevakningslagen (2018:1200) i ursprunglig lydelse",
        in_force_from=dt.date(2018, 8, 1),
        in_force_to=dt.date(2020, 7, 31),
        exemption=False,
        exemption_ref=None,
        general_ref="KBL 7 § (SFS 2018:1200, ursprunglig lydelse)",
        general_requirement="tillstånd från IMY krävs",
        wording={
            "stop_area": _NOT_YET,
            "stop_area_borderline": _NOT_YET,
            "general": "Tillstånd krävs",
        },
    ),
    "kbl-2020": RegimeInfo(
        id="kbl-2020",
        title="Kamerabevakningslagen (2018:1200) i lydelse enligt SFS 2020:519",
        in_force_from=dt.date(2020, 8, 1),
        in_force_to=dt.date(2025, 3, 31),
        exemption=True,
        exemption_ref="KBL 9 § i lydelse enligt SFS 2020:519",
        general_ref="KBL 7 § (SFS 2018:1200)",
        general_requirement="tillstånd från IMY krävs",
        wording={
            "stop_area": "Undantag från tillståndsplikt",
            "stop_area_borderline": _BORDERLINE_WORDS,
            "general": "Tillstånd krävs",
        },
    ),
    "kbl-2025": RegimeInfo(
        id="kbl-2025",
        title="Kamerabevakningslagen (2018:1200) i lydelse enligt SFS 2025:220",
        in_force_from=dt.date(2025, 4, 1),
        in_force_to=None,
        exemption=True,
        exemption_ref="KBL 11 § 5 b (SFS 2025:220)",
        general_ref="KBL 8–10 §§ (SFS 2025:220)",
        general_requirement="dokumenterad intresseavvägning och registrering krävs",
        wording={
            "stop_area": "Undantag från 8–10 §§ (11 § 5 b)",
            "stop_area_borderline": _BORDERLINE_WORDS,
            "general": "Dokumenterad intresseavvägning och registrering krävs (8–10 §§)",
        },
    ),
}


def regime_for(config: LegalConfig) -> str:
    """
    Return the regime id a plan falls under.

    Parameters
    ----------
    config
        The scenario's legal section: an explicit `regime` wins, else the regime in force on
        `plan_date`. Dates before 2018-08-01 get "kbl-2018", the earliest regime encoded.

    Returns
    -------
    regime
        A key of :data:`REGIMES`.
    """
    if config.regime is not None:
        return config.regime
    for info in REGIMES.values():
        if config.plan_date >= info.in_force_from and (
            info.in_force_to is None or config.plan_date <= info.in_force_to
        ):
            return info.id
    log.warning(
        "legal.plan_date %s is before KBL 2018:1200 came into force; using kbl-2018",
        config.plan_date,
    )
    return "kbl-2018"


def wording(regime: str, legal_class: str) -> str:
    """
    Return a regime's own Swedish words for a legal class.

    Parameters
    ----------
    regime
        A key of :data:`REGIMES`.
    legal_class
        {"stop_area", "stop_area_borderline", "general"}

    Returns
    -------
    words
        E.g. "Tillstånd krävs" for ("kbl-2020", "general").

    Raises
    ------
    KeyError
        If the regime or class is unknown (the message lists the known ones).
    """
    if regime not in REGIMES:
        msg = f"unknown regime {regime!r}; known: {sorted(REGIMES)}"
        raise KeyError(msg)
    if legal_class not in LEGAL_CLASSES:
        msg = f"unknown legal_class {legal_class!r}; known: {list(LEGAL_CLASSES)}"
        raise KeyError(msg)
    return REGIMES[regime].wording[legal_class]


def find_strak(
    corridors: gpd.GeoDataFrame,
    stops: gpd.GeoDataFrame,
    *,
    max_walk_m: float,
    graph: nx.Graph | None = None,
) -> pd.DataFrame:
    """
    Find stråk: shortest walks between nearby stops that serve different routes.

    Each stop is attached to its nearest corridor (within `max_walk_m`); the walk runs from the
    stop to the corridor, along the corridor graph, and off to the other stop. A pair counts
    when the walk is at most `max_walk_m`, the stops belong to different stations, both are
    served, and their route sets differ (a transfer is possible).

    Parameters
    ----------
    corridors
        Output of :func:`siteplan.corridors.build_corridors`.
    stops
        Stops indexed by stop_id with stop_name, station_id, route_ids (sorted tuple of route
        ids) and Point geometry, in the CRS of `corridors`.
    max_walk_m
        Longest walk between the two stops, in metres (``legal.strak_max_walk_m``).
    graph
        :func:`siteplan.corridors.corridor_graph` of `corridors`, if already built.

    Returns
    -------
    strak
        One row per stop pair (stop_a < stop_b), sorted by (stop_a, stop_b), with columns
        :data:`STRAK_COLUMNS`: the stops, their stations and names, the walk in metres and the
        corridor ids walked, in path order (tuple of str).

    Raises
    ------
    CRSError
        If the layers are unprojected or their CRSs differ.
    InputError
        If a column is missing or `max_walk_m` is not positive.

    Warns
    -----
    InputWarning
        If stops lie farther than `max_walk_m` from every corridor (they take no part).
    """
    require_same_crs(corridors, stops, "corridors", "stops")
    _require(stops, _STOP_COLUMNS, "stops", "Load the stops through siteplan.io.gtfs.")
    _require(corridors, ("u", "v", "length_m", "geometry"), "corridors", _BUILD_HINT)
    if not max_walk_m > 0:
        msg = f"max_walk_m must be > 0 (legal.strak_max_walk_m); got {max_walk_m!r}."
        raise InputError(msg)
    strak, n_served = _strak(corridors, stops, max_walk_m=max_walk_m, graph=graph)
    log.info(
        "find_strak: %d stop pairs within %g m walk on different routes, from %d served stops",
        len(strak),
        max_walk_m,
        n_served,
    )
    return strak


def _strak(
    corridors: gpd.GeoDataFrame,
    stops: gpd.GeoDataFrame,
    *,
    max_walk_m: float,
    graph: nx.Graph | None,
) -> tuple[pd.DataFrame, int]:
    """Stråk table (see :func:`find_strak`) and the number of served, snapped stops."""
    empty = pd.DataFrame({c: pd.Series(dtype=object) for c in STRAK_COLUMNS})
    empty["walk_m"] = empty["walk_m"].astype(float)
    if stops.empty or corridors.empty:
        return empty, 0

    stops = stops.sort_index()
    routes = {sid: _route_set(r) for sid, r in stops["route_ids"].items()}
    station = stops["station_id"].astype(str).to_dict()
    names = stops["stop_name"].to_dict()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InputWarning)  # warned below, in this step's words
        snapped = snap_points(stops, corridors, max_distance_m=max_walk_m)
    unsnapped = snapped["corridor_id"].isna()
    if unsnapped.any():
        msg = (
            f"find_strak: {int(unsnapped.sum())} of {len(stops)} stop(s) are more than "
            f"{max_walk_m:g} m from every corridor and take no part in stråk, e.g. "
            f"{snapped.index[unsnapped][:3].tolist()}. Check that the walk network covers them."
        )
        warnings.warn(msg, InputWarning, stacklevel=3)
    snapped = snapped[~unsnapped]
    served = [sid for sid in snapped.index if routes[sid]]

    walk_graph = (graph if graph is not None else corridor_graph(corridors)).copy()
    _add_stop_nodes(walk_graph, snapped.loc[served], corridors)

    rows = []
    for i, a in enumerate(served):
        partners = [
            b for b in served[i + 1 :] if station[a] != station[b] and routes[a] != routes[b]
        ]
        if not partners:
            continue
        dist, paths = nx.single_source_dijkstra(
            walk_graph, ("stop", a), cutoff=max_walk_m, weight="length_m"
        )
        for b in partners:
            node = ("stop", b)
            if node not in dist:
                continue
            path = paths[node]
            walked = []
            for x, y in itertools.pairwise(path):
                data = walk_graph.edges[x, y]
                if data.get("along_m", data["length_m"]) > 1e-6:
                    walked.append(data["corridor_id"])
            rows.append(
                {
                    "stop_a": a,
                    "stop_b": b,
                    "station_a": station[a],
                    "station_b": station[b],
                    "name_a": names[a],
                    "name_b": names[b],
                    "walk_m": float(dist[node]),
                    "corridor_ids": tuple(dict.fromkeys(walked)),
                }
            )
    strak = pd.DataFrame(rows, columns=list(STRAK_COLUMNS)) if rows else empty
    return strak.reset_index(drop=True), len(served)


def classify(
    corridors: gpd.GeoDataFrame,
    stops: gpd.GeoDataFrame,
    *,
    config: LegalConfig,
    graph: nx.Graph | None = None,
) -> gpd.GeoDataFrame:
    """
    Give every corridor segment its legal class under the plan's regime, with reasons.

    A segment within ``stop_area_radius_m`` of a stop (any platform of a station) is a stop
    area; a segment on a stråk (see :func:`find_strak`) gets its class from ``strak_policy``;
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
    _require(stops, _STOP_COLUMNS, "stops", "Load the stops through siteplan.io.gtfs.")
    _require(corridors, ("u", "v", "length_m", "geometry"), "corridors", _BUILD_HINT)
    regime = regime_for(config)
    stops = stops.sort_index()

    near = _nearest_stops(corridors.geometry, stops)
    strak, _ = _strak(corridors, stops, max_walk_m=config.strak_max_walk_m, graph=graph)
    best = _best_strak(strak)

    records = []
    for cid, row in zip(corridors.index, near.itertuples(index=False), strict=True):
        in_area = bool(row.distance_m <= config.stop_area_radius_m)
        pair = None if in_area else best.get(cid)
        records.append(_decide(row, pair, config=config, regime=regime, subject="segmentet"))
    out = corridors.copy()
    _assign(out, records)
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
    _require(stops, _STOP_COLUMNS, "stops", "Load the stops through siteplan.io.gtfs.")
    _require(
        corridors_classified,
        LEGAL_COLUMNS,
        "corridors_classified",
        "Run siteplan.legal.classify(corridors, stops, config=...) first.",
    )
    regime = regime_for(config)
    stops = stops.sort_index()
    near = _nearest_stops(points.geometry, stops)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InputWarning)  # far points simply fall back to general
        snapped = snap_points(points, corridors_classified, max_distance_m=snap_m)

    legal = corridors_classified[list(LEGAL_COLUMNS)]
    records = []
    for stop_row, (cid, d) in zip(
        near.itertuples(index=False),
        zip(snapped["corridor_id"], snapped["distance_m"], strict=True),
        strict=True,
    ):
        if stop_row.distance_m <= config.stop_area_radius_m or pd.isna(cid):
            records.append(_decide(stop_row, None, config=config, regime=regime, subject="platsen"))
            continue
        c = legal.loc[cid]
        stop_id = c["legal_stop_id"]
        records.append(
            (
                c["legal_class"],
                c["legal_wording"],
                f"Närmaste korridor {cid} ({d:.0f} m): {c['legal_reason']}",
                None if _missing(stop_id) else stop_id,
                float(c["legal_distance_m"]),
                bool(c["legal_assumption"]),
            )
        )
    out = points.copy()
    _assign(out, records)
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


# ---------------------------------------------------------------------------------------------
# helpers

_BUILD_HINT = "Build it with siteplan.corridors.build_corridors."


def _require(frame: pd.DataFrame, columns: Iterable[str], name: str, hint: str) -> None:
    require(frame, columns, name=name, hint=hint)


def _missing(value: Any) -> bool:
    return value is None or (not isinstance(value, str | tuple | list) and bool(pd.isna(value)))


def _route_set(value: Any) -> frozenset[str]:
    """Route ids of a stop as a set; a plain string is one route id."""
    if isinstance(value, str):
        return frozenset({value}) if value else frozenset()
    if value is None or (np.isscalar(value) and pd.isna(value)):
        return frozenset()
    return frozenset(str(r) for r in value)


def _nearest_stops(geoms: gpd.GeoSeries, stops: gpd.GeoDataFrame) -> pd.DataFrame:
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


def _add_stop_nodes(graph: nx.Graph, snapped: pd.DataFrame, corridors: gpd.GeoDataFrame) -> None:
    """
    Add each stop as a node ("stop", stop_id) joined to both ends of its corridor.

    Edge weights are real walks: off the stop to the corridor, then along it. Stops on the same
    corridor are also joined directly. `along_m` is the part walked on the corridor itself.
    """
    ends = corridors[["u", "v", "length_m"]]
    for cid, group in snapped.groupby("corridor_id", sort=True):
        u, v, length = ends.loc[cid, "u"], ends.loc[cid, "v"], float(ends.loc[cid, "length_m"])
        members = list(group.itertuples())
        for s in members:
            node = ("stop", s.Index)
            graph.add_edge(
                node, u, length_m=s.distance_m + s.position_m, along_m=s.position_m, corridor_id=cid
            )
            graph.add_edge(
                node,
                v,
                length_m=s.distance_m + length - s.position_m,
                along_m=length - s.position_m,
                corridor_id=cid,
            )
        for i, s in enumerate(members):
            for t in members[i + 1 :]:
                along = abs(s.position_m - t.position_m)
                graph.add_edge(
                    ("stop", s.Index),
                    ("stop", t.Index),
                    length_m=s.distance_m + along + t.distance_m,
                    along_m=along,
                    corridor_id=cid,
                )


def _best_strak(strak: pd.DataFrame) -> dict[str, Any]:
    """Corridor id -> the shortest stråk over it (ties: smallest stop pair)."""
    best: dict[str, Any] = {}
    ordered = strak.sort_values(["walk_m", "stop_a", "stop_b"], kind="stable")
    for row in ordered.itertuples(index=False):
        for cid in row.corridor_ids:
            best.setdefault(cid, row)
    return best


def _stop_text(name: Any, station_id: Any, stop_id: Any) -> str:
    label = f"{name} ({station_id}" if not _missing(name) else f"({station_id}"
    if stop_id is not None and str(stop_id) != str(station_id):
        label += f", läge {stop_id}"
    return label + ")"


def _decide(
    near: Any,
    pair: Any,
    *,
    config: LegalConfig,
    regime: str,
    subject: str,
) -> tuple[str, str, str, str | None, float, bool]:
    """Class, wording, reason, stop id, distance and assumption flag of one segment or site."""
    info = REGIMES[regime]
    radius = config.stop_area_radius_m
    radius_note = f"Antagande, inte lag: radie {radius:g} m (legal.stop_area_radius_m)."
    walk_note = (
        f"Antagande, inte lag: stråk upp till {config.strak_max_walk_m:g} m gångväg "
        f"(legal.strak_max_walk_m), legal.strak_policy = {config.strak_policy}."
    )
    has_stop = near.stop_id is not None and np.isfinite(near.distance_m)
    in_area = has_stop and near.distance_m <= radius
    stop_id = near.station_id if has_stop else None
    distance = float(near.distance_m) if has_stop else float("nan")
    need = info.general_requirement
    requirement = f"{need[0].upper()}{need[1:]} enligt {info.general_ref}."

    if in_area:
        found = (
            f"Hållplatsområde: {subject} ligger {near.distance_m:.0f} m från hållplatsen "
            f"{_stop_text(near.stop_name, near.station_id, near.stop_id)}, "
            f"inom radien {radius:g} m."
        )
        detected = "stop_area"
    elif pair is not None:
        found = (
            f"Stråk mellan hållplatserna {_stop_text(pair.name_a, pair.station_a, pair.stop_a)} "
            f"och {_stop_text(pair.name_b, pair.station_b, pair.stop_b)}: {pair.walk_m:.0f} m "
            "gångväg, olika linjer (byte)."
        )
        detected = "strak"
        stop_id = f"{pair.station_a}|{pair.station_b}"
        distance = float(pair.walk_m)
    elif has_stop:
        found = (
            f"Allmän plats: närmaste hållplats "
            f"{_stop_text(near.stop_name, near.station_id, near.stop_id)} ligger "
            f"{near.distance_m:.0f} m bort, utanför radien {radius:g} m "
            "(antagande, inte lag: legal.stop_area_radius_m)."
        )
        detected = "none"
    else:
        found = "Allmän plats: inga hållplatser i underlaget."
        detected = "none"

    if not info.exemption:
        reason = (
            "Undantaget för kollektivtrafikens hållplatsområden fanns ännu inte (infördes "
            f"2020-08-01 genom SFS 2020:519): {info.general_requirement} enligt "
            f"{info.general_ref}. {found}"
        )
        if detected == "stop_area":
            reason += f" {radius_note}"
        words = info.wording["stop_area" if detected != "none" else "general"]
        return "general", words, reason, stop_id, distance, False

    if not EXEMPT_PURPOSES.intersection(config.purposes):
        reason = (
            "Syftet trygghet ensamt är inte ett ändamål som undantaget gäller: "
            f"{info.exemption_ref} gäller bara bevakning för att förebygga eller upptäcka brott, "
            f"ordningsstörningar eller olyckor. {requirement}"
        )
        if detected != "none":
            reason += f" {found}"
        if detected == "stop_area":
            reason += f" {radius_note}"
        return "general", info.wording["general"], reason, stop_id, distance, False

    if detected == "stop_area":
        reason = f"{found} Undantaget gäller enligt {info.exemption_ref}. {radius_note}"
        return "stop_area", info.wording["stop_area"], reason, stop_id, distance, True
    if detected == "strak":
        policy = config.strak_policy
        if policy == "borderline":
            reason = (
                f"{found} Lagen nämner inte stråk uttryckligen; undantag enligt kommunens "
                f"tolkning av {info.exemption_ref} – juridisk granskning rekommenderas. {walk_note}"
            )
            cls = "stop_area_borderline"
        elif policy == "exempt":
            reason = (
                f"{found} Behandlas som hållplatsområde enligt kommunens tolkning av "
                f"{info.exemption_ref}. {walk_note}"
            )
            cls = "stop_area"
        else:
            reason = (
                f"{found} Stråk behandlas som allmän plats: {need} enligt {info.general_ref}. "
                f"{walk_note}"
            )
            cls = "general"
        return cls, info.wording[cls], reason, stop_id, distance, True
    reason = f"{found} {requirement}"
    return "general", info.wording["general"], reason, stop_id, distance, False


def _assign(out: pd.DataFrame, records: list[tuple[Any, ...]]) -> None:
    columns = list(zip(*records, strict=True)) if records else [[] for _ in LEGAL_COLUMNS]
    for name, values in zip(LEGAL_COLUMNS, columns, strict=True):
        out[name] = list(values)
    out["legal_distance_m"] = out["legal_distance_m"].astype(float)
    out["legal_assumption"] = out["legal_assumption"].astype(bool)
