"""Rule loading and validation (DESIGN §3.3): strict keys, one-line errors naming the rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from missionfinance.errors import MissionFinanceError
from missionfinance.tagging import RuleSet

BASE = """
[[rule]]
id = "CE-01"
mission = "clean-energy"
weight = 1.0
rationale = "Offshore wind"
keywords = ["offshore wind"]
"""


def load(text: str) -> RuleSet:
    return RuleSet.from_toml(text, source="rules.toml")


def test_builtin_rules_load_and_every_rule_has_a_rationale() -> None:
    rules = RuleSet.load("builtin:uk")
    assert len(rules) >= 60
    assert all(r.rationale for r in rules.rules)
    assert set(r.mission for r in rules.rules) == set(rules.missions.ids)


def test_full_rule_language_parses() -> None:
    rules = load(
        """
[ruleset]
name = "t"
[coefficients.rio]
principal = 1.0
significant = 0.4
[[rule]]
id = "CE-01"
mission = "clean-energy"
weight = "rio.significant"
rationale = "Wind"
cpv = ["09310000-5", "45251160"]
cofog = ["4.3"]
department = ["  DESNZ "]
programme = ["Offshore Wind"]
keywords = ["Offshore  Wind", "turbine*"]
exclude = ["fossil", "cpv:0913", "department:HMT"]
priority = 2
[[override]]
line_id = "L1"
mission = "health"
weight = "rio.principal"
reason = "Capital share"
"""
    )
    r = rules["CE-01"]
    assert r.weight == 0.4 and r.weight_ref == "rio.significant"
    assert r.criteria["cpv"] == ("0931", "4525116")  # trailing zeros are hierarchy padding
    assert r.criteria["cofog"] == ("04.3",)
    assert r.criteria["department"] == ("desnz",)
    assert r.criteria["keywords"] == ("offshore wind", "turbine*")
    assert r.exclude == (("keywords", "fossil"), ("cpv", "0913"), ("department", "hmt"))
    assert r.priority == 2
    assert rules.overrides[0].weight == 1.0
    assert rules.name == "t"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ('mission = "clean-energy"', "rules.toml rule 'CE-01': unknown mission 'wellbeing'"),
        ("weight = 1.0", "rules.toml rule 'CE-01': weight 1.5 out of range"),
        ('keywords = ["offshore wind"]', "rules.toml rule 'CE-01': no criterion"),
        ('rationale = "Offshore wind"', "rules.toml rule 'CE-01': missing rationale"),
    ],
)
def test_invalid_rules_name_the_rule(change: str, message: str) -> None:
    replacement = {
        'mission = "clean-energy"': 'mission = "wellbeing"',
        "weight = 1.0": "weight = 1.5",
        'keywords = ["offshore wind"]': "",
        'rationale = "Offshore wind"': "",
    }[change]
    with pytest.raises(MissionFinanceError) as err:
        load(BASE.replace(change, replacement))
    assert str(err.value).startswith(message)
    assert "\n" not in str(err.value)


def test_duplicate_id() -> None:
    with pytest.raises(MissionFinanceError, match=r"rule 'CE-01': duplicate rule id"):
        load(BASE + BASE)


@pytest.mark.parametrize("code", ["9931", "0931x", "1", "123456789"])
def test_malformed_cpv(code: str) -> None:
    with pytest.raises(MissionFinanceError, match=rf"rule 'CE-01': cpv '{code}' is not a CPV 2008 code"):
        load(BASE + f'cpv = ["{code}"]\n')


@pytest.mark.parametrize("code", ["04.9.9", "13", "x"])
def test_malformed_cofog(code: str) -> None:
    with pytest.raises(MissionFinanceError, match=rf"rule 'CE-01': cofog '{code}' is not a COFOG code"):
        load(BASE + f'cofog = ["{code}"]\n')


def test_unknown_keys_are_errors() -> None:
    with pytest.raises(MissionFinanceError, match=r"rule 'CE-01': unknown key 'keyword'"):
        load(BASE + 'keyword = ["x"]\n')
    with pytest.raises(MissionFinanceError, match=r"rules.toml key 'rules': unknown key"):
        load(BASE + '[[rules]]\nid = "x"\n')


def test_coefficients() -> None:
    text = "[coefficients.rio]\nprincipal = 1.0\n" + BASE.replace("weight = 1.0", 'weight = "rio.minor"')
    with pytest.raises(MissionFinanceError, match=r"rule 'CE-01': weight 'rio.minor' names no coefficient"):
        load(text)
    with pytest.raises(MissionFinanceError, match=r"coefficients.rio.principal: 2.0 out of range"):
        load("[coefficients.rio]\nprincipal = 2.0\n" + BASE)


def test_negative_weight_allowed() -> None:
    rules = load(BASE.replace("weight = 1.0", "weight = -0.4"))
    assert rules["CE-01"].direction == "unfavourable"


def test_override_needs_reason() -> None:
    text = BASE + '[[override]]\nline_id = "L1"\nmission = "health"\nweight = 0.5\n'
    with pytest.raises(MissionFinanceError, match=r"override 1 \(line 'L1'\): missing reason"):
        load(text)
    dup = BASE + 2 * '[[override]]\nline_id = "L1"\nmission = "health"\nweight = 0.5\nreason = "r"\n'
    with pytest.raises(MissionFinanceError, match="duplicate override"):
        load(dup)


def test_load_errors(tmp_path: Path) -> None:
    with pytest.raises(MissionFinanceError, match="rule file not found"):
        RuleSet.load(tmp_path / "missing.toml")
    with pytest.raises(MissionFinanceError, match="unknown built-in rule set"):
        RuleSet.load("builtin:fr")
    bad = tmp_path / "bad.toml"
    bad.write_text("[[rule]\n", encoding="utf-8")
    with pytest.raises(MissionFinanceError, match=r"^bad.toml: invalid TOML"):
        RuleSet.load(bad)
    good = tmp_path / "good.toml"
    good.write_text(BASE, encoding="utf-8")
    assert RuleSet.load(good)["CE-01"].mission == "clean-energy"


def test_repr() -> None:
    rules = RuleSet.load()
    assert repr(rules).startswith("RuleSet('builtin:uk':")
    assert "<table" in rules._repr_html_()


def test_pickle_round_trip_drops_the_compiled_cache() -> None:
    import pickle

    import pandas as pd

    from missionfinance.tagging import tag

    rules = RuleSet.load()
    lines = pd.DataFrame({"line_id": ["a"], "description": ["NHS trust"], "amount": [1.0]})
    before = tag(lines, rules).tags
    data = pickle.dumps(rules)
    assert len(data) < 100_000  # the automaton is not shipped
    again = pickle.loads(data)
    assert again == rules
    pd.testing.assert_frame_equal(tag(lines, again).tags, before)


def test_alias_table_matches_the_shipped_rules() -> None:
    """missionfinance/data/aliases_uk.csv is the sourced table the SR25 and buyer rules list."""
    from importlib import resources
    from io import StringIO

    import pandas as pd

    from missionfinance.io import read_lines

    text = resources.files("missionfinance.data").joinpath("aliases_uk.csv").read_text(encoding="utf-8")
    aliases = pd.read_csv(StringIO(text), dtype=str, keep_default_na=False)
    assert (aliases["source"].str.len() > 0).all()
    rules = RuleSet.load("builtin:uk")
    kind_of = {"sr25_label": "programme", "buyer_word": "buyer"}
    for rid, group in aliases.groupby("rule_id"):
        rule = rules[str(rid)]
        kind = kind_of[group["kind"].iloc[0]]
        want = {" ".join(n.split()).casefold() for n in group["name"]}
        assert set(rule.criteria[kind]) == want, rid
        assert set(group["mission"]) == {rule.mission}
        assert set(group["relation"]) == {rule.relation}
    real = Path(__file__).parents[2] / "scenarios" / "data" / "real"
    labels = set(read_lines(real / "sr25_table_5_3_rdel_excl_depreciation.csv")["programme"])
    labels |= set(read_lines(real / "sr25_table_5_4_cdel.csv")["programme"])
    assert set(aliases.loc[aliases["kind"] == "sr25_label", "name"]) <= labels


SUPPORT = """
[support]
functions = ["administration", "ict"]
regulators = ["regulator"]

