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
from typing import Any, TypeAlias

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

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

#: Arrow's type of the text in a pandas ``str`` array.
_LARGE = pa.large_string()

def text_array(values: pa.Array) -> pd.api.extensions.ExtensionArray:
    """Arrow text ``values`` as a pandas ``str`` array (the dtype a frame gives text).

    The array equals ``pd.array(values.to_pylist(), dtype="str")``; where that dtype is
    stored in Arrow (pandas 3 with pyarrow) it wraps ``values``, without a pass through
    Python strings.
    """
    dtype = pd.array(np.empty(0, dtype=object), dtype="str").dtype
    if getattr(dtype, "storage", None) == "pyarrow" and isinstance(dtype, pd.StringDtype):
        return pd.arrays.ArrowStringArray(pa.chunked_array([values.cast(_LARGE)], type=_LARGE),
                                          dtype=dtype)
    return pd.array(np.asarray(values.to_pylist(), dtype=object), dtype="str")


def texts_at(texts: list[str], which: np.ndarray) -> pa.Array:
    """``texts[which[k]]`` for each k, as an Arrow text array (each text converted once)."""
    return pa.array(texts, type=_LARGE).take(pa.array(np.asarray(which, dtype=np.int64)))


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

#: Constraint rows: a frame, or a mapping of column name to array.
Rows: TypeAlias = pd.DataFrame | Mapping[str, Any]


@dataclass(frozen=True)
class RowWords:
    """The words of binding-row sentences that do not depend on the solution.

    Attributes
    ----------
    kind : ndarray of int8
        Per row: 1 a share row (its sentence is about 1 percentage point), 2 a mission
        floor or ceiling, 0 any other.
    lead : pyarrow.Array
        Per row, the sentence up to its verb: ``binding: £1m more <subject> `` or
        ``binding: lowering the floor for mission <m> by £1m `` ("" for share rows), as
        Arrow text (:func:`row_texts` joins it to the rest of the sentence in Arrow).
    """

    kind: np.ndarray
    lead: pa.Array


def row_words(rows: Rows, which: np.ndarray | None = None) -> RowWords:
    """:class:`RowWords` of the rows at positions ``which`` (every row by default).

    ``rows`` (a frame or a mapping of arrays) needs columns family, name, control, year,
    mission and project. They depend only on the rows' labels, so a run makes them for
    every row while HiGHS solves.
    """
    at = np.arange(len(rows["family"])) if which is None else np.asarray(which, dtype=np.int64)
    arrays = [np.asarray(rows[c], dtype=np.object_)[at].tolist() for c in _WORD_COLUMNS]
    kind = np.zeros(len(at), dtype=np.int8)
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
    return RowWords(kind, pa.array(leads, type=_LARGE))


def row_explanations(rows: Rows, objective: str, sense: str,
                     share_base: np.ndarray,
                     share_gain: Mapping[int, float] | None = None,
                     words: RowWords | None = None) -> np.ndarray:
    """One sentence per constraint row (:func:`row_texts`), as an object array."""
    texts = row_texts(rows, objective, sense, share_base, share_gain, words)
    return np.array(texts.to_pylist(), dtype=object) if len(texts) else np.empty(0, dtype=object)


_NO_DUAL = "binding; no dual available (integer model or solver gave none)"


def _loose_sentence(slack: float) -> str:
    return f"not binding: {money(slack)} of headroom left, so more of it changes nothing"


class _Wording:
    """The words of binding-row sentences after the lead, with each amount formatted once."""

    def __init__(self, objective: str, sense: str,
                 share_gain: Mapping[int, float]) -> None:
        self.noun = NOUN[objective]
        self.sign = 1.0 if sense == "max" else -1.0
        self.verb_pos = "adds" if sense == "max" else "saves"
        self.verb_neg = "costs" if sense == "max" else "adds"
        self.share_gain = share_gain
        self.amounts: dict[float, str] = {}  # money() of each amount met so far

    def amount(self, x: float) -> str:
        text = self.amounts.get(x)
        if text is None:
            text = self.amounts[x] = money(x)
        return text

    def share(self, k: int, dual: float, base: float) -> str:
        """The sentence of share row ``k`` (a whole sentence: share rows have no lead)."""
        gain = self.share_gain.get(k)
        if gain is not None and np.isfinite(gain):
            g1 = gain * self.sign
            verb = self.verb_pos if g1 >= 0 else self.verb_neg
            return (f"binding: relaxing this share by 1 percentage point {verb} "
                    f"{self.amount(abs(g1))} {self.noun} (re-solved)")
        g1 = abs(dual) * 0.01 * base
        return (f"binding: relaxing this share by 1 percentage point {self.verb_pos} about "
                f"{self.amount(g1)} {self.noun}")

    def tail(self, gain: float, private: float) -> str:
        """What follows the lead: the verb, the gain and (if finite) the private money."""
        verb = self.verb_pos if gain >= 0 else self.verb_neg
        text = f"{verb} {self.amount(abs(gain))} {self.noun}"
        if math.isfinite(private):
            text += f" and {self.amount(private)} of private investment"
        return text


