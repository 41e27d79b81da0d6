"""Tests for disclosures and uptime per camera site (siteplan.followup.operations)."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from siteplan.followup import Period
from siteplan.followup.operations import operations

PERIOD = Period(dt.date(2025, 1, 1), dt.date(2025, 8, 31), "interim")


def cameras() -> pd.DataFrame:
    """Site S1 (two cameras, installed 2025-03-01 and -03) and S2 (from 2024, one camera)."""
    return pd.DataFrame(
        {
            "site_id": ["S1", "S1", "S2"],
            "installed_on": pd.to_datetime(["2025-03-03", "2025-03-01", "2024-06-01"]),
        },
        index=pd.Index(["cam-1", "cam-2", "cam-3"], name="camera_id"),
    )


def disclosures() -> pd.DataFrame:
    rows = [
        ("2025-03-10", "S1", None, True),
        ("2025-04-10", None, "cam-1", False),  # by camera: its site is S1
        ("2025-05-10", "S1", None, None),  # outcome not known yet
        ("2025-02-01", "S1", None, True),  # before S1 was installed
        ("2025-09-10", "S1", None, True),  # after the period: not in this report
        ("2025-06-01", "S2", None, True),
        ("2024-12-01", "S2", None, True),  # before the period
        ("2025-06-01", "S9", None, True),  # no such site
    ]
    frame = pd.DataFrame(rows, columns=["date", "site_id", "camera_id", "case_used"])
    frame["date"] = pd.to_datetime(frame["date"])
    frame["case_used"] = frame["case_used"].astype("boolean")
    return frame


def uptime() -> pd.DataFrame:
    rows = [
        # S1: cam-1 fully up in March (from the 1st, the site's active start), cam-2 half.
        ("cam-1", "2025-03-01", "2025-03-31", 1.0),
        ("cam-2", "2025-03-01", "2025-03-31", 0.5),
        # S2 by site: a record half before the period (only 1 January counts).
        ("S2", "2024-12-31", "2025-01-01", 0.0),
        ("cam-x", "2025-03-01", "2025-03-31", 0.0),  # no such camera
    ]
    frame = pd.DataFrame(rows, columns=["id", "start", "end", "uptime_share"])
    is_cam = frame["id"].str.startswith("cam")
    out = pd.DataFrame(
        {
            "site_id": frame["id"].where(~is_cam),
            "camera_id": frame["id"].where(is_cam),
            "start": pd.to_datetime(frame["start"]),
            "end": pd.to_datetime(frame["end"]),
        }
    )
    out["hours"] = ((out["end"] - out["start"]).dt.days + 1) * 24.0
    out["uptime_share"] = frame["uptime_share"]
    return out


def test_disclosures_per_site_in_its_days_in_service():
    ops = operations(disclosures(), None, cameras=cameras(), period=PERIOD)
    assert ops.has_disclosures
    assert not ops.has_uptime
    assert ops.given
    s1, s2 = ops.sites
    assert (s1.site_id, s1.n_cameras) == ("S1", 2)
    assert s1.active.to_dict() == {"start": "2025-03-01", "end": "2025-08-31"}
    assert s1.days == 184
    assert (s1.n_disclosures, s1.n_used, s1.n_not_used, s1.n_unknown) == (3, 1, 1, 1)
    assert s1.used_share == pytest.approx(0.5)  # among the known outcomes
    assert s1.disclosures_per_30_days == pytest.approx(3 * 30 / 184)
    assert s2.active.start == dt.date(2025, 1, 1)  # installed before the period
    assert (s2.n_disclosures, s2.n_used) == (1, 1)
    assert s1.uptime_share is None
    assert (ops.n_disclosures, ops.n_used) == (4, 2)
    assert ops.used_share == pytest.approx(2 / 3)
    assert ops.disclosures_per_30_days == pytest.approx(4 * 30 / (184 + 243))
    assert ops.n_unmatched_disclosures == 1
    assert ops.n_disclosures_outside == 1  # dated before S1 was installed


def test_uptime_is_hours_weighted_over_days_in_service():
    ops = operations(None, uptime(), cameras=cameras(), period=PERIOD)
    s1, s2 = ops.sites
    assert s1.n_disclosures is None
    assert s1.disclosures_per_30_days is None
    assert s1.uptime_share == pytest.approx(0.75)
    assert s1.uptime_hours == pytest.approx(2 * 31 * 24)
    assert s1.downtime_hours == pytest.approx(31 * 24 * 0.5)
    assert s2.uptime_hours == pytest.approx(24.0)  # only the day inside the period
    assert s2.uptime_share == 0.0
    assert ops.uptime_share == pytest.approx((0.75 * 2 * 31 * 24) / (2 * 31 * 24 + 24))
    assert ops.n_unmatched_uptime == 1


def test_nothing_given_is_empty_and_json_ready():
    ops = operations(None, None, cameras=cameras(), period=PERIOD)
    assert not ops.given
    assert ops.sites == ()
    assert ops.n_disclosures is None
    assert ops.uptime_share is None
    both = operations(disclosures(), uptime(), cameras=cameras(), period=PERIOD)
    data = json.loads(json.dumps(both.to_dict()))
    assert data["sites"][0]["active"] == {"start": "2025-03-01", "end": "2025-08-31"}
    assert data["sites"][0]["n_disclosures"] == 3
