"""Propose rules and vetoes from an analyst's labelled lines (``missionfinance rules suggest``).

Deterministic and reviewable: candidates are whole words, two-word phrases of the
description and 4-digit CPV prefixes, taken from the lines the rules get wrong. Each
candidate is **scored by running it as a rule** with the tagging engine's own matching
(whole words, list and boilerplate passages, CPV hierarchy), not by counting the lines
that contain it: a word found only in a framework's list of eligible users, or a CPV
prefix found only among a long list of codes, does not count, exactly as in a rule. For
each mission,

- a **rule** is proposed for a candidate found in lines the rules miss (false negatives):
  run as a keyword (or CPV) rule of that mission, its precision on the labels (share of
  the lines it tags that are labelled with the mission) must be at least
  ``min_precision`` and it must tag at least ``min_support`` lines;
- a **veto** is proposed for a candidate found in lines the rules tag wrongly (false
  positives): added as an ``exclude`` to the mission's rules, it must remove a false
  positive and no correct tag.

Each proposal carries its precision and recall as a rule on the labels (recall = share of
the mission's labelled lines it tags), the missed lines it would fix, the wrong tags it
would add (rules) or the correct ones it would lose (vetoes, always 0), and the mission's
precision and recall on the labels with the proposal adopted alone. Candidates are
scored as plain rules: they carry none of the rule file's per-rule vetoes. Nothing is
adopted automatically.
"""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pandas as pd

from missionfinance.tagging.engine import check_lines, tag
from missionfinance.tagging.profiles import compiled_rules, match_profiles, resolve
from missionfinance.tagging.rules import RuleSet, normalise_text

_WORD = re.compile(r"[a-z][a-z0-9&'-]{2,}")
_STOP = frozenset(
    "the and for with from this that will are was been has have its our their services service "
    "provision supply contract framework council award lot lots which into any all not per".split()
)
_CPV4 = re.compile(r"^\d{4}")
COLUMNS = [
    "kind",
    "mission",
    "term",
    "lines",
    "precision",
    "recall",
    "fixes",
    "harms",
    "precision_after",
    "recall_after",
]
"""Columns of :func:`suggest`'s result."""


def _candidates(description: str, cpv: str) -> set[str]:
    words = [w for w in _WORD.findall(normalise_text(description)) if w not in _STOP]
    out = {f"keyword:{w}" for w in words}
    out |= {f"keyword:{a} {b}" for a, b in zip(words, words[1:], strict=False)}
    codes = (c.strip() for c in str(cpv).split(";"))
    out |= {f"cpv:{c[:4]}" for c in codes if _CPV4.match(c)}
    return out


def _scored(
    lines: pd.DataFrame, rules: RuleSet, terms: list[tuple[str, str]]
) -> tuple[np.ndarray, np.ndarray]:
    """Run each (mission, term) as a rule of its own on the lines.

    Returns two boolean matrices (candidates x lines): ``applies`` (the candidate rule tags
    the line: its term matched outside lists and boilerplate, the way a strong keyword or a
    CPV criterion counts in the engine) and ``present`` (the term occurs anywhere in the
    line, the way an ``exclude`` entry matches).
    """
    raw = []
    for k, (mission, term) in enumerate(terms):
        kind, value = term.split(":", 1)
        raw.append(
            {
                "id": f"SUGGEST-{k}",
                "mission": mission,
                "weight": 1.0,
                "rationale": "candidate",
                ("keywords" if kind == "keyword" else "cpv"): [value],
            }
        )
    cands = RuleSet.from_dict({"rule": raw}, missions=rules.missions, source="<suggest>")
    # the rule set's [generic] purchases decide where words are weak; no other rule competes
    combined = replace(cands, generic_cpv=rules.generic_cpv)
    compiled = compiled_rules(combined)
    matches = match_profiles(lines, compiled)
    n_cand = len(terms)
    # a candidate's own term hit (one term per candidate rule, so term index = rule index)
    t = matches.hit_term.astype(np.int64)
    rule_of_term = compiled.terms["rule"].to_numpy(dtype=np.int64)
    r = rule_of_term[t]
    p = matches.hit_profile.astype(np.int64)
    present_p = np.zeros((n_cand, matches.n_profiles), dtype=bool)
    present_p[r, p] = True
    counts_p = np.zeros((n_cand, matches.n_profiles), dtype=bool)
    strong = matches.hit_zone < 2
    counts_p[r[strong], p[strong]] = True
    res = resolve(matches, compiled)
    applied_p = np.zeros((n_cand, matches.n_profiles), dtype=bool)
    live = ~res["vetoed"]
    applied_p[res["matched_rule"][live], res["matched_profile"][live]] = True
    prof = matches.profile
    applies = (applied_p & counts_p)[:, prof]
    present = present_p[:, prof]
    return applies, present


