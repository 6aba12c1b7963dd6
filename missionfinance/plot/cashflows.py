"""Money out and money back over time, stacked by instrument, with the net line."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.collections import PolyCollection
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from missionfinance.plot._axes import ChartFigure
from missionfinance.plot._base import (
    _INSTRUMENT_ORDER,
    _empty,
    _instrument_colours,
    _label,
    _order,
    _styled,
    fixed_layout,
    number_labels,
    title_margin,
    x_margin,
    y_margin,
)


@_styled
def money_out_and_back(frame: pd.DataFrame) -> Figure:
    """Public money out (below zero) and back (above zero) per year, by instrument.

    Parameters
    ----------
    frame : DataFrame
        ``year, instrument, money_out, money_back, net`` [£m]
        (:func:`missionfinance.fiscal.money_out_and_back`).
    """
    fig = ChartFigure(figsize=(8.0, 3.6))
    if frame.empty:
        return _empty(fig, "No cash flows")
    years = sorted(set(frame["year"].astype(str)))
    inst = _order(sorted(set(frame["instrument"].astype(str))), _INSTRUMENT_ORDER)
    colours = _instrument_colours(inst)
    # sums by year and instrument (NaN counts as 0), a pivot table of each column
    out, back = (np.zeros((len(years), len(inst))) for _ in range(2))
    row = {y: k for k, y in enumerate(years)}
    col = {n: k for k, n in enumerate(inst)}
    for y, n, o, b in zip(frame["year"].astype(str), frame["instrument"].astype(str),
                          frame["money_out"].to_numpy(dtype=float),
                          frame["money_back"].to_numpy(dtype=float), strict=True):
        out[row[y], col[n]] += 0.0 if o != o else o
        back[row[y], col[n]] += 0.0 if b != b else b
    ax = fig.add_subplot()
    x = np.arange(len(years))
    up = np.zeros(len(years))
    down = np.zeros(len(years))
    # every segment in one collection (a bar call makes an artist per bar): back above
    # zero in the instrument's colour, out below it paler
    boxes: list[np.ndarray] = []
    faces: list[tuple[float, float, float, float]] = []
    for j, name in enumerate(inst):
        b = back[:, j]
        o = out[:, j]
        for base, height, alpha in ((up, b, 1.0), (-down, -o, 0.6)):
            for k in np.flatnonzero(height != 0).tolist():
                lo, hi = base[k], base[k] + height[k]
                boxes.append(np.array([(x[k] - 0.3, lo), (x[k] + 0.3, lo),
                                       (x[k] + 0.3, hi), (x[k] - 0.3, hi)]))
                faces.append(to_rgba(colours[name], alpha))
        up += b
        down += o
    ax.add_collection(PolyCollection(boxes, facecolors=faces, edgecolors="none",
                                     linewidths=0.0), autolim=True)
    ax.update_datalim([(x[0] - 0.3, 0.0), (x[-1] + 0.3, 0.0)])
    ax.autoscale_view()
    (net,) = ax.plot(x, up - down, color="black", marker="o", markersize=3, linewidth=1.2,
                     label="net")
    ax.axhline(0.0, color="#4d4d4d", linewidth=0.6)
    ax.set_xticks(x, years, rotation=45, ha="right")
    ax.set_ylabel("£m (out < 0 < back)")
    ax.set_title("Public money out and back by instrument")
    handles = [net, *(Rectangle((0, 0), 1, 1, facecolor=colours[n], label=_label(n))
                      for n in inst)]
    ax.legend(handles=handles, ncols=min(len(inst) + 1, 5), loc="lower right")  # out ends early
    fixed_layout(fig, left=y_margin(number_labels(np.concatenate([up, -down]) * 1.1), label=True),
                 bottom=x_margin(years, rotation=45), top=title_margin(), right=0.1)
    return fig
