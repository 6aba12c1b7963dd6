"""The bundled example: every headline figure rebuilt by hand from allocation.csv, the
pipeline and the scenario's instruments, and no pound counted twice (docs/model.md,
"What is counted")."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "scenarios" / "sr25-example.toml"


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory):
    from missionfinance.report import write_outputs
    from missionfinance.scenario import Scenario

    run = Scenario.load(EXAMPLE).run()
    folder = tmp_path_factory.mktemp("example")
    write_outputs(run, folder)
    return run, folder


def test_headline_rebuilt_by_hand(out) -> None:
    run, folder = out
    alloc = pd.read_csv(folder / "allocation.csv")
    summary = json.loads((folder / "summary.json").read_text())
    pipe = pd.read_csv(ROOT / "scenarios" / "data" / "pipeline.csv").set_index("project_id")
    instruments = run.scenario.instruments
    contingent = alloc["instrument"].map(lambda i: instruments[i].contingent).to_numpy(bool)
    el = (pipe["pd"] * pipe["lgd"].fillna(0.45)).reindex(alloc["project_id"]).to_numpy()
    a = pipe["additionality"].fillna(1.0).reindex(alloc["project_id"]).to_numpy()

    cash = alloc["public"].to_numpy()[~contingent].sum()
    guarantees = alloc["public"].to_numpy()[contingent].sum()
    private = alloc["private"].sum()
    assert summary["public_total"] == pytest.approx(cash, rel=1e-6, abs=1e-3)
    assert summary["guarantee_total"] == pytest.approx(guarantees, rel=1e-6, abs=1e-3)
    assert guarantees > 0 and cash > 0
    assert summary["private_total"] == pytest.approx(private, rel=1e-6, abs=1e-3)
    assert summary["additional_private_total"] == pytest.approx(
        (alloc["private"].to_numpy() * a).sum(), rel=1e-6, abs=1e-3)
    assert summary["leverage"] == pytest.approx(private / cash, rel=1e-6, abs=1e-3)
    # economic cost: minus the present value of cashflows.csv, each year discounted at the
    # Green Book 3.5% from the scenario's first year (the one definition, DESIGN §7)
    flows = pd.read_csv(folder / "cashflows.csv")
    age = flows["year"].str[:4].astype(int) - int(run.scenario.years[0][:4])
    pv = -flows["amount"] * 1.035 ** -age
    g_cost = pv[flows["instrument"].map(lambda i: instruments[i].contingent)].sum()
    # (allocation.csv and cashflows.csv round each cell to 1e-6)
    assert summary["economic_cost"] == pytest.approx(pv.sum(), abs=1e-3)
    assert summary["guarantee_expected_cost"] == pytest.approx(g_cost, abs=1e-3)
    assert pv.sum() > 0
    # the example's guarantees earn more in fees (2% a year) than they expect to pay in
    # calls: a net gain, which does not shrink the base of leverage below the cash
    assert summary["leverage_with_guarantee_cost"] == pytest.approx(
        private / (cash + max(g_cost, 0.0)), rel=1e-6)
    kind = alloc["instrument"]
    assert summary["budget_scored"]["CDEL"] == pytest.approx(
        alloc.loc[kind == "grant", "public"].sum(), rel=1e-6, abs=1e-3)
    assert summary["budget_scored"]["FT"] == pytest.approx(
        alloc.loc[kind.isin(["loan", "equity"]), "public"].sum(), rel=1e-6, abs=1e-3)
    assert summary["budget_scored"]["RDEL"] == pytest.approx(
        (alloc["public"].to_numpy() * el)[kind.to_numpy() != "grant"].sum(), rel=1e-6, abs=1e-3)
    assert summary["projects_funded"] == alloc["project_id"].nunique()
    assert summary["additional_share"] == pytest.approx(
        summary["additional_private_total"] / private, rel=1e-6, abs=1e-3)
    bears = kind.map(lambda i: instruments[i].bears_loss).to_numpy(bool)
    assert summary["expected_loss"] == pytest.approx(
        (alloc["public"].to_numpy() * el)[bears].sum(), rel=1e-6, abs=1e-3)
    # (allocation.csv rounds each cell to 1e-6: sums agree to 1e-3, ratios to 1e-6)
    # the objective: mission value of public cash plus additional private money, once
    proj = run.allocation.projects.set_index("project_id")
    per = alloc.assign(cash=np.where(contingent, 0.0, alloc["public"]),
                       add=alloc["private"] * a).groupby("project_id")[["cash", "add"]].sum()
    value = (proj["value_per_pound"].reindex(per.index) * (per["cash"] + per["add"])).sum()
    assert summary["objective"] == pytest.approx(value, rel=1e-6, abs=1e-3)
    # the report shows the same figures, each under its own name
    html = (folder / "report.html").read_text()
    for key in ("public_total", "guarantee_total", "private_total", "leverage",
                "leverage_with_guarantee_cost", "economic_cost"):
        assert f'data-key="{key}"' in html, key
    assert "How the money is counted" in html


def test_no_pound_counted_twice(out) -> None:
    run, folder = out
    alloc = pd.read_csv(folder / "allocation.csv")
    pipe = pd.read_csv(ROOT / "scenarios" / "data" / "pipeline.csv").set_index("project_id")
    instruments = run.scenario.instruments
    contingent = alloc["instrument"].map(lambda i: instruments[i].contingent).to_numpy(bool)
    by = alloc.assign(cash=np.where(contingent, 0.0, alloc["public"]),
                      cover=np.where(contingent, alloc["public"], 0.0))
    lev_g = pipe["leverage_guarantee"].reindex(by["project_id"]).fillna(0.0).to_numpy()
    by["lending"] = by["cover"] * lev_g
    p = by.groupby("project_id")[["cash", "cover", "private", "lending"]].sum()
    cap = pipe["capacity"].reindex(p.index)
    pcap = pipe["private_capacity"].reindex(p.index)
    tol = 1e-4  # allocation.csv rounds each cell to 1e-6
    assert (p["cash"] <= cap + tol).all()  # guarantees use no cash capacity
    bound = pcap.where(pcap.notna(), cap - p["cash"])  # private bounded once per project
    assert (p["private"] <= bound + tol).all()
    assert (p["lending"] <= p["private"] + tol).all()  # covered lending is inside private


def test_one_economic_cost_in_summary_and_fiscal_section(out) -> None:
    """summary.json's economic_cost (the model's min_cost coefficients × the allocation) is
    the figure the report's fiscal section shows: the per-instrument PV of the cash flows."""
    from missionfinance import fiscal as fs
    from missionfinance.report import allocation_frame

    run, folder = out
    summary = json.loads((folder / "summary.json").read_text())
    costs = fs.cost_by_instrument(fs.allocation_cashflows(run, allocation_frame(run.allocation)),
                                  run.scenario.discount_rate)
    assert costs["economic_cost"].sum() == pytest.approx(summary["economic_cost"], rel=1e-9)
    by_instrument = run.allocation.dataset["economic_cost"].sum(("project", "year"))
    np.testing.assert_allclose(costs.set_index("instrument")["economic_cost"],
                               by_instrument.sel(instrument=list(costs["instrument"])), rtol=1e-9)


