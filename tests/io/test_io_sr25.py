"""Spending Review 2025 DEL tables: department rows reconcile to the published totals."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from missionfinance.errors import MissionFinanceError
from missionfinance.io import LINES_COLUMNS, detect_format, read_lines, read_sr25

REAL = Path(__file__).resolve().parents[2] / "scenarios" / "data" / "real"
RDEL = REAL / "sr25_table_5_3_rdel_excl_depreciation.csv"
CDEL = REAL / "sr25_table_5_4_cdel.csv"
TOTALS = {RDEL: "total-resource-del-excluding-depreciation", CDEL: "total-capital-del"}


@pytest.mark.parametrize(("path", "kind"), [(RDEL, "RDEL"), (CDEL, "CDEL")])
def test_department_rows_sum_to_published_total_every_year(path, kind):
    lines = read_sr25(path)
    table = pd.read_csv(path, dtype=str).set_index("row_id")
    years = [c for c in table.columns if c[:2] == "20" and len(c) == 7]
    by_year = lines.groupby("year")["amount"].sum()
    assert sorted(by_year.index) == years
    for year in years:
        assert by_year[year] == pytest.approx(float(table.loc[TOTALS[path], year]), abs=0.5)
    assert (lines["budget_type"] == kind).all()
    assert (lines["source"] == "spending_review").all()
    assert tuple(lines.columns) == LINES_COLUMNS
    assert lines["line_id"].is_unique


@pytest.mark.parametrize("path", [RDEL, CDEL])
def test_memo_and_total_rows_are_not_lines(path):
    lines = read_sr25(path)
    table = pd.read_csv(path, dtype=str)
    memo_ids = set(table.loc[table["memo"] == "true", "row_id"])
    row_ids = set(lines["line_id"].str.extract(r"^SR25-[RC]DEL-(.*)-\d{4}-\d{2}$")[0])
    assert memo_ids and not memo_ids & row_ids
    assert not {r for r in row_ids if r.startswith(("total-", "remove-", "capital-del-excl"))}
    assert "of which" not in " ".join(lines["description"]).lower()


def test_cdel_lines_and_department_names():
    lines = read_lines(CDEL)
    hs2 = lines[lines["line_id"] == "SR25-CDEL-transport-high-speed-2-2026-27"].iloc[0]
    assert hs2["amount"] == 7100.0
    assert hs2["department"] == "Transport"
    assert hs2["programme"] == "Transport - High Speed 2"
    assert hs2["year"] == "2026-27"
    # an empty cell is no published figure: no line (Growth Mission Fund starts in 2026-27)
    gmf = lines[lines["line_id"].str.startswith("SR25-CDEL-growth-mission-fund-")]
    assert sorted(gmf["year"]) == ["2026-27", "2027-28", "2028-29", "2029-30"]


def test_detection_and_kind_from_total_row():
    assert detect_format(RDEL) == detect_format(CDEL) == "sr25"
    assert set(read_lines(RDEL)["budget_type"]) == {"RDEL"}
    forced = read_sr25(RDEL, kind="CDEL")
    assert set(forced["budget_type"]) == {"CDEL"}


def test_tampered_department_row_fails_reconciliation(tmp_path):
    text = RDEL.read_text(encoding="utf-8").replace(
        "justice,Justice,false,10440,", "justice,Justice,false,10940,"
    )
    bad = tmp_path / "rdel.csv"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(MissionFinanceError) as err:
        read_sr25(bad)
    msg = str(err.value)
    assert "\n" not in msg
    assert msg.startswith("rdel.csv row 31, column 2023-24: department rows sum to 452664.000")
    assert "gap +500.000" in msg


def test_memo_row_marked_false_fails_reconciliation(tmp_path):
    text = RDEL.read_text(encoding="utf-8").replace(
        "of which: NHS England,true", "of which: NHS England,false"
    )
    bad = tmp_path / "rdel.csv"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(MissionFinanceError, match="mark 'of which' rows memo=true"):
        read_sr25(bad)
