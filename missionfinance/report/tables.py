"""The report's tables: one :class:`ReportTable` per table, rendered to HTML and XLSX.

The frames themselves are computed from the run by :mod:`missionfinance.views`; this
module only says how the report shows them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

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
    ("public_total", "Public cash committed (grants, loans, equity)", "£m"),
    ("guarantee_total", "Guarantees issued: contingent exposure, face value (not cash)", "£m"),
    ("private_total", "Private investment mobilised (counted once per project)", "£m"),
    ("additional_private_total", "of which additional (would not happen anyway)", "£m"),
    ("additional_share", "Additional share of private investment", "%"),
    ("leverage", "Leverage: private £ per £ of public cash", "ratio"),
    ("leverage_with_guarantee_cost",
     "Leverage: private £ per £ of public cash plus the guarantees' net expected cost",
     "ratio"),
    ("economic_cost", "Economic cost to the Exchequer (present value; not the budget score)",
     "£m"),
    ("guarantee_expected_cost", "of which guarantees: expected calls minus fees", "£m"),
    ("expected_loss", "Expected loss on loans, equity and guarantees", "£m"),
    ("cvar_limit", "Risk appetite: limit on the CVaR of losses", "£m"),
    ("shortfall_total", "Shortfall against mission targets", "£m"),
    ("projects_funded", "Projects funded", "count"),
    ("projects", "Projects in the pipeline", "count"),
)


#: Private money bounded once per project, without and with the financing plan rule.
PRIVATE_ONCE = ("Private money is counted once per project, whichever instruments fund it: "
                "at most the project's private capacity where it gives one, otherwise what "
                "its leverage crowds in. Diminishing leverage runs on the project's total "
                "public cash.")
PRIVATE_PLAN = ("Private money is counted once per project, whichever instruments fund it: "
                "at most the project's private capacity or, where none is given, its "
                "financing plan (capacity less public cash; the scenario's [constraints] "
                "financing_plan). Diminishing leverage runs on the project's total public "
                "cash.")
#: How a project's money may fall by year, without and with the even drawdown rule.
DRAWDOWN_FREE = ("A project draws its capacity in any split over the years of its window, "
                 "unless it gives max_per_year (most public cash in one year).")
DRAWDOWN_EVEN = ("A project without max_per_year draws at most its capacity divided by the "
                 "years of its window in any one year (even drawdown; the scenario's "
                 "[constraints] even_drawdown).")

#: How money is counted (docs/model.md, "What is counted"), repeated in words in the
#: report's assumptions section (with :func:`economics_notes`'s two scenario rules).
ECONOMICS: tuple[str, ...] = (
    "Public cash is grants, loans and equity committed. A guarantee is contingent exposure: "
    "its face value is reported apart (guarantees issued) and is never added to public cash, "
    "to mission value, to mission floors or to a project's capacity.",
    "What a guarantee buys is the private lending it covers: lending per £ of cover is "
    "1 / cover share (cover of 70–80% in UK schemes: EFG 75%, Growth Guarantee Scheme 70%). "
    "That lending is counted once, as the project's private money.",
    PRIVATE_ONCE,
    "Only additional private money (the project's additionality share) adds to mission "
    "value: the OECD counts private finance as mobilised only where the official "
    "intervention caused it.",
    "Economic cost is what the commitments cost the Exchequer over the instruments' lives: "
    "minus the present value, at the first year and the HM Treasury Green Book rate of 3.5% "
    "real (or the scenario's discount rate), of their expected cash flows (the rows of "
    "cashflows.csv, with defaults phased over each life). A grant costs its face value; a "
    "loan or equity stake its expected losses less what its interest, dividends or exit earn "
    "above the discount rate; a guarantee its expected calls minus the fees it earns. The "
    "same figure is the min_cost objective, the headline and the fiscal impact section's "
    "total.",
    "Budget scored is a separate concept: what the allocation uses of each control total "
    "(CDEL, FT, RDEL) under HM Treasury's Consolidated Budgeting Guidance; a loan scores its "
    "principal in FT although it is expected to be repaid.",
    "Leverage is stated two ways: private money per £ of public cash, and private money per "
    "£ of public cash plus the guarantees' net expected cost where it is positive.",
)


def economics_notes(summary: Mapping[str, Any], *, financing_plan: bool = False,
                    even_drawdown: bool = False) -> list[str]:
    """The counting statements, then a line per sanity warning of the run.

    The warnings are ``summary["warnings"]``; ``financing_plan`` and ``even_drawdown`` are
    the scenario's ``[constraints]`` switches of those names, stated as the run used them.
    """
    warnings = summary.get("warnings") or []
    notes = [PRIVATE_PLAN if s is PRIVATE_ONCE and financing_plan else s for s in ECONOMICS]
    notes.append(DRAWDOWN_EVEN if even_drawdown else DRAWDOWN_FREE)
    return [*notes, *(f"Warning: {w}" for w in warnings)]
