"""Run funding options on common random numbers and tabulate what each costs and buys.

Every option runs with the same master seed, hence the same replication seeds
(:func:`qicsim.run.runner.replication_seed`) and, with an ensemble, the same parameter draw in
replication i (the draw depends only on the replication's seed): differences between options
are then differences of what was bought, not of luck.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from qicsim.config.ensemble import drawn_structures
from qicsim.config.schema import DEFAULT_ENSEMBLE
from qicsim.errors import ConfigError
from qicsim.model.parameters import Structure
from qicsim.studies.policy.costs import (
    FUNDER_ITEMS,
    PERSPECTIVES,
    UnitCosts,
    employer_time,
    funder_costs,
    perspective_costs,
    programme_costs,
    run_facts,
    staff_time,
)
from qicsim.studies.policy.options import (
    BASELINE,
    SCENARIO,
    SITES,
    Option,
    event_weeks,
    homes_per_site,
    override_value,
)
from qicsim.studies.policy.outcomes import (
    COUNTS,
    Outcomes,
    events_cost_by_year,
    resident_outcomes,
    weekly_by_kind,
)

OUTCOMES = {"implemented": "implemented", "sustained": "sustained", "homes_reached": "homes_with_implementation"}
"""Outcome columns of the comparison, and the run-table column each comes from."""
COSTS = ("funder_gbp", "employer_time_gbp", "nhs_time_gbp", "care_home_time_gbp", "programme_gbp",
         *(f"cost_{p}_gbp" for p in PERSPECTIVES))
"""Cost columns of the comparison: the funder's cash, staff time, programme, and each perspective's discounted cost."""
RESIDENTS = (*COUNTS, "qalys_lost", "events_gbp")
"""Residents' outcomes (with outcome parameters): events, hospital use, QALYs lost, their NHS costs."""
SENSITIVITY = "_sensitivity"  # suffix of the columns at the sensitivity discount rate
LEVEL = 0.95
BOOTSTRAP = 2000  # resamples for the interval of a ratio of means


@dataclass(frozen=True)
class Case:
    """The commissioner's case.

    Attributes:
        homes: Care homes (None: the scenario's 29).
        weeks: Weeks of support (None: the scenario's 78).
        budget: Budget in GBP for the funder (None: no budget).
        replications: Replications per option.
        seed: Master seed, shared by every option.
        ensemble: Parameter ensemble each replication draws from (None: point values). A model-averaged one
            with ``structure`` set draws only that structure's rows (``<name>@<structure>``).
        structure: A preset of the rival structures (None: the model's default).
    """

    homes: int | None = None
    weeks: int | None = None
    budget: float | None = None
    replications: int = 20
    seed: int = 20160901
    ensemble: str | None = DEFAULT_ENSEMBLE
    structure: str | None = None

    def check(self) -> None:
        """Raises ConfigError for a bad value (one line)."""
        if self.budget is not None and not (np.isfinite(self.budget) and self.budget >= 0):
            raise ConfigError("--budget", f"{self.budget} is negative or not finite", "GBP >= 0")
        # The model's own limits, said of the flag the user typed: --homes is spread over 4 sites
        # (homes_per_site), so the schema alone would name structure.homes_per_site[0].
        limits = {f.name: f.metadata for f in fields(Structure)}
        most_homes = int(limits["homes_per_site"]["hi"]) * SITES
        most_weeks = int(limits["collaborative_weeks"]["hi"])
        if self.homes is not None and not 1 <= self.homes <= most_homes:
            raise ConfigError("--homes", f"{self.homes} is out of range",
                              f"an integer in [1, {most_homes}] (at most {most_homes // SITES} homes in each of "
                              f"{SITES} sites)")
        if self.weeks is not None and not 1 <= self.weeks <= most_weeks:
            raise ConfigError("--weeks", f"{self.weeks} is out of range", f"an integer in [1, {most_weeks}]")
        if self.structure is not None:
            from qicsim.config.loader import group_options

            presets = group_options("structure")
            if self.structure not in presets:
                raise ConfigError("--structure", f"{self.structure!r} is not a preset", f"one of {', '.join(presets)}")
        if self.replications < 2:
            raise ConfigError("--replications", f"{self.replications} is too few for an interval",
                              "an integer >= 2")


