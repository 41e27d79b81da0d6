"""Small static charts as PNG data URIs, drawn with matplotlib's object API (no global state)."""

from __future__ import annotations

import base64
import io
from typing import NamedTuple

import pandas as pd
from matplotlib.figure import Figure

from siteplan.errors import InputError

__all__ = ["MAP_PANEL", "REPORT", "ChartStyle", "frontier_png", "png_uri"]


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
    ax.plot(x, y, marker="o", ms=style.marker_size, color="#1f5fa8")
    if budget_sek is not None:
        ax.axvline(budget_sek / 1000, color="#c0392b", ls="--", lw=1)
    ax.set_xlabel(xlabel, fontsize=style.label_size)
    ax.set_ylabel(ylabel, fontsize=style.label_size)
    if style.tick_size is not None:
        ax.tick_params(labelsize=style.tick_size)
    ax.set_ylim(0, max(5.0, style.headroom * 100 * float(f["coverage_share"].max())))
    ax.grid(alpha=0.3)
    return png_uri(fig, dpi=style.dpi)
