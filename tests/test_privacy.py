"""k-anonymised aggregation of incidents, and HTML escaping."""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, Point

from siteplan import privacy
from siteplan.errors import CRSError, InputError, InputWarning

CRS = "EPSG:3006"


def incidents(
    points: list[tuple[float, float]], areas: list[str | None] = (), **cols
) -> gpd.GeoDataFrame:
    geoms = [Point(p) for p in points] + [None] * len(areas)
    data = {"area": [None] * len(points) + list(areas)}
    data.update(cols)
    return gpd.GeoDataFrame(data, geometry=geoms, crs=CRS)


def test_cells_are_aligned_counted_and_suppressed():
    # Cell E500000N6400000 gets 6 points, E500100N6400000 gets 4 (< 5), E499900N6400000 gets 5.
    pts = [(500_010.0 + i, 6_400_050.0) for i in range(6)]
    pts += [(500_150.0, 6_400_010.0 + i) for i in range(4)]
    pts += [(499_999.0, 6_400_099.0)] * 5
    agg = privacy.aggregate_incidents(incidents(pts), grid_m=100.0, min_count=5)
    cells = agg.cells
    assert list(cells.index) == ["E499900N6400000", "E500000N6400000"]
    assert cells["count"].tolist() == [5, 6]
    assert cells.index.name == "cell_id"
    assert cells.crs.equals(gpd.GeoSeries(crs=CRS).crs)
    # Squares of 100 m whose lower-left corner is the id.
    first = cells.geometry.iloc[0]
    assert first.bounds == (499_900.0, 6_400_000.0, 500_000.0, 6_400_100.0)
    assert first.area == pytest.approx(10_000.0)
    assert agg.n_cells_suppressed == 1
    assert agg.n_incidents_suppressed == 4
    assert agg.n_located == 15
    assert (agg.grid_m, agg.min_count, agg.n_area_level) == (100.0, 5, 0)
    assert (cells["count"] >= 5).all()


def test_point_on_cell_edge_goes_up_and_right():
    pts = [(500_100.0, 6_400_200.0)] * 3
    cells = privacy.aggregate_incidents(incidents(pts), grid_m=100.0, min_count=1).cells
    assert list(cells.index) == ["E500100N6400200"]


def test_never_returns_points_or_locations_of_suppressed_cells():
    rng = np.random.default_rng(7)
    pts = [tuple(p) for p in rng.uniform([500_000, 6_400_000], [501_000, 6_401_000], size=(300, 2))]
    agg = privacy.aggregate_incidents(incidents(pts), grid_m=250.0, min_count=5)
    cells = agg.cells
    assert set(shapely.get_type_id(cells.geometry.to_numpy())) == {3}  # Polygon only
    assert (cells["count"] >= 5).all()
    assert cells["count"].sum() + agg.n_incidents_suppressed == 300
    # The result carries only totals besides the published cells.
    for name, value in vars(agg).items():
        if name != "cells":
            assert isinstance(value, int | float | Mapping), name


def test_area_level_incidents_are_counted_per_area_with_k():
    inc = incidents([], areas=["Ryd"] * 6 + ["Berga"] * 2 + ["City"] * 5)
    agg = privacy.aggregate_incidents(inc, grid_m=100.0, min_count=5)
    assert len(agg.cells) == 0
    assert agg.area_counts == {"City": 5, "Ryd": 6}
    assert agg.n_areas_suppressed == 1
    assert agg.n_area_incidents_suppressed == 2
    assert agg.n_area_level == 13


def test_unlocated_incidents_warn_with_count():
    inc = incidents([(500_000.0, 6_400_000.0)] * 5, areas=[None, None, None])
    with pytest.warns(InputWarning, match="3 of 8 incidents have neither a point nor an area"):
        agg = privacy.aggregate_incidents(inc, grid_m=100.0, min_count=5)
    assert agg.n_unlocated == 3
    assert agg.n_area_level == 3
    assert agg.cells["count"].tolist() == [5]


def test_no_warning_when_every_incident_is_placed():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        privacy.aggregate_incidents(
            incidents([(500_000.0, 6_400_000.0)], areas=["Ryd"]), grid_m=100.0, min_count=5
        )


