"""Money over time in the LP: fiscal caps per year and recycling of receipts.

Both families are linear in the commitments because the cash-flow schedules of
:mod:`missionfinance.cashflows` are per £1m committed: a column ``x[p,i,t]`` moves a
measure in year ``τ`` by ``x × u_pi(τ − t)``, where ``u_pi`` is the unit schedule of
instrument ``i`` for project ``p`` (its terms, overrides, annual pd and lgd).

``fiscal`` (``[fiscal.<measure>] "<year>" = £m``)
    ``Σ_{p,i,t ≤ τ} u^measure_pi(τ − t) x_pit ≤ cap_τ``: the allocation's effect on
    ``psnb`` or ``current_deficit`` in year τ, or on the ``psnd`` or ``psnfl`` stock at
    the end of τ (:mod:`missionfinance.fiscal` treatments).
``recycling`` (``[recycling] control = "FT"``)
    Receipts (principal, interest, dividends, exits and fees, net of expected losses) of
    commitments made in earlier years of the horizon flow back into the named control's
    headroom: a column ``recycled[τ] ≥ 0`` enters the budget row of (control, τ) with
    coefficient −1 and is bounded by the row ``recycled[τ] − Σ_{t<τ} back_pi(τ − t)
    x_pit ≤ 0``. That row's shadow price is what £1m more recycled money in τ is worth.
"""

from __future__ import annotations

import numpy as np

from missionfinance.cashflows import (
    Terms,
    annual_pd,
    project_terms,
    unit_flows,
    upside_flows,
    upside_terms,
    with_upside,
)
from missionfinance.fiscal import MEASURES, RECYCLED_KINDS, TREATMENTS
from missionfinance.model.linear import LinearModel
from missionfinance.model.problem import AllocationProblem, ProblemData, Recycling

__all__ = ["Recycling", "add_fiscal", "add_recycling", "unit_measures"]


def unit_measures(d: ProblemData, problem: AllocationProblem, horizon: int,
                  ) -> dict[str, np.ndarray]:
    """Per x column and age 0…horizon−1, the £ effect per £1m committed.

    Returns
    -------
    dict of str to ndarray
        ``psnb``, ``current_deficit`` (flows in that year), ``psnd``, ``psnfl`` (stock at
        the year end) and ``back`` (receipts recycled), each (n_x, horizon).
    """
    n = len(d.xp)
    out = {k: np.zeros((n, horizon)) for k in (*MEASURES, "back")}
    projects = problem.projects.reset_index(drop=True)
    q_all = annual_pd(d.pd, len(d.years))
    for i, name in enumerate(d.instruments):
        cols = np.flatnonzero(d.xi == i)
        if len(cols) == 0:
            continue
        pairs, inverse = np.unique(d.xp[cols], return_inverse=True)
        inst = problem.instruments[name]
        terms: Terms = getattr(inst, "terms", Terms())
        values = project_terms(projects, name, terms, pairs)
        flows, asset = unit_flows(terms.schedule, values, q_all[pairs], d.lgd[pairs],
                                  terms.amortisation)
        if terms.schedule != "guarantee":
            flows, asset = with_upside(flows, asset, upside_flows(upside_terms(projects, pairs)))
        life = asset.shape[1]
        width = min(life, horizon)

        def fit(a: np.ndarray, stock: bool, width: int = width, life: int = life) -> np.ndarray:
            full = np.zeros((a.shape[0], horizon))
            full[:, :width] = a[:, :width]
            if stock and horizon > life:
                full[:, life:] = a[:, [life - 1]]
            return full

        def weighted(weight: dict[str, float], shape: tuple[int, ...] = asset.shape,
                     flows: dict[str, np.ndarray] = flows) -> np.ndarray:
            acc = np.zeros(shape)
            for kind, arr in flows.items():
                acc = acc + weight.get(kind, 0.0) * arr
            return acc

        psnd = np.cumsum(weighted(dict.fromkeys(flows, -1.0)), axis=1)
        per = {
            "psnd": fit(psnd, True),
            "psnfl": fit(psnd - asset, True),
            "back": fit(weighted(dict.fromkeys(RECYCLED_KINDS, 1.0)), False),
        }
        for measure, table in TREATMENTS.items():
            signs = {kind: -table.get((terms.schedule, kind), 0.0) for kind in flows}
            per[measure] = fit(weighted(signs), False)
        for key, arr in per.items():
            out[key][cols] = arr[inverse]
    return out


