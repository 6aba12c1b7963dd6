"""Assemble the report of a run: headline figures, tables, plain words and provenance.

:func:`build_report` gathers everything the HTML and XLSX renderers show into one
:class:`Report`, so both files always carry the same numbers. Headline figures are read
from summary.json's content, never recomputed, so the report and summary.json agree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from missionfinance import fiscal as fs
from missionfinance import views as v
from missionfinance.cashflows import CashflowResult
from missionfinance.missions import MissionSet
from missionfinance.model import AllocationResult
from missionfinance.report.manifest import (
    file_record,
    input_records,
    solver_record,
)
from missionfinance.report.outcomes import outcome_tables
from missionfinance.report.prepared import STATIC_KEYS, PreparedOutputs, static_tables
from missionfinance.report.tables import HEADLINE_ROWS, ReportTable, economics_notes

if TYPE_CHECKING:  # the scenario stage composes this one; its types are named, not imported
    from missionfinance.scenario import RunResult


@dataclass(frozen=True)
class HeadlineRow:
    """One headline figure: its summary.json ``key``, label, unit and value."""

    key: str
    label: str
    unit: str
    value: Any


@dataclass(frozen=True)
class Report:
    """Everything the report shows, renderer-independent.

    Attributes
    ----------
    title, scenario, status, message : str
        Scenario name, solver status (``"optimal"``…) and the model's message.
    summary : dict
        Content of summary.json.
    headline : list of HeadlineRow
        The headline table (values taken from ``summary``).
    tables : dict of str to ReportTable
        Every table, by key, in reading order.
    binding : list of str
        Plain-words sentences about the binding constraints.
    economics : list of str
        How money is counted, and the run's sanity warnings (assumptions section).
    mission_colours : dict
        Mission id → colour, shared by every chart.
    provenance : dict
        Scenario and input hashes, package versions, solver.
    """

    title: str
    scenario: str
    status: str
    message: str
    summary: Mapping[str, Any]
    headline: list[HeadlineRow]
    tables: dict[str, ReportTable]
    binding: list[str]
    mission_colours: dict[str, str] = field(default_factory=dict)
    provenance: Mapping[str, Any] = field(default_factory=dict)
    economics: list[str] = field(default_factory=list)


def _mission_set(run: RunResult) -> MissionSet | None:
    for holder in (getattr(run, "pipeline_tags", None), run.scenario, getattr(run, "baseline", None)):
        for name in ("missions", "mission_set"):
            value = getattr(holder, name, None)
            if value is not None and hasattr(value, "ids"):
                return value
    return None


def mission_colours(run: RunResult) -> dict[str, str]:
    """Mission id → colour of every chart of the report (none without a mission set)."""
    missions = _mission_set(run)
    return dict(missions.colours) if missions is not None else {}


def _pipeline_rows(run: RunResult, alloc: pd.DataFrame) -> np.ndarray:
    """Each allocation row's project in the pipeline (its first row; -1 where none)."""
    pipe = run.pipeline
    if pipe is None:
        return np.full(len(alloc), -1)
    ids = pipe["project_id"].astype(str)
    first = np.flatnonzero(~ids.duplicated().to_numpy())
    where = pd.Index(ids.to_numpy()[first]).get_indexer(alloc["project_id"])
    return np.where(where >= 0, first[np.maximum(where, 0)], -1) if len(first) else where


def _mapped(run: RunResult, alloc: pd.DataFrame, column: str, rows: np.ndarray) -> pd.Series:
    """The pipeline's ``column`` of each allocation row's project, "(not given)" where none.

    ``rows`` are the projects' pipeline rows (:func:`_pipeline_rows`).
    """
    pipe = run.pipeline
    if pipe is None or column not in pipe.columns:
        return pd.Series("unknown", index=alloc.index, dtype="str")
    values = pipe[column].fillna("").astype(str).to_numpy(dtype=object)
    out = values[np.maximum(rows, 0)] if len(values) else np.full(len(rows), "", dtype=object)
    out[(rows < 0) | (out == "")] = "(not given)"
    return pd.Series(out, index=alloc.index, dtype="str", name=alloc["project_id"].name)


