"""
Generate the embedded fictional sample town "Exempelstad" in ``siteplan/datasets/sample/``.

Everything here is invented: the street plan, the buildings, the bus network and the incidents
are drawn from a seeded random generator around lat 58.0, lon 15.0, so that the real code paths
(osmnx on OSM XML, a GTFS feed, the incident loader) run without the internet. The town has a
dense centre with a pedestrian street, a square and a station ("Resecentrum"), and three district
centres (Norrby, Västerby, Söderby) modelled on Skäggetorp, Ryd and Berga in Linköping.

Run ``python -m siteplan.datasets.build_sample [--out DIR]``. The same seed gives byte-identical
files: no clock, no set ordering, fixed zip timestamps, coordinates rounded before writing.
Geometry is designed in SWEREF 99 TM (EPSG:3006) metres and written in EPSG:4326.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import itertools
import json
import logging
import math
import zipfile
import zoneinfo
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

import networkx as nx
import numpy as np
import pyproj
import shapely
from shapely.geometry import LineString, Point, Polygon

from siteplan.datasets import SAMPLE_FILES, perceived_sample, sample_dir

__all__ = ["SEED", "build", "main"]

log = logging.getLogger(__name__)

#: Seed of the one random generator every part of the town is drawn from.
SEED = 20260115

XY = tuple[float, float]
_Grid = dict[tuple[int, int], XY]
_Segments = dict[int, list[dict[str, str] | None]]

_ORIGIN_LONLAT = (15.0, 58.0)
_ZIP_TIME = (2024, 1, 1, 0, 0, 0)
_URL = "https://exempelstad.example.com/trafik/"  # example.com: reserved, never real
_TZ = zoneinfo.ZoneInfo("Europe/Stockholm")
_INCIDENT_START = dt.date(2023, 1, 1)
_INCIDENT_END = dt.date(2025, 12, 31)
_N_INCIDENTS = 4200

#: highway values counted as walkable here (osmnx's "walk" filter also drops cycleways).
WALKABLE = (
    "footway",
    "path",
    "pedestrian",
    "steps",
    "residential",
    "tertiary",
    "primary",
    "service",
)
_DRIVE = ("primary", "tertiary", "residential")
#: Minimum distance from a way's centre line to any building, by highway value.
_SETBACK_M = {
    "primary": 14.0,
    "tertiary": 12.0,
    "residential": 10.0,
    "service": 6.0,
    "pedestrian": 9.0,
    "footway": 5.0,
    "path": 5.0,
    "steps": 5.0,
    "cycleway": 5.0,
}
_SPEED_M_S = {"primary": 12.0, "tertiary": 7.5, "residential": 6.5}
_ROUTE_COST = {"primary": 0.8, "tertiary": 1.0, "residential": 1.5}
_TAIL_M = 25.0  # overshooting connector ends shorter than this are cut back to the junction
_PLATFORM_OFFSET_M = 4.0
_STOP_SPACING_M = 380.0

# --- the centre: a jittered grid, NX north-south streets by NY east-west streets ---
_NX, _NY = 15, 13
_MID_I, _MID_J = 7, 6  # Storgatan and Ågatan; the square is the cell east/north of their junction
_PARK = (4, 8)
_SCHOOL = (11, 2)
_NS_NAMES = (
    "Västra vallgatan", "Repslagaregatan", "Drottninggatan", "Klostergatan", "Hospitalsgatan",
    "Kyrkogatan", "Prästgatan", "Storgatan", "Nygatan", "Tullgatan", "Smedjegatan",
    "Hantverkaregatan", "Östra Långgatan", "Bryggaregatan", "Östra vallgatan",
)  # fmt: skip
_EW_NAMES = (
    "Södra vallgatan", "Sandgatan", "Skolgatan", "Linnégatan", "Kvarngatan", "Hamngatan",
    "Ågatan", "Trädgårdsgatan", "Slottsgatan", "Borgmästaregatan", "Rådhusgatan",
    "Bangårdsgatan", "Järnvägsgatan",
)  # fmt: skip


@dataclass(frozen=True)
class _DistrictSpec:
    name: str
    centre: XY
    angle_deg: float
    entry: tuple[int, int]  # ring node facing the city, where the radial road arrives
    key_edge: tuple[tuple[int, int], tuple[int, int]]  # street beside the centre: the bus stop
    streets: tuple[str, ...]  # 5 north-south then 5 east-west names
    pub: str
    grill: str


_DISTRICTS = (
    _DistrictSpec(
        "Norrby", (-1150.0, 2250.0), 12.0, (3, 0), ((3, 2), (2, 2)),
        ("Lärkvägen", "Trastvägen", "Svalvägen", "Finkvägen", "Mesvägen",
         "Tranvägen", "Hägervägen", "Storkvägen", "Duvvägen", "Sparvvägen"),
        "Norrby Krog", "Norrby Pizzeria",
    ),
    _DistrictSpec(
        "Västerby", (-2750.0, -250.0), -8.0, (6, 3), ((4, 3), (4, 2)),
        ("Björkvägen", "Lindvägen", "Askvägen", "Almvägen", "Ekvägen",
         "Lönnvägen", "Rönnvägen", "Granvägen", "Tallvägen", "Hasselvägen"),
        "Puben Västerby", "Västerby Grill",
    ),
    _DistrictSpec(
        "Söderby", (1250.0, -1800.0), 20.0, (3, 6), ((3, 4), (4, 4)),
        ("Blåklintsvägen", "Vallmovägen", "Prästkragevägen", "Kattfotsvägen", "Liljevägen",
         "Rosenvägen", "Tulpanvägen", "Violvägen", "Nejlikevägen", "Klövervägen"),
        "Söderby Bar", "Söderby Kebab",
    ),
)  # fmt: skip

#: Bus routes: id, long name, colour, via nodes (grid references), weekday daytime headway (min).
_ROUTES: tuple[tuple[str, str, str, tuple[tuple[str, tuple[int, int]], ...], int], ...] = (
    ("1", "Norrby – City – Söderby", "0B5394",
     (("Norrby", (6, 4)), ("Norrby", (2, 4)), ("Norrby", (2, 2)), ("Norrby", (3, 2)),
      ("Norrby", (3, 0)), ("C", (2, 12)), ("C", (2, 6)), ("C", (12, 6)), ("C", (12, 0)),
      ("Söderby", (3, 6)), ("Söderby", (3, 4)), ("Söderby", (4, 4))), 10),
    ("2", "Västerby – City – Resecentrum", "A61C00",
     (("Västerby", (0, 2)), ("Västerby", (4, 2)), ("Västerby", (4, 3)), ("Västerby", (6, 3)),
      ("C", (0, 6)), ("C", (12, 6)), ("C", (12, 12)), ("C", (7, 12))), 10),
    ("3", "Resecentrum – Östra Långgatan – Söderby", "38761D",
     (("C", (7, 12)), ("C", (12, 12)), ("C", (12, 0)), ("Söderby", (3, 6)), ("Söderby", (3, 4)),
      ("Söderby", (4, 4)), ("Söderby", (4, 0))), 15),
    ("4", "Norrby – Tvärleden – Västerby", "674EA7",
     (("Norrby", (3, 2)), ("Norrby", (2, 2)), ("Norrby", (0, 2)), ("Norrby", (0, 3)),
      ("Västerby", (3, 6)), ("Västerby", (3, 4)), ("Västerby", (4, 4)), ("Västerby", (4, 3)),
      ("Västerby", (4, 2))), 15),
    ("5", "Sandgatan – Resecentrum – Östra vallgatan", "B45F06",
     (("C", (0, 1)), ("C", (2, 1)), ("C", (2, 12)), ("C", (7, 12)), ("C", (14, 12))), 15),
    ("6", "Västerby – Stora torget – Söderby", "134F5C",
     (("Västerby", (4, 2)), ("Västerby", (4, 3)), ("Västerby", (6, 3)), ("C", (0, 6)),
      ("C", (12, 6)), ("C", (12, 0)), ("Söderby", (3, 6)), ("Söderby", (3, 4)),
      ("Söderby", (4, 4))), 15),
)  # fmt: skip

#: Fictional place names for stops on roads without cross streets.
_PLACE_NAMES = (
    "Kvarnbacken", "Ekholmen", "Lillgården", "Tallbacken", "Sjöängen", "Gärdet", "Hagaberg",
    "Björkhagen", "Stenhagen", "Ängsvik", "Solbacka", "Lövsta", "Granhed", "Åsen", "Vreten",
    "Mossen", "Bäckdalen", "Ljungby", "Smedby", "Torpet",
)  # fmt: skip

_NIGHTLIFE = (  # (name, amenity, line, index, segment, fraction, side) in the centre grid
    ("Krogen Ankaret", "pub", "EW", _MID_J, _MID_I, 0.35, -1),
    ("Bar Torget", "bar", "EW", _MID_J, _MID_I, 0.70, -1),
    ("Café Natt", "bar", "NS", _MID_I, _MID_J, 0.50, -1),
    ("Torgkällaren", "pub", "EW", _MID_J + 1, _MID_I, 0.50, 1),
    ("Nattklubb Fyren", "nightclub", "NS", _MID_I, _MID_J + 2, 0.40, 1),
    ("Bar Stjärnan", "bar", "NS", _MID_I, _MID_J + 2, 0.75, -1),
    ("Gamla Puben", "pub", "NS", _MID_I, _MID_J + 3, 0.30, 1),
    ("Vinbaren", "bar", "NS", _MID_I, _MID_J + 3, 0.65, -1),
    ("Storgatans Grill", "fast_food", "NS", _MID_I, _MID_J + 4, 0.50, 1),
    ("Pub Kvarnen", "pub", "EW", _MID_J, _MID_I + 2, 0.40, 1),
    ("Klubb Kolibri", "nightclub", "EW", _MID_J, _MID_I + 3, 0.50, 1),
    ("Bar Ågatan", "bar", "EW", _MID_J, _MID_I + 3, 0.80, -1),
    ("Ågatans Kebab", "fast_food", "EW", _MID_J, _MID_I + 2, 0.75, -1),
    ("Resecentrums Grill", "fast_food", "EW", _NY - 1, _MID_I + 1, 0.60, -1),
    ("Pizzeria Roma", "fast_food", "EW", _MID_J - 2, _MID_I - 1, 0.50, 1),
)  # fmt: skip

# Police categories, their mix per kind of place, hour-of-day and weekday profiles.
_HOURS = {
    "night": (9, 7, 5, 3, 1.5, 0.5, 0.3, 0.3, 0.4, 0.5, 0.6, 0.8,
              1, 1, 1.2, 1.4, 1.8, 2.2, 3, 4, 5, 6, 8, 9),
    "day": (0.3, 0.2, 0.1, 0.1, 0.1, 0.2, 0.5, 1, 2, 3, 4, 5,
            5.5, 6, 6, 6, 6, 5.5, 5, 4, 3, 2, 1, 0.5),
    "evening": (3, 2, 1, 0.5, 0.3, 0.2, 0.3, 0.5, 0.8, 1, 1.2, 1.5,
                2, 2.3, 2.7, 3, 3.5, 4, 5, 6, 6, 5.5, 5, 4),
    "late": (4, 4, 3, 2, 1, 0.5, 0.3, 0.3, 0.3, 0.4, 0.5, 0.6,
             0.8, 1, 1.2, 1.5, 2, 2.5, 3.5, 4.5, 5, 5.5, 5, 4.5),
}  # fmt: skip
_WEEKDAYS = {  # Monday..Sunday, for the evening the incident belongs to
    "night": (0.7, 0.7, 0.8, 1.0, 1.8, 2.2, 1.0),
    "day": (1.1, 1.1, 1.1, 1.1, 1.2, 0.9, 0.6),
    "evening": (0.9, 0.9, 0.9, 1.0, 1.3, 1.4, 0.9),
    "late": (0.9, 0.9, 0.9, 1.0, 1.3, 1.4, 0.9),
}
_CATEGORY_TIME = {
    "Misshandel": "night",
    "Misshandel, grov": "night",
    "Ordningslagen": "night",
    "Fylleri/LOB": "night",
    "Stöld": "day",
    "Rån": "evening",
    "Narkotikabrott": "evening",
    "Hot": "evening",
    "Skadegörelse": "late",
    "Brand": "late",
}
_MIX = {
    "nightlife": {"Misshandel": 30, "Misshandel, grov": 5, "Ordningslagen": 15, "Fylleri/LOB": 20,
                  "Hot": 8, "Rån": 4, "Skadegörelse": 8, "Narkotikabrott": 7, "Stöld": 3},
    "stop": {"Misshandel": 14, "Rån": 10, "Skadegörelse": 18, "Stöld": 18, "Narkotikabrott": 14,
             "Hot": 10, "Ordningslagen": 10, "Fylleri/LOB": 6},
    "district": {"Skadegörelse": 24, "Brand": 14, "Narkotikabrott": 18, "Stöld": 12,
                 "Misshandel": 10, "Hot": 10, "Rån": 7, "Ordningslagen": 5},
    "grill": {"Misshandel": 25, "Rån": 12, "Hot": 12, "Ordningslagen": 15, "Narkotikabrott": 12,
              "Skadegörelse": 12, "Fylleri/LOB": 12},
    "background": {"Stöld": 32, "Skadegörelse": 24, "Misshandel": 10, "Hot": 8,
                   "Narkotikabrott": 8, "Ordningslagen": 7, "Fylleri/LOB": 5, "Rån": 3, "Brand": 3},
}  # fmt: skip


# ----------------------------------------------------------------------------------------------
# Small geometry helpers (local metres: x east, y north, relative to the origin)
# ----------------------------------------------------------------------------------------------


@cache
def _origin_3006() -> XY:
    to_3006 = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:3006", always_xy=True)
    x, y = to_3006.transform(*_ORIGIN_LONLAT)
    return round(x), round(y)


@cache
def _to_4326() -> pyproj.Transformer:
    return pyproj.Transformer.from_crs("EPSG:3006", "EPSG:4326", always_xy=True)


def _to_lonlat(xy: np.ndarray) -> np.ndarray:
    """Local metres (n, 2) to (lon, lat) (n, 2)."""
    x0, y0 = _origin_3006()
    arr = np.asarray(xy, dtype=float).reshape(-1, 2)
    lon, lat = _to_4326().transform(arr[:, 0] + x0, arr[:, 1] + y0)
    return np.column_stack([lon, lat])


def _lerp(a: XY, b: XY, t: float) -> XY:
    return (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)


def _left(a: XY, b: XY) -> XY:
    """Unit normal to the left of a→b."""
    dx, dy = b[0] - a[0], b[1] - a[1]
    n = math.hypot(dx, dy)
    return (-dy / n, dx / n)


def _beside(a: XY, b: XY, t: float, offset_m: float) -> XY:
    """The point at fraction `t` along a→b, moved `offset_m` to the left (negative: right)."""
    p = _lerp(a, b, t)
    n = _left(a, b)
    return (p[0] + n[0] * offset_m, p[1] + n[1] * offset_m)


def _bilinear(quad: Sequence[XY], u: float, v: float) -> XY:
    """Map unit-square (u, v) onto a quadrilateral given as SW, SE, NE, NW corners."""
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = quad
    w0, w1, w2, w3 = (1 - u) * (1 - v), u * (1 - v), u * v, (1 - u) * v
    return (w0 * x0 + w1 * x1 + w2 * x2 + w3 * x3, w0 * y0 + w1 * y1 + w2 * y2 + w3 * y3)


def _quad_size(quad: Sequence[XY]) -> XY:
    """Mean width (SW→SE, NW→NE) and height (SW→NW, SE→NE) of a quadrilateral."""
    sw, se, ne, nw = quad
    w = (math.dist(sw, se) + math.dist(nw, ne)) / 2
    h = (math.dist(sw, nw) + math.dist(se, ne)) / 2
    return w, h


def _bezier(a: XY, b: XY, bend_m: float, n: int = 12) -> list[XY]:
    """A gentle curve from a to b whose middle is `bend_m` left of the straight line."""
    mid = _beside(a, b, 0.5, 2 * bend_m)
    pts = []
    for k in range(n + 1):
        t = k / n
        pts.append(
            (
                (1 - t) ** 2 * a[0] + 2 * (1 - t) * t * mid[0] + t * t * b[0],
                (1 - t) ** 2 * a[1] + 2 * (1 - t) * t * mid[1] + t * t * b[1],
            )
        )
    return pts


def _extend(coords: list[XY], start_m: float, end_m: float) -> list[XY]:
    """Lengthen a polyline straight on at both ends (for connectors that must cross a street)."""
    (ax, ay), (bx, by) = coords[0], coords[1]
    d = math.hypot(bx - ax, by - ay)
    first = (ax - (bx - ax) / d * start_m, ay - (by - ay) / d * start_m)
    (cx, cy), (ex, ey) = coords[-2], coords[-1]
    d = math.hypot(ex - cx, ey - cy)
    last = (ex + (ex - cx) / d * end_m, ey + (ey - cy) / d * end_m)
    return [first, *coords[1:-1], last] if len(coords) > 2 else [first, last]


# ----------------------------------------------------------------------------------------------
# The street plan
# ----------------------------------------------------------------------------------------------


@dataclass
class _Way:
    coords: list[XY]
    tags: dict[str, str]
    trim: bool = False
    nodes: list[int] = field(default_factory=list)


@dataclass
class _Block:
    quad: tuple[XY, XY, XY, XY]  # SW, SE, NE, NW
    layout: str
    zone: str  # "core", "centre", "district", "centrum", "school"
    corner: int = 0  # centrum blocks: the corner facing the square (0 SW, 1 SE, 2 NE, 3 NW)


@dataclass
class _Plan:
    ways: list[_Way] = field(default_factory=list)
    blocks: list[_Block] = field(default_factory=list)
    grid: dict[str, dict[tuple[int, int], XY]] = field(default_factory=dict)
    extra_buildings: list[tuple[Polygon, dict[str, str]]] = field(default_factory=list)
    amenities: list[tuple[XY, dict[str, str]]] = field(default_factory=list)
    places: dict[str, XY] = field(default_factory=dict)


def _line_ways(points: Sequence[XY], seg_tags: Sequence[dict[str, str] | None]) -> list[_Way]:
    """Ways along a polyline, one per run of segments with equal tags (None: no street)."""
    ways: list[_Way] = []
    current: _Way | None = None
    for k, tags in enumerate(seg_tags):
        if tags is None:
            current = None
            continue
        if current is not None and current.tags == tags:
            current.coords.append(points[k + 1])
        else:
            current = _Way([points[k], points[k + 1]], dict(tags))
            ways.append(current)
    return ways


def _centre(plan: _Plan, rng: np.random.Generator) -> None:
    """The dense centre: jittered grid, diagonals, pedestrian street, square, park, station."""
    xs = np.concatenate([[0.0], np.cumsum(rng.choice([85.0, 95.0, 105.0, 115.0], _NX - 1))])
    ys = np.concatenate([[0.0], np.cumsum(rng.choice([80.0, 90.0, 100.0, 110.0], _NY - 1))])
    xs -= xs[_MID_I]
    ys -= ys[_MID_J]
    jitter = np.clip(rng.normal(0.0, 3.0, size=(_NX, _NY, 2)), -7.0, 7.0)
    grid = {
        (i, j): (float(xs[i] + jitter[i, j, 0]), float(ys[j] + jitter[i, j, 1]))
        for i in range(_NX)
        for j in range(_NY)
    }
    plan.grid["C"] = grid
    ns_segs, ew_segs = _centre_streets(plan, grid, rng)
    _centre_sidewalks(plan, grid)
    _centre_square_and_park(plan, grid)
    _centre_station(plan, grid)
    _centre_blocks(plan, grid, ns_segs, ew_segs, rng)
    # Nightlife and fast food.
    for name, amenity, kind, idx, seg, frac, side in _NIGHTLIFE:
        a, b = (
            (grid[idx, seg], grid[idx, seg + 1])
            if kind == "NS"
            else (grid[seg, idx], grid[seg + 1, idx])
        )
        plan.amenities.append((_beside(a, b, frac, 9.0 * side), {"amenity": amenity, "name": name}))
    plan.places["Ågatan öst"] = _lerp(grid[_MID_I + 3, _MID_J], grid[_MID_I + 4, _MID_J], 0.6)
    plan.places["Storgatan norra"] = _lerp(grid[_MID_I, _MID_J + 2], grid[_MID_I, _MID_J + 4], 0.5)


def _ns_tags(i: int, j: int) -> dict[str, str]:
    """Tags of the centre's north-south street `i` between rows `j` and `j + 1`."""
    if i == _MID_I and j >= _MID_J:
        return {"highway": "pedestrian", "name": _NS_NAMES[i]}
    if i == _MID_I + 1 and j == _MID_J:
        return {"highway": "pedestrian", "name": "Stora torget"}
    kind = "tertiary" if i in (2, _NX - 3) else "residential"
    return {"highway": kind, "name": _NS_NAMES[i]}


