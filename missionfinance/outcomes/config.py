"""The scenario's ``[outcomes]`` table and the outcome yields table it names.

Scenario keys (all optional except ``yields``)::

    [outcomes]
    data = "builtin:uk"              # outcome data (baselines, BAU, links) or a TOML path
    yields = "data/outcome_yields.csv"
    beyond_target = 0.1              # mission_progress: worth of progress past a target,
                                     # relative to progress before it (0 ≤ b ≤ 1)
    path = "deadline"                # min_cost: meet the target at the deadline, or "yearly"
                                     # (every year of the target path up to the deadline)
    weights = { homes = 1.0 }        # mission_progress: milestone weights (default 1)
    shortfall_price = { homes = 0.5 }  # min_cost: £m per milestone unit short (default:
                                     # 10 × the dearest unit the pipeline can buy)

    [outcomes.robust]                # optimise against sampled draws (docs/outcomes.md)
    draws = 200
    seed = 1
    alpha = 0.8
    limit = { homes = 10000 }        # CVaR_alpha of the shortfall at the deadline ≤ units

    [outcomes.uncertainty]           # for Scenario.simulate / missionfinance simulate
    seed = 20250611
    defaults = false                 # true: a project that defaults (pd) delivers nothing
    yield = { homes = { dist = "triangular", low = 0.6, mode = 1.0, high = 1.2 } }
    leverage = { all = { dist = "uniform", low = 0.8, high = 1.1 } }
    additionality = { all = { dist = "normal", mean = 1.0, sd = 0.1 } }
    pd = { all = { dist = "uniform", low = 0.5, high = 2.0 } }

Every distribution is a multiplicative factor on the input as given (1 = as given), see
:mod:`missionfinance.outcomes.uncertainty`.

Yields table (CSV): ``project_id, milestone, per_m, lag, ramp, source`` — ``per_m`` is the
milestone's link unit delivered per £m of total investment in the project (public cash plus
the additional private money it brings in); ``lag`` whole years from the year money is
committed to the first delivery; ``ramp`` the number of years delivery is spread over
(default 1: all at once). A project may have several rows, one per milestone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from missionfinance.errors import MissionFinanceError
from missionfinance.missions import MissionSet
from missionfinance.outcomes.catalogue import OutcomeData, load_outcome_data
from missionfinance.years import year_start

_KEYS = {"data", "yields", "beyond_target", "path", "weights", "shortfall_price", "uncertainty",
         "robust"}
_ROBUST_KEYS = {"draws", "seed", "alpha", "limit"}
YIELD_COLUMNS = ("project_id", "milestone", "per_m", "lag", "ramp", "source")


@dataclass(frozen=True)
class OutcomeOptions:
    """The scenario's outcome inputs, validated.

    Attributes
    ----------
    data : OutcomeData
    yields : pandas.DataFrame
        ``project_id, milestone, per_m, lag, ramp, source`` (validated, sorted).
    beyond_target : float
        Worth of progress past a target relative to progress before it.
    path : {"deadline", "yearly"}
    weights : dict
        Milestone → weight (missing = 1).
    shortfall_price : dict
        Milestone → £m per unit short (``min_cost``); missing → default.
    uncertainty : dict
        The raw ``[outcomes.uncertainty]`` table, validated by
        :func:`missionfinance.outcomes.uncertainty.parse_uncertainty`.
    files : tuple of Path
        Input files (for the manifest).
    """

    data: OutcomeData
    yields: pd.DataFrame
    beyond_target: float = 0.1
    path: str = "deadline"
    weights: Mapping[str, float] = field(default_factory=dict)
    shortfall_price: Mapping[str, float] = field(default_factory=dict)
    uncertainty: Any = None
    files: tuple[Path, ...] = ()
    robust: RobustOptions | None = None


@dataclass(frozen=True)
class RobustOptions:
    """``[outcomes.robust]``: optimisation against sampled draws of the uncertain inputs.

    Optimises against ``draws`` sampled draws (seed ``seed``) of the uncertain yields and
    additionality: sample-average progress, and CVaR_alpha of each limited milestone's
    shortfall at its deadline ≤ ``limit`` [milestone units].
    """

    draws: int = 200
    seed: int = 1
    alpha: float = 0.8
    limit: Mapping[str, float] = field(default_factory=dict)


def _number(v: object, ctx: str, lo: float | None = None, hi: float | None = None) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float) or not np.isfinite(v):
        raise MissionFinanceError(f"{ctx}: {v!r} must be a number")
    if lo is not None and v < lo:
        raise MissionFinanceError(f"{ctx}: {v!r} must be ≥ {lo:g}")
    if hi is not None and v > hi:
        raise MissionFinanceError(f"{ctx}: {v!r} must be ≤ {hi:g}")
    return float(v)


def parse_outcomes(raw: object, name: str, base: Path, years: tuple[str, ...],
                   missions: MissionSet, project_ids: Any = None) -> OutcomeOptions:
    """Validate the ``[outcomes]`` table of scenario ``name`` (paths relative to ``base``)."""
    from missionfinance.outcomes.uncertainty import parse_uncertainty

    if not isinstance(raw, Mapping):
        raise MissionFinanceError(f"{name} key outcomes: must be a table")
    bad = set(raw) - _KEYS
    if bad:
        raise MissionFinanceError(f"{name} key outcomes.{sorted(bad)[0]}: unknown key; allowed "
                                  f"{', '.join(sorted(_KEYS))}")
    spec = raw.get("data", "builtin:uk")
    files: list[Path] = []
    if not isinstance(spec, str):
        raise MissionFinanceError(f"{name} key outcomes.data: {spec!r} must be a string")
    if not spec.startswith("builtin:"):
        p = (base / spec).resolve()
        if not p.is_file():
            raise MissionFinanceError(f"{name} key outcomes.data: file {spec!r} not found")
        files.append(p)
        data = load_outcome_data(p, missions)
    else:
        data = load_outcome_data(spec, missions)
    if "yields" not in raw or not isinstance(raw["yields"], str):
        raise MissionFinanceError(f"{name} key outcomes.yields: missing; give the yields CSV path")
    ypath = (base / raw["yields"]).resolve()
    if not ypath.is_file():
        raise MissionFinanceError(f"{name} key outcomes.yields: file {raw['yields']!r} not found")
    files.append(ypath)
    yields = read_yields(ypath, data, years)
    beyond = _number(raw.get("beyond_target", 0.1), f"{name} key outcomes.beyond_target", 0, 1)
    path = raw.get("path", "deadline")
    if path not in ("deadline", "yearly"):
        raise MissionFinanceError(f"{name} key outcomes.path: {path!r}; use 'deadline' or 'yearly'")
    tracked = {m.id for m in data.tracked}

    def per_milestone(key: str, lo: float) -> dict[str, float]:
        table = raw.get(key, {})
        if not isinstance(table, Mapping):
            raise MissionFinanceError(f"{name} key outcomes.{key}: must be a table of "
                                      "milestone = number")
        out = {}
        for m, v in table.items():
            if m not in tracked:
                raise MissionFinanceError(f"{name} key outcomes.{key}.{m}: unknown milestone "
                                          f"{m!r}; use one of {', '.join(sorted(tracked))}")
            out[m] = _number(v, f"{name} key outcomes.{key}.{m}", lo)
        return out

    weights = per_milestone("weights", 0.0)
    prices = per_milestone("shortfall_price", 0.0)
    unc = parse_uncertainty(raw.get("uncertainty", {}), f"{name} key outcomes.uncertainty",
                            tracked)
    robust = None
    if "robust" in raw:
        rb = raw["robust"]
        ctx = f"{name} key outcomes.robust"
        if not isinstance(rb, Mapping):
            raise MissionFinanceError(f"{ctx}: must be a table")
        bad = set(rb) - _ROBUST_KEYS
        if bad:
            raise MissionFinanceError(f"{ctx}.{sorted(bad)[0]}: unknown key; allowed "
                                      f"{', '.join(sorted(_ROBUST_KEYS))}")
        draws = rb.get("draws", 200)
        seed = rb.get("seed", 1)
        for key, v in (("draws", draws), ("seed", seed)):
            if isinstance(v, bool) or not isinstance(v, int) or v < (1 if key == "draws" else 0):
                raise MissionFinanceError(f"{ctx}.{key}: {v!r} must be a whole number "
                                          f"≥ {1 if key == 'draws' else 0}")
        alpha = _number(rb.get("alpha", 0.8), f"{ctx}.alpha", 0.0, 1.0)
        if not 0 < alpha < 1:
            raise MissionFinanceError(f"{ctx}.alpha: {alpha!r} must be strictly between 0 and 1")
        lim = rb.get("limit", {})
        if not isinstance(lim, Mapping):
            raise MissionFinanceError(f"{ctx}.limit: must be a table of milestone = units")
        limits = {}
        for m, v in lim.items():
            if m not in tracked:
                raise MissionFinanceError(f"{ctx}.limit.{m}: unknown milestone {m!r}; use one "
                                          f"of {', '.join(sorted(tracked))}")
            limits[m] = _number(v, f"{ctx}.limit.{m}", 0.0)
        robust = RobustOptions(int(draws), int(seed), alpha, limits)
    return OutcomeOptions(data=data, yields=yields, beyond_target=beyond, path=str(path),
                          weights=weights, shortfall_price=prices, uncertainty=unc,
                          files=tuple(files), robust=robust)


def read_yields(path: Path, data: OutcomeData, years: tuple[str, ...]) -> pd.DataFrame:
    """Read and validate a yields CSV (see the module docstring)."""
    name = path.name
    try:
        df = pd.read_csv(path, dtype={"project_id": str, "milestone": str, "source": str},
                         keep_default_na=False, na_values=[""])
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise MissionFinanceError(f"{name}: cannot read the yields CSV ({exc}); fix the file") \
            from None
    return check_yields(df, data, years, name)


def check_yields(df: pd.DataFrame, data: OutcomeData, years: tuple[str, ...],
                 name: str = "yields") -> pd.DataFrame:
    """Validate a yields frame: known tracked milestone, per_m ≥ 0, lag within the horizon."""
    for col in ("project_id", "milestone", "per_m", "lag"):
        if col not in df.columns:
            raise MissionFinanceError(f"{name}: missing column {col!r}; the yields table has "
                                      f"{', '.join(YIELD_COLUMNS)}")
    extra = [c for c in df.columns if c not in YIELD_COLUMNS]
    if extra:
        raise MissionFinanceError(f"{name}: unknown column {extra[0]!r}; allowed "
                                  f"{', '.join(YIELD_COLUMNS)}")
    df = df.copy()
    if "ramp" not in df.columns:
        df["ramp"] = 1
    if "source" not in df.columns:
        df["source"] = ""
    df["ramp"] = df["ramp"].fillna(1)
    df["source"] = df["source"].fillna("").astype(str)
    tracked = {m.id: m for m in data.tracked}
    untracked = {m.id for m in data.milestones if not m.tracked}
    last = max([year_start(y) for y in data.years(years)])
    rows = () if _rows_pass(df, tracked, years, last) else df.itertuples(index=False)
    for k, row in enumerate(rows, start=2):
        ctx = f"{name} row {k}"
        if not isinstance(row.project_id, str) or not row.project_id.strip():
            raise MissionFinanceError(f"{ctx} key project_id: empty; give the project id")
        if row.milestone not in tracked:
            why = (f" ({data[row.milestone].untracked_reason})" if row.milestone in untracked
                   else "")
            raise MissionFinanceError(f"{ctx} key milestone: unknown or untracked milestone "
                                      f"{row.milestone!r}{why}; use one of "
                                      f"{', '.join(sorted(tracked))}")
        for col, lo in (("per_m", 0.0), ("lag", 0.0), ("ramp", 1.0)):
            v = getattr(row, col)
            try:
                f = float(v)
            except (TypeError, ValueError):
                raise MissionFinanceError(f"{ctx} key {col}: {v!r} must be a number") from None
            if not np.isfinite(f) or f < lo:
                raise MissionFinanceError(f"{ctx} key {col}: {v!r} must be ≥ {lo:g} "
                                          f"({'a negative yield is not allowed' if col == 'per_m' else 'whole years'})")
            if col in ("lag", "ramp") and f != int(f):
                raise MissionFinanceError(f"{ctx} key {col}: {v!r} must be a whole number of years")
        lag = int(float(row.lag))
        shows = year_start(years[0]) + lag
        if shows > last:
            raise MissionFinanceError(
                f"{ctx} key lag: {lag} years is beyond the horizon: money in {years[0]} would "
                f"first show in {shows}-{(shows + 1) % 100:02d}, after the last outcome year "
                f"{last}-{(last + 1) % 100:02d}; shorten the lag or extend the horizon")
    dup = df.duplicated(["project_id", "milestone"])
    if dup.any():
        r = df[dup].iloc[0]
        raise MissionFinanceError(f"{name} row {int(np.flatnonzero(dup)[0]) + 2}: project "
                                  f"{r.project_id!r} has two yields for {r.milestone!r}; give one")
    df["per_m"] = df["per_m"].astype(np.float64)
    df["lag"] = df["lag"].astype(float).astype(np.int64)
    df["ramp"] = df["ramp"].astype(float).astype(np.int64)
    return df[list(YIELD_COLUMNS)].sort_values(["milestone", "project_id"], ignore_index=True)


def _rows_pass(df: pd.DataFrame, tracked: Mapping[str, Any], years: tuple[str, ...],
               last: int) -> bool:
    """Whether every row passes the row checks of :func:`check_yields`, column by column.

    True only when none of them can fail: a non-empty ``project_id`` text, a tracked
    milestone, numeric ``per_m``, ``lag`` and ``ramp`` columns with finite values at or
    above their least (whole numbers of years for the last two) and a lag inside the
    horizon. Otherwise :func:`check_yields` checks row by row, to name the first bad row
    and key.
    """
    if not all(isinstance(p, str) and p.strip() for p in df["project_id"].tolist()):
        return False
    if not df["milestone"].isin(list(tracked)).all():
        return False
    values = {}
    for col, lo in (("per_m", 0.0), ("lag", 0.0), ("ramp", 1.0)):
        dtype = df[col].dtype
        if not isinstance(dtype, np.dtype) or dtype.kind not in "iuf":
            return False
        f = df[col].to_numpy(dtype=np.float64)
        if not (np.isfinite(f) & (f >= lo)).all():
            return False
        if col != "per_m" and not (f == np.trunc(f)).all():
            return False
        values[col] = f
    return not (year_start(years[0]) + np.trunc(values["lag"]) > last).any()


def check_yield_projects(yields: pd.DataFrame, project_ids: Any, name: str) -> None:
    """Every yield names a project of the pipeline."""
    known = set(map(str, np.asarray(project_ids, dtype=object).tolist()))
    # set lookups: Series.isin of Arrow text against a set builds one scalar per element
    missing = np.array([p not in known for p in yields["project_id"].tolist()], dtype=bool)
    if missing.any():
        pid = yields.loc[missing, "project_id"].iloc[0]
        raise MissionFinanceError(f"{name} key outcomes.yields: project {pid!r} is not in the "
                                  "pipeline; fix the id or remove the row")
