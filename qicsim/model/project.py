"""Improvement projects and the stages they move through."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum


class Stage(IntEnum):
    """Stage of an improvement project (model brief, "Improvement project")."""

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


class Origin(IntEnum):
    """How a project's idea arose."""

    VOICED = 0
    ITERATION = 1
    LOCAL_SPREAD = 2
    EVENT_SPREAD = 3


@dataclass(eq=False)
class Project:
    """An improvement project in one care home.

    Attributes:
        pid: Index in the model's project list.
        topic: Index into :data:`qicsim.model.topics.TOPICS`.
        home: Care home index.
        site: Site index.
        champion: Staff slot of the champion, or -1 while it has none.
        champion_uid: ``unique_id`` of the champion agent when set (turnover changes it).
        led_by_role: Role of the first champion.
        origin: How the idea arose.
        alignment: 0-1, how far the work is part of the home's routine (C5).
        effort_hours: Total effort of the plan.
        chunk_hours: Effort of one chunk (C6).
        n_chunks: Chunks in the plan.
        chunks_done: Chunks completed.
        progress: Effort put into the current chunk.
        coached: Whether the plan was cut into chunks with coaching.
        needs: Role values the project still lacks.
        disciplines: Role values that took part.
        helpers: Staff slots of NHS members helping.
        recruited: Staff slots of professionals recruited from outside the team.
        setup_left: Weeks of set-up before testing starts (C2).
        cycles, measured_cycles: PDSA cycles run, and of those, measured.
        last_measured: Whether the last cycle was measured.
        stage: Current stage; change it only with :meth:`move`.
        history: Stages visited, in order.
        week_created, week_implemented, week_ended: Weeks of those events (-1 if none).
        parent: Project this one iterates or spreads, or -1.
        champion_lost: Whether the implemented improvement has lost its champion.
    """

    pid: int
    topic: int
    home: int
    site: int
    champion: int
    champion_uid: int
    led_by_role: int
    origin: Origin
    alignment: float
    effort_hours: float
    week_created: int
    parent: int = -1
    chunk_hours: float = 0.0
    n_chunks: int = 0
    chunks_done: int = 0
    progress: float = 0.0
    coached: bool = False
    needs: set[int] = field(default_factory=set)
    disciplines: set[int] = field(default_factory=set)
    helpers: list[int] = field(default_factory=list)
    recruited: list[int] = field(default_factory=list)
    setup_left: float = 0.0
    cycles: int = 0
    measured_cycles: int = 0
    last_measured: bool = False
    stage: Stage = Stage.IDEA
    history: list[Stage] = field(default_factory=lambda: [Stage.IDEA])
    week_implemented: int = -1
    week_ended: int = -1
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
        return self.stage in (Stage.PLANNED, Stage.TESTING)

    @property
    def multidisciplinary(self) -> bool:
        """Whether three or more disciplines took part."""
        return len(self.disciplines) >= 3
