"""``qicsim compare``: run funding options on the same seeds and write what each costs and buys.

Writes into a new folder: ``options.csv`` (one row per option, each measure with its 95%
interval), ``replications.csv`` (one row per option and replication), ``provenance.json``
(seeds, overrides, unit costs and their sources, versions), ``incremental.csv`` (each option against
the baseline on the funder's cost: dominance, extended dominance, the frontier, ICERs with paired bootstrap
intervals), ``incremental_perspectives.csv`` (the same from each perspective, the NHS and personal social
services reference case first, discounted, against sustained improvements and QALYs), ``outcomes.csv``
(each option against the baseline: falls, infections and admissions averted, conveyances and bed days,
QALYs gained, cost offsets, net monetary benefit at GBP 20k and 30k per QALY;
:mod:`qicsim.studies.policy.outcomes`),
``acceptability.csv``, and the figures ``ce_plane.png`` (with the frontier), ``acceptability.png``
and ``cost_breakdown.png``; the report for people who do not program, ``report.md``, ``report.html`` and
``report.xlsx`` (:mod:`qicsim.studies.policy.report`). With ``--psa N``, a probabilistic sensitivity
analysis too (:mod:`qicsim.studies.policy.psa`): ``psa.csv``, ``psa_inputs.csv``, ``psa_distributions.csv``,
``ceac.csv``, ``evpi.csv``, ``evppi.csv``, ``tornado.csv``, ``ceac.png``, ``tornado.png`` and a section of
the report. With ``--optimise`` (and ``--budget``), the budget search too, into the same folder
(:mod:`qicsim.studies.policy.mix`, reported by :mod:`qicsim.studies.policy.budget_report`): ``budget.md``,
``budget.html``, ``budget.xlsx``, ``budget.csv`` (the best mix and the frontier runners-up),
``budget_mixes.csv``, ``budget_replications.csv``, ``budget_by_year.csv``, ``budget_why.csv``, and a section
and sheets of the report. So one command answers the commissioner's case:
``qicsim compare --homes 30 --weeks 104 --budget 200000 --optimise --psa 1000``. Each long part (the options'
runs, the search's mixes, the PSA's runs) says on stderr how far it is and the time left.
Bad input: one line, exit 2, nothing written.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from qicsim.apps.cli import console
from qicsim.apps.cli.parsing import OneLineParser
from qicsim.config.schema import DEFAULT_ENSEMBLE
from qicsim.errors import ConfigError, QicsimError, exit_with
from qicsim.studies.policy.appraisal import WTP_MAX
from qicsim.studies.policy.costs import load_costs
from qicsim.studies.policy.options import BASELINE, load_option, option_names

DEFAULT_REPLICATIONS = 20
DEFAULT_SEED = 20160901
SEARCH_REPLICATIONS = 50  # per mix (issue 22: at least 50, the same runs for every mix); the commissioner's case
# (about 60 mixes) then takes a few minutes on 2 cores


def parser() -> argparse.ArgumentParser:
    """The command's arguments."""
    p = OneLineParser(
        prog="qicsim compare",
        description="Run funding options (configs/funding) on the same seeds and ensemble draws; write a table of "
                    "funder cost, employer time, improvements and cost per improvement, with 95% intervals.")
    p.add_argument("--options", nargs="+", default=None,
                   help="funding options: names in configs/funding or .yaml paths (default: all)")
    p.add_argument("--homes", type=int, default=None, help="care homes, spread over 4 sites (default: PEACH's 29)")
    p.add_argument("--weeks", type=int, default=None, help="weeks of support (default: PEACH's 78)")
    p.add_argument("--budget", type=float, default=None, help="the funder's budget in GBP (marks options within it)")
    p.add_argument("--replications", type=int, default=None,
                   help=f"replications per option and per mix of the search (default {DEFAULT_REPLICATIONS}; "
                        f"{SEARCH_REPLICATIONS} with --optimise, for the options and every mix)")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"master seed (default {DEFAULT_SEED})")
    p.add_argument("--ensemble", default=DEFAULT_ENSEMBLE,
                   help=f"parameter ensemble each replication draws from (default {DEFAULT_ENSEMBLE}; 'none': point "
                        "values); with --structure, a model-averaged ensemble draws only that structure's rows")
    p.add_argument("--structure", default=None,
                   help="a preset of the rival structures in configs/structure (default: the model's default; "
                        "peach_2026: the structure the committed references were made under)")
    p.add_argument("--wtp-max", type=float, default=WTP_MAX,
                   help=f"largest willingness to pay per sustained improvement on the acceptability curve "
                        f"(GBP, default {WTP_MAX:.0f})")
    p.add_argument("--costs", default="default", help="unit costs: a name in configs/costs or a .yaml path")
    p.add_argument("--outcomes", default="default",
                   help="what residents' events mean (hospital use, QALYs, NHS costs): a name in configs/outcomes "
                        "or a .yaml path")
    p.add_argument("--discount-rate", type=float, default=None,
                   help="annual discount rate of costs and QALYs (default: the cost file's, 0.035; 0.015 is the "
                        "sensitivity the tables also show)")
    p.add_argument("--psa", type=int, default=None, metavar="N",
                   help="also a probabilistic sensitivity analysis of N draws (one run of every option per draw, "
                        "unit costs and effect sizes drawn; configs/psa, 1000 is its default): writes psa.csv, "
                        "ceac.csv, evpi.csv, evppi.csv, tornado.csv, ceac.png, tornado.png and a report section "
                        "(default: no PSA)")
    p.add_argument("--psa-settings", default="default",
                   help="the PSA's distributions and population: a name in configs/psa or a .yaml path")
    p.add_argument("--optimise", action="store_true",
                   help="also search the mix of funding items (each at a few intensities) with the most sustained "
                        "improvements whose planned cost fits --budget, into the same folder: budget.md, "
                        "budget.html, budget.xlsx, their CSV tables and a section of the report")
    p.add_argument("--levels", nargs="+", default=[], metavar="ITEM=V1,V2",
                   help="with --optimise: replace an item's intensities, e.g. facilitation=0,1,2,3 "
                        "(items: protected_time, facilitation, coaching, data_support, extra_events, "
                        "meetings_in_homes)")
    p.add_argument("--max-grid", type=int, default=500,
                   help="with --optimise: largest grid searched exhaustively, above it differential evolution "
                        "(default 500)")
    p.add_argument("--out", type=Path, default=None,
                   help="new folder to write to (default results/compare/<time>)")
    return p


