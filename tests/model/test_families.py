"""One hand-solvable case per constraint family, with its exact optimum and duals.

Each case is a few projects in one or two years; the docstring of each test derives the
optimum and the duals by hand. Duals are d objective / d bound: positive for a binding ≤
row and negative for a binding ≥ row in a maximisation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from missionfinance.instruments import DEFAULT_INSTRUMENTS
from missionfinance.model import (
    AllocationProblem,
    CvarLimit,
    InstrumentMix,
    MissionBound,
    RegionalShare,
    SolverOptions,
    Status,
    Target,
    solve,
)

#: These hand cases use a contribution as the mission value per £ (1.5 for "worth more"),
#: which the model warns about as contributions above 1; the warning is tested in
#: test_conflicts.py.
pytestmark = pytest.mark.filterwarnings(
    "ignore:.*mission contributions summing above 1:missionfinance.errors.MissionFinanceWarning")

Y1 = ("2026-27",)
Y2 = ("2026-27", "2027-28")
INSTR = dict(DEFAULT_INSTRUMENTS)


def projects(rows: list[dict[str, object]], years: tuple[str, ...] = Y1) -> pd.DataFrame:
    base = {"private_capacity": np.nan, "pd": 0.0, "lgd": 0.5, "additionality": 1.0,
            "start_year": years[0], "end_year": years[-1], "region": "London"}
    frame = pd.DataFrame([{**base, **r} for r in rows])
    for i in INSTR:
        col = f"leverage_{i}"
        if col not in frame:
            frame[col] = np.nan
        elig = frame["instruments"].str.split(";").apply(lambda s, i=i: i in s)
        frame[col] = np.where(elig, frame[col].fillna(0.0), np.nan)
    return frame


def contrib(rows: dict[str, dict[str, float]]) -> pd.DataFrame:
    return pd.DataFrame.from_dict(rows, orient="index").fillna(0.0)


def problem(prj: pd.DataFrame, c: pd.DataFrame, years: tuple[str, ...] = Y1,
            **kw: object) -> AllocationProblem:
    args: dict[str, object] = dict(years=years, projects=prj, contributions=c,
                                   missions=("growth", "health"), instruments=INSTR)
    args.update(kw)
    return AllocationProblem(**args)  # type: ignore[arg-type]


def duals(result) -> dict[str, float]:
    return dict(zip(result.constraints["name"], result.constraints["dual"], strict=True))


def public(result) -> dict[str, float]:
    return result.projects.set_index("project_id")["public"].to_dict()


def test_exposure_with_runoff():
    """G: guarantee with 100% cover (1 of lending per £ of cover), value 1 per £ of the
    lending it covers. x1 ≤ 100; 0.5 x1 + x2 ≤ 120 → x = (100, 70), objective 170.
    Duals: exposure 2027-28 = 1; exposure 2026-27 = 1 − 0.5 = 0.5."""
    prj = projects([{"project_id": "G", "capacity": 1000.0, "instruments": "guarantee",
                     "leverage_guarantee": 1.0}], Y2)
    res = solve(problem(prj, contrib({"G": {"growth": 1.0}}), Y2,
                        exposure={"2026-27": 100.0, "2027-28": 120.0}, exposure_runoff=0.5))
    assert res.status == Status.OPTIMAL
    assert res.objective == pytest.approx(170.0)
    d = duals(res)
    assert d["exposure[2026-27]"] == pytest.approx(0.5)
    assert d["exposure[2027-28]"] == pytest.approx(1.0)


def test_expected_loss_budget():
    """A: el 0.05, value 1; B: el 0.2, value 1.5; caps 100; EL ≤ 10. A: 20 value per £ of EL
    beats B's 7.5 → A = 100 (EL 5), B = 25. Objective 137.5; dual 7.5; capacity A 0.625."""
    prj = projects([
        {"project_id": "A", "capacity": 100.0, "instruments": "loan", "pd": 0.1, "lgd": 0.5},
        {"project_id": "B", "capacity": 100.0, "instruments": "loan", "pd": 0.4, "lgd": 0.5},
    ])
    res = solve(problem(prj, contrib({"A": {"growth": 1.0}, "B": {"growth": 1.5}}),
                        expected_loss_limit=10.0))
    assert res.objective == pytest.approx(137.5)
    d = duals(res)
    assert d["expected_loss[total]"] == pytest.approx(7.5)
    assert d["capacity[A]"] == pytest.approx(0.625)
    assert public(res) == pytest.approx({"A": 100.0, "B": 25.0})


