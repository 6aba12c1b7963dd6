"""Re-solve in place: many problems of one structure on one HiGHS model, warm-started.

A sweep solves hundreds of variants of one scenario that differ only in numbers: a
budget envelope (row bounds), a mission weight (objective coefficients), a leverage
scaling (matrix values). Rebuilding and cold-solving each one repeats work HiGHS has
already done. A :class:`Resolver` keeps the HiGHS model of the last problem of each
structure and, for the next problem of that structure, pushes only what changed and
re-runs from the current basis:

1. the new problem is prepared and built from arrays with the model's own functions
   (:func:`~missionfinance.model.problem.prepare`, the ``add_<family>`` blocks of
   :mod:`missionfinance.model.build`); no solver is involved;
2. its *layout* — column groups and the project/instrument/year of every ``x`` column,
   row blocks and every row's name, the matrix pattern, the integrality and the solver
   options — is fingerprinted (:func:`layout_key`); a problem whose layout matches a
   loaded model is updated in place with ``changeColsCost``, ``changeColsBounds``,
   ``changeRowsBounds`` and, for changed matrix values on the same pattern,
   ``changeCoeff`` (in the loaded model's scaling, which stays a valid scaling);
3. HiGHS re-runs with simplex from the basis it holds (``solver="simplex"``: a
   warm-started simplex is the right algorithm for small changes);
4. anything else — a new layout, an integer model, more than a quarter of the matrix
   values changed, a rejected change — is a fresh load: ``passModel`` and a cold solve
   with the problem's own algorithm (interior point by default), exactly as ``solve``
   does; or, when the Resolver holds a :meth:`Resolver.seed` basis for that layout, a
   simplex started from it.

Step 1 stays cheap when a model is loaded (measured: building is most of the time of a
re-solve at the bundled example's size): ``build`` defers its row-label frame until it is
read (:class:`~missionfinance.model.linear.LinearModel`), and :class:`_PrepareCache`
reuses ``prepare``'s arrays when only weights, budget totals or exposure limits changed
(:func:`~missionfinance.model.problem.same_prepared_inputs` and
:func:`~missionfinance.model.problem.reprepare`, written beside ``prepare``). Every fresh
load also uses the real ``prepare`` and compares the cache with it (:func:`same_data`);
a difference switches the cache off for that Resolver (slower, never wrong).

What is checked, always (DESIGN §4 "Solver facts"): every HiGHS status; the threads of
the process (``HighsRun.run`` refuses a thread count other than the first solve's);
and a warm or seeded answer's primal feasibility against the new model's own bounds
(relative 1e-6). A warm run that is not optimal and feasible is never reported: the
problem is solved again by :func:`missionfinance.model.solve` itself, whose result (with
its conflict set for an infeasible problem) is returned.

What is the same as ``solve``: the status; the objective (to the solver's tolerance,
1e-6 relative is tested); the extraction code (:func:`missionfinance.model.result.extract`
on the same ``RawSolution`` fields, duals included). What may differ: where the LP has
ties (interchangeable years or projects of equal value per £) a warm simplex can stop at
another optimal vertex than interior point + crossover, so allocations, binding sets and
duals of degenerate rows may differ while the objective, feasibility and optimality of
the duals hold (tests check strong duality). A cold load is equal to ``solve`` bit for
bit. Results depend on the sequence of problems a Resolver has solved since its last
:meth:`Resolver.reset`; the sweep resets (and starts from one seed basis) at each fixed
chunk of variants, so its table does not depend on the workers.

Light extraction. :meth:`Resolver.outcome` returns an :class:`Outcome` (status, objective,
totals, per-mission value, budget used per control and year, binding rows, message,
conflict and, when asked, the allocation rows) computed from the same cleaned values as
:func:`~missionfinance.model.result.extract` (``clean_values`` then ``fill_private``) with
the same formulas, without the xarray dataset, the explanations in words or the marginal
re-solves, which cost more than the warm solve itself. :meth:`Outcome.from_result` gives the same fields
from a full :class:`~missionfinance.model.AllocationResult`; tests assert both agree.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any

import highspy
import numpy as np
import pandas as pd

from missionfinance._numbers import exact_dot, exact_weighted_sums
from missionfinance.model.build import build
from missionfinance.model.explain import NOUN
from missionfinance.model.highs import HighsRun, RawSolution, SolverOptions, check_scaling
from missionfinance.model.linear import LinearModel
from missionfinance.model.numerics import binding_mask
from missionfinance.model.problem import (
    AllocationProblem,
    ProblemData,
    prepare,
    reprepare,
    same_prepared_inputs,
)
from missionfinance.model.result import (
    AllocationResult,
    clean_values,
    extract,
    fill_private,
    private_cells,
)
from missionfinance.model.solve import marginal_private, solve, solver_record
from missionfinance.model.status import Status

if TYPE_CHECKING:  # a model's SciPy matrix imports it (LinearModel.matrix)
    import scipy.sparse as sp

#: A warm answer whose rows or columns break their bounds by more than this (relative to
#: max(1, |bound|)) is not trusted; the problem is solved again from scratch.
FEASIBILITY_TOL = 1e-6

#: Above this share of changed matrix values an in-place update is not worth it.
MAX_CHANGED_COEFFS = 0.25


@dataclass(frozen=True)
class Outcome:
    """The light result of one solve, as a sweep reports it.

    Attributes
    ----------
    status : Status
        As :attr:`AllocationResult.status`.
    objective : float or None
        The DESIGN §4 objective; None unless optimal.
    public_total, private_total : float [£m]
        Public cash (Σ x over grants, loans and equity) and Σ y of the allocation (0 unless
        optimal), as ``summary.json``.
    leverage : float or None [£ private per £ public]
        private_total / public_total; None when nothing is allocated.
    mission_values : dict of str to float
        Per mission: w_m × (public + additional private) attributed by c_pm.
    binding : tuple of str
        Names of the binding constraint rows, sorted.
    message : str
        One line on the outcome (for an infeasible problem it names the conflict).
    conflict : pandas.DataFrame
        The IIS in the scenario's words when infeasible; empty otherwise.
    budget_used : dict of str to dict of str to float [£m]
        Control → year → what the allocation uses of that control total (budget scored:
        Σ s_ic x_pit plus expected loss charged to the control; DESIGN §4, §7), for every
        control of the problem and every year of its horizon; empty unless optimal. The
        totals over years are ``summary.json``'s ``budget_scored``.
    allocation : pandas.DataFrame or None
        ``allocation.csv`` rows (``project_id, instrument, year, public, private``), only
        when asked for (``Resolver.outcome(..., allocation=True)``) and optimal.
    mode : str
        How it was solved: ``"cold"`` (built and handed to HiGHS, solved with the
        problem's algorithm), ``"seeded"`` (built, handed to HiGHS and solved with simplex
        from a :meth:`Resolver.seed` basis), ``"warm"`` (updated in place and re-run from
        the last basis) or ``"solve"`` (delegated to :func:`missionfinance.model.solve`:
        integer models, and warm or seeded runs that are not optimal and feasible).
    guarantee_total : float [£m]
        Face value of the guarantees issued (contingent, never in ``public_total``).
    additional_private_total : float [£m]
        Σ a_p y_p: the private money that would not happen without the allocation.
    economic_cost : float or None [£m, present value]
        What the allocation costs the Exchequer over the instruments' lives
        (``summary.json`` ``economic_cost``); None unless optimal.
    """

    status: Status
    objective: float | None
    public_total: float
    private_total: float
    leverage: float | None
    mission_values: dict[str, float]
    binding: tuple[str, ...]
    message: str
    conflict: pd.DataFrame = field(default_factory=pd.DataFrame)
    mode: str = "cold"
    budget_used: dict[str, dict[str, float]] = field(default_factory=dict)
    allocation: pd.DataFrame | None = None
    guarantee_total: float = 0.0
    additional_private_total: float = 0.0
    economic_cost: float | None = None

    @property
    def ok(self) -> bool:
        """True when optimal."""
        return self.status == Status.OPTIMAL

    @classmethod
    def from_result(cls, result: AllocationResult, mode: str = "solve") -> Outcome:
        """The same fields read from a full result (its summary, missions and constraints)."""
        s = result.summary
        values: dict[str, float] = {}
        if result.ok and len(result.missions):
            values = {str(m): float(v) for m, v in
                      zip(result.missions["mission"], result.missions["value"], strict=True)}
        binding: tuple[str, ...] = ()
        if result.ok and len(result.constraints):
            c = result.constraints
            binding = tuple(sorted(c.loc[c["binding"].astype(bool), "name"].astype(str)))
        lev = s.get("leverage")
        cost = s.get("economic_cost")
        return cls(result.status, result.objective, float(s.get("public_total", 0.0)),
                   float(s.get("private_total", 0.0)), None if lev is None else float(lev),
                   values, binding, result.message, result.conflict, mode,
                   _dataset_budget(result) if result.ok else {},
                   result.allocation if result.ok else None,
                   float(s.get("guarantee_total", 0.0)),
                   float(s.get("additional_private_total", 0.0)),
                   float(cost) if result.ok and cost is not None else None)


def _dataset_budget(result: AllocationResult) -> dict[str, dict[str, float]]:
    """Control → year → £m from a full result's ``budget_cost`` (summed over projects)."""
    ds = result.dataset
    if ds is None or "budget_cost" not in ds.data_vars:
        return {}
    cost = ds["budget_cost"].sum(("project", "instrument")).transpose("control", "year")
    years = [str(y) for y in cost["year"].values]
    return {str(c): dict(zip(years, map(float, row), strict=True))
            for c, row in zip(cost["control"].values, np.asarray(cost.values), strict=True)}


