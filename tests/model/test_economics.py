"""Hand-solvable cases of the counting and the cost (docs/model.md, "What is counted").

One guarantee, one loan, one project funded by two instruments: each gives the documented
figures exactly.
"""

from __future__ import annotations

import numpy as np
import pytest

from missionfinance.cashflows import Terms, commitment_cost
from missionfinance.errors import MissionFinanceWarning
from missionfinance.instruments import DEFAULT_INSTRUMENTS, Instrument
from missionfinance.model import MissionBound, Status, Target, solve
from tests.model.test_families import contrib, problem, projects

D1, D2 = 1 / 1.035, 1 / 1.035 ** 2  # Green Book discount factors of years 1 and 2

# One-year horizon, pd 0.1 over it: the annual default rate q = 0.1, lgd 0.5.
# Loan L: 2-year tenor, 1 year of grace, 1.5% interest, bullet. Expected flows per £1m:
#   age 0: −1 (commitment)
#   age 1: 0.1 of the book defaults → principal +0.1, loss −0.5 × 0.1 = −0.05;
#          interest on the surviving 0.9: +0.9 × 0.015 = +0.0135
#   age 2: 0.1 × 0.9 = 0.09 defaults → principal +0.09, loss −0.045; the surviving 0.81
#          repays +0.81 and pays interest 0.81 × 0.015 = +0.01215
LOAN = Terms("loan", tenor=2, grace=1, interest_rate=0.015, amortisation="bullet")
LOAN_COST = 1 - (0.1 + 0.0135 - 0.05) * D1 - (0.09 + 0.81 + 0.01215 - 0.045) * D2
# Guarantee G: 2-year tenor, fee 1% of the cover outstanding; calls q × lgd of it:
#   age 1: fee +0.01, call −0.05; age 2 (0.9 outstanding): fee +0.009, call −0.045
G_TERMS = Terms("guarantee", tenor=2, fee_rate=0.01)
G_COST = (0.05 - 0.01) * D1 + (0.045 - 0.009) * D2


def cost(terms: Terms, start: int = 0, pd: float = 0.1, years: int = 1) -> float:
    frame = projects([{"project_id": "P", "capacity": 1.0, "instruments": "grant", "pd": pd}])
    return float(commitment_cost(frame, terms.schedule, terms, np.array([0]), np.array([start]),
                                 years)[0])


def test_cost_per_pound_is_minus_the_pv_of_the_schedule():
    # a grant costs its face value (discounted to the first year when committed later)
    assert cost(Terms("grant")) == 1.0
    assert cost(Terms("grant"), start=1, years=2) == pytest.approx(D1, rel=1e-15)
    # a loan at the cost of funds (the 3.5% discount rate) with no losses costs nothing
    for amortisation in ("annuity", "straight", "bullet"):
        at_cost = Terms("loan", tenor=5, grace=2, interest_rate=0.035, amortisation=amortisation)
        assert cost(at_cost, pd=0.0) == pytest.approx(0.0, abs=1e-15)
    assert cost(LOAN) == pytest.approx(LOAN_COST, rel=1e-14)
    # a guarantee costs the PV of its expected calls minus its fees
    assert cost(G_TERMS) == pytest.approx(G_COST, rel=1e-14)
    assert cost(Terms("guarantee", tenor=2, fee_rate=0.0), pd=0.0) == 0.0


def test_removed_instrument_keys_name_their_replacement():
    from missionfinance.errors import MissionFinanceError
    from missionfinance.instruments import instrument_from_config

    for key, new in (("term", "tenor"), ("rate", "interest_rate"), ("fee", "fee_rate")):
        with pytest.raises(MissionFinanceError, match=f"instruments.loan.{key}: removed; use {new}"):
            instrument_from_config("loan", {key: 1}, "s.toml")
    # an instrument of the scenario's own takes the cash-flow shape of its kind
    own = instrument_from_config("bond", {"kind": "loan", "expected_loss_to": "RDEL"}, "s.toml")
    assert own.terms.schedule == "loan"


def guarantee_case(**kw: object):
    """G: guarantee only, cover 80% (1.25 of lending per £ of cover), private capacity 400,
    el = 0.1 × 0.5 = 0.05, fee 1% a year for 2 years; exposure limit 200; value 1 per £."""
    g = Instrument("guarantee", {}, "RDEL", True, kind="guarantee", terms=G_TERMS)
    prj = projects([{"project_id": "G", "capacity": 10.0, "private_capacity": 400.0,
                     "instruments": "guarantee", "leverage_guarantee": 1.25, "pd": 0.1}])
    instr = dict(DEFAULT_INSTRUMENTS, guarantee=g)
    return solve(problem(prj, contrib({"G": {"growth": 1.0}}), instruments=instr,
                         exposure={"2026-27": 200.0}, **kw))


