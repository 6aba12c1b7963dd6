"""Running a scenario: tag the pipeline and the baseline, solve the allocation.

:func:`run` is what :meth:`Scenario.run` does; :func:`tag_pipeline` is the one place the
pipeline is tagged (a run and every sweep variant use it). The :class:`RunResult` it
returns is the typed boundary between the stages and the report: every later stage
(:mod:`missionfinance.views`, :mod:`missionfinance.plot`, :mod:`missionfinance.report`)
reads a run through it, naming its type without importing this module, which sits above
them and composes them.
"""

from __future__ import annotations

import html
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from missionfinance.errors import MissionFinanceWarning
from missionfinance.model import AllocationResult, solve
from missionfinance.model.result import import_dataset_support
from missionfinance.tagging import RuleSet, TaggingResult, tag
from missionfinance.tagging.result import unmatched_overrides_text

if TYPE_CHECKING:  # the scenario is read by config.py, which imports this module
    from missionfinance.outcomes.trajectory import Trajectories
    from missionfinance.report.prepared import PreparedOutputs
    from missionfinance.scenario.config import Scenario


@dataclass
class RunResult:
    """Everything a scenario run produced.

    Attributes
    ----------
    scenario : Scenario
    pipeline : DataFrame
        The validated pipeline (DESIGN §3.2).
    pipeline_tags : TaggingResult
        The pipeline tagged with the scenario's rules (gives the mission contributions).
    baseline : TaggingResult or None
        The baseline spending lines tagged (``inputs.lines``), if any.
    allocation : AllocationResult
        The solved allocation.
    input_files : dict
        Role → input file paths, for the manifest.
    outcomes : Trajectories or None
        Milestone trajectories (when the scenario has an ``[outcomes]`` table;
        :mod:`missionfinance.outcomes`).
    prepared : PreparedOutputs or None
        The parts of the output files that do not depend on the allocation, made while
        HiGHS solved (:mod:`missionfinance.report.prepared`); writing the outputs uses
        them only while the run still holds the inputs they were made from. A run whose
        scenario, pipeline or tags are changed in place rather than replaced should drop
        them (``dataclasses.replace(run, prepared=None)``).
    """

    scenario: Scenario
    pipeline: pd.DataFrame
    pipeline_tags: TaggingResult
    baseline: TaggingResult | None
    allocation: AllocationResult
    input_files: dict[str, list[Path]]
    outcomes: Trajectories | None = None
    prepared: PreparedOutputs | None = field(default=None, repr=False, compare=False)

    @property
    def status(self) -> str:
        """The solver outcome: ``optimal``, ``infeasible``, ``unbounded``, ``time_limit`` or ``error``."""
        return str(self.allocation.status.value)

    def write(self, out_dir: str | Path) -> Path:
        """Write every output file of DESIGN §5 into ``out_dir`` (atomically)."""
        from missionfinance.report import write_outputs

        return write_outputs(self, Path(out_dir))

    def __repr__(self) -> str:
        return f"RunResult({self.scenario.name!r}, status={self.status!r})"

    def _repr_html_(self) -> str:
        """The allocation (summary, binding limits or conflict), then the tagging."""
        body = self.allocation._repr_html_()
        notes: list[str] = []
        for label, tags in (("Pipeline tagging", self.pipeline_tags), ("Baseline", self.baseline)):
            if tags is not None:
                notes.append(f"<b>{label}:</b> {html.escape(repr(tags))}")
        if self.scenario.unconstrained_controls:
            notes.append("<b>Unconstrained controls</b> (no budget table): "
                         + html.escape(", ".join(self.scenario.unconstrained_controls)))
        items = "".join(f"<li>{n}</li>" for n in notes)
        return f"<div><b>{html.escape(self.scenario.name)}</b>{body}<ul>{items}</ul></div>"


def pipeline_as_lines(pipeline: pd.DataFrame) -> pd.DataFrame:
    """The pipeline as a lines frame for tagging: ``line_id`` = project_id, amount = capacity.

    The description keyword rules see is the project name followed by its description.
    """
    text = (pipeline["name"].astype(str) + ". " + pipeline["description"].astype(str)).str.strip(". ")
    return pd.DataFrame(
        {
            "line_id": pipeline["project_id"].astype(str),
            "source": "pipeline",
            "department": pipeline["department"].astype(str),
            "programme": pipeline["name"].astype(str),
            "description": text,
            "amount": pipeline["capacity"].astype(float),
            "year": "",
            "budget_type": "",
            "cofog": pipeline["cofog"].astype(str),
            "cpv": pipeline["cpv"].astype(str),
            "region": pipeline["region"].astype(str),
            "supplier": "",
        }
    )


