"""The Arrow fast paths give exactly what the ordinary reader and CSV writer give."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from missionfinance.io import read_lines
from missionfinance.report.formats import FLOAT_DECIMALS, csv_bytes
from missionfinance.tagging import RuleSet, fastio, tag
from missionfinance.tagging.fastio import read_lines_csv, tags_csv_bytes

CSV = (
    "line_id,source,department, description ,amount,cofog,cpv,extra\n"
    'L1,sr,DESNZ,"Offshore wind, phase 2",10.5,04.3,09310000,x\n'
    'L2,procurement,NHS Fife,"Door ""maintenance""\nsecond line",  -2.25 ,07,,y\n'
    "L3,cra,  Home Office  ,Police grant,1e3,03.1,,\n"
    "L4,cra,=cmd,@risk,.5,,,\n"
)


def test_reader_matches_ordinary_reader(tmp_path: Path) -> None:
    plain = tmp_path / "lines.csv"
    plain.write_text(CSV, encoding="utf-8")
    packed = tmp_path / "lines.csv.gz"
    packed.write_bytes(gzip.compress(("\ufeff" + CSV).encode("utf-8")))
    for path in (plain, packed):
        fast = read_lines_csv(path)
        assert fast is not None
        pd.testing.assert_frame_equal(fast, read_lines(path))


@pytest.mark.parametrize("body", [
    "L1,sr,D,x,abc\n",          # not a number: the ordinary reader names the row
    "L1,sr,D,x,1\nL1,sr,D,y,2\n",  # repeated id
    ",sr,D,x,1\n",               # empty id
    "L1,sr,D,x,\n",              # empty amount
    "L1,sr,D,x,inf\n",           # not finite
    "L1,sr,D,x\n",               # ragged row
    "L1,sr,D,x\x1f,1\n",         # a character Python strips and Arrow does not
])
def test_reader_declines_what_it_does_not_decide(tmp_path: Path, body: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("line_id,source,department,description,amount\n" + body, encoding="utf-8")
    assert read_lines_csv(path) is None


def test_reader_declines_other_formats(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text('{"releases": []}', encoding="utf-8")
    assert read_lines_csv(path) is None
    assert read_lines_csv(tmp_path / "missing.csv") is None


def test_writer_matches_csv_bytes(tmp_path: Path) -> None:
    v = np.array([0.0, -0.0, -1e-9, 1.5, -2.25, 5e-7, -5e-7, 1234567.1234565, np.nan, np.inf, -np.inf,
                  3e12, 2.675e-6, 99999999.9999995])
    text = ["=a", "b,c", 'd"e', "-1", "@x", "\tq", "plain", "a\nb", "", "x\ry", "+", "é,", "z", "y"]
    frame = pd.DataFrame({"x": v, "t": pd.Series(text, dtype="str"),
                          "c": pd.Categorical((["a,b", "=x", None, "q"] * 4)[: len(v)])})
    assert tags_csv_bytes(frame) == csv_bytes(frame, sort=False)
    path = tmp_path / "lines.csv"
    path.write_text(CSV, encoding="utf-8")
    res = tag(read_lines(path), RuleSet.load("builtin:uk"))
    assert tags_csv_bytes(res.tags) == csv_bytes(res.tags, sort=False)
    assert tags_csv_bytes(res.untagged) == csv_bytes(res.untagged, sort=False)
    assert tags_csv_bytes(res.tags.iloc[:0]) is None  # the caller uses csv_bytes
    assert tags_csv_bytes(pd.DataFrame({"n": [1, 2]})) is None  # integers: not handled
    assert fastio.FLOAT_DECIMALS == FLOAT_DECIMALS
