"""Milestone trajectories of an allocation: baseline + BAU + the allocation's contribution.

For milestone m and outcome year t (milestone units)::

    projected_mt = bau_mt + link_m Σ_p yield_pm Σ_τ I_pτ W_pm(t − τ)

where I_pτ is the total investment in project p in horizon year τ that the allocation
causes [£m]: public cash (grants, loans, equity — a guarantee is not cash) plus the
*additional* share of the private money it crowds in (a_p × private; the rest would have
been invested anyway and is already in BAU). ``yield_pm`` is in the milestone's link unit
per £m; ``W`` spreads delivery over ``ramp`` years starting ``lag`` years after the
money: W(k) = clip((k − lag + 1) / ramp, 0, 1), so what is delivered stays delivered (a
home built stays built; a level milestone keeps a new MW).

Money is in £m; years are financial years. :func:`evaluate` works on many draws at once
(arrays with a leading draw axis), which :mod:`missionfinance.outcomes.uncertainty` uses.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from missionfinance.outcomes.catalogue import MilestoneOutcome
from missionfinance.outcomes.config import OutcomeOptions
from missionfinance.years import year_start

#: Columns of outcomes.csv (DESIGN §7).
OUTCOME_COLUMNS = ("milestone", "year", "unit", "baseline", "bau", "projected", "target",
                   "p10", "p90")


@dataclass(frozen=True)
class OutcomeArrays:
    """Everything a trajectory needs, as arrays.

    Dimensions: P projects, H horizon years, Y outcome years, M tracked milestones.

    Attributes
    ----------
    milestones : tuple of MilestoneOutcome
    years : list of str
        Outcome years (Y).
    horizon : tuple of str
        The scenario's years (H).
    project_ids : ndarray (P,)
    yields : ndarray (M, P)
        Link units per £m of caused investment (0 where none).
    weights : ndarray (M, P, Y, H)
        Share of a year-τ £'s yield delivered by year t.
    link : ndarray (M,)
    bau, target : ndarray (M, Y)
    """

    milestones: tuple[MilestoneOutcome, ...]
    years: list[str]
    horizon: tuple[str, ...]
    project_ids: np.ndarray
    yields: np.ndarray
    weights: np.ndarray
    link: np.ndarray
    bau: np.ndarray
    target: np.ndarray

    @property
    def ids(self) -> tuple[str, ...]:
        """Tracked milestone ids."""
        return tuple(m.id for m in self.milestones)

    def deadline_index(self, k: int) -> int:
        """Position of milestone k's deadline among the outcome years."""
        return self.years.index(self.milestones[k].deadline)


def delivery_weights(lag: np.ndarray, ramp: np.ndarray, years: list[str],
                     horizon: tuple[str, ...]) -> np.ndarray:
    """W (…, Y, H): share of money committed in horizon year τ delivered by outcome year t."""
    ty = np.array([year_start(y) for y in years], dtype=np.float64)
    th = np.array([year_start(y) for y in horizon], dtype=np.float64)
    k = ty[:, None] - th[None, :]  # (Y, H)
    lag = np.asarray(lag, dtype=np.float64)[..., None, None]
    ramp = np.asarray(ramp, dtype=np.float64)[..., None, None]
    return np.asarray(np.clip((k - lag + 1.0) / ramp, 0.0, 1.0))


