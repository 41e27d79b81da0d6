"""``report.html`` of a plan: a pure renderer (a PlanResult in, one self-contained page out).

The page carries its chart inline (a PNG data URI) and escapes every user-supplied text
(Jinja autoescape). :mod:`siteplan.io.outputs` writes it.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape

from siteplan import scoring
from siteplan.i18n import t
from siteplan.measures.portfolio import PERCEIVED
from siteplan.render._charts import REPORT, family_frontier_png, frontier_png, frontier_proof
from siteplan.render.portfolio import family_table

if TYPE_CHECKING:
    from siteplan.measures import PortfolioResult
    from siteplan.pipeline import PlanResult

__all__ = ["frontier_chart", "render_report"]

#: Rows of the overall corridor ranking, and per area.
TOP_CORRIDORS = 20
TOP_CORRIDORS_PER_AREA = 5


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts with missing values as None (NaN is truthy in templates)."""
    return frame.astype(object).where(frame.notna(), None).to_dict(orient="records")


def _environment(lang: str) -> Environment:
    """Jinja environment over siteplan's templates, with ``t(key, **fmt)`` in `lang`."""
    env = Environment(
        loader=PackageLoader("siteplan", "templates"), autoescape=select_autoescape(["html", "j2"])
    )
    env.globals["t"] = lambda key, **kw: t(key, lang, **kw)
    return env


def frontier_chart(frontier: pd.DataFrame | None, *, budget_sek: float, lang: str) -> str | None:
    """
    The report's coverage-vs-budget curve as a PNG data URI.

    Parameters
    ----------
    frontier
        Budget frontier with ``budget_sek`` and ``coverage_share``.
    budget_sek
        The plan's budget, marked by a dashed line.
    lang
        ``"sv"`` or ``"en"``.

    Returns
    -------
    uri
        The chart, or None when there is no frontier.
    """
    return frontier_png(
        frontier,
        budget_sek=budget_sek,
        xlabel=t("report.budget_ksek", lang),
        ylabel=t("report.coverage_pct", lang),
        style=REPORT,
    )


def _corridor_tables(
    corridors: pd.DataFrame,
) -> tuple[list[str], pd.DataFrame, pd.DataFrame | None]:
    """Score component columns, the top corridors, and the top corridors per area (or None)."""
    comp_cols = [c for c in corridors.columns if c.startswith("comp_")]
    scores = [
        c
        for c in (
            "risk_per_m_year",
            "risk_low_per_m_year",
            "risk_high_per_m_year",
            "exposure_dph",
            "priority",
        )
        if c in corridors.columns
    ]
    cols = ["corridor_id", "name", "area", "legal_class", "score", *scores, *comp_cols]
    cols.append("covered_share")
    covered = corridors["covered_share"]

    def ranked(by: str | None, top: int) -> pd.DataFrame:
        table = scoring.rankings(corridors, by=by, top=top)
        table = table.assign(covered_share=covered.reindex(table["corridor_id"]).to_numpy())
        return table[([by] if by else []) + [c for c in cols if c != by]]

    top = ranked(None, TOP_CORRIDORS)
    by_area = ranked("area", TOP_CORRIDORS_PER_AREA) if corridors["area"].notna().any() else None
    return comp_cols, top, by_area


class _EvaluationView(NamedTuple):
    """What the report states of the evaluation: rows, cut date, horizon, model choice."""

    rows: list[dict[str, Any]]
    cut_date: str
    horizon_days: int | None
    model: str | None
    fallback_reason: str | None


def _method_label(method: Any, lang: str) -> str:
    """The translated name of an evaluation method (its id when it has no label)."""
    try:
        return t(f"report.method.{method}", lang)
    except KeyError:
        return str(method)


def _evaluation_view(ev: scoring.Evaluation, lang: str) -> _EvaluationView:
    """The evaluation table as records and the chosen model and fallback reason, if any.

    Every column of :data:`~siteplan.scoring.EVALUATION_COLUMNS` is there (missing as None),
    plus ``label``, the method's translated name.
    """
    sel = ev.selection
    horizon = ev.horizon_days
    cols = list(dict.fromkeys([*scoring.EVALUATION_COLUMNS, *ev.table.columns]))
    table = ev.table.reindex(columns=cols)
    table = table.assign(label=[_method_label(m, lang) for m in table["method"]])
    return _EvaluationView(
        rows=_records(table),
        cut_date="" if ev.cut_date is None else ev.cut_date.isoformat(),
        horizon_days=None if not np.isfinite(horizon) else round(horizon),
        model=None if sel is None else sel.model.label,
        fallback_reason=None if sel is None else sel.fallback_reason,
    )


def _hotspot_rows(result: PlanResult) -> list[dict[str, Any]]:
    """The rows of the result's hotspot table, trend as text."""
    table = result.hotspot_table
    return _records(table.assign(trend=table["trend"].astype(str)))


def _frontier_rows(frontier: pd.DataFrame | None) -> list[dict[str, Any]]:
    """Frontier rows, each with ``proven`` and ``bound_share`` (see ``frontier_proof``)."""
    if frontier is None or frontier.empty:
        return []
    proof = frontier_proof(frontier)
    rows = _records(frontier.assign(proven=proof.proven, bound_share=proof.bound_share))
    for row in rows:
        share = row.get("bound_share")
        row["bound_share"] = None if share is None or math.isnan(share) else share
    return rows


