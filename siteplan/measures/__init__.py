"""Safety measures beyond cameras: the catalogue, darkness and the options of each measure.

A scenario's ``[[measures]]`` (lighting, help points, vegetation clearance, custom measures and
the cameras' own effect prior) are resolved against built-in defaults with cited effect priors
(:func:`resolve`); :func:`measure_options` turns a measure into placeable options with the
demand points each one acts on; :func:`is_dark` tells which times fall between sunset and
sunrise, where lighting acts; :func:`perceived_demand` spreads places reported as unsafe over
the corridors.
"""

from __future__ import annotations

from siteplan.measures.catalogue import MEASURE_KINDS, Measure, default_measures, resolve
from siteplan.measures.darkness import (
    LatLon,
    centre_latlon,
    darkness_share,
    is_dark,
    sun_times,
)
from siteplan.measures.options import MEASURE_OPTION_COLUMNS, MeasureOptions, measure_options
from siteplan.measures.perceived import perceived_demand
from siteplan.measures.plans import (
    FAMILIES,
    PortfolioPlan,
    PortfolioResult,
    plan_portfolio,
    solve_family,
)
from siteplan.measures.portfolio import (
    PERCEIVED,
    Portfolio,
    Strata,
    build_portfolio,
    draw_reductions,
    incident_strata,
    only_kinds,
)

__all__ = [
    "FAMILIES",
    "MEASURE_KINDS",
    "MEASURE_OPTION_COLUMNS",
    "PERCEIVED",
    "LatLon",
    "Measure",
    "MeasureOptions",
    "Portfolio",
    "PortfolioPlan",
    "PortfolioResult",
    "Strata",
    "build_portfolio",
    "centre_latlon",
    "darkness_share",
    "default_measures",
    "draw_reductions",
    "incident_strata",
    "is_dark",
    "measure_options",
    "only_kinds",
    "perceived_demand",
    "plan_portfolio",
    "resolve",
    "solve_family",
    "sun_times",
]
