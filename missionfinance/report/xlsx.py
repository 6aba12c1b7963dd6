"""report.xlsx: one sheet per report table, plus a README sheet.

No sheet repeats a CSV file of the run: the README sheet's "Other files" row says which
CSV beside the workbook holds what (allocation.csv has every project × instrument × year).

Written with :mod:`missionfinance.report.sheets`, which renders a sheet's cells a column
at a time (a general writer's per-cell cost made this file the slowest output at 10,000
projects). Its output is byte-identical across runs: every part of the zip carries the
fixed timestamp 1980-01-01 and the ``created`` document property is set to
:data:`CREATED` (a constant, not the clock). Each table sheet has its header in row 1,
frozen, with an autofilter over all rows; money columns are numbers with the format
``£#,##0.00m`` and ``(£m)`` in the header, shares are percentages with ``(%)``,
leverage-like ratios ``0.00×``, values within :data:`NOISE` of zero are written as 0 (no
"-£0.00m"), booleans are booleans, and a table with no rows gets no sheet. Every sheet
prints landscape on A4, one page wide, with its header row repeated and the sheet name in
the page header; text is always stored as text (never parsed as a formula, URL or number)
after :func:`~missionfinance.report.formats.neutralise`, and text longer than Excel's
32,767-character cell limit is cut.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pandas as pd

from missionfinance.report.build import Report
from missionfinance.report.formats import coded_column, format_column, neutralise, texts_at
from missionfinance.report.sheets import Sheet, Workbook
from missionfinance.report.tables import ReportTable

#: Fixed ``created`` property of every workbook (no wall-clock time in a hashed file).
CREATED = dt.datetime(2000, 1, 1, 0, 0, 0)

MONEY_FORMAT = '"£"#,##0.00"m";-"£"#,##0.00"m";"£"0.00"m"'
SHARE_FORMAT = "0.0%"
RATIO_FORMAT = '0.00"×"'
NUMBER_FORMAT = "#,##0.00"
PRICE_FORMAT = "#,##0.000"
INTEGER_FORMAT = "#,##0"
#: Number format of each number style (:data:`missionfinance.report.sheets.STYLES`).
FORMATS = {"money": MONEY_FORMAT, "share": SHARE_FORMAT, "ratio": RATIO_FORMAT,
           "price": PRICE_FORMAT, "number": NUMBER_FORMAT, "integer": INTEGER_FORMAT}

#: Values nearer zero than this are written as 0 (solver rounding noise such as
#: ``-1.1e-13`` would otherwise print as "-£0.00m"); CSV files keep six decimals.
NOISE = 5e-7

#: Float columns that are neither money nor shares, by name: header unit and format key.
#: Leverage-like columns are £ per £ (×); a shadow price is objective units per £m.
COLUMN_UNITS: dict[str, tuple[str, str]] = {
    "leverage": ("×", "ratio"),
    "mean_leverage": ("×", "ratio"),
    "marginal_private": ("£m private per £m", "ratio"),
    "dual": ("objective per £m", "price"),
    "shadow_price": ("objective per £m", "price"),
    "weight": ("", "number"),
    "best_gain": ("objective per £m", "price"),
    "value_per_pound": ("value per £", "number"),
    "value_needed": ("value per £", "number"),
    "leverage_needed": ("×", "ratio"),
    "weight_needed": ("", "number"),
    "value": ("weighted £m", "number"),
    # the assumptions log: values of mixed units, formatted row by row from its unit column
    "figure": ("", "by_unit"),
    "lowest": ("", "by_unit"),
    "highest": ("", "by_unit"),
}


def unit_kind(unit: str) -> str:
    """Cell format key of a value whose unit is ``unit`` (a table's ``unit`` column).

    Examples
    --------
    >>> [unit_kind(u) for u in ("£m", "share a year", "× (private £ per public £)", "years")]
    ['money', 'share', 'ratio', 'number']
    """
    if unit.startswith("£m"):
        return "money"
    if unit.startswith("share"):
        return "share"
    if unit.startswith("×"):
        return "ratio"
    return "number"

#: Headline units → cell format key.
_HEADLINE_FORMATS = {"£m": "money", "%": "share", "ratio": "ratio", "count": "integer"}

#: Tables printed on one page width in landscape; every table sheet is set up so.
PAPER_A4 = 9

_SHEET_FORBIDDEN = str.maketrans({c: " " for c in "[]:*?/\\"})


def sheet_name(key: str, used: set[str]) -> str:
    """A valid, unique sheet name (≤ 31 characters, no ``[]:*?/\\``)."""
    base = key.translate(_SHEET_FORBIDDEN).strip("'")[:31] or "Sheet"
    name, k = base, 2
    while name.lower() in used:
        suffix = f" ({k})"
        name, k = base[: 31 - len(suffix)] + suffix, k + 1
    used.add(name.lower())
    return name


def column_kind(table: ReportTable, column: str, series: pd.Series) -> str:
    """How a column is written.

    One of ``money``, ``share``, ``ratio``, ``price``, ``number``, ``by_unit`` (each
    row in the format of its ``unit`` column, :func:`unit_kind`), ``integer``, ``bool``
    or ``text``.
    """
    if column in table.money:
        return "money"
    if column in table.shares:
        return "share"
    if pd.api.types.is_bool_dtype(series.dtype):
        return "bool"
    if pd.api.types.is_integer_dtype(series.dtype):
        return "integer"
    if pd.api.types.is_float_dtype(series.dtype):
        return COLUMN_UNITS.get(column, ("", "number"))[1]
    if series.dtype == object and len(series) and series.map(
            lambda v: isinstance(v, bool | np.bool_)).all():
        return "bool"
    return "text"


def column_header(table: ReportTable, column: str, kind: str) -> str:
    """Header text of ``column`` with its unit: ``public (£m)``, ``share used (%)``."""
    name = str(table.labels.get(column, column)).replace("_", " ")
    if kind == "money":
        return f"{name} (£m)"
    if kind == "share":
        return f"{name} (%)"
    unit = COLUMN_UNITS.get(column, ("", ""))[0]
    return f"{name} ({unit})" if unit and kind in ("ratio", "price", "number") else name


def clean_number(value: Any) -> float | None:
    """``value`` as a finite float with rounding noise removed; None when missing or infinite."""
    if value is None or value is pd.NA:
        return None
    number = float(value)
    if not math.isfinite(number):
        return None
    return 0.0 if abs(number) < NOISE else number


def _print_setup(sheet: Sheet, rows: int) -> None:
    """Landscape A4, one page wide, header row repeated, sheet name and page in the margins."""
    sheet.landscape = True
    sheet.margins = (0.4, 0.4, 0.6, 0.6)
    sheet.header = "&L&A"
    sheet.footer = "&RPage &P of &N"
    sheet.repeat_header = rows > 0


def _write_table(book: Workbook, sheet: Sheet, table: ReportTable) -> None:
    frame = table.frame
    columns = [str(c) for c in frame.columns]
    lines = np.ones(len(frame), dtype="int64")  # text lines per row, for wrapped columns
    for j, column in enumerate(columns):
        series = frame[frame.columns[j]]
        column_style = None
        kind = column_kind(table, column, series)
        header = column_header(table, column, kind)
        cells = book.texts(j, [neutralise(header)], "header")
        width = len(header) + 2
        if kind in ("money", "share", "ratio", "price", "number", "by_unit"):
            numbers = (series if series.dtype == np.float64 else pd.to_numeric(
                series, errors="coerce")).to_numpy(dtype="float64", na_value=np.nan)
            numbers = np.where(np.abs(numbers) < NOISE, 0.0, numbers)  # rounding noise → 0
            if kind == "by_unit":  # each row in the format its unit says (£m, %, ×)
                units = (frame["unit"].astype(str).tolist() if "unit" in frame.columns
                         else [""] * len(frame))
                styles: str | list[str] = [unit_kind(u) for u in units]
            else:
                styles = kind
            cells += book.numbers(j, numbers, styles, first_row=1)
            width = max(width, 14 if kind in ("money", "by_unit") else 10)
        elif kind == "bool":
            cells += book.booleans(j, [None if v is None or v is pd.NA else bool(v)
                                       for v in series.tolist()], first_row=1)
            width = max(width, 8)
        elif kind == "integer":
            cells += book.numbers(j, series.to_numpy(dtype="float64", na_value=np.nan), "integer",
                                  first_row=1)
            width = max(width, 10)
        else:
            coded = coded_column(series)  # neutralised text, "" for a missing cell
            texts = format_column(series) if coded is None else texts_at(coded[1], coded[0][:200])
            longest = max((len(t) for t in texts[:200]), default=0)
            if longest > 60:
                column_style = "wrap"
            cells += (book.texts(j, texts, column_style, first_row=1) if coded is None
                      else book.coded_texts(j, coded[0], coded[1], column_style, first_row=1))
            width = max(width, min(longest + 2, 60))
            if longest > 60:
                lengths = series.fillna("").astype(str).str.len().to_numpy()
                lines = np.maximum(lines, -(-lengths // (width - 4)))
        sheet.columns.append(cells)
        sheet.widths.append((min(width, 60), column_style))
    sheet.rows = len(frame) + 1
    # explicit heights: LibreOffice does not grow rows for wrapped text on its own
    sheet.heights = {i + 1: 15.0 * int(lines[i]) for i in np.flatnonzero(lines > 1).tolist()}
    sheet.freeze_header = True
    sheet.autofilter = bool(columns)
    _print_setup(sheet, len(frame))


def _write_headline(book: Workbook, sheet: Sheet, table: ReportTable) -> None:
    """The headline sheet: each value in the format its unit says (£m, %, ×, count)."""
    frame = table.frame
    header = ["key", "figure", "unit", "value"]
    texts = [[neutralise(str(v)) for v in frame[c]] for c in ("key", "figure", "unit")]
    for j in range(3):
        sheet.columns.append(book.texts(j, [header[j], *texts[j]][:1], "header")
                             + book.texts(j, texts[j], first_row=1))
    values = np.array([np.nan if v is None or not math.isfinite(float(v)) else float(v)
                       for v in frame["value"]], dtype="float64")
    styles = [_HEADLINE_FORMATS.get(str(u), "number") for u in frame["unit"]]
    sheet.columns.append(book.texts(3, ["value"], "header")
                         + book.numbers(3, values, styles, first_row=1))
    sheet.widths = [(26, None), (50, None), (8, None), (18, None)]
    sheet.rows = len(frame) + 1
    sheet.freeze_header = True
    sheet.autofilter = True
    _print_setup(sheet, len(frame))


#: Characters per line of the README sheet's text column (width 100, wrapped).
_README_CHARS = 95


def _write_readme(book: Workbook, sheet: Sheet, report: Report,
                  sheets: list[tuple[str, ReportTable]]) -> None:
    """Write the README sheet.

    Rows get explicit heights so wrapped text never overlaps (LibreOffice does not grow
    rows for wrapped text written without a height).
    """
    rows: list[tuple[str, str]] = [
        ("Report", report.title),
        ("Scenario", report.scenario),
        ("Solver status", report.status),
        ("Message", report.message),
        ("Units", "All money is in £ million (£m); shares are percentages; leverage is £ "
                  "of private money per £ of public money (×); years are financial years "
                  "such as 2026-27."),
        ("Checking", "Run `missionfinance verify <folder>`: it re-runs the scenario recorded "
                     "in manifest.json and compares every file byte for byte."),
        ("Text safety", "Text beginning with = + - @ or a tab is shown with a leading "
                        "apostrophe so that it is never run as a formula."),
        ("Printing", "Every sheet prints landscape on A4, one page wide, with its header "
                     "row repeated on each page."),
        ("Other files", "The run's folder holds the full data as CSV beside this workbook: "
                        "allocation.csv (every project × instrument × year with public "
                        "finance committed: project_id, instrument, year, public, private, £m; "
                        "the Projects sheet has each project's totals), cashflows.csv, "
                        "fiscal.csv, constraints.csv (every limit with its shadow price), "
                        "missions.csv and tags.csv."),
        ("", ""),
        ("Sheet", "What it shows"),
    ]
    rows += [(name, f"{table.title}. {table.note}") for name, table in sheets]
    keys, notes = [], []
    for i, (key, text) in enumerate(rows):
        bold = key in ("Report", "Sheet")
        keys.append(book.texts(0, [neutralise(key)], "bold_top" if bold else "top",
                               first_row=i)[0] if key else "")
        notes.append(book.texts(1, [neutralise(text)], "wrap", first_row=i)[0] if text else "")
        lines = max(1, sum(math.ceil(max(len(part), 1) / _README_CHARS)
                           for part in text.split("\n")))
        sheet.heights[i] = 15.0 * lines + 3
    sheet.columns = [keys, notes]
    sheet.widths = [(24, "top"), (100, "wrap")]
    sheet.rows = len(rows)
    sheet.freeze_header = True
    sheet.landscape = False
    sheet.header = "&L&A"


def xlsx_bytes(report: Report) -> bytes:
    """report.xlsx of ``report`` as bytes (deterministic; see the module docstring)."""
    book = Workbook(title=neutralise(report.title)[:255],
                    subject="Mission finance allocation report", author="missionfinance",
                    created=CREATED)
    used: set[str] = set()
    readme = Sheet(sheet_name("README", used))
    # a table with no rows gets no sheet (the Conflict table of a feasible run, say)
    sheets = [(sheet_name(key, used), table) for key, table in report.tables.items()
              if len(table.frame)]
    book.sheets.append(readme)
    _write_readme(book, readme, report, sheets)
    for name, table in sheets:
        sheet = Sheet(name)
        book.sheets.append(sheet)
        writer = _write_headline if table.key == "Headline" else _write_table
        writer(book, sheet, table)
    return book.to_bytes(FORMATS)
