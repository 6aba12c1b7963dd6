"""Deterministic SVG rendering of the report's figures.

The figures themselves are :mod:`missionfinance.plot`'s (the same functions analysts call
in notebooks). :func:`svg_bytes` renders one to SVG that is byte-identical across runs
and processes: fixed ``svg.hashsalt`` (ids of clip paths and glyphs), no ``Date``
metadata, text kept as text (``svg.fonttype = "none"``) so it stays small and any script
is shown, not run.
"""

from __future__ import annotations

import io
import warnings
from typing import Any

import matplotlib as mpl
from matplotlib.figure import Figure

_SVG_RC: dict[Any, Any] = {
    "svg.hashsalt": "missionfinance-report",
    "svg.fonttype": "none",
    "svg.image_inline": True,
    "font.family": "DejaVu Sans",
    "font.size": 9.0,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "path.simplify": True,
}


def svg_bytes(fig: Figure) -> bytes:
    """Render ``fig`` to byte-stable SVG (see the module docstring)."""
    # written as text and encoded once: to a binary file matplotlib writes through a
    # codec, one call per piece of markup
    buffer = io.StringIO()
    with mpl.rc_context(_SVG_RC), warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # glyphs missing from DejaVu Sans
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue().encode("utf-8")
