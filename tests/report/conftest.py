"""Stand-in run objects for the report tests: the shapes of docs/CONTRACTS.md, built by hand.

``make_run`` builds a RunResult-like object with a realistic pipeline, tags, allocation,
constraint and mission frames, a scenario TOML and an input file on disk, so that the
report can be tested without the model, tagging or scenario stages.
"""

from __future__ import annotations

import enum
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest

from missionfinance.missions import MissionSet

YEARS = ["2026-27", "2027-28", "2028-29"]
MISSIONS = ["growth", "clean-energy", "safer-streets", "opportunity", "health"]
INSTRUMENTS = ["grant", "loan", "guarantee"]

SCENARIO_TOML = """\
[scenario]
name = "SR2025 test"
years = ["2026-27", "2027-28", "2028-29"]
attribution = "net"

[inputs]
missions = "builtin:uk"
rules = "builtin:uk"
pipeline = "data/pipeline.csv"

[instruments.grant]
budget_score = { CDEL = 1.0 }
[instruments.loan]
budget_score = { FT = 1.0 }
expected_loss_to = "RDEL"
[instruments.guarantee]
budget_score = {}
expected_loss_to = "RDEL"
exposure = true

[budget.CDEL]
"2026-27" = 120.0
"2027-28" = 130.0
"2028-29" = 140.0
[budget.FT]
"2026-27" = 80.0

[exposure]
"2026-27" = 500.0
"2027-28" = 500.0
"2028-29" = 500.0
"""


class Status(enum.Enum):
    """Stand-in of missionfinance.model.Status."""

    OPTIMAL = "optimal"
    INFEASIBLE = "infeasible"


def _config() -> dict[str, Any]:
    import tomllib

    return tomllib.loads(SCENARIO_TOML)


