"""Assertions on the command line's error output shared by the CLI and contract tests."""

from __future__ import annotations


def one_line_error(err: str, *fragments: str) -> str:
    """Assert ``err`` (stderr) is one ``missionfinance: error:`` line holding ``fragments``.

    No traceback, nothing else printed; returns the line.
    """
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("missionfinance: error: "), err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in lines[0], f"{fragment!r} not in {lines[0]!r}"
    return lines[0]
