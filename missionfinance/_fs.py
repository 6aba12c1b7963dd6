"""Atomic writes: a file or a whole output folder appears complete or not at all.

Also :class:`Workers`, which renders the files of one output folder in forked worker
processes beside the caller, so that the folder is written atomically as before.

Every writer of the package goes through this module. Data is written into a hidden
temporary beside the target (``.<name>.tmp-<pid>-<token>``), flushed and fsynced, then
renamed into place. An existing output folder is moved aside first and removed only
after the new one is in place, so an interrupted write leaves the old folder (or, in
the instant of the swap, none) but never a half-written one.

Stopping: Python stops at once on SIGTERM or SIGHUP, running no clean-up, so a temporary
being written would stay behind. Inside :func:`stop_signals` (the command line's ``tag``)
those signals and SIGINT raise :class:`Interrupted` instead, so every ``finally`` runs and
removes its temporaries; the renames that put a set of files in place
(:func:`write_files`) run with the signals held, so a set is replaced whole or not at all.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import re
import secrets
import shutil
import signal
import socket
import sys
import tempfile
import threading
import traceback
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any, Generic, NoReturn, TypeVar, cast

from missionfinance.errors import MissionFinanceError, MissionFinanceWarning


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


class Interrupted(KeyboardInterrupt):
    """A stop signal received inside :func:`stop_signals`, raised where the program was.

    A :class:`KeyboardInterrupt`, so code that cleans up on Ctrl-C cleans up on SIGTERM too.

    Attributes
    ----------
    signum : int
        The signal (``signal.SIGTERM``, ``SIGINT``, ``SIGHUP``).
    written : bool
        True when it came while :func:`write_files` renamed its files into place and was
        held until they all were: the outputs are complete.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = int(signum)
        self.written = False


#: Signals :func:`stop_signals` turns into :class:`Interrupted` (SIGHUP where there is one).
STOP_SIGNALS: tuple[int, ...] = tuple(
    int(getattr(signal, name)) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))

_held = 0  # depth of the held() blocks now running
_pending: list[int] = []  # stop signals received inside them
_owner: int | None = None  # the process whose handlers stop_signals installed


def _on_stop_signal(signum: int, frame: object) -> None:
    if os.getpid() != _owner:  # a forked child: end as the signal's default action would
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
        return
    if _held:
        _pending.append(signum)
        return
    raise Interrupted(signum)


@contextlib.contextmanager
def stop_signals() -> Iterator[None]:
    """Within the block, SIGINT, SIGTERM and SIGHUP raise :class:`Interrupted`.

    The exception rises in the main thread wherever the program is, so ``finally`` clauses
    and ``except BaseException`` clean-ups run (a temporary being written is removed)
    instead of the process ending on the spot. Inside :func:`held` blocks the signal waits
    until the block ends. The previous handlers are restored on leaving. Outside the main
    thread, where handlers cannot be set, the block runs unchanged.
    """
    global _owner
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.getsignal(s) for s in STOP_SIGNALS}
    owner, _owner = _owner, os.getpid()
    try:
        for s in STOP_SIGNALS:
            signal.signal(s, _on_stop_signal)
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler if handler is not None else signal.SIG_DFL)
        _owner = owner


@contextlib.contextmanager
def held() -> Iterator[None]:
    """Hold the stop signals of :func:`stop_signals` until the block ends, then raise.

    For steps that must not be cut in two (renaming a set of files into place). A stop
    signal received in the block raises :class:`Interrupted` when it ends, unless the block
    raised an exception of its own, which then goes on (the signal is dropped: the command
    is ending anyway).
    """
    global _held
    _held += 1
    try:
        yield
    except BaseException:
        _held -= 1
        if not _held:
            _pending.clear()
        raise
    _held -= 1
    if not _held and _pending:
        signum = _pending[0]
        _pending.clear()
        raise Interrupted(signum)


def _create(tmp: Path, data: bytes) -> None:
    """Write a new file ``tmp`` (it must not exist), with a new file's usual mode, fsynced."""
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fchmod(handle.fileno(), 0o666 & ~_umask())
        os.fsync(handle.fileno())


