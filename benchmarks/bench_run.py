"""Benchmark of `missionfinance run` end to end against HiGHS's own solve time.

The scenario is the bundled example scaled to N projects (see ``bench_report.make_scenario``).
Each repeat starts a fresh Python process that does what ``missionfinance run SCENARIO --out
DIR`` does (import, load, tag, build, solve, extract, write every output file) with
``HighsRun.run`` — HiGHS itself — timed inside it, in wall-clock and CPU seconds; the
process's own start-up is timed from outside. The figure that matters is

    (end to end − HiGHS) / HiGHS

the time spent on everything but solving per second of solving (target ≤ 0.5). CPU seconds
are given beside wall seconds: on a shared machine wall time stretches with the load, CPU
time much less (HiGHS runs one thread here).

Usage::

    .venv/bin/python benchmarks/bench_run.py                    # 10,000 projects, 3 repeats
    .venv/bin/python benchmarks/bench_run.py --projects 2000 --repeat 1
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

from bench_report import make_scenario  # noqa: E402

_CHILD = r"""
import json, sys, time
t0, c0 = time.perf_counter(), time.process_time()
from missionfinance.cli import main
from missionfinance.model import highs
stages = {"highs_wall": 0.0, "highs_cpu": 0.0}
original = highs.HighsRun.run
def timed(self, *args, **kwargs):
    w, c = time.perf_counter(), time.process_time()
    try:
        return original(self, *args, **kwargs)
    finally:
        stages["highs_wall"] += time.perf_counter() - w
        stages["highs_cpu"] += time.process_time() - c
highs.HighsRun.run = timed
t1, c1 = time.perf_counter(), time.process_time()
code = main(["run", sys.argv[1], "--out", sys.argv[2]])
stages.update(imports_wall=t1 - t0, imports_cpu=c1 - c0,
              total_wall=time.perf_counter() - t0, total_cpu=time.process_time() - c0, code=code)
print(json.dumps(stages), file=sys.stderr)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        scenario = make_scenario(folder, args.projects)
        rows = []
        for k in range(args.repeat):
            start = time.perf_counter()
            done = subprocess.run([sys.executable, "-c", _CHILD, str(scenario),
                                   str(folder / f"out{k}")], env=env, check=True,
                                  capture_output=True, text=True)
            outer = time.perf_counter() - start
            stages = json.loads(done.stderr.strip().splitlines()[-1])
            stages["process_wall"] = outer
            rows.append(stages)
    def med(key: str) -> float:
        return statistics.median(r[key] for r in rows)
    wall, highs_wall = med("process_wall"), med("highs_wall")
    cpu, highs_cpu = med("total_cpu"), med("highs_cpu")
    print(f"{args.projects:,} projects, median of {args.repeat} fresh processes")
    print(f"  end to end (process start to exit)   wall {wall:6.2f} s")
    print(f"  of which imports                     wall {med('imports_wall'):6.2f} s, "
          f"CPU {med('imports_cpu'):6.2f} s")
    print(f"  HiGHS solve                          wall {highs_wall:6.2f} s, CPU {highs_cpu:6.2f} s")
    print(f"  everything in the process            CPU {cpu:6.2f} s")
    print(f"everything else per second of HiGHS: wall {(wall - highs_wall) / highs_wall:.2f}, "
          f"CPU {(cpu - highs_cpu) / highs_cpu:.2f} (target ≤ 0.50)")


if __name__ == "__main__":
    main()