[[rule]]
id = "OP-C09"
mission = "opportunity"
weight = 1.0
rationale = "Education"
cofog = ["09"]
exclude = ["pension*"]
"""


def test_support_functions_give_enabling_and_regulators_nothing() -> None:
    import pandas as pd

    from missionfinance.tagging import tag

    rules = load(SUPPORT)
    assert [r.id for r in rules.rules] == ["OP-C09", "OP-C09~support"]
    assert ("keywords", "regulator") in rules["OP-C09"].exclude
    derived = rules["OP-C09~support"]
    assert derived.relation == "enabling" and derived.criteria["keywords"] == ("administration", "ict")
    lines = pd.DataFrame({"line_id": ["a", "b", "c", "d"], "source": "cra", "department": "DfE",
                          "description": ["SCHOOLS", "ICT", "SCHOOLS REGULATOR", "ICT PENSIONS"],
                          "cofog": "09.1", "cpv": "", "amount": 1.0})
    got = tag(lines, rules).tags
    got = got[got["weight"] != 0].set_index("line_id")["relation"].to_dict()
    assert got == {"a": "aligned", "b": "enabling"}


def test_support_table_is_strict() -> None:
    with pytest.raises(MissionFinanceError, match="support.words: unknown key"):
        load('[support]\nwords = ["x"]\n' + BASE)
    with pytest.raises(MissionFinanceError, match="'OP-C09~support': id is reserved"):
        load(SUPPORT + '[[rule]]\nid = "OP-C09~support"\nmission = "opportunity"\nweight = 1.0\n'
             'rationale = "r"\nkeywords = ["x"]\n')


def test_support_functions_veto_favourable_keyword_rules_only() -> None:
    import pandas as pd

    from missionfinance.tagging import tag

    rules = load(SUPPORT + """
