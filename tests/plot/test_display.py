"""Rich display in JupyterLab: every object a notebook shows has a one-line ``__repr__``
and a compact ``_repr_html_`` (a summary table, the status and the warnings, never a wall
of text)."""

from __future__ import annotations

from typing import Any

from missionfinance.missions import MissionSet
from missionfinance.scenario import Scenario
from missionfinance.sweep import apply_changes

#: Most characters of HTML a summary may take (the built-in mission catalogue takes ~1,100).
HTML_LIMIT = 6000


def _check(obj: Any, *must: str) -> str:
    text = repr(obj)
    assert "\n" not in text and len(text) < 200, text
    html = obj._repr_html_()
    assert len(html) < HTML_LIMIT, f"{type(obj).__name__} HTML is {len(html):,} characters"
    for word in must:
        assert word in html, word
    return html


def test_mission_set() -> None:
    _check(MissionSet.load("builtin:uk"), "growth", "health", "milestones")


def test_scenario_shows_control_totals_and_exposure(small_run: Any) -> None:
    html = _check(small_run.scenario, "Small test", "CDEL", "exposure (stock)", "2027-28")
    assert "Unconstrained controls" in html


def test_run_result_shows_status_binding_limits_and_tagging(small_run: Any) -> None:
    html = _check(small_run, "optimal", "Binding limits", "Baseline:", "Pipeline tagging:")
    assert html.count("binding:") <= 3


def test_allocation_and_tagging_results(small_run: Any) -> None:
    _check(small_run.allocation, "optimal", "public_total")
    _check(small_run.baseline, "TaggingResult", "not assessed")
    _check(small_run.pipeline_tags, "TaggingResult")


def test_infeasible_run_points_at_the_conflict(small_run: Any) -> None:
    sc = small_run.scenario
    config, _ = apply_changes(sc.config, [("constraints", "=",
                                           {"mission_floor": {"health": 1e6}})])
    run = Scenario.from_dict(config, sc.path).run()
    assert run.status == "infeasible"
    _check(run, "infeasible", "constraints in conflict", ".conflict")


def test_sweep_result_lists_failed_variants(small_run: Any) -> None:
    sweep = small_run.scenario.sweep(vary={"budget.CDEL.2026-27": [-5.0, 50.0]}, workers=1)
    html = _check(sweep, "2 variants", "1 optimal", "1 error", "did not solve",
                  "must be ≥ 0")
    assert "nan" not in html


def test_rule_set_is_compact(small_run: Any) -> None:
    _check(small_run.scenario.load_rules(), "RuleSet")
