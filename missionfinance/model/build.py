"""Build the allocation LP of DESIGN §4 in named blocks, one ``add_<family>`` per family.

Every function here works on whole arrays: the x columns are the eligible, in-window
(project, instrument, year) triples of :class:`~missionfinance.model.problem.ProblemData`,
and each block's coefficients are computed for all of them at once (no Python loop over
projects or years). Loops run only over the few controls, bounds or scenarios' metadata.

Column groups: ``x`` public finance [£m], ``y`` private money mobilised [£m], and, when
their families are on, ``z`` leverage segments, ``at_risk``/``cvar_threshold``/``cvar_tail``
(CVaR), ``shortfall`` (targets), ``funded`` (binary, integer features).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from missionfinance._numbers import power
from missionfinance.model.linear import LinearModel
from missionfinance.model.outcomes import add_outcomes
from missionfinance.model.problem import AllocationProblem, ProblemData

INF = np.inf


def _labels(prefix: str, *parts: np.ndarray) -> np.ndarray:
    if not parts or len(parts[0]) == 0:
        return np.zeros(0, dtype=object)
    out = np.asarray(parts[0], dtype=object).astype(str).astype(object)
    for part in parts[1:]:
        out = out + "," + np.asarray(part, dtype=object).astype(str).astype(object)
    return np.asarray(prefix + "[" + out + "]", dtype=object)


def _later(prefix: str, *parts: np.ndarray) -> Callable[[], np.ndarray]:
    """Row labels ``prefix[…]`` made when first read (:meth:`LinearModel.add_constraints`)."""
    return lambda: _labels(prefix, *parts)


def _later_pair(first: str, second: str, a: np.ndarray, b: np.ndarray,
                ) -> Callable[[], np.ndarray]:
    """Row labels ``first[a…]`` then ``second[b…]``, made when first read."""
    return lambda: np.concatenate([_labels(first, a), _labels(second, b)])


def _x_cost(d: ProblemData, problem: AllocationProblem) -> np.ndarray:
    """Economic cost per £1m of each x column [£m].

    The instrument's cost to the Exchequer (:func:`missionfinance.cashflows.commitment_cost`),
    not its budget score.
    """
    return np.asarray(d.econ)


def best_leverage(d: ProblemData) -> np.ndarray:
    """Per project, the highest leverage of its eligible cash instruments [£/£] (0 if none).

    It is the slope of the first leverage segment on the project's total public cash.
    """
    lev = np.where(d.eligible & d.cash[None, :], d.leverage, 0.0)
    return np.asarray(lev.max(axis=1) if lev.size else np.zeros(len(d.project_ids)))


def add_core_variables(m: LinearModel, d: ProblemData, problem: AllocationProblem) -> None:
    """Columns x_pit ≥ 0 and y_p ≥ 0 with the objective's coefficients.

    A guarantee's x is contingent exposure, not cash: it has no mission value of its own;
    what it buys is the lending it unlocks, counted once in y_p.
    """
    v = d.value
    if problem.objective == "mission_value":
        cx, cy = v[d.xp] * d.cash[d.xi], v * d.additionality
    elif problem.objective == "private_mobilised":
        cx, cy = np.zeros(len(d.xp)), d.additionality.copy()
    elif problem.objective == "mission_progress":
        cx, cy = np.zeros(len(d.xp)), np.zeros(len(v))
    else:
        cx, cy = _x_cost(d, problem), np.zeros(len(v))
    ids, inst, yrs = d.project_ids, np.array(d.instruments, dtype=object), np.array(d.years,
                                                                                    dtype=object)
    m.add_variables("x", np.zeros(len(d.xp)), np.full(len(d.xp), INF), cx,
                    lambda: _labels("x", ids[d.xp], inst[d.xi], yrs[d.xt]))
    P = len(ids)
    m.add_variables("y", np.zeros(P), np.full(P, INF), cy, lambda: _labels("y", ids))


def add_budget(m: LinearModel, d: ProblemData, problem: AllocationProblem) -> None:
    """Control totals: Σ_pi s_ic x_pit + Σ_{i: loss→c} el_p x_pit ≤ B_ct for every (c, t) given."""
    if not problem.enabled("budget"):
        return
    x0 = m.groups["x"].start
    T = len(d.years)
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    upper: list[float] = []
    ctl: list[str] = []
    yr: list[str] = []
    n = 0
    for c, by_year in sorted(problem.budget.items()):
        k = d.controls.index(c)
        row_of = np.full(T, -1)
        given = [t for t, y in enumerate(d.years) if y in by_year]
        if not given:
            continue
        row_of[given] = n + np.arange(len(given))
        coef = d.control_coef(k)
        r = row_of[d.xt]
        keep = (r >= 0) & (coef != 0)
        rows.append(r[keep])
        cols.append(np.flatnonzero(keep) + x0)
        vals.append(coef[keep])
        upper.extend(float(by_year[d.years[t]]) for t in given)
        ctl.extend([c] * len(given))
        yr.extend(d.years[t] for t in given)
        n += len(given)
    if n == 0:
        return
    names = [f"budget[{c},{y}]" for c, y in zip(ctl, yr, strict=True)]
    m.add_constraints("budget", np.concatenate(rows), np.concatenate(cols), np.concatenate(vals),
                      np.full(n, -INF), np.array(upper),
                      {"name": names, "control": ctl, "year": yr})


def add_capacity(m: LinearModel, d: ProblemData, problem: AllocationProblem) -> None:
    """Project capacity: Σ_{i cash, t} x_pit ≤ cap_p (year windows are in the column set).

    Guarantees are not cash and do not use capacity; their exposure is bounded by the
    lending they cover (``guarantee_cover``).
    """
    if not problem.enabled("capacity"):
        return
    x0 = m.groups["x"].start
    P = len(d.project_ids)
    j = np.flatnonzero(d.cash[d.xi])
    m.add_constraints("capacity", d.xp[j], x0 + j, np.ones(len(j)),
                      np.full(P, -INF), d.capacity,
                      {"name": _later("capacity", d.project_ids), "project": d.project_ids,
                       "region": d.regions})


def add_spend_profile(m: LinearModel, d: ProblemData, problem: AllocationProblem) -> None:
    """Spend profile: Σ_{i cash} x_pit ≤ m_p in every year t of the project's window.

    m_p is the pipeline's ``max_per_year`` or, when empty and the scenario asks for
    ``even_drawdown``, cap_p / n_p (n_p = years in the window): a project draws its capacity
    over its window rather than in one year. Rows are made only where m_p < cap_p
    (otherwise capacity binds first).
    """
    if not problem.enabled("spend_profile"):
        return
    j = np.flatnonzero(d.cash[d.xi] & np.isfinite(d.max_per_year[d.xp]))
    if j.size == 0:
        return
    T = len(d.years)
    key = d.xp[j] * T + d.xt[j]
    keys, row = np.unique(key, return_inverse=True)
    pp, tt = keys // T, keys % T
    ids, yrs = d.project_ids[pp], np.array(d.years, dtype=object)[tt]
    m.add_constraints("spend_profile", row, m.groups["x"].start + j, np.ones(len(j)),
                      np.full(len(keys), -INF), d.max_per_year[pp],
                      {"name": _later("spend_profile", ids, yrs), "project": ids,
                       "year": yrs, "region": d.regions[pp]})


def add_crowding_in(m: LinearModel, d: ProblemData, problem: AllocationProblem) -> None:
    """Crowding in, once per project: y_p ≤ Σ_it lev_pi x_pit (``crowding_in``).

    Diminishing leverage (pure LP) runs on the project's total public cash
    X_p = Σ_{i cash, t} x_pit: columns 0 ≤ z_pk ≤ width_k × cap_p with
    Σ_k z_pk − X_p ≤ 0 and y_p − Σ_k factor_k L_p z_pk − Σ_{i guarantee, t} lev_pi x_pit ≤ 0
    (both ``leverage_segments``), L_p the project's best cash leverage. So y_p ≤
    min(Σ lev x, L_p F(X_p) + guaranteed lending): splitting a project's money across
    instruments never crowds in more, and the lending a guarantee covers is not diminished.
    """
    if not problem.enabled("crowding_in"):
        return
    P = len(d.project_ids)
    y0 = m.groups["y"].start
    x0 = m.groups["x"].start
    segs = problem.leverage_segments if problem.enabled("leverage_segments") else ()
    meta: dict[str, object] = {"name": _later("crowding_in", d.project_ids),
                               "project": d.project_ids, "region": d.regions}
    coef = -d.leverage[d.xp, d.xi]
    keep = coef != 0
    rows = np.concatenate([np.arange(P), d.xp[keep]])
    cols = np.concatenate([y0 + np.arange(P), x0 + np.flatnonzero(keep)])
    vals = np.concatenate([np.ones(P), coef[keep]])
    m.add_constraints("crowding_in", rows, cols, vals, np.full(P, -INF), np.zeros(P), meta)
    if not segs:
        return
    upto = np.array([s[0] for s in segs])
    factor = np.array([s[1] for s in segs])
    width = np.diff(np.concatenate([[0.0], upto]))
    K = len(segs)
    best = best_leverage(d)
    pp = np.flatnonzero(best > 0)
    n = len(pp)
    zp = np.repeat(pp, K)
    zk = np.tile(np.arange(K), n)
    ids = d.project_ids
    z = m.add_variables("z", np.zeros(n * K), width[zk] * d.capacity[zp],
                        np.zeros(n * K), lambda: _labels("z", ids[zp], zk + 1))
    pos = np.full(P, -1)
    pos[pp] = np.arange(n)
    xr = pos[d.xp]
    cash = (xr >= 0) & d.cash[d.xi]
    guar = (xr >= 0) & ~d.cash[d.xi] & (d.leverage[d.xp, d.xi] > 0)
    # link: Σ_k z_pk − Σ_{i cash, t} x_pit ≤ 0
    rows = np.concatenate([np.repeat(np.arange(n), K), xr[cash]])
    cols = np.concatenate([z.start + np.arange(n * K), x0 + np.flatnonzero(cash)])
    vals = np.concatenate([np.ones(n * K), -np.ones(int(cash.sum()))])
    # cap: y_p − Σ_k factor_k L_p z_pk − Σ_{guarantee} lev x ≤ 0
    rows = np.concatenate([rows, n + np.arange(n), n + np.repeat(np.arange(n), K),
                           n + xr[guar]])
    cols = np.concatenate([cols, y0 + pp, z.start + np.arange(n * K), x0 + np.flatnonzero(guar)])
    vals = np.concatenate([vals, np.ones(n), -factor[zk] * best[zp],
                           -d.leverage[d.xp[guar], d.xi[guar]]])
    pid = np.concatenate([ids[pp], ids[pp]])
    m.add_constraints("leverage_segments", rows, cols, vals, np.full(2 * n, -INF),
                      np.zeros(2 * n),
                      {"name": _later_pair("leverage_link", "leverage_segments", ids[pp],
                                           ids[pp]),
                       "project": pid, "region": np.concatenate([d.regions[pp],
                                                                 d.regions[pp]])})


def add_private_capacity(m: LinearModel, d: ProblemData, problem: AllocationProblem) -> None:
    """Private money, bounded once per project.

    y_p ≤ pcap_p where private_capacity is given (rows ``private_capacity[p]``); elsewhere
    private money is bounded by crowding in alone (DESIGN §3.2: empty = unlimited) or, with
    ``problem.financing_plan``, by the financing plan y_p + Σ_{i cash, t} x_pit ≤ cap_p
    (rows ``financing_plan[p]``: private money fills at most what the project's capacity
    leaves after public cash).
    """
    if not problem.enabled("private_capacity"):
        return
    y0, x0 = m.groups["y"].start, m.groups["x"].start
    given = np.isfinite(d.private_capacity)
    planned = ~given if problem.financing_plan else np.zeros_like(given)
    order = np.concatenate([np.flatnonzero(given), np.flatnonzero(planned)])
    if order.size == 0:
        return
    n = order.size
    row_of = np.full(len(d.project_ids), -1, dtype=np.int64)
    row_of[order] = np.arange(n)
    j = np.flatnonzero(d.cash[d.xi] & planned[d.xp])
    rows = np.concatenate([np.arange(n), row_of[d.xp[j]]])
    cols = np.concatenate([y0 + order, x0 + j])
    vals = np.ones(n + len(j))
    upper = np.where(given, d.private_capacity, d.capacity)[order]
    ids = d.project_ids[order]
    names = _later_pair("private_capacity", "financing_plan", d.project_ids[given],
                        d.project_ids[planned])
    m.add_constraints("private_capacity", rows, cols, vals, np.full(n, -INF), upper,
                      {"name": names, "project": ids, "region": d.regions[order]})


def add_guarantee_cover(m: LinearModel, d: ProblemData, problem: AllocationProblem) -> None:
    """A guarantee covers private lending: Σ_{i guarantee, t} lev_pi x_pit − y_p ≤ 0.

    lev_pi of a guarantee is the lending per £ of cover (1 / cover share), so the lending
    the guarantee covers is part of the project's private money y_p, counted once, and the
    exposure is bounded by cover × the project's private money.
    """
    if not problem.enabled("guarantee_cover"):
        return
    j = np.flatnonzero(~d.cash[d.xi] & (d.leverage[d.xp, d.xi] > 0))
    if j.size == 0:
        return
    pp = np.unique(d.xp[j])
    pos = np.full(len(d.project_ids), -1)
    pos[pp] = np.arange(len(pp))
    y0, x0 = m.groups["y"].start, m.groups["x"].start
    rows = np.concatenate([pos[d.xp[j]], np.arange(len(pp))])
    cols = np.concatenate([x0 + j, y0 + pp])
    vals = np.concatenate([d.leverage[d.xp[j], d.xi[j]], -np.ones(len(pp))])
    ids = d.project_ids[pp]
    m.add_constraints("guarantee_cover", rows, cols, vals, np.full(len(pp), -INF),
                      np.zeros(len(pp)), {"name": _later("guarantee_cover", ids),
                                          "project": ids, "region": d.regions[pp]})


def add_exposure(m: LinearModel, d: ProblemData, problem: AllocationProblem) -> None:
    """Guarantee exposure stock: Σ_p Σ_{i: exposure} Σ_{τ≤t} (1−r)^(t−τ) x_piτ ≤ G_t."""
    if not problem.enabled("exposure") or not problem.exposure:
        return
    x0 = m.groups["x"].start
    given = np.array([t for t, y in enumerate(d.years) if y in problem.exposure], dtype=np.int64)
    j = np.flatnonzero(d.exposure_instr[d.xi])
    # pairs (row k for year given[k], column j) with xt_j ≤ given[k]
    jj, kk = np.nonzero(d.xt[j][:, None] <= given[None, :])
    lag = given[kk] - d.xt[j][jj]
    r = problem.exposure_runoff
    vals = power(1.0 - r, lag)
    yrs = [d.years[t] for t in given]
    m.add_constraints("exposure", kk, x0 + j[jj], vals, np.full(len(given), -INF),
                      np.array([float(problem.exposure[y]) for y in yrs]),
                      {"name": [f"exposure[{y}]" for y in yrs], "year": yrs})


def add_expected_loss(m: LinearModel, d: ProblemData, problem: AllocationProblem) -> None:
    """Expected-loss budget over the horizon and for every year given.

    Σ_pit el_p x_pit over loss-bearing instruments ≤ L (horizon), and
    Σ_pi el_p x_pit ≤ L_t for every year given.
    """
    if not problem.enabled("expected_loss"):
        return
    x0 = m.groups["x"].start
    j = np.flatnonzero(d.bears_loss[d.xi])
    el = d.expected_loss[d.xp[j]]
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    upper: list[float] = []
    names: list[str] = []
    years: list[str] = []
    if problem.expected_loss_limit is not None:
        rows.append(np.zeros(len(j), dtype=np.int64))
        cols.append(x0 + j)
        vals.append(el)
        upper.append(float(problem.expected_loss_limit))
        names.append("expected_loss[total]")
        years.append("")
    given = [t for t, y in enumerate(d.years) if y in problem.expected_loss_by_year]
    if given:
        row_of = np.full(len(d.years), -1)
        row_of[given] = len(upper) + np.arange(len(given))
        r = row_of[d.xt[j]]
        keep = r >= 0
        rows.append(r[keep])
        cols.append(x0 + j[keep])
        vals.append(el[keep])
        for t in given:
            upper.append(float(problem.expected_loss_by_year[d.years[t]]))
            names.append(f"expected_loss[{d.years[t]}]")
            years.append(d.years[t])
    if not upper:
        return
    m.add_constraints("expected_loss", np.concatenate(rows), np.concatenate(cols),
                      np.concatenate(vals), np.full(len(upper), -INF), np.array(upper),
                      {"name": names, "year": years})


def simulate_defaults(d: ProblemData, scenarios: int, rho: float, seed: int) -> np.ndarray:
    """Default indicators (S, P) from a one-factor Gaussian copula with a fixed seed.

    Project p defaults in scenario s when √ρ M_s + √(1−ρ) ε_sp < Φ⁻¹(pd_p), with M_s and
    ε_sp independent standard normals drawn from ``numpy.random.default_rng(seed)`` (M
    first, then ε row by row; drawn in blocks of scenarios to bound memory, which gives
    the same numbers as one draw).
    """
    from scipy.special import ndtri  # only CVaR needs it: 0.1 s of import saved elsewhere

    rng = np.random.default_rng(seed)
    factor = rng.standard_normal(scenarios)
    P = len(d.project_ids)
    with np.errstate(divide="ignore"):
        threshold = ndtri(np.clip(d.pd, 0.0, 1.0))
    out = np.empty((scenarios, P), dtype=bool)
    block = max(1, 2_000_000 // max(P, 1))
    for s0 in range(0, scenarios, block):
        s1 = min(scenarios, s0 + block)
        eps = rng.standard_normal((s1 - s0, P))
        latent = np.sqrt(rho) * factor[s0:s1, None] + np.sqrt(1.0 - rho) * eps
        out[s0:s1] = latent < threshold[None, :]
    return out


def scenario_losses(d: ProblemData, defaults: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Loss per scenario [£m]: Σ_p D_sp lgd_p Σ_{i loss-bearing, t} x_pit (brute force)."""
    j = d.bears_loss[d.xi]
    exposure = np.bincount(d.xp[j], weights=x[j], minlength=len(d.project_ids))
    return np.asarray(defaults.astype(np.float64) @ (d.lgd * exposure))


