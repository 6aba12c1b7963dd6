"""Shared fixtures for the tagging tests."""

from __future__ import annotations

import pandas as pd
import pytest

from missionfinance.tagging import RuleSet
from tests.tagging.tagging_reference import RULES


@pytest.fixture
def rules() -> RuleSet:
    return RuleSet.from_toml(RULES, source="test.toml")


@pytest.fixture
def lines() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "line_id": ["L1", "L2", "L3", "L4", "L5", "L6", "L7", "L8"],
            "source": ["sr", "sr", "procurement", "procurement", "sr", "sr", "sr", "procurement"],
            "department": ["DESNZ", "DfT", "DESNZ", "Kent", "HMT", "DHSC", "DfE", "Kent"],
            "programme": ["", "", "", "", "Pensions admin", "", "", ""],
            "description": [
                "Offshore wind grid connection",
                "Fossil fuel offshore wind support",
                "OFFSHORE\tWIND turbines",
                "Diesel for the fleet",
                "Pension administration",
                "NHS diagnostic centre",
                "Schooling and schools",
                "Stationery",
            ],
            "amount": [100.0, 50.0, 20.0, 2.0, 10.0, 30.0, 5.0, -1.0],
            "cofog": ["04.3", "4.3", "", "", "", "7.A", "", ""],
            "cpv": ["", "", "09310000-5", "09134200", "", "", "", "30192000"],
        }
    )
