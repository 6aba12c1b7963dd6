"""A small scenario run (three projects, two years, three baseline lines) shared by the
figure and display tests of this folder."""

from __future__ import annotations

import pytest

from tests.conftest import PIPELINE_CSV, SCENARIO_TOML


@pytest.fixture(scope="session")
def small_run(tmp_path_factory: pytest.TempPathFactory) -> object:
    from missionfinance.scenario import Scenario

    folder = tmp_path_factory.mktemp("scenario")
    (folder / "pipeline.csv").write_text(PIPELINE_CSV, encoding="utf-8")
    path = folder / "scenario.toml"
    lines = folder / "lines.csv"
    lines.write_text(
        "line_id,source,department,description,amount,year,budget_type,cofog,cpv\n"
        "L1,spending_review,DESNZ,Offshore wind grid connection,100,2026-27,CDEL,04.3,09310000\n"
        "L2,spending_review,DHSC,Diagnostic imaging,50,2026-27,CDEL,07.3,\n"
        "L3,spending_review,HMRC,Office rent,20,2026-27,RDEL,,\n",
        encoding="utf-8",
    )
    text = SCENARIO_TOML.replace('pipeline = "pipeline.csv"',
                                 'pipeline = "pipeline.csv"\nlines = "lines.csv"')
    path.write_text(text, encoding="utf-8")
    return Scenario.load(path).run()
