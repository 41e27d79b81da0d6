"""Shared fixtures: paths to the sample town and to the real Linköping data."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
SAMPLE = ROOT / "siteplan" / "datasets" / "sample"
SHARED = ROOT.parent / "shared" / "data" / "linkoping"


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    return SAMPLE


@pytest.fixture(scope="session")
def linkoping_dir() -> Path:
    if not (SHARED / "linkoping_roads.geojson").exists():
        pytest.skip("../shared/data/linkoping is not present on this machine")
    return SHARED
