"""Outcome families of the LP: ``mission_progress`` and ``min_cost`` to a milestone path.

The outcome of milestone m by outcome year t is linear in the allocation (milestone units)::

    O_mt = Σ_p Σ_τ k_mptτ (Σ_{i cash} x_piτ + a_p q_pτ)

with k = link × yield × delivery weight (:class:`OutcomeRows`), and columns q_pτ ≥ 0 the
private money crowded in by year for projects with a yield: q_pτ ≤ Σ_i lev_pi x_piτ (row
family ``outcome_private``, one per project and year) and Σ_τ q_pτ ≤ y_p
(``outcome_private_total``), so private money is counted once per project and only its
additional share a_p counts. A guarantee's x is exposure, not cash: it counts only
through the private money it crowds in.

``mission_progress`` (maximise): per tracked milestone, columns u1_m ∈ [0, need_m] and
u2_m ≥ 0 with u1_m + u2_m − O_m,deadline ≤ 0 (family ``outcome_progress``); objective
Σ_m w_m (u1_m + b u2_m) / scale_m, where need_m = target − BAU at the deadline, scale_m
the distance it is measured against and b (``beyond_target``, 0 ≤ b ≤ 1) the worth of
progress past the target: concave and piecewise linear, so the LP stays linear and stops
over-funding a met milestone when b is below the other milestones' worth.

``min_cost`` with outcomes (minimise): rows O_mt + s_mt ≥ need_mt (family
``outcome_target``) at the deadline, or every year of the target path up to it, with the
shortfall s_mt ≥ 0 priced at ``price_m`` £m per milestone unit. The row's dual is then
the £m cost of one more unit by that year.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from missionfinance.model.linear import LinearModel
from missionfinance.model.problem import AllocationProblem, ProblemData

INF = np.inf


@dataclass(frozen=True)
class OutcomeRows:
    """Outcome data the LP needs, as arrays.

    Dimensions: M milestones, P projects, Y outcome years, H horizon years.

    Attributes
    ----------
    milestones, units, deadlines : tuple of str
    years : tuple of str
        Outcome years.
    project_ids : ndarray (P,)
    coef : ndarray (M, P, Y, H)
        Milestone units by outcome year t per £m of caused investment in p in year τ.
    need : ndarray (M, Y)
        Target path minus BAU (milestone units): what the allocation must add.
    scale : ndarray (M,)
        Distance progress is measured against (milestone units, > 0).
    weights : ndarray (M,)
    beyond : float
        Worth of progress past the target relative to progress before it.
    path : {"deadline", "yearly"}
    price : ndarray (M,)
        £m per milestone unit short (min_cost).
    deadline : ndarray (M,) int
        Position of each deadline in ``years``.
    first : int
        Position of the first horizon year in ``years``.
    """

    milestones: tuple[str, ...]
    units: tuple[str, ...]
    deadlines: tuple[str, ...]
    years: tuple[str, ...]
    project_ids: np.ndarray
    coef: np.ndarray
    need: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    beyond: float
    path: str
    price: np.ndarray
    deadline: np.ndarray
    first: int
    robust: RobustRows | None = None


@dataclass(frozen=True)
class RobustRows:
    """Sampled outcome factors for the robust option (S draws).

    ``yield_factor`` (S, M, P) multiplies the yields, ``additional`` (S, P) is the drawn
    additionality a_p (0–1) per draw; ``alpha`` the CVaR level and ``limit`` (M,) the most
    CVaR_alpha of each milestone's shortfall at its deadline (milestone units; inf = none).
    With ``mission_progress`` the objective becomes the sample average of progress.
    """

    yield_factor: np.ndarray
    additional: np.ndarray
    alpha: float
    limit: np.ndarray


def _labels(prefix: str, *parts: np.ndarray) -> np.ndarray:
    out = np.asarray(parts[0], dtype=object).astype(str).astype(object)
    for part in parts[1:]:
        out = out + "," + np.asarray(part, dtype=object).astype(str).astype(object)
    return np.asarray(prefix + "[" + out + "]", dtype=object)


def _outcome_terms(m: LinearModel, d: ProblemData, rows: OutcomeRows, cash: np.ndarray,
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """The private-by-year columns and rows.

    Returns (coef over x columns (M, Y, nx), coef over q columns (M, Y, nq), q project
    index, q start).
    """
    xp, xi, xt = d.xp, d.xi, d.xt
    ids = d.project_ids
    pos = {p: k for k, p in enumerate(map(str, rows.project_ids))}
    take = np.array([pos.get(str(p), -1) for p in ids])
    P = len(ids)
    M, Y, H = len(rows.milestones), len(rows.years), rows.coef.shape[3]
    k = np.zeros((M, P, Y, H))
    have = take >= 0
    k[:, have] = rows.coef[:, take[have]]
    any_yield = np.abs(k).sum(axis=(0, 2, 3)) > 0  # (P,)
    # x coefficient per column: k[m, p, t, τ] × [cash instrument]
    kpt = np.transpose(k, (1, 3, 0, 2))  # (P, H, M, Y)
    kx = np.transpose(kpt[xp, xt], (1, 2, 0)) * cash[xi][None, None, :]  # (M, Y, nx)
    # q columns for projects with a yield and some crowding-in
    lev = d.leverage
    qp_list = np.flatnonzero(any_yield & (lev.max(axis=1) > 0))
    nq = len(qp_list) * H
    qp = np.repeat(qp_list, H)
    qt = np.tile(np.arange(H), len(qp_list))
    years = np.array(list(d.years), dtype=object)
    q = m.add_variables("private_by_year", np.zeros(nq), np.full(nq, INF), np.zeros(nq),
                        lambda: _labels("private_by_year", ids[qp], years[qt]))
    m.index["private_by_year"] = (qp, qt)
    if nq:
        row_of = np.full((P, H), -1)
        row_of[qp, qt] = np.arange(nq)
        r = row_of[xp, xt]
        keep = (r >= 0) & (lev[xp, xi] > 0)
        x0 = m.groups["x"].start
        m.add_constraints(
            "outcome_private",
            np.concatenate([np.arange(nq), r[keep]]),
            np.concatenate([q.start + np.arange(nq), x0 + np.flatnonzero(keep)]),
            np.concatenate([np.ones(nq), -lev[xp[keep], xi[keep]]]),
            np.full(nq, -INF), np.zeros(nq),
            {"name": _labels("outcome_private", ids[qp], years[qt]), "project": ids[qp],
             "year": years[qt]})
        y0 = m.groups["y"].start
        n = len(qp_list)
        m.add_constraints(
            "outcome_private_total",
            np.concatenate([np.repeat(np.arange(n), H), np.arange(n)]),
            np.concatenate([q.start + np.arange(nq), y0 + qp_list]),
            np.concatenate([np.ones(nq), -np.ones(n)]),
            np.full(n, -INF), np.zeros(n),
            {"name": _labels("outcome_private_total", ids[qp_list]), "project": ids[qp_list]})
    a = d.additionality
    kq = np.transpose(kpt[qp, qt], (1, 2, 0)) * a[qp][None, None, :]  # (M, Y, nq)
    return kx, kq, qp, q.start


def add_outcomes(m: LinearModel, d: ProblemData, problem: AllocationProblem) -> None:
    """Outcome columns and rows for ``mission_progress`` or ``min_cost`` (see module)."""
    rows: OutcomeRows | None = problem.outcomes
    objective = problem.objective
    if rows is None or objective not in ("mission_progress", "min_cost") \
            or not problem.enabled("outcomes"):
        return
    instruments = problem.instruments
    cash = np.array([bool(getattr(instruments[n], "cash",
                                  not getattr(instruments[n], "exposure", False)))
                     for n in d.instruments], dtype=np.float64)
    kx, kq, qp, q0 = _outcome_terms(m, d, rows, cash)
    x0 = m.groups["x"].start
    M = len(rows.milestones)
    names = np.array(rows.milestones, dtype=object)
    if rows.robust is not None:
        _add_robust(m, d, rows, kx, kq, qp, q0, objective == "mission_progress")
        if objective == "mission_progress":
            return
    if objective == "mission_progress":
        need = np.maximum(rows.need[np.arange(M), rows.deadline], 0.0)
        w = rows.weights / rows.scale
        u1 = m.add_variables("progress", np.zeros(M), need, w,
                             lambda: _labels("progress", names))
        u2 = m.add_variables("progress_beyond", np.zeros(M), np.full(M, INF), rows.beyond * w,
                             lambda: _labels("progress_beyond", names))
        rr, cc, vv = [], [], []
        for j in range(M):
            t = rows.deadline[j]
            cx = kx[j, t]
            nzx = np.flatnonzero(cx)
            cq = kq[j, t]
            nzq = np.flatnonzero(cq)
            rr.append(np.full(2 + len(nzx) + len(nzq), j))
            cc.append(np.concatenate([[u1.start + j, u2.start + j], x0 + nzx, q0 + nzq]))
            vv.append(np.concatenate([[1.0, 1.0], -cx[nzx], -cq[nzq]]))
        m.add_constraints("outcome_progress", np.concatenate(rr), np.concatenate(cc),
                          np.concatenate(vv), np.full(M, -INF), np.zeros(M),
                          {"name": [f"outcome_progress[{n},{rows.deadlines[j]}]"
                                    for j, n in enumerate(rows.milestones)],
                           "year": list(rows.deadlines), "mission": list(rows.milestones)})
        return
    pairs = []
    for j in range(M):
        years = (range(rows.first, rows.deadline[j] + 1) if rows.path == "yearly"
                 else [rows.deadline[j]])
        pairs += [(j, t) for t in years if rows.need[j, t] > 0]
    if not pairs:
        return
    K = len(pairs)
    sign = 1.0 if m.sense == "min" else -1.0
    s = m.add_variables("outcome_shortfall", np.zeros(K), np.full(K, INF),
                        sign * np.array([rows.price[j] for j, _ in pairs]),
                        lambda: _labels("outcome_shortfall",
                                        np.array([f"{rows.milestones[j]},{rows.years[t]}"
                                                  for j, t in pairs], dtype=object)))
    rr, cc, vv = [], [], []
    for r, (j, t) in enumerate(pairs):
        cx = kx[j, t]
        nzx = np.flatnonzero(cx)
        cq = kq[j, t]
        nzq = np.flatnonzero(cq)
        rr.append(np.full(1 + len(nzx) + len(nzq), r))
        cc.append(np.concatenate([[s.start + r], x0 + nzx, q0 + nzq]))
        vv.append(np.concatenate([[1.0], cx[nzx], cq[nzq]]))
    m.add_constraints("outcome_target", np.concatenate(rr), np.concatenate(cc),
                      np.concatenate(vv), np.array([rows.need[j, t] for j, t in pairs]),
                      np.full(K, INF),
                      {"name": [f"outcome_target[{rows.milestones[j]},{rows.years[t]}]"
                                for j, t in pairs],
                       "year": [rows.years[t] for _, t in pairs],
                       "mission": [rows.milestones[j] for j, _ in pairs]})


def _add_robust(m: LinearModel, d: ProblemData, rows: OutcomeRows, kx: np.ndarray,
                kq: np.ndarray, qp: np.ndarray, q0: int, average: bool) -> None:
    """Robust option: sample-average progress and CVaR limits on shortfall over draws.

    Per draw s, the outcome O_ms at each deadline with drawn yields and additionality;
    sample-average progress (``average``) and CVaR limits on shortfall.

    Rows (per milestone m and draw s): ``outcome_progress_draw`` u1_ms + u2_ms − O_ms ≤ 0;
    ``outcome_cvar_excess`` t_ms + ζ_m + O_ms ≥ need_m (t, ζ ≥ 0); ``outcome_cvar``
    ζ_m + Σ_s t_ms / ((1 − α) S) ≤ L_m. Since VaR ≤ CVaR, the shortfall is at most L_m in
    at least a share α of the draws (in sample; the out-of-sample share is checked by
    simulating fresh draws).
    """
    rb = rows.robust
    assert rb is not None
    S = rb.yield_factor.shape[0]
    M = len(rows.milestones)
    x0 = m.groups["x"].start
    ids = np.array(d.project_ids, dtype=object)
    pos = {str(p): k for k, p in enumerate(map(str, rows.project_ids))}
    take = np.array([pos.get(str(p), -1) for p in ids])
    fy = np.where(take[None, None, :] >= 0, rb.yield_factor[:, :, np.maximum(take, 0)], 0.0)
    a_base = d.additionality
    a_draw = np.where(take[None, :] >= 0, rb.additional[:, np.maximum(take, 0)], 0.0)
    a_ratio = np.divide(a_draw, a_base[None, :], out=np.zeros_like(a_draw),
                        where=a_base[None, :] > 0)

    def outcome_terms(j: int, s: int) -> tuple[np.ndarray, np.ndarray]:
        t = rows.deadline[j]
        cx = kx[j, t] * fy[s, j, d.xp]
        cq = kq[j, t] * fy[s, j, qp] * a_ratio[s, qp] if len(qp) else np.zeros(0)
        nzx = np.flatnonzero(cx)
        nzq = np.flatnonzero(cq)
        return (np.concatenate([x0 + nzx, q0 + nzq]), np.concatenate([cx[nzx], cq[nzq]]))

    draw = np.arange(S) + 1
    if average:
        need = np.maximum(rows.need[np.arange(M), rows.deadline], 0.0)
        w = rows.weights / rows.scale / S
        mm = np.repeat(np.arange(M), S)
        ss = np.tile(np.arange(S), M)
        lab = np.array([f"{rows.milestones[j]},{s + 1}" for j, s in zip(mm, ss, strict=True)],
                       dtype=object)
        u1 = m.add_variables("progress", np.zeros(M * S), need[mm], w[mm],
                             lambda: _labels("progress", lab))
        u2 = m.add_variables("progress_beyond", np.zeros(M * S), np.full(M * S, INF),
                             rows.beyond * w[mm], lambda: _labels("progress_beyond", lab))
        rr, cc, vv = [], [], []
        for r, (j, s) in enumerate(zip(mm, ss, strict=True)):
            cols, vals = outcome_terms(int(j), int(s))
            rr.append(np.full(2 + len(cols), r))
            cc.append(np.concatenate([[u1.start + r, u2.start + r], cols]))
            vv.append(np.concatenate([[1.0, 1.0], -vals]))
        m.add_constraints("outcome_progress", np.concatenate(rr), np.concatenate(cc),
                          np.concatenate(vv), np.full(M * S, -INF), np.zeros(M * S),
                          {"name": [f"outcome_progress[{rows.milestones[j]},"
                                    f"{rows.deadlines[j]},draw {s + 1}]"
                                    for j, s in zip(mm, ss, strict=True)],
                           "year": [rows.deadlines[j] for j in mm],
                           "mission": [rows.milestones[j] for j in mm]})
    for k in range(M):
        if not np.isfinite(rb.limit[k]):
            continue
        name = rows.milestones[k]
        need_k = float(rows.need[k, rows.deadline[k]])
        zeta = m.add_variables(f"outcome_cvar_threshold[{name}]", np.zeros(1), np.full(1, INF),
                               np.zeros(1), _fixed_labels(f"outcome_cvar_threshold[{name}]"))
        tail = m.add_variables(f"outcome_cvar_tail[{name}]", np.zeros(S), np.full(S, INF),
                               np.zeros(S), _fixed_labels(f"outcome_cvar_tail[{name}]", draw))
        rr, cc, vv = [], [], []
        for q in range(S):
            cols, vals = outcome_terms(k, q)
            rr.append(np.full(2 + len(cols), q))
            cc.append(np.concatenate([[tail.start + q, zeta.start], cols]))
            vv.append(np.concatenate([[1.0, 1.0], vals]))
        m.add_constraints("outcome_cvar_excess", np.concatenate(rr), np.concatenate(cc),
                          np.concatenate(vv), np.full(S, need_k), np.full(S, INF),
                          {"name": [f"outcome_cvar_excess[{name},draw {q}]" for q in draw],
                           "mission": name})
        m.add_constraints("outcome_cvar", np.zeros(S + 1, dtype=np.int64),
                          np.concatenate([[zeta.start], tail.start + np.arange(S)]),
                          np.concatenate([[1.0], np.full(S, 1.0 / ((1.0 - rb.alpha) * S))]),
                          np.array([-INF]), np.array([float(rb.limit[k])]),
                          {"name": [f"outcome_cvar[{name},{rb.alpha:g}]"], "mission": name,
                           "year": rows.deadlines[k]})


def _fixed_labels(name: str, parts: np.ndarray | None = None) -> Callable[[], np.ndarray]:
    """A label callback for one named column, or for ``name[part]`` columns."""
    if parts is None:
        return lambda: np.array([name], dtype=object)
    return lambda: _labels(name, parts)