def _ew_tags(j: int, i: int) -> dict[str, str]:
    """Tags of the centre's east-west street `j` between columns `i` and `i + 1`."""
    if j == _MID_J + 1 and i == _MID_I:
        return {"highway": "pedestrian", "name": "Stora torget"}
    kind = "tertiary" if j in (1, _MID_J, _NY - 1) else "residential"
    return {"highway": kind, "name": _EW_NAMES[j]}


def _removable(cells: list[tuple[int, int]], tags: dict[str, str] | None, edge: bool) -> bool:
    """Whether a segment may go missing: residential, inside, not beside a special cell."""
    ok = tags is not None and tags["highway"] == "residential"
    return ok and not edge and not {(_MID_I, _MID_J), _PARK, _SCHOOL} & set(cells)


def _centre_streets(
    plan: _Plan, grid: _Grid, rng: np.random.Generator
) -> tuple[_Segments, _Segments]:
    """The grid streets; a few residential segments are missing, half left as footpaths."""
    ns_segs: _Segments = {}
    for i in range(_NX):
        segs: list[dict[str, str] | None] = []
        for j in range(_NY - 1):
            tags: dict[str, str] | None = _ns_tags(i, j)
            if _removable([(i - 1, j), (i, j)], tags, i in (0, _NX - 1)) and rng.random() < 0.06:
                tags = {"highway": "footway"} if rng.random() < 0.5 else None
            segs.append(tags)
        ns_segs[i] = segs
        plan.ways += _line_ways([grid[i, j] for j in range(_NY)], segs)
    ew_segs: _Segments = {}
    for j in range(_NY):
        segs = []
        for i in range(_NX - 1):
            tags = _ew_tags(j, i)
            if _removable([(i, j - 1), (i, j)], tags, j in (0, _NY - 1)) and rng.random() < 0.06:
                tags = {"highway": "footway"} if rng.random() < 0.5 else None
            segs.append(tags)
        ew_segs[j] = segs
        plan.ways += _line_ways([grid[i, j] for i in range(_NX)], segs)
    return ns_segs, ew_segs


