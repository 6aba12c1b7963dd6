"""Hand-checked cash flows, fiscal effects and economic cost of one commitment each.

Every expected figure is worked out in the comments; money in £m, years financial
years, discounting at the Green Book 3.5% to the year of commitment (2026-27).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from missionfinance.cashflows import Terms, economic_cost, schedule
from missionfinance.errors import MissionFinanceError
from missionfinance.fiscal import fiscal_effects, fiscal_table
from missionfinance.instruments import instrument_from_config

YEARS = ["2026-27"]  # a one-year horizon: the pipeline pd is then the annual pd
FY = ["2026-27", "2027-28", "2028-29", "2029-30", "2030-31", "2031-32", "2032-33", "2033-34"]
D = 1.035


def run(instrument: str, terms: Terms, amount: float, pd_: float = 0.0, lgd: float = 0.45):
    commitments = pd.DataFrame({"project_id": ["P"], "instrument": [instrument],
                                "year": ["2026-27"], "amount": [amount]})
    pipeline = pd.DataFrame({"project_id": ["P"], "pd": [pd_], "lgd": [lgd]})
    cf = schedule(commitments, {instrument: terms}, YEARS, pipeline)
    return cf, fiscal_effects(cf)


def flows_by(cf, kind: str) -> dict[str, float]:
    sub = cf.flows.loc[cf.flows["kind"] == kind]
    return dict(zip(sub["year"], sub["amount"], strict=True))


def measure(fiscal: pd.DataFrame, name: str) -> list[float]:
    return fiscal_table(fiscal, name)["total"].tolist()


def test_loan_100m_5_years_2_grace_4pc_annuity():
    cf, fiscal = run("loan", Terms("loan", tenor=5, grace=2, interest_rate=0.04,
                                   amortisation="annuity"), 100.0)
    # Years 1-2 interest only: 4% × 100 = 4.0. Years 3-5 annuity over 3 years:
    # A = 100 × 0.04 / (1 − 1.04⁻³) = 4 / (1 − 0.888996359) = 36.034854
    # year 3: interest 4.000000, principal 32.034854, balance 67.965146
    # year 4: interest 0.04 × 67.965146 = 2.718606, principal 33.316248, balance 34.648898
    # year 5: interest 0.04 × 34.648898 = 1.385956, principal 34.648898, balance 0
    assert flows_by(cf, "commitment") == {"2026-27": -100.0}
    assert flows_by(cf, "interest") == pytest.approx(
        {"2027-28": 4.0, "2028-29": 4.0, "2029-30": 4.0, "2030-31": 2.718606,
         "2031-32": 1.385956}, abs=1e-6)
    assert flows_by(cf, "principal") == pytest.approx(
        {"2029-30": 32.034854, "2030-31": 33.316248, "2031-32": 34.648898}, abs=1e-6)
    assert set(cf.flows["kind"]) == {"commitment", "interest", "principal"}  # pd = 0: no loss
    # Fiscal: a financial transaction. PSNB and the current deficit fall by the interest;
    # PSND rises by the 100 lent and falls with every £ back (stock, year end):
    # 100, 96, 92, 92 − 36.034854 = 55.965146, 19.930292, −16.104562;
    # PSNFL nets the loan: 0 at issue, then minus cumulative interest:
    # 0, −4, −8, −12, −14.718606, −16.104562.
    assert measure(fiscal, "psnb") == pytest.approx([0, -4, -4, -4, -2.718606, -1.385956], abs=1e-6)
    assert measure(fiscal, "current_deficit") == measure(fiscal, "psnb")
    assert measure(fiscal, "psnd") == pytest.approx(
        [100, 96, 92, 55.965146, 19.930292, -16.104562], abs=1e-6)
    assert measure(fiscal, "psnfl") == pytest.approx(
        [0, -4, -8, -12, -14.718606, -16.104562], abs=1e-6)
    # Economic cost = 100 − 4/1.035 − 4/1.035² − 36.034854 × (1.035⁻³ + 1.035⁻⁴ + 1.035⁻⁵)
    #              = 100 − 3.864734 − 3.734043 − 36.034854 × (0.901943 + 0.871442 + 0.841973)
    #              = 100 − 7.598777 − 94.244047 = −1.842824 (a 4% loan at 3.5% gains)
    assert economic_cost(cf)["loan"] == pytest.approx(-1.842824, abs=1e-6)


def test_loan_losses_are_phased_over_the_life():
    cf, fiscal = run("loan", Terms("loan", tenor=5, grace=2, interest_rate=0.04), 100.0,
                     pd_=0.02, lgd=0.5)
    # Year 1: 2% of the 100 outstanding defaults: principal 2.0 leaves the book, of which
    # lgd 50% = 1.0 is lost; the 98 surviving pay 4% = 3.92.
    assert flows_by(cf, "principal")["2027-28"] == pytest.approx(2.0)
    assert flows_by(cf, "loss")["2027-28"] == pytest.approx(-1.0)
    assert flows_by(cf, "interest")["2027-28"] == pytest.approx(3.92)
    # Year 2: 2% of the 98 surviving: principal 1.96, loss −0.98, interest 0.98² × 4 = 3.8416.
    assert flows_by(cf, "loss")["2028-29"] == pytest.approx(-0.98)
    assert flows_by(cf, "interest")["2028-29"] == pytest.approx(3.8416)
    # Every £ of principal leaves the book once (repaid or defaulted): Σ principal = 100.
    assert sum(flows_by(cf, "principal").values()) == pytest.approx(100.0)
    # PSND at end of year 1: 100 − (2 + 3.92 − 1) = 95.08. PSNFL: the 2 defaulted leave the
    # asset; the 1 lost and the 3.92 interest move PSNFL: 1 − 3.92 = −2.92. PSNB: −3.92 only
    # (a write-off is not a transaction).
    assert measure(fiscal, "psnd")[1] == pytest.approx(95.08)
    assert measure(fiscal, "psnfl")[1] == pytest.approx(-2.92)
    assert measure(fiscal, "psnb")[1] == pytest.approx(-3.92)


def test_equity_50m_7_year_hold_1_5x():
    cf, fiscal = run("equity", Terms("equity", hold=7, exit_multiple=1.5, dividend_yield=0.0), 50.0)
    # −50 in 2026-27; exit 1.5 × 50 = 75 in 2033-34 (7 years later); no dividends.
    assert cf.flows[["year", "kind", "amount"]].values.tolist() == [
        ["2026-27", "commitment", -50.0], ["2033-34", "exit", 75.0]]
    # Financial transaction: no PSNB or current-budget effect at all (the 25 gain is a
    # holding gain); PSND +50 until the exit, then −25; PSNFL 0 while the stake is held
    # (netted at book value), then −25 when the gain is realised.
    assert measure(fiscal, "psnb") == [0.0] * 8
    assert measure(fiscal, "current_deficit") == [0.0] * 8
    assert measure(fiscal, "psnd") == pytest.approx([50.0] * 7 + [-25.0])
    assert measure(fiscal, "psnfl") == pytest.approx([0.0] * 7 + [-25.0])
    # Economic cost = 50 − 75 / 1.035⁷ = 50 − 75 / 1.272279 = 50 − 58.949322 = −8.949322
    assert economic_cost(cf)["equity"] == pytest.approx(-8.949322, abs=1e-6)


def test_guarantee_200m_1pc_fee_3pc_pd():
    cf, fiscal = run("guarantee", Terms("guarantee", tenor=5, fee_rate=0.01), 200.0,
                     pd_=0.03, lgd=0.45)
    # No cash at issue. Exposure surviving at the start of year k: 200 × 0.97^(k−1)
    # = 200, 194, 188.18, 182.5346, 177.058562.
    # Fee 1% of it: 2, 1.94, 1.8818, 1.825346, 1.770586.
    # Expected call 3% × 45% of it = 1.35%: 2.7, 2.619, 2.54043, 2.464217, 2.390291.
    assert "commitment" not in set(cf.flows["kind"])
    assert flows_by(cf, "fee") == pytest.approx(dict(zip(FY[1:6], [
        2.0, 1.94, 1.8818, 1.825346, 1.770586], strict=True)), abs=1e-6)
    assert flows_by(cf, "call") == pytest.approx(dict(zip(FY[1:6], [
        -2.7, -2.619, -2.54043, -2.464217, -2.390291], strict=True)), abs=1e-6)
    # PSNB: calls are capital transfers (+), fees current receipts (−): net 0.35% of the
    # exposure = 0.7, 0.679, 0.65863, 0.638871, 0.619705; the current deficit sees only
    # the fees (−2, −1.94, …); PSND = PSNFL = cumulative PSNB:
    # 0.7, 1.379, 2.03763, 2.676501, 3.296206. Nothing in the year of issue.
    assert measure(fiscal, "psnb") == pytest.approx(
        [0.0, 0.7, 0.679, 0.65863, 0.638871, 0.619705], abs=1e-6)
    assert measure(fiscal, "current_deficit") == pytest.approx(
        [0.0, -2.0, -1.94, -1.8818, -1.825346, -1.770586], abs=1e-6)
    assert measure(fiscal, "psnd") == pytest.approx(
        [0.0, 0.7, 1.379, 2.03763, 2.676501, 3.296206], abs=1e-6)
    assert measure(fiscal, "psnfl") == measure(fiscal, "psnd")
    # Economic cost = Σ 0.7 × 0.97^(k−1) / 1.035^k
    #  = 0.676329 + 0.633854 + 0.594047 + 0.556739 + 0.521775 = 2.982743
    assert economic_cost(cf)["guarantee"] == pytest.approx(2.982743, abs=1e-6)


def test_grant_scores_in_psnb_and_both_debt_measures():
    cf, fiscal = run("grant", Terms("grant"), 10.0)
    assert measure(fiscal, "psnb") == [10.0]
    assert measure(fiscal, "current_deficit") == [0.0]  # a capital grant
    assert measure(fiscal, "psnd") == [10.0]
    assert measure(fiscal, "psnfl") == [10.0]
    assert economic_cost(cf)["grant"] == 10.0


def test_straight_and_bullet_amortisation_and_flat_rate():
    straight, _ = run("loan", Terms("loan", tenor=4, grace=0, interest_rate=0.05,
                                    amortisation="straight"), 100.0)
    # 25 a year; interest 5% of 100, 75, 50, 25.
    assert list(flows_by(straight, "principal").values()) == pytest.approx([25.0] * 4)
    assert list(flows_by(straight, "interest").values()) == pytest.approx([5.0, 3.75, 2.5, 1.25])
    bullet, _ = run("loan", Terms("loan", tenor=3, grace=0, interest_rate=0.05,
                                  amortisation="bullet"), 100.0)
    assert flows_by(bullet, "principal") == pytest.approx({"2029-30": 100.0})
    # At a flat 5% a 5% bullet loan costs nothing: 100 − 5/1.05 − 5/1.05² − 105/1.05³ = 0.
    assert economic_cost(bullet, rate=0.05)["loan"] == pytest.approx(0.0, abs=1e-9)


def test_per_project_overrides_and_errors():
    commitments = pd.DataFrame({"project_id": ["A", "B"], "instrument": ["loan", "loan"],
                                "year": ["2026-27", "2026-27"], "amount": [10.0, 10.0]})
    pipeline = pd.DataFrame({"project_id": ["A", "B"], "pd": [0.0, 0.0], "lgd": [0.45, 0.45],
                             "loan_tenor": [np.nan, 3.0], "loan_grace": [np.nan, 0.0]})
    cf = schedule(commitments, {"loan": Terms("loan", tenor=10, grace=2)}, YEARS, pipeline)
    last = cf.flows.groupby("project_id")["year"].max()
    assert last.to_dict() == {"A": "2036-37", "B": "2029-30"}
    pipeline.loc[1, "loan_grace"] = 3.0
    with pytest.raises(MissionFinanceError, match="project 'B' column loan_grace"):
        schedule(commitments, {"loan": Terms("loan")}, YEARS, pipeline)


def test_scenario_terms_are_read_strictly():
    inst = instrument_from_config("loan", {"tenor": 5, "grace": 2, "interest_rate": 0.04}, "s.toml")
    assert inst.terms == Terms("loan", tenor=5, grace=2, interest_rate=0.04)
    with pytest.raises(MissionFinanceError, match=r"instruments.loan.interest_rate: 4"):
        instrument_from_config("loan", {"interest_rate": 4}, "s.toml")
    with pytest.raises(MissionFinanceError, match=r"instruments.loan.amortisation: 'linear'"):
        instrument_from_config("loan", {"amortisation": "linear"}, "s.toml")
    with pytest.raises(MissionFinanceError, match=r"instruments.equity.hold: 2.5"):
        instrument_from_config("equity", {"hold": 2.5}, "s.toml")


def test_cost_by_project_splits_out_back_and_downside():
    from missionfinance.fiscal import cost_by_project

    cf, _ = run("guarantee", Terms("guarantee", tenor=5, fee_rate=0.01), 200.0, pd_=0.03, lgd=0.45)
    row = cost_by_project(cf).iloc[0]
    # Fees 2 + 1.94 + 1.8818 + 1.825346 + 1.770586 = 9.417732 back;
    # calls 2.7 + 2.619 + 2.54043 + 2.464217 + 2.390291 = 12.713938 borne.
    assert row["money_out"] == 0.0
    assert row["money_back"] == pytest.approx(9.417732, abs=1e-6)
    assert row["expected_losses"] == pytest.approx(12.713938, abs=1e-6)
    assert row["net"] == pytest.approx(9.417732 - 12.713938, abs=1e-6)
    assert row["economic_cost"] == pytest.approx(2.982743, abs=1e-6)
