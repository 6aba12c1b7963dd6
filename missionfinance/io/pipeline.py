"""Project pipeline reader (DESIGN §3.2): what the allocation model can fund.

One row per investable project, read from CSV (optionally gzip), XLSX or
Parquet; see :data:`~missionfinance.io.schema.PIPELINE_SCHEMA` for every
column, its unit, default and what an empty cell means. Checks, each raising a
one-line error naming file, row and column with the bad value and the fix:
missing required column, no projects, empty or duplicate ``project_id``, non-numeric
value, ``capacity`` ≤ 0, negative ``private_capacity``, ``pd`` / ``lgd`` /
``additionality`` outside 0–1, ``pd`` missing for a project eligible for a loan,
guarantee, equity or a scenario's own instrument (a grant-only project needs none), no or
unknown instrument, a ``leverage_<i>`` column or cell missing for an eligible instrument,
negative leverage, a malformed year, ``start_year`` after ``end_year``, a window entirely
outside the horizon, and a ``cpv`` or ``cofog`` cell that is not codes (normalised as for
lines: :mod:`missionfinance.io._codes`).

Columns not in the schema are ignored, except ``leverage_<name>`` columns, whose
instrument must be known, and ``<instrument>_<term>`` columns (e.g. ``loan_tenor``,
``equity_exit_multiple``; the terms of :data:`missionfinance.cashflows.TERM_KEYS` other
than ``schedule`` and ``amortisation``), which are kept as numbers (empty = the
scenario's term) and override that instrument's cash-flow term for the project.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from missionfinance.cashflows import MAX_LIFE, TERM_KEYS, UPSIDE_COLUMNS
from missionfinance.instruments import INSTRUMENTS
from missionfinance.io._codes import check_codes
from missionfinance.io._files import PathLike, check_file, fail, read_table, to_number
from missionfinance.io.schema import (
    DEFAULT_ADDITIONALITY,
    DEFAULT_LGD,
    PIPELINE_SCHEMA,
    missing_fix,
    warn_near_misses,
)
from missionfinance.years import check_financial_year

__all__ = ["DEFAULT_ADDITIONALITY", "DEFAULT_LGD", "read_pipeline"]

_TEXT = ("name", "description", "department", "region", "cofog", "cpv")
_REQUIRED = tuple(c.name for c in PIPELINE_SCHEMA if c.required and "<" not in c.name)

#: Instruments that carry no default risk, so a project eligible for these alone needs no
#: ``pd`` (DESIGN §3.2: pd is for loans, guarantees and equity write-downs). A scenario's
#: own instruments, given by name only, are not known to be riskless and need it.
NO_DEFAULT_RISK: tuple[str, ...] = ("grant",)


def _first(mask: np.ndarray) -> int:
    return int(np.asarray(mask).argmax())


def _check_range(file: object, values: pd.Series, column: str, bad: np.ndarray,
                 rule: str, fix: str) -> None:
    if bad.any():
        i = _first(bad)
        fail(file, f"{float(values.iloc[i])!r} must be {rule}; {fix}", row=i + 1, key=column)


def _upside(file: object, raw: pd.DataFrame) -> dict[str, pd.Series]:
    """The optional public-upside columns given (``UPSIDE_COLUMNS``), checked, empty kept NaN."""
    limits = {"upside_share": (0.0, 1.0), "upside_expected": (0.0, np.inf),
              "upside_year": (1.0, float(MAX_LIFE)), "upside_years": (1.0, float(MAX_LIFE)),
              "clawback_threshold": (0.0, np.inf), "clawback_share": (0.0, 1.0)}
    out: dict[str, pd.Series] = {}
    for column, (lo, hi) in limits.items():
        if column not in raw.columns:
            continue
        unit = UPSIDE_COLUMNS[column][1]
        values = to_number(raw, column, file, allow_empty=True,
                           fix=f"write the {unit} or leave it empty").astype("float64")
        v = values.to_numpy()
        given = ~np.isnan(v)
        bad = given & ((v < lo) | (v > hi) | ~np.isfinite(v))
        if column in ("upside_year", "upside_years"):
            bad |= given & np.isfinite(v) & (v != np.round(v))
        rule = f"from {lo:g} to {hi:g}" if np.isfinite(hi) else f"finite and ≥ {lo:g}"
        _check_range(file, values, column, bad, rule, f"write the {unit} or leave it empty")
        out[column] = values
    if "upside_year" in out and "upside_years" in out:
        last = out["upside_year"].fillna(1.0) + out["upside_years"].fillna(1.0) - 1.0
        _check_range(file, out["upside_years"], "upside_years", (last > MAX_LIFE).to_numpy(),
                     f"such that upside_year + upside_years − 1 ≤ {MAX_LIFE}",
                     "shorten the years of upside")
    return out


def _arrow(column: pd.Series) -> pa.Array:
    """A text column as one Arrow array."""
    arr = pa.array(column.array)
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def _instruments(file: object, raw: pd.DataFrame,
                 allowed: tuple[str, ...]) -> tuple[pd.Series, dict[str, np.ndarray]]:
    """Normalised ``instruments`` text and an eligibility mask per instrument."""
    column = raw["instruments"]
    lists = pc.split_pattern(pc.utf8_lower(_arrow(column)), ";")
    words = pc.dictionary_encode(pc.utf8_trim_whitespace(pc.list_flatten(lists)))
    vocabulary = [str(w) for w in words.dictionary.to_pylist()]
    word = words.indices.to_numpy()
    owner = pc.list_parent_indices(lists).to_numpy()
    given = np.array([w != "" for w in vocabulary], dtype=bool)[word]
    word, owner = word[given], owner[given]
    known = np.array([w in allowed for w in vocabulary], dtype=bool)[word]
    if not known.all():
        k = _first(~known)
        name, pos = vocabulary[word[k]], int(owner[k])
        fail(file, f"unknown instrument {name!r} in "
                   f"{column.iloc[pos]!r}; use {', '.join(allowed)}, separated "
                   f"by ';' (or define [instruments.{name}] in the scenario)",
             row=pos + 1, key="instruments")
    n = len(raw)
    has_any = np.zeros(n, dtype=bool)
    has_any[owner] = True
    if not has_any.all():
        i = _first(~has_any)
        fail(file, f"{column.iloc[i]!r} names no instrument; list the eligible "
                   f"ones, e.g. 'grant;loan'", row=i + 1, key="instruments")
    named = sorted({vocabulary[w] for w in np.unique(word)})
    rank = np.array([named.index(w) if w in named else -1 for w in vocabulary], dtype=np.int64)
    flags = np.zeros((n, len(named)), dtype=bool)
    flags[owner, rank[word]] = True
    eligible = {name: flags[:, k].copy() for k, name in enumerate(named)}
    # each row's names, sorted and ';'-joined: one label per distinct set of flags
    if len(named) < 63:
        sets, first, inverse = np.unique(flags.astype(np.int64) @ (1 << np.arange(len(named))),
                                         return_index=True, return_inverse=True)
        sets = flags[first]
    else:
        sets, inverse = np.unique(flags, axis=0, return_inverse=True)
    labels = np.array([";".join(m for m, f in zip(named, row, strict=True) if f) for row in sets],
                      dtype=object)
    return pd.Series(labels[inverse.reshape(-1)], dtype="str"), eligible


def _pd(file: object, raw: pd.DataFrame, eligible: dict[str, np.ndarray],
        riskless: tuple[str, ...]) -> pd.Series:
    """``pd`` per project: required where a project is eligible for a risky instrument.

    A project eligible only for ``riskless`` instruments (grants) may leave ``pd`` empty,
    or the file may have no ``pd`` column at all; its pd is then 0 (it is never used: a
    grant has no default). Any other project needs a pd, 0 to 1.
    """
    risky = {n: m for n, m in sorted(eligible.items()) if n not in riskless}
    need = np.zeros(len(raw), dtype=bool)
    for mask in risky.values():
        need |= mask

    def instrument(i: int) -> str:
        return next(n for n, m in risky.items() if m[i])

    if "pd" not in raw.columns:
        if need.any():
            i = _first(need)
            fix = missing_fix("pd", raw.columns)
            if not fix.startswith("rename"):
                fix = ("add a pd column: the probability of default over the horizon, 0 to 1 "
                       "(projects eligible only for grants may leave it empty)")
            fail(file, f"column is missing but the project is eligible for {instrument(i)!r}; "
                       f"{fix}", row=i + 1, key="pd")
        return pd.Series(0.0, index=raw.index, dtype="float64")
    values = to_number(raw, "pd", file, allow_empty=True,
                       fix="write a share between 0 and 1")
    empty = need & values.isna().to_numpy()
    if empty.any():
        i = _first(empty)
        fail(file, f"is empty but the project is eligible for {instrument(i)!r}; write the "
                   f"probability of default over the horizon, a share between 0 and 1 (0 for "
                   f"none)", row=i + 1, key="pd")
    return values.fillna(0.0)


def _fy_first(s: pd.Series) -> np.ndarray:
    """First calendar year of each financial-year cell (``"2026-27"`` → 2026), else -1.

    -1 marks a cell that is not a financial year
    (:func:`missionfinance.years.is_financial_year`, with ASCII digits only).
    """
    cells = _arrow(s)
    shape = pc.fill_null(pc.match_substring_regex(cells, r"^[0-9]{4}-[0-9]{2}$"), False)
    shape = shape.to_numpy(zero_copy_only=False)
    digits = pc.if_else(shape, cells, "0000-00")
    first = pc.cast(pc.utf8_slice_codeunits(digits, 0, 4), pa.int64()).to_numpy()
    second = pc.cast(pc.utf8_slice_codeunits(digits, 5, 7), pa.int64()).to_numpy()
    return np.where(shape & ((first + 1) % 100 == second), first, -1)


def _years(file: object, raw: pd.DataFrame, horizon: list[str] | None) -> dict[str, pd.Series]:
    cols: dict[str, pd.Series] = {}
    firsts: dict[str, np.ndarray] = {}
    for column in ("start_year", "end_year"):
        s = raw[column] if column in raw.columns else pd.Series([""] * len(raw), dtype="str")
        empty = (s == "").to_numpy()
        year = _fy_first(s)
        bad = ~empty & (year < 0)
        if bad.any():
            i = _first(bad)
            fail(file, f"{s.iloc[i]!r} is not a financial year; write it like '2026-27' or "
                       f"leave it empty for the whole horizon", row=i + 1, key=column)
        cols[column] = s
        firsts[column] = np.where(empty, -1, year)
    start, end = cols["start_year"], cols["end_year"]
    s_year, e_year = firsts["start_year"], firsts["end_year"]
    after = (s_year >= 0) & (e_year >= 0) & (s_year > e_year)
    if after.any():
        i = _first(after)
        fail(file, f"start_year {start.iloc[i]!r} is after end_year {end.iloc[i]!r}; swap them",
             row=i + 1, key="start_year")
    if horizon:
        first, last = horizon[0], horizon[-1]
        lo, hi = int(first[:4]), int(last[:4])
        s_int = np.where(s_year < 0, lo, s_year)
        e_int = np.where(e_year < 0, hi, e_year)
        outside = (e_int < lo) | (s_int > hi)
        if outside.any():
            i = _first(outside)
            fail(file, f"window {start.iloc[i] or first!r}..{end.iloc[i] or last!r} lies "
                       f"outside the horizon {first}..{last}; move it or drop the project",
                 row=i + 1, key="start_year" if s_int[i] > hi else "end_year")
        # every clipped year lies in lo..hi: index the horizon's financial years
        names = np.array([f"{y}-{(y + 1) % 100:02d}" for y in range(lo, hi + 1)], dtype=object)
        return {"start_year": pd.Series(names[np.maximum(s_int, lo) - lo], dtype="str"),
                "end_year": pd.Series(names[np.minimum(e_int, hi) - lo], dtype="str")}
    return {"start_year": start, "end_year": end}


def read_pipeline(
    path: PathLike,
    instruments: Iterable[str] | None = None,
    years: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Read and validate a project pipeline.

    Parameters
    ----------
    path : str or Path
        CSV, XLSX or Parquet file with the columns of DESIGN §3.2.
    instruments : iterable of str, or mapping of str to Instrument, optional
        Allowed instrument names (the scenario's); default ``grant, loan, equity,
        guarantee``. A pipeline naming another instrument is an error. Given as a mapping
        to :class:`~missionfinance.instruments.Instrument` (``Scenario.instruments``), the
        instruments of kind ``grant`` need no ``pd``; given as names, only ``grant`` does.
    years : iterable of str, optional
        The horizon (financial years). When given, empty ``start_year`` /
        ``end_year`` are filled with its first / last year and windows are clipped
        to it; a window entirely outside it is an error.

    Returns
    -------
    pandas.DataFrame
        One row per project: ``project_id, name, description, department, region,
        cofog, cpv`` (text, ``""`` if empty), ``capacity : float [£m]`` (> 0),
        ``private_capacity : float [£m]`` (NaN = unlimited), ``instruments``
        (``;``-joined, sorted, lower-case), ``leverage_<i> : float [£/£]`` for every
        instrument named in the file (NaN where not eligible), ``pd, lgd,
        additionality : float [share]``, ``start_year, end_year`` (financial years;
        ``""`` when empty and no horizon is given).

    Raises
    ------
    MissionFinanceError
        One line naming file, row and column, the bad value and the fix.

    Examples
    --------
    >>> read_pipeline("no-such-pipeline.csv")
    Traceback (most recent call last):
    ...
    missionfinance.errors.MissionFinanceError: no-such-pipeline.csv: file not found; check the path
    """
    p = check_file(path)
    allowed = tuple(sorted({str(i).strip().lower() for i in (instruments or INSTRUMENTS)}))
    riskless = NO_DEFAULT_RISK
    if isinstance(instruments, Mapping):
        riskless = tuple(str(n).strip().lower() for n, i in instruments.items()
                         if getattr(i, "kind_", None) == "grant")
    horizon = None
    if years is not None:
        horizon = sorted(check_financial_year(y, "years") for y in years)
        if not horizon:
            fail("years", "the horizon is empty; give at least one financial year")
    raw = read_table(p)
    for column in _REQUIRED:
        if column not in raw.columns:
            fix = missing_fix(column, raw.columns).replace(
                "or map a source column to it with column_map", "(see the pipeline schema)")
            fail(p, f"required column {column!r} is missing; {fix}", key=column)
    if raw.empty:
        fail(p, "has no projects; add at least one row below the header")
    ids = raw["project_id"]
    if (ids == "").any():
        i = _first((ids == "").to_numpy())
        fail(p, "project_id is empty; give every project an id", row=i + 1, key="project_id")
    dup = ids.duplicated()
    if dup.any():
        i = _first(dup.to_numpy())
        first = _first((ids == ids.iloc[i]).to_numpy())
        fail(p, f"{ids.iloc[i]!r} duplicates row {first + 1}; project ids must be unique",
             row=i + 1, key="project_id")

    capacity = to_number(raw, "capacity", p, fix="give the £m the project can absorb")
    _check_range(p, capacity, "capacity", (capacity <= 0).to_numpy(), "> 0",
                 "give the £m the project can absorb")
    if "private_capacity" in raw.columns:
        private = to_number(raw, "private_capacity", p, allow_empty=True,
                            fix="give £m or leave empty for unlimited")
    else:
        private = pd.Series(np.nan, index=raw.index)
    _check_range(p, private, "private_capacity", (private < 0).to_numpy(), "≥ 0",
                 "give £m or leave empty for unlimited")
    extra: dict[str, pd.Series] = {}
    if "max_per_year" in raw.columns:
        per_year = to_number(raw, "max_per_year", p, allow_empty=True,
                             fix="give £m a year, or leave it empty for no limit by year")
        _check_range(p, per_year, "max_per_year", (per_year <= 0).to_numpy(), "> 0",
                     "give £m a year, or leave it empty for no limit by year")
        extra["max_per_year"] = per_year.astype("float64")
    joined, eligible = _instruments(p, raw, allowed)
    shares: dict[str, pd.Series] = {"pd": _pd(p, raw, eligible, riskless)}
    for column, default in (("lgd", DEFAULT_LGD), ("additionality", DEFAULT_ADDITIONALITY)):
        if column in raw.columns:
            values = to_number(raw, column, p, allow_empty=True,
                               fix="write a share between 0 and 1").fillna(default)
        else:
            values = pd.Series(default, index=raw.index, dtype="float64")
        shares[column] = values
    for column, values in shares.items():
        _check_range(p, values, column, ((values < 0) | (values > 1)).to_numpy(),
                     "between 0 and 1", "write a share such as 0.05")

    for column in raw.columns:
        if column.startswith("leverage_") and column[9:] not in allowed:
            fail(p, f"column names unknown instrument {column[9:]!r}; rename it to one of "
                    f"{', '.join('leverage_' + a for a in allowed)}", key=column)
    named = sorted(set(eligible) | {c[9:] for c in raw.columns if c.startswith("leverage_")})
    leverage: dict[str, pd.Series] = {}
    for name in named:
        column = f"leverage_{name}"
        mask = eligible.get(name, np.zeros(len(raw), dtype=bool))
        if column not in raw.columns:
            if mask.any():
                i = _first(mask)
                fail(p, f"column is missing but the project is eligible for {name!r}; add "
                        f"{column} (0 for no crowding-in)", row=i + 1, key=column)
            leverage[column] = pd.Series(np.nan, index=raw.index)
            continue
        values = to_number(raw, column, p, allow_empty=True, fix="write private £ per public £")
        empty = mask & values.isna().to_numpy()
        if empty.any():
            i = _first(empty)
            fail(p, f"is empty but the project is eligible for {name!r}; write the private £ "
                    f"per public £ (0 for none)", row=i + 1, key=column)
        _check_range(p, values, column, mask & (values < 0).to_numpy(), "≥ 0",
                     "write private £ per public £ (0 for none)")
        leverage[column] = values.where(mask)

    window = _years(p, raw, horizon)
    term_columns = {f"{i}_{k}" for i in allowed for k in TERM_KEYS
                    if k not in ("schedule", "amortisation")}
    terms = {c: to_number(raw, c, p, allow_empty=True, fix="write a number or leave it empty")
             .astype("float64") for c in raw.columns if c in term_columns}
    upside = _upside(p, raw)
    text = check_codes(pd.DataFrame({
        c: raw[c] if c in raw.columns else pd.Series([""] * len(raw), dtype="str") for c in _TEXT
    }), p)
    out = pd.DataFrame({
        "project_id": ids,
        **{c: text[c] for c in _TEXT},
        "capacity": capacity,
        "private_capacity": private.astype("float64"),
        **extra,
        "instruments": joined,
        **{k: v.astype("float64") for k, v in leverage.items()},
        **shares,
        **window,
        **terms,
        **upside,
    })
    known = ([c.name for c in PIPELINE_SCHEMA if "<" not in c.name] + [f"leverage_{a}" for a in allowed]
             + sorted(term_columns) + list(UPSIDE_COLUMNS))
    warn_near_misses(p, raw.columns, known, "pipeline")  # only once the file is valid
    return out.reset_index(drop=True)
