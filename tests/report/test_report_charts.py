"""svg_bytes draws with its own backend the SVG matplotlib's backend draws."""

from __future__ import annotations

import io
from collections.abc import Callable

import matplotlib as mpl
import numpy as np
import pytest
from matplotlib.figure import Figure

from missionfinance import plot
from missionfinance.report import charts


def _matplotlib_svg(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    with mpl.rc_context(charts._SVG_RC):
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


def _texts(fig: Figure) -> None:
    ax = fig.add_subplot()
    ax.bar([0, 1, 2], [3.0, 1.0, 2.0])
    ax.set_xticks([0, 1, 2], ["2026-27", "2027-28", "£1,200m −5"], rotation=45, ha="right")
    ax.set_title(r"mathtext $\alpha^2$ and a title", loc="left")
    ax.text(0.5, 0.5, "multi\nline", ha="center", transform=ax.transAxes, fontsize=13)


def _rasterized(fig: Figure) -> None:
    ax = fig.add_subplot()
    ax.plot(np.arange(50), np.sin(np.arange(50)), rasterized=True)
    ax.fill_between(np.arange(50), -1, 1, alpha=0.2)
    ax.set_ylabel("£m")


@pytest.mark.parametrize("layout", [None, "constrained"])  # laid out: matplotlib draws twice
@pytest.mark.parametrize("build", [_texts, _rasterized], ids=["texts", "rasterized"])
def test_svg_bytes_are_matplotlibs_svg(build: Callable[[Figure], None], layout: str | None
                                       ) -> None:
    figures = []
    for _ in range(2):
        fig = Figure(figsize=(4.0, 3.0), layout=layout)
        build(fig)
        figures.append(fig)
    assert charts.svg_bytes(figures[0]) == _matplotlib_svg(figures[1])
    if layout is None:  # (a constrained layout moves on each time it is drawn)
        assert charts.svg_bytes(figures[0]) == charts.svg_bytes(figures[0])


def test_svg_bytes_of_a_report_figure_are_matplotlibs_svg() -> None:
    import pandas as pd

    frame = pd.DataFrame({"department": ["DHSC", "DESNZ", "HMRC"], "public": [5.0, 12.5, 1.0]})
    fig = plot.allocation_by_group(frame, "department")
    assert charts.svg_bytes(fig) == _matplotlib_svg(fig)
    assert not isinstance(fig.canvas, charts.FigureCanvas)  # savefig switched back


def test_with_another_matplotlib_series_matplotlibs_own_backend_draws_the_same(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import missionfinance.report.charts as charts
    from missionfinance.plot._axes import ChartFigure

    def figure() -> ChartFigure:
        fig = ChartFigure(figsize=(3.0, 2.0))
        ax = fig.add_subplot()
        ax.bar(["2026-27", "2027-28"], [1.0, 2.5])
        ax.set_title("£m")
        return fig

    light = charts.svg_bytes(figure())
    monkeypatch.setattr(charts, "LIGHT", False)
    assert charts.svg_bytes(figure()) == light
