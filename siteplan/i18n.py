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
        "sv": "Gränsfall: delvis utanför hållplatsområde eller på stråk",
        "en": "Borderline: partly outside a stop area or on a walkway between stops",
    },
    "legal_class.general": {"sv": "Allmän plats", "en": "General public place"},
    "purpose.crime": {"sv": "förebygga och upptäcka brott", "en": "prevent and detect crime"},
    "purpose.order": {"sv": "ordningsstörningar", "en": "public-order disturbances"},
    "purpose.accident": {"sv": "olyckor", "en": "accidents"},
    "purpose.trygghet": {
        "sv": "trygghet (omfattas inte av undantaget i 11 § 5 kamerabevakningslagen)",
        "en": "sense of safety (not covered by the exemption in 11 § 5 kamerabevakningslagen)",
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
    "map.layer.hotspots": {"sv": "Hotspots och trender", "en": "Hotspots & trends"},
    "map.layer.stop_areas": {"sv": "Hållplatsområden", "en": "Stop areas"},
    "map.legend.priority_pct": {
        "sv": "Gatusegmentens prioritet (percentil): gult = låg, rött = hög",
        "en": "Corridor priority (percentile): yellow = low, red = high",
    },
    "map.legend.priority_pct_caption": {
        "sv": "Prioritet, percentil i nätet (0–100)",
        "en": "Priority, percentile in the network (0–100)",
    },
    "map.legend.trend": {"sv": "Hotspot: {trend}", "en": "Hotspot: {trend}"},
    "map.legend.stop_area": {
        "sv": "Hållplatsområde (polygon)",
        "en": "Stop area (polygon)",
    },
    "map.tooltip.risk": {
        "sv": "Risk: {v} händelser per m och år (90 %: {lo}–{hi})",
        "en": "Risk: {v} incidents per m and year (90 %: {lo}–{hi})",
    },
    "map.tooltip.exposure": {
        "sv": "Exponering: {v} avgångar per timme",
        "en": "Exposure: {v} departures per hour",
    },
    "map.tooltip.priority": {
        "sv": "Prioritet: {v} × nätets medel (percentil {pct})",
        "en": "Priority: {v} × network mean (percentile {pct})",
    },
    "map.tooltip.trend": {"sv": "Trend: {trend}", "en": "Trend: {trend}"},
    "map.tooltip.gi": {
        "sv": "Gi* z = {z}, q = {q} (FDR)",
        "en": "Gi* z = {z}, q = {q} (FDR)",
    },
    "map.tooltip.trend_p": {
        "sv": "Trendtest (Mann–Kendall): p = {p}",
        "en": "Trend test (Mann–Kendall): p = {p}",
    },
    "map.frontier.not_proven": {
        "sv": "ofyllda punkter: gapet ej bevisat (streck upp till gränsen)",
        "en": "hollow points: gap not proven (line up to the bound)",
    },
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
    "report.no_area": {"sv": "Utanför prioriterade områden", "en": "Outside the priority areas"},
    "report.legal_class": {"sv": "Rättslig klass", "en": "Legal class"},
    "report.wording": {"sv": "Innebörd enligt regelverket", "en": "Meaning under the regime"},
    "report.frontier": {
        "sv": "Täckning per krona: budgetkurvan",
        "en": "Coverage per krona: the budget frontier",
    },
    "report.budget": {"sv": "Budget", "en": "Budget"},
    "report.budget_ksek": {"sv": "Budget (tkr)", "en": "Budget (kSEK)"},
    "report.coverage_pct": {
        "sv": "Täckning av viktade stråk (%)",
        "en": "Weighted demand covered (%)",
    },
    "report.marginal": {
        "sv": "Marginell täckning per 100 000 kr",
        "en": "Marginal coverage per 100,000 SEK",
    },
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
    "report.top_corridors": {
        "sv": "Högst rankade stråk och varför",
        "en": "Top-ranked corridors and why",
    },
    "report.street": {"sv": "Gata", "en": "Street"},
    "report.top_by_area": {
        "sv": "De fem högst rankade stråken per område",
        "en": "The five top-ranked corridors per area",
    },
    "report.score": {"sv": "Poäng", "en": "Score"},
    "report.comp_incidents": {
        "sv": "Händelserisk, × nätets medel",
        "en": "Incident risk, × network mean",
    },
    "report.comp_area_incidents": {
        "sv": "Områdeshändelser, × nätets medel",
        "en": "Area incidents, × network mean",
    },
    "report.comp_footfall": {
        "sv": "Resenärsflöde, × nätets medel",
        "en": "Footfall, × network mean",
    },
    "report.covered": {"sv": "Bevakat", "en": "Covered"},
    "report.risk": {
        "sv": "Risk (händelser per m och år, 90 %-intervall)",
        "en": "Risk (incidents per m and year, 90 % interval)",
    },
    "report.exposure": {"sv": "Exponering (avgångar/h)", "en": "Exposure (departures/h)"},
    "report.priority": {
        "sv": "Prioritet (× nätets medel)",
        "en": "Priority (× network mean)",
    },
    "report.not_proven": {"sv": "ej bevisad", "en": "not proven"},
    "report.not_proven_bound": {
        "sv": "ej bevisad (högst {bound})",
        "en": "not proven (at most {bound})",
    },
    "report.frontier_not_proven": {
        "sv": "”Ej bevisad”: för den budgeten är gapet till den bevisade övre gränsen inte litet; den visade gränsen är det mesta som kan täckas.",
        "en": "'Not proven': at that budget the gap to the proven upper bound is not small; the bound shown is the most that can be covered.",
    },
    "report.hotspots": {"sv": "Hotspots och trender", "en": "Hotspots and trends"},
    "report.hotspots_explained": {
        "sv": "Signifikanta hotspots: Getis–Ord Gi* på gatunätet med {perm} permutationer och falsk upptäcktsandel {alpha} (Benjamini–Hochberg); trend: Mann–Kendall på händelser per period. ”Senaste” = händelser i den senaste fjärdedelen av perioderna.",
        "en": "Significant hotspots: Getis–Ord Gi* on the street network with {perm} permutations and false-discovery rate {alpha} (Benjamini–Hochberg); trend: Mann–Kendall on incidents per period. 'Recent' = incidents in the latest quarter of the periods.",
    },
    "report.no_hotspots": {
        "sv": "Inga signifikanta hotspots.",
        "en": "No significant hotspots.",
    },
    "report.trend": {"sv": "Trend", "en": "Trend"},
    "report.incidents": {"sv": "Händelser", "en": "Incidents"},
    "report.recent": {"sv": "Senaste", "en": "Recent"},
    "report.gi_z": {"sv": "Gi* z", "en": "Gi* z"},
    "report.gi_q": {"sv": "q (FDR)", "en": "q (FDR)"},
    "report.trend_p": {"sv": "p (trend)", "en": "p (trend)"},
    "report.n_folds": {"sv": "Veck", "en": "Folds"},
    "report.evaluation_rolling": {
        "sv": "Rullande tidsvis korsvalidering: varje veck anpassas på händelser före sin brytdag och testas på de följande {days} dagarna (senaste brytdag {cut}). Värden: medel ± standardavvikelse över vecken. PAI = andel händelser / andel nätverkslängd (1 = slump); PEI = andel av det bästa möjliga; RRI = testperiodens händelser i de valda segmenten mot föregående periods, relativt hela nätet (recapture rate index).",
        "en": "Rolling-origin temporal cross-validation: each fold is fitted on incidents before its cut date and tested on the following {days} days (last cut {cut}). Values: mean ± standard deviation over the folds. PAI = share of incidents / share of network length (1 = chance); PEI = share of the best possible; RRI = the selected segments' test-period incidents against the previous period's, relative to the whole network (recapture rate index).",
    },
    "report.selection": {
        "sv": "Vald riskmodell: {model}.",
        "en": "Chosen risk model: {model}.",
    },
    "report.fallback": {
        "sv": "För lite data för korsvalidering; standardmodellen används: {reason}",
        "en": "Too few data for cross-validation; the default model is used: {reason}",
    },
    "report.method.model": {"sv": "Vald riskmodell", "en": "Chosen risk model"},
    "report.method.priority": {
        "sv": "Prioritet (risk och exponering)",
        "en": "Priority (risk and exposure)",
    },
    "report.method.last_period_counts": {
        "sv": "Förra periodens antal",
        "en": "Last period's counts",
    },
    "report.method.kde": {"sv": "Vanlig KDE", "en": "Plain KDE"},
    "report.method.uniform": {"sv": "Likformig (slump)", "en": "Uniform (chance)"},
    "trend.new": {"sv": "ny", "en": "new"},
    "trend.intensifying": {"sv": "växande", "en": "intensifying"},
    "trend.persistent": {"sv": "bestående", "en": "persistent"},
    "trend.diminishing": {"sv": "avtagande", "en": "diminishing"},
    "trend.sporadic": {"sv": "sporadisk", "en": "sporadic"},
    "trend.none": {"sv": "ingen", "en": "none"},
    "report.evaluation": {
        "sv": "Förutsäger poängen senare händelser? (PAI/PEI)",
        "en": "Does the score predict later incidents? (PAI/PEI)",
    },
    "report.evaluation_explained": {
        "sv": "Poängen beräknas på händelser före {cut} och testas på händelser därefter. PAI = andel händelser / andel nätverkslängd (1 = slump); PEI = andel av det bästa möjliga.",
        "en": "The score is fitted on incidents before {cut} and tested on incidents after it. PAI = share of incidents / share of network length (1 = chance); PEI = share of the best possible.",
    },
    "report.evaluation_unavailable": {
        "sv": "Ingen utvärdering: inga händelser med punktläge på gatunätet att testa på (för få händelser, eller bara händelser kända per område).",
        "en": "No evaluation: no incidents with a point on the street network to test on (too few incidents, or only incidents known by area).",
    },
    "report.method": {"sv": "Metod", "en": "Method"},
    "report.share": {"sv": "Andel av nätet", "en": "Share of network"},
    "report.procurement": {
        "sv": "Upphandlingsunderlag (mängdförteckning)",
        "en": "Procurement: bill of quantities",
    },
    "report.law": {"sv": "Regelverk och antaganden", "en": "Law and assumptions"},
    "report.regime_is": {
        "sv": "Planen följer regelverket {regime}.",
        "en": "The plan follows the regime {regime}.",
    },
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
    "step.legal": {
        "sv": "Klassar enligt kamerabevakningslagen",
        "en": "Classifying under camera law",
    },
    "step.scoring": {"sv": "Poängsätter stråk", "en": "Scoring corridors"},
    "step.evaluation": {
        "sv": "Väljer och utvärderar poängmodellen",
        "en": "Choosing and evaluating the score model",
    },
    "step.coverage": {"sv": "Beräknar kamerors synfält", "en": "Building camera coverage"},
    "step.placement": {"sv": "Optimerar kameraplaceringen", "en": "Optimising camera placement"},
    "step.frontier": {"sv": "Beräknar budgetkurvan", "en": "Sweeping the budget frontier"},
    "step.summary": {"sv": "Sammanställer", "en": "Summarising"},
    "step.deliverables": {
        "sv": "Förbereder maskning, underlag och beställning",
        "en": "Preparing masking, paperwork and bill",
    },
    "step.write": {"sv": "Skriver resultat", "en": "Writing outputs"},
    "cli.summary_title": {"sv": "Kameraplan", "en": "Camera plan"},
    "cli.cameras": {"sv": "Kameror", "en": "Cameras"},
    "cli.inputs": {"sv": "Indata", "en": "Inputs"},
    "cli.count.edges": {"sv": "gångvägar", "en": "walkways"},
    "cli.count.nodes": {"sv": "noder", "en": "nodes"},
    "cli.count.buildings": {"sv": "byggnader", "en": "buildings"},
    "cli.count.lamps": {"sv": "gatlyktor", "en": "street lamps"},
    "cli.count.stops": {"sv": "hållplatslägen", "en": "stops"},
    "cli.count.routes": {"sv": "linjer", "en": "routes"},
    "cli.count.incidents": {"sv": "händelser", "en": "incidents"},
    "cli.count.incidents_area_level": {"sv": "varav på områdesnivå", "en": "of them area-level"},
    "cli.count.areas": {"sv": "prioriterade områden", "en": "priority areas"},
    "cli.cost": {"sv": "Kostnad / budget", "en": "Cost / budget"},
    "cli.coverage": {"sv": "Täckt viktad efterfrågan", "en": "Weighted demand covered"},
    "cli.gap": {"sv": "Optimalitetsgap", "en": "Optimality gap"},
    "cli.regime": {"sv": "Regelverk", "en": "Regime"},
    "cli.written": {"sv": "Skrivet till", "en": "Written to"},
    # paperwork
    "paperwork.weekdays": {
        "sv": "mån,tis,ons,tor,fre,lör,sön",
        "en": "Mon,Tue,Wed,Thu,Fri,Sat,Sun",
    },
    "paperwork.hours.none": {
        "sv": "inga händelser på platsen: tider kan inte härledas",
        "en": "no incidents at the place: hours cannot be derived",
    },
    "paperwork.hours.every_day": {"sv": "alla dagar", "en": "every day"},
    "paperwork.hours.around_the_clock": {"sv": "dygnet runt", "en": "around the clock"},
    "paperwork.place_type.stop_area": {"sv": "hållplatsområde", "en": "stop area"},
    "paperwork.place_type.square": {"sv": "gågata eller torg", "en": "pedestrian street or square"},
    "paperwork.place_type.walkway": {"sv": "gångstråk", "en": "walkway"},
    "paperwork.place_type.general": {"sv": "allmän plats (gata)", "en": "public place (street)"},
    "paperwork.place.unnamed": {"sv": "gata utan namn", "en": "unnamed street"},
    "paperwork.place.site": {"sv": "plats", "en": "site"},
    "paperwork.register.no_sound": {"sv": "ingen ljudupptagning", "en": "no sound recording"},
    "paperwork.register.masking": {
        "sv": "integritetsskyddande maskning av bostadsfasader",
        "en": "privacy masking of residential facades",
    },
    "paperwork.register.description": {
        "sv": "Adress eller beskrivning av platsen",
        "en": "Address or description of the place",
    },
    "paperwork.register.place_type": {"sv": "Typ av plats", "en": "Type of place"},
    "paperwork.register.purpose": {"sv": "Ändamål", "en": "Purpose"},
    "paperwork.register.sound_special": {
        "sv": "Ljudupptagning och särskild teknik",
        "en": "Sound recording and special technology",
    },
    "paperwork.register.assessment_date": {
        "sv": "Datum för senaste bedömning",
        "en": "Date of the latest assessment",
    },
    "paperwork.register.note": {"sv": "Anmärkning", "en": "Note"},
    "paperwork.combined_file": {"sv": "samlat", "en": "combined"},
    "paperwork.pack_title": {
        "sv": "Underlag för kamerabevakning – plats {site}",
        "en": "Camera surveillance documentation – site {site}",
    },
    "paperwork.combined_title": {
        "sv": "Samlat underlag för kamerabevakning",
        "en": "Combined camera surveillance documentation",
    },
    "paperwork.internal": {
        "sv": "Innehåller personuppgifter – internt",
        "en": "Contains personal data – internal",
    },
    "paperwork.personal_data_note": {
        "sv": "Händelsetabellerna är personuppgifter (datum, tid och typ av händelse). Underlaget "
        "är för kommunens interna handläggning och myndighetens akt, inte för publicering.",
        "en": "The incident tables are personal data (date, time and type of incident). This is "
        "for the municipality's internal handling and the authority's file, not for publication.",
    },
    "paperwork.place": {"sv": "Plats", "en": "Place"},
    "paperwork.place_type": {"sv": "Typ av plats", "en": "Type of place"},
    "paperwork.regime": {"sv": "Regelverk", "en": "Legal regime"},
    "paperwork.legal_class": {"sv": "Rättslig klass", "en": "Legal class"},
    "paperwork.kind": {"sv": "Underlag", "en": "Paperwork"},
    "paperwork.kind.permit": {
        "sv": "Tillståndsansökan till IMY (innehåll)",
        "en": "Permit application to IMY (content)",
    },
    "paperwork.kind.exemption": {
        "sv": "Undantag för hållplatsområde",
        "en": "Stop-area exemption",
    },
    "paperwork.assessment_date": {"sv": "Bedömningsdatum", "en": "Assessment date"},
    "paperwork.review_advised": {
        "sv": "Juridisk granskning rekommenderas",
        "en": "Legal review advised",
    },
    "paperwork.statute_ref": {"sv": "Lagrum", "en": "Statute"},
    "paperwork.sec.overview": {"sv": "Översikt", "en": "Overview"},
    "paperwork.sec.map": {"sv": "Karta över bevakat område", "en": "Map of the recorded area"},
    "paperwork.sec.incidents": {
        "sv": "Brott och händelser på platsen",
        "en": "Crimes and incidents at the place",
    },
    "paperwork.sec.hour_weekday": {
        "sv": "Händelser per timme och veckodag",
        "en": "Incidents by hour of day and weekday",
    },
    "paperwork.sec.recording_hours": {
        "sv": "Föreslagna dagar och tider för bevakning",
        "en": "Proposed recording days and hours",
    },
    "paperwork.sec.cameras": {"sv": "Kameror och optik", "en": "Cameras and optics"},
    "paperwork.sec.purpose": {"sv": "Ändamål", "en": "Purpose"},
    "paperwork.sec.retention": {"sv": "Lagringstid", "en": "Retention"},
    "paperwork.sec.masking": {
        "sv": "Integritetsskydd: maskning",
        "en": "Privacy protection: masking",
    },
    "paperwork.sec.realtime": {"sv": "Realtidsövervakning", "en": "Real-time viewing"},
    "paperwork.sec.workplace": {"sv": "Arbetsplats", "en": "Workplace"},
    "paperwork.sec.obligations": {
        "sv": "Skyltning och dataskydd",
        "en": "Signage and data protection",
    },
    "paperwork.sec.exemption_why": {
        "sv": "Varför undantaget gäller",
        "en": "Why the exemption applies",
    },
    "paperwork.sec.exemption_still": {
        "sv": "Vad som fortfarande gäller",
        "en": "What still applies",
    },
    "paperwork.sec.evidence_for_review": {
        "sv": "Underlag inför juridisk granskning",
        "en": "Evidence for the legal review",
    },
    "paperwork.evidence_for_review_explained": {
        "sv": "Om granskningen finner att undantaget inte gäller behövs en dokumenterad "
        "intresseavvägning (eller tillstånd under äldre regler). Händelseunderlaget finns här.",
        "en": "If the review finds that the exemption does not apply, a documented balancing of "
        "interests (or a permit under the older rules) is needed. The incident evidence is here.",
    },
    "paperwork.sec.interest_surveillance": {
        "sv": "Bevakningsintresset (8 §)",
        "en": "The surveillance interest (8 §)",
    },
    "paperwork.interest_surveillance_explained": {
        "sv": "Ändamålen med bevakningen och de brott och händelser på platsen som visar behovet.",
        "en": "The purposes of the surveillance and the crimes and incidents at the place that "
        "show the need.",
    },
    "paperwork.interest_individual_explained": {
        "sv": "Hur bevakningen sker, vilken integritetsskyddande teknik som används och vilket "
        "område som bevakas.",
        "en": "How the surveillance is done, which privacy-protecting technology is used and "
        "which area is covered.",
    },
    "paperwork.sec.balance": {"sv": "Avvägning och slutsats", "en": "Balancing and conclusion"},
    "paperwork.sec.review": {"sv": "Datum och omprövning", "en": "Date and review"},
    "paperwork.col.date": {"sv": "Datum", "en": "Date"},
    "paperwork.col.time": {"sv": "Tid", "en": "Time"},
    "paperwork.col.weekday": {"sv": "Veckodag", "en": "Weekday"},
    "paperwork.col.category": {"sv": "Typ", "en": "Type"},
    "paperwork.col.hour": {"sv": "Timme", "en": "Hour"},
    "paperwork.col.total": {"sv": "Summa", "en": "Total"},
    "paperwork.col.camera": {"sv": "Kamera", "en": "Camera"},
    "paperwork.col.cameras": {"sv": "Kameror", "en": "Cameras"},
    "paperwork.col.site": {"sv": "Plats", "en": "Site"},
    "paperwork.col.incidents": {"sv": "Händelser", "en": "Incidents"},
    "paperwork.col.model": {"sv": "Modell", "en": "Model"},
    "paperwork.col.mount": {"sv": "Montering", "en": "Mount"},
    "paperwork.col.hfov": {"sv": "Bildvinkel", "en": "HFOV"},
    "paperwork.col.resolution": {
        "sv": "Upplösning (horisontellt)",
        "en": "Resolution (horizontal)",
    },
    "paperwork.col.level": {"sv": "DORI-nivå", "en": "DORI level"},
    "paperwork.col.range": {"sv": "Räckvidd", "en": "Range"},
    "paperwork.col.azimuth": {"sv": "Riktning", "en": "Azimuth"},
    "paperwork.col.footprint": {"sv": "Bevakad yta", "en": "Recorded area"},
    "paperwork.col.building": {"sv": "Byggnad", "en": "Building"},
    "paperwork.col.area_m2": {"sv": "Maskerad yta (m²)", "en": "Masked area (m²)"},
    "paperwork.dori.detect": {"sv": "upptäcka (25 px/m)", "en": "detect (25 px/m)"},
    "paperwork.dori.observe": {"sv": "observera (62 px/m)", "en": "observe (62 px/m)"},
    "paperwork.dori.recognise": {"sv": "känna igen (125 px/m)", "en": "recognise (125 px/m)"},
    "paperwork.dori.identify": {"sv": "identifiera (250 px/m)", "en": "identify (250 px/m)"},
    "paperwork.by_category": {"sv": "Per typ", "en": "By type"},
    "paperwork.hour_weekday_explained": {
        "sv": "Lokal tid. Timmar utan händelser visas inte.",
        "en": "Local time. Hours without incidents are not shown.",
    },
    "paperwork.fixed_camera": {
        "sv": "Fast monterade kameror med fast optik (inte rörliga, ingen zoom eller PTZ), ingen "
        "ljudupptagning.",
        "en": "Fixed cameras with fixed optics (not movable, no zoom or PTZ), no sound recording.",
    },
    "paperwork.masking_explained": {
        "sv": "Bostadsfasader, entréer och fönster i bild maskeras i kamerans bild. Ytan nedan "
        "är markytan inom 3 m från fasaden som ligger i kamerans synfält.",
        "en": "Residential facades, entrances and windows in view are masked in the camera "
        "image. The area below is the ground within 3 m of the facade in the camera's view.",
    },
    "paperwork.masking_none": {
        "sv": "Inga bostadshus i bild enligt byggnadsunderlaget. Kontrollera på plats vid "
        "installationen.",
        "en": "No residential buildings in view according to the building data. Check on site "
        "at installation.",
    },
    "paperwork.fill_in": {"sv": "FYLL I", "en": "FILL IN"},
    "paperwork.workplace_placeholder": {
        "sv": "Är platsen en arbetsplats (t.ex. butiks- eller trafikpersonal)? Beskriv i så fall "
        "hur arbetstagarna berörs.",
        "en": "Is the place a workplace (e.g. shop or transit staff)? If so, describe how the "
        "employees are affected.",
    },
    "paperwork.realtime_placeholder": {
        "sv": "Vem tittar på bilderna i realtid (befattning), var (t.ex. kommunens "
        "ledningscentral eller polisen) och vilka tider?",
        "en": "Who watches the images in real time (role), where (e.g. the municipality's "
        "control room or the police) and at what hours?",
    },
    "paperwork.balance_placeholder": {
        "sv": "Väg bevakningsintresset mot den enskildes intresse och ange slutsatsen, med "
        "hänvisning till underlaget ovan.",
        "en": "Weigh the surveillance interest against the individual's interest and state the "
        "conclusion, referring to the evidence above.",
    },
    "paperwork.dpia_reference": {
        "sv": "Konsekvensbedömning: [FYLL I: diarienummer].",
        "en": "DPIA: [FILL IN: reference number].",
    },
    "paperwork.mount.facade": {"sv": "fasad", "en": "facade"},
    "paperwork.mount.lamp_post": {"sv": "belysningsstolpe", "en": "lamp post"},
    "paperwork.mount.new_pole": {"sv": "ny stolpe", "en": "new pole"},
    "paperwork.stop_none": {
        "sv": "Ingen hållplats finns i underlaget.",
        "en": "There are no stops in the input data.",
    },
    "paperwork.map_caption": {
        "sv": "Blå yta: kamerans bevakade yta. Röd skraffering: maskering. Brunt: bostadshus, "
        "grått: övriga byggnader. Röd triangel: kamera, grön kvadrat: hållplats.",
        "en": "Blue: the camera's recorded area. Red hatching: masking. Brown: residential "
        "buildings, grey: other buildings. Red triangle: camera, green square: stop.",
    },
    "paperwork.recorded_area": {
        "sv": "Bevakad yta {m2} m² vid {place}.",
        "en": "Recorded area {m2} m² at {place}.",
    },
    "paperwork.review_next": {
        "sv": "Ny bedömning görs senast {date}, och tidigare om:",
        "en": "A new assessment is made by {date} at the latest, and earlier if:",
    },
    "paperwork.trigger.incidents": {
        "sv": "händelsebilden på platsen förändras (fler, färre eller andra slags händelser)",
        "en": "the incident picture at the place changes (more, fewer or other incidents)",
    },
    "paperwork.trigger.camera": {
        "sv": "kamera, optik, placering, riktning eller maskning ändras",
        "en": "the camera, optics, position, direction or masking changes",
    },
    "paperwork.trigger.purpose": {
        "sv": "ändamål, bevakningstider eller lagringstid ändras",
        "en": "the purpose, recording hours or retention changes",
    },
    "paperwork.place_type.borderline": {
        "sv": "hållplatsområde och angränsande plats (gränsfall)",
        "en": "stop area and adjoining place (borderline)",
    },
    "paperwork.forteckning.none_in_regime": {
        "sv": "Ingen förteckning enligt 10 § fanns under {regime}; raden förs för kommunens bruk.",
        "en": "No 10 § förteckning existed under {regime}; the row is kept for the "
        "municipality's records.",
    },
    "paperwork.forteckning.no_special": {
        "sv": "ingen ljudupptagning; ingen särskild teknik (t.ex. bildanalys)",
        "en": "no sound recording; no special technology (e.g. image analytics)",
    },
    "paperwork.forteckning.status_planned": {"sv": "planerad", "en": "planned"},
    "paperwork.forteckning.start_date": {"sv": "Startdatum", "en": "Start date"},
    "paperwork.forteckning.end_date": {"sv": "Slutdatum", "en": "End date"},
    "paperwork.forteckning.status": {"sv": "Status", "en": "Status"},
    "paperwork.forteckning.changed_dates": {"sv": "Ändringsdatum", "en": "Change dates"},
    "paperwork.forteckning.required": {
        "sv": "Post i förteckningen krävs (10 §)",
        "en": "Förteckning entry required (10 §)",
    },
    "paperwork.forteckning.explained": {
        "sv": "En rad per kamera: förteckningen över pågående kamerabevakning enligt 10 § KBL "
        "(från 2025-04-01). Den förs av kommunen och visas för IMY på begäran; inget ges in. "
        "Posten uppdateras vid start, ändring och upphörande och bevaras fem år efter att "
        "bevakningen upphört. Kameror som bara filmar hållplatsområden är undantagna "
        "(11 § 5 b) och står med som ej tillämpligt.",
        "en": "One row per camera: the förteckning of ongoing camera surveillance under 10 § "
        "KBL (from 2025-04-01). The municipality keeps it and shows it to IMY on request; "
        "nothing is filed. An entry is updated at start, change and end and kept five years "
        "after the surveillance ends. Cameras that film only stop areas are exempt "
        "(11 § 5 b) and are listed as not applicable.",
    },
    "paperwork.forteckning.sec_all": {
        "sv": "Förteckning enligt 10 § kamerabevakningslagen",
        "en": "Förteckning under 10 § kamerabevakningslagen",
    },
    "paperwork.forteckning.sec_entry": {
        "sv": "Post i förteckningen (10 §)",
        "en": "Förteckning entry (10 §)",
    },
    "paperwork.kind.assessment_forteckning": {
        "sv": "Dokumenterad intresseavvägning (8–9 §§) och post i förteckningen (10 §)",
        "en": "Documented balancing of interests (8–9 §§) and förteckning entry (10 §)",
    },
    "paperwork.kind.permit_authority": {
        "sv": "Tillståndsansökan till {authority} (innehåll)",
        "en": "Permit application to {authority} (content)",
    },
    "paperwork.sec.interest_surveillance_8_1": {
        "sv": "Bevakningsintresset (8 § första stycket)",
        "en": "The surveillance interest (8 § första stycket)",
    },
    "paperwork.sec.interest_individual_8_2": {
        "sv": "Den enskildes intresse (8 § andra stycket)",
        "en": "The individual's interest (8 § andra stycket)",
    },
    "paperwork.sec.necessity": {
        "sv": "Behov och brottsutsatt plats (7 §)",
        "en": "Need and crime-exposed place (7 §)",
    },
    "paperwork.sec.annex": {
        "sv": "Bilaga: undantagsargument (11 § 5 b)",
        "en": "Annex: the exemption argument (11 § 5 b)",
    },
    "paperwork.annex_explained": {
        "sv": "Kommunens tolkning är att undantaget för hållplatsområden kan gälla. Skälen, "
        "per kamera och efter vad kameran filmar:",
        "en": "The municipality reads the stop-area exemption as possibly applying. The "
        "reasons, per camera and by what the camera films:",
    },
    "paperwork.sec.checklist": {
        "sv": "Checklista för juridisk granskning",
        "en": "Checklist for the legal review",
    },
    "paperwork.sec.view": {
        "sv": "Vad kamerorna filmar",
        "en": "What the cameras film",
    },
    "paperwork.col.view_share": {
        "sv": "Andel av vyn i hållplatsområde",
        "en": "Share of view in stop area",
    },
    "paperwork.col.outside_m2": {"sv": "Utanför (m²)", "en": "Outside (m²)"},
    "paperwork.col.mask_lost": {
        "sv": "Maskerad bort (andel av vyn)",
        "en": "Masked away (share of view)",
    },
    "paperwork.stop_context": {
        "sv": "Närmaste hållplats: {name} (station {station}), {d} m från kameran. "
        "Hållplatsområdet antas vara {r} m runt varje plattform med avgångar: ett antagande, "
        "inte lag (legal.stop_area_radius_m).",
        "en": "Nearest stop: {name} (station {station}), {d} m from the camera. The stop area "
        "is taken as {r} m around every platform with departures: an assumption, not law "
        "(legal.stop_area_radius_m).",
    },
    "paperwork.incidents_in_view": {
        "sv": "{n} händelser inom det bevakade området. Endast datum, tid och typ redovisas, "
        "aldrig platsangivelser.",
        "en": "{n} incidents inside the recorded area. Only date, time and type are shown, "
        "never locations.",
    },
    "paperwork.no_incidents_in_view": {
        "sv": "Inga lägesbestämda händelser inom det bevakade området. Ett dokumenterat problem "
        "på just denna plats och dessa tider behövs: komplettera underlaget.",
        "en": "No located incidents inside the recorded area. A documented problem at this "
        "exact place and these hours is needed: add evidence.",
    },
    "paperwork.sec.near_zone": {
        "sv": "Händelser i närzonen (högst {m} m utanför det bevakade området)",
        "en": "Incidents in the near-zone (at most {m} m outside the recorded area)",
    },
    "paperwork.near_zone_explained": {
        "sv": "{n} händelser utanför det bevakade området men inom närzonen. De visar läget "
        "kring platsen men är inte brott inom det bevakade området. Närzonens bredd är ett "
        "antagande (legal.near_zone_m).",
        "en": "{n} incidents outside the recorded area but within the near-zone. They show the "
        "situation around the place but are not crimes inside the recorded area. The "
        "near-zone's width is an assumption (legal.near_zone_m).",
    },
    "paperwork.recording_hours_in_view": {
        "sv": "Förslaget täcker minst 80 % av händelserna inom det bevakade området med så få "
        "timmar per vecka som möjligt; tider efter midnatt hör till kvällen innan.",
        "en": "The proposal covers at least 80 % of the incidents inside the recorded area "
        "with as few hours per week as possible; hours after midnight belong to the evening "
        "before.",
    },
    "paperwork.trigger.betydande": {
        "sv": "bevakningen ändras betydande (9 § andra stycket: ny bedömning krävs)",
        "en": "the surveillance changes significantly (9 § andra stycket: a new assessment is "
        "required)",
    },
    "paperwork.trigger.months_routine": {
        "sv": "det har gått 12 månader sedan denna bedömning (kommunens rutin)",
        "en": "12 months have passed since this assessment (the municipality's routine)",
    },
    "paperwork.no_cameras": {"sv": "Planen har inga kameror.", "en": "The plan has no cameras."},
    "paperwork.yes": {"sv": "ja", "en": "yes"},
    "procurement.no_area": {
        "sv": "(utanför prioriterade områden)",
        "en": "(outside priority areas)",
    },
    "procurement.all": {"sv": "alla", "en": "all"},
    "procurement.unit.pcs": {"sv": "st", "en": "pcs"},
    "procurement.unit.site": {"sv": "platser", "en": "sites"},
    "procurement.unit.cameras": {"sv": "kameror", "en": "cameras"},
    "procurement.desc.vms": {"sv": "VMS-licens", "en": "VMS licence"},
    "procurement.desc.connectivity": {
        "sv": "Kommunikation (anslutning per plats)",
        "en": "Connectivity (connection per site)",
    },
    "procurement.desc.paperwork": {
        "sv": "Dokumentation och bedömning, {hours} h à {rate} kr per plats",
        "en": "Documentation and assessment, {hours} h at {rate} SEK per site",
    },
    "procurement.desc.permit": {
        "sv": "Tillståndsprocess hos IMY (planeringspåslag för ledtid och avslagsrisk)",
        "en": "IMY permit process (planning allowance for lead time and refusal risk)",
    },
    "procurement.desc.other": {
        "sv": "Avvikelse mot planens kostnader (kontrollera prislistan)",
        "en": "Difference to the plan's costs (check the price list)",
    },
    "procurement.total_phase": {"sv": "Summa etapp {phase}", "en": "Total phase {phase}"},
    "procurement.total": {"sv": "Summa totalt", "en": "Grand total"},
    "procurement.col.phase": {"sv": "Etapp", "en": "Phase"},
    "procurement.col.area": {"sv": "Område", "en": "Area"},
    "procurement.col.item": {"sv": "Post", "en": "Item"},
    "procurement.col.description": {"sv": "Beskrivning", "en": "Description"},
    "procurement.col.quantity": {"sv": "Antal", "en": "Quantity"},
    "procurement.col.unit": {"sv": "Enhet", "en": "Unit"},
    "procurement.col.unit_price_sek": {"sv": "À-pris (kr)", "en": "Unit price (SEK)"},
    "procurement.col.capex_sek": {"sv": "Investering (kr)", "en": "Capex (SEK)"},
    "procurement.col.opex_sek_per_year": {"sv": "Drift per år (kr)", "en": "Opex per year (SEK)"},
    "procurement.col.total_cost_sek": {
        "sv": "Kostnad inom horisonten (kr)",
        "en": "Cost over the horizon (SEK)",
    },
    "paperwork.no": {"sv": "nej", "en": "no"},
    # followup
    "followup.title": {"sv": "Uppföljning av kamerabevakningen", "en": "Camera follow-up"},
    "followup.period.interim": {
        "sv": "Delårsrapport {start} – {end}",
        "en": "Interim report {start} – {end}",
    },
    "followup.period.year": {
        "sv": "Årsrapport {start} – {end}",
        "en": "Annual report {start} – {end}",
    },
    "followup.period.custom": {
        "sv": "Uppföljning {start} – {end}",
        "en": "Follow-up {start} – {end}",
    },
    "followup.generated": {"sv": "Skapad", "en": "Generated"},
    "followup.scenario": {"sv": "Scenario", "en": "Scenario"},
    "followup.headline": {"sv": "Sammanfattning", "en": "Summary"},
    "followup.findings": {"sv": "Vad siffrorna säger", "en": "What the numbers say"},
    "followup.cameras_installed": {"sv": "Installerade kameror", "en": "Cameras installed"},
    "followup.cameras": {"sv": "kameror", "en": "cameras"},
    "followup.sites": {"sv": "platser", "en": "sites"},
    "followup.irr": {"sv": "Incidenskvot (DiD)", "en": "Incident-rate ratio (DiD)"},
    "followup.or": {"sv": "Oddskvot", "en": "Odds ratio"},
    "followup.ci95": {"sv": "95 % KI", "en": "95 % CI"},
    "followup.spent": {"sv": "Utfall", "en": "Spent"},
    "followup.of_budget": {"sv": "av budget", "en": "of the budget"},
    "followup.not_estimable": {"sv": "kan inte skattas", "en": "cannot be estimated"},
    "followup.did_sentence_lower": {
        "sv": "I kameraområdena var antalet händelser per månad efter installationen {pct} % lägre "
        "än kontrollområdenas utveckling förutsäger (incidenskvot {irr}, 95 % KI {lo}–{hi}, "
        "modell: {model}).",
        "en": "In the camera areas, incidents per month after installation were {pct} % lower "
        "than the control areas' development predicts (incident-rate ratio {irr}, 95 % CI "
        "{lo}–{hi}, model: {model}).",
    },
    "followup.did_sentence_higher": {
        "sv": "I kameraområdena var antalet händelser per månad efter installationen {pct} % högre "
        "än kontrollområdenas utveckling förutsäger (incidenskvot {irr}, 95 % KI {lo}–{hi}, "
        "modell: {model}).",
        "en": "In the camera areas, incidents per month after installation were {pct} % higher "
        "than the control areas' development predicts (incident-rate ratio {irr}, 95 % CI "
        "{lo}–{hi}, model: {model}).",
    },
    "followup.did_not_estimable": {
        "sv": "Effekten kunde inte skattas med difference-in-differences-modellen.",
        "en": "The effect could not be estimated with the difference-in-differences model.",
    },
    "followup.significant": {
        "sv": "Intervallet innehåller inte 1: förändringen är statistiskt signifikant på 5 "
        "%-nivån. "
        "Det visar ett samband i dessa områden under denna period, inte att kamerorna orsakade "
        "det.",
        "en": "The interval does not contain 1: the change is statistically significant at the 5 % "
        "level. It shows an association in these areas in this period, not that the cameras "
        "caused it.",
    },
    "followup.not_significant": {
        "sv": "Intervallet innehåller 1: förändringen är inte statistiskt signifikant och kan inte "
        "skiljas från slumpen.",
        "en": "The interval contains 1: the change is not statistically significant and cannot be "
        "told apart from chance.",
    },
    "followup.or_sentence": {
        "sv": "Oddskvoten före/efter i kameraområden mot kontrollområden är {ratio} (95 % KI "
        "{lo}–{hi}; händelser {a} → {b} i kameraområdena, {c} → {d} i kontrollområdena). "
        "Över 1 betyder relativt färre händelser i kameraområdena.",
        "en": "The before/after odds ratio of camera areas against control areas is {ratio} "
        "(95 % CI {lo}–{hi}; incidents {a} → {b} in the camera areas, {c} → {d} in the control "
        "areas). Above 1 means relatively fewer incidents in the camera areas.",
    },
    "followup.modest": {
        "sv": "Sammanställningar av forskningen finner i genomsnitt måttliga minskningar av "
        "brottsligheten med kamerabevakning, störst på parkeringsplatser och mindre i stadskärnor "
        "och bostadsområden (Welsh & Farrington 2009; Piza m.fl. 2019). Måttliga eller inga "
        "effekter är alltså det normala. Ett år med ett fåtal platser ger breda intervall: bedöm "
        "resultatet över flera år.",
        "en": "Research reviews find modest average reductions in crime with camera surveillance, "
        "largest in car parks and smaller in city centres and residential areas (Welsh & "
        "Farrington 2009; Piza et al. 2019). Modest or no effects are therefore normal. One year "
        "at a few sites gives wide intervals: judge the results over several years.",
    },
    "followup.installation": {"sv": "Installation", "en": "Installation"},
    "followup.first_last": {"sv": "Första – sista installation", "en": "First – last installation"},
    "followup.installed_after": {
        "sv": "Installerade efter periodens slut (ingår inte)",
        "en": "Installed after the period (not included)",
    },
    "followup.footprint.plan": {
        "sv": "Bevakad yta från planen (plan.gpkg)",
        "en": "Footprint from the plan (plan.gpkg)",
    },
    "followup.footprint.moved": {
        "sv": "Flyttade eller vridna kameror (yta omräknad som kilformad sektor)",
        "en": "Moved or turned cameras (footprint rebuilt as a wedge)",
    },
    "followup.footprint.wedge": {
        "sv": "Yta beräknad som kilformad sektor (utan byggnader)",
        "en": "Footprint rebuilt as a wedge (buildings ignored)",
    },
    "followup.month": {"sv": "Månad", "en": "Month"},
    "followup.method": {"sv": "Metod och jämförelsegrupper", "en": "Method and comparison groups"},
    "followup.method_units": {
        "sv": "Analysenheter är {kind}. En enhet räknas som bevakad när minst {overlap} % av den "
        "ligger inom kamerornas bevakade ytor. Buffertzonen är övriga enheter inom {buffer_m} m "
        "från ytorna. Till varje bevakad enhet väljs {k} kontrollenheter av samma rättsliga klass "
        "(eller områdestyp) med närmast samma antal händelser före installationen, utanför "
        "buffertzonen. Kontroller som valts för ett högt antal före kan falla tillbaka mot sitt "
        "normala läge (regression mot medelvärdet).",
        "en": "The units of analysis are {kind}. A unit counts as covered when at least {overlap} "
        "% "
        "of it lies inside the cameras' footprints. The buffer is the other units within "
        "{buffer_m} m of the footprints. Each covered unit gets {k} control units of the same "
        "legal class (or area type) with the nearest number of incidents before installation, "
        "outside the buffer. Controls chosen for a high count before may fall back toward their "
        "usual level (regression to the mean).",
    },
    "followup.method_windows": {
        "sv": "Efter = från sista installationen (eller periodens början, om den är senare) till "
        "periodens slut ({after_start} – {after_end}); före = samma datum ett år tidigare "
        "({before_start} – {before_end}), så att årstiden är densamma.",
        "en": "After = from the last installation (or the start of the period, if later) to the "
        "end of the period ({after_start} – {after_end}); before = the same dates one year "
        "earlier ({before_start} – {before_end}), so the season is the same.",
    },
    "followup.unit.corridor": {"sv": "gatusegment", "en": "corridor segments"},
    "followup.unit.cell": {"sv": "kvadratiska rutor", "en": "square cells"},
    "followup.group": {"sv": "Grupp", "en": "Group"},
    "followup.group.treated": {"sv": "Kameraområden", "en": "Camera areas"},
    "followup.group.buffer": {"sv": "Buffertzon", "en": "Buffer ring"},
    "followup.group.control": {"sv": "Kontrollområden", "en": "Control areas"},
    "followup.n_units": {"sv": "Enheter", "en": "Units"},
    "followup.before": {"sv": "Före", "en": "Before"},
    "followup.after": {"sv": "Efter", "en": "After"},
    "followup.change": {"sv": "Förändring", "en": "Change"},
    "followup.counts_only": {
        "sv": "Endast antal redovisas; inga platser för enskilda händelser.",
        "en": "Only counts are shown; no locations of single incidents.",
    },
    "followup.or_title": {"sv": "Oddskvot före/efter", "en": "Before/after odds ratio"},
    "followup.relative_change": {
        "sv": "Relativ förändring i kameraområdena (utöver kontrollernas)",
        "en": "Relative change in the camera areas (beyond the controls')",
    },
    "followup.or_explained": {
        "sv": "OR = (a·d)/(b·c) med a, b händelser i kameraområdena före/efter och c, d i "
        "kontrollområdena; V(ln OR) = 1/a + 1/b + 1/c + 1/d; 95 % KI = exp(ln OR ± 1,96·√V) "
        "(Welsh & Farrington 2009).",
        "en": "OR = (a·d)/(b·c) with a, b incidents in the camera areas before/after and c, d in "
        "the control areas; V(ln OR) = 1/a + 1/b + 1/c + 1/d; 95 % CI = exp(ln OR ± 1.96·√V) "
        "(Welsh & Farrington 2009).",
    },
    "followup.did_title": {
        "sv": "Difference-in-differences per månad",
        "en": "Difference-in-differences by month",
    },
    "followup.model": {"sv": "Modell", "en": "Model"},
    "followup.model.poisson": {"sv": "Poisson", "en": "Poisson"},
    "followup.model.negative_binomial": {"sv": "negativ binomial", "en": "negative binomial"},
    "followup.dispersion": {
        "sv": "Överspridning (Pearson χ²/fg i Poisson)",
        "en": "Overdispersion (Pearson χ²/df of the Poisson fit)",
    },
    "followup.panel_size": {"sv": "Enheter × månader (rader)", "en": "Units × months (rows)"},
    "followup.units_dropped": {
        "sv": "Enheter utan någon händelse (utelämnade)",
        "en": "Units without any incident (left out)",
    },
    "followup.did_explained": {
        "sv": "Antal händelser per enhet och månad ({panel_start} – {panel_end}) med fasta "
        "effekter för enhet och månad; varje enhet räknas som efter från första hela månaden "
        "efter sin egen installation, installationsmånaden utelämnas. Poisson, eller negativ "
        "binomial om Pearson χ²/fg > 1,5; standardfel klustrade per enhet. Incidenskvoten "
        "exp(β) under 1 betyder färre händelser än kontrollerna förutsäger.",
        "en": "Incidents per unit and month ({panel_start} – {panel_end}) with unit and month "
        "fixed effects; each unit counts as after from the first full month after its own "
        "installation, the installation month is left out. Poisson, or negative binomial when "
        "Pearson χ²/df > 1.5; standard errors clustered by unit. An incident-rate ratio exp(β) "
        "below 1 means fewer incidents than the controls predict.",
    },
    "followup.chart.per_unit": {
        "sv": "Händelser per enhet och månad",
        "en": "Incidents per unit and month",
    },
    "followup.chart.monthly_explained": {
        "sv": "Lodräta linjer: första (prickad) och sista (streckad) installationsmånad.",
        "en": "Vertical lines: first (dotted) and last (dashed) installation month.",
    },
    "followup.chart.spent": {"sv": "Utfall hittills i år", "en": "Spent so far this year"},
    "followup.chart.budget": {"sv": "Budget", "en": "Budget"},
    "followup.chart.forecast": {"sv": "Prognos helår", "en": "Year-end forecast"},
    "followup.chart.ksek": {"sv": "tkr", "en": "kSEK"},
    "followup.wdq_title": {
        "sv": "Förflyttning till närområdet (WDQ)",
        "en": "Displacement to the surroundings (WDQ)",
    },
    "followup.success_measure": {
        "sv": "Framgångsmått Ra/Ca − Rb/Cb",
        "en": "Success measure Ra/Ca − Rb/Cb",
    },
    "followup.buffer_measure": {
        "sv": "Buffertmått Ba/Ca − Bb/Cb",
        "en": "Buffer measure Ba/Ca − Bb/Cb",
    },
    "followup.wdq.no_control": {
        "sv": "WDQ kan inte beräknas: kontrollområdena saknar händelser i en av perioderna.",
        "en": "The WDQ cannot be computed: the control areas have no incidents in one period.",
    },
    "followup.wdq.no_success": {
        "sv": "WDQ tolkas inte: kameraområdena minskade inte i förhållande till kontrollområdena.",
        "en": "The WDQ is not interpreted: the camera areas did not improve relative to the "
        "control areas.",
    },
    "followup.wdq.net_loss": {
        "sv": "WDQ = {wdq}: fler händelser tycks ha flyttat till buffertzonen än som försvann i "
        "kameraområdena.",
        "en": "WDQ = {wdq}: more incidents seem to have moved to the buffer than disappeared from "
        "the camera areas.",
    },
    "followup.wdq.displacement": {
        "sv": "WDQ = {wdq}: tecken på viss förflyttning till buffertzonen, mindre än minskningen i "
        "kameraområdena.",
        "en": "WDQ = {wdq}: signs of some displacement to the buffer, smaller than the reduction "
        "in "
        "the camera areas.",
    },
    "followup.wdq.none": {
        "sv": "WDQ = {wdq}: ingen förändring i buffertzonen.",
        "en": "WDQ = {wdq}: no change in the buffer.",
    },
    "followup.wdq.diffusion": {
        "sv": "WDQ = {wdq}: buffertzonen minskade också (spridning av nyttan), mindre än "
        "kameraområdena.",
        "en": "WDQ = {wdq}: the buffer improved too (diffusion of benefits), less than the camera "
        "areas.",
    },
    "followup.wdq.diffusion_exceeds": {
        "sv": "WDQ = {wdq}: buffertzonen minskade mer än kameraområdena (spridning av nyttan).",
        "en": "WDQ = {wdq}: the buffer improved more than the camera areas (diffusion of "
        "benefits).",
    },
    "followup.wdq_explained": {
        "sv": "WDQ = (Ba/Ca − Bb/Cb) / (Ra/Ca − Rb/Cb) med R kameraområdena, B buffertzonen, "
        "C kontrollområdena, b före och a efter (Bowers & Johnson 2003). Tolkas bara när "
        "framgångsmåttet är negativt. Positiv: spridning av nyttan; negativ: förflyttning; "
        "under −1: mer förflyttat än förhindrat. Buffertens antal är små: läs värdet försiktigt.",
        "en": "WDQ = (Ba/Ca − Bb/Cb) / (Ra/Ca − Rb/Cb) with R the camera areas, B the buffer, "
        "C the control areas, b before and a after (Bowers & Johnson 2003). Read only when the "
        "success measure is negative. Positive: diffusion of benefits; negative: displacement; "
        "below −1: more displaced than prevented. Buffer counts are small: read it with care.",
    },
    "followup.economics": {"sv": "Ekonomi", "en": "Economics"},
    "followup.remaining": {"sv": "Kvar av budget", "en": "Budget left"},
    "followup.forecast": {"sv": "Prognos helår", "en": "Year-end forecast"},
    "followup.vs_budget": {"sv": "mot budget", "en": "against the budget"},
    "followup.cost_per_camera": {"sv": "Kostnad per kamera", "en": "Cost per camera"},
    "followup.cost_per_km": {
        "sv": "Kostnad per bevakad km gata",
        "en": "Cost per covered km of corridor",
    },
    "followup.no_corridors": {"sv": "inga gatusegment angivna", "en": "no corridors given"},
    "followup.forecast_explained": {
        "sv": "Prognosen räknar upp utfallet hittills i år ({ytd} kr) linjärt till helår. "
        "Investeringar kommer tidigt, så när installationen är klar överskattar den årets utfall.",
        "en": "The forecast scales the year-to-date spending ({ytd} SEK) linearly to the full "
        "year. Capital costs come early, so once installation is done it overstates the year.",
    },
    "followup.planned_cost": {
        "sv": "Planerad kostnad för de installerade kamerorna: {planned} kr.",
        "en": "Planned cost of the installed cameras: {planned} SEK.",
    },
    "followup.by_category": {"sv": "Per kostnadsslag", "en": "By category"},
    "followup.by_area": {"sv": "Per område", "en": "By area"},
    "followup.category": {"sv": "Kostnadsslag", "en": "Category"},
    "followup.category.camera": {"sv": "Kameror", "en": "Cameras"},
    "followup.category.mount": {"sv": "Montering", "en": "Mounting"},
    "followup.category.connectivity": {"sv": "Anslutning", "en": "Connectivity"},
    "followup.category.vms": {"sv": "Videosystem (VMS)", "en": "Video management (VMS)"},
    "followup.category.operation": {"sv": "Drift", "en": "Operation"},
    "followup.category.paperwork": {"sv": "Utredning och dokumentation", "en": "Paperwork"},
    "followup.category.other": {"sv": "Övrigt", "en": "Other"},
    "followup.amount": {"sv": "Belopp", "en": "Amount"},
    "followup.total": {"sv": "Summa", "en": "Total"},
    "followup.area": {"sv": "Område", "en": "Area"},
    "followup.area_shared": {
        "sv": "Gemensamt eller utanför områdena",
        "en": "Shared or outside the areas",
    },
    "followup.n_sites": {"sv": "Platser", "en": "Sites"},
    "followup.notes": {"sv": "Anmärkningar", "en": "Notes"},
    "followup.note.installed_after": {
        "sv": "{n} kamera(or) installerades efter periodens slut och ingår inte.",
        "en": "{n} camera(s) were installed after the period and are not included.",
    },
    "followup.note.area_level_excluded": {
        "sv": "{n} händelse(r) har bara ett områdesnamn, ingen plats, och ingår inte i "
        "jämförelsen.",
        "en": "{n} incident(s) have only an area name, no location, and are left out of the "
        "comparison.",
    },
    "followup.note.grid_units": {
        "sv": "Inga gatusegment angavs: analysenheterna är rutor om {grid_m:g} m, och kostnaden "
        "per "
        "km kan inte beräknas. Ange planens mapp (--plan) för att använda gatusegmenten.",
        "en": "No corridors were given: the units are {grid_m:g} m cells and the cost per km is "
        "unknown. Pass the plan's folder (--plan) to use the corridors.",
    },
    "followup.note.data_starts_late": {
        "sv": "Händelsedata börjar {date}, efter början av före-perioden: före-antalen är för "
        "låga.",
        "en": "The incident data start on {date}, after the start of the before window: the "
        "before counts are too low.",
    },
    "followup.note.data_ends_early": {
        "sv": "Händelsedata slutar {date}, före periodens slut: efter-antalen är för låga.",
        "en": "The incident data end on {date}, before the end of the period: the after counts "
        "are too low.",
    },
    "followup.note.short_after": {
        "sv": "Efter-perioden är bara {days} dagar: skattningarna är mycket osäkra.",
        "en": "The after window is only {days} days: the estimates are very uncertain.",
    },
    "followup.note.continuity_correction": {
        "sv": "Ett av antalen är 0, så 0,5 har lagts till alla fyra (kontinuitetskorrektion).",
        "en": "One of the counts is 0, so 0.5 was added to all four (continuity correction).",
    },
    "followup.note.privacy": {
        "sv": "Rapporten innehåller bara antal händelser per grupp och månad, inga personuppgifter "
        "och inga platser för enskilda händelser.",
        "en": "The report holds only incident counts per group and month, no personal data and "
        "no locations of single incidents.",
    },
    "followup.note.incidents": {
        "sv": "{n_points} händelser med plats; {n_outside} av dem ligger utanför alla enheter.",
        "en": "{n_points} incidents with a location; {n_outside} of them lie outside every unit.",
    },
    "followup.references": {"sv": "Källor", "en": "References"},
    "followup.sek": {"sv": "kr", "en": "SEK"},
    # followup: effects over camera sites (issue 14)
    "followup.effect.too_few_sites": {
        "sv": "Osäkert: med {n} kameraplatser (färre än {min}) kan uppgifterna inte visa en "
        "effekt åt något håll. Intervallet rymmer {lo} till {hi} (skattning {est}).",
        "en": "Uncertain: with {n} camera sites (fewer than {min}) the data cannot show an effect "
        "either way. The interval holds {lo} to {hi} (estimate {est}).",
    },
    "followup.effect.uncertain": {
        "sv": "Osäkert: intervallet rymmer {lo} till {hi} (skattning {est}). Förändringen är "
        "inte statistiskt säkerställd.",
        "en": "Uncertain: the interval holds {lo} to {hi} (estimate {est}). The change is not "
        "statistically established.",
    },
    "followup.effect.clear": {
        "sv": "Intervallet rymmer {lo} till {hi} (skattning {est}) och utesluter ingen "
        "förändring: förändringen är statistiskt säkerställd på 5 %-nivån. Det visar ett "
        "samband på dessa platser under perioden, inte att kamerorna orsakade det.",
        "en": "The interval holds {lo} to {hi} (estimate {est}) and excludes no change: the "
        "change is statistically established at the 5 % level. It shows an association at "
        "these sites in this period, not that the cameras caused it.",
    },
    "followup.effect.not_estimable": {
        "sv": "Effekten per kameraplats kunde inte skattas (för få platser eller händelser).",
        "en": "The effect by camera site could not be estimated (too few sites or incidents).",
    },
    "followup.effect.direction": {
        "sv": "Alla effekter anges som förändring i antal händelser utöver kontrollernas "
        "(negativ = färre).",
        "en": "Every effect is a change in incidents beyond the controls' (negative = fewer).",
    },
    "followup.unbounded": {"sv": "obegränsat", "en": "unbounded"},
    "followup.estimates": {"sv": "Alla skattningar", "en": "All estimates"},
    "followup.estimate": {"sv": "Skattning", "en": "Estimate"},
    "followup.interval": {"sv": "95 % intervall", "en": "95 % interval"},
    "followup.method_col": {"sv": "Metod", "en": "Method"},
    "followup.method.randomization": {
        "sv": "Placebotest över kontrollplatser (huvudresultat)",
        "en": "Randomization (placebo) inference over control sites (headline)",
    },
    "followup.method.wild_cluster_bootstrap": {
        "sv": "Vild klusterbootstrap, kluster = plats",
        "en": "Wild cluster bootstrap, clustered by site",
    },
    "followup.method.pooled_sites": {
        "sv": "Oddskvoter per plats, sammanvägda (slumpeffekter)",
        "en": "Site odds ratios, pooled (random effects)",
    },
    "followup.method.odds_ratio": {
        "sv": "Oddskvot av summerade antal",
        "en": "Odds ratio of the summed counts",
    },
    "followup.method.twfe": {
        "sv": "Tvåvägs fasta effekter per månad (endast jämförelse)",
        "en": "Two-way fixed effects by month (comparison only)",
    },
    "followup.sites_title": {"sv": "Effekt per kameraplats", "en": "Effect by camera site"},
    "followup.site": {"sv": "Plats", "en": "Site"},
    "followup.installed_on": {"sv": "Installerad", "en": "Installed"},
    "followup.site_counts": {"sv": "Plats före → efter", "en": "Site before → after"},
    "followup.control_counts": {"sv": "Kontroller före → efter", "en": "Controls before → after"},
    "followup.sites_explained": {
        "sv": "Varje plats jämförs från sin egen installationsdag: efter = dagen efter "
        "installationen till periodens slut (högst ett år), före = samma kalenderdagar hela år "
        "tidigare. Kontrollerna matchades på antal händelser {match_start} – {match_end}, före "
        "alla före-perioder. Oddskvoternas varians är uppräknad med överspridningen φ = {phi} "
        "(Farrington m.fl. 2007) och platserna vägs samman med slumpeffekter (DerSimonian & "
        "Laird 1986). Placebotestet flyttar kamerornas platser till {n_control} kontrollplatser "
        "({n_draws} tilldelningar) och ger ett giltigt intervall även med få platser; med färre "
        "än {min} kameraplatser redovisas inget resultat som säkerställt.",
        "en": "Each site is compared from its own installation day: after = the day after "
        "installation to the end of the period (at most a year), before = the same calendar "
        "days whole years earlier. The controls were matched on incidents {match_start} – "
        "{match_end}, before every before window. The odds-ratio variances are inflated by the "
        "overdispersion φ = {phi} (Farrington et al. 2007) and the sites are pooled with "
        "random effects (DerSimonian & Laird 1986). The placebo test moves the cameras to "
        "{n_control} control sites ({n_draws} assignments) and gives a valid interval even "
        "with few sites; with fewer than {min} camera sites no result is called established.",
    },
    "followup.rtm": {
        "sv": "Kameraplatserna valdes för att de hade många händelser. En del av en minskning "
        "där kan vara regression mot medelvärdet, inte en effekt av kamerorna.",
        "en": "The camera sites were chosen because they had many incidents. Part of a drop "
        "there may be regression to the mean, not an effect of the cameras.",
    },
    "followup.note.no_after_window": {
        "sv": "{n} plats(er) installerades på periodens sista dag och har ingen efter-period.",
        "en": "{n} site(s) were installed on the last day of the period and have no after window.",
    },
    "followup.windows_envelope": {
        "sv": "Platsernas egna perioder: efter från {after_start} (första platsen) till "
        "{after_end}; före inom {before_start} – {before_end}.",
        "en": "The sites' own windows: after from {after_start} (first site) to {after_end}; "
        "before within {before_start} – {before_end}.",
    },
    "followup.method.group_time": {
        "sv": "Grupp–tid-effekter per installationskvartal (Callaway & Sant'Anna)",
        "en": "Group-time effects by installation quarter (Callaway & Sant'Anna)",
    },
    "followup.event_title": {
        "sv": "Före och efter installationen, kvartal för kvartal",
        "en": "Before and after installation, quarter by quarter",
    },
    "followup.event_explained": {
        "sv": "Förändring i kameraplatsernas händelser mot deras kontroller, per kvartal räknat "
        "från varje plats egen installation, jämfört med kvartalet före (−1). Punkter före "
        "installationen ska ligga nära 0; annars förändrades platserna redan innan kamerorna "
        "kom. Tvåvägs fasta effekter visas bara som jämförelse: de blir snedvridna när "
        "installationerna sker vid olika tidpunkter (Goodman-Bacon 2021).",
        "en": "Change in the camera sites' incidents against their controls, by quarter counted "
        "from each site's own installation, relative to the quarter before (−1). Points before "
        "installation should lie near 0; otherwise the sites were already changing before the "
        "cameras came. Two-way fixed effects are shown only as a comparison: they are biased "
        "when installations happen at different times (Goodman-Bacon 2021).",
    },
    "followup.pretrend_ok": {
        "sv": "Test av trend före installationen: p = {p} ({df} kvartal); ingen tydlig förtrend.",
        "en": "Test of a trend before installation: p = {p} ({df} quarters); no clear pre-trend.",
    },
    "followup.note.pretrend": {
        "sv": "Kameraplatserna förändrades redan före installationen annorlunda än kontrollerna "
        "(test av förtrend p = {p}): jämförelserna före/efter är osäkra.",
        "en": "The camera sites were already changing differently from their controls before "
        "installation (pre-trend test p = {p}): the before/after comparisons are suspect.",
    },
    "followup.pretrend_none": {
        "sv": "För få kvartal före installationen för ett test av förtrend.",
        "en": "Too few quarters before installation to test for a pre-trend.",
    },
    "followup.chart.event_x": {
        "sv": "Kvartal från installationen",
        "en": "Quarters from installation",
    },
    "followup.chart.event_y": {
        "sv": "Förändring mot kontroller (%)",
        "en": "Change against controls (%)",
    },
    "followup.cohort": {"sv": "Installationskvartal", "en": "Installation quarter"},
    "followup.wdd": {
        "sv": "Viktad förflyttningsdifferens (WDD): {wdd} händelser (95 % intervall {lo} till "
        "{hi}, p = {p}). Negativ = färre händelser i kameraområdena och buffertzonen "
        "tillsammans än kontrollerna förutsäger, efter eventuell förflyttning.",
        "en": "Weighted displacement difference (WDD): {wdd} incidents (95 % interval {lo} to "
        "{hi}, p = {p}). Negative = fewer incidents in the camera areas and the buffer together "
        "than the controls predict, net of any displacement.",
    },
    "followup.wdd_none": {
        "sv": "WDD kan inte beräknas: kontrollområdena saknar händelser före.",
        "en": "The WDD cannot be computed: the control areas have no incidents before.",
    },
    "followup.wdq_explained2": {
        "sv": "WDQ = (Ba/Ca − Bb/Cb) / (Ra/Ca − Rb/Cb) med R kameraområdena, B buffertzonen, "
        "C kontrollområdena, b före och a efter (Bowers & Johnson 2003); tolkas bara när "
        "framgångsmåttet är negativt. WDD = ΔR − k_R·ΔC + ΔB − k_B·ΔC med kontrollerna skalade "
        "till respektive områdes nivå före, varians = summan av antalen (Wheeler & Ratcliffe "
        "2018).",
        "en": "WDQ = (Ba/Ca − Bb/Cb) / (Ra/Ca − Rb/Cb) with R the camera areas, B the buffer, C "
        "the control areas, b before and a after (Bowers & Johnson 2003); read only when the "
        "success measure is negative. WDD = ΔR − k_R·ΔC + ΔB − k_B·ΔC with the controls scaled "
        "to each area's level before, variance = the sum of the counts (Wheeler & Ratcliffe "
        "2018).",
    },
    "followup.note.small_counts": {
        "sv": "Antalen i kameraområdena eller buffertzonen är små (under 10 i en period): läs "
        "förflyttningsmåtten försiktigt.",
        "en": "The counts in the camera areas or the buffer are small (below 10 in a window): "
        "read the displacement measures with care.",
    },
    "followup.money_title": {"sv": "Investering och drift", "en": "Investment and running costs"},
    "followup.line": {"sv": "Post", "en": "Line"},
    "followup.line_budget": {"sv": "Budget", "en": "Budget"},
    "followup.actual": {"sv": "Utfall i år", "en": "Actual this year"},
    "followup.committed": {"sv": "Beslutat/planerat", "en": "Committed"},
    "followup.investment": {"sv": "Investering", "en": "Investment"},
    "followup.running": {"sv": "Drift", "en": "Running costs"},
    "followup.depreciation": {
        "sv": "Avskrivning {years:g} år: {per_year} kr per år.",
        "en": "Depreciation over {years:g} years: {per_year} SEK a year.",
    },
    "followup.forecast_plan": {
        "sv": "Prognosen för helåret är utfallet hittills plus planerad återstående investering "
        "({remaining} kr) plus driftkostnaden i nuvarande takt ({rate} kr per månad i {months} "
        "månader), inte en linjär uppräkning av utfallet.",
        "en": "The year-end forecast is spending so far plus the planned remaining investment "
        "({remaining} SEK) plus running costs at the current rate ({rate} SEK a month for "
        "{months} months), not a linear extrapolation of spending.",
    },
    "followup.procurement": {
        "sv": "Kontraktsvärde inklusive drift i {years:g} år och optioner: {value} kr.",
        "en": "Contract value including {years:g} years of operation and options: {value} SEK.",
    },
    "followup.threshold_above": {
        "sv": "Över gränsen för direktupphandling ({limit} kr, {year}, källa: {source}): "
        "upphandla enligt LOU.",
        "en": "Above the direct-procurement threshold ({limit} SEK, {year}, source: {source}): "
        "procure under the Public Procurement Act.",
    },
    "followup.threshold_below": {
        "sv": "Under gränsen för direktupphandling ({limit} kr, {year}, källa: {source}).",
        "en": "Below the direct-procurement threshold ({limit} SEK, {year}, source: {source}).",
    },
    "followup.threshold_missing": {
        "sv": "Ingen gräns för direktupphandling angiven (followup.direct_procurement_"
        "threshold_sek); ange årets värde och källa.",
        "en": "No direct-procurement threshold given (followup.direct_procurement_threshold_"
        "sek); give this year's value and its source.",
    },
    "followup.storage": {
        "sv": "Lagring för {days} dygns bevarande ({codec}, {fps:g} bilder/s, aktivitet "
        "{activity}): {tb} TB totalt, {mbps} Mbit/s.",
        "en": "Storage for {days} days of retention ({codec}, {fps:g} frames/s, activity "
        "{activity}): {tb} TB in total, {mbps} Mbit/s.",
    },
    "followup.bitrate": {"sv": "Bithastighet (Mbit/s)", "en": "Bitrate (Mbit/s)"},
    "followup.storage_tb": {"sv": "Lagring (TB)", "en": "Storage (TB)"},
    # followup: controls, regression to the mean, operations (issue 14)
    "followup.controls_title": {"sv": "Kontroller", "en": "Controls"},
    "followup.interventions": {
        "sv": "{areas} område(n) med andra insatser (polisens kameror, väktare) är angivna: "
        "{units} enhet(er) som berör dem används aldrig som kontroller. {treated} enhet(er) "
        "på kameraplatserna berör sådana områden; förändringen där är inte kamerornas enbart.",
        "en": "{areas} area(s) of other interventions (police cameras, guards) are given: "
        "{units} unit(s) touching them never serve as controls. {treated} camera-site unit(s) "
        "touch such areas; the change there is not the cameras' alone.",
    },
    "followup.interventions_none": {
        "sv": "Inget lager med andra insatser (polisens kameror, väktare) angavs; kontrollerna "
        "kan ha påverkats av sådana.",
        "en": "No layer of other interventions (police cameras, guards) was given; the "
        "controls may have been affected by such.",
    },
    "followup.note.treated_in_interventions": {
        "sv": "{n} enhet(er) på kameraplatserna ligger i områden med andra insatser.",
        "en": "{n} camera-site unit(s) lie in areas of other interventions.",
    },
    "followup.rtm.hotspot": {
        "sv": "Kameraplatserna hade {ratio} gånger så många händelser per enhet som en "
        "genomsnittlig enhet med händelser under matchningsperioden ({start} – {end}).",
        "en": "The camera sites had {ratio} times the incidents per unit of the average unit "
        "with incidents in the matching window ({start} – {end}).",
    },
    "followup.rtm.flagged": {
        "sv": "Fram till installationen ändrades händelserna där {t_rise}, hos kontrollerna "
        "{c_rise} (platserna {excess} jämfört med kontrollerna): platserna stack upp just "
        "före installationen, och en del av en senare minskning kan vara regression mot "
        "medelvärdet.",
        "en": "Up to installation their incidents changed {t_rise}, the controls' {c_rise} "
        "(the sites {excess} against the controls): the sites stood out just before "
        "installation, and part of a later drop may be regression to the mean.",
    },
    "followup.rtm.not_flagged": {
        "sv": "Fram till installationen ändrades händelserna där {t_rise}, hos kontrollerna "
        "{c_rise} (platserna {excess} jämfört med kontrollerna): ingen topp just före "
        "installationen syns, men regression mot medelvärdet kan inte uteslutas.",
        "en": "Up to installation their incidents changed {t_rise}, the controls' {c_rise} "
        "(the sites {excess} against the controls): no peak just before installation shows, "
        "but regression to the mean cannot be ruled out.",
    },
    "followup.rtm.undefined": {
        "sv": "För få händelser under matchningsperioden för att jämföra utvecklingen före "
        "installationen.",
        "en": "Too few incidents in the matching window to compare the trend before installation.",
    },
    "followup.rtm.match_rate": {
        "sv": "Händelser per enhet och 30 dagar, matchningsperioden",
        "en": "Incidents per unit and 30 days, matching window",
    },
    "followup.rtm.before_rate": {
        "sv": "Händelser per enhet och 30 dagar, före-perioderna",
        "en": "Incidents per unit and 30 days, before windows",
    },
    "followup.rtm_table": {
        "sv": "Regression mot medelvärdet (se resultaten ovan): kameraplatsernas och "
        "kontrollernas händelser före installationen.",
        "en": "Regression to the mean (see the findings above): the camera sites' and the "
        "controls' incidents before installation.",
    },
    "followup.rtm.all_units": {"sv": "Enheter med händelser", "en": "Units with incidents"},
    "followup.operations_title": {
        "sv": "Drift: utlämnat material och drifttid",
        "en": "Operations: footage disclosed and uptime",
    },
    "followup.disclosures": {
        "sv": "Utlämnat material till polisen",
        "en": "Footage disclosed to the police",
    },
    "followup.disclosures_used": {
        "sv": "{used} användes i ärendet ({share} av kända)",
        "en": "{used} used in the case ({share} of known)",
    },
    "followup.per_30_days": {"sv": "per 30 dagar", "en": "per 30 days"},
    "followup.uptime": {"sv": "Drifttid", "en": "Uptime"},
    "followup.downtime_hours": {"sv": "timmar ur drift", "en": "hours down"},
    "followup.active_days": {"sv": "Dagar i drift", "en": "Days in service"},
    "followup.used_col": {"sv": "Använt", "en": "Used"},
    "followup.not_used_col": {"sv": "Ej använt", "en": "Not used"},
    "followup.unknown_col": {"sv": "Okänt", "en": "Unknown"},
    "followup.used_share": {"sv": "Andel använt", "en": "Share used"},
    "followup.operations_explained": {
        "sv": "Räknat per kameraplats från installationen (eller periodens början) till "
        "periodens slut. Andelen använt räknas bland utlämningar där utfallet är känt; "
        "drifttiden är ett timvägt medel av registrerade perioder.",
        "en": "Counted per camera site from installation (or the period start) to the period "
        "end. The share used is among disclosures whose outcome is known; uptime is an "
        "hours-weighted mean of the records.",
    },
    "followup.operations_unmatched": {
        "sv": "{disclosures} utlämning(ar) och {uptime} drifttidsrad(er) angav ingen "
        "installerad plats eller kamera och är utelämnade.",
        "en": "{disclosures} disclosure(s) and {uptime} uptime record(s) named no installed "
        "site or camera and are left out.",
    },
    "followup.operations_outside": {
        "sv": "{n} utlämning(ar) är daterade före platsens installation och är utelämnade.",
        "en": "{n} disclosure(s) are dated before the site's installation and are left out.",
    },
    "followup.summary_spent": {
        "sv": "{cameras} kameror; använt {spent} av {budget} kr",
        "en": "{cameras} cameras; spent {spent} of {budget} SEK",
    },
    # follow-up of installed non-camera measures (issue 15)
    "followup.measures_title": {
        "sv": "Belysning och andra åtgärder",
        "en": "Lighting and other measures",
    },
    "followup.measures_intro": {
        "sv": "Varje installerad åtgärd följs upp som en kameraplats: de enheter ({kind}) den "
        "verkar på (en sträcka: minst {overlap} % av enheten inom {band_m} m från linjen; en "
        "punkt: enheterna inom dess räckvidd), egna före- och efterfönster från "
        "installationsdagen, matchade kontroller och oddskvoten med ett intervall vidgat för "
        "överspridning. Åtgärder av samma slag vägs samman med slumpeffekter.",
        "en": "Each installed measure is followed up like a camera site: the units ({kind}) it "
        "acts on (a stretch: at least {overlap} % of the unit within {band_m} m of the line; "
        "a point: the units within its reach), its own before and after windows from "
        "its installation day, matched controls, and the odds ratio with an interval widened "
        "for overdispersion. Measures of one kind are pooled with random effects.",
    },
    "followup.measure.kind.lighting": {"sv": "Belysning", "en": "Lighting"},
    "followup.measure.kind.help_point": {"sv": "Nödtelefon/larmpunkt", "en": "Help point"},
    "followup.measure.kind.vegetation": {"sv": "Röjning av vegetation", "en": "Vegetation"},
    "followup.measure.kind.custom": {"sv": "Egen åtgärd", "en": "Custom measure"},
    "followup.measure.id": {"sv": "Åtgärd", "en": "Measure"},
    "followup.measure.lighting_prior": {
        "sv": "Förbättrad belysning gav i en metaanalys av 21 studier ungefär 14 % färre brott "
        "än i kontrollområdena, mest egendomsbrott (Welsh, Farrington & Douglas 2022). En "
        "enskild sträcka kan avvika mycket åt båda hållen.",
        "en": "In a meta-analysis of 21 studies, improved lighting came with about 14 % fewer "
        "crimes than in control areas, mostly property crime (Welsh, Farrington & Douglas "
        "2022). A single stretch can differ a lot either way.",
    },
    "followup.measure.darkness_only": {
        "sv": "Belysning verkar i mörker: bara händelser mellan solnedgång och soluppgång "
        "räknas, på de belysta enheterna och på kontrollerna ({n} händelser i mörker i hela "
        "området). Händelser i dagsljus påverkar inte skattningen.",
        "en": "Lighting acts in darkness: only incidents between sunset and sunrise are "
        "counted, on the lit units and on the controls ({n} incidents in darkness in the whole "
        "area). Daylight incidents do not change the estimate.",
    },
    "followup.measure.status.installed_after": {
        "sv": "installerad efter periodens slut",
        "en": "installed after the period's end",
    },
    "followup.measure.status.no_units": {
        "sv": "verkar på ingen enhet",
        "en": "acts on no unit",
    },
    "followup.measure.status.no_after_window": {
        "sv": "inget efterfönster ännu",
        "en": "no after window yet",
    },
    "followup.measure.status.no_controls": {
        "sv": "inga kontroller kvar",
        "en": "no controls left",
    },
    "followup.measure.verdict.too_few_sites": {
        "sv": "{kind}, sammanvägt: Osäkert: med {n} åtgärder (färre än {min}) kan uppgifterna "
        "inte visa en effekt åt något håll. Intervallet rymmer {lo} till {hi} (skattning {est}).",
        "en": "{kind}, pooled: Uncertain: with {n} measures (fewer than {min}) the data cannot "
        "show an effect either way. The interval holds {lo} to {hi} (estimate {est}).",
    },
    "followup.measure.verdict.uncertain": {
        "sv": "{kind}, sammanvägt: Osäkert: intervallet rymmer {lo} till {hi} (skattning "
        "{est}). Förändringen är inte statistiskt säkerställd.",
        "en": "{kind}, pooled: Uncertain: the interval holds {lo} to {hi} (estimate {est}). "
        "The change is not statistically established.",
    },
    "followup.measure.verdict.clear": {
        "sv": "{kind}, sammanvägt: intervallet rymmer {lo} till {hi} (skattning {est}) och "
        "utesluter ingen förändring: förändringen är statistiskt säkerställd på 5 %-nivån. Det "
        "visar ett samband på dessa platser under perioden, inte att åtgärden orsakade det.",
        "en": "{kind}, pooled: the interval holds {lo} to {hi} (estimate {est}) and excludes "
        "no change: the change is statistically established at the 5 % level. It shows an "
        "association at these places in this period, not that the measure caused it.",
    },
    "followup.measure.verdict.not_estimable": {
        "sv": "{kind}: effekten kunde inte skattas (ingen åtgärd med segment, efterfönster "
        "och kontroller).",
        "en": "{kind}: the effect could not be estimated (no measure with segments, an after "
        "window and controls).",
    },
    # measures beyond cameras: report, map and procurement (issue 15)
    "report.portfolio": {"sv": "Vad budgeten köper", "en": "What the budget buys"},
    "report.portfolio_intro": {
        "sv": "Kameror och andra åtgärder tävlar om samma budget ({budget} kr). Varje rad är "
        "den bästa plan som bara får använda de åtgärderna; blandningen får använda alla.",
        "en": "Cameras and other measures compete for the same budget ({budget} SEK). Each row "
        "is the best plan that may use only those measures; the mix may use all of them.",
    },
    "report.portfolio.family.mix": {"sv": "Blandning (alla åtgärder)", "en": "Mix (every measure)"},
    "report.portfolio.family.cameras": {"sv": "Endast kameror", "en": "Cameras only"},
    "report.portfolio.family.lighting": {"sv": "Endast belysning", "en": "Lighting only"},
    "report.portfolio.col.family": {"sv": "Plan", "en": "Plan"},
    "report.portfolio.col.cost": {"sv": "Kostnad (kr)", "en": "Cost (SEK)"},
    "report.portfolio.col.prevented": {
        "sv": "Förväntat förhindrade händelser per år",
        "en": "Expected incidents prevented per year",
    },
    "report.portfolio.col.interval": {
        "sv": "90 %-intervall (5–95 %)",
        "en": "90 % interval (5–95 %)",
    },
    "report.portfolio.col.perceived": {
        "sv": "Upplevd otrygghet som åtgärdas",
        "en": "Perceived-safety demand addressed",
    },
    "report.portfolio.col.gap": {"sv": "Bevisat gap", "en": "Proven gap"},
    "report.portfolio.measures": {"sv": "Blandningens åtgärder", "en": "The mix's measures"},
    "report.portfolio.col.measure": {"sv": "Åtgärd", "en": "Measure"},
    "report.portfolio.col.count": {"sv": "Antal", "en": "Count"},
    "report.portfolio.col.effect": {
        "sv": "Förväntad effekt (händelser per år, 90 %-intervall)",
        "en": "Expected effect (incidents per year, 90 % interval)",
    },
    "report.portfolio.col.prior": {
        "sv": "Minskning enligt forskningen (95 %-intervall)",
        "en": "Reduction from the literature (95 % interval)",
    },
    "report.portfolio.col.evidence": {"sv": "Underlag", "en": "Evidence"},
    "report.portfolio.col.source": {"sv": "Källa", "en": "Source"},
    "report.portfolio.col.frequency": {
        "sv": "Kvar i planen när effekterna dras om",
        "en": "Kept when the effects are redrawn",
    },
    "report.portfolio.evidence.strong": {"sv": "starkt underlag", "en": "strong evidence"},
    "report.portfolio.evidence.moderate": {"sv": "måttligt underlag", "en": "moderate evidence"},
    "report.portfolio.evidence.weak": {"sv": "svagt underlag", "en": "weak evidence"},
    "report.portfolio.priors_note": {
        "sv": "Effekterna är förhandsskattningar från forskningslitteraturen, inte löften. "
        "Intervallen kommer från {n} slumpdragningar ur dessa skattningar. Åtgärder på samma "
        "sträcka kombineras multiplikativt: med standardvärdena lämnar belysning (14 %) och en "
        "kamera (13 %) kvar "
        "(1 − 0,14) × (1 − 0,13) = 0,748 av händelserna, en minskning med 25,2 %, inte 27 %.",
        "en": "The effects are priors from the literature, not promises. The intervals come "
        "from {n} random draws from these priors. Measures on the same stretch combine "
        "multiplicatively: with the default priors, lighting (14 %) and a camera (13 %) leave "
        "(1 − 0.14) × (1 − 0.13) = 0.748 of the incidents, a reduction of 25.2 %, not 27 %.",
    },
    "report.portfolio.measures_note": {
        "sv": "En åtgärds effekt är vad blandningen förlorar utan den. Åtgärder på samma "
        "sträcka delar på händelserna, så effekterna summerar inte till planens.",
        "en": "A measure's effect is what the mix loses without it. Measures on the same "
        "stretch share the incidents, so the effects do not add up to the plan's total.",
    },
    "report.portfolio.perceived_note": {
        "sv": "Upplevd otrygghet väger {w} förhindrade händelser per enhet i planernas mål.",
        "en": "Perceived-safety demand counts as {w} incidents prevented per unit in the "
        "plans' objective.",
    },
    "report.portfolio.frontier": {
        "sv": "Förväntad nytta mot budget per plan",
        "en": "Expected benefit against budget per plan",
    },
    "report.portfolio.frontier_y": {
        "sv": "Förhindrade händelser per år",
        "en": "Incidents prevented per year",
    },
    "report.portfolio.frontier_y_perceived": {
        "sv": "Nytta per år (händelser + viktad upplevd trygghet)",
        "en": "Benefit per year (incidents + weighted perceived safety)",
    },
    "report.portfolio.frontier_note": {
        "sv": "Ofyllda punkter: gapet är inte bevisat (streck upp till gränsen).",
        "en": "Hollow points: the gap is not proven (line up to the bound).",
    },
    "map.layer.perceived": {
        "sv": "Upplevd otrygghet per meter",
        "en": "Perceived-safety demand per metre",
    },
    "map.layer.lighting": {"sv": "Ny belysning", "en": "Lighting upgrades"},
    "map.layer.measures": {"sv": "Övriga åtgärder", "en": "Other measures"},
    "map.legend.perceived": {
        "sv": "Upplevd otrygghet per meter: ljust = låg, mörkt = hög",
        "en": "Perceived-safety demand per metre: light = low, dark = high",
    },
    "map.legend.lighting": {
        "sv": "Ny belysning (mörk sträcka som får lampor)",
        "en": "Lighting upgrade (dark stretch that gets lamps)",
    },
    "map.legend.measure": {
        "sv": "Annan åtgärd (t.ex. nödtelefon)",
        "en": "Other measure (e.g. help point)",
    },
    "map.popup.measure": {"sv": "Åtgärd", "en": "Measure"},
    "map.popup.units": {"sv": "Enheter", "en": "Units"},
    "map.popup.frequency": {
        "sv": "Kvar i planen vid slumpdragningar",
        "en": "Kept across random draws",
    },
    "map.tooltip.perceived": {
        "sv": "Upplevd otrygghet: {v} per m",
        "en": "Perceived-safety demand: {v} per m",
    },
    "procurement.unit.m": {"sv": "m", "en": "m"},
    "procurement.unit.lamp": {"sv": "lampor", "en": "lamps"},
    "procurement.desc.measure": {"sv": "{title} ({name})", "en": "{title} ({name})"},
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
