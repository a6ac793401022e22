"""The programme theory as data: the CMO rows of docs/evidence.md and their expected directions.

Each row holds the context, mechanism and outcome texts of docs/evidence.md, section 2
(copied verbatim), and what the model should show when the context is *present* rather than
absent: the direction of the context's mechanism indicator (the mechanism count
``ContextInfo.indicator``, a ``mech_<indicator>`` column of a sweep dataset) and of the run
outcomes the theory names.

The directions are those the CMO tests check (``tests/helpers/cmo.py``, ``CMO_EXPECTATIONS``),
read for a context switched *on*: those tests switch C1-C9 *off*, so their signs are flipped
here; they switch C10 (data support) on, so its signs are kept.
"""

from __future__ import annotations

from dataclasses import dataclass

from qicsim.errors import ConfigError
from qicsim.model.contexts import BY_CODE, CONTEXT_NAMES


@dataclass(frozen=True)
class Expectation:
    """An expected direction of a measure when a context is present.

    Attributes:
        measure: A mechanism count (for the indicator) or a run outcome name.
        sign: +1 if the measure should rise with the context, -1 if it should fall.
    """

    measure: str
    sign: int

    @property
    def direction(self) -> str:
        """``"up"`` or ``"down"``."""
        return "up" if self.sign > 0 else "down"


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


def _row(code: str, context: str, mechanism: str, outcome: str, outcomes: tuple[tuple[str, int], ...]) -> TheoryRow:
    # The indicator is the context's own mechanism count (ContextInfo.indicator); a present
    # context drives its own mechanism up, so its expected sign is +1 for every context.
    info = BY_CODE[code]
    return TheoryRow(code, info.name, context, mechanism, outcome, Expectation(info.indicator, +1),
                     tuple(Expectation(*o) for o in outcomes))


THEORY: tuple[TheoryRow, ...] = (
    _row("C1", "a broad, easily understood remit",
         "members see how the remit fits their own work; ideas fall within scope",
         "teams choose, implement and iterate improvements",
         (("implemented", +1), ("iterated", +1))),
    _row("C2", "members recruited with established NHS-care home partnership working",
         "existing trust; little set-up time; readier joint work",
         "faster implementation",
         (("mean_weeks_to_first_implementation", -1), ("implemented", +1))),
    _row("C3", "strategies that build relationships and minimise hierarchy (appreciative language, "
         "celebrating success, ice-breakers, ground rules, paying care home staff, small gestures)",
         "care home staff feel valued and safe to speak; ties form across professions",
         "care home staff contribute ideas and lead",
         (("projects_led_care_home", +1),)),
    _row("C4", "staff time protected and paid",
         "taking part becomes feasible beside care duties",
         "attendance and active work",
         (("attendances", +1), ("implemented", +1))),
    _row("C5", "improvements aligned with existing work and priorities",
         "the work feels like the day job, not extra",
         "implementation, and later sustainment",
         (("implemented", +1), ("sustained_share", +1))),
    _row("C6", "QI coaching that helps members plan in manageable chunks",
         "small steps succeed, building confidence and momentum",
         "plans get tested and completed",
         (("pdsa_cycles", +1), ("implemented", +1))),
    _row("C7", "members encouraged to recruit multidisciplinary support through existing networks",
         "missing professions (a dietitian, a specialist nurse) are brought in through personal ties",
         "multidisciplinary interventions",
         (("multidisciplinary_implemented", +1),)),
    _row("C8", "meetings held in care homes",
         "care home staff can attend without leaving the floor for long; NHS staff see the setting",
         "care home participation; interventions that fit the home",
         (("care_home_attendance_share", +1),)),
    _row("C9", "shared learning events",
         "learning across sites; renewed motivation; peer recognition",
         "multidisciplinary interventions built stepwise",
         (("spread", +1), ("implemented", +1))),
    _row("C10", "(negative) heavy existing workload; little routine data in care homes",
         "measurement is felt as an extra burden",
         "measurement for change is not used",
         (("teams_used_measurement", +1), ("measured_share", +1))),
)
"""The rows C1-C10, in code order."""

BY_NAME: dict[str, TheoryRow] = {row.name: row for row in THEORY}
BY_THEORY_CODE: dict[str, TheoryRow] = {row.code: row for row in THEORY}
assert tuple(BY_NAME) == CONTEXT_NAMES


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
