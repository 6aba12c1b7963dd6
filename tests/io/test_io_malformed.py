"""Malformed inputs: every error is one line naming file, row or key, the value and the fix."""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from missionfinance.errors import MissionFinanceError
from missionfinance.io import read_cra, read_lines, read_ocds, read_pipeline, read_sr25

HORIZON = ["2026-27", "2027-28"]
PIPE_HEAD = "project_id,capacity,private_capacity,instruments,leverage_grant,leverage_loan,pd,lgd,additionality,start_year,end_year\n"
PIPE_OK = "P1,100,,grant;loan,0.5,2,0.05,,,,\n"


def pipe(row: str) -> str:
    """A pipeline whose second data row is ``row``."""
    return PIPE_HEAD + PIPE_OK + row + "\n"


LINES_HEAD = "line_id,source,department,description,amount\n"
CRA_HEAD = ("Department Name,Organisation Name,CRA Segment Code,CRA Segment Name,COFOG Level 0,"
            "HMT Function,COFOG Level 1,HMT Subfunction,ID/non-ID,CAP or CUR,\"CG, LG, PC, BOE\","
            "Allocated by HMT or DEPT,NUTS Region,Country,2016-17,2017-18\n")
CRA_ROW = ("DfE,DfE,SEG-1,S0000001-SCHOOLS,9. Education,9. Education,9.1 Pre-primary and primary,"
           "9.1 Primary,ID,CUR,CG,DEPT,LONDON,ENGLAND,{a},{b}\n")


def pipeline_reader(path: Path) -> object:
    return read_pipeline(path, years=HORIZON)


def parquet_bytes(columns: dict[str, list[object]], names: list[str] | None = None) -> bytes:
    """A Parquet file holding ``columns`` (renamed to ``names`` when given, duplicates allowed)."""
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table(columns)
    if names is not None:
        table = table.rename_columns(names)
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    """An XLSX workbook whose first sheet holds ``rows`` (the first is the header)."""
    import io

    import openpyxl

    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    sink = io.BytesIO()
    book.save(sink)
    return sink.getvalue()


LINES_COLS = {"line_id": ["A", "B"], "source": ["x", "x"], "department": ["D", "D"],
              "description": ["a", "b"], "amount": [1.0, 2.0]}


