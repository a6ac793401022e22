"""``qicsim-calibrate``: run (or resume) a calibration, then write its report and ensemble.

Usage::

    qicsim-calibrate [NAME] [key=value ...] [--results-dir DIR] [--ship] [--quiet]

``NAME`` is a file in ``configs/calibration`` (default ``peach``) or a YAML path; a file that names
``structures`` (``programmes``) is a calibration across programmes with model selection between the
rival structures (:mod:`qicsim.studies.calibration.selection`). Overrides
change its settings (``population=50 n_procs=1``). The same command resumes a killed
calibration, and on a finished one only rewrites the report (its record and ensemble stay as
they are). ``--ship`` also copies the ensemble to ``<configs>/ensemble/<ship_as>.csv``, where
runs find it (``run.ensemble=<ship_as>``); without it nothing outside ``--results-dir`` is written.
Exit codes: 0 done; 1 a file could not be written; 2 bad input; 130 interrupted (Ctrl-C), 143
terminated (SIGTERM): both resumable.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from qicsim.apps.cli import console
from qicsim.apps.cli.parsing import OneLineParser
from qicsim.errors import QicsimError, exit_with

PROGRAM = "qicsim-calibrate"


def parse(argv: list[str]) -> argparse.Namespace:
    """The command line."""
    parser = OneLineParser(prog=PROGRAM, description=__doc__.split("\n\n")[0])
    parser.add_argument("name", nargs="?", default="peach", help="configs/calibration/<name>.yaml or a YAML path")
    parser.add_argument("overrides", nargs="*", help="key=value settings, e.g. population=50 n_procs=1")
    parser.add_argument("--results-dir", default="results/calibration", help="parent of the calibration's folder")
    parser.add_argument("--ship", action="store_true",
                        help="also copy the ensemble to <configs>/ensemble/<ship_as>.csv|json, where runs find it "
                             "(<configs>: $QICSIM_CONFIG_DIR or the repository's configs/; never the installed "
                             "package)")
    parser.add_argument("--quiet", action="store_true", help="no progress lines")
    args = parser.parse_intermixed_args(argv)  # settings may come before or after the flags
    if "=" in args.name:  # overrides only: the default calibration
        args.overrides.insert(0, args.name)
        args.name = "peach"
    return args


def calibrate(name: str, overrides: list[str], results_dir: Path, quiet: bool = False, ship_it: bool = False) -> Path:
    """Sample (or resume), then write the report and ensemble, and ship it if asked; return the calibration's folder."""
    from qicsim.run.folders import check_writable
    from qicsim.studies.calibration.selection_settings import is_selection
    from qicsim.studies.calibration.settings import load_settings

    if is_selection(name):
        return select(name, overrides, results_dir, quiet, ship_it)
    # Settings and folders are checked before pyabc and the samplers are imported (seconds): bad input is
    # refused at once.
    settings = load_settings(name, overrides)
    check_writable(results_dir, "--results-dir")  # a file or a read-only folder: refused before sampling
    from qicsim.studies.calibration.export import ship, ship_target, write_ensemble
    from qicsim.studies.calibration.report import load_posterior, write_report
    from qicsim.studies.calibration.smc import read_record, run_smc, say

    target = ship_target(settings) if ship_it else None  # refused before hours of sampling, not after
    folder = results_dir / settings.name
    outcome = run_smc(settings, folder, quiet=quiet)
    record = read_record(folder) or {}
    if not quiet:
        say(f"stopped: {outcome.stopped}; writing the report")
    write_report(settings, folder, outcome, record)
    _, posterior = load_posterior(folder)
    write_ensemble(settings, folder, posterior, outcome, record)
    if target is not None:
        shipped = ship(folder, target)
        print(f"{PROGRAM}: ensemble shipped as {shipped}")
    return folder


def select(name: str, overrides: list[str], results_dir: Path, quiet: bool = False, ship_it: bool = False) -> Path:
    """A calibration across programmes: sample (or resume), then write its report and model-averaged ensemble.

    ``--ship`` copies the ensemble only from a calibration its stop rule ended (settled, or acceptance
    too low): one stopped by its budget is unfinished, and shipping it is refused in one line.
    """
    from qicsim.errors import DataError
    from qicsim.run.folders import check_writable
    from qicsim.studies.calibration.selection_settings import load_selection

    settings = load_selection(name, overrides)  # checked before pyabc is imported, as in calibrate()
    check_writable(results_dir, "--results-dir")
    from qicsim.studies.calibration.export import ship, ship_target
    from qicsim.studies.calibration.selection import CONVERGED, run_selection
    from qicsim.studies.calibration.selection_report import write_report
    from qicsim.studies.calibration.smc import read_record, say

    target = ship_target(settings) if ship_it else None  # refused before hours of sampling, not after
    folder = results_dir / settings.name
    outcome = run_selection(settings, folder, quiet=quiet)
    if not quiet:
        say(f"stopped: {outcome.stopped}; writing the report (and the posterior predictive runs)")
    write_report(settings, folder, read_record(folder) or {})
    if target is not None:
        if not outcome.stopped.startswith(CONVERGED):
            raise DataError(str(folder), f"not shipped: the calibration stopped at its budget ({outcome.stopped})",
                            "run the same command again to go on until its stop rule ends it, then --ship")
        print(f"{PROGRAM}: ensemble shipped as {ship(folder, target)}")
    return folder


def main(argv: list[str] | None = None) -> None:
    """Console entry point."""
    args = parse(sys.argv[1:] if argv is None else argv)
    # SIGTERM (a killed job, a scheduler's time limit) ends the session as Ctrl-C does: Python exits
    # normally, and multiprocessing ends pyabc's worker processes, which a plain SIGTERM would leave running.
    console.install()
    try:
        folder = calibrate(args.name, args.overrides, Path(args.results_dir), args.quiet, args.ship)
    except QicsimError as error:
        exit_with(error, PROGRAM)
    except (KeyboardInterrupt, Exception) as error:  # pyabc's clean-up after Ctrl-C can fail in its database
        stop = console.interruption(error)  # the interrupt itself, or the one behind that failure
        if stop is None:
            raise
        console.stopped(PROGRAM, "; the same command resumes from the last complete generation", stop)
    print(f"{PROGRAM}: report {folder / 'report.md'}; ensemble {folder / 'ensemble.csv'}")


if __name__ == "__main__":
    main()
