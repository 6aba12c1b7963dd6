"""What ``solve`` hands to ``extract``, kept for the tests that call ``extract`` themselves."""

from __future__ import annotations

import importlib
from typing import Any

from missionfinance.model import AllocationProblem, AllocationResult, SolverOptions, Status, solve

solve_module = importlib.import_module("missionfinance.model.solve")


def extract_args(problem: AllocationProblem) -> tuple[tuple[Any, ...], AllocationResult]:
    """Solve ``problem`` (simplex); return the arguments ``solve`` gave ``extract``, and the result."""
    seen: dict[str, tuple[Any, ...]] = {}
    original = solve_module.extract

    def keep(*args: Any, **kwargs: Any) -> Any:
        seen["args"] = args
        return original(*args, **kwargs)

    solve_module.extract = keep
    try:
        result = solve(problem, SolverOptions(algorithm="simplex"))
    finally:
        solve_module.extract = original
    assert result.status == Status.OPTIMAL
    return seen["args"], result
