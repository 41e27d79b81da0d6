"""Installed non-camera measures followed up like camera sites (lighting on darkness only)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from test_followup_analysis import scenario, town  # noqa: F401 (fixture)
from test_followup_economics import spending_lines
from typer.testing import CliRunner

from siteplan import datasets, pipeline
from siteplan import followup as fu
from siteplan.cli import app
from siteplan.config import load_scenario
from siteplan.errors import InputError
from siteplan.followup import FollowupSettings, Period
from siteplan.followup.measures import MeasureEffects, measure_effects
from siteplan.followup.result import Window
from siteplan.io.installed_measures import load_installed_measures
from siteplan.render.followup import render_followup

CRS = "EPSG:3006"
TZ = "Europe/Stockholm"
X0, Y0 = 500_000.0, 6_400_000.0  # about 57.7° N, 15.0° E
LAT, LON = 57.7, 15.0
PERIOD = Period(dt.date(2025, 1, 1), dt.date(2025, 8, 31), "interim")
INSTALLED = pd.Timestamp("2024-12-01")
# The windows the camera rule gives a site installed on 2024-12-01 for this period.
MATCH = ("2022-12-02", "2023-12-01")
BEFORE = ("2023-12-02", "2024-08-31")
AFTER = ("2024-12-02", "2025-08-31")


def _corridors() -> gpd.GeoDataFrame:
    """T (lit), B (next to it: the buffer ring), C1–C3 far away (the controls)."""
    lines = {
        "T": shapely.LineString([(X0, Y0), (X0 + 100, Y0)]),
        "B": shapely.LineString([(X0 + 100, Y0), (X0 + 200, Y0)]),
        "C1": shapely.LineString([(X0, Y0 + 1000), (X0 + 100, Y0 + 1000)]),
        "C2": shapely.LineString([(X0, Y0 + 2000), (X0 + 100, Y0 + 2000)]),
        "C3": shapely.LineString([(X0, Y0 + 3000), (X0 + 100, Y0 + 3000)]),
    }
    return gpd.GeoDataFrame(
        geometry=list(lines.values()), index=pd.Index(list(lines), name="corridor_id"), crs=CRS
    )


def _spread(unit: str, window: tuple[str, str], n: int, hour: float) -> list[dict]:
    """`n` incidents on `unit`'s midpoint, evenly over `window`, at local `hour`."""
    if n == 0:
        return []
    first, last = pd.Timestamp(window[0]), pd.Timestamp(window[1])
    step = (last - first) / n
    geom = _corridors().geometry[unit].interpolate(0.5, normalized=True)
    rows = []
    for i in range(n):
        day = (first + step * i).normalize()
        when = (day + pd.Timedelta(hours=hour)).tz_localize(TZ)
        rows.append({"occurred_at": when, "geometry": geom})
    return rows


def _incidents(*, daylight: bool = False) -> gpd.GeoDataFrame:
    dark = 1.5  # 01:30: before sunrise all year at 57.7° N
    counts = {  # unit: (match, before, after) in darkness
        "T": (6, 10, 5),
        "B": (3, 4, 9),
        "C1": (6, 10, 10),
        "C2": (6, 10, 10),
        "C3": (6, 10, 10),
    }
    rows = []
    for unit, (m, b, a) in counts.items():
        rows += _spread(unit, MATCH, m, dark)
        rows += _spread(unit, BEFORE, b, dark)
        rows += _spread(unit, AFTER, a, dark)
        if daylight:  # noon: light all year; T rises in daylight, the controls fall
            noon = 12.0
            rows += _spread(unit, MATCH, 20 if unit == "T" else 1, noon)
            rows += _spread(unit, BEFORE, 3 if unit == "T" else 15, noon)
            rows += _spread(unit, AFTER, 40 if unit == "T" else 2, noon)
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)


def _lighting(**extra) -> gpd.GeoDataFrame:
    frame = gpd.GeoDataFrame(
        {"kind": ["lighting"], "installed_on": [INSTALLED], "reach_m": [float("nan")], **extra},
        geometry=[shapely.LineString([(X0, Y0 + 2), (X0 + 100, Y0 + 2)])],
        index=pd.Index(["L1"], name="measure_id"),
        crs=CRS,
    )
    return frame


