"""Small hand-made outcome cases shared by the outcome tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

from missionfinance.instruments import DEFAULT_INSTRUMENTS
from missionfinance.missions import MissionSet
from missionfinance.model import AllocationProblem
from missionfinance.outcomes.catalogue import parse_outcome_data
from missionfinance.outcomes.config import OutcomeOptions, check_yields
from missionfinance.outcomes.trajectory import lp_rows, outcome_arrays
from missionfinance.outcomes.uncertainty import Uncertainty

YEARS = ("2026-27", "2027-28", "2028-29")
INSTRUMENTS = {k: DEFAULT_INSTRUMENTS[k] for k in ("grant", "loan", "guarantee")}

MISSIONS = """
[[mission]]
id = "growth"
  [[mission.milestone]]
  id = "homes"
  name = "Homes"
  target = 1200
  unit = "homes"
  deadline = "2028-29"
  source = "test"
  [[mission.milestone]]
  id = "police"
  name = "Police"
  target = 100
  unit = "roles"
  deadline = "2028-29"
  source = "test"
"""

DATA = """
[[milestone]]
id = "homes"
measure = "level"
baseline = 0
baseline_year = "2025-26"
baseline_source = "test"
bau_per_year = 0
bau_source = "test"
[[milestone]]
id = "police"
measure = "level"
baseline = 0
baseline_year = "2025-26"
baseline_source = "test"
bau_per_year = 0
bau_source = "test"
"""


def missions(text: str = MISSIONS) -> MissionSet:
    return MissionSet.from_toml(text, "test-missions.toml")


def options(yields: list[tuple[str, str, float, int, int]], data: str = DATA,
            mission_text: str = MISSIONS, beyond: float = 0.1, path: str = "deadline",
            prices: dict[str, float] | None = None,
            weights: dict[str, float] | None = None) -> OutcomeOptions:
    od = parse_outcome_data(data, "test-outcomes.toml", missions(mission_text))
    frame = pd.DataFrame(yields, columns=["project_id", "milestone", "per_m", "lag", "ramp"])
    return OutcomeOptions(data=od, yields=check_yields(frame, od, YEARS, "yields.csv"),
                          beyond_target=beyond, path=path, weights=weights or {},
                          shortfall_price=prices or {}, uncertainty=Uncertainty())


def projects(cap: tuple[float, ...] = (100.0, 100.0), instruments: str = "grant",
             leverage: float = 0.0) -> pd.DataFrame:
    n = len(cap)
    ids = [chr(ord("A") + k) for k in range(n)]
    return pd.DataFrame({
        "project_id": ids, "name": ids, "region": "North East", "capacity": list(cap),
        "private_capacity": np.nan, "instruments": instruments,
        "leverage_grant": leverage, "leverage_loan": leverage, "leverage_guarantee": leverage,
        "pd": 0.0, "lgd": 0.45, "additionality": 1.0, "start_year": YEARS[0],
        "end_year": YEARS[-1]})


def problem(opts: OutcomeOptions, pipeline: pd.DataFrame, objective: str,
            budget: dict[str, dict[str, float]] | None = None) -> AllocationProblem:
    arrays = outcome_arrays(opts, pipeline["project_id"], YEARS)
    return AllocationProblem(
        years=YEARS, projects=pipeline,
        contributions=pd.DataFrame({"growth": 1.0}, index=pipeline["project_id"]),
        missions=("growth",), instruments=INSTRUMENTS, budget=budget or {},
        objective=objective, outcomes=lp_rows(opts, arrays))
