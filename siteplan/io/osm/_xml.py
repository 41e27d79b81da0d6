"""OSM XML (``.osm``, ``.osm.bz2``, ``.osm.gz``): stream the file, keep the walkable ways.

osmnx reads the walk ways from a trimmed copy (dangling node references dropped) and the
buildings and points from the original file.
"""

from __future__ import annotations

import bz2
import contextlib
import gzip
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, cast
from xml.sax.saxutils import quoteattr

import osmnx as ox
import pyproj
from osmnx._errors import InsufficientResponseError
from shapely.geometry.base import BaseGeometry

from siteplan.errors import InputError
from siteplan.io.osm._layers import OsmLayers, finish, osmnx_settings, warn
from siteplan.io.osm._tags import EXTRA_WAY_TAGS, FEATURE_TAGS, WALKABLE_HIGHWAYS, is_walkable

__all__ = ["XML_SUFFIXES", "load_xml"]

#: File name endings read as OSM XML.
XML_SUFFIXES = (".osm", ".osm.bz2", ".osm.gz", ".xml", ".xml.bz2", ".xml.gz")

_Way = tuple[int, list[int], dict[str, str]]


@dataclass
class _WalkWays:
    """What the first pass over an OSM XML file found."""

    node_ids: set[int]
    ways: list[_Way]
    n_ways: int
    highways: dict[str, int]


def load_xml(path: Path, target: pyproj.CRS, polygon: BaseGeometry | None) -> OsmLayers:
    """
    Load the walk network and the other layers from an OSM XML file.

    Parameters
    ----------
    path
        A plain, bz2 or gzip OSM XML file.
    target
        The working CRS.
    polygon
        Keep only what lies inside this EPSG:4326 area (None: everything).

    Returns
    -------
    layers
        The layers, in `target`.
    """
    with tempfile.TemporaryDirectory(prefix="siteplan-osm-") as tmp:
        walk_file = Path(tmp) / "walk.osm"
        _write_walk_xml(path, walk_file)
        with osmnx_settings():
            G = ox.graph_from_xml(walk_file, bidirectional=True, simplify=False, retain_all=True)
    with osmnx_settings():
        try:
            features = ox.features_from_xml(path, polygon=polygon, tags=FEATURE_TAGS)
        except InsufficientResponseError:
            features = None
    return finish(G, features, label=str(path), target=target, polygon=polygon)


@contextlib.contextmanager
def _open_xml(path: Path) -> Iterator[IO[bytes]]:
    """Open a plain, bz2 or gzip OSM XML file for binary reading."""
    name = path.name.lower()
    if name.endswith(".bz2"):
        with bz2.open(path, "rb") as f:
            yield f
    elif name.endswith(".gz"):
        with gzip.open(path, "rb") as g:
            yield cast("IO[bytes]", g)
    else:
        with path.open("rb") as f:
            yield f


def _iter_elements(path: Path) -> Iterator[ET.Element]:
    """Stream the top-level elements of an OSM XML file, checking it is OSM XML."""
    try:
        with _open_xml(path) as f:
            context = ET.iterparse(f, events=("start", "end"))
            _, root = next(context)
            if root.tag != "osm":
                msg = (
                    f"{path}: the root element is <{root.tag}>, not <osm>, so this is not an "
                    "OSM XML file. Export one from openstreetmap.org, JOSM or osmium "
                    "(`osmium cat extract.osm.pbf -o extract.osm`)."
                )
                raise InputError(msg)
            depth = 1
            for event, elem in context:
                if event == "start":
                    depth += 1
                    continue
                depth -= 1
                if depth == 1:
                    yield elem
                    root.clear()  # drop finished elements: memory stays flat
    except ET.ParseError as err:
        msg = (
            f"{path}: not valid XML ({err}). Expected an OSM XML file; if it was cut short "
            "by a failed download, download it again."
        )
        raise InputError(msg) from err
    except (OSError, EOFError) as err:
        msg = f"{path}: cannot read the file ({err}). Is the compression (.bz2/.gz) right?"
        raise InputError(msg) from err


