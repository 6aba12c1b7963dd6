"""Fast reading of canonical lines CSVs and fast writing of tag tables, through Arrow.

``missionfinance tag`` spends most of its time outside the engine on large inputs: reading
a canonical CSV cell by cell and writing ``tags.csv`` with a Python call per cell. This
module does both with vectorised Arrow compute and gives **the same result**:

- :func:`read_lines_csv` returns exactly the frame :func:`missionfinance.io.read_lines`
  returns for a canonical CSV (plain or gzip), or ``None`` whenever the file is anything
  else or anything in it is unusual (a damaged or non-UTF-8 file, a ragged row, an empty or
  repeated ``line_id``, an amount that is not a plain finite number, a character that
  Python and Arrow trim differently). The caller then uses the ordinary reader, which gives
  the usual one-line error; the fast path never decides what is an error.
- :func:`tags_csv_bytes` returns exactly the bytes of the report layer's
  ``report.formats.csv_bytes(frame, sort=False)`` (fixed 6-decimal floats, ``-0`` written as
  ``0``, formula prefixes neutralised, RFC 4180 quoting where needed) for frames of text,
  categorical and float columns, and ``None`` for any other frame (the caller then uses
  ``csv_bytes``; tagging sits below the report layer and does not import it — the tests
  check the two agree byte for byte).

Amounts are £ million, as in the lines frame (DESIGN §3.1).
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from missionfinance.errors import MissionFinanceError
from missionfinance.io._files import read_bytes
from missionfinance.io.schema import LINES_COLUMNS, LINES_SCHEMA, bad_line_code, warn_near_misses

FLOAT_DECIMALS = 6
"""Decimals of floats in CSV, as ``report.formats.FLOAT_DECIMALS`` (the tests check)."""

_STR = pd.StringDtype("pyarrow", na_value=np.nan)
# Python's str.strip() also strips U+001C..U+001F, Arrow's trim does not: such files go slow
_TRIM_DIFFERS = (b"\x1c", b"\x1d", b"\x1e", b"\x1f")
_GZIP = b"\x1f\x8b"
# |value| below which round(value, 6) is written exactly from its integer count of 1e-6
_EXACT = 1e8


def _lit(text: str) -> pa.Scalar:
    return pa.scalar(text, pa.large_string())


def _str_series(arr: pa.ChunkedArray | pa.Array) -> pd.Series:
    return pd.Series(pd.array(arr, dtype=_STR))


def read_lines_csv(path: str | os.PathLike[str]) -> pd.DataFrame | None:
    """The lines frame of a canonical lines CSV, or ``None`` (use the ordinary reader).

    Parameters
    ----------
    path : str or Path
        A plain or gzip-compressed CSV with a header row holding ``line_id``.

    Returns
    -------
    pandas.DataFrame or None
        Columns of DESIGN §3.1 (``amount`` float64 [£m], text columns ``str``, ``""`` for
        empty), identical to :func:`missionfinance.io.read_lines`; ``None`` when the fast
        path does not apply.
    """
    p = Path(path)
    if not p.is_file():
        return None
    with p.open("rb") as handle:
        head = handle.read(4)
    if head.startswith((b"PK", b"PAR1")):
        return None
    try:
        raw = read_bytes(p) if head.startswith(_GZIP) else p.read_bytes()
    except MissionFinanceError:
        return None
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if any(ch in raw for ch in _TRIM_DIFFERS):
        return None
    try:
        end = raw.find(b"\n")
        first = raw[: end if end >= 0 else len(raw)].rstrip(b"\r").decode("utf-8")
    except UnicodeDecodeError:
        return None
    if first.lstrip().startswith(("{", "[")):
        return None
    header = next(csv.reader([first]), [])
    names = [h.strip() for h in header]
    if not header or len(set(header)) != len(header) or len(set(names)) != len(names):
        return None
    required = [c.name for c in LINES_SCHEMA if c.required]
    if any(r not in names for r in required):
        return None
    try:
        table = pacsv.read_csv(
            pa.py_buffer(raw),
            read_options=pacsv.ReadOptions(use_threads=True, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types={h: pa.large_string() for h in header},
                strings_can_be_null=False, quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, UnicodeDecodeError):
        return None
    if table.num_columns != len(header):
        return None
    cols = {name: pc.utf8_trim_whitespace(table.column(h)) for h, name in zip(header, names, strict=True)}
    n = table.num_rows
    ids = cols["line_id"]
    if n and (pc.any(pc.equal(ids, "")).as_py() or pc.count_distinct(ids).as_py() != n):
        return None
    try:
        amount = pc.cast(cols["amount"], pa.float64()).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if not np.isfinite(amount).all() or _odd_numbers(cols["amount"]):
        return None
    out: dict[str, pd.Series] = {}
    for c in LINES_SCHEMA:
        if c.dtype == "float":
            out[c.name] = pd.Series(amount, dtype="float64")
        elif c.name in cols:
            out[c.name] = _str_series(cols[c.name])
        else:
            out[c.name] = _str_series(pa.repeat(pa.scalar(str(c.default), pa.large_string()), n))
    frame = pd.DataFrame(out)
    if bad_line_code(frame) is not None:
        return None
    warn_near_misses(p, names, LINES_COLUMNS, "lines")
    return frame


def _odd_numbers(values: pa.ChunkedArray) -> bool:
    """True when an amount is written in a way pandas and Arrow might read differently."""
    plain = pc.match_substring_regex(values, r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
    return not pc.all(plain).as_py() if len(values) else False


# ----------------------------------------------------------------------------- writing
def _text_cells(arr: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """Neutralise formula prefixes and quote where needed (csv QUOTE_MINIMAL, ``\\n`` ends)."""
    arr = pc.cast(arr, pa.large_string())
    formula = pc.match_substring_regex(arr, r"^[=+\-@\t\r]")
    arr = pc.if_else(formula, pc.binary_join_element_wise(_lit("'"), arr, _lit("")), arr)
    needs = pc.match_substring_regex(arr, '[,"\n]')
    quoted = pc.binary_join_element_wise(_lit('"'), pc.replace_substring(arr, '"', '""'), _lit('"'), _lit(""))
    return pc.if_else(needs, quoted, arr)


def _float_cells(values: np.ndarray) -> pa.Array:
    """``format_float`` of every value: ``"%.6f" % (numpy.round(v, 6) + 0.0)``."""
    v = np.asarray(values, dtype=np.float64)
    scale = 10.0 ** FLOAT_DECIMALS
    finite = np.isfinite(v)
    small = finite & (np.abs(v) < _EXACT)
    k = np.rint(np.where(small, v, 0.0) * scale).astype(np.int64)
    mag = np.abs(k)
    whole = pc.cast(pa.array(mag // int(scale)), pa.large_string())
    frac = pc.utf8_lpad(pc.cast(pa.array(mag % int(scale)), pa.large_string()), FLOAT_DECIMALS, "0")
    sign = pa.array(np.where(k < 0, "-", ""), pa.large_string())
    text = pc.binary_join_element_wise(pc.binary_join_element_wise(sign, whole, _lit("")), frac, _lit("."))
    rest = ~small
    if rest.any():  # large, infinite or NaN values: the reference formatting, one by one
        py = np.array(text.to_pylist(), dtype=object)
        for i in np.flatnonzero(rest):
            x = v[i]
            py[i] = "" if np.isnan(x) else ("inf" if x > 0 else "-inf") if np.isinf(x) else (
                f"%.{FLOAT_DECIMALS}f" % (np.round(x, FLOAT_DECIMALS) + 0.0))
        return pa.array(py, pa.large_string())
    return text


def _column_cells(series: pd.Series) -> pa.Array | pa.ChunkedArray | None:
    dtype = series.dtype
    if pd.api.types.is_float_dtype(dtype):
        return _float_cells(series.to_numpy(dtype="float64", na_value=np.nan))
    if isinstance(dtype, pd.CategoricalDtype):
        cats = series.cat.categories
        if not (pd.api.types.is_string_dtype(cats.dtype) or cats.dtype == object):
            return None
        if any(not isinstance(c, str) for c in cats):
            return None
        cells = _text_cells(pa.array(list(cats), pa.large_string()))
        codes = series.cat.codes.to_numpy()
        taken = pc.take(cells, pa.array(np.where(codes < 0, 0, codes)))
        return pc.if_else(pa.array(codes < 0), _lit(""), taken) if (codes < 0).any() else taken
    if pd.api.types.is_string_dtype(dtype) and not pd.api.types.is_object_dtype(dtype):
        arr = pa.chunked_array([pa.array(series.array, from_pandas=True)]) if not hasattr(
            series.array, "_pa_array") else series.array._pa_array
        arr = pc.fill_null(pc.cast(arr, pa.large_string()), "")
        return _text_cells(arr)
    return None


def tags_csv_bytes(frame: pd.DataFrame) -> bytes | None:
    """``csv_bytes(frame, sort=False)`` vectorised, or ``None`` for a frame it does not handle.

    Handles text (``str``), categorical-of-text and float columns; ``None`` for an empty
    frame or any other column type.
    """
    if frame.empty:
        return None
    cells = []
    for name in frame.columns:
        c = _column_cells(frame[name])
        if c is None:
            return None
        cells.append(c)
    header_cells = [str(c) for c in frame.columns]
    header_cells = ["'" + h if h.startswith(("=", "+", "-", "@", "\t", "\r")) else h for h in header_cells]
    header = _header_line(header_cells)
    rows = pc.binary_join_element_wise(*cells, _lit(","))
    rows = pc.binary_join_element_wise(rows, _lit(""), _lit("\n"))
    arr = pc.cast(rows, pa.large_string())
    arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64)[arr.offset: arr.offset + len(arr) + 1]
    data = arr.buffers()[2]
    body = data.to_pybytes()[offsets[0]: offsets[-1]] if data is not None else b""
    return header + body


def _header_line(cells: list[str]) -> bytes:
    import io

    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_MINIMAL).writerow(cells)
    return buffer.getvalue().encode("utf-8")
