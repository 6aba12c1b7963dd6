"""Benchmark of what a run does with the solution after HiGHS: CPU time per step.

A scenario (by default the bundled example; pass the 10,000-project scenario for the
figures that matter) is run once, not timed, keeping what ``solve`` handed to
``extract``. Then, interleaved in one process so that load from other jobs falls on all
alike, the script times (CPU, best of ``--repeat``):

- ``extract`` — :func:`missionfinance.model.result.extract` with the solution-free parts a
  run makes while HiGHS solves (:func:`~missionfinance.model.result.prepare_result`), and
  ``extract (no parts)`` as any other caller does it; ``prepare_result`` is timed too
  (its CPU falls beside the solve, on the other core);
- ``trajectories`` — ``Scenario.trajectories`` with the outcome arrays made before the solve;
- ``allocation_cashflows``, ``fiscal_effects``, ``money_out_and_back``,
  ``cost_by_instrument``, ``cost_by_project`` and the economic cost, from the run's
  allocation.csv rows.

Usage::

    python benchmarks/bench_post_solve.py [scenario.toml] [--repeat 5]
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from missionfinance import fiscal  # noqa: E402
from missionfinance.cashflows import economic_cost  # noqa: E402
from missionfinance.model import result as result_module  # noqa: E402
from missionfinance.report import allocation_frame  # noqa: E402
from missionfinance.scenario import Scenario  # noqa: E402

solve_module = importlib.import_module("missionfinance.model.solve")


def solved(path: Path) -> tuple[Any, dict[str, Any]]:
    """Run the scenario; return the run and the arguments ``solve`` gave ``extract``."""
    seen: dict[str, Any] = {}
    original = solve_module.extract

    def keep(*args: Any) -> Any:
        seen["args"] = args
        return original(*args)

    solve_module.extract = keep
    try:
        run = Scenario.load(path).run()
    finally:
        solve_module.extract = original
    return run, seen


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("scenario", nargs="?", default=str(ROOT / "scenarios" / "sr25-example.toml"))
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    run, seen = solved(Path(args.scenario))
    problem, d, model, raw, solver, marginal, share_gain = seen["args"][:7]
    parts = seen["args"][7] if len(seen["args"]) > 7 else None  # None: code without them
    extract = result_module.extract
    sc, pipeline = run.scenario, run.pipeline
    arrays = sc.outcome_arrays(pipeline)
    alloc = allocation_frame(run.allocation)
    cf = fiscal.allocation_cashflows(run, alloc)
    rate = getattr(sc, "discount_rate", None)
    steps: dict[str, Callable[[], Any]] = {
        "extract": lambda: extract(problem, d, model, raw, solver, marginal, share_gain,
                                   *([parts] if parts is not None else [])),
        "extract (no parts)": lambda: extract(problem, d, model, raw, solver, marginal,
                                              share_gain),
        "trajectories": lambda: sc.trajectories(pipeline, run.allocation, arrays=arrays),
        "allocation_cashflows": lambda: fiscal.allocation_cashflows(run, alloc),
        "fiscal_effects": lambda: fiscal.fiscal_effects(cf),
        "economic_cost": lambda: economic_cost(cf, rate=rate, by=()),
        "money_out_and_back": lambda: fiscal.money_out_and_back(cf),
        "cost_by_instrument": lambda: fiscal.cost_by_instrument(cf, rate),
        "cost_by_project": lambda: fiscal.cost_by_project(cf, rate),
    }
    if parts is not None:
        steps["prepare_result (beside)"] = lambda: result_module.prepare_result(problem, d, model)
    best = dict.fromkeys(steps, float("inf"))
    for _ in range(args.repeat):
        for name, step in steps.items():
            start = time.process_time()
            step()
            best[name] = min(best[name], time.process_time() - start)
    print(f"{args.scenario}: {len(run.pipeline):,} projects; CPU ms, best of {args.repeat}")
    for name, seconds in best.items():
        print(f"  {name:26s} {seconds * 1000:8.1f}")
    after = sum(v for k, v in best.items() if k not in ("extract (no parts)",
                                                          "prepare_result (beside)"))
    print(f"  {'after the solve (total)':26s} {after * 1000:8.1f}")


if __name__ == "__main__":
    main()
