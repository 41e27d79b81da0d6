"""Tests for siteplan.io.gtfs with a tiny hand-written feed.

The feed (June 2024): station STN with platforms A and B; stops C and D without a station.
Route R1 runs A -> C -> D at 07:00, 07:30 and 16:00 on weekdays. Route R2 runs B -> C at
23:50 (reaching C at 24:10) and at 25:05 (a night trip past 24:00) on weekdays, and at 12:00
on weekends. Hand counts for a weekday:
  A: 2 at 07, 1 at 16          -> 3 daytime calls / 16 h = 0.1875
  B: 1 at 23, 1 at 01          -> 2 night calls / 8 h = 0.25
  C: 2 at 07, 1 at 16, 1 at 00, 1 at 01 -> 0.1875 by day, 0.25 by night
  D: like A.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import shapely

from siteplan import schemas, settings
from siteplan.errors import CRSError, InputError, InputWarning, SourceUnavailableError
from siteplan.io import gtfs
from siteplan.io.gtfs import departures_per_stop, load_gtfs, validate_gtfs

TABLES = {
    "agency.txt": """agency_id,agency_name,agency_url,agency_timezone,agency_lang
OT,Östgötatrafiken,https://www.ostgotatrafiken.se,Europe/Stockholm,sv
""",
    "stops.txt": """stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station
STN,Resecentrum,58.4165,15.6255,1,
A,Resecentrum A,58.4166,15.6254,0,STN
B,Resecentrum B,58.4164,15.6256,0,STN
C,Trädgårdstorget,58.4105,15.6215,,
D,Stora torget,58.4110,15.6240,0,
""",
    "routes.txt": """route_id,agency_id,route_short_name,route_long_name,route_type
R1,OT,1,Resecentrum - Stora torget,3
R2,OT,2,Resecentrum - Trädgårdstorget,3
""",
    "calendar.txt": "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,"
    """start_date,end_date
WK,1,1,1,1,1,0,0,20240603,20240630
WE,0,0,0,0,0,1,1,20240603,20240630
""",
    "trips.txt": """route_id,service_id,trip_id,shape_id
R1,WK,T1,SH1
R1,WK,T2,SH1
R1,WK,T3,SH1
R2,WK,T4,SH2
R2,WK,T5,SH2
R2,WE,T6,SH2
""",
    "stop_times.txt": """trip_id,arrival_time,departure_time,stop_id,stop_sequence
T1,07:00:00,07:00:00,A,1
T1,07:05:00,07:05:00,C,2
T1,07:10:00,07:10:00,D,3
T2,07:30:00,07:30:00,A,1
T2,07:35:00,07:35:00,C,2
T2,07:40:00,07:40:00,D,3
T3,16:00:00,16:00:00,A,1
T3,16:05:00,16:05:00,C,2
T3,16:10:00,16:10:00,D,3
T4,23:50:00,23:50:00,B,1
T4,24:10:00,24:10:00,C,2
T5,25:05:00,25:05:00,B,1
T5,25:15:00,25:15:00,C,2
T6,12:00:00,12:00:00,B,1
T6,12:10:00,12:10:00,C,2
""",
    # SH1 bends through (58.4140, 15.6230) between A and C, so it differs from the stop line
    "shapes.txt": """shape_id,shape_pt_lat,shape_pt_lon,shape_pt_sequence
SH1,58.4166,15.6254,1
SH1,58.4140,15.6230,2
SH1,58.4105,15.6215,3
SH1,58.4110,15.6240,4
SH2,58.4164,15.6256,1
SH2,58.4105,15.6215,2
""",
    "feed_info.txt": "feed_publisher_name,feed_publisher_url,feed_lang,"
    """feed_start_date,feed_end_date
