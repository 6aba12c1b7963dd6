"""Hypothesis properties of the allocation model on random scenarios.

- every returned allocation satisfies every constraint (and bound) to 1e-6;
- more budget never lowers the objective;
- complementary slackness: a row with slack has a zero dual, and duals have the sign
  of their row (≥ 0 for a ≤ row, ≤ 0 for a ≥ row in a maximisation);
- the CVaR the LP reports equals a brute-force evaluation of the simulated losses;
- the pyomo view gives the same optimum as the fast path;
- a solve is deterministic.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from missionfinance.model import MissionBound, SolverOptions, Status, solve
from missionfinance.model.build import scenario_losses, simulate_defaults
from missionfinance.model.problem import prepare
from missionfinance.model.pyomo_view import solve_pyomo, to_pyomo
from tests.model.random_problems import random_problem

# Random problems may trip the model's sanity warnings (e.g. guarantees with no expected
# loss and no exposure limit); these tests check the mathematics, not those warnings.
pytestmark = pytest.mark.filterwarnings("ignore::missionfinance.errors.MissionFinanceWarning")

SEEDS = st.integers(min_value=0, max_value=10_000)
FAST = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _feasible(result, tol=1e-6):
    c = result.constraints
    scale = np.maximum(1.0, np.abs(c["rhs"].to_numpy()))
    assert (c["lhs"] <= c["upper"] + tol * scale).all()
    assert (c["lhs"] >= c["lower"] - tol * scale).all()
    assert (result.allocation["public"] >= 0).all()
    assert (result.projects["public"] <= result.projects["capacity"] * (1 + 1e-9) + tol).all()


@FAST
@given(SEEDS)
def test_allocation_satisfies_every_constraint(seed):
    problem = random_problem(seed)
    res = solve(problem)
    assert res.status == Status.OPTIMAL
    _feasible(res)
    # budget rows recomputed from the dataset's budget_cost
    cost = res.dataset["budget_cost"].sum(["project", "instrument"])
    for control, by_year in problem.budget.items():
        for year, limit in by_year.items():
            assert float(cost.sel(control=control, year=year)) <= limit + 1e-6 * max(1, limit)


@FAST
@given(SEEDS, st.floats(min_value=1.0, max_value=50.0))
def test_more_budget_never_lowers_objective(seed, extra):
    problem = random_problem(seed)
    base = solve(problem)
    budget = {c: {y: v + extra for y, v in by.items()} for c, by in problem.budget.items()}
    more = solve(replace(problem, budget=budget))
    assert more.objective >= base.objective - 1e-6 * max(1.0, abs(base.objective))


@FAST
@given(SEEDS)
def test_complementary_slackness(seed):
    res = solve(random_problem(seed))
    c = res.constraints
    scale = np.maximum(1.0, np.abs(c["rhs"].to_numpy()))
    slack, dual = c["slack"].to_numpy(), c["dual"].to_numpy()
    assert np.all(np.abs(slack * dual) <= 1e-5 * scale)
    le = np.isinf(c["lower"].to_numpy()) & np.isfinite(c["upper"].to_numpy())
    ge = np.isfinite(c["lower"].to_numpy()) & np.isinf(c["upper"].to_numpy())
    assert np.all(dual[le] >= -1e-7)
    assert np.all(dual[ge] <= 1e-7)


@settings(max_examples=8, deadline=None)
@given(SEEDS)
def test_cvar_equals_brute_force(seed):
    problem = random_problem(seed, families=False, cvar=True)
    res = solve(problem)
    assert res.status == Status.OPTIMAL
    d = prepare(problem)
    cv = problem.cvar
    D = simulate_defaults(d, cv.scenarios, cv.rho, cv.seed)
    x = res.dataset["public"].to_numpy()[d.xp, d.xi, d.xt]
    losses = np.sort(scenario_losses(d, D, x))[::-1]
    k = (1 - cv.alpha) * cv.scenarios  # 4 worst of 40: an integer, so CVaR is their mean
    brute = losses[: int(round(k))].mean()
    row = res.constraints.set_index("name").loc[f"cvar[{cv.alpha:g}]"]
    assert brute <= cv.limit + 1e-6 * max(1.0, cv.limit)
    # the LP's ζ + Σ u / ((1−α) S) is an upper bound equal to CVaR at its minimum over ζ
    assert row["lhs"] >= brute - 1e-6 * max(1.0, brute)
    if row["binding"] and row["dual"] > 1e-6:
        assert brute == pytest.approx(cv.limit, rel=1e-6, abs=1e-6)


@settings(max_examples=6, deadline=None)
@given(SEEDS)
def test_pyomo_gives_the_same_optimum(seed):
    problem = random_problem(seed, n=8)
    fast = solve(problem)
    slow = solve_pyomo(to_pyomo(problem))
    assert slow.status == fast.status == Status.OPTIMAL
    assert slow.objective == pytest.approx(fast.objective, rel=1e-7, abs=1e-6)


@settings(max_examples=5, deadline=None)
@given(SEEDS)
def test_deterministic(seed):
    problem = random_problem(seed)
    a, b = solve(problem), solve(problem)
    assert a.objective == b.objective
    assert a.allocation.equals(b.allocation)
    assert a.constraints.drop(columns=["explanation"]).equals(
        b.constraints.drop(columns=["explanation"]))


def test_badly_scaled_amounts_still_solve():
    """£0.01m next to £100bn: the scaled model keeps its answer feasible."""
    problem = random_problem(3, families=False)
    frame = problem.projects.copy()
    frame.loc[0, "capacity"] = 0.01
    frame.loc[1, "capacity"] = 1e5
    budget = {c: {y: v * 1000 for y, v in by.items()} for c, by in problem.budget.items()}
    res = solve(replace(problem, projects=frame, budget=budget))
    assert res.status == Status.OPTIMAL
    _feasible(res)


def test_time_limit_is_reported_not_optimal():
    res = solve(random_problem(1, n=200), SolverOptions(time_limit=1e-6))
    assert res.status == Status.TIME_LIMIT
    assert res.objective is None
    assert res.summary["status"] == "time_limit"


@settings(max_examples=6, deadline=None)
@given(SEEDS)
def test_infeasible_scenario_names_conflicting_families(seed):
    """An impossible health floor (more than all capacity) conflicts with capacity or
    budgets; the conflict set names the floor and at least one limiting family."""
    problem = random_problem(seed, families=False)
    total = float(problem.projects["capacity"].sum())
    res = solve(replace(problem, mission_bounds=(MissionBound("health", floor=10 * total),)))
    assert res.status == Status.INFEASIBLE
    fams = set(res.conflict["family"])
    assert "mission_bounds" in fams
    assert fams & {"budget", "capacity", "bounds"}
    assert "constraints.mission_floor.health" in res.message
