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


_BORDERLINE_2025 = (
    "Gränsfall: 9 § bedömning och 10 § förteckning upprättas; undantag (11 § 5 b) enligt "
    "kommunens tolkning som bilaga – juridisk granskning rekommenderas"
)
_BORDERLINE_2020 = (
    "Gränsfall: tillståndsansökan med undantagsargumentet som bilaga – juridisk granskning "
    "rekommenderas"
)


_NOT_YET = "Tillstånd krävs (undantaget för kollektivtrafik infördes 2020-08-01)"
_NOT_YET_EN = "Permit required (the public-transport exemption came 2020-08-01)"


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
    general_requirement_en
        `general_requirement` in English.
    wording_en
        `wording` in English (statute names stay Swedish).
    authority
        The supervisory authority's name in the regime's time (Datainspektionen before
        2021-01-01, IMY after).
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
    general_requirement_en: str = ""
    wording_en: Mapping[str, str] | None = None
    authority: str = "IMY"


REGIMES: dict[str, RegimeInfo] = {
    "kbl-2018": RegimeInfo(
        id="kbl-2018",
        title="Kamerabevakningslagen (2018:1200) i ursprunglig lydelse",
        in_force_from=dt.date(2018, 8, 1),
        in_force_to=dt.date(2020, 7, 31),
        exemption=False,
        exemption_ref=None,
        general_ref="KBL 7 § (SFS 2018:1200, ursprunglig lydelse)",
        general_requirement="tillstånd från Datainspektionen krävs",
        wording={
            "stop_area": _NOT_YET,
            "stop_area_borderline": _NOT_YET,
            "general": "Tillstånd krävs",
        },
        general_requirement_en="a permit from Datainspektionen is required",
        wording_en={
            "stop_area": _NOT_YET_EN,
            "stop_area_borderline": _NOT_YET_EN,
            "general": "Permit required",
        },
        authority="Datainspektionen",
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
            "stop_area_borderline": _BORDERLINE_2020,
            "general": "Tillstånd krävs",
        },
        general_requirement_en="a permit from IMY is required",
        wording_en={
            "stop_area": "Exempt from the permit requirement",
            "stop_area_borderline": "Borderline: permit application with the exemption "
            "argument as an annex – legal review recommended",
            "general": "Permit required",
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
        general_requirement=(
            "dokumenterad intresseavvägning (8–9 §§) och en post i förteckningen (10 §) krävs"
        ),
        wording={
            "stop_area": "Undantag från 8–10 §§ (11 § 5 b)",
            "stop_area_borderline": _BORDERLINE_2025,
            "general": "Dokumenterad intresseavvägning (8–9 §§) och förteckning (10 §) krävs",
        },
        general_requirement_en=(
            "a documented balancing of interests (8–9 §§) and an entry in the förteckning "
            "(10 §) are required"
        ),
        wording_en={
            "stop_area": "Exempt from 8–10 §§ (11 § 5 b)",
            "stop_area_borderline": "Borderline: 9 § assessment and 10 § förteckning entry "
            "prepared; exemption (11 § 5 b) under the municipality's reading as an annex – "
            "legal review recommended",
            "general": "Documented balancing of interests (8–9 §§) and förteckning (10 §) required",
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


def authority_on(day: dt.date) -> str:
    """
    The supervisory authority's name on `day`.

    Parameters
    ----------
    day
        A date.

    Returns
    -------
    name
        "Datainspektionen" before 2021-01-01, else "Integritetsskyddsmyndigheten (IMY)".
    """
    if day < dt.date(2021, 1, 1):
        return "Datainspektionen"
    return "Integritetsskyddsmyndigheten (IMY)"


def wording(regime: str, legal_class: str, lang: str = "sv") -> str:
    """
    Return a regime's own Swedish words for a legal class.

    Parameters
    ----------
    regime
        A key of :data:`REGIMES`.
    legal_class
        {"stop_area", "stop_area_borderline", "general"}
    lang
        "sv" (the regime's own words) or "en".

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
    info = REGIMES[regime]
    if lang == "en" and info.wording_en is not None:
        return info.wording_en[legal_class]
    return info.wording[legal_class]
