"""Scenarios: one TOML file that says what to tag, what to fund and under which limits.

A scenario file (DESIGN §5) is read strictly: an unknown or misspelt key, a year
outside ``scenario.years``, a budget for a control no instrument scores against,
or an instrument the pipeline names but the scenario does not define is an
error, never silently ignored. Relative paths resolve against the file's folder.

Tables read here::

    [scenario]      name (required), years (required, consecutive financial years),
                    attribution = "net" | "gross" (default "net"), description,
                    discount_rate (real, share a year; default the Green Book 3.5%)
    [inputs]        missions ("builtin:uk" or a TOML path), rules ("builtin:uk" or a path),
                    lines (a path or a list of paths, optional), pipeline (required),
                    formats (optional: path → format, for inputs whose format is not
                    detected), currency_rates (optional: {EUR = 0.85} £ per unit, for OCDS)
    [instruments.<name>]  budget_score, expected_loss_to, exposure, source, description,
                          cash-flow terms (missionfinance.cashflows.TERM_KEYS)
    [budget.<control>]    financial year → £m (flow limit per year)
    [exposure]            financial year → £m (stock limit at each year end)
    [objective]           kind, weights (mission → weight)
    [sources]             dotted key → { source = "...", quality = "green" | "amber" | "red" }
                          (:func:`parse_sources`): where a number comes from and how good
                          it is, for the report's assumptions log

Every other table (the whole of ``[exposure]``, further constraint families, risk
appetite, solver options, objective targets) is validated by
:func:`missionfinance.scenario.options.options_from_toml` and documented in
``docs/model.md``. This module and that one are the only readers of a scenario file.

When a scenario defines no ``[instruments]`` table at all, the four defaults of
:data:`missionfinance.instruments.DEFAULT_INSTRUMENTS` apply; once it defines any,
only those it defines exist.

A control or year the scenario does not list is unconstrained; a control named by
an instrument but given no budget table is unconstrained too, and
:attr:`Scenario.unconstrained_controls` (and the report) say so.
"""

from __future__ import annotations

import copy
import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from missionfinance._numbers import check_number
from missionfinance._text import check_user_file, read_toml
from missionfinance.errors import MissionFinanceError
from missionfinance.instruments import DEFAULT_INSTRUMENTS, Instrument, instrument_from_config
from missionfinance.io import combine_lines, read_lines, read_pipeline
from missionfinance.missions import MissionSet
from missionfinance.model import AllocationProblem
from missionfinance.model.problem import OBJECTIVES
from missionfinance.scenario.options import check_year_in as _check_year_in
from missionfinance.scenario.options import number as _number
from missionfinance.scenario.options import options_from_toml
from missionfinance.scenario.run import RunResult, run, tag_pipeline
from missionfinance.tagging import RuleSet
from missionfinance.years import check_financial_year, fy_from_start, year_start

if TYPE_CHECKING:  # sweeps (and the report and charts they import) load on first use
    from missionfinance.sweep import SweepResult, Variant

_SCENARIO_KEYS = {"name", "years", "attribution", "description", "discount_rate"}
_INPUT_KEYS = {"missions", "rules", "lines", "pipeline", "formats", "currency_rates"}
#: Top-level tables this module reads itself; the rest go to the model's option parser.
_OWN_TABLES = {"scenario", "inputs", "instruments", "budget", "outcomes", "sources"}
#: Keys of one ``[sources]`` entry, and the RAG quality ratings an analyst may give.
SOURCE_ENTRY_KEYS = ("source", "quality")
QUALITY_RATINGS = ("green", "amber", "red")
#: Pipeline parameters a ``[sources]`` key ``pipeline.<column>`` may name, besides
#: ``leverage_<instrument>`` and ``<instrument>_<term>`` columns.
PIPELINE_PARAMETERS = ("capacity", "private_capacity", "max_per_year", "pd", "lgd",
                       "additionality", "start_year", "end_year")


