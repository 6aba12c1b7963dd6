"""Figures of an allocation: by mission, year, group, budget use, exposure, private money, shadow prices."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from missionfinance.plot._axes import ChartFigure
from missionfinance.plot._base import (
    _CONTROL_COLOUR,
    _INSTRUMENT_ORDER,
    _OTHER_COLOURS,
    HELPER_FAMILIES,
    INSTRUMENT_COLOURS,
    PROJECT_FAMILIES,
    _empty,
    _frame,
    _instrument_colours,
    _instrument_hatches,
    _label,
    _mission_ids,
    _missions_of,
    _money,
    _order,
    _styled,
    fixed_layout,
    mission_colours,
    number_labels,
    title_margin,
    x_margin,
    y_margin,
)
from missionfinance.views import budget_frame, exposure_frame


# ----------------------------------------------------------------------------- allocation
@_styled
def allocation_by_mission(result_or_frame: Any, missions: Any = None) -> Figure:
    """Public £m attributed to each mission, one bar per mission split by instrument.

    Bars carry the mission's colour; instruments are told apart by hatching.

    Parameters
    ----------
    result_or_frame : RunResult, AllocationResult or DataFrame
        A frame has columns ``mission``, ``instrument``, ``public`` [£m] (the shape of
        :attr:`AllocationResult.leverage`).
    missions : MissionSet or mapping of id to colour, optional
        Default: the run's mission set, else the built-in catalogue.
    """
    frame = _frame(result_or_frame, "leverage")
    colours = mission_colours(_missions_of(result_or_frame, missions))
    fig = ChartFigure(figsize=(8.0, 3.6))
    if frame.empty or float(frame["public"].abs().sum()) == 0:
        return _empty(fig, "Nothing allocated")
    table = frame.pivot_table(index="mission", columns="instrument", values="public",
                              aggfunc="sum", fill_value=0.0, observed=True)
    ids = _order([str(m) for m in table.index], _mission_ids(_missions_of(result_or_frame, missions)))
    table.index = table.index.astype(str)
    table.columns = table.columns.astype(str)
    inst = _order(list(table.columns), _INSTRUMENT_ORDER)
    table = table.reindex(index=ids, columns=inst, fill_value=0.0)
    colours = mission_colours(colours, ids)
    hatches = _instrument_hatches(inst)
    ax = fig.add_subplot()
    y = np.arange(len(ids))
    left = np.zeros(len(ids))
    for name in inst:
        values = table[name].to_numpy(dtype=float)
        ax.barh(y, values, left=left, color=[colours[m] for m in ids], hatch=hatches[name],
                edgecolor="white", linewidth=0.8, label=_label(name))
        left += values
    for k, total in enumerate(left):
        ax.text(total, k, f" {_money(total)}", va="center", fontsize=8)
    ax.set_yticks(y, [_label(m) for m in ids])
    ax.invert_yaxis()
    ax.set_xlabel("public finance attributed to the mission, £m")
    ax.set_title("Allocation by mission and instrument")
    handles = [Rectangle((0, 0), 1, 1, facecolor="#dddddd", edgecolor="#555555",
                         hatch=hatches[n], label=_label(n)) for n in inst]
    ax.legend(handles=handles, loc="lower right", title="instrument")
    ax.margins(x=0.15)
    fixed_layout(fig, left=y_margin([_label(m) for m in ids], 8.0),
                 bottom=x_margin(number_labels(left), label=True), top=title_margin(),
                 right=0.1)
    return fig


@_styled
def allocation_by_year(result_or_frame: Any, years: Sequence[str] | None = None,
                       contingent: Sequence[str] = ("guarantee",)) -> Figure:
    """Public cash £m committed in each financial year, stacked by instrument.

    Guarantees (``contingent`` instruments) are drawn as a separate, hatched bar beside
    each year's cash bar, at face value: exposure, never stacked onto the cash.

    Parameters
    ----------
    result_or_frame : RunResult, AllocationResult or DataFrame
        A long frame has columns ``year``, ``instrument``, ``public`` [£m]
        (allocation.csv); a wide frame has ``year`` and one £m column per instrument
        (``total`` and ``public_cash`` columns are ignored), as the report's table by year.
    years : sequence of str, optional
        Years on the axis (default: the scenario's horizon, else the years allocated).
    contingent : sequence of str
        Instruments whose £m is the face value of contingent exposure (default: guarantee).
    """
    frame = _frame(result_or_frame, "allocation")
    fig = ChartFigure(figsize=(8.0, 3.4))
    if frame.empty:
        return _empty(fig, "Nothing allocated")
    if years is None:
        years = list(getattr(getattr(result_or_frame, "scenario", None), "years", ()) or ())
    if "instrument" in frame.columns:
        table = frame.pivot_table(index="year", columns="instrument", values="public",
                                  aggfunc="sum", fill_value=0.0, observed=True)
    else:
        table = (frame.set_index("year").drop(columns=["total", "public_cash"], errors="ignore")
                 .astype(float))
    table.index = table.index.astype(str)
    table.columns = table.columns.astype(str)
    year_list = list(years) if years else sorted(table.index)
    inst = _order(list(table.columns), _INSTRUMENT_ORDER)
    if not inst:
        return _empty(fig, "Nothing allocated")
    table = table.reindex(index=year_list, columns=inst, fill_value=0.0)
    colours = _instrument_colours(inst)
    face = set(contingent)
    cash = [name for name in inst if name not in face]
    exposure = [name for name in inst if name in face]
    ax = fig.add_subplot()
    x = np.arange(len(year_list))
    width = 0.38 if cash and exposure else 0.6
    shift = width / 2 + 0.01 if cash and exposure else 0.0
    tops = np.zeros(len(year_list))
    for group, centre, hatch, suffix in ((cash, x - shift, None, ""),
                                         (exposure, x + shift, "//", " (face value, not cash)")):
        bottom = np.zeros(len(year_list))
        for name in group:
            values = table[name].to_numpy(dtype=float)
            ax.bar(centre, values, bottom=bottom, color=colours[name], width=width,
                   hatch=hatch, edgecolor="white" if hatch else None,
                   label=_label(name) + suffix)
            bottom += values
        tops = np.maximum(tops, bottom)
    ax.set_xticks(x, year_list)
    ax.set_ylabel("£m")
    ax.set_title("Public cash committed by year and instrument"
                 + ("; guarantees issued beside it" if exposure else ""))
    ax.legend(ncols=min(len(inst), 4), loc="upper left")
    ax.margins(y=0.15)
    fixed_layout(fig, left=y_margin(number_labels(tops * 1.15), label=True),
                 bottom=x_margin(year_list), top=title_margin(), right=0.1)
    return fig


@_styled
def allocation_by_group(frame: pd.DataFrame, key: str, top: int = 12,
                        title: str | None = None) -> Figure:
    """Horizontal bars of public £m for the ``top`` largest groups (departments, regions).

    Parameters
    ----------
    frame : DataFrame
        Columns ``key`` and ``public`` [£m]; an allocation frame joined to the pipeline's
        ``key`` column is summed by group first.
    key : str
        The grouping column, e.g. ``"department"`` or ``"region"``.
    top : int
        Most groups shown (largest first).
    title : str, optional
    """
    grouped = frame.groupby(frame[key].astype(str), sort=True)["public"].sum()
    grouped = grouped.reset_index().sort_values(["public", key], ascending=[False, True],
                                                kind="mergesort").head(top)
    fig = ChartFigure(figsize=(8.0, 0.8 + 0.32 * max(len(grouped), 2)))
    if grouped.empty or float(grouped["public"].abs().sum()) == 0:
        return _empty(fig, "Nothing allocated")
    ax = fig.add_subplot()
    y = np.arange(len(grouped))
    values = grouped["public"].to_numpy(dtype=float)
    ax.barh(y, values, color=_CONTROL_COLOUR)
    for k, v in enumerate(values):
        ax.text(v, k, f" {_money(v)}", va="center", fontsize=7)
    names = [_label(v) for v in grouped[key]]
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    ax.set_xlabel("public finance committed, £m")
    ax.set_title(title or f"Public finance by {_label(key)}")
    ax.margins(x=0.15)
    fixed_layout(fig, left=y_margin(names), bottom=x_margin(number_labels(values), label=True),
                 top=title_margin(), right=0.1)
    return fig


@_styled
def budget_use(run_or_frame: Any) -> Figure:
    """Budget used against its control total, one panel per control, bars by year.

    The control total of each year is the black line over its bar; a panel without one
    says the control is unconstrained.

    Parameters
    ----------
    run_or_frame : RunResult or DataFrame
        A frame has columns ``control``, ``year``, ``used`` [£m] and ``limit`` [£m, NaN =
        no limit] (the report's budget table). From a RunResult, use is read from the
        allocation's ``budget_cost`` and limits from ``scenario.budget``.
    """
    frame = run_or_frame if isinstance(run_or_frame, pd.DataFrame) else budget_frame(run_or_frame)
    controls = list(dict.fromkeys(frame["control"].astype(str)))
    fig = ChartFigure(figsize=(max(4.0, 2.9 * len(controls)), 3.4))
    if frame.empty:
        return _empty(fig, "No budget control")
    axes = fig.subplots(1, len(controls), squeeze=False)[0]
    for ax, control in zip(axes, controls, strict=True):
        rows = frame[frame["control"].astype(str) == control]
        x = np.arange(len(rows))
        used = rows["used"].to_numpy(dtype=float)
        limit = rows["limit"].to_numpy(dtype=float) if "limit" in rows else np.full(len(rows), np.nan)
        over = np.isfinite(limit) & (used > limit + 1e-6 * np.maximum(1.0, np.abs(limit)))
        ax.bar(x, used, width=0.6, color=np.where(over, "#b2182b", _CONTROL_COLOUR))
        has = np.isfinite(limit)
        if has.any():
            ax.hlines(limit[has], x[has] - 0.4, x[has] + 0.4, color="black", linewidth=1.6)
            for xi, u, lim in zip(x[has], used[has], limit[has], strict=True):
                if lim > 0:
                    ax.text(xi, max(u, lim), f"{100 * u / lim:.0f}%", ha="center",
                            va="bottom", fontsize=7)
        else:
            ax.text(0.5, 0.95, "no control total (unconstrained)", transform=ax.transAxes,
                    ha="center", va="top", fontsize=7)
        ax.set_xticks(x, [str(y) for y in rows["year"]], rotation=45, ha="right")
        ax.set_title(_label(control), loc="center")
        ax.margins(y=0.15)
    axes[0].set_ylabel("£m used (line: control total)")
    fig.suptitle("Budget use against control totals", x=0.01, ha="left", fontweight="bold",
                 fontsize=10)
    heights = number_labels(np.concatenate([frame["used"].to_numpy(dtype=float),
                                            frame["limit"].to_numpy(dtype=float)
                                            if "limit" in frame else np.zeros(0)]) * 1.2)
    fixed_layout(fig, left=y_margin(heights, label=True),
                 bottom=x_margin([str(y) for y in frame["year"]], rotation=45),
                 top=title_margin(2), right=0.1, wspace=y_margin(heights) + 0.1)
    return fig


@_styled
def exposure(run_or_frame: Any) -> Figure:
    """Guarantee exposure outstanding at each year end against its stock limit.

    Parameters
    ----------
    run_or_frame : RunResult or DataFrame
        A frame has columns ``year``, ``exposure_stock`` and ``exposure_limit`` [£m, NaN =
        no limit] (the report's exposure table). From a RunResult the stock is the
        cumulative commitment of instruments with ``exposure = true`` (no run-off); from an
        AllocationResult alone, of the default guarantee, with no limit.
    """
    frame = run_or_frame if isinstance(run_or_frame, pd.DataFrame) else exposure_frame(run_or_frame)
    fig = ChartFigure(figsize=(6.0, 3.2))
    if frame.empty:
        return _empty(fig, "No guarantees")
    ax = fig.add_subplot()
    x = np.arange(len(frame))
    ax.bar(x, frame["exposure_stock"].to_numpy(dtype=float), width=0.6,
           color=INSTRUMENT_COLOURS["guarantee"], label="exposure outstanding")
    limit = frame["exposure_limit"].to_numpy(dtype=float)
    has = np.isfinite(limit)
    if has.any():
        ax.hlines(limit[has], x[has] - 0.4, x[has] + 0.4, color="black", linewidth=1.6,
                  label="stock limit")
    ax.set_xticks(x, [str(y) for y in frame["year"]])
    ax.set_ylabel("£m at year end")
    ax.set_title("Guarantee exposure against its limit")
    ax.legend(loc="upper left")
    ax.margins(y=0.15)
    heights = np.concatenate([frame["exposure_stock"].to_numpy(dtype=float), limit]) * 1.15
    fixed_layout(fig, left=y_margin(number_labels(heights), label=True),
                 bottom=x_margin([str(y) for y in frame["year"]]), top=title_margin(),
                 right=0.1)
    return fig


@_styled
def private_by_mission(result_or_frame: Any, missions: Any = None) -> Figure:
    """Public £m and private £m mobilised per mission, with the leverage written beside.

    Each mission has a public bar (solid) and a private bar: the additional private
    money (would not happen anyway) in the mission's colour, the rest pale and hatched.

    Parameters
    ----------
    result_or_frame : RunResult, AllocationResult or DataFrame
        A frame has columns ``mission``, ``public``, ``private`` and optionally
        ``additional_private`` [£m] (:attr:`AllocationResult.missions`).
    missions : MissionSet or mapping of id to colour, optional
    """
    frame = _frame(result_or_frame, "missions")
    ms = _missions_of(result_or_frame, missions)
    fig = ChartFigure(figsize=(8.0, 0.9 + 0.62 * max(len(frame), 2)))
    if frame.empty:
        return _empty(fig, "No mission attribution")
    ids = _order([str(m) for m in frame["mission"]], _mission_ids(ms))
    frame = frame.assign(mission=frame["mission"].astype(str)).set_index("mission").reindex(ids)
    colours = mission_colours(mission_colours(ms), ids)
    public = frame["public"].to_numpy(dtype=float)
    private = frame["private"].to_numpy(dtype=float)
    additional = (frame["additional_private"].to_numpy(dtype=float)
                  if "additional_private" in frame else None)
    ax = fig.add_subplot()
    y = np.arange(len(ids))
    cols = [colours[m] for m in ids]
    ax.barh(y - 0.2, public, height=0.38, color=cols, label="public cash")
    guarantee = (frame["guarantee"].fillna(0.0).to_numpy(dtype=float)
                 if "guarantee" in frame else np.zeros(len(ids)))
    if (guarantee > 0).any():  # contingent exposure: drawn apart from cash, never added
        ax.barh(y - 0.2, guarantee, left=public, height=0.38, facecolor="none",
                edgecolor="#555555", hatch="..", linewidth=0.6,
                label="guarantees (exposure, not cash)")
    if additional is None:
        ax.barh(y + 0.2, private, height=0.38, color=cols, alpha=0.5, label="private mobilised")
    else:
        ax.barh(y + 0.2, additional, height=0.38, color=cols, alpha=0.6,
                label="private: additional")
        ax.barh(y + 0.2, private - additional, left=additional, height=0.38, color=cols,
                alpha=0.2, hatch="///", edgecolor="#777777", linewidth=0.0,
                label="private: would happen anyway")
    for k in range(len(ids)):
        lev = private[k] / public[k] if public[k] > 0 else np.nan
        text = f" {_money(private[k])}" + (f"  (×{lev:.1f})" if np.isfinite(lev) else "")
        ax.text(max(private[k], 0.0), k + 0.2, text, va="center", fontsize=7)
    ax.set_yticks(y, [_label(m) for m in ids])
    ax.invert_yaxis()
    ax.set_xlabel("£m (leverage: private £ per £ of public cash)")
    ax.set_title("Private money mobilised per mission")
    handles = [Rectangle((0, 0), 1, 1, facecolor="#555555", label="public cash")]
    if (guarantee > 0).any():
        handles.append(Rectangle((0, 0), 1, 1, facecolor="none", edgecolor="#555555",
                                 hatch="..", label="guarantees (exposure, not cash)"))
    if additional is None:
        handles.append(Rectangle((0, 0), 1, 1, facecolor="#555555", alpha=0.5,
                                 label="private mobilised"))
    else:
        handles += [Rectangle((0, 0), 1, 1, facecolor="#555555", alpha=0.6,
                              label="private: additional"),
                    Rectangle((0, 0), 1, 1, facecolor="#555555", alpha=0.2, hatch="///",
                              label="private: would happen anyway")]
    ax.legend(handles=handles, loc="lower right")
    ax.margins(x=0.2)
    widths = np.concatenate([public + guarantee, private])
    fixed_layout(fig, left=y_margin([_label(m) for m in ids]),
                 bottom=x_margin(number_labels(widths * 1.2), label=True), top=title_margin(),
                 right=0.1)
    return fig


# ----------------------------------------------------------------------------- model
@_styled
def shadow_prices(result_or_frame: Any, top: int = 20,
                  families: Sequence[str] | None = None, missions: Any = None) -> Figure:
    """What £1m more headroom on each binding limit would add to the objective.

    One bar per binding constraint with a non-zero dual, largest |dual| first.

    Parameters
    ----------
    result_or_frame : RunResult, AllocationResult or DataFrame
        A frame is :attr:`AllocationResult.constraints` (``name``, ``family``,
        ``binding``, ``dual``; ``mission`` colours mission rows).
    top : int
        Most constraints shown.
    families : sequence of str, optional
        Families to show; default every family except the per-project ones
        (:data:`PROJECT_FAMILIES`) and the model's helper rows (``cvar_excess[…]``).
    missions : MissionSet or mapping of id to colour, optional
    """
    cons = _frame(result_or_frame, "constraints")
    fig = ChartFigure(figsize=(8.0, 3.0))
    if cons.empty:
        return _empty(fig, "No constraints")
    fam = cons["family"].astype(str)
    keep = (fam.isin(list(families)) if families is not None
            else ~fam.isin(PROJECT_FAMILIES | HELPER_FAMILIES))
    dual = pd.to_numeric(cons["dual"], errors="coerce").fillna(0.0)
    rows = cons[keep & cons["binding"].astype(bool) & (dual.abs() > 1e-12)]
    rows = rows.assign(_abs=dual[rows.index].abs(), _dual=dual[rows.index]).sort_values(
        ["_abs", "name"], ascending=[False, True], kind="mergesort").head(top)
    fig.set_size_inches(8.0, 0.9 + 0.3 * max(len(rows), 3))
    if rows.empty:
        return _empty(fig, "No binding limit has a shadow price")
    colours = mission_colours(_missions_of(result_or_frame, missions))
    fam_list = sorted(set(rows["family"].astype(str)))
    fam_col = {f: _OTHER_COLOURS[k % len(_OTHER_COLOURS)] for k, f in enumerate(fam_list)}
    fam_col.update({"budget": _CONTROL_COLOUR, "exposure": INSTRUMENT_COLOURS["guarantee"]})
    mission_col = rows["mission"].astype(str) if "mission" in rows else pd.Series("", index=rows.index)
    bar_cols = [colours.get(m, fam_col[f]) if m else fam_col[f]
                for m, f in zip(mission_col, rows["family"].astype(str), strict=True)]
    ax = fig.add_subplot()
    y = np.arange(len(rows))
    values = rows["_dual"].to_numpy(dtype=float)
    ax.barh(y, values, color=bar_cols)
    for k, v in enumerate(values):
        ax.text(v, k, f" {v:,.3g}" if v >= 0 else f"{v:,.3g} ", va="center",
                ha="left" if v >= 0 else "right", fontsize=7)
    ax.axvline(0, color="black", linewidth=0.6)
    names = [_label(n) for n in rows["name"]]
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    ax.set_xlabel("objective gained per £1m more headroom (shadow price)")
    ax.set_title("Shadow prices of the binding limits")
    ax.margins(x=0.15)
    fixed_layout(fig, left=y_margin(names), bottom=x_margin(number_labels(values), label=True),
                 top=title_margin(), right=0.1)
    return fig
