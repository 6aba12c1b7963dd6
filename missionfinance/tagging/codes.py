"""CPV 2008 and COFOG code lists: validation, labels and normalisation of code columns.

Both lists ship in ``missionfinance/data`` (see the ``SOURCE-*.txt`` files there).

CPV
    A CPV 2008 code is eight digits plus a check digit (``"09310000-5"``). The library
    keeps the eight digits only. The code is hierarchical by position: ``09`` division,
    ``093`` group, ``0931`` class, ``09310`` category, and finer digits below. Trailing
    zeros are padding, so ``"09310000"`` *is* the class ``0931`` and a rule criterion
    ``"09310000"`` means the prefix ``"0931"`` (at least two digits are kept).
COFOG
    A COFOG code is ``DD``, ``DD.G`` or ``DD.G.C`` (``"04"``, ``"04.3"``, ``"04.3.1"``).
    Line codes are normalised with :func:`normalise_cofog`: a one-digit division gets its
    leading zero (``"4.3"`` -> ``"04.3"``), a trailing label is dropped
    (``"4.3 Fuel and energy"`` -> ``"04.3"``), and HM Treasury's CRA health split
    ``7.A`` (medical services), ``7.B`` (medical research) and ``7.C`` (central and other
    health services), which are not standard COFOG groups, map to the division ``"07"``.
    Anything else that is not a COFOG code (e.g. the CRA's ``"EU01"`` EU transactions) is
    kept as written and can never match a COFOG criterion.

Missing values: an empty code field (``""`` or NaN) holds no code and never matches a
code criterion.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from bisect import bisect_left
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd

from missionfinance.io._codes import CRA_HEALTH, cofog_codes, cpv_codes

_COFOG_RE = r"^\s*(\d{1,2})(?:\.([0-9]|[A-Ca-c])(?:\.(\d))?)?(?![\w.])"
_COFOG_PART = re.compile(_COFOG_RE)


@lru_cache(maxsize=1)
def cpv_labels() -> dict[str, str]:
    """Return the CPV 2008 list as ``{8-digit code: English label}``.

    Examples
    --------
    >>> cpv_labels()["79710000"]
    'Security services'
    """
    raw = resources.files("missionfinance.data").joinpath("cpv_2008_en.csv.gz").read_bytes()
    rows = csv.reader(io.StringIO(gzip.decompress(raw).decode("utf-8-sig")))
    header = next(rows)
    code, label = header.index("CODE"), header.index("EN")
    return {row[code][:8]: row[label] for row in rows if row}


@lru_cache(maxsize=1)
def _cpv_sorted() -> list[str]:
    return sorted(cpv_codes())  # the codes the readers check cells against: one load of the list


@lru_cache(maxsize=1)
def _cofog_list() -> frozenset[str]:
    return cofog_codes() - frozenset(CRA_HEALTH)  # the COFOG list's own codes


@lru_cache(maxsize=1)
def cofog_labels() -> dict[str, str]:
    """Return the COFOG list as ``{code: English label}`` (``"04.3"`` -> ``"Fuel and energy"``).

    Examples
    --------
    >>> cofog_labels()["04.3"]
    'Fuel and energy'
    """
    text = resources.files("missionfinance.data").joinpath("cofog.csv").read_text(encoding="utf-8-sig")
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    return dict(zip(frame["Code"].tolist(), frame["Description_EN"].str.strip().tolist(), strict=True))


def cpv_prefix(term: str) -> str | None:
    """Normalise a CPV criterion to its hierarchical prefix, or None if it is malformed.

    Accepts 2–8 digits with an optional check digit (``"45251160"``, ``"09310000-5"``,
    ``"0931"``); trailing zeros beyond the second digit are dropped. The prefix must
    start at least one code of the CPV 2008 list.

    Examples
    --------
    >>> cpv_prefix("45000000"), cpv_prefix("79710000-4"), cpv_prefix("0931"), cpv_prefix("99")
    ('45', '7971', '0931', None)
    """
    digits = term.strip().split("-", 1)[0]
    if not digits.isascii() or not digits.isdigit() or not 2 <= len(digits) <= 8:
        return None
    prefix = digits[:2] + digits[2:].rstrip("0")
    codes = _cpv_sorted()
    k = bisect_left(codes, prefix)
    if k == len(codes) or not codes[k].startswith(prefix):
        return None
    return prefix


def cpv_label(prefix: str) -> str:
    """Label of the CPV code a prefix stands for (``"0931"`` -> label of ``09310000``)."""
    return cpv_labels().get(prefix.ljust(8, "0"), "")


def cofog_code(term: str) -> str | None:
    """Normalise a COFOG criterion (``"4.3"`` -> ``"04.3"``); None if not in the COFOG list.

    Examples
    --------
    >>> cofog_code("4.3"), cofog_code("07"), cofog_code("04.9.9")
    ('04.3', '07', None)
    """
    parts = term.strip().split(".")
    if not parts[0].isdigit() or len(parts[0]) > 2:
        return None
    code = ".".join([parts[0].zfill(2), *parts[1:]])
    return code if code in _cofog_list() else None


def normalise_cpv(values: pd.Series) -> pd.Series:
    """Normalise unique CPV fields: keep the 8 digits of each ``;``-separated code.

    Returns a Series of ``;``-joined codes (``""`` when empty). Check digits and spaces
    are dropped; a value with no 8-digit code stays ``""``.
    """
    found = values.fillna("").astype(str).str.findall(r"(?<!\d)(\d{8})(?:-\d)?(?!\d)")
    return found.map(";".join).astype("str")


def normalise_cofog(values: pd.Series) -> pd.Series:
    """Normalise a Series of ``;``-separated COFOG fields (see the module docstring).

    Examples
    --------
    >>> normalise_cofog(pd.Series(["4.3", "7.A Medical services", "09.1;3", "EU01", ""])).tolist()
    ['04.3', '07', '09.1;03', 'EU01', '']
    """
    s = values.fillna("").astype(str)
    if s.index.is_unique:  # one field per label: each field on its own, in one pass
        return pd.Series([_cofog_field(v) for v in s.tolist()], index=values.index, dtype="str")
    exploded = s.str.split(";").explode()
    parts = exploded.str.extract(_COFOG_RE)
    division = parts[0].str.zfill(2)
    group = parts[1]
    is_cra_split = group.str.fullmatch(r"[A-Ca-c]").fillna(False).astype(bool)
    code = division.copy()
    has_group = group.notna() & ~is_cra_split
    code = code.where(~has_group, division + "." + group.fillna(""))
    has_class = has_group & parts[2].notna()
    code = code.where(~has_class, code + "." + parts[2].fillna(""))
    stripped = exploded.str.strip()
    out = code.where(division.notna(), stripped).fillna("")
    out = out[out != ""]
    joined = out.groupby(level=0).agg(";".join)
    return joined.reindex(values.index, fill_value="").astype("str")


def _cofog_field(field: str) -> str:
    """One ``;``-separated COFOG field normalised as :func:`normalise_cofog` does."""
    out = []
    for part in field.split(";"):
        m = _COFOG_PART.search(part)
        if m is None:
            code = part.strip()
        else:
            division, group, klass = m.groups()
            code = division.zfill(2)
            if group is not None and group not in "ABCabc":  # 7.A-7.C: the division
                code += "." + group
                if klass is not None:
                    code += "." + klass
        if code:
            out.append(code)
    return ";".join(out)


def code_ancestors(codes: np.ndarray, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """Explode unique ``;``-joined code fields into (field index, ancestor key) pairs.

    For CPV each 8-digit code yields its prefixes of length 2 to 8; for COFOG each code
    yields ``DD``, ``DD.G`` and ``DD.G.C`` as present. A rule's code criterion then
    matches a field exactly when its normalised prefix is one of those keys.
    """
    fields = pd.Series(codes, dtype="str").fillna("").tolist()
    parts = [(i, part) for i, field in enumerate(fields) for part in field.split(";") if part]
    pairs: dict[tuple[int, str], None] = {}  # distinct pairs, first seen first
    if kind == "cpv":
        for n in range(2, 9):
            pairs.update(((i, part[:n]), None) for i, part in parts)
    else:
        split = [(i, part.split(".")) for i, part in parts]
        for n in (1, 2, 3):
            pairs.update(((i, ".".join(segs[:n])), None) for i, segs in split if len(segs) >= n)
    return (np.fromiter((i for i, _ in pairs), dtype=np.int64, count=len(pairs)),
            np.array([k for _, k in pairs], dtype=object))
