"""Many plans at once on Dask distributed: scenario lists and sensitivity sweeps.

:func:`expand` turns a scenario with a ``[sweep]`` (or a :class:`~siteplan.config.SweepConfig`)
into variants; :func:`run_many` runs each variant with the pipeline's steps (given as
:class:`RunSteps`; :func:`siteplan.pipeline.run_many` passes ``load_inputs`` and ``run``) on a Dask
cluster (a local one by default, or ``scheduler="tcp://host:8786"``). Each distinct input set
is loaded once on the cluster (one task keyed by the hash of the input files) and shared by
every variant that uses it. Each run is isolated: a failing run carries its error message and
the others finish. Finished runs are keyed by a hash of the scenario's content and its input
files; with ``out_dir`` they are stored there and a later call skips them.
:func:`summarise_runs` turns run records into the batch tables (one row per run, the selection
frequency of each site, the sensitivity of the result to each swept assumption).
For one very large city, :func:`tiled_camera_options` (the ray casting) and
:func:`tiled_coverage_matrix` split the costly coverage steps by spatial tiles across the same
workers, and :func:`tiled_view_classes` the legal class of every view; each equals the
single-process build exactly.

This is pure orchestration over the pipeline's steps; it is the only Dask user. With a
remote scheduler the workers must see the scenario's input files at the same paths.

A sweep, in the scenario or in its own file (``siteplan batch town.toml --sweep sweep.toml``)::

    [sweep]
    draws = 16          # omit for the full grid of the lists
    seed = 1
    [sweep.parameters]
    legal.stop_area_radius_m = { low = 15, high = 50 }
    budget.total_sek = [300_000, 500_000, 700_000]
    scoring.weights.footfall = [0.5, 1.0, 2.0]
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import math
import time
import tomllib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import scipy.sparse as sp
import shapely
from distributed import Client, Future, LocalCluster, as_completed
from pydantic import ValidationError

from siteplan import coverage, legal
from siteplan.config import (
    CameraModel,
    LegalConfig,
    Scenario,
    SweepConfig,
    SweepRange,
    load_scenario,
    scenario_from_dict,
)
from siteplan.errors import InputError, ScenarioError
from siteplan.io.outputs import Content, read_manifest, write_bundle
from siteplan.render import batch as batch_render

if TYPE_CHECKING:
    from siteplan.pipeline import PlanInputs, PlanResult

__all__ = [
    "BatchProgress",
    "BatchResult",
    "BatchRun",
    "BatchStatus",
    "RunRecord",
    "RunSteps",
    "SitePick",
    "batch_files",
    "expand",
    "input_hash",
    "load_sweep",
    "read_runs",
    "run_hash",
    "run_many",
    "runs_from_files",
    "store_runs",
    "summarise_runs",
    "tiled_camera_options",
    "tiled_coverage_matrix",
    "tiled_view_classes",
    "write_batch",
]

log = logging.getLogger(__name__)

#: Folder (inside a batch output folder) holding one JSON record per finished run.
RUNS_DIR = "runs"

Status = Literal["ok", "failed"]


@dataclass(frozen=True)
class BatchRun:
    """One planned run of a batch: a scenario (or the error that made it unusable)."""

    group: str
    """The base scenario's ``study_area.name`` (a municipality, or the swept scenario)."""
    label: str
    """Readable name of the run: the group and its swept values."""
    parameters: Mapping[str, Any]
    """Swept dotted keys → the value of this run (empty for a plain scenario)."""
    scenario: Scenario | None
    """The scenario to run; None when the variant failed validation."""
    error: str | None = None
    """Why the variant cannot run (the scenario validation message)."""


@dataclass(frozen=True)
class SitePick:
    """A site chosen by a run."""

    site_id: str
    lon: float
    lat: float
    n_cameras: int


@dataclass(frozen=True)
class RunRecord:
    """What a run left behind: its numbers, chosen sites and frontier, or its error."""

    run_id: str
    group: str
    label: str
    parameters: dict[str, Any]
    status: Status
    error: str | None = None
    error_type: str | None = None
    budget_sek: float = math.nan
    cost_sek: float = math.nan
    coverage_share: float = math.nan
    gap: float = math.nan
    n_cameras: int = 0
    n_sites: int = 0
    seconds: float = 0.0
    prevented_per_year: float | None = None
    prevented_low: float | None = None
    prevented_high: float | None = None
    sites: tuple[SitePick, ...] = ()
    frontier: tuple[dict[str, float], ...] = ()

    def to_json(self) -> str:
        """The record as JSON text (what ``runs/<run_id>.json`` holds)."""
        return json.dumps(asdict(self), indent=1, sort_keys=True, default=str) + "\n"

    @classmethod
    def from_json(cls, text: str) -> RunRecord:
        """Read a record written by :meth:`to_json`."""
        data = json.loads(text)
        data["sites"] = tuple(SitePick(**s) for s in data.get("sites", ()))
        data["frontier"] = tuple(data.get("frontier", ()))
        return cls(**data)


