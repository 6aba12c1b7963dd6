"""Match rules against line profiles and decide which rules apply (engine and explain).

Lines are grouped into *profiles* (equal description, cpv, cofog, department and
programme). :func:`match_profiles` finds every (profile, term) hit; :func:`resolve`
decides, per profile, which rules apply and picks one winner per mission:

1. a rule applies when each of its criterion kinds matched and no exclude matched;
2. a keyword hit is *weak* when it occurs only in a list or boilerplate passage of the
   long description (:func:`~missionfinance.tagging.matching.weak_spans`), or when the
   keyword is listed under ``weak_keywords`` and either occurs only in the long
   description (not the title) or the line is a procurement of generic goods or services
   (every CPV code under the rule set's ``[generic]`` prefixes). Likewise a CPV hit is
   weak in a rule whose only evidence about the line is its CPV codes when the line
   lists :data:`CPV_LIST` codes or more (a framework's long list names everything it
   might buy). Every line-evidence hit of a rule with ``strength = "weak"`` is weak. In a rule whose only evidence about the line is its keywords,
   a weak hit counts only with a second piece of line evidence for the same mission and
   direction: another, non-overlapping keyword hit outside lists and boilerplate, or a
   CPV (not from a long list), COFOG or programme criterion of a line-evidence rule that
   matched the line itself (rules vetoed on the line give no evidence). On a generic
   purchase by a body of the mission (a spender rule of the same mission and direction
   matches the buyer) a weak keyword never corroborates another ("police" and
   "constabulary" in a police force's cleaning contract both name the buyer), and a rule
   needing two kinds of line evidence at once (keywords AND a CPV) gives none from a
   partial match;
3. the winner per (profile, mission): line evidence before spender evidence, then
   priority, ``|weight|`` and rule id (DESIGN §3.3).

The module depends on :mod:`~missionfinance.tagging.matching` and
:mod:`~missionfinance.tagging.rules` only; the engine and the explanation both use it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from missionfinance.tagging.codes import normalise_cpv
from missionfinance.tagging.matching import (
    CompiledRules,
    expand,
    factorize_columns,
    isin_sorted,
    match_column,
    runs,
    sorted_unique,
)
from missionfinance.tagging.rules import CRITERIA, SPENDER_KINDS, RuleSet

COLUMNS = {"cpv": "cpv", "cofog": "cofog", "department": "department",
           "programme": "programme", "keywords": "description", "buyer": "department"}
"""The line column each criterion kind reads."""
CPV_LIST = 4
"""A procurement line with this many CPV codes or more lists them: each is weak evidence."""


@dataclass(frozen=True)
class ProfileMatches:
    """Matches of a set of lines, by profile.

    ``profile`` gives each line its profile; ``hit_profile`` and ``hit_term`` hold one
    entry per (profile, term) hit (term ids index ``CompiledRules.terms``); ``hit_zone``
    says where a keyword hit was found (0 title, 1 long description, 2 only in list or
    boilerplate passages; see :func:`~missionfinance.tagging.matching.match_column`); ``generic`` is
    True for each profile that is a procurement of generic goods or services.
    """

    profile: np.ndarray
    n_profiles: int
    hit_profile: np.ndarray
    hit_term: np.ndarray
    hit_zone: np.ndarray
    generic: np.ndarray


def compiled_rules(rules: RuleSet) -> CompiledRules:
    """The compiled form of ``rules``, built once per RuleSet object and kept on it."""
    cached = rules.__dict__.get("_compiled_cache")
    if not isinstance(cached, CompiledRules):
        cached = CompiledRules(rules)
        rules.__dict__["_compiled_cache"] = cached  # a frozen dataclass: cache outside its fields
    return cached


def line_cofog(frame: pd.DataFrame) -> pd.Series:
    """The COFOG codes that describe each line's own purpose.

    On a procurement line (``source`` starting ``procurement``) the ``cofog`` field is the
    *buyer's* classification (OCDS ``buyer.classification``): it says who spends, not what
    is bought, so ``cofog`` criteria do not see it (an NHS board's door maintenance is not
    health care). Spending-review, CRA and PESA lines keep theirs: there the COFOG code is
    the function of the spending itself.
    """
    proc = frame["source"].str.startswith("procurement")
    return frame["cofog"].where(~proc, "")


def generic_purchase(cpv: pd.Series, prefixes: tuple[str, ...]) -> np.ndarray:
    """Whether each distinct CPV field lists codes that all fall under ``prefixes``.

    An empty field is not generic (nothing is known). Examples: with ``("72", "909")``,
    ``"72000000;90910000"`` is generic, ``"72000000;85100000"`` is not.

    Examples
    --------
    >>> generic_purchase(pd.Series(["72000000;90910000", "72000000;85100000", ""]), ("72", "909"))
    array([ True, False, False])
    """
    out = np.zeros(len(cpv), dtype=bool)
    if not prefixes or len(cpv) == 0:
        return out
    norm = normalise_cpv(cpv.fillna("").astype("str").reset_index(drop=True))
    codes = norm.str.split(";").explode()
    codes = codes[codes.fillna("") != ""].astype("str")
    if codes.empty:
        return out
    wanted = set(prefixes)
    under = np.zeros(len(codes), dtype=bool)
    for n in sorted({len(p) for p in wanted}):
        under |= codes.str.slice(0, n).isin(wanted).to_numpy()
    owner = codes.index.to_numpy(dtype=np.int64)
    n_codes = np.bincount(owner, minlength=len(cpv))
    n_under = np.bincount(owner, weights=under, minlength=len(cpv))
    return (n_codes > 0) & (n_under == n_codes)


def match_profiles(frame: pd.DataFrame, compiled: CompiledRules) -> ProfileMatches:
    """Match every term of the compiled rules against the profiles of ``frame``."""
    kinds = list(CRITERIA)
    cols = {**{k: frame[COLUMNS[k]] for k in kinds}, "cofog": line_cofog(frame)}
    proc = frame["source"].str.startswith("procurement")
    # the generic-purchase flag rides on the profile through a column of its own
    generic_col = frame["cpv"].where(proc, "")
    profile, prof_codes, uniques = factorize_columns([*(cols[k] for k in kinds), generic_col])
    n_prof = len(prof_codes[0]) if prof_codes else 0
    generic = generic_purchase(uniques[-1], compiled.rules.generic_cpv)[prof_codes[-1]] if n_prof else \
        np.zeros(0, dtype=bool)
    hit_profile: list[np.ndarray] = []
    hit_term: list[np.ndarray] = []
    hit_zone: list[np.ndarray] = []
    for kind, codes, uniq in zip(kinds, prof_codes, uniques, strict=False):
        v, term, listed = match_column(uniq, kind, compiled)
        if len(v) == 0:
            continue
        if kind == "cpv":  # a code among many (a framework's long CPV list) is list evidence
            n_codes = uniq.str.count(";").to_numpy(dtype=np.int64) + 1
            listed = np.where(n_codes[v] >= CPV_LIST, 2, listed).astype(np.int8)
        pair, prof = expand(codes, len(uniq), v)  # distinct values -> the profiles holding them
        hit_profile.append(prof)
        hit_term.append(term[pair])
        hit_zone.append(listed[pair])
    if hit_profile:
        small = np.int32 if max(n_prof, len(compiled.terms)) < 2**31 else np.int64  # halves memory
        return ProfileMatches(profile, n_prof, np.concatenate(hit_profile).astype(small),
                              np.concatenate(hit_term).astype(small), np.concatenate(hit_zone).astype(np.int8), generic)
    empty = np.empty(0, np.int64)
    return ProfileMatches(profile, n_prof, empty, empty, np.empty(0, dtype=np.int8), generic)


def weak_unsupported(matches: ProfileMatches, compiled: CompiledRules, veto_key: np.ndarray) -> np.ndarray:
    """Which hits are weak keyword evidence with no second piece of line evidence.

    See the module docstring (step 2). ``veto_key`` holds the sorted ``profile * n_rules +
    rule`` keys of vetoed rules. Returns a boolean mask over the hits.
    """
    arr = compiled.arrays
    n_rules = len(arr["weight"])
    unit, overlap = compiled.term_unit
    t = matches.hit_term.astype(np.int64)
    p = matches.hit_profile.astype(np.int64)
    r = compiled.term_rule[t]
    req = ~compiled.term_exclude[t]
    kw = req & (unit[t] >= 0) & (unit[t] < overlap.shape[0] - 1)
    zone = matches.hit_zone
    weak_word = compiled.term_weak[t]
    weak = kw & arr["kw_alone"][r] & ((zone == 2) | (weak_word & ((zone == 1) | matches.generic[p])))
    cpv = req & (compiled.term_kind_cpv[t])
    weak |= cpv & arr["cpv_alone"][r] & (zone == 2)
    weak |= req & arr["weak_rule"][r] & (unit[t] >= 0)
    if not weak.any():
        return weak
    vetoed = isin_sorted(p * n_rules + r, veto_key)
    n_side = int(arr["side"].max()) + 1
    side_key = p * n_side + arr["side"][r]
    # a generic purchase by a body of the mission (a spender rule of the same mission and
    # direction matched): its weak words name the buyer or its premises, not the purpose
    spender = req & arr["enabling"][r] & ~vetoed
    by_body = matches.generic[p] & isin_sorted(side_key, np.unique(side_key[spender]))
    # a rule that needs two kinds of line evidence at once (keywords AND a CPV, a COFOG AND
    # keywords) says nothing with one of them alone: its partial hits corroborate nothing
    single = np.array([len(set(rule.criteria) - SPENDER_KINDS) == 1 for rule in compiled.rules.rules], dtype=bool)
    # corroborating evidence: line-evidence rules, not vetoed, keyword outside lists or a code;
    # on a body's own generic purchase a weak word is never a second piece
    corro = req & ~arr["enabling"][r] & ~vetoed & single[r] & (unit[t] >= 0) & (zone < 2) & ~(weak & by_body)
    # every (weak hit, distinct corroborating unit) pair with the same profile and side: a
    # sort-based join (the answer is a set of hits, so the pairs' order does not matter)
    n_units = overlap.shape[0]
    c_pair, _ = sorted_unique((p[corro] * n_side + arr["side"][r[corro]]) * n_units + unit[t[corro]])
    c_key, c_unit = c_pair // n_units, c_pair % n_units
    w_idx = np.flatnonzero(weak)
    w_key = p[w_idx] * n_side + arr["side"][r[w_idx]]
    lo = np.searchsorted(c_key, w_key, side="left")
    n_pairs = np.searchsorted(c_key, w_key, side="right") - lo
    hit = np.repeat(np.arange(len(w_idx), dtype=np.int64), n_pairs)
    offs = np.arange(int(n_pairs.sum()), dtype=np.int64) - np.repeat(np.cumsum(n_pairs) - n_pairs, n_pairs)
    cu = c_unit[np.repeat(lo, n_pairs) + offs]
    wu = unit[t[w_idx]][hit]
    ok = (wu != cu) & ~overlap[wu, cu]
    supported = np.zeros(len(weak), dtype=bool)
    supported[w_idx[hit[ok]]] = True
    return weak & ~supported


def resolve(matches: ProfileMatches, compiled: CompiledRules) -> dict[str, np.ndarray]:
    """Decide which rules apply to each profile and pick one winner per (profile, mission).

    Returns arrays ``profile``, ``rule`` (the winners) and, for the explanation,
    ``matched_profile``/``matched_rule`` (all rules whose every criterion matched),
    ``vetoed`` (whether each of those is vetoed) and ``unsupported`` (a mask over the
    hits: weak keyword evidence that did not count, see :func:`weak_unsupported`).
    """
    arr = compiled.arrays
    n_rules = len(arr["weight"])
    n_groups = max(compiled.n_groups, 1)
    excl = compiled.term_exclude[matches.hit_term]
    vkey = matches.hit_profile[excl].astype(np.int64)
    vkey *= n_rules
    vkey += compiled.term_rule[matches.hit_term[excl]]
    veto_key, _ = sorted_unique(vkey, overwrite=True)
    unsupported = weak_unsupported(matches, compiled, veto_key)
    req = ~excl & ~unsupported
    # distinct (profile, required group) hits; group ids run in rule order, so the sorted
    # keys are also sorted by (profile, rule) and runs give the groups matched per rule
    key = matches.hit_profile[req].astype(np.int64)
    key *= n_groups
    key += compiled.term_group[matches.hit_term[req]]
    del req
    req_key, _ = sorted_unique(key, overwrite=True)
    del key
    req_prof = req_key // n_groups
    req_rule = compiled.group_rule[req_key % n_groups] if len(req_key) else req_key
    del req_key
    req_prof *= n_rules
    req_prof += req_rule
    pr_key, counts = runs(req_prof)
    del req_prof, req_rule
    full = counts == arr["n_req"][pr_key % n_rules]
    matched_key = pr_key[full]
    vetoed = isin_sorted(matched_key, veto_key)
    live = matched_key[~vetoed]
    live_prof = live // n_rules
    live_rule = live % n_rules
    n_missions = max(int(arr["mission"].max()) + 1 if n_rules else 1, 1)
    pm_key = live_prof * n_missions + arr["mission"][live_rule]
    order = np.lexsort((arr["rank"][live_rule], pm_key))
    pm_sorted = pm_key[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = pm_sorted[1:] != pm_sorted[:-1]
    win = order[first]
    return {
        "profile": live_prof[win],
        "rule": live_rule[win],
        "matched_profile": matched_key // n_rules,
        "matched_rule": matched_key % n_rules,
        "vetoed": vetoed,
        "unsupported": unsupported,
    }
