"""The report's "Missions on track?" tables, from a run's milestone trajectories.

:func:`outcome_tables` returns, when the run has outcome data, the tables
``Missions on track`` (per milestone at its deadline: projected against target, the gap in
words, the shadow price of its row in words, and the probability of meeting it when
simulated), ``Outcomes`` (outcomes.csv rows), ``Outcome sources`` (baseline, BAU and link
sources, and the milestones shown without yields and why), and — when the scenario gives
uncertain inputs — ``Uncertain inputs`` and ``Sensitivity`` (the tornado's data).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from missionfinance.report.tables import ReportTable


def outcome_tables(run: Any) -> dict[str, ReportTable]:
    """The outcome tables of ``run`` by key (empty without outcome data)."""
    traj = getattr(run, "outcomes", None)
    options = getattr(getattr(run, "scenario", None), "outcomes", None)
    if traj is None or options is None:
        return {}
    RT = ReportTable
    gaps = traj.gaps.copy()
    cols = ["milestone", "mission", "deadline", "unit", "baseline", "bau", "projected",
            "target", "gap", "on_track"]
    if "probability" in gaps.columns:
        cols.append("probability")
    cols += ["words", "shadow_price_words", "margin_rate", "more_public"]
    gaps = gaps[[c for c in cols if c in gaps.columns]]
    sources = []
    for m in options.data.milestones:
        if m.tracked:
            sources.append({"milestone": m.id, "projected": "yes",
                            "baseline": f"{m.baseline:,.6g} ({m.baseline_year})",
                            "baseline_source": m.baseline_source, "bau_source": m.bau_source,
                            "link": f"{m.link:.6g} {m.unit} per {m.link_unit}",
                            "link_source": m.link_source, "geography": m.geography,
                            "note": m.note})
        else:
            sources.append({"milestone": m.id, "projected": "no", "baseline": "",
                            "baseline_source": "", "bau_source": "", "link": "",
                            "link_source": "", "geography": "",
                            "note": m.untracked_reason})
    tables = {
        "Missions on track": RT(
            "Missions on track", "Missions on track?", gaps,
            "Each milestone at its deadline, in its own unit: business as usual (BAU), the "
            "path with this allocation, the target, and the gap (positive = short). "
            "more_public is the £m of further public cash in the best-yielding projects with "
            "room that would close the gap at the margin.",
            money=("more_public",), shares=("probability",),
            html_columns=("milestone", "deadline", "unit", "bau", "projected", "target",
                          "gap", "probability", "words", "shadow_price_words"),
            labels={"words": "in words", "shadow_price_words": "shadow price",
                    "probability": "probability of meeting it"}),
        "Outcomes": RT(
            "Outcomes", "Milestone trajectories (outcomes.csv)", traj.frame,
            "Per milestone and year: the latest official figure (baseline, on its own year), "
            "business as usual, the path with this allocation, the target path, and the "
            "10th/90th percentiles of the path when simulated.", html_rows=0),
        "Outcome sources": RT(
            "Outcome sources", "Where the outcome data come from", pd.DataFrame(sources),
            "The official source of every baseline and BAU path, the linear link from the "
            "units projects deliver to the milestone's unit, and the milestones shown "
            "without a projection and why."),
    }
    unc = options.uncertainty
    if unc is not None and not unc.empty:
        from missionfinance.outcomes.uncertainty import inputs_table

        tables["Uncertain inputs"] = RT(
            "Uncertain inputs", "What we do not know: uncertain inputs", inputs_table(unc),
            "Each uncertain input as a factor on the value given (1 = as given), its "
            "distribution, its 10–90% range and its source.")
    sens = getattr(traj, "sensitivity", None)
    if sens is not None and len(sens):
        tables["Sensitivity"] = RT(
            "Sensitivity", "Which inputs move the answer most", sens,
            "Each milestone's outcome at its deadline with one uncertain input at its 10th "
            "and at its 90th percentile and the others as given, widest swing first.",
            html_rows=0)
    return tables
