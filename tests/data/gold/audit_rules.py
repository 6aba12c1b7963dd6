"""Per-rule precision audit of the default UK rules on the real lines outside every gold set.

``PYTHONPATH=. python tests/data/gold/audit_rules.py draw`` tags the *population* — every
CRA 2018 segment of 2017-18 (one line per segment), every SR25 department row and every OCDS
notice of Contracts Finder 2014 and 2025, Public Contracts Scotland 2019 and Sell2Wales 2025,
less every line (and CRA segment) of the gold, holdout, dev2, dev3 and frozen samples — and
draws, seeded, up to ``PER_KEY`` aligned favourable tags per (rule, matched keyword or
code) into ``audit_sample.csv``. Each drawn tag is judged by hand against the labelling
conventions of docs/tagging.md, in ``audit_judgements.csv`` (``line_id, mission, verdict,
reason``; verdict ``ok``, ``wrong`` or ``enabling``: the line is only a mission body's
running costs). ``... report`` joins both and prints, per rule and per keyword, how many
drawn hits were judged right, and how many of the wrong ones the current rules still make:
the evidence behind each change to ``rules_uk.toml`` (the TOML comments cite this audit).
``... mission`` draws a random sample of ``PER_MISSION`` aligned tags per mission
(``audit_mission_sample.csv``, judged in the same file), for the population precision per
mission; ``report`` prints it too.

``audit_sample.csv`` was drawn with the ``missionfinance`` package (rules and engine) of commit
7d01620, before the audit (put that commit's package on ``PYTHONPATH`` to redraw it byte for
byte), and ``audit_mission_sample.csv`` with that of commit aa03a8e (``--rules PATH`` draws from another rule file). ``report`` reads whatever
rules are current, so it also shows which judged-wrong tags the revised rules no longer make.

Second audit (tests/data/gold/README.md, "Second population audit"). ``mission2`` draws, with
seed ``SEED2`` and the rules as they are, ``PER_MISSION`` aligned favourable tags per mission
from the population left after the first audit: the population less ``dev4.csv``'s lines and
segments and every line of ``audit_sample.csv`` and ``audit_mission_sample.csv``, with each
SR25 department row counted once (its years share one text; one year drawn at random). They go
to ``audit2_sample.csv`` and are judged in ``audit2_judgements.csv`` (same columns and verdicts
as the first round). ``recall2`` draws from the same population, seeded, ``RECALL_CRA`` CRA
segments, every OCDS notice and ``RECALL_SR`` SR25 rows among the lines the rules give no aligned
tag (untagged, enabling-only or neutral) into ``audit2_recall_sample.csv``; each is labelled
by hand in ``audit2_recall.csv`` (``line_id, missions, enabling, reason``, the gold sets'
conventions). ``report2`` prints, for both samples, the judged precision per mission of the
drawn tags and of the current rules, and the recall sample's missions the current rules now
find (and the tags they add that the labels do not hold). ``dev`` prints the aggregate
precision and recall of the current rules on the development sets (``gold``, ``holdout``,
``dev2``, ``dev3``, ``dev4``); it never reads ``frozen.csv``.

The 2017-18 population left gives few tags of some missions (2 health, 10 safer-streets), so
``mission2x`` and ``recall2x`` draw more from CRA segments that have no spending in 2017-18 but
some in 2013-14 to 2016-17 (one line per segment, its latest year with spending; no segment of
any sample, :func:`earlier_segments`): ``mission2x`` tops each mission up to ``PER_MISSION``
drawn tags (``audit2x_sample.csv``), ``recall2x`` draws ``RECALL_EARLIER`` untagged segments
(``audit2x_recall_sample.csv``); they are judged in the same two files and ``report2``
counts them with the first draws. ``recall2c`` then takes every other untagged CRA line of
both (a census of the CRA lines the two recall samples left: ``audit2c_recall_sample.csv``),
labelled in ``audit2_recall.csv`` too; ``report2`` prints the recall census apart. All five samples were drawn with the rules of commit d85dec7
(the rules before the second audit; ``--rules`` with that commit's ``rules_uk.toml``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

HERE = Path(__file__).parent
ROOT = HERE.parents[2]
REAL = ROOT / "scenarios" / "data" / "real"
CF14 = ROOT / "tests" / "data" / "ocds-cf-2014" / "release-packages-ocds1.0"
SAMPLES = (
    "sample.csv",
    "holdout_sample.csv",
    "dev2_sample.csv",
    "dev3_sample.csv",
    "frozen_sample.csv",
)
COLUMNS = ["line_id", "source", "department", "programme", "description", "cofog", "cpv", "amount"]
SEED = 1128
PER_KEY = 6
PER_MISSION = 40
MAX_TEXT = 400
SEED2 = 2811
RECALL_CRA = 110
RECALL_SR = 8
RECALL_EARLIER = 40
#: Lines already read by the first audit or labelled in dev4: not drawn again.
ROUND1 = ("dev4_sample.csv", "audit_sample.csv", "audit_mission_sample.csv")
DEV_SETS = ("gold.csv", "holdout.csv", "dev2.csv", "dev3.csv", "dev4.csv")


def population() -> pd.DataFrame:
    """Real lines not in any gold sample (CRA: no segment of any sample), as ``read_lines`` reads them."""
    from missionfinance.io import read_lines

    used: set[str] = set()
    for name in SAMPLES:
        used |= set(
            pd.read_csv(HERE / name, dtype=str, keep_default_na=False, usecols=["line_id"])[
                "line_id"
            ]
        )
    segments = {i.split("-")[2] for i in used if i.startswith("CRA-")}
    cra = read_lines(REAL / "cra_2018_database.csv.gz")
    cra = cra[(cra["year"] == "2017-18") & (cra["amount"] != 0)]
    cra = cra[~cra["line_id"].str.split("-").str[2].isin(segments)]
    cra = cra.drop_duplicates(["department", "programme", "cofog"]).assign(source="cra")
    parts = [cra]
    sr = pd.concat(
        [
            read_lines(REAL / n)
            for n in ("sr25_table_5_3_rdel_excl_depreciation.csv", "sr25_table_5_4_cdel.csv")
        ],
        ignore_index=True,
    )
    parts.append(sr)
    for name, label in (
        ("contracts-finder-2025.release-package.json", "cf2025"),
        ("public-contracts-scotland-2019.release-package.json", "pcs2019"),
        ("sell2wales-2025.release-package.json", "s2w2025"),
    ):
        parts.append(
            read_lines(REAL / name, rates={"EUR": 0.85}).assign(source=f"procurement-{label}")
        )
    cf14 = pd.concat([read_lines(f) for f in sorted(CF14.glob("*.json"))], ignore_index=True)
    parts.append(cf14.assign(source="procurement-cf2014"))
    out = pd.concat(parts, ignore_index=True)
    out = out[~out["line_id"].isin(used)].drop_duplicates("line_id")
    for col in COLUMNS:
        if col not in out:
            out[col] = ""
    out = out[COLUMNS].reset_index(drop=True)
    out["description"] = (
        out["description"].str.replace(r"\s+", " ", regex=True).str.slice(0, MAX_TEXT)
    )
    return out


def aligned_tags(lines: pd.DataFrame, rules_spec: str = "builtin:uk") -> pd.DataFrame:
    """Aligned favourable tags of the lines, one row per (line, mission), with the line's columns."""
    from missionfinance.tagging import RuleSet, tag

    result = tag(lines, RuleSet.load(rules_spec))
    tags = result.tags
    tags = tags[(tags["relation"] == "aligned") & (tags["weight"] > 0)]
    tags = tags[["line_id", "mission", "weight", "rule_id", "matched_on"]].astype(
        {"mission": str, "rule_id": str, "matched_on": str}
    )
    return tags.merge(lines, on="line_id", how="left")


