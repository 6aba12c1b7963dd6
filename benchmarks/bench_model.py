"""Benchmark of the allocation model: end to end against HiGHS's own solve of the same matrix.

Each case runs in its own Python process (HiGHS fixes its thread pool per process, and
peak memory is measured per process with ``resource.getrusage``). A case:

1. generates a synthetic pipeline (pandas frames) of N projects × 4 instruments × 5 years
   with 5 missions, seeded;
2. times ``solve(problem)`` end to end (frames in → xarray result out), with its parts;
3. builds the same matrix and hands it to highspy directly (``passModel``, no scaling, the
   same algorithm and options), timing HiGHS's own ``run()`` in the same process;
4. optionally times the pyomo view's build (``to_pyomo``) and the same LP in linopy.

Usage::

    .venv/bin/python benchmarks/bench_model.py                  # 1k and 10k, ± CVaR
    .venv/bin/python benchmarks/bench_model.py --sizes 100000   # the big one
    .venv/bin/python benchmarks/bench_model.py --case 10000 --cvar 500 --algorithm simplex
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from missionfinance.instruments import DEFAULT_INSTRUMENTS  # noqa: E402
from missionfinance.model import AllocationProblem, CvarLimit, SolverOptions, solve  # noqa: E402

YEARS = ("2026-27", "2027-28", "2028-29", "2029-30", "2030-31")
MISSIONS = ("growth", "clean-energy", "safer-streets", "opportunity", "health")
REGIONS = ("London", "South East", "North East", "North West", "Scotland", "Wales",
           "West Midlands", "South West")


def synthetic(n: int, cvar: int = 0, seed: int = 42) -> AllocationProblem:
    """A synthetic pipeline of ``n`` projects with budgets that bind (about a fifth of
    the capacity per control and year)."""
    rng = np.random.default_rng(seed)
    names = list(DEFAULT_INSTRUMENTS)
    elig = rng.random((n, 4)) < 0.55
    elig[np.arange(n), rng.integers(0, 4, n)] = True
    lev_mean = np.array([0.6, 2.0, 2.5, 1.4])
    lev = np.where(elig, np.round(rng.gamma(2.0, lev_mean / 2.0, (n, 4)), 3), np.nan)
    # a guarantee's leverage is lending per £ of cover, 1 / cover (cover 50–90%)
    lev[:, 3] = np.where(elig[:, 3], np.round(1.0 / rng.uniform(0.5, 0.9, n), 3), np.nan)
    start = rng.integers(0, 5, n)
    end = np.minimum(4, start + rng.integers(0, 5, n))
    cap = np.round(rng.lognormal(3.0, 1.2, n), 3)
    frame = pd.DataFrame({
        "project_id": [f"PRJ-{k:06d}" for k in range(n)],
        "name": [f"Project {k}" for k in range(n)],
        "department": rng.choice(["DESNZ", "DHSC", "DfE", "HO", "DBT"], n),
        "region": rng.choice(REGIONS, n),
        "capacity": cap,
        "private_capacity": np.where(rng.random(n) < 0.5, np.nan, np.round(cap * 2.0, 3)),
        "instruments": [";".join(x for x, e in zip(names, row, strict=True) if e)
                        for row in elig],
        "pd": np.round(rng.beta(1.2, 20.0, n), 4),
        "lgd": np.round(rng.uniform(0.3, 0.7, n), 3),
        "additionality": np.round(rng.uniform(0.3, 1.0, n), 3),
        "start_year": [YEARS[k] for k in start],
        "end_year": [YEARS[k] for k in end],
    })
    for k, name in enumerate(names):
        frame[f"leverage_{name}"] = lev[:, k]
    contrib = pd.DataFrame(np.round(rng.uniform(0, 1, (n, 5)), 3)
                           * (rng.random((n, 5)) < 0.35), index=frame["project_id"],
                           columns=list(MISSIONS))
    contrib = contrib.div(np.maximum(1.0, contrib.sum(axis=1)), axis=0)  # net: shares ≤ 1
    total = float(cap.sum())
    budget = {"CDEL": {y: 0.05 * total for y in YEARS}, "FT": {y: 0.06 * total for y in YEARS},
              "RDEL": {y: 0.004 * total for y in YEARS}}
    kw: dict[str, object] = {}
    if cvar:
        kw["cvar"] = CvarLimit(alpha=0.95, limit=0.01 * total, scenarios=cvar, rho=0.2, seed=7)
    return AllocationProblem(
        years=YEARS, projects=frame, contributions=contrib, missions=MISSIONS,
        instruments=dict(DEFAULT_INSTRUMENTS), budget=budget,
        exposure={y: 0.1 * total for y in YEARS}, weights={"health": 1.5}, **kw)  # type: ignore[arg-type]


def highs_own(problem: AllocationProblem, options: SolverOptions) -> dict[str, float]:
    """HiGHS's own time on the same matrix handed to highspy directly (no scaling)."""
    import highspy

    from missionfinance.model.build import build
    from missionfinance.model.highs import _new_highs, choose_algorithm
    from missionfinance.model.problem import prepare

    d = prepare(problem)
    m, _ = build(problem, d)
    a = m.matrix()
    algorithm = choose_algorithm(m, options)
    h = _new_highs(options, algorithm)
    sense = highspy.ObjSense.kMaximize if m.sense == "max" else highspy.ObjSense.kMinimize
    t0 = time.perf_counter()
    h.passModel(int(m.n_cols), int(m.n_rows), int(a.nnz), int(highspy.MatrixFormat.kColwise),
                int(sense), 0.0, m.cost, m.col_lower, m.col_upper, m.row_lower, m.row_upper,
                a.indptr.astype(np.int32), a.indices.astype(np.int32), a.data,
                m.integrality)
    t1 = time.perf_counter()
    h.run()
    t2 = time.perf_counter()
    return {"highs_pass": t1 - t0, "highs_run": t2 - t1,
            "highs_status": h.modelStatusToString(h.getModelStatus()),
            "highs_objective": h.getInfo().objective_function_value,
            "rows": int(m.n_rows), "cols": int(m.n_cols), "nnz": int(a.nnz)}


