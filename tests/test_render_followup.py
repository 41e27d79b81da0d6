"""Tests for the follow-up page: escaped, self-contained, both charts inline, pure."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from html import escape as html_escape

import matplotlib
import matplotlib.pyplot as plt
from test_followup_analysis import result, scenario  # noqa: F401 (fixtures)

from siteplan.followup import Operations, SiteOperations
from siteplan.followup.result import Window
from siteplan.render.followup import effect_sentence, render_followup, rtm_sentence


def test_render_followup_is_self_contained(result):  # noqa: F811
    html = render_followup(result, generated=dt.date(2025, 9, 1))
    assert "Uppföljning av kamerabevakningen" in html  # Swedish by default
    assert "Skapad 2025-09-01" in html
    assert html.count("data:image/png;base64,") == 3  # the three charts inline
    assert not re.search(r"https?://", html)  # no external URLs at all
    assert not re.search(r"<(script|link|iframe)\b", html, re.IGNORECASE)
    assert render_followup(result, generated=dt.date(2025, 9, 1)) == html  # deterministic


def test_render_escapes_text(result):  # noqa: F811
    meta = dataclasses.replace(result.meta, title="<script>alert(1)</script>")
    html = render_followup(dataclasses.replace(result, meta=meta))
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def test_render_leaves_no_pyplot_state(result):  # noqa: F811
    backend, figures = matplotlib.get_backend(), plt.get_fignums()
    render_followup(result)
    assert matplotlib.get_backend() == backend  # no matplotlib.use
    assert plt.get_fignums() == figures  # no figure opened through pyplot


def test_render_few_sites_says_the_data_cannot_show_an_effect(result):  # noqa: F811
    assert result.effect.verdict == "too_few_sites"
    html = render_followup(result, generated=dt.date(2025, 9, 1))
    assert "kan uppgifterna inte visa en effekt åt något håll" in html
    assert "signifikant" not in html  # never, with two camera sites
    assert "Effekt per kameraplats" in html


def test_render_money_section(result):  # noqa: F811
    html = render_followup(result, generated=dt.date(2025, 9, 1))
    assert "Investering och drift" in html
    assert "inte en linjär uppräkning" in html
    assert "Kontraktsvärde" in html
    assert "TB totalt" in html


def test_render_finding_is_the_cli_sentence(result):  # noqa: F811
    sentence = effect_sentence(result)
    assert sentence.startswith("Osäkert:")  # the verdict leads
    assert "Intervallet rymmer" in sentence
    assert "%" in sentence
    html = render_followup(result, generated=dt.date(2025, 9, 1))
    assert f'<p class="finding">{html_escape(sentence)}</p>' in html


def test_render_states_regression_to_the_mean_and_controls(result):  # noqa: F811
    text = rtm_sentence(result)
    assert text is not None
    assert "gånger så många händelser per enhet" in text
    assert "För få händelser under matchningsperioden" in text  # the town's short data
    html = render_followup(result, generated=dt.date(2025, 9, 1))
    assert html_escape(text) in html
    assert "regression mot medelvärdet" in html
    assert "Inget lager med andra insatser" in html  # none was given
    assert "Drift: utlämnat material" not in html  # no operations files given


def test_render_operations_per_site(result):  # noqa: F811
    site = result.sites.sites[0].site_id
    ops = Operations(
        has_disclosures=True,
        has_uptime=True,
        sites=(
            SiteOperations(
                site_id=site,
                n_cameras=1,
                active=Window(dt.date(2025, 2, 4), dt.date(2025, 8, 31)),
                days=209,
                n_disclosures=4,
                n_used=2,
                n_not_used=1,
                n_unknown=1,
                used_share=2 / 3,
                disclosures_per_30_days=4 * 30 / 209,
                uptime_share=0.975,
                uptime_hours=5016.0,
                downtime_hours=125.4,
            ),
        ),
        n_disclosures=4,
        n_used=2,
        used_share=2 / 3,
        disclosures_per_30_days=4 * 30 / 209,
        uptime_share=0.975,
        downtime_hours=125.4,
        n_unmatched_disclosures=1,
        n_unmatched_uptime=0,
        n_disclosures_outside=0,
    )
    html = render_followup(dataclasses.replace(result, operations=ops))
    english = render_followup(
        dataclasses.replace(
            result, operations=ops, meta=dataclasses.replace(result.meta, lang="en")
        )
    )
    assert "Operations: footage disclosed and uptime" in english
    assert "97.5 %" in english
    assert "regression to the mean" in english
    assert "Drift: utlämnat material och drifttid" in html
    assert "97,5 %" in html  # uptime, decimal comma in Swedish
    assert "66,7 %" in html  # share used among known outcomes
    assert "1 utlämning(ar) och 0 drifttidsrad(er) angav ingen installerad plats" in html
    assert f"<td>{site}</td>" in html
