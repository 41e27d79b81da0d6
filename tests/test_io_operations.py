"""Tests for the operations loaders: footage disclosures, camera uptime, other interventions."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from siteplan.errors import InputError, SourceUnavailableError
from siteplan.io.operations import (
    load_disclosures,
    load_interventions,
    load_uptime,
    parse_period,
)


def _write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_disclosures_read_swedish_and_english_answers(tmp_path):
    path = _write(
        tmp_path,
        "disclosures.csv",
        "date;site_id;camera_id;case_used\n"
        "2025-03-02;S1;;Ja\n"
        "2025-02-01;;cam-002;no\n"
        "2025-04-01;S2;;\n"
        "2025-04-02;S2;;TRUE\n",
    )
    frame = load_disclosures(path)
    assert list(frame.columns) == ["date", "site_id", "camera_id", "case_used"]
    assert frame["date"].is_monotonic_increasing  # sorted by date
    assert frame["date"].iloc[0] == pd.Timestamp("2025-02-01")
    assert frame["camera_id"].iloc[0] == "cam-002"
    assert frame["site_id"].isna().iloc[0]
    assert frame["case_used"].tolist()[:2] == [False, True]
    assert frame["case_used"].isna().tolist() == [False, False, True, False]


def test_disclosures_bad_cells_name_row_and_column(tmp_path):
    path = _write(
        tmp_path,
        "disclosures.csv",
        "date,site_id,case_used\n"
        "2025-03-02,S1,yes\n"
        "2025-02-30,S1,yes\n"
        "2025-03-04,,no\n"
        "2025-03-05,S2,maybe\n",
    )
    with pytest.raises(InputError) as err:
        load_disclosures(path)
    msg = str(err.value)
    assert "disclosures.csv: 3 problem(s) in the disclosures file" in msg
    assert "column 'date' is not a date in row 2 ('2025-02-30')" in msg
    assert "column 'site_id' is blank in row 3" in msg
    assert "column 'case_used' has unknown values in row 4 ('maybe')" in msg


def test_disclosures_missing_columns(tmp_path):
    path = _write(tmp_path, "d.csv", "date,site_id,used\n2025-01-01,S1,yes\n")
    with pytest.raises(InputError, match=r"missing column\(s\) \['case_used'\]"):
        load_disclosures(path)
    path = _write(tmp_path, "d2.csv", "date,site,case_used\n2025-01-01,S1,yes\n")
    with pytest.raises(InputError, match="needs a 'site_id' or a 'camera_id' column"):
        load_disclosures(path)
    with pytest.raises(SourceUnavailableError):
        load_disclosures(tmp_path / "nope.csv")


def test_parse_period_day_month_and_span():
    periods = parse_period(
        pd.Series(
            ["2025-03-14", "2025-02", "2025-03-01/2025-03-10", "2025-13", "2025-03-10/2025-03-01"]
        )
    )
    assert periods["start"].tolist()[:3] == [
        pd.Timestamp("2025-03-14"),
        pd.Timestamp("2025-02-01"),
        pd.Timestamp("2025-03-01"),
    ]
    assert periods["end"].tolist()[:3] == [
        pd.Timestamp("2025-03-14"),
        pd.Timestamp("2025-02-28"),
        pd.Timestamp("2025-03-10"),
    ]
    assert periods.iloc[3:].isna().all().all()  # no month 13; a span that ends before it starts


def test_uptime_shares_percentages_and_hours(tmp_path):
    path = _write(
        tmp_path,
        "uptime.csv",
        "camera_id;period;uptime_share\ncam-001;2025-02;0,98\ncam-002;2025-03-01;95 %\n",
    )
    frame = load_uptime(path)
    assert list(frame.columns) == ["site_id", "camera_id", "start", "end", "hours", "uptime_share"]
    assert frame["uptime_share"].tolist() == pytest.approx([0.98, 0.95])
    assert frame["hours"].tolist() == [28 * 24.0, 24.0]
    path = _write(tmp_path, "hours.csv", "site_id,date,uptime_hours\nS1,2025-03-01,12\n")
    frame = load_uptime(path)
    assert frame["uptime_share"].tolist() == [0.5]
    assert frame["site_id"].tolist() == ["S1"]


def test_uptime_bad_cells_name_row_and_column(tmp_path):
    path = _write(
        tmp_path,
        "uptime.csv",
        "site_id,period,uptime_share\nS1,2025-02,0.9\nS1,2025-14,0.9\nS2,2025-03,98\n",
    )
    with pytest.raises(InputError) as err:
        load_uptime(path)
    msg = str(err.value)
    assert "uptime.csv: 2 problem(s) in the uptime file" in msg
    assert "column 'period' is not a day, month or span in row 2 ('2025-14')" in msg
    assert "column 'uptime_share' is not a share from 0 to 1" in msg
    assert "row 3 ('98')" in msg
    path = _write(tmp_path, "h.csv", "site_id,date,uptime_hours\nS1,2025-03-01,30\n")
    with pytest.raises(InputError, match=r"column 'uptime_hours' is not hours .* row 1 \('30'\)"):
        load_uptime(path)


def test_uptime_missing_columns(tmp_path):
    path = _write(tmp_path, "u.csv", "site_id,period,uptime\nS1,2025-02,0.9\n")
    with pytest.raises(InputError, match="'uptime_share' or an 'uptime_hours' column"):
        load_uptime(path)
    path = _write(tmp_path, "u2.csv", "site_id,month,uptime_share\nS1,2025-02,0.9\n")
    with pytest.raises(InputError, match=r"missing column\(s\) \['date'\]"):
        load_uptime(path)


def test_interventions_are_polygons_in_the_working_crs(tmp_path):
    path = tmp_path / "interventions.geojson"
    gpd.GeoDataFrame(
        {"kind": ["police_camera"]}, geometry=[shapely.box(0, 0, 100, 100)], crs="EPSG:3006"
    ).to_file(path)
    frame = load_interventions(path, crs="EPSG:3006")
    assert frame["kind"].tolist() == ["police_camera"]
    assert frame.crs.to_epsg() == 3006
    points = tmp_path / "points.geojson"
    gpd.GeoDataFrame(geometry=[shapely.Point(0, 0)], crs="EPSG:3006").to_file(points)
    with pytest.raises(InputError):
        load_interventions(points, crs="EPSG:3006")
