"""Figures for notebooks and the allocation report (matplotlib, one function per figure).

Every function takes the library's own objects (a :class:`~missionfinance.scenario.RunResult`,
an :class:`~missionfinance.model.AllocationResult`, a
:class:`~missionfinance.tagging.TaggingResult`, a :class:`~missionfinance.sweep.SweepResult`)
or the frame those objects carry, and returns a new :class:`matplotlib.figure.Figure`:

=========================  ==========================================================
function                   what it draws
=========================  ==========================================================
allocation_by_mission      public £m attributed to each mission, split by instrument
allocation_by_year         public £m per financial year, stacked by instrument
allocation_by_group        public £m of the largest departments or regions
budget_use                 budget used against its control total, per control and year
exposure                   guarantee exposure stock at each year end against its limit
private_by_mission         public £m and private £m mobilised per mission, and leverage
flow                       Sankey-style flow: budget → mission → instrument → private
coverage_by_department     tagging coverage (favourable … not assessed) by department
alignment_by_mission       baseline £m attributed for and against each mission
shadow_prices              what £1m more of each binding limit is worth (dual values)
frontier                   a sweep's variants and their efficient frontier in (x, y)
sweep_comparison           one metric (or mission value by mission) across variants
=========================  ==========================================================

Conventions. Money is £ million. A mission always has the colour its
:class:`~missionfinance.missions.MissionSet` gives it (the built-in catalogue fixes
them), in every figure; instruments, line statuses and controls have fixed colours of
their own (:data:`INSTRUMENT_COLOURS`, :data:`STATUS_COLOURS`). Figures are built
without pyplot (no global figure registry, safe under Agg and in worker processes)
inside :func:`matplotlib.rc_context` with :data:`STYLE`, so nothing leaks into the
caller's rcParams. Nothing is random: the same input draws the same figure. Labels taken
from inputs are cut to :data:`LABEL_CHARS` characters and ``$`` is escaped so mathtext
never parses them.

In a notebook, run ``%matplotlib inline`` once so a returned Figure is shown.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar, cast

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch, Rectangle
from matplotlib.path import Path as MplPath

__all__ = [
    "INSTRUMENT_COLOURS",
    "STATUS_COLOURS",
    "STYLE",
    "alignment_by_mission",
    "allocation_by_group",
    "allocation_by_mission",
    "allocation_by_year",
    "budget_use",
    "coverage_by_department",
    "exposure",
    "flow",
    "flow_frame",
    "frontier",
    "mission_colours",
    "private_by_mission",
    "shadow_prices",
    "sweep_comparison",
]

#: Longest label drawn; longer text is cut with an ellipsis.
LABEL_CHARS = 40

#: rcParams every figure is built under (fonts, spines, grid); applied with rc_context.
STYLE: dict[Any, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 9.0,
    "axes.titlesize": 10.0,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": False,
    "axes.axisbelow": True,
    "legend.frameon": False,
    "legend.fontsize": 8.0,
    "xtick.labelsize": 8.0,
    "ytick.labelsize": 8.0,
    "hatch.linewidth": 0.6,
    "svg.hashsalt": "missionfinance-report",
    "svg.fonttype": "none",
    "path.simplify": True,
}

#: Fixed colours of the four default instruments (blue-greys, gold for the contingent one).
INSTRUMENT_COLOURS: dict[str, str] = {
    "grant": "#34495e",
    "loan": "#5d7b99",
    "equity": "#9db4c8",
    "guarantee": "#c9a227",
}
#: Fixed colours of line statuses (TaggingResult.lines ``status``).
STATUS_COLOURS: dict[str, str] = {
    "favourable": "#018571",
    "unfavourable": "#a6611a",
    "mixed": "#dfc27d",
    "neutral": "#bababa",
    "not_assessed": "#f2f2f2",
}
#: Hatches that tell instruments apart where bars carry mission colours.
INSTRUMENT_HATCHES: dict[str, str] = {"grant": "", "loan": "///", "equity": "...",
                                      "guarantee": "xxx"}

_CONTROL_COLOUR = "#4d4d4d"
_OTHER_COLOURS = ["#7f7f7f", "#17becf", "#bcbd22", "#8c564b", "#e377c2", "#aec7e8"]
_HATCHES = ["", "///", "...", "xxx", "\\\\\\", "ooo", "---", "+++"]
_INSTRUMENT_ORDER = ("grant", "loan", "equity", "guarantee")
#: Constraint families that are one row per project; left out of shadow_prices by default.
PROJECT_FAMILIES = frozenset({"capacity", "crowding_in", "private_capacity",
                              "leverage_segments", "cvar_exposure", "min_ticket"})
#: Mission node of money no tagging rule attributes to a mission.
UNATTRIBUTED = "(no mission)"
_UNATTRIBUTED_COLOUR = "#c7c7c7"

_F = TypeVar("_F", bound=Callable[..., Figure])


def _styled(func: _F) -> _F:
    """Build the figure under :data:`STYLE` (restored afterwards)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Figure:
        with mpl.rc_context(STYLE):
            return func(*args, **kwargs)

    return cast(_F, wrapper)


