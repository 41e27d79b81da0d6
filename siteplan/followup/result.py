"""Typed results of the follow-up: effect measures, economics and the whole report.

Every part is a frozen dataclass with a ``to_dict`` giving the JSON-ready values written to
``followup.json``; :meth:`FollowupResult.to_json` gives the file's text. Only counts are held
here, never an incident's position.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from siteplan.followup.controls import Controls
    from siteplan.followup.economics import Period
    from siteplan.followup.measures import MeasureEffects
    from siteplan.followup.money import Money
    from siteplan.followup.operations import Operations

__all__ = [
    "GROUPS",
    "SHARED_AREA",
    "SPENDING_CATEGORIES",
    "BeforeAfter",
    "Counts",
    "DidResult",
    "Displacement",
    "Economics",
    "EffectLine",
    "EffectSummary",
    "EventStudy",
    "EventTime",
    "FollowupMeta",
    "FollowupResult",
    "GroupTime",
    "IncidentTally",
    "Installation",
    "MonthlyCounts",
    "MonthlySpend",
    "NotEstimable",
    "Note",
    "OddsRatio",
    "PanelSpan",
    "PooledOddsRatio",
    "SiteEffect",
    "SiteEffects",
    "SiteInference",
    "UnitTally",
    "WeightedDisplacement",
    "Window",
    "Windows",
    "jsonable",
]

#: The comparison groups, in report order.
GROUPS: tuple[str, str, str] = ("treated", "buffer", "control")
#: The closed vocabulary of the spending lines' ``category``, in report order.
SPENDING_CATEGORIES: tuple[str, ...] = (
    "camera",
    "mount",
    "connectivity",
    "vms",
    "operation",
    "paperwork",
    "other",
)
#: Name used for spending lines without an area (shared costs such as the VMS).
SHARED_AREA = "(shared)"


def jsonable(obj: Any) -> Any:
    """
    Plain JSON values: NaN/inf become None, numpy scalars Python numbers, dates ISO text.

    Parameters
    ----------
    obj
        Nested dicts, lists, tuples and scalars.

    Returns
    -------
    value
        The same structure with JSON-ready leaves (tuples become lists).
    """
    if isinstance(obj, Mapping):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dt.date | pd.Timestamp):
        return obj.isoformat()
    return obj


@dataclass(frozen=True)
class OddsRatio:
    """
    Before/after odds ratio of treated vs. control counts (see :func:`~.effects.odds_ratio`).

    Attributes
    ----------
    a, b, c, d
        The counts as given: treated before/after, control before/after.
    odds_ratio, ci_low, ci_high
        ``(a·d)/(b·c)`` and its 95 % confidence interval.
    log_or, var_log_or
        Its logarithm and the variance of the logarithm.
    p_value
        Two-sided, normal approximation.
    significant
        The interval excludes 1.
    relative_change
        ``1/OR − 1``: the treated area's change beyond the control's trend.
    continuity_correction
        0.5 was added to every count because one was 0.
    """

    a: float
    b: float
    c: float
    d: float
    odds_ratio: float
    ci_low: float
    ci_high: float
    log_or: float
    var_log_or: float
    p_value: float
    significant: bool
    relative_change: float
    continuity_correction: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready values."""
        return asdict(self)


@dataclass(frozen=True)
class Displacement:
    """
    Weighted displacement quotient of the buffer ring (see :func:`~.effects.displacement`).

    Attributes
    ----------
    r_before, r_after, b_before, b_after, c_before, c_after
        Counts in the response (treated), buffer and control areas.
    wdq
        The quotient; None when undefined.
    success_measure, buffer_measure
        ``Ra/Ca − Rb/Cb`` and ``Ba/Ca − Bb/Cb``; None without control counts.
    interpretation
        ``no_control``, ``no_success``, ``net_loss``, ``displacement``, ``none``,
        ``diffusion`` or ``diffusion_exceeds``.
    """

    r_before: float
    r_after: float
    b_before: float
    b_after: float
    c_before: float
    c_after: float
    wdq: float | None
    success_measure: float | None
    buffer_measure: float | None
    interpretation: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready values."""
        return asdict(self)


@dataclass(frozen=True)
class WeightedDisplacement:
    """
    Weighted displacement difference test (see :func:`~.effects.weighted_displacement_difference`).

    Attributes
    ----------
    wdd, se, ci_low, ci_high
        Net change in incidents in the treated area and buffer beyond the controls'
        (negative: fewer), its standard error and 95 % interval; None without control counts.
    z, p_value
        Its z statistic and two-sided p-value.
    scale_treated, scale_buffer
        The factors that scale the control counts to the treated area and the buffer.
    small_counts
        A treated or buffer count is below 10: read both displacement measures with care.
    """

    wdd: float | None
    se: float | None
    ci_low: float | None
    ci_high: float | None
    z: float | None
    p_value: float | None
    scale_treated: float | None
    scale_buffer: float | None
    small_counts: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready values."""
        return asdict(self)


