"""Figures of the allocation report, and their deterministic SVG rendering.

Each ``*_figure`` function takes report frames (:mod:`missionfinance.report.tables`)
and returns a :class:`matplotlib.figure.Figure` built without pyplot, so it works in
any backend and can move to ``missionfinance.plot`` unchanged. :func:`svg_bytes`
renders a figure to SVG that is byte-identical across runs and processes: fixed
``svg.hashsalt`` (ids of clip paths and glyphs), no ``Date`` metadata, text kept as
text (``svg.fonttype = "none"``) so it stays small and any script is shown, not run.

Labels taken from inputs (departments, regions) are cut to :data:`LABEL_CHARS`
characters and ``$`` is escaped so mathtext never parses them.
"""

from __future__ import annotations

import functools
import io
import unicodedata
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar, cast

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

#: Longest label drawn; longer text is cut with an ellipsis.
LABEL_CHARS = 40

_SVG_RC: dict[Any, Any] = {
    "svg.hashsalt": "missionfinance-report",
    "svg.fonttype": "none",
    "svg.image_inline": True,
    "font.family": "DejaVu Sans",
    "font.size": 9.0,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "path.simplify": True,
}

# Fixed margins instead of tight_layout (which draws every figure twice); horizontal bar
# charts leave room for labels of LABEL_CHARS characters.
_VERTICAL = {"left": 0.12, "right": 0.98, "bottom": 0.13, "top": 0.9}
_HORIZONTAL = {"left": 0.34, "right": 0.97}


def _horizontal_margins(fig: Figure) -> None:
    height = float(fig.get_figheight())
    fig.subplots_adjust(bottom=0.55 / height, top=1 - 0.35 / height, **_HORIZONTAL)

_PALETTE = ["#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#d62728", "#8c564b", "#e377c2",
            "#7f7f7f", "#bcbd22", "#17becf"]


def label(text: object, limit: int = LABEL_CHARS) -> str:
    """Safe chart label: at most ``limit`` characters, ``$`` escaped, no control characters.

    Examples
    --------
    >>> label("Costs $5m")
    'Costs \\\\$5m'
    """
    value = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in str(text))
    if len(value) > limit:
        value = value[: limit - 1] + "…"
    return value.replace("$", r"\$")


_F = TypeVar("_F", bound=Callable[..., Figure])


