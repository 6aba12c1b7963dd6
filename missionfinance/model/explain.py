"""Explanations in words: shadow prices of constraints and why a project is not funded.

Sign conventions. HiGHS reports ``row_dual`` as d objective / d row bound, in the
objective's own sense (checked by a hand case: maximising 3x + 2y with x + y ≤ 4 and
x ≤ 3 gives duals 2 and 1). The *gain* of relaxing a row by £1m is that dual for a ≤ row
and minus it for a ≥ row; in a minimisation a gain is a saving, so its sign is flipped.
Reduced costs follow the same rule: a column's gain per £1m is d_j for a maximisation
and −d_j for a minimisation, never positive for an unfunded project at an optimum.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Families whose rows belong to one project (their duals are not shared prices).
LOCAL_FAMILIES = frozenset({"capacity", "spend_profile", "crowding_in", "private_capacity", "guarantee_cover",
                            "leverage_segments", "cvar_exposure", "min_ticket"})

#: Families whose relaxation is worth re-solving to report the private money it adds.
MARGINAL_FAMILIES = frozenset({"budget", "exposure", "expected_loss", "cvar", "fiscal",
                               "recycling"})

NOUN = {
    "mission_value": "of mission value",
    "private_mobilised": "of additional private investment",
    "min_cost": "of economic cost (with priced shortfalls)",
    "mission_progress": "of weighted milestone progress",
}

_SHARE_FAMILIES = frozenset({"regional", "instrument_mix"})


def money(x: float) -> str:
    """Format an amount of £m for text: ``£2.4m``, ``£1,250m``, ``£0.012m``."""
    a = abs(x)
    if a >= 100:
        s = f"£{a:,.0f}m"
    elif a >= 1:
        s = f"£{a:.2f}m".replace(".00m", "m")
    elif a == 0:
        s = "£0m"
    else:
        s = f"£{a:.3g}m"
    return ("−" + s) if x < 0 else s


def subject(row: Mapping[str, str]) -> str:
    """What relaxing the row gives more of, in the scenario's own words."""
    fam, name = row["family"], row["name"]
    if fam == "budget":
        return f"{row['control']} headroom in {row['year']}"
    if fam == "capacity":
        return f"capacity for project {row['project']}"
    if fam == "spend_profile":
        return f"room in project {row['project']}'s spend profile in {row['year']}"
    if fam == "crowding_in":
        return f"private money that project {row['project']} can crowd in"
    if fam == "private_capacity":
        if name.startswith("financing_plan"):
            return f"room in the financing plan (capacity) of project {row['project']}"
        return f"private capacity for project {row['project']}"
    if fam == "guarantee_cover":
        return f"private lending that project {row['project']}'s guarantee can cover"
    if fam == "leverage_segments":
        return f"full-leverage capacity for project {row['project']}"
    if fam == "exposure":
        return f"guarantee exposure limit at the end of {row['year']}"
    if fam == "expected_loss":
        return f"expected-loss budget in {row['year']}" if row["year"] else \
            "expected-loss budget over the horizon"
    if fam == "cvar":
        return "CVaR risk limit"
    if fam == "cvar_excess":
        return f"loss tolerance in default scenario {name}"
    if fam == "cvar_exposure":
        return f"loss-bearing exposure link of project {row['project']}"
    if fam == "mission_bounds":
        kind = "floor" if "floor" in name else "ceiling"
        return f"room under the {kind} for mission {row['mission']}"
    if fam == "targets":
        return f"slack in target {name}"
    if fam == "fiscal":
        measure = name[len("fiscal["):].split(",")[0]
        label = {"current_deficit": "current-deficit"}.get(measure, measure.upper())
        return f"room under the {label} cap in {row['year']}"
    if fam == "recycling":
        return f"money recycled into {row['control']} in {row['year']}"
    if fam in ("outcome_progress", "outcome_target"):
        return f"outcome of milestone {row['mission']} by {row['year']} (per unit, not £1m)"
    if fam == "min_projects":
        return f"room in the minimum number of projects for mission {row['mission']}"
    return f"room in {name}"


#: Kinds of binding row sentence (:func:`row_words`).
_OTHER, _SHARE, _BOUNDS = 0, 1, 2

