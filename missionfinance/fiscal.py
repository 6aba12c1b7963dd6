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
grant        − amount    0 (capital)      − amount     − amount
  clawback   (capital transfer back)
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
from typing import Any

import numpy as np
import pandas as pd

from missionfinance.cashflows import DEFAULT_TERMS, CashflowResult, Terms, economic_cost, schedule
from missionfinance.years import fy_from_start, year_start

__all__ = [
    "MEASURES",
    "RECYCLED_KINDS",
    "TREATMENTS",
    "allocation_cashflows",
    "cost_by_instrument",
    "cost_by_project",
    "fiscal_effects",
    "fiscal_summary",
    "fiscal_table",
    "money_out_and_back",
    "recycled_headroom",
    "treatments_table",
]

#: Plain words of each schedule's treatment, for the report's assumptions.
TREATMENT_WORDS: dict[str, tuple[str, str]] = {
    "grant": ("capital grant: PSNB, PSND and PSNFL rise by the amount; not in the current budget; "
              "a profit or revenue share received lowers PSNB and the current deficit, a clawback "
              "lowers PSNB",
              "ONS PSF methodological guide; ESA 2010 ch. 4 (capital transfers)"),
    "loan": ("financial transaction: no PSNB at issue, PSND rises by the cash lent, PSNFL nets the "
             "loan; interest lowers PSNB and the current deficit; write-offs raise PSNFL",
             "ONS PSF methodological guide; ESA 2010 ch. 5-6; OBR EFO October 2024"),
    "equity": ("financial transaction: PSND rises by the cash, PSNFL nets the stake at book value; "
               "dividends lower PSNB and the current deficit; an exit gain lowers PSNFL only",
               "ONS PSF methodological guide; ESA 2010 ch. 5-6; HMT answer HL5736 (2025)"),
    "guarantee": ("one-off contingent liability: nothing at issue; fees lower PSNB and the current "
                  "deficit; calls are capital transfers raising PSNB, PSND and PSNFL when paid",
                  "ESA 2010 ch. 20; Eurostat MGDD part VII; HMT contingent-liability framework"),
}

#: Measures of fiscal.csv, in order.
MEASURES: tuple[str, ...] = ("psnb", "current_deficit", "psnd", "psnfl")

