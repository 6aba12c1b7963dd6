"""Sweep benchmark: re-solve in place against rebuild-and-solve, and 1 against 2 workers.

200 variants of scenarios/sr25-example.toml, of one of two kinds:

- ``grid`` (default; what ``--vary`` gives): the Cartesian product of the CDEL envelope
  scaled by 0.9–1.1, the 2027-28 FT envelope ±10%, the clean-energy weight 0.5–2 and the
  pipeline's equity leverage scaled by 0.8 or 1.2 (a matrix-value change): 5 × 5 × 4 × 2;
- ``random`` (a Monte Carlo worst case for warm starts): every budget control total
  (CDEL, FT, RDEL, each year) set to its base value × a factor drawn from ±10%, the five
  mission weights drawn from 0.5–1.5 and the equity leverage scaled by 0.8, 1 or 1.2.

Part 1 (same process, same variants, same solving order and chunks as a sweep): the time
per variant, from applying the variant's changes to the scenario to the sweep's row, of

- ``in place``: :class:`~missionfinance.model.resolve.Resolver` as a sweep worker uses it
  (seeded once with the base scenario's basis, charged to the first variant; each chunk
  of 20 starts with a fresh HiGHS model from that basis, the rest update the loaded model
  and re-run a warm simplex);
- ``rebuild``: the same Resolver with ``warm=False`` (every variant built, handed to
  HiGHS with passModel and solved cold with the scenario's algorithm), same light
  extraction;
- ``solve()``: the model's full ``solve`` and its full extraction (xarray, explanations,
  marginal re-solves) — what a sweep did per variant before re-solving in place.

The three run chunk by chunk, interleaved, so that load from other processes on a shared
machine falls on all three alike. Part 2: wall time of ``run_sweep`` over the 200 variants
with 1 and with 2 local worker processes (best of ``--repeat``): the whole call, and its
solving phase (after the base scenario is tagged once, which does not depend on the
workers; pool start-up and per-worker seeding are included). On a shared machine the
cores are not all ours: each repeat first measures the speed-up two processes get on pure
CPU work (``control_speedup_2_processes``), to read the sweep's ratio against, and the CPU
seconds of each run (this process and its workers) give the ratio two free cores would
allow (``cpu_bound_ratio_2_over_1`` = 2 × CPU of 1 worker / CPU of 2 workers).

Run: ``.venv/bin/python benchmarks/bench_sweep.py [--kind grid|random] [--variants 200]
[--repeat 2] [--json OUT]``
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from concurrent.futures import ProcessPoolExecutor
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from missionfinance.model import solve
from missionfinance.model.resolve import Outcome, Resolver, outcome_row
from missionfinance.scenario import Scenario
from missionfinance.sweep import (
    CHUNK,
    Variant,
    _prepare,
    plan_chunks,
    product,
    run_sweep,
    variant_problem,
)

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "sr25-example.toml"


GRID = [
    "budget.CDEL*=0.9,0.95,1.0,1.05,1.1",
    "budget.FT.2027-28=1035.6,1093.2,1150.7,1208.2,1265.8",
    "objective.weights.clean-energy=0.5,1.0,1.5,2.0",
    "pipeline.leverage_equity*=0.8,1.2",
]


def grid_variants(n: int) -> list[Variant]:
    """The Cartesian product of :data:`GRID` (5 × 5 × 4 × 2 = 200), as ``--vary`` gives it."""
    return product(GRID)[:n]


def random_variants(scenario: Scenario, n: int, seed: int = 20251125) -> list[Variant]:
    """``n`` seeded variants: budgets ±10% per control and year, weights, equity leverage."""
    rng = np.random.default_rng(seed)
    out = []
    for k in range(n):
        changes: list[tuple[str, str, Any]] = []
        for control in sorted(scenario.budget):
            for year, value in sorted(scenario.budget[control].items()):
                factor = rng.uniform(0.9, 1.1)
                changes.append((f"budget.{control}.{year}", "=", round(value * factor, 1)))
        for mission in scenario.missions.ids:
            changes.append((f"objective.weights.{mission}", "=", round(rng.uniform(0.5, 1.5), 2)))
        changes.append(("pipeline.leverage_equity", "*", float(rng.choice([0.8, 1.0, 1.2]))))
        out.append(Variant(f"v{k:03d}", tuple(changes)))
    return out


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = {}
    for dist in ("missionfinance", "numpy", "pandas", "scipy", "highspy", "dask", "distributed"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = "absent"
    from missionfinance.model.highs import highs_version

    return {"nproc": os.cpu_count(), "cpu": cpu, "python": platform.python_version(),
            "platform": platform.platform(), "HiGHS": highs_version(), **versions,
            "loadavg_start": list(os.getloadavg())}


def per_variant(variants: list[Variant], base: Any) -> dict[str, Any]:
    """Part 1: seconds per variant of the three paths, interleaved chunk by chunk."""
    chunks = plan_chunks(variants, CHUNK)
    times: dict[str, list[float]] = {"in_place": [], "rebuild": [], "solve": []}
    warm, cold = Resolver(), Resolver(warm=False)
    t0 = time.perf_counter()
    warm.seed(variant_problem(base, Variant("base")))  # once per worker, as in a sweep
    seed_seconds = time.perf_counter() - t0
    objectives: dict[str, list[float]] = {"in_place": [], "rebuild": [], "solve": []}
    for chunk in chunks:
        job = [variants[k] for k in chunk]
        warm.reset()
        for v in job:
            t0 = time.perf_counter()
            row = outcome_row(warm.outcome(variant_problem(base, v)))
            times["in_place"].append(time.perf_counter() - t0)
            objectives["in_place"].append(row["objective"])
        for v in job:
            t0 = time.perf_counter()
            row = outcome_row(cold.outcome(variant_problem(base, v)))
            times["rebuild"].append(time.perf_counter() - t0)
            objectives["rebuild"].append(row["objective"])
        for v in job:
            t0 = time.perf_counter()
            row = outcome_row(Outcome.from_result(solve(variant_problem(base, v))))
            times["solve"].append(time.perf_counter() - t0)
            objectives["solve"].append(row["objective"])
    a, b = np.array(objectives["in_place"]), np.array(objectives["solve"])
    stages = {name: {k: v / len(variants) for k, v in r.stats.seconds.items()}
              for name, r in (("in_place", warm), ("rebuild", cold))}
    times["in_place"][0] += seed_seconds  # the seed solve is charged to the in-place path
    out: dict[str, Any] = {
        "variants": len(variants),
        "chunk": CHUNK,
        "seed_ms": 1e3 * seed_seconds,
        "mean_ms": {k: 1e3 * statistics.fmean(v) for k, v in times.items()},
        "median_ms": {k: 1e3 * statistics.median(v) for k, v in times.items()},
        "stage_ms": {n: {k: 1e3 * v for k, v in s.items()} for n, s in stages.items()},
        "warm_solves": warm.stats.warm, "seeded_solves": warm.stats.seeded,
        "cold_solves": warm.stats.cold,
        "delegated": warm.stats.delegated,
        "max_rel_objective_diff": float(np.max(np.abs(a - b) / np.abs(b))),
    }
    m = out["mean_ms"]
    st = out["stage_ms"]
    out["ratio_rebuild_over_in_place"] = m["rebuild"] / m["in_place"]
    out["ratio_solve_over_in_place"] = m["solve"] / m["in_place"]
    out["ratio_solver_stage"] = st["rebuild"]["solve"] / st["in_place"]["solve"]
    return out


def _spin(n: int = 4_000_000) -> int:
    total = 0
    for i in range(n):
        total += i
    return total


def control_speedup() -> float:
    """The speed-up two processes get on pure CPU work right now (2.0 on an idle
    two-core machine; less when other processes hold the cores)."""
    t0 = time.perf_counter()
    _spin()
    _spin()
    serial = time.perf_counter() - t0
    with ProcessPoolExecutor(2) as pool:
        t0 = time.perf_counter()
        list(pool.map(_spin, [4_000_000, 4_000_000]))
        parallel = time.perf_counter() - t0
    return serial / parallel


def throughput(scenario: Scenario, variants: list[Variant], repeat: int) -> dict[str, Any]:
    """Part 2: wall time of run_sweep with 1 and 2 local workers (best of ``repeat``,
    alternating), with the control speed-up of pure CPU work measured in between."""
    best = {1: float("inf"), 2: float("inf")}
    solving = {1: float("inf"), 2: float("inf")}
    cpu = {1: float("inf"), 2: float("inf")}
    controls = []
    tables = {}
    for _ in range(repeat):
        controls.append(control_speedup())
        for n in (1, 2):
            c0 = os.times()
            t0 = time.perf_counter()
            result = run_sweep(scenario, variants, workers=n)
            best[n] = min(best[n], time.perf_counter() - t0)
            c1 = os.times()
            used = sum(getattr(c1, f) - getattr(c0, f)
                       for f in ("user", "system", "children_user", "children_system"))
            cpu[n] = min(cpu[n], used)
            solving[n] = min(solving[n], result.extra["seconds"]["solve"])
            tables[n] = result.table
    same = tables[1].equals(tables[2])
    return {"seconds": {str(k): v for k, v in best.items()},
            "variants_per_second": {str(k): len(variants) / v for k, v in best.items()},
            "ratio_2_over_1": best[1] / best[2],
            "solving_seconds": {str(k): v for k, v in solving.items()},
            "solving_ratio_2_over_1": solving[1] / solving[2],
            "control_speedup_2_processes": controls,
            "cpu_seconds": {str(k): v for k, v in cpu.items()},
            "cpu_bound_ratio_2_over_1": 2 * cpu[1] / cpu[2],
            "tables_identical": bool(same)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--variants", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--kind", choices=("grid", "random"), default="grid",
                        help="grid: a --vary Cartesian product; random: seeded Monte Carlo")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args()
    scenario = Scenario.load(SCENARIO)
    variants = (grid_variants(args.variants) if args.kind == "grid"
                else random_variants(scenario, args.variants))
    report: dict[str, Any] = {"machine": machine(), "kind": args.kind}
    base = _prepare(scenario)
    report["per_variant"] = per_variant(variants, base)
    report["throughput"] = throughput(scenario, variants, args.repeat)
    report["machine"]["loadavg_end"] = list(os.getloadavg())
    text = json.dumps(report, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
