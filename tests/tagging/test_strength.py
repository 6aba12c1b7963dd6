"""Field-aware matching, weak and strong evidence, generic purchases (docs/tagging.md)."""

from __future__ import annotations

import ast
import random
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from missionfinance.errors import MissionFinanceError
from missionfinance.tagging import RuleSet, tag
from missionfinance.tagging.matching import (
    _LIST,
    _SENTENCE,
    CompiledRules,
    list_spans,
    sentence_ends,
    stem_overlap,
    title_lists,
    weak_spans,
)

RULES = """
[generic]
cpv = ["30", "909"]

[[rule]]
id = "OP"
mission = "opportunity"
weight = 1.0
rationale = "r"
keywords = ["early years"]
weak_keywords = ["school*", "pupil*"]

[[rule]]
id = "SS"
mission = "safer-streets"
weight = 1.0
rationale = "r"
keywords = ["neighbourhood policing"]
weak_keywords = ["police"]

[[rule]]
id = "OP-CPV"
mission = "opportunity"
weight = 1.0
rationale = "r"
cpv = ["801"]

[[rule]]
id = "GR-C041"
mission = "growth"
weight = 1.0
rationale = "r"
cofog = ["04.1"]
strength = "weak"

[[rule]]
id = "GR-K"
mission = "growth"
weight = 1.0
rationale = "r"
weak_keywords = ["trade"]
exclude = ["trade waste"]

[[rule]]
id = "OP-B"
mission = "opportunity"
weight = 1.0
rationale = "r"
buyer = ["academy trust"]
"""


def tagged(rows: list[dict[str, str]], rules: RuleSet | None = None) -> dict[str, set[str]]:
    lines = pd.DataFrame([{"line_id": str(i), "amount": 1.0, **r} for i, r in enumerate(rows)])
    res = tag(lines, rules or RuleSet.from_toml(RULES, source="t.toml"))
    out: dict[str, set[str]] = {str(i): set() for i in range(len(rows))}
    for rec in res.tags.itertuples(index=False):
        out[str(rec.line_id)].add(str(rec.mission))
    return out


def test_weak_keyword_in_title_stands_alone_in_long_description_needs_a_second() -> None:
    got = tagged([
        {"source": "procurement", "description": "School transport"},
        {"source": "procurement", "description": "Minibus hire: for trips by the school"},
        {"source": "procurement", "description": "Minibus hire: trips for pupils of the school"},
        {"source": "procurement", "description": "Minibus hire: early years trips"},
        {"source": "procurement", "description": "Minibus hire: for the school", "cpv": "80100000"},
    ])
    assert got == {"0": {"opportunity"}, "1": set(), "2": {"opportunity"}, "3": {"opportunity"},
                   "4": {"opportunity"}}


def test_lists_and_boilerplate_are_weak_even_for_strong_keywords() -> None:
    got = tagged([
        {"source": "procurement",
         "description": "Vehicle framework: eligible users include neighbourhood policing teams"},
        {"source": "procurement",
         "description": "Vehicle framework: vans, school buses, neighbourhood policing cars and minibuses"},
        {"source": "procurement", "description": "Vehicle framework: for neighbourhood policing"},
    ])
    assert got == {"0": set(), "1": set(), "2": {"safer-streets"}}


def test_generic_purchase_makes_title_weak_words_need_a_second() -> None:
    got = tagged([
        {"source": "procurement", "description": "School cleaning", "cpv": "90910000"},
        {"source": "procurement", "description": "School cleaning", "cpv": "45000000"},
        {"source": "procurement", "description": "School pupil laptops", "cpv": "30213100"},
        {"source": "cra", "description": "School cleaning", "cpv": "90910000"},
    ])
    assert got == {"0": set(), "1": {"opportunity"}, "2": {"opportunity"}, "3": {"opportunity"}}


def test_weak_words_on_a_bodys_generic_purchase_do_not_corroborate_each_other() -> None:
    """On a generic purchase by a body of the mission, weak words name the buyer and its users."""
    lines = pd.DataFrame([
        {"line_id": "a", "description": "School pupil laptops", "cpv": "30213100"},
        {"line_id": "b", "description": "School pupil laptops", "cpv": "30213100",
         "department": "Oakfield Academy Trust"},
        {"line_id": "c", "description": "School laptops for the early years", "cpv": "30213100",
         "department": "Oakfield Academy Trust"},
    ]).assign(amount=1.0, source="procurement")
    tags = tag(lines, RuleSet.from_toml(RULES, source="t.toml")).tags
    got = {(str(r.line_id), str(r.rule_id)): str(r.relation) for r in tags.itertuples(index=False)}
    # a council's laptops for a school: the words are about the purpose, they corroborate
    assert got[("a", "OP")] == "aligned"
    # the academy trust's own laptops: "school" and "pupil" name the buyer, so running costs
    assert got == {("a", "OP"): "aligned", ("b", "OP-B"): "enabling", ("c", "OP"): "aligned"}