def case_ensemble(case: Case) -> str | None:
    """The ensemble the case's runs draw from: a model-averaged one with ``--structure`` gives that structure's rows.

    Under one named structure, drawing another structure's rows would override it row by row; the
    posterior given the structure is what such a run means.
    """
    from qicsim.config.ensemble import GIVEN, model_averaged, split_name

    if case.ensemble is None or case.structure is None or split_name(case.ensemble)[1] is not None:
        return case.ensemble
    return f"{case.ensemble}{GIVEN}{case.structure}" if model_averaged(case.ensemble) else case.ensemble


FACILITATION_PER_HOME = "parameters.facilitator_hours_per_home"
FACILITATION_CASELOAD = "parameters.facilitation_hours_per_week"


def case_overrides(option: Option, case: Case, scenario_events: int) -> list[str]:
    """The overrides that put an option into the commissioner's case.

    An option buys facilitation as hours a week per home (``parameters.facilitator_hours_per_home``,
    what a commissioner pays for). Under ``structure.project_start = facilitation`` the model reads
    facilitation as a programme's caseload (``parameters.facilitation_hours_per_week``, shared by its
    homes), so the same purchase is also set as that caseload: the hours per home times the case's
    homes. Each structure reads the one that belongs to it (docs/ODD.md 7.4b).
    """
    from qicsim.run.api import scenario_config as compose

    overrides = [f"structure={case.structure}"] if case.structure is not None else []
    overrides += list(option.overrides)
    if case.homes is not None:
        overrides.append(f"structure.homes_per_site={homes_per_site(case.homes)}".replace(" ", ""))
    base = list(overrides)

    @cache
    def scenario_structure() -> Structure:
        """The scenario's structure with the option and the case's homes: composed once, when needed."""
        return compose(SCENARIO, base).structure

    if FACILITATION_PER_HOME in {o.partition("=")[0].strip() for o in option.overrides}:
        homes = case.homes or sum(scenario_structure().homes_per_site)
        overrides.append(f"{FACILITATION_CASELOAD}={float(override_value(option, FACILITATION_PER_HOME)) * homes:g}")
    if case.weeks is not None:
        overrides.append(f"structure.collaborative_weeks={case.weeks}")
    if case.weeks is not None or option.events is not None:
        weeks = case.weeks or scenario_structure().collaborative_weeks
        events = scenario_events if option.events is None else option.events
        overrides.append(f"structure.learning_event_weeks={event_weeks(events, weeks)}".replace(" ", ""))
    if case.ensemble is not None:
        overrides.append(f"run.ensemble={case_ensemble(case)}")
    return overrides


