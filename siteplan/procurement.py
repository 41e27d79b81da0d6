"""Procurement: the bill of quantities of a plan, and phasing.

The bill prices every item at the scenario's prices (``cameras`` catalogue and ``costs``), the
same way :func:`siteplan.coverage.option_costs` and the site costs priced the plan, so its totals
equal the cameras' costs. Cameras that are already installed (site ids ``installed-*``) are not
procured and are left out. :func:`phase_plan` implements the action plan's order: stop areas
first, in one priority area. :mod:`siteplan.render.procurement` writes the bill as CSV.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from siteplan.errors import InputError
from siteplan.i18n import t
from siteplan.schemas import require

if TYPE_CHECKING:
    from siteplan.config import Mount, Scenario
    from siteplan.measures import PortfolioResult

__all__ = [
    "BOQ_COLUMNS",
    "ITEMS",
    "PHASE_STRATEGIES",
    "bill_of_quantities",
    "bill_with_measures",
    "measure_lines",
    "phase_plan",
]

log = logging.getLogger(__name__)

#: Items of the bill, in the order they are listed.
ITEMS = ("camera", "vms_licence", "mount", "connectivity", "paperwork", "permit", "other", "total")
#: Columns of :func:`bill_of_quantities`.
BOQ_COLUMNS = (
    "phase",
    "area",
    "item",
    "description",
    "quantity",
    "unit",
    "unit_price_sek",
    "capex_sek",
    "opex_sek_per_year",
    "total_cost_sek",
)
#: Phasing strategies :func:`phase_plan` knows.
PHASE_STRATEGIES = ("stop-areas-first",)

_INSTALLED_PREFIX = "installed-"
_MOUNTS = frozenset({"facade", "lamp_post", "new_pole"})


def _require(frame: pd.DataFrame, columns: tuple[str, ...], name: str) -> None:
    require(frame, columns, name=name, hint="Pass PlanResult.cameras.")


def _area_names(values: pd.Series) -> pd.Series:
    """Area names as text; missing areas stay missing."""
    return values.astype(object).where(values.notna(), None)


def phase_plan(cameras: pd.DataFrame, *, strategy: str = "stop-areas-first") -> pd.Series:
    """
    Split the cameras into two procurement phases.

    ``"stop-areas-first"``: phase 1 holds only the ``stop_area`` cameras of ONE priority area,
    the area whose stop-area cameras cover the most demand (ties: the first area name);
    phase 2 holds the rest. Cameras outside every area count only when no stop-area camera has
    an area. With no stop-area camera at all, phase 1 is empty.

    Parameters
    ----------
    cameras
        Planned cameras indexed by ``camera_id`` with ``legal_class``, ``area`` and
        ``covered_demand``.
    strategy
        One of :data:`PHASE_STRATEGIES`.

    Returns
    -------
    phase
        Indexed like `cameras`, named "phase": 1 or 2.

    Raises
    ------
    InputError
        If `strategy` is unknown or a column is missing.
    """
    if strategy not in PHASE_STRATEGIES:
        msg = f"unknown phasing strategy {strategy!r}; use one of {list(PHASE_STRATEGIES)}."
        raise InputError(msg)
    _require(cameras, ("legal_class", "area", "covered_demand"), "cameras")
    phase = pd.Series(2, index=cameras.index, name="phase", dtype=int)
    stop = cameras["legal_class"].astype(str).to_numpy() == "stop_area"
    area = _area_names(cameras["area"])
    named = stop & area.notna().to_numpy()
    pool = named if named.any() else stop
    if not pool.any():
        log.warning("phase_plan: no stop-area cameras; phase 1 is empty, every camera is phase 2")
        return phase
    demand = cameras["covered_demand"].astype(float).to_numpy()
    keys = area.fillna("").astype(str).to_numpy()
    totals: dict[str, float] = {}
    for key, value in zip(keys[pool], demand[pool], strict=True):
        totals[key] = totals.get(key, 0.0) + float(value)
    chosen = min(totals, key=lambda k: (-totals[k], k))
    phase[pool & (keys == chosen)] = 1
    log.info(
        "phase_plan (%s): phase 1 = %d stop-area camera(s) in %r (covered demand %.2f); "
        "phase 2 = %d camera(s)",
        strategy,
        int((phase == 1).sum()),
        chosen or "(no area)",
        totals[chosen],
        int((phase == 2).sum()),
    )
    return phase


def _site_mounts(cams: pd.DataFrame, sites: pd.DataFrame | None) -> pd.Series:
    """Mount type per camera: the site's own when `sites` knows it, else the camera's."""
    mount = cams["mount"].astype(object)
    if sites is not None and "mount" in sites.columns:
        known = cams["site_id"].map(sites["mount"].astype(object).to_dict())
        mount = known.where(known.notna(), mount)
    return mount


def bill_of_quantities(
    cameras: pd.DataFrame,
    sites: pd.DataFrame | None = None,
    *,
    scenario: Scenario,
    phase_of: pd.Series | Mapping[Any, int] | None = None,
    lang: str | None = None,
) -> pd.DataFrame:
    """
    The bill of quantities: items per phase and area, with capex, opex and totals.

    Items: camera models (count × catalogue capex; opex per year), VMS licences (one per
    camera), mounts by type and connectivity (one per site, charged to the phase and area of
    the site's first camera), paperwork (``paperwork_hours × hourly_rate_sek`` once per site
    that has a camera the regime asks it for: ``general`` and ``stop_area_borderline``
    cameras, classed by what they film; every camera under ``kbl-2018``; the assessment is
    made per place) and the permit allowance (``permit_penalty_sek`` once per such site where
    a permit is needed). An ``other``
    row appears only if the cameras' own costs differ from the prices (e.g. a changed price
    list). Each phase gets a total row when there are several phases, and the bill ends with
    the grand total.

    Parameters
    ----------
    cameras
        Planned cameras indexed by ``camera_id`` with ``site_id``, ``model``, ``mount``,
        ``legal_class``, ``area`` and ``total_cost_sek``.
    sites
        Candidate sites indexed by ``site_id`` (their ``mount`` wins over the camera's).
    scenario
        Prices (``cameras``, ``costs``), the horizon (``budget.horizon_years``), the regime and
        the language.
    phase_of
        Camera id -> phase number (e.g. :func:`phase_plan`); everything is phase 1 if None.
    lang
        "sv" or "en" (default: ``output.language``).

    Returns
    -------
    bill
        Columns :data:`BOQ_COLUMNS`. ``total_cost_sek = capex_sek + opex_sek_per_year ×
        horizon_years``; summed over the item rows it equals the cameras' ``total_cost_sek``.
        Total rows have ``item == "total"``, the grand total has phase "alla"/"all".

    Raises
    ------
    InputError
        If a column is missing, a camera has no phase, or a model or mount has no price.
    """
    lang = lang or scenario.output.language
    _require(
        cameras, ("site_id", "model", "mount", "legal_class", "area", "total_cost_sek"), "cameras"
    )
    installed = cameras["site_id"].astype(str).str.startswith(_INSTALLED_PREFIX).to_numpy()
    cams = cameras[~installed].sort_index()
    horizon = float(scenario.budget.horizon_years)
    _check_models(cams, scenario)
    phase = _phases(cams, phase_of)
    area = _area_names(cams["area"]).fillna(t("procurement.no_area", lang)).astype(str)
    mount = _priced_mounts(cams, sites, scenario)
    items = _item_lines(cams, phase, area, mount, scenario=scenario, lang=lang)
    items = _reconcile(items, cams, phase, area, horizon=horizon, lang=lang)
    bill = _with_totals(_group(items, horizon), lang=lang)
    item_rows = bill[bill["item"] != "total"]
    log.info(
        "bill of quantities: %d camera(s) at %d site(s) (%d already installed, left out), "
        "%d item row(s), %d phase(s), capex %.0f SEK, opex %.0f SEK/year",
        len(cams),
        cams["site_id"].nunique(),
        int(installed.sum()),
        len(item_rows),
        item_rows["phase"].nunique(),
        item_rows["capex_sek"].sum(),
        item_rows["opex_sek_per_year"].sum(),
    )
    return bill


def _check_models(cams: pd.DataFrame, scenario: Scenario) -> None:
    """Raise unless every camera model is in the scenario's catalogue."""
    catalogue = {m.model for m in scenario.cameras}
    unknown = sorted(set(cams["model"].astype(str)) - catalogue)
    if unknown:
        msg = (
            f"bill_of_quantities: camera model(s) {unknown} are not in the scenario's [[cameras]] "
            f"catalogue {sorted(catalogue)}; price them there."
        )
        raise InputError(msg)


def _phases(cams: pd.DataFrame, phase_of: pd.Series | Mapping[Any, int] | None) -> pd.Series:
    """Phase number per camera (all 1 without `phase_of`)."""
    if phase_of is None:
        return pd.Series(1, index=cams.index, dtype=int)
    phase = pd.Series(phase_of).reindex(cams.index)
    if phase.isna().any():
        missing = list(phase.index[phase.isna()][:5])
        msg = f"bill_of_quantities: phase_of has no phase for camera(s) {missing}."
        raise InputError(msg)
    return phase.astype(int)


def _priced_mounts(cams: pd.DataFrame, sites: pd.DataFrame | None, scenario: Scenario) -> pd.Series:
    """Mount type per camera; raise when one has no price."""
    mount = _site_mounts(cams, sites)
    prices = scenario.costs.mount_sek
    unpriced = sorted(set(mount.astype(str)) - set(prices))
    if unpriced:
        msg = (
            f"bill_of_quantities: costs.mount_sek has no price for mount(s) {unpriced}; found "
            f"{sorted(prices)}. Add it under [costs.mount_sek]."
        )
        raise InputError(msg)
    return mount


def _obligations(cams: pd.DataFrame, regime: str) -> tuple[np.ndarray, np.ndarray]:
    """
    Which cameras carry their site's paperwork cost, and which its permit allowance.

    One camera per site: the first there that needs it (the assessment is per place).
    """
    n = len(cams)
    # Every class but stop_area carries the paperwork: borderline views get the full 9 §
    # assessment (a permit application under kbl-2020) with the exemption as an annex.
    needs = cams["legal_class"].astype(str).to_numpy() != "stop_area"
    if regime == "kbl-2018":
        needs = np.ones(n, bool)
    first = needs & ~cams["site_id"].where(needs).duplicated().to_numpy()
    return first, first if regime in ("kbl-2018", "kbl-2020") else np.zeros(n, bool)


def _item_lines(
    cams: pd.DataFrame,
    phase: pd.Series,
    area: pd.Series,
    mount: pd.Series,
    *,
    scenario: Scenario,
    lang: str,
) -> pd.DataFrame:
    """One line per camera and item (mount and connectivity once per site), unpriced totals."""
    costs = scenario.costs
    catalogue = {m.model: m for m in scenario.cameras}
    paperwork, permit = _obligations(cams, scenario.legal.effective_regime)
    pcs, per_site = t("procurement.unit.pcs", lang), t("procurement.unit.site", lang)
    paperwork_desc = t(
        "procurement.desc.paperwork",
        lang,
        hours=f"{costs.paperwork_hours:g}",
        rate=f"{costs.hourly_rate_sek:g}",
    )
    first_of_site = ~cams["site_id"].duplicated().to_numpy()
    lines: list[dict[str, Any]] = []
    for i, model_name in enumerate(cams["model"].astype(str)):
        model = catalogue[model_name]
        line = _line_maker(int(phase.iloc[i]), area.iloc[i])
        lines.append(line("camera", model_name, pcs, model.capex_sek, model.opex_sek_per_year))
        lines.append(
            line("vms_licence", t("procurement.desc.vms", lang), pcs, costs.vms_licence_sek)
        )
        if first_of_site[i]:
            m = str(mount.iloc[i])
            desc = t(f"paperwork.mount.{m}", lang) if m in _MOUNTS else m
            lines.append(line("mount", desc, per_site, costs.mount_sek[cast("Mount", m)]))
            lines.append(
                line(
                    "connectivity",
                    t("procurement.desc.connectivity", lang),
                    per_site,
                    costs.connectivity_sek,
                    costs.connectivity_opex_sek_per_year,
                )
            )
        if paperwork[i]:
            price = costs.paperwork_hours * costs.hourly_rate_sek
            lines.append(line("paperwork", paperwork_desc, per_site, price))
        if permit[i]:
            desc = t("procurement.desc.permit", lang)
            lines.append(line("permit", desc, per_site, costs.permit_penalty_sek))
    return pd.DataFrame(lines, columns=[c for c in BOQ_COLUMNS if c != "total_cost_sek"])


def _line_maker(phase: int, area: str) -> Callable[..., dict[str, Any]]:
    """A function making one bill line (quantity 1) in `phase` and `area`."""

    def line(item: str, desc: str, unit: str, price: float, opex: float = 0.0) -> dict[str, Any]:
        return {
            "phase": phase,
            "area": area,
            "item": item,
            "description": desc,
            "quantity": 1,
            "unit": unit,
            "unit_price_sek": float(price),
            "capex_sek": float(price),
            "opex_sek_per_year": float(opex),
        }

    return line


def _reconcile(
    items: pd.DataFrame,
    cams: pd.DataFrame,
    phase: pd.Series,
    area: pd.Series,
    *,
    horizon: float,
    lang: str,
) -> pd.DataFrame:
    """Add an "other" row per phase and area where the cameras' costs differ from the prices."""
    priced = (
        (items["capex_sek"] + items["opex_sek_per_year"] * horizon)
        .groupby([items["phase"], items["area"]])
        .sum()
    )
    planned = (
        cams["total_cost_sek"].astype(float).groupby([phase.to_numpy(), area.to_numpy()]).sum()
    )
    diff = planned.sub(priced, fill_value=0.0)
    extra = []
    for (ph, ar), value in diff.items():
        if abs(value) > 0.5:
            extra.append(
                {
                    "phase": int(ph),
                    "area": ar,
                    "item": "other",
                    "description": t("procurement.desc.other", lang),
                    "quantity": 1,
                    "unit": t("procurement.unit.pcs", lang),
                    "unit_price_sek": float(value),
                    "capex_sek": float(value),
                    "opex_sek_per_year": 0.0,
                }
            )
    if extra:
        log.warning(
            "bill of quantities: the cameras' costs differ from the scenario's prices by %.0f SEK "
            "in %d phase/area group(s); listed as 'other'. Was the plan priced with another "
            "price list?",
            sum(e["capex_sek"] for e in extra),
            len(extra),
        )
        items = pd.concat([items, pd.DataFrame(extra, columns=items.columns)], ignore_index=True)
    return items


def _group(items: pd.DataFrame, horizon: float) -> pd.DataFrame:
    """Sum the per-camera lines into one row per phase, area, item, description and price."""
    if items.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in BOQ_COLUMNS})
    keys = ["phase", "area", "item", "description", "unit", "unit_price_sek"]
    bill = (
        items.groupby(keys, sort=False, dropna=False)
        .agg(
            quantity=("quantity", "sum"),
            capex_sek=("capex_sek", "sum"),
            opex_sek_per_year=("opex_sek_per_year", "sum"),
        )
        .reset_index()
    )
    bill["total_cost_sek"] = bill["capex_sek"] + bill["opex_sek_per_year"] * horizon
    bill["_item"] = bill["item"].map({k: i for i, k in enumerate(ITEMS)})
    bill = bill.sort_values(["phase", "area", "_item", "description"], kind="stable")
    return bill[list(BOQ_COLUMNS)].reset_index(drop=True)