def linopy_time(problem: AllocationProblem, options: SolverOptions) -> dict[str, object]:
    """The same LP written in linopy from the same arrays, one constraint per family, solved.

    Each family's rows become one linopy constraint whose terms are padded to the widest
    row of that family only (a budget row holds thousands of terms, a capacity row a few),
    so memory stays proportional to the non-zeros.
    """
    import linopy
    import xarray as xr

    from missionfinance.model.build import build
    from missionfinance.model.problem import prepare

    t0 = time.perf_counter()
    d = prepare(problem)
    m, _ = build(problem, d)
    a = m.matrix().tocsr()
    lm = linopy.Model()
    x = lm.add_variables(lower=xr.DataArray(m.col_lower, dims="col"),
                         upper=xr.DataArray(m.col_upper, dims="col"), name="v")
    up_all, lo_all = m.row_upper, m.row_lower
    for k, block in enumerate(m.blocks):
        sub = a[block.start:block.start + block.n]
        nnz_row = np.diff(sub.indptr)
        width = max(1, int(nnz_row.max()) if len(nnz_row) else 1)
        coef = np.zeros((block.n, width))
        var = np.full((block.n, width), -1, dtype=np.int64)
        pos = np.arange(sub.nnz) - np.repeat(sub.indptr[:-1], nnz_row)
        rows = np.repeat(np.arange(block.n), nnz_row)
        coef[rows, pos] = sub.data
        var[rows, pos] = sub.indices
        dim = f"r{k}"
        lhs = linopy.LinearExpression(xr.Dataset({"coeffs": ((dim, "_term"), coef),
                                                  "vars": ((dim, "_term"), var)}), lm)
        up = up_all[block.start:block.start + block.n]
        lo = lo_all[block.start:block.start + block.n]
        le, ge = np.isfinite(up), np.isfinite(lo)
        if le.any():
            lm.add_constraints(lhs.isel({dim: np.flatnonzero(le)})
                               <= xr.DataArray(up[le], dims=dim), name=f"{block.family}{k}_le")
        if ge.any():
            lm.add_constraints(lhs.isel({dim: np.flatnonzero(ge)})
                               >= xr.DataArray(lo[ge], dims=dim), name=f"{block.family}{k}_ge")
    lm.add_objective((xr.DataArray(m.cost, dims="col") * x).sum(),
                     sense="max" if m.sense == "max" else "min")
    t1 = time.perf_counter()
    _status, cond = lm.solve("highs", solver=options.algorithm, threads=options.threads,
                             random_seed=options.seed, output_flag=False)
    t2 = time.perf_counter()
    return {"linopy_build": t1 - t0, "linopy_solve": t2 - t1, "linopy_status": str(cond),
            "linopy_objective": float(lm.objective.value)}