def add_cvar(m: LinearModel, d: ProblemData, problem: AllocationProblem) -> np.ndarray | None:
    """Risk appetite: CVaR_α of scenario losses ≤ L in the Rockafellar–Uryasev form.

    Columns: ``at_risk`` X_p (loss-bearing exposure of p), ``cvar_threshold`` ζ (VaR, free),
    ``cvar_tail`` u_s ≥ 0. Rows:
    X_p − Σ_{i loss-bearing, t} x_pit = 0 (``cvar_exposure``);
    u_s + ζ − Σ_p D_sp lgd_p X_p ≥ 0 (``cvar_excess``);
    ζ + Σ_s u_s / ((1−α) S) ≤ L (``cvar``). Returns the default matrix D (S, P).
    """
    cv = problem.cvar
    if cv is None or not problem.enabled("cvar"):
        return None
    D = simulate_defaults(d, cv.scenarios, cv.rho, cv.seed)
    x0 = m.groups["x"].start
    jl = np.flatnonzero(d.bears_loss[d.xi])
    lossy = np.unique(d.xp[jl])
    L = len(lossy)
    ids = d.project_ids
    X = m.add_variables("at_risk", np.zeros(L), np.full(L, INF), np.zeros(L),
                        lambda: _labels("at_risk", ids[lossy]))
    zeta = m.add_variables("cvar_threshold", np.array([-INF]), np.array([INF]), np.zeros(1),
                           lambda: np.array(["cvar_threshold"], dtype=object))
    S = cv.scenarios
    u = m.add_variables("cvar_tail", np.zeros(S), np.full(S, INF), np.zeros(S),
                        lambda: _labels("cvar_tail", np.arange(S) + 1))
    pos = np.full(len(ids), -1)
    pos[lossy] = np.arange(L)
    rows = np.concatenate([np.arange(L), pos[d.xp[jl]]])
    cols = np.concatenate([X.start + np.arange(L), x0 + jl])
    vals = np.concatenate([np.ones(L), -np.ones(len(jl))])
    m.add_constraints("cvar_exposure", rows, cols, vals, np.zeros(L), np.zeros(L),
                      {"name": _later("cvar_exposure", ids[lossy]), "project": ids[lossy],
                       "region": d.regions[lossy]})
    ss, ll = np.nonzero(D[:, lossy])
    rows = np.concatenate([np.arange(S), np.arange(S), ss])
    cols = np.concatenate([u.start + np.arange(S), np.full(S, zeta.start), X.start + ll])
    vals = np.concatenate([np.ones(S), np.ones(S), -d.lgd[lossy][ll]])
    m.add_constraints("cvar_excess", rows, cols, vals, np.zeros(S), np.full(S, INF),
                      {"name": _later("cvar_excess", np.arange(S) + 1)})
    rows = np.zeros(S + 1, dtype=np.int64)
    cols = np.concatenate([[zeta.start], u.start + np.arange(S)])
    vals = np.concatenate([[1.0], np.full(S, 1.0 / ((1.0 - cv.alpha) * S))])
    m.add_constraints("cvar", rows, cols, vals, np.array([-INF]), np.array([cv.limit]),
                      {"name": [f"cvar[{cv.alpha:g}]"]})
    return D


