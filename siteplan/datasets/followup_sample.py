"""The sample town's simulated follow-up: which cameras were installed when, and what it cost.

:func:`simulate_installation`, :func:`simulate_spending`, :func:`simulate_disclosures` and
:func:`simulate_uptime` take their inputs as arguments (a plan's cameras, the scenario's cost
model, seeds) and return frames; :func:`build` loads the sample's inputs, runs them and writes
``installed.csv``, ``spending.csv``, ``disclosures.csv`` and ``uptime.csv`` into
``siteplan/datasets/sample/followup/``. Regenerate with
``python -m siteplan.datasets.followup_sample``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from siteplan.config import Scenario, load_scenario
from siteplan.datasets import get_path, sample_dir
from siteplan.errors import InputError, InputWarning
from siteplan.io import areas as areas_io
from siteplan.io import gtfs as gtfs_io
from siteplan.io import incidents as incidents_io
from siteplan.io._common import atomic_write, read_csv

__all__ = [
    "build",
    "cameras_from_stops",
    "simulate_disclosures",
    "simulate_installation",
    "simulate_spending",
    "simulate_uptime",
    "write_operations",
]

log = logging.getLogger(__name__)

#: Day of the first simulated installation: the 2025 reports then have before and after data.
FIRST_INSTALL = dt.date(2025, 2, 3)
#: The year whose spending is simulated.
SAMPLE_YEAR = 2025


def cameras_from_stops(
    stops: gpd.GeoDataFrame,
    incidents: gpd.GeoDataFrame,
    *,
    scenario: Scenario,
    n_cameras: int = 10,
    before: dt.date = dt.date(2025, 1, 1),
    radius_m: float = 50.0,
    min_spacing_m: float = 60.0,
) -> pd.DataFrame:
    """
    A stand-in plan: one camera at each of the stops with most incidents nearby.

    Used for the sample only when no plan's ``cameras.csv`` is at hand. Each camera looks
    toward the mean position of the incidents within `radius_m` (north if there are none).

    Parameters
    ----------
    stops
        Stop points (working CRS), indexed by ``stop_id``.
    incidents
        Incidents (same CRS); those before `before` rank the stops.
    scenario
        Camera catalogue (the first non-360° model is used) and cost model.
    n_cameras
        How many cameras.
    before
        Only incidents before this day count.
    radius_m
        Radius around a stop whose incidents count.
    min_spacing_m
        Stops closer than this to a chosen one are skipped.

    Returns
    -------
    cameras
        The columns of a plan's ``cameras.csv``.
    """
    model = next((c for c in scenario.cameras if not c.is_360), scenario.cameras[0])
    inc = incidents.loc[incidents.geometry.notna() & ~incidents.geometry.is_empty]
    inc = inc.loc[inc["occurred_at"].dt.tz_localize(None) < pd.Timestamp(before)]
    stops = stops.sort_index()
    tree = shapely.STRtree(inc.geometry.to_numpy())
    left, right = tree.query(stops.geometry.to_numpy(), predicate="dwithin", distance=radius_m)
    hits = pd.Series(right, index=stops.index.to_numpy()[left])
    rank = hits.groupby(level=0).size().reindex(stops.index, fill_value=0)
    chosen = _spaced(stops.geometry, rank, n=n_cameras, min_spacing_m=min_spacing_m)
    xy = inc.geometry.get_coordinates().to_numpy()
    costs = scenario.costs
    capex = (
        model.capex_sek
        + costs.mount_sek["lamp_post"]
        + costs.connectivity_sek
        + costs.vms_licence_sek
    )
    opex = model.opex_sek_per_year + costs.connectivity_opex_sek_per_year
    rows = []
    for k, sid in enumerate(chosen):
        pt = stops.geometry.loc[sid]
        near = xy[right[left == stops.index.get_loc(sid)]] if len(xy) else np.empty((0, 2))
        dx, dy = (near.mean(axis=0) - (pt.x, pt.y)) if len(near) else (0.0, 1.0)
        rows.append(
            {
                "camera_id": f"cam-{k + 1:03d}",
                "site_id": f"stop-{sid}",
                "x": pt.x,
                "y": pt.y,
                "azimuth_deg": round(float(np.degrees(np.arctan2(dx, dy)) % 360), 1),
                "hfov_deg": model.hfov_deg,
                "range_m": round(model.ground_range_m, 2),
                "model": model.model,
                "mount": "lamp_post",
                "legal_class": "stop_area",
                "purpose": ", ".join(scenario.legal.purposes),
                "area": None,
                "capex_sek": capex,
                "opex_sek_per_year": opex,
                "total_cost_sek": capex + opex * scenario.budget.horizon_years,
                "covered_demand": float(rank.loc[sid]),
            }
        )
    frame = pd.DataFrame(rows)
    lon, lat = Transformer.from_crs(stops.crs, 4326, always_xy=True).transform(
        frame["x"].to_numpy(), frame["y"].to_numpy()
    )
    frame.insert(4, "lon", lon)
    frame.insert(5, "lat", lat)
    return frame


def _spaced(points: gpd.GeoSeries, rank: pd.Series, *, n: int, min_spacing_m: float) -> list[Any]:
    """The `n` best-ranked points (ties in index order), none closer than `min_spacing_m`."""
    chosen: list[Any] = []
    for sid in rank.sort_values(ascending=False, kind="stable").index:
        pt = points.loc[sid]
        if all(pt.distance(points.loc[c]) >= min_spacing_m for c in chosen):
            chosen.append(sid)
        if len(chosen) == n:
            break
    return chosen


def simulate_installation(
    cameras_csv_frame: pd.DataFrame,
    *,
    start: dt.date,
    spacing_days: int,
    seed: int,
    crs: str = "EPSG:3006",
    missing_share: float = 0.1,
    moved_share: float = 0.1,
    max_move_m: float = 8.0,
) -> pd.DataFrame:
    """
    Simulate how a plan's cameras were installed: site by site, some missing, some moved.

    Sites are installed in order of their first camera id, one every `spacing_days` from
    `start` (plus 0–2 days of seeded jitter); all cameras of a site share its day. A seeded
    `missing_share` of cameras is never installed (dropped), and `moved_share` is mounted
    2 m to `max_move_m` away from the planned spot.

    Parameters
    ----------
    cameras_csv_frame
        A plan's ``cameras.csv`` as a frame (``camera_id``, ``site_id``, ``x``, ``y``, ...).
    start
        Day of the first installation.
    spacing_days
        Days between two sites.
    seed
        Seed of the random generator; the same seed gives the same installation.
    crs
        CRS of ``x``/``y`` (to update ``lon``/``lat`` of moved cameras).
    missing_share, moved_share
        Shares of cameras left out and moved.
    max_move_m
        Largest move in metres.

    Returns
    -------
    installed
        The installed cameras: the input columns (x, y, lon, lat updated) plus
        ``installed_on`` (a date), in camera-id order.
    """
    rng = np.random.default_rng(seed)
    cams = cameras_csv_frame.sort_values("camera_id", kind="stable").reset_index(drop=True)
    site = cams["site_id"] if "site_id" in cams else cams["camera_id"]
    sites = list(dict.fromkeys(site))
    jitter = rng.integers(0, 3, size=len(sites))
    day = {
        s: start + dt.timedelta(days=k * spacing_days + int(j))
        for k, (s, j) in enumerate(zip(sites, jitter, strict=True))
    }
    cams["installed_on"] = site.map(day)
    n = len(cams)
    n_missing = round(missing_share * n)
    missing = rng.choice(n, size=n_missing, replace=False) if n_missing else np.array([], int)
    rest = np.setdiff1d(np.arange(n), missing)
    n_moved = min(round(moved_share * n), len(rest))
    moved = rng.choice(rest, size=n_moved, replace=False) if n_moved else np.array([], int)
    dist = rng.uniform(2.0, max_move_m, size=len(moved))
    ang = rng.uniform(0, 2 * np.pi, size=len(moved))
    cams["x"] = cams["x"].astype(float)
    cams["y"] = cams["y"].astype(float)
    cams.loc[moved, "x"] += np.round(dist * np.sin(ang), 2)
    cams.loc[moved, "y"] += np.round(dist * np.cos(ang), 2)
    if {"lon", "lat"} <= set(cams.columns) and len(moved):
        lon, lat = Transformer.from_crs(crs, 4326, always_xy=True).transform(
            cams.loc[moved, "x"].to_numpy(), cams.loc[moved, "y"].to_numpy()
        )
        cams.loc[moved, "lon"], cams.loc[moved, "lat"] = lon, lat
    out = cams.drop(index=missing).reset_index(drop=True)
    log.info(
        "simulated installation: %d of %d cameras at %d sites, %s to %s (%d missing, %d moved)",
        len(out),
        n,
        len(sites),
        min(day.values()),
        max(day.values()),
        len(missing),
        len(moved),
    )
    return out


def simulate_spending(
    installed: pd.DataFrame, *, scenario: Scenario, year: int, seed: int
) -> pd.DataFrame:
    """
    Simulate the spending lines of an installation, with seeded deviations from the cost model.

    Per camera: the camera (two weeks before installation) and a VMS licence (on the day); per
    site: the mount, the connectivity (a week before) and signs (15 §); per ``general`` site
    the written assessment; each month after installation, operation per area; plus a shared
    project-management line. Amounts deviate −5 % to +25 % from the scenario's cost model.

    Parameters
    ----------
    installed
        From :func:`simulate_installation`.
    scenario
        The cost model.
    year
        Lines after 31 December of this year are left out.
    seed
        Seed of the random generator.

    Returns
    -------
    spending
        Columns ``date``, ``category``, ``area``, ``amount_sek`` (whole SEK), ``note``, sorted
        by date.
    """
    rng = np.random.default_rng(seed)
    costs = scenario.costs
    mount_costs = {str(k): float(v) for k, v in costs.mount_sek.items()}
    lines: list[tuple[dt.date, str, Any, int, str]] = []

    def add(day: dt.date, cat: str, area: Any, base: float, note: str) -> None:
        if base > 0:
            amount = round(base * rng.uniform(0.95, 1.25))
            lines.append((day, cat, None if pd.isna(area) else area, int(amount), note))

    cams = installed.sort_values("camera_id", kind="stable")
    seen_sites: set[Any] = set()
    for cam in cams.itertuples(index=False):
        day: dt.date = pd.Timestamp(cam.installed_on).date()
        area = getattr(cam, "area", None)
        try:
            model = scenario.camera(cam.model)
            capex, opex = model.capex_sek, model.opex_sek_per_year
        except KeyError:
            capex, opex = float(getattr(cam, "capex_sek", 0.0)), 0.0
        add(day - dt.timedelta(days=14), "camera", area, capex, f"{cam.model} {cam.camera_id}")
        add(day, "vms", area, costs.vms_licence_sek, f"VMS {cam.camera_id}")
        site = getattr(cam, "site_id", cam.camera_id)
        if site not in seen_sites:
            seen_sites.add(site)
            mount = getattr(cam, "mount", "lamp_post")
            add(day, "mount", area, mount_costs.get(str(mount), 0.0), f"{mount} {site}")
            add(day - dt.timedelta(days=7), "connectivity", area, costs.connectivity_sek, str(site))
            add(day, "other", area, 1_500.0, f"skyltar {site}")
            if getattr(cam, "legal_class", "") == "general":
                add(
                    day - dt.timedelta(days=30),
                    "paperwork",
                    area,
                    costs.paperwork_hours * costs.hourly_rate_sek,
                    f"9 § {site}",
                )
        monthly = (opex + costs.connectivity_opex_sek_per_year) / 12
        month = pd.Timestamp(day) + pd.offsets.MonthEnd(1)
        while month.year <= year:
            add(month.date(), "operation", area, monthly, f"drift {cam.camera_id}")
            month += pd.offsets.MonthEnd(1)
    first = min(pd.Timestamp(d).date() for d in cams["installed_on"])
    add(first - dt.timedelta(days=45), "other", None, 20_000.0, "projektledning")
    frame = pd.DataFrame(lines, columns=["date", "category", "area", "amount_sek", "note"])
    frame = frame.loc[pd.to_datetime(frame["date"]).dt.year <= year]
    return frame.sort_values(["date", "category", "note"], kind="stable").reset_index(drop=True)


def _site_days(installed: pd.DataFrame) -> pd.Series:
    """Each site's first installation day (a Timestamp), sorted by site."""
    site = installed["site_id"] if "site_id" in installed else installed["camera_id"]
    day = pd.to_datetime(installed["installed_on"])
    return day.groupby(site.astype(str)).min().sort_index()


