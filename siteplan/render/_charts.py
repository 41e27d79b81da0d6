"""Small static charts as PNG data URIs, drawn with matplotlib's object API (no global state)."""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping
from typing import NamedTuple

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from siteplan.errors import InputError

__all__ = [
    "MAP_PANEL",
    "NOT_PROVEN_GAP",
    "REPORT",
    "ChartStyle",
    "FrontierProof",
    "family_frontier_png",
    "frontier_png",
    "frontier_proof",
    "png_uri",
]

#: Without a ``proven`` column, a frontier point whose gap exceeds this share is not proven.
NOT_PROVEN_GAP = 0.05


class ChartStyle(NamedTuple):
    """Size and type sizes of a chart; None keeps matplotlib's default."""

    figsize_in: tuple[float, float]
    dpi: float
    marker_size: float | None = None
    label_size: float | None = None
    tick_size: float | None = None
    headroom: float = 1.1  # the y axis reaches this factor times the highest coverage


#: The small chart in a panel of the map.
MAP_PANEL = ChartStyle((3.4, 2.2), 100.0, marker_size=3, label_size=8, tick_size=7, headroom=1.05)
#: The chart in report.html.
REPORT = ChartStyle((6.5, 3.6), 110.0)


class FrontierProof(NamedTuple):
    """Per frontier row: whether its gap is proven small, and its bound as a coverage share."""

    proven: np.ndarray
    bound_share: np.ndarray


