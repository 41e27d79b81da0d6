"""The outputs of a portfolio of measures: report section, map layers, files and the bill."""

from __future__ import annotations

import base64
import dataclasses
import html as html_lib
import io
import re
import shutil
from pathlib import Path
from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from siteplan import pipeline, procurement
from siteplan.config import load_scenario
from siteplan.io.outputs import read_manifest, write_plan
from siteplan.render import map as map_render
from siteplan.render._charts import REPORT, family_frontier_png
from siteplan.render.portfolio import (
    MEASURES_CSV_COLUMNS,
    PORTFOLIO_CSV_COLUMNS,
    family_table,
    measure_layer,
    portfolio_files,
)
from siteplan.render.report import render_report

SAMPLE = Path(__file__).resolve().parents[1] / "siteplan" / "datasets" / "sample"

MEASURES_TOML = """
[[measures]]
name = "kameror"
kind = "camera"

[[measures]]
name = "belysning"
kind = "lighting"

[[measures]]
name = "nodtelefon"
kind = "help_point"

[portfolio]
perceived_weight = 0.5
stability_draws = 3
"""


@pytest.fixture(scope="session")
def folio_result(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> pipeline.PlanResult:
    """The sample planned with cameras, lighting and help points (once per session)."""
    if load_scenario(SAMPLE / "scenario.toml").measures:
        result = request.getfixturevalue("plan_result")
        assert result.portfolio is not None
        return result
    folder = tmp_path_factory.mktemp("folio") / "sample"
    shutil.copytree(SAMPLE, folder)
    toml = folder / "scenario.toml"
    text = toml.read_text("utf-8")
    if "perceived =" not in text:
        text = text.replace("[inputs]\n", '[inputs]\nperceived = "perceived.geojson"\n', 1)
    toml.write_text(text + MEASURES_TOML, "utf-8")
    return pipeline.run(load_scenario(toml), frontier=False)


@pytest.fixture(scope="session")
def folio_out(folio_result: pipeline.PlanResult, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_plan(folio_result, tmp_path_factory.mktemp("folio_out") / "out")


def _with_lighting(result: pipeline.PlanResult) -> pipeline.PlanResult:
    """`result` whose mix holds the lighting-only plan's lamps and one help point."""
    pf = result.portfolio
    assert pf is not None
    opts = pf.portfolio.problem.options
    help_points = list(opts.index[opts["kind"] == "help_point"][:1])
    chosen = opts.loc[list(pf.plans["lighting"].selected) + help_points]
    chosen = chosen[["measure", "kind", "cost_sek", "geometry"]].assign(frequency=0.5)
    return dataclasses.replace(result, portfolio=dataclasses.replace(pf, chosen=chosen))


def _cells(html: str, attr: str, value: str) -> list[str]:
    row = re.search(rf'<tr {attr}="{re.escape(value)}">(.*?)</tr>', html, re.S)
    assert row, f"no row {attr}={value}"
    return [html_lib.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)]


def _kr(value: float) -> str:
    return f"{value:,.0f}".replace(",", " ")


# -- with the planned sample -------------------------------------------------------------------


@pytest.mark.slow
def test_report_shows_the_mix_and_the_camera_plan_as_in_portfolio_csv(
    folio_result: pipeline.PlanResult, folio_out: Path
) -> None:
    table = pd.read_csv(folio_out / "portfolio.csv")
    html = (folio_out / "report.html").read_text("utf-8")
    assert "Vad budgeten köper" in html
    assert {"mix", "cameras"} <= set(table["family"])
    for row in table.itertuples():
        cells = _cells(html, "data-family", row.family)
        assert cells[1] == _kr(row.cost_sek)
        assert cells[2] == f"{row.prevented_per_year:.1f}"
        assert cells[3] == f"{row.prevented_low:.1f}–{row.prevented_high:.1f}"
        assert cells[4] == f"{row.perceived_addressed:.2f}"
        assert cells[5] == f"{100 * row.gap:.2f} %"
    mix, cams = (table.set_index("family").loc[f] for f in ("mix", "cameras"))
    assert mix["prevented_per_year"] >= cams["prevented_per_year"] - 1e-9
    assert "inte löften" in html
    assert "multiplikativt" in html


@pytest.mark.slow
def test_report_lists_every_measure_with_its_prior_and_evidence(
    folio_result: pipeline.PlanResult, folio_out: Path
) -> None:
    html = (folio_out / "report.html").read_text("utf-8")
    measures = pd.read_csv(folio_out / "measures.csv")
    assert len(measures)
    for row in measures.itertuples():
        cells = _cells(html, "data-measure", row.measure)
        assert cells[1] == str(row.n_options)
        assert cells[2] == _kr(row.cost_sek)
        effect = f"{row.prevented_per_year:.1f} ({row.prevented_low:.1f}–{row.prevented_high:.1f})"
        assert cells[3] == effect
        assert cells[4].startswith(f"{100 * row.reduction:.0f} %")
        # The share of re-optimised draws that keep the measure (robust vs a coin flip).
        assert cells[6] == f"{100 * row.frequency:.0f} %"
        assert 0 <= row.frequency <= 1
        assert row.source[:40] in cells[7]
    if "weak" in set(measures["evidence"]):
        assert "svagt underlag" in html


@pytest.mark.slow
def test_outputs_hold_the_portfolio_files_and_layer(
    folio_result: pipeline.PlanResult, folio_out: Path
) -> None:
    pf = folio_result.portfolio
    assert pf is not None
    manifest = read_manifest(folio_out)
    assert {"portfolio.csv", "measures.csv"} <= set(manifest)
    table = pd.read_csv(folio_out / "portfolio.csv")
    assert tuple(table.columns) == PORTFOLIO_CSV_COLUMNS
    assert list(table["family"]) == list(pf.plans)
    for row in table.itertuples():
        plan = pf.plans[row.family]
        assert row.cost_sek == pytest.approx(plan.cost_sek)
        assert row.prevented_per_year == pytest.approx(plan.prevented_per_year, abs=1e-6)
        assert (row.prevented_low, row.prevented_high) == pytest.approx(
            pf.intervals[row.family], abs=1e-6
        )
    measures = pd.read_csv(folio_out / "measures.csv")
    assert tuple(measures.columns) == MEASURES_CSV_COLUMNS
    assert list(measures["measure"]) == list(pf.measures["measure"])
    others = pf.chosen[pf.chosen["kind"] != "camera"]
    layers = set(pyogrio.list_layers(folio_out / "plan.gpkg")[:, 0])
    assert ("measures" in layers) == bool(len(others))
    if len(others):
        layer = gpd.read_file(folio_out / "plan.gpkg", layer="measures")
        assert sorted(layer["option_id"]) == sorted(others.index)
        assert layer["cost_sek"].sum() == pytest.approx(others["cost_sek"].sum())
        assert {"measure", "kind", "frequency"} <= set(layer.columns)


@pytest.mark.slow
def test_map_draws_lighting_measures_and_perceived_safety(
    folio_result: pipeline.PlanResult,
) -> None:
    result = _with_lighting(folio_result)
    html = map_render.map_html(map_render.plan_map(result))
    assert "siteplan-lighting" in html
    assert "Ny belysning" in html
    assert "siteplan-measure" in html
    assert "Kvar i planen vid slumpdragningar" in html
    assert "50\\u00a0%" in html
    if "perceived_per_m" in result.corridors and (result.corridors["perceived_per_m"] > 0).any():
        assert "siteplan-perceived" in html
    plain = map_render.map_html(map_render.plan_map(dataclasses.replace(result, portfolio=None)))
    assert "siteplan-lighting" not in plain


@pytest.mark.slow
def test_report_escapes_the_measures_and_draws_the_families_frontier(
    folio_result: pipeline.PlanResult,
) -> None:
    pf = folio_result.portfolio
    assert pf is not None
    evil = pf.measures.assign(source="<script>alert(1)</script>", title="=HYPERLINK(1)")
    front = pd.DataFrame(
        {
            "family": ["mix", "mix", "cameras", "cameras"],
            "budget_sek": [2e5, 5e5, 2e5, 5e5],
            "objective": [20.0, 40.0, 15.0, 30.0],
            "bound": [20.0, 45.0, 15.0, 30.0],
            "proven": [True, False, True, True],
        }
    )
    result = dataclasses.replace(
        folio_result, portfolio=dataclasses.replace(pf, measures=evil, frontier=front)
    )
    html = render_report(result)
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    section = html[html.index("Förväntad nytta mot budget") :]
    assert section.split("</h3>", 1)[1].startswith('<img src="data:image/png;base64,')
    assert "gapet är inte bevisat" in html
    assert "'=HYPERLINK(1)" in portfolio_files(result)["measures.csv"]


@pytest.mark.slow
def test_without_measures_nothing_changes(folio_result: pipeline.PlanResult) -> None:
    result = dataclasses.replace(folio_result, portfolio=None)
    assert "Vad budgeten köper" not in render_report(result)
    assert portfolio_files(result) == {}


@pytest.mark.slow
def test_bill_lines_of_the_measures_price_the_chosen_options(
    folio_result: pipeline.PlanResult,
) -> None:
    result = _with_lighting(folio_result)
    pf = result.portfolio
    assert pf is not None
    lines = procurement.measure_lines(pf, scenario=result.scenario)
    assert tuple(lines.columns) == procurement.BOQ_COLUMNS
    others = pf.chosen[pf.chosen["kind"] != "camera"]
    assert lines["total_cost_sek"].sum() == pytest.approx(others["cost_sek"].sum())
    assert set(lines["item"]) == {"lighting", "help_point"}
    lamps = lines[lines["item"] == "lighting"]
    assert (lamps["capex_sek"] == lamps["quantity"] * 35_000).all()
    assert set(lamps["unit"]) == {"lampor"}
    bill = procurement.bill_with_measures(result.bill, lines)
    assert bill["total_cost_sek"].iloc[-1] == pytest.approx(
        result.bill["total_cost_sek"].iloc[-1] + lines["total_cost_sek"].sum()
    )
    assert len(bill) == len(result.bill) + len(lines)
    empty = procurement.measure_lines(folio_result.portfolio, scenario=result.scenario)
    if not len(folio_result.portfolio.chosen.query("kind != 'camera'")):
        assert empty.empty
        assert procurement.bill_with_measures(result.bill, empty) is result.bill


# -- without a plan ----------------------------------------------------------------------------


def test_family_table_reads_plans_and_intervals() -> None:
    plan = SimpleNamespace(
        cost_sek=1000.0,
        prevented_per_year=2.5,
        perceived_addressed=0.0,
        gap=0.01,
        status="optimal",
    )
    folio = SimpleNamespace(plans={"mix": plan, "cameras": plan}, intervals={"mix": (1.0, 4.0)})
    table = family_table(folio)  # type: ignore[arg-type]
    assert tuple(table.columns) == PORTFOLIO_CSV_COLUMNS
    assert list(table["family"]) == ["mix", "cameras"]
    assert table.loc[0, ["prevented_low", "prevented_high"]].tolist() == [1.0, 4.0]
    assert np.isnan(table.loc[1, "prevented_low"])


def test_measure_layer_keeps_only_measures_other_than_cameras() -> None:
    chosen = gpd.GeoDataFrame(
        {
            "measure": ["kameror", "belysning", "nodtelefon"],
            "kind": ["camera", "lighting", "help_point"],
            "cost_sek": [10.0, 20.0, 30.0],
            "frequency": [1.0, 0.5, np.nan],
        },
        index=pd.Index(["cam", "belysning:c1", "nodtelefon:S1"]),
        geometry=[
            shapely.box(0, 0, 1, 1),
            shapely.LineString([(0, 0), (5, 0)]),
            shapely.Point(1, 1),
        ],
        crs=3006,
    )
    layer = measure_layer(SimpleNamespace(chosen=chosen))  # type: ignore[arg-type]
    assert list(layer.index) == ["belysning:c1", "nodtelefon:S1"]
    assert layer.index.name == "option_id"
    assert layer.crs == chosen.crs
    assert list(layer.columns) == ["measure", "kind", "cost_sek", "frequency", "geometry"]


def test_family_frontier_chart_draws_each_family() -> None:
    front = pd.DataFrame(
        {
            "family": ["mix", "mix", "lighting", "lighting"],
            "budget_sek": [1e5, 2e5, 1e5, 2e5],
            "objective": [1.0, 2.0, 0.5, np.nan],
        }
    )
    uri = family_frontier_png(
        front, labels={"mix": "Mix"}, budget_sek=1.5e5, xlabel="x", ylabel="y", style=REPORT
    )
    assert uri is not None
    assert uri.startswith("data:image/png;base64,")
    png = base64.b64decode(uri.split(",", 1)[1])
    assert io.BytesIO(png).read(8) == b"\x89PNG\r\n\x1a\n"
    assert (
        family_frontier_png(None, labels={}, budget_sek=None, xlabel="", ylabel="", style=REPORT)
        is None
    )


def test_map_layers_of_the_measures_from_hand_made_layers() -> None:
    try:
        from test_render_map import EVIL, build, sample_layers
    except ImportError:  # tests/ imported as a package
        from tests.test_render_map import EVIL, build, sample_layers

    html = map_render.map_html(build(sample_layers(evil=True), lang="en"))
    assert "siteplan-lighting" in html
    assert "siteplan-measure" in html
    assert "siteplan-perceived" in html
    assert "Kept across random draws" in html
    assert "50\\u00a0%" in html
    assert EVIL not in html