def test_by_category_applies_k_per_cell_and_category():
    pts = [(500_010.0, 6_400_010.0)] * 8
    inc = incidents(pts, category=["Rån"] * 5 + ["Hot"] * 3)
    agg = privacy.aggregate_incidents(inc, grid_m=100.0, min_count=5, by="category")
    assert list(agg.cells.index) == [("E500000N6400000", "Rån")]
    assert agg.cells["count"].tolist() == [5]
    assert agg.n_incidents_suppressed == 3


def test_empty_input_gives_empty_cells():
    agg = privacy.aggregate_incidents(incidents([]), grid_m=100.0, min_count=5)
    assert len(agg.cells) == 0
    assert agg.n_located == 0


def test_rejects_bad_arguments():
    inc = incidents([(500_000.0, 6_400_000.0)])
    with pytest.raises(CRSError, match="geographic"):
        privacy.aggregate_incidents(inc.to_crs(4326), grid_m=100.0, min_count=5)
    with pytest.raises(InputError, match="grid_m must be > 0"):
        privacy.aggregate_incidents(inc, grid_m=0, min_count=5)
    with pytest.raises(InputError, match="min_count must be >= 1"):
        privacy.aggregate_incidents(inc, grid_m=100.0, min_count=0)
    with pytest.raises(InputError, match="by='kategori' is not a column"):
        privacy.aggregate_incidents(inc, grid_m=100.0, min_count=5, by="kategori")


def test_segment_counts_assign_each_incident_once_and_hide_small_counts():
    corridors = gpd.GeoDataFrame(
        geometry=[
            LineString([(0, 0), (100, 0)]),
            LineString([(0, 50), (100, 50)]),
            LineString([(0, 500), (100, 500)]),
        ],
        crs=CRS,
        index=pd.Index(["a", "b", "c"], name="corridor_id"),
    )
    pts = [(10.0 * i, 5.0) for i in range(6)]  # nearest: a
    pts += [(50.0, 40.0)] * 2  # nearest: b (2 < 5)
    pts += [(50.0, 300.0)]  # 200 m from everything: not assigned
    inc = incidents(pts, areas=["Ryd"])
    result = privacy.segment_counts(corridors, inc, max_distance_m=25, min_count=5)
    counts = result.counts
    assert counts.name == "incident_count"
    assert list(counts.index) == ["a", "b", "c"]
    assert counts["a"] == 6
    assert np.isnan(counts["b"])
    assert np.isnan(counts["c"])
    assert (
        result.min_count,
        result.n_assigned,
        result.n_unassigned,
        result.n_segments_suppressed,
    ) == (5, 8, 1, 1)


def test_k_threshold_cannot_be_skipped():
    inc = incidents([(500_000.0, 6_400_000.0)])
    with pytest.raises(TypeError, match="min_count"):
        privacy.aggregate_incidents(inc, grid_m=100.0)  # type: ignore[call-arg]
    corridors = gpd.GeoDataFrame(geometry=[LineString([(0, 0), (1, 0)])], crs=CRS)
    with pytest.raises(TypeError, match="min_count"):
        privacy.segment_counts(corridors, inc)  # type: ignore[call-arg]


def test_segment_counts_need_one_crs():
    corridors = gpd.GeoDataFrame(geometry=[LineString([(0, 0), (1, 0)])], crs=CRS)
    inc = incidents([(0.0, 0.0)]).to_crs(3857)
    with pytest.raises(CRSError, match="different CRSs"):
        privacy.segment_counts(corridors, inc, min_count=5)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("Ågatan \"5\" & '6'", "Ågatan &quot;5&quot; &amp; &#x27;6&#x27;"),
        ("{{ 7*7 }}", "&#123;&#123; 7*7 &#125;&#125;"),
        (None, ""),
        (float("nan"), ""),
        (12.5, "12.5"),
    ],
)
def test_escape(text, expected):
    assert privacy.escape(text) == expected


# --- masking ------------------------------------------------------------------------------------

X0, Y0 = 500_000.0, 6_470_000.0


def _xy(x: float, y: float) -> tuple[float, float]:
    return (X0 + x, Y0 + y)


