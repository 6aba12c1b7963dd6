from __future__ import annotations

import pandas as pd

from missionfinance.io import LINES_COLUMNS, LINES_SCHEMA, PIPELINE_SCHEMA, schema_markdown
from missionfinance.io.schema import empty_lines, finish_lines


def test_lines_columns_follow_design_order():
    assert LINES_COLUMNS == (
        "line_id", "source", "department", "programme", "description", "amount", "year",
        "budget_type", "cofog", "cpv", "region", "supplier",
    )
    required = {c.name for c in LINES_SCHEMA if c.required}
    assert required == {"line_id", "source", "department", "description", "amount"}


def test_markdown_has_one_row_per_column():
    for schema in (LINES_SCHEMA, PIPELINE_SCHEMA):
        table = schema_markdown(schema)
        rows = table.strip().splitlines()
        assert len(rows) == len(schema) + 2
        assert all(r.startswith("| ") and r.endswith(" |") for r in rows[:1] + rows[2:])
    assert "| private_capacity | float | £m | no | NaN |" in schema_markdown(PIPELINE_SCHEMA)
    assert "unlimited (NaN)" in schema_markdown(PIPELINE_SCHEMA)


def test_empty_lines_has_dtypes():
    frame = empty_lines()
    assert tuple(frame.columns) == LINES_COLUMNS
    assert frame["amount"].dtype == "float64"


def test_finish_lines_fills_optional_text_and_does_not_mutate():
    frame = pd.DataFrame({
        "line_id": ["a"], "source": ["x"], "department": ["D"], "description": ["d"],
        "amount": [1.5], "extra": ["dropped"],
    })
    before = frame.copy()
    out = finish_lines(frame, "f.csv")
    pd.testing.assert_frame_equal(frame, before)
    assert tuple(out.columns) == LINES_COLUMNS
    assert out.loc[0, "cpv"] == "" and out.loc[0, "year"] == ""
    assert not out.isna().any().any()
