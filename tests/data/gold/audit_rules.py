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


def draw_missions(rules_spec: str) -> pd.DataFrame:
    """``PER_MISSION`` aligned tags per mission drawn at random from the population."""
    tags = aligned_tags(population(), rules_spec)
    shuffled = tags.sample(frac=1.0, random_state=SEED)
    return (
        shuffled.groupby("mission")
        .head(PER_MISSION)
        .sort_values(["mission", "line_id"])
        .reset_index(drop=True)
    )


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
    parser.add_argument("step", choices=["draw", "mission", "report"])
    parser.add_argument("--rules", default="builtin:uk")
    args = parser.parse_args()
    if args.step == "draw":
        draw(args.rules).to_csv(HERE / "audit_sample.csv", index=False)
    elif args.step == "mission":
        draw_missions(args.rules).to_csv(HERE / "audit_mission_sample.csv", index=False)
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
