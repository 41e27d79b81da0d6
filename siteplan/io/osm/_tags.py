"""Walkability rules: the one walk filter every OSM loader applies, and the tag vocabularies.

The walk network keeps the highway types in :data:`WALKABLE_HIGHWAYS`, drops ``foot=no``,
``access=private|no`` (unless ``foot=yes``) and ``area=yes`` ways, as osmnx's "walk" network
does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "EXTRA_WAY_TAGS",
    "FEATURE_TAGS",
    "FOOTWAY_HIGHWAYS",
    "POI_AMENITIES",
    "RESIDENTIAL_BUILDINGS",
    "WALKABLE_HIGHWAYS",
    "first_value",
    "is_mixed",
    "is_walkable",
    "present",
]

#: OSM ``highway`` values kept in the walk network.
WALKABLE_HIGHWAYS = frozenset(
    {
        "footway", "path", "pedestrian", "steps", "cycleway", "living_street",
        "residential", "service", "unclassified", "tertiary", "tertiary_link",
        "secondary", "secondary_link", "primary", "primary_link", "track", "corridor",
        "bridleway", "road",
    }
)  # fmt: skip
#: ``highway`` values that are mapped paths for people on foot (not roads).
FOOTWAY_HIGHWAYS = frozenset(
    {"footway", "path", "pedestrian", "steps", "cycleway", "corridor", "bridleway"}
)
#: ``amenity`` values kept as points of interest (night life, food, venues).
POI_AMENITIES = frozenset(
    {
        "bar", "pub", "nightclub", "fast_food", "restaurant", "cafe", "biergarten",
        "casino", "cinema", "theatre", "events_venue", "food_court", "stripclub",
    }
)  # fmt: skip
#: ``building`` values counted as homes (privacy when cameras overlook them).
RESIDENTIAL_BUILDINGS = frozenset(
    {
        "residential", "apartments", "house", "detached", "semidetached_house", "terrace",
        "dormitory", "bungalow", "cabin", "farm", "static_caravan", "houseboat",
    }
)  # fmt: skip

#: The osmnx feature query for buildings, lamps, bus stops and POIs.
FEATURE_TAGS: dict[str, bool | str | list[str]] = {
    "building": True,
    "highway": ["bus_stop", "street_lamp"],
    "public_transport": ["platform"],
    "amenity": sorted(POI_AMENITIES),
}
#: Way tags kept on graph edges (the walk filter reads them).
EXTRA_WAY_TAGS = ("access", "area", "foot", "footway", "highway", "name", "sidewalk")
_NO_FOOT = frozenset({"no", "private"})
_FOOT_ALLOWED = frozenset({"yes", "designated", "permissive", "official"})
_NO_ACCESS = frozenset({"no", "private"})


def present(value: Any) -> bool:
    """True unless `value` is None or a missing-value marker."""
    if value is None:
        return False
    try:
        return not bool(pd.isna(value))
    except (TypeError, ValueError):  # list-like values
        return True


def _values(value: Any) -> list[str]:
    """Tag value(s) as a list of strings; missing values give an empty list."""
    if isinstance(value, list | tuple | set | np.ndarray):
        return sorted(str(v) for v in value if present(v))
    return [str(value)] if present(value) else []


def first_value(value: Any) -> str | None:
    """The first (sorted) value of a tag that may be a list; None when missing."""
    values = _values(value)
    return values[0] if values else None


def is_walkable(tags: Mapping[str, Any]) -> bool:
    """
    Return True if a way (or a merged edge) with these tags belongs to the walk network.

    Parameters
    ----------
    tags
        OSM tags or osmnx edge attributes. A list of ``highway`` values marks an edge that
        osmnx merged from several ways; its other tags cannot be told apart per way, so it
        is kept when any of its highway values is walkable.

    Returns
    -------
    walkable
        Whether people may walk along it.
    """
    highway = _values(tags.get("highway"))
    if not any(h in WALKABLE_HIGHWAYS for h in highway):
        return False
    if len(highway) > 1:
        return True
    if "yes" in _values(tags.get("area")):
        return False
    foot = _values(tags.get("foot"))
    if foot and all(f in _NO_FOOT for f in foot):
        return False
    access = _values(tags.get("access"))
    foot_ok = any(f in _FOOT_ALLOWED for f in foot)
    return not (access and all(a in _NO_ACCESS for a in access) and not foot_ok)


def is_mixed(tags: Mapping[str, Any]) -> bool:
    """True for a merged edge whose ways are not all walkable (see `is_walkable`)."""
    highway = _values(tags.get("highway"))
    if len(highway) < 2:
        return False
    restricted = {*_values(tags.get("foot")), *_values(tags.get("access"))} & _NO_ACCESS
    return (
        bool(restricted)
        or "yes" in _values(tags.get("area"))
        or not all(h in WALKABLE_HIGHWAYS for h in highway)
    )
