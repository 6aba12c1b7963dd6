"""Instrument cash-flow schedules: money out, money back, over each instrument's life.

Every schedule is per £1m committed, in expected value, and is linear in the
commitment, so the allocation model can use the same numbers as coefficients.
Flows are signed from the Exchequer's view: negative = money out, positive =
money back (DESIGN §7, ``cashflows.csv``). Age 0 is the year of commitment; a flow
at age ``k`` lands ``k`` financial years later, past the scenario's horizon where
the life reaches beyond it.

Schedules (``schedule`` term of :class:`Terms`):

``grant``
    ``commitment`` −1 at age 0; nothing comes back.
``loan``
    ``commitment`` −1 at age 0; interest only for ``grace`` years, then the balance is
    amortised over ``tenor − grace`` years (``annuity``: level payments; ``straight``:
    equal principal; ``bullet``: all principal at ``tenor``). Interest is
    ``interest_rate`` × the balance at the start of the year.
``equity``
    ``commitment`` −1 at age 0; ``dividend_yield`` × the stake each year of the hold;
    ``exit`` at age ``hold`` of ``exit_multiple`` × the stake (or
    ``(1 + exit_return) ** hold``).
``guarantee``
    No cash at issue (a contingent liability, not public cash); a ``fee`` of
    ``fee_rate`` × the exposure at the start of each year of the ``tenor``; expected
    ``call`` = annual pd × lgd × the exposure at the start of the year.

Expected losses are phased over the life with an annual probability of default
``q`` (constant hazard): a share ``S_k = (1 − q) ** k`` of the book survives to the
end of age ``k``. In year ``k`` a share ``q·S_{k−1}`` of the balance outstanding
defaults. For a loan, that defaulted balance leaves the book as ``principal`` and
the part not recovered, ``lgd`` of it, is a negative ``loss`` row, so the sum of all
rows is the expected net cash; interest is paid on the surviving balance only. For
equity the failed share leaves as ``exit`` at book value with ``−lgd`` of it as
``loss``; the surviving stake earns dividends and the exit multiple. With
``q = 0`` every schedule is the contractual one.

Public share of upside (pipeline columns :data:`UPSIDE_COLUMNS`, per £1m of public cash
committed to the project by any cash instrument — grant, loan or equity, never a
guarantee — on top of that instrument's own schedule): a profit or revenue share pays
``upside_share × upside_expected`` as ``dividend`` in each of the ``upside_years`` years
from age ``upside_year``; a clawback pays ``clawback_share × max(0, upside_expected ×
upside_years − clawback_threshold)``, at most the £1m committed, as ``exit`` at the last of
those ages. ``upside_expected`` is already an expected value (probability-weighted), so
it is not scaled again by ``pd``; every receipt is a fixed number per £ committed, so the
model stays linear.

The pipeline's ``pd`` is the probability of default over the scenario's horizon
(DESIGN §3.2); :func:`annual_pd` turns it into the annual ``q`` used here.

Present values discount a flow in horizon year index ``i`` (0 = the scenario's first
year) by ``i`` years: HM Treasury Green Book (2022, annex A6) schedule 3.5% real for
years 0–30 and 3.0% for 31–75 (:data:`GREEN_BOOK`), or a flat scenario rate.
``economic cost`` = −PV of all rows: what the commitment costs the Exchequer over the
instrument's life, £m present value (DESIGN §7).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace

import numpy as np
import pandas as pd

from missionfinance._numbers import power
from missionfinance.errors import MissionFinanceError
from missionfinance.years import fy_from_start, year_start

__all__ = [
    "DEFAULT_TERMS",
    "GREEN_BOOK",
    "KINDS",
    "SCHEDULES",
    "TERM_KEYS",
    "UPSIDE_COLUMNS",
    "CashflowResult",
    "Terms",
    "annual_pd",
    "check_pipeline_terms",
    "commitment_cost",
    "discount_factors",
    "economic_cost",
    "project_terms",
    "schedule",
    "terms_from_config",
    "unit_flows",
    "upside_flows",
    "upside_terms",
    "with_upside",
]

#: Kinds of rows in cashflows.csv, in the order they are listed (DESIGN §7).
KINDS: tuple[str, ...] = (
    "commitment", "principal", "interest", "dividend", "exit", "fee", "call", "loss",
)

#: Cash-flow shapes an instrument can follow.
SCHEDULES: tuple[str, ...] = ("grant", "loan", "equity", "guarantee")

_AMORTISATION = ("annuity", "straight", "bullet")

#: Green Book discount rate schedule (HM Treasury Green Book 2022, table 8 / annex A6):
#: (first year index the rate applies to, real rate a year).
GREEN_BOOK: tuple[tuple[int, float], ...] = ((0, 0.035), (31, 0.030))

#: Longest life accepted for a schedule [years] (the Green Book table runs to 75).
MAX_LIFE = 75


@dataclass(frozen=True)
class Terms:
    """Cash-flow terms of one instrument (scenario ``[instruments.<name>]`` keys).

    Attributes
    ----------
    schedule : str
        ``grant``, ``loan``, ``equity`` or ``guarantee`` (the shape of the flows).
    tenor : int
        Loan or guarantee life [years], grace included.
    grace : int
        Loan years of interest only before amortisation starts [years], < tenor.
    interest_rate : float
        Loan interest on the balance outstanding [share a year].
    amortisation : str
        ``annuity``, ``straight`` or ``bullet``.
    hold : int
        Equity holding period to exit [years].
    exit_multiple : float
        Equity exit proceeds per £ of surviving stake [×]; used when ``exit_return`` is None.
    exit_return : float or None
        Equity return compounded over the hold [share a year]; overrides ``exit_multiple``.
    dividend_yield : float
        Equity dividends per £ of surviving stake [share a year].
    fee_rate : float
        Guarantee fee per £ of exposure outstanding [share a year].
    """

    schedule: str = "grant"
    tenor: int = 10
    grace: int = 2
    interest_rate: float = 0.04
    amortisation: str = "annuity"
    hold: int = 7
    exit_multiple: float = 1.5
    exit_return: float | None = None
    dividend_yield: float = 0.0
    fee_rate: float = 0.02

    @property
    def life(self) -> int:
        """Last age with a flow [years]."""
        if self.schedule in ("loan", "guarantee"):
            return self.tenor
        if self.schedule == "equity":
            return self.hold
        return 0


#: Scenario keys of [instruments.<name>] that set cash-flow terms (the Terms fields).
TERM_KEYS: tuple[str, ...] = tuple(f.name for f in fields(Terms))

#: Defaults per built-in instrument. Sources: loan tenor and grace are illustrative of
#: National Wealth Fund / UK Infrastructure Bank project lending (10-year tenor, 2 years
#: interest only during construction); the 4% rate is near the 10-year gilt yield of
#: 2024-25 (UK Debt Management Office), i.e. lending at about the Exchequer's cost of
#: funds. Equity: 7-year hold and 1.5× gross multiple are illustrative venture/growth
#: fund figures (British Business Bank, British Patient Capital annual reports report
#: portfolio returns, not a multiple: weak). Guarantee: 2% a year fee (Enterprise
#: Finance Guarantee, DOMAIN.md); 5-year tenor (EFG loans run up to 10 years: weak).
DEFAULT_TERMS: dict[str, Terms] = {
    "grant": Terms("grant"),
    "loan": Terms("loan"),
    "equity": Terms("equity"),
    "guarantee": Terms("guarantee", tenor=5),
}


#: Optional pipeline columns of the public share of upside, with their default when empty
#: and their unit (docs/model.md, "Risk and reward sharing").
UPSIDE_COLUMNS: dict[str, tuple[float, str]] = {
    "upside_share": (0.0, "public share of the project's profit or revenue [share], 0–1"),
    "upside_expected": (0.0, "£m a year of expected project profit or revenue per £m of public "
                             "cash committed, ≥ 0"),
    "upside_year": (1.0, "first year after commitment it is received [years], whole years 1–75"),
    "upside_years": (1.0, "number of years it is received [years], whole years 1–75"),
    "clawback_threshold": (0.0, "£m of cumulative expected profit per £m of public cash above "
                                "which the clawback applies, ≥ 0"),
    "clawback_share": (0.0, "public share of the profit above the threshold [share], 0–1"),
}


def upside_terms(pipeline: pd.DataFrame, rows: np.ndarray) -> dict[str, np.ndarray]:
    """Per-row upside columns of ``pipeline`` (positional ``rows``), defaults where empty.

    Returns
    -------
    dict of str to ndarray
        :data:`UPSIDE_COLUMNS` name → array over ``rows`` (units as documented there).
    """
    idx = np.asarray(rows, dtype=np.int64)
    out: dict[str, np.ndarray] = {}
    for column, (default, _) in UPSIDE_COLUMNS.items():
        arr = np.full(len(idx), default)
        if column in pipeline.columns:
            given = pd.to_numeric(pipeline[column], errors="coerce").to_numpy(dtype="float64")[idx]
            arr = np.where(np.isnan(given), arr, given)
        out[column] = arr
    return out


def upside_flows(values: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Expected public receipts of upside per £1m of public cash, by kind and age.

    ``dividend``: ``upside_share × upside_expected`` at ages ``upside_year`` …
    ``upside_year + upside_years − 1``; ``exit``: the clawback ``clawback_share ×
    max(0, upside_expected × upside_years − clawback_threshold)``, capped at 1, at the last
    of those ages. Kinds with no receipt in any row are left out.

    Examples
    --------
    >>> v = {"upside_share": np.array([0.2]), "upside_expected": np.array([0.1]),
    ...      "upside_year": np.array([1.0]), "upside_years": np.array([2.0]),
    ...      "clawback_threshold": np.array([0.1]), "clawback_share": np.array([0.5])}
    >>> {k: [round(float(x), 6) for x in a[0]] for k, a in upside_flows(v).items()}
    {'dividend': [0.0, 0.02, 0.02], 'exit': [0.0, 0.0, 0.05]}
    """
    first = np.asarray(values["upside_year"], dtype="float64")
    count = np.asarray(values["upside_years"], dtype="float64")
    expected = np.asarray(values["upside_expected"], dtype="float64")
    last = first + count - 1.0
    n = len(first)
    top = int(last.max()) if n else 0
    k = np.arange(top + 1, dtype="float64")[None, :]
    during = ((k >= first[:, None]) & (k <= last[:, None])).astype("float64")
    share = np.asarray(values["upside_share"], dtype="float64")[:, None] * expected[:, None]
    clawback = np.minimum(np.asarray(values["clawback_share"], dtype="float64") * np.clip(
        expected * count - np.asarray(values["clawback_threshold"], dtype="float64"), 0.0, None), 1.0)
    out: dict[str, np.ndarray] = {}
    if (share > 0).any():
        out["dividend"] = share * during
    if (clawback > 0).any():
        out["exit"] = clawback[:, None] * (k == last[:, None])
    return out


