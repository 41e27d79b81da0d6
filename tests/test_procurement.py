"""Procurement: bill of quantities against hand-priced cameras, phasing, the CSV writer."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from siteplan import procurement
from siteplan.config import scenario_from_dict
from siteplan.errors import InputError
from siteplan.pipeline import PlanResult
from siteplan.render.procurement import procurement_files

CRS = "EPSG:3006"


#: A plan date on which each regime was in force.
PLAN_DATES = {"kbl-2018": "2019-06-01", "kbl-2020": "2022-06-01", "kbl-2025": "2025-06-01"}


def scenario(regime: str = "kbl-2020", lang: str = "sv", horizon_years: float = 1.0):
    return scenario_from_dict(
        {
            "study_area": {"name": "test"},
            "inputs": {"osm": "a.osm", "gtfs": "g.zip", "incidents": "i.csv"},
            "legal": {"regime": regime, "plan_date": PLAN_DATES[regime]},
            "cameras": [
                {
                    "model": "bullet-4mp-60",
                    "horizontal_px": 2560,
                    "hfov_deg": 60,
                    "capex_sek": 9000,
                    "opex_sek_per_year": 1000,
                },
                {"model": "dome-360", "horizontal_px": 4000, "hfov_deg": 360, "capex_sek": 14000},
            ],
            "costs": {
                "mount_sek": {"facade": 10000, "lamp_post": 17500, "new_pole": 45000},
                "connectivity_sek": 10000,
                "vms_licence_sek": 2000,
                "paperwork_hours": 16,
                "hourly_rate_sek": 750,
                "permit_penalty_sek": 15000,
            },
            "budget": {"horizon_years": horizon_years},
            "output": {"language": lang},
        }
    )


def cams(rows: list[tuple]) -> gpd.GeoDataFrame:
    """rows: (camera_id, site_id, model, mount, legal_class, area, demand, capex, opex)."""
    frame = gpd.GeoDataFrame(
        {
            "site_id": [r[1] for r in rows],
            "model": [r[2] for r in rows],
            "mount": [r[3] for r in rows],
            "legal_class": [r[4] for r in rows],
            "area": [r[5] for r in rows],
            "covered_demand": [float(r[6]) for r in rows],
            "capex_sek": [float(r[7]) for r in rows],
            "opex_sek_per_year": [float(r[8]) for r in rows],
        },
        geometry=[Point(500_000 + 10 * i, 6_470_000) for i in range(len(rows))],
        index=pd.Index([r[0] for r in rows], name="camera_id"),
        crs=CRS,
    )
    frame["total_cost_sek"] = frame["capex_sek"] + frame["opex_sek_per_year"]  # horizon 1 year
    return frame


# Hand prices under kbl-2020 (horizon 1 year):
#   bullet at a general site: 9000 camera + 2000 VMS = 11000; opex 1000; the site's first
#                             camera also carries 16 h x 750 = 12000 paperwork + 15000
#                             permit, once per site (the assessment is per place)
#   bullet at a stop area:    9000 + 2000 = 11000; opex 1000
#   dome at a stop area:      14000 + 2000 = 16000; opex 0
#   site cost (first camera): facade 10000 / lamp post 17500, + 10000 connectivity
@pytest.fixture
def plan() -> gpd.GeoDataFrame:
    return cams(
        [
            ("cam-001", "s1", "bullet-4mp-60", "facade", "general", "City", 10, 58000, 1000),
            ("cam-002", "s1", "bullet-4mp-60", "facade", "general", "City", 4, 11000, 1000),
            ("cam-003", "s2", "bullet-4mp-60", "lamp_post", "stop_area", "City", 5, 38500, 1000),
            ("cam-004", "s3", "dome-360", "lamp_post", "stop_area", "City", 3, 43500, 0),
            ("cam-005", "s4", "bullet-4mp-60", "lamp_post", "stop_area", "Ryd", 6, 38500, 1000),
            (
                "cam-006",
                "s5",
                "bullet-4mp-60",
                "facade",
                "stop_area_borderline",
                "Ryd",
                9,
                # facade 10 000 + connectivity 10 000 + camera 9 000 + VMS 2 000, and as a
                # borderline view under kbl-2020 a permit application: paperwork 12 000 and
                # the permit allowance 15 000
                58000,
                1000,
            ),
        ]
    )


def items(bill: pd.DataFrame) -> pd.DataFrame:
    return bill[bill["item"] != "total"]


def test_bill_sums_equal_the_cameras_costs(plan):
    bill = procurement.bill_of_quantities(plan, scenario=scenario())
    assert list(bill.columns) == list(procurement.BOQ_COLUMNS)
    body = items(bill)
    assert "other" not in set(body["item"])  # hand prices match the scenario
    assert body["capex_sek"].sum() == pytest.approx(plan["capex_sek"].sum())
    assert body["opex_sek_per_year"].sum() == pytest.approx(plan["opex_sek_per_year"].sum())
    assert body["total_cost_sek"].sum() == pytest.approx(plan["total_cost_sek"].sum())
    grand = bill.iloc[-1]
    assert grand["item"] == "total"
    assert grand["phase"] == "alla"
    assert grand["quantity"] == 6
    assert grand["capex_sek"] == pytest.approx(247_500)


def test_bill_rows_are_hand_checkable(plan):
    bill = items(procurement.bill_of_quantities(plan, scenario=scenario()))
    city = bill[bill["area"] == "City"].set_index(["item", "description"])
    assert city.loc[("camera", "bullet-4mp-60"), "quantity"] == 3
    assert city.loc[("camera", "bullet-4mp-60"), "capex_sek"] == 27_000
    assert city.loc[("camera", "bullet-4mp-60"), "opex_sek_per_year"] == 3_000
    assert city.loc[("camera", "dome-360"), "quantity"] == 1
    assert city.loc[("vms_licence", "VMS-licens"), "quantity"] == 4
    # Mounts and connectivity once per site: s1 on a facade, s2 and s3 on lamp posts.
    assert city.loc[("mount", "fasad"), "quantity"] == 1
    assert city.loc[("mount", "belysningsstolpe"), ["quantity", "capex_sek"]].tolist() == [
        2,
        35_000,
    ]
    assert city.xs("connectivity", level="item")["quantity"].sum() == 3
    # Paperwork and the permit allowance once for the general site's two cameras.
    assert city.xs("paperwork", level="item")["capex_sek"].sum() == 12_000
    assert city.xs("paperwork", level="item")["quantity"].sum() == 1
    assert city.xs("permit", level="item")["capex_sek"].sum() == 15_000
    ryd = bill[bill["area"] == "Ryd"].set_index(["item", "description"])
    # the stop area needs no permit; the borderline camera carries a permit application
    assert ryd.xs("paperwork", level="item")["capex_sek"].sum() == 12_000
    assert ryd.xs("permit", level="item")["capex_sek"].sum() == 15_000


def test_bill_under_kbl2025_has_paperwork_but_no_permit():
    plan = cams(
        [
            # 9000 + 2000 + 12000 paperwork + 10000 facade + 10000 connectivity
            ("cam-001", "s1", "bullet-4mp-60", "facade", "general", "City", 1, 43000, 1000),
        ]
    )
    bill = items(procurement.bill_of_quantities(plan, scenario=scenario("kbl-2025")))
    assert "permit" not in set(bill["item"])
    assert bill.loc[bill["item"] == "paperwork", "capex_sek"].tolist() == [12_000]
    assert bill["capex_sek"].sum() == 43_000


def test_installed_cameras_are_not_procured(plan):
    installed = cams(
        [("cam-007", "installed-0", "bullet-4mp-60", "facade", "general", "City", 2, 0, 0)]
    )
    bill = procurement.bill_of_quantities(pd.concat([plan, installed]), scenario=scenario())
    assert bill.iloc[-1]["quantity"] == 6
    assert items(bill)["capex_sek"].sum() == pytest.approx(plan["capex_sek"].sum())


def test_a_price_mismatch_shows_as_other(plan, caplog):
    changed = plan.copy()
    changed.loc["cam-005", ["capex_sek", "total_cost_sek"]] += 100.0
    with caplog.at_level(logging.WARNING, logger="siteplan.procurement"):
        bill = procurement.bill_of_quantities(changed, scenario=scenario())
    other = bill[bill["item"] == "other"]
    assert other[["area", "capex_sek"]].values.tolist() == [["Ryd", 100.0]]
    assert items(bill)["total_cost_sek"].sum() == pytest.approx(changed["total_cost_sek"].sum())
    assert "differ from the scenario's prices" in caplog.text


def test_bill_unknown_model_is_an_error(plan):
    bad = plan.copy()
    bad.loc["cam-001", "model"] = "mystery"
    with pytest.raises(InputError, match="mystery"):
        procurement.bill_of_quantities(bad, scenario=scenario())


def test_phase_plan_stop_areas_of_one_area_first(plan):
    phase = procurement.phase_plan(plan)
    # Stop-area demand: City 5 + 3 = 8, Ryd 6. General and borderline cameras wait.
    assert phase.name == "phase"
    assert phase.to_dict() == {
        "cam-001": 2,
        "cam-002": 2,
        "cam-003": 1,
        "cam-004": 1,
        "cam-005": 2,
        "cam-006": 2,
    }
    first = plan.loc[phase == 1]
    assert set(first["legal_class"]) == {"stop_area"}
    assert first["area"].nunique() == 1


def test_phase_plan_ties_go_to_the_first_area_name():
    plan = cams(
        [
            ("cam-001", "s1", "bullet-4mp-60", "facade", "stop_area", "Skäggetorp", 4, 0, 0),
            ("cam-002", "s2", "bullet-4mp-60", "facade", "stop_area", "Berga", 4, 0, 0),
            ("cam-003", "s3", "bullet-4mp-60", "facade", "stop_area", None, 50, 0, 0),
        ]
    )
    assert procurement.phase_plan(plan).tolist() == [2, 1, 2]


def test_phase_plan_without_stop_areas_and_bad_strategy(plan):
    general = plan.assign(legal_class="general")
    assert set(procurement.phase_plan(general)) == {2}
    with pytest.raises(InputError, match="stop-areas-first"):
        procurement.phase_plan(plan, strategy="cheapest-first")


def test_bill_with_phases_has_phase_totals(plan):
    phase = procurement.phase_plan(plan)
    bill = procurement.bill_of_quantities(plan, scenario=scenario(), phase_of=phase)
    totals = bill[bill["item"] == "total"]
    assert totals["description"].tolist() == ["Summa etapp 1", "Summa etapp 2", "Summa totalt"]
    p1, p2, grand = totals["capex_sek"].tolist()
    assert p1 == pytest.approx(38_500 + 43_500)
    assert p1 + p2 == pytest.approx(grand)
    assert set(items(bill)["phase"]) == {1, 2}
    assert set(items(bill).loc[items(bill)["phase"] == 1, "area"]) == {"City"}
    with pytest.raises(InputError, match="cam-006"):
        procurement.bill_of_quantities(plan, scenario=scenario(), phase_of=phase.iloc[:5])


def _bill_csv(bill: pd.DataFrame, folder: Path, make: Callable[..., PlanResult]) -> pd.DataFrame:
    files = procurement_files(make(bill=bill))
    assert list(files) == ["procurement.csv"]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "procurement.csv").write_text(files["procurement.csv"], encoding="utf-8")
    return pd.read_csv(folder / "procurement.csv")


def test_procurement_csv(tmp_path: Path, plan, make_plan_result):
    sc = scenario(lang="en")
    phase = procurement.phase_plan(plan, strategy="stop-areas-first")
    bill = procurement.bill_of_quantities(plan, scenario=sc, phase_of=phase)
    back = _bill_csv(bill, tmp_path, make_plan_result)
    assert len(back) == len(bill)
    assert back["description"].iloc[-1] == "Grand total"
    assert back["capex_sek"].iloc[-1] == pytest.approx(plan["capex_sek"].sum())
    one = procurement.bill_of_quantities(plan, scenario=sc)
    assert (one["item"] == "total").sum() == 1  # one phase: only the grand total


def test_procurement_csv_neutralises_formulas_and_keeps_numbers(
    tmp_path: Path, plan, make_plan_result
):
    evil = plan.assign(area='=HYPERLINK("http://x")')
    bill = procurement.bill_of_quantities(evil, scenario=scenario())
    text = procurement_files(make_plan_result(bill=bill))["procurement.csv"]
    assert "\n=" not in text
    assert ",=" not in text
    back = _bill_csv(bill, tmp_path, make_plan_result)
    assert back["area"].iloc[0] == '\'=HYPERLINK("http://x")'
    assert back["capex_sek"].dtype == float
    assert back["capex_sek"].iloc[-1] == pytest.approx(plan["capex_sek"].sum())
