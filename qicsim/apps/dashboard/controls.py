"""What the dashboard's controls offer: scenarios, a plain line per context, and presets.

The explanations (in a manager's words) and the presets are the context registry's
(``qicsim.model.contexts.CONTEXTS``). A preset sets only the sliders it names and leaves the
others where they are.
"""

from __future__ import annotations

import threading
from functools import cache

from qicsim.model.contexts import BY_NAME, CONTEXTS

COMPOSE = threading.RLock()
"""Hydra's state is global: one composition at a time across the server's sessions (threads)."""

PLAIN: dict[str, str] = {c.name: c.plain for c in CONTEXTS}
"""A plain line per context, from the registry."""

PRESETS: dict[str, dict[str, float]] = {text: {c.name: value} for c in CONTEXTS for text, value in c.presets}
"""Preset buttons, from the registry: each sets one context."""

SCENARIOS: dict[str, str] = {
    "peach": "PEACH as published",
    "all_contexts": "every context fully present",
    "no_contexts": "no context present",
    "funding_protected_time": "PEACH with protected, paid time for all",
    "funding_data_support": "PEACH with funded data support",
    "funding_facilitation": "PEACH with QI facilitators in homes",
}
"""The shipped scenarios the page offers, each with its name in plain words."""


def scenario_label(scenario: str) -> str:
    """A scenario's name in plain words (its key if it has none)."""
    return SCENARIOS.get(scenario, scenario)


def label(name: str) -> str:
    """``C4 protected time``: the code and the context's name in words."""
    return BY_NAME[name].slider_label


@cache
def scenario_intensities(scenario: str) -> dict[str, float]:
    """Each context's intensity for all sites at the start of a scenario (as shipped)."""
    from qicsim.run.api import scenario_config

    with COMPOSE:
        contexts = scenario_config(scenario).contexts
    return {c.name: float(getattr(contexts, c.name).intensity) for c in CONTEXTS}


@cache
def scenario_plans(scenario: str) -> dict[str, str]:
    """The contexts whose setting in a scenario is more than one value, each with that plan in words.

    E.g. PEACH's C1: ``"0.3, then 0.9 from week 13"``. A slider can only say one value; these
    contexts get a "follow the scenario's plan" switch instead of silently keeping it.
    """
    from qicsim.run.api import scenario_config

    with COMPOSE:
        contexts = scenario_config(scenario).contexts
    plans = {}
    for c in CONTEXTS:
        setting = getattr(contexts, c.name)
        if not setting.schedule and not setting.sites:
            continue
        parts = [f"{float(setting.intensity):g}"]
        parts += [f"{float(v):g} at {site.replace('_', ' ')}" for site, v in setting.sites.items()]
        parts += [f"then {float(step.intensity):g} from week {int(step.week)}"
                  + (f" at {step.site.replace('_', ' ')}" if step.site else "") for step in setting.schedule]
        plans[c.name] = ", ".join(parts)
    return plans


def apply_preset(values: dict, preset: str) -> dict:
    """The controls after a preset: the contexts it names set to one value throughout, the others kept."""
    preset_values = PRESETS[preset]
    plans = tuple(n for n in values.get("plans", ()) if n not in preset_values)
    return {**values, **preset_values, **({"plans": plans} if "plans" in values else {})}