def _run(incidents: gpd.GeoDataFrame, measures: gpd.GeoDataFrame, **kw) -> MeasureEffects:
    return measure_effects(
        measures,
        incidents,
        _corridors(),
        lat=LAT,
        lon=LON,
        timezone=TZ,
        settings=kw.pop("settings", FollowupSettings()),
        period=PERIOD,
        **kw,
    )


def test_lighting_is_a_site_with_its_own_windows_and_darkness_counts():
    effects = _run(_incidents(), _lighting())
    lit = effects.kind("lighting")
    assert lit is not None
    assert lit.darkness_only
    (m,) = lit.measures
    assert m.status == "estimated"
    assert m.n_units == 1  # only T: B has 10 m of 100 inside the band, the ring
    s = m.site
    assert s is not None
    assert (s.before, s.after) == (
        Window(dt.date(2023, 12, 2), dt.date(2024, 8, 31)),
        Window(dt.date(2024, 12, 2), dt.date(2025, 8, 31)),
    )
    assert lit.matching_window == Window(dt.date(2022, 12, 2), dt.date(2023, 12, 1))
    # T before/after, then its three controls (B, the buffer ring, is never a control).
    assert (s.a, s.b, s.c, s.d) == (10, 5, 30, 30)
    assert s.n_control_units == 3
    assert s.odds_ratio == pytest.approx(10 * 30 / (5 * 30))
    assert s.change == pytest.approx(-0.5)
    half = 1.959963984540054 * math.sqrt(lit.dispersion * (1 / 10 + 1 / 5 + 1 / 30 + 1 / 30))
    assert lit.dispersion >= 1.0
    assert s.ci_low == pytest.approx(2.0 * math.exp(-half))
    assert s.ci_high == pytest.approx(2.0 * math.exp(half))
    # One measure is below min_treated_sites (10): never significant, whatever the interval.
    assert lit.pooled is not None
    assert lit.pooled.odds_ratio == pytest.approx(2.0)
    assert lit.verdict == "too_few_sites"
    assert not lit.conclusive


def test_daylight_incidents_do_not_change_the_lighting_estimate():
    without = _run(_incidents(), _lighting())
    with_day = _run(_incidents(daylight=True), _lighting())
    assert with_day.to_dict() == without.to_dict()
    assert with_day.kind("lighting").n_incidents == len(_incidents())  # the dark ones only


def test_daylight_incidents_count_for_other_kinds():
    veg = _lighting().assign(kind="vegetation")
    without = _run(_incidents(), veg).kind("vegetation")
    with_day = _run(_incidents(daylight=True), veg).kind("vegetation")
    assert not with_day.darkness_only
    assert with_day.measures[0].site.a == 10 + 3
    assert with_day.measures[0].site != without.measures[0].site


def test_excluded_units_and_other_rules():
    # A camera site on C1: never a control, so only C2 and C3 remain.
    effects = _run(_incidents(), _lighting(), exclude=["C1"])
    s = effects.kind("lighting").measures[0].site
    assert (s.c, s.d, s.n_control_units) == (20, 20, 2)
    # Installed after the period: left out with its reason.
    late = _lighting().assign(installed_on=pd.Timestamp("2025-09-15"))
    row = _run(_incidents(), late).kind("lighting").measures[0]
    assert (row.status, row.site) == ("installed_after", None)
    # Enough measures would make it conclusive: min_treated_sites=1 lets the interval speak.
    one = _run(_incidents(), _lighting(), settings=FollowupSettings(min_treated_sites=1))
    assert one.kind("lighting").verdict in {"uncertain", "clear"}


def test_help_point_acts_within_its_reach():
    point = gpd.GeoDataFrame(
        {"kind": ["help_point"], "installed_on": [INSTALLED], "reach_m": [30.0]},
        geometry=[shapely.Point(X0 + 50, Y0 + 20)],
        index=pd.Index(["H1"], name="measure_id"),
        crs=CRS,
    )
    row = _run(_incidents(), point).kind("help_point").measures[0]
    assert row.n_units == 1  # T is 20 m away; B starts 50 m off
    far = point.assign(reach_m=5.0)
    assert _run(_incidents(), far).kind("help_point").measures[0].status == "no_units"


