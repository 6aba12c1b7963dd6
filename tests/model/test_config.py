"""options_from_toml: the scenario tables of the further families, read strictly."""

from __future__ import annotations

import tomllib

import pytest

from missionfinance.errors import MissionFinanceError
from missionfinance.model import (
    CvarLimit,
    SolverOptions,
    Status,
    solve,
)
from missionfinance.scenario import options_from_toml
from tests.model.conftest import hand_problem

YEARS = ("2026-27", "2027-28")
MISSIONS = ("growth", "health")
INSTRUMENTS = ("grant", "loan", "guarantee")

FULL = """
[objective]
kind = "min_cost"
shortfall_price = 50.0
[objective.targets]
health = 120.0
[[objective.target]]
mission = "growth"
amount = 80.0
price = 20.0
name = "growth-plan"

[exposure]
runoff = 0.1

[constraints]
disabled = ["private_capacity"]
[constraints.mission_floor]
health = 10.0
[constraints.mission_ceiling]
unit = "share"
growth = 0.8
[constraints.regional.outside-london-se]
regions = ["London", "South East"]
outside = true
min_share = 0.3
[constraints.instrument_mix.grants-health]
instruments = ["grant"]
mission = "health"
max_share = 0.5

[risk]
expected_loss_limit = { total = 30.0, "2027-28" = 12.0 }
cvar = { alpha = 0.95, limit = 40.0, scenarios = 200, rho = 0.25, seed = 7 }

[leverage_segments]
upto = [0.5, 1.0]
factor = [1.0, 0.6]

[integer]
enabled = false
min_ticket = 5.0

[solver]
algorithm = "simplex"
time_limit = 60.0
"""


def read(text: str, regions=None) -> dict:
    return options_from_toml(tomllib.loads(text), "scenario.toml", YEARS, MISSIONS,
                             INSTRUMENTS, regions)


def test_full_scenario_tables():
    o = read(FULL)
    assert [t.name for t in o["targets"]] == ["health", "growth-plan"]
    assert o["targets"][0].price == 50.0 and o["targets"][1].price == 20.0
    with pytest.raises(MissionFinanceError, match="objective.cost_weights: min_cost minimises "
                       "economic cost"):
        read('[objective]\nkind = "min_cost"\ncost_weights = { FT = 0.5 }\n')
    assert o["exposure_runoff"] == 0.1
    assert o["disabled"] == frozenset({"private_capacity", "min_ticket", "min_projects"})
    assert {(b.mission, b.floor, b.ceiling, b.unit) for b in o["mission_bounds"]} == {
        ("health", 10.0, None, "gbp"), ("growth", None, 0.8, "share")}
    assert o["regional"][0].outside and o["regional"][0].min_share == 0.3
    assert o["instrument_mix"][0].max_share == 0.5
    assert o["expected_loss_limit"] == 30.0
    assert o["expected_loss_by_year"] == {"2027-28": 12.0}
    assert o["cvar"] == CvarLimit(0.95, 40.0, 200, 0.25, 7)
    assert o["leverage_segments"] == ((0.5, 1.0), (1.0, 0.6))
    assert "min_ticket" not in o
    assert o["solver"] == SolverOptions(algorithm="simplex", time_limit=60.0)
    assert o["context"] == "scenario.toml"


def test_options_feed_the_problem():
    text = """
[constraints.mission_floor]
health = 10.0
[risk]
expected_loss_limit = 100.0
[solver]
algorithm = "simplex"
"""
    res = solve(hand_problem(**read(text)))
    assert res.status == Status.OPTIMAL
    assert res.solver["algorithm"] == "simplex"
    assert res.objective == pytest.approx(670.0)


@pytest.mark.parametrize("text, message", [
    ("[constraints.mission_floor]\nhealth = -5.0",
     "scenario.toml key constraints.mission_floor.health: -5.0 must be ≥ 0"),
    ("[constraints.mission_floor]\nwellbeing = 5.0",
     "scenario.toml key constraints.mission_floor.wellbeing: unknown mission 'wellbeing'"),
    ("[constraints]\nmission_flor = {}",
     "scenario.toml key constraints.mission_flor: unknown key; allowed disabled"),
    ("[constraints]\ndisabled = ['budgets']",
     "scenario.toml key constraints.disabled: unknown family 'budgets'"),
    ("[risk]\nexpected_loss_limit = { \"2031-32\" = 5.0 }",
     "scenario.toml key risk.expected_loss_limit.2031-32: year '2031-32' is outside the horizon"),
    ("[constraints.regional.x]\nregions = ['Atlantis']\nmin_share = 0.2",
     "scenario.toml key constraints.regional.x.regions: unknown region 'Atlantis'"),
    ("[constraints.regional.x]\nregions = ['London']",
     "scenario.toml key constraints.regional.x: give min_share and/or max_share"),
    ("[constraints.instrument_mix.x]\ninstruments = ['bond']\nmax_share = 0.2",
     "scenario.toml key constraints.instrument_mix.x.instruments: unknown instrument 'bond'"),
    ("[risk]\ncvar = { alpha = 1.5, limit = 3.0 }",
     "scenario.toml key risk.cvar.alpha: 1.5 must be < 1"),
    ("[risk]\ncvar = { alpha = 0.9 }", "scenario.toml key risk.cvar: needs limit"),
    ("[leverage_segments]\nupto = [0.5, 1.0]\nfactor = [0.5, 1.0]",
     "scenario.toml key leverage_segments.factor: [0.5, 1.0] must not increase"),
    ("[leverage_segments]\nupto = [0.5, 0.9]\nfactor = [1.0, 0.5]",
     "scenario.toml key leverage_segments.upto: [0.5, 0.9] must increase and end at 1.0"),
    ("[objective]\nkind = 'mission_value'\ntargets = { health = 5.0 }",
     "scenario.toml key objective.targets: targets apply to kind = 'min_cost'"),
    ("[solver]\nalgorithm = 'pdlp'", "scenario.toml key solver.algorithm: 'pdlp' must be"),
    ("[solver]\nthreads = 0", "scenario.toml key solver.threads: 0 must be ≥ 1"),
    ("[report]\nformat = 'pdf'", "scenario.toml key report: unknown table"),
    ("[exposure]\nrunoff = 1.0", "scenario.toml key exposure.runoff: 1.0 must be < 1"),
    ("[integer]\nmin_projects = { health = 1.5 }",
     "scenario.toml key integer.min_projects.health: 1.5 must be a whole number"),
])
def test_errors_name_the_key(text, message):
    with pytest.raises(MissionFinanceError) as err:
        read(text)
    assert str(err.value).startswith(message)
    assert "\n" not in str(err.value)


def test_pipeline_regions_are_accepted():
    o = read("[constraints.regional.x]\nregions = ['Atlantis']\nmin_share = 0.2",
             regions=["Atlantis"])
    assert o["regional"][0].regions == ("Atlantis",)


def test_switch_off_a_table():
    o = read("[constraints.mission_floor]\nenabled = false\nhealth = 5.0\n"
             "[risk]\nenabled = false\nexpected_loss_limit = 3.0")
    assert "mission_bounds" not in o
    assert o["disabled"] == frozenset({"expected_loss", "cvar"})


def test_region_names_ignore_case():
    o = read("[constraints.regional.x]\nregions = ['yorkshire and the humber']\nmin_share = 0.1")
    assert o["regional"][0].regions == ("yorkshire and the humber",)