def run_option(option: Option, case: Case, costs: UnitCosts, outcomes: Outcomes | None = None,
               by_year: bool = False) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Run one option's replications and cost them.

    With ``outcomes``, residents' events are counted and priced too
    (:func:`qicsim.studies.policy.outcomes.resident_outcomes`), and their NHS costs enter the NHS and
    PSS and societal perspectives; without, those perspectives leave them out. With ``by_year`` as well,
    their undiscounted NHS costs by year of the horizon (``events_gbp_year_<k>``, for a budget impact).

    Returns:
        ``(per_replication, config)``: one row per replication (option, replication, seed,
        the funder's items and total, employer time, outcomes), and the validated config.
    """
    from qicsim.run.api import scenario_config as compose
    from qicsim.run.runner import simulate

    scenario_events = len(compose(SCENARIO).structure.learning_event_weeks)
    overrides = case_overrides(option, case, scenario_events)
    results = simulate(compose(SCENARIO, overrides, case.replications, case.seed))
    funder = funder_costs(results.runs, results.sites, results.config, option.items, costs)
    runs = results.runs.set_index("replication")
    table = pd.DataFrame({"option": option.name, "seed": runs["seed"].astype("int64")}, index=runs.index)
    table = table.join(funder)
    table["employer_time_gbp"] = employer_time(results.runs, costs)
    for name, column in OUTCOMES.items():
        table[name] = runs[column]
    if "ensemble_draw" in runs:  # a model-averaged ensemble: which structure each run drew
        structures = drawn_structures(results.config["run"].get("ensemble"), runs["ensemble_draw"])
        if structures is not None:
            table["structure"] = structures
    table = table.join(staff_time(results.runs, costs))
    table["programme_gbp"] = programme_costs(results.runs, results.config, option.items, costs)
    weeks = int(run_facts(results.config)["weeks"])
    rates = {"": costs.discount_rate, SENSITIVITY: costs.discount_rate_sensitivity}
    if outcomes is not None:
        weekly = weekly_by_kind(results.mechanisms_weekly, results.config, table.index)
        table = table.join(resident_outcomes(weekly, outcomes, rates))
        if by_year:
            table = table.join(events_cost_by_year(weekly, outcomes))
    for suffix, rate in rates.items():
        events = table[f"events_gbp{suffix}"] if outcomes is not None else 0.0
        table = table.join(perspective_costs(table, weeks, rate, events_gbp=events, suffix=suffix))
    return table.reset_index(), {**results.config, "overrides": overrides}


def compare(options: list[Option], case: Case, costs: UnitCosts, outcomes: Outcomes | None = None,
            progress: Callable[[int, int | None], None] | None = None) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Run every option on the same seeds (with ``outcomes``: residents' events counted, see :func:`run_option`).

    Args:
        options: The options, the one compared with first.
        case: The commissioner's case.
        costs: Unit costs.
        outcomes: What residents' events mean (None: not counted).
        progress: Called with the options run so far and their number, after each.

    Returns:
        ``(per_replication, configs)``: all options' replications, and each option's config.
    """
    case.check()
    tables, configs = [], {}
    for done, option in enumerate(options, 1):
        table, config = run_option(option, case, costs, outcomes)
        tables.append(table)
        configs[option.name] = config
        if progress is not None:
            progress(done, len(options))
    per_rep = pd.concat(tables, ignore_index=True)
    seeds = per_rep.groupby("option", sort=False)["seed"].apply(tuple)
    if seeds.nunique() != 1:  # a guard on common random numbers, not an expected path
        raise ConfigError("compare", "options ran on different seeds", "the same master seed for every option")
    return per_rep, configs


def interval(values: np.ndarray) -> tuple[float, float]:
    """The central 95% of values (NaN-free)."""
    lo, hi = np.quantile(values, [(1 - LEVEL) / 2, (1 + LEVEL) / 2])
    return float(lo), float(hi)


def mean_interval(values: pd.Series, rng: np.random.Generator) -> tuple[float, float, float]:
    """Mean over replications and its 95% percentile-bootstrap interval."""
    x = values.to_numpy(dtype=float)
    means = x[rng.integers(0, len(x), size=(BOOTSTRAP, len(x)))].mean(axis=1)
    return (float(x.mean()), *interval(means))


def ratio_interval(cost: pd.Series, effect: pd.Series, rng: np.random.Generator) -> tuple[float, float, float]:
    """Mean cost over mean effect and its 95% percentile-bootstrap interval (replications resampled in pairs).

    NaN where the mean effect is 0; resamples with no effect are left out of the interval.
    """
    c, e = cost.to_numpy(dtype=float), effect.to_numpy(dtype=float)
    if e.mean() == 0:
        return float("nan"), float("nan"), float("nan")
    idx = rng.integers(0, len(c), size=(BOOTSTRAP, len(c)))
    ce, ee = c[idx].mean(axis=1), e[idx].mean(axis=1)
    ratios = ce[ee > 0] / ee[ee > 0]
    lo, hi = interval(ratios) if len(ratios) else (float("nan"), float("nan"))
    return float(c.mean() / e.mean()), lo, hi


def summarise(per_rep: pd.DataFrame, budget: float | None, seed: int) -> pd.DataFrame:
    """One row per option: each measure's mean and 95% interval; cost per implemented and per sustained.

    The bootstrap generator is seeded from the master seed, so a table is reproducible.
    """
    rng = np.random.default_rng([seed, 11])
    rows = []
    for name, group in per_rep.groupby("option", sort=False):
        row: dict[str, Any] = {"option": name, "replications": len(group)}
        # Tables made before the perspectives (or by hand) lack some cost columns: summarise those present.
        for column in [c for c in (*COSTS, *OUTCOMES, *RESIDENTS, *FUNDER_ITEMS) if c in group.columns]:
            mean, lo, hi = mean_interval(group[column], rng)
            row.update({column: mean, f"{column}_lo": lo, f"{column}_hi": hi})
        for outcome in ("implemented", "sustained"):
            mean, lo, hi = ratio_interval(group["funder_gbp"], group[outcome], rng)
            key = f"funder_gbp_per_{outcome}"
            row.update({key: mean, f"{key}_lo": lo, f"{key}_hi": hi})
        if budget is not None:
            row["within_budget"] = bool(row["funder_gbp"] <= budget)
            row["share_of_replications_within_budget"] = float((group["funder_gbp"] <= budget).mean())
        rows.append(row)
    return pd.DataFrame(rows)


WTP_MAX = 100_000.0  # GBP per extra sustained improvement: the acceptability curve's range (a display choice)
WTP_POINTS = 41


def draws(per_rep: pd.DataFrame) -> pd.DataFrame:
    """The long table of :mod:`qicsim.studies.policy.economics`: the funder's cost against sustained improvements."""
    return per_rep.rename(columns={"replication": "draw", "funder_gbp": "cost", "sustained": "effect"})[
        ["option", "draw", "cost", "effect"]]


def reference(per_rep: pd.DataFrame) -> str:
    """The option others are compared with: the zero-spend baseline, or the first option run."""
    names = list(pd.unique(per_rep["option"]))
    return BASELINE if BASELINE in names else names[0]


def incremental(per_rep: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Each option against the baseline on funder cost per extra sustained improvement.

    Dominated and extendedly dominated options marked, the frontier, and paired bootstrap intervals
    (:func:`qicsim.studies.policy.economics.incremental_analysis` and ``incremental_intervals``).
    """
    from qicsim.studies.policy.economics import incremental_analysis, incremental_intervals

    table, base = draws(per_rep), reference(per_rep)
    analysis = incremental_analysis(table, base)
    intervals = incremental_intervals(table, base, rng=np.random.default_rng([seed, 12]))
    keep = ["option", "inc_cost_low", "inc_cost_high", "inc_effect_low", "inc_effect_high", "icer_low", "icer_high",
            "p_more_effective", "p_dominant", "p_dominated", "icer_note"]
    return analysis.merge(intervals[keep], on="option", how="left")


def acceptability_curve(per_rep: pd.DataFrame, wtp_max: float = WTP_MAX) -> pd.DataFrame:
    """Probability each option is best against willingness to pay per sustained improvement (0 to ``wtp_max``)."""
    from qicsim.studies.policy.economics import acceptability

    return acceptability(draws(per_rep), np.linspace(0.0, wtp_max, WTP_POINTS))


def incremental_by_perspective(per_rep: pd.DataFrame, seed: int) -> pd.DataFrame:
    """:func:`incremental` from each perspective (the reference case, NHS and personal social services, first).

    Each perspective's discounted cost (``cost_<perspective>_gbp``) against each effect measure present:
    sustained improvements and, where residents' events were counted, QALYs (``-qalys_lost``: the
    differences between options are QALYs gained).

    Returns:
        The columns of :func:`incremental` after ``perspective`` and ``effect_measure``.
    """
    from qicsim.studies.policy.economics import incremental_analysis, incremental_intervals

    base = reference(per_rep)
    effects = {"qalys": -per_rep["qalys_lost"]} if "qalys_lost" in per_rep.columns else {}
    effects["sustained"] = per_rep["sustained"]
    frames = []
    for i, perspective in enumerate(PERSPECTIVES):
        for j, (measure, effect) in enumerate(effects.items()):
            table = pd.DataFrame({"option": per_rep["option"], "draw": per_rep["replication"],
                                  "cost": per_rep[f"cost_{perspective}_gbp"], "effect": effect})
            analysis = incremental_analysis(table, base)
            intervals = incremental_intervals(table, base, rng=np.random.default_rng([seed, 13, i, j]))
            keep = ["option", "inc_cost_low", "inc_cost_high", "inc_effect_low", "inc_effect_high", "icer_low",
                    "icer_high", "p_more_effective", "p_dominant", "p_dominated", "icer_note"]
            merged = analysis.merge(intervals[keep], on="option", how="left")
            merged.insert(0, "effect_measure", measure)
            merged.insert(0, "perspective", perspective)
            frames.append(merged)
    return pd.concat(frames, ignore_index=True)
