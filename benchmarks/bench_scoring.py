"""Benchmark corridor scoring, its rolling-origin evaluation and its generalisation.

Loads the sample town (OSM, GTFS, incidents, areas and the scenario's scoring section), builds
the corridors and their walk graph, then

1. times ``evaluate`` (rolling-origin folds with the model selection), ``fit_scores`` (the
   chosen model), ``hotspot_trends`` and ``heat_raster`` (wall clock, ``time.perf_counter``),
   their peak Python-heap memory (``tracemalloc``, in a second run) and the process's peak RSS;
2. evaluates the model against the baselines on the sample and on the generated incident
   processes of :mod:`siteplan.datasets.incident_processes` drawn on the sample's streets
   (4,000 incidents each, seed 1): mean PAI at 5 % and 10 % over the rolling folds, with the
   folds' standard deviation;
3. with ``--scale N``: the sample's incidents replicated and jittered to N, timed and measured.

The numbers replace the "Scoring" section of benchmarks/RESULTS.md, between
``<!-- scoring:start -->`` and ``<!-- scoring:end -->``.

Run from the repository root::

    python benchmarks/bench_scoring.py [--scale 1000000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import resource
import sys
import time
import tracemalloc
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import shapely  # noqa: E402
from _results import write_section  # noqa: E402

from siteplan import scoring  # noqa: E402
from siteplan.config import load_scenario  # noqa: E402
from siteplan.corridors import build_corridors, corridor_graph  # noqa: E402
from siteplan.datasets import incident_processes, sample_dir  # noqa: E402
from siteplan.io.areas import load_areas  # noqa: E402
from siteplan.io.gtfs import load_gtfs  # noqa: E402
from siteplan.io.incidents import load_incidents  # noqa: E402
from siteplan.io.osm import load_osm  # noqa: E402

START, END = "<!-- scoring:start -->", "<!-- scoring:end -->"
COMMAND = "python benchmarks/bench_scoring.py"
N_GENERATED = 4000
SEED = 1
#: Further draws of each generated process, to tell a pattern from noise.
EXTRA_SEEDS = (2, 3)
BASELINES = ("last_period_counts", "kde")


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def traced_peak_mib(fn: Callable[[], Any]) -> float:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def maxrss_mib() -> float:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 2**20 if sys.platform == "darwin" else rss / 2**10  # bytes on macOS, else KiB


def load(folder: Path) -> dict[str, Any]:
    scenario = load_scenario(folder / "scenario.toml")
    crs, inp = scenario.study_area.crs, scenario.inputs
    areas = None
    if inp.areas is not None:
        areas = load_areas(scenario.path(inp.areas), crs=crs, name_column=inp.areas_name_column)
    osm = load_osm(scenario.path(inp.osm), crs=crs)
    gtfs_options = {} if inp.gtfs_service_date is None else {"service_date": inp.gtfs_service_date}
    transit = load_gtfs(scenario.path(inp.gtfs), crs=crs, **gtfs_options)
    incidents = load_incidents(
        scenario.path(inp.incidents),
        crs=crs,
        timezone=scenario.study_area.timezone,
        columns=inp.incident_columns,
        areas=areas,
    )
    corridors = build_corridors(
        osm.edges, areas=areas, max_length_m=scenario.corridors.max_length_m
    )
    return {
        "config": scenario.scoring,
        "corridors": corridors,
        "graph": corridor_graph(corridors),
        "incidents": incidents,
        "stops": transit.stops,
        "areas": areas,
    }


def timings(data: dict[str, Any]) -> tuple[list[str], Any]:
    """Time and measure each scoring step on the sample; the lines and the evaluation."""
    config, corridors, incidents = data["config"], data["corridors"], data["incidents"]
    stops, areas, graph = data["stops"], data["areas"], data["graph"]
    evaluation, eval_s = timed(
        lambda: scoring.evaluate(corridors, incidents, stops, config=config, graph=graph)
    )

    def run_fit() -> Any:
        return scoring.fit_scores(
            corridors,
            incidents,
            stops,
            config=config,
            areas=areas,
            graph=graph,
            model=evaluation.selection,
        )

    fit, fit_s = timed(run_fit)
    hot, hot_s = timed(lambda: scoring.hotspot_trends(fit.corridors, incidents, seed=0))
    weights = scoring.incident_weights(incidents, config=config)

    def run_raster() -> Any:
        return scoring.heat_raster(
            incidents,
            bounds=tuple(corridors.total_bounds),
            cell_m=config.raster_cell_m,
            bandwidth_m=fit.bandwidth_m,
            weights=weights,
        )

    _, raster_s = timed(run_raster)
    peaks = {
        "evaluate": traced_peak_mib(
            lambda: scoring.evaluate(corridors, incidents, stops, config=config, graph=graph)
        ),
        "fit": traced_peak_mib(run_fit),
        "hot": traced_peak_mib(lambda: scoring.hotspot_trends(fit.corridors, incidents, seed=0)),
        "raster": traced_peak_mib(run_raster),
    }
    total = eval_s + fit_s + hot_s + raster_s
    lines = [
        f"Sample town: {len(corridors):,} corridor segments "
        f"({corridors['length_m'].sum() / 1000:.1f} km), {len(incidents):,} incidents, "
        f"{len(stops):,} stops; model chosen: `{fit.model.label}`, k = "
        f"{fit.prior_strength_m:.1f} m "
        f"({len(evaluation.selection.scores['candidate'].unique())} candidates, "
        f"{len(evaluation.selection.cut_dates)} folds of {evaluation.horizon_days:.0f} days).",
        "",
        "| step | wall time (s) | tracemalloc peak (MiB) |",
        "|---|---:|---:|",
        f"| evaluate (folds, model selection, PAI/PEI/RRI) | {eval_s:.2f} | "
        f"{peaks['evaluate']:.1f} |",
        f"| fit_scores (the chosen model) | {fit_s:.2f} | {peaks['fit']:.1f} |",
        f"| hotspot_trends (Gi*, 9,999 permutations; Mann–Kendall) | {hot_s:.2f} | "
        f"{peaks['hot']:.1f} |",
        f"| heat_raster | {raster_s:.2f} | {peaks['raster']:.1f} |",
        f"| **total** | **{total:.2f}** | |",
        "",
        f"Hotspots: {int(hot.corridors['hotspot'].sum())} significant segments; trends "
        + ", ".join(
            f"{c} {int((hot.corridors['trend'] == c).sum())}" for c in scoring.TREND_CATEGORIES[:-1]
        )
        + ".",
    ]
    return lines, evaluation


def generalisation(data: dict[str, Any], sample_eval: Any) -> list[str]:
    """Model vs the best baseline at 5 % and 10 % on the sample and each generated process."""
    config = data["config"]
    corridors, stops, graph = data["corridors"], data["stops"], data["graph"]
    towns = {"sample (Exempelstad)": sample_eval}
    no_cut = config.model_copy(update={"evaluation_cut_date": None})
    for name in incident_processes.PROCESSES:
        inc = incident_processes.generate_incidents(
            corridors, stops, process=name, n=N_GENERATED, seed=SEED
        )
        towns[name] = scoring.evaluate(corridors, inc, stops, config=no_cut, graph=graph)
    lines = [
        "| town / process | folds | model PAI 5 % | best baseline 5 % | model PAI 10 % | "
        "best baseline 10 % | model ≥ best? |",
        "|---|---:|---:|---:|---:|---:|:---:|",
    ]
    for name, ev in towns.items():
        t = ev.table.set_index(["method", "share"])
        cells, ok = [], True
        for share in (0.05, 0.10):
            m, base, b = versus_best(t, share)
            ok &= bool(m["pai"] >= b["pai"])
            cells += [
                f"{m['pai']:.2f} ± {m['pai_sd']:.2f}",
                f"{b['pai']:.2f} ± {b['pai_sd']:.2f} ({base})",
            ]
        folds = int(t["n_folds"].max())
        lines.append(f"| {name} | {folds} | " + " | ".join(cells) + f" | {'yes' if ok else 'NO'} |")
    return lines


def versus_best(t: pd.DataFrame, share: float) -> tuple[pd.Series, str, pd.Series]:
    """The model's row, the best baseline's name and its row at `share`."""
    base = max(BASELINES, key=lambda b: t.loc[(b, share), "pai"])
    return t.loc[("model", share)], base, t.loc[(base, share)]


def seed_spread(data: dict[str, Any]) -> list[str]:
    """
    Model minus the best baseline on further draws of each generated process.

    Ends with a line counting the draws where the model falls short, with the largest
    shortfall beside that baseline's fold-to-fold spread.
    """
    no_cut = data["config"].model_copy(update={"evaluation_cut_date": None})
    lines = [
        "| process | seed | model - best baseline, PAI 5 % (fold sd) | PAI 10 % (fold sd) "
        "| model >= best? |",
        "|---|---:|---:|---:|:---:|",
    ]
    short: list[tuple[float, float]] = []  # (shortfall, the best baseline's fold sd)
    n_short = 0
    for name in incident_processes.PROCESSES:
        for seed in EXTRA_SEEDS:
            inc = incident_processes.generate_incidents(
                data["corridors"], data["stops"], process=name, n=N_GENERATED, seed=seed
            )
            ev = scoring.evaluate(
                data["corridors"], inc, data["stops"], config=no_cut, graph=data["graph"]
            )
            t = ev.table.set_index(["method", "share"])
            cells, diffs = [], []
            for s in (0.05, 0.1):
                model, _, best = versus_best(t, s)
                diffs.append(float(model["pai"] - best["pai"]))
                cells.append(f"{diffs[-1]:+.2f} ({best['pai_sd']:.2f})")
                if diffs[-1] < 0:
                    short.append((-diffs[-1], float(best["pai_sd"])))
            ok = "yes" if min(diffs) >= 0 else "NO"
            n_short += ok == "NO"
            lines.append(f"| {name} | {seed} | {cells[0]} | {cells[1]} | {ok} |")
    n_draws = len(incident_processes.PROCESSES) * len(EXTRA_SEEDS)
    worst = max(short, default=(0.0, 0.0))
    lines += [
        "",
        f"The model falls short of the best baseline in {n_short} of {n_draws} further draws"
        + (
            f"; the largest shortfall is {worst[0]:.2f} PAI, against a fold-to-fold standard "
            f"deviation of {worst[1]:.2f} for that baseline."
            if short
            else "."
        ),
    ]
    return lines


def scale(data: dict[str, Any], n: int) -> list[str]:
    """Replicate and jitter the sample's incidents to `n`; time evaluate + fit + hotspots."""
    rng = np.random.default_rng(SEED)
    base = data["incidents"]
    reps = int(np.ceil(n / len(base)))
    big = pd.concat([base] * reps).iloc[:n].copy()
    xy = shapely.get_coordinates(big.geometry.values) + rng.normal(0, 5.0, size=(n, 2))
    big = big.set_geometry(shapely.points(xy), crs=base.crs)
    jitter = pd.to_timedelta(rng.integers(-43_200, 43_200, n), unit="s")
    big["occurred_at"] = big["occurred_at"] + jitter
    big.index = pd.RangeIndex(n, name="incident_id")
    config, corridors, stops = data["config"], data["corridors"], data["stops"]
    rss0 = maxrss_mib()
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    ev, ev_s = timed(lambda: scoring.evaluate(corridors, big, stops, config=config))
    fit, fit_s = timed(
        lambda: scoring.fit_scores(corridors, big, stops, config=config, model=ev.selection)
    )
    _, hot_s = timed(lambda: scoring.hotspot_trends(fit.corridors, big, seed=0))
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu_s = cpu1.ru_utime + cpu1.ru_stime - cpu0.ru_utime - cpu0.ru_stime
    load = os.getloadavg()[0]
    return [
        f"Scale: the sample's incidents replicated and jittered (5 m, ±12 h) to {n:,}: "
        f"evaluate {ev_s:.1f} s, fit_scores {fit_s:.1f} s, hotspot_trends {hot_s:.1f} s "
        f"(total {ev_s + fit_s + hot_s:.1f} s wall, {cpu_s:.1f} s CPU, load average "
        f"{load:.1f} on {os.cpu_count()} cores); peak RSS {maxrss_mib():.0f} MiB (before: "
        f"{rss0:.0f} MiB, with the 1M-row frame built). Target: ≤ 120 s and ≤ 3 GiB.",
    ]


