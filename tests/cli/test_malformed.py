"""Bad input: one line on stderr naming the file and the row or key, exit 2, no output folder."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from missionfinance.cli import main

Edit = Callable[[Path], None]


def _replace(name: str, old: str, new: str) -> Edit:
    def edit(folder: Path) -> None:
        p = folder / name
        text = p.read_text(encoding="utf-8")
        assert old in text, f"fixture no longer contains {old!r}"
        p.write_text(text.replace(old, new, 1), encoding="utf-8")

    return edit


def _append(name: str, extra: str) -> Edit:
    def edit(folder: Path) -> None:
        with (folder / name).open("a", encoding="utf-8") as fh:
            fh.write(extra)

    return edit


def _non_gbp_lines(folder: Path) -> None:
    package = {
        "uri": "https://example.org/p.json",
        "publishedDate": "2025-01-01T00:00:00Z",
        "version": "1.1",
        "releases": [
            {
                "ocid": "ocds-test-1",
                "id": "r1",
                "date": "2025-01-01T00:00:00Z",
                "tag": ["award"],
                "initiationType": "tender",
                "buyer": {"name": "Department for Transport"},
                "tender": {"id": "t1", "title": "Bus depot", "value": {"amount": 1000000, "currency": "EUR"}},
            }
        ],
    }
    (folder / "contracts.json").write_text(json.dumps(package), encoding="utf-8")
    _replace("scenario.toml", 'pipeline = "pipeline.csv"', 'pipeline = "pipeline.csv"\nlines = ["contracts.json"]')(folder)


def _bad_rules(body: str) -> Edit:
    def edit(folder: Path) -> None:
        (folder / "rules.toml").write_text(body, encoding="utf-8")
        _replace("scenario.toml", 'rules = "builtin:uk"', 'rules = "rules.toml"')(folder)

    return edit


def _rules_file(data: bytes) -> Edit:
    def edit(folder: Path) -> None:
        (folder / "rules.toml").write_bytes(data)
        _replace("scenario.toml", 'rules = "builtin:uk"', 'rules = "rules.toml"')(folder)

    return edit


def _missions_file(data: bytes) -> Edit:
    def edit(folder: Path) -> None:
        (folder / "missions.toml").write_bytes(data)
        _replace("scenario.toml", 'missions = "builtin:uk"', 'missions = "missions.toml"')(folder)

    return edit


def _rules_symlink_loop(folder: Path) -> None:
    (folder / "rules.toml").symlink_to(folder / "rules.toml")
    _replace("scenario.toml", 'rules = "builtin:uk"', 'rules = "rules.toml"')(folder)


def _rules_folder(folder: Path) -> None:
    (folder / "rules.toml").mkdir()
    _replace("scenario.toml", 'rules = "builtin:uk"', 'rules = "rules.toml"')(folder)


def _scenario_bom(folder: Path) -> None:
    p = folder / "scenario.toml"
    p.write_bytes(b"\xef\xbb\xbf" + p.read_bytes())


def _deep_ocds_lines(folder: Path) -> None:
    (folder / "contracts.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    _replace("scenario.toml", 'pipeline = "pipeline.csv"', 'pipeline = "pipeline.csv"\nlines = ["contracts.json"]')(folder)


def _pipeline_parquet_list_column(folder: Path) -> None:
    import pandas as pd

    frame = pd.read_csv(folder / "pipeline.csv", dtype=str, keep_default_na=False)
    frame["description"] = [["a", "b"], ["c"], ["d"]]
    frame.to_parquet(folder / "pipeline.parquet")
    _replace("scenario.toml", 'pipeline = "pipeline.csv"', 'pipeline = "pipeline.parquet"')(folder)


MISSION_OK = (
    '[[mission]]\nid = "growth"\nname = "Growth"\n[[mission.milestone]]\nid = "homes"\n'
    'name = "Homes"\ntarget = {target}\nunit = "homes"\ndeadline = "2029-30"\nsource = "s"\n'
    '[[mission]]\nid = "clean-energy"\n[[mission]]\nid = "safer-streets"\n[[mission]]\nid = "opportunity"\n'
    '[[mission]]\nid = "health"\nname = "Santé"\n'
)


CASES: list[tuple[str, Edit, list[str]]] = [
    ("missing column", _replace("pipeline.csv", ",capacity,", ",capacty,"), ["pipeline.csv", "capacity"]),
    ("duplicate id", _replace("pipeline.csv", "\nP2,", "\nP1,"), ["pipeline.csv", "row 2", "P1"]),
    ("negative capacity", _replace("pipeline.csv", ",07.3,85100000,50,", ",07.3,85100000,-5,"),
     ["pipeline.csv", "row 2", "capacity"]),
    ("pd above 1", _replace("pipeline.csv", ",1.5,0.1,0.5,", ",1.5,1.2,0.5,"), ["pipeline.csv", "row 3", "pd"]),
    ("unknown instrument", _replace("pipeline.csv", ",grant;guarantee,", ",grant;bond,"),
     ["pipeline.csv", "row 3", "bond"]),
    ("missing leverage", _replace("pipeline.csv", ",0.5,3,,,0.05,", ",0.5,,,,0.05,"),
     ["pipeline.csv", "row 1", "leverage_loan"]),
    ("non-numeric capacity", _replace("pipeline.csv", ",04.3,09310000,100,", ",04.3,09310000,lots,"),
     ["pipeline.csv", "row 1", "capacity"]),
    ("unknown mission in weights", _replace("scenario.toml", "health = 1.0 }", "health = 1.0, wellbeing = 2.0 }"),
     ["scenario.toml", "wellbeing"]),
    ("bad TOML", _append("scenario.toml", "\n[budget.CDEL\n"), ["scenario.toml", "TOML"]),
    ("unknown control", _append("scenario.toml", '\n[budget.XDEL]\n"2026-27" = 5.0\n'),
     ["scenario.toml", "budget.XDEL"]),
    ("budget year outside horizon", _replace("scenario.toml", '"2027-28" = 40.0', '"2031-32" = 40.0'),
     ["scenario.toml", "budget.CDEL.2031-32"]),
    ("exposure year outside horizon", _replace("scenario.toml", '"2027-28" = 30.0', '"2030-31" = 30.0'),
     ["scenario.toml", "exposure.2030-31"]),
    ("misspelt key", _replace("scenario.toml", 'attribution = "net"', 'atribution = "net"'),
     ["scenario.toml", "scenario.atribution"]),
    ("malformed year", _replace("scenario.toml", '"2026-27", "2027-28"]', '"2026-27", "2027/28"]'),
     ["scenario.toml", "scenario.years"]),
    ("negative budget", _replace("scenario.toml", '"2026-27" = 60.0', '"2026-27" = -60.0'),
     ["scenario.toml", "budget.CDEL.2026-27"]),
    ("pipeline not found", _replace("scenario.toml", 'pipeline = "pipeline.csv"', 'pipeline = "nope.csv"'),
     ["scenario.toml", "inputs.pipeline"]),
    ("undefined instrument", _replace("scenario.toml", "[instruments.loan]\nbudget_score = { FT = 1.0 }\n"
                                      'expected_loss_to = "RDEL"\n[instruments.equity]', "[instruments.equity]"),
     ["pipeline.csv", "row 1", "loan"]),
    ("unknown instrument key", _replace("scenario.toml", "exposure = true", "exposure = true\ncover = 0.8"),
     ["scenario.toml", "instruments.guarantee.cover"]),
    ("non-GBP OCDS amount", _non_gbp_lines,
     ["contracts.json", "EUR", "currency_rates = { EUR = 0.85 }", "--rate EUR=0.85"]),
    # non-finite and out-of-range numbers (TOML allows nan and inf literals)
    ("budget score nan", _replace("scenario.toml", "budget_score = { CDEL = 1.0 }", "budget_score = { CDEL = nan }"),
     ["scenario.toml", "instruments.grant.budget_score.CDEL", "nan", "finite"]),
    ("budget score inf", _replace("scenario.toml", "budget_score = { FT = 1.0 }", "budget_score = { FT = inf }"),
     ["scenario.toml", "instruments.loan.budget_score.FT", "inf"]),
    ("objective weight nan", _replace("scenario.toml", "health = 1.0 }", "health = nan }"),
     ["scenario.toml", "objective.weights.health", "nan"]),
    ("objective weight inf", _replace("scenario.toml", "growth = 1.0,", "growth = inf,"),
     ["scenario.toml", "objective.weights.growth", "inf"]),
    ("objective weight -inf", _replace("scenario.toml", "growth = 1.0,", "growth = -inf,"),
     ["scenario.toml", "objective.weights.growth", "-inf"]),
    ("budget inf", _replace("scenario.toml", '"2026-27" = 60.0', '"2026-27" = inf'),
     ["scenario.toml", "budget.CDEL.2026-27", "inf", "leave the key out"]),
    ("budget nan", _replace("scenario.toml", '"2026-27" = 60.0', '"2026-27" = nan'),
     ["scenario.toml", "budget.CDEL.2026-27", "nan"]),
    ("exposure nan", _replace("scenario.toml", '"2026-27" = 30.0', '"2026-27" = nan'),
     ["scenario.toml", "exposure.2026-27", "nan"]),
    ("mission floor inf", _append("scenario.toml", "\n[constraints.mission_floor]\nhealth = inf\n"),
     ["scenario.toml", "constraints.mission_floor.health", "inf"]),
    ("risk limit inf", _append("scenario.toml", "\n[risk]\nexpected_loss_limit = inf\n"),
     ["scenario.toml", "risk.expected_loss_limit", "inf"]),
    ("milestone target nan", _missions_file(MISSION_OK.format(target="nan").encode()),
     ["missions.toml", "target", "nan"]),
    # files that are not what they claim
    ("rules not UTF-8", _rules_file('[[rule]]\nid = "X-1"\nmission = "health"\nweight = 1.0\n'
                                    'rationale = "Santé"\nkeywords = ["nhs"]\n'.encode("latin-1")),
     ["rules.toml", "not UTF-8", "line 5"]),
    ("missions not UTF-8", _missions_file(MISSION_OK.format(target=1).encode("latin-1")),
     ["missions.toml", "not UTF-8"]),
    ("rules with a BOM", _rules_file(b"\xef\xbb\xbf" + b'[[rule]]\nid = "X-1"\n'), ["rules.toml", "BOM"]),
    ("scenario with a BOM", _scenario_bom, ["scenario.toml", "BOM"]),
    ("rules symlink loop", _rules_symlink_loop, ["rules.toml", "loops back on itself"]),
    ("rules path is a folder", _rules_folder, ["rules.toml", "is a folder"]),
    ("OCDS nested very deep", _deep_ocds_lines, ["contracts.json", "nested too deeply"]),
    ("duplicate pipeline column", _replace("pipeline.csv", ",start_year,end_year\n", ",start_year,end_year,capacity\n"),
     ["pipeline.csv", "capacity", "appears twice"]),
    ("Parquet list column", _pipeline_parquet_list_column, ["pipeline.parquet", "description", "list values"]),
    ("rule with unknown mission", _bad_rules('[[rule]]\nid = "X-1"\nmission = "wellbeing"\nweight = 1.0\n'
                                             'rationale = "r"\nkeywords = ["wind"]\n'), ["X-1", "wellbeing"]),
    ("rule with no criterion", _bad_rules('[[rule]]\nid = "X-2"\nmission = "health"\nweight = 1.0\n'
                                          'rationale = "r"\n'), ["X-2"]),
    ("rule weight out of range", _bad_rules('[[rule]]\nid = "X-3"\nmission = "health"\nweight = 1.5\n'
                                            'rationale = "r"\nkeywords = ["nhs"]\n'), ["X-3", "weight"]),
]


@pytest.mark.parametrize(("label", "edit", "expected"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_one_line_exit_2_and_no_output(
    small_scenario: Path, capsys: pytest.CaptureFixture[str], label: str, edit: Edit, expected: list[str]
) -> None:
    edit(small_scenario.parent)
    out = small_scenario.parent / "out"
    code = main(["run", str(small_scenario), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2, f"{label}: exit {code}, stderr {err!r}"
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, f"{label}: expected one line, got {err!r}"
    assert "Traceback" not in err
    assert lines[0].startswith("missionfinance: error: ") and not lines[0].startswith('missionfinance: error: "')
    for fragment in expected:
        assert fragment in lines[0], f"{label}: {fragment!r} not in {lines[0]!r}"
    assert not out.exists(), f"{label}: an output folder was written"
    assert not [p for p in small_scenario.parent.iterdir() if p.name.startswith(".out")], "temporary folder left"


def test_usage_error_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["run"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