def _share_rows(m: LinearModel, family: str, weights: list[np.ndarray],
                lower: list[float], upper: list[float], meta: dict[str, list[str]]) -> None:
    """Rows Σ_j w_kj x_j ∈ [lower_k, upper_k] over x columns (w given per row)."""
    if not weights:
        return
    x0 = m.groups["x"].start
    rows, cols, vals = [], [], []
    for k, w in enumerate(weights):
        nz = np.flatnonzero(w)
        rows.append(np.full(len(nz), k))
        cols.append(x0 + nz)
        vals.append(w[nz])
    m.add_constraints(family, np.concatenate(rows), np.concatenate(cols), np.concatenate(vals),
                      np.array(lower), np.array(upper), dict(meta))


def share_base_weights(d: ProblemData, family: str, name: str, mission: str) -> np.ndarray:
    """Per x column, the weight w_j of the sum a share row takes its share of.

    The row is Σ_j w_j ([j in the set] − share) x_j, so moving the share by δ adds ∓δ w_j
    to each coefficient. Mission share bounds: public cash attributed to the mission's base
    (cash_j); mission-specific instrument mix: c_pm; regional or whole-allocation mix: 1.
    """
    if family == "mission_bounds":
        return d.cash[d.xi].astype(np.float64)
    if family == "instrument_mix" and mission:
        return np.asarray(d.contrib[d.xp, d.missions.index(mission)], dtype=np.float64)
    return np.ones(len(d.xp))


