"""``solve``: validate → build in named blocks → HiGHS → extract, with checked statuses."""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np

from missionfinance._numbers import exact_dot
from missionfinance.errors import MissionFinanceWarning
from missionfinance.model.build import build, share_base_weights
from missionfinance.model.conflict import conflict_frame, conflict_message, scenario_key
from missionfinance.model.explain import LOCAL_FAMILIES, MARGINAL_FAMILIES
from missionfinance.model.highs import (
    HighsRun,
    RawSolution,
    SolverOptions,
    check_scaling,
    highs_version,
)
from missionfinance.model.linear import LinearModel
from missionfinance.model.numerics import binding_mask
from missionfinance.model.problem import AllocationProblem, ProblemData, prepare
from missionfinance.model.result import (
    AllocationResult,
    ResultParts,
    clean_values,
    extract,
    failed,
    fill_private,
    prepare_result,
    share_rows,
)
from missionfinance.model.sanity import empty_warning, input_warnings
from missionfinance.model.status import Status

_BOUND = {0: "null", 1: "free", 2: "lower", 3: "upper", 4: "boxed"}


def solver_record(options: SolverOptions, algorithm: str, raw: RawSolution | None = None,
                  seconds: dict[str, float] | None = None, scaled: bool = False,
                  ) -> dict[str, Any]:
    """The ``solver`` dict of a result: name, version, algorithm, options, timings."""
    rec: dict[str, Any] = {"name": "HiGHS", "version": highs_version(), "algorithm": algorithm,
                           "options": options.as_dict(), "scaled": scaled}
    if raw is not None:
        rec["model_status"] = raw.model_status
        rec["iterations"] = raw.iterations
        rec["mip"] = raw.mip
    if seconds is not None:
        rec["seconds"] = seconds
    return rec


def share_resolves(run: HighsRun, model: LinearModel, d: ProblemData, raw: RawSolution,
                   options: SolverOptions) -> dict[int, float]:
    """Objective change when each binding share row is relaxed by 1 percentage point.

    Share rows are the regional, instrument mix and mission share bounds; each change is
    found by re-solving (same size limit as the marginal re-solves). A min/floor row's
    coefficients rise by 0.01 w_j, a max/ceiling row's fall by 0.01 w_j (w from
    :func:`~missionfinance.model.build.share_base_weights`).
    """
    want = options.marginal_private
    if want is None:
        want = model.n_cols <= 50_000
    if not want or raw.mip or len(raw.row_dual) != model.n_rows:
        return {}
    meta = model.row_meta
    lhs = model.matrix() @ raw.col_value
    up, lo = model.row_upper, model.row_lower
    tight = binding_mask(lhs, lo, up)
    base = exact_dot(model.cost, raw.col_value)
    x0 = model.groups["x"].start
    out: dict[int, float] = {}
    fam = meta["family"].to_numpy()
    names = meta["name"].to_numpy(dtype=object).astype(str)
    missions = meta["mission"].to_numpy(dtype=object) if "mission" in meta else \
        np.full(len(meta), "", dtype=object)
    for r in share_rows(meta):
        if not tight[r]:
            continue
        w = share_base_weights(d, str(fam[r]), str(names[r]), str(missions[r] or ""))
        j = np.flatnonzero(w)
        is_min = np.isfinite(lo[r]) and not np.isfinite(up[r])
        got = run.resolve_with_coeffs(int(r), x0 + j, (0.01 if is_min else -0.01) * w[j])
        if got is not None:
            out[int(r)] = got - base
    return out


def marginal_private(run: HighsRun, model: LinearModel, d: ProblemData,
                      problem: AllocationProblem, raw: RawSolution,
                      options: SolverOptions) -> dict[int, float]:
    """Private money added per £1m more headroom on each binding shared row (re-solves)."""
    want = options.marginal_private
    if want is None:
        want = model.n_cols <= 50_000
    if not want or raw.mip:
        return {}
    meta = model.row_meta
    fam = meta["family"].to_numpy()
    lhs = model.matrix() @ raw.col_value
    tight = binding_mask(lhs, model.row_lower, model.row_upper)
    rows = np.flatnonzero(np.isin(fam, list(MARGINAL_FAMILIES)) & tight)
    if rows.size == 0:
        return {}
    gy = model.groups["y"]
    base = fill_private(d, model, problem, clean_values(raw.col_value, model))[gy.slice].sum()
    sols = run.resolve_with_rows(rows, 1.0)
    out: dict[int, float] = {}
    for k, r in enumerate(rows):
        if sols is None or not np.all(np.isfinite(sols[k])):
            continue
        v = fill_private(d, model, problem, clean_values(sols[k], model))
        out[int(r)] = float(v[gy.slice].sum() - base)
    return out


