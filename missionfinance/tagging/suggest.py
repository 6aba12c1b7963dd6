"""Propose rules and vetoes from an analyst's labelled lines (``missionfinance rules suggest``).

Deterministic and reviewable: candidates are whole words, two-word phrases of the
description and 4-digit CPV prefixes. For each mission,

- a **rule** is proposed for a candidate found in lines the rules miss (false negatives)
  whose precision on the labels (share of the lines holding it that are labelled with the
  mission) is at least ``min_precision``;
- a **veto** is proposed for a candidate found in lines the rules tag wrongly (false
  positives) that never occurs in a correctly tagged line.

Each proposal carries, as TOML comments, its precision and recall on the labels (recall =
share of the mission's labelled lines it covers). Nothing is adopted automatically.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from missionfinance.tagging.engine import tag
from missionfinance.tagging.rules import RuleSet, normalise_text

_WORD = re.compile(r"[a-z][a-z0-9&'-]{2,}")
_STOP = frozenset("the and for with from this that will are was been has have its our their services service "
                  "provision supply contract framework council award lot lots which into any all not per".split())


def _candidates(description: str, cpv: str) -> set[str]:
    words = [w for w in _WORD.findall(normalise_text(description)) if w not in _STOP]
    out = {f"keyword:{w}" for w in words}
    out |= {f"keyword:{a} {b}" for a, b in zip(words, words[1:], strict=False)}
    out |= {f"cpv:{c[:4]}" for c in str(cpv).split(";") if len(c) >= 4 and c[:4].isdigit()}
    return out


def suggest(labels: pd.DataFrame, rules: RuleSet, min_precision: float = 0.8, min_support: int = 3,
            top: int = 10) -> pd.DataFrame:
    """Proposals from labelled lines (``missions`` column as for :func:`evaluate`).

    Returns
    -------
    pandas.DataFrame
        ``kind`` (``rule``/``veto``), ``mission``, ``term`` (``keyword:...``/``cpv:...``),
        ``lines`` (labelled lines holding the term), ``precision``, ``recall`` (on the
        labels), ``fixes`` (false negatives covered, or false positives vetoed); sorted.
    """
    lines = labels.drop(columns=[c for c in ("missions", "enabling", "reason") if c in labels.columns])
    res = tag(lines, rules)
    t = res.tags[(res.tags["relation"] == "aligned") & (res.tags["weight"] > 0)]
    pred = set(zip(t["line_id"].astype(str), t["mission"].astype(str), strict=True))
    ids = labels["line_id"].astype(str).tolist()
    truth = {(i, m.strip()) for i, ms in zip(ids, labels["missions"].fillna("").astype(str), strict=True)
             for m in ms.split(";") if m.strip() and not m.strip().startswith("-")}
    cands = [_candidates(d, c) for d, c in zip(labels["description"].fillna("").astype(str),
                                               labels.get("cpv", pd.Series([""] * len(labels))).fillna("").astype(str),
                                               strict=True)]
    holders: dict[str, list[int]] = {}
    for k, cs in enumerate(cands):
        for c in cs:
            holders.setdefault(c, []).append(k)
    rows = []
    for m in rules.missions.ids:
        pos = np.array([(i, m) in truth for i in ids])
        hit = np.array([(i, m) in pred for i in ids])
        n_pos = int(pos.sum())
        for term, ks in sorted(holders.items()):
            if len(ks) < min_support:
                continue
            kk = np.array(ks)
            tp = int(pos[kk].sum())
            precision = tp / len(kk)
            recall = tp / n_pos if n_pos else float("nan")
            fn = int((pos[kk] & ~hit[kk]).sum())
            fp = int((~pos[kk] & hit[kk]).sum())
            if fn and precision >= min_precision:
                rows.append(("rule", m, term, len(kk), precision, recall, fn))
            if fp and not (pos[kk] & hit[kk]).any():
                rows.append(("veto", m, term, len(kk), precision, recall, fp))
    out = pd.DataFrame(rows, columns=["kind", "mission", "term", "lines", "precision", "recall", "fixes"])
    out = out.sort_values(["kind", "mission", "fixes", "precision", "term"], ascending=[True, True, False, False, True])
    return out.groupby(["kind", "mission"], sort=False).head(top).reset_index(drop=True)


def to_toml(proposals: pd.DataFrame) -> str:
    """Proposals as a TOML rule file to review.

    One ``[[rule]]`` per proposed rule; vetoes as comments naming the exclude entry to add
    to that mission's rules.
    """
    out = ["# Proposed from labelled lines by `missionfinance rules suggest`: review before adopting.", ""]
    for k, r in enumerate(proposals.itertuples(index=False)):
        kind, value = str(r.term).split(":", 1)
        stats = f"# precision {r.precision:.3f}, recall {r.recall:.3f} on the labels; {r.lines} lines, fixes {r.fixes}"
        if r.kind == "rule":
            key = "keywords" if kind == "keyword" else "cpv"
            out += [stats, "[[rule]]", f'id = "SUGGEST-{k + 1:03d}"', f'mission = "{r.mission}"', "weight = 1.0",
                    f'rationale = "Proposed: {kind} {value} (review)"', f'{key} = ["{value}"]', ""]
        else:
            out += [stats, f'# veto for {r.mission}: add exclude = ["{kind}:{value}"] to its rules', ""]
    return "\n".join(out)
