"""The run as the views read it: its allocation, instruments, limits, years and pipeline."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias, cast

import pandas as pd

from missionfinance.instruments import DEFAULT_INSTRUMENTS, Instrument, instrument_from_config
from missionfinance.model import AllocationResult

if TYPE_CHECKING:  # the scenario stage composes this one; its types are named, not imported
    from missionfinance.scenario import RunResult

#: The mission of public money no rule attributes to a mission (a project's net shares
#: below 1), in the flow frame and its figure.
UNATTRIBUTED = "(no mission)"


@dataclass(frozen=True)
class AllocationOnly:
    """An allocation seen as a run with no scenario.

    No limits, the default instruments, the allocation's own years: for figures drawn
    from an AllocationResult alone.
    """

    allocation: AllocationResult
    scenario: None = None
    pipeline: None = None
    pipeline_tags: None = None
    baseline: None = None


#: What the views read: a run, or an allocation alone.
RunLike: TypeAlias = "RunResult | AllocationOnly"


def allocation_of(obj: RunResult | AllocationResult) -> AllocationResult:
    """The AllocationResult of a RunResult, or the object itself."""
    inner = getattr(obj, "allocation", None)
    return cast(AllocationResult, inner if inner is not None and hasattr(inner, "status") else obj)


def as_run(obj: RunResult | AllocationResult) -> RunLike:
    """A RunResult as it is; an AllocationResult wrapped as :class:`AllocationOnly`."""
    if getattr(obj, "scenario", None) is not None:
        return cast("RunResult", obj)
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
        # a list: the tagging result takes list(ids), slow over an Arrow text column
        table = pd.DataFrame(method(ids=pipe["project_id"].tolist())).copy()
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


def pipeline_of(run: RunLike) -> pd.DataFrame:
    """The run's pipeline with text ``project_id`` (an empty frame when there is none)."""
    pipe = getattr(run, "pipeline", None)
    if pipe is None:
        return pd.DataFrame({"project_id": pd.Series([], dtype="str")})
    pipe = pipe.reset_index(drop=True)
    pipe["project_id"] = pipe["project_id"].astype(str)
    return pipe


def project_attr(pipe: pd.DataFrame, column: str, default: float) -> pd.Series:
    """A numeric pipeline column by project_id, ``default`` where empty or absent."""
    if column in pipe.columns:
        values = pd.to_numeric(pipe[column], errors="coerce").fillna(default)
    else:
        values = pd.Series(default, index=pipe.index, dtype="float64")
    return pd.Series(values.to_numpy(dtype="float64"), index=pipe["project_id"])
