"""The texts made a column at a time are the texts made a row at a time, exactly."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from missionfinance.model.explain import (
    _NO_DUAL,
    _OTHER,
    _SHARE,
    Rows,
    RowWords,
    _loose_sentence,
    _row_numbers,
    _Wording,
    row_explanations,
    row_texts,
    row_words,
    text_array,
    texts_at,
    why_not,
)
from missionfinance.model.result import (
    _best_columns,
    _text,
    _why_not,
    prepare_result,
    why_not_inputs,
)
from tests.model.conftest import hand_problem
from tests.model.random_problems import random_problem
from tests.model.solve_hooks import extract_args

_FAMILIES = ("budget", "capacity", "spend_profile", "crowding_in", "private_capacity",
             "guarantee_cover", "exposure", "mission_bounds", "regional", "instrument_mix",
             "cvar", "fiscal")


def _random_rows(seed: int, n: int = 400) -> tuple[pd.DataFrame, np.ndarray, dict[int, float]]:
    """Constraint rows with many repeated numbers, signed zeros, NaN duals and share rows."""
    rng = np.random.default_rng(seed)
    family = rng.choice(_FAMILIES, n)
    kinds = rng.choice(["floor", "ceiling", "share_floor", "share_ceiling"], n)
    name = [f"{f}[{k},{i}]" if f == "mission_bounds" else
            (f"fiscal[psnfl,{i}]" if f == "fiscal" else
             (f"financing_plan[P{i}]" if f == "private_capacity" and i % 3 == 0
              else f"{f}[{i}]"))
            for i, (f, k) in enumerate(zip(family, kinds, strict=True))]
    levels = np.array([0.0, -0.0, 1.0, -1.0, 0.25, 1e-4, 123.456, -7.5, 0.173, 250.0])
    dual = rng.choice(levels, n) * rng.choice([1.0, 1.0, 0.5], n)
    dual[rng.random(n) < 0.05] = np.nan
    lower = np.where(rng.random(n) < 0.4, 0.0, -np.inf)
    upper = np.where(np.isfinite(lower) & (rng.random(n) < 0.5), np.inf,
                     rng.choice([10.0, 100.0], n))
    slack = rng.choice([0.0, 89.3, 1.5, 0.012, -0.0, 1250.0], n)
    marginal = np.where(rng.random(n) < 0.3, rng.choice([0.5, -0.0, 3.25, 0.001], n), np.nan)
    rows = pd.DataFrame({
        "name": name, "family": family, "control": rng.choice(["CDEL", "FT"], n),
        "year": rng.choice(["2026-27", "2027-28", ""], n),
        "mission": rng.choice(["growth", "health"], n),
        "region": "", "project": [f"P{i % 37:03d}" for i in range(n)],
        "lower": lower, "upper": upper, "slack": slack, "binding": rng.random(n) < 0.7,
        "dual": dual, "marginal_private": marginal})
    base = rng.choice([0.0, 40.0, 512.5], n)
    share_gain = {int(k): float(v) for k, v in
                  zip(np.flatnonzero(rng.random(n) < 0.2).tolist(),
                      rng.choice([0.4, -0.2, np.nan, 0.0], n), strict=False)}
    return rows, base, share_gain


def row_sentences(rows: Rows, objective: str, sense: str,
                  share_base: np.ndarray,
                  share_gain: Mapping[int, float] | None = None,
                  words: RowWords | None = None) -> tuple[list[str], np.ndarray]:
    """:func:`row_texts` made a row at a time: the distinct sentences and each row's.

    Returns the distinct sentences of the rows that are not binding, then one per binding
    row, and per row the position of its sentence among them.
    """
    wording = _Wording(objective, sense, share_gain or {})
    slack, binding, dual, gain, mp = _row_numbers(rows, sense)
    out = np.zeros(len(slack), dtype=np.int64)
    loose = np.flatnonzero(~binding)
    if loose.size:
        # one sentence per distinct slack (tens of thousands of rows share a few hundred)
        which, slacks = pd.factorize(slack[loose], use_na_sentinel=False)
        sentences = [_loose_sentence(s) for s in slacks.tolist()]
        out[loose] = which
    else:
        sentences = []
    tight = np.flatnonzero(binding)
    if words is None:
        tight_words = row_words(rows, tight)
    else:
        tight_words = RowWords(words.kind[tight], words.lead.take(pa.array(tight)))
    bases = np.asarray(share_base, dtype=np.float64)[tight].tolist()
    texts: list[str] = []
    for k, kind, lead, g, d, m, base in zip(tight.tolist(), tight_words.kind.tolist(),
                                            tight_words.lead.to_pylist(), gain[tight].tolist(),
                                            dual[tight].tolist(), mp[tight].tolist(), bases,
                                            strict=True):
        if not math.isfinite(g):
            texts.append(_NO_DUAL)
        elif kind == _SHARE:
            texts.append(wording.share(k, d, base))
        else:  # a mission floor or ceiling states no private money
            texts.append(lead + wording.tail(g, m if kind == _OTHER else math.nan))
    out[tight] = len(sentences) + np.arange(len(tight))
    return sentences + texts, out


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("objective,sense", [("mission_value", "max"), ("min_cost", "min"),
                                             ("private_mobilised", "max")])
def test_row_texts_are_row_sentences(seed: int, objective: str, sense: str) -> None:
    rows, base, share_gain = _random_rows(seed)
    texts, which = row_sentences(rows, objective, sense, base, share_gain)
    expected = [texts[k] for k in which.tolist()]
    assert any(t.startswith("binding: relaxing this share") for t in expected)
    assert any("of private investment" in t for t in expected)
    assert any(t.startswith("binding; no dual") for t in expected)
    for words in (None, row_words(rows)):
        got = row_texts(rows, objective, sense, base, share_gain, words)
        assert got.to_pylist() == expected
        pd.testing.assert_extension_array_equal(text_array(got), _text(expected))
    assert row_explanations(rows, objective, sense, base, share_gain).tolist() == expected


def test_row_texts_of_no_rows_and_of_rows_all_loose() -> None:
    rows, base, _ = _random_rows(0, n=30)
    assert row_texts(rows.iloc[:0], "mission_value", "max", base[:0]).to_pylist() == []
    loose = rows.assign(binding=False)
    texts, which = row_sentences(loose, "mission_value", "max", base)
    assert row_texts(loose, "mission_value", "max", base).to_pylist() == \
        [texts[k] for k in which.tolist()]


@pytest.mark.parametrize("storage", ["pyarrow", "python"])
def test_texts_at_and_text_array(storage: str) -> None:
    with pd.option_context("mode.string_storage", storage):
        got = text_array(texts_at(["", "a", "£1m"], np.array([2, 0, 1, 2])))
        pd.testing.assert_extension_array_equal(got, _text(["£1m", "", "a", "£1m"]))
        assert got.dtype.storage == storage


def _why_not_row_at_a_time(problem, d, model, raw, funded, parts):  # type: ignore[no-untyped-def]
    """The why-not words and switching values worked out one project at a time."""
    P = len(d.project_ids)
    nan = float("nan")
    sign = 1.0 if model.sense == "max" else -1.0
    gx, gy = model.groups["x"], model.groups["y"]
    pi = np.where(parts.shared, raw.row_dual, 0.0)
    gain_x = sign * (model.cost[gx.slice] - (parts.x_columns_t @ pi))
    gain_y = sign * (model.cost[gy.slice] - (parts.y_columns_t @ pi))
    if "at_risk" in model.groups:
        gX = model.groups["at_risk"]
        pi_e = np.where(parts.excess, raw.row_dual, 0.0)
        price_X = -sign * (model.matrix()[:, gX.slice].T @ pi_e)
        per_p = np.zeros(P)
        per_p[np.unique(d.xp[d.bears_loss[d.xi]])] = price_X
        gain_x = gain_x + np.where(d.bears_loss[d.xi], per_p[d.xp], 0.0)
    w = why_not_inputs(problem, d)
    gy_p = np.maximum(gain_y, 0.0)
    if problem.enabled("private_capacity"):
        gy_p = np.where(d.private_capacity > 0, gy_p, 0.0)
    total = gain_x + w["lev_eff"] * gy_p[d.xp]
    bj = _best_columns(d.xp, total)
    best = np.full(P, np.nan)
    best[d.xp[bj]] = total[bj]
    best_j = np.full(P, -1)
    best_j[d.xp[bj]] = bj
    texts, main_mission = [], []
    need = {"leverage_needed": [], "value_needed": [], "weight_needed": []}
    for p in range(P):
        n_lev = n_v = n_w = nan
        mission = ""
        if funded[p]:
            texts.append("")
        elif best_j[p] < 0:
            texts.append(why_not(str(d.project_ids[p]), 0.0, "", "", 0.0, nan, 0.0, nan,
                                 problem.objective, eligible=False))
        else:
            j = int(best_j[p])
            g, lev, v = float(best[p]), float(w["lev_eff"][j]), float(w["value"][p])
            gyp = float(gy_p[p])
            n_lev = lev + (-g) / gyp if gyp > 0 else nan
            denom = float(w["own"][j]) + float(w["additionality"][p]) * lev
            n_v = v + (-g) / denom if denom > 0 else nan
            n_v = n_v if problem.objective == "mission_value" else nan
            m = int(w["main"][p]) if len(d.missions) else -1
            cm = float(w["c_main"][p]) if m >= 0 else 0.0
            weight = float(w["weights"][m]) if m >= 0 else nan
            n_w = weight + (n_v - v) / cm if m >= 0 and cm > 0 and math.isfinite(n_v) else nan
            mission = d.missions[m] if m >= 0 and math.isfinite(n_w) else ""
            texts.append(why_not(str(d.project_ids[p]), g, d.instruments[int(d.xi[j])],
                                 d.years[int(d.xt[j])], lev, n_lev, v, n_v, problem.objective,
                                 eligible=True, mission=d.missions[m] if m >= 0 else "",
                                 weight=weight, weight_needed=n_w))
        need["leverage_needed"].append(n_lev)
        need["value_needed"].append(n_v)
        need["weight_needed"].append(n_w)
        main_mission.append(mission)
    return best, texts, need, main_mission


@pytest.mark.parametrize("problem", [
    hand_problem(), random_problem(3, n=40), random_problem(5, n=40, families=False),
    random_problem(7, n=30, cvar=True),
    dataclasses.replace(random_problem(11, n=40), objective="private_mobilised"),
], ids=["hand", "random", "random-plain", "random-cvar", "random-private"])
def test_why_not_is_the_row_at_a_time_reading(problem) -> None:  # type: ignore[no-untyped-def]
    args, result = extract_args(problem)
    problem_, d, model, raw = args[:4]
    funded = result.projects["funded"].to_numpy(dtype=bool)
    parts = prepare_result(problem_, d, model)
    best, texts, need, main_mission = _why_not_row_at_a_time(problem_, d, model, raw, funded,
                                                             parts)
    assert funded.all() or any(t.startswith("its best use") for t in texts)
    for made in (parts, prepare_result(problem_, d, model, ahead=False)):
        got_best, got_texts, got_need = _why_not(problem_, d, model, raw, funded, made)
        np.testing.assert_array_equal(got_best, best)
        assert list(got_texts) == texts
        for key, values in need.items():
            np.testing.assert_array_equal(got_need[key], np.array(values))
        assert list(got_need["main_mission"]) == main_mission
    assert result.projects["why_not"].tolist() == texts


def test_why_not_without_duals_says_not_funded() -> None:
    args, _ = extract_args(hand_problem())
    problem, d, model, raw = args[:4]
    funded = np.arange(len(d.project_ids)) % 2 == 0
    no_duals = dataclasses.replace(raw, row_dual=np.full(model.n_rows, np.nan))
    best, texts, need = _why_not(problem, d, model, no_duals, funded,
                                 prepare_result(problem, d, model))
    assert np.isnan(best).all()
    assert list(texts) == ["" if f else "not funded" for f in funded]
    assert list(need["main_mission"]) == [""] * len(funded)
    assert np.isnan(need["weight_needed"]).all()
