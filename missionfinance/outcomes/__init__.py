"""Missions as outcomes: milestone baselines, BAU paths, yields, trajectories, uncertainty.

>>> from missionfinance.outcomes import load_outcome_data
>>> from missionfinance.missions import MissionSet
>>> data = load_outcome_data("builtin:uk", MissionSet.load("builtin:uk"))
>>> [m.id for m in data.tracked]
['homes', 'clean-power-2030', 'neighbourhood-police', 'school-ready', 'rtt-18-weeks']

See :mod:`missionfinance.outcomes.trajectory` for the formula and
:mod:`missionfinance.outcomes.config` for the scenario keys.
"""

from missionfinance.outcomes.catalogue import MilestoneOutcome, OutcomeData, load_outcome_data
from missionfinance.outcomes.config import OutcomeOptions, parse_outcomes, read_yields
from missionfinance.outcomes.trajectory import (
    OUTCOME_COLUMNS,
    Trajectories,
    evaluate,
    lp_rows,
    outcome_arrays,
)

__all__ = [
    "OUTCOME_COLUMNS",
    "MilestoneOutcome",
    "OutcomeData",
    "OutcomeOptions",
    "Trajectories",
    "evaluate",
    "load_outcome_data",
    "lp_rows",
    "outcome_arrays",
    "parse_outcomes",
    "read_yields",
]
