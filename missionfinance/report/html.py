"""report.html: one self-contained page a non-technical reader can follow.

The page is rendered with jinja2 from ``templates/report.html.j2`` with autoescaping on
for every value, so text from inputs (project names, departments, rationales) is always
shown, never interpreted. It fetches nothing: styles are inline, charts are SVG embedded
as ``data:`` images (an SVG shown through ``<img>`` cannot run scripts), and there is no
JavaScript. Text cells carry ``dir="auto"`` so right-to-left text reads correctly, and
text longer than :data:`CELL_CHARS` characters is cut with a note (report.xlsx keeps it).

The headline table's rows carry ``data-key`` (the summary.json key) and ``data-value``
(the exact JSON value), so a reader or a test can check them against summary.json.
"""

from __future__ import annotations

import base64
import math
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jinja2
import pandas as pd
from markupsafe import Markup, escape

from missionfinance import plot
from missionfinance.report import charts
from missionfinance.report.build import CHART_TABLES, HeadlineRow, Report
from missionfinance.report.tables import ReportTable

#: Longest text shown in one HTML table cell.
CELL_CHARS = 300

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("missionfinance.report", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass(frozen=True)
class Cell:
    """One formatted table cell: text and CSS class (``num``, ``text`` or ``flag``)."""

    text: str
    kind: str


@dataclass(frozen=True)
class HtmlTable:
    """A table ready for the template."""

    key: str
    anchor: str
    title: str
    note: str
    header: list[str]
    rows: list[list[Cell]]
    hidden: int


def _clean(text: str) -> str:
    """Replace control characters (Unicode category Cc) other than tab and newline."""
    if text.isprintable():
        return text
    return "".join("\ufffd" if unicodedata.category(ch) == "Cc" and ch not in "\n\t" else ch
                   for ch in text)


def text_cell(value: object, limit: int = CELL_CHARS) -> str:
    """Display text of a text cell: control characters replaced, long text cut.

    Examples
    --------
    >>> text_cell("x" * 305, limit=300)[-25:]
    'xxxx… (5 more characters)'
    """
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    text = _clean(str(value))
    if len(text) > limit:
        return f"{text[:limit]}… ({len(text) - limit:,} more characters)"
    return text


def money(value: float) -> str:
    """£m figure with one decimal; ``–`` when missing."""
    return "–" if not math.isfinite(value) else f"{round(value, 1) + 0.0:,.1f}"


def general(value: float) -> str:
    """A number that is neither money nor a share."""
    if not math.isfinite(value):
        return "–" if math.isnan(value) else ("∞" if value > 0 else "−∞")
    return f"{round(value, 2) + 0.0:,.2f}" if abs(value) >= 1 else f"{value + 0.0:.3g}"


def _formatter(table: ReportTable, column: str, series: pd.Series) -> Callable[[Any], Cell]:
    if column in table.money:
        return lambda v: Cell(money(float(v)), "num")
    if column in table.shares:
        return lambda v: Cell("–" if not math.isfinite(float(v))
                              else f"{round(float(v) * 100, 1) + 0.0:.1f}%", "num")
    if pd.api.types.is_bool_dtype(series.dtype):
        return lambda v: Cell("yes" if v else "no", "flag")
    if pd.api.types.is_integer_dtype(series.dtype):
        return lambda v: Cell(f"{int(v):,}", "num")
    if pd.api.types.is_float_dtype(series.dtype):
        return lambda v: Cell(general(float(v)), "num")
    return lambda v: Cell(text_cell(v), "text")


def _header(table: ReportTable, column: str) -> str:
    name = str(table.labels.get(column, column)).replace("_", " ")
    return f"{name} (£m)" if column in table.money else name


def html_table(table: ReportTable) -> HtmlTable:
    """Format ``table`` for the template (at most ``table.html_rows`` rows)."""
    frame = table.frame
    if table.html_columns:
        frame = frame[[c for c in table.html_columns if c in frame.columns]]
    shown = frame if table.html_rows is None else frame.head(table.html_rows)
    columns = [str(c) for c in frame.columns]
    formats = [_formatter(table, c, frame[c]) for c in frame.columns]
    values = [shown[c].tolist() for c in frame.columns]
    rows = [[fmt(v) for fmt, v in zip(formats, row, strict=True)]
            for row in zip(*values, strict=True)] if columns else []
    return HtmlTable(
        key=table.key,
        anchor=table.key.lower().replace(" ", "-"),
        title=table.title,
        note=table.note,
        header=[_header(table, c) for c in columns],
        rows=rows,
        hidden=len(frame) - len(shown),
    )


def headline_text(row: HeadlineRow) -> str:
    """Display text of a headline figure (money to £10k, shares to 0.01%)."""
    value = row.value
    if value is None or isinstance(value, str):
        return "not available" if value is None else text_cell(value)
    number = float(value)
    if not math.isfinite(number):
        return "not available"
    if row.unit == "£m":
        return f"£{number:,.2f}m"
    if row.unit == "%":
        return f"{number * 100:.2f}%"
    if row.unit == "count":
        return f"{int(number):,}"
    return f"{number:,.2f}"


def headline_value(row: HeadlineRow) -> str:
    """Exact JSON text of a headline figure (``data-value`` attribute)."""
    value = row.value
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value) if isinstance(value, int) else repr(float(value))
    return str(value)