def add_mission_bounds(m: LinearModel, d: ProblemData, problem: AllocationProblem) -> None:
    """Mission floors/ceilings on public cash Σ_p c_pm Σ_{i cash, t} x_pit.

    In £m or as a share of total public cash (guarantees count in neither).
    """
    if not problem.enabled("mission_bounds"):
        return
    cash = d.cash[d.xi].astype(np.float64)
    w_rows: list[np.ndarray] = []
    lo: list[float] = []
    hi: list[float] = []
    meta: dict[str, list[str]] = {"name": [], "mission": []}
    for b in problem.mission_bounds:
        c = d.contrib[d.xp, d.missions.index(b.mission)] * cash
        for kind, val in (("floor", b.floor), ("ceiling", b.ceiling)):
            if val is None:
                continue
            if b.unit == "share":
                w_rows.append(c - val * cash)
                rhs = 0.0
            else:
                w_rows.append(c.copy())
                rhs = float(val)
            lo.append(rhs if kind == "floor" else -INF)
            hi.append(rhs if kind == "ceiling" else INF)
            unit = "_share" if b.unit == "share" else ""
            meta["name"].append(f"mission_{kind}{unit}[{b.mission}]")
            meta["mission"].append(b.mission)
    _share_rows(m, "mission_bounds", w_rows, lo, hi, meta)


