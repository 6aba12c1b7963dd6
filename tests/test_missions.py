"""The mission catalogue, instruments and financial years."""

from __future__ import annotations

from pathlib import Path

import pytest

from missionfinance import DEFAULT_INSTRUMENTS, MissionFinanceError, MissionSet
from missionfinance.instruments import instrument_from_config
from missionfinance.years import check_financial_year, fy_from_start, is_financial_year


def test_builtin_uk_catalogue_has_the_five_missions_and_their_milestones() -> None:
    ms = MissionSet.load()
    assert ms.ids == ("growth", "clean-energy", "safer-streets", "opportunity", "health")
    frame = ms.to_frame()
    targets = dict(zip(frame["milestone"], frame["target"], strict=True))
    assert targets["homes"] == 1_500_000
    assert targets["planning-decisions"] == 150
    assert targets["rtt-18-weeks"] == 92
    assert targets["neighbourhood-police"] == 13_000
    assert targets["school-ready"] == 75
    assert targets["clean-power-2030"] == 95
    assert frame["source"].str.len().min() > 10
    assert frame["deadline"].map(is_financial_year).all()
    assert len(set(ms.colours.values())) == 5


def test_user_catalogue(tmp_path: Path) -> None:
    p = tmp_path / "m.toml"
    p.write_text('[[mission]]\nid = "net-zero"\nname = "Net zero"\n'
                 '[[mission.milestone]]\nid = "m1"\nname = "x"\ntarget = 1\nunit = "t"\n'
                 'deadline = "2030-31"\nsource = "s"\n')
    ms = MissionSet.load(p)
    assert ms.ids == ("net-zero",)
    assert "net-zero" in ms and ms["net-zero"].milestones[0].deadline == "2030-31"
    assert "net-zero" in ms._repr_html_() and "net-zero" in repr(ms)


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ('[[mission]]\nid = "Bad Id"\n', "not a valid mission id"),
        ('[[mission]]\nid = "a"\n[[mission]]\nid = "a"\n', "duplicate mission id 'a'"),
        ('[[mission]]\nid = "a"\ncolor = "red"\n', "unknown key 'color'"),
        ('[[mission]]\nid = "a"\n[[mission.milestone]]\nid = "m"\nname = "x"\ntarget = 1\n'
         'unit = "u"\ndeadline = "2030"\nsource = "s"\n', "not a financial year"),
        ('[[mission]]\nid = "a"\n[[mission.milestone]]\nid = "m"\n', "missing key"),
        ("mission = [", "invalid TOML"),
        ("", "no [[mission]] table"),
        ("mission = [1, 2]\n", "key mission: [1, 2] is not a list of tables"),
        ('[[mission]]\nid = "a"\nmilestone = "soon"\n', "key milestone: 'soon' is not a list of tables"),
        ('[[mission]]\nid = "a"\n[[mission.milestone]]\nid = "m"\nname = "x"\ntarget = nan\n'
         'unit = "u"\ndeadline = "2030-31"\nsource = "s"\n', "key target: nan is not a finite number"),
        ('[[mission]]\nid = "a"\n[[mission.milestone]]\nid = "m"\nname = "x"\ntarget = -inf\n'
         'unit = "u"\ndeadline = "2030-31"\nsource = "s"\n', "key target: -inf is not a finite number"),
        ("\ufeff[[mission]]\nid = \"a\"\n", "byte-order mark (BOM)"),
        ("mission = " + "[" * 5000 + "]" * 5000 + "\n", "nested too deeply"),
    ],
)
def test_bad_catalogue_is_one_line_naming_the_file(tmp_path: Path, body: str, fragment: str) -> None:
    p = tmp_path / "missions.toml"
    p.write_text(body)
    with pytest.raises(MissionFinanceError) as exc:
        MissionSet.load(p)
    msg = str(exc.value)
    assert msg.startswith("missions.toml") and fragment in msg and "\n" not in msg


def test_unknown_builtin_and_missing_file() -> None:
    with pytest.raises(MissionFinanceError, match="builtin:uk"):
        MissionSet.load("builtin:fr")
    with pytest.raises(MissionFinanceError, match="not found"):
        MissionSet.load("nowhere.toml")


def test_instrument_defaults_and_overrides() -> None:
    assert DEFAULT_INSTRUMENTS["grant"].controls == ("CDEL",)
    assert DEFAULT_INSTRUMENTS["guarantee"].exposure and DEFAULT_INSTRUMENTS["guarantee"].bears_loss
    assert not DEFAULT_INSTRUMENTS["grant"].bears_loss
    loan = instrument_from_config("loan", {"expected_loss_to": "CDEL"}, "s.toml")
    assert loan.budget_score == {"FT": 1.0} and loan.controls == ("CDEL", "FT")
    bond = instrument_from_config("bond", {"budget_score": {"FT": 0.5}}, "s.toml")
    assert bond.expected_loss_to is None and not bond.exposure


@pytest.mark.parametrize(
    ("config", "fragment"),
    [
        ({"budget_score": {"CDEL": -1}}, "budget_score.CDEL"),
        ({"budget_score": 1.0}, "must be a table"),
        ({"exposure": "yes"}, "true or false"),
        ({"expected_loss_to": 3}, "control name"),
    ],
)
def test_instrument_errors(config: dict[str, object], fragment: str) -> None:
    with pytest.raises(MissionFinanceError, match=fragment):
        instrument_from_config("grant", config, "s.toml")


def test_financial_years() -> None:
    assert fy_from_start(1999) == "1999-00"
    assert is_financial_year("1999-00") and not is_financial_year("1999-01")
    with pytest.raises(MissionFinanceError, match="'26-27' is not a financial year"):
        check_financial_year("26-27", "x")
