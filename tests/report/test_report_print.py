"""report.xlsx as it prints: rendered to PDF by LibreOffice headless, read back with pdftotext.

Every table sheet prints one page wide (landscape, fit to width) with its header row repeated
and its name in the page header, so each printed page of a table carries the table's first
and last column headings; the README sheet's text is printed whole (rows tall enough for
wrapped text). The tests need LibreOffice (``soffice``) and poppler (``pdftotext``): they skip
when these are absent on a workstation and fail in CI (``CI=true``), where ``.ci/run`` installs
them from the distribution's packages.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from missionfinance.report.xlsx import MONEY_FORMAT, SHARE_FORMAT

#: Tables an analyst prints; each must fit one page width.
MAIN_TABLES = ("Headline", "Budget", "Exposure and risk", "By mission", "By instrument",
               "By year", "Constraints", "Projects", "Baseline alignment")


def _tools() -> tuple[str, str]:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    pdftotext = shutil.which("pdftotext")
    if soffice and pdftotext:
        return soffice, pdftotext
    missing = " and ".join(n for n, p in (("soffice", soffice), ("pdftotext", pdftotext))
                           if not p)
    reason = (f"{missing} not found: install with `apt-get install --no-install-recommends "
              "libreoffice-calc poppler-utils` to check how report.xlsx prints")
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI must render report.xlsx with LibreOffice, but {reason}")
    pytest.skip(reason)


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory,
            example_written: Path) -> tuple[Path, list[str]]:
    """(report.xlsx, the text of each printed page)."""
    soffice, pdftotext = _tools()
    work = tmp_path_factory.mktemp("print")
    profile = work / "profile"
    subprocess.run(
        [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
         "--convert-to", "pdf", "--outdir", str(work), str(example_written / "report.xlsx")],
        check=True, capture_output=True, timeout=300,
    )
    pdf = work / "report.pdf"
    text = subprocess.run([pdftotext, "-layout", str(pdf), "-"], check=True,
                          capture_output=True, timeout=120).stdout.decode("utf-8")
    pages = text.split("\f")
    return example_written / "report.xlsx", [p for p in pages if p.strip()]


def test_every_page_of_a_main_table_is_one_page_wide(printed: tuple[Path, list[str]]) -> None:
    path, pages = printed
    book = openpyxl.load_workbook(path, read_only=True)
    by_sheet: dict[str, list[str]] = {}
    for page in pages:
        by_sheet.setdefault(page.strip().splitlines()[0].strip(), []).append(_flat(page))
    for name in MAIN_TABLES:
        ws = book[name]
        header = [str(c.value) for c in next(ws.iter_rows(min_row=1, max_row=1))]
        assert name in by_sheet, (name, sorted(by_sheet))
        for k, page in enumerate(by_sheet[name]):
            # the first and last headings on every page: nothing spills onto a page to the right
            assert _flat(header[0]) in page and _flat(header[-1]) in page, (name, k, header)
    book.close()


def test_printout_is_short(printed: tuple[Path, list[str]]) -> None:
    path, pages = printed
    book = openpyxl.load_workbook(path, read_only=True)
    rows = sum((ws.max_row or 0) for ws in book.worksheets)
    book.close()
    # one page wide: about 40 rows a landscape page, never a page per column strip
    assert len(pages) <= rows / 25 + len(MAIN_TABLES) + 10, (len(pages), rows)


def test_readme_text_prints_whole(printed: tuple[Path, list[str]]) -> None:
    path, pages = printed
    book = openpyxl.load_workbook(path, read_only=True)
    readme = _flat(" ".join(p for p in pages if p.strip().startswith("README")))
    for key, text in book["README"].iter_rows(values_only=True):
        if text:
            words = _flat(str(text)).split(" ")
            assert " ".join(words[-3:]) in readme, (key, text)
    book.close()


def test_every_money_column_has_the_money_format(example_written: Path) -> None:
    book = openpyxl.load_workbook(example_written / "report.xlsx")
    checked = 0
    for ws in book.worksheets[1:]:
        header = [str(c.value) for c in ws[1]]
        for j, title in enumerate(header, start=1):
            cells = [row[0] for row in ws.iter_rows(min_row=2, min_col=j, max_col=j)]
            numbers = [c for c in cells if isinstance(c.value, int | float)
                       and not isinstance(c.value, bool)]
            if title.endswith("(£m)"):
                checked += 1
                assert {c.number_format for c in numbers} <= {MONEY_FORMAT}, (ws.title, title)
                # no rounding noise that would print as -£0.00m
                assert not any(-0.005 < c.value < 0 for c in numbers), (ws.title, title)
            elif title.endswith("(%)"):
                assert {c.number_format for c in numbers} <= {SHARE_FORMAT}, (ws.title, title)
                assert all(-10 <= c.value <= 10 for c in numbers), (ws.title, title)
            elif ws.title != "Headline":
                # any other number carries a unit-bearing format, never General or 4 decimals
                assert all(c.number_format not in ("General", "#,##0.0000") for c in numbers), (
                    ws.title, title)
    assert checked >= 25
    headline = {r[0].value: r for r in book["Headline"].iter_rows(min_row=2)}
    assert headline["public_total"][3].number_format == MONEY_FORMAT
    assert headline["additional_share"][3].number_format == SHARE_FORMAT
    book.close()


def test_no_empty_sheet_and_no_conflict_sheet_when_optimal(example_written: Path) -> None:
    book = openpyxl.load_workbook(example_written / "report.xlsx", read_only=True)
    assert "Conflict" not in book.sheetnames
    for ws in book.worksheets:
        assert (ws.max_row or 0) >= 2, ws.title
    book.close()


def test_print_setup_of_table_sheets(example_written: Path) -> None:
    book = openpyxl.load_workbook(example_written / "report.xlsx")
    for ws in book.worksheets[1:]:
        assert ws.page_setup.orientation == "landscape", ws.title
        # xlsxwriter leaves out fitToWidth="1", the default
        assert (ws.page_setup.fitToWidth or 1) == 1 and ws.page_setup.fitToHeight == 0, ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert ws.print_title_rows.replace("$", "") == "1:1", ws.title
    book.close()


def test_comparison_xlsx_prints_one_page_wide(tmp_path: Path, example_written: Path) -> None:
    from missionfinance import Scenario

    soffice, pdftotext = _tools()
    root = Path(__file__).resolve().parents[2]
    result = Scenario.load(root / "scenarios" / "sr25-example.toml").compare(
        [{"budget.CDEL*": 0.9}, {"budget.FT*": 0.8}, {"objective.weights.health": 2}])
    out = result.write(tmp_path / "sweep")
    subprocess.run(
        [soffice, f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless",
         "--norestore", "--convert-to", "pdf", "--outdir", str(tmp_path),
         str(out / "comparison.xlsx")], check=True, capture_output=True, timeout=300)
    text = subprocess.run([pdftotext, "-layout", str(tmp_path / "comparison.pdf"), "-"],
                          check=True, capture_output=True, timeout=120).stdout.decode("utf-8")
    pages = [_flat(p) for p in text.split("\f") if p.strip().startswith("Comparison")]
    book = openpyxl.load_workbook(out / "comparison.xlsx", read_only=True)
    header = [str(c.value) for c in next(book["Comparison"].iter_rows(min_row=1, max_row=1))]
    book.close()
    assert pages
    for page in pages:
        assert _flat(header[0]) in page and _flat(header[-1]) in page, header
    assert "CDEL × 0.9" in " ".join(pages)
