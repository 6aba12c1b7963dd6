"""The two input tables of missionfinance, written once as data.

:data:`LINES_SCHEMA` is the lines table of DESIGN §3.1 (what is tagged) and
:data:`PIPELINE_SCHEMA` the pipeline table of §3.2 (what is funded). Each
column says its dtype, unit, default, whether it is required, what it means and
what an empty cell means. The readers validate against these tuples and the
README's tables are rendered from them by :func:`schema_markdown`, so the
documentation cannot drift from the code.

Missing-value semantics (the ``missing`` field) in one place:

- lines: an empty optional text column is ``""`` (never NaN); an empty ``cpv``
  or ``cofog`` means no CPV / COFOG criterion of a rule can match the line (codes are
  checked and normalised by :mod:`missionfinance.io._codes`);
  ``amount`` is never empty (write 0).
- pipeline: an empty ``private_capacity`` means unlimited (NaN in the frame);
  an empty ``pd`` is 0 on a project eligible only for grants and an error on any other
  (pd is for loans, guarantees and equity: DESIGN §3.2);
  an empty ``lgd`` is 0.45, an empty ``additionality`` 1; an empty
  ``start_year`` / ``end_year`` is the first / last year of the horizon;
  ``leverage_<instrument>`` is NaN where the instrument is not eligible;
  an empty ``<instrument>_<term>`` (e.g. ``loan_tenor``) is the scenario's term.
"""

from __future__ import annotations

import difflib
import math
import warnings
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from missionfinance.errors import MissionFinanceError, MissionFinanceWarning, where
from missionfinance.io._codes import check_codes, code_problem
from missionfinance.years import is_financial_year

__all__ = [
    "LINES_COLUMNS",
    "BUDGET_TYPES",
    "LINES_SCHEMA",
    "PIPELINE_SCHEMA",
    "Column",
    "bad_line_code",
    "empty_lines",
    "finish_lines",
    "missing_fix",
    "schema_markdown",
    "text",
    "warn_near_misses",
]


@dataclass(frozen=True)
class Column:
    """One column of an input table.

    Attributes
    ----------
    name : str
        Canonical column name (``leverage_<instrument>`` stands for a family).
    dtype : str
        ``"str"`` (text, ``""`` when empty) or ``"float"`` (float64).
    unit : str
        Unit of a number, e.g. ``"£m"``, ``"share"``; ``""`` for text.
    required : bool
        True when the column must be present in the input file.
    default : object
        Value used when the column or a cell is empty (None: no default).
    description : str
        What the column means.
    missing : str
        What an empty cell means.
    """

    name: str
    dtype: str
    unit: str
    required: bool
    default: object
    description: str
    missing: str


_NAN = float("nan")

#: DESIGN §3.1: one row per spending line, in this column order.
LINES_SCHEMA: tuple[Column, ...] = (
    Column("line_id", "str", "", True, None,
           "stable identifier, unique (OCDS: the ocid; CRA: CRA-<segment code>-<region>-<year>)",
           "not allowed"),
    Column("source", "str", "", True, None,
           "`spending_review`, `procurement`, `cra` or another label", "not allowed"),
    Column("department", "str", "", True, None,
           "owning department or buyer", "no department criterion can match"),
    Column("programme", "str", "", False, "",
           "programme / budget line name", "\"\""),
    Column("description", "str", "", True, None,
           "free text used by keyword rules", "no keyword can match"),
    Column("amount", "float", "£m", True, None,
           "money of the line; negative for income or netted receipts (kept, never dropped)",
           "not allowed (write 0)"),
    Column("year", "str", "", False, "",
           "financial year such as `2026-27`", "\"\": no year"),
    Column("budget_type", "str", "", False, "",
           "`RDEL`, `CDEL`, `AME`", "\"\": not a DEL/AME line (e.g. CRA outturn, contracts)"),
    Column("cofog", "str", "", False, "",
           "COFOG code(s) of the COFOG list such as `04.3`, `;`-separated (`4.3` is read as "
           "`04.3`; the CRA's `07.A`–`07.C` are accepted)", "no COFOG criterion can match"),
    Column("cpv", "str", "", False, "",
           "CPV 2008 code(s), 8 digits without check digit, `;`-separated (`45210000-2` is "
           "read as `45210000`)", "no CPV criterion can match"),
    Column("region", "str", "", False, "",
           "ITL1 code or name", "\"\": not regional"),
    Column("supplier", "str", "", False, "",
           "supplier name(s), `;`-separated (procurement)", "\"\": none known"),
)

#: Names of :data:`LINES_SCHEMA` in order.
LINES_COLUMNS: tuple[str, ...] = tuple(c.name for c in LINES_SCHEMA)

