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

EVALUATION_COLUMNS = ("mission", "support", "predicted", "true_positive", "precision", "recall", "f1",
                      "precision_low", "precision_high", "recall_low", "recall_high")


def wilson(successes: int, trials: int, z: float = 1.959964) -> tuple[float, float]:
    """Wilson score interval (95% by default) for a proportion ``successes / trials``.

    Examples
    --------
    >>> [round(x, 3) for x in wilson(45, 50)]
    [0.786, 0.957]
    >>> wilson(0, 0)
    (nan, nan)
    """
    if trials == 0:
        return float("nan"), float("nan")
    p = successes / trials
    den = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / den
    half = z * ((p * (1 - p) / trials + z * z / (4 * trials * trials)) ** 0.5) / den
    return max(0.0, centre - half), min(1.0, centre + half)


def _pairs(line_id: pd.Series, missions: pd.Series) -> set[tuple[str, str]]:
    exploded = pd.DataFrame({"line_id": line_id.astype(str), "m": missions.fillna("").astype(str).str.split(";")})
    exploded = exploded.explode("m")
    exploded["m"] = exploded["m"].str.strip()
    exploded = exploded[exploded["m"] != ""]
    return set(zip(exploded["line_id"], exploded["m"], strict=True))


def evaluate(gold: pd.DataFrame, rules: RuleSet, attribution: str = "net", relation: str = "aligned") -> pd.DataFrame:
    """Tag the gold lines and compare with their labels.

    Parameters
    ----------
    gold : pandas.DataFrame
        Lines frame (DESIGN §3.1) plus ``missions`` (see the module docstring).
    rules : RuleSet
    attribution : {"net", "gross"}
    relation : {"aligned", "enabling"}
        ``aligned`` compares the ``aligned`` tags with ``missions``; ``enabling`` compares
        the ``enabling`` tags with the optional ``enabling`` column (missions the line
        serves only as running costs of a body whose function is that mission).

    Returns
    -------
    pandas.DataFrame
        One row per mission id (favourable labels), one per ``-mission`` id that occurs
        (unfavourable labels) and an ``all`` row (micro average): ``support`` (labelled
        lines), ``predicted``, ``true_positive``, ``precision``, ``recall``, ``f1``
        (NaN where undefined), and 95% Wilson intervals ``precision_low/high``,
        ``recall_low/high``.
    """
    if relation not in ("aligned", "enabling"):
        raise MissionFinanceError(f"relation {relation!r}: unknown; use 'aligned' or 'enabling'")
    if "missions" not in gold.columns:
        raise MissionFinanceError("gold: column 'missions' missing; label each line with its missions")
    known = set(rules.missions.ids)
    label_col = "missions" if relation == "aligned" else "enabling"
    if label_col not in gold.columns:
        raise MissionFinanceError("gold: column 'enabling' missing; label each line's enabling missions")
    truth = _pairs(gold["line_id"], gold[label_col])
    bad = sorted(m for _, m in truth if m.lstrip("-") not in known)
    if bad:
        raise MissionFinanceError(f"gold column missions: unknown mission {bad[0]!r}; use {', '.join(rules.missions.ids)}")
    result = tag(gold.drop(columns=[c for c in ("missions", "enabling") if c in gold.columns]), rules,
                 attribution=attribution)
    tags = result.tags[(result.tags["weight"] != 0) & (result.tags["relation"] == relation)]
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
        rows.append((m, len(t), len(p), tp, precision, recall, f1, *wilson(tp, len(p)), *wilson(tp, len(t))))
    return pd.DataFrame(rows, columns=list(EVALUATION_COLUMNS))


def errors(gold: pd.DataFrame, rules: RuleSet, attribution: str = "net") -> pd.DataFrame:
    """Lines where the rules and the labels disagree: line_id, description, labelled, predicted."""
    result = tag(gold.drop(columns=[c for c in ("missions", "enabling") if c in gold.columns]), rules,
                 attribution=attribution)
    tags = result.tags[(result.tags["weight"] != 0) & (result.tags["relation"] == "aligned")]
    signed = pd.Series(np.where(tags["weight"] > 0, "", "-"), index=tags.index) + tags["mission"].astype(str)
    pred = signed.groupby(tags["line_id"].astype(str).to_numpy()).agg(lambda s: ";".join(sorted(s)))
    out = gold[["line_id", "description", "missions"]].copy()
    out["missions"] = out["missions"].fillna("").map(lambda s: ";".join(sorted(filter(None, s.split(";")))))
    out["predicted"] = out["line_id"].astype(str).map(pred).fillna("")
    return out[out["missions"] != out["predicted"]].rename(columns={"missions": "labelled"})
