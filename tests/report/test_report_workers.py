"""Output files rendered in forked worker processes: same bytes, same errors, nothing half-written."""

from __future__ import annotations

import os
import signal
import warnings
from pathlib import Path
from typing import Any

import pytest

import missionfinance._fs as fs
import missionfinance.report as report
from missionfinance._fs import Workers
from missionfinance.cli import main
from missionfinance.errors import MissionFinanceError, MissionFinanceWarning
from missionfinance.report import OUTPUT_FILES, render_outputs, write_outputs
from missionfinance.scenario import RunResult
from missionfinance.testing import make_run

forks = pytest.mark.skipif(not hasattr(os, "fork"), reason="worker processes need os.fork")


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> RunResult:
    return make_run(tmp_path_factory.mktemp("workers") / "work", n_projects=12)


def _fail(*args: object, **kwargs: object) -> Any:
    raise MissionFinanceError("report.html: cannot render (a test failure); fix the test")


def _leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith("."))


@forks
def test_forked_workers_give_the_same_bytes_in_the_same_order(run: RunResult, tmp_path: Path) -> None:
    one_by_one = render_outputs(run, tmp_path, parallel=False)
    forked = render_outputs(run, tmp_path, parallel=True)
    assert list(forked) == list(one_by_one)
    assert forked == one_by_one
    assert [name for name in OUTPUT_FILES if name in forked] == [
        name for name in forked if name in OUTPUT_FILES]


@forks
@pytest.mark.parametrize("target", ["money_charts", "csv_bytes"])
def test_an_error_in_a_worker_is_raised_as_itself_and_nothing_is_written(
        run: RunResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, target: str) -> None:
    monkeypatch.setattr(report, target, _fail)
    monkeypatch.setattr(fs, "can_fork", lambda: True)
    with pytest.raises(MissionFinanceError) as forked:
        write_outputs(run, tmp_path / "results" / "run")
    assert not (tmp_path / "results" / "run").exists()
    assert _leftovers(tmp_path / "results") == []
    with pytest.raises(MissionFinanceError) as in_turn:
        render_outputs(run, tmp_path, parallel=False)
    assert type(forked.value) is type(in_turn.value)
    assert str(forked.value) == str(in_turn.value)
    assert any("in the worker process" in note for note in getattr(forked.value, "__notes__", []))


@forks
def test_the_command_reports_a_worker_error_in_one_line_with_exit_2(
        run: RunResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    scenario = str(run.scenario.path)
    monkeypatch.setattr(report, "money_charts", _fail)
    seen = {}
    for forked in (False, True):
        monkeypatch.setattr(fs, "can_fork", lambda forked=forked: forked)
        out = tmp_path / f"out{forked}"
        assert main(["run", scenario, "--out", str(out)]) == 2
        seen[forked] = capsys.readouterr().err.splitlines()
        assert not out.exists()
        assert _leftovers(tmp_path) == []
    assert seen[True] == seen[False]
    assert seen[True][-1] == ("missionfinance: error: report.html: cannot render "
                           "(a test failure); fix the test")


@forks
def test_a_rerun_into_the_same_folder_keeps_the_old_one_when_a_worker_fails(
        run: RunResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = write_outputs(run, tmp_path / "run")
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    monkeypatch.setattr(fs, "can_fork", lambda: True)
    monkeypatch.setattr(report, "csv_bytes", _fail)
    with pytest.raises(MissionFinanceError):
        report.write_outputs(run, out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert _leftovers(tmp_path) == []


@forks
def test_values_errors_and_warnings_come_back_from_the_child() -> None:
    parent = os.getpid()
    with Workers(parallel=True) as workers:
        pid = workers.submit(os.getpid, "the pid")
        value = workers.submit(lambda: {"a.csv": b"x" * 1_000_000}, "a big file")
        failed = workers.submit(lambda: int("x"), "a bad number")

        def warn() -> int:
            warnings.warn("a suspicious input", MissionFinanceWarning, stacklevel=1)
            return 3

        with warnings.catch_warnings():  # the child inherits the filters of the moment
            warnings.simplefilter("always")
            warned = workers.submit(warn, "a warning")
        assert pid() != parent
        assert value() == {"a.csv": b"x" * 1_000_000}
        with pytest.raises(ValueError, match="invalid literal for int"):
            failed()
        with pytest.warns(MissionFinanceWarning, match="a suspicious input"):
            assert warned() == 3


@forks
def test_a_child_killed_by_a_signal_is_an_error_naming_what_it_was_writing() -> None:
    with Workers(parallel=True) as workers:
        killed = workers.submit(lambda: os.kill(os.getpid(), signal.SIGKILL), "report.xlsx")
        with pytest.raises(MissionFinanceError, match=r"writing report\.xlsx: its worker process "
                                                      r"was stopped by signal SIGKILL"):
            killed()


@forks
def test_the_first_error_in_submission_order_wins(tmp_path: Path) -> None:
    def first() -> None:
        raise MissionFinanceError("first step failed")

    with pytest.raises(MissionFinanceError, match="first step failed"), Workers(parallel=True) as w:
        w.submit(first, "the first step")
        raise MissionFinanceError("a later step failed")
    with pytest.raises(MissionFinanceError, match="first step failed"), Workers(parallel=False) as w:
        w.submit(first, "the first step")
        raise MissionFinanceError("a later step failed")


def test_without_fork_or_a_second_cpu_jobs_run_in_this_process(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fs, "usable_cpus", lambda: 1)
    assert not fs.can_fork()
    with Workers(parallel=False) as workers:
        assert workers.submit(os.getpid, "the pid")() == os.getpid()
    with Workers() as workers:
        assert workers.submit(os.getpid, "the pid")() == os.getpid()


@forks
def test_a_child_that_exits_without_an_outcome_is_an_error() -> None:
    with Workers(parallel=True) as workers:
        gone = workers.submit(lambda: os._exit(3), "tags.csv")
        with pytest.raises(MissionFinanceError, match=r"writing tags\.csv: its worker process "
                                                      r"exited with status 3"):
            gone()


@forks
def test_an_error_nobody_took_is_raised_when_the_block_ends() -> None:
    with pytest.raises(ZeroDivisionError), Workers(parallel=True) as workers:
        workers.submit(lambda: 1 / 0, "a division")


@forks
def test_when_no_process_can_be_forked_the_job_runs_here(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse() -> int:
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", refuse)
    with Workers(parallel=True) as workers:
        assert workers.submit(os.getpid, "the pid")() == os.getpid()


@forks
def test_forked_workers_open_their_own_fonts() -> None:
    # a font reads its file through a handle whose offset parent and children share: two
    # workers measuring text with the parent's open font read each other's glyphs
    from missionfinance.plot import _base

    _base.text_width("x")
    _base.text_width("x", bold=True)
    assert _base._advances.cache_info().currsize == 2
    text = "".join(chr(c) for c in range(0x21, 0x24F) if chr(c).isprintable())
    expected = [[_base.text_width(ch, bold=bold) for ch in text] for bold in (False, True)]
    with Workers(parallel=True) as workers:
        opened = workers.submit(lambda: _base._advances.cache_info().currsize, "fonts")
        widths = [workers.submit(lambda b=bold: [_base.text_width(ch, bold=b) for ch in text],
                                 f"widths {bold}") for bold in (False, True, False, True)]
        assert opened() == 0
        assert [w() for w in widths] == expected * 2
