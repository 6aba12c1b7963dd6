"""The one rule for every number a user gives (scenario, rules, missions, CLI flags).

A number is accepted when it is a real number (not ``true``/``false``, not text),
**finite** (TOML allows ``nan`` and ``inf`` literals; neither is ever a valid limit,
weight or share — leave a key out to leave its limit off) and inside its range. Any other
value raises a one-line :class:`~missionfinance.errors.MissionFinanceError` that starts
with ``context`` (the file and the dotted key, or the flag), quotes the value and says
what to write instead.

Table columns (pipeline, lines) follow the same rule in :func:`missionfinance.io._files.to_number`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from missionfinance.errors import MissionFinanceError

__all__ = ["check_number", "exact_dot", "exact_weighted_sums", "exp", "power", "range_text"]


def exact_dot(a: Any, b: Any) -> float:
    """Σ a_i b_i with each product rounded once and the sum rounded once, exactly.

    The same float on every machine and in any order of the terms: ``a @ b`` goes to BLAS,
    whose sum depends on the threads it splits it over and on the CPU's kernel (a
    10,000-project objective changes in its last digit between one and two OpenBLAS
    threads), so a number an auditor regenerates elsewhere would differ. ``math.fsum`` of
    the products (numpy rounds each one) has no such freedom.

    Examples
    --------
    >>> exact_dot([0.1, 0.2, 0.3], [1.0, 1.0, 1.0])
    0.6
    >>> exact_dot([1e16, 1.0, -1e16], [1.0, 1.0, 1.0])
    1.0
    """
    return math.fsum(np.multiply(np.asarray(a, dtype=np.float64),
                                 np.asarray(b, dtype=np.float64)).ravel().tolist())


def _pow(b: float, e: float) -> float:
    try:
        return math.pow(b, e)
    except ValueError:  # 0 to a negative power, a negative base to a fraction: as numpy
        return math.inf if b == 0.0 else math.nan
    except OverflowError:
        return math.inf if b > 0.0 or float(e).is_integer() and e % 2 == 0 else -math.inf


def power(base: Any, exponent: Any) -> np.ndarray:
    """``base ** exponent`` elementwise, the same bits on every machine.

    numpy's ``power``, ``exp`` and ``log`` run SIMD kernels chosen for the CPU: an AVX-512
    machine and an AVX2 one give results a unit apart in the last place, so discount
    factors, survival and annuity schedules, and every figure made from them, would differ
    on an auditor's machine. Here each distinct (base, exponent) pair is computed once with
    the C library's ``pow`` (:func:`math.pow`), which does not depend on the CPU's vector
    units; the arrays these come in repeat few pairs (rates by year offset), so it stays
    fast. Broadcasts like ``**``; 0 to a negative power is ``inf`` and a negative base to a
    fractional power ``nan``, as in numpy.

    Examples
    --------
    >>> power([1.035, 1.035, 0.5], [-1.0, -1.0, 2.0]).tolist()
    [0.9661835748792271, 0.9661835748792271, 0.25]
    >>> power(0.0, -1.0).tolist(), bool(np.isnan(power(-8.0, 1 / 3)))
    (inf, True)
    """
    b, e = np.broadcast_arrays(np.asarray(base, dtype=np.float64),
                               np.asarray(exponent, dtype=np.float64))
    shape = b.shape
    flat_b = np.ascontiguousarray(b).reshape(-1)
    flat_e = np.ascontiguousarray(e).reshape(-1)
    if flat_b.size == 0:
        return np.empty(shape, dtype=np.float64)
    # distinct pairs by their bits (so -0.0 and 0.0 stay apart), hashed, not sorted
    import pandas as pd

    cb, ub = pd.factorize(flat_b.view(np.int64))
    ce, ue = pd.factorize(flat_e.view(np.int64))
    codes, keys = pd.factorize(cb.astype(np.int64) * len(ue) + ce)
    bases = ub.view(np.float64)[keys // len(ue)].tolist()
    exps = ue.view(np.float64)[keys % len(ue)].tolist()
    table = np.array([_pow(x, y) for x, y in zip(bases, exps, strict=True)], dtype=np.float64)
    return table[codes].reshape(shape)


def exp(x: Any) -> np.ndarray:
    """``e ** x`` elementwise with the C library's ``exp``: the same bits on every machine.

    See :func:`power` for why numpy's own is not used where a figure reaches an output.

    Examples
    --------
    >>> exp([0.0, 1.0]).tolist()
    [1.0, 2.718281828459045]
    """
    arr = np.asarray(x, dtype=np.float64)
    flat = arr.reshape(-1).tolist()
    out = []
    for v in flat:
        try:
            out.append(math.exp(v))
        except OverflowError:
            out.append(math.inf)
    return np.array(out, dtype=np.float64).reshape(arr.shape)


def exact_weighted_sums(matrix: Any, weights: Any) -> np.ndarray:
    """``matrix.T @ weights`` column by column with :func:`exact_dot`: machine-independent.

    ``matrix`` is (n, k), ``weights`` (n,); the result is (k,). For few columns (the
    missions, the instruments) over many rows (the projects).

    Examples
    --------
    >>> exact_weighted_sums(np.array([[1.0, 0.5], [0.1, 0.25]]), np.array([2.0, 4.0])).tolist()
    [2.4, 2.0]
    """
    m = np.asarray(matrix, dtype=np.float64)
    return np.array([exact_dot(m[:, k], weights) for k in range(m.shape[1])], dtype=np.float64)


def range_text(lo: float | None = None, hi: float | None = None, lo_open: bool = False,
               hi_open: bool = False) -> str:
    """Words for a range, e.g. ``"a finite number ≥ 0"``.

    Examples
    --------
    >>> range_text(0.0, 1.0, hi_open=True)
    'a finite number ≥ 0 and < 1'
    >>> range_text()
    'a finite number'
    """
    parts = []
    if lo is not None:
        parts.append(f"{'>' if lo_open else '≥'} {lo:g}")
    if hi is not None:
        parts.append(f"{'<' if hi_open else '≤'} {hi:g}")
    return "a finite number" + (" " + " and ".join(parts) if parts else "")


def check_number(value: object, context: str, *, lo: float | None = None,
                 hi: float | None = None, lo_open: bool = False, hi_open: bool = False,
                 unit: str = "") -> float:
    """Return ``value`` as a float if it is a finite number in range, else raise.

    Parameters
    ----------
    value : object
        What the user wrote (a TOML value, a parsed flag).
    context : str
        Start of the error message: the file and dotted key (``"s.toml key budget.CDEL.2026-27"``)
        or the flag (``"--rate EUR"``).
    lo, hi : float, optional
        Bounds; closed unless ``lo_open`` / ``hi_open``.
    unit : str, optional
        Unit named in the message, e.g. ``"£m"``.

    Examples
    --------
    >>> check_number(5, "s.toml key budget.CDEL.2026-27", lo=0.0)
    5.0
    >>> check_number(float("nan"), "s.toml key instruments.grant.budget_score.CDEL", lo=0.0)
    Traceback (most recent call last):
    ...
    missionfinance.errors.MissionFinanceError: s.toml key instruments.grant.budget_score.CDEL: nan is not a finite number; write a finite number ≥ 0
    >>> check_number(-1, "s.toml key exposure.2026-27", lo=0.0, unit="£m")
    Traceback (most recent call last):
    ...
    missionfinance.errors.MissionFinanceError: s.toml key exposure.2026-27: -1 must be ≥ 0
    """
    want = range_text(lo, hi, lo_open, hi_open) + (f" ({unit})" if unit else "")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise MissionFinanceError(f"{context}: {value!r} must be {want}")
    v = float(value)
    if not math.isfinite(v):
        fix = "; leave the key out for no limit" if v > 0 and lo is not None and hi is None else ""
        raise MissionFinanceError(f"{context}: {value!r} is not a finite number; write {want}{fix}")
    if lo is not None and (v < lo or (lo_open and v == lo)):
        raise MissionFinanceError(f"{context}: {value!r} must be {'>' if lo_open else '≥'} {lo:g}")
    if hi is not None and (v > hi or (hi_open and v == hi)):
        raise MissionFinanceError(f"{context}: {value!r} must be {'<' if hi_open else '≤'} {hi:g}")
    return v
