"""Views: the frames a run is read through, for the report and the figures.

Every figure of :mod:`missionfinance.plot` and every table of
:mod:`missionfinance.report` is computed here, once, from a
:class:`~missionfinance.scenario.RunResult` (or, for the figures, an
:class:`~missionfinance.model.AllocationResult` alone: then there is no scenario, so no
limits, the default instruments and the allocation's own years). Neither the report nor
the figures compute money themselves, and neither imports the other.

The package has four parts: :mod:`.base` (the run as the views read it), :mod:`.money`
(headline, budget, exposure, allocation by group, assumptions, the money flow),
:mod:`.constraints` (limits in words, projects), :mod:`.baseline` (alignment and
coverage of the spending lines) and :mod:`.quality` (the assumptions log, QA log and known
limitations of the AQuA Book); :mod:`.sweeps` gives a sweep's efficient frontier.

Each function takes the run's frames and returns a new frame (inputs are never
mutated). Money is £m (float64), shares are fractions 0–1. The figures follow the
formulation of DESIGN §4:

- public finance committed ``x`` and private investment mobilised ``y`` come from the
  allocation frame (``public``, ``private`` per project × instrument × year); ``public``
  of a guarantee row is the face value of the cover, contingent exposure: public cash
  sums grants, loans and equity only, guarantees are reported beside it, never added in
  (DESIGN §7; :func:`~missionfinance.views.money.cash_split`);
- additional private investment is ``Σ_p a_p y_p`` (``a_p`` = the project's
  ``additionality``, default 1), its share is that over ``Σ_p y_p``;
- leverage is private mobilised per £ of public cash;
- budget used per control and year is ``Σ s_ic x + Σ el_p x`` over instruments whose
  expected loss is charged to the control (``el_p = pd × lgd``), with the instrument
  treatment of the scenario (``[instruments.<name>]`` over the library defaults);
- guarantee exposure is the stock of commitments of exposure instruments up to each
  year end; expected loss is ``Σ pd × lgd × x`` over loss-bearing instruments;
- mission attribution of money uses the pipeline's tag weights ``c_pm``: public
  attributed to mission m is ``Σ_p c_pm x_p`` (with ``gross`` attribution a project's
  shares can add to more than 100%).
"""

from missionfinance.views.base import (
    UNATTRIBUTED,
    AllocationOnly,
    RunLike,
    allocation_frame,
    allocation_of,
    as_run,
    contributions,
    instruments_of,
    limits_of,
    years_of,
)
from missionfinance.views.baseline import (
    baseline_alignment,
    baseline_by_year,
    coverage_by_owner,
    coverage_table,
)
from missionfinance.views.constraints import (
    HELPER_FAMILIES,
    closest_unfunded,
    constraint_tables,
    constraints_in_words,
    is_empty_column,
    limits_by_family,
    project_columns,
    projects_table,
    split_project_constraints,
)
from missionfinance.views.money import (
    assumptions,
    budget_frame,
    budget_use,
    by_group,
    by_mission,
    cash_split,
    exposure_and_risk,
    exposure_frame,
    flow_frame,
    headline,
    instrument_by_year,
    loss_rates,
    risk_and_reward,
    risk_and_reward_by_mission,
)
from missionfinance.views.quality import (
    assumptions_log,
    known_limitations,
    qa_log,
    tagging_accuracy,
)
from missionfinance.views.sweeps import efficient_frontier

__all__ = [
    "HELPER_FAMILIES",
    "UNATTRIBUTED",
    "AllocationOnly",
    "RunLike",
    "allocation_frame",
    "allocation_of",
    "as_run",
    "assumptions",
    "assumptions_log",
    "baseline_alignment",
    "baseline_by_year",
    "budget_frame",
    "budget_use",
    "by_group",
    "by_mission",
    "risk_and_reward",
    "risk_and_reward_by_mission",
    "cash_split",
    "closest_unfunded",
    "constraint_tables",
    "constraints_in_words",
    "contributions",
    "coverage_by_owner",
    "coverage_table",
    "efficient_frontier",
    "exposure_and_risk",
    "exposure_frame",
    "flow_frame",
    "headline",
    "instrument_by_year",
    "instruments_of",
    "is_empty_column",
    "known_limitations",
    "limits_by_family",
    "limits_of",
    "loss_rates",
    "project_columns",
    "projects_table",
    "qa_log",
    "split_project_constraints",
    "tagging_accuracy",
    "years_of",
]
