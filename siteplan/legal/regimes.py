"""The regimes of the Camera Surveillance Act: dates in force, statute references and wording."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass

from siteplan.config import LegalConfig

log = logging.getLogger(__name__)

#: The closed vocabulary of ``legal_class``.
LEGAL_CLASSES = ("stop_area", "stop_area_borderline", "general")


#: Purposes for which the stop-area exemption applies (crime, public order, accidents).
EXEMPT_PURPOSES = frozenset({"crime", "order", "accident"})


_BORDERLINE_WORDS = "Undantag enligt kommunens tolkning – juridisk granskning rekommenderas"


_NOT_YET = "Tillstånd krävs (undantaget för kollektivtrafik infördes 2020-08-01)"


@dataclass(frozen=True)
class RegimeInfo:
    """
    One regime of the Camera Surveillance Act.

    Attributes
    ----------
    id
        Regime id, e.g. "kbl-2025".
    title
        Swedish name of the regime.
    in_force_from, in_force_to
        First and last day in force (`in_force_to` is None while in force).
    exemption
        Whether a stop-area exemption exists in this regime.
    exemption_ref
        Statute reference of the stop-area exemption, or None.
    general_ref
        Statute reference of what a general public place needs.
    general_requirement
        What a general place needs, as a Swedish clause ("tillstånd från IMY krävs").
    wording
        The regime's own Swedish words per ``legal_class``.
    """

    id: str
    title: str
    in_force_from: dt.date
    in_force_to: dt.date | None
    exemption: bool
    exemption_ref: str | None
    general_ref: str
    general_requirement: str
    wording: Mapping[str, str]


REGIMES: dict[str, RegimeInfo] = {
    "kbl-2018": RegimeInfo(
        id="kbl-2018",
        title="Kamerabevakningslagen (2018:1200) i ursprunglig lydelse",
        in_force_from=dt.date(2018, 8, 1),
        in_force_to=dt.date(2020, 7, 31),
        exemption=False,
        exemption_ref=None,
        general_ref="KBL 7 § (SFS 2018:1200, ursprunglig lydelse)",
        general_requirement="tillstånd från IMY krävs",
        wording={
            "stop_area": _NOT_YET,
            "stop_area_borderline": _NOT_YET,
            "general": "Tillstånd krävs",
        },
    ),
    "kbl-2020": RegimeInfo(
        id="kbl-2020",
        title="Kamerabevakningslagen (2018:1200) i lydelse enligt SFS 2020:519",
        in_force_from=dt.date(2020, 8, 1),
        in_force_to=dt.date(2025, 3, 31),
        exemption=True,
        exemption_ref="KBL 9 § i lydelse enligt SFS 2020:519",
        general_ref="KBL 7 § (SFS 2018:1200)",
        general_requirement="tillstånd från IMY krävs",
        wording={
            "stop_area": "Undantag från tillståndsplikt",
            "stop_area_borderline": _BORDERLINE_WORDS,
            "general": "Tillstånd krävs",
        },
    ),
    "kbl-2025": RegimeInfo(
        id="kbl-2025",
        title="Kamerabevakningslagen (2018:1200) i lydelse enligt SFS 2025:220",
        in_force_from=dt.date(2025, 4, 1),
        in_force_to=None,
        exemption=True,
        exemption_ref="KBL 11 § 5 b (SFS 2025:220)",
        general_ref="KBL 8–10 §§ (SFS 2025:220)",
        general_requirement="dokumenterad intresseavvägning och registrering krävs",
        wording={
            "stop_area": "Undantag från 8–10 §§ (11 § 5 b)",
            "stop_area_borderline": _BORDERLINE_WORDS,
            "general": "Dokumenterad intresseavvägning och registrering krävs (8–10 §§)",
        },
    ),
}


def regime_for(config: LegalConfig) -> str:
    """
    Return the regime id a plan falls under.

    Parameters
    ----------
    config
        The scenario's legal section: an explicit `regime` wins, else the regime in force on
        `plan_date`. Dates before 2018-08-01 get "kbl-2018", the earliest regime encoded.

    Returns
    -------
    regime
        A key of :data:`REGIMES`.
    """
    if config.regime is not None:
        return config.regime
    for info in REGIMES.values():
        if config.plan_date >= info.in_force_from and (
            info.in_force_to is None or config.plan_date <= info.in_force_to
        ):
            return info.id
    log.warning(
        "legal.plan_date %s is before KBL 2018:1200 came into force; using kbl-2018",
        config.plan_date,
    )
    return "kbl-2018"


def wording(regime: str, legal_class: str) -> str:
    """
    Return a regime's own Swedish words for a legal class.

    Parameters
    ----------
    regime
        A key of :data:`REGIMES`.
    legal_class
        {"stop_area", "stop_area_borderline", "general"}

    Returns
    -------
    words
        E.g. "Tillstånd krävs" for ("kbl-2020", "general").

    Raises
    ------
    KeyError
        If the regime or class is unknown (the message lists the known ones).
    """
    if regime not in REGIMES:
        msg = f"unknown regime {regime!r}; known: {sorted(REGIMES)}"
        raise KeyError(msg)
    if legal_class not in LEGAL_CLASSES:
        msg = f"unknown legal_class {legal_class!r}; known: {list(LEGAL_CLASSES)}"
        raise KeyError(msg)
    return REGIMES[regime].wording[legal_class]
