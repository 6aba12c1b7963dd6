"""Readers of spending lines and of the project pipeline.

Spending lines come from canonical tables, HM Treasury CRA, Spending Review 2025 DEL
tables and OCDS procurement data.

Every reader renames the source's columns at the boundary and returns the
canonical frame of DESIGN §3.1 (lines) or §3.2 (pipeline), money in £ million.
Every error is a one-line :class:`~missionfinance.errors.MissionFinanceError`
naming the file, the row or key, the bad value and the fix.
"""

from missionfinance.io.cra import read_cra
from missionfinance.io.lines import (
    FORMATS,
    combine_lines,
    detect_format,
    read_canonical,
    read_lines,
)
from missionfinance.io.ocds import read_ocds
from missionfinance.io.pipeline import read_pipeline
from missionfinance.io.schema import (
    LINES_COLUMNS,
    LINES_SCHEMA,
    PIPELINE_SCHEMA,
    Column,
    schema_markdown,
)
from missionfinance.io.sr25 import read_sr25

__all__ = [
    "FORMATS",
    "LINES_COLUMNS",
    "LINES_SCHEMA",
    "PIPELINE_SCHEMA",
    "Column",
    "combine_lines",
    "detect_format",
    "read_canonical",
    "read_cra",
    "read_lines",
    "read_ocds",
    "read_pipeline",
    "read_sr25",
    "schema_markdown",
]
