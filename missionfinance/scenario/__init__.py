"""Scenarios: the TOML file (:mod:`.config`, :mod:`.options`) and its run (:mod:`.run`).

>>> from missionfinance.scenario import RunResult, Scenario
"""

from missionfinance.scenario.config import Scenario
from missionfinance.scenario.options import options_from_toml
from missionfinance.scenario.run import RunResult, pipeline_as_lines, tag_pipeline

__all__ = ["RunResult", "Scenario", "options_from_toml", "pipeline_as_lines", "tag_pipeline"]
