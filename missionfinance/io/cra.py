"""HM Treasury Country and Regional Analysis (CRA) database reader.

The CRA database (part of PESA) has one row per department × organisation ×
CRA segment × COFOG × capital/current × sector × NUTS region, with one outturn
column per financial year in £ thousands. :func:`read_cra` returns one line per
row **and** year (2013-14 … 2017-18 in the 2018 database):

- ``amount`` = the year's value ÷ 1000 [£m] (an empty cell is 0); negative values (receipts netted
  against spending, 411 segments in 2018) are kept, zero values too;
- ``department`` = *Department Name*; ``programme`` = *CRA Segment Name* as
  published; ``description`` = the segment name without its code (text for
  keyword rules). The HMT function and sub-function labels are *not* copied into
  it: they restate the COFOG classification ("tax credits", "social protection")
  and would become keyword evidence; they are kept as ``hmt_function`` and
  ``hmt_subfunction`` (never matched by rules);
- ``cofog`` = the code part of *COFOG Level 1* with a two-digit division, so
  that rule prefixes written like ``"04.3"`` match: ``"4.3 Fuel and energy"`` →
  ``"04.3"``, ``"10.2 Old age"`` → ``"10.2"``. The CRA splits health into
  ``7.A`` medical services, ``7.B`` medical research and ``7.C`` central and
  other health services; these are kept as ``"07.A"``, ``"07.B"``, ``"07.C"``
  (not standard COFOG groups, but the division prefix ``"07"`` matches them).
  EU transactions (``EU01``–``EU03``) are not COFOG: ``cofog`` is ``""``; a code that is
  not in the COFOG list (``"4.10 …"``) is left out too, named with its first row in one
  warning (the line is kept);
- ``region`` = the ITL1 name of the NUTS region (``"North East"``, ``"Scotland"``,
  ``"Outside UK"``, ``"Non-regional"``);
- ``budget_type`` = ``""``: the CRA is total expenditure on services (DEL and
  AME, central and local government and public corporations), not a DEL/AME
  control total, so its *CAP or CUR* flag is not mapped to CDEL/RDEL. The flag
  is part of the segment code and so of ``line_id``, and
  ``keep_source_columns=True`` adds it as a ``capital_current`` column (with
  ``organisation``, ``sector``, ``identifiable``) after the canonical columns;
- ``line_id`` = ``CRA-<segment code>-<region code>-<year>``, e.g.
  ``CRA-AFS902-S902A001-UK-TES_CUR-ID-CG-SUB100202-TLM-2017-18``;
- ``source`` = ``"cra"``.

Accepted files: the published XLSX (sheet ``"CRA 2018 database"``), a CSV
export of that sheet, gzip-compressed or not.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from missionfinance.errors import MissionFinanceWarning, where
from missionfinance.io._codes import cofog_codes
from missionfinance.io._files import PathLike, check_file, excel_sheets, fail, kind_of, read_table
from missionfinance.io.schema import LINES_COLUMNS, finish_lines
from missionfinance.years import is_financial_year

__all__ = ["CRA_COLUMNS", "CRA_REGIONS", "CRA_SHEET", "read_cra"]

#: Sheet of the published workbook that holds the data.
CRA_SHEET = "CRA 2018 database"

#: CRA header → internal name (the reader's boundary; year columns are kept as years).
CRA_COLUMNS: dict[str, str] = {
    "Department Name": "department",
    "Organisation Name": "organisation",
    "CRA Segment Code": "segment_code",
    "CRA Segment Name": "programme",
    "HMT Function": "function",
    "COFOG Level 1": "cofog_level1",
    "HMT Subfunction": "subfunction",
    "ID/non-ID": "identifiable",
    "CAP or CUR": "capital_current",
    "CG, LG, PC, BOE": "sector",
    "NUTS Region": "nuts_region",
}

#: CRA NUTS region (upper case, without ``ENGLAND_``) → (code used in line_id, ITL1 name).
CRA_REGIONS: dict[str, tuple[str, str]] = {
    "NORTH EAST": ("TLC", "North East"),
    "NORTH WEST": ("TLD", "North West"),
    "YORKSHIRE AND THE HUMBER": ("TLE", "Yorkshire and The Humber"),
    "EAST MIDLANDS": ("TLF", "East Midlands"),
    "WEST MIDLANDS": ("TLG", "West Midlands"),
    "EAST": ("TLH", "East of England"),
    "LONDON": ("TLI", "London"),
    "SOUTH EAST": ("TLJ", "South East"),
    "SOUTH WEST": ("TLK", "South West"),
    "WALES": ("TLL", "Wales"),
    "SCOTLAND": ("TLM", "Scotland"),
    "NORTHERN IRELAND": ("TLN", "Northern Ireland"),
    "OUTSIDE UK": ("OUTSIDE-UK", "Outside UK"),
    "NON-REGIONAL": ("NON-REGIONAL", "Non-regional"),
}

_SOURCE_EXTRA = ("organisation", "capital_current", "sector", "identifiable")
_COFOG = re.compile(r"^\s*(\d{1,2})\.([0-9]{1,2}|[A-Z])\b")


def _cofog(path: Path, level1: pd.Series) -> pd.Series:
    """COFOG codes of *COFOG Level 1*; a code outside the COFOG list is left out, with a warning."""
    parts = level1.str.extract(_COFOG)
    code = (parts[0].str.zfill(2) + "." + parts[1]).fillna("")
    outside = (code != "") & ~code.isin(cofog_codes())
    if outside.any():  # a publisher's label does not fail the file (EU01 etc. give no code at all)
        first = code[outside].drop_duplicates()  # first row of each such code
        shown = ", ".join(f"{level1.loc[i]!r} (row {i + 1})" for i in first.index[:3])
        more = f" and {len(first) - 3} more" if len(first) > 3 else ""
        warnings.warn(MissionFinanceWarning(
            f"{where(path, key='COFOG Level 1')}: {shown}{more} "
            f"{'names' if len(first) == 1 else 'name'} no code of the COFOG "
            f"list; their lines are kept with an empty cofog; check the COFOG column"),
            stacklevel=3)
        code = code.where(~outside, "")
    return code


def _regions(nuts: pd.Series) -> tuple[pd.Series, pd.Series]:
    key = nuts.str.upper().str.replace(r"^ENGLAND_", "", regex=True).str.strip()
    codes = key.map({k: v[0] for k, v in CRA_REGIONS.items()})
    names = key.map({k: v[1] for k, v in CRA_REGIONS.items()})
    fallback = key.str.replace(r"[^A-Z0-9]+", "-", regex=True)
    return codes.fillna(fallback), names.fillna(nuts)


def read_cra(path: PathLike, keep_source_columns: bool = False) -> pd.DataFrame:
    """Read the HM Treasury CRA database into lines, one per row and year.

    Parameters
    ----------
    path : str or Path
        ``.xlsx`` (sheet ``"CRA 2018 database"``), ``.csv`` or ``.csv.gz``.
    keep_source_columns : bool, default False
        Append ``organisation, capital_current, sector, identifiable`` after the
        canonical columns.

    Returns
    -------
    pandas.DataFrame
        The lines frame of DESIGN §3.1; ``amount`` float [£m] (source £000 ÷ 1000),
        ``source="cra"``, ``year`` the financial year of the column.

    Raises
    ------
    MissionFinanceError
        A CRA column is missing, no year column, or a value is not a number.
    """
    p = check_file(path)
    sheet: str | int = 0
    if kind_of(p) == "xlsx" and CRA_SHEET in excel_sheets(p):
        sheet = CRA_SHEET
    raw = read_table(p, sheet=sheet)
    missing = [c for c in CRA_COLUMNS if c not in raw.columns]
    if missing:
        fail(p, f"CRA column {missing[0]!r} is missing; give the CRA database sheet "
                f"(or pass --format canonical for a lines table)", key=missing[0])
    years = [c for c in raw.columns if is_financial_year(c)]
    if not years:
        fail(p, "no financial-year column such as '2017-18'; give the CRA database with its "
                "year columns")
    frame = raw[list(CRA_COLUMNS)].rename(columns=CRA_COLUMNS)
    values = np.empty((len(raw), len(years)), dtype="float64")
    for j, year in enumerate(years):
        col = raw[year]
        num = pd.to_numeric(col.str.replace(",", "", regex=False).where(col != "", "0"),
                            errors="coerce").to_numpy(dtype="float64")
        bad = ~np.isfinite(num)
        if bad.any():
            i = int(bad.argmax())
            fail(p, f"{col.iloc[i]!r} is not a number; write the outturn in £ thousands",
                 row=i + 1, key=year)
        values[:, j] = num / 1000.0
    region_code, region_name = _regions(frame["nuts_region"])
    segment_name = frame["programme"]
    base = pd.DataFrame({
        "department": frame["department"],
        "programme": segment_name,
        "description": segment_name.str.replace(r"^S[0-9A-Z]{7}\s*-\s*", "", regex=True),
        "hmt_function": frame["function"],
        "hmt_subfunction": frame["subfunction"],
        "cofog": _cofog(p, frame["cofog_level1"]),
        "region": region_name,
        "segment_code": frame["segment_code"],
        "region_code": region_code,
        **{c: frame[c] for c in _SOURCE_EXTRA},
    })
    n_years = len(years)
    lines = base.loc[base.index.repeat(n_years)].reset_index(drop=True)
    year_col = pd.Series(np.tile(np.array(years, dtype=object), len(base)), dtype="str")
    lines = lines.assign(
        line_id="CRA-" + lines["segment_code"] + "-" + lines["region_code"] + "-" + year_col,
        source="cra",
        amount=values.reshape(-1),
        year=year_col,
    )
    dup = lines["line_id"].duplicated()
    if dup.any():
        k = int(dup.to_numpy().argmax())
        i = k // n_years
        fail(p, f"segment code and region of {lines['line_id'].iloc[k]!r} repeat an "
                f"earlier row; each CRA segment appears once per region", row=i + 1,
             key="CRA Segment Code")
    out = finish_lines(lines, p)
    if keep_source_columns:
        out = pd.concat([out, lines[list(_SOURCE_EXTRA)]], axis=1)
        out = out[[*LINES_COLUMNS, *_SOURCE_EXTRA]]
    return out