def outcome_arrays(options: OutcomeOptions, project_ids: Any,
                   horizon: tuple[str, ...]) -> OutcomeArrays:
    """The arrays of :class:`OutcomeArrays` for a pipeline's ``project_ids``."""
    ids = np.asarray(list(map(str, project_ids)), dtype=object)
    ms = options.data.tracked
    years = options.data.years(horizon)
    P, M = len(ids), len(ms)
    pos = {p: k for k, p in enumerate(ids)}
    mpos = {m.id: k for k, m in enumerate(ms)}
    y = np.zeros((M, P))
    lag = np.zeros((M, P))
    ramp = np.ones((M, P))
    yl = options.yields
    keep = np.array([p in pos for p in yl["project_id"].tolist()], dtype=bool)
    yl = yl[keep]
    mi = yl["milestone"].map(mpos).to_numpy(dtype=np.int64)
    pi = yl["project_id"].map(pos).to_numpy(dtype=np.int64)
    y[mi, pi] = yl["per_m"].to_numpy(dtype=np.float64)
    lag[mi, pi] = yl["lag"].to_numpy(dtype=np.float64)
    ramp[mi, pi] = yl["ramp"].to_numpy(dtype=np.float64)
    w = delivery_weights(lag, ramp, years, horizon)
    arrays = OutcomeArrays(
        milestones=ms, years=years, horizon=tuple(horizon), project_ids=ids, yields=y,
        weights=w, link=np.array([m.link for m in ms]),
        bau=np.array([m.bau(years) for m in ms]).reshape(M, len(years)),
        target=np.array([m.target_path(years) for m in ms]).reshape(M, len(years)))
    # made here, with the arrays (a run makes them while HiGHS solves): the yield parts and
    # the 10–90% ranges of the uncertain inputs, which the sensitivity reads
    _yield_parts(arrays)
    unc = options.uncertainty
    if unc is not None:
        for family in unc.factors.values():
            for dist in family.values():
                _ = dist.range
    return arrays


@dataclass(frozen=True)
class AllocationInputs:
    """The allocation and the pipeline's data a trajectory needs.

    Dimensions: P projects, I instruments, H horizon years; money in £m.

    Attributes
    ----------
    cash : ndarray (P, H)
        Public cash committed (grants, loans, equity; not guarantees).
    private : ndarray (P, I, H)
        Private money crowded in, as allocation.csv splits it.
    private_capacity : ndarray (P,)
        Most private money per project (inf = unlimited).
    additionality : ndarray (P,)
    pd : ndarray (P,)
    instruments : tuple of str
    """

    cash: np.ndarray
    private: np.ndarray
    private_capacity: np.ndarray
    additionality: np.ndarray
    pd: np.ndarray
    instruments: tuple[str, ...]


def _positions(column: pd.Series, pos: Mapping[str, int]) -> np.ndarray:
    """Position of each value of ``column`` (as text) in ``pos``; each distinct value looked up once."""
    codes, uniques = pd.factorize(column.astype(str))
    at = [pos.get(str(u), -1) for u in uniques.tolist()]
    if min(at, default=0) < 0:  # a value not in pos: the error of mapping it
        return column.astype(str).map(pos).to_numpy(dtype=np.int64)
    return np.array(at, dtype=np.int64)[codes]


def allocation_inputs(alloc: pd.DataFrame, pipeline: pd.DataFrame, project_ids: np.ndarray,
                      horizon: tuple[str, ...], instruments: Mapping[str, Any]) -> AllocationInputs:
    """:class:`AllocationInputs` from allocation.csv rows and the pipeline frame.

    The allocation rows have columns ``project_id, instrument, year, public, private``.
    """
    P, H = len(project_ids), len(horizon)
    names = tuple(instruments)
    cash_set = cash_instruments(instruments)
    pos = {p: k for k, p in enumerate(project_ids)}
    ypos = {y: k for k, y in enumerate(horizon)}
    ipos = {n: k for k, n in enumerate(names)}
    pub = np.zeros((P, H))
    priv = np.zeros((P, len(names), H))
    if len(alloc):
        p = _positions(alloc["project_id"], pos)
        t = _positions(alloc["year"], ypos)
        i = _positions(alloc["instrument"], ipos)
        is_cash = np.array([n in cash_set for n in names], dtype=bool)[i]
        np.add.at(pub, (p, t), np.where(is_cash, alloc["public"].to_numpy(dtype=np.float64), 0))
        np.add.at(priv, (p, i, t), alloc["private"].to_numpy(dtype=np.float64))
    frame = pipeline.set_index(pipeline["project_id"].astype(str)).reindex(project_ids)

    def col(name: str, default: float) -> np.ndarray:
        if name not in frame.columns:
            return np.full(P, default)
        return np.asarray(pd.to_numeric(frame[name], errors="coerce").fillna(default)
                          .to_numpy(dtype=np.float64))

    return AllocationInputs(cash=pub, private=priv,
                            private_capacity=col("private_capacity", np.inf),
                            additionality=col("additionality", 1.0), pd=col("pd", 0.0),
                            instruments=names)