def simulate_disclosures(
    installed: pd.DataFrame,
    *,
    end: dt.date,
    seed: int,
    per_30_days: float = 0.6,
    used_share: float = 0.55,
    unknown_days: int = 30,
) -> pd.DataFrame:
    """
    Simulate footage disclosures to the police from each site's installation to `end`.

    Each site's disclosures are Poisson with mean `per_30_days` per 30 days in service, on
    seeded random days; the footage is used in the case with probability `used_share`, and
    the outcome is not known yet (blank) for disclosures in the last `unknown_days` days.

    Parameters
    ----------
    installed
        The installed cameras (``site_id`` or ``camera_id``, ``installed_on``).
    end
        Last day simulated.
    seed
        Seed of the random generator.
    per_30_days, used_share, unknown_days
        Rate, share used, and the recent days whose outcome is not known.

    Returns
    -------
    disclosures
        ``date`` (ISO text), ``site_id`` and ``case_used`` (``yes``, ``no`` or blank), by date.
    """
    rng = np.random.default_rng(seed)
    stop = pd.Timestamp(end)
    rows: list[tuple[str, str, str]] = []
    for site, first in _site_days(installed).items():
        days = (stop - first).days
        if days <= 0:
            continue
        n = int(rng.poisson(per_30_days * days / 30))
        for offset in np.sort(rng.integers(1, days + 1, size=n)):
            day = first + pd.Timedelta(days=int(offset))
            used = "yes" if rng.random() < used_share else "no"
            recent = (stop - day).days < unknown_days
            rows.append((day.date().isoformat(), str(site), "" if recent else used))
    frame = pd.DataFrame(rows, columns=["date", "site_id", "case_used"])
    return frame.sort_values(["date", "site_id"], kind="stable").reset_index(drop=True)