def run(argv: list[str], args: argparse.Namespace | None = None) -> Path:
    """Check everything, run the options, write the folder.

    Args:
        argv: The arguments after ``qicsim compare`` (recorded in the provenance).
        args: The same, parsed by the ``qicsim`` command's parser; parsed here if not given.

    Returns:
        The folder written.

    Raises:
        QicsimError: For bad input, with a one-line message (before anything runs).
    """
    from qicsim.run.folders import check_output_folder
    from qicsim.studies.policy.appraisal import (
        Case,
        acceptability_curve,
        compare,
        incremental,
        incremental_by_perspective,
        reference,
        summarise,
    )

    args = parser().parse_args(argv) if args is None else args
    if args.replications is None:
        args.replications = SEARCH_REPLICATIONS if args.optimise else DEFAULT_REPLICATIONS
    case = Case(homes=args.homes, weeks=args.weeks, budget=args.budget, replications=args.replications,
                seed=args.seed, ensemble=None if args.ensemble == "none" else args.ensemble,
                structure=args.structure)
    case.check()
    if not (args.wtp_max > 0 and args.wtp_max < float("inf")):
        raise ConfigError("--wtp-max", f"{args.wtp_max} is not a positive number", "GBP > 0")
    costs = load_costs(args.costs)
    if args.discount_rate is not None:
        costs = with_discount_rate(costs, args.discount_rate)
    levels = search_levels(args, case)
    from qicsim.studies.policy.outcomes import load_outcomes, net_benefit, outcome_record

    outcomes = load_outcomes(args.outcomes, costs)
    psa_settings = None
    if args.psa is not None:  # checked, with its inputs' spreads, before anything runs
        from qicsim.studies.policy.psa import check_draws, load_settings, psa_inputs

        check_draws(args.psa, "--psa")
        psa_settings = load_settings(args.psa_settings)
        psa_inputs(costs, outcomes, psa_settings)
    options = [load_option(name) for name in (args.options or option_names())]
    if len({option.name for option in options}) < 2:  # the incremental analysis needs something to compare with
        raise ConfigError("--options", f"{', '.join(o.name for o in options)} alone: nothing to compare it with",
                          "two or more options, e.g. --options baseline <yours>")
    folder = args.out or Path("results") / "compare" / datetime.now(UTC).strftime("%Y-%m-%d_%H-%M-%S")
    check_output_folder(folder, "--out")
    if BASELINE not in {option.name for option in options}:  # not silently: the ICERs and the CE plane are against it
        print(f"qicsim compare: note: no option named {BASELINE} (zero spend): every option is compared with "
              f"{options[0].name}, the first given", file=sys.stderr)
    per_rep, configs = compare(options, case, costs, outcomes,
                               progress=Progress(f"options ({case.replications} runs each)", "options run"))
    table = summarise(per_rep, case.budget, case.seed)
    increments = incremental(per_rep, case.seed)
    curve = acceptability_curve(per_rep, args.wtp_max)
    # Every part runs before anything is written: a search that finds no affordable mix, say, leaves no folder
    # with a comparison in it that looks complete.
    found = search_mixes(case, costs, outcomes, levels, args.max_grid) if levels is not None else None
    psa_result = None
    if psa_settings is not None:
        from qicsim.studies.policy.psa import run_psa

        psa_result = run_psa(options, case, costs, outcomes, psa_settings, args.psa,
                             progress=Progress(f"PSA ({args.psa} draws)", "runs"))
    folder.mkdir(parents=True, exist_ok=True)
    per_rep.to_csv(folder / "replications.csv", index=False)
    table.to_csv(folder / "options.csv", index=False)
    increments.to_csv(folder / "incremental.csv", index=False)
    incremental_by_perspective(per_rep, case.seed).to_csv(folder / "incremental_perspectives.csv", index=False)
    net_benefit(per_rep, reference(per_rep), outcomes.wtp, case.seed).to_csv(folder / "outcomes.csv", index=False)
    curve.to_csv(folder / "acceptability.csv", index=False)
    from qicsim.studies.policy.figures import acceptability_figure, ce_plane, cost_breakdown

    ce_plane(per_rep, increments, folder / "ce_plane.png", case.budget)
    acceptability_figure(curve, folder / "acceptability.png")
    cost_breakdown(table, folder / "cost_breakdown.png")
    search_record = None
    if found is not None:  # the budget search, beside the options (issue 22: one command for the commissioner)
        search_record = write_search(folder, found, case, costs, outcomes)
    psa_record = None
    if psa_result is not None:
        from qicsim.studies.policy.psa import write

        write(folder, psa_result)
        psa_record = {**psa_result.about, "settings": args.psa_settings}
    from qicsim.studies.policy.report import write_report

    write_report(folder, costs, case.budget, case, outcomes)
    # provenance last: a folder without it is incomplete
    record = {**provenance(argv, case, costs, options, configs, per_rep),
              "outcomes": outcome_record(outcomes, args.outcomes),
              **({"psa": psa_record} if psa_record is not None else {}),
              **({"budget_search": search_record} if search_record is not None else {})}
    (folder / "provenance.json").write_text(json.dumps(record, indent=2, default=str))
    return folder