def caused_investment(base: AllocationInputs, leverage_factor: np.ndarray,
                      additionality_factor: np.ndarray, delivers: np.ndarray | None = None,
                      ) -> np.ndarray:
    """Investment the allocation causes, (n, P, H) £m, for n draws.

    ``leverage_factor`` (n, I) scales each instrument's private money (capped at the
    project's private capacity when it grows); ``additionality_factor`` (n, P) scales
    a_p (clipped to 0–1); ``delivers`` (n, P) bool, False for a project that defaults.
    With every factor 1 this is exactly cash + a_p × private.
    """
    n = leverage_factor.shape[0]
    given_by_year, as_given = _private_as_given(base)
    if np.all(leverage_factor == 1.0):
        # private money as given never exceeds the cap below (the cap is at least it)
        by_year = np.broadcast_to(given_by_year, (n, *given_by_year.shape))
    else:
        scaled = base.private[None, :, :, :] * leverage_factor[:, None, :, None]  # (n, P, I, H)
        by_year = scaled.sum(axis=2)  # (n, P, H)
        total = by_year.sum(axis=2)  # (n, P)
        limit = np.maximum(base.private_capacity[None, :], as_given[None, :])
        over = total > limit
        scale = np.where(over, limit / np.where(over, total, 1.0), 1.0)
        by_year = np.where(over[:, :, None], by_year * scale[:, :, None], by_year)
    a = np.clip(base.additionality[None, :] * additionality_factor, 0.0, 1.0)
    inv = base.cash[None, :, :] + by_year * a[:, :, None]
    if delivers is not None:
        inv = np.where(delivers[:, :, None], inv, 0.0)
    return np.asarray(inv)


def _private_as_given(base: AllocationInputs) -> tuple[np.ndarray, np.ndarray]:
    """Private money with every leverage factor 1: by (project, year) (P, H) and per project (P,).

    Worked out once per :class:`AllocationInputs` (a sensitivity evaluates it many times),
    by the same sums as a draw of :func:`caused_investment` (each draw's row is reduced on
    its own, so one draw gives every draw's numbers).
    """
    memo = base.__dict__.get("_as_given")
    if memo is None:
        ones = np.ones((1, base.private.shape[1]))
        by_year = (base.private[None, :, :, :] * ones[:, None, :, None]).sum(axis=2)
        memo = (by_year[0], by_year.sum(axis=2)[0])
        object.__setattr__(base, "_as_given", memo)
    return memo