def add_fiscal(m: LinearModel, d: ProblemData, problem: AllocationProblem,
               units: dict[str, np.ndarray] | None = None) -> None:
    """Fiscal caps: Σ u^measure(τ − t) x_pit ≤ cap for each (measure, year) given."""
    caps = getattr(problem, "fiscal_caps", None) or {}
    if not problem.enabled("fiscal") or not caps:
        return
    T = len(d.years)
    units = units if units is not None else unit_measures(d, problem, T)
    x0 = m.groups["x"].start
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    upper: list[float] = []
    names: list[str] = []
    years: list[str] = []
    for measure in MEASURES:
        for year, cap in sorted(caps.get(measure, {}).items()):
            tau = d.years.index(year)
            age = tau - d.xt
            keep = np.flatnonzero(age >= 0)
            coef = units[measure][keep, age[keep]]
            nz = coef != 0
            rows.append(np.full(int(nz.sum()), len(upper)))
            cols.append(x0 + keep[nz])
            vals.append(coef[nz])
            upper.append(float(cap))
            names.append(f"fiscal[{measure},{year}]")
            years.append(year)
    if not upper:
        return
    n = len(upper)
    m.add_constraints("fiscal", np.concatenate(rows), np.concatenate(cols), np.concatenate(vals),
                      np.full(n, -np.inf), np.array(upper), {"name": names, "year": years})


def add_recycling(m: LinearModel, d: ProblemData, problem: AllocationProblem,
                  units: dict[str, np.ndarray] | None = None) -> None:
    """Receipts of earlier commitments relax the named control's budget rows.

    Needs the budget rows (``add_budget``) to be built first; years where the control
    has no budget row have nothing to relax and get no column.
    """
    rec = getattr(problem, "recycling", None)
    if rec is None or not problem.enabled("recycling") or not problem.enabled("budget"):
        return
    by_year = problem.budget.get(rec.control, {})
    T = len(d.years)
    given = [t for t in range(1, T) if d.years[t] in by_year]
    if not given:
        return
    units = units if units is not None else unit_measures(d, problem, T)
    block = next(b for b in m.blocks if b.family == "budget")
    budget_names = list(m.row_names()[block.start:block.start + block.n])
    yrs = np.array([d.years[t] for t in given], dtype=object)
    r = m.add_variables("recycled", np.zeros(len(given)), np.full(len(given), np.inf),
                        np.zeros(len(given)), lambda: np.asarray("recycled[" + yrs + "]", dtype=object))
    x0 = m.groups["x"].start
    rows, cols, vals = [], [], []
    for k, tau in enumerate(given):
        age = tau - d.xt
        keep = np.flatnonzero(age >= 1)
        coef = units["back"][keep, age[keep]]
        nz = coef != 0
        rows += [np.full(int(nz.sum()), k), np.array([k])]
        cols += [x0 + keep[nz], np.array([r.start + k])]
        vals += [-coef[nz], np.array([1.0])]
        row = budget_names.index(f"budget[{rec.control},{d.years[tau]}]")
        m.add_coefficients(np.array([block.start + row]), np.array([r.start + k]), np.array([-1.0]))
    n = len(given)
    m.add_constraints("recycling", np.concatenate(rows), np.concatenate(cols), np.concatenate(vals),
                      np.full(n, -np.inf), np.zeros(n),
                      {"name": [f"recycling[{rec.control},{y}]" for y in yrs],
                       "control": rec.control, "year": list(yrs)})

