"""Follow-up of installed cameras: effect on incidents and spending against the budget.

For the interim report (1 January – 31 August) and the year-end report. The units of analysis
are corridor segments (or, without corridors, square grid cells). A unit is *treated* when the
installed cameras' footprints cover at least `min_overlap` of it; the *buffer* holds the other
units within `buffer_m` of a footprint; *controls* are matched to the treated units from the
rest. The effect is estimated three ways, from counts only (no incident point leaves here):

- the odds ratio of the before/after counts in treated vs. control units (Welsh & Farrington
  2009), before = the same calendar dates one year earlier (:mod:`.effects`);
- a difference-in-differences Poisson (or negative-binomial) model of unit × month counts with
  unit and month fixed effects and staggered installation dates (:mod:`.inference`);
- the weighted displacement quotient of the buffer ring (Bowers & Johnson 2003).

:mod:`.economics` sets spending against the budget; :func:`followup` runs every step and
returns a :class:`FollowupResult`. Meta-analyses find modest reductions overall, largest in car
parks (Welsh & Farrington 2009; Piza et al. 2019): the report states estimates with their
intervals and claims nothing more. ``pipeline.run_followup`` loads a scenario's inputs and calls
:func:`followup`; :mod:`siteplan.render.followup` renders the result.
"""

from siteplan.followup.analysis import FollowupSettings, followup
from siteplan.followup.controls import (
    Controls,
    RegressionToMean,
    intervention_units,
    regression_to_mean,
)
from siteplan.followup.economics import Period, economics, report_period
from siteplan.followup.effects import (
    assign_incidents,
    build_panel,
    displacement,
    grid_units,
    matched_controls,
    odds_ratio,
    unit_roles,
    wedge_footprints,
    weighted_displacement_difference,
)
from siteplan.followup.inference import OVERDISPERSION_LIMIT, did_poisson
from siteplan.followup.measures import MeasureEffects, measure_effects
from siteplan.followup.operations import Operations, SiteOperations
from siteplan.followup.result import (
    SHARED_AREA,
    SPENDING_CATEGORIES,
    DidResult,
    Displacement,
    Economics,
    FollowupResult,
    NotEstimable,
    OddsRatio,
)

__all__ = [
    "OVERDISPERSION_LIMIT",
    "SHARED_AREA",
    "SPENDING_CATEGORIES",
    "Controls",
    "DidResult",
    "Displacement",
    "Economics",
    "FollowupResult",
    "FollowupSettings",
    "MeasureEffects",
    "NotEstimable",
    "OddsRatio",
    "Operations",
    "Period",
    "RegressionToMean",
    "SiteOperations",
    "assign_incidents",
    "build_panel",
    "did_poisson",
    "displacement",
    "economics",
    "followup",
    "grid_units",
    "intervention_units",
    "matched_controls",
    "measure_effects",
    "odds_ratio",
    "regression_to_mean",
    "report_period",
    "unit_roles",
    "wedge_footprints",
    "weighted_displacement_difference",
]
