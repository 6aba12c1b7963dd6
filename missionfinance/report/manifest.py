"""manifest.json: what an auditor needs to regenerate a run and check it byte for byte.

The manifest records the SHA-256 of the scenario file and of every input file, the
versions of Python and of the packages that shape the numbers, the solver's name,
version and options (threads, seed, tolerances as the model reports them; measured
durations such as ``seconds`` are left out, see :func:`solver_record`), the status
and objective, and the SHA-256 and size of every other output file. It holds no
wall-clock time, no host name and no absolute path that depends on where the output
folder is, so a re-run writes the same manifest.

Paths
-----
Paths are stored relative to the **parent of the output folder** (``base``), with ``/``
separators: for ``missionfinance run scenarios/sr25.toml --out results/sr25`` the
scenario is recorded as ``../scenarios/sr25.toml``. Any sibling of the output folder
therefore records the same text, and :func:`missionfinance.audit.verify` resolves the
path against the parent of the folder it checks: move the output folder together with
its parent's neighbourhood (or keep it where it was written). Files shipped inside the
missionfinance package are recorded as ``package:missionfinance/<path>`` so that they
do not depend on where the package is installed; ``builtin:`` specifications are
recorded as given with no hash. A path that cannot be made relative (another drive) is
stored absolute.
"""

from __future__ import annotations

import hashlib
import os
import platform
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from missionfinance._version import __version__
from missionfinance.errors import MissionFinanceError

if TYPE_CHECKING:  # the scenario stage composes this one; its types are named, not imported
    from missionfinance.scenario import RunResult

#: Version of the manifest layout; bump on any change of keys.
MANIFEST_VERSION = 1

#: Distributions whose versions can change the numbers or the bytes of a report.
PACKAGES = (
    "missionfinance",
    "numpy",
    "pandas",
    "scipy",
    "xarray",
    "highspy",
    "pyomo",
    "jinja2",
    "matplotlib",
    "xlsxwriter",
)

_PACKAGE_ROOT = Path(__file__).resolve().parent.parent
_PACKAGE_PREFIX = "package:missionfinance/"


def sha256_bytes(data: bytes) -> str:
    """Hex SHA-256 of ``data``.

    Examples
    --------
    >>> sha256_bytes(b"")[:16]
    'e3b0c44298fc1c14'
    """
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of the file at ``path`` (read in 1 MiB blocks)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def package_versions() -> dict[str, str]:
    """Python and :data:`PACKAGES` versions (``"not installed"`` when absent)."""
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = (
                __version__ if name == "missionfinance" else "not installed"
            )
    return versions


def portable_path(path: str | os.PathLike[str], base: Path) -> str:
    """Text recorded in the manifest for ``path``, relative to ``base`` (see module doc).

    Examples
    --------
    >>> portable_path("/data/run/scenarios/a.toml", Path("/data/run/results"))
    '../scenarios/a.toml'
    >>> portable_path("builtin:uk", Path("/tmp"))
    'builtin:uk'
    """
    text = os.fspath(path)
    if text.startswith(("builtin:", _PACKAGE_PREFIX)):
        return text
    absolute = Path(os.path.abspath(text))
    try:
        return _PACKAGE_PREFIX + absolute.resolve().relative_to(_PACKAGE_ROOT).as_posix()
    except ValueError:
        pass
    try:
        return Path(os.path.relpath(absolute, os.path.abspath(base))).as_posix()
    except ValueError:  # another drive on Windows
        return absolute.as_posix()


def resolve_path(text: str, base: Path) -> Path | None:
    """Inverse of :func:`portable_path`: the file a manifest path names (None for builtins)."""
    if text.startswith("builtin:"):
        return None
    if text.startswith(_PACKAGE_PREFIX):
        return _PACKAGE_ROOT / text[len(_PACKAGE_PREFIX) :]
    path = Path(text)
    return path if path.is_absolute() else Path(os.path.normpath(Path(base) / path))


