"""Spending-review sweeps: many variants of one scenario, solved in parallel and compared.

- :mod:`.variants`: a variant is a list of changes to the scenario, each a dotted key as
  the TOML nests it (``budget.CDEL.2027-28=1200``, ``budget.CDEL*=0.9``,
  ``pipeline.leverage_equity*=0.5``); ``--vary`` gives the Cartesian product of values,
  ``--variants FILE`` named variants from a CSV or TOML file; variants are ordered so that
  neighbours are close and cut into chunks of :data:`CHUNK`.
- :mod:`.runner`: each chunk is solved in order by one warm-started
  :class:`~missionfinance.model.resolve.Resolver`, in this process, a process pool or on
  dask; the table is the same wherever it runs, in the input order, and a failed variant
  does not stop the others.
- :mod:`.result`: :class:`SweepResult`, its efficient frontier and its output folder
  (``variants.csv``, ``frontier.csv``, ``comparison.svg``, ``manifest.json``, written
  atomically). ``missionfinance sweep`` exits 0 when every variant is optimal, 1 when
  any is not (each listed with its error or conflict), 2 on bad input to the whole sweep.
"""

from missionfinance.sweep.compare import variant_label
from missionfinance.sweep.result import SweepResult
from missionfinance.sweep.runner import (
    _Base,
    _prepare,
    check_variants,
    run_sweep,
    solve_chunk,
    solve_variant,
    variant_problem,
)
from missionfinance.sweep.variants import (
    CHUNK,
    STRUCTURAL,
    Change,
    Variant,
    apply_changes,
    apply_pipeline_changes,
    order_variants,
    parse_vary,
    plan_chunks,
    product,
    read_variants,
)
from missionfinance.views import efficient_frontier

__all__ = [
    "CHUNK",
    "STRUCTURAL",
    "Change",
    "SweepResult",
    "Variant",
    "_Base",
    "_prepare",
    "apply_changes",
    "apply_pipeline_changes",
    "check_variants",
    "efficient_frontier",
    "order_variants",
    "parse_vary",
    "plan_chunks",
    "product",
    "read_variants",
    "run_sweep",
    "solve_chunk",
    "solve_variant",
    "variant_label",
    "variant_problem",
]