def search_levels(args: argparse.Namespace, case: Any) -> dict[str, tuple[float, ...]] | None:
    """The budget search's intensities with ``--optimise`` (checked before anything runs), else None.

    Raises:
        ConfigError: ``--optimise`` without ``--budget``, bad ``--levels``, or ``--levels`` without ``--optimise``.
    """
    if not args.optimise:
        if args.levels:
            raise ConfigError("--levels", "given without --optimise", "--optimise --budget B --levels ITEM=V1,V2")
        return None
    from qicsim.studies.policy.mix import parse_levels

    if case.budget is None:
        raise ConfigError("--budget", "missing", "a budget in GBP >= 0 for --optimise")
    return parse_levels(args.levels)


def search_mixes(case: Any, costs: Any, outcomes: Any, levels: dict[str, tuple[float, ...]], max_grid: int) -> Any:
    """``--optimise``: the budget search (:mod:`qicsim.studies.policy.mix`), with its progress on stderr.

    Raises:
        ConfigError: The budget buys no mix (one line).
    """
    from qicsim.studies.policy.mix import search

    return search(case, costs, levels, max_grid=max_grid, outcomes=outcomes,
                  progress=Progress(f"budget search ({case.replications} runs per mix)", "mixes run"))


def write_search(folder: Path, found: Any, case: Any, costs: Any, outcomes: Any) -> dict[str, Any]:
    """The budget search's tables and report into ``folder`` (:mod:`qicsim.studies.policy.budget_report`).

    Returns:
        What the search was, for ``provenance.json["budget_search"]``.
    """
    import pandas as pd

    from qicsim.studies.policy.budget_report import write_budget_report
    from qicsim.studies.policy.report import inputs_sheet, outcome_inputs

    levels = found.levels
    inputs = pd.concat([inputs_sheet(costs), outcome_inputs(outcomes)], ignore_index=True)
    write_budget_report(folder, found, case, outcomes.wtp, inputs, companion=True)
    return {"levels": levels, "planned_cost_per_unit_intensity_gbp": found.unit_cost,
            "method": found.result.method, "mixes_evaluated": found.result.n_evaluated,
            "mixes_run": len(found.runs), "replications_per_mix": case.replications,
            "files": ["budget.md", "budget.html", "budget.xlsx", "budget.csv", "budget_mixes.csv",
                      "budget_replications.csv", "budget_by_year.csv", "budget_why.csv"]}


