"""Spending Review 2025 departmental DEL tables (Table 5.3 RDEL, Table 5.4 CDEL).

The tables have columns ``row_id, label, memo`` then one column per financial
year [£m] (and real-growth columns, ignored; any other column is an error, so that a year
written another way, e.g. ``2026/27``, is not dropped unseen). Rows come in three kinds:

- **department rows** — every row before the first ``total-…`` row whose
  ``memo`` is false: each becomes one line per year with a published figure
  (an empty cell means no figure was published for that year: no line);
- **memo rows** (``memo=true``: "of which", "Memo: …") — never added in, never
  lines;
- **totals and adjustments** — the first ``total-…`` row and every row after it
  (``remove-…``, ``capital-del-excl-fts`` …) — not lines; the first total is the
  control the department rows must add up to.

The reader checks, for every year, that the department rows sum to the
published total within 0.5 £m (the tables are rounded) and raises an error
naming the year otherwise.

Lines: ``line_id = SR25-<RDEL|CDEL>-<row_id>-<year>``, ``source =
"spending_review"``, ``budget_type`` RDEL or CDEL, ``programme`` and
``description`` the published label, ``department`` the label with a split
qualifier removed (:data:`SR25_DEPARTMENTS`, e.g. "Transport - High Speed 2" →
"Transport").
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from missionfinance.io._files import PathLike, check_file, fail, read_table, to_number
from missionfinance.io.schema import finish_lines
from missionfinance.years import is_financial_year

__all__ = ["SR25_COLUMNS", "SR25_DEPARTMENTS", "SR25_TOLERANCE", "read_sr25"]

#: Source header → internal name.
SR25_COLUMNS: dict[str, str] = {"row_id": "row_id", "label": "programme", "memo": "memo"}

#: Rows that split one department in two → the department.
SR25_DEPARTMENTS: dict[str, str] = {
    "transport-excl-high-speed-2": "Transport",
    "transport-high-speed-2": "Transport",
    "energy-security-and-net-zero-excl-sizewell-c": "Energy Security and Net Zero",
    "energy-security-and-net-zero-sizewell-c": "Energy Security and Net Zero",
}

#: Largest accepted gap between the department rows and the published total [£m].
SR25_TOLERANCE = 0.5

_KINDS = ("RDEL", "CDEL")


def read_sr25(path: PathLike, kind: str | None = None) -> pd.DataFrame:
    """Read a Spending Review 2025 DEL table into lines, one per department row and year.

    Parameters
    ----------
    path : str or Path
        ``sr25_table_5_3_rdel_excl_depreciation.csv`` (RDEL) or
        ``sr25_table_5_4_cdel.csv`` (CDEL), or a table of the same shape.
    kind : {"RDEL", "CDEL"}, optional
        Budget type; by default read from the first total row ("resource" →
        RDEL, "capital" → CDEL).

    Returns
    -------
    pandas.DataFrame
        The lines frame of DESIGN §3.1; ``amount`` float [£m].

    Raises
    ------
    MissionFinanceError
        Missing column, bad ``memo`` flag, non-numeric value, no total row, or
        department rows that do not add up to the published total in some year.
    """
    p = check_file(path)
    raw = read_table(p)
    for col in SR25_COLUMNS:
        if col not in raw.columns:
            fail(p, f"column {col!r} is missing; an SR25 table has columns row_id, label, memo "
                    f"and one per financial year", key=col)
    years = [c for c in raw.columns if is_financial_year(c)]
    if not years:
        fail(p, "no financial-year column such as '2026-27'; give the SR25 DEL table")
    other = [c for c in raw.columns if c not in SR25_COLUMNS and c not in years
             and not c.startswith("real_growth")]
    if other:  # a year written another way would otherwise drop its figures unseen
        fail(p, f"column {other[0]!r} is neither a financial year such as '2026-27' nor a "
                f"real_growth column; rename or remove it", key=other[0])
    memo_text = raw["memo"].str.lower()
    bad_memo = ~memo_text.isin(["true", "false"])
    if bad_memo.any():
        i = int(bad_memo.to_numpy().argmax())
        fail(p, f"{raw['memo'].iloc[i]!r} is not true or false; write memo as true or false",
             row=i + 1, key="memo")
    memo = (memo_text == "true").to_numpy()
    row_id = raw["row_id"]
    is_total = row_id.str.startswith("total-").to_numpy() & ~memo
    if not is_total.any():
        fail(p, "no 'total-…' row; the table needs its published total to reconcile against",
             key="row_id")
    first_total = int(is_total.argmax())
    before = np.arange(len(raw)) < first_total
    dept = before & ~memo
    if kind is None:
        total_text = (row_id.iloc[first_total] + " " + raw["label"].iloc[first_total]).lower()
        kind = "RDEL" if "resource" in total_text else "CDEL" if "capital" in total_text else None
        if kind is None:
            fail(p, f"cannot tell RDEL from CDEL from total row {row_id.iloc[first_total]!r}; "
                    f"pass kind='RDEL' or kind='CDEL'", row=first_total + 1, key="row_id")
    if kind not in _KINDS:
        fail(p, f"kind {kind!r} is not RDEL or CDEL; pass kind='RDEL' or kind='CDEL'")
    values = pd.DataFrame(
        {y: to_number(raw, y, p, fix="write £m or leave empty", allow_empty=True) for y in years}
    )
    for year in years:
        total = values[year].iloc[first_total]
        parts = values[year].to_numpy()[dept]
        if np.isnan(total):
            if np.isfinite(parts).any():
                fail(p, "total is empty but department rows have figures; fill in the total",
                     row=first_total + 1, key=year)
            continue
        gap = float(np.nansum(parts)) - float(total)
        if abs(gap) > SR25_TOLERANCE:
            fail(p, f"department rows sum to {np.nansum(parts):.3f} but {row_id.iloc[first_total]}"
                    f" is {total:.3f} (gap {gap:+.3f} £m > {SR25_TOLERANCE}); correct a value or "
                    f"mark 'of which' rows memo=true", row=first_total + 1, key=year)
    frame = raw.loc[dept, list(SR25_COLUMNS)].rename(columns=SR25_COLUMNS)
    long = values.loc[dept].stack(future_stack=True)
    long = long[long.notna()]
    idx = long.index.get_level_values(0)
    year_col = pd.Series(long.index.get_level_values(1), dtype="str")
    rid = frame.loc[idx, "row_id"].reset_index(drop=True)
    label = frame.loc[idx, "programme"].reset_index(drop=True)
    lines = pd.DataFrame({
        "line_id": "SR25-" + kind + "-" + rid + "-" + year_col,
        "source": "spending_review",
        "department": rid.map(SR25_DEPARTMENTS).fillna(label),
        "programme": label,
        "description": label,
        "amount": long.to_numpy(dtype="float64"),
        "year": year_col,
        "budget_type": kind,
    })
    return finish_lines(lines, p)