def simulate_uptime(
    installed: pd.DataFrame,
    *,
    end: dt.date,
    seed: int,
    mean_down_share: float = 0.02,
    outage_chance: float = 0.05,
) -> pd.DataFrame:
    """
    Simulate monthly uptime per camera from its installation month to `end`.

    Each camera-month is down a seeded small share (exponential, mean `mean_down_share`), and
    with probability `outage_chance` one outage of 2–10 days on top.

    Parameters
    ----------
    installed
        The installed cameras (``camera_id``, ``installed_on``).
    end
        Last day simulated (its month is the last row).
    seed
        Seed of the random generator.
    mean_down_share, outage_chance
        Everyday downtime and the chance of a longer outage in a month.

    Returns
    -------
    uptime
        ``camera_id``, ``period`` (``YYYY-MM``) and ``uptime_share`` (0–1, three decimals).
    """
    rng = np.random.default_rng(seed)
    cams = installed.sort_values("camera_id", kind="stable")
    last = pd.Timestamp(end).to_period("M")
    rows: list[tuple[str, str, float]] = []
    for cam, on in zip(cams["camera_id"], pd.to_datetime(cams["installed_on"]), strict=True):
        for month in pd.period_range(on.to_period("M"), last, freq="M"):
            down = rng.exponential(mean_down_share)
            if rng.random() < outage_chance:
                down += rng.integers(2, 11) / month.days_in_month
            rows.append((str(cam), str(month), round(max(0.0, 1.0 - down), 3)))
    return pd.DataFrame(rows, columns=["camera_id", "period", "uptime_share"])


