"""Funding options (``configs/funding/<name>.yaml``): what each buys, as overrides onto PEACH, and its items.

An option file holds:

* ``description``: one line;
* ``overrides``: Hydra overrides onto the ``peach`` scenario: the contexts, intensities and
  parameters it buys (targeting: ``parameters.protected_roles``; per-site intensities);
* ``events`` (optional): learning events held, spread evenly over support (default: the scenario's);
* ``items``: what the funder pays for (:class:`qicsim.studies.policy.costs.Items`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import yaml

from qicsim.config.changes import check_model_settings
from qicsim.errors import ConfigError
from qicsim.studies.policy.costs import Items

FUNDING_FOLDER = "funding"
SCENARIO = "peach"
BASELINE = "baseline"
SITES = 4  # a case's homes are spread over PEACH's 4 sites (--homes)
KEYS = ("description", "overrides", "events", "items")


@dataclass(frozen=True)
class Option:
    """A funding option.

    Attributes:
        name: The file's stem.
        description: One line.
        overrides: Hydra overrides onto the peach scenario.
        events: Learning events held (None: the scenario's weeks).
        items: What the funder pays for.
    """

    name: str
    description: str
    overrides: tuple[str, ...]
    events: int | None
    items: Items


def funding_folder(config_dir: Path | None = None) -> Path:
    """``configs/funding`` of the shipped (or given) config folder."""
    if config_dir is None:
        from qicsim.config.loader import config_dir as shipped

        config_dir = shipped()
    return config_dir / FUNDING_FOLDER


def option_names(config_dir: Path | None = None) -> list[str]:
    """The shipped options, the baseline first, then by name."""
    names = sorted(p.stem for p in funding_folder(config_dir).glob("*.yaml"))
    return sorted(names, key=lambda n: n != BASELINE)


def load_option(name_or_path: str, config_dir: Path | None = None) -> Option:
    """Read and check one option: a shipped name or a ``.yaml`` path.

    Raises:
        ConfigError: One line naming the file and key.
    """
    path = Path(name_or_path)
    if path.suffix not in (".yaml", ".yml"):
        path = funding_folder(config_dir) / f"{name_or_path}.yaml"
    if not path.is_file():
        allowed = ", ".join(option_names(config_dir))
        raise ConfigError("--options", f"{name_or_path} is not a funding option", f"{allowed}, or a .yaml path")
    try:
        raw = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as error:
        raise ConfigError(str(path), f"not YAML ({str(error).splitlines()[0]})", "a YAML mapping") from None
    return parse_option(path.stem, raw, str(path))


def parse_option(name: str, raw: Any, where: str) -> Option:
    """Check an option given as a mapping."""
    if not isinstance(raw, dict):
        raise ConfigError(where, "not a mapping", ", ".join(KEYS))
    unknown = sorted(set(raw) - set(KEYS))
    if unknown:
        raise ConfigError(f"{where}: {unknown[0]}", "unknown key", ", ".join(KEYS))
    overrides = raw.get("overrides") or []
    if not isinstance(overrides, list) or not all(isinstance(o, str) for o in overrides):
        raise ConfigError(f"{where}: overrides", "not a list of overrides", "e.g. [contexts.qi_coaching.intensity=1]")
    # What an option buys changes the model; the scenario (peach) and how it runs (the case's replications, seed
    # and ensemble) are the comparison's own, so another value would be silently outdone yet recorded.
    check_model_settings(overrides, f"{where}: overrides", "replications, seed and ensemble as qicsim compare's "
                         "arguments")
    events = raw.get("events")
    if events is not None and (isinstance(events, bool) or not isinstance(events, int) or events < 0):
        raise ConfigError(f"{where}: events", f"{events!r} is not a count", "an integer >= 0")
    return Option(name=name, description=str(raw.get("description", "")), overrides=tuple(overrides),
                  events=events, items=parse_items(raw.get("items") or {}, f"{where}: items"))


def parse_items(raw: Any, where: str) -> Items:
    """Check an option's items against :class:`Items`'s fields and types."""
    if not isinstance(raw, dict):
        raise ConfigError(where, "not a mapping", "backfill, facilitation, coaching_hours_per_site_week, ...")
    kinds = {f.name: f.type for f in fields(Items)}
    unknown = sorted(set(raw) - set(kinds))
    if unknown:
        raise ConfigError(f"{where}.{unknown[0]}", "unknown item", ", ".join(kinds))
    for key, value in raw.items():
        if kinds[key] == "bool" and not isinstance(value, bool):
            raise ConfigError(f"{where}.{key}", f"{value!r} is not true or false", "true or false")
        if kinds[key] != "bool" and (isinstance(value, bool) or not isinstance(value, int | float)
                                     or not math.isfinite(value) or value < 0):
            raise ConfigError(f"{where}.{key}", f"{value!r} is not a number >= 0", "a finite number >= 0")
        if kinds[key] == "int" and value != int(value):
            raise ConfigError(f"{where}.{key}", f"{value!r} is not a whole number", "an integer >= 0")
    return Items(**raw)


def override_text(option: Option, key: str) -> str:
    """The text an option's override gives ``key`` (e.g. ``[care_home]`` for ``parameters.protected_roles``).

    Raises:
        ConfigError: If the option sets ``key`` nowhere (one line naming the option and the key).
    """
    found = [value for name, _, value in (o.partition("=") for o in option.overrides) if name.strip() == key]
    if not found:
        raise ConfigError(f"configs/funding/{option.name}.yaml: overrides", f"{key} is not set",
                          f"an override {key}=<value>")
    return found[-1].strip()


def override_value(option: Option, key: str) -> Any:
    """The value an option's override gives ``key`` (e.g. ``contexts.qi_coaching.intensity``), as YAML reads it.

    Raises:
        ConfigError: If the option sets ``key`` nowhere.
    """
    return yaml.safe_load(override_text(option, key))


def event_weeks(events: int, weeks: int) -> list[int]:
    """``events`` learning events spread evenly over ``weeks``: the first in week 0, the last in the final week."""
    if events <= 0:
        return []
    if events == 1:
        return [0]
    return sorted({round(i * (weeks - 1) / (events - 1)) for i in range(events)})


def homes_per_site(homes: int, sites: int = SITES) -> list[int]:
    """``homes`` spread as evenly as possible over PEACH's 4 sites (fewer sites if fewer homes)."""
    sites = max(1, min(sites, homes))
    return [homes // sites + (i < homes % sites) for i in range(sites)]