def budget_by_control(d: ProblemData, x: np.ndarray) -> dict[str, dict[str, float]]:
    """Control → year → £m used by the allocation ``x`` (the ``x`` columns' values).

    The coefficient of ``budget_cost`` in :func:`~missionfinance.model.result.extract`
    (:meth:`ProblemData.control_coef`).
    """
    T = len(d.years)
    out: dict[str, dict[str, float]] = {}
    for k, control in enumerate(d.controls):
        coef = d.control_coef(k)
        used = np.bincount(d.xt, weights=coef * x, minlength=T)
        out[str(control)] = {str(y): float(v) for y, v in zip(d.years, used, strict=True)}
    return out


def allocation_rows(d: ProblemData, model: LinearModel, values: np.ndarray) -> pd.DataFrame:
    """``allocation.csv`` rows of cleaned ``values``, split as :func:`extract` splits them.

    Private money per project goes to its (instrument, year) cells in proportion to
    leverage × public, or by year as the outcome rows timed it when the model has them.
    """
    x = values[model.groups["x"].slice]
    private = private_cells(d, model, values)
    # rows with public > 0 sorted by (project_id, instrument, year) as text, the order of
    # extract's sort_values (each key is unique), by integer ranks instead of strings
    ids = d.project_ids.astype(str)
    instruments = np.array(d.instruments, dtype=object)
    years = np.array(d.years, dtype=object)
    rank_p, rank_i, rank_t = (_ranks(v) for v in (ids, instruments.astype(str),
                                                   years.astype(str)))
    pos = np.flatnonzero(x > 0)
    pos = pos[np.lexsort((rank_t[d.xt[pos]], rank_i[d.xi[pos]], rank_p[d.xp[pos]]))]
    return pd.DataFrame({"project_id": ids[d.xp[pos]], "instrument": instruments[d.xi[pos]],
                         "year": years[d.xt[pos]], "public": x[pos],
                         "private": private[d.xp[pos], d.xi[pos], d.xt[pos]]})


