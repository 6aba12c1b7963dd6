"""missionfinance.testing: the assertions users run on their own allocations."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from missionfinance.scenario import Scenario
from missionfinance.testing import assert_allocation_feasible


@pytest.fixture
def solved(small_scenario: Path):  # type: ignore[no-untyped-def]
    scenario = Scenario.load(small_scenario)
    run = scenario.run()
    contributions = run.pipeline_tags.contributions(ids=run.pipeline["project_id"])
    return run, scenario.problem(run.pipeline, contributions)


def test_a_solved_allocation_is_feasible(solved) -> None:  # type: ignore[no-untyped-def]
    run, problem = solved
    assert run.status == "optimal"
    assert_allocation_feasible(run.allocation, problem)


def test_an_inflated_allocation_is_caught(solved) -> None:  # type: ignore[no-untyped-def]
    run, problem = solved
    alloc = run.allocation.allocation.copy()
    alloc.loc[alloc.index[0], "public"] += 1000.0
    tampered = dataclasses.replace(run.allocation, allocation=alloc)
    with pytest.raises(AssertionError, match="exceeds"):
        assert_allocation_feasible(tampered, problem)


def test_money_outside_the_window_is_caught(solved) -> None:  # type: ignore[no-untyped-def]
    run, problem = solved
    alloc = run.allocation.allocation.copy()
    p2 = alloc["project_id"] == "P2"
    if not p2.any():
        pytest.skip("P2 unfunded in this solve")
    alloc.loc[p2, "year"] = "2027-28"
    tampered = dataclasses.replace(run.allocation, allocation=alloc)
    with pytest.raises(AssertionError, match="outside its window"):
        assert_allocation_feasible(tampered, problem)
