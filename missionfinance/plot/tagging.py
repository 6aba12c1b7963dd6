"""Figures of tagging: coverage by department and alignment by mission."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from missionfinance.plot._axes import ChartFigure
from missionfinance.plot._base import (
    STATUS_COLOURS,
    _empty,
    _label,
    _mission_ids,
    _missions_of,
    _money,
    _order,
    _styled,
    mission_colours,
)

# ----------------------------------------------------------------------------- tagging
_STATUSES = ("favourable", "unfavourable", "mixed", "neutral", "not_assessed")


@_styled
def coverage_by_department(tagging_or_frame: Any, top: int = 15, share: bool = True) -> Figure:
    """How much of each department's money the rules assess, and in which direction.

    One bar per department (the ``top`` largest by amount, amount > 0), split by line
    status: favourable, unfavourable, mixed, neutral, not assessed.

    Parameters
    ----------
    tagging_or_frame : TaggingResult or DataFrame
        A frame is :attr:`TaggingResult.coverage` (rows of dimension ``department`` are
        used) or has columns ``group``, ``amount`` and the five status columns [£m].
    top : int
        Most departments shown.
    share : bool
        Bars as shares of each department's amount (default) or in £m.
    """
    cov = tagging_or_frame if isinstance(tagging_or_frame, pd.DataFrame) else tagging_or_frame.coverage
    if "dimension" in cov.columns:
        cov = cov[cov["dimension"] == "department"]
    cov = cov[cov["amount"] > 0].sort_values(["amount", "group"], ascending=[False, True],
                                             kind="mergesort").head(top)
    fig = ChartFigure(figsize=(8.0, 0.9 + 0.3 * max(len(cov), 3)))
    if cov.empty:
        return _empty(fig, "No department with money to assess")
    ax = fig.add_subplot()
    y = np.arange(len(cov))
    amount = cov["amount"].to_numpy(dtype=float)
    left = np.zeros(len(cov))
    for status in _STATUSES:
        values = cov[status].to_numpy(dtype=float).clip(min=0.0)
        values = values / amount if share else values
        ax.barh(y, values, left=left, color=STATUS_COLOURS[status], edgecolor="#999999",
                linewidth=0.3, label=status.replace("_", " "))
        left += values
    for k, a in enumerate(amount):
        ax.text(left[k], k, f" {_money(a)}", va="center", fontsize=7)
    ax.set_yticks(y, [_label(g) for g in cov["group"]])
    ax.invert_yaxis()
    if share:
        ax.set_xlim(0, 1.18)
        ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0], ["0%", "25%", "50%", "75%", "100%"])
        ax.set_xlabel("share of the department's £m (total written beside)")
    else:
        ax.set_xlabel("£m")
        ax.margins(x=0.15)
    ax.set_title("Tagging coverage by department")
    ax.legend(ncols=3, loc="upper center", bbox_to_anchor=(0.5, -0.14 if share else -0.2))
    fig.tight_layout()
    return fig


@_styled
def alignment_by_mission(tagging_or_frame: Any, missions: Any = None) -> Figure:
    """Baseline £m attributed to each mission: for it (right), against it (left).

    Parameters
    ----------
    tagging_or_frame : TaggingResult or DataFrame
        A frame has columns ``mission``, ``favourable`` and ``unfavourable`` [£m, both
        ≥ 0], or is a tags frame (``mission``, ``amount_attributed``).
    missions : MissionSet or mapping of id to colour, optional
    """
    frame = tagging_or_frame if isinstance(tagging_or_frame, pd.DataFrame) else tagging_or_frame.tags
    if "amount_attributed" in frame.columns:
        amt = frame["amount_attributed"].astype(float)
        mission = frame["mission"].astype(str)
        frame = pd.DataFrame({
            "favourable": amt.clip(lower=0.0).groupby(mission).sum(),
            "unfavourable": (-amt.clip(upper=0.0)).groupby(mission).sum(),
        }).rename_axis("mission").reset_index()
    ms = _missions_of(tagging_or_frame, missions)
    ids = _order([*map(str, frame["mission"]), *_mission_ids(ms)], _mission_ids(ms))
    frame = frame.assign(mission=frame["mission"].astype(str)).set_index("mission").reindex(
        ids, fill_value=0.0)
    colours = mission_colours(mission_colours(ms), ids)
    fig = ChartFigure(figsize=(8.0, 0.9 + 0.45 * max(len(ids), 2)))
    ax = fig.add_subplot()
    y = np.arange(len(ids))
    fav = frame["favourable"].to_numpy(dtype=float)
    unf = frame["unfavourable"].to_numpy(dtype=float)
    cols = [colours[m] for m in ids]
    ax.barh(y, fav, color=cols, label="for the mission")
    ax.barh(y, -unf, color=cols, alpha=0.35, hatch="///", edgecolor="#555555", linewidth=0.0,
            label="against the mission")
    for k in range(len(ids)):
        ax.text(fav[k], k, f" {_money(fav[k])}", va="center", fontsize=7)
    ax.axvline(0, color="black", linewidth=0.6)
    ax.set_yticks(y, [_label(m) for m in ids])
    ax.invert_yaxis()
    ax.set_xlabel("£m attributed (against: left of zero)")
    ax.set_title("Baseline spending attributed to each mission")
    ax.margins(x=0.15)
    fig.tight_layout()
    return fig
