"""Options of non-camera measures on tiny hand-checked cases."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from shapely.geometry import LineString, MultiLineString, Point

from siteplan.config import EffectPrior, MeasureConfig
from siteplan.errors import CRSError, InputError, InputWarning
from siteplan.measures import (
    MEASURE_OPTION_COLUMNS,
    MeasureOptions,
    default_measures,
    measure_options,
    resolve,
)

CRS = "EPSG:3006"


def corridors() -> gpd.GeoDataFrame:
    """c1: 100 m along y = 0; c2: 50 m along y = 100 (no priority area)."""
    return gpd.GeoDataFrame(
        {"length_m": [100.0, 50.0], "area": ["Centrum", None]},
        geometry=[LineString([(0, 0), (100, 0)]), LineString([(0, 100), (50, 100)])],
        crs=CRS,
        index=pd.Index(["c1", "c2"], name="corridor_id"),
    )


def demand() -> gpd.GeoDataFrame:
    """Every 10 m on c1 (c1:0 … c1:10), and at 0, 25, 50 m on c2."""
    points = [Point(x, 0) for x in range(0, 101, 10)] + [Point(x, 100) for x in (0, 25, 50)]
    ids = [f"c1:{i}" for i in range(11)] + [f"c2:{i}" for i in range(3)]
    return gpd.GeoDataFrame(
        {"corridor_id": ["c1"] * 11 + ["c2"] * 3, "area": ["Centrum"] * 11 + [None] * 3},
        geometry=points,
        crs=CRS,
        index=pd.Index(ids, name="demand_id"),
    )


def points(*xy: tuple[float, float], **columns) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(columns, geometry=[Point(p) for p in xy], crs=CRS)


def measure(**keys):
    (out,) = resolve([MeasureConfig(name=keys.pop("name", "m"), **keys)])
    return out


def covered(result: MeasureOptions, option_id: str) -> list[str]:
    row = result.options.index.get_loc(option_id)
    cols = result.coverage[row].indices
    return sorted(demand().index[cols])


def test_lighting_adds_lamps_only_on_the_dark_stretch():
    # 35 000 SEK + 600 SEK/year per lamp; lamps 30 m apart light 15 m on each side.
    lighting = measure(kind="lighting")
    lamps = points((0, 0), (0, 100), (25, 100), (50, 100))  # c2 is lit end to end
    result = measure_options(
        lighting, corridors(), demand(), lamps=lamps, stops=None, horizon_years=2
    )
    assert list(result.options.index) == ["m:c1"]
    row = result.options.loc["m:c1"]
    assert row["dark_length_m"] == pytest.approx(85.0, abs=1e-6)
    assert row["units"] == 3  # ceil(85 / 30)
    assert row["capex_sek"] == 3 * 35_000
    assert row["opex_sek_per_year"] == 3 * 600
    assert row["cost_sek"] == 3 * 35_000 + 2 * 3 * 600
    assert (row["measure"], row["kind"], row["corridor_id"], row["area"]) == (
        "m",
        "lighting",
        "c1",
        "Centrum",
    )
    assert row["site_id"] is None
    assert row.geometry.equals(LineString([(15, 0), (100, 0)]))
    # Points 0–15 m from the lamp are lit; 20 … 100 m are on the dark stretch.
    assert covered(result, "m:c1") == sorted(f"c1:{i}" for i in range(2, 11))


def test_a_lamp_in_the_middle_leaves_two_dark_ends():
    lighting = measure(kind="lighting", lamp_spacing_m=20.0)  # each lamp lights 10 m
    lamps = points((50, 0), (25, 100))
    result = measure_options(
        lighting, corridors(), demand(), lamps=lamps, stops=None, horizon_years=0
    )
    row = result.options.loc["m:c1"]
    assert row["dark_length_m"] == pytest.approx(80.0, abs=1e-6)  # 0–40 and 60–100
    assert row["units"] == 4  # ceil(80 / 20)
    assert isinstance(row.geometry, MultiLineString)
    dark_c1 = ["c1:0", "c1:1", "c1:10", "c1:2", "c1:3", "c1:7", "c1:8", "c1:9"]
    assert covered(result, "m:c1") == dark_c1
    # c2: the lamp at 25 m lights 15–35 m; the 15 m ends stay dark, with the points at 0 and 50.
    c2 = result.options.loc["m:c2"]
    assert c2["dark_length_m"] == pytest.approx(30.0, abs=1e-6)
    assert c2["units"] == 2
    assert covered(result, "m:c2") == ["c2:0", "c2:2"]
    assert row["cost_sek"] == row["capex_sek"]  # horizon 0: no running costs


def test_without_lamp_data_every_corridor_is_unlit():
    lighting = measure(kind="lighting")
    for lamps in (None, points()):
        with pytest.warns(InputWarning, match="every corridor is taken as unlit"):
            result = measure_options(
                lighting, corridors(), demand(), lamps=lamps, stops=None, horizon_years=1
            )
        assert result.options["units"].tolist() == [4, 2]  # ceil(100/30), ceil(50/30)
        assert result.options["dark_length_m"].tolist() == pytest.approx([100.0, 50.0])
        assert result.coverage.sum() == len(demand())


def test_lighting_per_metre_relights_whole_corridors():
    relight = measure(kind="lighting", unit="m", capex_sek=400.0, opex_sek_per_year=10.0)
    lamps = points((0, 0))
    result = measure_options(
        relight, corridors(), demand(), lamps=lamps, stops=None, horizon_years=3
    )
    assert result.options["units"].tolist() == [100.0, 50.0]
    assert result.options["capex_sek"].tolist() == [40_000.0, 20_000.0]
    assert result.options["cost_sek"].tolist() == [43_000.0, 21_500.0]
    assert result.options["dark_length_m"].tolist() == pytest.approx([85.0, 50.0])
    assert result.coverage.sum() == len(demand())


def test_vegetation_is_priced_per_metre_of_corridor():
    vegetation = measure(kind="vegetation", name="roj")
    result = measure_options(
        vegetation, corridors(), demand(), lamps=None, stops=None, horizon_years=1
    )
    assert list(result.options.index) == ["roj:c1", "roj:c2"]
    assert result.options["units"].tolist() == [100.0, 50.0]
    assert result.options["capex_sek"].tolist() == [15_000.0, 7_500.0]
    assert result.options["cost_sek"].tolist() == [18_000.0, 9_000.0]
    assert result.options["dark_length_m"].isna().all()
    assert result.options["area"].tolist() == ["Centrum", None]
    assert covered(result, "roj:c2") == ["c2:0", "c2:1", "c2:2"]
    assert result.options.geometry.iloc[0].equals(corridors().geometry.iloc[0])


def test_help_points_go_one_per_station_and_reach_nearby_demand():
    help_point = measure(kind="help_point")  # 60 000 SEK + 6 000/year, reach 50 m
    stops = points(
        (45, 5), (55, 5), (25, 130), station_id=["S1", "S1", "S2"], stop_name=["a", "a", "b"]
    )
    result = measure_options(
        help_point, corridors(), demand(), lamps=None, stops=stops, horizon_years=2
    )
    assert list(result.options.index) == ["m:S1", "m:S2"]
    s1 = result.options.loc["m:S1"]
    assert s1.geometry.equals(Point(50, 5))  # centre of the two platforms
    assert (s1["units"], s1["capex_sek"], s1["cost_sek"]) == (1.0, 60_000.0, 72_000.0)
    assert s1["corridor_id"] is None
    assert (s1["site_id"], s1["area"]) == ("S1", "Centrum")
    # (50, 5) is 50.2 m from (0, 0) and (100, 0): out of reach; 10 … 90 m are in.
    assert covered(result, "m:S1") == sorted(f"c1:{i}" for i in range(1, 10))
    assert covered(result, "m:S2") == ["c2:0", "c2:1", "c2:2"]


def test_stops_without_stations_are_sites_of_their_own():
    custom = measure(kind="custom", capex_sek=1_000.0, effect=EffectPrior(reduction=0.1))
    stops = points((0, 100), (100, 0)).set_axis(pd.Index(["p1", "p2"], name="stop_id"))
    result = measure_options(
        custom, corridors(), demand(), lamps=None, stops=stops, horizon_years=1
    )
    assert list(result.options.index) == ["m:p1", "m:p2"]
    assert covered(result, "m:p2") == ["c1:10", "c1:5", "c1:6", "c1:7", "c1:8", "c1:9"]


def test_no_stops_means_no_site_options():
    help_point = measure(kind="help_point")
    with pytest.warns(InputWarning, match="no stops"):
        result = measure_options(
            help_point, corridors(), demand(), lamps=None, stops=None, horizon_years=1
        )
    assert result.options.empty
    assert list(result.options.columns) == list(MEASURE_OPTION_COLUMNS)
    assert result.options.index.name == "option_id"
    assert result.coverage.shape == (0, len(demand()))


def test_coverage_is_a_boolean_csr_matrix_over_all_demand_points():
    vegetation = measure(kind="vegetation")
    extra = pd.concat(
        [
            demand(),
            gpd.GeoDataFrame(
                {"corridor_id": ["elsewhere"]},
                geometry=[Point(500, 500)],
                crs=CRS,
                index=pd.Index(["elsewhere:0"], name="demand_id"),
            ),
        ]
    )
    result = measure_options(
        vegetation, corridors(), extra, lamps=None, stops=None, horizon_years=1
    )
    assert isinstance(result.coverage, sp.csr_matrix)
    assert result.coverage.dtype == np.bool_
    assert result.coverage.shape == (2, len(extra))
    assert not result.coverage[:, len(extra) - 1].toarray().any()


def test_refusals():
    with pytest.raises(InputError, match=r"siteplan\.coverage"):
        measure_options(
            default_measures()["camera"],
            corridors(),
            demand(),
            lamps=None,
            stops=None,
            horizon_years=1,
        )
    with pytest.raises(InputError, match="horizon_years"):
        measure_options(
            measure(kind="vegetation"),
            corridors(),
            demand(),
            lamps=None,
            stops=None,
            horizon_years=-1,
        )
    with pytest.raises(CRSError):
        measure_options(
            measure(kind="lighting"),
            corridors(),
            demand(),
            lamps=points((0, 0)).to_crs("EPSG:3857"),
            stops=None,
            horizon_years=1,
        )
    with pytest.raises(InputError, match="corridor_id"):
        measure_options(
            measure(kind="vegetation"),
            corridors(),
            demand().drop(columns="corridor_id"),
            lamps=None,
            stops=None,
            horizon_years=1,
        )
