"""Rule proposals from labelled lines: deterministic, with precision and recall, valid TOML."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from missionfinance.cli import main
from missionfinance.tagging import RuleSet
from missionfinance.tagging.suggest import suggest, to_toml

GOLD = Path(__file__).parents[1] / "data" / "gold" / "gold.csv"


def test_suggest_proposes_reviewable_rules(tmp_path: Path) -> None:
    labels = pd.DataFrame({
        "line_id": [f"L{i}" for i in range(6)],
        "description": ["Peat bog restoration", "Peat survey", "Upland peat works", "Office chairs",
                        "Peat compost for parks", "Desk lamps"],
        "amount": [1.0] * 6,
        "missions": ["clean-energy", "clean-energy", "clean-energy", "", "", ""],
    })
    rules = RuleSet.from_toml('[[rule]]\nid="X"\nmission="health"\nweight=1\nrationale="r"\nkeywords=["nhs"]')
    out = suggest(labels, rules, min_precision=0.7)
    row = out[(out["term"] == "keyword:peat") & (out["kind"] == "rule")].iloc[0]
    assert row["mission"] == "clean-energy" and row["precision"] == 0.75 and row["recall"] == 1.0
    text = to_toml(out)
    assert "precision 0.750, recall 1.000" in text
    assert any(r.criteria.get("keywords") == ("peat",) for r in RuleSet.from_toml(text, source="s.toml").rules)
    pd.testing.assert_frame_equal(out, suggest(labels, rules, min_precision=0.7))  # deterministic


def test_cli_rules_suggest(tmp_path: Path) -> None:
    out = tmp_path / "suggested.toml"
    assert main(["rules", "suggest", str(GOLD), "--out", str(out)]) == 0
    RuleSet.load(out)
    assert main(["rules", "suggest", str(tmp_path / "missing.csv"), "--out", str(out)]) == 2
