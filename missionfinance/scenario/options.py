"""Scenario TOML tables of the model's limits and options, read strictly.

:mod:`missionfinance.scenario.config` reads ``[scenario]``, ``[inputs]``,
``[instruments.*]``, ``[budget.*]`` and ``objective.weights`` (DESIGN §5) and hands every
other table to :func:`options_from_toml`, which reads the whole of ``[exposure]`` (year
keys: the stock limit; ``runoff``) and the further constraint families. Each key is
documented in docs/model.md. An unknown key, a year outside the horizon, an unknown
mission, instrument, region or family, or a value out of range raises a one-line
:class:`~missionfinance.errors.MissionFinanceError` naming the dotted key, e.g.::

    scenario.toml key constraints.mission_floor.health: -5.0 must be ≥ 0
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from missionfinance._numbers import check_number
from missionfinance.errors import MissionFinanceError
from missionfinance.model import (
    FAMILIES,
    CvarLimit,
    InstrumentMix,
    MissionBound,
    Recycling,
    RegionalShare,
    SolverOptions,
    Target,
)
from missionfinance.years import check_financial_year

#: UK ITL1 regions (names and codes) accepted in regional constraints even when no
#: project of the pipeline is in them; region names match regardless of case.
#: Source: ONS, International Territorial Levels (2021).
ITL1_REGIONS: frozenset[str] = frozenset({
    "North East", "North West", "Yorkshire and The Humber", "East Midlands", "West Midlands",
    "East of England", "East", "London", "South East", "South West", "Wales", "Scotland",
    "Northern Ireland", "TLC", "TLD", "TLE", "TLF", "TLG", "TLH", "TLI", "TLJ", "TLK", "TLL",
    "TLM", "TLN",
})

#: Top-level tables (and their keys) that options_from_toml consumes.
TABLES: dict[str, tuple[str, ...]] = {
    "objective": ("kind", "shortfall_price", "cost_weights", "targets", "target"),
    "exposure": ("runoff",),
    "constraints": ("disabled", "mission_floor", "mission_ceiling", "regional",
                    "instrument_mix", "even_drawdown", "financing_plan"),
    "risk": ("enabled", "expected_loss_limit", "cvar"),
    "leverage_segments": ("enabled", "upto", "factor"),
    "integer": ("enabled", "min_ticket", "min_projects"),
    "fiscal": ("psnb", "current_deficit", "psnd", "psnfl"),
    "recycling": ("enabled", "control"),
    "solver": ("algorithm", "crossover", "threads", "seed", "time_limit", "primal_tolerance",
               "dual_tolerance", "ipm_tolerance", "mip_rel_gap", "scale", "marginal_private"),
}



def number(value: object, context: str, *, minimum: float | None = 0.0, unit: str = "£m") -> float:
    """A number from the scenario (£m unless ``unit`` says otherwise).

    Finite and at least ``minimum`` (:func:`missionfinance._numbers.check_number`).
    """
    return check_number(value, context, lo=minimum, unit=unit)


def check_year_in(year: str, years: Sequence[str], context: str) -> str:
    """``year`` if it is a financial year of the horizon ``years``, else a one-line error."""
    check_financial_year(year, context)
    if year not in years:
        raise MissionFinanceError(
            f"{context}: year {year!r} is outside scenario.years ({years[0]} to {years[-1]}); "
            "remove it or extend the horizon"
        )
    return year


_CVAR_KEYS = ("alpha", "limit", "scenarios", "rho", "seed")
_REGIONAL_KEYS = ("enabled", "regions", "outside", "min_share", "max_share")
_MIX_KEYS = ("enabled", "instruments", "mission", "min_share", "max_share")
_TARGET_KEYS = ("mission", "amount", "price", "name")


class _Reader:
    """Strict readers that name the dotted key in every error."""

    def __init__(self, context: str) -> None:
        self.context = context

    def fail(self, key: str, what: str) -> MissionFinanceError:
        return MissionFinanceError(f"{self.context} key {key}: {what}")

    def table(self, value: object, key: str, allowed: Iterable[str] | None = None,
              ) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(key, f"{value!r} must be a table")
        if allowed is not None:
            allowed = tuple(allowed)
            for k in value:
                if k not in allowed:
                    raise self.fail(f"{key}.{k}", f"unknown key; allowed {', '.join(sorted(allowed))}")
        return value

    def number(self, value: object, key: str, lo: float | None = None, hi: float | None = None,
               lo_open: bool = False, hi_open: bool = False) -> float:
        return check_number(value, f"{self.context} key {key}", lo=lo, hi=hi, lo_open=lo_open,
                            hi_open=hi_open)

    def integer(self, value: object, key: str, lo: int = 0) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(key, f"{value!r} must be a whole number")
        if value < lo:
            raise self.fail(key, f"{value!r} must be ≥ {lo}")
        return int(value)

    def boolean(self, value: object, key: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail(key, f"{value!r} must be true or false")
        return value

    def string_list(self, value: object, key: str, allowed: Iterable[str] | None = None,
                    what: str = "name", casefold: bool = False) -> tuple[str, ...]:
        if isinstance(value, str) or not isinstance(value, list) or not value:
            raise self.fail(key, f"{value!r} must be a non-empty list of {what}s")
        allowed_set = set(allowed) if allowed is not None else None
        folded = {a.casefold() for a in allowed_set} if allowed_set is not None else set()
        out = []
        for v in value:
            if not isinstance(v, str):
                raise self.fail(key, f"{v!r} must be a {what} (text)")
            known = v.casefold() in folded if casefold else (
                allowed_set is None or v in allowed_set)
            if allowed_set is not None and not known:
                raise self.fail(key, f"unknown {what} {v!r}; use one of "
                                f"{', '.join(sorted(allowed_set))}")
            out.append(v)
        return tuple(out)

    def mission(self, value: object, key: str, missions: tuple[str, ...]) -> str:
        if not isinstance(value, str) or value not in missions:
            raise self.fail(key, f"unknown mission {value!r}; use one of {', '.join(missions)}")
        return value


def _enabled(r: _Reader, table: Mapping[str, Any], key: str) -> bool:
    return r.boolean(table.get("enabled", True), f"{key}.enabled")


def _objective(r: _Reader, t: Mapping[str, Any], missions: tuple[str, ...],
               controls: Iterable[str], out: dict[str, Any]) -> None:
    r.table(t, "objective", TABLES["objective"] + ("weights",))
    kind = t.get("kind", "mission_value")
    price = r.number(t.get("shortfall_price", 1000.0), "objective.shortfall_price", lo=0.0)
    if "cost_weights" in t:
        raise r.fail("objective.cost_weights", "min_cost minimises economic cost (each "
                     "instrument's cost to the Exchequer, docs/model.md), not weighted budget "
                     "controls; remove the key")
    targets: list[Target] = []
    if "targets" in t:
        tt = r.table(t["targets"], "objective.targets")
        for m, v in tt.items():
            key = f"objective.targets.{m}"
            r.mission(m, key, missions)
            targets.append(Target(m, r.number(v, key, lo=0.0), price, m))
    if "target" in t:
        lst = t["target"]
        if not isinstance(lst, list):
            raise r.fail("objective.target", "must be an array of tables [[objective.target]]")
        for k, item in enumerate(lst):
            key = f"objective.target[{k}]"
            r.table(item, key, _TARGET_KEYS)
            if "mission" not in item or "amount" not in item:
                raise r.fail(key, "needs mission and amount")
            m = r.mission(item["mission"], f"{key}.mission", missions)
            name = str(item.get("name", m))
            targets.append(Target(m, r.number(item["amount"], f"{key}.amount", lo=0.0),
                                  r.number(item.get("price", price), f"{key}.price", lo=0.0),
                                  name))
    if targets and kind != "min_cost":
        raise r.fail("objective.targets", f"targets apply to kind = 'min_cost', not {kind!r}; "
                     "set kind = 'min_cost' or remove the targets")
    names = [x.name for x in targets]
    if len(set(names)) != len(names):
        raise r.fail("objective.target", "target names must be unique; give each a name")
    if targets:
        out["targets"] = tuple(targets)


def _mission_bounds(r: _Reader, c: Mapping[str, Any], missions: tuple[str, ...],
                    ) -> list[MissionBound]:
    floors: dict[str, tuple[float, str]] = {}
    ceilings: dict[str, tuple[float, str]] = {}
    for kind, store in (("mission_floor", floors), ("mission_ceiling", ceilings)):
        if kind not in c:
            continue
        key = f"constraints.{kind}"
        t = r.table(c[kind], key)
        if not _enabled(r, t, key):
            continue
        unit = t.get("unit", "gbp")
        if unit not in ("gbp", "share"):
            raise r.fail(f"{key}.unit", f"{unit!r} must be 'gbp' (£m) or 'share' (0–1)")
        for m, v in t.items():
            if m in ("unit", "enabled"):
                continue
            r.mission(m, f"{key}.{m}", missions)
            val = r.number(v, f"{key}.{m}", lo=0.0, hi=1.0 if unit == "share" else None)
            store[m] = (val, unit)
    out = []
    for m in missions:
        f, cl = floors.get(m), ceilings.get(m)
        if f and cl and f[1] == cl[1] and f[0] > cl[0]:
            raise r.fail(f"constraints.mission_floor.{m}", f"{f[0]!r} is above the ceiling "
                         f"{cl[0]!r}; lower the floor or raise the ceiling")
        if f and cl and f[1] == cl[1]:
            out.append(MissionBound(m, f[0], cl[0], f[1]))  # type: ignore[arg-type]
        else:
            if f:
                out.append(MissionBound(m, f[0], None, f[1]))  # type: ignore[arg-type]
            if cl:
                out.append(MissionBound(m, None, cl[0], cl[1]))  # type: ignore[arg-type]
    return out


def _named_tables(r: _Reader, c: Mapping[str, Any], family: str, allowed: Iterable[str],
                  needs: str) -> Iterator[tuple[str, str, Mapping[str, Any]]]:
    """(name, dotted key, table) of each enabled ``[constraints.<family>.<name>]`` table.

    Each table is checked for unknown keys and for its required list ``needs``.
    """
    if family not in c:
        return
    for name, raw in r.table(c[family], f"constraints.{family}").items():
        key = f"constraints.{family}.{name}"
        t = r.table(raw, key, allowed)
        if not _enabled(r, t, key):
            continue
        if needs not in t:
            raise r.fail(key, f"needs {needs} = [...]")
        yield str(name), key, t


def _shares(r: _Reader, t: Mapping[str, Any], key: str) -> tuple[float | None, float | None]:
    lo = r.number(t["min_share"], f"{key}.min_share", 0.0, 1.0) if "min_share" in t else None
    hi = r.number(t["max_share"], f"{key}.max_share", 0.0, 1.0) if "max_share" in t else None
    if lo is None and hi is None:
        raise r.fail(key, "give min_share and/or max_share (0–1)")
    if lo is not None and hi is not None and lo > hi:
        raise r.fail(f"{key}.min_share", f"{lo!r} is above max_share {hi!r}")
    return lo, hi


def options_from_toml(tables: Mapping[str, Any], context: str, years: Iterable[str],
                      missions: Iterable[str], instruments: Iterable[str],
                      regions: Iterable[str] | None = None) -> dict[str, Any]:
    """Validate the model's scenario tables and return AllocationProblem keyword fields.

    Parameters
    ----------
    tables : Mapping
        Top-level scenario tables other than those the scenario module reads itself:
        ``objective`` (``kind`` is read for checks; ``weights`` is ignored), ``exposure``
        (year keys give the stock limit, ``runoff`` the run-off), ``constraints``,
        ``risk``, ``leverage_segments``, ``integer``, ``solver``.
    context : str
        File name for messages, e.g. ``"scenario.toml"``.
    years, missions, instruments : iterables of str
        The horizon, mission ids and instrument names of the scenario.
    regions : iterable of str, optional
        Regions of the pipeline; UK ITL1 names and codes are always accepted.

    Returns
    -------
    dict
        Keyword arguments for :class:`~missionfinance.model.AllocationProblem` (never
        ``objective`` or ``weights``, which the scenario passes itself); ``exposure``
        (year → £m stock limit) when ``[exposure]`` gives one.

    Examples
    --------
    >>> opts = options_from_toml({"constraints": {"mission_floor": {"health": 50.0}}},
    ...                          "s.toml", ["2026-27"], ["growth", "health"], ["grant"])
    >>> opts["mission_bounds"][0].floor
    50.0
    >>> options_from_toml({"constraints": {"mission_floor": {"health": -5.0}}},
    ...                   "s.toml", ["2026-27"], ["growth", "health"], ["grant"])
    Traceback (most recent call last):
    ...
    missionfinance.errors.MissionFinanceError: s.toml key constraints.mission_floor.health: -5.0 must be ≥ 0
    """
    r = _Reader(context)
    years = tuple(years)
    missions = tuple(missions)
    instruments = tuple(instruments)
    region_set = set(ITL1_REGIONS) | set(regions or ())
    out: dict[str, Any] = {"context": context}
    for top in tables:
        if top not in TABLES:
            raise r.fail(top, f"unknown table; allowed {', '.join(sorted(TABLES))} (and the "
                         "scenario's own scenario, inputs, instruments, budget)")
    disabled: set[str] = set()

    if "objective" in tables:
        _objective(r, r.table(tables["objective"], "objective"), missions, (), out)

    if "exposure" in tables:
        raw = tables["exposure"]
        if not isinstance(raw, Mapping):
            raise r.fail("exposure", "must be a table of year = £m")
        limits: dict[str, float] = {}
        for key, value in raw.items():
            if key[:1].isdigit():  # a financial year: the stock limit at its end
                check_year_in(key, years, f"{context} key exposure.{key}")
                limits[key] = number(value, f"{context} key exposure.{key}")
            elif key == "runoff":
                out["exposure_runoff"] = r.number(value, "exposure.runoff", 0.0, 1.0,
                                                  hi_open=True)
            else:
                raise r.fail(f"exposure.{key}", "unknown key; allowed runoff (and financial "
                             "years such as 2026-27)")
        if limits:
            out["exposure"] = limits

    if "constraints" in tables:
        c = r.table(tables["constraints"], "constraints", TABLES["constraints"])
        if "disabled" in c:
            disabled |= set(r.string_list(c["disabled"], "constraints.disabled", FAMILIES,
                                          "family"))
        for switch in ("even_drawdown", "financing_plan"):
            if switch in c and r.boolean(c[switch], f"constraints.{switch}"):
                out[switch] = True
        bounds = _mission_bounds(r, c, missions)
        if bounds:
            out["mission_bounds"] = tuple(bounds)
        regs = []
        for name, key, t in _named_tables(r, c, "regional", _REGIONAL_KEYS, "regions"):
            rr = r.string_list(t["regions"], f"{key}.regions", region_set, "region",
                               casefold=True)
            outside = r.boolean(t.get("outside", False), f"{key}.outside")
            lo, hi = _shares(r, t, key)
            regs.append(RegionalShare(name, rr, lo, hi, outside))
        if regs:
            out["regional"] = tuple(regs)
        mixes = []
        for name, key, t in _named_tables(r, c, "instrument_mix", _MIX_KEYS, "instruments"):
            ii = r.string_list(t["instruments"], f"{key}.instruments", instruments,
                               "instrument")
            m = r.mission(t["mission"], f"{key}.mission", missions) if "mission" in t else None
            lo, hi = _shares(r, t, key)
            mixes.append(InstrumentMix(name, ii, m, lo, hi))
        if mixes:
            out["instrument_mix"] = tuple(mixes)

    if "fiscal" in tables:
        caps: dict[str, dict[str, float]] = {}
        for measure, by_year in r.table(tables["fiscal"], "fiscal", TABLES["fiscal"]).items():
            key = f"fiscal.{measure}"
            caps[measure] = {}
            for y, val in r.table(by_year, key).items():
                if y not in years:
                    raise r.fail(f"{key}.{y}", f"year {y!r} is outside the horizon "
                                 f"{years[0]}..{years[-1]}; use one of {', '.join(years)}")
                caps[measure][y] = r.number(val, f"{key}.{y}")
        out["fiscal_caps"] = {k: v for k, v in caps.items() if v}

    if "recycling" in tables:
        t = r.table(tables["recycling"], "recycling", TABLES["recycling"])
        if _enabled(r, t, "recycling"):
            control = t.get("control")
            if not isinstance(control, str) or not control:
                raise r.fail("recycling.control", f"{control!r} must name a control such as 'FT'")
            out["recycling"] = Recycling(control)

    if "risk" in tables:
        t = r.table(tables["risk"], "risk", TABLES["risk"])
        if not _enabled(r, t, "risk"):
            disabled |= {"expected_loss", "cvar"}
        if "expected_loss_limit" in t:
            v = t["expected_loss_limit"]
            if isinstance(v, Mapping):
                by_year = {}
                for y, val in v.items():
                    key = f"risk.expected_loss_limit.{y}"
                    if y == "total":
                        out["expected_loss_limit"] = r.number(val, key, lo=0.0)
                        continue
                    if y not in years:
                        raise r.fail(key, f"year {y!r} is outside the horizon "
                                     f"{years[0]}..{years[-1]}; use one of {', '.join(years)}")
                    by_year[y] = r.number(val, key, lo=0.0)
                if by_year:
                    out["expected_loss_by_year"] = by_year
            else:
                out["expected_loss_limit"] = r.number(v, "risk.expected_loss_limit", lo=0.0)
        if "cvar" in t:
            cv = r.table(t["cvar"], "risk.cvar", _CVAR_KEYS)
            if "limit" not in cv:
                raise r.fail("risk.cvar", "needs limit (£m)")
            out["cvar"] = CvarLimit(
                alpha=r.number(cv.get("alpha", 0.95), "risk.cvar.alpha", 0.0, 1.0, True, True),
                limit=r.number(cv["limit"], "risk.cvar.limit", lo=0.0),
                scenarios=r.integer(cv.get("scenarios", 500), "risk.cvar.scenarios", lo=1),
                rho=r.number(cv.get("rho", 0.2), "risk.cvar.rho", 0.0, 1.0, hi_open=True),
                seed=r.integer(cv.get("seed", 20250611), "risk.cvar.seed"),
            )

    if "leverage_segments" in tables:
        t = r.table(tables["leverage_segments"], "leverage_segments",
                    TABLES["leverage_segments"])
        if _enabled(r, t, "leverage_segments"):
            if "upto" not in t or "factor" not in t:
                raise r.fail("leverage_segments", "needs upto = [...] and factor = [...]")
            upto = t["upto"]
            factor = t["factor"]
            if not isinstance(upto, list) or not isinstance(factor, list) or \
                    len(upto) != len(factor) or not upto:
                raise r.fail("leverage_segments", "upto and factor must be lists of one length")
            up = [r.number(v, f"leverage_segments.upto[{k}]", 0.0, 1.0, lo_open=True)
                  for k, v in enumerate(upto)]
            fa = [r.number(v, f"leverage_segments.factor[{k}]", lo=0.0)
                  for k, v in enumerate(factor)]
            if any(b <= a for a, b in zip(up, up[1:], strict=False)) or up[-1] != 1.0:
                raise r.fail("leverage_segments.upto", f"{upto!r} must increase and end at 1.0")
            if any(b > a for a, b in zip(fa, fa[1:], strict=False)):
                raise r.fail("leverage_segments.factor", f"{factor!r} must not increase "
                             "(diminishing leverage keeps the model a pure LP)")
            out["leverage_segments"] = tuple(zip(up, fa, strict=True))
        else:
            disabled.add("leverage_segments")

    if "integer" in tables:
        t = r.table(tables["integer"], "integer", TABLES["integer"])
        if _enabled(r, t, "integer"):
            if "min_ticket" in t:
                out["min_ticket"] = r.number(t["min_ticket"], "integer.min_ticket", lo=0.0,
                                             lo_open=True)
            if "min_projects" in t:
                mp = r.table(t["min_projects"], "integer.min_projects")
                out["min_projects"] = {
                    r.mission(m, f"integer.min_projects.{m}", missions):
                        r.integer(v, f"integer.min_projects.{m}", lo=0)
                    for m, v in mp.items()}
        else:
            disabled |= {"min_ticket", "min_projects"}

    if "solver" in tables:
        t = r.table(tables["solver"], "solver", TABLES["solver"])
        kw: dict[str, Any] = {}
        if "algorithm" in t:
            if t["algorithm"] not in ("ipm", "simplex", "auto"):
                raise r.fail("solver.algorithm", f"{t['algorithm']!r} must be 'ipm', "
                             "'simplex' or 'auto'")
            kw["algorithm"] = t["algorithm"]
        if "scale" in t:
            sc = t["scale"]
            if sc not in ("auto", "on", "off", True, False):
                raise r.fail("solver.scale", f"{sc!r} must be 'auto', 'on' or 'off'")
            kw["scale"] = {True: "on", False: "off"}.get(sc, sc)
        for b in ("crossover", "marginal_private"):
            if b in t:
                kw[b] = r.boolean(t[b], f"solver.{b}")
        if "threads" in t:
            kw["threads"] = r.integer(t["threads"], "solver.threads", lo=1)
        if "seed" in t:
            kw["seed"] = r.integer(t["seed"], "solver.seed")
        if "time_limit" in t:
            kw["time_limit"] = r.number(t["time_limit"], "solver.time_limit", lo=0.0,
                                        lo_open=True)
        for tol in ("primal_tolerance", "dual_tolerance", "ipm_tolerance", "mip_rel_gap"):
            if tol in t:
                kw[tol] = r.number(t[tol], f"solver.{tol}", 0.0, 1.0, lo_open=True)
        out["solver"] = SolverOptions(**kw)

    if disabled:
        out["disabled"] = frozenset(disabled)
    return out