@dataclass(frozen=True)
class DidResult:
    """
    Difference-in-differences count model (see :func:`~.inference.did_poisson`).

    Attributes
    ----------
    irr, ci_low, ci_high
        Incident-rate ratio ``exp(β)`` and its 95 % interval (cluster-robust by unit).
    p_value, beta, se
        Two-sided p-value, the coefficient and its standard error.
    significant
        The interval excludes 1.
    model
        ``"poisson"`` or ``"negative_binomial"``.
    dispersion
        Pearson χ²/df of the Poisson fit.
    alpha
        Negative-binomial α; None for Poisson.
    converged
        The fit converged.
    n_obs, n_units, n_treated_units, n_periods, n_units_dropped, n_periods_dropped
        Sizes of the fitted panel and what was dropped (no incidents at all).
    """

    irr: float
    ci_low: float
    ci_high: float
    p_value: float
    beta: float
    se: float
    significant: bool
    model: str
    dispersion: float
    alpha: float | None
    converged: bool
    n_obs: int
    n_units: int
    n_treated_units: int
    n_periods: int
    n_units_dropped: int
    n_periods_dropped: int
    estimable: bool = field(default=True, init=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready values, with ``estimable`` true."""
        return asdict(self)


@dataclass(frozen=True)
class NotEstimable:
    """
    The difference-in-differences model could not be fitted.

    Attributes
    ----------
    reason
        Why, in words.
    """

    reason: str
    estimable: bool = field(default=False, init=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready values, with ``estimable`` false."""
        return {"estimable": False, "reason": self.reason}


def _pct(log_value: float | None) -> float | None:
    """``exp(x) − 1``: a log effect as a change in incidents (−0.3 = 30 % fewer)."""
    return None if log_value is None else math.expm1(log_value)


@dataclass(frozen=True)
class SiteInference:
    """
    One inference procedure's estimate of the effect over camera sites.

    All effects point one way: ``change`` is the change in incidents beyond the controls'
    (``exp(τ) − 1``; −0.3 = 30 % fewer), and so are the interval ends.

    Attributes
    ----------
    method
        ``"randomization"`` or ``"wild_cluster_bootstrap"``.
    log_effect
        τ, the difference of mean log changes (treated − control).
    change, change_low, change_high
        The change in incidents and its interval; an end is None when the data cannot bound
        it.
    p_value
        Two-sided p-value of "no effect".
    significant
        p < α.
    alpha
        The level of the test (1 − confidence level).
    n_treated, n_control
        Camera sites and eligible control sites.
    n_draws
        Placebo assignments (or bootstrap draws) used.
    exact
        Every placebo assignment was enumerated.
    """

    method: str
    log_effect: float
    change: float
    change_low: float | None
    change_high: float | None
    p_value: float
    significant: bool
    alpha: float
    n_treated: int
    n_control: int
    n_draws: int
    exact: bool

    @classmethod
    def build(
        cls,
        *,
        method: str,
        log_effect: float,
        p_value: float,
        log_low: float | None,
        log_high: float | None,
        alpha: float,
        n_treated: int,
        n_control: int,
        n_draws: int,
        exact: bool,
    ) -> SiteInference:
        """The result from the log-scale estimate and interval ends."""
        return cls(
            method=method,
            log_effect=log_effect,
            change=math.expm1(log_effect),
            change_low=_pct(log_low),
            change_high=_pct(log_high),
            p_value=p_value,
            significant=p_value < alpha,
            alpha=alpha,
            n_treated=n_treated,
            n_control=n_control,
            n_draws=n_draws,
            exact=exact,
        )

    def covers(self, change: float) -> bool:
        """Whether the interval holds `change` (a change in incidents, e.g. −0.3)."""
        lo = -1.0 if self.change_low is None else self.change_low
        hi = math.inf if self.change_high is None else self.change_high
        return lo <= change <= hi

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready values, with ``estimable`` true."""
        return {**asdict(self), "estimable": True}


@dataclass(frozen=True)
class SiteEffect:
    """
    One camera site's own before/after comparison with its matched controls.

    Attributes
    ----------
    site_id, installed_on
        The site and its (first) installation day.
    before, after
        Its windows: after from the day after installation to the period end (at most a
        year), before the same calendar days whole years earlier, ending before installation.
    n_units, n_control_units
        Its treated units and their matched control units.
    a, b, c, d
        Incidents: the site before/after, its controls before/after.
    odds_ratio, ci_low, ci_high
        ``(a·d)/(b·c)`` (> 1: relatively fewer at the site) with a 95 % interval whose
        variance is inflated by the overdispersion.
    var_log_or
        ``φ · (1/a + 1/b + 1/c + 1/d)`` (0.5 added to every count when one is 0).
    change, change_low, change_high
        The same as a change in incidents at the site beyond its controls' (``1/OR − 1``).
    """

    site_id: str
    installed_on: dt.date
    before: Window
    after: Window
    n_units: int
    n_control_units: int
    a: int
    b: int
    c: int
    d: int
    odds_ratio: float
    ci_low: float
    ci_high: float
    var_log_or: float
    change: float
    change_low: float
    change_high: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready values."""
        out = asdict(self)
        out.update(
            installed_on=self.installed_on.isoformat(),
            before=self.before.to_dict(),
            after=self.after.to_dict(),
        )
        return out


@dataclass(frozen=True)
class PooledOddsRatio:
    """
    Random-effects pooling of the sites' odds ratios (DerSimonian & Laird 1986).

    Attributes
    ----------
    odds_ratio, ci_low, ci_high
        The pooled odds ratio (> 1: relatively fewer at the sites) and its 95 % interval.
    change, change_low, change_high
        The same as a change in incidents (``1/OR − 1``).
    tau2, i2, q
        Between-site variance of the log odds ratios, the share of variation due to it, and
        Cochran's Q.
    n_sites
        Sites pooled.
    """

    odds_ratio: float
    ci_low: float
    ci_high: float
    change: float
    change_low: float
    change_high: float
    tau2: float
    i2: float
    q: float
    n_sites: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready values."""
        return asdict(self)


@dataclass(frozen=True)
class SiteEffects:
    """
    The effect over camera sites, each with its own windows: the follow-up's headline.

    Attributes
    ----------
    sites
        Each site's comparison.
    pooled
        Random-effects pooled odds ratio; None without sites.
    randomization, bootstrap
        Randomization inference and the wild cluster bootstrap over the sites' log changes
        (camera sites vs. their control sites); or why they could not be made.
    dispersion
        φ, the overdispersion of monthly counts in the before windows (at least 1) that
        inflates every odds-ratio variance.
    min_treated_sites
        Fewer camera sites than this cannot show an effect either way.
    conclusive
        There are at least `min_treated_sites` camera sites.
    matching_window
        The window the controls were matched on: strictly before every before window.
    n_sites_without_after
        Sites installed on the period's last day (no after window; left out).
    """

    sites: tuple[SiteEffect, ...]
    pooled: PooledOddsRatio | None
    randomization: SiteInference | NotEstimable
    bootstrap: SiteInference | NotEstimable
    dispersion: float
    min_treated_sites: int
    conclusive: bool
    matching_window: Window
    n_sites_without_after: int = 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready values."""
        return {
            "sites": [s.to_dict() for s in self.sites],
            "pooled": None if self.pooled is None else self.pooled.to_dict(),
            "randomization": self.randomization.to_dict(),
            "bootstrap": self.bootstrap.to_dict(),
            "dispersion": self.dispersion,
            "min_treated_sites": self.min_treated_sites,
            "n_treated_sites": len(self.sites),
            "conclusive": self.conclusive,
            "matching_window": self.matching_window.to_dict(),
            "n_sites_without_after": self.n_sites_without_after,
        }


@dataclass(frozen=True)
class EffectLine:
    """
    One estimate of the effect as a change in incidents (−0.3 = 30 % fewer), with its interval.

    Attributes
    ----------
    method
        ``randomization``, ``wild_cluster_bootstrap``, ``pooled_sites``, ``odds_ratio`` or
        ``twfe`` (two-way fixed effects, a comparison only).
    change, change_low, change_high
        The change and its 95 % interval; an end is None when the data cannot bound it.
    p_value
        Two-sided p-value of "no change"; None when the method gives none.
    """

    method: str
    change: float
    change_low: float | None
    change_high: float | None
    p_value: float | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready values."""
        return asdict(self)


@dataclass(frozen=True)
class EffectSummary:
    """
    What the report may say about the effect, and every estimate in one direction.

    Attributes
    ----------
    verdict
        ``too_few_sites`` (fewer camera sites than the minimum: the data cannot show an
        effect either way), ``uncertain`` (the interval holds no change: not statistically
        established), ``clear`` (the headline test rejects no change at 5 %) or
        ``not_estimable``.
    headline
        The estimate the verdict rests on (randomization inference over the sites); None
        when not estimable.
    lines
        Every estimate, headline first, the two-way fixed-effects model last.
    """

    verdict: str
    headline: EffectLine | None
    lines: tuple[EffectLine, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready values."""
        return {
            "verdict": self.verdict,
            "headline": None if self.headline is None else self.headline.to_dict(),
            "lines": [line.to_dict() for line in self.lines],
        }


@dataclass(frozen=True)
class EventTime:
    """
    The effect e bins after installation (negative e: before), relative to e = −1.

    Attributes
    ----------
    e
        Event bin (quarters from the day after installation).
    log_effect, se
        θ(e), the cohort-weighted log ratio of ratios, and its standard error.
    change, change_low, change_high
        ``exp(θ) − 1`` (a change in incidents) and its 95 % interval.
    n_sites
        Camera sites observed at e and at −1.
    treated, control
        Incidents in the bin at those sites and at their controls.
    """

    e: int
    log_effect: float
    se: float
    change: float
    change_low: float
    change_high: float
    n_sites: int
    treated: int
    control: int


@dataclass(frozen=True)
class GroupTime:
    """
    A cohort's effect (sites installed in one quarter) over its observed post bins.

    Attributes
    ----------
    cohort
        The installation quarter (``2025Q1``), or ``all`` for the site-weighted average.
    n_sites, n_bins
        Sites in the cohort and post bins observed.
    log_effect, se, change, change_low, change_high
        As for :class:`EventTime`.
    """

    cohort: str
    n_sites: int
    n_bins: int
    log_effect: float
    se: float
    change: float
    change_low: float
    change_high: float


@dataclass(frozen=True)
class EventStudy:
    """
    Staggered adoption: the event study by quarter, group-time effects, the pre-trend test.

    Attributes
    ----------
    bin_days
        Length of an event bin.
    events
        θ(e) for every observed bin, leads first; e = −1 is the base (0).
    cohorts
        Each installation cohort's effect.
    overall
        The cohorts' site-weighted average; None without a cohort.
    pretrend_chi2, pretrend_df, pretrend_p
        Wald test that every lead (e ≤ −2) is 0; None without leads.
    pretrend_flag
        The test rejects at 5 %: the camera sites were already changing differently before
        installation, and the after/before comparisons are suspect.
    """

    bin_days: int
    events: tuple[EventTime, ...]
    cohorts: tuple[GroupTime, ...]
    overall: GroupTime | None
    pretrend_chi2: float | None
    pretrend_df: int
    pretrend_p: float | None
    pretrend_flag: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready values."""
        return asdict(self)


@dataclass(frozen=True)
class MonthlySpend:
    """Spending so far in the year at the end of a month."""

    month: str
    spent_sek: float


@dataclass(frozen=True)
class Economics:
    """
    Spending in the period against the budget (see :func:`~.economics.economics`).

    Attributes
    ----------
    spent_sek, budget_sek, remaining_sek
        Spent in the period, the budget, and what is left.
    share_of_budget
        Spent / budget; None for a zero budget.
    by_category
        Spent per category, every category in vocabulary order.
    by_area
        Spent per area, sorted, shared costs last.
    n_cameras
        Cameras installed by the end of the period.
    cost_per_camera_sek
        Spent / cameras; None without cameras.
    covered_km, cost_per_km_sek
        Corridor length inside the footprints and spent per km; None when unknown.
    planned_cost_sek
        The plan's total cost of the installed cameras; None when not given.
    spent_year_to_date_sek, forecast_year_end_sek, forecast_vs_budget_sek
        Spent from 1 January, its linear year-end forecast and that minus the budget.
    cumulative
        Spending so far in the year at the end of each month.
    """

    spent_sek: float
    budget_sek: float
    remaining_sek: float
    share_of_budget: float | None
    by_category: Mapping[str, float]
    by_area: Mapping[str, float]
    n_cameras: int
    cost_per_camera_sek: float | None
    covered_km: float | None
    cost_per_km_sek: float | None
    planned_cost_sek: float | None
    spent_year_to_date_sek: float
    forecast_year_end_sek: float
    forecast_vs_budget_sek: float
    cumulative: tuple[MonthlySpend, ...]

    @property
    def shared_area(self) -> str:
        """The :attr:`by_area` key of costs without an area (:data:`SHARED_AREA`)."""
        return SHARED_AREA

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready values."""
        out = asdict(self)
        out["by_category"] = dict(self.by_category)
        out["by_area"] = dict(self.by_area)
        out["cumulative"] = [asdict(m) for m in self.cumulative]
        return out


@dataclass(frozen=True)
class FollowupMeta:
    """What was followed up and how: scenario, period, units and settings."""

    scenario: str
    title: str
    fictional: bool
    lang: str
    timezone: str
    period: Period
    unit_kind: str
    buffer_m: float
    min_overlap: float
    n_per_treated: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready values."""
        out = {k: getattr(self, k) for k in self.__dataclass_fields__}
        out["period"] = self.period.as_dict()
        return out


@dataclass(frozen=True)
class Installation:
    """
    The cameras installed by the end of the period.

    Attributes
    ----------
    n_installed, n_sites
        Cameras and sites.
    n_installed_after_period
        Cameras in the file installed after the period (left out).
    first, last
        First and last installation day.
    by_month
        Cameras installed per month (``YYYY-MM``).
    footprints
        Cameras per footprint source: ``plan``, ``moved`` (rebuilt) or ``wedge``.
    """

    n_installed: int
    n_sites: int
    n_installed_after_period: int
    first: dt.date
    last: dt.date
    by_month: Mapping[str, int]
    footprints: Mapping[str, int]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready values."""
        out = {k: getattr(self, k) for k in self.__dataclass_fields__}
        out.update(
            first=self.first.isoformat(),
            last=self.last.isoformat(),
            by_month=dict(self.by_month),
            footprints=dict(self.footprints),
        )
        return out


@dataclass(frozen=True)
class Window:
    """A window of whole days, both ends included."""

    start: dt.date
    end: dt.date

    def to_dict(self) -> dict[str, str]:
        """ISO dates."""
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}