def test_expected_loss_by_year():
    """Same as above with the limit on 2026-27 only; B may also invest in 2027-28 freely."""
    prj = projects([
        {"project_id": "A", "capacity": 100.0, "instruments": "loan", "pd": 0.1, "lgd": 0.5,
         "end_year": "2026-27"},
        {"project_id": "B", "capacity": 100.0, "instruments": "loan", "pd": 0.4, "lgd": 0.5,
         "max_per_year": 100.0},
    ], Y2)
    res = solve(problem(prj, contrib({"A": {"growth": 1.0}, "B": {"growth": 1.5}}), Y2,
                        expected_loss_by_year={"2026-27": 4.0}))
    # A alone could use 5 > 4 of EL: A = 80, dual of EL = 20; B all in 2027-28.
    assert res.objective == pytest.approx(80.0 + 150.0)
    assert duals(res)["expected_loss[2026-27]"] == pytest.approx(20.0)


def test_spend_profile_even_drawdown_and_own_maximum():
    """B (loan, value 1.5, capacity 100, two years, FT unconstrained) with no profile under
    the even drawdown draws at most 100 / 2 = 50 a year; with max_per_year 80 it may draw 80
    a year, so a 2027-28 FT limit of 20 leaves 80 + 20 = 100 (dual 1.5 on that FT row), where
    the even drawdown gives 50 + 20 = 70 (objective 105, the 2026-27 profile row binding: dual
    1.5)."""
    for per_year, objective, x0 in ((np.nan, 105.0, 50.0), (80.0, 150.0, 80.0)):
        prj = projects([{"project_id": "B", "capacity": 100.0, "instruments": "loan",
                         "max_per_year": per_year}], Y2)
        res = solve(problem(prj, contrib({"B": {"growth": 1.5}}), Y2,
                            budget={"FT": {"2027-28": 20.0}}, even_drawdown=True))
        assert res.objective == pytest.approx(objective)
        a = res.allocation.set_index("year")["public"]
        assert a["2026-27"] == pytest.approx(x0) and a["2027-28"] == pytest.approx(20.0)
        assert duals(res)["spend_profile[B,2026-27]"] == pytest.approx(1.5)


def test_no_profile_no_limit_by_year():
    """Without max_per_year and without the even drawdown, capacity is over the horizon
    (DESIGN §3.2): B takes 80 in 2026-27 and 20 in 2027-28 (FT 20), objective 150, and the
    model has no spend_profile row."""
    prj = projects([{"project_id": "B", "capacity": 100.0, "instruments": "loan",
                     "max_per_year": np.nan}], Y2)
    res = solve(problem(prj, contrib({"B": {"growth": 1.5}}), Y2,
                        budget={"FT": {"2027-28": 20.0}}))
    assert res.objective == pytest.approx(150.0)
    a = res.allocation.set_index("year")["public"]
    assert a["2026-27"] == pytest.approx(80.0) and a["2027-28"] == pytest.approx(20.0)
    assert not res.constraints["name"].str.startswith("spend_profile").any()


def test_cvar_certain_default():
    """A defaults in every scenario (pd 1), lgd 0.5; B never (pd 0). CVaR = 0.5 x_A ≤ 50
    → x_A = 100, x_B = cap 10. Objective 100 + 0.5 × 10 = 105; CVaR dual 2."""
    prj = projects([
        {"project_id": "A", "capacity": 1000.0, "instruments": "loan", "pd": 1.0, "lgd": 0.5},
        {"project_id": "B", "capacity": 10.0, "instruments": "loan", "pd": 0.0},
    ])
    res = solve(problem(prj, contrib({"A": {"growth": 1.0}, "B": {"growth": 0.5}}),
                        cvar=CvarLimit(alpha=0.9, limit=50.0, scenarios=50, rho=0.3, seed=1)))
    assert res.objective == pytest.approx(105.0)
    assert duals(res)["cvar[0.9]"] == pytest.approx(2.0)
    assert public(res) == pytest.approx({"A": 100.0, "B": 10.0})


