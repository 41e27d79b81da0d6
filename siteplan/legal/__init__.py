"""Camera-law regimes, stop areas and stråk: which corridor needs which procedure, and why.

Three regimes of the Camera Surveillance Act (kamerabevakningslagen 2018:1200, KBL) are encoded
in :data:`REGIMES`. Code uses one vocabulary, ``legal_class`` in
{"stop_area", "stop_area_borderline", "general"}, and renders each regime's own Swedish words
with :func:`wording`. The statute gives no distance for a stop area and does not name the walkways
between stops (stråk): the radius, the walking distance and the stråk policy are configurable
assumptions, and every reason that rests on them says so ("Antagande, inte lag").

Modules: ``regimes`` (dates in force, wording, statute references), ``stop_areas`` (the stop
layer, the stop-area polygons of served stops and the nearest stop), ``strak`` (walks between
stops), ``classify`` (the decision per segment or site, a :class:`Decision`) and ``views``
(each camera by what it films: the share of its view inside stop areas).
"""

from __future__ import annotations

from siteplan.legal.classify import (
    LEGAL_COLUMNS,
    Decision,
    classify,
    classify_points,
)
from siteplan.legal.regimes import (
    EXEMPT_PURPOSES,
    LEGAL_CLASSES,
    REGIMES,
    RegimeInfo,
    authority_on,
    regime_for,
    wording,
)
from siteplan.legal.stop_areas import (
    STOP_AREA_COLUMNS,
    served_stops,
    stop_areas,
)
from siteplan.legal.strak import (
    STRAK_COLUMNS,
    find_strak,
)
from siteplan.legal.views import (
    VIEW_COLUMNS,
    MaskedViews,
    classify_views,
    mask_views,
    strak_segments,
    view_classes,
)

__all__ = [
    "EXEMPT_PURPOSES",
    "LEGAL_CLASSES",
    "LEGAL_COLUMNS",
    "REGIMES",
    "STOP_AREA_COLUMNS",
    "STRAK_COLUMNS",
    "VIEW_COLUMNS",
    "Decision",
    "MaskedViews",
    "RegimeInfo",
    "authority_on",
    "classify",
    "classify_points",
    "classify_views",
    "find_strak",
    "mask_views",
    "regime_for",
    "served_stops",
    "stop_areas",
    "strak_segments",
    "view_classes",
    "wording",
]
