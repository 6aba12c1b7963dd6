"""The hand-solvable 3-project × 2-year case of the core families, exact optimum and duals.

Derivation (mission_value, weights growth 1, health 2). Public cash (grant, loan) counts
in mission value; a guarantee's face value does not: it counts only through the lending it
covers, which is private money y, counted once.

- P1 (grant, value 1/£, leverage 0.5, additionality 1, capacity 150, no private capacity so
  its financing plan bounds x + y ≤ 150) earns 1.5 per £ and is limited by CDEL 40 + 30 →
  x = 40, 30; y = 35 (105 ≤ 150: the plan is slack); CDEL duals 1.5; crowding-in dual
  v·a = 1.
- P2 (loan, value 2/£, leverage 2, additionality 0.5, private capacity 150, el 0.05)
  earns 2 per £ plus 1 per £ of private; FT 2026-27 = 100 caps its first year, RDEL
  2027-28 charges 0.05 per £; it fills its capacity 200 (100 + 100), y = 150.
- P3 (guarantee, 2027-28 only, value 0.5, lending per £ of cover 1 = 100% cover, el 0.1)
  earns 0.5 per £ of cover — the lending it covers, not the cover as well — and takes the
  remaining RDEL: (8 − 5) / 0.1 = 30 of cover for 30 of lending; exposure 30 < 50 slack.
- Objective 105 + 550 + 15 = 670 (counting the guarantee twice gave 685). Duals: RDEL
  2027-28 = 5 (P3's 0.5 per £ / 0.1), capacity P2 = 2 − 0.05 × 5 = 1.75, FT 2026-27 =
  0.05 × 5 = 0.25, private capacity P2 = v·a = 1; P3's lending equals its cover (the
  crowding-in and cover rows both bind), so only their difference is determined: 0.5.
- Public cash 70 + 200 = 270; guarantees 30 (never added to cash); private 35 + 150 + 30.
"""

from __future__ import annotations

import numpy as np
import pytest

from missionfinance.model import Status, solve
from tests.model.conftest import hand_problem


@pytest.fixture(scope="module")
def result():
    return solve(hand_problem())


def test_optimum(result):
    assert result.status == Status.OPTIMAL
    assert result.objective == pytest.approx(670.0, abs=1e-6)
    assert result.summary["objective"] == result.objective
    assert result.summary["status"] == "optimal"


def test_allocation(result):
    a = result.allocation.set_index(["project_id", "instrument", "year"])
    assert list(a.index) == [("P1", "grant", "2026-27"), ("P1", "grant", "2027-28"),
                             ("P2", "loan", "2026-27"), ("P2", "loan", "2027-28"),
                             ("P3", "guarantee", "2027-28")]
    np.testing.assert_allclose(a["public"], [40, 30, 100, 100, 30], atol=1e-6)
    np.testing.assert_allclose(a["private"], [20, 15, 75, 75, 30], atol=1e-6)


def test_duals(result):
    c = result.constraints.set_index("name")
    expected = {
        "budget[CDEL,2026-27]": 1.5, "budget[CDEL,2027-28]": 1.5, "budget[FT,2026-27]": 0.25,
        "budget[RDEL,2027-28]": 5.0, "capacity[P1]": 0.0, "capacity[P2]": 1.75,
        "crowding_in[P1]": 1.0, "crowding_in[P2]": 0.0, "private_capacity[P2]": 1.0,
        "financing_plan[P1]": 0.0, "financing_plan[P3]": 0.0, "exposure[2027-28]": 0.0,
        "spend_profile[P1,2026-27]": 0.0, "spend_profile[P1,2027-28]": 0.0,
    }
    assert set(c.index) == set(expected) | {"capacity[P3]", "crowding_in[P3]",
                                             "guarantee_cover[P3]"}
    for name, dual in expected.items():
        assert c.loc[name, "dual"] == pytest.approx(dual, abs=1e-6), name
    # a guarantee uses no cash capacity: P3's capacity row has no guarantee column
    assert c.loc["capacity[P3]", "lhs"] == 0.0
    assert c.loc["crowding_in[P3]", "dual"] - c.loc["guarantee_cover[P3]", "dual"] == \
        pytest.approx(0.5, abs=1e-6)
    assert bool(c.loc["budget[RDEL,2027-28]", "binding"])
    assert not bool(c.loc["exposure[2027-28]", "binding"])
    assert c.loc["exposure[2027-28]", "slack"] == pytest.approx(20.0, abs=1e-6)