def _centre_sidewalks(plan: _Plan, grid: _Grid) -> None:
    """Sidewalks (footway=sidewalk) along the main streets, 6 m from the centre line."""
    sidewalk = {"highway": "footway", "footway": "sidewalk"}
    for i in (2, _NX - 3):
        line = LineString([grid[i, j] for j in range(_NY)])
        for side in (6.0, -6.0):
            coords = list(line.offset_curve(side, join_style="mitre").coords)
            plan.ways.append(_Way(_extend(coords, 3.0, 3.0), dict(sidewalk), trim=True))
    for j, sides in ((1, (6.0, -6.0)), (_MID_J, (6.0, -6.0)), (_NY - 1, (-6.0,))):
        line = LineString([grid[i, j] for i in range(_NX)])
        for side in sides:
            coords = list(line.offset_curve(side, join_style="mitre").coords)
            plan.ways.append(_Way(_extend(coords, 3.0, 3.0), dict(sidewalk), trim=True))


def _centre_square_and_park(plan: _Plan, grid: _Grid) -> None:
    """Diagonal streets towards the square, ways across the square, the park's paths."""
    plan.ways.append(
        _Way([grid[0, 2], grid[_MID_I, _MID_J]], {"highway": "residential", "name": "Vasavägen"})
    )
    plan.ways.append(
        _Way(
            [grid[_NX - 1, 10], grid[_MID_I + 1, _MID_J + 1]],
            {"highway": "residential", "name": "Kungsvägen"},
        )
    )
    # The square: pedestrian ways across it.
    sq = (
        grid[_MID_I, _MID_J],
        grid[_MID_I + 1, _MID_J],
        grid[_MID_I + 1, _MID_J + 1],
        grid[_MID_I, _MID_J + 1],
    )
    torg = {"highway": "pedestrian", "name": "Stora torget"}
    plan.ways.append(_Way([sq[0], sq[2]], dict(torg)))
    plan.ways.append(_Way([sq[1], sq[3]], dict(torg)))
    plan.places["Stora torget"] = _bilinear(sq, 0.5, 0.5)
    # The park: a diagonal path with a flight of steps, and a cross path.
    pk = (
        grid[_PARK],
        grid[_PARK[0] + 1, _PARK[1]],
        grid[_PARK[0] + 1, _PARK[1] + 1],
        grid[_PARK[0], _PARK[1] + 1],
    )
    a, b, c, d = pk[0], _lerp(pk[0], pk[2], 0.45), _lerp(pk[0], pk[2], 0.55), pk[2]
    plan.ways.append(_Way([a, b], {"highway": "footway"}))
    plan.ways.append(_Way([b, c], {"highway": "steps", "step_count": "12"}))
    plan.ways.append(_Way([c, d], {"highway": "footway"}))
    w, _ = _quad_size(pk)
    plan.ways.append(
        _Way(
            [_bilinear(pk, -2 / w, 0.5), _bilinear(pk, 1 + 2 / w, 0.5)],
            {"highway": "path"},
            trim=True,
        )
    )


def _centre_station(plan: _Plan, grid: _Grid) -> None:
    """Resecentrum: station building north of Järnvägsgatan, reached from Storgatan's end."""
    s7, s8 = grid[_MID_I, _NY - 1], grid[_MID_I + 1, _NY - 1]
    y = max(s7[1], s8[1]) + 10.0  # the station front, level whatever the jitter
    front = [(s7[0] - 25.0, y), (s7[0], y), (s8[0], y), (s8[0] + 25.0, y)]
    plan.ways.append(_Way(front, {"highway": "footway"}))
    plan.ways.append(_Way([s7, front[1]], {"highway": "footway", "name": "Resecentrum"}))
    plan.ways.append(_Way([s8, front[2]], {"highway": "footway"}))
    station = shapely.box(s7[0] - 20.0, y + 8.0, s8[0] + 20.0, y + 34.0)
    plan.extra_buildings.append(
        (station, {"building": "train_station", "name": "Resecentrum", "building:levels": "2"})
    )
    plan.places["Resecentrum"] = ((s7[0] + s8[0]) / 2, y)


def _centre_blocks(
    plan: _Plan,
    grid: _Grid,
    ns_segs: _Segments,
    ew_segs: _Segments,
    rng: np.random.Generator,
) -> None:
    """What fills each cell, and the paths and service roads through some of them."""
    for i in range(_NX - 1):
        for j in range(_NY - 1):
            if (i, j) in ((_MID_I, _MID_J), _PARK):
                continue
            quad = (grid[i, j], grid[i + 1, j], grid[i + 1, j + 1], grid[i, j + 1])
            core = abs(i - _MID_I) <= 3 and abs(j - _MID_J) <= 3
            if (i, j) == _SCHOOL:
                plan.blocks.append(_Block(quad, "school", "school"))
                continue
            west, east = ns_segs[i][j], ns_segs[i + 1][j]
            south = ew_segs[j][i]
            w, _ = _quad_size(quad)
            roll = rng.random()
            if roll < 0.18 and west is not None and east is not None:
                coords = [_bilinear(quad, -2 / w, 0.5), _bilinear(quad, 1 + 2 / w, 0.5)]
                plan.ways.append(_Way(coords, {"highway": "footway"}, trim=True))
                layout = "passage"
            elif roll < 0.24 and south is not None:
                _, h = _quad_size(quad)
                coords = [_bilinear(quad, 0.5, -2 / h), _bilinear(quad, 0.5, 0.55)]
                plan.ways.append(
                    _Way(coords, {"highway": "service", "service": "parking_aisle"}, trim=True)
                )
                layout = "slabs_ns"
            elif core:
                layout = str(
                    rng.choice(
                        ["perimeter", "u_slab", "big", "courtyard", "rows"],
                        p=[0.36, 0.2, 0.18, 0.12, 0.14],
                    )
                )
            else:
                layout = str(
                    rng.choice(
                        ["rows", "perimeter", "u_slab", "slabs_ew"], p=[0.35, 0.25, 0.2, 0.2]
                    )
                )
            plan.blocks.append(_Block(quad, layout, "core" if core else "centre"))


def _district(plan: _Plan, spec: _DistrictSpec, rng: np.random.Generator) -> None:
    """A district: ring road, grid of residential streets, footpaths, slabs, a small centre."""
    n, step = 7, 115.0
    half = step * (n - 1) / 2
    ang = math.radians(spec.angle_deg)
    ca, sa = math.cos(ang), math.sin(ang)
    jitter = np.clip(rng.normal(0.0, 2.0, size=(n, n, 2)), -5.0, 5.0)

    def at(a: float, b: float, ja: float = 0.0, jb: float = 0.0) -> XY:
        lx, ly = -half + a * step + ja, -half + b * step + jb
        return (spec.centre[0] + lx * ca - ly * sa, spec.centre[1] + lx * sa + ly * ca)

    grid = {
        (a, b): at(a, b, float(jitter[a, b, 0]), float(jitter[a, b, 1]))
        for a in range(n)
        for b in range(n)
    }
    plan.grid[spec.name] = grid
    ring = {"highway": "tertiary", "name": f"{spec.name}ringen"}
    torg = {"highway": "pedestrian", "name": f"{spec.name} torg"}
    for a in range(n):  # north-south lines
        if a in (0, n - 1):
            segs = [ring] * (n - 1)
        else:
            name = spec.streets[a - 1]
            segs = [
                torg if a == 3 and b in (2, 3) else {"highway": "residential", "name": name}
                for b in range(n - 1)
            ]
        plan.ways += _line_ways([grid[a, b] for b in range(n)], segs)
    for b in range(n):  # east-west lines
        if b in (0, n - 1):
            segs = [ring] * (n - 1)
        else:
            name = spec.streets[4 + b]
            segs = [
                torg if b == 3 and a in (2, 3) else {"highway": "residential", "name": name}
                for a in range(n - 1)
            ]
        plan.ways += _line_ways([grid[a, b] for a in range(n)], segs)
    plan.places[f"{spec.name} centrum"] = grid[3, 3]

    _district_blocks(plan, grid, n, rng)
    # A pub and a grill at the square.
    sq = grid[3, 3]
    plan.amenities.append((_lerp(sq, grid[2, 3], 0.35), {"amenity": "pub", "name": spec.pub}))
    plan.amenities.append(
        (_lerp(sq, grid[3, 2], 0.4), {"amenity": "fast_food", "name": spec.grill})
    )


