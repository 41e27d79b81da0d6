"""User-facing labels in Swedish (default) and English.

:data:`LABELS` maps a label id to its texts, ``{"sv": ..., "en": ...}``. :func:`t` looks a label
up and fills its ``{placeholders}``. Statute references and a regime's legal wording stay Swedish
in both languages (they are quoted law, not interface text). The table is one dict literal grouped
by the part of siteplan that uses the labels; add new keys to the right group.
"""

from __future__ import annotations

import difflib

__all__ = ["DEFAULT_LANGUAGE", "LABELS", "LANGUAGES", "t"]

#: Languages every label may have; Swedish is the default.
LANGUAGES: tuple[str, ...] = ("sv", "en")
DEFAULT_LANGUAGE = "sv"

LABELS: dict[str, dict[str, str]] = {
    # common
    "common.fictional": {
        "sv": "Fiktiva data: staden, hållplatserna och alla händelser är påhittade.",
        "en": "Fictional data: the town, its stops and every incident are made up.",
    },
    "legal_class.stop_area": {"sv": "Hållplatsområde", "en": "Stop area"},
    "legal_class.stop_area_borderline": {
        "sv": "Stråk mellan hållplatser (gränsfall)",
        "en": "Walkway between stops (borderline)",
    },
    "legal_class.general": {"sv": "Allmän plats", "en": "General public place"},
    "purpose.crime": {"sv": "förebygga och upptäcka brott", "en": "prevent and detect crime"},
    "purpose.order": {"sv": "ordningsstörningar", "en": "public-order disturbances"},
    "purpose.accident": {"sv": "olyckor", "en": "accidents"},
    "purpose.trygghet": {
        "sv": "trygghet (inget ändamål enligt 8 § kamerabevakningslagen)",
        "en": "sense of safety (not a purpose under 8 § kamerabevakningslagen)",
    },
    # map
    "map.title": {"sv": "Kameraplan", "en": "Camera plan"},
    "map.fictional_banner": {"sv": "FIKTIVA DATA", "en": "FICTIONAL DATA"},
    "map.layer.corridors": {"sv": "Gatusegment (poäng)", "en": "Corridor segments (score)"},
    "map.layer.legal": {
        "sv": "Rättslig klass (kamerabevakningslagen)",
        "en": "Legal class (kamerabevakningslagen)",
    },
    "map.layer.areas": {"sv": "Prioriterade områden", "en": "Priority areas"},
    "map.layer.stops": {"sv": "Hållplatser", "en": "Stops"},
    "map.layer.routes": {"sv": "Linjer", "en": "Routes"},
    "map.layer.heat": {"sv": "Händelsetäthet (utjämnad)", "en": "Incident density (smoothed)"},
    "map.layer.incident_cells": {
        "sv": "Händelser per ruta ({grid_m:g} m)",
        "en": "Incidents per cell ({grid_m:g} m)",
    },
    "map.layer.cameras": {"sv": "Kameror", "en": "Cameras"},
    "map.layer.footprints": {"sv": "Bevakade ytor", "en": "Camera footprints"},
    "map.legend.title": {"sv": "Teckenförklaring", "en": "Legend"},
    "map.legend.score": {
        "sv": "Gatusegmentens poäng: gult = låg, rött = hög prioritet",
        "en": "Corridor score: yellow = low, red = high priority",
    },
    "map.legend.score_caption": {"sv": "Gatusegmentens poäng", "en": "Corridor score"},
    "map.legend.camera": {"sv": "Föreslagen kamera", "en": "Proposed camera"},
    "map.legend.footprint": {
        "sv": "Bevakad yta (räckvidd på vald DORI-nivå)",
        "en": "Covered area (range at the chosen DORI level)",
    },
    "map.legend.stop": {"sv": "Hållplats", "en": "Stop"},
    "map.legend.route": {"sv": "Linje", "en": "Route"},
    "map.legend.area": {"sv": "Prioriterat område", "en": "Priority area"},
    "map.legend.cells": {
        "sv": "Händelser per ruta; rutor med färre än {k} händelser visas inte",
        "en": "Incidents per cell; cells with fewer than {k} incidents are not shown",
    },
    "map.legend.heat": {
        "sv": "Relativ händelsetäthet (utjämnad, visas bara i publicerade rutor)",
        "en": "Relative incident density (smoothed, shown only in published cells)",
    },
    "map.popup.camera": {"sv": "Kamera", "en": "Camera"},
    "map.popup.model": {"sv": "Modell", "en": "Model"},
    "map.popup.mount": {"sv": "Montering", "en": "Mount"},
    "map.popup.cost": {"sv": "Kostnad", "en": "Cost"},
    "map.popup.covered_demand": {"sv": "Täckt efterfrågan", "en": "Covered demand"},
    "map.popup.legal": {"sv": "Rättslig klass", "en": "Legal class"},
    "map.popup.reason": {"sv": "Skäl", "en": "Reason"},
    "map.popup.purpose": {"sv": "Ändamål", "en": "Purpose"},
    "map.tooltip.score": {"sv": "Poäng", "en": "Score"},
    "map.tooltip.covered": {"sv": "Täckt andel", "en": "Covered share"},
    "map.tooltip.unnamed": {"sv": "(gata utan namn)", "en": "(unnamed street)"},
    "map.tooltip.departures": {
        "sv": "{n:.1f} avgångar per timme",
        "en": "{n:.1f} departures per hour",
    },
    "map.tooltip.route": {"sv": "Linje {name}", "en": "Route {name}"},
    "map.tooltip.incidents": {"sv": "{n} händelser", "en": "{n} incidents"},
    "map.frontier.title": {"sv": "Täckning mot budget", "en": "Coverage against budget"},
    "map.frontier.x": {"sv": "Budget (tkr)", "en": "Budget (kSEK)"},
    "map.frontier.y": {"sv": "Täckt efterfrågan (%)", "en": "Demand covered (%)"},
    # report
    # cli
    # paperwork
    # followup
}


def t(key: str, lang: str = DEFAULT_LANGUAGE, **fmt: object) -> str:
    """
    Return the label `key` in `lang`, with ``{placeholders}`` filled from `fmt`.

    Parameters
    ----------
    key
        A key of :data:`LABELS`, e.g. ``"map.layer.cameras"``.
    lang
        ``"sv"`` (default) or ``"en"``. A missing Swedish text falls back to English.
    **fmt
        Values for the label's placeholders (``str.format`` syntax).

    Returns
    -------
    text
        The label.

    Raises
    ------
    KeyError
        If `key` is unknown (with close matches), the label has no text in `lang`, or a
        placeholder has no value in `fmt`.
    ValueError
        If `lang` is not one of :data:`LANGUAGES`.
    """
    if lang not in LANGUAGES:
        msg = f"unknown language {lang!r}; use one of {list(LANGUAGES)} (output.language)."
        raise ValueError(msg)
    try:
        texts = LABELS[key]
    except KeyError:
        close = difflib.get_close_matches(key, LABELS, n=3, cutoff=0.6)
        hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
        msg = f"no label {key!r} in siteplan.i18n.LABELS.{hint} Add it to the table."
        raise KeyError(msg) from None
    text = texts.get(lang)
    if text is None and lang == "sv":
        text = texts.get("en")
    if text is None:
        msg = f"label {key!r} has no {lang!r} text; add one to siteplan.i18n.LABELS."
        raise KeyError(msg)
    if not fmt:
        return text
    try:
        return text.format(**fmt)
    except KeyError as err:
        msg = f"label {key!r} needs a value for {{{err.args[0]}}}; got {sorted(fmt)}."
        raise KeyError(msg) from None
