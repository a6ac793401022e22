"""The budget search wired to the model: funding items at a few intensities, run on common random numbers.

A *mix* gives each fundable item an intensity; :func:`mix_option` turns it into a funding
:class:`~qicsim.studies.policy.options.Option` on the zero-spend baseline (the same assumptions as
``configs/funding/baseline.yaml``: light free coaching, C6 = 0.3, and 2 free learning events), so a mix
of zeros is the baseline. Every mix runs with the case's master seed, hence the same replication seeds
and ensemble draws (common random numbers), through :func:`qicsim.studies.policy.appraisal.run_option`.

Planned cost (what the budget binds on, see :mod:`qicsim.studies.policy.budget`): backfill, facilitation and
event attendees depend on quantities the run produces (members' protected hours, facilitators' hours,
attendances), so one *pilot* run of every item at its top level (the same seeds) gives each item's mean
funder cost there, and an item's planned cost at a lower level is that cost scaled by level / top level.
The scaling is exact for coaching, data support and event fees (unit cost times a quantity fixed by the
level) and an assumption for backfill and facilitation (hours paid proportional to intensity).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from qicsim.errors import ConfigError
from qicsim.studies.policy.appraisal import Case, run_option
from qicsim.studies.policy.budget import Item, MixResult, best_mix
from qicsim.studies.policy.costs import Items, UnitCosts
from qicsim.studies.policy.options import Option

FREE_EVENTS = 2  # the baseline's events in existing forums (configs/funding/baseline.yaml)
COACHED = 0.8  # C6 with a paid coach or facilitators, as PEACH's fellow (configs/funding/coaching.yaml)
UNCOACHED = 0.3  # C6 from the commissioner's QI lead, free (configs/funding/baseline.yaml)

DEFAULT_LEVELS: dict[str, tuple[float, ...]] = {
    "protected_time": (0.0, 0.5, 1.0),  # C4 for care home staff, backfilled
    "facilitation": (0.0, 1.5, 3.0),  # facilitator hours a week per home
    "coaching": (0.0, 2.0),  # coach hours a week per site team
    "data_support": (0.0, 1.0),  # C10
    "extra_events": (0.0, 4.0),  # paid learning events beyond the 2 free ones
    "meetings_in_homes": (0.0, 1.0),  # C8 = 1 (no funder cost)
}
"""Each fundable item and the intensities searched by default (what the shipped options express)."""
ITEM_COST = {"protected_time": "backfill", "facilitation": "facilitation", "coaching": "coaching",
             "data_support": "data_support", "extra_events": "events", "meetings_in_homes": None}
"""The funder's cost column (:data:`qicsim.studies.policy.costs.FUNDER_ITEMS`) each item is priced by."""


def mix_option(mix: dict[str, float]) -> Option:
    """The funding option that buys a mix (items missing from ``mix`` at 0)."""
    level = {name: float(mix.get(name, 0.0)) for name in DEFAULT_LEVELS}
    coached = level["coaching"] > 0 or level["facilitation"] > 0
    overrides = [f"contexts.protected_time.intensity={level['protected_time']}",
                 "parameters.protected_roles=[care_home]",
                 f"contexts.qi_coaching.intensity={COACHED if coached else UNCOACHED}",
                 f"parameters.facilitator_hours_per_home={level['facilitation']}",
                 f"contexts.data_support.intensity={level['data_support']}"]
    if level["meetings_in_homes"] > 0:
        overrides.append(f"contexts.meetings_in_care_homes.intensity={level['meetings_in_homes']}")
    items = Items(backfill=level["protected_time"] > 0, facilitation=level["facilitation"] > 0,
                  coaching_hours_per_site_week=level["coaching"], funded_events=int(level["extra_events"]),
                  data_support=level["data_support"] > 0)
    name = "mix:" + (",".join(f"{k}={v:g}" for k, v in level.items() if v) or "none")
    return Option(name=name, description="budget search mix",
                  overrides=tuple(overrides), events=FREE_EVENTS + int(level["extra_events"]), items=items)


def parse_levels(specs: Sequence[str]) -> dict[str, tuple[float, ...]]:
    """The default levels with ``NAME=v1,v2,...`` replacements (``--levels``).

    Raises:
        ConfigError: Unknown item, or levels that are not numbers >= 0.
    """
    levels = dict(DEFAULT_LEVELS)
    for spec in specs:
        name, _, values = spec.partition("=")
        if name not in DEFAULT_LEVELS:
            raise ConfigError("--levels", f"{name!r} is not a fundable item", ", ".join(DEFAULT_LEVELS))
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
        table: ``result.table`` with each mix's 95% range over replications of sustained improvements
            (``sustained_lo``/``_hi``) and of funder cost (``cost_lo``/``_hi``).
    """

    result: MixResult
    unit_cost: dict[str, float]
    table: pd.DataFrame


def pilot_unit_costs(levels: dict[str, tuple[float, ...]], case: Case, costs: UnitCosts) -> dict[str, float]:
    """Each item's mean funder cost per unit of intensity, from one run of every item at its top level."""
    top = {name: max(values) for name, values in levels.items()}
    table, _ = run_option(mix_option(top), case, costs)
    unit = {}
    for name, column in ITEM_COST.items():
        unit[name] = 0.0 if column is None or top[name] == 0 else float(table[column].mean()) / top[name]
    return unit


