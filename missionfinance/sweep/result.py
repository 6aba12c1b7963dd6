"""Sweep results: the comparison table, its frontier and its output folder.

Outputs of :meth:`SweepResult.write` (one folder, written atomically):
``variants.csv`` (one row per variant: a column per varied key named exactly as the
key, then ``status``, ``objective``, ``public_total`` (public cash), ``private_total``,
``leverage``, ``guarantee_total`` (face value), ``additional_private_total``,
``economic_cost`` (£m present value), ``value.<mission>`` per mission, ``control.<control>`` — budget used of each control
total over the horizon, £m — and ``control.<control>.<year>`` per year,
``milestone.<id>`` — projected outcome at the milestone's deadline, in its unit, when the
scenario has ``[outcomes]`` — ``binding.<family>`` — how many limits of each family bind
— and ``error``), ``binding.csv`` (``variant, family, constraint``: every binding limit
of every variant), ``frontier.csv``, ``comparison.xlsx`` and ``comparison.html`` (each
variant against the base scenario solved alone: Δ objective, Δ public, Δ private, Δ value
per mission, Δ budget used per control and per control and year, Δ per milestone, with
``key = value`` labels; charts of the differences and a heat map when two keys vary),
``comparison.svg`` (the first of those charts) and ``manifest.json`` (the scenario and
every input file with its SHA-256, the variants, whether they were solved ``exact``, and
the SHA-256 of every output). ``missionfinance sweep`` writes the folder even
when some variants fail, lists each failed variant with its error or conflict, and exits 1
when any variant is not optimal (0 when all are; 2 for bad input to the whole sweep).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from matplotlib.figure import Figure

from missionfinance._fs import check_output_folder, write_folder
from missionfinance.errors import MissionFinanceError
from missionfinance.plot import sweep_comparison
from missionfinance.report.charts import svg_bytes
from missionfinance.report.formats import csv_bytes, json_bytes
from missionfinance.report.manifest import (
    file_record,
    input_records,
    package_versions,
    sha256_bytes,
)
from missionfinance.sweep.compare import (
    binding_tables,
    comparison_frame,
    comparison_html,
    comparison_xlsx,
    delta_chart,
    heat_map,
    is_year_column,
    one_at_a_time,
    tornado_chart,
    variants_frame,
    varied_keys,
)
from missionfinance.sweep.variants import Variant, apply_changes
from missionfinance.views import efficient_frontier

if TYPE_CHECKING:  # the scenario stage composes the sweep; its type is named, not imported
    from missionfinance.scenario import Scenario


@dataclass
class SweepResult:
    """The comparison of a sweep: ``table`` has one row per variant (``variants.csv``)."""

    scenario: Scenario
    variants: list[Variant]
    table: pd.DataFrame
    frontier_axes: tuple[str, str] = ("public_total", "private_total")
    extra: dict[str, Any] = field(default_factory=dict)
    base: dict[str, Any] | None = None
    #: Whether every variant was solved from scratch as a lone run (``run_sweep(exact=)``).
    exact: bool = False

    def comparison(self) -> pd.DataFrame:
        """Each variant against the base scenario solved alone.

        Δ objective, Δ public, Δ private, Δ value per mission, Δ budget used per control
        (and per control and year), Δ per milestone
        (:func:`missionfinance.sweep.compare.comparison_frame`).
        """
        return comparison_frame(self.table, self.variants, self.base)

    def charts(self) -> list[tuple[str, Figure]]:
        """The comparison's figures.

        Δ objective per variant, Δ private per variant, a heat map of the objective
        when exactly two keys vary together (a grid), and a tornado of each key's low and high effect when
        every variant changes one key.
        """
        comp = self.comparison()
        out = [("Objective: each variant against the base", delta_chart(comp)),
               ("Private investment: each variant against the base",
                delta_chart(comp, "d_private_total",
                            "Private investment: each variant against the base"))]
        keys = varied_keys(self.variants)
        if len(keys) == 2 and all(set(v.labels) == set(keys) for v in self.variants):
            out.insert(0, ("Objective over the two varied keys",
                           heat_map(self.table, self.variants, keys)))
        sens = one_at_a_time(comp, self.variants)
        if len(sens):
            out.insert(0, ("Objective: each key one at a time", tornado_chart(sens)))
        return out

    @property
    def failed(self) -> pd.DataFrame:
        """Variants that did not solve to optimality, with their error or conflict."""
        return self.table[self.table["status"] != "optimal"]

    def frontier(self, x: str | None = None, y: str | None = None, *,
                 minimise_x: bool = True, maximise_y: bool = True) -> pd.DataFrame:
        """The efficient frontier of the variants in (x, y); see :func:`efficient_frontier`.

        The default axes are public money against private money mobilised. Mission A
        against mission B, from a sweep of their weights: ``frontier("value.health",
        "value.growth", minimise_x=False)`` (both more is better); ``value.<m>`` includes
        the weight w_m, so divide by the varied weight first to compare money.
        """
        fx, fy = x or self.frontier_axes[0], y or self.frontier_axes[1]
        return efficient_frontier(self.table, fx, fy, minimise_x=minimise_x,
                                  maximise_y=maximise_y)

    def render(self, base: Path | None = None) -> dict[str, bytes]:
        """The sweep's output files as bytes.

        Deterministic: the same variants and inputs give the same bytes. ``base`` is the
        folder the manifest's paths are relative to: the parent of the output folder
        (default: the scenario's folder).
        """
        _, binding = binding_tables(self.table)
        comp = self.comparison()
        title = f"Sweep of {self.scenario.name}: {len(self.table)} variants against the base"
        charts = self.charts()
        sens = one_at_a_time(comp, self.variants)
        units = self.milestone_units()
        files: dict[str, bytes] = {
            "variants.csv": csv_bytes(variants_frame(self.table), sort=False),
            "binding.csv": csv_bytes(binding, sort=False),
            "frontier.csv": csv_bytes(self.frontier().drop(columns=["binding"], errors="ignore"),
                                      sort=False),
            "comparison.svg": svg_bytes(charts[0][1]),
            "comparison.xlsx": comparison_xlsx(comp, self.base, title, sens, units, self.exact),
            "comparison.html": comparison_html(comp, charts, title, self.base, sens, units,
                                               self.exact),
        }
        relative = "parent folder of this output folder"
        if base is None:
            base, relative = Path(self.scenario.path).absolute().parent, "the scenario's folder"
        manifest = {
            "manifest_version": 1,
            "kind": "sweep",
            "paths_relative_to": relative,
            "scenario": {"name": self.scenario.name, **file_record(self.scenario.path, base)},
            "inputs": input_records(self.input_files(), base),
            "variants": [
                {"name": v.name, "changes": [[k, op, v_] for k, op, v_ in v.changes]}
                for v in self.variants
            ],
            "frontier_axes": list(self.frontier_axes),
            "exact": self.exact,
            "packages": package_versions(),
            "outputs": {n: {"sha256": sha256_bytes(b), "bytes": len(b)} for n, b in files.items()},
        }
        files["manifest.json"] = json_bytes(manifest)
        return files

    def milestone_units(self) -> dict[str, str]:
        """Tracked milestone → its unit (empty when the scenario has no ``[outcomes]``)."""
        options = self.scenario.outcomes
        if options is None:
            return {}
        return {m.id: m.unit for m in options.data.tracked}

    def input_files(self) -> dict[str, list[Path]]:
        """Role → the files the sweep read (for the manifest, as a run's ``input_files``).

        The base scenario's own file, pipeline, lines, rules, missions and outcome files,
        and those a variant names instead (``inputs.pipeline=other.csv``) when they exist
        (a variant whose file is missing failed with that error); built-in data is not
        listed.
        """
        files: dict[str, list[Path]] = {}
        scenarios = [self.scenario]
        for variant in self.variants:
            if any(k.startswith(("inputs.", "outcomes.")) for k, _, _ in variant.changes):
                config, _ = apply_changes(self.scenario.config, variant.changes)
                try:
                    scenarios.append(type(self.scenario).from_dict(config, self.scenario.path))
                except MissionFinanceError:  # an invalid variant read nothing
                    continue
        for k, scenario in enumerate(scenarios):
            for role, paths in scenario.input_files.items():
                listed = files.setdefault(role, [])
                listed += [p for p in paths if p not in listed and (k == 0 or p.is_file())]
        return files

    def write(self, out_dir: str | Path) -> Path:
        """Write the sweep's files into ``out_dir``, atomically (see the module docstring)."""
        out = Path(out_dir)
        check_output_folder(out)
        return write_folder(self.render(out.absolute().parent), out)

    def plot(self, metric: str = "objective") -> Figure:
        """A bar chart of one metric across variants (matplotlib Figure)."""
        return sweep_comparison(self.table, metric)

    def __repr__(self) -> str:
        counts = self.table["status"].value_counts().to_dict()
        return f"SweepResult({self.scenario.name!r}, {len(self.table)} variants, {counts})"

    def _repr_html_(self) -> str:
        """Status counts, the first 20 variants and the errors of those that failed.

        Budget used by year is left out (the totals per control are shown).
        """
        cols = [c for c in self.table.columns if c not in ("binding", "error")
                and not is_year_column(str(c))]
        head = "".join(f"<th>{html.escape(str(c))}</th>" for c in cols)

        def cell(v: Any) -> str:
            if isinstance(v, float):
                return "–" if v != v else f"{v:,.1f}"
            return str(v)

        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(cell(v))}</td>" for v in row) + "</tr>"
            for row in self.table[cols].head(20).itertuples(index=False)
        )
        more = f"<small>… {len(self.table) - 20} more</small>" if len(self.table) > 20 else ""
        counts = ", ".join(f"{n} {s}" for s, n in self.table["status"].value_counts().items())
        failed = self.failed
        errors = "".join(
            f"<li>{html.escape(str(r.variant))}: {html.escape(str(r.status))}: "
            f"{html.escape(str(r.error)[:200])}</li>"
            for r in failed.head(3).itertuples(index=False)
        )
        warn = (f"<p style='color:#b2182b'>{len(failed)} variant(s) did not solve:</p><ul>{errors}"
                + (f"<li>… {len(failed) - 3} more</li>" if len(failed) > 3 else "") + "</ul>"
                if len(failed) else "")
        return (f"<div><b>Sweep</b> of {html.escape(self.scenario.name)}: "
                f"{len(self.table)} variants ({html.escape(counts)})"
                f"<table><tr>{head}</tr>{body}</table>{more}{warn}</div>")