def write_files(files: Mapping[Path, bytes]) -> list[Path]:
    """Write several files atomically as one set: all of them are replaced, or none.

    Each file is written to a hidden temporary beside it (``.<name>.tmp-<pid>-<token>``)
    and fsynced; only when every one is complete are they renamed into place, with the stop
    signals held (:func:`held`) so that no signal falls between two renames. On any error
    or interruption before that, the temporaries are removed, and so are the folders this
    call created, so the targets are as they were.

    The files get the permissions any new file of the user gets (``0o666`` less the
    umask), not the owner-only ``0o600`` of a temporary file, so colleagues on a shared
    drive can read them as they read the user's other files.

    Parameters
    ----------
    files : mapping of Path to bytes
        Target path → content.

    Returns
    -------
    list of Path
        The targets, in the order given.
    """
    made: list[Path] = []
    temporaries: list[tuple[Path, Path]] = []
    done = False
    try:
        for path in files:
            missing = [d for d in (path.parent, *path.parent.parents) if not d.exists()]
            for folder in reversed(missing):
                with contextlib.suppress(FileExistsError):
                    folder.mkdir()
                    made.append(folder)
        for path, data in files.items():
            tmp = path.parent / f".{path.name}.tmp-{_token()}"
            temporaries.append((tmp, path))  # before it exists: the clean-up below covers it
            _create(tmp, data)
        try:
            with held():
                for tmp, path in temporaries:
                    os.replace(tmp, path)
                done = True
        except Interrupted as exc:
            exc.written = done
            raise
    finally:
        for tmp, _ in temporaries:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
        if not done:
            for folder in reversed(made):
                with contextlib.suppress(OSError):
                    folder.rmdir()  # only when still empty
    return list(files)


