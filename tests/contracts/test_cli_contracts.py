"""The command line read as an outside party reads DESIGN.md: tagging (§3.1, §3.3, §3.4, §7), runs (§5).

Black-box through ``missionfinance.cli.main`` on small hand-made inputs. Each docstring says
what DESIGN (or, where DESIGN is silent, the named document) fixes and the expected result.
The LP and money outputs are in test_model_contracts.py and malformed inputs in
test_input_contracts.py / test_codes_and_empty_inputs.py; they are not repeated here.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from missionfinance.cli import main
from tests.contracts.test_model_contracts import (
    COLUMNS,
    MISSIONS,
    RULES,
    Y1,
    Y2,
    Out,
    _budget,
    _y,
    pipeline_csv,
    project,
    run_case,
    scenario_toml,
)
from tests.errors import one_line_error

TAGS_COLUMNS = ["line_id", "mission", "weight", "amount_attributed", "rule_id", "rationale", "matched_on"]
HEADER = "line_id,source,department,programme,description,amount,cofog,cpv\n"

# Hand rules over the two missions alpha and beta of test_model_contracts (MISSIONS).
TAG_RULES = """\
[[rule]]
id = "A-KW"
mission = "alpha"
weight = 0.8
rationale = "Offshore wind"
keywords = ["offshore wind"]
exclude = ["fossil"]

[[rule]]
id = "A-CODES"
mission = "alpha"
weight = 0.5
rationale = "Electricity bought for a fuel and energy function"
cpv = ["0931", "0933"]
cofog = ["04.3"]

[[rule]]
id = "B-KW"
mission = "beta"
weight = 0.6
rationale = "Ports"
keywords = ["port"]

[[rule]]
id = "B-COAL"
mission = "beta"
weight = -0.7
rationale = "Coal works against beta"
keywords = ["coal"]

[[rule]]
id = "B-COFOG"
mission = "beta"
weight = 0.3
rationale = "Any economic affairs"
cofog = ["04"]

[[rule]]
id = "B-DEPT"
mission = "beta"
weight = 0.2
rationale = "A beta body's running costs"
department = ["Beta Agency"]
"""


def _line(line_id: str, description: str, amount: float = 100.0, *, cofog: str = "", cpv: str = "",
          department: str = "Dept", programme: str = "", source: str = "spending_review") -> str:
    quoted = '"' + description.replace('"', '""') + '"'
    return f"{line_id},{source},{department},{programme},{quoted},{amount},{cofog},{cpv}\n"


def _tag(tmp_path: Path, lines: str | list[Path], *, rules: str = TAG_RULES, extra: tuple[str, ...] = ()) -> int:
    """Run ``missionfinance tag`` on hand lines (CSV text, or files) into tmp_path/out/tags.csv."""
    (tmp_path / "missions.toml").write_text(MISSIONS, encoding="utf-8")
    (tmp_path / "rules.toml").write_text(rules, encoding="utf-8")
    if isinstance(lines, str):
        (tmp_path / "lines.csv").write_text(HEADER + lines, encoding="utf-8")
        files = [tmp_path / "lines.csv"]
    else:
        files = lines
    return main(["tag", *map(str, files), "--rules", str(tmp_path / "rules.toml"),
                 "--missions", str(tmp_path / "missions.toml"), *extra, "--out", str(tmp_path / "out" / "tags.csv")])


def _tags(tmp_path: Path) -> pd.DataFrame:
    return pd.read_csv(tmp_path / "out" / "tags.csv", dtype={"line_id": str}, keep_default_na=False)


def _untagged(tmp_path: Path) -> pd.DataFrame:
    return pd.read_csv(tmp_path / "out" / "tags.untagged.csv", dtype={"line_id": str}, keep_default_na=False)


def _winners(tmp_path: Path) -> dict[tuple[str, str], tuple[str, float]]:
    t = _tags(tmp_path)
    return {(r.line_id, r.mission): (r.rule_id, float(r.weight)) for r in t.itertuples(index=False)}


# --------------------------------------------------------------------------------------------
# §3.4 / §7 tags.csv
# --------------------------------------------------------------------------------------------

def test_tags_csv_columns(tmp_path: Path) -> None:
    """§3.4: tags.csv holds line_id, mission, weight, amount_attributed, rule_id, rationale,
    matched_on in that order; §7 adds ``relation``. One line tagged for alpha gives one row."""
    assert _tag(tmp_path, _line("L1", "Offshore wind farm")) == 0
    tags = _tags(tmp_path)
    assert list(tags.columns[:7]) == TAGS_COLUMNS
    assert "relation" in tags.columns
    row = tags.iloc[0]
    assert (row.line_id, row.mission, row.rule_id, row.rationale) == ("L1", "alpha", "A-KW", "Offshore wind")
    assert row.matched_on == "keyword:offshore wind"


def test_relation_aligned_and_enabling(tmp_path: Path) -> None:
    """§7: a tag from evidence about the line's purpose (a keyword) is ``aligned``; one from who
    spends it only (a department rule, docs/tagging.md "Evidence") is ``enabling``."""
    lines = _line("L1", "Harbour port dredging") + _line("L2", "Office cleaning", department="beta agency")
    assert _tag(tmp_path, lines) == 0
    tags = _tags(tmp_path).set_index("line_id")
    assert tags.loc["L1", "relation"] == "aligned" and tags.loc["L1", "rule_id"] == "B-KW"
    assert tags.loc["L2", "relation"] == "enabling" and tags.loc["L2", "rule_id"] == "B-DEPT"
    assert set(_tags(tmp_path)["relation"]) <= {"aligned", "enabling"}


def test_criteria_and_across_or_within(tmp_path: Path) -> None:
    """§3.3: a rule matches when every criterion it names matches (AND across), any value of one
    criterion matching (OR within). A-CODES names cpv 0931|0933 AND cofog 04.3."""
    lines = (_line("L1", "Supply", cofog="04.3", cpv="09310000")     # both: match
             + _line("L2", "Supply", cofog="04.3", cpv="09330000")   # second cpv of the list: match
             + _line("L3", "Supply", cofog="04.2", cpv="09310000")   # cofog fails: no A-CODES
             + _line("L4", "Supply", cofog="04.3", cpv="45000000"))  # cpv fails: no A-CODES
    assert _tag(tmp_path, lines) == 0
    alpha = {k[0]: v for k, v in _winners(tmp_path).items() if k[1] == "alpha"}
    assert alpha == {"L1": ("A-CODES", 0.5), "L2": ("A-CODES", 0.5)}


def test_cpv_and_cofog_are_prefixes(tmp_path: Path) -> None:
    """§3.3: cpv and cofog criteria are prefixes: cpv "0931" matches 09310000 and 09311000;
    cofog "04" matches 04.3 and 04.1 but not 05.3; a line's several codes are ';'-separated
    (§3.1) and any one of them may match."""
    lines = (_line("L1", "Supply", cofog="04.1")
             + _line("L2", "Supply", cofog="05.3")
             + _line("L3", "Supply", cofog="05.3;04.3", cpv="45000000;09311000"))
    assert _tag(tmp_path, lines) == 0
    got = _winners(tmp_path)
    assert got[("L1", "beta")] == ("B-COFOG", 0.3)
    assert ("L2", "beta") not in got
    assert got[("L3", "alpha")] == ("A-CODES", 0.5)
    assert got[("L3", "beta")] == ("B-COFOG", 0.3)


@pytest.mark.parametrize(("description", "matches"), [
    ("New PORT facilities", True),
    ("port, harbour", True),
    ("Sports centre", False),           # "port" inside another word
    ("Passport office", False),
    ("Portable cabins", False),
    ("Offshore  wind  survey", True),    # white space runs count as one space
    ("Offshore windfall tax", False),    # the phrase's last word inside another word
])
def test_keywords_are_whole_words_or_phrases(tmp_path: Path, description: str, matches: bool) -> None:
    """§3.3: keywords match whole words or phrases, case-insensitively (docs/tagging.md:
    white space runs count as one space); a keyword inside another word does not match."""
    assert _tag(tmp_path, _line("L1", description)) == 0
    assert (len(_tags(tmp_path)) > 0) is matches


WRITTEN_FORMS_RULES = """\
[[rule]]
id = "C-1"
mission = "alpha"
weight = 1
rationale = "Electricity class with padding and check digit"
cpv = ["09310000-5"]

