"""The result of a solve: an xarray Dataset, frames by mission, project and constraint.

Private money in the allocation. The LP decides y_p, the private investment project p
mobilises. Where y_p carries no weight in the objective (a project of zero mission value,
or zero additionality) the LP is indifferent to it; the result then reports the most private
money the allocation crowds in, min(pcap_p, Σ_i lev_pi Σ_t x_pit) (or its segment form),
which changes neither the objective nor any constraint's feasibility. y_p is split across
the project's (instrument, year) cells pro rata to lev_pi · x_pit.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from missionfinance._numbers import exact_dot, exact_weighted_sums
from missionfinance.model.build import share_base_weights
from missionfinance.model.explain import (
    LOCAL_FAMILIES,
    NOUN,
    RowWords,
    row_texts,
    row_words,
    text_array,
    texts_at,
    why_not,
)
from missionfinance.model.highs import RawSolution
from missionfinance.model.linear import LinearModel
from missionfinance.model.numerics import clean, is_binding, row_slack
from missionfinance.model.problem import AllocationProblem, ProblemData
from missionfinance.model.status import Status

if TYPE_CHECKING:  # xarray is imported when a Dataset or DataArray is first asked for
    import xarray as xr

#: Columns of :attr:`AllocationResult.constraints`.
CONSTRAINT_COLUMNS = ("name", "family", "control", "year", "mission", "region", "project",
                      "lhs", "lower", "upper", "rhs", "slack", "binding", "dual",
                      "marginal_private", "explanation")



def _empty_conflict() -> pd.DataFrame:
    return pd.DataFrame(columns=["name", "family", "key", "value", "explanation", "control",
                                 "year", "mission", "region", "project", "bound"])


def _empty_frames() -> dict[str, pd.DataFrame]:
    return {
        "allocation": pd.DataFrame({"project_id": pd.Series(dtype=object),
                                    "instrument": pd.Series(dtype=object),
                                    "year": pd.Series(dtype=object),
                                    "public": pd.Series(dtype=np.float64),
                                    "private": pd.Series(dtype=np.float64)}),
        "missions": pd.DataFrame(columns=["mission", "weight", "public", "guarantee", "private",
                                          "additional_private", "value", "economic_cost",
                                          "leverage"]),
        "projects": pd.DataFrame(columns=["project_id", "public", "guarantee", "private",
                                          "additional_private", "economic_cost", "capacity",
                                          "cover", "funded", "value_per_pound", "best_gain",
                                          "leverage_needed", "value_needed", "main_mission",
                                          "weight_needed",
                                          "why_not"]),
        "constraints": pd.DataFrame(columns=list(CONSTRAINT_COLUMNS)),
        "leverage": pd.DataFrame(columns=["mission", "instrument", "public", "private",
                                          "additional_private", "leverage"]),
        "conflict": pd.DataFrame(columns=["name", "family", "key", "value", "explanation",
                                          "control", "year", "mission", "region", "project",
                                          "bound"]),
    }


def import_dataset_support() -> None:
    """Import xarray and what building its first Dataset imports (dask, when installed).

    xarray checks each array for a dask array by importing dask on first use; doing that
    once ahead (e.g. while HiGHS solves) takes it off the path of the first
    :attr:`AllocationResult.dataset`. A Dataset built later is the same.
    """
    import xarray as xr

    xr.Dataset({"probe": ("probe", np.zeros(1))})


class DatasetParts:
    """The arrays, coordinates and attributes of a result's Dataset, built on first use.

    Building an :class:`xarray.Dataset` costs an import of xarray and, when dask is
    installed, xarray's import of dask to check whether the arrays are dask arrays (about
    0.6 s the first time); no output file reads the Dataset, so a run only pays for it
    when :attr:`AllocationResult.dataset` is read. Picklable (sweeps send results between
    processes).
    """

    def __init__(self, data_vars: dict[str, Any] | None = None,
                 coords: dict[str, Any] | None = None,
                 attrs: dict[str, Any] | None = None) -> None:
        self.data_vars = data_vars or {}
        self.coords = coords or {}
        self.attrs = attrs or {}

    def build(self) -> xr.Dataset:
        """The :class:`xarray.Dataset` of these parts."""
        import xarray as xr

        return xr.Dataset(self.data_vars, coords=self.coords or None, attrs=self.attrs or None)


@dataclass(frozen=True)
class AllocationResult:
    """What a solve returns. Frames are empty unless ``status`` is optimal.

    Attributes
    ----------
    status : Status
        ``optimal``, ``infeasible``, ``unbounded``, ``time_limit`` or ``error``.
    objective : float or None
        The DESIGN §4 objective of the reported allocation, exactly (no scaling, no
        regularising terms); None unless optimal.
    dataset : xarray.Dataset
        dims (project, instrument, year): ``public`` [£m], ``private`` [£m]; and
        ``budget_cost`` [£m] with an extra ``control`` dim.
    allocation : pandas.DataFrame
        allocation.csv: project_id, instrument, year, public, private [£m]; rows with
        public > 0, sorted by project_id, instrument, year.
    missions : pandas.DataFrame
        Per mission: weight, public (cash), guarantee (face value), private,
        additional_private, economic_cost [£m, attributed by c_pm], value (w_m × (public +
        additional_private)), leverage (private per £ of cash), target, shortfall.
    projects : pandas.DataFrame
        Per project: public (cash), guarantee (face value), private, additional_private,
        economic_cost [£m], capacity, cover (share of a guaranteed loan the guarantee
        covers, 1 / leverage_guarantee), funded, value_per_pound, best_gain (reduced cost
        of its best column), the switching values of an unfunded project at today's
        shadow prices — leverage_needed (£ private per £), value_needed (mission value per
        £), weight_needed (the weight of its main_mission) at which its best column breaks
        even, NaN where not meaningful — and why_not (text); also name, department,
        region and missions from the pipeline.
    constraints : pandas.DataFrame
        One row per constraint row: name, family, control, year, mission, region,
        project, lhs, lower, upper, rhs, slack, binding, dual (d objective / d rhs),
        marginal_private (£m of private money per £1m of headroom, where computed) and
        explanation (words).
    leverage : pandas.DataFrame
        Per (mission, instrument): public, private, additional_private [£m], leverage.
    summary : dict
        For summary.json (DESIGN §7): status, objective, objective_kind, public_total
        (cash: grants, loans, equity), guarantee_total (face value of guarantees, never
        added to cash), private_total, additional_private_total, economic_cost,
        guarantee_expected_cost, budget_scored (per control), leverage (private per £ of
        cash), leverage_with_guarantee_cost (private per £ of cash plus the guarantees'
        net expected cost where positive), projects_funded, …
    solver : dict
        name "HiGHS", version, algorithm, options (threads, seed, tolerances), mip,
        iterations, model_status.
    conflict : pandas.DataFrame
        The irreducible infeasible set (IIS) when infeasible: one row per constraint or
        bound in conflict, in the scenario's words. Empty otherwise.
    message : str
        One line on the outcome.
    """

    status: Status
    objective: float | None
    _dataset: xr.Dataset | DatasetParts
    allocation: pd.DataFrame
    missions: pd.DataFrame
    projects: pd.DataFrame
    constraints: pd.DataFrame
    summary: dict[str, Any]
    solver: dict[str, Any]
    conflict: pd.DataFrame
    message: str
    leverage: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def dataset(self) -> xr.Dataset:
        """The allocation as an :class:`xarray.Dataset` (built on first use, then kept)."""
        if isinstance(self._dataset, DatasetParts):
            object.__setattr__(self, "_dataset", self._dataset.build())
        return self._dataset  # type: ignore[return-value]

    @property
    def ok(self) -> bool:
        """True when optimal."""
        return self.status == Status.OPTIMAL

    def binding(self) -> pd.DataFrame:
        """The binding constraints, largest |dual| first."""
        c = self.constraints[self.constraints["binding"]]
        return c.reindex(c["dual"].abs().sort_values(ascending=False, kind="stable").index)

    def shadow_prices(self, per_project: bool = False, helpers: bool = False) -> xr.DataArray:
        """Shadow price of each limit, as a DataArray over ``constraint``.

        Parameters
        ----------
        per_project : bool
            Include the per-project rows (capacity, crowding-in, private capacity). Default:
            only the shared limits (budget, exposure, mission, regional, risk).
        helpers : bool
            Include the model's helper rows (``cvar_excess[…]``, one per CVaR scenario).

        Returns
        -------
        xarray.DataArray
            ``dual`` [objective per £m of the limit] with coordinates ``family``,
            ``binding`` and ``explanation`` along ``constraint``; largest |price| first.
        """
        c = self.constraints
        keep = pd.Series(True, index=c.index)
        if not per_project and "project" in c.columns:
            keep &= c["project"].fillna("").astype(str) == ""
        if not helpers and "family" in c.columns:
            keep &= c["family"].astype(str) != "cvar_excess"
        c = c[keep]
        if "dual" in c.columns:
            c = c.reindex(c["dual"].abs().sort_values(ascending=False, kind="stable").index)
        def column(name: str, default: Any) -> np.ndarray:
            return (c[name].to_numpy() if name in c.columns
                    else np.full(len(c), default, dtype=object))
        import xarray as xr

        return xr.DataArray(
            column("dual", np.nan).astype("float64"), dims=("constraint",),
            coords={"constraint": column("name", "").astype(str),
                    "family": ("constraint", column("family", "").astype(str)),
                    "binding": ("constraint", column("binding", False).astype(bool)),
                    "explanation": ("constraint", column("explanation", "").astype(str))},
            name="shadow_price", attrs={"units": "objective per £m"})

    def __repr__(self) -> str:
        obj = "None" if self.objective is None else f"{self.objective:.6g}"
        s = self.summary
        return (f"<AllocationResult {self.status.value} objective={obj} "
                f"public=£{s.get('public_total', 0.0):,.1f}m "
                f"private=£{s.get('private_total', 0.0):,.1f}m "
                f"funded={s.get('projects_funded', 0)}/{s.get('projects', 0)}>")

    def _repr_html_(self) -> str:
        def fmt(v: Any) -> str:
            return f"{v:,.1f}" if isinstance(v, float) else str(v)

        rows = "".join(f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(fmt(v))}</td></tr>"
                       for k, v in self.summary.items()
                       if not isinstance(v, dict | list) and k != "message")
        top = ""
        if self.ok and len(self.constraints):
            b = self.binding()
            b = b[~b["family"].isin(LOCAL_FAMILIES)].head(3)
            if len(b):
                top = "<p><b>Binding limits</b> (largest shadow price first):</p><ul>" + "".join(
                    f"<li>{html.escape(str(n))}: {html.escape(str(e))}</li>"
                    for n, e in zip(b["name"], b["explanation"], strict=True)) + "</ul>"
        elif len(self.conflict) and "name" in self.conflict.columns:
            top = (f"<p><b>{len(self.conflict):,} constraints in conflict</b> "
                   "(<code>.conflict</code> lists them in the scenario's words):</p><ul>"
                   + "".join(f"<li>{html.escape(str(n))}</li>"
                             for n in self.conflict["explanation"].head(12)) + "</ul>")
        msg = html.escape(self.message[:300])
        return (f"<div><strong>AllocationResult</strong> — {html.escape(self.status.value)}"
                f"<table>{rows}</table><p>{msg}</p>{top}</div>")


def failed(problem: AllocationProblem, status: Status, message: str, solver: dict[str, Any],
           conflict: pd.DataFrame | None = None) -> AllocationResult:
    """A result with no allocation (infeasible, unbounded, time limit, error)."""
    frames = _empty_frames()
    summary = {"status": status.value, "objective": None, "objective_kind": problem.objective,
               "public_total": 0.0, "guarantee_total": 0.0, "private_total": 0.0,
               "additional_private_total": 0.0, "economic_cost": 0.0,
               "leverage": None, "leverage_with_guarantee_cost": None, "projects": len(problem.projects), "projects_funded": 0,
               "message": message}
    return AllocationResult(status, None, DatasetParts(), frames["allocation"],
                            frames["missions"], frames["projects"], frames["constraints"],
                            summary, solver,
                            frames["conflict"] if conflict is None else conflict, message,
                            frames["leverage"])


def fill_private(d: ProblemData, model: LinearModel, problem: AllocationProblem,
                 values: np.ndarray) -> np.ndarray:
    """Set y_p (and z) to the most private money the allocation crowds in.

    Applies where y_p has no objective weight (see the module docstring). Returns a new
    value vector.
    """
    v = values.copy()
    if not problem.enabled("crowding_in"):
        return v
    gx, gy = model.groups["x"], model.groups["y"]
    x = v[gx.slice]
    free = model.cost[gy.slice] == 0
    if not free.any():
        return v
    P = len(d.project_ids)
    cash = d.cash[d.xi]
    levx = d.leverage[d.xp, d.xi] * x
    crowd = np.bincount(d.xp, weights=levx, minlength=P)
    if "z" in model.groups:
        from missionfinance.model.build import best_leverage

        segs = problem.leverage_segments
        upto = np.array([s[0] for s in segs])
        factor = np.array([s[1] for s in segs])
        start = np.concatenate([[0.0], upto[:-1]])
        width = upto - start
        K = len(segs)
        best = best_leverage(d)
        pp = np.flatnonzero(best > 0)
        X = np.bincount(d.xp, weights=np.where(cash, x, 0.0), minlength=P)[pp][:, None]
        cap = d.capacity[pp][:, None]
        z = np.clip(X - start[None, :] * cap, 0.0, width[None, :] * cap)  # (n, K)
        gz = model.groups["z"]
        zf = np.repeat(free[pp], K)
        v[gz.slice] = np.where(zf, z.ravel(), v[gz.slice])
        guaranteed = np.bincount(d.xp, weights=np.where(cash, 0.0, levx), minlength=P)
        seg = guaranteed.copy()
        seg[pp] += (z * factor[None, :]).sum(axis=1) * best[pp]
        crowd = np.minimum(crowd, seg)
    if problem.enabled("private_capacity"):
        pub = np.bincount(d.xp, weights=np.where(cash, x, 0.0), minlength=P)
        bound = np.where(np.isfinite(d.private_capacity), d.private_capacity,
                         d.capacity - pub if problem.financing_plan else np.inf)
        crowd = np.minimum(crowd, bound)
    y = v[gy.slice]
    v[gy.slice] = np.where(free, np.maximum(crowd, 0.0), y)
    return v


def clean_values(values: np.ndarray, model: LinearModel) -> np.ndarray:
    """The solver's column values with noise within a bound put on it (:func:`clean`)."""
    return clean(values, model.col_lower, model.col_upper)


