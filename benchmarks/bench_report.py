"""Benchmark of the report: CPU time to write every output file for a 10,000-project result.

The result is real, not mocked: the bundled example's pipeline (scenarios/data/pipeline.csv,
260 projects) is replicated with new project ids up to N projects, the example scenario's
budgets and exposure limits are scaled by the same factor, and the scenario is run end to
end (tagging + LP). Then :func:`missionfinance.report.render_outputs` (every file as bytes,
what ``write_outputs`` writes) is timed by CPU time, best of ``--repeat``, with its parts:
the CSV files, the report tables, the charts, report.html (charts included), report.xlsx.
CPU time, not wall time: the machine this runs on is shared, and the best of a few repeats
is the least disturbed by other jobs.

``--workers`` times ``render_outputs`` with its forked worker processes against the same
call with ``parallel=False``, alternately, in wall seconds and in CPU seconds of this
process and its workers (``RUSAGE_CHILDREN``), each pair next to the speed-up two processes
of pure CPU work get over one at that moment ("control"): on a shared machine the wall-clock
gain of the workers is only there when a second core is free.

``--run FILE`` pickles the run the first time and reads it back afterwards, so two versions
of the code can be timed side by side on the same run without solving it again (the
scaled scenario and its inputs are kept in ``FILE``'s folder, ``<name>-inputs``).

Usage::

    .venv/bin/python benchmarks/bench_report.py                   # 10,000 projects, 3 repeats
    .venv/bin/python benchmarks/bench_report.py --projects 2000 --repeat 5
    .venv/bin/python benchmarks/bench_report.py --run /tmp/run10k.pkl
"""

from __future__ import annotations

import argparse
import math
import os
import pickle
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from missionfinance.fiscal import allocation_cashflows  # noqa: E402
from missionfinance.report import (  # noqa: E402
    build_summary,
    render_outputs,
    tags_frame,
)
from missionfinance.report.build import build_report  # noqa: E402
from missionfinance.report.formats import csv_bytes  # noqa: E402
from missionfinance.report.html import chart_uris, html_bytes  # noqa: E402
from missionfinance.report.xlsx import xlsx_bytes  # noqa: E402
from missionfinance.scenario import Scenario  # noqa: E402
from missionfinance.views import allocation_frame  # noqa: E402

EXAMPLE = ROOT / "scenarios" / "sr25-example.toml"
_LIMIT = re.compile(r'^("\d{4}-\d{2}"\s*=\s*)([0-9.]+)')


