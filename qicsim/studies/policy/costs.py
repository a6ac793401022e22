"""Unit costs at one price year, and what a run costs from three perspectives.

Unit costs come from ``configs/costs/<name>.yaml``: each figure with its source and the financial year it
is priced in, inflated to the file's ``price_year`` with one index (:mod:`qicsim.studies.policy.prices`);
salaries and hourly pay become an hourly cost with on-costs and overheads. What a run costs
(post-processing; the model draws nothing for it):

* **funder**: backfill for protected hours paid whether used or not, facilitation, coaching,
  learning events and data support (with its tools), each only if the funding option buys it:
  the new money, undiscounted (``funder_gbp``, what a budget is held against);
* **programme**: what every option uses of the commissioner's own staff and means, bought or not:
  the QI lead's light coaching, programme management, the venues of events held in existing
  forums, QI materials (``programme_gbp``);
* **staff time**: the value of every QIC hour staff give, by employer: the NHS's
  (``nhs_time_gbp``) and care homes' (``care_home_time_gbp``; ``employer_time_gbp`` is both).

:data:`PERSPECTIVES` adds them up, discounted by week (:func:`perspective_costs`): the **NHS and
personal social services** (the NICE reference case: funder, programme, NHS staff time and, with
outcomes, the NHS costs of residents' events), the **funder** alone (as before), and **societal**
(adds care homes' staff time).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from qicsim.errors import ConfigError
from qicsim.model.roles import ORGANISATION, ROLE_NAMES, Organisation, Role
from qicsim.studies.policy.prices import (
    WEEKS_PER_YEAR,
    PriceIndex,
    check_rate,
    load_index,
    read_yaml,
    spread_factor,
    year_start,
)

COSTS_FOLDER = "costs"
QUANTITIES = ("discount_rate", "discount_rate_sensitivity", "on_costs_nhs", "on_costs_care_home", "overheads",
              "working_hours_per_year", "backfill_factor", "analyst_hours_per_home_week", "travel_share",
              "qi_lead_hours_per_site_week", "programme_manager_hours_per_week")
"""Inputs that are not money (rates, shares, hours): never inflated (year "-")."""
MONEY = ("facilitator_hour_gbp", "coach_hour_gbp", "learning_event_gbp", "event_attendee_gbp", "analyst_hour_gbp",
         "data_tools_per_home_year_gbp", "travel_hour_gbp", "qi_lead_hour_gbp", "programme_manager_hour_gbp",
         "materials_per_home_gbp")
SCALARS = (*QUANTITIES, *MONEY)
FUNDER_ITEMS = ("backfill", "facilitation", "coaching", "events", "data_support")
"""The funder's cost items, in the order tables and figures show them."""
EMPLOYERS = {"nhs": "on_costs_nhs", "care_home": "on_costs_care_home"}
PAY_FORMS = ("value", "salary", "pay_per_hour")
PERSPECTIVES = ("nhs_pss", "funder", "societal")
"""The perspectives of the comparison, the NICE reference case (NHS and personal social services) first."""
PERSPECTIVE_NAMES = {"nhs_pss": "NHS and personal social services", "funder": "funder only",
                     "societal": "societal (adds care home staff time)"}
NHS_ROLES = tuple(r.name.lower() for r in Role if ORGANISATION[r] == Organisation.NHS)
CARE_HOME_ROLES = tuple(r.name.lower() for r in Role if ORGANISATION[r] == Organisation.CARE_HOME)


