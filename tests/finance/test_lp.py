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
                capacity: float = 100.0, private_capacity: float = np.nan, pd_: float = 0.0,
                lgd: float = 0.45, **changes: object) -> AllocationProblem:
    projects = pd.DataFrame({
        "project_id": ["P"], "name": ["P"], "department": ["DBT"], "region": ["London"],
        "capacity": [capacity], "private_capacity": [private_capacity], "instruments": [eligible],
        **{f"leverage_{k}": [v] for k, v in leverage.items()},
        "pd": [pd_], "lgd": [lgd], "additionality": [1.0],
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
    # Counting (docs/model.md): mission value = public cash + additional private money, the
    # private money y bounded once per project. Here by its private capacity 1000 (with
    # none, the financing plan cash + y ≤ 100 would make every mix worth 100 and the case
    # would prove nothing). Grant: leverage 1, so y ≤ x_grant; loan: leverage 0.
    # Unconstrained (CDEL, FT 100; capacity 100 of cash): grant 100, y = 100, objective
    # 200 (a £ of loan instead of grant loses the grant's £ of private money).
    # A grant adds £1 to PSNFL per £, a loan nothing (the asset is netted), so PSNFL ≤ 30
    # leaves grant 30, loan 70, y = 30: objective 30 + 70 + 30 = 130; £1m more PSNFL room
    # moves £1m from loan to grant and adds 1 (the grant's private £).
    years = ("2026-27",)
    lev = {"grant": 1.0, "loan": 0.0}
    free = solve(one_project("grant;loan", lev, years, private_capacity=1000.0))
    assert public(free) == {("grant", "2026-27"): 100.0}
    assert free.objective == pytest.approx(200.0, abs=1e-6)
    capped = solve(one_project("grant;loan", lev, years, private_capacity=1000.0,
                               fiscal_caps={"psnfl": {"2026-27": 30.0}}))
    assert capped.status == Status.OPTIMAL
    assert public(capped) == {("grant", "2026-27"): 30.0, ("loan", "2026-27"): 70.0}
    assert capped.summary["private_total"] == pytest.approx(30.0, abs=1e-6)
    assert capped.objective == pytest.approx(130.0, abs=1e-6)
    row = capped.constraints.set_index("name").loc["fiscal[psnfl,2026-27]"]
    assert row["dual"] == pytest.approx(1.0, abs=1e-6)
    assert "£1m more room under the PSNFL cap in 2026-27 adds £1m" in row["explanation"]


def test_psnd_cap_shifts_the_mix_toward_guarantees():
    # Counting: a guarantee is exposure, not cash; it is worth only the lending it covers,
    # counted once in the project's private money y. Loan: leverage 1; guarantee: 80% cover,
    # 1.25 of lending per £ of cover (guarantee_cover: 1.25 x_guarantee ≤ y). Private
    # capacity 1000, cash capacity 100. pd 0.1 × lgd 0.5: both charge el = 0.05 per £ to
    # RDEL, whose budget 5 binds. Per £ of RDEL a loan gives (1 cash + 1 private) / 0.05 =
    # 40 of value, a guarantee 1.25 / 0.05 = 25, so unconstrained the loan takes the whole
    # RDEL: loan 100 (RDEL 5), no guarantee, y = 100, objective 200.
    # A loan adds its cash to PSND at issue, a guarantee nothing (fees and calls come
    # later), so PSND ≤ 40 gives loan 40 (RDEL 2) and the RDEL left, 3, to guarantees:
    # 3 / 0.05 = 60 of cover, y = 40 + 1.25 × 60 = 115, objective 40 + 115 = 155.
    # (A grant adds to PSND as a loan does in its first year, so a PSND cap never favours it.)
    years = ("2026-27",)
    lev = {"loan": 1.0, "guarantee": 1.25}
    kw = dict(private_capacity=1000.0, pd_=0.1, lgd=0.5,
              budget={"FT": {"2026-27": 100.0}, "RDEL": {"2026-27": 5.0}})
    free = solve(one_project("loan;guarantee", lev, years, **kw))
    assert public(free) == {("loan", "2026-27"): 100.0}
    assert free.objective == pytest.approx(200.0, abs=1e-6)
    capped = solve(one_project("loan;guarantee", lev, years, fiscal_caps={"psnd": {"2026-27": 40.0}},
                               **kw))
    assert capped.status == Status.OPTIMAL
    assert public(capped) == {("loan", "2026-27"): 40.0, ("guarantee", "2026-27"): 60.0}
    assert capped.summary["public_total"] == pytest.approx(40.0, abs=1e-6)
    assert capped.summary["guarantee_total"] == pytest.approx(60.0, abs=1e-6)
    assert capped.allocation["private"].sum() == pytest.approx(115.0, abs=1e-6)
    assert capped.objective == pytest.approx(155.0, abs=1e-6)


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


def test_recycling_counts_a_grants_profit_share():
    # A grant whose project pays the public 20% of 0.1 £m a year per £m, for one year from
    # age 1: £1m granted in 2026-27 returns 0.02 as a dividend in 2027-28. CDEL is 100 a year
    # and binds; recycled into CDEL, 2026-27's 100 of grant lets 2027-28 grant 102.
    years = ("2026-27", "2027-28")
    kw = dict(capacity=1000.0)

    def with_upside(problem: AllocationProblem) -> AllocationProblem:
        projects = problem.projects.assign(upside_share=0.2, upside_expected=0.1)
        return replace(problem, projects=projects)

    off = solve(with_upside(one_project("grant", {"grant": 0.0}, years, **kw)))
    on = solve(with_upside(one_project("grant", {"grant": 0.0}, years,
                                       recycling=Recycling("CDEL"), **kw)))
    assert public(off) == {("grant", "2026-27"): 100.0, ("grant", "2027-28"): 100.0}
    assert public(on) == {("grant", "2026-27"): 100.0, ("grant", "2027-28"): 102.0}
