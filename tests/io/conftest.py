"""Shared fixtures for the readers' tests: paths of the real data and the CRA read once."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from missionfinance.io import read_cra

ROOT = Path(__file__).resolve().parents[2]
REAL = ROOT / "scenarios" / "data" / "real"
CRA_GZ = REAL / "cra_2018_database.csv.gz"


@pytest.fixture(scope="session")
def cra_lines() -> pd.DataFrame:
    """The 2018 CRA database as lines (21,135 rows × 5 years), read once per session."""
    return read_cra(CRA_GZ)
