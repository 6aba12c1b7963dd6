"""Figure and axes classes of the figures: matplotlib's, with less work per tick.

Ticks are most of the time taken to build and draw the figures (each one is two lines with
markers, a grid line and two texts). :class:`ChartAxes` draws exactly what matplotlib's
:class:`~matplotlib.axes.Axes` draws; its axes only skip work whose result is not used:

- a tick added to an axis is a copy of its first tick (matplotlib makes one anew, then
  copies the first tick's properties onto it), and shares the first tick's marker
  (markers are never changed in place: setting one makes a new one);
- the minor ticks are made when first asked for, not with the axes (the figures have none):
  their clip and the parameters set for them are kept for then (their other defaults are
  the rcParams of that time, as for any tick matplotlib adds to an axis);
- when drawn, the boxes of the tick labels are measured only if there is an axis label
  placed by them (one not blank, not at coordinates given) or an offset text (``1e6``),
  and a blank axis label is not placed.

:class:`ChartFigure` gives its subplots this class unless told another.

Both lean on matplotlib's private methods, so they are used only with the matplotlib
versions they were tested against (:data:`TESTED`, the series the constraints file pins);
with another, :class:`ChartFigure` makes matplotlib's own axes: the same drawing, slower.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterator
from typing import Any, cast

import matplotlib
from matplotlib import artist, cbook
from matplotlib.axes import Axes
from matplotlib.axis import Axis, Tick, XAxis, YAxis
from matplotlib.figure import Figure
from matplotlib.text import Text

#: The matplotlib release series the classes here are tested with (tests/plot/test_chart_axes.py
#: draws figures with them and with matplotlib's own, for the same bytes).
TESTED: tuple[tuple[int, int], ...] = ((3, 11),)


def _series(version: str) -> tuple[int, int]:
    major, minor = (version.split(".") + ["0"])[:2]
    return int(major), int("".join(ch for ch in minor if ch.isdigit()) or 0)


#: True when the installed matplotlib is of a tested series: the lighter classes are used.
LIGHT = _series(matplotlib.__version__) in TESTED


class _ChartAxis(Axis):
    """An :class:`~matplotlib.axis.Axis` that skips unused work (see the module docstring).

    Only ever the base of :class:`_ChartXAxis` and :class:`_ChartYAxis`, which axes made
    by matplotlib are switched to (its own state: a few attributes, set when used).
    """

    _copied: Any = None  # the tick _get_tick made as a copy, until _copy_tick_props

    def _copy_tick_props(self, src: Tick, dest: Tick) -> None:
        if src is None or dest is None:
            return
        if dest is getattr(self, "_copied", None):  # made by _get_tick as a copy of src
            self._copied = None
            return
        # Line2D.update_from deep-copies the marker; share it instead (a marker is set
        # anew, never changed in place): copy the rest with a blank marker in its place
        lines = [(getattr(src, name), getattr(dest, name))
                 for name in ("tick1line", "tick2line", "gridline")]
        markers = [line._marker for line, _ in lines]
        try:
            for line, _ in lines:
                line._marker = ""
            cast(Any, super())._copy_tick_props(src, dest)
        finally:
            for (line, new), marker in zip(lines, markers, strict=True):
                line._marker = marker
                new._marker = marker

    def set_clip_path(self, path: Any, transform: Any = None) -> None:
        self._minor_clip = (path, transform)  # for minor ticks made later (_get_tick)
        with self._minor_unmade():
            super().set_clip_path(path, transform)

    def set_tick_params(self, which: Any = "major", reset: bool = False, **kwargs: Any) -> None:
        if reset:  # resets the tick lists too
            super().set_tick_params(which, reset, **kwargs)
            return
        # minor ticks made later take their parameters from the kwargs kept for them
        with self._minor_unmade():
            super().set_tick_params(which, reset, **kwargs)

    @contextlib.contextmanager
    def _minor_unmade(self) -> Iterator[None]:
        """Within: no minor tick, if none has been made yet (and none is made)."""
        if "minorTicks" in self.__dict__:
            yield
            return
        self.minorTicks = []
        try:
            yield
        finally:  # (matplotlib may have reset the tick lists meanwhile)
            self.__dict__.pop("minorTicks", None)

    def _get_tick(self, major: bool) -> Tick:
        ticks = self.__dict__.get("majorTicks" if major else "minorTicks")
        if ticks:
            # a tick added to the list (get_major_ticks, get_minor_ticks): matplotlib makes
            # one anew and copies the first tick's properties onto it (_copy_tick_props);
            # a copy of the first has them already, and takes a 15th of the time
            self._copied = _copy_tick(ticks[0])
            return self._copied
        tick: Tick = cast(Any, super())._get_tick(major)
        clip = getattr(self, "_minor_clip", None)
        if not major and clip is not None:
            tick.set_clip_path(*clip)
        return tick

    def _get_ticklabel_bboxes(self, ticks: Any, renderer: Any) -> Any:
        # while drawing, the boxes place the axis label (unless placed by coordinates, or
        # blank: not drawn) and the offset text: measure them only for one of those
        if (getattr(self, "_drawing", False)
                and (not cast(Any, self)._autolabelpos or not self.label.get_text())
                and not self.get_major_formatter().get_offset()):
            return [], []
        return cast(Any, super())._get_ticklabel_bboxes(ticks, renderer)

    def _update_label_position(self, renderer: Any) -> None:
        # a blank label is not drawn: placing it measures the tick labels and the spine
        # (which makes the first minor tick) for nothing
        if self.label.get_text():
            cast(Any, super())._update_label_position(renderer)

    @artist.allow_rasterization
    def draw(self, renderer: Any) -> None:
        self._drawing = True
        try:
            super().draw(renderer)
        finally:
            self._drawing = False


def _copy_tick(src: Tick) -> Tick:
    """A new tick with the properties of ``src``, at 0 with blank labels (``_loc`` as src's).

    As a tick matplotlib makes and then gives the properties of ``src``
    (:meth:`~matplotlib.axis.Axis._copy_tick_props`): its artists are copies of src's
    with their own callbacks, font properties and sticky edges, and labels without a box
    (not copied either); what it shares with src (marker, transforms, clip path, data
    arrays until positioned) matplotlib replaces when setting them, never changes in place.
    """
    tick: Any = copy.copy(src)
    for name in ("tick1line", "tick2line", "gridline", "label1", "label2"):
        part: Any = copy.copy(getattr(src, name))
        part._callbacks = cbook.CallbackRegistry(signals=["pchanged"])
        part._sticky_edges = part.sticky_edges._replace(x=[], y=[])
        if isinstance(part, Text):
            part.set_fontproperties(part.get_fontproperties())  # (sets a copy)
            part.set_text("")
            part.set_bbox(None)
        setattr(tick, name, part)
    tick._callbacks = cbook.CallbackRegistry(signals=["pchanged"])
    tick._sticky_edges = tick.sticky_edges._replace(x=[], y=[])
    tick.update_position(0)
    tick._loc = cast(Any, src)._loc
    return tick


class _ChartXAxis(_ChartAxis, XAxis):
    """:class:`~matplotlib.axis.XAxis` with :class:`_ChartAxis`'s savings."""


class _ChartYAxis(_ChartAxis, YAxis):
    """:class:`~matplotlib.axis.YAxis` with :class:`_ChartAxis`'s savings."""


class ChartAxes(Axes):
    """:class:`~matplotlib.axes.Axes` whose axes do less work per tick; draws the same."""

    def _init_axis(self) -> None:
        cast(Any, super())._init_axis()
        self.xaxis.__class__ = _ChartXAxis
        self.yaxis.__class__ = _ChartYAxis


class ChartFigure(Figure):
    """:class:`~matplotlib.figure.Figure` whose subplots are :class:`ChartAxes` by default."""

    def add_subplot(self, *args: Any, **kwargs: Any) -> Any:
        """:meth:`Figure.add_subplot <matplotlib.figure.Figure.add_subplot>`, ChartAxes unless told."""
        if LIGHT and not {"axes_class", "projection", "polar"} & set(kwargs):
            kwargs["axes_class"] = ChartAxes
        return super().add_subplot(*args, **kwargs)