def test_one_guarantee_counted_once():
    """200 of cover unlocks 250 of lending: mission value 250 (not 200 + 250); the cover is
    exposure, not cash, and is not bounded by the cash capacity 10. Economic cost = 200 ×
    G_COST (PV of calls 0.05, 0.045 minus fees 0.01, 0.009); leverage per £ of cash is
    undefined (no cash), per £ of cash plus expected guarantee cost 250 / (200 × G_COST)."""
    res = guarantee_case()
    assert res.status == Status.OPTIMAL
    assert res.objective == pytest.approx(250.0, abs=1e-9)
    s = res.summary
    cost = 200 * G_COST
    assert s["public_total"] == 0.0
    assert s["guarantee_total"] == pytest.approx(200.0, abs=1e-9)
    assert s["private_total"] == pytest.approx(250.0, abs=1e-9)
    assert s["economic_cost"] == pytest.approx(cost, rel=1e-12)
    assert s["guarantee_expected_cost"] == pytest.approx(cost, rel=1e-12)
    assert s["leverage"] is None
    assert s["leverage_with_guarantee_cost"] == pytest.approx(250.0 / cost, rel=1e-12)
    assert s["budget_scored"]["RDEL"] == pytest.approx(10.0)  # budget scoring: calls only
    p = res.projects.set_index("project_id")
    assert p.loc["G", "cover"] == pytest.approx(0.8)
    assert p.loc["G", "public"] == 0.0 and p.loc["G", "guarantee"] == pytest.approx(200.0)
    # exposure dual: one more £ of cover unlocks 1.25 of lending worth 1 each
    c = res.constraints.set_index("name")
    assert c.loc["exposure[2026-27]", "dual"] == pytest.approx(1.25, abs=1e-9)


def test_guarantee_never_meets_a_mission_floor():
    """A £10m floor on growth cash cannot be met by guarantees: infeasible."""
    res = guarantee_case(mission_bounds=(MissionBound("growth", floor=10.0),))
    assert res.status == Status.INFEASIBLE


def test_guarantee_exposure_bounded_by_the_lending_it_covers():
    """Private capacity 100 caps the lending, so the cover is at most 0.8 × 100 = 80, even
    with an exposure limit of 200 and a cost that fees make negative: per £ of cover
    (0.05 − 0.1) D1 + (0.045 − 0.09) D2 < 0."""
    g = Instrument("guarantee", {}, "RDEL", True, kind="guarantee",
                   terms=Terms("guarantee", tenor=2, fee_rate=0.1))
    prj = projects([{"project_id": "G", "capacity": 10.0, "private_capacity": 100.0,
                     "instruments": "guarantee", "leverage_guarantee": 1.25, "pd": 0.1}])
    instr = dict(DEFAULT_INSTRUMENTS, guarantee=g)
    with pytest.warns(MissionFinanceWarning, match="min_cost: guarantees on 1 project"):
        res = solve(problem(prj, contrib({"G": {"growth": 1.0}}), instruments=instr,
                            exposure={"2026-27": 200.0}, objective="min_cost"))
    assert res.status == Status.OPTIMAL
    assert res.summary["guarantee_total"] == pytest.approx(80.0, abs=1e-9)
    assert any("negative economic cost" in w for w in res.summary["warnings"])
    assert res.objective == pytest.approx(80 * ((0.05 - 0.1) * D1 + (0.045 - 0.09) * D2),
                                          rel=1e-12)


def test_one_loan_costs_its_loss_and_subsidy():
    """min_cost, target 100 of health investment; a grant project and a loan project, value
    1 each, capacity 100, no leverage. The loan L (pd 0.1, lgd 0.5, 1.5% bullet over 2
    years against a 3.5% discount rate) costs LOAN_COST = 0.129… per £ (the schedule at
    the top of this file); the grant 1. The loan meets the target: cost 12.9…, where the
    budget score (FT 1 + RDEL 0.05) or the principal would pick the grant."""
    loan = Instrument("loan", {"FT": 1.0}, "RDEL", kind="loan", terms=LOAN)
    prj = projects([
        {"project_id": "A", "capacity": 100.0, "instruments": "grant"},
        {"project_id": "B", "capacity": 100.0, "instruments": "loan", "pd": 0.1},
    ])
    res = solve(problem(prj, contrib({"A": {"health": 1.0}, "B": {"health": 1.0}}),
                        instruments=dict(DEFAULT_INSTRUMENTS, loan=loan),
                        objective="min_cost", targets=(Target("health", 100.0),)))
    assert res.status == Status.OPTIMAL
    per = LOAN_COST
    assert res.objective == pytest.approx(100 * per, rel=1e-12)
    p = res.projects.set_index("project_id")
    assert p.loc["B", "public"] == pytest.approx(100.0) and p.loc["A", "public"] == 0.0
    assert res.summary["economic_cost"] == pytest.approx(100 * per, rel=1e-12)
    assert res.summary["budget_scored"] == pytest.approx({"CDEL": 0.0, "FT": 100.0,
                                                          "RDEL": 5.0})


