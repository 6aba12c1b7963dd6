"""Figures of a sweep: the efficient frontier and a comparison across variants."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from missionfinance.plot._axes import ChartFigure
from missionfinance.plot._base import (
    _CONTROL_COLOUR,
    _empty,
    _label,
    _missions_of,
    _styled,
    mission_colours,
)
from missionfinance.views import efficient_frontier


# ----------------------------------------------------------------------------- sweeps
def _table_of(obj: Any) -> pd.DataFrame:
    table = obj if isinstance(obj, pd.DataFrame) else getattr(obj, "table", None)
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"expected a SweepResult or its table, got {type(obj).__name__}")
    return table


_KEY_PREFIXES = ("budget.", "objective.weights.", "constraints.", "pipeline.", "risk.")


def _short_variant(name: object) -> str:
    """A variant's name without the common table prefixes of its keys.

    Examples
    --------
    >>> _short_variant("budget.CDEL.2027-28=1300, objective.weights.health=2")
    'CDEL.2027-28=1300, health=2'
    """
    parts = []
    for part in str(name).split(", "):
        for prefix in _KEY_PREFIXES:
            if part.startswith(prefix):
                part = part.removeprefix(prefix)
                break
        parts.append(part)
    return ", ".join(parts)


_AXIS_LABELS = {
    "objective": "objective (mission value)",
    "public_total": "public cash committed, £m",
    "private_total": "private investment mobilised, £m",
    "leverage": "leverage, private £ per public £",
}


def _axis_label(column: str) -> str:
    if column.startswith("value."):
        return f"mission value: {_label(column.removeprefix('value.'))}"
    if column.startswith("control."):
        control, _, year = column.removeprefix("control.").partition(".")
        return f"{control} used{' in ' + year if year else ''}, £m"
    if column.startswith("milestone."):
        return f"{_label(column.removeprefix('milestone.'))} at its deadline"
    return _AXIS_LABELS.get(column, _label(column))


@_styled
def frontier(sweep_or_table: Any, x: str = "public_total", y: str = "objective",
             annotate: bool = True, minimise_x: bool = True) -> Figure:
    """A sweep's variants in (x, y), the efficient frontier joined by a line.

    Less x (more x with ``minimise_x=False``, e.g. the value of two missions) and more y
    are better (:func:`missionfinance.views.efficient_frontier`). Variants that did not
    solve are listed under the axes.

    Parameters
    ----------
    sweep_or_table : SweepResult or DataFrame
        A frame is :attr:`SweepResult.table` (``variant``, ``status`` and the columns x, y).
    x, y : str
        Columns of the table.
    annotate : bool
        Write each frontier variant's name beside its point.
    minimise_x : bool
        Whether less x is better (cost on x) or more (a second benefit on x).
    """
    table = _table_of(sweep_or_table)
    fig = ChartFigure(figsize=(7.0, 4.2))
    ok = table[table["status"] == "optimal"].dropna(subset=[x, y])
    if ok.empty:
        return _empty(fig, "No variant solved")
    front = efficient_frontier(table, x, y, minimise_x=minimise_x)
    ax = fig.add_subplot()
    ax.scatter(ok[x].to_numpy(dtype=float), ok[y].to_numpy(dtype=float), s=22, color="#b0b0b0",
               label="variant", zorder=2)
    ax.plot(front[x].to_numpy(dtype=float), front[y].to_numpy(dtype=float), "-o",
            color=_CONTROL_COLOUR, markersize=5, label="efficient frontier", zorder=3)
    if annotate:
        for xv, yv, name in zip(front[x], front[y], front["variant"], strict=True):
            ax.annotate(_label(_short_variant(name), 30), (float(xv), float(yv)),
                        textcoords="offset points",
                        xytext=(4, -10), fontsize=6.5)
    failed = table[table["status"] != "optimal"]
    if len(failed):
        names = ", ".join(_label(v, 25) for v in failed["variant"].head(4))
        more = f" and {len(failed) - 4} more" if len(failed) > 4 else ""
        ax.text(0.0, -0.22, f"Not solved: {names}{more}", transform=ax.transAxes, fontsize=7)
    ax.set_xlabel(_axis_label(x))
    ax.set_ylabel(_axis_label(y))
    ax.set_title("Efficient frontier of the variants")
    ax.legend(loc="best")
    fig.tight_layout()
    return fig


@_styled
def sweep_comparison(table: Any, metric: str = "objective", missions: Any = None) -> Figure:
    """One bar per variant of a sweep; ``metric="value"`` stacks mission value by mission.

    Variants that did not solve get an empty hatched slot labelled with their status.

    Parameters
    ----------
    table : SweepResult or DataFrame
        :attr:`SweepResult.table` (``variant``, ``status``, the metric columns,
        ``value.<mission>``).
    metric : str
        A numeric column, or ``"value"`` for the ``value.<mission>`` columns stacked in
        mission colours.
    missions : MissionSet or mapping of id to colour, optional
    """
    frame = _table_of(table)
    fig = ChartFigure(figsize=(max(6.0, 0.55 * len(frame) + 2.5), 4.0))
    if frame.empty:
        return _empty(fig, "No variants")
    ok = (frame["status"] == "optimal").to_numpy()
    ax = fig.add_subplot()
    x = np.arange(len(frame))
    if metric == "value":
        cols = [c for c in frame.columns if str(c).startswith("value.")]
        ids = [str(c).removeprefix("value.") for c in cols]
        ms = _missions_of(table, missions)
        colours = mission_colours(mission_colours(ms), ids)
        bottom = np.zeros(len(frame))
        for col, mid in zip(cols, ids, strict=True):
            values = np.where(ok, pd.to_numeric(frame[col], errors="coerce").fillna(0.0), 0.0)
            ax.bar(x, values, bottom=bottom, color=colours[mid], width=0.7, label=_label(mid))
            bottom += values
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
        ax.set_ylabel("mission value")
        tops = bottom
    else:
        if metric not in frame.columns:
            raise KeyError(f"sweep_comparison: no column {metric!r}; use one of "
                           f"{', '.join(map(str, frame.columns))} or 'value'")
        values = np.where(ok, pd.to_numeric(frame[metric], errors="coerce").fillna(0.0), 0.0)
        ax.bar(x, values, color=_CONTROL_COLOUR, width=0.7)
        ax.set_ylabel(_axis_label(metric))
        tops = values
    for k in np.flatnonzero(~ok):
        ax.bar(x[k], 0.0, width=0.7, color="none", edgecolor="#b2182b", hatch="///")
        ax.text(x[k], 0.0, str(frame["status"].iloc[k]), rotation=90, ha="center",
                va="bottom", fontsize=7, color="#b2182b")
    top = float(np.nanmax(tops)) if len(tops) else 0.0
    ax.set_ylim(0, top * 1.15 if top > 0 else 1.0)
    ax.set_xticks(x, [_label(_short_variant(v), 30) for v in frame["variant"]], rotation=45,
                  ha="right")
    ax.set_title("Mission value by variant" if metric == "value"
                 else f"{_axis_label(metric)} by variant")
    fig.tight_layout()
    return fig