def _ranks(values: np.ndarray) -> np.ndarray:
    """Position of each value in the sorted order of ``values``."""
    out = np.empty(len(values), dtype=np.int64)
    out[np.argsort(values, kind="stable")] = np.arange(len(values))
    return out


def light_outcome(problem: AllocationProblem, d: ProblemData, model: LinearModel,
                  a: sp.csc_matrix, raw: RawSolution, row_names: np.ndarray,
                  mode: str, allocation: bool = False) -> Outcome:
    """An optimal raw solution as an :class:`Outcome`, from the values ``extract`` uses.

    With ``allocation``, the outcome also carries the ``allocation.csv`` rows.
    """
    values = fill_private(d, model, problem, clean_values(raw.col_value, model))
    gx, gy = model.groups["x"], model.groups["y"]
    x, y = values[gx.slice], values[gy.slice]
    objective = exact_dot(model.cost, values)
    P = len(d.project_ids)
    pub_p = np.bincount(d.xp, weights=np.where(d.cash[d.xi], x, 0.0), minlength=P)
    add_p = d.additionality * y
    value = d.weights * (exact_weighted_sums(d.contrib, pub_p)
                         + exact_weighted_sums(d.contrib, add_p))
    pub_t, priv_t = float(pub_p.sum()), float(y.sum())
    binding = binding_mask(a @ values, model.row_lower, model.row_upper)
    return Outcome(Status.OPTIMAL, objective, pub_t, priv_t,
                   priv_t / pub_t if pub_t > 0 else None,
                   {m: float(v) for m, v in zip(d.missions, value, strict=True)},
                   tuple(sorted(str(n) for n in row_names[binding])),
                   f"optimal: {NOUN[problem.objective][3:]} {objective:,.6g}",
                   pd.DataFrame(), mode, budget_by_control(d, x),
                   allocation_rows(d, model, values) if allocation else None,
                   float(np.where(d.cash[d.xi], 0.0, x).sum()), float(add_p.sum()),
                   exact_dot(d.econ, x))


