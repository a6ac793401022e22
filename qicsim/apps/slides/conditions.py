"""Conditions to compare on a slide: a scenario and its overrides, run on the same seeds.

A condition is written ``scenario`` or ``scenario:override,override``
(``peach:contexts.protected_time.intensity=0``). Every condition runs the same replications
from the same master seed, so replication ``i`` of each starts from the same seed (common
random numbers) and the difference between conditions is the change, not the draw.
"""

from __future__ import annotations

from dataclasses import dataclass

from qicsim.config.schema import Config, contexts_as_plain
from qicsim.errors import ConfigError
from qicsim.model.contexts import BY_NAME, CONTEXTS

FALLBACK_MECHANISM = "qic_hours_members"  # when no context differs between the conditions


@dataclass(frozen=True)
class Condition:
    """A scenario and the overrides applied to it.

    Attributes:
        scenario: A scenario in ``configs/scenario``.
        overrides: Hydra-style overrides, e.g. ``("contexts.protected_time.intensity=0",)``.
    """

    scenario: str
    overrides: tuple[str, ...] = ()

    def describe(self) -> str:
        """``scenario`` or ``scenario: override, override``."""
        return f"{self.scenario}: {', '.join(self.overrides)}" if self.overrides else self.scenario


def parse_condition(text: str) -> Condition:
    """A condition from ``scenario`` or ``scenario:override,override``.

    Raises:
        ConfigError: If the scenario is empty or an override has no ``=``.
    """
    scenario, _, rest = text.partition(":")
    scenario = scenario.strip()
    if not scenario:
        raise ConfigError("condition", f"{text!r} names no scenario", "scenario or scenario:key=value,key=value")
    overrides = tuple(o.strip() for o in split_overrides(rest) if o.strip())
    for override in overrides:
        if "=" not in override:
            raise ConfigError("condition", f"{override!r} in {text!r} is not key=value",
                              "scenario or scenario:key=value,key=value")
    return Condition(scenario, overrides)


def split_overrides(text: str) -> list[str]:
    """Split on commas outside brackets and braces (a schedule's list holds commas)."""
    parts, depth, current = [], 0, ""
    for char in text:
        depth += char in "[{"
        depth -= char in "]}"
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    return [*parts, current]


def labels(conditions: list[Condition]) -> tuple[str, list[str]]:
    """A title for what all conditions share, and a label per condition for what differs.

    Returns:
        The shared part (``peach`` or ``peach: run.x=1``) and one label per condition: its
        scenario if the scenarios differ, and its own overrides; ``<scenario> as shipped`` for
        a condition with nothing of its own.
    """
    scenarios = {c.scenario for c in conditions}
    shared = [o for o in conditions[0].overrides if all(o in c.overrides for c in conditions)]
    title = " vs ".join(dict.fromkeys(c.scenario for c in conditions))
    if shared:
        title += ": " + ", ".join(shared)
    out = []
    for condition in conditions:
        own = [o for o in condition.overrides if o not in shared]
        if len(scenarios) > 1:
            out.append(", ".join([condition.scenario, *own]))
        else:
            out.append(", ".join(own) if own else f"{condition.scenario} as shipped")
    return title, out


def plain_scenario(scenario: str) -> str:
    """``peach`` -> ``PEACH``, ``no_contexts`` -> ``no contexts``: a scenario's name as a slide says it."""
    return {"peach": "PEACH", "peach_calibrated": "PEACH calibrated", "prosper": "PROSPER",
            "space": "SPACE"}.get(scenario, scenario.replace("_", " "))


def plain_override(override: str, others: tuple[str, ...] = ()) -> str | None:
    """An override in words: ``contexts.protected_time.intensity=0`` -> ``C4 protected time at 0``.

    ``others`` are the condition's other overrides: a context's emptied schedule beside its
    intensity is said as "throughout" on the intensity, and nothing on its own (None).
    """
    key, _, value = override.partition("=")
    parts = key.split(".")
    if parts[0] == "contexts" and len(parts) == 3 and parts[1] in BY_NAME:
        info = BY_NAME[parts[1]]
        words = f"{info.code} {info.name.replace('_', ' ')}"
        if parts[2] == "intensity":
            steady = f"contexts.{parts[1]}.schedule=[]" in others
            return f"{words} at {value}" + (" throughout" if steady else "")
        if parts[2] == "schedule" and value == "[]" and f"contexts.{parts[1]}.intensity" in {
                o.partition("=")[0] for o in others}:
            return None
        return f"{words}: {parts[2]} {value}"
    if key == "structure":  # a whole structure chosen (configs/structure/<value>.yaml)
        return f"{value.replace('_', ' ')} structure"
    name = parts[-1].replace("_", " ")
    return f"{name}: {value.replace('_', ' ')}" if parts[0] == "structure" else f"{name} = {value}"


def plain_labels(conditions: list[Condition]) -> tuple[str, list[str]]:
    """Like :func:`labels`, in plain words for a slide's title and legend (no config keys).

    Returns:
        What all conditions share (``PEACH``) and one label per condition (``PEACH as published``,
        ``C4 protected time at 0``).
    """
    scenarios = {c.scenario for c in conditions}
    shared = [o for o in conditions[0].overrides if all(o in c.overrides for c in conditions)]
    title = " vs ".join(dict.fromkeys(plain_scenario(c.scenario) for c in conditions))
    said = [t for t in (plain_override(o, tuple(shared)) for o in shared) if t]
    if said:
        title += f" ({', '.join(said)})"
    out = []
    for condition in conditions:
        own = [o for o in condition.overrides if o not in shared]
        words = [t for t in (plain_override(o, tuple(own)) for o in own) if t]
        if len(scenarios) > 1:
            out.append(", ".join([plain_scenario(condition.scenario), *words]))
        else:
            # A whole structure chosen for every condition leaves the scenario's own settings as published.
            settings_kept = all(o.startswith("structure=") for o in shared)
            shipped = "as published" if condition.scenario == "peach" and settings_kept else "unchanged"
            out.append(", ".join(words) if words else f"{plain_scenario(condition.scenario)} {shipped}")
    return title, out


def differing_contexts(configs: list[Config]) -> list[str]:
    """Contexts whose settings differ between the configs, in the order C1-C10."""
    plain = [contexts_as_plain(c.contexts) for c in configs]
    return [c.name for c in CONTEXTS if any(p.get(c.name) != plain[0].get(c.name) for p in plain[1:])]


def default_mechanism(configs: list[Config]) -> str:
    """The mechanism count of the first context that differs (its indicator, qicsim.model.contexts)."""
    names = differing_contexts(configs)
    if not names:
        return FALLBACK_MECHANISM
    return BY_NAME[names[0]].indicator


def check_same_design(configs: list[Config]) -> None:
    """Conditions must share weeks and sites, or the panels would not line up.

    Raises:
        ConfigError: Naming the setting that differs.
    """
    first = configs[0].structure
    for config in configs[1:]:
        for key in ("total_weeks", "homes_per_site"):
            if getattr(config.structure, key) != getattr(first, key):
                raise ConfigError(f"structure.{key}", "differs between the conditions",
                                  "conditions with the same weeks and sites, so that they share axes")
