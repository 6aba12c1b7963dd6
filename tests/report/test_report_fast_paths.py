"""The report's faster ways to the same tables: each equals the general way it replaces."""

from __future__ import annotations

import dataclasses
import types
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from missionfinance import views as v
from missionfinance.report import PreparedOutputs, render_outputs
from missionfinance.report.formats import format_column, neutralise
from missionfinance.report.sheets import Workbook
from missionfinance.scenario import RunResult
from missionfinance.testing import make_run
from missionfinance.views.constraints import text_order, then_by


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> RunResult:
    return make_run(tmp_path_factory.mktemp("fast") / "work", n_projects=12)


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert list(a.dtypes.astype(str)) == list(b.dtypes.astype(str))


def _variants(frame: pd.DataFrame) -> list[pd.DataFrame]:
    """The model's constraint frame and frames other models or old files could give."""
    helper = frame.copy()
    helper["family"] = helper["family"].where(np.arange(len(helper)) % 5 != 0, "cvar_excess")
    unnamed = frame.copy()
    unnamed.loc[unnamed.index[:2], "name"] = np.nan
    no_family = frame.copy()
    no_family["family"] = ""
    flags = frame.copy()
    flags["binding"] = flags["binding"].astype(object)
    flags.loc[flags.index[:3], "binding"] = None
    return [frame, frame.drop(columns=["binding"]), frame.drop(columns=["binding", "slack"]),
            frame.drop(columns=["explanation"]), frame.drop(columns=["family"]), helper,
            unnamed, no_family, flags, frame.assign(name="same name"), frame.iloc[:0]]


def test_constraint_tables_equal_the_words_split_and_counted(run: RunResult) -> None:
    for frame in _variants(run.allocation.constraints):
        result = types.SimpleNamespace(constraints=frame)
        words = v.constraints_in_words(result)
        shared, families = v.constraint_tables(result)
        _same(shared, v.split_project_constraints(words)[0])
        _same(families, v.limits_by_family(words))


def test_constraints_in_words_are_in_reading_order(run: RunResult) -> None:
    frame = run.allocation.constraints.copy()
    frame["name"] = [f"c{k % 4}" for k in range(len(frame))]  # ties broken by row order
    words = v.constraints_in_words(types.SimpleNamespace(constraints=frame))
    key = pd.DataFrame({"b": ~frame["binding"].astype(bool),
                        "d": -frame["dual"].abs().fillna(0.0), "n": frame["name"]})
    order = key.sort_values(["b", "d", "n"], kind="mergesort").index
    assert words["constraint"].tolist() == frame["name"].loc[order].tolist()


@pytest.mark.parametrize(("dtype", "missing"), [("str", 0.1), ("str", 0.0), (object, 0.0)])
def test_text_order_then_by_is_a_stable_sort_on_all_keys(dtype: object, missing: float) -> None:
    rng = np.random.default_rng(7)
    text = pd.Series(rng.choice(["b", "a", "é", "B", "a b", "", "Ω"], 400), dtype=dtype)
    text[rng.random(400) < missing] = np.nan
    number = rng.choice([0.0, 1.5, -2.0, np.nan], 400)
    flag = rng.random(400) < 0.5
    frame = pd.DataFrame({"f": flag, "x": number, "t": text})
    expected = frame.sort_values(["f", "x", "t"], ascending=[False, False, True],
                                 kind="mergesort").index.to_numpy()
    order = then_by(then_by(text_order(text), -number), ~flag)
    assert order.tolist() == expected.tolist()


def test_projects_table_from_prepared_columns_is_the_same(run: RunResult) -> None:
    alloc = v.allocation_frame(run.allocation)
    for binding in ([], ["budget[CDEL,2026-27]"], ["a", "b", "c", "d"]):
        for rows in (alloc, alloc.iloc[:0], alloc.iloc[::3]):
            plain = v.projects_table(run, rows, binding)
            _same(v.projects_table(run, rows, binding, v.project_columns(run)), plain)
            _same(v.closest_unfunded(run, plain, 3), v.closest_unfunded(run, plain)[:3])


