"""The docstring examples of missionfinance.io run as doctests (including error examples)."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["schema", "lines", "cra", "sr25", "ocds", "pipeline", "_files"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # examples name files relative to the working directory
    module = importlib.import_module(f"missionfinance.io.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
