"""Mediators: the states through which contexts act, recorded in one run and held in another.

A mediation analysis asks how much of a context's effect runs through a given state: run the
baseline and record the state's trajectory; run the changed condition (same seed) while
overwriting that state, week by week, with the baseline's trajectory. If the context acts
through that state, holding it removes the effect (``qicsim.studies.mechanism_checks`` runs the analysis).

Each mediator names the point of the week at which it is recorded or imposed (the model calls
:meth:`Mediation.at` there) and the array it is. Staff states are per post (slot): a held run
gives each post the value the baseline's holder of that post had in the same week.

A trajectory starts with the state the run starts with, after set-up (row 0; row ``w + 1`` is
week ``w``), and a hold imposes that too: what week 0 reads before the mediator's point (a
learning event's plans in week 0 read the ties that C2 set up) is the baseline's as well.
Without it, a context that acts at set-up (C2, through the ties) escaped the hold in week 0.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from qicsim.errors import ConfigError

if TYPE_CHECKING:
    from qicsim.model.model import QICModel


@dataclass(frozen=True)
class Mediator:
    """A state a context acts through.

    Attributes:
        point: When in the week it is recorded or imposed (see ``QICModel.step``).
        array: The model's array holding it (changed in place when held), or a copy of it
            when ``assign`` is given.
        meaning: One line for docs.
        dtype: Precision of a recorded trajectory.
        assign: Sets the state from an array, for a state not held as one array.
    """

    point: str
    array: Callable[[QICModel], np.ndarray]
    meaning: str
    dtype: type = np.float64
    assign: Callable[[QICModel, np.ndarray], None] | None = None


MEDIATORS: dict[str, Mediator] = {
    "qic_hours": Mediator("time", lambda m: m.staff.qic_hours,
                          "QIC hours each post's holder has this week (C4 acts through them)"),
    "available": Mediator("time", lambda m: m.staff.available,
                          "hours each post's holder has after clinical demand, backfill included (C4)"),
    "engagement": Mediator("social", lambda m: m.staff.engagement,
                           "engagement with the QIC (C9: recognition and renewed motivation)"),
    "understanding": Mediator("social", lambda m: m.staff.understanding,
                              "understanding of how the remit fits one's work (C1)"),
    "safety": Mediator("social", lambda m: m.staff.safety, "psychological safety (C3)"),
    "ties": Mediator("social", lambda m: m.staff.ties.dense(), "tie strengths between posts (C2, C3, C9)",
                     np.float32, lambda m, values: m.staff.ties.assign_dense(values)),
    "alignment_practice": Mediator("social", lambda m: m.home_state.alignment_practice,
                                   "how far each home fits its QIC work to routine and priorities (C5)"),
    "skill": Mediator("social", lambda m: m.staff.skill, "QI skill, hence chunk size and success (C6)"),
    "network_use": Mediator("social", lambda m: m.staff.network_use,
                            "readiness to ask one's contacts for help (C7)"),
    "meeting_cost": Mediator("meeting", lambda m: m.staff.meeting_cost,
                             "time off the floor a local meeting takes each post's holder (C8)"),
    "data_capability": Mediator("capability", lambda m: m.home_state.data_capability,
                                "each home's data capability (C10)"),
}
POINTS = ("week", "time", "meeting", "social", "capability")


class Mediation:
    """Records and holds mediators for one model.

    Args:
        model: The model.
        hold: Mediator name to a trajectory of shape (weeks + 1, ...) to impose: the start, then each week.
        record: Mediator names to record.

    Raises:
        ConfigError: For an unknown mediator or a trajectory of the wrong shape.
    """

    def __init__(self, model: QICModel, hold: dict[str, np.ndarray], record: tuple[str, ...]) -> None:
        self.model = model
        for name in (*hold, *record):
            if name not in MEDIATORS:
                raise ConfigError(f"mediator {name}", "unknown mediator", f"one of {', '.join(MEDIATORS)}")
        self.hold = {}
        for name, values in hold.items():
            shape = (model.total_weeks + 1, *MEDIATORS[name].array(model).shape)
            values = np.asarray(values)
            if values.shape != shape:
                raise ConfigError(f"mediator {name}", f"a trajectory of shape {values.shape}", f"shape {shape}")
            self.hold[name] = values
        self.recorded: dict[str, np.ndarray] = {
            name: np.zeros((model.total_weeks + 1, *MEDIATORS[name].array(model).shape), MEDIATORS[name].dtype)
            for name in record}
        self._by_point = {point: [n for n in {*hold, *record} if MEDIATORS[n].point == point] for point in POINTS}
        self._imposing = {MEDIATORS[name].point for name in self.hold}
        for name in {*hold, *record}:  # the state set-up left: row 0
            self._impose_and_record(name, 0)

    def imposes(self, point: str) -> bool:
        """Whether :meth:`at` imposes a held mediator at this point (else it changes nothing)."""
        return point in self._imposing

    def at(self, point: str) -> None:
        """Impose the held mediators of this point, then record the recorded ones."""
        row = self.model.week + 1
        for name in self._by_point[point]:
            self._impose_and_record(name, row)

    def _impose_and_record(self, name: str, row: int) -> None:
        """Impose a mediator's held row (if held), then record it (if recorded)."""
        mediator = MEDIATORS[name]
        array = mediator.array(self.model)
        if name in self.hold:
            if mediator.assign is not None:
                mediator.assign(self.model, self.hold[name][row])
                array = mediator.array(self.model)
            else:
                array[...] = self.hold[name][row]
            if name == "qic_hours":
                self.model.staff.hours_left[:] = array  # nothing is spent yet at this point
        if name in self.recorded:
            self.recorded[name][row] = array