def test_parts_made_by_another_version_are_made_again(run: RunResult, tmp_path: Path) -> None:
    # prepared parts without the tables this version reads are not used, nor do they fail
    old = PreparedOutputs(run.prepared.inputs, run.prepared.tags_csv,
                          {k: t for k, t in run.prepared.tables.items()
                           if k not in ("contributions", "loss_rates", "project_columns")})
    expected = render_outputs(dataclasses.replace(run, prepared=None), tmp_path, parallel=False)
    assert render_outputs(dataclasses.replace(run, prepared=old), tmp_path,
                          parallel=False) == expected


def test_numbers_are_written_as_the_format_gives_them() -> None:
    rng = np.random.default_rng(3)
    values = np.concatenate([rng.normal(0.0, 1e6, 500), rng.random(50) * 1e-9,
                             [0.0, 1.0, 1e300, 5e-324, 0.1 + 0.2, np.nan, np.inf]])
    cells = Workbook.numbers(2, values, "money", first_row=1)
    expected = [f'<c r="C{r}" s="6"><v>{x:.16G}</v></c>' if np.isfinite(x) else ""
                for r, x in enumerate(values.tolist(), start=2)]
    assert cells == expected
    assert Workbook.numbers(0, np.array([]), "money") == []


@pytest.mark.parametrize("dtype", ["str", object])
def test_text_columns_are_neutralised_cell_by_cell(dtype: object) -> None:
    cells = ["plain", "=1+1", "a\n=b", "", "-3", "@x", "\tt", "+", None]
    series = pd.Series(cells, dtype=dtype)
    expected = ["" if c is None else neutralise(c) for c in cells]
    assert format_column(series) == expected
    assert format_column(pd.Series(["a", "b\n-c"], dtype=dtype)) == ["a", "b\n-c"]


def _why_not_row_by_row(run: RunResult, table: pd.DataFrame, binding: list[str]) -> list[str]:
    """projects_table's reasons worked out one project at a time."""
    from missionfinance.views.constraints import _model_reasons
    limits = ", ".join(binding[:3]) + (" and others" if len(binding) > 3 else "")
    out = []
    for given, funded, mission, pub, cap in zip(
            _model_reasons(run, table["project_id"]), table["funded"].tolist(),
            table["missions"].tolist(), table["public"].tolist(), table["capacity"].tolist(),
            strict=True):
        if given:
            out.append(given)
        elif funded:
            out.append("" if not np.isfinite(cap) or pub >= cap - 1e-6
                       else f"partly funded: £{pub:,.1f}m of its £{cap:,.1f}m capacity")
        elif not mission:
            out.append("no tagging rule links it to a mission, so it adds no mission value")
        elif limits:
            out.append("other projects gave more mission value per £ of the binding limits "
                       f"({limits})")
        else:
            out.append("not chosen by the optimiser")
    return out


def test_projects_table_reasons_are_the_row_by_row_reasons(run: RunResult) -> None:
    alloc = v.allocation_frame(run.allocation)
    partly = alloc.assign(public=alloc["public"] * np.where(np.arange(len(alloc)) % 2, 0.5, 1.0))
    columns = v.project_columns(run)
    columns.loc[columns.index[::4], "missions"] = ""
    seen = set()
    for binding in ([], ["budget[CDEL,2026-27]"], ["a", "b", "c", "d"]):
        for rows in (alloc, partly, partly.iloc[::3], alloc.iloc[:0]):
            table = v.projects_table(run, rows, binding, columns.copy())
            assert table["why_not"].tolist() == _why_not_row_by_row(run, table, binding)
            seen |= {r.split(":")[0].split(" ")[0] for r in table["why_not"]}
    # every kind of reason was made: in full, partly, none linked, limits, none chosen
    assert {"", "partly", "no", "other", "not"} <= seen
