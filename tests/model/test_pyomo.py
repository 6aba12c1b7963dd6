"""The pyomo view: same names, same optimum, analysts' constraints, same result object."""

from __future__ import annotations

import pyomo.environ as pyo
import pytest

from missionfinance.model import AllocationResult, Status, solve, solve_pyomo, to_pyomo
from tests.model.conftest import hand_problem

# Random problems may trip the model's sanity warnings (e.g. guarantees with no expected
# loss and no exposure limit); these tests check the mathematics, not those warnings.
pytestmark = pytest.mark.filterwarnings("ignore::missionfinance.errors.MissionFinanceWarning")


def test_same_names_and_optimum():
    problem = hand_problem()
    pm = to_pyomo(problem)
    assert ("P1", "grant", "2026-27") in pm.x
    assert "budget[RDEL,2027-28]" in pm.budget
    assert {"capacity", "crowding_in", "private_capacity", "exposure"} <= {
        c.name for c in pm.component_objects(pyo.Constraint)}
    res = solve_pyomo(pm)
    assert isinstance(res, AllocationResult)
    assert res.status == Status.OPTIMAL
    assert res.objective == pytest.approx(670.0)
    fast = solve(problem)
    a = res.constraints.set_index("name")["dual"]
    b = fast.constraints.set_index("name")["dual"]
    assert a.to_dict() == pytest.approx(b.to_dict(), abs=1e-7)


def test_analyst_constraint():
    """Capping P1's 2026-27 grant at 10 loses 30 × 1.5 = 45: objective 625, dual 1.5."""
    pm = to_pyomo(hand_problem())
    pm.my_cap = pyo.Constraint(expr=pm.x["P1", "grant", "2026-27"] <= 10)
    res = solve_pyomo(pm)
    assert res.objective == pytest.approx(625.0)
    row = res.constraints.set_index("name").loc["my_cap"]
    assert row["family"] == "user"
    assert row["dual"] == pytest.approx(1.5)


def test_infeasible_via_pyomo_is_not_optimal():
    pm = to_pyomo(hand_problem())
    pm.impossible = pyo.Constraint(expr=pm.x["P1", "grant", "2026-27"] >= 1000)
    res = solve_pyomo(pm)
    assert res.status in (Status.INFEASIBLE, Status.UNBOUNDED, Status.ERROR)
    assert res.status != Status.OPTIMAL
    assert res.objective is None


def test_every_family_in_pyomo():
    """CVaR, segments, bounds, shares, targets: the pyomo view builds and agrees."""
    from dataclasses import replace

    from tests.model.random_problems import random_problem

    problem = random_problem(5, n=10, cvar=True)
    problem = replace(problem, leverage_segments=((0.5, 1.0), (1.0, 0.5)))
    fast = solve(problem)
    res = solve_pyomo(to_pyomo(problem))
    assert res.objective == pytest.approx(fast.objective, rel=1e-7)
