"""Tests for siteplan.io.perceived.load_perceived: perceived-safety places."""

from __future__ import annotations

import json
import logging
import warnings
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import GeometryCollection, LineString, Point, Polygon, box

from siteplan.errors import CRSError, InputError, InputWarning, SourceUnavailableError
from siteplan.io.perceived import load_perceived

# A place near Linköping in SWEREF 99 TM, and the same in degrees.
X0, Y0 = 536_000.0, 6_472_000.0
LON0, LAT0 = gpd.GeoSeries([Point(X0, Y0)], crs=3006).to_crs(4326).iloc[0].coords[0]


def _places() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "weight": [3.0, 1.5, 5.0],
            "date": ["2024-10-08", "2024-10-15", None],
            "reason": ["mörkt", "buskage", "folktomt"],
        },
        geometry=[
            Point(X0, Y0),
            LineString([(X0, Y0), (X0 + 100, Y0)]),
            box(X0, Y0, X0 + 50, Y0 + 50),
        ],
        crs=3006,
    )


def _write_geojson(path: Path, features: list[dict]) -> Path:
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8"
    )
    return path


def _feature(props: dict, geometry: dict | None) -> dict:
    return {"type": "Feature", "properties": props, "geometry": geometry}


def _point(lon: float = LON0, lat: float = LAT0) -> dict:
    return {"type": "Point", "coordinates": [lon, lat]}


# --- good files ---------------------------------------------------------------------------


def test_geojson_in_degrees_loads_points_lines_polygons_in_working_crs(tmp_path, caplog):
    path = tmp_path / "walk.geojson"
    _places().to_crs(4326).to_file(path)
    with caplog.at_level(logging.INFO, logger="siteplan.io.perceived"):
        places = load_perceived(path, crs="EPSG:3006")
    assert places.crs.to_epsg() == 3006
    assert places.index.name == "place_id"
    assert list(places.index) == ["1", "2", "3"]  # data row numbers without an id column
    assert list(places.columns) == ["weight", "date", "reason", "geometry"]
    assert places["weight"].tolist() == [3.0, 1.5, 5.0]
    assert places["weight"].dtype == float
    assert pd.api.types.is_datetime64_dtype(places["date"])
    assert places["date"].iloc[0] == pd.Timestamp("2024-10-08")
    assert pd.isna(places["date"].iloc[2])
    assert places["reason"].tolist() == ["mörkt", "buskage", "folktomt"]
    assert places.geom_type.tolist() == ["Point", "LineString", "Polygon"]
    assert places.geometry.iloc[0].distance(Point(X0, Y0)) < 0.01
    assert places.geometry.iloc[1].length == pytest.approx(100.0, abs=0.01)
    assert places.geometry.iloc[2].area == pytest.approx(2500.0, rel=1e-4)
    assert "loaded 3 perceived-safety places" in caplog.text


def test_gpkg_in_another_crs_custom_columns_and_ids(tmp_path):
    frame = _places().rename(columns={"weight": "antal", "date": "datum"})
    frame["id"] = ["a", "b", "c"]
    path = tmp_path / "walk.gpkg"
    frame.to_crs(3011).to_file(path, layer="tv")  # SWEREF 99 18 00
    places = load_perceived(path, crs="EPSG:3006", weight_column="antal", date_column="datum")
    assert list(places.index) == ["a", "b", "c"]
    assert places["weight"].tolist() == [3.0, 1.5, 5.0]
    assert places["date"].iloc[1] == pd.Timestamp("2024-10-15")
    assert places.geometry.iloc[0].distance(Point(X0, Y0)) < 0.01
    assert places.geometry.iloc[2].area == pytest.approx(2500.0, rel=1e-3)


def test_csv_with_lon_lat_semicolons_and_decimal_commas(tmp_path):
    path = tmp_path / "reports.csv"
    path.write_text(
        f"lon;lat;weight;date;reason\n{LON0};{LAT0};2,5;2024-10-08;mörkt\n"
        f"{LON0};{LAT0};1;;buskage\n",
        encoding="utf-8",
    )
    places = load_perceived(path, crs="EPSG:3006")
    assert places["weight"].tolist() == [2.5, 1.0]
    assert places["date"].iloc[0] == pd.Timestamp("2024-10-08")
    assert pd.isna(places["date"].iloc[1])
    assert places.geometry.iloc[0].distance(Point(X0, Y0)) < 0.01


