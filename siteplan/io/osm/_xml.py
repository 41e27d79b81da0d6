"""OSM XML (``.osm``, ``.osm.bz2``, ``.osm.gz``): stream the file, keep the walkable ways.

osmnx reads the walk ways from a trimmed copy (dangling node references dropped) and the
buildings and points from a second copy without the ways that leave the extract (osmnx cannot
build their outlines, and a multipolygon relation made of such a way makes it fail with
``EmptyPartError``); relations whose member ways are gone are dropped by osmnx. Both are
reported in one warning with counts.
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
from typing import IO, Any, cast
from xml.sax.saxutils import quoteattr

import osmnx as ox
import pyproj
from osmnx._errors import InsufficientResponseError
from shapely.errors import GEOSException, ShapelyError
from shapely.geometry.base import BaseGeometry

from siteplan.errors import InputError
from siteplan.io.osm._layers import OsmLayers, finish, osmnx_settings, warn
from siteplan.io.osm._tags import EXTRA_WAY_TAGS, FEATURE_TAGS, WALKABLE_HIGHWAYS, is_walkable

__all__ = ["XML_SUFFIXES", "iter_elements", "load_xml"]

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
    way_ids: set[int]
    """Every way in the file."""
    partial: dict[int, list[int]]
    """Ways that referenced nodes not (yet) read when they were read: id -> node refs."""
    relation_members: dict[int, list[int]]
    """Relations with way members: id -> member way ids."""

    def incomplete_ways(self) -> set[int]:
        """Ways that reference nodes missing from the file."""
        return {w for w, refs in self.partial.items() if any(r not in self.node_ids for r in refs)}


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
        feature_file = Path(tmp) / "features.osm"
        _write_copies(path, walk_file, feature_file)
        with osmnx_settings():
            G = ox.graph_from_xml(walk_file, bidirectional=True, simplify=False, retain_all=True)
            features = _features(path, feature_file, polygon)
    return finish(G, features, label=str(path), target=target, polygon=polygon)


def _features(path: Path, feature_file: Path, polygon: BaseGeometry | None) -> Any:
    """Buildings and points from the trimmed copy; None (with a warning) if osmnx fails."""
    try:
        return ox.features_from_xml(feature_file, polygon=polygon, tags=FEATURE_TAGS)
    except InsufficientResponseError:
        return None
    except (ShapelyError, GEOSException, ValueError) as err:
        warn(
            f"{path.name}: could not build the buildings, lamps, bus stops and points of "
            f"interest ({type(err).__name__}: {err}); they are left out. Use an extract cut "
            "with complete ways (`osmium extract --strategy complete_ways`)."
        )
        return None


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


def iter_elements(path: Path) -> Iterator[ET.Element]:
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
    scan = _WalkWays(set(), [], 0, {}, set(), {}, {})
    for elem in iter_elements(path):
        if elem.tag == "node":
            scan.node_ids.add(int(elem.attrib["id"]))
        elif elem.tag == "way":
            _scan_way(elem, scan)
        elif elem.tag == "relation":
            members = [int(m.attrib["ref"]) for m in elem.iter("member") if m.get("type") == "way"]
            if members:
                scan.relation_members[int(elem.attrib["id"])] = members
    return scan


def _scan_way(elem: ET.Element, scan: _WalkWays) -> None:
    """Record one way: its id, completeness, highway value and (if walkable) refs and tags."""
    way_id = int(elem.attrib["id"])
    scan.n_ways += 1
    scan.way_ids.add(way_id)
    refs = [int(nd.attrib["ref"]) for nd in elem.iter("nd")]
    if any(r not in scan.node_ids for r in refs):
        scan.partial[way_id] = refs
    tags = {t.attrib["k"]: t.attrib["v"] for t in elem.iter("tag")}
    if "highway" in tags:
        scan.highways[tags["highway"]] = scan.highways.get(tags["highway"], 0) + 1
    if is_walkable(tags):
        keep = {k: v for k, v in tags.items() if k in EXTRA_WAY_TAGS}
        scan.ways.append((way_id, refs, keep))


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


def _write_copies(path: Path, walk_out: Path, feature_out: Path) -> None:
    """
    Write the walk copy and the feature copy of `path` in one pass (see the module docstring).

    osmnx fails ("Some edges missing nodes") on ways that reference nodes missing from the
    file, as in extracts clipped by a bounding box; in the walk copy those references are
    dropped, and ways left with fewer than 2 nodes are dropped. The feature copy leaves out
    every way that leaves the extract. One InputWarning gives the counts.
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
    incomplete = scan.incomplete_ways()
    _warn_incomplete_features(path, scan, incomplete)
    needed = {r for _, refs, _ in kept for r in refs}
    header = '<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" generator="siteplan">\n'
    with walk_out.open("w", encoding="utf-8") as walk, feature_out.open("w", encoding="utf-8") as f:
        walk.write(header)
        f.write(header)
        for elem in iter_elements(path):
            if elem.tag == "node" and int(elem.attrib["id"]) in needed:
                a = elem.attrib
                walk.write(f'<node id="{a["id"]}" lat="{a["lat"]}" lon="{a["lon"]}"/>\n')
            if elem.tag in {"node", "relation"} or (
                elem.tag == "way" and int(elem.attrib["id"]) not in incomplete
            ):
                elem.tail = "\n"
                f.write(ET.tostring(elem, encoding="unicode"))
        for way_id, refs, tags in kept:
            walk.write(f'<way id="{way_id}">')
            walk.writelines(f'<nd ref="{r}"/>' for r in refs)
            walk.writelines(f"<tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items())
            walk.write("</way>\n")
        walk.write("</osm>\n")
        f.write("</osm>\n")


def _warn_incomplete_features(path: Path, scan: _WalkWays, incomplete: set[int]) -> None:
    """Warn with counts about ways and relations that leave the extract (no outline)."""
    absent = {w for ws in scan.relation_members.values() for w in ws} - scan.way_ids
    gone = incomplete | absent
    relations = sum(1 for ws in scan.relation_members.values() if any(w in gone for w in ws))
    if not incomplete and not relations:
        return
    warn(
        f"{path.name}: {len(incomplete)} ways and {relations} relations leave the extract "
        "(they reference nodes or ways outside the file); their buildings and other outlines "
        "cannot be built and are left out. The walk network keeps the parts inside the file. "
        "Use an extract that covers the study area with a margin."
    )
