"""write_outputs: the files of DESIGN §5, their columns, determinism and atomic writing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import missionfinance.report as report
from missionfinance import _fs
from missionfinance.errors import MissionFinanceError
from missionfinance.report import OUTPUT_FILES, render_outputs, write_outputs
from missionfinance.report.manifest import sha256_bytes
from missionfinance.scenario import RunResult
from missionfinance.testing import make_run

HERE = Path(__file__).resolve().parent


def test_every_output_file_is_written(written: tuple[RunResult, Path]) -> None:
    run, out = written
    assert sorted(os.listdir(out)) == sorted(OUTPUT_FILES)


def test_allocation_csv_columns_rows_and_totals(written: tuple[RunResult, Path]) -> None:
    run, out = written
    alloc = pd.read_csv(out / "allocation.csv")
    assert list(alloc.columns) == ["project_id", "instrument", "year", "public", "private"]
    assert (alloc["public"] > 0).all()
    keys = list(zip(alloc["project_id"], alloc["instrument"], alloc["year"], strict=True))
    assert keys == sorted(keys)
    summary = json.loads((out / "summary.json").read_text())
    assert alloc["public"].sum() == pytest.approx(summary["public_total"], abs=1e-5)


def test_summary_json_keys_and_exact_objective(written: tuple[RunResult, Path]) -> None:
    run, out = written
    summary = json.loads((out / "summary.json").read_text())
    assert list(summary)[:4] == ["status", "objective", "public_total", "private_total"]
    assert summary["status"] == "optimal"
    assert summary["objective"] == run.allocation.objective  # bit for bit
    for key in ("additional_private_total", "additional_share", "leverage", "projects_funded"):
        assert key in summary


def test_tags_csv_has_pipeline_and_baseline_scope(written: tuple[RunResult, Path]) -> None:
    run, out = written
    tags = pd.read_csv(out / "tags.csv")
    assert list(tags.columns)[:7] == ["line_id", "mission", "weight", "amount_attributed",
                                      "rule_id", "rationale", "matched_on"]
    assert list(tags.columns)[-1] == "scope"
    assert set(tags["scope"]) == {"baseline", "pipeline"}


def test_manifest_hashes_every_output_and_input(written: tuple[RunResult, Path]) -> None:
    run, out = written
    manifest = json.loads((out / "manifest.json").read_text())
    assert list(manifest["outputs"]) == [n for n in OUTPUT_FILES if n != "manifest.json"]
    for name, rec in manifest["outputs"].items():
        data = (out / name).read_bytes()
        assert rec == {"sha256": sha256_bytes(data), "bytes": len(data)}
    assert manifest["scenario"]["path"] == "../work/scenario.toml"
    assert sorted(r["path"] for r in manifest["inputs"]) == [
        "../work/data/lines.csv", "../work/data/pipeline.csv", "../work/scenario.toml"]
    assert manifest["solver"]["options"]["threads"] == 1
    assert "seconds" not in manifest["solver"]  # measured durations are never hashed
    assert manifest["objective"] == run.allocation.objective
    assert {"python", "pandas", "numpy", "matplotlib", "xlsxwriter"} <= set(manifest["packages"])


def test_no_wall_clock_time_in_any_file(written: tuple[RunResult, Path]) -> None:
    run, out = written
    import datetime as dt
    import zipfile

    today = dt.date.today()
    stamps = [today.isoformat(), today.strftime("%Y%m%d"), today.strftime("%d %b %Y")]
    for name in OUTPUT_FILES:
        data = (out / name).read_bytes()
        if name.endswith(".xlsx"):
            with zipfile.ZipFile(out / name) as z:
                assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
                data = b"".join(z.read(i) for i in z.infolist())
        for stamp in stamps:
            assert stamp.encode() not in data, (name, stamp)


def test_same_run_same_bytes_in_process(tmp_path: Path) -> None:
    a = render_outputs(make_run(tmp_path / "w", 30), tmp_path)
    b = render_outputs(make_run(tmp_path / "w", 30), tmp_path)
    assert a.keys() == b.keys()
    for name in a:
        assert a[name] == b[name], name


_SCRIPT = """
import sys
sys.path.insert(0, {tests!r})
from pathlib import Path
from missionfinance.testing import make_run
from missionfinance.report import write_outputs
root = Path({root!r})
write_outputs(make_run(root / "w", 30), root / "results" / sys.argv[1])
"""


def test_two_processes_write_identical_bytes(tmp_path: Path) -> None:
    script = _SCRIPT.format(tests=str(HERE.parent), root=str(tmp_path))
    env = {**os.environ, "PYTHONHASHSEED": "random"}
    procs = [subprocess.Popen([sys.executable, "-c", script, name], env=env)
             for name in ("a", "b")]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    for name in OUTPUT_FILES:
        a = (tmp_path / "results" / "a" / name).read_bytes()
        b = (tmp_path / "results" / "b" / name).read_bytes()
        assert a == b, name


def test_replaces_an_earlier_run_and_leaves_no_temporary_folder(
        run: RunResult, tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_outputs(run, out)
    (out / "stale.txt").write_text("from an older version")
    write_outputs(run, out)
    assert sorted(os.listdir(out)) == sorted(OUTPUT_FILES)
    assert sorted(os.listdir(tmp_path)) == ["out", "work"]


def test_interrupted_write_keeps_the_old_folder(run: RunResult, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    write_outputs(run, out)
    before = {n: (out / n).read_bytes() for n in OUTPUT_FILES}

    def interrupted(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(_fs, "swap_in", interrupted)
    other = make_run(tmp_path / "work", n_projects=20)
    with pytest.raises(KeyboardInterrupt):
        write_outputs(other, out)
    assert {n: (out / n).read_bytes() for n in OUTPUT_FILES} == before
    assert sorted(os.listdir(tmp_path)) == ["out", "work"]


def test_failed_render_writes_nothing(run: RunResult, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object) -> dict[str, bytes]:
        raise RuntimeError("boom")

    monkeypatch.setattr(report, "render_outputs", broken)
    with pytest.raises(RuntimeError):
        write_outputs(run, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_refuses_to_replace_a_folder_that_is_not_an_output(
        run: RunResult, tmp_path: Path) -> None:
    mine = tmp_path / "my-documents"
    mine.mkdir()
    (mine / "thesis.docx").write_text("precious")
    with pytest.raises(MissionFinanceError, match="does not hold missionfinance outputs"):
        write_outputs(run, mine)
    assert (mine / "thesis.docx").read_text() == "precious"
    afile = tmp_path / "file"
    afile.write_text("x")
    with pytest.raises(MissionFinanceError, match="not a folder"):
        write_outputs(run, afile)


def test_infeasible_run_is_reported_not_hidden(tmp_path: Path) -> None:
    run = make_run(tmp_path / "w", 8, infeasible=True)
    files = render_outputs(run, tmp_path)
    summary = json.loads(files["summary.json"])
    assert summary["status"] == "infeasible" and summary["objective"] is None
    assert files["allocation.csv"] == b"project_id,instrument,year,public,private\n"
    assert b"did not find an optimal allocation" in files["report.html"]
    # the conflict, in the scenario's own key and in words (DESIGN §7)
    assert b"constraints.mission_floor.health = 100,000: at least" in files["report.html"]
