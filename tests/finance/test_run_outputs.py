"""A run writes cashflows.csv, fiscal.csv and economic_cost consistent with its allocation."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from missionfinance.cashflows import KINDS
from missionfinance.errors import MissionFinanceError
from missionfinance.fiscal import MEASURES
from missionfinance.scenario import Scenario


@pytest.fixture
def outputs(small_scenario: Path, tmp_path: Path) -> Path:
    text = small_scenario.read_text(encoding="utf-8").replace(
        'expected_loss_to = "RDEL"\n[instruments.equity]',
        'expected_loss_to = "RDEL"\ntenor = 4\ngrace = 1\ninterest_rate = 0.05\n[instruments.equity]', 1)
    small_scenario.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    Scenario.load(small_scenario).run().write(out)
    return out


def test_cashflows_and_fiscal_files(outputs: Path) -> None:
    alloc = pd.read_csv(outputs / "allocation.csv")
    flows = pd.read_csv(outputs / "cashflows.csv")
    fiscal = pd.read_csv(outputs / "fiscal.csv")
    assert list(flows.columns) == ["project_id", "instrument", "year", "kind", "amount"]
    assert set(flows["kind"]) <= set(KINDS)
    # Every £ of grant, loan and equity committed appears once as a commitment.
    cash = alloc.loc[alloc["instrument"] != "guarantee"]
    out = flows.loc[flows["kind"] == "commitment"]
    assert -out["amount"].sum() == pytest.approx(cash["public"].sum(), abs=1e-4)
    # A 4-year loan committed in 2027-28 at the latest is repaid by 2031-32, in full.
    loans = flows.loc[flows["instrument"] == "loan"]
    if len(loans):
        assert loans["year"].max() <= "2031-32"
        lent = alloc.loc[alloc["instrument"] == "loan", "public"].sum()
        assert loans.loc[loans["kind"] == "principal", "amount"].sum() == pytest.approx(lent, abs=1e-4)
    assert list(fiscal.columns) == ["year", "measure", "instrument", "value"]
    assert set(fiscal["measure"]) == set(MEASURES)
    # PSND at the end equals minus all net cash to date.
    last = fiscal["year"].max()
    psnd = fiscal.loc[(fiscal["year"] == last) & (fiscal["measure"] == "psnd"), "value"].sum()
    assert psnd == pytest.approx(-flows["amount"].sum(), abs=1e-4)
    summary = json.loads((outputs / "summary.json").read_text())
    assert isinstance(summary["economic_cost"], float)
    html = (outputs / "report.html").read_text(encoding="utf-8")
    assert "Fiscal impact" in html and "Cash-flow terms and fiscal treatments" in html


def test_bad_override_column_is_one_line_error(small_scenario: Path) -> None:
    pipeline = small_scenario.parent / "pipeline.csv"
    frame = pd.read_csv(pipeline, dtype=str, keep_default_na=False)
    frame["loan_tenor"] = ["ten", "", ""]
    frame.to_csv(pipeline, index=False)
    with pytest.raises(MissionFinanceError, match="loan_tenor"):
        Scenario.load(small_scenario).read_pipeline()


def test_discount_rate_key(small_scenario: Path) -> None:
    text = small_scenario.read_text(encoding="utf-8")
    small_scenario.write_text(text.replace('attribution = "net"', 'attribution = "net"\ndiscount_rate = 3.5'))
    with pytest.raises(MissionFinanceError, match="scenario.discount_rate: 3.5"):
        Scenario.load(small_scenario)


@pytest.mark.parametrize(("table", "message"), [
    ('[fiscal.psnfl]\n"2031-32" = 10.0\n', "fiscal.psnfl.2031-32: year '2031-32' is outside the horizon"),
    ('[fiscal.pnsfl]\n"2026-27" = 10.0\n', "fiscal.pnsfl: unknown key; allowed current_deficit, psnb, psnd, psnfl"),
    ('[fiscal.psnb]\n"2026-27" = "ten"\n', "fiscal.psnb.2026-27: 'ten'"),
    ('[recycling]\ncontrol = "CDL"\n', "recycling.control: 'CDL' has no budget table; name one of CDEL, FT, RDEL"),
    ('[recycling]\ncontrl = "FT"\n', "recycling.contrl: unknown key"),
])
def test_fiscal_and_recycling_keys_are_read_strictly(small_scenario: Path, table: str,
                                                     message: str) -> None:
    small_scenario.write_text(small_scenario.read_text(encoding="utf-8") + table, encoding="utf-8")
    with pytest.raises(MissionFinanceError, match=message.replace("(", r"\(")):
        Scenario.load(small_scenario)


def test_fiscal_cap_binds_in_a_run(small_scenario: Path) -> None:
    text = small_scenario.read_text(encoding="utf-8") + '[fiscal.psnb]\n"2026-27" = 5.0\n'
    small_scenario.write_text(text, encoding="utf-8")
    run = Scenario.load(small_scenario).run()
    rows = run.allocation.constraints.set_index("name")
    assert rows.loc["fiscal[psnb,2026-27]", "lhs"] <= 5.0 + 1e-6
    grants = run.allocation.allocation
    grants = grants.loc[(grants["instrument"] == "grant") & (grants["year"] == "2026-27")]
    assert grants["public"].sum() <= 5.0 + 1e-6  # a capital grant scores in full in PSNB


def test_out_of_range_override_fails_before_solving(small_scenario: Path) -> None:
    pipeline = small_scenario.parent / "pipeline.csv"
    frame = pd.read_csv(pipeline, dtype=str, keep_default_na=False)
    frame["loan_grace"] = ["12", "", ""]  # the scenario's loan tenor is 10 years
    frame.to_csv(pipeline, index=False)
    with pytest.raises(MissionFinanceError,
                       match=r"^pipeline.csv project 'P1' column loan_grace: 12.0 is out of range"):
        Scenario.load(small_scenario).read_pipeline()


def test_report_shows_fiscal_caps(small_scenario: Path, tmp_path: Path) -> None:
    text = small_scenario.read_text(encoding="utf-8") + '[fiscal.psnb]\n"2026-27" = 5.0\n'
    small_scenario.write_text(text, encoding="utf-8")
    out = Scenario.load(small_scenario).run().write(tmp_path / "capped")
    sheet = pd.read_excel(out / "report.xlsx", sheet_name="Fiscal impact")
    row = sheet.loc[sheet["year"] == "2026-27"].iloc[0]
    assert row["psnb limit (£m)"] == 5.0
    assert row["psnb (£m)"] <= 5.0 + 1e-6