[[rule]]
id = "C-2"
mission = "beta"
weight = 1
rationale = "Fuel and energy written short"
cofog = ["4.3"]

[[rule]]
id = "K-1"
mission = "beta"
weight = 0.5
rationale = "Words"
keywords = ["straße", "r&d", "school*"]
"""


def test_codes_and_keywords_in_their_written_forms(tmp_path: Path) -> None:
    """docs/tagging.md, where DESIGN §3.3 only says "prefixes" and "whole words": a CPV rule
    "09310000-5" is the class 0931 (padding and check digit dropped) and matches 09311000, not
    09320000; COFOG "4.3" is 04.3 (not 04.2); keywords fold case ("straße" matches "STRASSE",
    not inside "HAUPTSTRASSE"), keep punctuation ("r&d"), and "school*" matches words starting
    with the stem ("Schooling"), not a word that only contains it ("preschool")."""
    lines = (_line("A", "x", 10.0, cpv="09311000") + _line("B", "x", 10.0, cofog="04.3")
             + _line("C", "STRASSE works", 10.0) + _line("D", "R&D grants", 10.0) + _line("E", "Schooling", 10.0)
             + _line("F", "preschool", 10.0) + _line("G", "HAUPTSTRASSE works", 10.0)
             + _line("H", "x", 10.0, cofog="04.2", cpv="09320000"))
    assert _tag(tmp_path, lines, rules=WRITTEN_FORMS_RULES) == 0
    assert {k: v[0] for k, v in _winners(tmp_path).items()} == {
        ("A", "alpha"): "C-1", ("B", "beta"): "C-2", ("C", "beta"): "K-1", ("D", "beta"): "K-1",
        ("E", "beta"): "K-1"}
    assert _untagged(tmp_path)["line_id"].tolist() == ["F", "G", "H"]


def test_exclude_vetoes_the_rule(tmp_path: Path) -> None:
    """§3.3: any ``exclude`` match vetoes the rule. "Offshore wind fossil backup" matches A-KW
    but names "fossil": no alpha tag; without "fossil" the tag is made."""
    assert _tag(tmp_path, _line("L1", "Offshore wind fossil backup") + _line("L2", "Offshore wind backup")) == 0
    got = _winners(tmp_path)
    assert ("L1", "alpha") not in got
    assert got[("L2", "alpha")] == ("A-KW", 0.8)


CODE_VETO_RULES = """\
[[rule]]
id = "Z-0"
mission = "alpha"
weight = 0
rationale = "Assessed, no effect"
keywords = ["neutral"]

[[rule]]
id = "X-PORT"
mission = "beta"
weight = 1
rationale = "Ports, but not dredging or agriculture"
keywords = ["port"]
exclude = ["cpv:4524", "cofog:04.2"]
"""


def test_code_vetoes_and_a_zero_weight(tmp_path: Path) -> None:
    """§3.3 ``exclude``: any match vetoes the rule; docs/tagging.md writes code vetoes
    ``cpv:PREFIX`` / ``cofog:CODE``. "port works" with CPV 45240000 or COFOG 04.2 gets no beta
    tag (both listed as untagged, §3.4); with CPV 45000000 and COFOG 04.1 it does. A weight of 0
    is in range (−1 ≤ w ≤ 1): the line is assessed (docs: neutral) with a 0 tag, not untagged."""
    lines = (_line("N1", "neutral thing", 10.0) + _line("P1", "port works", 10.0, cpv="45240000")
             + _line("P2", "port works", 10.0, cofog="04.2") + _line("P3", "port works", 10.0, cofog="04.1",
                                                                    cpv="45000000"))
    assert _tag(tmp_path, lines, rules=CODE_VETO_RULES) == 0
    assert _winners(tmp_path) == {("N1", "alpha"): ("Z-0", 0.0), ("P3", "beta"): ("X-PORT", 1.0)}
    assert _tags(tmp_path).set_index("line_id").loc["N1", "amount_attributed"] == 0.0
    assert _untagged(tmp_path)["line_id"].tolist() == ["P1", "P2"]


RESOLUTION_RULES = """\
[[rule]]
id = "R-B"
mission = "alpha"
weight = 0.5
rationale = "b"
keywords = ["tie"]

[[rule]]
id = "R-A"
mission = "alpha"
weight = -0.5
rationale = "a"
keywords = ["tie"]

[[rule]]
id = "R-BIG"
mission = "alpha"
weight = 0.9
rationale = "big"
keywords = ["big", "prio"]

[[rule]]
id = "R-NEG"
mission = "alpha"
weight = -0.95
rationale = "neg"
keywords = ["neg"]

[[rule]]
id = "R-SMALL"
mission = "alpha"
weight = 0.2
rationale = "small"
keywords = ["big", "neg"]

[[rule]]
id = "R-PRIO"
mission = "alpha"
weight = 0.1
rationale = "prio"
keywords = ["prio"]
priority = 5