@dataclass(frozen=True)
class Scenario:
    """A validated scenario file.

    Attributes
    ----------
    path : Path
        The TOML file (absolute).
    name : str
        ``scenario.name``.
    years : tuple of str
        The horizon, consecutive financial years such as ``"2026-27"``.
    attribution : str
        ``"net"`` (mission shares of a line sum to at most 1) or ``"gross"``.
    missions : MissionSet
        The mission set (``inputs.missions``).
    instruments : dict of str to Instrument
        Instruments the scenario defines.
    budget : dict
        Control → financial year → £m flow limit.
    exposure : dict
        Financial year → £m guarantee exposure stock limit.
    objective_kind : str
        ``mission_value``, ``private_mobilised`` or ``min_cost``.
    weights : dict
        Mission id → weight in the objective (missing missions weigh 1.0).
    config : dict
        The parsed TOML, as written (for the report and for sweeps).
    sources : dict
        ``[sources]``: dotted key → ``{"source": ..., "quality": "green"|"amber"|"red"|""}``
        (:func:`parse_sources`).
    """

    path: Path
    name: str
    years: tuple[str, ...]
    attribution: str
    missions: MissionSet
    rules_spec: str
    lines_paths: tuple[Path, ...]
    pipeline_path: Path
    instruments: dict[str, Instrument]
    budget: dict[str, dict[str, float]]
    exposure: dict[str, float]
    objective_kind: str
    weights: dict[str, float]
    model_options: dict[str, Any] = field(default_factory=dict)
    formats: dict[str, str] = field(default_factory=dict)
    currency_rates: dict[str, float] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)
    outcomes: Any = None
    discount_rate: float | None = None
    sources: dict[str, dict[str, str]] = field(default_factory=dict)

    # ------------------------------------------------------------------ loading
    @classmethod
    def load(cls, path: str | Path) -> Scenario:
        """Read and validate a scenario TOML file.

        Examples
        --------
        >>> Scenario.load("no-such-file.toml")
        Traceback (most recent call last):
        ...
        missionfinance.errors.MissionFinanceError: no-such-file.toml: scenario file not found; check the path
        """
        p = Path(path)
        config = read_toml(p, "scenario file")
        return cls.from_dict(config, _resolve(p, p.name, "scenario file"))

    @classmethod
    def from_dict(cls, config: Mapping[str, Any], path: Path) -> Scenario:
        """Validate a parsed scenario (as :func:`tomllib.loads` returns it).

        ``path`` is the scenario file: relative input paths resolve against its folder
        and errors name it.
        """
        name = path.name
        base = path.parent
        sc = config.get("scenario")
        if not isinstance(sc, Mapping):
            raise MissionFinanceError(f"{name} key scenario: missing [scenario] table; add name and years")
        _check_keys(sc, _SCENARIO_KEYS, name, "scenario")
        if "name" not in sc or not isinstance(sc["name"], str) or not sc["name"].strip():
            raise MissionFinanceError(f"{name} key scenario.name: missing or empty; give the scenario a name")
        years = _parse_years(sc.get("years"), name)
        attribution = sc.get("attribution", "net")
        if attribution not in ("net", "gross"):
            raise MissionFinanceError(
                f"{name} key scenario.attribution: {attribution!r} is not 'net' or 'gross'"
            )

        discount_rate = sc.get("discount_rate")
        if discount_rate is not None:
            discount_rate = _number(discount_rate, f"{name} key scenario.discount_rate")
            if discount_rate > 0.5:
                raise MissionFinanceError(
                    f"{name} key scenario.discount_rate: {discount_rate!r} must be a share a year "
                    "(3.5% is 0.035)"
                )

        inputs = config.get("inputs")
        if not isinstance(inputs, Mapping):
            raise MissionFinanceError(f"{name} key inputs: missing [inputs] table; add at least pipeline = \"...\"")
        _check_keys(inputs, _INPUT_KEYS, name, "inputs")
        missions_spec = inputs.get("missions", "builtin:uk")
        if not isinstance(missions_spec, str):
            raise MissionFinanceError(f"{name} key inputs.missions: {missions_spec!r} must be a string")
        missions = MissionSet.load(
            missions_spec if missions_spec.startswith("builtin:") else _input_path(base, missions_spec, name, "inputs.missions")
        )
        rules_spec = inputs.get("rules", "builtin:uk")
        if not isinstance(rules_spec, str):
            raise MissionFinanceError(f"{name} key inputs.rules: {rules_spec!r} must be a string")
        if not rules_spec.startswith("builtin:"):
            rules_spec = str(_input_path(base, rules_spec, name, "inputs.rules"))
        lines_raw = inputs.get("lines", [])
        if isinstance(lines_raw, str):
            lines_raw = [lines_raw]
        if not isinstance(lines_raw, list) or not all(isinstance(x, str) for x in lines_raw):
            raise MissionFinanceError(f"{name} key inputs.lines: {lines_raw!r} must be a path or a list of paths")
        lines_paths = tuple(_input_path(base, x, name, "inputs.lines") for x in lines_raw)
        if "pipeline" not in inputs or not isinstance(inputs["pipeline"], str):
            raise MissionFinanceError(f"{name} key inputs.pipeline: missing; give the pipeline CSV path")
        pipeline_path = _input_path(base, inputs["pipeline"], name, "inputs.pipeline")
        formats_raw = inputs.get("formats", {})
        if not isinstance(formats_raw, Mapping):
            raise MissionFinanceError(f"{name} key inputs.formats: must be a table of path = format")
        formats = {str(_input_path(base, k, name, f"inputs.formats.{k}")): str(v) for k, v in formats_raw.items()}
        rates_raw = inputs.get("currency_rates", {})
        if not isinstance(rates_raw, Mapping):
            raise MissionFinanceError(f"{name} key inputs.currency_rates: must be a table like {{ EUR = 0.85 }}")
        rates = {
            str(k): check_number(v, f"{name} key inputs.currency_rates.{k}", lo=0.0, lo_open=True,
                                unit=f"£ per {k}")
            for k, v in rates_raw.items()
        }

        instruments = _parse_instruments(config.get("instruments"), name)
        controls_used = sorted({c for inst in instruments.values() for c in inst.controls})
        budget = _parse_budget(config.get("budget", {}), name, years, controls_used)

        # [objective]: kind and weights here; anything else (targets, prices) for the model.
        objective_raw = config.get("objective", {})
        if not isinstance(objective_raw, Mapping):
            raise MissionFinanceError(f"{name} key objective: must be a table")
        kind = objective_raw.get("kind", "mission_value")
        if kind not in OBJECTIVES:
            raise MissionFinanceError(f"{name} key objective.kind: {kind!r} is unknown; use one of "
                                      f"{', '.join(OBJECTIVES)}")
        weights_raw = objective_raw.get("weights", {})
        if not isinstance(weights_raw, Mapping):
            raise MissionFinanceError(f"{name} key objective.weights: must be a table of mission = weight")
        weights: dict[str, float] = {}
        for mid, w in weights_raw.items():
            missions.validate_id(mid, f"{name} key objective.weights.{mid}")
            weights[mid] = _number(w, f"{name} key objective.weights.{mid}", minimum=None, unit="")

        model_tables: dict[str, Any] = {
            k: copy.deepcopy(v) for k, v in config.items() if k not in _OWN_TABLES
        }
        model_tables["objective"] = {k: v for k, v in objective_raw.items() if k != "weights"}
        model_options = options_from_toml(
            model_tables,
            context=name,
            years=years,
            missions=missions.ids,
            instruments=instruments,
        )
        exposure: dict[str, float] = model_options.pop("exposure", {})
        if exposure and not any(i.exposure for i in instruments.values()):
            raise MissionFinanceError(
                f"{name} key exposure: a limit is given but no instrument has exposure = true; "
                "remove [exposure] or mark the guarantee instrument"
            )
        outcomes = None
        if "outcomes" in config:
            from missionfinance.outcomes.config import parse_outcomes
            from missionfinance.outcomes.uncertainty import check_instruments

            outcomes = parse_outcomes(config["outcomes"], name, base, years, missions)
            check_instruments(outcomes.uncertainty, set(instruments),
                              f"{name} key outcomes.uncertainty")
        if kind == "mission_progress" and outcomes is None:
            raise MissionFinanceError(f"{name} key objective.kind: 'mission_progress' needs an "
                                      "[outcomes] table with yields; add it or choose another kind")
        recycling = model_options.get("recycling")
        if recycling is not None and recycling.control not in budget:
            raise MissionFinanceError(
                f"{name} key recycling.control: {recycling.control!r} has no budget table; "
                f"name one of {', '.join(sorted(budget)) or 'the [budget.<control>] tables'}"
            )
        return cls(
            path=path,
            name=str(sc["name"]),
            years=years,
            attribution=str(attribution),
            missions=missions,
            rules_spec=rules_spec,
            lines_paths=lines_paths,
            pipeline_path=pipeline_path,
            instruments=instruments,
            budget=budget,
            exposure=exposure,
            objective_kind=str(kind),
            weights=weights,
            model_options=model_options,
            formats=formats,
            currency_rates=rates,
            config=copy.deepcopy(dict(config)),
            outcomes=outcomes,
            discount_rate=discount_rate,
            sources=parse_sources(config, name, instruments),
        )

    # ------------------------------------------------------------------ views
    @property
    def unconstrained_controls(self) -> tuple[str, ...]:
        """Controls an instrument scores against that have no budget table (unconstrained)."""
        used = {c for inst in self.instruments.values() for c in inst.controls}
        return tuple(sorted(used - set(self.budget)))

    @property
    def input_files(self) -> dict[str, list[Path]]:
        """Role → input files (for the manifest); built-in data is not listed."""
        files: dict[str, list[Path]] = {"scenario": [self.path], "pipeline": [self.pipeline_path]}
        if self.lines_paths:
            files["lines"] = list(self.lines_paths)
        if not self.rules_spec.startswith("builtin:"):
            files["rules"] = [Path(self.rules_spec)]
        if not self.missions.source.startswith("builtin:"):
            files["missions"] = [Path(self.missions.source)]
        if self.outcomes is not None:
            files["outcomes"] = list(self.outcomes.files)
        return files

    # ------------------------------------------------------------------ running
    def load_rules(self) -> RuleSet:
        """The scenario's rule set (:class:`missionfinance.tagging.RuleSet`)."""
        return RuleSet.load(self.rules_spec, missions=self.missions)

    def read_pipeline(self) -> pd.DataFrame:
        """The validated pipeline frame (DESIGN §3.2), windows clipped to the horizon.

        Per-project cash-flow terms (``<instrument>_<term>`` columns) are checked against
        the scenario's terms here, before anything is solved.
        """
        from missionfinance.cashflows import check_pipeline_terms

        pipeline = read_pipeline(self.pipeline_path, instruments=self.instruments, years=self.years)
        check_pipeline_terms(pipeline, {n: i.terms for n, i in self.instruments.items()},
                             self.pipeline_path.name)
        return pipeline

    def read_lines(self) -> pd.DataFrame | None:
        """The baseline spending lines of ``inputs.lines``, concatenated, or None."""
        if not self.lines_paths:
            return None
        frames = [
            read_lines(p, format=self.formats.get(str(p)), rates=self.currency_rates or None)
            for p in self.lines_paths
        ]
        return combine_lines(frames, f"{self.path.name} key inputs.lines: ")

    def problem(self, pipeline: pd.DataFrame, contributions: pd.DataFrame) -> AllocationProblem:
        """The allocation problem (:class:`missionfinance.model.AllocationProblem`)."""
        return AllocationProblem(
            years=self.years,
            projects=pipeline,
            contributions=contributions,
            missions=self.missions.ids,
            instruments=self.instruments,
            budget=self.budget,
            exposure=self.exposure,
            objective=self.objective_kind,
            weights=self.weights,
            outcomes=self._outcome_rows(pipeline),
            discount_rate=self.discount_rate,
            **self.model_options,
        )

    def contributions(self, pipeline: pd.DataFrame) -> pd.DataFrame:
        """Mission contributions of the pipeline's projects, by this scenario's rules.

        See :func:`~missionfinance.scenario.run.tag_pipeline`.
        """
        return tag_pipeline(pipeline, self.load_rules(), self.attribution)[1]

    def _outcome_rows(self, pipeline: pd.DataFrame) -> Any:
        """The LP's outcome data when the objective uses it (mission_progress, min_cost)."""
        if self.outcomes is None or self.objective_kind not in ("mission_progress", "min_cost"):
            return None
        from missionfinance.outcomes.config import check_yield_projects
        from missionfinance.outcomes.trajectory import additionality, lp_rows, outcome_arrays

        check_yield_projects(self.outcomes.yields, pipeline["project_id"], self.path.name)
        return lp_rows(self.outcomes, outcome_arrays(self.outcomes, pipeline["project_id"],
                                                     self.years), additionality(pipeline))

    def outcome_arrays(self, pipeline: pd.DataFrame) -> Any:
        """The outcome data of ``pipeline``'s projects as arrays, or None without [outcomes].

        They do not depend on the allocation (:func:`~missionfinance.outcomes.trajectory.
        outcome_arrays`); :func:`run` has them made while HiGHS solves.
        """
        if self.outcomes is None:
            return None
        from missionfinance.outcomes.trajectory import outcome_arrays

        return outcome_arrays(self.outcomes, pipeline["project_id"], self.years)

    def trajectories(self, pipeline: pd.DataFrame, allocation: Any, arrays: Any = None) -> Any:
        """Milestone trajectories of a solved allocation.

        None without [outcomes] or when the allocation is not optimal; see
        :mod:`missionfinance.outcomes.trajectory`. ``arrays``: :meth:`outcome_arrays` of
        ``pipeline``, when already made (made here otherwise).
        """
        if self.outcomes is None or not getattr(allocation, "ok", False):
            return None
        from missionfinance.outcomes.config import check_yield_projects
        from missionfinance.outcomes.trajectory import evaluate

        check_yield_projects(self.outcomes.yields, pipeline["project_id"], self.path.name)
        return evaluate(self.outcomes, allocation.allocation, pipeline, self.years,
                        self.instruments, arrays=arrays, constraints=allocation.constraints)

    def simulate(self, n: int = 1000, seed: int | None = None, run: RunResult | None = None,
                 ) -> Any:
        """Evaluate the scenario's allocation over ``n`` draws of its uncertain inputs.

        Solves the scenario once (or takes ``run``), then draws the factors of
        ``[outcomes.uncertainty]`` (seed: ``seed`` or the table's) and evaluates the
        allocation for every draw at once. Returns the
        :class:`~missionfinance.outcomes.trajectory.Trajectories` with p10/p90 bands and
        the probability of meeting each milestone.
        """
        from missionfinance.outcomes.simulate import simulate_run

        run = run if run is not None else self.run()
        return simulate_run(run, n, seed)

    def run(self) -> RunResult:
        """Tag the baseline and the pipeline, build and solve the allocation (:func:`run`)."""
        return run(self)

    def sweep(
        self,
        vary: Mapping[str, Sequence[Any]] | Sequence[str] | None = None,
        variants: Sequence[Variant] | str | Path | None = None,
        *,
        workers: int | None = None,
        client: Any = None,
        scheduler: str | None = None,
        progress: bool = False,
        chunk: int | None = None,
        exact: bool = False,
    ) -> SweepResult:
        """Solve many variants of this scenario and compare them (:mod:`missionfinance.sweep`).

        Parameters
        ----------
        vary : mapping or sequence of str, optional
            ``{"budget.CDEL.2027-28": [1200, 1300], "pipeline.leverage_equity*": [0.5, 1]}``
            (a trailing ``*`` scales) or ``["budget.CDEL.2027-28=1200,1300"]``; the
            Cartesian product of the values is solved.
        variants : sequence of Variant, or a CSV/TOML path, optional
            Named variants, solved as well as the product.
        workers, client, scheduler, progress
            Where to run: local processes (default: one per core), a
            ``dask.distributed.Client``, or a scheduler address.
        chunk : int, optional
            Variants solved one after another from the same warm-started model
            (default :data:`missionfinance.sweep.CHUNK`).
        exact : bool
            Solve every variant from scratch as :meth:`run` does, so that every figure
            equals a lone run of it even where allocations tie (slower; see
            :func:`missionfinance.sweep.run_sweep`).

        Returns
        -------
        SweepResult
            ``.table`` has one row per variant (``variants.csv``).
        """
        from missionfinance.sweep import CHUNK, Variant, product, read_variants, run_sweep

        chosen: list[Variant] = []
        if isinstance(variants, str | Path):
            chosen += read_variants(variants)
        elif variants is not None:
            chosen += [v for v in variants if isinstance(v, Variant)]
        if vary:
            if isinstance(vary, Mapping):
                specs: list[Any] = [
                    (k.rstrip("*"), "*" if k.endswith("*") else "=", list(v)) for k, v in vary.items()
                ]
            else:
                specs = list(vary)
            chosen += product(specs)
        if not chosen:
            raise MissionFinanceError("sweep: no variants; give vary={key: [values]} or variants")
        return run_sweep(
            self, chosen, workers=workers, client=client, scheduler=scheduler, progress=progress,
            chunk=chunk or CHUNK, exact=exact,
        )

    def with_changes(self, changes: Mapping[str, Any] | None = None, /, **named: Any) -> Scenario:
        """A copy of this scenario with some keys changed, validated like the file itself.

        Parameters
        ----------
        changes : mapping
            Dotted keys of the scenario file to their new values, as ``--vary`` writes
            them: ``{"budget.CDEL.2027-28": 1300}`` sets a value; a trailing ``*`` scales
            a number or every number of a table: ``{"budget.FT*": 0.9}``.
        **named
            The same for keys that are Python names (``exposure={...}``).

        Returns
        -------
        Scenario
            A new scenario (this one is unchanged). Pipeline columns (``pipeline.*``) are
            not part of a scenario file: vary them with :meth:`compare` or :meth:`sweep`.

        Examples
        --------
        >>> sc = Scenario.load("scenarios/sr25-example.toml")             # doctest: +SKIP
        >>> tight = sc.with_changes({"budget.CDEL*": 0.9})                 # doctest: +SKIP
        """
        from missionfinance import sweep as sw

        items = {**dict(changes or {}), **named}
        parsed = [(k.rstrip("*"), "*" if k.endswith("*") else "=", v) for k, v in items.items()]
        config, pipeline_changes = sw.apply_changes(self.config, parsed, "with_changes")
        if pipeline_changes:
            raise MissionFinanceError(
                f"with_changes key pipeline.{pipeline_changes[0][0]}: the pipeline is not part of "
                "the scenario file; vary it with Scenario.compare or Scenario.sweep")
        return Scenario.from_dict(config, self.path)

    def compare(self, variants: Sequence[Any], *, workers: int | None = 1,
                progress: bool = False, exact: bool = False) -> Any:
        """Solve named variants and compare each with this scenario solved alone.

        Parameters
        ----------
        variants : sequence
            Each a mapping of changes (as :meth:`with_changes` takes, ``pipeline.*`` keys
            too), a ``"KEY=VALUE"`` string, or a :class:`missionfinance.sweep.Variant`.
            A variant given as a mapping is named by its changes (``CDEL = 1,300``).
        workers : int, optional
            Local worker processes (default 1: this process).
        exact : bool
            Solve every variant from scratch as :meth:`run` does (see :meth:`sweep`).

        Returns
        -------
        SweepResult
            ``.comparison()`` (Δ objective, Δ public, Δ private, Δ value per mission,
            Δ budget used per control, Δ per milestone against the base), ``.charts()``,
            and ``.write(folder)`` for variants.csv, binding.csv, comparison.xlsx and
            comparison.html.

        Raises
        ------
        MissionFinanceError
            On a key or value that is invalid on its own, before anything is solved.
        """
        from missionfinance import sweep as sw

        chosen: list[Any] = []
        for item in variants:
            if isinstance(item, sw.Variant):
                chosen.append(item)
                continue
            if isinstance(item, str):
                key, op, values = sw.parse_vary(item)
                changes = tuple((key, op, v) for v in values[:1])
            elif isinstance(item, Mapping):
                changes = tuple((k.rstrip("*"), "*" if k.endswith("*") else "=", v)
                                for k, v in item.items())
            else:
                raise MissionFinanceError(
                    f"compare: {item!r} is not a mapping of changes, a 'KEY=VALUE' text or a "
                    "Variant")
            chosen.append(sw.Variant(sw.variant_label(changes), changes))
        if not chosen:
            raise MissionFinanceError("compare: no variants; give at least one mapping of changes")
        return sw.run_sweep(self, chosen, workers=workers, progress=progress, check=True,
                            exact=exact)

    def __repr__(self) -> str:
        return (
            f"Scenario({self.name!r}, years {self.years[0]}..{self.years[-1]}, "
            f"{len(self.instruments)} instruments, controls {sorted(self.budget)})"
        )

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{html.escape(c)}</td>"
            + "".join(f"<td>{self.budget[c].get(y, float('nan')):,.1f}</td>" for y in self.years)
            + "</tr>"
            for c in sorted(self.budget)
        )
        if self.exposure:
            rows += "<tr><td>exposure (stock)</td>" + "".join(
                f"<td>{self.exposure[y]:,.1f}</td>" if y in self.exposure else "<td>–</td>"
                for y in self.years
            ) + "</tr>"
        head = "".join(f"<th>{html.escape(y)}</th>" for y in self.years)
        free = ", ".join(self.unconstrained_controls) or "none"
        further = [k for k in ("constraints", "risk", "leverage_segments", "integer", "solver")
                   if k in self.config]
        extra = (f"<br><small>Further limits and options: {html.escape(', '.join(further))}</small>"
                 if further else "")
        return (
            f"<div><b>Scenario</b> {html.escape(self.name)} — objective "
            f"<code>{html.escape(self.objective_kind)}</code>, attribution {html.escape(self.attribution)}, "
            f"instruments {html.escape(', '.join(self.instruments))}"
            f"<table><tr><th>control (£m)</th>{head}</tr>{rows}</table>"
            f"<small>Unconstrained controls: {html.escape(free)}</small>{extra}</div>"
        )


