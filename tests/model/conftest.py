"""Shared fixtures of the model tests: the hand-solvable 3-project × 2-year case."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from missionfinance.instruments import DEFAULT_INSTRUMENTS
from missionfinance.model import AllocationProblem

YEARS = ("2026-27", "2027-28")
INSTRUMENTS = {k: DEFAULT_INSTRUMENTS[k] for k in ("grant", "loan", "guarantee")}


def hand_projects() -> pd.DataFrame:
    """P1 grant-only (growth), P2 loan-only (health), P3 guarantee-only in 2027-28 (growth)."""
    return pd.DataFrame({
        "project_id": ["P1", "P2", "P3"],
        "name": ["Grant project", "Loan project", "Guarantee project"],
        "department": ["DBT", "DHSC", "DESNZ"],
        "region": ["North East", "London", "Scotland"],
        "capacity": [150.0, 200.0, 300.0],
        "private_capacity": [np.nan, 150.0, np.nan],
        "max_per_year": [np.nan, 200.0, np.nan],  # P1: even drawdown 75 a year; P2: any split
        "instruments": ["grant", "loan", "guarantee"],
        "leverage_grant": [0.5, np.nan, np.nan],
        "leverage_loan": [np.nan, 2.0, np.nan],
        "leverage_guarantee": [np.nan, np.nan, 1.0],
        "pd": [0.0, 0.1, 0.2],
        "lgd": [0.45, 0.5, 0.5],
        "additionality": [1.0, 0.5, 1.0],
        "start_year": ["2026-27", "2026-27", "2027-28"],
        "end_year": ["2027-28", "2027-28", "2027-28"],
    })


def hand_contributions() -> pd.DataFrame:
    """P1 → growth 1.0, P2 → health 1.0, P3 → growth 0.5."""
    return pd.DataFrame({"growth": [1.0, 0.0, 0.5], "health": [0.0, 1.0, 0.0]},
                        index=pd.Index(["P1", "P2", "P3"], name="project_id"))


def hand_problem(**changes: object) -> AllocationProblem:
    """The hand case; optimum 670 (see test_hand.py for the derivation).

    It adopts the even drawdown and the financing plan (``[constraints] even_drawdown`` and
    ``financing_plan``), as the bundled example does.
    """
    base = dict(
        even_drawdown=True, financing_plan=True,
        years=YEARS, projects=hand_projects(), contributions=hand_contributions(),
        missions=("growth", "health"), instruments=INSTRUMENTS,
        budget={"CDEL": {"2026-27": 40.0, "2027-28": 30.0}, "FT": {"2026-27": 100.0},
                "RDEL": {"2027-28": 8.0}},
        exposure={"2027-28": 50.0}, objective="mission_value",
        weights={"growth": 1.0, "health": 2.0},
    )
    base.update(changes)
    return AllocationProblem(**base)  # type: ignore[arg-type]


@pytest.fixture
def hand() -> AllocationProblem:
    return hand_problem()
