"""Benchmark of what `missionfinance run` does before HiGHS starts, stage by stage.

Each repeat starts a fresh Python process per checkout (alternating, so both see the same
machine load) that does what ``missionfinance run`` does up to the allocation's
``highspy.Highs.run`` and stops there: import the command, import the scenario layer, load
the scenario, load the rules, read the pipeline, tag it, read the baseline lines, build the
problem and hand it to HiGHS. Each stage is timed in wall and process-CPU seconds; the
medians over the repeats are printed side by side. The scenario is the bundled example
scaled to N projects (``bench_report.make_scenario``).

Usage::

    .venv/bin/python benchmarks/bench_presolve.py                          # this checkout
    .venv/bin/python benchmarks/bench_presolve.py --code OTHER_CHECKOUT --repeat 6
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_report import make_scenario  # noqa: E402

STAGES = ("import_cli", "import_scenario", "load", "load_rules", "read_pipeline",
          "tag_pipeline", "read_lines", "problem", "to_highs")

_CHILD = r"""
import json, sys, time
marks = [("start", time.perf_counter(), time.process_time())]
def mark(name):
    marks.append((name, time.perf_counter(), time.process_time()))
import highspy
from missionfinance.cli import main
mark("import_cli")
class Started(Exception):
    pass
def started(self, *args, **kwargs):
    mark("to_highs")
    raise Started
highspy.Highs.run = started
from missionfinance.model import solve
from missionfinance.scenario import Scenario
from missionfinance.scenario.run import tag_pipeline
mark("import_scenario")
scenario = Scenario.load(sys.argv[1]); mark("load")
rules = scenario.load_rules(); mark("load_rules")
pipeline = scenario.read_pipeline(); mark("read_pipeline")
tags, contributions = tag_pipeline(pipeline, rules, scenario.attribution); mark("tag_pipeline")
lines = scenario.read_lines(); mark("read_lines")
problem = scenario.problem(pipeline, contributions); mark("problem")
try:
    solve(problem)
except Started:
    pass
out = {b[0]: [b[1] - a[1], b[2] - a[2]] for a, b in zip(marks, marks[1:])}
out["total"] = [marks[-1][1] - marks[0][1], marks[-1][2] - marks[0][2]]
out["scipy_sparse_imported"] = "scipy.sparse" in sys.modules
print(json.dumps(out))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--code", type=Path, action="append", default=[],
                        help="checkout to time (repeatable; default: this one)")
    args = parser.parse_args()
    codes = [c.resolve() for c in args.code] or [ROOT]
    runs: dict[Path, list[dict]] = {c: [] for c in codes}
    with tempfile.TemporaryDirectory() as tmp:
        scenario = make_scenario(Path(tmp), args.projects)
        for _ in range(args.repeat):
            for code in codes:
                env = {**os.environ, "PYTHONPATH": str(code), "MPLBACKEND": "Agg"}
                done = subprocess.run([sys.executable, "-c", _CHILD, str(scenario)], env=env,
                                      check=True, capture_output=True, text=True, cwd=tmp)
                runs[code].append(json.loads(done.stdout.strip().splitlines()[-1]))
    print(f"{args.projects:,} projects, median of {args.repeat} fresh processes per checkout "
          "(wall s / CPU s)")
    print(f"{'stage':16s}" + "".join(f"{c.name[:22]:>24s}" for c in codes))
    for stage in (*STAGES, "total"):
        cells = []
        for code in codes:
            wall = statistics.median(r[stage][0] for r in runs[code])
            cpu = statistics.median(r[stage][1] for r in runs[code])
            cells.append(f"{wall:10.3f} / {cpu:6.3f}")
        print(f"{stage:16s}" + "".join(f"{c:>24s}" for c in cells))
    print(f"{'scipy.sparse':16s}" + "".join(
        f"{'imported' if runs[c][0]['scipy_sparse_imported'] else 'not imported':>24s}"
        for c in codes))


if __name__ == "__main__":
    main()
