"""Lines readers: the canonical table and the format-detecting :func:`read_lines`.

A canonical lines file is a CSV (optionally gzip-compressed), XLSX or Parquet
table with the columns of :data:`~missionfinance.io.schema.LINES_SCHEMA`;
``column_map`` renames a file's own headers to ours. Columns not in the schema
are dropped. Every cell is read as text first and then converted, so codes such
as ``"04.3"`` and ``"09310000"`` keep their leading zeros.

:func:`read_lines` detects the format from the file's content:

=============  ==============================================================
``canonical``  a table (CSV, XLSX, Parquet) with a ``line_id`` column (after
               ``column_map``)
``cra``        a table whose header has ``CRA Segment Code`` (HM Treasury
               Country and Regional Analysis), or an XLSX with the sheet
               ``CRA 2018 database``
``sr25``       a table whose header starts ``row_id,label,memo`` (Spending
               Review 2025 DEL tables)
``ocds``       JSON or JSON Lines holding OCDS releases, records or packages
=============  ==============================================================
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence

import pandas as pd

from missionfinance.errors import MissionFinanceError
from missionfinance.io._files import (
    PathLike,
    check_file,
    excel_sheets,
    fail,
    head_text,
    kind_of,
    read_table,
    to_number,
)
from missionfinance.io.cra import CRA_SHEET, read_cra
from missionfinance.io.ocds import read_ocds
from missionfinance.io.schema import LINES_COLUMNS, finish_lines, warn_near_misses
from missionfinance.io.sr25 import read_sr25

__all__ = ["FORMATS", "combine_lines", "detect_format", "read_canonical", "read_lines"]

#: Formats :func:`read_lines` knows, for ``format=`` and the CLI's ``--format``.
FORMATS: tuple[str, ...] = ("canonical", "cra", "sr25", "ocds")


def read_canonical(
    path: PathLike, column_map: Mapping[str, str] | None = None, sheet: str | int = 0
) -> pd.DataFrame:
    """Read a canonical lines table (CSV, XLSX or Parquet).

    Parameters
    ----------
    path : str or Path
        The file.
    column_map : mapping of str to str, optional
        Source column name → canonical name, e.g. ``{"Dept": "department"}``.
    sheet : str or int, default 0
        Sheet of an XLSX workbook.

    Returns
    -------
    pandas.DataFrame
        The lines frame of DESIGN §3.1: ``line_id, source, department, programme,
        description, amount : float [£m], year, budget_type, cofog, cpv, region,
        supplier``; optional text columns ``""`` when absent.

    Raises
    ------
    MissionFinanceError
        Missing required column, a header with no data rows, duplicate or empty
        ``line_id``, a non-numeric or empty ``amount``, a ``year``, ``budget_type``,
        ``cofog`` or ``cpv`` cell outside its vocabulary — one line naming file, row
        and column.

    Warns
    -----
    MissionFinanceWarning
        CPV codes of the right form that are not in the CPV 2008 list (kept), naming
        their rows; a column spelt almost like one of the table's.

    Notes
    -----
    ``cpv`` and ``cofog`` cells are normalised: ``"45210000-2"`` (with its check digit)
    → ``"45210000"``, ``"4.3"`` → ``"04.3"``, spaces around codes dropped.
    """
    frame = read_table(path, sheet=sheet)
    if column_map:
        absent = [k for k in column_map if k not in frame.columns]
        if absent:
            fail(path, f"column_map names column {absent[0]!r} but the file has no such "
                       f"column; the file has {list(frame.columns)}", key=absent[0])
        targets = list(column_map.values())
        clash = [t for t in targets if targets.count(t) > 1 or
                 (t in frame.columns and t not in column_map)]
        if clash:
            fail(path, f"column_map maps onto {clash[0]!r} which is already a column or mapped "
                       f"twice; map one source column to each canonical name", key=clash[0])
        frame = frame.rename(columns=dict(column_map))
    if "amount" in frame.columns:
        frame = frame.assign(
            amount=to_number(frame, "amount", path, fix="write the amount in £m (0 if none)")
        )
    lines = finish_lines(frame, path, codes=True)
    warn_near_misses(path, frame.columns, LINES_COLUMNS, "lines")  # only once the file is valid
    return lines


def detect_format(path: PathLike, column_map: Mapping[str, str] | None = None) -> str:
    """Detect a lines file's format from its content.

    Returns
    -------
    str
        One of :data:`FORMATS`.

    Raises
    ------
    MissionFinanceError
        When the content matches no known format (the message says to pass
        ``format=`` / ``--format``).
    """
    p = check_file(path)
    kind = kind_of(p)
    header: list[str]
    if kind == "xlsx":
        sheets = excel_sheets(p)
        if CRA_SHEET in sheets:
            return "cra"
        try:
            header = [str(c).strip() for c in pd.read_excel(p, nrows=0, engine="openpyxl").columns]
        except Exception as exc:  # openpyxl raises many types on damaged files
            fail(p, f"cannot be read as XLSX ({type(exc).__name__}); save it as .xlsx or CSV")
    elif kind == "parquet":
        header = list(read_table(p).columns)
    else:
        head = head_text(p).lstrip()
        if head.startswith(("{", "[")):
            return "ocds"
        first = (head.splitlines() or [""])[0]
        try:
            header = [h.strip() for h in next(csv.reader([first]), [])]
        except csv.Error:  # e.g. a field longer than the csv module allows
            header = []
    if "CRA Segment Code" in header:
        return "cra"
    if header[:3] == ["row_id", "label", "memo"]:
        return "sr25"
    mapped = [dict(column_map or {}).get(h, h) for h in header]
    if "line_id" in mapped:
        return "canonical"
    fail(p, f"format not recognised (header starts {header[:4]!r}); pass --format "
            f"(format=) one of {', '.join(FORMATS)}, or add a line_id column")


def read_lines(
    path: PathLike,
    format: str | None = None,
    column_map: Mapping[str, str] | None = None,
    rates: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Read spending or procurement lines in any supported format.

    Parameters
    ----------
    path : str or Path
        The file.
    format : {"canonical", "cra", "sr25", "ocds"}, optional
        Force the format; by default it is detected from the content.
    column_map : mapping of str to str, optional
        Source → canonical column names (canonical tables only).
    rates : mapping of str to float, optional
        £ per unit of each non-GBP currency, e.g. ``{"EUR": 0.85}`` (OCDS only).

    Returns
    -------
    pandas.DataFrame
        The lines frame of DESIGN §3.1 (``amount`` float [£m], text ``""`` when empty).

    Examples
    --------
    >>> read_lines("missing.csv")
    Traceback (most recent call last):
    ...
    missionfinance.errors.MissionFinanceError: missing.csv: file not found; check the path
    """
    if format is None:
        format = detect_format(path, column_map)
    if format not in FORMATS:
        fail(path, f"unknown format {format!r}; use one of {', '.join(FORMATS)}")
    if column_map and format != "canonical":
        fail(path, f"column_map applies to canonical tables only, not format {format!r}; "
                   f"drop column_map")
    if format == "canonical":
        return read_canonical(path, column_map)
    if format == "cra":
        return read_cra(path)
    if format == "sr25":
        return read_sr25(path)
    return read_ocds(path, rates=rates)


def combine_lines(frames: Sequence[pd.DataFrame], context: str = "",
                  fix: str = "give each file's lines distinct ids") -> pd.DataFrame:
    """Concatenate lines frames read from several files; a ``line_id`` must occur once.

    ``context`` prefixes the error (e.g. ``"scenario.toml key inputs.lines: "``) and
    ``fix`` ends it.

    Examples
    --------
    >>> a = pd.DataFrame({"line_id": ["x"], "amount": [1.0]})
    >>> combine_lines([a, a])
    Traceback (most recent call last):
    ...
    missionfinance.errors.MissionFinanceError: line_id 'x' appears in more than one input file; give each file's lines distinct ids
    """
    lines = pd.concat(list(frames), ignore_index=True)
    dup = lines["line_id"].duplicated()
    if dup.any():
        first = lines.loc[dup, "line_id"].iloc[0]
        raise MissionFinanceError(
            f"{context}line_id {first!r} appears in more than one input file; {fix}"
        )
    return lines
