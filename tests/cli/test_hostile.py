"""Hostile or careless use of the command line: paths, pipes, warnings, --out, verify."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from missionfinance import cli
from missionfinance.cli import main
from tests.errors import one_line_error as _one_line_error

LINES_CSV = (
    "line_id,source,department,description,amount\n"
    "L1,x,DESNZ,Offshore wind port upgrade,5\n"
    "L2,x,DHSC,Diagnostic imaging for NHS patients,3\n"
)


@pytest.fixture
def no_work(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record any start of the real work of ``run`` (tagging and solving)."""
    from missionfinance.scenario import Scenario

    started: list[str] = []

    def run(self: Scenario) -> None:
        started.append("run")
        raise AssertionError("the run started before its arguments were checked")

    monkeypatch.setattr(Scenario, "run", run)
    return started


# ----------------------------------------------------------------------------- paths
def test_scenario_path_is_a_folder(small_scenario: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["run", str(small_scenario.parent), "--out", str(small_scenario.parent / "out")])
    assert code == 2
    _one_line_error(capsys.readouterr().err, small_scenario.parent.name, "is a folder, not a scenario file")


def test_scenario_symlink_loop(small_scenario: Path, capsys: pytest.CaptureFixture[str]) -> None:
    loop = small_scenario.parent / "loop.toml"
    loop.symlink_to(loop)
    assert main(["run", str(loop), "--out", str(small_scenario.parent / "out")]) == 2
    _one_line_error(capsys.readouterr().err, "loop.toml", "loops back on itself")


