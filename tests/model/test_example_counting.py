"""The bundled example: every headline figure rebuilt by hand from allocation.csv, the
pipeline and the scenario's instruments, and no pound counted twice (docs/model.md,
"What is counted")."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from missionfinance.instruments import economic_cost

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
    assert summary["public_total"] == pytest.approx(cash, rel=1e-9)
    assert summary["guarantee_total"] == pytest.approx(guarantees, rel=1e-9)
    assert guarantees > 0 and cash > 0
    assert summary["private_total"] == pytest.approx(private, rel=1e-9)
    assert summary["additional_private_total"] == pytest.approx(
        (alloc["private"].to_numpy() * a).sum(), rel=1e-9)
    assert summary["leverage"] == pytest.approx(private / cash, rel=1e-9)
    cost = np.array([economic_cost(instruments[i], e)
                     for i, e in zip(alloc["instrument"], el, strict=True)])
    g_cost = (alloc["public"].to_numpy() * cost)[contingent].sum()
    assert summary["economic_cost"] == pytest.approx((alloc["public"] * cost).sum(), rel=1e-9)
    assert summary["guarantee_expected_cost"] == pytest.approx(g_cost, rel=1e-9)
    assert summary["leverage_with_guarantee_cost"] == pytest.approx(
        private / (cash + g_cost), rel=1e-9)
    kind = alloc["instrument"]
    assert summary["budget_scored"]["CDEL"] == pytest.approx(
        alloc.loc[kind == "grant", "public"].sum(), rel=1e-9)
    assert summary["budget_scored"]["FT"] == pytest.approx(
        alloc.loc[kind.isin(["loan", "equity"]), "public"].sum(), rel=1e-9)
    assert summary["budget_scored"]["RDEL"] == pytest.approx(
        (alloc["public"].to_numpy() * el)[kind.to_numpy() != "grant"].sum(), rel=1e-9)
    assert summary["projects_funded"] == alloc["project_id"].nunique()
    assert summary["additional_share"] == pytest.approx(
        summary["additional_private_total"] / private, rel=1e-9)
    bears = kind.map(lambda i: instruments[i].bears_loss).to_numpy(bool)
    assert summary["expected_loss"] == pytest.approx(
        (alloc["public"].to_numpy() * el)[bears].sum(), rel=1e-9)
    # the objective: mission value of public cash plus additional private money, once
    proj = run.allocation.projects.set_index("project_id")
    per = alloc.assign(cash=np.where(contingent, 0.0, alloc["public"]),
                       add=alloc["private"] * a).groupby("project_id")[["cash", "add"]].sum()
    value = (proj["value_per_pound"].reindex(per.index) * (per["cash"] + per["add"])).sum()
    assert summary["objective"] == pytest.approx(value, rel=1e-9)
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
