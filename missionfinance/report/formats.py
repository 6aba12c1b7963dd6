"""Byte-stable serialisation of tables and JSON, with formula-injection neutralising.

Every output file of a run is built here as ``bytes`` so that the same frames give
the same bytes in every process:

- **CSV**: UTF-8 without BOM, ``\\n`` line endings, RFC 4180 quoting only where needed,
  floats in fixed-point notation with :data:`FLOAT_DECIMALS` decimals (``-0`` written as
  ``0``), NaN written as an empty cell, rows sorted by :func:`sort_rows`.
- **JSON**: UTF-8, two-space indent, ``\\n`` line endings, floats as Python's shortest
  round-trip ``repr`` (so ``objective`` is exactly the value the model reports), NaN and
  infinity written as ``null``, keys in the order given (mappings built here are ordered).
- **Text cells** that begin with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
  are prefixed with an apostrophe (``'``), the OWASP advice against CSV / formula
  injection; spreadsheet programs then show the text and never evaluate it.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

#: Decimals of every float written to CSV (£m to the pound, shares to 1e-6).
FLOAT_DECIMALS = 6

#: First characters that make a spreadsheet program read a cell as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_PREFIXES = frozenset(FORMULA_PREFIXES)


def neutralise(text: str) -> str:
    """Return ``text`` made inert for spreadsheets (formula injection).

    Examples
    --------
    >>> neutralise("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> neutralise("Offshore wind")
    'Offshore wind'
    """
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def is_float_column(series: pd.Series) -> bool:
    """True for a float column (formatted with fixed decimals)."""
    return pd.api.types.is_float_dtype(series.dtype)


def is_text_column(series: pd.Series) -> bool:
    """True for a string or object column (neutralised before writing)."""
    return pd.api.types.is_string_dtype(series.dtype) or series.dtype == object


def format_float(value: float, decimals: int = FLOAT_DECIMALS) -> str:
    """Fixed-point text of ``value``; ``""`` for NaN, never ``-0``.

    Examples
    --------
    >>> format_float(1234.5), format_float(-1e-9), format_float(float("nan"))
    ('1234.500000', '0.000000', '')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return f"{round(float(value), decimals) + 0.0:.{decimals}f}"


def _text_cell(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, float | np.floating):
        return format_float(float(value))
    return neutralise(str(value))


_T = TypeVar("_T")

#: Columns at least this long are written one distinct value at a time (see :func:`coded_column`).
_FEW_VALUES_FROM = 256


def _float_texts(rounded: np.ndarray, decimals: int) -> list[str]:
    """Fixed-point texts of already rounded floats: ``""`` for NaN, ``inf`` / ``-inf``."""
    pattern = f"%.{decimals}f"
    # a list comprehension is about twice as fast as np.char.mod, same text
    text = np.array([pattern % v for v in rounded.tolist()], dtype=object)
    text[np.isnan(rounded)] = ""
    text[np.isposinf(rounded)] = "inf"
    text[np.isneginf(rounded)] = "-inf"
    return text.tolist()


def _mostly_distinct(series: pd.Series) -> bool:
    """True when neither about 512 cells spread over ``series`` nor its first 512 repeat much.

    (Sorted or grouped rows, such as each project's cash flows, repeat within a block.)
    """
    sample = series.iloc[:: max(1, len(series) // 512)]
    block = series.iloc[:512]
    return (int(sample.nunique(dropna=False)) * 10 > 9 * len(sample)
            and int(block.nunique(dropna=False)) * 10 > 9 * len(block))


def coded_column(series: pd.Series,
                 decimals: int = FLOAT_DECIMALS) -> tuple[np.ndarray, list[str]] | None:
    """Cells of ``series`` as ``(codes, texts)``: cell ``i`` is ``texts[codes[i]]``.

    Each distinct value is formatted (as :func:`format_column` formats it) once: the
    columns of constraints and cash flows repeat a few values (0, ±inf, NaN, a handful of
    families and years). The distinct values are found by hashing
    (:func:`pandas.factorize`, one pass), not by sorting. None for a short column, a text
    column whose cells barely repeat, and columns of other types (integers, objects).
    """
    n = len(series)
    if n < _FEW_VALUES_FROM:
        return None
    dtype = series.dtype
    if is_float_column(series):
        values = series.to_numpy(dtype="float64", na_value=np.nan)
        rounded = np.round(values, decimals) + 0.0  # + 0.0: -0 becomes 0
        # one code for NaN (kept among the distinct values), one for 0 (no -0 is left)
        codes, distinct = pd.factorize(rounded, use_na_sentinel=False)
        return codes, _float_texts(np.asarray(distinct, dtype="float64"), decimals)
    if dtype == np.bool_:
        return series.to_numpy().view(np.int8), ["false", "true"]
    if isinstance(dtype, pd.CategoricalDtype):
        texts = [_text_cell(v) for v in series.cat.categories]
        codes = series.cat.codes.to_numpy()
        return np.where(codes < 0, len(texts), codes), [*texts, ""]
    if isinstance(dtype, pd.StringDtype) and not _mostly_distinct(series):
        codes, distinct = pd.factorize(series)  # a missing cell gets -1
        texts = [neutralise(t) for t in distinct.to_numpy(dtype=object).tolist()]
        return np.where(codes < 0, len(texts), codes), [*texts, ""]
    return None


def texts_at(texts: Sequence[_T], codes: np.ndarray) -> list[_T]:
    """``[texts[c] for c in codes]``, vectorised."""
    table = np.empty(len(texts), dtype=object)
    table[:] = texts
    return table[codes].tolist()


def format_column(series: pd.Series, decimals: int = FLOAT_DECIMALS) -> list[str]:
    """Text of every cell of ``series`` as written to CSV (vectorised for floats)."""
    coded = coded_column(series, decimals)
    if coded is not None:
        return texts_at(coded[1], coded[0])
    return _format_uncoded(series, decimals)


def _format_uncoded(series: pd.Series, decimals: int = FLOAT_DECIMALS) -> list[str]:
    """:func:`format_column` of a column :func:`coded_column` gives no codes for."""
    if isinstance(series.dtype, pd.StringDtype):
        return _text_cells(series)
    if is_float_column(series):
        values = series.to_numpy(dtype="float64", na_value=np.nan)
        return _float_texts(np.round(values, decimals) + 0.0, decimals)  # + 0.0: no -0
    if pd.api.types.is_bool_dtype(series.dtype):
        return ["true" if v else "false" for v in series.tolist()]
    if pd.api.types.is_integer_dtype(series.dtype) and not series.hasnans:
        return [str(int(v)) for v in series.tolist()]
    if isinstance(series.dtype, pd.CategoricalDtype):
        categories = pd.Series([_text_cell(v) for v in series.cat.categories], dtype=object)
        codes = series.cat.codes.to_numpy()
        texts = categories.to_numpy()[np.where(codes < 0, 0, codes)] if len(categories) else (
            np.full(len(series), "", dtype=object))
        return ["" if c < 0 else t for c, t in zip(codes.tolist(), texts.tolist(), strict=True)]
    if pd.api.types.infer_dtype(series, skipna=True) in ("string", "empty"):
        return _text_cells(series)
    return [_text_cell(v) for v in series.tolist()]


def _text_cells(series: pd.Series) -> list[str]:
    """Cells of a column of text only (and missing cells), neutralised in one pass.

    The same texts as :func:`_text_cell` of each cell.
    """
    cells = series.to_numpy(dtype=object, na_value="").tolist()
    if isinstance(series.dtype, pd.StringDtype) and len(cells) >= _FEW_VALUES_FROM:
        # str already; first characters at once
        risky = bool(series.str[:1].isin(FORMULA_PREFIXES).any())
    else:
        cells = [str(c) for c in cells]
        risky = not _PREFIXES.isdisjoint({c[:1] for c in cells})
    # no cell begins with a risky character: nothing to change
    return [neutralise(c) for c in cells] if risky else cells


def sort_rows(frame: pd.DataFrame, keys: Sequence[str] | None = None) -> pd.DataFrame:
    """Rows of ``frame`` in a total, process-independent order.

    Sorted by ``keys`` (default: every non-float column, left to right), then by every
    remaining column, with a stable sort so ties keep no memory of the input order
    beyond what the values themselves say.
    """
    if frame.empty:
        return frame.reset_index(drop=True)
    order = _sort_positions(frame, keys)
    if not frame.index.is_unique:  # rows taken by their labels, as they always were
        return frame.loc[frame.index[order]].reset_index(drop=True)
    return frame.take(order).reset_index(drop=True)


def _arrow_text(series: pd.Series) -> bool:
    """True for a text column held by pyarrow."""
    return isinstance(series.dtype, pd.StringDtype) and series.dtype.storage == "pyarrow"


def _sort_positions(frame: pd.DataFrame, keys: Sequence[str] | None = None) -> np.ndarray:
    """Positions of the non-empty ``frame``'s rows in :func:`sort_rows` order."""
    frame = frame.reset_index(drop=True)
    cols = list(keys) if keys is not None else []
    cols += [c for c in frame.columns if c not in cols and not is_float_column(frame[c])]
    cols += [c for c in frame.columns if c not in cols]

    def key(c: Any) -> pd.Series:
        return frame[c].astype(str) if is_text_column(frame[c]) else frame[c]

    first = key(cols[0])
    if first.iloc[:512].duplicated().any():
        repeats = True
    elif _arrow_text(first):  # sorted first, then compared with its neighbours
        order = first.array.argsort(kind="mergesort", na_position="last")
        ordered = first.array.__arrow_array__().take(pa.array(order))
        repeats = ordered.null_count > 1 or bool(
            pc.any(pc.equal(ordered[1:], ordered[:-1])).as_py())
        if not repeats:  # a unique first key decides the order alone
            return np.asarray(order, dtype=np.intp)
    else:
        repeats = bool(first.duplicated().any())
    if not repeats:  # a unique first key decides the order alone
        order = first.sort_values(kind="mergesort", na_position="last").index
    else:
        sortable = pd.DataFrame({str(i): key(c) for i, c in enumerate(cols)})
        order = sortable.sort_values(list(sortable.columns), kind="mergesort",
                                     na_position="last").index
    return np.asarray(order, dtype=np.intp)


def csv_bytes(frame: pd.DataFrame, keys: Sequence[str] | None = None, sort: bool = True) -> bytes:
    """The CSV file of ``frame``: sorted rows, fixed floats, neutralised text, ``\\n`` endings.

    Examples
    --------
    >>> df = pd.DataFrame({"project_id": ["P2", "=P1"], "public": [2.0, -0.0]})
    >>> print(csv_bytes(df).decode(), end="")
    project_id,public
    '=P1,0.000000
    P2,2.000000
    """
    order = None
    if sort and len(frame.columns) >= 2 and not frame.empty and frame.index.is_unique:
        # the cells are made in the frame's order, then put in the sorted order (codes and
        # lists of texts are cheaper to reorder than the frame's columns)
        order = _sort_positions(frame, keys)
        data = frame.reset_index(drop=True)
    else:
        data = sort_rows(frame, keys) if sort else frame.reset_index(drop=True)
    header = _csv_line([neutralise(str(c)) for c in data.columns])
    if len(data.columns) < 2:  # the csv module writes a lone empty cell as ""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        writer.writerows(zip(*(format_column(data[c]) for c in data.columns), strict=True))
        return (header + buffer.getvalue()).encode("utf-8")
    # the file is joined as bytes: each text is encoded once (a distinct value once), so
    # only text that is not ASCII is encoded character by character
    pieces: list[tuple[np.ndarray, list[bytes]] | list[bytes]] = []
    for c in data.columns:
        coded = coded_column(data[c])
        if coded is None:
            cells = _utf8(csv_cells(_format_uncoded(data[c])))
            pieces.append(cells if order is None else texts_at(cells, order))
        else:
            codes = coded[0] if order is None else coded[0][order]
            pieces.append((codes, _utf8(csv_cells(coded[1]))))
    columns = _joined_runs(pieces, len(data))
    head = header.encode("utf-8")
    if not len(data):
        return head
    # one join for the whole file (no copy for the header or the last line end)
    lines = itertools.chain((head[:-1],), map(b",".join, zip(*columns, strict=True)), (b"",))
    return b"\n".join(lines)


def _utf8(texts: list[str]) -> list[bytes]:
    """``[t.encode("utf-8") for t in texts]``, in one encoding where no text holds a NUL."""
    joined = "\x00".join(texts)
    if texts and joined.count("\x00") == len(texts) - 1:
        return joined.encode("utf-8").split(b"\x00")
    return [t.encode("utf-8") for t in texts]


_Text = TypeVar("_Text", str, bytes)


def _joined_runs(pieces: Sequence[tuple[np.ndarray, list[_Text]] | list[_Text]],
                 rows: int) -> list[list[_Text]]:
    """Quoted cells of each column, neighbouring coded columns joined with commas.

    ``pieces`` holds, per column, its quoted cells or its ``(codes, texts)``
    (:func:`coded_column`), all ``str`` or all ``bytes``. A run of neighbouring coded
    columns whose combinations of values stay few (at most a quarter of the rows: the
    family, control, year, mission and region of a constraint; a constraint's numbers) is
    written as one column of comma-joined texts, each combination joined once, so each
    line joins fewer cells.
    """
    out: list[list[_Text]] = []
    run: list[tuple[np.ndarray, list[_Text]]] = []
    codes = np.zeros(rows, dtype=np.int64)
    count = 1

    def close() -> None:
        if not run:
            return
        if len(run) == 1:
            out.append(texts_at(run[0][1], run[0][0]))
        else:
            first = np.empty(count, dtype=np.int64)
            first[codes] = np.arange(rows, dtype=np.int64)  # a row of each combination
            parts = [texts_at(texts, part[first]) for part, texts in run]
            comma = "," if isinstance(run[0][1][0], str) else b","
            out.append(texts_at(list(map(comma.join, zip(*parts, strict=True))), codes))
        run.clear()

    for piece in pieces:
        if isinstance(piece, list):
            close()
            out.append(piece)
            continue
        part, texts = piece
        if run:
            combined = codes * len(texts) + part
            if count * len(texts) <= 4 * rows:  # few possible combinations: count them
                seen = np.bincount(combined, minlength=count * len(texts)) > 0
                joined, together = np.cumsum(seen)[combined] - 1, int(seen.sum())
            else:
                joined, uniques = pd.factorize(combined)
                together = len(uniques)
            if 4 * together <= rows:
                codes, count = joined.astype(np.int64, copy=False), together
                run.append((part, texts))
                continue
            close()
        codes, count = part.astype(np.int64, copy=True), len(texts)
        run.append((part, texts))
    close()
    return out


def _csv_line(cells: Sequence[str]) -> str:
    """One line as the csv module writes it (minimal quoting, ``\\n`` line end)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_MINIMAL).writerow(cells)
    return buffer.getvalue()


def csv_cells(cells: list[str]) -> list[str]:
    """Text cells of one column as the csv module writes them among others on a line.

    Minimal quoting: a cell with a comma, a double quote or a line feed is put in double
    quotes with its quotes doubled; a cell with a carriage return (and none of those) is
    quoted however the csv module quotes it; every other cell is written as it is.
    Several times faster than ``csv.writer`` on long texts that are not plain ASCII.
    """
    joined = "".join(cells)
    if not any(ch in joined for ch in ',"\n\r'):
        return cells
    if '"' not in joined and "\r" not in joined:  # commas or line feeds: quotes around
        if "\n" not in joined:
            return [f'"{cell}"' if "," in cell else cell for cell in cells]
        return [f'"{cell}"' if "," in cell or "\n" in cell else cell for cell in cells]
    out = list(cells)
    for k, cell in enumerate(cells):
        if "," in cell or '"' in cell or "\n" in cell:
            out[k] = '"' + cell.replace('"', '""') + '"'
        elif "\r" in cell:
            out[k] = _csv_line([cell, ""])[:-2]  # the cell as the csv module writes it
    return out


def csv_rows(columns: Sequence[Sequence[str]]) -> str:
    """Lines of the already quoted cells of two or more equally long ``columns``."""
    if not columns or not len(columns[0]):
        return ""
    return "\n".join(map(",".join, zip(*columns, strict=True))) + "\n"


def jsonable(value: Any) -> Any:
    """``value`` with numpy / pandas scalars turned into plain JSON types (NaN → None)."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted(jsonable(v) for v in value)
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        f = float(value)
        return f if math.isfinite(f) else None
    if hasattr(value, "value") and not isinstance(value, str):  # enums such as Status
        return jsonable(value.value)
    return str(value)


def json_bytes(data: Mapping[str, Any]) -> bytes:
    """Stable JSON text of ``data`` (keys in given order, floats as shortest repr).

    Examples
    --------
    >>> json_bytes({"objective": 0.1 + 0.2, "x": float("nan")}).decode()
    '{\\n  "objective": 0.30000000000000004,\\n  "x": null\\n}\\n'
    """
    text = json.dumps(jsonable(data), indent=2, ensure_ascii=False, allow_nan=False)
    return (text + "\n").encode("utf-8")