def add_regional(m: LinearModel, d: ProblemData, problem: AllocationProblem) -> None:
    """Regional shares: Σ_{p in R} Σ_it x_pit − share × Σ_pit x_pit ≥ 0 (or ≤ 0)."""
    if not problem.enabled("regional"):
        return
    w_rows: list[np.ndarray] = []
    lo: list[float] = []
    hi: list[float] = []
    meta: dict[str, list[str]] = {"name": [], "region": []}
    for r in problem.regional:
        folded = np.array([str(x).casefold() for x in d.regions], dtype=object)
        inside = np.isin(folded[d.xp], [x.casefold() for x in r.regions])
        inside = (~inside if r.outside else inside).astype(np.float64)
        for kind, val in (("min", r.min_share), ("max", r.max_share)):
            if val is None:
                continue
            w_rows.append(inside - val)
            lo.append(0.0 if kind == "min" else -INF)
            hi.append(0.0 if kind == "max" else INF)
            meta["name"].append(f"regional_{kind}[{r.name}]")
            meta["region"].append(("not " if r.outside else "") + ";".join(r.regions))
    _share_rows(m, "regional", w_rows, lo, hi, meta)


def add_instrument_mix(m: LinearModel, d: ProblemData, problem: AllocationProblem) -> None:
    """Instrument mix: Σ w_j ([i_j in I] − share) x_j ≤ 0 (max) or ≥ 0 (min)."""
    if not problem.enabled("instrument_mix"):
        return
    w_rows: list[np.ndarray] = []
    lo: list[float] = []
    hi: list[float] = []
    meta: dict[str, list[str]] = {"name": [], "mission": []}
    for mix in problem.instrument_mix:
        base = (d.contrib[d.xp, d.missions.index(mix.mission)] if mix.mission
                else np.ones(len(d.xp)))
        idx = [d.instruments.index(i) for i in mix.instruments]
        inside = np.isin(d.xi, idx).astype(np.float64)
        for kind, val in (("min", mix.min_share), ("max", mix.max_share)):
            if val is None:
                continue
            w_rows.append(base * (inside - val))
            lo.append(0.0 if kind == "min" else -INF)
            hi.append(0.0 if kind == "max" else INF)
            meta["name"].append(f"instrument_mix_{kind}[{mix.name}]")
            meta["mission"].append(mix.mission or "")
    _share_rows(m, "instrument_mix", w_rows, lo, hi, meta)


