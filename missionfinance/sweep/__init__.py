"""Spending-review sweeps: many variants of one scenario, solved in parallel and compared.

The package has three parts: :mod:`.variants` (parsing and applying changes, ordering
and chunking), :mod:`.runner` (solving, locally or on dask) and :mod:`.result` (the
comparison table and its output folder).

A *variant* is a list of changes to the scenario file, each addressed by a dotted
key exactly as the TOML nests it:

- ``budget.CDEL.2027-28=1200`` sets a value (numbers, ``true``/``false`` and text are
  read as TOML would read them);
- ``budget.CDEL*=0.9`` scales a number, or every number in a table, by a factor;
- ``pipeline.leverage_equity*=0.5`` scales a pipeline column for every project, and
  ``pipeline.additionality=0.67`` sets it (keys under ``pipeline.`` address columns of
  the pipeline frame, not the TOML).

From the command line, ``--vary KEY=V1,V2,...`` (or ``KEY*=F1,F2``) may be repeated and
gives the Cartesian product of its values; ``--variants FILE`` reads named variants
from a CSV (a ``variant`` column, then one column per key) or a TOML file
(``[[variant]] name = "..."`` with a ``set`` table of key = value).

Variants that only change numbers reuse the base scenario's tagging and pipeline; a
variant that changes ``inputs.*`` or ``scenario.attribution`` re-reads and re-tags.
Each worker process receives the base data once (a process-pool initializer locally;
``Client.scatter(..., broadcast=True)`` on dask), never once per variant. A variant
that fails is reported with its error and does not stop the others.

Solving. Variants are put in an order that keeps consecutive ones close
(:func:`order_variants`) and cut into chunks of :data:`CHUNK`; a chunk goes to one
worker, whose :class:`~missionfinance.model.resolve.Resolver` (one per worker process,
created by the pool initializer, or per dask worker thread on first use) solves it in
order: the first variant from the base scenario's optimal basis, each next one by
updating the loaded HiGHS model in place (changed costs, bounds, row bounds, matrix
values) and re-running a warm simplex; a variant whose model structure differs is
built afresh. Because each chunk starts from the same state wherever it runs, the
table is the same for 1 worker, a process pool or a dask cluster, and it is reported
in the input order. Where the LP has ties, a re-solved variant may show another optimal
allocation (another binding set) than a lone ``missionfinance run``; its objective is
the same to the solver's tolerance.

Outputs of :meth:`SweepResult.write` (one folder, written atomically):
``variants.csv`` (one row per variant: a column per varied key named exactly as the
key, then ``status``, ``objective``, ``public_total``, ``private_total``, ``leverage``,
``value.<mission>`` per mission, ``binding`` and ``error``), ``frontier.csv``,
``comparison.svg`` and ``manifest.json``. ``missionfinance sweep`` writes the folder even
when some variants fail, lists each failed variant with its error or conflict, and exits 1
when any variant is not optimal (0 when all are; 2 for bad input to the whole sweep).
"""

from missionfinance.sweep.compare import variant_label
from missionfinance.sweep.result import SweepResult
from missionfinance.sweep.runner import (
    _Base,
    _prepare,
    check_variants,
    run_sweep,
    run_sweep_cli,
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
    "run_sweep_cli",
    "solve_chunk",
    "solve_variant",
    "variant_label",
    "variant_problem",
]
