"""
Generate the sample town's FICTIONAL perceived-safety layer (``sample/perceived.geojson``).

Everything here is invented: no safety walk (trygghetsvandring) took place in Exempelstad. The
places are drawn with a seeded generator from the town's own files, where a real walk would
find them: dark stretches of walkways far from street lamps, stops with night departures, the
surroundings of bars and the night club, overgrown footpaths, two stretches of the long
cycle paths between the districts (walked as lines) and two areas (the centre park and a
district square). Each place has a weight of 1–5 (how strongly the walkers marked it), the date
of one of the autumn walks and a reason in Swedish ("mörkt", "buskage", "folktomt" ...).

Run ``python -m siteplan.datasets.perceived_sample [--out DIR]`` after
:mod:`siteplan.datasets.build_sample` (which also calls :func:`build`). The same seed and the
same town give a byte-identical file, written in EPSG:4326.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import mapping
from shapely.ops import substring

from siteplan.datasets import sample_dir
from siteplan.io.gtfs import load_gtfs
from siteplan.io.osm import load_osm

__all__ = ["FILE_NAME", "SEED", "WALK_DATES", "build", "main", "perceived_places", "to_geojson"]

log = logging.getLogger(__name__)

#: Seed of the perceived-safety layer's random generator.
SEED = 20260215
#: Name of the layer in the sample folder.
FILE_NAME = "perceived.geojson"
#: The evenings of the fictional autumn safety walks (dark by 18:00).
WALK_DATES = (
    dt.date(2024, 10, 8),
    dt.date(2024, 10, 15),
    dt.date(2024, 10, 29),
    dt.date(2024, 11, 12),
)

_CRS = "EPSG:3006"
_WALKWAYS = ("footway", "path", "pedestrian", "steps", "cycleway")
_STEP_M = 10.0
_SPACING_M = 80.0
_DARK = ("mörkt", "dålig belysning", "trasig belysning", "mörk gångväg")
_STOP = ("folktomt på kvällen", "otrygg hållplats", "väntar ensam i mörkret")
_NIGHTLIFE = ("berusade personer", "stökigt på helgnätter", "bråk utanför krogen")
_VEGETATION = ("buskage", "skymd sikt", "igenvuxet")


def perceived_places(
    edges: gpd.GeoDataFrame,
    lamps: gpd.GeoDataFrame,
    stops: gpd.GeoDataFrame,
    pois: gpd.GeoDataFrame,
    *,
    seed: int = SEED,
    n_dark: int = 24,
    n_stops: int = 10,
    n_nightlife: int = 6,
    n_vegetation: int = 8,
) -> gpd.GeoDataFrame:
    """
    Draw a fictional perceived-safety layer for a town.

    Parameters
    ----------
    edges
        The walk network (``load_osm(...).edges``) with ``highway`` and LineString geometry in
        a projected CRS.
    lamps
        Street lamps (``load_osm(...).lamps``), points in the same CRS.
    stops
        Stops (``load_gtfs(...).stops``) with ``stop_name`` and ``night_departures_per_hour``.
    pois
        Bars, pubs, night clubs and grills (``load_osm(...).pois``) with ``amenity``.
    seed
        Seed of the one random generator every draw comes from.
    n_dark, n_stops, n_nightlife, n_vegetation
        How many points of each kind: dark walkway stretches, stops with night departures,
        nightlife and overgrown footpaths. Two lines and up to two polygons come on top.

    Returns
    -------
    places
        Indexed by ``place_id`` ("tv-01", ...), columns ``weight`` (int 1–5), ``date``
        (datetime64, one of :data:`WALK_DATES`), ``reason`` (str, Swedish) and ``geometry``
        (Point, LineString or Polygon) in the CRS of `edges`.
    """
    rng = np.random.default_rng(seed)
    walkways = edges[edges["highway"].isin(_WALKWAYS)]
    candidates, dark_m, on_link = _walkway_points(walkways, lamps)
    parts = [
        _dark_points(candidates, dark_m, on_link, n_dark, rng),
        _stop_points(stops, n_stops, rng),
        _nightlife_points(pois, n_nightlife, rng),
        _vegetation_points(candidates, dark_m, n_vegetation, rng),
        _walk_lines(walkways, rng),
        _areas(walkways, stops),
    ]
    frame = pd.concat([p for p in parts if len(p)], ignore_index=True)
    dates = rng.choice(np.array(WALK_DATES, dtype="datetime64[D]"), size=len(frame))
    index = pd.Index([f"tv-{i + 1:02d}" for i in range(len(frame))], name="place_id")
    return gpd.GeoDataFrame(
        {
            "weight": frame["weight"].to_numpy(dtype=int),
            "date": pd.to_datetime(dates).astype("datetime64[ns]"),
            "reason": frame["reason"].to_numpy(dtype=str),
        },
        geometry=frame["geometry"].to_numpy(),
        index=index,
        crs=edges.crs,
    )


def _walkway_points(walkways: gpd.GeoDataFrame, lamps: gpd.GeoDataFrame) -> tuple[Any, Any, Any]:
    """
    Points every :data:`_STEP_M` along the walkways, with their lamp distance and link flag.

    The distance is to the nearest street lamp; the flag says whether the point lies on a
    cycle path (the long, unlit links between the districts).
    """
    lines = walkways.geometry.to_numpy()
    counts = np.maximum(np.floor(shapely.length(lines) / _STEP_M).astype(int), 1)
    owner = np.repeat(np.arange(len(lines)), counts)
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    along = (np.arange(counts.sum()) - starts + 0.5) * _STEP_M
    points = shapely.line_interpolate_point(lines[owner], along)
    on_link = (walkways["highway"].to_numpy() == "cycleway")[owner]
    if lamps.empty:
        return points, np.full(len(points), np.inf), on_link
    _, dist = lamps.sindex.nearest(points, return_distance=True, return_all=False)
    return points, np.asarray(dist, dtype=float), on_link


def _spaced(points: Any, order: Any, n: int, *, taken: Sequence[Any] = ()) -> list[int]:
    """The first `n` of `points` in `order` at least :data:`_SPACING_M` from each other."""
    chosen: list[int] = []
    kept = list(taken)
    for i in order:
        if len(chosen) == n:
            break
        if all(shapely.distance(points[i], p) >= _SPACING_M for p in kept):
            chosen.append(int(i))
            kept.append(points[i])
    return chosen


def _frame(geometry: Sequence[Any], weight: Any, reason: Any) -> pd.DataFrame:
    return pd.DataFrame({"geometry": list(geometry), "weight": weight, "reason": list(reason)})


def _dark_points(
    points: Any, dark_m: Any, on_link: Any, n: int, rng: np.random.Generator
) -> pd.DataFrame:
    """The darkest stretches (farthest from a lamp), half in town and half on the links."""
    score = dark_m * rng.uniform(0.8, 1.2, size=len(dark_m))
    order = np.argsort(-score, kind="stable")
    chosen = _spaced(points, order[~on_link[order]], n - n // 2)
    chosen += _spaced(points, order[on_link[order]], n // 2, taken=list(points[chosen]))
    quantile = pd.Series(dark_m[chosen]).rank(pct=True).to_numpy()
    weight = np.clip(np.rint(2 + 3 * quantile), 1, 5)
    return _frame(points[chosen], weight, rng.choice(_DARK, size=len(chosen)))


def _vegetation_points(points: Any, dark_m: Any, n: int, rng: np.random.Generator) -> pd.DataFrame:
    """Random walkway points away from the darkest ones (those are dark, not overgrown)."""
    lit = np.flatnonzero(dark_m < np.quantile(dark_m, 0.7))
    order = rng.permutation(lit)
    chosen = _spaced(points, order, n)
    weight = rng.integers(1, 4, size=len(chosen))
    return _frame(points[chosen], weight, rng.choice(_VEGETATION, size=len(chosen)))


def _offset(points: Any, rng: np.random.Generator, low_m: float, high_m: float) -> Any:
    """Move each point a random distance in a random direction (where people stood)."""
    angle = rng.uniform(0, 2 * np.pi, size=len(points))
    dist = rng.uniform(low_m, high_m, size=len(points))
    xy = shapely.get_coordinates(points)
    return shapely.points(xy[:, 0] + dist * np.cos(angle), xy[:, 1] + dist * np.sin(angle))


def _stop_points(stops: gpd.GeoDataFrame, n: int, rng: np.random.Generator) -> pd.DataFrame:
    """Beside the stations with the most night departures (one per station name)."""
    night = stops[stops["night_departures_per_hour"] > 0]
    night = night.sort_values(["night_departures_per_hour", "stop_name"], ascending=[False, True])
    night = night.drop_duplicates("stop_name").head(n)
    points = _offset(night.geometry.to_numpy(), rng, 8.0, 20.0)
    weight = rng.integers(2, 5, size=len(night))
    return _frame(points, weight, rng.choice(_STOP, size=len(night)))


def _nightlife_points(pois: gpd.GeoDataFrame, n: int, rng: np.random.Generator) -> pd.DataFrame:
    """Outside some of the bars, pubs and night clubs."""
    bars = pois[pois["amenity"].isin(["bar", "pub", "nightclub"])].sort_index()
    if bars.empty:
        return _frame([], [], [])
    picked = bars.iloc[np.sort(rng.choice(len(bars), size=min(n, len(bars)), replace=False))]
    points = _offset(picked.geometry.to_numpy(), rng, 5.0, 25.0)
    weight = rng.integers(2, 6, size=len(picked))
    return _frame(points, weight, rng.choice(_NIGHTLIFE, size=len(picked)))


def _walk_lines(walkways: gpd.GeoDataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """A stretch of about 400 m in the middle of each of the two longest cycle paths."""
    paths = walkways[walkways["highway"] == "cycleway"].sort_index()
    longest = paths.geometry.length.sort_values(ascending=False, kind="stable").head(2)
    lines = []
    for edge_id, length_m in longest.items():
        start = rng.uniform(0.3, 0.5) * length_m
        end = min(start + 400.0, length_m)
        lines.append(substring(paths.geometry[edge_id], start, end))
    reasons = ["ensligt stråk, mörkt", "mörk gång- och cykelväg"][: len(lines)]
    return _frame(lines, [4, 3][: len(lines)], reasons)


def _areas(walkways: gpd.GeoDataFrame, stops: gpd.GeoDataFrame) -> pd.DataFrame:
    """The park (around its paths and steps) and the busiest district square at night."""
    shapes, weight, reasons = [], [], []
    park = walkways[walkways["highway"].isin(["path", "steps"])]
    if len(park):
        shapes.append(park.geometry.union_all().convex_hull.buffer(15.0, quad_segs=4))
        weight.append(4)
        reasons.append("parken: mörkt och buskage")
    squares = stops[stops["stop_name"].str.contains("centrum", case=False, na=False)]
    if len(squares):
        top = squares.sort_values(
            ["night_departures_per_hour", "stop_name"], ascending=[False, True]
        ).iloc[0]
        shapes.append(top.geometry.buffer(50.0, quad_segs=4))
        weight.append(3)
        reasons.append("folktomt torg på kvällen")
    return _frame(shapes, weight, reasons)


def to_geojson(places: gpd.GeoDataFrame) -> str:
    """The layer as GeoJSON text (EPSG:4326, 6 decimals), byte-stable for a given input."""
    lonlat = places.geometry.to_crs("EPSG:4326")
    features = []
    for place_id, row, shape in zip(places.index, places.itertuples(), lonlat, strict=True):
        rounded = shapely.transform(shape, lambda xy: np.round(xy, 6))
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "id": str(place_id),
                    "weight": int(row.weight),
                    "date": pd.Timestamp(row.date).date().isoformat(),
                    "reason": str(row.reason),
                },
                "geometry": mapping(rounded),
            }
        )
    head = {
        "type": "FeatureCollection",
        "name": "perceived_safety",
        "description": (
            "FICTIONAL perceived-safety places (trygghetsvandringar) of the invented sample "
            "town Exempelstad; generated by python -m siteplan.datasets.perceived_sample"
        ),
    }
    lines = [json.dumps(f, ensure_ascii=False) for f in features]
    return (
        json.dumps(head, ensure_ascii=False)[:-1]
        + ', "features": [\n'
        + ",\n".join(lines)
        + "\n]}\n"
    )


def build(out_dir: str | Path | None = None, *, seed: int = SEED) -> int:
    """
    Write ``perceived.geojson`` from the town's ``town.osm`` and ``gtfs.zip`` in `out_dir`.

    Parameters
    ----------
    out_dir
        The sample folder (default ``siteplan/datasets/sample``); it must hold the town's
        files already.
    seed
        Seed of the generator. The committed file uses :data:`SEED`.

    Returns
    -------
    n_places
        How many places were written.
    """
    out = Path(out_dir) if out_dir is not None else sample_dir()
    layers = load_osm(out / "town.osm", crs=_CRS)
    stops = load_gtfs(out / "gtfs.zip", crs=_CRS).stops
    places = perceived_places(layers.edges, layers.lamps, stops, layers.pois, seed=seed)
    (out / FILE_NAME).write_text(to_geojson(places), encoding="utf-8", newline="\n")
    log.info(
        "perceived_sample wrote %d places (%s) to %s",
        len(places),
        ", ".join(f"{n} {k}" for k, n in places.geom_type.value_counts().sort_index().items()),
        out / FILE_NAME,
    )
    return len(places)


def main(argv: Sequence[str] | None = None) -> None:
    """
    Command line: ``python -m siteplan.datasets.perceived_sample [--out DIR] [--seed N]``.

    Parameters
    ----------
    argv
        Arguments (default: ``sys.argv[1:]``).
    """
    parser = argparse.ArgumentParser(description=__doc__.strip().split("\n\n")[0].strip())
    parser.add_argument("--out", type=Path, default=None, help="sample folder")
    parser.add_argument("--seed", type=int, default=SEED, help="random seed")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    build(args.out, seed=args.seed)


if __name__ == "__main__":
    main()
