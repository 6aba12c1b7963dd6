"""The ``missionfinance`` command: a thin layer over the public API.

Exit status: 0 success; 1 the scenario was read and solved but is infeasible,
unbounded or stopped at a time limit (or ``verify`` found a difference); 2 bad
input or usage (one line on stderr naming the file, row or key, and the fix);
3 an internal error (one line on stderr; please report it); 128 + the signal when stopped
(130 Ctrl-C, 143 SIGTERM), with no file left half-written (``tag``, ``run`` and
``simulate`` remove what they were writing; the output is the earlier one or the new one).
"""

from __future__ import annotations

import argparse
import atexit
import gc
import math
import os
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn, TextIO

import pandas as pd

from missionfinance._fs import check_output_folder, write_file
from missionfinance._progress import Step
from missionfinance.errors import MissionFinanceError, MissionFinanceWarning

EXIT_OK, EXIT_SOLVED_NOT_OPTIMAL, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3


class _Parser(argparse.ArgumentParser):
    """argparse with one-line usage errors (exit 2), as every other error."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"missionfinance: error: {message}; see '{self.prog} --help'\n")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="missionfinance", description=__doc__.split("\n")[0])
    p.add_argument("--version", action="version", version=_version())
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    t = sub.add_parser("tag", help="tag spending or procurement lines against missions")
    t.add_argument("lines", nargs="+", type=Path, help="lines files (CSV/XLSX/Parquet, CRA, SR25, OCDS)")
    t.add_argument("--rules", default="builtin:uk", help="rules TOML (default: the shipped UK rules)")
    t.add_argument("--missions", default="builtin:uk", help="missions TOML (default: builtin:uk)")
    t.add_argument("--format", default=None, help="force the input format: canonical, cra, sr25, ocds")
    t.add_argument("--attribution", choices=("net", "gross"), default="net")
    t.add_argument("--rate", action="append", default=[], metavar="CUR=GBP",
                   help="exchange rate for OCDS amounts, £ per unit (e.g. EUR=0.85); repeatable")
    t.add_argument("--out", required=True, type=Path, help="tags CSV to write (untagged lines beside it)")

    e = sub.add_parser("explain", help="explain the tags of one line")
    e.add_argument("line_id")
    e.add_argument("lines", nargs="+", type=Path)
    e.add_argument("--rules", default="builtin:uk")
    e.add_argument("--missions", default="builtin:uk")
    e.add_argument("--format", default=None)
    e.add_argument("--rate", action="append", default=[], metavar="CUR=GBP")

    rl = sub.add_parser("rules", help="work with tagging rules")
    rsub = rl.add_subparsers(dest="rules_command", required=True, parser_class=_Parser)
    rs = rsub.add_parser("suggest", help="propose rules and vetoes from labelled lines")
    rs.add_argument("labels", type=Path, help="labelled lines CSV (lines columns plus 'missions')")
    rs.add_argument("--rules", default="builtin:uk", help="rules to improve (default: builtin:uk)")
    rs.add_argument("--out", required=True, type=Path, help="TOML of proposals to review")

    r = sub.add_parser("run", help="run a scenario and write its outputs")
    r.add_argument("scenario", type=Path)
    r.add_argument("--out", required=True, type=Path, help="output folder (written atomically)")

    s = sub.add_parser(
        "sweep", help="run variants of a scenario",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Solve variants of a scenario and compare them with the base.",
        epilog="""KEY is a dotted path into the scenario file, exactly as the TOML nests it;
keys under pipeline. address a column of the pipeline for every project.
  KEY=V1,V2,...    set the key to each value in turn
  KEY*=F1,F2,...   scale a number, or every number of a table, by each factor

examples:
  --vary budget.CDEL.2027-28=1100,1200,1300      one year's CDEL control total, £m
  --vary 'budget.CDEL*=0.9,1,1.1'                 every year of CDEL, scaled
  --vary objective.weights.health=1,2             a mission's weight
  --vary 'pipeline.leverage_equity*=0.5,1'        a pipeline column, every project
  --vary exposure.2026-27=4000,5000 --vary 'budget.FT*=0.8,1'   two keys: 2 x 2 variants

