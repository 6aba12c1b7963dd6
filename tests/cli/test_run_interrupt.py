"""``missionfinance run`` stopped by a signal (SIGTERM, Ctrl-C) ends at once and cleanly.

The command runs in a subprocess on a small scenario. A hook holds it at a chosen point —
HiGHS solving (its ``run`` sleeps in the solver's thread), or the N-th output file on disk
and fsynced but the folder not yet in place — and says so through a marker file; the test
then sends a real signal from outside.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from missionfinance.testing import make_run

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX signals")

#: Runs ``missionfinance run SCENARIO --out OUT`` held at ``where`` until a signal comes.
SCRIPT = """
import os, sys, time
scenario, out, where, marker = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
def hold():
    open(marker, "w").close()
    time.sleep(120)
if where == "solve":
    import highspy
    real_run = highspy.Highs.run
    def held_run(self, *args, **kwargs):
        hold()
        return real_run(self, *args, **kwargs)
    highspy.Highs.run = held_run
else:
    real_fsync, calls = os.fsync, []
    def held_fsync(fd):
        calls.append(fd)
        if len(calls) == int(where):
            hold()
        real_fsync(fd)
    os.fsync = held_fsync
from missionfinance.cli import main
sys.exit(main(["run", scenario, "--out", out]))
"""


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("scenario")
    make_run(folder, n_projects=8)
    return folder / "scenario.toml"


def _interrupt(scenario: Path, out: Path, where: str, signum: int,
               ) -> subprocess.CompletedProcess[str]:
    marker = out.parent / f"held-{where}"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT, str(scenario), str(out), where,
                             str(marker)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, f"{where} was never reached"
            time.sleep(0.01)
        time.sleep(0.2)  # the main thread is now waiting for the solve, or the file is written
        sent = time.monotonic()
        proc.send_signal(signum)
        stdout, stderr = proc.communicate(timeout=60)
        # ended at once, not when the held solve or write would have gone on
        assert time.monotonic() - sent < 30
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        marker.unlink(missing_ok=True)
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)


def _last_line(done: subprocess.CompletedProcess[str]) -> str:
    return [line for line in done.stderr.splitlines() if line.strip()][-1]


@pytest.mark.parametrize(("where", "signum"), [("solve", signal.SIGTERM), ("solve", signal.SIGINT),
                                               ("1", signal.SIGTERM), ("4", signal.SIGHUP)],
                         ids=["SIGTERM solving", "SIGINT solving", "SIGTERM writing the first file",
                              "SIGHUP writing the fourth file"])
def test_a_stopped_run_leaves_no_folder_and_no_temporary(scenario: Path, tmp_path: Path,
                                                         where: str, signum: int) -> None:
    out = tmp_path / "results" / "run"
    out.parent.mkdir()
    done = _interrupt(scenario, out, where, signum)
    assert done.returncode == 128 + signum, done.stderr
    name = signal.Signals(signum).name
    assert _last_line(done) == f"missionfinance: interrupted by {name}; no output was written"
    assert "Traceback" not in done.stderr
    assert sorted(p.name for p in out.parent.iterdir()) == []  # no folder, no hidden temporary


def test_a_stopped_run_keeps_the_earlier_folder_whole(scenario: Path, tmp_path: Path) -> None:
    from missionfinance.cli import main

    out = tmp_path / "run"
    assert main(["run", str(scenario), "--out", str(out)]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    done = _interrupt(scenario, out, "3", signal.SIGTERM)
    assert done.returncode == 128 + signal.SIGTERM, done.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]
