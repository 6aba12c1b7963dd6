"""Spending-review sweeps: many variants of one scenario, solved in parallel and compared.

A *variant* is a list of changes to the scenario file, each addressed by a dotted
key exactly as the TOML nests it:

- ``budget.CDEL.2027-28=1200`` sets a value (numbers, ``true``/``false`` and text are
  read as TOML would read them);
- ``budget.CDEL*=0.9`` scales a number, or every number in a table, by a factor;
- ``pipeline.leverage_equity*=0.5`` scales a pipeline column for every project, and
  ``pipeline.additionality=0.67`` sets it (keys under ``pipeline.`` address columns of
  the pipeline frame, not the TOML).

From the command line, ``--vary KEY=V1,V2,...`` (or ``KEY*=F1,F2``) may be repeated and
gives the Cartesian product of its values; ``--variants FILE`` reads named variants
from a CSV (a ``variant`` column, then one column per key) or a TOML file
(``[[variant]] name = "..."`` with a ``set`` table of key = value).

Variants that only change numbers reuse the base scenario's tagging and pipeline; a
variant that changes ``inputs.*`` or ``scenario.attribution`` re-reads and re-tags.
Each worker process receives the base data once (a process-pool initializer locally;
``Client.scatter(..., broadcast=True)`` on dask), never once per variant. A variant
that fails is reported with its error and does not stop the others.

Solving. Variants are put in an order that keeps consecutive ones close
(:func:`order_variants`) and cut into chunks of :data:`CHUNK`; a chunk goes to one
worker, whose :class:`~missionfinance.model.resolve.Resolver` (one per worker process,
created by the pool initializer, or per dask worker thread on first use) solves it in
order: the first variant from the base scenario's optimal basis, each next one by
updating the loaded HiGHS model in place (changed costs, bounds, row bounds, matrix
values) and re-running a warm simplex; a variant whose model structure differs is
built afresh. Because each chunk starts from the same state wherever it runs, the
table is the same for 1 worker, a process pool or a dask cluster, and it is reported
in the input order. Where the LP has ties, a re-solved variant may show another optimal
allocation (another binding set) than a lone ``missionfinance run``; its objective is
the same to the solver's tolerance.

Outputs of :meth:`SweepResult.write` (one folder, written atomically):
``variants.csv`` (one row per variant: a column per varied key named exactly as the
key, then ``status``, ``objective``, ``public_total``, ``private_total``, ``leverage``,
``value.<mission>`` per mission, ``binding`` and ``error``), ``frontier.csv``,
``comparison.svg`` and ``manifest.json``. ``missionfinance sweep`` writes the folder even
when some variants fail, lists each failed variant with its error or conflict, and exits 1
when any variant is not optimal (0 when all are; 2 for bad input to the whole sweep).
"""

from __future__ import annotations

import copy
import html
import itertools
import os
import threading
import time
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from missionfinance.errors import MissionFinanceError
from missionfinance.model.resolve import Resolver, outcome_row

#: Variants per chunk. A chunk is solved in order by one Resolver from a cold start, so a
#: variant's answer depends only on the variant list and this size, never on the workers.
CHUNK = 20

#: A change: (key, operator, value) with operator "=" (set) or "*" (scale).
Change = tuple[str, str, Any]


@dataclass(frozen=True)
class Variant:
    """One named variant: the changes it makes to the base scenario."""

    name: str
    changes: tuple[Change, ...] = ()

    @property
    def labels(self) -> dict[str, Any]:
        """Column name → value, as ``variants.csv`` shows it (``KEY`` or ``KEY*``)."""
        return {(k if op == "=" else f"{k}*"): v for k, op, v in self.changes}


