"""Vectorised matching of rule criteria against line fields.

The engine never loops over lines in Python. Each text or code column is factorised
first, so every *distinct* value is matched once however many lines carry it, and the
results are expanded back with integer array operations:

- code criteria (CPV, COFOG): each distinct code field is exploded into its hierarchy
  keys (CPV prefixes of 2–8 digits; COFOG ``DD``, ``DD.G``, ``DD.G.C``) and joined to the
  rules' prefixes with one hash join (a prefix match, like a trie walk, but done for all
  codes at once; a line's code ``09310000`` yields ``09``, ``093``, ``0931``, ... and meets
  the rule prefix ``0931`` exactly);
- department and programme criteria: one hash join on the normalised field;
- keyword criteria: one Aho–Corasick automaton (pyahocorasick) over every keyword of
  every rule, run over the distinct normalised descriptions read straight from their
  Arrow buffer in chunks of a few million bytes; whole-word boundaries are checked on
  arrays of code points.

:func:`match_column` returns (value index, term id) pairs for one column, where a *term*
is one (rule, criterion kind, value) of the compiled rule set (:class:`CompiledRules`).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property

import ahocorasick
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from missionfinance.tagging.codes import code_ancestors, normalise_cofog, normalise_cpv
from missionfinance.tagging.rules import CRITERIA, SPENDER_KINDS, RuleSet

_CHUNK_CHARS = 1 << 22
_LABEL = {"cpv": "cpv", "cofog": "cofog", "department": "department", "programme": "programme",
          "keywords": "keyword", "buyer": "buyer"}


# Every character Python's ``str.isspace`` accepts (what ``\s`` means in ``re``), as an RE2 class.
_WHITESPACE_RE2 = (r"[\x{9}-\x{d}\x{1c}-\x{20}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}"
                   r"\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]+")


def normalise_text_arrow(values: pd.Series) -> pa.LargeStringArray:
    """Vectorised :func:`~missionfinance.tagging.rules.normalise_text`, as an Arrow array.

    NFC normalisation, lower-casing and white-space collapsing run in Arrow compute
    kernels; only values with non-ASCII characters go through Python's ``str.casefold``
    (Arrow has no full Unicode case folding; for ASCII text the two agree).
    """
    s = values.fillna("").astype("str")
    try:  # Arrow-backed strings convert without creating Python objects
        arr = pa.array(s.array).cast(pa.large_string())
    except (TypeError, pa.ArrowInvalid):  # pragma: no cover - python-backed string storage
        arr = pa.array(s.to_numpy(dtype=object), type=pa.large_string())
    if isinstance(arr, pa.ChunkedArray):  # pragma: no cover - depends on the pandas storage
        arr = arr.combine_chunks()
    arr = pc.utf8_normalize(arr, form="NFC")
    ascii_mask = pc.string_is_ascii(arr).to_numpy(zero_copy_only=False)
    lowered = pc.ascii_lower(arr)
    if not ascii_mask.all():
        idx = np.flatnonzero(~ascii_mask)
        folded = [v.casefold() for v in pc.take(arr, pa.array(idx)).to_pylist()]
        out = np.asarray(lowered.to_numpy(zero_copy_only=False), dtype=object)
        out[idx] = folded
        lowered = pa.array(out, type=pa.large_string())
    # collapse white space: the regex kernel is slow, so run it only where it can change
    # something (a non-ASCII value, a control white space or two spaces in a row)
    need_np = ~ascii_mask | _has_runs_or_controls(lowered)
    if need_np.any():
        idx = pa.array(np.flatnonzero(need_np))
        fixed = pc.replace_substring_regex(pc.take(lowered, idx), pattern=_WHITESPACE_RE2, replacement=" ")
        lowered = pc.replace_with_mask(lowered, pa.array(need_np), fixed)
    return pc.utf8_trim(lowered, characters=" ")


def _has_runs_or_controls(arr: pa.LargeStringArray) -> np.ndarray:
    """Which values hold an ASCII control white space or two spaces in a row (on the bytes)."""
    n = len(arr)
    if n == 0:
        return np.zeros(0, dtype=bool)
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64, count=n + 1, offset=8 * arr.offset)
    data = np.frombuffer(arr.buffers()[2], dtype=np.uint8)[int(offsets[0]):int(offsets[-1])]
    control = ((data >= 9) & (data <= 13)) | ((data >= 0x1C) & (data <= 0x1F))
    space = data == 32
    hit = control
    hit[1:] |= space[1:] & space[:-1]
    pos = np.flatnonzero(hit) + int(offsets[0])
    out = np.zeros(n, dtype=bool)
    out[np.searchsorted(offsets, pos, side="right") - 1] = True
    return out


def normalise_text_column(values: pd.Series) -> pd.Series:
    """Vectorised :func:`~missionfinance.tagging.rules.normalise_text` over a Series."""
    arr = normalise_text_arrow(values)
    return pd.Series(arr.to_numpy(zero_copy_only=False), index=values.index, dtype="str")


def normalise_field(values: pd.Series, kind: str) -> pd.Series:
    """Normalise distinct values of one line column the way criteria of ``kind`` see them."""
    s = values.fillna("").astype("str")
    if kind == "cpv":
        return normalise_cpv(s)
    if kind == "cofog":
        return normalise_cofog(s)
    return normalise_text_column(s)


def stem_overlap(stems: list[str], auto: ahocorasick.Automaton | None = None) -> np.ndarray:
    """(S + 1, S + 1) bool: stem j and stem k overlap (one contains the other).

    The last row and column (the unit of code and programme terms) overlap nothing.
    ``auto`` is an automaton over ``stems`` whose value for ``stems[j]`` is ``j`` (as
    :attr:`CompiledRules.automaton`): each stem is then scanned once for every stem it
    contains, instead of testing all S² pairs in Python.

    Examples
    --------
    >>> stem_overlap(["health", "mental health", "school"]).astype(int)
    array([[1, 1, 0, 0],
           [1, 1, 0, 0],
           [0, 0, 1, 0],
           [0, 0, 0, 0]])
    """
    n = len(stems)
    contains = np.zeros((n + 1, n + 1), dtype=bool)  # [j, k]: stems[j] in stems[k]
    if auto is None or "" in stems:
        for j, a in enumerate(stems):
            for k, b in enumerate(stems):
                contains[j, k] = a in b
    else:
        for k, b in enumerate(stems):
            for _, j in auto.iter(b):
                contains[j, k] = True
    return contains | contains.T


@dataclass(frozen=True)
class CompiledRules:
    """Integer arrays describing a :class:`RuleSet` for the vectorised engine.

    A *group* is one criterion kind of one rule (role ``require``) or the whole exclude
    list of one rule (role ``exclude``). A *term* is one value of one group; ``term_label``
    is how ``matched_on`` shows it (``"cpv:0931"``).
    """

    rules: RuleSet

    @cached_property
    def term_kinds(self) -> frozenset[str]:
        """The criterion kinds of the rule set's terms (a kind absent here matches nothing)."""
        return frozenset(str(k) for k in pd.unique(self.terms["kind"].to_numpy(dtype=object)))

    @cached_property
    def arrays(self) -> dict[str, np.ndarray]:
        """Per-rule arrays: mission index, weight, priority, resolution rank, required group count."""
        rs = self.rules.rules
        mission_ids = list(self.rules.missions.ids)
        mission = np.array([mission_ids.index(r.mission) for r in rs], dtype=np.int64)
        weight = np.array([r.weight for r in rs], dtype=np.float64)
        priority = np.array([r.priority for r in rs], dtype=np.int64)
        # evidence about the line beats evidence about the spender, then DESIGN §3.3
        order = sorted(range(len(rs)), key=lambda i: (rs[i].evidence != "line", -rs[i].priority,
                                                      -abs(rs[i].weight), rs[i].id))
        rank = np.empty(len(rs), dtype=np.int64)
        rank[np.array(order, dtype=np.int64)] = np.arange(len(rs))
        n_req = np.array([len(r.criteria) for r in rs], dtype=np.int64)
        enabling = np.array([r.evidence != "line" for r in rs], dtype=bool)
        # keywords are the rule's only evidence about the line: weak hits need a second piece
        kw_alone = np.array([("keywords" in r.criteria and set(r.criteria) - {"keywords"} <= SPENDER_KINDS)
                             for r in rs], dtype=bool)
        cpv_alone = np.array([("cpv" in r.criteria and set(r.criteria) - {"cpv"} <= SPENDER_KINDS)
                              for r in rs], dtype=bool)
        weak_rule = np.array([r.strength == "weak" for r in rs], dtype=bool)
        sign = np.where(weight > 0, 0, np.where(weight < 0, 1, 2)).astype(np.int64)
        return {"mission": mission, "weight": weight, "priority": priority, "rank": rank,
                "n_req": n_req, "enabling": enabling, "kw_alone": kw_alone, "cpv_alone": cpv_alone,
                "weak_rule": weak_rule, "side": mission * 3 + sign}

    @cached_property
    def terms(self) -> pd.DataFrame:
        """One row per term: term (id), rule, group, exclude (bool), kind, key, label."""
        rows: list[tuple[int, int, bool, str, str]] = []
        group = 0
        for i, r in enumerate(self.rules.rules):
            for kind in CRITERIA:
                for key in r.criteria.get(kind, ()):
                    rows.append((i, group, False, kind, key))
                if kind in r.criteria:
                    group += 1
            if r.exclude:
                for kind, key in r.exclude:
                    rows.append((i, group, True, kind, key))
                group += 1
        if rows and all(isinstance(row[4], str) and row[3] in _LABEL for row in rows):
            rule, grp, exclude, kinds, keys = zip(*rows, strict=True)
            return pd.DataFrame({
                "term": np.arange(len(rows), dtype=np.int64),
                "rule": np.array(rule, dtype=np.int64),
                "group": np.array(grp, dtype=np.int64),
                "exclude": np.array(exclude, dtype=bool),
                "kind": pd.Series(kinds, dtype="str"),
                "key": pd.Series(keys, dtype=object),
                "label": pd.Series([_LABEL[k] + ":" + v for k, v in zip(kinds, keys, strict=True)],
                                   dtype="str"),
            })
        frame = pd.DataFrame(rows, columns=["rule", "group", "exclude", "kind", "key"])
        frame["key"] = frame["key"].astype(object)
        frame["label"] = frame["kind"].map(_LABEL) + ":" + frame["key"]
        frame.insert(0, "term", np.arange(len(frame), dtype=np.int64))
        return frame

    @cached_property
    def term_lookup(self) -> dict[str, tuple[pd.Index, np.ndarray, np.ndarray]]:
        """For each criterion kind: its distinct keys, and the terms of each key as CSR.

        ``(keys, pointers, term ids)``: the terms of ``keys[j]`` are
        ``term_ids[pointers[j]:pointers[j + 1]]``, in term order.
        """
        by_kind: dict[str, dict[object, list[int]]] = {}
        t = self.terms
        for kind, key, term in zip(t["kind"].tolist(), t["key"].tolist(), t["term"].tolist(), strict=True):
            by_kind.setdefault(str(kind), {}).setdefault(key, []).append(term)
        out: dict[str, tuple[pd.Index, np.ndarray, np.ndarray]] = {}
        for kind, lists in by_kind.items():
            counts = np.array([len(v) for v in lists.values()], dtype=np.int64)
            out[kind] = (pd.Index(list(lists), dtype=object),
                         np.concatenate(([0], np.cumsum(counts))).astype(np.int64),
                         np.array([x for v in lists.values() for x in v], dtype=np.int64))
        return out

    @cached_property
    def term_kind_cpv(self) -> np.ndarray:
        """True for CPV criterion terms."""
        return (self.terms["kind"] == "cpv").to_numpy(dtype=bool)

    @cached_property
    def term_weak(self) -> np.ndarray:
        """True for keyword terms a rule lists under ``weak_keywords``."""
        weak = {(i, k) for i, r in enumerate(self.rules.rules) for k in r.weak}
        t = self.terms
        return np.array([(not e and kind == "keywords" and (r, k) in weak)
                         for r, e, kind, k in zip(t["rule"].tolist(), t["exclude"].tolist(),
                                                  t["kind"].tolist(), t["key"].tolist(), strict=True)],
                        dtype=bool)

    @cached_property
    def term_unit(self) -> tuple[np.ndarray, np.ndarray]:
        """Evidence unit of each term and which units overlap.

        A keyword term's unit is its stem (``"school*"`` -> ``school``); two units
        *overlap* when one contains the other (``health`` and ``mental health``), so one
        phrase never counts as two pieces of evidence. Code and programme terms share
        the last unit, which overlaps nothing; spender terms get -1.
        """
        t = self.terms
        kw = (t["kind"] == "keywords").to_numpy()
        stems = sorted({str(k).rstrip("*") for k in t.loc[kw, "key"]})
        index = {s: j for j, s in enumerate(stems)}
        code = len(stems)
        unit = np.array([index[str(k).rstrip("*")] if kind == "keywords"
                         else code if kind in ("cpv", "cofog", "programme") else -1
                         for kind, k in zip(t["kind"].tolist(), t["key"].tolist(), strict=True)],
                        dtype=np.int64)
        return unit, stem_overlap(stems, self.automaton[0])

    @cached_property
    def term_rule(self) -> np.ndarray:
        """Rule index of each term."""
        return self.terms["rule"].to_numpy(dtype=np.int64)

    @cached_property
    def term_group(self) -> np.ndarray:
        """Group index of each term."""
        return self.terms["group"].to_numpy(dtype=np.int64)

    @cached_property
    def term_exclude(self) -> np.ndarray:
        """True for exclude terms."""
        return self.terms["exclude"].to_numpy(dtype=bool)

    @cached_property
    def n_groups(self) -> int:
        """Number of criterion groups."""
        return int(self.terms["group"].max()) + 1 if len(self.terms) else 0

    @cached_property
    def group_rule(self) -> np.ndarray:
        """Rule index of each group."""
        return self.term_rule[self._group_first]

    @cached_property
    def group_exclude(self) -> np.ndarray:
        """True for exclude groups."""
        return self.term_exclude[self._group_first]

    @cached_property
    def _group_first(self) -> np.ndarray:
        """The first term of each group present, in group order."""
        return np.unique(self.term_group, return_index=True)[1]

    @cached_property
    def automaton(self) -> tuple[ahocorasick.Automaton | None, np.ndarray, list[str]]:
        """Aho–Corasick automaton over all keyword stems, with their lengths and texts."""
        keys = self.terms.loc[self.terms["kind"] == "keywords", "key"]
        stems = sorted({str(k).rstrip("*") for k in keys})
        if not stems:
            return None, np.empty(0, dtype=np.int64), []
        auto = ahocorasick.Automaton()
        for j, stem in enumerate(stems):
            auto.add_word(stem, j)
        auto.make_automaton()
        return auto, np.array([len(s) for s in stems], dtype=np.int64), stems

    @cached_property
    def buyer_patterns(self) -> list[tuple[int, re.Pattern[str]]]:
        """(term id, compiled whole-word regex) of each ``buyer`` term, in term order."""
        terms = self.terms[self.terms["kind"] == "buyer"]
        out: list[tuple[int, re.Pattern[str]]] = []
        for term, key in zip(terms["term"].to_numpy(), terms["key"].to_numpy(dtype=object), strict=True):
            stem = str(key).rstrip("*")
            tail = r"\w*" if str(key).endswith("*") else ""
            out.append((int(term), re.compile(r"(?<![\w])" + re.escape(stem) + tail + r"(?![\w])")))
        return out

    @cached_property
    def stem_terms(self) -> dict[bool, tuple[np.ndarray, np.ndarray]]:
        """For each stem, the keyword terms it completes, as CSR (pointers, term ids).

        Key ``True``: terms written without ``*`` (need a right word boundary); ``False``:
        terms written with a trailing ``*`` (prefix match).
        """
        _, _, stems = self.automaton
        index = {stem: j for j, stem in enumerate(stems)}
        kw = self.terms[self.terms["kind"] == "keywords"]
        keys = [str(k) for k in kw["key"].tolist()]
        prefix = np.array([k.endswith("*") for k in keys], dtype=bool)
        stem_all = np.array([index[k.rstrip("*")] for k in keys], dtype=np.int64)
        term_all = kw["term"].to_numpy(dtype=np.int64)
        out: dict[bool, tuple[np.ndarray, np.ndarray]] = {}
        for exact in (True, False):
            part = ~prefix if exact else prefix
            stem_of = stem_all[part]
            order = np.argsort(stem_of, kind="stable")
            counts = np.bincount(stem_of, minlength=len(stems))
            ptr = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
            out[exact] = (ptr, term_all[part][order])
        return out


