"""Stop-area polygons and cameras classified by what they film (hand-checkable geometry)."""

from __future__ import annotations

import datetime as dt
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError
from shapely.geometry import LineString, Point, Polygon, box

from siteplan import legal
from siteplan.config import LegalConfig
from siteplan.errors import InputWarning
from siteplan.render.tables import gpkg_layers

X0, Y0 = 500_000.0, 6_470_000.0
CRS = "EPSG:3006"


def xy(x: float, y: float) -> tuple[float, float]:
    return (X0 + x, Y0 + y)


def cfg(**kwargs) -> LegalConfig:
    kwargs.setdefault("plan_date", dt.date(2026, 1, 15))
    return LegalConfig(**kwargs)


def stops_frame(rows, departures=None) -> gpd.GeoDataFrame:
    """rows: (stop_id, station_id, (x, y)); departures per hour (default 4)."""
    n = len(rows)
    dep = departures if departures is not None else [4.0] * n
    return gpd.GeoDataFrame(
        {
            "stop_name": [f"Hållplats {r[1]}" for r in rows],
            "station_id": [r[1] for r in rows],
            "route_ids": [("1",)] * n,
            "departures_per_hour": dep,
            "night_departures_per_hour": [0.0] * n,
        },
        geometry=[Point(xy(*r[2])) for r in rows],
        index=pd.Index([r[0] for r in rows], name="stop_id"),
        crs=CRS,
    )


def wedge(site: tuple[float, float], azimuth_deg: float, range_m: float, hfov_deg: float):
    """A camera view: a wedge from `site` (local metres), azimuth clockwise from north."""
    x, y = xy(*site)
    pts = [(x, y)]
    for k in range(33):
        a = math.radians(azimuth_deg - hfov_deg / 2 + hfov_deg * k / 32)
        pts.append((x + range_m * math.sin(a), y + range_m * math.cos(a)))
    return Polygon(pts)


def views(*geoms) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        geometry=list(geoms),
        index=pd.Index([f"cam-{i + 1:03d}" for i in range(len(geoms))], name="camera_id"),
        crs=CRS,
    )


def square_area(x0, y0, x1, y1) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"stop_name": ["Torget"], "stop_ids": ["T1"], "n_platforms": [1]},
        geometry=[box(*xy(x0, y0), *xy(x1, y1))],
        index=pd.Index(["T"], name="station_id"),
        crs=CRS,
    )


# --- stop areas -------------------------------------------------------------------------------


def test_stop_area_is_a_disc_per_platform_merged_per_station():
    stops = stops_frame([("A1", "A", (0, 0)), ("A2", "A", (30, 0)), ("B1", "B", (500, 0))])
    areas = legal.stop_areas(stops, radius_m=25.0)
    assert list(areas.index) == ["A", "B"]
    assert areas.loc["A", "n_platforms"] == 2
    assert areas.loc["A", "stop_ids"] == "A1,A2"
    # one disc: pi r^2 (polygonised: within 0.5 %)
    assert areas.loc["B", "area_m2"] == pytest.approx(math.pi * 25**2, rel=5e-3)
    # two overlapping discs 30 m apart: less than two discs, more than one
    assert math.pi * 25**2 < areas.loc["A", "area_m2"] < 2 * math.pi * 25**2
    assert areas.geometry.loc["A"].contains(Point(xy(15, 0)))
    assert not areas.geometry.loc["A"].contains(Point(xy(60, 0)))
    assert set(legal.STOP_AREA_COLUMNS) <= {*areas.columns, "geometry"}


def test_unserved_stop_creates_no_stop_area_and_is_counted():
    stops = stops_frame([("A1", "A", (0, 0)), ("Z1", "Z", (200, 0))], departures=[4.0, 0.0])
    with pytest.warns(InputWarning, match=r"1 of 2 stops have no departures.*Z1"):
        areas = legal.stop_areas(stops, radius_m=25.0)
    assert list(areas.index) == ["A"]
    assert not legal.served_stops(stops)["Z1"]


def test_departures_table_decides_service():
    stops = stops_frame([("A1", "A", (0, 0)), ("Z1", "Z", (200, 0))])
    departures = pd.DataFrame({7: [0.0, 2.0]}, index=pd.Index(["A1", "Z1"], name="stop_id"))
    with pytest.warns(InputWarning, match="A1"):
        areas = legal.stop_areas(stops, radius_m=25.0, departures=departures)
    assert list(areas.index) == ["Z"]


def test_no_served_stops_gives_empty_layer():
    stops = stops_frame([("Z1", "Z", (0, 0))], departures=[0.0])
    with pytest.warns(InputWarning):
        areas = legal.stop_areas(stops, radius_m=25.0)
    assert areas.empty
    assert str(areas.crs) == CRS


# --- views ------------------------------------------------------------------------------------