def test_followup_reports_measures_beside_the_cameras(scenario):  # noqa: F811
    def moved(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:  # to 57.7° N, where nights are dark
        return frame.set_geometry(frame.geometry.translate(X0, Y0))

    corridors, installed, incidents = (moved(f) for f in town())
    installed["x"], installed["y"] = installed.geometry.x, installed.geometry.y
    lit = gpd.GeoDataFrame(
        {"kind": ["lighting"], "installed_on": [pd.Timestamp("2025-03-01")], "reach_m": [None]},
        geometry=[shapely.LineString([(X0 + 700, Y0 + 100), (X0 + 900, Y0 + 100)])],
        index=pd.Index(["L1"], name="measure_id"),
        crs=CRS,
    )
    common = {"corridors": corridors, "period": PERIOD, "scenario": scenario}
    plain = fu.followup(installed, incidents, spending_lines(), **common)
    result = fu.followup(installed, incidents, spending_lines(), measures=lit, **common)
    assert "measures" not in plain.to_dict()  # followup.json unchanged without measures
    with_measures = result.to_dict()
    assert with_measures.pop("measures")["kinds"][0]["kind"] == "lighting"
    # The cameras' follow-up treats the lit stretch like another intervention: never a control.
    band = gpd.GeoDataFrame(geometry=lit.geometry.buffer(10.0), crs=CRS)
    banded = fu.followup(installed, incidents, spending_lines(), interventions=band, **common)
    assert with_measures == banded.to_dict()
    assert with_measures["controls"]["n_units_excluded"] > 0
    assert plain.to_dict()["controls"]["n_units_excluded"] == 0
    row = result.measures.kind("lighting").measures[0]
    assert row.status == "estimated"
    assert row.n_units == 4  # the four 50 m streets under the 200 m line
    assert row.site.n_control_units == 3 * 4
    html = render_followup(result)
    assert "Belysning och andra åtgärder" in html
    assert "Welsh, B. C., Farrington, D. P. &amp; Douglas" in html
    english = dataclasses.replace(result, meta=dataclasses.replace(result.meta, lang="en"))
    html_en = render_followup(english)
    assert "Lighting and other measures" in html_en
    assert "either way" in html_en
    assert "Belysning och andra" not in render_followup(plain)


# -- loader ------------------------------------------------------------------------------------


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "measures.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_loader_reads_wkt_lines_and_points(tmp_path: Path):
    path = _write(
        tmp_path,
        "measure_id,kind,installed_on,geometry\n"
        'L1,lighting,2024-12-01,"LINESTRING (500000 6400002, 500100 6400002)"\n'
        'H1,help_point,2024-11-01,"POINT (500050 6400020)"\n'
        'V1,vegetation,,"LINESTRING (500000 6401000, 500100 6401000)"\n',
    )
    with pytest.warns(UserWarning, match="no installed_on"):
        frame = load_installed_measures(path, crs=CRS)
    assert list(frame.index) == ["L1", "H1"]
    assert list(frame["kind"]) == ["lighting", "help_point"]
    assert frame.loc["H1", "reach_m"] == 50.0
    assert math.isnan(frame.loc["L1", "reach_m"])
    assert frame.loc["L1", "installed_on"] == pd.Timestamp("2024-12-01")
    assert frame.crs.to_epsg() == 3006


def test_loader_reads_degrees_and_geojson(tmp_path: Path):
    path = _write(
        tmp_path,
        "measure_id,kind,installed_on,wkt,reach_m\n"
        'H1,help_point,2024-11-01,"POINT (15.0 57.7)",25\n',
    )
    frame = load_installed_measures(path, crs=CRS)
    assert frame.loc["H1", "reach_m"] == 25.0
    assert abs(frame.geometry["H1"].x - 500_000) < 100  # 15° E is SWEREF 99 TM's meridian
    gj = tmp_path / "m.geojson"
    frame.reset_index().to_crs("EPSG:4326").assign(
        installed_on=lambda f: f["installed_on"].dt.strftime("%Y-%m-%d")
    ).to_file(gj, driver="GeoJSON")
    again = load_installed_measures(gj, crs=CRS)
    assert list(again.index) == ["H1"]
    assert again.loc["H1", "installed_on"] == pd.Timestamp("2024-11-01")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("measure_id,kind,geometry\nL1,lighting,POINT (1 2)\n", r"missing column.*installed_on"),
        ("measure_id,kind,installed_on\nL1,lighting,2024-01-01\n", "no geometry column"),
        (
            'measure_id,kind,installed_on,geometry\nL1,lamp,2024-01-01,"POINT (500000 6400000)"\n',
            r"column 'kind' is not one of .* row 1 \('lamp'\)",
        ),
        (
            'measure_id,kind,installed_on,geometry\nL1,lighting,1/12/2024,"LINESTRING (500000 '
            '6400000, 500100 6400000)"\n',
            r"column 'installed_on' is not a date .* row 1",
        ),
        (
            'measure_id,kind,installed_on,geometry\nL1,lighting,2024-12-01,"POINT (500000 '
            '6400000)"\n',
            r"lighting measure must be a LineString or MultiLineString, found row 1 \('Point'\)",
        ),
        (
            'measure_id,kind,installed_on,geometry\nL1,lighting,2024-12-01,"LINESTRING (0 0,"\n',
            r"column 'geometry' is not WKT in row 1",
        ),
        (
            "measure_id,kind,installed_on,geometry,reach_m\n"
            'H1,help_point,2024-12-01,"POINT (500000 6400000)",far\n'
            'H1,help_point,2024-12-01,"POINT (500000 6400000)",-3\n',
            r"(?s)column 'measure_id' repeats an id in row 2 \('H1'\).*"
            r"column 'reach_m' is not a number in row 1 \('far'\).*must be > 0 in row 2",
        ),
    ],
)
def test_loader_names_file_row_and_column(tmp_path: Path, text: str, expected: str):
    path = _write(tmp_path, text)
    with pytest.raises(InputError, match=expected) as err:
        load_installed_measures(path, crs=CRS)
    assert str(path) in str(err.value)


