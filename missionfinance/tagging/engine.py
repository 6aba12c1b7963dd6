"""The tagging engine: match rules, resolve one winner per (line, mission), attribute.

Resolution (DESIGN §3.3) for one (line, mission): an override wins; otherwise, among the
rules that match and are not vetoed, the highest ``priority``, then the largest
``|weight|``, then the smallest rule id. Attribution per line: ``gross`` keeps each
mission's weight; ``net`` scales the line's *positive* weights down by their sum when it
exceeds 1, so a line's favourable mission shares add to at most 100%; negative weights
are never scaled. ``amount_attributed = weight × amount`` (£m).

Lines are grouped into *profiles* (equal description, cpv, cofog, department and
programme): rules are matched once per profile and the winners expanded to the lines
with integer array operations; there is no Python loop over lines.

Missing values: a missing optional column (``source``, ``department``, ``programme``,
``cofog``, ``cpv``) counts as empty; an empty field never matches a criterion of its
kind. ``description`` may be empty (no keyword can match).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from missionfinance.errors import MissionFinanceError
from missionfinance.tagging.matching import CompiledRules, expand_by_member, isin_sorted
from missionfinance.tagging.profiles import ProfileMatches, compiled_rules, match_profiles, resolve
from missionfinance.tagging.result import TaggingResult
from missionfinance.tagging.rules import RuleSet

ATTRIBUTIONS = ("net", "gross")
REQUIRED_COLUMNS = ("line_id", "description", "amount")
OPTIONAL_COLUMNS = ("source", "department", "programme", "cofog", "cpv")


def check_lines(lines: pd.DataFrame) -> pd.DataFrame:
    """Validate a lines frame and return the columns the engine reads (a new frame).

    Raises
    ------
    MissionFinanceError
        When a required column is missing, a line_id is empty or repeated, or an amount
        is not a finite number.
    """
    if not isinstance(lines, pd.DataFrame):
        raise MissionFinanceError(f"lines: expected a pandas DataFrame, got {type(lines).__name__}")
    missing = [c for c in REQUIRED_COLUMNS if c not in lines.columns]
    if missing:
        raise MissionFinanceError(
            f"lines column {missing[0]}: required column missing; lines need "
            f"{', '.join(REQUIRED_COLUMNS)} (DESIGN §3.1)"
        )
    ids = lines["line_id"]
    bad = ids.isna() | (ids.astype("str").str.strip() == "")
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0]) + 1
        raise MissionFinanceError(f"lines row {row}, column line_id: empty line_id; give every line an id")
    ids = ids.astype("str")
    dup = ids.duplicated()
    if dup.any():
        row = int(np.flatnonzero(dup.to_numpy())[0]) + 1
        raise MissionFinanceError(
            f"lines row {row}, column line_id: duplicate line_id {ids.iloc[row - 1]!r}; ids must be unique"
        )
    amount = pd.to_numeric(lines["amount"], errors="coerce").astype(np.float64)
    bad = ~np.isfinite(amount.to_numpy())
    if bad.any():
        row = int(np.flatnonzero(bad)[0]) + 1
        raise MissionFinanceError(
            f"lines row {row}, column amount: {lines['amount'].iloc[row - 1]!r} is not a number; "
            "give the amount in £m"
        )
    n = len(lines)
    out = {"line_id": ids.reset_index(drop=True), "amount": amount.reset_index(drop=True)}
    for col in ("description", *OPTIONAL_COLUMNS):
        if col in lines.columns:
            out[col] = lines[col].fillna("").astype("str").reset_index(drop=True)
        else:
            out[col] = pd.Series([""] * n, dtype="str")
    return pd.DataFrame(out)


def matched_on(
    matches: ProfileMatches, compiled: CompiledRules, profile: np.ndarray, rule: np.ndarray
) -> tuple[np.ndarray, list[str]]:
    """Build the ``matched_on`` text of each (profile, rule) winner.

    Returns category codes (one per winner) and the categories. Winners that share the
    same rule and set of matched terms share one string, so text is built once per
    distinct combination, not per line.
    """
    n_rules = max(len(compiled.arrays["weight"]), 1)
    req = ~compiled.term_exclude[matches.hit_term]
    p = matches.hit_profile[req].astype(np.int64)
    t = matches.hit_term[req].astype(np.int64)
    r = compiled.term_rule[t]
    win_key = profile * n_rules + rule
    key = p * n_rules + r
    keep = isin_sorted(key, np.sort(win_key))
    key, t = key[keep], t[keep]
    order = np.lexsort((t, key))
    key, t = key[order], t[order]
    rng = np.random.default_rng(20240611)
    salt = rng.integers(1, np.iinfo(np.int64).max, size=len(compiled.terms), dtype=np.int64).astype(np.uint64)
    if len(key):
        starts = np.flatnonzero(np.concatenate([[True], key[1:] != key[:-1]]))
        sig = np.add.reduceat(salt[t], starts)
        ukey = key[starts]
    else:
        starts = np.empty(0, dtype=np.int64)
        sig = np.empty(0, dtype=np.uint64)
        ukey = key
    codes_sig, uniq_sig = pd.factorize(sig)
    labels = compiled.terms["label"].to_numpy(dtype=object)
    bounds = np.append(starts, len(t))
    first_of = np.full(len(uniq_sig), -1, dtype=np.int64)
    first_of[codes_sig[::-1]] = np.arange(len(codes_sig) - 1, -1, -1)
    cats = ["; ".join(labels[t[bounds[k]:bounds[k + 1]]]) for k in first_of]
    pos = np.searchsorted(ukey, win_key)
    pos = np.minimum(pos, max(len(ukey) - 1, 0))
    found = (ukey[pos] == win_key) if len(ukey) else np.zeros(len(win_key), dtype=bool)
    codes = np.where(found, codes_sig[pos] if len(ukey) else -1, -1)
    return codes.astype(np.int64), cats


def tag(lines: pd.DataFrame, rules: RuleSet, attribution: str = "net") -> TaggingResult:
    """Tag spending lines against missions.

    Parameters
    ----------
    lines : pandas.DataFrame
        Lines frame of DESIGN §3.1: ``line_id`` (str, unique), ``description`` (str),
        ``amount`` (float [£m]); optional ``source``, ``department``, ``programme``,
        ``cofog``, ``cpv`` (str, ``;``-separated codes, ``""`` when empty). A pipeline
        frame works too once ``project_id`` is renamed ``line_id`` and ``capacity``
        ``amount``. Not modified.
    rules : RuleSet
        Validated rules, e.g. ``RuleSet.load("builtin:uk")``.
    attribution : {"net", "gross"}
        ``net`` scales a line's positive weights down so they sum to at most 1;
        ``gross`` keeps them.

    Returns
    -------
    TaggingResult
        ``.tags`` (line_id, mission, weight [share], amount_attributed [£m], rule_id,
        rationale, matched_on, relation, direction), ``.untagged``, ``.coverage``, ``.lines`` and
        ``.explain()``/``.contributions()``.

    Examples
    --------
    >>> import pandas as pd
    >>> lines = pd.DataFrame({"line_id": ["a", "b"], "description": ["Offshore wind farm", "Stationery"],
    ...                       "amount": [10.0, 1.0], "cofog": ["04.3", ""], "cpv": ["", "30192000"],
    ...                       "department": ["DESNZ", "HMT"], "source": ["sr", "sr"]})
    >>> res = tag(lines, RuleSet.load("builtin:uk"))
    >>> res.tags[["line_id", "mission", "weight"]].to_string(index=False)
    'line_id      mission  weight\\n      a clean-energy     1.0'
    >>> res.untagged["line_id"].tolist()
    ['b']
    >>> tag(lines, RuleSet.load("builtin:uk"), attribution="half")
    Traceback (most recent call last):
    ...
    missionfinance.errors.MissionFinanceError: attribution 'half': unknown; use 'net' or 'gross'
    """
    if attribution not in ATTRIBUTIONS:
        raise MissionFinanceError(f"attribution {attribution!r}: unknown; use 'net' or 'gross'")
    if not isinstance(rules, RuleSet):
        raise MissionFinanceError(
            f"rules: expected a RuleSet, got {type(rules).__name__}; use RuleSet.load(...)"
        )
    frame = check_lines(lines)
    compiled = compiled_rules(rules)
    arr = compiled.arrays
    matches = match_profiles(frame, compiled)
    res = resolve(matches, compiled)
    mo_codes, mo_cats = matched_on(matches, compiled, res["profile"], res["rule"])
    # expand winners (sorted by profile, then mission) to lines, in line order
    pair, line = expand_by_member(matches.profile, matches.n_profiles, res["profile"])
    t_rule = res["rule"][pair]
    t_line = line
    t_mission = arr["mission"][t_rule]
    t_weight = arr["weight"][t_rule]
    t_mo = mo_codes[pair]
    t_src = t_rule.copy()  # rule index, or -(k+1) for override k
    t_enab = arr["enabling"][t_rule] if len(t_rule) else np.zeros(0, dtype=bool)
    n_missions = len(rules.missions)
    # overrides
    if rules.overrides:
        mission_ids = list(rules.missions.ids)
        o_line = pd.Index(frame["line_id"]).get_indexer([o.line_id for o in rules.overrides])
        o_mission = np.array([mission_ids.index(o.mission) for o in rules.overrides], dtype=np.int64)
        o_weight = np.array([o.weight for o in rules.overrides], dtype=np.float64)
        o_src = -np.arange(1, len(rules.overrides) + 1, dtype=np.int64)
        present = o_line >= 0
        o_line, o_mission, o_weight, o_src = o_line[present], o_mission[present], o_weight[present], o_src[present]
        replaced = isin_sorted(t_line * n_missions + t_mission, np.sort(o_line * n_missions + o_mission))
        keep = ~replaced
        t_line = np.concatenate([t_line[keep], o_line])
        t_mission = np.concatenate([t_mission[keep], o_mission])
        t_weight = np.concatenate([t_weight[keep], o_weight])
        t_rule = np.concatenate([t_rule[keep], np.full(len(o_line), -1, dtype=np.int64)])
        t_mo = np.concatenate([t_mo[keep], np.full(len(o_line), -2, dtype=np.int64)])
        t_src = np.concatenate([t_src[keep], o_src])
        t_enab = np.concatenate([t_enab[keep], np.zeros(len(o_line), dtype=bool)])  # an override is aligned
        order = np.lexsort((t_mission, t_line))
        t_line, t_mission, t_weight, t_mo, t_src, t_enab = (
            t_line[order], t_mission[order], t_weight[order], t_mo[order], t_src[order], t_enab[order]
        )
    n = len(frame)
    # aligned and enabling shares are attributed apart: each set is scaled to at most 1
    pos_w = np.maximum(t_weight, 0.0)
    positive = np.bincount(t_line, weights=np.where(t_enab, 0.0, pos_w), minlength=n)
    positive_enab = np.bincount(t_line, weights=np.where(t_enab, pos_w, 0.0), minlength=n)
    scale = np.where(positive > 1.0, 1.0 / np.where(positive > 1.0, positive, 1.0), 1.0)
    scale_enab = np.where(positive_enab > 1.0, 1.0 / np.where(positive_enab > 1.0, positive_enab, 1.0), 1.0)
    if attribution == "net":
        factor = np.where(t_enab, scale_enab[t_line], scale[t_line])
        weight = np.where(t_weight > 0, t_weight * factor, t_weight)
    else:
        weight = t_weight.copy()
    return TaggingResult.build(
        frame=frame,
        source_lines=lines,
        rules=rules,
        attribution=attribution,
        t_line=t_line,
        t_mission=t_mission,
        t_weight=weight,
        t_src=t_src,
        t_enab=t_enab,
        t_mo=t_mo,
        mo_cats=mo_cats,
        positive=positive,
        scale=scale if attribution == "net" else np.ones(n),
    )