def tag_pipeline(pipeline: pd.DataFrame, rules: RuleSet, attribution: str,
                 ) -> tuple[TaggingResult, pd.DataFrame]:
    """Tag the pipeline's projects; return the tags and the contributions frame.

    The contributions frame has one row per project (index ``project_id``, in pipeline
    order) and one column per mission: the share of the project attributed to it. A
    project's contributions are its ``aligned`` tags; a project with no aligned tag takes
    its ``enabling`` tags instead (evidence only about its department or body: DESIGN §3.2
    tags projects by department too, and a pipeline project is an investment, not a body's
    running costs). The two sets are never added, so under ``net`` attribution a project's
    shares still sum to at most 1.
    """
    tags = tag(pipeline_as_lines(pipeline), rules, attribution=attribution)
    ids = pipeline["project_id"]
    contributions = tags.contributions(ids=ids)
    if (tags.tags["relation"] == "enabling").any():
        enabling = tags.contributions(ids=ids, relation="enabling")
        none = ~(contributions.to_numpy() != 0.0).any(axis=1)
        if none.any():
            contributions = contributions.copy()
            contributions.iloc[none] = enabling.iloc[none].to_numpy()
    contributions.index.name = "project_id"
    return tags, contributions


def prepare_outputs() -> None:
    """Import what writing a run's outputs and its outcomes needs.

    The report, its charts and workbook, the outcome layer and xarray (with what its first
    Dataset imports: dask, when installed) take about 0.7 s CPU to import, none of it
    dependent on the allocation; :func:`run` has it done while HiGHS solves.
    """
    import missionfinance.outcomes.simulate  # the sensitivity of a trajectory's inputs
    import missionfinance.outcomes.trajectory
    import missionfinance.report  # noqa: F401

    import_dataset_support()


def _outcome_arrays(scenario: Scenario, pipeline: pd.DataFrame) -> Any:
    """:meth:`Scenario.outcome_arrays`, or None when they cannot be made.

    None leaves them to :meth:`Scenario.trajectories`, which then raises any error where
    it always did (and only for a solved allocation).
    """
    try:
        return scenario.outcome_arrays(pipeline)
    except Exception:  # made again, and the error raised, by Scenario.trajectories
        return None


def _warn_unmatched_overrides(pipeline_tags: TaggingResult,
                              baseline: TaggingResult | None) -> None:
    """Warn of the rule file's overrides that name neither a project nor a baseline line."""
    unmatched = pipeline_tags.unmatched_overrides()
    if baseline is not None and unmatched:
        elsewhere = {k for k, _ in baseline.unmatched_overrides()}
        unmatched = tuple((k, o) for k, o in unmatched if k in elsewhere)
    if unmatched:
        where = "the pipeline's projects" + (" or the baseline lines" if baseline is not None
                                             else "")
        rules = pipeline_tags.rules
        warnings.warn(MissionFinanceWarning(
            unmatched_overrides_text(unmatched, f"rules {rules.source}", where)), stacklevel=3)


def run(scenario: Scenario) -> RunResult:
    """Tag the baseline and the pipeline of ``scenario``, build and solve the allocation.

    The baseline lines are read, checked and tagged while HiGHS solves, with the imports
    the outputs need (:func:`prepare_outputs`) and the parts of the outputs that do not
    depend on the allocation (:func:`missionfinance.report.prepare_report`): none of it
    depends on the allocation, and HiGHS runs without the GIL in a thread of its own
    (:func:`~missionfinance.model.highs.run_beside`). The results are the same as doing
    the steps one after another, errors included: an error in the lines (a bad file, row
    or code) is raised once HiGHS has finished, before anything is reported.
    """
    rules = scenario.load_rules()
    pipeline = scenario.read_pipeline()
    pipeline_tags, contributions = tag_pipeline(pipeline, rules, scenario.attribution)
    problem = scenario.problem(pipeline, contributions)
    baselines: list[TaggingResult | None] = []
    prepared: list[PreparedOutputs | None] = []
    arrays: list[Any] = []

    def beside() -> None:
        lines = scenario.read_lines()
        baselines.append(tag(lines, rules, attribution=scenario.attribution)
                         if lines is not None else None)
        prepare_outputs()
        from missionfinance.report import RunInputs, prepare_report

        prepared.append(prepare_report(RunInputs(scenario, pipeline, pipeline_tags,
                                                 baselines[0])))
        arrays.append(_outcome_arrays(scenario, pipeline))

    result = solve(problem, beside=beside)
    if not baselines:  # solve() returned before HiGHS ran
        beside()
    baseline = baselines[0]
    _warn_unmatched_overrides(pipeline_tags, baseline)
    return RunResult(
        scenario=scenario,
        pipeline=pipeline,
        pipeline_tags=pipeline_tags,
        baseline=baseline,
        allocation=result,
        input_files=scenario.input_files,
        outcomes=scenario.trajectories(pipeline, result, arrays=arrays[0]),
        prepared=prepared[0],
    )
