"""The budget search wired to the model: funding items at a few intensities, run on common random numbers.

A *mix* gives each fundable item an intensity; :func:`mix_option` turns it into a funding
:class:`~qicsim.studies.policy.options.Option` on the zero-spend baseline, so a mix of zeros is the
baseline. Every number it uses comes from the funding options (``configs/funding/*.yaml``, read by
:func:`funding_basis`): the baseline's free learning events and C6 (light free coaching), each item's
top level and the C6 it buys from the option that buys that item alone. Every mix runs with the case's
master seed, hence the same replication seeds and ensemble draws (common random numbers), through
:func:`qicsim.studies.policy.appraisal.run_option`.

Planned cost (what the budget binds on, see :mod:`qicsim.studies.policy.budget`): backfill, facilitation and
event attendees depend on quantities the run produces (members' protected hours, facilitators' hours,
attendances), so one *pilot* run of every item at its top level (the same seeds) gives each item's mean
funder cost there, and an item's planned cost at a lower level is that cost scaled by level / top level.
The scaling is exact for coaching, data support and event fees (unit cost times a quantity fixed by the
level) and an assumption for backfill and facilitation (hours paid proportional to intensity).

:func:`search` keeps every run of every mix (with residents' outcomes when given), and runs the best mix
with each of its items taken away; :mod:`qicsim.studies.policy.budget_report` turns them into the report.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from qicsim.errors import ConfigError
from qicsim.studies.policy.appraisal import Case, run_option
from qicsim.studies.policy.budget import Item, MixResult, best_mix
from qicsim.studies.policy.costs import Items, UnitCosts, run_facts
from qicsim.studies.policy.options import BASELINE, Option, load_option, override_text, override_value
from qicsim.studies.policy.outcomes import Outcomes

COACHING = "contexts.qi_coaching.intensity"
TARGETING = "parameters.protected_roles"


@dataclass(frozen=True)
class ItemSource:
    """Where an item's top level is read: the option that buys the item alone, and its key there.

    Attributes:
        option: The option's name in ``configs/funding``.
        override: The override key holding the level, or None when ``item`` holds it.
        item: The field of the option's :class:`~qicsim.studies.policy.costs.Items` holding it, or None.
        steps: Steps from 0 to the top level searched by default (2: 0, half, top).
    """

    option: str
    override: str | None = None
    item: str | None = None
    steps: int = 1

    def top(self, option: Option) -> float:
        """The item's level in its option."""
        value = override_value(option, self.override) if self.override else getattr(option.items, str(self.item))
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            where = self.override or f"items.{self.item}"
            raise ConfigError(f"configs/funding/{option.name}.yaml: {where}", f"{value!r} is not a level above 0",
                              "a number > 0")
        return float(value)


ITEM_SOURCES: dict[str, ItemSource] = {
    "protected_time": ItemSource("backfill_care_home", override="contexts.protected_time.intensity", steps=2),
    "facilitation": ItemSource("facilitation", override="parameters.facilitator_hours_per_home", steps=2),
    "coaching": ItemSource("coaching", item="coaching_hours_per_site_week"),
    "data_support": ItemSource("data_support", override="contexts.data_support.intensity"),
    "extra_events": ItemSource("extra_events", item="funded_events"),
    "meetings_in_homes": ItemSource("meetings_in_homes", override="contexts.meetings_in_care_homes.intensity"),
}
"""Each fundable item (in the order mixes are named) and the shipped option it is read from."""
ITEM_COST = {"protected_time": "backfill", "facilitation": "facilitation", "coaching": "coaching",
             "data_support": "data_support", "extra_events": "events", "meetings_in_homes": None}
"""The funder's cost column (:data:`qicsim.studies.policy.costs.FUNDER_ITEMS`) each item is priced by."""
COACHED_BY = ("coaching", "facilitation")
"""Items that bring a paid coach or facilitators, hence their option's C6."""


@dataclass(frozen=True)
class FundingBasis:
    """What the budget search reads from the funding options.

    Attributes:
        free_events: Learning events the baseline holds in existing forums at no cost.
        uncoached: C6 without a paid coach (the baseline's: the commissioner's QI lead).
        coached: C6 each coaching item buys (its option's).
        targeting: The override that targets protected time (the backfill option's).
        levels: Each item's intensities searched by default: 0 to its option's level in ``steps`` steps.
    """

    free_events: int
    uncoached: float
    coached: dict[str, float]
    targeting: str
    levels: dict[str, tuple[float, ...]]