@pytest.fixture
def stop() -> gpd.GeoDataFrame:
    return legal.stop_areas(stops_frame([("S1", "S", (0, 0))]), radius_m=25.0)


def test_lamp_36_m_from_stop_looking_away_is_general(stop):
    # a lamp 36 m east of the stop, looking east (away): nothing of the view is in the area
    out = legal.classify_views(views(wedge((36, 0), 90, 20, 60)), stop, config=cfg())
    row = out.iloc[0]
    assert row["legal_class"] == "general"
    assert row["view_stop_area_share"] == 0.0
    assert row["view_outside_m2"] == pytest.approx(row["view_area_m2"])
    assert "helt utanför" in row["legal_reason"]
    assert "36 m" not in row["legal_reason"]
    assert row["legal_distance_m"] == pytest.approx(11.0, abs=0.1)  # 36 - 25
    assert row["legal_wording"] == legal.wording("kbl-2025", "general")


def test_same_lamp_looking_at_the_stop_is_borderline_and_masked_is_exempt(stop):
    # looking west (towards the stop) 20 m: the tip of the wedge (x < 25) reaches the area
    fp = views(wedge((36, 0), 270, 20, 60))
    out = legal.classify_views(fp, stop, config=cfg())
    row = out.iloc[0]
    assert row["legal_class"] == "stop_area_borderline"
    assert 0.3 < row["view_stop_area_share"] < 0.9
    assert f"{row['view_outside_m2']:.0f} m² ligger utanför" in row["legal_reason"]
    assert "juridisk granskning" in row["legal_reason"]
    # masked to the stop area: all that is left is inside, and the loss is what was outside
    masked = legal.mask_views(fp, stop)
    assert masked.lost_m2.iloc[0] == pytest.approx(row["view_outside_m2"], rel=1e-6)
    assert masked.lost_share.iloc[0] == pytest.approx(1 - row["view_stop_area_share"])
    again = legal.classify_views(views(masked.geometry.iloc[0]), stop, config=cfg())
    assert again.iloc[0]["legal_class"] == "stop_area"
    assert again.iloc[0]["view_stop_area_share"] == pytest.approx(1.0)


def test_view_half_inside_is_borderline_with_share_and_outside_area():
    area = square_area(0, 0, 20, 20)
    fp = views(box(*xy(10, 5), *xy(30, 15)))  # 200 m², 100 m² inside
    row = legal.classify_views(fp, area, config=cfg()).iloc[0]
    assert row["legal_class"] == "stop_area_borderline"
    assert row["view_stop_area_share"] == pytest.approx(0.5)
    assert row["view_outside_m2"] == pytest.approx(100.0)
    assert (
        "50% av vyn (200 m²) ligger inom hållplatsområdet Torget (T); 100 m²"
        in (row["legal_reason"])
    )
    # with a lower threshold (an assumption) the same view is exempt
    low = legal.classify_views(fp, area, config=cfg(exempt_view_share=0.5)).iloc[0]
    assert low["legal_class"] == "stop_area"
    assert "minst 50% av vyn" in low["legal_reason"]


def test_view_wholly_inside_is_exempt_and_english_reason():
    area = square_area(0, 0, 20, 20)
    fp = views(box(*xy(2, 2), *xy(8, 8)))
    row = legal.classify_views(fp, area, config=cfg(), lang="en").iloc[0]
    assert row["legal_class"] == "stop_area"
    assert row["legal_stop_id"] == "T"
    assert row["legal_distance_m"] == 0.0
    assert "100% of the view (36 m²) lies inside the stop area Torget (T)" in row["legal_reason"]
    assert "KBL 11 § 5 b" in row["legal_reason"]


def test_view_on_a_strak_follows_the_policy():
    area = square_area(0, 0, 20, 20)
    strak = gpd.GeoDataFrame(geometry=[LineString([xy(40, -50), xy(40, 50)])], crs=CRS)
    fp = views(box(*xy(35, 0), *xy(45, 10)))  # outside the area, across the stråk
    row = legal.classify_views(fp, area, strak, config=cfg()).iloc[0]
    assert row["legal_class"] == "stop_area_borderline"
    assert row["view_on_strak"]
    assert "stråk" in row["legal_reason"]
    general = legal.classify_views(fp, area, strak, config=cfg(strak_policy="general"))
    assert general.iloc[0]["legal_class"] == "general"


def test_no_exemption_before_2020_and_trygghet_alone():
    area = square_area(0, 0, 20, 20)
    fp = views(box(*xy(2, 2), *xy(8, 8)))
    old = legal.classify_views(fp, area, config=cfg(plan_date=dt.date(2019, 6, 1))).iloc[0]
    assert old["legal_class"] == "general"
    assert "fanns ännu inte" in old["legal_reason"]
    assert "Datainspektionen" in old["legal_reason"]
    tr = legal.classify_views(fp, area, config=cfg(purposes=["trygghet"])).iloc[0]
    assert tr["legal_class"] == "general"
    assert "omfattas inte av undantaget i KBL 11 § 5 b" in tr["legal_reason"]
    assert "utreda eller lagföra brott" in tr["legal_reason"]