def _row_numbers(rows: Rows, sense: str) -> tuple[np.ndarray, ...]:
    """slack, binding, dual, gain (of £1m more room, in the objective's favour), marginal."""
    dual = np.asarray(rows["dual"], dtype=np.float64)
    lower = np.asarray(rows["lower"], dtype=np.float64)
    upper = np.asarray(rows["upper"], dtype=np.float64)
    is_ge = np.isfinite(lower) & ~np.isfinite(upper)
    gain = np.where(is_ge, -dual, dual) * (1.0 if sense == "max" else -1.0)
    return (np.asarray(rows["slack"], dtype=np.float64),
            np.asarray(rows["binding"], dtype=bool), dual, gain,
            np.asarray(rows["marginal_private"], dtype=np.float64))


def row_texts(rows: Rows, objective: str, sense: str, share_base: np.ndarray,
              share_gain: Mapping[int, float] | None = None,
              words: RowWords | None = None) -> pa.Array:
    """One sentence per constraint row from its slack, binding flag, dual and marginals.

    ``rows`` (a frame or a mapping of arrays) needs columns family, name, control, year,
    mission, project, lower, upper, slack, binding, dual and marginal_private.
    ``share_base`` is, per row, the £m the share is taken of (for share rows; used to turn
    a dual into 1 percentage point).
    ``share_gain`` maps a row position to the objective's change when its share is relaxed
    by 1 percentage point and the model re-solved; where given it is stated instead of the
    first-order estimate (the dual is a rate at the margin: over a whole point the basis
    may change). ``words``: :func:`row_words` of every row, when already made (made here
    for the binding rows otherwise).

    Made a column at a time, as an Arrow text array (wrap it with :func:`text_array` for
    a frame): the rows that are not binding take the sentence of their slack, and the
    binding rows (but share rows, few) join their lead to the words of their (gain,
    private money) pair, each distinct pair worded once (tens of thousands of rows share a
    few hundred). The tests hold a row-at-a-time version to compare.
    """
    wording = _Wording(objective, sense, share_gain or {})
    slack, binding, dual, gain, mp = _row_numbers(rows, sense)
    n = len(slack)
    at = np.zeros(n, dtype=np.int64)  # per row, its sentence's position
    fixed: list[str] = []  # whole sentences (the rows with no lead)
    loose = np.flatnonzero(~binding)
    if loose.size:
        which, slacks = pd.factorize(slack[loose], use_na_sentinel=False)
        fixed = [_loose_sentence(s) for s in slacks.tolist()]
        at[loose] = which
    tight = np.flatnonzero(binding)
    if words is None:
        words, lead_of = row_words(rows, tight), np.full(n, -1, dtype=np.int64)
        lead_of[tight] = np.arange(len(tight))
        kind = np.zeros(n, dtype=np.int8)
        kind[tight] = words.kind
    else:
        lead_of, kind = np.arange(n), words.kind
    finite = np.isfinite(gain)
    none = tight[~finite[tight]]
    if none.size:
        at[none] = len(fixed)
        fixed.append(_NO_DUAL)
    share = tight[finite[tight] & (kind[tight] == _SHARE)]
    base = np.asarray(share_base, dtype=np.float64)
    for k, d, b in zip(share.tolist(), dual[share].tolist(), base[share].tolist(), strict=True):
        at[k] = len(fixed)
        fixed.append(wording.share(k, d, b))
    plain = tight[finite[tight] & (kind[tight] != _SHARE)]
    texts = pa.array(fixed, type=_LARGE)
    if plain.size == 0:
        return texts.take(pa.array(at))
    # a mission floor or ceiling states no private money
    private = np.where(kind[plain] == _OTHER, mp[plain], np.nan)
    g_code, g_values = pd.factorize(gain[plain], use_na_sentinel=False)
    m_code, m_values = pd.factorize(private, use_na_sentinel=False)
    code, pairs = pd.factorize(g_code * len(m_values) + m_code)
    g_list, m_list = g_values.tolist(), m_values.tolist()
    tails = [wording.tail(g_list[c // len(m_list)], m_list[c % len(m_list)])
             for c in pairs.tolist()]
    joined = pc.binary_join_element_wise(
        words.lead.take(pa.array(lead_of[plain])),
        pa.array(tails, type=_LARGE).take(pa.array(code)), pa.scalar("", type=_LARGE))
    at[plain] = len(fixed) + np.arange(plain.size)
    return pa.concat_arrays([texts, joined]).take(pa.array(at))


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
