"""Figures of milestone outcomes: one trajectory per milestone, and the tornado of inputs.

:func:`milestone_trajectory` draws, for one milestone, the target path, the BAU path, the
path with the allocation and, when simulated, the 10–90% band of that path (a fan chart),
from outcomes.csv rows (DESIGN §7). :func:`tornado` draws how far each uncertain input,
moved from its 10th to its 90th percentile, moves a milestone's outcome at its deadline.
:func:`milestone_trajectories` and :func:`tornadoes` draw several milestones as small
multiples in one figure (the report's charts).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from missionfinance.plot._axes import ChartFigure
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


def _trajectory_panel(ax: Any, rows: pd.DataFrame, colour: str, title: str, deadline: str,
                      legend: bool = True) -> tuple[np.ndarray, list[str]]:
    """Draw one milestone's paths into ``ax``; return the values drawn and the years."""
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
    ax.set_title(_label(title, 70), fontsize=9, loc="left")
    if legend:
        ax.legend(fontsize=7, frameon=False, loc="upper left")
    ax.grid(axis="y", color="#e0e0e0", linewidth=0.6)
    return rows[["target", "bau", "projected", "p10", "p90"]].to_numpy(dtype=float), years


def _note_panel(ax: Any, title: str, message: str) -> None:
    ax.set_axis_off()
    ax.set_title(_label(title, 70), fontsize=9, loc="left")
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes)


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
    fig = ChartFigure(figsize=(5.2, 3.0))
    if rows.empty:
        return _empty(fig, f"No outcome data for {milestone}")
    ax = fig.add_subplot(1, 1, 1)
    values, years = _trajectory_panel(ax, rows, colour, title or milestone, deadline)
    fixed_layout(fig, left=y_margin(number_labels(values), label=True),
                 bottom=x_margin(years, 7.0), top=title_margin(), right=0.1)
    return fig