def _styled(func: _F) -> _F:
    """Build the figure under the report's rcParams (font, spines)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Figure:
        with mpl.rc_context(_SVG_RC), warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # glyphs missing from DejaVu Sans
            return func(*args, **kwargs)

    return cast(_F, wrapper)


def _pounds(axis: Any) -> None:
    """Plain thousands-separated tick labels (no ``1e6`` offset) on a £m axis."""
    axis.set_major_formatter(FuncFormatter(lambda value, _pos: f"{value:,.0f}"))


def _colours(names: Sequence[str], fixed: Mapping[str, str] | None = None) -> list[str]:
    fixed = fixed or {}
    return [fixed.get(n, _PALETTE[i % len(_PALETTE)]) for i, n in enumerate(names)]


def _empty(fig: Figure, message: str) -> Figure:
    ax = fig.add_subplot()
    ax.set_axis_off()
    ax.text(0.5, 0.5, message, ha="center", va="center")
    return fig


@_styled
def flow_figure(flow: pd.DataFrame, colours: Mapping[str, str] | None = None) -> Figure:
    """Stacked columns from budget used → mission → instrument → private money (£m).

    Parameters
    ----------
    flow : pd.DataFrame
        Columns ``stage``, ``item``, ``amount`` [£m] (:func:`tables.flow`).
    colours : mapping, optional
        Colour of an item (mission colours).
    """
    fig = Figure(figsize=(8.0, 4.2))
    if flow.empty or not np.isfinite(flow["amount"]).any() or flow["amount"].abs().sum() == 0:
        return _empty(fig, "Nothing allocated")
    ax = fig.add_subplot()
    stages = sorted(flow["stage"].unique())
    for x, stage in enumerate(stages):
        rows = flow[(flow["stage"] == stage) & (flow["amount"] > 0)]
        bottom = 0.0
        cols = _colours(list(rows["item"]), colours)
        for (item, amount), colour in zip(zip(rows["item"], rows["amount"], strict=True), cols,
                                          strict=True):
            ax.bar(x, amount, bottom=bottom, color=colour, width=0.6, edgecolor="white")
            if amount > 0.04 * flow.groupby("stage")["amount"].sum().max():
                ax.text(x, bottom + amount / 2, f"{label(item, 18)}\n£{amount:,.0f}m",
                        ha="center", va="center", fontsize=7, color="white")
            bottom += amount
    ax.set_xticks(range(len(stages)), [s.split(" ", 1)[1].capitalize() for s in stages])
    ax.set_ylabel("£m")
    _pounds(ax.yaxis)
    ax.set_title("From budget to private money")
    fig.subplots_adjust(**_VERTICAL)
    return fig


@_styled
def mission_figure(by_mission: pd.DataFrame, colours: Mapping[str, str] | None = None) -> Figure:
    """Horizontal bars of public and private £m attributed to each mission."""
    fig = Figure(figsize=(8.0, 0.5 + 0.45 * max(len(by_mission), 2)))
    if by_mission.empty:
        return _empty(fig, "No mission attribution")
    ax = fig.add_subplot()
    y = np.arange(len(by_mission))
    names = list(by_mission["mission"])
    ax.barh(y - 0.2, by_mission["public"], height=0.4, color=_colours(names, colours),
            label="public")
    ax.barh(y + 0.2, by_mission["private"], height=0.4, color="#bbbbbb", label="private")
    ax.set_yticks(y, [label(n) for n in names])
    ax.invert_yaxis()
    ax.set_xlabel("£m")
    _pounds(ax.xaxis)
    ax.legend(frameon=False, loc="lower right")
    ax.set_title("Money attributed to each mission")
    _horizontal_margins(fig)
    return fig


@_styled
def year_instrument_figure(by_year: pd.DataFrame) -> Figure:
    """Stacked bars of public £m per year, one colour per instrument."""
    fig = Figure(figsize=(8.0, 3.6))
    instruments = [c for c in by_year.columns if c not in ("year", "total")]
    if by_year.empty or not instruments:
        return _empty(fig, "Nothing allocated")
    ax = fig.add_subplot()
    bottom = np.zeros(len(by_year))
    for name, colour in zip(instruments, _colours(instruments), strict=True):
        values = by_year[name].to_numpy(dtype=float)
        ax.bar(by_year["year"], values, bottom=bottom, color=colour, label=label(name))
        bottom += values
    ax.set_ylabel("£m")
    _pounds(ax.yaxis)
    ax.legend(frameon=False, ncols=min(len(instruments), 4), loc="upper left")
    ax.set_title("Public finance by year and instrument")
    fig.subplots_adjust(**_VERTICAL)
    return fig


@_styled
def budget_figure(budget: pd.DataFrame) -> Figure:
    """Share of each control total used per year (grouped bars), £m used written on top.

    Parameters
    ----------
    budget : pd.DataFrame
        Columns ``control``, ``year``, ``used``, ``limit`` [£m], ``share_used`` [share]
        (:func:`tables.budget_use`). Controls with no limit in any year are left out.
    """
    fig = Figure(figsize=(8.0, 3.6))
    limited = budget[np.isfinite(budget["share_used"].to_numpy(dtype=float))]
    if limited.empty:
        return _empty(fig, "No budget limit is given")
    ax = fig.add_subplot()
    years = list(dict.fromkeys(budget["year"]))
    controls = list(dict.fromkeys(limited["control"]))
    width = 0.8 / len(controls)
    for k, (control, colour) in enumerate(zip(controls, _colours(controls), strict=True)):
        rows = limited[limited["control"] == control]
        x = np.array([years.index(y) for y in rows["year"]]) - 0.4 + width * (k + 0.5)
        share = rows["share_used"].to_numpy(dtype=float) * 100
        ax.bar(x, share, width=width * 0.95, color=colour, label=label(control))
        for xi, si, used in zip(x, share, rows["used"], strict=True):
            ax.text(xi, si + 1.5, f"£{used:,.0f}m", ha="center", va="bottom", fontsize=6,
                    rotation=90 if len(controls) * len(years) > 8 else 0)
    ax.axhline(100, color="black", linewidth=0.8, linestyle="--")
    ax.set_xticks(range(len(years)), years)
    ax.set_ylim(0, max(150.0, float(limited["share_used"].max()) * 100 + 50))
    ax.set_ylabel("% of the control total used")
    ax.legend(frameon=False, ncols=len(controls), loc="upper left")
    ax.set_title("Budget used against control totals (100% = limit)")
    fig.subplots_adjust(**_VERTICAL)
    return fig


@_styled
def exposure_figure(exposure: pd.DataFrame) -> Figure:
    """Guarantee exposure stock per year end against its limit."""
    fig = Figure(figsize=(8.0, 3.0))
    if exposure.empty:
        return _empty(fig, "No guarantees")
    ax = fig.add_subplot()
    ax.bar(exposure["year"], exposure["exposure_stock"], color="#ff7f0e", label="exposure")
    limit = exposure["exposure_limit"].to_numpy(dtype=float)
    has = np.isfinite(limit)
    if has.any():
        ax.scatter(np.arange(len(exposure))[has], limit[has], marker="_", s=600, color="black",
                   label="limit")
    ax.legend(frameon=False)
    ax.set_ylabel("£m")
    _pounds(ax.yaxis)
    ax.set_title("Guarantee exposure at year end")
    fig.subplots_adjust(**_VERTICAL)
    return fig


@_styled
def top_figure(frame: pd.DataFrame, key: str, title: str, top: int = 12) -> Figure:
    """Horizontal bars of public £m for the ``top`` largest groups of ``key``."""
    rows = frame.head(top)
    fig = Figure(figsize=(8.0, 0.6 + 0.32 * max(len(rows), 2)))
    if rows.empty:
        return _empty(fig, "Nothing allocated")
    ax = fig.add_subplot()
    y = np.arange(len(rows))
    ax.barh(y, rows["public"], color="#1f77b4")
    ax.set_yticks(y, [label(v) for v in rows[key]])
    ax.invert_yaxis()
    ax.set_xlabel("£m of public finance")
    _pounds(ax.xaxis)
    ax.set_title(title)
    _horizontal_margins(fig)
    return fig


def svg_bytes(fig: Figure) -> bytes:
    """Render ``fig`` to byte-stable SVG (see the module docstring)."""
    buffer = io.BytesIO()
    with mpl.rc_context(_SVG_RC), warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # glyphs missing from DejaVu Sans
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()
