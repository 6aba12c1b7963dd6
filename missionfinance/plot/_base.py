"""Shared style, colours and helpers of the figures."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, TypeVar, cast

import matplotlib as mpl
import pandas as pd
from matplotlib.figure import Figure

from missionfinance.missions import MissionSet
from missionfinance.views import UNATTRIBUTED, allocation_of

#: Longest label drawn; longer text is cut with an ellipsis.
LABEL_CHARS = 40

#: rcParams every figure is built under (fonts, spines, grid); applied with rc_context.
STYLE: dict[Any, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 9.0,
    "axes.titlesize": 10.0,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": False,
    "axes.axisbelow": True,
    "legend.frameon": False,
    "legend.fontsize": 8.0,
    "xtick.labelsize": 8.0,
    "ytick.labelsize": 8.0,
    "hatch.linewidth": 0.6,
    "svg.hashsalt": "missionfinance-report",
    "svg.fonttype": "none",
    "path.simplify": True,
}

#: Fixed colours of the four default instruments (blue-greys, gold for the contingent one).
INSTRUMENT_COLOURS: dict[str, str] = {
    "grant": "#34495e",
    "loan": "#5d7b99",
    "equity": "#9db4c8",
    "guarantee": "#c9a227",
}
#: Fixed colours of line statuses (TaggingResult.lines ``status``).
STATUS_COLOURS: dict[str, str] = {
    "favourable": "#018571",
    "unfavourable": "#a6611a",
    "mixed": "#dfc27d",
    "neutral": "#bababa",
    "not_assessed": "#f2f2f2",
}
#: Hatches that tell instruments apart where bars carry mission colours.
INSTRUMENT_HATCHES: dict[str, str] = {"grant": "", "loan": "///", "equity": "...",
                                      "guarantee": "xxx"}

_CONTROL_COLOUR = "#4d4d4d"
_OTHER_COLOURS = ["#7f7f7f", "#17becf", "#bcbd22", "#8c564b", "#e377c2", "#aec7e8"]
_HATCHES = ["", "///", "...", "xxx", "\\\\\\", "ooo", "---", "+++"]
_INSTRUMENT_ORDER = ("grant", "loan", "equity", "guarantee")
#: Constraint families that are one row per project; left out of shadow_prices by default.
PROJECT_FAMILIES = frozenset({"capacity", "spend_profile", "crowding_in", "private_capacity",
                              "guarantee_cover", "leverage_segments", "cvar_exposure",
                              "min_ticket"})
#: Model helper rows (one per CVaR scenario), left out of analyst-facing figures by default.
HELPER_FAMILIES = frozenset({"cvar_excess"})
#: Mission node of money no tagging rule attributes to a mission.
_UNATTRIBUTED_COLOUR = "#c7c7c7"

_F = TypeVar("_F", bound=Callable[..., Figure])


def _styled(func: _F) -> _F:
    """Build the figure under :data:`STYLE` (restored afterwards)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Figure:
        with mpl.rc_context(STYLE):
            return func(*args, **kwargs)

    return cast(_F, wrapper)


# ----------------------------------------------------------------------------- helpers
def _label(text: object, limit: int = LABEL_CHARS) -> str:
    """Safe label: at most ``limit`` characters, ``$`` escaped, no control characters.

    Emoji are shown as □ (the figures' font has no glyph for them).

    Examples
    --------
    >>> _label("Costs $5m")
    'Costs \\\\$5m'
    """
    # outside the Basic Multilingual Plane (emoji): no glyph in the figures' font
    value = "".join(("□" if ord(ch) > 0xFFFF else ch) if ch.isprintable() else " "
                    for ch in str(text))
    if len(value) > limit:
        value = value[: limit - 1] + "…"
    return value.replace("$", r"\$")


def _money(value: float) -> str:
    return f"£{value:,.0f}m" if abs(value) >= 10 else f"£{value:,.1f}m"


def mission_colours(missions: Any = None, ids: Sequence[str] = ()) -> dict[str, str]:
    """Mission id → colour.

    Parameters
    ----------
    missions : MissionSet, mapping of id to colour, or None
        None means the built-in UK catalogue.
    ids : sequence of str
        Further ids to colour (missions not in the set get a fixed fallback colour in
        the order given, and :data:`UNATTRIBUTED` is light grey).

    Examples
    --------
    >>> mission_colours()["growth"]
    '#1f77b4'
    """
    if missions is None:
        missions = MissionSet.load("builtin:uk")
    colours = dict(missions.colours) if hasattr(missions, "colours") else dict(missions)
    colours.setdefault(UNATTRIBUTED, _UNATTRIBUTED_COLOUR)
    extra = [m for m in ids if m not in colours]
    for k, m in enumerate(extra):
        colours[m] = _OTHER_COLOURS[k % len(_OTHER_COLOURS)]
    return colours


def _instrument_colours(names: Sequence[str]) -> dict[str, str]:
    others = [n for n in names if n not in INSTRUMENT_COLOURS]
    out = dict(INSTRUMENT_COLOURS)
    for k, n in enumerate(others):
        out[n] = _OTHER_COLOURS[k % len(_OTHER_COLOURS)]
    return out


def _instrument_hatches(names: Sequence[str]) -> dict[str, str]:
    others = [n for n in names if n not in INSTRUMENT_HATCHES]
    out = dict(INSTRUMENT_HATCHES)
    for k, n in enumerate(others):
        out[n] = _HATCHES[(k + 4) % len(_HATCHES)]
    return out


def _order(names: Sequence[str], first: Sequence[str]) -> list[str]:
    """``first`` (those present) in its order, then the rest sorted."""
    present = set(names)
    return [n for n in first if n in present] + sorted(present - set(first))


def _missions_of(obj: Any, missions: Any) -> Any:
    if missions is not None:
        return missions
    scenario = getattr(obj, "scenario", None)
    found = getattr(scenario, "missions", None)
    if found is None:
        found = getattr(getattr(obj, "rules", None), "missions", None)
    return found


def _mission_ids(missions: Any) -> list[str]:
    if missions is None:
        return list(mission_colours())[:-1]
    if hasattr(missions, "ids"):
        return list(missions.ids)
    return [m for m in missions if m != UNATTRIBUTED]


def _empty(fig: Figure, message: str) -> Figure:
    ax = fig.add_subplot()
    ax.set_axis_off()
    ax.text(0.5, 0.5, message, ha="center", va="center")
    return fig


def _frame(obj: Any, attr: str) -> pd.DataFrame:
    if isinstance(obj, pd.DataFrame):
        return obj
    value = getattr(allocation_of(obj), attr, None)
    if not isinstance(value, pd.DataFrame):
        raise TypeError(f"expected a DataFrame or an object with .{attr}, got {type(obj).__name__}")
    return value
