"""Tests of siteplan.scoring.hotspots: Gi* significance, Mann–Kendall trends, categories."""

from __future__ import annotations

import esda
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from libpysal.weights import WSP

from siteplan.datasets.incident_processes import grid_corridors
from siteplan.errors import InputError
from siteplan.scoring import hotspots

TZ = "Europe/Stockholm"


def trend_town(seed: int = 0):
    """A 20 x 20 grid; one cluster growing 1 -> 6, one fading 6 -> 1, over a background."""
    rng = np.random.default_rng(seed)
    corridors = grid_corridors(20, 50.0, seed=seed)
    mids = shapely.get_coordinates(shapely.centroid(corridors.geometry.values))
    x0, y0 = mids.min(axis=0)
    centres = {"grow": (x0 + 250, y0 + 250), "fade": (x0 + 750, y0 + 700)}
    xy, days = [], []
    for kind, c in centres.items():
        for day in range(3 * 365):
            u = day / (3 * 365)
            lam = (1 + 5 * u if kind == "grow" else 6 - 5 * u) * 0.4
            k = rng.poisson(lam)
            xy.append(np.asarray(c) + rng.normal(0, 25, size=(k, 2)))
            days += [day] * k
    n_bg = 1500
    seg = rng.choice(len(corridors), size=n_bg)
    bg = shapely.line_interpolate_point(
        corridors.geometry.values[seg], rng.random(n_bg), normalized=True
    )
    xy.append(shapely.get_coordinates(bg))
    days += rng.integers(0, 3 * 365, n_bg).tolist()
    pts = np.concatenate(xy)
    when = pd.Timestamp("2023-01-01 22:00") + pd.to_timedelta(np.asarray(days), unit="D")
    incidents = gpd.GeoDataFrame(
        {"occurred_at": when.tz_localize(TZ), "category": "Hot", "area": None},
        geometry=shapely.points(pts),
        crs=corridors.crs,
    )
    return corridors, incidents, centres


@pytest.fixture(scope="module")
def town():
    return trend_town()


def test_mann_kendall_hand_values_and_ties():
    s, z, p = hotspots.mann_kendall(np.array([[1, 2, 3, 4, 5], [5, 4, 3, 2, 1], [2, 2, 2, 2, 2]]))
    assert list(s) == [10, -10, 0]
    # var S = 5·4·15/18 = 16.667; z = (10 - 1) / sqrt(16.667) = 2.205
    assert z[0] == pytest.approx(9 / np.sqrt(5 * 4 * 15 / 18))
    assert z[1] == pytest.approx(-z[0])
    assert (z[2], p[2]) == (0.0, 1.0)
    assert p[0] == pytest.approx(0.0275, abs=1e-3)
    # Ties shrink the variance: [1, 1, 2, 2] has S = 4 and var = (4·3·13 - 2·2·1·9) / 18.
    s, z, _ = hotspots.mann_kendall(np.array([[1, 1, 2, 2]]))
    assert s[0] == 4
    assert z[0] == pytest.approx(3 / np.sqrt((4 * 3 * 13 - 2 * 2 * 1 * 9) / 18))


def test_gi_star_z_is_esdas_and_permutations_are_seeded(town):
    corridors = town[0]
    adj = hotspots.adjacency(corridors)
    assert (adj != adj.T).nnz == 0
    assert adj.diagonal().sum() == 0
    # Grid segments meet 2-6 others at their two end nodes.
    assert set(np.diff(adj.indptr)) <= {2, 3, 4, 5, 6}
    rng = np.random.default_rng(1)
    y = rng.poisson(1.0, len(corridors)).astype(float)
    w = WSP(adj).to_W(silence_warnings=True)
    ref = esda.G_Local(y, w, transform="B", star=True, permutations=0)
    np.testing.assert_allclose(hotspots.gi_star_z(y, adj), ref.Zs)
    p1 = hotspots.gi_star_pvalues(y, adj, permutations=199, seed=3)
    p2 = hotspots.gi_star_pvalues(y, adj, permutations=199, seed=3)
    np.testing.assert_array_equal(p1, p2)
    assert ((p1 >= 1 / 200) & (p1 <= 1)).all()
    # Under the null (independent Poisson counts) small p-values are rare.
    assert (p1 <= 0.05).mean() < 0.12


