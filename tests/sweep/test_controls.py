"""Budget used per control and milestone outcomes of sweep variants, against full runs.

Each figure of a variant in variants.csv, comparison.xlsx and comparison.html must equal
what ``missionfinance run`` of the same variant reports; and the sweep's manifest lists
the input files a verify hash-checks.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from missionfinance.audit import verify
from missionfinance.cli import main
from missionfinance.scenario import Scenario
from missionfinance.sweep import Variant, _prepare, product, run_sweep, solve_variant
from missionfinance.sweep.runner import _variant_inputs, milestone_outcomes
from tests.sweep.conftest import EXAMPLE

CONTROLS = ("CDEL", "FT", "RDEL")
YEARS = ("2026-27", "2027-28", "2028-29", "2029-30")
#: The FT 2027-28 line of the bundled example, and the same line with the variant's value.
FT_LINE = '"2027-28" = 1150.7'
FT_VARIANT = '"2027-28" = 9000.0'


@pytest.fixture(scope="module")
def example_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled example's folder copied, with a second scenario file for one variant."""
    root = tmp_path_factory.mktemp("example") / "scenarios"
    shutil.copytree(EXAMPLE.parent, root)
    text = (root / EXAMPLE.name).read_text(encoding="utf-8")
    assert text.count(FT_LINE) == 1
    (root / "variant.toml").write_text(text.replace(FT_LINE, FT_VARIANT), encoding="utf-8")
    return root / EXAMPLE.name


