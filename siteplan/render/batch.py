"""The batch report: a tornado chart, the results per scenario and a map of robust sites.

Pure: reads a :class:`siteplan.batch.BatchResult` and returns text, PNG data URIs or a folium
map. Every number shown was computed by :mod:`siteplan.batch`.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import folium
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from siteplan.render._charts import png_uri

if TYPE_CHECKING:
    from siteplan.batch import BatchResult

__all__ = ["batch_report_html", "results_png", "sites_map", "tornado_png"]

_DPI = 110.0


def _value(text: object) -> str:
    """A swept value as a short label: 300000.0 -> '300,000'."""
    try:
        number = float(str(text))
    except ValueError:
        return str(text)
    return f"{number:,.0f}" if number.is_integer() else f"{number:,.3g}"


def tornado_png(sensitivity: pd.DataFrame) -> str | None:
    """
    Tornado chart: per swept assumption, the coverage at its worst and best values.

    Parameters
    ----------
    sensitivity
        :attr:`BatchResult.sensitivity` (sorted by swing, largest first).

    Returns
    -------
    uri
        A PNG data URI, or None when no assumption varied.
    """
    if sensitivity.empty:
        return None
    table = sensitivity.iloc[::-1]
    fig = Figure(figsize=(7.0, 0.5 * len(table) + 1.4))
    ax = fig.add_subplot()
    low = table["low_coverage_share"].to_numpy() * 100
    high = table["high_coverage_share"].to_numpy() * 100
    y = np.arange(len(table))
    ax.barh(y, high - low, left=low, color="#3b6ea5")
    for yi, lo, hi, lv, hv in zip(
        y, low, high, table["low_value"], table["high_value"], strict=True
    ):
        ax.annotate(
            _value(lv),
            (lo, yi),
            xytext=(-4, 0),
            textcoords="offset points",
            ha="right",
            va="center",
            fontsize=8,
        )
        ax.annotate(
            _value(hv),
            (hi, yi),
            xytext=(4, 0),
            textcoords="offset points",
            ha="left",
            va="center",
            fontsize=8,
        )
    ax.set_yticks(y, table["parameter"].tolist())
    ax.set_xlabel("Weighted demand covered (%), mean over runs at that value")
    span = max(float(high.max() - low.min()), 1e-6)
    ax.set_xlim(float(low.min()) - 0.3 * span, float(high.max()) + 0.3 * span)
    ax.set_title("Which assumption moves the result most")
    return png_uri(fig, dpi=_DPI)


def results_png(runs: pd.DataFrame, frontiers: pd.DataFrame) -> str | None:
    """
    Coverage against cost of every successful run, with each run's frontier when swept.

    Parameters
    ----------
    runs
        :attr:`BatchResult.runs`.
    frontiers
        :attr:`BatchResult.frontiers`.

    Returns
    -------
    uri
        A PNG data URI, or None when no run succeeded.
    """
    ok = runs[runs["status"] == "ok"]
    if ok.empty:
        return None
    fig = Figure(figsize=(6.5, 3.8))
    ax = fig.add_subplot()
    for group, rows in ok.groupby("group", sort=True):
        ax.scatter(rows["cost_sek"] / 1000, rows["coverage_share"] * 100, label=str(group), s=18)
    if not frontiers.empty and {"budget_sek", "coverage_share"} <= set(frontiers.columns):
        for _, rows in frontiers.groupby("run_id", sort=True):
            rows = rows.sort_values("budget_sek")
            ax.plot(rows["budget_sek"] / 1000, rows["coverage_share"] * 100, lw=0.8, alpha=0.5)
    ax.set_xlabel("Cost (thousand SEK)")
    ax.set_ylabel("Weighted demand covered (%)")
    ax.legend(fontsize=8)
    ax.set_title("Result of each run (and its budget frontier when swept)")
    return png_uri(fig, dpi=_DPI)


def sites_map(sites: pd.DataFrame) -> folium.Map:
    """
    Map of the chosen sites, coloured by the share of runs that chose them.

    Parameters
    ----------
    sites
        :attr:`BatchResult.sites` (lon, lat, selection_share).

    Returns
    -------
    map
        A folium map without tiles (sites may lie in invented towns).
    """
    center = [float(sites["lat"].mean()), float(sites["lon"].mean())] if len(sites) else [0, 0]
    fmap = folium.Map(location=center, zoom_start=14, tiles=None)
    for row in sites.itertuples():
        share = float(row.selection_share)
        colour = "#1a7f37" if share >= 0.9 else "#d4a72c" if share >= 0.5 else "#cf222e"
        folium.CircleMarker(
            location=[float(row.lat), float(row.lon)],
            radius=4 + 8 * share,
            color=colour,
            fill=True,
            fill_opacity=0.8,
            tooltip=f"{row.group} {row.site_id}: chosen in {share:.0%} of {row.n_runs} runs",
        ).add_to(fmap)
    if len(sites):
        fmap.fit_bounds(
            [[sites["lat"].min(), sites["lon"].min()], [sites["lat"].max(), sites["lon"].max()]]
        )
    return fmap


def _table(frame: pd.DataFrame) -> str:
    return frame.to_html(index=False, border=0, na_rep="", float_format=lambda v: f"{v:,.4g}")


def _img(uri: str | None, alt: str) -> str:
    return f'<p><img src="{uri}" alt="{html.escape(alt)}"></p>' if uri else ""


def batch_report_html(result: BatchResult, *, map_file: str = "map.html") -> str:
    """
    The batch report page: counts, failures, tornado chart, results, robust sites.

    Parameters
    ----------
    result
        The batch result.
    map_file
        Relative link to the map of robust sites.

    Returns
    -------
    html
        A self-contained HTML page.
    """
    runs = result.runs
    n_ok = int((runs["status"] == "ok").sum()) if len(runs) else 0
    failed = runs[runs["status"] == "failed"] if len(runs) else runs
    robust = result.sites[result.sites["selection_share"] >= 0.9] if len(result.sites) else None
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>siteplan batch</title>",
        "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}"
        "table{border-collapse:collapse;font-size:85%}td,th{padding:2px 6px;"
        "border-bottom:1px solid #ddd}</style></head><body>",
        "<h1>Batch of plans</h1>",
        f"<p>{len(runs)} runs: {n_ok} finished, {len(failed)} failed, "
        f"{result.n_cached} taken from an earlier batch.</p>",
    ]
    if len(failed):
        parts += ["<h2>Failed runs</h2>", _table(failed[["label", "error"]])]
    parts += [
        "<h2>Which assumption moves the result most</h2>",
        _img(tornado_png(result.sensitivity), "tornado chart"),
        _table(result.sensitivity) if len(result.sensitivity) else "<p>No assumption varied.</p>",
        "<h2>Result of each run</h2>",
        _img(results_png(runs, result.frontiers), "coverage against cost"),
        _table(runs.drop(columns=["error"], errors="ignore")),
        f"<h2>Robust sites</h2><p><a href='{html.escape(map_file)}'>Map of every chosen site</a>"
        " (green: chosen in at least 90 % of runs).</p>",
    ]
    if robust is not None and len(robust):
        parts.append(_table(pd.DataFrame(robust.drop(columns="geometry"))))
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
