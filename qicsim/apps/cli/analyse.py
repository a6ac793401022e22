"""The ``qicsim-analyse`` command: analyse a sweep folder.

Usage::

    qicsim-analyse results/sweeps/<name> [--out FOLDER] [--outcome NAME ...] [--bootstrap B] [--seed S]
                   [--level L] [--qca-outcome 'COLUMN>THRESHOLD'] [--qca-label TEXT]
                   [--consistency C] [--necessity N] [--qca-thresholds T,T,...]
                   [--prim-threshold D] [--robust-share S]

Bad input (a missing folder or file, an unreadable file, data that do not fit the design,
an unknown outcome, a bad number, an ``--out`` folder that is not new or empty) prints one
line ``qicsim-analyse: error: ...`` on stderr and exits with code 2, without writing a report.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import NoReturn

from qicsim.errors import QicsimError
from qicsim.studies.analysis.qca import DEFAULT_RULE, OutcomeRule

PROG = "qicsim-analyse"
EXIT_BAD_INPUT = 2
EXIT_CANNOT_WRITE = 1


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line."""

    def error(self, message: str) -> NoReturn:
        """Print one line and exit with code 2."""
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT)


def parser() -> argparse.ArgumentParser:
    """The command's argument parser."""
    p = _Parser(prog=PROG, description="Analyse a qicsim sweep folder (design.json and dataset.parquet): "
                "effects, QCA, simulated CMO table, or Morris/Sobol indices, as the design allows; PRIM scenario "
                "discovery; conclusions over an ensemble's parameter sets. "
                "Writes <folder>/analysis/ (or --out) with CSV tables, PNG figures and report.md.")
    p.add_argument("folder", type=Path, help="the sweep folder, e.g. results/sweeps/<name>")
    p.add_argument("--out", type=Path, default=None, metavar="FOLDER",
                   help="a new or empty folder to write the analysis to (default <folder>/analysis, replaced "
                   "each time)")
    p.add_argument("--outcome", action="append", dest="outcomes", metavar="NAME",
                   help="an outcome column to analyse (repeatable; default: implemented, "
                   "homes_with_implementation_share, sustained, spread, measured_share, cost_gbp)")
    p.add_argument("--bootstrap", type=int, default=1000, metavar="B", help="bootstrap samples (default 1000)")
    p.add_argument("--seed", type=int, default=0, metavar="S", help="bootstrap seed (default 0)")
    p.add_argument("--level", type=float, default=0.95, metavar="L", help="interval coverage (default 0.95)")
    p.add_argument("--qca-outcome", type=qca_rule, default=None, metavar="COLUMN>THRESHOLD",
                   help="QCA outcome set: runs whose COLUMN exceeds THRESHOLD "
                   f"(default '{DEFAULT_RULE.column}>{DEFAULT_RULE.threshold:g}': {DEFAULT_RULE.label})")
    p.add_argument("--qca-label", default=None, metavar="TEXT", help="a readable name of the QCA outcome set")
    p.add_argument("--consistency", type=float, default=0.8, metavar="C",
                   help="QCA: a configuration is sufficient if its consistency is at least C (default 0.8)")
    p.add_argument("--necessity", type=float, default=0.9, metavar="N",
                   help="QCA: a condition is necessary if its consistency of necessity is at least N (default 0.9)")
    p.add_argument("--qca-thresholds", type=thresholds, default=None, metavar="T,T,...",
                   help="QCA across outcome thresholds of the QCA outcome column (default 0.3,0.4,0.5,0.6,0.7 "
                   "for the default outcome, none for another; 'none' to leave it out)")
    p.add_argument("--prim-threshold", type=float, default=0.8, metavar="D",
                   help="PRIM: least density of a box (share of its runs with the outcome; default 0.8)")
    p.add_argument("--robust-share", type=float, default=0.9, metavar="S",
                   help="ensemble: a conclusion holding in at least this share of the parameter sets is robust "
                   "(default 0.9)")
    return p


def thresholds(text: str) -> tuple[float, ...]:
    """Parse ``0.3,0.5,0.7`` (or ``none``) into thresholds (for argparse)."""
    if text.strip().lower() == "none":
        return ()
    try:
        return tuple(float(t) for t in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not numbers separated by commas, e.g. 0.3,0.5,0.7") from None


def qca_rule(text: str) -> OutcomeRule:
    """Parse ``COLUMN>THRESHOLD`` into an outcome rule (for argparse)."""
    column, sep, threshold = text.partition(">")
    try:
        value = float(threshold)
    except ValueError:
        value = None
    if not sep or not column.strip() or value is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not COLUMN>THRESHOLD, e.g. implemented>10")
    return OutcomeRule(column.strip(), value, f"{column.strip()} above {value:g}")


# The analysis's argument names and the flags that set them.
FLAGS = {"bootstrap": "--bootstrap", "conf_level": "--level", "consistency_cutoff": "--consistency",
         "necessity_cutoff": "--necessity", "prim_threshold": "--prim-threshold", "robust_share": "--robust-share"}


def main(argv: list[str] | None = None) -> int:
    """Run the command.

    Args:
        argv: Arguments (default ``sys.argv[1:]``).

    Returns:
        The exit code: 0 on success, 2 for bad input, 1 if the files cannot be written.
    """
    try:
        args = parser().parse_args(argv)
    except SystemExit as done:  # --help (0) or a bad argument (2, after one line on stderr)
        return done.code if isinstance(done.code, int) else EXIT_BAD_INPUT
    from qicsim.studies.analysis.pipeline import analyse  # imported after parsing: --help stays fast

    try:
        rule = args.qca_outcome or DEFAULT_RULE
        if args.qca_label:
            rule = OutcomeRule(rule.column, rule.threshold, args.qca_label)
        folder = analyse(args.folder, args.outcomes, n_boot=args.bootstrap, seed=args.seed, conf_level=args.level,
                         qca_rule=rule, consistency_cutoff=args.consistency, necessity_cutoff=args.necessity,
                         out=args.out, qca_thresholds_at=args.qca_thresholds, prim_threshold=args.prim_threshold,
                         robust_share=args.robust_share)
    except QicsimError as error:
        if error.key in FLAGS:  # named as the user gave it (--level), not as the analysis calls it (conf_level)
            error = type(error)(FLAGS[error.key], error.problem, error.allowed)
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as error:
        print(f"{PROG}: error: cannot write the analysis: {error}", file=sys.stderr)
        return EXIT_CANNOT_WRITE
    print(f"{PROG}: wrote {folder / 'report.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