def _contingent(run: RunResult, alloc: pd.DataFrame) -> tuple[str, ...]:
    """The allocated instruments that are contingent exposure (guarantees), sorted."""
    names = sorted(set(alloc["instrument"].astype(str).unique().tolist())) \
        if "instrument" in alloc else []
    return tuple(k for k, inst in sorted(v.instruments_of(run, names).items())
                 if inst.contingent)


def _flow(run: RunResult) -> pd.DataFrame:
    """The (budget line, mission, instrument) links of the money flow, or none when unsolved."""
    columns = ["budget", "mission", "instrument", "public", "private", "additional_private"]
    result = run.allocation
    if getattr(getattr(result, "status", None), "value", "") != "optimal" or len(result.allocation) == 0:
        return pd.DataFrame({c: pd.Series(dtype="str" if c in columns[:3] else "float64") for c in columns})
    frame = v.flow_frame(run)[columns]
    return frame.sort_values(columns[:3], kind="stable").reset_index(drop=True)


#: The report tables its charts of the money are drawn from (report.html), in drawing order.
CHART_TABLES: tuple[str, ...] = ("Flow", "Budget", "Exposure and risk", "By mission", "By year",
                                 "Money out and back", "By department", "By region")


def report_static(run: RunResult, prepared: PreparedOutputs | None = None) -> dict[str, Any]:
    """The report's allocation-free tables: ``prepared``'s when made from this run, else new.

    A copy each time (:meth:`PreparedOutputs.tables_copy`): a renderer that changes a
    frame changes its own.
    """
    static = prepared.tables_copy() if prepared is not None and prepared.fits(run) else {}
    if not STATIC_KEYS <= static.keys():  # not made in advance, or made by another version
        static = static_tables(run)
    return static


@dataclass(frozen=True)
class MoneyViews:
    """The views of the money the report's charts are drawn from, made before the rest.

    :func:`missionfinance.report.render_outputs` makes these first and has the charts
    drawn from them in a worker while this process builds the rest of the report, which
    takes the very same frames (:func:`build_report`'s ``views``).

    Attributes
    ----------
    budget, exposure, split, by_mission, by_year, by_department, by_region, flow, money :
    pd.DataFrame
        The frames of the tables of :data:`CHART_TABLES` (and ``split``, the allocation's
        money split into cash and guarantees that the by-group tables sum).
    colours : dict of str to str
        Mission id → colour (:func:`mission_colours`).
    contingent : tuple of str
        The allocated instruments that are contingent exposure (guarantees), sorted.
    """

    budget: pd.DataFrame
    exposure: pd.DataFrame
    split: pd.DataFrame
    by_mission: pd.DataFrame
    by_year: pd.DataFrame
    by_department: pd.DataFrame
    by_region: pd.DataFrame
    flow: pd.DataFrame
    money: pd.DataFrame
    colours: dict[str, str]
    contingent: tuple[str, ...]

    def chart_frames(self) -> dict[str, pd.DataFrame]:
        """The frames of :data:`CHART_TABLES`, by table key."""
        return dict(zip(CHART_TABLES, (self.flow, self.budget, self.exposure, self.by_mission,
                                       self.by_year, self.money, self.by_department,
                                       self.by_region), strict=True))


def money_views(run: RunResult, alloc: pd.DataFrame, cashflows: CashflowResult,
                static: Mapping[str, Any]) -> MoneyViews:
    """The :class:`MoneyViews` of ``run`` (``static``: :func:`report_static`)."""
    missions = _mission_set(run)
    mission_ids = list(missions.ids) if missions is not None else []
    years = v.years_of(run, alloc)
    split = v.cash_split(run, alloc)
    rows = _pipeline_rows(run, alloc)
    contingent = _contingent(run, alloc)
    return MoneyViews(
        budget=v.budget_use(run, alloc),
        exposure=v.exposure_and_risk(run, alloc, static["loss_rates"]),
        split=split,
        by_mission=v.by_mission(run, split, mission_ids),
        by_year=v.instrument_by_year(alloc, years, contingent),
        by_department=v.by_group(split, "department", _mapped(run, alloc, "department", rows)),
        by_region=v.by_group(split, "region", _mapped(run, alloc, "region", rows)),
        flow=_flow(run),
        money=fs.money_out_and_back(cashflows),
        colours=mission_colours(run),
        contingent=contingent,
    )


