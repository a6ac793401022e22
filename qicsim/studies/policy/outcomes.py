"""Outcomes residents and funders recognise: falls, infections and admissions averted, QALYs, cost offsets, net benefit.

Post-processing of a run (the model is untouched). The model counts avoidable problems arising in each
home each week (``problems_arising``, process 10: falls, infections and potentially avoidable admissions
together, at the sourced per-bed rates, cut by improvements in place). This module

* reads the kinds the model counted (``by_topic``), or tells the three of a topic-blind run apart by the
  shares of their per-bed rates in the run's config (the model cuts all three alike, so the expected split is
  the rates' split);
* turns each event into hospital use (ambulance conveyances, A&E attendances, admissions, bed days,
  GP contacts), NHS costs at the price year and QALYs lost (disutility x duration, or a QALY loss per
  event), from ``configs/outcomes/<name>.yaml``, each figure with its source or labelled;
* discounts costs and QALYs by the week each event arose (:func:`~qicsim.studies.policy.prices.discount_factors`);
* and, in :func:`net_benefit`, compares each option with the baseline replication by replication (the same
  seeds): events averted, QALYs gained, cost offsets, incremental cost from each perspective, net
  monetary benefit at GBP 20k and 30k per QALY (NHS and personal social services, the reference case)
  and net benefit per extra sustained improvement.

The horizon is the run's: the weeks of support and of follow-up. Under ``structure.prevention = by_topic`` the
model counts falls, infections, admissions and pressure ulcers apart, each cut only by the improvement topics
sourced to act on it (:mod:`qicsim.model.prevention`), and those counts are read directly. Under the default,
topic-blind ``uniform``, the three kinds are told apart by their rates' shares and pressure ulcers are 0 (not in
its stream); docs/outcomes_by_topic.md says why a split by topic cannot be made after such a run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from qicsim.errors import ConfigError
from qicsim.model.prevention import KIND_RATES, kinds_of
from qicsim.studies.policy.costs import PERSPECTIVES, UnitCosts, shipped_config_dir
from qicsim.studies.policy.prices import WEEKS_PER_YEAR, discount_factors, read_yaml, year_start

OUTCOMES_FOLDER = "outcomes"
EVENT_RATES = KIND_RATES
"""The model's kinds of avoidable problem and the per-bed rate (``parameters.*``) of each (pressure ulcers arise
only under ``structure.prevention = by_topic``)."""
EVENT_FIELDS = ("conveyance_share", "ae_share", "admission_share", "gp_consultations")
QALY_FIELDS = ("disutility", "disutility_weeks", "qaly_loss")
UNIT_COSTS = ("admission", "ae_attendance", "conveyance", "gp_consultation")
USE = {"conveyances": "conveyance_share", "ae_attendances": "ae_share", "hospital_admissions": "admission_share",
       "gp_consultations": "gp_consultations"}
"""Hospital and GP use per replication, and the field of an event giving it per event."""
PRICE_OF_USE = {"conveyances": "conveyance", "ae_attendances": "ae_attendance", "hospital_admissions": "admission",
                "gp_consultations": "gp_consultation"}
COUNTS = (*EVENT_RATES, *USE, "bed_days")
"""The per-replication counts (undiscounted): events, hospital and GP use, bed days."""
AVERTED = ("falls", "infections", "admissions", "pressure_ulcers", "conveyances", "hospital_admissions", "bed_days")
LEVEL = 0.95
BOOTSTRAP = 2000


@dataclass(frozen=True)
class Outcomes:
    """What an event means, at the cost file's price year.

    Attributes:
        events: Per kind of event (:data:`EVENT_RATES`): the uses of :data:`EVENT_FIELDS` per event and
            ``qaly_loss`` (QALYs lost per event, undiscounted) and, where the file gives them, its
            ``disutility`` and ``disutility_weeks``.
        bed_days_per_admission: Hospital days per admission.
        unit_costs: GBP per use (:data:`UNIT_COSTS`), at the price year.
        wtp: Willingness to pay per QALY (GBP) at which net benefit is reported.
        sources: Each value's source (and year), by dotted key.
    """

    events: dict[str, dict[str, float]]
    bed_days_per_admission: float
    unit_costs: dict[str, float]
    wtp: tuple[float, ...]
    sources: dict[str, str]

    def cost_per_event(self) -> dict[str, float]:
        """NHS cost of one event of each kind (GBP at the price year)."""
        return {kind: sum(uses[USE[use]] * self.unit_costs[PRICE_OF_USE[use]] for use in USE)
                for kind, uses in self.events.items()}


def outcomes_path(name_or_path: str | Path, config_dir: Path) -> Path:
    """A shipped outcome file's name (``configs/outcomes/<name>.yaml``), or the path given."""
    path = Path(name_or_path)
    return path if path.suffix in (".yaml", ".yml") else config_dir / OUTCOMES_FOLDER / f"{name_or_path}.yaml"