def _keys(matched_on: str) -> list[str]:
    """The audit keys of one tag: each keyword matched, else the codes (``cpv:0931``)."""
    parts = [p.strip() for p in matched_on.split(";") if p.strip()]
    words = [p for p in parts if p.startswith(("keyword:", "weak_keyword:"))]
    return words or ["; ".join(parts)]


def draw(rules_spec: str) -> pd.DataFrame:
    """Up to ``PER_KEY`` tags per (rule, key), seeded."""
    tags = aligned_tags(population(), rules_spec)
    tags["key"] = tags["matched_on"].map(_keys)
    tags = tags.explode("key")
    counts = tags.groupby(["rule_id", "key"]).size().rename("hits")
    shuffled = tags.sample(frac=1.0, random_state=SEED)
    sample = shuffled.groupby(["rule_id", "key"]).head(PER_KEY)
    sample = sample.merge(counts.reset_index(), on=["rule_id", "key"])
    return sample.sort_values(["mission", "rule_id", "key", "line_id"]).reset_index(drop=True)


def draw_missions(rules_spec: str, lines: pd.DataFrame | None = None,
                  seed: int = SEED) -> pd.DataFrame:
    """``PER_MISSION`` aligned tags per mission drawn at random from ``lines``.

    ``lines`` defaults to :func:`population`.
    """
    tags = aligned_tags(population() if lines is None else lines, rules_spec)
    shuffled = tags.sample(frac=1.0, random_state=seed)
    return (
        shuffled.groupby("mission")
        .head(PER_MISSION)
        .sort_values(["mission", "line_id"])
        .reset_index(drop=True)
    )


