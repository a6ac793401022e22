"""C1, a broad and clear remit: members come to see how the remit fits their own work.

Each person holds an ``understanding`` (0-1) of how the remit fits their work. Attending a
local meeting closes ``remit_learning x C1`` of the gap to full understanding (a clear remit
is easy to grasp; an unclear one is grasped slowly); running a PDSA cycle closes
``experience_learning`` of it whatever the remit (learning by doing). A voiced idea falls
within scope with chance ``remit_scope_floor + (1 - remit_scope_floor) x understanding``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from qicsim.model.model import QICModel


def learn_at_meeting(model: QICModel, site: int, attendees: np.ndarray) -> None:
    """Attendees' understanding of the remit grows with its clarity (C1)."""
    table = model.staff
    understanding = table.understanding[attendees]  # read once: the attendees are different posts
    gain = model.params.remit_learning * model.context("remit_clarity", site) * (1.0 - understanding)
    table.understanding[attendees] = understanding + gain
    model.counts.add_many("understanding_gained", table.unit[attendees], gain)


def learn_by_doing(model: QICModel, slot: int) -> None:
    """Running a cycle shows a champion how the remit fits their work, whatever its clarity."""
    table = model.staff
    understanding = table.understanding.item(slot)  # a float: cheaper arithmetic than on a NumPy scalar
    gain = model.params.experience_learning * (1.0 - understanding)
    table.understanding[slot] = understanding + gain
    model.counts.add("understanding_gained", table.unit.item(slot), gain)


def scope_probability(model: QICModel, voicer: int) -> float:
    """Chance an idea the voicer raises falls within the remit."""
    floor = model.params.remit_scope_floor
    return floor + (1.0 - floor) * model.staff.understanding.item(voicer)