def test_csv_with_a_wkt_column_and_no_dates(tmp_path):
    path = tmp_path / "reports.csv"
    line = f"LINESTRING ({LON0} {LAT0}, {LON0 + 0.001} {LAT0})"
    path.write_text(f'wkt,weight\n"POINT ({LON0} {LAT0})",4\n"{line}",2\n', encoding="utf-8")
    places = load_perceived(path, crs="EPSG:3006")
    assert places.geom_type.tolist() == ["Point", "LineString"]
    assert places["date"].isna().all()
    assert pd.api.types.is_datetime64_dtype(places["date"])
    assert "reason" not in places


def test_no_weight_column_with_weight_column_none_weighs_one(tmp_path):
    path = _write_geojson(tmp_path / "p.geojson", [_feature({"reason": "mörkt"}, _point())])
    places = load_perceived(path, crs="EPSG:3006", weight_column=None, date_column=None)
    assert places["weight"].tolist() == [1.0]
    assert places["date"].isna().all()


def test_multi_geometries_are_allowed(tmp_path):
    frame = gpd.GeoDataFrame(
        {"weight": [1.0]},
        geometry=[box(X0, Y0, X0 + 10, Y0 + 10).union(box(X0 + 20, Y0, X0 + 30, Y0 + 10))],
        crs=3006,
    )
    path = tmp_path / "p.gpkg"
    frame.to_file(path)
    assert load_perceived(path, crs="EPSG:3006").geom_type.tolist() == ["MultiPolygon"]


# --- skipped rows warn with counts ------------------------------------------------------------


def test_rows_without_geometry_or_weight_or_with_negative_weight_are_skipped_with_counts(tmp_path):
    features = [
        _feature({"weight": 2}, _point()),
        _feature({"weight": 1}, None),
        _feature({"weight": None}, _point()),
        _feature({"weight": -1}, _point()),
        _feature({"weight": -2}, _point()),
        _feature({"weight": 0}, _point()),
    ]
    path = _write_geojson(tmp_path / "p.geojson", features)
    with pytest.warns(InputWarning) as record:
        places = load_perceived(path, crs="EPSG:3006")
    assert places["weight"].tolist() == [2.0, 0.0]
    assert list(places.index) == ["1", "6"]
    text = str(record[0].message)
    assert "skipped 4 of 6" in text
    assert "1 with no geometry (row 2)" in text
    assert "1 with no weight (row 3)" in text
    assert "2 with a negative weight (rows 4, 5)" in text
    assert str(tmp_path) not in text  # warnings carry no source paths


def test_all_rows_skipped_is_an_error(tmp_path):
    path = _write_geojson(tmp_path / "p.geojson", [_feature({"weight": -1}, _point())])
    with pytest.warns(InputWarning), pytest.raises(InputError, match="no perceived-safety places"):
        load_perceived(path, crs="EPSG:3006")


