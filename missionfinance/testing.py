"""Assertions for users' own pipelines and tests.

- :func:`assert_frame_equal_unordered` — two frames hold the same rows, whatever their order.
- :func:`assert_allocation_feasible` — an allocation respects the core limits of DESIGN §4
  (capacity, year windows, eligibility, control totals with expected-loss charges, exposure
  stock, crowding in and private capacity), checked directly from the problem's data,
  independently of how the model was built.

Both raise ``AssertionError`` with a message naming the first violation.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd


def assert_frame_equal_unordered(
    left: pd.DataFrame, right: pd.DataFrame, by: Sequence[str] | None = None, **kwargs: Any
) -> None:
    """Assert two frames hold the same rows up to row order (and the same columns).

    Parameters
    ----------
    left, right : DataFrame
    by : sequence of str, optional
        Columns to sort on (default: every column, in ``left``'s order).
    **kwargs
        Passed to :func:`pandas.testing.assert_frame_equal` (e.g. ``rtol``).

    Examples
    --------
    >>> a = pd.DataFrame({"k": ["x", "y"], "v": [1.0, 2.0]})
    >>> assert_frame_equal_unordered(a, a.iloc[::-1])
    >>> assert_frame_equal_unordered(a, a.assign(v=[1.0, 3.0]))
    Traceback (most recent call last):
    ...
    AssertionError: DataFrame.iloc[:, 1] (column name="v") are different
    <BLANKLINE>
    DataFrame.iloc[:, 1] (column name="v") values are different (50.0 %)
    [index]: [0, 1]
    [left]:  [1.0, 2.0]
    [right]: [1.0, 3.0]
    At positional index 1, first diff: 2.0 != 3.0
    """
    if sorted(left.columns) != sorted(right.columns):
        raise AssertionError(f"columns differ: {sorted(left.columns)} != {sorted(right.columns)}")
    keys = list(by) if by is not None else list(left.columns)
    a = left.sort_values(keys, kind="stable").reset_index(drop=True)
    b = right[list(left.columns)].sort_values(keys, kind="stable").reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b, **kwargs)


def assert_allocation_feasible(result: Any, problem: Any, tol: float = 1e-6) -> None:
    """Assert that ``result`` (an AllocationResult) satisfies ``problem``'s core limits.

    Checked, each to ``tol`` (absolute, £m, scaled by the size of the limit when larger
    than 1): public ≥ 0 and only on eligible instruments within the project's year
    window; Σ_it x_pit ≤ capacity; each given control total per year, including the
    expected loss pd × lgd charged to an instrument's ``expected_loss_to`` control; the
    exposure stock of exposure instruments ≤ G_t (with the problem's run-off, if any); private per
    project ≤ Σ leverage × public and ≤ private capacity.
    """
    if result.status.value != "optimal":
        raise AssertionError(f"the allocation is not optimal: {result.status.value}")
    alloc = result.allocation
    projects = problem.projects.set_index("project_id")
    years = list(problem.years)

    def close(lhs: float, limit: float, what: str) -> None:
        if lhs > limit + tol * max(1.0, abs(limit)):
            raise AssertionError(f"{what}: {lhs:.9g} exceeds {limit:.9g}")

    if (alloc["public"] < -tol).any():
        raise AssertionError("negative public finance in the allocation")
    for row in alloc.itertuples(index=False):
        p = projects.loc[row.project_id]
        eligible = str(p["instruments"]).split(";")
        if row.instrument not in eligible:
            raise AssertionError(f"{row.project_id}: {row.instrument} is not eligible")
        t = years.index(row.year)
        if not years.index(p["start_year"]) <= t <= years.index(p["end_year"]):
            raise AssertionError(f"{row.project_id}: money in {row.year}, outside its window")

    per_project = alloc.groupby("project_id")["public"].sum()
    for pid, total in per_project.items():
        close(float(total), float(projects.loc[pid, "capacity"]), f"capacity of {pid}")

    el = (projects["pd"] * projects["lgd"]).reindex(alloc["project_id"]).to_numpy()
    for control, by_year in problem.budget.items():
        score = np.array([problem.instruments[i].budget_score.get(control, 0.0) for i in alloc["instrument"]])
        loss = np.array([problem.instruments[i].expected_loss_to == control for i in alloc["instrument"]])
        use = alloc["public"].to_numpy() * (score + el * loss)
        by = pd.Series(use).groupby(alloc["year"].to_numpy()).sum()
        for year, limit in by_year.items():
            close(float(by.get(year, 0.0)), float(limit), f"control {control} in {year}")

    if problem.exposure:
        exposed = alloc[[problem.instruments[i].exposure for i in alloc["instrument"]]]
        flows = exposed.groupby("year")["public"].sum().reindex(years, fill_value=0.0).to_numpy()
        keep = 1.0 - float(getattr(problem, "exposure_runoff", 0.0) or 0.0)
        stock = np.zeros(len(years))
        for t in range(len(years)):  # a loop over the few years of the horizon
            stock[t] = flows[t] + (keep * stock[t - 1] if t else 0.0)
        for year, limit in problem.exposure.items():
            close(float(stock[years.index(year)]), float(limit), f"exposure stock at the end of {year}")

    lev = np.array([
        float(projects.loc[r.project_id, f"leverage_{r.instrument}"]) for r in alloc.itertuples(index=False)
    ]) if len(alloc) else np.zeros(0)
    crowd = pd.Series(alloc["public"].to_numpy() * lev).groupby(alloc["project_id"].to_numpy()).sum()
    private = alloc.groupby("project_id")["private"].sum()
    for pid, y in private.items():
        close(float(y), float(crowd.get(pid, 0.0)), f"private money crowded in by {pid}")
        cap = projects.loc[pid, "private_capacity"]
        if pd.notna(cap):
            close(float(y), float(cap), f"private capacity of {pid}")
