"""Sweep keys: parsing, Cartesian product, applying changes to a scenario and a pipeline."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from missionfinance.errors import MissionFinanceError
from missionfinance.sweep import (
    Variant,
    apply_changes,
    apply_pipeline_changes,
    efficient_frontier,
    parse_vary,
    product,
    read_variants,
)

CONFIG = {
    "scenario": {"name": "s", "years": ["2026-27", "2027-28"]},
    "budget": {"CDEL": {"2026-27": 100.0, "2027-28": 200.0}},
    "objective": {"kind": "mission_value", "weights": {"health": 1.0}},
}


def test_parse_vary_reads_values_as_toml() -> None:
    assert parse_vary("objective.kind=mission_value,min_cost") == (
        "objective.kind", "=", ["mission_value", "min_cost"]
    )
    assert parse_vary("instruments.guarantee.exposure=true,false")[2] == [True, False]


@pytest.mark.parametrize("spec", ["", "=1", "budget.CDEL.2026-27=", "x*=a,b"])
def test_parse_vary_rejects(spec: str) -> None:
    with pytest.raises(MissionFinanceError, match="--vary"):
        parse_vary(spec)


def test_product_is_cartesian_and_named() -> None:
    vs = product(["budget.CDEL.2026-27=90,110", "objective.weights.health=1,2,3"])
    assert len(vs) == 6
    assert vs[0].labels == {"budget.CDEL.2026-27": 90, "objective.weights.health": 1}
    assert len({v.name for v in vs}) == 6


def test_product_rejects_the_same_key_twice() -> None:
    with pytest.raises(MissionFinanceError, match="twice"):
        product(["a.b=1", "a.b=2"])


def test_apply_set_and_scale_without_touching_the_input() -> None:
    new, pipe = apply_changes(
        CONFIG,
        [("budget.CDEL.2026-27", "=", 150.0), ("budget.CDEL", "*", 0.5), ("pipeline.pd", "*", 2.0)],
    )
    assert new["budget"]["CDEL"] == {"2026-27": 75.0, "2027-28": 100.0}
    assert CONFIG["budget"]["CDEL"]["2026-27"] == 100.0
    assert pipe == [("pd", "*", 2.0)]


def test_apply_rejects_a_misspelt_table() -> None:
    with pytest.raises(MissionFinanceError, match="budgte"):
        apply_changes(CONFIG, [("budgte.CDEL.2026-27", "=", 1.0)])
    with pytest.raises(MissionFinanceError, match="nothing to scale"):
        apply_changes(CONFIG, [("budget.FT", "*", 2.0)])


def test_pipeline_changes_scale_a_column() -> None:
    pipe = pd.DataFrame({"project_id": ["A", "B"], "leverage_equity": [2.0, 4.0]})
    out = apply_pipeline_changes(pipe, [("leverage_equity", "*", 0.5)], "--vary")
    assert out["leverage_equity"].tolist() == [1.0, 2.0]
    assert pipe["leverage_equity"].tolist() == [2.0, 4.0]
    with pytest.raises(MissionFinanceError, match="no column 'leverage_bond'"):
        apply_pipeline_changes(pipe, [("leverage_bond", "*", 0.5)], "--vary")


def test_read_variants_csv_and_toml(tmp_path: Path) -> None:
    csv = tmp_path / "v.csv"
    csv.write_text("variant,budget.CDEL.2026-27,pipeline.leverage_equity*\nlow,90,0.5\nhigh,110,\n")
    vs = read_variants(csv)
    assert vs[0] == Variant("low", (("budget.CDEL.2026-27", "=", 90), ("pipeline.leverage_equity", "*", 0.5)))
    assert vs[1].changes == (("budget.CDEL.2026-27", "=", 110),)
    toml = tmp_path / "v.toml"
    toml.write_text('[[variant]]\nname = "tight"\nset = { budget = { CDEL = { "2026-27" = 80 } } }\n'
                    'scale = { "pipeline.pd" = 2.0 }\n')
    (v,) = read_variants(toml)
    assert v.changes == (("budget.CDEL.2026-27", "=", 80), ("pipeline.pd", "*", 2.0))


def test_frontier_keeps_only_undominated_optimal_rows() -> None:
    t = pd.DataFrame(
        {
            "status": ["optimal", "optimal", "optimal", "infeasible", "optimal"],
            "public_total": [100.0, 200.0, 150.0, 10.0, 200.0],
            "private_total": [300.0, 500.0, 250.0, 900.0, 450.0],
        }
    )
    f = efficient_frontier(t, "public_total", "private_total")
    assert f[["public_total", "private_total"]].values.tolist() == [[100.0, 300.0], [200.0, 500.0]]