def _untagged(lines: pd.DataFrame, rules_spec: str) -> pd.DataFrame:
    """The rows of ``lines`` that carry no aligned tag with a non-zero weight."""
    from missionfinance.tagging import RuleSet, tag

    tags = tag(lines, RuleSet.load(rules_spec)).tags
    tagged = set(tags.loc[(tags["relation"] == "aligned") & (tags["weight"] != 0), "line_id"])
    return lines[~lines["line_id"].isin(tagged)]


def population2() -> pd.DataFrame:
    """The population less the first audit's lines and dev4 (lines and CRA segments); SR25 rows once."""
    used: set[str] = set()
    for name in ROUND1:
        used |= set(
            pd.read_csv(HERE / name, dtype=str, keep_default_na=False, usecols=["line_id"])["line_id"]
        )
    segments = {i.split("-")[2] for i in used if i.startswith("CRA-")}
    pop = population()
    cra = pop["source"] == "cra"
    drop = pop["line_id"].isin(used) | (cra & pop["line_id"].str.split("-").str[2].isin(segments))
    pop = pop[~drop]
    sr = pop["source"] == "spending_review"
    row = pop["line_id"].str.replace(r"-\d{4}-\d{2}$", "", regex=True)
    once = pop[sr].assign(row=row[sr]).sample(frac=1.0, random_state=SEED2).drop_duplicates("row")
    return pd.concat([pop[~sr], once.drop(columns="row")]).sort_index().reset_index(drop=True)


def earlier_segments() -> pd.DataFrame:
    """CRA segments with spending in 2013-14 to 2016-17 but none in 2017-18, outside every sample.

    One line per (department, programme, COFOG) at its latest year with spending; segments of
    any gold sample, of dev4 and of the first audit's samples are left out.
    """
    from missionfinance.io import read_lines

    used: set[str] = set()
    for name in (*SAMPLES, *ROUND1):
        used |= set(
            pd.read_csv(HERE / name, dtype=str, keep_default_na=False, usecols=["line_id"])["line_id"]
        )
    segments = {i.split("-")[2] for i in used if i.startswith("CRA-")}
    cra = read_lines(REAL / "cra_2018_database.csv.gz")
    cra = cra[cra["amount"] != 0]
    seg = cra["line_id"].str.split("-").str[2]
    in_1718 = set(seg[cra["year"] == "2017-18"])
    cra = cra[~seg.isin(in_1718 | segments)]
    cra = cra.sort_values(["year", "line_id"], ascending=[False, True], kind="stable")
    cra = cra.drop_duplicates(["department", "programme", "cofog"]).assign(source="cra")
    for col in COLUMNS:
        if col not in cra:
            cra[col] = ""
    out = cra[COLUMNS].reset_index(drop=True)
    out["description"] = out["description"].str.replace(r"\s+", " ", regex=True).str.slice(0, MAX_TEXT)
    return out


