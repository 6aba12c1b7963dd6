"""CPV 2008 and COFOG codes as the readers accept them (DESIGN §3.1, §3.2).

A ``cpv`` cell holds CPV 2008 codes of 8 digits, a ``cofog`` cell COFOG codes such as
``04.3``; several codes are separated by ``;``. Written forms that mean the same code are
normalised, anything else is refused naming the row:

CPV
    ``45210000`` as is; ``45210000-2`` (with its check digit, which is dropped, not
    verified) → ``45210000``; spaces around a code or a ``;`` and empty parts
    (``"45210000;"``) are dropped. A code of the right form that is not in the CPV 2008
    list shipped in ``missionfinance/data`` is **kept** and reported by a warning naming
    its rows: real notices carry such codes, and a rule's CPV prefix still matches them.
COFOG
    ``DD``, ``DD.G`` or ``DD.G.C`` of the COFOG list shipped in ``missionfinance/data``
    (``04``, ``04.3``, ``04.3.1``); a one-digit division gets its leading zero (``4.3`` →
    ``04.3``, as a spreadsheet writes ``04.3``). HM Treasury's CRA health split
    ``07.A``, ``07.B``, ``07.C`` (what :func:`~missionfinance.io.read_cra` writes) is
    accepted too. A code outside the list (``99``, ``03.9``) is refused: the list is
    closed and short.

Order within a cell is kept; the normalised cell is the codes ``;``-joined.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import warnings
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from missionfinance.errors import MissionFinanceError, MissionFinanceWarning, where

__all__ = ["CRA_HEALTH", "check_codes", "code_problem", "cofog_codes", "cpv_codes",
           "normalise_cofog_part", "normalise_cpv_part"]

#: HM Treasury's CRA split of COFOG division 07 (health), kept as the CRA reader writes it.
CRA_HEALTH: tuple[str, ...] = ("07.A", "07.B", "07.C")

_CPV_PART = re.compile(r"([0-9]{8})(?:-[0-9])?")
_CPV_CELL = r"[0-9]{8}(?:;[0-9]{8})*"
_COFOG_PART = re.compile(r"([0-9]{1,2})(?:\.([0-9A-Ca-c])(?:\.([0-9]))?)?")

#: How to write each column, ending every error about it.
FIXES = {
    "cpv": "write 8-digit CPV 2008 codes such as '45210000' (or '45210000-2'), separated "
           "by ';', or leave the cell empty",
    "cofog": "write COFOG codes such as '04.3' (divisions 01 to 10), separated by ';', or "
             "leave the cell empty",
}


@lru_cache(maxsize=1)
def cpv_codes() -> frozenset[str]:
    """The 8-digit codes of the CPV 2008 list (``cpv_2008_en.csv.gz``, check digits dropped)."""
    raw = resources.files("missionfinance.data").joinpath("cpv_2008_en.csv.gz").read_bytes()
    return frozenset(cell[:8] for cell in _csv_column(gzip.decompress(raw).decode("utf-8-sig"), "CODE"))


@lru_cache(maxsize=1)
def cofog_codes() -> frozenset[str]:
    """The codes of the COFOG list (``cofog.csv``) and the CRA's ``07.A``–``07.C``."""
    text = resources.files("missionfinance.data").joinpath("cofog.csv").read_text(encoding="utf-8-sig")
    return frozenset(cell.strip() for cell in _csv_column(text, "Code")) | frozenset(CRA_HEALTH)


def _csv_column(text: str, name: str) -> list[str]:
    """The cells of one column of a shipped CSV list (its blank lines skipped)."""
    rows = csv.reader(io.StringIO(text))
    k = next(rows).index(name)
    return [row[k] for row in rows if row]


def normalise_cpv_part(part: str) -> str | None:
    """The 8 digits of one CPV code as written (spaces stripped), or None if it is not one.

    Examples
    --------
    >>> normalise_cpv_part(" 45210000-2 "), normalise_cpv_part("4521"), normalise_cpv_part("abc")
    ('45210000', None, None)
    """
    m = _CPV_PART.fullmatch(part.strip())
    return m.group(1) if m else None


