"""Benchmark of ``Scenario.simulate``: the example's allocation over 1,000 draws.

The bundled example (260 projects, 4 years, 5 tracked milestones, 84 project yields) is
solved once (not timed); then, interleaved in one process so that load from other jobs falls
on all alike, the script times

- ``simulate`` — :func:`missionfinance.outcomes.simulate.simulate_run` with N draws: the
  draws, the vectorised evaluation, percentiles, probabilities and the tornado data;
- ``vectorised core`` — :func:`missionfinance.outcomes.uncertainty.simulate_arrays` alone;
- ``one draw at a time`` — the same core called with n = 1 for each of K draws (K = N/10,
  scaled up to N), the loop a vectorised evaluation replaces.

Target: at most 5 s for 1,000 draws. Usage::

    python benchmarks/bench_outcomes.py [--draws 1000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from missionfinance.outcomes.simulate import simulate_run
from missionfinance.outcomes.trajectory import allocation_inputs
from missionfinance.outcomes.uncertainty import simulate_arrays
from missionfinance.scenario import Scenario

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    """Print the median wall time of each variant."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    sc = Scenario.load(ROOT / "scenarios" / "sr25-example.toml")
    run = sc.run()
    traj = run.outcomes
    unc = sc.outcomes.uncertainty
    base = allocation_inputs(run.allocation.allocation, run.pipeline, traj.arrays.project_ids,
                             sc.years, sc.instruments)
    k = max(1, args.draws // 10)
    times: dict[str, list[float]] = {"simulate": [], "vectorised core": [],
                                     "one draw at a time": []}
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        simulate_run(run, args.draws)
        t1 = time.perf_counter()
        simulate_arrays(unc, traj.arrays, base, args.draws)
        t2 = time.perf_counter()
        for s in range(k):
            simulate_arrays(unc, traj.arrays, base, 1, seed=s)
        t3 = time.perf_counter()
        times["simulate"].append(t1 - t0)
        times["vectorised core"].append(t2 - t1)
        times["one draw at a time"].append((t3 - t2) * args.draws / k)
    core = statistics.median(times["vectorised core"])
    print(f"{args.draws} draws of the example, median of {args.repeat} (wall seconds):")
    for name, ts in times.items():
        med = statistics.median(ts)
        print(f"  {name:20s} {med:8.3f} s   {med / core:6.1f} × the vectorised core")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
