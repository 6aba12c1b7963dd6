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

from missionfinance.errors import MissionFinanceError

__all__ = ["check_number", "range_text"]


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