def draw_missions2x(rules_spec: str) -> pd.DataFrame:
    """Tags of :func:`earlier_segments` topping each mission up to ``PER_MISSION`` drawn tags, seed ``SEED2``."""
    drawn = pd.read_csv(HERE / "audit2_sample.csv", dtype=str, keep_default_na=False)["mission"].value_counts()
    tags = aligned_tags(earlier_segments(), rules_spec)
    shuffled = tags.sample(frac=1.0, random_state=SEED2)
    parts = [
        group.head(max(PER_MISSION - int(drawn.get(mission, 0)), 0))
        for mission, group in shuffled.groupby("mission")
    ]
    return pd.concat(parts).sort_values(["mission", "line_id"]).reset_index(drop=True)


def draw_recall2x(rules_spec: str) -> pd.DataFrame:
    """``RECALL_EARLIER`` lines of :func:`earlier_segments` with no aligned tag, seed ``SEED2``."""
    left = _untagged(earlier_segments(), rules_spec)
    return left.sample(n=min(RECALL_EARLIER, len(left)), random_state=SEED2).sort_values("line_id").reset_index(drop=True)


def draw_recall2c(rules_spec: str) -> pd.DataFrame:
    """Every untagged CRA line of :func:`population2` and :func:`earlier_segments` not in a recall sample."""
    drawn = set(_read_samples("audit2_recall_sample.csv", "audit2x_recall_sample.csv")["line_id"])
    lines = pd.concat([population2(), earlier_segments()], ignore_index=True)
    lines = lines[(lines["source"] == "cra") & ~lines["line_id"].isin(drawn)]
    return _untagged(lines, rules_spec).sort_values("line_id").reset_index(drop=True)


def _read_samples(*names: str) -> pd.DataFrame:
    """The named samples that exist, one frame."""
    frames = [pd.read_csv(HERE / n, dtype=str, keep_default_na=False) for n in names if (HERE / n).exists()]
    return pd.concat(frames, ignore_index=True)


def draw_missions2(rules_spec: str) -> pd.DataFrame:
    """``PER_MISSION`` aligned tags per mission from :func:`population2`, seed ``SEED2``."""
    return draw_missions(rules_spec, population2(), SEED2)


def draw_recall2(rules_spec: str) -> pd.DataFrame:
    """Lines of :func:`population2` with no aligned tag: CRA and SR25 seeded, every OCDS notice."""
    left = _untagged(population2(), rules_spec)
    cra = left[left["source"] == "cra"]
    sr = left[left["source"] == "spending_review"]
    ocds = left[left["source"].str.startswith("procurement")]
    parts = [
        cra.sample(n=min(RECALL_CRA, len(cra)), random_state=SEED2),
        sr.sample(n=min(RECALL_SR, len(sr)), random_state=SEED2),
        ocds,
    ]
    return pd.concat(parts).sort_values(["source", "line_id"]).reset_index(drop=True)


def _rules_pairs(lines: pd.DataFrame) -> set[tuple[str, str]]:
    """(line_id, signed mission) of the current rules' aligned tags of ``lines``."""
    from missionfinance.tagging import RuleSet, tag

    tags = tag(lines, RuleSet.load("builtin:uk")).tags
    tags = tags[(tags["relation"] == "aligned") & (tags["weight"] != 0)]
    sign = tags["weight"].gt(0).map({True: "", False: "-"})
    return set(zip(tags["line_id"].astype(str), sign + tags["mission"].astype(str), strict=True))


