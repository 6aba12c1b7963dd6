"""Outcome data of milestones: baseline, business-as-usual (BAU) path, target path and link.

The built-in data ``builtin:uk`` (``missionfinance/data/outcomes_uk.toml``) covers the
Plan for Change milestones of the built-in missions; a user's own file has the same shape
(the keys are described at the top of that file). Every path is in the milestone's own
unit, one value per financial year:

- ``measure = "level"``: the milestone is a level (a share in %, a headcount). BAU is
  ``baseline + bau_per_year × (years since baseline_year)``, or the ``bau`` table's levels
  (straight lines between the baseline and the years given, held after the last). The
  target path runs in a straight line from the baseline to the target at the deadline.
- ``measure = "cumulative"``: the milestone counts a flow from ``count_from`` on (homes
  built). ``baseline`` is the latest annual flow; BAU adds ``bau_per_year`` (or the
  ``bau`` table's flow for a year) each year from ``count_from``; the target path adds
  target / (number of years from ``count_from`` to the deadline) each year.

``link`` turns a project's yield (declared in ``link_unit``) into milestone units: for a
share milestone it is the documented linear link (percentage points per MW, per pathway).
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from missionfinance.errors import MissionFinanceError
from missionfinance.missions import Milestone, MissionSet
from missionfinance.years import check_financial_year, fy_from_start, year_start

_KEYS = {"id", "mission", "measure", "count_from", "baseline", "baseline_year", "baseline_unit",
         "baseline_source", "bau_per_year", "bau", "bau_source", "link_unit", "link",
         "link_source", "geography", "note", "tracked", "untracked_reason"}


@dataclass(frozen=True)
class MilestoneOutcome:
    """Outcome data of one milestone (units: the milestone's own, e.g. homes or %).

    Attributes
    ----------
    milestone : Milestone
        The catalogue entry (target, unit, deadline).
    mission : str
    measure : {"level", "cumulative"}
    tracked : bool
        False when no yields can move it (``untracked_reason`` says why).
    baseline : float
        Latest official figure (level, or annual flow for a cumulative milestone).
    baseline_year : str
        Financial year the baseline refers to.
    count_from : str
        First year counted by a cumulative milestone.
    bau_per_year : float
        Level change per year, or annual flow.
    bau_points : dict
        Year → level (level) or flow (cumulative), overriding ``bau_per_year``.
    link : float
        Milestone units per ``link_unit``.
    """

    milestone: Milestone
    mission: str
    measure: str
    tracked: bool = True
    baseline: float = float("nan")
    baseline_year: str = ""
    baseline_unit: str = ""
    baseline_source: str = ""
    count_from: str = ""
    bau_per_year: float = 0.0
    bau_points: Mapping[str, float] = field(default_factory=dict)
    bau_source: str = ""
    link_unit: str = ""
    link: float = 1.0
    link_source: str = ""
    geography: str = ""
    note: str = ""
    untracked_reason: str = ""

    @property
    def id(self) -> str:
        """The milestone id."""
        return self.milestone.id

    @property
    def unit(self) -> str:
        """The milestone's unit (``homes``, ``% of patients`` …)."""
        return self.milestone.unit

    @property
    def target(self) -> float:
        """The milestone's target, in its unit."""
        return self.milestone.target

    @property
    def deadline(self) -> str:
        """The financial year by which the target is due."""
        return self.milestone.deadline

    def bau(self, years: list[str]) -> np.ndarray:
        """BAU path in milestone units for each of ``years`` (financial years)."""
        t = np.array([year_start(y) for y in years], dtype=np.float64)
        b0 = year_start(self.baseline_year)
        if self.measure == "level":
            if not self.bau_points:
                return np.asarray(self.baseline + self.bau_per_year * (t - b0))
            xs = [float(b0)] + [float(year_start(y)) for y in sorted(self.bau_points)]
            vs = [self.baseline] + [float(self.bau_points[y]) for y in sorted(self.bau_points)]
            return np.interp(t, xs, vs)
        c0 = year_start(self.count_from)
        last = max(year_start(y) for y in years)
        flow = {s: float(self.bau_points.get(fy_from_start(s), self.bau_per_year))
                for s in range(c0, last + 1)}
        return np.array([sum(flow[s] for s in range(c0, year_start(y) + 1)) for y in years])

    def target_path(self, years: list[str]) -> np.ndarray:
        """Target path in milestone units.

        A straight line to the target at the deadline, held at the target afterwards.
        """
        t = np.array([year_start(y) for y in years], dtype=np.float64)
        d = float(year_start(self.deadline))
        if self.measure == "level":
            b0 = float(year_start(self.baseline_year))
            return np.interp(t, [b0, d], [self.baseline, self.target])
        c0 = float(year_start(self.count_from))
        per = self.target / (d - c0 + 1)
        return np.clip(t - c0 + 1, 0.0, d - c0 + 1) * per


@dataclass(frozen=True)
class OutcomeData:
    """Outcome data of a mission set's milestones, in catalogue order."""

    milestones: tuple[MilestoneOutcome, ...]
    source: str = "builtin:uk"

    @property
    def ids(self) -> tuple[str, ...]:
        """Milestone ids, in catalogue order."""
        return tuple(m.id for m in self.milestones)

    @property
    def tracked(self) -> tuple[MilestoneOutcome, ...]:
        """Milestones with outcome yields (projected)."""
        return tuple(m for m in self.milestones if m.tracked)

    def __getitem__(self, milestone_id: str) -> MilestoneOutcome:
        for m in self.milestones:
            if m.id == milestone_id:
                return m
        raise KeyError(milestone_id)

    def years(self, horizon: tuple[str, ...]) -> list[str]:
        """Outcome years, from the earliest baseline year on.

        They run from the earliest baseline year to the later of the last deadline and the
        end of ``horizon``.
        """
        tracked = self.tracked
        if not tracked:
            return list(horizon)
        first = min(year_start(m.baseline_year) for m in tracked)
        first = min(first, year_start(horizon[0]))
        last = max([year_start(m.deadline) for m in tracked] + [year_start(horizon[-1])])
        return [fy_from_start(s) for s in range(first, last + 1)]


def load_outcome_data(spec: str | Path, missions: MissionSet) -> OutcomeData:
    """Load ``"builtin:uk"`` or an outcome TOML file for ``missions`` (validated)."""
    if str(spec) == "builtin:uk":
        return _builtin(missions)
    path = Path(spec)
    if str(spec).startswith("builtin:"):
        raise MissionFinanceError(f"outcomes.data {str(spec)!r}: unknown built-in data; use "
                                  "'builtin:uk' or a TOML path")
    if not path.is_file():
        raise MissionFinanceError(f"{path}: outcome data file not found; give an existing TOML path")
    return parse_outcome_data(path.read_text(encoding="utf-8"), path.name, missions)


def _builtin(missions: MissionSet) -> OutcomeData:
    return _builtin_for(missions)


@functools.cache
def _builtin_text() -> str:
    return resources.files("missionfinance.data").joinpath("outcomes_uk.toml").read_text(
        encoding="utf-8")


@functools.cache
def _builtin_for(missions: MissionSet) -> OutcomeData:
    return parse_outcome_data(_builtin_text(), "builtin:uk", missions)


def _num(v: object, ctx: str, lo: float | None = None) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float) or not np.isfinite(v):
        raise MissionFinanceError(f"{ctx}: {v!r} must be a number")
    if lo is not None and v < lo:
        raise MissionFinanceError(f"{ctx}: {v!r} must be ≥ {lo:g}")
    return float(v)