@dataclass(frozen=True)
class Windows:
    """The after window (last installation to period end) and the same dates a year before."""

    before: Window
    after: Window

    def to_dict(self) -> dict[str, dict[str, str]]:
        """ISO dates per window."""
        return {"after": self.after.to_dict(), "before": self.before.to_dict()}


@dataclass(frozen=True)
class PanelSpan:
    """Months of the difference-in-differences panel and its number of rows."""

    start: dt.date
    end: dt.date
    n_rows: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready values."""
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "n_rows": self.n_rows}


@dataclass(frozen=True)
class UnitTally:
    """Units in the study and in each comparison group."""

    n_units: int
    n_treated: int
    n_buffer: int
    n_control: int

    def to_dict(self) -> dict[str, int]:
        """JSON-ready values."""
        return asdict(self)


@dataclass(frozen=True)
class BeforeAfter:
    """Incidents in one group's units in the before and after windows."""

    before: int
    after: int


@dataclass(frozen=True)
class Counts:
    """Before/after incident counts of the three comparison groups."""

    treated: BeforeAfter
    buffer: BeforeAfter
    control: BeforeAfter

    def to_dict(self) -> dict[str, dict[str, int]]:
        """JSON-ready values."""
        return asdict(self)


@dataclass(frozen=True)
class IncidentTally:
    """Incidents with a point, area-level incidents (left out), and points in no unit."""

    n_points: int
    n_area_level: int
    n_outside_units: int

    def to_dict(self) -> dict[str, int]:
        """JSON-ready values."""
        return asdict(self)


