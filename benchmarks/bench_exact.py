"""Outside exact reference for the dense instances (issue 13; dense-2k by default).

For each seed, solve the instance with siteplan (``CameraPlacement``, default limits,
``threads=1``) and, independently, the plain MILP of the same problem with HiGHS::

    max  sum_j w_j z_j
    s.t. z_j <= sum_{o covers j} x_o            (every demand point j)
         sum_o c_o x_o + sum_s f_s y_s <= B     (budget)
         x_o <= y_site(o)                       (every option o)
         sum_{o in slot} x_o <= 1               (every slot)
         x, y binary; 0 <= z <= 1

then check that siteplan's bound is not below the HiGHS optimum and report the true gap of
siteplan's plan to it. Run one seed per process::

    PYTHONPATH=. python benchmarks/bench_exact.py --seed 0
    PYTHONPATH=. python benchmarks/bench_exact.py --size dense-10k --seed 0
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import NamedTuple

import highspy
import numpy as np
import scipy.sparse as sp

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from instances import DENSE, make_instance  # noqa: E402

from siteplan.placement import CameraPlacement  # noqa: E402
from siteplan.problem import PlacementProblem  # noqa: E402


class ExactResult(NamedTuple):
    """What HiGHS reports for the plain MILP."""

    status: str
    objective: float
    bound: float
    seconds: float


def _dense_problem(size: str, seed: int) -> PlacementProblem:
    spec = DENSE[size]
    return make_instance(
        int(spec["n_demand"]),
        int(spec["n_options"]),
        blocked_share=float(spec["blocked_share"]),
        seed=seed,
    )


def _add_rows(h: highspy.Highs, a: sp.csr_matrix, lower: np.ndarray, upper: np.ndarray) -> None:
    a = sp.csr_matrix(a)
    a.sort_indices()
    h.addRows(
        a.shape[0],
        lower.astype(float),
        upper.astype(float),
        int(a.nnz),
        a.indptr.astype(np.int32),
        a.indices.astype(np.int32),
        a.data.astype(float),
    )


def solve_exact(problem: PlacementProblem, budget_sek: float, time_limit_s: float) -> ExactResult:
    """Plain MILP of the budgeted coverage problem, solved by HiGHS (single thread)."""
    if problem.fixed or problem.excluded:
        msg = "fixed / excluded options are not modelled here"
        raise ValueError(msg)
    cover = sp.csr_matrix(problem.coverage, dtype=float)  # options x demand
    n_opt, n_dem = cover.shape
    site = problem.site_index
    n_site = len(problem.site_cost_sek)
    slots = problem.slot_codes()
    n_slot = int(slots.max()) + 1
    n = n_opt + n_site + n_dem  # x | y | z
    inf = highspy.kHighsInf

    h = highspy.Highs()
    for name, value in [
        ("output_flag", False),
        ("threads", 1),
        ("mip_rel_gap", 1e-6),
        ("time_limit", float(time_limit_s)),
        ("random_seed", 0),
    ]:
        h.setOptionValue(name, value)
    cost = np.concatenate([np.zeros(n_opt + n_site), problem.weights])
    h.addVars(n, np.zeros(n), np.ones(n))
    h.changeColsCost(n, np.arange(n, dtype=np.int32), cost)
    h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    h.changeColsIntegrality(
        n_opt + n_site,
        np.arange(n_opt + n_site, dtype=np.int32),
        np.full(n_opt + n_site, highspy.HighsVarType.kInteger),
    )
    # z_j - sum_{o covers j} x_o <= 0
    cov_rows = sp.hstack(
        [-(cover.T > 0).astype(float), sp.csr_matrix((n_dem, n_site)), sp.identity(n_dem)]
    )
    _add_rows(h, cov_rows, np.full(n_dem, -inf), np.zeros(n_dem))
    # budget
    budget = np.concatenate([problem.option_cost_sek, problem.site_cost_sek, np.zeros(n_dem)])
    _add_rows(h, sp.csr_matrix(budget[None, :]), np.array([-inf]), np.array([budget_sek]))
    # x_o - y_site(o) <= 0
    eye = sp.identity(n_opt, format="csr")
    link = sp.csr_matrix((-np.ones(n_opt), (np.arange(n_opt), site)), shape=(n_opt, n_site))
    _add_rows(
        h,
        sp.hstack([eye, link, sp.csr_matrix((n_opt, n_dem))]),
        np.full(n_opt, -inf),
        np.zeros(n_opt),
    )
    # one option per slot
    slot_m = sp.csr_matrix((np.ones(n_opt), (slots, np.arange(n_opt))), shape=(n_slot, n_opt))
    _add_rows(
        h,
        sp.hstack([slot_m, sp.csr_matrix((n_slot, n_site + n_dem))]),
        np.full(n_slot, -inf),
        np.ones(n_slot),
    )
    t0 = time.perf_counter()
    h.run()
    seconds = time.perf_counter() - t0
    info = h.getInfo()
    return ExactResult(
        status=h.modelStatusToString(h.getModelStatus()),
        objective=float(info.objective_function_value),
        bound=float(info.mip_dual_bound),
        seconds=seconds,
    )


def one_seed(size: str, seed: int, time_limit_s: float) -> dict:
    """Siteplan and HiGHS on one seed of a dense instance, with the checks."""
    budget = float(DENSE[size]["budget_sek"])
    problem = _dense_problem(size, seed)
    cp = CameraPlacement(budget_sek=budget, threads=1).solve(problem)
    ex = solve_exact(problem, budget, time_limit_s)
    proven = ex.status == "Optimal"
    opt = ex.objective
    tol = 1e-6 * abs(opt)
    return {
        "size": size,
        "seed": seed,
        "sp_objective": cp.objective_,
        "sp_bound": cp.bound_,
        "sp_gap": cp.gap_,
        "sp_seconds": cp.seconds_,
        "sp_status": cp.status_,
        "highs_status": ex.status,
        "highs_objective": ex.objective,
        "highs_bound": ex.bound,
        "highs_seconds": ex.seconds,
        # valid bound: not below the optimum (or, if unproven, not below HiGHS's best plan)
        "bound_valid": bool(cp.bound_ >= opt - tol),
        "objective_ok": bool(cp.objective_ <= (opt if proven else ex.bound) + tol),
        "true_gap": (opt - cp.objective_) / opt if proven else None,
    }


def main() -> None:
    """Run the seeds given and print one JSON line each."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=list(DENSE), default="dense-2k")
    parser.add_argument("--seed", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--time-limit", type=float, default=420.0, help="HiGHS seconds")
    args = parser.parse_args()
    for seed in args.seed:
        r = one_seed(args.size, seed, args.time_limit)
        print(json.dumps(r), flush=True)
        print(
            f"{args.size} seed {seed}: siteplan {r['sp_objective']:.4f} "
            f"(bound {r['sp_bound']:.4f}, "
            f"gap {r['sp_gap']:.4%}, {r['sp_seconds']:.1f} s); HiGHS {r['highs_status']} "
            f"{r['highs_objective']:.4f} (bound {r['highs_bound']:.4f}, "
            f"{r['highs_seconds']:.1f} s); "
            f"bound valid {r['bound_valid']}, objective ok {r['objective_ok']}, "
            f"true gap {r['true_gap']}",
            flush=True,
        )


if __name__ == "__main__":
    main()
