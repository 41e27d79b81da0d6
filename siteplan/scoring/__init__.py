"""Corridor scoring: where incidents concentrate, where people are, and how well that predicts.

The score of a corridor segment combines three components, each a pure function returning a
Series aligned to the corridor index:

- ``incident_rate``: weighted incidents per metre of the segment itself, shrunk towards the
  neighbourhood's rate from a gaussian kernel density (``kde_intensity``) by empirical Bayes
  (weights = severity × hour-of-day weight × recency). Where a segment has much data its own
  count dominates, where it has little the smooth density does; the balance is estimated from
  the data (method of moments), so no hotspot or smoothing strength is hard-coded;
- ``area_incidents``: incidents known only by their priority area, spread over the area's
  corridors by length (weighted incidents per metre);
- ``footfall``: departures per hour at public-transport stops within walking distance,
  decaying as ``exp(-d / decay_m)``.

Each component is scaled robustly to [0, 1] (divided by its 99th percentile and clipped) and the
score is their weighted mean, using ``scoring.weights`` of the scenario.

The kernel bandwidth is explicit: :func:`bandwidth_for` gives the scenario's (fixed or
cross-validated), :func:`score_corridors` takes it as ``bandwidth_m`` (None: chooses it), and
:func:`fit_scores` returns it with the estimated prior strength in a :class:`ScoreFit`.

:func:`evaluate` checks the score on a hold-out period with the Predictive Accuracy Index
(PAI, Chainey et al. 2008) and the Predictive Efficiency Index (PEI, Hunt 2016) at shares of the
network length, against two baselines: a uniform (random) choice and last period's counts, and
returns an :class:`Evaluation`.

Modules: ``components`` (the components and the bandwidth), ``model`` (the score, rankings and
the heat raster), ``evaluation`` (PAI, PEI and the hold-out test).
"""

from __future__ import annotations

from siteplan.scoring._common import SNAP_DISTANCE_M
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
    Evaluation,
    evaluate,
    pai,
    pei,
)
from siteplan.scoring.model import (
    ScoreFit,
    fit_scores,
    heat_raster,
    rankings,
    score_corridors,
)

__all__ = [
    "EVALUATION_COLUMNS",
    "SNAP_DISTANCE_M",
    "Evaluation",
    "IncidentRate",
    "ScoreFit",
    "area_incidents",
    "bandwidth_for",
    "choose_bandwidth",
    "evaluate",
    "fit_scores",
    "footfall",
    "heat_raster",
    "incident_rate",
    "incident_weights",
    "kde_intensity",
    "pai",
    "pei",
    "rankings",
    "score_corridors",
]