def test_mission_floor_gbp_and_share():
    """Grants, CDEL 100. A growth (weight 1), B health (weight 0.5). Floor health £30m:
    B = 30, A = 70 → 85; floor dual −0.5; CDEL dual 1. As a share 0.4: B = 40 → 80."""
    prj = projects([{"project_id": "A", "capacity": 100.0, "instruments": "grant"},
                    {"project_id": "B", "capacity": 100.0, "instruments": "grant"}])
    c = contrib({"A": {"growth": 1.0}, "B": {"health": 1.0}})
    kw = dict(budget={"CDEL": {"2026-27": 100.0}}, weights={"health": 0.5})
    res = solve(problem(prj, c, mission_bounds=(MissionBound("health", floor=30.0),), **kw))
    assert res.objective == pytest.approx(85.0)
    d = duals(res)
    assert d["mission_floor[health]"] == pytest.approx(-0.5)
    assert d["budget[CDEL,2026-27]"] == pytest.approx(1.0)
    res = solve(problem(prj, c, mission_bounds=(MissionBound("health", 0.4, unit="share"),),
                        **kw))
    assert res.objective == pytest.approx(80.0)
    # d objective / d share: B +1 per 0.01 → dual of the row (coefficients share-scaled)
    assert public(res) == pytest.approx({"A": 60.0, "B": 40.0})
    words = words_of(res)
    # one point of share lower: B = 39, A = 61 → 80.5
    assert words["mission_floor_share[health]"] == (
        "binding: relaxing this share by 1 percentage point adds £0.5m of mission value "
        "(re-solved)")


def words_of(result) -> dict[str, str]:  # type: ignore[no-untyped-def]
    c = result.constraints
    return dict(zip(c["name"], c["explanation"], strict=True))


def test_mission_floor_in_words():
    prj = projects([{"project_id": "A", "capacity": 100.0, "instruments": "grant"},
                    {"project_id": "B", "capacity": 100.0, "instruments": "grant"}])
    c = contrib({"A": {"growth": 1.0}, "B": {"health": 1.0}})
    res = solve(problem(prj, c, budget={"CDEL": {"2026-27": 100.0}}, weights={"health": 0.5},
                        mission_bounds=(MissionBound("health", floor=30.0),)))
    assert words_of(res)["mission_floor[health]"] == (
        "binding: lowering the floor for mission health by £1m adds £0.5m of mission value")


def test_mission_ceiling():
    """Ceiling growth £60m: A = 60, B = 40 → 60 + 20 = 80; ceiling dual 0.5."""
    prj = projects([{"project_id": "A", "capacity": 100.0, "instruments": "grant"},
                    {"project_id": "B", "capacity": 100.0, "instruments": "grant"}])
    c = contrib({"A": {"growth": 1.0}, "B": {"health": 1.0}})
    res = solve(problem(prj, c, budget={"CDEL": {"2026-27": 100.0}}, weights={"health": 0.5},
                        mission_bounds=(MissionBound("growth", ceiling=60.0),)))
    assert res.objective == pytest.approx(80.0)
    assert duals(res)["mission_ceiling[growth]"] == pytest.approx(0.5)


def test_regional_share_outside():
    """A in London (value 1), B in North East (0.5), CDEL 100; at least 50% outside London
    and the South East → A = B = 50, objective 75. Row −0.5 A + 0.5 B ≥ b with A + B = 100
    gives B = 50 + b, A = 50 − b, objective 75 − 0.5 b: dual −0.5. CDEL dual 0.75."""
    prj = projects([{"project_id": "A", "capacity": 100.0, "instruments": "grant"},
                    {"project_id": "B", "capacity": 100.0, "instruments": "grant",
                     "region": "North East"}])
    c = contrib({"A": {"growth": 1.0}, "B": {"growth": 0.5}})
    res = solve(problem(prj, c, budget={"CDEL": {"2026-27": 100.0}},
                        regional=(RegionalShare("outside-london-se", ("London", "South East"),
                                                min_share=0.5, outside=True),)))
    assert res.objective == pytest.approx(75.0)
    d = duals(res)
    assert d["budget[CDEL,2026-27]"] == pytest.approx(0.75)
    assert d["regional_min[outside-london-se]"] == pytest.approx(-0.5)
    row = res.constraints.set_index("name").loc["regional_min[outside-london-se]"]
    assert "1 percentage point" in row["explanation"]


