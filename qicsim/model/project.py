"""Improvement projects and the stages they move through."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np

from qicsim.model.roles import Role

N_ROLES = len(Role)  # the length of a project's hours_by_role


class Stage(IntEnum):
    """Stage of an improvement project (docs/ODD.md, section 2)."""

    IDEA = 0
    PLANNED = 1
    TESTING = 2
    IMPLEMENTED = 3
    SUSTAINED = 4
    ABANDONED = 5


ALLOWED_TRANSITIONS: frozenset[tuple[Stage, Stage]] = frozenset({
    (Stage.IDEA, Stage.PLANNED),
    (Stage.IDEA, Stage.ABANDONED),
    (Stage.PLANNED, Stage.TESTING),
    (Stage.PLANNED, Stage.ABANDONED),
    (Stage.TESTING, Stage.IMPLEMENTED),
    (Stage.TESTING, Stage.ABANDONED),
    # An implemented improvement can lapse (abandoned after implementation) or be sustained.
    (Stage.IMPLEMENTED, Stage.SUSTAINED),
    (Stage.IMPLEMENTED, Stage.ABANDONED),
    (Stage.SUSTAINED, Stage.ABANDONED),
})

IN_PLACE = (Stage.IMPLEMENTED, Stage.SUSTAINED)
ACTIVE = (Stage.PLANNED, Stage.TESTING)


class Origin(IntEnum):
    """How a project's idea arose (the routes by which a home starts work: docs/ODD.md 7.4 and 7.4b)."""

    VOICED = 0  # voiced at a site's local meeting
    ITERATION = 1
    SPREAD_WITHIN_SITE = 2
    SPREAD_ACROSS_SITES = 3
    EVENT_PLAN = 4  # planned at a learning event for the action period after it
    MANAGER = 5  # the home's manager chose the topic
    FACILITATED = 6  # started with a facilitator at a session in the home


SPREAD_ORIGINS = (Origin.SPREAD_WITHIN_SITE, Origin.SPREAD_ACROSS_SITES)
OWN_ORIGINS = (Origin.VOICED, Origin.EVENT_PLAN, Origin.MANAGER, Origin.FACILITATED)
"""A home's own new ideas: neither an iteration of an earlier project nor an improvement spread from elsewhere."""


class ChangeKind(IntEnum):
    """The kind of change a project makes, which sets its size (``structure.project_sizes``).

    ``ONE_SIZE`` is the kind of every project under ``project_sizes = one_size`` (no kind: one
    effort distribution for all); the others are drawn under ``by_kind``
    (:mod:`qicsim.model.project_sizes`).
    """

    ONE_SIZE = 0
    SMALL_TEST = 1  # a small test of change: a safety cross on the wall, a personalised walking frame
    PROCESS_CHANGE = 2  # a care process with a tool, training or care plans: nutrition screening and care plans
    MULTIDISCIPLINARY_REVIEW = 3  # a new multidisciplinary routine: MDT review meetings with a triage tool


@dataclass(eq=False)
class Project:
    """An improvement project in one care home.

    Attributes:
        pid: Index in the model's project list.
        topic: Index into :data:`qicsim.model.topics.TOPICS`.
        home: Care home index.
        site: Site index.
        champion: Staff slot of the champion, or -1 while it has none.
        champion_holder: The champion's holder number (``StaffTable.holder``) when set.
        led_by_role: Role of the first champion.
        origin: How the idea arose.
        alignment: 0-1, how far the work is part of the home's routine (C5).
        effort_hours: Total effort of the plan.
        chunk_hours: Effort of one chunk (C6).
        n_chunks: Chunks in the plan.
        chunks_done: Chunks completed.
        progress: Effort put into the current chunk.
        needs: Role values the project still lacks (it is blocked until they join).
        wanted: Role values that would help it, not yet brought in (C7).
        disciplines: Role values present on the project (champion, helpers, recruited).
        hours_by_role: QIC hours each role gave the project (a discipline counts towards
            "multidisciplinary" only for the hours it gave).
        helpers: Staff slots of NHS members helping.
        recruited: Staff slots of professionals recruited from outside the team.
        setup_left: Weeks of set-up before testing starts (C2).
        cycles, measured_cycles: PDSA cycles run, and of those, measured.
        measuring, measure_cost: Whether the current cycle is to be measured, and its hours.
        decisions_on_data: Measured cycles whose data informed the next step.
        last_informed: Whether the last cycle's data informed this one.
        data_confirmed: Whether a success was confirmed by data (helps sustainment).
        stage: Current stage; change it only with :meth:`move`.
        history: Stages visited, in order.
        week_created, week_implemented, week_ended: Weeks of those events (-1 if none).
        week_first_measured: Week of its first PDSA cycle that used measurement (-1 if none).
        parent: Project this one iterates or spreads, or -1.
        kind: The kind of change, which set its effort and least number of chunks
            (:mod:`qicsim.model.project_sizes`).
        champion_lost: Whether the implemented improvement has lost its champion.
    """

    pid: int
    topic: int
    home: int
    site: int
    champion: int
    champion_holder: int
    led_by_role: int
    origin: Origin
    alignment: float
    effort_hours: float
    week_created: int
    parent: int = -1
    kind: ChangeKind = ChangeKind.ONE_SIZE
    chunk_hours: float = 0.0
    n_chunks: int = 0
    chunks_done: int = 0
    progress: float = 0.0
    needs: set[int] = field(default_factory=set)
    wanted: set[int] = field(default_factory=set)
    disciplines: set[int] = field(default_factory=set)
    helpers: list[int] = field(default_factory=list)
    recruited: list[int] = field(default_factory=list)
    hours_by_role: np.ndarray = field(default_factory=lambda: np.zeros(N_ROLES))
    setup_left: float = 0.0
    cycles: int = 0
    measured_cycles: int = 0
    measuring: bool = False
    measure_cost: float = 0.0
    decisions_on_data: int = 0
    last_informed: bool = False
    data_confirmed: bool = False
    stage: Stage = Stage.IDEA
    history: list[Stage] = field(default_factory=lambda: [Stage.IDEA])
    week_implemented: int = -1
    week_ended: int = -1
    week_first_measured: int = -1
    champion_lost: bool = False

    def move(self, stage: Stage, week: int) -> None:
        """Move to a new stage along an allowed transition.

        Args:
            stage: The new stage.
            week: Current week (recorded for implementation and endings).

        Raises:
            ValueError: If the transition is not allowed.
        """
        if (self.stage, stage) not in ALLOWED_TRANSITIONS:
            raise ValueError(f"project {self.pid}: {self.stage.name} -> {stage.name} is not allowed")
        self.stage = stage
        self.history.append(stage)
        if stage == Stage.IMPLEMENTED:
            self.week_implemented = week
        elif stage == Stage.ABANDONED:
            self.week_ended = week

    @property
    def in_place(self) -> bool:
        """Whether the improvement is implemented and still in use."""
        return self.stage in IN_PLACE

    @property
    def active(self) -> bool:
        """Whether the project is being planned or tested."""
        return self.stage in ACTIVE

    def contributing_disciplines(self, min_share: float) -> int:
        """Disciplines that gave at least ``min_share`` of the project's QIC hours."""
        total = self.hours_by_role.sum()
        if total <= 0:
            return 0
        return int(((self.hours_by_role > 0) & (self.hours_by_role >= min_share * total)).sum())