@dataclass(frozen=True)
class BatchResult:
    """The records of a batch and the tables built from them."""

    records: tuple[RunRecord, ...]
    """One record per run of this batch, in the order given."""
    runs: pd.DataFrame
    """One row per run: run_id, group, label, status, error, the swept parameters, budget,
    cost, coverage, gap, cameras, sites, seconds."""
    sites: gpd.GeoDataFrame
    """One row per (group, site): how many successful runs chose it, their share (EPSG:4326)."""
    sensitivity: pd.DataFrame
    """Per swept parameter: the coverage at its lowest- and highest-scoring values, the swing."""
    frontiers: pd.DataFrame
    """Budget frontier points of every run that swept it (group, run_id, budget, coverage)."""
    n_cached: int = 0
    """Runs skipped because an earlier batch had finished them."""
    dashboard_link: str | None = None
    """The Dask dashboard of the cluster used (None when no run was submitted)."""
    stored: Mapping[str, RunRecord] = field(default_factory=dict)
    """Every record kept in the output folder (this batch's and earlier ones), by run id."""


class BatchStatus(NamedTuple):
    """Where a batch stands; given to the progress callback at the start and after each run."""

    n_done: int
    """Runs finished (including failed and earlier ones)."""
    n_failed: int
    """Runs that failed."""
    n_total: int
    """Runs in the batch."""
    dashboard_link: str | None
    """The Dask dashboard (None when nothing needs to run)."""
    record: RunRecord | None
    """The run just finished; None at the start."""


BatchProgress = Callable[[BatchStatus], None]
"""Called with a :class:`BatchStatus` at the start and after each run."""


# ----------------------------------------------------------------------------------------------
# Variants


def _set_dotted(data: dict[str, Any], key: str, value: Any, source: str) -> None:
    target: Any = data
    parts = key.split(".")
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(target, list) and part.isdigit() and int(part) < len(target):
            if last:
                target[int(part)] = value
            target = target[int(part)]
        elif isinstance(target, dict) and part in target:
            if last:
                target[part] = value
            target = target.get(part)
        else:
            known = ", ".join(map(str, target)) if isinstance(target, dict) else "list indices"
            msg = (
                f"{source}: sweep.parameters: {key!r} is not a scenario key ({part!r} not found; "
                f"known here: {known}). Use dotted keys such as 'legal.stop_area_radius_m'."
            )
            raise ScenarioError(msg)


def _draws(sweep: SweepConfig) -> list[dict[str, Any]]:
    keys = list(sweep.parameters)
    if sweep.draws is None:
        values = [sweep.parameters[k] for k in keys]
        return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*values)]  # type: ignore[arg-type]
    rng = np.random.default_rng(sweep.seed)
    out = []
    for _ in range(sweep.draws):
        row: dict[str, Any] = {}
        for key in keys:
            spec = sweep.parameters[key]
            if isinstance(spec, SweepRange):
                drawn = float(rng.uniform(spec.low, spec.high))
                row[key] = round(drawn) if spec.integer else drawn
            else:
                row[key] = spec[int(rng.integers(len(spec)))]
        out.append(row)
    return out


def _label(group: str, params: Mapping[str, Any]) -> str:
    return " ".join([group, *(f"{k}={v}" for k, v in params.items())])


def expand(scenario: Scenario, sweep: SweepConfig | None = None) -> list[BatchRun]:
    """
    The runs of one scenario: itself, or one run per variant of its sweep.

    Parameters
    ----------
    scenario
        A validated scenario.
    sweep
        The sweep; None: the scenario's own ``[sweep]`` (no sweep: one run).

    Returns
    -------
    runs
        One :class:`BatchRun` per variant, in grid order (or draw order). A variant whose values
        fail validation carries the message instead of a scenario.

    Raises
    ------
    ScenarioError
        If a swept key is not a scenario key.
    """
    sweep = sweep or scenario.sweep
    group = scenario.study_area.name
    base = scenario.model_copy(update={"sweep": None})
    if sweep is None:
        return [BatchRun(group=group, label=group, parameters={}, scenario=base)]
    data = base.model_dump(mode="python")
    runs = []
    for i, params in enumerate(_draws(sweep)):
        label = _label(group, params)
        variant = json.loads(json.dumps(data, default=str))  # a deep, plain copy
        for key, value in params.items():
            _set_dotted(variant, key, value, group)
        try:
            scen = scenario_from_dict(variant, source=f"{group} sweep variant {i + 1} ({label})")
        except ScenarioError as err:
            runs.append(BatchRun(group, label, params, None, error=str(err)))
            continue
        runs.append(BatchRun(group=group, label=label, parameters=params, scenario=scen))
    return runs


def _scenario_files(paths: Iterable[str | Path]) -> list[Path]:
    files: list[Path] = []
    for path in map(Path, paths):
        files.extend(sorted(path.glob("*.toml")) if path.is_dir() else [path])
    return files


