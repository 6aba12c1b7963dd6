"""File access shared by the readers: sniffing, tables read as text, wrapped errors.

Every parser error (missing file, empty file, bad CSV, bad Excel, bad Parquet,
not UTF-8) becomes a one-line :class:`~missionfinance.errors.MissionFinanceError`
naming the file and the fix; no pandas traceback reaches the user.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

import numpy as np
import pandas as pd
import pyarrow as pa

from missionfinance._text import check_user_file, read_user_bytes
from missionfinance.errors import MissionFinanceError, where
from missionfinance.io.schema import text

PathLike = str | Path

_GZIP = b"\x1f\x8b"
_ZIP = b"PK\x03\x04"
_PARQUET = b"PAR1"
_LABEL = {"xlsx": "an XLSX workbook", "parquet": "a Parquet file", "text": "a CSV table",
          "gzip": "a gzip-compressed CSV table"}
_FIELDS = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


def fail(file: object, message: str, row: int | None = None, key: str | None = None) -> NoReturn:
    """Raise a one-line MissionFinanceError ``"<file> row <n>, column <key>: <message>"``."""
    raise MissionFinanceError(f"{where(file, row=row, key=key)}: {message}") from None


def check_file(path: PathLike) -> Path:
    """Return ``path`` as a Path if it is a non-empty file, else raise a one-line error."""
    p = check_user_file(path, "file")
    if p.stat().st_size == 0:
        fail(p, "file is empty; give a file with a header row and data")
    return p


def kind_of(path: Path) -> str:
    """Container kind from the first bytes: ``gzip``, ``xlsx``, ``parquet`` or ``text``."""
    try:
        with path.open("rb") as fh:
            head = fh.read(4)
    except OSError as exc:
        fail(path, f"cannot be read ({os.strerror(exc.errno) if exc.errno else type(exc).__name__}); "
                   "check the file")
    if head.startswith(_GZIP):
        return "gzip"
    if head.startswith(_ZIP):
        return "xlsx"
    if head.startswith(_PARQUET):
        return "parquet"
    return "text"


def read_bytes(path: Path) -> bytes:
    """File content, gunzipped when it is gzip-compressed."""
    raw = read_user_bytes(path)
    if raw.startswith(_GZIP):
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            fail(path, f"damaged gzip file ({exc}); re-download or re-compress it")
        if not raw:
            fail(path, "file is empty; give a file with a header row and data")
    return raw


def read_text(path: Path) -> str:
    """File content as UTF-8 text (BOM removed), gunzipped when compressed."""
    raw = read_bytes(path)
    _refuse_utf16(path, raw)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n")  # 0 = header, n = data row n
        fail(path, f"is not UTF-8 text (byte {exc.start}); save it as UTF-8",
             row=line if line > 0 else None)


def _refuse_utf16(path: Path, raw: bytes) -> None:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        fail(path, "is UTF-16 text (it starts with a UTF-16 byte-order mark); save it as UTF-8")


def head_text(path: Path) -> str:
    """The first 64 KiB of a text or gzip file, decoded leniently (for format detection)."""
    raw = read_bytes(path)
    _refuse_utf16(path, raw)
    return raw[:65536].decode("utf-8-sig", errors="replace")


def excel_sheets(path: Path) -> list[str]:
    """Sheet names of an XLSX file."""
    try:
        with pd.ExcelFile(path, engine="openpyxl") as xl:
            return [str(s) for s in xl.sheet_names]
    except Exception as exc:  # openpyxl raises many types on damaged files
        fail(path, f"cannot be read as XLSX ({type(exc).__name__}); save it as .xlsx, CSV or Parquet")


def read_table(path: PathLike, sheet: str | int = 0) -> pd.DataFrame:
    """Read a CSV (optionally gzip), XLSX or Parquet table with every column as text.

    Codes such as ``"04.3"`` or ``"09310000"`` keep their leading zeros. Empty
    cells are ``""``. Column names are stripped. The container is detected from
    the file's first bytes, not its name.

    Parameters
    ----------
    path : str or Path
        The file.
    sheet : str or int, default 0
        Sheet of an XLSX file.

    Returns
    -------
    pandas.DataFrame
        All columns ``str``; index 0..n-1 (data row ``i`` is file row ``i + 1``).
    """
    p = check_file(path)
    kind = kind_of(p)
    try:
        if kind == "xlsx":
            if isinstance(sheet, str) and sheet not in excel_sheets(p):
                fail(p, f"no sheet {sheet!r}; the workbook has {excel_sheets(p)}", key=None)
            head = pd.read_excel(p, sheet_name=sheet, header=None, nrows=1, dtype=str,
                                 engine="openpyxl")
            _check_header(p, [] if head.empty else list(head.iloc[0]))
            frame = pd.read_excel(p, sheet_name=sheet, dtype=str, engine="openpyxl")
        elif kind == "parquet":
            _check_parquet_schema(p)
            frame = pd.read_parquet(p)
        else:
            content = read_text(p)
            header = _csv_header(content)
            _check_header(p, header)
            fast = _read_csv_arrow(content, header)
            if fast is not None:
                frame = fast
            else:
                frame = pd.read_csv(
                    io.StringIO(content), dtype=str, keep_default_na=False, na_values=[],
                    skipinitialspace=False,
                )
                if not isinstance(frame.index, pd.RangeIndex):
                    _fail_long_row(p, content)
    except MissionFinanceError:
        raise
    except pd.errors.EmptyDataError:
        fail(p, "has no header row; give a table with a header row")
    except pd.errors.ParserError as exc:
        msg = " ".join(str(exc).split())
        fields = _FIELDS.search(msg)
        if fields:
            want, line, got = (int(g) for g in fields.groups())
            fail(p, f"has {got} fields but the header has {want}; quote text that holds "
                    f"commas or remove the extra fields", row=line - 1)
        fail(p, f"is not a valid CSV table ({msg[:120]}); check quoting and the number of "
                f"fields")
    except Exception as exc:  # openpyxl / pyarrow raise many types on damaged files
        msg = " ".join(str(exc).split())
        for folder in {str(p.parent), str(p.resolve().parent)}:
            msg = msg.replace(folder + "/", "")
        msg = msg[:120] or type(exc).__name__
        fail(p, f"cannot be read as {_LABEL[kind]} ({msg}); save it as CSV, XLSX or Parquet")
    frame = frame.rename(columns=lambda c: str(c).strip())
    dup = frame.columns[frame.columns.duplicated()]
    if len(dup):
        fail(p, f"column {dup[0]!r} appears twice; rename one of them", key=str(dup[0]))
    out = {col: text(frame[col]) for col in frame.columns}
    return pd.DataFrame(out, index=pd.RangeIndex(len(frame)))


#: A line of white space only (after the header), which the fast CSV path leaves to pandas.
_BLANK_LINE = re.compile(r"\n[^\S\r\n]+(?:\r?\n|$)")


def _plain_quotes(data: bytes) -> bool:
    """Whether every ``"`` in UTF-8 ``data`` quotes a whole field, as RFC 4180 writes it.

    Runs of quotes are read in order: outside a quoted field a run must start a field
    (after a comma, a line break or at the start); an odd run opens a quoted field, an
    even one is an empty or all-quotes field and must end it. Inside, an even run is
    escaped quotes and an odd run closes the field, which must then end (before a comma,
    a line break or at the end). A quote inside a field's text (``a"b``, ``"a"b``) or a
    field left open fails.
    """
    raw = np.frombuffer(data, dtype=np.uint8)
    pos = np.flatnonzero(raw == 34)
    if len(pos) == 0:
        return True
    cut = np.flatnonzero(np.diff(pos) != 1)
    starts = pos[np.concatenate(([0], cut + 1))]
    ends = pos[np.concatenate((cut, [len(pos) - 1]))] + 1
    odd = (ends - starts) % 2 == 1
    if (int(odd.sum()) % 2) == 1:
        return False
    inside = (np.cumsum(odd) - odd) % 2 == 1  # within a quoted field when the run starts
    delim = np.zeros(256, dtype=bool)
    delim[[44, 10, 13]] = True
    opens = np.where(starts > 0, delim[raw[np.maximum(starts - 1, 0)]], True)
    closes = np.where(ends < len(raw), delim[raw[np.minimum(ends, len(raw) - 1)]], True)
    ok = np.where(inside, ~odd | closes, opens & (odd | closes))
    return bool(ok.all())


def _read_csv_arrow(content: str, header: list[str]) -> pd.DataFrame | None:
    """A plain CSV table read by Arrow's CSV reader, or None to leave it to pandas.

    The same frame as ``pd.read_csv(dtype=str, keep_default_na=False)`` for a table whose
    every row has the header's number of fields and whose header names are all given, in
    a fraction of the time. Anything else (a short or long row, an unnamed or blank
    header cell, a NUL byte, a quote inside an unquoted field, a header and no rows) is
    left to pandas, which reads it or names the fault.
    """
    if not header or any(not name.strip() for name in header) or "\x00" in content:
        return None
    if content.count("\r") != content.count("\r\n") or _BLANK_LINE.search(content) is not None:
        return None  # a lone carriage return or a blank line: pandas' line rules decide
    data = content.encode("utf-8")
    if not _plain_quotes(data):
        return None
    import pyarrow.csv as pacsv

    try:
        table = pacsv.read_csv(
            io.BytesIO(data),
            read_options=pacsv.ReadOptions(use_threads=False),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(header, pa.string()), strings_can_be_null=False,
                quoted_strings_can_be_null=False),
        )
    except (pa.ArrowException, ValueError):
        return None
    if (table.num_rows == 0 or table.column_names != header
            or any(not pa.types.is_string(t) for t in table.schema.types)):
        return None
    return pd.DataFrame({name: pd.Series(table.column(i).combine_chunks(), dtype="str")
                         for i, name in enumerate(header)})  # one chunk, as pandas reads it


def _csv_header(content: str) -> list[str]:
    """The header record of CSV text as the csv module reads it ([] if it cannot)."""
    try:
        head = content[: 1 << 20].replace("\r\n", "\n").replace("\r", "\n")
        return next(csv.reader(io.StringIO(head)), [])
    except csv.Error:  # pandas reports the damage itself, naming the row
        return []


def _fail_long_row(path: Path, content: str) -> NoReturn:
    """Refuse a CSV whose first data rows have more fields than the header.

    pandas reads such a file without complaint, taking the extra leading fields as an
    index, which shifts every column of every row by one.
    """
    reader = csv.reader(io.StringIO(content.replace("\r\n", "\n").replace("\r", "\n")))
    want = len(next(reader, []))
    for row, fields in enumerate(reader, start=1):
        if len(fields) > want:
            fail(path, f"has {len(fields)} fields but the header has {want}; quote text that "
                       f"holds commas or remove the extra fields", row=row)
    fail(path, f"has rows with more fields than the header's {want}; quote text that holds "
               f"commas or remove the extra fields")


def _check_header(path: Path, names: Sequence[object]) -> None:
    """Refuse a header that names one column twice (pandas would rename one ``name.1``)."""
    seen: set[str] = set()
    for raw in names:
        if raw is None or (isinstance(raw, float) and raw != raw):
            continue
        name = str(raw).strip()
        if name and name in seen:
            fail(path, f"column {name!r} appears twice in the header; rename or remove one "
                       f"of them", key=name)
        seen.add(name)


def _check_parquet_schema(path: Path) -> None:
    """Refuse duplicate column names and columns whose cells are not single values."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pq.read_schema(path)
    _check_header(path, list(schema.names))
    for field in schema:
        kind = field.type.value_type if pa.types.is_dictionary(field.type) else field.type
        if pa.types.is_nested(kind):
            word = next((w for w in ("list", "struct", "map", "union")
                         if str(kind).startswith(w) or str(kind).startswith(f"large_{w}")
                         or str(kind).startswith(f"fixed_size_{w}")), "nested")
            fail(path, f"column holds {word} values, not one text or number per cell; "
                       f"flatten it to one value per cell", key=str(field.name).strip())
        if pa.types.is_binary(kind) or pa.types.is_large_binary(kind) or \
                pa.types.is_fixed_size_binary(kind):
            fail(path, "column holds binary data, not text or numbers; store it as text",
                 key=str(field.name).strip())


