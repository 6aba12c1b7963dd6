"""HM Treasury CRA 2018 database: reconciliation to the published £736.0bn (2017-18)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from missionfinance.io import LINES_COLUMNS, detect_format, read_cra, read_lines

CRA_GZ = Path(__file__).resolve().parents[2] / "scenarios/data/real/cra_2018_database.csv.gz"

YEARS = ["2013-14", "2014-15", "2015-16", "2016-17", "2017-18"]


def test_total_2017_18_reconciles(cra_lines):
    total_bn = cra_lines.loc[cra_lines["year"] == "2017-18", "amount"].sum() / 1000
    assert total_bn == pytest.approx(736.0, abs=0.05)


def test_one_line_per_row_and_year(cra_lines):
    assert len(cra_lines) == 21135 * 5
    assert sorted(cra_lines["year"].unique()) == YEARS
    assert cra_lines["line_id"].is_unique
    assert tuple(cra_lines.columns) == LINES_COLUMNS
    assert (cra_lines["source"] == "cra").all()
    assert (cra_lines["budget_type"] == "").all()


def test_negative_amounts_are_kept(cra_lines):
    negative = cra_lines[cra_lines["amount"] < 0]
    assert len(negative) > 0
    assert negative["line_id"].str.replace(r"-\d{4}-\d{2}$", "", regex=True).nunique() >= 400


def test_first_row_in_pounds_million(cra_lines):
    row = cra_lines.iloc[0]
    assert row["line_id"] == "CRA-AFS902-S902A001-UK-TES_CUR-ID-CG-SUB100202-TLM-2013-14"
    assert row["amount"] == pytest.approx(166.556)
    assert row["department"] == "Armed Forces Pension and Compensation Schemes"
    assert row["programme"] == "S902A001-AFPS RETIRED PAY AND PENSIONS"
    assert row["description"] == "AFPS RETIRED PAY AND PENSIONS"  # HMT function labels are not evidence
    assert row["cofog"] == "10.2"
    assert row["region"] == "Scotland"


def test_cofog_codes_have_two_digit_divisions(cra_lines):
    codes = set(cra_lines["cofog"].unique())
    assert {"04.3", "10.2", "07.A", "07.B", "07.C"} <= codes
    assert all(c == "" or c[:2].isdigit() and c[2] == "." for c in codes)
    # EU transactions are not COFOG codes
    eu = cra_lines["description"].str.contains("EU transactions", regex=False)
    assert (cra_lines.loc[eu, "cofog"] == "").all()


def test_regions_are_itl1_names(cra_lines):
    assert set(cra_lines["region"].unique()) == {
        "North East", "North West", "Yorkshire and The Humber", "East Midlands",
        "West Midlands", "East of England", "London", "South East", "South West", "Wales",
        "Scotland", "Northern Ireland", "Outside UK", "Non-regional",
    }


def test_detected_and_read_from_plain_csv_and_xlsx(tmp_path):
    sample = pd.read_csv(CRA_GZ, dtype=str, nrows=40)
    csv = tmp_path / "cra.csv"
    sample.to_csv(csv, index=False)
    xlsx = tmp_path / "cra.xlsx"
    with pd.ExcelWriter(xlsx) as writer:
        pd.DataFrame({"Field": ["Department Name"]}).to_excel(
            writer, sheet_name="Metadata", index=False
        )
        # the published workbook holds numbers, not text, in the year columns
        numeric = sample.assign(**{y: sample[y].astype(float) for y in YEARS})
        numeric.to_excel(writer, sheet_name="CRA 2018 database", index=False)
    assert detect_format(CRA_GZ) == detect_format(csv) == detect_format(xlsx) == "cra"
    from_csv = read_lines(csv)
    from_xlsx = read_lines(xlsx)
    assert len(from_csv) == 200
    pd.testing.assert_frame_equal(from_csv, from_xlsx)


def test_keep_source_columns(tmp_path):
    sample = pd.read_csv(CRA_GZ, dtype=str, nrows=3)
    csv = tmp_path / "cra.csv"
    sample.to_csv(csv, index=False)
    out = read_cra(csv, keep_source_columns=True)
    assert tuple(out.columns[: len(LINES_COLUMNS)]) == LINES_COLUMNS
    assert list(out["capital_current"].unique()) == ["CUR"]
    assert {"organisation", "sector", "identifiable"} <= set(out.columns)