def load_outcomes(name_or_path: str | Path, costs: UnitCosts, config_dir: Path | None = None) -> Outcomes:
    """Read and check an outcome file; its costs are priced at ``costs``' price year with its index.

    Raises:
        ConfigError: One line naming the file and the field.
    """
    config_dir = shipped_config_dir() if config_dir is None else config_dir
    path = outcomes_path(name_or_path, config_dir)
    if not path.is_file():
        raise ConfigError("--outcomes", f"{path} does not exist", "a file in configs/outcomes or a .yaml path")
    raw = read_yaml(path)
    return parse_outcomes(raw, costs, str(path))


def parse_outcomes(raw: Any, costs: UnitCosts, where: str = "outcomes") -> Outcomes:
    """Check outcome parameters given as a mapping (the YAML file's content).

    Raises:
        ConfigError: One line naming ``where`` and the field.
    """
    keys = ("events", "bed_days_per_admission", "unit_costs_gbp", "wtp_gbp_per_qaly")
    if not isinstance(raw, dict):
        raise ConfigError(where, "not a mapping", ", ".join(keys))
    unknown = sorted(set(raw) - set(keys))
    if unknown:
        raise ConfigError(f"{where}: {unknown[0]}", "unknown key", ", ".join(keys))
    for key in keys:
        if key not in raw:
            raise ConfigError(f"{where}: {key}", "missing", ", ".join(keys))
    sources: dict[str, str] = {}
    events_raw = mapping(raw["events"], f"{where}: events", EVENT_RATES)
    events = {kind: parse_event(mapping(events_raw[kind], f"{where}: events.{kind}", ()), f"{where}: events.{kind}",
                                sources) for kind in EVENT_RATES}
    bed_days = quantity(raw["bed_days_per_admission"], f"{where}: bed_days_per_admission", sources, hi=365)
    prices = mapping(raw["unit_costs_gbp"], f"{where}: unit_costs_gbp", UNIT_COSTS)
    unit_costs = {name: price(prices[name], f"{where}: unit_costs_gbp.{name}", sources, costs) for name in UNIT_COSTS}
    wtp = raw["wtp_gbp_per_qaly"]
    if (not isinstance(wtp, list) or not wtp
            or not all(not isinstance(v, bool) and isinstance(v, int | float) and np.isfinite(v) and v >= 0
                       for v in wtp)):
        raise ConfigError(f"{where}: wtp_gbp_per_qaly", f"{wtp!r} is not a list of amounts", "e.g. [20000, 30000]")
    return Outcomes(events=events, bed_days_per_admission=bed_days, unit_costs=unit_costs,
                    wtp=tuple(float(v) for v in wtp), sources=sources)


def mapping(raw: Any, key: str, required: tuple[str, ...] | dict[str, str]) -> dict:
    """A mapping with every required key and no other (when ``required`` is given)."""
    if not isinstance(raw, dict):
        raise ConfigError(key, "not a mapping", ", ".join(required) or "a mapping")
    if required:
        unknown = sorted(set(raw) - set(required))
        if unknown:
            raise ConfigError(f"{key}.{unknown[0]}", "unknown key", ", ".join(required))
        missing = [k for k in required if k not in raw]
        if missing:
            raise ConfigError(f"{key}.{missing[0]}", "missing", ", ".join(required))
    return raw