_WORD_COLUMNS = ("family", "name", "control", "year", "mission", "project")


@dataclass(frozen=True)
class RowWords:
    """The words of binding-row sentences that do not depend on the solution.

    Attributes
    ----------
    kind : ndarray of int8
        Per row: 1 a share row (its sentence is about 1 percentage point), 2 a mission
        floor or ceiling, 0 any other.
    lead : ndarray of object
        Per row, the sentence up to its verb: ``binding: £1m more <subject> `` or
        ``binding: lowering the floor for mission <m> by £1m `` ("" for share rows).
    """

    kind: np.ndarray
    lead: np.ndarray


def row_words(rows: pd.DataFrame, which: np.ndarray | None = None) -> RowWords:
    """:class:`RowWords` of the rows at positions ``which`` (every row by default).

    ``rows`` needs columns family, name, control, year, mission and project. They depend
    only on the rows' labels, so a run makes them for every row while HiGHS solves.
    """
    at = np.arange(len(rows)) if which is None else np.asarray(which, dtype=np.int64)
    arrays = [rows[c].to_numpy(dtype=object)[at].tolist() for c in _WORD_COLUMNS]
    kind = np.zeros(len(at), dtype=np.int8)
    lead = np.empty(len(at), dtype=object)
    leads: list[str] = []
    for k, vals in enumerate(zip(*arrays, strict=True)):
        row = dict(zip(_WORD_COLUMNS, vals, strict=True))
        f, name = row["family"], row["name"]
        if f in _SHARE_FAMILIES or ("share" in name):
            kind[k] = _SHARE
            leads.append("")
        elif f == "mission_bounds":
            kind[k] = _BOUNDS
            change = "lowering the floor" if "floor" in name else "raising the ceiling"
            leads.append(f"binding: {change} for mission {row['mission']} by £1m ")
        else:
            leads.append(f"binding: £1m more {subject(row)} ")
    lead[:] = leads
    return RowWords(kind, lead)


def row_explanations(rows: pd.DataFrame, objective: str, sense: str,
                     share_base: np.ndarray,
                     share_gain: Mapping[int, float] | None = None,
                     words: RowWords | None = None) -> np.ndarray:
    """One sentence per constraint row (:func:`row_sentences`), as an object array."""
    texts, which = row_sentences(rows, objective, sense, share_base, share_gain, words)
    return np.array(texts, dtype=object)[which] if len(which) else np.empty(0, dtype=object)