[[rule]]
id = "GR-K"
mission = "growth"
weight = 1.0
rationale = "Roads"
keywords = ["roads"]

[[rule]]
id = "CE-K-FOSSIL"
mission = "clean-energy"
weight = -0.4
rationale = "Heating oil"
keywords = ["heating oil"]
""")
    assert "GR-K~support" not in {r.id for r in rules.rules}
    lines = pd.DataFrame({"line_id": ["a", "b", "c"], "source": "cra", "department": "DfT",
                          "description": ["ROADS", "ROADS ADMINISTRATION", "HEATING OIL ADMINISTRATION"],
                          "cofog": "04.5", "cpv": "", "amount": 1.0})
    got = tag(lines, rules).tags
    got = got[got["weight"] != 0]
    assert sorted(zip(got["line_id"], got["mission"], strict=True)) == [("a", "growth"), ("c", "clean-energy")]


def test_cpv_labels_are_the_shipped_list_as_pandas_reads_it() -> None:
    import gzip
    import io
    from importlib import resources

    import pandas as pd

    from missionfinance.tagging.codes import cpv_labels

    raw = resources.files("missionfinance.data").joinpath("cpv_2008_en.csv.gz").read_bytes()
    frame = pd.read_csv(io.StringIO(gzip.decompress(raw).decode("utf-8-sig")), dtype=str,
                        keep_default_na=False)
    want = dict(zip(frame["CODE"].str.slice(0, 8).tolist(), frame["EN"].tolist(), strict=True))
    assert list(cpv_labels().items()) == list(want.items())