def quantity(entry: Any, key: str, sources: dict[str, str], hi: float = np.inf) -> float:
    """``{value, source}``: a finite number in [0, ``hi``] with its source."""
    value = entry.get("value") if isinstance(entry, dict) else entry
    if isinstance(value, bool) or not isinstance(value, int | float) or not np.isfinite(value) or not 0 <= value <= hi:
        raise ConfigError(key, f"{value!r} is out of range", f"a number in [0, {hi:g}] with its source")
    if not isinstance(entry, dict) or not entry.get("source"):
        raise ConfigError(f"{key}.source", "missing", "where the figure comes from, or 'assumption: why'")
    sources[key.split(": ", 1)[-1]] = str(entry["source"])
    return float(value)


def price(entry: Any, key: str, sources: dict[str, str], costs: UnitCosts) -> float:
    """A unit cost ``{value, source, year}`` at the cost file's price year."""
    value = quantity(entry, key, sources)
    year = str(entry.get("year", ""))
    year_start(year, f"{key}.year")
    priced = costs.at_price_year(value, year, f"{key}.year")
    name = key.split(": ", 1)[-1]
    sources[name] = f"{sources[name]} ({year}); x {priced / value if value else 1.0:.4f} to {costs.price_year}"
    return priced


def parse_event(raw: dict, key: str, sources: dict[str, str]) -> dict[str, float]:
    """One kind of event: its uses per event and its QALY loss (``qaly_loss``, or ``disutility`` x weeks)."""
    allowed = (*EVENT_FIELDS, *QALY_FIELDS)
    unknown = sorted(set(raw) - set(allowed))
    if unknown:
        raise ConfigError(f"{key}.{unknown[0]}", "unknown key", ", ".join(allowed))
    event = {}
    for name in EVENT_FIELDS:
        if name not in raw:
            raise ConfigError(f"{key}.{name}", "missing", ", ".join(EVENT_FIELDS))
        event[name] = quantity(raw[name], f"{key}.{name}", sources, hi=1 if name.endswith("_share") else 100)
    by_loss, by_disutility = "qaly_loss" in raw, "disutility" in raw or "disutility_weeks" in raw
    if by_loss == by_disutility:
        raise ConfigError(key, "gives " + ("both qaly_loss and disutility" if by_loss else "no QALY loss"),
                          "qaly_loss, or disutility and disutility_weeks")
    if by_loss:
        event["qaly_loss"] = quantity(raw["qaly_loss"], f"{key}.qaly_loss", sources, hi=1)
    else:
        for name in ("disutility", "disutility_weeks"):
            if name not in raw:
                raise ConfigError(f"{key}.{name}", "missing", "disutility and disutility_weeks together")
        disutility = quantity(raw["disutility"], f"{key}.disutility", sources, hi=1)
        weeks = quantity(raw["disutility_weeks"], f"{key}.disutility_weeks", sources, hi=520)
        event["qaly_loss"] = disutility * weeks / WEEKS_PER_YEAR
        # Kept beside their product: the probabilistic sensitivity analysis (psa.py) draws them apart.
        event["disutility"], event["disutility_weeks"] = disutility, weeks
    return event


def event_shares(config: dict[str, Any]) -> dict[str, float]:
    """Each kind of event's share of the avoidable problems of a topic-blind (``uniform``) run, from its rates.

    Pressure ulcers are not in the ``uniform`` stream: their share is 0 there.
    """
    held = kinds_of(prevention_of(config))
    rates = {kind: float(config["parameters"][name]) if kind in held else 0.0 for kind, name in EVENT_RATES.items()}
    total = sum(rates.values())
    return {kind: (rate / total if total > 0 else 0.0) for kind, rate in rates.items()}


def prevention_of(config: dict[str, Any]) -> str:
    """A run's ``structure.prevention`` (``uniform`` in a record made before the switch existed)."""
    return str(config.get("structure", {}).get("prevention", "uniform"))


