"""An override that names no line changes nothing: ``tag`` and ``run`` say so in one line."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pandas as pd
import pytest

from missionfinance.cli import main
from missionfinance.testing import make_run


def _override(line_id: str, mission: str = "health") -> str:
    return (f'\n[[override]]\nline_id = "{line_id}"\nmission = "{mission}"\nweight = 1.0\n'
            'reason = "Analyst decision"\n')


def _builtin_rules() -> str:
    return resources.files("missionfinance.data").joinpath("rules_uk.toml").read_text(
        encoding="utf-8")


def test_tag_warns_of_an_override_naming_no_line(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    lines = tmp_path / "lines.csv"
    lines.write_text("line_id,description,amount,source,department\n"
                     "L1,Hospital wards,5,sr,DHSC\nL2,Stationery,1,sr,HMT\n",
                     encoding="utf-8")
    rules = tmp_path / "rules.toml"
    rules.write_text(_builtin_rules() + _override("L2") + _override("L9"), encoding="utf-8")
    out = tmp_path / "tags.csv"
    assert main(["tag", str(lines), "--rules", str(rules), "--out", str(out)]) == 0
    err = capsys.readouterr().err
    warned = [line for line in err.splitlines() if "override" in line]
    assert len(warned) == 1, err
    assert "override 2 names line 'L9' (mission health)" in warned[0]
    assert str(lines) in warned[0] and "check its line_id" in warned[0]
    assert "'L2'" not in warned[0]
    tags = pd.read_csv(out, dtype=str)
    assert ((tags["line_id"] == "L2") & (tags["rule_id"] == "override")).any()


def test_run_warns_of_overrides_naming_neither_a_project_nor_a_baseline_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_run(tmp_path / "work", n_projects=6)
    folder = tmp_path / "work"
    project = pd.read_csv(folder / "data" / "pipeline.csv", dtype=str)["project_id"].iloc[0]
    line = pd.read_csv(folder / "data" / "lines.csv", dtype=str)["line_id"].iloc[0]
    (folder / "rules.toml").write_text(
        _builtin_rules() + _override(project) + _override(line) + _override("NOPE-1")
        + _override("NOPE-2", "growth"), encoding="utf-8")
    scenario = folder / "scenario.toml"
    scenario.write_text(scenario.read_text(encoding="utf-8").replace(
        'rules = "builtin:uk"', 'rules = "rules.toml"'), encoding="utf-8")
    capsys.readouterr()
    assert main(["run", str(scenario), "--out", str(tmp_path / "out")]) == 0
    err = capsys.readouterr().err
    warned = [line for line in err.splitlines() if "overrides name no line" in line]
    assert len(warned) == 1, err
    assert "rules.toml: 2 overrides" in warned[0]
    assert "override 3 names line 'NOPE-1' (mission health)" in warned[0]
    assert "4 names line 'NOPE-2' (mission growth)" in warned[0]
    assert repr(project) not in warned[0] and repr(line) not in warned[0]


def test_a_library_filter_for_some_messages_does_not_keep_warnings_raising() -> None:
    """A filter for some messages only (scipy adds one on import) is passed over."""
    import warnings

    from missionfinance.cli import _show_not_raise
    from missionfinance.errors import MissionFinanceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("error", MissionFinanceWarning)
        warnings.filterwarnings("ignore", message="the matrix subclass", category=Warning)
        _show_not_raise(MissionFinanceWarning)
        with warnings.catch_warnings(record=True) as caught:
            warnings.warn(MissionFinanceWarning("shown, not raised"), stacklevel=1)
        assert [str(w.message) for w in caught] == ["shown, not raised"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissionFinanceWarning)  # the user's choice is kept
        warnings.filterwarnings("error", category=Warning, module="nowhere")
        _show_not_raise(MissionFinanceWarning)
        assert warnings.filters[0][:3] == ("ignore", None, MissionFinanceWarning)
        with warnings.catch_warnings(record=True) as caught:
            warnings.warn(MissionFinanceWarning("ignored"), stacklevel=1)
        assert caught == []
    with warnings.catch_warnings():  # nothing that raises: the filters are left alone
        warnings.simplefilter("ignore", MissionFinanceWarning)
        before = list(warnings.filters)
        _show_not_raise(MissionFinanceWarning)
        assert warnings.filters == before