def build_report(run: RunResult, alloc: pd.DataFrame, summary: Mapping[str, Any], base: Path,
                 cashflows: CashflowResult | None = None,
                 prepared: PreparedOutputs | None = None,
                 fiscal: pd.DataFrame | None = None,
                 views: MoneyViews | None = None,
                 static: Mapping[str, Any] | None = None) -> Report:
    """The :class:`Report` of ``run``.

    Parameters
    ----------
    run : RunResult
        The run (docs/CONTRACTS.md).
    alloc : pd.DataFrame
        allocation.csv rows (:func:`missionfinance.views.allocation_frame`).
    summary : mapping
        Content of summary.json.
    base : Path
        Folder that provenance paths are relative to (parent of the output folder).
    cashflows : CashflowResult, optional
        The allocation's cash flows (computed when not given).
    prepared : PreparedOutputs, optional
        The allocation-free tables made in advance (:mod:`missionfinance.report.prepared`);
        used only when made from this run's inputs, else made here.
    fiscal : pd.DataFrame, optional
        fiscal.csv rows, :func:`missionfinance.fiscal.fiscal_effects` of ``cashflows``
        (computed when not given).
    views : MoneyViews, optional
        :func:`money_views` of this run, ``cashflows`` and the static tables, when made
        already (computed when not given).
    static : mapping, optional
        :func:`report_static` of this run and ``prepared``, when made already.
    """
    result = run.allocation
    missions = _mission_set(run)
    mission_ids = list(missions.ids) if missions is not None else []
    if cashflows is None:
        cashflows = fs.allocation_cashflows(run, alloc)
    if static is None:
        static = report_static(run, prepared)
    if views is None:
        views = money_views(run, alloc, cashflows, static)
    colours = views.colours
    head_rows = [HeadlineRow(k, label, unit, summary.get(k)) for k, label, unit in HEADLINE_ROWS
                 if k in summary]
    rules = getattr(run.scenario, "model_options", None) or {}
    notes = economics_notes(summary, financing_plan=bool(rules.get("financing_plan")),
                            even_drawdown=bool(rules.get("even_drawdown")))
    budget, exposure, split = views.budget, views.exposure, views.split
    by_mission, by_year, flow = views.by_mission, views.by_year, views.flow
    by_department, by_region = views.by_department, views.by_region
    by_instrument = v.by_group(split, "instrument")
    contingent = views.contingent
    conflict = _conflict(result)
    constraints, families = v.constraint_tables(result)
    binding_rows = constraints[constraints["binding"].astype(bool)]
    binding_names = binding_rows["constraint"].astype(str).tolist()
    weights = static["contributions"]
    projects = v.projects_table(run, alloc, binding_names, static["project_columns"])
    closest = v.closest_unfunded(run, projects)
    alignment, alignment_missions = static["alignment"], static["alignment_missions"]
    by_year_source = static["baseline_by_year"]
    coverage = static["coverage"]
    assumptions = v.assumptions(run, alloc)
    assumptions_log = static["assumptions_log"]
    qa_log = v.qa_log(run)
    limitations = static["limitations"]
    if fiscal is None:
        fiscal = fs.fiscal_effects(cashflows)
    fiscal_totals = fs.fiscal_summary(
        fiscal, (getattr(run.scenario, "model_options", None) or {}).get("fiscal_caps"))
    fiscal_by_instrument = fiscal.pivot_table(
        index=["year", "measure"], columns="instrument", values="value", aggfunc="sum",
        fill_value=0.0).reset_index() if not fiscal.empty else fiscal
    if not fiscal.empty:
        fiscal_by_instrument.columns.name = None
    money = views.money
    costs = fs.cost_by_instrument(cashflows, getattr(run.scenario, "discount_rate", None))
    project_costs = fs.cost_by_project(cashflows, getattr(run.scenario, "discount_rate", None))
    risk_reward = v.risk_and_reward(run, alloc, project_costs, static["loss_rates"])
    risk_reward_missions = v.risk_and_reward_by_mission(run, risk_reward, mission_ids, weights)
    treatments = static["treatments"]
    recycling = (getattr(run.scenario, "model_options", None) or {}).get("recycling")
    recycled = fs.recycled_headroom(
        cashflows, recycling.control, list(run.scenario.years),
        (getattr(run.scenario, "budget", None) or {}).get(recycling.control, {})) \
        if recycling is not None else fs.recycled_headroom(cashflows, "", [], {})
    scenario_path = getattr(run.scenario, "path", None)
    provenance = {
        "scenario": {"name": str(getattr(run.scenario, "name", "")),
                     **(file_record(scenario_path, base) if scenario_path is not None
                        else {"path": None, "sha256": None, "bytes": None})},
        "inputs": input_records(getattr(run, "input_files", None), base),
        "packages": static["packages"],
        "solver": solver_record(getattr(result, "solver", None)),
    }
    provenance_rows = _provenance_frame(provenance)
    headline_frame = pd.DataFrame({
        "key": pd.Series([h.key for h in head_rows], dtype="str"),
        "figure": pd.Series([h.label for h in head_rows], dtype="str"),
        "unit": pd.Series([h.unit for h in head_rows], dtype="str"),
        "value": pd.Series([_number(h.value) for h in head_rows], dtype="float64"),
    })
    unbudgeted = sorted(set(budget.loc[budget["limit"].isna(), "control"]))
    budget_note = "Budget used by the allocation in each control total and year, against its limit."
    if unbudgeted:
        budget_note += (" No limit is given for " + ", ".join(unbudgeted)
                        + " in some or all years: those controls are unconstrained there.")
    RT = ReportTable
    tables = {
        "Headline": RT("Headline", "Headline figures", headline_frame,
                       "The figures of summary.json."),
        "Budget": RT("Budget", "Budget scored per control and year", budget, budget_note,
                     money=("used", "limit", "headroom"), shares=("share_used",)),
        "Exposure and risk": RT(
            "Exposure and risk", "Guarantee exposure and risk", exposure,
            "Guarantees issued each year, the outstanding exposure at each year end against "
            "its limit, and the expected loss (probability of default × loss given default) "
            "on loans, equity and guarantees.",
            money=("new_exposure", "exposure_stock", "exposure_limit", "headroom",
                   "expected_loss")),
        "By mission": RT("By mission", "Allocation by mission", by_mission,
                         "Public cash, guarantees (face value, contingent: never added to "
                         "cash) and private investment attributed to each mission by the "
                         "projects' tag weights.",
                         money=("public", "guarantee", "private", "additional_private"),
                         shares=("share_of_public",)),
        "By instrument": RT("By instrument", "Allocation by instrument", by_instrument,
                            "Public cash committed (grants, loans, equity), guarantees issued "
                            "(face value) and private investment mobilised by each instrument.",
                            money=("public", "guarantee", "private"),
                            shares=("share_of_public",)),
        "By year": RT("By year", "Public finance by year and instrument", by_year,
                      "Public cash committed in each financial year by instrument (grants, "
                      "loans, equity) and its total; guarantees issued that year are shown "
                      "apart at face value (contingent exposure, not cash) and are not in "
                      "the total.",
                      money=tuple(c for c in by_year.columns if c != "year"),
                      labels={"public_cash": "public cash total",
                              **{c: f"{c} face value (not cash)"
                                 for c in contingent if c in by_year.columns}}),
        "By department": RT("By department", "Allocation by department", by_department,
                            "Money by the projects' owning department.",
                            money=("public", "guarantee", "private"), shares=("share_of_public",),
                            html_rows=25),
        "By region": RT("By region", "Allocation by region", by_region,
                        "Money by the projects' region.", money=("public", "guarantee", "private"),
                        shares=("share_of_public",), html_rows=25),
        "Flow": RT("Flow", "From budget to private money", flow,
                   "Public money from the budget line that funds it, to the mission it is "
                   "attributed to, to the instrument, and the private money it brings in "
                   "(additional and in total). For a guarantee (budget line 'contingent "
                   "liability') the public column is its face value: exposure, not cash.",
                   money=("public", "private", "additional_private"),
                   labels={"public": "public cash or guarantee face value"}),
        "Conflict": RT("Conflict", "Constraints in conflict (infeasible scenario)", conflict,
                       "The smallest set of limits that cannot all hold together (the solver's "
                       "irreducible infeasible set), in the scenario's words. Empty when the "
                       "scenario is feasible.", html_rows=60,
                       html_columns=("key", "value", "family", "explanation")),
        "Fiscal impact": RT(
            "Fiscal impact", "Fiscal impact per year", fiscal_totals,
            "The allocation's effect on public sector net borrowing (PSNB) and the current "
            "deficit in each year, and on public sector net debt (PSND) and net financial "
            "liabilities (PSNFL) at each year end, projected over the instruments' lives; "
            "positive raises borrowing or debt (fiscal.csv), with the scenario's caps "
            "([fiscal.<measure>]) where it sets any.",
            money=tuple(c for c in fiscal_totals.columns if c != "year"), html_rows=40),
        "Fiscal by instrument": RT(
            "Fiscal by instrument", "Fiscal impact by measure and instrument",
            fiscal_by_instrument, "Each measure of the table above split by instrument.",
            money=tuple(c for c in fiscal_by_instrument.columns if c not in ("year", "measure")),
            html_rows=0),
        "Money out and back": RT(
            "Money out and back", "Public money out and back by year and instrument", money,
            "Cash the Exchequer pays out (commitments, guarantee calls) and expects back "
            "(repayments, interest, dividends, exits, fees, net of expected losses), "
            "undiscounted (cashflows.csv).",
            money=("money_out", "money_back", "net"), html_rows=40),
        "Economic cost": RT(
            "Economic cost", "Money out, money back and economic cost by instrument", costs,
            "Undiscounted totals over the instruments' lives, and the net cost discounted to "
            "the first year (Green Book 3.5% real unless the scenario sets discount_rate); "
            "negative = a net return.",
            money=("money_out", "money_back", "net", "economic_cost")),
        "Project cash flows": RT(
            "Project cash flows", "Money out, money back and net cost by project",
            project_costs, "Per funded project: public cash committed, money expected back "
            "(repayments, interest, dividends, exits, fees), the expected losses the public "
            "purse bears (loan and equity losses, guarantee calls), the undiscounted net and "
            "the economic cost (present value); largest cost first.",
            money=("money_out", "money_back", "expected_losses", "net", "economic_cost"),
            html_rows=15),
        "Risk and reward": RT(
            "Risk and reward", "Risk and reward sharing by project", risk_reward,
            "Per funded project: public cash out, money expected back (repayments, interest, "
            "dividends, exits, fees and the public share of upside: profit or revenue shares "
            "and clawbacks), the expected losses the public purse bears, the undiscounted net "
            "cost (out + losses − back; negative = a net return), the economic cost (present "
            "value), the expected loss on the private money crowded in (pd × lgd × private) and "
            "the public share of all expected losses: who bears the downside.",
            money=("money_out", "money_back", "public_losses", "net_cost", "economic_cost",
                   "private_losses"), shares=("public_share_of_losses",), html_rows=15),
        "Risk and reward by mission": RT(
            "Risk and reward by mission", "Risk and reward sharing by mission",
            risk_reward_missions,
            "The table above attributed to each mission by the projects' mission weights, as "
            "public money is in 'By mission'; the public share of losses is the mission's own.",
            money=("money_out", "money_back", "public_losses", "net_cost", "economic_cost",
                   "private_losses"), shares=("public_share_of_losses",)),
        "Recycled headroom": RT(
            "Recycled headroom", "Receipts recycled into later years' budgets", recycled,
            "With recycling on, receipts of earlier commitments (repayments, interest, "
            "dividends, exits and fees, net of expected losses) add to the named control's "
            "headroom in the year they arrive. Empty when recycling is off.",
            money=("limit", "recycled", "available")),
        "Limits by family": RT(
            "Limits by family", "Binding limits by family", families,
            "How many limits of each family there are and how many bind. Shared limits are "
            "listed one by one below; per-project limits (a project's capacity, the private "
            "money it can crowd in) and model helper rows are only counted here — every row "
            "is in constraints.csv.", shares=("share_binding",)),
        "Constraints": RT("Constraints", "Constraints and shadow prices", constraints,
                          "The model's shared limits (budget, exposure, mission and regional "
                          "targets, risk), binding ones first by shadow price, with what the "
                          "shadow price means.", html_rows=40,
                          html_columns=("constraint", "family", "slack", "binding", "dual",
                                        "meaning"),
                          money=("lhs", "lower", "upper", "rhs", "slack"),
                          labels={"dual": "shadow price"}),
        "Closest unfunded": RT(
            "Closest unfunded", "Who lost out: the unfunded projects closest to funding",
            closest,
            "The unfunded projects whose best use loses least at today's shadow prices "
            "(best gain: mission value lost per £1m, closest to zero first), with their "
            "switching values: the mission value per £, the leverage (£ private per £ "
            "public) or the weight of the main mission at which each would be funded.",
            money=("capacity",),
            html_columns=("project_id", "name", "department", "missions", "capacity",
                          "best_gain", "value_per_pound", "value_needed", "leverage_needed",
                          "main_mission", "weight_needed"),
            labels={"best_gain": "best gain per £1m", "value_per_pound": "value per £",
                    "value_needed": "value per £ needed",
                    "leverage_needed": "leverage needed", "weight_needed": "weight needed",
                    "why_not": "why not funded"}),
        "Projects": RT("Projects", "Projects funded and not funded", projects,
                       "Every project of the pipeline, funded ones first, and why a project "
                       "received nothing. Each project's money by instrument and year is in "
                       "allocation.csv.", money=("capacity", "public", "private"),
                       html_rows=60,
                       html_columns=("project_id", "name", "department", "region", "missions",
                                     "capacity", "public", "private", "funded", "why_not"),
                       labels={"why_not": "why not funded"}),
        "Baseline by year": RT(
            "Baseline by year", "Baseline spending by source and year", by_year_source,
            "£m of the spending lines of each source (spending review tables, procurement "
            "contracts) in each financial year, by how their tags align with the missions. "
            "Years and sources are kept apart: adding them up would count a multi-year "
            "budget several times.",
            money=("favourable", "unfavourable", "mixed", "neutral", "not_assessed", "total")),
        "Baseline alignment": RT(
            "Baseline alignment", "Baseline alignment of the spending lines", alignment,
            "Spending lines by how their tags align with the missions; 'not assessed' lines "
            "matched no tagging rule. All years and sources added together (see Baseline "
            "by year).", money=("amount",), shares=("share_of_amount",)),
        "Baseline by mission": RT(
            "Baseline by mission", "Baseline spending for and against each mission",
            alignment_missions, "£m of the spending lines attributed to each mission, "
            "working for it (favourable) and against it (unfavourable, shown as a positive "
            "amount), all years and sources added; enabling: running costs of bodies that "
            "serve it, reported apart and not counted as aligned.",
            money=("favourable", "unfavourable", "enabling")),
        "Tag coverage": RT("Tag coverage", "Tag coverage of the spending lines", coverage,
                           "Tagged amount over total amount, by source, by department and by "
                           "buyer (the body that placed a procurement contract, kept apart "
                           "from departments), all years added. Unfavourable amounts are "
                           "shown positive: £m working against a mission.",
                           html_rows=40,
                           money=("amount", "favourable", "unfavourable", "mixed", "neutral",
                                  "not_assessed", "enabling", "attributed_favourable",
                                  "attributed_unfavourable", "attributed_enabling", "tagged",
                                  "total"),
                           shares=("assessed_share", "coverage"),
                           html_columns=("dimension", "group", "label", "source",
                                         "department", "lines", "amount", "favourable",
                                         "unfavourable", "enabling", "not_assessed",
                                         "assessed_share", "coverage")),
        "Assumptions": RT("Assumptions", "Assumptions: instruments and their sources",
                          assumptions, "How each instrument scores against the budget "
                          "controls, what it costs the Exchequer, and where that treatment "
                          "comes from. " + " ".join(notes)),
        "Fiscal treatments": RT(
            "Fiscal treatments", "Assumptions: cash-flow terms and fiscal treatments",
            treatments, "Each instrument's cash-flow terms and how the national accounts "
            "score it in PSNB, the current budget, PSND and PSNFL, with sources."),
        "Assumptions log": RT(
            "Assumptions log", "Assumptions log", assumptions_log,
            "Every number and setting of the scenario that drives the answer, and the "
            "pipeline's parameters (mean, lowest and highest over the projects that give "
            "them), with unit, source and quality. The source comes from the scenario's "
            "[sources] table, a source key of the table, the instrument's source, or else "
            "the file the number is read from. Quality is the analyst's RAG rating (green, "
            "amber, red), set in [sources]; \"not rated\" where none is given.",
            labels={"figure": "value", "lowest": "lowest", "highest": "highest"}),
        "QA log": RT(
            "QA log", "QA log", qa_log,
            "What was checked, with this run's own figures: how to reproduce it, the "
            "run's sanity warnings, the tagging rules' precision and recall measured on a "
            "hand-labelled frozen holdout (as shipped with the package), the solver's "
            "status and settings, and who signed it off (blank: to be filled in).",
            shares=("figure",), labels={"figure": "measured"}),
        "Known limitations": RT(
            "Known limitations", "Known limitations", limitations,
            "The model's documented simplifications (docs/model.md, Known limitations)."),
        **outcome_tables(run),
        "Provenance": RT("Provenance", "Provenance", provenance_rows,
                         "Where every number comes from: the scenario and input files with "
                         "their SHA-256, the package versions and the solver settings."),
    }
    return Report(
        title=f"Allocation report: {summary.get('scenario', '')}",
        scenario=str(summary.get("scenario", "")),
        status=str(summary.get("status", "")),
        message=str(summary.get("message", "")),
        summary=summary,
        headline=head_rows,
        tables=tables,
        binding=_binding_sentences(binding_rows["meaning"].astype(str).tolist(),
                                   _folded_families(families)),
        mission_colours=colours,
        provenance=provenance,
        economics=notes,
    )