def test_clean_file_warns_nothing(tmp_path):
    path = tmp_path / "walk.geojson"
    _places().to_crs(4326).to_file(path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_perceived(path, crs="EPSG:3006")


# --- bad files: a clear InputError naming file, row/column ------------------------------------


def test_missing_file():
    with pytest.raises(SourceUnavailableError, match=r"inputs\.perceived"):
        load_perceived("nowhere.geojson", crs="EPSG:3006")


def test_missing_weight_column_names_file_column_and_fix(tmp_path):
    path = _write_geojson(tmp_path / "p.geojson", [_feature({"weigth": 2}, _point())])
    with pytest.raises(InputError) as err:
        load_perceived(path, crs="EPSG:3006")
    text = str(err.value)
    assert str(path) in text
    assert "no weight column 'weight'" in text
    assert "Did you mean 'weigth'?" in text
    assert "inputs.perceived_weight_column" in text


def test_weight_not_a_number_names_row_and_value(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text(f"lon,lat,weight\n{LON0},{LAT0},2\n{LON0},{LAT0},hög\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_perceived(path, crs="EPSG:3006")
    text = str(err.value)
    assert str(path) in text
    assert "column 'weight'" in text
    assert "row 2 ('hög')" in text


def test_bad_date_names_row_and_column(tmp_path):
    features = [
        _feature({"weight": 1, "date": "2024-10-08"}, _point()),
        _feature({"weight": 1, "date": "8 okt"}, _point()),
    ]
    path = _write_geojson(tmp_path / "p.geojson", features)
    with pytest.raises(InputError, match=r"column 'date'.*row 2 \('8 okt'\).*ISO 8601"):
        load_perceived(path, crs="EPSG:3006")


def test_named_date_column_missing_is_an_error(tmp_path):
    path = _write_geojson(tmp_path / "p.geojson", [_feature({"weight": 1}, _point())])
    with pytest.raises(InputError, match=r"no date column 'datum'.*perceived_date_column"):
        load_perceived(path, crs="EPSG:3006", date_column="datum")


def test_csv_without_coordinates_names_the_columns_needed(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("x_coord,latitud,weight\n1,2,3\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"needs columns 'lon' and\s+'lat'.*Found columns"):
        load_perceived(path, crs="EPSG:3006")


def test_csv_coordinates_not_numbers_name_the_row(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text(f"lon,lat,weight\n{LON0},{LAT0},1\n15.6,north,1\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"column 'lat'.*row 2 \('north'\)"):
        load_perceived(path, crs="EPSG:3006")


def test_bad_wkt_names_the_row(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text(f'wkt,weight\n"POINT ({LON0} {LAT0})",1\n"POINT (1 2",1\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"column 'wkt'.*not WKT geometries \(row 2\)"):
        load_perceived(path, crs="EPSG:3006")


def test_csv_in_metres_is_a_crs_error(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text(f"lon,lat,weight\n{X0},{Y0},1\n", encoding="utf-8")
    with pytest.raises(CRSError, match="not degrees"):
        load_perceived(path, crs="EPSG:3006")


def test_geometry_collection_is_an_error_naming_the_row(tmp_path):
    frame = gpd.GeoDataFrame(
        {"weight": [1.0, 2.0]},
        geometry=[Point(X0, Y0), GeometryCollection([Point(X0, Y0), LineString([(0, 0), (1, 1)])])],
        crs=3006,
    )
    path = tmp_path / "p.gpkg"
    frame.to_file(path)
    with pytest.raises(InputError, match=r"GeometryCollection.*row 2.*points, lines or polygons"):
        load_perceived(path, crs="EPSG:3006")


def test_repeated_ids_are_an_error(tmp_path):
    features = [_feature({"id": "a", "weight": 1}, _point()) for _ in range(2)]
    path = _write_geojson(tmp_path / "p.geojson", features)
    with pytest.raises(InputError, match=r"column 'id' repeats ids \(rows 1 \('a'\), 2"):
        load_perceived(path, crs="EPSG:3006")


def test_table_without_geometry_is_an_error(tmp_path):
    path = tmp_path / "p.parquet"
    pytest.importorskip("pyarrow")
    pd.DataFrame({"weight": [1.0]}).to_parquet(path)
    with pytest.raises(InputError, match="without geometry"):
        load_perceived(path, crs="EPSG:3006")


def test_invalid_polygon_is_repaired_with_a_warning(tmp_path):
    bowtie = Polygon([(X0, Y0), (X0 + 10, Y0 + 10), (X0 + 10, Y0), (X0, Y0 + 10)])
    frame = gpd.GeoDataFrame({"weight": [1.0]}, geometry=[bowtie], crs=3006)
    path = tmp_path / "p.gpkg"
    frame.to_file(path)
    with pytest.warns(InputWarning, match="repaired 1 invalid"):
        places = load_perceived(path, crs="EPSG:3006")
    assert places.geometry.is_valid.all()
    assert places.geometry.iloc[0].area == pytest.approx(50.0)


def test_weights_are_finite(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text(f"lon,lat,weight\n{LON0},{LAT0},inf\n", encoding="utf-8")
    with pytest.raises(InputError, match="not numbers"):
        load_perceived(path, crs="EPSG:3006")
