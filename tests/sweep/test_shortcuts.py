"""The Resolver's shortcut equals the model's own code: cached prepare == prepare, the
row names read without the label frame equal the frame's, and re-solving random problems
with every family matches solve."""

from __future__ import annotations

from dataclasses import replace

import pytest

from missionfinance.errors import MissionFinanceError
from missionfinance.model import AllocationProblem, solve
from missionfinance.model.build import build
from missionfinance.model.problem import prepare, reprepare, same_prepared_inputs
from missionfinance.model.resolve import (
    Resolver,
    _PrepareCache,
    same_data,
    same_model,
)
from tests.model.random_problems import random_problem

# Random problems may trip the model's sanity warnings (e.g. guarantees with no expected
# loss and no exposure limit); these tests check the mathematics, not those warnings.
pytestmark = pytest.mark.filterwarnings("ignore::missionfinance.errors.MissionFinanceWarning")


def _variants(seed: int) -> list[AllocationProblem]:
    """A problem with every family switched on, and variants that change only numbers."""
    p = random_problem(seed, families=True, cvar=seed % 2 == 0)
    out = [p]
    for f in (0.8, 1.2):
        out.append(replace(p, budget={c: {y: v * f for y, v in by.items()}
                                      for c, by in p.budget.items()}))
    out.append(replace(p, weights={"health": 2.5, "growth": 0.4}))
    out.append(replace(p, exposure={y: v * 0.5 for y, v in p.exposure.items()}))
    return out


@pytest.mark.parametrize("seed", range(6))
def test_row_names_equal_the_label_frame(seed: int) -> None:
    for p in _variants(seed):
        model = build(p, prepare(p))[0]
        assert model.row_names().tolist() == model.row_meta["name"].tolist()
        assert same_model(model, build(p, prepare(p))[0])


@pytest.mark.parametrize("seed", range(6))
def test_cached_prepare_equals_prepare(seed: int) -> None:
    cache = _PrepareCache()
    for p in _variants(seed):
        assert same_data(cache.get(p), prepare(p))


def test_cached_prepare_checks_the_values_prepare_checks() -> None:
    p = random_problem(1)
    cache = _PrepareCache()
    cache.get(p)
    bad = replace(p, budget={"CDEL": {"2026-27": -1.0}})
    with pytest.raises(MissionFinanceError, match="must be a number ≥ 0"):
        cache.get(bad)
    with pytest.raises(MissionFinanceError, match="not one of"):
        cache.get(replace(p, weights={"no-such-mission": 1.0}))


@pytest.mark.parametrize("seed", range(4))
def test_resolving_random_problems_with_every_family_matches_solve(seed: int) -> None:
    r = Resolver()
    for p in _variants(seed):
        got, ref = r.solve(p), solve(p)
        assert got.status == ref.status
        if ref.ok:
            assert got.objective == pytest.approx(ref.objective, rel=1e-6, abs=1e-9)
    assert r.stats.cold + r.stats.warm + r.stats.delegated == 5
    assert r._use_cache


def test_reprepare_equals_prepare_for_new_weights() -> None:
    p = random_problem(1, families=True)
    q = replace(p, weights={"health": 2.5})
    assert same_prepared_inputs(q, p)
    assert same_data(reprepare(q, prepare(p)), prepare(q))
    assert not same_prepared_inputs(replace(p, projects=p.projects.copy()), p)
    assert Resolver()._use_cache


def test_prepare_cache_keeps_several_projects_frames() -> None:
    p = random_problem(2)
    frames = [p.projects.assign(leverage_loan=p.projects["leverage_loan"] * f)
              for f in (0.8, 1.0, 1.2)]
    problems = [replace(p, projects=f) for f in frames]
    cache = _PrepareCache(size=4)
    for q in problems:
        cache.get(q)
    for q in problems[::-1]:
        assert cache.find(q) is not None
        assert same_data(cache.get(replace(q, weights={"health": 3.0})),
                         prepare(replace(q, weights={"health": 3.0})))
    assert cache.find(replace(p, projects=p.projects.copy())) is None  # identity, not equality