def private_cells(d: ProblemData, model: LinearModel, values: np.ndarray) -> np.ndarray:
    """Private money, £m, per (project, instrument, year) cell of cleaned ``values``.

    Each project's private money y_p goes to its cells in proportion to leverage × public,
    or by year as the outcome rows timed it when the model has them (:func:`_private_by_year`).
    Shape (projects, instruments, years).
    """
    x, y = values[model.groups["x"].slice], values[model.groups["y"].slice]
    levx = d.leverage[d.xp, d.xi] * x
    tot_levx = np.bincount(d.xp, weights=levx, minlength=len(d.project_ids))
    share = np.divide(levx, tot_levx[d.xp], out=np.zeros_like(levx), where=tot_levx[d.xp] > 0)
    private = np.zeros((len(d.project_ids), len(d.instruments), len(d.years)))
    private[d.xp, d.xi, d.xt] = share * y[d.xp]
    if "private_by_year" in model.groups:
        _private_by_year(d, model, values, levx, y, private)
    return private


def _private_by_year(d: ProblemData, model: LinearModel, values: np.ndarray, levx: np.ndarray,
                     y: np.ndarray, private: np.ndarray) -> None:
    """Split each project's private money over years as the outcome rows counted it.

    With outcome rows the LP times private money by year (``private_by_year`` q_pτ ≤
    Σ_i lev_pi x_piτ, Σ_τ q_pτ ≤ y_p, :mod:`missionfinance.model.outcomes`), and its
    outcomes depend on that timing. The allocation reports the same timing: year τ gets
    q_pτ plus a share of the rest y_p − Σ_τ q_pτ in proportion to the crowding-in room
    left (lev × x − q) of each year; within a year, instruments share by lev × x. So the
    trajectories rebuilt from allocation.csv give the outcomes the objective counted.
    ``private`` (P, I, T) is changed in place for the projects with q columns.
    """
    gq = model.groups["private_by_year"]
    q = values[gq.slice]
    qp, qt = model.index["private_by_year"]
    P, T = len(d.project_ids), len(d.years)
    room = np.zeros((P, T))
    np.add.at(room, (d.xp, d.xt), levx)
    qq = np.zeros((P, T))
    qq[qp, qt] = q
    projects = np.unique(qp)
    rest = np.maximum(y[projects] - qq[projects].sum(axis=1), 0.0)
    head = np.maximum(room[projects] - qq[projects], 0.0)
    base = np.where(head.sum(axis=1, keepdims=True) > 0, head, room[projects])
    tot = base.sum(axis=1, keepdims=True)
    spread = np.divide(base, tot, out=np.zeros_like(base), where=tot > 0) * rest[:, None]
    per_year = np.zeros((P, T))
    per_year[projects] = qq[projects] + spread
    cols = np.isin(d.xp, projects)
    denom = room[d.xp[cols], d.xt[cols]]
    part = np.divide(levx[cols], denom, out=np.zeros(int(cols.sum())), where=denom > 0)
    private[d.xp[cols], d.xi[cols], d.xt[cols]] = part * per_year[d.xp[cols], d.xt[cols]]