def solve(problem: AllocationProblem, options: SolverOptions | None = None,
          beside: Callable[[], None] | None = None) -> AllocationResult:
    """Solve the allocation LP (or MIP, with the integer features) of ``problem``.

    Parameters
    ----------
    problem : AllocationProblem
        The inputs; validated first (a bad input raises MissionFinanceError).
    options : SolverOptions, optional
        Algorithm, threads, seed, time limit, tolerances. Defaults are deterministic.
    beside : callable, optional
        Work that does not depend on the allocation, called once while HiGHS solves the
        model in a worker thread (:func:`~missionfinance.model.highs.run_beside`), so it
        costs no wall time on a second core. Not called when the inputs do not validate.
        With it, the parts of the result that do not depend on the solution
        (:func:`~missionfinance.model.result.prepare_result`) are made then too; the
        result is the same.

    Returns
    -------
    AllocationResult
        ``status`` says whether the answer is optimal; never raises on an infeasible,
        unbounded or time-limited model.
    """
    options = options or problem.solver or SolverOptions()
    t0 = time.perf_counter()
    d = prepare(problem)
    notes = input_warnings(problem, d)
    for note in notes:
        warnings.warn(MissionFinanceWarning(f"{problem.context}: {note}"), stacklevel=2)
    model, _defaults = build(problem, d)
    a = model.csc()  # numpy arrays: SciPy is imported while HiGHS solves
    check_scaling(model, a)
    t1 = time.perf_counter()
    run = HighsRun(model, options, a)
    parts: list[ResultParts] = []

    def prepare_and_beside() -> None:  # what reading the solution needs, made meanwhile
        try:
            parts.append(prepare_result(problem, d, model))
        except Exception:  # made again, and any error raised, by extract (if it is reached)
            pass
        if beside is not None:
            beside()

    raw = run.run(beside=None if beside is None else prepare_and_beside)
    t2 = time.perf_counter()
    if raw.status == Status.OPTIMAL and model.integrality.any():
        values = raw.col_value
        fixed = run.fixed_lp(values)
        if fixed.status == Status.OPTIMAL:
            raw = replace(fixed, mip=True)
        else:
            raw = replace(raw, mip=True, row_dual=np.full(model.n_rows, np.nan),
                          col_dual=np.full(model.n_cols, np.nan))
    seconds = {"build": t1 - t0, "solve": t2 - t1}
    if raw.status != Status.OPTIMAL:
        rec = solver_record(options, run.algorithm, raw, seconds, run.scaled)
        conflict = conflict_frame(problem, model, raw) if raw.status == Status.INFEASIBLE else None
        msg = raw.message
        if conflict is not None and len(conflict):
            msg = conflict_message(conflict)
        elif raw.status == Status.UNBOUNDED:
            msg = "unbounded: " + _unbounded_cause(problem, d) + "; " + raw.message
        elif raw.status == Status.TIME_LIMIT:
            msg = f"time limit of {options.time_limit} s reached; " + raw.message
        out = failed(problem, raw.status, msg, rec, conflict)
        if notes:
            out.summary["warnings"] = notes
        return out
    marginal = marginal_private(run, model, d, problem, raw, options)
    share_gain = share_resolves(run, model, d, raw, options)
    t3 = time.perf_counter()
    seconds["marginal"] = t3 - t2
    result = extract(problem, d, model, raw, {}, marginal, share_gain,
                     parts[0] if parts else None)
    seconds["extract"] = time.perf_counter() - t3
    rec = solver_record(options, run.algorithm, raw, seconds, run.scaled)
    committed = float(result.summary["public_total"] + result.summary["guarantee_total"])
    if committed <= 1e-9 and len(d.project_ids):
        b = result.constraints
        keys = [scenario_key(str(n), problem)[0] for n in
                b.loc[b["binding"] & ~b["family"].isin(list(LOCAL_FAMILIES)), "name"]]
        note = empty_warning(problem, committed, keys)
        warnings.warn(MissionFinanceWarning(f"{problem.context}: {note}"), stacklevel=2)
        notes = [*notes, note]
    if notes:
        result.summary["warnings"] = notes
    return replace(result, solver=rec)


def _unbounded_cause(problem: AllocationProblem, d: ProblemData) -> str:
    """Why an allocation can grow without limit, in the scenario's words.

    A guarantee is not public cash: nothing but the lending it covers (the project's
    private money) and the exposure limit bounds it. With no private capacity, no financing
    plan and a year without an exposure limit, its face value and the private money it
    covers grow together.
    """
    guaranteed = np.unique(d.xp[~d.cash[d.xi]])
    open_ended = guaranteed[~np.isfinite(d.private_capacity[guaranteed])]
    uncapped = (not problem.enabled("exposure")
                or any(y not in problem.exposure for y in problem.years))
    if open_ended.size and uncapped and not (problem.financing_plan
                                             and problem.enabled("private_capacity")):
        ids = [str(i) for i in d.project_ids[open_ended[:3]]]
        more = f" and {open_ended.size - 3} more" if open_ended.size > 3 else ""
        return (f"the guarantees of {', '.join(ids)}{more} have no limit (no private_capacity, "
                "and no exposure limit in every year): give those projects a "
                "private_capacity, set [exposure] for every year, or adopt [constraints] "
                "financing_plan = true")
    return ("some family that limits the allocation is switched off (capacity, budget or "
            "crowding in)")