def same_model(a: LinearModel, b: LinearModel) -> bool:
    """True when two models have the same columns, rows, labels, bounds, costs and matrix."""
    if (a.sense, a.n_cols, a.n_rows) != (b.sense, b.n_cols, b.n_rows):
        return False
    if [(g.name, g.start, g.n) for g in a.groups.values()] != \
            [(g.name, g.start, g.n) for g in b.groups.values()]:
        return False
    if [(k.family, k.start, k.n) for k in a.blocks] != [(k.family, k.start, k.n) for k in b.blocks]:
        return False
    for x, y in ((a.cost, b.cost), (a.col_lower, b.col_lower), (a.col_upper, b.col_upper),
                 (a.row_lower, b.row_lower), (a.row_upper, b.row_upper),
                 (a.integrality, b.integrality)):
        if not np.array_equal(x, y):
            return False
    ma, mb = a.matrix(), b.matrix()
    if not (np.array_equal(ma.indptr, mb.indptr) and np.array_equal(ma.indices, mb.indices)
            and np.array_equal(ma.data, mb.data)):
        return False
    return a.row_meta.astype(object).equals(b.row_meta.astype(object))


# ----------------------------------------------------------------------------- prepare cache
class _PrepareCache:
    """``prepare`` for problems that share a projects frame and contributions.

    Budget totals and exposure limits do not enter :class:`ProblemData`; mission weights
    enter only ``weights``. So when a problem differs from a cached one only there (same
    projects and contributions *objects*, same years, missions, instruments, objective,
    disabled families and budget controls), the cached data are reused with the new
    weights, after the checks ``prepare`` makes on those values. Anything else is a full
    ``prepare``. The last ``size`` prepared problems are kept (a sweep that scales a
    pipeline column by a few factors has that many projects frames).
    """

    def __init__(self, size: int = 4) -> None:
        self.size = size
        self.entries: list[tuple[AllocationProblem, ProblemData]] = []

    def find(self, problem: AllocationProblem) -> ProblemData | None:
        """The cached data of a problem with the same inputs, or None."""
        for old, d in reversed(self.entries):
            if same_prepared_inputs(problem, old):
                return d
        return None

    def put(self, problem: AllocationProblem, d: ProblemData) -> None:
        """Remember ``d`` as the data of ``problem``."""
        self.entries = [e for e in self.entries if not same_prepared_inputs(problem, e[0])]
        self.entries.append((problem, d))
        del self.entries[:-self.size]

    def get(self, problem: AllocationProblem) -> ProblemData:
        """``prepare(problem)``, from the cache where the inputs allow it."""
        d = self.find(problem)
        if d is None:
            d = prepare(problem)
            self.put(problem, d)
            return d
        return reprepare(problem, d)


