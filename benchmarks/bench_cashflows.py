"""Benchmark: an allocation's cash flows and fiscal aggregates against HiGHS's own solve.

One process, one case: the synthetic pipeline of ``bench_model.py`` stretched to a
10-year horizon (windows anywhere in it), N projects × 4 instruments × 10 years, with the
cash flows in the LP: receipts recycled into FT (``recycling``) and a PSNFL cap in every
year at a fifth of a year's CDEL budget (``fiscal``; it binds in most years). Timed, alternately ``R`` times
(minimum kept):

- **HiGHS's own time**: the LP's matrix handed to highspy directly, ``run()`` alone;
- **end to end**: ``solve(problem)`` and then, from its allocation, the cash-flow
  schedules over every instrument's life past the horizon
  (:func:`missionfinance.cashflows.schedule`), the fiscal aggregates
  (:func:`missionfinance.fiscal.fiscal_effects`) and the economic cost.

Usage::

    .venv/bin/python benchmarks/bench_cashflows.py [--projects 10000] [--repeats 2]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import bench_model  # noqa: E402

from missionfinance.cashflows import DEFAULT_TERMS, economic_cost, schedule  # noqa: E402
from missionfinance.fiscal import fiscal_effects  # noqa: E402
from missionfinance.model import Recycling, SolverOptions, solve  # noqa: E402
from missionfinance.years import fy_from_start  # noqa: E402

YEARS = tuple(fy_from_start(2026 + k) for k in range(10))


def problem_10y(n: int, lp: bool = True):  # type: ignore[no-untyped-def]
    """bench_model's synthetic pipeline over a 10-year horizon, with recycling and caps."""
    bench_model.YEARS = YEARS
    problem = bench_model.synthetic(n)
    rng = np.random.default_rng(11)
    start = rng.integers(0, 10, n)
    end = np.minimum(9, start + rng.integers(0, 5, n))
    problem.projects["start_year"] = [YEARS[k] for k in start]
    problem.projects["end_year"] = [YEARS[k] for k in end]
    if not lp:
        return problem
    caps = {y: 0.2 * problem.budget["CDEL"][y] for y in YEARS}
    return replace(problem, recycling=Recycling("FT"), fiscal_caps={"psnfl": caps})


def cash_and_fiscal(problem, result) -> tuple[int, int, float]:  # type: ignore[no-untyped-def]
    alloc = result.allocation
    commitments = alloc.loc[alloc["public"] > 0, ["project_id", "instrument", "year", "public"]]
    cf = schedule(commitments.rename(columns={"public": "amount"}), DEFAULT_TERMS, YEARS,
                  problem.projects)
    fiscal = fiscal_effects(cf)
    cost = float(economic_cost(cf, by=()).iloc[0])
    return len(cf.flows), len(fiscal), cost


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--projects", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--no-lp", action="store_true", help="no recycling or fiscal caps")
    args = parser.parse_args()
    options = SolverOptions(algorithm="ipm")
    solve(problem_10y(20), options)
    problem = problem_10y(args.projects, lp=not args.no_lp)
    best_own, best_e2e, best_cf = float("inf"), float("inf"), float("inf")
    out: dict[str, object] = {"projects": args.projects, "years": len(YEARS),
                              "cash_flows_in_lp": not args.no_lp}
    for _ in range(args.repeats):
        own = bench_model.highs_own(problem, options)
        best_own = min(best_own, float(own["highs_run"]))
        t0 = time.perf_counter()
        res = solve(problem, options)
        t1 = time.perf_counter()
        rows, fiscal_rows, cost = cash_and_fiscal(problem, res)
        t2 = time.perf_counter()
        if t2 - t0 < best_e2e:
            best_e2e, best_cf = t2 - t0, t2 - t1
            fam = res.constraints["family"]
            out.update(fiscal_binding=int((res.constraints["binding"] & (fam == "fiscal")).sum()),
                       recycling_binding=int((res.constraints["binding"] & (fam == "recycling")).sum()))
            out.update(status=res.status.value, cashflow_rows=rows, fiscal_rows=fiscal_rows,
                       economic_cost=round(cost, 1),
                       allocation_rows=int((res.allocation["public"] > 0).sum()))
    out.update(highs_own=round(best_own, 2), end_to_end=round(best_e2e, 2),
               cashflows_and_fiscal=round(best_cf, 2), ratio=round(best_e2e / best_own, 3),
               load_average=round(__import__("os").getloadavg()[0], 1))
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
