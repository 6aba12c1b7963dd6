"""Open Contracting Data Standard (OCDS) reader: procurement lines from JSON.

Accepted shapes (OCDS 1.0 and 1.1), as one JSON document or as JSON Lines
(one document per line, any mix of the shapes below):

- a release package ``{"releases": [...], "publisher": ...}``;
- a record package ``{"records": [{"ocid", "releases", "compiledRelease"}, ...]}``;
- a bare record ``{"ocid"?, "releases": [...], "compiledRelease": {...}}``;
- a single release ``{"ocid": ..., "tender": ...}``, or a JSON array of releases.

Releases are grouped by ``ocid`` and compiled into one compiled release per
contracting process with ``ocdsmerge`` and the OCDS 1.1.5 release schema
shipped in ``missionfinance/data/ocds-schema`` (no network access). A record's
``compiledRelease`` is used as published (merged with any other release of the
same ocid in the file). ocdsmerge's warnings about publishers' duplicate ids are
silenced: they concern the publisher's data, not the amounts read here.

One line per ocid (``line_id`` = the ocid, unique after compiling):

- ``amount`` [£m]: the sum of the awards' ``value.amount`` (awards whose status
  is ``cancelled`` or ``unsuccessful`` are left out), else ``tender.value.amount``,
  else ``tender.minValue.amount``; a release with no amount at all is **kept**
  with ``amount = 0.0`` (never dropped, so coverage counts it). Amounts are in
  currency units: GBP is divided by 1e6; an amount with no currency is taken as
  GBP (UK publishers omit it); any other currency needs ``rates`` (£ per unit),
  else the reader raises an error naming the file and the ocid;
- ``cpv``: every CPV code of ``tender.classification``, ``tender.additionalClassifications``
  and the ``classification`` / ``additionalClassifications`` of the items of the
  tender, awards and contracts (scheme ``CPV``), normalised to 8 digits without
  the check digit (``"03000000-1"`` → ``"03000000"``; an id of fewer than 8 digits,
  as a number or text, gets back its leading zeros), de-duplicated, sorted,
  ``";"``-joined;
- ``department``: ``buyer.name``, else the name of the party with the buyer's id
  or the ``buyer`` role; ``cofog``: the buyer party's
  ``details.classifications`` with scheme ``COFOG``, normalised (``"4.3"`` → ``"04.3"``);
- codes come from the publisher, so an odd one does not fail the file: a CPV or COFOG
  id that is not a code (``"Transport"`` as a COFOG id) is left out of ``cpv`` /
  ``cofog`` and a CPV code of the right form that is not in the CPV 2008 list is kept;
  each is named, with its release's ocid, in one :class:`~missionfinance.errors.MissionFinanceWarning`
  per kind; the release is kept;
- ``description``: tender title and description (``": "``-joined), else the
  awards' titles; ``supplier``: award suppliers' names, ``";"``-joined;
- ``region``: the buyer's ``address.region`` as published (often a NUTS code), else
  the items' delivery-address regions (``";"``-joined);
- ``year``: the financial year of the first award date, else of the release date;
- ``source = "procurement"``, ``programme`` and ``budget_type`` ``""``.
"""

from __future__ import annotations

import json
import math
import re
import warnings
from collections.abc import Iterable, Iterator, Mapping
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from missionfinance.errors import MissionFinanceWarning, where
from missionfinance.io._codes import cpv_codes, normalise_cofog_part
from missionfinance.io._files import PathLike, check_file, fail, read_text
from missionfinance.io.schema import finish_lines

__all__ = ["OCDS_AMOUNT_PATHS", "read_ocds"]

Release = dict[str, Any]

#: Where the amount is looked for, in order (see the module docstring).
OCDS_AMOUNT_PATHS: tuple[str, ...] = ("awards[].value", "tender.value", "tender.minValue")

_SKIP_AWARD_STATUS = {"cancelled", "unsuccessful"}

