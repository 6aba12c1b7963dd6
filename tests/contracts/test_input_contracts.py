"""Malformed inputs written from the data contracts (DESIGN §3, §5, §7) at the command line.

Each case must exit with the documented status (2 for bad input) and one line on stderr
naming the file, row or key, with no traceback and no output written.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from missionfinance.cli import main
from missionfinance.errors import MissionFinanceWarning
from missionfinance.io import read_lines, read_pipeline
from missionfinance.tagging.fastio import read_lines_csv
from tests.errors import one_line_error as _one_line_error

LINES_HEADER = "line_id,source,department,programme,description,amount,year,budget_type,cofog,cpv,region,supplier\n"
GOOD_LINE = "L1,spending_review,DESNZ,Offshore,Offshore wind grid connection,120.5,2026-27,CDEL,04.3,,Scotland,\n"


def _tag(tmp_path: Path, text: str) -> int:
    (tmp_path / "lines.csv").write_text(text, encoding="utf-8")
    return main(["tag", str(tmp_path / "lines.csv"), "--out", str(tmp_path / "out" / "tags.csv")])


@pytest.mark.parametrize(("year", "shown"), [("2026/27", "'2026/27'"), ("2026-28", "'2026-28'"),
                                             ("2026", "'2026'"), ("FY2026", "'FY2026'")])
def test_lines_year_not_a_financial_year(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                         year: str, shown: str) -> None:
    second = GOOD_LINE.replace("L1", "L2").replace("2026-27", year)
    assert _tag(tmp_path, LINES_HEADER + GOOD_LINE + second) == 2
    _one_line_error(capsys.readouterr().err, "lines.csv row 2, column year", shown, "2026-27")
    assert not (tmp_path / "out").exists()


def test_lines_budget_type_outside_vocabulary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = GOOD_LINE.replace(",CDEL,", ",XDEL,")
    assert _tag(tmp_path, LINES_HEADER + bad) == 2
    _one_line_error(capsys.readouterr().err, "lines.csv row 1, column budget_type", "'XDEL'",
                    "RDEL, CDEL, AME")


def test_lines_empty_year_and_budget_type_are_allowed(tmp_path: Path) -> None:
    line = GOOD_LINE.replace("2026-27,CDEL", ",")
    assert _tag(tmp_path, LINES_HEADER + line + GOOD_LINE.replace("L1", "L2").replace("CDEL", "AME")) == 0


def test_fast_and_ordinary_readers_agree_on_bad_codes(tmp_path: Path) -> None:
    path = tmp_path / "lines.csv"
    path.write_text(LINES_HEADER + GOOD_LINE.replace("2026-27", "2026/27"), encoding="utf-8")
    assert read_lines_csv(path) is None  # the fast path hands the file to the reader that names the row
    with pytest.raises(ValueError, match="row 1, column year"):
        read_lines(path)
    path.write_text(LINES_HEADER + GOOD_LINE, encoding="utf-8")
    fast = read_lines_csv(path)
    assert fast is not None and fast["year"].tolist() == ["2026-27"]


@pytest.mark.parametrize("row", [1, 2])
def test_csv_row_with_extra_field_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str], row: int) -> None:
    """A data row with more fields than the header (even the first) is refused, naming the row."""
    rows = [GOOD_LINE, GOOD_LINE.replace("L1", "L2")]
    rows[row - 1] = rows[row - 1].rstrip("\n") + ",extra\n"
    assert _tag(tmp_path, LINES_HEADER + "".join(rows)) == 2
    _one_line_error(capsys.readouterr().err, f"lines.csv row {row}", "13 fields but the header has 12")


def test_pipeline_first_row_with_extra_field(small_scenario: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pipeline = small_scenario.parent / "pipeline.csv"
    head, first, *rest = pipeline.read_text(encoding="utf-8").splitlines()
    pipeline.write_text("\n".join([head, first + ",oops", *rest]) + "\n", encoding="utf-8")
    out = small_scenario.parent / "out"
    assert main(["run", str(small_scenario), "--out", str(out)]) == 2
    _one_line_error(capsys.readouterr().err, "pipeline.csv row 1", "fields but the header has")
    assert not out.exists()


def test_unknown_objective_kind_names_the_key(small_scenario: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = small_scenario.read_text(encoding="utf-8").replace('kind = "mission_value"', 'kind = "max_value"')
    small_scenario.write_text(text, encoding="utf-8")
    out = small_scenario.parent / "out"
    assert main(["run", str(small_scenario), "--out", str(out)]) == 2
    _one_line_error(capsys.readouterr().err, "scenario.toml key objective.kind", "'max_value'",
                    "mission_value")
    assert not out.exists()


@pytest.mark.parametrize(("args", "fragment"), [
    (["--draws", "0"], "draws 0 must be a whole number ≥ 1; give --draws 1 or more"),
    (["--draws", "-3"], "draws -3 must be"),
    (["--draws", "10", "--seed", "-1"], "seed -1 must be a whole number ≥ 0; give --seed 0 or more"),
])
def test_simulate_bad_draws_or_seed_before_any_work(small_scenario: Path, capsys: pytest.CaptureFixture[str],
                                                    monkeypatch: pytest.MonkeyPatch, args: list[str],
                                                    fragment: str) -> None:
    from missionfinance.scenario import Scenario

    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("the scenario was read before the arguments were checked")

    monkeypatch.setattr(Scenario, "load", refuse)
    out = small_scenario.parent / "sim"
    assert main(["simulate", str(small_scenario), *args, "--out", str(out)]) == 2
    _one_line_error(capsys.readouterr().err, fragment)
    assert not out.exists()


def test_simulate_too_many_draws_is_bad_input(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """More draws than memory holds is the user's to fix (exit 2 naming --draws), not a crash."""
    from missionfinance.scenario import Scenario
    from tests.conftest import EXAMPLE

    def out_of_memory(self: Scenario, n: int, seed: int | None = None, run: object = None) -> None:
        raise MemoryError("Unable to allocate")

    monkeypatch.setattr(Scenario, "simulate", out_of_memory)
    out = tmp_path / "sim"
    assert main(["simulate", str(EXAMPLE), "--draws", "100000000", "--out", str(out)]) == 2
    _one_line_error(capsys.readouterr().err, "--draws 100,000,000", "too many draws", "use fewer")
    assert not out.exists()


