"""Quality assurance views (HM Treasury AQuA Book): assumptions log, QA log, limitations.

- :func:`assumptions_log`: every number and setting of the scenario that drives the answer
  (control totals, exposure limits, instrument treatments and terms, objective weights,
  floors, shares, risk limits, solver options, outcome uncertainty) and the pipeline's
  parameters (mean, lowest and highest of capacity, leverage, pd, lgd, additionality…),
  each with its unit, its source and the analyst's RAG quality rating.
- :func:`qa_log`: what was checked, with the run's own figures: how to verify the run,
  the run's validation warnings, the tagging accuracy measured on the frozen holdout
  (the shipped ``tagging_accuracy_uk.csv``), the solver's status and settings, and blank
  sign-off fields.
- :func:`known_limitations`: the model's documented simplifications (the shipped
  ``limitations_uk.toml``, which docs/model.md repeats word for word).

Sources are taken from the data, never written here: a scenario's ``[sources]`` table
(:func:`missionfinance.scenario.config.parse_sources`; the longest matching dotted key
wins), ``source`` keys inside a scenario table (``[outcomes.uncertainty]`` entries), an
instrument's ``source``, or the file the number is read from. Nothing here reads the clock:
the frames are the same for the same run.
"""

from __future__ import annotations

import csv
import hashlib
import io
import tomllib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from missionfinance.views.base import RunLike, allocation_of, instruments_of, pipeline_of

#: Columns of :func:`assumptions_log`.
ASSUMPTION_COLUMNS = ("key", "what", "figure", "lowest", "highest", "unit", "setting",
                      "source", "quality")
#: Columns of :func:`qa_log`.
QA_COLUMNS = ("area", "check", "result", "figure", "detail")
#: Shown in the quality column when the analyst has not rated a source.
NOT_RATED = "not rated"

#: Scenario tables not listed as assumptions: file paths and labels, not numbers.
_SKIP_TOP = {"inputs", "sources", "instruments"}
_SKIP_SCENARIO = {"name", "description", "years"}
#: Keys of a scenario table that describe its siblings rather than set a number.
_SOURCE_KEYS = ("source",)
_NOTE_KEYS = ("note", "description")

#: Pipeline parameters summarised, in this order, and their units.
_PIPELINE_UNITS = {
    "capacity": "£m",
    "private_capacity": "£m",
    "max_per_year": "£m a year",
    "pd": "share",
    "lgd": "share",
    "additionality": "share",
}
#: Units of instrument cash-flow terms (missionfinance.cashflows.Terms).
_TERM_UNITS = {
    "tenor": "years", "grace": "years", "hold": "years", "interest_rate": "share a year",
    "exit_multiple": "×", "exit_return": "share a year", "dividend_yield": "share a year",
    "fee_rate": "share of cover a year",
}

#: The cash-flow terms each schedule uses (missionfinance.cashflows); the others are unused.
_SCHEDULE_TERMS = {
    "loan": ("tenor", "grace", "interest_rate", "amortisation"),
    "equity": ("hold", "exit_multiple", "exit_return", "dividend_yield"),
    "guarantee": ("tenor", "fee_rate"),
}


# --------------------------------------------------------------------------- sources


def _lookup(sources: Mapping[str, Mapping[str, str]], key: str) -> Mapping[str, str] | None:
    """The ``[sources]`` entry of ``key`` or of its longest dotted prefix."""
    parts = key.split(".")
    for n in range(len(parts), 0, -1):
        entry = sources.get(".".join(parts[:n]))
        if entry is not None:
            return entry
    return None


def _source(sources: Mapping[str, Mapping[str, str]], key: str, fallback: str
            ) -> tuple[str, str]:
    entry = _lookup(sources, key)
    if entry is None:
        return fallback, NOT_RATED
    return str(entry.get("source", "")) or fallback, str(entry.get("quality", "")) or NOT_RATED


# --------------------------------------------------------------------------- assumptions


