"""A deliberately plain reference implementation of DESIGN §3.3, line by line and rule by rule.

It shares nothing with the engine but the parsed RuleSet and the code normalisers, and is
used by the tests as an oracle on small inputs.
"""

from __future__ import annotations

import re

import pandas as pd

from missionfinance.tagging import RuleSet
from missionfinance.tagging.codes import normalise_cofog, normalise_cpv
from missionfinance.tagging.rules import SPENDER_KINDS, Rule, normalise_text

RULES = """
[coefficients.rio]
principal = 1.0
significant = 0.4

[[rule]]
id = "CE-01"
mission = "clean-energy"
weight = 1.0
rationale = "Offshore wind"
cpv = ["0931", "45251160"]
keywords = ["offshore wind"]
exclude = ["fossil"]

[[rule]]
id = "CE-02"
mission = "clean-energy"
weight = "rio.significant"
rationale = "Fuel and energy"
cofog = ["04.3"]

[[rule]]
id = "CE-03"
mission = "clean-energy"
weight = -0.4
rationale = "Diesel purchases"
keywords = ["diesel"]

[[rule]]
id = "GR-01"
mission = "growth"
weight = 0.8
rationale = "Energy investment"
cofog = ["04"]

[[rule]]
id = "GR-02"
mission = "growth"
weight = 0.3
rationale = "Priority rule"
department = ["DESNZ"]
priority = 5
evidence = "line"

[[rule]]
id = "HE-02"
mission = "health"
weight = 1.0
rationale = "Bought by an NHS body: running costs of a health service"
buyer = ["nhs", "health board*"]

[[rule]]
id = "HE-01"
mission = "health"
weight = 1.0
rationale = "Health"
cofog = ["07"]

[[rule]]
id = "HE-00"
mission = "health"
weight = 1.0
rationale = "NHS"
keywords = ["nhs"]

[[rule]]
id = "OP-01"
mission = "opportunity"
weight = 0.0
rationale = "Assessed, no effect"
programme = ["Pensions admin"]

[[rule]]
id = "SS-01"
mission = "safer-streets"
weight = 1.0
rationale = "Schools and police"
keywords = ["school*"]

[[override]]
line_id = "L6"
mission = "health"
weight = 0.5
reason = "Only the capital share funds diagnostics"
"""
"""Rules shared by the tagging tests: every criterion kind, a coefficient, a negative weight, a
zero weight, a priority and an override."""


def _kw_regex(term: str) -> re.Pattern[str]:
    if term.endswith("*"):
        return re.compile(r"(?<![^\W])" + re.escape(term[:-1]))
    return re.compile(r"(?<![^\W])" + re.escape(term) + r"(?![^\W])")


def _matches(kind: str, term: str, line: dict[str, object]) -> bool:
    if kind == "cpv":
        return any(c.startswith(term) for c in str(line["cpv"]).split(";") if c)
    if kind == "cofog":
        return any(c == term or c.startswith(term + ".") for c in str(line["cofog"]).split(";") if c)
    if kind in ("department", "programme"):
        return " ".join(str(line[kind]).split()).casefold() == term
    if kind == "buyer":
        return bool(_kw_regex(term).search(normalise_text(str(line["department"]))))
    return bool(_kw_regex(term).search(str(line["description"])))


