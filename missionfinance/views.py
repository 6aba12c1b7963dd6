"""Views: the frames a run is read through, for the report and the figures.

Every figure of :mod:`missionfinance.plot` and every table of
:mod:`missionfinance.report` is computed here, once, from a
:class:`~missionfinance.scenario.RunResult` (or, for the figures, an
:class:`~missionfinance.model.AllocationResult` alone: then there is no scenario, so no
limits, the default instruments and the allocation's own years). Neither the report nor
the figures compute money themselves, and neither imports the other.

Each function takes the run's frames and returns a new frame (inputs are never
mutated). Money is £m (float64), shares are fractions 0–1. The figures follow the
formulation of DESIGN §4:

- public finance committed ``x`` and private investment mobilised ``y`` come from the
  allocation frame (``public``, ``private`` per project × instrument × year);
- additional private investment is ``Σ_p a_p y_p`` (``a_p`` = the project's
  ``additionality``, default 1), its share is that over ``Σ_p y_p``;
- leverage is private mobilised per £ of public finance;
- budget used per control and year is ``Σ s_ic x + Σ el_p x`` over instruments whose
  expected loss is charged to the control (``el_p = pd × lgd``), with the instrument
  treatment of the scenario (``[instruments.<name>]`` over the library defaults);
- guarantee exposure is the stock of commitments of exposure instruments up to each
  year end; expected loss is ``Σ pd × lgd × x`` over loss-bearing instruments;
- mission attribution of money uses the pipeline's tag weights ``c_pm``: public
  attributed to mission m is ``Σ_p c_pm x_p`` (with ``gross`` attribution a project's
  shares can add to more than 100%).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import pandas as pd

from missionfinance.instruments import DEFAULT_INSTRUMENTS, Instrument, instrument_from_config
from missionfinance.io.schema import DEFAULT_LGD
from missionfinance.model import AllocationResult
from missionfinance.model.numerics import is_binding
from missionfinance.scenario import RunResult
from missionfinance.tagging import TaggingResult

#: The mission of public money no rule attributes to a mission (a project's net shares
#: below 1), in the flow frame and its figure.
UNATTRIBUTED = "(no mission)"


@dataclass(frozen=True)
class AllocationOnly:
    """An allocation seen as a run with no scenario: no limits, the default instruments,
    the allocation's own years (for figures drawn from an AllocationResult alone)."""

    allocation: AllocationResult
    scenario: None = None
    pipeline: None = None
    pipeline_tags: None = None
    baseline: None = None


#: What the views read: a run, or an allocation alone.
RunLike = RunResult | AllocationOnly


def allocation_of(obj: RunResult | AllocationResult) -> AllocationResult:
    """The AllocationResult of a RunResult, or the object itself."""
    inner = getattr(obj, "allocation", None)
    return cast(AllocationResult, inner if inner is not None and hasattr(inner, "status") else obj)


def as_run(obj: RunResult | AllocationResult) -> RunLike:
    """A RunResult as it is; an AllocationResult wrapped as :class:`AllocationOnly`."""
    if getattr(obj, "scenario", None) is not None:
        return cast(RunResult, obj)
    return AllocationOnly(allocation_of(obj))


_ALLOCATION_COLUMNS = ["project_id", "instrument", "year", "public", "private"]


# --------------------------------------------------------------------------- inputs


def allocation_frame(result: AllocationResult) -> pd.DataFrame:
    """allocation.csv rows: project_id, instrument, year, public, private; public > 0."""
    frame = getattr(result, "allocation", None)
    if frame is None or len(frame) == 0:
        return pd.DataFrame(
            {
                "project_id": pd.Series([], dtype="str"),
                "instrument": pd.Series([], dtype="str"),
                "year": pd.Series([], dtype="str"),
                "public": pd.Series([], dtype="float64"),
                "private": pd.Series([], dtype="float64"),
            }
        )
    out = frame.reset_index(drop=True)[_ALLOCATION_COLUMNS].copy()
    for col in ("project_id", "instrument", "year"):
        out[col] = out[col].astype(str)
    for col in ("public", "private"):
        out[col] = out[col].astype("float64")
    return out[out["public"] > 0].reset_index(drop=True)


