"""The budget chief's view: investment and running lines, forecast, procurement, storage.

Investment (cameras, mounting, connectivity, VMS licences, paperwork, other one-off costs) and
running costs (operation) are kept on separate lines against separate budget lines. The
year-end forecast is the planned remaining investment plus the running-cost run rate (the mean
of the last three months) for the months left, never a linear extrapolation of spending to date:
investment comes early and would be counted again. The contract value counts investment,
operation over the contract period and options (DOMAIN §8) and is compared with the
direct-procurement threshold the user gave. Storage for the retention period follows from the
bitrate (resolution × frame rate × bits per pixel of the codec × scene activity).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from siteplan.config import Scenario

__all__ = ["RUNNING_CATEGORIES", "Money", "Procurement", "SiteStorage", "money", "storage"]

#: Spending categories that are running costs; every other category is investment.
RUNNING_CATEGORIES: tuple[str, ...] = ("operation",)
#: Bits per pixel and frame of each codec at medium scene activity (typical surveillance rates).
BITS_PER_PIXEL = {"h264": 0.10, "h265": 0.06, "mjpeg": 0.80}
#: Bitrate factor of the scene activity.
ACTIVITY = {"low": 0.5, "medium": 1.0, "high": 1.8}


@dataclass(frozen=True)
class Procurement:
    """Contract value (investment + operation over the contract + options) vs the threshold."""

    contract_value_sek: float
    investment_sek: float
    operation_sek: float
    options_sek: float
    contract_years: float
    threshold_sek: float | None
    threshold_year: int | None
    threshold_source: str | None
    above_threshold: bool | None


@dataclass(frozen=True)
class SiteStorage:
    """Recording bitrate and storage for the retention period of one site."""

    site_id: str
    n_cameras: int
    bitrate_mbps: float
    storage_tb: float


@dataclass(frozen=True)
class Money:
    """
    Investment and running costs on separate lines, depreciation, forecast, contract, storage.

    Attributes
    ----------
    investment_sek, running_sek
        Spent from 1 January to the period end on each line.
    investment_budget_sek, running_budget_sek
        The budget lines (running None: one budget for both, on the investment line).
    depreciation_years, depreciation_per_year_sek
        Straight-line depreciation of the investment to date.
    committed_investment_sek
        The year's planned investment (config, else the cameras' planned capex).
    remaining_investment_sek
        Committed less spent, not below 0.
    run_rate_per_month_sek, months_left
        Running costs per month over the last three months, and months left in the year.
    forecast_investment_sek, forecast_running_sek, forecast_total_sek
        Year-end forecast: spent + remaining investment; spent + run rate × months left.
    procurement
        The contract value against the direct-procurement threshold.
    storage
        Per site; ``storage_total_tb`` and ``bitrate_total_mbps`` sum them.
    retention_days, codec, frame_rate_fps, scene_activity
        The storage assumptions.
    """

    investment_sek: float
    running_sek: float
    investment_budget_sek: float
    running_budget_sek: float | None
    depreciation_years: float
    depreciation_per_year_sek: float
    committed_investment_sek: float
    remaining_investment_sek: float
    run_rate_per_month_sek: float
    months_left: int
    forecast_investment_sek: float
    forecast_running_sek: float
    forecast_total_sek: float
    procurement: Procurement
    storage: tuple[SiteStorage, ...]
    storage_total_tb: float
    bitrate_total_mbps: float
    retention_days: int
    codec: str
    frame_rate_fps: float
    scene_activity: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready values."""
        return asdict(self)


