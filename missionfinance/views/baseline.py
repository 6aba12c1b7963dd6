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


def baseline_by_year(baseline: TaggingResult | None) -> pd.DataFrame:
    """Baseline spending lines by source and year: £m in each alignment class.

    Totals across years are never added here: a spending-review line for 2026-27 and the
    same line for 2027-28 are two years of one budget, and procurement contracts are a
    different source.
    """
    lines = getattr(baseline, "lines", None)
    tags = getattr(baseline, "tags", None)
    classes = ["favourable", "unfavourable", "mixed", "neutral", "not assessed"]
    if lines is None or tags is None or len(lines) == 0:
        return pd.DataFrame({"source": pd.Series([], dtype="str"),
                             "year": pd.Series([], dtype="str")})
    cls = _line_classes(lines, tags)
    frame = pd.DataFrame({
        "source": (lines["source"].fillna("").astype(str) if "source" in lines
                   else pd.Series("", index=lines.index)).to_numpy(),
        "year": (lines["year"].fillna("").astype(str) if "year" in lines
                 else pd.Series("", index=lines.index)).to_numpy(),
        "class": cls,
        "amount": pd.to_numeric(lines["amount"], errors="coerce").fillna(0.0).to_numpy(),
    })
    table = frame.pivot_table(index=["source", "year"], columns="class", values="amount",
                              aggfunc="sum", fill_value=0.0).reindex(columns=classes,
                                                                     fill_value=0.0)
    table.columns = [c.replace(" ", "_") for c in table.columns]
    counts = frame.groupby(["source", "year"]).size()
    table.insert(0, "lines", counts.reindex(table.index).astype("int64"))
    table["total"] = table[[c.replace(" ", "_") for c in classes]].sum(axis=1)
    out = table.reset_index()
    out.columns.name = None
    out = out.astype({"source": "str", "year": "str"})
    return out.sort_values(["source", "year"], kind="mergesort").reset_index(drop=True)


def _line_classes(lines: pd.DataFrame, tags: pd.DataFrame) -> np.ndarray:
    """Alignment class of each line (see :func:`baseline_alignment`)."""
    if "direction" in tags.columns:
        direction = tags["direction"].fillna("").astype(str).str.lower()
    else:
        direction = pd.Series(np.where(tags["weight"] > 0, "favourable",
                                       np.where(tags["weight"] < 0, "unfavourable", "neutral")),
                              index=tags.index)
    ids = tags["line_id"].astype(str)
    fav = set(ids[direction == "favourable"])
    unf = set(ids[direction == "unfavourable"])
    line_ids = lines["line_id"].astype(str)
    has_tag = line_ids.isin(set(ids))
    has_f = line_ids.isin(fav)
    has_u = line_ids.isin(unf)
    return np.select([~has_tag, has_f & has_u, has_f, has_u],
                     ["not assessed", "mixed", "favourable", "unfavourable"], default="neutral")


def coverage_by_owner(baseline: TaggingResult | None, coverage: pd.DataFrame) -> pd.DataFrame:
    """The coverage frame with buyers kept apart from departments, and signs made plain.

    Procurement lines name the buying body (a council, a school, a trust) in their
    ``department`` field; a ``department`` row whose lines all come from procurement is
    relabelled ``buyer``, and buyers follow departments. ``attributed_unfavourable`` is
    shown as a positive amount (money attributed against a mission), like the baseline by
    mission table.
    """
    lines = getattr(baseline, "lines", None)
    if len(coverage) == 0 or "dimension" not in coverage.columns:
        return coverage
    out = coverage.copy()
    if lines is not None and "source" in lines.columns and "department" in lines.columns:
        sources = lines.groupby(lines["department"].fillna("").astype(str))["source"].agg(
            lambda s: set(s.astype(str)))
        procurement_only = {d for d, s in sources.items() if s == {"procurement"}}
        is_buyer = (out["dimension"] == "department") & out["group"].astype(str).isin(
            procurement_only)
        out.loc[is_buyer, "dimension"] = "buyer"
    if "attributed_unfavourable" in out.columns:
        out["attributed_unfavourable"] = out["attributed_unfavourable"].abs()
    order = {"all": 0, "source": 1, "department": 2, "buyer": 3}
    rank = out["dimension"].map(order).fillna(len(order))
    out = out.assign(_rank=rank).sort_values(["_rank", "dimension"], kind="mergesort")
    return out.drop(columns="_rank").reset_index(drop=True)
