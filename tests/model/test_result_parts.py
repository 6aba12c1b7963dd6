"""The parts of a result made before the solve give the result made after it, exactly."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from missionfinance.model.result import _best_columns, extract, prepare_result
from tests.model.conftest import hand_problem
from tests.model.random_problems import random_problem
from tests.model.solve_hooks import extract_args


def _lexsort_best(xp: np.ndarray, total: np.ndarray) -> np.ndarray:
    order = np.lexsort((-total, xp))
    first = np.ones(len(order), dtype=bool)
    first[1:] = xp[order][1:] != xp[order][:-1]
    return order[first]


@pytest.mark.parametrize("seed", range(6))
def test_best_columns_are_the_first_largest_of_each_project(seed: int) -> None:
    rng = np.random.default_rng(seed)
    xp = np.sort(rng.integers(0, 40, 300))
    total = np.round(rng.normal(size=300), 1)  # many ties
    total[rng.random(300) < 0.1] = np.nan
    total[xp == xp[0]] = np.nan  # a project with no number at all
    total[rng.random(300) < 0.05] = -0.0
    np.testing.assert_array_equal(_best_columns(xp, total), _lexsort_best(xp, total))
    shuffled = rng.permutation(300)  # columns not grouped by project: the sort
    np.testing.assert_array_equal(_best_columns(xp[shuffled], total[shuffled]),
                                  _lexsort_best(xp[shuffled], total[shuffled]))


def _frames(result):  # type: ignore[no-untyped-def]
    return (result.allocation, result.projects, result.constraints, result.missions,
            result.leverage)


@pytest.mark.parametrize("problem", [hand_problem(), random_problem(3, n=30),
                                     random_problem(7, n=30, cvar=True)],
                         ids=["hand", "random", "random-cvar"])
def test_extract_is_the_same_with_the_parts_made_before(problem) -> None:  # type: ignore[no-untyped-def]
    problem_, d, model, raw, solver, marginal, share_gain = extract_args(problem)[0][:7]
    plain = extract(problem_, d, model, raw, solver, marginal, share_gain)
    parts = prepare_result(problem_, d, model)
    assert parts.words is not None and len(parts.words.lead) == model.n_rows
    prepared = extract(problem_, d, model, raw, solver, marginal, share_gain, parts)
    for a, b in zip(_frames(plain), _frames(prepared), strict=True):
        pd.testing.assert_frame_equal(a, b, check_exact=True)
        assert a.to_csv() == b.to_csv()
    assert plain.summary == prepared.summary
    for name in ("public", "private", "budget_cost", "economic_cost"):
        np.testing.assert_array_equal(plain._dataset.data_vars[name][1],  # type: ignore[union-attr]
                                      prepared._dataset.data_vars[name][1])  # type: ignore[union-attr]