def instruments_of(run: RunLike, names: Sequence[str] = ()) -> dict[str, Instrument]:
    """The scenario's instrument treatment.

    ``scenario.instruments`` when the scenario has parsed it, else the scenario's
    ``[instruments.<name>]`` tables over the library defaults; ``names`` adds
    instruments the allocation uses that the scenario does not list.
    """
    scenario = run.scenario
    parsed = getattr(scenario, "instruments", None)
    out: dict[str, Instrument] = {}
    if isinstance(parsed, Mapping) and parsed:
        out.update({str(k): v for k, v in parsed.items()})
    else:
        config = getattr(scenario, "config", None) or {}
        table = config.get("instruments", {}) or {}
        context = getattr(getattr(scenario, "path", None), "name", "scenario.toml")
        for name in table:
            out[name] = instrument_from_config(name, table[name], context)
    for name in names:
        if name not in out:
            out[name] = DEFAULT_INSTRUMENTS.get(name, Instrument(name))
    return dict(sorted(out.items()))


def limits_of(run: RunLike, key: str) -> Mapping[str, Any]:
    """``scenario.budget`` / ``scenario.exposure``, or that table of the scenario's TOML."""
    value = getattr(run.scenario, key, None)
    if isinstance(value, Mapping):
        return value
    config = getattr(run.scenario, "config", None) or {}
    return config.get(key, {}) or {}


def years_of(run: RunLike, alloc: pd.DataFrame) -> list[str]:
    """The scenario horizon, or the years the allocation uses."""
    years = list(getattr(run.scenario, "years", None) or [])
    return years or sorted(set(alloc["year"]))


def contributions(run: RunLike) -> pd.DataFrame:
    """Project × mission tag weights ``c_pm`` (index project_id, 0 where none)."""
    tagging = getattr(run, "pipeline_tags", None)
    method = getattr(tagging, "contributions", None)
    pipe = getattr(run, "pipeline", None)
    if callable(method) and pipe is not None:
        table = pd.DataFrame(method(ids=pipe["project_id"])).copy()
        table.index = pd.Index(table.index.astype(str), name="project_id")
        table.columns = [str(c) for c in table.columns]
        return table.astype("float64")
    tags = getattr(tagging, "tags", None)
    if tags is None or len(tags) == 0:
        return pd.DataFrame(index=pd.Index([], dtype="str", name="project_id"))
    table = tags.groupby(["line_id", "mission"], sort=True)["weight"].sum().unstack(fill_value=0.0)
    table.index = table.index.astype(str)
    table.index.name = "project_id"
    table.columns = [str(c) for c in table.columns]
    return table.astype("float64")


def _pipeline(run: RunLike) -> pd.DataFrame:
    pipe = getattr(run, "pipeline", None)
    if pipe is None:
        return pd.DataFrame({"project_id": pd.Series([], dtype="str")})
    pipe = pipe.reset_index(drop=True)
    pipe["project_id"] = pipe["project_id"].astype(str)
    return pipe


def _project_attr(pipe: pd.DataFrame, column: str, default: float) -> pd.Series:
    if column in pipe.columns:
        values = pd.to_numeric(pipe[column], errors="coerce").fillna(default)
    else:
        values = pd.Series(default, index=pipe.index, dtype="float64")
    return pd.Series(values.to_numpy(dtype="float64"), index=pipe["project_id"])


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
    pipe = _pipeline(run)
    el = _project_attr(pipe, "pd", 0.0) * _project_attr(pipe, "lgd", DEFAULT_LGD)
    instruments = instruments_of(run, sorted(set(alloc["instrument"])))
    bears = alloc["instrument"].map({k: v.bears_loss for k, v in instruments.items()})
    loss = alloc["public"].to_numpy() * el.reindex(alloc["project_id"]).fillna(0.0).to_numpy()
    return {
        "additional_share": additional / private if private > 0 else None,
        "expected_loss": float(loss[bears.fillna(False).to_numpy(dtype=bool)].sum()),
    }


# --------------------------------------------------------------------------- tables


