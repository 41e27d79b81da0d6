"""The measure catalogue: built-in defaults per kind and the scenario's measures resolved.

The defaults (costs, reach, hours and the cited effect prior of each kind) are data: the
``defaults.toml`` file shipped in this package, read with :mod:`importlib.resources`. A
scenario's ``[[measures]]`` entry takes every key it leaves unset from the default of its kind.
"""

from __future__ import annotations

import dataclasses
import importlib.resources
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, get_args

import numpy as np
import pydantic

from siteplan.config import (
    EffectPrior,
    Evidence,
    MeasureConfig,
    MeasureHours,
    MeasureKind,
    MeasureUnit,
)
from siteplan.errors import InputError

__all__ = ["MEASURE_KINDS", "Measure", "default_measures", "resolve"]

#: The kinds of measure, in the order of the defaults file.
MEASURE_KINDS: tuple[MeasureKind, ...] = get_args(MeasureKind)

_DEFAULTS_FILE = "defaults.toml"


class _KindDefaults(pydantic.BaseModel):
    """One kind's table in the defaults file (checked so a broken install fails clearly)."""

    model_config = pydantic.ConfigDict(frozen=True, extra="forbid")

    title: str = pydantic.Field(min_length=1)
    title_sv: str | None = None
    unit: MeasureUnit
    capex_sek: float = pydantic.Field(ge=0.0)
    opex_sek_per_year: float = pydantic.Field(default=0.0, ge=0.0)
    reach_m: float | None = pydantic.Field(default=None, gt=0.0)
    categories: list[str] | None = pydantic.Field(default=None, min_length=1)
    hours: MeasureHours = "all"
    perceived_effect: float = pydantic.Field(default=0.0, ge=0.0, le=1.0)
    lamp_spacing_m: float | None = pydantic.Field(default=None, gt=0.0)
    effect: EffectPrior


#: Keys of MeasureConfig copied as they are when the scenario sets them.
_PLAIN_KEYS = (
    "title",
    "unit",
    "capex_sek",
    "opex_sek_per_year",
    "reach_m",
    "hours",
    "perceived_effect",
    "lamp_spacing_m",
)


@dataclass(frozen=True)
class Measure:
    """
    A safety measure with every value filled in: costs, reach, hours and its effect prior.

    Attributes
    ----------
    name
        Unique name (the scenario's, or the kind for a built-in default).
    kind
        camera, lighting, help_point, vegetation or custom.
    title
        Title in maps and reports (English, or the scenario's own title).
    unit
        What `capex_sek` and `opex_sek_per_year` are per: m, lamp, site or camera.
    capex_sek
        Investment per unit (0 for cameras, whose costs come from the camera catalogue).
    opex_sek_per_year
        Running cost per unit and year.
    reach_m
        Site measures: radius within which the measure acts; None for corridor measures.
    categories
        Incident categories the measure acts on; None: all.
    hours
        "all", or "darkness" (between sunset and sunrise).
    reduction
        Expected relative reduction of the incidents it acts on (the prior's centre).
    reduction_low, reduction_high
        The prior's 95 % interval.
    source
        Citation of the prior.
    evidence
        Strength of the evidence: strong, moderate or weak.
    perceived_effect
        Share (0–1) of the perceived-safety demand in its reach that the measure addresses.
    lamp_spacing_m
        Lighting: the spacing of new lamps; a corridor stretch farther than half of it from
        every lamp is dark. None for other kinds.
    title_sv
        Swedish title; None: `title`.
    """

    name: str
    kind: MeasureKind
    title: str
    unit: MeasureUnit
    capex_sek: float
    opex_sek_per_year: float
    reach_m: float | None
    categories: tuple[str, ...] | None
    hours: MeasureHours
    reduction: float
    reduction_low: float
    reduction_high: float
    source: str
    evidence: Evidence
    perceived_effect: float
    lamp_spacing_m: float | None
    title_sv: str | None = None

    @property
    def per_corridor(self) -> bool:
        """True when the measure is placed per corridor (units m or lamp), not per site."""
        return self.unit in ("m", "lamp")

    def acts_on(self, categories: Iterable[str]) -> np.ndarray:
        """
        Whether the measure acts on incidents of each of `categories`.

        Parameters
        ----------
        categories
            Incident categories, one per incident.

        Returns
        -------
        mask
            Boolean array, True where the category is one the measure acts on.
        """
        values = np.asarray(list(categories), dtype=object)
        if self.categories is None:
            return np.ones(len(values), dtype=bool)
        return np.isin(values, np.asarray(self.categories, dtype=object))


