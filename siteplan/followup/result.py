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
    from siteplan.followup.economics import Period

__all__ = [
    "GROUPS",
    "SHARED_AREA",
    "SPENDING_CATEGORIES",
    "BeforeAfter",
    "Counts",
    "DidResult",
    "Displacement",
    "Economics",
    "FollowupMeta",
    "FollowupResult",
    "IncidentTally",
    "Installation",
    "MonthlyCounts",
    "MonthlySpend",
    "NotEstimable",
    "Note",
    "OddsRatio",
    "PanelSpan",
    "UnitTally",
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
        or ``other``), ``installed_on``, ``overlap`` and ``covered_m``. Not written to JSON.
    panel_rows
        The unit × month panel the model was fitted on. Not written to JSON.
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
    unit_roles: pd.DataFrame = field(repr=False, compare=False)
    panel_rows: pd.DataFrame = field(repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """
        The JSON-ready report: the keys and numbers of ``followup.json``.

        Returns
        -------
        report
            ``meta``, ``installation``, ``windows``, ``panel``, ``units``, ``counts``,
            ``incidents``, ``odds_ratio``, ``did``, ``displacement``, ``economics``,
            ``monthly`` and ``notes``; only counts, never points.
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
        }
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