def with_upside(unit: dict[str, np.ndarray], asset: np.ndarray,
                 upside: dict[str, np.ndarray]) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Add upside receipts to an instrument's unit flows, widening the ages as needed."""
    if not upside:
        return unit, asset
    width = max(asset.shape[1], *(a.shape[1] for a in upside.values()))

    def pad(a: np.ndarray) -> np.ndarray:
        return np.pad(a, ((0, 0), (0, width - a.shape[1])))

    out = {kind: pad(a) for kind, a in unit.items()}
    for kind, a in upside.items():
        out[kind] = out[kind] + pad(a) if kind in out else pad(a)
    return out, pad(asset)


def _check_terms(t: Terms, where: str) -> Terms:
    def fail(key: str, value: object, what: str) -> MissionFinanceError:
        return MissionFinanceError(f"{where}.{key}: {value!r} {what}")

    if t.schedule not in SCHEDULES:
        raise fail("schedule", t.schedule, f"is not one of {', '.join(SCHEDULES)}")
    if t.amortisation not in _AMORTISATION:
        raise fail("amortisation", t.amortisation, f"is not one of {', '.join(_AMORTISATION)}")
    for key in ("tenor", "hold"):
        v = getattr(t, key)
        if not 1 <= v <= MAX_LIFE:
            raise fail(key, v, f"must be a whole number of years from 1 to {MAX_LIFE}")
    if not 0 <= t.grace < t.tenor:
        raise fail("grace", t.grace, f"must be a whole number of years ≥ 0 and below tenor {t.tenor}")
    for key in ("interest_rate", "dividend_yield", "fee_rate"):
        v = getattr(t, key)
        if not 0 <= v <= 1:
            raise fail(key, v, "must be a share a year between 0 and 1 (4% is 0.04)")
    if not 0 <= t.exit_multiple <= 100:
        raise fail("exit_multiple", t.exit_multiple, "must be a multiple between 0 and 100 (1.5 for 1.5×)")
    if t.exit_return is not None and not -1 < t.exit_return <= 1:
        raise fail("exit_return", t.exit_return, "must be a share a year above -1 and at most 1")
    return t


