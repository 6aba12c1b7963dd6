"""Figure and axes classes of the figures: matplotlib's, with less work per tick.

Ticks are most of the time taken to build and draw the figures (each one is two lines with
markers, a grid line and two texts). :class:`ChartAxes` draws exactly what matplotlib's
:class:`~matplotlib.axes.Axes` draws; its axes only skip work whose result is not used:

- a new tick takes the marker of the first tick as it is (markers are never changed in
  place: setting one makes a new one) instead of a deep copy of it;
- the minor ticks are made when first asked for, not with the axes (the figures have none):
  their clip and the parameters set for them are kept for then (their other defaults are
  the rcParams of that time, as for any tick matplotlib adds to an axis);
- when drawn, the boxes of the tick labels are measured only if there is an offset text
  (such as ``1e6``) to place below or beside them.

:class:`ChartFigure` gives its subplots this class unless told another.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any, cast

from matplotlib import artist
from matplotlib.axes import Axes
from matplotlib.axis import Axis, Tick, XAxis, YAxis
from matplotlib.figure import Figure


class _ChartAxis(Axis):
    """An :class:`~matplotlib.axis.Axis` that skips unused work (see the module docstring).

    Only ever the base of :class:`_ChartXAxis` and :class:`_ChartYAxis`, which axes made
    by matplotlib are switched to (it holds no state of its own beyond two flags).
    """

    def _copy_tick_props(self, src: Tick, dest: Tick) -> None:
        if src is None or dest is None:
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
            for (line, copy), marker in zip(lines, markers, strict=True):
                line._marker = marker
                copy._marker = marker

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
        tick: Tick = cast(Any, super())._get_tick(major)
        clip = getattr(self, "_minor_clip", None)
        if not major and clip is not None:
            tick.set_clip_path(*clip)
        return tick

    def _get_ticklabel_bboxes(self, ticks: Any, renderer: Any) -> Any:
        # while drawing, the boxes only place the offset text: measure them only for one
        if getattr(self, "_drawing", False) and not self.get_major_formatter().get_offset():
            return [], []
        return cast(Any, super())._get_ticklabel_bboxes(ticks, renderer)

    @artist.allow_rasterization
    def draw(self, renderer: Any) -> None:
        self._drawing = True
        try:
            super().draw(renderer)
        finally:
            self._drawing = False


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
        if not {"axes_class", "projection", "polar"} & set(kwargs):
            kwargs["axes_class"] = ChartAxes
        return super().add_subplot(*args, **kwargs)
