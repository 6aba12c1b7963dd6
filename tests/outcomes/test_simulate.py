"""Uncertainty: seeded draws, zero-width reproduction, the CLI and its errors."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from missionfinance.cli import main
from missionfinance.errors import MissionFinanceError
from missionfinance.outcomes.trajectory import allocation_inputs
from missionfinance.outcomes.uncertainty import (
    Distribution,
    Uncertainty,
    parse_uncertainty,
    simulate_arrays,
)
from missionfinance.scenario import Scenario

from .conftest import write_scenario


@pytest.fixture(scope="module")
def solved(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    path = write_scenario(tmp_path_factory.mktemp("sim") / "work")
    sc = Scenario.load(path)
    run = sc.run()
    assert run.status == "optimal"
    return sc, run


def test_run_writes_outcomes_csv_and_progress_is_the_objective(solved, tmp_path: Path) -> None:
    sc, run = solved
    out = run.write(tmp_path / "out")
    text = (out / "outcomes.csv").read_text()
    assert text.splitlines()[0] == "milestone,year,unit,baseline,bau,projected,target,p10,p90"
    g = run.outcomes.gaps.set_index("milestone")
    # the objective is Σ progress: recompute it from the trajectories (weights 1, beyond 0.1)
    need = g["target"] - g["bau"]
    added = g["projected"] - g["bau"]
    progress = (np.minimum(added, need) + 0.1 * np.maximum(added - need, 0)) / need
    assert run.allocation.objective == pytest.approx(progress.sum(), rel=1e-6)
    assert set(g.index) == {"homes", "clean-power-2030", "neighbourhood-police", "school-ready",
                            "rtt-18-weeks"}
    assert (g["projected"] >= g["bau"] - 1e-9).all()


def test_zero_width_distributions_reproduce_the_deterministic_trajectory(solved) -> None:
    sc, run = solved
    traj = run.outcomes
    base = allocation_inputs(run.allocation.allocation, run.pipeline, traj.arrays.project_ids,
                             sc.years, sc.instruments)
    one = Distribution("triangular", {"low": 1.0, "mode": 1.0, "high": 1.0})
    unc = Uncertainty(seed=3, factors={"yield": {"all": one}, "leverage": {"all": one},
                                       "additionality": {"all": replace(one, per_project=True)},
                                       "pd": {"all": one}})
    sim = simulate_arrays(unc, traj.arrays, base, 300)
    want = traj.arrays.bau + traj.contribution
    assert np.array_equal(sim.projected, np.broadcast_to(want, sim.projected.shape))
    assert traj.contribution.sum() > 0


def test_same_seed_same_draws_and_blocks_do_not_matter(solved, monkeypatch) -> None:
    sc, run = solved
    a = sc.simulate(400, seed=11, run=run)
    b = sc.simulate(400, seed=11, run=run)
    import missionfinance.outcomes.uncertainty as u

    monkeypatch.setattr(u, "BLOCK", 7)
    c = sc.simulate(400, seed=11, run=run)
    assert a.frame.equals(b.frame) and a.frame.equals(c.frame)
    d = sc.simulate(400, seed=12, run=run)
    assert not a.frame.equals(d.frame)
    f = a.frame.dropna(subset=["p10"])
    assert (f["p10"] <= f["projected"] + 1e-9).all() or (f["p10"] <= f["p90"]).all()
    assert (f["p10"] <= f["p90"]).all()
    assert set(a.probability) == set(a.gaps["milestone"])


def _simulate_in_process(scenario: Path, out: Path) -> bytes:
    code = ("import sys; from missionfinance.cli import main; "
            f"sys.exit(main(['simulate', {str(scenario)!r}, '--draws', '200', '--out', "
            f"{str(out)!r}]))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stderr
    return (out / "outcomes.csv").read_bytes() + (out / "simulation.json").read_bytes()


def test_simulate_cli_is_byte_identical_across_processes(small_scenario: Path) -> None:
    first = _simulate_in_process(small_scenario, small_scenario.parent / "a")
    second = _simulate_in_process(small_scenario, small_scenario.parent / "b")
    assert first == second
    assert b",p10,p90" in first


def test_simulate_cli_bad_input_exits_2_with_one_line(small_scenario: Path, capsys) -> None:
    assert main(["simulate", str(small_scenario), "--draws", "0", "--out",
                 str(small_scenario.parent / "x")]) == 2
    err = capsys.readouterr().err
    assert "draws 0 must be a whole number ≥ 1" in err and err.count("\n") == 1
    assert not (small_scenario.parent / "x").exists()


@pytest.mark.parametrize(("table", "message"), [
    ({"yield": {"flats": {"dist": "uniform", "low": 0.5, "high": 1.0}}},
     "u.yield.flats: unknown milestone 'flats'"),
    ({"yield": {"homes": {"dist": "beta", "a": 1}}}, "u.yield.homes.dist: 'beta' is not a known"),
    ({"leverage": {"all": {"dist": "uniform", "low": 1.2, "high": 1.0}}},
     "u.leverage.all.low: 1.2 is above high 1"),
    ({"pd": {"loan": {"dist": "fixed", "value": 1.0}}}, "u.pd.loan: unknown key; use pd.all"),
    ({"yield": {"homes": {"dist": "normal", "mean": 1.0, "sd": -0.1}}},
     "u.yield.homes.sd: -0.1 must be a number ≥ 0"),
])
def test_bad_distributions_name_the_key(table: dict, message: str) -> None:
    with pytest.raises(MissionFinanceError, match=message.replace(".", r"\.").replace("(", r"\(")):
        parse_uncertainty(table, "u", {"homes"})


def test_scenario_errors_name_the_key(tmp_path: Path) -> None:
    path = write_scenario(tmp_path / "w", extra="")
    text = path.read_text().replace('yields = "yields.csv"', 'yields = "yields.csv"\nbeyond = 1')
    path.write_text(text)
    with pytest.raises(MissionFinanceError, match=r"scenario.toml key outcomes.beyond: unknown"):
        Scenario.load(path)
    path = write_scenario(tmp_path / "v")
    y = path.parent / "yields.csv"
    y.write_text(y.read_text().replace(",1,1,", ",-1,1,", 1))
    with pytest.raises(MissionFinanceError, match=r"yields.csv row \d+ key lag: -1 must be ≥ 0"):
        Scenario.load(path)


def test_report_answers_on_track_per_milestone(solved, tmp_path: Path) -> None:
    import zipfile

    from missionfinance.audit import verify

    _sc, run = solved
    out = run.write(tmp_path / "out")
    html = (out / "report.html").read_text()
    assert "<h2>Missions on track?</h2>" in html
    ids = list(run.outcomes.gaps["milestone"])
    # one small-multiples figure each for the trajectories and the tornadoes, every
    # milestone named in its description
    assert f'alt="Line charts, one per milestone ({", ".join(ids)}):' in html
    assert f'alt="Tornado charts, one per milestone ({", ".join(ids)}):' in html
    for m in ids:
        assert f"<li dir=\"auto\">{m}: on this allocation" in html
    assert "one more" in html and "of weighted progress" in html
    with zipfile.ZipFile(out / "report.xlsx") as z:
        book = z.read("xl/workbook.xml").decode()
    for sheet in ("Missions on track", "Outcomes", "Outcome sources", "Uncertain inputs",
                  "Sensitivity"):
        assert f'name="{sheet}"' in book
    assert verify(out).ok


def test_verify_redoes_a_simulation_folder(small_scenario: Path) -> None:
    from missionfinance.audit import verify

    out = small_scenario.parent / "sim"
    assert main(["simulate", str(small_scenario), "--draws", "50", "--seed", "3", "--out",
                 str(out)]) == 0
    result = verify(out)
    assert result.ok, str(result)
    assert [f.name for f in result.files] == ["outcomes.csv", "simulation.json", "manifest.json"]
    text = (out / "outcomes.csv").read_text().replace(",", ";", 1)
    (out / "outcomes.csv").write_text(text)
    assert not verify(out).ok


def test_defaults_simulated_drop_the_outcomes_of_a_project_that_defaults(solved) -> None:
    sc, run = solved
    traj = run.outcomes
    base = allocation_inputs(run.allocation.allocation, run.pipeline, traj.arrays.project_ids,
                             sc.years, sc.instruments)
    never = simulate_arrays(Uncertainty(defaults=True), traj.arrays, replace(
        base, pd=np.zeros_like(base.pd)), 20)
    assert np.array_equal(never.contribution[0], traj.contribution)
    always = simulate_arrays(Uncertainty(defaults=True), traj.arrays, replace(
        base, pd=np.ones_like(base.pd)), 20)
    assert not always.contribution.any()
    half = simulate_arrays(Uncertainty(defaults=True), traj.arrays, replace(
        base, pd=np.full_like(base.pd, 0.5)), 2000)
    total = traj.contribution.sum()
    assert half.contribution.sum(axis=(1, 2)).mean() == pytest.approx(0.5 * total, rel=0.05)


def test_simulate_without_outcomes_is_a_one_line_error(tmp_path: Path, capsys) -> None:
    path = write_scenario(tmp_path / "w", kind="mission_value")
    text = path.read_text()
    path.write_text(text[:text.index("[outcomes]")])
    assert main(["simulate", str(path), "--draws", "10", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "key outcomes: no [outcomes] table" in err
    path.write_text(text[:text.index("[outcomes]")].replace("mission_value", "mission_progress"))
    assert main(["simulate", str(path), "--draws", "10", "--out", str(tmp_path / "o")]) == 2
    assert "'mission_progress' needs an [outcomes] table" in capsys.readouterr().err
