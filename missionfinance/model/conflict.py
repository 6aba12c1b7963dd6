"""An infeasible scenario in its own words: the irreducible conflict, key by key.

:func:`conflict_frame` turns the rows of an irreducible infeasible subsystem (HiGHS's IIS,
made irreducible by a deletion filter in :meth:`~missionfinance.model.highs.HighsRun.iis`)
into one row per limit with the scenario key that sets it and its value, e.g.
``constraints.regional.north.min_share`` = ``1.0``. Mission and regional rows come
first (they are what an analyst chose), then the other shared limits (budgets, exposure,
risk), then the rows of single projects, then column bounds (only when a bound is itself
part of the conflict). ``conflict.csv`` has the columns ``name, family, key, value,
explanation`` (DESIGN §7).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from missionfinance.model.explain import LOCAL_FAMILIES
from missionfinance.model.highs import RawSolution
from missionfinance.model.linear import LinearModel
from missionfinance.model.problem import AllocationProblem

#: Columns of conflict.csv (DESIGN §7).
CONFLICT_COLUMNS = ("name", "family", "key", "value", "explanation")

#: Order of families in a conflict: what the analyst chose first.
_FIRST = ("mission_bounds", "regional", "instrument_mix", "min_projects", "targets")

_NAME = re.compile(r"^(?P<head>[a-z_]+)\[(?P<args>.*)\]$")


def _fmt(value: float) -> str:
    return f"{value:,.6g}"


def scenario_key(name: str, problem: AllocationProblem) -> tuple[str, float | None, str]:
    """(key, value, words) of constraint row ``name`` in the scenario's own terms.

    The dotted scenario key that sets the limit, its value (None when there is none) and a
    short sentence.
    """
    m = _NAME.match(name)
    if not m:
        return name, None, name
    head, args = m.group("head"), m.group("args")
    parts = args.split(",")
    if head == "budget":
        c, y = parts[0], parts[1]
        v = float(problem.budget[c][y])
        return f"budget.{c}.{y}", v, f"at most £{_fmt(v)}m of {c} in {y}"
    if head == "exposure":
        v = float(problem.exposure[args])
        return f"exposure.{args}", v, f"guarantee exposure at most £{_fmt(v)}m at the end of {args}"
    if head.startswith("mission_floor") or head.startswith("mission_ceiling"):
        kind = "floor" if "floor" in head else "ceiling"
        for b in problem.mission_bounds:
            if b.mission == args:
                val = b.floor if kind == "floor" else b.ceiling
                if val is None:
                    continue
                side = "at least" if kind == "floor" else "at most"
                what = (f"{val:.0%} of public cash" if b.unit == "share"
                        else f"£{_fmt(val)}m of public cash")
                return (f"constraints.mission_{kind}.{args}", float(val),
                        f"{side} {what} attributed to mission {args}")
    if head in ("regional_min", "regional_max"):
        kind = "min_share" if head.endswith("min") else "max_share"
        for r in problem.regional:
            if r.name == args:
                val = r.min_share if kind == "min_share" else r.max_share
                where = ("outside " if r.outside else "in ") + ", ".join(r.regions)
                side = "at least" if kind == "min_share" else "at most"
                return (f"constraints.regional.{args}.{kind}", float(val or 0.0),
                        f"{side} {float(val or 0.0):.0%} of public commitments {where}")
    if head in ("instrument_mix_min", "instrument_mix_max"):
        kind = "min_share" if head.endswith("min") else "max_share"
        for x in problem.instrument_mix:
            if x.name == args:
                val = float((x.min_share if kind == "min_share" else x.max_share) or 0.0)
                side = "at least" if kind == "min_share" else "at most"
                base = f"mission {x.mission}'s" if x.mission else "the"
                return (f"constraints.instrument_mix.{args}.{kind}", val,
                        f"{side} {val:.0%} of {base} allocation through {', '.join(x.instruments)}")
    if head == "expected_loss":
        if args == "total" and problem.expected_loss_limit is not None:
            v = float(problem.expected_loss_limit)
            return "risk.expected_loss_limit", v, f"expected loss at most £{_fmt(v)}m"
        if args in problem.expected_loss_by_year:
            v = float(problem.expected_loss_by_year[args])
            return (f"risk.expected_loss_limit.{args}", v,
                    f"expected loss on {args}'s commitments at most £{_fmt(v)}m")
    if head == "cvar" and problem.cvar is not None:
        v = float(problem.cvar.limit)
        return "risk.cvar.limit", v, f"CVaR of losses at most £{_fmt(v)}m"
    if head == "min_projects":
        v = float(problem.min_projects.get(args, 0))
        return f"integer.min_projects.{args}", v, f"at least {v:g} funded projects for {args}"
    if head == "min_ticket" and problem.min_ticket is not None:
        v = float(problem.min_ticket)
        return "integer.min_ticket", v, f"a funded project {args} gets at least £{_fmt(v)}m"
    pid = parts[0]
    row = _project_row(problem, pid)
    column = {"capacity": "capacity", "financing_plan": "capacity",
              "private_capacity": "private_capacity", "spend_profile": "max_per_year",
              "crowding_in": "leverage", "guarantee_cover": "leverage_guarantee",
              "leverage_link": "leverage_segments", "leverage_segments": "leverage_segments",
              "funded_link": "capacity"}.get(head)
    if column is None:
        return name, None, name
    value = None
    if row is not None and column in row.index:
        try:
            value = float(row[column])
        except (TypeError, ValueError):
            value = None
    key = f"pipeline.{pid}.{column}" if column != "leverage_segments" else "leverage_segments"
    words = {"capacity": f"project {pid} takes at most its capacity",
             "private_capacity": f"project {pid}'s private money at most its private capacity",
             "max_per_year": f"project {pid} draws at most its spend profile a year",
             "leverage": f"project {pid}'s private money at most what its leverage crowds in",
             "leverage_guarantee": f"project {pid}'s guarantees cover only its private lending",
             "leverage_segments": f"diminishing leverage of project {pid}"}[column]
    return key, value, words


def _project_row(problem: AllocationProblem, pid: str) -> pd.Series | None:
    df = problem.projects
    hit = np.flatnonzero(df["project_id"].astype(str).to_numpy() == pid)
    return df.iloc[int(hit[0])] if hit.size else None


def conflict_frame(problem: AllocationProblem, model: LinearModel,
                   raw: RawSolution) -> pd.DataFrame:
    """The irreducible conflict in the scenario's words (see the module docstring).

    Columns: name, family, key, value, explanation, then control, year, mission, region,
    project, bound (the row's own metadata).
    """
    meta = model.row_meta
    rows = meta.iloc[raw.iis_rows].copy() if raw.iis_rows.size else meta.iloc[0:0].copy()
    rows["bound"] = "row"
    keys, values, words = [], [], []
    for n in rows["name"].astype(str):
        k, v, w = scenario_key(n, problem)
        keys.append(k)
        values.append(np.nan if v is None else v)
        words.append(w)
    rows["key"] = keys
    value = np.asarray(values, dtype=np.float64)
    # A spend profile without the pipeline's max_per_year is derived (capacity / years in the
    # window): its value is the row's own limit, said as derived.
    derived = np.isnan(value) & (rows["family"].to_numpy() == "spend_profile")
    if derived.any():
        value[derived] = model.row_upper[raw.iis_rows[derived]]
        words = [w + " (derived: capacity / years in its window, no max_per_year given)"
                 if d else w for w, d in zip(words, derived, strict=True)]
    rows["value"] = value
    rows["explanation"] = [f"{k} = {_fmt(v)}: {w}" if np.isfinite(v) else f"{k}: {w}"
                           for k, v, w in zip(keys, rows["value"], words, strict=True)]
    fam = rows["family"].to_numpy()
    rank = np.where(np.isin(fam, _FIRST), 0, np.where(np.isin(fam, list(LOCAL_FAMILIES)), 2, 1))
    order = np.lexsort((rows["name"].to_numpy(dtype=object).astype(str), rank))
    frame = rows.iloc[order].reset_index(drop=True)
    if raw.iis_cols.size:
        labels = model.col_labels()[raw.iis_cols]
        cols = pd.DataFrame({"name": labels, "family": "bounds", "key": labels, "value": 0.0,
                             "control": "", "year": "", "mission": "", "region": "",
                             "project": "", "bound": "column",
                             "explanation": [f"{lab} ≥ 0" for lab in labels]})
        frame = pd.concat([frame, cols], ignore_index=True)
    front = list(CONFLICT_COLUMNS)
    return frame[front + [c for c in frame.columns if c not in front]]


def conflict_message(conflict: pd.DataFrame) -> str:
    """One line naming the conflict.

    Mission and regional rows come first, in full, with their keys; per-project rows by
    count.
    """
    local = conflict["family"].isin(list(LOCAL_FAMILIES | {"bounds"}))
    shared = conflict[~local]
    parts = list(shared["explanation"].head(8))
    if len(shared) > 8:
        parts.append(f"and {len(shared) - 8} more")
    counts = conflict[local].groupby("family", sort=True).size()
    for fam, n in counts.items():
        parts.append(f"{n} {fam} row{'s' if n > 1 else ''} of single projects")
    fams = sorted(set(conflict["family"]))
    return (f"infeasible: {len(conflict)} constraints in conflict (families: "
            f"{', '.join(fams)}): " + "; ".join(parts))
