"""Benchmark corridor scoring, the heat raster and the hold-out evaluation on the sample town.

Loads data/sample (OSM, GTFS, incidents, areas and the scenario's scoring section), builds the
corridors and their walk graph, then times ``score_corridors``, ``heat_raster`` and ``evaluate``
(wall clock, ``time.perf_counter``) and measures their peak Python-heap memory (``tracemalloc``,
in a second run so tracing does not slow the timed one) and the process's peak RSS
(``resource.getrusage``). The numbers replace the "Scoring (sample town)" section of
benchmarks/RESULTS.md, between ``<!-- scoring:start -->`` and ``<!-- scoring:end -->``.

Run from the repository root::

    python benchmarks/bench_scoring.py
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
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from siteplan import scoring  # noqa: E402
from siteplan.config import load_scenario  # noqa: E402
from siteplan.corridors import build_corridors, corridor_graph  # noqa: E402
from siteplan.datasets import sample_dir  # noqa: E402
from siteplan.io.areas import load_areas  # noqa: E402
from siteplan.io.gtfs import load_gtfs  # noqa: E402
from siteplan.io.incidents import load_incidents  # noqa: E402
from siteplan.io.osm import load_osm  # noqa: E402

RESULTS = ROOT / "benchmarks" / "RESULTS.md"
START, END = "<!-- scoring:start -->", "<!-- scoring:end -->"
COMMAND = "python benchmarks/bench_scoring.py"


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


def main(folder: Path, *, write: bool) -> None:
    (data, load_s) = timed(lambda: load(folder))
    config, corridors, incidents = data["config"], data["corridors"], data["incidents"]
    stops, areas, graph = data["stops"], data["areas"], data["graph"]

    def run_score() -> Any:
        return scoring.score_corridors(
            corridors, incidents, stops, config=config, areas=areas, graph=graph
        )

    _scored, score_s = timed(run_score)
    weights = scoring.incident_weights(incidents, config=config)
    bandwidth_m = scoring.bandwidth_for(incidents, config=config, weights=weights)

    def run_raster() -> Any:
        return scoring.heat_raster(
            incidents,
            bounds=tuple(corridors.total_bounds),
            cell_m=config.raster_cell_m,
            bandwidth_m=bandwidth_m,
            weights=weights,
        )

    def run_evaluate() -> Any:
        return scoring.evaluate(
            corridors, incidents, stops, config=config, areas=areas, graph=graph
        )

    (grid, _), raster_s = timed(run_raster)
    evaluation, eval_s = timed(run_evaluate)
    table = evaluation.table
    # What the policy parts of the score cost in prediction: the incident component alone,
    # with and without the severity and hour-of-day weights (recency kept).
    only = {"incidents": 1.0, "area_incidents": 0.0, "footfall": 0.0}
    variants = {
        "score, incident component only": config.model_copy(update={"weights": only}),
        "score, incident component only, no severity/hour weights": config.model_copy(
            update={"weights": only, "severity": {}, "hour_weights": [1.0] * 24}
        ),
    }
    extra = {
        name: scoring.evaluate(
            corridors, incidents, stops, config=cfg, areas=areas, graph=graph, shares=(0.05, 0.1)
        ).table
        for name, cfg in variants.items()
    }
    peaks = {
        "score_corridors": traced_peak_mib(run_score),
        "heat_raster": traced_peak_mib(run_raster),
        "evaluate": traced_peak_mib(run_evaluate),
    }
    rss = maxrss_mib()

    n_points = int(incidents.geometry.notna().sum())
    how_bandwidth = "cross-validated" if config.bandwidth_m == "cv" else "fixed"
    lines = [
        START,
        "## Scoring (sample town)",
        "",
        f"Measured {dt.date.today().isoformat()} on {platform.machine()} "
        f"({os.cpu_count()} cores), Python {platform.python_version()}, "
        f"{platform.system()}. Reproduce: `{COMMAND}`.",
        "",
        f"Input: {len(corridors):,} corridor segments ({corridors['length_m'].sum() / 1000:.1f} "
        f"km), {len(incidents):,} incidents ({n_points:,} with a point), {len(stops):,} stops; "
        f"bandwidth {bandwidth_m:.0f} m ({how_bandwidth}), "
        f"raster {grid.shape[0]} x {grid.shape[1]} cells of {config.raster_cell_m:g} m.",
        "",
        "| step | wall time (s) | tracemalloc peak (MiB) |",
        "|---|---:|---:|",
        f"| load inputs + build corridors (not scoring) | {load_s:.2f} | - |",
        f"| score_corridors | {score_s:.2f} | {peaks['score_corridors']:.1f} |",
        f"| heat_raster | {raster_s:.2f} | {peaks['heat_raster']:.1f} |",
        f"| evaluate (refits the score on the training period) | {eval_s:.2f} | "
        f"{peaks['evaluate']:.1f} |",
        "",
        f"Peak resident memory of the whole process (getrusage maxrss): {rss:.0f} MiB.",
        "",
        f"Hold-out evaluation (train before {evaluation.cut_date}, test after; "
        f"{evaluation.n_train:,} training incidents, {int(table['N_test'].iloc[0]):,} test "
        "incidents on the network):",
        "",
        "| method | share | PAI | PEI |",
        "|---|---:|---:|---:|",
    ]
    for row in table.itertuples(index=False):
        lines.append(f"| {row.method} | {row.share:.0%} | {row.pai:.2f} | {row.pei:.2f} |")
    for name, frame in extra.items():
        for row in frame[frame["method"] == "score"].itertuples(index=False):
            lines.append(f"| {name} | {row.share:.0%} | {row.pai:.2f} | {row.pei:.2f} |")
    lines += [
        "",
        f"Empirical-Bayes prior strength k = {evaluation.prior_strength_m:.1f} m "
        "(estimated; small k means each segment's own count decides).",
        END,
    ]
    if write:
        write_section("\n".join(lines))
    print("\n".join(lines[1:-1]))


def write_section(section: str) -> None:
    text = RESULTS.read_text("utf-8") if RESULTS.exists() else "# Benchmark results\n"
    if START in text and END in text:
        head, rest = text.split(START, 1)
        tail = rest.split(END, 1)[1]
        text = head + section + tail
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    tmp = RESULTS.with_suffix(".md.tmp")
    tmp.write_text(text, "utf-8")
    os.replace(tmp, RESULTS)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=Path, default=None, help="town folder (data/sample)")
    parser.add_argument("--dry-run", action="store_true", help="print only, leave RESULTS.md")
    args = parser.parse_args()
    folder = args.sample or sample_dir()
    if not (folder / "scenario.toml").exists():
        sys.exit(f"{folder}: the sample town is missing; generate it first.")
    main(folder, write=not args.dry_run and args.sample is None)