def test_instrument_mix():
    """One health project, grant (CDEL 100) or loan (FT 30). Grants ≤ 25% of health:
    g ≤ l / 3 = 10 → objective 40. Duals: FT 4/3 (g = l/3 follows l); the mix row
    0.75 g − 0.25 l ≤ b gives g = (b + 7.5) / 0.75, so its dual is 4/3; CDEL slack, 0."""
    prj = projects([{"project_id": "H", "capacity": 1000.0, "instruments": "grant;loan"}])
    c = contrib({"H": {"health": 1.0}})
    res = solve(problem(prj, c, budget={"CDEL": {"2026-27": 100.0}, "FT": {"2026-27": 30.0}},
                        instrument_mix=(InstrumentMix("grants-health", ("grant",), "health",
                                                      max_share=0.25),)))
    assert res.objective == pytest.approx(40.0)
    d = duals(res)
    assert d["budget[FT,2026-27]"] == pytest.approx(4.0 / 3.0)
    assert d["budget[CDEL,2026-27]"] == pytest.approx(0.0)
    assert d["instrument_mix_max[grants-health]"] == pytest.approx(4.0 / 3.0)


def test_leverage_segments():
    """Grant, leverage 2, cap 100, CDEL 80; segments: up to 50% of capacity at factor 1,
    then factor 0.5. y = 2·50 + 1·30 = 130; objective 80 + 130 = 210; CDEL dual 1 + 1 = 2."""
    prj = projects([{"project_id": "S", "capacity": 100.0, "instruments": "grant",
                     "leverage_grant": 2.0, "private_capacity": 1000.0}])
    res = solve(problem(prj, contrib({"S": {"growth": 1.0}}),
                        budget={"CDEL": {"2026-27": 80.0}},
                        leverage_segments=((0.5, 1.0), (1.0, 0.5))))
    assert res.objective == pytest.approx(210.0)
    assert duals(res)["budget[CDEL,2026-27]"] == pytest.approx(2.0)
    assert res.summary["private_total"] == pytest.approx(130.0)


def test_private_capacity_and_additionality():
    """Grant lev 3, additionality 0.5, private capacity 60, cap 100, CDEL 50: y = 60
    (3 × 50 = 150 > 60). Objective 50 + 0.5 × 60 = 80; private capacity dual 0.5."""
    prj = projects([{"project_id": "P", "capacity": 100.0, "instruments": "grant",
                     "leverage_grant": 3.0, "private_capacity": 60.0,
                     "additionality": 0.5}])
    res = solve(problem(prj, contrib({"P": {"growth": 1.0}}),
                        budget={"CDEL": {"2026-27": 50.0}}))
    assert res.objective == pytest.approx(80.0)
    d = duals(res)
    assert d["private_capacity[P]"] == pytest.approx(0.5)
    assert d["budget[CDEL,2026-27]"] == pytest.approx(1.0)
    assert res.summary["additional_private_total"] == pytest.approx(30.0)


def test_private_mobilised_objective():
    """A: lev 1, B: lev 4 (additionality 0.5 → 2 per £); CDEL 10 → all to B: 0.5 × 40 = 20."""
    prj = projects([{"project_id": "A", "capacity": 100.0, "instruments": "grant",
                     "leverage_grant": 1.0},
                    {"project_id": "B", "capacity": 100.0, "instruments": "grant",
                     "leverage_grant": 4.0, "additionality": 0.5}])
    res = solve(problem(prj, contrib({"A": {"growth": 1.0}, "B": {"growth": 1.0}}),
                        budget={"CDEL": {"2026-27": 10.0}}, objective="private_mobilised"))
    assert res.objective == pytest.approx(20.0)
    assert duals(res)["budget[CDEL,2026-27]"] == pytest.approx(2.0)
    assert "additional private investment" in res.constraints.set_index("name").loc[
        "budget[CDEL,2026-27]", "explanation"]