def _yield_parts(arrays: OutcomeArrays) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per milestone, the projects with a yield and their delivery weights (Y, p, H).

    They depend only on the outcome data, so they are made once per
    :class:`OutcomeArrays` (:func:`outcome_arrays` makes them before any allocation).
    """
    memo = arrays.__dict__.get("_yield_parts")
    if memo is None:
        memo = []
        for k in range(len(arrays.milestones)):
            nz = np.flatnonzero(arrays.yields[k])
            memo.append((nz, np.ascontiguousarray(np.transpose(arrays.weights[k][nz], (1, 0, 2)))))
        object.__setattr__(arrays, "_yield_parts", memo)
    return memo


def contributions(arrays: OutcomeArrays, invest: np.ndarray,
                  yields: np.ndarray | None = None) -> np.ndarray:
    """The allocation's contribution (n, M, Y) in milestone units.

    ``invest`` is caused investment (n, P, H) [£m]; ``yields`` (n, M, P) replaces the
    yields (uncertainty), None = as given. Each draw is reduced in the same order whatever
    n is, so a draw's result does not depend on how many are evaluated with it.
    """
    n = invest.shape[0]
    M, Y = len(arrays.milestones), len(arrays.years)
    out = np.zeros((n, M, Y))
    for k in range(M):
        out[:, k, :] = milestone_contribution(arrays, k, invest,
                                              None if yields is None else yields[:, k, :])
    return out


def milestone_contribution(arrays: OutcomeArrays, k: int, invest: np.ndarray,
                           yields: np.ndarray | None = None) -> np.ndarray:
    """Milestone ``k``'s row of :func:`contributions`, (n, Y) in milestone units.

    ``yields`` (n, P) replaces the milestone's yields, None = as given.
    """
    n, P, _ = invest.shape
    nz, w = _yield_parts(arrays)[k]  # w: (Y, p, H)
    if not nz.size:
        return np.zeros((n, len(arrays.years)))
    yk = (np.broadcast_to(arrays.yields[k], (n, P)) if yields is None else yields)[:, nz]
    a = invest[:, nz, :] * yk[:, :, None]  # (n, p, H)
    prod = np.ascontiguousarray(a[:, None, :, :] * w[None, :, :, :])
    return np.asarray(prod.reshape(n, len(arrays.years), -1).sum(axis=-1) * arrays.link[k])


def trajectory_frame(arrays: OutcomeArrays, projected: np.ndarray,
                     p10: np.ndarray | None = None, p90: np.ndarray | None = None) -> pd.DataFrame:
    """outcomes.csv rows: per tracked milestone its baseline row and later outcome years.

    Every outcome year from the year after the baseline on is a row (``projected`` (M, Y)
    in milestone units).
    """
    rows: list[dict[str, Any]] = []
    for k, m in enumerate(arrays.milestones):
        b = arrays.years.index(m.baseline_year)
        for j in range(b, len(arrays.years)):
            base_row = j == b
            cum_base = base_row and m.measure == "cumulative"
            rows.append({
                "milestone": m.id, "year": arrays.years[j],
                "unit": (m.baseline_unit or m.unit) if cum_base else m.unit,
                "baseline": m.baseline if base_row else np.nan,
                "bau": np.nan if cum_base else float(arrays.bau[k, j]),
                "projected": np.nan if cum_base else float(projected[k, j]),
                "target": np.nan if cum_base else float(arrays.target[k, j]),
                "p10": np.nan if p10 is None or cum_base else float(p10[k, j]),
                "p90": np.nan if p90 is None or cum_base else float(p90[k, j]),
            })
    return pd.DataFrame(rows, columns=list(OUTCOME_COLUMNS))


@dataclass(frozen=True)
class Trajectories:
    """Milestone trajectories of one allocation (deterministic; bands when simulated).

    Attributes
    ----------
    arrays : OutcomeArrays
    contribution : ndarray (M, Y)
        The allocation's contribution, milestone units.
    frame : pandas.DataFrame
        outcomes.csv rows.
    gaps : pandas.DataFrame
        One row per milestone: at its deadline, projected, target, gap (positive = short),
        on_track, margin_rate (units per £m), more_public (£m to close the gap at the margin)
        and ``words``.
    untracked : pandas.DataFrame
        Milestones shown without yields and why.
    probability : dict
        Milestone → probability of meeting the target at the deadline (simulated only).
    """

    arrays: OutcomeArrays
    contribution: np.ndarray
    frame: pd.DataFrame
    gaps: pd.DataFrame
    untracked: pd.DataFrame
    probability: Mapping[str, float]
    draws: int = 0
    sensitivity: Any = None
    seed: int | None = None


def fmt_units(v: float, unit: str) -> str:
    """``1310000, "homes"`` → ``"1.31m homes"``; shares keep one decimal."""
    if unit.startswith("%"):
        return f"{v:.1f}{unit}"
    a = abs(v)
    if a >= 1e6:
        return f"{v / 1e6:.2f}m {unit}"
    return f"{v:,.0f} {unit}"


def fmt_change(v: float, unit: str) -> str:
    """A difference in the milestone's unit: percentage points for a share."""
    if unit.startswith("%"):
        return f"{v:.1f} percentage points"
    return fmt_units(v, unit)


def evaluate(options: OutcomeOptions, alloc: pd.DataFrame, pipeline: pd.DataFrame,
             horizon: tuple[str, ...], instruments: Mapping[str, Any],
             arrays: OutcomeArrays | None = None,
             constraints: pd.DataFrame | None = None) -> Trajectories:
    """Deterministic trajectories of ``alloc`` (allocation.csv rows) for the pipeline.

    With the model's ``constraints`` frame, the milestone rows' shadow prices in words.
    """
    arrays = arrays or outcome_arrays(options, pipeline["project_id"], horizon)
    base = allocation_inputs(alloc, pipeline, arrays.project_ids, horizon, instruments)
    contrib = deterministic_contribution(arrays, base)
    frame = trajectory_frame(arrays, arrays.bau + contrib)
    gaps = gap_table(arrays, contrib, base.cash, pipeline, instruments)
    gaps["shadow_price"], gaps["shadow_price_words"] = shadow_words(
        arrays, constraints, gaps["gap"].to_numpy(dtype=np.float64))
    sens = None
    unc = options.uncertainty
    if unc is not None and not unc.empty:
        from missionfinance.outcomes.simulate import sensitivity

        sens = sensitivity(unc, arrays, base, contrib)
    return Trajectories(arrays, contrib, frame, gaps, untracked_table(options), {},
                        sensitivity=sens)