@dataclass(frozen=True)
class UnitCosts:
    """Unit costs in GBP at one price year.

    Attributes:
        hourly: Hourly cost (pay, on-costs and overheads) of each role, by role name.
        scalars: The other inputs, by the names in :data:`SCALARS` (money at the price year).
        sources: Each value's source, price year and how it was derived, by dotted key.
        price_year: The financial year every cost is priced in (``"2023/24"``).
        index: The price index costs were inflated with (None: figures used as given).
    """

    hourly: dict[str, float]
    scalars: dict[str, float]
    sources: dict[str, str]
    price_year: str = ""
    index: PriceIndex | None = field(default=None, repr=False)

    def __getattr__(self, name: str) -> float:
        try:
            return self.__dict__["scalars"][name]
        except KeyError:
            raise AttributeError(name) from None

    def at_price_year(self, value: float, year: str, key: str) -> float:
        """A figure of ``year`` priced in :attr:`price_year` with :attr:`index` (as given without an index)."""
        if self.index is None or year in ("-", self.price_year):
            return float(value)
        return value * self.index.factor(year, self.price_year, key)


def costs_path(name_or_path: str | Path, config_dir: Path) -> Path:
    """A shipped cost file's name (``configs/costs/<name>.yaml``), or the path given."""
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml"):
        return path
    return config_dir / COSTS_FOLDER / f"{name_or_path}.yaml"


def shipped_config_dir() -> Path:
    """The shipped ``configs`` folder."""
    from qicsim.config.loader import config_dir as shipped

    return shipped()


def load_costs(name_or_path: str | Path = "default", config_dir: Path | None = None) -> UnitCosts:
    """Read and check a unit-cost file.

    Raises:
        ConfigError: For a missing file, a role without a cost, a value that is not a non-negative
            number, a price year outside the index (one line naming the file and the field).
    """
    config_dir = shipped_config_dir() if config_dir is None else config_dir
    path = costs_path(name_or_path, config_dir)
    if not path.is_file():
        raise ConfigError("--costs", f"{path} does not exist", "a file in configs/costs or a .yaml path")
    raw = read_yaml(path)
    return parse_costs(raw, str(path), config_dir)


def parse_costs(raw: Any, where: str = "costs", config_dir: Path | None = None) -> UnitCosts:
    """Check unit costs given as a mapping (the YAML file's content) and price them in its price year.

    Raises:
        ConfigError: One line naming the key and what is allowed.
    """
    if not isinstance(raw, dict):
        raise ConfigError(where, "not a mapping", "price_year, index, hourly_cost_gbp and the unit costs as keys")
    known = {"price_year", "index", "hourly_cost_gbp", *SCALARS}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ConfigError(f"{where}: {unknown[0]}", "unknown key", ", ".join(sorted(known)))
    for key in ("price_year", "index"):
        if key not in raw:
            raise ConfigError(f"{where}: {key}", "missing", "price_year: 'YYYY/YY' and index: a file in "
                                                              "configs/costs/indices")
    price_year = str(raw["price_year"])
    year_start(price_year, f"{where}: price_year")
    config_dir = shipped_config_dir() if config_dir is None else config_dir
    index = load_index(str(raw["index"]), config_dir / COSTS_FOLDER)
    index.factor(price_year, price_year, f"{where}: price_year")
    pricing = UnitCosts(hourly={}, scalars={}, sources={}, price_year=price_year, index=index)
    sources: dict[str, str] = {}
    scalars: dict[str, float] = {}
    for key in SCALARS:
        if key not in raw:
            raise ConfigError(f"{where}: {key}", "missing", "a value with its source and year")
    for key in QUANTITIES:  # first: on-costs, overheads and hours turn pay into a cost below
        scalars[key] = unit_value(raw[key], f"{where}: {key}", sources)
    for key in ("discount_rate", "discount_rate_sensitivity"):
        check_rate(scalars[key], f"{where}: {key}")
    if scalars["backfill_factor"] <= 0:
        raise ConfigError(f"{where}: backfill_factor", f"{scalars['backfill_factor']} is not positive",
                          "a multiple of the hourly cost > 0")
    if scalars["working_hours_per_year"] <= 0:
        raise ConfigError(f"{where}: working_hours_per_year", f"{scalars['working_hours_per_year']} is not positive",
                          "hours > 0")
    for key in MONEY:
        scalars[key] = money_value(raw[key], f"{where}: {key}", sources, scalars, pricing)
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
    hourly = {r: money_value(hourly_raw[r], f"{where}: hourly_cost_gbp.{r}", sources, scalars, pricing)
              for r in ROLE_NAMES}
    return UnitCosts(hourly=hourly, scalars=scalars, sources=sources, price_year=price_year, index=index)