def _district_blocks(plan: _Plan, grid: _Grid, n: int, rng: np.random.Generator) -> None:
    """A district's blocks: the centrum, a school, slabs with footpaths or service roads."""
    centrum = {(2, 2): 2, (3, 2): 3, (2, 3): 1, (3, 3): 0}
    for a in range(n - 1):
        for b in range(n - 1):
            quad = (grid[a, b], grid[a + 1, b], grid[a + 1, b + 1], grid[a, b + 1])
            w, h = _quad_size(quad)
            if (a, b) in centrum:
                plan.blocks.append(_Block(quad, "centrum", "centrum", centrum[a, b]))
                continue
            if (a, b) == (1, 4):
                plan.blocks.append(_Block(quad, "school", "school"))
                continue
            kind = str(
                rng.choice(
                    ["ns_path", "ew_path", "u_court", "service", "towers", "slabs3"],
                    p=[0.25, 0.2, 0.2, 0.1, 0.1, 0.15],
                )
            )
            if kind == "ns_path":
                coords = [_bilinear(quad, 0.5, -2 / h), _bilinear(quad, 0.5, 1 + 2 / h)]
                plan.ways.append(_Way(coords, {"highway": "footway"}, trim=True))
                kind = "slabs_ns"
            elif kind == "ew_path":
                coords = [_bilinear(quad, -2 / w, 0.5), _bilinear(quad, 1 + 2 / w, 0.5)]
                plan.ways.append(_Way(coords, {"highway": "footway"}, trim=True))
                kind = "slabs_ew"
            elif kind == "service":
                coords = [_bilinear(quad, 0.5, -2 / h), _bilinear(quad, 0.5, 0.6)]
                plan.ways.append(
                    _Way(coords, {"highway": "service", "service": "parking_aisle"}, trim=True)
                )
                kind = "slabs_ns"
            plan.blocks.append(_Block(quad, kind, "district"))


def _connectors(plan: _Plan) -> None:
    """Primary radials and a tertiary cross link, each with a parallel cycleway."""
    c = plan.grid["C"]
    d = {spec.name: plan.grid[spec.name] for spec in _DISTRICTS}
    links = (
        ("Norrleden", "primary", c[2, _NY - 1], d["Norrby"][3, 0], 60.0),
        ("Västerleden", "primary", c[0, _MID_J], d["Västerby"][6, 3], -70.0),
        ("Söderleden", "primary", c[_NX - 3, 0], d["Söderby"][3, 6], 50.0),
        ("Tvärleden", "tertiary", d["Norrby"][0, 3], d["Västerby"][3, 6], 120.0),
    )
    for name, kind, a, b, bend in links:
        coords = _bezier(a, b, bend)
        plan.ways.append(_Way(coords, {"highway": kind, "name": name}))
        cyc = list(LineString(coords).offset_curve(-15.0).coords)
        plan.ways.append(
            _Way(
                _extend(cyc, 20.0, 20.0),
                {"highway": "cycleway", "foot": "designated", "segregated": "no"},
                trim=True,
            )
        )
    # A new late-night grill north of Söderby (the incidents' growing hotspot).
    grill = _beside(d["Söderby"][4, 6], d["Söderby"][5, 6], 0.5, 9.0)
    plan.amenities.append(
        (
            grill,
            {
                "amenity": "fast_food",
                "name": "Söderby Grill & Kebab",
                "opening_hours": "Mo-Su 11:00-03:00",
            },
        )
    )
    plan.places["Söderby Grill"] = grill


# ----------------------------------------------------------------------------------------------
# Noding: split ways where they cross so every crossing is a shared node
# ----------------------------------------------------------------------------------------------


class _NodeIndex:
    """Nodes with tolerance merging: a point within `tol_m` of an earlier node reuses it."""

    def __init__(self, tol_m: float = 0.5) -> None:
        self.xy: list[XY] = []
        self._cells: dict[tuple[int, int], list[int]] = {}
        self._tol2 = tol_m * tol_m

    def find(self, x: float, y: float) -> int | None:
        cx, cy = math.floor(x), math.floor(y)
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                for k in self._cells.get((cx + dx, cy + dy), ()):
                    px, py = self.xy[k]
                    if (px - x) ** 2 + (py - y) ** 2 <= self._tol2:
                        return k
        return None

    def add(self, x: float, y: float) -> int:
        found = self.find(x, y)
        if found is not None:
            return found
        k = len(self.xy)
        self.xy.append((x, y))
        self._cells.setdefault((math.floor(x), math.floor(y)), []).append(k)
        return k


def _node_ways(ways: list[_Way]) -> _NodeIndex:
    """Give every way a node list; crossings become shared nodes; overshooting tails are cut."""
    lines = [LineString(w.coords) for w in ways]
    tree = shapely.STRtree(lines)
    left, right = tree.query(lines, predicate="intersects")
    splits: list[list[XY]] = [[] for _ in ways]
    for a, b in zip(left.tolist(), right.tolist(), strict=True):
        if a >= b:
            continue
        for part in shapely.get_parts(lines[a].intersection(lines[b])):
            if part.geom_type != "Point":
                msg = f"ways {ways[a].tags} and {ways[b].tags} overlap; fix the town layout"
                raise RuntimeError(msg)
            splits[a].append((part.x, part.y))
            splits[b].append((part.x, part.y))
    index = _NodeIndex()
    for way, line, pts in zip(ways, lines, splits, strict=True):
        seg = np.hypot(*np.diff(np.asarray(way.coords), axis=0).T)
        cum = np.concatenate([[0.0], np.cumsum(seg)])
        items = [(float(s), 0, p) for s, p in zip(cum, way.coords, strict=True)]
        items += [(float(line.project(Point(p))), 1, p) for p in pts]
        items.sort(key=lambda it: (it[0], it[1]))
        nodes: list[int] = []
        for _, _, p in items:
            k = index.add(*p)
            if not nodes or nodes[-1] != k:
                nodes.append(k)
        way.nodes = nodes

    uses: dict[int, int] = {}
    for way in ways:
        for k in way.nodes:
            uses[k] = uses.get(k, 0) + 1

    def cut(nodes: list[int]) -> list[int]:
        if uses[nodes[0]] > 1:
            return nodes
        run = 0.0
        for pos in range(1, len(nodes)):
            run += math.dist(index.xy[nodes[pos - 1]], index.xy[nodes[pos]])
            if run > _TAIL_M:
                return nodes
            if uses[nodes[pos]] > 1:
                return nodes[pos:]
        return nodes

    for way in ways:
        if way.trim:
            way.nodes = cut(cut(way.nodes)[::-1])[::-1]
    ways[:] = [w for w in ways if len(w.nodes) >= 2]
    return index


@dataclass
class _Edge:
    u: int
    v: int
    coords: list[XY]
    tags: dict[str, str]

    @property
    def length_m(self) -> float:
        return float(
            sum(math.dist(a, b) for a, b in zip(self.coords, self.coords[1:], strict=False))
        )


def _split_edges(
    ways: Sequence[_Way], index: _NodeIndex, keep: set[int] | None = None
) -> list[_Edge]:
    """Cut ways at nodes shared between them (and at `keep` nodes): the simplified graph."""
    uses: dict[int, int] = {}
    for way in ways:
        for k in way.nodes:
            uses[k] = uses.get(k, 0) + 1
    keep = keep or set()
    edges = []
    for way in ways:
        start = 0
        for pos in range(1, len(way.nodes)):
            k = way.nodes[pos]
            if pos == len(way.nodes) - 1 or uses[k] > 1 or k in keep:
                piece = way.nodes[start : pos + 1]
                edges.append(_Edge(piece[0], piece[-1], [index.xy[q] for q in piece], way.tags))
                start = pos
    return edges


# ----------------------------------------------------------------------------------------------
# Buildings
# ----------------------------------------------------------------------------------------------


def _union(*boxes: tuple[float, float, float, float]) -> Polygon:
    """One footprint from overlapping unit-square rectangles (u0, v0, u1, v1)."""
    return shapely.union_all([shapely.box(*b) for b in boxes]).simplify(1e-9)


def _layout(block: _Block, rng: np.random.Generator) -> list[tuple[Polygon, str]]:
    """Footprints of one block as (polygon, role), placed inside a 12 m setback."""
    setback = 12.0
    qw, qh = _quad_size(block.quad)
    w, h = qw - 2 * setback, qh - 2 * setback
    if w < 30 or h < 30:
        return []
    depth = float(rng.choice([11.0, 12.0, 13.0, 14.0]))
    du, dv, gu, gv = depth / w, depth / h, 8.0 / w, 8.0 / h  # wing depth and passage gap
    top = 1 - dv - gv
    out: list[tuple[Polygon, str]] = []
    kind = block.layout
    if kind == "perimeter":  # two L-shaped wings round a courtyard, passages at two corners
        out.append((_union((0, dv + gv, du, 1), (0, 1 - dv, 1 - gu, 1)), "main"))
        out.append((_union((gu, 0, 1, dv), (1 - du, 0, 1, top)), "main"))
    elif kind == "u_slab":
        out.append((_union((0, 0, 1, dv), (0, 0, du, top), (1 - du, 0, 1, top)), "main"))
        out.append((_union((0, 1 - dv, 1, 1)), "main"))
    elif kind == "big":
        if rng.random() < 0.5:
            out.append((_union((0.03, 0.03, 0.97, 0.97)), "shop"))
        else:
            out.append((_union((0.03, 0.03, 0.97, 0.55), (0.03, 0.03, 0.55, 0.97)), "shop"))
    elif kind == "courtyard":  # a closed block with a courtyard: an OSM multipolygon
        hole = shapely.box(du, dv, 1 - du, 1 - dv)
        out.append((Polygon(shapely.box(0, 0, 1, 1).exterior, [hole.exterior]), "main"))
    elif kind in ("rows", "passage"):  # row houses along the north and south sides
        for v0, v1 in ((0.0, dv), (1 - dv, 1.0)):
            edges = np.linspace(0.0, 1.0, int(rng.integers(3, 6)))
            for u0, u1 in itertools.pairwise(edges.tolist()):
                out.append((_union((u0 + 2 / w, v0, u1 - 2 / w, v1)), "house"))
    elif kind == "slabs_ew":
        out += [(_union((0.04, 0.0, 0.96, dv)), "main"), (_union((0.04, 1 - dv, 0.96, 1)), "main")]
    elif kind == "slabs_ns":
        out += [(_union((0.0, 0.06, du, 0.94)), "main"), (_union((1 - du, 0.06, 1, 0.94)), "main")]
    elif kind == "slabs3":
        for c in (du / 2, 0.5, 1 - du / 2):
            out.append((_union((c - du / 2, 0.08, c + du / 2, 0.92)), "main"))
    elif kind == "u_court":  # Skäggetorp-style U round a yard open to the south
        out.append((_union((0, 1 - dv, 1, 1), (0, 0.1, du, 1), (1 - du, 0.1, 1, 1)), "main"))
    elif kind == "towers":
        tu, tv = 18.0 / w, 18.0 / h
        for u0, v0 in ((0.05, 0.05), (0.95 - tu, 0.05), (0.05, 0.95 - tv), (0.95 - tu, 0.95 - tv)):
            out.append((_union((u0, v0, u0 + tu, v0 + tv)), "tower"))
    elif kind == "school":
        su, sv = 1.2 * du, 1.2 * dv
        out.append((_union((0, 1 - sv, 1, 1), (0, 0.35, su, 1), (1 - su, 0.35, 1, 1)), "school"))
    elif kind == "centrum":  # shops on the corner facing the square, flats on the far side
        flip_u, flip_v = {0: (True, True), 1: (False, True), 2: (False, False), 3: (True, False)}[
            block.corner
        ]
        for box, role in (((0.42, 0.42, 1.0, 1.0), "shop"), ((0.0, 0.0, 0.9, dv), "main")):
            u0, v0, u1, v1 = box
            if flip_u:
                u0, u1 = 1 - u1, 1 - u0
            if flip_v:
                v0, v1 = 1 - v1, 1 - v0
            out.append((_union((u0, v0, u1, v1)), role))
    su, sv = setback / qw, setback / qh

    def place(uv: np.ndarray) -> np.ndarray:
        pts = [_bilinear(block.quad, su + u * (1 - 2 * su), sv + v * (1 - 2 * sv)) for u, v in uv]
        return np.asarray(pts)

    return [(shapely.transform(poly, place), role) for poly, role in out]


