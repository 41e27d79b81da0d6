"""Render a plan's bill of quantities as ``procurement.csv``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from siteplan.render._csv import csv_text

if TYPE_CHECKING:
    from siteplan.pipeline import PlanResult

__all__ = ["procurement_files"]


def procurement_files(result: PlanResult) -> dict[str, str]:
    """
    The procurement outputs of a plan, keyed by their path relative to the output folder.

    Parameters
    ----------
    result
        The plan (reads ``bill``, from :func:`siteplan.procurement.bill_of_quantities`).

    Returns
    -------
    files
        ``{"procurement.csv": text}``: the bill, one row per item and total, amounts with two
        decimals, text cells neutralised against formula injection.
    """
    return {"procurement.csv": csv_text(result.bill, index=False, float_format="%.2f")}