# (id, file name, content, reader, expected message after "<file> ")
CASES: list[tuple[str, str, str | bytes, Callable[[Path], object], str]] = [
    ("missing column", "pipeline.csv", "project_id,instruments,pd\nP1,grant,0\n", pipeline_reader,
     "key capacity: required column 'capacity' is missing; add it (see the pipeline schema)"),
    ("misspelt column", "pipeline.csv", "project_id,Capacity,instruments,pd\nP1,5,grant,0\n",
     pipeline_reader, "key capacity: required column 'capacity' is missing; rename column "
     "'Capacity' to 'capacity'"),
    ("no projects", "pipeline.csv", PIPE_HEAD, pipeline_reader,
     "has no projects; add at least one row below the header"),
    ("duplicate project_id", "pipeline.csv", pipe("P1,5,,grant,0,,0,,,,"), pipeline_reader,
     "row 2, column project_id: 'P1' duplicates row 1; project ids must be unique"),
    ("empty project_id", "pipeline.csv", pipe(",5,,grant,0,,0,,,,"), pipeline_reader,
     "row 2, column project_id: project_id is empty; give every project an id"),
    ("capacity zero", "pipeline.csv", pipe("P2,0,,grant,0,,0,,,,"), pipeline_reader,
     "row 2, column capacity: 0.0 must be > 0; give the £m"),
    ("capacity negative", "pipeline.csv", pipe("P2,-5,,grant,0,,0,,,,"), pipeline_reader,
     "row 2, column capacity: -5.0 must be > 0;"),
    ("capacity not a number", "pipeline.csv", pipe("P2,lots,,grant,0,,0,,,,"), pipeline_reader,
     "row 2, column capacity: 'lots' is not a number; give the £m"),
    ("private capacity negative", "pipeline.csv", pipe("P2,5,-1,grant,0,,0,,,,"),
     pipeline_reader, "row 2, column private_capacity: -1.0 must be ≥ 0; give £m or leave empty"),
    ("pd above one", "pipeline.csv", pipe("P2,5,,grant,0,,1.5,,,,"), pipeline_reader,
     "row 2, column pd: 1.5 must be between 0 and 1;"),
    ("pd empty on a loan project", "pipeline.csv", pipe("P2,5,,grant;loan,0,1,,,,,"),
     pipeline_reader, "row 2, column pd: is empty but the project is eligible for 'loan'; "
     "write the probability of default"),
    ("pd not a number on a grant project", "pipeline.csv", pipe("P2,5,,grant,0,,low,,,,"),
     pipeline_reader, "row 2, column pd: 'low' is not a number; write a share"),
    ("pd column missing, a guarantee project", "pipeline.csv",
     "project_id,capacity,instruments,leverage_grant,leverage_guarantee\nP1,5,grant,0,\n"
     "P2,5,guarantee,,3\n", pipeline_reader,
     "row 2, column pd: column is missing but the project is eligible for 'guarantee'; add a "
     "pd column"),
    ("cpv too short", "pipeline.csv", PIPE_HEAD.rstrip() + ",cpv\n" + PIPE_OK.rstrip() + ",4521\n",
     pipeline_reader, "row 1, column cpv: '4521' has 4 digits, a CPV code has 8; write"),
    ("cofog not a code", "pipeline.csv",
     PIPE_HEAD.rstrip() + ",cofog\n" + PIPE_OK.rstrip() + ",04.3\nP2,5,,grant,0,,,,,,,health\n",
     pipeline_reader, "row 2, column cofog: 'health' is not a COFOG code; write COFOG codes"),
    ("lines cpv with a letter", "lines.csv", LINES_HEAD.rstrip() + ",cpv\nA,x,D,d,1,45210000\n"
     "B,x,D,d,1,45210000;4521000O\n", read_lines,
     "row 2, column cpv: '4521000O' is not a CPV code in '45210000;4521000O'; write 8-digit"),
    ("lines cpv nine digits", "lines.csv", LINES_HEAD.rstrip() + ",cpv\nA,x,D,d,1,452100001\n",
     read_lines, "row 1, column cpv: '452100001' has 9 digits, a CPV code has 8; write"),
    ("lines cpv separated by commas", "lines.csv",
     LINES_HEAD.rstrip() + ',cpv\nA,x,D,d,1,"45210000,45220000"\n', read_lines,
     "row 1, column cpv: '45210000,45220000' holds a ',': separate CPV codes with ';'"),
    ("lines cofog outside the list", "lines.csv", LINES_HEAD.rstrip() + ",cofog\nA,x,D,d,1,99\n",
     read_lines, "row 1, column cofog: '99' is not in the COFOG list; write COFOG codes"),
    ("lines cofog malformed", "lines.csv", LINES_HEAD.rstrip() + ",cofog\nA,x,D,d,1,04.3\n"
     "B,x,D,d,1,4.3.x\n", read_lines, "row 2, column cofog: '4.3.x' is not a COFOG code;"),
    ("lines header only", "lines.csv", LINES_HEAD, read_lines,
     "has no lines (a header but no data rows); add at least one line below the header"),
    ("CRA header only", "cra.csv", CRA_HEAD, read_lines,
     "has no lines (a header but no data rows); add at least one line below the header"),
    ("pipeline header only", "pipeline.csv", PIPE_HEAD, pipeline_reader,
     "has no projects; add at least one row below the header"),
    ("lgd negative", "pipeline.csv", pipe("P2,5,,grant,0,,0,-0.1,,,"), pipeline_reader,
     "row 2, column lgd: -0.1 must be between 0 and 1;"),
    ("additionality above one", "pipeline.csv", pipe("P2,5,,grant,0,,0,,2,,"), pipeline_reader,
     "row 2, column additionality: 2.0 must be between 0 and 1;"),
    ("unknown instrument", "pipeline.csv", pipe("P2,5,,grant;bond,0,,0,,,,"), pipeline_reader,
     "row 2, column instruments: unknown instrument 'bond' in 'grant;bond'; use equity, grant,"),
    ("no instrument", "pipeline.csv", pipe("P2,5,,;,0,,0,,,,"), pipeline_reader,
     "row 2, column instruments: ';' names no instrument; list the eligible ones"),
    ("missing leverage column", "pipeline.csv",
     "project_id,capacity,instruments,leverage_grant,pd\nP1,5,grant;equity,0,0\n",
     pipeline_reader,
     "row 1, column leverage_equity: column is missing but the project is eligible for 'equity'"),
    ("empty leverage cell", "pipeline.csv", pipe("P2,5,,loan,,,0,,,,"), pipeline_reader,
     "row 2, column leverage_loan: is empty but the project is eligible for 'loan'; write"),
    ("negative leverage", "pipeline.csv", pipe("P2,5,,loan,,-2,0,,,,"), pipeline_reader,
     "row 2, column leverage_loan: -2.0 must be ≥ 0;"),
    ("unknown leverage column", "pipeline.csv",
     "project_id,capacity,instruments,leverage_grant,leverage_bond,pd\nP1,5,grant,0,1,0\n",
     pipeline_reader, "key leverage_bond: column names unknown instrument 'bond'; rename it"),
    ("malformed year", "pipeline.csv", pipe("P2,5,,grant,0,,0,,,2026/27,"), pipeline_reader,
     "row 2, column start_year: '2026/27' is not a financial year; write it like '2026-27'"),
    ("year not consecutive", "pipeline.csv", pipe("P2,5,,grant,0,,0,,,,2026-28"),
     pipeline_reader,
     "row 2, column end_year: '2026-28' is not a financial year; write it like '2026-27'"),
    ("damaged XLSX", "pipeline.xlsx", b"PK\x03\x04 not really a workbook", pipeline_reader,
     "cannot be read as an XLSX workbook ("),
    ("damaged Parquet", "lines.parquet", b"PAR1 not really parquet", read_lines,
     "cannot be read as a Parquet file ("),
    ("start after end", "pipeline.csv", pipe("P2,5,,grant,0,,0,,,2027-28,2026-27"),
     pipeline_reader,
     "row 2, column start_year: start_year '2027-28' is after end_year '2026-27'; swap them"),
    ("window outside horizon", "pipeline.csv", pipe("P2,5,,grant,0,,0,,,2030-31,"),
     pipeline_reader,
     "row 2, column start_year: window '2030-31'..'2027-28' lies outside the horizon"),
    ("lines duplicate id", "lines.csv", LINES_HEAD + "A,x,D,d,1\nB,x,D,d,2\nA,x,D,d,3\n",
     read_lines, "row 3, column line_id: 'A' duplicates row 1; line ids must be unique"),
    ("lines amount not numeric", "lines.csv", LINES_HEAD + "A,x,D,d,1\nB,x,D,d,\"12,5\"\n",
     read_lines, "row 2, column amount: '12,5' is not a number; write the amount in £m"),
    ("lines amount empty", "lines.csv", LINES_HEAD + "A,x,D,d,\n", read_lines,
     "row 1, column amount: is empty; write the amount in £m (0 if none)"),
    ("lines missing description", "lines.csv", "line_id,source,department,amount\nA,x,D,1\n",
     read_lines, "key description: required column 'description' is missing; add it or map"),
    ("ragged CSV", "lines.csv", LINES_HEAD + "A,x,D,d,1\nB,x,D,d,1,9\n", read_lines,
     "row 2: has 6 fields but the header has 5; quote text that holds commas"),
    ("unclosed quote", "lines.csv", LINES_HEAD + 'A,x,D,"d,1\n', read_lines,
     "is not a valid CSV table (Error tokenizing data. C error: EOF inside string"),
    ("empty file", "lines.csv", "", read_lines, "file is empty;"),
    ("not UTF-8", "lines.csv", LINES_HEAD.encode() + "A,x,Défense,d,1\n".encode("latin-1"),
     read_lines, "row 1: is not UTF-8 text (byte 50); save it as UTF-8"),
    ("damaged gzip", "lines.csv.gz", gzip.compress(LINES_HEAD.encode())[:-6], read_lines,
     "damaged gzip file"),
    ("invalid JSON", "contracts.json", '{"releases": [{"ocid": "a",}]}', read_lines,
     "invalid JSON at line 1 column 28 (Expecting property name enclosed in double quotes); fix"),
    ("bad JSON Lines", "contracts.jsonl", '{"ocid": "a", "date": "2025-01-01"}\n{"ocid": \n',
     read_ocds, "key line 2: invalid JSON Lines at column 10"),
    ("release without ocid", "contracts.json", json.dumps({"releases": [{"id": "r1"}]}),
     read_ocds, "key releases[0]: release has no ocid (got None); every OCDS release needs"),
    ("OCDS amount not numeric", "contracts.json",
     json.dumps({"ocid": "ocds-1", "tender": {"value": {"amount": "lots", "currency": "GBP"}}}),
     read_ocds, "key ocds-1: tender.value.amount 'lots' is not a number;"),
    ("not OCDS", "contracts.json", json.dumps({"data": []}), read_ocds,
     "key top level: not an OCDS release, record or package (keys ['data']); give OCDS JSON"),
    ("CRA value not numeric", "cra.csv",
     CRA_HEAD + CRA_ROW.format(a=1, b=2) + CRA_ROW.format(a=3, b="n/a").replace("SEG-1", "SEG-2"),
     read_cra, "row 2, column 2017-18: 'n/a' is not a number; write the outturn in £ thousands"),
    ("CRA duplicate segment and region", "cra.csv",
     CRA_HEAD + CRA_ROW.format(a=1, b=2) + CRA_ROW.format(a=3, b=4), read_cra,
     "row 2, column CRA Segment Code: segment code and region of 'CRA-SEG-1-TLI-2016-17' repeat"),
    ("SR25 memo flag", "sr25.csv",
     "row_id,label,memo,2026-27\nhealth,Health,yes,1\ntotal-resource-del,Total,false,1\n",
     read_sr25, "row 1, column memo: 'yes' is not true or false; write memo as true or false"),
    ("SR25 no total", "sr25.csv", "row_id,label,memo,2026-27\nhealth,Health,false,1\n",
     read_sr25, "key row_id: no 'total-…' row; the table needs its published total"),
    ("column_map unknown", "lines.csv", LINES_HEAD + "A,x,D,d,1\n",
     lambda p: read_lines(p, column_map={"Dept": "department"}),
     "key Dept: column_map names column 'Dept' but the file has no such column"),
    # hostile input, second round: duplicate and non-scalar columns, encodings, nesting
    ("duplicate column CSV", "pipeline.csv",
     "project_id,capacity,instruments,leverage_grant,pd,capacity\nP1,5,grant,0,0,500\n",
     pipeline_reader, "key capacity: column 'capacity' appears twice in the header; rename or"),
    ("duplicate column after stripping", "lines.csv",
     "line_id,source,department,description,amount, amount\nA,x,D,d,1,2\n", read_lines,
     "key amount: column 'amount' appears twice in the header;"),
    ("duplicate column XLSX", "pipeline.xlsx",
     xlsx_bytes([["project_id", "capacity", "instruments", "leverage_grant", "pd", "capacity"],
                 ["P1", 5, "grant", 0, 0, 500]]),
     pipeline_reader, "key capacity: column 'capacity' appears twice in the header;"),
    ("duplicate column Parquet", "lines.parquet",
     parquet_bytes({**LINES_COLS, "amount2": [3.0, 4.0]}, [*LINES_COLS, "amount"]), read_lines,
     "key amount: column 'amount' appears twice in the header;"),
    ("list column Parquet", "lines.parquet",
     parquet_bytes({**LINES_COLS, "description": [["b", "c"], ["d"]]}), read_lines,
     "key description: column holds list values, not one text or number per cell; flatten"),
    ("struct column Parquet", "pipeline.parquet",
     parquet_bytes({"project_id": ["P1"], "capacity": [{"low": 1.0, "high": 2.0}],
                    "instruments": ["grant"], "leverage_grant": [0.0], "pd": [0.0]}),
     pipeline_reader, "key capacity: column holds struct values, not one text or number"),
    ("binary column Parquet", "lines.parquet",
     parquet_bytes({**LINES_COLS, "description": [b"\x00a", b"b"]}), read_lines,
     "key description: column holds binary data, not text or numbers"),
    ("UTF-16 CSV", "lines.csv", (LINES_HEAD + "A,x,D,d,1\n").encode("utf-16"), read_lines,
     "is UTF-16 text (it starts with a UTF-16 byte-order mark); save it as UTF-8"),
    ("OCDS nested very deep", "contracts.json", "[" * 100_000 + "]" * 100_000, read_ocds,
     "JSON nested too deeply to read"),
    ("OCDS nested very deep, detected", "contracts.json", '{"a":' * 50_000 + "1" + "}" * 50_000, read_lines,
     "JSON nested too deeply to read"),
    ("OCDS amount NaN", "contracts.json",
     '{"ocid": "ocds-1", "tender": {"value": {"amount": NaN, "currency": "GBP"}}}', read_ocds,
     "key ocds-1: tender.value.amount nan is not a finite number; fix the release"),
    ("OCDS amount Infinity text", "contracts.json",
     json.dumps({"ocid": "ocds-1", "tender": {"value": {"amount": "Infinity"}}}), read_ocds,
     "key ocds-1: tender.value.amount 'Infinity' is not a finite number;"),
    ("OCDS amount true", "contracts.json",
     json.dumps({"ocid": "ocds-1", "tender": {"value": {"amount": True}}}), read_ocds,
     "key ocds-1: tender.value.amount True is not a number;"),
    ("OCDS currency not a code", "contracts.json",
     json.dumps({"ocid": "ocds-1", "tender": {"value": {"amount": 5, "currency": {"x": 1}}}}),
     read_ocds, "key ocds-1: tender.value.currency {'x': 1} is not a currency code"),
    ("OCDS integer too long", "contracts.json",
     '{"ocid": "o", "tender": {"value": {"amount": ' + "9" * 5000 + "}}}", read_ocds,
     "invalid JSON (Exceeds the limit"),
    ("CSV with old Mac line ends and a duplicate column", "lines.csv",
     "line_id,source,department,description,amount,amount\rA,x,D,d,1,2\r", read_lines,
     "key amount: column 'amount' appears twice in the header;"),
    ("OCDS amount overflows", "contracts.json",
     '{"ocid": "ocds-1", "awards": [{"value": {"amount": 1e999}}]}', read_ocds,
     "key ocds-1: awards[0].value.amount inf is not a finite number;"),
]