# ----------------------------------------------------------------------------- helpers
def _label(text: object, limit: int = LABEL_CHARS) -> str:
    """Safe label: at most ``limit`` characters, ``$`` escaped, no control characters.

    Examples
    --------
    >>> _label("Costs $5m")
    'Costs \\\\$5m'
    """
    value = "".join(ch if ch.isprintable() else " " for ch in str(text))
    if len(value) > limit:
        value = value[: limit - 1] + "…"
    return value.replace("$", r"\$")


def _money(value: float) -> str:
    return f"£{value:,.0f}m" if abs(value) >= 10 else f"£{value:,.1f}m"


def mission_colours(missions: Any = None, ids: Sequence[str] = ()) -> dict[str, str]:
    """Mission id → colour.

    Parameters
    ----------
    missions : MissionSet, mapping of id to colour, or None
        None means the built-in UK catalogue.
    ids : sequence of str
        Further ids to colour (missions not in the set get a fixed fallback colour in
        the order given, and :data:`UNATTRIBUTED` is light grey).

    Examples
    --------
    >>> mission_colours()["growth"]
    '#1f77b4'
    """
    if missions is None:
        from missionfinance.missions import MissionSet

        missions = MissionSet.load("builtin:uk")
    colours = dict(missions.colours) if hasattr(missions, "colours") else dict(missions)
    colours.setdefault(UNATTRIBUTED, _UNATTRIBUTED_COLOUR)
    extra = [m for m in ids if m not in colours]
    for k, m in enumerate(extra):
        colours[m] = _OTHER_COLOURS[k % len(_OTHER_COLOURS)]
    return colours


def _instrument_colours(names: Sequence[str]) -> dict[str, str]:
    others = [n for n in names if n not in INSTRUMENT_COLOURS]
    out = dict(INSTRUMENT_COLOURS)
    for k, n in enumerate(others):
        out[n] = _OTHER_COLOURS[k % len(_OTHER_COLOURS)]
    return out


def _instrument_hatches(names: Sequence[str]) -> dict[str, str]:
    others = [n for n in names if n not in INSTRUMENT_HATCHES]
    out = dict(INSTRUMENT_HATCHES)
    for k, n in enumerate(others):
        out[n] = _HATCHES[(k + 4) % len(_HATCHES)]
    return out


def _order(names: Sequence[str], first: Sequence[str]) -> list[str]:
    """``first`` (those present) in its order, then the rest sorted."""
    present = set(names)
    return [n for n in first if n in present] + sorted(present - set(first))


def _allocation_of(obj: Any) -> Any:
    """The AllocationResult of a RunResult, or the object itself."""
    inner = getattr(obj, "allocation", None)
    return inner if inner is not None and hasattr(inner, "status") else obj


def _missions_of(obj: Any, missions: Any) -> Any:
    if missions is not None:
        return missions
    scenario = getattr(obj, "scenario", None)
    found = getattr(scenario, "missions", None)
    if found is None:
        found = getattr(getattr(obj, "rules", None), "missions", None)
    return found


def _mission_ids(missions: Any) -> list[str]:
    if missions is None:
        return list(mission_colours())[:-1]
    if hasattr(missions, "ids"):
        return list(missions.ids)
    return [m for m in missions if m != UNATTRIBUTED]


def _empty(fig: Figure, message: str) -> Figure:
    ax = fig.add_subplot()
    ax.set_axis_off()
    ax.text(0.5, 0.5, message, ha="center", va="center")
    return fig


def _frame(obj: Any, attr: str) -> pd.DataFrame:
    if isinstance(obj, pd.DataFrame):
        return obj
    value = getattr(_allocation_of(obj), attr, None)
    if not isinstance(value, pd.DataFrame):
        raise TypeError(f"expected a DataFrame or an object with .{attr}, got {type(obj).__name__}")
    return value


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
    fig = Figure(figsize=(8.0, 3.6))
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
    fig.tight_layout()
    return fig


