"""The output folder of ``missionfinance simulate``: outcomes.csv, simulation.json, manifest.

Deterministic like every other output (fixed float formatting, sorted rows, no wall-clock
time), written atomically with :func:`missionfinance._fs.write_folder`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from missionfinance._fs import check_output_folder, write_folder
from missionfinance.outcomes.simulate import simulation_summary
from missionfinance.outcomes.trajectory import Trajectories
from missionfinance.report.formats import csv_bytes, json_bytes
from missionfinance.report.manifest import build_manifest


def write_simulation(run: Any, traj: Trajectories, out_dir: Path | str) -> Path:
    """Write outcomes.csv (with p10/p90), simulation.json and manifest.json into
    ``out_dir`` (atomically; an earlier output folder is replaced only when complete)."""
    out = Path(out_dir)
    check_output_folder(out)
    parent = out.absolute().parent
    summary = simulation_summary(traj, run.scenario.outcomes.uncertainty)
    files = {"outcomes.csv": csv_bytes(traj.frame, keys=["milestone", "year"]),
             "simulation.json": json_bytes(summary)}
    files["manifest.json"] = json_bytes(build_manifest(
        run, files, parent, {"status": run.status,
                             "objective": getattr(run.allocation, "objective", None)}))
    return write_folder(files, out)
