"""The workbook writer of report.xlsx read back with openpyxl: cells, styles, layout, bytes."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import openpyxl
import pytest

from missionfinance.report.sheets import (
    CELL_LIMIT,
    STYLES,
    Sheet,
    Workbook,
    _text_xml,
    column_letter,
)
from missionfinance.report.xlsx import FORMATS, MONEY_FORMAT, SHARE_FORMAT

TRICKY = [
    "plain",
    "  leading and trailing spaces  ",
    "tab\tand\nnewline",
    "control \x01\x02\x1f characters",
    "a literal _x0041_ escape",
    "<b>markup</b> & 'quotes' \"double\"",
    "right-to-left: مرحبا",
    "emoji 🚀 outside the BMP",
]


def _book() -> bytes:
    book = Workbook(title="T & <title>", subject="s", author="a")
    sheet = Sheet("Data 'one'")
    book.sheets.append(sheet)
    n = len(TRICKY)
    sheet.columns = [
        book.texts(0, ["text"], "header") + book.texts(0, TRICKY, "wrap", first_row=1),
        book.texts(1, ["money"], "header")
        + book.numbers(1, np.array([1.5, np.nan, -2.25e-7, 1e15, 0.1 + 0.2, 3.0, -4.0,
                                    np.inf]), "money", first_row=1),
        book.texts(2, ["flag"], "header")
        + book.booleans(2, [True, False, None, True, False, True, False, None], first_row=1),
        book.texts(3, ["share"], "header")
        + book.numbers(3, np.linspace(0, 1, n), ["share", "money"] * (n // 2), first_row=1),
    ]
    sheet.widths = [(30, "wrap"), (14, None), (8, None), (10, None)]
    sheet.rows = n + 1
    sheet.heights = {2: 30.0}
    sheet.autofilter = True
    sheet.repeat_header = True
    sheet.header, sheet.footer = "&L&A", "&RPage &P of &N"
    empty = Sheet("Empty", landscape=False)
    empty.columns = [book.texts(0, ["only a header"], "header")]
    empty.rows = 1
    book.sheets.append(empty)
    return book.to_bytes(FORMATS)


def test_cells_read_back_exactly() -> None:
    wb = openpyxl.load_workbook(io.BytesIO(_book()))
    ws = wb["Data 'one'"]
    assert [c.value for c in ws[1]] == ["text", "money", "flag", "share"]
    # control characters are stored as Excel's _xHHHH_ escapes (which openpyxl leaves as
    # they are and Excel shows as the characters); everything else reads back as written
    expected = [t.replace("\x01", "_x0001_").replace("\x02", "_x0002_")
                .replace("\x1f", "_x001F_") for t in TRICKY]
    assert [ws.cell(i, 1).value for i in range(2, len(TRICKY) + 2)] == expected
    money = [ws.cell(i, 2).value for i in range(2, len(TRICKY) + 2)]
    # 16 significant digits, as Excel keeps 15: 0.1 + 0.2 is stored as 0.3
    assert money == [1.5, None, -2.25e-7, 1e15, 0.3, 3.0, -4.0, None]
    assert [ws.cell(i, 3).value for i in range(2, 10)] == [True, False, None, True, False,
                                                           True, False, None]
    assert ws.cell(2, 2).number_format == MONEY_FORMAT
    assert ws.cell(2, 4).number_format == SHARE_FORMAT
    assert ws.cell(3, 4).number_format == MONEY_FORMAT  # a style per row
    assert ws.cell(1, 1).font.b and ws.cell(1, 1).fill.fgColor.rgb == "FFF3F2F1"
    assert ws.cell(2, 1).data_type == "s"  # text stays text, never a formula


def test_layout_and_print_setup() -> None:
    wb = openpyxl.load_workbook(io.BytesIO(_book()))
    ws = wb["Data 'one'"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:D{len(TRICKY) + 1}"
    assert ws.print_title_rows == "$1:$1"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToHeight == 0
    assert ws.oddHeader.left.text == "&A" and ws.oddFooter.right.text == "Page &P of &N"
    assert ws.row_dimensions[3].height == 30.0
    assert ws.column_dimensions["A"].width == pytest.approx(30.71, abs=0.01)
    assert ws.cell(2, 1).alignment.wrap_text and ws.cell(2, 1).alignment.vertical == "top"
    assert wb["Empty"].page_setup.orientation == "portrait"
    assert wb["Empty"].max_row == 1
    assert wb.properties.title == "T & <title>"


def test_bytes_are_reproducible_and_dated_1980() -> None:
    data = _book()
    assert data == _book()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.testzip() is None
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert "2000-01-01T00:00:00Z" in z.read("docProps/core.xml").decode()


def test_text_longer_than_a_cell_is_cut_to_the_limit() -> None:
    book = Workbook()
    sheet = Sheet("Long")
    sheet.columns = [book.texts(0, ["x" * (CELL_LIMIT + 10)])]
    sheet.rows = 1
    book.sheets.append(sheet)
    ws = openpyxl.load_workbook(io.BytesIO(book.to_bytes(FORMATS)))["Long"]
    assert len(ws["A1"].value) == CELL_LIMIT


def test_column_letters() -> None:
    assert [column_letter(k) for k in (0, 1, 25, 26, 27, 51, 52, 16383)] == [
        "A", "B", "Z", "AA", "AB", "AZ", "BA", "XFD"]


def _cell_by_cell_texts(book: Workbook, column: int, values: list[str], style: str | None,
                        first_row: int) -> list[str]:
    """Text cells one at a time: the shared strings numbered in order of first use."""
    s = "" if style is None else f' s="{STYLES.index(style)}"'
    out = []
    for row, text in enumerate(values, start=first_row + 1):
        if not text:
            out.append("")
            continue
        index = book._strings.setdefault(text, len(book._strings))
        out.append(f'<c r="{column_letter(column)}{row}"{s} t="s"><v>{index}</v></c>')
    return out


def test_long_text_columns_number_shared_strings_as_cell_by_cell() -> None:
    rng = np.random.default_rng(5)
    few = [str(v) for v in rng.choice(["", "north", "south", "=x", "east"], 500)]
    distinct = [f"project {k}" for k in range(300)]
    fast, slow = Workbook(), Workbook()
    for column, values in enumerate([few, distinct, few[::-1]]):
        assert fast.texts(column, values, "wrap", first_row=1) == _cell_by_cell_texts(
            slow, column, values, "wrap", 1)
    assert list(fast._strings) == list(slow._strings)
    # codes in any order (a categorical's): numbered in order of first use all the same
    texts = ["b", "", "a", "c"]
    codes = rng.integers(0, 4, 400)
    values = [texts[c] for c in codes]
    assert fast.coded_texts(4, codes, texts, None, first_row=1) == _cell_by_cell_texts(
        slow, 4, values, None, 1)
    assert list(fast._strings) == list(slow._strings)


def test_numbers_format_each_cell_as_sixteen_digits() -> None:
    rng = np.random.default_rng(9)
    values = rng.choice([0.0, -0.0, 1.5, 1 / 3, np.nan, np.inf, -np.inf, 1e-7, 2e16], 700)
    for some in (values, values[:20]):  # formatted by distinct value, or one by one
        assert Workbook.numbers(2, some, "money", first_row=1) == [
            f'<c r="C{r}" s="{STYLES.index("money")}"><v>{v:.16G}</v></c>' if np.isfinite(v)
            else "" for r, v in enumerate(some.tolist(), start=2)]
    styles = [["money", "share"][k % 2] for k in range(len(values))]
    assert Workbook.numbers(2, values, styles) == [
        f'<c r="C{r}" s="{STYLES.index(st)}"><v>{v:.16G}</v></c>' if np.isfinite(v) else ""
        for r, (v, st) in enumerate(zip(values.tolist(), styles, strict=True), start=1)]


@pytest.mark.parametrize("extra", [[], TRICKY, ["ends with space "], ["x\x00y"], ["_x"]])
def test_shared_strings_escaped_at_once_or_one_by_one_alike(extra: list[str]) -> None:
    book = Workbook()
    book.texts(0, ["a & b", "<c>", "plain £ text", *extra])
    items = "".join(f"<si>{_text_xml(t)}</si>" for t in book._strings)
    assert f'uniqueCount="{len(book._strings)}">{items}</sst>' in book._strings_xml()


@pytest.mark.parametrize("full_column", [True, False])
def test_sheet_rows_are_the_row_by_row_rows(full_column: bool) -> None:
    """Rows with heights, empty cells and (without a full column) empty rows left out."""
    book = Workbook()
    sheet = Sheet("S")
    book.sheets.append(sheet)
    rng = np.random.default_rng(2)
    n = 200
    values = [["" if rng.random() < 0.4 else f"t{k % 7}" for k in range(n)] for _ in range(3)]
    if full_column:
        values[1] = [f"x{k}" for k in range(n)]
    sheet.columns = [book.texts(j, v) for j, v in enumerate(values)]
    sheet.heights = {0: 30.0, 5: 45.0, 7: 15.5, n + 3: 20.0}
    sheet.rows = n
    rows = []
    for i, cells in enumerate(zip(*sheet.columns, strict=True)):
        body = "".join(cells)
        if i in sheet.heights:
            rows.append(f'<row r="{i + 1}" ht="{sheet.heights[i]:.16G}" customHeight="1">'
                        f"{body}</row>")
        elif body:
            rows.append(f'<row r="{i + 1}">{body}</row>')
    assert f"<sheetData>{''.join(rows)}</sheetData>" in book._sheet_xml(sheet, True)
    assert full_column or len(rows) < n  # some rows were empty
