"""Numerical rules shared by every solve path: when a row binds, how solver noise is cleaned.

:func:`solve`, the in-place re-solves of :mod:`missionfinance.model.resolve` and the pyomo
view all read a solution through these functions, so a row counts as binding by one rule
everywhere.
"""

from __future__ import annotations

import numpy as np

#: Relative tolerance under which a row counts as binding: slack ≤ tol × max(1, |rhs|).
BINDING_TOL = 1e-7

#: Relative distance under which a solver value is put on its bound.
CLEAN_TOL = 1e-9


def row_slack(lhs: np.ndarray, lower: np.ndarray, upper: np.ndarray,
              ) -> tuple[np.ndarray, np.ndarray]:
    """(slack, rhs) of rows with activity ``lhs``.

    The slack is the distance to the nearer finite bound and rhs that bound (``inf``
    slack for a free row).

    Examples
    --------
    >>> row_slack(np.array([1.0, 5.0]), np.array([0.0, -np.inf]), np.array([2.0, 5.0]))
    (array([1., 0.]), array([2., 5.]))
    """
    slack_up = np.where(np.isfinite(upper), upper - lhs, np.inf)
    slack_lo = np.where(np.isfinite(lower), lhs - lower, np.inf)
    slack = np.minimum(slack_up, slack_lo)
    rhs = np.where(slack_up <= slack_lo, upper, lower)
    return slack, rhs


def is_binding(slack: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """True where ``slack`` ≤ :data:`BINDING_TOL` × max(1, |rhs|): the row is on its bound.

    Examples
    --------
    >>> is_binding(np.array([0.0, 1e-8, 1e-3]), np.array([5.0, 1.0, 1.0])).tolist()
    [True, True, False]
    """
    return np.asarray(slack <= BINDING_TOL * np.maximum(1.0, np.abs(rhs)))


def binding_mask(lhs: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """Rows whose activity ``lhs`` is on a bound (:func:`row_slack`, then :func:`is_binding`)."""
    slack, rhs = row_slack(lhs, lower, upper)
    return is_binding(slack, rhs)


def clean(values: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """Clip solver noise: values within :data:`CLEAN_TOL` (relative) of a bound are put on it.

    Examples
    --------
    >>> clean(np.array([1e-12, 0.5, 1.0 + 1e-12]), np.zeros(3), np.ones(3)).tolist()
    [0.0, 0.5, 1.0]
    """
    v = values.copy()
    near_lo = np.isfinite(lower) & (np.abs(v - lower) <= CLEAN_TOL * np.maximum(1.0, np.abs(lower)))
    v[near_lo] = lower[near_lo]
    near_up = np.isfinite(upper) & (np.abs(v - upper) <= CLEAN_TOL * np.maximum(1.0, np.abs(upper)))
    v[near_up] = upper[near_up]
    return np.clip(v, lower, upper)