#: Project metadata carried into the projects frame and the Dataset (``project_<name>``).
PROJECT_METADATA = ("name", "department", "region")


def project_metadata(problem: AllocationProblem, d: ProblemData) -> pd.DataFrame:
    """name, department, region and missions of each project, in project order.

    name, department and region are text, "" when the pipeline does not give it; missions
    are the ids of the missions a project contributes to, comma-separated.
    """
    pipe = getattr(problem, "projects", None)
    ids = pd.Index(d.project_ids.astype(str))
    out = pd.DataFrame(index=ids)
    first = None
    if pipe is not None:
        first = pipe.drop_duplicates("project_id")
        first = first.set_index(first["project_id"].astype(str))
    for column in PROJECT_METADATA:
        if first is not None and column in first.columns:
            out[column] = first[column].reindex(ids).fillna("").astype(str).to_numpy()
        else:
            out[column] = ""
    contrib = np.asarray(d.contrib)
    mission_ids = np.array(list(d.missions), dtype=object)
    if contrib.size:
        # one text per distinct pattern of missions, not one numpy mask per project
        patterns, which = np.unique(contrib > 0, axis=0, return_inverse=True)
        texts = [", ".join(mission_ids[row]) for row in patterns]
        out["missions"] = [texts[k] for k in np.ravel(which).tolist()]
    else:
        out["missions"] = ""
    return out.reset_index(drop=True).astype("str")


