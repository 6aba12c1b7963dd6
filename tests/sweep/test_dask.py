"""A sweep on a dask.distributed LocalCluster (2 worker processes) equals the serial sweep."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from missionfinance.scenario import Scenario
from missionfinance.sweep import Variant, product, run_sweep
from tests.sweep.conftest import EXAMPLE

distributed = pytest.importorskip("dask.distributed")


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    """One LocalCluster for the module: starting one costs a few seconds."""
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


def test_dask_sweep_equals_the_serial_sweep(client: Any) -> None:
    scenario = Scenario.load(EXAMPLE)
    vs = product(["budget.CDEL*=0.9,1.0,1.1", "objective.weights.health=0.5,1,2",
                  "pipeline.leverage_equity*=0.5,1"])
    serial = run_sweep(scenario, vs, workers=1, chunk=5).table
    on_dask = run_sweep(scenario, vs, client=client, chunk=5).table
    pd.testing.assert_frame_equal(serial, on_dask)
    assert (serial["status"] == "optimal").all()


def test_dask_sweep_reports_a_failed_variant_and_finishes(client: Any,
                                                          floor_scenario: Path) -> None:
    scenario = Scenario.load(floor_scenario)
    vs = [Variant("floor 10", (("constraints.mission_floor.health", "=", 10.0),)),
          Variant("floor 1000", (("constraints.mission_floor.health", "=", 1000.0),)),
          Variant("floor 30", (("constraints.mission_floor.health", "=", 30.0),))]
    table = run_sweep(scenario, vs, client=client, chunk=1).table
    assert list(table["status"]) == ["optimal", "infeasible", "optimal"]
    assert "mission_floor[health]" in table.loc[1, "error"]
    pd.testing.assert_frame_equal(table, run_sweep(scenario, vs, workers=1, chunk=1).table)