[[override]]
line_id = "L5"
mission = "alpha"
weight = 0.33
reason = "Analyst decision"

[[override]]
line_id = "L6"
mission = "beta"
weight = 0.4
reason = "Analyst decision on a line no rule matches"
"""


def test_resolution_priority_weight_id_and_overrides(tmp_path: Path) -> None:
    """§3.3 resolution for one (line, mission): override, else highest priority, then largest
    |weight|, then rule id (docs/tagging.md: the smallest).

    L1 "big": R-BIG 0.9 beats R-SMALL 0.2. L2 "neg": R-NEG −0.95 beats R-SMALL 0.2 (|weight|,
    not signed weight). L3 "prio": R-PRIO (priority 5, 0.1) beats R-BIG 0.9. L4 "tie": R-A and
    R-B tie on priority and |weight|, R-A wins (−0.5). L5 "big prio" is overridden to 0.33
    (beats priority 5). L6 matches no rule: its beta override makes a tag.
    """
    lines = (_line("L1", "big") + _line("L2", "neg") + _line("L3", "prio") + _line("L4", "tie")
             + _line("L5", "big prio") + _line("L6", "nothing"))
    assert _tag(tmp_path, lines, rules=RESOLUTION_RULES, extra=("--attribution", "gross")) == 0
    got = _winners(tmp_path)
    assert got[("L1", "alpha")] == ("R-BIG", 0.9)
    assert got[("L2", "alpha")] == ("R-NEG", -0.95)
    assert got[("L3", "alpha")] == ("R-PRIO", 0.1)
    assert got[("L4", "alpha")] == ("R-A", -0.5)
    assert got[("L5", "alpha")][1] == pytest.approx(0.33)
    assert got[("L6", "beta")][1] == pytest.approx(0.4)
    tags = _tags(tmp_path).set_index(["line_id", "mission"])
    assert "Analyst decision" in " ".join(map(str, tags.loc[("L5", "alpha")].tolist()))
    assert "L6" not in set(_untagged(tmp_path)["line_id"])


@pytest.mark.parametrize(("attribution", "alpha", "beta"), [
    ("gross", 0.8, 0.6),
    ("net", 0.8 / 1.4, 0.6 / 1.4),
    (None, 0.8 / 1.4, 0.6 / 1.4),   # `tag` defaults to net, as the scenario does (§3.3)
])
def test_gross_and_net_attribution(tmp_path: Path, attribution: str | None, alpha: float, beta: float) -> None:
    """§3.3: gross keeps each mission's weight; net scales a line's positive weights down so they
    sum to at most 1. "Offshore wind port" (£200m): alpha 0.8 and beta 0.6 (sum 1.4); under net
    0.8/1.4 and 0.6/1.4. amount_attributed = weight × amount (docs/tagging.md)."""
    extra = () if attribution is None else ("--attribution", attribution)
    assert _tag(tmp_path, _line("L1", "Offshore wind port", 200.0), extra=extra) == 0
    tags = _tags(tmp_path).set_index("mission")
    assert tags.loc["alpha", "weight"] == pytest.approx(alpha, abs=1e-6)
    assert tags.loc["beta", "weight"] == pytest.approx(beta, abs=1e-6)
    assert tags.loc["alpha", "amount_attributed"] == pytest.approx(200.0 * alpha, abs=1e-5)
    assert tags.loc["beta", "amount_attributed"] == pytest.approx(200.0 * beta, abs=1e-5)


def test_net_leaves_small_sums_and_negative_weights_alone(tmp_path: Path) -> None:
    """§3.3: net scales *positive* weights only and only when their sum is above 1; a negative
    weight (works against) is kept. "Offshore wind coal" £50m: alpha 0.8, beta −0.7 — unchanged,
    amounts 40 and −35."""
    assert _tag(tmp_path, _line("L1", "Offshore wind coal", 50.0)) == 0
    tags = _tags(tmp_path).set_index("mission")
    assert tags.loc["alpha", "weight"] == pytest.approx(0.8)
    assert tags.loc["beta", "weight"] == pytest.approx(-0.7)
    assert tags.loc["alpha", "amount_attributed"] == pytest.approx(40.0)
    assert tags.loc["beta", "amount_attributed"] == pytest.approx(-35.0)


def test_negative_amount_is_kept_and_attributed(tmp_path: Path) -> None:
    """§3.1: a negative amount (netted receipts) is kept, never dropped; amount_attributed =
    amount × weight, so −20 × −0.7 = +14."""
    assert _tag(tmp_path, _line("L1", "Coal receipts", -20.0)) == 0
    tags = _tags(tmp_path)
    assert tags["amount_attributed"].tolist() == [pytest.approx(14.0)]


def test_tagging_twice_gives_the_same_bytes(tmp_path: Path) -> None:
    """§5 determinism (the same inputs give byte-identical files) for ``tag``'s two files."""
    lines = _line("L1", "Offshore wind port", 200.0) + _line("L2", "Coal", 7.5) + _line("L3", "Nothing")
    assert _tag(tmp_path, lines) == 0
    first = [(tmp_path / "out" / n).read_bytes() for n in ("tags.csv", "tags.untagged.csv")]
    assert _tag(tmp_path, lines) == 0
    assert [(tmp_path / "out" / n).read_bytes() for n in ("tags.csv", "tags.untagged.csv")] == first


def test_unmatched_lines_are_reported_not_dropped(tmp_path: Path) -> None:
    """§3.4: lines no rule matches are reported, never dropped. The CLI writes them beside the
    tags (``--help``: "untagged lines beside it"): ``tags.untagged.csv`` holds each line with its
    amount, and the tagged and untagged line ids together are every input line."""
    lines = _line("L1", "Offshore wind") + _line("L2", "Sports centre", 10.0) + _line("L3", "Library", -3.0)
    assert _tag(tmp_path, lines) == 0
    untagged = _untagged(tmp_path)
    assert untagged["line_id"].tolist() == ["L2", "L3"]
    assert untagged["amount"].astype(float).tolist() == [10.0, -3.0]
    assert set(_tags(tmp_path)["line_id"]) | set(untagged["line_id"]) == {"L1", "L2", "L3"}


def test_several_lines_files_at_once(tmp_path: Path) -> None:
    """§5 ``tag LINES...``: several files are tagged together into one tags.csv."""
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text(HEADER + _line("A1", "Offshore wind"), encoding="utf-8")
    b.write_text(HEADER + _line("B1", "Port works") + _line("B2", "Nothing"), encoding="utf-8")
    assert _tag(tmp_path, [a, b]) == 0
    assert set(_tags(tmp_path)["line_id"]) == {"A1", "B1"}
    assert _untagged(tmp_path)["line_id"].tolist() == ["B2"]