#: How to give an exchange rate, named in the error for a non-GBP amount: in a scenario,
#: on the command line, and in Python.
_RATE_FIX = ("scenario: [inputs] currency_rates = {{ {c} = 0.85 }}; command line: --rate {c}=0.85; "
             "Python: rates={{'{c}': 0.85}}")
_CPV = re.compile(r"^(\d{8})(-\d)?$")


@lru_cache(maxsize=1)
def _merger() -> Any:
    import ocdsmerge

    text = (resources.files("missionfinance.data") / "ocds-schema" / "release-schema.json")
    schema = json.loads(text.read_text(encoding="utf-8"))
    return ocdsmerge.Merger(schema=schema)


def _load(path: Path) -> list[tuple[str, Any]]:
    """Top-level JSON documents of a JSON or JSON Lines file, with where they are."""
    content = read_text(path)
    if not content.strip():
        fail(path, "file is empty; give an OCDS JSON file")
    try:
        return [("top level", json.loads(content))]
    except json.JSONDecodeError as exc:
        if not exc.msg.startswith("Extra data"):
            fail(path, f"invalid JSON at line {exc.lineno} column {exc.colno} ({exc.msg}); "
                       f"fix the JSON or give a JSON Lines file")
    except ValueError as exc:  # e.g. an integer with thousands of digits
        fail(path, f"invalid JSON ({' '.join(str(exc).split())[:80]}); fix the JSON")
    docs = []
    for n, line in enumerate(content.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            docs.append((f"line {n}", json.loads(line)))
        except json.JSONDecodeError as exc:
            fail(path, f"invalid JSON Lines at column {exc.colno} ({exc.msg}); write one "
                       f"JSON object per line", key=f"line {n}")
        except ValueError as exc:  # e.g. an integer with thousands of digits
            fail(path, f"invalid JSON ({' '.join(str(exc).split())[:80]}); fix the JSON",
                 key=f"line {n}")
    return docs


def _releases(path: Path, docs: list[tuple[str, Any]]) -> Iterator[Release]:
    """Every release-like object (releases and records' compiled releases) in the file."""
    for where_doc, doc in docs:
        items = doc if isinstance(doc, list) else [doc]
        for item in items:
            if not isinstance(item, dict):
                fail(path, f"{type(item).__name__} is not an OCDS object; give releases, records "
                           f"or packages", key=where_doc)
            if isinstance(item.get("records"), list):
                for k, record in enumerate(item["records"]):
                    yield from _record(path, record, f"records[{k}]")
            elif isinstance(item.get("releases"), list):
                if "compiledRelease" in item or "ocid" in item:
                    yield from _record(path, item, where_doc)
                else:
                    for k, release in enumerate(item["releases"]):
                        yield _check_release(path, release, f"releases[{k}]")
            elif "ocid" in item:
                yield _check_release(path, item, where_doc)
            elif isinstance(item.get("compiledRelease"), dict):
                yield from _record(path, item, where_doc)
            else:
                keys = sorted(item)[:5]
                fail(path, f"not an OCDS release, record or package (keys {keys!r}); give OCDS "
                           f"JSON or pass --format", key=where_doc)


def _check_release(path: Path, release: Any, key: str) -> Release:
    if not isinstance(release, dict):
        fail(path, f"{release!r:.40} is not a release object; give OCDS releases", key=key)
    ocid = release.get("ocid")
    if not isinstance(ocid, str) or not ocid.strip():
        fail(path, f"release has no ocid (got {ocid!r}); every OCDS release needs an ocid",
             key=key)
    return release


def _record(path: Path, record: Any, key: str) -> Iterator[Release]:
    if not isinstance(record, dict):
        fail(path, f"{record!r:.40} is not a record object; give OCDS records", key=key)
    compiled = record.get("compiledRelease")
    if isinstance(compiled, dict):
        if "ocid" not in compiled and isinstance(record.get("ocid"), str):
            compiled = {**compiled, "ocid": record["ocid"]}
        yield _check_release(path, compiled, f"{key}.compiledRelease")
        return
    releases = record.get("releases") or []
    full = [r for r in releases if isinstance(r, dict) and ("tender" in r or "awards" in r
                                                             or "buyer" in r or "parties" in r)]
    if not full:
        fail(path, "record has only linked releases and no compiledRelease; give the releases "
                   "themselves or a record with compiledRelease", key=key)
    for k, release in enumerate(full):
        yield _check_release(path, release, f"{key}.releases[{k}]")


def _compile(path: Path, releases: Iterable[Release]) -> Iterator[tuple[str, Release]]:
    groups: dict[str, list[Release]] = {}
    for release in releases:
        groups.setdefault(release["ocid"].strip(), []).append(release)
    merger = None
    for ocid, group in groups.items():
        if len(group) == 1:
            yield ocid, group[0]
            continue
        merger = merger or _merger()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                compiled = merger.create_compiled_release(group)
        except RecursionError:
            raise
        except Exception as exc:  # ocdsmerge raises KeyError/TypeError subclasses
            msg = " ".join(str(exc).split())[:120]
            fail(path, f"cannot compile its {len(group)} releases ({type(exc).__name__}: {msg}); "
                       f"give every release a string 'date'", key=ocid)
        yield ocid, compiled


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _money(path: Path, ocid: str, field: str, value: Any,
           rates: Mapping[str, float] | None) -> float | None:
    """A Value object in £m, or None when it has no amount."""
    value = _dict(value)
    amount = value.get("amount")
    if amount is None or amount == "":
        return None
    if isinstance(amount, bool):
        fail(path, f"{field}.amount {amount!r} is not a number; fix the release", key=ocid)
    try:
        number = float(amount)
    except (TypeError, ValueError, OverflowError):
        fail(path, f"{field}.amount {amount!r:.40} is not a number; fix the release", key=ocid)
    if not math.isfinite(number):
        fail(path, f"{field}.amount {amount!r:.40} is not a finite number; fix the release",
             key=ocid)
    raw_currency = value.get("currency") or "GBP"
    if not isinstance(raw_currency, str):
        fail(path, f"{field}.currency {raw_currency!r:.40} is not a currency code such as 'GBP'; "
                   "fix the release", key=ocid)
    currency = raw_currency.strip().upper()
    if currency == "GBP":
        return number / 1e6
    if rates is not None and currency in rates:
        return number * float(rates[currency]) / 1e6
    fail(path, f"{field} is in {currency!r:.12}, not GBP; give its rate in £ per unit "
               f"({_RATE_FIX.format(c=currency[:12])})", key=ocid)


def _amount(path: Path, ocid: str, release: Release,
            rates: Mapping[str, float] | None) -> float:
    awarded = [
        _money(path, ocid, f"awards[{k}].value", _dict(a).get("value"), rates)
        for k, a in enumerate(_list(release.get("awards")))
        if _dict(a).get("status") not in _SKIP_AWARD_STATUS
    ]
    found = [a for a in awarded if a is not None]
    if found:
        return float(sum(found))
    tender = _dict(release.get("tender"))
    for field in ("value", "minValue"):
        money = _money(path, ocid, f"tender.{field}", tender.get(field), rates)
        if money is not None:
            return money
    return 0.0


def _cpv_code(raw: Any) -> str | None:
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = f"{raw:08d}"
    if not isinstance(raw, str):
        return None
    code = raw.strip()
    if code.isdigit() and len(code) < 8:
        code = code.zfill(8)
    m = _CPV.match(code)
    return m.group(1) if m else None


def _classifications(release: Release) -> Iterator[dict[str, Any]]:
    tender = _dict(release.get("tender"))
    yield _dict(tender.get("classification"))
    yield from (_dict(c) for c in _list(tender.get("additionalClassifications")))
    holders = [tender, *map(_dict, _list(release.get("awards"))),
               *map(_dict, _list(release.get("contracts")))]
    for holder in holders:
        for item in map(_dict, _list(holder.get("items"))):
            yield _dict(item.get("classification"))
            yield from (_dict(c) for c in _list(item.get("additionalClassifications")))


def _cpv(release: Release, odd: list[tuple[str, str, str]], ocid: str) -> str:
    """The release's CPV codes, ``;``-joined; ids that are not CPV codes go to ``odd``."""
    codes = set()
    for c in _classifications(release):
        if str(c.get("scheme", "")).strip().upper() != "CPV" or c.get("id") is None:
            continue
        code = _cpv_code(c.get("id"))
        if code is None:
            odd.append(("cpv", str(c.get("id")), ocid))
        else:
            codes.add(code)
    return ";".join(sorted(codes))


def _buyer(release: Release) -> tuple[str, dict[str, Any]]:
    buyer = _dict(release.get("buyer"))
    parties = [_dict(p) for p in _list(release.get("parties"))]
    party: dict[str, Any] = {}
    if buyer.get("id") is not None:
        party = next((p for p in parties if p.get("id") == buyer.get("id")), {})
    if not party:
        party = next((p for p in parties if "buyer" in _list(p.get("roles"))), {})
    name = buyer.get("name") or party.get("name") or ""
    if not party and buyer:
        party = buyer  # OCDS 1.0: the buyer is a full organisation
    return " ".join(str(name).split()), party


def _cofog(party: dict[str, Any], odd: list[tuple[str, str, str]], ocid: str) -> str:
    """The buyer's COFOG codes, normalised (``"4.3"`` → ``"04.3"``), ``;``-joined.

    Ids that are not codes of the COFOG list (publishers write labels such as
    ``"Transport"`` there) go to ``odd`` and are left out.
    """
    codes = set()
    for c in map(_dict, _list(_dict(party.get("details")).get("classifications"))):
        if str(c.get("scheme", "")).strip().upper() == "COFOG" and c.get("id") is not None:
            raw = c["id"]
            text = f"{raw:02d}" if isinstance(raw, int) and not isinstance(raw, bool) else str(raw)
            if not text.strip():
                continue
            code = normalise_cofog_part(text)
            if code is None:
                odd.append(("cofog", text, ocid))
            else:
                codes.add(code)
    return ";".join(sorted(codes))


def _warn_odd_codes(path: Path, lines: pd.DataFrame, odd: list[tuple[str, str, str]]) -> None:
    """Warn, once per kind, about code ids left out and CPV codes not in the CPV 2008 list.

    ``odd`` holds ``(kind, id, ocid)`` of the ids left out; the releases themselves are
    kept (a publisher's odd code does not fail the file).
    """
    known = cpv_codes()
    cpv = lines["cpv"].str.split(";").explode()
    cpv = cpv[(cpv.fillna("") != "") & ~cpv.isin(known)]
    ids = lines["line_id"].to_numpy()
    unknown = [("unknown", code, str(ids[i])) for i, code in cpv.items()]
    what = {
        "cpv": "CPV ids that are not CPV codes were left out of cpv",
        "cofog": "the buyer's COFOG ids that are not COFOG codes were left out of cofog",
        "unknown": "CPV codes not in the CPV 2008 list were kept as written (rules' CPV "
                   "prefixes still match them)",
    }
    for kind, text in what.items():
        listed = list(dict.fromkeys(f"{value!r} (release {ocid})"
                                    for k, value, ocid in [*odd, *unknown] if k == kind))
        if not listed:
            continue
        more = f" and {len(listed) - 3} more" if len(listed) > 3 else ""
        warnings.warn(MissionFinanceWarning(
            f"{where(path)}: {text}: {', '.join(listed[:3])}{more}; the releases are kept; "
            f"correct the codes at the source if they matter"
        ), stacklevel=3)


def _financial_year(date: Any) -> str:
    if not isinstance(date, str) or not re.match(r"^\d{4}-\d{2}", date):
        return ""
    year, month = int(date[:4]), int(date[5:7])
    start = year if month >= 4 else year - 1
    return f"{start}-{(start + 1) % 100:02d}"


def _clean(value: Any) -> str:
    return " ".join(str(value).split()) if isinstance(value, str | int | float) else ""


def _delivery_region(tender: dict[str, Any]) -> str:
    regions = sorted({
        r for item in map(_dict, _list(tender.get("items")))
        for a in map(_dict, _list(item.get("deliveryAddresses")))
        if (r := _clean(a.get("region")))
    })
    return ";".join(regions)


def _line(path: Path, ocid: str, release: Release, rates: Mapping[str, float] | None,
          odd: list[tuple[str, str, str]]) -> dict[str, Any]:
    tender = _dict(release.get("tender"))
    awards = [_dict(a) for a in _list(release.get("awards"))]
    department, party = _buyer(release)
    title, text = _clean(tender.get("title")), _clean(tender.get("description"))
    description = ": ".join(t for t in (title, text) if t)
    if not description:
        description = "; ".join(t for a in awards if (t := _clean(a.get("title"))))
    suppliers = {
        " ".join(str(s.get("name")).split())
        for a in awards for s in map(_dict, _list(a.get("suppliers"))) if s.get("name")
    }
    award_dates = sorted(d for a in awards if isinstance(d := a.get("date"), str))
    return {
        "line_id": ocid,
        "source": "procurement",
        "department": department,
        "description": description,
        "amount": _amount(path, ocid, release, rates),
        "year": _financial_year(award_dates[0] if award_dates else release.get("date")),
        "cofog": _cofog(party, odd, ocid),
        "cpv": _cpv(release, odd, ocid),
        "region": _clean(_dict(party.get("address")).get("region")) or _delivery_region(tender),
        "supplier": ";".join(sorted(suppliers)),
    }


def read_ocds(path: PathLike, rates: Mapping[str, float] | None = None) -> pd.DataFrame:
    """Read OCDS releases, records or packages (JSON or JSON Lines) into lines.

    Parameters
    ----------
    path : str or Path
        An OCDS JSON or JSON Lines file (see the module docstring for shapes).
    rates : mapping of str to float, optional
        £ per unit of each non-GBP currency, e.g. ``{"EUR": 0.85}``.

    Returns
    -------
    pandas.DataFrame
        The lines frame of DESIGN §3.1, one line per ocid; ``amount`` float [£m].

    Raises
    ------
    MissionFinanceError
        Invalid JSON, a non-OCDS shape, a release without ocid, a non-numeric
        amount, or a non-GBP amount without a rate — naming the file and the ocid.
    """
    p = check_file(path)
    if rates is not None:
        for currency, rate in rates.items():
            if isinstance(rate, bool) or not isinstance(rate, int | float) or not rate > 0:
                fail(p, f"rate {rate!r} for {currency!r} must be a number > 0 (£ per "
                        f"{currency})", key=f"rates.{currency}")
    odd: list[tuple[str, str, str]] = []
    try:
        docs = _load(p)
        rows = [_line(p, ocid, release, rates, odd)
                for ocid, release in _compile(p, _releases(p, docs))]
    except RecursionError:
        fail(p, "JSON nested too deeply to read (arrays or objects inside each other hundreds "
                "of levels deep; OCDS needs fewer than ten); give OCDS releases, records or "
                "packages")
    if not rows:
        fail(p, "holds no OCDS release; give a file with at least one release")
    lines = finish_lines(pd.DataFrame(rows), p)
    _warn_odd_codes(p, lines, odd)  # only once the file is valid
    return lines
