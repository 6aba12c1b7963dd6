"""The bundled example: scenarios/sr25-example.toml and its generated pipeline.

These tests read the files with pandas, tomllib and the standard library only, so they
check the data contract of DESIGN §3.2 and §5 independently of the library's readers.
"""

from __future__ import annotations

import csv
import gzip
import subprocess
import sys
import tomllib
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
SCENARIO = SCENARIOS / "sr25-example.toml"
PIPELINE = SCENARIOS / "data" / "pipeline.csv"
GENERATOR = SCENARIOS / "make_example_pipeline.py"
CPV_LIST = ROOT / "missionfinance" / "data" / "cpv_2008_en.csv.gz"
COFOG_LIST = ROOT / "missionfinance" / "data" / "cofog.csv"
SR25_CDEL = SCENARIOS / "data" / "real" / "sr25_table_5_4_cdel.csv"
SR25_RDEL = SCENARIOS / "data" / "real" / "sr25_table_5_3_rdel_excl_depreciation.csv"

INSTRUMENTS = ("grant", "loan", "equity", "guarantee")
MISSIONS = ("growth", "clean-energy", "safer-streets", "opportunity", "health")
COLUMNS = [
    "project_id", "name", "description", "department", "region", "cofog", "cpv",
    "capacity", "private_capacity", "instruments",
    *(f"leverage_{i}" for i in INSTRUMENTS),
    "pd", "lgd", "additionality", "start_year", "end_year",
]  # fmt: skip
ITL1 = {
    "North East", "North West", "Yorkshire and The Humber", "East Midlands", "West Midlands",
    "East of England", "London", "South East", "South West", "Wales", "Scotland",
    "Northern Ireland",
}  # fmt: skip

#: DOMAIN.md "Codes as starting points": COFOG prefix → mission.
COFOG_MISSION = {
    "07": "health", "03": "safer-streets", "04.3": "clean-energy", "05": "clean-energy",
    "09": "opportunity", "04": "growth",
}  # fmt: skip
#: DOMAIN.md: the CPV divisions/codes the default rules start from.
CPV_STARTS = ("09", "45", "85", "80", "75", "79710000", "73")

#: Keys DESIGN §5 shows, per table, and the constraint families of docs/model.md.
SCENARIO_KEYS = {"scenario", "inputs", "instruments", "budget", "exposure", "objective", "constraints",
                 "outcomes", "sources"}
SECTION_KEYS = {
    "scenario": {"name", "years", "attribution"},
    "inputs": {"missions", "rules", "lines", "pipeline"},
    "objective": {"kind", "weights"},
}
INSTRUMENT_KEYS = {"budget_score", "expected_loss_to", "exposure"}