# ----------------------------------------------------------------------------- parsing
def _parse_value(text: str) -> Any:
    """Read one value as TOML would (number, bool, quoted or bare text)."""
    text = text.strip()
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def parse_vary(spec: str) -> tuple[str, str, list[Any]]:
    """Parse ``KEY=V1,V2`` or ``KEY*=F1,F2`` into (key, operator, values).

    Examples
    --------
    >>> parse_vary("budget.CDEL.2027-28=1200,1300")
    ('budget.CDEL.2027-28', '=', [1200, 1300])
    >>> parse_vary("pipeline.leverage_equity*=0.5,1")
    ('pipeline.leverage_equity', '*', [0.5, 1])
    >>> parse_vary("budget.CDEL")
    Traceback (most recent call last):
    ...
    missionfinance.errors.MissionFinanceError: --vary 'budget.CDEL': missing '='; write KEY=V1,V2 or KEY*=F1,F2
    """
    if "=" not in spec:
        raise MissionFinanceError(f"--vary {spec!r}: missing '='; write KEY=V1,V2 or KEY*=F1,F2")
    key, _, values = spec.partition("=")
    op = "="
    if key.endswith("*"):
        key, op = key[:-1], "*"
    key = key.strip()
    if not key:
        raise MissionFinanceError(f"--vary {spec!r}: empty key; write KEY=V1,V2")
    parsed = [_parse_value(v) for v in values.split(",") if v.strip() != ""]
    if not parsed:
        raise MissionFinanceError(f"--vary {spec!r}: no values after '='; write KEY=V1,V2")
    if op == "*" and not all(_is_number(v) for v in parsed):
        raise MissionFinanceError(f"--vary {spec!r}: a scaling needs numeric factors")
    return key, op, parsed


def product(varies: Sequence[str | tuple[str, str, Sequence[Any]]]) -> list[Variant]:
    """The Cartesian product of several ``--vary`` specifications, as named variants."""
    axes = [parse_vary(v) if isinstance(v, str) else (v[0], v[1], list(v[2])) for v in varies]
    if not axes:
        return [Variant("base")]
    keys = [(k, op) for k, op, _ in axes]
    if len(set(keys)) != len(keys):
        raise MissionFinanceError("--vary: the same key is varied twice; give each key once")
    out = []
    for combo in itertools.product(*[vals for _, _, vals in axes]):
        changes = tuple((k, op, v) for (k, op), v in zip(keys, combo, strict=True))
        name = ", ".join(f"{k}{'*' if op == '*' else ''}={v}" for k, op, v in changes)
        out.append(Variant(name, changes))
    return out


def read_variants(path: str | Path) -> list[Variant]:
    """Named variants from a CSV (``variant`` column + one column per key) or a TOML file."""
    p = Path(path)
    if not p.is_file():
        raise MissionFinanceError(f"{p.name}: variants file not found; give an existing CSV or TOML path")
    if p.suffix.lower() == ".toml":
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise MissionFinanceError(f"{p.name}: invalid TOML ({exc}); fix the syntax") from None
        out = []
        for k, table in enumerate(data.get("variant", []), start=1):
            bad = set(table) - {"name", "set", "scale"}
            if bad or "name" not in table:
                raise MissionFinanceError(
                    f"{p.name} variant {k}: needs name and set/scale tables, found {sorted(table)}"
                )
            changes = [(key, "=", v) for key, v in _flatten(table.get("set", {}))]
            changes += [(key, "*", v) for key, v in _flatten(table.get("scale", {}))]
            out.append(Variant(str(table["name"]), tuple(changes)))
        if not out:
            raise MissionFinanceError(f"{p.name}: no [[variant]] table; add at least one")
        return out
    frame = pd.read_csv(p, dtype=str, keep_default_na=False)
    if "variant" not in frame.columns:
        raise MissionFinanceError(f"{p.name}: missing column 'variant'; name each variant in it")
    keys = [c for c in frame.columns if c != "variant"]
    out = []
    for row_no, row in enumerate(frame.itertuples(index=False), start=1):
        values = dict(zip(frame.columns, row, strict=True))
        row_changes: list[Change] = [
            (k.rstrip("*"), "*" if k.endswith("*") else "=", _parse_value(values[k]))
            for k in keys
            if values[k] != ""
        ]
        if not values["variant"]:
            raise MissionFinanceError(f"{p.name} row {row_no}, column variant: empty; name the variant")
        out.append(Variant(values["variant"], tuple(row_changes)))
    return out


