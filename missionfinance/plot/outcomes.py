"""Figures of milestone outcomes: one trajectory per milestone, and the tornado of inputs.

:func:`milestone_trajectory` draws, for one milestone, the target path, the BAU path, the
path with the allocation and, when simulated, the 10–90% band of that path (a fan chart),
from outcomes.csv rows (DESIGN §7). :func:`tornado` draws how far each uncertain input,
moved from its 10th to its 90th percentile, moves a milestone's outcome at its deadline.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from missionfinance.plot._base import (
    _empty,
    _label,
    _styled,
    fixed_layout,
    number_labels,
    title_margin,
    x_margin,
    y_margin,
)


def _rows(obj: Any, milestone: str) -> pd.DataFrame:
    frame = getattr(obj, "frame", obj)
    if not isinstance(frame, pd.DataFrame):
        raise TypeError("milestone_trajectory takes outcomes.csv rows or Trajectories")
    return frame[(frame["milestone"].astype(str) == milestone) & frame["bau"].notna()]


@_styled
def milestone_trajectory(outcomes: Any, milestone: str, colour: str = "#1d70b8",
                         title: str = "", deadline: str = "") -> Figure:
    """Target path, BAU, this allocation and its 10–90% band for ``milestone``.

    Parameters
    ----------
    outcomes : DataFrame or Trajectories
        outcomes.csv rows (``milestone, year, unit, baseline, bau, projected, target,
        p10, p90``).
    milestone : str
        Milestone id.
    colour : str
        The mission's colour (the allocation's path and band).
    title : str
        Figure title (default: the milestone id).
    deadline : str
        Financial year marked with a vertical line.
    """
    rows = _rows(outcomes, milestone)
    fig = Figure(figsize=(5.2, 3.0))
    if rows.empty:
        return _empty(fig, f"No outcome data for {milestone}")
    ax = fig.add_subplot(1, 1, 1)
    years = rows["year"].astype(str).tolist()
    x = np.arange(len(years))
    unit = str(rows["unit"].iloc[-1])
    if rows["p10"].notna().any():
        ax.fill_between(x, rows["p10"].to_numpy(dtype=float), rows["p90"].to_numpy(dtype=float),
                        color=colour, alpha=0.18, linewidth=0, label="10–90% of draws")
    ax.plot(x, rows["target"].to_numpy(dtype=float), color="#505a5f", linestyle="--",
            linewidth=1.4, label="target path")
    ax.plot(x, rows["bau"].to_numpy(dtype=float), color="#b1b4b6", linewidth=1.6,
            label="business as usual")
    ax.plot(x, rows["projected"].to_numpy(dtype=float), color=colour, linewidth=2.2,
            marker="o", markersize=3, label="with this allocation")
    if deadline in years:
        ax.axvline(years.index(deadline), color="#d4351c", linewidth=0.8, linestyle=":")
    ax.set_xticks(x, [_label(y) for y in years], rotation=0, fontsize=7)
    ax.set_ylabel(_label(unit, 40), fontsize=8)
    ax.set_title(_label(title or milestone, 70), fontsize=9, loc="left")
    ax.legend(fontsize=7, frameon=False, loc="upper left")
    ax.grid(axis="y", color="#e0e0e0", linewidth=0.6)
    values = rows[["target", "bau", "projected", "p10", "p90"]].to_numpy(dtype=float)
    fixed_layout(fig, left=y_margin(number_labels(values), label=True),
                 bottom=x_margin(years, 7.0), top=title_margin(), right=0.1)
    return fig


@_styled
def tornado(sensitivity: pd.DataFrame, milestone: str, unit: str = "",
            title: str = "") -> Figure:
    """Tornado bars of a milestone's deadline outcome, widest swing on top.

    Each bar is the outcome with one uncertain input at its 10th and 90th percentile
    (others as given); ``sensitivity`` has columns
    ``milestone, input, at_p10, at_p90, swing``.
    """
    rows = sensitivity[sensitivity["milestone"].astype(str) == milestone]
    fig = Figure(figsize=(5.2, 0.6 + 0.35 * max(len(rows), 1)))
    if rows.empty:
        return _empty(fig, "No uncertain input moves this milestone")
    rows = rows.sort_values(["swing", "input"], ascending=[True, False])
    ax = fig.add_subplot(1, 1, 1)
    y = np.arange(len(rows))
    lo = np.minimum(rows["at_p10"], rows["at_p90"]).to_numpy(dtype=float)
    hi = np.maximum(rows["at_p10"], rows["at_p90"]).to_numpy(dtype=float)
    ax.barh(y, hi - lo, left=lo, color="#1d70b8", height=0.6)
    names = [_label(s, 40) for s in rows["input"]]
    ax.set_yticks(y, names, fontsize=7)
    ax.set_xlabel(_label(unit, 40), fontsize=8)
    ax.set_title(_label(title or milestone, 70), fontsize=9, loc="left")
    ax.xaxis.set_major_locator(MaxNLocator(nbins=4))  # numbers in full: room for four
    fixed_layout(fig, left=y_margin(names, 7.0),
                 bottom=x_margin(number_labels(np.concatenate([lo, hi])), label=True),
                 top=title_margin(), right=0.15)
    return fig
