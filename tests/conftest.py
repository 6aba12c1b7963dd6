"""Shared fixtures: a small scenario on disk that every test can copy and break."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "scenarios" / "sr25-example.toml"
REAL = ROOT / "scenarios" / "data" / "real"

PIPELINE_CSV = """\
project_id,name,description,department,region,cofog,cpv,capacity,private_capacity,instruments,leverage_grant,leverage_loan,leverage_equity,leverage_guarantee,pd,lgd,additionality,start_year,end_year
P1,Offshore wind port upgrade,Quayside for offshore wind turbine assembly,DESNZ,Scotland,04.3,09310000,100,,grant;loan,0.5,3,,,0.05,0.45,0.67,,
P2,Community diagnostic centre,Diagnostic imaging and scanning for NHS patients,DHSC,North East,07.3,85100000,50,20,grant,0.4,,,,0,0.45,1,2026-27,2026-27
P3,Neighbourhood policing technology,Body-worn video and neighbourhood police equipment,Home Office,Wales,03.1,35000000,40,,grant;guarantee,0.3,,,1.5,0.1,0.5,1,,
"""

SCENARIO_TOML = """\
[scenario]
name = "Small test"
years = ["2026-27", "2027-28"]
attribution = "net"

[inputs]
missions = "builtin:uk"
rules = "builtin:uk"
pipeline = "pipeline.csv"

[instruments.grant]
budget_score = { CDEL = 1.0 }
[instruments.loan]
budget_score = { FT = 1.0 }
expected_loss_to = "RDEL"
[instruments.equity]
budget_score = { FT = 1.0 }
expected_loss_to = "RDEL"
[instruments.guarantee]
budget_score = {}
expected_loss_to = "RDEL"
exposure = true

[budget.CDEL]
"2026-27" = 60.0
"2027-28" = 40.0
[budget.FT]
"2026-27" = 50.0
[budget.RDEL]
"2026-27" = 10.0

[exposure]
"2026-27" = 30.0
"2027-28" = 30.0

[objective]
kind = "mission_value"
weights = { growth = 1.0, clean-energy = 1.0, safer-streets = 1.0, opportunity = 1.0, health = 1.0 }
"""


@pytest.fixture
def small_scenario(tmp_path: Path) -> Path:
    """A valid three-project, two-year scenario folder; returns the scenario path."""
    (tmp_path / "pipeline.csv").write_text(PIPELINE_CSV, encoding="utf-8")
    path = tmp_path / "scenario.toml"
    path.write_text(SCENARIO_TOML, encoding="utf-8")
    return path
