"""Matching, resolution and attribution on lines small enough to check by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from missionfinance.errors import MissionFinanceError
from missionfinance.tagging import TAG_COLUMNS, RuleSet, TaggingResult, tag


def weights(result: TaggingResult, line_id: str) -> dict[str, float]:
    t = result.tags[result.tags["line_id"] == line_id]
    return {str(m): round(float(w), 6) for m, w in zip(t["mission"], t["weight"], strict=True)}


def test_tags_columns_and_hand_results(rules: RuleSet, lines: pd.DataFrame) -> None:
    before = lines.copy(deep=True)
    res = tag(lines, rules, attribution="gross")
    pd.testing.assert_frame_equal(lines, before)  # inputs never mutated
    assert tuple(res.tags.columns) == TAG_COLUMNS
    # L1: CE-01 needs cpv AND keyword -> no cpv, so only CE-02 (cofog); growth: GR-02 priority 5 beats GR-01
    assert weights(res, "L1") == {"growth": 0.3, "clean-energy": 0.4}
    assert res.tags.set_index(["line_id", "mission"]).loc[("L1", "growth"), "rule_id"] == "GR-02"
    # L2: DfT, cofog 4.3 normalised to 04.3; CE-01 vetoed by "fossil" anyway (no cpv)
    assert weights(res, "L2") == {"growth": 0.8, "clean-energy": 0.4}
    # L3: cpv 0931 + keyword across a tab, case-insensitive -> CE-01; GR-02 via department
    assert weights(res, "L3") == {"growth": 0.3, "clean-energy": 1.0}
    row = res.tags[(res.tags["line_id"] == "L3") & (res.tags["mission"] == "clean-energy")].iloc[0]
    assert row["matched_on"] == "cpv:0931; keyword:offshore wind"
    assert row["rule_id"] == "CE-01" and row["direction"] == "favourable"
    # L4: negative weight, unfavourable
    assert weights(res, "L4") == {"clean-energy": -0.4}
    assert res.lines.set_index("line_id").loc["L4", "status"] == "unfavourable"
    # L5: weight 0 -> neutral, assessed (in tags, not untagged)
    assert weights(res, "L5") == {"opportunity": 0.0}
    assert res.lines.set_index("line_id").loc["L5", "status"] == "neutral"
    # L6: override beats HE-00/HE-01
    t6 = res.tags[res.tags["line_id"] == "L6"].iloc[0]
    assert (t6["rule_id"], t6["weight"], t6["rationale"]) == (
        "override", 0.5, "Only the capital share funds diagnostics")
    # L7: "school*" matches "schooling" and "schools"
    assert weights(res, "L7") == {"safer-streets": 1.0}
    assert res.untagged["line_id"].tolist() == ["L8"]


def test_resolution_ties_by_weight_then_id(rules: RuleSet) -> None:
    lines = pd.DataFrame({"line_id": ["a"], "description": ["NHS"], "amount": [1.0], "cofog": ["07"]})
    res = tag(lines, rules)
    assert res.tags["rule_id"].tolist() == ["HE-00"]  # equal priority and |weight|: id order
    assert "outranked by HE-00" in res.explain("a")


def test_net_scales_positive_weights_only() -> None:
    text = "\n".join(
        f'[[rule]]\nid = "{m}"\nmission = "{m}"\nweight = {w}\nrationale = "r"\nkeywords = ["x"]\n'
        for m, w in [("growth", 0.8), ("health", 0.6), ("clean-energy", -0.5)]
    )
    rules = RuleSet.from_toml(text)
    lines = pd.DataFrame({"line_id": ["a"], "description": ["x"], "amount": [10.0]})
    net = tag(lines, rules)
    assert weights(net, "a") == {"growth": round(0.8 / 1.4, 6), "clean-energy": -0.5, "health": round(0.6 / 1.4, 6)}
    assert bool(net.lines["over_allocated"].iloc[0])
    assert net.lines["status"].iloc[0] == "mixed"
    gross = tag(lines, rules, attribution="gross")
    assert weights(gross, "a") == {"growth": 0.8, "clean-energy": -0.5, "health": 0.6}
    assert np.isclose(gross.tags["amount_attributed"].sum(), 9.0)


def test_minimal_pipeline_frame(rules: RuleSet) -> None:
    pipeline = pd.DataFrame({"project_id": ["P1", "P2"], "description": ["Offshore wind", "School"],
                             "department": ["DESNZ", "DfE"], "source": ["pipeline"] * 2,
                             "capacity": [5.0, 3.0], "cofog": ["04.3", ""], "cpv": ["", ""]})
    lines = pipeline.rename(columns={"project_id": "line_id", "capacity": "amount"})
    res = tag(lines, rules)
    c = res.contributions(["P2", "P1"])
    assert list(c.index) == ["P2", "P1"]
    assert list(c.columns) == list(rules.missions.ids)
    assert c.loc["P2", "safer-streets"] == 1.0 and c.loc["P2", "growth"] == 0.0
    with pytest.raises(MissionFinanceError, match="'P9' is not among"):
        res.contributions(["P9"])


def test_empty_codes_never_match() -> None:
    rules = RuleSet.from_toml('[[rule]]\nid="A"\nmission="health"\nweight=1\nrationale="r"\ncpv=["33"]\n'
                              '[[rule]]\nid="B"\nmission="growth"\nweight=1\nrationale="r"\ncofog=["04"]\n')
    lines = pd.DataFrame({"line_id": ["a", "b", "c"], "description": ["", "", ""], "amount": [1.0, 2.0, 3.0],
                          "cpv": ["", None, "33100000;"], "cofog": [";", "EU01", "4"]})
    res = tag(lines, rules)
    assert res.tags[["line_id", "rule_id"]].astype(str).values.tolist() == [["c", "B"], ["c", "A"]] or \
        sorted(res.tags["rule_id"].astype(str)) == ["A", "B"]
    assert res.untagged["line_id"].tolist() == ["a", "b"]


def test_keyword_boundaries_unicode() -> None:
    rules = RuleSet.from_toml('[[rule]]\nid="A"\nmission="health"\nweight=1\nrationale="r"\n'
                              'keywords=["café", "straße", "r&d", "nhs"]\n')
    lines = pd.DataFrame({"line_id": list("abcdefg"), "amount": [1.0] * 7, "description": [
        "Le CAFÉ", "cafés", "STRASSE", "r&d grants", "nhsx", "pre-nhs reform", "e\u0301t\u00e9 cafe\u0301"]})
    res = tag(lines, rules)
    assert sorted(res.tags["line_id"]) == ["a", "c", "d", "f", "g"]


def test_bad_lines() -> None:
    rules = RuleSet.load()
    with pytest.raises(MissionFinanceError, match="column amount: required column missing"):
        tag(pd.DataFrame({"line_id": ["a"], "description": ["x"]}), rules)
    with pytest.raises(MissionFinanceError, match="row 2, column line_id: duplicate line_id 'a'"):
        tag(pd.DataFrame({"line_id": ["a", "a"], "description": ["x", "y"], "amount": [1, 2]}), rules)
    with pytest.raises(MissionFinanceError, match="row 1, column amount: 'x' is not a number"):
        tag(pd.DataFrame({"line_id": ["a"], "description": ["x"], "amount": ["x"]}), rules)
    with pytest.raises(MissionFinanceError, match="expected a RuleSet"):
        tag(pd.DataFrame({"line_id": ["a"], "description": ["x"], "amount": [1.0]}), "builtin:uk")  # type: ignore[arg-type]


def test_empty_lines_frame(rules: RuleSet) -> None:
    lines = pd.DataFrame({"line_id": pd.Series([], dtype="str"), "description": pd.Series([], dtype="str"),
                          "amount": pd.Series([], dtype="float64")})
    res = tag(lines, rules)
    assert res.tags.empty and res.untagged.empty
    assert res.contributions().shape == (0, 5)


def test_explain_and_summary(rules: RuleSet, lines: pd.DataFrame) -> None:
    res = tag(lines, rules)
    text = res.explain("L2")
    assert "CE-02" in text and "growth" in text
    text3 = res.explain("L3")
    assert "cpv:0931 (Electricity)" in text3 and "APPLIED" in text3
    veto = tag(lines.assign(cpv="09310000"), rules).explain("L2")
    assert "VETOED by exclude keyword:fossil" in veto
    assert "override" in res.explain("L6").lower()
    assert "not assessed" in res.explain("L8")
    with pytest.raises(MissionFinanceError, match="'nope' not found"):
        res.explain("nope")
    assert "not assessed" in res.summary_text()
    assert repr(res).startswith("TaggingResult(8 lines")
    assert "<pre>" in res._repr_html_()


def test_coverage_partition(rules: RuleSet, lines: pd.DataFrame) -> None:
    res = tag(lines, rules)
    cov = res.coverage
    parts = cov[["favourable", "unfavourable", "mixed", "neutral", "not_assessed"]].sum(axis=1)
    assert np.allclose(parts, cov["amount"])
    for dim in ("source", "department", "cofog_division"):
        assert np.isclose(cov.loc[cov["dimension"] == dim, "amount"].sum(), lines["amount"].sum())
    allrow = cov[cov["dimension"] == "all"].iloc[0]
    assert allrow["not_assessed"] == -1.0 and allrow["neutral"] == 10.0
    assert cov.loc[(cov["dimension"] == "cofog_division") & (cov["group"] == "07"), "label"].item() == "Health"


def test_vectorised_text_normalisation_matches_scalar() -> None:
    from missionfinance.tagging.matching import normalise_text_column
    from missionfinance.tagging.rules import normalise_text

    spaces = "".join(chr(c) for c in range(0x3001) if chr(c).isspace())
    values = pd.Series([f"a{spaces}B", " Straße\u00a0CAFE\u0301 ", "", None, "x\u2003\u3000y", "ǅ ΣΑΣ"])
    got = normalise_text_column(values).tolist()
    assert got == [normalise_text(v) for v in values.fillna("")]


def test_exclude_by_code_and_department_and_unused_override() -> None:
    rules = RuleSet.from_toml(
        '[coefficients.rio]\nsignificant = 0.4\n'
        '[[rule]]\nid="A"\nmission="growth"\nweight="rio.significant"\nrationale="r"\ncofog=["04"]\n'
        'exclude=["cpv:0913", "department:HMT", "cofog:04.2"]\n'
        '[[override]]\nline_id="absent"\nmission="health"\nweight=1\nreason="not in these lines"\n'
    )
    lines = pd.DataFrame({"line_id": list("abcde"), "description": [""] * 5, "amount": [1.0] * 5,
                          "cofog": ["04.5", "04.5", "04.5", "04.2", "04.1"],
                          "cpv": ["", "09134200", "", "", ""],
                          "department": ["DfT", "DfT", " hmt ", "DfT", "DfT"]})
    res = tag(lines, rules)
    assert res.tags["line_id"].tolist() == ["a", "e"]
    assert res.tags["weight"].tolist() == [0.4, 0.4]
    assert "VETOED by exclude cpv:0913" in res.explain("b")
    assert "VETOED by exclude department:hmt" in res.explain("c")
    assert "VETOED by exclude cofog:04.2" in res.explain("d")
    # the override names no line here: it changes nothing, and the result says which
    assert [(k, o.line_id) for k, o in res.unmatched_overrides()] == [(1, "absent")]


def test_priority_beats_weight_and_gross_flags_over_allocation(rules: RuleSet, lines: pd.DataFrame) -> None:
    res = tag(lines, rules, attribution="gross")
    row = res.tags[(res.tags["line_id"] == "L3") & (res.tags["mission"] == "growth")].iloc[0]
    assert row["rule_id"] == "GR-02"  # priority 5, weight 0.3, beats GR-01 (0.8) had it matched
    assert "higher priority (5 > 0)" in res.explain("L1")
    flags = res.lines.set_index("line_id")
    assert bool(flags.loc["L3", "over_allocated"]) and flags.loc["L3", "positive_weight"] == pytest.approx(1.3)
    assert flags.loc["L3", "net_scale"] == 1.0
    net = tag(lines, rules).lines.set_index("line_id")
    assert net.loc["L3", "net_scale"] == pytest.approx(1 / 1.3)


def test_lines_with_extra_and_numeric_columns(rules: RuleSet) -> None:
    lines = pd.DataFrame({"line_id": [1, 2], "description": ["NHS", "School"], "amount": [1, 2],
                          "region": ["London", "Wales"], "year": ["2026-27", "2026-27"]})
    res = tag(lines, rules)
    assert res.tags["line_id"].tolist() == ["1", "2"]
    assert list(res.lines.columns[:5]) == ["line_id", "description", "amount", "region", "year"]
    assert res.contributions().loc["2", "safer-streets"] == 1.0


def test_relation_aligned_enabling_and_buyer_cofog() -> None:
    text = """
