"""The allocation model: the LP of DESIGN §4, built in named blocks and solved with HiGHS.

>>> from missionfinance.model import AllocationProblem, solve, Status

See docs/model.md for the formulation, the constraint families and their scenario keys.
"""

from missionfinance.model.config import options_from_toml
from missionfinance.model.highs import SolverOptions
from missionfinance.model.problem import (
    FAMILIES,
    AllocationProblem,
    CvarLimit,
    InstrumentMix,
    MissionBound,
    RegionalShare,
    Target,
)
from missionfinance.model.result import AllocationResult
from missionfinance.model.solve import solve
from missionfinance.model.status import Status

__all__ = [
    "FAMILIES",
    "AllocationProblem",
    "AllocationResult",
    "CvarLimit",
    "InstrumentMix",
    "MissionBound",
    "RegionalShare",
    "SolverOptions",
    "Status",
    "Target",
    "options_from_toml",
    "solve",
]