def write_file(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (hidden temporary, fsync, rename).

    The file gets the permissions any new file of the user gets (``0o666`` less the
    umask); see :func:`write_files`, which this is for one file.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = write_file(Path(d) / "a.csv", b"x\\n")
    ...     (p.read_bytes(), sorted(os.listdir(d)))
    (b'x\\n', ['a.csv'])
    """
    return write_files({path: data})[0]


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


#: A file inside each temporary output folder while it is being written: the host and the
#: process id of the writer, so that a later run can prove the folder is a leftover of
#: its own kind whose writer has died. It is removed before the folder is renamed into place.
PARTIAL_MARKER = ".missionfinance-partial"


def _host() -> str:
    return socket.gethostname() or "localhost"


def _mark(tmp: Path) -> None:
    """Write the marker into a new temporary output folder."""
    (tmp / PARTIAL_MARKER).write_text(f"{_host()} {os.getpid()}\n", encoding="ascii")


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError):  # exists but is someone else's, or cannot tell
        return True
    return True


def _ours(folder: str, pid: int, names: set[str]) -> bool:
    """True when ``folder`` was provably made by :func:`write_folder` in process ``pid``.

    It holds the marker naming this host and ``pid``, or (a folder written before markers
    existed, or caught after its marker was removed) nothing but regular files named like
    the files being written now.
    """
    try:
        host, marked = (Path(folder) / PARTIAL_MARKER).read_text(encoding="ascii").split()
    except FileNotFoundError:
        try:
            with os.scandir(folder) as it:
                return all(e.is_file(follow_symlinks=False) and e.name in names for e in it)
        except OSError:
            return False
    except (OSError, ValueError, UnicodeDecodeError):
        return False
    return host == _host() and marked == str(pid)


def clean_stale_tmp_folders(out: Path, names: Iterable[str] = ()) -> list[str]:
    """Remove temporary folders that earlier, killed writes of ``out`` left beside it.

    A folder is removed only when this module can prove it is such a leftover: its name
    is ``.NAME.tmp-<pid>-<8 hex digits>`` (a partial new folder) or ``.NAME.old-…`` (the
    previous folder, moved aside by :func:`swap_in`) for this ``out``, it is a real folder (not a
    link), no process with that pid runs, and it holds the marker :func:`write_folder`
    puts in while writing (naming this host and that pid) — or, without a marker, only
    regular files among ``names`` (the files of the write about to happen). Each removal is
    reported as a :class:`~missionfinance.errors.MissionFinanceWarning` (the CLI prints it
    as one line on stderr). Returns the names removed.
    """
    if os.name != "posix":  # no safe way to ask whether a pid runs
        return []
    parent = out.absolute().parent
    pattern = re.compile(rf"\.{re.escape(out.name)}\.(tmp|old)-(\d+)-[0-9a-f]{{8}}")
    removed: list[str] = []
    try:
        entries = list(os.scandir(parent))
    except OSError:
        return removed
    for entry in entries:
        m = pattern.fullmatch(entry.name)
        if not m or not entry.is_dir(follow_symlinks=False):
            continue
        kind, pid = m.group(1), int(m.group(2))
        if pid == os.getpid() or _running(pid) or not _ours(entry.path, pid, set(names)):
            continue  # alive, or not provably ours
        shutil.rmtree(entry.path, ignore_errors=True)
        if not os.path.exists(entry.path):
            removed.append(entry.name)
            warnings.warn(
                f"removed {entry.name}, "
                + ("a partial output folder left" if kind == "tmp" else "an older output folder set aside")
                + f" by an earlier run (process {pid}) that was stopped before it finished",
                MissionFinanceWarning, stacklevel=2,
            )
    return removed


def write_folder(files: Mapping[str, bytes], out: Path) -> Path:
    """Write ``files`` (name → bytes) as the folder ``out``, atomically.

    The files go into a new hidden folder beside ``out``, each fsynced, and that folder
    is swapped in by rename (:func:`swap_in`), with the stop signals held (:func:`held`):
    a signal then leaves the new folder in place (``Interrupted.written``) or none of it.
    The caller checks ``out`` first (:func:`check_output_folder`). Partial folders that earlier, killed writes of ``out``
    left beside it are removed first (:func:`clean_stale_tmp_folders`).
    """
    parent = out.absolute().parent
    parent.mkdir(parents=True, exist_ok=True)
    clean_stale_tmp_folders(out, files)
    token = _token()
    tmp = parent / f".{out.name}.tmp-{token}"
    os.mkdir(tmp)
    done = False
    try:
        _mark(tmp)
        for name, data in files.items():
            _write_synced(tmp / name, data)
        # a stop signal (stop_signals) waits until the folder is in place or not at all
        with held():
            (tmp / PARTIAL_MARKER).unlink()
            swap_in(tmp, out.absolute(), parent / f".{out.name}.old-{token}")
            done = True
    except BaseException as exc:
        if isinstance(exc, Interrupted):
            exc.written = done
        if not done:
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


# --- rendering output files in worker processes ------------------------------------------

T = TypeVar("T")


def usable_cpus() -> int:
    """CPUs this process may run on (its affinity mask where the platform has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def can_fork() -> bool:
    """True where :class:`Workers` forks worker processes unless told otherwise.

    That is Linux with at least two CPUs for this process. Elsewhere the jobs run one after
    another in the calling process: Windows has no ``fork``, and on macOS the system
    libraries (Accelerate, which numpy uses there, among them) are not safe to use in a
    child forked from a process that has started threads, as HiGHS and pyarrow do.
    """
    return hasattr(os, "fork") and sys.platform.startswith("linux") and usable_cpus() >= 2


class WorkerError(Exception):
    """An error in a worker process that could not be carried back as itself."""


def _payload(kind: str, value: object, caught: list[warnings.WarningMessage]) -> bytes:
    """Pickled outcome of a job, with its warnings (those that pickle)."""
    notes: list[tuple[Warning | str, type[Warning], str, int]] = []
    for w in caught:
        try:
            pickle.dumps(w.message)
        except Exception:  # a warning that cannot travel is shown as text
            notes.append((str(w.message), w.category, w.filename, w.lineno))
        else:
            notes.append((w.message, w.category, w.filename, w.lineno))
    if kind == "error":
        assert isinstance(value, BaseException)
        text = "".join(traceback.format_exception(value))
        try:
            data = pickle.dumps((kind, value, notes, text), protocol=pickle.HIGHEST_PROTOCOL)
            pickle.loads(data)  # an exception whose arguments do not round-trip is rebuilt
            return data
        except Exception:
            message = str(value)
            value = (MissionFinanceError(message) if isinstance(value, MissionFinanceError)
                     else WorkerError(f"{type(value).__name__}: {message}"))
    return pickle.dumps((kind, value, notes, ""), protocol=pickle.HIGHEST_PROTOCOL)


def _in_child(job: Callable[[], object], handle: IO[bytes]) -> NoReturn:
    """Run ``job`` in a forked process, pickle its outcome into ``handle`` and exit."""
    code = 1
    try:
        with warnings.catch_warnings(record=True) as caught:
            try:
                outcome = ("ok", job())
            except BaseException as exc:  # carried to the parent, raised there
                outcome = ("error", exc)
        handle.write(_payload(outcome[0], outcome[1], caught))
        handle.flush()
        code = 0
    finally:
        os._exit(code)


class _Job(Generic[T]):
    """One job: run already (its value or error kept), or running in a child process."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.pid: int | None = None
        self.handle: IO[bytes] | None = None
        self.done = False
        self.value: Any = None
        self.error: BaseException | None = None
        self.raised = False

    def reap(self, kill: bool = False) -> None:
        """Wait for the child (killed first when ``kill``) and take its outcome."""
        if self.done:
            return
        self.done = True
        assert self.pid is not None and self.handle is not None
        if kill:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
        _, status = os.waitpid(self.pid, 0)
        with self.handle:
            self.handle.seek(0)
            data = self.handle.read()
        if kill:
            return
        try:
            kind, value, notes, text = pickle.loads(data)
        except Exception:  # nothing, or a partial outcome (the child died writing it)
            if os.WIFSIGNALED(status):
                number = os.WTERMSIG(status)
                name = signal.Signals(number).name if number in signal.valid_signals() \
                    else str(number)
                how = f"was stopped by signal {name}"
            else:
                how = f"exited with status {os.waitstatus_to_exitcode(status)}"
            self.error = MissionFinanceError(
                f"writing {self.label}: its worker process {how} before finishing; "
                "run the command again"
            )
            return
        for message, category, filename, lineno in notes:
            warnings.warn_explicit(message, category, filename, lineno)
        if kind == "ok":
            self.value = value
            return
        if text:
            value.add_note(f"in the worker process writing {self.label}:\n{text}")
        self.error = value

    def result(self) -> T:
        """The job's value; its error raised as it was raised in the job."""
        self.reap()
        if self.error is not None:
            self.raised = True
            raise self.error
        return cast("T", self.value)


class Workers:
    """Run rendering jobs beside the calling process, in forked children.

    ``submit(job, label)`` forks a child that runs ``job`` (a callable without arguments;
    it sees everything the caller has built so far) and returns at once; the caller goes
    on with other work and takes the value with the returned function. The value comes back
    pickled through an unnamed temporary file. An exception in the job is raised by that
    function as itself (its message unchanged, the child's traceback in a note), the
    job's warnings are issued again in the caller, and a child that dies without an outcome
    (killed by a signal) gives a :class:`~missionfinance.errors.MissionFinanceError`.
    Leaving the ``with`` block reaps every child and raises an error no one has taken. When
    the block ends with an ``Exception``, the jobs submitted earlier are awaited first and
    the first error among them not yet raised (in the order of submission) is raised in its
    place: the error is the one running the same steps one after another would give. On
    ``KeyboardInterrupt`` and the like the children are killed.

    By default the children are forked where :func:`can_fork` says so; ``parallel=True``
    forks them wherever ``os.fork`` exists, ``parallel=False`` never. Otherwise (or when no
    temporary file or process can be made) each job runs at once in the calling process, in
    the same order. Children are single threaded and leave with ``os._exit`` (no ``atexit`` handlers, no
    flushing of the parent's buffers).
    """

    def __init__(self, parallel: bool | None = None) -> None:
        self.parallel = can_fork() if parallel is None else bool(parallel) and hasattr(os, "fork")
        self._jobs: list[_Job[Any]] = []
        self._frozen = False

    def submit(self, job: Callable[[], T], label: str) -> Callable[[], T]:
        """Start ``job``; return the function that gives its value (or raises its error)."""
        entry: _Job[T] = _Job(label)
        pid = self._fork(job, entry) if self.parallel else None
        if pid is None:  # here and now, as running the steps in turn
            entry.done = True
            try:
                entry.value = job()
            except BaseException:
                entry.raised = True
                raise
        return entry.result

    def _fork(self, job: Callable[[], T], entry: _Job[T]) -> int | None:
        """Fork a child running ``job`` for ``entry``; None when no child can be made."""
        try:
            handle = tempfile.TemporaryFile()
        except OSError:  # no room for the outcome: the job runs in this process
            return None
        if not self._frozen:
            # until the children are reaped, neither side's collections walk (and so copy)
            # the pages of the objects they share
            gc.freeze()
            self._frozen = True
        try:
            pid = os.fork()
        except OSError:  # too many processes, or no memory for one more
            handle.close()
            return None
        if pid == 0:  # pragma: no cover - the child leaves through os._exit
            _in_child(job, handle)
        entry.pid, entry.handle = pid, handle
        self._jobs.append(entry)
        return pid

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: object) -> None:
        waited = kind is None or issubclass(kind, Exception)
        first: BaseException | None = None
        for entry in self._jobs:
            entry.reap(kill=not waited)
            if first is None and entry.error is not None and not entry.raised:
                first = entry.error
        self._jobs.clear()
        if self._frozen:
            gc.unfreeze()
            self._frozen = False
        if first is not None and first is not exc:
            raise first from None