def suggest(
    labels: pd.DataFrame,
    rules: RuleSet,
    min_precision: float = 0.8,
    min_support: int = 3,
    top: int = 10,
) -> pd.DataFrame:
    """Proposals from labelled lines (``missions`` column as for :func:`evaluate`).

    Parameters
    ----------
    labels : pandas.DataFrame
        Labelled lines: the lines columns (``line_id``, ``description``, ``amount``, ...)
        and ``missions`` (``;``-separated mission ids).
    rules : RuleSet
        The rules whose errors the proposals address.
    min_precision : float
        Least precision, as a rule on the labels, of a proposed rule.
    min_support : int
        Least number of labelled lines a proposed rule tags.
    top : int
        Most proposals kept per (kind, mission).

    Returns
    -------
    pandas.DataFrame
        ``kind`` (``rule``/``veto``), ``mission``, ``term`` (``keyword:...``/``cpv:...``),
        ``lines`` (labelled lines the candidate tags as a rule, or for a veto the labelled
        lines holding it), ``precision`` and ``recall`` (of the candidate run as a rule on
        the labels), ``fixes`` (missed lines it tags, or wrong tags it vetoes), ``harms``
        (wrong tags it adds, or correct tags it vetoes: 0 for a proposed veto),
        ``precision_after`` and ``recall_after`` (the mission's figures on the labels with
        this proposal adopted alone). Rules come first, sorted per mission by fixes, harms
        and precision; then vetoes, by fixes, the lowest precision (the term least tied to
        the mission) and the most lines.
    """
    lines = check_lines(
        labels.drop(columns=[c for c in ("missions", "enabling", "reason") if c in labels.columns])
    )
    res = tag(lines, rules)
    t = res.tags[(res.tags["relation"] == "aligned") & (res.tags["weight"] > 0)]
    pred_pairs = set(zip(t["line_id"].astype(str), t["mission"].astype(str), strict=True))
    ids = lines["line_id"].astype(str).tolist()
    truth = {
        (i, m.strip())
        for i, ms in zip(ids, labels["missions"].fillna("").astype(str), strict=True)
        for m in ms.split(";")
        if m.strip() and not m.strip().startswith("-")
    }
    cands = [
        _candidates(d, c)
        for d, c in zip(lines["description"].astype(str), lines["cpv"].astype(str), strict=True)
    ]
    seen: dict[str, int] = {}
    for cs in cands:
        for c in cs:
            seen[c] = seen.get(c, 0) + 1
    wanted: list[tuple[str, str, str]] = []  # (kind, mission, term)
    pos: dict[str, np.ndarray] = {}
    hit: dict[str, np.ndarray] = {}
    for m in rules.missions.ids:
        pos[m] = np.array([(i, m) in truth for i in ids], dtype=bool)
        hit[m] = np.array([(i, m) in pred_pairs for i in ids], dtype=bool)
        fn_terms: set[str] = set()
        fp_terms: set[str] = set()
        for k in np.flatnonzero(pos[m] & ~hit[m]):
            fn_terms |= cands[k]
        for k in np.flatnonzero(~pos[m] & hit[m]):
            fp_terms |= cands[k]
        wanted += [("rule", m, c) for c in sorted(fn_terms) if seen[c] >= min_support]
        wanted += [("veto", m, c) for c in sorted(fp_terms)]
    if not wanted:
        return pd.DataFrame(columns=COLUMNS)
    applies, present = _scored(lines, rules, [(m, c) for _, m, c in wanted])
    rows = []
    for j, (kind, m, term) in enumerate(wanted):
        ps, hs = pos[m], hit[m]
        n_pos = int(ps.sum())
        if kind == "rule":
            tags = applies[j]
            n = int(tags.sum())
            tp = int((tags & ps).sum())
            if n < min_support or tp / n < min_precision:
                continue
            fixes = int((tags & ps & ~hs).sum())
            harms = int((tags & ~ps & ~hs).sum())
            after = hs | tags
        else:
            vetoed = present[j] & hs
            n = int(present[j].sum())
            fixes = int((vetoed & ~ps).sum())
            harms = int((vetoed & ps).sum())
            if not fixes or harms:
                continue
            tp = int((present[j] & ps).sum())
            after = hs & ~vetoed
            tags = present[j]
        n_tag = int(tags.sum())
        precision = tp / n_tag if n_tag else float("nan")
        recall = tp / n_pos if n_pos else float("nan")
        n_after = int(after.sum())
        p_after = int((after & ps).sum()) / n_after if n_after else float("nan")
        r_after = int((after & ps).sum()) / n_pos if n_pos else float("nan")
        if kind == "rule" and not fixes:
            continue
        rows.append((kind, m, term, n, precision, recall, fixes, harms, p_after, r_after))
    out = pd.DataFrame(rows, columns=COLUMNS)
    # rules: most missed lines fixed, fewest wrong tags added, most precise; vetoes: most wrong
    # tags removed, then the term least associated with the mission and seen in most lines
    # (a word found in one wrong line only is an anecdote, not a pattern)
    proposed = out[out["kind"] == "rule"].sort_values(
        ["mission", "fixes", "harms", "precision", "term"],
        ascending=[True, False, True, False, True],
    )
    vetoes = out[out["kind"] == "veto"].sort_values(
        ["mission", "fixes", "precision", "lines", "term"],
        ascending=[True, False, True, False, True],
    )
    out = pd.concat([proposed, vetoes], ignore_index=True)
    return out.groupby(["kind", "mission"], sort=False).head(top).reset_index(drop=True)


