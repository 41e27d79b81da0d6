"""Corridor scoring: incident risk, exposure and priority; model selection; hotspots and trends.

Per corridor segment, three separate quantities, each a column with its unit
(:func:`score_corridors`):

- **risk** (``risk_per_m_year``, with ``risk_low_per_m_year``/``risk_high_per_m_year``, a 90 %
  interval): expected severity- and hour-weighted incidents per metre and year. Point
  incidents are snapped to their nearest segment (within 25 m) and recency-weighted; each
  segment's count is shrunk towards a kernel-density surface of its neighbourhood by
  empirical Bayes (Poisson-gamma, prior strength estimated by the method of moments), plus an
  optional near-repeat boost; incidents known only by their area are spread by length;
- **exposure** (``exposure_dph`` = ``footfall_dph``): departures per hour at stops within
  walking distance, decaying as ``exp(-d / decay_m)``; stops without departures add nothing
  (and are counted in a warning);
- **priority** (``priority``, also ``score``): the mean, weighted by ``scoring.weights``, of
  each component over its length-weighted network mean (``comp_*``: 1 = an average metre of
  walkway). Nothing is clipped or saturates; ``priority_pct`` and ``risk_pct`` are rank
  percentiles for colour scales.

The risk model (bandwidth, recency half-life, prior strength, near-repeat share, or one of the
baselines) is chosen from the user's own data by rolling-origin temporal cross-validation
(:func:`select_model`, module ``selection``), with a stated default when the data are too few.

:func:`evaluate` reports PAI (Chainey et al. 2008), PEI (Hunt 2016) and the recapture rate
index at shares of the network length for the model, the priority, last-period counts, a plain
KDE and uniform, as the mean and spread over the rolling folds (an :class:`Evaluation`).

:func:`hotspot_trends` marks significant hotspots (Getis–Ord Gi* on the corridor graph,
permutation inference, Benjamini–Hochberg FDR) and their trend (new, intensifying,
persistent, diminishing, sporadic; Mann–Kendall), module ``hotspots``.

Modules: ``components`` (incident weights, kernel density, incident rate, area, footfall),
``_surface`` (the candidate models on snapped incidents), ``selection`` (rolling folds and the
choice), ``model`` (the scored corridors, rankings, the heat raster), ``evaluation`` (PAI, PEI,
RRI), ``hotspots`` (Gi*, Mann–Kendall, categories).
"""

from __future__ import annotations

from siteplan.scoring._common import SNAP_DISTANCE_M
from siteplan.scoring._common import snap as snap_incidents
from siteplan.scoring._surface import ModelSpec
from siteplan.scoring.components import (
    IncidentRate,
    area_incidents,
    bandwidth_for,
    choose_bandwidth,
    footfall,
    incident_rate,
    incident_weights,
    kde_intensity,
)
from siteplan.scoring.evaluation import (
    EVALUATION_COLUMNS,
    FOLD_COLUMNS,
    METHODS,
    Evaluation,
    evaluate,
    pai,
    pei,
)
from siteplan.scoring.hotspots import (
    HOTSPOT_COLUMNS,
    TREND_CATEGORIES,
    Hotspots,
    annotate,
    hotspot_summary,
    hotspot_trends,
)
from siteplan.scoring.model import (
    ScoreFit,
    fit_scores,
    heat_raster,
    rankings,
    score_corridors,
)
from siteplan.scoring.selection import ModelSelection, rolling_folds, select_model

__all__ = [
    "EVALUATION_COLUMNS",
    "FOLD_COLUMNS",
    "HOTSPOT_COLUMNS",
    "METHODS",
    "SNAP_DISTANCE_M",
    "TREND_CATEGORIES",
    "Evaluation",
    "Hotspots",
    "IncidentRate",
    "ModelSelection",
    "ModelSpec",
    "ScoreFit",
    "annotate",
    "area_incidents",
    "bandwidth_for",
    "choose_bandwidth",
    "evaluate",
    "fit_scores",
    "footfall",
    "heat_raster",
    "hotspot_summary",
    "hotspot_trends",
    "incident_rate",
    "incident_weights",
    "kde_intensity",
    "pai",
    "pei",
    "rankings",
    "rolling_folds",
    "score_corridors",
    "select_model",
    "snap_incidents",
]
