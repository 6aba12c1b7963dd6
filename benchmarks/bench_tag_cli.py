"""End-to-end benchmark of ``missionfinance tag``: CSV in, ``tags.csv`` out.

Lines: real lines resampled (seeded, with replacement) from every real line in the
repository, as in ``bench_tagging.py``, written to a canonical lines CSV (not timed). Rules:
``builtin:uk``. Each case runs in its own Python process so that its peak memory
(``ru_maxrss``) is its own, and includes imports:

- ``cli``: ``missionfinance tag LINES.csv --out tags.csv`` (the Arrow reader and writer) on
  N lines (default 1,000,000);
- ``ordinary``: what the command did before: :func:`missionfinance.io.read_lines`, ``tag``,
  and ``report.formats.csv_bytes`` for both files, on a subsample (default 200,000 lines),
  and ``cli`` again on that same subsample; the two ``tags.csv`` files are compared byte for
  byte;
- ``memory``: the in-memory engine on the N lines read by the ordinary reader; its tags are
  compared with the ``tags.csv`` the command wrote (same line, mission, rule, relation and
  direction on every row; weights and amounts equal to the 6 written decimals).

Usage::

    /work/venv/bin/python benchmarks/bench_tag_cli.py                 # 1M cli, 200k ordinary
    /work/venv/bin/python benchmarks/bench_tag_cli.py --lines 200000 --ordinary-lines 50000
    # also time the command of another checkout (e.g. the previous commit) on the same file,
    # alternating runs, for a side-by-side ratio:
    /work/venv/bin/python benchmarks/bench_tag_cli.py --baseline-root /tmp/previous --repeat 2
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
# BENCH_ROOT: the checkout whose package a case process imports (default: this one)
sys.path.insert(0, os.environ.get("BENCH_ROOT", str(ROOT)))
sys.path.insert(0, str(ROOT / "benchmarks"))


def make_csv(n: int, path: Path) -> None:
    from bench_tagging import pool, resample

    resample(pool(), n, seed=5).to_csv(path, index=False)


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def case_cli(lines: Path, out: Path) -> dict[str, float]:
    from missionfinance.cli import main

    t = time.perf_counter()
    code = main(["tag", str(lines), "--out", str(out)])
    wall = time.perf_counter() - t
    assert code == 0, code
    return {"wall": wall, "rss": peak_mib()}


def case_ordinary(lines: Path, out: Path) -> dict[str, float]:
    from missionfinance._fs import write_file
    from missionfinance.io import read_lines
    from missionfinance.report.formats import csv_bytes
    from missionfinance.tagging import RuleSet, tag

    t = time.perf_counter()
    frame = read_lines(lines)
    res = tag(frame, RuleSet.load("builtin:uk"))
    write_file(out, csv_bytes(res.tags, sort=False))
    write_file(out.with_name(out.stem + ".untagged.csv"), csv_bytes(res.untagged, sort=False))
    return {"wall": time.perf_counter() - t, "rss": peak_mib()}


def case_memory(lines: Path, out: Path) -> dict[str, float]:
    from missionfinance.io import read_lines
    from missionfinance.tagging import RuleSet, tag

    frame = read_lines(lines)
    rules = RuleSet.load("builtin:uk")
    t = time.perf_counter()
    res = tag(frame, rules)
    wall = time.perf_counter() - t
    written = pd.read_csv(out, dtype=str, keep_default_na=False)
    mine = res.tags
    assert len(written) == len(mine)
    for col in ("line_id", "mission", "rule_id", "relation", "direction"):
        assert (written[col].to_numpy() == mine[col].astype(str).to_numpy()).all(), col
    for col in ("weight", "amount_attributed"):
        got = written[col].astype(float).to_numpy()
        assert np.allclose(got, np.round(mine[col].to_numpy(), 6), rtol=0, atol=5e-7), col
    return {"wall": wall, "rss": peak_mib(), "tags": float(len(mine))}


def run_case(name: str, lines: Path, out: Path, root: Path | None = None) -> dict[str, float]:
    cmd = [sys.executable, __file__, "--case", name, "--file", str(lines), "--out", str(out)]
    env = {**os.environ, "BENCH_ROOT": str(root or ROOT), "PYTHONPATH": str(root or ROOT)}
    done = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--ordinary-lines", type=int, default=200_000)
    ap.add_argument("--case", choices=("cli", "ordinary", "memory"))
    ap.add_argument("--file", type=Path)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--baseline-root", type=Path, help="another checkout: time its command too")
    ap.add_argument("--repeat", type=int, default=1, help="alternating runs of each command")
    a = ap.parse_args()
    if a.case:
        fn = {"cli": case_cli, "ordinary": case_ordinary, "memory": case_memory}[a.case]
        print(json.dumps(fn(a.file, a.out)))
        return
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        big, small = tmp / "lines.csv", tmp / "lines_small.csv"
        make_csv(a.lines, big)
        make_csv(a.ordinary_lines, small)
        rows = []
        if a.baseline_root:
            for k in range(a.repeat):
                r = run_case("cli", big, tmp / "tags_base.csv", a.baseline_root)
                rows.append((f"cli, baseline {a.baseline_root} (run {k + 1})", a.lines, r))
                r = run_case("cli", big, tmp / "tags.csv")
                rows.append((f"cli, this checkout (run {k + 1})", a.lines, r))
            base = min(r["wall"] for n, _, r in rows if "baseline" in n)
            this = min(r["wall"] for n, _, r in rows if "this checkout" in n)
            print(f"best of {a.repeat}: this / baseline = {this:.2f} s / {base:.2f} s = {this / base:.2f}")
        r = run_case("cli", big, tmp / "tags.csv")
        rows.append(("cli", a.lines, r))
        r = run_case("memory", big, tmp / "tags.csv")
        rows.append(("memory (tag() only; output compared)", a.lines, r))
        r = run_case("cli", small, tmp / "tags_small_cli.csv")
        rows.append(("cli", a.ordinary_lines, r))
        r = run_case("ordinary", small, tmp / "tags_small_ord.csv")
        rows.append(("ordinary reader and writer", a.ordinary_lines, r))
        same = (tmp / "tags_small_cli.csv").read_bytes() == (tmp / "tags_small_ord.csv").read_bytes()
        same_u = ((tmp / "tags_small_cli.untagged.csv").read_bytes()
                  == (tmp / "tags_small_ord.untagged.csv").read_bytes())
        print("| case | lines | wall (s) | peak RSS (MiB) |")
        print("|---|---|---|---|")
        for name, n, r in rows:
            print(f"| {name} | {n:,} | {r['wall']:.2f} | {r['rss']:,.0f} |")
        print(f"tags.csv byte-identical to the ordinary writer: {same}; untagged: {same_u}")


if __name__ == "__main__":
    main()