#: Most binding constraints described in words in the HTML report (all are in the table).
BINDING_SENTENCES = 12


def _sentence(text: str) -> str:
    """``"binding: £1m more …"`` → ``"£1m more …"``: the list already says they bind."""
    text = text.strip()
    if text.lower().startswith("binding:"):
        text = text[len("binding:"):].strip()
    return text[:1].upper() + text[1:]


def _folded_families(families: pd.DataFrame) -> list[str]:
    """One sentence per per-project or helper family with binding rows (counts, not rows)."""
    out = []
    for row in families.itertuples(index=False):
        if row.kind == "shared" or not row.binding:
            continue
        what = ("model helper rows" if row.kind == "helper" else "per-project limits")
        out.append(f"{row.binding:,} of {row.rows:,} {what} of family {row.family} bind "
                   "(each is in constraints.csv with its shadow price).")
    return out


def _binding_sentences(meanings: list[str], folded: Sequence[str] = ()) -> list[str]:
    """Sentences about the binding limits.

    The first :data:`BINDING_SENTENCES` distinct sentences about shared limits, how many
    more there are, then the per-project families folded into counts.
    """
    meanings = [_sentence(m) for m in meanings]
    unique = list(dict.fromkeys(m for m in meanings if m))
    if len(unique) > BINDING_SENTENCES:
        rest = len(meanings) - sum(meanings.count(m) for m in unique[:BINDING_SENTENCES])
        unique = [*unique[:BINDING_SENTENCES],
                  f"… and {rest:,} more binding shared limits, listed in the table below and "
                  "in constraints.csv."]
    return [*unique, *folded]


