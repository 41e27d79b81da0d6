"""Pure renderers: a PlanResult or FollowupResult in, a folium Map, HTML, Markdown or tables out.

Nothing here reads input files or computes a number a planner would quote; the writers in
:mod:`siteplan.io.outputs` put what these functions return on disk.
"""

from siteplan.render.map import make_map, map_html, plan_map
from siteplan.render.paperwork import paperwork_files
from siteplan.render.procurement import procurement_files
from siteplan.render.report import render_report

__all__ = [
    "make_map",
    "map_html",
    "paperwork_files",
    "plan_map",
    "procurement_files",
    "render_report",
]
