"""``report.html`` of a plan: a pure renderer (a PlanResult in, one self-contained page out).

The page carries its chart inline (a PNG data URI) and escapes every user-supplied text
(Jinja autoescape). :mod:`siteplan.io.outputs` writes it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape

from siteplan import scoring
from siteplan.i18n import t
from siteplan.render._charts import REPORT, frontier_png

if TYPE_CHECKING:
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
    cols = ["corridor_id", "name", "area", "legal_class", "score", *comp_cols, "covered_share"]
    covered = corridors["covered_share"]

    def ranked(by: str | None, top: int) -> pd.DataFrame:
        table = scoring.rankings(corridors, by=by, top=top)
        table = table.assign(covered_share=covered.reindex(table["corridor_id"]).to_numpy())
        return table[([by] if by else []) + [c for c in cols if c != by]]

    top = ranked(None, TOP_CORRIDORS)
    by_area = ranked("area", TOP_CORRIDORS_PER_AREA) if corridors["area"].notna().any() else None
    return comp_cols, top, by_area


def render_report(result: PlanResult) -> str:
    """
    Render ``report.html``: self-contained (charts inline), text escaped.

    Parameters
    ----------
    result
        The plan. The report reads its scenario, summary, corridors, cameras, frontier,
        ``evaluation`` (a :class:`~siteplan.scoring.Evaluation`), ``legal_wording`` and
        ``bill`` (the bill of quantities, a sheet of the report unless empty) and ``created``
        (the date the report states; the report reads no clock).

    Returns
    -------
    html
        The report.
    """
    sc = result.scenario
    lang = sc.output.language
    comp_cols, top, top_by_area = _corridor_tables(result.corridors)
    ev = result.evaluation
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
            frontier=_records(result.frontier),
            top=_records(top),
            top_by_area=None if top_by_area is None else _records(top_by_area),
            comp_cols=comp_cols,
            cameras=_records(cameras.reset_index()),
            evaluation=_records(ev.table),
            cut_date="" if ev.cut_date is None else ev.cut_date.isoformat(),
            wording=dict(result.legal_wording),
            legal=sc.legal,
            privacy=sc.privacy,
            procurement=None if bill is None or bill.empty else _records(bill),
        )
    )