#: DESIGN §3.2: one row per investable project.
#: Loss given default when the pipeline leaves it empty [share]. Basel II
#: foundation-IRB LGD for senior unsecured claims (BCBS 2006, para 287). The one home of
#: this default: the reader, the model and the report's views all take it from here.
DEFAULT_LGD = 0.45

#: Additionality when the pipeline leaves it empty [share]: all mobilised money
#: counts (DESIGN §3.2); the European Court of Auditors (2019) suggests ~2/3 for EFSI.
DEFAULT_ADDITIONALITY = 1.0

PIPELINE_SCHEMA: tuple[Column, ...] = (
    Column("project_id", "str", "", True, None, "unique project id", "not allowed"),
    Column("name", "str", "", False, "", "project name", "\"\""),
    Column("description", "str", "", False, "", "free text used by keyword rules",
           "no keyword can match"),
    Column("department", "str", "", False, "", "sponsoring department",
           "no department criterion can match"),
    Column("region", "str", "", False, "", "ITL1 code or name", "\"\": not regional"),
    Column("cofog", "str", "", False, "", "COFOG code(s), `;`-separated, as for lines",
           "no COFOG criterion can match"),
    Column("cpv", "str", "", False, "", "CPV 2008 code(s), 8 digits, `;`-separated, as for lines",
           "no CPV criterion can match"),
    Column("capacity", "float", "£m", True, None,
           "most public finance the project can absorb over the horizon (> 0)", "not allowed"),
    Column("private_capacity", "float", "£m", False, _NAN,
           "most private co-investment available (≥ 0)",
           "unlimited (NaN): bounded by leverage (with `[constraints] financing_plan = "
           "true`: capacity less public cash)"),
    Column("max_per_year", "float", "£m", False, _NAN,
           "most public cash the project can draw in one financial year (> 0)",
           "no limit by year (with `[constraints] even_drawdown = true`: capacity / years "
           "in the project's window)"),
    Column("instruments", "str", "", True, None,
           "eligible instruments, `;`-separated, e.g. `grant;loan;guarantee`", "not allowed"),
    Column("leverage_<instrument>", "float", "£/£", True, None,
           "private £ crowded in per public £ by that instrument (≥ 0); required for every "
           "eligible instrument", "not allowed where eligible (write 0); NaN where not eligible"),
    Column("pd", "float", "share", False, None,
           "probability of default over the horizon, 0–1 (loans, guarantees, equity "
           "write-downs); required for every project eligible for an instrument other than "
           "`grant` (the column may be left out when every project is grant-only)",
           "0 for a grant-only project; not allowed otherwise (write 0 for no risk)"),
    Column("lgd", "float", "share", False, DEFAULT_LGD,
           "loss given default, 0–1", f"{DEFAULT_LGD:g}"),
    Column("additionality", "float", "share", False, DEFAULT_ADDITIONALITY,
           "share of mobilised private money that would not happen anyway, 0–1", "1"),
    Column("start_year", "str", "", False, "",
           "first financial year the project can receive money",
           "first year of the horizon (clipped to it)"),
    Column("end_year", "str", "", False, "",
           "last financial year the project can receive money",
           "last year of the horizon (clipped to it)"),
    Column("<instrument>_<term>", "float", "term's unit", False, _NAN,
           "this project's cash-flow term for that instrument, overriding the scenario's: "
           "`tenor`, `grace`, `hold` [years]; `interest_rate`, `dividend_yield`, `fee_rate`, "
           "`exit_return` [share a year]; `exit_multiple` [×] (docs/model.md)",
           "the scenario's term"),
    Column("upside_share", "float", "share", False, _NAN,
           "public share of the project's expected profit or revenue, 0–1, paid per £m of "
           "public cash (grant, loan, equity) as `dividend` rows (docs/model.md)", "0: no share"),
    Column("upside_expected", "float", "£m a year per £m", False, _NAN,
           "expected project profit or revenue a year per £m of public cash committed, ≥ 0 "
           "(probability-weighted)", "0"),
    Column("upside_year", "float", "years", False, _NAN,
           "first year after commitment the upside is received, whole, 1–75", "1"),
    Column("upside_years", "float", "years", False, _NAN,
           "number of years the upside is received, whole, 1–75", "1"),
    Column("clawback_threshold", "float", "£m per £m", False, _NAN,
           "cumulative expected profit per £m of public cash above which the clawback applies, "
           "≥ 0", "0"),
    Column("clawback_share", "float", "share", False, _NAN,
           "public share of the cumulative profit above the threshold, 0–1, paid once as an "
           "`exit` row at the last upside year, at most the £ committed", "0: no clawback"),
)