def test_same_line_id_in_two_files_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """§3.1: line_id is unique; the same id in two files given together is bad input (exit 2,
    one line naming the id), and no tags file is written."""
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text(HEADER + _line("X1", "Offshore wind"), encoding="utf-8")
    b.write_text(HEADER + _line("X1", "Port works"), encoding="utf-8")
    assert _tag(tmp_path, [a, b]) == 2
    one_line_error(capsys.readouterr().err, "X1")
    assert not (tmp_path / "out" / "tags.csv").exists()


def test_xlsx_and_parquet_lines_give_the_csv_tags(tmp_path: Path) -> None:
    """§3.1 / §5: canonical lines are read from CSV, XLSX or Parquet (format detected from the
    content); the same lines give the same tags."""
    lines = _line("L1", "Offshore wind port", 200.0, cofog="04.3", cpv="09310000") + _line("L2", "Coal", 7.5)
    assert _tag(tmp_path, lines) == 0
    expected = _tags(tmp_path)
    frame = pd.read_csv(tmp_path / "lines.csv", dtype=str, keep_default_na=False)
    frame["amount"] = frame["amount"].astype(float)
    for name, write in (("lines.xlsx", frame.to_excel), ("lines.parquet", frame.to_parquet)):
        other = tmp_path / name.split(".")[1]
        other.mkdir()
        write(other / name, index=False)
        assert _tag(other, [other / name]) == 0, name
        pd.testing.assert_frame_equal(_tags(other), expected)


def test_spreadsheet_numbers_as_line_ids(tmp_path: Path) -> None:
    """§3.1: line_id is a str. An XLSX or Parquet file whose ids are numbers (1001) gives the
    line ids "1001", not "1001.0"; a COFOG cell typed as the number 4.3 is read as 04.3
    (docs/data.md: "4.3" is read as "04.3")."""
    frame = pd.DataFrame({"line_id": [1001, 1002], "source": ["spending_review"] * 2, "department": ["Dept"] * 2,
                          "description": ["Supply", "Offshore wind"], "amount": [5.0, 7.0],
                          "cofog": [4.3, None], "cpv": ["09310000", None]})
    for name, write in (("lines.xlsx", frame.to_excel), ("lines.parquet", frame.to_parquet)):
        folder = tmp_path / name.split(".")[1]
        folder.mkdir()
        write(folder / name, index=False)
        assert _tag(folder, [folder / name]) == 0, name
        got = _winners(folder)
        assert got[("1001", "alpha")] == ("A-CODES", 0.5), name
        assert got[("1002", "alpha")] == ("A-KW", 0.8), name


def test_tag_outputs_neutralise_formula_text(tmp_path: Path) -> None:
    """§5: text cells beginning with = + - @ are neutralised in CSV, in ``tag``'s files too
    (docs/report.md: a leading ``'``): a line id "=L1", a department "@Dept", a description
    "=cmd…" of an untagged line and a rationale "=1+1 …"."""
    rules = TAG_RULES.replace('rationale = "Offshore wind"', 'rationale = "=1+1 offshore"')
    lines = (_line("=L1", "Offshore wind", department="@Dept")
             + _line("+L2", "=cmd|' /C calc'!A0", department="-Dept"))
    assert _tag(tmp_path, lines, rules=rules) == 0
    tags, untagged = _tags(tmp_path), _untagged(tmp_path)
    assert tags["line_id"].tolist() == ["'=L1"] and tags["rationale"].tolist() == ["'=1+1 offshore"]
    row = untagged.iloc[0]
    assert (row.line_id, row.department, row.description) == ("'+L2", "'-Dept", "'=cmd|' /C calc'!A0")