def frontier_proof(frontier: pd.DataFrame) -> FrontierProof:
    """
    Which frontier points have a proven small gap, and their bound as a coverage share.

    Parameters
    ----------
    frontier
        Budget frontier; ``proven`` (bool) is read when present, else a point is proven when
        its ``gap`` is at most :data:`NOT_PROVEN_GAP` (a point without a gap counts as
        proven: it has nothing to prove). ``bound`` (covered weight) is restated on the
        scale of ``coverage_share`` (``bound / objective × coverage_share``).

    Returns
    -------
    FrontierProof
        Boolean and float arrays, one entry per row (NaN bound share where unknown).
    """
    n = len(frontier)
    gap = pd.to_numeric(frontier.get("gap", pd.Series(np.nan, index=frontier.index)))
    if "proven" in frontier.columns:
        proven = frontier["proven"].fillna(False).astype(bool).to_numpy() | gap.isna().to_numpy()
    else:
        proven = ~(gap > NOT_PROVEN_GAP).to_numpy()
    share = np.full(n, np.nan)
    if {"bound", "objective", "coverage_share"} <= set(frontier.columns):
        obj = pd.to_numeric(frontier["objective"]).to_numpy(dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(
                obj > 0,
                pd.to_numeric(frontier["bound"]).to_numpy(dtype=float)
                / obj
                * pd.to_numeric(frontier["coverage_share"]).to_numpy(dtype=float),
                np.nan,
            )
    return FrontierProof(np.asarray(proven, dtype=bool), share)


def png_uri(fig: Figure, *, dpi: float) -> str:
    """
    A figure as a ``data:image/png;base64,...`` URI.

    Parameters
    ----------
    fig
        A :class:`matplotlib.figure.Figure`.
    dpi
        Resolution of the PNG.

    Returns
    -------
    uri
        The PNG, base64-encoded, cropped to its content.
    """
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def frontier_png(
    frontier: pd.DataFrame | None,
    *,
    budget_sek: float | None,
    xlabel: str,
    ylabel: str,
    style: ChartStyle,
) -> str | None:
    """
    The coverage-vs-budget curve as a PNG data URI.

    Parameters
    ----------
    frontier
        Budget frontier with ``budget_sek`` and ``coverage_share`` (NaN where nothing fits).
    budget_sek
        The plan's budget, marked by a dashed line (None: no mark).
    xlabel, ylabel
        Axis labels (already translated).
    style
        :data:`MAP_PANEL` or :data:`REPORT`.

    Returns
    -------
    uri
        The chart, or None when `frontier` is None or empty.

    Raises
    ------
    InputError
        If `frontier` lacks ``budget_sek`` or ``coverage_share``.
    """
    if frontier is None or frontier.empty:
        return None
    missing = {"budget_sek", "coverage_share"} - set(frontier.columns)
    if missing:
        msg = (
            f"frontier chart: `frontier` lacks column(s) {sorted(missing)}; "
            f"found {list(frontier.columns)}."
        )
        raise InputError(msg)
    f = frontier.sort_values("budget_sek", kind="stable")
    fig = Figure(figsize=style.figsize_in)
    ax = fig.add_subplot()
    x = f["budget_sek"].to_numpy() / 1000
    y = 100 * f["coverage_share"].to_numpy()
    proof = frontier_proof(f)
    ax.plot(x, y, marker="o", ms=style.marker_size, color="#1f5fa8")
    open_ = ~proof.proven
    if open_.any():
        # Not proven: a hollow point and a line up to the bound (the most coverable).
        ax.plot(x[open_], y[open_], "o", ms=style.marker_size, mfc="white", color="#1f5fa8")
        top = 100 * proof.bound_share[open_]
        ax.vlines(x[open_], y[open_], np.where(np.isnan(top), y[open_], top), color="#7f7f7f")
    if budget_sek is not None:
        ax.axvline(budget_sek / 1000, color="#c0392b", ls="--", lw=1)
    ax.set_xlabel(xlabel, fontsize=style.label_size)
    ax.set_ylabel(ylabel, fontsize=style.label_size)
    if style.tick_size is not None:
        ax.tick_params(labelsize=style.tick_size)
    highest = np.nanmax(np.append(f["coverage_share"].to_numpy(dtype=float), 0.0))
    if open_.any() and np.isfinite(proof.bound_share[open_]).any():
        highest = max(highest, float(np.nanmax(proof.bound_share[open_])))
    ax.set_ylim(0, max(5.0, style.headroom * 100 * highest))
    ax.grid(alpha=0.3)
    return png_uri(fig, dpi=style.dpi)


#: Line colour of each family in :func:`family_frontier_png` (others cycle through the rest).
FAMILY_COLOURS = {"mix": "#1f5fa8", "cameras": "#7f7f7f", "lighting": "#e6a100"}
_MORE_COLOURS = ("#2ca02c", "#9467bd", "#8c564b")


def family_frontier_png(
    frontier: pd.DataFrame | None,
    *,
    labels: Mapping[str, str],
    budget_sek: float | None,
    xlabel: str,
    ylabel: str,
    style: ChartStyle,
) -> str | None:
    """
    Objective-vs-budget curves, one per family of a portfolio, as a PNG data URI.

    Parameters
    ----------
    frontier
        Rows with ``family``, ``budget_sek`` and ``objective`` (NaN where nothing fits);
        ``proven`` and ``bound`` when present: a point not proven is hollow with a line up to
        its bound.
    labels
        Family -> legend label (already translated); families without a label use their id.
    budget_sek
        The plan's budget, marked by a dashed line (None: no mark).
    xlabel, ylabel
        Axis labels (already translated).
    style
        :data:`MAP_PANEL` or :data:`REPORT`.

    Returns
    -------
    uri
        The chart, or None when `frontier` is None or empty.

    Raises
    ------
    InputError
        If `frontier` lacks ``family``, ``budget_sek`` or ``objective``.
    """
    if frontier is None or frontier.empty:
        return None
    missing = {"family", "budget_sek", "objective"} - set(frontier.columns)
    if missing:
        msg = (
            f"portfolio frontier chart: `frontier` lacks column(s) {sorted(missing)}; "
            f"found {list(frontier.columns)}."
        )
        raise InputError(msg)
    fig = Figure(figsize=style.figsize_in)
    ax = fig.add_subplot()
    spare = iter(_MORE_COLOURS * (1 + frontier["family"].nunique()))
    for family, rows in frontier.groupby("family", sort=False):
        f = rows.sort_values("budget_sek", kind="stable")
        colour = FAMILY_COLOURS.get(str(family)) or next(spare)
        x = f["budget_sek"].to_numpy(dtype=float) / 1000
        y = f["objective"].to_numpy(dtype=float)
        label = labels.get(str(family), str(family))
        ax.plot(x, y, marker="o", ms=style.marker_size, color=colour, label=label)
        proven = (
            f["proven"].fillna(True).astype(bool).to_numpy()
            if "proven" in f.columns
            else np.ones(len(f), bool)
        )
        if (~proven).any():
            ax.plot(x[~proven], y[~proven], "o", ms=style.marker_size, mfc="white", color=colour)
            if "bound" in f.columns:
                top = f["bound"].to_numpy(dtype=float)[~proven]
                ax.vlines(x[~proven], y[~proven], np.fmax(top, y[~proven]), color=colour, lw=1)
    if budget_sek is not None:
        ax.axvline(budget_sek / 1000, color="#c0392b", ls="--", lw=1)
    ax.set_xlabel(xlabel, fontsize=style.label_size)
    ax.set_ylabel(ylabel, fontsize=style.label_size)
    if style.tick_size is not None:
        ax.tick_params(labelsize=style.tick_size)
    values = frontier["objective"].to_numpy(dtype=float)
    if "bound" in frontier.columns:
        values = np.append(values, frontier["bound"].to_numpy(dtype=float))
    highest = np.nanmax(np.append(values, 0.0))
    ax.set_ylim(0, max(1.0, style.headroom * highest))
    ax.legend(fontsize=style.label_size)
    ax.grid(alpha=0.3)
    return png_uri(fig, dpi=style.dpi)
