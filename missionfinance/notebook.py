"""One-line set-up for analyst notebooks: ``from missionfinance.notebook import *``.

It imports ``mf`` (missionfinance), ``plot`` and ``pd`` (pandas); defines ``SCENARIO`` (the
bundled example scenario), ``REAL`` (its folder of real public data) and ``WORK`` (a
temporary folder for outputs, removed when the kernel stops); turns on matplotlib's inline
figures in Jupyter; and sets pandas to show money and ratios as people read them
(:func:`display_formats`): ``12,345.6``, ``3.00``, ``0.024`` — never ``3.0e+00`` — with
wide tables and long text shown whole.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd

import missionfinance as mf
from missionfinance import plot
from missionfinance.examples import display_formats, example_path, number_text


def _inline() -> None:
    try:
        from IPython import get_ipython
    except ImportError:  # not in IPython
        return
    shell = get_ipython()
    if shell is not None and getattr(shell, "kernel", None) is not None:
        shell.run_line_magic("matplotlib", "inline")


display_formats()
_inline()

SCENARIO: Path = example_path()
REAL: Path = example_path("data", "real")
_work = tempfile.TemporaryDirectory(prefix="missionfinance-")  # removed when the kernel stops
WORK: Path = Path(_work.name)

__all__ = ["REAL", "SCENARIO", "WORK", "display_formats", "example_path", "mf", "number_text",
           "pd", "plot"]
