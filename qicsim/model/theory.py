"""The programme theory as data: the CMO rows of docs/evidence.md and their expected directions.

Each row holds the context, mechanism and outcome texts of docs/evidence.md, section 2, and
what the model should show when the context is *present* rather than absent: the direction of
the context's mechanism indicator (the mechanism count ``ContextInfo.indicator``, a
``mech_<indicator>`` column of a sweep dataset) and of the run outcomes the theory names. The
rows are read from the context registry (:data:`qicsim.model.contexts.CONTEXTS`); nothing here
restates a context's facts.
"""

from __future__ import annotations

from dataclasses import dataclass

from qicsim.errors import ConfigError
from qicsim.model.contexts import CONTEXT_NAMES, CONTEXTS, ContextInfo, Expectation

__all__ = ["BY_NAME", "BY_THEORY_CODE", "THEORY", "Expectation", "TheoryRow", "theory_row"]


@dataclass(frozen=True)
class TheoryRow:
    """One context-mechanism-outcome row of the programme theory.

    Attributes:
        code: ``C1`` ... ``C10``.
        name: The context's config key (``qicsim.model.contexts.ContextInfo.name``).
        context: The context text of docs/evidence.md, section 2.
        mechanism: The mechanism text of docs/evidence.md, section 2.
        outcome: The outcome text of docs/evidence.md, section 2.
        indicator: The mechanism indicator (a mechanism count) and its direction.
        outcomes: The run outcomes the theory names, each with its direction.
    """

    code: str
    name: str
    context: str
    mechanism: str
    outcome: str
    indicator: Expectation
    outcomes: tuple[Expectation, ...]

    @property
    def indicator_column(self) -> str:
        """The indicator's column in a sweep dataset (``mech_<indicator>``)."""
        return f"mech_{self.indicator.measure}"


def _row(info: ContextInfo) -> TheoryRow:
    # A present context drives its own mechanism count up: the indicator's sign is +1 for all.
    return TheoryRow(info.code, info.name, info.evidence.context, info.evidence.mechanism, info.evidence.outcome,
                     Expectation(info.indicator, +1), info.expected)


THEORY: tuple[TheoryRow, ...] = tuple(_row(info) for info in CONTEXTS)
"""The rows C1-C10, in code order."""

BY_NAME: dict[str, TheoryRow] = {row.name: row for row in THEORY}
BY_THEORY_CODE: dict[str, TheoryRow] = {row.code: row for row in THEORY}


def theory_row(context: str) -> TheoryRow:
    """The programme theory's row for a context.

    Args:
        context: A context name (``protected_time``) or code (``C4``).

    Returns:
        The row.

    Raises:
        ConfigError: For an unknown context.
    """
    row = BY_NAME.get(context) or BY_THEORY_CODE.get(context)
    if row is None:
        raise ConfigError("context", f"unknown context {context!r}", f"one of {', '.join(CONTEXT_NAMES)}")
    return row
