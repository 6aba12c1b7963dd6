"""Generate the outcome yields of the bundled example's projects.

Writes ``scenarios/data/outcome_yields.csv`` (``project_id, milestone, per_m, lag, ramp,
source``) from ``scenarios/data/pipeline.csv``: each project *type* that can move a
milestone gets one yield per milestone, in the milestone's link unit per £m of total
investment the allocation causes (public cash plus additional private money), with a
delivery lag and ramp in years. A project outside the milestone's geography (homes, waiting
times and school readiness are England's; neighbourhood police England and Wales'; clean
power Great Britain's) gets none. ``scenarios/data/SOURCES.md`` ("Outcome yields") says
where each figure comes from and which are illustrative.

Deterministic (no randomness, fixed formatting, ``\\n`` endings). Usage::

    python scenarios/make_example_yields.py            # writes scenarios/data/outcome_yields.csv
"""

from __future__ import annotations

import argparse
import csv
import io
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUTSIDE = {
    "England": {"Scotland", "Wales", "Northern Ireland"},
    "England and Wales": {"Scotland", "Northern Ireland"},
    "Great Britain": {"Northern Ireland"},
}

#: (name pattern, milestone, geography, per £m, lag, ramp, source tag)
TYPES: tuple[tuple[str, str, str, float, int, int, str], ...] = (
    ("brownfield homes", "homes", "England", 4.0, 1, 3,
     "illustrative: £250,000 total development cost per home"),
    ("offshore wind heavy-lift quay", "clean-power-2030", "Great Britain", 0.10, 3, 1,
     "illustrative: enabling port, share of array capacity it unlocks"),
    ("floating offshore wind port upgrade", "clean-power-2030", "Great Britain", 0.10, 3, 1,
     "illustrative: enabling port, share of array capacity it unlocks"),
    ("floating offshore wind pre-commercial array", "clean-power-2030", "Great Britain", 0.25,
     3, 1, "DESNZ Electricity Generation Costs 2023: floating wind about £4m per MW"),
    ("grid connection and substation", "clean-power-2030", "Great Britain", 0.15, 2, 2,
     "illustrative: connection capacity released per £m of network"),
    ("400kV network reinforcement", "clean-power-2030", "Great Britain", 0.15, 2, 2,
     "illustrative: connection capacity released per £m of network"),
    ("solar", "clean-power-2030", "Great Britain", 0.45, 1, 1,
     "DESNZ Electricity Generation Costs 2023: large-scale solar about £0.6m per MW; "
     "× 0.28 offshore-wind equivalent"),
    ("local power first-loss fund", "clean-power-2030", "Great Britain", 0.30, 1, 2,
     "illustrative: mix of community solar and onshore wind"),
    ("elective surgical hub", "rtt-18-weeks", "England", 250.0, 1, 1,
     "illustrative: added elective activity of a surgical hub per £m of capital"),
    ("community diagnostic centre", "rtt-18-weeks", "England", 80.0, 1, 1,
     "illustrative: diagnostic tests that shorten pathways"),
    ("new hospital", "rtt-18-weeks", "England", 30.0, 3, 1,
     "illustrative: elective share of a replacement hospital's added capacity"),
    ("NHS estate backlog", "rtt-18-weeks", "England", 20.0, 1, 1,
     "illustrative: theatre and ward time no longer lost to estate failures"),
    ("electronic patient record", "rtt-18-weeks", "England", 40.0, 2, 1,
     "illustrative: productivity of digital records and diagnostics"),
    ("neighbourhood health centre", "rtt-18-weeks", "England", 25.0, 2, 1,
     "illustrative: referrals managed in the community"),
    ("neighbourhood policing mobile data", "neighbourhood-police", "England and Wales", 4.0,
     1, 1, "illustrative: officer time released, full-time equivalents"),
    ("custody suite and police station rebuild", "neighbourhood-police", "England and Wales",
     0.5, 2, 1, "illustrative: officer time released by modern custody"),
    ("town-centre CCTV", "neighbourhood-police", "England and Wales", 1.0, 1, 1,
     "illustrative: patrol time released"),
    ("School-based nurseries", "school-ready", "England", 13.0, 1, 1,
     "DfE school-based nurseries phase 1: about 160 places per £m; × 0.08 (illustrative "
     "effect of a place on reaching a good level of development)"),
    ("Best Start family hub", "school-ready", "England", 3.0, 1, 1,
     "illustrative: families reached per £m × effect"),
)

COLUMNS = ("project_id", "milestone", "per_m", "lag", "ramp", "source")


def build_rows(pipeline: Path) -> list[dict[str, str]]:
    """One row per (project, milestone) the project's type can move."""
    rows = []
    with pipeline.open(encoding="utf-8", newline="") as handle:
        for p in csv.DictReader(handle):
            for pattern, milestone, geo, per_m, lag, ramp, source in TYPES:
                if pattern.casefold() not in p["name"].casefold():
                    continue
                if p["region"] in OUTSIDE[geo]:
                    continue
                rows.append({"project_id": p["project_id"], "milestone": milestone,
                             "per_m": f"{per_m:g}", "lag": str(lag), "ramp": str(ramp),
                             "source": source})
                break
    return sorted(rows, key=lambda r: (r["milestone"], r["project_id"]))


def render(rows: list[dict[str, str]]) -> str:
    """The CSV text."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    """Write the yields CSV."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pipeline", type=Path, default=HERE / "data" / "pipeline.csv")
    parser.add_argument("--out", type=Path, default=HERE / "data" / "outcome_yields.csv")
    args = parser.parse_args(argv)
    args.out.write_bytes(render(build_rows(args.pipeline)).encode("utf-8"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
