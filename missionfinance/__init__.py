"""missionfinance: tag public spending against missions, allocate patient public finance
and guarantees with a linear programme, and write reports an auditor can regenerate.

All money is in £ million; financial years are strings such as ``"2026-27"``.
"""

from missionfinance.errors import MissionFinanceError, MissionFinanceWarning
from missionfinance.instruments import DEFAULT_INSTRUMENTS, Instrument
from missionfinance.missions import Milestone, Mission, MissionSet

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_INSTRUMENTS",
    "Instrument",
    "Milestone",
    "Mission",
    "MissionFinanceError",
    "MissionFinanceWarning",
    "MissionSet",
    "__version__",
]
