"""CPV and COFOG cells: what is normalised, what is refused, what is kept with a warning."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from missionfinance.errors import MissionFinanceError, MissionFinanceWarning
from missionfinance.io._codes import check_codes, code_problem, cofog_codes, cpv_codes
from missionfinance.io.schema import bad_line_code


@pytest.mark.parametrize(("cell", "normal"), [
    ("45210000", "45210000"),
    ("45210000-2", "45210000"),
    (" 45210000 ", "45210000"),
    ("45210000 ; 09310000-5", "45210000;09310000"),
    ("45210000;;09310000;", "45210000;09310000"),
    ("", ""),
])
def test_cpv_forms_that_mean_the_same_code(cell: str, normal: str) -> None:
    frame = pd.DataFrame({"cpv": ["09310000", cell]})
    assert check_codes(frame, "lines.csv")["cpv"].tolist() == ["09310000", normal]


@pytest.mark.parametrize(("cell", "normal"), [
    ("04.3", "04.3"), ("4.3", "04.3"), (" 04 ", "04"), ("4.3.1", "04.3.1"), ("10.1", "10.1"),
    ("7.a", "07.A"), ("07.C", "07.C"), ("9.1;4.3", "09.1;04.3"), ("", ""),
])
def test_cofog_forms_that_mean_the_same_code(cell: str, normal: str) -> None:
    frame = pd.DataFrame({"cofog": [cell]})
    assert check_codes(frame, "pipeline.csv")["cofog"].tolist() == [normal]


@pytest.mark.parametrize(("column", "cell", "message"), [
    ("cpv", "abc", "'abc' is not a CPV code; write 8-digit CPV 2008 codes such as '45210000'"),
    ("cpv", "4521", "'4521' has 4 digits, a CPV code has 8; write"),
    ("cpv", "452100001", "'452100001' has 9 digits, a CPV code has 8; write"),
    ("cpv", "45210000-", "'45210000-' is not a CPV code;"),
    ("cpv", "４５２１００００", "is not a CPV code;"),  # full-width digits
    ("cofog", "health", "'health' is not a COFOG code; write COFOG codes such as '04.3'"),
    ("cofog", "4.3.x", "'4.3.x' is not a COFOG code;"),
    ("cofog", "99", "'99' is not in the COFOG list;"),
    ("cofog", "00", "'00' is not in the COFOG list;"),
    ("cofog", "04,3", "'04,3' holds a ',': separate COFOG codes with ';'"),
])
def test_cells_that_are_not_codes_name_file_row_column_value_fix(column: str, cell: str, message: str) -> None:
    frame = pd.DataFrame({column: ["", cell, cell]})
    with pytest.raises(MissionFinanceError) as err:
        check_codes(frame, "dir/lines.csv")
    text = str(err.value)
    assert text.startswith(f"lines.csv row 2, column {column}: "), text
    assert message in text and "\n" not in text
    assert code_problem(frame) is not None and code_problem(frame)[:2] == (1, column)


def test_unknown_cpv_codes_warn_once_naming_rows() -> None:
    cells = ["99999999", "45210000", "99999999", "12345678;99999999", "99999999", "11111111",
             "22222222"]
    frame = pd.DataFrame({"cpv": cells})
    with pytest.warns(MissionFinanceWarning) as caught:
        out = check_codes(frame, "lines.csv")
    assert len(caught) == 1
    assert str(caught[0].message) == (
        "lines.csv key cpv: '99999999' (rows 1, 3, 4 and 1 more), '12345678' (row 4), "
        "'11111111' (row 6) and 1 other code are not in the CPV 2008 list; kept as written "
        "(rules' CPV prefixes still match them); check them against the CPV 2008 list")
    assert out["cpv"].tolist() == cells
    assert code_problem(frame) == (0, "cpv", "cpv '99999999' holds a code not in the CPV 2008 list; "
                                   "write 8-digit CPV 2008 codes such as '45210000' (or "
                                   "'45210000-2'), separated by ';', or leave the cell empty")
    assert code_problem(frame, unknown_cpv=False) is None


def test_normalised_known_codes_pass_quietly_and_arrow_columns_too() -> None:
    cpv = ["09310000;45251160", "", "79710000"]
    cofog = ["04.3", "07.A;10.1", ""]
    for dtype in ("str", pd.StringDtype("pyarrow", na_value=np.nan)):
        frame = pd.DataFrame({"cpv": pd.Series(cpv, dtype=dtype), "cofog": pd.Series(cofog, dtype=dtype)})
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            out = check_codes(frame, "lines.csv")
        assert out["cpv"].tolist() == cpv and out["cofog"].tolist() == cofog
        assert code_problem(frame) is None
        assert bad_line_code(frame.assign(year="2026-27", budget_type="CDEL")) is None
    # a cell the reader would normalise is outside the normalised vocabulary: the fast path declines it
    assert bad_line_code(pd.DataFrame({"cofog": ["4.3"]})) == (
        0, "cofog", "cofog '4.3' is not written as '04.3'; write COFOG codes such as '04.3' "
        "(divisions 01 to 10), separated by ';', or leave the cell empty")


def test_code_lists_are_the_shipped_ones() -> None:
    assert len(cpv_codes()) == 9454 and "45210000" in cpv_codes()
    assert {"01", "04.3", "04.3.1", "10.9.0", "07.A", "07.B", "07.C"} <= cofog_codes()
    assert "99" not in cofog_codes()


def test_real_cra_lines_hold_normalised_codes(cra_lines: pd.DataFrame) -> None:
    assert code_problem(cra_lines) is None
    assert set(cra_lines["cofog"]) - {""} <= cofog_codes()


def test_cra_cofog_outside_the_list_is_left_out_with_a_warning(tmp_path) -> None:
    """A CRA file never fails for its COFOG labels: the line is kept, the code left out, named."""
    from missionfinance.io import read_cra

    head = ("Department Name,Organisation Name,CRA Segment Code,CRA Segment Name,COFOG Level 0,"
            "HMT Function,COFOG Level 1,HMT Subfunction,ID/non-ID,CAP or CUR,\"CG, LG, PC, BOE\","
            "Allocated by HMT or DEPT,NUTS Region,Country,2017-18\n")
    row = "DfE,DfE,SEG-{n},S000000{n}-SCHOOLS,9. Education,9. Education,{cofog},x,ID,CUR,CG,DEPT,LONDON,ENGLAND,5\n"
    path = tmp_path / "cra.csv"
    path.write_text(head + row.format(n=1, cofog="9.1 Pre-primary and primary")
                    + row.format(n=2, cofog="4.10 Something new") + row.format(n=3, cofog="EU01 EU transactions")
                    + row.format(n=4, cofog="4.10 Something new"), encoding="utf-8")
    with pytest.warns(MissionFinanceWarning) as caught:
        lines = read_cra(path)
    assert [str(w.message) for w in caught] == [
        "cra.csv key COFOG Level 1: '4.10 Something new' (row 2) names no code of the COFOG list; "
        "their lines are kept with an empty cofog; check the COFOG column"]
    assert lines["cofog"].tolist() == ["09.1", "", "", ""]