# -- through the pipeline, on the sample town's simulated follow-up ----------------------------


@pytest.mark.slow
def test_run_followup_with_a_lighting_upgrade_on_the_sample(sample_dir: Path, tmp_path: Path):
    sample = load_scenario(sample_dir / "scenario.toml")
    inputs = pipeline.load_inputs(sample)
    pts = inputs.incidents.geometry.dropna()
    x, y = pts.x.median(), pts.y.median()  # through the middle of the town's incidents
    path = _write(
        tmp_path,
        "measure_id,kind,installed_on,geometry\n"
        f'L1,lighting,2025-02-10,"LINESTRING ({x - 150} {y}, {x + 150} {y})"\n'
        f'H1,help_point,2025-09-30,"POINT ({x} {y})"\n',
    )
    paths = datasets.followup_paths()
    result = pipeline.run_followup(
        sample,
        installed=paths["installed"],
        spending=paths["spending"],
        period="interim",
        year=2025,
        grid=True,
        inputs=inputs,
        measures=path,
    )
    assert result.measures is not None
    lit = result.measures.kind("lighting")
    assert lit is not None
    assert lit.darkness_only
    assert lit.verdict in {"too_few_sites", "not_estimable"}  # one measure: never significant
    help_point = result.measures.kind("help_point")
    assert help_point is not None
    assert help_point.measures[0].status == "installed_after"
    data = result.to_dict()
    assert data["measures"]["kinds"][0]["kind"] == "lighting"
    html = render_followup(result)
    assert "Belysning och andra åtgärder" in html
    assert "mellan solnedgång och soluppgång" in html


def test_cli_followup_measures_bad_file_exits_2(tmp_path: Path):
    path = _write(tmp_path, "measure_id,kind,installed_on\nL1,lighting,2024-01-01\n")
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["followup", "--demo", "--measures", str(path), "-o", str(out)])
    assert res.exit_code == 2, res.output
    text = " ".join(res.output.split())
    assert "no geometry column in the installed-measures file" in text
    assert not out.exists()
