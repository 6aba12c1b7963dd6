"""Shared fixtures for the tagging tests."""

from __future__ import annotations

import pandas as pd
import pytest

from missionfinance.tagging import RuleSet

RULES = """
[coefficients.rio]
principal = 1.0
significant = 0.4

[[rule]]
id = "CE-01"
mission = "clean-energy"
weight = 1.0
rationale = "Offshore wind"
cpv = ["0931", "45251160"]
keywords = ["offshore wind"]
exclude = ["fossil"]

[[rule]]
id = "CE-02"
mission = "clean-energy"
weight = "rio.significant"
rationale = "Fuel and energy"
cofog = ["04.3"]

[[rule]]
id = "CE-03"
mission = "clean-energy"
weight = -0.4
rationale = "Diesel purchases"
keywords = ["diesel"]

[[rule]]
id = "GR-01"
mission = "growth"
weight = 0.8
rationale = "Energy investment"
cofog = ["04"]

[[rule]]
id = "GR-02"
mission = "growth"
weight = 0.3
rationale = "Priority rule"
department = ["DESNZ"]
priority = 5

[[rule]]
id = "HE-01"
mission = "health"
weight = 1.0
rationale = "Health"
cofog = ["07"]

[[rule]]
id = "HE-00"
mission = "health"
weight = 1.0
rationale = "NHS"
keywords = ["nhs"]

[[rule]]
id = "OP-01"
mission = "opportunity"
weight = 0.0
rationale = "Assessed, no effect"
programme = ["Pensions admin"]

[[rule]]
id = "SS-01"
mission = "safer-streets"
weight = 1.0
rationale = "Schools and police"
keywords = ["school*"]

[[override]]
line_id = "L6"
mission = "health"
weight = 0.5
reason = "Only the capital share funds diagnostics"
"""


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
