"""Benchmark of `missionfinance run` end to end against HiGHS's own solve time.

The scenario is the bundled example scaled to N projects (see ``bench_report.make_scenario``).
Each repeat starts a fresh Python process that does what ``missionfinance run SCENARIO --out
DIR`` does (import, load, tag, build, solve, extract, write every output file) with every
``highspy.Highs.run`` call (HiGHS itself: the allocation and the marginal re-solves) timed
where it runs, in wall-clock seconds and in CPU seconds of the thread that runs it
(``time.thread_time``: a run may solve in a worker thread while the main thread does other
work); the process's own start-up to exit is timed from outside. The figures that matter are

    wall: (process wall − HiGHS wall) / HiGHS wall
    CPU:  (process CPU − HiGHS CPU) / HiGHS CPU

the time spent on everything but solving per second of solving (target ≤ 0.5). Work done
while HiGHS solves (in another thread) lowers the wall ratio, not the CPU one. The process
CPU includes the worker processes it forks to render the output files
(``RUSAGE_CHILDREN``). Before each repeat, two processes of pure CPU work are timed against
one ("control"): the speed-up the machine's cores give at that moment, without which a
wall-clock ratio on a shared machine says little. The first
HiGHS run (the allocation itself) is also given alone. On a shared machine wall time
stretches with the load, CPU time much less (HiGHS runs one thread here).

Usage::

    .venv/bin/python benchmarks/bench_run.py                    # 10,000 projects, 3 repeats
    .venv/bin/python benchmarks/bench_run.py --projects 2000 --repeat 1
    .venv/bin/python benchmarks/bench_run.py --code OTHER_CHECKOUT   # the same, other code
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_report import control, make_scenario  # noqa: E402

_CHILD = r"""
import json, resource, sys, time
def children():
    use = resource.getrusage(resource.RUSAGE_CHILDREN)
    return use.ru_utime + use.ru_stime
t0, c0, k0 = time.perf_counter(), time.process_time(), children()
import highspy
from missionfinance.cli import main
stages = {"highs_wall": 0.0, "highs_cpu": 0.0, "highs_runs": 0}
original = highspy.Highs.run
def timed(self, *args, **kwargs):
    w, c = time.perf_counter(), time.thread_time()
    try:
        return original(self, *args, **kwargs)
    finally:
        stages["highs_runs"] += 1
        stages["highs_wall"] += time.perf_counter() - w
        stages["highs_cpu"] += time.thread_time() - c
        stages.setdefault("first_wall", stages["highs_wall"])
        stages.setdefault("first_cpu", stages["highs_cpu"])
highspy.Highs.run = timed
t1, c1 = time.perf_counter(), time.process_time()
code = main(["run", sys.argv[1], "--out", sys.argv[2]])
stages.update(imports_wall=t1 - t0, imports_cpu=c1 - c0,
              total_wall=time.perf_counter() - t0, self_cpu=time.process_time() - c0,
              children_cpu=children() - k0, code=code)
stages["total_cpu"] = stages["self_cpu"] + stages["children_cpu"]
print(json.dumps(stages), file=sys.stderr)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--code", type=Path, default=ROOT,
                        help="checkout whose missionfinance is run (default: this one)")
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(args.code.resolve()), "MPLBACKEND": "Agg"}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        scenario = make_scenario(folder, args.projects)
        rows = []
        for k in range(args.repeat):
            speedup = control()
            start = time.perf_counter()
            done = subprocess.run([sys.executable, "-c", _CHILD, str(scenario),
                                   str(folder / f"out{k}")], env=env, check=True,
                                  capture_output=True, text=True, cwd=folder)
            outer = time.perf_counter() - start
            stages = json.loads(done.stderr.strip().splitlines()[-1])
            stages["process_wall"] = outer
            stages["control"] = speedup
            rows.append(stages)

    def med(key: str) -> float:
        return statistics.median(r[key] for r in rows)

    wall, highs_wall = med("process_wall"), med("highs_wall")
    cpu, highs_cpu = med("total_cpu"), med("highs_cpu")
    print(f"{args.projects:,} projects, median of {args.repeat} fresh processes "
          f"({args.code.resolve()})")
    print(f"  end to end (process start to exit)   wall {wall:6.2f} s")
    print(f"  everything in the process            wall {med('total_wall'):6.2f} s, "
          f"CPU {cpu:6.2f} s (of which worker processes {med('children_cpu'):.2f} s)")
    print(f"  of which imports                     wall {med('imports_wall'):6.2f} s, "
          f"CPU {med('imports_cpu'):6.2f} s")
    print(f"  HiGHS, {int(med('highs_runs'))} runs                        wall {highs_wall:6.2f} s, "
          f"CPU {highs_cpu:6.2f} s")
    print(f"  of which the allocation (first run)  wall {med('first_wall'):6.2f} s, "
          f"CPU {med('first_cpu'):6.2f} s")
    print(f"everything else per second of HiGHS: wall {(wall - highs_wall) / highs_wall:.2f}, "
          f"CPU {(cpu - highs_cpu) / highs_cpu:.2f} (target ≤ 0.50)")
    speedups = ", ".join(f"{r['control']:.2f}×" for r in rows)
    print(f"two processes of pure CPU work against one (control): {speedups}")
    print("raw: " + json.dumps(rows))


if __name__ == "__main__":
    main()