def funding_basis(config_dir: Path | None = None) -> FundingBasis:
    """Read the search's numbers from the funding options (``$QICSIM_CONFIG_DIR`` or the shipped configs).

    Raises:
        ConfigError: One line naming the option file and key that is missing or not allowed.
    """
    options = {name: load_option(name, config_dir) for name in {BASELINE, *(s.option for s in ITEM_SOURCES.values())}}
    baseline = options[BASELINE]
    if baseline.events is None:
        raise ConfigError(f"configs/funding/{BASELINE}.yaml: events", "missing",
                          "the learning events the baseline holds at no cost")
    levels = {}
    for name, source in ITEM_SOURCES.items():
        top = source.top(options[source.option])
        levels[name] = tuple(top * k / source.steps for k in range(source.steps + 1))
    backfill = options[ITEM_SOURCES["protected_time"].option]
    return FundingBasis(
        free_events=baseline.events, uncoached=float(override_value(baseline, COACHING)),
        coached={name: float(override_value(options[ITEM_SOURCES[name].option], COACHING)) for name in COACHED_BY},
        targeting=f"{TARGETING}={override_text(backfill, TARGETING)}", levels=levels)


def default_levels(config_dir: Path | None = None) -> dict[str, tuple[float, ...]]:
    """Each fundable item and the intensities searched by default (what the shipped options express)."""
    return funding_basis(config_dir).levels


def mix_option(mix: dict[str, float], basis: FundingBasis | None = None) -> Option:
    """The funding option that buys a mix (items missing from ``mix`` at 0).

    Args:
        mix: Item names to intensities.
        basis: The funding options' numbers (default: read them now, :func:`funding_basis`).
    """
    basis = basis or funding_basis()
    level = {name: float(mix.get(name, 0.0)) for name in ITEM_SOURCES}
    coaching = max([basis.uncoached] + [basis.coached[name] for name in COACHED_BY if level[name] > 0])
    overrides = [f"contexts.protected_time.intensity={level['protected_time']}",
                 basis.targeting,
                 f"{COACHING}={coaching}",
                 f"parameters.facilitator_hours_per_home={level['facilitation']}",
                 f"contexts.data_support.intensity={level['data_support']}"]
    if level["meetings_in_homes"] > 0:
        overrides.append(f"contexts.meetings_in_care_homes.intensity={level['meetings_in_homes']}")
    items = Items(backfill=level["protected_time"] > 0, facilitation=level["facilitation"] > 0,
                  coaching_hours_per_site_week=level["coaching"], funded_events=int(level["extra_events"]),
                  data_support=level["data_support"] > 0)
    name = "mix:" + (",".join(f"{k}={v:g}" for k, v in level.items() if v) or "none")
    return Option(name=name, description="budget search mix",
                  overrides=tuple(overrides), events=basis.free_events + int(level["extra_events"]), items=items)


def parse_levels(specs: Sequence[str], defaults: dict[str, tuple[float, ...]] | None = None
                 ) -> dict[str, tuple[float, ...]]:
    """The default levels (:func:`default_levels` unless given) with ``NAME=v1,v2,...`` replacements (``--levels``).

    Raises:
        ConfigError: Unknown item, or levels that are not numbers >= 0.
    """
    levels = dict(default_levels() if defaults is None else defaults)
    for spec in specs:
        name, _, values = spec.partition("=")
        if name not in ITEM_SOURCES:
            raise ConfigError("--levels", f"{name!r} is not a fundable item", ", ".join(ITEM_SOURCES))
        try:
            parsed = tuple(sorted({float(v) for v in values.split(",")}))
        except ValueError:
            raise ConfigError(f"--levels {name}", f"{values!r} is not a list of numbers", "e.g. 0,1.5,3") from None
        if not parsed or min(parsed) < 0 or not np.isfinite(parsed).all():
            raise ConfigError(f"--levels {name}", f"{values!r} has a negative or non-finite level", "numbers >= 0")
        if name == "extra_events" and any(v != int(v) for v in parsed):
            raise ConfigError("--levels extra_events", f"{values!r} is not whole events", "integers >= 0")
        levels[name] = parsed
    return levels


@dataclass
class Search:
    """A budget search's result with what it ran on.

    Attributes:
        result: The optimiser's result (:class:`qicsim.studies.policy.budget.MixResult`).
        unit_cost: Each item's planned cost at intensity 1 (GBP; from the pilot run).
        table: ``result.table`` with each mix's spread of runs (central 95% of replications) of sustained improvements
            (``sustained_lo``/``_hi``) and of funder cost (``cost_lo``/``_hi``).
        runs: Every mix run (the affordable ones of the search and the best with each item removed): its
            per-replication table (:func:`qicsim.studies.policy.appraisal.run_option`, with residents' outcomes
            and their costs by year when the search had outcomes), by the mix's intensities in item order.
        levels: The intensities searched, by item.
        weeks: Weeks of support of the runs (the rest of the horizon is the follow-up).
    """

    result: MixResult
    unit_cost: dict[str, float]
    table: pd.DataFrame
    runs: dict[tuple[float, ...], pd.DataFrame] = field(default_factory=dict)
    levels: dict[str, tuple[float, ...]] = field(default_factory=dict)
    weeks: int = 0