def search(case: Case, costs: UnitCosts, levels: dict[str, tuple[float, ...]] | None = None,
           *, n_runners_up: int = 4, max_grid: int = 500) -> Search:
    """The mix of items with the most sustained improvements (mean over replications) within ``case.budget``.

    Raises:
        ConfigError: No budget, or a budget that buys nothing (one line).
    """
    case.check()
    if case.budget is None:
        raise ConfigError("--budget", "missing", "a budget in GBP >= 0 for the budget search")
    levels = levels or dict(DEFAULT_LEVELS)
    unit = pilot_unit_costs(levels, case, costs)
    runs: dict[str, pd.DataFrame] = {}

    def evaluate(mix: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
        table, _ = run_option(mix_option(mix), case, costs)
        runs[mix_option(mix).name] = table
        return table["funder_gbp"].to_numpy(), table["sustained"].to_numpy(dtype=float)

    items = [Item(name, cost=lambda x, u=unit[name]: u * x, levels=values) for name, values in levels.items()]
    result = best_mix(evaluate, items, case.budget, n_runners_up=n_runners_up, max_grid=max_grid, seed=case.seed)
    table = result.table.copy()
    spans = [runs[mix_option(row[list(levels)].to_dict()).name] for _, row in table.iterrows()]
    for column, key in (("sustained", "sustained"), ("funder_gbp", "cost")):
        table[f"{key}_lo"] = [float(np.quantile(s[column], 0.025)) for s in spans]
        table[f"{key}_hi"] = [float(np.quantile(s[column], 0.975)) for s in spans]
    return Search(result=result, unit_cost=unit, table=table)


def describe(mix: dict[str, float]) -> str:
    """A mix in words."""
    words = {"protected_time": "protected time for care home staff at {:g}",
             "facilitation": "facilitators {:g} h a week per home", "coaching": "a coach {:g} h a week per site",
             "data_support": "data support at {:g}", "extra_events": "{:g} extra paid learning events",
             "meetings_in_homes": "meetings in homes at {:g}"}
    parts = [words[k].format(v) for k, v in mix.items() if v]
    return "; ".join(parts) if parts else "nothing (the zero-spend baseline)"


def markdown(found: Search, case: Case) -> str:
    """The search's result as a short Markdown page."""
    res, table = found.result, found.table
    best = table.iloc[0]
    lines = [
        "# Budget search", "",
        f"Budget GBP {case.budget:,.0f}; {case.homes or 29} homes, {case.weeks or 78} weeks of support; "
        f"{case.replications} replications (seed {case.seed}, ensemble {case.ensemble or 'none'}); "
        f"{res.method} over {res.n_evaluated} affordable mixes (grid of {res.details.get('grid_size')}).", "",
        f"**Best mix**: {describe(res.best)}. Planned funder cost GBP {best['planned_cost']:,.0f} "
        f"(mean simulated GBP {best['mean_cost']:,.0f}, over budget in {best['p_over_budget']:.0%} of replications); "
        f"{best['mean_effect']:.1f} sustained improvements (95% of replications "
        f"{best['sustained_lo']:.0f}-{best['sustained_hi']:.0f}); it stays best among the mixes below in "
        f"{res.stays_best:.0%} of replications.", "",
        "| rank | mix | planned cost (GBP) | mean cost (GBP) | sustained (mean) | 95% range | stays best |",
        "|---|---|---|---|---|---|---|",
    ]
    for _, row in table.iterrows():
        mix = {k: float(row[k]) for k in res.best}
        lines.append(f"| {int(row['rank'])} | {describe(mix)} | {row['planned_cost']:,.0f} | {row['mean_cost']:,.0f} | "
                     f"{row['mean_effect']:.1f} | {row['sustained_lo']:.0f}-{row['sustained_hi']:.0f} | "
                     f"{row['p_best']:.0%} |")
    lines += ["", "Planned cost per unit of intensity (pilot run of every item at its top level): "
              + ", ".join(f"{k} GBP {v:,.0f}" for k, v in found.unit_cost.items()) + ".", ""]
    return "\n".join(lines)
