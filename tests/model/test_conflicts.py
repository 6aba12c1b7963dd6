"""Conflicts an analyst can act on, limits only an empty allocation meets, and sanity
warnings.

Three infeasible scenarios run through the CLI: each exits 1, writes conflict.csv (columns
``name, family, key, value, explanation``, mission and regional rows first, in the
scenario's own keys), and its conflict is irreducible: checked independently with
scipy's ``linprog``, the conflict's rows are infeasible together and feasible with any one
row dropped.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from missionfinance.cli import main
from missionfinance.errors import MissionFinanceError, MissionFinanceWarning
from missionfinance.instruments import DEFAULT_INSTRUMENTS
from missionfinance.model import MissionBound, RegionalShare, Status, solve
from missionfinance.model.build import build
from missionfinance.model.problem import prepare
from missionfinance.scenario import Scenario
from missionfinance.scenario.run import tag_pipeline
from tests.model.conftest import hand_problem
from tests.model.test_families import contrib, problem, projects

#: The small scenario's projects: P1 (Scotland) growth/clean-energy 0.5 each, P2 (North
#: East, 2026-27 only, capacity 50) health, P3 (Wales) safer-streets.
INFEASIBLE = {
    "health floor above capacity": (
        "[constraints.mission_floor]\nhealth = 500.0\n",
        [("constraints.mission_floor.health", 500.0)]),
    "all in Wales, yet health": (
        "[constraints.mission_floor]\nhealth = 10.0\n"
        "[constraints.regional.wales]\nregions = [\"Wales\"]\nmin_share = 1.0\n",
        [("constraints.mission_floor.health", 10.0),
         ("constraints.regional.wales.min_share", 1.0)]),
    "nothing in Scotland, yet clean energy": (
        "[constraints.mission_floor]\nclean-energy = 10.0\n"
        "[constraints.regional.scotland]\nregions = [\"Scotland\"]\nmax_share = 0.0\n",
        [("constraints.mission_floor.clean-energy", 10.0),
         ("constraints.regional.scotland.max_share", 0.0)]),
}


def _problem(path: Path):
    s = Scenario.load(path)
    pipe = s.read_pipeline()
    _, c = tag_pipeline(pipe, s.load_rules(), s.attribution)
    return s.problem(pipe, c)


def _feasible(a, lower, upper, clo, cup, rows) -> bool:
    """scipy linprog (an independent route to HiGHS) on only ``rows``: feasible?"""
    sub = a[rows]
    lo, up = lower[rows], upper[rows]
    ub = np.isfinite(up)
    lb = np.isfinite(lo)
    a_ub = np.vstack([sub[ub].toarray(), -sub[lb].toarray()])
    b_ub = np.concatenate([up[ub], -lo[lb]])
    res = linprog(np.zeros(a.shape[1]), A_ub=a_ub if len(b_ub) else None,
                  b_ub=b_ub if len(b_ub) else None,
                  bounds=list(zip(np.where(np.isfinite(clo), clo, None),
                                  np.where(np.isfinite(cup), cup, None), strict=True)),
                  method="highs")
    assert res.status in (0, 2), res.message
    return bool(res.status == 0)


@pytest.mark.parametrize("case", list(INFEASIBLE))
def test_infeasible_scenario_gives_an_irreducible_conflict(case, small_scenario, tmp_path,
                                                           capsys):
    extra, expected_first = INFEASIBLE[case]
    small_scenario.write_text(small_scenario.read_text() + extra, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", str(small_scenario), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    conflict = pd.read_csv(out / "conflict.csv")
    assert list(conflict.columns) == ["name", "family", "key", "value", "explanation"]
    # mission and regional rows first, each in the scenario's own key and value
    head = conflict.head(len(expected_first))
    assert set(zip(head["key"], head["value"], strict=True)) == set(expected_first)
    assert set(head["family"]) <= {"mission_bounds", "regional"}
    assert expected_first[0][0] in err
    # irreducible: infeasible together, feasible with any one row dropped (scipy)
    prob = _problem(small_scenario)
    model, _ = build(prob, prepare(prob))
    names = model.row_meta["name"].astype(str).tolist()
    rows = [names.index(n) for n in conflict.loc[conflict["family"] != "bounds", "name"]]
    a = model.matrix().tocsr()
    # column bounds count only where the conflict lists them
    bound_cols = set(conflict.loc[conflict["family"] == "bounds", "name"])
    keep = np.array([str(lab) in bound_cols for lab in model.col_labels()])
    clo = np.where(keep, model.col_lower, -np.inf)
    cup = np.where(keep, model.col_upper, np.inf)
    lo, up = model.row_lower, model.row_upper
    assert not _feasible(a, lo, up, clo, cup, rows)
    for k in range(len(rows)):
        assert _feasible(a, lo, up, clo, cup, rows[:k] + rows[k + 1:]), conflict.iloc[k]["name"]
    # the report and the notebook display show the conflict in the same words
    html = (out / "report.html").read_text(encoding="utf-8")
    assert expected_first[0][0] in html
    assert expected_first[0][0] in solve(prob)._repr_html_()


def test_feasible_run_writes_no_conflict_csv(small_scenario, tmp_path):
    assert main(["run", str(small_scenario), "--out", str(tmp_path / "o")]) == 0
    assert not (tmp_path / "o" / "conflict.csv").exists()


def test_share_floors_above_one_are_refused_naming_the_keys():
    bounds = (MissionBound("health", floor=0.6, unit="share"),
              MissionBound("growth", floor=0.6, unit="share"))
    with pytest.raises(MissionFinanceError, match=r"constraints.mission_floor.health = 0.6 and "
                       r"constraints.mission_floor.growth = 0.6: share floors sum to 1.2"):
        solve(hand_problem(mission_bounds=bounds))


def test_regional_share_over_an_empty_region_is_refused():
    reg = (RegionalShare("wales", ("Wales",), min_share=0.2),)
    with pytest.raises(MissionFinanceError,
                       match=r"constraints.regional.wales.min_share = 0.2: no project"):
        solve(hand_problem(regional=reg))


def test_an_empty_allocation_is_warned_about():
    with pytest.warns(MissionFinanceWarning, match="commits nothing.*budget.CDEL.2026-27"):
        res = solve(hand_problem(budget={"CDEL": {"2026-27": 0.0, "2027-28": 0.0},
                                         "FT": {"2026-27": 0.0, "2027-28": 0.0},
                                         "RDEL": {"2027-28": 0.0}}))
    assert res.status == Status.OPTIMAL
    assert "commits nothing" in res.summary["warnings"][0]


def test_uncapped_loss_free_guarantees_are_warned_about():
    prj = projects([{"project_id": "G", "capacity": 10.0, "private_capacity": 100.0,
                     "instruments": "guarantee", "leverage_guarantee": 1.25, "pd": 0.0}])
    with pytest.warns(MissionFinanceWarning, match="guarantee exposure is uncapped"):
        res = solve(problem(prj, contrib({"G": {"growth": 1.0}})))
    assert res.summary["guarantee_total"] == pytest.approx(80.0)  # 0.8 × private 100


def test_leverage_above_the_evidence_is_warned_about():
    prj = projects([{"project_id": "L", "capacity": 10.0, "private_capacity": 50.0,
                     "instruments": "grant", "leverage_grant": 1000.0}])
    with pytest.warns(MissionFinanceWarning, match=r"exceed 12 .*leverage_grant = 1000"):
        res = solve(problem(prj, contrib({"L": {"growth": 1.0}}),
                            budget={"CDEL": {"2026-27": 5.0}}))
    assert res.summary["private_total"] == pytest.approx(50.0)


def test_contributions_above_one_are_warned_about():
    prj = projects([{"project_id": "A", "capacity": 10.0, "instruments": "grant"}])
    with pytest.warns(MissionFinanceWarning, match="contributions summing above 1"):
        solve(problem(prj, contrib({"A": {"growth": 0.8, "health": 0.7}}),
                      instruments=dict(DEFAULT_INSTRUMENTS)))


def test_warnings_reach_the_report_assumptions(small_scenario, tmp_path):
    text = small_scenario.read_text().replace('"2026-27" = 30.0\n"2027-28" = 30.0\n', "")
    text = text.replace("[exposure]\n", "")
    small_scenario.write_text(text, encoding="utf-8")
    pipe = small_scenario.parent / "pipeline.csv"
    pipe.write_text(pipe.read_text().replace("1.5,0.1,0.5,1", "1.5,0,0.5,1"), encoding="utf-8")
    # without an exposure limit nothing but the financing plan bounds the guarantee of a
    # project with no private capacity: without it the run is unbounded and says why
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissionFinanceWarning)
        assert main(["run", str(small_scenario), "--out", str(tmp_path / "u")]) == 1
    small_scenario.write_text(text + "\n[constraints]\nfinancing_plan = true\n",
                              encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissionFinanceWarning)
        assert main(["run", str(small_scenario), "--out", str(tmp_path / "o")]) == 0
    html = (tmp_path / "o" / "report.html").read_text(encoding="utf-8")
    assert "Warning: guarantee exposure is uncapped" in html
