"""The extensible backend: the same model as a pyomo ``ConcreteModel``, for analysts.

:func:`to_pyomo` builds the very :class:`~missionfinance.model.linear.LinearModel` that
:func:`~missionfinance.model.solve` hands to highspy, and writes it as pyomo components
with the same names: variables ``x[project, instrument, year]``, ``y[project]`` (and
``z``, ``at_risk``, ``cvar_threshold``, ``cvar_tail``, ``shortfall``, ``funded`` when their
families are on, indexed by their labels), one ``Constraint`` per family (``budget``,
``capacity``, ``crowding_in``, …) indexed by the row name (``"budget[CDEL,2026-27]"``)
and the objective ``objective``. An analyst adds a constraint of their own, then calls
:func:`solve_pyomo`, which solves with pyomo's HiGHS interface and returns the same
:class:`~missionfinance.model.AllocationResult`; the analyst's constraints appear in
``result.constraints`` with family ``"user"``.

Example
-------
>>> import pyomo.environ as pyo                                  # doctest: +SKIP
>>> pm = to_pyomo(problem)                                       # doctest: +SKIP
>>> pm.my_cap = pyo.Constraint(expr=pm.x["P1", "grant", "2026-27"] <= 10)  # doctest: +SKIP
>>> result = solve_pyomo(pm)                                     # doctest: +SKIP
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
import pyomo.environ as pyo
from pyomo.core.expr.numeric_expr import LinearExpression

from missionfinance.model.build import build
from missionfinance.model.highs import RawSolution, SolverOptions
from missionfinance.model.linear import LinearModel
from missionfinance.model.numerics import binding_mask
from missionfinance.model.problem import AllocationProblem, ProblemData, prepare
from missionfinance.model.result import AllocationResult, extract, failed
from missionfinance.model.status import Status


def _index_keys(model: LinearModel, d: ProblemData, name: str) -> list[Any]:
    g = model.groups[name]
    if name == "x":
        ids, inst, yrs = d.project_ids, d.instruments, d.years
        return [(str(ids[p]), inst[i], yrs[t]) for p, i, t in zip(d.xp, d.xi, d.xt,
                                                                    strict=True)]
    if name in ("y", "funded"):
        return [str(p) for p in d.project_ids]
    return [str(s) for s in g.labels()]


def to_pyomo(problem: AllocationProblem) -> pyo.ConcreteModel:
    """The allocation model as a pyomo ``ConcreteModel`` with the fast path's names.

    Parameters
    ----------
    problem : AllocationProblem
        The inputs, validated as by :func:`~missionfinance.model.solve`.

    Returns
    -------
    pyomo.environ.ConcreteModel
        Variables per group, one Constraint per family indexed by row name, objective
        ``objective``. The model keeps the problem and the matrix it was built from.
    """
    d = prepare(problem)
    model, _ = build(problem, d)
    a = model.matrix().tocsr()
    pm = pyo.ConcreteModel(name=problem.context)
    lower, upper, integ = model.col_lower, model.col_upper, model.integrality
    cols: list[Any] = []
    for name, g in model.groups.items():
        keys = _index_keys(model, d, name)
        sl = slice(g.start, g.start + g.n)
        lo = dict(zip(keys, lower[sl], strict=True))
        up = dict(zip(keys, upper[sl], strict=True))
        domain = pyo.Binary if integ[sl].any() else pyo.Reals
        var = pyo.Var(keys, domain=domain, dense=True,
                      bounds=lambda _m, *k, lo=lo, up=up: (
                          _finite(lo[k if len(k) > 1 else k[0]]),
                          _finite(up[k if len(k) > 1 else k[0]])))
        pm.add_component(name, var)
        cols.extend(var[k] for k in keys)
    meta = model.row_meta
    rows: list[Any] = []
    rl, ru = model.row_lower, model.row_upper
    for block in model.blocks:
        names = meta["name"].iloc[block.start:block.start + block.n].tolist()
        comp_name = block.family
        if pm.component(comp_name) is not None:
            comp = pm.component(comp_name)
            start_new = False
        else:
            comp = pyo.Constraint(pyo.Any)
            pm.add_component(comp_name, comp)
            start_new = True
        del start_new
        for k, r in enumerate(range(block.start, block.start + block.n)):
            lo_, hi_ = a.indptr[r], a.indptr[r + 1]
            expr = LinearExpression(constant=0.0, linear_coefs=a.data[lo_:hi_].tolist(),
                                    linear_vars=[cols[j] for j in a.indices[lo_:hi_]])
            comp[names[k]] = (_finite(rl[r]), expr, _finite(ru[r]))
            rows.append(comp[names[k]])
    cost = model.cost
    nz = np.flatnonzero(cost)
    pm.objective = pyo.Objective(
        expr=LinearExpression(constant=0.0, linear_coefs=cost[nz].tolist(),
                              linear_vars=[cols[j] for j in nz]),
        sense=pyo.maximize if model.sense == "max" else pyo.minimize)
    pm._mf = {"problem": problem, "data": d, "model": model, "cols": cols, "rows": rows}
    return pm


def _finite(v: float) -> float | None:
    return float(v) if math.isfinite(v) else None


_TERMINATION = {
    "convergenceCriteriaSatisfied": Status.OPTIMAL,
    "provenInfeasible": Status.INFEASIBLE,
    "locallyInfeasible": Status.INFEASIBLE,
    "unbounded": Status.UNBOUNDED,
    "maxTimeLimit": Status.TIME_LIMIT,
    "iterationLimit": Status.TIME_LIMIT,
}


def solve_pyomo(pm: pyo.ConcreteModel, options: SolverOptions | None = None,
                ) -> AllocationResult:
    """Solve a model from :func:`to_pyomo` (possibly extended) with pyomo's HiGHS interface.

    The result is the same :class:`~missionfinance.model.AllocationResult` as
    :func:`~missionfinance.model.solve` gives, with the analyst's own constraints as rows of
    family ``"user"``. pyomo reports success as ``convergenceCriteriaSatisfied``; anything
    else maps to the matching status and is never reported as optimal. The IIS of an
    infeasible model is only available through :func:`~missionfinance.model.solve`.
    """
    from pyomo.contrib.solver.common.factory import SolverFactory

    info = pm._mf
    problem: AllocationProblem = info["problem"]
    d: ProblemData = info["data"]
    model: LinearModel = info["model"]
    options = options or problem.solver or SolverOptions()
    solver = SolverFactory("highs")
    algorithm = "simplex" if options.algorithm == "auto" else options.algorithm
    solver_options = {"solver": algorithm, "random_seed": options.seed,
                      "primal_feasibility_tolerance": options.primal_tolerance,
                      "dual_feasibility_tolerance": options.dual_tolerance,
                      "ipm_optimality_tolerance": options.ipm_tolerance}
    if algorithm == "ipm":
        solver_options["run_crossover"] = "on" if options.crossover else "off"
    kwargs: dict[str, Any] = {"load_solutions": False,
                              "raise_exception_on_nonoptimal_result": False,
                              "threads": options.threads, "solver_options": solver_options}
    if math.isfinite(options.time_limit):
        kwargs["time_limit"] = options.time_limit
    res = solver.solve(pm, **kwargs)
    term = getattr(res.termination_condition, "name", str(res.termination_condition))
    status = _TERMINATION.get(term, Status.ERROR)
    record = {"name": "HiGHS", "interface": "pyomo.contrib.solver highs",
              "version": ".".join(str(v) for v in solver.version()), "algorithm": algorithm,
              "options": options.as_dict(), "termination_condition": term}
    if status != Status.OPTIMAL:
        return failed(problem, status, f"pyomo termination condition: {term}", record)
    res.solution_loader.load_vars()
    values = res.solution_loader.get_vars()
    cols = info["cols"]
    col_value = np.array([values[v] for v in cols], dtype=np.float64)
    mip = bool(model.integrality.any())
    duals: dict[Any, float] = {}
    if mip:
        row_dual = np.full(model.n_rows, np.nan)
    else:
        duals = res.solution_loader.get_duals()
        row_dual = np.array([duals.get(c, 0.0) for c in info["rows"]], dtype=np.float64)
    raw = RawSolution(Status.OPTIMAL, term, col_value=col_value, row_dual=row_dual,
                      model_status=term, mip=mip)
    result = extract(problem, d, model, raw, record)
    user = _user_rows(pm, info, duals)
    if len(user):
        cons = pd.concat([result.constraints, user], ignore_index=True)
        result = _replace(result, constraints=cons)
    return _replace(result, solver=record)


def _replace(result: AllocationResult, **kw: Any) -> AllocationResult:
    return replace(result, **kw)


def _user_rows(pm: pyo.ConcreteModel, info: dict[str, Any], duals: dict[Any, float],
               ) -> pd.DataFrame:
    """The analyst's own constraints: activity, bounds, slack and dual."""
    ours = {id(c) for c in info["rows"]}
    out = []
    for con in pm.component_data_objects(pyo.Constraint, active=True):
        if id(con) in ours:
            continue
        lhs = float(pyo.value(con.body))
        lo = -np.inf if con.lower is None else float(pyo.value(con.lower))
        up = np.inf if con.upper is None else float(pyo.value(con.upper))
        slack = min(up - lhs, lhs - lo)
        out.append({"name": con.name, "family": "user", "control": "", "year": "",
                    "mission": "", "region": "", "project": "", "lhs": lhs, "lower": lo,
                    "upper": up, "rhs": up if up - lhs <= lhs - lo else lo, "slack": slack,
                    "binding": bool(binding_mask(np.array([lhs]), np.array([lo]),
                                                 np.array([up]))[0]),
                    "dual": float(duals.get(con, np.nan)), "marginal_private": np.nan,
                    "explanation": "analyst's constraint"})
    return pd.DataFrame(out)
