"""Run outputs: CSV tables, summary.json, report.html, report.xlsx and manifest.json.

:func:`write_outputs` writes the files of DESIGN §5 for one run into a folder,
atomically; :func:`render_outputs` builds the same files as bytes in memory (what
:func:`missionfinance.audit.verify` compares against). Both are deterministic: the same
run gives the same bytes in every process (see :mod:`missionfinance.report.formats`).

Files (all UTF-8, ``\\n`` line endings, £ million):

``allocation.csv``
    ``project_id, instrument, year, public, private`` — rows with public > 0, sorted by
    project_id, instrument, year.
``missions.csv``, ``constraints.csv``
    The model's mission and constraint frames, columns as the model gives them, rows
    sorted by their text columns.
``tags.csv``
    The tag columns (``line_id, mission, weight, amount_attributed, rule_id, rationale,
    matched_on, relation, direction``), then ``scope`` (``pipeline`` for the projects'
    tags, ``baseline`` for the spending lines' tags); for the pipeline, ``line_id`` is the
    project id.
``cashflows.csv``
    ``project_id, instrument, year, kind, amount`` — the allocation's expected cash flows
    over each instrument's life, signed from the Exchequer's view
    (:mod:`missionfinance.cashflows`).
``fiscal.csv``
    ``year, measure, instrument, value`` — effects on PSNB, the current deficit, PSND
    and PSNFL (:mod:`missionfinance.fiscal`).
``summary.json``
    ``status``, ``objective`` (exactly as the model reports it, ``null`` when there is
    none), ``public_total``, ``private_total``, the model's other summary keys (among them
    ``additional_private_total``, ``leverage``, ``projects_funded``, ``projects``), then
    the two figures the model does not give (``additional_share``, ``expected_loss``;
    :func:`missionfinance.views.headline`), ``economic_cost`` (£m present value, when the
    model gives none) and ``scenario``.
``outcomes.csv``
    Only when the scenario has an ``[outcomes]`` table: ``milestone, year, unit, baseline,
    bau, projected, target, p10, p90`` (DESIGN §7; p10/p90 empty, see ``simulate``).
``conflict.csv`` (only when the scenario is infeasible)
    ``name, family, key, value, explanation`` — the rows of an irreducible conflict in the
    scenario's own keys, mission and regional rows first (DESIGN §7).
``report.html``, ``report.xlsx``
    The report for readers (:mod:`missionfinance.report.html`,
    :mod:`missionfinance.report.xlsx`).
``manifest.json``
    Hashes of the scenario, the inputs and every other output
    (:mod:`missionfinance.report.manifest`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from missionfinance._fs import Workers, check_output_folder, write_folder
from missionfinance.model import Status
from missionfinance.model.conflict import CONFLICT_COLUMNS
from missionfinance.report.build import build_report, mission_colours, money_views, report_static
from missionfinance.report.formats import csv_bytes, json_bytes
from missionfinance.report.html import (
    chart_names,
    html_before_charts,
    money_charts,
    outcome_charts,
)
from missionfinance.report.manifest import build_manifest, sha256_bytes
from missionfinance.report.outcomes import outcome_tables
from missionfinance.report.prepared import PreparedOutputs, RunInputs, prepare_report
from missionfinance.report.xlsx import xlsx_bytes
from missionfinance.views import allocation_frame, headline

if TYPE_CHECKING:  # the scenario stage composes this one; its types are named, not imported
    from missionfinance.scenario import RunResult

#: Output files in the order they are written and listed in the manifest.
OUTPUT_FILES = (
    "allocation.csv",
    "missions.csv",
    "constraints.csv",
    "tags.csv",
    "cashflows.csv",
    "fiscal.csv",
    "summary.json",
    "report.html",
    "report.xlsx",
    "manifest.json",
)

_TAG_COLUMNS = [
    "line_id", "mission", "weight", "amount_attributed", "rule_id", "rationale", "matched_on",
    "relation", "direction",
]

__all__ = ["OUTPUT_FILES", "PreparedOutputs", "RunInputs", "build_summary", "prepare_report",
           "render_outputs", "tags_csv", "write_outputs"]


def build_summary(run: RunResult, alloc: pd.DataFrame | None = None) -> dict[str, Any]:
    """Content of summary.json for ``run`` (see the module docstring for the keys).

    The model's summary first, as it gives it; then the figures it does not give
    (:func:`missionfinance.views.headline`), the scenario name and the model's message.
    """
    result = run.allocation
    alloc = allocation_frame(result) if alloc is None else alloc
    model = dict(result.summary)
    summary: dict[str, Any] = {
        "status": result.status.value,
        "objective": result.objective,
        "public_total": model.pop("public_total"),
        "private_total": model.pop("private_total"),
    }
    model.pop("status", None)
    model.pop("objective", None)
    summary.update(model)
    for key, value in headline(run, alloc).items():
        summary.setdefault(key, value)
    summary.setdefault("scenario", run.scenario.name)
    if result.message:
        summary.setdefault("message", str(result.message))
    return summary


def tags_frame(run: RunResult | RunInputs) -> pd.DataFrame:
    """tags.csv rows: the pipeline's tags then the baseline's, with a ``scope`` column.

    The columns of DESIGN §3.4 and §7 come first, in their order (``line_id, mission, weight,
    amount_attributed, rule_id, rationale, matched_on``, then ``relation`` (DESIGN §7), then
    ``direction``), and
    ``scope`` last, so a reader that takes the contract's columns by position finds them.
    """
    pieces = []
    for scope, tagging in (("pipeline", getattr(run, "pipeline_tags", None)),
                           ("baseline", getattr(run, "baseline", None))):
        tags = getattr(tagging, "tags", None)
        if tags is None:
            continue
        frame = tags.reset_index(drop=True)
        columns = [c for c in _TAG_COLUMNS if c in frame.columns]
        columns += [c for c in frame.columns if c not in columns]
        frame = frame[columns].copy()
        frame["scope"] = scope
        pieces.append(frame)
    if not pieces:
        return pd.DataFrame({c: pd.Series([], dtype="str") for c in [*_TAG_COLUMNS, "scope"]})
    return pd.concat(pieces, ignore_index=True)


def tags_csv(run: RunResult | RunInputs) -> bytes:
    """tags.csv of ``run`` (:func:`tags_frame`, sorted by scope, line, mission and rule)."""
    return csv_bytes(tags_frame(run), keys=["scope", "line_id", "mission", "rule_id"])


def prepared_for(run: RunResult) -> PreparedOutputs | None:
    """The run's parts made in advance (``run.prepared``), when they were made from it."""
    prepared = getattr(run, "prepared", None)
    if isinstance(prepared, PreparedOutputs) and prepared.fits(run):
        return prepared
    return None


