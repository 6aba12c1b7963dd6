"""The docstring examples of the report package and of audit run as tests."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["missionfinance.audit", "missionfinance.report.formats",
           "missionfinance.report.manifest",
           "missionfinance.report.html"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    failures, tried = doctest.testmod(importlib.import_module(name),
                                      optionflags=doctest.ELLIPSIS)
    assert tried > 0 and failures == 0