def deterministic_contribution(arrays: OutcomeArrays, base: AllocationInputs) -> np.ndarray:
    """(M, Y): the contribution with every input as given (one draw of factor 1)."""
    P = len(arrays.project_ids)
    inv = caused_investment(base, np.ones((1, len(base.instruments))), np.ones((1, P)))
    return contributions(arrays, inv)[0]


def cash_instruments(instruments: Mapping[str, Any]) -> set[str]:
    """Instruments that are public cash (every one but those counted as exposure)."""
    return {n for n, i in instruments.items()
            if bool(getattr(i, "cash", not getattr(i, "exposure", False)))}


def additionality(pipeline: pd.DataFrame) -> np.ndarray:
    """a_p from the pipeline (empty = 1, DESIGN §3.2)."""
    if "additionality" not in pipeline.columns:
        return np.ones(len(pipeline))
    return np.asarray(pd.to_numeric(pipeline["additionality"], errors="coerce").fillna(1.0)
                      .to_numpy(dtype=np.float64))


def untracked_table(options: OutcomeOptions) -> pd.DataFrame:
    """Milestones without yields and why."""
    rows = [{"milestone": m.id, "name": m.milestone.name, "target": m.target, "unit": m.unit,
             "deadline": m.deadline, "why_not_projected": m.untracked_reason}
            for m in options.data.milestones if not m.tracked]
    return pd.DataFrame(rows, columns=["milestone", "name", "target", "unit", "deadline",
                                       "why_not_projected"])


def margin_rates(arrays: OutcomeArrays, pipeline: pd.DataFrame,
                 instruments: Mapping[str, Any]) -> np.ndarray:
    """(M, P) milestone units by each deadline per £m more public cash in project p.

    The extra cash is put in the earliest year of the project's window, counting the
    additional private money its highest-leverage cash instrument crowds in (private
    capacity ignored).
    """
    cash = cash_instruments(instruments)
    P = len(arrays.project_ids)
    lev = np.zeros(P)
    # the instruments each project may use, read once per distinct text of the column
    which, texts = pd.factorize(pipeline["instruments"].fillna("").astype(str).str.lower())
    offered = [{x.strip() for x in str(text).split(";")} for text in texts]

    def eligible(name: str) -> np.ndarray:
        return np.array([name in names for names in offered], dtype=bool)[which]

    for name in cash:
        col = f"leverage_{name}"
        if col not in pipeline.columns:
            continue
        ok = eligible(name)
        v = pd.to_numeric(pipeline[col], errors="coerce").fillna(0.0).to_numpy(dtype=np.float64)
        lev = np.maximum(lev, np.where(ok, v, 0.0))
    has_cash = np.zeros(P, dtype=bool)
    for name in cash:
        has_cash |= eligible(name)
    hpos = {y: k for k, y in enumerate(arrays.horizon)}
    if "start_year" in pipeline.columns:  # each distinct year looked up once; 0 if not one
        codes, starts = pd.factorize(pipeline["start_year"].fillna("").astype(str))
        start = np.array([hpos.get(y, 0) for y in starts.tolist()], dtype=np.int64)[codes]
    else:
        start = np.zeros(P, dtype=np.int64)
    per_pound = (1.0 + lev * additionality(pipeline)) * has_cash
    M = len(arrays.milestones)
    out = np.zeros((M, P))
    for k in range(M):
        d = arrays.deadline_index(k)
        w = arrays.weights[k, np.arange(P), d, start]
        out[k] = arrays.link[k] * arrays.yields[k] * w * per_pound
    return out