@_styled
def allocation_by_year(result_or_frame: Any, years: Sequence[str] | None = None) -> Figure:
    """Public £m committed in each financial year, stacked by instrument.

    Parameters
    ----------
    result_or_frame : RunResult, AllocationResult or DataFrame
        A long frame has columns ``year``, ``instrument``, ``public`` [£m]
        (allocation.csv); a wide frame has ``year`` and one £m column per instrument
        (a ``total`` column is ignored), as the report's table by year.
    years : sequence of str, optional
        Years on the axis (default: the scenario's horizon, else the years allocated).
    """
    frame = _frame(result_or_frame, "allocation")
    fig = Figure(figsize=(8.0, 3.4))
    if frame.empty:
        return _empty(fig, "Nothing allocated")
    if years is None:
        years = list(getattr(getattr(result_or_frame, "scenario", None), "years", ()) or ())
    if "instrument" in frame.columns:
        table = frame.pivot_table(index="year", columns="instrument", values="public",
                                  aggfunc="sum", fill_value=0.0, observed=True)
    else:
        table = frame.set_index("year").drop(columns=["total"], errors="ignore").astype(float)
    table.index = table.index.astype(str)
    table.columns = table.columns.astype(str)
    year_list = list(years) if years else sorted(table.index)
    inst = _order(list(table.columns), _INSTRUMENT_ORDER)
    if not inst:
        return _empty(fig, "Nothing allocated")
    table = table.reindex(index=year_list, columns=inst, fill_value=0.0)
    colours = _instrument_colours(inst)
    ax = fig.add_subplot()
    x = np.arange(len(year_list))
    bottom = np.zeros(len(year_list))
    for name in inst:
        values = table[name].to_numpy(dtype=float)
        ax.bar(x, values, bottom=bottom, color=colours[name], width=0.6, label=_label(name))
        bottom += values
    ax.set_xticks(x, year_list)
    ax.set_ylabel("£m")
    ax.set_title("Public finance committed by year and instrument")
    ax.legend(ncols=min(len(inst), 4), loc="upper left")
    ax.margins(y=0.15)
    fig.tight_layout()
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
    fig = Figure(figsize=(8.0, 0.8 + 0.32 * max(len(grouped), 2)))
    if grouped.empty or float(grouped["public"].abs().sum()) == 0:
        return _empty(fig, "Nothing allocated")
    ax = fig.add_subplot()
    y = np.arange(len(grouped))
    values = grouped["public"].to_numpy(dtype=float)
    ax.barh(y, values, color=_CONTROL_COLOUR)
    for k, v in enumerate(values):
        ax.text(v, k, f" {_money(v)}", va="center", fontsize=7)
    ax.set_yticks(y, [_label(v) for v in grouped[key]])
    ax.invert_yaxis()
    ax.set_xlabel("public finance committed, £m")
    ax.set_title(title or f"Public finance by {_label(key)}")
    ax.margins(x=0.15)
    fig.tight_layout()
    return fig


def _budget_frame(run: Any) -> pd.DataFrame:
    result = _allocation_of(run)
    ds = getattr(result, "dataset", None)
    scenario = getattr(run, "scenario", None)
    limits: Mapping[str, Mapping[str, float]] = getattr(scenario, "budget", None) or {}
    years = list(getattr(scenario, "years", ()) or ())
    rows: list[tuple[str, str, float]] = []
    if ds is not None and "budget_cost" in getattr(ds, "data_vars", {}):
        cost = ds["budget_cost"]
        other = [d for d in cost.dims if d not in ("control", "year")]
        used = cost.sum(other).transpose("control", "year").to_series()
        rows = [(str(c), str(y), float(v)) for (c, y), v in used.items()]
    frame = pd.DataFrame(rows, columns=["control", "year", "used"])
    controls = sorted(set(frame["control"]) | set(limits))
    years = years or sorted(set(frame["year"]))
    grid = pd.MultiIndex.from_product([controls, years], names=["control", "year"])
    used_s = frame.groupby(["control", "year"])["used"].sum().reindex(grid, fill_value=0.0)
    out = used_s.rename("used").reset_index()
    out["limit"] = [float(limits[c][y]) if c in limits and y in limits[c] else np.nan
                    for c, y in zip(out["control"], out["year"], strict=True)]
    return out


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
    frame = run_or_frame if isinstance(run_or_frame, pd.DataFrame) else _budget_frame(run_or_frame)
    controls = list(dict.fromkeys(frame["control"].astype(str)))
    fig = Figure(figsize=(max(4.0, 2.9 * len(controls)), 3.4))
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
    fig.tight_layout()
    return fig


