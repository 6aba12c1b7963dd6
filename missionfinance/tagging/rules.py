"""Tagging rules: the TOML rule language of DESIGN §3.3, loaded strictly.

A rule file holds ``[[rule]]`` tables, optional ``[[override]]`` tables, optional
coefficient tables and an optional ``[ruleset]`` header::

    [ruleset]                       # optional
    name = "UK default rules"
    description = "..."

    [coefficients.rio]              # a named coefficient table (OECD Rio-marker style)
    principal = 1.0                 # each entry a number, -1 <= value <= 1
    significant = 0.4

    [[rule]]
    id = "CE-01"                    # unique
    mission = "clean-energy"        # a mission id of the mission set
    weight = 1.0                    # -1 <= w <= 1, or a coefficient: "rio.significant"
    rationale = "Offshore wind generation and grid connection"   # required
    cpv = ["0931", "45251160"]      # CPV prefixes         } criteria: AND across kinds,
    cofog = ["04.3"]                # COFOG prefixes       } OR within one kind; at
    department = ["DESNZ"]          # exact, case-insensitive } least one is required
    programme = ["Offshore wind"]   # exact, case-insensitive }
    keywords = ["offshore wind"]    # whole words/phrases  }
    weak_keywords = ["wind"]        # keywords that need a second piece of evidence
    strength = "strong"             # or "weak": every hit needs a second piece of evidence
    exclude = ["fossil", "cpv:0913"]  # any match vetoes the rule
    priority = 0                    # optional, higher wins within a (line, mission)

    [[override]]                    # an analyst's decision beats every rule
    line_id = "SR-DHSC-0042"
    mission = "health"
    weight = 0.5                    # or a coefficient name
    reason = "Only the capital share funds new diagnostic capacity"   # required

Criteria
    ``cpv`` and ``cofog`` entries are code prefixes, validated against the CPV 2008 and
    COFOG lists (see :mod:`missionfinance.tagging.codes` for the hierarchy rules).
    ``department`` and ``programme`` compare the whole field, case-insensitively.
    ``keywords`` are whole words or phrases, matched case-insensitively (Unicode case
    folding, NFC normalisation, runs of white space count as one space) against the
    line's ``description``: a keyword matches where the characters just before and after
    it are not letters, digits or ``_``. A keyword ending in ``*`` matches any word that
    starts with it (``"school*"`` matches "schools" and "schooling").
Exclude
    Each entry is a keyword, or a criterion written ``kind:value`` with kind one of
    ``cpv``, ``cofog``, ``department``, ``programme``, ``keyword``. If any entry matches a
    line the rule is vetoed for that line (``explain`` still reports it).
Weights
    A number in [-1, 1] or the name ``"table.entry"`` of a coefficient. A positive weight
    works for the mission (favourable), a negative one against it (unfavourable), zero
    records an assessment with no effect (neutral).

Every problem is a :class:`~missionfinance.errors.MissionFinanceError` naming the file
and the rule, e.g. ``rules.toml rule 'CE-01': weight 1.5 out of range; use -1 <= weight <= 1``.
"""

from __future__ import annotations

import html
import math
import re
import unicodedata
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from missionfinance._text import check_user_file, decode_utf8, parse_toml, read_user_bytes
from missionfinance.errors import MissionFinanceError
from missionfinance.missions import MissionSet
from missionfinance.tagging.codes import cofog_code, cpv_prefix

CRITERIA: tuple[str, ...] = ("cpv", "cofog", "department", "programme", "keywords", "buyer")
"""Criterion kinds in the order ``matched_on`` lists them."""

_RULE_KEYS = {"id", "mission", "weight", "rationale", "priority", "exclude", "evidence", "weak_keywords",
              "strength", *CRITERIA}
