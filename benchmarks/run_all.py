"""Run every benchmark in turn with its default (recorded) settings: ``make bench``.

Each script prints its own figures; benchmarks/README.md records the latest ones and the
machine they were measured on. Expect several minutes on a 2-core machine (the model
benchmark at 100,000 projects is opt-in: ``python benchmarks/bench_model.py --sizes 100000``).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = ("bench_tagging.py", "bench_model.py", "bench_report.py", "bench_sweep.py",
           "bench_outcomes.py", "bench_cashflows.py")


def main() -> int:
    """Run the scripts one after another; return the first non-zero exit status."""
    for script in SCRIPTS:
        print(f"== {script}", flush=True)
        code = subprocess.call([sys.executable, str(HERE / script)])
        if code:
            print(f"{script} exited with status {code}", file=sys.stderr)
            return code
    return 0


if __name__ == "__main__":
    sys.exit(main())
