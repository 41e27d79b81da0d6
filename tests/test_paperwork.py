"""Paperwork: incident evidence, recording hours, packs per regime, register; their rendering."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, box

from siteplan import paperwork, privacy
from siteplan.config import scenario_from_dict
from siteplan.errors import InputError
from siteplan.pipeline import PlanResult
from siteplan.render import paperwork as render
from siteplan.render.paperwork import paperwork_files

X0, Y0 = 500_000.0, 6_470_000.0
CRS = "EPSG:3006"
TZ = "Europe/Stockholm"


def xy(x: float, y: float) -> tuple[float, float]:
    return (X0 + x, Y0 + y)


#: A plan date on which each regime was in force.
PLAN_DATES = {"kbl-2018": "2019-06-01", "kbl-2020": "2022-06-01", "kbl-2025": "2025-06-01"}


def scenario(regime: str = "kbl-2025", lang: str = "sv", **extra):
    data = {
        "study_area": {"name": "test", "timezone": TZ},
        "inputs": {"osm": "a.osm", "gtfs": "g.zip", "incidents": "i.csv"},
        "legal": {"regime": regime, "plan_date": PLAN_DATES[regime]},
        "cameras": [
            {
                "model": "bullet-4mp-60",
                "horizontal_px": 2560,
                "hfov_deg": 60,
                "capex_sek": 9000,
                "opex_sek_per_year": 1000,
            }
        ],
        "output": {"language": lang},
    }
    data.update(extra)
    return scenario_from_dict(data)


def cameras(classes=("general", "stop_area"), *, extra_at_s1: bool = False) -> gpd.GeoDataFrame:
    """cam-001 at site s1 (0, 0) looking east; cam-002 at site s2 (500, 0) looking north."""
    ids = ["cam-001", "cam-002"]
    sites = ["s1", "s2"]
    pts = [Point(xy(0, 0)), Point(xy(500, 0))]
    cls = list(classes)
    az = [90.0, 0.0]
    if extra_at_s1:
        ids.append("cam-003")
        sites.append("s1")
        pts.append(Point(xy(0, 0)))
        cls.append(classes[0])
        az.append(270.0)
    n = len(ids)
    return gpd.GeoDataFrame(
        {
            "site_id": sites,
            "lon": [15.6 + i * 0.01 for i in range(n)],
            "lat": [58.4 + i * 0.01 for i in range(n)],
            "azimuth_deg": az,
            "hfov_deg": 60.0,
            "range_m": 30.0,
            "model": "bullet-4mp-60",
            "mount": ["facade", "lamp_post", "facade"][:n],
            "legal_class": cls,
            "legal_reason": [f"skäl {i}" for i in ids],
            "purpose": "crime, order",
            "area": "City",
            "capex_sek": 1.0,
            "opex_sek_per_year": 1.0,
            "total_cost_sek": 2.0,
            "covered_demand": 1.0,
        },
        geometry=pts,
        index=pd.Index(ids, name="camera_id"),
        crs=CRS,
    )


def footprints(cams: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    shapes = {
        "cam-001": box(*xy(0, -10), *xy(30, 10)),
        "cam-002": box(*xy(490, 0), *xy(510, 30)),
        "cam-003": box(*xy(-30, -10), *xy(0, 10)),
    }
    return gpd.GeoDataFrame(
        cams.drop(columns="geometry"), geometry=[shapes[c] for c in cams.index], crs=CRS
    )


@pytest.fixture
def buildings() -> gpd.GeoDataFrame:
    """A block of flats just north of cam-001's view; a shop north of cam-002's."""
    return gpd.GeoDataFrame(
        {"building": ["apartments", "retail"], "residential": [True, False]},
        geometry=[box(*xy(10, 12), *xy(20, 22)), box(*xy(480, 30), *xy(520, 40))],
        index=pd.Index(["way/1", "way/2"], name="building_id"),
        crs=CRS,
    )


@pytest.fixture
def incidents() -> gpd.GeoDataFrame:
    """Three incidents at s1 (one 10 m outside the footprint), one 170 m away; times in UTC."""
    utc = pd.to_datetime(
        ["2024-03-01 21:10", "2024-03-02 22:40", "2024-03-02 00:15", "2024-03-05 11:00"]
    ).tz_localize("UTC")
    return gpd.GeoDataFrame(
        {"occurred_at": utc, "category": ["Misshandel", "Rån", "Misshandel", "Stöld"]},
        geometry=[Point(xy(5, 0)), Point(xy(15, 2)), Point(xy(40, 0)), Point(xy(200, 0))],
        index=pd.Index(["i1", "i2", "i3", "i4"], name="incident_id"),
        crs=CRS,
    )


def stops(name: str = "Trädgårdstorget") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"stop_name": [name], "station_id": ["ST1"], "route_ids": [("1",)]},
        geometry=[Point(xy(500, 12))],
        index=pd.Index(["S1"], name="stop_id"),
        crs=CRS,
    )


def corridors(name: str | None = "Drottninggatan") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"name": [name, None], "highway": ["pedestrian", "footway"], "area": "City"},
        geometry=[LineString([xy(-50, -5), xy(50, -5)]), LineString([xy(450, -5), xy(550, -5)])],
        index=pd.Index(["c1", "c2"], name="corridor_id"),
        crs=CRS,
    )


def fake_result(
    make: Callable[..., PlanResult],
    regime: str,
    lang: str,
    *,
    cams: gpd.GeoDataFrame,
    incidents: gpd.GeoDataFrame,
    buildings: gpd.GeoDataFrame,
    stop_name: str = "Trädgårdstorget",
    street: str | None = "Drottninggatan",
) -> PlanResult:
    """A real PlanResult whose paperwork parts are computed as pipeline.run computes them."""
    sc = scenario(regime, lang)
    feet = footprints(cams)
    masking = privacy.masking_polygons(feet, buildings)
    packs = paperwork.site_packs(
        cams,
        feet,
        regime=regime,
        incidents=incidents,
        masking=masking,
        stops=stops(stop_name),
        scenario=sc,
        buildings=buildings,
        corridors=corridors(street),
    )
    register = paperwork.register_rows(
        cams,
        scenario=sc,
        assessment_date=sc.legal.plan_date,
        corridors=corridors(street),
        masking=masking,
    )
    return make(scenario=sc, regime=regime, site_packs=packs, register=register, masking=masking)


def write(files: dict[str, str | bytes], folder) -> None:
    for rel, content in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


# --- incident evidence --------------------------------------------------------------------------


def test_incident_table_keeps_three_in_view_in_local_time_without_coordinates(incidents):
    table = paperwork.incident_table(box(*xy(0, -10), *xy(30, 10)), incidents, tz=TZ, buffer_m=25.0)
    assert list(table.index) == ["i1", "i3", "i2"]  # by date and time; i4 is 170 m away
    assert list(table.columns) == ["date", "time", "weekday", "hour", "category"]
    # 21:10 UTC on 1 March is 22:10 in Stockholm (CET), a Friday.
    assert table.loc["i1", ["date", "time", "weekday", "hour"]].tolist() == [
        "2024-03-01",
        "22:10",
        4,
        22,
    ]
    assert table.loc["i3", "time"] == "01:15"
    assert table.loc["i2", "category"] == "Rån"


def test_incident_table_buffer_and_area_level_incidents(incidents):
    foot = box(*xy(0, -10), *xy(30, 10))
    assert list(paperwork.incident_table(foot, incidents, tz=TZ, buffer_m=0).index) == [
        "i1",
        "i2",
    ]
    located_by_area_only = incidents.copy()
    located_by_area_only.loc["i1", "geometry"] = None
    table = paperwork.incident_table(foot, located_by_area_only, tz=TZ, buffer_m=25.0)
    assert "i1" not in table.index
    assert len(table) == 2


def test_incident_table_requires_columns(incidents):
    with pytest.raises(InputError, match="occurred_at"):
        paperwork.incident_table(box(0, 0, 1, 1), incidents.drop(columns="occurred_at"), tz=TZ)


def test_hour_weekday_table_counts(incidents):
    table = paperwork.incident_table(box(*xy(0, -10), *xy(30, 10)), incidents, tz=TZ, buffer_m=25)
    counts = paperwork.hour_weekday_table(table)
    assert counts.shape == (24, 7)
    assert int(counts.to_numpy().sum()) == 3
    assert counts.loc[22, 4] == 1  # Friday 22:10
    assert counts.loc[1, 5] == 1  # Saturday 01:15
    assert counts.loc[23, 5] == 1  # Saturday 23:40


# --- recording hours ----------------------------------------------------------------------------


def _table(rows: list[tuple[int, int]]) -> pd.DataFrame:
    """(weekday, hour) pairs as an incident table."""
    return pd.DataFrame({"weekday": [r[0] for r in rows], "hour": [r[1] for r in rows]})


def test_recording_hours_on_hand_data(incidents):
    # Fri 22:10, Sat 01:15 (Friday night) and Sat 23:40: all three are needed for 80 %, so
    # the window is 22-02 on Friday and Saturday evenings (8 hours a week).
    table = paperwork.incident_table(box(*xy(0, -10), *xy(30, 10)), incidents, tz=TZ, buffer_m=25)
    assert paperwork.recording_hours(table) == "fre–lör 22–02"
    assert paperwork.recording_hours(table, lang="en") == "Fri–Sat 22–02"


def test_recording_hours_drops_the_odd_incident():
    # Nine incidents Friday 20-21 and one Tuesday noon: 90 % are on Friday evening.
    rows = [(4, 20)] * 5 + [(4, 21)] * 4 + [(1, 12)]
    assert paperwork.recording_hours(_table(rows)) == "fre 20–22"
    assert paperwork.recording_hours(_table(rows), min_share=1.0) == "tis, fre 12–22"


def test_recording_hours_weekend_runs_over_sunday():
    rows = [(5, 23), (6, 23), (0, 23), (5, 0), (6, 0)]
    # Saturday, Sunday and Monday 23-24 plus the two after-midnight ones (Fri and Sat nights).
    text = paperwork.recording_hours(_table(rows), min_share=0.6)
    assert text == "lör–mån 23–00"


def test_recording_hours_spread_out_is_around_the_clock():
    rows = [(d, h) for d in range(7) for h in range(24)]
    assert paperwork.recording_hours(_table(rows)) == "dygnet runt"
    assert paperwork.recording_hours(_table(rows), lang="en") == "around the clock"


def test_recording_hours_empty_and_bad_share():
    assert "inga händelser" in paperwork.recording_hours(_table([]))
    with pytest.raises(InputError, match="min_share"):
        paperwork.recording_hours(_table([(0, 1)]), min_share=0)


# --- packs --------------------------------------------------------------------------------------


def test_pack_kind_by_regime_and_class():
    assert paperwork.pack_kind("kbl-2018", "stop_area") == "permit"
    assert paperwork.pack_kind("kbl-2020", "general") == "permit"
    assert paperwork.pack_kind("kbl-2020", "stop_area") == "exemption"
    assert paperwork.pack_kind("kbl-2025", "general") == "assessment"
    # borderline: the full assessment (or permit application) with the exemption as an annex
    assert paperwork.pack_kind("kbl-2025", "stop_area_borderline") == "assessment"
    assert paperwork.pack_kind("kbl-2020", "stop_area_borderline") == "permit"
    assert paperwork.pack_kind("kbl-2025", "stop_area") == "exemption"
    with pytest.raises(KeyError):
        paperwork.pack_kind("kbl-1999", "general")


def _pack(regime, incidents, buildings, *, cams=None, lang="sv", site="s1"):
    cams = cameras() if cams is None else cams
    feet = footprints(cams)
    mask = privacy.masking_polygons(feet, buildings)
    sel = cams[cams["site_id"] == site]
    return paperwork.site_pack(
        sel,
        feet.loc[sel.index],
        regime=regime,
        incidents=incidents,
        masking=mask,
        stops=stops(),
        scenario=scenario(regime, lang),
        lang=lang,
        buildings=buildings,
        corridors=corridors(),
    )


def test_general_pack_has_incident_table_and_combines_site_cameras(incidents, buildings):
    pack = _pack("kbl-2025", incidents, buildings, cams=cameras(extra_at_s1=True))
    assert [c.camera_id for c in pack.cameras] == ["cam-001", "cam-003"]
    # inside the recorded area: i1 and i2; i3 lies just outside, in the near-zone
    assert pack.n_incidents == 2
    assert list(pack.incidents[["date", "time", "category"]].itertuples(False, None)) == [
        ("2024-03-01", "22:10", "Misshandel"),
        ("2024-03-02", "23:40", "Rån"),
    ]
    assert list(pack.near_incidents.index) == ["i3"]
    assert pack.near_zone_m == 50.0
    assert pack.recording_hours == "fre–lör 22–00"
    assert pack.masking[["camera_id", "building_id", "area_m2"]].to_dict("records") == [
        {"camera_id": "cam-001", "building_id": "way/1", "area_m2": pytest.approx(13.1, abs=0.5)}
    ]
    assert pack.place.street == "Drottninggatan"
    assert pack.place.place_type == "gågata eller torg"
    assert pack.hour_weekday.loc[22, 4] == 1
    assert list(pack.register.index) == ["cam-001", "cam-003"]
    md = render.render_pack_markdown(pack)
    assert "| 2024-03-01 | 22:10 | fre | Misshandel |" in md
    near = md.index("Händelser i närzonen (högst 50 m utanför det bevakade området)")
    assert md.index("| 2024-03-02 | 01:15 | lör | Misshandel |") > near  # labelled apart
    assert "2024-03-05" not in md  # the incident outside the recorded area
    assert str(int(X0 + 5)) not in md  # no incident coordinates


def test_kbl2020_and_kbl2025_general_packs_differ(incidents, buildings):
    old = _pack("kbl-2020", incidents, buildings)
    new = _pack("kbl-2025", incidents, buildings)
    assert (old.kind, new.kind) == ("permit", "assessment")
    old_md = render.render_pack_markdown(old)
    new_md = render.render_pack_markdown(new)
    # Permit application content (kbl-2020).
    assert "Tillstånd från Integritetsskyddsmyndigheten (IMY) krävs enligt KBL 7 §" in old_md
    assert "Tillståndsansökan till Integritetsskyddsmyndigheten (IMY)" in old_md
    assert "## Realtidsövervakning" in old_md
    assert "**[FYLL I]**" in old_md
    assert "## Lagringstid" in old_md
    assert "bevaras i 3 dygn" in old_md
    assert "Bevakningsintresset (8 §" not in old_md
    # Documented balancing of interests (kbl-2025).
    assert "## Bevakningsintresset (8 § första stycket)" in new_md
    assert "## Den enskildes intresse (8 § andra stycket)" in new_md
    assert "minst fem år" in new_md
    assert "Ny bedömning görs senast 2026-06-01" in new_md
    assert "(kommunens rutin)" in new_md
    assert "betydande förändring av bevakningen (9 § andra stycket)" in new_md
    assert "## Post i förteckningen (10 §)" in new_md
    assert "registrering" not in new_md.lower()
    assert "Inget ges in till IMY" in new_md
    assert "Övergång 2025-04-01" in new_md
    assert "Tillstånd från" not in new_md
    # Every pack ends with the lawyer's checklist.
    for md in (old_md, new_md):
        tail = md[md.index("## Checklista för juridisk granskning") :]
        assert "- [ ] Personuppgiftsbiträdesavtal" in tail
        for item in ("artikel 30", "15 § KBL", "MBL", "artikel 6.1 e och 6.3", "DPIA"):
            assert item in tail
    # Both carry the incident evidence and the masking.
    for md in (old_md, new_md):
        assert "| 2024-03-02 | 23:40 | lör | Rån |" in md
        assert "| cam-001 | way/1 |" in md


def test_stop_area_pack_names_the_stop_distance_and_statute(incidents, buildings):
    pack = _pack("kbl-2025", incidents, buildings, site="s2")
    assert pack.kind == "exemption"
    assert pack.stop is not None
    assert pack.stop.stop_id == "S1"
    assert pack.stop.distance_m == pytest.approx(12.0)
    assert pack.stop.within_radius
    md = render.render_pack_markdown(pack)
    assert "Närmaste hållplats: Trädgårdstorget (station ST1), 12 m från kameran" in md
    assert "antagande, inte lag" in md
    # exempt packs still carry the evidence of a crime-exposed place and 7 § necessity
    assert "## Behov och brottsutsatt plats (7 §)" in md
    assert "Händelser i närzonen" in md
    assert "- [ ] Undantag: kontrollerat på plats" in md
    assert "11 § 5 b" in md
    assert "15 § KBL" in md  # signage still applies
    assert "artikel 35" in md  # DPIA still applies
    assert "Juridisk granskning rekommenderas" not in md
    assert pack.masking.empty  # only a shop in view
    old = render.render_pack_markdown(_pack("kbl-2020", incidents, buildings, site="s2"))
    assert "9 § KBL i lydelse enligt SFS 2020:519" in old
    assert "11 § 5 b" not in old


def test_borderline_pack_has_review_note(incidents, buildings):
    cams = cameras(("general", "stop_area_borderline"))
    pack = _pack("kbl-2025", incidents, buildings, cams=cams, site="s2")
    assert pack.borderline
    # the full 9 § assessment and a 10 § entry, with the exemption argument as an annex
    assert pack.kind == "assessment"
    assert pack.register["register_required"].all()
    assert pack.register["assessment_date"].tolist() == ["2025-06-01"]
    md = render.render_pack_markdown(pack)
    assert "## Bilaga: undantagsargument (11 § 5 b)" in md
    assert "sanktionsavgift (25 § KBL)" in md
    assert "- [ ] Gränsfall: undantagsargumentet (bilaga) granskat" in md
    assert "Juridisk granskning rekommenderas" in render.render_pack_markdown(pack)
    assert "Juridisk granskning rekommenderas" in render.render_pack_html(pack)
    en = _pack("kbl-2025", incidents, buildings, cams=cams, site="s2", lang="en")
    assert "Legal review advised" in render.render_pack_markdown(en)


def test_kbl2018_stop_area_needs_a_permit(incidents, buildings):
    pack = _pack("kbl-2018", incidents, buildings, site="s2")
    assert pack.kind == "permit"
    # in 2019 the authority was Datainspektionen (IMY from 2021-01-01)
    assert "Tillstånd från Datainspektionen krävs" in render.render_pack_markdown(pack)


def test_site_pack_rejects_rows_of_two_sites(incidents, buildings):
    cams = cameras()
    with pytest.raises(InputError, match="2 sites"):
        paperwork.site_pack(
            cams,
            footprints(cams),
            regime="kbl-2025",
            incidents=incidents,
            masking=None,
            stops=stops(),
            scenario=scenario(),
        )


# --- register -----------------------------------------------------------------------------------


def test_register_row_per_camera(buildings):
    cams = cameras(extra_at_s1=True)
    mask = privacy.masking_polygons(footprints(cams), buildings)
    reg = paperwork.register_rows(
        cams,
        scenario=scenario("kbl-2025"),
        assessment_date=dt.date(2025, 6, 1),
        corridors=corridors(),
        masking=mask,
    )
    assert list(reg.index) == ["cam-001", "cam-002", "cam-003"]
    assert list(reg.columns) == list(paperwork.REGISTER_COLUMNS)
    assert reg["register_required"].tolist() == [True, False, True]
    assert reg.loc["cam-002", "assessment_date"] == "ej tillämpligt (11 § 5 b)"
    assert reg.loc["cam-001", "assessment_date"] == "2025-06-01"
    assert set(reg["status"]) == {"planerad"}
    assert set(reg["start_date"]) == set(reg["end_date"]) == set(reg["changed_dates"]) == {""}
    assert reg.loc["cam-001", "description"] == "Drottninggatan, City (plats s1)"
    assert reg.loc["cam-002", "description"] == "gata utan namn, City (plats s2)"
    assert reg.loc["cam-002", "place_type"] == "hållplatsområde"
    assert reg.loc["cam-001", "purpose"] == (
        "förebygga, förhindra eller upptäcka brottslig verksamhet, utreda eller lagföra brott; "
        "förebygga ordningsstörningar"
    )
    # special technology is image analytics or sound; masking is privacy protection (the note)
    special = "ingen ljudupptagning; ingen särskild teknik (t.ex. bildanalys)"
    assert set(reg["sound_special"]) == {special}
    assert "maskning" in reg.loc["cam-001", "note"]
    assert "maskning" not in reg.loc["cam-002", "note"]
    old = paperwork.register_rows(
        cams, scenario=scenario("kbl-2020"), assessment_date=dt.date(2022, 1, 1)
    )
    assert not old["register_required"].any()


# --- site packs of a plan -----------------------------------------------------------------------


def test_site_packs_one_per_site_in_site_order(incidents, buildings, make_plan_result):
    res = fake_result(
        make_plan_result,
        "kbl-2025",
        "sv",
        cams=cameras(extra_at_s1=True),
        incidents=incidents,
        buildings=buildings,
    )
    assert [p.site_id for p in res.site_packs] == ["s1", "s2"]
    assert [[c.camera_id for c in p.cameras] for p in res.site_packs] == [
        ["cam-001", "cam-003"],
        ["cam-002"],
    ]
    assert [p.kind for p in res.site_packs] == ["assessment", "exemption"]
    assert all(p.assessment_date == dt.date(2025, 6, 1) for p in res.site_packs)
    none = paperwork.site_packs(
        cameras().iloc[:0],
        footprints(cameras()).iloc[:0],
        regime="kbl-2025",
        incidents=incidents,
        masking=None,
        stops=stops(),
        scenario=scenario(),
    )
    assert none == ()


# --- rendering: files, escaping -----------------------------------------------------------------


def test_paperwork_files_and_register(tmp_path, incidents, buildings, make_plan_result):
    res = fake_result(
        make_plan_result, "kbl-2025", "sv", cams=cameras(), incidents=incidents, buildings=buildings
    )
    assert list(res.masking["camera_id"]) == ["cam-001"]
    files = paperwork_files(res)
    assert sorted(files) == [
        "paperwork/s1.html",
        "paperwork/s1.md",
        "paperwork/s1.png",
        "paperwork/s2.html",
        "paperwork/s2.md",
        "paperwork/s2.png",
        "paperwork/samlat.html",
        "paperwork/samlat.md",
        "register.csv",
    ]
    write(files, tmp_path)
    assert (tmp_path / "paperwork" / "s1.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    reg = pd.read_csv(tmp_path / "register.csv", index_col="camera_id")
    assert list(reg.index) == ["cam-001", "cam-002"]
    assert reg["lon"].dtype == float
    html = (tmp_path / "paperwork" / "s1.html").read_text("utf-8")
    assert "data:image/png;base64," in html  # self-contained map
    assert "<td>2024-03-01</td><td>22:10</td><td>fre</td><td>Misshandel</td>" in html
    combined = (tmp_path / "paperwork" / "samlat.html").read_text("utf-8")
    assert "Innehåller personuppgifter – internt" in combined
    assert combined.count('<section class="site"') == 2
    assert "s1.png" in (tmp_path / "paperwork" / "s1.md").read_text("utf-8")


def test_paperwork_files_english_names_and_no_masking(incidents, buildings, make_plan_result):
    shops = buildings.assign(residential=False)
    res = fake_result(
        make_plan_result, "kbl-2020", "en", cams=cameras(), incidents=incidents, buildings=shops
    )
    assert res.masking.empty
    files = paperwork_files(res)
    assert "paperwork/combined.md" in files
    assert "paperwork/combined.html" in files
    assert "paperwork/samlat.md" not in files
    assert "Contains personal data – internal" in files["paperwork/combined.html"]
    md = files["paperwork/s1.md"]
    assert "| 2024-03-01 | 22:10 | Fri | Misshandel |" in md
    # English legal wording; the authority's and statute's names stay Swedish
    assert "A permit from Integritetsskyddsmyndigheten (IMY) is required under KBL 7 §" in md


def test_html_and_markdown_escape_malicious_names(incidents, buildings, make_plan_result):
    evil = "<script>alert('x')</script>"
    bad_incidents = incidents.assign(category=["<img src=x onerror=alert(1)>", "Rån", "Rån", "S"])
    res = fake_result(
        make_plan_result,
        "kbl-2025",
        "sv",
        cams=cameras(),
        incidents=bad_incidents,
        buildings=buildings,
        stop_name=evil,
        street=evil,
    )
    files = paperwork_files(res)
    for name in ("s1.html", "s2.html", "samlat.html"):
        html = files[f"paperwork/{name}"]
        assert isinstance(html, str)
        assert "<script>" not in html
        assert "<img src=x" not in html
        assert "&lt;script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in files["paperwork/s1.html"]
    for name in ("s1.md", "s2.md", "samlat.md"):
        md = files[f"paperwork/{name}"]
        assert isinstance(md, str)
        assert "<script>" not in md
        assert "<img src=x" not in md
    assert "&lt;script&gt;" in files["paperwork/s2.md"]


def test_register_csv_neutralises_formulas_and_keeps_numbers(
    tmp_path, incidents, buildings, make_plan_result
):
    res = fake_result(
        make_plan_result,
        "kbl-2025",
        "sv",
        cams=cameras().assign(site_id=["=HYPERLINK(1)", "s2"]),
        incidents=incidents,
        buildings=buildings,
        street="+cmd|' /C calc'!A0",
    )
    write(paperwork_files(res), tmp_path)
    reg = pd.read_csv(tmp_path / "register.csv", index_col="camera_id")
    assert reg.loc["cam-001", "site_id"] == "'=HYPERLINK(1)"
    assert reg.loc["cam-001", "description"].startswith("'+cmd")
    assert reg.loc["cam-002", "site_id"] == "s2"
    assert reg["lat"].tolist() == pytest.approx([58.4, 58.41])


def test_markdown_table_cells_cannot_be_broken(incidents, buildings):
    piped = incidents.assign(category=["A | B", "Rån", "Rån", "S"])
    pack = _pack("kbl-2025", piped, buildings)
    md = render.render_pack_markdown(pack)
    assert "| 2024-03-01 | 22:10 | fre | A \\| B |" in md


def test_pack_map_png_shows_recorded_area(incidents, buildings):
    pack = _pack("kbl-2025", incidents, buildings)
    png = render.pack_map_png(pack)
    assert png is not None
    assert png[:4] == b"\x89PNG"
    empty = dataclasses.replace(pack, map=dataclasses.replace(pack.map, footprints=(), cameras=()))
    assert render.pack_map_png(empty) is None


def test_paperwork_files_without_cameras(tmp_path, incidents, buildings, make_plan_result):
    res = fake_result(
        make_plan_result,
        "kbl-2025",
        "sv",
        cams=cameras().iloc[:0],
        incidents=incidents,
        buildings=buildings,
    )
    assert res.masking.empty
    files = paperwork_files(res)
    assert "Planen har inga kameror." in files["paperwork/samlat.md"]
    write(files, tmp_path)
    assert pd.read_csv(tmp_path / "register.csv").empty


def test_kbl2020_as_historical_comparison_is_never_current_law(incidents, buildings):
    sc = scenario("kbl-2020")
    legal_cfg = sc.legal.model_copy(update={"plan_date": dt.date(2026, 1, 15), "historical": True})
    sc = sc.model_copy(update={"legal": legal_cfg})
    cams = cameras()
    feet = footprints(cams)
    sel = cams[cams["site_id"] == "s1"]
    pack = paperwork.site_pack(
        sel,
        feet.loc[sel.index],
        regime="kbl-2020",
        incidents=incidents,
        masking=None,
        stops=stops(),
        scenario=sc,
    )
    md = render.render_pack_markdown(pack)
    assert "Historisk jämförelse" in md
    assert "Det kravet gäller inte på planens datum 2026-01-15" in md
    assert "Tillstånd från Integritetsskyddsmyndigheten (IMY) krävs" not in md
