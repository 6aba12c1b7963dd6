"""Variants given on the command line or in a file: non-finite numbers and bad files are refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from missionfinance.errors import MissionFinanceError
from missionfinance.sweep import parse_vary, read_variants


@pytest.mark.parametrize("spec", ["budget.CDEL.2026-27=100,nan", "budget.CDEL.2026-27=inf",
                                  "pipeline.leverage_loan*=-inf", "objective.weights.growth=nan"])
def test_vary_refuses_non_finite_values(spec: str) -> None:
    with pytest.raises(MissionFinanceError, match=r"^--vary '.*': -?(nan|inf) is not a finite number"):
        parse_vary(spec)


@pytest.mark.parametrize(("name", "content", "message"), [
    ("v.toml", '[[variant]]\nname = "a"\nset = { "budget.CDEL.2026-27" = nan }\n',
     r"^v.toml variant 1 key budget.CDEL.2026-27: nan is not a finite number"),
    ("v.toml", '[[variant]]\nname = "a"\nscale = { "pipeline.capacity" = inf }\n',
     r"^v.toml variant 1 key pipeline.capacity: inf is not a finite number"),
    ("v.toml", "variant = [1, 2]\n", r"^v.toml key variant: write each variant as a \[\[variant\]\] table"),
    ("v.toml", '[[variant]]\nname = "a"\nset = 5\n', r"^v.toml variant 1 key set: must be a table"),
    ("v.toml", b"\xef\xbb\xbf[[variant]]\nname = 'a'\n", r"^v.toml: starts with a UTF-8 byte-order mark \(BOM\)"),
    ("v.toml", '[[variant]]\nname = "é"\n'.encode("latin-1"), r"^v.toml: is not UTF-8 text"),
    ("v.csv", "variant,budget.CDEL.2026-27\nlow,100\nwild,nan\n",
     r"^v.csv row 2, column budget.CDEL.2026-27: nan is not a finite number"),
    ("v.csv", "variant,budget.CDEL.2026-27,budget.CDEL.2026-27\nlow,100,200\n",
     r"^v.csv key budget.CDEL.2026-27: column 'budget.CDEL.2026-27' appears twice"),
    ("v.csv", b"variant,x\n" + "caf\xe9,1\n".encode("latin-1"), r"^v.csv row 1: is not UTF-8 text"),
])
def test_variants_file_refuses_bad_content(tmp_path: Path, name: str, content: str | bytes,
                                            message: str) -> None:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(MissionFinanceError, match=message):
        read_variants(path)


def test_variants_path_is_a_folder(tmp_path: Path) -> None:
    with pytest.raises(MissionFinanceError, match="is a folder, not a variants file"):
        read_variants(tmp_path)