def file_record(path: str | os.PathLike[str], base: Path, role: str | None = None) -> dict[str, Any]:
    """``{"role"?, "path", "sha256", "bytes"}`` of one input file."""
    record: dict[str, Any] = {} if role is None else {"role": role}
    record["path"] = portable_path(path, base)
    if record["path"].startswith("builtin:"):
        record.update(sha256=None, bytes=None)
        return record
    file = Path(path)
    if not file.is_file():
        raise MissionFinanceError(
            f"{file.name}: input file {os.fspath(path)!r} not found while writing the manifest; "
            "keep every input in place until the run's outputs are written"
        )
    record.update(sha256=sha256_file(file), bytes=file.stat().st_size)
    return record


def input_records(input_files: Mapping[str, Any] | None, base: Path) -> list[dict[str, Any]]:
    """Records of every input file, sorted by role then path."""
    records: list[dict[str, Any]] = []
    for role, paths in (input_files or {}).items():
        items: Iterable[Any] = (
            [paths] if isinstance(paths, str | os.PathLike) else list(paths or [])
        )
        seen: set[str] = set()
        for item in items:
            rec = file_record(item, base, str(role))
            if rec["path"] not in seen:
                seen.add(rec["path"])
                records.append(rec)
    return sorted(records, key=lambda r: (r["role"], r["path"]))


#: Keys of the solver record that hold measured durations, never written (they change
#: from run to run; ``time_limit`` and other options are kept).
TIMING_KEYS = frozenset({"seconds", "elapsed", "runtime", "run_time", "wall_time", "walltime",
                         "timing", "timings", "duration", "durations", "solve_time",
                         "build_time"})


def solver_record(solver: Mapping[str, Any] | None) -> dict[str, Any]:
    """The solver dict without measured durations (:data:`TIMING_KEYS`), recursively.

    Examples
    --------
    >>> solver_record({"name": "HiGHS", "options": {"threads": 1, "time_limit": None},
    ...                "seconds": {"solve": 0.05}})
    {'name': 'HiGHS', 'options': {'threads': 1, 'time_limit': None}}
    """
    out: dict[str, Any] = {}
    for key, value in (solver or {}).items():
        if str(key).lower() in TIMING_KEYS:
            continue
        out[str(key)] = solver_record(value) if isinstance(value, Mapping) else value
    return out


def build_manifest(
    run: RunResult,
    outputs: Mapping[str, bytes],
    base: Path,
    summary: Mapping[str, Any],
    *,
    packages: Mapping[str, str] | None = None,
    digests: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The manifest of ``run`` whose other outputs are ``outputs`` (name → bytes).

    Parameters
    ----------
    run : RunResult
        The run (``.scenario``, ``.allocation``, ``.input_files``).
    outputs : mapping of str to bytes
        Every other output file, in the order they are listed.
    base : Path
        Folder that recorded paths are relative to: the parent of the output folder.
    summary : mapping
        The content of summary.json (status and objective are copied).
    packages : mapping of str to str, optional
        :func:`package_versions`, when already known (the run's prepared parts hold them).
    digests : mapping of str to str, optional
        SHA-256 of some of ``outputs`` by name, already computed (by the worker process
        that rendered them); the others are computed here.
    """
    scenario = run.scenario
    scenario_path = getattr(scenario, "path", None)
    scenario_record: dict[str, Any] = {"name": str(getattr(scenario, "name", ""))}
    if scenario_path is None:
        scenario_record.update(path=None, sha256=None, bytes=None)
    else:
        scenario_record.update(file_record(scenario_path, base))
    result = run.allocation
    known = digests or {}
    return {
        "manifest_version": MANIFEST_VERSION,
        "paths_relative_to": "parent folder of this output folder",
        "scenario": scenario_record,
        "inputs": input_records(getattr(run, "input_files", None), base),
        "packages": dict(packages) if packages is not None else package_versions(),
        "solver": solver_record(getattr(result, "solver", None)),
        "status": summary.get("status"),
        "objective": summary.get("objective"),
        "outputs": {
            name: {"sha256": known.get(name) or sha256_bytes(data), "bytes": len(data)}
            for name, data in outputs.items()
        },
    }