def load_sweep(path: str | Path) -> SweepConfig:
    """
    Read a sweep TOML file: a ``[sweep]`` table as in a scenario.

    Parameters
    ----------
    path
        The sweep file.

    Returns
    -------
    sweep
        The validated sweep.

    Raises
    ------
    ScenarioError
        If the file is missing, not TOML, has no ``[sweep]`` table or fails validation.
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        msg = f"{path}: cannot read the sweep file ({err}). Give a TOML file with a [sweep] table."
        raise ScenarioError(msg) from err
    if not isinstance(data.get("sweep"), dict):
        msg = f"{path}: no [sweep] table. Write e.g. [sweep.parameters] with dotted keys."
        raise ScenarioError(msg)
    try:
        return SweepConfig.model_validate(data["sweep"])
    except ValidationError as err:
        problems = "\n".join(
            f"  - sweep.{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in err.errors()
        )
        msg = f"{path}: {err.error_count()} problem(s) in the sweep:\n{problems}"
        raise ScenarioError(msg) from err


def runs_from_files(
    paths: Iterable[str | Path], *, sweep: SweepConfig | None = None
) -> list[BatchRun]:
    """
    The runs of scenario files and folders of them (``*.toml``), each expanded by its sweep.

    A file that fails to load becomes one failed run with the message ``siteplan plan``
    would print, so the other scenarios still run.

    Parameters
    ----------
    paths
        Scenario files, or folders whose ``*.toml`` files are scenarios.
    sweep
        A sweep applied to every scenario instead of its own ``[sweep]``.

    Returns
    -------
    runs
        The runs, file by file.
    """
    runs: list[BatchRun] = []
    for file in _scenario_files(paths):
        try:
            scenario = load_scenario(file)
        except ScenarioError as err:
            runs.append(BatchRun(file.stem, str(file), {}, None, error=str(err)))
            continue
        runs.extend(expand(scenario, sweep))
    return runs


# ----------------------------------------------------------------------------------------------
# Content hashes


def _file_digest(path: Path, seen: dict[Path, str]) -> str:
    if path in seen:
        return seen[path]
    digest = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for file in files:
        if not file.exists():
            digest.update(b"missing")
            continue
        digest.update(file.name.encode())
        with file.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    seen[path] = digest.hexdigest()
    return seen[path]


def input_hash(scenario: Scenario, *, _seen: dict[Path, str] | None = None) -> str:
    """
    Hash of everything :func:`siteplan.pipeline.load_inputs` reads: the files and their options.

    Parameters
    ----------
    scenario
        A validated scenario.

    Returns
    -------
    digest
        16 hex digits; scenarios with the same digest share their loaded inputs.
    """
    seen = {} if _seen is None else _seen
    inp = scenario.inputs
    files = {
        key: _file_digest(path, seen)
        for key, value in inp
        if isinstance(value, Path) and (path := scenario.path(value)) is not None
    }
    opts = {
        "crs": scenario.study_area.crs,
        "timezone": scenario.study_area.timezone,
        "inputs": inp.model_dump(mode="json"),
        "files": files,
    }
    return hashlib.sha256(json.dumps(opts, sort_keys=True).encode()).hexdigest()[:16]


def run_hash(scenario: Scenario, inputs_digest: str, *, frontier: bool) -> str:
    """
    Key of a run: the scenario's content (not its folder), its inputs' hash and the options.

    Parameters
    ----------
    scenario
        A validated scenario.
    inputs_digest
        :func:`input_hash` of the scenario.
    frontier
        Whether the run sweeps the budget frontier.

    Returns
    -------
    digest
        16 hex digits.
    """
    content = scenario.model_dump_json(exclude={"base_dir", "sweep"})
    text = f"{content}|{inputs_digest}|frontier={frontier}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# ----------------------------------------------------------------------------------------------
# Worker tasks (run on the Dask workers; no file writes)


class RunSteps(NamedTuple):
    """The pipeline's steps a batch runs on the workers (module-level, so they pickle)."""

    load: Callable[[Scenario], PlanInputs]
    """Loads a scenario's inputs (:func:`siteplan.pipeline.load_inputs`)."""
    plan: Callable[..., PlanResult]
    """Runs one plan as ``plan(scenario, inputs=..., frontier=...)`` (``pipeline.run``)."""


@dataclass(frozen=True)
class _Failure:
    error_type: str
    message: str


def _load_task(load: Callable[[Scenario], PlanInputs], scenario: Scenario) -> PlanInputs | _Failure:
    try:
        return load(scenario)
    except Exception as err:  # isolate the run: report it, never crash the batch
        return _Failure(type(err).__name__, str(err))


def _failed(run: BatchRun, run_id: str, error_type: str, message: str) -> RunRecord:
    return RunRecord(
        run_id=run_id,
        group=run.group,
        label=run.label,
        parameters=dict(run.parameters),
        status="failed",
        error=message,
        error_type=error_type,
    )


def _record(run: BatchRun, run_id: str, result: PlanResult) -> RunRecord:
    cams = result.cameras
    picks = tuple(
        SitePick(
            site_id=str(site_id),
            lon=float(rows["lon"].iloc[0]),
            lat=float(rows["lat"].iloc[0]),
            n_cameras=len(rows),
        )
        for site_id, rows in cams.groupby("site_id", sort=True)
    )
    s = result.summary
    prevented = _prevented(s)
    front = tuple(
        {k: float(v) for k, v in row.items() if isinstance(v, int | float)}
        for row in result.frontier.to_dict(orient="records")
    )
    return RunRecord(
        run_id=run_id,
        group=run.group,
        label=run.label,
        parameters=dict(run.parameters),
        status="ok",
        budget_sek=float(s["budget_sek"]),
        cost_sek=float(s["cost_sek"]),
        coverage_share=float(s["coverage_share"]),
        gap=float(s["solver"]["gap"]),
        n_cameras=int(s["n_cameras"]),
        n_sites=int(s["n_sites"]),
        seconds=float(sum(result.seconds.values())),
        prevented_per_year=prevented[0],
        prevented_low=prevented[1],
        prevented_high=prevented[2],
        sites=picks,
        frontier=front,
    )


