"""Files and folders the package writes get the user's usual permissions (umask), not 0600."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from missionfinance._fs import write_file, write_folder


@pytest.mark.parametrize("mask", [0o022, 0o027, 0o002])
def test_written_files_follow_the_umask(tmp_path: Path, mask: int) -> None:
    old = os.umask(mask)
    try:
        one = write_file(tmp_path / "tags.csv", b"x\n")
        folder = write_folder({"a.csv": b"1\n", "manifest.json": b"{}\n"}, tmp_path / "out")
    finally:
        os.umask(old)
    assert stat.S_IMODE(one.stat().st_mode) == 0o666 & ~mask
    for name in ("a.csv", "manifest.json"):
        assert stat.S_IMODE((folder / name).stat().st_mode) == 0o666 & ~mask
    assert stat.S_IMODE(folder.stat().st_mode) == 0o777 & ~mask