def to_toml(proposals: pd.DataFrame) -> str:
    """Proposals as a TOML rule file to review.

    One ``[[rule]]`` per proposed rule; vetoes as comments naming the exclude entry to add
    to that mission's rules. Each proposal's scores are written as a comment above it.
    """
    out = [
        "# Proposed from labelled lines by `missionfinance rules suggest`: review before adopting.",
        "# Scores: each candidate run as a rule on the labels; 'after' = the mission's precision and",
        "# recall on the labels with this proposal adopted alone.",
        "",
    ]
    for k, r in enumerate(proposals.itertuples(index=False)):
        kind, value = str(r.term).split(":", 1)
        if r.kind == "rule":
            stats = (
                f"# precision {r.precision:.3f}, recall {r.recall:.3f} as a rule on the labels; tags {r.lines} "
                f"lines, fixes {r.fixes} missed, adds {r.harms} wrong; after: precision "
                f"{r.precision_after:.3f}, recall {r.recall_after:.3f}"
            )
            key = "keywords" if kind == "keyword" else "cpv"
            out += [
                stats,
                "[[rule]]",
                f'id = "SUGGEST-{k + 1:03d}"',
                f'mission = "{r.mission}"',
                "weight = 1.0",
                f'rationale = "Proposed: {kind} {value} (review)"',
                f'{key} = ["{value}"]',
                "",
            ]
        else:
            stats = (
                f"# in {r.lines} labelled lines (precision {r.precision:.3f} as a rule); removes {r.fixes} "
                f"wrong tags, loses {r.harms} correct; after: precision {r.precision_after:.3f}, "
                f"recall {r.recall_after:.3f}"
            )
            out += [
                stats,
                f'# veto for {r.mission}: add exclude = ["{kind}:{value}"] to its rules',
                "",
            ]
    return "\n".join(out)
