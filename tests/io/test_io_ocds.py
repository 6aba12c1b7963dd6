"""OCDS reader: every shipped file, 1.0 and 1.1, records, JSON Lines, currencies, CPV."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from missionfinance.errors import MissionFinanceError, MissionFinanceWarning
from missionfinance.io import LINES_COLUMNS, detect_format, read_lines, read_ocds

ROOT = Path(__file__).resolve().parents[2]
REAL = ROOT / "scenarios" / "data" / "real"
CF2014 = ROOT / "tests" / "data" / "ocds-cf-2014"
CF2025 = REAL / "contracts-finder-2025.release-package.json"
PCS = REAL / "public-contracts-scotland-2019.release-package.json"
S2W = REAL / "sell2wales-2025.release-package.json"
EUR_OCID = "ocds-r6ebe6-0000577987"  # the one Public Contracts Scotland tender in EUR


#: Public Contracts Scotland buyers give 8 COFOG ids that are labels, not codes ("Transport").
PCS_LABELS = ("Transport", "Economic regulation", "Forestry", "Ferry Operator - Transport",
              "Technology Development", "Harbour  Operations", "Public Transport",
              "Conservation, Built Heritage and Tourism")


def read_pcs(reader=read_ocds):
    """The Scotland file as ``reader`` reads it, with its one warning about COFOG labels."""
    with pytest.warns(MissionFinanceWarning, match=r"COFOG ids that are not COFOG codes were "
                      r"left out of cofog: 'Transport' \(release ocds-r6ebe6-0000581263\), .* "
                      r"and 5 more; the releases are kept"):
        return reader(PCS, rates={"EUR": 0.85})


def _release(ocid: str, date: str, **fields: object) -> dict[str, object]:
    return {"ocid": ocid, "id": f"{ocid}-{date}", "date": date, "tag": ["tender"], **fields}


def _write_json(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.mark.parametrize("folder", ["release-packages-ocds1.0", "releases-ocds1.1",
                                    "records-ocds1.1"])
def test_every_2014_file_reads(folder):
    files = sorted((CF2014 / folder).glob("*.json"))
    assert files
    for path in files:
        lines = read_lines(path)
        assert tuple(lines.columns) == LINES_COLUMNS
        assert len(lines) == 1
        assert (lines["source"] == "procurement").all()
        assert lines["department"].iloc[0] != ""


@pytest.mark.parametrize(("path", "n"), [(CF2025, 190), (PCS, 90), (S2W, 90)])
def test_every_real_file_reads(path, n):
    assert detect_format(path) == "ocds"
    lines = read_pcs(read_lines) if path == PCS else read_lines(path, rates={"EUR": 0.85})
    assert len(lines) == n
    assert lines["line_id"].is_unique
    assert (lines["cpv"] != "").all()
    assert lines["cpv"].str.fullmatch(r"\d{8}(;\d{8})*").all()
    assert (lines["amount"] >= 0).all()


def test_ocds_1_0_buyer_and_min_value():
    path = sorted((CF2014 / "release-packages-ocds1.0").glob("*.json"))[0]
    raw = json.loads(path.read_text(encoding="utf-8"))["releases"][0]
    line = read_ocds(path).iloc[0]
    assert line["line_id"] == raw["ocid"]
    assert line["department"] == "Met Office"
    # tender.value.amount is null in 1.0 Contracts Finder data: minValue is used
    assert line["amount"] == pytest.approx(raw["tender"]["minValue"]["amount"] / 1e6)
    cpvs = {i["classification"]["id"][:8] for i in raw["tender"]["items"]}
    assert set(line["cpv"].split(";")) == cpvs
    assert line["year"] == "2014-15"


def test_bare_record_uses_compiled_release():
    path = CF2014 / "records-ocds1.1" / "ocds-b5fd17-2c330cf9-adc8-11e6-9901-0019b9f3037b.json"
    line = read_ocds(path).iloc[0]
    assert line["amount"] == pytest.approx(0.4645)  # tender.value 464,500 GBP


def test_record_package(tmp_path):
    records = [json.loads(p.read_text(encoding="utf-8"))
               for p in sorted((CF2014 / "records-ocds1.1").glob("*.json"))]
    package = _write_json(tmp_path / "records.json", {"uri": "x", "records": records})
    lines = read_lines(package)
    assert len(lines) == len(records) == 11
    assert set(lines["line_id"]) == {r["compiledRelease"]["ocid"] for r in records}


def test_json_lines_compile_by_ocid(tmp_path):
    singles = sorted((CF2014 / "releases-ocds1.1").glob("*.json"))
    docs = [json.loads(p.read_text(encoding="utf-8")) for p in singles]
    path = tmp_path / "releases.jsonl"
    path.write_text("\n".join(json.dumps(d) for d in docs) + "\n", encoding="utf-8")
    assert detect_format(path) == "ocds"
    lines = read_lines(path)
    assert len(lines) == len({d["ocid"] for d in docs}) == 11


def test_compiled_release_takes_awards_over_tender(tmp_path):
    ocid = "ocds-test-1"
    releases = [
        _release(ocid, "2026-03-01T00:00:00Z", buyer={"name": "DESNZ"},
                 tender={"id": "t", "title": "Offshore wind port", "description": "Quayside",
                         "value": {"amount": 9_000_000, "currency": "GBP"},
                         "classification": {"scheme": "CPV", "id": "45241000-1"}}),
        _release(ocid, "2026-05-01T00:00:00Z", tag=["award"], awards=[
            {"id": "a1", "status": "active", "date": "2026-04-20T00:00:00Z",
             "value": {"amount": 2_500_000, "currency": "GBP"},
             "suppliers": [{"name": "Port Co"}],
             "items": [{"id": "1", "classification": {"scheme": "CPV", "id": "09310000"}}]},
            {"id": "a2", "status": "active", "value": {"amount": 1_000_000},
             "suppliers": [{"name": "Cable Ltd"}]},
            {"id": "a3", "status": "cancelled", "value": {"amount": 7_000_000, "currency": "GBP"}},
        ]),
    ]
    path = _write_json(tmp_path / "pkg.json", {"releases": releases})
    line = read_ocds(path).iloc[0]
    assert line["amount"] == pytest.approx(3.5)  # 2.5 + 1.0 (no currency = GBP); a3 cancelled
    assert line["cpv"] == "09310000;45241000"
    assert line["supplier"] == "Cable Ltd;Port Co"
    assert line["description"] == "Offshore wind port: Quayside"
    assert line["department"] == "DESNZ"
    assert line["year"] == "2026-27"


def test_release_without_amount_is_kept_at_zero(tmp_path):
    path = _write_json(tmp_path / "r.json", _release("ocds-x-1", "2025-01-01T00:00:00Z",
                                                     tender={"title": "Survey"}))
    lines = read_ocds(path)
    assert lines["amount"].tolist() == [0.0]
    pcs = read_pcs()
    assert (pcs["amount"] == 0.0).sum() == 29


def test_non_gbp_needs_a_rate():
    with pytest.raises(MissionFinanceError) as err:
        read_ocds(PCS)
    msg = str(err.value)
    assert "\n" not in msg
    assert msg.startswith(f"public-contracts-scotland-2019.release-package.json key {EUR_OCID}:")
    assert "'EUR'" in msg and "rates=" in msg
    lines = read_pcs().set_index("line_id")
    assert lines.loc[EUR_OCID, "amount"] == pytest.approx(114_000 * 0.85 / 1e6)


def test_cpv_of_every_item_is_kept():
    raw = json.loads(PCS.read_text(encoding="utf-8"))["releases"]
    lines = read_pcs().set_index("line_id")
    for release in raw:
        tender = release["tender"]
        expected = {tender["classification"]["id"][:8]} if "classification" in tender else set()
        for item in tender.get("items", []):
            for c in [item.get("classification") or {}, *item.get("additionalClassifications", [])]:
                if c.get("scheme") == "CPV":
                    expected.add(c["id"][:8])
        assert set(lines.loc[release["ocid"], "cpv"].split(";")) == expected


def test_region_from_buyer_address_else_delivery_addresses():
    cf = read_ocds(CF2025)
    assert (cf["region"] != "").sum() >= 100
    assert "Yorkshire and the Humber" in set(cf["region"])
    assert "UKL18" in set(read_ocds(S2W)["region"])


def test_buyer_cofog_classifications():
    lines = read_ocds(S2W)
    assert lines["cofog"].str.fullmatch(r"(\d{2}(\.\d)?)?(;\d{2}(\.\d)?)*").all()
    assert (lines["cofog"] != "").sum() >= 80
    pcs = read_pcs()
    assert not pcs["cofog"].isin(PCS_LABELS).any()  # labels left out, codes kept
    assert pcs["cofog"].str.fullmatch(r"(\d{2})?(;\d{2})*").all()
    assert (pcs["cofog"] != "").sum() >= 80


def _classified(ocid: str, cpv: list[object], cofog: list[object]) -> dict[str, object]:
    items = [{"id": str(k), "classification": {"scheme": "CPV", "id": c}} for k, c in enumerate(cpv)]
    return _release(ocid, "2025-01-01", tender={"items": items}, buyer={"id": "B"},
                    parties=[{"id": "B", "name": "Council", "roles": ["buyer"], "details": {
                        "classifications": [{"scheme": "COFOG", "id": c} for c in cofog]}}])


def test_odd_publisher_codes_warn_naming_the_release_and_keep_it(tmp_path):
    """One odd code does not fail the file: unusable ids are left out, unlisted codes kept."""
    package = {"releases": [
        _classified("ocds-a", ["45210000-2", "abc", 9310000], ["4.3", "Transport"]),
        _classified("ocds-b", ["99999999", "45210000"], [7]),
        _classified("ocds-c", [" 45210000 "], []),
    ]}
    path = _write_json(tmp_path / "odd.json", package)
    with pytest.warns(MissionFinanceWarning) as caught:
        lines = read_ocds(path).set_index("line_id")
    messages = sorted(str(w.message) for w in caught)
    assert messages == [
        "odd.json: CPV codes not in the CPV 2008 list were kept as written (rules' CPV prefixes "
        "still match them): '99999999' (release ocds-b); the releases are kept; correct the "
        "codes at the source if they matter",
        "odd.json: CPV ids that are not CPV codes were left out of cpv: 'abc' (release ocds-a); "
        "the releases are kept; correct the codes at the source if they matter",
        "odd.json: the buyer's COFOG ids that are not COFOG codes were left out of cofog: "
        "'Transport' (release ocds-a); the releases are kept; correct the codes at the source "
        "if they matter",
    ]
    assert lines["cpv"].to_dict() == {"ocds-a": "09310000;45210000", "ocds-b": "45210000;99999999",
                                      "ocds-c": "45210000"}
    assert lines["cofog"].to_dict() == {"ocds-a": "04.3", "ocds-b": "07", "ocds-c": ""}


def test_cpv_check_digits_and_integer_ids(tmp_path):
    tender = {"items": [
        {"id": 1, "classification": {"scheme": "CPV", "id": "03000000-1"}},
        {"id": 2, "classification": {"scheme": "cpv", "id": 9310000}},
        {"id": 3, "classification": {"scheme": "CPVS", "id": "AA01-1"}},
    ]}
    path = _write_json(tmp_path / "r.json", _release("ocds-x-2", "2025-01-01", tender=tender))
    assert read_ocds(path)["cpv"].iloc[0] == "03000000;09310000"


def test_bad_rate_is_an_error():
    with pytest.raises(MissionFinanceError, match=re.escape("key rates.EUR: rate -1")):
        read_ocds(PCS, rates={"EUR": -1})
