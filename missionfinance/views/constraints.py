"""Constraint and project frames of a run.

The limits in words, which of them bind, and why a project was not funded.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from missionfinance.model import AllocationResult
from missionfinance.model.numerics import is_binding
from missionfinance.views.base import (
    RunLike,
    contributions,
    pipeline_of,
)

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
        return _no_constraints()
    return _in_words(frame.reset_index(drop=True))


def _no_constraints() -> pd.DataFrame:
    return pd.DataFrame({"constraint": pd.Series([], dtype="str"),
                         "binding": pd.Series([], dtype="bool"),
                         "meaning": pd.Series([], dtype="str")})


def _binding_of(frame: pd.DataFrame, col: dict[str, str | None]) -> np.ndarray:
    """Each row's binding flag: the frame's own, else the model's rule on its slack."""
    if col["binding"] is not None:
        return frame[col["binding"]].fillna(False).astype(bool).to_numpy(dtype=bool)
    if col["slack"] is not None:  # the model's rule, when a frame gives no binding flag
        slack = pd.to_numeric(frame[col["slack"]], errors="coerce").abs().to_numpy()
        rhs = (pd.to_numeric(frame["rhs"], errors="coerce").fillna(0.0).to_numpy()
               if "rhs" in frame.columns else np.zeros(len(frame)))
        return np.asarray(is_binding(slack, rhs), dtype=bool)
    return np.zeros(len(frame), dtype=bool)


def _reading_order(binding: np.ndarray, dual_abs: np.ndarray, name: pd.Series) -> np.ndarray:
    """Positions binding first, then largest |dual|, then by name; ties keep their order.

    Three stable sorts, last key first: the order of a stable sort on all three keys.
    """
    order = text_order(name)  # missing names last, as a sort of the names puts them
    order = order[np.argsort(-dual_abs[order], kind="stable")]
    return order[np.argsort(~binding[order], kind="stable")]


def _in_words(frame: pd.DataFrame, keep: np.ndarray | None = None) -> pd.DataFrame:
    """:func:`constraints_in_words` of the non-empty ``frame`` (default index).

    With ``keep`` (a boolean mask of the rows), only those rows are made, in the same
    order; which columns are left out as empty is still decided over every row.
    """
    col = {k: _pick(frame, v) for k, v in _CONSTRAINT_ALIASES.items()}
    binding = _binding_of(frame, col)
    name_all = frame[col["name"]].astype(str) if col["name"] else pd.Series(
        [f"constraint {i + 1}" for i in range(len(frame))], index=frame.index)
    dual_abs = (pd.to_numeric(frame[col["dual"]], errors="coerce").abs().fillna(0.0)
                .to_numpy(dtype="float64") if col["dual"] else np.zeros(len(frame)))
    if keep is None:
        order = _reading_order(binding, dual_abs, name_all)
    else:  # a stable sort of some rows: their order in the sort of all rows
        rows = np.flatnonzero(keep)
        order = rows[_reading_order(binding[rows], dual_abs[rows],
                                    name_all.take(rows).reset_index(drop=True))]
    drop = [c for c in (col["name"], col["words"]) if c is not None and c not in
            ("constraint", "meaning")]
    empty = [c for c in frame.columns if c not in ("constraint", "binding", "meaning")
             and c not in drop and is_empty_column(frame[c])]
    out = frame.take(order)
    name = name_all.take(order)
    if col["words"] is not None:
        meaning = out[col["words"]].fillna("").astype(str)
    else:
        dual = (pd.to_numeric(out[col["dual"]], errors="coerce") if col["dual"]
                else pd.Series(np.nan, index=out.index))
        meaning = pd.Series([
            _words(n, bool(b), d)
            for n, b, d in zip(name, binding[order].tolist(), dual, strict=True)
        ], index=out.index)
    if "binding" not in out.columns:
        out["binding"] = pd.Series(binding[order], index=out.index)
    out["meaning"] = meaning.astype("str")
    out.insert(0, "constraint", name.astype("str"))
    out = out.drop(columns=drop)
    return out.drop(columns=empty).reset_index(drop=True)


