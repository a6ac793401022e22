"""``qicsim plot``: conditions overlaid on shared axes, for slides.

Examples::

    qicsim plot peach 'peach:contexts.protected_time.intensity=0'
    qicsim plot without_meetings_in_care_homes all_contexts --outcome attendances_care_home
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from qicsim.config.schema import DEFAULT_ENSEMBLE, DEFAULT_SEED
from qicsim.errors import ConfigError, DataError, OneLineParser, QicsimError, exit_with

DEFAULT_OUTCOME = "implemented"
DEFAULT_REPLICATIONS = 20
# Teaching runs draw each replication's parameters from the calibrated ensemble (DEFAULT_ENSEMBLE), so a
# band carries parameter uncertainty too; "none" keeps the point defaults.
# The slide is 11 x 6.6 inches: 600 dpi (print quality) is 6,600 x 3,960 pixels, about 100 MB while
# drawn; far above, the figure outgrows memory, and 0 is no image at all.
DPI_RANGE = (10, 600)


def parser() -> argparse.ArgumentParser:
    """The command's arguments."""
    p = OneLineParser(
        prog="qicsim plot",
        description="Run conditions on the same seeds and draw them on shared axes: an outcome panel, the "
                    "mechanism panel of the context that differs, and the outcome per site.",
        epilog="A condition is 'scenario' or 'scenario:key=value,key=value', e.g. "
               "qicsim plot peach 'peach:contexts.protected_time.intensity=0'")
    p.add_argument("conditions", nargs="+", help="scenario or scenario:override,override")
    p.add_argument("--replications", type=int, default=DEFAULT_REPLICATIONS,
                   help=f"replications per condition (default {DEFAULT_REPLICATIONS})")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"master seed (default {DEFAULT_SEED})")
    p.add_argument("--out", type=Path, default=None,
                   help="a new PNG to write (default results/plots/<conditions>.png); a .json of provenance goes "
                        "beside it; an earlier plot is never written over")
    p.add_argument("--outcome", default=DEFAULT_OUTCOME, help=f"a weekly series (default {DEFAULT_OUTCOME})")
    p.add_argument("--mechanism", default=None,
                   help="a mechanism count (default: the indicator of the first context that differs)")
    p.add_argument("--dpi", type=int, default=100,
                   help=f"resolution, {DPI_RANGE[0]} to {DPI_RANGE[1]} dots per inch (default 100)")
    p.add_argument("--ensemble", default=DEFAULT_ENSEMBLE,
                   help=f"parameter ensemble each replication draws from, as run.ensemble (default {DEFAULT_ENSEMBLE}, "
                        "the calibrated one); 'none' for the point defaults")
    return p


def check_name(value: str, allowed: tuple[str, ...], flag: str) -> None:
    """Refuse a name that is not one of ``allowed``, naming the flag."""
    if value not in allowed:
        raise ConfigError(flag, f"unknown name {value!r}", "one of " + ", ".join(allowed))


def default_path(descriptions: list[str]) -> Path:
    """``results/plots/<conditions>.png``, the conditions as a safe name (:func:`qicsim.config.names.safe_name`)."""
    from qicsim.config.names import safe_name

    return Path("results") / "plots" / f"{safe_name('__'.join(descriptions))}.png"


def check_new_files(paths: list[Path]) -> None:
    """Refuse to write over an earlier plot or its record, or into a folder that cannot be written, before any run.

    Raises:
        DataError: Naming the file (or folder) in the way.
    """
    from qicsim.run.folders import check_writable

    for path in paths:
        if path.exists():
            raise DataError(str(path), "already exists (an earlier plot is never written over)",
                            "a new file name (--out), or remove the earlier plot first")
    check_writable(paths[0].parent, "--out")


def final_outcomes(results: Any, outcome: str) -> Any:
    """Each replication's outcome at the last week, summed over sites (a Series by replication, in run order)."""
    weekly = results.weekly
    last = weekly[(weekly["measure"] == outcome) & (weekly["week"] == weekly["week"].max())]
    return last.groupby("replication")["value"].sum().reindex(results.runs["replication"])


def final_medians(results: Any, outcome: str, mechanism: str) -> dict[str, float]:
    """Medians over replications, at the last week: the outcome summed over sites, and the mechanism's run total."""
    mech = results.mechanisms_weekly[results.mechanisms_weekly["mechanism"] == mechanism]
    totals = mech.groupby("replication")["value"].sum().reindex(results.runs["replication"], fill_value=0.0)
    return {"outcome": float(final_outcomes(results, outcome).median()), "mechanism": float(totals.median())}


def structure_splits(runs: list[Any], labels: list[str], outcome: str, ensemble: str | None) -> dict[str, Any]:
    """Over a model-averaged ensemble: each later condition's change from the first, by the structure each run drew.

    Returns:
        Per later condition's label, its :class:`~qicsim.apps.slides.structures.StructureSplit`; empty
        for one condition, the point defaults or an ensemble of one structure.
    """
    from qicsim.apps.slides.figure import drawn_together
    from qicsim.apps.slides.structures import split_by_structure
    from qicsim.config.ensemble import drawn_structures

    if ensemble is None or len(runs) < 2 or not drawn_together(ensemble):
        return {}
    first = final_outcomes(runs[0], outcome)
    structures = drawn_structures(ensemble, runs[0].runs["ensemble_draw"])
    return {label: split_by_structure(first.to_numpy(), final_outcomes(results, outcome).to_numpy(), structures)
            for results, label in zip(runs[1:], labels[1:], strict=True)}