def test_min_cost_targets_with_shortfall():
    """Health target £60m, price 10. A (health 1, cap 40) costs 1 per £ of target; B (health
    0.5, cap 20) costs 2. A = 40, B = 20 gives 50; shortfall 10 at 10 → objective
    40 + 20 + 100 = 160. Target dual 10 (one more £m of target costs the price)."""
    prj = projects([{"project_id": "A", "capacity": 40.0, "instruments": "grant"},
                    {"project_id": "B", "capacity": 20.0, "instruments": "grant"}])
    c = contrib({"A": {"health": 1.0}, "B": {"health": 0.5}})
    res = solve(problem(prj, c, objective="min_cost",
                        targets=(Target("health", 60.0, price=10.0),)))
    assert res.status == Status.OPTIMAL
    assert res.objective == pytest.approx(160.0)
    m = res.missions.set_index("mission")
    assert m.loc["health", "shortfall"] == pytest.approx(10.0)
    assert duals(res)["target[health]"] == pytest.approx(10.0)
    assert res.summary["shortfall_total"] == pytest.approx(10.0)


def test_min_cost_target_met():
    """Same with B's capacity 100: B = 40 costs 40 < a shortfall of 200 → objective 80."""
    prj = projects([{"project_id": "A", "capacity": 40.0, "instruments": "grant"},
                    {"project_id": "B", "capacity": 100.0, "instruments": "grant"}])
    c = contrib({"A": {"health": 1.0}, "B": {"health": 0.5}})
    res = solve(problem(prj, c, objective="min_cost",
                        targets=(Target("health", 60.0, price=10.0),)))
    assert res.objective == pytest.approx(80.0)
    assert duals(res)["target[health]"] == pytest.approx(2.0)


def test_min_ticket_mip():
    """CDEL 10; A (value 1, cap 6), B (value 0.9, cap 10). LP: A 6, B 4 → 9.6. With a
    minimum ticket of 5, B's 4 is too small: A 5 + B 5 = 9.5 beats A 6 alone (6)."""
    prj = projects([{"project_id": "A", "capacity": 6.0, "instruments": "grant"},
                    {"project_id": "B", "capacity": 10.0, "instruments": "grant"}])
    c = contrib({"A": {"growth": 1.0}, "B": {"growth": 0.9}})
    res = solve(problem(prj, c, budget={"CDEL": {"2026-27": 10.0}}, min_ticket=5.0))
    assert res.objective == pytest.approx(9.5)
    assert res.summary["mip"] is True
    assert public(res) == pytest.approx({"A": 5.0, "B": 5.0})
    # duals of the LP with the integers fixed: £1m more CDEL goes to A (5 → 6): dual 1;
    # B sits on its ticket floor, which costs 1 − 0.9 = 0.1 per £1m
    d = duals(res)
    assert d["budget[CDEL,2026-27]"] == pytest.approx(1.0)
    assert d["min_ticket[B]"] == pytest.approx(-0.1)


def test_min_projects_mip():
    """At least 2 health projects: CDEL 10, H1 value 1 cap 10, H2 value 0.2 cap 10, min
    ticket 1 → H2 gets 1, H1 9: objective 9.2."""
    prj = projects([{"project_id": "H1", "capacity": 10.0, "instruments": "grant"},
                    {"project_id": "H2", "capacity": 10.0, "instruments": "grant"}])
    c = contrib({"H1": {"health": 1.0}, "H2": {"health": 0.2}})
    res = solve(problem(prj, c, budget={"CDEL": {"2026-27": 10.0}}, min_ticket=1.0,
                        min_projects={"health": 2}))
    assert res.objective == pytest.approx(9.2)


def test_why_not_funded():
    """B's value per £ 0.5 < A's 1 under one shared CDEL (dual 1): B loses 0.5 per £1m and
    would need value per £ 1.0, or leverage 1 (each £ of private adds 0.5 of value), or
    a weight of 2 on growth (0.5 × 2 = 1)."""
    prj = projects([{"project_id": "A", "capacity": 100.0, "instruments": "grant"},
                    {"project_id": "B", "capacity": 100.0, "instruments": "grant",
                     "leverage_grant": 0.0}])
    c = contrib({"A": {"growth": 1.0}, "B": {"growth": 0.5}})
    res = solve(problem(prj, c, budget={"CDEL": {"2026-27": 50.0}}))
    p = res.projects.set_index("project_id")
    assert not p.loc["B", "funded"]
    assert p.loc["B", "best_gain"] == pytest.approx(-0.5)
    assert "mission value per £ 1 instead of 0.5" in p.loc["B", "why_not"]
    assert "leverage 1 instead of 0" in p.loc["B", "why_not"]
    assert "a weight of 2 on growth instead of 1" in p.loc["B", "why_not"]
    assert p.loc["A", "why_not"] == ""


