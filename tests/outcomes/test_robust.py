"""Robust option: CVaR limits on milestone shortfall over sampled draws, checked out of
sample on fresh draws."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from missionfinance.model import solve
from missionfinance.outcomes.config import RobustOptions
from missionfinance.outcomes.trajectory import allocation_inputs, outcome_arrays
from missionfinance.outcomes.uncertainty import Distribution, Uncertainty, simulate_arrays

from .helpers import INSTRUMENTS, YEARS, options, problem, projects

UNC = Uncertainty(seed=5, factors={"yield": {"homes": Distribution(
    "uniform", {"low": 0.5, "high": 1.5})}})


def _case(robust: RobustOptions | None, kind: str = "min_cost"):  # type: ignore[no-untyped-def]
    opts = replace(options([("A", "homes", 10.0, 0, 1)], prices={"homes": 1.0, "police": 0.0},
                           weights={"police": 0.0}), uncertainty=UNC, robust=robust)
    pipe = projects(cap=(300.0, 300.0))
    budget = {"CDEL": {"2026-27": 300.0, "2027-28": 0.0, "2028-29": 0.0}}
    res = solve(problem(opts, pipe, kind, budget))
    assert res.ok
    return opts, pipe, res


def _share_within(opts, pipe, res, limit: float, seed: int, n: int = 4000) -> float:  # type: ignore[no-untyped-def]
    arrays = outcome_arrays(opts, pipe["project_id"], YEARS)
    base = allocation_inputs(res.allocation, pipe, arrays.project_ids, YEARS, INSTRUMENTS)
    sim = simulate_arrays(UNC, arrays, base, n, seed=seed)
    k = arrays.ids.index("homes")
    t = arrays.deadline_index(k)
    short = arrays.target[k, t] - sim.projected[:, k, t]
    return float(np.mean(short <= limit + 1e-9))


def test_deterministic_plan_meets_the_target_only_half_the_time() -> None:
    opts, pipe, res = _case(None)
    assert res.allocation["public"].sum() == pytest.approx(120.0)  # 1,200 homes at 10 per £m
    assert _share_within(opts, pipe, res, 10.0, seed=99) == pytest.approx(0.5, abs=0.05)


def test_cvar_limit_gives_the_confidence_it_claims_out_of_sample() -> None:
    # CVaR_0.8 of the shortfall ≤ 10 homes over 300 draws ⇒ VaR_0.8 ≤ 10: the shortfall is at
    # most 10 homes in ≥ 80% of the draws it was fitted on; check that on 4,000 fresh draws.
    robust = RobustOptions(draws=300, seed=1, alpha=0.8, limit={"homes": 10.0})
    opts, pipe, res = _case(robust)
    spent = res.allocation["public"].sum()
    assert 120.0 < spent < 300.0  # it buys insurance: more than the deterministic £120m
    assert _share_within(opts, pipe, res, 10.0, seed=1, n=300) >= 0.8  # in sample
    assert _share_within(opts, pipe, res, 10.0, seed=12345) >= 0.8 - 0.03  # out of sample


def test_sample_average_progress_with_a_cvar_limit() -> None:
    robust = RobustOptions(draws=100, seed=2, alpha=0.8, limit={"homes": 10.0})
    opts, pipe, res = _case(robust, kind="mission_progress")
    assert _share_within(opts, pipe, res, 10.0, seed=2, n=100) >= 0.8
    # the objective is the sample average of progress over the very draws it was fitted on
    arrays = outcome_arrays(opts, pipe["project_id"], YEARS)
    base = allocation_inputs(res.allocation, pipe, arrays.project_ids, YEARS, INSTRUMENTS)
    out = simulate_arrays(UNC, arrays, base, 100, seed=2).projected[:, 0, -1]
    progress = (np.minimum(out, 1200.0) + 0.1 * np.maximum(out - 1200.0, 0.0)) / 1200.0
    assert res.objective == pytest.approx(progress.mean(), rel=1e-7)


def test_robust_keys_are_validated(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from missionfinance.errors import MissionFinanceError
    from missionfinance.scenario import Scenario

    from .conftest import write_scenario

    for extra, message in (
        ("\n[outcomes.robust]\nalpha = 1.0\n", "outcomes.robust.alpha: 1.0 must be strictly"),
        ("\n[outcomes.robust]\nlimit = { flats = 1 }\n", "outcomes.robust.limit.flats: unknown"),
        ("\n[outcomes.robust]\ndraw = 10\n", "outcomes.robust.draw: unknown key"),
    ):
        path = write_scenario(tmp_path / str(abs(hash(extra))), extra=extra)
        with pytest.raises(MissionFinanceError, match=message):
            Scenario.load(path)