def terms_from_config(name: str, config: Mapping[str, object], context: str,
                      kind: str = "") -> Terms:
    """Cash-flow terms from a scenario's ``[instruments.<name>]`` table.

    Only the :data:`TERM_KEYS` of ``config`` are read (the table's other keys belong to
    :mod:`missionfinance.instruments`); keys not given take the built-in instrument's
    default; an instrument of the scenario's own takes the shape of its ``kind`` (a
    ``grant`` shape when none is given).

    Examples
    --------
    >>> terms_from_config("loan", {"tenor": 5, "grace": 2}, "s.toml").life
    5
    >>> terms_from_config("loan", {"tenor": 5, "grace": 5}, "s.toml")
    Traceback (most recent call last):
    ...
    missionfinance.errors.MissionFinanceError: s.toml key instruments.loan.grace: 5 must be a whole number of years ≥ 0 and below tenor 5
    """
    where = f"{context} key instruments.{name}"
    base = DEFAULT_TERMS.get(name, Terms("grant"))
    values: dict[str, object] = {}
    for f in fields(Terms):
        if f.name not in config:
            continue
        v = config[f.name]
        key = f"{where}.{f.name}"
        if f.name in ("schedule", "amortisation"):
            if not isinstance(v, str):
                raise MissionFinanceError(f"{key}: {v!r} must be a string")
        elif f.name in ("tenor", "grace", "hold"):
            if isinstance(v, bool) or not isinstance(v, int):
                raise MissionFinanceError(f"{key}: {v!r} must be a whole number of years")
        elif isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise MissionFinanceError(f"{key}: {v!r} must be a number")
        else:
            v = float(v)
        values[f.name] = v
    if name not in DEFAULT_TERMS:
        base = DEFAULT_TERMS.get(kind, Terms("grant"))
    return _check_terms(replace(base, **values), where)  # type: ignore[arg-type]