STRENGTHS: tuple[str, ...] = ("strong", "weak")
"""A rule's strength: ``weak`` rules apply only with a second piece of line evidence."""
EVIDENCE: tuple[str, ...] = ("line", "spender")
"""What a rule's evidence is about: the line itself (-> relation ``aligned``) or only who
spends it (-> relation ``enabling``)."""
SPENDER_KINDS = frozenset({"department", "buyer"})
"""Criterion kinds that describe who spends, not what the line is for."""
_OVERRIDE_KEYS = {"line_id", "mission", "weight", "reason"}
_TOP_KEYS = {"rule", "override", "coefficients", "ruleset", "generic", "support"}
_GENERIC_KEYS = {"cpv", "rationale"}
_SUPPORT_KEYS = {"functions", "regulators", "rationale"}
SUPPORT_SUFFIX = "~support"
"""Suffix of the ids of the enabling rules derived from a function rule by ``[support]``."""
_RULESET_KEYS = {"name", "description", "source", "version"}
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_EXCLUDE_KINDS = {"cpv": "cpv", "cofog": "cofog", "department": "department",
                  "programme": "programme", "keyword": "keywords", "keywords": "keywords",
                  "buyer": "buyer"}
_SPACE = re.compile(r"\s+")


def normalise_text(text: str) -> str:
    """Normalise text for keyword matching: NFC, case folding, single spaces, stripped.

    Examples
    --------
    >>> normalise_text("  Offshore\\tWIND  Straße ")
    'offshore wind strasse'
    """
    return _SPACE.sub(" ", unicodedata.normalize("NFC", text).casefold()).strip()


@dataclass(frozen=True)
class Rule:
    """One tagging rule (DESIGN §3.3).

    ``criteria`` maps a criterion kind (``cpv``, ``cofog``, ``department``,
    ``programme``, ``keywords``) to its normalised terms; ``exclude`` holds
    ``(kind, term)`` pairs. ``weight`` is the resolved number; ``weight_ref`` the
    coefficient name it came from (``""`` for a plain number).
    """

    id: str
    mission: str
    weight: float
    rationale: str
    criteria: dict[str, tuple[str, ...]]
    exclude: tuple[tuple[str, str], ...] = ()
    priority: int = 0
    weight_ref: str = ""
    evidence: str = "line"
    weak: tuple[str, ...] = ()
    strength: str = "strong"

    @property
    def relation(self) -> str:
        """``aligned`` (evidence about the line itself) or ``enabling`` (only about who spends)."""
        return "aligned" if self.evidence == "line" else "enabling"

    @property
    def direction(self) -> str:
        """``favourable`` (w > 0), ``unfavourable`` (w < 0) or ``neutral`` (w = 0)."""
        return _direction(self.weight)


@dataclass(frozen=True)
class Override:
    """An analyst's decision for one (line, mission): beats every rule; ``reason`` is required."""

    line_id: str
    mission: str
    weight: float
    reason: str
    weight_ref: str = ""


def _direction(weight: float) -> str:
    return "favourable" if weight > 0 else "unfavourable" if weight < 0 else "neutral"