def test_growing_and_fading_clusters_are_intensifying_and_diminishing(town):
    corridors, incidents, centres = town
    result = hotspots.hotspot_trends(corridors, incidents, permutations=999, seed=0)
    table = result.corridors
    assert list(table.columns) == [
        "incidents",
        "gi_z",
        "gi_p",
        "gi_q",
        "hotspot",
        "hotspot_recent",
        "trend_s",
        "trend_z",
        "trend_p",
        "trend",
    ]
    assert table.index.equals(corridors.index)
    assert result.period_counts.shape == (len(corridors), 12)
    assert result.period_counts.to_numpy().sum() == table["incidents"].sum()
    mids = shapely.centroid(corridors.geometry.values)
    for kind, expected in (("grow", "intensifying"), ("fade", "diminishing")):
        near = shapely.distance(mids, shapely.Point(centres[kind])) < 40
        hot_near = table.loc[near & table["hotspot"].to_numpy(), "trend"]
        assert len(hot_near) >= 2, kind
        assert (hot_near == expected).mean() >= 0.5, (kind, hot_near.value_counts().to_dict())
    far = shapely.distance(mids, shapely.Point(centres["grow"])) > 200
    far &= shapely.distance(mids, shapely.Point(centres["fade"])) > 200
    assert (table.loc[far, "trend"] == "none").mean() > 0.95  # background is no hotspot


def test_a_segment_without_incidents_is_never_a_significant_hotspot(town):
    corridors, incidents, centres = town
    # Empty the segments right at the growing cluster's centre: their neighbours stay busy.
    mids = shapely.centroid(corridors.geometry.values)
    centre = shapely.Point(centres["grow"])
    middle = corridors.index[shapely.distance(mids, centre) < 30]
    near = incidents.sindex.query(
        corridors.loc[middle].geometry.values, predicate="dwithin", distance=26
    )[1]
    emptied = incidents.drop(incidents.index[np.unique(near)])
    table = hotspots.hotspot_trends(corridors, emptied, permutations=999, seed=0).corridors
    zero = table["incidents"] == 0
    assert zero.loc[middle].any()
    assert not table.loc[zero, "hotspot"].any()
    assert not table.loc[zero, "hotspot_recent"].any()
    assert (table.loc[zero, "trend"] == "none").all()
    # Next to the busy ring, an empty segment's neighbourhood still stands out: z > 0.
    assert table.loc[middle].loc[zero.loc[middle], "gi_z"].max() > 0


def test_hotspot_trends_checks_its_arguments(town):
    corridors, incidents, _ = town
    with pytest.raises(InputError, match="permutations"):
        hotspots.hotspot_trends(corridors, incidents, permutations=10)
    with pytest.raises(InputError, match=r"\['u'\]"):
        hotspots.hotspot_trends(corridors.drop(columns="u"), incidents)


def test_annotate_and_summary_for_the_map_and_report(town):
    corridors, incidents, _ = town
    result = hotspots.hotspot_trends(corridors, incidents, permutations=999, seed=0)
    layer = hotspots.annotate(corridors, result)
    assert list(layer.columns[-len(hotspots.HOTSPOT_COLUMNS) :]) == list(hotspots.HOTSPOT_COLUMNS)
    assert layer["hotspot"].dtype == bool
    table = hotspots.hotspot_summary(result, layer, top=3)
    assert list(table.columns[:2]) == ["corridor_id", "trend"]
    assert len(table) > 0
    assert (table["trend"] != "none").all()
    assert table.groupby("trend", observed=True).size().max() <= 3
    order = [hotspots.TREND_CATEGORIES.index(t) for t in table["trend"]]
    assert order == sorted(order)