def constraint_tables(result: AllocationResult) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The report's two constraint tables: the shared limits in words, and the families.

    The same frames as ``split_project_constraints(constraints_in_words(result))[0]`` and
    ``limits_by_family(constraints_in_words(result))``, without putting the tens of
    thousands of per-project rows into words only to count them.
    """
    frame = getattr(result, "constraints", None)
    if frame is None or len(frame) == 0:
        words = _no_constraints()
        return split_project_constraints(words)[0], limits_by_family(words)
    frame = frame.reset_index(drop=True)
    # an empty project or family column (left out of the words) marks no row either
    shared = _in_words(frame, ~_own_rows(frame))
    shared = shared.drop(columns=[c for c in ("project",) if c in shared.columns
                                  and is_empty_column(shared[c])])
    if "family" not in frame.columns or is_empty_column(frame["family"]):
        return shared, limits_by_family(_no_constraints())
    col = {k: _pick(frame, v) for k, v in _CONSTRAINT_ALIASES.items()}
    rows = pd.DataFrame({
        "family": frame["family"],
        "project": frame["project"] if "project" in frame.columns else "",
        "binding": (frame["binding"] if "binding" in frame.columns
                    else pd.Series(_binding_of(frame, col), index=frame.index)),
    })
    return shared, limits_by_family(rows)


def _own_rows(frame: pd.DataFrame) -> np.ndarray:
    """Rows that name a project or are model helper rows (counted by family, not listed)."""
    own = ((frame["project"].fillna("").astype(str) != "").to_numpy(dtype=bool)
           if "project" in frame.columns else np.zeros(len(frame), dtype=bool))
    if "family" in frame.columns:
        own = own | frame["family"].fillna("").astype(str).isin(HELPER_FAMILIES).to_numpy(
            dtype=bool)
    return own


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
    if any(isinstance(v, str) and v for v in series.iloc[:16].tolist()):
        return False  # a text among the first cells: no need to look at every cell
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


def project_columns(run: RunLike, weights: pd.DataFrame | None = None) -> pd.DataFrame:
    """The columns of :func:`projects_table` that the allocation does not change.

    ``project_id``, ``name``, ``department``, ``region``, ``missions`` (the missions its
    tags give it a positive weight in, joined with ``", "``) and ``capacity``, one row per
    pipeline project in pipeline order. ``weights`` is
    :func:`~missionfinance.views.contributions` of ``run``, when already made.
    """
    pipe = pipeline_of(run)
    weights = contributions(run) if weights is None else weights
    mission_ids = list(weights.columns)
    positive = (weights.reindex(pipe["project_id"], fill_value=0.0) > 0).to_numpy()
    missions = [""] * len(pipe)
    if positive.size:
        # one text per distinct pattern of missions, not one join per project
        patterns, which = np.unique(positive, axis=0, return_inverse=True)
        texts = [", ".join(m for m, on in zip(mission_ids, row, strict=True) if on)
                 for row in patterns.tolist()]
        missions = [texts[k] for k in np.ravel(which).tolist()]
    out = pd.DataFrame({"project_id": pipe["project_id"].astype("str")})
    for column in ("name", "department", "region"):
        out[column] = pipe[column].fillna("").astype("str") if column in pipe else ""
    out["missions"] = pd.Series(missions, dtype="str")
    capacity = (pd.to_numeric(pipe["capacity"], errors="coerce") if "capacity" in pipe
                else pd.Series(np.nan, index=pipe.index))
    out["capacity"] = capacity.astype("float64").to_numpy()
    return out


def _by_project(values: pd.Series, where: np.ndarray, missing: float) -> np.ndarray:
    """``values`` (by project) at the positions ``where`` (-1: none), ``missing`` for none."""
    if not len(values):
        return np.full(len(where), missing)
    out = values.to_numpy(dtype="float64")[where]
    out[(where < 0) | np.isnan(out)] = missing
    return out


def text_order(text: pd.Series) -> np.ndarray:
    """Positions of ``text`` in sorted order, missing values last; ties keep their order."""
    if text.hasnans:
        codes = pd.factorize(text, sort=True)[0]
        return np.argsort(np.where(codes < 0, len(codes), codes), kind="stable")
    return np.asarray(text.argsort(kind="stable"))


def then_by(order: np.ndarray, key: np.ndarray) -> np.ndarray:
    """The positions ``order`` sorted by ``key`` (ascending, stable): a sort's next key."""
    return order[np.argsort(key[order], kind="stable")]