def _scan_xml(path: Path) -> _WalkWays:
    """First pass: every node id, and the walkable ways with their node refs and tags."""
    node_ids: set[int] = set()
    ways: list[_Way] = []
    highways: dict[str, int] = {}
    n_ways = 0
    for elem in _iter_elements(path):
        if elem.tag == "node":
            node_ids.add(int(elem.attrib["id"]))
        elif elem.tag == "way":
            n_ways += 1
            tags = {t.attrib["k"]: t.attrib["v"] for t in elem.iter("tag")}
            if "highway" in tags:
                highways[tags["highway"]] = highways.get(tags["highway"], 0) + 1
            if is_walkable(tags):
                refs = [int(nd.attrib["ref"]) for nd in elem.iter("nd")]
                keep = {k: v for k, v in tags.items() if k in EXTRA_WAY_TAGS}
                ways.append((int(elem.attrib["id"]), refs, keep))
    return _WalkWays(node_ids, ways, n_ways, highways)


def _trim_ways(path: Path, scan: _WalkWays) -> list[_Way]:
    """The walkable ways without references to nodes outside the file (warns with counts)."""
    kept: list[_Way] = []
    n_refs = 0
    missing: set[int] = set()
    n_trimmed_ways = 0
    n_dropped = 0
    for way_id, refs, tags in scan.ways:
        inside = [r for r in refs if r in scan.node_ids]
        if len(inside) < len(refs):
            n_refs += len(refs) - len(inside)
            missing.update(r for r in refs if r not in scan.node_ids)
            n_trimmed_ways += 1
        if len(set(inside)) < 2:
            n_dropped += 1
            continue
        kept.append((way_id, inside, tags))
    if n_refs:
        warn(
            f"{path}: trimmed {n_refs} references to {len(missing)} nodes outside the file in "
            f"{n_trimmed_ways} walkable ways; dropped {n_dropped} ways left with fewer than "
            "2 nodes. The extract looks clipped: use one that covers the study area with a "
            "margin."
        )
    if not kept:
        msg = f"{path}: every walkable way references only nodes outside the file."
        raise InputError(msg)
    return kept


def _write_walk_xml(path: Path, out: Path) -> None:
    """
    Write the walkable ways of `path` and their nodes to `out`, trimming dangling refs.

    osmnx fails ("Some edges missing nodes") on ways that reference nodes missing from the
    file, as in extracts clipped by a bounding box; those references are dropped here, and
    ways left with fewer than 2 nodes are dropped, with an InputWarning giving the counts.
    """
    scan = _scan_xml(path)
    if not scan.ways:
        found = ", ".join(f"{k} ({v})" for k, v in sorted(scan.highways.items())) or "none"
        msg = (
            f"{path}: no walkable ways ({scan.n_ways} ways; highway values found: {found}). "
            f"The walk network keeps highway={', '.join(sorted(WALKABLE_HIGHWAYS))}. Use an "
            "extract that covers the study area's streets and paths."
        )
        raise InputError(msg)
    kept = _trim_ways(path, scan)
    needed = {r for _, refs, _ in kept for r in refs}
    with out.open("w", encoding="utf-8") as f:
        f.write(
            '<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" generator="siteplan">\n'
        )
        for elem in _iter_elements(path):
            if elem.tag == "node" and int(elem.attrib["id"]) in needed:
                a = elem.attrib
                f.write(f'<node id="{a["id"]}" lat="{a["lat"]}" lon="{a["lon"]}"/>\n')
        for way_id, refs, tags in kept:
            f.write(f'<way id="{way_id}">')
            f.writelines(f'<nd ref="{r}"/>' for r in refs)
            f.writelines(f"<tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items())
            f.write("</way>\n")
        f.write("</osm>\n")
