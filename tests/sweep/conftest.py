"""Fixtures of the sweep tests: base data of the small and the bundled scenario."""

from __future__ import annotations

from pathlib import Path

import pytest

from missionfinance.scenario import Scenario
from missionfinance.sweep import _Base, _prepare

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "scenarios" / "sr25-example.toml"


@pytest.fixture
def small_base(small_scenario: Path) -> _Base:
    """The small test scenario of tests/conftest.py, tagged once."""
    return _prepare(Scenario.load(small_scenario))


@pytest.fixture(scope="module")
def example_base() -> _Base:
    """The bundled SR25 example, tagged once per module."""
    return _prepare(Scenario.load(EXAMPLE))


@pytest.fixture
def floor_scenario(small_scenario: Path) -> Path:
    """The small scenario with a (zero) health mission floor that variants can raise."""
    with small_scenario.open("a", encoding="utf-8") as handle:
        handle.write("\n[constraints.mission_floor]\nhealth = 0.0\n")
    return small_scenario
