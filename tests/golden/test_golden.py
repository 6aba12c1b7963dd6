"""Golden outputs: the bundled example's figures, file by file, against a fresh run.

The stored files were written by ``tests/golden/regenerate.py``. Text columns and keys must
match exactly; numbers to 1e-6 (absolute, or relative to the stored figure). A change of
figures fails here first: regenerate only when the change is intended.
"""

from __future__ import annotations

import gzip
import io
import json
import math
from pathlib import Path

import pandas as pd
import pytest

from tests.golden.regenerate import COMPRESSED, GOLDEN, PLAIN, run_example

TOLERANCE = 1e-6


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("golden") / "run"
    run_example(out)
    return out


def _stored(name: str) -> bytes:
    if name in COMPRESSED:
        return gzip.decompress((GOLDEN / f"{name}.gz").read_bytes())
    return (GOLDEN / name).read_bytes()


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=TOLERANCE, abs_tol=TOLERANCE)


def _compare_json(got: object, want: object, where: str) -> None:
    if isinstance(want, dict):
        assert isinstance(got, dict), where
        assert list(got) == list(want), f"{where}: keys {list(got)} != {list(want)}"
        for key in want:
            _compare_json(got[key], want[key], f"{where}.{key}")
    elif isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), where
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            _compare_json(g, w, f"{where}[{i}]")
    elif isinstance(want, float) or (isinstance(want, int) and not isinstance(want, bool)):
        assert isinstance(got, int | float) and not isinstance(got, bool), where
        assert _close(float(got), float(want)), f"{where}: {got} != {want}"
    else:
        assert got == want, f"{where}: {got!r} != {want!r}"


def test_golden_files_present() -> None:
    names = sorted(p.name for p in GOLDEN.iterdir())
    assert names == sorted([*PLAIN, *(f"{n}.gz" for n in COMPRESSED)])


def test_summary_matches_golden(fresh: Path) -> None:
    got = json.loads((fresh / "summary.json").read_text(encoding="utf-8"))
    want = json.loads(_stored("summary.json"))
    _compare_json(got, want, "summary")


@pytest.mark.parametrize("name", [n for n in (*PLAIN, *COMPRESSED) if n.endswith(".csv")])
def test_csv_matches_golden(fresh: Path, name: str) -> None:
    got = pd.read_csv(fresh / name, keep_default_na=False, dtype=str)
    want = pd.read_csv(io.BytesIO(_stored(name)), keep_default_na=False, dtype=str)
    assert list(got.columns) == list(want.columns), name
    assert len(got) == len(want), f"{name}: {len(got)} rows, golden has {len(want)}"
    for column in want.columns:
        w_num = pd.to_numeric(want[column], errors="coerce")
        g_num = pd.to_numeric(got[column], errors="coerce")
        numeric = w_num.notna() & g_num.notna()
        text = ~numeric
        differs = got[column][text] != want[column][text]
        assert not differs.any(), (
            f"{name}.{column}: row {int(differs.idxmax()) + 2} "
            f"{got[column][differs.idxmax()]!r} != {want[column][differs.idxmax()]!r}"
        )
        a, b = g_num[numeric].to_numpy(), w_num[numeric].to_numpy()
        far = abs(a - b) > TOLERANCE * (1 + abs(b))
        assert not far.any(), f"{name}.{column}: {a[far][:3]} != {b[far][:3]}"
