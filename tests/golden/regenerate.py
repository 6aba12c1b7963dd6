"""Write the golden outputs of the bundled example: ``tests/golden/sr25-example/``.

``PYTHONPATH=. python tests/golden/regenerate.py`` runs ``scenarios/sr25-example.toml`` with
``missionfinance run`` and keeps the files whose figures an economist or an auditor reads:
``summary.json``, ``allocation.csv``, ``missions.csv``, ``fiscal.csv``, ``outcomes.csv`` and,
gzip-compressed, ``cashflows.csv`` and ``tags.csv``. ``tests/golden/test_golden.py`` compares a
fresh run with them: text exactly, numbers to 1e-6 (relative or absolute). Rerun this script
only when a change of figures is intended, and say why in the commit.
"""

from __future__ import annotations

import gzip
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).parent
ROOT = HERE.parents[1]
SCENARIO = ROOT / "scenarios" / "sr25-example.toml"
GOLDEN = HERE / "sr25-example"
#: Files kept as they are, and files kept gzip-compressed (larger, and text-heavy).
PLAIN = ("summary.json", "allocation.csv", "missions.csv", "fiscal.csv", "outcomes.csv")
COMPRESSED = ("cashflows.csv", "tags.csv")


def run_example(out: Path) -> None:
    """Run the bundled example into ``out`` with the command line, as a user would."""
    subprocess.run(
        [sys.executable, "-m", "missionfinance", "run", str(SCENARIO), "--out", str(out)],
        check=True,
        cwd=ROOT,
        capture_output=True,
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "run"
        run_example(out)
        if GOLDEN.exists():
            shutil.rmtree(GOLDEN)
        GOLDEN.mkdir(parents=True)
        for name in PLAIN:
            shutil.copyfile(out / name, GOLDEN / name)
        for name in COMPRESSED:
            data = (out / name).read_bytes()
            (GOLDEN / f"{name}.gz").write_bytes(gzip.compress(data, mtime=0))
    print(f"wrote {GOLDEN.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
