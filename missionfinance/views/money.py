"""Money frames of a run.

Headline figures, budget use, exposure and risk, allocation by mission, instrument, year
and group, instrument assumptions, and the money flow.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from missionfinance.instruments import DEFAULT_INSTRUMENTS, Instrument
from missionfinance.io.schema import DEFAULT_LGD
from missionfinance.model import AllocationResult
from missionfinance.views.base import (
    UNATTRIBUTED,
    RunLike,
    allocation_frame,
    allocation_of,
    as_run,
    contributions,
    instruments_of,
    limits_of,
    pipeline_of,
    project_attr,
    years_of,
)

if TYPE_CHECKING:  # the scenario stage composes this one; its types are named, not imported
    from missionfinance.scenario import RunResult

# --------------------------------------------------------------------------- headline


def headline(run: RunLike, alloc: pd.DataFrame) -> dict[str, Any]:
    """Headline figures of summary.json that the model's summary does not give.

    ``additional_share`` [share]: the model's additional private money over its private
    total (None when nothing is mobilised); ``expected_loss`` (£m): ``Σ pd × lgd × x``
    over the loss-bearing instruments of the allocation. Totals, leverage and project
    counts are the model's own (:attr:`AllocationResult.summary`) and are not recomputed.
    """
    model = run.allocation.summary
    private = float(model.get("private_total") or 0.0)
    additional = float(model.get("additional_private_total") or 0.0)
    pipe = pipeline_of(run)
    el = project_attr(pipe, "pd", 0.0) * project_attr(pipe, "lgd", DEFAULT_LGD)
    instruments = instruments_of(run, _instrument_names(alloc))
    bears = alloc["instrument"].map({k: v.bears_loss for k, v in instruments.items()})
    loss = alloc["public"].to_numpy() * el.reindex(alloc["project_id"]).fillna(0.0).to_numpy()
    return {
        "additional_share": additional / private if private > 0 else None,
        "expected_loss": float(loss[bears.fillna(False).to_numpy(dtype=bool)].sum()),
    }


def _instrument_names(alloc: pd.DataFrame) -> list[str]:
    """The instruments the allocation uses, sorted (its distinct values, not every row)."""
    return sorted(set(alloc["instrument"].unique().tolist()))


# --------------------------------------------------------------------------- tables


def budget_use(run: RunLike, alloc: pd.DataFrame) -> pd.DataFrame:
    """Budget used per control and year against its limit (``limit`` NaN = none given).

    Read from the model's ``dataset.budget_cost`` when it has one, else computed from
    the allocation with the instrument treatment (module docstring).
    """
    instruments = instruments_of(run, _instrument_names(alloc))
    limits: Mapping[str, Mapping[str, float]] = limits_of(run, "budget")
    controls = sorted({c for i in instruments.values() for c in i.controls} | set(limits))
    years = years_of(run, alloc)
    used = _dataset_budget(run)
    if used is None:
        used = _computed_budget(run, alloc, instruments)
    controls = sorted(set(controls) | set(used.index.get_level_values("control")))
    grid = pd.MultiIndex.from_product([controls, years], names=["control", "year"])
    used = used.groupby(level=["control", "year"]).sum().reindex(grid, fill_value=0.0)
    out = used.rename("used").reset_index()
    out["limit"] = [
        float(limits[c][y]) if c in limits and y in limits[c] else np.nan
        for c, y in zip(out["control"], out["year"], strict=True)
    ]
    out["headroom"] = out["limit"] - out["used"]
    out["share_used"] = out["used"] / out["limit"].where(out["limit"] > 0)
    return out.astype({"control": "str", "year": "str", "used": "float64"})


def _dataset_budget(run: RunLike) -> pd.Series | None:
    ds = getattr(run.allocation, "dataset", None)
    if ds is None or "budget_cost" not in getattr(ds, "data_vars", {}):
        return None
    cost = ds["budget_cost"]
    if not {"control", "year"} <= set(cost.dims):
        return None
    other = [d for d in cost.dims if d not in ("control", "year")]
    series = cost.sum(other).transpose("control", "year").to_series()
    series.index = series.index.set_levels(
        [series.index.levels[0].astype(str), series.index.levels[1].astype(str)])
    return series.astype("float64")


def _computed_budget(run: RunLike, alloc: pd.DataFrame,
                     instruments: Mapping[str, Instrument]) -> pd.Series:
    pipe = pipeline_of(run)
    el = (project_attr(pipe, "pd", 0.0) * project_attr(pipe, "lgd", DEFAULT_LGD)).reindex(
        alloc["project_id"]
    ).fillna(0.0).to_numpy()
    pieces = []
    public = alloc["public"].to_numpy()
    for name, inst in instruments.items():
        mask = (alloc["instrument"] == name).to_numpy()
        if not mask.any():
            continue
        for control, score in inst.budget_score.items():
            pieces.append(pd.DataFrame({"control": control, "year": alloc["year"][mask],
                                        "used": public[mask] * score}))
        if inst.expected_loss_to:
            pieces.append(pd.DataFrame({"control": inst.expected_loss_to,
                                        "year": alloc["year"][mask],
                                        "used": public[mask] * el[mask]}))
    if not pieces:
        empty = pd.MultiIndex.from_arrays([pd.Index([], dtype="str"), pd.Index([], dtype="str")],
                                          names=["control", "year"])
        return pd.Series([], index=empty, dtype="float64", name="used")
    return pd.concat(pieces).groupby(["control", "year"])["used"].sum()


def loss_rates(run: RunLike) -> pd.Series:
    """Each project's expected-loss rate ``pd × lgd`` (index project_id; defaults where empty)."""
    pipe = pipeline_of(run)
    return project_attr(pipe, "pd", 0.0) * project_attr(pipe, "lgd", DEFAULT_LGD)


