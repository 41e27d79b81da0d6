"""A plan's portfolio of measures as tables: ``portfolio.csv``, ``measures.csv`` and a layer.

Pure: a :class:`~siteplan.pipeline.PlanResult` in, frames or text out; nothing here computes a
number: the families' plans, their intervals and the measure table come from
:func:`siteplan.measures.plan_portfolio`. :mod:`siteplan.io.outputs` writes the files, the
report and the map read the same tables.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd

from siteplan.render._csv import csv_text

if TYPE_CHECKING:
    from siteplan.measures import PortfolioResult
    from siteplan.pipeline import PlanResult

__all__ = [
    "MEASURES_CSV_COLUMNS",
    "MEASURE_LAYER_COLUMNS",
    "PORTFOLIO_CSV_COLUMNS",
    "family_table",
    "measure_layer",
    "portfolio_files",
    "portfolio_gpkg_layers",
]

#: Columns of ``portfolio.csv``: one row per family of plans.
PORTFOLIO_CSV_COLUMNS = (
    "family",
    "cost_sek",
    "prevented_per_year",
    "prevented_low",
    "prevented_high",
    "perceived_addressed",
    "gap",
    "status",
)
#: Columns of ``measures.csv``: one row per measure of the mix.
MEASURES_CSV_COLUMNS = (
    "measure",
    "kind",
    "title",
    "n_options",
    "cost_sek",
    "prevented_per_year",
    "prevented_low",
    "prevented_high",
    "perceived_addressed",
    "reduction",
    "reduction_low",
    "reduction_high",
    "evidence",
    "source",
    "frequency",
)
#: Attribute columns of the ``measures`` layer (besides ``option_id`` and the geometry).
MEASURE_LAYER_COLUMNS = ("measure", "kind", "cost_sek", "frequency")


def family_table(portfolio: PortfolioResult) -> pd.DataFrame:
    """
    One row per family of plans (mix first), with :data:`PORTFOLIO_CSV_COLUMNS`.

    Parameters
    ----------
    portfolio
        The run's portfolio.

    Returns
    -------
    table
        ``prevented_low`` and ``prevented_high`` are the 5th and 95th percentiles of the
        expected incidents prevented per year over the draws of the effect priors.
    """
    rows = []
    for family, plan in portfolio.plans.items():
        low, high = portfolio.intervals.get(family, (np.nan, np.nan))
        rows.append(
            {
                "family": family,
                "cost_sek": plan.cost_sek,
                "prevented_per_year": plan.prevented_per_year,
                "prevented_low": low,
                "prevented_high": high,
                "perceived_addressed": plan.perceived_addressed,
                "gap": plan.gap,
                "status": plan.status,
            }
        )
    return pd.DataFrame(rows, columns=list(PORTFOLIO_CSV_COLUMNS))


def measure_layer(portfolio: PortfolioResult) -> gpd.GeoDataFrame:
    """
    The mix's chosen options other than cameras, as a layer in the working CRS.

    Parameters
    ----------
    portfolio
        The run's portfolio.

    Returns
    -------
    layer
        Index ``option_id``; :data:`MEASURE_LAYER_COLUMNS` and the geometry (lighting: the
        dark stretch that gets lamps; site measures: a point). ``frequency`` is the share of
        re-optimised draws that kept the option (NaN when not computed).
    """
    chosen = portfolio.chosen
    mine = chosen[chosen["kind"].astype(str) != "camera"]
    crs = getattr(chosen, "crs", None)
    geometry = mine["geometry"] if "geometry" in mine.columns else None
    layer = gpd.GeoDataFrame(mine[list(MEASURE_LAYER_COLUMNS)].copy(), geometry=geometry, crs=crs)
    layer.index = layer.index.rename("option_id")
    return layer


def portfolio_gpkg_layers(result: PlanResult) -> dict[str, gpd.GeoDataFrame]:
    """
    The portfolio's layers of ``plan.gpkg``: ``measures`` when the mix holds any measure.

    Parameters
    ----------
    result
        The plan (reads ``portfolio``; nothing without it).

    Returns
    -------
    layers
        ``{"measures": layer}`` (index reset to an ``option_id`` column) or empty.
    """
    if result.portfolio is None:
        return {}
    layer = measure_layer(result.portfolio)
    return {"measures": layer.reset_index()} if len(layer) else {}


def portfolio_files(result: PlanResult) -> dict[str, str]:
    """
    The portfolio's CSV files, keyed by their path relative to the output folder.

    Parameters
    ----------
    result
        The plan (reads ``portfolio``).

    Returns
    -------
    files
        ``portfolio.csv`` (:func:`family_table`) and ``measures.csv`` (the mix's measure
        table, :data:`MEASURES_CSV_COLUMNS`), text cells neutralised against formula
        injection; empty without a portfolio.
    """
    if result.portfolio is None:
        return {}
    measures = result.portfolio.measures.reindex(columns=list(MEASURES_CSV_COLUMNS))
    return {
        "portfolio.csv": csv_text(family_table(result.portfolio), index=False),
        "measures.csv": csv_text(measures, index=False),
    }