def add_targets(m: LinearModel, d: ProblemData, problem: AllocationProblem) -> None:
    """Goal rows for ``min_cost``: Σ_p c_pm (Σ_{i cash, t} x_pit + a_p y_p) + s_k ≥ target_k.

    The shortfall s_k costs ``price`` per £m in the objective.
    """
    if not problem.enabled("targets") or not problem.targets:
        return
    K = len(problem.targets)
    names = [t.name or t.mission for t in problem.targets]
    sign = 1.0 if m.sense == "min" else -1.0
    s = m.add_variables("shortfall", np.zeros(K), np.full(K, INF),
                        sign * np.array([t.price for t in problem.targets]),
                        lambda: _labels("shortfall", np.array(names, dtype=object)))
    x0, y0 = m.groups["x"].start, m.groups["y"].start
    rows, cols, vals = [], [], []
    P = len(d.project_ids)
    for k, t in enumerate(problem.targets):
        c = d.contrib[:, d.missions.index(t.mission)]
        cx = c[d.xp] * d.cash[d.xi]
        nzx = np.flatnonzero(cx)
        cy = c * d.additionality
        nzy = np.flatnonzero(cy)
        rows.append(np.full(len(nzx) + len(nzy) + 1, k))
        cols.append(np.concatenate([x0 + nzx, y0 + nzy, [s.start + k]]))
        vals.append(np.concatenate([cx[nzx], cy[nzy], [1.0]]))
    del P
    m.add_constraints("targets", np.concatenate(rows), np.concatenate(cols), np.concatenate(vals),
                      np.array([t.amount for t in problem.targets]), np.full(K, INF),
                      {"name": [f"target[{n}]" for n in names],
                       "mission": [t.mission for t in problem.targets]})