def exposure_and_risk(run: RunLike, alloc: pd.DataFrame,
                      rates: pd.Series | None = None) -> pd.DataFrame:
    """Per year: new guarantee commitments, exposure stock, its limit, expected loss.

    ``rates`` is :func:`loss_rates` of ``run``, when already made.
    """
    rates = loss_rates(run) if rates is None else rates
    el = rates.reindex(alloc["project_id"]).fillna(0.0).to_numpy()
    instruments = instruments_of(run, _instrument_names(alloc))
    exposure = alloc["instrument"].map({k: v.exposure for k, v in instruments.items()})
    bears = alloc["instrument"].map({k: v.bears_loss for k, v in instruments.items()})
    years = years_of(run, alloc)
    frame = pd.DataFrame({
        "year": alloc["year"],
        "new_exposure": alloc["public"].where(exposure.fillna(False).astype(bool), 0.0),
        "expected_loss": (alloc["public"] * el).where(bears.fillna(False).astype(bool), 0.0),
    })
    out = frame.groupby("year")[["new_exposure", "expected_loss"]].sum().reindex(
        years, fill_value=0.0
    )
    out.index.name = "year"
    out = out.reset_index()
    out["exposure_stock"] = out["new_exposure"].cumsum()
    limits = limits_of(run, "exposure")
    out["exposure_limit"] = [float(limits[y]) if y in limits else np.nan for y in out["year"]]
    out["headroom"] = out["exposure_limit"] - out["exposure_stock"]
    out["year"] = out["year"].astype("str")
    return out[["year", "new_exposure", "exposure_stock", "exposure_limit", "headroom",
                "expected_loss"]]


def cash_split(run: RunLike, alloc: pd.DataFrame) -> pd.DataFrame:
    """Allocation rows with public cash and guarantee face value in separate columns.

    ``public`` = public cash and a ``guarantee`` column = the face value of guarantee rows
    (contingent exposure), so that tables never add the two.
    """
    instruments = instruments_of(run, _instrument_names(alloc))
    contingent = alloc["instrument"].map({k: v.contingent for k, v in instruments.items()})
    contingent = contingent.fillna(False).astype(bool)
    out = alloc.copy()
    out["guarantee"] = alloc["public"].where(contingent, 0.0).astype("float64")
    out["public"] = alloc["public"].where(~contingent, 0.0).astype("float64")
    return out


def by_group(alloc: pd.DataFrame, key: str, values: pd.Series | None = None) -> pd.DataFrame:
    """Public and private £m and funded projects by ``key`` (a column or a mapped series).

    With a ``guarantee`` column (:func:`cash_split`) guarantees are summed apart.
    """
    if values is None:
        values = alloc[key]
    elif not values.index.equals(alloc.index):
        values = values.reindex(alloc.index)
    # only the columns summed and counted (not a copy of every column of the rows)
    frame = pd.DataFrame({
        "_key": values.astype(str), "public": alloc["public"],
        "guarantee": alloc["guarantee"] if "guarantee" in alloc.columns else 0.0,
        "private": alloc["private"], "project_id": alloc["project_id"]})
    groups = frame.groupby("_key", sort=True)
    # the sums and the count apart: the same figures, without the named aggregation's cost
    out = groups[["public", "guarantee", "private"]].sum()
    out["projects"] = groups["project_id"].nunique()
    out.index.name = key
    out = out.reset_index()
    total = out["public"].sum()
    out["share_of_public"] = out["public"] / total if total > 0 else np.nan
    out["leverage"] = out["private"] / out["public"].where(out["public"] > 0)
    out[key] = out[key].astype("str")
    out = out[[key, "public", "guarantee", "private", "projects", "share_of_public", "leverage"]]
    return out.sort_values(["public", "guarantee", key], ascending=[False, False, True],
                           kind="mergesort").reset_index(drop=True)