def money(
    spending: pd.DataFrame, *, end: dt.date, cameras: pd.DataFrame, scenario: Scenario
) -> Money:
    """
    The money view of the year up to `end`.

    Parameters
    ----------
    spending
        From :func:`siteplan.io.spending.load_spending`.
    end
        The period's last day; the year is its calendar year.
    cameras
        Every camera in the installed-cameras file (also those installed after `end`), with
        ``capex_sek`` and ``opex_sek_per_year`` when known, ``model`` and ``site_id``.
    scenario
        Budget, the ``[followup]`` keys and the camera catalogue.

    Returns
    -------
    result
        The lines, the forecast, the procurement check and the storage sizing.
    """
    cfg = scenario.followup
    day = pd.to_datetime(spending["date"])
    last = pd.Timestamp(end)
    ytd = spending.loc[(day >= pd.Timestamp(last.year, 1, 1)) & (day <= last)]
    running_mask = ytd["category"].isin(RUNNING_CATEGORIES)
    invest, running = (
        float(ytd.loc[~running_mask, "amount_sek"].sum()),
        float(ytd.loc[running_mask, "amount_sek"].sum()),
    )
    recent = ytd.loc[running_mask & (day[ytd.index] > last - pd.DateOffset(months=3))]
    run_rate = float(recent["amount_sek"].sum()) / 3
    capex = _column_sum(cameras, "capex_sek")
    committed = cfg.planned_investment_sek if cfg.planned_investment_sek is not None else capex
    committed = max(committed, invest) if committed is not None else invest
    remaining = max(0.0, committed - invest)
    months_left = 12 - last.month
    running_budget = cfg.running_budget_sek
    invest_budget = cfg.investment_budget_sek
    if invest_budget is None:
        invest_budget = scenario.budget.total_sek - (running_budget or 0.0)
    opex_year = _column_sum(cameras, "opex_sek_per_year") or run_rate * 12
    sites = storage(cameras, scenario)
    return Money(
        investment_sek=invest,
        running_sek=running,
        investment_budget_sek=float(invest_budget),
        running_budget_sek=running_budget,
        depreciation_years=cfg.depreciation_years,
        depreciation_per_year_sek=invest / cfg.depreciation_years,
        committed_investment_sek=committed,
        remaining_investment_sek=remaining,
        run_rate_per_month_sek=run_rate,
        months_left=months_left,
        forecast_investment_sek=invest + remaining,
        forecast_running_sek=running + run_rate * months_left,
        forecast_total_sek=invest + remaining + running + run_rate * months_left,
        procurement=_procurement(committed, opex_year, scenario),
        storage=sites,
        storage_total_tb=sum(s.storage_tb for s in sites),
        bitrate_total_mbps=sum(s.bitrate_mbps for s in sites),
        retention_days=_retention(scenario),
        codec=cfg.codec,
        frame_rate_fps=cfg.frame_rate_fps,
        scene_activity=cfg.scene_activity,
    )


def _column_sum(frame: pd.DataFrame, col: str) -> float | None:
    if col not in frame.columns:
        return None
    return float(pd.to_numeric(frame[col], errors="coerce").fillna(0).sum())


def _retention(scenario: Scenario) -> int:
    days = scenario.followup.retention_days
    return int(days if days is not None else scenario.output.retention_days)


def _procurement(investment: float, opex_year: float, scenario: Scenario) -> Procurement:
    """Contract value including operation over the contract period and options."""
    cfg = scenario.followup
    operation = opex_year * cfg.contract_years
    value = investment + operation + cfg.contract_options_sek
    limit = cfg.direct_procurement_threshold_sek
    return Procurement(
        contract_value_sek=value,
        investment_sek=investment,
        operation_sek=operation,
        options_sek=cfg.contract_options_sek,
        contract_years=cfg.contract_years,
        threshold_sek=limit,
        threshold_year=cfg.threshold_year,
        threshold_source=cfg.threshold_source,
        above_threshold=None if limit is None else value >= limit,
    )


def storage(cameras: pd.DataFrame, scenario: Scenario) -> tuple[SiteStorage, ...]:
    """
    Bitrate and storage per site for continuous recording over the retention period.

    Parameters
    ----------
    cameras
        Cameras with ``model`` (the catalogue's horizontal pixels; 2560 when unknown) and
        ``site_id`` (else each camera is its own site).
    scenario
        The ``[followup]`` storage keys and the camera catalogue.

    Returns
    -------
    sites
        ``bitrate_mbps = h × v × fps × bits per pixel × activity / 10⁶`` summed over the
        site's cameras; ``storage_tb = bitrate × 86 400 × retention days / 8 / 10⁶``.
    """
    cfg = scenario.followup
    known = {c.model: c.horizontal_px for c in scenario.cameras}
    models = cameras["model"] if "model" in cameras.columns else pd.Series("", index=cameras.index)
    h = models.map(lambda m: known.get(m, 2560)).astype(float)
    v = float(cfg.vertical_px) if cfg.vertical_px is not None else h * 9 / 16
    factor = cfg.frame_rate_fps * BITS_PER_PIXEL[cfg.codec] * ACTIVITY[cfg.scene_activity] / 1e6
    mbps = h * v * factor
    site = cameras["site_id"] if "site_id" in cameras.columns else cameras.index.to_series()
    days = _retention(scenario)
    per_site = mbps.groupby(site.astype(str).to_numpy()).agg(["sum", "size"])
    return tuple(
        SiteStorage(
            str(s), int(row["size"]), float(row["sum"]), float(row["sum"]) * 86_400 * days / 8 / 1e6
        )
        for s, row in per_site.iterrows()
    )
