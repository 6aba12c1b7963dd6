"""Verify a run's output folder: re-run its scenario and compare every file byte for byte.

:func:`verify` reads ``manifest.json`` in the folder, checks that the scenario file and
every input file still have the SHA-256 the manifest recorded, re-runs the scenario
(``Scenario.load(path).run()``), renders every output in memory with
:func:`missionfinance.report.render_outputs` and compares each with the file in the
folder. A file is ``identical``, ``different`` (with the first differing line, or for
report.xlsx the first differing sheet and row) or ``missing``; any other file or folder
in the output folder is ``unlisted`` (the manifest does not list it, so nothing vouches for
it). The verification passes only when every file is identical, nothing is unlisted and no
input changed; ``missionfinance verify DIR``
prints the result and exits 0 when it passes, 1 otherwise.

Paths in the manifest are relative to the parent of the output folder (see
:mod:`missionfinance.report.manifest`), so verify the folder where ``run`` wrote it, or
move it together with the scenario and inputs keeping their relative places.

Because the manifest holds the SHA-256 of every other output, and verify also compares
the manifest itself with the regenerated one, an edit of any byte of any output (or of
the manifest) is reported naming the file, and an edit of an input is reported naming
the input — even when the regenerated outputs happen not to change.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from missionfinance.errors import MissionFinanceError
from missionfinance.report import OUTPUT_FILES, render_outputs
from missionfinance.report.manifest import resolve_path, sha256_bytes, sha256_file
from missionfinance.scenario import Scenario

IDENTICAL = "identical"
DIFFERENT = "different"
MISSING = "missing"
UNLISTED = "unlisted"
CHANGED = "changed"
UNCHANGED = "unchanged"

_SHOW = 70


@dataclass(frozen=True)
class FileCheck:
    """Outcome for one output file.

    Attributes
    ----------
    name : str
        File name, e.g. ``"allocation.csv"``.
    status : str
        ``identical``, ``different``, ``missing`` or ``unlisted`` (in the folder but not
        in the manifest).
    detail : str
        Where it differs first (line or sheet and row), in words.
    edited : bool or None
        True when the file in the folder no longer has the SHA-256 the manifest recorded
        (edited after the run); None when the manifest has no hash for it.
    """

    name: str
    status: str
    detail: str = ""
    edited: bool | None = None


@dataclass(frozen=True)
class InputCheck:
    """Outcome for one input file: ``unchanged``, ``changed`` or ``missing``."""

    role: str
    path: str
    status: str


@dataclass(frozen=True)
class VerifyResult:
    """What :func:`verify` found.

    Attributes
    ----------
    out_dir : Path
        The folder checked.
    scenario : str
        The scenario path as the manifest records it.
    files : tuple of FileCheck
        One per output file, in manifest order.
    inputs : tuple of InputCheck
        The scenario file and every input file.
    error : str
        Why the scenario could not be re-run ("" when it was).
    """

    out_dir: Path
    scenario: str
    files: tuple[FileCheck, ...] = ()
    inputs: tuple[InputCheck, ...] = ()
    error: str = ""

    @property
    def ok(self) -> bool:
        """True when every file is identical and no input changed."""
        return (
            not self.error
            and all(f.status == IDENTICAL for f in self.files)
            and all(i.status == UNCHANGED for i in self.inputs)
        )

    @property
    def different(self) -> list[str]:
        """Names of the output files that are not identical (different or missing)."""
        return [f.name for f in self.files if f.status != IDENTICAL]

    @property
    def changed_inputs(self) -> list[str]:
        """Paths of the inputs whose SHA-256 changed since the run, or that are missing."""
        return [i.path for i in self.inputs if i.status != UNCHANGED]

    def __str__(self) -> str:
        extra = [f.name for f in self.files if f.status == UNLISTED]
        listed = len(self.files) - len(extra)
        bad = len(self.different) - len(extra)
        head = "OK: every file is identical" if self.ok else (
            f"FAILED: {bad} of {listed} files differ, "
            + (f"{len(extra)} file(s) not in the manifest ({', '.join(extra[:3])}), " if extra else "")
            + f"{len(self.changed_inputs)} input(s) changed"
        )
        lines = [f"verify {self.out_dir}: {head}", f"scenario: {self.scenario}"]
        if self.error:
            lines.append(f"re-run failed: {self.error}")
        lines.append("inputs:")
        lines += [f"  {i.status:<10} {i.role:<10} {i.path}" for i in self.inputs]
        lines.append("files:")
        for f in self.files:
            note = " (edited since the run: SHA-256 differs from manifest)" if f.edited else ""
            detail = f": {f.detail}" if f.detail else ""
            lines.append(f"  {f.status:<10} {f.name}{note}{detail}")
        return "\n".join(lines)


def _manifest(out_dir: Path) -> tuple[dict[str, Any] | None, str]:
    path = out_dir / "manifest.json"
    if not out_dir.is_dir():
        raise MissionFinanceError(f"{out_dir}: folder not found; give the folder `missionfinance run` wrote")
    if not path.is_file():
        raise MissionFinanceError(
            f"{path}: not found; {out_dir} is not a missionfinance output folder"
        )
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:  # JSONDecodeError is a ValueError
        return None, f"manifest.json is not valid JSON ({' '.join(str(exc).split())[:120]})"
    except RecursionError:
        return None, "manifest.json is not a missionfinance manifest (JSON nested too deeply)"
    except OSError as exc:
        return None, f"manifest.json cannot be read ({exc.strerror})"
    if not isinstance(data, dict) or not isinstance(data.get("scenario"), dict):
        return None, "manifest.json has no scenario record"
    if not isinstance(data.get("inputs", []), list) or not isinstance(data.get("outputs", {}), dict):
        return None, "manifest.json has damaged inputs or outputs records"
    return data, ""


def _check_inputs(manifest: dict[str, Any], base: Path) -> list[InputCheck]:
    records = [dict(manifest["scenario"], role="scenario")]
    records += [r for r in manifest.get("inputs", []) if isinstance(r, dict)]
    checks: list[InputCheck] = []
    seen: set[tuple[str, str]] = set()
    for rec in records:
        text = str(rec.get("path"))
        key = (str(rec.get("role")), text)
        if key in seen or rec.get("path") is None:
            continue
        seen.add(key)
        path = resolve_path(text, base)
        if path is None:
            continue
        if not path.is_file():
            status = MISSING
        else:
            status = UNCHANGED if sha256_file(path) == rec.get("sha256") else CHANGED
        checks.append(InputCheck(str(rec.get("role")), text, status))
    return checks


def _default_rerun(scenario_path: Path) -> Any:

    return Scenario.load(scenario_path).run()


def verify(out_dir: str | Path, rerun: Callable[[Path], Any] | None = None) -> VerifyResult:
    """Re-run the scenario recorded in ``out_dir/manifest.json`` and compare every file.

    Parameters
    ----------
    out_dir : path-like
        A folder written by ``missionfinance run`` / :func:`missionfinance.report.write_outputs`.
    rerun : callable, optional
        ``rerun(scenario_path) -> RunResult``; default ``Scenario.load(path).run()``.

    Returns
    -------
    VerifyResult
        ``.ok`` is True when every file is identical and no input changed; ``str()``
        gives the file-by-file report.

    Raises
    ------
    MissionFinanceError
        When ``out_dir`` does not exist or holds no manifest.json.

    Examples
    --------
    >>> verify("no-such-folder")
    Traceback (most recent call last):
    ...
    missionfinance.errors.MissionFinanceError: no-such-folder: folder not found; give the folder `missionfinance run` wrote
    """
    folder = Path(out_dir)
    base = folder.absolute().parent
    manifest, problem = _manifest(folder)
    if manifest is None:
        files = tuple(_compare(name, folder, None, None) for name in OUTPUT_FILES
                      if name != "manifest.json")
        files += (FileCheck("manifest.json", DIFFERENT, problem),)
        return VerifyResult(folder, "?", files + _unlisted(folder, OUTPUT_FILES), (),
                            f"cannot re-run: {problem}")
    scenario_text = str(manifest["scenario"].get("path"))
    if manifest.get("kind") == "sweep":
        return _verify_sweep(folder, manifest, base)
    inputs = _check_inputs(manifest, base)
    recorded = {str(k): v.get("sha256") for k, v in (manifest.get("outputs") or {}).items()
                if isinstance(v, dict)}
    recorded["manifest.json"] = None
    simulation = manifest.get("simulation")
    names = list(dict.fromkeys([*recorded, *([] if simulation else OUTPUT_FILES)]))
    fresh: dict[str, bytes] | None = None
    error = ""
    scenario_path = resolve_path(scenario_text, base)
    if scenario_path is None or not scenario_path.is_file():
        error = f"scenario file {scenario_text!r} not found (resolved against {base})"
    else:
        try:
            run = (rerun or _default_rerun)(scenario_path)
            if isinstance(simulation, dict):  # a `missionfinance simulate` folder
                from missionfinance.report.simulation import render_simulation

                traj = run.scenario.simulate(int(simulation["draws"]), int(simulation["seed"]),
                                             run=run)
                fresh = render_simulation(run, traj, base)
            else:
                fresh = render_outputs(run, base)
        except MissionFinanceError as exc:
            error = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    checks = []
    for name in names:
        expected = None if fresh is None else fresh.get(name)
        check = _compare(name, folder, expected, recorded.get(name))
        if fresh is not None and expected is None and check.status != MISSING:
            check = FileCheck(name, DIFFERENT, "not produced by the re-run", check.edited)
        checks.append(check)
    checks += _unlisted(folder, names)
    return VerifyResult(folder, scenario_text, tuple(checks), tuple(inputs), error)


def _verify_sweep(folder: Path, manifest: dict[str, Any], base: Path) -> VerifyResult:
    """Verify a folder written by ``missionfinance sweep``.

    Checks the scenario and every input file the manifest records (pipeline, lines,
    rules, missions, outcome files; a folder written before inputs were recorded has only
    the scenario), re-runs the recorded variants of the recorded scenario (in this
    process; a sweep's table does not depend on the number of workers), compares every
    file and lists any file the manifest does not name as unlisted.
    """
    from missionfinance.sweep import Variant, run_sweep

    scenario_text = str(manifest["scenario"].get("path"))
    inputs = _check_inputs(manifest, base)
    recorded = {str(k): v.get("sha256") for k, v in (manifest.get("outputs") or {}).items()
                if isinstance(v, dict)}
    recorded["manifest.json"] = None
    fresh: dict[str, bytes] | None = None
    error = ""
    scenario_path = resolve_path(scenario_text, base)
    if manifest.get("paths_relative_to") != "parent folder of this output folder":
        error = ("this sweep folder records its scenario relative to the scenario's own "
                 "folder; run the sweep again to write a verifiable folder")
    elif scenario_path is None or not scenario_path.is_file():
        error = f"scenario file {scenario_text!r} not found (resolved against {base})"
    else:
        try:
            variants = [Variant(str(v["name"]), tuple((str(k), str(op), value)
                                                      for k, op, value in v["changes"]))
                        for v in manifest.get("variants", [])]
            result = run_sweep(Scenario.load(scenario_path), variants, workers=1,
                               exact=manifest.get("exact") is True)
            result.frontier_axes = tuple(manifest.get("frontier_axes")
                                         or result.frontier_axes)
            fresh = result.render(base)
        except MissionFinanceError as exc:
            error = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    checks = []
    for name in recorded:
        expected = None if fresh is None else fresh.get(name)
        checks.append(_compare(name, folder, expected, recorded.get(name)))
    checks += _unlisted(folder, recorded)
    return VerifyResult(folder, scenario_text, tuple(checks), tuple(inputs), error)


def _unlisted(folder: Path, listed: Iterable[str]) -> tuple[FileCheck, ...]:
    """Every entry of ``folder`` (hidden ones and folders too) that ``listed`` does not name."""
    known = set(listed)
    try:
        entries = sorted(os.listdir(folder))
    except OSError as exc:
        raise MissionFinanceError(f"{folder}: cannot list the folder ({exc.strerror}); check it") from None
    return tuple(
        FileCheck(name, UNLISTED, "not listed in manifest.json; remove it or re-run into a new folder")
        for name in entries if name not in known
    )


def _compare(name: str, folder: Path, expected: bytes | None, sha: str | None) -> FileCheck:

    path = folder / name
    if not path.is_file():
        return FileCheck(name, MISSING, "not in the folder")
    actual = path.read_bytes()
    edited = None if sha is None else sha256_bytes(actual) != sha
    if expected is None:
        # no re-run to compare with: fall back on the manifest's hash
        if edited is None:
            return FileCheck(name, DIFFERENT, "not checked: the scenario could not be re-run")
        return FileCheck(name, DIFFERENT if edited else IDENTICAL,
                         "SHA-256 differs from manifest" if edited else "", edited)
    if actual == expected:
        return FileCheck(name, IDENTICAL, "", edited)
    return FileCheck(name, DIFFERENT, first_difference(name, expected, actual), edited)


def first_difference(name: str, expected: bytes, actual: bytes) -> str:
    """Words locating the first difference between two versions of an output file.

    Examples
    --------
    >>> first_difference("a.csv", b"id,x\\nP1,1.0\\n", b"id,x\\nP1,2.0\\n")
    "line 2 (data row 1): expected 'P1,1.0', found 'P1,2.0'"
    """
    if name.endswith(".xlsx"):
        return _xlsx_difference(expected, actual)
    exp_lines = expected.decode("utf-8", errors="replace").split("\n")
    act_lines = actual.decode("utf-8", errors="replace").split("\n")
    for i, (e, a) in enumerate(zip(exp_lines, act_lines, strict=False)):
        if e != a:
            where = f"line {i + 1}" + (f" (data row {i})" if name.endswith(".csv") and i else "")
            col = next((k for k, (x, y) in enumerate(zip(e, a, strict=False)) if x != y),
                       min(len(e), len(a)))
            start = max(0, col - 20)
            return f"{where}: expected {e[start:start + _SHOW]!r}, found {a[start:start + _SHOW]!r}"
    if len(exp_lines) != len(act_lines):
        return f"expected {len(exp_lines) - 1} lines, found {len(act_lines) - 1}"
    return "bytes differ (line endings or encoding)"


def _xlsx_difference(expected: bytes, actual: bytes) -> str:
    import openpyxl

    try:
        found = openpyxl.load_workbook(io.BytesIO(actual), read_only=True, data_only=True)
    except Exception as exc:  # any failure means an unreadable workbook
        return f"not a readable workbook ({type(exc).__name__})"
    wanted = openpyxl.load_workbook(io.BytesIO(expected), read_only=True, data_only=True)
    try:
        if wanted.sheetnames != found.sheetnames:
            return f"sheets {found.sheetnames} instead of {wanted.sheetnames}"
        for sheet in wanted.sheetnames:
            rows_e = wanted[sheet].iter_rows(values_only=True)
            rows_a = found[sheet].iter_rows(values_only=True)
            for i, (e, a) in enumerate(zip(rows_e, rows_a, strict=False), start=1):
                if e != a:
                    return f"sheet {sheet!r} row {i}: expected {str(e)[:_SHOW]!r}, found {str(a)[:_SHOW]!r}"
        return "cell values are equal; the files differ in formatting or metadata"
    finally:
        wanted.close()
        found.close()
