"""The generated documentation is current."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_data_docs_match_the_schema() -> None:
    spec = importlib.util.spec_from_file_location("build_data_docs", ROOT / "docs" / "build_data_docs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert (ROOT / "docs" / "data.md").read_text(encoding="utf-8") == module.render(), (
        "docs/data.md is stale: run python docs/build_data_docs.py"
    )
