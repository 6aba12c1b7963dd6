"""The baseline lines are read while HiGHS solves: their errors still win, and nothing is written."""

from __future__ import annotations

from pathlib import Path

import pytest

from missionfinance.cli import main

BAD_LINES = ("line_id,source,department,year,amount,description\n"
             "L1,sr,Department for Transport,2026/27,10,Bus depot\n")
FLOOR = "\n[constraints.mission_floor]\nhealth = 1000000.0\n"


def _with_lines(scenario: Path) -> None:
    (scenario.parent / "lines.csv").write_text(BAD_LINES, encoding="utf-8")
    text = scenario.read_text(encoding="utf-8")
    scenario.write_text(text.replace('pipeline = "pipeline.csv"',
                                     'pipeline = "pipeline.csv"\nlines = ["lines.csv"]'),
                        encoding="utf-8")


def test_an_infeasible_scenario_exits_1_without_the_bad_lines(
        small_scenario: Path, capsys: pytest.CaptureFixture[str]) -> None:
    small_scenario.write_text(small_scenario.read_text(encoding="utf-8") + FLOOR,
                              encoding="utf-8")
    out = small_scenario.parent / "out"
    assert main(["run", str(small_scenario), "--out", str(out)]) == 1
    assert (out / "conflict.csv").exists()


@pytest.mark.parametrize("infeasible", [False, True])
def test_bad_lines_exit_2_in_one_line_whatever_the_solve_gives(
        small_scenario: Path, capsys: pytest.CaptureFixture[str], infeasible: bool) -> None:
    if infeasible:
        small_scenario.write_text(small_scenario.read_text(encoding="utf-8") + FLOOR,
                                  encoding="utf-8")
    _with_lines(small_scenario)
    out = small_scenario.parent / "out"
    code = main(["run", str(small_scenario), "--out", str(out)])
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert code == 2
    assert len(err) == 1 and err[0].startswith("missionfinance: error: ")
    assert "lines.csv" in err[0] and "year" in err[0]
    assert not out.exists()
    assert not [p for p in small_scenario.parent.iterdir() if p.name.startswith(".out")]