def run_case(n: int, cvar: int, algorithm: str, pyomo: bool, linopy: bool,
             time_limit: float, repeats: int) -> dict[str, object]:
    """One case in this process; returns its figures.

    A tiny solve first pays the one-off costs of a process (imports that xarray makes on
    first use, HiGHS's thread pool), which neither side should carry. Then HiGHS's own
    solve and the end-to-end solve alternate ``repeats`` times; the minimum of each is
    reported (the machine is shared, so the minimum is the least disturbed run).
    """
    options = SolverOptions(algorithm=algorithm, time_limit=time_limit)
    solve(synthetic(20, cvar and 20), options)
    t0 = time.perf_counter()
    problem = synthetic(n, cvar)
    t_gen = time.perf_counter() - t0
    out: dict[str, object] = {"projects": n, "cvar_scenarios": cvar, "algorithm": algorithm,
                              "generate": t_gen, "repeats": repeats,
                              "load_average": __import__("os").getloadavg()[0]}
    best_e2e, best_own = float("inf"), float("inf")
    for _ in range(repeats):
        own = highs_own(problem, options)
        if own["highs_run"] < best_own:  # type: ignore[operator]
            best_own = own["highs_run"]  # type: ignore[assignment]
            out.update(own)
        t0 = time.perf_counter()
        res = solve(problem, options)
        e2e = time.perf_counter() - t0
        if e2e < best_e2e:
            best_e2e = e2e
            out["end_to_end"] = e2e
            out["status"] = res.status.value
            out["objective"] = res.objective
            out["scaled"] = res.solver.get("scaled")
            out.update({f"e2e_{k}": v for k, v in res.solver.get("seconds", {}).items()})
    out["ratio"] = best_e2e / best_own
    if pyomo:
        from missionfinance.model import to_pyomo

        t0 = time.perf_counter()
        to_pyomo(problem)
        out["pyomo_build"] = time.perf_counter() - t0
    if linopy:
        out.update(linopy_time(problem, options))
    out["peak_rss_gib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="*", default=[1000, 10000])
    ap.add_argument("--cvar", type=int, nargs="*", default=[0, 500])
    ap.add_argument("--algorithm", default="ipm")
    ap.add_argument("--case", type=int, help="run one case in this process (internal)")
    ap.add_argument("--pyomo", action="store_true", help="also time the pyomo view's build")
    ap.add_argument("--linopy", action="store_true", help="also time the same LP in linopy")
    ap.add_argument("--time-limit", type=float, default=1800.0)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--json", type=Path, help="append results as JSON lines to this file")
    args = ap.parse_args()
    if args.case is not None:
        res = run_case(args.case, args.cvar[0], args.algorithm, args.pyomo, args.linopy,
                       args.time_limit, args.repeats)
        print(json.dumps(res))
        return
    for n in args.sizes:
        for s in args.cvar:
            cmd = [sys.executable, __file__, "--case", str(n), "--cvar", str(s),
                   "--algorithm", args.algorithm, "--time-limit", str(args.time_limit),
                   "--repeats", str(args.repeats)]
            if args.pyomo:
                cmd.append("--pyomo")
            if args.linopy:
                cmd.append("--linopy")
            proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
            last = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
            line = last if last.startswith("{") else json.dumps(
                {"projects": n, "cvar_scenarios": s, "error": proc.stderr[-800:]})
            print(line, flush=True)
            if args.json:
                with args.json.open("a") as fh:
                    fh.write(line + "\n")


if __name__ == "__main__":
    main()