def projects_table(run: RunLike, alloc: pd.DataFrame, binding: Sequence[str] = (),
                   columns: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every pipeline project: money received, funded or not, and why not.

    ``columns`` is :func:`project_columns` of ``run``, when already made (it is changed).
    """
    out = project_columns(run) if columns is None else columns
    per = alloc.groupby("project_id")[["public", "private"]].sum()
    instruments = _instruments_used(alloc)
    where = per.index.get_indexer(out["project_id"])
    out["public"] = _by_project(per["public"], where, 0.0)
    out["private"] = _by_project(per["private"], where, 0.0)
    if not instruments.index.equals(per.index):
        where = instruments.index.get_indexer(out["project_id"])
    used = (instruments.to_numpy(dtype=object)[where] if len(instruments)
            else np.full(len(where), "", dtype=object))
    used[where < 0] = ""
    out["instruments_used"] = pd.Series(used, dtype="str", index=out.index).fillna("")
    out["funded"] = out["public"] > 0
    model_reason = _model_reasons(run, out["project_id"])
    limits = ", ".join(binding[:3]) + (" and others" if len(binding) > 3 else "")
    # each project's reason, the first that applies: the model's own, funded (in full, or
    # partly: the only reasons with figures), no mission, the binding limits, none
    public = out["public"].to_numpy(dtype="float64")
    capacity = out["capacity"].to_numpy(dtype="float64")
    funded = out["funded"].to_numpy(dtype=bool)
    given = np.array(model_reason, dtype=object)
    reasons = np.full(len(out), f"other projects gave more mission value per £ of the binding "
                      f"limits ({limits})" if limits else "not chosen by the optimiser",
                      dtype=object)
    reasons[~np.array(out["missions"].tolist(), dtype=object).astype(bool)] = (
        "no tagging rule links it to a mission, so it adds no mission value")
    with np.errstate(invalid="ignore"):
        partly = np.isfinite(capacity) & ~(public >= capacity - 1e-6)
    reasons[funded] = ""
    for k in np.flatnonzero(funded & partly).tolist():
        reasons[k] = (f"partly funded: £{public[k]:,.1f}m of its £{capacity[k]:,.1f}m "
                      "capacity")
    has_reason = given.astype(bool)
    reasons[has_reason] = given[has_reason]
    out["why_not"] = pd.Series(reasons, dtype="str", index=out.index)
    # funded first, most public money first, then by id (a stable sort on the three keys)
    order = then_by(then_by(text_order(out["project_id"]), -out["public"].to_numpy()),
                    ~out["funded"].to_numpy(dtype=bool))
    return out.take(order).reset_index(drop=True)


def _instruments_used(alloc: pd.DataFrame) -> pd.Series:
    """Project id → its instruments, sorted and joined with ``;`` (one pass, no per-group call).

    Examples
    --------
    >>> alloc = pd.DataFrame({"project_id": ["b", "a", "a", "a"],
    ...                       "instrument": ["loan", "loan", "grant", "loan"]})
    >>> _instruments_used(alloc).to_dict()
    {'a': 'grant;loan', 'b': 'loan'}
    """
    if alloc.empty:
        return pd.Series([], dtype="str", index=pd.Index([], dtype="str", name="project_id"))
    projects, ids = pd.factorize(alloc["project_id"].astype(str), sort=True)
    inst, names = pd.factorize(alloc["instrument"].astype(str), sort=True)
    names = [str(n) for n in names]
    # each project's set of instruments as a bit mask (names are sorted, so are the sets)
    rows = (projects >= 0) & (inst >= 0)
    bits = np.zeros(len(ids), dtype="int64")
    np.bitwise_or.at(bits, projects[rows], np.left_shift(1, inst[rows].astype("int64")))
    masks = pd.Series(bits, index=pd.Index(ids).astype("str"))
    labels = {m: ";".join(n for k, n in enumerate(names) if m >> k & 1)
              for m in masks.unique().tolist()}
    out = masks.map(labels).astype("str")
    out.index.name = "project_id"
    return out


def _model_reasons(run: RunLike, ids: pd.Series) -> list[str]:
    frame = getattr(run.allocation, "projects", None)
    if frame is None or len(frame) == 0 or "project_id" not in frame.columns:
        return [""] * len(ids)
    column = _pick(frame, ("why_not", "reason", "why"))
    if column is None:
        return [""] * len(ids)
    reasons = frame[column].fillna("").astype(str).to_numpy()
    model_ids = frame["project_id"].astype(str).to_numpy(dtype=object)
    wanted = ids.to_numpy(dtype=object)
    if len(model_ids) == len(wanted) and bool((model_ids == wanted).all()) and \
            pd.Index(model_ids).is_unique:  # the model's rows are the projects, in order
        return [str(v) for v in reasons.tolist()]
    lookup = pd.Series(reasons, index=model_ids)
    lookup = lookup[~lookup.index.duplicated()]
    return [str(v) for v in lookup.reindex(wanted).fillna("").tolist()]


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
    own = ((constraints["project"].fillna("").astype(str) != "").to_numpy(dtype=bool)
           if "project" in constraints else np.zeros(len(constraints), dtype=bool))
    # one count per (family, kind) pair: kinds 0, 1, 2 in their sorted order
    kind = np.where(family.isin(HELPER_FAMILIES).to_numpy(dtype=bool), 0, np.where(own, 1, 2))
    codes, names = pd.factorize(family)
    key = codes * len(_KINDS) + kind
    size = len(_KINDS) * len(names)
    rows = np.bincount(key, minlength=size)
    binding = np.bincount(key, minlength=size,
                          weights=constraints["binding"].astype(bool).to_numpy(dtype="float64"))
    found = np.flatnonzero(rows)
    out = pd.DataFrame({
        "family": pd.Series(np.asarray(names, dtype=object)[found // len(_KINDS)], dtype="str"),
        "kind": pd.Series(np.asarray(_KINDS, dtype=object)[found % len(_KINDS)], dtype="str"),
        "rows": rows[found].astype("int64"),
        "binding": binding[found].astype("int64"),
    }).sort_values(["family", "kind"], kind="mergesort")  # the pairs in sorted order
    out["share_binding"] = out["binding"] / out["rows"]
    out = out.sort_values(["binding", "family"], ascending=[False, True], kind="mergesort")
    return out.reset_index(drop=True).astype({"family": "str", "kind": "str", "rows": "int64",
                                              "binding": "int64"})


#: The kinds of constraint family, sorted: model helper rows, per-project limits, shared.
_KINDS = ("helper", "per project", "shared")


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
    given = [c for c in columns if c in frame.columns]
    model = frame[["project_id", *given]].drop_duplicates("project_id")
    model = model.set_index(model["project_id"].astype(str))[given]
    rows = np.flatnonzero(~projects["funded"].astype(bool).to_numpy(dtype=bool))
    ids = projects["project_id"].take(rows)
    values = model.reindex(ids)  # one look-up for every column, by unfunded row
    gain = pd.to_numeric(values["best_gain"], errors="coerce").to_numpy(dtype="float64")
    ranked = np.flatnonzero(~np.isnan(gain))
    gain = np.where(np.abs(gain) > 1e-7, gain, 0.0)  # a tie at the margin
    # largest best gain first, then by id (a stable sort on the two keys); only the first
    # n rows are made
    ranked = ranked[then_by(text_order(ids.take(ranked)), -gain[ranked])][:n]
    unfunded = projects.take(rows[ranked])
    for column in given:
        unfunded[column] = values[column].to_numpy()[ranked]
    unfunded["best_gain"] = gain[ranked]
    keep = ["project_id", "name", "department", "region", "missions", "capacity",
            *[c for c in columns if c in unfunded.columns], "why_not"]
    out = unfunded[[c for c in keep if c in unfunded.columns]].reset_index(drop=True)
    if "main_mission" in out.columns:
        out["main_mission"] = out["main_mission"].fillna("").astype("str")
    return out.astype({c: "float64" for c in out.columns
                       if c in columns and c != "main_mission"})
