"""The report's assumptions log, QA log and known limitations (AQuA Book).

The example scenario's log lists every budget and exposure key with its value; a source
attached in ``[sources]`` reaches the log; a bad ``[sources]`` key exits 2 naming it; the
QA log's tagging figures are the shipped evaluation data, which equal a fresh evaluation;
report.html and report.xlsx carry the three sections; docs/model.md repeats the
limitations word for word.
"""

from __future__ import annotations

import importlib.util
import io
import re
import tomllib
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from missionfinance import Scenario, views
from missionfinance.cli import main
from missionfinance.errors import MissionFinanceError
from missionfinance.scenario.config import parse_sources

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "scenarios" / "sr25-example.toml"


@pytest.fixture(scope="module")
def example_run():  # type: ignore[no-untyped-def]
    return Scenario.load(EXAMPLE).run()


def test_log_lists_every_budget_and_exposure_key_with_its_value(example_run) -> None:  # type: ignore[no-untyped-def]
    log = views.assumptions_log(example_run).set_index("key")
    config = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    expected = {f"budget.{c}.{y}": v for c, table in config["budget"].items()
                for y, v in table.items()}
    expected |= {f"exposure.{y}": v for y, v in config["exposure"].items()}
    assert len(expected) == 16
    for key, value in expected.items():
        assert log.loc[key, "figure"] == value, key
        assert log.loc[key, "unit"] == "£m", key
    for mission, weight in config["objective"]["weights"].items():
        assert log.loc[f"objective.weights.{mission}", "figure"] == weight
    assert log.loc["constraints.regional.outside-greater-south-east.min_share", "unit"] == "share"
    pipe = example_run.pipeline
    for column in ("pd", "lgd", "additionality", "leverage_loan"):
        row = log.loc[f"pipeline.{column}"]
        values = pd.to_numeric(pipe[column]).dropna()
        assert row["figure"] == pytest.approx(values.mean())
        assert (row["lowest"], row["highest"]) == (values.min(), values.max())


def test_sources_attached_in_the_scenario_appear(example_run) -> None:  # type: ignore[no-untyped-def]
    log = views.assumptions_log(example_run).set_index("key")
    sources = example_run.scenario.sources
    assert log.loc["budget.CDEL.2026-27", "source"] == sources["budget.CDEL"]["source"]
    # the longer key wins over its table
    assert log.loc["budget.RDEL.2029-30", "source"] == sources["budget.RDEL.2029-30"]["source"]
    assert log.loc["budget.RDEL.2028-29", "source"] == sources["budget.RDEL"]["source"]
    assert log.loc["pipeline.pd", "source"] == sources["pipeline"]["source"]
    # a source key inside a table, and an instrument's own source
    assert log.loc["outcomes.uncertainty.yield.homes.low", "source"].startswith("assumption: ±30%")
    assert log.loc["instruments.loan.budget_score.FT", "source"] == \
        example_run.scenario.instruments["loan"].source
    assert set(log["quality"]) == {"not rated"}


def test_quality_rating_reaches_the_log(tmp_path: Path) -> None:
    text = EXAMPLE.read_text(encoding="utf-8").replace(
        '"budget.FT" = { source = "', '"budget.FT" = { quality = "amber", source = "')
    path = tmp_path / "s.toml"
    path.write_text(text, encoding="utf-8")
    config = tomllib.loads(text)
    sources = parse_sources(config, "s.toml", Scenario.load(EXAMPLE).instruments)
    assert sources["budget.FT"]["quality"] == "amber"