def test_format_forces_the_reader(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """§5: ``--format`` forces the input format. A canonical CSV forced as ``canonical`` is
    tagged; the same file forced as ``ocds`` is bad input (exit 2, one line naming the file)."""
    lines = _line("L1", "Offshore wind")
    assert _tag(tmp_path, lines, extra=("--format", "canonical")) == 0
    assert len(_tags(tmp_path)) == 1
    capsys.readouterr()
    other = tmp_path / "forced"
    other.mkdir()
    assert _tag(other, lines, extra=("--format", "ocds")) == 2
    one_line_error(capsys.readouterr().err, "lines.csv")
    assert not (other / "out" / "tags.csv").exists()


def test_format_is_detected_from_the_content(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """§5: the input format is detected from the content where that is unambiguous, not the
    file name: canonical CSV saved as .txt and an OCDS package saved as .data are both read;
    an unknown ``--format`` name is bad input (exit 2, one line listing the known formats)."""
    text = tmp_path / "lines.txt"
    text.write_text(HEADER + _line("L1", "Offshore wind"), encoding="utf-8")
    data = tmp_path / "contracts.data"
    data.write_text(json.dumps(_ocds_package()), encoding="utf-8")
    assert _tag(tmp_path, [text, data]) == 0
    assert set(_tags(tmp_path)["line_id"]) == {"L1", "ocds-abc123-0001"}
    capsys.readouterr()
    assert _tag(tmp_path, [text], extra=("--format", "csv")) == 2
    one_line_error(capsys.readouterr().err, "'csv'", "canonical", "ocds")


# --------------------------------------------------------------------------------------------
# OCDS JSON (§3, §3.1)
# --------------------------------------------------------------------------------------------

def _ocds_package(currency: str = "GBP") -> dict[str, Any]:
    """A minimal OCDS 1.1 release package (release-package-schema.json: uri, publishedDate,
    publisher, releases, version; release: ocid, id, date, tag, initiationType)."""
    return {
        "uri": "https://example.org/package.json",
        "version": "1.1",
        "publishedDate": "2026-05-01T00:00:00Z",
        "publisher": {"name": "Example buyer"},
        "releases": [{
            "ocid": "ocds-abc123-0001",
            "id": "ocds-abc123-0001-award",
            "date": "2026-05-01T00:00:00Z",
            "tag": ["award"],
            "initiationType": "tender",
            "buyer": {"id": "GB-X-1", "name": "Port Authority"},
            "parties": [{"id": "GB-X-1", "name": "Port Authority", "roles": ["buyer"]}],
            "tender": {
                "id": "T1",
                "title": "Offshore wind port",
                "description": "Quayside for offshore wind",
                "items": [{"id": "item-1", "classification": {"scheme": "CPV", "id": "09310000"}}],
            },
            "awards": [{
                "id": "award-1",
                "status": "active",
                "date": "2026-05-01T00:00:00Z",
                "value": {"amount": 2500000, "currency": currency},
                "items": [{"id": "item-1", "classification": {"scheme": "CPV", "id": "09310000"}}],
            }],
        }],
    }


def _write_ocds(tmp_path: Path, currency: str = "GBP") -> Path:
    path = tmp_path / "contracts.json"
    path.write_text(json.dumps(_ocds_package(currency)), encoding="utf-8")
    return path


def test_ocds_amounts_are_divided_by_a_million(tmp_path: Path) -> None:
    """§3: OCDS amounts are in currency units, divided by 1e6: an award of £2,500,000 is a
    £2.5m procurement line (source ``procurement``); "Offshore wind port" gives alpha 0.8/1.4
    under net, so amount_attributed = 2.5 × 0.8/1.4."""
    path = _write_ocds(tmp_path)
    assert _tag(tmp_path, [path]) == 0
    tags = _tags(tmp_path).set_index("mission")
    assert tags.loc["alpha", "amount_attributed"] == pytest.approx(2.5 * 0.8 / 1.4, abs=1e-6)
    assert tags.loc["beta", "amount_attributed"] == pytest.approx(2.5 * 0.6 / 1.4, abs=1e-6)


def test_ocds_non_gbp_without_a_rate_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """§3: a non-GBP amount without an exchange rate is an error: exit 2, one line naming the
    file and the ocid, no tags written. With ``--rate EUR=0.85`` (README) €2.5m is £2.125m."""
    path = _write_ocds(tmp_path, "EUR")
    assert _tag(tmp_path, [path]) == 2
    one_line_error(capsys.readouterr().err, "contracts.json", "ocds-abc123-0001", "EUR")
    assert not (tmp_path / "out").exists()
    assert _tag(tmp_path, [path], extra=("--rate", "EUR=0.85")) == 0
    tags = _tags(tmp_path).set_index("mission")
    assert tags.loc["alpha", "amount_attributed"] == pytest.approx(2.125 * 0.8 / 1.4, abs=1e-6)


def test_ocds_json_lines_give_the_same_tags(tmp_path: Path) -> None:
    """§5: OCDS JSON and JSONL are read (README "one line per ocid"); the package written as
    one release per line gives the same tags as the package."""
    assert _tag(tmp_path, [_write_ocds(tmp_path)]) == 0
    expected = _tags(tmp_path)
    other = tmp_path / "jsonl"
    other.mkdir()
    path = other / "contracts.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in _ocds_package()["releases"]), encoding="utf-8")
    assert _tag(other, [path]) == 0
    pd.testing.assert_frame_equal(_tags(other), expected)


@pytest.mark.xfail(strict=True, reason="DESIGN §3.1 gives OCDS line_id as ocid/award id/item id; "
                                       "the reader writes one line per ocid (line_id = the ocid)")
def test_ocds_line_id_is_ocid_award_item(tmp_path: Path) -> None:
    """§3.1: an OCDS line's line_id is ``ocid/award id/item id``: the hand package's one award
    with one item is the line ``ocds-abc123-0001/award-1/item-1``."""
    assert _tag(tmp_path, [_write_ocds(tmp_path)]) == 0
    assert set(_tags(tmp_path)["line_id"]) == {"ocds-abc123-0001/award-1/item-1"}


# --------------------------------------------------------------------------------------------
# explain (§1, §5)
# --------------------------------------------------------------------------------------------

def _explain(tmp_path: Path, line_id: str, lines: str) -> int:
    (tmp_path / "missions.toml").write_text(MISSIONS, encoding="utf-8")
    (tmp_path / "rules.toml").write_text(TAG_RULES, encoding="utf-8")
    (tmp_path / "lines.csv").write_text(HEADER + lines, encoding="utf-8")
    return main(["explain", line_id, str(tmp_path / "lines.csv"), "--rules", str(tmp_path / "rules.toml"),
                 "--missions", str(tmp_path / "missions.toml")])


def test_explain_names_the_matching_rules_and_why(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """§1 "every tag says which rule made it and why": ``explain`` prints the rules that matched
    (A-KW for alpha, B-KW for beta), what matched, and for a vetoed rule the veto."""
    lines = _line("L1", "Offshore wind port") + _line("L2", "Offshore wind fossil")
    assert _explain(tmp_path, "L1", lines) == 0
    out = capsys.readouterr().out
    for fragment in ("L1", "A-KW", "B-KW", "keyword:offshore wind", "keyword:port", "alpha", "beta"):
        assert fragment in out, fragment
    assert _explain(tmp_path, "L2", lines) == 0
    out = capsys.readouterr().out
    assert "A-KW" in out and "fossil" in out and "veto" in out.lower()


def test_explain_says_why_each_winner_won(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """docs/tagging.md: ``explain`` shows every rule that matched and why each winner won
    (§3.3 order). "prio": R-BIG (0.9) loses to R-PRIO on priority 5 > 0; "big prio" is
    overridden, and the override's reason is printed."""
    (tmp_path / "missions.toml").write_text(MISSIONS, encoding="utf-8")
    (tmp_path / "rules.toml").write_text(RESOLUTION_RULES, encoding="utf-8")
    (tmp_path / "lines.csv").write_text(HEADER + _line("L3", "prio") + _line("L5", "big prio"), encoding="utf-8")
    common = [str(tmp_path / "lines.csv"), "--rules", str(tmp_path / "rules.toml"),
              "--missions", str(tmp_path / "missions.toml")]
    assert main(["explain", "L3", *common]) == 0
    out = capsys.readouterr().out
    big = next(line for line in out.splitlines() if line.strip().startswith("R-BIG"))
    assert "R-PRIO" in big and "priority" in big
    assert main(["explain", "L5", *common]) == 0
    out = capsys.readouterr().out
    assert "override" in out.lower() and "Analyst decision" in out and "0.33" in out


def test_explain_unknown_line_id(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """§5: a line id not in the files is bad input: exit 2, one line naming the id."""
    assert _explain(tmp_path, "NOPE", _line("L1", "Offshore wind")) == 2
    one_line_error(capsys.readouterr().err, "NOPE")


# --------------------------------------------------------------------------------------------
# §5 run: atomic folder, manifest, neutralised text, verify
# --------------------------------------------------------------------------------------------

HOSTILE_NAME = '=HYPERLINK("http://evil.example","<img src=x onerror=alert(1)>")'
HOSTILE_RULES = RULES.replace('rationale = "Alpha works"', 'rationale = "@SUM(1+1) <b>alpha</b>"')


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One alpha grant project named with a formula and described with HTML, budget 100."""
    rows = [project("P1", "alpha", 50, "grant", private_capacity=0,
                    name=HOSTILE_NAME, description="alpha works <script>alert(1)</script>"),
            project("P2", "beta", 80, "grant", private_capacity=0, name="+44 beta scheme")]
    folder = tmp_path_factory.mktemp("hostile")
    (folder / "missions.toml").write_text(MISSIONS, encoding="utf-8")
    (folder / "rules.toml").write_text(HOSTILE_RULES, encoding="utf-8")
    (folder / "scenario.toml").write_text(scenario_toml((Y1,), _budget("CDEL", **{_y(Y1): 100.0})), encoding="utf-8")
    columns = list(COLUMNS)
    with (folder / "pipeline.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)  # quotes the text that holds commas
        writer.writerow(columns)
        writer.writerows([["" if r.get(c) is None else r.get(c, "") for c in columns] for r in rows])
    assert main(["run", str(folder / "scenario.toml"), "--out", str(folder / "out")]) == 0
    return folder / "out"


def test_every_listed_file_exists_and_hashes_match(hostile_run: Path) -> None:
    """§5: run writes allocation.csv, missions.csv, constraints.csv, tags.csv, summary.json,
    report.html, report.xlsx and manifest.json; the manifest holds the SHA-256 of every output
    and they match the files on disk."""
    names = {p.name for p in hostile_run.iterdir()}
    assert {"allocation.csv", "missions.csv", "constraints.csv", "tags.csv", "summary.json",
            "report.html", "report.xlsx", "manifest.json"} <= names
    manifest = (hostile_run / "manifest.json").read_text(encoding="utf-8")
    for name in sorted(names - {"manifest.json"}):
        digest = hashlib.sha256((hostile_run / name).read_bytes()).hexdigest()
        assert digest in manifest, name
    assert list(pd.read_csv(hostile_run / "allocation.csv").columns) == [
        "project_id", "instrument", "year", "public", "private"]
    tags = pd.read_csv(hostile_run / "tags.csv")
    assert list(tags.columns[:7]) == TAGS_COLUMNS and "relation" in tags.columns


def test_summary_objective_is_the_section_4_objective(hostile_run: Path) -> None:
    """§5: summary.json ``objective`` is §4's objective exactly. CDEL 100, P1 alpha (cap 50),
    P2 beta (cap 80), weights 1, no leverage: every £ is worth 1, so objective = 100 = public_total."""
    summary = json.loads((hostile_run / "summary.json").read_text(encoding="utf-8"))
    assert summary["status"] == "optimal"
    assert summary["objective"] == pytest.approx(100.0, abs=1e-6)
    assert summary["public_total"] == pytest.approx(100.0, abs=1e-6)


def test_text_cells_are_neutralised_in_csv(hostile_run: Path) -> None:
    """§5: text cells beginning with = + - @ are neutralised in CSV (docs/report.md: a leading
    ``'``). The rule's rationale "@SUM(1+1) …" in tags.csv; no text cell of any CSV begins with
    one of those characters."""
    tags = pd.read_csv(hostile_run / "tags.csv", dtype=str, keep_default_na=False)
    assert "'@SUM(1+1) <b>alpha</b>" in set(tags["rationale"])
    for path in sorted(hostile_run.glob("*.csv")):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        for column in frame.columns:
            for cell in frame[column]:
                if cell[:1] in ("=", "+", "@") or (cell.startswith("-") and not _is_number(cell)):
                    pytest.fail(f"{path.name} {column}: {cell!r}")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_text_cells_are_neutralised_in_xlsx(hostile_run: Path) -> None:
    """§5: neutralised in XLSX too: no cell is a formula, and the project name
    '=HYPERLINK(…)' and '+44 beta scheme' appear only as text with a leading ``'``."""
    import openpyxl

    book = openpyxl.load_workbook(hostile_run / "report.xlsx")
    texts = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula: {cell.value!r}"
                if isinstance(cell.value, str):
                    assert cell.value[:1] not in ("=", "+", "@"), f"{sheet.title}!{cell.coordinate}"
                    texts.append(cell.value)
    assert any(t == "'" + HOSTILE_NAME for t in texts)


def test_text_is_escaped_in_html(hostile_run: Path) -> None:
    """§5: all text is escaped in HTML: the project name's <img …> shows as text (``&lt;img``),
    and neither it nor the description's <script> or the rationale's <b> appears as markup."""
    html = (hostile_run / "report.html").read_text(encoding="utf-8")
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<img src=x" not in html
    assert "<script>alert(1)</script>" not in html
    assert "<b>alpha</b>" not in html
    assert "<script" not in html.lower()


def test_html_report_is_self_contained(hostile_run: Path) -> None:
    """§5: report.html is self-contained, charts inline: every ``src`` is a data: URI (at least
    one chart) and every ``href`` an anchor in the page."""
    html = (hostile_run / "report.html").read_text(encoding="utf-8")
    sources = re.findall(r'\ssrc="([^"]*)"', html)
    assert sources and all(src.startswith("data:") for src in sources)
    assert all(href.startswith("#") for href in re.findall(r'\shref="([^"]*)"', html))


def test_failed_run_leaves_no_folder_and_keeps_an_old_one(tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    """§5: run writes DIR atomically: a run that fails (a pipeline row with capacity −5, bad
    input, exit 2) leaves no DIR; over an existing output folder it leaves the old one as it
    was (docs/report.md "Atomic folder")."""
    bad = [project("P1", "alpha", -5, "grant", private_capacity=0)]
    out = run_case(tmp_path / "a", bad, scenario_toml((Y1,), _budget("CDEL", **{_y(Y1): 100.0})))
    assert out.code == 2
    one_line_error(out.err, "pipeline.csv")
    assert not out.path.exists()
    good = [project("P1", "alpha", 50, "grant", private_capacity=0)]
    first = run_case(tmp_path / "b", good, scenario_toml((Y1,), _budget("CDEL", **{_y(Y1): 100.0})))
    assert first.code == 0
    before = {p.name: p.read_bytes() for p in first.path.iterdir()}
    (tmp_path / "b" / "pipeline.csv").write_text(pipeline_csv(bad), encoding="utf-8")
    code = main(["run", str(tmp_path / "b" / "scenario.toml"), "--out", str(first.path)])
    assert code == 2
    capsys.readouterr()
    assert {p.name: p.read_bytes() for p in first.path.iterdir()} == before


def _baseline_run(folder: Path, rules: str) -> Out:
    """One alpha project and baseline lines: L1 "alpha works" £30m, L2 "nothing" £12m (CSV) and
    a €2.5m "beta works" OCDS award (EUR at 0.85)."""
    (folder / "lines.csv").write_text(HEADER + _line("L1", "alpha works", 30.0) + _line("L2", "nothing", 12.0),
                                      encoding="utf-8")
    package = json.dumps(_ocds_package("EUR")).replace("Offshore wind port", "beta works")
    (folder / "contracts.json").write_text(package, encoding="utf-8")
    toml = scenario_toml((Y1,), _budget("CDEL", **{_y(Y1): 100.0})).replace(
        'pipeline = "pipeline.csv"\n',
        'pipeline = "pipeline.csv"\nlines = ["lines.csv", "contracts.json"]\ncurrency_rates = { EUR = 0.85 }\n')
    out = run_case(folder, [project("P1", "alpha", 50, "grant", private_capacity=0)], toml, rules=rules)
    assert out.code == 0, out.err
    return out


def _sheet(path: Path, name: str) -> dict[tuple[object, ...], dict[object, object]]:
    """Rows of a report.xlsx sheet keyed by their first two cells."""
    import openpyxl

    rows = list(openpyxl.load_workbook(path / "report.xlsx")[name].iter_rows(values_only=True))
    head = list(rows[0])
    return {tuple(r[:2]): dict(zip(head, r, strict=True)) for r in rows[1:]}


def test_run_tags_and_covers_the_baseline_lines(tmp_path: Path) -> None:
    """§5 ``[inputs] lines`` (baseline alignment) with a CSV and an OCDS file in EUR with
    ``currency_rates`` (README): tags.csv holds the lines' tags beside the projects' (docs/report.md:
    ``scope`` baseline / pipeline); §3.4 the unmatched line is not dropped: report.xlsx's "Tag
    coverage" counts it as not assessed, coverage = tagged / total per source (30 / 42 for the
    spending-review lines, 1 for the procurement line of €2.5m × 0.85 = £2.125m)."""
    out = _baseline_run(tmp_path, RULES)
    tags = out.csv("tags.csv")
    got = {(r.scope, r.line_id, r.mission): r.amount_attributed for r in tags.itertuples(index=False)}
    assert got == {("baseline", "L1", "alpha"): pytest.approx(30.0),
                   ("baseline", "ocds-abc123-0001", "beta"): pytest.approx(2.125),
                   ("pipeline", "P1", "alpha"): pytest.approx(50.0)}
    by = _sheet(out.path, "Tag coverage")
    assert by[("all", "all")]["not assessed (£m)"] == pytest.approx(12.0)
    assert by[("source", "spending_review")]["assessed share (%)"] == pytest.approx(30 / 42)
    assert by[("source", "procurement")]["assessed share (%)"] == pytest.approx(1.0)
    assert by[("source", "procurement")]["amount (£m)"] == pytest.approx(2.125)


def test_aligned_totals_count_aligned_tags_only(tmp_path: Path) -> None:
    """§7: ``relation`` is ``enabling`` for evidence only about who spends; totals of aligned
    spending count ``aligned`` only. A department rule (beta 0.5 for "Dept") gives enabling
    tags to L1, L2 and the project P1; report.xlsx "Baseline by mission" keeps beta's aligned
    £2.125m (the OCDS award) apart from its £21m enabling (0.5 × (30 + 12)); the model counts
    P1 for alpha only (docs/tagging.md: a project with an aligned tag ignores its enabling
    ones), so beta's mission value is 0."""
    rules = RULES + '\n[[rule]]\nid = "B-DEPT"\nmission = "beta"\nweight = 0.5\nrationale = "Dept runs beta"\n' \
        'department = ["Dept"]\n'
    out = _baseline_run(tmp_path, rules)
    tags = out.csv("tags.csv")
    relation = {(r.line_id, r.mission): r.relation for r in tags.itertuples(index=False)}
    assert relation[("L1", "beta")] == relation[("L2", "beta")] == relation[("P1", "beta")] == "enabling"
    assert relation[("L1", "alpha")] == relation[("ocds-abc123-0001", "beta")] == "aligned"
    by = {k[0]: v for k, v in _sheet(out.path, "Baseline by mission").items()}
    assert by["beta"]["favourable (£m)"] == pytest.approx(2.125)
    assert by["beta"]["enabling (£m)"] == pytest.approx(21.0)
    assert by["alpha"]["favourable (£m)"] == pytest.approx(30.0)
    missions = out.csv("missions.csv").set_index("mission")
    assert missions.loc["beta", "value"] == pytest.approx(0.0, abs=1e-9)
    assert missions.loc["alpha", "value"] == pytest.approx(50.0)


def test_relative_paths_resolve_against_the_scenario_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """§5: a scenario's relative paths resolve against the file's folder, not the working
    directory: run from another folder with a relative scenario path, then verify from a third."""
    rows = [project("P1", "alpha", 50, "grant", private_capacity=0)]
    first = run_case(tmp_path / "case", rows, scenario_toml((Y1,), _budget("CDEL", **{_y(Y1): 100.0})))
    assert first.code == 0
    (tmp_path / "elsewhere" / "deeper").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "elsewhere")
    assert main(["run", "../case/scenario.toml", "--out", "result"]) == 0
    assert (tmp_path / "elsewhere" / "result" / "allocation.csv").read_bytes() == \
        (first.path / "allocation.csv").read_bytes()
    monkeypatch.chdir(tmp_path / "elsewhere" / "deeper")
    assert main(["verify", "../result"]) == 0


@pytest.fixture
def verified_run(tmp_path: Path) -> Path:
    rows = [project("P1", "alpha", 50, "grant", private_capacity=0)]
    out = run_case(tmp_path, rows, scenario_toml((Y1,), _budget("CDEL", **{_y(Y1): 100.0})))
    assert out.code == 0
    assert main(["verify", str(out.path)]) == 0
    return out.path


def test_verify_finds_an_edited_output(verified_run: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """§5: verify re-runs and reports any difference: after editing allocation.csv, exit 1,
    and the report names the file."""
    path = verified_run / "allocation.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("50.000000", "51.000000"), encoding="utf-8")
    capsys.readouterr()
    assert main(["verify", str(verified_run)]) == 1
    assert "allocation.csv" in capsys.readouterr().out


def test_verify_finds_an_edited_input(verified_run: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """§5: the manifest holds the input files' SHA-256: after editing pipeline.csv (capacity 50
    → 40), verify exits 1 and names the input."""
    pipeline = verified_run.parent / "pipeline.csv"
    pipeline.write_text(pipeline.read_text(encoding="utf-8").replace(",50,", ",40,"), encoding="utf-8")
    capsys.readouterr()
    assert main(["verify", str(verified_run)]) == 1
    assert "pipeline.csv" in capsys.readouterr().out


# --------------------------------------------------------------------------------------------
# §5 sweep
# --------------------------------------------------------------------------------------------

def _sweep_folder(tmp_path: Path) -> Path:
    rows = [project("P1", "alpha", 50, "grant", private_capacity=0),
            project("P2", "beta", 80, "grant", private_capacity=0)]
    tables = _budget("CDEL", **{_y(Y1): 60.0, _y(Y2): 40.0})
    run_case(tmp_path, rows, scenario_toml((Y1, Y2), tables))
    return tmp_path / "scenario.toml"


def test_sweep_two_keys_writes_its_folder_and_verifies(tmp_path: Path) -> None:
    """§5: ``sweep --vary KEY=V1,V2`` with two keys runs every combination (2 × 2 = 4 variants)
    and writes its folder (README: variants.csv with a column per varied key, manifest.json);
    ``verify`` on the sweep folder passes (exit 0), and fails (exit 1) once variants.csv is edited."""
    scenario = _sweep_folder(tmp_path)
    out = tmp_path / "sweep"
    code = main(["sweep", str(scenario), "--vary", f"budget.CDEL.{Y1}=50,70",
                 "--vary", "objective.weights.alpha=1,2", "--out", str(out)])
    assert code == 0
    variants = pd.read_csv(out / "variants.csv")
    assert len(variants) == 4
    assert {f"budget.CDEL.{Y1}", "objective.weights.alpha"} <= set(variants.columns)
    assert (out / "manifest.json").is_file()
    assert main(["verify", str(out)]) == 0
    variants_csv = out / "variants.csv"
    variants_csv.write_bytes(variants_csv.read_bytes() + b"\n")
    assert main(["verify", str(out)]) == 1


@pytest.mark.parametrize(("vary", "named"), [
    ("CDEL=600", "CDEL"),
    ("budget.CDEL.2027-28=-5,10", "budget.CDEL.2027-28"),
    ("budget.CDEL.2031-32=10,20", "2031-32"),
])
def test_sweep_bad_key_exits_2_with_no_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                              vary: str, named: str) -> None:
    """§5 / README: an invalid ``--vary`` key or value (an unknown key, a negative budget, a year
    outside scenario.years) stops the sweep before anything is solved: exit 2, one line naming
    the key, no folder."""
    scenario = _sweep_folder(tmp_path)
    capsys.readouterr()
    out = tmp_path / "sweep"
    assert main(["sweep", str(scenario), "--vary", "budget.CDEL.2026-27=50,70",
                 "--vary", vary, "--out", str(out)]) == 2
    one_line_error(capsys.readouterr().err, named)
    assert not out.exists()


# --------------------------------------------------------------------------------------------
# §7 simulate
# --------------------------------------------------------------------------------------------

OUTCOMES = """
[outcomes]
data = "builtin:uk"
yields = "yields.csv"

[outcomes.uncertainty]
seed = 1
[outcomes.uncertainty.yield]
all = { dist = "uniform", low = 0.5, high = 1.5, source = "hand" }
"""


@pytest.fixture
def outcome_scenario(small_scenario: Path) -> Path:
    """The conftest scenario with P1 yielding 20 MW per £m for clean-power-2030 (lag 0)."""
    (small_scenario.parent / "yields.csv").write_text(
        "project_id,milestone,per_m,lag,ramp,source\nP1,clean-power-2030,20,0,1,hand\n", encoding="utf-8")
    small_scenario.write_text(small_scenario.read_text(encoding="utf-8") + OUTCOMES, encoding="utf-8")
    return small_scenario


OUTCOME_COLUMNS = ["milestone", "year", "unit", "baseline", "bau", "projected", "target", "p10", "p90"]


def test_run_outcomes_follow_the_allocation(outcome_scenario: Path) -> None:
    """§7 outcomes.csv: columns milestone, year, unit, baseline, bau, projected, target, p10, p90;
    p10/p90 empty when nothing was simulated. docs/outcomes.md: projected = BAU + link × yield ×
    (public cash + additional private); P1's loan (£100m in 2027-28 mobilising £300m, a = 0.67)
    moves clean-power-2030 in 2027-28 (lag 0) by 301 × 20 MW × 0.00123 points per MW."""
    out = outcome_scenario.parent / "out"
    assert main(["run", str(outcome_scenario), "--out", str(out)]) == 0
    outcomes = pd.read_csv(out / "outcomes.csv", keep_default_na=False, na_values=[""])
    assert list(outcomes.columns) == OUTCOME_COLUMNS
    assert outcomes["p10"].isna().all() and outcomes["p90"].isna().all()
    alloc = pd.read_csv(out / "allocation.csv")
    p1 = alloc[alloc["project_id"] == "P1"]
    assert p1[["instrument", "year"]].values.tolist() == [["loan", "2027-28"]]
    invest = float(p1["public"].sum()) + 0.67 * float(p1["private"].sum())
    row = outcomes[(outcomes["milestone"] == "clean-power-2030") & (outcomes["year"] == "2027-28")].iloc[0]
    assert row["projected"] - row["bau"] == pytest.approx(invest * 20 * 0.00123, abs=1e-6)


def test_simulate_same_seed_same_bytes(outcome_scenario: Path) -> None:
    """§7: ``simulate --draws N --seed S --out DIR`` writes outcomes.csv with percentiles and a
    manifest; the same seed gives byte-identical files, another seed other percentiles, and
    ``verify`` re-runs the simulation to the same bytes."""
    folder = outcome_scenario.parent
    for name, seed in (("a", "7"), ("b", "7"), ("c", "8")):
        assert main(["simulate", str(outcome_scenario), "--draws", "200", "--seed", seed,
                     "--out", str(folder / name)]) == 0
    names = sorted(p.name for p in (folder / "a").iterdir())
    assert {"outcomes.csv", "manifest.json"} <= set(names)
    for name in names:
        assert (folder / "a" / name).read_bytes() == (folder / "b" / name).read_bytes(), name
    a = pd.read_csv(folder / "a" / "outcomes.csv", keep_default_na=False, na_values=[""])
    c = pd.read_csv(folder / "c" / "outcomes.csv", keep_default_na=False, na_values=[""])
    assert list(a.columns) == OUTCOME_COLUMNS
    moved = a[(a["milestone"] == "clean-power-2030") & (a["year"] == "2029-30")].iloc[0]
    assert moved["p10"] < moved["projected"] < moved["p90"]
    assert not a["p10"].equals(c["p10"])
    assert main(["verify", str(folder / "a")]) == 0
