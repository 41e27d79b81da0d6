"""Tests for the follow-up page: escaped, self-contained, both charts inline, pure."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import matplotlib
import matplotlib.pyplot as plt
from test_followup_analysis import result, scenario  # noqa: F401 (fixtures)

from siteplan.render.followup import render_followup


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