def _conflict(result: AllocationResult) -> pd.DataFrame:
    frame = getattr(result, "conflict", None)
    if frame is None or len(frame) == 0:
        return pd.DataFrame({"name": pd.Series([], dtype="str"),
                             "explanation": pd.Series([], dtype="str")})
    out = frame.reset_index(drop=True).copy()
    return out.drop(columns=[c for c in out.columns if v.is_empty_column(out[c])
                             and c not in ("name", "explanation")])


def _number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


def _provenance_frame(provenance: Mapping[str, Any]) -> pd.DataFrame:
    rows: list[tuple[str, str, str]] = []
    scenario = provenance["scenario"]
    rows.append(("scenario", "name", str(scenario.get("name", ""))))
    rows.append(("scenario", "path", str(scenario.get("path", ""))))
    rows.append(("scenario", "sha256", str(scenario.get("sha256", ""))))
    for rec in provenance["inputs"]:
        rows.append((f"input: {rec['role']}", str(rec["path"]), str(rec["sha256"] or "")))
    for name, version in provenance["packages"].items():
        rows.append(("package", name, str(version)))
    for key, value in _flatten(provenance["solver"]):
        rows.append(("solver", key, value))
    return pd.DataFrame(rows, columns=["what", "item", "value"]).astype("str")


def _flatten(data: Mapping[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.extend(_flatten(value, name + "."))
        else:
            out.append((name, str(value)))
    return out
