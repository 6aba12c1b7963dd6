"""``solve``: validate → build in named blocks → HiGHS → extract, with checked statuses."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from missionfinance.model.build import build
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
    clean_values,
    extract,
    failed,
    fill_private,
)
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


def conflict_frame(model: LinearModel, raw: RawSolution) -> pd.DataFrame:
    """The IIS in the scenario's words: one row per constraint, then per column bound."""
    meta = model.row_meta
    rows = meta.iloc[raw.iis_rows].copy() if raw.iis_rows.size else meta.iloc[0:0].copy()
    rows["bound"] = "row"
    lo, up = model.row_lower[raw.iis_rows], model.row_upper[raw.iis_rows]
    rows["explanation"] = [
        f"{n} ({f}): " + (f"≤ {u:,.6g}" if np.isfinite(u) and not np.isfinite(lw)
                          else f"≥ {lw:,.6g}" if not np.isfinite(u) else f"= {u:,.6g}")
        for n, f, lw, u in zip(rows["name"], rows["family"], lo, up, strict=True)]
    frame = rows.reset_index(drop=True)
    if raw.iis_cols.size:
        labels = model.col_labels()[raw.iis_cols]
        cols = pd.DataFrame({"name": labels, "family": "bounds", "control": "", "year": "",
                             "mission": "", "region": "", "project": "", "bound": "column",
                             "explanation": [f"{lab} ≥ 0" for lab in labels]})
        frame = pd.concat([frame, cols], ignore_index=True)
    return frame


def conflict_message(conflict: pd.DataFrame) -> str:
    """One line naming the conflict: shared rows in full, per-project rows by count."""
    local = conflict["family"].isin(list(LOCAL_FAMILIES | {"bounds"}))
    shared = conflict[~local]
    parts = list(shared["explanation"].head(8))
    if len(shared) > 8:
        parts.append(f"and {len(shared) - 8} more")
    counts = conflict[local].groupby("family", sort=True).size()
    for fam, n in counts.items():
        parts.append(f"{n} {fam} row{'s' if n > 1 else ''} of single projects")
    fams = sorted(set(conflict["family"]))
    return (f"infeasible: {len(conflict)} constraints in conflict (families: "
            f"{', '.join(fams)}): " + "; ".join(parts))


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


def solve(problem: AllocationProblem, options: SolverOptions | None = None) -> AllocationResult:
    """Solve the allocation LP (or MIP, with the integer features) of ``problem``.

    Parameters
    ----------
    problem : AllocationProblem
        The inputs; validated first (a bad input raises MissionFinanceError).
    options : SolverOptions, optional
        Algorithm, threads, seed, time limit, tolerances. Defaults are deterministic.

    Returns
    -------
    AllocationResult
        ``status`` says whether the answer is optimal; never raises on an infeasible,
        unbounded or time-limited model.
    """
    options = options or problem.solver or SolverOptions()
    t0 = time.perf_counter()
    d = prepare(problem)
    model, _defaults = build(problem, d)
    a = model.matrix()
    check_scaling(model, a)
    t1 = time.perf_counter()
    run = HighsRun(model, options, a)
    raw = run.run()
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
        conflict = conflict_frame(model, raw) if raw.status == Status.INFEASIBLE else None
        msg = raw.message
        if conflict is not None and len(conflict):
            msg = conflict_message(conflict)
        elif raw.status == Status.UNBOUNDED:
            msg = ("unbounded: some family that limits the allocation is switched off "
                   "(capacity, budget or crowding in); " + raw.message)
        elif raw.status == Status.TIME_LIMIT:
            msg = f"time limit of {options.time_limit} s reached; " + raw.message
        return failed(problem, raw.status, msg, rec, conflict)
    marginal = marginal_private(run, model, d, problem, raw, options)
    t3 = time.perf_counter()
    seconds["marginal"] = t3 - t2
    result = extract(problem, d, model, raw, {}, marginal)
    seconds["extract"] = time.perf_counter() - t3
    rec = solver_record(options, run.algorithm, raw, seconds, run.scaled)
    return replace(result, solver=rec)