def cover(d: ProblemData) -> np.ndarray:
    """Per project, the share of a guaranteed loan its guarantee covers.

    1 / the project's largest guarantee leverage; NaN where it has no guarantee.
    """
    P = len(d.project_ids)
    glev = np.where(d.eligible & ~d.cash[None, :], d.leverage, 0.0).max(axis=1) \
        if len(d.instruments) else np.zeros(P)
    return np.divide(1.0, glev, out=np.full(P, np.nan), where=glev > 0)


def _text(values: Any) -> Any:
    """``values`` as a pandas ``str`` array (the dtype a frame gives a column of text)."""
    return pd.array(np.asarray(values, dtype=object), dtype="str")


@dataclass(frozen=True)
class ResultParts:
    """The parts of a result that do not depend on the solution (:func:`prepare_result`).

    Attributes
    ----------
    metadata : DataFrame
        :func:`project_metadata` of the problem.
    project_coords : dict
        The Dataset's ``project_<name>`` coordinates (object arrays of ``metadata``).
    project_id : ExtensionArray
        The projects' ids, as text.
    project_coord : ndarray of str
        The projects' ids as the Dataset's ``project`` coordinate (copied for each result).
    cover : ndarray
        Per project, the share of a guaranteed loan its guarantee covers (:func:`cover`).
    cell_order : ndarray of int
        The x columns in allocation.csv order (project_id, instrument, year).
    cell_project, cell_instrument, cell_year : ExtensionArray or None
        The ids, instruments and years of the x columns, in ``cell_order`` (None: made
        for the allocated cells only, when the result is extracted).
    family : ndarray of object
        Each constraint row's family.
    shared, excess : ndarray of bool
        Rows whose duals are shared prices (not a project's own, not a CVaR scenario's),
        and the CVaR scenario rows.
    share_rows : ndarray of int
        Positions of the share rows (:func:`share_rows`).
    share_weights : list of ndarray
        Per share row, the weights of the £m the share is taken of
        (:func:`~missionfinance.model.build.share_base_weights`).
    row_labels : dict
        The constraint rows' label columns (:data:`~missionfinance.model.linear.ROW_META`).
    words : RowWords or None
        :func:`~missionfinance.model.explain.row_words` of every row (None: made for the
        binding rows only, when the result is extracted).
    x_columns_t, y_columns_t : scipy.sparse matrix
        The constraint matrix's x and y columns, transposed (they price the columns).
    control_coefs : list of ndarray
        Per control, the £ scored per £ of each x column (``ProblemData.control_coef``).
    why_inputs : dict or None
        :func:`why_not_inputs` (None: made when the result is extracted, if the duals
        are there to use them).
    """

    metadata: pd.DataFrame
    project_coords: dict[str, np.ndarray]
    project_id: Any
    project_coord: np.ndarray
    cover: np.ndarray
    cell_order: np.ndarray
    cell_project: Any
    cell_instrument: Any
    cell_year: Any
    family: np.ndarray
    shared: np.ndarray
    excess: np.ndarray
    share_rows: np.ndarray
    share_weights: list[np.ndarray]
    row_labels: dict[str, Any]
    words: RowWords | None
    x_columns_t: Any
    y_columns_t: Any
    control_coefs: list[np.ndarray]
    why_inputs: dict[str, Any] | None