def test_words(result):
    c = result.constraints.set_index("name")
    text = c.loc["budget[RDEL,2027-28]", "explanation"]
    assert text.startswith("binding: £1m more RDEL headroom in 2027-28 adds £5m of mission value")
    assert "of private investment" in text
    assert "not binding" in c.loc["exposure[2027-28]", "explanation"]


def test_dataset(result):
    ds = result.dataset
    assert ds["public"].dims == ("project", "instrument", "year")
    assert float(ds["public"].sum()) == pytest.approx(300.0)  # cash 270 + guarantee cover 30
    assert float(ds["public"].where(~ds["contingent"], 0.0).sum()) == pytest.approx(270.0)
    cost = ds["budget_cost"].sum(["project", "instrument"])
    assert float(cost.sel(control="RDEL", year="2027-28")) == pytest.approx(8.0)
    assert float(cost.sel(control="CDEL", year="2026-27")) == pytest.approx(40.0)


def test_missions_and_projects(result):
    m = result.missions.set_index("mission")
    assert m.loc["health", "public"] == pytest.approx(200.0)
    assert m.loc["health", "additional_private"] == pytest.approx(75.0)
    assert m.loc["growth", "value"] + m.loc["health", "value"] == pytest.approx(670.0)
    assert m.loc["growth", "public"] == pytest.approx(70.0)  # cash only
    assert m.loc["growth", "guarantee"] == pytest.approx(15.0)  # 0.5 × 30 of cover
    p = result.projects.set_index("project_id")
    assert p["funded"].all()
    assert p.loc["P3", "public"] == 0.0 and p.loc["P3", "guarantee"] == pytest.approx(30.0)
    assert p.loc["P3", "cover"] == 1.0 and np.isnan(p.loc["P1", "cover"])
    s = result.summary
    assert s["public_total"] == pytest.approx(270.0)
    assert s["guarantee_total"] == pytest.approx(30.0)
    assert s["private_total"] == pytest.approx(35.0 + 150.0 + 30.0)
    assert s["additional_private_total"] == pytest.approx(35.0 + 75.0 + 30.0)
    assert s["leverage"] == pytest.approx(215.0 / 270.0)
    # economic cost: grant 70 at face value; loan 200 × el 0.05 (priced at the cost of
    # funds, no subsidy); guarantee 30 × el 0.1 (no fee) = 3
    assert s["economic_cost"] == pytest.approx(70.0 + 10.0 + 3.0)
    assert s["guarantee_expected_cost"] == pytest.approx(3.0)
    assert s["leverage_with_guarantee_cost"] == pytest.approx(215.0 / 273.0)
    assert s["budget_scored"] == pytest.approx({"CDEL": 70.0, "FT": 200.0, "RDEL": 13.0})


def test_summary_is_json_and_reprs_are_compact(result):
    import json

    text = json.dumps(result.summary)
    assert '"status": "optimal"' in text
    assert repr(result).startswith("<AllocationResult optimal objective=670")
    assert "<table>" in result._repr_html_()
    assert result.solver["name"] == "HiGHS"
    assert result.solver["options"]["threads"] == 1
    assert result.solver["options"]["seed"] == 0


def test_leverage_by_mission_and_instrument(result):
    lev = result.leverage.set_index(["mission", "instrument"])
    assert lev.loc[("health", "loan"), "public"] == pytest.approx(200.0)
    assert lev.loc[("health", "loan"), "private"] == pytest.approx(150.0)
    assert lev.loc[("health", "loan"), "leverage"] == pytest.approx(0.75)
    assert lev.loc[("growth", "grant"), "additional_private"] == pytest.approx(35.0)