def _total_row(frame: pd.DataFrame, *, phase: Any, area: str, description: str, unit: str) -> dict:
    return {
        "phase": phase,
        "area": area,
        "item": "total",
        "description": description,
        "quantity": int(frame.loc[frame["item"] == "camera", "quantity"].sum()),
        "unit": unit,
        "unit_price_sek": np.nan,
        "capex_sek": float(frame["capex_sek"].sum()),
        "opex_sek_per_year": float(frame["opex_sek_per_year"].sum()),
        "total_cost_sek": float(frame["total_cost_sek"].sum()),
    }


def _with_totals(bill: pd.DataFrame, *, lang: str) -> pd.DataFrame:
    """Append a total row per phase (when there are several) and the grand total."""
    everything = t("procurement.all", lang)
    cameras = t("procurement.unit.cameras", lang)
    rows = []
    phases = sorted(bill["phase"].dropna().unique())
    parts = []
    for ph in phases:
        part = bill[bill["phase"] == ph]
        parts.append(part)
        if len(phases) > 1:
            rows.append(
                _total_row(
                    part,
                    phase=int(ph),
                    area=everything,
                    unit=cameras,
                    description=t("procurement.total_phase", lang, phase=int(ph)),
                )
            )
            parts.append(pd.DataFrame([rows[-1]], columns=list(BOQ_COLUMNS)))
    grand = _total_row(
        bill,
        phase=everything,
        area=everything,
        unit=cameras,
        description=t("procurement.total", lang),
    )
    parts.append(pd.DataFrame([grand], columns=list(BOQ_COLUMNS)))
    out = pd.concat([p.astype(object) for p in parts], ignore_index=True)
    for col in ("quantity",):
        out[col] = out[col].astype(int)
    for col in ("unit_price_sek", "capex_sek", "opex_sek_per_year", "total_cost_sek"):
        out[col] = out[col].astype(float)
    for col in ("area", "item", "description", "unit"):
        out[col] = out[col].astype(object)
    return out