def weekly_problems(mechanisms_weekly: pd.DataFrame, mechanism: str = "problems_arising") -> pd.DataFrame:
    """Problems arising (or one kind of them) per replication (rows) and week (columns), summed over sites."""
    rows = mechanisms_weekly[mechanisms_weekly["mechanism"] == mechanism]
    return rows.pivot_table(index="replication", columns="week", values="value", aggfunc="sum", fill_value=0.0)


def weekly_by_kind(mechanisms_weekly: pd.DataFrame, config: dict[str, Any],
                   replications: pd.Index | None = None) -> dict[str, pd.DataFrame]:
    """Each kind of event per replication and week.

    Under ``structure.prevention = by_topic`` the model counts the kinds (``problems_arising_<kind>``); a
    topic-blind (``uniform``) run's problems are split by the shares of their rates (:func:`event_shares`), the
    expected split, since every improvement cuts every kind alike there.

    Args:
        mechanisms_weekly: The run's weekly mechanism counts.
        config: The run's validated config.
        replications: The rows wanted (missing ones filled with 0); all the run's if None.
    """
    total = weekly_problems(mechanisms_weekly)
    index = total.index if replications is None else replications
    total = total.reindex(index, fill_value=0.0)
    if prevention_of(config) == "uniform":
        return {kind: total * share for kind, share in event_shares(config).items()}
    return {kind: weekly_problems(mechanisms_weekly, f"problems_arising_{kind}").reindex(
        index=index, columns=total.columns, fill_value=0.0) for kind in EVENT_RATES}


def resident_outcomes(weekly: dict[str, pd.DataFrame], outcomes: Outcomes, rates: dict[str, float]) -> pd.DataFrame:
    """Events, hospital use, QALYs lost and NHS costs of each replication.

    Args:
        weekly: Each kind of event per replication and week (:func:`weekly_by_kind`).
        outcomes: What an event means.
        rates: Discount rates by column suffix, e.g. ``{"": 0.035, "_sensitivity": 0.015}``.

    Returns:
        Index ``replication``: the counts of :data:`COUNTS` (undiscounted), and for each suffix
        ``qalys_lost<suffix>`` and ``events_gbp<suffix>`` discounted by the week each event arose.
    """
    first = next(iter(weekly.values()))
    out = pd.DataFrame(index=first.index)
    for kind in EVENT_RATES:
        out[kind] = weekly[kind].sum(axis=1)
    for use, field in USE.items():
        out[use] = sum(out[kind] * outcomes.events[kind][field] for kind in EVENT_RATES)
    out["bed_days"] = out["hospital_admissions"] * outcomes.bed_days_per_admission
    per_event_cost = outcomes.cost_per_event()
    for suffix, rate in rates.items():
        factors = discount_factors(first.columns.to_numpy(), rate)
        discounted = {kind: weekly[kind].to_numpy() @ factors for kind in EVENT_RATES}
        out[f"qalys_lost{suffix}"] = sum(discounted[k] * outcomes.events[k]["qaly_loss"] for k in EVENT_RATES)
        out[f"events_gbp{suffix}"] = sum(discounted[k] * per_event_cost[k] for k in EVENT_RATES)
    return out