def _prevented(summary: dict[str, Any]) -> tuple[float | None, float | None, float | None]:
    """The portfolio mix's expected incidents prevented per year and its 5–95 % interval."""
    folio = summary.get("portfolio")
    if not folio:
        return (None, None, None)
    mix = folio["families"]["mix"]
    return (
        float(mix["prevented_per_year"]),
        float(mix["prevented_low"]),
        float(mix["prevented_high"]),
    )


def _run_task(
    plan: Callable[..., PlanResult],
    run: BatchRun,
    run_id: str,
    inputs: PlanInputs | _Failure,
    frontier: bool,
) -> RunRecord:
    if isinstance(inputs, _Failure):
        return _failed(run, run_id, inputs.error_type, inputs.message)
    if run.scenario is None:  # pragma: no cover - invalid variants are never submitted
        return _failed(run, run_id, "ScenarioError", run.error or "invalid scenario")
    try:
        result = plan(run.scenario, inputs=inputs, frontier=frontier)
    except Exception as err:  # isolate the run: report it, never crash the batch
        return _failed(run, run_id, type(err).__name__, str(err))
    return _record(run, run_id, result)


# ----------------------------------------------------------------------------------------------
# The batch


def read_runs(out_dir: str | Path) -> dict[str, RunRecord]:
    """
    The run records stored in a batch output folder (only files siteplan wrote there).

    Parameters
    ----------
    out_dir
        A batch output folder (may be missing).

    Returns
    -------
    records
        Run id → record.
    """
    out = Path(out_dir)
    if not out.is_dir():
        return {}
    records = {}
    for rel in read_manifest(out):
        if rel.startswith(f"{RUNS_DIR}/") and rel.endswith(".json"):
            rec = RunRecord.from_json((out / rel).read_text("utf-8"))
            records[rec.run_id] = rec
    return records


@contextmanager
def _client(client: Client | None, scheduler: str | None, n_workers: int) -> Iterator[Client]:
    """The given client, one connected to `scheduler`, or a new LocalCluster (closed after)."""
    if client is not None:
        yield client
        return
    if scheduler is not None:
        with Client(scheduler) as remote:
            yield remote
        return
    with (
        LocalCluster(
            n_workers=n_workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
        ) as cluster,
        Client(cluster) as local,
    ):
        yield local


@dataclass
class _Plan:
    """The runs to do, with their keys, and the records already known."""

    runs: list[BatchRun]
    ids: list[str]
    digests: list[str]
    known: dict[str, RunRecord]


def _plan(runs: list[BatchRun], stored: Mapping[str, RunRecord], frontier: bool) -> _Plan:
    seen: dict[Path, str] = {}
    ids, digests = [], []
    known: dict[str, RunRecord] = {}
    for run in runs:
        if run.scenario is None:
            digest = ""
            run_id = hashlib.sha256(run.label.encode()).hexdigest()[:16]
            known[run_id] = _failed(run, run_id, "ScenarioError", run.error or "")
        else:
            digest = input_hash(run.scenario, _seen=seen)
            run_id = run_hash(run.scenario, digest, frontier=frontier)
            if run_id in stored and stored[run_id].status == "ok":
                known[run_id] = stored[run_id]
        ids.append(run_id)
        digests.append(digest)
    return _Plan(runs=runs, ids=ids, digests=digests, known=known)


def _submit(
    client: Client, plan: _Plan, frontier: bool, steps: RunSteps
) -> dict[Future, tuple[BatchRun, str]]:
    loads: dict[str, Future] = {}
    futures: dict[Future, tuple[BatchRun, str]] = {}
    submitted: set[str] = set()
    for run, run_id, digest in zip(plan.runs, plan.ids, plan.digests, strict=True):
        if run_id in plan.known or run_id in submitted:
            continue
        submitted.add(run_id)
        if digest not in loads:
            loads[digest] = client.submit(
                _load_task, steps.load, run.scenario, key=f"siteplan-inputs-{digest}"
            )
        fut = client.submit(
            _run_task,
            steps.plan,
            run,
            run_id,
            loads[digest],
            frontier,
            key=f"siteplan-run-{run_id}",
        )
        futures[fut] = (run, run_id)
    return futures


def _outcome(fut: Future, run: BatchRun, run_id: str) -> RunRecord:
    """The record a run task returned, or a failed record when the task itself died."""
    try:
        rec: RunRecord = fut.result()
    except Exception as err:  # e.g. a worker killed (out of memory): report it
        return _failed(run, run_id, type(err).__name__, f"the run's task failed: {err}")
    return rec


def _normalise(
    scenarios: Scenario | Iterable[Scenario | BatchRun], sweep: SweepConfig | None
) -> list[BatchRun]:
    items = [scenarios] if isinstance(scenarios, Scenario) else list(scenarios)
    runs: list[BatchRun] = []
    for item in items:
        runs.extend([item] if isinstance(item, BatchRun) else expand(item, sweep))
    return runs


