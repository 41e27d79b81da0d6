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
    "report.title": {"sv": "Kameraplan – täckningsrapport", "en": "Camera plan – coverage report"},
    "report.generated": {"sv": "Skapad", "en": "Generated"},
    "report.scenario": {"sv": "scenario", "en": "scenario"},
    "report.regime": {"sv": "regelverk", "en": "regime"},
    "report.plan_date": {"sv": "plandatum", "en": "plan date"},
    "report.headline": {"sv": "Sammanfattning", "en": "Headline numbers"},
    "report.cameras": {"sv": "Kameror", "en": "Cameras"},
    "report.sites": {"sv": "platser", "en": "sites"},
    "report.cost": {"sv": "Kostnad", "en": "Cost"},
    "report.of_budget": {"sv": "av budget", "en": "of a budget of"},
    "report.coverage": {"sv": "Täckning", "en": "Coverage"},
    "report.of_weighted_demand": {"sv": "av viktade stråk", "en": "of weighted corridor demand"},
    "report.covered_length": {"sv": "Bevakad stråklängd", "en": "Covered corridor length"},
    "report.of": {"sv": "av", "en": "of"},
    "report.gap": {"sv": "Optimalitetsgap", "en": "Optimality gap"},
    "report.gap_explained": {
        "sv": "Planens täckning {objective} ligger högst gapet under den bevisade övre gränsen {bound} (girig heuristik: {greedy}).",
        "en": "The plan's coverage {objective} is at most the gap below the proven upper bound {bound} (greedy heuristic: {greedy}).",
    },
    "report.by_area": {"sv": "Per prioriterat område", "en": "By priority area"},
    "report.by_legal_class": {"sv": "Per rättslig klass", "en": "By legal class"},
    "report.area": {"sv": "Område", "en": "Area"},
    "report.legal_class": {"sv": "Rättslig klass", "en": "Legal class"},
    "report.wording": {"sv": "Innebörd enligt regelverket", "en": "Meaning under the regime"},
    "report.frontier": {"sv": "Täckning per krona: budgetkurvan", "en": "Coverage per krona: the budget frontier"},
    "report.budget": {"sv": "Budget", "en": "Budget"},
    "report.budget_ksek": {"sv": "Budget (tkr)", "en": "Budget (kSEK)"},
    "report.coverage_pct": {"sv": "Täckning av viktade stråk (%)", "en": "Weighted demand covered (%)"},
    "report.marginal": {"sv": "Marginell täckning per 100 000 kr", "en": "Marginal coverage per 100,000 SEK"},
    "report.marginal_explained": {
        "sv": "Marginell täckning: ökningen i täckt efterfrågevikt per extra 100 000 kr jämfört med föregående budgetnivå.",
        "en": "Marginal coverage: the increase in covered demand weight per extra 100,000 SEK over the previous budget level.",
    },
    "report.cameras_table": {"sv": "Kameror i planen", "en": "Cameras in the plan"},
    "report.model": {"sv": "Modell", "en": "Model"},
    "report.mount": {"sv": "Montering", "en": "Mount"},
    "report.azimuth": {"sv": "Riktning", "en": "Azimuth"},
    "report.range": {"sv": "Räckvidd", "en": "Range"},
    "report.covered_demand": {"sv": "Täckt efterfrågan", "en": "Covered demand"},
    "report.top_corridors": {"sv": "Högst rankade stråk och varför", "en": "Top-ranked corridors and why"},
    "report.street": {"sv": "Gata", "en": "Street"},
    "report.score": {"sv": "Poäng", "en": "Score"},
    "report.comp_incidents": {"sv": "Händelser (KDE)", "en": "Incidents (KDE)"},
    "report.comp_area_incidents": {"sv": "Områdeshändelser", "en": "Area incidents"},
    "report.comp_footfall": {"sv": "Resenärsflöde", "en": "Footfall"},
    "report.covered": {"sv": "Bevakat", "en": "Covered"},
    "report.evaluation": {"sv": "Förutsäger poängen senare händelser? (PAI/PEI)", "en": "Does the score predict later incidents? (PAI/PEI)"},
    "report.evaluation_explained": {
        "sv": "Poängen beräknas på händelser före {cut} och testas på händelser därefter. PAI = andel händelser / andel nätverkslängd (1 = slump); PEI = andel av det bästa möjliga.",
        "en": "The score is fitted on incidents before {cut} and tested on incidents after it. PAI = share of incidents / share of network length (1 = chance); PEI = share of the best possible.",
    },
    "report.method": {"sv": "Metod", "en": "Method"},
    "report.share": {"sv": "Andel av nätet", "en": "Share of network"},
    "report.procurement": {"sv": "Upphandlingsunderlag (mängdförteckning)", "en": "Procurement: bill of quantities"},
    "report.law": {"sv": "Regelverk och antaganden", "en": "Law and assumptions"},
    "report.regime_is": {"sv": "Planen följer regelverket {regime}.", "en": "The plan follows the regime {regime}."},
    "report.assumption_radius": {
        "sv": "Antagande, inte lag: ett hållplatsområde räknas som {r} m runt varje hållplats (legal.stop_area_radius_m). Lagen anger inget avstånd.",
        "en": "Assumption, not law: a stop area is taken as {r} m around each stop (legal.stop_area_radius_m). The statute gives no distance.",
    },
    "report.assumption_strak": {
        "sv": "Antagande, inte lag: stråk mellan hållplatser med olika linjer inom {d} m gångavstånd klassas enligt policyn '{policy}' (legal.strak_policy).",
        "en": "Assumption, not law: walkways between stops of different routes within {d} m walk are classed by the policy '{policy}' (legal.strak_policy).",
    },
    "report.privacy_note": {
        "sv": "Händelsedata är personuppgifter: kartor och rapporter visar dem endast aggregerade; celler med färre än {k} händelser visas inte.",
        "en": "Incident data is personal data: maps and reports show it only aggregated; cells with fewer than {k} incidents are not shown.",
    },
    "report.disclaimer": {
        "sv": "siteplan är ett planeringsstöd och ersätter inte en juridisk bedömning.",
        "en": "siteplan supports planning; it does not replace a legal assessment.",
    },
    # cli
    "step.load": {"sv": "Läser in data", "en": "Loading inputs"},
    "step.corridors": {"sv": "Bygger stråksegment", "en": "Building corridors"},
    "step.legal": {"sv": "Klassar enligt kamerabevakningslagen", "en": "Classifying under camera law"},
    "step.scoring": {"sv": "Poängsätter stråk", "en": "Scoring corridors"},
    "step.evaluation": {"sv": "Utvärderar poängen", "en": "Evaluating the score"},
    "step.coverage": {"sv": "Beräknar kamerors synfält", "en": "Building camera coverage"},
    "step.placement": {"sv": "Optimerar kameraplaceringen", "en": "Optimising camera placement"},
    "step.frontier": {"sv": "Beräknar budgetkurvan", "en": "Sweeping the budget frontier"},
    "step.summary": {"sv": "Sammanställer", "en": "Summarising"},
    "step.write": {"sv": "Skriver resultat", "en": "Writing outputs"},
    "cli.summary_title": {"sv": "Kameraplan", "en": "Camera plan"},
    "cli.cameras": {"sv": "Kameror", "en": "Cameras"},
    "cli.cost": {"sv": "Kostnad / budget", "en": "Cost / budget"},
    "cli.coverage": {"sv": "Täckt viktad efterfrågan", "en": "Weighted demand covered"},
    "cli.gap": {"sv": "Optimalitetsgap", "en": "Optimality gap"},
    "cli.regime": {"sv": "Regelverk", "en": "Regime"},
    "cli.written": {"sv": "Skrivet till", "en": "Written to"},
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
