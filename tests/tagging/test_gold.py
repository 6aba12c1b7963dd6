"""Default UK rules against the hand-labelled gold sets (tests/data/gold, see its README).

The floors are the figures the shipped rules reach (docs/tagging.md): a change to the rules
or the engine that lowers precision or recall of any mission fails here. Raise a floor when
the rules improve; never lower one without saying why in the commit.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from missionfinance.errors import MissionFinanceError
from missionfinance.tagging import RuleSet
from missionfinance.tagging.evaluation import errors, evaluate

GOLD = Path(__file__).parents[1] / "data" / "gold"

# mission: (precision, recall) of the aligned tags, as reached by the evidence-model rules.
# gold.csv (325 lines) and holdout.csv (100 lines) are development sets: the rules were
# revised after reading their errors. Their labels predate the aligned/enabling split and
# count a single-purpose body's running costs as aligned, so their recall understates.
FLOORS_GOLD = {
    "growth": (0.743, 0.659),
    "clean-energy": (0.766, 0.793),
    "safer-streets": (0.956, 0.916),
    "opportunity": (0.894, 0.723),
    "health": (0.833, 0.857),
    "-clean-energy": (1.000, 1.000),
    "all": (0.834, 0.774),
}
FLOORS_HOLDOUT = {
    "growth": (0.666, 0.588),
    "clean-energy": (0.800, 0.500),
    "safer-streets": (0.714, 0.833),
    "opportunity": (0.888, 0.761),
    "health": (0.900, 0.900),
    "all": (0.803, 0.703),
}
# frozen.csv (160 lines, labelled to docs/tagging.md before the rules changed, never tuned
# on): the honest figure. Targets are precision 0.90 / recall 0.80 (micro), 0.80 per
# mission; the rules do not reach them yet (docs/tagging.md "Measured quality").
FLOORS_FROZEN = {
    "growth": (0.600, 0.807),
    "clean-energy": (0.500, 0.545),
    "safer-streets": (0.571, 0.666),
    "opportunity": (0.642, 0.900),
    "health": (0.789, 1.000),
    "all": (0.632, 0.808),
}


def read(name: str) -> pd.DataFrame:
    return pd.read_csv(GOLD / name, dtype={"amount": "float64"}, keep_default_na=False)


def test_gold_set_shape() -> None:
    gold = read("gold.csv")
    assert len(gold) >= 300
    assert list(gold.columns) == ["line_id", "source", "department", "description", "cofog", "cpv",
                                  "amount", "missions", "reason"]
    assert gold["line_id"].is_unique and (gold["reason"].str.len() > 0).all()
    assert gold["source"].str.startswith("cra").sum() >= 150
    holdout = read("holdout.csv")
    assert set(holdout["line_id"]).isdisjoint(gold["line_id"])


@pytest.mark.parametrize(("name", "floors"), [("gold.csv", FLOORS_GOLD), ("holdout.csv", FLOORS_HOLDOUT),
                                              ("frozen.csv", FLOORS_FROZEN)])
def test_precision_recall_floors(name: str, floors: dict[str, tuple[float, float]]) -> None:
    table = evaluate(read(name), RuleSet.load("builtin:uk")).set_index("mission")
    for mission, (p, r) in floors.items():
        assert table.loc[mission, "precision"] >= p, (mission, table.loc[mission].to_dict())
        assert table.loc[mission, "recall"] >= r, (mission, table.loc[mission].to_dict())


def test_frozen_shape_and_intervals() -> None:
    frozen = read("frozen.csv")
    assert len(frozen) == 160 and frozen["line_id"].is_unique and (frozen["reason"].str.len() > 0).all()
    used = set(read("gold.csv")["line_id"]) | set(read("holdout.csv")["line_id"])
    assert used.isdisjoint(frozen["line_id"])
    assert {"cra", "spending_review"} <= set(frozen["source"])
    table = evaluate(frozen, RuleSet.load("builtin:uk")).set_index("mission")
    row = table.loc["all"]
    assert row["precision_low"] <= row["precision"] <= row["precision_high"]
    assert row["recall_low"] <= row["recall"] <= row["recall_high"]
    enabling = evaluate(frozen, RuleSet.load("builtin:uk"), relation="enabling").set_index("mission")
    assert enabling.loc["all", "support"] == (frozen["enabling"] != "").sum()


def test_errors_listing() -> None:
    gold = read("gold.csv")
    out = errors(gold, RuleSet.load("builtin:uk"))
    assert {"line_id", "labelled", "predicted"} <= set(out.columns)
    assert 0 < len(out) < len(gold) / 4


def test_evaluate_rejects_unknown_mission() -> None:
    gold = read("gold.csv").head(3).assign(missions="wellbeing")
    with pytest.raises(MissionFinanceError, match="unknown mission 'wellbeing'"):
        evaluate(gold, RuleSet.load("builtin:uk"))
