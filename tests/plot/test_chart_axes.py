"""ChartAxes draws what matplotlib's Axes draws, with less work per tick.

Each case builds the same figure on a plain :class:`~matplotlib.figure.Figure` and on a
:class:`~missionfinance.plot._axes.ChartFigure` and compares the SVG (and PNG) bytes;
the last tests check that the ticks it adds as copies are independent of the first.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import matplotlib as mpl
import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from missionfinance.plot._axes import ChartAxes, ChartFigure
from missionfinance.plot._base import STYLE, fixed_layout
from missionfinance.report.charts import svg_bytes


def _bars(fig: Figure) -> None:
    ax = fig.add_subplot()
    ax.bar(np.arange(5), [3.0, 1.0, 4.0, 1.0, 5.0], color="#34495e")
    ax.set_xticks(np.arange(5), [f"202{k}-2{k + 1}" for k in range(5)], rotation=45, ha="right")
    ax.set_ylabel("£m")


def _grid_and_fonts(fig: Figure) -> None:
    axes = fig.subplots(1, 2)
    for k, ax in enumerate(axes):
        ax.plot(np.arange(12), np.arange(12) ** (k + 1), marker="o")
        ax.set_yticks([0, 5, 10], ["nought", "five", "ten"], fontsize=7)
        ax.grid(axis="y", color="#e0e0e0", linewidth=0.6)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=4))


def _offset_and_minor(fig: Figure) -> None:
    ax = fig.add_subplot()
    ax.plot([1_000_000.0, 1_000_000.5, 1_000_001.0], [0.001, 0.004, 0.002])
    ax.minorticks_on()
    ax.tick_params(axis="x", which="minor", length=6, color="red")
    ax.tick_params(axis="y", labelsize=6, labelcolor="blue", pad=8)


def _ticks_set_after_params(fig: Figure) -> None:
    ax = fig.add_subplot()
    ax.tick_params(direction="in", top=True, right=True, labeltop=True)
    ax.barh(np.arange(4), [2.0, 3.0, 1.0, 4.0])
    ax.set_yticks(np.arange(4), ["a", "b", "c", "d"], color="green")
    ax.set_xlim(0, 10)


def _labels_placed_by_ticks(fig: Figure) -> None:
    axes = fig.subplots(2, 2, sharex="col")
    for k, ax in enumerate(axes.ravel()):
        ax.barh(np.arange(3), [10.0 ** (k + 2), 5.0, 7.0])
        ax.set_yticks(np.arange(3), ["first", "second label", "third"][: 3 - k % 2] +
                      ["x"] * (k % 2))
        if k != 1:
            ax.set_ylabel(f"label {k}")
        if k == 3:
            ax.set_xlabel("£m")
    fig.align_ylabels()


def _fixed_layout(fig: Figure) -> None:
    ax = fig.add_subplot()
    ax.bar(np.arange(3), [120_000.0, 80_000.0, 95_000.0])
    ax.margins(y=0.15)
    fixed_layout(fig, left=0.8, bottom=0.4, top=0.3)


CASES: dict[str, Callable[[Figure], None]] = {
    "bars": _bars, "grid_and_fonts": _grid_and_fonts, "offset_and_minor": _offset_and_minor,
    "ticks_set_after_params": _ticks_set_after_params, "fixed_layout": _fixed_layout,
    "labels_placed_by_ticks": _labels_placed_by_ticks,
}


def _drawn(cls: type[Figure], build: Callable[[Figure], None], fmt: str) -> bytes:
    with mpl.rc_context(STYLE):
        fig = cls(figsize=(6.0, 3.0))
        build(fig)
    if fmt == "svg":
        return svg_bytes(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=50)
    return buffer.getvalue()


@pytest.mark.parametrize("fmt", ["svg", "png"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_chart_axes_draw_what_matplotlib_draws(case: str, fmt: str) -> None:
    build = CASES[case]
    assert _drawn(ChartFigure, build, fmt) == _drawn(Figure, build, fmt)


def test_chart_figure_makes_chart_axes_unless_told() -> None:
    fig = ChartFigure()
    assert type(fig.add_subplot()) is ChartAxes
    assert type(fig.add_subplot(2, 1, 2, projection="polar")) is not ChartAxes
    assert all(type(ax) is ChartAxes for ax in ChartFigure().subplots(1, 2))


def test_added_ticks_are_independent_of_the_first() -> None:
    fig = ChartFigure()
    ax: Any = fig.add_subplot()
    ax.set_xticks([0, 1, 2], ["a", "b", "c"], fontsize=7)
    first, second, third = ax.xaxis.get_major_ticks()
    assert [t.label1.get_fontsize() for t in (first, second, third)] == [7.0, 7.0, 7.0]
    second.label1.set_fontsize(12)
    second.tick1line.set_markersize(9)
    second.label1.set_color("red")
    assert first.label1.get_fontsize() == 7.0 and third.label1.get_fontsize() == 7.0
    assert first.tick1line.get_markersize() == third.tick1line.get_markersize() != 9
    assert first.label1.get_color() == "black"
    assert ticks_text(ax) == ["a", "b", "c"]
    # a callback on one tick's label is not called for another's
    seen: list[object] = []
    third.label1.add_callback(seen.append)
    second.label1.set_alpha(0.5)
    assert seen == []
    third.label1.set_alpha(0.5)
    assert seen == [third.label1]


def ticks_text(ax: Any) -> list[str]:
    return [t.get_text() for t in ax.get_xticklabels()]


def test_another_matplotlib_series_gets_matplotlibs_own_axes(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The lighter classes lean on private methods: only a tested series uses them."""
    from missionfinance.plot import _axes

    assert _axes._series("3.11.2") == (3, 11) and _axes._series("3.12.0rc1") == (3, 12)
    assert _axes._series("4") == (4, 0)
    monkeypatch.setattr(_axes, "LIGHT", False)
    fig = _axes.ChartFigure()
    assert type(fig.add_subplot()) is not _axes.ChartAxes
    monkeypatch.setattr(_axes, "LIGHT", True)
    assert type(_axes.ChartFigure().add_subplot()) is _axes.ChartAxes
