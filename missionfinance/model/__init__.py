"""The allocation model: the LP of DESIGN §4, built in named blocks and solved with HiGHS.

>>> from missionfinance.model import AllocationProblem, solve, Status

See docs/model.md for the formulation, the constraint families and their scenario keys.
"""

from typing import Any

from missionfinance.model.highs import SolverOptions
from missionfinance.model.problem import (
    FAMILIES,
    AllocationProblem,
    CvarLimit,
    InstrumentMix,
    MissionBound,
    Recycling,
    RegionalShare,
    Target,
)
from missionfinance.model.resolve import Resolver
from missionfinance.model.result import AllocationResult
from missionfinance.model.solve import solve
from missionfinance.model.status import Status


def to_pyomo(problem: AllocationProblem) -> Any:
    """The model as a pyomo ConcreteModel (see :mod:`missionfinance.model.pyomo_view`)."""
    from missionfinance.model.pyomo_view import to_pyomo as _to_pyomo

    return _to_pyomo(problem)


def solve_pyomo(model: Any, options: SolverOptions | None = None) -> AllocationResult:
    """Solve a :func:`to_pyomo` model with pyomo's HiGHS interface; same result object."""
    from missionfinance.model.pyomo_view import solve_pyomo as _solve_pyomo

    return _solve_pyomo(model, options)


__all__ = [
    "FAMILIES",
    "AllocationProblem",
    "AllocationResult",
    "CvarLimit",
    "InstrumentMix",
    "MissionBound",
    "Recycling",
    "RegionalShare",
    "Resolver",
    "SolverOptions",
    "Status",
    "Target",
    "solve",
    "solve_pyomo",
    "to_pyomo",
]


