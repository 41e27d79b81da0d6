"""Camera-law regimes, stop areas and stråk: which corridor needs which procedure, and why.

Three regimes of the Camera Surveillance Act (kamerabevakningslagen 2018:1200, KBL) are encoded
in :data:`REGIMES`. Code uses one vocabulary, ``legal_class`` in
{"stop_area", "stop_area_borderline", "general"}, and renders each regime's own Swedish words
with :func:`wording`. The statute gives no distance for a stop area and does not name the walkways
between stops (stråk): the radius, the walking distance and the stråk policy are configurable
assumptions, and every reason that rests on them says so ("Antagande, inte lag").

Modules: ``regimes`` (dates in force, wording, statute references), ``stop_areas`` (the stop
layer and the nearest stop), ``strak`` (walks between stops) and ``classify`` (the decision per
segment or site, a :class:`Decision`).
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
    regime_for,
    wording,
)
from siteplan.legal.strak import (
    STRAK_COLUMNS,
    find_strak,
)

__all__ = [
    "EXEMPT_PURPOSES",
    "LEGAL_CLASSES",
    "LEGAL_COLUMNS",
    "REGIMES",
    "STRAK_COLUMNS",
    "Decision",
    "RegimeInfo",
    "classify",
    "classify_points",
    "find_strak",
    "regime_for",
    "wording",
]
