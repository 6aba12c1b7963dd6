"""A linear programme held as named blocks of sparse rows, built from arrays.

:class:`LinearModel` is backend-neutral: variable groups (``x``, ``y``, …) with bounds,
costs and labels, and constraint blocks (one per family) with COO entries, row bounds
and row labels. :meth:`LinearModel.csc` assembles the whole constraint matrix once, as
numpy arrays (what HiGHS is handed); :meth:`LinearModel.matrix` gives the same matrix as
a SciPy sparse matrix for the matrix products after the solve. Both backends (highspy and
pyomo) read this one object, so they solve the same model.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # imported where a SciPy matrix is built: about 0.1 s, after the hand-over
    import scipy.sparse as sp

#: Row label columns every constraint block carries ("" where not applicable).
ROW_META: tuple[str, ...] = ("name", "family", "control", "year", "mission", "region", "project")


@dataclass(frozen=True)
class CscArrays:
    """A sparse matrix in compressed sparse column form, held as numpy arrays.

    The layout of SciPy's ``csc_matrix`` in canonical form: the row indices of column
    ``j`` are ``indices[indptr[j]:indptr[j + 1]]``, sorted and distinct, with their values
    in ``data`` at the same positions; no stored value is zero.
    """

    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray
    shape: tuple[int, int]

    @property
    def nnz(self) -> int:
        """Number of stored (non-zero) values."""
        return len(self.data)

    def column_of_entries(self) -> np.ndarray:
        """The column of each stored value (int64, aligned with ``data``)."""
        return np.repeat(np.arange(self.shape[1], dtype=np.int64), np.diff(self.indptr))


def _made(labels: object) -> object:
    """Labels as given to :meth:`LinearModel.add_constraints`: a callable is called."""
    return labels() if callable(labels) else labels


def _index_dtype(*sizes: int) -> type[np.signedinteger]:
    """int32 when every size fits (as SciPy chooses for its index arrays), else int64."""
    return np.int32 if max(sizes, default=0) <= np.iinfo(np.int32).max else np.int64


@dataclass
class VarGroup:
    """A contiguous group of columns: ``start`` … ``start + n``."""

    name: str
    start: int
    n: int
    labels: Callable[[], np.ndarray]

    @property
    def slice(self) -> slice:
        """Column positions of the group."""
        return slice(self.start, self.start + self.n)


@dataclass
class Block:
    """A contiguous group of rows of one constraint family."""

    family: str
    start: int
    n: int


@dataclass
class LinearModel:
    """Columns, rows and objective of one LP/MIP (sense ``"max"`` or ``"min"``)."""

    sense: str = "max"
    groups: dict[str, VarGroup] = field(default_factory=dict)
    blocks: list[Block] = field(default_factory=list)
    _lower: list[np.ndarray] = field(default_factory=list)
    _upper: list[np.ndarray] = field(default_factory=list)
    _cost: list[np.ndarray] = field(default_factory=list)
    _integer: list[np.ndarray] = field(default_factory=list)
    _rows: list[np.ndarray] = field(default_factory=list)
    _cols: list[np.ndarray] = field(default_factory=list)
    _vals: list[np.ndarray] = field(default_factory=list)
    _rlower: list[np.ndarray] = field(default_factory=list)
    _rupper: list[np.ndarray] = field(default_factory=list)
    _labels: list[tuple[str, int, dict[str, object]]] = field(default_factory=list)
    n_cols: int = 0
    n_rows: int = 0
    _cache: dict[str, object] = field(default_factory=dict)
    #: Group name → index arrays of its columns (e.g. project and year positions), for
    #: groups whose columns a result needs to place back (``private_by_year``).
    index: dict[str, tuple[np.ndarray, ...]] = field(default_factory=dict)

    def add_variables(self, name: str, lower: np.ndarray, upper: np.ndarray, cost: np.ndarray,
                      labels: Callable[[], np.ndarray], integer: bool = False) -> VarGroup:
        """Add a group of columns and return it (its ``start`` gives the column offset).

        ``labels`` is called only when names are needed (pyomo view, IIS), so that the
        fast path never builds a string per column.
        """
        self._cache.clear()
        n = len(lower)
        group = VarGroup(name, self.n_cols, n, labels)
        self.groups[name] = group
        self._lower.append(np.asarray(lower, dtype=np.float64))
        self._upper.append(np.asarray(upper, dtype=np.float64))
        self._cost.append(np.asarray(cost, dtype=np.float64))
        self._integer.append(np.full(n, 1 if integer else 0, dtype=np.int32))
        self.n_cols += n
        return group

    def add_constraints(self, family: str, rows: np.ndarray, cols: np.ndarray, vals: np.ndarray,
                        lower: np.ndarray, upper: np.ndarray, meta: Mapping[str, object]) -> Block:
        """Add a block of rows; ``rows`` are local (0 … n−1), ``cols`` global column positions.

        ``meta`` gives the row labels (:data:`ROW_META`); scalars are broadcast, and a
        callable stands for the labels it returns, called when they are first read (one
        text per row is costly to make before the solve). The label frame is built only
        when :attr:`row_meta` is read (most of a small model's build time otherwise; a
        sweep's re-solves never need it).
        """
        self._cache.clear()
        n = len(lower)
        keep = vals != 0
        self._rows.append(np.asarray(rows, dtype=np.int64)[keep] + self.n_rows)
        self._cols.append(np.asarray(cols, dtype=np.int64)[keep])
        self._vals.append(np.asarray(vals, dtype=np.float64)[keep])
        self._rlower.append(np.asarray(lower, dtype=np.float64))
        self._rupper.append(np.asarray(upper, dtype=np.float64))
        self._labels.append((family, n, dict(meta)))
        block = Block(family, self.n_rows, n)
        self.blocks.append(block)
        self.n_rows += n
        return block

    def add_coefficients(self, rows: np.ndarray, cols: np.ndarray, vals: np.ndarray) -> None:
        """Add coefficients to existing rows (global row and column positions; summed)."""
        self._cache.clear()
        self._rows.append(np.asarray(rows, dtype=np.int64))
        self._cols.append(np.asarray(cols, dtype=np.int64))
        self._vals.append(np.asarray(vals, dtype=np.float64))

    # --- assembled views -------------------------------------------------------------------
    @property
    def col_lower(self) -> np.ndarray:
        """Column lower bounds."""
        return np.concatenate(self._lower) if self._lower else np.zeros(0)

    @property
    def col_upper(self) -> np.ndarray:
        """Column upper bounds."""
        return np.concatenate(self._upper) if self._upper else np.zeros(0)

    @property
    def cost(self) -> np.ndarray:
        """Objective coefficients (in the model's sense)."""
        return np.concatenate(self._cost) if self._cost else np.zeros(0)

    @property
    def integrality(self) -> np.ndarray:
        """1 for integer columns, 0 for continuous."""
        return np.concatenate(self._integer) if self._integer else np.zeros(0, dtype=np.int32)

    @property
    def row_lower(self) -> np.ndarray:
        """Row lower bounds (−inf for ≤ rows)."""
        return np.concatenate(self._rlower) if self._rlower else np.zeros(0)

    @property
    def row_upper(self) -> np.ndarray:
        """Row upper bounds (+inf for ≥ rows)."""
        return np.concatenate(self._rupper) if self._rupper else np.zeros(0)

    @property
    def row_meta(self) -> pd.DataFrame:
        """One row of labels per constraint row (built on first use, then cached)."""
        if "meta" not in self._cache:
            frames = []
            for family, n, labels in self._labels:
                frame = pd.DataFrame({k: _made(labels.get(k, "")) for k in ROW_META},
                                     index=range(n))
                frame["family"] = family
                frames.append(frame)
            self._cache["meta"] = (pd.concat(frames, ignore_index=True) if frames
                                   else pd.DataFrame(columns=list(ROW_META)))
        meta = self._cache["meta"]
        assert isinstance(meta, pd.DataFrame)
        return meta

    def row_names(self) -> np.ndarray:
        """Every row's name, without building the label frame."""
        parts = [np.broadcast_to(np.asarray(_made(meta.get("name", "")), dtype=object), (n,))
                 for _family, n, meta in self._labels]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=object)

    def csc(self) -> CscArrays:
        """The constraint matrix A (rows × columns) as CSC arrays, duplicates summed (cached).

        Entries given twice for one (row, column) are summed and entries that are or sum to
        zero dropped, exactly as SciPy's COO to CSC conversion with ``sum_duplicates`` and
        ``eliminate_zeros`` does; a (row, column) given three times or more is summed by
        SciPy itself, whose order of addition the result then keeps.
        """
        cached = self._cache.get("csc")
        if isinstance(cached, CscArrays):
            return cached
        n_rows, n_cols = self.n_rows, self.n_cols
        if self._rows:
            r = np.concatenate(self._rows)
            c = np.concatenate(self._cols)
            v = np.concatenate(self._vals)
        else:
            r = c = np.zeros(0, dtype=np.int64)
            v = np.zeros(0)
        idx = _index_dtype(len(v), n_rows, n_cols)
        if len(v):
            # the usual case: by column (a stable sort), each column's rows already rising
            order = np.argsort(c, kind="stable")
            rows = r[order]
            indptr = np.zeros(n_cols + 1, dtype=idx)
            np.cumsum(np.bincount(c, minlength=n_cols), out=indptr[1:])
            rising = np.empty(len(rows), dtype=bool)
            rising[0] = True
            np.greater(rows[1:], rows[:-1], out=rising[1:])
            starts = indptr[1:-1]
            rising[starts[starts < len(rows)]] = True  # the first entry of each column
            vals = v[order]
            if rising.all() and (vals != 0).all():
                out = CscArrays(indptr, rows.astype(idx), vals, (n_rows, n_cols))
                self._cache["csc"] = out
                return out
        key = c * n_rows + r
        order = np.argsort(key, kind="stable")
        key, vals = key[order], v[order]
        if len(key) > 1:
            first = np.empty(len(key), dtype=bool)
            first[0] = True
            np.not_equal(key[1:], key[:-1], out=first[1:])
            if not first.all():
                starts = np.flatnonzero(first)
                if np.diff(np.append(starts, len(key))).max() > 2:
                    out = self._csc_by_scipy(r, c, v)
                    self._cache["csc"] = out
                    return out
                # pairs only: a + b is b + a in floating point, whatever order SciPy sums in
                vals = np.add.reduceat(vals, starts)
                key = key[starts]
        keep = vals != 0
        if not keep.all():
            key, vals = key[keep], vals[keep]
        indptr = np.zeros(n_cols + 1, dtype=idx)
        np.cumsum(np.bincount(key // max(n_rows, 1), minlength=n_cols), out=indptr[1:])
        out = CscArrays(indptr, (key % max(n_rows, 1)).astype(idx), vals, (n_rows, n_cols))
        self._cache["csc"] = out
        return out

    def _csc_by_scipy(self, r: np.ndarray, c: np.ndarray, v: np.ndarray) -> CscArrays:
        import scipy.sparse as sp

        a = sp.coo_matrix((v, (r, c)), shape=(self.n_rows, self.n_cols)).tocsc()
        a.sum_duplicates()
        a.eliminate_zeros()
        return CscArrays(a.indptr, a.indices, a.data, (self.n_rows, self.n_cols))

    def matrix(self) -> sp.csc_matrix:
        """The constraint matrix A as a SciPy CSC matrix (the arrays of :meth:`csc`; cached)."""
        import scipy.sparse as sp

        cached = self._cache.get("matrix")
        if isinstance(cached, sp.csc_matrix):
            return cached
        m = self.csc()
        a = sp.csc_matrix((m.data, m.indices, m.indptr), shape=m.shape)
        a.has_canonical_format = True
        self._cache["matrix"] = a
        return a

    def col_labels(self) -> np.ndarray:
        """Every column's label, in column order."""
        if not self.groups:
            return np.zeros(0, dtype=object)
        return np.concatenate([np.asarray(g.labels(), dtype=object) for g in self.groups.values()])

    def col_group(self) -> np.ndarray:
        """The group name of every column."""
        return np.concatenate([np.full(g.n, g.name, dtype=object) for g in self.groups.values()]) \
            if self.groups else np.zeros(0, dtype=object)