def gap_table(arrays: OutcomeArrays, contrib: np.ndarray, pub: np.ndarray,
              pipeline: pd.DataFrame, instruments: Mapping[str, Any]) -> pd.DataFrame:
    """Per milestone at its deadline: projected against target and the gap.

    The gap is given in words, with the £m more public cash that would close it at the
    margin (best remaining projects first).
    """
    rates = margin_rates(arrays, pipeline, instruments)
    cap = pd.to_numeric(pipeline["capacity"], errors="coerce").fillna(0.0).to_numpy(
        dtype=np.float64)
    room = np.maximum(cap - pub.sum(axis=1), 0.0)
    rows = []
    for k, m in enumerate(arrays.milestones):
        d = arrays.deadline_index(k)
        proj = float(arrays.bau[k, d] + contrib[k, d])
        target = float(arrays.target[k, d])
        gap = target - proj
        order = np.argsort(-rates[k], kind="stable")
        need, spent, best = gap, 0.0, float(rates[k].max(initial=0.0))
        used: list[str] = []
        for p in order:
            if need <= 0 or rates[k, p] <= 0:
                break
            take = min(room[p], need / rates[k, p])
            if take > 0:
                used.append(str(arrays.project_ids[p]))
            spent += take
            need -= take * rates[k, p]
        where = (f" ({', '.join(used[:3])}{' and others' if len(used) > 3 else ''})"
                 if used else "")
        closable = gap <= 0 or need <= 1e-9 * max(1.0, abs(gap))
        head = (f"on this allocation {fmt_units(proj, m.unit)} against the target "
                f"{fmt_units(target, m.unit)} by {m.deadline}")
        if gap <= 0:
            words = f"{head}: on track, {fmt_change(-gap, m.unit)} ahead"
        elif best <= 0:
            words = (f"{head}: {fmt_change(gap, m.unit)} short; no project of the pipeline with "
                     "unused capacity yields this milestone by the deadline")
        elif closable:
            words = (f"{head}: {fmt_change(gap, m.unit)} short; £{spent:,.0f}m more public cash "
                     f"in the best-yielding projects with room{where} would close it (at the "
                     f"margin {_rate(best, m.unit)} per £m)")
        else:
            words = (f"{head}: {fmt_change(gap, m.unit)} short; all the unused capacity of "
                     f"the projects that yield it (£{spent:,.0f}m{', ' + where[2:-1] if where else ''}) "
                     f"would close only "
                     f"{fmt_change(gap - need, m.unit)} of it")
        rows.append({"milestone": m.id, "mission": m.mission, "deadline": m.deadline,
                     "unit": m.unit, "baseline": m.baseline, "bau": float(arrays.bau[k, d]),
                     "projected": proj, "target": target, "gap": gap, "on_track": gap <= 0,
                     "margin_rate": best, "more_public": spent if gap > 0 else 0.0,
                     "words": words})
    return pd.DataFrame(rows)


def _rate(rate: float, unit: str) -> str:
    if unit.startswith("%"):
        return f"{rate:.4g} percentage points"
    return f"{rate:,.3g} {unit}"


def lp_rows(options: OutcomeOptions, arrays: OutcomeArrays,
            additionality: np.ndarray | None = None) -> Any:
    """The LP's outcome data (:class:`missionfinance.model.outcomes.OutcomeRows`)."""
    from missionfinance.model.outcomes import OutcomeRows

    M = len(arrays.milestones)
    coef = arrays.link[:, None, None, None] * arrays.yields[:, :, None, None] * arrays.weights
    need = arrays.target - arrays.bau
    dl = np.array([arrays.deadline_index(k) for k in range(M)], dtype=np.int64)
    scale = np.empty(M)
    price = np.empty(M)
    for k, m in enumerate(arrays.milestones):
        gap = need[k, dl[k]]
        scale[k] = gap if gap > 0 else max(abs(m.target - m.baseline), 1e-9)
        per = arrays.link[k] * arrays.yields[k]
        per = per[per > 0]
        dearest = float((1.0 / per).max()) if per.size else 1.0
        price[k] = options.shortfall_price.get(m.id, 10.0 * dearest)
    return OutcomeRows(
        milestones=arrays.ids, units=tuple(m.unit for m in arrays.milestones),
        deadlines=tuple(m.deadline for m in arrays.milestones), years=tuple(arrays.years),
        project_ids=arrays.project_ids, coef=coef, need=need, scale=scale,
        weights=np.array([options.weights.get(m.id, 1.0) for m in arrays.milestones]),
        beyond=options.beyond_target, path=options.path, price=price, deadline=dl,
        first=arrays.years.index(arrays.horizon[0]),
        robust=robust_rows(options, arrays, additionality))


