"""The one-line progress of long steps: drawn on a terminal, nothing when piped."""

from __future__ import annotations

import io
import time

from missionfinance._progress import Step


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_long_step_draws_one_line_on_a_terminal_and_clears_it() -> None:
    out = _Terminal()
    with Step("solving", stream=out, delay=0.05):
        time.sleep(0.7)
    text = out.getvalue()
    assert "\rsolving… " in text and "\n" not in text
    assert text.endswith("\r")                       # the line is wiped at the end


def test_short_step_and_pipes_stay_silent() -> None:
    out = _Terminal()
    with Step("tagging", stream=out, delay=5.0):
        pass
    assert out.getvalue() == ""
    piped = io.StringIO()                            # not a terminal
    with Step("solving", stream=piped, delay=0.0):
        time.sleep(0.2)
    assert piped.getvalue() == ""