def main(folder: Path, *, write: bool, n_scale: int | None) -> None:
    warnings.simplefilter("ignore")  # the generated towns' stops without departures
    data, load_s = timed(lambda: load(folder))
    time_lines, evaluation = timings(data)
    lines = [
        START,
        "## Scoring",
        "",
        f"Measured {dt.date.today().isoformat()} on {platform.machine()} "
        f"({os.cpu_count()} cores), Python {platform.python_version()}, "
        f"{platform.system()}. Reproduce: `{COMMAND}"
        + (f" --scale {n_scale}" if n_scale else "")
        + f"`. Loading the inputs and building the corridors (not scoring): {load_s:.2f} s.",
        "",
        *time_lines,
        "",
        "### Generalisation: model vs baselines over rolling folds",
        "",
        "Mean PAI (± standard deviation over the folds) at 5 % and 10 % of the network length. "
        "Each fold's model is chosen on the earlier folds' test windows only (each fold's own "
        "period and one starting half a horizon before its cut); the first fold only serves that "
        "choice. Baselines: last-period counts and a plain KDE. Generated processes: "
        f"{N_GENERATED:,} incidents on the sample's streets (seed {SEED}); see docs/datasets.md. "
        "Scoring configuration: the sample scenario's (bandwidth unset, so chosen among "
        f"{data['config'].bandwidth_candidates_m} m; severity and hour weights as shipped).",
        "",
        *generalisation(data, evaluation),
        "",
        f"Further draws (seeds {', '.join(map(str, EXTRA_SEEDS))}) of each generated process, "
        "same evaluation, to tell a pattern from noise.",
        "",
        *seed_spread(data),
        "",
        *(scale(data, n_scale) if n_scale else ["Scale: not measured in this run (`--scale N`)."]),
        f"Peak resident memory of the whole process (getrusage maxrss): {maxrss_mib():.0f} MiB.",
        END,
    ]
    if write:
        write_section("\n".join(lines), START, END)
    print("\n".join(lines[1:-1]))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=Path, default=None, help="town folder (data/sample)")
    parser.add_argument("--dry-run", action="store_true", help="print only, leave RESULTS.md")
    parser.add_argument("--scale", type=int, default=None, help="also time N incidents")
    args = parser.parse_args()
    folder = args.sample or sample_dir()
    if not (folder / "scenario.toml").exists():
        sys.exit(f"{folder}: the sample town is missing; generate it first.")
    main(folder, write=not args.dry_run and args.sample is None, n_scale=args.scale)
