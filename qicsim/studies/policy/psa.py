"""Probabilistic sensitivity analysis of a comparison: draws, CEAC and CEAF, EVPI, EVPPI, tornado (issue 22, item 3).

**Draws.** ``N`` draws (``configs/psa/<name>.yaml``, 1,000 by default). Draw ``d`` pairs

* replication ``d`` of every option: the same seed (:func:`qicsim.run.runner.replication_seed` of the master
  seed), so common random numbers; with ``run.ensemble`` the same parameter set, drawn by that seed
  (:mod:`qicsim.config.ensemble`). With a model-averaged ensemble (issue 21) the set includes a rival
  structure, drawn with its calibrated probability (``psa.csv`` then has a ``structure`` column, and the
  report names the best option under each structure); ``--structure`` keeps that structure's sets only;
* one draw of every unit cost (gamma or log-normal) and effect size (beta for shares and disutilities, gamma
  for counts and durations), each around its point value with a spread of its own or by its label
  (:func:`psa_inputs`), from a generator seeded by the master seed and the input's name.

**One run per option per draw.** Costs are linear in the unit costs (:mod:`qicsim.studies.policy.costs`): each
option's replications are costed once per unit cost at 1 GBP (all others 0), and a draw's cost is the sum of
those "quantities" times the draw's prices; residents' QALYs and NHS costs are the run's discounted problems
times a per-problem loss and cost computed from the draw's effect sizes. Nothing is re-run.

**Decision measures.** Net benefit ``NB = wtp x QALYs - cost`` from each perspective (NHS and personal social
services, the reference case, first), QALYs as ``-qalys_lost`` (differences between options are QALYs gained).

* CEAC and CEAF (Fenwick et al. 2001): the share of draws in which each option has the highest net benefit,
  and the option with the highest *expected* net benefit at each willingness to pay.
* EVPI = E[max_j NB_j] - max_j E[NB_j] per decision (the case's homes and weeks); for the population, per
  home-year of support times homes x sum of discounted years (``population`` in the settings). The draws
  carry run-to-run chance, which research cannot remove: the EVPI is an upper bound of what perfect
  information on the inputs is worth.
* EVPPI by regression (Strong, Oakley and Brennan 2014, Med Decis Making 34:311): each option's net benefit
  less the reference option's is regressed on a group's inputs; EVPPI = mean of the max of the fitted values
  minus the max of their means. A generalised additive model of cubic regression splines (statsmodels'
  ``BSplines`` basis of ``GLMGam``, 4 degrees of freedom per input, unpenalised) where the draws allow it
  (``N >= 20`` per coefficient), else a linear regression (exact for unit costs, which enter net benefit
  linearly); the method is recorded.
* Tornado: each input at its 2.5th and 97.5th percentile, the others at their means, the replications as they
  ran; the change in the expected incremental net benefit of the option best at the means (other than the
  reference) over the reference; the five inputs that move it most.
"""

from __future__ import annotations

import html
import textwrap
import zlib
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from qicsim.errors import ConfigError
from qicsim.model.roles import ROLE_NAMES
from qicsim.studies.policy.costs import (
    CARE_HOME_ROLES,
    FUNDER_ITEMS,
    MONEY,
    PERSPECTIVE_NAMES,
    PERSPECTIVES,
    UnitCosts,
    funder_costs,
    perspective_costs,
    programme_costs,
    run_facts,
    shipped_config_dir,
    staff_time,
)
from qicsim.studies.policy.outcomes import EVENT_RATES, PRICE_OF_USE, UNIT_COSTS, USE, Outcomes, weekly_by_kind
from qicsim.studies.policy.prices import WEEKS_PER_YEAR, discount_factors, read_yaml

PSA_FOLDER = "psa"
DISTRIBUTIONS = ("gamma", "lognormal", "beta", "fixed")
COST_DISTRIBUTIONS = ("gamma", "lognormal")
LOW, HIGH = 0.025, 0.975  # the tornado's percentiles
TOP = 5  # inputs the tornado shows
SPLINE_DF = 4  # degrees of freedom of each input's regression spline (EVPPI)
PER_COEFFICIENT = 20  # draws per coefficient below which the EVPPI regression is linear, not a spline GAM
COMPONENTS = (*FUNDER_ITEMS, "programme_gbp", "nhs_time_gbp", "care_home_time_gbp")
"""What a run costs, item by item, before discounting (:mod:`qicsim.studies.policy.costs`)."""
SETTINGS_KEYS = ("draws", "cost_distribution", "spread", "inputs", "population", "wtp_max_gbp_per_qaly",
                 "wtp_points")


@dataclass(frozen=True)
class Input:
    """One uncertain input and its distribution.

    Attributes:
        name: Its key as the cost or outcome file names it (``hourly_cost_gbp.gp``, ``events.falls.disutility``).
        group: The parameter group it belongs to (EVPPI).
        mean: Its point value (the distribution's mean).
        distribution: One of :data:`DISTRIBUTIONS`.
        sd: The distribution's standard deviation (0 when fixed).
        label: Where the spread comes from, or "assumption: ...".
    """

    name: str
    group: str
    mean: float
    distribution: str
    sd: float
    label: str

    def frozen(self) -> Any:
        """The scipy distribution (None when fixed)."""
        m, s = self.mean, self.sd
        if self.distribution == "fixed" or s == 0:
            return None
        if self.distribution == "gamma":
            return stats.gamma(a=(m / s) ** 2, scale=s * s / m)
        if self.distribution == "lognormal":
            sigma2 = np.log1p((s / m) ** 2)
            return stats.lognorm(s=np.sqrt(sigma2), scale=np.exp(np.log(m) - sigma2 / 2))
        n = m * (1 - m) / (s * s) - 1
        return stats.beta(a=m * n, b=(1 - m) * n)

    def sample(self, n: int, seed: int) -> np.ndarray:
        """``n`` draws from a generator of the master seed and this input's name (adding inputs shifts none)."""
        dist = self.frozen()
        if dist is None:
            return np.full(n, self.mean)
        rng = np.random.default_rng([seed, 31, zlib.crc32(self.name.encode())])
        return dist.rvs(size=n, random_state=rng)

    def quantile(self, q: float) -> float:
        """The ``q`` quantile (the mean when fixed)."""
        dist = self.frozen()
        return self.mean if dist is None else float(dist.ppf(q))


@dataclass(frozen=True)
class Settings:
    """What the PSA draws and reports (``configs/psa/<name>.yaml``).

    Attributes:
        draws: Draws (replications of every option) by default.
        cost_distribution: ``gamma`` or ``lognormal`` for unit costs.
        cv_sourced: Coefficient of variation of an input with a source, and its label.
        cv_assumption: The same for an input labelled "assumption".
        inputs: Spreads of their own, by input name: ``distribution``, ``sd`` or ``cv``, ``source``.
        population_homes: Homes of the commissioner's population (None: the comparison's).
        population_years: Years the decision stands.
        labels: The source of each setting above, by key.
        wtp_max: Largest willingness to pay per QALY on the curves (GBP).
        wtp_points: Points on the curves.
    """

    draws: int = 1000
    cost_distribution: str = "gamma"
    cv_sourced: float = 0.1
    cv_assumption: float = 0.3
    inputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    population_homes: int | None = None
    population_years: float = 5.0
    labels: dict[str, str] = field(default_factory=dict)
    wtp_max: float = 100_000.0
    wtp_points: int = 51

    def wtp(self) -> np.ndarray:
        """The willingness-to-pay grid of the curves (GBP per QALY)."""
        return np.linspace(0.0, self.wtp_max, self.wtp_points)