def _flatten(table: Mapping[str, Any], prefix: str = "") -> Iterable[tuple[str, Any]]:
    for k, v in table.items():
        key = f"{prefix}{k}"
        if isinstance(v, Mapping):
            yield from _flatten(v, key + ".")
        else:
            yield key, v


def _is_number(v: object) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


# ----------------------------------------------------------------------------- applying
def apply_changes(
    config: Mapping[str, Any], changes: Iterable[Change], context: str = "--vary"
) -> tuple[dict[str, Any], list[Change]]:
    """Apply changes to a parsed scenario; return the new config and the pipeline changes.

    Keys must address existing tables (a new leaf value may be added, e.g. a budget year),
    so a misspelt key is an error rather than a silent no-op.
    """
    new = copy.deepcopy(dict(config))
    pipeline_changes: list[Change] = []
    for key, op, value in changes:
        if key.startswith("pipeline."):
            pipeline_changes.append((key.removeprefix("pipeline."), op, value))
            continue
        parts = key.split(".")
        node: Any = new
        for depth, part in enumerate(parts[:-1]):
            if not isinstance(node, dict) or part not in node:
                where_ = ".".join(parts[: depth + 1])
                raise MissionFinanceError(
                    f"{context} key {key}: the scenario has no table {where_!r}; check the key's spelling"
                )
            node = node[part]
        leaf = parts[-1]
        if not isinstance(node, dict):
            raise MissionFinanceError(f"{context} key {key}: {'.'.join(parts[:-1])!r} is not a table")
        if op == "=":
            node[leaf] = value
        else:
            if leaf not in node:
                raise MissionFinanceError(f"{context} key {key}: nothing to scale; the scenario has no such key")
            node[leaf] = _scale(node[leaf], float(value), f"{context} key {key}")
    return new, pipeline_changes


def _scale(obj: Any, factor: float, context: str) -> Any:
    if _is_number(obj):
        return obj * factor
    if isinstance(obj, dict):
        return {k: _scale(v, factor, context) for k, v in obj.items()}
    raise MissionFinanceError(f"{context}: {obj!r} is not a number or a table of numbers; cannot scale it")


def apply_pipeline_changes(pipeline: pd.DataFrame, changes: Iterable[Change], context: str) -> pd.DataFrame:
    """Set or scale pipeline columns for every project (a new frame; the input is untouched)."""
    out = pipeline.copy()
    for column, op, value in changes:
        if column not in out.columns:
            raise MissionFinanceError(
                f"{context} key pipeline.{column}: the pipeline has no column {column!r}"
            )
        if op == "*":
            out[column] = out[column].astype(float) * float(value)
        else:
            out[column] = value
    return out


# ----------------------------------------------------------------------------- running
@dataclass
class _Base:
    """What every worker needs once: the base scenario and its tagged pipeline.

    ``pipelines`` keeps the last few changed pipelines by their changes, so variants that
    scale a pipeline column alike share one frame (and the Resolver's cached ``prepare``).
    """

    scenario: Any
    pipeline: pd.DataFrame
    contributions: pd.DataFrame
    pipelines: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)

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


def _prepare(scenario: Any) -> _Base:
    from missionfinance.scenario import pipeline_as_lines
    from missionfinance.tagging import tag

    pipeline = scenario.read_pipeline()
    tags = tag(pipeline_as_lines(pipeline), scenario.load_rules(), attribution=scenario.attribution)
    contributions = tags.contributions(ids=pipeline["project_id"])
    contributions.index.name = "project_id"
    return _Base(scenario, pipeline, contributions)


def _retags(changes: Iterable[Change]) -> bool:
    return any(k.startswith("inputs.") or k == "scenario.attribution" for k, _, _ in changes)


