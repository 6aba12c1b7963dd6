"""Solver outcomes as an enum, so an infeasible model can never look like a solved one."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """Outcome of a solve; the value is the string written to summary.json."""

    OPTIMAL = "optimal"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    TIME_LIMIT = "time_limit"
    ERROR = "error"