#: Flow-measure weight per (schedule, kind), applied to −amount (so money out scores +).
#: PSND is −amount for every row; PSNFL is PSND less the change in assets held.
TREATMENTS: dict[str, dict[tuple[str, str], float]] = {
    "psnb": {
        ("grant", "commitment"): 1.0,
        ("grant", "exit"): 1.0,
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
    inst_codes, inst_names = pd.factorize(flows["instrument"])
    year_codes, year_names = pd.factorize(flows["year"])
    kind_codes, kind_names = pd.factorize(flows["kind"])
    years = _span([*map(str, year_names), *cashflows.assets["year"], cashflows.first_year])
    instruments = sorted(map(str, inst_names))
    inst_pos = np.array([instruments.index(str(i)) for i in inst_names])
    year_pos = np.array([years.index(str(y)) for y in year_names])
    cell = inst_pos[inst_codes] * len(years) + year_pos[year_codes]
    size = len(instruments) * len(years)
    out = -flows["amount"].to_numpy(dtype="float64")
    cols: dict[str, np.ndarray] = {"psnd": np.bincount(cell, weights=out, minlength=size)}
    for measure, table in TREATMENTS.items():
        # One weight per (instrument, kind), looked up once and broadcast by code.
        weight = np.array([[table.get((cashflows.schedules.get(str(i), "grant"), str(k)), 0.0)
                            for k in kind_names] for i in inst_names])
        w = weight[inst_codes, kind_codes]
        cols[measure] = np.bincount(cell, weights=out * w, minlength=size)
    # the (instrument, year) grid as arrays: stocks are the running sums of each
    # instrument's flows (pandas' grouped cumulative sum), PSNFL nets the assets held
    ni, ny = len(instruments), len(years)
    cols["psnd"] = pd.Series(cols["psnd"]).groupby(np.repeat(np.arange(ni), ny)).cumsum().to_numpy()
    held = np.zeros(size)
    inst_at = {name: k for k, name in enumerate(instruments)}
    year_at = {name: k for k, name in enumerate(years)}
    for inst, year, asset in zip(cashflows.assets["instrument"].astype(str),
                                 cashflows.assets["year"].astype(str),
                                 cashflows.assets["asset"].to_numpy(dtype="float64"), strict=True):
        if inst in inst_at and year in year_at:
            held[inst_at[inst] * ny + year_at[year]] = asset
    cols["psnfl"] = cols["psnd"] - held
    values = np.stack([cols[m].reshape(ni, ny) for m in MEASURES])  # (measure, instrument, year)
    by_year = sorted(range(ny), key=years.__getitem__)  # rows by year, measure, instrument
    value = values[:, :, by_year].transpose(2, 0, 1).reshape(-1)
    nm = len(MEASURES)
    year_text = np.array(years, dtype=object)[by_year]
    return pd.DataFrame({
        "year": pd.array(np.repeat(year_text, nm * ni), dtype="str"),
        "measure": pd.array(np.tile(np.repeat(np.array(MEASURES, dtype=object), ni), ny), dtype="str"),
        "instrument": pd.array(np.tile(np.array(instruments, dtype=object), ny * nm), dtype="str"),
        "value": np.where(np.abs(value) > 1e-9, value, 0.0)})


def fiscal_table(fiscal: pd.DataFrame, measure: str, limits: Mapping[str, float] | None = None) -> pd.DataFrame:
    """One measure as a year × instrument table with a total (and a limit) column [£m]."""
    sub = fiscal.loc[fiscal["measure"] == measure]
    table = sub.pivot_table(index="year", columns="instrument", values="value", aggfunc="sum", fill_value=0.0)
    table["total"] = table.sum(axis=1)
    if limits:
        table["limit"] = pd.Series(limits, dtype="float64").reindex(table.index)
    table.columns.name = None
    return table


def allocation_cashflows(run: Any, alloc: pd.DataFrame) -> CashflowResult:
    """Cash flows of a run's allocation (allocation.csv ``public`` per project, instrument, year).

    A guarantee's ``public`` is its face value; every instrument follows the
    :class:`~missionfinance.cashflows.Terms` of the scenario, overridden per project by
    the pipeline's ``<instrument>_<term>`` columns.
    """
    scenario = run.scenario
    instruments = getattr(scenario, "instruments", None) or {}
    names = set(instruments) | set(alloc["instrument"].unique().tolist())
    terms = {name: getattr(instruments.get(name), "terms", DEFAULT_TERMS.get(name, Terms()))
             for name in names}
    years = list(getattr(scenario, "years", None) or sorted(set(alloc["year"])) or ["2000-01"])
    commitments = alloc[["project_id", "instrument", "year", "public"]].rename(columns={"public": "amount"})
    pipeline = getattr(run, "pipeline", None)
    if not isinstance(pipeline, pd.DataFrame) or "project_id" not in pipeline:
        pipeline = None
    return schedule(commitments, terms, years, pipeline)


def money_out_and_back(cashflows: CashflowResult) -> pd.DataFrame:
    """Per year and instrument: ``money_out``, ``money_back`` (both ≥ 0) and ``net`` [£m].

    ``net`` = money back − money out (negative = net outflow from the Exchequer).
    """
    flows = cashflows.flows
    if flows.empty:
        return pd.DataFrame({"year": pd.Series([], dtype=object), "instrument": pd.Series([], dtype=object),
                             "money_out": pd.Series([], dtype="float64"),
                             "money_back": pd.Series([], dtype="float64"),
                             "net": pd.Series([], dtype="float64")})
    amount = flows["amount"]
    # grouped by the codes of (year, instrument) in sorted order: the same sums, in the same
    # order, as grouping by the text
    years, year_names = pd.factorize(flows["year"], sort=True)
    insts, inst_names = pd.factorize(flows["instrument"], sort=True)
    if years.min() < 0 or insts.min() < 0:  # a missing label: the general grouping
        frame = pd.DataFrame({"year": flows["year"], "instrument": flows["instrument"],
                              "money_out": (-amount).clip(lower=0.0), "money_back": amount.clip(lower=0.0)})
        out = frame.groupby(["year", "instrument"], as_index=False)[["money_out", "money_back"]].sum()
        out["net"] = out["money_back"] - out["money_out"]
        return out.sort_values(["year", "instrument"]).reset_index(drop=True)
    frame = pd.DataFrame({"money_out": (-amount).clip(lower=0.0).to_numpy(),
                          "money_back": amount.clip(lower=0.0).to_numpy()})
    sums = frame.groupby(years * len(inst_names) + insts).sum()
    key = sums.index.to_numpy()
    out = pd.DataFrame({"year": year_names.array.take(key // len(inst_names)),
                        "instrument": inst_names.array.take(key % len(inst_names)),
                        "money_out": sums["money_out"].to_numpy(),
                        "money_back": sums["money_back"].to_numpy()})
    out["net"] = out["money_back"] - out["money_out"]
    return out


def fiscal_summary(fiscal: pd.DataFrame,
                   limits: Mapping[str, Mapping[str, float]] | None = None) -> pd.DataFrame:
    """Per year, the allocation's total effect on each measure [£m] (one column per measure).

    ``limits`` (measure → year → cap, the scenario's ``[fiscal.<measure>]``) adds a
    ``<measure>_limit`` column for each capped measure (empty in years without a cap).
    """
    capped = [m for m in MEASURES if (limits or {}).get(m)]
    if fiscal.empty:
        return pd.DataFrame({"year": pd.Series([], dtype=object),
                             **{m: pd.Series([], dtype="float64") for m in MEASURES},
                             **{f"{m}_limit": pd.Series([], dtype="float64") for m in capped}})
    table = fiscal.pivot_table(index="year", columns="measure", values="value", aggfunc="sum", fill_value=0.0)
    table = table.reindex(columns=list(MEASURES), fill_value=0.0)
    table.columns.name = None
    for m in capped:
        table[f"{m}_limit"] = pd.Series(dict((limits or {})[m]), dtype="float64").reindex(table.index)
    return table.reset_index()


def cost_by_instrument(cashflows: CashflowResult, rate: float | None = None) -> pd.DataFrame:
    """Per instrument: money out, money back (undiscounted) and economic cost [£m PV]."""
    flows = money_out_and_back(cashflows)
    if flows.empty:
        return pd.DataFrame({"instrument": pd.Series([], dtype=object),
                             **{c: pd.Series([], dtype="float64")
                                for c in ("money_out", "money_back", "net", "economic_cost")}})
    table = flows.groupby("instrument")[["money_out", "money_back", "net"]].sum()
    table["economic_cost"] = economic_cost(cashflows, rate=rate).reindex(table.index)
    return table.reset_index()


def treatments_table(instruments: Mapping[str, Any]) -> pd.DataFrame:
    """Per instrument: its cash-flow terms and national-accounts treatment, with sources."""
    rows = []
    for name in sorted(instruments):
        t = getattr(instruments[name], "terms", Terms())
        if t.schedule == "loan":
            terms = (f"tenor {t.tenor} y, grace {t.grace} y, interest {t.interest_rate:.2%}, "
                     f"{t.amortisation}")
        elif t.schedule == "equity":
            exit_ = (f"return {t.exit_return:.2%} a year" if t.exit_return is not None
                     else f"exit {t.exit_multiple:g}×")
            terms = f"hold {t.hold} y, {exit_}, dividend yield {t.dividend_yield:.2%}"
        elif t.schedule == "guarantee":
            terms = f"tenor {t.tenor} y, fee {t.fee_rate:.2%} a year"
        else:
            terms = "paid once, nothing back"
        words, source = TREATMENT_WORDS[t.schedule]
        rows.append({"instrument": name, "schedule": t.schedule, "terms": terms,
                     "treatment": words, "source": source})
    return pd.DataFrame(rows, columns=["instrument", "schedule", "terms", "treatment", "source"])


#: Receipts that recycling returns to a control (losses net them down); the LP's
#: ``recycling`` family uses the same kinds.
RECYCLED_KINDS: tuple[str, ...] = ("principal", "interest", "dividend", "exit", "fee", "loss")


def recycled_headroom(cashflows: CashflowResult, control: str, years: list[str],
                      limits: Mapping[str, float]) -> pd.DataFrame:
    """Receipts recycled into ``control`` in each later year of the horizon [£m].

    Columns ``year, control, limit, recycled, available`` (limit + recycled). Every
    receipt in a horizon year comes from a commitment of an earlier year (flows back
    start at age 1), so the year's receipts are what the LP may recycle into it; years
    without a budget for the control are left out (nothing to relax).
    """
    flows = cashflows.flows
    got = flows.loc[flows["kind"].isin(RECYCLED_KINDS)].groupby("year")["amount"].sum()
    rows = [{"year": y, "control": control, "limit": float(limits[y]),
             "recycled": float(got.get(y, 0.0)), "available": float(limits[y]) + float(got.get(y, 0.0))}
            for y in years[1:] if y in limits]
    return pd.DataFrame(rows, columns=["year", "control", "limit", "recycled", "available"])


def cost_by_project(cashflows: CashflowResult, rate: float | None = None) -> pd.DataFrame:
    """Per project: public money out, expected back, expected losses borne, net and economic cost.

    Columns ``project_id, money_out, money_back, expected_losses, net, economic_cost``
    [£m; ``expected_losses`` ≥ 0 is the public purse's share of the downside: loan and
    equity losses and guarantee calls; ``economic_cost`` is present value]. Sorted by
    economic cost, largest first.
    """
    flows = cashflows.flows
    columns = ["project_id", "money_out", "money_back", "expected_losses", "net", "economic_cost"]
    if flows.empty:
        return pd.DataFrame({c: pd.Series([], dtype=object if c == "project_id" else "float64")
                             for c in columns})
    amount = flows["amount"]
    kinds, kind_names = pd.factorize(flows["kind"])
    downside = pd.Series(np.isin(np.asarray(kind_names, dtype=object), ["loss", "call"])[kinds]
                         & (kinds >= 0), index=flows.index)
    frame = pd.DataFrame({
        "money_out": (-amount).clip(lower=0.0).where(~downside, 0.0),
        "money_back": amount.clip(lower=0.0),
        "expected_losses": (-amount).where(downside, 0.0),
    })
    # grouped by the codes of the sorted project ids: the same sums, in the same order, as
    # grouping by the text
    groups, ids = pd.factorize(flows["project_id"], sort=True)
    if groups.min() < 0:  # a missing id: the general grouping
        frame.insert(0, "project_id", flows["project_id"])
        table = frame.groupby("project_id")[["money_out", "money_back", "expected_losses"]].sum()
        table["net"] = table["money_back"] - table["money_out"] - table["expected_losses"]
        table["economic_cost"] = economic_cost(cashflows, rate=rate, by=("project_id",)).reindex(table.index)
        out = table.reset_index().sort_values(["economic_cost", "project_id"], ascending=[False, True])
        return out[columns].reset_index(drop=True)
    sums = frame.groupby(groups).sum()
    net = sums["money_back"] - sums["money_out"] - sums["expected_losses"]
    cost = economic_cost(cashflows, rate=rate, by=("project_id",)).to_numpy()
    at = sums.index.to_numpy()
    # largest economic cost first, ties by project id (the codes are in id order)
    order = np.lexsort((at, -cost[at]))
    return pd.DataFrame({
        "project_id": ids.array.take(at[order]),
        "money_out": sums["money_out"].to_numpy()[order],
        "money_back": sums["money_back"].to_numpy()[order],
        "expected_losses": sums["expected_losses"].to_numpy()[order],
        "net": net.to_numpy()[order],
        "economic_cost": cost[at][order],
    })