def _building_tags(role: str, zone: str, rng: np.random.Generator) -> dict[str, str]:
    if role == "school":
        return {"building": "school", "building:levels": "2"}
    if role == "shop":
        kind = "retail" if zone in ("centrum", "core") and rng.random() < 0.6 else "commercial"
        return {"building": kind, "building:levels": str(int(rng.integers(1, 4)))}
    if role == "tower":
        return {"building": "apartments", "building:levels": str(int(rng.integers(7, 10)))}
    if role == "house":
        return {"building": "residential", "building:levels": str(int(rng.integers(2, 4)))}
    if zone == "core":
        kind = str(rng.choice(["apartments", "commercial", "retail"], p=[0.6, 0.25, 0.15]))
        return {"building": kind, "building:levels": str(int(rng.integers(3, 6)))}
    if zone == "centre":
        return {"building": "apartments", "building:levels": str(int(rng.integers(3, 6)))}
    return {"building": "apartments", "building:levels": str(int(rng.integers(3, 5)))}


def _buildings(
    plan: _Plan, edges: Sequence[_Edge], rng: np.random.Generator
) -> list[tuple[Polygon, dict[str, str]]]:
    """Footprints from the block layouts, cut back wherever they come too close to a way."""
    lines = [LineString(e.coords) for e in edges]
    widths = [_SETBACK_M[e.tags["highway"]] for e in edges]
    keep_out = shapely.union_all(
        shapely.buffer(lines, widths, cap_style="square", join_style="round", quad_segs=2)
    )
    shapely.prepare(keep_out)
    out: list[tuple[Polygon, dict[str, str]]] = []
    candidates: list[tuple[Polygon, str, str]] = []
    for block in plan.blocks:
        for poly, role in _layout(block, rng):
            candidates.append((poly, role, block.zone))
    for poly, role, zone in candidates:
        tags = _building_tags(role, zone, rng)
        if not keep_out.intersects(poly):
            out.append((poly, tags))
            continue
        if poly.interiors:
            continue  # a courtyard block cut by a street is simply left out
        rest = poly.difference(keep_out)
        for part in shapely.get_parts(rest):
            part = part.simplify(0.2)
            if part.geom_type == "Polygon" and part.area >= 80.0 and not part.interiors:
                out.append((part, tags))
    for poly, tags in plan.extra_buildings:
        if keep_out.intersects(poly):
            msg = f"building {tags} overlaps a walkway buffer; fix the town layout"
            raise RuntimeError(msg)
        out.append((poly, tags))
    return [(shapely.orient_polygons(p), t) for p, t in out]


# ----------------------------------------------------------------------------------------------
# Street lamps
# ----------------------------------------------------------------------------------------------


def _lamps(ways: Sequence[_Way], index: _NodeIndex, buildings_tree: shapely.STRtree) -> list[XY]:
    """Lamp posts beside streets and paths at regular spacing (none on sidewalks or steps)."""
    spacing = {
        "primary": (45.0, 6.0),
        "tertiary": (35.0, 5.0),
        "residential": (38.0, 5.0),
        "service": (30.0, 3.0),
        "pedestrian": (30.0, 3.0),
        "footway": (32.0, 1.5),
        "path": (35.0, 1.5),
        "cycleway": (45.0, 1.5),
    }
    pts: list[XY] = []
    for way in ways:
        hw = way.tags["highway"]
        if hw not in spacing or way.tags.get("footway") == "sidewalk":
            continue
        step, off = spacing[hw]
        line = LineString([index.xy[k] for k in way.nodes])
        if line.length < step / 2:
            continue
        for s in np.arange(step / 2, line.length, step):
            p = line.interpolate(float(s))
            q = line.interpolate(min(float(s) + 1.0, line.length))
            r = line.interpolate(max(float(s) - 1.0, 0.0))
            n = _left((r.x, r.y), (q.x, q.y))
            pts.append((p.x + n[0] * off, p.y + n[1] * off))
    inside = buildings_tree.query(shapely.points(pts), predicate="within")[0]
    drop = set(inside.tolist())
    return [p for k, p in enumerate(pts) if k not in drop]


# ----------------------------------------------------------------------------------------------
# The bus network
# ----------------------------------------------------------------------------------------------


@dataclass
class _Station:
    sid: str
    name: str
    xy: XY
    platforms: tuple[XY, XY]  # A: right of the edge's u→v direction, B: left


@dataclass
class _RouteRun:
    route_id: str
    long_name: str
    color: str
    headway_min: int
    path: list[XY]  # polyline, direction 0
    stops: list[tuple[int, float]]  # (station index, arc position along path)
    cum_time_s: list[float]  # running time from the first stop, direction 0


_BusRef = tuple[str, tuple[int, int]]  # (grid name, grid node)
_Span = tuple[float, float, _Edge, bool]  # arc start, arc end, edge, forward


def _node_at(plan: _Plan, index: _NodeIndex, ref: _BusRef) -> int:
    """The network node at a grid reference."""
    xy = plan.grid[ref[0]][ref[1]]
    k = index.find(*xy)
    if k is None:
        msg = f"no network node at {ref}"
        raise RuntimeError(msg)
    return k


def _key_stations() -> list[tuple[str, _BusRef, _BusRef]]:
    """Stations that must exist: the street segment between two grid nodes, and its name."""
    keys = [
        ("Resecentrum", ("C", (_MID_I, _NY - 1)), ("C", (_MID_I + 1, _NY - 1))),
        ("Stora torget", ("C", (_MID_I, _MID_J)), ("C", (_MID_I + 1, _MID_J))),
    ]
    keys += [
        (f"{s.name} centrum", (s.name, s.key_edge[0]), (s.name, s.key_edge[1])) for s in _DISTRICTS
    ]
    return keys


def _route_graph(ways: Sequence[_Way], index: _NodeIndex, vias: set[int]) -> nx.Graph:
    """The drivable streets, split at junctions and `vias`, weighted by road class."""
    drive = [w for w in ways if w.tags["highway"] in _DRIVE]
    graph = nx.Graph()
    for e in _split_edges(drive, index, keep=vias):
        cost = e.length_m * _ROUTE_COST[e.tags["highway"]]
        if graph.has_edge(e.u, e.v) and graph[e.u][e.v]["cost"] <= cost:
            continue
        graph.add_edge(e.u, e.v, cost=cost, edge=e)
    return graph


def _junction_names(ways: Sequence[_Way]) -> dict[int, list[str]]:
    """Street names at each node, for naming stops after the nearest cross street."""
    names_at: dict[int, list[str]] = {}
    for w in ways:
        name = w.tags.get("name")
        if name and w.tags["highway"] in (*_DRIVE, "pedestrian"):
            for k in w.nodes:
                if name not in names_at.setdefault(k, []):
                    names_at[k].append(name)
    return names_at


@dataclass
class _Stations:
    """The stations placed so far, shared by every route that passes them."""

    names_at: dict[int, list[str]]
    stations: list[_Station] = field(default_factory=list)
    used_names: set[str] = field(default_factory=set)
    place_names: Iterator[str] = field(default_factory=lambda: iter(_PLACE_NAMES))

    def add(self, e: _Edge, offset_m: float, name: str | None) -> int:
        """Add a station `offset_m` along `e`, named `name` or after what is near."""
        line = LineString(e.coords)
        p = line.interpolate(offset_m)
        a = line.interpolate(max(offset_m - 1.0, 0.0))
        b = line.interpolate(min(offset_m + 1.0, line.length))
        n = _left((a.x, a.y), (b.x, b.y))
        if name is None:
            name = self._name(e, offset_m, line.length)
        self.used_names.add(name)
        off = _PLATFORM_OFFSET_M
        self.stations.append(
            _Station(
                f"S{len(self.stations) + 1:02d}",
                name,
                (p.x, p.y),
                ((p.x - n[0] * off, p.y - n[1] * off), (p.x + n[0] * off, p.y + n[1] * off)),
            )
        )
        return len(self.stations) - 1

    def _name(self, e: _Edge, offset_m: float, length_m: float) -> str:
        """The nearest cross street if it is close, else the street, else a place name."""
        street = e.tags.get("name", "")
        near = e.u if offset_m < length_m / 2 else e.v
        close = min(offset_m, length_m - offset_m) <= 120.0
        options = [c for c in self.names_at.get(near, []) if c != street] if close else []
        options.append(street)
        name = next((c for c in options if c and c not in self.used_names), None)
        if name is None:
            name = next(self.place_names, f"Hållplats {len(self.stations) + 1}")
        return name

    def served(self, line: LineString) -> list[tuple[float, int]]:
        """(arc position, station index) of the stations on `line`, in order along it."""
        hits = []
        for k, st in enumerate(self.stations):
            p = Point(st.xy)
            if line.distance(p) < 0.5:
                hits.append((float(line.project(p)), k))
        return sorted(hits)

    def add_at(self, arc: float, spans: list[_Span]) -> None:
        """Add a station at arc position `arc` of a route, unless its street is too short."""
        for start, end, e, fwd in spans:
            if start <= arc <= end:
                length = end - start
                if length < 60.0:
                    return
                off = min(max(arc - start, 25.0), length - 25.0)
                self.add(e, off if fwd else length - off, None)
                return