def variant_problem(base: _Base, variant: Variant) -> Any:
    """The allocation problem of one variant (re-tagging only when an input changes)."""
    from missionfinance.scenario import Scenario

    config, pipe_changes = apply_changes(base.scenario.config, variant.changes)
    scenario = Scenario.from_dict(config, base.scenario.path)
    if _retags(variant.changes):
        prepared = _prepare(scenario)
        pipeline, contributions = prepared.pipeline, prepared.contributions
        if pipe_changes:
            pipeline = apply_pipeline_changes(pipeline, pipe_changes, "--vary")
    else:
        contributions = base.contributions
        pipeline = base.changed_pipeline(pipe_changes) if pipe_changes else base.pipeline
    return scenario.problem(pipeline, contributions)


def solve_variant(base: _Base, variant: Variant, resolver: Resolver | None = None) -> dict[str, Any]:
    """Solve one variant against prepared base data; never raises (errors are reported).

    With a ``resolver`` the variant is solved by re-solving its loaded HiGHS model in
    place when only numbers changed (:mod:`missionfinance.model.resolve`); without one,
    from scratch.
    """
    row: dict[str, Any] = {"variant": variant.name, **variant.labels}
    try:
        problem = variant_problem(base, variant)
        outcome = (resolver or Resolver()).outcome(problem)
        row.update(outcome_row(outcome))
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
    """This worker thread's Resolver (one per worker process in a pool or on dask)."""
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


#: Key prefixes whose changes may change the model's rows or columns (not only numbers).
STRUCTURAL: tuple[str, ...] = ("inputs.", "scenario.", "instruments.", "constraints.", "risk.",
                               "leverage_segments.", "integer.", "solver.", "objective.kind",
                               "pipeline.start_year", "pipeline.end_year",
                               "pipeline.instruments")


def order_variants(variants: Sequence[Variant]) -> list[int]:
    """An order of the variants in which consecutive ones are close (greedy nearest neighbour).

    Each variant is a point with one coordinate per varied key: numbers scaled by the
    key's range, text one-hot; keys that may change the model's structure (see
    :data:`STRUCTURAL`) weigh ten times more, so variants of one structure stay together.
    Starts at the first variant; deterministic.

    Examples
    --------
    >>> vs = product(["budget.CDEL=100,300,200"])
    >>> [vs[k].changes[0][2] for k in order_variants(vs)]
    [100, 200, 300]
    """
    n = len(variants)
    keys = sorted({(k, op) for v in variants for k, op, _ in v.changes})
    if n <= 2 or not keys or n > 20_000:
        return list(range(n))
    columns: list[np.ndarray] = []
    for key in keys:
        vals = [next((x for k, op, x in v.changes if (k, op) == key), None) for v in variants]
        weight = 10.0 if key[0].startswith(STRUCTURAL) else 1.0
        if all(v is None or _is_number(v) for v in vals):
            arr = np.array([np.nan if v is None else float(v) for v in vals])
            span = np.nanmax(arr) - np.nanmin(arr) if np.isfinite(arr).any() else 0.0
            arr = (arr - np.nanmin(arr)) / span if span > 0 else np.zeros(n)
            columns.append(weight * np.nan_to_num(arr, nan=-1.0))
        else:
            codes = {c: j for j, c in enumerate(sorted({repr(v) for v in vals}))}
            onehot = np.zeros((n, len(codes)))
            onehot[np.arange(n), [codes[repr(v)] for v in vals]] = weight
            columns.extend(onehot.T)
    points = np.column_stack(columns)
    left = np.ones(n, dtype=bool)
    order = [0]
    left[0] = False
    for _ in range(n - 1):
        dist = np.abs(points - points[order[-1]]).sum(axis=1)
        dist[~left] = np.inf
        nxt = int(np.argmin(dist))
        order.append(nxt)
        left[nxt] = False
    return order


def plan_chunks(variants: Sequence[Variant], chunk: int = CHUNK) -> list[list[int]]:
    """Variant positions in solving order, cut into chunks of ``chunk`` (see :func:`solve_chunk`)."""
    order = order_variants(variants)
    size = max(1, int(chunk))
    return [order[k:k + size] for k in range(0, len(order), size)]


