"""Benchmark of the report: time to write every output file for a 10,000-project result.

The result is real, not mocked: the bundled example's pipeline (scenarios/data/pipeline.csv,
260 projects) is replicated with new project ids up to N projects, the example scenario's
budgets and exposure limits are scaled by the same factor, and the scenario is run end to
end (tagging + LP). Then :func:`missionfinance.report.write_outputs` is timed (median of
``--repeat`` runs into a fresh folder each time), with its parts: the CSV and JSON files,
the report tables, report.html (charts included), report.xlsx and the manifest.

Usage::

    .venv/bin/python benchmarks/bench_report.py                   # 10,000 projects, 3 repeats
    .venv/bin/python benchmarks/bench_report.py --projects 2000 --repeat 5
"""

from __future__ import annotations

import argparse
import math
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from missionfinance.report import (  # noqa: E402
    build_summary,
    render_outputs,
    tags_frame,
    write_outputs,
)
from missionfinance.report.build import build_report  # noqa: E402
from missionfinance.report.formats import csv_bytes  # noqa: E402
from missionfinance.report.html import html_bytes  # noqa: E402
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


def _time(func, repeat: int) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    times, value = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        value = func()
        times.append(time.perf_counter() - start)
    return statistics.median(times), value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        scenario = make_scenario(folder, args.projects)
        start = time.perf_counter()
        run = Scenario.load(scenario).run()
        solve = time.perf_counter() - start
        result = run.allocation
        alloc = allocation_frame(result)
        print(f"{len(run.pipeline):,} projects, {len(alloc):,} allocation rows, "
              f"{len(result.constraints):,} constraints, {len(tags_frame(run)):,} tags; "
              f"status {result.status.value}; scenario run {solve:.1f} s")
        counter = iter(range(10**6))
        cpu_start = time.process_time()
        total, _ = _time(lambda: write_outputs(run, folder / f"out{next(counter)}"), args.repeat)
        cpu = (time.process_time() - cpu_start) / args.repeat
        summary = build_summary(run, alloc)
        parts = {
            "CSV + summary.json": lambda: [csv_bytes(alloc), csv_bytes(result.missions),
                                           csv_bytes(result.constraints),
                                           csv_bytes(tags_frame(run))],
            "report tables": lambda: build_report(run, alloc, summary, folder),
        }
        report = build_report(run, alloc, summary, folder)
        parts["report.html (7 SVG charts)"] = lambda: html_bytes(report)
        parts["report.xlsx"] = lambda: xlsx_bytes(report)
        files = render_outputs(run, folder)
        print(f"write_outputs (median of {args.repeat}): {total:.2f} s wall, "
              f"{cpu:.2f} s CPU (mean)")
        for name, func in parts.items():
            seconds, _ = _time(func, args.repeat)
            print(f"  {name:<28} {seconds:6.2f} s")
        for name, data in files.items():
            print(f"  {name:<28} {len(data) / 1e6:8.2f} MB")


if __name__ == "__main__":
    main()