@pytest.mark.parametrize(("entry", "message"), [
    ('"budget.CDLE" = { source = "x" }', 'key sources."budget.CDLE": not a key of this scenario'),
    ('"pipeline.leverage_lona" = { source = "x" }',
     'key sources."pipeline.leverage_lona": not a pipeline parameter'),
    ('"budget.FT" = { source = "x", quality = "blue" }',
     "key sources.\"budget.FT\".quality: 'blue' is not a rating"),
    ('"budget.FT" = { source = "" }', 'key sources."budget.FT".source: missing or empty'),
    ('"budget.FT" = { source = "x", rating = "red" }', 'key sources."budget.FT".rating: unknown key'),
    ('"budget.FT" = "x"', 'key sources."budget.FT": must be a table'),
])
def test_bad_sources_entry_exits_2_naming_it(run, tmp_path: Path, entry: str, message: str,  # type: ignore[no-untyped-def]
                                             capsys: pytest.CaptureFixture[str]) -> None:
    path = run.scenario.path
    path.write_text(path.read_text(encoding="utf-8") + f"\n[sources]\n{entry}\n",
                    encoding="utf-8")
    with pytest.raises(MissionFinanceError, match=re.escape(message)):
        Scenario.load(path)
    capsys.readouterr()
    code = main(["run", str(path), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and message in err[0], err
    assert not (tmp_path / "out").exists()


def test_qa_log_tagging_figures_equal_the_shipped_evaluation(example_run) -> None:  # type: ignore[no-untyped-def]
    qa = views.qa_log(example_run)
    shipped = pd.read_csv(ROOT / "missionfinance" / "data" / "tagging_accuracy_uk.csv")
    tagging = qa[qa["area"] == "tagging"]
    assert len(tagging) == 2 * len(shipped)
    for rec in shipped.to_dict(orient="records"):
        label = "all missions (micro average)" if rec["mission"] == "all" else rec["mission"]
        for measure in ("precision", "recall"):
            row = tagging[tagging["check"] == f"Tagging {measure}: {label}"]
            assert row["figure"].tolist() == [rec[measure]]
    assert set(qa["area"]) == {"verification", "validation", "tagging", "solver", "sign-off"}
    signoff = qa[qa["area"] == "sign-off"]
    assert list(signoff["check"]) == ["Analyst", "Reviewer (QA)", "Date signed off"]
    assert (signoff["result"] == "").all()
    solver = qa[qa["area"] == "solver"].set_index("check")["result"]
    record = example_run.allocation.solver
    assert solver["Solver status"] == "optimal"
    assert solver["Algorithm"] == record["algorithm"]
    assert solver["Threads"] == str(record["options"]["threads"])
    assert solver["Seed"] == str(record["options"]["seed"])
    assert solver["Primal tolerance"] == f"{record['options']['primal_tolerance']:g}"
    verify = qa[qa["area"] == "verification"]["detail"].iloc[0]
    assert "missionfinance verify DIR" in verify
    assert example_run.scenario.path.name and re.search(r"SHA-256 [0-9a-f]{64}", verify)


def test_shipped_tagging_accuracy_equals_a_fresh_evaluation() -> None:
    spec = importlib.util.spec_from_file_location(
        "build_accuracy", ROOT / "tests" / "data" / "gold" / "build_accuracy.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    fresh = module.accuracy()
    shipped = views.tagging_accuracy()
    buffer = io.StringIO()
    fresh.to_csv(buffer, index=False, float_format="%.6f", lineterminator="\n")
    assert buffer.getvalue() == (ROOT / "missionfinance" / "data"
                                 / "tagging_accuracy_uk.csv").read_text(encoding="utf-8")
    assert list(shipped["mission"]) == list(fresh["mission"])


def test_warnings_of_the_run_appear_in_the_qa_log(run) -> None:  # type: ignore[no-untyped-def]
    run.allocation.summary["warnings"] = ["guarantee exposure uncapped"]
    qa = views.qa_log(run)
    rows = qa[(qa["area"] == "validation") & (qa["result"] == "warning")]
    assert rows["detail"].tolist() == ["guarantee exposure uncapped"]


def test_limitations_are_in_docs_word_for_word() -> None:
    limits = views.known_limitations()
    doc = (ROOT / "docs" / "model.md").read_text(encoding="utf-8")
    assert "## Known limitations" in doc
    flat = " ".join(doc.split())
    for text in limits["limitation"]:
        assert text in flat, text
        assert len(text) <= 300
    assert {"leverage-segments", "economic-cost", "outcome-yields"} <= set(limits["id"])


def test_html_and_xlsx_carry_the_sections(example_written: Path) -> None:
    page = (example_written / "report.html").read_text(encoding="utf-8")
    for anchor in ("assumptions-log", "qa-log", "known-limitations"):
        assert f'id="{anchor}"' in page
    assert "budget.CDEL.2026-27" in page and "Tagging precision: all missions" in page
    for text in views.known_limitations()["limitation"]:
        assert text.replace("'", "&#39;") in page
    book = openpyxl.load_workbook(example_written / "report.xlsx")
    assert {"Assumptions log", "QA log", "Known limitations"} <= set(book.sheetnames)
    ws = book["Assumptions log"]
    header = [c.value for c in ws[1]]
    assert header[:3] == ["key", "what", "value"] and header[-2:] == ["source", "quality"]
    keys = [r[0].value for r in ws.iter_rows(min_row=2)]
    row = keys.index("budget.CDEL.2026-27") + 2
    assert ws.cell(row, 3).value == 652.9
    for name in ("Assumptions log", "QA log", "Known limitations"):
        sheet = book[name]
        assert sheet.page_setup.orientation == "landscape"
        assert sheet.print_title_rows == "$1:$1"
        # xlsxwriter leaves out fitToWidth="1", the default
        assert (sheet.page_setup.fitToWidth or 1) == 1 and sheet.page_setup.fitToHeight == 0
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
    qa = book["QA log"]
    signoff = [r for r in qa.iter_rows(min_row=2, values_only=True) if r[0] == "sign-off"]
    assert [r[1] for r in signoff] == ["Analyst", "Reviewer (QA)", "Date signed off"]
    assert all(r[2] is None for r in signoff)


def test_pipeline_source_column_is_cited(run) -> None:  # type: ignore[no-untyped-def]
    path = run.scenario.pipeline_path
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame["source"] = ["ODI (2019) ranges"] * (len(frame) - 2) + ["NWF annual report", ""]
    frame.to_csv(path, index=False)
    again = Scenario.load(run.scenario.path).run()
    log = views.assumptions_log(again).set_index("key")
    cited = log.loc["pipeline.capacity", "source"]
    assert f"ODI (2019) ranges ({len(frame) - 2} projects)" in cited
    assert "NWF annual report (1 project)" in cited and "1 without a source" in cited
    assert log.loc["budget.CDEL.2026-27", "what"] == "CDEL control total in 2026-27 (flow limit)"
