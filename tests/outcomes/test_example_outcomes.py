"""The bundled example's outcome data: generated yields, sources, and its trajectories."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd

from missionfinance.scenario import Scenario

ROOT = Path(__file__).resolve().parents[2]
YIELDS = ROOT / "scenarios" / "data" / "outcome_yields.csv"


def test_yields_are_what_the_generator_writes(tmp_path: Path) -> None:
    out = tmp_path / "y.csv"
    subprocess.run([sys.executable, str(ROOT / "scenarios" / "make_example_yields.py"),
                    "--out", str(out)], check=True, capture_output=True)
    assert out.read_bytes() == YIELDS.read_bytes(), (
        "outcome_yields.csv is stale; run python scenarios/make_example_yields.py")


def test_every_moveable_milestone_has_yields_with_a_source() -> None:
    y = pd.read_csv(YIELDS, keep_default_na=False)
    assert set(y["milestone"]) == {"homes", "clean-power-2030", "neighbourhood-police",
                                   "school-ready", "rtt-18-weeks"}
    assert (y["source"].str.len() > 0).all()
    sources = (ROOT / "scenarios" / "data" / "SOURCES.md").read_text()
    assert "## Outcome yields" in sources and "Living standards" in sources


def test_example_scenario_loads_its_outcomes() -> None:
    sc = Scenario.load(ROOT / "scenarios" / "sr25-example.toml")
    assert sc.outcomes is not None
    assert len(sc.outcomes.yields) == len(pd.read_csv(YIELDS))
    assert sc.outcomes.uncertainty.factors["yield"]


def test_trajectories_from_arrays_made_during_the_solve_are_the_same() -> None:
    sc = Scenario.load(ROOT / "scenarios" / "sr25-example.toml")
    run = sc.run()
    assert run.outcomes is not None
    arrays = sc.outcome_arrays(run.pipeline)
    again = sc.trajectories(run.pipeline, run.allocation)  # arrays made here
    given = sc.trajectories(run.pipeline, run.allocation, arrays=arrays)
    assert given.arrays is arrays
    for traj in (again, given):
        pd.testing.assert_frame_equal(traj.frame, run.outcomes.frame)
        pd.testing.assert_frame_equal(traj.gaps, run.outcomes.gaps)
