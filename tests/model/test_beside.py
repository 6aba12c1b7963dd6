"""Work done beside HiGHS: same answer, errors surface once the solve has ended."""

from __future__ import annotations

import threading

import pandas as pd
import pytest

from missionfinance.errors import MissionFinanceError
from missionfinance.model import Status, solve
from tests.model.conftest import hand_problem


def test_beside_runs_while_highs_solves_and_changes_nothing() -> None:
    plain = solve(hand_problem())
    seen: list[str] = []
    beside_result = solve(
        hand_problem(), beside=lambda: seen.append(threading.current_thread().name)
    )
    assert seen == [threading.main_thread().name]  # once, in the calling thread
    assert beside_result.status == Status.OPTIMAL
    assert beside_result.objective == plain.objective
    pd.testing.assert_frame_equal(beside_result.allocation, plain.allocation)
    pd.testing.assert_frame_equal(beside_result.constraints, plain.constraints)
    pd.testing.assert_frame_equal(beside_result.projects, plain.projects)


def test_an_error_beside_the_solve_is_raised_after_it() -> None:
    def bad() -> None:
        raise MissionFinanceError("lines.csv row 3, column amount: 'x' is not a number")

    with pytest.raises(MissionFinanceError, match="row 3, column amount"):
        solve(hand_problem(), beside=bad)
    assert solve(hand_problem()).status == Status.OPTIMAL  # HiGHS still usable afterwards