class _PortfolioView(NamedTuple):
    """What the report states of the portfolio: families, measures, chart and notes."""

    families: list[dict[str, Any]]
    measures: list[dict[str, Any]]
    chart: str | None
    not_proven: bool
    n_draws: int
    perceived_weight: float | None


def _label(key: str, lang: str, default: str) -> str:
    """The translated label `key`, or `default` when there is none."""
    try:
        return t(key, lang)
    except KeyError:
        return default


def _measure_rows(portfolio: PortfolioResult, lang: str) -> list[dict[str, Any]]:
    """The measure table as records, with the title in `lang` and the evidence as text."""
    by_name = {m.name: m for m in portfolio.portfolio.measures}
    rows = _records(portfolio.measures)
    for row in rows:
        measure = by_name.get(row["measure"])
        if lang == "sv" and measure is not None and measure.title_sv:
            row["title"] = measure.title_sv
        evidence = str(row.get("evidence"))
        row["evidence_text"] = _label(f"report.portfolio.evidence.{evidence}", lang, evidence)
    return rows


def _portfolio_chart(portfolio: PortfolioResult, lang: str, perceived: bool) -> str | None:
    """The objective-vs-budget curves of the families, or None without a frontier."""
    labels = {
        f: _label(f"report.portfolio.family.{f}", lang, f)
        for f in portfolio.frontier.get("family", [])
    }
    ylabel = "report.portfolio.frontier_y_perceived" if perceived else "report.portfolio.frontier_y"
    return family_frontier_png(
        portfolio.frontier,
        labels=labels,
        budget_sek=portfolio.budget_sek,
        xlabel=t("report.budget_ksek", lang),
        ylabel=t(ylabel, lang),
        style=REPORT,
    )


def _portfolio_view(portfolio: PortfolioResult | None, lang: str) -> _PortfolioView | None:
    """The "what the budget buys" section, or None without a portfolio."""
    if portfolio is None:
        return None
    families = _records(family_table(portfolio))
    for row in families:
        row["label"] = _label(f"report.portfolio.family.{row['family']}", lang, row["family"])
    weight = portfolio.portfolio.perceived_weight
    perceived = weight > 0 and PERCEIVED in portfolio.portfolio.strata
    front = portfolio.frontier
    not_proven = bool(
        not front.empty and "proven" in front and not front["proven"].fillna(True).all()
    )
    return _PortfolioView(
        families=families,
        measures=_measure_rows(portfolio, lang),
        chart=_portfolio_chart(portfolio, lang, perceived),
        not_proven=not_proven,
        n_draws=portfolio.n_draws,
        perceived_weight=weight if perceived else None,
    )


def render_report(result: PlanResult) -> str:
    """
    Render ``report.html``: self-contained (charts inline), text escaped.

    Parameters
    ----------
    result
        The plan. The report reads its scenario, summary, corridors (risk with its interval,
        exposure, priority, ``comp_*``), cameras, frontier (points not ``proven`` are shown
        with their bound), ``evaluation`` (a :class:`~siteplan.scoring.Evaluation`: the
        fold means and spreads, the chosen model or the fallback reason), ``hotspots`` (and
        ``hotspot_table`` when the result has one), ``legal_wording`` and
        ``bill`` (the bill of quantities, a sheet of the report unless empty), ``portfolio``
        (the "what the budget buys" section when not None: the families' plans, the mix's
        measures with their priors, the families' frontier) and ``created`` (the date the
        report states; the report reads no clock).

    Returns
    -------
    html
        The report.
    """
    sc = result.scenario
    lang = sc.output.language
    comp_cols, top, top_by_area = _corridor_tables(result.corridors)
    ev = _evaluation_view(result.evaluation, lang)
    hotspots = getattr(result, "hotspots", None)
    bill = result.bill
    cameras = pd.DataFrame(result.cameras.drop(columns=result.cameras.geometry.name))
    return (
        _environment(lang)
        .get_template("report.html.j2")
        .render(
            lang=lang,
            s=result.summary,
            title=sc.study_area.title or sc.study_area.name,
            fictional=sc.study_area.fictional,
            generated=result.created.isoformat(),
            frontier_png=frontier_chart(result.frontier, budget_sek=sc.budget.total_sek, lang=lang),
            frontier=_frontier_rows(result.frontier),
            top=_records(top),
            top_by_area=None if top_by_area is None else _records(top_by_area),
            comp_cols=comp_cols,
            cameras=_records(cameras.reset_index()),
            evaluation=ev.rows,
            cut_date=ev.cut_date,
            horizon_days=ev.horizon_days,
            chosen_model=ev.model,
            fallback_reason=ev.fallback_reason,
            hotspots=_hotspot_rows(result),
            hotspot_alpha=None if hotspots is None else hotspots.alpha,
            hotspot_permutations=None if hotspots is None else hotspots.permutations,
            wording=dict(result.legal_wording),
            legal=sc.legal,
            privacy=sc.privacy,
            procurement=None if bill is None or bill.empty else _records(bill),
            portfolio=_portfolio_view(getattr(result, "portfolio", None), lang),
        )
    )
