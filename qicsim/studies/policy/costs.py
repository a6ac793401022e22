"""Unit costs and the two costs of a run: what the funder pays, and the staff time employers absorb.

Unit costs come from ``configs/costs/<name>.yaml``: each value with its source and price year.
The two perspectives are kept apart (issue 11):

* **funder**: backfill for protected hours paid whether used or not, facilitation, coaching,
  learning events and data support, each only if the funding option buys it;
* **employer time**: the value of every QIC hour staff give (hours of each role times its hourly
  cost), which employers absorb whoever funds the collaborative.

Both are computed from a run's tables (post-processing; the model draws nothing for them).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from qicsim.errors import ConfigError
from qicsim.model.roles import ROLE_NAMES

COSTS_FOLDER = "costs"
SCALARS = ("backfill_factor", "facilitator_hour_gbp", "coach_hour_gbp", "learning_event_gbp",
           "event_attendee_gbp", "analyst_hour_gbp", "analyst_hours_per_home_week", "travel_hour_gbp",
           "travel_share")
FUNDER_ITEMS = ("backfill", "facilitation", "coaching", "events", "data_support")
"""The funder's cost items, in the order tables and figures show them."""


@dataclass(frozen=True)
class UnitCosts:
    """Unit costs in GBP.

    Attributes:
        hourly: Hourly cost (pay plus on-costs) of each role, by role name.
        scalars: The other unit costs, by the names in :data:`SCALARS`.
        sources: Each value's source and price year, by dotted key.
    """

    hourly: dict[str, float]
    scalars: dict[str, float]
    sources: dict[str, str]

    def __getattr__(self, name: str) -> float:
        try:
            return self.__dict__["scalars"][name]
        except KeyError:
            raise AttributeError(name) from None


def costs_path(name_or_path: str | Path, config_dir: Path) -> Path:
    """A shipped cost file's name (``configs/costs/<name>.yaml``), or the path given."""
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml"):
        return path
    return config_dir / COSTS_FOLDER / f"{name_or_path}.yaml"


def load_costs(name_or_path: str | Path = "default", config_dir: Path | None = None) -> UnitCosts:
    """Read and check a unit-cost file.

    Raises:
        ConfigError: For a missing file, a role without a cost, or a value that is not a
            non-negative number.
    """
    if config_dir is None:
        from qicsim.config.loader import config_dir as shipped

        config_dir = shipped()
    path = costs_path(name_or_path, config_dir)
    if not path.is_file():
        raise ConfigError("--costs", f"{path} does not exist", "a file in configs/costs or a .yaml path")
    try:
        raw = yaml.safe_load(path.read_text())
    except yaml.YAMLError as error:
        raise ConfigError(str(path), f"not YAML ({str(error).splitlines()[0]})", "a YAML mapping") from None
    return parse_costs(raw, str(path))


def parse_costs(raw: Any, where: str = "costs") -> UnitCosts:
    """Check unit costs given as a mapping (the YAML file's content).

    Raises:
        ConfigError: One line naming the key and what is allowed.
    """
    if not isinstance(raw, dict):
        raise ConfigError(where, "not a mapping", "hourly_cost_gbp and the unit costs as keys")
    known = {"hourly_cost_gbp", *SCALARS}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ConfigError(f"{where}: {unknown[0]}", "unknown key", ", ".join(sorted(known)))
    hourly_raw = raw.get("hourly_cost_gbp")
    if not isinstance(hourly_raw, dict):
        raise ConfigError(f"{where}: hourly_cost_gbp", "missing or not a mapping", "a cost per role")
    missing = [r for r in ROLE_NAMES if r not in hourly_raw]
    if missing:
        raise ConfigError(f"{where}: hourly_cost_gbp.{missing[0]}", "role without a cost",
                          f"a cost for every role: {', '.join(ROLE_NAMES)}")
    extra = sorted(set(hourly_raw) - set(ROLE_NAMES))
    if extra:
        raise ConfigError(f"{where}: hourly_cost_gbp.{extra[0]}", "unknown role", ", ".join(ROLE_NAMES))
    sources: dict[str, str] = {}
    hourly = {r: unit_value(hourly_raw[r], f"{where}: hourly_cost_gbp.{r}", sources) for r in ROLE_NAMES}
    for key in SCALARS:
        if key not in raw:
            raise ConfigError(f"{where}: {key}", "missing", "a value with its source and year")
    scalars = {key: unit_value(raw[key], f"{where}: {key}", sources) for key in SCALARS}
    if scalars["backfill_factor"] <= 0:
        raise ConfigError(f"{where}: backfill_factor", f"{scalars['backfill_factor']} is not positive",
                          "a multiple of the hourly cost > 0")
    return UnitCosts(hourly=hourly, scalars=scalars, sources=sources)