def same_data(a: ProblemData, b: ProblemData) -> bool:
    """True when every field of two ProblemData is equal (arrays element by element)."""
    for f in fields(a):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, np.ndarray) or isinstance(y, np.ndarray):
            if not (np.shape(x) == np.shape(y) and np.array_equal(x, y)):
                return False
        elif x != y:
            return False
    return True


#: What :func:`layout_key` returns: a hashable tuple compared exactly (no digest).
LayoutKey = tuple[Any, ...]


def layout_key(model: LinearModel, d: ProblemData, a: sp.csc_matrix, row_names: np.ndarray,
               options: SolverOptions) -> LayoutKey:
    """Everything an in-place update cannot change, as a hashable tuple.

    Column groups (name, size) and the project/instrument/year of each ``x`` column; row
    blocks (family, size) and every row's name; the sparsity pattern of A; the sense,
    the integrality and the solver options. A dictionary lookup compares keys exactly, so
    two layouts never share a loaded model by a hash collision.
    """
    arrays = tuple(np.ascontiguousarray(x, dtype=np.int64).tobytes()
                   for x in (d.xp, d.xi, d.xt, a.indptr, a.indices, model.integrality))
    return (model.sense, options,
            tuple((g.name, g.n) for g in model.groups.values()),
            tuple((b.family, b.n) for b in model.blocks),
            tuple(str(n) for n in row_names), tuple(str(p) for p in d.project_ids),
            tuple(d.instruments), tuple(d.years), arrays)


class _Loaded:
    """A model handed to HiGHS, with the arrays it currently holds (unscaled)."""

    def __init__(self, model: LinearModel, a: sp.csc_matrix, options: SolverOptions) -> None:
        self.run = HighsRun(model, options, a)
        self.cost = model.cost
        self.lower, self.upper = model.col_lower, model.col_upper
        self.row_lower, self.row_upper = model.row_lower, model.row_upper
        self.data = a.data.copy()
        self.cols = np.repeat(np.arange(a.shape[1], dtype=np.int64), np.diff(a.indptr))

    def update(self, model: LinearModel, a: sp.csc_matrix) -> bool:
        """Push the changed costs, bounds and matrix values; False if HiGHS refused one."""
        run = self.run
        h: Any = run.h  # highspy stubs lack changeRowsBounds
        sc, sr = run.sc, run.sr
        ok = True

        cost = model.cost
        j = np.flatnonzero(cost != self.cost)
        if j.size:
            ok &= _good(h.changeColsCost(int(j.size), j.astype(np.int32), cost[j] * sc[j]))
        lo, up = model.col_lower, model.col_upper
        j = np.flatnonzero((lo != self.lower) | (up != self.upper))
        if j.size:
            ok &= _good(h.changeColsBounds(int(j.size), j.astype(np.int32), lo[j] / sc[j],
                                          up[j] / sc[j]))
        rl, ru = model.row_lower, model.row_upper
        r = np.flatnonzero((rl != self.row_lower) | (ru != self.row_upper))
        if r.size:
            ok &= _good(h.changeRowsBounds(int(r.size), r.astype(np.int32), rl[r] * sr[r],
                                          ru[r] * sr[r]))
        k = np.flatnonzero(a.data != self.data)
        rows = a.indices[k]
        cols = self.cols[k]
        scaled = a.data[k] * sr[rows] * sc[cols]
        for row, col, val in zip(rows.tolist(), cols.tolist(), scaled.tolist(), strict=True):
            ok &= _good(h.changeCoeff(row, col, val))
        # HighsRun reads these for unscaling, the IIS and the marginal re-solves.
        run.model, run.a = model, a
        run.lower, run.upper, run.row_lower, run.row_upper = lo, up, rl, ru
        self.cost, self.lower, self.upper = cost, lo, up
        self.row_lower, self.row_upper, self.data = rl, ru, a.data.copy()
        return ok

    def warm(self) -> None:
        """Make the next ``run()`` a simplex from the current basis."""
        self.run.h.setOptionValue("solver", "simplex")
        self.run.algorithm = "simplex"