def _check_keys(table: Mapping[str, Any], allowed: set[str], name: str, prefix: str) -> None:
    for key in table:
        if key not in allowed:
            raise MissionFinanceError(
                f"{name} key {prefix}.{key}: unknown key; allowed {', '.join(sorted(allowed))}"
            )


def _resolve(p: Path, shown: str, what: str) -> Path:
    """``p.resolve()``; a symbolic-link loop is a one-line error naming ``shown``."""
    try:
        return p.resolve()
    except (RuntimeError, OSError):
        raise MissionFinanceError(
            f"{shown}: is a symbolic link that loops back on itself; give the path of the {what} itself"
        ) from None


def _input_path(base: Path, value: str, name: str, key: str) -> Path:
    """An input file named by the scenario, resolved against its folder; it must be a file."""
    if "\x00" in value:
        raise MissionFinanceError(f"{name} key {key}: {value!r} is not a valid path")
    p = _resolve(base / value, f"{name} key {key}: {value!r}", "file")
    if not p.exists() and not p.is_symlink():
        raise MissionFinanceError(f"{name} key {key}: file {value!r} not found (relative to {base.name}/)")
    check_user_file(p, "file", f"{name} key {key}: {value!r}")
    return p


def _parse_years(raw: object, name: str) -> tuple[str, ...]:
    if not isinstance(raw, list) or not raw:
        raise MissionFinanceError(
            f"{name} key scenario.years: {raw!r} must be a list of financial years like [\"2026-27\", \"2027-28\"]"
        )
    years = tuple(check_financial_year(y, f"{name} key scenario.years") for y in raw)
    for prev, nxt in zip(years, years[1:], strict=False):
        if year_start(nxt) != year_start(prev) + 1:
            raise MissionFinanceError(
                f"{name} key scenario.years: {nxt!r} does not follow {prev!r}; list consecutive "
                f"years such as {prev!r}, {fy_from_start(year_start(prev) + 1)!r}"
            )
    return years


