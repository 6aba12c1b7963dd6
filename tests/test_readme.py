"""The README's Python example runs as written (outputs redirected to a temporary folder)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_readme_python_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert blocks, "the README has no Python example"
    monkeypatch.chdir(ROOT)
    for code in blocks:
        code = code.replace('"results/baseline"', repr(os.fspath(tmp_path / "baseline")))
        exec(compile(code, "README.md", "exec"), {})
    assert (tmp_path / "baseline" / "manifest.json").is_file()
