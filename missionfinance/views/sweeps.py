"""Sweep frames: the efficient frontier of a sweep's variants."""

from __future__ import annotations

import pandas as pd

# --------------------------------------------------------------------------- sweeps


def efficient_frontier(
    table: pd.DataFrame, x: str, y: str, *, minimise_x: bool = True, maximise_y: bool = True
) -> pd.DataFrame:
    """Variants not dominated in (x, y): e.g. ``x="public_total"``, ``y="private_total"``.

    A variant is on the frontier when no other optimal variant has an x at least as good
    and a y strictly better (or the reverse). Returns those rows sorted by x.

    Examples
    --------
    >>> t = pd.DataFrame({"status": ["optimal"] * 3, "cost": [1, 2, 3], "gain": [5, 4, 9]})
    >>> efficient_frontier(t, "cost", "gain")["cost"].tolist()
    [1, 3]
    """
    ok = table[table["status"] == "optimal"].dropna(subset=[x, y])
    xs = ok[x].to_numpy(float) * (1 if minimise_x else -1)
    ys = ok[y].to_numpy(float) * (-1 if maximise_y else 1)  # lower is better for both now
    dominated = ((xs[None, :] <= xs[:, None]) & (ys[None, :] <= ys[:, None])
                 & ((xs[None, :] < xs[:, None]) | (ys[None, :] < ys[:, None]))).any(axis=1)
    return ok[~dominated].sort_values(x, kind="stable").reset_index(drop=True)
