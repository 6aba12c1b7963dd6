"""Plain-text explanation of how one line was tagged (``TaggingResult.explain``).

The line is matched again on its own against the compiled rules, so the explanation
shows every rule whose criteria all matched (applied, outranked or vetoed, with the
exclude term that vetoed it), rules that matched only in part, the override if any, and
for each mission why the winner beat the others (override; higher priority; larger
``|weight|``; smaller rule id), then the weights after attribution.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from missionfinance.tagging.codes import cofog_labels, cpv_label, normalise_cofog, normalise_cpv
from missionfinance.tagging.profiles import compiled_rules, match_profiles, resolve
from missionfinance.tagging.rules import CRITERIA, Rule

if TYPE_CHECKING:
    from missionfinance.tagging.result import TaggingResult

_MAX_PARTIAL = 8


def _label(term_label: str) -> str:
    kind, _, key = term_label.partition(":")
    if kind == "cpv":
        text = cpv_label(key)
        return f"{term_label} ({text})" if text else term_label
    if kind == "cofog":
        text = cofog_labels().get(key, "")
        return f"{term_label} ({text})" if text else term_label
    return term_label


def _money(x: float) -> str:
    """£m to six decimals (to the pound), trailing zeros dropped: ``£0.093007m``, ``£13m``."""
    text = f"{abs(x):,.6f}".rstrip("0").rstrip(".")
    return f"{'-' if x < 0 and text != '0' else ''}£{text}m"


def _why(winner: Rule, loser: Rule) -> str:
    if winner.priority != loser.priority:
        return f"higher priority ({winner.priority} > {loser.priority})"
    if abs(winner.weight) != abs(loser.weight):
        return f"larger |weight| ({abs(winner.weight):.2f} > {abs(loser.weight):.2f})"
    return f"same priority and |weight|, rule id {winner.id!r} sorts before {loser.id!r}"


def describe_codes(cpv: str, cofog: str) -> tuple[str, str]:
    """Human-readable CPV and COFOG fields with their labels, for explanations."""
    cpv_norm = normalise_cpv(pd.Series([cpv])).iloc[0]
    cofog_norm = normalise_cofog(pd.Series([cofog])).iloc[0]
    labels = cofog_labels()
    cpv_txt = "; ".join(f"{c} {cpv_label(c)}".strip() for c in cpv_norm.split(";") if c)
    cofog_txt = "; ".join(f"{c} {labels.get(c, '(not a COFOG code)')}" for c in cofog_norm.split(";") if c)
    return cpv_txt, cofog_txt


def explain_line(result: TaggingResult, pos: int) -> str:
    """Explain line number ``pos`` (0-based) of ``result`` (see the module docstring)."""
    rules = result.rules
    compiled = compiled_rules(rules)
    row = result._frame.iloc[[pos]].reset_index(drop=True)
    rec = row.iloc[0]
    matches = match_profiles(row, compiled)
    labels = compiled.terms["label"].to_numpy(dtype=object)
    hits: dict[int, dict[str, list[str]]] = {}
    vetoes: dict[int, list[str]] = {}
    unsupported = resolve(matches, compiled)["unsupported"]
    weak_only = set(np.unique(matches.hit_term[unsupported]).tolist()) - set(
        np.unique(matches.hit_term[~unsupported]).tolist())
    weak_hits: dict[int, list[str]] = {}
    terms = np.unique(matches.hit_term)  # sorted: rule order, then criterion and term order
    for term, rule_i, excl in zip(terms, compiled.term_rule[terms], compiled.term_exclude[terms], strict=True):
        text = _label(str(labels[term]))
        if int(term) in weak_only:
            weak_hits.setdefault(int(rule_i), []).append(text)
        elif excl:
            vetoes.setdefault(int(rule_i), []).append(text)
        else:
            kind = str(compiled.terms["kind"].iloc[int(term)])
            hits.setdefault(int(rule_i), {}).setdefault(kind, []).append(text)
    full = [i for i, h in hits.items() if len(h) == len(rules.rules[i].criteria)]
    partial = [i for i, h in hits.items() if len(h) < len(rules.rules[i].criteria)]
    live = [i for i in full if i not in vetoes]
    overrides = {o.mission: o for o in rules.overrides if o.line_id == rec["line_id"]}
    winners: dict[str, int] = {}
    for i in sorted(live, key=lambda i: (rules.rules[i].evidence != "line", -rules.rules[i].priority,
                                         -abs(rules.rules[i].weight), rules.rules[i].id)):
        winners.setdefault(rules.rules[i].mission, i)

    cpv_txt, cofog_txt = describe_codes(str(rec["cpv"]), str(rec["cofog"]))
    out = [
        f"Line {rec['line_id']!r}: {str(rec['description'])!r}",
        f"  source {rec['source'] or '(none)'!r}, department {rec['department'] or '(none)'!r}"
        + (f", programme {rec['programme']!r}" if rec["programme"] else ""),
        f"  amount {_money(float(rec['amount']))}",
        f"  cpv: {cpv_txt or '(none)'}",
        f"  cofog: {cofog_txt or '(none)'}",
    ]

    def on(i: int) -> str:
        h = hits[i]
        return "; ".join(t for k in CRITERIA for t in h.get(k, []))

    if full:
        out.append("Rules whose criteria all matched:")
        for i in sorted(full, key=lambda i: (rules.rules[i].mission, rules.rules[i].id)):
            r = rules.rules[i]
            head = f"  {r.id} -> {r.mission} weight {r.weight:+.2f}, priority {r.priority}, matched on {on(i)}"
            if i in vetoes:
                out.append(f"{head}: VETOED by exclude {', '.join(vetoes[i])}")
            elif r.mission in overrides:
                out.append(f"{head}: set aside by the analyst override for {r.mission}")
            elif winners.get(r.mission) == i:
                out.append(f"{head}: APPLIED ({r.rationale})")
            else:
                w = rules.rules[winners[r.mission]]
                out.append(f"{head}: outranked by {w.id} ({_why(w, r)})")
    else:
        out.append("No rule matched every one of its criteria.")
    if partial:
        out.append("Rules that matched only in part (not applied):")
        for i in sorted(partial, key=lambda i: rules.rules[i].id)[:_MAX_PARTIAL]:
            r = rules.rules[i]
            missing = [k for k in r.criteria if k not in hits[i]]
            out.append(f"  {r.id} -> {r.mission}: matched {on(i)}; no match for {', '.join(missing)}")
        if len(partial) > _MAX_PARTIAL:
            out.append(f"  ... and {len(partial) - _MAX_PARTIAL} more")
    weak_rules = [i for i in sorted(weak_hits, key=lambda i: rules.rules[i].id) if i not in live]
    if weak_rules:
        out.append("Weak keyword evidence without a second piece of line evidence (not counted):")
        for i in weak_rules[:_MAX_PARTIAL]:
            r = rules.rules[i]
            out.append(f"  {r.id} -> {r.mission}: {', '.join(weak_hits[i])} (a weak keyword, only in the "
                       "long description or a list, or on a generic purchase)")
    for m, o in overrides.items():
        out.append(f"Override for {m}: weight {o.weight:+.2f} ({o.reason})")

    tags = result.tags[result.tags["line_id"] == rec["line_id"]]
    status = str(result.lines["status"].iloc[pos])
    if tags.empty:
        out.append("Result: not assessed (no rule applies); the line is listed in untagged.")
        return "\n".join(out)
    scale = float(result.lines["net_scale"].iloc[pos])
    positive = float(result.lines["positive_weight"].iloc[pos])
    head = f"Result ({result.attribution} attribution): {status}"
    if positive > 1.0 + 1e-12:
        head += (f"; positive weights sum to {positive:.3g} > 1, scaled by {scale:.4g}"
                 if result.attribution == "net" else f"; positive weights sum to {positive:.3g} > 1 (kept)")
    out.append(head)
    for rec_t in tags.itertuples(index=False):
        out.append(
            f"  {rec_t.mission}: weight {rec_t.weight:+.4g}, {_money(float(rec_t.amount_attributed))} "
            f"{rec_t.direction} [{rec_t.rule_id}]"
        )
    return "\n".join(out)
