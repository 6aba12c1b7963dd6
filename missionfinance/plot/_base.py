"""Shared style, colours and helpers of the figures."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Sequence
from typing import Any, TypeVar, cast

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib import font_manager, ft2font
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter, Locator, NullLocator, ScalarFormatter

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
    # titles sit on the axes (no ticks on top): matplotlib then skips measuring the
    # axes to place them, a good part of drawing time
    "axes.titley": 1.0,
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


# ----------------------------------------------------------------------------- layout
#: Blank border around every figure, inches.
EDGE = 0.08
#: Tick mark plus the gap to its label, inches (3.5 pt + 3.5 pt).
_TICK = 7 / 72
#: Axis label height with its pad, inches (9 pt text, 1.2 line height, 4 pt pad).
_AXIS_LABEL = (9 * 1.2 + 4) / 72
#: Gap between tick labels and the axis label, inches (4 pt, matplotlib's labelpad).
_LABEL_PAD = 4 / 72
#: Axes title height with its pad, inches (10 pt bold, 6 pt pad).
_TITLE = (10 * 1.2 + 6) / 72


@functools.cache
def _advances(bold: bool) -> tuple[ft2font.FT2Font, dict[str, float]]:
    """DejaVu Sans (bold or regular) and its cache of advance widths per 1 pt, in points."""
    weight = "bold" if bold else "normal"
    path = font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans",
                                                             weight=weight))
    font = ft2font.FT2Font(path)
    font.set_size(100.0, 72)
    return font, {}


# A font reads its file through a handle whose offset a forked child shares with its parent
# and its siblings: children drawing at once would read each other's glyphs (FreeType then
# fails, e.g. "too many hints"). Each child opens the fonts anew, as matplotlib's own cache.
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_advances.cache_clear)


def text_width(text: str, size: float = 8.0, bold: bool = False) -> float:
    """Width of ``text`` set in DejaVu Sans at ``size`` points, in inches.

    The sum of the glyphs' advance widths (no kerning: a slight overestimate), so the
    figures can be laid out with fixed margins instead of measuring every text with a
    renderer (:meth:`~matplotlib.figure.Figure.tight_layout`), which takes about half of a
    figure's drawing time.

    Examples
    --------
    >>> round(text_width("2026-27", 8.0), 2)
    0.46
    """
    font, cache = _advances(bold)
    total = 0.0
    for ch in text:
        width = cache.get(ch)
        if width is None:
            index = font.get_char_index(ord(ch)) or font.get_char_index(ord("M"))
            glyph = font.load_glyph(index, flags=ft2font.LoadFlags.NO_HINTING)
            width = cache[ch] = glyph.linearHoriAdvance / 65536 / 100.0
        total += width
    return total * size / 72


def _widest(labels: Sequence[str], size: float = 8.0) -> float:
    """Width of the widest of ``labels`` in inches (0 for none), 5% to spare.

    ``\\$`` counts as ``$``; the spare width covers hinting at low resolution and
    renderers that set the text a little wider.
    """
    return 1.05 * max((text_width(str(t).replace(r"\$", "$"), size) for t in labels),
                      default=0.0)


def tick_number(value: float, _pos: Any = None) -> str:
    """Tick label of a number: in full, thousands separated, ``−`` for minus.

    Examples
    --------
    >>> [tick_number(v) for v in (1200000.0, -2500.0, 0.30000000000000004, 0.0)]
    ['1,200,000', '−2,500', '0.3', '0']
    """
    text = f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.6g}"
    if text in ("-0", "0"):
        return "0"
    return text.replace("-", "\N{MINUS SIGN}")


def number_labels(values: Any) -> list[str]:
    """Texts as wide as the widest tick labels of an axis over ``values`` can be.

    Examples
    --------
    >>> number_labels([0.0, 1234.5, -20.0])
    ['−1,234', '1,234']
    """
    arr = np.asarray(values, dtype="float64").ravel()
    arr = arr[np.isfinite(arr)]
    top = float(np.abs(arr).max()) if arr.size else 1.0
    if top >= 1000:
        text = f"{top:,.0f}"
    elif top >= 10:
        text = f"{top:.1f}"
    else:  # ticks such as 0.025 or 2.25
        text = "0.000"
    negative = bool((arr < 0).any()) if arr.size else False
    return [("\N{MINUS SIGN}" if negative else "") + text, text]


class InView(Locator):
    """The ticks of ``locator`` within the axis' view interval, the only ones drawn.

    Locators such as matplotlib's default give a tick beyond either end of the axis;
    matplotlib makes a tick (two lines and two texts) for each, and draws it not.
    Used by :func:`fixed_layout` on linear axes whose labels are :func:`tick_number`
    (labels that do not depend on the other ticks).
    """

    def __init__(self, locator: Locator) -> None:
        self.locator = locator

    def set_axis(self, axis: Any) -> None:
        """Set the axis of this locator and of the one it filters."""
        super().set_axis(axis)
        self.locator.set_axis(axis)

    def __call__(self) -> Any:
        """Ticks of the wrapped locator within the view interval (1e-10 of it to spare)."""
        locs = np.asarray(self.locator())
        low, high = sorted(self.axis.get_view_interval())  # type: ignore[union-attr]
        spare = (high - low) * 1e-10  # as matplotlib tells which ticks to draw
        return locs[(locs >= low - spare) & (locs <= high + spare)]

    def tick_values(self, vmin: float, vmax: float) -> Any:
        """The wrapped locator's ticks between ``vmin`` and ``vmax``."""
        return self.locator.tick_values(vmin, vmax)

    def set_params(self, **kwargs: Any) -> None:
        """Set the wrapped locator's parameters."""
        self.locator.set_params(**kwargs)

    def nonsingular(self, v0: float, v1: float) -> tuple[float, float]:
        """The wrapped locator's range for autoscaling."""
        return self.locator.nonsingular(v0, v1)

    def view_limits(self, vmin: float, vmax: float) -> tuple[float, float]:
        """The wrapped locator's view limits."""
        return self.locator.view_limits(vmin, vmax)