def sorted_unique(a: np.ndarray, overwrite: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct values of an int64 array and how often each occurs (sort-based).

    With ``overwrite=True`` the array is sorted in place (saves a copy of a large array).
    """
    if len(a) == 0:
        return a.astype(np.int64), np.empty(0, dtype=np.int64)
    if overwrite:
        a.sort()
        return runs(a)
    return runs(np.sort(a))


def runs(s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct values of a sorted array and the length of each run."""
    if len(s) == 0:
        return s.astype(np.int64), np.empty(0, dtype=np.int64)
    change = np.empty(len(s), dtype=bool)
    change[0] = True
    np.not_equal(s[1:], s[:-1], out=change[1:])
    starts = np.flatnonzero(change)
    counts = np.diff(np.append(starts, len(s)))
    return s[starts], counts


def isin_sorted(a: np.ndarray, sorted_b: np.ndarray) -> np.ndarray:
    """``np.isin(a, sorted_b)`` for a sorted ``sorted_b``, by binary search."""
    if len(sorted_b) == 0:
        return np.zeros(len(a), dtype=bool)
    pos = np.minimum(np.searchsorted(sorted_b, a), len(sorted_b) - 1)
    return sorted_b[pos] == a


def match_column(
    values: pd.Series, kind: str, compiled: CompiledRules
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Match the distinct values of one column against every term of ``kind``.

    Parameters
    ----------
    values : pandas.Series
        Distinct raw values of the column (position = value index).
    kind : str
        ``cpv``, ``cofog``, ``department``, ``programme`` or ``keywords``.
    compiled : CompiledRules

    Returns
    -------
    value_index, term : numpy.ndarray of int64
        One entry per (value, term) that matches.
    zone : numpy.ndarray of int8
        For keywords, the strongest place the term occurs in: 0 the title (the text
        before the first ``": "``, or the whole text), 1 the long description after it
        or a list in the title ("Taxi services to NHS Grampian, Aberdeen City Council &
        University of Aberdeen"), 2 only list-like or boilerplate passages of the long
        description (see :func:`weak_spans`); else 0.
    """
    empty = (np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int8))
    if kind not in compiled.term_kinds or len(values) == 0:
        return empty
    if kind == "keywords":
        return _keyword_hits(normalise_text_arrow(values.reset_index(drop=True)), compiled)
    if kind == "buyer":
        v, t = _buyer_hits(values.reset_index(drop=True), compiled)
        return v, t, np.zeros(len(v), dtype=np.int8)
    norm = normalise_field(values.reset_index(drop=True), kind)
    if kind in ("cpv", "cofog"):
        idx, keys = code_ancestors(norm.to_numpy(dtype=object), kind)
    else:
        nonempty = (norm != "").to_numpy()
        idx = np.flatnonzero(nonempty).astype(np.int64)
        keys = norm.to_numpy(dtype=object)[nonempty]
    if len(idx) == 0:
        return empty
    # hash join on the key: for each (value, key) in order, the key's terms in term order
    index, ptr, term_ids = compiled.term_lookup[kind]
    code = index.get_indexer(pd.Index(keys, dtype=object))
    found = code >= 0
    idx, code = idx[found], code[found]
    c = ptr[code + 1] - ptr[code]
    rep = np.repeat(np.arange(len(code), dtype=np.int64), c)
    offs = np.arange(int(c.sum()), dtype=np.int64) - np.repeat(np.cumsum(c) - c, c)
    return (idx[rep].astype(np.int64), term_ids[np.repeat(ptr[code], c) + offs],
            np.zeros(len(rep), dtype=np.int8))


def _buyer_hits(values: pd.Series, compiled: CompiledRules) -> tuple[np.ndarray, np.ndarray]:
    """Whole-word matches of ``buyer`` terms in distinct department/buyer names.

    Names are few (thousands, not millions), so each term's regex
    (:attr:`CompiledRules.buyer_patterns`) is searched in each distinct name.
    A term ending in ``*`` matches any word starting with its stem, as for keywords.
    """
    texts = normalise_text_arrow(values.fillna("").astype("str")).to_pylist()
    idx: list[np.ndarray] = []
    tid: list[np.ndarray] = []
    for term, pattern in compiled.buyer_patterns:
        search = pattern.search
        hit = np.array([i for i, text in enumerate(texts) if search(text) is not None],
                       dtype=np.int64)
        idx.append(hit)
        tid.append(np.full(len(hit), term, dtype=np.int64))
    if not idx:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    return np.concatenate(idx), np.concatenate(tid)


def _chunks(nbytes: np.ndarray) -> Iterator[tuple[int, int]]:
    """Split value positions into runs of at most ``_CHUNK_CHARS`` bytes of text."""
    ends = np.cumsum(nbytes)
    start = 0
    n = len(nbytes)
    while start < n:
        base = ends[start - 1] if start else 0
        stop = int(np.searchsorted(ends, base + _CHUNK_CHARS, side="right"))
        stop = max(stop, start + 1)
        yield start, min(stop, n)
        start = stop


_ASCII_WORD = np.array([chr(c).isalnum() or c == 95 for c in range(128)], dtype=bool)


def _is_word(codepoints: np.ndarray) -> np.ndarray:
    """Vectorised ``ch.isalnum() or ch == '_'`` over an array of code points.

    ASCII code points are looked up in a table; each distinct other one is asked once.
    """
    cps = codepoints.astype(np.int64)
    ascii_ = cps < 128
    out = _ASCII_WORD[np.where(ascii_, cps, 0)]
    if not ascii_.all():
        other = ~ascii_
        uniq, inv = np.unique(cps[other], return_inverse=True)
        flags = np.fromiter((chr(int(c)).isalnum() for c in uniq), dtype=bool, count=len(uniq))
        out[other] = flags[inv]
    return out


# Passages of a long description whose words say little about what is bought: sentences
# of boilerplate (who may use a framework, supplier invitations, the buyer describing
# itself and its policy commitments — a declared climate emergency, a net zero target, the
# carbon reduction plan every bidder must file — procedure notes) and lists (lots, eligible
# users, product ranges).
_SENTENCE = re.compile(r"[.!?;](?:rn)*(?=\s|$)|(?:rn){2,}|\s(?:rn)+(?=\s)|\.(?:rn)+|\n")
# Where _SENTENCE can match given no "rn" run and no line break: only its first branch.
_SENTENCE_PLAIN = re.compile(r"[.!?;](?=\s|$)")
_RN_OR_BREAK = re.compile(r"[.!?;]rn|rnrn|\srn|\n")
_BOILERPLATE = re.compile(
    r"\b(?:we welcome|welcome (?:bids|tenders|applications)|smes?|vcses?|small and medium|"
    r"eligible|available (?:to|for use)|(?:may|can|could) (?:be used|use|access)|open to|"
    r"including but not limited to|contracting (?:authority|authorities|bodies)|"
    r"public (?:sector )?bodies|wider public sector|other public|on behalf of|in conjunction with|"
    r"additional information|procurement documents|tender documents|to access this|"
    r"(?<!this )(?<!it )(?<!there )(?<!which )(?<!that )"
    r"(?:is|are) (?:a|an|one of|the largest|the leading|responsible for)|we are|our (?:organisation|"
    r"trust|council|university|college|customers|members)|customers include|members include|"
    r"participating|partner organisations|lot \d+|lots? (?:are|is|will)|cpv|award criteria|"
    r"social value|community benefits?|modern slavery act|prompt payment|"
    r"climate emergency|carbon reduction plans?|net zero (?:by|targets?|ambitions?|commitments?|goals?)|"
    r"(?:commitments?|ambitions?|pledges?) to (?:achiev|reach|becom|deliver|be net)\w*|"
    r"(?:suppliers?|contractors?|tenderers?|bidders?|providers?) "
    r"(?:will|must|shall|should|are expected|is expected))\b"
)
_ITEM = r"[^\W\d][\w&'’-]*(?: [\w&'’-]+){0,3}"
_SEP = r"\s*[,/]\s*"
_CONJ = r"\s*,?\s*(?:and|or|&)\s*"
_LIST = re.compile(f"{_ITEM}(?:{_SEP}{_ITEM}){{2,}}(?:{_CONJ}{_ITEM})?|{_ITEM}(?:{_SEP}{_ITEM})+{_CONJ}{_ITEM}")
# The same pattern, tried only where no letter (or "_") comes just before. A match of _LIST
# that starts after such a character would extend to one starting at that character (its
# first item's ``[\w&'’-]*`` takes the extra letter), and finditer tries that earlier
# position first: so the lists found are the same, while the regex engine no longer tries
# to match a list from inside every word (about 7× faster on descriptions).
_LIST_AT_WORD = re.compile(f"(?<![^\\W\\d])(?:{_LIST.pattern})")


def list_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Spans of ``_LIST.finditer(text, start, end)``: lists of short items in a passage.

    Every list has a comma or a slash, so a passage without one is skipped; otherwise the
    passage is searched (as a slice, so nothing before ``start`` is seen, as with
    ``finditer``'s ``pos``) with :data:`_LIST_AT_WORD`, which finds the same spans.

    Examples
    --------
    >>> t = "fleet hire: vans, minibuses, police cars and ambulances"
    >>> [t[a:b] for a, b in list_spans(t, 12)]
    ['vans, minibuses, police cars and ambulances']
    """
    end = len(text) if end is None else end
    part = text[start:end]
    if "," not in part and "/" not in part:
        return []
    return [(start + m.start(), start + m.end()) for m in _LIST_AT_WORD.finditer(part)]


#: More characters than any lookbehind of :data:`_BOILERPLATE` reads (6, ``"which "``).
_LOOKBEHIND = 8

Passages = dict[tuple[str, str], "tuple[tuple[int, int], ...] | None"]
"""Weak spans of passages already cut, by (character before, passage): see :func:`weak_spans`."""


def sentence_ends(text: str, start: int) -> list[int]:
    """Ends of the :data:`_SENTENCE` matches in ``text`` from ``start`` (passage bounds).

    Every branch of :data:`_SENTENCE` but the first needs an ``rn`` run (an escaped line
    break left in the text) or a line break, and the first matches no ``rn`` without one;
    a text holding neither is searched with the first branch alone, which finds the same
    matches several times faster.

    Examples
    --------
    >>> sentence_ends("works: roads. bridges; more.rnrnend", 7)
    [13, 22, 32]
    """
    if ("rn" in text or "\n" in text) and _RN_OR_BREAK.search(text, start) is not None:
        return [m.end() for m in _SENTENCE.finditer(text, start)]
    return [m.end() for m in _SENTENCE_PLAIN.finditer(text, start)]


def _passage_spans(text: str, start: int, end: int,
                   seen: Passages | None) -> tuple[tuple[int, int], ...]:
    """Weak spans of the passage ``text[start:end]``, offset from ``start``.

    The whole passage when it holds boilerplate (:data:`_BOILERPLATE` searched in ``text``
    from ``start`` to ``end``), else its lists (:func:`list_spans`). With ``seen``, the
    answer is kept by (character before ``start``, passage) and reused: the list search
    reads the passage only, and the boilerplate search with that one character before it
    answers as on the whole text unless its first match starts within
    :data:`_LOOKBEHIND` characters of ``start`` (a lookbehind there might read further
    back); that case is searched on the whole text and not kept.
    """
    if seen is None:
        if _BOILERPLATE.search(text, start, end):
            return ((0, end - start),)
        return tuple((a - start, b - start) for a, b in list_spans(text, start, end))
    before = text[start - 1:start] if start else ""
    key = (before, text[start:end])
    got = seen.get(key)
    if got is not None:
        return got
    m = _BOILERPLATE.search(before + key[1], len(before))
    if m is not None and m.start() - len(before) < _LOOKBEHIND:
        return _passage_spans(text, start, end, None)
    if m is not None:
        out: tuple[tuple[int, int], ...] = ((0, end - start),)
    else:
        out = tuple((a - start, b - start) for a, b in list_spans(text, start, end))
    seen[key] = out
    return out


def title_lists(title: str, seen: dict[str, list[tuple[int, int]]]) -> list[tuple[int, int]]:
    """``list_spans(title)``, searched piece by piece between full stops, each piece once.

    A list never holds a full stop (its items, separators and conjunctions match letters,
    digits, ``&'’-_``, white space, commas, slashes, "and" and "or" only), so the lists of
    the whole title are those of its pieces; ``seen`` keeps each piece's lists across calls
    (a title repeats its wording with a different number: "… (22). fabric insulation, …").

    Examples
    --------
    >>> title_lists("retrofit (22). insulation, heat pumps and solar", {})
    [(15, 47)]
    """
    out: list[tuple[int, int]] = []
    start = 0
    for piece in title.split("."):
        lists = seen.get(piece)
        if lists is None:
            lists = seen[piece] = list_spans(piece)
        out.extend((start + a, start + b) for a, b in lists)
        start += len(piece) + 1
    return out


def weak_spans(text: str, seen: Passages | None = None) -> list[tuple[int, int]]:
    """Character spans of a normalised description where keywords are weak evidence.

    The *title* (everything before the first ``": "``; the whole text when there is none)
    is never weak: it says what the line buys. In the long description after it, two kinds
    of passage are weak: a sentence with boilerplate wording (who may use a framework,
    "we welcome SMEs", the buyer describing itself, lots, procedure notes) and a list of
    three or more short items separated by commas or slashes ("police, ambulance,
    academies and buses").

    ``seen``, a dict kept across calls, holds the answer for each passage already cut
    (descriptions repeat whole sentences: a buyer's boilerplate, a scheme's wording);
    the spans are the same with it or without it.

    Examples
    --------
    >>> t = "vehicle framework: for use by councils. eligible users include police, schools"
    >>> [t[a:b] for a, b in weak_spans(t)]
    [' eligible users include police, schools']
    >>> t = "fleet hire: vans, minibuses, police cars and ambulances"
    >>> [t[a:b] for a, b in weak_spans(t)]
    ['vans, minibuses, police cars and ambulances']
    >>> weak_spans("police and crime commissioner, fleet")
    []
    """
    head = text.find(": ")
    if head < 0:
        return []
    body = head + 2
    spans: list[tuple[int, int]] = []
    start = body
    bounds = [*sentence_ends(text, body), len(text)]
    for end in bounds:
        if end <= start:
            continue
        spans.extend((start + a, start + b) for a, b in _passage_spans(text, start, end, seen))
        start = end
    return spans


def _in_spans(pos: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Whether each position lies in one of the sorted, disjoint spans ``[starts, ends)``."""
    if len(starts) == 0:
        return np.zeros(len(pos), dtype=bool)
    k = np.searchsorted(starts, pos, side="right") - 1
    return (k >= 0) & (pos < ends[np.maximum(k, 0)])


def _keyword_hits(
    texts: pa.LargeStringArray, compiled: CompiledRules
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Whole-word keyword hits as (text index, term id, zone) triples (zone: see match_column).

    The normalised texts, each followed by a newline, are read straight out of the Arrow
    data buffer in chunks and scanned once by the automaton; hit positions (code points)
    are mapped back to texts with ``searchsorted`` on the character offsets. Texts with a
    long description (``": "``) and a hit in it are cut into passages by
    :func:`weak_spans` (a Python pass over those texts only).
    """
    auto, stem_len, _ = compiled.automaton
    empty = (np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int8))
    if auto is None or len(texts) == 0:
        return empty
    head = pc.find_substring(texts, ": ").to_numpy(zero_copy_only=False).astype(np.int64)  # bytes
    sep = pa.scalar("", pa.large_string())
    texts = pc.binary_join_element_wise(texts, pa.scalar("\n", pa.large_string()), sep)
    nchars = pc.utf8_length(texts).to_numpy(zero_copy_only=False).astype(np.int64)
    nbytes = pc.binary_length(texts).to_numpy(zero_copy_only=False).astype(np.int64)
    parts_idx: list[np.ndarray] = []
    parts_stem: list[np.ndarray] = []
    parts_full: list[np.ndarray] = []
    parts_weak: list[np.ndarray] = []
    seen: Passages = {}  # titles and passages repeat: each is searched once
    titles: dict[str, list[tuple[int, int]]] = {}  # pieces of titles: see title_lists
    for a, b in _chunks(nbytes):
        chunk = texts.slice(a, b - a)
        offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int64, count=len(chunk) + 1, offset=8 * chunk.offset)
        data = chunk.buffers()[2]
        big = data[int(offsets[0]):int(offsets[-1])].to_pybytes().decode("utf-8")
        flat = np.fromiter(itertools.chain.from_iterable(auto.iter(big)), dtype=np.int64)
        if flat.size == 0:
            continue
        end = flat[0::2]
        stem = flat[1::2]
        start = end - stem_len[stem] + 1
        cps = np.frombuffer(big.encode("utf-32-le"), dtype=np.uint32)
        n = len(cps)
        before = np.where(start > 0, cps[np.maximum(start - 1, 0)], 32)
        after = np.where(end + 1 < n, cps[np.minimum(end + 1, n - 1)], 32)
        keep = ~_is_word(before)
        char_starts = np.concatenate(([0], np.cumsum(nchars[a:b])[:-1]))
        hit_start = start[keep]
        which = np.searchsorted(char_starts, hit_start, side="right") - 1 + a
        # passages: only texts with a long description and a hit that may lie in it
        cand = np.unique(which[head[which] >= 0])
        s_starts: list[int] = []
        s_ends: list[int] = []
        b_starts: list[int] = []
        b_ends: list[int] = []
        for t in cand.tolist():
            base = int(char_starts[t - a])
            text = big[base:base + int(nchars[t]) - 1]
            for x, y in title_lists(text[:text.find(": ")], titles):  # a list in the title
                b_starts.append(base + x)
                b_ends.append(base + y)
            b_starts.append(base + text.find(": "))
            b_ends.append(base + len(text))
            for x, y in weak_spans(text, seen):
                s_starts.append(base + x)
                s_ends.append(base + y)
        zone = _in_spans(hit_start, np.array(b_starts, dtype=np.int64), np.array(b_ends, dtype=np.int64))
        zone = zone.astype(np.int64) + _in_spans(hit_start, np.array(s_starts, dtype=np.int64),
                                                 np.array(s_ends, dtype=np.int64))
        parts_weak.append(zone)
        parts_idx.append(which)
        parts_stem.append(stem[keep])
        parts_full.append(~_is_word(after[keep]))
    if not parts_idx:
        return empty
    idx = np.concatenate(parts_idx)
    stem = np.concatenate(parts_stem)
    full = np.concatenate(parts_full)
    weak = np.concatenate(parts_weak)
    del parts_idx, parts_stem, parts_full, parts_weak
    n_stems = len(stem_len)
    # distinct (text, stem) hits: with a right boundary somewhere (completes exact terms)
    # and anywhere (completes prefix terms); each term has one stem, so pairs stay distinct
    # a (text, stem) pair takes the strongest zone of its occurrences (0 title, 1 long
    # description, 2 list or boilerplate): the key carries the zone in its lowest bits
    out_idx: list[np.ndarray] = []
    out_term: list[np.ndarray] = []
    out_weak: list[np.ndarray] = []
    for exact, (ptr, terms) in compiled.stem_terms.items():
        key = idx[full] if exact else idx.copy()
        key *= n_stems
        key += stem[full] if exact else stem
        key *= 4
        key += weak[full] if exact else weak
        key.sort()
        pair = key >> 2
        first = np.ones(len(key), dtype=bool)
        first[1:] = pair[1:] != pair[:-1]
        s_weak = (key[first] & 3).astype(np.int8)
        key = pair[first]
        del pair, first
        s_idx, s_stem = key // n_stems, key % n_stems
        del key
        c = ptr[s_stem + 1] - ptr[s_stem]
        rep = np.repeat(np.arange(len(s_stem), dtype=np.int64), c)
        offs = np.arange(int(c.sum()), dtype=np.int64) - np.repeat(np.cumsum(c) - c, c)
        out_idx.append(s_idx[rep])
        out_term.append(terms[np.repeat(ptr[s_stem], c) + offs])
        out_weak.append(s_weak[rep])
    return np.concatenate(out_idx), np.concatenate(out_term), np.concatenate(out_weak)


def expand(owner: np.ndarray, n_owner: int, pair_owner: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Expand pairs keyed by owner to every member of that owner, without a Python loop.

    Parameters
    ----------
    owner : numpy.ndarray of int64
        Owner of each member (e.g. the distinct-value index of each profile).
    n_owner : int
        Number of owners.
    pair_owner : numpy.ndarray of int64
        Owner of each pair.

    Returns
    -------
    pair, member : numpy.ndarray of int64
        For each pair, one entry per member of its owner.

    Examples
    --------
    >>> expand(np.array([0, 1, 0]), 2, np.array([0, 1]))
    (array([0, 0, 1]), array([0, 2, 1]))
    """
    order = np.argsort(owner, kind="stable")
    counts = np.bincount(owner, minlength=n_owner)
    starts = np.cumsum(counts) - counts
    c = counts[pair_owner]
    total = int(c.sum())
    pair = np.repeat(np.arange(len(pair_owner), dtype=np.int64), c)
    offs = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(c) - c, c)
    member = order[np.repeat(starts[pair_owner], c) + offs]
    return pair, member.astype(np.int64)


def expand_by_member(owner: np.ndarray, n_owner: int, sorted_pair_owner: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Like :func:`expand`, but ordered by member: for each member, its owner's pairs.

    ``sorted_pair_owner`` must be sorted; pairs keep their order within a member.

    Examples
    --------
    >>> expand_by_member(np.array([1, 0, 1]), 2, np.array([0, 1, 1]))
    (array([1, 2, 0, 1, 2]), array([0, 0, 1, 2, 2]))
    """
    counts = np.bincount(sorted_pair_owner, minlength=n_owner)
    ptr = np.cumsum(counts) - counts
    c = counts[owner]
    total = int(c.sum())
    member = np.repeat(np.arange(len(owner), dtype=np.int64), c)
    offs = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(c) - c, c)
    pair = np.repeat(ptr[owner], c) + offs
    return pair.astype(np.int64), member


def factorize_columns(columns: Sequence[pd.Series]) -> tuple[np.ndarray, list[np.ndarray], list[pd.Series]]:
    """Factorise several columns jointly into profiles.

    Returns
    -------
    profile : numpy.ndarray
        Profile index of each row (rows with equal values in every column share one).
    profile_codes : list of numpy.ndarray
        For each column, the value index of each profile.
    uniques : list of pandas.Series
        For each column, its distinct values (position = value index).
    """
    n = len(columns[0]) if columns else 0
    combined = np.zeros(n, dtype=np.int64)
    codes_list: list[np.ndarray] = []
    uniques: list[pd.Series] = []
    for col in columns:
        codes, uniq = pd.factorize(col.fillna("").astype("str"), sort=False)
        codes = codes.astype(np.int64)
        codes_list.append(codes)
        uniques.append(pd.Series(uniq.array, dtype="str"))  # Arrow-backed: no Python objects
        combined = combined * max(len(uniq), 1) + codes
        combined = pd.factorize(combined, sort=False)[0].astype(np.int64)
    n_prof = int(combined.max()) + 1 if n else 0
    first = np.full(n_prof, -1, dtype=np.int64)
    first[combined[::-1]] = np.arange(n - 1, -1, -1, dtype=np.int64)
    return combined, [c[first] for c in codes_list], uniques
