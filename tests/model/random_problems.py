"""Random allocation problems for the property tests (seeded numpy, small sizes)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from missionfinance.instruments import DEFAULT_INSTRUMENTS
from missionfinance.model import (
    AllocationProblem,
    CvarLimit,
    InstrumentMix,
    MissionBound,
    RegionalShare,
)

YEARS = ("2026-27", "2027-28", "2028-29")
MISSIONS = ("growth", "clean-energy", "health")
REGIONS = ("London", "South East", "North East", "Scotland", "Wales")


def random_problem(seed: int, n: int = 12, families: bool = True, cvar: bool = False,
                   scale: float = 1.0, plan: bool = True) -> AllocationProblem:
    """A feasible-by-construction problem: floors and shares are loose enough for x = 0
    except where noted; budgets are positive. ``scale`` multiplies every amount. ``plan``
    adopts the even drawdown and the financing plan (so that guarantees on projects with no
    private capacity stay bounded without an exposure limit)."""
    rng = np.random.default_rng(seed)
    names = list(DEFAULT_INSTRUMENTS)
    elig = rng.random((n, len(names))) < 0.6
    elig[np.arange(n), rng.integers(0, len(names), n)] = True
    lev = np.where(elig, np.round(rng.uniform(0, 4, (n, len(names))), 2), np.nan)
    g = names.index("guarantee")
    lev[:, g] = np.where(elig[:, g], 1.0 + np.round(rng.uniform(0, 1, n), 2), np.nan)  # 1/cover
    start = rng.integers(0, len(YEARS), n)
    end = np.minimum(len(YEARS) - 1, start + rng.integers(0, len(YEARS), n))
    frame = pd.DataFrame({
        "project_id": [f"P{k:03d}" for k in range(n)],
        "region": rng.choice(REGIONS, n),
        "capacity": np.round(rng.uniform(5, 200, n), 2) * scale,
        "private_capacity": np.where(rng.random(n) < 0.5, np.nan,
                                     np.round(rng.uniform(0, 300, n), 2) * scale),
        "instruments": [";".join(x for x, e in zip(names, row, strict=True) if e)
                        for row in elig],
        "pd": np.round(rng.uniform(0, 0.3, n), 3),
        "lgd": np.round(rng.uniform(0.2, 0.8, n), 2),
        "additionality": np.round(rng.uniform(0.2, 1.0, n), 2),
        "start_year": [YEARS[k] for k in start],
        "end_year": [YEARS[k] for k in end],
    })
    for k, name in enumerate(names):
        frame[f"leverage_{name}"] = lev[:, k]
    inside = ("London", "South East")
    if families and frame["region"].isin(inside).all():  # the regional floor needs a project
        frame.loc[0, "region"] = next(r for r in REGIONS if r not in inside)  # outside them
    contrib = pd.DataFrame(np.round(rng.uniform(0, 1, (n, len(MISSIONS))), 2)
                           * (rng.random((n, len(MISSIONS))) < 0.6),
                           index=frame["project_id"], columns=list(MISSIONS))
    contrib = contrib.div(np.maximum(1.0, contrib.sum(axis=1)), axis=0)  # net: shares ≤ 1
    budget = {
        "CDEL": {y: float(np.round(rng.uniform(20, 150), 1)) * scale for y in YEARS},
        "FT": {y: float(np.round(rng.uniform(20, 150), 1)) * scale for y in YEARS[:2]},
        "RDEL": {YEARS[1]: float(np.round(rng.uniform(2, 20), 1)) * scale},
    }
    kw: dict[str, object] = {}
    if families:
        kw = dict(
            exposure={YEARS[1]: float(rng.uniform(50, 300)) * scale},
            exposure_runoff=float(rng.choice([0.0, 0.2])),
            expected_loss_limit=float(rng.uniform(5, 30)) * scale,
            mission_bounds=(MissionBound("health", ceiling=float(rng.uniform(50, 200)) * scale),
                            MissionBound("growth", floor=float(rng.uniform(0, 5)) * scale)),
            regional=(RegionalShare("outside-london-se", ("London", "South East"),
                                    min_share=float(rng.uniform(0, 0.3)), outside=True),),
            instrument_mix=(InstrumentMix("grants", ("grant",), "clean-energy",
                                          max_share=float(rng.uniform(0.3, 0.9))),),
            leverage_segments=((0.5, 1.0), (1.0, float(rng.uniform(0.2, 0.9))))
            if rng.random() < 0.5 else (),
        )
    if cvar:
        kw["cvar"] = CvarLimit(alpha=0.9, limit=float(rng.uniform(5, 30)) * scale,
                               scenarios=40, rho=0.3, seed=seed)
    return AllocationProblem(
        years=YEARS, projects=frame, contributions=contrib, missions=MISSIONS,
        instruments=dict(DEFAULT_INSTRUMENTS), budget=budget,
        weights={"health": float(np.round(rng.uniform(0.5, 2), 2))},
        even_drawdown=plan, financing_plan=plan, **kw)  # type: ignore[arg-type]
