"""missionfinance: mission tagging, finance allocation and auditable reports.

Tags public spending against missions, allocates patient public finance and guarantees
with a linear programme, and writes reports an auditor can regenerate.

All money is in £ million; financial years are strings such as ``"2026-27"``.

The stages are importable on their own (``missionfinance.io``, ``.tagging``, ``.model``,
``.report``); the names below are the short way in, loaded on first use so that
``import missionfinance`` stays quick.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from missionfinance._version import __version__
from missionfinance.errors import MissionFinanceError, MissionFinanceWarning
from missionfinance.instruments import DEFAULT_INSTRUMENTS, Instrument
from missionfinance.missions import Milestone, Mission, MissionSet

_LAZY = {
    "read_lines": "missionfinance.io",
    "read_pipeline": "missionfinance.io",
    "read_cra": "missionfinance.io",
    "read_sr25": "missionfinance.io",
    "read_ocds": "missionfinance.io",
    "RuleSet": "missionfinance.tagging",
    "tag": "missionfinance.tagging",
    "TaggingResult": "missionfinance.tagging",
    "AllocationProblem": "missionfinance.model",
    "AllocationResult": "missionfinance.model",
    "Status": "missionfinance.model",
    "solve": "missionfinance.model",
    "Scenario": "missionfinance.scenario",
    "RunResult": "missionfinance.scenario",
    "Variant": "missionfinance.sweep",
    "run_sweep": "missionfinance.sweep",
    "SweepResult": "missionfinance.sweep",
    "write_outputs": "missionfinance.report",
    "verify": "missionfinance.audit",
    "example_path": "missionfinance.examples",
}

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from missionfinance.audit import verify
    from missionfinance.examples import example_path
    from missionfinance.io import read_cra, read_lines, read_ocds, read_pipeline, read_sr25
    from missionfinance.model import AllocationProblem, AllocationResult, Status, solve
    from missionfinance.report import write_outputs
    from missionfinance.scenario import RunResult, Scenario
    from missionfinance.sweep import SweepResult, Variant, run_sweep
    from missionfinance.tagging import RuleSet, TaggingResult, tag


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'missionfinance' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])


__all__ = [
    "DEFAULT_INSTRUMENTS",
    "example_path",
    "AllocationProblem",
    "AllocationResult",
    "Instrument",
    "Milestone",
    "Mission",
    "MissionFinanceError",
    "MissionFinanceWarning",
    "MissionSet",
    "RuleSet",
    "RunResult",
    "Scenario",
    "Status",
    "SweepResult",
    "TaggingResult",
    "Variant",
    "__version__",
    "read_cra",
    "read_lines",
    "read_ocds",
    "read_pipeline",
    "read_sr25",
    "run_sweep",
    "solve",
    "tag",
    "verify",
    "write_outputs",
]
