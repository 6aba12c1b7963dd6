"""The report's tables: one :class:`ReportTable` per table, rendered to HTML and XLSX.

The frames themselves are computed from the run by :mod:`missionfinance.views`; this
module only says how the report shows them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd


@dataclass(frozen=True)
class ReportTable:
    """One table of the report.

    Attributes
    ----------
    key : str
        Short identifier, also the XLSX sheet name (≤ 31 characters).
    title : str
        Heading shown to the reader.
    frame : pd.DataFrame
        The rows, in display order.
    note : str
        One or two sentences in plain words saying what the table shows.
    money : tuple of str
        Columns in £m.
    shares : tuple of str
        Columns that are fractions shown as percentages.
    html_rows : int or None
        Most rows shown in the HTML report (None: all); XLSX always has all rows.
    labels : mapping
        Column → header text, where it differs from the column name.
    html_columns : tuple of str
        Columns shown in the HTML report, when not all (those absent are skipped); XLSX
        always has every column.
    """

    key: str
    title: str
    frame: pd.DataFrame
    note: str = ""
    money: tuple[str, ...] = ()
    shares: tuple[str, ...] = ()
    html_rows: int | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    html_columns: tuple[str, ...] = ()


#: Rows of the headline table: summary.json key, label, unit.
HEADLINE_ROWS: tuple[tuple[str, str, str], ...] = (
    ("objective", "Objective value (as the model reports it)", "value"),
    ("public_total", "Public finance committed", "£m"),
    ("private_total", "Private investment mobilised", "£m"),
    ("additional_private_total", "of which additional (would not happen anyway)", "£m"),
    ("additional_share", "Additional share of private investment", "%"),
    ("leverage", "Leverage: private £ per public £", "ratio"),
    ("expected_loss", "Expected loss on loans, equity and guarantees", "£m"),
    ("economic_cost", "Economic cost to the Exchequer (present value)", "£m"),
    ("cvar_limit", "Risk appetite: limit on the CVaR of losses", "£m"),
    ("shortfall_total", "Shortfall against mission targets", "£m"),
    ("projects_funded", "Projects funded", "count"),
    ("projects", "Projects in the pipeline", "count"),
)