def number(value: Any, key: str, unit: str = "GBP") -> float:
    """A finite number >= 0, else a one-line error naming ``key``."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not np.isfinite(value):
        raise ConfigError(key, f"{value!r} is not a number", f"a number >= 0 ({unit})")
    if value < 0:
        raise ConfigError(key, f"{value} is negative", f"a number >= 0 ({unit})")
    return float(value)


def unit_value(entry: Any, key: str, sources: dict[str, str]) -> float:
    """One quantity: ``{value, source, year}`` (or a bare number), a finite number >= 0, not inflated."""
    value = entry.get("value") if isinstance(entry, dict) else entry
    number(value, key, "a quantity")
    if isinstance(entry, dict):
        sources[key.split(": ", 1)[-1]] = f"{entry.get('source', 'assumption')} ({entry.get('year', '-')})"
    return float(value)


def money_value(entry: Any, key: str, sources: dict[str, str], scalars: dict[str, float],
                pricing: UnitCosts) -> float:
    """One cost at the price year: a full cost (``value``), a ``salary`` or a ``pay_per_hour`` with its year.

    A bare number is taken as priced in the price year. Salaries and pay get on-costs (by ``employer``)
    and overheads; then the figure is inflated from its ``year`` (:meth:`UnitCosts.at_price_year`).
    """
    name = key.split(": ", 1)[-1]
    if not isinstance(entry, dict):
        value = number(entry, key)
        sources[name] = f"assumption ({pricing.price_year}, as given)"
        return value
    forms = [f for f in PAY_FORMS if f in entry]
    if len(forms) != 1:
        raise ConfigError(key, f"gives {' and '.join(forms) or 'none'} of {', '.join(PAY_FORMS)}",
                          "exactly one of value (a full cost), salary (a year) or pay_per_hour, with source and year")
    form = forms[0]
    amount = number(entry[form], key if form == "value" else f"{key}.{form}")
    year = str(entry.get("year", ""))
    if year == "" or year == "-":
        raise ConfigError(f"{key}.year", f"{year or 'missing'} is no price year", "the financial year of the figure, "
                          "e.g. 2023/24")
    year_start(year, f"{key}.year")
    derivation = ""
    cost = amount
    if form != "value":
        employer = entry.get("employer")
        if employer not in EMPLOYERS:
            raise ConfigError(f"{key}.employer", f"{employer!r} is not an employer", ", ".join(EMPLOYERS))
        on_costs, overheads = scalars[EMPLOYERS[employer]], scalars["overheads"]
        per_hour = amount / scalars["working_hours_per_year"] if form == "salary" else amount
        cost = per_hour * (1 + on_costs) * (1 + overheads)
        pay = (f"GBP {amount:,.0f} a year / {scalars['working_hours_per_year']:g} h" if form == "salary"
               else f"GBP {amount:,.2f} an hour")
        derivation = f"; {pay} x (1 + {on_costs:g} on-costs) x (1 + {overheads:g} overheads)"
    priced = pricing.at_price_year(cost, year, f"{key}.year")
    if year != pricing.price_year:
        derivation += f"; x {priced / cost if cost else 1.0:.4f} ({year} to {pricing.price_year}, {pricing.index.name})"
    sources[name] = f"{entry.get('source', 'assumption')} ({year}){derivation}"
    return priced


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
    # The data tools' licences come with data support, for every home over the weeks of support.
    tools = costs.data_tools_per_home_year_gbp * facts["homes"] * facts["weeks"] / WEEKS_PER_YEAR
    out["data_support"] = analyst_hours * costs.analyst_hour_gbp + tools if items.data_support else 0.0
    out["funder_gbp"] = out[list(FUNDER_ITEMS)].sum(axis=1)
    return out


def employer_time(runs: pd.DataFrame, costs: UnitCosts) -> pd.Series:
    """The value of QIC hours staff gave, at each role's hourly cost, per replication (GBP)."""
    reps = runs.set_index("replication")
    hours = reps[[f"hours_{r}" for r in ROLE_NAMES]].to_numpy()
    return pd.Series(hours @ np.array([costs.hourly[r] for r in ROLE_NAMES]), index=reps.index,
                     name="employer_time_gbp")


