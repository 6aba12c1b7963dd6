"""Sanity warnings: inputs a solver accepts but an economist would question.

Each check returns sentences; :func:`~missionfinance.model.solve` raises each as a
:class:`~missionfinance.errors.MissionFinanceWarning` and records it in
``summary["warnings"]``, which the report repeats in its assumptions section.

- **Uncapped, loss-free guarantees**: with no exposure limit a guarantee on a project of
  zero expected loss costs nothing, so the model issues as much cover as private lending
  allows.
- **Leverage above the evidence**: observed blended-finance mobilisation is far below
  10:1 — ODI (2019): $0.75 of private finance per $1 of MDB/DFI blended finance on
  average, $0.37 in low-income countries, outliers up to 12 for first-loss grant funds;
  the UK Infrastructure Bank's first year ≈ 6.9; the European Court of Auditors found
  EFSI's reported 15× mobilisation overstated. A leverage above :data:`LEVERAGE_BOUND`
  needs its own evidence.
- **Contributions above 1**: with gross attribution a project's mission shares can sum
  above 100%, so mission value counts part of its money more than once.
- **Guarantees that pay for themselves under min_cost**: a guarantee whose fees exceed the
  present value of its expected calls has a negative economic cost, so ``min_cost`` issues
  it for its fees (up to the exposure limit and the lending it covers), whatever the targets.
- **Nothing allocated**: an optimal allocation of £0 usually means share limits that only
  an empty allocation meets.
"""

from __future__ import annotations

import numpy as np

from missionfinance.model.problem import AllocationProblem, ProblemData

#: Highest private £ per public £ with observed precedent (ODI 2019: first-loss grant
#: funds up to 12); leverage inputs above it are warned about.
LEVERAGE_BOUND = 12.0


def input_warnings(problem: AllocationProblem, d: ProblemData) -> list[str]:
    """Warnings about the inputs, before solving (see the module docstring)."""
    out: list[str] = []
    guar = d.eligible & ~d.cash[None, :] & (d.leverage > 0)
    uncapped = not problem.exposure or not problem.enabled("exposure")
    if uncapped and guar.any():
        free = np.flatnonzero(guar.any(axis=1) & (d.expected_loss == 0))
        if free.size:
            ids = ", ".join(str(p) for p in d.project_ids[free[:3]])
            out.append(f"guarantee exposure is uncapped (no [exposure] limit) and {free.size} "
                       f"project(s) ({ids}{', …' if free.size > 3 else ''}) carry no expected "
                       "loss (pd × lgd = 0): their guarantees cost nothing and are limited "
                       "only by private lending; give [exposure] limits or a pd")
    high = d.eligible & (d.leverage > LEVERAGE_BOUND)
    if high.any():
        p, i = (int(a[0]) for a in np.nonzero(high))
        out.append(f"{int(high.sum())} leverage input(s) exceed {LEVERAGE_BOUND:g} private £ "
                   f"per public £ (e.g. project {d.project_ids[p]} leverage_"
                   f"{d.instruments[i]} = {d.leverage[p, i]:g}); observed blended-finance "
                   "mobilisation is 0.37–0.75 on average and at most about 12 (ODI 2019): "
                   "check the source")
    if problem.objective == "min_cost":
        gain = ~d.cash[d.xi] & (d.econ < 0)
        if gain.any():
            pids = np.unique(d.xp[gain])
            ids = ", ".join(str(p) for p in d.project_ids[pids[:3]])
            out.append(f"min_cost: guarantees on {pids.size} project(s) ({ids}"
                       f"{', …' if pids.size > 3 else ''}) have a negative economic cost (fees "
                       "above the present value of expected calls), so the cheapest allocation "
                       "issues them for their fees, up to the exposure limit and the lending "
                       "they cover; check fee_rate and pd, or limit [exposure]")
    total = d.contrib.sum(axis=1)
    over = np.flatnonzero(total > 1 + 1e-9)
    if over.size:
        out.append(f"{over.size} of {len(total)} projects have mission contributions summing "
                   f"above 1 (up to {total.max():.2f}; gross attribution): mission value "
                   "counts part of their money more than once; use attribution = 'net'")
    return out


def empty_warning(problem: AllocationProblem, committed: float, binding: list[str]) -> str:
    """The warning for an optimal allocation that commits nothing, naming binding limits."""
    rows = ", ".join(binding[:5]) or "none"
    return (f"the allocation commits nothing although {len(problem.projects)} projects are in "
            f"the pipeline (£{committed:g}m); binding limits: {rows}; share limits that only "
            "an empty allocation meets, or zero budgets, are the usual cause")
