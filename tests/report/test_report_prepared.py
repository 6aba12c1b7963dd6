"""Output parts made while HiGHS solves: the same bytes as making them after, or not at all."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

import missionfinance.report.prepared as prepared_module
from missionfinance.report import (
    PreparedOutputs,
    RunInputs,
    prepare_report,
    render_outputs,
    tags_csv,
)
from missionfinance.scenario import RunResult
from missionfinance.testing import make_run


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> RunResult:
    return make_run(tmp_path_factory.mktemp("prepared") / "work", n_projects=12)


def _inputs(run: RunResult) -> RunInputs:
    return RunInputs(run.scenario, run.pipeline, run.pipeline_tags, run.baseline)


def test_a_run_carries_its_parts_made_during_the_solve(run: RunResult) -> None:
    assert isinstance(run.prepared, PreparedOutputs)
    assert run.prepared.fits(run)
    assert run.prepared.tags_csv == tags_csv(run)
    assert "prepared" not in repr(run)


@pytest.mark.parametrize("parallel", [False, True])
def test_prepared_and_unprepared_runs_give_the_same_bytes(run: RunResult, tmp_path: Path,
                                                          parallel: bool) -> None:
    bare = dataclasses.replace(run, prepared=None)
    assert render_outputs(run, tmp_path, parallel=parallel) == render_outputs(
        bare, tmp_path, parallel=False)


def test_rendering_twice_from_the_same_parts_gives_the_same_bytes(run: RunResult,
                                                                  tmp_path: Path) -> None:
    first = render_outputs(run, tmp_path, parallel=False)
    assert render_outputs(run, tmp_path, parallel=False) == first


def test_parts_of_other_inputs_are_not_used(run: RunResult, tmp_path: Path) -> None:
    # a run whose baseline was replaced keeps parts made from the old one: they must not count
    other = dataclasses.replace(run, baseline=None)
    assert other.prepared is run.prepared and not other.prepared.fits(other)
    expected = render_outputs(dataclasses.replace(other, prepared=None), tmp_path,
                              parallel=False)
    assert render_outputs(other, tmp_path, parallel=False) == expected
    assert expected["tags.csv"] != run.prepared.tags_csv


def test_infeasible_run_uses_its_parts_and_gives_the_same_bytes(tmp_path: Path) -> None:
    run = make_run(tmp_path / "w", 8, infeasible=True)
    assert run.status == "infeasible"
    assert run.prepared is not None and run.prepared.fits(run)
    bare = dataclasses.replace(run, prepared=None)
    files = render_outputs(run, tmp_path, parallel=False)
    assert "conflict.csv" in files
    assert files == render_outputs(bare, tmp_path, parallel=False)


def test_a_part_that_fails_leaves_them_all_to_the_writer(run: RunResult,
                                                         monkeypatch: pytest.MonkeyPatch,
                                                         ) -> None:
    def broken(_run: object) -> dict[str, object]:
        raise ValueError("a table that cannot be made")

    monkeypatch.setattr(prepared_module, "static_tables", broken)
    assert prepare_report(_inputs(run)) is None


def test_prepared_parts_survive_pickling_with_the_run(run: RunResult, tmp_path: Path) -> None:
    import pickle

    again = pickle.loads(pickle.dumps(run))
    assert again.prepared is not None and again.prepared.fits(again)
    assert render_outputs(again, tmp_path, parallel=False) == render_outputs(
        run, tmp_path, parallel=False)


def test_a_fitting_run_takes_its_parts_instead_of_making_them(run: RunResult, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch,
                                                              ) -> None:
    import missionfinance.report as report
    import missionfinance.report.build as build

    expected = render_outputs(run, tmp_path, parallel=False)

    def made_again(*_args: object) -> object:
        raise AssertionError("made again although the run carries it")

    monkeypatch.setattr(report, "tags_csv", made_again)
    monkeypatch.setattr(build, "static_tables", made_again)
    assert render_outputs(run, tmp_path, parallel=False) == expected
    with pytest.raises(AssertionError, match="made again"):
        render_outputs(dataclasses.replace(run, prepared=None), tmp_path, parallel=False)


def test_parts_made_without_a_baseline_give_the_same_bytes(run: RunResult,
                                                           tmp_path: Path) -> None:
    bare = dataclasses.replace(run, baseline=None, prepared=None)
    prepared = prepare_report(RunInputs(bare.scenario, bare.pipeline, bare.pipeline_tags, None))
    assert prepared is not None
    with_parts = dataclasses.replace(bare, prepared=prepared)
    assert prepared.fits(with_parts)
    assert render_outputs(with_parts, tmp_path, parallel=False) == render_outputs(
        bare, tmp_path, parallel=False)