def pilot_unit_costs(levels: dict[str, tuple[float, ...]], case: Case, costs: UnitCosts,
                     basis: FundingBasis | None = None) -> dict[str, float]:
    """Each item's mean funder cost per unit of intensity, from one run of every item at its top level."""
    top = {name: max(values) for name, values in levels.items()}
    table, _ = run_option(mix_option(top, basis), case, costs)
    unit = {}
    for name, column in ITEM_COST.items():
        unit[name] = 0.0 if column is None or top[name] == 0 else float(table[column].mean()) / top[name]
    return unit


def affordable_on_grid(levels: dict[str, tuple[float, ...]], unit: dict[str, float], budget: float,
                       max_grid: int) -> int | None:
    """How many mixes of the grid fit the budget at the planned unit costs (None: the grid is too big to search).

    The same rule as :func:`qicsim.studies.policy.budget.best_mix`: a mix is run when its planned cost, each item's
    unit cost times its intensity, is within the budget.
    """
    if math.prod(len(values) for values in levels.values()) > max_grid:
        return None
    costs = [[unit[name] * float(x) for x in values] for name, values in levels.items()]
    return sum(sum(combo) <= budget for combo in itertools.product(*costs))


def search(case: Case, costs: UnitCosts, levels: dict[str, tuple[float, ...]] | None = None,
           *, n_runners_up: int = 4, max_grid: int = 500, outcomes: Outcomes | None = None,
           progress: Callable[[int, int | None], None] | None = None) -> Search:
    """The mix of items with the most sustained improvements (mean over replications) within ``case.budget``.

    Every mix runs on the same replications (common random numbers). With ``outcomes``, residents'
    events, QALYs and their NHS costs (also by year) are counted in every run, for the net benefit and
    the budget impact of :mod:`qicsim.studies.policy.budget_report`. The best mix with each of its items
    taken back to its lowest level is run too (on the grid it already was), to say which items carry its
    effect.

    Args:
        case: The commissioner's case (its budget binds on the planned cost).
        costs: Unit costs.
        levels: Each item's intensities (default: :func:`default_levels`).
        n_runners_up: Frontier mixes shown below the best.
        max_grid: Largest grid searched exhaustively.
        outcomes: What residents' events mean (None: not counted).
        progress: Called after each mix with the mixes run so far and how many will be run: on the grid,
            every affordable mix (the best less each of its items is among them); None under differential
            evolution, whose number is not known in advance.

    Raises:
        ConfigError: No budget, or a budget that buys nothing (one line).
    """
    case.check()
    if case.budget is None:
        raise ConfigError("--budget", "missing", "a budget in GBP >= 0 for the budget search")
    basis = funding_basis()
    levels = levels or dict(basis.levels)
    names = list(levels)
    unit = pilot_unit_costs(levels, case, costs, basis)
    runs: dict[tuple[float, ...], pd.DataFrame] = {}
    weeks: list[int] = []
    expected = affordable_on_grid(levels, unit, case.budget, max_grid)

    def run(key: tuple[float, ...]) -> pd.DataFrame:
        if key not in runs:
            option = mix_option(dict(zip(names, key, strict=True)), basis)
            runs[key], config = run_option(option, case, costs, outcomes, by_year=outcomes is not None)
            weeks.append(int(run_facts(config)["weeks"]))
            if progress is not None:
                progress(len(runs), None if expected is None else max(expected, len(runs)))
        return runs[key]

    def evaluate(mix: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
        table = run(tuple(float(mix[n]) for n in names))
        return table["funder_gbp"].to_numpy(), table["sustained"].to_numpy(dtype=float)

    items = [Item(name, cost=lambda x, u=unit[name]: u * x, levels=values) for name, values in levels.items()]
    result = best_mix(evaluate, items, case.budget, n_runners_up=n_runners_up, max_grid=max_grid, seed=case.seed)
    best = tuple(result.best[n] for n in names)
    for i, name in enumerate(names):  # the best without each of its items (already run on the grid)
        lowest = float(min(levels[name]))
        if best[i] != lowest:
            run((*best[:i], lowest, *best[i + 1:]))
    table = result.table.copy()
    spans = [runs[tuple(float(row[n]) for n in names)] for _, row in table.iterrows()]
    for column, key in (("sustained", "sustained"), ("funder_gbp", "cost")):
        table[f"{key}_lo"] = [float(np.quantile(s[column], 0.025)) for s in spans]
        table[f"{key}_hi"] = [float(np.quantile(s[column], 0.975)) for s in spans]
    return Search(result=result, unit_cost=unit, table=table, runs=runs, levels=levels, weeks=weeks[0])


def describe(mix: dict[str, float]) -> str:
    """A mix in words."""
    words = {"protected_time": "protected time for care home staff at {:g}",
             "facilitation": "facilitators {:g} h a week per home", "coaching": "a coach {:g} h a week per site",
             "data_support": "data support at {:g}", "extra_events": "{:g} extra paid learning events",
             "meetings_in_homes": "meetings in homes at {:g}"}
    parts = [words.get(k, k.replace("_", " ") + " at {:g}").format(v) for k, v in mix.items() if v]
    return "; ".join(parts) if parts else "nothing (the zero-spend baseline)"