def report2() -> None:
    """Print the second audit: judged precision per mission (drawn, now) and the recall sample."""
    sample = _read_samples("audit2_sample.csv", "audit2x_sample.csv")
    judged = pd.read_csv(HERE / "audit2_judgements.csv", dtype=str, keep_default_na=False)
    both = sample.merge(judged, on=["line_id", "mission"], how="left", validate="one_to_one")
    lines = both.drop_duplicates("line_id")[COLUMNS].astype({"amount": "float64"})
    now = _rules_pairs(lines)
    both["still"] = [(i, m) in now for i, m in zip(both["line_id"], both["mission"], strict=True)]
    both["ok"] = both["verdict"] == "ok"
    table = both.groupby("mission").agg(
        drawn=("line_id", "size"),
        ok=("ok", "sum"),
        still=("still", "sum"),
        ok_still=("ok", lambda s: int((s & both.loc[s.index, "still"]).sum())),
    )
    table["precision_drawn"] = table["ok"] / table["drawn"]
    table["precision_now"] = table["ok_still"] / table["still"]
    table.loc["all"] = table.sum(numeric_only=True)
    for col, (num, den) in {"precision_drawn": ("ok", "drawn"), "precision_now": ("ok_still", "still")}.items():
        table.loc["all", col] = table.loc["all", num] / table.loc["all", den]
    print("precision sample (audit2_sample.csv, audit2x_sample.csv):")
    print(table.round(3).to_string())
    print(f"judged-right tags the current rules no longer make: {int((both['ok'] & ~both['still']).sum())}")
    print(f"judged-wrong tags the current rules still make: {int((~both['ok'] & both['still']).sum())}")

    labels = pd.read_csv(HERE / "audit2_recall.csv", dtype=str, keep_default_na=False)
    for title, names in (
        ("recall sample (audit2_recall_sample.csv, audit2x_recall_sample.csv)", ("audit2_recall_sample.csv", "audit2x_recall_sample.csv")),
        ("recall census of the other untagged CRA lines (audit2c_recall_sample.csv)", ("audit2c_recall_sample.csv",)),
    ):
        if (HERE / names[0]).exists():
            recall = _read_samples(*names).merge(labels, on="line_id", how="left", validate="one_to_one")
            _print_recall(title, recall)


def _print_recall(title: str, recall: pd.DataFrame) -> None:
    """Labelled missions of untagged lines against the current rules' aligned tags."""
    lines = recall[COLUMNS].astype({"amount": "float64"})
    now = _rules_pairs(lines)
    truth = {
        (i, m.strip())
        for i, ms in zip(recall["line_id"], recall["missions"], strict=True)
        for m in ms.split(";")
        if m.strip()
    }
    rows = []
    for mission in sorted({m for _, m in truth | now}):
        t = {p for p in truth if p[1] == mission}
        n = {p for p in now if p[1] == mission}
        rows.append((mission, len(t), len(n), len(t & n)))
    rows.append(("all", len(truth), len(now), len(truth & now)))
    out = pd.DataFrame(rows, columns=["mission", "labelled", "tagged_now", "correct_now"])
    print(f"{title}: {len(recall)} lines untagged when drawn")
    print(out.to_string(index=False))


def dev_figures() -> pd.DataFrame:
    """Aligned precision and recall of the current rules on each development set and all together."""
    from missionfinance.tagging import RuleSet
    from missionfinance.tagging.evaluation import evaluate

    rules = RuleSet.load("builtin:uk")
    frames = {n: pd.read_csv(HERE / n, dtype={"amount": "float64"}, keep_default_na=False) for n in DEV_SETS}
    frames["all dev"] = pd.concat(frames.values(), ignore_index=True)
    rows = []
    for name, gold in frames.items():
        table = evaluate(gold, rules)
        rows.append(table.assign(set=name)[["set", "mission", "support", "predicted", "true_positive",
                                            "precision", "recall"]])
    return pd.concat(rows, ignore_index=True)