def staff_time(runs: pd.DataFrame, costs: UnitCosts) -> pd.DataFrame:
    """The value of QIC hours staff gave, by employer, per replication (GBP at the price year).

    Returns:
        Index ``replication``; ``nhs_time_gbp`` (NHS and lay roles) and ``care_home_time_gbp``.
    """
    reps = runs.set_index("replication")
    out = pd.DataFrame(index=reps.index)
    for column, roles in (("nhs_time_gbp", NHS_ROLES), ("care_home_time_gbp", CARE_HOME_ROLES)):
        out[column] = reps[[f"hours_{r}" for r in roles]].to_numpy() @ np.array([costs.hourly[r] for r in roles])
    return out


def programme_costs(runs: pd.DataFrame, config: dict[str, Any], items: Items, costs: UnitCosts) -> pd.Series:
    """What every option uses of the commissioner's own staff and means, bought or not, per replication (GBP).

    The QI lead's hours with each site and programme management over the weeks of support, the venues of
    the learning events the funder does not pay for (held in existing forums: still a venue and a day),
    and QI materials for every home. The same for every option but for the events it holds.
    """
    facts = run_facts(config)
    lead = costs.qi_lead_hours_per_site_week * facts["sites"] * facts["weeks"] * costs.qi_lead_hour_gbp
    management = costs.programme_manager_hours_per_week * facts["weeks"] * costs.programme_manager_hour_gbp
    unfunded_events = max(facts["events"] - items.funded_events, 0) * costs.learning_event_gbp
    materials = costs.materials_per_home_gbp * facts["homes"]
    total = lead + management + unfunded_events + materials
    return pd.Series(total, index=runs.set_index("replication").index, name="programme_gbp", dtype=float)


def perspective_costs(table: pd.DataFrame, weeks: int, rate: float, events_gbp: pd.Series | float = 0.0,
                      suffix: str = "") -> pd.DataFrame:
    """Each perspective's cost per replication, discounted by week (columns ``cost_<perspective>_gbp<suffix>``).

    The run's costs (funder, programme, staff time) are taken as spent evenly over the weeks of
    support (an assumption: the tables hold totals, not weeks), so each is multiplied by
    :func:`~qicsim.studies.policy.prices.spread_factor`. ``events_gbp`` are the NHS costs of residents'
    events (admissions, conveyances, ...), already discounted by the week each happened.

    Args:
        table: Per replication ``funder_gbp``, ``programme_gbp``, ``nhs_time_gbp``, ``care_home_time_gbp``.
        weeks: Weeks of support.
        rate: Annual discount rate.
        events_gbp: Discounted NHS costs of residents' events per replication (0: not counted).
        suffix: Appended to the column names (e.g. ``"_sensitivity"`` for another rate).
    """
    spread = spread_factor(weeks, rate)
    out = pd.DataFrame(index=table.index)
    out[f"cost_nhs_pss_gbp{suffix}"] = (table["funder_gbp"] + table["programme_gbp"]
                                        + table["nhs_time_gbp"]) * spread + events_gbp
    out[f"cost_funder_gbp{suffix}"] = table["funder_gbp"] * spread
    out[f"cost_societal_gbp{suffix}"] = out[f"cost_nhs_pss_gbp{suffix}"] + table["care_home_time_gbp"] * spread
    return out
