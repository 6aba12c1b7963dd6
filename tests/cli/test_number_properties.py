"""Property: every number a user gives is finite and in range, or the run stops with exit 2.

Hypothesis picks a numeric field of the scenario (TOML, which allows ``nan`` and ``inf``
literals) or of the pipeline (CSV), and a value that is not finite or out of that field's
range; ``missionfinance run`` must exit 2 with one line naming the file and the key (or
row and column), and write nothing.
"""

from __future__ import annotations

import math
import tempfile
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from missionfinance.cli import main
from tests.conftest import PIPELINE_CSV, SCENARIO_TOML

NON_FINITE = [math.nan, math.inf, -math.inf]

# kind → the values outside the field's range (besides nan and ±inf)
OUT_OF_RANGE: dict[str, st.SearchStrategy[float]] = {
    "any": st.nothing(),
    "nonneg": st.floats(max_value=-1e-6, min_value=-1e12),
    "positive": st.floats(max_value=0.0, min_value=-1e12),
    "share": st.one_of(st.floats(max_value=-1e-6, min_value=-1e6),
                       st.floats(min_value=1.000001, max_value=1e6)),
    "open_share": st.one_of(st.floats(max_value=0.0, min_value=-1e6),
                            st.floats(min_value=1.0, max_value=1e6)),
    "runoff": st.one_of(st.floats(max_value=-1e-6, min_value=-1e6),
                        st.floats(min_value=1.0, max_value=1e6)),
}

# (dotted key as the error names it, extra tables the key needs, the path to set, kind)
SCENARIO_FIELDS: list[tuple[str, dict[str, Any], tuple[str, ...], str]] = [
    ("instruments.grant.budget_score.CDEL", {}, ("instruments", "grant", "budget_score", "CDEL"), "nonneg"),
    ("instruments.loan.budget_score.FT", {}, ("instruments", "loan", "budget_score", "FT"), "nonneg"),
    ("budget.CDEL.2026-27", {}, ("budget", "CDEL", "2026-27"), "nonneg"),
    ("budget.RDEL.2026-27", {}, ("budget", "RDEL", "2026-27"), "nonneg"),
    ("exposure.2027-28", {}, ("exposure", "2027-28"), "nonneg"),
    ("exposure.runoff", {}, ("exposure", "runoff"), "runoff"),
    ("objective.weights.growth", {}, ("objective", "weights", "growth"), "any"),
    ("objective.shortfall_price", {}, ("objective", "shortfall_price"), "nonneg"),
    ("objective.cost_weights.CDEL", {}, ("objective", "cost_weights", "CDEL"), "nonneg"),
    ("inputs.currency_rates.EUR", {}, ("inputs", "currency_rates", "EUR"), "positive"),
    ("constraints.mission_floor.health", {}, ("constraints", "mission_floor", "health"), "nonneg"),
    ("constraints.mission_ceiling.growth", {}, ("constraints", "mission_ceiling", "growth"), "nonneg"),
    ("constraints.regional.north.min_share", {"constraints": {"regional": {"north": {"regions": ["Scotland"]}}}},
     ("constraints", "regional", "north", "min_share"), "share"),
    ("risk.expected_loss_limit", {}, ("risk", "expected_loss_limit"), "nonneg"),
    ("risk.cvar.limit", {}, ("risk", "cvar", "limit"), "nonneg"),
    ("risk.cvar.alpha", {"risk": {"cvar": {"limit": 5.0}}}, ("risk", "cvar", "alpha"), "open_share"),
    ("integer.min_ticket", {}, ("integer", "min_ticket"), "positive"),
    ("solver.time_limit", {}, ("solver", "time_limit"), "positive"),
    ("solver.primal_tolerance", {}, ("solver", "primal_tolerance"), "open_share"),
]

# (column, kind); row 1 is eligible for grant and loan, so both leverages are checked there
PIPELINE_FIELDS: list[tuple[str, str]] = [
    ("capacity", "positive"), ("private_capacity", "nonneg"), ("leverage_grant", "nonneg"),
    ("leverage_loan", "nonneg"), ("pd", "share"), ("lgd", "share"), ("additionality", "share"),
]


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f'"{k}" = {_toml_value(x)}' for k, x in v.items()) + " }"
    raise TypeError(v)


def dump_toml(config: dict[str, Any]) -> str:
    """TOML for a scenario: one table per top-level key, nested tables inline."""
    out = []
    for table, body in config.items():
        out.append(f"[{table}]")
        out += [f'"{k}" = {_toml_value(v)}' for k, v in body.items()]
        out.append("")
    return "\n".join(out)


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> None:
    for k, v in extra.items():
        if isinstance(v, dict) and isinstance(base.get(k), dict):
            _merge(base[k], v)
        else:
            base[k] = v


def _bad_value(kind: str) -> st.SearchStrategy[float]:
    return st.one_of(st.sampled_from(NON_FINITE), OUT_OF_RANGE[kind])


@st.composite
def scenario_case(draw: st.DrawFn) -> tuple[str, dict[str, Any], float]:
    key, extra, path, kind = draw(st.sampled_from(SCENARIO_FIELDS))
    value = draw(_bad_value(kind))
    config = tomllib.loads(SCENARIO_TOML)
    _merge(config, extra)
    node = config
    for part in path[:-1]:
        node = node.setdefault(part, {})
    node[path[-1]] = value
    return key, config, value


@st.composite
def pipeline_case(draw: st.DrawFn) -> tuple[str, str, int]:
    column, kind = draw(st.sampled_from(PIPELINE_FIELDS))
    value = draw(st.one_of(
        st.sampled_from(["nan", "NaN", "inf", "-inf", "Infinity", "1e999"]),
        _bad_value(kind).map(repr),
    ))
    row = draw(st.sampled_from([1, 3] if column != "leverage_loan" else [1]))
    header, *rows = PIPELINE_CSV.strip("\n").split("\n")
    names = header.split(",")
    cells = rows[row - 1].split(",")
    cells[names.index(column)] = value
    rows[row - 1] = ",".join(cells)
    return column, "\n".join([header, *rows]) + "\n", row


def _run(folder: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["run", str(folder / "scenario.toml"), "--out", str(folder / "out")])
    return code, capsys.readouterr().err


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=scenario_case())
def test_every_scenario_number_is_finite_and_in_range(
    capsys: pytest.CaptureFixture[str], case: tuple[str, dict[str, Any], float]
) -> None:
    key, config, value = case
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "pipeline.csv").write_text(PIPELINE_CSV, encoding="utf-8")
        (folder / "scenario.toml").write_text(dump_toml(config), encoding="utf-8")
        code, err = _run(folder, capsys)
        assert code == 2, f"{key} = {value!r}: exit {code}, {err!r}"
        lines = err.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in err, err
        assert f"scenario.toml key {key}" in lines[0], f"{key} = {value!r}: {lines[0]!r}"
        assert not (folder / "out").exists()


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=pipeline_case())
def test_every_pipeline_number_is_finite_and_in_range(
    capsys: pytest.CaptureFixture[str], case: tuple[str, str, int]
) -> None:
    column, csv, row = case
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "pipeline.csv").write_text(csv, encoding="utf-8")
        (folder / "scenario.toml").write_text(SCENARIO_TOML, encoding="utf-8")
        code, err = _run(folder, capsys)
        assert code == 2, f"{column} row {row}: exit {code}, {err!r}"
        lines = err.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in err, err
        assert f"pipeline.csv row {row}, column {column}" in lines[0], lines[0]
        assert not (folder / "out").exists()
