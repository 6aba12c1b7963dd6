"""The readers' fast paths give what pandas gives, or leave the input to pandas.

``read_table`` reads a plain CSV with Arrow's CSV reader and ``to_number`` parses plain
decimals with Arrow; both must return exactly what the pandas readers return (the same
frame, the same float64 bits), and leave anything else to pandas.
"""

from __future__ import annotations

import csv
import io
import random
import warnings

import numpy as np
import pandas as pd
import pytest

from missionfinance.errors import MissionFinanceError
from missionfinance.io._files import _csv_header, _plain_decimals, _read_csv_arrow, to_number

_CELLS = ["a", "Z", "é", "€", "中", ",", '"', "\n", "\r\n", " ", "\t", "1", ".", ";", "'", "\\",
          "#", "nan", "NA", "NULL", "None", "N/A", "-", "TRUE", "1e5", "  ", "\u00a0", "\x0b"]


def _pandas(content: str) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pd.read_csv(io.StringIO(content), dtype=str, keep_default_na=False, na_values=[],
                           skipinitialspace=False)


def _tables(seed: int, n: int) -> list[str]:
    """CSV texts as a spreadsheet writes them, some with a field dropped or added or a blank line."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        ncol = rng.randint(1, 5)
        names = [rng.choice(["id", " cap ", "a b", "x,y", 'q"t', "é", "NA", "1"]) + str(i)
                 for i in range(ncol)]
        rows = [["".join(rng.choices(_CELLS, k=rng.randint(0, 5))) for _ in range(ncol)]
                for _ in range(rng.randint(0, 6))]
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator=rng.choice(["\n", "\r\n"]),
                            quoting=rng.choice([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]))
        writer.writerow(names)
        writer.writerows(rows)
        content = buf.getvalue()
        damage = rng.random()
        if damage < 0.15:
            content = content.replace(",", "", 1)
        elif damage < 0.25:
            content += ",extra"
        elif damage < 0.3:
            content = content.replace("\n", "\n\n", 1)
        elif damage < 0.35:
            content = content.rstrip("\r\n")
        out.append(content)
    return out


@pytest.mark.parametrize("seed", [1, 2])
def test_arrow_csv_reads_what_pandas_reads(seed: int) -> None:
    fast_read = 0
    for content in _tables(seed, 800):
        fast = _read_csv_arrow(content, _csv_header(content))
        if fast is None:
            continue
        fast_read += 1
        ref = _pandas(content)
        assert isinstance(ref.index, pd.RangeIndex), repr(content)
        pd.testing.assert_frame_equal(fast, ref, check_dtype=True, obj=repr(content))
    assert fast_read > 300  # the fast path is taken for most well-formed tables


@pytest.mark.parametrize("content", [
    'id,name\n1,a"b\n',            # a quote inside a field's text
    'id,name\n1,"a"b\n',           # text after a closing quote
    'id,name\n1,"a\n',             # a field left open
    'id,name\n1,a\r2,b\n',         # a lone carriage return
    'id,name\n1,a\n  \n2,b\n',     # a line of white space
    'id,name\n1\n',                # a short row
    'id,name\n1,a,b\n',            # a long row
    'id,\n1,a\n',                  # an unnamed column
    'id,name\n',                   # no rows
])
def test_arrow_csv_leaves_the_rest_to_pandas(content: str) -> None:
    assert _read_csv_arrow(content, _csv_header(content)) is None


def test_plain_decimals_are_the_floats_pandas_reads() -> None:
    rng = random.Random(7)
    cells = []
    for _ in range(50_000):
        digits = "".join(rng.choices("0123456789", k=rng.randint(1, 15)))
        if len(digits) > 1 and rng.random() < 0.7:
            cut = rng.randint(1, len(digits) - 1)
            digits = digits[:cut] + "." + digits[cut:]
        cells.append(digits)
    cells += ["", "0", "00.000", "999999999999999", "0.00000000000001", "1.23456789012345"]
    got = _plain_decimals(pd.Series(cells, dtype="str"))
    assert got is not None
    values, empty = got
    ref = pd.to_numeric(pd.Series([c or None for c in cells], dtype=object),
                        errors="coerce").to_numpy(dtype="float64")
    assert np.array_equal(np.isnan(values), np.isnan(ref))
    assert np.array_equal(values[~empty].view(np.int64), ref[~empty].view(np.int64))


@pytest.mark.parametrize("cell", ["-1", "+1", "1e5", " 1", "1.", ".5", "inf", "nan",
                                  "1234567890123456", "0.000000000000001", "1,5"])
def test_other_numbers_go_to_pandas(cell: str) -> None:
    column = pd.Series(["2.5", cell], dtype="str")
    assert _plain_decimals(column) is None
    frame = pd.DataFrame({"x": column})
    try:
        got = to_number(frame, "x", "t.csv", fix="write a number").to_numpy()
    except MissionFinanceError as exc:  # not a finite number: named as before
        assert str(exc).startswith(f"t.csv row 2, column x: {cell!r} is not a")
    else:
        want = pd.to_numeric(column, errors="coerce").to_numpy(dtype="float64")
        assert np.array_equal(got.view(np.int64), want.view(np.int64))