def _units(options: pd.DataFrame, unit_capex: pd.Series, unit_opex: pd.Series) -> pd.Series:
    """Units per option: the ``units`` column, else capex (or opex) over the unit price."""
    if "units" in options.columns:
        return options["units"].astype(float)
    capex = options["capex_sek"].astype(float)
    opex = options["opex_sek_per_year"].astype(float)
    by_capex = capex / unit_capex.where(unit_capex > 0)
    by_opex = opex / unit_opex.where(unit_opex > 0)
    return by_capex.fillna(by_opex).fillna(1.0)


def measure_lines(
    portfolio: PortfolioResult,
    *,
    scenario: Scenario,
    phase: int = 1,
    lang: str | None = None,
) -> pd.DataFrame:
    """
    Bill lines of the portfolio mix's measures other than cameras (lighting, help points ...).

    One line per area and measure: ``units × capex_sek`` of the measure's catalogue price and
    ``units × opex_sek_per_year``, priced the way the portfolio priced its options, so the
    lines' ``total_cost_sek`` sums to the options' ``cost_sek``. Cameras are billed by
    :func:`bill_of_quantities`.

    Parameters
    ----------
    portfolio
        The run's portfolio (:attr:`siteplan.pipeline.PlanResult.portfolio`); its ``chosen``
        options (the mix) are billed.
    scenario
        The horizon (``budget.horizon_years``) and the language.
    phase
        The phase the lines belong to.
    lang
        "sv" or "en" (default: ``output.language``).

    Returns
    -------
    lines
        Columns :data:`BOQ_COLUMNS`, no total rows; ``item`` is the measure's kind,
        ``quantity`` its units (lamps, sites or metres), ``unit_price_sek`` the price per unit.
        Empty when the mix holds no such measure.
    """
    lang = lang or scenario.output.language
    horizon = float(scenario.budget.horizon_years)
    chosen = portfolio.chosen
    ids = chosen.index[chosen["kind"].astype(str) != "camera"]
    options = pd.DataFrame(portfolio.portfolio.problem.options.loc[ids])
    if options.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in BOQ_COLUMNS})
    by_name = {m.name: m for m in portfolio.portfolio.measures}
    measure = options["measure"].astype(str)
    unit_capex = measure.map(lambda n: float(by_name[n].capex_sek))
    unit_opex = measure.map(lambda n: float(by_name[n].opex_sek_per_year))
    options = options.assign(
        units=_units(options, unit_capex, unit_opex),
        area=_area_names(options.get("area", pd.Series(None, index=options.index)))
        .fillna(t("procurement.no_area", lang))
        .astype(str),
    )
    rows = []
    for (area, name), group in options.groupby(["area", "measure"], sort=True):
        m = by_name[str(name)]
        units = float(group["units"].sum())
        title = (m.title_sv or m.title) if lang == "sv" else m.title
        rows.append(
            {
                "phase": phase,
                "area": area,
                "item": m.kind,
                "description": t("procurement.desc.measure", lang, title=title, name=m.name),
                "quantity": round(units, 1) if m.unit == "m" else round(units),
                "unit": t(f"procurement.unit.{m.unit}", lang),
                "unit_price_sek": float(m.capex_sek),
                "capex_sek": float(group["capex_sek"].sum()),
                "opex_sek_per_year": float(group["opex_sek_per_year"].sum()),
            }
        )
    lines = pd.DataFrame(rows)
    lines["total_cost_sek"] = lines["capex_sek"] + horizon * lines["opex_sek_per_year"]
    return lines[list(BOQ_COLUMNS)]


def bill_with_measures(bill: pd.DataFrame, lines: pd.DataFrame) -> pd.DataFrame:
    """
    The bill with the measures' lines before the grand total, which then includes them.

    Parameters
    ----------
    bill
        From :func:`bill_of_quantities` (its last row is the grand total).
    lines
        From :func:`measure_lines`.

    Returns
    -------
    bill
        `bill` unchanged when `lines` is empty; else the camera rows, the measure lines and
        the grand total of both (its ``quantity`` still counts the cameras).
    """
    if lines.empty:
        return bill
    grand = bill.iloc[[-1]].copy()
    for col in ("capex_sek", "opex_sek_per_year", "total_cost_sek"):
        grand[col] = float(grand[col].iloc[0]) + float(lines[col].sum())
    parts = [bill.iloc[:-1], lines, grand]
    out = pd.concat([p.astype(object) for p in parts], ignore_index=True)
    for col in ("unit_price_sek", "capex_sek", "opex_sek_per_year", "total_cost_sek"):
        out[col] = out[col].astype(float)
    return out[list(BOQ_COLUMNS)]