def _parse_instruments(raw: object, name: str) -> dict[str, Instrument]:
    if raw is None:
        return dict(DEFAULT_INSTRUMENTS)
    if not isinstance(raw, Mapping) or not raw:
        raise MissionFinanceError(f"{name} key instruments: must hold at least one [instruments.<name>] table")
    out: dict[str, Instrument] = {}
    for inst_name, table in raw.items():
        if not isinstance(table, Mapping):
            raise MissionFinanceError(f"{name} key instruments.{inst_name}: must be a table")
        out[str(inst_name)] = instrument_from_config(str(inst_name), table, name)
    return out


def _parse_budget(
    raw: object, name: str, years: tuple[str, ...], controls_used: Sequence[str]
) -> dict[str, dict[str, float]]:
    if not isinstance(raw, Mapping):
        raise MissionFinanceError(f"{name} key budget: must hold [budget.<control>] tables")
    budget: dict[str, dict[str, float]] = {}
    for control, table in raw.items():
        if control not in controls_used:
            raise MissionFinanceError(
                f"{name} key budget.{control}: unknown control {control!r}; the instruments score "
                f"against {', '.join(controls_used) or 'no control'} (add it to an instrument's "
                "budget_score or fix the name)"
            )
        if not isinstance(table, Mapping):
            raise MissionFinanceError(f"{name} key budget.{control}: must be a table of year = £m")
        budget[control] = {
            _check_year_in(y, years, f"{name} key budget.{control}.{y}"): _number(
                v, f"{name} key budget.{control}.{y}"
            )
            for y, v in table.items()
        }
    return budget


