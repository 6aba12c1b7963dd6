"""The risk-and-reward tables reconcile with cashflows.csv, upside included."""

from __future__ import annotations

import json

import numpy as np
import openpyxl
import pandas as pd
import pytest

from missionfinance import Scenario
from missionfinance import fiscal as fs
from missionfinance import views as v
from missionfinance.cashflows import economic_cost
from missionfinance.report import write_outputs
from missionfinance.testing import make_run


@pytest.fixture(scope="module")
def upside_run(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("upside")
    make_run(root / "work", n_projects=12)
    path = root / "work" / "data" / "pipeline.csv"
    pipeline = pd.read_csv(path, dtype=str, keep_default_na=False)
    # every other project shares 20% of 0.1 £m a year per £m for 3 years, and claws back half
    # of cumulative profit above 0.2 per £m (0.1 × 3 = 0.3: 0.05 per £m at age 3)
    pipeline["upside_share"] = ["0.2" if i % 2 == 0 else "" for i in range(len(pipeline))]
    pipeline["upside_expected"] = ["0.1" if i % 2 == 0 else "" for i in range(len(pipeline))]
    pipeline["upside_years"] = ["3" if i % 2 == 0 else "" for i in range(len(pipeline))]
    pipeline["clawback_threshold"] = ["0.2" if i % 2 == 0 else "" for i in range(len(pipeline))]
    pipeline["clawback_share"] = ["0.5" if i % 2 == 0 else "" for i in range(len(pipeline))]
    pipeline.to_csv(path, index=False)
    run = Scenario.load(root / "work" / "scenario.toml").run()
    return run, write_outputs(run, root / "results" / "run")


def test_project_table_reconciles_with_cashflows_csv(upside_run):
    run, out = upside_run
    flows = pd.read_csv(out / "cashflows.csv", dtype={"project_id": str})
    assert {"dividend", "exit"} <= set(flows["kind"])  # the upside reached cashflows.csv
    book = openpyxl.load_workbook(out / "report.xlsx")
    rows = list(book["Risk and reward"].iter_rows(values_only=True))
    sheet = pd.DataFrame(rows[1:], columns=[str(c) for c in rows[0]])
    key = next(c for c in sheet.columns if c.startswith("project"))
    sheet = sheet.set_index(sheet[key].astype(str))
    downside = flows["kind"].isin(["loss", "call"])
    amount = flows["amount"]
    out_ = (-amount).clip(lower=0).where(~downside, 0).groupby(flows["project_id"]).sum()
    back = amount.clip(lower=0).groupby(flows["project_id"]).sum()
    losses = (-amount).where(downside, 0).groupby(flows["project_id"]).sum()
    assert sorted(sheet.index) == sorted(out_.index)

    def col(prefix: str) -> pd.Series:
        name = next(c for c in sheet.columns if c.startswith(prefix.replace("_", " ")))
        return sheet[name].astype(float)

    np.testing.assert_allclose(col("money_out").reindex(out_.index), out_, atol=1e-4)  # cashflows.csv rounds each row to 1e-6
    np.testing.assert_allclose(col("money_back").reindex(out_.index), back, atol=1e-4)  # cashflows.csv rounds each row to 1e-6
    np.testing.assert_allclose(col("net_cost").reindex(out_.index), out_ + losses - back, atol=1e-4)  # cashflows.csv rounds each row to 1e-6


def test_mission_table_attributes_projects_by_their_weights(upside_run):
    run, _ = upside_run
    alloc = v.allocation_frame(run.allocation)
    costs = fs.cost_by_project(fs.allocation_cashflows(run, alloc))
    table = v.risk_and_reward(run, alloc, costs)
    missions = v.risk_and_reward_by_mission(run, table)
    w = v.contributions(run).reindex(index=table["project_id"], fill_value=0.0)
    for column in ("money_out", "money_back", "net_cost", "public_losses", "private_losses"):
        expected = w.mul(table.set_index("project_id")[column], axis=0).sum()
        got = missions.set_index("mission")[column]
        np.testing.assert_allclose(got.reindex(expected.index), expected, atol=1e-9)
    share = missions["public_losses"] / (missions["public_losses"] + missions["private_losses"])
    np.testing.assert_allclose(missions["public_share_of_losses"], share.where(share.notna()),
                               equal_nan=True)
    # the mission totals add up to the project totals when every project's weights sum to 1
    whole = (w.sum(axis=1) - 1).abs() < 1e-9
    if whole.all():
        assert missions["money_out"].sum() == pytest.approx(table["money_out"].sum())


def test_model_economic_cost_counts_the_upside(upside_run):
    # The model's economic cost (commitment_cost coefficients × x) and −PV of cashflows.csv
    # are one definition: both include the upside receipts.
    run, out = upside_run
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    flows = pd.read_csv(out / "cashflows.csv", dtype={"project_id": str})
    pv = float(economic_cost(flows, first_year=run.scenario.years[0], by=()).iloc[0])
    assert summary["economic_cost"] == pytest.approx(pv, abs=1e-3)
    upside = flows.loc[flows["kind"].isin(["dividend", "exit"])
                       & (flows["instrument"] == "grant"), "amount"].sum()
    assert upside > 0
