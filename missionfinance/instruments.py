"""Instrument economics: how each £ of an instrument scores against budget controls.

An :class:`Instrument` says, per £1m committed:

- ``budget_score`` — £m of each control total used (e.g. a capital grant uses
  £1m of CDEL; a policy-bank loan or equity stake scores as a financial
  transaction, £1m of FT);
- ``expected_loss_to`` — the control that is also charged the expected loss
  ``pd × lgd`` of the project (loans, equity write-downs, guarantee calls), or
  ``None`` when losses are not charged;
- ``exposure`` — whether the commitment counts against the contingent-liability
  (guarantee exposure) stock limit;
- ``kind`` — ``grant``, ``loan``, ``equity`` or ``guarantee``: what the money is. Grants,
  loans and equity are **public cash**; a guarantee is **contingent exposure**, never cash
  (DESIGN §7);
- ``term``, ``rate``, ``fee`` — the life of the instrument [years], the interest rate or
  expected return it charges [share a year] and a guarantee's fee [share of the cover a
  year], from which :func:`economic_cost` values it.

Budget scoring (CDEL, FT, RDEL) and economic cost are separate concepts:
:func:`economic_cost` is what an instrument costs the Exchequer over its life, discounted
at the HM Treasury Green Book rate (3.5% real), per £1m committed:

- grant: its face value, 1.0;
- loan, equity: the expected loss ``pd × lgd`` plus the subsidy, the present value of the
  concession ``cost_of_funds − rate`` on the amount outstanding over ``term`` years;
- guarantee: the expected calls ``pd × lgd`` (per £ of cover) minus the present value of
  its fees, ``fee`` a year over ``term`` years.

The defaults below follow the scoring rules in HM Treasury's Consolidated
Budgeting Guidance and the OBR's treatment of financial transactions; each
carries its source. Scenario files override any field under
``[instruments.<name>]``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from missionfinance._numbers import check_number
from missionfinance.cashflows import DEFAULT_TERMS, TERM_KEYS, Terms, terms_from_config
from missionfinance.errors import MissionFinanceError

#: Instruments with a default definition. A scenario may define others.
INSTRUMENTS: tuple[str, ...] = ("grant", "loan", "equity", "guarantee")

_KEYS = {"budget_score", "expected_loss_to", "exposure", "source", "description", "kind",
         "term", "rate", "fee", *TERM_KEYS}

#: What an instrument can be: cash (grant, loan, equity) or contingent (guarantee).
KINDS: tuple[str, ...] = ("grant", "loan", "equity", "guarantee")

#: HM Treasury Green Book discount rate, real, years 0–30 [share a year].
GREEN_BOOK_RATE = 0.035

#: Government cost of funds used for the subsidy of loans and equity [share a year, real].
#: Assumption: the Green Book rate; set ``rate`` per instrument for a concession against it.
COST_OF_FUNDS = GREEN_BOOK_RATE


@dataclass(frozen=True)
class Instrument:
    """One finance instrument and its budget treatment.

    Attributes
    ----------
    name : str
        ``grant``, ``loan``, ``equity``, ``guarantee`` or a scenario's own name.
    budget_score : Mapping[str, float]
        Control → £m of that control used per £1m committed [£/£].
    expected_loss_to : str or None
        Control charged ``pd × lgd`` per £1m committed, or None.
    exposure : bool
        Counts against the guarantee exposure stock limit.
    source : str
        Where the treatment comes from.
    kind : str
        ``grant``, ``loan``, ``equity`` or ``guarantee``; empty = from the name (a known
        instrument), else ``guarantee`` when ``exposure``, ``loan`` when
        ``expected_loss_to`` is set, ``grant`` otherwise.
    term : float [years]
        Life over which the concession or the fees run (whole years are discounted).
    rate : float or None [share a year]
        Interest rate (loan) or expected return (equity) charged; None = the cost of
        funds (no subsidy).
    fee : float [share of the cover a year]
        Guarantee fee received.
    terms : Terms
        Cash-flow terms (tenor, rates, hold, fees; :mod:`missionfinance.cashflows`).
    """

    name: str
    budget_score: Mapping[str, float] = field(default_factory=dict)
    expected_loss_to: str | None = None
    exposure: bool = False
    source: str = ""
    description: str = ""
    kind: str = ""
    term: float = 0.0
    rate: float | None = None
    fee: float = 0.0

    @property
    def kind_(self) -> str:
        """The instrument's kind, resolved (see ``kind``)."""
        if self.kind:
            return self.kind
        if self.name in KINDS:
            return self.name
        if self.exposure:
            return "guarantee"
        return "loan" if self.expected_loss_to is not None else "grant"

    @property
    def contingent(self) -> bool:
        """True for a guarantee: contingent exposure, not public cash."""
        return self.kind_ == "guarantee"
    terms: Terms = field(default_factory=Terms)

    @property
    def bears_loss(self) -> bool:
        """True when the public purse can lose money on it (pd × lgd applies)."""
        return self.expected_loss_to is not None or self.exposure

    @property
    def controls(self) -> tuple[str, ...]:
        """Every control this instrument touches, sorted."""
        names = set(self.budget_score)
        if self.expected_loss_to:
            names.add(self.expected_loss_to)
        return tuple(sorted(names))