def events_cost_by_year(weekly: dict[str, pd.DataFrame], outcomes: Outcomes) -> pd.DataFrame:
    """The NHS costs of residents' events by year of the horizon, undiscounted (a budget impact's view).

    Year ``k`` (from 1) holds weeks ``52 (k - 1)`` to ``52 k - 1`` from the start of support; the last year
    may be short. Columns ``events_gbp_year_<k>``, index ``replication``; their sum is the undiscounted
    ``events_gbp``.
    """
    per_event = outcomes.cost_per_event()
    cost = sum(weekly[k] * per_event[k] for k in EVENT_RATES)
    years = (cost.columns.to_numpy(dtype=float) // WEEKS_PER_YEAR).astype(int)
    out = pd.DataFrame(index=cost.index)
    for year in range(int(years.max()) + 1 if len(years) else 0):
        out[f"events_gbp_year_{year + 1}"] = cost.loc[:, years == year].sum(axis=1)
    return out


def outcome_record(outcomes: Outcomes, file: str) -> dict[str, Any]:
    """What an outcome file means, as ``provenance.json["outcomes"]`` and the report's inputs sheet record it."""
    return {"file": file, "per_event": outcomes.events, "bed_days_per_admission": outcomes.bed_days_per_admission,
            "unit_costs_gbp": outcomes.unit_costs, "wtp_gbp_per_qaly": list(outcomes.wtp),
            "sources": outcomes.sources}


def net_benefit(per_rep: pd.DataFrame, baseline: str, wtp: tuple[float, ...], seed: int) -> pd.DataFrame:
    """Each option against ``baseline``, replication by replication: what residents gain and what it is worth.

    Every difference is paired by replication (the options ran on the same seeds): events averted
    (baseline minus option), QALYs gained, cost offsets (the NHS costs of the events averted, GBP),
    incremental cost from each perspective, net monetary benefit ``wtp x QALYs gained - incremental
    NHS and PSS cost`` (the reference case; also at the sensitivity discount rate) and net benefit per
    extra sustained improvement (mean net benefit over mean extra sustained improvements; NaN unless
    the option sustains more). Each with its mean and a 95% percentile-bootstrap interval of the mean.

    Args:
        per_rep: The comparison's replications, with the columns of :func:`resident_outcomes` and the
            perspectives' costs.
        baseline: The option compared with.
        wtp: Willingness to pay per QALY (GBP).
        seed: Seeds the bootstrap (reproducible tables).

    Returns:
        One row per option other than the baseline: ``option``, ``compared_with`` and, each with
        ``_lo`` and ``_hi``: ``<event>_averted`` (:data:`AVERTED`), ``qalys_gained``, ``offsets_gbp``,
        ``inc_cost_<perspective>_gbp``, ``extra_sustained``, ``nmb_<wtp>`` (e.g. ``nmb_20000``),
        ``nmb_<wtp>_sensitivity``; and ``nmb_<wtp>_per_extra_sustained``.
    """
    rng = np.random.default_rng([seed, 21])
    indexed = per_rep.set_index(["option", "replication"]).sort_index()
    base = indexed.loc[baseline]
    rows = []
    for option in [o for o in pd.unique(per_rep["option"]) if o != baseline]:
        group = indexed.loc[option]
        diff = pd.DataFrame(index=base.index)
        for column in AVERTED:
            diff[f"{column}_averted"] = base[column] - group[column]
        diff["qalys_gained"] = base["qalys_lost"] - group["qalys_lost"]
        diff["offsets_gbp"] = base["events_gbp"] - group["events_gbp"]
        for perspective in PERSPECTIVES:
            diff[f"inc_cost_{perspective}_gbp"] = group[f"cost_{perspective}_gbp"] - base[f"cost_{perspective}_gbp"]
        diff["extra_sustained"] = group["sustained"] - base["sustained"]
        qalys_sens = base["qalys_lost_sensitivity"] - group["qalys_lost_sensitivity"]
        cost_sens = group["cost_nhs_pss_gbp_sensitivity"] - base["cost_nhs_pss_gbp_sensitivity"]
        for value in wtp:
            diff[f"nmb_{value:.0f}"] = value * diff["qalys_gained"] - diff["inc_cost_nhs_pss_gbp"]
            diff[f"nmb_{value:.0f}_sensitivity"] = value * qalys_sens - cost_sens
        row: dict[str, Any] = {"option": option, "compared_with": baseline}
        for column in diff.columns:
            x = diff[column].to_numpy(dtype=float)
            means = x[rng.integers(0, len(x), size=(BOOTSTRAP, len(x)))].mean(axis=1)
            lo, hi = np.quantile(means, [(1 - LEVEL) / 2, (1 + LEVEL) / 2])
            row.update({column: float(x.mean()), f"{column}_lo": float(lo), f"{column}_hi": float(hi)})
        extra = row["extra_sustained"]
        for value in wtp:
            row[f"nmb_{value:.0f}_per_extra_sustained"] = row[f"nmb_{value:.0f}"] / extra if extra > 0 else np.nan
        rows.append(row)
    return pd.DataFrame(rows)