def prepare_result(problem: AllocationProblem, d: ProblemData, model: LinearModel,
                   ahead: bool = True) -> ResultParts:
    """The parts of :func:`extract`'s result that do not depend on the solution.

    :func:`~missionfinance.model.solve.solve` makes them while HiGHS solves (when it is
    given work to do beside the solve); :func:`extract` makes them itself otherwise, with
    ``ahead=False``: then the words of only the binding rows and the text of only the
    allocated cells are made, once the solution says which. The result is the same either
    way.
    """
    meta = project_metadata(problem, d)
    ids = d.project_ids.astype(str)
    inst = np.array(d.instruments, dtype=object)
    years = np.array(d.years, dtype=object)
    # allocation.csv's order: text order of project_id, then instrument, then year (equal
    # texts rank equal; a stable sort keeps the columns' order among them)
    p_rank = np.unique(ids, return_inverse=True)[1].reshape(-1)
    i_rank = np.unique(inst.astype(str), return_inverse=True)[1].reshape(-1)
    t_rank = np.unique(years.astype(str), return_inverse=True)[1].reshape(-1)
    order = np.lexsort((t_rank[d.xt], i_rank[d.xi], p_rank[d.xp]))
    rows = model.row_meta
    a = model.matrix()
    family = rows["family"].to_numpy(dtype=object)
    local = np.isin(family, list(LOCAL_FAMILIES | {"cvar_excess"}))
    positions = share_rows(rows)
    names = rows["name"].to_numpy(dtype=object)
    missions = rows["mission"].to_numpy(dtype=object)
    weights = [share_base_weights(d, str(family[r]), str(names[r]), str(missions[r] or ""))
               for r in positions.tolist()]
    return ResultParts(
        metadata=meta,
        project_coords={c: meta[c].to_numpy(dtype=object) for c in meta.columns},
        project_id=_text(ids),
        project_coord=ids,
        cover=cover(d),
        cell_order=order,
        cell_project=_text(ids[d.xp[order]]) if ahead else None,
        cell_instrument=_text(inst[d.xi[order]]) if ahead else None,
        cell_year=_text(years[d.xt[order]]) if ahead else None,
        family=family, shared=~local, excess=family == "cvar_excess",
        share_rows=positions, share_weights=weights,
        row_labels={c: rows[c].array for c in rows.columns},
        words=row_words(rows) if ahead else None,
        x_columns_t=a[:, model.groups["x"].slice].T, y_columns_t=a[:, model.groups["y"].slice].T,
        control_coefs=[d.control_coef(k) for k in range(len(d.controls))],
        why_inputs=why_not_inputs(problem, d) if ahead else None)


