"""A run removes the partial output folders its own killed predecessors left, and only those."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from missionfinance._fs import PARTIAL_MARKER
from missionfinance.cli import main
from missionfinance.errors import MissionFinanceWarning

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(os.name != "posix", reason="pids are checked with kill(pid, 0)")


def _run_showing_warnings(args: list[str]) -> int:
    """``main(args)`` with this package's warnings shown (the test settings raise them)."""
    with warnings.catch_warnings():
        warnings.simplefilter("always", MissionFinanceWarning)
        return main(args)


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _leftover(parent: Path, name: str, pid: int, *, marker: str | None = "auto",
              files: tuple[str, ...] = ("allocation.csv",)) -> Path:
    tmp = parent / f".{name}.tmp-{pid}-0123abcd"
    tmp.mkdir()
    for f in files:
        (tmp / f).write_text("partial", encoding="utf-8")
    if marker == "auto":
        marker = f"{socket.gethostname()} {pid}\n"
    if marker is not None:
        (tmp / PARTIAL_MARKER).write_text(marker, encoding="ascii")
    return tmp


def test_run_killed_mid_write_is_cleaned_by_the_next_run(
    small_scenario: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = small_scenario.parent
    out = folder / "out"
    # a real run, killed (os._exit, no clean-up) after writing its second file
    killer = (
        "import os, sys\n"
        "import missionfinance._fs as fs\n"
        "real = fs._write_synced\n"
        "count = []\n"
        "def dying(path, data):\n"
        "    real(path, data)\n"
        "    count.append(path)\n"
        "    if len(count) == 2:\n"
        "        os._exit(9)\n"
        "fs._write_synced = dying\n"
        "from missionfinance.cli import main\n"
        "sys.exit(main(['run', sys.argv[1], '--out', sys.argv[2]]))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    proc = subprocess.run([sys.executable, "-c", killer, str(small_scenario), str(out)],
                          env=env, capture_output=True, timeout=300)
    assert proc.returncode == 9, proc.stderr.decode()
    left = [p for p in folder.iterdir() if p.name.startswith(".out.tmp-")]
    assert len(left) == 1 and not out.exists()
    assert _run_showing_warnings(["run", str(small_scenario), "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert [p for p in folder.iterdir() if p.name.startswith(".out.tmp-")] == []
    assert err.strip() == (f"missionfinance: warning: removed {left[0].name}, a partial output folder left "
                           f"by an earlier run (process {left[0].name.split('-')[1]}) that was stopped before it finished")
    assert main(["verify", str(out)]) == 0


def test_only_provable_leftovers_are_removed(small_scenario: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = small_scenario.parent
    dead = _dead_pid()
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        removed = [
            _leftover(folder, "out", dead),                                   # marked, dead
            _leftover(folder, "out", _dead_pid() + 0, marker=None,            # legacy: output names only
                      files=("allocation.csv", "summary.json")),
        ]
        old = folder / f".out.old-{dead}-89abcdef"                             # swap interrupted
        old.mkdir()
        (old / "manifest.json").write_text("{}", encoding="utf-8")
        removed.append(old)
        kept = [
            _leftover(folder, "out", sleeper.pid),                            # writer still running
            _leftover(folder, "out", dead + 100_000_000, marker="otherhost 1\n"),  # other host's marker
            _leftover(folder, "other", dead),                                 # another output's folder
        ]
        foreign = folder / f".out.tmp-{dead}-0000ffff"
        foreign.mkdir()
        (foreign / "my-notes.txt").write_text("not ours", encoding="utf-8")   # unmarked, foreign file
        kept.append(foreign)
        link_target = folder / "elsewhere"
        link_target.mkdir()
        link = folder / f".out.tmp-{dead}-aaaabbbb"
        link.symlink_to(link_target, target_is_directory=True)               # a link, not a folder
        kept.append(link)
        assert _run_showing_warnings(["run", str(small_scenario), "--out", str(folder / "out")]) == 0
    finally:
        sleeper.kill()
        sleeper.wait()
    err = capsys.readouterr().err
    for p in removed:
        assert not p.exists() and p.name in err
    for p in kept:
        assert p.exists() or p.is_symlink(), p.name
        assert p.name not in err
    assert len(err.strip().splitlines()) == len(removed)
