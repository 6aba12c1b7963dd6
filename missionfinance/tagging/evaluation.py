"""Evaluate rules against hand-labelled lines: precision and recall per mission.

A labelled ("gold") frame is a lines frame with a ``missions`` column: the mission ids the
line serves, ``;``-separated, ``""`` for none, and a leading ``-`` for a mission the line
works against (``"health;-clean-energy"``). Only the direction matters, not the weight: a
mission is *predicted* for a line when its tag has a positive weight (``-mission`` when
negative); weight-0 tags predict nothing.

``tests/data/gold/gold.csv`` is the package's gold set (see its README).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from missionfinance.errors import MissionFinanceError
from missionfinance.tagging.engine import tag
from missionfinance.tagging.rules import RuleSet

EVALUATION_COLUMNS = ("mission", "support", "predicted", "true_positive", "precision", "recall", "f1")


def _pairs(line_id: pd.Series, missions: pd.Series) -> set[tuple[str, str]]:
    exploded = pd.DataFrame({"line_id": line_id.astype(str), "m": missions.fillna("").astype(str).str.split(";")})
    exploded = exploded.explode("m")
    exploded["m"] = exploded["m"].str.strip()
    exploded = exploded[exploded["m"] != ""]
    return set(zip(exploded["line_id"], exploded["m"], strict=True))


def evaluate(gold: pd.DataFrame, rules: RuleSet, attribution: str = "net") -> pd.DataFrame:
    """Tag the gold lines and compare with their labels.

    Parameters
    ----------
    gold : pandas.DataFrame
        Lines frame (DESIGN §3.1) plus ``missions`` (see the module docstring).
    rules : RuleSet
    attribution : {"net", "gross"}

    Returns
    -------
    pandas.DataFrame
        One row per mission id (favourable labels), one per ``-mission`` id that occurs
        (unfavourable labels) and an ``all`` row (micro average): ``support`` (labelled
        lines), ``predicted``, ``true_positive``, ``precision``, ``recall``, ``f1``
        (NaN where undefined).
    """
    if "missions" not in gold.columns:
        raise MissionFinanceError("gold: column 'missions' missing; label each line with its missions")
    known = set(rules.missions.ids)
    truth = _pairs(gold["line_id"], gold["missions"])
    bad = sorted(m for _, m in truth if m.lstrip("-") not in known)
    if bad:
        raise MissionFinanceError(f"gold column missions: unknown mission {bad[0]!r}; use {', '.join(rules.missions.ids)}")
    result = tag(gold.drop(columns=["missions"]), rules, attribution=attribution)
    tags = result.tags[result.tags["weight"] != 0]
    signed = np.where(tags["weight"] > 0, "", "-") + tags["mission"].astype(str).to_numpy()
    pred = set(zip(tags["line_id"].astype(str), signed, strict=True))
    labels = [*rules.missions.ids, *sorted({m for _, m in truth | pred if m.startswith("-")})]
    rows = []
    for m in [*labels, "all"]:
        t = {p for p in truth if m == "all" or p[1] == m}
        p = {p for p in pred if m == "all" or p[1] == m}
        tp = len(t & p)
        precision = tp / len(p) if p else float("nan")
        recall = tp / len(t) if t else float("nan")
        f1 = 2 * precision * recall / (precision + recall) if p and t and (precision + recall) else float("nan")
        rows.append((m, len(t), len(p), tp, precision, recall, f1))
    return pd.DataFrame(rows, columns=list(EVALUATION_COLUMNS))


def errors(gold: pd.DataFrame, rules: RuleSet, attribution: str = "net") -> pd.DataFrame:
    """Lines where the rules and the labels disagree: line_id, description, labelled, predicted."""
    result = tag(gold.drop(columns=["missions"]), rules, attribution=attribution)
    tags = result.tags[result.tags["weight"] != 0]
    signed = pd.Series(np.where(tags["weight"] > 0, "", "-"), index=tags.index) + tags["mission"].astype(str)
    pred = signed.groupby(tags["line_id"].astype(str).to_numpy()).agg(lambda s: ";".join(sorted(s)))
    out = gold[["line_id", "description", "missions"]].copy()
    out["missions"] = out["missions"].fillna("").map(lambda s: ";".join(sorted(filter(None, s.split(";")))))
    out["predicted"] = out["line_id"].astype(str).map(pred).fillna("")
    return out[out["missions"] != out["predicted"]].rename(columns={"missions": "labelled"})
