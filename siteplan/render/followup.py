"""Render ``followup.html`` from a FollowupResult: self-contained, charts inline, text escaped.

Pure: the result in, the page's text out. Charts are drawn with matplotlib's object API
(:class:`~matplotlib.figure.Figure`, no global figure state); the template is autoescaped by
jinja2.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
from jinja2 import Environment, PackageLoader, select_autoescape
from matplotlib.figure import Figure

from siteplan.i18n import t

if TYPE_CHECKING:
    from siteplan.followup.result import Economics, FollowupResult

__all__ = [
    "effect_sentence",
    "followup_charts",
    "measure_sentences",
    "render_followup",
    "rtm_sentence",
    "summary_line",
]

_GROUP_COLOURS = {"treated": "#c0392b", "control": "#1f5fa8", "buffer": "#7f8c8d"}
_DPI = 110


def render_followup(result: FollowupResult, *, generated: dt.date | None = None) -> str:
    """
    The follow-up page: findings, installation, method, effects, economics and notes.

    Parameters
    ----------
    result
        From :func:`siteplan.followup.followup` or :func:`siteplan.pipeline.run_followup`.
    generated
        The date shown as the page's creation date (default: today).

    Returns
    -------
    html
        The page; text is escaped and nothing is loaded from elsewhere.
    """
    lang = result.meta.lang
    env = Environment(
        loader=PackageLoader("siteplan", "templates"), autoescape=select_autoescape(["html", "j2"])
    )
    env.globals["t"] = lambda key, **kw: t(key, lang, **kw)
    env.filters["sek"] = _sek
    env.filters["num"] = _num_filter(decimal_comma=lang == "sv")
    env.filters["pct"] = _pct_filter(lang)
    env.filters["pct_share"] = _share_filter(decimal_comma=lang == "sv")
    econ = result.economics
    return env.get_template("followup.html.j2").render(
        r=result.to_dict(),
        lang=lang,
        generated=(generated or dt.date.today()).isoformat(),
        charts=followup_charts(result),
        finding=effect_sentence(result),
        rtm_text=rtm_sentence(result),
        measure_lines=measure_sentences(result),
        categories=list(econ.by_category),
        shared_area=econ.shared_area,
    )


def effect_sentence(result: FollowupResult) -> str:
    """
    The report's finding on the effect: the verdict first, then the % change interval.

    The same sentence heads the findings of ``followup.html`` and the line ``siteplan
    followup`` prints.

    Parameters
    ----------
    result
        The follow-up.

    Returns
    -------
    sentence
        In the result's language, e.g. "Osäkert: intervallet rymmer −25 % till +1 300 % …".
    """
    lang = result.meta.lang
    headline = result.effect.headline
    if headline is None:
        return t("followup.effect.not_estimable", lang)
    pct = _pct_filter(lang)
    return t(
        f"followup.effect.{result.effect.verdict}",
        lang,
        n=len(result.sites.sites),
        min=result.sites.min_treated_sites,
        lo=pct(headline.change_low, low=True),
        hi=pct(headline.change_high),
        est=pct(headline.change),
    )


def measure_sentences(result: FollowupResult) -> dict[str, str]:
    """
    The pooled line of each kind of installed measure, with the same honest wording.

    Below the minimum number of sites the line says the data cannot show an effect either
    way, whatever the interval; it is never called significant.

    Parameters
    ----------
    result
        The follow-up.

    Returns
    -------
    lines
        Kind -> sentence in the result's language; empty without installed measures.
    """
    if result.measures is None:
        return {}
    lang = result.meta.lang
    pct = _pct_filter(lang)
    lines = {}
    for k in result.measures.kinds:
        kind = t(f"followup.measure.kind.{k.kind}", lang)
        p = k.pooled
        if p is None:
            lines[k.kind] = t("followup.measure.verdict.not_estimable", lang, kind=kind)
            continue
        lines[k.kind] = t(
            f"followup.measure.verdict.{k.verdict}",
            lang,
            kind=kind,
            n=k.n_estimated,
            min=k.min_treated_sites,
            lo=pct(p.change_low, low=True),
            hi=pct(p.change_high),
            est=pct(p.change),
        )
    return lines


def summary_line(result: FollowupResult) -> str:
    """
    The one line ``siteplan followup`` prints: the period, the finding, cameras and spending.

    Parameters
    ----------
    result
        The follow-up.

    Returns
    -------
    line
        E.g. "2025-01-01..2025-08-31: Osäkert: … (skattning −11 %). 9 kameror; använt
        415 957 av 500 000 kr", in the result's language.
    """
    e, period = result.economics, result.meta.period
    spent = t(
        "followup.summary_spent",
        result.meta.lang,
        cameras=result.installation.n_installed,
        spent=_sek(e.spent_sek),
        budget=_sek(e.budget_sek),
    )
    return f"{period.start}..{period.end}: {effect_sentence(result)} {spent}"


def rtm_sentence(result: FollowupResult) -> str | None:
    """
    Regression to the mean at the camera sites, with the numbers behind it.

    Parameters
    ----------
    result
        The follow-up.

    Returns
    -------
    sentence
        How far the sites stood above the average unit in the matching window, how their
        incidents and their controls' moved into the before windows, and whether that rise
        makes regression to the mean likely; None without camera sites or controls.
    """
    rtm = result.controls.rtm
    if rtm is None:
        return None
    lang = result.meta.lang
    pct = _pct_filter(lang)
    num = _num_filter(decimal_comma=lang == "sv")
    parts = []
    if rtm.hotspot_ratio is not None:
        parts.append(
            t(
                "followup.rtm.hotspot",
                lang,
                ratio=num(rtm.hotspot_ratio, "%.1f"),
                start=rtm.matching_window.start.isoformat(),
                end=rtm.matching_window.end.isoformat(),
            )
        )
    if rtm.excess_rise is None:
        parts.append(t("followup.rtm.undefined", lang))
    else:
        key = "followup.rtm.flagged" if rtm.flagged else "followup.rtm.not_flagged"
        rises = {"t_rise": pct(rtm.treated_rise), "c_rise": pct(rtm.control_rise)}
        parts.append(t(key, lang, excess=pct(rtm.excess_rise), **rises))
    return " ".join(parts)


def _share_filter(*, decimal_comma: bool) -> Callable[..., str]:
    """A ``pct_share`` filter: a share 0–1 as a percentage with one decimal; a dash for None."""

    def share(value: float | None) -> str:
        if value is None:
            return "–"
        text = f"{100 * value:.1f} %"
        return text.replace(".", ",") if decimal_comma else text

    return share


def _sek(value: float | None) -> str:
    """Whole SEK with a space between thousands; a dash for None."""
    return "–" if value is None else f"{value:,.0f}".replace(",", " ")


def _num_filter(*, decimal_comma: bool) -> Callable[..., str]:
    """A ``num`` filter: ``printf`` formatting, a decimal comma in Swedish, a dash for None."""

    def num(value: float | None, fmt: str = "%.2f") -> str:
        if value is None:
            return "–"
        text = fmt % value
        return text.replace(".", ",") if decimal_comma else text

    return num


def _pct_filter(lang: str) -> Callable[..., str]:
    """A ``pct`` filter: a change as a signed whole percentage; None is an open interval end."""

    def pct(value: float | None, *, low: bool = False) -> str:
        if value is None:
            return "−100 %" if low else t("followup.unbounded", lang)
        number = f"{100 * value:+,.0f}".replace(",", "\u00a0").replace("-", "−")
        return f"{number} %"

    return pct


def followup_charts(result: FollowupResult) -> dict[str, str | None]:
    """
    The page's two charts as PNG data URIs (None when there is nothing to draw).

    Parameters
    ----------
    result
        The follow-up.

    Returns
    -------
    charts
        ``monthly``: incidents per unit and month per group, with the first and last
        installation marked; ``event``: the event study by quarter with 95 % intervals;
        ``spending``: spending so far in the year against the budget and
        the year-end forecast.
    """
    lang = result.meta.lang
    return {
        "monthly": _monthly_chart(result, lang) if result.monthly else None,
        "event": _event_chart(result, lang) if result.event_study.events else None,
        "spending": _spending_chart(result.economics, lang)
        if result.economics.cumulative
        else None,
    }


def _monthly_chart(result: FollowupResult, lang: str) -> str:
    """Incidents per unit in each group, month by month."""
    fig = Figure(figsize=(7.5, 3.4))
    ax = fig.subplots()
    months = [m.month for m in result.monthly]
    x = np.arange(len(months))
    sizes = {"treated": result.units.n_treated, "buffer": result.units.n_buffer}
    sizes["control"] = result.units.n_control
    for group, colour in _GROUP_COLOURS.items():
        n = sizes[group]
        if n:
            y = np.array([getattr(m, group) for m in result.monthly], dtype=float) / n
            ax.plot(x, y, color=colour, marker="o", ms=3, label=t(f"followup.group.{group}", lang))
    inst = result.installation
    for day, style in ((inst.first, ":"), (inst.last, "--")):
        month = day.strftime("%Y-%m")
        if month in months:
            ax.axvline(months.index(month), color="#333", ls=style, lw=1)
    step = max(1, len(months) // 12)
    ax.set_xticks(x[::step], months[::step], rotation=45, ha="right", fontsize=8)
    ax.set_ylabel(t("followup.chart.per_unit", lang))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return _png(fig)


def _event_chart(result: FollowupResult, lang: str) -> str:
    """The event study: change against the controls per quarter from installation."""
    fig = Figure(figsize=(7.5, 3.2))
    ax = fig.subplots()
    events = result.event_study.events
    e = np.array([ev.e for ev in events])
    y = 100 * np.array([ev.change for ev in events])
    lo = 100 * np.array([ev.change_low for ev in events])
    hi = 100 * np.array([ev.change_high for ev in events])
    colours = [_GROUP_COLOURS["buffer" if k < 0 else "treated"] for k in e]
    ax.vlines(e, lo, hi, colors=colours, lw=1.5)
    ax.scatter(e, y, c=colours, s=18, zorder=3)
    ax.axhline(0, color="#333", lw=0.8)
    ax.axvline(-0.5, color="#333", ls="--", lw=1)
    ax.set_xticks(e)
    ax.set_xlabel(t("followup.chart.event_x", lang))
    ax.set_ylabel(t("followup.chart.event_y", lang))
    ax.grid(alpha=0.3)
    return _png(fig)


def _spending_chart(econ: Economics, lang: str) -> str:
    """Cumulative spending this year as bars, with the budget and the forecast as lines."""
    fig = Figure(figsize=(7.5, 3.2))
    ax = fig.subplots()
    x = np.arange(len(econ.cumulative))
    spent_k = np.array([m.spent_sek for m in econ.cumulative]) / 1000
    ax.bar(x, spent_k, color="#1f5fa8", label=t("followup.chart.spent", lang))
    ax.axhline(
        econ.budget_sek / 1000,
        color="#c0392b",
        ls="--",
        lw=1,
        label=t("followup.chart.budget", lang),
    )
    ax.axhline(
        econ.forecast_year_end_sek / 1000,
        color="#e67e22",
        ls=":",
        lw=1.2,
        label=t("followup.chart.forecast", lang),
    )
    months = [m.month for m in econ.cumulative]
    ax.set_xticks(x, months, rotation=45, ha="right", fontsize=8)
    ax.set_ylabel(t("followup.chart.ksek", lang))
    ax.grid(alpha=0.3, axis="y")
    ax.legend(fontsize=8)
    return _png(fig)


def _png(fig: Figure) -> str:
    """The figure as a PNG data URI, without the matplotlib version in its metadata."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=_DPI, bbox_inches="tight", metadata={"Software": None})
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
