"""Every effect estimate in one direction, and what the report may say about them.

All effects are changes in incidents beyond the controls' (−0.3 = 30 % fewer), whatever the
method's own scale: the odds ratio (> 1 = fewer) becomes ``1/OR − 1``, the incident-rate ratio
``IRR − 1``. The verdict rests on the randomization inference over camera sites; below the
configured number of camera sites it is ``too_few_sites`` whatever the p-value, so the report
never calls a result from a handful of sites significant.
"""

from __future__ import annotations

from siteplan.followup.result import (
    DidResult,
    EffectLine,
    EffectSummary,
    EventStudy,
    NotEstimable,
    OddsRatio,
    SiteEffects,
    SiteInference,
)

__all__ = ["effect_summary"]


def _from_inference(inf: SiteInference) -> EffectLine:
    return EffectLine(inf.method, inf.change, inf.change_low, inf.change_high, inf.p_value)


def effect_summary(
    sites: SiteEffects,
    odds_ratio: OddsRatio,
    did: DidResult | NotEstimable,
    study: EventStudy | None = None,
) -> EffectSummary:
    """
    The verdict and every estimate as a change in incidents.

    Parameters
    ----------
    sites
        The site-based effects (randomization inference, bootstrap, pooled odds ratio).
    odds_ratio
        The odds ratio of the summed counts in the sites' windows.
    did
        The two-way fixed-effects model of the unit × month panel (a comparison only).
    study
        The group-time effects by installation quarter (their site-weighted average).

    Returns
    -------
    summary
        ``verdict`` (``too_few_sites``, ``uncertain``, ``clear`` or ``not_estimable``), the
        headline line and all lines.
    """
    lines: list[EffectLine] = []
    headline = None
    if isinstance(sites.randomization, SiteInference):
        headline = _from_inference(sites.randomization)
        lines.append(headline)
    if isinstance(sites.bootstrap, SiteInference):
        lines.append(_from_inference(sites.bootstrap))
    if sites.pooled is not None:
        p = sites.pooled
        lines.append(EffectLine("pooled_sites", p.change, p.change_low, p.change_high, None))
    if study is not None and study.overall is not None:
        g = study.overall
        lines.append(EffectLine("group_time", g.change, g.change_low, g.change_high, None))
    o = odds_ratio
    lines.append(
        EffectLine("odds_ratio", o.relative_change, 1 / o.ci_high - 1, 1 / o.ci_low - 1, o.p_value)
    )
    if isinstance(did, DidResult):
        lines.append(EffectLine("twfe", did.irr - 1, did.ci_low - 1, did.ci_high - 1, did.p_value))
    if headline is None:
        verdict = "not_estimable"
    elif not sites.conclusive:
        verdict = "too_few_sites"
    elif isinstance(sites.randomization, SiteInference) and sites.randomization.significant:
        verdict = "clear"
    else:
        verdict = "uncertain"
    return EffectSummary(verdict, headline, tuple(lines))