def extract(problem: AllocationProblem, d: ProblemData, model: LinearModel, raw: RawSolution,
            solver: dict[str, Any], marginal: dict[int, float] | None = None,
            share_gain: dict[int, float] | None = None,
            parts: ResultParts | None = None) -> AllocationResult:
    """Turn an optimal raw solution into the result object.

    ``parts``: :func:`prepare_result` of the same problem and model, when already made.
    """
    if parts is None:
        parts = prepare_result(problem, d, model, ahead=False)
    values = fill_private(d, model, problem, clean_values(raw.col_value, model))
    a = model.matrix()
    gx, gy = model.groups["x"], model.groups["y"]
    x, y = values[gx.slice], values[gy.slice]
    objective = exact_dot(model.cost, values)
    P, NI, T = len(d.project_ids), len(d.instruments), len(d.years)

    # ---- dataset --------------------------------------------------------------------------
    cell = (d.xp * NI + d.xi) * T + d.xt  # each x column's (project, instrument, year), flat
    public = np.zeros((P, NI, T))
    public.reshape(-1)[cell] = x
    private = private_cells(d, model, values)
    C = len(d.controls)
    cost = np.zeros((C, P, NI, T))
    for k, coef in enumerate(parts.control_coefs):
        cost[k].reshape(-1)[cell] = coef * x
    econ_x = d.econ * x
    econ = np.zeros((P, NI, T))
    econ.reshape(-1)[cell] = econ_x
    meta = parts.metadata
    coords: dict[str, Any] = {
        "project": parts.project_coord.copy(), "instrument": list(d.instruments),
        "year": list(d.years), "control": list(d.controls),
        "contingent": ("instrument", ~d.cash),
        **{f"project_{c}" if c != "missions" else "project_missions":
           ("project", values) for c, values in parts.project_coords.items()}}
    ds = DatasetParts(
        {"public": (("project", "instrument", "year"), public, {"units": "£m"}),
         "private": (("project", "instrument", "year"), private, {"units": "£m"}),
         "budget_cost": (("control", "project", "instrument", "year"), cost, {"units": "£m"}),
         "economic_cost": (("project", "instrument", "year"), econ, {"units": "£m"})},
        coords=coords, attrs={"objective": objective, "objective_kind": problem.objective,
                              "status": "optimal"})

    # ---- allocation frame ---------------------------------------------------------------
    keep = np.flatnonzero(x[parts.cell_order] > 0)  # rows with public > 0, in order
    cells = parts.cell_order[keep]
    if parts.cell_project is not None:
        text = [parts.cell_project.take(keep), parts.cell_instrument.take(keep),
                parts.cell_year.take(keep)]
    else:
        text = [_text(d.project_ids[d.xp[cells]].astype(str)),
                _text(np.array(d.instruments, dtype=object)[d.xi[cells]]),
                _text(np.array(d.years, dtype=object)[d.xt[cells]])]
    alloc = pd.DataFrame({"project_id": text[0], "instrument": text[1], "year": text[2],
                          "public": x[cells], "private": private.reshape(-1)[cell[cells]]})

    # ---- by project ------------------------------------------------------------------------
    cash = d.cash[d.xi]
    pub_p = np.bincount(d.xp, weights=np.where(cash, x, 0.0), minlength=P)
    guar_p = np.bincount(d.xp, weights=np.where(cash, 0.0, x), minlength=P)
    econ_p = np.bincount(d.xp, weights=econ_x, minlength=P)
    add_p = d.additionality * y
    funded = np.bincount(d.xp, weights=x, minlength=P) > 1e-9
    best_gain, why, needed = _why_not(problem, d, model, raw, funded, parts)
    proj = pd.DataFrame({"project_id": parts.project_id,
                         **{c: meta[c].array for c in meta.columns}, "public": pub_p,
                         "guarantee": guar_p, "private": y, "additional_private": add_p,
                         "economic_cost": econ_p, "capacity": d.capacity,
                         "cover": parts.cover.copy(),
                         "funded": funded, "value_per_pound": d.value,
                         "best_gain": best_gain,
                         **needed, "why_not": why})

    # ---- by mission ------------------------------------------------------------------------
    cm = d.contrib
    m_pub = exact_weighted_sums(cm, pub_p)
    m_priv = exact_weighted_sums(cm, y)
    m_add = exact_weighted_sums(cm, add_p)
    missions = pd.DataFrame({"mission": list(d.missions), "weight": d.weights,
                             "public": m_pub, "guarantee": exact_weighted_sums(cm, guar_p), "private": m_priv,
                             "additional_private": m_add,
                             "value": d.weights * (m_pub + m_add),
                             "economic_cost": exact_weighted_sums(cm, econ_p)})
    missions["leverage"] = np.divide(m_priv, m_pub, out=np.full(len(m_pub), np.nan),
                                     where=m_pub > 0)
    if problem.objective == "min_cost" and "shortfall" in model.groups:
        sf = values[model.groups["shortfall"].slice]
        by_m: dict[str, list[float]] = {}
        for t, s in zip(problem.targets, sf, strict=True):
            by_m.setdefault(t.mission, [0.0, 0.0])
            by_m[t.mission][0] += t.amount
            by_m[t.mission][1] += float(s)
        missions["target"] = [by_m.get(m, [np.nan, np.nan])[0] for m in d.missions]
        missions["shortfall"] = [by_m.get(m, [np.nan, np.nan])[1] for m in d.missions]

    # ---- by mission and instrument --------------------------------------------------------
    pub_pi = np.bincount(d.xp * NI + d.xi, weights=x, minlength=P * NI).reshape(P, NI)
    priv_pi = private.sum(axis=2)
    lev_rows = []
    for k, mname in enumerate(d.missions):
        c = cm[:, k]
        pu = exact_weighted_sums(pub_pi, c)
        pr = exact_weighted_sums(priv_pi, c)
        ad = exact_weighted_sums(priv_pi, c * d.additionality)
        for i, iname in enumerate(d.instruments):
            lev_rows.append((mname, iname, pu[i], pr[i], ad[i]))
    lev = pd.DataFrame(lev_rows, columns=["mission", "instrument", "public", "private",
                                          "additional_private"])
    lev["leverage"] = np.divide(lev["private"], lev["public"],
                                out=np.full(len(lev), np.nan), where=lev["public"] > 0)

    # ---- constraints ------------------------------------------------------------------------
    cons = constraint_frame(problem, d, model, a @ values, raw.row_dual, marginal or {}, x,
                            share_gain, parts)

    pub_t, priv_t, add_t = float(pub_p.sum()), float(y.sum()), float(add_p.sum())
    g_cost = float(econ_x[~cash].sum())
    # guarantees whose fees exceed their expected calls (g_cost < 0) do not lower the base
    # of leverage below the cash committed: the base is cash plus any net expected cost
    with_g = pub_t + max(g_cost, 0.0)
    summary: dict[str, Any] = {
        "status": "optimal", "objective": objective, "objective_kind": problem.objective,
        "public_total": pub_t, "guarantee_total": float(guar_p.sum()),
        "private_total": priv_t, "additional_private_total": add_t,
        "economic_cost": float(econ_x.sum()), "guarantee_expected_cost": g_cost,
        "budget_scored": {c: float(cost[k].sum()) for k, c in enumerate(d.controls)},
        "leverage": priv_t / pub_t if pub_t > 0 else None,
        "leverage_with_guarantee_cost": priv_t / with_g if with_g > 0 else None,
        "projects": P, "projects_funded": int(funded.sum()),
        "binding_constraints": int(cons["binding"].sum()),
        "mip": bool(raw.mip),
    }
    if "shortfall" in model.groups:
        summary["shortfall_total"] = float(values[model.groups["shortfall"].slice].sum())
    if "cvar_threshold" in model.groups and problem.cvar is not None:
        summary["cvar_limit"] = problem.cvar.limit
    msg = f"optimal: {NOUN[problem.objective][3:]} {objective:,.6g}"
    return AllocationResult(Status.OPTIMAL, objective, ds, alloc, missions, proj, cons,
                            summary, solver, _empty_conflict(), msg, lev)