@dataclass(frozen=True)
class MonthlyCounts:
    """Incidents per comparison group in one month of the panel."""

    month: str
    treated: int
    buffer: int
    control: int


@dataclass(frozen=True)
class Note:
    """
    A remark for the report: a code (an i18n key under ``followup.note.``) and its values.

    Attributes
    ----------
    code
        E.g. ``"short_after"``.
    values
        The values the label needs, e.g. ``{"days": 45}``.
    """

    code: str
    values: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """``{"code": ..., **values}``."""
        return {"code": self.code, **self.values}


@dataclass(frozen=True)
class FollowupResult:
    """
    Everything a follow-up produced; the renderer and ``followup.json`` only read this.

    Attributes
    ----------
    meta, installation, windows, panel, units, counts, incidents
        What was compared, and how many.
    odds_ratio
        Before/after odds ratio, treated vs. control.
    did
        The difference-in-differences estimate, or why it could not be made.
    displacement
        Weighted displacement quotient of the buffer ring.
    economics
        Spending against the budget.
    monthly
        Incidents per group and month over the panel.
    notes
        Remarks on the data and the method.
    unit_roles
        Per unit (index: its id): ``role``, ``group`` (``treated``, ``buffer``, ``control``
        or ``other``), ``intervention`` (touches another intervention's area),
        ``installed_on``, ``overlap`` and ``covered_m``. Not written to JSON.
    sites
        The effect over camera sites, each in its own windows, with inference that stays
        valid with few sites (the headline).
    money
        Investment and running lines, depreciation, the forecast from plan and run rate, the
        contract value against the threshold, and storage sizing.
    controls
        Units left out of the controls for other interventions, and regression to the mean
        at the camera sites.
    operations
        Footage disclosures to the police and camera uptime per site (empty when the
        coordinator's files were not given).
    displacement_test
        The weighted displacement difference test of the buffer ring.
    event_study
        Group-time effects by installation quarter, the event study and its pre-trend test.
    effect
        The verdict the report may state and every estimate as a change in incidents.
    panel_rows
        The unit × month panel the model was fitted on. Not written to JSON.
    cluster_counts
        Per cluster (a camera site or one of its control sites): ``site_id``, ``treated``,
        ``n_units``, the windows and the counts in them. Not written to JSON.
    measures
        Installed non-camera measures (lighting first), each followed up like a camera site;
        None when no measures file was given (and then not written to JSON).
    """

    meta: FollowupMeta
    installation: Installation
    windows: Windows
    panel: PanelSpan
    units: UnitTally
    counts: Counts
    incidents: IncidentTally
    odds_ratio: OddsRatio
    did: DidResult | NotEstimable
    displacement: Displacement
    economics: Economics
    monthly: tuple[MonthlyCounts, ...]
    notes: tuple[Note, ...]
    sites: SiteEffects
    effect: EffectSummary
    event_study: EventStudy
    displacement_test: WeightedDisplacement
    money: Money
    controls: Controls
    operations: Operations
    unit_roles: pd.DataFrame = field(repr=False, compare=False)
    panel_rows: pd.DataFrame = field(repr=False, compare=False)
    cluster_counts: pd.DataFrame = field(repr=False, compare=False)
    measures: MeasureEffects | None = None

    def to_dict(self) -> dict[str, Any]:
        """
        The JSON-ready report: the keys and numbers of ``followup.json``.

        Returns
        -------
        report
            ``meta``, ``installation``, ``windows``, ``panel``, ``units``, ``counts``,
            ``incidents``, ``odds_ratio``, ``did``, ``displacement``, ``economics``,
            ``monthly``, ``notes``, ``sites``, ``effect``, ``event_study``,
            ``displacement_test``, ``money``, ``controls`` and ``operations`` (and
            ``measures`` when installed measures were followed up); only counts, never points.
        """
        report = {
            "meta": self.meta.to_dict(),
            "installation": self.installation.to_dict(),
            "windows": self.windows.to_dict(),
            "panel": self.panel.to_dict(),
            "units": self.units.to_dict(),
            "counts": self.counts.to_dict(),
            "incidents": self.incidents.to_dict(),
            "odds_ratio": self.odds_ratio.to_dict(),
            "did": self.did.to_dict(),
            "displacement": self.displacement.to_dict(),
            "economics": self.economics.to_dict(),
            "monthly": [asdict(m) for m in self.monthly],
            "notes": [n.to_dict() for n in self.notes],
            "sites": self.sites.to_dict(),
            "effect": self.effect.to_dict(),
            "event_study": self.event_study.to_dict(),
            "displacement_test": self.displacement_test.to_dict(),
            "money": self.money.to_dict(),
            "controls": self.controls.to_dict(),
            "operations": self.operations.to_dict(),
        }
        if self.measures is not None:
            report["measures"] = self.measures.to_dict()
        return dict(jsonable(report))

    def to_json(self) -> str:
        """
        The text of ``followup.json``: sorted keys, two-space indent, a final newline.

        Returns
        -------
        text
            The JSON document.
        """
        text = json.dumps(
            self.to_dict(), indent=2, ensure_ascii=False, sort_keys=True, allow_nan=False
        )
        return text + "\n"