def unit_value(entry: Any, key: str, sources: dict[str, str]) -> float:
    """One unit cost: ``{value, source, year}`` (or a bare number), a finite number >= 0."""
    value = entry.get("value") if isinstance(entry, dict) else entry
    if isinstance(value, bool) or not isinstance(value, int | float) or not np.isfinite(value):
        raise ConfigError(key, f"{value!r} is not a number", "a number >= 0 (GBP)")
    if value < 0:
        raise ConfigError(key, f"{value} is negative", "a number >= 0 (GBP)")
    if isinstance(entry, dict):
        sources[key.split(": ", 1)[-1]] = f"{entry.get('source', 'assumption')} ({entry.get('year', '-')})"
    return float(value)


@dataclass(frozen=True)
class Items:
    """What a funding option pays for, beyond what the run itself measures.

    Attributes:
        backfill: The funder pays for protected hours paid (C4), used or not.
        facilitation: The funder pays the facilitators' hours in homes (C6 capacity): the hours the run
            delivered (``facilitator_hours``), alongside projects under test or, under
            ``structure.project_start`` = ``facilitation``, at sessions of the caseload (docs/ODD.md 7.4b).
        coaching_hours_per_site_week: Coach hours a week with each site team, paid.
        funded_events: Learning events whose venue, catering and attendees the funder pays for
            (the others are assumed free, e.g. held in existing forums).
        data_support: The funder pays analysts at C10's intensity.
    """

    backfill: bool = False
    facilitation: bool = False
    coaching_hours_per_site_week: float = 0.0
    funded_events: int = 0
    data_support: bool = False


def run_facts(config: dict[str, Any]) -> dict[str, float]:
    """What costing needs from a run's validated config (as :attr:`Results.config` holds it)."""
    structure = config["structure"]
    return {"sites": len(structure["homes_per_site"]), "homes": sum(structure["homes_per_site"]),
            "weeks": structure["collaborative_weeks"], "events": len(structure["learning_event_weeks"]),
            "data_support_intensity": config["contexts"]["data_support"]["intensity"]}


def funder_costs(runs: pd.DataFrame, sites: pd.DataFrame, config: dict[str, Any], items: Items,
                 costs: UnitCosts) -> pd.DataFrame:
    """The funder's cost of each replication, by item.

    Args:
        runs: The run table (``replication``, ``facilitator_hours``, ``event_attendances``).
        sites: The site table, with ``protected_hours_paid_<role>`` columns.
        config: The run's validated config as a plain dict.
        items: What the option pays for.
        costs: Unit costs.

    Returns:
        One row per replication (index ``replication``), one column per item of
        :data:`FUNDER_ITEMS`, and ``funder_gbp`` their sum.
    """
    facts = run_facts(config)
    reps = runs.set_index("replication")
    out = pd.DataFrame(index=reps.index)
    paid = sites.groupby("replication")[[f"protected_hours_paid_{r}" for r in ROLE_NAMES]].sum()
    wage = np.array([costs.hourly[r] for r in ROLE_NAMES])
    backfill = paid.reindex(reps.index).to_numpy() @ wage * costs.backfill_factor
    out["backfill"] = backfill if items.backfill else 0.0
    visit = costs.travel_share * costs.travel_hour_gbp  # travel charged per hour spent in homes
    # The hours facilitators delivered in homes, whichever way the run delivered them (coaching.py): a caseload's
    # sessions count whether or not anyone attended; hours alongside projects only where a project was under test.
    out["facilitation"] = (reps["facilitator_hours"] * (costs.facilitator_hour_gbp + visit)
                           if items.facilitation else 0.0)
    coach_hours = items.coaching_hours_per_site_week * facts["sites"] * facts["weeks"]
    out["coaching"] = coach_hours * (costs.coach_hour_gbp + visit)
    # Attendees are priced for the funded share of the events held (attendance per event is not in the tables).
    funded_share = min(items.funded_events, facts["events"]) / facts["events"] if facts["events"] else 0.0
    out["events"] = (items.funded_events * costs.learning_event_gbp
                     + reps["event_attendances"] * funded_share * costs.event_attendee_gbp)
    analyst_hours = (costs.analyst_hours_per_home_week * facts["homes"] * facts["weeks"]
                     * facts["data_support_intensity"])
    out["data_support"] = analyst_hours * costs.analyst_hour_gbp if items.data_support else 0.0
    out["funder_gbp"] = out[list(FUNDER_ITEMS)].sum(axis=1)
    return out


def employer_time(runs: pd.DataFrame, costs: UnitCosts) -> pd.Series:
    """The value of QIC hours staff gave, at each role's hourly cost, per replication (GBP)."""
    reps = runs.set_index("replication")
    hours = reps[[f"hours_{r}" for r in ROLE_NAMES]].to_numpy()
    return pd.Series(hours @ np.array([costs.hourly[r] for r in ROLE_NAMES]), index=reps.index,
                     name="employer_time_gbp")