def run_sweep(
    scenario: Any,
    variants: Sequence[Variant],
    *,
    workers: int | None = None,
    client: Any = None,
    scheduler: str | None = None,
    progress: bool = False,
    chunk: int = CHUNK,
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
    """
    names = [v.name for v in variants]
    if len(set(names)) != len(names):
        dup = next(n for n in names if names.count(n) > 1)
        raise MissionFinanceError(f"variants: name {dup!r} is used twice; name each variant once")
    t0 = time.perf_counter()
    base = _prepare(scenario)
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
    return SweepResult(scenario, list(variants), _table(rows, variants, scenario.missions.ids),
                       extra={"seconds": seconds, "chunks": len(chunks)})


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
        except OSError as exc:
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


_METRICS = ["status", "objective", "public_total", "private_total", "leverage"]


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
    frame["binding"] = frame["binding"].fillna("")
    frame["error"] = frame["error"].fillna("")
    return frame[["variant", *keys, *_METRICS, *value_cols, "binding", "error"]].reset_index(drop=True)


# ----------------------------------------------------------------------------- results
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


@dataclass
class SweepResult:
    """The comparison of a sweep: ``table`` has one row per variant (``variants.csv``)."""

    scenario: Any
    variants: list[Variant]
    table: pd.DataFrame
    frontier_axes: tuple[str, str] = ("public_total", "private_total")
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> pd.DataFrame:
        """Variants that did not solve to optimality, with their error or conflict."""
        return self.table[self.table["status"] != "optimal"]

    def frontier(self, x: str | None = None, y: str | None = None, *,
                 minimise_x: bool = True, maximise_y: bool = True) -> pd.DataFrame:
        """The efficient frontier of the variants in (x, y); see :func:`efficient_frontier`.

        The default axes are public money against private money mobilised. Mission A
        against mission B, from a sweep of their weights: ``frontier("value.health",
        "value.growth", minimise_x=False)`` (both more is better); ``value.<m>`` includes
        the weight w_m, so divide by the varied weight first to compare money.
        """
        fx, fy = x or self.frontier_axes[0], y or self.frontier_axes[1]
        return efficient_frontier(self.table, fx, fy, minimise_x=minimise_x,
                                  maximise_y=maximise_y)

    def render(self) -> dict[str, bytes]:
        """The sweep's output files as bytes: variants.csv, frontier.csv, comparison.svg,
        manifest.json (deterministic: same variants and inputs → same bytes)."""
        from missionfinance.report.formats import csv_bytes, json_bytes
        from missionfinance.report.manifest import file_record, package_versions, sha256_bytes

        files: dict[str, bytes] = {
            "variants.csv": csv_bytes(self.table, sort=False),
            "frontier.csv": csv_bytes(self.frontier(), sort=False),
        }
        try:
            from missionfinance.plot import sweep_comparison
            from missionfinance.report.charts import svg_bytes

            files["comparison.svg"] = svg_bytes(sweep_comparison(self.table, "objective"))
        except ImportError:  # matplotlib figures are optional for a sweep
            pass
        base = Path(self.scenario.path).parent
        manifest = {
            "manifest_version": 1,
            "kind": "sweep",
            "paths_relative_to": "the scenario's folder",
            "scenario": {"name": self.scenario.name, **file_record(self.scenario.path, base)},
            "variants": [
                {"name": v.name, "changes": [[k, op, v_] for k, op, v_ in v.changes]}
                for v in self.variants
            ],
            "frontier_axes": list(self.frontier_axes),
            "packages": package_versions(),
            "outputs": {n: {"sha256": sha256_bytes(b), "bytes": len(b)} for n, b in files.items()},
        }
        files["manifest.json"] = json_bytes(manifest)
        return files

    def write(self, out_dir: str | Path) -> Path:
        """Write ``variants.csv``, ``frontier.csv``, ``comparison.svg`` and ``manifest.json``
        into ``out_dir``, atomically."""
        return _write_files_atomic(self.render(), Path(out_dir))

    def plot(self, metric: str = "objective") -> Any:
        """A bar chart of one metric across variants (matplotlib Figure)."""
        from missionfinance.plot import sweep_comparison

        return sweep_comparison(self.table, metric)

    def __repr__(self) -> str:
        counts = self.table["status"].value_counts().to_dict()
        return f"SweepResult({self.scenario.name!r}, {len(self.table)} variants, {counts})"

    def _repr_html_(self) -> str:
        """Status counts, the first 20 variants and the errors of those that failed."""
        cols = [c for c in self.table.columns if c not in ("binding", "error")]
        head = "".join(f"<th>{html.escape(str(c))}</th>" for c in cols)

        def cell(v: Any) -> str:
            if isinstance(v, float):
                return "–" if v != v else f"{v:,.1f}"
            return str(v)

        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(cell(v))}</td>" for v in row) + "</tr>"
            for row in self.table[cols].head(20).itertuples(index=False)
        )
        more = f"<small>… {len(self.table) - 20} more</small>" if len(self.table) > 20 else ""
        counts = ", ".join(f"{n} {s}" for s, n in self.table["status"].value_counts().items())
        failed = self.failed
        errors = "".join(
            f"<li>{html.escape(str(r.variant))}: {html.escape(str(r.status))}: "
            f"{html.escape(str(r.error)[:200])}</li>"
            for r in failed.head(3).itertuples(index=False)
        )
        warn = (f"<p style='color:#b2182b'>{len(failed)} variant(s) did not solve:</p><ul>{errors}"
                + (f"<li>… {len(failed) - 3} more</li>" if len(failed) > 3 else "") + "</ul>"
                if len(failed) else "")
        return (f"<div><b>Sweep</b> of {html.escape(self.scenario.name)}: "
                f"{len(self.table)} variants ({html.escape(counts)})"
                f"<table><tr>{head}</tr>{body}</table>{more}{warn}</div>")


def _write_files_atomic(files: Mapping[str, bytes], out: Path) -> Path:
    """Write ``files`` into a hidden folder beside ``out``, then rename it into place."""
    import secrets
    import shutil

    from missionfinance.report import _swap_in

    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / "manifest.json").is_file())):
        raise MissionFinanceError(
            f"{out}: exists and is not a missionfinance output folder; choose a new --out folder"
        )
    parent = out.absolute().parent
    parent.mkdir(parents=True, exist_ok=True)
    token = f"{os.getpid()}-{secrets.token_hex(4)}"
    tmp = parent / f".{out.name}.tmp-{token}"
    tmp.mkdir()
    try:
        for name, data in files.items():
            (tmp / name).write_bytes(data)
        _swap_in(tmp, out.absolute(), parent / f".{out.name}.old-{token}")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def run_sweep_cli(args: Any, echo: Callable[[str], None] = print) -> int:
    """``missionfinance sweep``: build the variants, run them, write the folder.

    Returns the exit status: 0 when every variant is optimal; 1 when the sweep ran and
    wrote its folder but at least one variant is not optimal (infeasible, unbounded,
    time limit, or an error in that variant's values), each listed with its error or
    conflict; bad input for the whole sweep raises (exit 2 from the CLI).
    """
    from missionfinance.scenario import Scenario

    scenario = Scenario.load(args.scenario)
    variants = read_variants(args.variants) if args.variants else []
    if args.vary:
        variants += product(args.vary)
    if not variants:
        raise MissionFinanceError("sweep: no variants; give --vary KEY=V1,V2 or --variants FILE")
    result = run_sweep(scenario, variants, workers=args.workers, scheduler=args.scheduler,
                       progress=os.isatty(2))
    out = result.write(args.out)
    n_ok = int((result.table["status"] == "optimal").sum())
    echo(f"{scenario.name}: {n_ok} of {len(result.table)} variants optimal")
    for row in result.failed.itertuples(index=False):
        error = str(row.error)
        echo(f"  {row.variant}: " + (error if error.startswith(str(row.status)) else
                                     f"{row.status}: {error}"))
    echo(f"results written to {out}")
    return 0 if n_ok == len(result.table) else 1
