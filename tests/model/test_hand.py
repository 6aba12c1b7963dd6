"""The hand-solvable 3-project × 2-year case of the core families, exact optimum and duals.

Derivation (mission_value, weights growth 1, health 2):

- P1 (grant, value 1/£, leverage 0.5, additionality 1) earns 1.5 per £ and is limited by
  CDEL 40 + 30 → x = 40, 30; CDEL duals 1.5; crowding-in dual v·a = 1.
- P2 (loan, value 2/£, leverage 2, additionality 0.5, private capacity 150, el 0.05)
  earns 2 per £ plus 1 per £ of private; FT 2026-27 = 100 caps its first year, RDEL
  2027-28 charges 0.05 per £; it fills its capacity 200 (100 + 100), y = 150.
- P3 (guarantee, 2027-28 only, value 0.5, leverage 1, el 0.1) earns 1 per £ and takes the
  remaining RDEL: (8 − 5) / 0.1 = 30; exposure 30 < 50 is slack.
- Objective 105 + 550 + 30 = 685. Duals: RDEL 2027-28 = 10 (P3's 1 per £ / 0.1),
  capacity P2 = 2 − 0.05 × 10 = 1.5, FT 2026-27 = 0.05 × 10 = 0.5, private capacity P2 =
  v·a = 1, crowding P3 = 0.5.
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
    assert result.objective == pytest.approx(685.0, abs=1e-6)
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
        "budget[CDEL,2026-27]": 1.5, "budget[CDEL,2027-28]": 1.5, "budget[FT,2026-27]": 0.5,
        "budget[RDEL,2027-28]": 10.0, "capacity[P1]": 0.0, "capacity[P2]": 1.5,
        "capacity[P3]": 0.0, "crowding_in[P1]": 1.0, "crowding_in[P2]": 0.0,
        "crowding_in[P3]": 0.5, "private_capacity[P2]": 1.0, "exposure[2027-28]": 0.0,
    }
    assert set(c.index) == set(expected)
    for name, dual in expected.items():
        assert c.loc[name, "dual"] == pytest.approx(dual, abs=1e-6), name
    assert bool(c.loc["budget[RDEL,2027-28]", "binding"])
    assert not bool(c.loc["exposure[2027-28]", "binding"])
    assert c.loc["exposure[2027-28]", "slack"] == pytest.approx(20.0, abs=1e-6)


def test_words(result):
    c = result.constraints.set_index("name")
    text = c.loc["budget[RDEL,2027-28]", "explanation"]
    assert text.startswith("binding: £1m more RDEL headroom in 2027-28 adds £10m of mission value")
    assert "of private investment" in text
    assert "not binding" in c.loc["exposure[2027-28]", "explanation"]


def test_dataset(result):
    ds = result.dataset
    assert ds["public"].dims == ("project", "instrument", "year")
    assert float(ds["public"].sum()) == pytest.approx(300.0)
    cost = ds["budget_cost"].sum(["project", "instrument"])
    assert float(cost.sel(control="RDEL", year="2027-28")) == pytest.approx(8.0)
    assert float(cost.sel(control="CDEL", year="2026-27")) == pytest.approx(40.0)


def test_missions_and_projects(result):
    m = result.missions.set_index("mission")
    assert m.loc["health", "public"] == pytest.approx(200.0)
    assert m.loc["health", "additional_private"] == pytest.approx(75.0)
    assert m.loc["growth", "value"] + m.loc["health", "value"] == pytest.approx(685.0)
    p = result.projects.set_index("project_id")
    assert p["funded"].all()
    assert result.summary["public_total"] == pytest.approx(300.0)
    assert result.summary["private_total"] == pytest.approx(35.0 + 150.0 + 30.0)


def test_summary_is_json_and_reprs_are_compact(result):
    import json

    text = json.dumps(result.summary)
    assert '"status": "optimal"' in text
    assert repr(result).startswith("<AllocationResult optimal objective=685")
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
