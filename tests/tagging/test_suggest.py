"""Rule proposals from labelled lines: deterministic, with precision and recall, valid TOML."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from missionfinance.cli import main
from missionfinance.tagging import RuleSet
from missionfinance.tagging.suggest import suggest, to_toml

GOLD = Path(__file__).parents[1] / "data" / "gold" / "gold.csv"


def test_suggest_proposes_reviewable_rules(tmp_path: Path) -> None:
    labels = pd.DataFrame(
        {
            "line_id": [f"L{i}" for i in range(6)],
            "description": [
                "Peat bog restoration",
                "Peat survey",
                "Upland peat works",
                "Office chairs",
                "Peat compost for parks",
                "Desk lamps",
            ],
            "amount": [1.0] * 6,
            "missions": ["clean-energy", "clean-energy", "clean-energy", "", "", ""],
        }
    )
    rules = RuleSet.from_toml(
        '[[rule]]\nid="X"\nmission="health"\nweight=1\nrationale="r"\nkeywords=["nhs"]'
    )
    out = suggest(labels, rules, min_precision=0.7)
    row = out[(out["term"] == "keyword:peat") & (out["kind"] == "rule")].iloc[0]
    assert row["mission"] == "clean-energy" and row["precision"] == 0.75 and row["recall"] == 1.0
    text = to_toml(out)
    assert "precision 0.750, recall 1.000" in text
    assert any(
        r.criteria.get("keywords") == ("peat",)
        for r in RuleSet.from_toml(text, source="s.toml").rules
    )
    pd.testing.assert_frame_equal(out, suggest(labels, rules, min_precision=0.7))  # deterministic


def test_cli_rules_suggest(tmp_path: Path) -> None:
    out = tmp_path / "suggested.toml"
    assert main(["rules", "suggest", str(GOLD), "--out", str(out)]) == 0
    RuleSet.load(out)
    assert main(["rules", "suggest", str(tmp_path / "missing.csv"), "--out", str(out)]) == 2


def test_candidates_are_scored_as_rules_not_by_occurrence() -> None:
    """A word found only in a list of three or more items does not count, as in a rule."""
    labels = pd.DataFrame(
        {
            "line_id": [f"L{i}" for i in range(7)],
            "source": ["procurement"] * 7,
            "description": [
                "Peat bog restoration",
                "Peat survey",
                "Upland peat works",
                "Grounds maintenance: parks, verges, peat bogs and cemeteries",
                "Office chairs",
                "Desk lamps",
                "Nhs staff car park",
            ],
            "amount": [1.0] * 7,
            "missions": ["clean-energy", "clean-energy", "clean-energy", "", "", "", ""],
        }
    )
    rules = RuleSet.from_toml(
        '[[rule]]\nid="X"\nmission="health"\nweight=1\nrationale="r"\nkeywords=["nhs"]'
    )
    out = suggest(labels, rules)
    row = out[(out["term"] == "keyword:peat") & (out["kind"] == "rule")].iloc[0]
    # by occurrence it would be 3 of 4 lines (0.75, below the 0.8 floor): run as a rule, the
    # list passage does not count, so the rule tags 3 lines, all labelled
    assert (row["lines"], row["precision"], row["recall"], row["fixes"], row["harms"]) == (
        3,
        1.0,
        1.0,
        3,
        0,
    )
    assert row["precision_after"] == 1.0 and row["recall_after"] == 1.0
    veto = out[(out["kind"] == "veto") & (out["mission"] == "health")]
    assert not veto.empty and (veto["harms"] == 0).all() and (veto["fixes"] == 1).all()
    assert set(veto["term"]) >= {"keyword:car park", "keyword:staff"}
    assert "fixes 3 missed, adds 0 wrong" in to_toml(out)