def _key_exists(table: Any, parts: Sequence[str]) -> bool:
    """Whether the dotted ``parts`` name a key of the nested ``table`` (keys may hold dots)."""
    if not parts:
        return True
    if not isinstance(table, Mapping):
        return False
    for n in range(len(parts), 0, -1):
        head = ".".join(parts[:n])
        if head in table and _key_exists(table[head], parts[n:]):
            return True
    return False


def parse_sources(config: Mapping[str, Any], name: str,
                  instruments: Mapping[str, Instrument]) -> dict[str, dict[str, str]]:
    """The ``[sources]`` table: where the scenario's numbers come from, and their quality.

    Each key is a dotted key of the scenario file (``"budget.CDEL"``,
    ``"budget.RDEL.2029-30"``, ``"objective.weights"``,
    ``"constraints.mission_floor.health"``, ``"instruments.loan"``) or a pipeline parameter
    (``"pipeline.leverage_loan"``, ``"pipeline.pd"``; ``"pipeline"`` for every column). Its value is a table with
    ``source`` (text, required) and ``quality`` (``"green"``, ``"amber"`` or ``"red"``:
    the analyst's RAG rating; left out = not rated). A source given for a table applies
    to every number inside it unless a longer key gives its own.

    ``instruments.<name>`` keys may name an instrument of the library defaults even when the
    scenario has no ``[instruments]`` table.

    Returns
    -------
    dict
        Dotted key → ``{"source": str, "quality": str}`` (``""`` when not rated).

    Raises
    ------
    MissionFinanceError
        One line naming the key: a key that is not in the scenario, an entry that is not a
        table, an unknown entry key, an empty source or an unknown rating.

    Examples
    --------
    >>> cfg = {"budget": {"CDEL": {"2026-27": 600.0}},
    ...        "sources": {"budget.CDEL": {"source": "SR25 Table 5.4", "quality": "green"}}}
    >>> parse_sources(cfg, "s.toml", {})
    {'budget.CDEL': {'source': 'SR25 Table 5.4', 'quality': 'green'}}
    >>> parse_sources({"sources": {"budget.CDLE": {"source": "x"}}}, "s.toml", {})
    Traceback (most recent call last):
    ...
    missionfinance.errors.MissionFinanceError: s.toml key sources."budget.CDLE": not a key of this scenario; name a key the file sets (such as "budget.CDEL" or "budget.CDEL.2026-27") or a pipeline column (such as "pipeline.pd")
    """
    raw = config.get("sources", {})
    if not isinstance(raw, Mapping):
        raise MissionFinanceError(
            f'{name} key sources: must be a table of "dotted.key" = {{ source = "...", '
            'quality = "green" }')
    from missionfinance.cashflows import TERM_KEYS

    pipeline_columns = {*PIPELINE_PARAMETERS,
                        *(f"leverage_{i}" for i in instruments),
                        *(f"{i}_{k}" for i in instruments for k in TERM_KEYS)}
    out: dict[str, dict[str, str]] = {}
    for key, entry in raw.items():
        where = f'{name} key sources."{key}"'
        parts = str(key).split(".")
        if parts[0] == "pipeline":
            if len(parts) > 2 or (len(parts) == 2 and parts[1] not in pipeline_columns):
                raise MissionFinanceError(
                    f"{where}: not a pipeline parameter; use \"pipeline\" (every column) or "
                    f"pipeline.<column> with one of {', '.join(PIPELINE_PARAMETERS)}, "
                    f"{', '.join(f'leverage_{i}' for i in instruments)} or <instrument>_<term>")
        elif parts[0] == "sources" or not (
                _key_exists(config, parts)
                or (parts[0] == "instruments" and len(parts) >= 2 and parts[1] in instruments)):
            raise MissionFinanceError(
                f'{where}: not a key of this scenario; name a key the file sets (such as '
                '"budget.CDEL" or "budget.CDEL.2026-27") or a pipeline column (such as '
                '"pipeline.pd")')
        if not isinstance(entry, Mapping):
            raise MissionFinanceError(
                f'{where}: must be a table like {{ source = "SR25 Table 5.4", quality = "green" }}')
        for k in entry:
            if k not in SOURCE_ENTRY_KEYS:
                raise MissionFinanceError(
                    f"{where}.{k}: unknown key; allowed {', '.join(SOURCE_ENTRY_KEYS)}")
        source = entry.get("source")
        if not isinstance(source, str) or not source.strip():
            raise MissionFinanceError(f"{where}.source: missing or empty; say where the number "
                                      "comes from")
        quality = entry.get("quality", "")
        if quality not in ("", *QUALITY_RATINGS):
            raise MissionFinanceError(
                f"{where}.quality: {quality!r} is not a rating; use green, amber or red, or "
                "leave it out (not rated)")
        out[str(key)] = {"source": source.strip(), "quality": str(quality)}
    return out
