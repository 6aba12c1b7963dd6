"""The allocation problem: its inputs as one frozen dataclass, and their validation.

:class:`AllocationProblem` holds everything the linear programme of DESIGN §4 needs:
the horizon, the canonical pipeline frame, the mission contributions from tagging,
the instrument menu, the control totals and the optional constraint families. It is
plain data; :func:`missionfinance.model.solve` turns it into a model and solves it.

Missing-value semantics (written once, here):

- ``private_capacity`` NaN → unlimited private co-investment for that project;
- a project absent from ``contributions`` (or a mission column absent) → contribution 0;
- a mission absent from ``weights`` → weight 1.0;
- a control or year absent from ``budget`` → that control total is unconstrained;
- a year absent from ``exposure`` → no exposure limit at that year end;
- ``start_year`` / ``end_year`` empty → the first / last year of the horizon.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from missionfinance.cashflows import commitment_cost
from missionfinance.errors import MissionFinanceError
from missionfinance.instruments import Instrument
from missionfinance.io.schema import DEFAULT_ADDITIONALITY, DEFAULT_LGD
from missionfinance.model.highs import SolverOptions

if TYPE_CHECKING:  # model.outcomes imports this module
    from missionfinance.model.outcomes import OutcomeRows

OBJECTIVES: tuple[str, ...] = ("mission_value", "private_mobilised", "min_cost",
                               "mission_progress")

#: Every constraint family, in build order. Each can be switched off with ``disabled``.
FAMILIES: tuple[str, ...] = (
    "budget",
    "capacity",
    "spend_profile",
    "crowding_in",
    "private_capacity",
    "guarantee_cover",
    "leverage_segments",
    "exposure",
    "expected_loss",
    "cvar",
    "mission_bounds",
    "regional",
    "instrument_mix",
    "targets",
    "outcomes",
    "min_ticket",
    "min_projects",
    "fiscal",
    "recycling",
)

#: Pipeline columns the model reads (DESIGN §3.2, docs/CONTRACTS.md).
PIPELINE_COLUMNS: tuple[str, ...] = (
    "project_id",
    "capacity",
    "private_capacity",
    "instruments",
    "pd",
    "lgd",
    "additionality",
    "start_year",
    "end_year",
)


@dataclass(frozen=True)
class Recycling:
    """Receipts of earlier commitments recycled into a control's later headroom.

    Attributes
    ----------
    control : str
        The control total (e.g. ``"FT"``) whose budget rows the receipts relax.
    """

    control: str


@dataclass(frozen=True)
class CvarLimit:
    """Risk appetite: CVaR at level ``alpha`` of simulated portfolio losses ≤ ``limit``.

    Attributes
    ----------
    alpha : float
        Confidence level, 0 < alpha < 1 (0.95 = the mean of the worst 5% of scenarios).
    limit : float [£m]
        Most CVaR of losses on loss-bearing instruments (loans, equity, guarantees).
    scenarios : int
        Number S of simulated default scenarios.
    rho : float
        Asset correlation of the one-factor Gaussian copula, 0 ≤ rho < 1.
    seed : int
        Seed of the scenario generator (numpy PCG64), so runs are reproducible.
    """

    alpha: float = 0.95
    limit: float = float("inf")
    scenarios: int = 500
    rho: float = 0.2
    seed: int = 20250611


@dataclass(frozen=True)
class MissionBound:
    """A mission floor and/or ceiling on mission-attributed public finance.

    ``unit = "gbp"``: Σ_p c_pm Σ_it x_pit ≥ floor [£m] (≤ ceiling).
    ``unit = "share"``: the same sum ≥ floor × total public allocation (≤ ceiling ×).
    """

    mission: str
    floor: float | None = None
    ceiling: float | None = None
    unit: Literal["gbp", "share"] = "gbp"


@dataclass(frozen=True)
class RegionalShare:
    """Share of total public allocation going to projects in ``regions``.

    Σ_{p in regions} Σ_it x_pit ≥ min_share × Σ_pit x_pit (and ≤ max_share ×). With
    ``outside = True`` the set is every region *not* listed (e.g. outside London and the
    South East).
    """

    name: str
    regions: tuple[str, ...]
    min_share: float | None = None
    max_share: float | None = None
    outside: bool = False


@dataclass(frozen=True)
class InstrumentMix:
    """Share of a mission's (or of the whole) allocation given through ``instruments``.

    With ``mission`` set, amounts are mission-attributed (weighted by c_pm); otherwise
    the whole allocation counts.
    """

    name: str
    instruments: tuple[str, ...]
    mission: str | None = None
    min_share: float | None = None
    max_share: float | None = None


@dataclass(frozen=True)
class Target:
    """A mission target for ``min_cost``: mission-attributed investment ≥ ``amount``.

    Mission-attributed investment is Σ_p c_pm (Σ_it x_pit + a_p y_p) [£m]. A shortfall
    s ≥ 0 is allowed at ``price`` per £m in the objective, so the answer says which
    target cannot be met and by how much.
    """

    mission: str
    amount: float
    price: float = 1000.0
    name: str = ""


@dataclass(frozen=True)
class AllocationProblem:
    """Inputs of the allocation LP (DESIGN §4). All money in £m.

    Attributes
    ----------
    years : tuple of str
        The horizon, financial years such as ``"2026-27"``, in order.
    projects : pandas.DataFrame
        Canonical pipeline frame: project_id (unique), capacity [£m, > 0],
        private_capacity [£m, NaN = unlimited], instruments (``;``-joined eligible
        names), leverage_<i> [£ private per £ public, NaN where not eligible],
        pd [0–1], lgd [0–1], additionality [0–1], start_year, end_year (financial
        years inside the horizon), and optionally region, name, department.
    contributions : pandas.DataFrame
        Index project_id, one column per mission id: c_pm [share]. Missing → 0.
    missions : tuple of str
        Mission ids, in report order.
    instruments : Mapping[str, Instrument]
        The instrument menu; every instrument a project names must be here.
    budget : Mapping[str, Mapping[str, float]]
        Control → year → control total B_ct [£m]. Absent = unconstrained.
    exposure : Mapping[str, float]
        Year → guarantee exposure stock limit G_t [£m] at that year end.
    objective : {"mission_value", "private_mobilised", "min_cost"}
        What is optimised (see docs/model.md).
    weights : Mapping[str, float]
        Mission → weight w_m. A mission absent here has weight 1.0.
    targets : tuple of Target
        Mission targets for ``min_cost`` (goal programming with priced shortfall).
    exposure_runoff : float [share per year]
        Share of outstanding exposure that runs off each year, 0 ≤ r < 1.
    leverage_segments : tuple of (float, float)
        Diminishing leverage: ``(upto, factor)`` pairs; up to ``upto`` × capacity of a
        project an instrument crowds in ``factor`` × leverage per £. Factors must not
        increase; the last ``upto`` is 1.0. Empty = constant leverage.
    expected_loss_limit : float or None [£m]
        Most total expected loss Σ pd·lgd·x over loss-bearing instruments (horizon).
    expected_loss_by_year : Mapping[str, float] [£m]
        Year → most expected loss on that year's commitments.
    cvar : CvarLimit or None
        Risk appetite limit (Rockafellar–Uryasev CVaR over simulated scenarios).
    mission_bounds, regional, instrument_mix : tuples
        Mission floors/ceilings, regional shares, instrument mix limits.
    min_ticket : float or None [£m]
        Integer feature: a funded project receives at least this much in total.
    min_projects : Mapping[str, int]
        Integer feature: at least k funded projects contributing to each mission.
    fiscal_caps : Mapping[str, Mapping[str, float]] [£m]
        Measure (``psnb``, ``current_deficit``, ``psnd``, ``psnfl``) → year → most effect
        of the allocation on it (:mod:`missionfinance.model.finance`).
    recycling : Recycling or None
        Receipts recycled into a control's later headroom.
    disabled : frozenset of str
        Constraint families switched off (names in :data:`FAMILIES`).
    solver : SolverOptions or None
        Solver options from the scenario; ``solve(problem, options)`` overrides them.
    context : str
        Name used in error messages (e.g. the scenario file name).
    outcomes : OutcomeRows or None
        Milestone outcome data (:mod:`missionfinance.model.outcomes`), used by
        ``mission_progress`` and, when given, by ``min_cost``.
    discount_rate : float or None [share a year, real]
        Rate of the economic cost's present value; None = the Green Book schedule (3.5%).
    even_drawdown : bool
        A project without ``max_per_year`` draws at most cap_p / n_p of public cash in any
        year of its n_p-year window (``spend_profile`` rows). Off by default: capacity is
        over the horizon (DESIGN §3.2), drawn in any split by year.
    financing_plan : bool
        Where a project gives no ``private_capacity``, public cash plus private money ≤
        cap_p (``financing_plan`` rows of the ``private_capacity`` family). Off by default:
        an empty private capacity is unlimited (DESIGN §3.2), private money bounded by
        leverage alone.
    """

    years: tuple[str, ...]
    projects: pd.DataFrame
    contributions: pd.DataFrame
    missions: tuple[str, ...]
    instruments: Mapping[str, Instrument]
    budget: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    exposure: Mapping[str, float] = field(default_factory=dict)
    objective: str = "mission_value"
    weights: Mapping[str, float] = field(default_factory=dict)
    targets: tuple[Target, ...] = ()
    exposure_runoff: float = 0.0
    leverage_segments: tuple[tuple[float, float], ...] = ()
    expected_loss_limit: float | None = None
    expected_loss_by_year: Mapping[str, float] = field(default_factory=dict)
    cvar: CvarLimit | None = None
    mission_bounds: tuple[MissionBound, ...] = ()
    regional: tuple[RegionalShare, ...] = ()
    instrument_mix: tuple[InstrumentMix, ...] = ()
    min_ticket: float | None = None
    min_projects: Mapping[str, int] = field(default_factory=dict)
    disabled: frozenset[str] = frozenset()
    solver: SolverOptions | None = None
    fiscal_caps: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    recycling: Recycling | None = None
    context: str = "allocation problem"
    outcomes: OutcomeRows | None = None
    discount_rate: float | None = None
    even_drawdown: bool = False
    financing_plan: bool = False

    def enabled(self, family: str) -> bool:
        """True when constraint ``family`` is switched on."""
        return family not in self.disabled

    @property
    def is_mip(self) -> bool:
        """True when an integer feature (min_ticket, min_projects) is in force."""
        return (self.min_ticket is not None and self.enabled("min_ticket")) or (
            bool(self.min_projects) and self.enabled("min_projects")
        )


@dataclass(frozen=True)
class ProblemData:
    """The problem as arrays, indexed by position (p, i, t, m, c). Built once by :func:`prepare`."""

    years: tuple[str, ...]
    project_ids: np.ndarray  # (P,) object
    regions: np.ndarray  # (P,) object
    instruments: tuple[str, ...]
    missions: tuple[str, ...]
    controls: tuple[str, ...]
    capacity: np.ndarray  # (P,) £m
    max_per_year: np.ndarray  # (P,) £m of public cash a year (spend profile), inf = no row
    private_capacity: np.ndarray  # (P,) £m, inf = unlimited
    leverage: np.ndarray  # (P, I), 0 where not eligible
    eligible: np.ndarray  # (P, I) bool
    pd: np.ndarray  # (P,)
    lgd: np.ndarray  # (P,)
    additionality: np.ndarray  # (P,)
    start: np.ndarray  # (P,) int year index
    end: np.ndarray  # (P,) int year index
    contrib: np.ndarray  # (P, M)
    weights: np.ndarray  # (M,)
    score: np.ndarray  # (I, C) £ of control per £
    loss_control: np.ndarray  # (I,) int control index or -1
    exposure_instr: np.ndarray  # (I,) bool
    bears_loss: np.ndarray  # (I,) bool
    cash: np.ndarray  # (I,) bool: grant, loan, equity (public cash); False for guarantees
    econ: np.ndarray  # (n_x,) economic cost per £1m of each x column [£m PV], cashflows.py
    # x columns: one per eligible, in-window (p, i, t), sorted by (p, i, t)
    xp: np.ndarray
    xi: np.ndarray
    xt: np.ndarray

    @property
    def expected_loss(self) -> np.ndarray:
        """el_p = pd_p × lgd_p [share]."""
        return np.asarray(self.pd * self.lgd)

    @property
    def value(self) -> np.ndarray:
        """v_p = Σ_m w_m c_pm: mission value per £ of investment in project p.

        Summed by numpy, not BLAS (``contrib @ weights``), whose kernels differ by CPU:
        the LP's coefficients, and so its answer, are the same on every machine.
        """
        return np.asarray((np.asarray(self.contrib, dtype=np.float64)
                           * np.asarray(self.weights, dtype=np.float64)).sum(axis=1))

    def control_coef(self, k: int) -> np.ndarray:
        """£ scored against control ``k`` per £ of each x column [£/£].

        The instrument's budget score for the control plus, for the control its expected
        loss is charged to, the project's expected loss (pd × lgd): the coefficient of the
        budget rows, of ``budget_cost`` and of the sweeps' budget used.
        """
        return np.asarray(self.score[self.xi, k]
                          + self.expected_loss[self.xp] * (self.loss_control[self.xi] == k))


def _err(problem: AllocationProblem, what: str) -> MissionFinanceError:
    return MissionFinanceError(f"{problem.context}: {what}")


def _year_index(col: pd.Series, years: tuple[str, ...], default: int, name: str,
                problem: AllocationProblem) -> np.ndarray:
    pos = {y: k for k, y in enumerate(years)}
    filled = col.where(col.notna() & (col.astype(str) != ""), other=years[default])
    codes, uniq = pd.factorize(filled.astype(str), sort=False)  # a few distinct years
    idx = np.array([pos.get(y, -1) for y in uniq], dtype=np.int64)[codes]
    if (idx < 0).any():
        k = int(np.flatnonzero(idx < 0)[0])
        raise _err(problem, f"projects row {k + 1}: {name} {filled.iloc[k]!r} is outside the "
                   f"horizon {years[0]}..{years[-1]}; clip it to the horizon")
    return idx


def check_values(problem: AllocationProblem) -> None:
    """The checks on mission weights, budget totals and exposure limits.

    These are the values a sweep changes most; :func:`prepare` makes the checks, and so
    does a re-solve that reuses its arrays.
    """
    years, missions = tuple(problem.years), tuple(problem.missions)
    for m, w in problem.weights.items():
        if m not in missions:
            raise _err(problem, f"weights names mission {m!r}, not one of {', '.join(missions)}")
        if isinstance(w, bool) or not isinstance(w, int | float | np.number) or not np.isfinite(w):
            raise _err(problem, f"weights.{m}: {w!r} must be a finite number")
    for c, by_year in problem.budget.items():
        for y, v in by_year.items():
            if y not in years:
                raise _err(problem, f"budget.{c}.{y}: year outside the horizon "
                           f"{years[0]}..{years[-1]}")
            if not np.isfinite(v) or v < 0:
                raise _err(problem, f"budget.{c}.{y}: {v!r} must be a number ≥ 0")
    for y, v in problem.exposure.items():
        if y not in years:
            raise _err(problem, f"exposure.{y}: year outside the horizon {years[0]}..{years[-1]}")
        if not (v >= 0 and np.isfinite(v)):
            raise _err(problem, f"exposure.{y}: {v!r} must be a finite number ≥ 0")


def mission_weights(problem: AllocationProblem, missions: tuple[str, ...]) -> np.ndarray:
    """The objective weight of each mission, in ``missions`` order (absent: 1.0)."""
    return np.array([float(problem.weights.get(m, 1.0)) for m in missions])


def same_prepared_inputs(problem: AllocationProblem, old: AllocationProblem) -> bool:
    """True when :func:`prepare` gives ``problem`` the data of ``old`` but for ``weights``.

    Budget totals and exposure limits do not enter :class:`ProblemData`, and mission
    weights enter only its ``weights``; every other field comes from the projects frame
    and contributions (compared as the same *objects*), the years, missions, instruments,
    objective, disabled families and budget controls compared here. A field added to
    :class:`ProblemData` must be derived from these, or added here.
    """
    return (problem.projects is old.projects
            and problem.contributions is old.contributions
            and tuple(problem.years) == tuple(old.years)
            and tuple(problem.missions) == tuple(old.missions)
            and dict(problem.instruments) == dict(old.instruments)
            and problem.objective == old.objective and problem.disabled == old.disabled
            and problem.discount_rate == old.discount_rate
            and problem.even_drawdown == old.even_drawdown
            and sorted(problem.budget) == sorted(old.budget))


def reprepare(problem: AllocationProblem, d: ProblemData) -> ProblemData:
    """:func:`prepare` of ``problem`` from the data ``d`` of a similar problem.

    The other problem has the same prepared inputs (:func:`same_prepared_inputs`): only
    the value checks run again and the weights are new.
    """
    check_values(problem)
    return replace(d, weights=mission_weights(problem, d.missions))


def _check_shares(problem: AllocationProblem, contrib: np.ndarray, missions: tuple[str, ...],
                  regions: np.ndarray, xp: np.ndarray, cash_x: np.ndarray) -> None:
    """Refuse share limits that only an empty allocation can meet, naming their keys.

    Mission share floors f_m (of public cash) need Σ_m f_m ≤ the largest Σ_m c_pm of a
    project with cash columns; a regional minimum share > 0 needs a project inside the
    region set (and a maximum share < 1 one outside). Otherwise the model would return an
    "optimal" allocation of nothing.
    """
    floors = [(b.mission, float(b.floor)) for b in problem.mission_bounds
              if b.unit == "share" and b.floor and problem.enabled("mission_bounds")]
    if floors:
        fundable = np.unique(xp[cash_x])
        cols = np.array([missions.index(m) for m, _ in floors], dtype=np.int64)
        best = float(contrib[np.ix_(fundable, cols)].sum(axis=1).max()) if fundable.size else 0.0
        total = sum(v for _, v in floors)
        if total > best + 1e-12:
            keys = " and ".join(f"constraints.mission_floor.{m} = {v:g}" for m, v in floors)
            raise _err(problem, f"{keys}: share floors sum to {total:g} of public cash, but no "
                       f"project's shares of those missions sum above {best:g}, so only an "
                       "empty allocation meets them; lower them (unit = 'share' is 0–1 of "
                       "the total) or give them in £m")
    if problem.enabled("regional"):
        folded = np.array([str(r).casefold() for r in regions], dtype=object)
        for r in problem.regional:
            inside = np.isin(folded[xp], [x.casefold() for x in r.regions])
            inside = ~inside if r.outside else inside
            where = ("outside " if r.outside else "in ") + ", ".join(r.regions)
            key = f"constraints.regional.{r.name}"
            if r.min_share and not inside.any():
                raise _err(problem, f"{key}.min_share = {r.min_share:g}: no project of the "
                           f"pipeline can be funded {where}, so only an empty allocation "
                           "meets it; fix the region names or remove the limit")
            if r.max_share is not None and r.max_share < 1 and not (~inside).any():
                raise _err(problem, f"{key}.max_share = {r.max_share:g}: every project is "
                           f"{where}, so only an empty allocation meets it; fix the region "
                           "names or remove the limit")


def prepare(problem: AllocationProblem) -> ProblemData:
    """Validate ``problem`` and turn it into arrays (no loop over projects).

    Raises
    ------
    MissionFinanceError
        On a missing column, a bad value or an unknown name, quoting it.
    """
    years = tuple(problem.years)
    if not years:
        raise _err(problem, "years is empty; give at least one financial year")
    df = problem.projects
    missing = [c for c in PIPELINE_COLUMNS if c not in df.columns]
    if missing:
        raise _err(problem, f"projects frame lacks column(s) {', '.join(missing)}")
    if problem.objective not in OBJECTIVES:
        raise _err(problem, f"objective {problem.objective!r} is unknown; use one of "
                   f"{', '.join(OBJECTIVES)}")
    unknown = sorted(set(problem.disabled) - set(FAMILIES))
    if unknown:
        raise _err(problem, f"disabled family {unknown[0]!r} is unknown; use {', '.join(FAMILIES)}")
    ids = df["project_id"].astype(str).to_numpy(dtype=object)
    if len(set(ids)) != len(ids):
        dup = pd.Series(ids).duplicated()
        raise _err(problem, f"project_id {ids[int(np.flatnonzero(dup)[0])]!r} is not unique")
    P = len(ids)
    cap = df["capacity"].to_numpy(dtype=np.float64)
    bad = ~(cap > 0) | ~np.isfinite(cap)
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise _err(problem, f"projects row {k + 1}: capacity {cap[k]!r} must be > 0")
    pcap = df["private_capacity"].to_numpy(dtype=np.float64).copy()
    if (pcap < 0).any():
        k = int(np.flatnonzero(pcap < 0)[0])
        raise _err(problem, f"projects row {k + 1}: private_capacity {pcap[k]!r} must be ≥ 0")
    pcap[np.isnan(pcap)] = np.inf

    def share(name: str, default: float) -> np.ndarray:
        arr = df[name].to_numpy(dtype=np.float64).copy()
        arr[np.isnan(arr)] = default
        bad = (arr < 0) | (arr > 1)
        if bad.any():
            k = int(np.flatnonzero(bad)[0])
            raise _err(problem, f"projects row {k + 1}: {name} {arr[k]!r} must be in 0–1")
        return arr

    pd_ = share("pd", 0.0)
    lgd = share("lgd", DEFAULT_LGD)
    add = share("additionality", DEFAULT_ADDITIONALITY)

    inames = tuple(problem.instruments)
    n_instr = len(inames)
    # the instrument lists are few distinct texts: each is parsed once, then its row of
    # eligibility is copied to the projects that give it
    lists, list_of = pd.factorize(df["instruments"].fillna("").astype(str), sort=False)
    exploded = (pd.Series(np.asarray(list_of, dtype=object), dtype=str)
                .str.lower().str.split(";").explode().str.strip())
    exploded = exploded[exploded != ""]
    ipos = {n: k for k, n in enumerate(inames)}
    codes = exploded.map(ipos)
    by_list = np.zeros((len(list_of), n_instr), dtype=bool)
    if codes.isna().any():
        bad = np.zeros(len(list_of), dtype=bool)
        bad[codes.index[codes.isna()].to_numpy(dtype=np.int64)] = True
        k = int(np.flatnonzero(bad[lists])[0])  # the first project with an unknown name
        name = exploded[codes.isna() & (codes.index == lists[k])].iloc[0]
        raise _err(problem, f"projects row {k + 1}: instrument {name!r} "
                   f"is not defined; define it under [instruments.<name>] or use one of "
                   f"{', '.join(inames)}")
    by_list[codes.index.to_numpy(dtype=np.int64), codes.to_numpy(dtype=np.int64)] = True
    eligible = by_list[lists]
    lev = np.zeros((P, n_instr))
    for k, name in enumerate(inames):
        col = f"leverage_{name}"
        if col in df.columns:
            lev[:, k] = df[col].to_numpy(dtype=np.float64)
        else:
            lev[:, k] = np.nan
    bad = eligible & ~((lev >= 0) & np.isfinite(lev))
    if bad.any():
        p, k = (int(a[0]) for a in np.nonzero(bad))
        raise _err(problem, f"projects row {p + 1}: leverage_{inames[k]} {lev[p, k]!r} must be "
                   f"≥ 0 for an eligible instrument (write 0 for none)")
    lev = np.where(eligible, lev, 0.0)
    cash = np.array([not problem.instruments[n].contingent for n in inames], dtype=bool)
    bad = eligible & ~cash[None, :] & (lev > 0) & (lev < 1)
    if bad.any():
        p, k = (int(a[0]) for a in np.nonzero(bad))
        raise _err(problem, f"projects row {p + 1}: leverage_{inames[k]} {lev[p, k]!r} is "
                   f"lending per £ of cover, so 1 / cover, and must be ≥ 1 (cover ≤ 100%) "
                   f"or 0 for none")

    start = _year_index(df["start_year"], years, 0, "start_year", problem)
    end = _year_index(df["end_year"], years, len(years) - 1, "end_year", problem)
    if (end < start).any():
        k = int(np.flatnonzero(end < start)[0])
        raise _err(problem, f"projects row {k + 1}: end_year {years[end[k]]!r} is before "
                   f"start_year {years[start[k]]!r}")
    # spend profile: the project's own max_per_year, else (with even_drawdown) cap / n_years
    per_year = cap / (end - start + 1) if problem.even_drawdown else np.full(len(cap), np.inf)
    if "max_per_year" in df.columns:
        given = df["max_per_year"].to_numpy(dtype=np.float64)
        bad = ~np.isnan(given) & ~(given > 0)
        if bad.any():
            k = int(np.flatnonzero(bad)[0])
            raise _err(problem, f"projects row {k + 1}: max_per_year {given[k]!r} must be > 0 "
                       "(or empty for no limit by year)")
        per_year = np.where(np.isnan(given), per_year, given)
    per_year = np.where(per_year >= cap, np.inf, per_year)  # capacity alone binds first

    missions = tuple(problem.missions)
    contrib_df = problem.contributions.copy()
    contrib_df.index = contrib_df.index.astype(str)
    contrib = (contrib_df.reindex(index=pd.Index(ids), columns=list(missions))
               .fillna(0.0).to_numpy(dtype=np.float64))
    check_values(problem)
    weights = mission_weights(problem, missions)

    controls = sorted({c for ins in problem.instruments.values() for c in ins.controls}
                      | set(problem.budget))
    cpos = {c: k for k, c in enumerate(controls)}
    score = np.zeros((n_instr, len(controls)))
    loss_control = np.full(n_instr, -1, dtype=np.int64)
    for k, name in enumerate(inames):
        ins = problem.instruments[name]
        for c, s in ins.budget_score.items():
            if not (np.isfinite(float(s)) and float(s) >= 0):
                raise _err(problem, f"instruments.{name}.budget_score.{c}: {s!r} must be a "
                           "finite number ≥ 0")
            score[k, cpos[c]] = float(s)
        if ins.expected_loss_to is not None:
            loss_control[k] = cpos[ins.expected_loss_to]
    exposure_instr = np.array([problem.instruments[n].exposure for n in inames], dtype=bool)
    bears = np.array([problem.instruments[n].bears_loss for n in inames], dtype=bool)
    T = len(years)
    tt = np.arange(T)
    window = (tt[None, :] >= start[:, None]) & (tt[None, :] <= end[:, None])  # (P, T)
    mask = eligible[:, :, None] & window[:, None, :]
    xp, xi, xt = np.nonzero(mask)
    regions = (df["region"].fillna("").astype(str).to_numpy(dtype=object)
               if "region" in df.columns else np.full(P, "", dtype=object))
    _check_shares(problem, contrib, missions, regions, xp, cash[xi])
    econ = economic_costs(problem, pd_, lgd, xp, xi, xt)
    return ProblemData(
        years=years, project_ids=ids, regions=regions, instruments=inames, missions=missions,
        controls=tuple(controls), capacity=cap, max_per_year=per_year, private_capacity=pcap,
        leverage=lev,
        eligible=eligible, pd=pd_, lgd=lgd, additionality=add, start=start, end=end,
        contrib=contrib, weights=weights, score=score, loss_control=loss_control,
        exposure_instr=exposure_instr, bears_loss=bears, cash=cash, econ=econ,
        xp=xp.astype(np.int64), xi=xi.astype(np.int64), xt=xt.astype(np.int64),
    )


def economic_costs(problem: AllocationProblem, pd_: np.ndarray, lgd: np.ndarray,
                   xp: np.ndarray, xi: np.ndarray, xt: np.ndarray) -> np.ndarray:
    """Economic cost per £1m of each x column [£m PV at the first year].

    Minus the present value of the instrument's expected cash-flow schedule for that
    project and year of commitment (:func:`missionfinance.cashflows.commitment_cost`, the
    one definition).
    """
    frame = problem.projects.reset_index(drop=True).assign(pd=pd_, lgd=lgd)
    econ = np.zeros(len(xp))
    for k, name in enumerate(problem.instruments):
        cols = np.flatnonzero(xi == k)
        if len(cols):
            econ[cols] = commitment_cost(frame, name, problem.instruments[name].terms, xp[cols],
                                         xt[cols], len(problem.years), problem.discount_rate)
    return econ
