"""Baseline frames: how the tagged spending lines align with the missions, and tag coverage."""

from __future__ import annotations

import numpy as np
import pandas as pd

from missionfinance.tagging import TaggingResult


def baseline_alignment(baseline: TaggingResult | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(alignment, by_mission) of the baseline spending lines.

    ``alignment`` has one row per class — favourable, unfavourable, mixed, neutral, not
    assessed — with the number of lines and their £m; a line is favourable when all its
    tags work for a mission (positive weight, or ``direction`` favourable), unfavourable
    when all work against, mixed when both, neutral when its tags carry no direction,
    and not assessed when no rule matched it; ``enabling`` when its only tags are
    ``enabling`` (relation of DESIGN §7: running costs of a body serving a mission, never
    counted as aligned). ``by_mission`` gives per mission the £m attributed for and
    against (aligned tags) and, apart, the enabling £m.
    """
    classes = ["favourable", "unfavourable", "mixed", "neutral", "enabling", "not assessed"]
    lines = getattr(baseline, "lines", None)
    tags = getattr(baseline, "tags", None)
    if lines is None or tags is None:
        empty = pd.DataFrame({"class": pd.Series(classes, dtype="str"), "lines": 0,
                              "amount": 0.0, "share_of_amount": np.nan})
        return empty, pd.DataFrame({"mission": pd.Series([], dtype="str"),
                                    "favourable": pd.Series([], dtype="float64"),
                                    "unfavourable": pd.Series([], dtype="float64")})
    if "direction" in tags.columns:
        direction = tags["direction"].fillna("").astype(str).str.lower()
    else:
        direction = pd.Series(np.where(tags["weight"] > 0, "favourable",
                                       np.where(tags["weight"] < 0, "unfavourable", "neutral")),
                              index=tags.index)
    direction = direction.where(direction.isin(["favourable", "unfavourable"]), "neutral")
    if "relation" in tags.columns:  # enabling tags are reported apart, never as aligned
        enabling = (tags["relation"].astype(str) == "enabling").to_numpy()
        direction = direction.where(~enabling | (direction == "neutral"), "enabling")
    t = pd.DataFrame({"line_id": tags["line_id"].astype(str), "d": direction})
    fav = t[t["d"] == "favourable"].groupby("line_id").size()
    unf = t[t["d"] == "unfavourable"].groupby("line_id").size()
    ids = lines["line_id"].astype(str)
    has_tag = ids.isin(set(t["line_id"]))
    has_f = ids.isin(fav.index)
    has_u = ids.isin(unf.index)
    has_e = ids.isin(set(t.loc[t["d"] == "enabling", "line_id"]))
    cls = np.select(
        [~has_tag, has_f & has_u, has_f, has_u, has_e],
        ["not assessed", "mixed", "favourable", "unfavourable", "enabling"],
        default="neutral",
    )
    amount = pd.to_numeric(lines["amount"], errors="coerce").fillna(0.0).to_numpy()
    frame = pd.DataFrame({"class": cls, "amount": amount})
    grouped = frame.groupby("class").agg(lines=("amount", "size"), amount=("amount", "sum"))
    grouped = grouped.reindex(classes).fillna({"lines": 0, "amount": 0.0})
    out = grouped.reset_index()
    out["lines"] = out["lines"].astype("int64")
    total = float(np.abs(amount).sum())
    out["share_of_amount"] = out["amount"] / total if total > 0 else np.nan
    out["class"] = out["class"].astype("str")
    attributed = pd.to_numeric(tags["amount_attributed"], errors="coerce").fillna(0.0)
    m = pd.DataFrame({"mission": tags["mission"].astype(str), "d": direction.to_numpy(),
                      "a": attributed.to_numpy()})
    per = m.pivot_table(index="mission", columns="d", values="a", aggfunc="sum", fill_value=0.0)
    per = per.reindex(columns=["favourable", "unfavourable", "enabling"], fill_value=0.0)
    per["unfavourable"] = per["unfavourable"].abs()
    per.index.name = "mission"
    by_mission_out = per.reset_index()
    by_mission_out.columns.name = None
    by_mission_out["mission"] = by_mission_out["mission"].astype("str")
    return out, by_mission_out


def coverage_table(baseline: TaggingResult | None) -> pd.DataFrame:
    """The baseline's tag coverage frame as the tagging stage reports it (copy)."""
    cov = getattr(baseline, "coverage", None)
    if cov is None:
        return pd.DataFrame()
    return cov.reset_index(drop=cov.index.name is None).copy()
