"""End-to-end sweeps: ordering and chunks, monotonicity, failed variants, outputs and the CLI."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from missionfinance.cli import main
from missionfinance.scenario import Scenario
from missionfinance.sweep import (
    SweepResult,
    Variant,
    efficient_frontier,
    order_variants,
    plan_chunks,
    product,
    run_sweep,
    solve_chunk,
)
from tests.sweep.conftest import EXAMPLE


def test_order_keeps_neighbours_close_and_chunks_cover_every_variant() -> None:
    vs = product(["budget.CDEL.2026-27=10,20,30,40", "objective.weights.health=1,2,3"])
    order = order_variants(vs)
    assert sorted(order) == list(range(len(vs)))
    steps = [sum(a[2] != b[2] for a, b in zip(vs[i].changes, vs[j].changes, strict=True))
             for i, j in zip(order, order[1:], strict=False)]
    assert max(steps) == 1  # a snake through the grid: one key changes at a time
    chunks = plan_chunks(vs, chunk=5)
    assert [len(c) for c in chunks] == [5, 5, 2]
    assert sorted(k for c in chunks for k in c) == list(range(len(vs)))


def test_more_cdel_never_lowers_the_objective(small_scenario: Path) -> None:
    scenario = Scenario.load(small_scenario)
    values = [0.0, 5.0, 10.0, 20.0, 35.0, 50.0, 60.0, 80.0]
    result = run_sweep(scenario, product([("budget.CDEL.2026-27", "=", values)]), workers=1,
                       chunk=3)
    t = result.table
    assert list(t["budget.CDEL.2026-27"]) == values  # input order, whatever the solving order
    assert (t["status"] == "optimal").all()
    obj = t["objective"].to_numpy(float)
    assert (np.diff(obj) >= -1e-6 * np.abs(obj[1:])).all()
    assert obj[-1] > obj[0]


def test_example_sweep_is_monotone_in_cdel_and_matches_solve(example_base: object) -> None:
    from missionfinance.model import solve
    from missionfinance.sweep import variant_problem

    scenario = Scenario.load(EXAMPLE)
    result = run_sweep(scenario, product(["budget.CDEL*=0.9,0.95,1.0,1.05,1.1"]), workers=1)
    obj = result.table["objective"].to_numpy(float)
    assert (np.diff(obj) >= -1e-6 * obj[1:]).all()
    ref = solve(variant_problem(example_base, result.variants[-1]))  # type: ignore[arg-type]
    assert obj[-1] == pytest.approx(ref.objective, rel=1e-6)


def test_infeasible_variant_reports_its_conflict_and_the_others_finish(floor_scenario: Path) -> None:
    scenario = Scenario.load(floor_scenario)
    result = scenario.sweep({"constraints.mission_floor.health": [0.0, 20.0, 1000.0, 30.0],
                             "budget.CDEL.2026-27": [40.0, 60.0]}, workers=1)
    t = result.table.set_index(["constraints.mission_floor.health", "budget.CDEL.2026-27"])
    bad = t.loc[1000.0]
    assert (bad["status"] == "infeasible").all()
    assert bad["error"].str.contains("Conflict:").all()
    assert bad["error"].str.contains("mission_floor[health]", regex=False).all()
    good = t.drop(index=1000.0, level=0)
    assert (good["status"] == "optimal").all() and (good["error"] == "").all()
    assert len(result.failed) == 2


def test_a_bad_value_fails_one_variant_not_the_sweep(small_scenario: Path) -> None:
    scenario = Scenario.load(small_scenario)
    vs = [Variant("ok", (("budget.CDEL.2026-27", "=", 30.0),)),
          Variant("negative", (("budget.CDEL.2026-27", "=", -5.0),)),
          Variant("ok too", (("budget.CDEL.2026-27", "=", 50.0),))]
    t = run_sweep(scenario, vs, workers=1).table
    assert list(t["status"]) == ["optimal", "error", "optimal"]
    assert "budget.CDEL.2026-27" in t.loc[1, "error"]


def test_process_pool_gives_the_serial_table(small_scenario: Path) -> None:
    scenario = Scenario.load(small_scenario)
    vs = product(["budget.CDEL.2026-27=10,30,50", "objective.weights.health=0.5,2",
                  "pipeline.leverage_loan*=0.5,1"])
    serial = run_sweep(scenario, vs, workers=1, chunk=4).table
    pooled = run_sweep(scenario, vs, workers=2, chunk=4).table
    pd.testing.assert_frame_equal(serial, pooled)


def test_chunk_result_does_not_depend_on_what_the_worker_solved_before(small_scenario: Path) -> None:
    from missionfinance.model.resolve import Resolver
    from missionfinance.sweep import _prepare

    base = _prepare(Scenario.load(small_scenario))
    job = product(["budget.CDEL.2026-27=10,20,30"])
    fresh = solve_chunk(base, job, Resolver())
    used = Resolver()
    solve_chunk(base, product(["objective.weights.health=3,0.1"]), used)
    assert solve_chunk(base, job, used) == fresh


def test_cli_sweep_writes_the_folder_and_exits_1_on_an_infeasible_variant(
        floor_scenario: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "sweep"
    code = main(["sweep", str(floor_scenario), "--vary", "budget.CDEL.2026-27=30,60",
                 "--vary", "constraints.mission_floor.health=0,1000", "--workers", "1",
                 "--out", str(out)])
    assert code == 1
    printed = capsys.readouterr().out
    assert "2 of 4 variants optimal" in printed and "mission_floor[health]" in printed
    for name in ("variants.csv", "frontier.csv", "manifest.json"):
        assert (out / name).is_file(), name
    table = pd.read_csv(out / "variants.csv")
    keys = ["budget.CDEL.2026-27", "constraints.mission_floor.health"]
    assert list(table.columns[:3]) == ["variant", *keys]
    assert list(table.columns[3:8]) == ["status", "objective", "public_total", "private_total",
                                        "leverage"]
    assert {f"value.{m}" for m in ("health", "growth")} <= set(table.columns)
    # binding limits counted by family; every binding row in binding.csv (long format)
    counts = [c for c in table.columns if c.startswith("binding.")]
    assert counts and table.columns[-1] == "error" and "binding" not in table.columns
    assert list(table.columns[-1 - len(counts):-1]) == counts
    long = pd.read_csv(out / "binding.csv")
    assert list(long.columns) == ["variant", "family", "constraint"]
    for k in range(len(table)):
        mine = long[long["variant"] == table.loc[k, "variant"]]
        for column in counts:
            family = column.removeprefix("binding.")
            assert (mine["family"] == family).sum() == table.loc[k, column], (k, column)
    assert len(printed.splitlines()) <= 8 and max(map(len, printed.splitlines())) < 500
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["kind"] == "sweep" and len(manifest["variants"]) == 4
    assert set(manifest["outputs"]) >= {"variants.csv", "frontier.csv"}


def test_cli_sweep_exits_0_when_every_variant_is_optimal(small_scenario: Path,
                                                         tmp_path: Path) -> None:
    out = tmp_path / "ok"
    code = main(["sweep", str(small_scenario), "--vary", "objective.weights.health=1,2",
                 "--workers", "1", "--out", str(out)])
    assert code == 0
    assert list(pd.read_csv(out / "variants.csv")["objective.weights.health"]) == [1, 2]


def test_order_handles_text_values_and_keys_some_variants_lack() -> None:
    vs = [Variant("a", (("instruments.guarantee.expected_loss_to", "=", "FT"),)),
          Variant("b", (("budget.CDEL.2026-27", "=", 10.0),)),
          Variant("c", (("instruments.guarantee.expected_loss_to", "=", "RDEL"),
                        ("budget.CDEL.2026-27", "=", 20.0))),
          Variant("d", ())]
    order = order_variants(vs)
    assert order[0] == 0 and sorted(order) == [0, 1, 2, 3]
    assert order_variants(vs) == order  # deterministic


def test_mission_against_mission_frontier_from_a_weighted_sweep(small_scenario: Path) -> None:
    scenario = Scenario.load(small_scenario)
    result = scenario.sweep({"objective.weights.health": [0.2, 1.0, 5.0],
                             "budget.CDEL.2026-27": [20.0]}, workers=1)
    t = result.table.copy()
    t["health"] = t["value.health"] / t["objective.weights.health"]
    t["clean"] = t["value.clean-energy"]
    f = efficient_frontier(t, "health", "clean", minimise_x=False)
    assert len(f) >= 1 and (f["status"] == "optimal").all()
    assert t["health"].iloc[-1] >= t["health"].iloc[0]  # more weight, more health money
    g = result.frontier("value.health", "value.clean-energy", minimise_x=False)
    assert set(g["variant"]) <= set(t["variant"])


def test_cli_bad_vary_key_exits_2_before_solving_and_writes_nothing(
        small_scenario: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "sweep"
    for vary in ("CDEL=600,700", "budget.CDEL.2026-27=30,-5", "budget.CDELX.2026-27=1"):
        code = main(["sweep", str(small_scenario), "--vary", vary, "--workers", "1",
                     "--out", str(out)])
        err = capsys.readouterr().err
        assert code == 2, vary
        assert not out.exists(), vary
        assert err.count("\n") == 1 and "--vary" in err and "sweep --help" in err, err


def test_sweep_help_shows_vary_syntax_with_examples(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["sweep", "--help"])
    text = capsys.readouterr().out
    assert "KEY*=F1,F2" in text and "budget.CDEL.2027-28=1100,1200,1300" in text
    assert "pipeline." in text and "exit 2" in text


def test_two_key_sweep_compares_with_base_and_verifies(
        small_scenario: Path, tmp_path: Path) -> None:
    from missionfinance.audit import verify

    out = tmp_path / "results" / "sweep"
    code = main(["sweep", str(small_scenario), "--vary", "budget.CDEL.2026-27=30,60",
                 "--vary", "objective.weights.health=1,2", "--workers", "1", "--out", str(out)])
    assert code == 0
    for name in ("comparison.xlsx", "comparison.html", "comparison.svg", "binding.csv"):
        assert (out / name).is_file(), name
    page = (out / "comparison.html").read_text()
    assert "Objective over the two varied keys" in page          # the heat map
    assert "CDEL.2026-27 = 30; health = 2" in page               # readable labels
    book = openpyxl.load_workbook(out / "comparison.xlsx")
    ws = book["Comparison"]
    header = [c.value for c in ws[1]]
    assert header[:6] == ["variant", "changes", "status", "objective", "Δ objective",
                          "Δ objective (%)"]
    assert "Δ value health (weighted £m)" in header
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 4
    result = run_sweep(Scenario.load(small_scenario),
                       product(["budget.CDEL.2026-27=30,60", "objective.weights.health=1,2"]),
                       workers=1)
    assert result.base is not None and result.base["status"] == "optimal"
    comp = result.comparison()
    delta = comp["objective"] - result.base["objective"]
    assert np.allclose(comp["d_objective"], delta.where(delta.abs() >= 5e-7, 0.0))
    assert ws.cell(2, header.index("Δ public (£m)") + 1).number_format.startswith('"£"')
    report = verify(out)
    assert report.ok, str(report)
    (out / "comparison.html").write_text(page.replace("Every variant", "Every varient"))
    assert not verify(out).ok


def test_scenario_with_changes_and_compare(small_scenario: Path) -> None:
    from missionfinance.errors import MissionFinanceError

    scenario = Scenario.load(small_scenario)
    tight = scenario.with_changes({"budget.CDEL*": 0.5})
    assert tight.budget["CDEL"]["2026-27"] == scenario.budget["CDEL"]["2026-27"] * 0.5
    assert scenario.config["budget"]["CDEL"]["2026-27"] == 60.0    # the original is unchanged
    with pytest.raises(MissionFinanceError, match="with_changes key budgt"):
        scenario.with_changes({"budgt.CDEL.2026-27": 1})
    result = scenario.compare([{"budget.CDEL*": 0.5}, {"budget.CDEL.2026-27": 80.0}])
    comp = result.comparison()
    assert list(comp["label"]) == ["CDEL × 0.5", "CDEL.2026-27 = 80"]
    assert comp.loc[0, "d_objective"] <= 0 <= comp.loc[1, "d_objective"]
    with pytest.raises(MissionFinanceError, match="--vary"):
        scenario.compare([{"budget.CDEL.2026-27": -1.0}])


def test_one_at_a_time_orders_keys_by_swing_and_skips_grids() -> None:
    from missionfinance.sweep.compare import one_at_a_time, tornado_chart

    variants = [Variant("v1", (("budget.CDEL.2026-27", "=", 60.0),)),
                Variant("v2", (("budget.CDEL.2026-27", "=", 30.0),)),
                Variant("v3", (("objective.weights.health", "=", 2),)),
                Variant("v4", (("objective.weights.health", "=", 1),)),
                Variant("v5", (("objective.weights.health", "=", 3),))]
    comp = pd.DataFrame({"variant": ["v1", "v2", "v3", "v4", "v5"],
                         "d_objective": [4.0, -6.0, 1.0, -0.5, 2.5]})
    sens = one_at_a_time(comp, variants)
    assert list(sens["key"]) == ["budget.CDEL.2026-27", "objective.weights.health"]
    first = sens.iloc[0]
    assert (first["low"], first["d_objective_low"], first["high"], first["d_objective_high"]) \
        == (30.0, -6.0, 60.0, 4.0)
    assert sens["swing"].tolist() == [10.0, 3.0]
    fig = tornado_chart(sens)
    ax = fig.axes[0]
    at = {t.get_text(): y for t, y in zip(ax.get_yticklabels(), ax.get_yticks(), strict=True)}
    assert at["CDEL.2026-27"] > at["health"]               # largest swing on top
    grid = [Variant("g", (("budget.CDEL.2026-27", "=", 30.0),
                          ("objective.weights.health", "=", 2)))]
    assert one_at_a_time(pd.DataFrame({"variant": ["g"], "d_objective": [1.0]}), grid).empty


def test_one_key_at_a_time_sweep_draws_a_tornado(small_scenario: Path) -> None:
    result = Scenario.load(small_scenario).compare(
        [{"budget.CDEL.2026-27": 30.0}, {"budget.CDEL.2026-27": 80.0},
         {"objective.weights.health": 0.5}, {"objective.weights.health": 2.0}])
    names = [name for name, _ in result.charts()]
    assert names[0] == "Objective: each key one at a time"
    sens = one_at_a_time_of(result)
    cdel = sens[sens["key"] == "budget.CDEL.2026-27"].iloc[0]
    assert cdel["d_objective_low"] <= 0 <= cdel["d_objective_high"]   # more CDEL, no worse
    book = openpyxl.load_workbook(io.BytesIO(result.render(small_scenario.parent)
                                             ["comparison.xlsx"]))
    rows = list(book["One at a time"].iter_rows(values_only=True))
    assert rows[0][:3] == ("key", "low value", "Δ objective at low")
    assert {r[0] for r in rows[1:]} == {"CDEL.2026-27", "health"}
    assert rows[1][5] == pytest.approx(float(sens.iloc[0]["swing"]))
    page = result.render(small_scenario.parent)["comparison.html"].decode()
    assert "<h2>One key at a time</h2>" in page and "<td dir=\"auto\">health</td>" in page
    two = run_sweep(Scenario.load(small_scenario),
                    product(["budget.CDEL.2026-27=30,60", "objective.weights.health=1,2"]),
                    workers=1)
    assert "Objective: each key one at a time" not in [name for name, _ in two.charts()]
    assert "One key at a time" not in two.render(small_scenario.parent)["comparison.html"].decode()
    assert "One at a time" not in openpyxl.load_workbook(
        io.BytesIO(two.render(small_scenario.parent)["comparison.xlsx"])).sheetnames


def one_at_a_time_of(result: SweepResult) -> pd.DataFrame:
    from missionfinance.sweep.compare import one_at_a_time

    return one_at_a_time(result.comparison(), result.variants)
