"""The bundled example scenario and data, and how numbers read in a notebook.

:func:`example_path` finds ``scenarios/`` beside the installed package (a source checkout
or an editable install), in the working folder or one of its parents, so a notebook needs
no path-finding code:

>>> import missionfinance as mf
>>> mf.example_path().name
'sr25-example.toml'
>>> mf.example_path("data", "real").is_dir()
True
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from missionfinance.errors import MissionFinanceError

#: The bundled scenario, relative to the ``scenarios/`` folder.
EXAMPLE_SCENARIO = "sr25-example.toml"


def _scenarios_folder() -> Path:
    here = Path(__file__).resolve().parents[1]
    cwd = Path.cwd()
    for place in (here, cwd, *cwd.parents):
        folder = place / "scenarios"
        if (folder / EXAMPLE_SCENARIO).is_file():
            return folder
    raise MissionFinanceError(
        "example_path: the bundled scenarios/ folder was not found beside the package or in "
        "this folder or its parents; run from a copy of the project")


def example_path(*parts: str) -> Path:
    """A path in the bundled ``scenarios/`` folder.

    Parameters
    ----------
    *parts : str
        Path parts under ``scenarios/``; none gives the example scenario file
        (``scenarios/sr25-example.toml``); ``("data", "real")`` the folder of real data.

    Returns
    -------
    Path
        Absolute path (it need not exist when ``parts`` name a new file).
    """
    folder = _scenarios_folder()
    return folder.joinpath(*parts) if parts else folder / EXAMPLE_SCENARIO


def number_text(value: float) -> str:
    """How a float reads in a notebook table: thousands separators, no scientific notation.

    Examples
    --------
    >>> [number_text(v) for v in (12345.678, 3.0, 0.0243, 0.0, float("nan"))]
    ['12,345.7', '3.00', '0.0243', '0', 'NaN']
    """
    if not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("∞" if value > 0 else "−∞")
    size = abs(value)
    if size == 0:
        return "0"
    if size >= 100:
        return f"{value:,.1f}"
    if size >= 1:
        return f"{value:,.2f}"
    if size >= 1e-4:
        return f"{value:.4f}".rstrip("0")
    return f"{value:.2g}"


def display_formats() -> None:
    """Set pandas' display options for analysts (money and ratios, wide tables, long text)."""
    pd.set_option("display.float_format", number_text)
    pd.set_option("display.max_columns", 60)
    pd.set_option("display.width", 250)
    pd.set_option("display.max_colwidth", 400)