def build(
    out_dir: str | os.PathLike[str] | None = None,
    *,
    seed: int = 0,
    plan_cameras: str | os.PathLike[str] | None = None,
) -> tuple[Path, ...]:
    """
    Write the sample town's simulated installation, spending, disclosures and uptime.

    The cameras come from `plan_cameras` (a plan of the sample: the ``cameras.csv`` that
    ``siteplan demo`` writes) when given, else from :func:`cameras_from_stops`. They are
    installed from 3 February 2025, one site a week, so the 2025 interim and year-end reports
    have before and after periods in the sample's incidents (2023–2025).

    Parameters
    ----------
    out_dir
        Target folder (default ``siteplan/datasets/sample/followup``).
    seed
        Seed of the simulation.
    plan_cameras
        A plan's ``cameras.csv`` to install; None places one camera at each of the ten stops
        with most incidents.

    Returns
    -------
    installed, spending, disclosures, uptime
        The files written.
    """
    scenario = load_scenario(get_path("scenario.toml"))
    crs = scenario.study_area.crs
    if plan_cameras is not None:
        cams = read_csv(Path(plan_cameras))
        for col in ("x", "y", "lon", "lat", "azimuth_deg", "hfov_deg", "range_m"):
            cams[col] = pd.to_numeric(cams[col])
        log.info("sample installation from the plan's %s", plan_cameras)
    else:
        cams = _cameras_at_busy_stops(scenario)
    installed = simulate_installation(cams, start=FIRST_INSTALL, spacing_days=7, seed=seed, crs=crs)
    spending = simulate_spending(installed, scenario=scenario, year=SAMPLE_YEAR, seed=seed)
    out = Path(out_dir) if out_dir is not None else sample_dir() / "followup"
    paths = (out / "installed.csv", out / "spending.csv")
    for frame, path in zip((installed, spending), paths, strict=True):
        with atomic_write(path) as tmp:
            frame.to_csv(tmp, index=False, float_format="%.6f", lineterminator="\n")
    log.info("wrote %s and %s", *paths)
    return (*paths, *write_operations(installed, out, seed=seed))


