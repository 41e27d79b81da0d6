"""Tests for siteplan.io.areas.load_areas and the io helpers in siteplan/io/_common.py."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, box

from siteplan.errors import CRSError, InputError, InputWarning, SourceUnavailableError
from siteplan.io._common import atomic_write, check_utf8
from siteplan.io.areas import load_areas, load_polygons

DATA = Path(__file__).parent / "data" / "areas"
AREAS = DATA / "linkoping_areas.geojson"

# Two 100 m x 100 m squares in SWEREF 99 TM near Linköping.
SQ_A = box(536_000, 6_472_000, 536_100, 6_472_100)
SQ_B = box(536_200, 6_472_000, 536_300, 6_472_100)


def write(tmp_path: Path, frame: gpd.GeoDataFrame, name: str = "areas.gpkg", **kw) -> Path:
    path = tmp_path / name
    frame.to_file(path, **kw)
    return path


def test_geojson_loads_named_polygons_in_working_crs(caplog):
    with caplog.at_level(logging.INFO, logger="siteplan.io.areas"):
        areas = load_areas(AREAS)
    assert list(areas.index) == ["Skäggetorp", "Ryd", "Berga", "centrum"]  # file order
    assert areas.index.name == "area"
    assert areas.crs.to_epsg() == 3006
    assert list(areas.columns) == ["geometry"]
    assert set(areas.geom_type) == {"Polygon"}
    # Ryd is 0.02° lon x 0.012° lat at 58.4° N: about 1.17 km x 1.34 km.
    assert areas.geometry.area["Ryd"] / 1e6 == pytest.approx(1.166 * 1.336, rel=0.02)
    assert areas.geometry["Ryd"].contains(
        gpd.GeoSeries([Point(15.565, 58.406)], crs=4326).to_crs(3006).iloc[0]
    )
    assert "loaded 4 areas" in caplog.text


def test_gpkg_custom_name_column_and_layer(tmp_path):
    frame = gpd.GeoDataFrame(
        {"omrade": [" Skäggetorp ", "Ryd"], "kind": ["ov", "ov"]},
        geometry=[SQ_A, MultiPolygon([SQ_B, box(536_400, 6_472_000, 536_500, 6_472_100)])],
        crs=3006,
    )
    path = write(tmp_path, frame, layer="ov_omraden")
    areas = load_areas(path, name_column="omrade", layer="ov_omraden")
    assert list(areas.index) == ["Skäggetorp", "Ryd"]  # names are stripped
    assert set(areas.geom_type) <= {"Polygon", "MultiPolygon"}  # GPKG may promote to Multi
    assert areas.geometry.area.tolist() == pytest.approx([10_000.0, 20_000.0])


def test_reprojects_to_the_requested_crs(tmp_path):
    frame = gpd.GeoDataFrame({"name": ["a"]}, geometry=[SQ_A], crs=3006)
    path = write(tmp_path, frame.to_crs(4326), "a.geojson")
    areas = load_areas(path, crs="EPSG:32633")
    assert areas.crs.to_epsg() == 32633
    assert areas.geometry.area.iloc[0] == pytest.approx(10_000.0, rel=1e-3)


def test_several_layers_need_a_layer_argument(tmp_path):
    path = tmp_path / "two.gpkg"
    gpd.GeoDataFrame({"name": ["a"]}, geometry=[SQ_A], crs=3006).to_file(path, layer="one")
    gpd.GeoDataFrame({"name": ["b"]}, geometry=[SQ_B], crs=3006).to_file(path, layer="two")
    with pytest.raises(InputError, match=r"has 2 layers \['one', 'two'\]; pass layer="):
        load_areas(path)
    assert list(load_areas(path, layer="two").index) == ["b"]


def test_missing_file():
    with pytest.raises(SourceUnavailableError, match="areas file not found") as err:
        load_areas("nowhere/areas.geojson")
    assert isinstance(err.value, OSError)


def test_zero_byte_file(tmp_path):
    path = tmp_path / "areas.geojson"
    path.write_bytes(b"")
    with pytest.raises(InputError, match=r"areas file is empty \(0 bytes\)"):
        load_areas(path)


def test_file_without_features(tmp_path):
    path = tmp_path / "areas.geojson"
    path.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    with pytest.raises(InputError, match="has no features"):
        load_areas(path)


@pytest.mark.filterwarnings("ignore:'crs' was not provided:UserWarning")
def test_layer_without_crs(tmp_path):
    path = write(tmp_path, gpd.GeoDataFrame({"name": ["a"]}, geometry=[SQ_A]))
    with pytest.raises(CRSError, match="has no CRS"):
        load_areas(path)


def test_missing_name_column_lists_columns_and_key(tmp_path):
    frame = gpd.GeoDataFrame({"Namn": ["a"], "kind": ["x"]}, geometry=[SQ_A], crs=3006)
    path = write(tmp_path, frame)
    with pytest.raises(InputError) as err:
        load_areas(path)
    text = str(err.value)
    assert "no column 'name'" in text
    assert "Found columns: ['Namn', 'kind']" in text
    assert "inputs.areas_name_column" in text
    assert str(path) in text


def test_suggests_close_column_name(tmp_path):
    frame = gpd.GeoDataFrame({"names": ["a"]}, geometry=[SQ_A], crs=3006)
    with pytest.raises(InputError, match="Did you mean 'names'"):
        load_areas(write(tmp_path, frame))


def test_duplicate_names_ignoring_case(tmp_path):
    frame = gpd.GeoDataFrame(
        {"name": ["Ryd", "Berga", "ryd "]}, geometry=[SQ_A, SQ_B, SQ_A], crs=3006
    )
    with pytest.raises(InputError, match=r"repeats area names.*'Ryd/ryd' \(rows 1, 3\)"):
        load_areas(write(tmp_path, frame))


def test_empty_names(tmp_path):
    frame = gpd.GeoDataFrame({"name": ["Ryd", "  ", None]}, geometry=[SQ_A, SQ_B, SQ_A], crs=3006)
    with pytest.raises(InputError, match=r"column 'name' is empty in rows 2, 3"):
        load_areas(write(tmp_path, frame))


def test_non_polygon_geometry(tmp_path):
    frame = gpd.GeoDataFrame(
        {"name": ["a", "b", "c"]},
        geometry=[SQ_A, LineString([(0, 0), (1, 1)]), Point(536_000, 6_472_000)],
        crs=3006,
    )
    with pytest.raises(InputError) as err:
        load_areas(write(tmp_path, frame, "mixed.geojson"))
    assert "2 geometries are ['LineString', 'Point'], not polygons (rows 2, 3)" in str(err.value)


def test_missing_geometry(tmp_path):
    frame = gpd.GeoDataFrame({"name": ["a", "b"]}, geometry=[SQ_A, None], crs=3006)
    with pytest.raises(InputError, match=r"1 feature\(s\) have no geometry \(row 2\)"):
        load_areas(write(tmp_path, frame))


def test_invalid_polygon_is_repaired_with_a_warning(tmp_path):
    # A bow-tie: two 50 m x 50 m triangles meeting at a point; invalid as one ring.
    x, y = 536_000, 6_472_000
    bowtie = Polygon([(x, y), (x + 100, y + 100), (x + 100, y), (x, y + 100)])
    frame = gpd.GeoDataFrame({"name": ["ok", "bowtie"]}, geometry=[SQ_A, bowtie], crs=3006)
    with pytest.warns(InputWarning, match=r"repaired 1 invalid polygon.*\['bowtie'\]"):
        areas = load_areas(write(tmp_path, frame))
    assert areas.is_valid.all()
    assert areas.geom_type["bowtie"] == "MultiPolygon"
    assert areas.geometry.area["bowtie"] == pytest.approx(5_000.0)
    assert areas.geometry.area["ok"] == pytest.approx(10_000.0)


def test_valid_file_gives_no_warning(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_areas(AREAS)


def test_load_polygons_keeps_attributes_and_repairs(tmp_path):
    x, y = 536_000, 6_472_000
    bowtie = Polygon([(x, y), (x + 100, y + 100), (x + 100, y), (x, y + 100)])
    frame = gpd.GeoDataFrame({"reason": ["skola", "bostad"]}, geometry=[SQ_A, bowtie], crs=3006)
    path = write(tmp_path, frame.to_crs(4326), "exclusion.geojson")
    with pytest.warns(InputWarning, match=r"repaired 1 invalid polygon.*\['row 2'\]"):
        zones = load_polygons(path)
    assert zones["reason"].tolist() == ["skola", "bostad"]
    assert zones.crs.to_epsg() == 3006
    assert zones.geometry.area.tolist() == pytest.approx([10_000.0, 5_000.0], rel=1e-4)


def test_load_polygons_refuses_points(tmp_path):
    frame = gpd.GeoDataFrame(geometry=[SQ_A, Point(536_000, 6_472_000)], crs=3006)
    with pytest.raises(InputError, match=r"1 geometries are \['Point'\], not polygons \(row 2\)"):
        load_polygons(write(tmp_path, frame, "zones.geojson"))


# -- helpers in siteplan/io/_common.py -----------------------------------------------------------


def test_atomic_write_replaces_only_on_success(tmp_path):
    target = tmp_path / "out" / "cameras.csv"
    with atomic_write(target) as tmp:
        assert tmp.parent == target.parent
        tmp.write_text("v1", encoding="utf-8")
        assert not target.exists()
    assert target.read_text(encoding="utf-8") == "v1"

    def failing_write() -> None:
        with atomic_write(target) as tmp:
            tmp.write_text("half", encoding="utf-8")
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        failing_write()
    assert target.read_text(encoding="utf-8") == "v1"
    assert sorted(p.name for p in target.parent.iterdir()) == ["cameras.csv"]


def test_atomic_write_works_with_gdal_writers(tmp_path):
    target = tmp_path / "plan.gpkg"
    frame = gpd.GeoDataFrame({"name": ["a"]}, geometry=[SQ_A], crs=3006)
    with atomic_write(target) as tmp:
        frame.to_file(tmp, layer="areas")
    assert list(load_areas(target).index) == ["a"]


def test_check_utf8_names_line_and_guesses_cp1252(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes("a,b\n1,2\n3,Skäggetorp\n".encode("cp1252"))
    with pytest.raises(InputError) as err:
        check_utf8(path)
    text = str(err.value)
    assert "byte 0xe4" in text
    assert "line 3" in text
    assert "Latin-1/cp1252" in text
    assert "encoding='cp1252'" in text
    assert check_utf8(path, encoding="cp1252") == "cp1252"


def test_check_utf8_accepts_bom(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes("\ufeffa,b\n".encode())
    assert check_utf8(path) == "utf-8-sig"


# -- files from the wild -----------------------------------------------------------------------


def test_overlapping_areas_warn_with_counts(tmp_path):
    overlapping = box(536_050, 6_472_000, 536_150, 6_472_100)  # half of SQ_A: 5,000 m²
    touching = box(536_300, 6_472_000, 536_400, 6_472_100)  # shares SQ_B's edge only
    frame = gpd.GeoDataFrame(
        {"name": ["A", "B", "C", "D"]}, geometry=[SQ_A, SQ_B, overlapping, touching], crs=3006
    )
    with pytest.warns(InputWarning) as record:
        load_areas(write(tmp_path, frame))
    (message,) = [str(w.message) for w in record]
    assert "1 pair(s) of priority areas overlap, 5,000 m² in all" in message
    assert "'A' and 'C'" in message
    assert "loses that demand" in message


def test_a_geojson_in_metres_without_a_crs_names_the_file_and_the_fix(tmp_path):
    # GeoJSON has no CRS member here, so it is read as WGS 84; the coordinates are SWEREF 99 TM
    path = tmp_path / "areas_metres.geojson"
    path.write_text(gpd.GeoDataFrame({"name": ["A"]}, geometry=[SQ_A]).to_json())
    with pytest.raises(CRSError) as err:
        load_areas(path)
    text = str(err.value)
    assert str(path) in text
    assert "are not degrees" in text
    assert "look like metres" in text
    assert "ogr2ogr -a_srs EPSG:3006 fixed.gpkg areas_metres.geojson" in text


def test_an_unbounded_area_name_is_cut_with_a_warning(tmp_path):
    frame = gpd.GeoDataFrame({"name": ["A" * 100_000, "B"]}, geometry=[SQ_A, SQ_B], crs=3006)
    with pytest.warns(InputWarning, match=r"1 area names .* longer than 100 .*100000; row 1"):
        areas = load_areas(write(tmp_path, frame))
    assert list(areas.index) == ["A" * 100, "B"]
