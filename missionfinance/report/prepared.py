"""Parts of a run's output files that do not depend on the allocation, made in advance.

:func:`missionfinance.scenario.run` has them made while HiGHS solves (the solver runs in a
thread of its own without the GIL, so on a second core they cost no wall time):

- tags.csv, whole: the pipeline's and the baseline's tags do not depend on the allocation;
- the report's tables of the baseline (by year, alignment, by mission, tag coverage), the
  fiscal treatments of the instruments, the known limitations and the package versions;
- the first use of what drawing the charts and writing report.html load once per process
  (the font lookup, the SVG backend, the page's template), which forked workers then
  share (each opens the font files itself: :mod:`missionfinance.plot._base`).

:func:`missionfinance.report.render_outputs` takes a part from :class:`PreparedOutputs`
only when the run still holds the very objects it was made from (its scenario, pipeline,
pipeline tags and baseline; :meth:`PreparedOutputs.fits`) and makes it itself otherwise, so
the bytes are the same either way, and the same for a run made any other way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import pandas as pd

if TYPE_CHECKING:  # the scenario stage composes this one; its types are named, not imported
    from missionfinance.scenario import RunResult
    from missionfinance.scenario.config import Scenario
    from missionfinance.tagging import TaggingResult
    from missionfinance.views import RunLike

__all__ = ["STATIC_KEYS", "PreparedOutputs", "RunInputs", "prepare_report", "static_tables"]

#: The keys of :func:`static_tables`.
STATIC_KEYS = frozenset({
    "alignment", "alignment_missions", "assumptions_log", "baseline_by_year", "contributions",
    "coverage", "limitations", "loss_rates", "packages", "project_columns", "treatments",
})


@dataclass(frozen=True)
class RunInputs:
    """What a run reads before it solves: the objects its allocation-free outputs come from.

    The views read a run through these attributes (``scenario``, ``pipeline``,
    ``pipeline_tags``, ``baseline``), so this stands for the run in them before there is an
    allocation.
    """

    scenario: Scenario
    pipeline: pd.DataFrame
    pipeline_tags: TaggingResult | None
    baseline: TaggingResult | None


def _inputs_of(run: Any) -> tuple[Any, ...]:
    return (getattr(run, "scenario", None), getattr(run, "pipeline", None),
            getattr(run, "pipeline_tags", None), getattr(run, "baseline", None))


@dataclass(frozen=True)
class PreparedOutputs:
    """The allocation-free parts of a run's outputs (see the module docstring).

    Attributes
    ----------
    inputs : tuple
        The scenario, pipeline, pipeline tags and baseline the parts were made from.
    tags_csv : bytes
        tags.csv.
    tables : dict of str to object
        The report's allocation-free tables by :func:`static_tables` key.
    """

    inputs: tuple[Any, ...]
    tags_csv: bytes
    tables: Mapping[str, Any] = field(default_factory=dict)

    def fits(self, run: RunResult | RunInputs) -> bool:
        """True when ``run`` holds the very objects these parts were made from."""
        now = _inputs_of(run)
        return len(now) == len(self.inputs) and all(
            a is b for a, b in zip(now, self.inputs, strict=True))

    def tables_copy(self) -> dict[str, Any]:
        """The tables, copied: a renderer that changes a frame changes its own copy."""
        return {k: v.copy() if isinstance(v, pd.DataFrame | dict) else v
                for k, v in self.tables.items()}


def static_tables(run: RunResult | RunInputs) -> dict[str, Any]:
    """The report's tables and records that do not depend on the allocation.

    Keys (:data:`STATIC_KEYS`): ``baseline_by_year``, ``alignment``, ``alignment_missions``,
    ``coverage``, ``treatments``, ``limitations``, ``assumptions_log``, ``contributions``
    (the projects' mission weights), ``project_columns`` (the Projects table's columns
    that the allocation does not change) (frames), ``loss_rates`` (the projects' pd × lgd)
    and ``packages`` (package versions).
    """
    from missionfinance import fiscal as fs
    from missionfinance import views as v
    from missionfinance.report.manifest import package_versions

    baseline = getattr(run, "baseline", None)
    alignment, alignment_missions = v.baseline_alignment(baseline)
    # these views read only the run's scenario and pipeline, which RunInputs holds too
    view = cast("RunLike", run)
    weights = v.contributions(view)
    return {
        "assumptions_log": v.assumptions_log(view),
        "contributions": weights,
        "loss_rates": v.loss_rates(view),
        "project_columns": v.project_columns(view, weights),
        "alignment": alignment,
        "alignment_missions": alignment_missions,
        "baseline_by_year": v.baseline_by_year(baseline),
        "coverage": v.coverage_by_owner(baseline, v.coverage_table(baseline)),
        "limitations": v.known_limitations(),
        "treatments": fs.treatments_table(getattr(run.scenario, "instruments", {}) or {}),
        "packages": package_versions(),
    }


def _warm_up() -> None:
    """Load what the first chart and the first page load: fonts, SVG backend, template.

    Open fonts are not shared with forked workers (each opens its own: see
    :mod:`missionfinance.plot._base`); what they inherit is the font lookup, the backend
    and the compiled template.
    """
    from matplotlib.figure import Figure

    from missionfinance.report import charts
    from missionfinance.report.html import _ENV

    _ENV.get_template("report.html.j2")
    fig = Figure(figsize=(1.0, 1.0))
    ax = fig.add_subplot()
    ax.plot([0.0, 1.0], [0.0, 1.0], label="£m")
    ax.set_title("£m", fontweight="bold")
    ax.legend()
    charts.svg_bytes(fig)


def prepare_report(inputs: RunInputs) -> PreparedOutputs | None:
    """The allocation-free parts of the outputs of a run of ``inputs``.

    ``None`` when any part fails: :func:`~missionfinance.report.render_outputs` then makes
    every part itself, and raises the error where it always did.
    """
    from missionfinance.report import tags_csv

    try:
        prepared = PreparedOutputs(_inputs_of(inputs), tags_csv(inputs), static_tables(inputs))
        _warm_up()
    except Exception:  # made again, and the error raised, when the outputs are written
        return None
    return prepared