def add_integer_features(m: LinearModel, d: ProblemData, problem: AllocationProblem) -> None:
    """Integer features (MIP): funded binaries b_p with a minimum ticket and k per mission.

    Rows ``min_ticket``: Σ_it x_pit − cap_p b_p ≤ 0 and Σ_it x_pit − ticket b_p ≥ 0;
    ``min_projects``: Σ_{p: c_pm > 0} b_p ≥ k_m.
    """
    if not problem.is_mip:
        return
    P = len(d.project_ids)
    ids = d.project_ids
    b = m.add_variables("funded", np.zeros(P), np.ones(P), np.zeros(P),
                        lambda: _labels("funded", ids), integer=True)
    x0 = m.groups["x"].start
    nx = len(d.xp)
    ticket = problem.min_ticket if problem.enabled("min_ticket") else None
    rows = np.concatenate([d.xp, np.arange(P)])
    cols = np.concatenate([x0 + np.arange(nx), b.start + np.arange(P)])
    vals = np.concatenate([np.ones(nx), -d.capacity])
    m.add_constraints("min_ticket", rows, cols, vals, np.full(P, -INF), np.zeros(P),
                      {"name": _later("funded_link", ids), "project": ids, "region": d.regions})
    if ticket is not None:
        vals = np.concatenate([np.ones(nx), -np.full(P, float(ticket))])
        m.add_constraints("min_ticket", rows, cols, vals, np.zeros(P), np.full(P, INF),
                          {"name": _later("min_ticket", ids), "project": ids,
                           "region": d.regions})
    if problem.enabled("min_projects") and problem.min_projects:
        ms = sorted(problem.min_projects)
        r, c = [], []
        for k, mission in enumerate(ms):
            p = np.flatnonzero(d.contrib[:, d.missions.index(mission)] > 0)
            r.append(np.full(len(p), k))
            c.append(b.start + p)
        rr = np.concatenate(r)
        m.add_constraints("min_projects", rr, np.concatenate(c), np.ones(len(rr)),
                          np.array([float(problem.min_projects[s]) for s in ms]),
                          np.full(len(ms), INF),
                          {"name": [f"min_projects[{s}]" for s in ms], "mission": ms})