def _fmt_default(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return "NaN"
    if value == "":
        return '""'
    return str(value)


def schema_markdown(schema: tuple[Column, ...]) -> str:
    """Render a schema as a Markdown table (for the README).

    Parameters
    ----------
    schema : tuple of Column
        :data:`LINES_SCHEMA` or :data:`PIPELINE_SCHEMA`.

    Returns
    -------
    str
        A Markdown table with one row per column, ending with a newline.

    Examples
    --------
    >>> print(schema_markdown(LINES_SCHEMA).splitlines()[2])
    | line_id | str |  | yes |  | stable identifier, unique (OCDS: the ocid; CRA: CRA-<segment code>-<region>-<year>) | not allowed |
    """
    out = [
        "| column | type | unit | required | default | meaning | empty cell means |",
        "|---|---|---|---|---|---|---|",
    ]
    for c in schema:
        out.append(
            f"| {c.name} | {c.dtype} | {c.unit} | {'yes' if c.required else 'no'} | "
            f"{_fmt_default(c.default)} | {c.description} | {c.missing} |"
        )
    return "\n".join(out) + "\n"


def empty_lines() -> pd.DataFrame:
    """An empty lines frame with every column of :data:`LINES_SCHEMA` and its dtype."""
    return pd.DataFrame(
        {c.name: pd.Series([], dtype="float64" if c.dtype == "float" else "str")
         for c in LINES_SCHEMA}
    )


def text(series: pd.Series) -> pd.Series:
    """Text column: NaN/None → ``""``, values as ``str``, surrounding spaces stripped."""
    if series.dtype == "str" and not series.hasnans:  # already text: strip in place of a round trip
        return series.str.strip()
    s = series.astype("object").where(series.notna(), "")
    return s.astype("str").str.strip()


def missing_fix(column: str, present: Iterable[object]) -> str:
    """The fix for a missing column: rename a near-miss header, else add or map it.

    Examples
    --------
    >>> missing_fix("capacity", ["project_id", "Capacity "])
    "rename column 'Capacity ' to 'capacity'"
    >>> missing_fix("amount", ["line_id"])
    'add it or map a source column to it with column_map'
    """
    def key(name: object) -> str:
        return "".join(ch for ch in str(name).lower() if ch.isalnum())

    near = [str(c) for c in present if key(c) == key(column)]
    if near:
        return f"rename column {near[0]!r} to {column!r}"
    return "add it or map a source column to it with column_map"


def finish_lines(frame: pd.DataFrame, file: object, codes: bool = False) -> pd.DataFrame:
    """Return the canonical lines frame: §3.1 columns in order, defaults filled, validated.

    Optional columns absent from ``frame`` are added with their default; text
    columns become ``str`` with ``""`` for empty; ``amount`` must already be
    numeric. Extra columns are dropped.

    Parameters
    ----------
    frame : pandas.DataFrame
        Lines with canonical names (not modified).
    file : path-like or str
        File named in error messages.
    codes : bool, default False
        Normalise the ``cpv`` and ``cofog`` cells as a user wrote them (check digits,
        ``4.3`` for ``04.3``) and refuse a cell that is not codes, naming its row
        (:func:`missionfinance.io._codes.check_codes`). Readers that build the codes
        themselves (CRA, OCDS) leave it False; the cells must then be normalised already.

    Returns
    -------
    pandas.DataFrame
        ``line_id, source, department, programme, description, amount [£m], year,
        budget_type, cofog, cpv, region, supplier`` with a fresh RangeIndex.

    Raises
    ------
    MissionFinanceError
        Missing required column, no lines at all, empty or duplicate ``line_id``,
        non-finite amount, a ``year``, ``budget_type``, ``cofog`` or ``cpv`` cell
        outside its vocabulary.
    """
    missing = [c.name for c in LINES_SCHEMA if c.required and c.name not in frame.columns]
    if missing:
        raise MissionFinanceError(
            f"{where(file, key=missing[0])}: required column {missing[0]!r} is missing; "
            f"{missing_fix(missing[0], frame.columns)}"
        )
    cols: dict[str, pd.Series] = {}
    n = len(frame)
    for c in LINES_SCHEMA:
        if c.name in frame.columns:
            s = frame[c.name].reset_index(drop=True)
        else:
            s = pd.Series([c.default] * n, dtype="object")
        if c.dtype == "float":
            cols[c.name] = s.astype("float64")
        else:
            cols[c.name] = text(s)
    out = pd.DataFrame(cols)
    if n == 0:
        raise MissionFinanceError(
            f"{where(file)}: has no lines (a header but no data rows); add at least one line "
            f"below the header, or leave the file out"
        )
    ids = out["line_id"]
    empty = ids == ""
    if empty.any():
        i = int(empty.to_numpy().argmax())
        raise MissionFinanceError(
            f"{where(file, row=i + 1, key='line_id')}: line_id is empty; give every line an id"
        )
    dup = ids.duplicated()
    if dup.any():
        i = int(dup.to_numpy().argmax())
        first = int((ids == ids.iloc[i]).to_numpy().argmax())
        raise MissionFinanceError(
            f"{where(file, row=i + 1, key='line_id')}: {ids.iloc[i]!r} duplicates row "
            f"{first + 1}; line ids must be unique"
        )
    amount = out["amount"].to_numpy()
    bad = ~np.isfinite(amount)
    if bad.any():
        i = int(bad.argmax())
        raise MissionFinanceError(
            f"{where(file, row=i + 1, key='amount')}: amount {amount[i]!r} is not a finite "
            f"number; write the amount in £m (0 if none)"
        )
    if codes:
        out = check_codes(out, file)
    problem = bad_line_code(out, unknown_cpv=False)
    if problem is not None:
        i, column, message = problem
        raise MissionFinanceError(f"{where(file, row=i + 1, key=column)}: {message}")
    return out


#: The values DESIGN §3.1 gives for a line's ``budget_type`` ("" when it has none).
BUDGET_TYPES: tuple[str, ...] = ("RDEL", "CDEL", "AME")


def bad_line_code(lines: pd.DataFrame, unknown_cpv: bool = True) -> tuple[int, str, str] | None:
    """The first ``year``, ``budget_type``, ``cofog`` or ``cpv`` cell outside its vocabulary, or None.

    A non-empty ``year`` must be a financial year such as ``"2026-27"`` (not ``"2026/27"``
    or ``"2026-28"``); a non-empty ``budget_type`` one of ``RDEL``, ``CDEL``, ``AME``;
    ``cofog`` and ``cpv`` codes in their normalised form (``04.3``; 8 digits), ``;``-joined,
    COFOG codes of the COFOG list (:mod:`missionfinance.io._codes`). A cell a reader would
    normalise (``4.3``, ``45210000-2``) counts as outside: a caller that finds one hands the
    table to the ordinary reader.

    Parameters
    ----------
    lines : pandas.DataFrame
        Lines frame with text columns ``year``, ``budget_type``, ``cofog`` and ``cpv``
        (any may be absent).
    unknown_cpv : bool, default True
        Also count a well-formed CPV code not in the CPV 2008 list (the ordinary reader
        keeps it and warns).

    Returns
    -------
    tuple of (int, str, str) or None
        0-based row, column and the message (value quoted, then the fix).
    """
    for column in ("year", "budget_type"):
        if column not in lines.columns:
            continue
        values = lines[column]
        distinct = [str(v) for v in values.unique()]  # few distinct values: check those only
        if column == "year":
            wrong = [v for v in distinct if v != "" and not is_financial_year(v)]
        else:
            wrong = [v for v in distinct if v != "" and v not in BUDGET_TYPES]
        if not wrong:
            continue
        i = int((values == wrong[0]).to_numpy().argmax())
        if column == "year":
            fix = "write a financial year like '2026-27' or leave it empty"
        else:
            fix = f"use one of {', '.join(BUDGET_TYPES)} or leave it empty"
        return i, column, f"{column} {wrong[0]!r} is not allowed; {fix}"
    return code_problem(lines, unknown_cpv=unknown_cpv)


def warn_near_misses(file: object, columns: Iterable[str], known: Iterable[str], table: str) -> None:
    """Warn about a column that is not one of ``known`` but is spelt almost like one.

    Columns a table does not know are ignored, so a misspelt optional column
    (``privat_capacity``) would silently fall back to its default; this says so in one
    line (a :class:`~missionfinance.errors.MissionFinanceWarning`) naming the fix.

    Parameters
    ----------
    file : path-like or str
        File named in the warning.
    columns : iterable of str
        The file's column names.
    known : iterable of str
        The names the table reads.
    table : str
        ``"lines"`` or ``"pipeline"``, for the message.
    """
    names = sorted(set(known))
    for column in columns:
        if column in names:
            continue
        close = difflib.get_close_matches(column, names, n=1, cutoff=0.85)
        if close:
            warnings.warn(MissionFinanceWarning(
                f"{where(file, key=column)}: not a {table} column, so it is ignored and "
                f"{close[0]!r} takes its default; rename it if it is meant to be {close[0]!r}"
            ), stacklevel=3)
