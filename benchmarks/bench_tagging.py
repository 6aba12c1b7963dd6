"""Benchmark of the tagging engine against the straightforward one-pass-per-rule approach.

Lines: real descriptions, codes, departments and amounts resampled (seeded, with
replacement) from the CRA 2018 database and the OCDS packages in ``scenarios/data/real`` and
``tests/data/ocds-cf-2014`` (read with :func:`missionfinance.io.read_lines`), with fresh line
ids. Rules: the shipped ``builtin:uk`` rules plus generated ones (CPV-class rules, keyword
rules from frequent words of the pool, department rules, two-criterion rules), at least 300.

Each case runs in its own Python process, so that peak memory (``ru_maxrss``) is the
case's own:

- ``fast``: :func:`missionfinance.tagging.tag` on N lines (default 1,000,000);
- ``naive``: one pandas pass per rule (``str.contains`` with one regex per criterion,
  ``isin`` for departments), then the same resolution and net attribution, on a subsample
  (default 100,000 lines, as it is slow), and ``fast`` again on that same subsample; the two
  results are checked to be identical.

Usage::

    .venv/bin/python benchmarks/bench_tagging.py                       # 1M fast, 100k naive
    .venv/bin/python benchmarks/bench_tagging.py --lines 200000 --naive-lines 20000
    .venv/bin/python benchmarks/bench_tagging.py --unique              # no repeated descriptions
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import subprocess
import sys
import tempfile
import time
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from missionfinance.tagging import RuleSet, tag  # noqa: E402
from missionfinance.tagging.matching import normalise_field  # noqa: E402

MISSIONS = ("growth", "clean-energy", "safer-streets", "opportunity", "health")
COLUMNS = ["line_id", "source", "department", "programme", "description", "amount", "cofog", "cpv"]


# ----------------------------------------------------------------------------- inputs
def pool() -> pd.DataFrame:
    """Every real line available: CRA 2018 (all years) and the OCDS packages."""
    from missionfinance.io import read_lines

    real = ROOT / "scenarios" / "data" / "real"
    frames = [read_lines(real / "cra_2018_database.csv.gz")]
    for name in ("contracts-finder-2025.release-package.json",
                 "public-contracts-scotland-2019.release-package.json",
                 "sell2wales-2025.release-package.json"):
        frames.append(read_lines(real / name, rates={"EUR": 0.85}))
    cf14 = ROOT / "tests" / "data" / "ocds-cf-2014" / "release-packages-ocds1.0"
    frames += [read_lines(f) for f in sorted(cf14.glob("*.json"))]
    return pd.concat(frames, ignore_index=True)[COLUMNS]


def resample(base: pd.DataFrame, n: int, seed: int = 1, unique: bool = False) -> pd.DataFrame:
    """``n`` lines drawn with replacement from ``base``, with new unique line ids."""
    rng = np.random.default_rng(seed)
    out = base.iloc[rng.integers(0, len(base), n)].reset_index(drop=True)
    out["line_id"] = pd.Series(np.char.add("B", np.arange(n).astype(str)), dtype="str")
    if unique:  # every description distinct: defeats the engine's de-duplication
        out["description"] = out["description"] + " ref " + out["line_id"]
    return out


def extra_rules(base: pd.DataFrame, n_target: int = 320) -> list[dict[str, Any]]:
    """Generated rules that bring the rule count to at least ``n_target``."""
    from missionfinance.tagging.codes import cpv_labels

    rules: list[dict[str, Any]] = []
    classes = sorted({c[:4] for c in cpv_labels() if c[4:] == "0000" and c[2:4] != "00"})
    rng = np.random.default_rng(3)
    for k, cls in enumerate(rng.choice(classes, 110, replace=False)):
        rules.append({"id": f"X-CPV-{cls}", "mission": MISSIONS[k % 5], "weight": 0.4,
                      "rationale": f"Benchmark: CPV class {cls}", "cpv": [str(cls)]})
    words = (base["description"].str.casefold().str.findall(r"[a-z]{6,}").explode().value_counts())
    words = [w for w in words.index[:400] if w not in {"which", "services", "service"}]
    for k, w in enumerate(words[:110]):
        rules.append({"id": f"X-KW-{k:03d}", "mission": MISSIONS[(k + 1) % 5], "weight": 0.3,
                      "rationale": f"Benchmark: keyword {w}", "keywords": [w, w + "s", f"{w} programme"],
                      "exclude": [words[(k + 37) % len(words)]]})
    depts = base["department"].value_counts().index[:40]
    for k, d in enumerate(depts):
        rules.append({"id": f"X-DEP-{k:03d}", "mission": MISSIONS[(k + 2) % 5], "weight": 0.2,
                      "rationale": f"Benchmark: department {d}", "department": [str(d)]})
    for k, div in enumerate(["01", "04", "06", "08", "10"]):
        for j, w in enumerate(words[200:204]):
            rules.append({"id": f"X-TWO-{k}{j}", "mission": MISSIONS[(k + j) % 5], "weight": 0.6,
                          "rationale": f"Benchmark: cofog {div} and keyword {w}", "cofog": [div],
                          "keywords": [w], "priority": 1})
    return rules


def ruleset(base: pd.DataFrame) -> RuleSet:
    """``builtin:uk`` plus the generated rules."""
    text = resources.files("missionfinance.data").joinpath("rules_uk.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    data["rule"] = data["rule"] + extra_rules(base)
    return RuleSet.from_dict(data, source="bench")


# ----------------------------------------------------------------------------- naive
def naive_tag(lines: pd.DataFrame, rules: RuleSet) -> pd.DataFrame:
    """One pandas pass per rule and criterion: the approach the engine replaces."""
    desc = normalise_field(lines["description"], "keywords")
    cols = {k: normalise_field(lines[c], k) for k, c in
            (("cpv", "cpv"), ("cofog", "cofog"), ("department", "department"), ("programme", "programme"))}
    # a procurement line's COFOG is its buyer's: not matched by cofog criteria
    cols["cofog"] = cols["cofog"].where(~lines["source"].fillna("").str.startswith("procurement"), "")
    buyer = normalise_field(lines["department"], "keywords")
    n = len(lines)

    def mask(kind: str, terms: list[str]) -> np.ndarray:
        if kind == "keywords":
            alts = "|".join(re.escape(t[:-1]) if t.endswith("*") else re.escape(t) + r"(?!\w)" for t in terms)
            return desc.str.contains(rf"(?<!\w)(?:{alts})", regex=True).to_numpy(dtype=bool)
        if kind == "cpv":
            return cols["cpv"].str.contains(rf"(?:^|;)(?:{'|'.join(terms)})", regex=True).to_numpy(dtype=bool)
        if kind == "cofog":
            alts = "|".join(re.escape(t) for t in terms)
            return cols["cofog"].str.contains(rf"(?:^|;)(?:{alts})(?:\.|;|$)", regex=True).to_numpy(dtype=bool)
        if kind == "buyer":
            alts = "|".join(re.escape(t[:-1]) if t.endswith("*") else re.escape(t) + r"(?!\w)" for t in terms)
            return buyer.str.contains(rf"(?<!\w)(?:{alts})", regex=True).to_numpy(dtype=bool)
        return cols[kind].isin(terms).to_numpy(dtype=bool)

    hits = []
    for i, r in enumerate(rules.rules):
        m = np.ones(n, dtype=bool)
        for kind, terms in r.criteria.items():
            m &= mask(kind, list(terms))
        if r.exclude:
            by_kind: dict[str, list[str]] = {}
            for kind, t in r.exclude:
                by_kind.setdefault(kind, []).append(t)
            for kind, terms in by_kind.items():
                m &= ~mask(kind, terms)
        idx = np.flatnonzero(m)
        hits.append(pd.DataFrame({"line": idx, "rule": i}))
    h = pd.concat(hits, ignore_index=True)
    meta = pd.DataFrame({"mission": [r.mission for r in rules.rules], "weight": [r.weight for r in rules.rules],
                         "priority": [r.priority for r in rules.rules], "rule_id": [r.id for r in rules.rules],
                         "spender": [r.evidence != "line" for r in rules.rules]})
    h = h.join(meta, on="rule")
    h["absw"] = h["weight"].abs()
    h = h.sort_values(["line", "mission", "spender", "priority", "absw", "rule_id"],
                      ascending=[True, True, True, False, False, True])
    h = h.drop_duplicates(["line", "mission"])
    # aligned and enabling shares are scaled apart (DESIGN §7)
    pos = h["weight"].clip(lower=0).groupby([h["line"], h["spender"]]).transform("sum")
    h["weight"] = np.where((h["weight"] > 0) & (pos > 1), h["weight"] / pos, h["weight"])
    h["line_id"] = lines["line_id"].to_numpy()[h["line"].to_numpy()]
    return h[["line_id", "mission", "weight", "rule_id"]].reset_index(drop=True)


# ----------------------------------------------------------------------------- cases
def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def case(kind: str, lines_path: str, rules_path: str) -> dict[str, Any]:
    """Run one case in this process and return its figures."""
    lines = pd.read_parquet(lines_path)
    lines["line_id"] = lines["line_id"].astype("str")
    base = pd.read_parquet(rules_path)
    rules = ruleset(base)
    rss0 = _rss_mib()
    t0 = time.perf_counter()
    if kind == "fast":
        res = tag(lines, rules)
        wall = time.perf_counter() - t0
        out = {"tags": len(res.tags), "untagged": len(res.untagged)}
        key = res.tags[["line_id", "mission", "weight", "rule_id"]].astype({"mission": str, "rule_id": str})
    else:
        key = naive_tag(lines, rules)
        wall = time.perf_counter() - t0
        out = {"tags": len(key)}
    key = key.sort_values(["line_id", "mission"]).reset_index(drop=True)
    digest = pd.util.hash_pandas_object(key.assign(weight=key["weight"].round(12)), index=False).sum()
    return {"case": kind, "lines": len(lines), "rules": len(rules.rules), "wall_s": round(wall, 3),
            "rss_before_mib": round(rss0, 1), "peak_rss_mib": round(_rss_mib(), 1),
            "distinct_descriptions": int(lines["description"].nunique()), "digest": int(digest), **out}


def run_child(kind: str, lines_path: Path, rules_path: Path) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, __file__, "--child", kind, str(lines_path), str(rules_path)],
                          check=True, capture_output=True, text=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--naive-lines", type=int, default=100_000)
    ap.add_argument("--unique", action="store_true", help="make every description distinct")
    ap.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(case(*args.child)))
        return
    base = pool()
    with tempfile.TemporaryDirectory() as tmp:
        rules_path = Path(tmp) / "pool.parquet"
        base.to_parquet(rules_path)
        big = Path(tmp) / "big.parquet"
        resample(base, args.lines, unique=args.unique).to_parquet(big)
        small = Path(tmp) / "small.parquet"
        resample(base, args.naive_lines, seed=2, unique=args.unique).to_parquet(small)
        results = [run_child("fast", big, rules_path)]
        print(json.dumps(results[-1]), flush=True)
        if args.naive_lines:
            results.append(run_child("fast", small, rules_path))
            print(json.dumps(results[-1]), flush=True)
            results.append(run_child("naive", small, rules_path))
            print(json.dumps(results[-1]), flush=True)
            fast_small, naive = results[1], results[2]
            same = fast_small["digest"] == naive["digest"]
            ratio = naive["wall_s"] / fast_small["wall_s"]
            per_line = naive["wall_s"] / naive["lines"]
            print(f"naive vs fast on the same {naive['lines']:,} lines: {naive['wall_s']:.1f} s vs "
                  f"{fast_small['wall_s']:.2f} s = {ratio:.0f}x; identical tags: {same}")
            print(f"naive extrapolated to {args.lines:,} lines (linear in lines): "
                  f"{per_line * args.lines:.0f} s vs fast {results[0]['wall_s']:.2f} s = "
                  f"{per_line * args.lines / results[0]['wall_s']:.0f}x")


if __name__ == "__main__":
    main()
