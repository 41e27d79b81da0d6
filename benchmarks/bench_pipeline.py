"""Time the whole `siteplan demo` job on the sample town, step by step.

Run: ``python benchmarks/bench_pipeline.py`` (writes the "Pipeline" section of RESULTS.md).
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import resource
import tempfile
import time
import warnings
from pathlib import Path

from _results import write_section

from siteplan import pipeline
from siteplan.config import load_scenario
from siteplan.datasets import get_path
from siteplan.io.outputs import write_plan

START, END = "<!-- pipeline:start -->", "<!-- pipeline:end -->"
TARGET_S = 30.0
#: What the measured steps spend their time on (profiled 2026-11-29; see the section).
LIMITS = (
    "What limits it: `portfolio` solves three plan families (mix, cameras only, lighting "
    "only), each with Monte Carlo intervals, stability re-solves and a three-budget "
    "frontier; `coverage` casts the rays of every candidate heading against the buildings "
    "and classifies each view by the stop-area polygons; `frontier` solves 11 budgets with "
    "`FRONTIER_LIMITS` (work limits, so the same plans on any load); `write outputs` renders "
    "the map, report and paperwork. The plan itself (`placement`) is a few seconds."
)


def main() -> None:
    warnings.simplefilter("ignore")
    scenario = load_scenario(get_path("scenario.toml"))
    t0 = time.perf_counter()
    result = pipeline.run(scenario)
    with tempfile.TemporaryDirectory() as tmp:
        t1 = time.perf_counter()
        write_plan(result, Path(tmp) / "exempelstad")
        write_s = time.perf_counter() - t1
    total_s = time.perf_counter() - t0
    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    s = result.summary
    rows = "\n".join(f"| {k} | {v:.1f} |" for k, v in result.seconds.items())
    steps = {**result.seconds, "write outputs": write_s}
    top = sorted(steps, key=lambda k: -steps[k])[:4]
    verdict = "met" if total_s <= TARGET_S else f"**not met**, {total_s - TARGET_S:.0f} s over"
    largest = ", ".join(f"{k} {steps[k]:.1f} s" for k in top)
    text = f"""{START}
## Pipeline (`siteplan demo` on the sample town)

Measured {dt.date.today()} on {platform.machine()} (2 cores), Python {platform.python_version()}.
Reproduce: `python benchmarks/bench_pipeline.py`.

Problem: {len(result.problem.options):,} camera options at {len(result.problem.sites):,} sites,
{len(result.problem.demand):,} demand points; plan: {s["n_cameras"]} cameras,
{s["cost_sek"]:,.0f} of {s["budget_sek"]:,.0f} SEK, {s["coverage_share"]:.1%} of weighted demand,
gap {s["solver"]["gap"]:.3%} ({s["solver"]["method"]}, {s["solver"]["status"]}).

| step | seconds |
|---|---:|
{rows}
| write outputs | {write_s:.1f} |
| **total** | **{total_s:.1f}** |

Peak resident memory (getrusage maxrss): {rss_mib:,.0f} MiB. Load average at the end:
{os.getloadavg()[0]:.1f}.

Target (issue 13): `siteplan demo` <= {TARGET_S:.0f} s end to end on an idle 2-core machine:
{verdict}. Largest steps: {largest}. {LIMITS}
{END}"""
    write_section(text, START, END)
    print(text)


if __name__ == "__main__":
    main()
