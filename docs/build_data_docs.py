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

One row per spending or procurement line, as every reader returns it. A file with a
header and no data rows is an error (nothing to tag): give at least one line, or leave the
file out.

Codes (`cpv`, `cofog`; lines and pipeline alike) are checked and normalised when a
canonical table is read:

- `cpv`: 8-digit CPV 2008 codes. `45210000-2` (with its check digit, dropped, not verified)
  and spaces around codes or `;` are accepted and normalised to `45210000`. Anything else —
  `abc`, `4521` (a prefix: prefixes belong in a rule's `cpv`), `452100001`, `9310000` (a
  spreadsheet dropped the leading zero), `45210000,45220000` (use `;`) — is an error naming
  the file, row, column and value. A well-formed code that is not in the CPV 2008 list is
  **kept** and named, with its rows, in one warning: real notices carry such codes, and a
  rule's CPV prefix still matches them.
- `cofog`: codes of the COFOG list, `DD`, `DD.G` or `DD.G.C` (`04`, `04.3`, `04.3.1`).
  `4.3` (a spreadsheet's form of `04.3`) is read as `04.3`; HM Treasury's CRA health split
  `07.A`, `07.B`, `07.C` is accepted. Anything else — `health`, `4.3.x`, `99`, a code
  followed by its label — is an error naming the row: the list is closed and short.
- OCDS files: codes come from the publisher, so an odd one never fails the file. A CPV or
  COFOG id that is not a code (`"Transport"` as a COFOG id) is left out of the line's codes,
  a CPV code not in the CPV 2008 list is kept, and each is named with its release's ocid in
  one warning per kind; the release itself is always kept. CRA files: the reader writes the
  codes itself (`4.3 Fuel and energy` → `04.3`); a *COFOG Level 1* that names no code of the
  list is left out of `cofog` with a warning naming it and its first row (the line is kept).

"""

MIDDLE = """
## Pipeline (what is funded)

One row per investable project; a pipeline with a header and no projects is an error.
`leverage_<instrument>` is required for every eligible instrument (write 0 for none) and
empty where the instrument is not eligible. `pd` is the probability of default of a loan,
guarantee or equity write-down (DESIGN §3.2): it is required for every project eligible for
an instrument other than `grant` (a scenario's own instruments included: a scenario gives
the reader their names only; `read_pipeline(path, instruments=<name → Instrument>)` exempts
every instrument of kind `grant`), and a project eligible only for grants may leave it empty
— or the file may leave the column out when every project is grant-only; its pd is then 0.

"""


def render() -> str:
    """The whole of docs/data.md."""
    return HEADER + schema_markdown(LINES_SCHEMA) + "\n" + MIDDLE + schema_markdown(PIPELINE_SCHEMA) + "\n"


if __name__ == "__main__":
    Path(__file__).with_name("data.md").write_text(render(), encoding="utf-8")