def share_rows(frame: pd.DataFrame) -> np.ndarray:
    """Positions of share rows (regional, instrument mix, mission share bounds)."""
    fam = frame["family"].to_numpy()
    bounds = np.flatnonzero(fam == "mission_bounds")
    names = frame["name"].to_numpy(dtype=object)[bounds].tolist()
    shares = np.zeros(len(fam), dtype=bool)  # mission bounds on a share: few of many rows
    shares[bounds] = [str(n).find("share") >= 0 for n in names]
    return np.flatnonzero(np.isin(fam, ["regional", "instrument_mix"]) | shares)


def constraint_frame(problem: AllocationProblem, d: ProblemData, model: LinearModel,
                     lhs: np.ndarray, row_dual: np.ndarray, marginal: dict[int, float],
                     x: np.ndarray, share_gain: dict[int, float] | None = None,
                     parts: ResultParts | None = None) -> pd.DataFrame:
    """One row per constraint: activity, bounds, slack, binding flag, dual and words.

    ``parts``: :func:`prepare_result` of the same problem and model, when already made.
    """
    if parts is None:
        parts = prepare_result(problem, d, model, ahead=False)
    lower, upper = model.row_lower, model.row_upper
    slack, rhs = row_slack(lhs, lower, upper)
    binding = is_binding(slack, rhs)
    slack = np.where(is_binding(np.abs(slack), rhs), 0.0, slack)
    dual = row_dual if len(row_dual) == len(lhs) else np.full(len(lhs), np.nan)
    mp = np.full(len(lhs), np.nan)
    for r, val in marginal.items():
        mp[r] = val
    columns = {**parts.row_labels, "lhs": lhs, "lower": lower, "upper": upper, "rhs": rhs,
               "slack": slack, "binding": binding,
               "dual": np.where(np.abs(dual) < 1e-12, 0.0, dual), "marginal_private": mp}
    # £m base of the binding share rows whose sentence reads it (those with no re-solved
    # gain): the sum the share is taken of
    share_gain = share_gain or {}
    base = np.zeros(len(lhs))
    for row, w in zip(parts.share_rows.tolist(), parts.share_weights, strict=True):
        if binding[row] and not np.isfinite(share_gain.get(row, np.nan)):
            base[row] = exact_dot(w, x)
    columns["explanation"] = text_array(row_texts(columns, problem.objective, model.sense,
                                                  base, share_gain, parts.words))
    return pd.DataFrame({c: columns[c] for c in CONSTRAINT_COLUMNS}, index=model.row_meta.index)


def _best_columns(xp: np.ndarray, total: np.ndarray) -> np.ndarray:
    """Per project (in project order), its column of largest ``total``, the first of ties.

    NaN counts below every number; a project whose totals are all NaN takes its first
    column. With the columns grouped by project (as the model builds them) this is a
    grouped maximum; otherwise a sort.
    """
    n = len(xp)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    if n > 1 and not np.all(xp[1:] >= xp[:-1]):
        order = np.lexsort((-total, xp))
        first = np.ones(n, dtype=bool)
        first[1:] = xp[order][1:] != xp[order][:-1]
        return np.asarray(order[first])
    starts = np.flatnonzero(np.concatenate([[True], xp[1:] != xp[:-1]]))
    group = np.cumsum(np.concatenate([[True], xp[1:] != xp[:-1]])) - 1
    with np.errstate(invalid="ignore"):
        top = np.fmax.reduceat(total, starts)
    hit = (total == top[group]) | np.isnan(top[group])
    # the first hit of each group: hits in order, one per group
    at = np.flatnonzero(hit)
    firsts = np.ones(len(at), dtype=bool)
    firsts[1:] = group[at][1:] != group[at][:-1]
    return np.asarray(at[firsts])


def why_not_inputs(problem: AllocationProblem, d: ProblemData) -> dict[str, Any]:
    """What :func:`_why_not` reads that does not depend on the solution.

    ``lev_eff`` (the x columns' leverage, at most the first segment's where leverage
    segments apply); per project ``value`` (Σ_m w_m c_pm), ``main`` (its mission of
    largest w_m c_pm), ``c_main`` (its share of it), ``additionality``; per x column
    ``own`` (public cash, as 1.0 or 0.0); ``weights``; all float64 or int64 arrays.
    """
    P = len(d.project_ids)
    lev_eff = d.leverage[d.xp, d.xi]
    if problem.leverage_segments and problem.enabled("leverage_segments"):
        from missionfinance.model.build import best_leverage

        first = problem.leverage_segments[0][1] * best_leverage(d)[d.xp]
        lev_eff = np.where(d.cash[d.xi], np.minimum(lev_eff, first), lev_eff)
    wc = d.contrib * d.weights[None, :]
    main = np.argmax(wc, axis=1) if wc.size else np.zeros(P, dtype=np.int64)
    has_missions = len(d.missions) > 0
    return {
        "lev_eff": np.asarray(lev_eff, dtype=np.float64), "main": np.asarray(main, dtype=np.int64),
        "c_main": np.asarray(d.contrib[np.arange(P), main] if has_missions and P
                             else np.zeros(P), dtype=np.float64),
        "value": np.asarray(d.value, dtype=np.float64),  # a property: Σ_m w_m c_pm, once here
        "own": np.where(d.cash[d.xi], 1.0, 0.0),
        "additionality": np.asarray(d.additionality, dtype=np.float64),
        "weights": np.asarray(d.weights, dtype=np.float64)}