@dataclass(frozen=True)
class RuleSet:
    """A validated set of rules, overrides and coefficient tables.

    ``generic_cpv`` holds the CPV prefixes of the optional ``[generic]`` table: on a
    procurement line whose every CPV code falls under them (IT, cleaning, maintenance,
    vehicles, ...) a weak keyword needs a second piece of evidence even in the title.

    Examples
    --------
    >>> rules = RuleSet.load("builtin:uk")
    >>> rules.missions.ids
    ('growth', 'clean-energy', 'safer-streets', 'opportunity', 'health')
    >>> RuleSet.from_toml('[[rule]]\\nid="X"\\nmission="health"\\nweight=2\\nrationale="r"\\nkeywords=["nhs"]', source="r.toml")
    Traceback (most recent call last):
    ...
    missionfinance.errors.MissionFinanceError: r.toml rule 'X': weight 2 out of range; use -1 <= weight <= 1
    """

    rules: tuple[Rule, ...]
    overrides: tuple[Override, ...] = ()
    coefficients: dict[str, dict[str, float]] = field(default_factory=dict)
    missions: MissionSet = field(default_factory=lambda: MissionSet.load("builtin:uk"))
    source: str = "<string>"
    name: str = ""
    description: str = ""
    generic_cpv: tuple[str, ...] = ()

    @classmethod
    def load(cls, spec: str | Path = "builtin:uk", missions: MissionSet | None = None) -> RuleSet:
        """Load ``"builtin:uk"`` (the shipped UK rules) or a rule TOML file.

        Parameters
        ----------
        spec : str or Path
            ``"builtin:uk"`` or the path of a TOML rule file.
        missions : MissionSet, optional
            Mission set the rules must refer to (default: the built-in UK missions).
        """
        missions = missions if missions is not None else MissionSet.load("builtin:uk")
        if str(spec) == "builtin:uk":
            text = resources.files("missionfinance.data").joinpath("rules_uk.toml").read_text(
                encoding="utf-8"
            )
            return cls.from_toml(text, missions=missions, source="builtin:uk")
        if str(spec).startswith("builtin:"):
            raise MissionFinanceError(
                f"rules {str(spec)!r}: unknown built-in rule set; use 'builtin:uk' or a TOML path"
            )
        path = Path(spec)
        check_user_file(path, "rule file")
        text = decode_utf8(read_user_bytes(path), path.name, bom=False)
        return cls.from_toml(text, missions=missions, source=str(path))

    @classmethod
    def from_toml(
        cls, text: str, missions: MissionSet | None = None, source: str = "<string>"
    ) -> RuleSet:
        """Parse and validate rules given as TOML text (see the module docstring)."""
        missions = missions if missions is not None else MissionSet.load("builtin:uk")
        name = source if source.startswith("builtin:") or source == "<string>" else Path(source).name
        data = parse_toml(text, name)
        return cls.from_dict(data, missions=missions, source=source)

    @classmethod
    def from_dict(
        cls, data: dict[str, Any], missions: MissionSet | None = None, source: str = "<string>"
    ) -> RuleSet:
        """Validate rules given as a parsed TOML document (a dict)."""
        missions = missions if missions is not None else MissionSet.load("builtin:uk")
        name = source if source.startswith("builtin:") or source == "<string>" else Path(source).name
        unknown = set(data) - _TOP_KEYS
        if unknown:
            raise MissionFinanceError(
                f"{name} key {sorted(unknown)[0]!r}: unknown key; a rule file has only "
                "[ruleset], [coefficients.<table>], [[rule]] and [[override]] tables"
            )
        header = data.get("ruleset", {})
        if not isinstance(header, dict) or set(header) - _RULESET_KEYS:
            bad = sorted(set(header) - _RULESET_KEYS) if isinstance(header, dict) else ["ruleset"]
            raise MissionFinanceError(
                f"{name} key ruleset.{bad[0]}: unknown key; allowed {sorted(_RULESET_KEYS)}"
            )
        coefficients = _parse_coefficients(data.get("coefficients", {}), name)
        generic_cpv = _parse_generic(data.get("generic", {}), name)
        support = _parse_support(data.get("support", {}), name)
        raw_rules = data.get("rule", [])
        if not isinstance(raw_rules, list) or not raw_rules:
            raise MissionFinanceError(f"{name}: no [[rule]] table; define at least one rule")
        rules: list[Rule] = []
        seen: set[str] = set()
        for k, raw in enumerate(raw_rules):
            rule = _parse_rule(raw, k, name, missions, coefficients)
            if rule.id in seen:
                raise MissionFinanceError(
                    f"{name} rule {rule.id!r}: duplicate rule id; rule ids must be unique"
                )
            seen.add(rule.id)
            rules.append(rule)
        rules = _apply_support(rules, *support, name)
        overrides: list[Override] = []
        seen_o: set[tuple[str, str]] = set()
        raw_over = data.get("override", [])
        if not isinstance(raw_over, list):
            raise MissionFinanceError(f"{name} key override: must be an array of [[override]] tables")
        for k, raw in enumerate(raw_over):
            ov = _parse_override(raw, k, name, missions, coefficients)
            if (ov.line_id, ov.mission) in seen_o:
                raise MissionFinanceError(
                    f"{name} override {k + 1}: duplicate override for line {ov.line_id!r} and "
                    f"mission {ov.mission!r}; keep one"
                )
            seen_o.add((ov.line_id, ov.mission))
            overrides.append(ov)
        return cls(
            rules=tuple(rules),
            overrides=tuple(overrides),
            coefficients=coefficients,
            missions=missions,
            source=source,
            name=str(header.get("name", "")),
            description=str(header.get("description", "")),
            generic_cpv=generic_cpv,
        )

    def __len__(self) -> int:
        return len(self.rules)

    def __getstate__(self) -> dict[str, Any]:
        """Pickle the rules only: the engine's compiled form is rebuilt where it is used."""
        return {k: v for k, v in self.__dict__.items() if k != "_compiled_cache"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def __getitem__(self, rule_id: str) -> Rule:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)

    def to_frame(self) -> pd.DataFrame:
        """One row per rule: id, mission, weight, weight_ref, priority, criteria, exclude, rationale.

        Also ``weak_keywords`` and ``strength``; ``keywords`` lists strong and weak keywords.
        """
        rows = [
            {
                "id": r.id,
                "mission": r.mission,
                "weight": r.weight,
                "weight_ref": r.weight_ref,
                "priority": r.priority,
                **{kind: "; ".join(r.criteria.get(kind, ())) for kind in CRITERIA},
                "weak_keywords": "; ".join(r.weak),
                "strength": r.strength,
                "exclude": "; ".join(f"{k}:{t}" for k, t in r.exclude),
                "rationale": r.rationale,
            }
            for r in self.rules
        ]
        return pd.DataFrame(rows)

    def __repr__(self) -> str:
        by = pd.Series([r.mission for r in self.rules]).value_counts()
        counts = ", ".join(f"{m} {int(by.get(m, 0))}" for m in self.missions.ids)
        return (
            f"RuleSet({self.source!r}: {len(self.rules)} rules ({counts}), "
            f"{len(self.overrides)} overrides)"
        )

    def _repr_html_(self) -> str:
        """A compact summary by mission (``to_frame()`` lists every rule)."""
        rows = []
        for m in self.missions.ids:
            rs = [r for r in self.rules if r.mission == m]
            kinds = ", ".join(f"{k} {sum(k in r.criteria for r in rs)}" for k in CRITERIA
                              if any(k in r.criteria for r in rs))
            rows.append(
                f"<tr><td><b>{html.escape(m)}</b></td><td>{len(rs)}</td>"
                f"<td>{sum(r.weight > 0 for r in rs)}</td><td>{sum(r.weight < 0 for r in rs)}</td>"
                f"<td>{sum(r.weight == 0 for r in rs)}</td><td>{html.escape(kinds)}</td>"
                f"<td>{sum(o.mission == m for o in self.overrides)}</td></tr>"
            )
        tables = ", ".join(
            f"{html.escape(t)} ({', '.join(f'{html.escape(e)} {v:g}' for e, v in es.items())})"
            for t, es in self.coefficients.items()
        )
        return (
            f"<div><b>RuleSet</b> <code>{html.escape(self.source)}</code>: {len(self.rules)} rules, "
            f"{len(self.overrides)} overrides"
            + (f"; coefficients: {tables}" if tables else "")
            + "<table><tr><th>mission</th><th>rules</th><th>for</th><th>against</th><th>neutral</th>"
            "<th>rules naming each criterion</th><th>overrides</th></tr>"
            + "".join(rows)
            + "</table><small>every rule: <code>rules.to_frame()</code></small></div>"
        )


