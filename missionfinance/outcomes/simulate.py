"""``Scenario.simulate`` and ``missionfinance simulate``: the allocation over many draws.

The scenario is solved once; its allocation is then evaluated for n draws of the uncertain
inputs of ``[outcomes.uncertainty]`` at once (no re-optimisation). The answer per milestone:
the probability of meeting its target at the deadline, and the 10th/90th percentiles of the
projected path (the fan chart's band). Files written by
:func:`missionfinance.report.simulation.write_simulation`:
``outcomes.csv`` (DESIGN §7, with p10/p90), ``simulation.json`` (draws, seed, probability
per milestone, uncertain inputs and which move each milestone most) and ``manifest.json``
— deterministic: the same seed gives byte-identical files in every process.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from missionfinance.errors import MissionFinanceError
from missionfinance.outcomes.trajectory import (
    Trajectories,
    allocation_inputs,
    trajectory_frame,
)
from missionfinance.outcomes.uncertainty import (
    FAMILIES,
    Uncertainty,
    inputs_table,
    simulate_arrays,
    summarise,
)


def simulate_run(run: Any, n: int, seed: int | None = None) -> Trajectories:
    """Trajectories of ``run``'s allocation with bands from ``n`` draws."""
    sc = run.scenario
    traj = getattr(run, "outcomes", None)
    if sc.outcomes is None:
        raise MissionFinanceError(f"{sc.path.name} key outcomes: the scenario has no [outcomes] "
                                  "table; add one with yields and uncertainty to simulate")
    if traj is None:
        raise MissionFinanceError(f"{sc.path.name}: the allocation is {run.status}, so there is "
                                  "nothing to simulate; fix the scenario first")
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise MissionFinanceError(f"simulate: draws {n!r} must be a whole number ≥ 1")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int | np.integer)
                             or seed < 0):
        raise MissionFinanceError(f"simulate: seed {seed!r} must be a whole number ≥ 0")
    arrays = traj.arrays
    base = allocation_inputs(run.allocation.allocation, run.pipeline, arrays.project_ids,
                             sc.years, sc.instruments)
    unc: Uncertainty = sc.outcomes.uncertainty
    sim = simulate_arrays(unc, arrays, base, int(n), seed)
    p10, p90, prob = summarise(sim, arrays)
    frame = trajectory_frame(arrays, arrays.bau + traj.contribution, p10, p90)
    gaps = traj.gaps.copy()
    gaps["probability"] = [prob[m] for m in gaps["milestone"]]
    return replace(traj, frame=frame, gaps=gaps, probability=prob, draws=int(n),
                   seed=sim.seed)


def sensitivity(unc: Uncertainty, arrays: Any, base: Any,
                plain: np.ndarray | None = None) -> pd.DataFrame:
    """Tornado data: each milestone's deadline outcome as one uncertain input swings.

    For each uncertain input, the deadline outcome of every milestone with that input at
    its 10th and at its 90th percentile and every other input as given. ``plain``: the
    contribution with every input as given (:func:`~missionfinance.outcomes.trajectory.
    deterministic_contribution`), when already made.

    A yield factor changes only the contribution of the milestones it applies to, and a
    default probability nothing (defaults are not drawn here), so those draws reuse the
    contribution as given for every other milestone: the numbers of evaluating each draw
    whole.
    """
    from missionfinance.outcomes.trajectory import (
        caused_investment,
        deterministic_contribution,
        milestone_contribution,
    )
    from missionfinance.outcomes.uncertainty import Distribution, simulate_arrays

    P = len(arrays.project_ids)
    invest: np.ndarray | None = None  # caused investment as given, made on first use
    rows = []
    for fam in FAMILIES:
        for key, d in unc.factors.get(fam, {}).items():
            lo, hi = d.range
            ends = []
            for v in (lo, hi):
                if fam in ("yield", "pd"):
                    if plain is None:
                        plain = deterministic_contribution(arrays, base)
                    contrib = plain.copy()
                    for k, m in enumerate(arrays.milestones):
                        if fam == "yield" and key in ("all", m.id):
                            if invest is None:
                                invest = caused_investment(
                                    base, np.ones((1, len(base.instruments))), np.ones((1, P)))
                            contrib[k] = milestone_contribution(
                                arrays, k, invest, arrays.yields[k][None, :] * np.full((1, P), v))[0]
                    ends.append(arrays.bau + contrib)
                    continue
                one = Uncertainty(seed=0, defaults=False, factors={
                    fam: {key: Distribution("fixed", {"value": v})}})
                ends.append(simulate_arrays(one, arrays, base, 1).projected[0])
            for k, m in enumerate(arrays.milestones):
                t = arrays.deadline_index(k)
                a, b = float(ends[0][k, t]), float(ends[1][k, t])
                rows.append({"milestone": m.id, "input": f"{fam}.{key}", "at_p10": a,
                             "at_p90": b, "swing": abs(b - a)})
    frame = pd.DataFrame(rows, columns=["milestone", "input", "at_p10", "at_p90", "swing"])
    return frame.sort_values(["milestone", "swing", "input"], ascending=[True, False, True],
                             ignore_index=True)


def simulation_summary(traj: Trajectories, unc: Uncertainty) -> dict[str, Any]:
    """Content of simulation.json."""
    inputs = inputs_table(unc)
    sens = traj.sensitivity if traj.sensitivity is not None else pd.DataFrame()
    most: dict[str, list[str]] = {}
    for m, grp in sens.groupby("milestone", sort=True):
        most[str(m)] = [str(x) for x in grp.loc[grp["swing"] > 0, "input"].head(3)]
    return {
        "draws": traj.draws,
        "seed": traj.seed,
        "defaults_simulated": unc.defaults,
        "probability_of_meeting": {m: traj.probability[m] for m in sorted(traj.probability)},
        "uncertain_inputs": inputs.to_dict(orient="records"),
        "moves_most": most,
    }
