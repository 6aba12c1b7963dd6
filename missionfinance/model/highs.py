"""The fast backend: hand the assembled matrix to HiGHS through highspy, read the answer.

Facts this module is built on (DESIGN §4, measured with HiGHS 1.15/1.16 on the project
machine): dual simplex (HiGHS's default choice) is unusable on this LP at scale, so the
algorithm is always set explicitly (default interior point with crossover, which returns
a vertex and clean duals); ``threads`` is fixed by the first ``run()`` of a process and a
later different value makes ``run()`` fail silently, so every status is checked; the
matrix is passed as arrays with ``passModel`` (no MPS file). Everything up to the hand-over
works on numpy arrays (:class:`~missionfinance.model.linear.CscArrays`, or a SciPy CSC
matrix, which has the same attributes): SciPy's sparse package takes about 0.1 s to import,
so it is imported while HiGHS solves (:func:`run_beside`), for the matrix products after it.

Scaling: columns and rows are scaled by powers of two (exact in binary floating point)
before the hand-over and unscaled after, so models holding £0.01m next to £100bn keep
HiGHS's absolute tolerances meaningful. Duals are reported in the model's own units:
``row_dual`` is d objective / d row bound (HiGHS's convention, verified by a hand case:
in a maximisation a binding ≤ row has a positive dual).
"""

from __future__ import annotations

import math
import os
import sys
import threading
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, TypeAlias

import highspy
import numpy as np

from missionfinance._fs import Interrupted
from missionfinance.errors import MissionFinanceWarning
from missionfinance.model.linear import CscArrays, LinearModel
from missionfinance.model.status import Status

if TYPE_CHECKING:
    import scipy.sparse as sp

#: A constraint matrix in CSC form: the model's arrays or a SciPy matrix (same attributes).
Csc: TypeAlias = "CscArrays | sp.csc_matrix"

_FIRST_THREADS: list[int] = []


@dataclass(frozen=True)
class SolverOptions:
    """Options of a solve. Defaults are deterministic (one thread, fixed seed).

    Attributes
    ----------
    algorithm : {"ipm", "simplex", "auto"}
        HiGHS algorithm, chosen by measurement (benchmarks/README.md, "Model"): ``"auto"``
        (default) runs dual simplex below 20,000 columns, where it is about 3× faster
        than interior point, and interior point with crossover from 20,000 columns, where
        dual simplex stalls (DESIGN §4: no progress in 10 minutes at 100,000 projects).
    crossover : bool
        Run crossover after interior point (a vertex answer with exact binding sets).
    threads : int
        HiGHS threads; fixed for the whole process by its first solve.
    seed : int
        HiGHS ``random_seed``.
    time_limit : float [s]
        Wall-clock limit; a solve that hits it reports ``time_limit``, never optimal.
    primal_tolerance, dual_tolerance, ipm_tolerance : float
        HiGHS feasibility and optimality tolerances (on the scaled model).
    mip_rel_gap : float
        Relative MIP gap for the integer features.
    scale : {"auto", "on", "off"}
        Power-of-two row and column scaling before the hand-over. ``"auto"`` scales only
        a badly scaled model (coefficients spanning more than 1e6 or limits more than
        1e8): measured on
        the benchmark, scaling a well-scaled model makes interior point slower (HiGHS
        scales internally too), while £0.01m next to £100bn needs it.
    marginal_private : bool or None
        Re-solve each binding budget/exposure/risk row with £1m more headroom to say how
        much private investment it adds. None = only when the model has ≤ 50,000 columns.
    output : bool
        Let HiGHS print its log.
    """

    algorithm: str = "auto"
    crossover: bool = True
    threads: int = 1
    seed: int = 0
    time_limit: float = math.inf
    primal_tolerance: float = 1e-7
    dual_tolerance: float = 1e-7
    ipm_tolerance: float = 1e-8
    mip_rel_gap: float = 1e-6
    scale: str = "auto"
    marginal_private: bool | None = None
    output: bool = False

    def as_dict(self) -> dict[str, Any]:
        """Options as a plain dict (for the result's ``solver`` record)."""
        out = asdict(self)
        out["time_limit"] = None if math.isinf(self.time_limit) else self.time_limit
        return out