def robust_rows(options: OutcomeOptions, arrays: OutcomeArrays,
                additionality: np.ndarray | None = None) -> Any:
    """The sampled draws of the robust option (:class:`RobustRows`), or None.

    Yields and additionality are drawn as :func:`~missionfinance.outcomes.uncertainty.
    draw_factors` draws them (seed ``outcomes.robust.seed``); leverage and defaults are
    held as given in the optimisation (they are evaluated by ``simulate``).
    """
    rb = options.robust
    if rb is None:
        return None
    from missionfinance.model.outcomes import RobustRows
    from missionfinance.outcomes.uncertainty import draw_factors

    P = len(arrays.project_ids)
    a = np.ones(P) if additionality is None else additionality
    base = AllocationInputs(cash=np.zeros((P, len(arrays.horizon))),
                            private=np.zeros((P, 0, len(arrays.horizon))),
                            private_capacity=np.full(P, np.inf), additionality=a,
                            pd=np.zeros(P), instruments=())
    unc = options.uncertainty
    f = draw_factors(unc, arrays, base, rb.draws, rb.seed)
    return RobustRows(yield_factor=f.yield_factor,
                      additional=np.clip(a[None, :] * f.additionality, 0.0, 1.0),
                      alpha=rb.alpha,
                      limit=np.array([rb.limit.get(m.id, np.inf) for m in arrays.milestones]))


def _one(unit: str) -> str:
    """``"homes"`` → ``"home"``; ``"% of patients"`` → ``"percentage point"``."""
    if unit.startswith("%"):
        return "percentage point"
    word = unit.split(" (")[0]
    return word[:-1] if word.endswith("s") and not word.endswith("ss") else word


def _pounds(value_m: float) -> str:
    a = abs(value_m) * 1e6
    return f"£{a:,.0f}" if a < 1e8 else f"£{abs(value_m):,.0f}m"


def _rows_named(constraints: pd.DataFrame | None, names: list[str]) -> pd.DataFrame | None:
    """The rows of ``constraints`` with one of ``names``, indexed by name (None: no frame).

    Only the few rows asked for are indexed (a model has tens of thousands of rows).
    """
    if constraints is None or not len(constraints) or "name" not in constraints.columns:
        return None
    return constraints.loc[constraints["name"].isin(names).to_numpy()].set_index("name")


def shadow_words(arrays: OutcomeArrays, constraints: pd.DataFrame | None,
                 gap: np.ndarray | None = None) -> tuple[list[float], list[str]]:
    """Per milestone, the dual of its row at the deadline and what it means.

    With ``min_cost`` (row family ``outcome_target``) the £ cost of one more unit by the
    deadline; with ``mission_progress`` (``outcome_progress``) the weighted progress one
    more unit adds. Empty where the model had no such row. ``gap`` (units short at the
    deadline) tells a priced shortfall from a cost the pipeline can meet.
    """
    prices: list[float] = []
    words: list[str] = []
    rows = _rows_named(constraints, [f"{fam}[{m.id},{m.deadline}]" for m in arrays.milestones
                                     for fam in ("outcome_target", "outcome_progress")])
    for k, m in enumerate(arrays.milestones):
        price, text = float("nan"), ""
        short = gap is not None and gap[k] > 1e-6 * max(1.0, abs(m.target))
        for fam in ("outcome_target", "outcome_progress"):
            key = f"{fam}[{m.id},{m.deadline}]"
            if rows is None or key not in rows.index:
                continue
            dual = float(rows.loc[key, "dual"])
            price = abs(dual)
            if fam == "outcome_target" and short:
                text = (f"short of the target even at the optimum: each {_one(m.unit)} short "
                        f"by {m.deadline} is priced at {_pounds(price)} (outcomes.shortfall_price)")
            elif fam == "outcome_target":
                text = (f"one more {_one(m.unit)} by {m.deadline} costs {_pounds(price)}"
                        if price > 0 else f"the target for {m.deadline} is met: one more "
                        f"{_one(m.unit)} costs nothing more")
            else:
                text = (f"one more {_one(m.unit)} by {m.deadline} adds {price:.3g} of weighted "
                        "progress")
        prices.append(price)
        words.append(text)
    return prices, words
