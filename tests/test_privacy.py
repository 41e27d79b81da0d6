"""k-anonymised aggregation of incidents, and HTML escaping."""

from __future__ import annotations

import warnings

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
    cells = privacy.aggregate_incidents(incidents(pts), grid_m=100.0, min_count=5)
    assert list(cells.index) == ["E499900N6400000", "E500000N6400000"]
    assert cells["count"].tolist() == [5, 6]
    assert cells.index.name == "cell_id"
    assert cells.crs.equals(gpd.GeoSeries(crs=CRS).crs)
    # Squares of 100 m whose lower-left corner is the id.
    first = cells.geometry.iloc[0]
    assert first.bounds == (499_900.0, 6_400_000.0, 500_000.0, 6_400_100.0)
    assert first.area == pytest.approx(10_000.0)
    assert cells.attrs["cells_suppressed"] == 1
    assert cells.attrs["incidents_suppressed"] == 4
    assert cells.attrs["n_incidents"] == 15
    assert (cells["count"] >= 5).all()


def test_point_on_cell_edge_goes_up_and_right():
    pts = [(500_100.0, 6_400_200.0)] * 3
    cells = privacy.aggregate_incidents(incidents(pts), grid_m=100.0, min_count=1)
    assert list(cells.index) == ["E500100N6400200"]


def test_never_returns_points_or_locations_of_suppressed_cells():
    rng = np.random.default_rng(7)
    pts = [tuple(p) for p in rng.uniform([500_000, 6_400_000], [501_000, 6_401_000], size=(300, 2))]
    cells = privacy.aggregate_incidents(incidents(pts), grid_m=250.0, min_count=5)
    assert set(shapely.get_type_id(cells.geometry.to_numpy())) == {3}  # Polygon only
    assert (cells["count"] >= 5).all()
    assert cells["count"].sum() + cells.attrs["incidents_suppressed"] == 300
    # attrs carry only totals.
    for value in cells.attrs.values():
        assert isinstance(value, int | float | dict)


def test_area_level_incidents_are_counted_per_area_with_k():
    inc = incidents([], areas=["Ryd"] * 6 + ["Berga"] * 2 + ["City"] * 5)
    cells = privacy.aggregate_incidents(inc, min_count=5)
    assert len(cells) == 0
    assert cells.attrs["area_counts"] == {"City": 5, "Ryd": 6}
    assert cells.attrs["areas_suppressed"] == 1
    assert cells.attrs["area_incidents_suppressed"] == 2


def test_unlocated_incidents_warn_with_count():
    inc = incidents([(500_000.0, 6_400_000.0)] * 5, areas=[None, None, None])
    with pytest.warns(InputWarning, match="3 of 8 incidents have neither a point nor an area"):
        cells = privacy.aggregate_incidents(inc, min_count=5)
    assert cells.attrs["unlocated"] == 3
    assert cells["count"].tolist() == [5]


def test_no_warning_when_every_incident_is_placed():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        privacy.aggregate_incidents(incidents([(500_000.0, 6_400_000.0)], areas=["Ryd"]))


def test_by_category_applies_k_per_cell_and_category():
    pts = [(500_010.0, 6_400_010.0)] * 8
    inc = incidents(pts, category=["Rån"] * 5 + ["Hot"] * 3)
    cells = privacy.aggregate_incidents(inc, min_count=5, by="category")
    assert list(cells.index) == [("E500000N6400000", "Rån")]
    assert cells["count"].tolist() == [5]
    assert cells.attrs["incidents_suppressed"] == 3


def test_empty_input_gives_empty_cells():
    cells = privacy.aggregate_incidents(incidents([]), min_count=5)
    assert len(cells) == 0
    assert cells.attrs["n_incidents"] == 0


def test_rejects_bad_arguments():
    inc = incidents([(500_000.0, 6_400_000.0)])
    with pytest.raises(CRSError, match="geographic"):
        privacy.aggregate_incidents(inc.to_crs(4326))
    with pytest.raises(InputError, match="grid_m must be > 0"):
        privacy.aggregate_incidents(inc, grid_m=0)
    with pytest.raises(InputError, match="min_count must be >= 1"):
        privacy.aggregate_incidents(inc, min_count=0)
    with pytest.raises(InputError, match="by='kategori' is not a column"):
        privacy.aggregate_incidents(inc, by="kategori")


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
    counts = privacy.segment_counts(corridors, inc, max_distance_m=25, min_count=5)
    assert counts.name == "incident_count"
    assert list(counts.index) == ["a", "b", "c"]
    assert counts["a"] == 6
    assert np.isnan(counts["b"])
    assert np.isnan(counts["c"])
    assert counts.attrs == {
        "min_count": 5,
        "n_assigned": 8,
        "n_unassigned": 1,
        "segments_suppressed": 1,
    }


def test_segment_counts_need_one_crs():
    corridors = gpd.GeoDataFrame(geometry=[LineString([(0, 0), (1, 0)])], crs=CRS)
    inc = incidents([(0.0, 0.0)]).to_crs(3857)
    with pytest.raises(CRSError, match="different CRSs"):
        privacy.segment_counts(corridors, inc)


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
