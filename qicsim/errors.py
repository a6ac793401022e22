"""The one error type bad input raises, with a one-line message."""

from __future__ import annotations


class ConfigError(ValueError):
    """A setting is missing, unknown, of the wrong type or out of range.

    The message is one line: the setting's dotted key, the value given and what is allowed.

    Args:
        key: Dotted name of the setting, e.g. ``contexts.protected_time.intensity``.
        problem: What is wrong with the value given.
        allowed: What would be accepted.
    """

    def __init__(self, key: str, problem: str, allowed: str) -> None:
        self.key = key
        self.problem = problem
        self.allowed = allowed
        super().__init__(f"{key}: {problem}; allowed: {allowed}")
