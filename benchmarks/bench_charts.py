"""Benchmark of the charts of report.html: CPU time to build and to draw each of them.

The ten SVG charts of report.html (``money_charts``: flow, budget, exposure, missions,
years, cashflows, departments, regions; ``outcome_charts``: outcomes, tornadoes) are made
from a pickled run (``bench_report.py --run FILE`` writes one) as ``render_outputs``
makes them, garbage collection off, ``--repeat`` times; per chart the best CPU time of
building the figure (``missionfinance.plot``) and of drawing it to SVG
(``report.charts.svg_bytes``) is kept, with the best total. svg_bytes' cache of text
measures is cleared before each repetition (a report's charts are drawn in a fresh
worker process).

``--against DIR`` times another checkout of the code (e.g. ``git worktree add --detach
/tmp/main main``) in alternation with this one, each in its own process, and says
whether their SVG bytes are the same.

Usage::

    .venv/bin/python benchmarks/bench_charts.py --run /tmp/run10k.pkl
    .venv/bin/python benchmarks/bench_charts.py --run /tmp/run10k.pkl --against /tmp/main
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import pickle
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
NAMES = ["flow", "budget", "exposure", "missions", "years", "cashflows", "departments",
         "regions", "outcomes", "tornadoes"]


def measure(run_file: str, repeat: int) -> dict[str, Any]:
    """Best CPU seconds per chart (build, draw) and in total, in this process."""
    import missionfinance.report as rep
    import missionfinance.report.charts as charts
    import missionfinance.report.html as html
    from missionfinance.fiscal import allocation_cashflows

    with open(run_file, "rb") as fh:
        run = pickle.load(fh)  # a file the user of this benchmark made
    alloc = rep.allocation_frame(run.allocation)
    views = rep.money_views(run, alloc, allocation_cashflows(run, alloc),
                            rep.report_static(run, rep.prepared_for(run)))
    frames = views.chart_frames()
    tables, colours = rep.outcome_tables(run), rep.mission_colours(run)
    draw = charts.svg_bytes
    times: list[tuple[float, float]] = []
    drawn: list[bytes] = []
    mark = [0.0]

    def timed(fig: object) -> bytes:
        start = time.process_time()
        svg = draw(fig)  # type: ignore[arg-type]
        end = time.process_time()
        times.append((start - mark[0], end - start))
        drawn.append(svg)
        mark[0] = end
        return svg

    charts.svg_bytes = timed  # type: ignore[assignment]
    best_total = float("inf")
    best = [(float("inf"), float("inf"))] * len(NAMES)
    gc.disable()
    for _ in range(repeat):
        times.clear()
        drawn.clear()
        clear = getattr(charts, "_text_metrics", None)
        if clear is not None:
            clear.cache_clear()
        start = mark[0] = time.process_time()
        html.money_charts(frames, views.colours)
        mark[0] = time.process_time()
        html.outcome_charts(tables, colours)
        best_total = min(best_total, time.process_time() - start)
        best = [(min(b, t[0]), min(d, t[1])) for (b, d), t in zip(best, times, strict=True)]
        gc.collect()
    return {"total": best_total, "charts": dict(zip(NAMES, best, strict=True)),
            "svg": hashlib.sha256(b"".join(drawn)).hexdigest()}


def _in_process(tree: Path, run_file: str, repeat: int) -> dict[str, Any]:
    code = ("import json, sys; sys.path.insert(0, sys.argv[1]); sys.path.insert(1, sys.argv[2]);"
            "from bench_charts import measure;"
            "print(json.dumps(measure(sys.argv[3], int(sys.argv[4]))))")
    out = subprocess.run([sys.executable, "-c", code, str(tree), str(ROOT / "benchmarks"),
                          run_file, str(repeat)], check=True, capture_output=True, text=True,
                         cwd=tree)
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    """Time the charts here (and in ``--against``), print per chart and in total."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", required=True, help="pickled RunResult (bench_report.py --run)")
    parser.add_argument("--repeat", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3, help="alternations with --against")
    parser.add_argument("--against", type=Path, help="another checkout to time alternately")
    args = parser.parse_args()
    trees = [ROOT] + ([args.against.resolve()] if args.against else [])
    results: dict[Path, list[dict[str, Any]]] = {tree: [] for tree in trees}
    for _ in range(args.rounds if args.against else 1):
        for tree in reversed(trees):
            results[tree].append(_in_process(tree, args.run, args.repeat))
    for tree in trees:
        best = min(results[tree], key=lambda r: r["total"])
        rounds = ", ".join(f"{r['total']:.3f}" for r in results[tree])
        print(f"{tree}: total {best['total']:.3f} s CPU (rounds: {rounds})")
        for name, (build, draw) in best["charts"].items():
            print(f"  {name:12s} build {1000 * build:6.1f} ms  draw {1000 * draw:6.1f} ms")
    if args.against:
        same = results[trees[0]][0]["svg"] == results[trees[1]][0]["svg"]
        print("SVG bytes: " + ("the same" if same else "DIFFERENT"))


if __name__ == "__main__":
    main()
