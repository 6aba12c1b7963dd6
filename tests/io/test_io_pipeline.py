"""Project pipeline: defaults, clipping to the horizon, leverage columns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from missionfinance.errors import MissionFinanceError
from missionfinance.io import read_pipeline

HEADER = ("project_id,name,description,capacity,private_capacity,instruments,"
          "leverage_grant,leverage_loan,pd,lgd,additionality,start_year,end_year\n")
ROWS = ("P1,Wind port,Offshore wind quayside,100,,Loan; GRANT,0.5,3,0.05,,,2025-26,2030-31\n"
        "P2,Clinic,Diagnostic centre,50,20,grant,0.4,,0,0.5,0.8,,2027-28\n")
HORIZON = ["2026-27", "2027-28", "2028-29"]


@pytest.fixture
def pipeline_csv(tmp_path):
    path = tmp_path / "pipeline.csv"
    path.write_text(HEADER + ROWS, encoding="utf-8")
    return path


def test_defaults_and_clipping(pipeline_csv):
    p = read_pipeline(pipeline_csv, years=HORIZON).set_index("project_id")
    assert p.loc["P1", "instruments"] == "grant;loan"
    assert p.loc["P1", "lgd"] == 0.45 and p.loc["P1", "additionality"] == 1.0
    assert np.isnan(p.loc["P1", "private_capacity"])  # empty = unlimited
    assert (p.loc["P1", "start_year"], p.loc["P1", "end_year"]) == ("2026-27", "2028-29")
    assert (p.loc["P2", "start_year"], p.loc["P2", "end_year"]) == ("2026-27", "2027-28")
    assert np.isnan(p.loc["P2", "leverage_loan"])  # not eligible → NaN
    assert p.loc["P2", "leverage_grant"] == 0.4
    assert p.loc["P2", "lgd"] == 0.5 and p.loc["P2", "additionality"] == 0.8


def test_column_order_and_types(pipeline_csv):
    p = read_pipeline(pipeline_csv)
    assert list(p.columns) == [
        "project_id", "name", "description", "department", "region", "cofog", "cpv",
        "capacity", "private_capacity", "instruments", "leverage_grant", "leverage_loan",
        "pd", "lgd", "additionality", "start_year", "end_year",
    ]
    for col in ("capacity", "private_capacity", "leverage_grant", "pd", "lgd"):
        assert p[col].dtype == "float64"
    assert p["department"].tolist() == ["", ""]
    # without a horizon the window is kept as given, "" when empty
    assert p["start_year"].tolist() == ["2025-26", ""]


def test_optional_columns_absent(tmp_path):
    path = tmp_path / "min.csv"
    path.write_text("project_id,capacity,instruments,leverage_grant,pd\nX,10,grant,0,0\n",
                    encoding="utf-8")
    p = read_pipeline(path, years=["2026-27"])
    row = p.iloc[0]
    assert row["lgd"] == 0.45 and row["additionality"] == 1.0
    assert np.isnan(row["private_capacity"])
    assert (row["start_year"], row["end_year"]) == ("2026-27", "2026-27")


def test_scenario_instruments_and_xlsx(pipeline_csv, tmp_path):
    text = pd.read_csv(pipeline_csv, dtype=str, keep_default_na=False)
    xlsx = tmp_path / "pipeline.xlsx"
    text.to_excel(xlsx, index=False)
    pd.testing.assert_frame_equal(read_pipeline(xlsx), read_pipeline(pipeline_csv))
    p = read_pipeline(pipeline_csv, instruments=["grant", "loan", "bond"])
    assert len(p) == 2


def test_leverage_column_of_unused_instrument_is_nan(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("project_id,capacity,instruments,leverage_grant,leverage_equity,pd\n"
                    "X,10,grant,0.2,,0\n", encoding="utf-8")
    p = read_pipeline(path)
    assert p["leverage_equity"].isna().all()
    assert p["instruments"].tolist() == ["grant"]


def test_pd_needed_only_for_instruments_that_can_default(tmp_path):
    """DESIGN §3.2: pd is for loans, guarantees and equity; grant-only projects need none."""
    from missionfinance.instruments import DEFAULT_INSTRUMENTS, Instrument

    path = tmp_path / "pipeline.csv"
    path.write_text("project_id,capacity,instruments,leverage_grant,leverage_capital_grant,leverage_bond,pd\n"
                    "P1,10,grant,0,,,\nP2,10,capital_grant,,0,,\nP3,10,bond,,,1,0.1\n", encoding="utf-8")
    names = ("grant", "capital_grant", "bond")
    with pytest.raises(MissionFinanceError, match=r"pipeline.csv row 2, column pd: is empty but the "
                                                  r"project is eligible for 'capital_grant'"):
        read_pipeline(path, instruments=names)  # by name alone, a scenario's own instrument may default
    kinds = {**DEFAULT_INSTRUMENTS,
             "capital_grant": Instrument(name="capital_grant", budget_score={"CDEL": 1.0}, kind="grant"),
             "bond": Instrument(name="bond", budget_score={"FT": 1.0}, expected_loss_to="RDEL")}
    frame = read_pipeline(path, instruments=kinds)
    assert frame["pd"].tolist() == [0.0, 0.0, 0.1]
    path.write_text(path.read_text(encoding="utf-8").replace(",0.1\n", ",\n"), encoding="utf-8")
    with pytest.raises(MissionFinanceError, match=r"row 3, column pd: is empty but the project is "
                                                  r"eligible for 'bond'; write the probability of default"):
        read_pipeline(path, instruments=kinds)
