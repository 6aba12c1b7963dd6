"""Build the tagging gold set from real lines and the hand labels.

Step 1 (``PYTHONPATH=. python tests/data/gold/build_gold.py sample``) draws the lines: a seeded,
stratified sample of CRA 2018 segments (year 2017-18, up to 16 distinct segments per COFOG
division) and of OCDS notices (Contracts Finder 2014 and 2025, Public Contracts Scotland
2019, Sell2Wales 2025), read with :func:`missionfinance.io.read_lines`, and writes
``sample.csv``. Step 2 (``... build``) joins ``labels.csv`` (line_id, missions, reason:
written by hand, line by line, following ``README.md``) and writes ``gold.csv``.

The sample is drawn once; ``gold.csv`` is what the tests read. ``holdout-sample`` and
``holdout`` do the same for ``holdout.csv``, a disjoint sample of 100 lines labelled after the
default rules were frozen, to measure how the rules do on lines they were not tuned on.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

HERE = Path(__file__).parent
ROOT = HERE.parents[2]
REAL = ROOT / "scenarios" / "data" / "real"
COLUMNS = ["line_id", "source", "department", "programme", "description", "cofog", "cpv", "amount"]
MAX_TEXT = 400


def _sample() -> pd.DataFrame:
    from missionfinance.io import read_lines

    cra = read_lines(REAL / "cra_2018_database.csv.gz")
    cra = cra[(cra["year"] == "2017-18") & (cra["amount"] != 0)]
    seg = cra.drop_duplicates(["department", "programme", "cofog"]).copy()
    seg["division"] = seg["cofog"].str.slice(0, 2).replace("", "EU")
    picked = seg.groupby("division", group_keys=False).apply(
        lambda g: g.sample(n=min(len(g), 16), random_state=2018)
    )
    parts = [picked.assign(source="cra")]
    ocds = [
        ("contracts-finder-2025.release-package.json", 60, "cf2025"),
        ("public-contracts-scotland-2019.release-package.json", 30, "pcs2019"),
        ("sell2wales-2025.release-package.json", 30, "s2w2025"),
    ]
    for name, n, label in ocds:
        frame = read_lines(REAL / name, rates={"EUR": 0.85})
        parts.append(frame.sample(n=n, random_state=2025).assign(source=f"procurement-{label}"))
    cf14_dir = ROOT / "tests" / "data" / "ocds-cf-2014" / "release-packages-ocds1.0"
    files = sorted(cf14_dir.glob("*.json"))
    cf14 = pd.concat([read_lines(f) for f in files], ignore_index=True)
    parts.append(cf14.sample(n=40, random_state=2014).assign(source="procurement-cf2014"))
    out = pd.concat(parts, ignore_index=True)[COLUMNS]
    out["description"] = out["description"].str.replace(r"\s+", " ", regex=True).str.slice(0, MAX_TEXT)
    return out


def _holdout() -> pd.DataFrame:
    """A second, disjoint sample, labelled after the rules were frozen (never used to tune them)."""
    from missionfinance.io import read_lines

    used = set(pd.read_csv(HERE / "sample.csv", dtype=str, keep_default_na=False)["line_id"])
    cra = read_lines(REAL / "cra_2018_database.csv.gz")
    cra = cra[(cra["year"] == "2017-18") & (cra["amount"] != 0) & ~cra["line_id"].isin(used)]
    seg = cra.drop_duplicates(["department", "programme", "cofog"])
    parts = [seg.sample(n=50, random_state=7).assign(source="cra")]
    frames = [read_lines(REAL / n, rates={"EUR": 0.85}) for n in (
        "contracts-finder-2025.release-package.json",
        "public-contracts-scotland-2019.release-package.json",
        "sell2wales-2025.release-package.json",
    )]
    cf14_dir = ROOT / "tests" / "data" / "ocds-cf-2014" / "release-packages-ocds1.0"
    frames.append(pd.concat([read_lines(f) for f in sorted(cf14_dir.glob("*.json"))], ignore_index=True))
    ocds = pd.concat(frames, ignore_index=True)
    ocds = ocds[~ocds["line_id"].isin(used)].drop_duplicates("line_id")
    parts.append(ocds.sample(n=50, random_state=7).assign(source="procurement"))
    out = pd.concat(parts, ignore_index=True)[COLUMNS]
    out["description"] = out["description"].str.replace(r"\s+", " ", regex=True).str.slice(0, MAX_TEXT)
    return out


def _frozen() -> pd.DataFrame:
    """The frozen holdout: 160 lines disjoint from every other set, labelled to the written
    conventions of docs/tagging.md before the evidence-model rules were written.

    Stratified: CRA 2018 (60 segments, 2017-18), SR25 (20 department rows, 2025-26, RDEL and
    CDEL), Contracts Finder 2025 (30), Public Contracts Scotland 2019 (25), Sell2Wales 2025
    (25). CRA descriptions are the segment name only (no HMT function labels), as read by
    :func:`missionfinance.io.read_lines`.
    """
    from missionfinance.io import read_lines

    used: set[str] = set()
    for name in ("sample.csv", "holdout_sample.csv"):
        used |= set(pd.read_csv(HERE / name, dtype=str, keep_default_na=False)["line_id"])
    cra = read_lines(REAL / "cra_2018_database.csv.gz")
    cra = cra[(cra["year"] == "2017-18") & (cra["amount"] != 0) & ~cra["line_id"].isin(used)]
    cra = cra.drop_duplicates(["department", "programme", "cofog"])
    cra = cra[~cra["line_id"].str.split("-").str[2].isin(_used_segments(used))]
    cra = cra.assign(description=cra["programme"].str.replace(r"^S[0-9A-Z]{7}\s*-\s*", "", regex=True))
    parts = [cra.sample(n=60, random_state=2026).assign(source="cra")]
    sr = pd.concat([read_lines(REAL / n) for n in ("sr25_table_5_3_rdel_excl_depreciation.csv",
                                                   "sr25_table_5_4_cdel.csv")], ignore_index=True)
    sr = sr[sr["year"] == "2025-26"]
    parts.append(sr.sample(n=20, random_state=2026))
    for name, n, label in (("contracts-finder-2025.release-package.json", 30, "cf2025"),
                           ("public-contracts-scotland-2019.release-package.json", 25, "pcs2019"),
                           ("sell2wales-2025.release-package.json", 25, "s2w2025")):
        frame = read_lines(REAL / name, rates={"EUR": 0.85})
        frame = frame[~frame["line_id"].isin(used)].drop_duplicates("description")
        parts.append(frame.sample(n=n, random_state=2026).assign(source=f"procurement-{label}"))
    out = pd.concat(parts, ignore_index=True)[COLUMNS]
    out["description"] = out["description"].str.replace(r"\s+", " ", regex=True).str.slice(0, MAX_TEXT)
    return out


def _dev2() -> pd.DataFrame:
    """A second development sample: 200 lines disjoint from every other set, labelled to the
    written conventions (aligned and enabling); rules may be tuned on it.

    CRA 2018 (80 segments, 2017-18), SR25 (20 department rows, 2025-26), Contracts Finder
    2025 (40), Public Contracts Scotland 2019 (30), Sell2Wales 2025 (30).
    """
    from missionfinance.io import read_lines

    used: set[str] = set()
    for name in ("sample.csv", "holdout_sample.csv", "frozen_sample.csv"):
        used |= set(pd.read_csv(HERE / name, dtype=str, keep_default_na=False)["line_id"])
    cra = read_lines(REAL / "cra_2018_database.csv.gz")
    cra = cra[(cra["year"] == "2017-18") & (cra["amount"] != 0) & ~cra["line_id"].isin(used)]
    cra = cra.drop_duplicates(["department", "programme", "cofog"])
    cra = cra[~cra["line_id"].str.split("-").str[2].isin(_used_segments(used))]
    parts = [cra.sample(n=80, random_state=3033).assign(source="cra")]
    sr = pd.concat([read_lines(REAL / n) for n in ("sr25_table_5_3_rdel_excl_depreciation.csv",
                                                   "sr25_table_5_4_cdel.csv")], ignore_index=True)
    sr = sr[(sr["year"] == "2025-26") & ~sr["line_id"].isin(used)]
    parts.append(sr.sample(n=min(20, len(sr)), random_state=3033))
    for name, n, label in (("contracts-finder-2025.release-package.json", 40, "cf2025"),
                           ("public-contracts-scotland-2019.release-package.json", 30, "pcs2019"),
                           ("sell2wales-2025.release-package.json", 30, "s2w2025")):
        frame = read_lines(REAL / name, rates={"EUR": 0.85})
        frame = frame[~frame["line_id"].isin(used)].drop_duplicates("description")
        parts.append(frame.sample(n=min(n, len(frame)), random_state=3033).assign(source=f"procurement-{label}"))
    out = pd.concat(parts, ignore_index=True)[COLUMNS]
    out["description"] = out["description"].str.replace(r"\s+", " ", regex=True).str.slice(0, MAX_TEXT)
    return out


def _blind_sample(earlier: tuple[str, ...], seed: int, n_cra: int,
                  n_procurement: tuple[int, int, int], n_cf14: int) -> pd.DataFrame:
    """A blind development sample disjoint from the sets drawn before it (their samples named
    in ``earlier``), ``DataFrame.sample`` per stratum with ``seed``.

    Strata: CRA 2018 (``n_cra`` segments not in any other set, one line per segment,
    2017-18, description = segment name), SR25 (up to 15 department rows of 2025-26 not in
    any other set), Contracts Finder 2025, Public Contracts Scotland 2019 and Sell2Wales
    2025 (up to ``n_procurement`` notices each, fewer where the other sets used them up),
    Contracts Finder 2014 (``n_cf14``, from all 200 release packages of the shared data;
    tests/data/ocds-cf-2014 holds only a part of them).
    """
    from missionfinance.io import read_lines

    used: set[str] = set()
    for name in earlier:
        used |= set(pd.read_csv(HERE / name, dtype=str, keep_default_na=False)["line_id"])
    cra = read_lines(REAL / "cra_2018_database.csv.gz")
    cra = cra[(cra["year"] == "2017-18") & (cra["amount"] != 0) & ~cra["line_id"].isin(used)]
    cra = cra.drop_duplicates(["department", "programme", "cofog"])
    cra = cra[~cra["line_id"].str.split("-").str[2].isin(_used_segments(used))]
    cra = cra[~cra["line_id"].str.split("-").str[2].duplicated()]
    cra = cra.assign(description=cra["programme"].str.replace(r"^S[0-9A-Z]{7}\s*-\s*", "", regex=True))
    parts = [cra.sample(n=n_cra, random_state=seed).assign(source="cra")]
    sr = pd.concat([read_lines(REAL / n) for n in ("sr25_table_5_3_rdel_excl_depreciation.csv",
                                                   "sr25_table_5_4_cdel.csv")], ignore_index=True)
    sr = sr[(sr["year"] == "2025-26") & ~sr["line_id"].isin(used)]
    parts.append(sr.sample(n=min(15, len(sr)), random_state=seed))
    for (name, label), n in zip((("contracts-finder-2025.release-package.json", "cf2025"),
                                 ("public-contracts-scotland-2019.release-package.json", "pcs2019"),
                                 ("sell2wales-2025.release-package.json", "s2w2025")),
                                n_procurement, strict=True):
        frame = read_lines(REAL / name, rates={"EUR": 0.85})
        frame = frame[~frame["line_id"].isin(used)].drop_duplicates("description")
        parts.append(frame.sample(n=min(n, len(frame)), random_state=seed).assign(source=f"procurement-{label}"))
    cf14_dir = Path("/work/shared/data/ocds-cf-2014/release-packages-ocds1.0")
    cf14 = pd.concat([read_lines(f) for f in sorted(cf14_dir.glob("*.json"))], ignore_index=True)
    cf14 = cf14[~cf14["line_id"].isin(used)].drop_duplicates("description")
    parts.append(cf14.sample(n=n_cf14, random_state=seed).assign(source="procurement-cf2014"))
    out = pd.concat(parts, ignore_index=True)[COLUMNS]
    out["description"] = out["description"].str.replace(r"\s+", " ", regex=True).str.slice(0, MAX_TEXT)
    return out


_EARLIER = ("sample.csv", "holdout_sample.csv", "frozen_sample.csv", "dev2_sample.csv")


def _dev3() -> pd.DataFrame:
    """A third, blind development sample ("dev3"): 157 lines disjoint from every other set,
    drawn before any rule was changed after it and labelled before the rules' output was read.

    Seed 4044 (:func:`_blind_sample`): CRA 2018 75 segments, SR25 (the 11 department rows
    of 2025-26 left), Contracts Finder 2025 (40 of the 44 notices left), Public Contracts
    Scotland 2019 and Sell2Wales 2025 (the 0 and 1 notices left), Contracts Finder 2014 30.
    """
    return _blind_sample(_EARLIER, 4044, 75, (40, 20, 20), 30)


def _dev4() -> pd.DataFrame:
    """A fourth, blind development sample ("dev4"): 200 lines disjoint from every other set,
    drawn and labelled before the rules' output for them was read.

    Seed 5055 (:func:`_blind_sample`): CRA 2018 (130 segments), Contracts Finder 2025 (the 4
    notices left), Contracts Finder 2014 (66 of the 111 notices left). SR25, Public Contracts
    Scotland 2019 and Sell2Wales 2025 have no lines left: the other sets used them up. CRA
    takes the share the used-up procurement sources cannot give.
    """
    return _blind_sample((*_EARLIER, "dev3_sample.csv"), 5055, 130, (50, 20, 20), 66)


def _used_segments(used: set[str]) -> set[str]:
    """CRA segment codes already sampled (a segment recurs across years and regions)."""
    return {i.split("-")[2] for i in used if i.startswith("CRA-")}


def main(step: str) -> None:
    """Run one step: ``sample``, ``holdout-sample``, ``frozen-sample``, ``dev2-sample``, ``dev3-sample``,
    ``dev4-sample``, ``build``, ``holdout``, ``dev3`` or ``dev4``."""
    if step == "sample":
        _sample().to_csv(HERE / "sample.csv", index=False)
        return
    if step == "dev2-sample":
        _dev2().to_csv(HERE / "dev2_sample.csv", index=False)
        return
    if step == "dev3-sample":
        _dev3().to_csv(HERE / "dev3_sample.csv", index=False)
        return
    if step == "dev4-sample":
        _dev4().to_csv(HERE / "dev4_sample.csv", index=False)
        return
    if step == "frozen-sample":
        _frozen().to_csv(HERE / "frozen_sample.csv", index=False)
        return
    if step == "holdout-sample":
        _holdout().to_csv(HERE / "holdout_sample.csv", index=False)
        return
    if step in ("dev3", "dev4"):
        sample = pd.read_csv(HERE / f"{step}_sample.csv", dtype=str, keep_default_na=False)
        labels = pd.read_csv(HERE / f"{step}_labels.csv", dtype=str, keep_default_na=False)
        if set(sample["line_id"]) != set(labels["line_id"]):
            raise SystemExit(f"{step}_labels.csv: line ids differ from {step}_sample.csv; label every sampled line once")
        sample.merge(labels, on="line_id", how="left", validate="one_to_one").to_csv(HERE / f"{step}.csv", index=False)
        return
    prefix = "holdout_" if step == "holdout" else ""
    sample = pd.read_csv(HERE / f"{prefix}sample.csv", dtype=str, keep_default_na=False)
    labels = pd.read_csv(HERE / f"{prefix}labels.csv", dtype=str, keep_default_na=False)
    missing = set(sample["line_id"]) - set(labels["line_id"])
    extra = set(labels["line_id"]) - set(sample["line_id"])
    if missing or extra:
        raise SystemExit(f"labels.csv: {len(missing)} sampled lines unlabelled, {len(extra)} unknown ids")
    gold = sample.merge(labels, on="line_id", how="left", validate="one_to_one")
    gold.to_csv(HERE / ("holdout.csv" if prefix else "gold.csv"), index=False)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "build")