def _judged(sample_name: str) -> pd.DataFrame:
    """A drawn sample joined to the judgements, with whether the current rules still make each tag."""
    sample = pd.read_csv(HERE / sample_name, dtype=str, keep_default_na=False)
    judged = pd.read_csv(HERE / "audit_judgements.csv", dtype=str, keep_default_na=False)
    both = sample.merge(judged, on=["line_id", "mission"], how="left", validate="many_to_one")
    lines = both.drop_duplicates("line_id")[COLUMNS].astype({"amount": "float64"})
    now = aligned_tags(lines)[["line_id", "mission"]].assign(still=True)
    both = both.merge(now, on=["line_id", "mission"], how="left")
    both["still"] = both["still"].astype("boolean").fillna(False).astype(bool)
    both["ok"] = both["verdict"] == "ok"
    both["judged"] = both["verdict"].isin(["ok", "wrong", "enabling"])
    both["wrong_still"] = both["still"] & both["judged"] & ~both["ok"]
    return both


def report() -> pd.DataFrame:
    """Judged hits per (rule, key): drawn, judged right, and how many wrong ones the current rules still make."""
    both = _judged("audit_sample.csv")
    table = both.groupby(["mission", "rule_id", "key"]).agg(
        hits=("hits", "first"),
        drawn=("line_id", "size"),
        judged=("judged", "sum"),
        ok=("ok", "sum"),
        wrong_still_tagged=("wrong_still", "sum"),
    )
    return table.reset_index()


def report_missions() -> pd.DataFrame:
    """Population precision per mission from the random per-mission sample (then and now)."""
    both = _judged("audit_mission_sample.csv")
    table = both.groupby("mission").agg(
        drawn=("line_id", "size"),
        judged=("judged", "sum"),
        ok=("ok", "sum"),
        wrong_still_tagged=("wrong_still", "sum"),
    )
    table["precision_drawn"] = table["ok"] / table["judged"]
    return table.reset_index()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "step",
        choices=["draw", "mission", "report", "mission2", "recall2", "mission2x", "recall2x", "recall2c", "report2",
                 "dev"],
    )
    parser.add_argument("--rules", default="builtin:uk")
    args = parser.parse_args()
    if args.step == "draw":
        draw(args.rules).to_csv(HERE / "audit_sample.csv", index=False)
    elif args.step == "mission":
        draw_missions(args.rules).to_csv(HERE / "audit_mission_sample.csv", index=False)
    elif args.step == "mission2":
        draw_missions2(args.rules).to_csv(HERE / "audit2_sample.csv", index=False)
    elif args.step == "recall2":
        draw_recall2(args.rules).to_csv(HERE / "audit2_recall_sample.csv", index=False)
    elif args.step == "mission2x":
        draw_missions2x(args.rules).to_csv(HERE / "audit2x_sample.csv", index=False)
    elif args.step == "recall2x":
        draw_recall2x(args.rules).to_csv(HERE / "audit2x_recall_sample.csv", index=False)
    elif args.step == "recall2c":
        draw_recall2c(args.rules).to_csv(HERE / "audit2c_recall_sample.csv", index=False)
    elif args.step == "report2":
        pd.set_option("display.width", 200)
        report2()
    elif args.step == "dev":
        pd.set_option("display.width", 200)
        print(dev_figures().round(3).to_string(index=False))
    else:
        pd.set_option("display.width", 200)
        table = report()
        print(table[table["ok"] < table["judged"]].to_string(index=False))
        print(
            f"all drawn tags: {int(table['judged'].sum())} judged, {int(table['ok'].sum())} right, "
            f"{int(table['wrong_still_tagged'].sum())} wrong ones still made by the current rules"
        )
        print(report_missions().to_string(index=False))


if __name__ == "__main__":
    main()