def row_sentences(rows: pd.DataFrame, objective: str, sense: str,
                  share_base: np.ndarray,
                  share_gain: Mapping[int, float] | None = None,
                  words: RowWords | None = None) -> tuple[list[str], np.ndarray]:
    """One sentence per constraint row from its slack, binding flag, dual and marginals.

    ``rows`` needs columns family, name, control, year, mission, project, lower, upper,
    slack, binding, dual and marginal_private. ``share_base`` is, per row, the £m the
    share is taken of (for share rows; used to turn a dual into 1 percentage point).
    ``share_gain`` maps a row position to the objective's change when its share is relaxed
    by 1 percentage point and the model re-solved; where given it is stated instead of the
    first-order estimate (the dual is a rate at the margin: over a whole point the basis
    may change). ``words``: :func:`row_words` of every row, when already made (made here
    for the binding rows otherwise).

    Returns
    -------
    texts : list of str
        The distinct sentences of the rows that are not binding, then one per binding row.
    which : ndarray of int
        Per row, the position of its sentence in ``texts``.
    """
    share_gain = share_gain or {}
    noun = NOUN[objective]
    n = len(rows)
    out = np.zeros(n, dtype=np.int64)
    dual = rows["dual"].to_numpy(dtype=np.float64)
    lower = rows["lower"].to_numpy(dtype=np.float64)
    upper = rows["upper"].to_numpy(dtype=np.float64)
    slack = rows["slack"].to_numpy(dtype=np.float64)
    binding = rows["binding"].to_numpy(dtype=bool)
    mp = rows["marginal_private"].to_numpy(dtype=np.float64)
    is_ge = np.isfinite(lower) & ~np.isfinite(upper)
    gain = np.where(is_ge, -dual, dual) * (1.0 if sense == "max" else -1.0)
    verb_pos = "adds" if sense == "max" else "saves"
    verb_neg = "costs" if sense == "max" else "adds"
    # Python floats and lists from here on: the same numbers and words, without numpy's
    # per-element overhead on tens of thousands of rows
    loose = np.flatnonzero(~binding)
    if loose.size:
        # one sentence per distinct slack (tens of thousands of rows share a few hundred)
        which, slacks = pd.factorize(slack[loose], use_na_sentinel=False)
        sentences = [f"not binding: {money(s)} of headroom left, so more of it changes nothing"
                     for s in slacks.tolist()]
        out[loose] = which
    else:
        sentences = []
    tight = np.flatnonzero(binding)
    if words is None:
        tight_words = row_words(rows, tight)
    else:
        tight_words = RowWords(words.kind[tight], words.lead[tight])
    kinds = tight_words.kind.tolist()
    leads = tight_words.lead.tolist()
    gains = gain[tight].tolist()
    duals = dual[tight].tolist()
    mps = mp[tight].tolist()
    bases = np.asarray(share_base, dtype=np.float64)[tight].tolist()
    sign = 1.0 if sense == "max" else -1.0
    amounts: dict[float, str] = {}  # money() of each amount met so far

    def amount(x: float) -> str:
        text = amounts.get(x)
        if text is None:
            text = amounts[x] = money(x)
        return text

    texts: list[str] = []
    isfinite = math.isfinite
    for k, kind, lead, g, d, m, base in zip(tight.tolist(), kinds, leads, gains, duals, mps,
                                            bases, strict=True):
        if not isfinite(g):
            texts.append("binding; no dual available (integer model or solver gave none)")
            continue
        if kind == _SHARE:
            if k in share_gain and np.isfinite(share_gain[k]):
                g1 = share_gain[k] * sign
                verb = verb_pos if g1 >= 0 else verb_neg
                texts.append(f"binding: relaxing this share by 1 percentage point {verb} "
                             f"{amount(abs(g1))} {noun} (re-solved)")
                continue
            g1 = abs(d) * 0.01 * base
            texts.append(f"binding: relaxing this share by 1 percentage point {verb_pos} about "
                         f"{amount(g1)} {noun}")
            continue
        verb = verb_pos if g >= 0 else verb_neg
        if kind == _BOUNDS:
            texts.append(f"{lead}{verb} {amount(abs(g))} {noun}")
            continue
        text = f"{lead}{verb} {amount(abs(g))} {noun}"
        if isfinite(m):
            text += f" and {amount(m)} of private investment"
        texts.append(text)
    out[tight] = len(sentences) + np.arange(len(tight))
    return sentences + texts, out


def why_not(project: str, best_gain: float, best_instr: str, best_year: str, lev: float,
            lev_needed: float, value: float, value_needed: float, objective: str,
            eligible: bool, tol: float = 1e-7, mission: str = "", weight: float = np.nan,
            weight_needed: float = np.nan) -> str:
    """Why an unfunded project is not funded, from its best column's reduced cost.

    ``lev_needed`` is the leverage, ``value_needed`` the mission value per £
    (Σ_m w_m c_pm) and ``weight_needed`` the weight of its main ``mission`` at which its
    best column would break even at today's shadow prices (NaN where not meaningful).
    """
    if not eligible:
        return "no eligible instrument in its year window"
    noun = NOUN[objective]
    if best_gain >= -tol:
        return ("a tie at the margin: funding it is as good as what is funded "
                "(another optimum would fund it)")
    loss = money(-best_gain)
    text = (f"its best use ({best_instr} in {best_year}) would lose {loss} {noun} per £1m "
            f"at today's shadow prices")
    wants = []
    if math.isfinite(lev_needed):
        wants.append(f"leverage {lev_needed:.3g} instead of {lev:.3g}")
    if math.isfinite(value_needed):
        wants.append(f"mission value per £ {value_needed:.3g} instead of {value:.3g}")
    if mission and math.isfinite(weight_needed):
        wants.append(f"a weight of {weight_needed:.3g} on {mission} instead of {weight:.3g}")
    if wants:
        text += "; it would need " + " or ".join(wants)
    del project
    return text
