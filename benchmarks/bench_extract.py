"""Benchmark of ``extract`` against an earlier version of the code, on one solve.

A scenario (by default the bundled example; pass the 10,000-project scenario for the
figures that matter) is solved once, keeping what ``solve`` handed to
:func:`missionfinance.model.result.extract`. The git revision ``--against`` (default
``main``) gives the earlier ``model/result.py`` and ``model/explain.py``, loaded beside
the current ones. Both make their solution-free parts
(:func:`~missionfinance.model.result.prepare_result`) and are then timed interleaved in
one process, so that load from other jobs falls on both alike: CPU time of the process
and of the calling thread (BLAS worker threads spin after a call and count in the
first), best of ``--repeat``. Before timing, every frame, the summary and the Dataset's
arrays are checked equal, with the parts and without.

Usage::

    python benchmarks/bench_extract.py [scenario.toml] [--against main] [--repeat 7]
"""

from __future__ import annotations

import argparse
import math
import subprocess
import sys
import time
import types
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench_post_solve import solved  # noqa: E402

from missionfinance.model import result as result_module  # noqa: E402

FRAMES = ("allocation", "missions", "projects", "constraints", "leverage", "conflict")


def earlier(revision: str) -> types.ModuleType:
    """``model/result.py`` of ``revision``, importing that revision's ``model/explain.py``."""
    def source(path: str) -> str:
        return subprocess.run(["git", "-C", str(ROOT), "show", f"{revision}:{path}"],
                              check=True, capture_output=True, text=True).stdout

    explain = sys.modules["earlier_explain"] = types.ModuleType("earlier_explain")
    exec(compile(source("missionfinance/model/explain.py"), "earlier_explain", "exec"),
         explain.__dict__)
    text = source("missionfinance/model/result.py").replace(
        "from missionfinance.model.explain import", "from earlier_explain import")
    result = sys.modules["earlier_result"] = types.ModuleType("earlier_result")
    exec(compile(text, "earlier_result", "exec"), result.__dict__)
    return result


def same(a: Any, b: Any, rtol: float = 0.0) -> None:
    """Raise unless results ``a`` and ``b`` are the same (floats within ``rtol``, 0: exactly)."""
    for name in FRAMES:
        if rtol:
            pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), rtol=rtol, atol=0.0)
        else:
            pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True)
    assert a.message == b.message
    assert a.summary.keys() == b.summary.keys()
    for key, value in a.summary.items():
        other = b.summary[key]
        if rtol and isinstance(value, float) and isinstance(other, float):
            assert math.isclose(value, other, rel_tol=rtol), key
        else:
            assert value == other, key
    for name, var in a._dataset.data_vars.items():
        if rtol:
            np.testing.assert_allclose(var[1], b._dataset.data_vars[name][1], rtol=rtol)
        else:
            np.testing.assert_array_equal(var[1], b._dataset.data_vars[name][1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("scenario", nargs="?", default=str(ROOT / "scenarios" / "sr25-example.toml"))
    parser.add_argument("--against", default="main")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--rtol", type=float, default=0.0,
                        help="compare floats within this relative tolerance (0: exactly); "
                             "a revision before the totals became exact sums differs from "
                             "this one in their last digit: give 1e-12")
    args = parser.parse_args()
    _, seen = solved(Path(args.scenario))
    problem, d, model, raw, solver, marginal, share_gain = seen["args"][:7]
    versions = {args.against: earlier(args.against), "current": result_module}
    parts = {k: m.prepare_result(problem, d, model) for k, m in versions.items()}

    def call(key: str, with_parts: bool = True) -> Any:
        return versions[key].extract(problem, d, model, raw, solver, marginal, share_gain,
                                     parts[key] if with_parts else None)

    same(call(args.against), call("current"), args.rtol)
    same(call(args.against, False), call("current", False), args.rtol)
    same(call("current"), call("current", False))
    times: dict[str, list[tuple[float, float]]] = {k: [] for k in versions}
    for _ in range(args.repeat):
        for key in versions:
            p0, t0 = time.process_time(), time.thread_time()
            call(key)
            times[key].append((time.process_time() - p0, time.thread_time() - t0))
    print(f"extract, {len(d.project_ids):,} projects, {model.n_rows:,} rows; CPU s, best of "
          f"{args.repeat} (process / calling thread)")
    for key, values in times.items():
        print(f"  {key:>12}: {min(v[0] for v in values):.4f} / {min(v[1] for v in values):.4f}")


if __name__ == "__main__":
    main()