def test_empty_view_is_general_and_no_areas_is_general():
    area = square_area(0, 0, 20, 20)
    out = legal.classify_views(views(Polygon()), area, config=cfg())
    assert out.iloc[0]["legal_class"] == "general"
    empty = area.iloc[:0]
    out = legal.classify_views(views(box(*xy(2, 2), *xy(8, 8))), empty, config=cfg())
    assert out.iloc[0]["legal_class"] == "general"
    assert np.isnan(out.iloc[0]["legal_distance_m"])


def test_strak_segments_are_the_stop_pairs():
    frame = gpd.GeoDataFrame(
        {"legal_stop_id": ["A|B", "A", None]},
        geometry=[LineString([xy(0, 0), xy(1, 0)])] * 3,
        crs=CRS,
    )
    assert len(legal.strak_segments(frame)) == 1


# --- regimes ----------------------------------------------------------------------------------


def test_explicit_regime_not_in_force_is_an_error_unless_historical():
    with pytest.raises(ValidationError, match=r"legal\.regime = 'kbl-2020' was not in force"):
        LegalConfig(regime="kbl-2020", plan_date=dt.date(2026, 1, 15))
    ok = LegalConfig(regime="kbl-2020", plan_date=dt.date(2026, 1, 15), historical=True)
    assert ok.effective_regime == "kbl-2020"
    assert LegalConfig(regime="kbl-2020", plan_date=dt.date(2022, 1, 1)).regime == "kbl-2020"


def test_wording_says_forteckning_and_english():
    for info in legal.REGIMES.values():
        for words in info.wording.values():
            assert "registrering" not in words.lower()
    assert "förteckning (10 §)" in legal.wording("kbl-2025", "general")
    assert legal.wording("kbl-2025", "stop_area", "en") == "Exempt from 8–10 §§ (11 § 5 b)"
    assert legal.REGIMES["kbl-2018"].authority == "Datainspektionen"


# --- the sample plan --------------------------------------------------------------------------


@pytest.mark.slow
def test_sample_stop_area_cameras_film_the_stop_areas(plan_result):
    """Every camera classed stop_area has its view inside the stop-area layer (from plan.gpkg)."""
    result = plan_result
    layers = gpkg_layers(result)
    config = result.scenario.legal
    if "stop_areas" in layers:
        areas = layers["stop_areas"].set_index("station_id")
    else:  # recomputed exactly as the plan made them
        transit = result.inputs.transit
        areas = legal.stop_areas(
            transit.stops, radius_m=config.stop_area_radius_m, departures=transit.departures
        )
    feet = layers["footprints"]
    union = areas.geometry.union_all()
    share = feet.geometry.intersection(union).area / feet.geometry.area
    exempt = (feet["legal_class"] == "stop_area").to_numpy()
    assert (share[exempt] >= config.exempt_view_share - 1e-9).all()
    partly = ((share > 0) & (share < config.exempt_view_share - 1e-9)).to_numpy()
    assert (feet.loc[partly, "legal_class"] == "stop_area_borderline").all()
    # the förteckning: exempt cameras "ej tillämpligt", the others an assessment date
    reg = result.register
    cls = result.cameras["legal_class"].reindex(reg.index)
    if result.regime == "kbl-2025":
        assert (reg.loc[cls == "stop_area", "assessment_date"] == "ej tillämpligt (11 § 5 b)").all()
        assert reg.loc[cls != "stop_area", "register_required"].all()
        kinds = {p.site_id: p.kind for p in result.site_packs}
        for site in result.cameras.loc[cls == "stop_area_borderline", "site_id"]:
            assert kinds[site] == "assessment"


@pytest.mark.parametrize("policy", ["borderline", "exempt", "general"])
def test_view_classes_match_classify_views(policy):
    area = square_area(0, 0, 20, 20)
    strak = gpd.GeoDataFrame(geometry=[LineString([xy(40, -50), xy(40, 50)])], crs=CRS)
    fp = views(
        box(*xy(2, 2), *xy(8, 8)),  # inside
        box(*xy(10, 5), *xy(30, 15)),  # half inside
        box(*xy(35, 0), *xy(45, 10)),  # on the stråk
        box(*xy(15, 0), *xy(45, 10)),  # partly inside and on the stråk
        box(*xy(100, 0), *xy(110, 10)),  # away
        Polygon(),
    )
    config = cfg(strak_policy=policy)
    full = legal.classify_views(fp, area, strak, config=config)["legal_class"].tolist()
    assert legal.view_classes(fp, area, strak, config=config).tolist() == full