def test_weak_rule_needs_a_keyword_and_vetoed_rules_give_no_evidence() -> None:
    got = tagged([
        {"source": "cra", "description": "FINANCIAL SERVICES COMPENSATION SCHEME", "cofog": "04.1"},
        {"source": "cra", "description": "TRADE DEVELOPMENT", "cofog": "04.1"},
        {"source": "cra", "description": "Levy: trade waste", "cofog": "04.1"},
        {"source": "cra", "description": "Levy: trade", "cofog": "04.1"},
    ])
    assert got == {"0": set(), "1": {"growth"}, "2": set(), "3": {"growth"}}


def test_long_cpv_list_is_weak() -> None:
    many = "80100000;45000000;50000000;71000000"
    got = tagged([
        {"source": "procurement", "description": "Works framework", "cpv": many},
        {"source": "procurement", "description": "Works framework: for pupils", "cpv": many},
        {"source": "procurement", "description": "Works framework", "cpv": "80100000;45000000"},
    ])
    assert got == {"0": set(), "1": {"opportunity"}, "2": {"opportunity"}}


def test_explain_names_weak_evidence_not_counted() -> None:
    lines = pd.DataFrame({"line_id": ["a"], "amount": [1.0], "source": ["procurement"],
                          "description": ["Minibus hire: for trips by the school"]})
    text = tag(lines, RuleSet.from_toml(RULES)).explain("a")
    assert "Weak keyword evidence without a second piece of line evidence" in text
    assert "OP -> opportunity: keyword:school*" in text


def test_weak_spans() -> None:
    t = "cleaning: we welcome smes. the school has pupils"
    assert [t[a:b] for a, b in weak_spans(t)] == ["we welcome smes."]
    assert weak_spans("no long description, lists, here, either") == []
    t = "road works: resurfacing. the successful contractor will offer apprenticeships"
    assert [t[a:b] for a, b in weak_spans(t)] == [" the successful contractor will offer apprenticeships"]


def _plain_lists(text: str, start: int, end: int) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _LIST.finditer(text, start, end)]


def test_list_spans_are_the_plain_regex_matches() -> None:
    """The word-start list search finds exactly what ``_LIST.finditer`` finds."""
    pipeline = pd.read_csv(Path(__file__).parents[2] / "scenarios" / "data" / "pipeline.csv",
                           dtype=str, keep_default_na=False)
    texts = [f"{a}. {b}".lower() for a, b in zip(pipeline["name"], pipeline["description"],
                                                 strict=True)]
    found = 0
    for text in texts:
        assert list_spans(text, 0, len(text)) == _plain_lists(text, 0, len(text))
        found += len(list_spans(text))
    assert found > 50  # the example's descriptions do hold lists
    pieces = ["ab", "c", "police", "2nd", "a1", "_x", "-", "&", "'", "’", "é", "and", "or",
              ",", " , ", "/", " ", ". ", ";", "rn", "de-ice", "x_y", "3", "vans", " and "]
    rng = random.Random(7)
    for _ in range(20_000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 30)))
        a = rng.randint(0, len(text))
        b = rng.randint(a, len(text))
        assert list_spans(text, a, b) == _plain_lists(text, a, b), (text, a, b)


def test_weak_spans_kept_by_passage_are_the_same() -> None:
    """Reusing the spans of passages already cut changes no answer, whatever precedes them."""
    pieces = ["ab", "police", "which ", "this ", "it ", "that ", "there ", "is a ", "are the ",
              "we welcome smes", "eligible", "lot 2", "rn", "rnrn", ". ", ".rn", "; ", "! ",
              "\n", ": ", ",", " , ", "/", " and ", "vans", "open to", " ", "é", "2nd"]
    rng = random.Random(11)
    seen: dict = {}
    texts = []
    for _ in range(4000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 25)))
        texts.append(text)
        texts.append(rng.choice(pieces) + text)  # the same passages behind other text
    for text in texts:
        assert weak_spans(text, seen) == weak_spans(text), text
    assert len(seen) > 100


def test_title_lists_are_the_lists_of_the_whole_title() -> None:
    pieces = ["ab", "c", "police", "2nd", "a1", "_x", "-", "&", "'", "é", "and", "or", ",",
              " , ", "/", " ", ". ", ".", "..", "vans", " and ", "(22)", "x.y"]
    rng = random.Random(13)
    seen: dict = {}
    for _ in range(20_000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 30)))
        assert title_lists(text, seen) == list_spans(text), text


