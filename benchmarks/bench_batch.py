"""Time a 16-run sensitivity sweep of the sample town on 1 and on 2 local Dask workers.

Run: ``python benchmarks/bench_batch.py`` (writes the "Batch" section of RESULTS.md).
The sweep is 4 stop-area radii x 4 budgets with light coverage and work limits (the CI
settings of tests/test_batch.py), no frontier.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import resource
import time
import warnings

from _results import write_section
from distributed import Client, LocalCluster

from siteplan import pipeline
from siteplan.config import SweepConfig, load_scenario
from siteplan.datasets import get_path

START, END = "<!-- batch:start -->", "<!-- batch:end -->"

LIGHT_COVERAGE = {"max_sites": 40, "azimuths_per_site": 4, "sample_step_m": 20.0}
LIGHT_PLACEMENT = {
    "threads": 1,
    "local_search_moves": 50,
    "lagrangian_iterations": 100,
    "lp_iterations": 20_000,
    "rins_nodes": 20,
    "proof_nodes": 50,
}
SWEEP = SweepConfig.model_validate(
    {
        "parameters": {
            "legal.stop_area_radius_m": [20.0, 25.0, 40.0, 60.0],
            "budget.total_sek": [200_000, 300_000, 400_000, 500_000],
        }
    }
)


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _time(n_workers: int) -> tuple[float, list[float], int]:
    base = load_scenario(get_path("scenario.toml"))
    scenario = base.model_copy(
        update={
            "coverage": base.coverage.model_copy(update=LIGHT_COVERAGE),
            "placement": base.placement.model_copy(update=LIGHT_PLACEMENT),
        }
    )
    with (
        LocalCluster(
            n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        Client(cluster) as client,
    ):
        t0 = time.perf_counter()
        result = pipeline.run_many(scenario, sweep=SWEEP, client=client)
        seconds = time.perf_counter() - t0
        peaks = sorted(client.run(_peak_mib).values())
    n_ok = int((result.runs["status"] == "ok").sum())
    return seconds, peaks, n_ok


def main() -> None:
    warnings.simplefilter("ignore")
    one_s, one_mib, one_ok = _time(1)
    two_s, two_mib, two_ok = _time(2)
    text = f"""{START}
## Batch (16-run sweep of the sample town on local Dask workers)

Measured {dt.date.today()} on {platform.machine()} (2 cores, shared with other jobs),
Python {platform.python_version()}. Reproduce: `python benchmarks/bench_batch.py`.
Sweep: stop-area radius 20/25/40/60 m x budget 200-500 kSEK, light coverage and work limits
(40 sites, 4 azimuths, 20 m demand step), no frontier. Inputs are loaded once per cluster.

| workers | runs ok | seconds | speed-up | peak memory per worker (MiB) |
|---:|---:|---:|---:|---|
| 1 | {one_ok} | {one_s:.0f} | 1.00 | {", ".join(f"{m:,.0f}" for m in one_mib)} |
| 2 | {two_ok} | {two_s:.0f} | {one_s / two_s:.2f} | {", ".join(f"{m:,.0f}" for m in two_mib)} |

Load average at the end: {os.getloadavg()[0]:.1f} (the 2 cores may be shared with other jobs).

The same sweep on an existing cluster: start `dask scheduler` on one machine and
`dask worker tcp://HOST:8786 --nthreads 1` on each worker machine (every worker must see the
scenario's input files at the same paths, e.g. on a shared disk), then run
`siteplan batch scenario.toml --sweep sweep.toml --scheduler tcp://HOST:8786 --out maps/batch`;
`pipeline.run_many(..., scheduler="tcp://HOST:8786")` does the same from Python.
{END}"""
    write_section(text, START, END)
    print(text)


if __name__ == "__main__":
    main()