def normalise_cofog_part(part: str) -> str | None:
    """One COFOG code as written, normalised (``4.3`` → ``04.3``), or None if not in the list.

    Examples
    --------
    >>> normalise_cofog_part("4.3"), normalise_cofog_part("7.a"), normalise_cofog_part("99")
    ('04.3', '07.A', None)
    """
    m = _COFOG_PART.fullmatch(part.strip())
    if not m:
        return None
    division, group, klass = m.group(1).zfill(2), m.group(2), m.group(3)
    code = division + (f".{group.upper()}" if group else "") + (f".{klass}" if klass else "")
    return code if code in cofog_codes() else None


def _why(column: str, part: str) -> str:
    """What is wrong with one code that is not a code (the start of the error)."""
    p = part.strip()
    if column == "cpv":
        digits = p.split("-", 1)[0]
        if "," in p:
            return f"{p!r} holds a ',': separate CPV codes with ';'"
        if digits.isascii() and digits.isdigit() and len(digits) != 8:
            hint = (" (if a spreadsheet dropped a leading zero, write it back: "
                    f"'0{digits}')" if len(digits) == 7 else "")
            return f"{p!r} has {len(digits)} digits, a CPV code has 8{hint}"
        return f"{p!r} is not a CPV code"
    if "," in p:
        return f"{p!r} holds a ',': separate COFOG codes with ';'"
    if _COFOG_PART.fullmatch(p):
        return f"{p!r} is not in the COFOG list"
    return f"{p!r} is not a COFOG code"


def _normalise_cell(cell: str, column: str) -> tuple[str, str | None]:
    """A cell's codes normalised and ``;``-joined, and its first bad part (or None)."""
    one = normalise_cpv_part if column == "cpv" else normalise_cofog_part
    codes = []
    for part in cell.split(";"):
        if not part.strip():
            continue
        code = one(part)
        if code is None:
            return cell, part
        codes.append(code)
    return ";".join(codes), None


@lru_cache(maxsize=2)
def _code_set(column: str) -> pa.Array:
    return pa.array(sorted(cpv_codes() if column == "cpv" else cofog_codes()), pa.large_string())


def _arrow(values: pd.Series) -> pa.Array | pa.ChunkedArray:
    """A text column as Arrow large strings (no copy for an Arrow-backed column)."""
    if hasattr(values.array, "_pa_array"):
        return pc.cast(values.array._pa_array, pa.large_string())
    return pa.array(values.to_numpy(dtype=object), pa.large_string(), from_pandas=True)


def _rows_where(parts: pa.ListArray | pa.ChunkedArray, part_mask: pa.Array, n: int) -> np.ndarray:
    """Per row: True when one of its parts is flagged in ``part_mask`` (over the flat parts)."""
    parent = pc.list_parent_indices(parts).to_numpy(zero_copy_only=False)
    out = np.zeros(n, dtype=bool)
    out[parent[np.asarray(part_mask.to_numpy(zero_copy_only=False), dtype=bool)]] = True
    return out


def _scan(values: pd.Series, column: str) -> tuple[np.ndarray, np.ndarray]:
    """Per row, vectorised: (already normalised and known, holds a CPV code not in the list).

    A ``cofog`` cell is normalised when every ``;``-part is a code of the list; a ``cpv``
    cell when it is 8-digit codes ``;``-joined (a code not in the list counts as normalised
    and is flagged in the second array instead). Empty cells are normalised.
    """
    arr = _arrow(values)
    n = len(values)
    empty = pc.equal(arr, "").to_numpy(zero_copy_only=False)
    parts = pc.split_pattern(arr, ";")
    flat = pc.list_flatten(parts)
    known = pc.is_in(flat, value_set=_code_set(column))
    outside = _rows_where(parts, pc.invert(known), n) & ~empty
    if column == "cofog":
        return ~outside, np.zeros(n, dtype=bool)
    well = pc.match_substring_regex(arr, f"^(?:{_CPV_CELL})?$").to_numpy(zero_copy_only=False)
    return np.asarray(well, dtype=bool), np.asarray(well, dtype=bool) & outside