@dataclass
class RawSolution:
    """What a backend returns, in the model's units (unscaled)."""

    status: Status
    message: str = ""
    col_value: np.ndarray = field(default_factory=lambda: np.zeros(0))
    row_value: np.ndarray = field(default_factory=lambda: np.zeros(0))
    col_dual: np.ndarray = field(default_factory=lambda: np.zeros(0))
    row_dual: np.ndarray = field(default_factory=lambda: np.zeros(0))
    model_status: str = ""
    iterations: dict[str, int] = field(default_factory=dict)
    mip: bool = False
    iis_rows: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    iis_cols: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


def _pow2(x: np.ndarray) -> np.ndarray:
    out = np.ones_like(x)
    ok = np.isfinite(x) & (x > 0)
    out[ok] = np.exp2(np.round(np.log2(x[ok])))
    return out


def _columns(a: Csc) -> np.ndarray:
    """The column of each stored value of a CSC matrix."""
    return np.repeat(np.arange(a.shape[1], dtype=np.int64), np.diff(a.indptr))


def scaling(model: LinearModel, a: Csc) -> tuple[np.ndarray, np.ndarray]:
    """Power-of-two column and row scale factors (x = sc · x', row' = sr · row).

    Columns: by the largest finite |bound| or, failing that, 1. Rows: by the largest
    |coefficient| of the column-scaled row, so every row's largest entry is about 1.
    """
    ub = model.col_upper
    sc = _pow2(np.where(np.isfinite(ub) & (ub > 0), ub, 1.0))
    sc = np.minimum(sc, 2.0**20)
    rmax = np.zeros(a.shape[0])
    np.maximum.at(rmax, np.asarray(a.indices), np.abs(a.data * sc[_columns(a)]))
    sr = 1.0 / _pow2(np.where(rmax > 0, rmax, 1.0))
    return sc, sr


def scaled_matrix(a: Csc, sr: np.ndarray, sc: np.ndarray) -> CscArrays:
    """``diag(sr) · A · diag(sc)``: each stored value times its row's and column's factor.

    Products that underflow to zero are dropped, as a sparse matrix product drops them.
    """
    col = _columns(a)
    data = np.asarray(a.data) * sr[a.indices] * sc[col]
    keep = data != 0
    if keep.all():
        return CscArrays(np.asarray(a.indptr), np.asarray(a.indices), data, a.shape)
    indptr = np.zeros(a.shape[1] + 1, dtype=np.asarray(a.indptr).dtype)
    np.cumsum(np.bincount(col[keep], minlength=a.shape[1]), out=indptr[1:])
    return CscArrays(indptr, np.asarray(a.indices)[keep], data[keep], a.shape)


def scale_ranges(model: LinearModel, a: Csc) -> tuple[float, float]:
    """Ratio max/min of the non-zero |coefficients| and of the finite non-zero |limits|."""
    vals = np.abs(a.data)
    rhs = np.abs(np.concatenate([model.row_lower, model.row_upper, model.col_upper]))
    rhs = rhs[np.isfinite(rhs) & (rhs > 0)]
    cr = float(vals.max() / vals.min()) if vals.size else 1.0
    rr = float(rhs.max() / rhs.min()) if rhs.size else 1.0
    return cr, rr


def check_scaling(model: LinearModel, a: Csc) -> str | None:
    """Warn (MissionFinanceWarning) when coefficients or limits span more than 1e10."""
    vals = np.abs(a.data)
    rhs = np.abs(np.concatenate([model.row_lower, model.row_upper, model.col_upper]))
    rhs = rhs[np.isfinite(rhs) & (rhs > 0)]
    cr, rr = scale_ranges(model, a)
    msg = []
    if cr > 1e10:
        msg.append(f"matrix coefficients span {vals.min():.3g}..{vals.max():.3g}")
    if rr > 1e10:
        msg.append(f"limits span {rhs.min():.3g}..{rhs.max():.3g} £m")
    if msg:
        text = ("badly scaled inputs: " + "; ".join(msg) + "; check units (all money in £m) "
                "and drop negligible coefficients")
        warnings.warn(text, MissionFinanceWarning, stacklevel=3)
        return text
    return None


