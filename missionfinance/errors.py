"""The one exception family of missionfinance.

Every error a user can cause (a bad file, a bad key, a bad value) is a
:class:`MissionFinanceError`: a ``ValueError`` whose message is one line that
names the file and the row or key, quotes the bad value with ``!r`` and ends
with the fix, e.g.::

    pipeline.csv row 14: capacity -5.0 must be > 0

The CLI prints that line on stderr and exits with status 2, never a traceback.
"""

from __future__ import annotations

from pathlib import Path


class MissionFinanceError(ValueError):
    """A user-caused error: bad input file, key or value (CLI exit status 2)."""


class MissionFinanceWarning(UserWarning):
    """A warning about inputs that are legal but suspicious (e.g. badly scaled)."""


def where(file: object, row: int | None = None, key: str | None = None) -> str:
    """Format the location prefix of an error message.

    Parameters
    ----------
    file : path-like or str
        The file name shown to the user (only the name, not the whole path).
    row : int, optional
        1-based data row number (the header is row 0).
    key : str, optional
        A dotted key or column name.

    Examples
    --------
    >>> where("pipeline.csv", row=14, key="capacity")
    'pipeline.csv row 14, column capacity'
    >>> where("scenario.toml", key="budget.CDEL.2031-32")
    'scenario.toml key budget.CDEL.2031-32'
    """
    name = Path(str(file)).name if file is not None else "<input>"
    if row is not None and key is not None:
        return f"{name} row {row}, column {key}"
    if row is not None:
        return f"{name} row {row}"
    if key is not None:
        return f"{name} key {key}"
    return name