def by_mission(run: RunLike, alloc: pd.DataFrame, mission_ids: Sequence[str] = ()) -> pd.DataFrame:
    """Public and private £m attributed to each mission through the project tag weights.

    The model's ``missions`` frame when it has ``mission``, ``public`` and ``private``
    columns (it then also carries weight, additional private money, value, leverage),
    else computed from the tag weights.
    """
    model = getattr(run.allocation, "missions", None)
    if model is not None and {"mission", "public", "private"} <= set(model.columns) and len(model):
        out = model.reset_index(drop=True).copy()
        out["mission"] = out["mission"].astype("str")
        total = float(alloc["public"].sum())
        if "share_of_public" not in out.columns:
            out["share_of_public"] = out["public"] / total if total > 0 else np.nan
        return out
    weights = contributions(run)
    cols = ["public", "guarantee", "private"] if "guarantee" in alloc.columns else \
        ["public", "private"]
    per_project = alloc.groupby("project_id")[cols].sum()
    missions = list(mission_ids) or list(weights.columns)
    missions += [m for m in weights.columns if m not in missions]
    w = weights.reindex(index=per_project.index, columns=missions, fill_value=0.0)
    public = w.mul(per_project["public"], axis=0).sum()
    private = w.mul(per_project["private"], axis=0).sum()
    projects = (w.abs() > 0).sum()
    out = pd.DataFrame({
        "mission": pd.Series(missions, dtype="str"),
        "public": public.reindex(missions).to_numpy(dtype="float64"),
        "private": private.reindex(missions).to_numpy(dtype="float64"),
        "projects": projects.reindex(missions).to_numpy(dtype="int64"),
    })
    if "guarantee" in per_project.columns:
        out.insert(2, "guarantee", w.mul(per_project["guarantee"], axis=0).sum()
                   .reindex(missions).to_numpy(dtype="float64"))
    total = float(per_project["public"].sum())
    out["share_of_public"] = out["public"] / total if total > 0 else np.nan
    return out


#: Columns of the risk-and-reward tables after the key column, £m except the share.
RISK_REWARD_COLUMNS: tuple[str, ...] = (
    "money_out", "money_back", "public_losses", "net_cost", "economic_cost",
    "private_losses", "public_share_of_losses",
)


def risk_and_reward(run: RunLike, alloc: pd.DataFrame, project_costs: pd.DataFrame,
                    rates: pd.Series | None = None) -> pd.DataFrame:
    """Per funded project: public money out and expected back, net cost, who bears the downside.

    ``money_out``, ``money_back``, ``economic_cost`` come from ``project_costs``
    (:func:`missionfinance.fiscal.cost_by_project`, i.e. cashflows.csv: money back includes
    the public share of upside); ``public_losses`` are its expected losses and guarantee
    calls; ``net_cost = money_out + public_losses − money_back`` [£m, undiscounted,
    positive = a cost]; ``private_losses = pd × lgd × private`` [£m] is the expected loss on
    the private money crowded in (the model's expected-loss rate, DESIGN §4);
    ``public_share_of_losses`` = public / (public + private losses) [share; NaN with none].
    ``rates`` is :func:`loss_rates` of ``run``, when already made.
    """
    columns = ["project_id", *RISK_REWARD_COLUMNS]
    if project_costs.empty:
        return pd.DataFrame({c: pd.Series([], dtype="str" if c == "project_id" else "float64")
                             for c in columns})
    out = project_costs.set_index("project_id")
    el = loss_rates(run) if rates is None else rates
    private = alloc.groupby("project_id")["private"].sum() if "private" in alloc.columns \
        else pd.Series(dtype="float64")
    frame = pd.DataFrame(index=out.index)
    frame["money_out"] = out["money_out"]
    frame["money_back"] = out["money_back"]
    frame["public_losses"] = out["expected_losses"]
    frame["net_cost"] = out["money_out"] + out["expected_losses"] - out["money_back"]
    frame["economic_cost"] = out["economic_cost"]
    frame["private_losses"] = (private.reindex(frame.index).fillna(0.0)
                               * el.reindex(frame.index).fillna(0.0))
    frame["public_share_of_losses"] = _loss_share(frame)
    frame.index.name = "project_id"
    return frame.reset_index()[columns]


