"""CSV / JSON serialisation: fixed floats, sorted rows, formula neutralising."""

from __future__ import annotations

import csv
import io
import json
import math

import numpy as np
import pandas as pd
import pytest

from missionfinance.report.formats import (
    _text_cell,
    csv_bytes,
    format_column,
    format_float,
    json_bytes,
    neutralise,
    sort_rows,
)


@pytest.mark.parametrize("text", ["=1+1", "+44 20", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_neutralise_prefixes_formula_starts(text: str) -> None:
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["Offshore wind", "1-2", "", "a=b", "'quoted"])
def test_neutralise_leaves_plain_text(text: str) -> None:
    assert neutralise(text) == text


def test_format_float_is_fixed_and_never_negative_zero() -> None:
    assert format_float(1.0) == "1.000000"
    assert format_float(-1e-9) == "0.000000"
    assert format_float(-0.0) == "0.000000"
    assert format_float(float("nan")) == ""
    assert format_float(float("inf")) == "inf"
    assert format_float(0.1 + 0.2) == "0.300000"


def test_format_column_matches_scalar_format() -> None:
    values = [0.0, -0.0, -4e-7, 1234.5678915, 1e12, float("nan"), float("-inf")]
    assert format_column(pd.Series(values)) == [format_float(v) for v in values]


def test_csv_rows_sorted_whatever_the_input_order() -> None:
    frame = pd.DataFrame({"project_id": ["P2", "P1", "P1"], "year": ["2027-28", "2027-28",
                                                                      "2026-27"],
                          "public": [1.0, 2.0, 3.0]})
    shuffled = frame.sample(frac=1.0, random_state=3)
    assert csv_bytes(frame) == csv_bytes(shuffled)
    assert csv_bytes(frame).decode().splitlines()[1:] == [
        "P1,2026-27,3.000000", "P1,2027-28,2.000000", "P2,2027-28,1.000000"]


def test_csv_is_utf8_lf_and_quotes_only_where_needed() -> None:
    frame = pd.DataFrame({"name": ["a,b", 'say "hi"', "line\nbreak", "é ✓"], "v": [1.0] * 4})
    data = csv_bytes(frame, sort=False)
    assert b"\r" not in data.replace(b"line\nbreak", b"")
    text = data.decode("utf-8")
    assert text.endswith("\n")
    assert '"a,b"' in text and '"say ""hi"""' in text and "é ✓" in text


def test_csv_neutralises_text_but_not_numbers() -> None:
    frame = pd.DataFrame({"name": ["=HYPERLINK(\"http://x\")", "-5"], "amount": [-5.0, 2.0]})
    rows = list(csv.reader(io.StringIO(csv_bytes(frame, sort=False).decode())))
    assert rows[1] == ["'=HYPERLINK(\"http://x\")", "-5.000000"]
    assert rows[2] == ["'-5", "2.000000"]


def test_sort_rows_is_total_with_missing_values() -> None:
    frame = pd.DataFrame({"a": ["x", None, "x"], "b": [2.0, 1.0, np.nan]})
    out = sort_rows(frame)
    assert out["a"].tolist()[:2] == ["x", "x"]
    assert math.isnan(out["b"].iloc[1])


def test_json_is_stable_and_strict() -> None:
    data = {"status": "optimal", "objective": 0.1 + 0.2, "n": np.int64(3),
            "bad": float("nan"), "nested": {"x": np.float64(1.5)}}
    text = json_bytes(data).decode()
    assert json.loads(text) == {"status": "optimal", "objective": 0.30000000000000004, "n": 3,
                                "bad": None, "nested": {"x": 1.5}}
    assert text.endswith("}\n") and "NaN" not in text
    assert json_bytes(data) == json_bytes(dict(data))


def _csv_module_bytes(frame: pd.DataFrame) -> bytes:
    """What csv_bytes wrote before its own line writer: the csv module's rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([neutralise(str(c)) for c in frame.columns])
    writer.writerows(zip(*(format_column(frame[c]) for c in frame.columns), strict=True))
    return buffer.getvalue().encode("utf-8")


_AWKWARD = ["plain", "", "a,b", 'say "hi"', "two\nlines", "cr\ronly", "cr\r\nlf", ",",
            '"', "£1m more − saves", " lead", "trail ", "=SUM(A1)", "-2", "\t", "x\x00y",
            "'quoted", "é,\"ü\"\n"]


@pytest.mark.parametrize("columns", [1, 2, 5])
def test_csv_bytes_lines_are_the_csv_modules(columns: int) -> None:
    rng = np.random.default_rng(7)
    n = 400
    data: dict[str, object] = {}
    for k in range(columns):
        data[f"t{k}"] = pd.Series(rng.choice(np.array(_AWKWARD, dtype=object), n), dtype="str")
    data["x"] = rng.choice([0.0, -0.0, 1.5, np.nan, np.inf, -np.inf, 1e-9, -1e-9, 2.25], n)
    frame = pd.DataFrame(data).iloc[:, :columns]
    assert csv_bytes(frame, sort=False) == _csv_module_bytes(frame)
    assert csv_bytes(frame.head(0), sort=False) == _csv_module_bytes(frame.head(0))


def test_float_column_of_few_values_is_formatted_as_each_cell() -> None:
    rng = np.random.default_rng(3)
    few = pd.Series(rng.choice([0.0, -0.0, -1e-9, 1.0000004, np.nan, np.inf, -np.inf], 1000))
    many = pd.Series(rng.normal(size=1000) * 1e6)
    for series in (few, many, few.head(10)):
        assert format_column(series) == [
            format_float(v) if not (math.isinf(v)) else ("inf" if v > 0 else "-inf")
            for v in series.tolist()]


def test_long_frame_of_every_kind_is_written_cell_by_cell() -> None:
    """Coded columns, joined runs of them and quoting give the bytes of a per-cell writer."""
    rng = np.random.default_rng(11)
    n = 3000
    few_text = pd.Series(rng.choice(np.array(_AWKWARD, dtype=object), n), dtype="str")
    few_text[rng.random(n) < 0.05] = None
    distinct = pd.Series([f"row {k}, {_AWKWARD[k % len(_AWKWARD)]}" for k in range(n)],
                         dtype="str")
    frame = pd.DataFrame({
        "name": distinct,
        "family": pd.Series(rng.choice(["budget", "=mission", "region,north"], n), dtype="str"),
        "kind": few_text,
        "grade": pd.Categorical(rng.choice(["a", "-b", None], n), categories=["-b", "a"]),
        "lhs": rng.choice([0.0, -0.0, -1e-9, 1.0000004, np.nan, np.inf, -np.inf], n),
        "rhs": rng.choice([0.0, 2.5, 1e12, -3.25], n),
        "binding": rng.random(n) < 0.5,
        "count": rng.integers(0, 5, n),
        "amount": rng.normal(size=n) * 1e4,
        "note": pd.Series(rng.choice(["", "x", '"q"'], n), dtype=object),
    })
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(list(frame.columns))
    writer.writerows([_text_cell(v) for v in row] for row in frame.astype(object).itertuples(
        index=False))
    assert csv_bytes(frame, sort=False) == buffer.getvalue().encode("utf-8")
    for column in frame.columns:
        assert format_column(frame[column]) == [_text_cell(v) for v in
                                                frame[column].astype(object)]


@pytest.mark.parametrize("index", ["labels", "repeated"])
def test_csv_rows_are_the_sorted_frames_rows(index: str) -> None:
    """Cells made in the frame's order and then sorted: the rows of sort_rows, written."""
    rng = np.random.default_rng(4)
    n = 1200
    frame = pd.DataFrame({
        "project_id": pd.Series(rng.choice([f"P{k}" for k in range(90)], n), dtype="str"),
        "kind": pd.Series(rng.choice(["fee", "call", "=loss", None], n), dtype="str"),
        "note": pd.Series([f"note {k}, {k % 3}" for k in range(n)], dtype="str"),
        "amount": rng.choice([0.0, -1e-9, 2.5, np.nan, np.inf, 1 / 3], n),
    })
    frame.index = (rng.permutation(n) * 7 if index == "labels"
                   else np.repeat(np.arange(n // 2), 2))
    expected = csv_bytes(sort_rows(frame, ["project_id"]), sort=False)
    assert csv_bytes(frame, keys=["project_id"]) == expected
    if index == "labels":
        rows = expected.decode().splitlines()[1:]
        assert len(rows) == n and rows == sorted(rows, key=lambda r: r.split(",")[0])


@pytest.mark.parametrize(("missing", "repeat"), [(0, False), (1, False), (2, False),
                                                (0, True)])
def test_rows_sorted_by_a_unique_first_key_as_by_every_column(missing: int,
                                                              repeat: bool) -> None:
    """A unique first key (one missing name at most) orders the rows as all keys do."""
    rng = np.random.default_rng(8)
    n = 900
    names = [f"budget[CDEL,{k:04d}]" for k in rng.permutation(n)]
    # past the first 512 rows (which are looked at first): missing names, a repeated name
    names[n - missing:] = [None] * missing
    names[n - 3] = names[700] if repeat else names[n - 3]
    frame = pd.DataFrame({"name": pd.Series(names, dtype="str"),
                          "family": pd.Series(rng.choice(["b", "a"], n), dtype="str"),
                          "x": rng.choice([1.0, np.nan, -2.0], n)})
    by_all = frame.astype({"name": "str", "family": "str"}).sort_values(
        ["name", "family", "x"], kind="mergesort", na_position="last").index
    assert csv_bytes(frame) == csv_bytes(frame.loc[by_all], sort=False)
    assert sort_rows(frame).equals(frame.loc[by_all].reset_index(drop=True))