@_styled
def milestone_trajectories(outcomes: Any, panels: Sequence[tuple[str, str, str, str]],
                           ncols: int = 2) -> Figure:
    """:func:`milestone_trajectory` of several milestones as small multiples in one figure.

    Parameters
    ----------
    outcomes : DataFrame or Trajectories
        outcomes.csv rows.
    panels : sequence of (milestone, colour, title, deadline)
        One panel per milestone, in reading order (left to right, top to bottom); the
        legend is drawn once, in the first panel with data.
    ncols : int
        Panels per row.
    """
    ncols = max(1, min(ncols, len(panels)))
    nrows = max(1, -(-len(panels) // ncols))
    fig = ChartFigure(figsize=(5.2 * ncols, 0.3 + 2.9 * nrows))
    if not panels:
        return _empty(fig, "No milestones")
    grid = fig.add_gridspec(nrows, ncols)
    values: list[np.ndarray] = []
    years: list[str] = []
    legend = True
    for k, (milestone, colour, title, deadline) in enumerate(panels):
        ax = fig.add_subplot(grid[k // ncols, k % ncols])
        rows = _rows(outcomes, milestone)
        if rows.empty:
            _note_panel(ax, title or milestone, f"No outcome data for {milestone}")
            continue
        drawn, panel_years = _trajectory_panel(ax, rows, colour, title or milestone, deadline,
                                               legend=legend)
        legend = False
        values.append(drawn.ravel())
        years += panel_years
    ticks = y_margin(number_labels(np.concatenate(values) if values else []), label=True)
    below = x_margin(years, 7.0)
    fixed_layout(fig, left=ticks, bottom=below, top=title_margin(), right=0.1,
                 wspace=ticks + 0.15, hspace=below + title_margin() + 0.1)
    return fig


def _tornado_rows(sensitivity: pd.DataFrame, milestone: str) -> pd.DataFrame:
    """Inputs that move ``milestone`` at all, narrowest swing first (drawn bottom up)."""
    rows = sensitivity[(sensitivity["milestone"].astype(str) == milestone)
                       & (pd.to_numeric(sensitivity["swing"], errors="coerce").abs() > 0)]
    return rows.sort_values(["swing", "input"], ascending=[True, False])


def _tornado_panel(ax: Any, rows: pd.DataFrame, unit: str, title: str
                   ) -> tuple[list[str], np.ndarray]:
    """Draw one milestone's tornado into ``ax``; return the input labels and the bar ends."""
    y = np.arange(len(rows))
    lo = np.minimum(rows["at_p10"], rows["at_p90"]).to_numpy(dtype=float)
    hi = np.maximum(rows["at_p10"], rows["at_p90"]).to_numpy(dtype=float)
    ax.barh(y, hi - lo, left=lo, color="#1d70b8", height=0.6)
    names = [_label(s, 40) for s in rows["input"]]
    ax.set_yticks(y, names, fontsize=7)
    ax.set_xlabel(_label(unit, 40), fontsize=8)
    ax.set_title(_label(title, 70), fontsize=9, loc="left")
    ax.xaxis.set_major_locator(MaxNLocator(nbins=4))  # numbers in full: room for four
    return names, np.concatenate([lo, hi])


@_styled
def tornado(sensitivity: pd.DataFrame, milestone: str, unit: str = "",
            title: str = "") -> Figure:
    """Tornado bars of a milestone's deadline outcome, widest swing on top.

    Each bar is the outcome with one uncertain input at its 10th and 90th percentile
    (others as given); ``sensitivity`` has columns
    ``milestone, input, at_p10, at_p90, swing``. Inputs that do not move the milestone
    (swing 0) are left out; they are in the table.
    """
    rows = _tornado_rows(sensitivity, milestone)
    fig = ChartFigure(figsize=(5.2, 0.6 + 0.35 * max(len(rows), 1)))
    if rows.empty:
        return _empty(fig, "No uncertain input moves this milestone")
    ax = fig.add_subplot(1, 1, 1)
    names, ends = _tornado_panel(ax, rows, unit, title or milestone)
    fixed_layout(fig, left=y_margin(names, 7.0),
                 bottom=x_margin(number_labels(ends), label=True),
                 top=title_margin(), right=0.15)
    return fig


@_styled
def tornadoes(sensitivity: pd.DataFrame, panels: Sequence[tuple[str, str, str]],
              ncols: int = 2) -> Figure:
    """:func:`tornado` of several milestones as small multiples in one figure.

    Parameters
    ----------
    sensitivity : DataFrame
        ``milestone, input, at_p10, at_p90, swing``.
    panels : sequence of (milestone, unit, title)
        One panel per milestone, in reading order.
    ncols : int
        Panels per row.
    """
    ncols = max(1, min(ncols, len(panels)))
    nrows = max(1, -(-len(panels) // ncols))
    found = [_tornado_rows(sensitivity, m) for m, _, _ in panels]
    most = max([len(r) for r in found] + [1])
    fig = ChartFigure(figsize=(5.2 * ncols, 0.3 + (0.9 + 0.3 * most) * nrows))
    if not panels:
        return _empty(fig, "No milestones")
    grid = fig.add_gridspec(nrows, ncols)
    names: list[str] = []
    ends: list[np.ndarray] = []
    for k, ((milestone, unit, title), rows) in enumerate(zip(panels, found, strict=True)):
        ax = fig.add_subplot(grid[k // ncols, k % ncols])
        if rows.empty:
            _note_panel(ax, title or milestone, "No uncertain input moves this milestone")
            continue
        panel_names, panel_ends = _tornado_panel(ax, rows, unit, title or milestone)
        names += panel_names
        ends.append(panel_ends)
    labels = y_margin(names, 7.0)
    below = x_margin(number_labels(np.concatenate(ends) if ends else []), label=True)
    fixed_layout(fig, left=labels, bottom=below, top=title_margin(), right=0.15,
                 wspace=labels + 0.2, hspace=below + title_margin())
    return fig