def _plain_decimals(raw: pd.Series) -> tuple[np.ndarray, np.ndarray] | None:
    """Arrow-parsed values and empty cells of a text column of plain decimals, or None.

    Plain: each cell empty or unsigned digits with an optional fraction (``"89.3"``,
    ``"0.0463"``), at most 15 digits in all. Such a number is an exact integer scaled by
    one exact power of ten, so every correct parser gives the same float64 as
    :func:`pandas.to_numeric` (which reads anything else: signs, exponents, ``inf``).
    """
    if raw.dtype != "str" or raw.hasnans:
        return None
    import pyarrow.compute as pc

    cells = pa.array(raw.array)
    empty = pc.equal(cells, "")
    plain = pc.and_(pc.match_substring_regex(cells, r"^[0-9]+(?:\.[0-9]+)?$"),
                    pc.less_equal(pc.subtract(pc.binary_length(cells),
                                              pc.count_substring(cells, ".")), 15))
    if not pc.all(pc.or_(empty, plain)).as_py():
        return None
    values = pc.cast(pc.if_else(empty, "0", cells), pa.float64()).to_numpy(zero_copy_only=False)
    is_empty = empty.to_numpy(zero_copy_only=False)
    return np.where(is_empty, np.nan, values), is_empty


def to_number(
    frame: pd.DataFrame, column: str, file: object, *, fix: str, allow_empty: bool = False,
    row_offset: int = 1,
) -> pd.Series:
    """Convert a text column to float64, vectorised; a bad cell raises naming its row.

    Parameters
    ----------
    frame : pandas.DataFrame
        Text frame from :func:`read_table` (not modified).
    column : str
        Column to convert.
    file : object
        File named in errors.
    fix : str
        What to write instead (ends the error message).
    allow_empty : bool, default False
        When True an empty cell becomes NaN; else it is an error.
    row_offset : int, default 1
        Added to the 0-based position to give the reported row number.

    Returns
    -------
    pandas.Series
        float64, same index as ``frame``.
    """
    raw = frame[column]
    plain = _plain_decimals(raw)
    if plain is not None:
        arr, empty = plain
    else:
        cells = raw.to_numpy(dtype=object)
        empty = cells == ""
        if empty.any():
            cells = cells.copy()
            cells[empty] = np.nan
        arr = np.asarray(pd.to_numeric(cells, errors="coerce"), dtype="float64")
    values = pd.Series(arr, index=raw.index, name=raw.name)
    bad = (~np.isfinite(arr) & ~empty) | (empty & (not allow_empty))
    if bad.any():
        i = int(bad.argmax())
        value = raw.iloc[i]
        non_finite = np.isinf(arr[i]) or value.strip().lower().lstrip("+-") == "nan"
        what = ("is empty" if value == "" else
                f"{value!r} is not a finite number" if non_finite else f"{value!r} is not a number")
        fail(file, f"{what}; {fix}", row=i + row_offset, key=column)
    return values