PROGRESS_EVERY = 10.0
"""Seconds between progress lines; a part that ends sooner prints none (short runs and their errors stay one line)."""


class Progress:
    """One part of the command on stderr: how much is done and the time left, a line at most every ``every`` s.

    Lines, not a bar redrawn in place: they read the same in a terminal and in a log (the models' own bars show
    on a terminal only). The first comes once the part has run ``every`` seconds, so a short part prints nothing;
    the last, when a part that printed ends. The time left assumes the rest goes at the pace so far.
    """

    def __init__(self, part: str, unit: str, every: float | None = None) -> None:
        self.part, self.unit = part, unit
        self.every = PROGRESS_EVERY if every is None else every
        self.start = time.monotonic()
        self.last: float | None = None  # when the last line was printed (None: none yet)

    def __call__(self, done: int, total: int | None) -> None:
        """Report ``done`` of ``total`` (None: not known in advance)."""
        now = time.monotonic()
        finished = total is not None and done >= total
        if self.last is None and now - self.start < self.every:
            return
        if self.last is not None and not finished and now - self.last < self.every:
            return
        self.last = now
        elapsed = now - self.start
        text = f"qicsim compare: {self.part}: {done}" + (f" of {total}" if total else "") + f" {self.unit}"
        text += f", {duration(elapsed)} so far"
        if total and 0 < done < total:
            text += f", about {duration(elapsed / done * (total - done))} left"
        print(text, file=sys.stderr, flush=True)


def duration(seconds: float) -> str:
    """A duration in words: ``45 s``, ``2 min 16 s``, ``1 h 05 min``."""
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def provenance(argv: list[str], case: Any, costs: Any, options: list[Any], configs: dict[str, Any],
               per_rep: Any) -> dict[str, Any]:
    """Seeds, the case, each option's overrides and items, unit costs with sources, versions."""
    from dataclasses import asdict

    from qicsim.run.output import ensemble_record, environment

    first = per_rep[per_rep["option"] == options[0].name]
    return {
        **environment(),
        "case": asdict(case),
        "master_seed": case.seed,
        "replication_seeds": [int(s) for s in first["seed"]],
        "compared_with": options[0].name if BASELINE not in {o.name for o in options} else BASELINE,
        **ensemble_record(case.ensemble),
        "options": {o.name: {"description": o.description, "overrides": configs[o.name]["overrides"],
                             "items": asdict(o.items)} for o in options},
        "unit_costs": unit_cost_record(costs),
        "command": ["qicsim", "compare", *argv],
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def unit_cost_record(costs: Any) -> dict[str, Any]:
    """Unit costs as provenance records them: the price year and index, every value and its source."""
    index = costs.index.name if costs.index is not None else None
    return {"price_year": costs.price_year, "index": index, "hourly_cost_gbp": costs.hourly, **costs.scalars,
            "sources": costs.sources}


def with_discount_rate(costs: Any, rate: float) -> Any:
    """The unit costs with another discount rate (``--discount-rate``), checked."""
    from dataclasses import replace

    from qicsim.studies.policy.prices import check_rate

    return replace(costs, scalars={**costs.scalars, "discount_rate": check_rate(rate, "--discount-rate")},
                   sources={**costs.sources, "discount_rate": "--discount-rate (command line)"})


def main(argv: list[str] | None = None, args: argparse.Namespace | None = None) -> None:
    """Entry point of ``qicsim compare`` (run by :func:`qicsim.apps.cli.main.main`): one line and exit 2 on bad input.

    Args:
        argv: The arguments after ``qicsim compare`` (default ``sys.argv[2:]``).
        args: The same, parsed by the ``qicsim`` command's parser; parsed here if not given.
    """
    try:
        folder = run(sys.argv[2:] if argv is None else argv, args)
    except QicsimError as error:
        exit_with(error, "qicsim compare")
    except KeyboardInterrupt as stop:  # named as the subcommand, as its errors are (the guard would say "qicsim")
        console.stopped("qicsim compare", stop=stop)
    print(f"qicsim compare: wrote {folder}")
