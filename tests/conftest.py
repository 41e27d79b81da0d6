"""Shared fixtures: the sample town, a planned sample (once per session) and real Linköping data."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from siteplan import pipeline
from siteplan.config import load_scenario

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
SAMPLE = ROOT / "siteplan" / "datasets" / "sample"
SHARED = ROOT.parent / "shared" / "data" / "linkoping"


#: Fixtures that plan the sample town end to end: every test using one is slow.
SLOW_FIXTURES = frozenset({"plan_result", "make_plan_result", "demo_out"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """
    Mark the slow tests (``pytest -m "not slow"`` skips them).

    Slow: tests that need a whole planned sample, the planner notebooks (each runs a plan)
    and the real-world end-to-end runs.
    """
    for item in items:
        path = Path(str(item.fspath))
        if (
            SLOW_FIXTURES.intersection(getattr(item, "fixturenames", ()))
            or path.suffix == ".ipynb"
            or path.name == "test_realworld.py"
        ):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    return SAMPLE


@pytest.fixture(scope="session")
def linkoping_dir() -> Path:
    if not (SHARED / "linkoping_roads.geojson").exists():
        pytest.skip("../shared/data/linkoping is not present on this machine")
    return SHARED


@pytest.fixture(scope="session")
def plan_result() -> pipeline.PlanResult:
    """The sample town planned once per test session (no frontier sweep, to save time)."""
    return pipeline.run(load_scenario(SAMPLE / "scenario.toml"), frontier=False)


@pytest.fixture
def make_plan_result(
    plan_result: pipeline.PlanResult,
) -> Callable[..., pipeline.PlanResult]:
    """A factory of PlanResults: the sample's, with any fields replaced (``scenario=...``)."""

    def make(**changes: Any) -> pipeline.PlanResult:
        return dataclasses.replace(plan_result, **changes)

    return make
