"""Every label a planner reads exists in Swedish and English."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from siteplan.i18n import LABELS, t

PKG = Path(__file__).resolve().parents[1] / "siteplan"
# Literal t("key", ...) calls in templates and modules (keys built at run time are not matched).
KEY = re.compile(r"""\bt\(\s*["']([a-z_]+\.[a-zA-Z0-9_.]+)["']\s*[,)]""")


def _used_keys() -> set[str]:
    keys: set[str] = set()
    for path in [*PKG.glob("*.py"), *PKG.glob("templates/*")]:
        keys |= set(KEY.findall(path.read_text("utf-8")))
    return keys


def test_every_used_key_has_both_languages() -> None:
    used = _used_keys()
    assert len(used) > 50
    missing = sorted(k for k in used if k not in LABELS)
    assert not missing, f"labels used but not defined: {missing}"
    for key in used:
        assert LABELS[key].get("sv"), key
        assert LABELS[key].get("en"), key


@pytest.mark.parametrize("comp", ["comp_incidents", "comp_area_incidents", "comp_footfall"])
def test_score_component_headers_exist(comp: str) -> None:
    # The report builds these keys from the corridor columns.
    assert t(f"report.{comp}", "sv") != t(f"report.{comp}", "en")


def test_unknown_key_is_a_clear_error() -> None:
    with pytest.raises(KeyError, match="no-such"):
        t("no-such.key", "sv")
