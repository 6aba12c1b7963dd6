"""Atomic writes: a file or a whole output folder appears complete or not at all.

Every writer of the package goes through this module. Data is written into a hidden
temporary beside the target (``.<name>.tmp-<pid>-<token>``), flushed and fsynced, then
renamed into place. An existing output folder is moved aside first and removed only
after the new one is in place, so an interrupted write leaves the old folder (or, in
the instant of the swap, none) but never a half-written one.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

from missionfinance.errors import MissionFinanceError


def _token() -> str:
    return f"{os.getpid()}-{secrets.token_hex(4)}"


def _write_synced(path: Path, data: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _umask() -> int:
    """The process's file-creation mask (read without changing it for other threads)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_file(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (hidden temporary, fsync, rename).

    The file gets the permissions any new file of the user gets (``0o666`` less the
    umask), not the owner-only ``0o600`` of a temporary file, so colleagues on a shared
    drive can read it as they read the user's other files.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = write_file(Path(d) / "a.csv", b"x\\n")
    ...     (p.read_bytes(), sorted(os.listdir(d)))
    (b'x\\n', ['a.csv'])
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fchmod(handle.fileno(), 0o666 & ~_umask())
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def check_output_folder(out: Path) -> None:
    """Refuse an ``out`` that is a file, or a non-empty folder without a ``manifest.json``.

    Only a folder an earlier missionfinance run wrote (it holds a manifest) is ever
    replaced; any other folder is left alone and the caller is told to choose another.
    """
    if out.exists() and not out.is_dir():
        raise MissionFinanceError(f"{out}: exists and is not a folder; give --out a folder path")
    if out.is_dir() and any(out.iterdir()) and not (out / "manifest.json").is_file():
        raise MissionFinanceError(
            f"{out}: folder exists and does not hold missionfinance outputs (no manifest.json); "
            "choose a new --out folder or empty it"
        )


def write_folder(files: Mapping[str, bytes], out: Path) -> Path:
    """Write ``files`` (name → bytes) as the folder ``out``, atomically.

    The files go into a new hidden folder beside ``out``, each fsynced, and that folder
    is swapped in by rename (:func:`swap_in`). The caller checks ``out`` first
    (:func:`check_output_folder`).
    """
    parent = out.absolute().parent
    parent.mkdir(parents=True, exist_ok=True)
    token = _token()
    tmp = parent / f".{out.name}.tmp-{token}"
    os.mkdir(tmp)
    try:
        for name, data in files.items():
            _write_synced(tmp / name, data)
        swap_in(tmp, out.absolute(), parent / f".{out.name}.old-{token}")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def swap_in(new: Path, target: Path, old: Path) -> None:
    """Rename ``new`` to ``target``, moving an existing ``target`` aside to ``old`` first."""
    if not target.exists():
        os.rename(new, target)
        return
    os.rename(target, old)
    try:
        os.rename(new, target)
    except BaseException:
        os.rename(old, target)
        raise
    shutil.rmtree(old, ignore_errors=True)