def test_pipeline_instrument_the_scenario_does_not_define(small_scenario: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    """DESIGN §5: an instrument the pipeline names but the scenario does not define is an error."""
    text = small_scenario.read_text(encoding="utf-8")
    start = text.index("[instruments.equity]")
    end = text.index("[instruments.guarantee]")
    small_scenario.write_text(text[:start] + text[end:], encoding="utf-8")
    pipeline = small_scenario.parent / "pipeline.csv"
    pipeline.write_text(pipeline.read_text(encoding="utf-8").replace(",grant;loan,", ",grant;equity,")
                        .replace(",0.5,3,,,", ",0.5,,2,,"), encoding="utf-8")
    out = small_scenario.parent / "out"
    assert main(["run", str(small_scenario), "--out", str(out)]) == 2
    _one_line_error(capsys.readouterr().err, "pipeline.csv row 1, column instruments", "'equity'",
                    "define [instruments.equity]")
    assert not out.exists()


def test_sweep_scheduler_that_is_not_an_address(small_scenario: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``--scheduler`` given something that is not an address is bad input (exit 2), not a crash."""
    out = small_scenario.parent / "sweep"
    code = main(["sweep", str(small_scenario), "--vary", "budget.CDEL.2026-27=50,60",
                 "--scheduler", "notanaddress", "--out", str(out)])
    assert code == 2
    _one_line_error(capsys.readouterr().err, "--scheduler 'notanaddress'", "check the address")
    assert not out.exists()


def test_sr25_year_column_written_another_way(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A SR25 year column headed ``2026/27`` was ignored, dropping its figures unseen."""
    from tests.conftest import REAL

    source = (REAL / "sr25_table_5_4_cdel.csv").read_text(encoding="utf-8")
    head, rest = source.split("\n", 1)
    (tmp_path / "sr25.csv").write_text(head.replace("2026-27", "2026/27") + "\n" + rest, encoding="utf-8")
    assert main(["tag", str(tmp_path / "sr25.csv"), "--out", str(tmp_path / "tags.csv")]) == 2
    _one_line_error(capsys.readouterr().err, "sr25.csv key 2026/27", "neither a financial year")
    assert not (tmp_path / "tags.csv").exists()


def test_misspelt_optional_pipeline_column_is_not_silent(small_scenario: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    """``privat_capacity`` would leave private money unlimited without a word: one warning line."""
    pipeline = small_scenario.parent / "pipeline.csv"
    pipeline.write_text(pipeline.read_text(encoding="utf-8").replace("private_capacity", "privat_capacity"),
                        encoding="utf-8")
    with pytest.warns(MissionFinanceWarning, match="pipeline.csv key privat_capacity: not a pipeline "
                                                   "column.*'private_capacity' takes its default"):
        read_pipeline(pipeline)


@pytest.mark.parametrize("fast", [True, False])
def test_misspelt_optional_lines_column_is_not_silent(tmp_path: Path, fast: bool) -> None:
    path = tmp_path / "lines.csv"
    path.write_text(LINES_HEADER.replace("budget_type", "budget_typ") + GOOD_LINE, encoding="utf-8")
    with pytest.warns(MissionFinanceWarning, match="lines.csv key budget_typ: .*'budget_type'"):
        frame = read_lines_csv(path) if fast else read_lines(path)
    assert frame is not None and frame["budget_type"].tolist() == [""]


def test_columns_far_from_any_name_pass_quietly(tmp_path: Path) -> None:
    path = tmp_path / "lines.csv"
    path.write_text(LINES_HEADER.rstrip("\n") + ",notes\n" + GOOD_LINE.rstrip("\n") + ",checked\n",
                    encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert read_lines(path)["line_id"].tolist() == ["L1"]