def _bus_network(
    plan: _Plan, ways: Sequence[_Way], index: _NodeIndex
) -> tuple[list[_Station], list[_RouteRun]]:
    """Route the buses along drivable streets and place shared stations along them."""
    keys = _key_stations()
    vias = {_node_at(plan, index, ref) for _, _, _, refs, _ in _ROUTES for ref in refs}
    vias |= {_node_at(plan, index, ref) for _, ra, rb in keys for ref in (ra, rb)}
    graph = _route_graph(ways, index, vias)
    stations = _Stations(_junction_names(ways))
    # Key stations first, so every route passing them shares them.
    for name, ra, rb in keys:
        u, v = _node_at(plan, index, ra), _node_at(plan, index, rb)
        e = graph[u][v]["edge"]
        stations.add(e, e.length_m / 2, name)
    runs: list[_RouteRun] = []
    for route_id, long_name, color, refs, headway in _ROUTES:
        nodes = [_node_at(plan, index, r) for r in refs]
        coords, spans = _route_path(graph, nodes)
        line = LineString(coords)
        _add_route_stops(stations, line, spans)
        hits = stations.served(line)
        cum = _running_times(hits, spans)
        stops = [(k, arc) for arc, k in hits]
        runs.append(_RouteRun(route_id, long_name, color, headway, coords, stops, cum))
    return stations.stations, runs


def _route_path(graph: nx.Graph, nodes: list[int]) -> tuple[list[XY], list[_Span]]:
    """The polyline of the cheapest path through `nodes`, and the edges along it."""
    path_nodes = [nodes[0]]
    for a, b in itertools.pairwise(nodes):
        path_nodes += nx.shortest_path(graph, a, b, weight="cost")[1:]
    coords: list[XY] = []
    spans: list[_Span] = []
    for a, b in itertools.pairwise(path_nodes):
        e: _Edge = graph[a][b]["edge"]
        pts = e.coords if e.u == a else e.coords[::-1]
        if not coords:
            coords.append(pts[0])
        start = float(LineString(coords).length) if len(coords) > 1 else 0.0
        coords += pts[1:]
        spans.append((start, start + e.length_m, e, e.u == a))
    return coords, spans


def _add_route_stops(stations: _Stations, line: LineString, spans: list[_Span]) -> None:
    """Stops near both ends of a route, then about every `_STOP_SPACING_M` between stops."""
    total = line.length
    hits = stations.served(line)
    if not hits or hits[0][0] > 150.0:
        stations.add_at(min(40.0, total / 2), spans)
    if not hits or hits[-1][0] < total - 150.0:
        stations.add_at(max(total - 40.0, total / 2), spans)
    hits = stations.served(line)
    for (s0, _), (s1, _) in itertools.pairwise(hits):
        k = round((s1 - s0) / _STOP_SPACING_M) - 1
        for m in range(1, k + 1):
            stations.add_at(s0 + (s1 - s0) * m / (k + 1), spans)


def _running_times(hits: list[tuple[float, int]], spans: list[_Span]) -> list[float]:
    """Running time from the first stop: speed by road class plus 20 s dwell per stop."""
    times = []
    for arc, _ in hits:
        t = 0.0
        for start, end, e, _fwd in spans:
            seg = max(0.0, min(arc, end) - start)
            t += seg / _SPEED_M_S[e.tags["highway"]]
        times.append(t)
    dwell = [20.0 * n for n in range(len(hits))]
    return [t + d - times[0] for t, d in zip(times, dwell, strict=True)]


def _fmt_time(seconds: int) -> str:
    h, rem = divmod(seconds, 3600)
    return f"{h:02d}:{rem // 60:02d}:{rem % 60:02d}"


def _departures(service: str, headway: int) -> list[int]:
    """Trip start times in minutes after midnight (may pass 24:00) for one direction."""
    bands = {
        "VARDAG": (
            (330, 360, 30),
            (360, 420, 15),
            (420, 1140, headway),
            (1140, 1380, 30),
            (1380, 1500, 60),
        ),
        "LORDAG": ((420, 600, 30), (600, 1080, 20), (1080, 1380, 30), (1380, 1620, 60)),
        "SONDAG": ((480, 1200, 30), (1200, 1440, 60)),
    }
    return [m for start, end, step in bands[service] for m in range(start, end, step)]


