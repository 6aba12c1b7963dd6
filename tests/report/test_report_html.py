"""report.html: self-contained, headline numbers equal summary.json, every section present."""

from __future__ import annotations

import base64
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from missionfinance.report import charts
from missionfinance.scenario import RunResult


class Page(HTMLParser):
    """Collects the headline rows, every tag with a URL attribute, and script tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.headline: list[dict[str, str]] = []
        self.urls: list[str] = []
        self.scripts = 0
        self._row: dict[str, str] | None = None
        self._cell: str | None = None
        self._in_headline = False
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.urls += [a[k] for k in ("src", "href") if k in a]
        if tag == "script":
            self.scripts += 1
        if tag == "table" and a.get("id") == "headline":
            self._in_headline = True
        if self._in_headline and tag == "tr" and "data-key" in a:
            self._row = {"key": a["data-key"], "value": a["data-value"], "text": ""}
        if self._row is not None and tag == "td":
            self._cell = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._in_headline = False
        if tag == "td" and self._row is not None and self._cell is not None:
            self._row["text"] = self._cell
            self._cell = None
        if tag == "tr" and self._row is not None:
            self.headline.append(self._row)
            self._row = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._cell is not None:
            self._cell += data


@pytest.fixture(scope="module")
def page(written: tuple[RunResult, Path]) -> tuple[Page, str, dict[str, object]]:
    _, out = written
    text = (out / "report.html").read_text(encoding="utf-8")
    parser = Page()
    parser.feed(text)
    return parser, text, json.loads((out / "summary.json").read_text())


def _number(text: str) -> float:
    return float(re.sub(r"[£m,%\s]", "", text))


def test_headline_numbers_equal_summary_json(page: tuple[Page, str, dict[str, object]]) -> None:
    parser, _, summary = page
    keys = [row["key"] for row in parser.headline]
    assert {"objective", "public_total", "private_total", "leverage"} <= set(keys)
    for row in parser.headline:
        value = summary[row["key"]]
        assert isinstance(value, int | float)
        assert json.loads(row["value"]) == value, row  # exact, as in summary.json
        shown = _number(row["text"])
        if row["text"].endswith("%"):
            assert shown == round(value * 100, 2), row
        else:
            assert shown == round(value, 2), row


def test_self_contained_no_scripts_no_network(page: tuple[Page, str, dict[str, object]]) -> None:
    parser, text, _ = page
    assert parser.scripts == 0
    assert all(u.startswith(("data:image/svg+xml;base64,", "#")) for u in parser.urls), [
        u[:40] for u in parser.urls if not u.startswith(("data:", "#"))]
    assert "http://" not in text.replace("http://www.w3.org", "")
    assert "default-src 'none'" in text


def test_charts_are_inline_deterministic_svg(page: tuple[Page, str, dict[str, object]]) -> None:
    parser, _, _ = page
    svgs = [base64.b64decode(u.split(",", 1)[1]) for u in parser.urls if u.startswith("data:")]
    assert len(svgs) == 8  # seven allocation charts and money out and back
    for svg in svgs:
        assert svg.startswith(b"<?xml") and b"<svg" in svg
        assert b"<dc:date>" not in svg and b"<script" not in svg


def test_sections_a_reader_needs(page: tuple[Page, str, dict[str, object]]) -> None:
    _, text, _ = page
    for heading in ("Headline figures", "Budget scored per control and year",
                    "Guarantee exposure and risk", "By mission", "By instrument", "By year",
                    "By department", "By region", "What limits the allocation",
                    "Projects funded and not funded", "Baseline alignment", "Assumptions",
                    "Provenance"):
        assert heading in text, heading
    assert "binding: £1m more FT headroom" in text  # the binding budget row in plain words
    assert "not assessed" in text and "favourable" in text
    assert "Consolidated Budgeting Guidance" in text  # an instrument's source


def test_svg_bytes_are_stable_across_calls() -> None:
    import pandas as pd

    from missionfinance import plot

    frame = pd.DataFrame({"budget": ["CDEL"], "mission": ["growth"], "instrument": ["grant"],
                          "public": [10.0], "private": [5.0], "additional_private": [4.0]})
    assert charts.svg_bytes(plot.flow(frame)) == charts.svg_bytes(plot.flow(frame))