def _unit(parts: list[str], table: Mapping[str, Any]) -> str:
    """Unit of the scenario number at dotted ``parts`` (``table`` is its parent table)."""
    top, last = parts[0], parts[-1]
    if top in ("budget", "fiscal"):
        return "£m"
    if top == "exposure":
        return "share a year" if last == "runoff" else "£m"
    if last in ("min_share", "max_share", "alpha", "rho", "upto", "discount_rate",
                "beyond_target"):
        return "share a year" if last == "discount_rate" else "share"
    if top == "objective":
        if parts[:2] == ["objective", "weights"]:
            return "weight"
        return "objective per £m" if "price" in last else "£m"
    if top == "constraints" and len(parts) >= 2 and parts[1] in ("mission_floor",
                                                                  "mission_ceiling"):
        return "share" if table.get("unit") == "share" else "£m"
    if top == "risk":
        return "count" if last in ("scenarios", "seed") else "£m"
    if top == "leverage_segments":
        return "×" if last == "factor" else "share"
    if top == "integer":
        return "£m" if last == "min_ticket" else "count"
    if top == "solver":
        return "seconds" if last == "time_limit" else ""
    if top == "outcomes" and "uncertainty" in parts and last in ("low", "mode", "high",
                                                                 "mean", "sd"):
        return "factor (1 = as given)"
    return ""


def _what(parts: list[str]) -> str:
    """Plain words for the common scenario keys (empty where the key says it all)."""
    top, last = parts[0], parts[-1]
    if top == "budget" and len(parts) == 3:
        return f"{parts[1]} control total in {last} (flow limit)"
    if top == "exposure" and len(parts) == 2 and last != "runoff":
        return f"guarantee exposure outstanding at the end of {last} (stock limit)"
    if top == "exposure" and last == "runoff":
        return "share of outstanding exposure running off each year"
    if parts[:2] == ["objective", "weights"] and len(parts) == 3:
        return f"weight of mission {last} in the objective"
    if top == "constraints" and len(parts) == 3 and parts[1] in ("mission_floor",
                                                                  "mission_ceiling"):
        if last == "unit":
            return "unit of the mission limits"
        return (f"{'least' if parts[1] == 'mission_floor' else 'most'} public finance "
                f"attributed to mission {last}")
    if top == "constraints" and len(parts) == 4 and last in ("min_share", "max_share"):
        return (f"{'least' if last == 'min_share' else 'most'} share of the allocation in "
                f"region set {parts[2]}")
    return ""