An invalid key or value stops the sweep before anything is solved (exit 2, no folder);
a variant that is infeasible is listed and the sweep exits 1.""")
    s.add_argument("scenario", type=Path)
    s.add_argument("--vary", action="append", default=[], metavar="KEY=V1,V2,...",
                   help="a dotted scenario key and its values, or KEY*=F1,F2 to scale "
                        "(repeat for every combination; examples below)")
    s.add_argument("--variants", type=Path, default=None, help="CSV or TOML list of named variants")
    s.add_argument("--scheduler", default=None, help="dask.distributed scheduler address")
    s.add_argument("--workers", type=int, default=None, help="local worker processes (default: cores)")
    s.add_argument("--exact", action="store_true",
                   help="solve every variant from scratch as `run` does, so every figure equals "
                        "a lone run of it even where allocations tie (slower)")
    s.add_argument("--out", required=True, type=Path)

    m = sub.add_parser("simulate", help="evaluate a scenario's allocation over draws of its "
                       "uncertain inputs")
    m.add_argument("scenario", type=Path)
    m.add_argument("--draws", required=True, type=int, help="number of draws (≥ 1)")
    m.add_argument("--seed", type=int, default=None,
                   help="seed (default: outcomes.uncertainty.seed of the scenario)")
    m.add_argument("--out", required=True, type=Path, help="output folder (written atomically)")
    v = sub.add_parser("verify", help="re-run the scenario of an output folder and compare")
    v.add_argument("dir", type=Path)
    return p


def _version() -> str:
    from missionfinance._version import __version__

    return f"missionfinance {__version__}"


def _rates(specs: Sequence[str]) -> dict[str, float] | None:
    """``["EUR=0.85"]`` → ``{"EUR": 0.85}`` (£ per unit of currency)."""
    rates: dict[str, float] = {}
    for spec in specs:
        cur, _, value = spec.partition("=")
        try:
            rate = float(value)
        except ValueError:
            rate = -1.0
        if not cur.strip() or not math.isfinite(rate) or rate <= 0:
            raise MissionFinanceError(
                f"--rate {spec!r}: write CURRENCY=RATE with a finite positive £ rate, e.g. EUR=0.85"
            )
        rates[cur.strip().upper()] = rate
    return rates or None


def check_out(path: Path, kind: str = "folder") -> None:
    """Refuse a bad ``--out`` before any work is done (exit 2 naming it).

    ``kind`` is ``"folder"`` (``run``, ``sweep``: a new folder, or one holding an earlier
    run's outputs) or ``"file"`` (``tag``). Missing parent folders are created when the
    outputs are written, so the nearest existing ancestor must be a folder this user can
    write in.
    """
    shown = str(path)
    try:
        if kind == "folder":
            check_output_folder(path)
        elif path.is_dir():
            raise MissionFinanceError(f"--out {shown}: is a folder; give the path of the CSV file to write")
        ancestor = path.absolute().parent
        while not ancestor.exists() and not ancestor.is_symlink() and ancestor != ancestor.parent:
            ancestor = ancestor.parent
        if not ancestor.is_dir():
            raise MissionFinanceError(
                f"--out {shown}: {ancestor} is not a folder (a file or a broken link is in the way); "
                "choose another --out"
            )
        if not os.access(ancestor, os.W_OK | os.X_OK):
            raise MissionFinanceError(
                f"--out {shown}: cannot write in {ancestor} (permission denied); choose a folder you can write in"
            )
    except OSError as exc:
        raise MissionFinanceError(
            f"--out {shown}: cannot be used ({exc.strerror or type(exc).__name__}); choose another --out"
        ) from None


def _same_file(a: Path, b: Path) -> bool:
    """True when ``a`` and ``b`` name the same existing file."""
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def _show_warning(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                  file: TextIO | None = None, line: str | None = None) -> None:
    """Warnings at the command line: one line, no source path or code."""
    text = " ".join(str(message).split()) or category.__name__
    label = "" if issubclass(category, MissionFinanceWarning) or category is UserWarning else (
        f"{category.__name__}: ")
    try:
        print(f"missionfinance: warning: {label}{text}", file=file or sys.stderr)
    except (OSError, ValueError):
        pass


def _read_lines(paths: Sequence[Path], fmt: str | None, rates: dict[str, float] | None = None) -> pd.DataFrame:
    from missionfinance.io import combine_lines, read_lines

    frames = [read_lines(p, format=fmt, rates=rates) for p in paths]
    return combine_lines(frames, fix="tag the files separately or give their lines distinct ids")


def _csv(frame: pd.DataFrame) -> bytes:
    """A CSV the way the reports write it (formula cells neutralised)."""
    from missionfinance.report.formats import csv_bytes
    from missionfinance.tagging.fastio import tags_csv_bytes

    data = tags_csv_bytes(frame)  # the Arrow fast path; None: the ordinary writer
    return csv_bytes(frame, sort=False) if data is None else data


def _cmd_tag(args: argparse.Namespace) -> int:
    """``missionfinance tag``: read, tag, write both CSVs as one atomic set.

    SIGINT, SIGTERM and SIGHUP stop it cleanly until the outputs are in place: no
    temporary is left and the two files are replaced together or not at all.
    """
    from missionfinance._fs import stop_signals

    with stop_signals():
        out, untagged_path, summary = _tag_and_write(args)
    print(summary)
    print(f"tags: {out}")
    print(f"untagged lines: {untagged_path}")
    return EXIT_OK


def _tag_and_write(args: argparse.Namespace) -> tuple[Path, Path, str]:
    from missionfinance._fs import write_files
    from missionfinance.missions import MissionSet
    from missionfinance.tagging import RuleSet, tag
    from missionfinance.tagging.fastio import read_lines_csv
    from missionfinance.tagging.progress import Stages

    check_out(args.out, "file")
    untagged_path = args.out.with_name(args.out.stem + ".untagged" + (args.out.suffix or ".csv"))
    for written in (args.out, untagged_path):
        if any(_same_file(written, p) for p in args.lines):
            raise MissionFinanceError(
                f"--out {args.out}: would overwrite the input {written.name}; write the tags to another file"
            )
    rates = _rates(args.rate)
    missions = MissionSet.load(args.missions)
    rules = RuleSet.load(args.rules, missions=missions)
    stages = Stages(("reading", "tagging", "writing"), sys.stderr)
    stages.next()
    one_csv = args.format in (None, "canonical") and len(args.lines) == 1
    lines = read_lines_csv(args.lines[0]) if one_csv else None  # the Arrow fast path, or None
    if lines is None or lines.empty:  # the ordinary reader names what is wrong (no lines, …)
        lines = _read_lines(args.lines, args.format, rates)
    stages.next(f"{len(lines):,} lines")
    result = tag(lines, rules, attribution=args.attribution)
    unmatched = result.unmatched_overrides()
    if unmatched:
        from missionfinance.tagging.result import unmatched_overrides_text

        warnings.warn(MissionFinanceWarning(unmatched_overrides_text(
            unmatched, f"--rules {args.rules}", ", ".join(str(p) for p in args.lines))),
            stacklevel=1)
    stages.next(f"{len(result.tags):,} tags")
    write_files({args.out: _csv(result.tags), untagged_path: _csv(result.untagged)})
    stages.done()
    return args.out, untagged_path, result.summary_text()


def _cmd_rules(args: argparse.Namespace) -> int:
    from missionfinance.tagging import RuleSet
    from missionfinance.tagging.suggest import suggest, to_toml

    if not args.labels.is_file():
        raise MissionFinanceError(f"{args.labels}: labels file not found; give a CSV of labelled lines")
    labels = pd.read_csv(args.labels, dtype=str, keep_default_na=False)
    if "missions" not in labels.columns or "line_id" not in labels.columns:
        raise MissionFinanceError(f"{args.labels}: needs columns line_id, description, amount and missions")
    labels["amount"] = labels.get("amount", "0")
    proposals = suggest(labels, RuleSet.load(args.rules))
    write_file(args.out, to_toml(proposals).encode("utf-8"))
    print(f"{len(proposals)} proposals: {args.out}")
    return EXIT_OK


def _cmd_explain(args: argparse.Namespace) -> int:
    from missionfinance.missions import MissionSet
    from missionfinance.tagging import RuleSet, tag

    missions = MissionSet.load(args.missions)
    rules = RuleSet.load(args.rules, missions=missions)
    lines = _read_lines(args.lines, args.format, _rates(args.rate))
    print(tag(lines, rules).explain(args.line_id))
    return EXIT_OK


def _cmd_run(args: argparse.Namespace) -> int:
    """``missionfinance run``: read, tag, solve, write the output folder.

    SIGINT, SIGTERM and SIGHUP stop it cleanly: the worker processes are stopped, the
    hidden folder being written is removed, and the output folder is the earlier one or
    the complete new one (when the signal came as it was put in place).
    """
    from missionfinance._fs import stop_signals
    from missionfinance.scenario import Scenario

    check_out(args.out, "folder")
    with stop_signals():
        with Step("reading, tagging and solving"):
            run = Scenario.load(args.scenario).run()
        with Step("writing the report"):
            out = run.write(args.out)
    status = run.status
    summary = run.allocation.summary
    if status == "optimal":
        print(
            f"{run.scenario.name}: optimal; objective {summary['objective']:,.1f}; public cash "
            f"£{summary['public_total']:,.1f}m and guarantees "
            f"£{summary.get('guarantee_total', 0.0):,.1f}m mobilise private "
            f"£{summary['private_total']:,.1f}m"
        )
    else:
        print(f"{run.scenario.name}: {status}: {run.allocation.message}", file=sys.stderr)
    print(f"results written to {out}")
    return EXIT_OK if status == "optimal" else EXIT_SOLVED_NOT_OPTIMAL


#: Longest error printed per failed variant on the terminal.
ECHO_CHARS = 300


def _cmd_sweep(args: argparse.Namespace) -> int:
    """``missionfinance sweep``: build the variants, run them, write the folder.

    Returns the exit status: 0 when every variant is optimal; 1 when the sweep ran and
    wrote its folder but at least one variant is not optimal (infeasible, unbounded,
    time limit, or an error in that variant's values), each listed with its error or
    conflict; bad input for the whole sweep raises (exit 2 from the CLI).
    """
    check_out(args.out, "folder")
    if args.workers is not None and args.workers < 1:
        raise MissionFinanceError(f"--workers {args.workers}: must be ≥ 1 (or leave it out for one per core)")
    from missionfinance.scenario import Scenario
    from missionfinance.sweep import product, read_variants, run_sweep

    scenario = Scenario.load(args.scenario)
    variants = read_variants(args.variants) if args.variants else []
    if args.vary:
        variants += product(args.vary)
    if not variants:
        raise MissionFinanceError("sweep: no variants; give --vary KEY=V1,V2 or --variants FILE")
    result = run_sweep(scenario, variants, workers=args.workers, scheduler=args.scheduler,
                       progress=os.isatty(2), check=True, exact=args.exact)
    with Step("writing the comparison"):
        out = result.write(args.out)
    n_ok = int((result.table["status"] == "optimal").sum())
    print(f"{scenario.name}: {n_ok} of {len(result.table)} variants optimal")
    for row in result.failed.itertuples(index=False):
        error = str(row.error)
        text = error if error.startswith(str(row.status)) else f"{row.status}: {error}"
        if len(text) > ECHO_CHARS:  # a long conflict list: the whole of it is in variants.csv
            text = text[:ECHO_CHARS] + f"… ({len(text) - ECHO_CHARS:,} more characters in variants.csv)"
        print(f"  {row.variant}: {text}")
    print(f"results written to {out}")
    return EXIT_OK if n_ok == len(result.table) else EXIT_SOLVED_NOT_OPTIMAL


def _cmd_simulate(args: argparse.Namespace) -> int:
    from missionfinance.report.simulation import write_simulation
    from missionfinance.scenario import Scenario

    if args.draws < 1:
        raise MissionFinanceError(f"simulate: draws {args.draws} must be a whole number ≥ 1; "
                                  "give --draws 1 or more")
    if args.seed is not None and args.seed < 0:
        raise MissionFinanceError(f"simulate: seed {args.seed} must be a whole number ≥ 0; "
                                  "give --seed 0 or more")
    check_out(args.out, "folder")
    scenario = Scenario.load(args.scenario)
    if scenario.outcomes is None:
        raise MissionFinanceError(f"{args.scenario.name} key outcomes: no [outcomes] table; "
                                  "add one with yields to simulate")
    from missionfinance._fs import stop_signals

    with stop_signals():  # a stop signal ends it cleanly, as for run
        run = scenario.run()
        if run.status != "optimal":
            print(f"{scenario.name}: {run.status}: {run.allocation.message}", file=sys.stderr)
            return EXIT_SOLVED_NOT_OPTIMAL
        try:
            traj = scenario.simulate(args.draws, args.seed, run=run)
        except MemoryError:
            raise MissionFinanceError(
                f"--draws {args.draws:,}: too many draws for this machine's memory; use "
                "fewer, e.g. --draws 10000"
            ) from None
        out = write_simulation(run, traj, args.out)
    for m in sorted(traj.probability):
        print(f"{m}: probability of meeting the milestone {traj.probability[m]:.0%}")
    print(f"results written to {out}")
    return EXIT_OK


def _cmd_verify(args: argparse.Namespace) -> int:
    from missionfinance.audit import verify

    with Step("re-running the scenario and comparing"):
        result = verify(args.dir)
    print(result)
    return EXIT_OK if result.ok else EXIT_SOLVED_NOT_OPTIMAL


_COMMANDS = {
    "tag": _cmd_tag,
    "explain": _cmd_explain,
    "rules": _cmd_rules,
    "run": _cmd_run,
    "sweep": _cmd_sweep,
    "verify": _cmd_verify,
    "simulate": _cmd_simulate,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``missionfinance`` command; returns the exit status."""
    # At exit the interpreter's last garbage collections walk every object left (0.35 s
    # after a 10,000-project run); frozen first, they are freed with the process instead.
    # Handlers run in reverse order, so this one runs after those registered later.
    atexit.unregister(gc.freeze)
    atexit.register(gc.freeze)
    args = _parser().parse_args(argv)
    with warnings.catch_warnings():
        warnings.showwarning = _show_warning
        _show_not_raise(MissionFinanceWarning)
        return _run_command(args)


def _show_not_raise(category: type[Warning]) -> None:
    """Show ``category`` as a warning line where the filters would raise it.

    The package's warnings are messages for the user (also in summary.json and the report):
    a process-wide ``error`` filter (``python -W error``, a test runner's settings) must not
    turn a run that solved into an internal error with exit status 3. Any other choice
    for every warning of the category (``ignore``, say) is kept; filters for some messages
    or modules only (as libraries add for their own warnings) are passed over, unless
    they would raise.
    """
    raising = False
    for action, message, filtered, module, lineno in warnings.filters:
        if not issubclass(category, filtered):
            continue
        if message is None and module is None and not lineno:  # applies to every warning
            if action != "error":
                if raising:  # a narrower error filter comes first: the same choice, before it
                    warnings.simplefilter(action, category)  # type: ignore[arg-type]
                return
            raising = True
            break
        raising = raising or action == "error"
    if raising:
        warnings.simplefilter("default", category)


def _run_command(args: argparse.Namespace) -> int:
    import signal

    from missionfinance._fs import Interrupted

    try:
        return _COMMANDS[args.command](args)
    except BrokenPipeError:
        # the reader of stdout stopped reading (``missionfinance tag ... | head``): the
        # outputs are written; say nothing more and keep Python from complaining at exit
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return EXIT_OK
    except MissionFinanceError as exc:
        text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        print(f"missionfinance: error: {text}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except Interrupted as exc:  # a stop signal inside stop_signals (``tag``)
        name = signal.Signals(exc.signum).name
        print(f"missionfinance: interrupted by {name}; "
              + ("the outputs were written just before" if exc.written else "no output was written"),
              file=sys.stderr)
        return 128 + exc.signum
    except KeyboardInterrupt:  # writers remove their temporaries on the way out
        print("missionfinance: interrupted; no file was left half-written", file=sys.stderr)
        return 128 + signal.SIGINT
    except Exception as exc:  # the CLI never shows a traceback
        msg = str(exc).splitlines()[0] if str(exc) else ""
        print(
            f"missionfinance: internal error: {type(exc).__name__}: {msg} "
            "(please report it with the command line)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