def _exposure_frame(run: Any) -> pd.DataFrame:
    scenario = getattr(run, "scenario", None)
    alloc = _frame(run, "allocation")
    from missionfinance.instruments import DEFAULT_INSTRUMENTS

    instruments: Mapping[str, Any] = getattr(scenario, "instruments", None) or DEFAULT_INSTRUMENTS
    flagged = {n for n, i in instruments.items() if getattr(i, "exposure", False)}
    years = list(getattr(scenario, "years", ()) or sorted(set(alloc["year"].astype(str))))
    new = alloc[alloc["instrument"].astype(str).isin(flagged)].groupby(
        alloc["year"].astype(str))["public"].sum().reindex(years, fill_value=0.0)
    limits: Mapping[str, float] = getattr(scenario, "exposure", None) or {}
    return pd.DataFrame({"year": years, "exposure_stock": new.cumsum().to_numpy(dtype=float),
                         "exposure_limit": [float(limits.get(y, np.nan)) for y in years]})


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
    frame = run_or_frame if isinstance(run_or_frame, pd.DataFrame) else _exposure_frame(run_or_frame)
    fig = Figure(figsize=(6.0, 3.2))
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
    fig.tight_layout()
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
    fig = Figure(figsize=(8.0, 0.9 + 0.62 * max(len(frame), 2)))
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
    ax.barh(y - 0.2, public, height=0.38, color=cols, label="public finance")
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
    ax.set_xlabel("£m (leverage: private £ per public £)")
    ax.set_title("Private money mobilised per mission")
    handles = [Rectangle((0, 0), 1, 1, facecolor="#555555", label="public finance")]
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
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------- flow
def _budget_line(instrument: Any) -> str:
    """The control a £ of the instrument is funded from (largest budget score)."""
    score = dict(getattr(instrument, "budget_score", {}) or {})
    if not score or max(score.values()) <= 0:
        return "contingent liability" if getattr(instrument, "exposure", False) else "no budget score"
    return sorted(score.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]