def _effect_fields(effect: EffectPrior) -> dict[str, Any]:
    """The Measure fields of an effect prior (an unset interval end is the reduction)."""
    return {
        "reduction": effect.reduction,
        "reduction_low": effect.reduction if effect.low is None else effect.low,
        "reduction_high": effect.reduction if effect.high is None else effect.high,
        "source": effect.source,
        "evidence": effect.evidence,
    }


def _measure_from_table(kind: str, table: Mapping[str, Any]) -> Measure:
    """Build the default Measure of `kind` from its table in the defaults file."""
    where = f"siteplan/measures/{_DEFAULTS_FILE} [{kind}]"
    if kind not in MEASURE_KINDS:
        msg = f"{where}: unknown measure kind; known: {list(MEASURE_KINDS)}"
        raise InputError(msg)
    try:
        row = _KindDefaults.model_validate(table)
    except pydantic.ValidationError as err:
        msg = f"{where}: invalid measure defaults: {err}"
        raise InputError(msg) from err
    return Measure(
        name=kind,
        kind=kind,  # type: ignore[arg-type]  # checked against MEASURE_KINDS above
        title=row.title,
        unit=row.unit,
        capex_sek=row.capex_sek,
        opex_sek_per_year=row.opex_sek_per_year,
        reach_m=row.reach_m,
        categories=None if row.categories is None else tuple(row.categories),
        hours=row.hours,
        perceived_effect=row.perceived_effect,
        lamp_spacing_m=row.lamp_spacing_m,
        title_sv=row.title_sv,
        **_effect_fields(row.effect),
    )


def default_measures() -> dict[str, Measure]:
    """
    The built-in default of every measure kind, read from the packaged ``defaults.toml``.

    Returns
    -------
    defaults
        Kind → its default :class:`Measure` (named after the kind), for every kind in
        :data:`MEASURE_KINDS`.

    Raises
    ------
    InputError
        If the packaged file lacks a kind or holds an invalid value (a broken install).
    """
    text = importlib.resources.files(__package__).joinpath(_DEFAULTS_FILE).read_text("utf-8")
    tables = tomllib.loads(text)
    defaults = {kind: _measure_from_table(kind, table) for kind, table in tables.items()}
    missing = [k for k in MEASURE_KINDS if k not in defaults]
    if missing:
        msg = f"siteplan/measures/{_DEFAULTS_FILE}: no defaults for kind(s) {missing}"
        raise InputError(msg)
    return {kind: defaults[kind] for kind in MEASURE_KINDS}


def resolve(configs: Sequence[MeasureConfig]) -> tuple[Measure, ...]:
    """
    The scenario's measures with every unset key filled from the default of their kind.

    A scenario's ``effect`` replaces the kind's prior as a whole (its own source and evidence
    strength; an unset interval end equals the reduction). A scenario's ``title`` is used in
    both languages.

    Parameters
    ----------
    configs
        The scenario's ``[[measures]]`` entries (``Scenario.measures``).

    Returns
    -------
    measures
        One :class:`Measure` per entry, in the scenario's order.
    """
    defaults = default_measures()
    measures = []
    for config in configs:
        base = defaults[config.kind]
        changes: dict[str, Any] = {"name": config.name}
        changes |= {k: getattr(config, k) for k in _PLAIN_KEYS if getattr(config, k) is not None}
        if config.title is not None:
            changes["title_sv"] = config.title
        if config.categories is not None:
            changes["categories"] = tuple(config.categories)
        if config.effect is not None:
            changes |= _effect_fields(config.effect)
        measures.append(dataclasses.replace(base, **changes))
    return tuple(measures)
