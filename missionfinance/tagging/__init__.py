"""Mission tagging: rules, the vectorised matching engine, attribution and explanations.

>>> import missionfinance.tagging as mt
>>> rules = mt.RuleSet.load("builtin:uk")
>>> len(rules) >= 90
True

See :mod:`missionfinance.tagging.rules` for the rule language,
:mod:`missionfinance.tagging.engine` for resolution and attribution and
:mod:`missionfinance.tagging.result` for the result frames. ``docs/tagging.md`` is the
reference for analysts.
"""

from missionfinance.tagging.codes import cofog_labels, cpv_labels, normalise_cofog, normalise_cpv
from missionfinance.tagging.engine import ATTRIBUTIONS, tag
from missionfinance.tagging.evaluation import evaluate
from missionfinance.tagging.result import TAG_COLUMNS, TaggingResult
from missionfinance.tagging.rules import Override, Rule, RuleSet

__all__ = [
    "ATTRIBUTIONS",
    "TAG_COLUMNS",
    "Override",
    "Rule",
    "RuleSet",
    "TaggingResult",
    "cofog_labels",
    "cpv_labels",
    "evaluate",
    "normalise_cofog",
    "normalise_cpv",
    "tag",
]