def _loss_share(frame: pd.DataFrame) -> pd.Series:
    total = frame["public_losses"] + frame["private_losses"]
    return (frame["public_losses"] / total.where(total > 0)).astype("float64")


def risk_and_reward_by_mission(run: RunLike, table: pd.DataFrame,
                               mission_ids: Sequence[str] = (),
                               weights: pd.DataFrame | None = None) -> pd.DataFrame:
    """:func:`risk_and_reward` attributed to each mission by the project tag weights ``c_pm``.

    Every £m column is Σ_p c_pm × the project's figure (as :func:`by_mission` attributes
    public money); the share is recomputed from the mission's own losses. ``weights`` is
    :func:`~missionfinance.views.contributions` of ``run``, when already made.
    """
    weights = contributions(run) if weights is None else weights
    missions = list(mission_ids) or list(weights.columns)
    missions += [m for m in weights.columns if m not in missions]
    money = [c for c in RISK_REWARD_COLUMNS if c != "public_share_of_losses"]
    per = table.set_index("project_id")[money] if len(table) else \
        pd.DataFrame(columns=money, dtype="float64")
    w = weights.reindex(index=per.index, columns=missions, fill_value=0.0)
    out = pd.DataFrame({"mission": pd.Series(missions, dtype="str")})
    for column in money:
        out[column] = w.mul(per[column], axis=0).sum().reindex(missions).to_numpy(dtype="float64")
    out["public_share_of_losses"] = _loss_share(out).to_numpy(dtype="float64")
    return out


def instrument_by_year(alloc: pd.DataFrame, years: Sequence[str],
                       contingent: Sequence[str] = ("guarantee",)) -> pd.DataFrame:
    """Public cash £m by year and instrument, its total, and guarantees issued apart.

    Parameters
    ----------
    alloc : DataFrame
        Allocation rows (``year``, ``instrument``, ``public`` [£m]), as allocation.csv.
    years : sequence of str
        The financial years of the rows, in order (years with nothing allocated are 0).
    contingent : sequence of str
        Instruments whose ``public`` is the face value of contingent exposure (guarantees):
        their columns come after ``public_cash`` and are never added into it.

    Returns
    -------
    DataFrame
        ``year``, one £m column per cash instrument (sorted), ``public_cash`` (their sum,
        £m), then one £m column per contingent instrument allocated (face value).
    """
    table = (alloc.groupby(["year", "instrument"])["public"].sum().unstack(
        "instrument", fill_value=0.0) if len(alloc)  # the pivot table's sums, a third the time
        else alloc.pivot_table(index="year", columns="instrument", values="public",
                               aggfunc="sum", fill_value=0.0))
    table = table.reindex(list(years), fill_value=0.0).reindex(sorted(table.columns), axis=1)
    table.columns = [str(c) for c in table.columns]
    face = set(contingent)
    cash = [c for c in table.columns if c not in face]
    exposure = [c for c in table.columns if c in face]
    table = table[cash + exposure]
    table.insert(len(cash), "public_cash", table[cash].sum(axis=1))
    table.index.name = "year"
    out = table.reset_index()
    out["year"] = out["year"].astype("str")
    return out.astype({c: "float64" for c in out.columns if c != "year"})


def _cost_rule(inst: Instrument) -> str:
    """The instrument's economic cost in words: −PV of its expected cash-flow schedule."""
    t = inst.terms
    pv = "minus the present value of "
    if t.schedule == "grant":
        return "face value (nothing comes back)"
    if t.schedule == "guarantee":
        return (pv + f"expected calls minus fees of {t.fee_rate:.2%} a year over "
                f"{t.tenor} years")
    if t.schedule == "equity":
        back = (f"{t.exit_return:.2%} a year" if t.exit_return is not None
                else f"{t.exit_multiple:g}× at exit")
        return (pv + f"dividends ({t.dividend_yield:.2%} a year) and exit ({back}) after "
                f"{t.hold} years, net of phased expected losses")
    return (pv + f"repayments and interest at {t.interest_rate:.2%} over {t.tenor} years "
            f"({t.grace} of grace, {t.amortisation}), net of phased expected losses")


