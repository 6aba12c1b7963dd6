"""Every sentence of the constraints table, checked against a re-solve on the example.

For each binding shared row of the bundled example (budgets, exposure, mission floors, the
regional share, tightened here to 85% so that it binds) plus a mission-specific instrument
mix added here (clean-energy grants at most 1% of clean-energy money), the sentence's figure
("£1m more … adds £X of mission value", "relaxing this share by 1 percentage point adds
£X (re-solved)") is compared with the change in the objective when the scenario's own value is
moved by £1m (or 1 percentage point) and the problem solved again. A row that is not
binding says more of it changes nothing: the re-solve must agree.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from missionfinance.model import InstrumentMix, solve
from missionfinance.scenario import Scenario
from missionfinance.scenario.run import tag_pipeline

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "scenarios" / "sr25-example.toml"
_MONEY = re.compile(r"(adds|costs|saves)(?: about)? (−?)£([\d,.]+)m")


@pytest.fixture(scope="module")
def example():
    s = Scenario.load(EXAMPLE)
    pipe = s.read_pipeline()
    _, c = tag_pipeline(pipe, s.load_rules(), s.attribution)
    problem = s.problem(pipe, c)
    mix = InstrumentMix("clean-energy-grants", ("grant",), "clean-energy", max_share=0.01)
    regional = tuple(replace(r, min_share=0.85) for r in problem.regional)
    problem = replace(problem, instrument_mix=(mix,), regional=regional)
    return problem, solve(problem)


def _moved(problem, name: str):
    head, args = name.split("[", 1)
    args = args[:-1]
    if head == "budget":
        c, y = args.split(",")
        budget = {k: dict(v) for k, v in problem.budget.items()}
        budget[c][y] += 1.0
        return replace(problem, budget=budget)
    if head == "exposure":
        return replace(problem, exposure={**problem.exposure,
                                          args: problem.exposure[args] + 1.0})
    if head == "mission_floor":
        return replace(problem, mission_bounds=tuple(
            replace(b, floor=b.floor - 1.0) if b.mission == args else b
            for b in problem.mission_bounds))
    if head == "regional_min":
        return replace(problem, regional=tuple(
            replace(r, min_share=r.min_share - 0.01) if r.name == args else r
            for r in problem.regional))
    if head == "instrument_mix_max":
        return replace(problem, instrument_mix=tuple(
            replace(m, max_share=m.max_share + 0.01) if m.name == args else m
            for m in problem.instrument_mix))
    raise AssertionError(f"no re-solve written for {name}")


def test_every_binding_sentence_matches_a_resolve(example):
    problem, base = example
    c = base.constraints
    shared = c[c["family"].isin(
        ["budget", "exposure", "mission_bounds", "regional", "instrument_mix"])]
    binding = set(shared.loc[shared["binding"], "family"])
    assert {"budget", "mission_bounds", "regional", "instrument_mix"} <= binding
    checked = 0
    for row in shared.itertuples(index=False):
        if not row.binding:
            assert "changes nothing" in str(row.explanation)
            again = solve(_moved(problem, str(row.name)))
            assert again.objective == pytest.approx(base.objective, abs=1e-6), row.name
            checked += 1
            continue
        m = _MONEY.search(str(row.explanation))
        assert m, row.explanation
        stated = float(m.group(3).replace(",", "")) * (-1 if m.group(1) == "costs" else 1)
        again = solve(_moved(problem, str(row.name)))
        actual = again.objective - base.objective
        # the sentence rounds to 3 significant figures (£0.01m above £1m); a share row's
        # figure is itself a re-solve ("(re-solved)"), a £1m row's the exact dual
        tol = max(5e-3 * abs(actual), 0.006)
        assert stated == pytest.approx(actual, abs=tol), (row.name, row.explanation, actual)
        checked += 1
    assert checked == len(shared) > 0