def _good(status: Any) -> bool:
    """False when a HiGHS call returned an error status."""
    return bool(status != highspy.HighsStatus.kError)


def feasible(model: LinearModel, a: sp.csc_matrix, values: np.ndarray,
             tol: float = FEASIBILITY_TOL) -> bool:
    """True when ``values`` keeps every column and row within its bounds (relative ``tol``)."""
    lo, up = model.col_lower, model.col_upper
    if np.any(values < lo - tol * np.maximum(1.0, np.abs(lo))):
        return False
    if np.any(values > up + tol * np.maximum(1.0, np.abs(np.where(np.isfinite(up), up, 0)))):
        return False
    lhs = a @ values
    rl, ru = model.row_lower, model.row_upper
    scale_l = tol * np.maximum(1.0, np.abs(np.where(np.isfinite(rl), rl, 0.0)))
    scale_u = tol * np.maximum(1.0, np.abs(np.where(np.isfinite(ru), ru, 0.0)))
    return bool(np.all(lhs >= rl - scale_l) and np.all(lhs <= ru + scale_u))


@dataclass
class ResolverStats:
    """Counts of how a Resolver's problems were solved."""

    cold: int = 0
    seeded: int = 0
    warm: int = 0
    delegated: int = 0
    rejected_warm: int = 0
    seconds: dict[str, float] = field(default_factory=lambda: {"build": 0.0, "solve": 0.0,
                                                                 "extract": 0.0})


