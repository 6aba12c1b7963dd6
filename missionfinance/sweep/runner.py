"""Sweep runner: solve many variants of one scenario, locally or on a dask cluster.

Variants that only change numbers reuse the base scenario's tagging and pipeline; a
variant that changes ``inputs.*`` or ``scenario.attribution`` re-reads and re-tags.
Each worker process receives the base data once (a process-pool initializer locally;
``Client.scatter(..., broadcast=True)`` on dask), never once per variant. A variant
that fails is reported with its error and does not stop the others.

Solving. Variants are put in an order that keeps consecutive ones close
(:func:`~missionfinance.sweep.variants.order_variants`) and cut into chunks of
:data:`~missionfinance.sweep.variants.CHUNK`; a chunk goes to one worker, whose
:class:`~missionfinance.model.resolve.Resolver` (one per worker process, created by the
pool initializer, or per dask worker thread on first use) solves it in order: the first
variant from the base scenario's optimal basis, each next one by updating the loaded
HiGHS model in place (changed costs, bounds, row bounds, matrix values) and re-running a
warm simplex; a variant whose model structure differs is built afresh. Because each
chunk starts from the same state wherever it runs, the table is the same for 1 worker, a
process pool or a dask cluster, and it is reported in the input order. Where the LP has
ties, a re-solved variant may show another optimal allocation (another binding set) than
a lone ``missionfinance run``; its objective is the same to the solver's tolerance.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from missionfinance.errors import MissionFinanceError
from missionfinance.model import AllocationProblem
from missionfinance.model.resolve import Resolver, outcome_row
from missionfinance.sweep.result import SweepResult
from missionfinance.sweep.variants import (
    CHUNK,
    Change,
    Variant,
    apply_changes,
    apply_pipeline_changes,
    plan_chunks,
)

if TYPE_CHECKING:  # the scenario stage composes the sweep; its type is named, not imported
    from missionfinance.scenario import Scenario


@dataclass
class _Base:
    """What every worker needs once: the base scenario and its tagged pipeline.

    ``pipelines`` keeps the last few changed pipelines by their changes, so variants that
    scale a pipeline column alike share one frame (and the Resolver's cached ``prepare``).
    """

    scenario: Scenario
    pipeline: pd.DataFrame
    contributions: pd.DataFrame
    pipelines: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)
    outcomes: dict[str, tuple[Any, Any, Any]] = field(default_factory=dict, repr=False)
    #: Solve every variant from scratch, as ``missionfinance run`` does (no warm re-solve).
    exact: bool = False

    def changed_pipeline(self, changes: Sequence[Change]) -> pd.DataFrame:
        """The base pipeline with ``changes`` applied (memoised: at most 16 kept)."""
        key = repr(list(changes))
        with _PIPELINES_LOCK:  # dask workers may run several threads on one base
            frame = self.pipelines.get(key)
            if frame is None:
                frame = apply_pipeline_changes(self.pipeline, changes, "--vary")
                while len(self.pipelines) >= 16:
                    self.pipelines.pop(next(iter(self.pipelines)))
                self.pipelines[key] = frame
            return frame


_PIPELINES_LOCK = threading.Lock()


def _prepare(scenario: Scenario) -> _Base:
    pipeline = scenario.read_pipeline()
    return _Base(scenario, pipeline, scenario.contributions(pipeline))


def _retags(changes: Iterable[Change]) -> bool:
    return any(k.startswith("inputs.") or k == "scenario.attribution" for k, _, _ in changes)


def variant_problem(base: _Base, variant: Variant) -> AllocationProblem:
    """The allocation problem of one variant (re-tagging only when an input changes)."""
    scenario, pipeline, contributions = _variant_inputs(base, variant)
    return scenario.problem(pipeline, contributions)


def _variant_inputs(base: _Base, variant: Variant) -> tuple[Scenario, pd.DataFrame, pd.DataFrame]:
    """The scenario, pipeline and contributions of one variant."""
    config, pipe_changes = apply_changes(base.scenario.config, variant.changes)
    scenario = type(base.scenario).from_dict(config, base.scenario.path)
    if _retags(variant.changes):
        prepared = _prepare(scenario)
        pipeline, contributions = prepared.pipeline, prepared.contributions
        if pipe_changes:
            pipeline = apply_pipeline_changes(pipeline, pipe_changes, "--vary")
    else:
        contributions = base.contributions
        pipeline = base.changed_pipeline(pipe_changes) if pipe_changes else base.pipeline
    return scenario, pipeline, contributions


def milestone_outcomes(scenario: Scenario, pipeline: pd.DataFrame, allocation: pd.DataFrame,
                       base: _Base | None = None) -> dict[str, float]:
    """Milestone → projected outcome at its deadline, in the milestone's unit.

    The ``projected`` figure of a run's "Missions on track" table (BAU plus the
    allocation's contribution, :mod:`missionfinance.outcomes.trajectory`, with the same
    functions) for every tracked milestone; empty when the scenario has no ``[outcomes]``
    table. With ``base``, the outcome arrays and the pipeline's figures are kept there
    for the next variant with the same ``[outcomes]`` table and pipeline.
    """
    if scenario.outcomes is None:
        return {}
    from missionfinance.outcomes.trajectory import deterministic_contribution

    arrays, empty = _outcome_inputs(scenario, pipeline, base)
    P, H = len(arrays.project_ids), len(arrays.horizon)
    p = pd.Index(arrays.project_ids).get_indexer(allocation["project_id"].astype(str))
    t = pd.Index(list(arrays.horizon)).get_indexer(allocation["year"].astype(str))
    i = pd.Index(list(empty.instruments)).get_indexer(allocation["instrument"].astype(str))
    if len(allocation) and (p.min() < 0 or t.min() < 0 or i.min() < 0):
        raise MissionFinanceError("milestone outcomes: an allocation row names a project, "
                                  "year or instrument the scenario does not have")
    cash = np.zeros((P, H))
    private = np.zeros((P, len(empty.instruments), H))
    is_cash = np.isin(np.asarray(empty.instruments, dtype=object)[i], list(_cash(scenario)))
    np.add.at(cash, (p, t), np.where(is_cash, allocation["public"].to_numpy(np.float64), 0.0))
    np.add.at(private, (p, i, t), allocation["private"].to_numpy(np.float64))
    contrib = deterministic_contribution(arrays, replace(empty, cash=cash, private=private))
    out: dict[str, float] = {}
    for k, m in enumerate(arrays.milestones):
        at = arrays.deadline_index(k)
        out[m.id] = float(arrays.bau[k, at] + contrib[k, at])
    return out


def _cash(scenario: Scenario) -> set[str]:
    from missionfinance.outcomes.trajectory import cash_instruments

    return cash_instruments(scenario.instruments)


def _outcome_inputs(scenario: Scenario, pipeline: pd.DataFrame, base: _Base | None
                    ) -> tuple[Any, Any]:
    """(OutcomeArrays, AllocationInputs of no allocation) of a scenario and pipeline.

    Kept in ``base`` (at most 8) by the scenario's ``[outcomes]`` table, years and
    instruments and the pipeline frame itself, so variants that change only numbers
    elsewhere share them.
    """
    from missionfinance.outcomes.trajectory import allocation_inputs, outcome_arrays

    options = scenario.outcomes
    assert options is not None
    key = repr((scenario.config.get("outcomes"), scenario.years, list(scenario.instruments),
                id(pipeline)))
    if base is not None:
        with _PIPELINES_LOCK:
            hit = base.outcomes.get(key)
        if hit is not None and hit[0] is pipeline:
            return hit[1], hit[2]
    arrays = outcome_arrays(options, pipeline["project_id"], scenario.years)
    nothing = pd.DataFrame({c: [] for c in ("project_id", "instrument", "year", "public",
                                            "private")})
    empty = allocation_inputs(nothing, pipeline, arrays.project_ids, scenario.years,
                              scenario.instruments)
    if base is not None:
        with _PIPELINES_LOCK:
            while len(base.outcomes) >= 8:
                base.outcomes.pop(next(iter(base.outcomes)))
            base.outcomes[key] = (pipeline, arrays, empty)
    return arrays, empty


def check_variants(base: _Base, variants: Sequence[Variant]) -> None:
    """Raise on the first change that is invalid on its own, before anything is solved.

    Each distinct change (key, operator, value) is applied alone to the base scenario,
    which is then validated as a scenario file and as a model's values (a misspelt key, a
    table that does not exist, a negative budget, a weight for no mission). Only what
    depends on the combination of changes (an infeasible variant) is left to the solve.

    Raises
    ------
    MissionFinanceError
        ``--vary KEY=VALUE: <what is wrong>; <how to write it>``.
    """
    from missionfinance.model.problem import check_values

    seen: set[str] = set()
    for variant in variants:
        for change in variant.changes:
            key, op, value = change
            token = repr(change)
            if token in seen:
                continue
            seen.add(token)
            try:
                check_values(variant_problem(base, Variant("check", (change,))))
            except MissionFinanceError as exc:
                shown = f"{key}{'*' if op == '*' else ''}={value}"
                raise MissionFinanceError(
                    f"--vary {shown} (variant {variant.name!r}): {exc}; keys are dotted paths "
                    "of the scenario file such as budget.CDEL.2027-28=1200 or budget.CDEL*=0.9, "
                    "or pipeline.<column>*=0.5 (see 'missionfinance sweep --help')") from None


def solve_variant(base: _Base, variant: Variant, resolver: Resolver | None = None) -> dict[str, Any]:
    """Solve one variant against prepared base data; never raises (errors are reported).

    With a ``resolver`` the variant is solved by re-solving its loaded HiGHS model in
    place when only numbers changed (:mod:`missionfinance.model.resolve`); without one,
    from scratch.
    """
    row: dict[str, Any] = {"variant": variant.name, **variant.labels}
    try:
        scenario, pipeline, contributions = _variant_inputs(base, variant)
        problem = scenario.problem(pipeline, contributions)
        tracked = scenario.outcomes is not None
        outcome = (resolver or Resolver()).outcome(problem, allocation=tracked)
        row.update(outcome_row(outcome))
        if outcome.ok and outcome.allocation is not None:
            for m, v in milestone_outcomes(scenario, pipeline, outcome.allocation,
                                           base).items():
                row[f"milestone.{m}"] = v
    except MissionFinanceError as exc:
        row.update({"status": "error", "error": str(exc)})
    except Exception as exc:  # a failed variant must not stop the sweep
        row.update({"status": "error", "error": f"{type(exc).__name__}: {exc}"})
    return row


def solve_chunk(base: _Base, variants: Sequence[Variant],
                resolver: Resolver | None = None) -> list[dict[str, Any]]:
    """Solve a chunk of variants in order on one Resolver.

    The Resolver is reset first and seeded with the base scenario's optimal basis (solved
    once per Resolver and base), so the chunk's first variant starts from that basis and
    the others from their predecessor. Every variant's answer thus depends only on its
    chunk, not on which worker ran it or what that worker solved before: serial,
    process-pool and dask sweeps give the same table.
    """
    if base.exact:  # each variant built and solved as ``solve`` does: a lone run's answer
        cold = Resolver(warm=False)
        return [solve_variant(base, v, cold) for v in variants]
    resolver = resolver if resolver is not None else _local_resolver()
    resolver.reset()
    if resolver.seeded_for is not base:
        resolver.clear_seeds()
        try:
            resolver.seed(variant_problem(base, Variant("base")))
        except Exception:  # an unsolvable base only means unseeded chunks
            pass
        resolver.seeded_for = base
    return [solve_variant(base, v, resolver) for v in variants]


_WORKER = threading.local()


def _local_resolver() -> Resolver:
    """The Resolver of this worker thread (one per worker process in a pool or on dask)."""
    resolver = getattr(_WORKER, "resolver", None)
    if resolver is None:
        resolver = _WORKER.resolver = Resolver()
    return resolver


def _init_worker(base: _Base) -> None:
    _WORKER.base = base
    _WORKER.resolver = Resolver()


def _chunk_in_worker(variants: Sequence[Variant]) -> list[dict[str, Any]]:
    base = getattr(_WORKER, "base", None)
    assert base is not None, "worker not initialised"
    return solve_chunk(base, variants)


def _error_row(variant: Variant, exc: BaseException) -> dict[str, Any]:
    return {"variant": variant.name, **variant.labels, "status": "error",
            "error": f"{type(exc).__name__}: {exc}"}


def run_sweep(
    scenario: Scenario,
    variants: Sequence[Variant],
    *,
    workers: int | None = None,
    client: Any = None,
    scheduler: str | None = None,
    progress: bool = False,
    chunk: int = CHUNK,
    check: bool = False,
    exact: bool = False,
) -> SweepResult:
    """Solve every variant of ``scenario`` and return the comparison.

    Variants are solved in an order that keeps consecutive ones close
    (:func:`order_variants`), in chunks of ``chunk`` variants; each chunk starts with a
    cold solve and re-solves the rest in place, warm-started
    (:class:`missionfinance.model.resolve.Resolver`). The table is in the input order and
    does not depend on ``workers``, ``client`` or ``scheduler``.

    Parameters
    ----------
    scenario : Scenario
        The base scenario.
    variants : sequence of Variant
        From :func:`product` or :func:`read_variants`.
    workers : int, optional
        Local worker processes (default: the machine's cores; 1 runs in this process).
    client : dask.distributed.Client, optional
        Run on this dask cluster instead of locally.
    scheduler : str, optional
        Address of a dask scheduler to connect to (``tcp://host:8786``).
    progress : bool
        Show a progress bar (tqdm).
    chunk : int
        Variants per chunk (default :data:`CHUNK`).
    check : bool
        Validate every change on its own first (:func:`check_variants`) and raise on an
        invalid key or value before solving anything; by default such a variant is
        reported in the table with its error and the others are solved.
    exact : bool
        Solve every variant from scratch exactly as ``missionfinance run`` does, so that
        every figure (budget used per control and year, milestone outcomes, binding
        limits) is the one a lone run of the variant reports, also where the LP has ties;
        slower. By default variants are re-solved in place, which gives the same
        objective but, where several allocations are equally good, may pick another one.
    """
    names = [v.name for v in variants]
    if len(set(names)) != len(names):
        dup = next(n for n in names if names.count(n) > 1)
        raise MissionFinanceError(f"variants: name {dup!r} is used twice; name each variant once")
    t0 = time.perf_counter()
    base = _prepare(scenario)
    base.exact = exact
    if check:
        check_variants(base, variants)
    t1 = time.perf_counter()
    chunks = plan_chunks(variants, chunk)
    jobs = [[variants[k] for k in c] for c in chunks]
    bar = _progress(len(variants)) if progress else None
    results: list[list[dict[str, Any]]]
    try:
        if client is not None or scheduler is not None:
            results = _run_dask(base, jobs, client, scheduler, bar)
        else:
            n = workers if workers is not None else (os.cpu_count() or 1)
            n = max(1, min(n, len(jobs)))
            results = _run_local(base, jobs, n, bar)
    finally:
        if bar is not None:
            bar.close()
    rows: list[dict[str, Any]] = [{} for _ in variants]
    for positions, got in zip(chunks, results, strict=True):
        for k, row in zip(positions, got, strict=True):
            rows[k] = row
    seconds = {"prepare": t1 - t0, "solve": time.perf_counter() - t1}
    base_row = solve_variant(base, Variant("base"), Resolver())  # the reference, solved alone
    return SweepResult(scenario, list(variants), _table(rows, variants, scenario.missions.ids),
                       extra={"seconds": seconds, "chunks": len(chunks)}, base=base_row,
                       exact=exact)


def _run_local(base: _Base, jobs: list[list[Variant]], n: int, bar: Any
               ) -> list[list[dict[str, Any]]]:
    """Chunks on this process (n = 1) or a process pool whose workers hold the base data."""
    if n == 1:
        resolver = Resolver()
        out = []
        for job in jobs:
            out.append(solve_chunk(base, job, resolver))
            if bar is not None:
                bar.update(len(job))
        return out
    results: list[list[dict[str, Any]] | None] = [None] * len(jobs)
    with ProcessPoolExecutor(max_workers=n, initializer=_init_worker, initargs=(base,)) as pool:
        futures = {pool.submit(_chunk_in_worker, job): k for k, job in enumerate(jobs)}
        for fut in as_completed(futures):
            k = futures[fut]
            try:
                results[k] = fut.result()
            except Exception as exc:  # a dead worker fails its chunk, not the sweep
                results[k] = [_error_row(v, exc) for v in jobs[k]]
            if bar is not None:
                bar.update(len(jobs[k]))
    return [r if r is not None else [] for r in results]


def _progress(total: int) -> Any:
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="variants", unit="variant")


def _run_dask(
    base: _Base, jobs: list[list[Variant]], client: Any, scheduler: str | None, bar: Any
) -> list[list[dict[str, Any]]]:
    from dask.distributed import Client
    from dask.distributed import as_completed as dask_completed

    own = client is None
    if own:
        try:
            client = Client(scheduler, timeout="10s")
        except (OSError, ValueError, TypeError) as exc:  # unreachable, or not an address
            raise MissionFinanceError(
                f"--scheduler {scheduler!r}: cannot reach the dask scheduler ({exc}); check the address"
            ) from None
    try:
        base_future = client.scatter(base, broadcast=True, hash=False)
        futures = [client.submit(solve_chunk, base_future, job, pure=False) for job in jobs]
        index = {f.key: k for k, f in enumerate(futures)}
        results: list[list[dict[str, Any]] | None] = [None] * len(futures)
        for fut in dask_completed(futures):
            k = index[fut.key]
            try:
                results[k] = fut.result()
            except Exception as exc:  # a lost worker fails its chunk, not the sweep
                results[k] = [_error_row(v, exc) for v in jobs[k]]
            if bar is not None:
                bar.update(len(jobs[k]))
        return [r if r is not None else [] for r in results]
    finally:
        if own:
            client.close()


_METRICS = ["status", "objective", "public_total", "private_total", "leverage",
            "guarantee_total", "additional_private_total", "economic_cost"]


def _table(rows: list[dict[str, Any]], variants: Sequence[Variant], missions: Sequence[str]) -> pd.DataFrame:
    keys: list[str] = []
    for v in variants:
        for k in v.labels:
            if k not in keys:
                keys.append(k)
    frame = pd.DataFrame(rows)
    for col in ["variant", *keys, *_METRICS, "binding", "error"]:
        if col not in frame.columns:
            frame[col] = np.nan if col in _METRICS[1:] else ""
    value_cols = [f"value.{m}" for m in missions]
    for col in value_cols:
        if col not in frame.columns:
            frame[col] = np.nan
    # budget used per control (total, then by year) and milestone outcomes, as first seen
    seen: dict[str, None] = {}
    for row in rows:
        seen.update((k, None) for k in row if k.startswith(("control.", "milestone.")))
    control_cols = [c for c in seen if c.startswith("control.")]
    milestone_cols = [c for c in seen if c.startswith("milestone.")]
    frame["binding"] = frame["binding"].fillna("")
    frame["error"] = frame["error"].fillna("")
    columns = ["variant", *keys, *_METRICS, *value_cols, *control_cols, *milestone_cols,
               "binding", "error"]
    return frame[columns].reset_index(drop=True)
