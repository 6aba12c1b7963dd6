"""Benchmark of `missionfinance run` end to end against HiGHS's own solve time.

The scenario is the bundled example scaled to N projects (see ``bench_report.make_scenario``).
Two measurements, side by side in one process tree:

1. ``missionfinance run SCENARIO --out DIR`` in a fresh Python process, timed from outside
   (wall clock: imports, reading, tagging, building, solving, extraction, every output file);
2. the same scenario run in this process with each stage timed: load, ``Scenario.run``
   (whose result records HiGHS's own solve time in ``allocation.solver["seconds"]``) and
   ``write_outputs`` split into its files.

The figure that matters is ``(end to end − HiGHS solve) / HiGHS solve``: the time spent on
everything but solving, per second of solving. Target: at most 0.5.

Usage::

    .venv/bin/python benchmarks/bench_run.py                    # 10,000 projects
    .venv/bin/python benchmarks/bench_run.py --projects 2000 --repeat 3
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_report import make_scenario  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        scenario = make_scenario(folder, args.projects)
        walls = []
        for k in range(args.repeat):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "missionfinance", "run", str(scenario),
                            "--out", str(folder / f"cli{k}")], check=True, env=env,
                           stdout=subprocess.DEVNULL)
            walls.append(time.perf_counter() - start)
        wall = statistics.median(walls)

        t0 = time.perf_counter()
        from missionfinance import Scenario
        from missionfinance.report import render_outputs
        t1 = time.perf_counter()
        sc = Scenario.load(scenario)
        run = sc.run()
        t2 = time.perf_counter()
        files_start = time.perf_counter()
        parts: dict[str, float] = {}
        from missionfinance.report import build_summary
        from missionfinance.report.build import build_report
        from missionfinance.report.html import html_bytes
        from missionfinance.report.tables import allocation_frame
        from missionfinance.report.xlsx import xlsx_bytes
        alloc = allocation_frame(run.allocation)
        summary = build_summary(run, alloc)
        s = time.perf_counter()
        report = build_report(run, alloc, summary, folder)
        parts["report tables"] = time.perf_counter() - s
        s = time.perf_counter()
        html_bytes(report)
        parts["report.html (charts)"] = time.perf_counter() - s
        s = time.perf_counter()
        xlsx_bytes(report)
        parts["report.xlsx"] = time.perf_counter() - s
        s = time.perf_counter()
        render_outputs(run, folder)
        write = time.perf_counter() - s
        del files_start
        seconds = run.allocation.solver.get("seconds", {})
        highs = float(seconds.get("solve", float("nan")))
        print(f"{len(run.pipeline):,} projects; status {run.allocation.status.value}")
        print(f"missionfinance run, end to end (fresh process, median of {args.repeat}): "
              f"{wall:6.2f} s")
        print(f"HiGHS solve (its own time, in-process run):                {highs:6.2f} s")
        print(f"everything else per second of HiGHS: {(wall - highs) / highs:.2f} "
              "(target ≤ 0.50)")
        print("in-process stages:")
        print(f"  imports                   {t1 - t0:6.2f} s")
        print(f"  load + run (tag, build, solve, extract) {t2 - t1:6.2f} s "
              f"(build {seconds.get('build', 0):.2f}, solve {highs:.2f}, "
              f"marginal {seconds.get('marginal', 0):.2f}, "
              f"extract {seconds.get('extract', 0):.2f})")
        print(f"  all output files (bytes)  {write:6.2f} s")
        for name, value in parts.items():
            print(f"    {name:<24} {value:6.2f} s")


if __name__ == "__main__":
    main()
