"""Tests for siteplan.io.incidents.load_incidents."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyproj
import pytest
from shapely.geometry import LineString, Point, box

from siteplan.config import IncidentColumns
from siteplan.errors import CRSError, InputError, InputWarning, SourceUnavailableError
from siteplan.io.areas import load_areas
from siteplan.io.incidents import load_incidents, match_area_names

DATA = Path(__file__).parent / "data"
FEED = DATA / "incidents" / "police_feed_sample.csv"
LATIN1 = DATA / "incidents" / "latin1_semicolon.csv"
AREAS = DATA / "areas" / "linkoping_areas.geojson"
CENTROID = (15.621373, 58.410807)  # (lon, lat) the police feed puts on every Linköping row
FEED_COLUMNS = IncidentColumns(
    time="datetime",
    category="type",
    area_text=["summary", "name", "details"],
    placeholder_lonlat=CENTROID,
)
TO_3006 = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:3006", always_xy=True)
HEADER = "id,occurred_at,category,lat,lon\n"


def csv(tmp_path: Path, text: str, name: str = "incidents.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def areas() -> gpd.GeoDataFrame:
    return load_areas(AREAS)


# -- happy paths -------------------------------------------------------------------------------


def test_csv_lat_lon(tmp_path, caplog):
    path = csv(
        tmp_path,
        HEADER + "a1,2024-05-01T19:30:00Z,Misshandel,58.4108,15.6214\n"
        "a2,2024-12-24 23:05:00+01:00,Rån,58.42,15.595\n"
        "7,2025-01-02T02:10:00+0100, Stöld ,58.395,15.64\n",
    )
    with caplog.at_level(logging.INFO, logger="siteplan.io.incidents"):
        inc = load_incidents(path)
    assert list(inc.index) == ["a1", "a2", "7"]
    assert inc.index.name == "incident_id"
    assert list(inc.columns) == ["occurred_at", "category", "area", "geometry"]
    assert inc.crs.to_epsg() == 3006
    assert str(inc["occurred_at"].dt.tz) == "Europe/Stockholm"
    # 19:30 UTC on 1 May is 21:30 summer time.
    assert inc.loc["a1", "occurred_at"] == pd.Timestamp("2024-05-01 21:30", tz="Europe/Stockholm")
    assert inc.loc["a2", "occurred_at"].hour == 23
    assert inc["category"].tolist() == ["Misshandel", "Rån", "Stöld"]
    assert inc["area"].isna().all()
    x, y = TO_3006.transform(15.6214, 58.4108)
    assert inc.geometry["a1"].x == pytest.approx(x, abs=1e-6)
    assert inc.geometry["a1"].y == pytest.approx(y, abs=1e-6)
    assert "loaded 3 incidents (3 points, 0 area-level)" in caplog.text
    assert "2024-05-01..2025-01-02" in caplog.text


def test_xy_sweref_custom_columns_semicolon_and_local_times(tmp_path):
    path = csv(
        tmp_path,
        "nr;tid;typ;E;N\n"
        "1;2024-07-01 23:30;Rån;536100,5;6472050\n"
        "2;2024-01-15 08:00;Stöld;536200;6472100\n",
    )
    cols = IncidentColumns(
        id="nr", time="tid", category="typ", lat=None, lon=None, x="E", y="N",
        coord_crs="EPSG:3006",
    )  # fmt: skip
    with pytest.warns(InputWarning, match="2 time.*no UTC offset; read as local time"):
        inc = load_incidents(path, columns=cols)
    assert list(inc.index) == ["1", "2"]
    assert (inc.geometry.x.tolist(), inc.geometry.y.tolist()) == (
        [536100.5, 536200.0],
        [6472050.0, 6472100.0],
    )
    stamps = inc["occurred_at"]
    assert stamps["1"].utcoffset() == pd.Timedelta(hours=2)  # summer time
    assert stamps["2"].utcoffset() == pd.Timedelta(hours=1)
    assert stamps["1"].hour == 23


def test_time_format_with_and_without_offset(tmp_path):
    path = csv(tmp_path, HEADER + "1,01/05/2024 21:30,X,58.41,15.62\n")
    cols = IncidentColumns(time_format="%d/%m/%Y %H:%M")
    with pytest.warns(InputWarning, match="no UTC offset"):
        inc = load_incidents(path, columns=cols)
    assert inc["occurred_at"].iloc[0] == pd.Timestamp("2024-05-01 21:30", tz="Europe/Stockholm")

    path = csv(tmp_path, HEADER + "1,01/05/2024 21:30 +0000,X,58.41,15.62\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        inc = load_incidents(path, columns=IncidentColumns(time_format="%d/%m/%Y %H:%M %z"))
    assert inc["occurred_at"].iloc[0].hour == 23


def test_ambiguous_and_missing_local_times_at_dst_changes(tmp_path):
    path = csv(
        tmp_path,
        HEADER + "1,2024-10-27 02:30,X,58.41,15.62\n2,2024-03-31 02:30,X,58.41,15.62\n",
    )
    with pytest.warns(InputWarning, match="no UTC offset"):
        inc = load_incidents(path)
    # 02:30 happens twice on 27 Oct (read as summer time) and not at all on 31 Mar (shifted).
    assert inc.loc["1", "occurred_at"].isoformat() == "2024-10-27T02:30:00+02:00"
    assert inc.loc["2", "occurred_at"].isoformat() == "2024-03-31T03:00:00+02:00"


def test_geojson_uses_its_geometry(tmp_path):
    frame = gpd.GeoDataFrame(
        {
            "id": [10, 11],
            "occurred_at": ["2024-05-01T21:30:00+02:00", "2024-05-02T01:00:00+02:00"],
            "category": ["Rån", "Hot"],
        },
        geometry=[Point(15.6214, 58.4108), Point(15.595, 58.42)],
        crs=4326,
    )
    path = tmp_path / "inc.geojson"
    frame.to_file(path)
    inc = load_incidents(path)
    assert list(inc.index) == ["10", "11"]
    assert inc.geometry.iloc[1].x == pytest.approx(TO_3006.transform(15.595, 58.42)[0], abs=1e-3)
    assert inc["occurred_at"].iloc[1] == pd.Timestamp("2024-05-02 01:00", tz="Europe/Stockholm")


def test_gpkg_round_trip_of_loaded_incidents(tmp_path, areas):
    with pytest.warns(InputWarning):
        inc = load_incidents(FEED, columns=FEED_COLUMNS, areas=areas)
    path = tmp_path / "incidents.gpkg"
    inc.to_file(path, layer="incidents")
    back = load_incidents(path, areas=areas)
    assert back.index.equals(inc.index)
    assert back["occurred_at"].equals(inc["occurred_at"])
    assert back["category"].equals(inc["category"])
    assert back["area"].equals(inc["area"])
    assert back.geometry.isna().equals(inc.geometry.isna())
    assert back.geometry.geom_equals_exact(inc.geometry, tolerance=1e-6)[inc.geometry.notna()].all()


def test_gpkg_with_several_layers_needs_layer(tmp_path):
    path = tmp_path / "two.gpkg"
    one = gpd.GeoDataFrame(
        {"id": ["a"], "occurred_at": ["2024-05-01T21:30:00+02:00"], "category": ["Rån"]},
        geometry=[Point(536_000, 6_472_000)],
        crs=3006,
    )
    one.to_file(path, layer="points")
    one.assign(id="b").to_file(path, layer="other")
    with pytest.raises(InputError, match=r"has 2 layers \['points', 'other'\]; pass layer="):
        load_incidents(path)
    assert list(load_incidents(path, layer="other").index) == ["b"]


def test_parquet_round_trips(tmp_path, areas):
    pytest.importorskip("pyarrow")
    with pytest.warns(InputWarning):
        inc = load_incidents(FEED, columns=FEED_COLUMNS, areas=areas)
    geo = tmp_path / "incidents.parquet"
    inc.to_parquet(geo)
    back = load_incidents(geo, areas=areas)
    pd.testing.assert_frame_equal(back.drop(columns="geometry"), inc.drop(columns="geometry"))
    assert back.geometry.isna().equals(inc.geometry.isna())

    plain = tmp_path / "plain.parquet"
    pd.DataFrame(
        {
            "id": [1, 2],
            "occurred_at": pd.to_datetime(["2024-05-01 19:30", "2024-05-02 08:00"], utc=True),
            "category": ["Rån", "Hot"],
            "lat": [58.4108, 58.42],
            "lon": [15.6214, 15.595],
        }
    ).to_parquet(plain)
    back = load_incidents(plain)
    assert list(back.index) == ["1", "2"]
    assert back["occurred_at"].iloc[0].hour == 21
    assert back.geometry.iloc[0].x == pytest.approx(TO_3006.transform(15.6214, 58.4108)[0])


# -- area-level incidents ----------------------------------------------------------------------


def test_feed_rows_are_located_by_area_text(areas, caplog):
    with (
        caplog.at_level(logging.INFO, logger="siteplan.io.incidents"),
        pytest.warns(InputWarning, match=r"skipped 1 row.*Example: row 3: 'Stöld på Rydsvägen'"),
    ):
        inc = load_incidents(FEED, columns=FEED_COLUMNS, areas=areas)
    # 1001: genitive "Skäggetorps"; 1002: "RYD" in details ("Rydsvägen" is not Ryd);
    # 1003 only names Rydsvägen: skipped; 1004: centrum comes before Berga in the summary;
    # 1005 has real coordinates: a point.
    assert inc["area"].to_dict() == {
        "1001": "Skäggetorp",
        "1002": "Ryd",
        "1004": "centrum",
        "1005": pytest.approx(float("nan"), nan_ok=True),
    }
    assert inc.geometry[["1001", "1002", "1004"]].isna().all()
    assert inc.geometry["1005"].x == pytest.approx(TO_3006.transform(15.6212, 58.4105)[0])
    assert "loaded 4 incidents (1 points, 3 area-level)" in caplog.text


def test_blank_coordinates_are_area_level(tmp_path, areas):
    path = csv(
        tmp_path,
        "id,occurred_at,category,lat,lon,place\n"
        "1,2024-05-01T21:30:00+02:00,Rån,,,vid Berga centrum\n"
        "2,2024-05-01T22:30:00+02:00,Rån,58.41,15.62,\n",
    )
    inc = load_incidents(path, columns=IncidentColumns(area_text=["place"]), areas=areas)
    assert inc.loc["1", "area"] == "Berga"
    assert inc.geometry["1"] is None
    assert inc.geometry["2"] is not None


def test_area_level_rows_need_areas():
    with pytest.raises(InputError) as err:
        load_incidents(FEED, columns=FEED_COLUMNS)
    text = str(err.value)
    assert "4 row(s) have no coordinates or only the placeholder" in text  # 1005 is a point
    assert "Pass areas=load_areas(...)" in text
    assert "inputs.areas" in text


def test_blank_coordinates_without_area_text_are_skipped(tmp_path):
    path = csv(
        tmp_path,
        HEADER + "1,2024-05-01T21:30:00+02:00,Rån,,\n2,2024-05-01T22:30:00+02:00,Rån,58.41,15.62\n",
    )
    with pytest.warns(InputWarning, match=r"skipped 1 row.*area_text is not set"):
        inc = load_incidents(path)
    assert list(inc.index) == ["2"]


def test_match_area_names_rules():
    summary = [
        "Bråk i Ryd och Berga",
        "Stöld på Rydsvägen",
        None,
        "LAMBOHOVS torg",
        "Berga centrum",
    ]
    details = ["i Berga", "i Ryds centrum", "Skäggetorp", "x", ""]
    texts = pd.DataFrame({"summary": summary, "details": details}, index=[10, 20, 30, 40, 50])
    found = match_area_names(texts, ["Berga", "Ryd", "Skäggetorp", "Lambohov", "Berga centrum"])
    # 10: earliest mention wins; 20: "Rydsvägen" is not Ryd, so the details' genitive "Ryds"
    # is used; 30: a missing summary falls through; 40: case and genitive; 50: longest name.
    assert found.to_dict() == {
        10: "Ryd", 20: "Ryd", 30: "Skäggetorp", 40: "Lambohov", 50: "Berga centrum"
    }  # fmt: skip
    none = match_area_names(texts.iloc[:1], [])
    assert none.isna().all()


# -- bad input -----------------------------------------------------------------------------------


def test_missing_file():
    with pytest.raises(SourceUnavailableError, match="incident file not found"):
        load_incidents("no/such/incidents.csv")


def test_zero_byte_and_header_only_files(tmp_path):
    with pytest.raises(InputError, match=r"incident file is empty \(0 bytes\)"):
        load_incidents(csv(tmp_path, ""))
    with pytest.raises(InputError, match=r"no data rows: its one line was read as the header "):
        load_incidents(csv(tmp_path, HEADER))


def test_latin1_file_is_refused_with_a_hint_and_read_with_encoding():
    with pytest.raises(InputError) as err:
        load_incidents(LATIN1)
    text = str(err.value)
    assert str(LATIN1) in text
    assert "not valid UTF-8 text (byte 0xe5" in text
    assert "line 3" in text  # the first non-ASCII letter is the å of "Rån" in data row 2
    assert "looks like Latin-1/cp1252 (that line reads '2;2024-05-02 01:15;Rån;" in text
    # the fix names the scenario key, not the Python argument
    assert 'set inputs.incident_columns.encoding = "cp1252" in the scenario' in text
    cols = IncidentColumns(time="tid", category="brottstyp", lat="latitud", lon="longitud")
    with pytest.warns(InputWarning, match="no UTC offset"):
        inc = load_incidents(LATIN1, columns=cols, encoding="cp1252")
    assert inc["category"].tolist() == ["Misshandel", "Rån"]
    assert inc.geometry.iloc[0].y == pytest.approx(TO_3006.transform(15.6214, 58.4108)[1])
    # A scenario names the encoding with the column mapping (inputs.incident_columns.encoding).
    cols = cols.model_copy(update={"encoding": "cp1252"})
    with pytest.warns(InputWarning, match="no UTC offset"):
        again = load_incidents(LATIN1, columns=cols)
    assert again["category"].tolist() == ["Misshandel", "Rån"]


def test_missing_columns_are_listed_with_suggestions(tmp_path):
    path = csv(tmp_path, "id,occured_at,kategori,latitude,lon\n1,2024-05-01,Rån,58.4,15.6\n")
    with pytest.raises(InputError) as err:
        load_incidents(path)
    text = str(err.value)
    assert "'occurred_at' (inputs.incident_columns.time) Did you mean 'occured_at'?" in text
    assert "'category' (inputs.incident_columns.category)" in text
    assert "'lat' (inputs.incident_columns.lat) Did you mean 'latitude'?" in text
    assert "Found columns: ['id', 'occured_at', 'kategori', 'latitude', 'lon']" in text


def test_unparseable_times(tmp_path):
    path = csv(
        tmp_path,
        HEADER
        + "1,2024-05-01T21:30:00+02:00,Rån,58.41,15.62\n"
        + "2,igår kväll,Rån,58.41,15.62\n"
        + "3,2024-13-45 10:00,Rån,58.41,15.62\n",
    )
    with pytest.raises(InputError) as err:
        load_incidents(path)
    text = str(err.value)
    assert "column 'occurred_at' (inputs.incident_columns.time)" in text
    assert (
        "2 value(s) are not readable times: rows 2 ('igår kväll'), 3 ('2024-13-45 10:00')" in text
    )
    assert "time_format" in text


def test_missing_time_skips_row_and_missing_category_becomes_okand(tmp_path):
    path = csv(
        tmp_path,
        HEADER
        + "1,2024-05-01T21:30:00+02:00,,58.41,15.62\n"
        + "2,,Rån,58.41,15.62\n"
        + "3,2024-05-01T22:30:00+02:00,Hot,58.41,15.62\n",
    )
    with pytest.warns(InputWarning) as record:
        inc = load_incidents(path)
    messages = [str(w.message) for w in record]
    assert any("1 row(s) have no category" in m and "'Okänd'" in m for m in messages)
    assert any("skipped 1 row(s) with no time" in m and "row 2" in m for m in messages)
    assert list(inc.index) == ["1", "3"]
    assert inc.loc["1", "category"] == "Okänd"


def test_coordinates_outside_area_of_use(tmp_path):
    path = csv(
        tmp_path,
        HEADER
        + "1,2024-05-01T21:30:00+02:00,Rån,58.41,15.62\n"
        + "2,2024-05-01T21:30:00+02:00,Rån,48.8566,2.3522\n",
    )
    with pytest.raises(InputError) as err:
        load_incidents(path)
    text = str(err.value)
    assert "1 point(s) fall outside the area of use of SWEREF99 TM" in text
    assert "row 2 ('2.3522, 48.8566')" in text
    assert "coord_crs" in text


def test_swapped_lat_lon_suggests_swapping_the_mapping(tmp_path):
    path = csv(
        tmp_path,
        HEADER
        + "1,2024-05-01T21:30:00+02:00,Rån,15.62,58.41\n"
        + "2,2024-05-01T21:30:00+02:00,Rån,15.60,58.42\n",
    )
    with pytest.raises(InputError) as err:
        load_incidents(path)
    text = str(err.value)
    assert "2 point(s) fall outside" in text
    assert "columns look swapped" in text
    assert "set inputs.incident_columns.lat = 'lon' and inputs.incident_columns.lon = 'lat'" in text


def test_swapped_projected_xy(tmp_path):
    path = csv(
        tmp_path, "id,occurred_at,category,E,N\n1,2024-05-01T21:30:00+02:00,Rån,6472050,536100\n"
    )
    cols = IncidentColumns(x="E", y="N", coord_crs="EPSG:3006")
    with pytest.raises(InputError, match=r"set inputs.incident_columns.x = 'N' and .*y = 'E'"):
        load_incidents(path, columns=cols)


def test_latitude_out_of_range(tmp_path):
    path = csv(tmp_path, HEADER + "1,2024-05-01T21:30:00+02:00,Rån,158.41,15.62\n")
    with pytest.raises(InputError, match=r"1 latitude\(s\) outside \[-90, 90\]: row 1 \(158.41\)"):
        load_incidents(path)


def test_non_numeric_coordinates(tmp_path):
    path = csv(tmp_path, HEADER + '1,2024-05-01T21:30:00+02:00,Rån,58.41,"15°37\'"\n')
    with pytest.raises(InputError, match=r"column 'lon': 1 value\(s\) are not numbers: row 1"):
        load_incidents(path)


def test_duplicate_and_missing_ids(tmp_path):
    rows = "1,2024-05-01T21:30:00+02:00,Rån,58.41,15.62\n"
    path = csv(tmp_path, HEADER + rows + rows.replace("1,", "2,", 1) + rows)
    with pytest.raises(InputError, match=r"1 repeated id\(s\): '1' \(rows 1, 3\)"):
        load_incidents(path)
    path = csv(tmp_path, HEADER + rows + "," + rows.split(",", 1)[1])
    with pytest.raises(
        InputError, match=r"column 'id' \(inputs.incident_columns.id\) is empty in row 2"
    ):
        load_incidents(path)


def test_non_point_geometry(tmp_path):
    frame = gpd.GeoDataFrame(
        {"id": [1, 2], "occurred_at": ["2024-05-01T21:30:00+02:00"] * 2, "category": ["Rån"] * 2},
        geometry=[Point(15.62, 58.41), LineString([(15.62, 58.41), (15.63, 58.42)])],
        crs=4326,
    )
    path = tmp_path / "inc.geojson"
    frame.to_file(path)
    with pytest.raises(
        InputError, match=r"1 geometries are \['LineString'\], not points \(row 2\)"
    ):
        load_incidents(path)


@pytest.mark.filterwarnings("ignore:'crs' was not provided:UserWarning")
def test_vector_file_without_crs(tmp_path):
    frame = gpd.GeoDataFrame(
        {"id": [1], "occurred_at": ["2024-05-01T21:30:00+02:00"], "category": ["Rån"]},
        geometry=[Point(536_000, 6_472_000)],
    )
    path = tmp_path / "inc.gpkg"
    frame.to_file(path)
    with pytest.raises(CRSError, match="has no CRS"):
        load_incidents(path)


def test_geographic_working_crs_is_refused(tmp_path):
    path = csv(tmp_path, HEADER + "1,2024-05-01T21:30:00+02:00,Rån,58.41,15.62\n")
    with pytest.raises(CRSError, match="geographic CRS"):
        load_incidents(path, crs="EPSG:4326")


def test_nothing_left_is_an_error(tmp_path):
    path = csv(tmp_path, HEADER + "1,,Rån,58.41,15.62\n")
    with (
        pytest.warns(InputWarning, match="no time"),
        pytest.raises(InputError, match="no incidents left"),
    ):
        load_incidents(path)


def test_many_points_on_one_coordinate_warn(tmp_path):
    rows = "".join(f"{i},2024-05-01T21:30:00+02:00,Rån,58.345364,15.519784\n" for i in range(12))
    rows += "99,2024-05-01T21:30:00+02:00,Rån,58.41,15.62\n"
    with pytest.warns(InputWarning, match=r"12 of 13 points share the exact coordinate"):
        load_incidents(csv(tmp_path, HEADER + rows))


def test_clean_file_gives_no_warnings(tmp_path):
    path = csv(tmp_path, HEADER + "1,2024-05-01T21:30:00+02:00,Rån,58.41,15.62\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_incidents(path)


# -- real data -----------------------------------------------------------------------------------


def test_real_linkoping_police_feed(linkoping_dir):
    names = ["Skäggetorp", "Ryd", "Berga", "centrum", "Tornby", "Lambohov", "Valla", "Ekholmen"]
    # Only the names matter for matching; the polygons are arbitrary squares.
    areas = gpd.GeoDataFrame(
        geometry=[
            box(530_000 + 1000 * i, 6_470_000, 530_900 + 1000 * i, 6_470_900) for i in range(8)
        ],
        index=pd.Index(names, name="area"),
        crs=3006,
    )
    with pytest.warns(InputWarning) as record:
        inc = load_incidents(
            linkoping_dir / "police_events_linkoping.csv", columns=FEED_COLUMNS, areas=areas
        )
    messages = " ".join(str(w.message) for w in record)
    counts = inc["area"].value_counts()
    # The data README counts 26 notices mentioning Skäggetorp anywhere in the text; whole-word
    # matching drops "Skäggetorpshållet" and one row names another area first.
    assert 22 <= counts["Skäggetorp"] <= 26
    assert 18 <= counts["Tornby"] <= 22
    assert counts.index[0] == "Skäggetorp"
    # 409 rows carry the centroid; only those naming an area are kept, none as invented points.
    area_level = inc["area"].notna()
    assert inc.geometry[area_level].isna().all()
    assert area_level.sum() == counts.sum() < 409
    assert "skipped" in messages
    assert "no area name" in messages
    # The other 21 rows carry the county centroid or other towns: kept as points, flagged.
    assert inc.geometry.notna().sum() == 21
    assert "18 of 21 points share the exact coordinate (lon 15.519784, lat 58.345364)" in messages
    assert inc["occurred_at"].min() >= pd.Timestamp("2022-11-01", tz="Europe/Stockholm")
    assert inc.index.is_unique


def test_real_police_feed_with_two_placeholders(linkoping_dir):
    """The feed also puts the county centroid on rows it cannot place: list both."""
    names = ["Skäggetorp", "Ryd", "Berga", "centrum", "Tornby", "Lambohov", "Valla", "Ekholmen"]
    areas = gpd.GeoDataFrame(
        geometry=[
            box(530_000 + 1000 * i, 6_470_000, 530_900 + 1000 * i, 6_470_900) for i in range(8)
        ],
        index=pd.Index(names, name="area"),
        crs=3006,
    )
    columns = FEED_COLUMNS.model_copy(
        update={"placeholder_lonlat": [CENTROID, (15.519784, 58.345364)]}
    )
    with pytest.warns(InputWarning):
        inc = load_incidents(
            linkoping_dir / "police_events_linkoping.csv", columns=columns, areas=areas
        )
    # Only the 3 rows placed in other towns keep a point; the county-centroid rows became
    # area-level (where the text names an area) or were skipped.
    assert inc.geometry.notna().sum() == 3
    assert inc["area"].notna().sum() > 93


# -- files from the wild: no time, no category, future dates, unbounded text -----------------


def test_a_file_without_time_and_category_columns_loads_with_stated_consequences(tmp_path):
    # a real crime layer often has only an id and a place
    path = csv(tmp_path, "id,lat,lon\nx1,58.4108,15.6214\nx2,58.42,15.595\n")
    with pytest.raises(InputError, match=r"missing column\(s\) 'occurred_at'"):
        load_incidents(path)
    columns = IncidentColumns(time="none", category="none")
    with pytest.warns(InputWarning) as record:
        inc = load_incidents(path, columns=columns)
    messages = " | ".join(str(w.message) for w in record)
    assert "inputs.incident_columns.time = 'none'" in messages
    assert "no hour-of-day or recency weights" in messages
    assert "hold-out evaluation is skipped" in messages
    assert "inputs.incident_columns.category = 'none'" in messages
    assert "one category 'Okänd'" in messages
    assert list(inc.index) == ["x1", "x2"]
    assert inc["occurred_at"].isna().all()
    assert isinstance(inc["occurred_at"].dtype, pd.DatetimeTZDtype)
    assert str(inc["occurred_at"].dt.tz) == "Europe/Stockholm"
    assert (inc["category"] == "Okänd").all()
    assert inc.geometry.notna().all()


def test_incidents_dated_in_the_future_are_an_error_unless_allowed(tmp_path):
    rows = "".join(f"f{i},2031-03-0{i + 1}T21:00:00+01:00,Rån,58.4108,15.6214\n" for i in range(3))
    path = csv(tmp_path, HEADER + "a1,2024-05-01T19:30:00Z,Misshandel,58.4108,15.6214\n" + rows)
    as_of = pd.Timestamp("2026-01-01", tz="Europe/Stockholm")
    with pytest.raises(InputError) as err:
        load_incidents(path, as_of=as_of)
    text = str(err.value)
    assert "3 incident(s) are dated after 2026-01-01 00:00 (the latest 2031-03-03" in text
    assert "rows 2, 3, 4" in text
    assert "inputs.incident_columns.allow_future = true" in text
    inc = load_incidents(path, as_of=as_of, columns=IncidentColumns(allow_future=True))
    assert len(inc) == 4


def test_an_unbounded_category_is_cut_with_a_warning(tmp_path):
    long = "A" * 100_000
    path = csv(tmp_path, HEADER + f"a1,2024-05-01T19:30:00Z,{long},58.4108,15.6214\n")
    with pytest.warns(InputWarning, match=r"1 categories .* longer than 100 .*100000; row 1"):
        inc = load_incidents(path)
    assert inc["category"].str.len().max() == 100


def test_a_working_crs_wrong_for_the_place_names_study_area_crs(tmp_path):
    # Helsinki incidents with Sweden's grid: not the coordinate columns' fault
    path = csv(tmp_path, HEADER + "h1,2024-05-01T19:30:00Z,Rån,60.1699,24.9384\n")
    with pytest.raises(CRSError) as err:
        load_incidents(path, crs="EPSG:3006")
    text = str(err.value)
    assert "study_area.crs = EPSG:3006" in text
    assert "EPSG:32635 (WGS 84 / UTM zone 35N)" in text
    assert "coord_crs" not in text


# -- messages that must not mislead ------------------------------------------------------------


def test_an_unclosed_quote_is_named_without_echoing_rows(tmp_path):
    rows = "".join(
        f"p{i},2024-05-01T19:30:00Z,Rån mot Anna Svensson {i},58.41,15.62\n" for i in range(40)
    )
    # the quote opened in row 1 closes in row 3: pandas reads rows 1-3 as one row
    text = (
        HEADER
        + 'a1,"2024-05-01T19:30:00Z,Rån,58.41,15.62\n'
        + rows.replace("Svensson 1,", 'Svensson 1",', 1)
    )
    with pytest.raises(InputError) as err:
        load_incidents(csv(tmp_path, text))
    message = str(err.value)
    assert "data row 1, column 'occurred_at': a quote (\") opened there" in message
    assert "Svensson" not in message
    assert "time_format" not in message  # not blamed on the time column
    # a quote that never closes
    with pytest.raises(InputError) as err:
        load_incidents(csv(tmp_path, HEADER + rows + 'a1,"2024-05-01T19:30:00Z,Rån,58.41,15.62\n'))
    message = str(err.value)
    assert 'a quote (") opened in data row 41 is never closed' in message
    assert "Svensson" not in message


def test_a_delimiter_mismatch_names_both_delimiters(tmp_path):
    text = (
        HEADER + "a1;2024-05-01T19:30:00Z;Rån;58,41;15,62\na2;2024-05-02T19:30:00Z;Rån;58,4;15,6\n"
    )
    with pytest.raises(
        InputError, match="header line is delimited by ',' but the data rows by ';'"
    ):
        load_incidents(csv(tmp_path, text))


def test_a_one_row_file_without_header_suggests_adding_one(tmp_path):
    with pytest.raises(InputError) as err:
        load_incidents(csv(tmp_path, "a1,2024-05-01T19:30:00Z,Rån mot Anna,58.41,15.62\n"))
    message = str(err.value)
    assert "the file lacks its header line: add one with the column names" in message
    assert "Anna" not in message


def test_a_folder_given_as_the_incident_file_names_the_key(tmp_path):
    with pytest.raises(InputError) as err:
        load_incidents(tmp_path)
    message = str(err.value)
    assert "is a folder, but the incident file must be a file" in message
    assert "inputs.incidents" in message


def test_unreadable_times_echo_at_most_a_short_snippet(tmp_path):
    long = "x" * 500
    with pytest.raises(InputError) as err:
        load_incidents(csv(tmp_path, HEADER + f"a1,{long},Rån,58.41,15.62\n"))
    assert "x" * 60 not in str(err.value)
    assert "row 1 ('xxxx" in str(err.value)
