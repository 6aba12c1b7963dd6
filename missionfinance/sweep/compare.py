"""Comparison of a sweep's variants with the base scenario: tables, charts, XLSX and HTML.

Every variant is compared with the base scenario solved alone: Δ objective (and in %),
Δ public finance, Δ private investment, Δ mission value per mission and Δ budget used per
control (over the horizon, and by year on a sheet of its own), in £m (the objective in its
own units), and, on a sheet of its own, Δ projected outcome per tracked milestone at its
deadline, in the milestone's unit. Labels read ``key = value`` with the common table prefixes
left out (``CDEL.2027-28 = 1300``). Charts show the differences themselves (a bar per
variant around zero, never bars from zero that hide a 5% change), and a heat map of the
objective when exactly two keys vary, and a tornado of each key's low and high effect on
the objective when the keys vary one at a time. Binding limits are counted by family per variant
(``binding.<family>`` columns of ``variants.csv``); the full lists are in ``binding.csv``,
one row per (variant, constraint).
"""

from __future__ import annotations

import base64
import html
import io
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import xlsxwriter
from matplotlib.figure import Figure

from missionfinance.report.charts import svg_bytes
from missionfinance.report.formats import neutralise
from missionfinance.report.xlsx import CREATED, MONEY_FORMAT, NOISE, SHARE_FORMAT

_PREFIXES = ("budget.", "objective.weights.", "constraints.", "pipeline.", "risk.")


def short_key(key: str) -> str:
    """A varied key without its common table prefix.

    Examples
    --------
    >>> short_key("objective.weights.health"), short_key("budget.CDEL*")
    ('health', 'CDEL ×')
    """
    scaled = key.endswith("*")
    key = key.rstrip("*")
    for prefix in _PREFIXES:
        if key.startswith(prefix):
            key = key.removeprefix(prefix)
            break
    return f"{key} ×" if scaled else key


def _value_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return f"{value:,.0f}"
    return f"{value:,}" if isinstance(value, int | float) and not isinstance(value, bool) else str(value)


def variant_label(changes: Sequence[tuple[str, str, Any]]) -> str:
    """``key = value; key2 × factor`` for a variant's changes (``base`` when none).

    Examples
    --------
    >>> variant_label([("budget.CDEL.2027-28", "=", 1300), ("budget.FT", "*", 0.9)])
    'CDEL.2027-28 = 1,300; FT × 0.9'
    """
    if not changes:
        return "base"
    parts = []
    for key, op, value in changes:
        name = short_key(key)
        parts.append(f"{name} × {_value_text(value)}" if op == "*"
                     else f"{name} = {_value_text(value)}")
    return "; ".join(parts)


def constraint_family(name: str) -> str:
    """Family of a constraint from its name: ``budget[CDEL,2026-27]`` → ``budget``."""
    return name.split("[", 1)[0]


