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


@pytest.mark.parametrize("stop", ["ctrl-c", "signal"])
def test_an_interruption_beside_the_solve(stop: str) -> None:
    """A stop signal of the command line goes on at once; a Ctrl-C in a notebook waits
    for the solve, so that the next solve in the process never runs beside it."""
    import signal
    import time

    import highspy

    from missionfinance._fs import Interrupted
    from missionfinance.model import highs as highs_module

    release = threading.Event()
    real_run = highspy.Highs.run

    def slow_run(self: highspy.Highs) -> highspy.HighsStatus:
        release.wait(30)  # the solve goes on until the test lets it
        return real_run(self)

    def interrupt() -> None:
        if stop == "signal":
            raise Interrupted(signal.SIGTERM)
        threading.Timer(0.5, release.set).start()
        raise KeyboardInterrupt

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(highspy.Highs, "run", slow_run)
        start = time.monotonic()
        with pytest.raises(KeyboardInterrupt):
            highs_module.run_beside(highspy.Highs(), interrupt)
        waited = time.monotonic() - start
        solving = [t for t in threading.enumerate() if t.name == "HiGHS" and t.is_alive()]
        release.set()
        for t in solving:
            t.join(30)
    if stop == "signal":
        assert waited < 0.4 and solving  # raised at once, the solve left running
    else:
        assert waited >= 0.4 and not solving  # raised once the solve had ended
    assert solve(hand_problem()).status == Status.OPTIMAL
