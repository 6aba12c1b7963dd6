"""The tornado data reuse the contribution as given: the numbers of evaluating each draw whole."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from missionfinance.outcomes.simulate import sensitivity
from missionfinance.outcomes.trajectory import allocation_inputs, deterministic_contribution
from missionfinance.outcomes.uncertainty import (
    FAMILIES,
    Distribution,
    Uncertainty,
    simulate_arrays,
)
from missionfinance.scenario import Scenario

ROOT = Path(__file__).resolve().parents[2]


def whole_draws(unc: Uncertainty, arrays, base) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    """Every input's two ends evaluated as a whole draw each (the plain definition)."""
    rows = []
    for fam in FAMILIES:
        for key, d in unc.factors.get(fam, {}).items():
            ends = [simulate_arrays(Uncertainty(seed=0, defaults=False, factors={
                fam: {key: Distribution("fixed", {"value": v})}}), arrays, base, 1).projected[0]
                for v in d.range]
            for k, m in enumerate(arrays.milestones):
                t = arrays.deadline_index(k)
                a, b = float(ends[0][k, t]), float(ends[1][k, t])
                rows.append({"milestone": m.id, "input": f"{fam}.{key}", "at_p10": a,
                             "at_p90": b, "swing": abs(b - a)})
    frame = pd.DataFrame(rows, columns=["milestone", "input", "at_p10", "at_p90", "swing"])
    return frame.sort_values(["milestone", "swing", "input"], ascending=[True, False, True],
                             ignore_index=True)


def test_sensitivity_is_the_same_as_whole_draws() -> None:
    sc = Scenario.load(ROOT / "scenarios" / "sr25-example.toml")
    pipeline = sc.read_pipeline()
    arrays = sc.outcome_arrays(pipeline)
    rng = np.random.default_rng(5)
    ids = pipeline["project_id"].astype(str).to_numpy()
    alloc = pd.DataFrame({"project_id": ids, "instrument": rng.choice(["grant", "loan"], len(ids)),
                          "year": rng.choice(list(sc.years), len(ids)),
                          "public": rng.uniform(0, 50, len(ids)),
                          "private": rng.uniform(0, 80, len(ids))})
    base = allocation_inputs(alloc, pipeline, arrays.project_ids, sc.years, sc.instruments)
    milestone = arrays.milestones[0].id
    unc = Uncertainty(seed=1, defaults=True, factors={
        "yield": {"all": Distribution("triangular", {"low": 0.7, "mode": 1.0, "high": 1.2}),
                  milestone: Distribution("uniform", {"low": 0.5, "high": 1.3}),
                  "not-a-milestone": Distribution("uniform", {"low": 0.5, "high": 1.3})},
        "leverage": {"all": Distribution("uniform", {"low": 0.7, "high": 1.1}),
                     "loan": Distribution("uniform", {"low": 0.2, "high": 3.0})},
        "additionality": {"all": Distribution("normal", {"mean": 1.0, "sd": 0.09})},
        "pd": {"all": Distribution("uniform", {"low": 0.5, "high": 2.0})}})
    want = whole_draws(unc, arrays, base)
    got = sensitivity(unc, arrays, base)
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert (got["swing"] > 0).any()
    again = sensitivity(unc, arrays, base, deterministic_contribution(arrays, base))
    pd.testing.assert_frame_equal(again, want, check_exact=True)