def _why_not(problem: AllocationProblem, d: ProblemData, model: LinearModel,
             raw: RawSolution, funded: np.ndarray, parts: ResultParts,
             ) -> tuple[np.ndarray, Any, dict[str, Any]]:
    """Best gain per £1m of each project's columns at the shared shadow prices.

    Also words (:func:`~missionfinance.model.explain.why_not`, as a text array), and the
    switching values (leverage_needed, value_needed, main_mission as text,
    weight_needed). The numbers are worked out for all unfunded projects at once, and the
    words once per distinct set of the numbers they state (thousands of unfunded projects
    share a few dozen).
    """
    P = len(d.project_ids)
    gx, gy = model.groups["x"], model.groups["y"]
    best = np.full(P, np.nan)
    nan = float("nan")
    need_lev, need_v, need_w = np.full(P, nan), np.full(P, nan), np.full(P, nan)
    mission_at = np.zeros(P, dtype=np.int64)  # 0: no main mission stated, else 1 + its index

    def needed() -> dict[str, Any]:
        return {"leverage_needed": need_lev, "value_needed": need_v,
                "main_mission": text_array(texts_at(["", *map(str, d.missions)], mission_at)),
                "weight_needed": need_w}

    if len(raw.row_dual) != model.n_rows or not np.all(np.isfinite(raw.row_dual)):
        why = texts_at(["", "not funded"], np.where(funded, 0, 1))
        return best, text_array(why), needed()
    pi = np.where(parts.shared, raw.row_dual, 0.0)
    a = model.matrix()
    sign = 1.0 if model.sense == "max" else -1.0
    cost = model.cost
    gain_x = sign * (cost[gx.slice] - (parts.x_columns_t @ pi))
    gain_y = sign * (cost[gy.slice] - (parts.y_columns_t @ pi))
    if "at_risk" in model.groups:
        # x's loss-bearing £ raise X_p, priced by the scenario excess rows
        gX = model.groups["at_risk"]
        pi_e = np.where(parts.excess, raw.row_dual, 0.0)
        price_X = -sign * (a[:, gX.slice].T @ pi_e)  # gain per £ of X_p (≤ 0)
        lossy_p = np.flatnonzero(np.isin(np.arange(P), np.unique(d.xp[d.bears_loss[d.xi]])))
        per_p = np.zeros(P)
        per_p[lossy_p] = price_X
        gain_x = gain_x + np.where(d.bears_loss[d.xi], per_p[d.xp], 0.0)
    w = parts.why_inputs if parts.why_inputs is not None else why_not_inputs(problem, d)
    lev_eff = w["lev_eff"]
    gy_p = np.maximum(gain_y, 0.0)
    if problem.enabled("private_capacity"):
        gy_p = np.where(d.private_capacity > 0, gy_p, 0.0)
    total = gain_x + lev_eff * gy_p[d.xp]
    bj = _best_columns(d.xp, total)
    best[d.xp[bj]] = total[bj]
    best_j = np.full(P, -1)
    best_j[d.xp[bj]] = bj
    unfunded = ~np.asarray(funded, dtype=bool)
    # per project, its text: 0 funded (""), 1 no eligible column, 2 + k the k-th distinct
    # text of the unfunded projects with a best column
    text_at = np.where(unfunded, 1, 0)
    p = np.flatnonzero(unfunded & (best_j >= 0))
    j = best_j[p]
    g, lev, gy_b, v = best[p], lev_eff[j], gy_p[p], w["value"][p]
    # the best column breaks even at the leverage, mission value per £ or main mission's
    # weight that makes up its loss -g (NaN where not meaningful)
    with np.errstate(divide="ignore", invalid="ignore"):
        lev_n = np.where(gy_b > 0, lev + (-g) / gy_b, nan)
        denom = w["own"][j] + w["additionality"][p] * lev  # a guarantee's own £: no value
        value_n = (np.where(denom > 0, v + (-g) / denom, nan)
                   if problem.objective == "mission_value" else np.full(len(p), nan))
        if len(d.missions):
            m = w["main"][p]
            cm = w["c_main"][p]
            weight_n = np.where((cm > 0) & np.isfinite(value_n),
                                w["weights"][m] + (value_n - v) / cm, nan)
        else:
            m, weight_n = np.full(len(p), -1, dtype=np.int64), np.full(len(p), nan)
    need_lev[p], need_v[p], need_w[p] = lev_n, value_n, weight_n
    mission_at[p] = np.where((m >= 0) & np.isfinite(weight_n), m + 1, 0)
    # one text per distinct row of the numbers it states (their bytes: equal bytes are
    # equal numbers, so each text is the one its row would be given)
    stated = np.column_stack([g, d.xi[j], d.xt[j], lev, lev_n, v, value_n, m, weight_n]
                             ).astype(np.float64)
    keys = np.ascontiguousarray(stated).view(np.dtype((np.void, 8 * stated.shape[1])))
    _, first, which = np.unique(keys.reshape(-1), return_index=True, return_inverse=True)
    texts = ["", why_not("", 0.0, "", "", 0.0, nan, 0.0, nan, problem.objective,
                         eligible=False)]
    ids, inst, years, missions = d.project_ids, d.instruments, d.years, d.missions
    weights = w["weights"].tolist()
    for k in first.tolist():
        gk, ik, tk, lk, nlk, vk, nvk, mk, nwk = stated[k].tolist()
        mk = int(mk)
        texts.append(why_not(str(ids[p[k]]), gk, inst[int(ik)], years[int(tk)], lk, nlk, vk,
                             nvk, problem.objective, eligible=True,
                             mission=missions[mk] if mk >= 0 else "",
                             weight=float(weights[mk]) if mk >= 0 else nan,
                             weight_needed=nwk))
    text_at[p] = 2 + np.asarray(which).reshape(-1)
    return best, text_array(texts_at(texts, text_at)), needed()