def annual_pd(pd_horizon: np.ndarray | float, horizon_years: int) -> np.ndarray:
    """Annual default probability ``q`` with ``1 − (1 − q) ** n = pd`` over ``n`` years.

    Parameters
    ----------
    pd_horizon : array_like [share]
        Probability of default over the horizon (pipeline ``pd``).
    horizon_years : int
        Number of years of the horizon.

    Examples
    --------
    >>> round(float(annual_pd(0.19, 2)), 6)
    0.1
    """
    p = np.clip(np.asarray(pd_horizon, dtype="float64"), 0.0, 1.0)
    return 1.0 - power(1.0 - p, 1.0 / max(int(horizon_years), 1))


def project_terms(
    pipeline: pd.DataFrame, instrument: str, terms: Terms, rows: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Per-project term arrays for one instrument: the default, overridden per project.

    A pipeline column ``<instrument>_<term>`` (e.g. ``loan_tenor``,
    ``equity_exit_multiple``) overrides the scenario's term for the projects where it is
    not empty. ``schedule`` and ``amortisation`` cannot vary by project.

    Returns
    -------
    dict of str to ndarray
        Term name → array over the pipeline rows (``rows`` selects them).
    """
    idx = np.arange(len(pipeline)) if rows is None else rows
    out: dict[str, np.ndarray] = {}
    for f in fields(Terms):
        if f.name in ("schedule", "amortisation"):
            continue
        default = getattr(terms, f.name)
        arr = np.full(len(idx), np.nan if default is None else float(default))
        column = f"{instrument}_{f.name}"
        if column in pipeline.columns:
            given = pd.to_numeric(pipeline[column], errors="coerce").to_numpy(dtype="float64")[idx]
            arr = np.where(np.isnan(given), arr, given)
        out[f.name] = arr
    return out


def check_pipeline_terms(pipeline: pd.DataFrame, terms: Mapping[str, Terms], file: str = "pipeline") -> None:
    """Check every project's terms (scenario default or ``<instrument>_<term>`` override).

    Raises a one-line :class:`MissionFinanceError` naming ``file``, the project and the
    column, e.g. ``pipeline.csv project 'B' column loan_grace: 3.0 is out of range; …``.
    """
    ids = pipeline["project_id"].astype(str).to_numpy()
    for name, t in terms.items():
        _check_project_terms(project_terms(pipeline, name, t), ids, name, file)


def _check_project_terms(values: dict[str, np.ndarray], ids: np.ndarray, instrument: str,
                         file: str = "pipeline") -> None:
    checks = {
        "tenor": (1, MAX_LIFE), "hold": (1, MAX_LIFE), "grace": (0, MAX_LIFE - 1),
        "interest_rate": (0, 1), "dividend_yield": (0, 1), "fee_rate": (0, 1),
        "exit_multiple": (0, 100),
    }
    for key, (lo, hi) in checks.items():
        v = values[key]
        bad = (v < lo) | (v > hi) | np.isnan(v)
        if key in ("tenor", "hold", "grace"):
            bad |= v != np.round(v)
        if key == "grace":
            bad |= v >= values["tenor"]
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise MissionFinanceError(
                f"{file} project {ids[i]!r} column {instrument}_{key}: {float(v[i])!r} is out of "
                f"range; give a value from {lo} to {hi}"
                + (f" and below the tenor {float(values['tenor'][i]):g}" if key == "grace" else "")
            )


def unit_flows(
    schedule: str, values: Mapping[str, np.ndarray], q: np.ndarray, lgd: np.ndarray,
    amortisation: str = "annuity",
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Expected flows per £1m committed, by kind and age, vectorised over rows.

    Parameters
    ----------
    schedule : str
        One of :data:`SCHEDULES`.
    values : mapping of str to ndarray
        Term arrays (:func:`project_terms`), each of length n.
    q : ndarray [share a year]
        Annual probability of default per row.
    lgd : ndarray [share]
        Loss given default per row.
    amortisation : str
        Loan amortisation.

    Returns
    -------
    flows : dict of str to ndarray
        Kind → array (n, L + 1) of £ per £1m committed at ages 0…L, signed (money
        back positive); only the kinds the schedule produces.
    asset : ndarray
        (n, L + 1) carrying value of the financial asset held at the end of each age
        (loan balance or equity stake still performing) per £1m committed.
    """
    n = len(q)
    q = np.asarray(q, dtype="float64")[:, None]
    lgd = np.asarray(lgd, dtype="float64")[:, None]
    if schedule == "grant":
        commitment = -np.ones((n, 1))
        return {"commitment": commitment}, np.zeros((n, 1))
    life = values["tenor"] if schedule in ("loan", "guarantee") else values["hold"]
    top = int(life.max()) if n else 0
    k = np.arange(top + 1)[None, :].astype("float64")
    surv = power(1.0 - q, k)
    surv_prev = np.concatenate([np.zeros((n, 1)), surv[:, :-1]], axis=1)
    first = (k >= 1).astype("float64")
    if schedule == "loan":
        tenor = values["tenor"][:, None]
        grace = values["grace"][:, None]
        r = values["interest_rate"][:, None]
        m = tenor - grace
        j = np.clip(k - grace, 0.0, None)
        if amortisation == "bullet":
            bal = np.where(k < tenor, 1.0, 0.0)
        elif amortisation == "straight":
            bal = np.clip(1.0 - j / m, 0.0, 1.0)
        else:
            growth = 1.0 + r
            with np.errstate(divide="ignore", invalid="ignore"):
                grown = power(growth, m)
                ann = (grown - power(growth, j)) / (grown - 1.0)
            bal = np.where(r > 0, ann, 1.0 - j / m)
            bal = np.clip(np.where(k >= tenor, 0.0, bal), 0.0, 1.0)
        bal_prev = np.concatenate([np.zeros((n, 1)), bal[:, :-1]], axis=1)
        defaulted = q * surv_prev * bal_prev
        flows = {
            "commitment": -(k == 0).astype("float64") * np.ones((n, 1)),
            "principal": first * (surv * (bal_prev - bal) + defaulted),
            "interest": surv * r * bal_prev,
            "loss": -lgd * defaulted,
        }
        return flows, surv * bal
    if schedule == "equity":
        hold = values["hold"][:, None]
        held = (k < hold).astype("float64")
        during = first * (k <= hold)
        ret = values["exit_return"][:, None]
        multiple = np.where(np.isnan(ret), values["exit_multiple"][:, None], power(1.0 + np.nan_to_num(ret), hold))
        failed = q * surv_prev * during
        flows = {
            "commitment": -(k == 0).astype("float64") * np.ones((n, 1)),
            "dividend": values["dividend_yield"][:, None] * surv * during,
            "exit": failed + multiple * surv * (k == hold),
            "loss": -lgd * failed,
        }
        return flows, surv * held
    if schedule == "guarantee":
        tenor = values["tenor"][:, None]
        during = first * (k <= tenor)
        flows = {
            "fee": values["fee_rate"][:, None] * surv_prev * during,
            "call": -lgd * q * surv_prev * during,
        }
        return flows, np.zeros((n, top + 1))
    raise MissionFinanceError(f"schedule {schedule!r}: not one of {', '.join(SCHEDULES)}")


def discount_factors(count: int, rate: float | None = None) -> np.ndarray:
    """Discount factor for year indices 0…count−1 (0 = the scenario's first year).

    ``rate`` None gives the Green Book schedule (:data:`GREEN_BOOK`: 3.5% real to year
    30, 3.0% after); a number gives a flat real rate [share a year].

    Examples
    --------
    >>> [round(float(x), 6) for x in discount_factors(3)]
    [1.0, 0.966184, 0.933511]
    """
    i = np.arange(count, dtype="float64")
    if rate is not None:
        return power(1.0 + rate, -i)
    (_, early), (switch, late) = GREEN_BOOK
    return (power(1.0 + early, -np.minimum(i, switch - 1))
            * power(1.0 + late, -np.maximum(i - (switch - 1), 0.0)))


@dataclass(frozen=True)
class CashflowResult:
    """Cash flows of an allocation.

    Attributes
    ----------
    flows : DataFrame
        ``project_id, instrument, year, kind, amount`` [£m, signed: money back > 0],
        rows with a non-zero amount, sorted (cashflows.csv).
    assets : DataFrame
        ``instrument, year, asset`` [£m]: carrying value at year end of the loans and
        equity still held (what PSNFL nets off).
    schedules : dict of str to str
        Instrument → schedule shape.
    first_year : str
        Year index 0 of discounting (the scenario's first year).
    """

    flows: pd.DataFrame
    assets: pd.DataFrame
    schedules: dict[str, str]
    first_year: str

    @property
    def years(self) -> list[str]:
        """Every year with a flow or a held asset, in order."""
        ys = set(self.flows["year"]) | set(self.assets["year"])
        return sorted(ys)


def _year_labels(first_year: str, count: int) -> np.ndarray:
    start = year_start(first_year)
    return np.array([fy_from_start(start + i) for i in range(count)], dtype=object)


#: Position of each kind in :data:`KINDS` (the order of rows within a project, instrument, year).
_KIND_RANK: dict[str, int] = {kind: k for k, kind in enumerate(KINDS)}


def _flow_frame(id_parts: list[np.ndarray], inst_parts: list[np.ndarray],
                year_parts: list[np.ndarray], kind_parts: list[np.ndarray],
                amount_parts: list[np.ndarray], ids: np.ndarray, inst_names: list[str],
                labels: np.ndarray) -> pd.DataFrame:
    """cashflows.csv rows from the flows gathered by :func:`schedule`.

    ``id_parts`` hold positions in ``ids`` (sorted project ids), ``inst_parts`` in
    ``inst_names`` (sorted), ``year_parts`` in ``labels`` (years in order), ``kind_parts``
    in :data:`KINDS`. Rows are sorted by project_id, instrument, year and kind (in
    :data:`KINDS` order); rows with the same four keys are summed, in the order gathered,
    by pandas' grouped sum: the same numbers as sorting and grouping a frame of every flow,
    without a frame per kind or a sort of text.
    """
    if not amount_parts:
        return pd.DataFrame({
            "project_id": pd.Series([], dtype=object), "instrument": pd.Series([], dtype=object),
            "year": pd.Series([], dtype=object), "kind": pd.Series([], dtype=object),
            "amount": pd.Series([], dtype="float64")})
    pid = np.concatenate(id_parts)
    inst = np.concatenate(inst_parts)
    year = np.concatenate(year_parts)
    kind = np.concatenate(kind_parts)
    amount = np.concatenate(amount_parts)
    # one integer key in the order of (project_id, instrument, year, kind); a stable sort
    # keeps rows with the same key in the order gathered
    key = ((pid * len(inst_names) + inst) * max(len(labels), 1) + year) * len(KINDS) + kind
    order = np.argsort(key, kind="stable")
    key, pid, inst, year, kind, amount = (key[order], pid[order], inst[order], year[order],
                                          kind[order], amount[order])
    new = np.ones(len(order), dtype=bool)
    new[1:] = key[1:] != key[:-1]
    starts = np.flatnonzero(new)
    group = np.cumsum(new) - 1
    total = amount[starts]  # a row alone is its own sum
    shared = np.diff(np.append(starts, len(order)))[group] > 1
    if shared.any():  # rows with the same keys: pandas' grouped sum, in the order gathered
        sums = pd.Series(amount[shared]).groupby(group[shared]).sum()
        total[sums.index.to_numpy()] = sums.to_numpy()

    def text(names: Sequence[str] | np.ndarray, at: np.ndarray) -> pd.api.extensions.ExtensionArray:
        # each distinct text made once, then taken: the same str column as from the values
        return pd.array(np.asarray(names, dtype=object), dtype="str").take(at)

    return pd.DataFrame({
        "project_id": text(ids, pid[starts]), "instrument": text(inst_names, inst[starts]),
        "year": text(labels, year[starts]), "kind": text(KINDS, kind[starts]), "amount": total})


def schedule(
    commitments: pd.DataFrame,
    terms: Mapping[str, Terms],
    years: Sequence[str],
    pipeline: pd.DataFrame | None = None,
) -> CashflowResult:
    """Expected cash flows of committed amounts over each instrument's life.

    Parameters
    ----------
    commitments : DataFrame
        ``project_id, instrument, year, amount`` [£m committed, ≥ 0; a guarantee's
        amount is its face value]; ``year`` in ``years``.
    terms : mapping of str to Terms
        Instrument → cash-flow terms.
    years : sequence of str
        The scenario's horizon; flows are projected past its end.
    pipeline : DataFrame, optional
        ``project_id``, ``pd`` [share over the horizon], ``lgd`` [share] and any
        ``<instrument>_<term>`` override columns. Without it, no defaults and no
        overrides.

    Returns
    -------
    CashflowResult

    Examples
    --------
    >>> c = pd.DataFrame({"project_id": ["A"], "instrument": ["grant"],
    ...                   "year": ["2026-27"], "amount": [10.0]})
    >>> schedule(c, {"grant": Terms("grant")}, ["2026-27"]).flows.to_dict("records")
    [{'project_id': 'A', 'instrument': 'grant', 'year': '2026-27', 'kind': 'commitment', 'amount': -10.0}]
    """
    years = list(years)
    first = years[0]
    pos = {y: i for i, y in enumerate(years)}
    com = commitments.loc[commitments["amount"].to_numpy(dtype="float64") != 0]
    used = set(com["instrument"].unique().tolist())  # its distinct values, not every row
    unknown = sorted(used - set(terms))
    if unknown:
        raise MissionFinanceError(f"cash flows: instrument {unknown[0]!r} has no terms; define it in the scenario")
    bad_year = ~com["year"].isin(pos)
    if bad_year.any():
        raise MissionFinanceError(
            f"cash flows: year {com.loc[bad_year, 'year'].iloc[0]!r} is outside the horizon {first}…{years[-1]}"
        )
    if pipeline is not None:
        pl = pipeline.reset_index(drop=True)
        row_of = pd.Series(np.arange(len(pl)), index=pl["project_id"].astype(str))
    # flows are gathered as arrays (row of the commitment, year index, kind, amount) and
    # framed once at the end: one sort and one grouped sum instead of a frame per kind
    id_parts: list[np.ndarray] = []
    inst_parts: list[np.ndarray] = []
    year_parts: list[np.ndarray] = []
    kind_parts: list[np.ndarray] = []
    amount_parts: list[np.ndarray] = []
    inst_names: list[str] = []
    top_year = 0
    asset_parts: list[pd.DataFrame] = []
    # project ids in the order cashflows.csv sorts them (the order of their text)
    all_ids = com["project_id"].astype(str)
    id_codes, id_names = pd.factorize(all_ids, sort=True)
    all_ids_arr = all_ids.to_numpy(dtype=object)
    year_codes, year_names = pd.factorize(com["year"])
    year_of = np.array([pos[y] for y in year_names], dtype="int64")[year_codes]
    inst_codes, inst_found = pd.factorize(com["instrument"])
    inst_at = {str(name): k for k, name in enumerate(inst_found)}
    all_amounts = com["amount"].to_numpy(dtype="float64")
    all_rows = row_of.reindex(all_ids_arr).to_numpy() if pipeline is not None else None
    for inst in sorted(used):
        sel = np.flatnonzero(inst_codes == inst_at[inst])
        t = terms[inst]
        ids = all_ids_arr[sel]
        codes = id_codes[sel]
        n = len(sel)
        if all_rows is not None:
            rows = all_rows[sel]
            if np.isnan(rows.astype("float64")).any():
                missing = ids[np.isnan(rows.astype("float64"))][0]
                raise MissionFinanceError(f"cash flows: project {missing!r} is not in the pipeline")
            rows = rows.astype("int64")
            values = project_terms(pl, inst, t, rows)
            q = annual_pd(pl["pd"].to_numpy(dtype="float64")[rows], len(years)) if "pd" in pl else np.zeros(n)
            lgd = pl["lgd"].to_numpy(dtype="float64")[rows] if "lgd" in pl else np.zeros(n)
        else:
            values = project_terms(pd.DataFrame(index=range(n)), inst, t)
            q, lgd = np.zeros(n), np.zeros(n)
        _check_project_terms(values, ids, inst)
        unit, asset = unit_flows(t.schedule, values, q, lgd, t.amortisation)
        if pipeline is not None and t.schedule != "guarantee":
            unit, asset = with_upside(unit, asset, upside_flows(upside_terms(pl, rows)))
        amount = all_amounts[sel][:, None]
        start = year_of[sel][:, None]
        ages = asset.shape[1]
        yidx = start + np.arange(ages)[None, :]
        labels = _year_labels(first, int(yidx.max()) + 1)
        top_year = max(top_year, len(labels))
        for kind, arr in unit.items():
            vals = arr * amount
            r_i, a_i = np.nonzero(vals)
            if len(r_i) == 0:
                continue
            id_parts.append(codes[r_i])
            inst_parts.append(np.full(len(r_i), len(inst_names)))
            year_parts.append(yidx[r_i, a_i])
            kind_parts.append(np.full(len(r_i), _KIND_RANK[kind]))
            amount_parts.append(vals[r_i, a_i])
        inst_names.append(inst)
        held = asset * amount
        if held.any():
            total = np.bincount(yidx.ravel(), weights=held.ravel(), minlength=len(labels))
            keep = np.flatnonzero(total)
            asset_parts.append(pd.DataFrame({"instrument": inst, "year": labels[keep], "asset": total[keep]}))
    flows = _flow_frame(id_parts, inst_parts, year_parts, kind_parts, amount_parts,
                        np.asarray(id_names, dtype=object), inst_names,
                        _year_labels(first, top_year) if top_year else np.array([], dtype=object))
    assets = (pd.concat(asset_parts, ignore_index=True).groupby(["instrument", "year"], as_index=False)["asset"].sum()
              if asset_parts else pd.DataFrame({"instrument": pd.Series([], dtype=object),
                                                "year": pd.Series([], dtype=object),
                                                "asset": pd.Series([], dtype="float64")}))
    return CashflowResult(flows=flows.reset_index(drop=True), assets=assets,
                          schedules={k: v.schedule for k, v in terms.items()}, first_year=first)


def commitment_cost(
    pipeline: pd.DataFrame,
    instrument: str,
    terms: Terms,
    rows: np.ndarray,
    start: np.ndarray,
    horizon_years: int,
    rate: float | None = None,
) -> np.ndarray:
    """Economic cost per £1m committed, per (project, year of commitment) [£m PV per £m].

    The one definition of economic cost (DESIGN §7): minus the present value, at the
    scenario's first year, of the expected cash-flow schedule of £1m committed in year index
    ``start`` — the same rows :func:`schedule` writes to cashflows.csv (commitment,
    principal, interest, dividends, exit, fees, phased expected calls and losses), so
    Σ cost × commitment equals :func:`economic_cost` of the allocation's flows. A grant
    committed in the first year costs 1.0; a loan at the discount rate with no losses 0;
    a guarantee the PV of its expected calls minus its fees. Negative = a net gain.

    Parameters
    ----------
    pipeline : DataFrame
        ``pd`` [share over the horizon], ``lgd`` [share] and any ``<instrument>_<term>``
        override columns (positional rows).
    instrument, terms :
        The instrument's name (for the override columns) and its terms.
    rows, start : ndarray of int
        Pipeline row and year index (0 = the scenario's first year) of each commitment.
    horizon_years : int
        Years in the scenario's horizon (turns ``pd`` into an annual rate).
    rate : float, optional
        Flat real discount rate; None = Green Book (:func:`discount_factors`).

    Examples
    --------
    >>> pl = pd.DataFrame({"pd": [0.0], "lgd": [0.45]})
    >>> loan = Terms("loan", tenor=5, grace=2, interest_rate=0.035)
    >>> abs(float(commitment_cost(pl, "loan", loan, np.array([0]), np.array([0]), 4)[0])) < 1e-12
    True
    >>> round(float(commitment_cost(pl, "grant", Terms("grant"), [0, 0], [0, 1], 4)[1]), 6)
    0.966184
    """
    rows = np.asarray(rows, dtype=np.int64)
    start = np.asarray(start, dtype=np.int64)
    if len(rows) == 0:
        return np.zeros(0)
    pairs, inverse = np.unique(rows, return_inverse=True)
    pl = pipeline.reset_index(drop=True)
    values = project_terms(pl, instrument, terms, pairs)
    q = annual_pd(pl["pd"].to_numpy(dtype="float64")[pairs], horizon_years) if "pd" in pl \
        else np.zeros(len(pairs))
    lgd = pl["lgd"].to_numpy(dtype="float64")[pairs] if "lgd" in pl else np.zeros(len(pairs))
    flows, asset = unit_flows(terms.schedule, values, np.nan_to_num(q), np.nan_to_num(lgd),
                              terms.amortisation)
    if terms.schedule != "guarantee":
        flows, asset = with_upside(flows, asset, upside_flows(upside_terms(pl, pairs)))
    net = np.zeros_like(asset, dtype="float64")
    for arr in flows.values():
        net = net + arr
    ages = int(asset.shape[1])
    df = discount_factors(int(start.max()) + ages, rate)
    return np.asarray(-(net[inverse] * df[start[:, None] + np.arange(ages)[None, :]]).sum(axis=1))


def economic_cost(
    cashflows: CashflowResult | pd.DataFrame,
    first_year: str | None = None,
    rate: float | None = None,
    by: Sequence[str] = ("instrument",),
) -> pd.Series:
    """Present-value net cost to the Exchequer [£m PV], grouped.

    Parameters
    ----------
    cashflows : CashflowResult or DataFrame
        Flows with ``year`` and signed ``amount`` [£m] (money back positive).
    first_year : str, optional
        Year discounted by 0 years (default: the result's first year, or the earliest year).
    rate : float, optional
        Flat real discount rate [share a year]; None = Green Book (3.5%, 3.0% after 30 years).
    by : sequence of str
        Columns to group by, e.g. ``("project_id", "instrument")``; ``()`` for the total.

    Returns
    -------
    Series
        −Σ amount × discount factor per group: positive = net cost, negative = net gain.
    """
    if isinstance(cashflows, CashflowResult):
        first_year = first_year or cashflows.first_year
        frame = cashflows.flows
    else:
        frame = cashflows
    if first_year is None:
        first_year = min(frame["year"]) if len(frame) else "2000-01"
    codes, labels = pd.factorize(frame["year"])
    starts = np.array([year_start(y) for y in labels], dtype="int64")
    idx = starts[codes] - year_start(first_year) if len(frame) else np.zeros(0, dtype="int64")
    if (idx < 0).any():
        raise MissionFinanceError(f"economic cost: a flow comes before the first year {first_year!r}")
    df = discount_factors(int(idx.max()) + 1 if len(idx) else 1, rate)
    pv = -frame["amount"].to_numpy(dtype="float64") * df[idx]
    if not by:
        return pd.Series({"total": float(pv.sum())})
    if len(by) == 1:
        # grouped by the codes of the column's sorted values: the same sums, in the same
        # order, as grouping by the text itself
        groups, names = pd.factorize(frame[by[0]], sort=True)
        if len(frame) and groups.min() >= 0:
            sums = pd.Series(pv).groupby(groups).sum().to_numpy()
            return pd.Series(sums, index=names.take(np.arange(len(sums))))
    return pd.Series(pv, index=pd.MultiIndex.from_frame(frame[list(by)]) if len(by) > 1 else frame[by[0]].to_numpy()
                     ).groupby(level=list(range(len(by)))).sum()
