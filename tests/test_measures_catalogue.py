"""The measure catalogue: built-in priors with sources, the scenario keys and their resolution."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from siteplan.config import EffectPrior, MeasureConfig, scenario_from_dict
from siteplan.errors import ScenarioError
from siteplan.measures import MEASURE_KINDS, Measure, default_measures, resolve


def scenario(**sections: Any):
    data = {
        "study_area": {"name": "test"},
        "inputs": {"osm": "a.osm", "incidents": "c.csv"},
        "cameras": [{"model": "cam", "horizontal_px": 2560, "hfov_deg": 60, "capex_sek": 9000}],
        **sections,
    }
    return scenario_from_dict(data)


def test_every_kind_has_a_default_with_an_ordered_cited_prior():
    defaults = default_measures()
    assert tuple(defaults) == MEASURE_KINDS
    assert MEASURE_KINDS == ("camera", "lighting", "help_point", "vegetation", "custom")
    for kind, measure in defaults.items():
        assert isinstance(measure, Measure)
        assert measure.name == kind
        assert measure.kind == kind
        assert measure.reduction_low <= measure.reduction <= measure.reduction_high
        assert measure.source.strip()
        assert measure.title
        assert measure.title_sv
        assert measure.capex_sek >= 0
        assert measure.opex_sek_per_year >= 0
        assert measure.categories is None  # every built-in kind acts on all categories


def test_the_cctv_and_lighting_priors_are_the_reviews():
    defaults = default_measures()
    camera, lighting = defaults["camera"], defaults["lighting"]
    assert "Piza" in camera.source
    assert "2019" in camera.source
    assert "city centres" in camera.source
    assert camera.reduction == pytest.approx(0.13)
    assert (camera.reduction_low, camera.reduction_high) == pytest.approx((0.05, 0.20))
    assert camera.evidence == "moderate"
    assert camera.hours == "all"
    assert "Welsh, Farrington & Douglas (2022)" in lighting.source
    assert lighting.reduction == pytest.approx(0.14)
    assert (lighting.reduction_low, lighting.reduction_high) == pytest.approx((0.05, 0.23))
    assert lighting.evidence == "moderate"
    assert lighting.hours == "darkness"
    assert lighting.unit == "lamp"
    assert lighting.lamp_spacing_m == 30.0
    assert 25_000 <= lighting.capex_sek <= 40_000
    assert lighting.perceived_effect == pytest.approx(0.5)


def test_help_points_and_vegetation_are_labelled_weak_with_wide_intervals():
    defaults = default_measures()
    for kind in ("help_point", "vegetation"):
        measure = defaults[kind]
        assert measure.evidence == "weak"
        assert "svagt underlag" in measure.source
        assert measure.reduction_low < 0 < measure.reduction < measure.reduction_high
        assert measure.reduction_high - measure.reduction_low >= 0.2
    assert defaults["help_point"].unit == "site"
    assert defaults["help_point"].reach_m == 50.0
    assert defaults["help_point"].capex_sek == 60_000.0
    assert defaults["vegetation"].unit == "m"
    assert defaults["vegetation"].capex_sek == 150.0


def test_resolve_fills_unset_keys_from_the_kind():
    lighting = default_measures()["lighting"]
    (measure,) = resolve([MeasureConfig(name="ljus", kind="lighting", capex_sek=30_000)])
    assert measure.name == "ljus"
    assert measure.capex_sek == 30_000
    assert dataclasses.replace(measure, name="lighting", capex_sek=lighting.capex_sek) == lighting


def test_a_scenario_effect_replaces_the_prior_as_a_whole():
    (measure,) = resolve(
        [MeasureConfig(name="ljus", kind="lighting", effect=EffectPrior(reduction=0.0))]
    )
    assert (measure.reduction, measure.reduction_low, measure.reduction_high) == (0.0, 0.0, 0.0)
    assert measure.source == "set in the scenario"
    assert measure.evidence == "weak"
    assert measure.hours == "darkness"  # the rest still comes from the kind


def test_resolve_keeps_order_titles_and_categories():
    configs = [
        MeasureConfig(name="b", kind="vegetation", title="Röjning", categories=["Rån"]),
        MeasureConfig(
            name="a",
            kind="custom",
            unit="m",
            capex_sek=10.0,
            opex_sek_per_year=1.0,
            effect=EffectPrior(reduction=0.1, low=0.0, high=0.3, evidence="moderate"),
        ),
    ]
    veg, custom = resolve(configs)
    assert (veg.name, custom.name) == ("b", "a")
    assert veg.title == veg.title_sv == "Röjning"
    assert veg.categories == ("Rån",)
    assert veg.acts_on(["Rån", "Stöld"]).tolist() == [True, False]
    assert custom.acts_on(["Rån", "Stöld"]).tolist() == [True, True]
    assert (custom.unit, custom.capex_sek, custom.opex_sek_per_year) == ("m", 10.0, 1.0)
    assert (custom.reduction_low, custom.reduction_high) == (0.0, 0.3)
    assert custom.per_corridor
    assert not default_measures()["help_point"].per_corridor


def test_the_scenario_reads_measures_portfolio_and_the_perceived_layer():
    sc = scenario(
        inputs={"osm": "a.osm", "incidents": "c.csv", "perceived": "p.geojson"},
        measures=[
            {"name": "ljus", "kind": "lighting", "effect": {"reduction": 0.1, "low": 0.0}},
            {"name": "kamera", "kind": "camera"},
        ],
        portfolio={"perceived_weight": 2.0, "draws": 50},
    )
    assert [m.name for m in sc.measures] == ["ljus", "kamera"]
    assert sc.measures[0].effect == EffectPrior(reduction=0.1, low=0.0)
    assert (sc.portfolio.perceived_weight, sc.portfolio.draws) == (2.0, 50)
    assert sc.portfolio.stability_draws == 10
    assert sc.portfolio.frontier_budgets_sek is None
    assert sc.inputs.perceived_weight_column == "weight"
    assert sc.inputs.perceived_date_column == "date"
    plain = scenario()
    assert plain.measures == []
    assert plain.portfolio.perceived_weight == 0.0
    assert plain.inputs.perceived is None


@pytest.mark.parametrize(
    ("measures", "portfolio", "message"),
    [
        (
            [{"name": "x", "kind": "lighting"}, {"name": "x", "kind": "vegetation"}],
            {},
            "measure names must be unique",
        ),
        (
            [{"name": "x", "kind": "lighting", "effect": {"reduction": 0.3, "high": 0.2}}],
            {},
            "low ≤ reduction ≤ high",
        ),
        ([{"name": "x", "kind": "camera", "capex_sek": 5.0}], {}, "kind 'camera' takes no"),
        ([{"name": "x", "kind": "vegetation", "unit": "lamp"}], {}, "does not fit kind"),
        ([{"name": "x", "kind": "lighting", "unit": "m"}], {}, "needs its own capex_sek"),
        ([{"name": "x", "kind": "custom", "capex_sek": 1.0}], {}, "custom measure needs"),
        ([{"name": "x", "kind": "help_point", "lamp_spacing_m": 20}], {}, "lighting' only"),
        ([{"name": "x y", "kind": "lighting"}], {}, "measures.0.name"),
        ([{"name": "x", "kind": "lighting", "colour": "red"}], {}, "unknown key"),
        (
            [{"name": "a", "kind": "camera"}, {"name": "b", "kind": "camera"}],
            {},
            "at most one measure of kind 'camera'",
        ),
        ([], {"perceived_weight": 1.0}, "needs a perceived-safety layer"),
    ],
)
def test_bad_measures_are_scenario_errors(measures, portfolio, message):
    with pytest.raises(ScenarioError, match=message):
        scenario(measures=measures, portfolio=portfolio)