@pytest.fixture(scope="module")
def pipeline() -> pd.DataFrame:
    return pd.read_csv(PIPELINE, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def scenario() -> dict:
    with SCENARIO.open("rb") as fh:
        return tomllib.load(fh)


def _codes(cell: str) -> list[str]:
    return [c.strip() for c in cell.split(";") if c.strip()]


def _cofog_missions(cell: str) -> set[str]:
    return {m for code in _codes(cell) for p, m in COFOG_MISSION.items() if code.startswith(p)}


def _number(cell: str) -> float | None:
    return None if cell == "" else float(cell)


def test_pipeline_is_what_the_generator_writes(tmp_path: Path) -> None:
    out = tmp_path / "pipeline.csv"
    subprocess.run(
        [sys.executable, str(GENERATOR), "--out", str(out)], check=True, capture_output=True
    )
    assert out.read_bytes() == PIPELINE.read_bytes(), (
        "scenarios/data/pipeline.csv is stale; run python scenarios/make_example_pipeline.py"
    )


def test_pipeline_columns_and_size(pipeline: pd.DataFrame) -> None:
    assert list(pipeline.columns) == COLUMNS
    assert len(pipeline) >= 150
    assert pipeline["project_id"].is_unique
    assert pipeline["name"].is_unique
    assert (pipeline[["project_id", "name", "description", "department"]] != "").all().all()
    assert set(pipeline["region"]) <= ITL1


def test_capacities_and_parameters_in_range(pipeline: pd.DataFrame) -> None:
    cap = pipeline["capacity"].astype(float)
    assert cap.between(5.0, 1500.0).all()
    pcap = pipeline["private_capacity"].map(_number)
    assert pcap.isna().any(), "some private_capacity should be empty (= unlimited)"
    assert (pcap.dropna() >= 0).all()
    for col in ("pd", "lgd", "additionality"):
        values = pipeline[col].map(_number).dropna()
        assert values.between(0.0, 1.0).all(), col


def test_every_instrument_is_eligible_somewhere_with_leverage_where_eligible(
    pipeline: pd.DataFrame,
) -> None:
    seen: set[str] = set()
    for _, row in pipeline.iterrows():
        eligible = _codes(row["instruments"])
        assert eligible and set(eligible) <= set(INSTRUMENTS), row["project_id"]
        seen |= set(eligible)
        for inst in INSTRUMENTS:
            cell = row[f"leverage_{inst}"]
            if inst in eligible:
                assert cell != "" and float(cell) >= 0, (row["project_id"], inst)
            else:
                assert cell == "", (row["project_id"], inst)
    assert seen == set(INSTRUMENTS)


def test_missions_reachable_through_default_codes(pipeline: pd.DataFrame) -> None:
    by_cofog = pipeline["cofog"].map(_cofog_missions)
    reached = set().union(*by_cofog)
    assert reached == set(MISSIONS)
    assert (by_cofog.map(len) >= 2).sum() >= 10, "some projects should serve two missions"
    for _, row in pipeline.iterrows():
        cpv_hit = any(c.startswith(CPV_STARTS) for c in _codes(row["cpv"]))
        assert _cofog_missions(row["cofog"]) or cpv_hit, row["project_id"]


def test_codes_are_valid(pipeline: pd.DataFrame) -> None:
    with gzip.open(CPV_LIST, "rt", encoding="utf-8-sig") as fh:
        cpv = {r["CODE"].split("-")[0] for r in csv.DictReader(fh)}
    cofog = set(pd.read_csv(COFOG_LIST, dtype=str)["Code"])
    for _, row in pipeline.iterrows():
        for code in _codes(row["cpv"]):
            assert len(code) == 8 and code in cpv, (row["project_id"], code)
        for code in _codes(row["cofog"]):
            assert code in cofog, (row["project_id"], code)


def test_project_windows_inside_horizon(pipeline: pd.DataFrame, scenario: dict) -> None:
    years = scenario["scenario"]["years"]
    start = pipeline["start_year"].map(years.index)
    end = pipeline["end_year"].map(years.index)
    assert (start <= end).all()
    assert ((start > 0) | (end < len(years) - 1)).any(), "some windows should be restricted"


def test_scenario_uses_only_design_keys(scenario: dict) -> None:
    assert set(scenario) == SCENARIO_KEYS
    for section, keys in SECTION_KEYS.items():
        assert set(scenario[section]) == keys, section
    for name, table in scenario["instruments"].items():
        assert set(table) <= INSTRUMENT_KEYS, name
    assert scenario["scenario"]["attribution"] == "net"
    assert scenario["objective"]["kind"] == "mission_value"
    assert set(scenario["objective"]["weights"]) == set(MISSIONS)


def test_scenario_inputs_exist(scenario: dict) -> None:
    inputs = scenario["inputs"]
    for rel in [*inputs["lines"], inputs["pipeline"]]:
        assert (SCENARIO.parent / rel).is_file(), rel


def test_budget_years_within_scenario_years(scenario: dict) -> None:
    years = set(scenario["scenario"]["years"])
    for control, table in scenario["budget"].items():
        assert set(table) <= years, control
        assert all(v > 0 for v in table.values()), control
    assert set(scenario["exposure"]) <= years


def test_pipeline_instruments_defined_in_scenario(pipeline: pd.DataFrame, scenario: dict) -> None:
    named = {i for cell in pipeline["instruments"] for i in _codes(cell)}
    assert named <= set(scenario["instruments"])
    controls = set(scenario["budget"])
    for name, table in scenario["instruments"].items():
        used = set(table.get("budget_score", {})) | {table.get("expected_loss_to")} - {None}
        assert used <= controls, name


def test_budgets_follow_the_stated_sr25_derivation(scenario: dict) -> None:
    cdel = pd.read_csv(SR25_CDEL).set_index("row_id")
    rdel = pd.read_csv(SR25_RDEL).set_index("row_id")
    cumulative_ft = 0.0
    for year in scenario["scenario"]["years"]:
        grant = cdel.at["growth-mission-fund", year] + 0.25 * cdel.at["reserves", year]
        ft = 0.25 * -cdel.at["remove-cdel-financial-transactions-ft", year]
        cumulative_ft += ft
        rdel_year = year if year in rdel.columns else "2028-29"  # SR25 RDEL ends 2028-29
        assert scenario["budget"]["CDEL"][year] == pytest.approx(grant, abs=0.05)
        assert scenario["budget"]["FT"][year] == pytest.approx(ft, abs=0.05)
        assert scenario["budget"]["RDEL"][year] == pytest.approx(
            0.03 * rdel.at["reserves", rdel_year], abs=0.05
        )
        assert scenario["exposure"][year] == pytest.approx(
            cumulative_ft * 40_000 / 27_800, abs=0.05
        )


def test_pipeline_is_larger_than_the_budgets(pipeline: pd.DataFrame, scenario: dict) -> None:
    capacity = pipeline["capacity"].astype(float).sum()
    flow = sum(scenario["budget"]["CDEL"].values()) + sum(scenario["budget"]["FT"].values())
    stock = max(scenario["exposure"].values())
    assert capacity > 1.5 * (flow + stock)
