"""The constraint matrix as numpy CSC arrays: the same matrix as SciPy's COO to CSC."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import scipy.sparse as sp

from missionfinance.model.highs import scaled_matrix, scaling
from missionfinance.model.linear import LinearModel


def _model(rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, n_rows: int,
           n_cols: int) -> LinearModel:
    m = LinearModel()
    m.add_variables("x", np.zeros(n_cols), 2.0 ** np.arange(n_cols) % 97 + 0.5,
                    np.ones(n_cols), labels=lambda: np.arange(n_cols).astype(str))
    m.add_constraints("f", np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64),
                      np.zeros(0), np.full(n_rows, -np.inf), np.ones(n_rows), {"name": "r"})
    m.add_coefficients(rows, cols, vals)
    return m


def _scipy(rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, n_rows: int,
           n_cols: int) -> sp.csc_matrix:
    a = sp.coo_matrix((vals, (rows, cols)), shape=(n_rows, n_cols)).tocsc()
    a.sum_duplicates()
    a.eliminate_zeros()
    return a


@pytest.mark.parametrize("most", [1, 2, 4])
def test_csc_is_scipys_matrix_bit_for_bit(most: int) -> None:
    rng = np.random.default_rng(most)
    n_rows, n_cols, n = 40, 60, 900
    rows = rng.integers(0, n_rows, n)
    cols = rng.integers(0, n_cols, n)
    # at most `most` entries per (row, column); some zeros and some pairs that cancel
    key = cols * n_rows + rows
    order = np.argsort(key, kind="stable")
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n) - np.searchsorted(key[order], key[order])
    keep = rank < most
    rows, cols = rows[keep], cols[keep]
    vals = rng.normal(size=len(rows)) * 10.0 ** rng.integers(-6, 6, len(rows))
    vals[::17] = 0.0
    if most >= 2:
        first = np.flatnonzero(rank[keep] == 1)[:5]
        for k in first:  # the pair sums to zero: dropped
            partner = np.flatnonzero((rows == rows[k]) & (cols == cols[k]))[0]
            vals[k] = -vals[partner]
    got = _model(rows, cols, vals, n_rows, n_cols).csc()
    want = _scipy(rows, cols, vals, n_rows, n_cols)
    assert got.shape == want.shape and got.nnz == want.nnz
    assert np.array_equal(got.indptr, want.indptr)
    assert np.array_equal(got.indices, want.indices)
    assert got.data.tobytes() == want.data.tobytes()
    again = _model(rows, cols, vals, n_rows, n_cols).matrix()
    assert again.has_canonical_format
    assert (again != want).nnz == 0


@pytest.mark.parametrize("zeros", [False, True])
def test_csc_of_rows_given_in_order_is_scipys_matrix(zeros: bool) -> None:
    """The usual layout (each column's rows rising, as blocks are added) takes a shortcut."""
    rng = np.random.default_rng(9)
    n_rows, n_cols = 50, 70
    cells = np.flatnonzero(rng.random(n_rows * n_cols) < 0.1)
    rows, cols = cells // n_cols, cells % n_cols  # row by row: each column's rows rise
    vals = rng.normal(size=len(cells))
    if zeros:
        vals[::7] = 0.0
    got = _model(rows, cols, vals, n_rows, n_cols).csc()
    want = _scipy(rows, cols, vals, n_rows, n_cols)
    assert np.array_equal(got.indptr, want.indptr)
    assert np.array_equal(got.indices, want.indices)
    assert got.data.tobytes() == want.data.tobytes()


def test_scaling_without_scipy_matches_the_sparse_products() -> None:
    rng = np.random.default_rng(7)
    n_rows, n_cols = 30, 50
    rows = rng.integers(0, n_rows, 400)
    cols = rng.integers(0, n_cols, 400)
    vals = rng.normal(size=400) * 10.0 ** rng.integers(-8, 8, 400)
    m = _model(rows, cols, vals, n_rows, n_cols)
    a = m.matrix()
    sc, sr = scaling(m, m.csc())
    rmax = np.asarray(abs(a @ sp.diags(sc)).max(axis=1).todense()).ravel()
    assert np.array_equal(sr, 1.0 / np.exp2(np.round(np.log2(np.where(rmax > 0, rmax, 1.0)))))
    got = scaled_matrix(m.csc(), sr, sc)
    want = (sp.diags(sr) @ a @ sp.diags(sc)).tocsc()
    assert np.array_equal(got.indptr, want.indptr)
    assert np.array_equal(got.indices, want.indices)
    assert got.data.tobytes() == want.data.tobytes()


def test_building_and_handing_over_a_model_does_not_import_scipy() -> None:
    code = (
        "import sys\n"
        "from tests.model.conftest import hand_problem\n"
        "from missionfinance.model.build import build\n"
        "from missionfinance.model.highs import HighsRun, SolverOptions, check_scaling\n"
        "from missionfinance.model.problem import prepare\n"
        "p = hand_problem(); model, _ = build(p, prepare(p))\n"
        "check_scaling(model, model.csc()); HighsRun(model, SolverOptions(scale='on'))\n"
        "print('scipy.sparse' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