def _setting(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_setting(v) for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _walk(table: Mapping[str, Any], prefix: list[str], sources: Mapping[str, Any],
          fallback: str, rows: list[dict[str, Any]]) -> None:
    """Rows for every leaf of ``table``; a ``source`` key sets its siblings' source."""
    local = next((str(table[k]) for k in _SOURCE_KEYS if isinstance(table.get(k), str)), "")
    note = next((str(table[k]) for k in _NOTE_KEYS if isinstance(table.get(k), str)), "")
    here = local or fallback
    for key in table:
        value = table[key]
        parts = [*prefix, str(key)]
        if key in _SOURCE_KEYS or key in _NOTE_KEYS:
            continue
        if isinstance(value, Mapping):
            _walk(value, parts, sources, here, rows)
            continue
        dotted = ".".join(parts)
        source, quality = _source(sources, dotted, here)
        # a seed is a label, not a quantity: shown as written
        number = (isinstance(value, int | float) and not isinstance(value, bool)
                  and key != "seed")
        rows.append({
            "key": dotted, "what": note or _what(parts),
            "figure": float(value) if number else np.nan,
            "lowest": np.nan, "highest": np.nan,
            "unit": _unit(parts, table) if number or isinstance(value, list) else "",
            "setting": "" if number else _setting(value),
            "source": source, "quality": quality,
        })


def _instrument_rows(run: RunLike, sources: Mapping[str, Any], fallback: str
                     ) -> list[dict[str, Any]]:
    from dataclasses import fields

    rows: list[dict[str, Any]] = []
    config = (getattr(run.scenario, "config", None) or {}).get("instruments") or {}
    for name, inst in instruments_of(run).items():
        origin = inst.source or (fallback if name in config else "library default "
                                 "(missionfinance.instruments)")
        items: list[tuple[str, str, Any, str]] = [
            (f"budget_score.{c}", f"{name}: £ of {c} scored per £ committed", v, "£ per £")
            for c, v in sorted(inst.budget_score.items())]
        items += [
            ("expected_loss_to", f"{name}: control charged pd × lgd",
             inst.expected_loss_to or "not charged", ""),
            ("exposure", f"{name}: counts against the exposure limit", bool(inst.exposure), ""),
            ("kind", f"{name}: kind", inst.kind_, ""),
        ]
        terms = getattr(inst, "terms", None)
        if terms is not None:
            used = _SCHEDULE_TERMS.get(str(getattr(terms, "schedule", "")), ())
            for f in fields(terms):
                if f.name not in used:
                    continue
                value = getattr(terms, f.name)
                if value is None:
                    value = "not set"
                items.append((f.name, f"{name}: cash-flow term {f.name.replace('_', ' ')}",
                              value, _TERM_UNITS.get(f.name, "")))
        for sub, what, value, unit in items:
            key = f"instruments.{name}.{sub}"
            source, quality = _source(sources, key, origin)
            number = isinstance(value, int | float) and not isinstance(value, bool)
            rows.append({
                "key": key, "what": what,
                "figure": float(value) if number else np.nan,
                "lowest": np.nan, "highest": np.nan,
                "unit": unit if number else "", "setting": "" if number else _setting(value),
                "source": source, "quality": quality,
            })
    return rows


def _row_sources(path: Any) -> pd.Series | None:
    """The pipeline file's own ``source`` column (one per project), when it has one.

    The validated pipeline frame keeps only the model's columns, so the column is read
    from the file itself (:func:`missionfinance.io._files.read_table`).
    """
    if path is None or not Path(path).is_file():
        return None
    from missionfinance.io._files import head_text, kind_of, read_table

    if kind_of(Path(path)) in ("text", "gzip"):  # CSV: parse it all only when it has the column
        try:
            header = next(csv.reader(io.StringIO(head_text(Path(path)))), [])
        except csv.Error:  # read_table names the damage
            header = ["source"]
        if "source" not in {name.strip() for name in header}:
            return None
    raw = read_table(path)
    if "source" not in raw.columns or "project_id" not in raw.columns:
        return None
    return pd.Series(raw["source"].astype(str).str.strip().to_numpy(),
                     index=raw["project_id"].astype(str).to_numpy())


def _summarise_sources(values: pd.Series, shown: str, column: str) -> str:
    """``"pipeline.csv column pd; source column: A (12 projects); B (3 projects)"``."""
    given = values[values != ""]
    head = f"{shown}, column {column}"
    if given.empty:
        return head
    counts = given.value_counts(sort=False).sort_index()
    counts = counts.sort_values(ascending=False, kind="stable")
    parts = [f"{name} ({n:,} project{'s' if n != 1 else ''})"
             for name, n in counts.head(_MOST_SOURCES).items()]
    if len(counts) > _MOST_SOURCES:
        parts.append(f"{len(counts) - _MOST_SOURCES:,} more sources")
    missing = len(values) - len(given)
    if missing:
        parts.append(f"{missing:,} without a source")
    return f"{head}; its source column: " + "; ".join(parts)


#: Most distinct values of a pipeline's ``source`` column named per parameter.
_MOST_SOURCES = 5


def _pipeline_rows(run: RunLike, sources: Mapping[str, Any]) -> list[dict[str, Any]]:
    pipe = pipeline_of(run)
    path = getattr(run.scenario, "pipeline_path", None)
    shown = Path(path).name if path is not None else "the pipeline"
    row_sources = _row_sources(path)
    columns = [c for c in _PIPELINE_UNITS if c in pipe.columns]
    columns += sorted(c for c in pipe.columns if str(c).startswith("leverage_"))
    names = tuple(instruments_of(run))
    columns += sorted(c for c in pipe.columns if any(str(c).startswith(f"{i}_") for i in names)
                      and c not in columns)
    rows: list[dict[str, Any]] = []
    for column in columns:
        values = pd.to_numeric(pipe[column], errors="coerce")
        given = values.dropna()
        if given.empty:
            continue
        unit = _PIPELINE_UNITS.get(column, "× (private £ per public £)"
                                   if column.startswith("leverage_") else "")
        key = f"pipeline.{column}"
        fallback = f"{shown}, column {column}"
        if row_sources is not None:
            ids = pipe.loc[values.notna(), "project_id"].astype(str)
            fallback = _summarise_sources(ids.map(row_sources).fillna(""), shown, column)
        source, quality = _source(sources, key, fallback)
        rows.append({
            "key": key, "what": f"pipeline mean over {len(given):,} of {len(pipe):,} projects",
            "figure": float(given.mean()), "lowest": float(given.min()),
            "highest": float(given.max()), "unit": unit, "setting": "",
            "source": source, "quality": quality,
        })
    return rows


def assumptions_log(run: RunLike) -> pd.DataFrame:
    """Every scenario number and pipeline parameter that drives the answer, with sources.

    Parameters
    ----------
    run : RunResult
        A run (its ``scenario`` and ``pipeline``).

    Returns
    -------
    pandas.DataFrame
        One row per number or setting, in the scenario file's order, then the
        instruments, then the pipeline's parameters: ``key`` (the dotted scenario key, or
        ``pipeline.<column>``), ``what`` (plain words, where the data gives them),
        ``figure`` (the value; for a pipeline column its mean), ``lowest`` and ``highest``
        (a pipeline column's range), ``unit`` (£m, share, ×, …), ``setting`` (a value that
        is not a number), ``source`` (from the scenario's ``[sources]`` table, a ``source``
        key of the table, the instrument's ``source``, the pipeline file's own ``source``
        column (summarised: each source with its number of projects), else the file it is
        read from) and
        ``quality`` (the analyst's RAG rating, green/amber/red, or ``"not rated"``).
    """
    scenario = run.scenario
    config = getattr(scenario, "config", None) or {}
    sources = getattr(scenario, "sources", None) or {}
    path = getattr(scenario, "path", None)
    fallback = f"scenario file {Path(path).name}" if path is not None else "scenario"
    rows: list[dict[str, Any]] = []
    head = {k: v for k, v in (config.get("scenario") or {}).items() if k not in _SKIP_SCENARIO}
    rate = getattr(scenario, "discount_rate", None)
    if "discount_rate" not in head:
        source, quality = _source(sources, "scenario.discount_rate",
                                  "HM Treasury Green Book (default)")
        rows.append({"key": "scenario.discount_rate", "what": "real discount rate",
                     "figure": 0.035 if rate is None else float(rate), "lowest": np.nan,
                     "highest": np.nan, "unit": "share a year", "setting": "",
                     "source": source, "quality": quality})
    _walk(head, ["scenario"], sources, fallback, rows)
    for top, table in config.items():
        if top in _SKIP_TOP or top == "scenario":
            continue
        if isinstance(table, Mapping):
            _walk(table, [str(top)], sources, fallback, rows)
    rows += _instrument_rows(run, sources, fallback)
    rows += _pipeline_rows(run, sources)
    frame = pd.DataFrame(rows, columns=list(ASSUMPTION_COLUMNS))
    return frame.astype({c: "float64" for c in ("figure", "lowest", "highest")}).astype(
        {c: "str" for c in ASSUMPTION_COLUMNS if c not in ("figure", "lowest", "highest")})


# --------------------------------------------------------------------------- QA log


def tagging_accuracy() -> pd.DataFrame:
    """The shipped tagging accuracy (``missionfinance/data/tagging_accuracy_uk.csv``).

    Written by ``tests/data/gold/build_accuracy.py`` from
    :func:`missionfinance.tagging.evaluation.evaluate` on the frozen holdout: ``set``,
    ``lines``, ``mission``, ``support``, ``predicted``, ``true_positive``, ``precision``,
    ``recall``, ``f1`` and their 95% Wilson intervals.
    """
    data = resources.files("missionfinance").joinpath("data", "tagging_accuracy_uk.csv")
    with data.open("rb") as fh:
        return pd.read_csv(fh, keep_default_na=False, na_values=[""])


def _file_sha256(path: Any) -> str:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except (OSError, TypeError):
        return ""


def qa_log(run: RunLike) -> pd.DataFrame:
    """What was checked, with the run's own figures, and blank sign-off fields.

    Rows, by ``area``: ``verification`` (how to reproduce the run: re-run
    ``missionfinance verify DIR``, which the report cannot record of itself, with the
    scenario's SHA-256 that manifest.json also holds), ``validation`` (each warning of the
    run, ``summary["warnings"]``, or that there were none; controls without a limit),
    ``tagging`` (precision and recall of the rules on the frozen holdout, from
    :func:`tagging_accuracy`), ``solver`` (status, algorithm, tolerances, threads, seed,
    iterations) and ``sign-off`` (analyst, reviewer, date: blank, for the analyst).

    Returns
    -------
    pandas.DataFrame
        ``area, check, result, figure, detail``; ``figure`` is the measured number
        (precision, recall) where there is one.
    """
    result = allocation_of(run.allocation) if hasattr(run, "allocation") else None
    scenario = run.scenario
    rows: list[tuple[str, str, str, float, str]] = []
    nan = float("nan")
    path = getattr(scenario, "path", None)
    digest = _file_sha256(path) if path is not None else ""
    rows.append((
        "verification", "Outputs reproduce byte for byte",
        "not knowable when the report is written",
        nan, f"re-run `missionfinance verify DIR` on this output folder: it re-solves the "
             f"scenario recorded in manifest.json (scenario SHA-256 {digest or 'not recorded'}) "
             "and compares every file, this report included, byte for byte"))
    summary = dict(getattr(result, "summary", None) or {})
    warnings = [str(w) for w in (summary.get("warnings") or [])]
    for w in warnings:
        rows.append(("validation", "Sanity warning of the run", "warning", nan, w))
    if not warnings:
        rows.append(("validation", "Sanity warnings of the run", "none", nan,
                     "the model raised no sanity warning (summary.json warnings)"))
    free = tuple(getattr(scenario, "unconstrained_controls", ()) or ())
    rows.append(("validation", "Controls without a limit", ", ".join(free) or "none", nan,
                 "controls an instrument scores against that the scenario gives no budget "
                 "(unconstrained)"))
    accuracy = tagging_accuracy()
    for rec in accuracy.to_dict(orient="records"):
        label = "all missions (micro average)" if rec["mission"] == "all" else rec["mission"]
        where = f"{rec['set']}, {int(rec['lines']):,} lines labelled by hand"
        for measure in ("precision", "recall"):
            low, high = rec[f"{measure}_low"], rec[f"{measure}_high"]
            rows.append((
                "tagging", f"Tagging {measure}: {label}",
                "measured", float(rec[measure]),
                f"{where}; {int(rec['true_positive'])} correct of "
                f"{int(rec['predicted'] if measure == 'precision' else rec['support'])}; "
                f"95% interval {low:.3f}–{high:.3f}"))
    solver = dict(getattr(result, "solver", None) or {})
    options = dict(solver.get("options") or {})
    status = getattr(getattr(result, "status", None), "value", "")
    rows.append(("solver", "Solver status", str(status), nan,
                 f"{solver.get('name', '')} {solver.get('version', '')}: model status "
                 f"{solver.get('model_status', 'not recorded')}".strip()))
    rows.append(("solver", "Algorithm", str(solver.get("algorithm", "not recorded")), nan,
                 f"requested {options.get('algorithm', 'not recorded')}; crossover "
                 f"{_setting(options.get('crossover', 'not recorded'))}; mixed-integer "
                 f"{_setting(bool(solver.get('mip', False)))}"))
    for key in ("primal_tolerance", "dual_tolerance", "ipm_tolerance", "mip_rel_gap",
                "threads", "seed", "time_limit", "scale"):
        if key in options:
            value = options[key]
            rows.append(("solver", key.replace("_", " ").capitalize(),
                         "not set" if value is None else _setting(value), nan,
                         "solver option ([solver] table or its default)"))
    iterations = solver.get("iterations")
    if isinstance(iterations, Mapping):
        rows.append(("solver", "Iterations",
                     ", ".join(f"{k} {v}" for k, v in iterations.items()), nan,
                     "as the solver reports them"))
    for who in ("Analyst", "Reviewer (QA)", "Date signed off"):
        rows.append(("sign-off", who, "", nan, "to be filled in by the analyst"))
    return pd.DataFrame(rows, columns=list(QA_COLUMNS)).astype(
        {"area": "str", "check": "str", "result": "str", "figure": "float64",
         "detail": "str"})


# --------------------------------------------------------------------------- limitations


def known_limitations() -> pd.DataFrame:
    """The model's documented simplifications (``missionfinance/data/limitations_uk.toml``).

    Returns
    -------
    pandas.DataFrame
        ``id, topic, limitation, where`` in the file's order; docs/model.md ("Known
        limitations") repeats each text word for word.
    """
    data = resources.files("missionfinance").joinpath("data", "limitations_uk.toml")
    with data.open("rb") as fh:
        entries = tomllib.load(fh)["limitation"]
    return pd.DataFrame(
        [(e["id"], e["topic"], e["text"], e["where"]) for e in entries],
        columns=["id", "topic", "limitation", "where"]).astype("str")
