"""mission_progress and min_cost on outcomes: hand-solvable cases."""

from __future__ import annotations

import pytest

from missionfinance.model import solve

from .helpers import options, problem, projects


def _by_project(result) -> dict[str, float]:  # type: ignore[no-untyped-def]
    return result.allocation.groupby("project_id")["public"].sum().to_dict()


def test_min_cost_two_projects_one_milestone_optimum_and_unit_price() -> None:
    # A yields 10 homes per £m, B 5; both capacity 100, lag 0; 1,200 homes by 2028-29.
    # Cheapest: all of A (1,000 homes for £100m), then 40 of B (200 homes): £140m.
    # One more home comes from B at £1m / 5 = £0.2m. The police milestone has no yields:
    # its 100 roles are short at the price given, £1m each.
    opts = options([("A", "homes", 10.0, 0, 1), ("B", "homes", 5.0, 0, 1)],
                   prices={"homes": 1.0, "police": 1.0})
    res = solve(problem(opts, projects(), "min_cost"))
    assert res.ok
    assert res.objective == pytest.approx(140.0 + 100.0)
    got = _by_project(res)
    assert got["A"] == pytest.approx(100.0) and got["B"] == pytest.approx(40.0)
    row = res.constraints.set_index("name").loc["outcome_target[homes,2028-29]"]
    assert abs(row["dual"]) == pytest.approx(0.2)


def test_min_cost_prices_a_shortfall_it_cannot_close() -> None:
    opts = options([("A", "homes", 10.0, 0, 1)], prices={"homes": 1.0, "police": 0.5})
    res = solve(problem(opts, projects(cap=(50.0, 50.0)), "min_cost"))
    # A's 50 give 500 homes; 700 short at £1m each, 100 roles at £0.5m: 50 + 700 + 50
    assert res.objective == pytest.approx(800.0)
    sf = res.constraints.set_index("name")
    assert abs(sf.loc["outcome_target[homes,2028-29]", "dual"]) == pytest.approx(1.0)


def test_mission_progress_two_projects_one_milestone() -> None:
    # One milestone worth 1 at its target of 1,200 homes; budget £60m in 2026-27 only.
    # A gives 10 homes per £m (0.00833 progress), B 5: all 60 to A, progress 600/1200 = 0.5.
    opts = options([("A", "homes", 10.0, 0, 1), ("B", "homes", 5.0, 0, 1)],
                   weights={"police": 0.0})
    budget = {"CDEL": {"2026-27": 60.0, "2027-28": 0.0, "2028-29": 0.0}}
    res = solve(problem(opts, projects(), "mission_progress", budget))
    assert res.ok
    assert res.objective == pytest.approx(0.5)
    assert _by_project(res) == pytest.approx({"A": 60.0})
    row = res.constraints.set_index("name").loc["outcome_progress[homes,2028-29]"]
    assert row["dual"] == pytest.approx(1 / 1200)  # progress per home
    # budget dual: £1m more in 2026-27 buys 10 homes = 10/1200 of progress
    b = res.constraints.set_index("name").loc["budget[CDEL,2026-27]"]
    assert b["dual"] == pytest.approx(10 / 1200)


def _two_milestones(beyond: float):  # type: ignore[no-untyped-def]
    # homes target 300 (A: 10 per £m, so £30m meets it); police target 100 (B: 1 per £m).
    data_target = options([("A", "homes", 10.0, 0, 1), ("B", "police", 1.0, 0, 1)],
                          beyond=beyond)
    from missionfinance.outcomes.catalogue import parse_outcome_data

    from .helpers import DATA, MISSIONS, missions

    text = MISSIONS.replace("target = 1200", "target = 300")
    od = parse_outcome_data(DATA, "o.toml", missions(text))
    from dataclasses import replace

    opts = replace(data_target, data=od)
    budget = {"CDEL": {"2026-27": 60.0, "2027-28": 0.0, "2028-29": 0.0}}
    return solve(problem(opts, projects(), "mission_progress", budget))


def test_concave_progress_stops_over_funding_a_met_target() -> None:
    # Per £m: A adds 10/300 = 0.033 of homes progress up to the target, a tenth of it after;
    # B adds 1/100 = 0.01 of police progress. Optimum: A 30 (target met), B 30.
    res = _two_milestones(beyond=0.1)
    assert _by_project(res) == pytest.approx({"A": 30.0, "B": 30.0})
    assert res.objective == pytest.approx(1.0 + 0.3)


def test_linear_progress_would_over_fund_it() -> None:
    # With progress past the target worth as much (beyond = 1), all £60m goes to A.
    res = _two_milestones(beyond=1.0)
    assert _by_project(res) == pytest.approx({"A": 60.0})
    assert res.objective == pytest.approx(2.0)


def test_lag_in_the_model_only_early_money_counts() -> None:
    # Lag 2 and a deadline of 2028-29: only money committed in 2026-27 delivers in time.
    opts = options([("A", "homes", 10.0, 2, 1)], weights={"police": 0.0})
    budget = {"CDEL": {"2026-27": 20.0, "2027-28": 50.0, "2028-29": 50.0}}
    res = solve(problem(opts, projects(), "mission_progress", budget))
    by_year = res.allocation.groupby("year")["public"].sum().to_dict()
    assert by_year.get("2026-27") == pytest.approx(20.0)
    assert res.objective == pytest.approx(200 / 1200)


def test_private_money_counts_once_and_only_its_additional_share() -> None:
    # A: loan with leverage 1 and additionality 0.5; £10m of loan crowds in £10m, of which
    # £5m is caused: 15 × 10 homes. A guarantee alone (not cash) counts only its private money.
    opts = options([("A", "homes", 10.0, 0, 1)], weights={"police": 0.0})
    pipe = projects(cap=(10.0, 10.0), instruments="loan", leverage=1.0)
    pipe["additionality"] = 0.5
    res = solve(problem(opts, pipe, "mission_progress"))
    assert res.objective == pytest.approx(150 / 1200)


def test_pyomo_view_gives_the_same_optimum() -> None:
    from missionfinance.model import solve_pyomo, to_pyomo

    for beyond, kind in ((0.1, "mission_progress"), (0.1, "min_cost")):
        opts = options([("A", "homes", 10.0, 1, 2), ("B", "homes", 5.0, 0, 1),
                        ("B", "police", 1.0, 0, 1)], beyond=beyond,
                       prices={"homes": 1.0, "police": 2.0}, path="yearly")
        budget = {"CDEL": {"2026-27": 30.0, "2027-28": 30.0, "2028-29": 30.0}}
        prob = problem(opts, projects(), kind, budget)
        fast = solve(prob)
        slow = solve_pyomo(to_pyomo(prob))
        assert fast.objective == pytest.approx(slow.objective, rel=1e-7)