def check_codes(frame: pd.DataFrame, file: object, row_offset: int = 1) -> pd.DataFrame:
    """Normalise the ``cpv`` and ``cofog`` text columns of a table; refuse a cell that is not codes.

    Parameters
    ----------
    frame : pandas.DataFrame
        Text columns (``""`` when empty); columns other than ``cpv`` and ``cofog`` are
        returned unchanged, and a frame without them as it is.
    file : path-like or str
        The file named in errors and warnings.
    row_offset : int, default 1
        Added to the 0-based position to give the reported row number.

    Returns
    -------
    pandas.DataFrame
        ``frame`` with ``cpv`` and ``cofog`` normalised (see the module docstring).

    Raises
    ------
    MissionFinanceError
        ``"<file> row <n>, column cpv: '4521' has 4 digits, a CPV code has 8; write …"``.

    Warns
    -----
    MissionFinanceWarning
        CPV codes that are well formed but not in the CPV 2008 list, naming them and rows.
    """
    out = frame
    for column in ("cofog", "cpv"):
        if column not in frame.columns:
            continue
        values = frame[column].astype("str")
        fine, _ = _scan(values, column)
        if not fine.all():  # few cells as a rule: normalised one distinct value at a time
            rows = np.flatnonzero(~fine)
            cells = values.iloc[rows].tolist()
            done = {cell: _normalise_cell(cell, column) for cell in dict.fromkeys(cells)}
            bad = [(int(i), cell) for i, cell in zip(rows, cells, strict=True) if done[cell][1] is not None]
            if bad:
                i, cell = bad[0]
                part = str(done[cell][1])
                shown = f" in {cell!r}" if cell.strip() != part.strip() else ""
                raise MissionFinanceError(
                    f"{where(file, row=i + row_offset, key=column)}: {_why(column, part)}"
                    f"{shown}; {FIXES[column]}"
                )
            normal = values.to_numpy(dtype=object).copy()
            normal[rows] = [done[cell][0] for cell in cells]
            values = pd.Series(normal, index=frame.index, dtype="str")
            out = out.assign(**{column: values})
        if column == "cpv":
            _warn_unknown_cpv(file, values, _scan(values, column)[1], row_offset)
    return out


def _warn_unknown_cpv(file: object, values: pd.Series, rows_flagged: np.ndarray,
                      row_offset: int) -> None:
    """One warning naming the CPV codes not in the CPV 2008 list and (the first of) their rows."""
    if not rows_flagged.any():
        return
    known = cpv_codes()
    listed: dict[str, list[int]] = {}
    for i in np.flatnonzero(rows_flagged):
        for code in str(values.iloc[i]).split(";"):
            if code and code not in known:
                listed.setdefault(code, []).append(int(i) + row_offset)
    shown = []
    for code, where_rows in list(listed.items())[:3]:
        more = f" and {len(where_rows) - 3} more" if len(where_rows) > 3 else ""
        label = "row" if len(where_rows) == 1 else "rows"
        shown.append(f"{code!r} ({label} {', '.join(map(str, where_rows[:3]))}{more})")
    rest = len(listed) - 3
    others = f" and {rest} other code{'s' if rest > 1 else ''}" if rest > 0 else ""
    one = len(listed) == 1
    warnings.warn(MissionFinanceWarning(
        f"{where(file, key='cpv')}: {', '.join(shown)}{others} {'is' if one else 'are'} not in "
        f"the CPV 2008 list; kept as written (rules' CPV prefixes still match "
        f"{'it' if one else 'them'}); check {'it' if one else 'them'} against the CPV 2008 list"
    ), stacklevel=4)


def code_problem(lines: pd.DataFrame, unknown_cpv: bool = True) -> tuple[int, str, str] | None:
    """The first ``cofog`` or ``cpv`` cell not in normalised form (or not a code), or None.

    Parameters
    ----------
    lines : pandas.DataFrame
        Lines frame with text columns ``cofog`` and ``cpv`` (either may be absent).
    unknown_cpv : bool, default True
        Also report a well-formed CPV code that is not in the CPV 2008 list (the
        ordinary reader keeps such a code and warns).

    Returns
    -------
    tuple of (int, str, str) or None
        0-based row, column and the message (value quoted, then the fix).
    """
    for column in ("cofog", "cpv"):
        if column not in lines.columns:
            continue
        values = lines[column]
        fine, unknown = _scan(values, column)
        wrong = ~fine | (unknown if unknown_cpv else False)
        if not wrong.any():
            continue
        i = int(wrong.argmax())
        cell = str(values.iloc[i])
        normal, part = _normalise_cell(cell, column)
        if part is not None:
            why = _why(column, part)
        elif normal != cell:
            why = f"{cell!r} is not written as {normal!r}"
        else:
            why = f"{cell!r} holds a code not in the CPV 2008 list"
        return i, column, f"{column} {why}; {FIXES[column]}"
    return None