def _frame(value: Any) -> pd.DataFrame:
    if value is None:
        return pd.DataFrame()
    frame = pd.DataFrame(value)
    if frame.index.name is not None or isinstance(frame.index, pd.MultiIndex):
        frame = frame.reset_index()
    return frame.reset_index(drop=True)


def _table_files(run: RunResult, alloc: pd.DataFrame, summary: Mapping[str, Any],
                 cashflows: Any, fiscal: pd.DataFrame,
                 prepared: PreparedOutputs | None = None) -> dict[str, bytes]:
    """The CSV files and summary.json, in :data:`OUTPUT_FILES` order."""
    result = run.allocation
    files: dict[str, bytes] = {
        "allocation.csv": csv_bytes(alloc, keys=["project_id", "instrument", "year"]),
        "missions.csv": csv_bytes(_frame(getattr(result, "missions", None))),
        "constraints.csv": csv_bytes(_frame(getattr(result, "constraints", None))),
        "tags.csv": prepared.tags_csv if prepared is not None else tags_csv(run),
        "cashflows.csv": csv_bytes(cashflows.flows, keys=["project_id", "instrument", "year"]),
        "fiscal.csv": csv_bytes(fiscal, keys=["year", "measure", "instrument"]),
        "summary.json": json_bytes(summary),
    }
    outcomes = getattr(run, "outcomes", None)
    if outcomes is not None:  # DESIGN §7: written by every run that has outcome data
        files["outcomes.csv"] = csv_bytes(outcomes.frame, keys=["milestone", "year"])
    conflict = result.conflict
    if result.status == Status.INFEASIBLE and len(conflict):
        # in the model's order: mission and regional rows first (DESIGN §7)
        frame = conflict.reindex(columns=list(CONFLICT_COLUMNS))
        # a conflict without scenario keys: the row name stands for the key
        frame["key"] = frame["key"].astype(object).where(frame["key"].notna(), frame["name"])
        files["conflict.csv"] = csv_bytes(frame, sort=False)
    return files


