"""Sweep variants: parse ``--vary`` and variants files, apply changes, order and chunk.

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
"""

from __future__ import annotations

import copy
import itertools
import math
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from missionfinance._text import check_user_file, read_toml
from missionfinance.errors import MissionFinanceError
from missionfinance.io._files import read_table

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
    if op == "*" and not all(is_number(v) for v in parsed):
        raise MissionFinanceError(f"--vary {spec!r}: a scaling needs numeric factors")
    for v in parsed:
        _check_finite(v, f"--vary {spec!r}")
    return key, op, parsed


def _check_finite(value: object, context: str) -> None:
    """A number given for a variant must be finite (TOML reads ``nan`` and ``inf``)."""
    if isinstance(value, int | float) and not isinstance(value, bool) and not math.isfinite(value):
        raise MissionFinanceError(f"{context}: {value!r} is not a finite number; give finite values")


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
    p = check_user_file(path, "variants file")
    if p.suffix.lower() == ".toml":
        data = read_toml(p, "variants file")
        tables = data.get("variant", [])
        if not isinstance(tables, list) or not all(isinstance(t, Mapping) for t in tables):
            raise MissionFinanceError(f"{p.name} key variant: write each variant as a [[variant]] table")
        out = []
        for k, table in enumerate(tables, start=1):
            bad = set(table) - {"name", "set", "scale"}
            if bad or "name" not in table:
                raise MissionFinanceError(
                    f"{p.name} variant {k}: needs name and set/scale tables, found {sorted(table)}"
                )
            for part in ("set", "scale"):
                if not isinstance(table.get(part, {}), Mapping):
                    raise MissionFinanceError(f"{p.name} variant {k} key {part}: must be a table of key = value")
            changes = [(key, "=", v) for key, v in _flatten(table.get("set", {}))]
            changes += [(key, "*", v) for key, v in _flatten(table.get("scale", {}))]
            for key, _, v in changes:
                _check_finite(v, f"{p.name} variant {k} key {key}")
            out.append(Variant(str(table["name"]), tuple(changes)))
        if not out:
            raise MissionFinanceError(f"{p.name}: no [[variant]] table; add at least one")
        return out
    frame = read_table(p)
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
        for column, _, v in row_changes:
            _check_finite(v, f"{p.name} row {row_no}, column {column}")
        out.append(Variant(values["variant"], tuple(row_changes)))
    return out


def _flatten(table: Mapping[str, Any], prefix: str = "") -> Iterable[tuple[str, Any]]:
    for k, v in table.items():
        key = f"{prefix}{k}"
        if isinstance(v, Mapping):
            yield from _flatten(v, key + ".")
        else:
            yield key, v


def is_number(v: object) -> bool:
    """True for an int or float that is not a bool."""
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
    if is_number(obj):
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
        if all(v is None or is_number(v) for v in vals):
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