def test_sentence_ends_are_the_plain_regex_matches() -> None:
    pieces = ["ab", "rn", "rnrn", "urn", ". ", ".", "!", "?x", "; ", ";", "\n", " ", "\t",
              "modern", "é", ": ", "rn ", " rn", ".rn", "x"]
    rng = random.Random(5)
    for _ in range(20_000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 20)))
        start = rng.randint(0, len(text))
        assert sentence_ends(text, start) == [m.end() for m in _SENTENCE.finditer(text, start)], text


@pytest.mark.parametrize(("extra", "message"), [
    ('keywords = ["a"]\nweak_keywords = ["a"]', "listed as strong and weak"),
    ('keywords = ["a"]\nstrength = "medium"', "strength 'medium' unknown"),
    ('weak_keywords = ["a*b"]', "malformed"),
])
def test_bad_strength_keys(extra: str, message: str) -> None:
    text = f'[[rule]]\nid = "X"\nmission = "health"\nweight = 1\nrationale = "r"\n{extra}\n'
    with pytest.raises(MissionFinanceError, match=message):
        RuleSet.from_toml(text, source="r.toml")
    with pytest.raises(MissionFinanceError, match="generic.lots: unknown key"):
        RuleSet.from_toml('[generic]\nlots = 1\n[[rule]]\nid="X"\nmission="health"\nweight=1\n'
                          'rationale="r"\nkeywords=["a"]\n', source="r.toml")


def test_older_rule_file_loads_and_keywords_stay_strong() -> None:
    rules = RuleSet.from_toml('[[rule]]\nid="X"\nmission="health"\nweight=1\nrationale="r"\nkeywords=["school"]\n')
    assert rules.rules[0].weak == () and rules.rules[0].strength == "strong" and rules.generic_cpv == ()
    got = tagged([{"source": "procurement", "description": "Minibus hire: for the school"}], rules)
    assert got == {"0": {"health"}}


def test_every_shipped_keyword_is_classified() -> None:
    """Each keyword of a keyword-only rule is either strong (keywords) or weak (weak_keywords)."""
    rules = RuleSet.load("builtin:uk")
    frame = rules.to_frame()
    assert {"weak_keywords", "strength"} <= set(frame.columns)
    weak = {k for r in rules.rules for k in r.weak}
    assert {"school", "hospital", "police", "transport", "energy", "health", "housing"} <= weak
    strong = {k for r in rules.rules for k in r.criteria.get("keywords", ()) if k not in r.weak}
    assert {"offshore wind", "early years", "domestic abuse", "radiotherapy"} <= strong


def test_tagging_modules_import_in_one_direction() -> None:
    """engine -> result -> explain -> profiles -> matching -> rules: no cycle, no private import.

    Imports under ``if TYPE_CHECKING:`` (annotations only, never run) are not counted.
    """
    root = Path(__file__).parents[2] / "missionfinance" / "tagging"
    imports: dict[str, set[str]] = {}
    for path in root.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for block in [n for n in ast.walk(tree) if isinstance(n, ast.If)
                      and isinstance(n.test, ast.Name) and n.test.id == "TYPE_CHECKING"]:
            block.body = []
        names = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("missionfinance.tagging."):
                mod = node.module.rsplit(".", 1)[1]
                names.add(mod)
                assert not any(a.name.startswith("_") for a in node.names), (path.name, node.module)
        imports[path.stem] = names
    seen: set[str] = set()

    def visit(m: str, stack: tuple[str, ...]) -> None:
        assert m not in stack, " -> ".join((*stack, m))
        if m in seen:
            return
        for n in imports.get(m, ()):
            visit(n, (*stack, m))
        seen.add(m)

    for m in imports:
        visit(m, ())


def test_policy_commitments_are_boilerplate() -> None:
    """A buyer's climate-emergency or net zero pledge says nothing about what it buys."""
    t = "office furniture: supply of desks. the council has declared a climate emergency and aims to be net zero by 2030"
    assert [t[a:b] for a, b in weak_spans(t)] == [
        " the council has declared a climate emergency and aims to be net zero by 2030"
    ]
    t = "heat pumps: installation of air source heat pumps to decarbonise the town hall"
    assert weak_spans(t) == []


def test_stem_overlap_matches_every_pair_tested() -> None:
    """The automaton scan finds the same overlapping stems as testing every pair."""
    compiled = CompiledRules(RuleSet.load("builtin:uk"))
    unit, overlap = compiled.term_unit
    stems = compiled.automaton[2]
    assert len(stems) > 100 and overlap.shape == (len(stems) + 1, len(stems) + 1)
    slow = np.array([[a in b or b in a for b in stems] for a in stems], dtype=bool)
    assert np.array_equal(overlap[:-1, :-1], slow)
    assert not overlap[-1].any() and not overlap[:, -1].any()
    assert np.array_equal(stem_overlap(stems), overlap)  # the pairwise fallback agrees
