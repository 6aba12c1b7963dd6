"""Fiscal aggregates of an allocation per year: PSNB, current deficit, PSND and PSNFL.

Each cash-flow row of :mod:`missionfinance.cashflows` is scored by its
national-accounts treatment. Values are the allocation's effect, £m, positive when
it raises borrowing, the current deficit or debt (DESIGN §7, ``fiscal.csv``):

- ``psnb`` and ``current_deficit`` are flows: the effect in that year;
- ``psnd`` and ``psnfl`` are stocks: the effect on the level at the end of that year
  (the cumulative flows to date), which is what the fiscal rules target.

Treatments (sources: ONS, *Public sector finances methodological guide*; ESA 2010
chapters 4 (capital transfers), 5 (financial transactions), 6 (other changes in the
volume of assets) and 20 (one-off and standardised guarantees); Eurostat, *Manual on
Government Deficit and Debt*, part VII (guarantees); OBR, *Economic and fiscal outlook*, October 2024, box on PSNFL; HM
Treasury, *Charter for Budget Responsibility*, autumn 2024; HMT *Consolidated
Budgeting Guidance 2025-26* for the budgeting view, which differs):

============ =========== ================ ============ ==========================
row          PSNB        current deficit  PSND         PSNFL
============ =========== ================ ============ ==========================
grant out    + amount    0 (capital)      + amount     + amount
loan/equity  0           0                + cash lent  0 (asset netted)
  out        (financial transaction)
principal    0           0                − cash       0 (asset falls with cash)
interest,    − amount    − amount         − amount     − amount
dividend,
fee
equity exit  0           0                − proceeds   − gain over book value
loss         0           0                + shortfall  + write-off (asset lost)
call         + amount    0 (capital       + amount     + amount
             transfer)   transfer)
============ =========== ================ ============ ==========================

PSND counts cash: its stock effect is −Σ amount of all rows to date. PSNFL nets off
the illiquid financial assets held — the loans and equity still performing, at
book value (:attr:`CashflowResult.assets`) — so PSNFL = PSND − assets. A guarantee
is a one-off contingent liability: nothing at issue; fees are sales of a service
(current receipts); calls are capital transfers when paid (ESA 2010 chapter 20). Loan
write-offs and equity write-downs are other changes in the volume of assets, not
transactions (ESA 2010 chapter 6; the reason the ONS reclassified student loans in
2018, whose write-offs had never reached PSNB),
so they reach PSNFL and not PSNB — which is why the OBR warns that PSNFL records loans
at nominal value regardless of the probability of repayment. Standardised guarantees
(ESA 2010 chapter 20), which record expected calls as a liability at issue, are not
modelled: every guarantee here is scored as one-off.

The budgeting view differs: HMT Consolidated Budgeting Guidance scores loans and
equity as financial transactions in CDEL and their expected losses (impairments) in
RDEL at issue — see :mod:`missionfinance.instruments`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from missionfinance.cashflows import CashflowResult
from missionfinance.years import fy_from_start, year_start

__all__ = ["MEASURES", "TREATMENTS", "fiscal_effects", "fiscal_table"]

#: Measures of fiscal.csv, in order.
MEASURES: tuple[str, ...] = ("psnb", "current_deficit", "psnd", "psnfl")

#: Flow-measure weight per (schedule, kind), applied to −amount (so money out scores +).
#: PSND is −amount for every row; PSNFL is PSND less the change in assets held.
TREATMENTS: dict[str, dict[tuple[str, str], float]] = {
    "psnb": {
        ("grant", "commitment"): 1.0,
        **{(s, k): 1.0 for s in ("loan", "equity", "guarantee", "grant")
           for k in ("interest", "dividend", "fee", "call")},
    },
    "current_deficit": {
        (s, k): 1.0 for s in ("loan", "equity", "guarantee", "grant")
        for k in ("interest", "dividend", "fee")
    },
}


def _span(years: list[str]) -> list[str]:
    lo, hi = year_start(min(years)), year_start(max(years))
    return [fy_from_start(y) for y in range(lo, hi + 1)]


def fiscal_effects(cashflows: CashflowResult) -> pd.DataFrame:
    """Per-year effect of the flows on each measure, per instrument.

    Parameters
    ----------
    cashflows : CashflowResult
        From :func:`missionfinance.cashflows.schedule`.

    Returns
    -------
    DataFrame
        ``year, measure, instrument, value`` [£m], every year from the first flow to the
        last for each instrument with flows, sorted by year, measure (in
        :data:`MEASURES` order), instrument. ``psnb``/``current_deficit``: that year's
        flow; ``psnd``/``psnfl``: effect on the year-end stock.
    """
    flows = cashflows.flows
    empty = pd.DataFrame({"year": pd.Series([], dtype=object), "measure": pd.Series([], dtype=object),
                          "instrument": pd.Series([], dtype=object), "value": pd.Series([], dtype="float64")})
    if flows.empty:
        return empty
    years = _span(list(flows["year"]) + list(cashflows.assets["year"]) + [cashflows.first_year])
    out = -flows["amount"].to_numpy(dtype="float64")
    sched = flows["instrument"].map(cashflows.schedules).fillna("grant").to_numpy()
    kinds = flows["kind"].to_numpy()
    cols: dict[str, np.ndarray] = {"psnd": out}
    for measure, table in TREATMENTS.items():
        weight = np.array([table.get((s, k), 0.0) for s, k in zip(sched, kinds, strict=True)])
        cols[measure] = out * weight
    frame = pd.DataFrame({"instrument": flows["instrument"].to_numpy(), "year": flows["year"].to_numpy(), **cols})
    per = frame.groupby(["instrument", "year"]).sum()
    instruments = sorted(set(flows["instrument"]))
    grid = pd.MultiIndex.from_product([instruments, years], names=["instrument", "year"])
    per = per.reindex(grid, fill_value=0.0)
    assets = cashflows.assets.set_index(["instrument", "year"])["asset"].reindex(grid, fill_value=0.0)
    per["psnd"] = per["psnd"].groupby(level="instrument").cumsum()
    per["psnfl"] = per["psnd"] - assets
    long = per[list(MEASURES)].stack().rename("value").reset_index()
    long.columns = ["instrument", "year", "measure", "value"]
    long["value"] = long["value"].where(long["value"].abs() > 1e-9, 0.0)
    order = {m: i for i, m in enumerate(MEASURES)}
    long = long.assign(_m=long["measure"].map(order)).sort_values(["year", "_m", "instrument"])
    return long[["year", "measure", "instrument", "value"]].reset_index(drop=True)


def fiscal_table(fiscal: pd.DataFrame, measure: str, limits: Mapping[str, float] | None = None) -> pd.DataFrame:
    """One measure as a year × instrument table with a total (and a limit) column [£m]."""
    sub = fiscal.loc[fiscal["measure"] == measure]
    table = sub.pivot_table(index="year", columns="instrument", values="value", aggfunc="sum", fill_value=0.0)
    table["total"] = table.sum(axis=1)
    if limits:
        table["limit"] = pd.Series(limits, dtype="float64").reindex(table.index)
    table.columns.name = None
    return table