def run_many(
    scenarios: Scenario | Iterable[Scenario | BatchRun],
    *,
    steps: RunSteps,
    sweep: SweepConfig | None = None,
    client: Client | None = None,
    scheduler: str | None = None,
    n_workers: int = 2,
    frontier: bool = False,
    stored: Mapping[str, RunRecord] | None = None,
    progress: BatchProgress | None = None,
    checkpoint: Callable[[Mapping[str, RunRecord]], None] | None = None,
) -> BatchResult:
    """
    Run many scenarios (or the variants of a sweep) on a Dask cluster.

    Parameters
    ----------
    scenarios
        A scenario (its ``[sweep]`` expanded), scenarios, or prepared :class:`BatchRun`.
    steps
        The pipeline's load and run steps (:func:`siteplan.pipeline.run_many` gives them).
    sweep
        A sweep applied to every scenario instead of its own ``[sweep]``.
    client
        A connected Dask client; None: connect to `scheduler`, or start a LocalCluster of
        `n_workers` single-threaded workers (closed at the end).
    scheduler
        Address of an existing scheduler (``"tcp://host:8786"``); its workers must see the
        input files at the same paths.
    n_workers
        Workers of the LocalCluster.
    frontier
        Also sweep each run's budget frontier (slow; off for sweeps).
    stored
        Records of earlier runs (:func:`read_runs`); a finished run found here is not run again.
    progress
        Called with a :class:`BatchStatus` when the cluster is up and after each run.
    checkpoint
        Called with every record known so far after each finished run (to store them).

    Returns
    -------
    result
        The records and the batch tables (:func:`summarise_runs`).
    """
    stored = dict(stored or {})
    plan = _plan(_normalise(scenarios, sweep), stored, frontier)
    records = dict(plan.known)
    n_cached = sum(1 for r in plan.known.values() if r.status == "ok")
    failed = sum(1 for r in plan.known.values() if r.status == "failed")
    total = len(set(plan.ids))
    link = None
    if len(records) < total:
        with _client(client, scheduler, n_workers) as dask:
            link = dask.dashboard_link
            log.info("batch: %d runs (%d done before); dashboard %s", total, n_cached, link)
            if progress:
                progress(BatchStatus(len(records), failed, total, link, None))
            futures = _submit(dask, plan, frontier, steps)
            for fut in as_completed(futures):
                rec = _outcome(fut, *futures[fut])
                records[rec.run_id] = rec
                failed += rec.status == "failed"
                if rec.status == "ok":
                    stored[rec.run_id] = rec
                if progress:
                    progress(BatchStatus(len(records), failed, total, link, rec))
                if checkpoint:
                    checkpoint(stored)
                fut.release()
    ordered = [records[i] for i in dict.fromkeys(plan.ids)]
    return summarise_runs(ordered, n_cached=n_cached, dashboard_link=link, stored=stored)


# ----------------------------------------------------------------------------------------------
# Tables


def _nan(value: float | None) -> float:
    """`value`, or NaN for None (a run without measures)."""
    return math.nan if value is None else float(value)


def _runs_table(records: Sequence[RunRecord]) -> pd.DataFrame:
    params = list(dict.fromkeys(k for r in records for k in r.parameters))
    rows = []
    for r in records:
        row: dict[str, Any] = {"run_id": r.run_id, "group": r.group, "label": r.label}
        row |= {"status": r.status, "error": r.error or ""}
        row |= {k: r.parameters.get(k) for k in params}
        row |= {
            "budget_sek": r.budget_sek,
            "cost_sek": r.cost_sek,
            "coverage_share": r.coverage_share,
            "gap": r.gap,
            "n_cameras": r.n_cameras,
            "n_sites": r.n_sites,
            "seconds": r.seconds,
            "prevented_per_year": _nan(r.prevented_per_year),
            "prevented_low": _nan(r.prevented_low),
            "prevented_high": _nan(r.prevented_high),
        }
        rows.append(row)
    return pd.DataFrame(rows)


def _site_table(records: Sequence[RunRecord]) -> gpd.GeoDataFrame:
    ok = [r for r in records if r.status == "ok"]
    n_runs = pd.Series([r.group for r in ok]).value_counts()
    rows = [(r.group, s.site_id, s.lon, s.lat) for r in ok for s in r.sites]
    frame = pd.DataFrame(rows, columns=["group", "site_id", "lon", "lat"])
    counts = (
        frame.groupby(["group", "site_id"], sort=True)
        .agg(lon=("lon", "first"), lat=("lat", "first"), n_selected=("lon", "size"))
        .reset_index()
    )
    counts["n_runs"] = counts["group"].map(n_runs).astype(int)
    counts["selection_share"] = counts["n_selected"] / counts["n_runs"]
    counts = counts.sort_values(["group", "selection_share", "site_id"], ascending=[1, 0, 1])
    geometry = gpd.points_from_xy(counts["lon"], counts["lat"], crs="EPSG:4326")
    return gpd.GeoDataFrame(counts.reset_index(drop=True), geometry=geometry)


def _sensitivity(runs: pd.DataFrame, params: Sequence[str]) -> pd.DataFrame:
    """Per parameter: mean coverage at its worst and best values (tertiles when continuous)."""
    ok = runs[runs["status"] == "ok"]
    rows = []
    for key in params:
        values = ok[key].dropna()
        if values.nunique() < 2:
            continue
        by: pd.Series = values
        if values.nunique() > 5 and pd.api.types.is_numeric_dtype(values):
            by = pd.qcut(values.astype(float), 3, labels=["low third", "middle", "high third"])
        means = ok.loc[values.index, "coverage_share"].groupby(by, observed=True).mean()
        rows.append(
            {
                "parameter": key,
                "low_value": str(means.idxmin()),
                "high_value": str(means.idxmax()),
                "low_coverage_share": float(means.min()),
                "high_coverage_share": float(means.max()),
                "swing": float(means.max() - means.min()),
            }
        )
    cols = ["parameter", "low_value", "high_value", "low_coverage_share", "high_coverage_share"]
    table = pd.DataFrame(rows, columns=[*cols, "swing"])
    return table.sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)