Test,https://example.org,sv,20240603,20240630
""",
}


def write_feed(
    root: Path, *, drop: tuple[str, ...] = (), replace: dict[str, str] | None = None, zip_: bool
) -> Path:
    tables = {k: v for k, v in TABLES.items() if k not in drop} | (replace or {})
    if not zip_:
        root.mkdir(parents=True, exist_ok=True)
        for name, text in tables.items():
            (root / name).write_text(text, encoding="utf-8")
        return root
    path = root.with_suffix(".zip")
    with zipfile.ZipFile(path, "w") as zf:
        for name, text in tables.items():
            zf.writestr(name, text)
    return path


@pytest.fixture(scope="module")
def feed_zip(tmp_path_factory) -> Path:
    return write_feed(tmp_path_factory.mktemp("gtfs") / "feed", zip_=True)


@pytest.fixture(scope="module")
def layers(feed_zip) -> gtfs.TransitLayers:
    return load_gtfs(feed_zip)


# --------------------------------------------------------------------------- layers


def test_busiest_date_is_the_first_weekday(layers):
    # weekdays run 5 trips, weekends 1; 2024-06-03 is a Monday
    assert layers.service_dates == ("2024-06-03",)


def test_stops_are_platforms_with_station_and_routes(layers):
    stops = layers.stops
    schemas.require_columns(stops, "stops")
    assert stops.index.name == "stop_id"
    assert list(stops.index) == ["A", "B", "C", "D"]  # the station is not a stop
    assert dict(stops["station_id"]) == {"A": "STN", "B": "STN", "C": "C", "D": "D"}
    assert dict(stops["route_ids"]) == {
        "A": ("R1",),
        "B": ("R2",),
        "C": ("R1", "R2"),
        "D": ("R1",),
    }
    assert stops.loc["C", "stop_name"] == "Trädgårdstorget"


def test_departures_per_hour_hand_counted(layers):
    dep = layers.departures
    assert list(dep.columns) == list(range(24))
    assert dep.loc["A", 7] == 2
    assert dep.loc["A", 16] == 1
    assert dep.loc["B", 23] == 1  # T4 leaves at 23:50
    assert dep.loc["C", 0] == 1  # T4 reaches C at 24:10
    assert dep.loc["B", 1] == 1  # T5 leaves at 25:05
    assert dep.loc["C", 1] == 1
    assert dep.loc["B", 12] == 0  # T6 runs only at weekends
    assert dep.to_numpy().sum() == 13  # 9 calls of R1 and 4 of R2's weekday trips
    stops = layers.stops
    assert stops["departures_per_hour"].to_dict() == pytest.approx(
        {"A": 3 / 16, "B": 0.0, "C": 3 / 16, "D": 3 / 16}
    )
    assert stops["night_departures_per_hour"].to_dict() == pytest.approx(
        {"A": 0.0, "B": 2 / 8, "C": 2 / 8, "D": 0.0}
    )


def test_date_range_averages_over_the_dates(feed_zip):
    week = load_gtfs(feed_zip, service_date=(dt.date(2024, 6, 3), dt.date(2024, 6, 9)))
    assert week.service_dates[0] == "2024-06-03"
    assert len(week.service_dates) == 7
    dep = week.departures
    assert dep.loc["A", 7] == pytest.approx(2 * 5 / 7)  # 5 weekdays of 2 trips over 7 days
    assert dep.loc["B", 12] == pytest.approx(2 / 7)  # Saturday and Sunday
    saturday = load_gtfs(feed_zip, service_date="2024-06-08")
    assert saturday.departures.loc["C", 12] == 1
    assert saturday.departures.loc["A"].sum() == 0


def test_departures_per_stop_on_its_own(layers):
    table = departures_per_stop(layers.feed, ["20240603", dt.date(2024, 6, 8)])
    assert table.loc["C", 7] == pytest.approx(1.0)  # 2 on Monday, 0 on Saturday
    assert table.loc["C", 12] == pytest.approx(0.5)
    assert "STN" not in table.index


def test_geometries_in_working_crs(layers):
    stops, stations, routes = layers.stops, layers.stations, layers.routes
    for layer in (stops, stations, routes):
        assert layer.crs.to_epsg() == 3006
    # A to C: 0.0061 deg of latitude (679 m) and 0.0039 deg of longitude (228 m) -> 716 m
    assert stops.geometry["A"].distance(stops.geometry["C"]) == pytest.approx(716, rel=0.005)
    assert 530_000 < stops.geometry["C"].x < 542_000
    assert 6_470_000 < stops.geometry["C"].y < 6_480_000
    assert list(stations.index) == ["STN"]
    assert stations.loc["STN", "stop_name"] == "Resecentrum"


def test_routes_from_shapes(layers):
    routes = layers.routes
    schemas.require_columns(routes, "routes")
    assert list(routes.index) == ["R1", "R2"]
    assert routes.loc["R1", "route_short_name"] == "1"
    assert routes.loc["R2", "route_long_name"] == "Resecentrum - Trädgårdstorget"
    assert routes.loc["R1", "route_type"] == 3
    # R1 follows its shape through the bend: 4 vertices
    assert len(routes.geometry["R1"].coords) == 4
    assert routes.geometry["R1"].distance(layers.stops.geometry["D"]) < 0.01


def test_routes_without_shapes_follow_stop_sequences(tmp_path):
    path = write_feed(tmp_path / "noshapes", drop=("shapes.txt",), zip_=False)
    with pytest.warns(InputWarning, match="no shapes.txt"):
        layers = load_gtfs(path)
    routes, stops = layers.routes, layers.stops
    r1 = routes.geometry["R1"]
    # straight A -> C -> D: 3 vertices on the stops
    assert len(r1.coords) == 3
    assert shapely.Point(r1.coords[0]).distance(stops.geometry["A"]) < 0.01
    assert shapely.Point(r1.coords[-1]).distance(stops.geometry["D"]) < 0.01
    assert routes.geometry["R2"].length == pytest.approx(
        stops.geometry["B"].distance(stops.geometry["C"])
    )


def test_summary_is_logged(feed_zip, caplog):
    with caplog.at_level("INFO", logger="siteplan.io.gtfs"):
        load_gtfs(feed_zip)
    assert "loaded GTFS: 4 stops, 1 stations, 2 routes, 6 trips, 13 departures per day" in (
        caplog.text
    )


def test_missing_times_are_interpolated(tmp_path):
    # T3 gets two untimed stops between 16:00 and 17:30: they fall at 16:30 and 17:00
    stop_times = TABLES["stop_times.txt"].replace(
        "T3,16:05:00,16:05:00,C,2\nT3,16:10:00,16:10:00,D,3",
        "T3,,,C,2\nT3,,,D,3\nT3,17:30:00,17:30:00,A,4",
    )
    path = write_feed(tmp_path / "f", replace={"stop_times.txt": stop_times}, zip_=True)
    dep = load_gtfs(path).departures
    assert dep.loc["C", 16] == 1
    assert dep.loc["D", 17] == 1
    assert dep.loc["A", 17] == 1


def test_untimed_last_stop_is_skipped_with_a_warning(tmp_path):
    stop_times = TABLES["stop_times.txt"].replace("T3,16:10:00,16:10:00,D,3", "T3,,,D,3")
    path = write_feed(tmp_path / "f", replace={"stop_times.txt": stop_times}, zip_=True)
    with pytest.warns(InputWarning, match="1 stop times have no usable time"):
        dep = load_gtfs(path).departures
    assert dep.loc["D", 16] == 0
    assert dep.loc["D", 7] == 2


# --------------------------------------------------------------------------- validator


def test_validator_clean_feed_has_no_errors(feed_zip):
    notices = validate_gtfs(feed_zip, validation_date=dt.date(2024, 6, 3))
    assert list(notices.columns) == ["code", "severity", "count", "sample"]
    assert not (notices["severity"] == "ERROR").any()


def test_validator_reports_a_deliberate_error(tmp_path):
    trips = TABLES["trips.txt"] + "R9,WK,T7,SH1\n"  # route R9 does not exist
    path = write_feed(tmp_path / "bad", replace={"trips.txt": trips}, zip_=True)
    notices = validate_gtfs(path, validation_date=dt.date(2024, 6, 3))
    errors = notices[notices["severity"] == "ERROR"]
    row = errors.set_index("code").loc["foreign_key_violation"]
    assert row["count"] == 1
    assert row["sample"]["fieldValue"] == "R9"
    assert notices["severity"].iloc[0] == "ERROR"  # errors come first
    with pytest.raises(InputError, match=r"foreign_key_violation \(1\).*strict=False"):
        load_gtfs(path, validate=True)
    loaded = load_gtfs(path, validate=True, strict=False)
    assert "foreign_key_violation" in set(loaded.notices["code"])
    assert list(loaded.stops.index) == ["A", "B", "C", "D"]


# --------------------------------------------------------------------------- bad inputs


def test_missing_file(tmp_path):
    with pytest.raises(SourceUnavailableError, match=r"nope\.zip does not exist"):
        load_gtfs(tmp_path / "nope.zip")


def test_not_a_zip(tmp_path):
    path = tmp_path / "feed.zip"
    path.write_text("stop_id,stop_name\n")
    with pytest.raises(InputError, match="not a zip file or a folder"):
        load_gtfs(path)


def test_missing_required_table(tmp_path):
    path = write_feed(tmp_path / "f", drop=("stop_times.txt",), zip_=True)
    with pytest.raises(InputError, match=r"missing or empty table\(s\) stop_times\.txt"):
        load_gtfs(path)


def test_stop_without_coordinates(tmp_path):
    stops = TABLES["stops.txt"].replace("D,Stora torget,58.4110,15.6240", "D,Stora torget,,")
    path = write_feed(tmp_path / "f", replace={"stops.txt": stops}, zip_=True)
    with pytest.raises(InputError, match=r"1 stop\(s\) without valid stop_lat/stop_lon: 'D'"):
        load_gtfs(path)


def test_duplicate_stop_id(tmp_path):
    stops = TABLES["stops.txt"] + "D,Stora torget igen,58.4111,15.6241,0,\n"
    path = write_feed(tmp_path / "f", replace={"stops.txt": stops}, zip_=True)
    with pytest.raises(InputError, match="repeats stop_id 'D'"):
        load_gtfs(path)


def test_service_date_outside_calendar(feed_zip):
    with pytest.raises(
        InputError, match=r"2025-01-01 is outside the calendar.*2024-06-03 to 2024-06-30"
    ):
        load_gtfs(feed_zip, service_date=dt.date(2025, 1, 1))
    with pytest.raises(InputError, match="2023-01-01 to 2023-01-31 is outside"):
        load_gtfs(feed_zip, service_date=("2023-01-01", "2023-01-31"))


def test_bad_service_date_string(feed_zip):
    with pytest.raises(InputError, match="not a date"):
        load_gtfs(feed_zip, service_date="next monday")


def test_geographic_crs_is_rejected(feed_zip):
    with pytest.raises(CRSError, match="geographic"):
        load_gtfs(feed_zip, crs="EPSG:4326")


# --------------------------------------------------------------------------- download


@pytest.fixture
def no_network(monkeypatch, tmp_path):
    import requests

    def refuse(*args, **kwargs):
        raise AssertionError("the network was touched")

    monkeypatch.setattr(requests, "get", refuse)
    monkeypatch.setattr(settings, "cache_folder", tmp_path / "cache")
    monkeypatch.delenv("TRAFIKLAB_API_KEY", raising=False)


def test_download_refuses_offline(no_network, monkeypatch):
    monkeypatch.setattr(settings, "offline", True)
    with pytest.raises(SourceUnavailableError, match="offline"):
        gtfs.download_gtfs_regional("otraf", key="abc")


def test_download_needs_a_key(no_network, monkeypatch):
    monkeypatch.setattr(settings, "offline", False)
    with pytest.raises(SourceUnavailableError, match="TRAFIKLAB_API_KEY"):
        gtfs.download_gtfs_regional("otraf")


def test_download_reuses_todays_cache(no_network, monkeypatch, feed_zip, tmp_path):
    monkeypatch.setattr(settings, "offline", True)
    cached = tmp_path / "cache" / "gtfs" / f"otraf-{dt.date.today().isoformat()}.zip"
    cached.parent.mkdir(parents=True)
    cached.write_bytes(feed_zip.read_bytes())
    assert gtfs.download_gtfs_regional("otraf") == cached
    copy = gtfs.download_gtfs_regional("otraf", dest=tmp_path / "out" / "otraf.zip")
    assert copy.read_bytes() == feed_zip.read_bytes()


def test_departures_frame_dtype(layers):
    assert isinstance(layers.departures, pd.DataFrame)
    assert layers.departures.index.equals(layers.stops.index)


# --------------------------------------------------------------------------- feeds from the wild


def test_stop_times_at_unknown_stops_warn_with_counts(tmp_path):
    stop_times = (
        TABLES["stop_times.txt"] + "T6,12:20:00,12:20:00,GONE,3\nT5,25:25:00,25:25:00,X9,3\n"
    )
    path = write_feed(tmp_path / "f", replace={"stop_times.txt": stop_times}, zip_=True)
    with pytest.warns(InputWarning) as record:
        layers = load_gtfs(path)
    messages = [str(w.message) for w in record]
    assert any(
        "2 of 17 rows of stop_times.txt call at 2 stop_id(s) missing from stops.txt "
        "('GONE', 'X9')" in m
        for m in messages
    ), messages
    assert "GONE" not in layers.stops.index


def test_a_working_crs_wrong_for_the_place_names_study_area_crs(feed_zip):
    # Linköping's feed with Finland's grid: suggest the UTM zone of the stops
    with pytest.raises(CRSError) as err:
        load_gtfs(feed_zip, crs="EPSG:3067")
    text = str(err.value)
    assert "inputs.gtfs (feed.zip)" in text
    assert "study_area.crs = EPSG:3067" in text
    assert "EPSG:32633 (WGS 84 / UTM zone 33N)" in text


def test_an_unbounded_stop_name_is_cut_with_a_warning(tmp_path):
    stops = TABLES["stops.txt"].replace("Stora torget", "S" * 100_000)
    path = write_feed(tmp_path / "f", replace={"stops.txt": stops}, zip_=True)
    with pytest.warns(InputWarning, match=r"1 stop names are longer than 100 characters"):
        layers = load_gtfs(path)
    assert layers.stops.loc["D", "stop_name"] == "S" * 100
