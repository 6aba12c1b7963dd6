"""Views an analyst uses in a notebook: project metadata in results, shadow prices as a
DataArray without helper rows, tags by mission and year."""

from __future__ import annotations

import numpy as np
import pytest

import missionfinance as mf
from tests.conftest import EXAMPLE


@pytest.fixture(scope="module")
def run() -> object:
    return mf.Scenario.load(EXAMPLE).run()


def test_projects_frame_and_dataset_carry_project_metadata(run) -> None:  # type: ignore[no-untyped-def]
    projects = run.allocation.projects
    pipeline = run.pipeline.set_index("project_id")
    assert list(projects.columns[:5]) == ["project_id", "name", "department", "region",
                                          "missions"]
    first = projects.iloc[0]
    assert first["name"] == pipeline.loc[first["project_id"], "name"]
    assert first["region"] == pipeline.loc[first["project_id"], "region"]
    assert set(first["missions"].split(", ")) <= set(run.scenario.missions.ids)
    ds = run.allocation.dataset
    for coord in ("project_name", "project_department", "project_region", "project_missions"):
        assert ds[coord].dims == ("project",)
    pid = str(ds["project"].values[0])
    assert ds["project_name"].sel(project=pid).item() == pipeline.loc[pid, "name"]


def test_shadow_prices_are_a_dataarray_of_shared_limits(run) -> None:  # type: ignore[no-untyped-def]
    prices = run.allocation.shadow_prices()
    assert prices.dims == ("constraint",) and prices.attrs["units"] == "objective per £m"
    names = [str(n) for n in prices["constraint"].values]
    assert not any(n.startswith(("capacity[", "crowding_in[", "cvar_excess[")) for n in names)
    duals = np.abs(prices.values)
    assert (np.diff(duals) <= 1e-12).all()           # largest first
    shared = run.allocation.constraints.set_index("name")["dual"]
    assert prices.sel(constraint=names[0]).item() == shared[names[0]]
    everything = run.allocation.shadow_prices(per_project=True, helpers=True)
    assert everything.sizes["constraint"] == len(run.allocation.constraints)


def test_tags_by_mission_and_year(run) -> None:  # type: ignore[no-untyped-def]
    tags = run.baseline
    table = tags.by_mission("year")
    assert list(table.index) == list(tags.rules.missions.ids)
    assert table.columns.name == "year" and list(table.columns) == sorted(table.columns)
    total = tags.by_mission()["amount"]
    assert np.allclose(table.sum(axis=1), total)
    assert np.isclose(total.sum(), tags.tags["amount_attributed"].sum())
    both = tags.by_mission(["source", "year"])
    assert np.allclose(both.sum(axis=1), total)
    with pytest.raises(mf.MissionFinanceError, match="no column 'yr'"):
        tags.by_mission("yr")


def test_notebook_setup_line_gives_names_and_readable_numbers() -> None:
    import subprocess
    import sys

    code = ("from missionfinance.notebook import *\n"
            "import pandas as pd\n"
            "print(SCENARIO.name, REAL.is_dir(), WORK.is_dir(), callable(plot.flow))\n"
            "print(pd.DataFrame({'leverage': [3.0], 'public': [12345.678]}).to_string())\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd="/").stdout
    assert out.splitlines()[0] == "sr25-example.toml True True True"
    assert "3.00" in out and "12,345.7" in out and "e+" not in out
