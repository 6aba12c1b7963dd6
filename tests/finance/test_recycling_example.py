"""Recycling on the bundled example: later years fund exactly their budget plus receipts."""

from __future__ import annotations

import pandas as pd
import pytest

from missionfinance.fiscal import RECYCLED_KINDS, allocation_cashflows
from missionfinance.scenario import Scenario
from missionfinance.views import allocation_frame, budget_use
from tests.conftest import EXAMPLE


def ft_used(run) -> pd.Series:
    alloc = allocation_frame(run.allocation)
    used = budget_use(run, alloc)
    return used.loc[used["control"] == "FT"].set_index("year")["used"]


def test_recycling_funds_later_years_by_exactly_the_receipts() -> None:
    base = Scenario.load(EXAMPLE)
    off = base.run()
    on_scenario = Scenario.from_dict({**base.config, "recycling": {"control": "FT"}}, base.path)
    on = on_scenario.run()
    assert on.status == off.status == "optimal"
    flows = allocation_cashflows(on, allocation_frame(on.allocation)).flows
    receipts = flows.loc[flows["kind"].isin(RECYCLED_KINDS)].groupby("year")["amount"].sum()
    rows = on.allocation.constraints.set_index("name")
    used_on, used_off = ft_used(on), ft_used(off)
    later = base.years[1:]
    checked = 0
    for year in later:
        budget_row = rows.loc[f"budget[FT,{year}]"]
        if not bool(budget_row["binding"]) or budget_row["dual"] <= 1e-9:
            continue
        # Where FT binds, the year uses its budget plus every £ recycled into it.
        assert used_on[year] == pytest.approx(base.budget["FT"][year] + receipts.get(year, 0.0),
                                              abs=1e-4)
        recycled = rows.loc[f"recycling[FT,{year}]"]
        assert "money recycled into FT in " + year in recycled["explanation"]
        checked += 1
    assert checked > 0
    # Later years together fund more than without recycling.
    assert used_on[list(later)].sum() > used_off[list(later)].sum() + 1.0
