"""report.xlsx opened with openpyxl: one sheet per table, numbers as numbers, frozen headers."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import openpyxl
import pytest

from missionfinance.report.xlsx import MONEY_FORMAT, sheet_name
from missionfinance.scenario import RunResult

SHEETS = ["README", "Headline", "Budget", "Exposure and risk", "By mission", "By instrument",
          "By year", "By department", "By region", "Flow", "Conflict", "Fiscal impact",
          "Fiscal by instrument", "Money out and back", "Economic cost", "Project cash flows",
          "Risk and reward", "Risk and reward by mission", "Recycled headroom", "Limits by family", "Constraints", "Closest unfunded", "Projects",
          "Baseline by year", "Baseline alignment", "Baseline by mission", "Tag coverage",
          "Assumptions", "Fiscal treatments", "Assumptions log", "QA log", "Known limitations",
          "Provenance"]


@pytest.fixture(scope="module")
def book(written: tuple[RunResult, Path]) -> openpyxl.Workbook:
    _, out = written
    return openpyxl.load_workbook(out / "report.xlsx")


def test_sheets_in_order(book: openpyxl.Workbook) -> None:
    # a table without rows gets no sheet: this stand-in run has no shadow prices per project
    # (and only per-project constraints: Constraints lists shared limits only)
    assert book.sheetnames == [s for s in SHEETS if s in book.sheetnames]
    assert set(SHEETS) - set(book.sheetnames) <= {"Closest unfunded", "Constraints",
                                                  "Conflict", "Recycled headroom"}


def test_every_table_sheet_has_frozen_header_and_filter(book: openpyxl.Workbook) -> None:
    for name in book.sheetnames[1:]:
        ws = book[name]
        assert ws.freeze_panes == "A2", name
        assert ws.auto_filter.ref is not None and ws.auto_filter.ref.startswith("A1:"), name
        header = [c.value for c in ws[1]]
        assert all(isinstance(h, str) and h for h in header), (name, header)
        for j, title in enumerate(header, start=1):
            if title.endswith("(£m)"):
                cells = [row[0] for row in ws.iter_rows(min_row=2, min_col=j, max_col=j)]
                assert all(c.value is None or isinstance(c.value, int | float) for c in cells), (
                    name, title)
                assert all(c.number_format == MONEY_FORMAT for c in cells if c.value is not None)


def test_money_is_numeric_with_pound_million_format(book: openpyxl.Workbook,
                                                    written: tuple[RunResult, Path]) -> None:
    _, out = written
    ws = book["Projects"]
    header = [c.value for c in ws[1]]
    cells = [row[header.index("public (£m)")] for row in ws.iter_rows(min_row=2)]
    assert cells and all(isinstance(c.value, int | float) for c in cells)
    assert {c.number_format for c in cells} == {MONEY_FORMAT}
    summary = json.loads((out / "summary.json").read_text())
    assert sum(c.value for c in cells) == pytest.approx(summary["public_total"], rel=1e-12)
    ws = book["By instrument"]
    col = [c.value for c in ws[1]].index("share of public (%)")
    shares = [row[col] for row in ws.iter_rows(min_row=2)]
    assert {c.number_format for c in shares} == {"0.0%"}


def test_headline_sheet_equals_summary(book: openpyxl.Workbook,
                                       written: tuple[RunResult, Path]) -> None:
    _, out = written
    summary = json.loads((out / "summary.json").read_text())
    rows = list(book["Headline"].iter_rows(min_row=2, values_only=True))
    assert rows
    for key, _label, _unit, value in rows:
        # xlsxwriter writes 16 significant digits (Excel keeps 15)
        assert value == pytest.approx(summary[key], rel=1e-15), key


def test_projects_sheet_lists_every_project_with_reasons(book: openpyxl.Workbook,
                                                         written: tuple[RunResult, Path]
                                                         ) -> None:
    run, _ = written
    rows = list(book["Projects"].iter_rows(min_row=2, values_only=True))
    header = [c.value for c in book["Projects"][1]]
    assert len(rows) == len(run.pipeline)
    funded = header.index("funded")
    why = header.index("why not funded")
    for row in rows:
        assert (row[why] is None) == bool(row[funded]) or row[funded]


def test_readme_describes_every_sheet(book: openpyxl.Workbook) -> None:
    first_column = [row[0] for row in book["README"].iter_rows(values_only=True)]
    for name in book.sheetnames[1:]:
        assert name in first_column


def test_zip_is_byte_stable(written: tuple[RunResult, Path]) -> None:
    _, out = written
    with zipfile.ZipFile(out / "report.xlsx") as z:
        assert z.testzip() is None
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = z.read("docProps/core.xml").decode()
    assert "2000-01-01T00:00:00Z" in core


def test_opens_read_only_as_libreoffice_would(written: tuple[RunResult, Path]) -> None:
    _, out = written
    wb = openpyxl.load_workbook(io.BytesIO((out / "report.xlsx").read_bytes()), read_only=True)
    assert sum(1 for _ in wb["Projects"].iter_rows()) > 1
    wb.close()


def test_allocation_rows_are_in_the_csv_the_readme_names(book: openpyxl.Workbook,
                                                         written: tuple[RunResult, Path]
                                                         ) -> None:
    # no sheet repeats allocation.csv; the README sheet says where its rows are
    _, out = written
    assert "Allocation" not in book.sheetnames
    readme = {key: text for key, text in book["README"].iter_rows(values_only=True) if key}
    assert "allocation.csv" in readme["Other files"]
    assert (out / "allocation.csv").read_text(encoding="utf-8").count("\n") > 1


def test_sheet_names_are_valid_and_unique() -> None:
    used: set[str] = set()
    names = [sheet_name(k, used) for k in ["a/b:c", "A/B:C", "x" * 40, "x" * 40]]
    assert names[0] == "a b c" and names[1] == "A B C (2)"
    assert all(len(n) <= 31 for n in names) and len({n.lower() for n in names}) == 4