def _data_uri(svg: bytes) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


def chart_uris(report: Report) -> dict[str, str]:
    """The report's charts as SVG ``data:`` URIs, by name (figures of :mod:`missionfinance.plot`)."""
    return {**money_chart_uris(report), **outcome_chart_uris(report)}


def money_chart_uris(report: Report) -> dict[str, str]:
    """The charts of the money (flow, budget, exposure, missions, years, cash flows, groups)."""
    return money_charts({k: report.tables[k].frame for k in CHART_TABLES},
                        report.mission_colours)


#: The charts of the money by name, in the order they are drawn: each from the chart
#: tables' frames (by table key) and the mission colours.
_MONEY_CHARTS: dict[str, Callable[[Mapping[str, pd.DataFrame], Mapping[str, str]], Any]] = {
    "flow": lambda frames, colours: plot.flow(frames["Flow"], colours),
    "budget": lambda frames, _: plot.budget_use(frames["Budget"]),
    "exposure": lambda frames, _: plot.exposure(frames["Exposure and risk"]),
    "missions": lambda frames, colours: plot.private_by_mission(frames["By mission"], colours),
    "years": lambda frames, _: plot.allocation_by_year(frames["By year"]),
    "cashflows": lambda frames, _: plot.money_out_and_back(frames["Money out and back"]),
    "departments": lambda frames, _: plot.allocation_by_group(
        frames["By department"], "department", title="Largest departments"),
    "regions": lambda frames, _: plot.allocation_by_group(
        frames["By region"], "region", title="Largest regions"),
}
#: The charts :func:`money_charts` draws, by name, in the order it draws them.
MONEY_CHART_NAMES: tuple[str, ...] = tuple(_MONEY_CHARTS)


def _outcome_chart_names(tables: Mapping[str, Any]) -> tuple[str, ...]:
    """The outcome charts of a report with ``tables``: none, ``outcomes``, or both."""
    if "Missions on track" not in tables:
        return ()
    return ("outcomes", "tornadoes") if "Sensitivity" in tables else ("outcomes",)


def money_charts(frames: Mapping[str, pd.DataFrame], colours: Mapping[str, str],
                 ) -> dict[str, str]:
    """:func:`money_chart_uris` from the chart tables' frames and the mission colours alone.

    ``frames`` holds the frames of :data:`~missionfinance.report.build.CHART_TABLES` by
    table key; :func:`missionfinance.report.build.money_views` makes them before the rest
    of the report, so the charts can be drawn while it is built.
    """
    return {name: _data_uri(charts.svg_bytes(make(frames, colours)))
            for name, make in _MONEY_CHARTS.items()}


def outcome_chart_uris(report: Report) -> dict[str, str]:
    """Outcome charts of the report, drawn from its outcome tables.

    ``outcomes``: every milestone's trajectory, small multiples in one figure; and, when
    the run has uncertain inputs, ``tornadoes``: each milestone's tornado, likewise.
    """
    return outcome_charts(report.tables, report.mission_colours)


