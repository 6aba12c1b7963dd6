"""Assertions and a small real run for users' own pipelines and tests.

- :func:`make_run` — a small scenario written to a folder, tagged and solved: a real
  :class:`~missionfinance.scenario.RunResult` for tests of what reads a run (the report,
  the figures).
- :func:`assert_frame_equal_unordered` — two frames hold the same rows, whatever their order.
- :func:`assert_allocation_feasible` — an allocation respects the core limits of DESIGN §4
  (capacity, year windows, eligibility, control totals with expected-loss charges, exposure
  stock, crowding in and private capacity), checked directly from the problem's data,
  independently of how the model was built.

The assertions raise ``AssertionError`` with a message naming the first violation.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from missionfinance._fs import write_file
from missionfinance.scenario import RunResult, Scenario

#: The horizon of :func:`make_run`.
MAKE_RUN_YEARS = ("2026-27", "2027-28", "2028-29")

_MAKE_RUN_TOML = """\
[scenario]
name = "SR2025 test"
years = ["2026-27", "2027-28", "2028-29"]
attribution = "net"

[inputs]
missions = "builtin:uk"
rules = "builtin:uk"
pipeline = "data/pipeline.csv"
lines = "data/lines.csv"

[instruments.grant]
budget_score = { CDEL = 1.0 }
[instruments.loan]
budget_score = { FT = 1.0 }
expected_loss_to = "RDEL"
[instruments.guarantee]
budget_score = {}
expected_loss_to = "RDEL"
exposure = true

[budget.CDEL]
"2026-27" = 120.0
"2027-28" = 130.0
"2028-29" = 140.0
[budget.FT]
"2026-27" = 80.0

[exposure]
"2026-27" = 500.0
"2027-28" = 500.0
"2028-29" = 500.0

[constraints]
even_drawdown = true
financing_plan = true
"""

#: (description, COFOG) of the projects of :func:`make_run`, in turn: each is tagged by
#: the built-in UK rules; every fifth matches no rule.
_PROJECTS = (
    ("Offshore wind port upgrade and grid connection", "04.3"),
    ("Community diagnostic centre with imaging and scanning", "07.3"),
    ("Neighbourhood policing technology and body-worn video", "03.1"),
    ("Apprenticeships and adult skills training centre", "09.4"),
    ("Office refurbishment", ""),
)

_LINES_CSV = """\
line_id,source,department,description,amount,year,budget_type,cofog,cpv
SR-1,spending_review,DESNZ,Offshore wind grid connection,100,2026-27,CDEL,04.3,09310000
SR-2,spending_review,DfT,Road building,250,2026-27,CDEL,04.5,
SR-3,spending_review,DHSC,Diagnostic imaging,80,2026-27,CDEL,07.3,
SR-4,spending_review,DfE,Office rent,40,2026-27,RDEL,,
"""


def make_run(
    folder: str | Path,
    n_projects: int = 6,
    *,
    names: Sequence[str] | None = None,
    ids: Sequence[str] | None = None,
    departments: Sequence[str] | None = None,
    infeasible: bool = False,
    seed: int = 7,
) -> RunResult:
    """A small real run: a scenario written under ``folder``, tagged and solved.

    The folder gets ``scenario.toml`` (three years, grant, loan and guarantee, CDEL and FT
    limits, an exposure limit), ``data/pipeline.csv`` (``n_projects`` projects with seeded
    capacities [£m] and additionality) and ``data/lines.csv`` (four baseline lines), and
    :meth:`Scenario.run` does the rest: the built-in rules tag both, the model solves.

    Parameters
    ----------
    folder : path
        Where the scenario and its inputs are written (created if needed).
    n_projects : int
        Projects in the pipeline.
    names, ids, departments : sequences of str, optional
        Project names, ids and owning departments (cycled), e.g. hostile text for tests.
    infeasible : bool
        Add a health mission floor no pipeline can meet: the run is infeasible, with a
        conflict set.
    seed : int
        Seed of the capacities and additionality.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     run = make_run(d, n_projects=5)
    >>> run.status, len(run.pipeline)
    ('optimal', 5)
    """
    root = Path(folder)
    (root / "data").mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    ids = list(ids) if ids is not None else [f"P{i:05d}" for i in range(1, n_projects + 1)]
    names = list(names) if names is not None else [f"Project {i}" for i in range(1, n_projects + 1)]
    departments = list(departments or ["DESNZ", "DfT", "DHSC", "DfE", "Home Office", "DSIT"])
    regions = ["North East", "North West", "Yorkshire and The Humber", "London", "Wales",
               "Scotland"]
    kinds = [_PROJECTS[i % len(_PROJECTS)] for i in range(n_projects)]
    pipeline = pd.DataFrame({
        "project_id": ids[:n_projects],
        "name": names[:n_projects],
        "description": [d for d, _ in kinds],
        "department": [departments[i % len(departments)] for i in range(n_projects)],
        "region": [regions[(i * 5) % len(regions)] for i in range(n_projects)],
        "cofog": [c for _, c in kinds],
        "cpv": "",
        "capacity": np.round(rng.uniform(10, 60, n_projects), 1),
        "private_capacity": "",
        "instruments": "grant;guarantee;loan",
        "leverage_grant": 0.5,
        "leverage_loan": 1.5,
        "leverage_guarantee": 4.0,
        "pd": 0.04,
        "lgd": 0.45,
        "additionality": np.round(rng.uniform(0.5, 1.0, n_projects), 2),
        "start_year": MAKE_RUN_YEARS[0],
        "end_year": MAKE_RUN_YEARS[-1],
    })
    # written atomically: two processes making the same run in one folder never read a
    # half-written file
    write_file(root / "data" / "pipeline.csv",
               pipeline.to_csv(index=False, lineterminator="\n").encode("utf-8"))
    write_file(root / "data" / "lines.csv", _LINES_CSV.encode("utf-8"))
    text = _MAKE_RUN_TOML
    if infeasible:
        text += "\n[constraints.mission_floor]\nhealth = 100000.0\n"
    path = root / "scenario.toml"
    write_file(path, text.encode("utf-8"))
    return Scenario.load(path).run()


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
    window; public cash Σ_{i cash, t} x_pit ≤ capacity (a guarantee is not cash); each given
    control total per year, including the
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

    cash = alloc[[not problem.instruments[i].contingent for i in alloc["instrument"]]]
    per_project = cash.groupby("project_id")["public"].sum()
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
