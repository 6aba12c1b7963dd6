"""Runs for the report tests: real ones, from :func:`missionfinance.testing.make_run`.

``make_run`` writes a small scenario (pipeline, baseline lines, TOML) under a folder and
runs it: the built-in rules tag it and the model solves it, so the report is tested on
what the earlier stages really give.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from missionfinance.report import write_outputs
from missionfinance.scenario import RunResult
from missionfinance.testing import make_run

__all__ = ["make_run"]


@pytest.fixture
def run(tmp_path: Path) -> RunResult:
    """A small optimal run (12 projects) with its files under ``tmp_path / 'work'``."""
    return make_run(tmp_path / "work", n_projects=12)


@pytest.fixture(scope="session")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[RunResult, Path]:
    """A run (30 projects) and its output folder, written once; tests must not modify it."""
    root = tmp_path_factory.mktemp("written")
    run = make_run(root / "work", n_projects=30)
    return run, write_outputs(run, root / "results" / "run")


@pytest.fixture(scope="session")
def example_written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled example scenario run and written once; tests must not modify it."""
    from missionfinance import Scenario

    root = Path(__file__).resolve().parents[2]
    run = Scenario.load(root / "scenarios" / "sr25-example.toml").run()
    out = tmp_path_factory.mktemp("example") / "run"
    run.write(out)
    return out