def summarise_runs(
    records: Sequence[RunRecord],
    *,
    n_cached: int = 0,
    dashboard_link: str | None = None,
    stored: Mapping[str, RunRecord] | None = None,
) -> BatchResult:
    """
    Build the batch tables from run records.

    Parameters
    ----------
    records
        One record per run.
    n_cached, dashboard_link, stored
        Carried into the result as they are.

    Returns
    -------
    result
        Runs table, site selection frequency, sensitivity and frontiers.
    """
    runs = _runs_table(records)
    params = list(dict.fromkeys(k for r in records for k in r.parameters))
    frontier_rows = [
        {"group": r.group, "run_id": r.run_id, "label": r.label, **point}
        for r in records
        for point in r.frontier
    ]
    return BatchResult(
        records=tuple(records),
        runs=runs,
        sites=_site_table(records),
        sensitivity=_sensitivity(runs, params),
        frontiers=pd.DataFrame(frontier_rows),
        n_cached=n_cached,
        dashboard_link=dashboard_link,
        stored=dict(stored or {r.run_id: r for r in records if r.status == "ok"}),
    )


def run_files(stored: Mapping[str, RunRecord]) -> dict[str, str]:
    """The ``runs/<run_id>.json`` files of the stored records (part of every batch bundle)."""
    return {f"{RUNS_DIR}/{rid}.json": stored[rid].to_json() for rid in sorted(stored)}


def _gpkg(result: BatchResult) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        runs = result.runs.astype({c: str for c in result.runs.columns if c not in _NUMERIC})
        pyogrio.write_dataframe(result.sites, path, layer="sites", driver="GPKG")
        pyogrio.write_dataframe(runs, path, layer="runs", driver="GPKG", append=True)

    return write


_NUMERIC = frozenset(
    {
        "budget_sek",
        "cost_sek",
        "coverage_share",
        "gap",
        "n_cameras",
        "n_sites",
        "seconds",
        "prevented_per_year",
        "prevented_low",
        "prevented_high",
    }
)


def batch_files(result: BatchResult) -> dict[str, Content]:
    """
    The files of a batch output folder.

    ``batch.csv`` (one row per run), ``sites.csv`` (selection frequency per site),
    ``sensitivity.csv``, ``batch.gpkg`` (layers ``sites`` and ``runs``), ``report.html``,
    ``map.html`` and ``runs/<run_id>.json`` (every stored record: the cache of finished runs).

    Parameters
    ----------
    result
        The batch result.

    Returns
    -------
    files
        Relative path → content, for :func:`siteplan.io.outputs.write_bundle`.
    """
    files: dict[str, Content] = dict(run_files(result.stored))
    files["batch.csv"] = result.runs.to_csv(index=False, lineterminator="\n")
    files["sites.csv"] = pd.DataFrame(result.sites.drop(columns="geometry")).to_csv(
        index=False, lineterminator="\n"
    )
    files["sensitivity.csv"] = result.sensitivity.to_csv(index=False, lineterminator="\n")
    if len(result.frontiers):
        files["frontiers.csv"] = result.frontiers.to_csv(index=False, lineterminator="\n")
    files["batch.gpkg"] = _gpkg(result)
    files["report.html"] = batch_render.batch_report_html(result, map_file="map.html")
    files["map.html"] = batch_render.sites_map(result.sites).get_root().render()
    return files


def write_batch(result: BatchResult, out_dir: str | Path, *, force: bool = False) -> Path:
    """Write :func:`batch_files` into `out_dir` atomically (see :func:`write_bundle`)."""
    return write_bundle(out_dir, batch_files(result), force=force, kind="batch")


def store_runs(
    out_dir: str | Path, stored: Mapping[str, RunRecord], *, force: bool = False
) -> None:
    """Write only the run records (a checkpoint during a batch; the report comes at the end)."""
    write_bundle(out_dir, run_files(stored), force=force, kind="batch")


def throttled(
    fn: Callable[[Mapping[str, RunRecord]], None], every_s: float = 10.0
) -> Callable[[Mapping[str, RunRecord]], None]:
    """Wrap a checkpoint so it runs at most once per `every_s` seconds (the last is kept)."""
    last = [-math.inf]

    def call(stored: Mapping[str, RunRecord]) -> None:
        now = time.monotonic()
        if now - last[0] >= every_s:
            last[0] = now
            fn(stored)

    return call


# ----------------------------------------------------------------------------------------------
# The coverage matrix of one large city, by spatial tiles across the workers


def _tile_matrix(
    options: gpd.GeoDataFrame, demand: gpd.GeoDataFrame, columns: np.ndarray, n_demand: int
) -> sp.csr_matrix:
    """One tile's rows: :func:`coverage.coverage_matrix` on nearby demand, global columns."""
    local = coverage.coverage_matrix(options, demand).tocoo()
    return sp.csr_matrix(
        (local.data, (local.row, columns[local.col])), shape=(len(options), n_demand), dtype=bool
    )