_STATUS = {
    highspy.HighsModelStatus.kOptimal: Status.OPTIMAL,
    highspy.HighsModelStatus.kInfeasible: Status.INFEASIBLE,
    highspy.HighsModelStatus.kUnbounded: Status.UNBOUNDED,
    highspy.HighsModelStatus.kTimeLimit: Status.TIME_LIMIT,
    highspy.HighsModelStatus.kIterationLimit: Status.TIME_LIMIT,
}


_BANNER_SHOWN = False


def new_highs() -> highspy.Highs:
    """A new ``highspy.Highs``, without the copyright banner HiGHS prints on stdout.

    HiGHS writes its banner from C++ the first time a solver object is made in a
    process, straight to file descriptor 1, where it would land in CLI output and
    notebook cells; the first construction therefore runs with fd 1 sent to devnull.
    """
    global _BANNER_SHOWN
    if _BANNER_SHOWN:
        return highspy.Highs()
    _BANNER_SHOWN = True
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError):  # no usable fd 1 (embedded interpreters): print it
        return highspy.Highs()
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            return highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def highs_version() -> str:
    """The HiGHS version string, e.g. ``"1.16.0"``."""
    return str(new_highs().version())


def import_after_solve() -> None:
    """Import what reading a solution needs and the hand-over does not.

    That is SciPy's sparse matrices (:meth:`~missionfinance.model.linear.LinearModel.matrix`,
    about 0.1 s to import); :meth:`HighsRun.run` has it done while HiGHS solves, with the
    model's SciPy matrix and row labels, after the caller's own work beside the solve.
    """
    import scipy.sparse  # noqa: F401


def run_beside(h: highspy.Highs, beside: Callable[[], None]) -> highspy.HighsStatus:
    """``h.run()`` in a worker thread while ``beside()`` runs in the calling thread.

    highspy releases the GIL for the whole of ``run`` (measured with HiGHS 1.16: a pure
    Python loop runs at full speed beside a solve), so work that does not depend on the
    solution (tagging the baseline, imports the report needs) costs no wall time on a
    machine with a second core. HiGHS's options, and so its answer, are the same in any
    thread; as highspy's own ``startSolve`` does, the worker shuts down the thread
    scheduler HiGHS made for it before it ends. An exception in ``beside`` is raised once
    the solve has finished (HiGHS cannot be stopped from outside without callbacks), and
    one in the solve after ``beside`` has returned. A stop signal of the command line
    (:class:`~missionfinance._fs.Interrupted`: SIGINT, SIGTERM, SIGHUP) is raised at once,
    whether it comes in ``beside`` or while waiting for the solve, which is left to end with
    the process; any other interruption (Ctrl-C in a notebook) waits for the solve first,
    so that a later solve in the same process never runs beside this one.
    """
    outcome: dict[str, Any] = {}

    def solve() -> None:
        try:
            outcome["status"] = h.run()
        except BaseException as exc:  # handed to the calling thread
            outcome["error"] = exc
        finally:
            highspy.Highs.resetThreadScheduler(False)

    worker = threading.Thread(target=solve, name="HiGHS", daemon=True)
    worker.start()
    try:
        beside()
        worker.join()
    except Interrupted:
        raise  # the command is ending: the solve, in a daemon thread, ends with the process
    except BaseException:
        worker.join()  # (a Ctrl-C in a notebook: the next solve must not meet this one)
        raise
    if "error" in outcome:
        raise outcome["error"]
    return outcome["status"]


def _new_highs(options: SolverOptions, algorithm: str) -> highspy.Highs:
    h = new_highs()
    h.setOptionValue("output_flag", bool(options.output))
    h.setOptionValue("threads", int(options.threads))
    h.setOptionValue("random_seed", int(options.seed))
    h.setOptionValue("solver", algorithm)
    if algorithm == "ipm":
        h.setOptionValue("run_crossover", "on" if options.crossover else "off")
    if math.isfinite(options.time_limit):
        h.setOptionValue("time_limit", float(options.time_limit))
    h.setOptionValue("primal_feasibility_tolerance", options.primal_tolerance)
    h.setOptionValue("dual_feasibility_tolerance", options.dual_tolerance)
    h.setOptionValue("ipm_optimality_tolerance", options.ipm_tolerance)
    h.setOptionValue("mip_rel_gap", options.mip_rel_gap)
    return h