class Resolver:
    """Solve a sequence of allocation problems, updating HiGHS in place where it can.

    One Resolver per process (HiGHS objects are not shared between threads); the sweep
    keeps one per worker process. ``slots`` layouts stay loaded at once (least recently
    used dropped first), so variants alternating between two structures do not rebuild.

    Parameters
    ----------
    options : SolverOptions, optional
        Used for every problem that gives none (as in :func:`solve`: the explicit options,
        else the problem's ``solver``, else the defaults).
    slots : int
        How many model layouts to keep loaded.
    warm : bool
        False forces a rebuild and cold solve for every problem (the reference path the
        benchmark compares against).
    """

    def __init__(self, options: SolverOptions | None = None, *, slots: int = 2,
                 warm: bool = True) -> None:
        self.options = options
        self.slots = max(1, int(slots))
        self.warm = warm
        self._loaded: OrderedDict[LayoutKey, _Loaded] = OrderedDict()
        self._prep = _PrepareCache()
        self._use_cache = True
        self._seeds: dict[LayoutKey, Any] = {}
        self._verified: set[LayoutKey] = set()
        #: What the seeds were made from (the sweep keeps its base data here).
        self.seeded_for: Any = None
        self.stats = ResolverStats()

    def __repr__(self) -> str:
        s = self.stats
        return (f"<Resolver {len(self._loaded)} loaded; cold={s.cold} warm={s.warm} "
                f"delegated={s.delegated}>")

    def reset(self) -> None:
        """Drop every loaded model; seeds are kept.

        The next problem of each layout is solved afresh (cold, as by ``solve``, or from a
        :meth:`seed` basis of its layout).
        """
        self._loaded.clear()

    def seed(self, problem: AllocationProblem, options: SolverOptions | None = None) -> bool:
        """Solve ``problem`` cold and keep its optimal basis for later loads of its layout.

        The basis is the starting point of every later fresh load of the same layout (until
        :meth:`clear_seeds`).

        A seeded load is a new HiGHS model started from that basis with simplex: much
        cheaper than a cold interior-point solve, and as deterministic (the seed depends
        only on ``problem``). Returns False when ``problem`` has no optimal LP basis.
        """
        options = self._options(problem, options)
        d, model, names = self._real(problem)
        a = model.matrix()
        if model.integrality.any():
            return False
        self._prep.put(problem, d)
        loaded = _Loaded(model, a, options)
        raw = loaded.run.run()
        if raw.status != Status.OPTIMAL:
            return False
        basis = loaded.run.h.getBasis()
        if not basis.valid:
            return False
        self._seeds[layout_key(model, d, a, names, options)] = basis
        return True

    def clear_seeds(self) -> None:
        """Forget every seed basis."""
        self._seeds.clear()
        self.seeded_for = None

    # ------------------------------------------------------------------ core
    def _options(self, problem: AllocationProblem, options: SolverOptions | None) -> SolverOptions:
        return options or self.options or problem.solver or SolverOptions()

    def _real(self, problem: AllocationProblem) -> tuple[ProblemData, LinearModel, np.ndarray]:
        """``prepare`` and ``build`` exactly as :func:`solve` does."""
        d = prepare(problem)
        model, _defaults = build(problem, d)
        return d, model, model.row_meta["name"].to_numpy(dtype=object)

    def _lean(self, problem: AllocationProblem) -> tuple[ProblemData, LinearModel, np.ndarray]:
        """The cheap path used to diff against a loaded model.

        The cached ``prepare`` and ``build`` (whose row-label frame is only built when
        read).
        """
        d = self._prep.get(problem) if self._use_cache else prepare(problem)
        model, _defaults = build(problem, d)
        return d, model, model.row_names()

    def _check_shortcuts(self, problem: AllocationProblem, d: ProblemData,
                         model: LinearModel, key: LayoutKey) -> None:
        """On a load from the real prepare, check the cached prepare against it.

        The cached prepare must equal it, or it is not used again by this Resolver. The
        layout is remembered as verified: later seeded loads of it may take the cheap path.
        """
        if self._use_cache and self._prep.find(problem) is not None:
            try:
                self._use_cache = same_data(self._prep.get(problem), d)
            except Exception:  # any drift from prepare switches the shortcut off
                self._use_cache = False
        self._prep.put(problem, d)
        self._verified.add(key)

    def _run(self, problem: AllocationProblem, options: SolverOptions) -> _Solved | None:
        """Build and solve; None when the problem must go to ``solve``.

        That is an integer model, or a warm run that is not optimal or not feasible.
        """
        t0 = time.perf_counter()
        lean = self.warm and bool(self._loaded or self._verified)
        d, model, names = self._lean(problem) if lean else self._real(problem)
        a = model.matrix()
        check_scaling(model, a)
        if model.integrality.any():
            return None
        key = layout_key(model, d, a, names, options)
        loaded = self._loaded.get(key) if self.warm else None
        mode = "warm"
        if loaded is not None:
            self._loaded.move_to_end(key)
            changed = int(np.count_nonzero(a.data != loaded.data))
            if changed > MAX_CHANGED_COEFFS * max(1, a.nnz) or not loaded.update(model, a):
                del self._loaded[key]
                loaded = None
        if loaded is None:
            mode = "cold"
            seed = self._seeds.get(key) if self.warm else None
            # A cold load always uses the real prepare (so it equals ``solve`` bit for bit);
            # a seeded load may use the cached one once its layout has been verified.
            if not (lean and seed is not None and key in self._verified):
                if lean:
                    d, model, names = self._real(problem)
                    a = model.matrix()
                    key = layout_key(model, d, a, names, options)
                if self.warm:
                    self._check_shortcuts(problem, d, model, key)
                seed = self._seeds.get(key) if self.warm else None
            loaded = _Loaded(model, a, options)
            if seed is not None and _good(loaded.run.h.setBasis(seed)):
                loaded.warm()
                mode = "seeded"
            self._loaded[key] = loaded
            while len(self._loaded) > self.slots:
                self._loaded.popitem(last=False)
        t1 = time.perf_counter()
        self.stats.seconds["build"] += t1 - t0
        algorithm = loaded.run.algorithm
        raw = loaded.run.run()
        loaded.warm()
        self.stats.seconds["solve"] += time.perf_counter() - t1
        if raw.status != Status.OPTIMAL:
            return None
        if mode != "cold" and not feasible(model, a, raw.col_value):
            self.stats.rejected_warm += 1
            return None
        if mode == "seeded":
            self.stats.seeded += 1
        elif mode == "warm":
            self.stats.warm += 1
        else:
            self.stats.cold += 1
        return _Solved(d, model, a, loaded.run, raw, names, mode, algorithm, t1 - t0)

    # ------------------------------------------------------------------ public
    def solve(self, problem: AllocationProblem,
              options: SolverOptions | None = None) -> AllocationResult:
        """Like :func:`missionfinance.model.solve` (same result object, same extraction).

        Updates the loaded HiGHS model in place when only numbers changed.

        ``solver["resolve"]`` says how it was solved: ``"cold"``, ``"seeded"``, ``"warm"``
        or ``"solve"`` (delegated to :func:`missionfinance.model.solve`); see
        :attr:`Outcome.mode`.
        """
        options = self._options(problem, options)
        t0 = time.perf_counter()
        got = self._run(problem, options)
        if got is None:
            self.stats.delegated += 1
            result = solve(problem, options)
            return replace(result, solver={**result.solver, "resolve": "solve"})
        t1 = time.perf_counter()
        marginal = marginal_private(got.run, got.model, got.d, problem, got.raw, options)
        t2 = time.perf_counter()
        result = extract(problem, got.d, got.model, got.raw, {}, marginal)
        t3 = time.perf_counter()
        self.stats.seconds["extract"] += t3 - t1
        rec = solver_record(options, got.algorithm, got.raw,
                            {"build": got.build_seconds, "solve": t1 - t0 - got.build_seconds,
                             "marginal": t2 - t1, "extract": t3 - t2})
        rec["resolve"] = got.mode
        return replace(result, solver=rec)

    def outcome(self, problem: AllocationProblem, options: SolverOptions | None = None, *,
                allocation: bool = False) -> Outcome:
        """The light result of ``problem`` (see :class:`Outcome`).

        With ``allocation``, :attr:`Outcome.allocation` holds the allocation rows (for
        milestone outcomes). Never raises on a solver outcome (infeasible, unbounded, …),
        only on invalid input.
        """
        options = self._options(problem, options)
        got = self._run(problem, options)
        if got is None:
            self.stats.delegated += 1
            out = Outcome.from_result(solve(problem, options), "solve")
            return out if allocation else replace(out, allocation=None)
        t1 = time.perf_counter()
        out = light_outcome(problem, got.d, got.model, got.a, got.raw, got.names, got.mode,
                            allocation)
        self.stats.seconds["extract"] += time.perf_counter() - t1
        return out



