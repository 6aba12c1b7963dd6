"""Canonical lines tables (CSV, XLSX, Parquet), column_map and format detection."""

from __future__ import annotations

import gzip

import pandas as pd
import pytest

from missionfinance.errors import MissionFinanceError
from missionfinance.io import LINES_COLUMNS, detect_format, read_canonical, read_lines

CSV = """\
line_id,source,department,programme,description,amount,year,budget_type,cofog,cpv,region
SR-1,spending_review,DESNZ,Offshore wind,Offshore wind grid connection,120.5,2026-27,CDEL,04.3,09310000,Scotland
SR-2,spending_review,DHSC,Diagnostics,Diagnostic centres,-3,2026-27,RDEL,07.3,,
"""


@pytest.fixture
def lines_csv(tmp_path):
    path = tmp_path / "lines.csv"
    path.write_text(CSV, encoding="utf-8")
    return path


def test_csv_keeps_leading_zeros(lines_csv):
    lines = read_lines(lines_csv)
    assert tuple(lines.columns) == LINES_COLUMNS
    assert lines["cofog"].tolist() == ["04.3", "07.3"]
    assert lines["cpv"].tolist() == ["09310000", ""]
    assert lines["amount"].tolist() == [120.5, -3.0]
    assert lines["amount"].dtype == "float64"
    assert lines["supplier"].tolist() == ["", ""]  # absent optional column → ""
    assert not lines.isna().any().any()


def test_gzip_xlsx_and_parquet_give_the_same_frame(lines_csv, tmp_path):
    expected = read_lines(lines_csv)
    gz = tmp_path / "lines.csv.gz"
    gz.write_bytes(gzip.compress(lines_csv.read_bytes()))
    text = pd.read_csv(lines_csv, dtype=str, keep_default_na=False)
    xlsx = tmp_path / "lines.xlsx"
    text.assign(amount=text["amount"].astype(float)).to_excel(xlsx, index=False)
    parquet = tmp_path / "lines.parquet"
    text.assign(amount=text["amount"].astype(float)).to_parquet(parquet)
    for path in (gz, xlsx, parquet):
        assert detect_format(path) == "canonical"
        pd.testing.assert_frame_equal(read_lines(path), expected)


def test_column_map_renames_at_the_boundary(tmp_path):
    path = tmp_path / "own.csv"
    path.write_text("Ref,Kind,Dept,Text,GBPm\nA1,procurement,MoJ,Prison places,12\n",
                    encoding="utf-8")
    mapping = {"Ref": "line_id", "Kind": "source", "Dept": "department", "Text": "description",
               "GBPm": "amount"}
    before = dict(mapping)
    lines = read_lines(path, column_map=mapping)
    assert mapping == before
    assert lines.loc[0, "line_id"] == "A1" and lines.loc[0, "amount"] == 12.0
    assert detect_format(path, column_map=mapping) == "canonical"
    assert read_canonical(path, column_map=mapping).equals(lines)


def test_unknown_format_says_pass_format(tmp_path):
    path = tmp_path / "mystery.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(MissionFinanceError, match=r"^mystery.csv: format not recognised .*pass --format"):
        read_lines(path)


def test_format_can_be_forced(lines_csv):
    assert read_lines(lines_csv, format="canonical").shape == (2, 12)
    with pytest.raises(MissionFinanceError, match="unknown format 'sr26'"):
        read_lines(lines_csv, format="sr26")
    with pytest.raises(MissionFinanceError, match="CRA column 'Department Name' is missing"):
        read_lines(lines_csv, format="cra")
