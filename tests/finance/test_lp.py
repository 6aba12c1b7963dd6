"""Fiscal caps and recycling in the LP, on small cases with answers worked out by hand."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from missionfinance.cashflows import Terms
from missionfinance.instruments import DEFAULT_INSTRUMENTS
from missionfinance.model import AllocationProblem, Recycling, Status, solve


def one_project(eligible: str, leverage: dict[str, float], years: tuple[str, ...],
                capacity: float = 100.0, **changes: object) -> AllocationProblem:
    projects = pd.DataFrame({
        "project_id": ["P"], "name": ["P"], "department": ["DBT"], "region": ["London"],
        "capacity": [capacity], "private_capacity": [np.nan], "instruments": [eligible],
        **{f"leverage_{k}": [v] for k, v in leverage.items()},
        "pd": [0.0], "lgd": [0.45], "additionality": [1.0],
        "start_year": [years[0]], "end_year": [years[-1]],
    })
    contributions = pd.DataFrame({"growth": [1.0]}, index=pd.Index(["P"], name="project_id"))
    base: dict[str, object] = dict(
        years=years, projects=projects, contributions=contributions, missions=("growth",),
        instruments={k: DEFAULT_INSTRUMENTS[k] for k in leverage},
        budget={"CDEL": dict.fromkeys(years, 100.0), "FT": dict.fromkeys(years, 100.0)},
        objective="mission_value", weights={"growth": 1.0},
    )
    base.update(changes)
    return AllocationProblem(**base)  # type: ignore[arg-type]


def public(result) -> dict[tuple[str, str], float]:
    a = result.allocation
    a = a.loc[a["public"] > 1e-9]
    return {(i, y): round(float(v), 6) for i, y, v in zip(a["instrument"], a["year"], a["public"],
                                                          strict=True)}


def test_psnfl_cap_shifts_the_mix_toward_loans():
    # Grant: 1 of mission value per £ plus 1 £ private (leverage 1) = 2 per £; loan: 1 per £.
    # Unconstrained the grant takes the whole capacity of 100 (objective 200). A grant adds
    # £1 to PSNFL per £, a loan nothing (the asset is netted), so PSNFL ≤ 30 leaves
    # grant 30, loan 70: objective 100 + 30 = 130; £1m more PSNFL room moves £1m from
    # loan to grant and adds 1 (the grant's private £).
    years = ("2026-27",)
    free = solve(one_project("grant;loan", {"grant": 1.0, "loan": 0.0}, years))
    assert public(free) == {("grant", "2026-27"): 100.0}
    capped = solve(one_project("grant;loan", {"grant": 1.0, "loan": 0.0}, years,
                               fiscal_caps={"psnfl": {"2026-27": 30.0}}))
    assert capped.status == Status.OPTIMAL
    assert public(capped) == {("grant", "2026-27"): 30.0, ("loan", "2026-27"): 70.0}
    assert capped.objective == pytest.approx(130.0, abs=1e-6)
    row = capped.constraints.set_index("name").loc["fiscal[psnfl,2026-27]"]
    assert row["dual"] == pytest.approx(1.0, abs=1e-6)
    assert "£1m more room under the PSNFL cap in 2026-27 adds £1m" in row["explanation"]


def test_psnd_cap_shifts_the_mix_toward_guarantees():
    # Loan: 1 per £ plus 1 £ private = 2 per £; guarantee: not cash, only its 0.5 £ private
    # per £ of cover. Unconstrained the loan takes the capacity (objective 200). A loan adds
    # its cash to PSND at issue, a guarantee nothing, so PSND ≤ 40 gives loan 40 and
    # guarantee 60, crowding in 40 × 1 + 60 × 0.5 = 70 private. (A grant adds to PSND as a loan
    # does in its first year and never comes back, so a PSND cap never favours it.)
    years = ("2026-27",)
    lev = {"loan": 1.0, "guarantee": 0.5}
    free = solve(one_project("loan;guarantee", lev, years))
    assert public(free) == {("loan", "2026-27"): 100.0}
    capped = solve(one_project("loan;guarantee", lev, years, fiscal_caps={"psnd": {"2026-27": 40.0}}))
    assert public(capped) == {("loan", "2026-27"): 40.0, ("guarantee", "2026-27"): 60.0}
    assert capped.allocation["private"].sum() == pytest.approx(70.0, abs=1e-6)


def test_recycling_funds_later_years_by_the_amount_recycled():
    # A 2-year bullet loan at 5% with a year of grace: £1m lent in 2026-27 pays 0.05 of
    # interest in 2027-28. FT is 100 a year and binds. With recycling into FT, the 5 of
    # interest on 2026-27's 100 lets 2027-28 lend 105: exactly 5 more, objective 205
    # against 200. £1m more recycled money in 2027-28 funds £1m more loan: worth 1.
    years = ("2026-27", "2027-28")
    loan = replace(DEFAULT_INSTRUMENTS["loan"],
                   terms=Terms("loan", tenor=2, grace=1, interest_rate=0.05, amortisation="bullet"))
    kw = dict(capacity=1000.0, instruments={"loan": loan})
    off = solve(one_project("loan", {"loan": 0.0}, years, **kw))
    on = solve(one_project("loan", {"loan": 0.0}, years, recycling=Recycling("FT"), **kw))
    assert public(off) == {("loan", "2026-27"): 100.0, ("loan", "2027-28"): 100.0}
    assert public(on) == {("loan", "2026-27"): 100.0, ("loan", "2027-28"): 105.0}
    assert on.objective - off.objective == pytest.approx(5.0, abs=1e-6)
    rows = on.constraints.set_index("name")
    assert rows.loc["recycling[FT,2027-28]", "dual"] == pytest.approx(1.0, abs=1e-6)
    assert "£1m more money recycled into FT in 2027-28 adds £1m" in rows.loc[
        "recycling[FT,2027-28]", "explanation"]
    # 2026-27's FT is worth 1 + 0.05 (its loan also recycles 0.05 into 2027-28).
    assert rows.loc["budget[FT,2026-27]", "dual"] == pytest.approx(1.05, abs=1e-6)


def test_pyomo_view_gives_the_same_optimum_with_caps_and_recycling():
    from missionfinance.model import solve_pyomo, to_pyomo

    years = ("2026-27", "2027-28")
    loan = replace(DEFAULT_INSTRUMENTS["loan"],
                   terms=Terms("loan", tenor=2, grace=1, interest_rate=0.05, amortisation="bullet"))
    problem = one_project("grant;loan", {"grant": 1.0, "loan": 0.0}, years, capacity=1000.0,
                          instruments={"grant": DEFAULT_INSTRUMENTS["grant"], "loan": loan},
                          recycling=Recycling("FT"), fiscal_caps={"psnfl": {"2027-28": 150.0}})
    fast = solve(problem)
    slow = solve_pyomo(to_pyomo(problem))
    assert fast.status == slow.status == Status.OPTIMAL
    assert slow.objective == pytest.approx(fast.objective, abs=1e-6)
