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


def render_simulation(run: Any, traj: Trajectories, base: Path) -> dict[str, bytes]:
    """The files of a simulation folder as bytes (``base``: the folder's parent).

    The manifest records ``simulation: {draws, seed}`` so that ``verify`` can redo it.
    """
    summary = simulation_summary(traj, run.scenario.outcomes.uncertainty)
    files = {"outcomes.csv": csv_bytes(traj.frame, keys=["milestone", "year"]),
             "simulation.json": json_bytes(summary)}
    manifest = build_manifest(run, files, base, {
        "status": run.status, "objective": getattr(run.allocation, "objective", None)})
    manifest["simulation"] = {"draws": traj.draws, "seed": traj.seed}
    files["manifest.json"] = json_bytes(manifest)
    return files


def write_simulation(run: Any, traj: Trajectories, out_dir: Path | str) -> Path:
    """Write outcomes.csv (with p10/p90), simulation.json and manifest.json into ``out_dir``.

    The write is atomic: an earlier output folder is replaced only when complete.
    """
    out = Path(out_dir)
    check_output_folder(out)
    return write_folder(render_simulation(run, traj, out.absolute().parent), out)