def test_pipeline_symlink_loop(small_scenario: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = small_scenario.parent
    (folder / "pipeline.csv").unlink()
    (folder / "pipeline.csv").symlink_to(folder / "pipeline.csv")
    assert main(["run", str(small_scenario), "--out", str(folder / "out")]) == 2
    _one_line_error(capsys.readouterr().err, "scenario.toml", "inputs.pipeline", "loops back on itself")
    assert not (folder / "out").exists()


def test_utf16_scenario(small_scenario: Path, capsys: pytest.CaptureFixture[str]) -> None:
    small_scenario.write_bytes(small_scenario.read_text(encoding="utf-8").encode("utf-16"))
    assert main(["run", str(small_scenario), "--out", str(small_scenario.parent / "out")]) == 2
    _one_line_error(capsys.readouterr().err, "scenario.toml", "UTF-16", "save the file as UTF-8")


def test_tag_deep_ocds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text('{"ocid":' * 60_000 + "1" + "}" * 60_000, encoding="utf-8")
    assert main(["tag", str(deep), "--out", str(tmp_path / "tags.csv")]) == 2
    _one_line_error(capsys.readouterr().err, "deep.json", "nested too deeply")
    assert not (tmp_path / "tags.csv").exists()


def test_tag_parquet_list_column(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import pandas as pd

    pd.DataFrame({"line_id": ["A", "B"], "source": "x", "department": "D",
                  "description": [["b", "c"], ["d"]], "amount": [1.0, 2.0]}).to_parquet(tmp_path / "l.parquet")
    assert main(["tag", str(tmp_path / "l.parquet"), "--out", str(tmp_path / "tags.csv")]) == 2
    _one_line_error(capsys.readouterr().err, "l.parquet", "description", "list values")


@pytest.mark.parametrize("rate", ["EUR=nan", "EUR=inf", "EUR=-1", "EUR=0", "=0.85"])
def test_rate_flag_must_be_finite_and_positive(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                               rate: str) -> None:
    (tmp_path / "l.csv").write_text(LINES_CSV, encoding="utf-8")
    assert main(["tag", str(tmp_path / "l.csv"), "--rate", rate, "--out", str(tmp_path / "t.csv")]) == 2
    _one_line_error(capsys.readouterr().err, f"--rate {rate!r}", "finite positive")


# ----------------------------------------------------------------------------- --out first
def test_run_out_is_a_file_is_refused_before_any_work(
    small_scenario: Path, capsys: pytest.CaptureFixture[str], no_work: list[str]
) -> None:
    out = small_scenario.parent / "out"
    out.write_text("not a folder", encoding="utf-8")
    assert main(["run", str(small_scenario), "--out", str(out)]) == 2
    _one_line_error(capsys.readouterr().err, "--out", "not a folder")
    assert no_work == []


def test_run_out_under_a_file_is_refused_before_any_work(
    small_scenario: Path, capsys: pytest.CaptureFixture[str], no_work: list[str]
) -> None:
    blocker = small_scenario.parent / "results"
    blocker.write_text("x", encoding="utf-8")
    assert main(["run", str(small_scenario), "--out", str(blocker / "2026" / "out")]) == 2
    _one_line_error(capsys.readouterr().err, "--out", "results is not a folder")
    assert no_work == []


def test_run_out_foreign_folder_is_refused_before_any_work(
    small_scenario: Path, capsys: pytest.CaptureFixture[str], no_work: list[str]
) -> None:
    out = small_scenario.parent / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    assert main(["run", str(small_scenario), "--out", str(out)]) == 2
    _one_line_error(capsys.readouterr().err, "--out", "no manifest.json")
    assert no_work == []


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root can write anywhere")
def test_run_out_not_writable_is_refused_before_any_work(
    small_scenario: Path, capsys: pytest.CaptureFixture[str], no_work: list[str]
) -> None:
    locked = small_scenario.parent / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        assert main(["run", str(small_scenario), "--out", str(locked / "out")]) == 2
    finally:
        locked.chmod(0o700)
    _one_line_error(capsys.readouterr().err, "--out", "permission denied")
    assert no_work == []


def test_run_out_not_writable_is_checked_with_access(
    small_scenario: Path, capsys: pytest.CaptureFixture[str], no_work: list[str],
    monkeypatch: pytest.MonkeyPatch
) -> None:
    """Also for root, who may write anywhere: the check asks os.access before any work."""
    folder = str(small_scenario.parent)
    real = os.access
    monkeypatch.setattr(cli.os, "access", lambda p, mode: False if str(p) == folder else real(p, mode))
    assert main(["run", str(small_scenario), "--out", str(small_scenario.parent / "out")]) == 2
    _one_line_error(capsys.readouterr().err, "--out", "permission denied")
    assert no_work == []


def test_tag_out_is_a_folder_is_refused_before_reading(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "l.csv").write_text(LINES_CSV, encoding="utf-8")
    read: list[str] = []
    monkeypatch.setattr(cli, "_read_lines", lambda *a, **k: read.append("read"))
    assert main(["tag", str(tmp_path / "l.csv"), "--out", str(tmp_path)]) == 2
    _one_line_error(capsys.readouterr().err, "--out", "is a folder")
    assert read == []


# ----------------------------------------------------------------------------- output hygiene
def test_warnings_are_one_line_without_source_paths(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def noisy(args: object) -> int:
        warnings.warn("overflow encountered\nin multiply", RuntimeWarning, stacklevel=1)
        from missionfinance.errors import MissionFinanceWarning

        warnings.warn("coefficients span 1e12; rescale the pipeline", MissionFinanceWarning, stacklevel=1)
        return 0

    monkeypatch.setitem(cli._COMMANDS, "verify", noisy)
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        assert main(["verify", "anything"]) == 0
    err = capsys.readouterr().err
    assert err.splitlines() == [
        "missionfinance: warning: RuntimeWarning: overflow encountered in multiply",
        "missionfinance: warning: coefficients span 1e12; rescale the pipeline",
    ], err
    assert ".py" not in err and os.sep + "missionfinance" not in err


def test_closed_pipe_exits_cleanly(tmp_path: Path) -> None:
    (tmp_path / "l.csv").write_text(LINES_CSV, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    proc = subprocess.Popen(
        [sys.executable, "-m", "missionfinance", "tag", str(tmp_path / "l.csv"), "--out",
         str(tmp_path / "t.csv")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader goes away, like `| head -0`
    err = proc.stderr.read().decode()
    code = proc.wait(timeout=120)
    assert code == 0, err
    assert err == "", err
    assert (tmp_path / "t.csv").is_file()


# ----------------------------------------------------------------------------- verify
def test_verify_fails_on_a_file_the_manifest_does_not_list(
    small_scenario: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = small_scenario.parent / "out"
    assert main(["run", str(small_scenario), "--out", str(out)]) == 0
    assert main(["verify", str(out)]) == 0
    (out / ".payload.sh").write_text("echo hi\n", encoding="utf-8")
    (out / "extra").mkdir()
    capsys.readouterr()
    assert main(["verify", str(out)]) == 1
    printed = capsys.readouterr().out
    assert "FAILED" in printed and "2 file(s) not in the manifest" in printed, printed
    assert "unlisted   .payload.sh" in printed and "unlisted   extra" in printed, printed
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert ".payload.sh" not in json.dumps(manifest)


@pytest.mark.parametrize("damage", [
    "[" * 100_000 + "]" * 100_000,
    '{"scenario": {"path": "scenario.toml"}, "inputs": 5}',
    '{"scenario": {"path": "scenario.toml"}, "outputs": [1]}',
    '{"scenario": {"path": "scenario.toml"}, "objective": ' + "9" * 5000 + "}",
])
def test_verify_damaged_manifest_fails_without_internal_error(
    small_scenario: Path, capsys: pytest.CaptureFixture[str], damage: str
) -> None:
    out = small_scenario.parent / "out"
    assert main(["run", str(small_scenario), "--out", str(out)]) == 0
    (out / "manifest.json").write_text(damage, encoding="utf-8")
    capsys.readouterr()
    assert main(["verify", str(out)]) == 1
    captured = capsys.readouterr()
    assert "FAILED" in captured.out and "manifest.json" in captured.out
    assert "internal error" not in captured.err


def test_tag_out_over_its_own_input_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = tmp_path / "l.csv"
    lines.write_text(LINES_CSV, encoding="utf-8")
    assert main(["tag", str(lines), "--out", str(lines)]) == 2
    _one_line_error(capsys.readouterr().err, "--out", "would overwrite the input l.csv")
    assert lines.read_text(encoding="utf-8") == LINES_CSV