def choose_algorithm(model: LinearModel, options: SolverOptions) -> str:
    """The HiGHS ``solver`` value for ``options.algorithm`` (``"auto"`` by model size)."""
    if options.algorithm == "auto":
        return "simplex" if model.n_cols < 20_000 else "ipm"
    return options.algorithm


class HighsRun:
    """One model handed to HiGHS: pass, run, read, re-run with changed row bounds."""

    def __init__(self, model: LinearModel, options: SolverOptions,
                 a: Csc | None = None) -> None:
        self.model = model
        self.options = options
        self.a: Csc = model.csc() if a is None else a
        cr, rr = scale_ranges(model, self.a)
        self.scaled = options.scale == "on" or (options.scale == "auto"
                                                and (cr > 1e6 or rr > 1e8))
        if self.scaled:
            self.sc, self.sr = scaling(model, self.a)
        else:
            self.sc, self.sr = np.ones(model.n_cols), np.ones(model.n_rows)
        self.algorithm = choose_algorithm(model, options)
        self.integrality = model.integrality
        self.lower = model.col_lower
        self.upper = model.col_upper
        self.row_lower = model.row_lower
        self.row_upper = model.row_upper
        self.h = self._pass(self.integrality, self.lower, self.upper)

    def _pass(self, integrality: np.ndarray, lower: np.ndarray, upper: np.ndarray,
              algorithm: str | None = None) -> highspy.Highs:
        m, sc, sr = self.model, self.sc, self.sr
        a = scaled_matrix(self.a, sr, sc) if self.scaled else self.a
        h = _new_highs(self.options, algorithm or self.algorithm)
        sense = highspy.ObjSense.kMaximize if m.sense == "max" else highspy.ObjSense.kMinimize
        status = h.passModel(
            int(m.n_cols), int(m.n_rows), int(a.nnz), int(highspy.MatrixFormat.kColwise),
            int(sense), 0.0, m.cost * sc, lower / sc, upper / sc,
            self.row_lower * sr, self.row_upper * sr,
            a.indptr.astype(np.int32), a.indices.astype(np.int32), a.data.astype(np.float64),
            integrality.astype(np.int32),
        )
        if status == highspy.HighsStatus.kError:
            raise RuntimeError("HiGHS rejected the model in passModel")
        return h

    def run(self, h: highspy.Highs | None = None,
            beside: Callable[[], None] | None = None) -> RawSolution:
        """Run HiGHS and return the unscaled solution with a checked status.

        ``beside``, when given, is called in this thread while HiGHS solves in another
        (see :func:`run_beside`); it must not depend on the solution. After it, the same
        thread imports SciPy's sparse package (:func:`import_after_solve`) and makes the
        model's SciPy matrix and row labels, which reading the solution needs.
        """
        h = self.h if h is None else h
        threads = int(self.options.threads)
        if _FIRST_THREADS and _FIRST_THREADS[0] != threads:
            return RawSolution(Status.ERROR, (
                f"threads={threads} differs from threads={_FIRST_THREADS[0]} of the first "
                "HiGHS solve in this process; HiGHS fixes its thread pool at the first run: "
                "use the same threads or restart Python"))
        if beside is None:
            run_status = h.run()
        else:
            model = self.model

            def beside_and_reading() -> None:
                beside()
                import_after_solve()
                model.matrix()  # what reading any solution needs, made while HiGHS solves
                _ = model.row_meta

            run_status = run_beside(h, beside_and_reading)
        if not _FIRST_THREADS:
            _FIRST_THREADS.append(threads)
        ms = h.getModelStatus()
        text = h.modelStatusToString(ms)
        status = _STATUS.get(ms, Status.ERROR)
        if ms == highspy.HighsModelStatus.kUnboundedOrInfeasible:
            status = self._settle_unbounded_or_infeasible()
        if run_status == highspy.HighsStatus.kError and status == Status.OPTIMAL:
            status = Status.ERROR
        info = h.getInfo()
        iters = {"simplex": int(info.simplex_iteration_count),
                 "ipm": int(info.ipm_iteration_count),
                 "crossover": int(info.crossover_iteration_count)}
        raw = RawSolution(status, f"HiGHS model status: {text}", model_status=text,
                          iterations=iters)
        if status == Status.OPTIMAL or (status == Status.TIME_LIMIT
                                        and info.primal_solution_status == 2):
            sol = h.getSolution()
            raw.col_value = np.asarray(sol.col_value) * self.sc
            raw.row_value = np.asarray(sol.row_value) / self.sr
            if sol.dual_valid:
                raw.col_dual = np.asarray(sol.col_dual) / self.sc
                raw.row_dual = np.asarray(sol.row_dual) * self.sr
            else:
                raw.col_dual = np.full(self.model.n_cols, np.nan)
                raw.row_dual = np.full(self.model.n_rows, np.nan)
        if status == Status.INFEASIBLE and not self.integrality.any():
            raw.iis_rows, raw.iis_cols = self.iis()
        return raw

    def _settle_unbounded_or_infeasible(self) -> Status:
        """Presolve cannot tell infeasible from unbounded: re-run without presolve."""
        h = self._pass(np.zeros_like(self.integrality), self.lower, self.upper, "simplex")
        h.setOptionValue("presolve", "off")
        h.run()
        return _STATUS.get(h.getModelStatus(), Status.INFEASIBLE)

    def iis(self) -> tuple[np.ndarray, np.ndarray]:
        """Rows and columns of an irreducible infeasible subsystem.

        HiGHS (1.16) reads ``iis_strategy`` as a bitmask (``highspy.IisStrategy``): 1 from
        the dual ray, 2 from the LP, 4 irreducible, 8 column priority. Without bit 4 the set
        is only an infeasible subsystem, so 2 | 4 is asked first, then 1 | 4, then 2. The
        rows HiGHS gives are then passed through :meth:`deletion_filter`, which makes the
        set irreducible whatever HiGHS returned (each row, dropped alone, makes it
        feasible).
        """
        irreducible = int(highspy.IisStrategy.kIisStrategyIrreducible)
        for strategy in (int(highspy.IisStrategy.kIisStrategyFromLp) | irreducible,
                         int(highspy.IisStrategy.kIisStrategyFromRay) | irreducible,
                         int(highspy.IisStrategy.kIisStrategyFromLp)):
            h = self._pass(self.integrality, self.lower, self.upper, "simplex")
            h.setOptionValue("iis_strategy", strategy)
            h.run()
            status, iis = h.getIis()
            if status != highspy.HighsStatus.kError and iis.valid_ and len(iis.row_index_):
                rows = self.deletion_filter(np.asarray(iis.row_index_, dtype=np.int64))
                if rows.size:
                    return rows, self.bound_filter(rows, np.asarray(iis.col_index_,
                                                                    dtype=np.int64))
        if self.model.n_rows <= 2000:
            rows = self.deletion_filter(np.arange(self.model.n_rows, dtype=np.int64))
            return rows, np.zeros(0, dtype=np.int64)
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)

    def feasible_with_rows(self, rows: np.ndarray,
                           free_cols: np.ndarray | None = None) -> bool | None:
        """Whether the model with only ``rows`` has a feasible point.

        Every other row is free; column bounds are kept except those of ``free_cols``.
        None when HiGHS cannot tell.
        """
        lower, upper = self.lower.copy(), self.upper.copy()
        if free_cols is not None and free_cols.size:
            lower[free_cols], upper[free_cols] = -np.inf, np.inf
        h = self._pass(np.zeros_like(self.integrality), lower, upper, "simplex")
        keep = np.zeros(self.model.n_rows, dtype=bool)
        keep[rows] = True
        free = np.flatnonzero(~keep)
        if free.size:
            h.changeRowsBounds(int(free.size), free.astype(np.int32),  # type: ignore[attr-defined]
                               np.full(free.size, -highspy.kHighsInf),
                               np.full(free.size, highspy.kHighsInf))
        h.changeColsCost(int(self.model.n_cols), np.arange(self.model.n_cols, dtype=np.int32),
                         np.zeros(self.model.n_cols))
        h.run()
        ms = h.getModelStatus()
        if ms == highspy.HighsModelStatus.kOptimal:
            return True
        if ms == highspy.HighsModelStatus.kInfeasible:
            return False
        return None

    def deletion_filter(self, rows: np.ndarray) -> np.ndarray:
        """The deletion filter (Chinneck) for an irreducible infeasible set of rows.

        Drops each row in turn and keeps it out while the rest stays infeasible. Returns an
        irreducible set of rows (sorted), or an empty array when ``rows`` alone are feasible.
        """
        rows = np.unique(rows)
        if self.feasible_with_rows(rows) is not False:
            return np.zeros(0, dtype=np.int64)
        kept = list(rows)
        for r in rows:
            trial = np.array([k for k in kept if k != r], dtype=np.int64)
            if self.feasible_with_rows(trial) is False:
                kept = list(trial)
        return np.array(kept, dtype=np.int64)

    def bound_filter(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """The columns of ``cols`` whose bounds the conflict of ``rows`` needs.

        Each bound is freed in turn (with those already found unneeded); a column is needed
        when freeing its bound leaves the rows feasible.
        """
        needed: list[int] = []
        freed: list[int] = []
        for c in np.unique(cols):
            trial = np.array([*freed, c], dtype=np.int64)
            if self.feasible_with_rows(rows, trial) is False:
                freed.append(int(c))
            else:
                needed.append(int(c))
        return np.array(needed, dtype=np.int64)

    def fixed_lp(self, values: np.ndarray) -> RawSolution:
        """Fix the integer columns at ``values`` and solve the LP (its duals explain the MIP)."""
        integer = self.integrality.astype(bool)
        lower, upper = self.lower.copy(), self.upper.copy()
        lower[integer] = upper[integer] = np.round(values[integer])
        h = self._pass(np.zeros_like(self.integrality), lower, upper)
        return self.run(h)

    def resolve_with_coeffs(self, row: int, cols: np.ndarray, delta: np.ndarray) -> float | None:
        """Objective after adding ``delta`` to the coefficients of ``row`` at ``cols``.

        Found by re-solving (warm-started simplex on the model's HiGHS object); the
        coefficients are put back. None when the re-solve is not optimal.
        """
        h = self.h
        h.setOptionValue("solver", "simplex")
        a = self.a
        entries = np.flatnonzero(np.asarray(a.indices) == int(row))
        dense = np.zeros(a.shape[1])
        dense[_columns(a)[entries]] = np.asarray(a.data)[entries]
        old = dense[cols]
        sr = float(self.sr[row])
        for c, v in zip(cols, old + delta, strict=True):
            h.changeCoeff(int(row), int(c), float(sr * v * self.sc[c]))
        h.run()
        ok = h.getModelStatus() == highspy.HighsModelStatus.kOptimal
        value = float(h.getInfo().objective_function_value) if ok else None
        for c, v in zip(cols, old, strict=True):
            h.changeCoeff(int(row), int(c), float(sr * v * self.sc[c]))
        return value

    def resolve_with_rows(self, rows: np.ndarray, delta: float) -> np.ndarray | None:
        """Re-solve with ``delta`` more headroom on each of ``rows`` in turn.

        Returns the column values (n_rows_given × n_cols), NaN rows where the re-solve
        failed. Uses a warm-started simplex on one HiGHS object.
        """
        if rows.size == 0:
            return np.zeros((0, self.model.n_cols))
        h = self.h
        h.setOptionValue("solver", "simplex")
        out = np.full((len(rows), self.model.n_cols), np.nan)
        for k, r in enumerate(rows):
            lo, up = self.row_lower[r], self.row_upper[r]
            new_lo = lo - delta if np.isfinite(lo) and not np.isfinite(up) else lo
            new_up = up + delta if np.isfinite(up) else up
            if np.isfinite(lo) and np.isfinite(up) and lo == up:
                new_lo = new_up = up + delta
            h.changeRowBounds(int(r), float(new_lo * self.sr[r]), float(new_up * self.sr[r]))
            h.run()
            if h.getModelStatus() == highspy.HighsModelStatus.kOptimal:
                out[k] = np.asarray(h.getSolution().col_value) * self.sc
            h.changeRowBounds(int(r), float(lo * self.sr[r]), float(up * self.sr[r]))
        return out