def test_report_never_adds_guarantees_to_cash(out) -> None:
    """The report's table by year totals public cash only; guarantees stand apart."""
    from openpyxl import load_workbook

    run, folder = out
    alloc = pd.read_csv(folder / "allocation.csv")
    summary = json.loads((folder / "summary.json").read_text())
    instruments = run.scenario.instruments
    contingent = alloc["instrument"].map(lambda i: instruments[i].contingent).astype(bool)
    sheet = load_workbook(folder / "report.xlsx", read_only=True)["By year"]
    rows = [r for r in sheet.iter_rows(values_only=True) if any(c is not None for c in r)]
    header_at = next(i for i, r in enumerate(rows) if r and r[0] == "year")
    header = list(rows[header_at])
    body = [r for r in rows[header_at + 1:] if r[0] in run.scenario.years]
    assert len(body) == len(run.scenario.years)
    total = header.index("public cash total (£m)")
    face = header.index("guarantee face value (not cash) (£m)")
    assert total < face
    cash_by_year = alloc[~contingent].groupby("year")["public"].sum()
    face_by_year = alloc[contingent].groupby("year")["public"].sum()
    for row in body:
        assert row[total] == pytest.approx(cash_by_year.get(row[0], 0.0), abs=1e-3)
        assert row[face] == pytest.approx(face_by_year.get(row[0], 0.0), abs=1e-3)
    assert sum(r[total] for r in body) == pytest.approx(summary["public_total"], abs=1e-3)
    # the headline table states each figure once
    from missionfinance.report.tables import HEADLINE_ROWS

    keys = [k for k, _, _ in HEADLINE_ROWS]
    assert len(keys) == len(set(keys))


def test_example_without_its_project_rules_as_scenarios_readme_says() -> None:
    """scenarios/README.md: without even_drawdown and financing_plan (DESIGN §3.2 defaults)
    the example's objective and private money are the figures it states."""
    from missionfinance.scenario import Scenario

    run = Scenario.load(EXAMPLE).with_changes({"constraints.financing_plan": False,
                                               "constraints.even_drawdown": False}).run()
    summary = run.allocation.summary
    text = " ".join((ROOT / "scenarios" / "README.md").read_text(encoding="utf-8").split())
    assert f"objective {run.allocation.objective:,.1f}" in text
    assert f"private £{summary['private_total']:,.1f}m instead of" in text
    # the rules bind in the example: without them more private money is crowded in
    assert summary["private_total"] > 43_340.8
