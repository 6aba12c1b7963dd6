"""CPV and COFOG codes, empty inputs and pd, at the command line (DESIGN §3.1, §3.2, §5).

Bad input: exit 2, one line on stderr naming the file, row and column, the value and the
fix, nothing written. Forms that mean the same code are read as that code.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pandas as pd
import pytest

from missionfinance.cli import main
from missionfinance.errors import MissionFinanceWarning
from missionfinance.io import read_lines, read_pipeline
from missionfinance.tagging.fastio import read_lines_csv
from tests.errors import one_line_error as _one_line_error

HEADER = "line_id,source,department,programme,description,amount,year,budget_type,cofog,cpv,region,supplier\n"


def _line(line_id: str, cofog: str = "04.3", cpv: str = "09310000") -> str:
    return (f'{line_id},spending_review,DESNZ,Offshore,Offshore wind grid connection,120.5,2026-27,'
            f'CDEL,"{cofog}","{cpv}",Scotland,\n')


def _tag(tmp_path: Path, text: str) -> int:
    (tmp_path / "lines.csv").write_text(text, encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("always", MissionFinanceWarning)  # shown as the CLI shows them
        return main(["tag", str(tmp_path / "lines.csv"), "--out", str(tmp_path / "out" / "tags.csv")])


@pytest.mark.parametrize(("cpv", "shown"), [
    ("abc", "'abc' is not a CPV code"),
    ("4521", "'4521' has 4 digits, a CPV code has 8"),
    ("452100001", "'452100001' has 9 digits, a CPV code has 8"),
    ("9310000", "'9310000' has 7 digits, a CPV code has 8 (if a spreadsheet dropped a leading zero"),
    ("45210000;CPV-9", "'CPV-9' is not a CPV code in '45210000;CPV-9'"),
    ("45210000,45220000", "'45210000,45220000' holds a ',': separate CPV codes with ';'"),
    ("45210000-23", "'45210000-23' is not a CPV code"),
])
def test_tag_refuses_a_cpv_cell_that_is_not_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                  cpv: str, shown: str) -> None:
    assert _tag(tmp_path, HEADER + _line("L1") + _line("L2", cpv=cpv)) == 2
    _one_line_error(capsys.readouterr().err, "lines.csv row 2, column cpv: ", shown,
                    "write 8-digit CPV 2008 codes such as '45210000'")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("cofog", "shown"), [
    ("health", "'health' is not a COFOG code"),
    ("4.3.x", "'4.3.x' is not a COFOG code"),
    ("99", "'99' is not in the COFOG list"),
    ("03.9", "'03.9' is not in the COFOG list"),
    ("04.3 Fuel and energy", "'04.3 Fuel and energy' is not a COFOG code"),
    ("04.3;07.D", "'07.D' is not a COFOG code in '04.3;07.D'"),
])
def test_tag_refuses_a_cofog_cell_that_is_not_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                    cofog: str, shown: str) -> None:
    assert _tag(tmp_path, HEADER + _line("L1", cofog=cofog)) == 2
    _one_line_error(capsys.readouterr().err, "lines.csv row 1, column cofog: ", shown,
                    "write COFOG codes such as '04.3'")
    assert not (tmp_path / "out").exists()


def test_explain_refuses_bad_codes_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "lines.csv").write_text(HEADER + _line("L1", cpv="4521"), encoding="utf-8")
    assert main(["explain", "L1", str(tmp_path / "lines.csv")]) == 2
    _one_line_error(capsys.readouterr().err, "lines.csv row 1, column cpv: '4521' has 4 digits")


def test_forms_of_the_same_code_are_normalised(tmp_path: Path) -> None:
    """Check digits, spaces and one-digit divisions: the fast and ordinary readers agree."""
    path = tmp_path / "lines.csv"
    path.write_text(HEADER + _line("L1", cofog=" 4.3 ", cpv=" 09310000-5 ; 45251160 ;")
                    + _line("L2", cofog="7.a;10.1", cpv="45210000-2") + _line("L3", cofog="", cpv=""),
                    encoding="utf-8")
    assert read_lines_csv(path) is None  # cells to normalise: handed to the ordinary reader
    lines = read_lines(path)
    assert lines["cpv"].tolist() == ["09310000;45251160", "45210000", ""]
    assert lines["cofog"].tolist() == ["04.3", "07.A;10.1", ""]
    assert _tag(tmp_path, path.read_text(encoding="utf-8")) == 0
    tags = pd.read_csv(tmp_path / "out" / "tags.csv", dtype=str, keep_default_na=False)
    assert {"L1", "L2"} <= set(tags["line_id"])  # offshore wind: tagged as the written codes say
    canonical = tmp_path / "canonical.csv"
    canonical.write_text(HEADER + _line("L1", cofog="04.3", cpv="09310000;45251160"), encoding="utf-8")
    fast = read_lines_csv(canonical)
    assert fast is not None
    pd.testing.assert_frame_equal(fast, read_lines(canonical))


def test_cpv_code_outside_the_list_is_kept_with_a_warning(tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    """Well-formed but not in the CPV 2008 list: real notices carry such codes; kept, named."""
    body = HEADER + _line("L1") + _line("L2", cpv="99999999") + _line("L3", cpv="45251160;12345678")
    path = tmp_path / "lines.csv"
    path.write_text(body, encoding="utf-8")
    assert read_lines_csv(path) is None  # the ordinary reader warns
    with pytest.warns(MissionFinanceWarning) as caught:
        lines = read_lines(path)
    assert [str(w.message) for w in caught] == [
        "lines.csv key cpv: '99999999' (row 2), '12345678' (row 3) are not in the CPV 2008 list; "
        "kept as written (rules' CPV prefixes still match them); check them against the CPV "
        "2008 list"]
    assert lines["cpv"].tolist() == ["09310000", "99999999", "45251160;12345678"]
    assert _tag(tmp_path, body) == 0
    err = [line for line in capsys.readouterr().err.splitlines() if "warning" in line]
    assert err == ["missionfinance: warning: " + str(caught[0].message)]


def test_tag_and_explain_refuse_a_lines_file_with_no_rows(tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    for header in (HEADER, HEADER.rstrip("\n"), "line_id,source,department,description,amount\r\n"):
        assert _tag(tmp_path, header) == 2
        _one_line_error(capsys.readouterr().err, "lines.csv: has no lines (a header but no data rows)",
                        "add at least one line below the header")
        assert not (tmp_path / "out").exists()
        assert main(["explain", "L1", str(tmp_path / "lines.csv")]) == 2
        _one_line_error(capsys.readouterr().err, "lines.csv: has no lines")


def test_tag_names_the_empty_file_among_several(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.csv").write_text(HEADER + _line("L1"), encoding="utf-8")
    (tmp_path / "b.csv").write_text(HEADER, encoding="utf-8")
    assert main(["tag", str(tmp_path / "a.csv"), str(tmp_path / "b.csv"), "--out", str(tmp_path / "t.csv")]) == 2
    _one_line_error(capsys.readouterr().err, "b.csv: has no lines")
    assert not (tmp_path / "t.csv").exists()


def test_scenario_lines_file_with_no_rows(small_scenario: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = small_scenario.parent
    (folder / "lines.csv").write_text(HEADER, encoding="utf-8")
    text = small_scenario.read_text(encoding="utf-8")
    small_scenario.write_text(text.replace('pipeline = "pipeline.csv"',
                                           'pipeline = "pipeline.csv"\nlines = ["lines.csv"]'), encoding="utf-8")
    assert main(["run", str(small_scenario), "--out", str(folder / "out")]) == 2
    _one_line_error(capsys.readouterr().err, "lines.csv: has no lines (a header but no data rows)")
    assert not (folder / "out").exists()


def test_pipeline_with_no_rows(small_scenario: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pipeline = small_scenario.parent / "pipeline.csv"
    pipeline.write_text(pipeline.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    assert main(["run", str(small_scenario), "--out", str(small_scenario.parent / "out")]) == 2
    _one_line_error(capsys.readouterr().err, "pipeline.csv: has no projects; add at least one row")


def test_pipeline_codes_are_checked(small_scenario: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pipeline = small_scenario.parent / "pipeline.csv"
    text = pipeline.read_text(encoding="utf-8")
    pipeline.write_text(text.replace(",07.3,85100000,", ",health,85100000,"), encoding="utf-8")
    assert main(["run", str(small_scenario), "--out", str(small_scenario.parent / "out")]) == 2
    _one_line_error(capsys.readouterr().err, "pipeline.csv row 2, column cofog: 'health' is not a COFOG code")
    pipeline.write_text(text.replace(",35000000,", ",3500,"), encoding="utf-8")
    assert main(["run", str(small_scenario), "--out", str(small_scenario.parent / "out")]) == 2
    _one_line_error(capsys.readouterr().err, "pipeline.csv row 3, column cpv: '3500' has 4 digits")
    pipeline.write_text(text.replace(",35000000,", ",35000000-4,").replace(",04.3,", ",4.3,"), encoding="utf-8")
    frame = read_pipeline(pipeline)
    assert frame["cpv"].tolist()[2] == "35000000" and frame["cofog"].tolist()[0] == "04.3"


def _grant_only(small_scenario: Path, pd_column: str) -> Path:
    """The small scenario's pipeline with every project grant-only, pd as given."""
    rows = [
        "P1,Offshore wind port upgrade,Quayside for offshore wind turbine assembly,DESNZ,Scotland,04.3,09310000,100,,grant,0.5",
        "P2,Community diagnostic centre,Diagnostic imaging and scanning for NHS patients,DHSC,North East,07.3,85100000,50,20,grant,0.4",
    ]
    head = "project_id,name,description,department,region,cofog,cpv,capacity,private_capacity,instruments,leverage_grant"
    if pd_column == "absent":
        text = "\n".join([head, *rows])
    else:
        text = "\n".join([head + ",pd", rows[0] + ",", rows[1] + ",0.02"])
    pipeline = small_scenario.parent / "pipeline.csv"
    pipeline.write_text(text + "\n", encoding="utf-8")
    return pipeline


