"""The docstring examples of the tagging package run as doctests."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["missionfinance.tagging", "missionfinance.tagging.codes", "missionfinance.tagging.rules",
           "missionfinance.tagging.matching", "missionfinance.tagging.engine", "missionfinance.tagging.result",
           "missionfinance.tagging.explain", "missionfinance.tagging.evaluation",
           "missionfinance.tagging.profiles"]


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
