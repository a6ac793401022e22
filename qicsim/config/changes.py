"""What a config changes from its scenario as shipped: the overrides, read back from the values.

Figures name their conditions by these changes (``peach`` with
``contexts.protected_time.intensity=0``), whichever way the config was made: a command-line
override, ``qicsim.run(..., overrides=...)`` or a sweep point. Comparing values, not the
command line, means an override that sets a value to what the scenario already has is no change.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from qicsim.errors import ConfigError

NOT_A_CHANGE = ("run", "sweep", "description", "scenario")  # how a result was run, not what it means


def flatten(values: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested dicts as one dict of dotted keys; lists stay values."""
    flat: dict[str, Any] = {}
    for key, value in values.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            flat.update(flatten(value, f"{dotted}."))
        else:
            flat[dotted] = value
    return flat


def format_value(value: Any) -> str:
    """A value as an override would write it (``0``, ``0.5``, ``[5,5]``)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return "[" + ",".join(format_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(f"{k}: {format_value(v)}" for k, v in value.items()) + "}"
    return str(value)


def changes_from_scenario(config: dict[str, Any]) -> list[str]:
    """The settings in which a config differs from its scenario as shipped, as ``key=value`` strings.

    Args:
        config: A validated config as a plain dict (``dataclasses.asdict(config)``).

    Returns:
        ``key=value`` for each changed setting, in the schema's order; empty if the scenario
        cannot be composed on its own (e.g. one found only through ``hydra.searchpath``).
    """
    from qicsim.config.loader import load_config  # Hydra, only when a figure needs a name

    try:
        base = asdict(load_config([f"scenario={config['scenario']}"]))
    except ConfigError:
        return []
    mine = {k: v for k, v in config.items() if k not in NOT_A_CHANGE}
    theirs = flatten({k: v for k, v in base.items() if k not in NOT_A_CHANGE})
    return [f"{key}={format_value(value)}" for key, value in flatten(mine).items() if theirs.get(key) != value]