def assumptions(run: RunLike, alloc: pd.DataFrame) -> pd.DataFrame:
    """Instrument parameters, their budget treatment, pipeline averages and their sources."""
    pipe = pipeline_of(run)
    rows = []
    for name, inst in instruments_of(run, _instrument_names(alloc)).items():
        lev_col = f"leverage_{name}"
        lev = pd.to_numeric(pipe[lev_col], errors="coerce") if lev_col in pipe else None
        rows.append({
            "instrument": name,
            "kind": "contingent (not cash)" if inst.contingent else "public cash",
            "economic_cost": _cost_rule(inst),
            "budget_score": "; ".join(f"{c} {v:g}" for c, v in sorted(inst.budget_score.items()))
            or "none",
            "expected_loss_to": inst.expected_loss_to or "not charged",
            "exposure": "counts against the exposure limit" if inst.exposure else "no",
            "mean_leverage": float(lev.mean()) if lev is not None and lev.notna().any() else np.nan,
            "eligible_projects": int(lev.notna().sum()) if lev is not None else 0,
            "description": inst.description,
            "source": inst.source or "scenario file",
        })
    return pd.DataFrame(rows).astype({"mean_leverage": "float64"}) if rows else pd.DataFrame(
        {"instrument": pd.Series([], dtype="str")})


# --------------------------------------------------------------------------- figures


def budget_frame(run_or_result: RunResult | AllocationResult) -> pd.DataFrame:
    """The budget table (:func:`budget_use`) of a RunResult or an AllocationResult."""
    view = as_run(run_or_result)
    return budget_use(view, allocation_frame(view.allocation))


def exposure_frame(run_or_result: RunResult | AllocationResult) -> pd.DataFrame:
    """The exposure table (:func:`exposure_and_risk`) of a RunResult or an AllocationResult."""
    view = as_run(run_or_result)
    return exposure_and_risk(view, allocation_frame(view.allocation))


# --------------------------------------------------------------------------- flow


def _budget_line(instrument: Any) -> str:
    """The control a £ of the instrument is funded from (largest budget score)."""
    score = dict(getattr(instrument, "budget_score", {}) or {})
    if not score or max(score.values()) <= 0:
        return "contingent liability" if getattr(instrument, "exposure", False) else "no budget score"
    return sorted(score.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]


def flow_frame(result: RunResult | AllocationResult, instruments: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """The money behind :func:`flow`: one row per (budget line, mission, instrument).

    Parameters
    ----------
    result : RunResult or AllocationResult
    instruments : mapping of name to Instrument, optional
        Budget treatment (default: the run's scenario, else the library defaults). Each
        instrument is drawn from the control of its largest ``budget_score`` (guarantees:
        "contingent liability").

    Returns
    -------
    pandas.DataFrame
        ``budget``, ``mission``, ``instrument``, ``public``, ``private``,
        ``additional_private`` [£m]. Public money no rule attributes to a mission (a
        project's net shares below 1) is the mission :data:`UNATTRIBUTED`. Under ``gross``
        attribution, where a project's shares may add to more than 1, an instrument's
        mission rows are scaled down to the money actually committed, so the flow
        conserves the public total.
    """
    alloc_result = allocation_of(result)
    lev = alloc_result.leverage
    alloc = alloc_result.allocation
    if instruments is None:
        instruments = getattr(getattr(result, "scenario", None), "instruments", None) or {}
    treatment = {**DEFAULT_INSTRUMENTS, **dict(instruments)}
    frame = lev[["mission", "instrument", "public", "private", "additional_private"]].copy()
    frame["mission"] = frame["mission"].astype(str)
    frame["instrument"] = frame["instrument"].astype(str)
    projects = alloc_result.projects
    a = (projects.set_index("project_id")["additional_private"]
         / projects.set_index("project_id")["private"].where(lambda s: s > 0))
    per_inst = alloc.assign(
        additional_private=alloc["private"] * alloc["project_id"].map(a).fillna(1.0).to_numpy()
    ).groupby(alloc["instrument"].astype(str))[["public", "private", "additional_private"]].sum()
    attributed = frame.groupby("instrument")[["public", "private", "additional_private"]].sum()
    # gross attribution can attribute more than was committed: scale back to the total
    scale = (per_inst["public"] / attributed["public"].reindex(per_inst.index)).clip(upper=1.0)
    factor = frame["instrument"].map(scale).fillna(1.0).to_numpy()
    frame[["public", "private", "additional_private"]] = (
        frame[["public", "private", "additional_private"]].mul(factor, axis=0))
    attributed = frame.groupby("instrument")[["public", "private", "additional_private"]].sum()
    rest = (per_inst - attributed.reindex(per_inst.index, fill_value=0.0)).clip(lower=0.0)
    rest = rest[rest["public"] > 1e-9].reset_index(names="instrument")
    rest.insert(0, "mission", UNATTRIBUTED)
    out = pd.concat([frame, rest], ignore_index=True)
    out = out[out["public"] > 1e-9].reset_index(drop=True)
    out.insert(0, "budget", [_budget_line(treatment.get(i)) for i in out["instrument"]])
    return out