def _footprints() -> gpd.GeoDataFrame:
    """cam-001's view east of (0, 0); cam-002's view north of (500, 0)."""
    return gpd.GeoDataFrame(
        geometry=[
            shapely.box(*_xy(0, -10), *_xy(30, 10)),
            shapely.box(*_xy(490, 0), *_xy(510, 30)),
        ],
        index=pd.Index(["cam-001", "cam-002"], name="camera_id"),
        crs=CRS,
    )


@pytest.fixture
def buildings() -> gpd.GeoDataFrame:
    """A block of flats just north of cam-001's view; a shop north of cam-002's."""
    return gpd.GeoDataFrame(
        {"building": ["apartments", "retail"], "residential": [True, False]},
        geometry=[
            shapely.box(*_xy(10, 12), *_xy(20, 22)),
            shapely.box(*_xy(480, 30), *_xy(520, 40)),
        ],
        index=pd.Index(["way/1", "way/2"], name="building_id"),
        crs=CRS,
    )


def test_masking_only_where_residential_buildings_are_in_view(buildings):
    feet = _footprints()
    mask = privacy.masking_polygons(feet, buildings)
    # cam-001's view reaches y = 10; the flats start at y = 12, so their 3 m strip is in view.
    # cam-002's view touches only the shop: no row.
    assert list(mask["camera_id"]) == ["cam-001"]
    assert list(mask["building_id"]) == ["way/1"]
    assert list(mask["kind"]) == ["facade"]
    assert mask.index.tolist() == ["cam-001:way/1"]
    piece = mask.geometry.iloc[0]
    assert piece.within(feet.geometry.loc["cam-001"].buffer(1e-6))
    # The strip in view is the band y in [9, 10] along the 10 m facade plus rounded corners.
    assert 10.0 < mask["area_m2"].iloc[0] < 20.0
    assert mask.crs == feet.crs


def test_masking_none_when_only_shops_in_view(buildings):
    feet = _footprints().loc[["cam-002"]]
    assert privacy.masking_polygons(feet, buildings).empty
    shops = buildings.assign(residential=False)
    assert privacy.masking_polygons(_footprints(), shops).empty


@pytest.mark.parametrize("case", ["no buildings", "no cameras"])
def test_masking_is_an_empty_layer_without_buildings_or_cameras(buildings, case):
    feet = _footprints()
    if case == "no buildings":
        mask = privacy.masking_polygons(feet, None)
    else:
        mask = privacy.masking_polygons(feet.iloc[:0], buildings)
    assert mask.empty
    assert list(mask.columns) == [*privacy.MASKING_COLUMNS, "geometry"]
    assert mask.index.name == "mask_id"
    assert mask.crs == feet.crs


def test_masking_requires_residential_column(buildings):
    with pytest.raises(InputError, match="residential"):
        privacy.masking_polygons(_footprints(), buildings.drop(columns="residential"))


def test_mask_heat_keeps_only_published_cells():
    from affine import Affine

    from siteplan.privacy import mask_heat

    # Two clusters on a 100 m grid: 5 incidents in one cell, 1 in another (k = 3).
    pts = [Point(510 + i, 6_000_020 + i) for i in range(5)] + [Point(750, 6_000_050)]
    inc = gpd.GeoDataFrame({"area": [None] * 6}, geometry=pts, crs="EPSG:3006")
    cells = privacy.aggregate_incidents(inc, grid_m=100.0, min_count=3)
    # A 10 m raster over x 500..800, y 6_000_000..6_000_100 (north-up).
    transform = Affine(10.0, 0.0, 500.0, 0.0, -10.0, 6_000_100.0)
    heat = np.ones((10, 30), dtype=np.float32)
    out = mask_heat(heat, transform, cells)
    assert out[:, :10].min() == 1.0  # the cell x 500..600 holds 5 incidents: kept
    assert out[:, 10:].max() == 0.0  # the single incident's cell and the empty one: zeroed
    assert heat.min() == 1.0  # the input is not changed


def test_small_corridor_counts_are_suppressed():
    from siteplan.privacy import suppress_small_counts

    counts = pd.Series([0, 1, 4, 5, 12], index=list("abcde"), name="incident_count")
    out = suppress_small_counts(counts, min_count=5)
    assert out.isna().tolist() == [False, True, True, False, False]
    assert out.dropna().tolist() == [0, 5, 12]
