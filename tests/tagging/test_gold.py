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

# mission: (precision, recall) of the aligned tags, as reached by the rules with weak and
# strong evidence (docs/tagging.md). gold.csv (325 lines) and holdout.csv (100 lines) are
# development sets: the rules were revised after reading their errors. Their labels were
# revised to the aligned/enabling conventions (a single-purpose body's running costs are
# `enabling`; tests/data/gold/README.md; two more police running costs were relabelled
# `enabling` with the population audit of the rules).
FLOORS_GOLD = {
    "growth": (1.000, 0.809),
    "clean-energy": (1.000, 0.785),
    "safer-streets": (1.000, 1.000),
    "opportunity": (1.000, 0.894),
    "health": (0.925, 0.892),
    "-clean-energy": (1.000, 0.666),
    "all": (0.985, 0.859),
}
FLOORS_HOLDOUT = {
    "growth": (1.000, 0.800),
    "clean-energy": (1.000, 0.714),
    "safer-streets": (1.000, 1.000),
    "opportunity": (1.000, 0.937),
    "health": (0.900, 1.000),
    "all": (0.979, 0.886),
}
# dev2.csv (194 lines labelled with aligned and enabling to the written conventions).
FLOORS_DEV2 = {
    "growth": (1.000, 0.833),
    "clean-energy": (1.000, 0.909),
    "safer-streets": (1.000, 0.888),
    "opportunity": (1.000, 0.956),
    "health": (0.800, 0.666),
    "all": (0.971, 0.873),
}
# dev3.csv (157 lines drawn and labelled blind before the rules below were written; first
# measured at 0.824 / 0.848, then the rules were revised on its errors)
FLOORS_DEV3 = {
    "growth": (0.952, 0.909),
    "clean-energy": (0.909, 0.909),
    "safer-streets": (1.000, 1.000),
    "opportunity": (1.000, 0.947),
    "health": (1.000, 1.000),
    "all": (0.953, 0.939),
}
# dev4.csv (200 lines drawn and labelled blind, tests/data/gold/README.md). First measured with
# the rules of before the population audit at 0.797 / 0.752, then with the audited rules at
# 0.883 / 0.764 (not blind to the audit: every dev4 line is in the audited population, 58 of
# them among the judged tags); the rules were then revised on its errors.
FLOORS_DEV4 = {
    "growth": (0.875, 0.903),
    "clean-energy": (1.000, 0.937),
    "safer-streets": (1.000, 1.000),
    "opportunity": (0.894, 0.894),
    "health": (0.933, 1.000),
    "-clean-energy": (1.000, 1.000),
    "all": (0.922, 0.932),
}
# frozen.csv (160 lines, labelled to docs/tagging.md before the rules changed, never tuned
# on, its errors never read): the honest figure. Targets are precision 0.90 / recall 0.80
# (micro), 0.80 per mission; the rules do not reach them (docs/tagging.md "Measured quality").
# Measured once after the population audit: micro 0.788 / 0.765 -> 0.791 / 0.779. Growth
# precision 0.720 -> 0.703 and clean-energy precision 0.875 -> 0.777 are lower than before
# (one more wrong tag each among 27 and 9 predicted); the floors record the measured figures,
# as the errors are not read and so cannot be the basis of a fix.
FLOORS_FROZEN = {
    "growth": (0.703, 0.730),
    "clean-energy": (0.777, 0.636),
    "safer-streets": (0.714, 0.833),
    "opportunity": (0.818, 0.900),
    "health": (1.000, 0.866),
    "all": (0.791, 0.779),
}


def read(name: str) -> pd.DataFrame:
    return pd.read_csv(GOLD / name, dtype={"amount": "float64"}, keep_default_na=False)


def test_gold_set_shape() -> None:
    gold = read("gold.csv")
    assert len(gold) >= 300
    assert list(gold.columns) == ["line_id", "source", "department", "programme", "description", "cofog",
                                  "cpv", "amount", "missions", "enabling", "reason"]
    assert gold["line_id"].is_unique and (gold["reason"].str.len() > 0).all()
    assert gold["source"].str.startswith("cra").sum() >= 150
    holdout = read("holdout.csv")
    assert set(holdout["line_id"]).isdisjoint(gold["line_id"])
    dev2 = read("dev2.csv")
    assert list(dev2.columns) == list(gold.columns) and (dev2["reason"].str.len() > 0).all()
    assert len(gold) + len(holdout) + len(dev2) >= 600  # development lines
    assert set(dev2["line_id"]).isdisjoint(set(gold["line_id"]) | set(holdout["line_id"]))
    dev3 = read("dev3.csv")
    assert list(dev3.columns) == list(gold.columns) and len(dev3) >= 150 and (dev3["reason"].str.len() > 0).all()
    assert set(dev3["line_id"]).isdisjoint(set(gold["line_id"]) | set(holdout["line_id"]) | set(dev2["line_id"]))
    dev4 = read("dev4.csv")
    assert list(dev4.columns) == list(gold.columns) and len(dev4) == 200 and (dev4["reason"].str.len() > 0).all()
    earlier = set().union(*(read(n)["line_id"] for n in ("gold.csv", "holdout.csv", "dev2.csv", "dev3.csv", "frozen.csv")))
    assert dev4["line_id"].is_unique and set(dev4["line_id"]).isdisjoint(earlier)


@pytest.mark.parametrize(("name", "floors"), [("gold.csv", FLOORS_GOLD), ("holdout.csv", FLOORS_HOLDOUT),
                                              ("dev2.csv", FLOORS_DEV2), ("dev3.csv", FLOORS_DEV3),
                                              ("dev4.csv", FLOORS_DEV4), ("frozen.csv", FLOORS_FROZEN)])
def test_precision_recall_floors(name: str, floors: dict[str, tuple[float, float]]) -> None:
    table = evaluate(read(name), RuleSet.load("builtin:uk")).set_index("mission")
    for mission, (p, r) in floors.items():
        assert table.loc[mission, "precision"] >= p, (mission, table.loc[mission].to_dict())
        assert table.loc[mission, "recall"] >= r, (mission, table.loc[mission].to_dict())


def test_frozen_shape_and_intervals() -> None:
    frozen = read("frozen.csv")
    assert len(frozen) == 160 and frozen["line_id"].is_unique and (frozen["reason"].str.len() > 0).all()
    used = set().union(*(read(n)["line_id"] for n in ("gold.csv", "holdout.csv", "dev2.csv", "dev3.csv")))
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
