"""Outcome data, trajectories and their validation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from missionfinance.errors import MissionFinanceError
from missionfinance.missions import MissionSet
from missionfinance.outcomes import evaluate, load_outcome_data
from missionfinance.outcomes.catalogue import parse_outcome_data
from missionfinance.outcomes.config import check_yields
from missionfinance.years import year_start

from .helpers import DATA, INSTRUMENTS, YEARS, missions, options, projects


def test_builtin_data_has_sourced_baselines_for_every_milestone() -> None:
    ms = MissionSet.load("builtin:uk")
    data = load_outcome_data("builtin:uk", ms)
    assert set(data.ids) == {s.id for m in ms for s in m.milestones}
    tracked = {m.id: m for m in data.tracked}
    assert set(tracked) == {"homes", "clean-power-2030", "neighbourhood-police", "school-ready",
                            "rtt-18-weeks"}
    assert tracked["clean-power-2030"].baseline == 73.8
    assert tracked["school-ready"].baseline == 68.3
    assert tracked["homes"].baseline == 221070
    for m in tracked.values():
        assert m.baseline_source and m.bau_source
        assert year_start(m.baseline_year) < year_start(m.deadline)
    for m in data.milestones:
        if not m.tracked:
            assert m.untracked_reason


def test_paths_level_and_cumulative() -> None:
    data = load_outcome_data("builtin:uk", MissionSet.load("builtin:uk"))
    years = ["2024-25", "2025-26", "2026-27", "2029-30"]
    homes = data["homes"]
    # cumulative from 2025-26 at 221,070 a year; target 1.5m over five years
    np.testing.assert_allclose(homes.bau(years), [0, 221070, 442140, 1105350])
    np.testing.assert_allclose(homes.target_path(years), [0, 300000, 600000, 1500000])
    cp = data["clean-power-2030"]
    np.testing.assert_allclose(cp.bau(years), [73.8, 75.3, 76.8, 81.3])
    np.testing.assert_allclose(cp.target_path(years)[[0, 3]], [73.8, 95.0])
    police = data["neighbourhood-police"]
    np.testing.assert_allclose(police.bau(years), [0, 3000, 3000, 3000])


def _alloc(rows: list[tuple[str, str, str, float, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["project_id", "instrument", "year", "public", "private"])


def test_trajectory_matches_a_recomputation_by_hand() -> None:
    opts = options([("A", "homes", 10.0, 1, 2), ("B", "homes", 5.0, 0, 1),
                    ("B", "police", 0.5, 2, 1)])
    pipe = projects(cap=(100.0, 100.0), instruments="grant;guarantee", leverage=1.0)
    pipe["additionality"] = [0.5, 1.0]
    alloc = _alloc([("A", "grant", "2026-27", 10.0, 4.0), ("A", "guarantee", "2027-28", 50.0, 6.0),
                    ("B", "grant", "2027-28", 20.0, 0.0)])
    traj = evaluate(opts, alloc, pipe, YEARS, INSTRUMENTS)
    # by hand: A caused 10 + 0.5×4 = 12 in 2026-27 and 0 + 0.5×6 = 3 (a guarantee is not cash)
    # in 2027-28; lag 1, ramp 2 → half a year after the lag, the rest a year later.
    # B: 20 in 2027-28, lag 0.
    want_homes = {"2025-26": 0.0, "2026-27": 20 * 0 + 0.0,
                  "2027-28": 10 * (12 * 0.5) + 5 * 20,
                  "2028-29": 10 * (12 * 1.0 + 3 * 0.5) + 5 * 20}
    want_police = {"2025-26": 0.0, "2026-27": 0.0, "2027-28": 0.0, "2028-29": 0.0}
    f = traj.frame.set_index(["milestone", "year"])
    for y, v in want_homes.items():
        assert f.loc[("homes", y), "projected"] == pytest.approx(v)
    for y, v in want_police.items():
        assert f.loc[("police", y), "projected"] == pytest.approx(v)
    g = traj.gaps.set_index("milestone")
    assert g.loc["homes", "gap"] == pytest.approx(1200 - 235.0)
    assert "235 homes against the target 1,200 homes by 2028-29: 965 homes short" in \
        g.loc["homes", "words"]
    assert list(traj.frame.columns) == ["milestone", "year", "unit", "baseline", "bau",
                                        "projected", "target", "p10", "p90"]


def test_lag_money_in_2026_27_shows_from_2028_29() -> None:
    opts = options([("A", "homes", 10.0, 2, 1)])
    alloc = _alloc([("A", "grant", "2026-27", 30.0, 0.0)])
    traj = evaluate(opts, alloc, projects(), YEARS, INSTRUMENTS)
    f = traj.frame[traj.frame["milestone"] == "homes"].set_index("year")["projected"]
    assert f["2026-27"] == 0 and f["2027-28"] == 0
    assert f["2028-29"] == pytest.approx(300.0)


@pytest.mark.parametrize(("row", "message"), [
    (("A", "wellbeing", 1.0, 0, 1), "yields.csv row 2 key milestone: unknown or untracked "
                                     "milestone 'wellbeing'"),
    (("A", "homes", -1.0, 0, 1), "yields.csv row 2 key per_m: -1.0 must be ≥ 0"),
    (("A", "homes", 1.0, 4, 1), "yields.csv row 2 key lag: 4 years is beyond the horizon"),
    (("A", "homes", 1.0, 0.5, 1), "yields.csv row 2 key lag: 0.5 must be a whole number"),
])
def test_bad_yields_are_one_line_errors_naming_the_key(row: tuple, message: str) -> None:
    data = parse_outcome_data(DATA, "o.toml", missions())
    frame = pd.DataFrame([row], columns=["project_id", "milestone", "per_m", "lag", "ramp"])
    with pytest.raises(MissionFinanceError) as exc:
        check_yields(frame, data, YEARS, "yields.csv")
    assert message in str(exc.value)
    assert "\n" not in str(exc.value)


def test_bad_outcome_data_names_the_key() -> None:
    with pytest.raises(MissionFinanceError, match="o.toml milestone 1 key id: unknown "
                                                  "milestone 'flats'"):
        parse_outcome_data(DATA.replace('id = "homes"', 'id = "flats"'), "o.toml", missions())
    with pytest.raises(MissionFinanceError, match=r"key baseline_year: '2029-30' is not before"):
        parse_outcome_data(DATA.replace('"2025-26"', '"2029-30"', 1), "o.toml", missions())


def test_yields_checked_column_by_column_as_row_by_row(monkeypatch: pytest.MonkeyPatch) -> None:
    """The column-wise pass never lets through a frame the row checks refuse."""
    import missionfinance.outcomes.config as config

    data = parse_outcome_data(DATA, "o.toml", missions())
    rng = np.random.default_rng(3)
    choices = {
        "project_id": ["A", "B", " ", "", None, 7],
        "milestone": ["homes", "homes", "wellbeing", None],
        "per_m": [1.0, 2.5, 0.0, -1.0, np.nan, np.inf, "x", "3"],
        "lag": [0, 1, 2, 4, 0.5, -1, np.nan],
        "ramp": [1, 2, 1.0, 0, 1.5, np.nan, None],
    }
    outcomes = set()
    for _ in range(400):
        n = int(rng.integers(1, 4))
        cols = {c: [v[int(rng.integers(len(v)))] for _ in range(n)] for c, v in choices.items()}
        if rng.random() < 0.5:  # mostly clean frames, numeric columns
            cols = {"project_id": [f"P{k}" for k in range(n)], "milestone": ["homes"] * n,
                    "per_m": list(rng.choice([0.0, 1.5, -2.0], n)),
                    "lag": list(rng.choice([0, 1, 2, 3], n)), "ramp": list(rng.choice([1, 2, 0], n))}
        frame = pd.DataFrame(cols)

        def outcome(frame: pd.DataFrame = frame) -> object:
            try:
                return check_yields(frame, data, YEARS, "yields.csv").to_dict("list")
            except MissionFinanceError as exc:
                return str(exc)
            except (TypeError, ValueError) as exc:
                return type(exc).__name__

        fast = outcome()
        with monkeypatch.context() as m:
            m.setattr(config, "_rows_pass", lambda *a: False)
            slow = outcome()
        assert fast == slow, frame
        outcomes.add(isinstance(fast, str))
    assert outcomes == {True, False}