def check_draws(value: Any, key: str = "--psa") -> int:
    """A number of draws: an integer >= 1.

    Raises:
        ConfigError: Naming ``key``.
    """
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ConfigError(key, f"{value!r} is not a number of draws", "an integer >= 1 (1000 by default)")
    return int(value)


def positive(value: Any, key: str, allowed: str = "a number > 0") -> float:
    """A finite number > 0, else a one-line error naming ``key``."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not np.isfinite(value) or value <= 0:
        raise ConfigError(key, f"{value!r} is out of range", allowed)
    return float(value)


def labelled(entry: Any, key: str) -> tuple[Any, str]:
    """``{value, source}``: the value and its source (a source is required)."""
    if not isinstance(entry, dict) or "value" not in entry:
        raise ConfigError(key, "not a value with its source", "value: ..., source: ...")
    if not entry.get("source"):
        raise ConfigError(f"{key}.source", "missing", "where the figure comes from, or 'assumption: why'")
    return entry["value"], str(entry["source"])


def load_settings(name_or_path: str | Path = "default", config_dir: Path | None = None) -> Settings:
    """Read and check ``configs/psa/<name>.yaml`` (or a ``.yaml`` path).

    Raises:
        ConfigError: One line naming the file and the field.
    """
    config_dir = shipped_config_dir() if config_dir is None else config_dir
    path = Path(name_or_path)
    if path.suffix not in (".yaml", ".yml"):
        path = config_dir / PSA_FOLDER / f"{name_or_path}.yaml"
    if not path.is_file():
        raise ConfigError("--psa-settings", f"{path} does not exist", "a file in configs/psa or a .yaml path")
    return parse_settings(read_yaml(path), str(path))


def parse_settings(raw: Any, where: str = "psa") -> Settings:
    """Check PSA settings given as a mapping (the YAML file's content).

    Raises:
        ConfigError: One line naming ``where`` and the field.
    """
    if not isinstance(raw, dict):
        raise ConfigError(where, "not a mapping", ", ".join(SETTINGS_KEYS))
    unknown = sorted(set(raw) - set(SETTINGS_KEYS))
    if unknown:
        raise ConfigError(f"{where}: {unknown[0]}", "unknown key", ", ".join(SETTINGS_KEYS))
    missing = [k for k in SETTINGS_KEYS if k not in raw]
    if missing:
        raise ConfigError(f"{where}: {missing[0]}", "missing", ", ".join(SETTINGS_KEYS))
    draws = check_draws(raw["draws"], f"{where}: draws")
    cost_distribution = raw["cost_distribution"]
    if cost_distribution not in COST_DISTRIBUTIONS:
        raise ConfigError(f"{where}: cost_distribution", f"{cost_distribution!r} is not a distribution of costs",
                          " or ".join(COST_DISTRIBUTIONS))
    labels: dict[str, str] = {}
    spread = raw["spread"]
    if not isinstance(spread, dict) or set(spread) != {"sourced", "assumption"}:
        raise ConfigError(f"{where}: spread", "not sourced and assumption", "spread: {sourced: ..., assumption: ...}")
    cvs = {}
    for kind in ("sourced", "assumption"):
        value, labels[f"spread.{kind}"] = labelled(spread[kind], f"{where}: spread.{kind}")
        cvs[kind] = positive(value, f"{where}: spread.{kind}", "a coefficient of variation > 0, e.g. 0.1")
    inputs = raw["inputs"] or {}
    if not isinstance(inputs, dict):
        raise ConfigError(f"{where}: inputs", "not a mapping", "an input's name: {distribution, sd or cv, source}")
    for name, entry in inputs.items():
        check_spread(entry, f"{where}: inputs.{name}")
    population = raw["population"]
    if not isinstance(population, dict) or set(population) != {"homes", "years"}:
        raise ConfigError(f"{where}: population", "not homes and years", "population: {homes: ..., years: ...}")
    homes, labels["population.homes"] = labelled(population["homes"], f"{where}: population.homes")
    if homes is not None and (isinstance(homes, bool) or not isinstance(homes, int) or homes < 1):
        raise ConfigError(f"{where}: population.homes", f"{homes!r} is not a number of homes",
                          "an integer >= 1, or null for the comparison's homes")
    years, labels["population.years"] = labelled(population["years"], f"{where}: population.years")
    wtp_points = raw["wtp_points"]
    if isinstance(wtp_points, bool) or not isinstance(wtp_points, int) or wtp_points < 2:
        raise ConfigError(f"{where}: wtp_points", f"{wtp_points!r} is too few", "an integer >= 2")
    return Settings(draws=draws, cost_distribution=cost_distribution, cv_sourced=cvs["sourced"],
                    cv_assumption=cvs["assumption"], inputs=inputs, population_homes=homes,
                    population_years=positive(years, f"{where}: population.years", "years > 0"), labels=labels,
                    wtp_max=positive(raw["wtp_max_gbp_per_qaly"], f"{where}: wtp_max_gbp_per_qaly", "GBP > 0"),
                    wtp_points=wtp_points)


def check_spread(entry: Any, key: str) -> None:
    """An input's own spread: ``distribution`` (:data:`DISTRIBUTIONS`), ``sd`` or ``cv`` (not if fixed), ``source``."""
    if not isinstance(entry, dict):
        raise ConfigError(key, "not a mapping", "distribution, sd or cv, source")
    unknown = sorted(set(entry) - {"distribution", "sd", "cv", "source"})
    if unknown:
        raise ConfigError(f"{key}.{unknown[0]}", "unknown key", "distribution, sd or cv, source")
    if entry.get("distribution") not in DISTRIBUTIONS:
        raise ConfigError(f"{key}.distribution", f"{entry.get('distribution')!r} is not a distribution",
                          ", ".join(DISTRIBUTIONS))
    if not entry.get("source"):
        raise ConfigError(f"{key}.source", "missing", "where the spread comes from, or 'assumption: why'")
    given = [k for k in ("sd", "cv") if k in entry]
    if entry["distribution"] != "fixed":
        if len(given) != 1:
            raise ConfigError(key, f"gives {' and '.join(given) or 'neither'} of sd and cv", "exactly one of sd, cv")
        positive(entry[given[0]], f"{key}.{given[0]}")


GROUPS = {"care_home_pay": "care home staff's pay", "nhs_pay": "NHS staff's pay", "programme": "programme means",
          "backfill": "backfill factor", "hospital_costs": "hospital and GP unit costs",
          "hospital_use": "hospital use per event", "qaly": "QALY losses per event"}
"""The parameter groups of the EVPPI, in plain words."""
SHARE_FIELDS = ("conveyance_share", "ae_share", "admission_share", "disutility", "qaly_loss")


def psa_inputs(costs: UnitCosts, outcomes: Outcomes, settings: Settings) -> list[Input]:
    """Every uncertain input with its distribution.

    Unit costs (each role's hourly cost, the other money in the cost file, the outcome file's hospital and GP
    costs) are drawn at the price year from ``settings.cost_distribution``; the backfill factor from a gamma;
    shares of events and disutilities from a beta; GP contacts per event and weeks of disutility from a gamma.
    A spread of its own in the settings wins; else the coefficient of variation of its label (a source that
    starts "assumption" or another). An input of 0 (or a share of 1) is fixed: the value is definitional.
    Quantities of time (hours per week, travel, on-costs) stay at their point values: they multiply the
    prices, and the re-pricing is linear in prices.

    Raises:
        ConfigError: A spread of its own names an unknown input, or a beta whose spread its mean cannot hold.
    """
    rows: list[tuple[str, str, float, str, str]] = []  # name, group, mean, kind (cost, count, share), source
    for role in ROLE_NAMES:
        group = "care_home_pay" if role in CARE_HOME_ROLES else "nhs_pay"
        rows.append((f"hourly_cost_gbp.{role}", group, costs.hourly[role], "cost",
                     costs.sources.get(f"hourly_cost_gbp.{role}", "assumption")))
    for key in MONEY:
        group = "nhs_pay" if key.endswith("hour_gbp") and key != "travel_hour_gbp" else "programme"
        rows.append((key, group, costs.scalars[key], "cost", costs.sources.get(key, "assumption")))
    rows.append(("backfill_factor", "backfill", costs.backfill_factor, "count",
                 costs.sources.get("backfill_factor", "assumption")))
    for use in UNIT_COSTS:
        rows.append((f"unit_costs_gbp.{use}", "hospital_costs", outcomes.unit_costs[use], "cost",
                     outcomes.sources.get(f"unit_costs_gbp.{use}", "assumption")))
    for kind, event in outcomes.events.items():
        for name in ("conveyance_share", "ae_share", "admission_share", "gp_consultations"):
            rows.append((f"events.{kind}.{name}", "hospital_use", event[name],
                         "share" if name in SHARE_FIELDS else "count",
                         outcomes.sources.get(f"events.{kind}.{name}", "assumption")))
        names = ("disutility", "disutility_weeks") if "disutility" in event else ("qaly_loss",)
        for name in names:
            rows.append((f"events.{kind}.{name}", "qaly", event[name], "share" if name in SHARE_FIELDS else "count",
                         outcomes.sources.get(f"events.{kind}.{name}", "assumption")))
    known = {r[0] for r in rows}
    strange = sorted(set(settings.inputs) - known)
    if strange:
        raise ConfigError(f"psa: inputs.{strange[0]}", "not an input of the PSA", "a unit cost or effect size, e.g. "
                          "hourly_cost_gbp.gp or events.falls.disutility")
    inputs = []
    for name, group, mean, kind, source in rows:
        own = settings.inputs.get(name)
        if own is not None:
            distribution = own["distribution"]
            sd = 0.0 if distribution == "fixed" else float(own.get("sd", own.get("cv", 0.0) * mean))
            label = str(own["source"])
        else:
            assumed = source.strip().lower().startswith("assumption")
            cv = settings.cv_assumption if assumed else settings.cv_sourced
            distribution = {"cost": settings.cost_distribution, "count": "gamma", "share": "beta"}[kind]
            sd = cv * mean
            label = settings.labels.get(f"spread.{'assumption' if assumed else 'sourced'}",
                                        "assumption") + f" (cv {cv:g})"
        if mean == 0 or (distribution == "beta" and mean >= 1):
            distribution, sd, label = "fixed", 0.0, "fixed: " + ("zero" if mean == 0 else "a share of 1, definitional")
        if distribution == "beta" and sd * sd >= mean * (1 - mean):
            raise ConfigError(f"psa: inputs.{name}", f"sd {sd:g} is too wide for a beta with mean {mean:g}",
                              f"an sd < {np.sqrt(mean * (1 - mean)):.3g}")
        inputs.append(Input(name=name, group=group, mean=float(mean), distribution=distribution, sd=float(sd),
                            label=label))
    return inputs


def draw_inputs(inputs: list[Input], n: int, seed: int) -> pd.DataFrame:
    """``n`` draws of every input (rows: draws 0 .. n - 1), reproducible from the master seed."""
    check_draws(n)
    return pd.DataFrame({i.name: i.sample(n, seed) for i in inputs}, index=pd.RangeIndex(n, name="draw"))


def distributions_table(inputs: list[Input]) -> pd.DataFrame:
    """Each input's distribution, percentiles and label (``psa_distributions.csv``)."""
    return pd.DataFrame([{"input": i.name, "group": GROUPS[i.group], "mean": i.mean, "distribution": i.distribution,
                          "sd": i.sd, "p2_5": i.quantile(LOW), "p97_5": i.quantile(HIGH), "label": i.label}
                         for i in inputs])


@dataclass
class OptionRuns:
    """What re-pricing needs of one option's ``N`` replications (kept small: no model, no full tables).

    Attributes:
        name: The option.
        items: What it pays for.
        config: Its run's validated config as a plain dict.
        runs: The runs table (one row per replication, in order).
        sites: Protected hours paid per replication and role (``protected_hours_paid_<role>``).
        weekly: Each kind of event (:data:`~qicsim.studies.policy.outcomes.EVENT_RATES`) per replication (rows)
            and week (columns).
    """

    name: str
    items: Any
    config: dict[str, Any]
    runs: pd.DataFrame
    sites: pd.DataFrame
    weekly: dict[str, pd.DataFrame]


def run_options(options: list[Any], case: Any, n: int,
                progress: Callable[[int, int | None], None] | None = None) -> dict[str, OptionRuns]:
    """``n`` replications of every option on the case's master seed (and ensemble), with one progress bar.

    Each replication's tables are cut down as it finishes (runs row, protected hours paid, weekly
    problems), so that 1,000 draws of many options fit in memory.

    Args:
        options: The options.
        case: The commissioner's case.
        n: Draws (replications per option).
        progress: Called with the runs done and their number after each run, instead of the progress bar
            (which draws on a terminal only): ``qicsim compare`` reports its parts' progress in lines of its own.
    """
    from qicsim.run.api import scenario_config as compose
    from qicsim.run.evaluator import evaluate
    from qicsim.run.progress import progress_bar
    from qicsim.run.runner import config_replications, replication_tables, run_record
    from qicsim.studies.policy.appraisal import case_overrides
    from qicsim.studies.policy.options import SCENARIO

    paid = [f"protected_hours_paid_{r}" for r in ROLE_NAMES]
    scenario_events = len(compose(SCENARIO).structure.learning_event_weeks)
    out = {}
    total = len(options) * n
    with progress_bar(total, "PSA") if progress is None else nullcontext() as bar:
        for option in options:
            config = compose(SCENARIO, case_overrides(option, case, scenario_events), n, case.seed)
            record = run_record(config)
            runs, sites, weekly = [], [], {kind: [] for kind in EVENT_RATES}
            for tables in evaluate(config_replications(config), replication_tables):
                runs.append(tables["runs"])
                sites.append(tables["sites"].groupby("replication")[paid].sum())
                for kind, frame in weekly_by_kind(tables["mechanisms_weekly"], record).items():
                    weekly[kind].append(frame)
                if bar is not None:
                    bar.update(1)
                else:
                    progress(len(out) * n + len(runs), total)
            out[option.name] = OptionRuns(
                name=option.name, items=option.items, config=record,
                runs=pd.concat(runs, ignore_index=True),
                sites=pd.concat(sites).reset_index(),
                weekly={kind: pd.concat(frames).fillna(0.0).sort_index(axis=1) for kind, frames in weekly.items()})
    return out


def price_keys(costs: UnitCosts) -> list[str]:
    """The unit costs of a run's costs, as :func:`psa_inputs` names them."""
    return [*(f"hourly_cost_gbp.{r}" for r in ROLE_NAMES), *MONEY]


def basis(runs: OptionRuns, costs: UnitCosts) -> np.ndarray:
    """The run's costs per 1 GBP of each unit cost: replications x :func:`price_keys` x :data:`COMPONENTS`.

    Every cost of :mod:`qicsim.studies.policy.costs` is a sum of quantities times one unit cost (backfill:
    times the backfill factor too, set to 1 here and applied per draw), so the cost at any prices is this
    array times the prices (:func:`reprice`).
    """
    keys = price_keys(costs)
    out = np.zeros((len(runs.runs), len(keys), len(COMPONENTS)))
    zero = dict.fromkeys(MONEY, 0.0)
    for k, key in enumerate(keys):
        hourly = {r: float(key == f"hourly_cost_gbp.{r}") for r in ROLE_NAMES}
        scalars = {**costs.scalars, **zero, "backfill_factor": 1.0}
        if key in MONEY:
            scalars[key] = 1.0
        unit = replace(costs, hourly=hourly, scalars=scalars)
        table = funder_costs(runs.runs, runs.sites, runs.config, runs.items, unit)
        table = table.join(staff_time(runs.runs, unit))
        table["programme_gbp"] = programme_costs(runs.runs, runs.config, runs.items, unit)
        out[:, k, :] = table[list(COMPONENTS)].to_numpy()
    return out


@dataclass
class Priced:
    """One option's replications ready for re-pricing at any draw of the inputs."""

    name: str
    basis: np.ndarray
    weeks: int
    discounted: dict[str, np.ndarray]
    runs: pd.DataFrame
    config: dict[str, Any]


def prepare(all_runs: dict[str, OptionRuns], costs: UnitCosts) -> dict[str, Priced]:
    """:func:`basis` and the discounted events of each kind of every option."""
    out = {}
    for name, runs in all_runs.items():
        discounted = {}
        for kind, frame in runs.weekly.items():
            weekly = frame.reindex(runs.runs["replication"], fill_value=0.0)
            discounted[kind] = weekly.to_numpy() @ discount_factors(weekly.columns.to_numpy(), costs.discount_rate)
        out[name] = Priced(name=name, basis=basis(runs, costs), weeks=int(run_facts(runs.config)["weeks"]),
                           discounted=discounted, runs=runs.runs, config=runs.config)
    return out


def value(values: dict[str, np.ndarray] | pd.DataFrame, name: str, point: float) -> np.ndarray | float:
    """An input's draws, or its point value if it is not drawn."""
    return values.get(name, point)


def per_event(values: dict[str, Any] | pd.DataFrame, outcomes: Outcomes) -> dict[str, tuple[Any, Any]]:
    """QALYs lost and NHS cost per event of each kind (as :func:`~qicsim.studies.policy.outcomes.resident_outcomes`)."""
    out = {}
    for kind in EVENT_RATES:
        event = outcomes.events[kind]
        if "disutility" in event:
            loss = (value(values, f"events.{kind}.disutility", event["disutility"])
                    * value(values, f"events.{kind}.disutility_weeks", event["disutility_weeks"]) / WEEKS_PER_YEAR)
        else:
            loss = value(values, f"events.{kind}.qaly_loss", event["qaly_loss"])
        cost = sum(value(values, f"events.{kind}.{field_}", event[field_])
                   * value(values, f"unit_costs_gbp.{PRICE_OF_USE[use]}", outcomes.unit_costs[PRICE_OF_USE[use]])
                   for use, field_ in USE.items())
        out[kind] = (loss, cost)
    return out


def reprice(priced: dict[str, Priced], values: pd.DataFrame, costs: UnitCosts, outcomes: Outcomes) -> pd.DataFrame:
    """Every option's cost and QALYs at each draw of the inputs, draw ``d`` on replication ``d``.

    Returns:
        Long table ``option``, ``draw``, ``sustained``, ``funder_gbp``, ``cost_<perspective>_gbp``,
        ``qalys_lost``, ``events_gbp`` (discounted at the cost file's rate).
    """
    keys = price_keys(costs)
    prices = np.column_stack([np.broadcast_to(value(values, k, costs.hourly[k.split(".", 1)[1]]
                                                    if k.startswith("hourly_cost_gbp.") else costs.scalars[k]),
                                              len(values)) for k in keys])
    backfill = np.broadcast_to(value(values, "backfill_factor", costs.backfill_factor), len(values))
    frames = []
    for name, p in priced.items():
        n = len(values)
        if len(p.runs) < n:
            raise ConfigError("psa", f"{name} has {len(p.runs)} replications for {n} draws", "one per draw")
        parts = np.einsum("dkc,dk->dc", p.basis[:n], prices)
        table = pd.DataFrame(parts, columns=list(COMPONENTS))
        table["backfill"] *= backfill
        table["funder_gbp"] = table[list(FUNDER_ITEMS)].sum(axis=1)
        each = per_event(values, outcomes)
        table["qalys_lost"] = sum(p.discounted[kind][:n] * each[kind][0] for kind in EVENT_RATES)
        table["events_gbp"] = sum(p.discounted[kind][:n] * each[kind][1] for kind in EVENT_RATES)
        table = table.join(perspective_costs(table, p.weeks, costs.discount_rate, events_gbp=table["events_gbp"]))
        runs = p.runs.iloc[:n].reset_index(drop=True)
        table.insert(0, "option", name)
        table.insert(1, "draw", np.arange(n))
        table.insert(2, "seed", runs["seed"].to_numpy())
        if "ensemble_draw" in runs:
            table.insert(3, "ensemble_draw", runs["ensemble_draw"].to_numpy())
        table["sustained"] = runs["sustained"].to_numpy()
        frames.append(table)
    return pd.concat(frames, ignore_index=True)


def net_benefit_matrix(table: pd.DataFrame, perspective: str, wtp: float) -> pd.DataFrame:
    """Draws x options: ``wtp x QALYs - cost`` from ``perspective`` (QALYs as ``-qalys_lost``)."""
    order = list(pd.unique(table["option"]))
    nb = table.assign(nb=-wtp * table["qalys_lost"] - table[f"cost_{perspective}_gbp"])
    return nb.pivot(index="draw", columns="option", values="nb")[order]


def evpi(nb: np.ndarray) -> float:
    """Expected value of perfect information: ``E[max_j NB_j] - max_j E[NB_j]`` (draws x options; >= 0)."""
    nb = np.asarray(nb, dtype=float)
    if nb.ndim != 2 or nb.shape[0] < 1 or nb.shape[1] < 1:
        raise ConfigError("nb", f"shape {nb.shape} is not draws x options", "a 2-D array with >= 1 draw and option")
    # max of the mean <= mean of the max draw by draw; rounding alone can make it a hair below 0.
    return float(max(nb.max(axis=1).mean() - nb.mean(axis=0).max(), 0.0))


def ceac(nb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The share of draws in which each option is best (ties shared) and the option of the frontier (CEAF).

    Returns:
        ``(probability per option, mask of the option with the highest expected net benefit)``.
    """
    nb = np.asarray(nb, dtype=float)
    best = nb.max(axis=1, keepdims=True)
    tied = nb >= best - 1e-9 * np.maximum(1.0, np.abs(best))
    probability = (tied / tied.sum(axis=1, keepdims=True)).mean(axis=0)
    expected = nb.mean(axis=0)
    return probability, expected == expected.max()


def acceptability(table: pd.DataFrame, wtp: np.ndarray) -> pd.DataFrame:
    """CEAC and CEAF per perspective (``ceac.csv``).

    Returns:
        ``perspective``, ``wtp``, ``option``, ``probability``, ``expected_nmb``, ``on_frontier`` (the option
        with the highest expected net benefit: the CEAF), ``evpi``.
    """
    rows = []
    for perspective in PERSPECTIVES:
        for lam in wtp:
            nb = net_benefit_matrix(table, perspective, float(lam))
            probability, frontier = ceac(nb.to_numpy())
            info = evpi(nb.to_numpy())
            for j, option in enumerate(nb.columns):
                rows.append({"perspective": perspective, "wtp": float(lam), "option": option,
                             "probability": probability[j], "expected_nmb": float(nb[option].mean()),
                             "on_frontier": bool(frontier[j]), "evpi": info})
    return pd.DataFrame(rows)


def population_factor(homes_case: int, weeks_case: int, homes: int, years: float, rate: float) -> float:
    """What one decision's EVPI is multiplied by for the commissioner's population.

    The value per home-year of support, times homes and the discounted sum of the years the decision stands
    (a part year counted in proportion).
    """
    whole = int(np.floor(years))
    weights = list((1 + rate) ** -np.arange(whole))
    if years > whole:
        weights.append((years - whole) * (1 + rate) ** -whole)
    return homes * float(sum(weights)) / (homes_case * weeks_case / WEEKS_PER_YEAR)


def evpi_table(table: pd.DataFrame, wtps: tuple[float, ...], factor: float) -> pd.DataFrame:
    """EVPI per decision and for the population at each willingness to pay, from each perspective."""
    rows = []
    for perspective in PERSPECTIVES:
        for lam in wtps:
            nb = net_benefit_matrix(table, perspective, lam)
            info = evpi(nb.to_numpy())
            rows.append({"perspective": perspective, "wtp": lam, "best_option": str(nb.mean().idxmax()),
                         "evpi_per_decision_gbp": info, "evpi_population_gbp": info * factor,
                         "population_factor": factor})
    return pd.DataFrame(rows)


def fitted(y: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, str]:
    """Fitted values of each column of ``y`` regressed on ``x`` (draws x inputs) and the method used.

    A GAM of additive cubic regression splines (statsmodels' ``BSplines``, :data:`SPLINE_DF` degrees of
    freedom per input, unpenalised: least squares, as ``GLMGam`` fits a Gaussian response) when there are at
    least :data:`PER_COEFFICIENT` draws per coefficient; else a linear regression. Inputs that do not vary are
    dropped (they explain nothing).
    """
    y = np.asarray(y, dtype=float).reshape(len(y), -1)
    x = np.asarray(x, dtype=float).reshape(len(x), -1)
    x = x[:, x.std(axis=0) > 0]
    if x.shape[1] == 0:
        return np.broadcast_to(y.mean(axis=0), y.shape).copy(), "none (no input varies)"
    n = len(y)
    if n >= PER_COEFFICIENT * (1 + SPLINE_DF * x.shape[1]):
        from qicsim.lazy import needs_extra

        with needs_extra("studies"):
            from statsmodels.gam.api import BSplines

        # The additive spline basis of statsmodels' GAM; unpenalised with a Gaussian response, GLMGam is least
        # squares on it, solved here directly: its IRLS stops with "perfect separation" on an exact fit.
        splines = BSplines(x, df=[SPLINE_DF] * x.shape[1], degree=[3] * x.shape[1])
        design = np.column_stack([np.ones(n), splines.basis])
        coef, *_ = np.linalg.lstsq(design, y, rcond=None)
        return design @ coef, f"GAM (additive cubic regression splines, {SPLINE_DF} df per input)"
    design = np.column_stack([np.ones(n), x])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    return design @ coef, "linear regression"


def evppi(nb: np.ndarray, x: np.ndarray) -> tuple[float, str]:
    """EVPPI of the inputs ``x`` (draws x inputs) by regression (Strong et al. 2014).

    Each option's net benefit less the first option's is regressed on ``x``; EVPPI is the mean of the max of
    the fitted values (0 for the first) minus the max of their means. Fitted values of a regression with an
    intercept keep the sample means, so this is never above the EVPI of the same draws but for the fit's noise.
    """
    nb = np.asarray(nb, dtype=float)
    inc = nb[:, 1:] - nb[:, :1]
    if inc.shape[1] == 0:
        return 0.0, "none (one option)"
    fit, method = fitted(inc, x)
    full = np.column_stack([np.zeros(len(fit)), fit])
    return float(max(full.max(axis=1).mean() - full.mean(axis=0).max(), 0.0)), method


def group_inputs(inputs: list[Input], values: pd.DataFrame, priced: dict[str, Priced],
                 ensemble: str | None) -> dict[str, np.ndarray]:
    """The EVPPI's groups of inputs (draws x inputs each).

    Each of :data:`GROUPS` with drawn inputs, all unit costs, all effect sizes, and the ensemble's parameters
    (each draw's replication's set: the same for every option by common random numbers).
    """
    drawn = [i for i in inputs if i.distribution != "fixed"]
    groups = {GROUPS[g]: values[[i.name for i in drawn if i.group == g]].to_numpy()
              for g in GROUPS if any(i.group == g for i in drawn)}
    cost_groups = ("care_home_pay", "nhs_pay", "programme", "backfill", "hospital_costs")
    groups["all unit costs"] = values[[i.name for i in drawn if i.group in cost_groups]].to_numpy()
    groups["all effect sizes"] = values[[i.name for i in drawn if i.group not in cost_groups]].to_numpy()
    runs = next(iter(priced.values())).runs
    if ensemble is not None and "ensemble_draw" in runs:
        from qicsim.config.ensemble import load_ensemble

        sets = load_ensemble(ensemble).numeric()  # a structure switch as the index of its value
        rows = runs["ensemble_draw"].to_numpy()[: len(values)]
        groups["ensemble parameters (model)"] = sets.iloc[rows].to_numpy(dtype=float)
    return groups


def evppi_table(table: pd.DataFrame, groups: dict[str, np.ndarray], wtps: tuple[float, ...],
                factor: float, reference: str, seed: int = 0) -> pd.DataFrame:
    """EVPPI of each group at each willingness to pay, from the reference-case perspective (``evppi.csv``).

    Net benefit is taken relative to ``reference`` (the baseline), which is put first. Beside each, its
    noise floor (``noise_floor_gbp``): the EVPPI the same regression finds for as many inputs of pure noise
    (uniform draws seeded by ``seed`` and the group's size). The regression's fit to chance makes the max of
    the fitted values too high with few draws (Strong et al. 2014); an EVPPI near its floor is not told apart
    from none. The floor falls as the draws grow.
    """
    perspective = PERSPECTIVES[0]
    rows = []
    for lam in wtps:
        nb = net_benefit_matrix(table, perspective, lam)
        nb = nb[[reference, *(c for c in nb.columns if c != reference)]].to_numpy()
        total = evpi(nb)
        for name, x in groups.items():
            part, method = evppi(nb, x)
            noise = np.random.default_rng([seed, 41, x.shape[1]]).uniform(size=x.shape)
            floor, _ = evppi(nb, noise)
            rows.append({"perspective": perspective, "wtp": lam, "group": name, "inputs": x.shape[1],
                         "evppi_per_decision_gbp": part, "evppi_population_gbp": part * factor,
                         "noise_floor_gbp": floor,
                         "share_of_evpi": part / total if total > 0 else np.nan, "method": method})
    return pd.DataFrame(rows)


def tornado(priced: dict[str, Priced], inputs: list[Input], n: int, costs: UnitCosts, outcomes: Outcomes,
            reference: str, wtp: float) -> tuple[pd.DataFrame, str]:
    """One-way sensitivities: the tornado.

    The expected incremental net benefit (reference case, ``wtp``) of the option best at the inputs' means
    (other than ``reference``) over ``reference``, with each drawn input at its 2.5th and
    97.5th percentile, the others at their means, over the ``n`` replications as they ran.

    Returns:
        ``(table, option)``: one row per drawn input (``input``, ``low_value``, ``high_value``, ``nb_at_low``,
        ``nb_at_high``, ``swing``), largest swing first, and the option compared.
    """
    perspective = PERSPECTIVES[0]
    means = pd.DataFrame({i.name: np.full(n, i.mean) for i in inputs})

    def inb(values: pd.DataFrame) -> pd.Series:
        nb = net_benefit_matrix(reprice(priced, values, costs, outcomes), perspective, wtp).mean()
        return nb - nb[reference]

    at_means = inb(means)
    option = str(at_means.drop(reference).idxmax())
    rows = []
    for i in inputs:
        if i.distribution == "fixed":
            continue
        lo, hi = i.quantile(LOW), i.quantile(HIGH)
        low = inb(means.assign(**{i.name: lo}))[option]
        high = inb(means.assign(**{i.name: hi}))[option]
        rows.append({"input": i.name, "group": GROUPS[i.group], "low_value": lo, "high_value": hi,
                     "nb_at_low": low, "nb_at_high": high, "swing": abs(high - low),
                     "nb_at_means": at_means[option]})
    out = pd.DataFrame(rows).sort_values("swing", ascending=False, kind="mergesort").reset_index(drop=True)
    out["top"] = out.index < TOP
    out["option"], out["compared_with"] = option, reference
    return out, option


@dataclass
class PSAResult:
    """Everything :func:`write` puts in the folder."""

    draws: pd.DataFrame
    values: pd.DataFrame
    distributions: pd.DataFrame
    curves: pd.DataFrame
    evpi: pd.DataFrame
    evppi: pd.DataFrame
    tornado: pd.DataFrame
    tornado_option: str
    about: dict[str, Any]


def run_psa(options: list[Any], case: Any, costs: UnitCosts, outcomes: Outcomes, settings: Settings,
            n: int | None = None, progress: Callable[[int, int | None], None] | None = None) -> PSAResult:
    """The PSA of a comparison: ``n`` draws (default ``settings.draws``), one run per option per draw.

    ``progress``, if given, is called with the runs done and their number (see :func:`run_options`).

    Raises:
        ConfigError: ``n`` < 1, or a bad spread (one line naming the setting).
    """
    from qicsim.config.ensemble import drawn_structures
    from qicsim.studies.policy.appraisal import case_ensemble
    from qicsim.studies.policy.options import BASELINE

    n = check_draws(settings.draws if n is None else n)
    inputs = psa_inputs(costs, outcomes, settings)
    values = draw_inputs(inputs, n, case.seed)
    priced = prepare(run_options(options, case, n, progress), costs)
    table = reprice(priced, values, costs, outcomes)
    if "ensemble_draw" in table:  # a model-averaged ensemble: each draw's structure
        structures = drawn_structures(case_ensemble(case), table["ensemble_draw"])
        if structures is not None:
            table.insert(4, "structure", structures)
    names = [o.name for o in options]
    reference = BASELINE if BASELINE in names else names[0]
    facts = run_facts(next(iter(priced.values())).config)
    homes = settings.population_homes or int(facts["homes"])
    factor = population_factor(int(facts["homes"]), int(facts["weeks"]), homes, settings.population_years,
                               costs.discount_rate)
    groups = group_inputs(inputs, values, priced, case_ensemble(case))
    spots, option = tornado(priced, inputs, n, costs, outcomes, reference, outcomes.wtp[0])
    about = {"draws": n, "master_seed": case.seed, "ensemble": case.ensemble, "reference": reference,
             "homes": int(facts["homes"]), "weeks": int(facts["weeks"]), "population_homes": homes,
             "population_years": settings.population_years, "population_factor": factor,
             "labels": settings.labels, "wtp": list(outcomes.wtp)}
    return PSAResult(draws=table, values=values, distributions=distributions_table(inputs),
                     curves=acceptability(table, settings.wtp()), evpi=evpi_table(table, outcomes.wtp, factor),
                     evppi=evppi_table(table, groups, outcomes.wtp, factor, reference, case.seed), tornado=spots,
                     tornado_option=option, about=about)



FILES = {"psa.csv": "draws", "psa_inputs.csv": "values", "psa_distributions.csv": "distributions",
         "ceac.csv": "curves", "evpi.csv": "evpi", "evppi.csv": "evppi", "tornado.csv": "tornado"}
"""The PSA's tables in a comparison's folder, and the :class:`PSAResult` field each holds."""
FIGURES = {"ceac.png": "Probability each option is the best buy against willingness to pay per QALY (NHS and "
                       "personal social services); large marks: the option with the highest expected net benefit "
                       "(the acceptability frontier)",
           "tornado.png": "The five inputs that move the expected net benefit most, each from its 2.5th to its "
                          "97.5th percentile with the others at their means"}


def write(folder: Path, result: PSAResult) -> None:
    """The PSA's tables (:data:`FILES`) and figures (:data:`FIGURES`) into ``folder`` (which exists)."""
    for name, attribute in FILES.items():
        getattr(result, attribute).to_csv(folder / name, index=attribute == "values")
    ceac_figure(result.curves, folder / "ceac.png")
    tornado_figure(result.tornado, result.tornado_option, result.about, folder / "tornado.png")


def ceac_figure(curves: pd.DataFrame, path: Path) -> None:
    """CEAC of every option from the reference-case perspective, and the frontier (CEAF) as large marks."""
    import matplotlib.pyplot as plt

    from qicsim.studies.policy.figures import save_with_legend_below, style
    from qicsim.studies.policy.glossary import plain_option

    reference = curves[curves["perspective"] == PERSPECTIVES[0]]
    fig, ax = plt.subplots(figsize=(7, 5.2))
    for i, (name, group) in enumerate(reference.groupby("option", sort=False)):
        look = style(i)
        face = look["color"] if look["filled"] else "white"
        ax.plot(group["wtp"] / 1000, group["probability"], color=look["color"], ls=look["dash"],
                label=plain_option(str(name)))
        front = group[group["on_frontier"]]
        ax.scatter(front["wtp"] / 1000, front["probability"], s=36, marker=look["marker"], facecolor=face,
                   edgecolor=look["color"], zorder=3)
    ax.set_xlabel("willingness to pay per QALY (GBP thousand)")
    ax.set_ylabel("probability the option is the best buy")
    ax.set_ylim(-0.02, 1.02)
    ax.set_title("Acceptability curves and frontier (large marks), NHS and PSS perspective", fontsize=10)
    save_with_legend_below(fig, ax, path)


def tornado_figure(spots: pd.DataFrame, option: str, about: dict[str, Any], path: Path) -> None:
    """The five inputs of largest swing: a bar from the net benefit at the low to that at the high end."""
    import matplotlib.pyplot as plt

    from qicsim.studies.policy.figures import DPI, OKABE_ITO
    from qicsim.studies.policy.glossary import plain_option

    top = spots[spots["top"]].iloc[::-1]
    fig, ax = plt.subplots(figsize=(7, 4.2))
    centre = float(spots["nb_at_means"].iloc[0]) if len(spots) else 0.0
    for y, (_, row) in enumerate(top.iterrows()):
        ax.barh(y, (row["nb_at_low"] - centre) / 1000, left=centre / 1000, color=OKABE_ITO[4], height=0.6,
                label="input at its 2.5th percentile" if y == 0 else None)
        ax.barh(y, (row["nb_at_high"] - centre) / 1000, left=centre / 1000, color=OKABE_ITO[1], height=0.6,
                hatch="//", edgecolor="white", label="input at its 97.5th percentile" if y == 0 else None)
    ax.set_yticks(range(len(top)), [plain_input(str(n)) for n in top["input"]], fontsize=8)
    ax.axvline(centre / 1000, color="black", lw=1)
    wtp = about["wtp"][0]
    what = (f"expected net benefit of {plain_option(option)} over {plain_option(about['reference'])} "
            f"(GBP thousand at GBP {wtp / 1000:,.0f}k per QALY, NHS and PSS)")
    ax.set_xlabel(textwrap.fill(what, 70), fontsize=9)
    ax.set_title("One-way sensitivity: the five inputs that move net benefit most", fontsize=10)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)


HEADING = "Uncertainty: probabilistic sensitivity analysis"
TERMS = {
    "Probabilistic sensitivity analysis (PSA)": "the comparison repeated over many draws of its uncertain inputs "
                                                "(unit costs, effect sizes, the model's parameters and chance) "
                                                "at once, to see how sure the answer is.",
    "Acceptability curve (CEAC)": "the share of draws in which an option has the highest net benefit, at each "
                                  "value of a QALY.",
    "Acceptability frontier (CEAF)": "at each value of a QALY, the option with the highest expected (average) net "
                                     "benefit, the one to choose now, and how likely it is to be the best.",
    "EVPI": "expected value of perfect information: what the decision would gain on average if every uncertainty "
            "were removed before choosing; an upper limit on what further research is worth.",
    "EVPPI": "expected value of partial perfect information: the same for one group of inputs.",
    "Tornado": "each input moved alone from a low (2.5th percentile) to a high (97.5th percentile) value, the "
               "others at their averages: which inputs move the answer most.",
}


def plain_input(name: str) -> str:
    """An input in words (``hourly_cost_gbp.gp``: "hourly cost of a gp"); its code name stays in the CSV files."""
    head, _, rest = name.partition(".")
    if head == "hourly_cost_gbp":
        return f"hourly cost of a {rest.replace('_', ' ')}"
    if head == "unit_costs_gbp":
        return f"NHS cost per {rest.replace('_', ' ')}"
    if head == "events":
        kind, _, what = rest.partition(".")
        return f"{kind}: {what.replace('_', ' ')}"
    return name.replace("_gbp", " (GBP)").replace("_", " ")


def money(x: float) -> str:
    """GBP, whole pounds below 10k, else thousands."""
    return f"GBP {x:,.0f}" if abs(x) < 10_000 else f"GBP {x / 1000:,.1f}k"


def structure_sentence(folder: Path, wtp: float) -> str:
    """Whether the draws carry the rival structures and, if so, the best option under each (NHS and PSS, ``wtp``).

    Where the structures disagree on the best option, the sentence says so (issue 21, item 4).
    """
    from qicsim.studies.policy.glossary import plain_option

    table = pd.read_csv(folder / "psa.csv")
    if "structure" not in table.columns:
        return ("Uncertainty between the model's rival structures is not included: every draw ran one structure "
                "(an ensemble fitted under it, or point values).")
    best = {}
    for structure, group in table.groupby("structure", sort=True):
        nb = net_benefit_matrix(group, PERSPECTIVES[0], wtp).mean(axis=0)
        best[str(structure)] = (str(nb.idxmax()), group["draw"].nunique())
    under = "; ".join(f"under {s}, {plain_option(o)} ({n:,} draws)" for s, (o, n) in best.items())
    agree = len({o for o, _ in best.values()}) == 1
    return (f"Each draw also drew one of the model's rival structures with its calibrated probability. The option "
            f"with the highest expected net benefit at GBP {wtp:,.0f} per QALY: {under}; the structures "
            + ("agree." if agree else "disagree, so which structure is right matters to this decision."))


def section_parts(folder: Path) -> dict[str, Any] | None:
    """What the report's PSA section says, from the folder's PSA files (None if there are none)."""
    from qicsim.studies.policy.glossary import plain_option

    if not all((folder / name).is_file() for name in ("evpi.csv", "ceac.csv", "evppi.csv", "tornado.csv")):
        return None
    info, curves = pd.read_csv(folder / "evpi.csv"), pd.read_csv(folder / "ceac.csv")
    parts, spots = pd.read_csv(folder / "evppi.csv"), pd.read_csv(folder / "tornado.csv")
    draws = int(pd.read_csv(folder / "psa.csv", usecols=["draw"])["draw"].nunique())
    reference = info[info["perspective"] == PERSPECTIVES[0]].iloc[0]
    wtp = float(reference["wtp"])
    at = curves[(curves["perspective"] == PERSPECTIVES[0]) & np.isclose(curves["wtp"], wtp)]
    chosen = at[at["on_frontier"]].iloc[0] if len(at) else None
    factor = float(reference["population_factor"])
    summary = (f"Over {draws:,} draws, at GBP {wtp:,.0f} per QALY from the NHS and personal social services "
               f"perspective (the reference case), **{plain_option(str(reference['best_option']))}** has the "
               "highest expected net benefit"
               + (f" and is the best buy in {chosen['probability']:.0%} of draws" if chosen is not None
                  and chosen["option"] == reference["best_option"] else "")
               + f". The expected value of perfect information is {money(reference['evpi_per_decision_gbp'])} "
               f"for this decision and {money(reference['evpi_population_gbp'])} for the commissioner's population "
               f"(the decision's value per home-year of support times homes and discounted years: a factor of "
               f"{factor:.2f}). It includes run-to-run chance in the homes, which no research can remove, so it is "
               "an upper limit; the values for groups of inputs (EVPPI) leave that chance out. An EVPPI near its noise "
               "floor (what the same regression finds for as many inputs of pure noise) cannot be told apart from "
               "none: more draws lower the floor.")
    evpi_rows = pd.DataFrame({
        "Perspective": [PERSPECTIVE_NAMES[p] for p in info["perspective"]],
        "GBP per QALY": [f"{w:,.0f}" for w in info["wtp"]],
        "Best on average": [plain_option(str(o)) for o in info["best_option"]],
        "EVPI, this decision": [money(v) for v in info["evpi_per_decision_gbp"]],
        "EVPI, population": [money(v) for v in info["evpi_population_gbp"]]})
    shown = parts[np.isclose(parts["wtp"], wtp)]
    evppi_rows = pd.DataFrame({
        "Inputs": shown["group"], "How many": shown["inputs"],
        "EVPPI, this decision": [money(v) for v in shown["evppi_per_decision_gbp"]],
        "EVPPI, population": [money(v) for v in shown["evppi_population_gbp"]],
        "Share of EVPI": ["-" if pd.isna(v) else f"{v:.0%}" for v in shown["share_of_evpi"]],
        "Noise floor, this decision": [money(v) for v in shown["noise_floor_gbp"]],
        "Method": shown["method"]})
    top = spots[spots["top"]]
    tornado_rows = pd.DataFrame({
        "Input": [plain_input(str(n)) for n in top["input"]], "Low (2.5%)": [f"{v:,.4g}" for v in top["low_value"]],
        "High (97.5%)": [f"{v:,.4g}" for v in top["high_value"]],
        "Net benefit at low": [money(v) for v in top["nb_at_low"]],
        "Net benefit at high": [money(v) for v in top["nb_at_high"]]})
    how = ("Each draw pairs one run of every option (the same seed and, with an ensemble, the same parameter set: "
           "common random numbers) with one draw of every unit cost (gamma or log-normal) and effect size (beta for "
           "shares and disutilities, gamma for counts and weeks), each around its point value, with a spread from "
           "its source or labelled an assumption (psa_distributions.csv). Costs and QALYs are re-priced per draw "
           "after the runs. Not yet included: quantities of time (hours a week, travel), which stay at their point "
           "values.") + " " + structure_sentence(folder, wtp)
    return {"summary": summary, "evpi": evpi_rows, "evppi": evppi_rows, "tornado": tornado_rows, "how": how,
            "tornado_note": (f"Tornado: the expected net benefit of {plain_option(str(spots['option'].iloc[0]))} "
                             f"over {plain_option(str(spots['compared_with'].iloc[0]))} (NHS and PSS, GBP {wtp:,.0f} "
                             "per QALY; the option other than the baseline best on average at the inputs' means), "
                             "with each input alone at a low and a high value."
                             if len(spots) else "Tornado: no input was drawn.")}


SHEETS = {"psa_evpi": "evpi.csv", "psa_evppi": "evppi.csv", "psa_tornado": "tornado.csv", "psa_ceac": "ceac.csv",
          "psa_distributions": "psa_distributions.csv"}
"""The PSA's sheets of ``report.xlsx`` and the file each copies."""


def add_sheets(folder: Path) -> None:
    """Add the PSA's tables (:data:`SHEETS`) to ``report.xlsx``, every string a text cell as the other sheets."""
    from qicsim.studies.policy.glossary import plain_option
    from qicsim.studies.policy.report import write_sheets

    with pd.ExcelWriter(folder / "report.xlsx", engine="openpyxl", mode="a", if_sheet_exists="replace") as writer:
        tables = {}
        for sheet, name in SHEETS.items():
            table = tables[sheet] = pd.read_csv(folder / name)
            for column in ("option", "best_option"):
                if column in table:  # the plain name beside the code name, as the comparison's sheets
                    table.insert(table.columns.get_loc(column) + 1, f"{column}_name",
                                 table[column].astype(str).map(plain_option))
        write_sheets(writer, tables)


def add_to_report(folder: Path) -> None:
    """Put the PSA's section into ``report.md`` and ``report.html``, its tables into ``report.xlsx``, if it ran.

    The section goes before the assumptions. Called by :func:`qicsim.studies.policy.report.write_report`
    after it has written all three.
    """
    from qicsim.studies.policy.glossary import SECTIONS
    from qicsim.studies.policy.report import md_table

    parts = section_parts(folder)
    if parts is None:
        return
    md_path, html_path = folder / "report.md", folder / "report.html"
    if md_path.is_file():
        text = md_path.read_text()
        block = "\n".join([f"## {HEADING}", "", parts["summary"], "", parts["how"], "",
                           md_table(parts["evpi"]), "", md_table(parts["evppi"]), "",
                           parts["tornado_note"], "", md_table(parts["tornado"]), "",
                           *(f"![{c}]({n})" for n, c in FIGURES.items()), "",
                           *(f"- **{t}**: {d}" for t, d in TERMS.items()), "", ""])
        marker = f"## {SECTIONS['assumptions']}"
        md_path.write_text(text.replace(marker, block + marker, 1) if marker in text else text + "\n" + block)
    if html_path.is_file():
        def table(frame: pd.DataFrame) -> str:
            return f'<div class="scroll">{frame.to_html(index=False, border=0, classes="psa")}</div>'

        summary = html.escape(parts["summary"]).split("**")
        summary_html = "".join(f"<strong>{p}</strong>" if i % 2 else p for i, p in enumerate(summary))
        figures = "".join(f'<figure><img src="{n}" alt="{html.escape(c)}"><figcaption>{html.escape(c)}</figcaption>'
                          "</figure>" for n, c in FIGURES.items())
        terms = "".join(f"<dt>{html.escape(t)}</dt><dd>{html.escape(d)}</dd>" for t, d in TERMS.items())
        block = (f'<section id="psa"><h2>{html.escape(HEADING)}</h2><p>{summary_html}</p>'
                 f'<p class="note">{html.escape(parts["how"])}</p>{table(parts["evpi"])}{table(parts["evppi"])}'
                 f'<p class="note">{html.escape(parts["tornado_note"])}</p>{table(parts["tornado"])}{figures}'
                 f'<dl class="glossary">{terms}</dl></section>')
        text = html_path.read_text()
        marker = '<section id="assumptions">'
        html_path.write_text(text.replace(marker, block + marker, 1) if marker in text
                             else text.replace("</main>", block + "</main>", 1))
    if (folder / "report.xlsx").is_file():
        add_sheets(folder)