@pytest.mark.parametrize("pd_column", ["absent", "empty on a grant-only row"])
def test_grant_only_pipeline_needs_no_pd(small_scenario: Path, pd_column: str) -> None:
    """DESIGN §3.2: pd is for loans, guarantees and equity; a grant-only pipeline runs without it."""
    pipeline = _grant_only(small_scenario, pd_column)
    frame = read_pipeline(pipeline)
    assert frame["pd"].tolist() == ([0.0, 0.0] if pd_column == "absent" else [0.0, 0.02])
    out = small_scenario.parent / "out"
    assert main(["run", str(small_scenario), "--out", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["status"] == "optimal" and summary["public_total"] > 0


@pytest.mark.parametrize(("instruments", "name"), [("grant;loan", "loan"), ("guarantee", "guarantee"),
                                                   ("equity", "equity")])
def test_pd_is_still_required_where_a_risky_instrument_is_eligible(
        small_scenario: Path, capsys: pytest.CaptureFixture[str], instruments: str, name: str) -> None:
    pipeline = _grant_only(small_scenario, "empty on a grant-only row")
    lines = pipeline.read_text(encoding="utf-8").splitlines()
    lines[0] += f",leverage_{name}"
    lines[1] = lines[1].replace(",grant,0.5,", f",{instruments},0.5,") + ",2"
    lines[2] += ","
    pipeline.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = small_scenario.parent / "out"
    assert main(["run", str(small_scenario), "--out", str(out)]) == 2
    _one_line_error(capsys.readouterr().err,
                    f"pipeline.csv row 1, column pd: is empty but the project is eligible for '{name}'",
                    "between 0 and 1")
    assert not out.exists()
    # and with no pd column at all
    pipeline.write_text("\n".join(line.replace(",pd,", ",").replace(",,2", ",2") if k == 0 else
                                  ",".join(line.split(",")[:11] + line.split(",")[12:])
                                  for k, line in enumerate(pipeline.read_text(encoding="utf-8").splitlines()))
                        + "\n", encoding="utf-8")
    assert main(["run", str(small_scenario), "--out", str(out)]) == 2
    _one_line_error(capsys.readouterr().err,
                    f"pipeline.csv row 1, column pd: column is missing but the project is eligible for '{name}'",
                    "add a pd column")


def test_a_scenario_grant_instrument_needs_no_pd(small_scenario: Path) -> None:
    """A scenario's own instrument of kind grant (no expected loss, no exposure) carries no
    default risk either: a pipeline using only it runs without a pd column."""
    pipeline = _grant_only(small_scenario, "absent")
    lines = pipeline.read_text(encoding="utf-8").splitlines()
    lines[0] = lines[0].replace("leverage_grant", "leverage_capital_grant")
    lines[1:] = [line.replace(",grant,", ",capital_grant,") for line in lines[1:]]
    pipeline.write_text("\n".join(lines) + "\n", encoding="utf-8")
    text = small_scenario.read_text(encoding="utf-8")
    small_scenario.write_text(text.replace(
        "[instruments.grant]", "[instruments.capital_grant]\nbudget_score = { CDEL = 1.0 }\n\n"
        "[instruments.grant]", 1), encoding="utf-8")
    out = small_scenario.parent / "out"
    assert main(["run", str(small_scenario), "--out", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["status"] == "optimal" and summary["public_total"] > 0