def flow_frame(result: Any, instruments: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """The money behind :func:`flow`: one row per (budget line, mission, instrument).

    Parameters
    ----------
    result : RunResult or AllocationResult
    instruments : mapping of name to Instrument, optional
        Budget treatment (default: the run's scenario, else the library defaults). Each
        instrument is drawn from the control of its largest ``budget_score`` (guarantees:
        "contingent liability").

    Returns
    -------
    pandas.DataFrame
        ``budget``, ``mission``, ``instrument``, ``public``, ``private``,
        ``additional_private`` [£m]. Public money no rule attributes to a mission (a
        project's net shares below 1) is the mission :data:`UNATTRIBUTED`. Under ``gross``
        attribution, where a project's shares may add to more than 1, an instrument's
        mission rows are scaled down to the money actually committed, so the flow
        conserves the public total.
    """
    from missionfinance.instruments import DEFAULT_INSTRUMENTS

    alloc_result = _allocation_of(result)
    lev = alloc_result.leverage
    alloc = alloc_result.allocation
    if instruments is None:
        instruments = getattr(getattr(result, "scenario", None), "instruments", None) or {}
    treatment = {**DEFAULT_INSTRUMENTS, **dict(instruments)}
    frame = lev[["mission", "instrument", "public", "private", "additional_private"]].copy()
    frame["mission"] = frame["mission"].astype(str)
    frame["instrument"] = frame["instrument"].astype(str)
    projects = alloc_result.projects
    a = (projects.set_index("project_id")["additional_private"]
         / projects.set_index("project_id")["private"].where(lambda s: s > 0))
    per_inst = alloc.assign(
        additional_private=alloc["private"] * alloc["project_id"].map(a).fillna(1.0).to_numpy()
    ).groupby(alloc["instrument"].astype(str))[["public", "private", "additional_private"]].sum()
    attributed = frame.groupby("instrument")[["public", "private", "additional_private"]].sum()
    # gross attribution can attribute more than was committed: scale back to the total
    scale = (per_inst["public"] / attributed["public"].reindex(per_inst.index)).clip(upper=1.0)
    factor = frame["instrument"].map(scale).fillna(1.0).to_numpy()
    frame[["public", "private", "additional_private"]] = (
        frame[["public", "private", "additional_private"]].mul(factor, axis=0))
    attributed = frame.groupby("instrument")[["public", "private", "additional_private"]].sum()
    rest = (per_inst - attributed.reindex(per_inst.index, fill_value=0.0)).clip(lower=0.0)
    rest = rest[rest["public"] > 1e-9].reset_index(names="instrument")
    rest.insert(0, "mission", UNATTRIBUTED)
    out = pd.concat([frame, rest], ignore_index=True)
    out = out[out["public"] > 1e-9].reset_index(drop=True)
    out.insert(0, "budget", [_budget_line(treatment.get(i)) for i in out["instrument"]])
    return out


def _band(ax: Any, x0: float, x1: float, y0: tuple[float, float], y1: tuple[float, float],
          colour: str) -> PathPatch:
    """A band from slot y0=(bottom, top) at x0 to slot y1 at x1 (cubic edges)."""
    xm = (x0 + x1) / 2
    verts = [(x0, y0[1]), (xm, y0[1]), (xm, y1[1]), (x1, y1[1]),
             (x1, y1[0]), (xm, y1[0]), (xm, y0[0]), (x0, y0[0]), (x0, y0[1])]
    codes = [MplPath.MOVETO, MplPath.CURVE4, MplPath.CURVE4, MplPath.CURVE4,
             MplPath.LINETO, MplPath.CURVE4, MplPath.CURVE4, MplPath.CURVE4, MplPath.CLOSEPOLY]
    patch = PathPatch(MplPath(verts, codes), facecolor=colour, edgecolor="none", alpha=0.45)
    ax.add_patch(patch)
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
    fig = Figure(figsize=(9.0, 5.2))
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
    node_pos: list[dict[str, tuple[float, float]]] = []
    node_colours = [dict.fromkeys(b_ids, _CONTROL_COLOUR), colours, i_col, p_col]
    for x, nodes in enumerate(column_nodes):
        top = height + gap * (len(column_nodes[0]) - 1)
        pos: dict[str, tuple[float, float]] = {}
        for name, value in nodes.items():
            if value <= 1e-9:
                continue
            pos[name] = (top - value, top)
            ax.add_patch(Rectangle((x - width / 2, top - value), width, value,
                                   facecolor=node_colours[x].get(name, "#7f7f7f"),
                                   edgecolor="white", linewidth=0.5))
            ha, dx = ("right", -width) if x == 0 else ("left", width)
            ax.text(x + dx, top - value / 2, f"{_label(name, 22)} {_money(value)}",
                    ha=ha, va="center", fontsize=7)
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
    ax.set_xlim(-0.85, 3.85)
    ax.set_ylim(lowest - gap, height * 1.08 + gap * len(column_nodes[0]))
    ax.set_axis_off()
    ax.set_title("From budget to private money (£m)")
    fig.tight_layout()
    return fig


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
    fig = Figure(figsize=(8.0, 0.9 + 0.3 * max(len(cov), 3)))
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
    fig = Figure(figsize=(8.0, 0.9 + 0.45 * max(len(ids), 2)))
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
        (:data:`PROJECT_FAMILIES`).
    missions : MissionSet or mapping of id to colour, optional
    """
    cons = _frame(result_or_frame, "constraints")
    fig = Figure(figsize=(8.0, 3.0))
    if cons.empty:
        return _empty(fig, "No constraints")
    fam = cons["family"].astype(str)
    keep = fam.isin(list(families)) if families is not None else ~fam.isin(PROJECT_FAMILIES)
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
    ax.set_yticks(y, [_label(n) for n in rows["name"]])
    ax.invert_yaxis()
    ax.set_xlabel("objective gained per £1m more headroom (shadow price)")
    ax.set_title("Shadow prices of the binding limits")
    ax.margins(x=0.15)
    fig.tight_layout()
    return fig


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
    "public_total": "public finance committed, £m",
    "private_total": "private investment mobilised, £m",
    "leverage": "leverage, private £ per public £",
}


def _axis_label(column: str) -> str:
    if column.startswith("value."):
        return f"mission value: {_label(column.removeprefix('value.'))}"
    return _AXIS_LABELS.get(column, _label(column))


@_styled
def frontier(sweep_or_table: Any, x: str = "public_total", y: str = "objective",
             annotate: bool = True, minimise_x: bool = True) -> Figure:
    """A sweep's variants in (x, y), the efficient frontier joined by a line.

    Less x (more x with ``minimise_x=False``, e.g. the value of two missions) and more y
    are better (:func:`missionfinance.sweep.efficient_frontier`). Variants that did not
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
    from missionfinance.sweep import efficient_frontier

    table = _table_of(sweep_or_table)
    fig = Figure(figsize=(7.0, 4.2))
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
    fig = Figure(figsize=(max(6.0, 0.55 * len(frame) + 2.5), 4.0))
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