def annuity(term: float, rate: float = GREEN_BOOK_RATE) -> float:
    """Present value of £1 a year at the end of each of ``term`` whole years [£].

    >>> round(annuity(2), 6)   # 1/1.035 + 1/1.035**2
    1.899694
    """
    n = int(term)
    return float(sum((1.0 + rate) ** -k for k in range(1, n + 1)))


def economic_cost(instrument: Instrument, expected_loss: float) -> float:
    """Cost to the Exchequer per £1m committed, present value at commitment [£m per £m].

    ``expected_loss`` is pd × lgd of the project [share]. Grant: 1.0. Loan, equity:
    expected loss + (cost of funds − rate) × annuity(term). Guarantee: expected calls −
    fee × annuity(term) (negative when the fees exceed the expected calls). One function
    per instrument, so that a full cash-flow present value can replace it.

    >>> economic_cost(DEFAULT_INSTRUMENTS["grant"], 0.3)
    1.0
    >>> round(economic_cost(Instrument("loan", kind="loan", term=2, rate=0.015), 0.05), 6)
    0.087994
    >>> round(economic_cost(Instrument("g", exposure=True, term=2, fee=0.02), 0.05), 6)
    0.012006
    """
    fixed, per_loss = economic_cost_terms(instrument)
    return fixed + per_loss * expected_loss


def economic_cost_terms(instrument: Instrument) -> tuple[float, float]:
    """(fixed, per unit of expected loss): :func:`economic_cost` is ``fixed + per ×
    expected_loss`` [£m per £m], so a model can apply it to every project at once.
    """
    kind = instrument.kind_
    if kind == "grant":
        return 1.0, 0.0
    if kind == "guarantee":
        return -instrument.fee * annuity(instrument.term), 1.0
    rate = COST_OF_FUNDS if instrument.rate is None else instrument.rate
    return (COST_OF_FUNDS - rate) * annuity(instrument.term), 1.0


DEFAULT_INSTRUMENTS: dict[str, Instrument] = {
    "grant": Instrument(
        "grant",
        {"CDEL": 1.0},
        None,
        False,
        "HM Treasury Consolidated Budgeting Guidance 2025-26: capital grants score in full in CDEL",
        "Capital grant: no repayment, no loss beyond the grant itself",
        "grant",
        terms=DEFAULT_TERMS["grant"],
    ),
    "loan": Instrument(
        "loan",
        {"FT": 1.0},
        "RDEL",
        False,
        "CBG 2025-26: policy lending is a financial transaction (FT) in CDEL; expected loss "
        "(impairment) scores in RDEL. OBR: loans recorded at nominal value regardless of repayment",
        "Concessional or policy-bank loan (National Wealth Fund, UK Infrastructure Bank)",
        "loan",
        10.0,  # assumption: a 10-year policy-bank loan; priced at the cost of funds (no subsidy)
        terms=DEFAULT_TERMS["loan"],
    ),
    "equity": Instrument(
        "equity",
        {"FT": 1.0},
        "RDEL",
        False,
        "CBG 2025-26: equity purchases are financial transactions; write-downs score in RDEL",
        "Equity stake (British Patient Capital, National Wealth Fund)",
        "equity",
        7.0,  # assumption: a 7-year holding; expected return = cost of funds (no subsidy)
        terms=DEFAULT_TERMS["equity"],
    ),
    "guarantee": Instrument(
        "guarantee",
        {},
        "RDEL",
        True,
        "HM Treasury contingent-liability framework: no budget score at issue; expected calls "
        "score as cost; exposure counts against the contingent-liability limit",
        "Loan or infrastructure guarantee (UK Guarantees Scheme, Growth Guarantee Scheme)",
        "guarantee",
        5.0,  # assumption: 5 years (Growth Guarantee Scheme loans run up to 6 years)
        None,
        0.0,  # no fee unless the scenario sets one (EFG charged 2% a year: DOMAIN.md)
        terms=DEFAULT_TERMS["guarantee"],
    ),
}