@pytest.mark.parametrize(("name", "content", "reader", "expected"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_malformed_input_gives_one_line_error(tmp_path, name, content, reader, expected):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(MissionFinanceError) as err:
        reader(path)
    msg = str(err.value)
    assert "\n" not in msg
    assert str(tmp_path) not in msg  # the file's name, not its whole path
    assert msg.startswith(f"{name} {expected}") or msg.startswith(f"{name}: {expected}"), msg
    located = re.match(rf"{re.escape(name)} (row \d+|key \S+)", msg)
    assert located or expected.startswith(
        ("file", "is not a valid", "damaged", "invalid JSON", "cannot be read", "has no",
         "is UTF-16", "JSON nested")
    )


def test_missing_file(tmp_path):
    with pytest.raises(MissionFinanceError, match=r"^nowhere.csv: file not found; check the path$"):
        read_lines(tmp_path / "nowhere.csv")


def test_directory_is_not_a_file(tmp_path):
    with pytest.raises(MissionFinanceError, match="is a folder, not a file"):
        read_pipeline(tmp_path)


def test_malformed_horizon_year(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text(PIPE_HEAD + PIPE_OK, encoding="utf-8")
    with pytest.raises(MissionFinanceError, match=r"^years: '2026' is not a financial year"):
        read_pipeline(path, years=["2026"])


def test_symlink_loop_is_named(tmp_path):
    loop = tmp_path / "pipeline.csv"
    loop.symlink_to(tmp_path / "pipeline.csv")
    with pytest.raises(MissionFinanceError,
                       match=r"^pipeline.csv: is a symbolic link that loops back on itself"):
        read_pipeline(loop)


def test_non_gbp_error_names_every_way_to_give_a_rate(tmp_path):
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"ocid": "o-1", "tender": {"value": {"amount": 5, "currency": "EUR"}}}),
                    encoding="utf-8")
    with pytest.raises(MissionFinanceError) as err:
        read_ocds(path)
    msg = str(err.value)
    assert "currency_rates = { EUR = 0.85 }" in msg and "--rate EUR=0.85" in msg, msg