def render_outputs(run: RunResult, base: Path | str, *,
                   parallel: bool | None = None) -> dict[str, bytes]:
    """Every output file of ``run`` as bytes, in :data:`OUTPUT_FILES` order.

    Where the machine has more than one CPU, forked worker processes render the CSV files
    and the outcome charts, and report.html's charts of the money once the few views they
    are drawn from are made (:func:`~missionfinance.report.build.money_views`), while this
    process builds the rest of the report tables and writes report.xlsx; see
    :class:`missionfinance._fs.Workers`. The bytes are the same as rendering everything
    in one process, and so is any error.

    Parameters
    ----------
    run : RunResult
        ``.scenario``, ``.pipeline``, ``.pipeline_tags``, ``.baseline``, ``.allocation``,
        ``.input_files`` (docs/CONTRACTS.md).
    base : Path
        Folder that the manifest's paths are relative to: the parent of the output folder.
    parallel : bool, optional
        ``False`` renders every file in this process, one after another; ``True`` forks
        workers wherever ``os.fork`` exists; by default they are forked on Linux when this
        process may use two CPUs or more (:func:`missionfinance._fs.can_fork`).

    Returns
    -------
    dict of str to bytes
        File name → content.
    """
    from missionfinance.cashflows import economic_cost
    from missionfinance.fiscal import allocation_cashflows, fiscal_effects

    alloc = allocation_frame(run.allocation)
    summary = build_summary(run, alloc)
    cashflows = allocation_cashflows(run, alloc)
    fiscal = fiscal_effects(cashflows)
    rate = getattr(run.scenario, "discount_rate", None)
    summary.setdefault("economic_cost", float(economic_cost(cashflows, rate=rate, by=()).iloc[0]))
    prepared = prepared_for(run)

    def tables_and_outcome_charts() -> tuple[dict[str, bytes], dict[str, str], dict[str, str]]:
        files = _table_files(run, alloc, summary, cashflows, fiscal, prepared)
        # hashed where they are made: the manifest needs only their digests
        digests = {name: sha256_bytes(data) for name, data in files.items()}
        # the outcome charts need only the outcome tables, not the rest of the report
        return files, digests, outcome_charts(outcome_tables(run), mission_colours(run))

    with Workers(parallel) as workers:
        first = workers.submit(tables_and_outcome_charts,
                               "the CSV files and the outcome charts of report.html")
        static = report_static(run, prepared)
        views = money_views(run, alloc, cashflows, static)
        frames = views.chart_frames()
        drawing = workers.submit(lambda: money_charts(frames, views.colours),
                                 "the charts of report.html")
        report = build_report(run, alloc, summary, Path(base), cashflows=cashflows,
                              prepared=prepared, fiscal=fiscal, views=views,
                              static=static)
        xlsx = xlsx_bytes(report)
        # the page is rendered while the charts are drawn; they are put in at the end
        page = html_before_charts(report, chart_names(report.tables))
        files, digests, drawn = first()
        files["report.html"] = page({**drawing(), **drawn})
        files["report.xlsx"] = xlsx
    files["manifest.json"] = json_bytes(build_manifest(
        run, files, Path(base), summary, packages=static.get("packages"), digests=digests))
    return files


def write_outputs(run: RunResult, out_dir: Path | str) -> Path:
    """Write every output file of ``run`` into ``out_dir``, atomically.

    The files are written into a new hidden folder beside ``out_dir`` and renamed into
    place once complete; an existing ``out_dir`` from an earlier run is replaced only
    then, so an interrupted run leaves the old folder (or, in the instant of the swap,
    none) but never a half-written one.

    Parameters
    ----------
    run : RunResult
        The run to report.
    out_dir : path-like
        Output folder. If it exists it must be empty or hold an earlier run's outputs
        (a ``manifest.json``); other folders are never replaced.

    Returns
    -------
    Path
        ``out_dir``.

    Raises
    ------
    MissionFinanceError
        When ``out_dir`` is a file, or a folder that is not a missionfinance output.
    """
    out = Path(out_dir)
    check_output_folder(out)
    parent = out.absolute().parent
    parent.mkdir(parents=True, exist_ok=True)
    return write_folder(render_outputs(run, parent), out)
