"""report.xlsx: one sheet per report table, plus a README sheet.

Written with xlsxwriter, chosen over openpyxl because its output is byte-identical
across runs when built in memory: every part of the zip carries the fixed timestamp
1980-01-01 and the ``created`` document property is set to :data:`CREATED` (a constant,
not the clock). Each table sheet has its header in row 1, frozen, with an autofilter
over all rows; money columns are numbers with the format ``£#,##0.00m``, shares are
percentages, text is written with ``write_string`` only (never parsed as a formula,
URL or number) after :func:`~missionfinance.report.formats.neutralise`, and text longer
than Excel's 32,767-character cell limit is cut by xlsxwriter.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from typing import Any

import pandas as pd
import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from missionfinance.report.build import Report
from missionfinance.report.formats import neutralise
from missionfinance.report.tables import ReportTable

#: Fixed ``created`` property of every workbook (no wall-clock time in a hashed file).
CREATED = dt.datetime(2000, 1, 1, 0, 0, 0)

MONEY_FORMAT = '"£"#,##0.00"m";-"£"#,##0.00"m"'
SHARE_FORMAT = "0.0%"
NUMBER_FORMAT = "#,##0.0000"
INTEGER_FORMAT = "#,##0"

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


def _cell_text(value: Any) -> str | None:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return neutralise(str(value))


def _write_table(ws: Worksheet, table: ReportTable, formats: dict[str, Any]) -> None:
    frame = table.frame
    columns = [str(c) for c in frame.columns]
    widths = []
    for j, column in enumerate(columns):
        header = column.replace("_", " ") + (" (£m)" if column in table.money else "")
        ws.write_string(0, j, neutralise(header), formats["header"])
        series = frame[frame.columns[j]]
        values = series.tolist()
        width = len(header) + 2
        if column in table.money or column in table.shares or (
            pd.api.types.is_float_dtype(series.dtype)
        ):
            fmt = formats["money" if column in table.money else
                         "share" if column in table.shares else "number"]
            for i, v in enumerate(values, start=1):
                if v is not None and not (isinstance(v, float) and not math.isfinite(v)):
                    ws.write_number(i, j, float(v), fmt)
            width = max(width, 14)
        elif pd.api.types.is_bool_dtype(series.dtype):
            for i, v in enumerate(values, start=1):
                ws.write_boolean(i, j, bool(v))
            width = max(width, 8)
        elif pd.api.types.is_integer_dtype(series.dtype):
            for i, v in enumerate(values, start=1):
                ws.write_number(i, j, int(v), formats["integer"])
            width = max(width, 10)
        else:
            longest = 0
            for i, v in enumerate(values, start=1):
                text = _cell_text(v)
                if text:
                    ws.write_string(i, j, text)
                    longest = max(longest, len(text)) if i <= 200 else longest
            width = max(width, min(longest + 2, 60))
        widths.append(width)
    for j, width in enumerate(widths):
        ws.set_column(j, j, width)
    ws.freeze_panes(1, 0)
    if columns:
        ws.autofilter(0, 0, max(len(frame), 1), len(columns) - 1)


def _write_readme(ws: Worksheet, report: Report, sheets: list[tuple[str, ReportTable]],
                  formats: dict[str, Any]) -> None:
    ws.set_column(0, 0, 28)
    ws.set_column(1, 1, 100)
    rows: list[tuple[str, str]] = [
        ("Report", report.title),
        ("Scenario", report.scenario),
        ("Solver status", report.status),
        ("Message", report.message),
        ("Units", "All money is in £ million (£m); shares are percentages; years are "
                  "financial years such as 2026-27."),
        ("Checking", "Run `missionfinance verify <folder>`: it re-runs the scenario recorded "
                     "in manifest.json and compares every file byte for byte."),
        ("Text safety", "Text beginning with = + - @ or a tab is shown with a leading "
                        "apostrophe so that it is never run as a formula."),
        ("", ""),
        ("Sheet", "What it shows"),
    ]
    rows += [(name, f"{table.title}. {table.note}") for name, table in sheets]
    for i, (key, text) in enumerate(rows):
        bold = key in ("Report", "Sheet")
        ws.write_string(i, 0, neutralise(key), formats["bold"] if bold else None)
        ws.write_string(i, 1, neutralise(text), formats["wrap"])
    ws.freeze_panes(1, 0)


def xlsx_bytes(report: Report) -> bytes:
    """report.xlsx of ``report`` as bytes (deterministic; see the module docstring)."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {
        "in_memory": True,
        "strings_to_formulas": False,
        "strings_to_urls": False,
        "strings_to_numbers": False,
        "nan_inf_to_errors": False,
    })
    workbook.set_properties({
        "title": neutralise(report.title)[:255],
        "subject": "Mission finance allocation report",
        "author": "missionfinance",
        "created": CREATED,
    })
    formats = {
        "header": workbook.add_format({"bold": True, "bg_color": "#F3F2F1", "bottom": 1}),
        "bold": workbook.add_format({"bold": True}),
        "wrap": workbook.add_format({"text_wrap": True, "valign": "top"}),
        "money": workbook.add_format({"num_format": MONEY_FORMAT}),
        "share": workbook.add_format({"num_format": SHARE_FORMAT}),
        "number": workbook.add_format({"num_format": NUMBER_FORMAT}),
        "integer": workbook.add_format({"num_format": INTEGER_FORMAT}),
    }
    used: set[str] = set()
    readme = workbook.add_worksheet(sheet_name("README", used))
    sheets = [(sheet_name(key, used), table) for key, table in report.tables.items()]
    _write_readme(readme, report, sheets, formats)
    for name, table in sheets:
        _write_table(workbook.add_worksheet(name), table, formats)
    workbook.close()
    return buffer.getvalue()
