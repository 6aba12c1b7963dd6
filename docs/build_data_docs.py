"""Write docs/data.md from the schemas in missionfinance.io.schema (run after changing them).

``python docs/build_data_docs.py`` regenerates the file; the test suite checks it is current.
"""

from __future__ import annotations

from pathlib import Path

from missionfinance.io.schema import LINES_SCHEMA, PIPELINE_SCHEMA, schema_markdown

HEADER = """# Data contracts

Generated from `missionfinance/io/schema.py` by `docs/build_data_docs.py`; do not edit by hand.
All money is in £ million; financial years are written `2026-27`.

## Lines (what is tagged)

One row per spending or procurement line, as every reader returns it.

"""

MIDDLE = """
## Pipeline (what is funded)

One row per investable project. `leverage_<instrument>` is required for every eligible
instrument (write 0 for none) and empty where the instrument is not eligible.

"""


def render() -> str:
    """The whole of docs/data.md."""
    return HEADER + schema_markdown(LINES_SCHEMA) + "\n" + MIDDLE + schema_markdown(PIPELINE_SCHEMA) + "\n"


if __name__ == "__main__":
    Path(__file__).with_name("data.md").write_text(render(), encoding="utf-8")