@pytest.fixture(scope="module")
def swept(example_copy: Path) -> Path:
    """``missionfinance sweep`` of the example: FT 2027-28 as given and at £9,000m."""
    out = example_copy.parent.parent / "sweep"
    code = main(
        [
            "sweep",
            str(example_copy),
            "--vary",
            "budget.FT.2027-28=1150.7,9000",
            "--workers",
            "1",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    return out


def _run(scenario: Path, out: Path) -> dict[str, float]:
    """budget_scored of ``missionfinance run`` of ``scenario``."""
    assert main(["run", str(scenario), "--out", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    return {str(c): float(v) for c, v in summary["budget_scored"].items()}


def test_budget_used_per_control_equals_a_full_run_of_the_variant(
    example_copy: Path, swept: Path
) -> None:
    table = pd.read_csv(swept / "variants.csv").set_index("budget.FT.2027-28")
    row = table.loc[9000.0]
    assert row["status"] == "optimal"
    scored = _run(example_copy.parent / "variant.toml", example_copy.parent.parent / "run-v")
    assert set(scored) == set(CONTROLS)
    for control in CONTROLS:
        assert row[f"control.{control}"] == pytest.approx(scored[control], abs=1e-6), control
    # FT 2027-28 no longer binds at £9,000m: the figure is what is used, not the limit
    assert row["control.FT.2027-28"] < 9000.0 - 1.0
    # by year: the full run's budget_cost summed over projects and instruments
    run = Scenario.load(example_copy.parent / "variant.toml").run()
    cost = run.allocation.dataset["budget_cost"].sum(("project", "instrument"))
    for control in CONTROLS:
        by_year = [row[f"control.{control}.{year}"] for year in YEARS]
        assert by_year == pytest.approx(
            [float(cost.sel(control=control, year=year)) for year in YEARS], abs=1e-6
        )
        assert sum(by_year) == pytest.approx(row[f"control.{control}"], abs=1e-6)


def test_comparison_files_show_the_difference_per_control_from_the_base(
    example_copy: Path, swept: Path
) -> None:
    base = _run(example_copy, example_copy.parent.parent / "run-base")
    variant = _run(example_copy.parent / "variant.toml", example_copy.parent.parent / "run-v2")
    book = openpyxl.load_workbook(swept / "comparison.xlsx", read_only=True)
    rows = list(book["Comparison"].iter_rows(values_only=True))
    by_year = list(book["Budget by year"].iter_rows(values_only=True))
    milestones = [str(h) for h in next(book["Milestones"].iter_rows(values_only=True))]
    book.close()
    header = [str(h) for h in rows[0]]
    changed = next(r for r in rows[1:] if "9,000" in str(r[header.index("changes")]))
    same = next(r for r in rows[1:] if "1,150.7" in str(r[header.index("changes")]))
    for control in CONTROLS:
        column = header.index(f"Δ {control} used (£m)")
        assert changed[column] == pytest.approx(variant[control] - base[control], abs=1e-6)
        assert same[column] == pytest.approx(0.0, abs=1e-6)
    # guarantees are compared at face value beside public cash, never inside it
    for column in ("guarantees, face value (£m)", "Δ guarantees, face value (£m)",
                   "Δ additional private (£m)", "Δ economic cost (£m, present value)"):
        assert column in header
    assert header.index("Δ public (£m)") < header.index("guarantees, face value (£m)")
    assert "Δ homes at deadline (homes)" in milestones
    assert not [h for h in header if "deadline" in h]  # milestones have a sheet of their own
    year_header = [str(h) for h in by_year[0]]
    assert [h for h in year_header if h.startswith("Δ FT")] == [
        f"Δ FT used {year} (£m)" for year in YEARS
    ]
    page = (swept / "comparison.html").read_text(encoding="utf-8")
    assert "Δ CDEL used (£m)" in page and "Budget used by year" in page
    assert "Δ FT used 2027-28 (£m)" in page
    assert "Milestones at their deadlines" in page and "Δ homes at deadline (homes)" in page


def test_milestones_equal_the_runs_projected_outcome_at_the_deadline(
    example_copy: Path, swept: Path
) -> None:
    scenario = Scenario.load(example_copy.parent / "variant.toml")
    run = scenario.run()
    projected = run.outcomes.gaps.set_index("milestone")["projected"]
    base = _prepare(scenario)
    scenario_v, pipeline, _ = _variant_inputs(base, Variant("as is"))
    got = milestone_outcomes(scenario_v, pipeline, run.allocation.allocation)
    assert set(got) == set(projected.index) and len(got) == 5
    for milestone, value in got.items():
        assert value == pytest.approx(float(projected[milestone]), rel=1e-12)
    # the base solved alone is the full run's solve, so its figures are the run's
    row = solve_variant(base, Variant("base"))
    for milestone in got:
        assert row[f"milestone.{milestone}"] == pytest.approx(
            float(projected[milestone]), rel=1e-12
        )
    table = pd.read_csv(swept / "variants.csv")
    assert [c for c in table.columns if c.startswith("milestone.")] == [
        f"milestone.{m}" for m in projected.index
    ]


def test_no_outcomes_table_means_no_milestone_columns(small_scenario: Path) -> None:
    result = run_sweep(Scenario.load(small_scenario), product(["budget.CDEL*=0.5,1"]), workers=1)
    columns = list(result.table.columns)
    assert not [c for c in columns if c.startswith("milestone.")]
    assert "control.CDEL" in columns and "control.CDEL.2026-27" in columns
    # control totals, then by year, sit between the mission values and the binding counts
    assert columns.index("control.CDEL") > max(
        columns.index(c) for c in columns if c.startswith("value.")
    )


def test_verify_names_a_pipeline_changed_after_the_sweep(
    tmp_path: Path, small_scenario: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "sweep"
    assert (
        main(
            [
                "sweep",
                str(small_scenario),
                "--vary",
                "budget.CDEL*=0.5,1",
                "--workers",
                "1",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    roles = {r["role"]: r["path"] for r in manifest["inputs"]}
    assert roles["pipeline"] == "pipeline.csv"  # relative to the folder holding out/
    assert verify(out).ok
    (out / "notes.txt").write_text("mine", encoding="utf-8")  # nothing vouches for it
    extra = verify(out)
    assert not extra.ok and [f.name for f in extra.files if f.status == "unlisted"] == ["notes.txt"]
    (out / "notes.txt").unlink()
    pipeline = small_scenario.parent / "pipeline.csv"
    pipeline.write_text(
        pipeline.read_text(encoding="utf-8").replace("\n", "\r\n"), encoding="utf-8"
    )  # same numbers, other bytes
    capsys.readouterr()
    assert main(["verify", str(out)]) == 1
    printed = capsys.readouterr().out
    result = verify(out)
    assert not result.ok
    assert result.changed_inputs == [roles["pipeline"]]
    lines = [line for line in printed.splitlines() if "pipeline.csv" in line]
    assert lines == [f"  changed    pipeline   {roles['pipeline']}"]
    assert "1 input(s) changed" in printed.splitlines()[0]


def test_verify_names_a_lines_file_changed_after_the_sweep(example_copy: Path, swept: Path) -> None:
    assert verify(swept).ok
    lines = example_copy.parent / "data" / "real" / "sr25_table_5_4_cdel.csv"
    original = lines.read_bytes()
    try:
        lines.write_bytes(original + b"\n")
        result = verify(swept)
        assert not result.ok
        assert result.changed_inputs == ["scenarios/data/real/sr25_table_5_4_cdel.csv"]
        assert "  changed    lines      scenarios/data/real/sr25_table_5_4_cdel.csv" in str(result)
    finally:
        lines.write_bytes(original)


#: Variants of the example whose optimal allocations tie: mission progress is the objective,
#: and money past the milestones can go to several controls at equal worth. Re-solved in
#: place one after another, some of them stop at other optima than lone runs.
TIED = ["objective.kind=mission_progress", "budget.CDEL*=0.8,0.9", "budget.FT*=0.8,1.2"]


def test_exact_sweep_equals_lone_runs_where_allocations_tie() -> None:
    scenario = Scenario.load(EXAMPLE)
    result = run_sweep(scenario, product(TIED), workers=1, exact=True)
    warm = run_sweep(scenario, product(TIED), workers=1)
    assert result.exact and not warm.exact
    for k, variant in enumerate(result.variants):
        row = result.table.iloc[k]
        changes = {f"{key}{'*' if op == '*' else ''}": value for key, op, value in variant.changes}
        run = scenario.with_changes(changes).run()
        assert row["objective"] == pytest.approx(run.allocation.objective, rel=1e-9)
        # the warm re-solve reaches the same objective (its allocation may be another optimum)
        assert warm.table.iloc[k]["objective"] == pytest.approx(row["objective"], rel=1e-6)
        summary = run.allocation.summary
        # cash, guarantees (face value, apart), additional private and economic cost
        for key in ("public_total", "guarantee_total", "private_total",
                    "additional_private_total", "economic_cost"):
            assert row[key] == pytest.approx(float(summary[key]), abs=1e-6), (k, key)
        cost = run.allocation.dataset["budget_cost"].sum(("project", "instrument"))
        for control in CONTROLS:
            total = run.allocation.summary["budget_scored"][control]
            assert row[f"control.{control}"] == pytest.approx(total, abs=1e-6), (k, control)
            for year in YEARS:
                used = float(cost.sel(control=control, year=year))
                assert row[f"control.{control}.{year}"] == pytest.approx(used, abs=1e-6)
        projected = run.outcomes.gaps.set_index("milestone")["projected"]
        for milestone, value in projected.items():
            assert row[f"milestone.{milestone}"] == pytest.approx(float(value), rel=1e-9)


def test_verify_re_runs_an_exact_sweep_exactly(small_scenario: Path, tmp_path: Path) -> None:
    out = tmp_path / "exact"
    assert (
        main(
            [
                "sweep",
                str(small_scenario),
                "--vary",
                "budget.CDEL*=0.5,1",
                "--exact",
                "--workers",
                "1",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["exact"] is True
    assert verify(out).ok
    book = openpyxl.load_workbook(out / "comparison.xlsx", read_only=True)
    notes = {str(r[0]): str(r[1]) for r in book["README"].iter_rows(values_only=True)}
    book.close()
    assert "solved from scratch" in notes["Solved"]


def test_table_display_and_plot_of_a_control(small_scenario: Path) -> None:
    from missionfinance import plot

    result = run_sweep(Scenario.load(small_scenario), product(["budget.CDEL*=0.5,1"]), workers=1)
    shown = result._repr_html_()
    assert "<th>control.CDEL</th>" in shown and "control.CDEL.2026-27" not in shown
    (ax,) = plot.sweep_comparison(result, "control.CDEL").axes
    assert ax.get_ylabel() == "CDEL used, £m"
    heights = [bar.get_height() for bar in ax.patches]
    assert heights == pytest.approx(list(result.table["control.CDEL"]))
    (ax,) = plot.sweep_comparison(result, "control.CDEL.2026-27").axes
    assert ax.get_ylabel() == "CDEL used in 2026-27, £m"
