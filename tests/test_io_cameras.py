"""Tests for the one installed-cameras loader (plan and follow-up)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from siteplan.errors import InputError, InputWarning
from siteplan.io.cameras import load_installed_cameras

CRS = "EPSG:3006"


def test_installed_reads_dates_and_skips_uninstalled(tmp_path):
    path = tmp_path / "installed.csv"
    path.write_text(
        "camera_id,x,y,azimuth_deg,hfov_deg,range_m,installed_on\n"
        "cam-001,500000,6400000,90,60,18,2025-02-03\n"
        "cam-002,500100,6400000,,360,10,2025-02-10\n"
        "cam-003,500200,6400000,0,60,18,\n",
        encoding="utf-8",
    )
    with pytest.warns(InputWarning, match="1 camera\\(s\\) have no installed_on"):
        cams = load_installed_cameras(path, crs=CRS, dated=True)
    assert list(cams.index) == ["cam-001", "cam-002"]
    assert cams.loc["cam-001", "installed_on"] == pd.Timestamp("2025-02-03")
    assert pd.isna(cams.loc["cam-002", "azimuth_deg"])  # a 360° camera needs no azimuth
    assert cams.crs.to_epsg() == 3006
    assert cams.loc["cam-002", "x"] == 500100.0


def test_installed_bad_cells_name_row_and_column(tmp_path):
    path = tmp_path / "installed.csv"
    path.write_text(
        "camera_id,x,y,azimuth_deg,hfov_deg,range_m,installed_on\n"
        "cam-001,500000,6400000,,60,18,2025-02-03\n"
        "cam-001,500100,6400000,90,60,abc,03/02/2025\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as err:
        load_installed_cameras(path, crs=CRS, dated=True)
    msg = str(err.value)
    assert "column 'camera_id' repeats an id in row 2 ('cam-001')" in msg
    assert "column 'installed_on' is not a date" in msg
    assert "row 2 ('03/02/2025')" in msg
    assert "column 'range_m' is not a number in row 2 ('abc')" in msg
    assert "column 'azimuth_deg' is empty in row 1" in msg


def test_dated_needs_the_followup_columns(tmp_path):
    path = tmp_path / "installed.csv"
    path.write_text(
        "camera_id,model,x,y,azimuth_deg\ncam-001,bullet,500000,6400000,90\n", encoding="utf-8"
    )
    with pytest.raises(InputError, match=r"missing column\(s\) \['installed_on', 'hfov_deg'"):
        load_installed_cameras(path, crs=CRS, dated=True)
    cams = load_installed_cameras(path, crs=CRS)  # enough for a plan
    assert list(cams.index) == ["cam-001"]


def test_plan_cameras_from_lon_lat_need_model_and_azimuth(tmp_path):
    path = tmp_path / "cameras.csv"
    path.write_text("model,azimuth_deg,lon,lat\nbullet,90,15.62,58.41\n", encoding="utf-8")
    cams = load_installed_cameras(path, crs=CRS)
    assert list(cams.index) == ["installed-001"]  # an id is made when the file has none
    assert cams.crs.to_epsg() == 3006
    assert 5.0e5 < cams.geometry.x.iloc[0] < 5.5e5  # SWEREF 99 TM easting
    bad = tmp_path / "bad.csv"
    bad.write_text("azimuth_deg,lon,lat\n90,15.62,58.41\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"missing column\(s\) \['model'\]"):
        load_installed_cameras(bad, crs=CRS)


def test_plan_cameras_reject_unreadable_azimuth(tmp_path):
    path = tmp_path / "cameras.csv"
    path.write_text("model,azimuth_deg,x,y\nbullet,east,500000,6400000\n", encoding="utf-8")
    with pytest.raises(InputError, match="column 'azimuth_deg' is not a number in row 1"):
        load_installed_cameras(path, crs=CRS)


def test_no_coordinates(tmp_path):
    path = tmp_path / "cameras.csv"
    path.write_text("model,azimuth_deg\nbullet,90\n", encoding="utf-8")
    with pytest.raises(InputError, match="no coordinate columns"):
        load_installed_cameras(path, crs=CRS)


def test_point_layer(tmp_path):
    frame = gpd.GeoDataFrame(
        {"camera_id": ["a", "b"], "model": ["bullet", "pano"], "azimuth_deg": [90.0, None]},
        geometry=[shapely.Point(15.62, 58.41), shapely.Point(15.63, 58.41)],
        crs="EPSG:4326",
    )
    path = tmp_path / "cameras.gpkg"
    frame.to_file(path, driver="GPKG")
    cams = load_installed_cameras(path, crs=CRS)
    assert list(cams.index) == ["a", "b"]
    assert cams.crs.to_epsg() == 3006
    assert cams.loc["a", "azimuth_deg"] == 90.0
    assert pd.isna(cams.loc["b", "azimuth_deg"])