@dataclass
class _Solved:
    """An optimal solve of the Resolver, with what extraction needs."""

    d: ProblemData
    model: LinearModel
    a: sp.csc_matrix
    run: HighsRun
    raw: RawSolution
    names: np.ndarray
    mode: str
    algorithm: str
    build_seconds: float


def outcome_row(outcome: Outcome) -> dict[str, Any]:
    """An Outcome as the sweep's row fields.

    The fields are status, objective, totals (public cash, private, leverage, guarantees
    at face value, additional private, economic cost), value.<m>, control.<c> (budget used of
    control c over the horizon, £m) and control.<c>.<year> (in that year), binding, error
    (the message and conflict when not optimal).
    """
    row: dict[str, Any] = {
        "status": outcome.status.value,
        "objective": outcome.objective,
        "public_total": outcome.public_total if outcome.ok else None,
        "private_total": outcome.private_total if outcome.ok else None,
        "leverage": outcome.leverage,
        "guarantee_total": outcome.guarantee_total if outcome.ok else None,
        "additional_private_total": outcome.additional_private_total if outcome.ok else None,
        "economic_cost": outcome.economic_cost if outcome.ok else None,
    }
    for m, v in outcome.mission_values.items():
        row[f"value.{m}"] = v
    for c, by_year in outcome.budget_used.items():
        row[f"control.{c}"] = float(sum(by_year.values()))
        for year, v in by_year.items():
            row[f"control.{c}.{year}"] = v
    row["binding"] = ";".join(outcome.binding)
    error = ""
    if not outcome.ok:
        error = outcome.message
        c = outcome.conflict
        if c is not None and len(c) and "name" in c.columns:
            error += " Conflict: " + "; ".join(c["name"].astype(str))
    row["error"] = error
    return row
