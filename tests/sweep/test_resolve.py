"""Re-solve in place (missionfinance.model.resolve) against the model's own ``solve``.

A Resolver's first problem (and any rebuild) goes through the same cold path as
``solve`` and must give the same result bit for bit. A warm re-solve must give the same
status and objective (1e-6 relative), a feasible allocation and optimal duals (strong
duality: Σ dual × rhs = objective); the vertex may differ where the LP has ties.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from missionfinance.model import AllocationResult, Status, solve
from missionfinance.model.resolve import Outcome, Resolver
from missionfinance.scenario import Scenario
from missionfinance.sweep import Variant, _Base, _prepare, variant_problem


def problem_of(base: _Base, *changes: tuple[str, str, Any]) -> Any:
    return variant_problem(base, Variant("v", tuple(changes)))


def assert_optimal_duals(result: AllocationResult) -> None:
    """Dual signs are feasible, slack rows have no price, and Σ dual × rhs = objective."""
    c = result.constraints
    assert result.objective is not None
    dual, rhs = c["dual"].to_numpy(float), c["rhs"].to_numpy(float)
    is_le = np.isfinite(c["upper"].to_numpy(float)) & ~np.isfinite(c["lower"].to_numpy(float))
    is_ge = np.isfinite(c["lower"].to_numpy(float)) & ~np.isfinite(c["upper"].to_numpy(float))
    assert (dual[is_le] >= -1e-7).all() and (dual[is_ge] <= 1e-7).all()
    assert np.abs(dual[~c["binding"].to_numpy(bool)]).max(initial=0.0) <= 1e-6
    priced = np.where(dual != 0, dual * rhs, 0.0).sum()
    assert priced == pytest.approx(result.objective, rel=1e-6, abs=1e-6)


def assert_feasible(result: AllocationResult) -> None:
    c = result.constraints
    tol = 1e-6 * np.maximum(1.0, np.abs(c["rhs"].to_numpy(float)))
    assert (c["lhs"] <= c["upper"] + tol).all() and (c["lhs"] >= c["lower"] - tol).all()
    assert (result.allocation["public"] >= 0).all()


def assert_same_as_solve(got: AllocationResult, ref: AllocationResult, exact: bool) -> None:
    assert got.status == ref.status
    if ref.status != Status.OPTIMAL:
        assert got.message == ref.message
        pd.testing.assert_frame_equal(got.conflict, ref.conflict)
        return
    assert got.objective == pytest.approx(ref.objective, rel=1e-6)
    if exact:
        assert got.objective == ref.objective
        for name in ("allocation", "missions", "projects", "constraints", "leverage"):
            pd.testing.assert_frame_equal(getattr(got, name), getattr(ref, name))
        assert {k: v for k, v in got.summary.items()} == ref.summary
        return
    assert_feasible(got)
    assert_optimal_duals(got)
    assert_optimal_duals(ref)


def test_first_solve_is_the_cold_solve_bit_for_bit(small_base: _Base, example_base: _Base) -> None:
    for base in (small_base, example_base):
        problem = problem_of(base)
        got = Resolver().solve(problem)
        assert got.solver["resolve"] == "cold"
        assert_same_as_solve(got, solve(problem), exact=True)


def test_light_outcome_equals_the_full_result(example_base: _Base) -> None:
    problem = problem_of(example_base, ("budget.CDEL", "*", 0.9))
    light = Resolver().outcome(problem, allocation=True)
    result = solve(problem)
    full = Outcome.from_result(result)
    assert light.mode == "cold"
    for f in ("status", "objective", "public_total", "private_total", "leverage",
              "mission_values", "binding", "message"):
        assert getattr(light, f) == getattr(full, f), f
    # budget used per control and year: the full result's budget_cost, summed
    assert set(light.budget_used) == set(full.budget_used) == {"CDEL", "FT", "RDEL"}
    for control, by_year in full.budget_used.items():
        assert list(light.budget_used[control]) == list(by_year) == list(problem.years)
        for year, used in by_year.items():
            assert light.budget_used[control][year] == pytest.approx(used, rel=1e-12, abs=1e-9)
        assert sum(by_year.values()) == pytest.approx(
            result.summary["budget_scored"][control], rel=1e-12)
    assert light.allocation is not None and full.allocation is not None
    pd.testing.assert_frame_equal(light.allocation, full.allocation)
    assert Resolver().outcome(problem).allocation is None  # only when asked for


def test_warm_resolves_on_the_example_match_solve(example_base: _Base) -> None:
    r = Resolver()
    changes = [
        (),
        (("budget.CDEL.2027-28", "=", 600.0),),
        (("budget.CDEL.2027-28", "=", 600.0), ("objective.weights.health", "=", 1.5)),
        (("budget.FT", "*", 0.9), ("objective.weights.health", "=", 1.5)),
        (("pipeline.leverage_equity", "*", 0.5),),  # matrix values change: changeCoeff
        (("exposure.2027-28", "=", 1000.0), ("pipeline.leverage_equity", "*", 0.5)),
    ]
    modes = []
    for ch in changes:
        problem = problem_of(example_base, *ch)
        got = r.solve(problem)
        modes.append(got.solver["resolve"])
        assert_same_as_solve(got, solve(problem), exact=got.solver["resolve"] == "cold")
    assert modes == ["cold"] + ["warm"] * 5
    assert r.stats.warm == 5 and r.stats.cold == 1


_values = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)


@st.composite
def small_variants(draw: st.DrawFn) -> tuple[tuple[str, str, Any], ...]:
    """A random variant of the small scenario: budgets, exposure, weights, leverage."""
    out: list[tuple[str, str, Any]] = []
    if draw(st.booleans()):
        out.append(("budget.CDEL.2026-27", "=", round(80 * draw(_values), 3)))
    if draw(st.booleans()):
        out.append(("budget.CDEL.2027-28", "=", round(60 * draw(_values), 3)))
    if draw(st.booleans()):
        out.append(("budget.FT.2026-27", "=", round(80 * draw(_values), 3)))
    if draw(st.booleans()):
        out.append(("budget.RDEL.2026-27", "=", round(12 * draw(_values), 3)))
    if draw(st.booleans()):
        out.append(("exposure.2027-28", "=", round(50 * draw(_values), 3)))
    for mission in draw(st.sets(st.sampled_from(["health", "growth", "safer-streets"]))):
        out.append((f"objective.weights.{mission}", "=", round(3 * draw(_values), 3)))
    if draw(st.booleans()):
        out.append(("pipeline.leverage_loan", "*", round(0.2 + 1.8 * draw(_values), 3)))
    if draw(st.booleans()):
        out.append(("pipeline.leverage_grant", "*", round(0.2 + 1.8 * draw(_values), 3)))
    return tuple(out)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(variants=st.lists(small_variants(), min_size=2, max_size=6))
def test_random_warm_sequences_match_solve(small_base: _Base,
                                           variants: list[tuple[tuple[str, str, Any], ...]]) -> None:
    r = Resolver()
    for ch in variants:
        problem = problem_of(small_base, *ch)
        got = r.solve(problem)
        assert_same_as_solve(got, solve(problem), exact=got.solver["resolve"] == "cold")
        light = r.outcome(problem)
        assert light.status == got.status
        assert light.objective == pytest.approx(got.objective, rel=1e-6)


def test_infeasible_variant_is_delegated_and_the_next_one_warm(floor_scenario: Any) -> None:
    base = _prepare(Scenario.load(floor_scenario))
    r = Resolver()
    first = r.outcome(problem_of(base))
    bad = r.outcome(problem_of(base, ("constraints.mission_floor.health", "=", 1000.0)))
    after = r.outcome(problem_of(base, ("constraints.mission_floor.health", "=", 20.0)))
    assert first.ok and first.mode == "cold"
    assert bad.status == Status.INFEASIBLE and bad.mode == "solve"
    assert "mission_floor[health]" in set(bad.conflict["name"])
    ref = solve(problem_of(base, ("constraints.mission_floor.health", "=", 20.0)))
    assert after.ok and after.mode == "warm"
    assert after.objective == pytest.approx(ref.objective, rel=1e-6)


def test_structure_change_rebuilds_and_slots_keep_both(small_base: _Base) -> None:
    r = Resolver(slots=2)
    a = problem_of(small_base)
    b = problem_of(small_base, ("pipeline.end_year", "=", "2026-27"))  # fewer x columns
    modes = [r.outcome(p).mode for p in (a, b, a, b)]
    assert modes == ["cold", "cold", "warm", "warm"]
    r1 = Resolver(slots=1)
    assert [r1.outcome(p).mode for p in (a, b, a)] == ["cold", "cold", "cold"]
    assert r1.outcome(b).objective == pytest.approx(solve(b).objective, rel=1e-6)


def test_warm_false_always_rebuilds(small_base: _Base) -> None:
    r = Resolver(warm=False)
    modes = [r.outcome(problem_of(small_base, ("budget.CDEL.2026-27", "=", v))).mode
             for v in (10.0, 20.0, 30.0)]
    assert modes == ["cold"] * 3


def test_seeded_loads_start_from_the_seed_basis(example_base: _Base) -> None:
    r = Resolver()
    assert r.seed(problem_of(example_base))
    modes = []
    for factor in (0.9, 1.1):
        r.reset()
        problem = problem_of(example_base, ("budget.CDEL", "*", factor))
        got = r.solve(problem)
        modes.append(got.solver["resolve"])
        assert got.solver["algorithm"] == "simplex"
        assert_same_as_solve(got, solve(problem), exact=False)
    assert modes == ["seeded", "seeded"] and r.stats.seeded == 2
    r.clear_seeds()
    r.reset()
    assert r.solve(problem_of(example_base)).solver["resolve"] == "cold"
