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

SCENARIOS = ("peach", "all_contexts", "no_contexts", "funding_protected_time", "funding_data_support",
             "funding_facilitation")


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


def apply_preset(values: dict[str, float], preset: str) -> dict[str, float]:
    """The slider values after a preset: the contexts it names set, the others kept."""
    return {**values, **PRESETS[preset]}
