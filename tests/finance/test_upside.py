"""Hand-checked public share of upside: profit share, clawback and their validation.

Definition (docs/model.md, "Risk and reward sharing"): per £1m of public cash committed,
``upside_expected`` is the project's expected profit (or revenue) a year [£m per £m];
the public receives ``upside_share`` of it as ``dividend`` in each of ``upside_years``
years from age ``upside_year``, and a clawback of ``clawback_share × max(0,
upside_expected × upside_years − clawback_threshold)`` (at most the £1m) as ``exit`` at
the last of those ages. Money in £m; Green Book 3.5% to the year of commitment 2026-27.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from missionfinance.cashflows import Terms, commitment_cost, economic_cost, schedule
from missionfinance.errors import MissionFinanceError
from missionfinance.fiscal import cost_by_project, fiscal_effects, fiscal_table
from missionfinance.io.pipeline import read_pipeline

FY = ["2026-27", "2027-28", "2028-29", "2029-30", "2030-31", "2031-32"]


def run(instrument: str, terms: Terms, amount: float, **upside: float):
    commitments = pd.DataFrame({"project_id": ["P"], "instrument": [instrument],
                                "year": ["2026-27"], "amount": [amount]})
    pipeline = pd.DataFrame({"project_id": ["P"], "pd": [0.0], "lgd": [0.45],
                             **{k: [v] for k, v in upside.items()}})
    return schedule(commitments, {instrument: terms}, ["2026-27"], pipeline), pipeline


def flows_by(cf, kind: str) -> dict[str, float]:
    sub = cf.flows.loc[cf.flows["kind"] == kind]
    return dict(zip(sub["year"], sub["amount"], strict=True))


def test_grant_100m_with_20pc_profit_share_of_10m_a_year_for_5_years():
    # Profit £10m a year on £100m of public cash: upside_expected = 10 / 100 = 0.1 £m a
    # year per £m. Public receipt = 0.2 × 0.1 × 100 = £2m a year, 2027-28 … 2031-32.
    cf, pipeline = run("grant", Terms("grant"), 100.0, upside_share=0.2, upside_expected=0.1,
                       upside_year=1, upside_years=5)
    assert flows_by(cf, "commitment") == {"2026-27": -100.0}
    assert flows_by(cf, "dividend") == pytest.approx(dict.fromkeys(FY[1:], 2.0), abs=1e-12)
    assert set(cf.flows["kind"]) == {"commitment", "dividend"}
    # PV of the receipts: 2 × (1.035⁻¹ + … + 1.035⁻⁵)
    #   = 2 × (0.966184 + 0.933511 + 0.901943 + 0.871442 + 0.841973) = 2 × 4.515052 = 9.030105
    # economic cost = 100 − 9.030105 = 90.969895
    assert float(economic_cost(cf, by=()).iloc[0]) == pytest.approx(90.969895, abs=1e-6)
    # the LP's coefficient is the same number per £1m
    unit = commitment_cost(pipeline, "grant", Terms("grant"), np.array([0]), np.array([0]), 1)
    assert float(unit[0]) * 100 == pytest.approx(90.969895, abs=1e-6)
    # Fiscal: the grant raises PSNB by 100 in 2026-27; each £2m received is current
    # income, lowering PSNB and the current deficit; PSND = PSNFL = 100, 98, …, 90.
    fiscal = fiscal_effects(cf)
    assert fiscal_table(fiscal, "psnb")["total"].tolist() == pytest.approx([100, -2, -2, -2, -2, -2])
    assert fiscal_table(fiscal, "current_deficit")["total"].tolist() == pytest.approx(
        [0, -2, -2, -2, -2, -2])
    assert fiscal_table(fiscal, "psnd")["total"].tolist() == pytest.approx([100, 98, 96, 94, 92, 90])
    assert fiscal_table(fiscal, "psnfl")["total"].tolist() == pytest.approx([100, 98, 96, 94, 92, 90])
    # per project: out 100, back 10, no losses, net −90
    row = cost_by_project(cf).iloc[0]
    assert (row["money_out"], row["money_back"], row["net"]) == pytest.approx((100, 10, -90))


def test_grant_clawback_above_threshold_paid_at_the_end():
    # Cumulative expected profit 0.1 × 5 = 0.5 per £; above the 0.3 threshold by 0.2; half
    # clawed back: 0.1 per £ → £10m in 2031-32 (age 5), as an exit. No profit share.
    cf, _ = run("grant", Terms("grant"), 100.0, upside_expected=0.1, upside_years=5,
                clawback_threshold=0.3, clawback_share=0.5)
    assert flows_by(cf, "exit") == pytest.approx({"2031-32": 10.0})
    assert "dividend" not in set(cf.flows["kind"])
    # PV 10 × 1.035⁻⁵ = 8.419732; economic cost 100 − 8.419732 = 91.580268
    assert float(economic_cost(cf, by=()).iloc[0]) == pytest.approx(91.580268, abs=1e-6)
    # A grant clawback is a capital transfer back: PSNB −10 in 2031-32, not current.
    fiscal = fiscal_effects(cf)
    assert fiscal_table(fiscal, "psnb")["total"].tolist() == pytest.approx([100, 0, 0, 0, 0, -10])
    assert fiscal_table(fiscal, "current_deficit")["total"].abs().sum() == 0
    # Below the threshold: nothing. Far above: capped at the £100m committed.
    low, _ = run("grant", Terms("grant"), 100.0, upside_expected=0.05, upside_years=5,
                 clawback_threshold=0.3, clawback_share=0.5)
    assert set(low.flows["kind"]) == {"commitment"}
    high, _ = run("grant", Terms("grant"), 100.0, upside_expected=1.0, upside_years=5,
                  clawback_threshold=0.0, clawback_share=1.0)
    assert flows_by(high, "exit") == pytest.approx({"2031-32": 100.0})


def test_upside_adds_to_a_loan_but_never_to_a_guarantee():
    # Loan £100m, 2-year bullet at 0% (principal 100 back in 2028-29) plus a 50% share of
    # 0.02 a year for 2 years from age 1: £1m dividends in 2027-28 and 2028-29.
    loan = Terms("loan", tenor=2, grace=1, interest_rate=0.0, amortisation="bullet")
    cf, _ = run("loan", loan, 100.0, upside_share=0.5, upside_expected=0.02, upside_years=2)
    assert flows_by(cf, "dividend") == pytest.approx({"2027-28": 1.0, "2028-29": 1.0})
    assert flows_by(cf, "principal") == pytest.approx({"2028-29": 100.0})
    gua, _ = run("guarantee", Terms("guarantee", tenor=1, grace=0, fee_rate=0.01), 100.0,
                 upside_share=0.5, upside_expected=0.02)
    assert set(gua.flows["kind"]) == {"fee"}


def test_upside_reaches_past_the_instrument_life():
    # Equity held 1 year at 1.0×, upside received in age 3 only: flows widen to 2029-30.
    eq = Terms("equity", hold=1, exit_multiple=1.0)
    cf, _ = run("equity", eq, 10.0, upside_share=1.0, upside_expected=0.1, upside_year=3)
    assert flows_by(cf, "dividend") == pytest.approx({"2029-30": 1.0})
    assert flows_by(cf, "exit") == pytest.approx({"2027-28": 10.0})


BASE = "project_id,capacity,instruments,leverage_grant,pd"


@pytest.mark.parametrize(("column", "value", "message"), [
    ("upside_share", "1.5", "row 2, column upside_share: 1.5 must be from 0 to 1"),
    ("upside_expected", "-0.1", "row 2, column upside_expected: -0.1 must be finite and ≥ 0"),
    ("upside_year", "0", "row 2, column upside_year: 0.0 must be from 1 to 75"),
    ("upside_years", "2.5", "row 2, column upside_years: 2.5 must be from 1 to 75"),
    ("clawback_threshold", "-1", "row 2, column clawback_threshold: -1.0 must be finite and ≥ 0"),
    ("clawback_share", "2", "row 2, column clawback_share: 2.0 must be from 0 to 1"),
    ("upside_share", "inf", "row 2, column upside_share"),
    ("upside_share", "abc", "row 2, column upside_share"),
])
def test_upside_columns_are_validated(tmp_path, column, value, message):
    path = tmp_path / "pipeline.csv"
    path.write_text(f"{BASE},{column}\nA,10,grant,0,0,\nB,10,grant,0,0,{value}\n", encoding="utf-8")
    with pytest.raises(MissionFinanceError) as err:
        read_pipeline(path)
    text = str(err.value)
    assert "pipeline.csv" in text and message in text and "\n" not in text


def test_upside_columns_are_kept_empty_as_nan(tmp_path):
    path = tmp_path / "pipeline.csv"
    path.write_text(f"{BASE},upside_share,upside_expected\nA,10,grant,0,0,0.2,0.1\nB,10,grant,0,0,,\n",
                    encoding="utf-8")
    frame = read_pipeline(path)
    assert frame["upside_share"].tolist()[0] == 0.2 and np.isnan(frame["upside_share"].iloc[1])
    assert "clawback_share" not in frame.columns
