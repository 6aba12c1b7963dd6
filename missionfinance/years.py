"""Financial years as strings ``"2026-27"``: parsing, validation and ranges."""

from __future__ import annotations

import re

from missionfinance.errors import MissionFinanceError

_FY = re.compile(r"^(\d{4})-(\d{2})$")


def is_financial_year(value: object) -> bool:
    """Return True when ``value`` is a financial year string such as ``"2026-27"``.

    Examples
    --------
    >>> is_financial_year("2026-27"), is_financial_year("2026-28"), is_financial_year(2026)
    (True, False, False)
    """
    if not isinstance(value, str):
        return False
    m = _FY.match(value)
    return m is not None and (int(m.group(1)) + 1) % 100 == int(m.group(2))


def check_financial_year(value: object, context: str) -> str:
    """Return ``value`` if it is a financial year, else raise naming ``context``.

    Examples
    --------
    >>> check_financial_year("2027-28", "scenario.toml key scenario.years")
    '2027-28'
    >>> check_financial_year("2027/28", "scenario.toml key scenario.years")
    Traceback (most recent call last):
    ...
    missionfinance.errors.MissionFinanceError: scenario.toml key scenario.years: '2027/28' is not a financial year; write it like '2026-27'
    """
    if not is_financial_year(value):
        raise MissionFinanceError(
            f"{context}: {value!r} is not a financial year; write it like '2026-27'"
        )
    return str(value)


def year_start(fy: str) -> int:
    """First calendar year of a financial year: ``year_start("2026-27") == 2026``."""
    return int(fy[:4])


def fy_from_start(start: int) -> str:
    """Financial year that starts in ``start``: ``fy_from_start(2026) == "2026-27"``."""
    return f"{start}-{(start + 1) % 100:02d}"