def make_run(
    root: Path,
    n_projects: int = 6,
    names: list[str] | None = None,
    status: Status = Status.OPTIMAL,
    seed: int = 7,
    ids: list[str] | None = None,
    departments: list[str] | None = None,
) -> SimpleNamespace:
    """A RunResult stand-in with ``n_projects`` projects, files written under ``root``."""
    rng = np.random.default_rng(seed)
    root.mkdir(parents=True, exist_ok=True)
    (root / "data").mkdir(exist_ok=True)
    scenario_path = root / "scenario.toml"
    scenario_path.write_text(SCENARIO_TOML, encoding="utf-8")
    ids = ids or [f"P{i:05d}" for i in range(1, n_projects + 1)]
    departments = departments or ["DESNZ", "DfT", "DHSC", "DfE", "Home Office", "DSIT"]
    regions = ["North East", "North West", "Yorkshire and The Humber", "London", "Wales",
               "Scotland"]
    pipeline = pd.DataFrame({
        "project_id": pd.Series(ids, dtype="str"),
        "name": pd.Series(names or [f"Project {i}" for i in range(1, n_projects + 1)],
                          dtype="str"),
        "description": "Capital investment",
        "department": pd.Series([departments[i % len(departments)] for i in range(n_projects)],
                                dtype="str"),
        "region": pd.Series([regions[(i * 5) % 6] for i in range(n_projects)], dtype="str"),
        "cofog": "04.3",
        "cpv": "",
        "capacity": np.round(rng.uniform(10, 60, n_projects), 1),
        "private_capacity": np.nan,
        "instruments": "grant;guarantee;loan",
        "leverage_grant": 0.5,
        "leverage_loan": 1.5,
        "leverage_guarantee": 4.0,
        "pd": 0.04,
        "lgd": 0.45,
        "additionality": np.round(rng.uniform(0.5, 1.0, n_projects), 2),
        "start_year": YEARS[0],
        "end_year": YEARS[-1],
    })
    pipeline_csv = root / "data" / "pipeline.csv"
    pipeline.to_csv(pipeline_csv, index=False, lineterminator="\n")

    # Tags: every project except each fifth one contributes to one or two missions.
    tag_rows = []
    for i, pid in enumerate(ids):
        if i % 5 == 4:
            continue
        tag_rows.append((pid, MISSIONS[i % 5], 0.7, "R-" + MISSIONS[i % 5]))
        tag_rows.append((pid, MISSIONS[(i + 1) % 5], 0.3, "R-" + MISSIONS[(i + 1) % 5]))
    tags = pd.DataFrame(tag_rows, columns=["line_id", "mission", "weight", "rule_id"])
    capacity = pipeline.set_index("project_id")["capacity"]
    tags["amount_attributed"] = tags["weight"] * tags["line_id"].map(capacity)
    tags["rationale"] = "Rule rationale"
    tags["matched_on"] = "cofog:04.3"
    tags["direction"] = "favourable"
    tags = tags[["line_id", "mission", "weight", "amount_attributed", "rule_id", "rationale",
                 "matched_on", "direction"]].astype({"line_id": "str", "mission": "str"})
    ms = MissionSet.load("builtin:uk")
    pipeline_tags = SimpleNamespace(tags=tags, untagged=pipeline[~pipeline["project_id"].isin(
        tags["line_id"])], coverage=pd.DataFrame(), lines=pipeline, missions=ms)

    # Allocation: the first 2/3 of tagged projects are funded over two instruments and years.
    funded = [pid for i, pid in enumerate(ids) if i % 5 != 4 and i % 3 != 2]
    rows = []
    for k, pid in enumerate(funded):
        cap = float(capacity[pid])
        inst = INSTRUMENTS[k % 3]
        lev = {"grant": 0.5, "loan": 1.5, "guarantee": 4.0}[inst]
        share = 0.6 if k % 2 else 1.0
        rows.append((pid, inst, YEARS[k % 3], cap * share * 0.5, cap * share * 0.5 * lev))
        rows.append((pid, "grant", YEARS[(k + 1) % 3], cap * share * 0.5, cap * share * 0.25))
    allocation = pd.DataFrame(rows, columns=["project_id", "instrument", "year", "public",
                                             "private"])
    allocation = allocation.groupby(["project_id", "instrument", "year"], as_index=False).sum()
    allocation = allocation.astype({"project_id": "str", "instrument": "str", "year": "str"})

    constraints = pd.DataFrame({
        "family": ["budget", "budget", "budget", "budget", "exposure", "capacity"],
        "name": ["budget CDEL 2026-27", "budget CDEL 2027-28", "budget CDEL 2028-29",
                 "budget FT 2026-27", "exposure 2028-29", "capacity (all projects)"],
        "control": ["CDEL", "CDEL", "CDEL", "FT", "", ""],
        "year": ["2026-27", "2027-28", "2028-29", "2026-27", "2028-29", ""],
        "limit": [120.0, 130.0, 140.0, 80.0, 500.0, float(capacity.sum())],
        "value": [120.0, 101.5, 96.25, 12.0, 80.0, 300.0],
        "slack": [0.0, 28.5, 43.75, 68.0, 420.0, 10.0],
        "binding": [True, False, False, False, False, False],
        "shadow_price": [2.4, 0.0, 0.0, 0.0, 0.0, 0.0],
    })
    missions = pd.DataFrame({
        "mission": MISSIONS,
        "public": [60.0, 50.0, 40.0, 30.0, 20.0],
        "private": [30.0, 80.0, 10.0, 5.0, 2.0],
        "value": [60.0, 50.0, 40.0, 30.0, 20.0],
    })
    per = allocation.groupby("project_id")[["public", "private"]].sum()
    projects = pd.DataFrame({"project_id": ids})
    projects["public"] = projects["project_id"].map(per["public"]).fillna(0.0)
    projects["private"] = projects["project_id"].map(per["private"]).fillna(0.0)
    projects["additional_private"] = projects["private"] * 0.7
    lead = tags.drop_duplicates("line_id").set_index("line_id")["mission"]
    leverage = (allocation.assign(mission=allocation["project_id"].map(lead).fillna("growth"))
                .groupby(["mission", "instrument"], as_index=False)[["public", "private"]].sum())
    leverage["additional_private"] = leverage["private"] * 0.7
    leverage["leverage"] = leverage["private"] / leverage["public"]
    public_total = float(allocation["public"].sum())
    private_total = float(allocation["private"].sum())
    result = SimpleNamespace(
        status=status,
        objective=public_total * 1.2345678901234567 if status is Status.OPTIMAL else None,
        dataset=None,
        allocation=allocation if status is Status.OPTIMAL else allocation.iloc[0:0],
        missions=missions,
        projects=projects,
        leverage=leverage,
        constraints=constraints,
        summary={"status": status.value,
                 "objective": public_total * 1.2345678901234567 if status is Status.OPTIMAL
                 else None,
                 "objective_kind": "mission_value", "public_total": public_total,
                 "private_total": private_total,
                 "additional_private_total": float(projects["additional_private"].sum()),
                 "leverage": private_total / public_total if public_total > 0 else None,
                 "projects": len(ids), "projects_funded": len(set(allocation["project_id"]))},
        solver={"name": "highs", "version": "1.15.1",
                "options": {"solver": "ipm", "threads": 1, "random_seed": 0,
                            "primal_feasibility_tolerance": 1e-7},
                "seconds": {"solve": 0.0123}},
        conflict=pd.DataFrame() if status is Status.OPTIMAL else pd.DataFrame({
            "name": ["budget[CDEL,2026-27]", "mission_floor[health]"],
            "family": ["budget", "mission_floor"],
            "control": ["CDEL", ""], "year": ["2026-27", ""], "mission": ["", "health"],
            "region": ["", ""], "project": ["", ""], "bound": ["upper", "lower"],
            "explanation": ["CDEL in 2026-27 may not exceed £120m",
                            "health must receive at least £500m"]}),
        message="" if status is Status.OPTIMAL else "budget CDEL 2026-27 conflicts with floors",
    )
    baseline_lines = pd.DataFrame({
        "line_id": ["SR-1", "SR-2", "SR-3", "SR-4"],
        "source": "spending_review",
        "department": ["DESNZ", "DfT", "DHSC", "DfE"],
        "description": ["Offshore wind", "Roads", "Diagnostics", "Teachers"],
        "amount": [100.0, 250.0, 80.0, 40.0],
    })
    baseline_tags = pd.DataFrame({
        "line_id": ["SR-1", "SR-2", "SR-2", "SR-3"],
        "mission": ["clean-energy", "growth", "clean-energy", "health"],
        "weight": [1.0, 0.5, -0.2, 0.8],
        "amount_attributed": [100.0, 125.0, -50.0, 64.0],
        "rule_id": ["CE-01", "GR-02", "CE-09", "HE-01"],
        "rationale": ["Wind", "Roads for growth", "Road emissions", "Diagnostics"],
        "matched_on": ["keyword:offshore wind", "cofog:04.5", "cofog:04.5", "keyword:diagnostic"],
        "direction": ["favourable", "favourable", "unfavourable", "favourable"],
    })
    baseline = SimpleNamespace(
        tags=baseline_tags, untagged=baseline_lines.iloc[[3]], lines=baseline_lines,
        coverage=pd.DataFrame({"source": ["spending_review"], "department": ["all"],
                               "tagged": [430.0], "total": [470.0], "coverage": [430 / 470]}),
    )
    scenario = SimpleNamespace(path=scenario_path, name="SR2025 test", years=list(YEARS),
                               config=_config(), missions=ms)
    return SimpleNamespace(
        scenario=scenario,
        pipeline=pipeline,
        pipeline_tags=pipeline_tags,
        baseline=baseline,
        allocation=result,
        input_files={"pipeline": [pipeline_csv]},
    )


@pytest.fixture
def run(tmp_path: Path) -> SimpleNamespace:
    """A small optimal run (12 projects) with its files under ``tmp_path / 'work'``."""
    return make_run(tmp_path / "work", n_projects=12)


@pytest.fixture(scope="session")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[SimpleNamespace, Path]:
    """A run (30 projects) and its output folder, written once; tests must not modify it."""
    from missionfinance.report import write_outputs

    root = tmp_path_factory.mktemp("written")
    run = make_run(root / "work", n_projects=30)
    return run, write_outputs(run, root / "results" / "run")


@pytest.fixture(scope="session")
def example_written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled example scenario run and written once; tests must not modify it."""
    from missionfinance import Scenario

    root = Path(__file__).resolve().parents[2]
    run = Scenario.load(root / "scenarios" / "sr25-example.toml").run()
    out = tmp_path_factory.mktemp("example") / "run"
    run.write(out)
    return out