def binding_tables(table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(counts, long) of the ``binding`` column of a sweep table.

    ``counts`` has one ``binding.<family>`` column per constraint family (int, rows of that
    family binding in the variant), in the table's row order; ``long`` has one row per
    (variant, constraint): ``variant, family, constraint``.
    """
    rows = []
    for variant, text in zip(table["variant"], table["binding"].fillna(""), strict=True):
        for name in str(text).split(";"):
            if name:
                rows.append((str(variant), constraint_family(name), name))
    long = pd.DataFrame(rows, columns=["variant", "family", "constraint"]).astype("str")
    families = sorted(set(long["family"]))
    counts = pd.DataFrame(0, index=pd.Index(table["variant"].astype(str)),
                          columns=[f"binding.{f}" for f in families], dtype="int64")
    if len(long):
        pivot = long.groupby(["variant", "family"]).size().unstack(fill_value=0)
        pivot.columns = [f"binding.{f}" for f in pivot.columns]
        counts = pivot.reindex(index=counts.index, columns=counts.columns,
                               fill_value=0).astype("int64")
    return counts.reset_index(drop=True), long


def variants_frame(table: pd.DataFrame) -> pd.DataFrame:
    """variants.csv: the sweep table with ``binding`` replaced by counts per family."""
    counts, _ = binding_tables(table)
    out = table.drop(columns=["binding"]).reset_index(drop=True)
    at = list(out.columns).index("error") if "error" in out.columns else len(out.columns)
    for k, column in enumerate(counts.columns):
        out.insert(at + k, column, counts[column].to_numpy())
    return out


def comparison_frame(table: pd.DataFrame, variants: Sequence[Any],
                     base: Mapping[str, Any] | None) -> pd.DataFrame:
    """Each variant against the base: label, status, its figures and the differences.

    Columns: ``variant``, ``label``, ``status``, ``objective``, ``d_objective``,
    ``d_objective_share`` (fraction of the base objective), ``public_total`` (public cash),
    ``d_public_total``, ``guarantee_total`` (face value, never in public cash),
    ``d_guarantee_total``, ``private_total``, ``d_private_total``,
    ``d_additional_private_total``, ``d_economic_cost`` (£m present value), then ``d_value.<m>`` per
    mission (£m-weighted mission value), ``d_control.<c>`` per budget control (budget
    used over the horizon, £m), ``d_milestone.<id>`` per tracked milestone (projected
    outcome at its deadline, in the milestone's unit) and ``d_control.<c>.<year>`` (budget
    used in that year, £m; :func:`main_columns` leaves these and the milestones out of the
    main table).
    Differences are NaN when the variant or the base did not solve.
    """
    labels = {v.name: variant_label(v.changes) for v in variants}
    out = pd.DataFrame({"variant": table["variant"].astype(str),
                        "label": table["variant"].astype(str).map(labels).fillna(
                            table["variant"].astype(str)),
                        "status": table["status"].astype(str)})
    base = base or {}
    ok_base = base.get("status") == "optimal"
    value_cols = [c for c in table.columns if str(c).startswith("value.")]
    control_cols = [c for c in table.columns if str(c).startswith("control.")]
    totals = [c for c in control_cols if not is_year_column(c)]
    by_year = [c for c in control_cols if is_year_column(c)]
    milestone_cols = [c for c in table.columns if str(c).startswith("milestone.")]
    delta_only = [*value_cols, *control_cols, *milestone_cols]
    money = [c for c in ("guarantee_total", "additional_private_total", "economic_cost")
             if c in table.columns]
    delta_only += [c for c in money if c != "guarantee_total"]
    for column in dict.fromkeys(["objective", "public_total", "private_total", *money,
                                 *delta_only]):
        values = pd.to_numeric(table[column], errors="coerce").astype("float64")
        got = base.get(column)
        ref = float(got) if ok_base and got is not None else np.nan
        if column not in delta_only:
            out[column] = values.to_numpy()
        delta = (values - ref).to_numpy(dtype="float64", copy=True)
        delta[np.abs(delta) < NOISE] = 0.0
        out[f"d_{column}"] = delta
        if column == "objective":
            out["d_objective_share"] = (delta / abs(ref) if ok_base and ref not in (0.0,)
                                        and math.isfinite(ref) else np.nan)
    first = ["variant", "label", "status", "objective", "d_objective", "d_objective_share",
             "public_total", "d_public_total",
             *(["guarantee_total", "d_guarantee_total"] if "guarantee_total" in money else []),
             "private_total", "d_private_total",
             *[f"d_{c}" for c in ("additional_private_total", "economic_cost") if c in money]]
    return out[first + [f"d_{c}" for c in [*value_cols, *totals, *milestone_cols, *by_year]]]


def is_year_column(column: str) -> bool:
    """True for a per-year budget column: ``control.CDEL.2026-27`` (or its ``d_`` form).

    Examples
    --------
    >>> is_year_column("d_control.CDEL.2026-27"), is_year_column("control.CDEL")
    (True, False)
    """
    name = column.removeprefix("d_")
    return name.startswith("control.") and name.count(".") >= 2


def main_columns(comp: pd.DataFrame) -> pd.DataFrame:
    """The comparison without the per-year budget and the milestone columns (main table)."""
    return comp[[c for c in comp.columns if not is_year_column(str(c))
                 and not str(c).startswith("d_milestone.")]]


def milestone_columns(comp: pd.DataFrame) -> pd.DataFrame:
    """Variant, label, status and Δ projected outcome per milestone (empty when none)."""
    milestones = [c for c in comp.columns if str(c).startswith("d_milestone.")]
    if not milestones:
        return comp.iloc[:, :0]
    return comp[["variant", "label", "status", *milestones]]


def year_columns(comp: pd.DataFrame) -> pd.DataFrame:
    """Variant, label, status and Δ budget used per control and year (empty when none)."""
    years = [c for c in comp.columns if is_year_column(str(c))]
    if not years:
        return comp.iloc[:, :0]
    return comp[["variant", "label", "status", *years]]


def varied_keys(variants: Sequence[Any]) -> list[str]:
    """The keys the variants vary (``KEY`` or ``KEY*``), in first-seen order."""
    keys: list[str] = []
    for v in variants:
        for key in v.labels:
            if key not in keys:
                keys.append(key)
    return keys


def one_at_a_time(comp: pd.DataFrame, variants: Sequence[Any]) -> pd.DataFrame:
    """Each varied key's low and high effect on the objective, when keys vary one at a time.

    Applies when every variant changes exactly one key (a sweep of several keys in turn,
    not a grid). For each key, its lowest and highest value (in the order given when the
    values are not all numbers) and the objective's difference from the base there.

    Returns
    -------
    DataFrame
        ``key``, ``low``, ``d_objective_low``, ``high``, ``d_objective_high``, ``swing``
        (high effect minus low effect, in objective units), largest ``|swing|`` first.
        Empty when some variant changes more or fewer than one key.
    """
    columns = ["key", "low", "d_objective_low", "high", "d_objective_high", "swing"]
    if not len(variants) or any(len(v.changes) != 1 for v in variants):
        return pd.DataFrame(columns=columns)
    deltas = dict(zip(comp["variant"].astype(str),
                      pd.to_numeric(comp["d_objective"], errors="coerce"), strict=True))
    by_key: dict[str, list[tuple[Any, float]]] = {}
    for v in variants:
        ((key, value),) = v.labels.items()
        by_key.setdefault(key, []).append((value, float(deltas.get(str(v.name), np.nan))))
    rows = []
    for key, points in by_key.items():
        if all(isinstance(value, int | float) and not isinstance(value, bool)
               for value, _ in points):
            points = sorted(points, key=lambda point: float(point[0]))
        (low, d_low), (high, d_high) = points[0], points[-1]
        rows.append((key, low, d_low, high, d_high, d_high - d_low))
    out = pd.DataFrame(rows, columns=columns)
    order = np.argsort(-np.nan_to_num(np.abs(out["swing"].to_numpy(dtype=float)), nan=-1.0),
                       kind="stable")
    return out.iloc[order].reset_index(drop=True)


# ----------------------------------------------------------------------------- charts
def delta_chart(comp: pd.DataFrame, column: str = "d_objective",
                title: str = "Objective: each variant against the base") -> Figure:
    """Horizontal bars of one difference per variant, around zero, labelled ``key = value``."""
    fig = Figure(figsize=(7.5, max(2.2, 0.32 * len(comp) + 1.2)))
    ax = fig.add_subplot()
    values = pd.to_numeric(comp[column], errors="coerce").to_numpy(dtype=float)
    y = np.arange(len(comp))[::-1]
    colours = np.where(values >= 0, "#1d70b8", "#d4351c")
    ax.barh(y, np.nan_to_num(values), color=colours, height=0.65)
    for yk, v, status in zip(y, values, comp["status"], strict=True):
        text = status if not math.isfinite(v) else f"{v:+,.1f}"
        ax.text(0 if not math.isfinite(v) else v, yk, f" {text} ", va="center",
                ha="left" if not math.isfinite(v) or v >= 0 else "right", fontsize=7)
    ax.axvline(0, color="#4d4d4d", linewidth=0.8)
    ax.set_yticks(y, [str(s) for s in comp["label"]], fontsize=7.5)
    span = float(np.nanmax(np.abs(values))) if np.isfinite(values).any() else 1.0
    span = span if span > 0 else 1.0
    ax.set_xlim(-1.25 * span if np.nanmin(np.nan_to_num(values)) < 0 else -0.05 * span,
                1.25 * span if np.nanmax(np.nan_to_num(values)) > 0 else 0.05 * span)
    ax.set_xlabel("difference from the base (objective units)" if column == "d_objective"
                  else "difference from the base, £m")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def tornado_chart(sens: pd.DataFrame) -> Figure:
    """Tornado of one-at-a-time sensitivities: one row per varied key, largest swing on top.

    Bars from zero to the objective's difference from the base at the key's low value
    (light) and at its high value (dark), each labelled with the value.
    """
    fig = Figure(figsize=(7.5, max(2.2, 0.45 * len(sens) + 1.3)))
    ax = fig.add_subplot()
    y = np.arange(len(sens))[::-1]
    low = pd.to_numeric(sens["d_objective_low"], errors="coerce").to_numpy(dtype=float)
    high = pd.to_numeric(sens["d_objective_high"], errors="coerce").to_numpy(dtype=float)
    ax.barh(y, np.nan_to_num(low), height=0.6, color="#9db4c8", label="low value")
    ax.barh(y, np.nan_to_num(high), height=0.6, color="#1d70b8", label="high value",
            alpha=0.85)
    for yk, lo, hi, lo_v, hi_v in zip(y, low, high, sens["low"], sens["high"], strict=True):
        for delta, value in ((lo, lo_v), (hi, hi_v)):
            if math.isfinite(delta):
                ax.text(delta, yk, f" {_value_text(value)} ", va="center", fontsize=7,
                        ha="left" if delta >= 0 else "right")
    ax.axvline(0, color="#4d4d4d", linewidth=0.8)
    ax.set_yticks(y, [short_key(str(k)) for k in sens["key"]], fontsize=7.5)
    both = np.concatenate([low, high])
    span = float(np.nanmax(np.abs(both))) if np.isfinite(both).any() else 1.0
    span = span if span > 0 else 1.0
    ax.set_xlim(-1.3 * span, 1.3 * span)
    ax.set_xlabel("difference from the base (objective units)")
    ax.set_title("Objective: one key at a time, low and high value")
    ax.legend(loc="lower right", fontsize=7)
    fig.tight_layout()
    return fig


def heat_map(table: pd.DataFrame, variants: Sequence[Any], keys: Sequence[str],
             column: str = "objective") -> Figure:
    """The objective over the grid of two varied keys, each cell written out."""
    first, second = keys[0], keys[1]
    rows = []
    for v, value in zip(variants, pd.to_numeric(table[column], errors="coerce"), strict=True):
        labels = v.labels
        rows.append((labels.get(first), labels.get(second), float(value)))
    frame = pd.DataFrame(rows, columns=["a", "b", "v"])
    a_vals = list(dict.fromkeys(frame["a"]))
    b_vals = list(dict.fromkeys(frame["b"]))
    grid = np.full((len(a_vals), len(b_vals)), np.nan)
    for a, b, v in frame.itertuples(index=False):
        grid[a_vals.index(a), b_vals.index(b)] = v
    fig = Figure(figsize=(max(4.5, 1.1 * len(b_vals) + 2.5), max(3.0, 0.5 * len(a_vals) + 1.6)))
    ax = fig.add_subplot()
    finite = grid[np.isfinite(grid)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    image = ax.imshow(grid, cmap="viridis", aspect="auto", vmin=lo, vmax=hi if hi > lo else lo + 1)
    for i in range(len(a_vals)):
        for j in range(len(b_vals)):
            v = grid[i, j]
            ax.text(j, i, "not solved" if not math.isfinite(v) else f"{v:,.0f}", ha="center",
                    va="center", fontsize=7,
                    color="white" if math.isfinite(v) and v < (lo + hi) / 2 else "black")
    ax.set_xticks(range(len(b_vals)), [_value_text(b) for b in b_vals])
    ax.set_yticks(range(len(a_vals)), [_value_text(a) for a in a_vals])
    ax.set_xlabel(short_key(second))
    ax.set_ylabel(short_key(first))
    ax.set_title(f"{column.replace('_', ' ')} by {short_key(first)} and {short_key(second)}")
    fig.colorbar(image, ax=ax, shrink=0.8)
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------- files
_HEADERS = {
    "variant": "variant", "label": "changes", "status": "status",
    "objective": "objective", "d_objective": "Δ objective",
    "d_objective_share": "Δ objective (%)", "public_total": "public (£m)",
    "d_public_total": "Δ public (£m)", "private_total": "private (£m)",
    "d_private_total": "Δ private (£m)",
    "guarantee_total": "guarantees, face value (£m)",
    "d_guarantee_total": "Δ guarantees, face value (£m)",
    "d_additional_private_total": "Δ additional private (£m)",
    "d_economic_cost": "Δ economic cost (£m, present value)",
}


def _header(column: str, units: Mapping[str, str] | None = None) -> str:
    if column in _HEADERS:
        return _HEADERS[column]
    if column.startswith("d_value."):
        return f"Δ value {column.removeprefix('d_value.')} (weighted £m)"
    if column.startswith("d_control."):
        control, _, year = column.removeprefix("d_control.").partition(".")
        return f"Δ {control} used {year} (£m)" if year else f"Δ {control} used (£m)"
    if column.startswith("d_milestone."):
        milestone = column.removeprefix("d_milestone.")
        unit = (units or {}).get(milestone)
        return f"Δ {milestone} at deadline" + (f" ({unit})" if unit else "")
    return column


def _kind(column: str) -> str:
    if column == "d_objective_share":
        return "share"
    if column in ("public_total", "d_public_total", "private_total", "d_private_total",
                  "guarantee_total", "d_guarantee_total", "d_additional_private_total",
                  "d_economic_cost") or column.startswith("d_control."):
        return "money"
    if column.startswith("d_milestone."):
        return "units"
    if column in ("objective", "d_objective") or column.startswith("d_value."):
        return "number"
    return "text"


def solve_note(exact: bool) -> str:
    """One sentence on how the variants were solved and what that means for their figures."""
    if exact:
        return ("Every variant was solved from scratch as a lone run of it is, so each "
                "figure is the one `missionfinance run` of that variant reports.")
    return ("Variants were re-solved in place from a neighbour's solution: the objective is "
            "a lone run's; where several allocations are equally good a variant may show "
            "another of them than a lone run (budget used of a control that does not bind, "
            "years, milestones); `sweep --exact` solves each as a lone run.")


def comparison_xlsx(comp: pd.DataFrame, base: Mapping[str, Any] | None, title: str,
                    sens: pd.DataFrame | None = None,
                    units: Mapping[str, str] | None = None, exact: bool = False) -> bytes:
    """comparison.xlsx: a README sheet and the comparison sheet (deterministic bytes).

    When the variants report budget used by year, a "Budget by year" sheet with Δ budget
    used per control and year; when they report milestone outcomes, a "Milestones" sheet
    with Δ per milestone at its deadline; when the keys vary one at a time (``sens``,
    :func:`one_at_a_time`), a further "One at a time" sheet with each key's low and high
    effect on the objective. ``units`` maps a milestone to its unit (for the headers);
    ``exact`` says how the variants were solved (:func:`solve_note`).
    """
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                        "strings_to_urls": False, "strings_to_numbers": False,
                                        "nan_inf_to_errors": False})
    book.set_properties({"title": neutralise(title)[:255], "author": "missionfinance",
                         "created": CREATED})
    formats = {"header": book.add_format({"bold": True, "bg_color": "#F3F2F1", "bottom": 1,
                                          "text_wrap": True, "valign": "top"}),
               "money": book.add_format({"num_format": MONEY_FORMAT}),
               "share": book.add_format({"num_format": SHARE_FORMAT}),
               "number": book.add_format({"num_format": '#,##0.0;-#,##0.0;0.0'}),
               "units": book.add_format({"num_format": '#,##0.00;-#,##0.00;0.00'}),
               "wrap": book.add_format({"text_wrap": True, "valign": "top"})}
    readme = book.add_worksheet("README")
    readme.set_column(0, 0, 18)
    readme.set_column(1, 1, 100, formats["wrap"])
    objective = (base or {}).get("objective")
    main, years, milestones = main_columns(comp), year_columns(comp), milestone_columns(comp)
    notes = [("Title", title),
             ("Base", "The base scenario solved alone: objective "
              + (f"{objective:,.1f}" if isinstance(objective, float) else "not available")),
             ("Units", "Money in £ million (£m); Δ is the variant minus the base; Δ objective "
                       "(%) is that over the base objective; mission value is £m weighted by "
                       "the mission's weight; budget used is what the allocation scores "
                       "against each control total (CDEL, FT, RDEL …) over the scenario's "
                       "years, £m; a milestone's Δ is its projected outcome at its deadline, "
                       "in the milestone's own unit."),
             ("Solved", solve_note(exact)),
             ("Sheet", "Comparison: one row per variant, in the order given.")]
    if len(years.columns):
        notes.append(("Sheet", "Budget by year: Δ budget used per control and year, £m, one "
                               "row per variant."))
    if len(milestones.columns):
        notes.append(("Sheet", "Milestones: Δ projected outcome of each tracked milestone at "
                               "its deadline, in the milestone's unit, one row per variant."))
    if sens is not None and len(sens):
        notes.append(("Sheet", "One at a time: each varied key's lowest and highest value "
                               "and the objective's difference from the base there, largest "
                               "swing first."))
    for i, (key, text) in enumerate(notes):
        readme.write_string(i, 0, key)
        readme.write_string(i, 1, neutralise(text))
        readme.set_row(i, 15 * max(1, math.ceil(len(text) / 95)) + 3)
    _write_table(book.add_worksheet("Comparison"), main, formats, units)
    if len(years.columns):
        _write_table(book.add_worksheet("Budget by year"), years, formats, units)
    if len(milestones.columns):
        _write_table(book.add_worksheet("Milestones"), milestones, formats, units)
    if sens is not None and len(sens):
        _write_sensitivity(book.add_worksheet("One at a time"), sens, formats)
    book.close()
    return buffer.getvalue()


def _write_table(ws: Any, comp: pd.DataFrame, formats: Mapping[str, Any],
                 units: Mapping[str, str] | None) -> None:
    """One comparison table on its sheet: a header row, a row per variant."""
    for j, column in enumerate(comp.columns):
        ws.write_string(0, j, _header(str(column), units), formats["header"])
        kind = _kind(str(column))
        for i, value in enumerate(comp[column].tolist(), start=1):
            if kind == "text":
                ws.write_string(i, j, neutralise(str(value)))
            elif value is not None and math.isfinite(float(value)):
                ws.write_number(i, j, float(value), formats[kind])
        header = _header(str(column), units)
        # a short header gets room for one line; longer ones wrap in the header row
        width = (max(14, len(header) + 2) if len(header) <= 18 else 14) if kind != "text" \
            else min(60, max(10, int(comp[column].astype(str).str.len().max() or 0) + 2))
        ws.set_column(j, j, width)
    ws.set_row(0, 32)
    ws.freeze_panes(1, 2)
    ws.autofilter(0, 0, max(len(comp), 1), len(comp.columns) - 1)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0)
    ws.set_header("&L&A")


_SENS_HEADERS = ("key", "low value", "Δ objective at low", "high value",
                 "Δ objective at high", "swing (high − low)")


def _write_sensitivity(ws: Any, sens: pd.DataFrame, formats: Mapping[str, Any]) -> None:
    for j, header in enumerate(_SENS_HEADERS):
        ws.write_string(0, j, header, formats["header"])
    for i, row in enumerate(sens.itertuples(index=False), start=1):
        ws.write_string(i, 0, neutralise(short_key(str(row.key))))
        for j, value in ((1, row.low), (3, row.high)):
            if isinstance(value, int | float) and not isinstance(value, bool):
                ws.write_number(i, j, float(value))
            else:
                ws.write_string(i, j, neutralise(str(value)))
        for j, value in ((2, row.d_objective_low), (4, row.d_objective_high), (5, row.swing)):
            if math.isfinite(float(value)):
                ws.write_number(i, j, float(value), formats["number"])
    ws.set_column(0, 0, 30)
    ws.set_column(1, 5, 16)
    ws.set_row(0, 32)
    ws.freeze_panes(1, 1)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0)
    ws.set_header("&L&A")


def _uri(fig: Figure) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg_bytes(fig)).decode("ascii")


def _cell(column: str, value: Any) -> str:
    kind = _kind(column)
    if kind == "text":
        return f'<td dir="auto">{html.escape(str(value))}</td>'
    number = float(value) if value is not None else float("nan")
    if not math.isfinite(number):
        return '<td class="num">–</td>'
    if kind == "share":
        return f'<td class="num">{number * 100:+.2f}%</td>'
    sign = "+" if column.startswith("d_") else ""
    places = 2 if kind == "units" else 1
    return f'<td class="num">{number:{sign},.{places}f}</td>'


def _sensitivity_html(sens: pd.DataFrame | None) -> str:
    if sens is None or not len(sens):
        return ""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in _SENS_HEADERS)
    rows = []
    for row in sens.itertuples(index=False):
        cells = [f'<td dir="auto">{html.escape(short_key(str(row.key)))}</td>']
        for value, delta in ((row.low, row.d_objective_low), (row.high, row.d_objective_high)):
            cells.append(f'<td class="num">{html.escape(_value_text(value))}</td>')
            cells.append(_cell("d_objective", delta))
        cells.append(_cell("d_objective", row.swing))
        rows.append("<tr>" + "".join(cells) + "</tr>\n")
    return ("<h2>One key at a time</h2>\n<table><thead><tr>" + head
            + "</tr></thead><tbody>\n" + "".join(rows) + "</tbody></table>\n")


def _table_html(comp: pd.DataFrame, units: Mapping[str, str] | None) -> str:
    head = "".join(f"<th>{html.escape(_header(str(c), units))}</th>" for c in comp.columns
                   if c != "variant")
    body = "".join("<tr>" + "".join(_cell(str(c), v) for c, v in zip(comp.columns, row,
                                                                          strict=True)
                                     if c != "variant") + "</tr>\n"
                   for row in comp.itertuples(index=False))
    return (f'<div style="overflow-x:auto"><table><thead><tr>{head}</tr></thead><tbody>\n'
            f"{body}</tbody></table></div>\n")


def comparison_html(comp: pd.DataFrame, charts: Sequence[tuple[str, Figure]], title: str,
                    base: Mapping[str, Any] | None, sens: pd.DataFrame | None = None,
                    units: Mapping[str, str] | None = None, exact: bool = False) -> bytes:
    """comparison.html: self-contained page (inline SVG charts, no script).

    When the keys vary one at a time (``sens``, :func:`one_at_a_time`), a table of each
    key's low and high effect on the objective follows the charts; when the variants
    report budget used by year and milestone outcomes, tables of Δ budget used per
    control and year and of Δ per milestone follow the table of every variant. ``units`` maps a milestone to its unit (for the headers);
    ``exact`` says how the variants were solved (:func:`solve_note`).
    """
    main, years, milestones = main_columns(comp), year_columns(comp), milestone_columns(comp)
    by_year = ("<h2>Budget used by year</h2>\n<p>Δ budget used per control and year, £m "
               "(the variant minus the base).</p>\n" + _table_html(years, units)
               if len(years.columns) else "")
    if len(milestones.columns):
        by_year += ("<h2>Milestones at their deadlines</h2>\n<p>Δ projected outcome of each "
                    "tracked milestone at its deadline, in the milestone's unit (the variant "
                    "minus the base).</p>\n" + _table_html(milestones, units))
    objective = (base or {}).get("objective")
    base_text = (f"{objective:,.1f}" if isinstance(objective, float) else "not available")
    figures = "".join(f'<h2>{html.escape(name)}</h2><img alt="{html.escape(name)}" '
                      f'src="{_uri(fig)}">\n' for name, fig in charts)
    page = f"""<!DOCTYPE html>
<html lang="en-GB"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<title>{html.escape(title)}</title>
<style>body{{font-family:system-ui,Arial,sans-serif;max-width:80rem;margin:0 auto;padding:1rem}}
table{{border-collapse:collapse;font-size:.85rem}}th,td{{border-bottom:1px solid #d0d0d0;padding:.2rem .5rem;vertical-align:top}}
th{{background:#f3f2f1;text-align:left}}td.num{{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}}
img{{max-width:100%;height:auto}}</style></head><body>
<h1>{html.escape(title)}</h1>
<p>Each variant against the base scenario solved alone (objective {html.escape(base_text)}).
Money in £ million; Δ is the variant minus the base; budget used is what the allocation
scores against each control total over the scenario's years; a milestone's Δ is its
projected outcome at its deadline, in its own unit. {html.escape(solve_note(exact))}
The same tables are in comparison.xlsx.</p>
{figures}{_sensitivity_html(sens)}<h2>Every variant</h2>
{_table_html(main, units)}{by_year}</body></html>
"""
    return page.encode("utf-8")