def budget_use(run: RunLike, alloc: pd.DataFrame) -> pd.DataFrame:
    """Budget used per control and year against its limit (``limit`` NaN = none given).

    Read from the model's ``dataset.budget_cost`` when it has one, else computed from
    the allocation with the instrument treatment (module docstring).
    """
    instruments = instruments_of(run, sorted(set(alloc["instrument"])))
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
    pipe = _pipeline(run)
    el = (_project_attr(pipe, "pd", 0.0) * _project_attr(pipe, "lgd", DEFAULT_LGD)).reindex(
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


def exposure_and_risk(run: RunLike, alloc: pd.DataFrame) -> pd.DataFrame:
    """Per year: new guarantee commitments, exposure stock, its limit, expected loss."""
    pipe = _pipeline(run)
    el = (_project_attr(pipe, "pd", 0.0) * _project_attr(pipe, "lgd", DEFAULT_LGD)).reindex(
        alloc["project_id"]
    ).fillna(0.0).to_numpy()
    instruments = instruments_of(run, sorted(set(alloc["instrument"])))
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


def by_group(alloc: pd.DataFrame, key: str, values: pd.Series | None = None) -> pd.DataFrame:
    """Public and private £m and funded projects by ``key`` (a column or a mapped series)."""
    frame = alloc.assign(_key=alloc[key] if values is None else values)
    frame["_key"] = frame["_key"].astype(str)
    out = frame.groupby("_key", sort=True).agg(
        public=("public", "sum"), private=("private", "sum"), projects=("project_id", "nunique")
    )
    out.index.name = key
    out = out.reset_index()
    total = out["public"].sum()
    out["share_of_public"] = out["public"] / total if total > 0 else np.nan
    out["leverage"] = out["private"] / out["public"].where(out["public"] > 0)
    out[key] = out[key].astype("str")
    return out.sort_values(["public", key], ascending=[False, True], kind="mergesort").reset_index(
        drop=True
    )


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
    per_project = alloc.groupby("project_id")[["public", "private"]].sum()
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
    total = float(per_project["public"].sum())
    out["share_of_public"] = out["public"] / total if total > 0 else np.nan
    return out


def instrument_by_year(alloc: pd.DataFrame, years: Sequence[str]) -> pd.DataFrame:
    """Public £m by year (rows) and instrument (columns), with a total column."""
    table = alloc.pivot_table(index="year", columns="instrument", values="public",
                              aggfunc="sum", fill_value=0.0)
    table = table.reindex(list(years), fill_value=0.0).reindex(sorted(table.columns), axis=1)
    table.columns = [str(c) for c in table.columns]
    table["total"] = table.sum(axis=1)
    table.index.name = "year"
    out = table.reset_index()
    out["year"] = out["year"].astype("str")
    return out.astype({c: "float64" for c in out.columns if c != "year"})


_CONSTRAINT_ALIASES = {
    "name": ("name", "constraint", "label"),
    "family": ("family", "kind", "type"),
    "binding": ("binding", "is_binding"),
    "slack": ("slack",),
    "dual": ("shadow_price", "dual", "marginal", "dual_value"),
    "words": ("explanation", "words", "text", "meaning", "description"),
}


def _pick(frame: pd.DataFrame, names: Sequence[str]) -> str | None:
    for name in names:
        if name in frame.columns:
            return name
    return None


def constraints_in_words(result: AllocationResult) -> pd.DataFrame:
    """The constraints frame with a plain-words ``meaning`` column.

    Binding constraints come first, largest shadow price (|dual|) first, then by name.
    ``meaning`` is the model's ``explanation`` when it gives one.
    """
    frame = getattr(result, "constraints", None)
    if frame is None or len(frame) == 0:
        return pd.DataFrame({"constraint": pd.Series([], dtype="str"),
                             "binding": pd.Series([], dtype="bool"),
                             "meaning": pd.Series([], dtype="str")})
    frame = frame.reset_index(drop=True).copy()
    col = {k: _pick(frame, v) for k, v in _CONSTRAINT_ALIASES.items()}
    if col["binding"] is not None:
        binding = frame[col["binding"]].fillna(False).astype(bool)
    elif col["slack"] is not None:  # the model's rule, when a frame gives no binding flag
        slack = pd.to_numeric(frame[col["slack"]], errors="coerce").abs().to_numpy()
        rhs = (pd.to_numeric(frame["rhs"], errors="coerce").fillna(0.0).to_numpy()
               if "rhs" in frame.columns else np.zeros(len(frame)))
        binding = pd.Series(is_binding(slack, rhs), index=frame.index)
    else:
        binding = pd.Series(False, index=frame.index)
    name = frame[col["name"]].astype(str) if col["name"] else pd.Series(
        [f"constraint {i + 1}" for i in range(len(frame))], index=frame.index)
    if col["words"] is not None:
        meaning = frame[col["words"]].fillna("").astype(str)
    else:
        dual = (pd.to_numeric(frame[col["dual"]], errors="coerce") if col["dual"]
                else pd.Series(np.nan, index=frame.index))
        meaning = pd.Series([
            _words(n, bool(b), d) for n, b, d in zip(name, binding, dual, strict=True)
        ], index=frame.index)
    out = frame.copy()
    if "binding" not in out.columns:
        out["binding"] = binding
    out["meaning"] = meaning.astype("str")
    out.insert(0, "constraint", name.astype("str"))
    drop = [c for c in (col["name"], col["words"]) if c is not None and c not in
            ("constraint", "meaning")]
    out = out.drop(columns=drop)
    empty = [c for c in out.columns if c not in ("constraint", "binding", "meaning")
             and is_empty_column(out[c])]
    out = out.drop(columns=empty)
    dual_abs = (pd.to_numeric(frame[col["dual"]], errors="coerce").abs().fillna(0.0)
                if col["dual"] else pd.Series(0.0, index=frame.index))
    order = pd.DataFrame({"b": ~binding.to_numpy(), "d": -dual_abs.to_numpy(),
                          "n": name.to_numpy()}).sort_values(["b", "d", "n"],
                                                             kind="mergesort").index
    return out.loc[order].reset_index(drop=True)


def split_project_constraints(constraints: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(shared, per_family) of a :func:`constraints_in_words` frame.

    Rows that name a ``project`` (capacity, crowding-in, private capacity: one per
    project) and model helper rows (:data:`HELPER_FAMILIES`) are summarised per family in ``per_family`` (rows, binding, share binding);
    ``shared`` keeps every other row (budget, exposure, mission, regional, risk).
    """
    if "project" not in constraints.columns:
        own = pd.Series(False, index=constraints.index)
    else:
        own = constraints["project"].fillna("").astype(str) != ""
    if "family" in constraints.columns:  # model helper rows are counted, not listed
        own = own | constraints["family"].fillna("").astype(str).isin(HELPER_FAMILIES)
    shared = constraints[~own].reset_index(drop=True)
    shared = shared.drop(columns=[c for c in ("project",) if c in shared.columns
                                  and is_empty_column(shared[c])])
    local = constraints[own]
    family = (local["family"].astype(str) if "family" in local.columns
              else pd.Series("per project", index=local.index))
    per = pd.DataFrame({"family": family, "binding": local["binding"].astype(bool)})
    out = per.groupby("family", sort=True).agg(rows=("binding", "size"),
                                               binding=("binding", "sum")).reset_index()
    out["share_binding"] = out["binding"] / out["rows"]
    return shared, out.astype({"family": "str", "rows": "int64", "binding": "int64"})


def is_empty_column(series: pd.Series) -> bool:
    """True when every cell is missing or empty text (such columns are left out)."""
    if series.isna().all():
        return True
    if pd.api.types.is_string_dtype(series.dtype) or series.dtype == object:
        return bool((series.fillna("").astype(str) == "").all())
    return False


def _words(name: str, binding: bool, dual: float) -> str:
    if not binding:
        return f"{name} has room to spare: it does not limit the allocation."
    if dual is None or not np.isfinite(dual):
        return f"{name} is binding: it limits the allocation."
    return (f"{name} is binding: £1m more here would add {abs(dual):,.3g} to the objective "
            "(its shadow price).")


def projects_table(run: RunLike, alloc: pd.DataFrame, binding: Sequence[str] = ()) -> pd.DataFrame:
    """Every pipeline project: money received, funded or not, and why not."""
    pipe = _pipeline(run)
    per = alloc.groupby("project_id")[["public", "private"]].sum()
    instruments = alloc.groupby("project_id")["instrument"].agg(lambda s: ";".join(sorted(set(s))))
    weights = contributions(run)
    mission_ids = list(weights.columns)
    positive = weights.reindex(pipe["project_id"], fill_value=0.0) > 0
    missions = [", ".join(m for m, on in zip(mission_ids, row, strict=True) if on)
                for row in positive.to_numpy()]
    out = pd.DataFrame({"project_id": pipe["project_id"].astype("str")})
    for column in ("name", "department", "region"):
        out[column] = pipe[column].fillna("").astype("str") if column in pipe else ""
    out["missions"] = pd.Series(missions, dtype="str")
    capacity = (pd.to_numeric(pipe["capacity"], errors="coerce") if "capacity" in pipe
                else pd.Series(np.nan, index=pipe.index))
    out["capacity"] = capacity.astype("float64").to_numpy()
    out["public"] = per["public"].reindex(out["project_id"]).fillna(0.0).to_numpy()
    out["private"] = per["private"].reindex(out["project_id"]).fillna(0.0).to_numpy()
    out["instruments_used"] = instruments.reindex(out["project_id"]).fillna("").astype(
        "str").to_numpy()
    out["funded"] = out["public"] > 0
    model_reason = _model_reasons(run, out["project_id"])
    limits = ", ".join(binding[:3]) + (" and others" if len(binding) > 3 else "")
    reasons = []
    for funded, mission, pub, cap, given in zip(out["funded"], out["missions"], out["public"],
                                                 out["capacity"], model_reason, strict=True):
        if given:
            reasons.append(given)
        elif funded:
            reasons.append("" if not np.isfinite(cap) or pub >= cap - 1e-6
                           else f"partly funded: £{pub:,.1f}m of its £{cap:,.1f}m capacity")
        elif not mission:
            reasons.append("no tagging rule links it to a mission, so it adds no mission value")
        elif limits:
            reasons.append(f"other projects gave more mission value per £ of the binding limits ({limits})")
        else:
            reasons.append("not chosen by the optimiser")
    out["why_not"] = pd.Series(reasons, dtype="str")
    return out.sort_values(["funded", "public", "project_id"], ascending=[False, False, True],
                           kind="mergesort").reset_index(drop=True)


def _model_reasons(run: RunLike, ids: pd.Series) -> list[str]:
    frame = getattr(run.allocation, "projects", None)
    if frame is None or len(frame) == 0 or "project_id" not in frame.columns:
        return [""] * len(ids)
    column = _pick(frame, ("why_not", "reason", "why"))
    if column is None:
        return [""] * len(ids)
    lookup = pd.Series(frame[column].fillna("").astype(str).to_numpy(),
                       index=frame["project_id"].astype(str).to_numpy())
    lookup = lookup[~lookup.index.duplicated()]
    return [str(v) for v in lookup.reindex(ids.to_numpy()).fillna("").tolist()]


def baseline_alignment(baseline: TaggingResult | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(alignment, by_mission) of the baseline spending lines.

    ``alignment`` has one row per class — favourable, unfavourable, mixed, neutral, not
    assessed — with the number of lines and their £m; a line is favourable when all its
    tags work for a mission (positive weight, or ``direction`` favourable), unfavourable
    when all work against, mixed when both, neutral when its tags carry no direction,
    and not assessed when no rule matched it. ``by_mission`` gives per mission the £m
    attributed for and against.
    """
    classes = ["favourable", "unfavourable", "mixed", "neutral", "not assessed"]
    lines = getattr(baseline, "lines", None)
    tags = getattr(baseline, "tags", None)
    if lines is None or tags is None:
        empty = pd.DataFrame({"class": pd.Series(classes, dtype="str"), "lines": 0,
                              "amount": 0.0, "share_of_amount": np.nan})
        return empty, pd.DataFrame({"mission": pd.Series([], dtype="str"),
                                    "favourable": pd.Series([], dtype="float64"),
                                    "unfavourable": pd.Series([], dtype="float64")})
    if "direction" in tags.columns:
        direction = tags["direction"].fillna("").astype(str).str.lower()
    else:
        direction = pd.Series(np.where(tags["weight"] > 0, "favourable",
                                       np.where(tags["weight"] < 0, "unfavourable", "neutral")),
                              index=tags.index)
    direction = direction.where(direction.isin(["favourable", "unfavourable"]), "neutral")
    t = pd.DataFrame({"line_id": tags["line_id"].astype(str), "d": direction})
    fav = t[t["d"] == "favourable"].groupby("line_id").size()
    unf = t[t["d"] == "unfavourable"].groupby("line_id").size()
    ids = lines["line_id"].astype(str)
    has_tag = ids.isin(set(t["line_id"]))
    has_f = ids.isin(fav.index)
    has_u = ids.isin(unf.index)
    cls = np.select(
        [~has_tag, has_f & has_u, has_f, has_u],
        ["not assessed", "mixed", "favourable", "unfavourable"],
        default="neutral",
    )
    amount = pd.to_numeric(lines["amount"], errors="coerce").fillna(0.0).to_numpy()
    frame = pd.DataFrame({"class": cls, "amount": amount})
    grouped = frame.groupby("class").agg(lines=("amount", "size"), amount=("amount", "sum"))
    grouped = grouped.reindex(classes).fillna({"lines": 0, "amount": 0.0})
    out = grouped.reset_index()
    out["lines"] = out["lines"].astype("int64")
    total = float(np.abs(amount).sum())
    out["share_of_amount"] = out["amount"] / total if total > 0 else np.nan
    out["class"] = out["class"].astype("str")
    attributed = pd.to_numeric(tags["amount_attributed"], errors="coerce").fillna(0.0)
    m = pd.DataFrame({"mission": tags["mission"].astype(str), "d": direction.to_numpy(),
                      "a": attributed.to_numpy()})
    per = m.pivot_table(index="mission", columns="d", values="a", aggfunc="sum", fill_value=0.0)
    per = per.reindex(columns=["favourable", "unfavourable"], fill_value=0.0)
    per["unfavourable"] = per["unfavourable"].abs()
    per.index.name = "mission"
    by_mission_out = per.reset_index()
    by_mission_out.columns.name = None
    by_mission_out["mission"] = by_mission_out["mission"].astype("str")
    return out, by_mission_out


def coverage_table(baseline: TaggingResult | None) -> pd.DataFrame:
    """The baseline's tag coverage frame as the tagging stage reports it (copy)."""
    cov = getattr(baseline, "coverage", None)
    if cov is None:
        return pd.DataFrame()
    return cov.reset_index(drop=cov.index.name is None).copy()


def assumptions(run: RunLike, alloc: pd.DataFrame) -> pd.DataFrame:
    """Instrument parameters, their budget treatment, pipeline averages and their sources."""
    pipe = _pipeline(run)
    rows = []
    for name, inst in instruments_of(run, sorted(set(alloc["instrument"]))).items():
        lev_col = f"leverage_{name}"
        lev = pd.to_numeric(pipe[lev_col], errors="coerce") if lev_col in pipe else None
        rows.append({
            "instrument": name,
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


# --------------------------------------------------------------------------- sweeps


def efficient_frontier(
    table: pd.DataFrame, x: str, y: str, *, minimise_x: bool = True, maximise_y: bool = True
) -> pd.DataFrame:
    """Variants not dominated in (x, y): e.g. ``x="public_total"``, ``y="private_total"``.

    A variant is on the frontier when no other optimal variant has an x at least as good
    and a y strictly better (or the reverse). Returns those rows sorted by x.

    Examples
    --------
    >>> t = pd.DataFrame({"status": ["optimal"] * 3, "cost": [1, 2, 3], "gain": [5, 4, 9]})
    >>> efficient_frontier(t, "cost", "gain")["cost"].tolist()
    [1, 3]
    """
    ok = table[table["status"] == "optimal"].dropna(subset=[x, y])
    xs = ok[x].to_numpy(float) * (1 if minimise_x else -1)
    ys = ok[y].to_numpy(float) * (-1 if maximise_y else 1)  # lower is better for both now
    dominated = ((xs[None, :] <= xs[:, None]) & (ys[None, :] <= ys[:, None])
                 & ((xs[None, :] < xs[:, None]) | (ys[None, :] < ys[:, None]))).any(axis=1)
    return ok[~dominated].sort_values(x, kind="stable").reset_index(drop=True)


#: Constraint families that are modelling helpers, not limits an analyst sets (one row per
#: CVaR scenario); like per-project rows they are counted by family, not listed.
HELPER_FAMILIES = frozenset({"cvar_excess"})

#: Unfunded projects listed in the report as the closest to being funded.
CLOSEST_UNFUNDED = 20


def limits_by_family(constraints: pd.DataFrame) -> pd.DataFrame:
    """Per constraint family of a :func:`constraints_in_words` frame: rows, binding, share.

    ``kind`` says whether the family is a ``shared`` limit (budget, exposure, mission,
    regional, risk), a ``per project`` limit (one row per project) or a model ``helper``.
    Families with binding rows first, most binding first.
    """
    if len(constraints) == 0 or "family" not in constraints.columns:
        return pd.DataFrame({"family": pd.Series([], dtype="str"),
                             "kind": pd.Series([], dtype="str"),
                             "rows": pd.Series([], dtype="int64"),
                             "binding": pd.Series([], dtype="int64"),
                             "share_binding": pd.Series([], dtype="float64")})
    family = constraints["family"].fillna("").astype(str)
    own = (constraints["project"].fillna("").astype(str) != "" if "project" in constraints
           else pd.Series(False, index=constraints.index))
    kind = np.where(family.isin(HELPER_FAMILIES), "helper",
                    np.where(own, "per project", "shared"))
    frame = pd.DataFrame({"family": family, "kind": kind,
                          "binding": constraints["binding"].astype(bool)})
    out = frame.groupby(["family", "kind"], sort=True).agg(
        rows=("binding", "size"), binding=("binding", "sum")).reset_index()
    out["share_binding"] = out["binding"] / out["rows"]
    out = out.sort_values(["binding", "family"], ascending=[False, True], kind="mergesort")
    return out.reset_index(drop=True).astype({"family": "str", "kind": "str", "rows": "int64",
                                              "binding": "int64"})


def closest_unfunded(run: RunLike, projects: pd.DataFrame, n: int = CLOSEST_UNFUNDED) -> pd.DataFrame:
    """The ``n`` unfunded projects nearest to being funded, with their switching values.

    Ranked by ``best_gain`` — what £1m of the project's best use would lose at today's
    shadow prices (closest to 0 first). The switching values are those the model gives:
    the leverage (£ private per £ public) or the mission value per £ at which the project
    would break even, and the weight of its main mission that would do the same.
    """
    frame = getattr(run.allocation, "projects", None)
    columns = ["best_gain", "value_per_pound", "value_needed", "leverage_needed",
               "main_mission", "weight_needed"]
    if frame is None or len(frame) == 0 or "best_gain" not in frame.columns:
        return pd.DataFrame({"project_id": pd.Series([], dtype="str")})
    model = frame.drop_duplicates("project_id").set_index(
        frame.drop_duplicates("project_id")["project_id"].astype(str))
    unfunded = projects[~projects["funded"].astype(bool)].copy()
    for column in columns:
        if column in model.columns:
            unfunded[column] = model[column].reindex(unfunded["project_id"]).to_numpy()
    gain = pd.to_numeric(unfunded["best_gain"], errors="coerce")
    unfunded["best_gain"] = gain.where(gain.abs() > 1e-7, 0.0)  # a tie at the margin
    unfunded = unfunded[gain.notna()]
    unfunded = unfunded.sort_values(["best_gain", "project_id"], ascending=[False, True],
                                    kind="mergesort").head(n)
    keep = ["project_id", "name", "department", "region", "missions", "capacity",
            *[c for c in columns if c in unfunded.columns], "why_not"]
    out = unfunded[[c for c in keep if c in unfunded.columns]].reset_index(drop=True)
    if "main_mission" in out.columns:
        out["main_mission"] = out["main_mission"].fillna("").astype("str")
    return out.astype({c: "float64" for c in out.columns
                       if c in columns and c != "main_mission"})


def baseline_by_year(baseline: TaggingResult | None) -> pd.DataFrame:
    """Baseline spending lines by source and year: £m in each alignment class.

    Totals across years are never added here: a spending-review line for 2026-27 and the
    same line for 2027-28 are two years of one budget, and procurement contracts are a
    different source.
    """
    lines = getattr(baseline, "lines", None)
    tags = getattr(baseline, "tags", None)
    classes = ["favourable", "unfavourable", "mixed", "neutral", "not assessed"]
    if lines is None or tags is None or len(lines) == 0:
        return pd.DataFrame({"source": pd.Series([], dtype="str"),
                             "year": pd.Series([], dtype="str")})
    cls = _line_classes(lines, tags)
    frame = pd.DataFrame({
        "source": (lines["source"].fillna("").astype(str) if "source" in lines
                   else pd.Series("", index=lines.index)).to_numpy(),
        "year": (lines["year"].fillna("").astype(str) if "year" in lines
                 else pd.Series("", index=lines.index)).to_numpy(),
        "class": cls,
        "amount": pd.to_numeric(lines["amount"], errors="coerce").fillna(0.0).to_numpy(),
    })
    table = frame.pivot_table(index=["source", "year"], columns="class", values="amount",
                              aggfunc="sum", fill_value=0.0).reindex(columns=classes,
                                                                     fill_value=0.0)
    table.columns = [c.replace(" ", "_") for c in table.columns]
    counts = frame.groupby(["source", "year"]).size()
    table.insert(0, "lines", counts.reindex(table.index).astype("int64"))
    table["total"] = table[[c.replace(" ", "_") for c in classes]].sum(axis=1)
    out = table.reset_index()
    out.columns.name = None
    out = out.astype({"source": "str", "year": "str"})
    return out.sort_values(["source", "year"], kind="mergesort").reset_index(drop=True)


def _line_classes(lines: pd.DataFrame, tags: pd.DataFrame) -> np.ndarray:
    """Alignment class of each line (see :func:`baseline_alignment`)."""
    if "direction" in tags.columns:
        direction = tags["direction"].fillna("").astype(str).str.lower()
    else:
        direction = pd.Series(np.where(tags["weight"] > 0, "favourable",
                                       np.where(tags["weight"] < 0, "unfavourable", "neutral")),
                              index=tags.index)
    ids = tags["line_id"].astype(str)
    fav = set(ids[direction == "favourable"])
    unf = set(ids[direction == "unfavourable"])
    line_ids = lines["line_id"].astype(str)
    has_tag = line_ids.isin(set(ids))
    has_f = line_ids.isin(fav)
    has_u = line_ids.isin(unf)
    return np.select([~has_tag, has_f & has_u, has_f, has_u],
                     ["not assessed", "mixed", "favourable", "unfavourable"], default="neutral")


def coverage_by_owner(baseline: TaggingResult | None, coverage: pd.DataFrame) -> pd.DataFrame:
    """The coverage frame with buyers kept apart from departments, and signs made plain.

    Procurement lines name the buying body (a council, a school, a trust) in their
    ``department`` field; a ``department`` row whose lines all come from procurement is
    relabelled ``buyer``, and buyers follow departments. ``attributed_unfavourable`` is
    shown as a positive amount (money attributed against a mission), like the baseline by
    mission table.
    """
    lines = getattr(baseline, "lines", None)
    if len(coverage) == 0 or "dimension" not in coverage.columns:
        return coverage
    out = coverage.copy()
    if lines is not None and "source" in lines.columns and "department" in lines.columns:
        sources = lines.groupby(lines["department"].fillna("").astype(str))["source"].agg(
            lambda s: set(s.astype(str)))
        procurement_only = {d for d, s in sources.items() if s == {"procurement"}}
        is_buyer = (out["dimension"] == "department") & out["group"].astype(str).isin(
            procurement_only)
        out.loc[is_buyer, "dimension"] = "buyer"
    if "attributed_unfavourable" in out.columns:
        out["attributed_unfavourable"] = out["attributed_unfavourable"].abs()
    order = {"all": 0, "source": 1, "department": 2, "buyer": 3}
    rank = out["dimension"].map(order).fillna(len(order))
    out = out.assign(_rank=rank).sort_values(["_rank", "dimension"], kind="mergesort")
    return out.drop(columns="_rank").reset_index(drop=True)
