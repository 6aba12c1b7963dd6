"""Instrument economics: how each £ of an instrument scores against budget controls.

An :class:`Instrument` says, per £1m committed:

- ``budget_score`` — £m of each control total used (e.g. a capital grant uses
  £1m of CDEL; a policy-bank loan or equity stake scores as a financial
  transaction, £1m of FT);
- ``expected_loss_to`` — the control that is also charged the expected loss
  ``pd × lgd`` of the project (loans, equity write-downs, guarantee calls), or
  ``None`` when losses are not charged;
- ``exposure`` — whether the commitment counts against the contingent-liability
  (guarantee exposure) stock limit.

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

_KEYS = {"budget_score", "expected_loss_to", "exposure", "source", "description", *TERM_KEYS}


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
    terms : Terms
        Cash-flow terms (tenor, rates, hold, fees; :mod:`missionfinance.cashflows`).
    """

    name: str
    budget_score: Mapping[str, float] = field(default_factory=dict)
    expected_loss_to: str | None = None
    exposure: bool = False
    source: str = ""
    description: str = ""
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


DEFAULT_INSTRUMENTS: dict[str, Instrument] = {
    "grant": Instrument(
        "grant",
        {"CDEL": 1.0},
        None,
        False,
        "HM Treasury Consolidated Budgeting Guidance 2025-26: capital grants score in full in CDEL",
        "Capital grant: no repayment, no loss beyond the grant itself",
        DEFAULT_TERMS["grant"],
    ),
    "loan": Instrument(
        "loan",
        {"FT": 1.0},
        "RDEL",
        False,
        "CBG 2025-26: policy lending is a financial transaction (FT) in CDEL; expected loss "
        "(impairment) scores in RDEL. OBR: loans recorded at nominal value regardless of repayment",
        "Concessional or policy-bank loan (National Wealth Fund, UK Infrastructure Bank)",
        DEFAULT_TERMS["loan"],
    ),
    "equity": Instrument(
        "equity",
        {"FT": 1.0},
        "RDEL",
        False,
        "CBG 2025-26: equity purchases are financial transactions; write-downs score in RDEL",
        "Equity stake (British Patient Capital, National Wealth Fund)",
        DEFAULT_TERMS["equity"],
    ),
    "guarantee": Instrument(
        "guarantee",
        {},
        "RDEL",
        True,
        "HM Treasury contingent-liability framework: no budget score at issue; expected calls "
        "score as cost; exposure counts against the contingent-liability limit",
        "Loan or infrastructure guarantee (UK Guarantees Scheme, Growth Guarantee Scheme)",
        DEFAULT_TERMS["guarantee"],
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
    return Instrument(
        name=name,
        budget_score=score,
        expected_loss_to=el,
        exposure=exposure,
        source=str(config.get("source", base.source)),
        description=str(config.get("description", base.description)),
        terms=terms_from_config(name, config, context),
    )