[[rule]]
id = "HE-C"
mission = "health"
weight = 1.0
rationale = "Health function"
cofog = ["07"]

[[rule]]
id = "HE-B"
mission = "health"
weight = 1.0
rationale = "NHS buyer"
buyer = ["nhs", "health board*"]

[[rule]]
id = "HE-D"
mission = "health"
weight = 0.4
rationale = "Department (old style, no evidence key)"
department = ["DHSC"]
"""
    rules = RuleSet.from_toml(text)
    assert [r.evidence for r in rules.rules] == ["line", "spender", "spender"]
    lines = pd.DataFrame({
        "line_id": ["cra", "door", "dept", "none"],
        "source": ["cra", "procurement", "cra", "procurement"],
        "department": ["DHSC", "Betsi Cadwaladr Health Boards", "DHSC", "Council"],
        "description": ["Hospital services", "Door maintenance", "Stationery", "Paper"],
        "cofog": ["07.A", "07", "", "07"],
        "amount": [10.0, 2.0, 3.0, 1.0],
    })
    res = tag(lines, rules)
    got = {(r.line_id, r.rule_id, r.relation) for r in res.tags.itertuples()}
    # a CRA line's COFOG is its own purpose; a procurement line's is its buyer's, not evidence
    assert got == {("cra", "HE-C", "aligned"), ("door", "HE-B", "enabling"), ("dept", "HE-D", "enabling")}
    status = res.lines.set_index("line_id")["status"].astype(str).to_dict()
    assert status == {"cra": "favourable", "door": "enabling", "dept": "enabling", "none": "not_assessed"}
    assert res.contributions()["health"].tolist() == [1.0, 0.0, 0.0, 0.0]
    assert res.contributions(relation="all")["health"].tolist() == [1.0, 1.0, 0.4, 0.0]
    cov = res.coverage.set_index("dimension").loc["all"]
    assert cov["attributed_favourable"] == 10.0 and cov["attributed_enabling"] == 2.0 + 0.4 * 3.0
    assert cov["enabling"] == 5.0 and cov["favourable"] == 10.0
    assert "Enabling" in res.summary_text()
    with pytest.raises(MissionFinanceError, match="evidence 'who'"):
        RuleSet.from_toml(text.replace('department = ["DHSC"]', 'department = ["DHSC"]\nevidence = "who"'))