def two_instrument_case(split: bool, segments: bool):
    """Q: £100m of cash, grant and loan both of leverage 2, private capacity 1000; either
    all grant (CDEL 100) or half each (CDEL 50, FT 50)."""
    prj = projects([{"project_id": "Q", "capacity": 100.0, "private_capacity": 1000.0,
                     "instruments": "grant;loan", "leverage_grant": 2.0,
                     "leverage_loan": 2.0}])
    budget = ({"CDEL": {"2026-27": 50.0}, "FT": {"2026-27": 50.0}} if split
              else {"CDEL": {"2026-27": 100.0}, "FT": {"2026-27": 0.0}})
    kw = {"leverage_segments": ((0.5, 1.0), (1.0, 0.5))} if segments else {}
    return solve(problem(prj, contrib({"Q": {"growth": 1.0}}), budget=budget, **kw))


@pytest.mark.parametrize("segments,private", [(False, 200.0), (True, 150.0)])
def test_one_project_two_instruments_crowds_in_once(segments, private):
    """Without segments y = 2 × 100 = 200 however the 100 is split. With segments (factor 1
    up to 50% of capacity, 0.5 after) on the project's total cash: y = 2·50 + 1·50 = 150
    whether one instrument gives 100 or two give 50 each (per-instrument segments gave 200
    for the split)."""
    one, two = two_instrument_case(False, segments), two_instrument_case(True, segments)
    for res in (one, two):
        assert res.status == Status.OPTIMAL
        assert res.summary["public_total"] == pytest.approx(100.0, abs=1e-9)
        assert res.summary["private_total"] == pytest.approx(private, abs=1e-9)
        assert res.objective == pytest.approx(100.0 + private, abs=1e-9)
    a = two.allocation.set_index("instrument")
    np.testing.assert_allclose(a["public"], [50.0, 50.0], atol=1e-9)


def test_private_money_bounded_once_by_the_financing_plan():
    """No private capacity, with the financing plan: public cash plus private money at most
    the capacity 100. Grant of leverage 3, additionality 0.5, with CDEL 20: y = min(3 × 20,
    100 − 20) = 60; with CDEL 40: y = min(120, 60) = 60 (x = 40 beats x = 25, y = 75:
    40 + 30 > 25 + 37.5)."""
    for cdel, y in ((20.0, 60.0), (40.0, 60.0)):
        prj = projects([{"project_id": "F", "capacity": 100.0, "instruments": "grant",
                         "leverage_grant": 3.0, "additionality": 0.5}])
        res = solve(problem(prj, contrib({"F": {"growth": 1.0}}),
                            budget={"CDEL": {"2026-27": cdel}}, financing_plan=True))
        assert res.summary["private_total"] == pytest.approx(y, abs=1e-9)
        assert res.summary["public_total"] == pytest.approx(cdel, abs=1e-9)
        assert res.objective == pytest.approx(cdel + 0.5 * y, abs=1e-9)


def test_empty_private_capacity_is_bounded_by_leverage_alone():
    """No private capacity and no financing plan (DESIGN §3.2: empty = unlimited): the same
    grant with CDEL 40 crowds in y = 3 × 40 = 120, objective 40 + 0.5 × 120 = 100."""
    prj = projects([{"project_id": "F", "capacity": 100.0, "instruments": "grant",
                     "leverage_grant": 3.0, "additionality": 0.5}])
    res = solve(problem(prj, contrib({"F": {"growth": 1.0}}), budget={"CDEL": {"2026-27": 40.0}}))
    assert res.summary["private_total"] == pytest.approx(120.0, abs=1e-9)
    assert res.objective == pytest.approx(100.0, abs=1e-9)
    assert not res.constraints["name"].str.startswith("financing_plan").any()
