"""Scenario files: strict reading, defaults, unconstrained controls, the example end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from missionfinance import MissionFinanceError
from missionfinance.cli import main
from missionfinance.scenario import Scenario
from missionfinance.tagging import tag

EXAMPLE = Path(__file__).resolve().parents[1] / "scenarios" / "sr25-example.toml"


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_small_scenario_loads(small_scenario: Path) -> None:
    sc = Scenario.load(small_scenario)
    assert sc.years == ("2026-27", "2027-28")
    assert sc.budget["CDEL"] == {"2026-27": 60.0, "2027-28": 40.0}
    assert sc.exposure == {"2026-27": 30.0, "2027-28": 30.0}
    assert sc.unconstrained_controls == ()
    assert set(sc.input_files) == {"scenario", "pipeline"}
    assert "Small test" in repr(sc) and "CDEL" in sc._repr_html_()


def test_a_control_without_budget_is_unconstrained_and_said(small_scenario: Path) -> None:
    _edit(small_scenario, '[budget.RDEL]\n"2026-27" = 10.0\n', "")
    sc = Scenario.load(small_scenario)
    assert sc.unconstrained_controls == ("RDEL",)
    assert "RDEL" in sc._repr_html_()


def test_default_instruments_when_none_defined(small_scenario: Path) -> None:
    text = small_scenario.read_text()
    start, end = text.index("[instruments.grant]"), text.index("[budget.CDEL]")
    small_scenario.write_text(text[:start] + text[end:])
    sc = Scenario.load(small_scenario)
    assert list(sc.instruments) == ["grant", "loan", "equity", "guarantee"]


def test_years_must_be_consecutive(small_scenario: Path) -> None:
    _edit(small_scenario, '"2026-27", "2027-28"]', '"2026-27", "2028-29"]')
    with pytest.raises(MissionFinanceError, match="does not follow"):
        Scenario.load(small_scenario)


def test_run_writes_every_output_and_exit_0(small_scenario: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = small_scenario.parent / "out"
    assert main(["run", str(small_scenario), "--out", str(out)]) == 0
    assert f"results written to {out}" in capsys.readouterr().out
    names = {p.name for p in out.iterdir()}
    assert {"allocation.csv", "missions.csv", "constraints.csv", "tags.csv", "summary.json",
            "manifest.json", "report.html", "report.xlsx"} <= names
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "optimal"
    assert 0 < summary["public_total"] <= 100 + 50 + 40 + 1e-6  # total capacity


def test_infeasible_scenario_exits_1_and_names_the_conflict(
    small_scenario: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with small_scenario.open("a") as fh:
        fh.write('\n[constraints.mission_floor]\nhealth = 5000.0\n')
    out = small_scenario.parent / "out"
    assert main(["run", str(small_scenario), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "infeasible" in err
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "infeasible" and summary["objective"] is None


def test_bundled_example_runs_optimal(tmp_path: Path) -> None:
    sc = Scenario.load(EXAMPLE)
    run = sc.run()
    assert run.status == "optimal"
    s = run.allocation.summary
    assert s["public_total"] > 0 and s["private_total"] > s["public_total"]
    assert len(run.pipeline) >= 150
    assert run.baseline is not None and len(run.baseline.lines) > 0
    # tagged while HiGHS solved: the same tags as tagging the lines on their own
    alone = tag(sc.read_lines(), sc.load_rules(), attribution=sc.attribution)
    pd.testing.assert_frame_equal(run.baseline.tags, alone.tags)
    pd.testing.assert_frame_equal(run.baseline.lines, alone.lines)


def test_error_beside_the_solve_is_one_line_exit_2(
    small_scenario: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import missionfinance.scenario.run as run_module

    def broken() -> None:
        raise MissionFinanceError("lines.csv row 2, column amount: 'x' is not a number; give £m")

    monkeypatch.setattr(run_module, "prepare_outputs", broken)
    out = small_scenario.parent / "out"
    assert main(["run", str(small_scenario), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "row 2, column amount" in err[0]
    assert not out.exists()
