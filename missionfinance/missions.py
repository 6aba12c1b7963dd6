"""Missions and their milestones: the goals money is steered towards.

The built-in catalogue ``builtin:uk`` holds the UK Government's five missions
(growth, clean-energy, safer-streets, opportunity, health) with the Plan for
Change milestones (December 2024), each with target, unit, deadline and source.
A user's own set is a TOML file of the same shape::

    [[mission]]
    id = "growth"                 # lower-case letters, digits and '-'
    name = "Kickstart economic growth"
    colour = "#1f77b4"            # optional, used by every figure
      [[mission.milestone]]
      id = "homes"
      name = "1.5 million homes"
      target = 1500000
      unit = "homes"
      deadline = "2029-30"        # a financial year
      source = "Plan for Change milestones, CP 1210"
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import pandas as pd

from missionfinance._numbers import check_number
from missionfinance._text import check_user_file, decode_utf8, parse_toml, read_user_bytes
from missionfinance.errors import MissionFinanceError
from missionfinance.years import check_financial_year

_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_MISSION_KEYS = {"id", "name", "description", "colour", "milestone"}
_MILESTONE_KEYS = {"id", "name", "measure", "target", "unit", "deadline", "source"}
_DEFAULT_COLOURS = ["#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#d62728", "#8c564b", "#e377c2"]


@dataclass(frozen=True)
class Milestone:
    """A measurable, time-bound goal of a mission.

    ``target`` is in ``unit``; ``deadline`` is a financial year such as ``"2029-30"``.
    """

    id: str
    name: str
    target: float
    unit: str
    deadline: str
    source: str
    measure: str = ""


@dataclass(frozen=True)
class Mission:
    """One mission: id (used in rules and scenarios), name, colour and milestones."""

    id: str
    name: str
    description: str = ""
    colour: str = "#7f7f7f"
    milestones: tuple[Milestone, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class MissionSet:
    """An ordered set of missions, loaded from the built-in catalogue or a TOML file.

    Examples
    --------
    >>> ms = MissionSet.load("builtin:uk")
    >>> ms.ids
    ('growth', 'clean-energy', 'safer-streets', 'opportunity', 'health')
    >>> ms.validate_id("health", "rules.toml rule CE-01")
    'health'
    >>> ms.validate_id("wellbeing", "rules.toml rule X-1")
    Traceback (most recent call last):
    ...
    missionfinance.errors.MissionFinanceError: rules.toml rule X-1: unknown mission 'wellbeing'; use one of growth, clean-energy, safer-streets, opportunity, health
    """

    missions: tuple[Mission, ...]
    source: str = "builtin:uk"

    @classmethod
    def load(cls, spec: str | Path = "builtin:uk") -> MissionSet:
        """Load ``"builtin:uk"`` or a mission TOML file (relative paths as given)."""
        if str(spec) == "builtin:uk":
            return _builtin_uk()
        path = Path(spec)
        if str(spec).startswith("builtin:"):
            raise MissionFinanceError(
                f"missions {str(spec)!r}: unknown built-in set; use 'builtin:uk' or a TOML path"
            )
        check_user_file(path, "mission file")
        text = decode_utf8(read_user_bytes(path), path.name, bom=False)
        return cls.from_toml(text, str(path))

    @classmethod
    def from_toml(cls, text: str, source: str = "<string>") -> MissionSet:
        """Parse and validate a mission catalogue given as TOML text."""
        name = Path(source).name if not source.startswith("builtin:") else source
        data = parse_toml(text, name)
        unknown = set(data) - {"mission"}
        if unknown:
            raise MissionFinanceError(
                f"{name} key {sorted(unknown)[0]!r}: unknown key; a mission file has only [[mission]] tables"
            )
        raw = data.get("mission", [])
        if not isinstance(raw, list) or not all(isinstance(m, dict) for m in raw):
            raise MissionFinanceError(
                f"{name} key mission: {raw!r:.40} is not a list of tables; write each mission as a [[mission]] table"
            )
        if not raw:
            raise MissionFinanceError(f"{name}: no [[mission]] table; define at least one mission")
        missions: list[Mission] = []
        seen: set[str] = set()
        for k, m in enumerate(raw):
            ctx = f"{name} mission {k + 1}"
            bad = set(m) - _MISSION_KEYS
            if bad:
                raise MissionFinanceError(f"{ctx}: unknown key {sorted(bad)[0]!r}; allowed {sorted(_MISSION_KEYS)}")
            mid = m.get("id")
            if not isinstance(mid, str) or not _ID.match(mid):
                raise MissionFinanceError(
                    f"{ctx} key id: {mid!r} is not a valid mission id; use lower-case letters, digits and '-'"
                )
            if mid in seen:
                raise MissionFinanceError(f"{ctx} key id: duplicate mission id {mid!r}; ids must be unique")
            seen.add(mid)
            milestones = []
            raw_ms = m.get("milestone", [])
            if not isinstance(raw_ms, list) or not all(isinstance(ms, dict) for ms in raw_ms):
                raise MissionFinanceError(
                    f"{ctx} key milestone: {raw_ms!r:.40} is not a list of tables; write each "
                    "milestone as a [[mission.milestone]] table"
                )
            for j, ms in enumerate(raw_ms):
                mctx = f"{name} mission {mid!r} milestone {j + 1}"
                bad = set(ms) - _MILESTONE_KEYS
                if bad:
                    raise MissionFinanceError(f"{mctx}: unknown key {sorted(bad)[0]!r}; allowed {sorted(_MILESTONE_KEYS)}")
                missing = {"id", "name", "target", "unit", "deadline", "source"} - set(ms)
                if missing:
                    raise MissionFinanceError(f"{mctx}: missing key {sorted(missing)[0]!r}; add it")
                target = check_number(ms["target"], f"{mctx} key target", unit=str(ms["unit"]))
                milestones.append(
                    Milestone(
                        id=str(ms["id"]),
                        name=str(ms["name"]),
                        target=target,
                        unit=str(ms["unit"]),
                        deadline=check_financial_year(ms["deadline"], f"{mctx} key deadline"),
                        source=str(ms["source"]),
                        measure=str(ms.get("measure", "")),
                    )
                )
            missions.append(
                Mission(
                    id=mid,
                    name=str(m.get("name", mid)),
                    description=str(m.get("description", "")),
                    colour=str(m.get("colour", _DEFAULT_COLOURS[k % len(_DEFAULT_COLOURS)])),
                    milestones=tuple(milestones),
                )
            )
        return cls(tuple(missions), source)

    @property
    def ids(self) -> tuple[str, ...]:
        """Mission ids in catalogue order."""
        return tuple(m.id for m in self.missions)

    @property
    def colours(self) -> dict[str, str]:
        """Mission id → colour, fixed across every figure."""
        return {m.id: m.colour for m in self.missions}

    def __iter__(self) -> Iterator[Mission]:
        return iter(self.missions)

    def __len__(self) -> int:
        return len(self.missions)

    def __contains__(self, mission_id: object) -> bool:
        return mission_id in self.ids

    def __getitem__(self, mission_id: str) -> Mission:
        for m in self.missions:
            if m.id == mission_id:
                return m
        raise KeyError(mission_id)

    def validate_id(self, mission_id: object, context: str) -> str:
        """Return ``mission_id`` if it names a mission of this set, else raise naming ``context``."""
        if mission_id not in self.ids:
            raise MissionFinanceError(
                f"{context}: unknown mission {mission_id!r}; use one of {', '.join(self.ids)}"
            )
        return str(mission_id)

    def to_frame(self) -> pd.DataFrame:
        """One row per milestone: mission, milestone, target, unit, deadline, source."""
        rows = [
            {
                "mission": m.id,
                "mission_name": m.name,
                "milestone": ms.id,
                "milestone_name": ms.name,
                "target": ms.target,
                "unit": ms.unit,
                "deadline": ms.deadline,
                "source": ms.source,
            }
            for m in self.missions
            for ms in m.milestones
        ]
        return pd.DataFrame(rows)

    def __repr__(self) -> str:
        return f"MissionSet({self.source!r}: {', '.join(self.ids)})"

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td><span style='color:{html.escape(m.colour)}'>&#9632;</span> "
            f"<b>{html.escape(m.id)}</b></td><td>{html.escape(m.name)}</td>"
            f"<td>{'<br>'.join(html.escape(f'{ms.name} (by {ms.deadline})') for ms in m.milestones)}</td></tr>"
            for m in self.missions
        )
        return (
            f"<div><b>MissionSet</b> <code>{html.escape(self.source)}</code>: {len(self)} missions"
            f"<table><tr><th>id</th><th>mission</th><th>milestones</th></tr>{rows}</table></div>"
        )


@functools.cache
def _builtin_uk() -> MissionSet:
    """The built-in catalogue, parsed once per process (a MissionSet is immutable)."""
    text = resources.files("missionfinance.data").joinpath("missions_uk.toml").read_text(
        encoding="utf-8"
    )
    return MissionSet.from_toml(text, "builtin:uk")