def build(problem: AllocationProblem, d: ProblemData) -> tuple[LinearModel, np.ndarray | None]:
    """Assemble the whole model in family order; returns the model and the CVaR defaults."""
    m = LinearModel(sense="min" if problem.objective == "min_cost" else "max")
    add_core_variables(m, d, problem)
    add_budget(m, d, problem)
    add_capacity(m, d, problem)
    add_spend_profile(m, d, problem)
    add_crowding_in(m, d, problem)
    add_private_capacity(m, d, problem)
    add_guarantee_cover(m, d, problem)
    add_exposure(m, d, problem)
    add_expected_loss(m, d, problem)
    defaults = add_cvar(m, d, problem)
    add_mission_bounds(m, d, problem)
    add_regional(m, d, problem)
    add_instrument_mix(m, d, problem)
    if problem.objective == "min_cost":
        add_targets(m, d, problem)
    add_outcomes(m, d, problem)
    add_integer_features(m, d, problem)
    from missionfinance.model.finance import add_fiscal, add_recycling, unit_measures

    if (problem.fiscal_caps and problem.enabled("fiscal")) or (
            problem.recycling is not None and problem.enabled("recycling")):
        units = unit_measures(d, problem, len(d.years))
        add_fiscal(m, d, problem, units)
        add_recycling(m, d, problem, units)
    return m, defaults