def write_operations(
    installed: pd.DataFrame, out_dir: str | os.PathLike[str], *, seed: int = 0
) -> tuple[Path, Path]:
    """
    Write the simulated ``disclosures.csv`` and ``uptime.csv`` of an installation.

    Parameters
    ----------
    installed
        The installed cameras (as ``installed.csv`` holds them).
    out_dir
        Target folder.
    seed
        Seed of the simulation.

    Returns
    -------
    disclosures, uptime
        The files written.
    """
    end = dt.date(SAMPLE_YEAR, 12, 31)
    frames = (
        simulate_disclosures(installed, end=end, seed=seed),
        simulate_uptime(installed, end=end, seed=seed),
    )
    paths = (Path(out_dir) / "disclosures.csv", Path(out_dir) / "uptime.csv")
    for frame, path in zip(frames, paths, strict=True):
        with atomic_write(path) as tmp:
            frame.to_csv(tmp, index=False, lineterminator="\n")
    log.info("wrote %s and %s", *paths)
    return paths


def _cameras_at_busy_stops(scenario: Scenario) -> pd.DataFrame:
    """Load the sample's stops, incidents and areas; a camera at each of the busiest stops."""
    crs = scenario.study_area.crs
    inp = scenario.inputs
    areas = None
    if inp.areas is not None:
        areas = areas_io.load_areas(
            _input(scenario, inp.areas), crs=crs, name_column=inp.areas_name_column
        )
    if inp.gtfs is None:
        msg = "the sample installation needs the scenario's inputs.gtfs (its stops)."
        raise InputError(msg)
    stops = gtfs_io.load_gtfs(
        _input(scenario, inp.gtfs), crs=crs, service_date=inp.gtfs_service_date
    ).stops
    incidents = incidents_io.load_incidents(
        _input(scenario, inp.incidents),
        crs=crs,
        timezone=scenario.study_area.timezone,
        columns=inp.incident_columns,
        areas=areas,
    )
    cams = cameras_from_stops(stops, incidents, scenario=scenario)
    if areas is not None:
        pts = gpd.GeoSeries(gpd.points_from_xy(cams["x"], cams["y"]), crs=crs)
        named = areas.reset_index()[["area", "geometry"]]
        hit = gpd.sjoin(gpd.GeoDataFrame(geometry=pts), named, predicate="within", how="left")
        cams["area"] = hit.groupby(level=0)["area"].first().to_numpy()
    log.info("sample installation from the %d stops with most incidents", len(cams))
    return cams


def _input(scenario: Scenario, value: Path) -> Path:
    """An input path of the scenario, resolved against its folder."""
    path = scenario.path(value)
    return value if path is None else path


def _main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m siteplan.datasets.followup_sample",
        description="Regenerate the sample town's simulated installation and spending.",
    )
    parser.add_argument(
        "--out", type=Path, default=None, help="default siteplan/datasets/sample/followup"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--plan-cameras",
        type=Path,
        default=None,
        help="a plan's cameras.csv to install (default: the ten busiest stops)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    warnings.simplefilter("default", InputWarning)
    build(args.out, seed=args.seed, plan_cameras=args.plan_cameras)


if __name__ == "__main__":
    _main()