def outcome_charts(tab: Mapping[str, ReportTable], colours: Mapping[str, str]) -> dict[str, str]:
    """:func:`outcome_chart_uris` from the outcome tables and the mission colours alone.

    The tables are :func:`missionfinance.report.outcomes.outcome_tables`'s and the colours
    :func:`missionfinance.report.build.mission_colours`'s, as in the run's report: the
    charts can be drawn before the rest of the report is built.
    """
    from missionfinance import plot

    names = _outcome_chart_names(tab)
    if not names:
        return {}
    gaps = list(tab["Missions on track"].frame.itertuples(index=False))
    trajectories = [(str(row.milestone), colours.get(str(row.mission), "#1d70b8"),
                     f"{row.milestone} (by {row.deadline})", str(row.deadline)) for row in gaps]
    out = {"outcomes": _data_uri(charts.svg_bytes(
        plot.milestone_trajectories(tab["Outcomes"].frame, trajectories)))}
    if "tornadoes" in names:
        panels = [(str(row.milestone), str(row.unit), f"{row.milestone}: outcome by {row.deadline}")
                  for row in gaps]
        out["tornadoes"] = _data_uri(charts.svg_bytes(
            plot.tornadoes(tab["Sensitivity"].frame, panels)))
    return out


def outcome_sentences(report: Report) -> list[str]:
    """One sentence per milestone: on track or not, and the shadow price in words."""
    if "Missions on track" not in report.tables:
        return []
    out = []
    for row in report.tables["Missions on track"].frame.to_dict(orient="records"):
        text = f"{row['milestone']}: {row['words']}"
        prob = row.get("probability")
        if prob is not None and prob == prob:
            text += f"; probability of meeting it {prob:.0%}"
        if row.get("shadow_price_words"):
            text += f"; {row['shadow_price_words']}"
        out.append(text + ".")
    return out


def render_html(report: Report, charts: Mapping[str, str] | None = None) -> str:
    """The report page as text; ``charts`` as :func:`chart_uris` gives them (drawn if not given)."""
    template = _ENV.get_template("report.html.j2")
    tables = {key: html_table(table) for key, table in report.tables.items()}
    return template.render(
        report=report,
        headline=[(row, headline_text(row), headline_value(row)) for row in report.headline],
        tables=tables,
        charts=chart_uris(report) if charts is None else charts,
        outcome_sentences=outcome_sentences(report),
        provenance=report.provenance,
    )


def html_bytes(report: Report, charts: Mapping[str, str] | None = None) -> bytes:
    """report.html as UTF-8 bytes with ``\\n`` line endings (``charts`` as in :func:`render_html`)."""
    return render_html(report, charts).replace("\r\n", "\n").encode("utf-8")


def chart_names(tables: Mapping[str, Any]) -> tuple[str, ...]:
    """Names of the charts a report with ``tables`` (key → table) shows.

    The keys :func:`money_charts` and :func:`outcome_charts` give: every money chart, then
    ``outcomes`` with the outcome tables and ``tornadoes`` with a sensitivity table too.
    """
    return MONEY_CHART_NAMES + _outcome_chart_names(tables)


def _marker(name: str) -> str:
    # markup no table or text of the page can carry: the page escapes every ``<`` in them
    return f"<mf-chart {name}>"


def html_before_charts(report: Report, names: Sequence[str],
                       ) -> Callable[[Mapping[str, str]], bytes]:
    """report.html made before its charts are drawn; the function returned puts them in.

    The page is rendered with a marker where each chart's ``data:`` URI goes (``names``:
    the charts it will have, :func:`chart_names`), so that only the markers are left to
    replace once the charts are drawn. The function returned gives the very bytes of
    ``html_bytes(report, charts)``: where ``charts`` names other charts, or a URI holds a
    character the page escapes (a base64 ``data:`` URI never does), it renders the page
    anew.
    """
    wanted = tuple(names)
    page = html_bytes(report, {name: Markup(_marker(name)) for name in wanted})

    def with_charts(charts: Mapping[str, str]) -> bytes:
        if (sorted(charts) != sorted(wanted)
                or any(str(escape(uri)) != uri for uri in charts.values())):
            return html_bytes(report, charts)
        out = page
        for name in wanted:
            out = out.replace(_marker(name).encode("ascii"), charts[name].encode("utf-8"))
        return out

    return with_charts