def tiled_coverage_matrix(
    options: gpd.GeoDataFrame,
    demand: gpd.GeoDataFrame,
    *,
    client: Client,
    tile_m: float = 1000.0,
) -> sp.csr_matrix:
    """
    :func:`siteplan.coverage.coverage_matrix`, built tile by tile on the Dask workers.

    Options are grouped by the tile of their footprint's centre; each tile's rows are computed
    against the demand points inside the tile's footprints' bounds and put back in the
    options' order, so the matrix equals the single-process one.

    Parameters
    ----------
    options
        Camera options; geometry = footprint.
    demand
        Demand points (same CRS).
    client
        A connected Dask client.
    tile_m
        Tile side in metres.

    Returns
    -------
    coverage
        Boolean sparse matrix, ``len(options) x len(demand)``.
    """
    n_opt, n_dem = len(options), len(demand)
    if not n_opt or not n_dem:
        return coverage.coverage_matrix(options, demand)
    centre = options.geometry.centroid
    cells = (centre.x // tile_m).astype(np.int64).astype(str) + "/"
    tiles = pd.factorize(cells + (centre.y // tile_m).astype(np.int64).astype(str))[0]
    dx, dy = demand.geometry.x.to_numpy(), demand.geometry.y.to_numpy()
    parts, rows = [], []
    for tile in range(int(tiles.max()) + 1):
        idx = np.flatnonzero(tiles == tile)
        x0, y0, x1, y1 = options.geometry.iloc[idx].total_bounds
        cols = np.flatnonzero((dx >= x0) & (dx <= x1) & (dy >= y0) & (dy <= y1))
        parts.append(client.submit(_tile_matrix, options.iloc[idx], demand.iloc[cols], cols, n_dem))
        rows.append(idx)
    stacked = sp.vstack(client.gather(parts), format="csr")
    order = np.empty(n_opt, dtype=np.int64)
    order[np.concatenate(rows)] = np.arange(n_opt)
    matrix = stacked[order]
    matrix.sort_indices()
    return matrix


# ----------------------------------------------------------------------------------------------
# The camera options of one large city (the ray casting), by spatial tiles across the workers

#: Extra metres around a tile's reach when picking the buildings and corridors it can see.
TILE_MARGIN_M = 1.0

#: The site columns :func:`siteplan.coverage.camera_options` reads (besides the geometry).
_SITE_COLUMNS = ("mount", "area", "legal_class", "facade_normal_deg")


def tiled_view_classes(
    footprints: gpd.GeoDataFrame,
    stop_areas: gpd.GeoDataFrame,
    strak: gpd.GeoDataFrame | None = None,
    *,
    config: LegalConfig,
    client: Client,
    tile_m: float = 1000.0,
) -> np.ndarray:
    """
    :func:`siteplan.legal.view_classes`, computed tile by tile on the Dask workers.

    Views are grouped by the tile of their footprint's centre; every tile sees the whole
    stop-area and stråk layers (small, sent once to every worker), so each view gets exactly
    the class the single-process call gives it.

    Parameters
    ----------
    footprints, stop_areas, strak, config
        As for :func:`siteplan.legal.view_classes`.
    client
        A connected Dask client.
    tile_m
        Tile side in metres.

    Returns
    -------
    classes
        Object array of classes, in the order of `footprints`.
    """
    if not len(footprints):
        return legal.view_classes(footprints, stop_areas, strak, config=config)
    centre = footprints.geometry.centroid
    groups = _tile_groups(np.column_stack([centre.x, centre.y]), tile_m)
    areas = client.scatter(stop_areas, broadcast=True)
    lines = None if strak is None else client.scatter(strak, broadcast=True)
    parts = [
        client.submit(legal.view_classes, footprints.iloc[idx], areas, lines, config=config)
        for idx in groups
    ]
    out = np.empty(len(footprints), dtype=object)
    for idx, part in zip(groups, client.gather(parts), strict=True):
        out[idx] = part
    return out


def _tile_groups(xy: np.ndarray, tile_m: float) -> list[np.ndarray]:
    """Positions of the sites in each square tile of side `tile_m`, in the sites' order."""
    cells = np.floor(xy / tile_m).astype(np.int64)
    _, label = np.unique(cells, axis=0, return_inverse=True)
    label = label.reshape(-1)
    order = np.argsort(label, kind="stable")
    return np.split(order, np.flatnonzero(np.diff(label[order])) + 1)


def _near(
    layer: gpd.GeoDataFrame | None, xy: np.ndarray, reach_m: float
) -> gpd.GeoDataFrame | None:
    """The geometries of `layer` (whole, in order) touching the sites' bounds grown by `reach_m`."""
    if layer is None or not len(layer):
        return layer
    (x0, y0), (x1, y1) = xy.min(axis=0) - reach_m, xy.max(axis=0) + reach_m
    hits = layer.sindex.query(shapely.box(x0, y0, x1, y1), predicate="intersects")
    return layer.iloc[np.sort(hits)][[layer.geometry.name]]  # only the geometry is read


class _TileOptions(NamedTuple):
    """One tile's options as a worker sends them back (arrays travel faster than shapes)."""

    table: pd.DataFrame
    """The options without their geometry."""
    footprints: tuple[shapely.GeometryType, np.ndarray, tuple[np.ndarray, ...]] | np.ndarray
    """The footprints as :func:`shapely.to_ragged_array` arrays when all are polygons, else
    the geometries themselves."""


def _tile_options(
    sites: gpd.GeoDataFrame,
    models: Sequence[CameraModel],
    buildings: gpd.GeoDataFrame | None,
    corridors: gpd.GeoDataFrame | None,
    azimuths_per_site: int,
    n_rays: int,
) -> _TileOptions:
    """Worker task: :func:`coverage.camera_options` of one tile, packed for the trip back."""
    options = coverage.camera_options(
        sites,
        models,
        buildings=buildings,
        corridors=corridors,
        azimuths_per_site=azimuths_per_site,
        n_rays=n_rays,
    )
    geoms = np.asarray(options.geometry.to_numpy(), dtype=object)
    table = pd.DataFrame(options.drop(columns=options.geometry.name))
    if (shapely.get_type_id(geoms) == shapely.GeometryType.POLYGON).all():
        return _TileOptions(table, shapely.to_ragged_array(geoms))
    return _TileOptions(table, geoms)


def _stitch(
    parts: Sequence[_TileOptions],
    groups: Sequence[np.ndarray],
    site_ids: np.ndarray,
    empty: gpd.GeoDataFrame,
) -> gpd.GeoDataFrame:
    """The tiles' options in the single-process order: by site position, then as computed."""
    tables, geoms, positions = [], [], []
    for part, group in zip(parts, groups, strict=True):
        if len(part.table):
            ids = part.table["site_id"].to_numpy(dtype=str)
            positions.append(group[pd.Index(site_ids[group]).get_indexer(ids)])
            tables.append(part.table)
            ragged = not isinstance(part.footprints, np.ndarray)
            geoms.append(shapely.from_ragged_array(*part.footprints) if ragged else part.footprints)
    if not tables:
        return empty
    order = np.argsort(np.concatenate(positions), kind="stable")
    table = pd.concat(tables).iloc[order]
    return gpd.GeoDataFrame(table, geometry=np.concatenate(geoms)[order], crs=empty.crs)


def tiled_camera_options(
    sites: gpd.GeoDataFrame,
    models: Sequence[CameraModel],
    *,
    buildings: gpd.GeoDataFrame | None,
    corridors: gpd.GeoDataFrame | None,
    azimuths_per_site: int = 8,
    client: Client,
    tile_m: float = 1000.0,
    n_rays: int = coverage.N_RAYS,
) -> gpd.GeoDataFrame:
    """
    :func:`siteplan.coverage.camera_options`, cast tile by tile on the Dask workers.

    Sites are grouped by the square tile (side `tile_m`) they stand in. Each tile is one task:
    :func:`~siteplan.coverage.camera_options` on its sites with only the buildings and
    corridors they can depend on: buildings touching the sites' bounds grown by the longest
    ground range (a site's rays reach no further; a site inside a building is blocked by it)
    and corridors touching them grown by :data:`~siteplan.coverage.AIM_SEARCH_M` (the
    corridors a site aims along; each is passed whole), plus :data:`TILE_MARGIN_M`. A site's
    options depend on nothing else (its evenly spaced azimuths are turned by an offset from
    its id, its facade normal is its own), so the stitched rows, put back in the sites'
    order, equal the single-process options exactly: same index, columns and geometries.

    Parameters
    ----------
    sites, models, buildings, corridors, azimuths_per_site, n_rays
        As for :func:`~siteplan.coverage.camera_options`.
    client
        A connected Dask client.
    tile_m
        Tile side in metres.

    Returns
    -------
    options
        As :func:`~siteplan.coverage.camera_options` returns them.

    Raises
    ------
    InputError
        As :func:`~siteplan.coverage.camera_options`, or if two sites share an id.
    """
    head = {
        "buildings": None if buildings is None else buildings.iloc[:1],
        "corridors": None if corridors is None else corridors.iloc[:1],
    }
    # Validates the arguments (and warns about unusable models) once, here.
    empty = coverage.camera_options(
        sites.iloc[:0], models, **head, azimuths_per_site=azimuths_per_site, n_rays=n_rays
    )
    usable = [m for m in models if m.ground_range_m > 0]
    if not usable or not len(sites):
        return empty
    site_ids = sites.index.to_numpy(dtype=str)
    if not pd.Index(site_ids).is_unique:
        msg = "sites: site ids (the index) must be unique to tile the camera options."
        raise InputError(msg)
    reach_m = max(m.ground_range_m for m in usable) + TILE_MARGIN_M
    aim_m = coverage.AIM_SEARCH_M + TILE_MARGIN_M
    xy = np.column_stack([sites.geometry.x.to_numpy(), sites.geometry.y.to_numpy()])
    groups = _tile_groups(xy, tile_m)
    read = [c for c in _SITE_COLUMNS if c in sites] + [sites.geometry.name]
    futures = [
        client.submit(
            _tile_options,
            sites.iloc[group][read],
            usable,
            _near(buildings, xy[group], reach_m),
            _near(corridors, xy[group], aim_m),
            azimuths_per_site,
            n_rays,
            pure=False,
        )
        for group in groups
    ]
    log.info("camera options: %d sites in %d tiles of %g m", len(sites), len(groups), tile_m)
    parts = client.gather(futures)
    return _stitch(parts, groups, site_ids, empty)
