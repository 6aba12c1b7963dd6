"""The result of tagging: tags, untagged lines, coverage, explanations, contributions.

Status of a line (column ``status`` of :attr:`TaggingResult.lines`), from its tags:

``favourable``
    at least one positive weight and no negative one;
``unfavourable``
    at least one negative weight and no positive one;
``mixed``
    both (reported separately, never netted);
``neutral``
    assessed: a rule applies, but every weight is 0 ("assessed, no mission");
``not_assessed``
    no rule applies (including lines whose only matching rules were vetoed). Such a
    line is listed in ``untagged``; it is never counted as "no impact".

Coverage (:attr:`TaggingResult.coverage`) partitions each group's total amount by line
status, so ``favourable + unfavourable + mixed + neutral + not_assessed + enabling == amount`` for
every row (whole line amounts, never double-counted across missions), and adds the
attributed sums ``attributed_favourable`` (Σ positive ``amount_attributed``) and
``attributed_unfavourable`` (Σ negative ones) over *aligned* tags, which may exceed the
total under ``gross`` attribution, and ``attributed_enabling`` (Σ ``amount_attributed`` of
``enabling`` tags, reported apart, never in the aligned sums). Status ``enabling``: the line
has no aligned favourable or unfavourable tag but at least one favourable enabling tag.
Groups: ``source``, ``department`` and ``cofog_division`` (the division of a line's first
COFOG code, ``"(none)"`` when empty), plus one ``all`` row.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from missionfinance.errors import MissionFinanceError
from missionfinance.tagging.codes import cofog_labels, normalise_cofog

if TYPE_CHECKING:
    from missionfinance.tagging.rules import Override, RuleSet

def unmatched_overrides_text(overrides: Sequence[tuple[int, Override]], rules: str,
                             where: str) -> str:
    """One line saying which overrides of the rule file ``rules`` name no line of ``where``.

    ``overrides``: (1-based number, override) pairs, e.g.
    :meth:`TaggingResult.unmatched_overrides`; the first five are named.

    Examples
    --------
    >>> from missionfinance.tagging.rules import Override
    >>> unmatched_overrides_text([(2, Override("L-9", "health", 1.0, "clinic"))],
    ...                          "rules.toml", "lines.csv")
    "rules.toml: override 2 names line 'L-9' (mission health), which is not in lines.csv; \
it changes nothing: check its line_id (matched exactly)"
    """
    named = ", ".join(f"{k} names line {o.line_id!r} (mission {o.mission})"
                      for k, o in overrides[:5])
    more = f" and {len(overrides) - 5} more" if len(overrides) > 5 else ""
    if len(overrides) == 1:
        return (f"{rules}: override {named}, which is not in {where}; it changes nothing: "
                "check its line_id (matched exactly)")
    return (f"{rules}: {len(overrides)} overrides name no line in {where} (override {named}"
            f"{more}); they change nothing: check their line_id (matched exactly)")


TAG_COLUMNS = ("line_id", "mission", "weight", "amount_attributed", "rule_id", "rationale",
               "matched_on", "relation", "direction")
RELATIONS = ("aligned", "enabling")
DIRECTIONS = ("favourable", "unfavourable", "neutral")
STATUSES = ("favourable", "unfavourable", "mixed", "neutral", "not_assessed", "enabling")
COVERAGE_COLUMNS = ("dimension", "group", "label", "lines", "amount", *STATUSES,
                    "attributed_favourable", "attributed_unfavourable", "attributed_enabling",
                    "assessed_share")


@dataclass(frozen=True, repr=False, eq=False)
class TaggingResult:
    """What :func:`~missionfinance.tagging.tag` returns.

    Attributes
    ----------
    lines : pandas.DataFrame
        The input lines (a copy) plus ``status`` (see the module docstring),
        ``positive_weight`` (float [share], sum of the line's positive *gross* weights),
        ``over_allocated`` (bool, ``positive_weight > 1``: the flag DESIGN §3.3 asks for)
        and ``net_scale`` (float, the factor ``net`` attribution applied to positive
        weights; 1 under ``gross``).
    tags : pandas.DataFrame
        DESIGN §3.4, one row per (line, mission): ``line_id`` (str), ``mission``,
        ``weight`` (float [share], after attribution), ``amount_attributed`` (float [£m]),
        ``rule_id`` (``"override"`` for an analyst override), ``rationale`` (the rule's, or
        the override's reason), ``matched_on`` (e.g. ``"cpv:0931; keyword:offshore wind"``),
        ``direction`` (favourable / unfavourable / neutral). Sorted by line order, then
        mission order. Repeated text columns are categoricals.
    untagged : pandas.DataFrame
        The input lines (a copy) that no rule applies to.
    coverage : pandas.DataFrame
        Amounts by status per source, department and COFOG division (module docstring);
        worked out when first read.
    attribution : str
        ``"net"`` or ``"gross"``.
    rules : RuleSet
    """

    lines: pd.DataFrame
    tags: pd.DataFrame
    untagged: pd.DataFrame
    attribution: str
    rules: RuleSet
    _frame: pd.DataFrame
    _coverage_of: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] = field(repr=False)
    """Status of each line, then line, amount attributed and relation of each tag."""

    @cached_property
    def coverage(self) -> pd.DataFrame:
        """Amounts by status per source, department and COFOG division (module docstring).

        Worked out when first read (a run's allocation needs the tags only), then kept.
        """
        return _coverage(self._frame, *self._coverage_of)

    @classmethod
    def build(
        cls,
        *,
        frame: pd.DataFrame,
        source_lines: pd.DataFrame,
        rules: RuleSet,
        attribution: str,
        t_line: np.ndarray,
        t_mission: np.ndarray,
        t_weight: np.ndarray,
        t_src: np.ndarray,
        t_enab: np.ndarray,
        t_mo: np.ndarray,
        mo_cats: list[str],
        positive: np.ndarray,
        scale: np.ndarray,
    ) -> TaggingResult:
        """Assemble the frames from the engine's integer arrays (internal)."""
        n_rules = len(rules.rules)
        mission_ids = list(rules.missions.ids)
        amount = frame["amount"].to_numpy(dtype=np.float64)
        rule_ids = [r.id for r in rules.rules] + ["override"]
        rule_code = np.where(t_src >= 0, t_src, n_rules)
        texts = [r.rationale for r in rules.rules] + [o.reason for o in rules.overrides]
        text_code, text_cats = pd.factorize(pd.Series(texts, dtype=object))
        src_idx = np.where(t_src >= 0, t_src, n_rules - t_src - 1)
        rationale_code = text_code[src_idx] if len(src_idx) else src_idx
        mo_all = [*mo_cats, "override"]
        mo_code = np.where(t_mo == -2, len(mo_cats), t_mo)
        direction_code = np.where(t_weight > 0, 0, np.where(t_weight < 0, 1, 2))
        tags = pd.DataFrame(
            {
                "line_id": frame["line_id"].take(t_line).reset_index(drop=True),
                "mission": pd.Categorical.from_codes(t_mission, categories=mission_ids),
                "weight": t_weight,
                "amount_attributed": t_weight * amount[t_line],
                "rule_id": _categorical(rule_code, rule_ids),
                "rationale": pd.Categorical.from_codes(rationale_code, categories=list(text_cats)),
                "matched_on": _categorical(mo_code, mo_all),
                "relation": pd.Categorical.from_codes(t_enab.astype(np.int8), categories=list(RELATIONS)),
                "direction": pd.Categorical.from_codes(direction_code, categories=list(DIRECTIONS)),
            }
        )
        n = len(frame)
        n_tags = np.bincount(t_line, minlength=n)
        aligned = ~t_enab
        n_pos = np.bincount(t_line, weights=((t_weight > 0) & aligned).astype(np.float64), minlength=n)
        n_neg = np.bincount(t_line, weights=((t_weight < 0) & aligned).astype(np.float64), minlength=n)
        n_enab = np.bincount(t_line, weights=((t_weight > 0) & t_enab).astype(np.float64), minlength=n)
        status_code = np.select(
            [n_tags == 0, (n_pos > 0) & (n_neg > 0), n_pos > 0, n_neg > 0, n_enab > 0],
            [4, 2, 0, 1, 5],
            default=3,
        )
        base = source_lines.reset_index(drop=True)  # a new frame: copy-on-write keeps the input intact
        base["status"] = pd.Categorical.from_codes(status_code, categories=list(STATUSES))
        base["positive_weight"] = positive
        base["over_allocated"] = positive > 1.0 + 1e-12
        base["net_scale"] = scale
        untagged = source_lines.reset_index(drop=True).loc[n_tags == 0]
        return cls(base, tags, untagged, attribution, rules, frame,
                   (status_code, t_line, t_weight * amount[t_line], t_enab))

    # ------------------------------------------------------------------ views
    def contributions(self, ids: Sequence[str] | None = None, relation: str = "aligned") -> pd.DataFrame:
        """Attributed weight of each line to each mission.

        Only ``aligned`` tags count by default: an ``enabling`` tag (evidence only about who
        spends) is never added into a mission's aligned total unless asked for.

        Parameters
        ----------
        relation : {"aligned", "enabling", "all"}
            Which tags to count (``all``: aligned plus enabling).
        ids : sequence of str, optional
            Line ids (or project ids) to return, in that order; default every line in
            input order.

        Returns
        -------
        pandas.DataFrame
            Index ``line_id``, one float column [share] per mission id of the rule set's
            mission set, 0 where a line has no tag for that mission.
        """
        line_ids = pd.Index(self._frame["line_id"], name="line_id")
        mission_ids = list(self.rules.missions.ids)
        mat = np.zeros((len(line_ids), len(mission_ids)), dtype=np.float64)
        li = line_ids.get_indexer(self.tags["line_id"])
        if relation not in (*RELATIONS, "all"):
            raise MissionFinanceError(f"contributions: relation {relation!r} unknown; use 'aligned', 'enabling' or 'all'")
        keep = np.ones(len(self.tags), dtype=bool) if relation == "all" else (self.tags["relation"] == relation).to_numpy()
        np.add.at(mat, (li[keep], self.tags["mission"].cat.codes.to_numpy()[keep]), self.tags["weight"].to_numpy()[keep])
        out = pd.DataFrame(mat, index=line_ids, columns=pd.Index(mission_ids, name="mission"))
        if ids is None:
            return out
        if not isinstance(ids, pd.Series | pd.Index | np.ndarray):
            ids = list(ids)
        pos = line_ids.get_indexer(pd.Index(ids, dtype="str"))
        if (pos < 0).any():
            missing = list(ids)[int(np.flatnonzero(pos < 0)[0])]
            raise MissionFinanceError(f"contributions: line_id {missing!r} is not among the tagged lines")
        return out.iloc[pos]

    def by_mission(self, by: str | Sequence[str] | None = None) -> pd.DataFrame:
        """£m attributed to each mission, optionally split by a column of the lines.

        Parameters
        ----------
        by : str or sequence of str, optional
            Column(s) of :attr:`lines` to split by, e.g. ``"year"``, ``"source"`` or
            ``["source", "year"]``. Default: one ``amount`` column, all lines added (which
            adds years and sources together: split by them to read one budget year).

        Returns
        -------
        pandas.DataFrame
            Index ``mission`` (every mission of the rule set, in its order); one float
            column [£m] per value of ``by`` (sorted), or ``amount``. Amounts are
            ``amount_attributed``: net of money attributed against a mission (negative).

        Examples
        --------
        >>> import missionfinance as mf, pandas as pd
        >>> lines = pd.DataFrame({"line_id": ["a", "b"], "description": ["offshore wind port",
        ...     "offshore wind farm"], "amount": [10.0, 5.0], "year": ["2026-27", "2027-28"]})
        >>> tags = mf.tag(lines, mf.RuleSet.load("builtin:uk"))
        >>> tags.by_mission("year").loc["clean-energy"]
        year
        2026-27    5.0
        2027-28    5.0
        Name: clean-energy, dtype: float64
        >>> bool((tags.by_mission("year").sum(axis=1) == tags.by_mission()["amount"]).all())
        True
        """
        mission_ids = list(self.rules.missions.ids)
        amounts = self.tags["amount_attributed"].astype("float64").to_numpy()
        missions = self.tags["mission"].astype(str).to_numpy()
        if by is None:
            out = pd.Series(amounts, index=missions).groupby(level=0).sum()
            frame = out.reindex(mission_ids, fill_value=0.0).rename("amount").to_frame()
            frame.index.name = "mission"
            return frame
        keys = [by] if isinstance(by, str) else list(by)
        missing = [k for k in keys if k not in self.lines.columns]
        if missing:
            raise MissionFinanceError(
                f"by_mission: the lines have no column {missing[0]!r}; choose from "
                f"{', '.join(map(str, self.lines.columns))}")
        lookup = self.lines.drop_duplicates("line_id").set_index(
            self.lines.drop_duplicates("line_id")["line_id"].astype(str))
        ids = self.tags["line_id"].astype(str)
        frame = pd.DataFrame({"mission": missions, "amount": amounts})
        for key in keys:
            frame[key] = lookup[key].reindex(ids).fillna("").astype(str).to_numpy()
        table = frame.pivot_table(index="mission", columns=keys if len(keys) > 1 else keys[0],
                                  values="amount", aggfunc="sum", fill_value=0.0, sort=True)
        return table.reindex(mission_ids, fill_value=0.0).rename_axis(index="mission")

    def unmatched_overrides(self) -> tuple[tuple[int, Override], ...]:
        """The rules' overrides that name no line tagged here, with their 1-based numbers.

        An override applies to the line whose ``line_id`` it names exactly; one naming no
        line changes nothing. A rule file may hold overrides for other line sets (the
        baseline's and the pipeline's, say), so this is for the caller to report.
        """
        ids = set(self.lines["line_id"].astype(str))
        return tuple((k, o) for k, o in enumerate(self.rules.overrides, start=1)
                     if o.line_id not in ids)

    def summary_text(self) -> str:
        """A short coverage summary (the text ``missionfinance tag`` prints)."""
        total = self.coverage[self.coverage["dimension"] == "all"].iloc[0]
        amt = float(total["amount"])

        def share(x: float) -> str:
            return f"{round(100.0 * x / amt, 1) + 0.0:.1f}%" if amt else "n/a"

        def m(x: float) -> str:
            return f"£{round(float(x), 1) + 0.0:,.1f}m"

        n = len(self._frame)
        lines = [
            f"Tagged {n:,} lines, {m(amt)}, with {len(self.rules.rules)} rules "
            f"({self.rules.source}), attribution {self.attribution}: {len(self.tags):,} tags, "
            f"{len(self.untagged):,} lines not assessed.",
        ]
        parts = [f"{s.replace('_', ' ')} {m(total[s])} ({share(float(total[s]))})" for s in STATUSES]
        lines.append("By line status: " + "; ".join(parts) + ".")
        tg = self.tags
        al = tg[tg["relation"] == "aligned"]
        en = tg[tg["relation"] == "enabling"]
        fav = al["amount_attributed"].where(al["weight"] > 0, 0.0).groupby(al["mission"], observed=False).sum()
        unf = al["amount_attributed"].where(al["weight"] < 0, 0.0).groupby(al["mission"], observed=False).sum()
        counts = al.groupby("mission", observed=False).size()
        enab = en["amount_attributed"].where(en["weight"] > 0, 0.0).groupby(en["mission"], observed=False).sum()
        ms = [
            f"{mid} {m(fav[mid])}" + (f" (against {m(-unf[mid])})" if unf[mid] < 0 else "")
            + f" [{int(counts[mid]):,} lines]"
            for mid in self.rules.missions.ids
        ]
        lines.append("Aligned by mission: " + "; ".join(ms) + ".")
        lines.append("Enabling (running costs of bodies serving a mission; not in aligned totals): "
                     + "; ".join(f"{mid} {m(enab[mid])}" for mid in self.rules.missions.ids) + ".")
        over = int(self.lines["over_allocated"].sum())
        if over:
            how = "scaled down under net attribution" if self.attribution == "net" else "kept under gross attribution"
            lines.append(f"{over:,} lines have positive weights summing above 1 ({how}).")
        return "\n".join(lines)

    def __repr__(self) -> str:
        total = self.coverage[self.coverage["dimension"] == "all"].iloc[0]
        amt = float(total["amount"])
        assessed = amt - float(total["not_assessed"])
        pct = f"{100 * assessed / amt:.1f}%" if amt else "n/a"
        return (
            f"TaggingResult({len(self._frame):,} lines, {len(self.tags):,} tags, "
            f"{len(self.untagged):,} untagged, assessed {pct} of £{amt:,.1f}m, {self.attribution})"
        )

    def _repr_html_(self) -> str:
        cov = self.coverage[self.coverage["dimension"].isin(["all", "source"])]
        return (
            f"<div><b>TaggingResult</b> {html.escape(repr(self))}"
            f"<pre>{html.escape(self.summary_text())}</pre>"
            f"{cov.to_html(index=False, float_format=lambda x: f'{x:,.1f}')}</div>"
        )

    # ------------------------------------------------------------------ explain
    def explain(self, line_id: str) -> str:
        """Explain one line: every rule that matched or was vetoed, and why each winner won.

        Parameters
        ----------
        line_id : str

        Returns
        -------
        str
            A plain-text explanation (several lines).
        """
        from missionfinance.tagging.explain import explain_line

        ids = pd.Index(self._frame["line_id"])
        pos = ids.get_indexer([str(line_id)])[0]
        if pos < 0:
            raise MissionFinanceError(f"explain: line_id {line_id!r} not found among the {len(ids):,} lines")
        return explain_line(self, int(pos))


def _categorical(codes: np.ndarray, labels: list[str]) -> pd.Categorical:
    """Categorical from codes into ``labels``, which may repeat (repeats are merged)."""
    remap, uniq = pd.factorize(pd.Series(labels, dtype=object))
    return pd.Categorical.from_codes(remap[codes] if len(codes) else codes, categories=list(uniq))


def _coverage(
    frame: pd.DataFrame, status_code: np.ndarray, t_line: np.ndarray, t_amount: np.ndarray,
    t_enab: np.ndarray,
) -> pd.DataFrame:
    n = len(frame)
    amount = frame["amount"].to_numpy(dtype=np.float64)
    al = ~t_enab
    att_fav = np.bincount(t_line, weights=np.where((t_amount > 0) & al, t_amount, 0.0), minlength=n)
    att_unf = np.bincount(t_line, weights=np.where((t_amount < 0) & al, t_amount, 0.0), minlength=n)
    att_enab = np.bincount(t_line, weights=np.where(t_enab, t_amount, 0.0), minlength=n)
    codes, uniq = pd.factorize(frame["cofog"], sort=False)
    first = normalise_cofog(pd.Series(np.asarray(uniq, dtype=object), dtype="str")).str.split(";").str[0]
    div_u = first.fillna("").str.split(".").str[0].fillna("")
    div_u = div_u.where(div_u != "", "(none)").to_numpy(dtype=object)
    division = pd.Series(div_u[codes] if len(codes) else np.empty(0, dtype=object), dtype="str")
    dims = {
        "all": pd.Series(["all"] * n, dtype="str"),
        "source": frame["source"].where(frame["source"] != "", "(none)"),
        "department": frame["department"].where(frame["department"] != "", "(none)"),
        "cofog_division": division,
    }
    columns = {f"s{k}": np.where(status_code == k, amount, 0.0) for k in range(len(STATUSES))}
    columns |= {"amount": amount, "af": att_fav, "au": att_unf, "ae": att_enab}
    labels = cofog_labels()
    out: list[pd.DataFrame] = []
    for dim, key in dims.items():
        codes, uniq = pd.factorize(key, sort=True)
        groups = [str(x) for x in uniq] if len(uniq) or dim != "all" else ["all"]
        m = len(groups)
        sums = {c: np.bincount(codes, weights=v, minlength=m) if len(codes) else np.zeros(m)
                for c, v in columns.items()}
        part = pd.DataFrame(
            {
                "dimension": dim,
                "group": groups,
                "label": [labels.get(g, "") for g in groups] if dim == "cofog_division" else "",
                "lines": np.bincount(codes, minlength=m).astype(np.int64) if len(codes) else np.zeros(m, np.int64),
                "amount": sums["amount"],
                **{s: sums[f"s{k}"] for k, s in enumerate(STATUSES)},
                "attributed_favourable": sums["af"],
                "attributed_unfavourable": sums["au"],
                "attributed_enabling": sums["ae"],
            }
        )
        with np.errstate(divide="ignore", invalid="ignore"):
            part["assessed_share"] = np.where(
                part["amount"] != 0, 1.0 - part["not_assessed"] / part["amount"], np.nan
            )
        out.append(part)
    cov = pd.concat(out, ignore_index=True)
    return cov[list(COVERAGE_COLUMNS)]
