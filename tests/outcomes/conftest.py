"""A small scenario with outcomes, cut from the bundled example (its first projects of each
kind that have a yield), for the scenario, CLI and simulation tests."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "scenarios" / "data"

SCENARIO = """\
[scenario]
name = "Outcome test"
years = ["2026-27", "2027-28", "2028-29", "2029-30"]

[inputs]
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
"2026-27" = 300.0
"2027-28" = 300.0
"2028-29" = 300.0
"2029-30" = 300.0
[budget.FT]
"2026-27" = 300.0
"2027-28" = 300.0
"2028-29" = 300.0
"2029-30" = 300.0

# the example's project rules (its pipeline rows, with guarantees and no exposure limit)
[constraints]
even_drawdown = true
financing_plan = true

[objective]
kind = "KIND"

[outcomes]
yields = "yields.csv"

[outcomes.uncertainty]
seed = 7
[outcomes.uncertainty.yield]
all = { dist = "triangular", low = 0.5, mode = 1.0, high = 1.3 }
[outcomes.uncertainty.leverage]
all = { dist = "uniform", low = 0.7, high = 1.1 }
[outcomes.uncertainty.additionality]
all = { dist = "normal", mean = 1.0, sd = 0.1, per_project = true }
"""


def write_scenario(root: Path, kind: str = "mission_progress", extra: str = "") -> Path:
    """The small scenario under ``root``; returns the TOML path."""
    yields = pd.read_csv(EXAMPLE / "outcome_yields.csv", dtype=str, keep_default_na=False)
    chosen = yields.groupby("milestone").head(3)
    pipe = pd.read_csv(EXAMPLE / "pipeline.csv", dtype=str, keep_default_na=False)
    pipe = pipe[pipe["project_id"].isin(chosen["project_id"])]
    root.mkdir(parents=True, exist_ok=True)
    pipe.to_csv(root / "pipeline.csv", index=False, lineterminator="\n")
    chosen.to_csv(root / "yields.csv", index=False, lineterminator="\n")
    path = root / "scenario.toml"
    path.write_text(SCENARIO.replace("KIND", kind) + extra, encoding="utf-8")
    return path


@pytest.fixture
def small_scenario(tmp_path: Path) -> Path:
    return write_scenario(tmp_path / "work")
