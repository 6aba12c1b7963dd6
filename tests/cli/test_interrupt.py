"""``missionfinance tag`` stopped mid-write (SIGTERM, Ctrl-C) leaves no temporary and no half-written output.

The command runs in a subprocess on a large generated input. Its file writes are slowed at
the ``fsync`` of the N-th output file (the temporary is then on disk, full, not yet renamed
into place), the subprocess says so through a marker file, and the test sends the signal
from outside: a real signal at a real point of the write, every time.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX signals")

#: Runs ``missionfinance tag LINES --out OUT`` with the N-th fsync held until a signal comes.
SCRIPT = """
import os, sys, time
lines, out, nth, marker = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
real, calls = os.fsync, []
def held_fsync(fd):
    calls.append(fd)
    if len(calls) == nth:
        open(marker, "w").close()
        time.sleep(60)
    real(fd)
os.fsync = held_fsync
from missionfinance.cli import main
sys.exit(main(["tag", lines, "--out", out]))
"""

HEADER = "line_id,source,department,programme,description,amount,year,budget_type,cofog,cpv,region,supplier\n"
ROWS = [
    "DESNZ,Offshore,Offshore wind grid connection,04.3,09310000",
    "DHSC,Hospitals,New diagnostic centre and hospital beds,07.3,45215140",
    "HO,Policing,Neighbourhood police officers,03.1,79710000",
    "DfE,Schools,School rebuilding programme,09.1,45214200",
]


@pytest.fixture(scope="module")
def lines(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """40,000 lines (a 3.6 MB CSV; tags.csv about 6 MB), written once for the module."""
    path = tmp_path_factory.mktemp("input") / "lines.csv"
    with path.open("w", encoding="utf-8") as fh:
        fh.write(HEADER)
        for i in range(40_000):
            dept, prog, desc, cofog, cpv = ROWS[i % len(ROWS)].split(",")
            fh.write(f"L{i},spending_review,{dept},{prog},{desc} {i},{i % 97 + 0.5},2026-27,CDEL,"
                     f"{cofog},{cpv},Scotland,\n")
    return path


def _interrupt(lines: Path, tmp_path: Path, out: Path, nth: int,
               signum: int) -> subprocess.CompletedProcess[str]:
    marker = tmp_path / f"mid-write-{nth}"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT, str(lines), str(out), str(nth), str(marker)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the write was never reached"
            time.sleep(0.01)
        partial = [p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}")
                   or p.name.startswith(f".{out.stem}.untagged")]
        assert partial, "no temporary on disk: the signal would not come mid-write"
        proc.send_signal(signum)
        stdout, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)


@pytest.mark.parametrize(("signum", "nth"), [(signal.SIGTERM, 1), (signal.SIGTERM, 2), (signal.SIGINT, 2)],
                         ids=["SIGTERM writing tags.csv", "SIGTERM writing tags.untagged.csv",
                              "SIGINT writing tags.untagged.csv"])
def test_stopped_mid_write_leaves_nothing(lines: Path, tmp_path: Path, nth: int, signum: int) -> None:
    out = tmp_path / "out" / "tags.csv"
    done = _interrupt(lines, tmp_path, out, nth, signum)
    assert done.returncode == 128 + signum, done.stderr
    err = [line for line in done.stderr.splitlines() if line.strip() and not line.startswith(" ")]
    assert err[-1] == f"missionfinance: interrupted by {signal.Signals(signum).name}; no output was written", done.stderr
    assert "Traceback" not in done.stderr
    left = sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("mid-write"))
    assert left == [], left  # no tags.csv, no untagged file, no temporary, not even the new folder


def test_stopped_mid_write_keeps_the_earlier_outputs_whole(lines: Path, tmp_path: Path) -> None:
    """Both files of the earlier run stay as they were: never a new tags.csv beside an old untagged file."""
    out = tmp_path / "tags.csv"
    untagged = tmp_path / "tags.untagged.csv"
    out.write_text("earlier tags\n", encoding="utf-8")
    untagged.write_text("earlier untagged\n", encoding="utf-8")
    done = _interrupt(lines, tmp_path, out, 2, signal.SIGTERM)
    assert done.returncode == 128 + signal.SIGTERM, done.stderr
    assert out.read_text(encoding="utf-8") == "earlier tags\n"
    assert untagged.read_text(encoding="utf-8") == "earlier untagged\n"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_a_signal_during_the_renames_waits_for_both(tmp_path: Path) -> None:
    """A stop signal while the set is renamed into place is held until both files are in."""
    import missionfinance._fs as fs

    targets = {tmp_path / "tags.csv": b"new tags\n", tmp_path / "tags.untagged.csv": b"new untagged\n"}
    real = os.replace
    calls: list[str] = []

    def replace_and_signal(src: str, dst: str) -> None:
        real(src, dst)
        calls.append(str(dst))
        if len(calls) == 1:
            os.kill(os.getpid(), signal.SIGTERM)  # arrives between the two renames

    with fs.stop_signals(), pytest.MonkeyPatch.context() as mp:
        mp.setattr(fs.os, "replace", replace_and_signal)
        with pytest.raises(fs.Interrupted) as stopped:
            fs.write_files(targets)
    assert stopped.value.signum == signal.SIGTERM and stopped.value.written
    assert {p: p.read_bytes() for p in targets} == targets
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tags.csv", "tags.untagged.csv"]
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # handlers restored