def fixed_layout(fig: Figure, *, left: float = 0.0, right: float = 0.0, bottom: float = 0.0,
                 top: float = 0.0, wspace: float = 0.0, hspace: float = 0.0) -> None:
    """Place the axes grid with margins given in inches (plus :data:`EDGE`).

    ``wspace`` and ``hspace`` are the gaps between panels in inches. Used instead of
    ``tight_layout``: the caller sums the widths of what sits outside the axes (tick
    labels, axis labels, titles) from :func:`text_width`. Numeric tick labels are
    written in full (:func:`tick_number`: no offset or scientific factor above the
    axis), only the ticks in view are made (:class:`InView`), and axis labels are
    placed in the label band the margins include.
    """
    width, height = fig.get_size_inches()
    left, right = left + EDGE, right + EDGE
    bottom, top = bottom + EDGE, top + EDGE
    ncols = nrows = 1
    if fig.axes:
        spec = fig.axes[0].get_subplotspec()
        if spec is not None:
            nrows, ncols = spec.get_gridspec().get_geometry()
    panel_w = max((width - left - right - wspace * (ncols - 1)) / ncols, 0.1)
    panel_h = max((height - bottom - top - hspace * (nrows - 1)) / nrows, 0.1)
    fig.subplots_adjust(left=left / width, right=1 - right / width, bottom=bottom / height,
                        top=1 - top / height, wspace=wspace / panel_w, hspace=hspace / panel_h)
    for ax in fig.axes:  # no offset text above an axis: the layout has no room for it
        for axis in (ax.xaxis, ax.yaxis):
            if isinstance(axis.get_major_formatter(), ScalarFormatter):
                axis.set_major_formatter(FuncFormatter(tick_number))
                locator = axis.get_major_locator()
                if (axis.get_scale() == "linear"
                        and not isinstance(locator, FixedLocator | NullLocator | InView)):
                    axis.set_major_locator(InView(locator))
    # axis labels at fixed places in the margins (matplotlib would otherwise measure the
    # tick labels of every axes to move them clear): the margins given include a label
    # band of _AXIS_LABEL wherever an axes has a label
    for ax in fig.axes:
        if ax.get_ylabel():
            spec = ax.get_subplotspec()
            first = spec is None or spec.colspan.start == 0  # else: in the gap between panels
            gap = (left - EDGE if first else wspace) - _AXIS_LABEL + _LABEL_PAD
            ax.yaxis.set_label_coords(-gap / panel_w, 0.5)
        if ax.get_xlabel():
            gap = bottom - EDGE - _AXIS_LABEL + _LABEL_PAD
            ax.xaxis.set_label_coords(0.5, -gap / panel_h)


def x_margin(labels: Sequence[str], size: float = 8.0, rotation: int = 0,
             label: bool = False) -> float:
    """Height below the axes of x tick ``labels`` (rotated by 0 or 45 degrees), in inches."""
    line = size * 1.2 / 72
    height = line if rotation == 0 else (_widest(labels, size) + line) * 0.7072
    return _TICK + (height if labels else 0.0) + (_AXIS_LABEL if label else 0.0)


def y_margin(labels: Sequence[str], size: float = 8.0, label: bool = False) -> float:
    """Width left of the axes of y tick ``labels`` and an axis label, in inches."""
    return _TICK + _widest(labels, size) + (_AXIS_LABEL if label else 0.0)


def title_margin(lines: int = 1) -> float:
    """Height above the axes of ``lines`` title lines (10 pt bold), in inches."""
    return _TITLE * lines


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
