"""What we do not know: uncertain inputs as distributions, and the allocation over many draws.

Each uncertain input is a multiplicative **factor** on the value the scenario gives (1 = as
given), drawn from a named distribution::

    { dist = "uniform", low = 0.8, high = 1.1 }
    { dist = "triangular", low = 0.6, mode = 1.0, high = 1.2 }
    { dist = "normal", mean = 1.0, sd = 0.1 }          # clipped at 0
    { dist = "lognormal", median = 1.0, sigma = 0.2 }
    { dist = "fixed", value = 1.0 }

with optional ``per_project = true`` (one draw per project instead of one shared by all,
i.e. independent rather than common errors) and ``source = "…"``. Families and keys:

- ``yield.<milestone>`` (or ``yield.all``): the outcome yields of every project for it;
- ``leverage.<instrument>`` (or ``leverage.all``): private £ crowded in per public £;
  private money that grows is still capped at the project's private capacity;
- ``additionality.all``: a_p (the product is clipped to 0–1);
- ``pd.all``: probability of default (clipped to 0–1). It moves outcomes only with
  ``defaults = true``: then each project defaults in a draw with probability pd × factor
  and a project that defaults delivers none of its outcomes.

Draws come from ``numpy.random.default_rng(seed)`` in a fixed order (families in the order
above, keys sorted, then defaults), so the same seed gives the same numbers in every
process. With every factor fixed at 1 and ``defaults = false`` the simulation reproduces the
deterministic trajectory exactly.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from missionfinance._numbers import exp
from missionfinance.errors import MissionFinanceError
from missionfinance.outcomes.trajectory import (
    AllocationInputs,
    OutcomeArrays,
    caused_investment,
    contributions,
)

FAMILIES = ("yield", "leverage", "additionality", "pd")
_DIST_KEYS = {
    "uniform": ("low", "high"),
    "triangular": ("low", "mode", "high"),
    "normal": ("mean", "sd"),
    "lognormal": ("median", "sigma"),
    "fixed": ("value",),
}


@dataclass(frozen=True)
class Distribution:
    """A factor's distribution (``params`` by name), drawn per project or shared."""

    dist: str
    params: Mapping[str, float]
    per_project: bool = False
    source: str = ""

    def draw(self, rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
        """Draws of the factor with ``shape``."""
        p = self.params
        if self.dist == "uniform":
            return rng.uniform(p["low"], p["high"], shape)
        if self.dist == "triangular":
            if p["low"] == p["high"]:
                rng.uniform(0.0, 1.0, shape)  # keep the stream's position
                return np.full(shape, p["mode"])
            return rng.triangular(p["low"], p["mode"], p["high"], shape)
        if self.dist == "normal":
            return np.maximum(rng.normal(p["mean"], p["sd"], shape), 0.0)
        if self.dist == "lognormal":
            return p["median"] * exp(rng.normal(0.0, p["sigma"], shape))
        rng.uniform(0.0, 1.0, shape)
        return np.full(shape, p["value"])

    def describe(self) -> str:
        """``triangular(low 0.6, mode 1, high 1.2)``."""
        inner = ", ".join(f"{k} {v:g}" for k, v in self.params.items())
        return f"{self.dist}({inner})" + (", per project" if self.per_project else "")

    @property
    def range(self) -> tuple[float, float]:
        """A 10–90% range of the factor, estimated from 20,000 draws of a fixed seed."""
        return _range(self.dist, tuple(self.params.items()))


@functools.lru_cache(maxsize=256)
def _range(dist: str, params: tuple[tuple[str, float], ...]) -> tuple[float, float]:
    """:attr:`Distribution.range`, worked out once per distribution and parameters."""
    x = Distribution(dist, dict(params)).draw(np.random.default_rng(0), (20_000,))
    return float(np.quantile(x, 0.1)), float(np.quantile(x, 0.9))


@dataclass(frozen=True)
class Uncertainty:
    """The ``[outcomes.uncertainty]`` table, validated."""

    seed: int = 20250611
    defaults: bool = False
    factors: Mapping[str, Mapping[str, Distribution]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        """True when no input is uncertain."""
        return not any(self.factors.values()) and not self.defaults


def _dist(raw: object, ctx: str) -> Distribution:
    if not isinstance(raw, Mapping):
        raise MissionFinanceError(f"{ctx}: must be a table like {{ dist = \"uniform\", "
                                  "low = 0.8, high = 1.2 }")
    kind = raw.get("dist")
    if kind not in _DIST_KEYS:
        raise MissionFinanceError(f"{ctx}.dist: {kind!r} is not a known distribution; use one "
                                  f"of {', '.join(_DIST_KEYS)}")
    allowed = set(_DIST_KEYS[kind]) | {"dist", "per_project", "source"}
    bad = set(raw) - allowed
    if bad:
        raise MissionFinanceError(f"{ctx}.{sorted(bad)[0]}: unknown key for {kind}; allowed "
                                  f"{', '.join(sorted(allowed))}")
    params: dict[str, float] = {}
    for k in _DIST_KEYS[str(kind)]:
        v = raw.get(k)
        if isinstance(v, bool) or not isinstance(v, int | float) or not np.isfinite(v) or v < 0:
            raise MissionFinanceError(f"{ctx}.{k}: {v!r} must be a number ≥ 0 (a factor)")
        params[k] = float(v)
    if kind == "uniform" and params["low"] > params["high"]:
        raise MissionFinanceError(f"{ctx}.low: {params['low']:g} is above high {params['high']:g}")
    if kind == "triangular" and not params["low"] <= params["mode"] <= params["high"]:
        raise MissionFinanceError(f"{ctx}.mode: {params['mode']:g} must lie between low and high")
    per = raw.get("per_project", False)
    if not isinstance(per, bool):
        raise MissionFinanceError(f"{ctx}.per_project: {per!r} must be true or false")
    return Distribution(str(kind), params, per, str(raw.get("source", "")))


def parse_uncertainty(raw: object, ctx: str, milestones: set[str],
                      instruments: set[str] | None = None) -> Uncertainty:
    """Validate ``[outcomes.uncertainty]`` (``ctx`` names it in errors)."""
    if not isinstance(raw, Mapping):
        raise MissionFinanceError(f"{ctx}: must be a table")
    bad = set(raw) - set(FAMILIES) - {"seed", "defaults"}
    if bad:
        raise MissionFinanceError(f"{ctx}.{sorted(bad)[0]}: unknown key; allowed seed, defaults, "
                                  f"{', '.join(FAMILIES)}")
    seed = raw.get("seed", 20250611)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise MissionFinanceError(f"{ctx}.seed: {seed!r} must be a whole number ≥ 0")
    defaults = raw.get("defaults", False)
    if not isinstance(defaults, bool):
        raise MissionFinanceError(f"{ctx}.defaults: {defaults!r} must be true or false")
    factors: dict[str, dict[str, Distribution]] = {}
    for fam in FAMILIES:
        table = raw.get(fam, {})
        if not isinstance(table, Mapping):
            raise MissionFinanceError(f"{ctx}.{fam}: must be a table of key = distribution")
        out: dict[str, Distribution] = {}
        for key in sorted(table):
            if fam == "yield" and key != "all" and key not in milestones:
                raise MissionFinanceError(f"{ctx}.yield.{key}: unknown milestone {key!r}; use "
                                          f"'all' or one of {', '.join(sorted(milestones))}")
            if fam == "leverage" and key != "all" and instruments is not None \
                    and key not in instruments:
                raise MissionFinanceError(f"{ctx}.leverage.{key}: unknown instrument {key!r}; "
                                          f"use 'all' or one of {', '.join(sorted(instruments))}")
            if fam in ("additionality", "pd") and key != "all":
                raise MissionFinanceError(f"{ctx}.{fam}.{key}: unknown key; use {fam}.all")
            out[key] = _dist(table[key], f"{ctx}.{fam}.{key}")
        factors[fam] = out
    return Uncertainty(seed=int(seed), defaults=defaults, factors=factors)


def check_instruments(unc: Uncertainty, instruments: set[str], ctx: str) -> None:
    """Every ``leverage.<instrument>`` names an instrument of the scenario."""
    for key in unc.factors.get("leverage", {}):
        if key != "all" and key not in instruments:
            raise MissionFinanceError(f"{ctx}.leverage.{key}: unknown instrument {key!r}; use "
                                      f"'all' or one of {', '.join(sorted(instruments))}")


@dataclass(frozen=True)
class Draws:
    """Factors of n draws.

    Leverage (n, I), additionality (n, P), yields (n, M, P) with their factors
    ``yield_factor`` (n, M, P), and whether each project delivers (n, P) or None.
    """

    leverage: np.ndarray
    additionality: np.ndarray
    yields: np.ndarray
    delivers: np.ndarray | None
    yield_factor: np.ndarray


def _factor(d: Distribution | None, rng: np.random.Generator, n: int, P: int) -> np.ndarray:
    """(n, P) factors (a shared draw broadcast over projects)."""
    if d is None:
        return np.ones((n, P))
    if d.per_project:
        return d.draw(rng, (n, P))
    return np.repeat(d.draw(rng, (n, 1)), P, axis=1)


def draw_factors(unc: Uncertainty, arrays: OutcomeArrays, base: AllocationInputs, n: int,
                 seed: int | None = None) -> Draws:
    """All factors of n draws, in the documented order."""
    rng = np.random.default_rng(unc.seed if seed is None else seed)
    P = len(arrays.project_ids)
    M = len(arrays.milestones)
    fy = unc.factors.get("yield", {})
    yields = np.empty((n, M, P))
    factor = np.empty((n, M, P))
    shared = _factor(fy.get("all"), rng, n, P)
    for k, m in enumerate(arrays.milestones):
        own = _factor(fy.get(m.id), rng, n, P) if m.id in fy else np.ones((n, P))
        factor[:, k, :] = shared * own
        yields[:, k, :] = arrays.yields[k][None, :] * factor[:, k, :]
    fl = unc.factors.get("leverage", {})
    lev_all = _factor(fl.get("all"), rng, n, 1)
    lev = np.empty((n, len(base.instruments)))
    for i, name in enumerate(base.instruments):
        own = _factor(fl.get(name), rng, n, 1) if name in fl else np.ones((n, 1))
        lev[:, i] = (lev_all * own)[:, 0]
    add = _factor(unc.factors.get("additionality", {}).get("all"), rng, n, P)
    pdf = _factor(unc.factors.get("pd", {}).get("all"), rng, n, P)
    delivers = None
    if unc.defaults:
        pd_draw = np.clip(base.pd[None, :] * pdf, 0.0, 1.0)
        delivers = rng.uniform(0.0, 1.0, (n, P)) >= pd_draw
    return Draws(lev, add, yields, delivers, factor)


#: Draws evaluated together (bounds memory; results do not depend on it).
BLOCK = 250


@dataclass(frozen=True)
class Simulation:
    """Contribution of n draws, (n, M, Y) milestone units, and the draws' projected paths."""

    contribution: np.ndarray
    projected: np.ndarray
    seed: int

    @property
    def n(self) -> int:
        """Number of draws."""
        return int(self.contribution.shape[0])


def simulate_arrays(unc: Uncertainty, arrays: OutcomeArrays, base: AllocationInputs, n: int,
                    seed: int | None = None) -> Simulation:
    """Evaluate the allocation over n draws (vectorised, in blocks of :data:`BLOCK`)."""
    if n < 1:
        raise MissionFinanceError(f"simulate: draws {n!r} must be ≥ 1")
    f = draw_factors(unc, arrays, base, n, seed)
    out = np.empty((n, len(arrays.milestones), len(arrays.years)))
    for s0 in range(0, n, BLOCK):
        s1 = min(n, s0 + BLOCK)
        inv = caused_investment(base, f.leverage[s0:s1], f.additionality[s0:s1],
                                None if f.delivers is None else f.delivers[s0:s1])
        out[s0:s1] = contributions(arrays, inv, f.yields[s0:s1])
    return Simulation(out, arrays.bau[None, :, :] + out,
                      unc.seed if seed is None else int(seed))


def summarise(sim: Simulation, arrays: OutcomeArrays) -> tuple[np.ndarray, np.ndarray,
                                                              dict[str, float]]:
    """p10 and p90 of the projected paths (M, Y), and each milestone's chance of success.

    The chance per milestone is the probability of meeting its target at the deadline
    (share of draws at or above it).
    """
    p10 = np.quantile(sim.projected, 0.1, axis=0, method="linear")
    p90 = np.quantile(sim.projected, 0.9, axis=0, method="linear")
    prob = {}
    for k, m in enumerate(arrays.milestones):
        d = arrays.deadline_index(k)
        prob[m.id] = float(np.mean(sim.projected[:, k, d] >= arrays.target[k, d] - 1e-9))
    return p10, p90, prob


def inputs_table(unc: Uncertainty) -> pd.DataFrame:
    """Each uncertain input, its distribution, 10–90% range and source."""
    rows: list[dict[str, Any]] = []
    for fam in FAMILIES:
        for key, d in unc.factors.get(fam, {}).items():
            lo, hi = d.range
            rows.append({"input": f"{fam}.{key}", "distribution": d.describe(),
                         "factor_p10": lo, "factor_p90": hi, "source": d.source})
    return pd.DataFrame(rows, columns=["input", "distribution", "factor_p10", "factor_p90",
                                       "source"])
