"""The report of the bundled example answers "who lost out and why", and keeps baseline
sources, years, departments and buyers apart."""

from __future__ import annotations

import html
import re
from pathlib import Path

import openpyxl
import pandas as pd


def _text(page: str, start: str, end: str) -> str:
    part = page[page.index(start):page.index(end, page.index(start))]
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", part)))


def test_html_lists_closest_unfunded_with_switching_values(example_written: Path) -> None:
    page = (example_written / "report.html").read_text()
    section = _text(page, "Who lost out", "Every project")
    assert "value per £ needed" in section and "leverage needed" in section
    assert "weight needed" in section
    projects = pd.read_csv(example_written / "allocation.csv")["project_id"]
    book = openpyxl.load_workbook(example_written / "report.xlsx", read_only=True)
    rows = list(book["Closest unfunded"].iter_rows(values_only=True))
    header, body = list(rows[0]), rows[1:]
    assert 0 < len(body) <= 20
    ids = [r[header.index("project id")] for r in body]
    gains = [r[header.index("best gain per £1m (objective per £m)")] for r in body]
    assert not set(ids) & set(projects)              # none of them is funded
    assert gains == sorted(gains, reverse=True) and all(g <= 0 for g in gains)
    for project_id in ids:
        assert project_id in section
    # a project that loses at today's prices has a switching value above what it has now
    value = header.index("value per £ (value per £)")
    needed = header.index("value per £ needed (value per £)")
    losing = [r for r in body if r[header.index("best gain per £1m (objective per £m)")] < 0]
    assert all(r[needed] > r[value] for r in losing if r[needed] is not None)
    # the rest are ties at the margin: another optimum would fund them
    assert all(r[header.index("best gain per £1m (objective per £m)")] == 0
               for r in body if r not in losing)
    book.close()


def test_binding_limits_fold_per_project_rows_into_counts(example_written: Path) -> None:
    page = (example_written / "report.html").read_text()
    words = _text(page, "What limits the allocation", "Binding limits by family")
    constraints = pd.read_csv(example_written / "constraints.csv")
    per_project = constraints[constraints["project"].notna()]
    assert per_project["binding"].sum() > 100
    # no per-project row is spelt out; each family is one sentence with its counts
    for name in per_project["name"].head(50):
        assert name not in words
    for family, rows in per_project.groupby("family"):
        if rows["binding"].any():
            assert (f"{int(rows['binding'].sum()):,} of {len(rows):,} per-project limits of "
                    f"family {family} bind") in words
    assert "cvar_excess[" not in page


def test_baseline_by_source_and_year_and_buyers_apart(example_written: Path) -> None:
    book = openpyxl.load_workbook(example_written / "report.xlsx", read_only=True)
    rows = list(book["Baseline by year"].iter_rows(values_only=True))
    header = list(rows[0])
    assert header[:3] == ["source", "year", "lines"]
    keys = [(r[0], r[1]) for r in rows[1:]]
    assert len(keys) == len(set(keys)) and {k[0] for k in keys} == {"procurement",
                                                                    "spending_review"}
    cover = list(book["Tag coverage"].iter_rows(values_only=True))
    cheader = list(cover[0])
    dims = [r[cheader.index("dimension")] for r in cover[1:]]
    assert "buyer" in dims and "department" in dims
    # departments come before buyers, and no group is both
    assert max(i for i, d in enumerate(dims) if d == "department") < dims.index("buyer")
    groups = {d: {r[cheader.index("group")] for r in cover[1:] if r[0] == d}
              for d in ("department", "buyer")}
    assert not groups["department"] & groups["buyer"]
    against = cheader.index("attributed unfavourable (£m)")
    assert all(r[against] is None or r[against] >= 0 for r in cover[1:])
    book.close()