def instrument_from_config(name: str, config: Mapping[str, object], context: str) -> Instrument:
    """Build an instrument from a scenario's ``[instruments.<name>]`` table.

    Keys not given fall back to the default of a known instrument (or to an
    instrument with no budget score for a new name). ``context`` names the file
    for error messages, e.g. ``"scenario.toml"``.

    Examples
    --------
    >>> instrument_from_config("grant", {"budget_score": {"CDEL": 1.0}}, "s.toml").controls
    ('CDEL',)
    >>> instrument_from_config("grant", {"budget_scor": {}}, "s.toml")
    Traceback (most recent call last):
    ...
    missionfinance.errors.MissionFinanceError: s.toml key instruments.grant.budget_scor: unknown key; allowed amortisation, budget_score, description, dividend_yield, exit_multiple, exit_return, expected_loss_to, exposure, fee_rate, grace, hold, interest_rate, schedule, source, tenor
    """
    base = DEFAULT_INSTRUMENTS.get(name, Instrument(name))
    for key in config:
        if key not in _KEYS:
            raise MissionFinanceError(
                f"{context} key instruments.{name}.{key}: unknown key; allowed {', '.join(sorted(_KEYS))}"
            )
    score_raw = config.get("budget_score", base.budget_score)
    if not isinstance(score_raw, Mapping):
        raise MissionFinanceError(
            f"{context} key instruments.{name}.budget_score: {score_raw!r} must be a table like {{ CDEL = 1.0 }}"
        )
    score: dict[str, float] = {}
    for control, value in score_raw.items():
        score[str(control)] = check_number(
            value, f"{context} key instruments.{name}.budget_score.{control}", lo=0.0, unit="£ per £"
        )
    el = config.get("expected_loss_to", base.expected_loss_to)
    if el is not None and (not isinstance(el, str) or not el):
        raise MissionFinanceError(
            f"{context} key instruments.{name}.expected_loss_to: {el!r} must be a control name such as 'RDEL'"
        )
    exposure = config.get("exposure", base.exposure)
    if not isinstance(exposure, bool):
        raise MissionFinanceError(
            f"{context} key instruments.{name}.exposure: {exposure!r} must be true or false"
        )
    kind = config.get("kind", base.kind)
    if kind and kind not in KINDS:
        raise MissionFinanceError(
            f"{context} key instruments.{name}.kind: {kind!r} must be one of {', '.join(KINDS)}"
        )

    def num(key: str, default: float, hi: float) -> float:
        value = config.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or \
                not 0 <= value <= hi:
            raise MissionFinanceError(
                f"{context} key instruments.{name}.{key}: {value!r} must be a number in 0–{hi:g}"
            )
        return float(value)

    rate = None if config.get("rate", base.rate) is None else num("rate", 0.0, 1.0)
    out = Instrument(
        name=name,
        budget_score=score,
        expected_loss_to=el,
        exposure=exposure,
        source=str(config.get("source", base.source)),
        description=str(config.get("description", base.description)),
        kind=str(kind or ""),
        term=num("term", base.term, 100.0),
        rate=rate,
        fee=num("fee", base.fee, 1.0),
        terms=terms_from_config(name, config, context),
    )
    if out.contingent != out.exposure:
        raise MissionFinanceError(
            f"{context} key instruments.{name}.exposure: {exposure!r} does not fit kind "
            f"{out.kind_!r}; a guarantee (and only a guarantee) counts against the exposure limit"
        )
    return out
