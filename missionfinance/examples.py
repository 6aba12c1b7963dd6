"""The bundled example scenario and data, found from a notebook or a script.

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

from pathlib import Path

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