def parse_outcome_data(text: str, name: str, missions: MissionSet) -> OutcomeData:
    """Parse outcome data TOML text; every milestone must be one of ``missions``'."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise MissionFinanceError(f"{name}: invalid TOML ({exc}); fix the syntax") from None
    if set(data) - {"milestone"}:
        raise MissionFinanceError(f"{name} key {sorted(set(data) - {'milestone'})[0]!r}: unknown "
                                  "key; an outcome file has only [[milestone]] tables")
    known: dict[str, tuple[str, Milestone]] = {
        ms.id: (m.id, ms) for m in missions for ms in m.milestones}
    out: list[MilestoneOutcome] = []
    for k, raw in enumerate(data.get("milestone", [])):
        out.append(_milestone(raw, f"{name} milestone {k + 1}", known))
    ids = [m.id for m in out]
    dup = {i for i in ids if ids.count(i) > 1}
    if dup:
        raise MissionFinanceError(f"{name} milestone {sorted(dup)[0]!r}: given twice; give each "
                                  "milestone once")
    order = {ms: k for k, ms in enumerate(known)}
    return OutcomeData(tuple(sorted(out, key=lambda m: order[m.id])), name)


def _milestone(raw: Mapping[str, Any], ctx: str,
               known: Mapping[str, tuple[str, Milestone]]) -> MilestoneOutcome:
    bad = set(raw) - _KEYS
    if bad:
        raise MissionFinanceError(f"{ctx} key {sorted(bad)[0]!r}: unknown key; allowed "
                                  f"{', '.join(sorted(_KEYS))}")
    mid = raw.get("id")
    if mid not in known:
        raise MissionFinanceError(f"{ctx} key id: unknown milestone {mid!r}; use one of "
                                  f"{', '.join(known)}")
    ctx = f"{ctx} ({mid})"
    mission, ms = known[str(mid)]
    if raw.get("mission", mission) != mission:
        raise MissionFinanceError(f"{ctx} key mission: {raw.get('mission')!r} is not the "
                                  f"milestone's mission {mission!r}")
    measure = raw.get("measure", "level")
    if measure not in ("level", "cumulative"):
        raise MissionFinanceError(f"{ctx} key measure: {measure!r}; use 'level' or 'cumulative'")
    tracked = raw.get("tracked", True)
    if not isinstance(tracked, bool):
        raise MissionFinanceError(f"{ctx} key tracked: {tracked!r} must be true or false")
    if not tracked:
        reason = str(raw.get("untracked_reason", "")).strip()
        if not reason:
            raise MissionFinanceError(f"{ctx} key untracked_reason: missing; say why the "
                                      "milestone has no outcome yields")
        return MilestoneOutcome(milestone=ms, mission=mission, measure=str(measure),
                                tracked=False, untracked_reason=reason,
                                note=str(raw.get("note", "")))
    for key in ("baseline", "baseline_year", "baseline_source", "bau_source"):
        if key not in raw:
            raise MissionFinanceError(f"{ctx} key {key}: missing; add it")
    by = check_financial_year(raw["baseline_year"], f"{ctx} key baseline_year")
    if year_start(by) >= year_start(ms.deadline):
        raise MissionFinanceError(f"{ctx} key baseline_year: {by!r} is not before the deadline "
                                  f"{ms.deadline!r}")
    count_from = ""
    if measure == "cumulative":
        if "count_from" not in raw:
            raise MissionFinanceError(f"{ctx} key count_from: missing; a cumulative milestone "
                                      "says the first year it counts")
        count_from = check_financial_year(raw["count_from"], f"{ctx} key count_from")
        if year_start(count_from) > year_start(ms.deadline):
            raise MissionFinanceError(f"{ctx} key count_from: {count_from!r} is after the "
                                      f"deadline {ms.deadline!r}")
    if ("bau_per_year" in raw) == ("bau" in raw) and measure == "level":
        raise MissionFinanceError(f"{ctx} key bau_per_year: give exactly one of bau_per_year "
                                  "and bau")
    points: dict[str, float] = {}
    bau_raw = raw.get("bau", {})
    if not isinstance(bau_raw, Mapping):
        raise MissionFinanceError(f"{ctx} key bau: must be a table of year = value")
    for y, v in bau_raw.items():
        check_financial_year(y, f"{ctx} key bau.{y}")
        if year_start(y) <= year_start(by):
            raise MissionFinanceError(f"{ctx} key bau.{y}: year is not after baseline_year {by!r}")
        points[y] = _num(v, f"{ctx} key bau.{y}")
    link = _num(raw.get("link", 1.0), f"{ctx} key link")
    if link <= 0:
        raise MissionFinanceError(f"{ctx} key link: {link!r} must be > 0")
    return MilestoneOutcome(
        milestone=ms, mission=mission, measure=str(measure), tracked=True,
        baseline=_num(raw["baseline"], f"{ctx} key baseline"), baseline_year=by,
        baseline_unit=str(raw.get("baseline_unit", "")),
        baseline_source=str(raw["baseline_source"]), count_from=count_from,
        bau_per_year=_num(raw.get("bau_per_year", 0.0), f"{ctx} key bau_per_year"),
        bau_points=points, bau_source=str(raw["bau_source"]),
        link_unit=str(raw.get("link_unit", ms.unit)), link=link,
        link_source=str(raw.get("link_source", "")), geography=str(raw.get("geography", "")),
        note=str(raw.get("note", "")))
