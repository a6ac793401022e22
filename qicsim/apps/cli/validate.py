"""``qicsim-validate``: run the held-out validation and write its table to a new folder.

Each run writes to ``results/validate/<time>/`` unless ``--out`` names a folder (new or empty):
the committed reference tables (``results/validation/``, ``results/validation-peach/``) are
never the default, so the command works as shown in a fresh clone and never writes over them.

Examples::

    qicsim-validate                                   # point defaults, 100 replications per programme
    qicsim-validate --out results/validation          # the reference table (remove the committed one first)
    qicsim-validate --replications 20 --out /tmp/v    # a quick look
    qicsim-validate --ensemble                        # over the default calibrated ensemble (run.ensemble)
    qicsim-validate --ensemble peach                  # over a named one
    qicsim-validate parameters.care_turnover_per_year=0 --out /tmp/what-if   # a what-if, never the reference
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from qicsim.errors import ConfigError, OneLineParser, QicsimError, exit_with

PROGRAM = "qicsim-validate"
DEFAULT_PARENT = Path("results") / "validate"  # each run in its own <time> folder below it


def default_out() -> Path:
    """``results/validate/<time>``: a new folder for each run, as ``qicsim compare`` makes one."""
    return DEFAULT_PARENT / datetime.now(UTC).strftime("%Y-%m-%d_%H-%M-%S-%f")


def parser() -> argparse.ArgumentParser:
    """The command's arguments."""
    from qicsim.config.schema import DEFAULT_ENSEMBLE, DEFAULT_SEED

    parse = OneLineParser(
        prog=PROGRAM, description="Check the model against observations held out of its calibration "
                                  "(docs/validation.md) and write the table to a new or empty folder.")
    parse.add_argument("overrides", nargs="*", metavar="key=value",
                       help="settings of the model (structure.*, parameters.*, contexts.*) applied to every "
                            "programme: what-if checks (the reference uses none); the programmes themselves and "
                            "how they run (--replications, --seed, --ensemble) are not what-ifs")
    parse.add_argument("--replications", type=int, default=100, help="replications per programme (default 100)")
    parse.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"master seed (default {DEFAULT_SEED})")
    parse.add_argument("--ensemble", nargs="?", default=None, const=DEFAULT_ENSEMBLE,
                       help=f"a parameter ensemble (name or CSV path), passed as run.ensemble; --ensemble alone: "
                            f"{DEFAULT_ENSEMBLE}, the calibrated one; without it: point defaults")
    parse.add_argument("--out", type=Path, default=None,
                       help=f"a new or empty output folder (default {DEFAULT_PARENT}/<time>)")
    return parse


def main(argv: list[str] | None = None) -> None:
    """Entry point of ``qicsim-validate``."""
    args = parser().parse_args(argv)
    args.out = args.out or default_out()
    try:
        if args.ensemble is not None and "=" in args.ensemble:  # --ensemble alone took the setting after it
            raise ConfigError("--ensemble", f"{args.ensemble!r} is a setting, not an ensemble",
                              "an ensemble's name or CSV path; settings go before a bare --ensemble")
        for override in args.overrides:
            if "=" not in override:
                raise ConfigError(override, "is not a setting", "key=value, e.g. parameters.care_turnover_per_year=0.3")
        from qicsim.run.folders import check_output_folder
        from qicsim.studies.validation.check import held_out_passed, validate
        from qicsim.studies.validation.report import write_report

        check_output_folder(args.out, "--out")  # before the runs, not after them
        report = validate(replications=args.replications, seed=args.seed, ensemble=args.ensemble,
                          overrides=args.overrides)
        write_report(report, args.out, [PROGRAM, *(sys.argv[1:] if argv is None else argv)])
    except QicsimError as error:
        exit_with(error, PROGRAM)
    table = report.table
    passed, held = held_out_passed(table)
    print(f"{PROGRAM}: {passed} of {held} held-out checks pass; wrote {args.out}")
    for row in table.itertuples():
        fitted = " (fitted by the ensemble's calibration: not held out)" if getattr(row, "fitted", False) else ""
        print(f"  {'pass' if row.passed else 'FAIL'}  {row.programme:8s} {row.name}: {row.detail}{fitted}")


if __name__ == "__main__":
    main()