def make_scenario(folder: Path, projects: int) -> Path:
    """Write a scaled copy of the example scenario and its pipeline into ``folder``."""
    base = pd.read_csv(EXAMPLE.parent / "data" / "pipeline.csv", dtype=str, keep_default_na=False)
    copies = math.ceil(projects / len(base))
    frames = []
    for k in range(copies):
        part = base.copy()
        part["project_id"] = part["project_id"] + f"-{k:03d}"
        part["name"] = part["name"] + f" ({k + 1})"
        frames.append(part)
    pipeline = pd.concat(frames, ignore_index=True).head(projects)
    pipeline.to_csv(folder / "pipeline.csv", index=False, lineterminator="\n")
    yields = pd.read_csv(EXAMPLE.parent / "data" / "outcome_yields.csv", dtype=str,
                         keep_default_na=False)
    scaled = []
    for k in range(copies):
        part = yields.copy()
        part["project_id"] = part["project_id"] + f"-{k:03d}"
        scaled.append(part)
    kept = pd.concat(scaled, ignore_index=True)
    kept = kept[kept["project_id"].isin(set(pipeline["project_id"]))]
    kept.to_csv(folder / "outcome_yields.csv", index=False, lineterminator="\n")
    factor = len(pipeline) / len(base)
    lines = []
    for line in EXAMPLE.read_text(encoding="utf-8").splitlines():
        m = _LIMIT.match(line)
        if m:
            line = f"{m.group(1)}{float(m.group(2)) * factor:.1f}"
        line = line.replace('"data/pipeline.csv"', '"pipeline.csv"')
        line = line.replace('"data/outcome_yields.csv"', '"outcome_yields.csv"')
        line = line.replace('"data/real/', f'"{(EXAMPLE.parent / "data" / "real").as_posix()}/')
        lines.append(line)
    path = folder / "scenario.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _cpu(func, repeat: int) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    """Least CPU time of ``repeat`` calls of ``func`` (seconds) and its last value."""
    best, value = math.inf, None
    for _ in range(repeat):
        start = time.process_time()
        value = func()
        best = min(best, time.process_time() - start)
    return best, value


def _children_cpu() -> float:
    use = resource.getrusage(resource.RUSAGE_CHILDREN)
    return use.ru_utime + use.ru_stime


_BURN = "x = 0\nfor i in range(6_000_000):\n    x += i\n"


def control() -> float:
    """Speed-up of two concurrent processes of pure CPU work over one, right now."""
    def timed(n: int) -> float:
        start = time.perf_counter()
        procs = [subprocess.Popen([sys.executable, "-c", _BURN]) for _ in range(n)]
        for proc in procs:
            proc.wait()
        return time.perf_counter() - start
    return 2 * timed(1) / timed(2)


def compare_workers(run, folder: Path, repeat: int) -> None:  # type: ignore[no-untyped-def]
    """``render_outputs`` with forked workers against one process, alternately."""
    print("render_outputs: one process against forked workers (wall s, CPU s incl. workers)")
    reference = render_outputs(run, folder, parallel=False)
    for k in range(repeat):
        speedup = control()
        cells = []
        for parallel in (False, True):
            wall, cpu, kids = time.perf_counter(), time.process_time(), _children_cpu()
            files = render_outputs(run, folder, parallel=parallel)
            wall = time.perf_counter() - wall
            cpu = time.process_time() - cpu + _children_cpu() - kids
            assert files == reference, "forked workers gave other bytes"
            cells.append(f"wall {wall:5.2f} CPU {cpu:5.2f}")
        print(f"  {k + 1}: one process {cells[0]} | workers {cells[1]} | control {speedup:.2f}× "
              f"| load {os.getloadavg()[0]:.1f}")


def _load_run(scenario: Path, cache: Path | None):  # type: ignore[no-untyped-def]
    """Run ``scenario`` end to end, or read the run pickled in ``cache`` (written if absent)."""
    if cache is not None and cache.is_file():
        with cache.open("rb") as fh:
            return pickle.load(fh)
    run = Scenario.load(scenario).run()
    if cache is not None:
        with cache.open("wb") as fh:
            pickle.dump(run, fh)
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--run", type=Path, default=None,
                        help="pickle of the run: read when it exists, else written")
    parser.add_argument("--workers", action="store_true",
                        help="compare forked workers with one process (see above)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        # a pickled run refers to its scenario's files: keep them beside the pickle
        inputs = folder if args.run is None else args.run.parent / f"{args.run.stem}-inputs"
        inputs.mkdir(exist_ok=True)
        scenario = make_scenario(inputs, args.projects)
        start = time.perf_counter()
        run = _load_run(scenario, args.run)
        solve = time.perf_counter() - start
        result = run.allocation
        alloc = allocation_frame(result)
        print(f"{len(run.pipeline):,} projects, {len(alloc):,} allocation rows, "
              f"{len(result.constraints):,} constraints, {len(tags_frame(run)):,} tags; "
              f"status {result.status.value}; scenario run or read {solve:.1f} s")
        render_outputs(run, folder)  # imports, font cache
        if args.workers:
            compare_workers(run, folder, args.repeat)
            return
        total, files = _cpu(lambda: render_outputs(run, folder, parallel=False), args.repeat)
        summary = build_summary(run, alloc)
        cashflows = allocation_cashflows(run, alloc)
        report = build_report(run, alloc, summary, folder, cashflows=cashflows)
        parts = {
            "CSV files": lambda: [csv_bytes(alloc), csv_bytes(result.missions),
                                  csv_bytes(result.constraints), csv_bytes(tags_frame(run)),
                                  csv_bytes(cashflows.flows)],
            "report tables": lambda: build_report(run, alloc, summary, folder,
                                                  cashflows=cashflows),
            f"charts ({len(chart_uris(report))})": lambda: chart_uris(report),
            "report.html (charts included)": lambda: html_bytes(report),
            "report.xlsx": lambda: xlsx_bytes(report),
        }
        print(f"render_outputs in one process, every file: {total:.2f} s CPU "
              f"(best of {args.repeat})")
        for name, func in parts.items():
            seconds, _ = _cpu(func, args.repeat)
            print(f"  {name:<30} {seconds:6.2f} s CPU")
        cells = sum(t.frame.size for t in report.tables.values())
        print(f"  report tables hold {cells:,} cells")
        for name, data in files.items():
            print(f"  {name:<30} {len(data) / 1e6:8.2f} MB")


if __name__ == "__main__":
    main()