def test_infeasible_names_families():
    """Health floor £500m with CDEL 100 cannot hold: the IIS names the floor and CDEL."""
    prj = projects([{"project_id": "A", "capacity": 1000.0, "instruments": "grant"},
                    {"project_id": "B", "capacity": 1000.0, "instruments": "grant"}])
    c = contrib({"A": {"growth": 1.0}, "B": {"health": 1.0}})
    res = solve(problem(prj, c, budget={"CDEL": {"2026-27": 100.0}},
                        mission_bounds=(MissionBound("health", floor=500.0),)))
    assert res.status == Status.INFEASIBLE
    assert res.objective is None
    assert set(res.conflict["family"]) >= {"budget", "mission_bounds"}
    assert "budget[CDEL,2026-27]" in set(res.conflict["name"])
    assert res.message.split("): ", 1)[1].startswith("constraints.mission_floor.health = 500")
    assert res.summary["status"] == "infeasible"


def test_unbounded_reported():
    """With capacity, budget and the private bound (whose financing plan x + y ≤ capacity
    also limits x) switched off nothing limits x: unbounded, never optimal."""
    prj = projects([{"project_id": "A", "capacity": 100.0, "instruments": "grant"}])
    res = solve(problem(prj, contrib({"A": {"growth": 1.0}}),
                        disabled=frozenset({"capacity", "budget", "private_capacity"})))
    assert res.status == Status.UNBOUNDED
    assert res.objective is None


def test_badly_scaled_inputs_warn():
    """A coefficient 1e-13 next to leverage 10 spans more than 1e10: a warning names it."""
    from missionfinance.errors import MissionFinanceWarning

    prj = projects([{"project_id": "A", "capacity": 100.0, "instruments": "loan",
                     "leverage_loan": 10.0, "pd": 1e-13, "lgd": 1.0}])
    with pytest.warns(MissionFinanceWarning, match="badly scaled inputs: matrix coefficients"):
        res = solve(problem(prj, contrib({"A": {"growth": 1.0}}),
                            budget={"RDEL": {"2026-27": 1.0}}))
    assert res.status == Status.OPTIMAL
    assert res.solver["scaled"] is True


def test_threads_change_is_an_error_not_optimal():
    prj = projects([{"project_id": "A", "capacity": 100.0, "instruments": "grant"}])
    pr = problem(prj, contrib({"A": {"growth": 1.0}}))
    assert solve(pr).status == Status.OPTIMAL
    res = solve(pr, SolverOptions(threads=2))
    assert res.status == Status.ERROR
    assert "threads" in res.message


def test_conflict_names_a_derived_spend_profile_with_its_value():
    """B (loan, capacity 100, two years, no max_per_year, even drawdown) draws at most 100 / 2
    = 50 a year;
    FT 2027-28 at most 20, so at most 70 in all: a growth floor of 80 cannot hold. The
    conflict names the 2026-27 profile row with its derived value 50, said as derived."""
    prj = projects([{"project_id": "B", "capacity": 100.0, "instruments": "loan",
                     "max_per_year": np.nan}], Y2)
    res = solve(problem(prj, contrib({"B": {"growth": 1.0}}), Y2,
                        budget={"FT": {"2027-28": 20.0}}, even_drawdown=True,
                        mission_bounds=(MissionBound("growth", floor=80.0),)))
    assert res.status == Status.INFEASIBLE
    rows = res.conflict.set_index("name")
    assert rows.loc["spend_profile[B,2026-27]", "value"] == pytest.approx(50.0)
    assert rows.loc["spend_profile[B,2026-27]", "key"] == "pipeline.B.max_per_year"
    assert "derived: capacity / years in its window" in rows.loc[
        "spend_profile[B,2026-27]", "explanation"]
    assert "= 50:" in rows.loc["spend_profile[B,2026-27]", "explanation"]
