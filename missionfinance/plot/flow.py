"""The Sankey-style money flow: budget line → mission → instrument → private money."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch, Rectangle
from matplotlib.path import Path as MplPath

from missionfinance.plot._axes import ChartFigure
from missionfinance.plot._base import (
    _CONTROL_COLOUR,
    _INSTRUMENT_ORDER,
    EDGE,
    _empty,
    _instrument_colours,
    _label,
    _mission_ids,
    _missions_of,
    _money,
    _order,
    _styled,
    _widest,
    fixed_layout,
    mission_colours,
    title_margin,
)
from missionfinance.views import UNATTRIBUTED, flow_frame


# ----------------------------------------------------------------------------- flow
def _band(ax: Any, x0: float, x1: float, y0: tuple[float, float], y1: tuple[float, float],
          colour: str) -> PathPatch:
    """A band from slot y0=(bottom, top) at x0 to slot y1 at x1 (cubic edges)."""
    xm = (x0 + x1) / 2
    verts = [(x0, y0[1]), (xm, y0[1]), (xm, y1[1]), (x1, y1[1]),
             (x1, y1[0]), (xm, y1[0]), (xm, y0[0]), (x0, y0[0]), (x0, y0[1])]
    codes = [MplPath.MOVETO, MplPath.CURVE4, MplPath.CURVE4, MplPath.CURVE4,
             MplPath.LINETO, MplPath.CURVE4, MplPath.CURVE4, MplPath.CURVE4, MplPath.CLOSEPOLY]
    patch = PathPatch(MplPath(verts, codes), facecolor=colour, edgecolor="none", alpha=0.45)
    ax.add_artist(patch)  # within the nodes' extent: see flow
    return patch


@_styled
def flow(result_or_frame: Any, missions: Any = None,
         instruments: Mapping[str, Any] | None = None) -> Figure:
    """Sankey-style flow: budget line → mission → instrument → private money (£m).

    The first three columns are public finance committed: from the budget control that
    funds it (a guarantee draws on no budget at issue: "contingent liability"), to the
    mission it is attributed to, to the instrument. The last step widens each
    instrument's band to the private money it crowds in, split into additional money and
    money that would happen anyway, so the widening is the leverage.

    Parameters
    ----------
    result_or_frame : RunResult, AllocationResult or DataFrame
        A frame as :func:`flow_frame` returns.
    missions : MissionSet or mapping of id to colour, optional
    instruments : mapping of name to Instrument, optional
        Passed to :func:`flow_frame`.

    Notes
    -----
    Nodes are :class:`~matplotlib.patches.Rectangle` patches and links
    :class:`~matplotlib.patches.PathPatch` patches, one per non-zero link.
    """
    frame = (result_or_frame if isinstance(result_or_frame, pd.DataFrame)
             else flow_frame(result_or_frame, instruments))
    ms = _missions_of(result_or_frame, missions)
    fig = ChartFigure(figsize=(9.0, 5.2))
    if frame.empty or float(frame["public"].sum()) <= 0:
        return _empty(fig, "Nothing allocated")
    m_ids = _order(list(frame["mission"].astype(str)), [*_mission_ids(ms), UNATTRIBUTED])
    colours = mission_colours(mission_colours(ms), m_ids)
    i_ids = _order(list(frame["instrument"].astype(str)), _INSTRUMENT_ORDER)
    i_col = _instrument_colours(i_ids)
    b_ids = sorted(set(frame["budget"].astype(str)))
    add = frame["additional_private"].to_numpy(dtype=float)
    priv = frame["private"].to_numpy(dtype=float)
    frame = frame.assign(anyway=np.maximum(priv - add, 0.0))
    by_inst = frame.groupby("instrument")[["public", "additional_private", "anyway"]].sum()
    p_ids = [n for n, col in (("additional private", "additional_private"),
                              ("would happen anyway", "anyway")) if by_inst[col].sum() > 1e-9]
    p_col = {"additional private": "#333333", "would happen anyway": "#a0a0a0"}

    def totals(key: str, ids: list[str]) -> dict[str, float]:
        s = frame.groupby(key)["public"].sum()
        return {k: float(s.get(k, 0.0)) for k in ids}

    column_nodes: list[dict[str, float]] = [
        totals("budget", b_ids), totals("mission", m_ids), totals("instrument", i_ids),
        {"additional private": float(by_inst["additional_private"].sum()),
         "would happen anyway": float(by_inst["anyway"].sum())},
    ]
    column_nodes[3] = {k: v for k, v in column_nodes[3].items() if k in p_ids}
    height = max(sum(c.values()) for c in column_nodes)
    gap = 0.03 * height
    width = 0.08
    ax = fig.add_subplot()
    outer: dict[int, list[str]] = {}  # node labels by column: the first and last stick out
    node_pos: list[dict[str, tuple[float, float]]] = []
    node_colours = [dict.fromkeys(b_ids, _CONTROL_COLOUR), colours, i_col, p_col]
    for x, nodes in enumerate(column_nodes):
        top = height + gap * (len(column_nodes[0]) - 1)
        pos: dict[str, tuple[float, float]] = {}
        for name, value in nodes.items():
            if value <= 1e-9:
                continue
            pos[name] = (top - value, top)
            ax.add_artist(Rectangle((x - width / 2, top - value), width, value,
                                   facecolor=node_colours[x].get(name, "#7f7f7f"),
                                   edgecolor="white", linewidth=0.5))
            ha, dx = ("right", -width) if x == 0 else ("left", width)
            text = f"{_label(name, 22)} {_money(value)}"
            ax.text(x + dx, top - value / 2, text, ha=ha, va="center", fontsize=7)
            outer.setdefault(x, []).append(text)
            top -= value + gap
        node_pos.append(pos)

    def links(src: str, dst: str) -> list[tuple[str, str, float, float]]:
        g = frame.groupby([src, dst])["public"].sum()
        return [(str(a), str(b), float(v), float(v)) for (a, b), v in g.items() if v > 1e-9]

    stage_links = [links("budget", "mission"), links("mission", "instrument")]
    last: list[tuple[str, str, float, float]] = []
    for inst in i_ids:
        if inst not in by_inst.index:
            continue
        pub, ad, an = (float(by_inst.loc[inst, c]) for c in ("public", "additional_private", "anyway"))
        total = ad + an
        for name, amount in (("additional private", ad), ("would happen anyway", an)):
            if amount > 1e-9:
                last.append((inst, name, pub * amount / total, amount))
    stage_links.append(last)
    orders = [b_ids, m_ids, i_ids, p_ids]
    for x, stage in enumerate(stage_links):
        out_used = {k: v[1] for k, v in node_pos[x].items()}
        in_used = {k: v[1] for k, v in node_pos[x + 1].items()}
        src_rank = {n: k for k, n in enumerate(orders[x])}
        dst_rank = {n: k for k, n in enumerate(orders[x + 1])}
        for a, b, left_h, right_h in sorted(stage, key=lambda t: (src_rank[t[0]], dst_rank[t[1]])):
            y0 = (out_used[a] - left_h, out_used[a])
            y1 = (in_used[b] - right_h, in_used[b])
            out_used[a] -= left_h
            in_used[b] -= right_h
            colour = (colours.get(b, "#7f7f7f") if x == 0 else colours.get(a, "#7f7f7f")
                      if x == 1 else i_col.get(a, "#7f7f7f"))
            _band(ax, x + width / 2, x + 1 - width / 2, y0, y1, colour)
    for x, title in enumerate(["Budget line", "Mission", "Instrument", "Private money"]):
        ax.text(x, height * 1.02 + gap * (len(column_nodes[0]) - 1), title, ha="center",
                va="bottom", fontweight="bold")
    lowest = min(lo for pos in node_pos for lo, _ in pos.values())
    # patches are added as artists, without add_patch measuring each one's extent (the
    # curved bands' the slowest part of the figure) for limits set here anyway: the data
    # limits are the nodes' extent, which holds the bands
    ax.update_datalim([(-width / 2, lowest), (len(column_nodes) - 1 + width / 2,
                                              max(hi for pos in node_pos for _, hi in pos.values()))])
    ax.set_xlim(-0.85, 3.85)
    ax.set_ylim(lowest - gap, height * 1.08 + gap * len(column_nodes[0]))
    ax.set_axis_off()
    ax.set_title("From budget to private money (£m)")
    # the first and last columns' labels run from the nodes outwards: widen the margins
    # by what they need beyond the 0.77 units of axes left on either side
    room = (0.85 - width) / 4.7
    need_left, need_right = _widest(outer.get(0, []), 7.0), _widest(outer.get(3, []), 7.0)
    left = right = 0.0
    for _ in range(3):  # the axes narrow as the margins grow: settle in a few steps
        inner = fig.get_figwidth() - 2 * EDGE - left - right
        left = max(0.0, need_left - room * inner)
        right = max(0.0, need_right - room * inner)
    fixed_layout(fig, left=left, right=right, top=title_margin())
    return fig