def _csv(rows: Sequence[Sequence[object]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


_GTFS_HEADERS = {
    "agency.txt": "agency_id,agency_name,agency_url,agency_timezone,agency_lang,agency_phone",
    "stops.txt": "stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station,platform_code,"
    "wheelchair_boarding",
    "routes.txt": "route_id,agency_id,route_short_name,route_long_name,route_type,route_color,"
    "route_text_color",
    "trips.txt": "route_id,service_id,trip_id,trip_headsign,direction_id,shape_id,"
    "wheelchair_accessible",
    "stop_times.txt": "trip_id,arrival_time,departure_time,stop_id,stop_sequence,"
    "shape_dist_traveled",
    "calendar.txt": "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,"
    "start_date,end_date",
    "shapes.txt": "shape_id,shape_pt_lat,shape_pt_lon,shape_pt_sequence,shape_dist_traveled",
    "feed_info.txt": "feed_publisher_name,feed_publisher_url,feed_lang,feed_start_date,"
    "feed_end_date,feed_version,feed_contact_email",
}
_FEED_DATES = ("20240101", "20261231")


def _right_platform(station: _Station, line: LineString, arc: float) -> int:
    """0 or 1: the station's platform on the right-hand side when travelling along `line`."""
    p0 = line.interpolate(max(arc - 1.0, 0.0))
    p1 = line.interpolate(min(arc + 1.0, line.length))
    n = _left((p0.x, p0.y), (p1.x, p1.y))
    right = (station.xy[0] - n[0], station.xy[1] - n[1])
    a, b = station.platforms
    return 0 if math.dist(right, a) < math.dist(right, b) else 1


def _gtfs_tables(
    stations: Sequence[_Station], runs: Sequence[_RouteRun]
) -> dict[str, list[list[object]]]:
    """The rows (header first) of every GTFS file."""
    t: dict[str, list[list[object]]] = {k: [[*v.split(",")]] for k, v in _GTFS_HEADERS.items()}
    t["agency.txt"].append(
        ["EXT", "Exempelstads Trafik", _URL, "Europe/Stockholm", "sv", "+46 13 000 00 00"]
    )
    t["feed_info.txt"].append(
        [
            "Exempelstads Trafik (fiktiv exempeldata)",
            _URL,
            "sv",
            *_FEED_DATES,
            "2024.1",
            "trafik@example.com",
        ]
    )
    for service, days in (("VARDAG", "1111100"), ("LORDAG", "0000010"), ("SONDAG", "0000001")):
        t["calendar.txt"].append([service, *days, *_FEED_DATES])
    used: set[tuple[int, int]] = set()
    for run in runs:
        t["routes.txt"].append(
            [run.route_id, "EXT", run.route_id, run.long_name, 3, run.color, "FFFFFF"]
        )
        total = LineString(run.path).length
        for direction in (0, 1):
            pts = run.path if direction == 0 else run.path[::-1]
            line = LineString(pts)
            shape_id = f"{run.route_id}_{direction}"
            # Drop shape points closer than 0.5 m so that distances strictly increase.
            kept = [pts[0]]
            for p in pts[1:]:
                if math.dist(kept[-1], p) >= 0.5:
                    kept.append(p)
            steps = np.hypot(*np.diff(np.asarray(kept), axis=0).T)
            dist = np.concatenate([[0.0], np.cumsum(steps)])
            lonlat = _to_lonlat(np.asarray(kept))
            for seq, ((lon, lat), d) in enumerate(zip(lonlat, dist, strict=True), start=1):
                t["shapes.txt"].append([shape_id, f"{lat:.6f}", f"{lon:.6f}", seq, f"{d:.1f}"])
            if direction == 0:
                stops, offsets = run.stops, run.cum_time_s
            else:
                stops = [(k, total - arc) for k, arc in run.stops[::-1]]
                offsets = [run.cum_time_s[-1] - s for s in run.cum_time_s[::-1]]
            calls = []
            for k, arc in stops:
                side = _right_platform(stations[k], line, arc)
                used.add((k, side))
                calls.append((f"{stations[k].sid}{'AB'[side]}", arc))
            headsign = stations[stops[-1][0]].name
            for service in ("VARDAG", "LORDAG", "SONDAG"):
                for start in _departures(service, run.headway_min):
                    hhmm = f"{start // 60:02d}{start % 60:02d}"
                    trip_id = f"{run.route_id}_{direction}_{service}_{hhmm}"
                    t["trips.txt"].append(
                        [run.route_id, service, trip_id, headsign, direction, shape_id, 1]
                    )
                    for seq, ((stop_id, arc), off) in enumerate(
                        zip(calls, offsets, strict=True), start=1
                    ):
                        hhmmss = _fmt_time(start * 60 + 60 * round(off / 60.0))
                        t["stop_times.txt"].append(
                            [trip_id, hhmmss, hhmmss, stop_id, seq, f"{arc:.1f}"]
                        )
    for k, st in enumerate(stations):
        ((lon, lat),) = _to_lonlat(np.asarray([st.xy]))
        t["stops.txt"].append([st.sid, st.name, f"{lat:.6f}", f"{lon:.6f}", 1, "", "", 1])
        for side in (0, 1):
            if (k, side) in used:
                ((lon, lat),) = _to_lonlat(np.asarray([st.platforms[side]]))
                code = "AB"[side]
                t["stops.txt"].append(
                    [f"{st.sid}{code}", st.name, f"{lat:.6f}", f"{lon:.6f}", 0, st.sid, code, 1]
                )
    return t


def _write_gtfs(path: Path, stations: Sequence[_Station], runs: Sequence[_RouteRun]) -> dict:
    """Write the GTFS zip with fixed entry order, timestamps and attributes; return counts."""
    tables = _gtfs_tables(stations, runs)
    with zipfile.ZipFile(path, "w") as zf:
        for name, rows in tables.items():
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            # Stored, not deflated: the bytes then do not depend on the zlib build.
            info.compress_type = zipfile.ZIP_STORED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            zf.writestr(info, _csv(rows))
    platforms = sum(1 for row in tables["stops.txt"][1:] if row[4] == 0)
    return {
        "stations": len(stations),
        "platforms": platforms,
        "routes": len(runs),
        "trips": len(tables["trips.txt"]) - 1,
        "stop_times": len(tables["stop_times.txt"]) - 1,
    }


# ----------------------------------------------------------------------------------------------
# OSM XML
# ----------------------------------------------------------------------------------------------


def _tag_lines(tags: dict[str, str], indent: str) -> list[str]:
    return [
        f'{indent}<tag k="{escape(k, {chr(34): "&quot;"})}" v="{escape(v, {chr(34): "&quot;"})}"/>'
        for k, v in tags.items()
    ]


def _write_osm(
    path: Path,
    index: _NodeIndex,
    ways: Sequence[_Way],
    buildings: Sequence[tuple[Polygon, dict[str, str]]],
    pois: Sequence[tuple[XY, dict[str, str]]],
) -> None:
    """Write OSM XML 0.6: network nodes, building nodes, POI nodes; ways; multipolygons."""
    # Network nodes that some way uses (cut-off tails leave orphans), in index order.
    used = {k for way in ways for k in way.nodes}
    keep = [k for k in range(len(index.xy)) if k in used]
    new_id = {k: pos for pos, k in enumerate(keep, start=1)}
    coords: list[XY] = [index.xy[k] for k in keep]
    way_rows: list[tuple[list[int], dict[str, str]]] = []
    for way in ways:
        way_rows.append(([new_id[k] for k in way.nodes], way.tags))
    relations: list[tuple[int, int, dict[str, str]]] = []
    for poly, tags in buildings:
        rings = [poly.exterior, *poly.interiors]
        ids = []
        for ring in rings:
            pts = list(ring.coords)[:-1]
            first = len(coords) + 1
            coords += pts
            ids.append([*range(first, first + len(pts)), first])
        if len(ids) == 1:
            way_rows.append((ids[0], tags))
        else:
            outer = len(way_rows) + 1
            way_rows.append((ids[0], {}))
            way_rows.append((ids[1], {}))
            relations.append((outer, outer + 1, {"type": "multipolygon", **tags}))
    poi_tags: list[dict[str, str] | None] = [None] * len(coords)
    for xy, tags in pois:
        coords.append(xy)
        poi_tags.append(tags)
    lonlat = _to_lonlat(np.asarray(coords))
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<osm version="0.6" generator="siteplan build_sample">',
        f'  <bounds minlat="{lonlat[:, 1].min():.7f}" minlon="{lonlat[:, 0].min():.7f}" '
        f'maxlat="{lonlat[:, 1].max():.7f}" maxlon="{lonlat[:, 0].max():.7f}"/>',
    ]
    for k, ((lon, lat), node_tags) in enumerate(zip(lonlat, poi_tags, strict=True), start=1):
        head = f'  <node id="{k}" version="1" lat="{lat:.7f}" lon="{lon:.7f}"'
        if node_tags:
            lines.append(head + ">")
            lines += _tag_lines(node_tags, "    ")
            lines.append("  </node>")
        else:
            lines.append(head + "/>")
    for wid, (refs, tags) in enumerate(way_rows, start=1):
        lines.append(f'  <way id="{wid}" version="1">')
        lines += [f'    <nd ref="{r}"/>' for r in refs]
        lines += _tag_lines(tags, "    ")
        lines.append("  </way>")
    for rid, (outer, inner, tags) in enumerate(relations, start=1):
        lines.append(f'  <relation id="{rid}" version="1">')
        lines.append(f'    <member type="way" ref="{outer}" role="outer"/>')
        lines.append(f'    <member type="way" ref="{inner}" role="inner"/>')
        lines += _tag_lines(tags, "    ")
        lines.append("  </relation>")
    lines.append("</osm>")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8", newline="\n")


# ----------------------------------------------------------------------------------------------
# Incidents
# ----------------------------------------------------------------------------------------------


def _trend(kind: str, days: np.ndarray) -> np.ndarray:
    """Relative intensity over time: steady, fading from mid-2024, or growing from autumn 2024."""
    t = days.astype("datetime64[D]")
    if kind == "fade":
        a, b = np.datetime64("2024-06-30"), np.datetime64("2025-03-31")
        frac = np.clip((t - a).astype(float) / (b - a).astype(float), 0.0, 1.0)
        return 1.0 - 0.8 * frac
    if kind == "grow":
        a, b = np.datetime64("2024-09-30"), np.datetime64("2025-06-30")
        return np.clip((t - a).astype(float) / (b - a).astype(float), 0.0, 1.0)
    return np.ones(len(days))


def _local_time(day: dt.date, hour: int, minute: int) -> dt.datetime:
    """A wall-clock time in Stockholm; times skipped by the spring DST change move on 1 h."""
    naive = dt.datetime(day.year, day.month, day.day, hour, minute)
    aware = naive.replace(tzinfo=_TZ)
    back = aware.astimezone(dt.UTC).astimezone(_TZ)
    if back.replace(tzinfo=None) != naive:
        aware = (naive + dt.timedelta(hours=1)).replace(tzinfo=_TZ)
    return aware


_Cluster = tuple[str, XY | None, float, float, str]  # kind, centre, sigma_m, weight, trend
_Row = tuple[dt.datetime, float, float, str]  # time, x, y, category


@dataclass(frozen=True)
class _Calendar:
    """The incident period's days, their day of year, weekday and seasonal factor."""

    days: np.ndarray
    dow: np.ndarray
    season: np.ndarray

    @classmethod
    def build(cls) -> _Calendar:
        n_days = (_INCIDENT_END - _INCIDENT_START).days + 1
        dates = [_INCIDENT_START + dt.timedelta(days=int(d)) for d in range(n_days)]
        doy = np.array([d.timetuple().tm_yday for d in dates])
        return cls(
            days=np.datetime64(_INCIDENT_START.isoformat()) + np.arange(n_days),
            dow=np.array([d.weekday() for d in dates]),
            season=1.0 + 0.15 * np.cos(2 * np.pi * (doy - 200) / 365.0),
        )


def _clusters(plan: _Plan, stations: Sequence[_Station]) -> list[_Cluster]:
    """The incident clusters (nightlife, stops, districts, a grill) and the background."""
    st_by_name = {s.name: s.xy for s in stations}
    centrums = [f"{s.name} centrum" for s in _DISTRICTS]
    return [
        ("nightlife", plan.places["Stora torget"], 40.0, 0.12, "steady"),
        ("nightlife", plan.places["Storgatan norra"], 45.0, 0.09, "steady"),
        ("nightlife", plan.places["Ågatan öst"], 40.0, 0.08, "fade"),
        ("stop", st_by_name["Resecentrum"], 30.0, 0.06, "steady"),
        ("stop", st_by_name[centrums[0]], 30.0, 0.03, "steady"),
        ("stop", st_by_name[centrums[1]], 30.0, 0.02, "steady"),
        ("stop", st_by_name[centrums[2]], 30.0, 0.02, "steady"),
        ("district", plan.places[centrums[0]], 130.0, 0.07, "steady"),
        ("district", plan.places[centrums[1]], 120.0, 0.04, "steady"),
        ("district", plan.places[centrums[2]], 120.0, 0.04, "steady"),
        ("grill", plan.places["Söderby Grill"], 35.0, 0.08, "grow"),
        ("background", None, 0.0, 0.31, "steady"),
    ]


def _incidents(
    plan: _Plan,
    walk_edges: Sequence[_Edge],
    stations: Sequence[_Station],
    rng: np.random.Generator,
) -> list[list[str]]:
    """Incidents: Gaussian clusters and a diffuse background, all snapped near walkways."""
    lines = [LineString(e.coords) for e in walk_edges]
    tree = shapely.STRtree(lines)
    clusters = _clusters(plan, stations)
    calendar = _Calendar.build()
    trends = [_trend(c[4], calendar.days) for c in clusters]
    mass = np.array([c[3] * float(tr.mean()) for c, tr in zip(clusters, trends, strict=True)])
    which = rng.choice(len(clusters), size=_N_INCIDENTS, p=mass / mass.sum())
    bg_w = _background_weights(lines)
    rows: list[_Row] = []
    for c, (kind, centre, sigma, _, _) in enumerate(clusters):
        n = int((which == c).sum())
        if n == 0:
            continue
        cats = list(_MIX[kind])
        cat_p = np.array([_MIX[kind][k] for k in cats], dtype=float)
        cat_idx = rng.choice(len(cats), size=n, p=cat_p / cat_p.sum())
        if centre is None:
            pts = _background_points(lines, bg_w, n, rng)
        else:
            pts = _cluster_points(lines, tree, centre, sigma, n, rng)
        # Times: the evening's date by trend, weekday and season; the hour by category.
        for j, cat in enumerate(cats):
            sel = np.flatnonzero(cat_idx == j)
            if len(sel) > 0:
                when = _incident_times(cat, trends[c], calendar, len(sel), rng)
                rows += [(t, *pts[k], cat) for k, t in zip(sel.tolist(), when, strict=True)]
    return _incident_table(rows)


def _background_weights(lines: Sequence[LineString]) -> np.ndarray:
    """Background sampling weight per walkway: its length, more in the centre."""
    mids = np.array([line.interpolate(0.5, normalized=True).coords[0] for line in lines])
    lengths = np.array([line.length for line in lines])
    bg_w = lengths * (1.0 + 3.0 * np.exp(-np.hypot(mids[:, 0], mids[:, 1]) / 500.0))
    return bg_w / bg_w.sum()


def _background_points(
    lines: Sequence[LineString], bg_w: np.ndarray, n: int, rng: np.random.Generator
) -> list[XY]:
    """`n` points beside walkways drawn by `bg_w`, up to 4 m to either side."""
    pick = rng.choice(len(lines), size=n, p=bg_w)
    pos = rng.random(n)
    side = rng.uniform(-4.0, 4.0, n)
    pts = []
    for k, f, o in zip(pick.tolist(), pos.tolist(), side.tolist(), strict=True):
        line = lines[k]
        s = f * line.length
        p = line.interpolate(s)
        a = line.interpolate(max(s - 1.0, 0.0))
        b = line.interpolate(min(s + 1.0, line.length))
        nrm = _left((a.x, a.y), (b.x, b.y))
        pts.append((p.x + nrm[0] * o, p.y + nrm[1] * o))
    return pts


def _cluster_points(
    lines: Sequence[LineString],
    tree: shapely.STRtree,
    centre: XY,
    sigma: float,
    n: int,
    rng: np.random.Generator,
) -> list[XY]:
    """`n` Gaussian points around `centre`, pulled to within 4 m of the nearest walkway."""
    raw = np.asarray(centre) + rng.normal(0.0, sigma, size=(n, 2))
    reach = rng.uniform(0.0, 4.0, n)
    near = tree.query_nearest(shapely.points(raw), all_matches=False)[1]
    pts = []
    for p, k, r in zip(raw.tolist(), near.tolist(), reach.tolist(), strict=True):
        line = lines[k]
        q = line.interpolate(line.project(Point(p)))
        dx, dy = p[0] - q.x, p[1] - q.y
        d = math.hypot(dx, dy)
        f = min(d, r) / d if d > 0 else 0.0
        pts.append((q.x + dx * f, q.y + dy * f))
    return pts


def _incident_times(
    cat: str, trend: np.ndarray, calendar: _Calendar, n: int, rng: np.random.Generator
) -> list[dt.datetime]:
    """`n` local times of incidents of category `cat`: day by trend, weekday and season."""
    profile = _CATEGORY_TIME[cat]
    day_p = trend * calendar.season * np.asarray(_WEEKDAYS[profile])[calendar.dow]
    day_k = rng.choice(len(calendar.days), size=n, p=day_p / day_p.sum())
    hour_p = np.asarray(_HOURS[profile], dtype=float)
    hours = rng.choice(24, size=n, p=hour_p / hour_p.sum())
    minutes = rng.integers(0, 60, size=n)
    out = []
    for d_k, h, m in zip(day_k.tolist(), hours.tolist(), minutes.tolist(), strict=True):
        day = _INCIDENT_START + dt.timedelta(days=d_k)
        if h < 6 and day < _INCIDENT_END:
            day += dt.timedelta(days=1)  # after midnight: the next calendar day
        out.append(_local_time(day, h, m))
    return out


def _incident_table(rows: Sequence[_Row]) -> list[list[str]]:
    """The incidents CSV rows (with header), in time order, numbered from 1."""
    lonlat = _to_lonlat(np.asarray([(x, y) for _, x, y, _ in rows]))
    table = [
        (when, f"{lat:.6f}", f"{lon:.6f}", cat)
        for (when, _, _, cat), (lon, lat) in zip(rows, lonlat, strict=True)
    ]
    table.sort(key=lambda r: (r[0].astimezone(dt.UTC), r[1], r[2], r[3]))
    out = [["id", "occurred_at", "category", "lat", "lon"]]
    for k, (when, lat, lon, cat) in enumerate(table, start=1):
        out.append([str(k), when.isoformat(timespec="seconds"), cat, lat, lon])
    return out


# ----------------------------------------------------------------------------------------------
# Priority areas and the scenario
# ----------------------------------------------------------------------------------------------


def _areas(plan: _Plan) -> list[tuple[str, Polygon]]:
    """City (inner centre plus the walkway to Resecentrum) and the three district centres."""
    c = plan.grid["C"]
    core = Polygon([c[3, 2], c[_NX - 4, 2], c[_NX - 4, _NY - 3], c[3, _NY - 3]]).buffer(
        20.0, join_style="mitre"
    )
    walk = LineString([c[_MID_I, _MID_J + 1], plan.places["Resecentrum"]])
    strip = walk.buffer(45.0, cap_style="square", join_style="mitre")
    station = Point(plan.places["Resecentrum"]).buffer(60.0, quad_segs=4)
    city = shapely.union_all([core, strip, station]).simplify(1.0)
    out = [("City", city)]
    for spec in _DISTRICTS:
        g = plan.grid[spec.name]
        ring = Polygon([g[0, 0], g[6, 0], g[6, 6], g[0, 6]]).buffer(30.0, join_style="mitre")
        out.append((spec.name, ring))
    return [(name, shapely.orient_polygons(poly)) for name, poly in out]


def _areas_geojson(areas: Sequence[tuple[str, Polygon]]) -> str:
    features = []
    for name, poly in areas:
        rings = []
        for ring in (poly.exterior, *poly.interiors):
            ll = _to_lonlat(np.asarray(ring.coords))
            rings.append([[round(float(lon), 7), round(float(lat), 7)] for lon, lat in ll])
        features.append(
            {
                "type": "Feature",
                "properties": {"name": name},
                "geometry": {"type": "Polygon", "coordinates": rings},
            }
        )
    doc = {"type": "FeatureCollection", "name": "priority_areas", "features": features}
    return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"


_SCENARIO = """\
# Scenario for the embedded FICTIONAL sample town "Exempelstad" (`siteplan demo`).
# Generated by `python -m siteplan.datasets.build_sample`; edit the generator, not this file.
# The town, its buses and its incidents are invented; nothing here describes a real place.

[study_area]
name = "exempelstad"
title = "Exempelstad (fiktiv stad – exempeldata)"
fictional = true
crs = "EPSG:3006"              # SWEREF 99 TM, metres
timezone = "Europe/Stockholm"

[inputs]
osm = "town.osm"
gtfs = "gtfs.zip"
incidents = "incidents.csv"
areas = "areas.geojson"
areas_name_column = "name"
gtfs_service_date = 2026-01-14  # a Wednesday: the weekday timetable
perceived = "perceived.geojson"  # places reported as unsafe on safety walks (generated)

[legal]
plan_date = 2026-01-15          # kbl-2025: no permits; 9 § assessment and 10 § register entry
purposes = ["crime", "order"]
# ASSUMPTION, not law: the statute gives no distance for a stop area (hållplatsområde).
stop_area_radius_m = 25.0
# ASSUMPTION: walkways between stops of different routes up to this walk are "stråk".
strak_max_walk_m = 400.0
strak_policy = "borderline"     # exempt under the municipality's reading, flagged for review

[scoring]
# Incidents before this date train the score; the last six months test it.
evaluation_cut_date = 2025-07-01

[budget]
total_sek = 500_000
horizon_years = 1

# Camera catalogue. Prices are planning assumptions (DOMAIN.md §4), not quotes:
# camera 4 000-15 000 SEK, operation 3 000-8 000 SEK per camera-year.
[[cameras]]
model = "Bullet 4MP 60°"
horizontal_px = 2560
hfov_deg = 60.0
level = "recognise"
mount_height_m = 4.5
capex_sek = 9_000
opex_sek_per_year = 5_000

[[cameras]]
model = "Dome 1080p 90°"
horizontal_px = 1920
hfov_deg = 90.0
level = "recognise"
mount_height_m = 4.5
capex_sek = 6_000
opex_sek_per_year = 4_000

[[cameras]]
model = "Fisheye 12MP 360°"
horizontal_px = 4000
hfov_deg = 360.0
level = "observe"
mount_height_m = 5.0
capex_sek = 14_000
opex_sek_per_year = 6_000

[costs]
# Installation by mount (lamp post 10 000-25 000, facade 5 000-15 000), fibre on existing
# network 5 000-15 000, VMS licence 1 000-3 000: mid-range defaults from DOMAIN.md §4.
mount_sek = { lamp_post = 17_500, facade = 10_000, new_pole = 45_000 }
connectivity_sek = 10_000
vms_licence_sek = 2_000
paperwork_hours = 16            # kbl-2025 assessment and register entry per general site
hourly_rate_sek = 750

[placement]
method = "auto"
time_limit_s = 900              # a safety net only: work limits decide the plan
threads = 2                     # the plan is reproducible for a fixed thread count
seed = 0

# Cameras are one measure among others: the portfolio chooses cameras, lighting and help
# points together by expected incidents prevented (effect priors with their sources in
# docs/measures.md; built-in costs unless given here).
[[measures]]
name = "kameror"
kind = "camera"

[[measures]]
name = "belysning"              # new LED lamps in the dark gaps of the walkways
kind = "lighting"

[[measures]]
name = "nodtelefon"             # emergency help points at the stations (weak evidence)
kind = "help_point"

[portfolio]
perceived_weight = 0.5          # ASSUMPTION: a unit of reported unease = half an incident
stability_draws = 3             # re-optimisations for how robust each chosen measure is
frontier_budgets_sek = [200_000, 500_000, 1_000_000]  # "what the budget buys", per family

[output]
language = "sv"
self_contained = true
tiles = "none"                  # no base map: the town does not exist
retention_days = 3
"""


# ----------------------------------------------------------------------------------------------
# Entry points
# ----------------------------------------------------------------------------------------------


def _platform_nodes(stations: Sequence[_Station]) -> list[tuple[XY, dict[str, str]]]:
    """The OSM bus-stop nodes: platforms A and B of every station."""
    return [
        (
            xy,
            {
                "highway": "bus_stop",
                "public_transport": "platform",
                "bus": "yes",
                "name": st.name,
                "local_ref": code,
                "ref": f"{st.sid}{code}",
            },
        )
        for st in stations
        for code, xy in zip("AB", st.platforms, strict=True)
    ]


def build(out_dir: str | Path | None = None, *, seed: int = SEED) -> dict[str, int]:
    """
    Generate the sample town's files.

    Parameters
    ----------
    out_dir
        Folder to write to (created if needed); default ``siteplan/datasets/sample`` in the
        source checkout.
    seed
        Seed of the random generator. The committed files use :data:`SEED`.

    Returns
    -------
    counts
        What was written: ways, walkable edges, buildings, lamps, stations, platforms, routes,
        trips, incidents and so on.
    """
    out = Path(out_dir) if out_dir is not None else sample_dir()
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    plan = _Plan()
    _centre(plan, rng)
    for spec in _DISTRICTS:
        _district(plan, spec, rng)
    _connectors(plan)
    ways = plan.ways
    index = _node_ways(ways)
    edges = _split_edges(ways, index)
    walk_edges = [e for e in edges if e.tags["highway"] in WALKABLE]
    walk = nx.Graph([(e.u, e.v) for e in walk_edges])
    if not nx.is_connected(walk):
        msg = f"walk network has {nx.number_connected_components(walk)} components; expected 1"
        raise RuntimeError(msg)

    buildings = _buildings(plan, edges, rng)
    tree = shapely.STRtree([p for p, _ in buildings])
    lamps = _lamps(ways, index, tree)
    stations, runs = _bus_network(plan, ways, index)

    pois: list[tuple[XY, dict[str, str]]] = [
        (p, {"highway": "street_lamp", "lamp_mount": "straight_mast"}) for p in lamps
    ]
    gtfs_counts = _write_gtfs(out / "gtfs.zip", stations, runs)
    pois += _platform_nodes(stations)
    pois += plan.amenities
    _write_osm(out / "town.osm", index, ways, buildings, pois)

    incidents = _incidents(plan, walk_edges, stations, rng)
    (out / "incidents.csv").write_bytes(_csv(incidents))
    areas = _areas(plan)
    (out / "areas.geojson").write_text(_areas_geojson(areas), encoding="utf-8", newline="\n")
    (out / "scenario.toml").write_text(_SCENARIO, encoding="utf-8", newline="\n")
    n_perceived = perceived_sample.build(out)

    counts = {
        "highway_ways": len(ways),
        "walk_edges_undirected": len(walk_edges),
        "walk_length_km": round(sum(e.length_m for e in walk_edges) / 1000),
        "buildings": len(buildings),
        "lamps": len(lamps),
        "amenities": len(plan.amenities),
        **gtfs_counts,
        "incidents": len(incidents) - 1,
        "areas": len(areas),
        "perceived_places": n_perceived,
    }
    log.info("build_sample wrote %s to %s: %s", ", ".join(SAMPLE_FILES), out, counts)
    return counts


def main(argv: Sequence[str] | None = None) -> None:
    """
    Command line: ``python -m siteplan.datasets.build_sample [--out DIR] [--seed N]``.

    Parameters
    ----------
    argv
        Arguments (default: ``sys.argv[1:]``).
    """
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].strip())
    parser.add_argument(
        "--out", type=Path, default=None, help="output folder (siteplan/datasets/sample)"
    )
    parser.add_argument("--seed", type=int, default=SEED, help="random seed")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    build(args.out, seed=args.seed)


if __name__ == "__main__":
    main()