def reference_tags(lines: pd.DataFrame, rules: RuleSet, attribution: str = "net") -> pd.DataFrame:
    """Tags as (line_id, mission, weight, rule_id), sorted, computed the slow and obvious way."""
    frame = lines.copy()
    for col in ("department", "programme", "cofog", "cpv", "description"):
        if col not in frame:
            frame[col] = ""
        frame[col] = frame[col].fillna("").astype(str)
    frame["cpv"] = normalise_cpv(frame["cpv"])
    frame["cofog"] = normalise_cofog(frame["cofog"])
    if "source" in frame:  # a procurement line's COFOG is its buyer's: not evidence of purpose
        frame.loc[frame["source"].fillna("").astype(str).str.startswith("procurement"), "cofog"] = ""
    frame["description"] = frame["description"].map(normalise_text)
    proc = frame["source"].fillna("").astype(str).str.startswith("procurement") if "source" in frame else \
        pd.Series(False, index=frame.index)
    codes = frame["cpv"].str.split(";").map(lambda cs: [c for c in cs if c])
    frame["_generic"] = proc & codes.map(
        lambda cs: bool(cs) and all(any(c.startswith(g) for g in rules.generic_cpv) for c in cs))
    rows = []
    for line in frame.to_dict("records"):
        # descriptions here have no ": ", so every keyword is in the title; a weak keyword
        # is weak only on a generic purchase, and then needs a second piece of evidence
        vetoed = {r.id for r in rules.rules if any(_matches(k, t, line) for k, t in r.exclude)}

        def side(r: Rule) -> tuple[str, int]:
            return r.mission, (0 if r.weight > 0 else 1 if r.weight < 0 else 2)

        generic_line = bool(line["_generic"])
        # the sides whose body buys: a spender rule (department, buyer) of that mission and
        # direction matches the line; on its generic purchase a weak word names the buyer
        bodies = {side(r) for r in rules.rules
                  if r.evidence != "line" and r.id not in vetoed
                  and any(_matches(k, t, line) for k, terms in r.criteria.items() for t in terms)}

        def weak_hit(r: Rule, k: str, t: str, generic: bool = generic_line) -> bool:
            kw_alone = set(r.criteria) - {"keywords"} <= SPENDER_KINDS
            return r.strength == "weak" or (
                k == "keywords" and t in r.weak and kw_alone and generic)

        units: dict[tuple[str, int], set[str]] = {}
        for r in rules.rules:
            if r.evidence != "line" or r.id in vetoed:
                continue
            # a rule needing two kinds of line evidence at once gives none from one of them
            if len(set(r.criteria) - SPENDER_KINDS) != 1:
                continue
            for k, terms in r.criteria.items():
                for t in terms:
                    if not _matches(k, t, line) or k in SPENDER_KINDS:
                        continue
                    if generic_line and side(r) in bodies and weak_hit(r, k, t):
                        continue  # a body's own generic purchase: its weak words corroborate nothing
                    if k in ("cpv", "cofog", "programme"):
                        units.setdefault(side(r), set()).add("\0code")
                    elif k == "keywords":
                        units.setdefault(side(r), set()).add(t.rstrip("*"))

        def counts(r: Rule, k: str, t: str, generic: bool = bool(line["_generic"]),
                   units: dict[tuple[str, int], set[str]] = units) -> bool:
            if k in SPENDER_KINDS:
                return True
            kw_alone = set(r.criteria) - {"keywords"} <= SPENDER_KINDS
            if not (r.strength == "weak" or (generic and k == "keywords" and t in r.weak and kw_alone)):
                return True
            u = t.rstrip("*") if k == "keywords" else "\0code"
            return any(v != u and ("\0code" in (u, v) or (u not in v and v not in u))
                       for v in units.get(side(r), ()))

        best: dict[str, tuple[tuple[int, float, str], float, str]] = {}
        for rule in rules.rules:
            if not all(any(_matches(k, t, line) and counts(rule, k, t) for t in terms)
                       for k, terms in rule.criteria.items()):
                continue
            if rule.id in vetoed:
                continue
            key = (int(rule.evidence != "line"), -rule.priority, -abs(rule.weight), rule.id)
            if rule.mission not in best or key < best[rule.mission][0]:
                best[rule.mission] = (key, rule.weight, rule.id)
        chosen = {m: (w, rid, key[0] == 1) for m, (key, w, rid) in best.items()}
        for o in rules.overrides:
            if o.line_id == line["line_id"]:
                chosen[o.mission] = (o.weight, "override", False)
        for enab in (False, True):  # aligned and enabling shares are scaled apart
            positive = sum(w for w, _, e in chosen.values() if w > 0 and e == enab)
            scale = 1.0 / positive if attribution == "net" and positive > 1 else 1.0
            for m, (w, rid, e) in chosen.items():
                if e == enab:
                    rows.append((str(line["line_id"]), m, w * scale if w > 0 else w, rid))
    out = pd.DataFrame(rows, columns=["line_id", "mission", "weight", "rule_id"])
    return out.sort_values(["line_id", "mission"]).reset_index(drop=True)