def _parse_generic(raw: Any, name: str) -> tuple[str, ...]:
    """``[generic] cpv = [...]``: CPV prefixes of generic purchases (see :class:`RuleSet`)."""
    if not isinstance(raw, dict) or set(raw) - _GENERIC_KEYS:
        bad = sorted(set(raw) - _GENERIC_KEYS)[0] if isinstance(raw, dict) else "generic"
        raise MissionFinanceError(
            f"{name} key generic.{bad}: unknown key; [generic] holds cpv = [...] and rationale"
        )
    ctx = f"{name} [generic]"
    return _criterion_terms("cpv", _str_list(raw.get("cpv", []), ctx, "cpv"), ctx)


def _parse_support(raw: Any, name: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Parse ``[support] functions = [...], regulators = [...]`` (see :func:`_apply_support`)."""
    if not isinstance(raw, dict) or set(raw) - _SUPPORT_KEYS:
        bad = sorted(set(raw) - _SUPPORT_KEYS)[0] if isinstance(raw, dict) else "support"
        raise MissionFinanceError(
            f"{name} key support.{bad}: unknown key; [support] holds functions = [...], "
            "regulators = [...] and rationale"
        )
    ctx = f"{name} [support]"
    return (_criterion_terms("keywords", _str_list(raw.get("functions", []), ctx, "functions"), ctx),
            _criterion_terms("keywords", _str_list(raw.get("regulators", []), ctx, "regulators"), ctx))


def _apply_support(rules: list[Rule], functions: tuple[str, ...], regulators: tuple[str, ...],
                   name: str) -> list[Rule]:
    """A line naming a support function or a regulator says nothing about the mission itself.

    Every favourable rule with line evidence is vetoed on lines that name a support function
    (``functions``: administration, ICT, HR, communications, statistics, estates, ...) or a
    regulator or licensing body (``regulators``): a body's ICT or statistics are its running
    costs, whatever else the line names ("TRANSPORT STATISTICS - ROADS"). For each strong
    favourable rule with a ``cofog`` criterion (the function of the spending body), a derived
    rule ``<id>~support`` (same mission, weight and COFOG; keywords = the support functions;
    spender evidence) tags the support lines ``enabling``: the running costs of a body whose
    function is the mission. Regulators get no tag: regulating an activity is not doing it.
    Unfavourable rules are not vetoed (an office's heating oil is still heating oil). One word
    class replaces per-rule administration vetoes.
    """
    if not functions and not regulators:
        return rules
    veto = tuple(("keywords", t) for t in (*functions, *regulators))
    out: list[Rule] = []
    ids = {r.id for r in rules}
    for r in rules:
        if r.evidence != "line" or r.weight < 0:
            out.append(r)
            continue
        own = tuple(e for e in r.exclude if e not in veto)
        out.append(replace(r, exclude=tuple(dict.fromkeys((*own, *veto)))))
        if "cofog" in r.criteria and functions and r.weight > 0 and r.strength == "strong":
            rid = f"{r.id}{SUPPORT_SUFFIX}"
            if rid in ids:
                raise MissionFinanceError(f"{name} rule {rid!r}: id is reserved for the rule [support] derives")
            out.append(Rule(
                id=rid, mission=r.mission, weight=r.weight, weight_ref=r.weight_ref, priority=r.priority,
                rationale=f"Support functions of a body classified {'/'.join(r.criteria['cofog'])} "
                          f"({r.id}): running costs, enabling",
                criteria={"cofog": r.criteria["cofog"], "keywords": functions},
                exclude=tuple(e for e in own if e[0] != "keywords" or e[1] not in regulators),
                evidence="spender",
            ))
    return out


def _parse_coefficients(raw: Any, name: str) -> dict[str, dict[str, float]]:
    if not isinstance(raw, dict):
        raise MissionFinanceError(f"{name} key coefficients: must be tables such as [coefficients.rio]")
    tables: dict[str, dict[str, float]] = {}
    for tname, table in raw.items():
        ctx = f"{name} key coefficients.{tname}"
        if not _NAME.match(tname) or not isinstance(table, dict) or not table:
            raise MissionFinanceError(
                f"{ctx}: a coefficient table is a named table of numbers, e.g. "
                "[coefficients.rio] principal = 1.0"
            )
        entries: dict[str, float] = {}
        for ename, value in table.items():
            if not _NAME.match(ename) or isinstance(value, bool) or not isinstance(value, int | float):
                raise MissionFinanceError(f"{ctx}.{ename}: {value!r} must be a number")
            if not -1.0 <= float(value) <= 1.0 or math.isnan(float(value)):
                raise MissionFinanceError(f"{ctx}.{ename}: {value!r} out of range; use -1 <= value <= 1")
            entries[ename] = float(value)
        tables[tname] = entries
    return tables


def _parse_weight(
    value: Any, ctx: str, coefficients: dict[str, dict[str, float]]
) -> tuple[float, str]:
    if isinstance(value, str):
        table, _, entry = value.partition(".")
        if table not in coefficients or entry not in coefficients[table]:
            known = ", ".join(f"{t}.{e}" for t, es in coefficients.items() for e in es) or "none defined"
            raise MissionFinanceError(
                f"{ctx}: weight {value!r} names no coefficient; use a number or one of {known}"
            )
        return coefficients[table][entry], value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise MissionFinanceError(f"{ctx}: weight {value!r} must be a number in [-1, 1] or a coefficient name")
    if math.isnan(float(value)) or not -1.0 <= float(value) <= 1.0:
        raise MissionFinanceError(f"{ctx}: weight {value!r} out of range; use -1 <= weight <= 1")
    return float(value), ""


def _str_list(value: Any, ctx: str, key: str) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise MissionFinanceError(f"{ctx}: {key} must be a list of strings, got {value!r}")
    out = [v for v in value if v.strip()]
    if len(out) != len(value):
        raise MissionFinanceError(f"{ctx}: {key} has an empty entry; remove it")
    return out


def _criterion_terms(kind: str, values: list[str], ctx: str) -> tuple[str, ...]:
    terms: list[str] = []
    for v in values:
        if kind == "cpv":
            p = cpv_prefix(v)
            if p is None:
                raise MissionFinanceError(
                    f"{ctx}: cpv {v!r} is not a CPV 2008 code or prefix; write 2-8 digits of a "
                    "listed code, e.g. '0931' or '45251160'"
                )
            terms.append(p)
        elif kind == "cofog":
            c = cofog_code(v)
            if c is None:
                raise MissionFinanceError(
                    f"{ctx}: cofog {v!r} is not a COFOG code; write e.g. '07', '04.3' or '04.3.6'"
                )
            terms.append(c)
        elif kind in ("keywords", "buyer"):
            t = normalise_text(v)
            if not t.rstrip("*") or "*" in t[:-1]:
                raise MissionFinanceError(
                    f"{ctx}: keyword {v!r} is malformed; '*' may only end a keyword"
                )
            terms.append(t)
        else:
            terms.append(" ".join(v.split()).casefold())
    return tuple(dict.fromkeys(terms))


def _parse_rule(
    raw: Any, k: int, name: str, missions: MissionSet, coefficients: dict[str, dict[str, float]]
) -> Rule:
    if not isinstance(raw, dict):
        raise MissionFinanceError(f"{name} rule {k + 1}: must be a [[rule]] table")
    rid = raw.get("id")
    if not isinstance(rid, str) or not rid.strip():
        raise MissionFinanceError(f"{name} rule {k + 1}: missing or empty id; give every rule a unique id")
    ctx = f"{name} rule {rid!r}"
    bad = set(raw) - _RULE_KEYS
    if bad:
        raise MissionFinanceError(f"{ctx}: unknown key {sorted(bad)[0]!r}; allowed {sorted(_RULE_KEYS)}")
    mission = missions.validate_id(raw.get("mission"), ctx)
    if "weight" not in raw:
        raise MissionFinanceError(f"{ctx}: missing weight; add weight = <number in [-1, 1]>")
    weight, ref = _parse_weight(raw["weight"], ctx, coefficients)
    rationale = raw.get("rationale")
    if not isinstance(rationale, str) or not rationale.strip():
        raise MissionFinanceError(f"{ctx}: missing rationale; say why the rule attributes money to {mission!r}")
    priority = raw.get("priority", 0)
    if isinstance(priority, bool) or not isinstance(priority, int):
        raise MissionFinanceError(f"{ctx}: priority {priority!r} must be an integer")
    criteria = {
        kind: _criterion_terms(kind, _str_list(raw[kind], ctx, kind), ctx)
        for kind in CRITERIA
        if kind in raw
    }
    weak: tuple[str, ...] = ()
    if "weak_keywords" in raw:
        weak = _criterion_terms("keywords", _str_list(raw["weak_keywords"], ctx, "weak_keywords"), ctx)
        strong = criteria.get("keywords", ())
        both = sorted(set(weak) & set(strong))
        if both:
            raise MissionFinanceError(
                f"{ctx}: keyword {both[0]!r} is listed as strong and weak; keep it in one list"
            )
        criteria["keywords"] = (*strong, *weak)
    criteria = {k2: v for k2, v in criteria.items() if v}
    if not criteria:
        raise MissionFinanceError(
            f"{ctx}: no criterion; name at least one of cpv, cofog, department, programme, keywords, "
            "weak_keywords, buyer"
        )
    evidence = raw.get("evidence", "spender" if set(criteria) <= SPENDER_KINDS else "line")
    if evidence not in EVIDENCE:
        raise MissionFinanceError(f"{ctx}: evidence {evidence!r} unknown; use 'line' or 'spender'")
    strength = raw.get("strength", "strong")
    if strength not in STRENGTHS:
        raise MissionFinanceError(f"{ctx}: strength {strength!r} unknown; use 'strong' or 'weak'")
    exclude: list[tuple[str, str]] = []
    for entry in _str_list(raw.get("exclude", []), ctx, "exclude"):
        head, sep, rest = entry.partition(":")
        if sep and head.strip().lower() in _EXCLUDE_KINDS:
            kind = _EXCLUDE_KINDS[head.strip().lower()]
            term = _criterion_terms(kind, [rest], ctx)[0]
        else:
            kind, term = "keywords", _criterion_terms("keywords", [entry], ctx)[0]
        exclude.append((kind, term))
    return Rule(
        id=rid,
        mission=mission,
        weight=weight,
        rationale=" ".join(rationale.split()),
        criteria=criteria,
        exclude=tuple(dict.fromkeys(exclude)),
        priority=priority,
        weight_ref=ref,
        evidence=evidence,
        weak=weak,
        strength=strength,
    )


def _parse_override(
    raw: Any, k: int, name: str, missions: MissionSet, coefficients: dict[str, dict[str, float]]
) -> Override:
    ctx = f"{name} override {k + 1}"
    if not isinstance(raw, dict):
        raise MissionFinanceError(f"{ctx}: must be an [[override]] table")
    bad = set(raw) - _OVERRIDE_KEYS
    if bad:
        raise MissionFinanceError(f"{ctx}: unknown key {sorted(bad)[0]!r}; allowed {sorted(_OVERRIDE_KEYS)}")
    line_id = raw.get("line_id")
    if not isinstance(line_id, str) or not line_id:
        raise MissionFinanceError(f"{ctx}: missing line_id; name the line the override applies to")
    ctx = f"{name} override {k + 1} (line {line_id!r})"
    mission = missions.validate_id(raw.get("mission"), ctx)
    if "weight" not in raw:
        raise MissionFinanceError(f"{ctx}: missing weight; add weight = <number in [-1, 1]>")
    weight, ref = _parse_weight(raw["weight"], ctx, coefficients)
    reason = raw.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise MissionFinanceError(f"{ctx}: missing reason; an override must say why")
    return Override(line_id, mission, weight, " ".join(reason.split()), ref)
