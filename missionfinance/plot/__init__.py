"""Figures for notebooks and the allocation report (matplotlib, one function per figure).

Every function takes the library's own objects (a :class:`~missionfinance.scenario.RunResult`,
an :class:`~missionfinance.model.AllocationResult`, a
:class:`~missionfinance.tagging.TaggingResult`, a :class:`~missionfinance.sweep.SweepResult`)
or the frame those objects carry, and returns a new :class:`matplotlib.figure.Figure`:

=========================  ==========================================================
function                   what it draws
=========================  ==========================================================
allocation_by_mission      public £m attributed to each mission, split by instrument
allocation_by_year         public £m per financial year, stacked by instrument
allocation_by_group        public £m of the largest departments or regions
budget_use                 budget used against its control total, per control and year
exposure                   guarantee exposure stock at each year end against its limit
private_by_mission         public £m and private £m mobilised per mission, and leverage
flow                       Sankey-style flow: budget → mission → instrument → private
coverage_by_department     tagging coverage (favourable … not assessed) by department
alignment_by_mission       baseline £m attributed for and against each mission
money_out_and_back         public £m out and back per year by instrument, net line
shadow_prices              what £1m more of each binding limit is worth (dual values)
milestone_trajectory       one milestone: target path, BAU, this allocation, 10–90% band
milestone_trajectories     the same for several milestones, small multiples in one figure
tornado                    which uncertain inputs move a milestone's outcome most
tornadoes                  the same for several milestones, small multiples in one figure
frontier                   a sweep's variants and their efficient frontier in (x, y)
sweep_comparison           one metric (or mission value by mission) across variants
=========================  ==========================================================

Conventions. Money is £ million. A mission always has the colour its
:class:`~missionfinance.missions.MissionSet` gives it (the built-in catalogue fixes
them), in every figure; instruments, line statuses and controls have fixed colours of
their own (:data:`INSTRUMENT_COLOURS`, :data:`STATUS_COLOURS`). Figures are built
without pyplot (no global figure registry, safe under Agg and in worker processes)
inside :func:`matplotlib.rc_context` with :data:`STYLE`, so nothing leaks into the
caller's rcParams. Nothing is random: the same input draws the same figure. Labels taken
from inputs are cut to :data:`LABEL_CHARS` characters and ``$`` is escaped so mathtext
never parses them.

In a notebook, run ``%matplotlib inline`` once so a returned Figure is shown.
"""

from __future__ import annotations

from missionfinance.plot._base import (
    INSTRUMENT_COLOURS,
    INSTRUMENT_HATCHES,
    LABEL_CHARS,
    PROJECT_FAMILIES,
    STATUS_COLOURS,
    STYLE,
    UNATTRIBUTED,
    mission_colours,
)
from missionfinance.plot.allocation import (
    allocation_by_group,
    allocation_by_mission,
    allocation_by_year,
    budget_use,
    exposure,
    private_by_mission,
    shadow_prices,
)
from missionfinance.plot.cashflows import money_out_and_back
from missionfinance.plot.flow import flow, flow_frame
from missionfinance.plot.outcomes import (
    milestone_trajectories,
    milestone_trajectory,
    tornado,
    tornadoes,
)
from missionfinance.plot.sweeps import frontier, sweep_comparison
from missionfinance.plot.tagging import alignment_by_mission, coverage_by_department

__all__ = [
    "INSTRUMENT_COLOURS",
    "INSTRUMENT_HATCHES",
    "LABEL_CHARS",
    "PROJECT_FAMILIES",
    "UNATTRIBUTED",
    "STATUS_COLOURS",
    "STYLE",
    "alignment_by_mission",
    "allocation_by_group",
    "allocation_by_mission",
    "allocation_by_year",
    "budget_use",
    "coverage_by_department",
    "exposure",
    "flow",
    "flow_frame",
    "frontier",
    "milestone_trajectories",
    "milestone_trajectory",
    "mission_colours",
    "money_out_and_back",
    "private_by_mission",
    "shadow_prices",
    "sweep_comparison",
    "tornado",
    "tornadoes",
]