def plot(argv: list[str], args: argparse.Namespace | None = None) -> Path:
    """Run the conditions and draw the figure.

    Args:
        argv: The arguments after ``qicsim plot`` (recorded in the figure's provenance).
        args: The same, parsed by the ``qicsim`` command's parser; parsed here if not given.

    Returns:
        The PNG written.

    Raises:
        QicsimError: For bad input, with a one-line message.
    """
    args = parser().parse_args(argv) if args is None else args
    if args.replications < 1:
        raise ConfigError("--replications", f"{args.replications} is too small", "an integer >= 1")
    if not DPI_RANGE[0] <= args.dpi <= DPI_RANGE[1]:
        raise ConfigError("--dpi", f"{args.dpi} is out of range", f"a whole number in [{DPI_RANGE[0]}, {DPI_RANGE[1]}]")
    from qicsim.apps.slides.conditions import (
        check_same_design,
        default_mechanism,
        labels,
        parse_condition,
        plain_labels,
    )
    from qicsim.model.counters import COUNT_NAMES
    from qicsim.model.series import SERIES_NAMES
    from qicsim.run.api import scenario_config as make_config

    check_name(args.outcome, SERIES_NAMES, "--outcome")
    if args.mechanism is not None:
        check_name(args.mechanism, COUNT_NAMES, "--mechanism")
    conditions = [parse_condition(text) for text in args.conditions]
    ensemble = [] if args.ensemble.lower() == "none" else [f"run.ensemble={args.ensemble}"]
    configs = [make_config(c.scenario, [*ensemble, *c.overrides], args.replications, args.seed) for c in conditions]
    check_same_design(configs)
    mechanism = args.mechanism or default_mechanism(configs)
    _, condition_labels = labels(conditions)  # the record keeps the overrides as given
    plain_title, legend_labels = plain_labels(conditions)
    path = args.out or default_path([c.describe() for c in conditions])
    if path.suffix.lower() != ".png":
        raise ConfigError("--out", f"{path} is not a .png file", "a path ending in .png")
    check_new_files([path, path.with_suffix(".json")])

    from qicsim.apps.slides.figure import Curves, draw_slide, plain_series
    from qicsim.run.folders import atomic_write
    from qicsim.run.output import environment
    from qicsim.run.runner import simulate

    curves, seeds, finals, runs = [], None, {}, []
    for config, label, legend in zip(configs, condition_labels, legend_labels, strict=True):
        results = simulate(config)
        curves.append(Curves(legend, results.weekly, results.mechanisms_weekly))  # the slide says it in words
        seeds = results.runs["seed"].tolist()
        finals[label] = final_medians(results, args.outcome, mechanism)
        runs.append(results)
    splits = structure_splits(runs, condition_labels, args.outcome, args.ensemble if ensemble else None)
    # Where the structures move the outcome opposite ways, the slide says so (issue 21, item 4).
    note = "; ".join(s.sentence(plain_series(args.outcome), plain=True) for s in splits.values() if s.disagree) or None
    structure = configs[0].structure
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, lambda p: draw_slide(
            curves, p, title=plain_title, outcome=args.outcome, mechanism=mechanism,
            support_weeks=structure.collaborative_weeks, event_weeks=list(structure.learning_event_weeks),
            weeks=structure.total_weeks, n_reps=args.replications, seed=args.seed, dpi=args.dpi,
            ensemble=None if not ensemble else args.ensemble, note=note))
        record = {"command": ["qicsim", "plot", *argv], "conditions": [c.describe() for c in conditions],
                  "labels": condition_labels, "outcome": args.outcome, "mechanism": mechanism,
                  "master_seed": args.seed, "ensemble": args.ensemble, "replication_seeds": seeds,
                  "final_medians": finals,
                  "structures": {label: split.record(args.outcome) for label, split in splits.items()},
                  "configs": [asdict(c) for c in configs], **environment()}
        # the record last: a figure without one was cut short
        atomic_write(path.with_suffix(".json"), lambda p: p.write_text(json.dumps(record, indent=2)))
    except OSError as error:
        from qicsim.errors import WriteError

        raise WriteError(str(error.filename or path), f"cannot be written ({error.strerror or error})",
                         "a folder you can write to") from error
    return path


def main(argv: list[str] | None = None, args: argparse.Namespace | None = None) -> None:
    """Entry point of ``qicsim plot`` (run by :func:`qicsim.apps.cli.main.main`).

    Args:
        argv: The arguments after ``qicsim plot`` (default ``sys.argv[2:]``).
        args: The same, parsed by the ``qicsim`` command's parser; parsed here if not given.
    """
    try:
        path = plot(list(sys.argv[2:] if argv is None else argv), args)
    except QicsimError as error:
        exit_with(error, "qicsim plot")
    except KeyboardInterrupt as stop:
        from qicsim.apps.cli import console

        console.stopped("qicsim plot", "; no figure written", stop)
    print(f"qicsim plot: wrote {path}")
    record = json.loads(path.with_suffix(".json").read_text())
    for split in record["structures"].values():
        print(f"qicsim plot: {split['sentence']}")
