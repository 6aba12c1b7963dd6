"""cashflows.csv rows of many commitments: the rows of each commitment, sorted and summed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from missionfinance.cashflows import DEFAULT_TERMS, KINDS, schedule

YEARS = ["2026-27", "2027-28", "2028-29", "2029-30"]


def commitments(seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Projects with ids out of text order, several years and instruments each."""
    rng = np.random.default_rng(seed)
    ids = [f"P{k}" for k in rng.permutation(40)]  # P10 sorts before P2
    rows = [(p, inst, year, float(np.round(rng.uniform(1, 50), 2)))
            for p in ids for inst in DEFAULT_TERMS for year in YEARS if rng.random() < 0.3]
    frame = pd.DataFrame(rows, columns=["project_id", "instrument", "year", "amount"])
    pipeline = pd.DataFrame({"project_id": ids, "pd": rng.uniform(0, 0.3, 40),
                             "lgd": rng.uniform(0.2, 0.8, 40),
                             "upside_share": np.where(rng.random(40) < 0.3, 0.2, np.nan),
                             "upside_expected": np.where(rng.random(40) < 0.5, 0.1, np.nan)})
    return frame.sample(frac=1.0, random_state=seed).reset_index(drop=True), pipeline


@pytest.mark.parametrize("seed", range(3))
def test_rows_are_each_commitments_rows_sorted_and_summed(seed: int) -> None:
    frame, pipeline = commitments(seed)
    got = schedule(frame, DEFAULT_TERMS, YEARS, pipeline).flows
    one_by_one = pd.concat([schedule(frame.iloc[[k]], DEFAULT_TERMS, YEARS, pipeline).flows
                            for k in range(len(frame))], ignore_index=True)
    rank = {k: i for i, k in enumerate(KINDS)}
    want = (one_by_one.assign(_k=one_by_one["kind"].map(rank))
            .groupby(["project_id", "instrument", "year", "_k", "kind"], sort=True)["amount"]
            .sum().reset_index().drop(columns="_k"))
    assert list(got.columns) == ["project_id", "instrument", "year", "kind", "amount"]
    assert got["project_id"].dtype == want["project_id"].dtype
    pd.testing.assert_frame_equal(got[["project_id", "instrument", "year", "kind"]],
                                  want[["project_id", "instrument", "year", "kind"]])
    np.testing.assert_allclose(got["amount"], want["amount"], rtol=1e-12, atol=1e-12)
    assert got.duplicated(["project_id", "instrument", "year", "kind"]).sum() == 0


def test_no_commitment_gives_no_rows() -> None:
    frame, pipeline = commitments(0)
    got = schedule(frame.iloc[:0], DEFAULT_TERMS, YEARS, pipeline).flows
    assert got.empty
    assert list(got.columns) == ["project_id", "instrument", "year", "kind", "amount"]
