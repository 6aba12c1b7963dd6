"""Write the shipped tagging-accuracy figures: ``missionfinance/data/tagging_accuracy_uk.csv``.

``PYTHONPATH=. python tests/data/gold/build_accuracy.py`` evaluates the built-in UK rules
(:func:`missionfinance.tagging.evaluation.evaluate`, aligned tags) on the frozen holdout
``frozen.csv`` (160 lines labelled before the rules were revised and never tuned on: the
honest figure) and writes one row per mission and an ``all`` row (micro average) with
precision, recall and their 95% Wilson intervals. The report's QA log reads that file;
``tests/report/test_aqua_log.py`` checks that it equals a fresh evaluation, so the file
cannot drift from the rules. Rerun this script after changing the rules.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

HERE = Path(__file__).parent
ROOT = HERE.parents[2]
OUT = ROOT / "missionfinance" / "data" / "tagging_accuracy_uk.csv"
#: The evaluated set: file name, number of lines is measured.
SET = "frozen.csv"


def accuracy() -> pd.DataFrame:
    """The evaluation of the built-in rules on the frozen holdout, as the data file holds it."""
    from missionfinance.tagging import RuleSet
    from missionfinance.tagging.evaluation import evaluate

    gold = pd.read_csv(HERE / SET, dtype={"amount": "float64"}, keep_default_na=False)
    table = evaluate(gold, RuleSet.load("builtin:uk"))
    table.insert(0, "lines", len(gold))
    table.insert(0, "set", f"tests/data/gold/{SET}")
    return table


def main() -> None:
    frame = accuracy()
    frame.to_csv(OUT, index=False, float_format="%.6f", lineterminator="\n")
    print(f"wrote {OUT.relative_to(ROOT)} ({len(frame)} rows)")


if __name__ == "__main__":
    main()
