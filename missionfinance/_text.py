"""Reading a user's file: path checks, decoding and TOML parsing, each error one line.

Every reader of a user file (scenario, rules, missions, variants, the tables and JSON of
:mod:`missionfinance.io`) goes through these functions, so that a path that is a folder,
a symlink loop, a file that cannot be opened, text that is not UTF-8 (or UTF-8 with a
byte-order mark where TOML forbids one) and a syntax error all become a one-line
:class:`~missionfinance.errors.MissionFinanceError` that names the file and says what to
do — never a ``RuntimeError``, ``UnicodeDecodeError`` or ``RecursionError``.
"""

from __future__ import annotations

import errno
import os
import stat
import tomllib
from pathlib import Path
from typing import Any, NoReturn

from missionfinance.errors import MissionFinanceError

__all__ = ["BOM", "check_user_file", "decode_utf8", "read_toml"]

#: The UTF-8 byte-order mark.
BOM = b"\xef\xbb\xbf"
_UTF16 = (b"\xff\xfe", b"\xfe\xff")


def _fail(name: str, message: str) -> NoReturn:
    raise MissionFinanceError(f"{name}: {message}") from None


def check_user_file(path: str | Path, what: str = "file", name: str | None = None) -> Path:
    """Return ``path`` if it names a readable regular file, else raise naming it.

    Parameters
    ----------
    path : str or Path
        The path as the user gave it.
    what : str
        What the file is, for the message (``"scenario file"``, ``"rule file"``).
    name : str, optional
        How the file is named in messages (default: its name).

    Examples
    --------
    >>> check_user_file("no-such.toml", "rule file")
    Traceback (most recent call last):
    ...
    missionfinance.errors.MissionFinanceError: no-such.toml: rule file not found; check the path
    """
    p = Path(path)
    shown = name or p.name or str(p)
    try:
        st = os.stat(p)  # follows symlinks
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            _fail(shown, f"is a symbolic link that loops back on itself; give the path of the "
                         f"{what} itself")
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            if p.is_symlink():
                _fail(shown, f"is a symbolic link to a missing file; give the path of the {what}")
            _fail(shown, f"{what} not found; check the path")
        if exc.errno == errno.EACCES:
            _fail(shown, f"cannot be opened (permission denied); make the {what} readable")
        if exc.errno == errno.ENAMETOOLONG:
            _fail(shown[:60], "path is too long; give a shorter path")
        _fail(shown, f"cannot be opened ({os.strerror(exc.errno or 0) or type(exc).__name__}); "
                     "check the path")
    except ValueError:  # e.g. an embedded NUL byte
        _fail(repr(str(p))[:60], f"is not a valid path; give the path of the {what}")
    if stat.S_ISDIR(st.st_mode):
        _fail(shown, f"is a folder, not a {what}; give the path of the {what} inside it")
    if not stat.S_ISREG(st.st_mode):
        _fail(shown, f"is not a regular file (a device, pipe or socket); give the path of the "
                     f"{what}")
    return p


def read_user_bytes(path: Path, name: str | None = None) -> bytes:
    """The bytes of a file :func:`check_user_file` accepted, with a one-line error on failure."""
    try:
        return path.read_bytes()
    except OSError as exc:
        reason = "permission denied" if exc.errno == errno.EACCES else (
            os.strerror(exc.errno) if exc.errno else type(exc).__name__)
        _fail(name or path.name, f"cannot be read ({reason}); check the file")


def decode_utf8(raw: bytes, name: str, *, bom: bool = True) -> str:
    """``raw`` decoded as UTF-8; ``bom=False`` refuses a leading byte-order mark.

    The message of a file that is not UTF-8 names the file, the expected encoding, the
    byte and the line where decoding failed.

    Examples
    --------
    >>> decode_utf8(b"\\xef\\xbb\\xbfa = 1", "s.toml", bom=False)
    Traceback (most recent call last):
    ...
    missionfinance.errors.MissionFinanceError: s.toml: starts with a UTF-8 byte-order mark (BOM), which TOML does not allow; save the file as UTF-8 without BOM
    >>> decode_utf8("a = 'é'".encode("latin-1"), "s.toml")
    Traceback (most recent call last):
    ...
    missionfinance.errors.MissionFinanceError: s.toml: is not UTF-8 text (byte 5 on line 1 is 0xe9); save the file as UTF-8
    """
    if raw.startswith(BOM):
        if not bom:
            _fail(name, "starts with a UTF-8 byte-order mark (BOM), which TOML does not allow; "
                        "save the file as UTF-8 without BOM")
        raw = raw[len(BOM):]
    if raw.startswith(_UTF16):
        _fail(name, "is UTF-16 text (it starts with a UTF-16 byte-order mark); save the file "
                    "as UTF-8")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        _fail(name, f"is not UTF-8 text (byte {exc.start} on line {line} is "
                    f"0x{raw[exc.start]:02x}); save the file as UTF-8")


def parse_toml(text: str, name: str) -> dict[str, Any]:
    """Parse TOML text; a syntax error or absurd nesting raises naming the file."""
    if text.startswith("\ufeff"):
        _fail(name, "starts with a UTF-8 byte-order mark (BOM), which TOML does not allow; "
                    "save the file as UTF-8 without BOM")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        _fail(name, f"invalid TOML ({exc}); fix the syntax")
    except RecursionError:
        _fail(name, "invalid TOML (arrays or tables nested too deeply); flatten the file")


def read_toml(path: str | Path, what: str = "TOML file", name: str | None = None) -> dict[str, Any]:
    """Check, read, decode (UTF-8, no BOM) and parse a TOML file.

    Examples
    --------
    >>> read_toml("missing.toml", "scenario file")
    Traceback (most recent call last):
    ...
    missionfinance.errors.MissionFinanceError: missing.toml: scenario file not found; check the path
    """
    p = check_user_file(path, what, name)
    shown = name or p.name
    return parse_toml(decode_utf8(read_user_bytes(p, shown), shown, bom=False), shown)
