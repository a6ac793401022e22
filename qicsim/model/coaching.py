"""C6, QI coaching: skill that cuts plans into manageable chunks, and facilitator hours in homes.

Coaching acts through people's QI skill: each coaching contact during support (a local
meeting attended, a facilitator's session attended, a plan made, a cycle run as champion) closes
``coaching_gain x C6`` of the gap to skill 1. A champion plans chunks of ``chunk_hours_novice`` at
skill 0 down to ``chunk_hours_skilled`` at skill 1; smaller chunks and more skill make a cycle
likelier to succeed. Coaching can also be delivered as facilitator hours in homes, in one of two
ways set by ``structure.project_start``:

* today's (``meetings``, ``events_and_managers``): a facilitator doing QI work alongside staff,
  ``facilitator_hours_per_home x C6`` hours a week in each home with a project under test, added
  to its projects' effort (:func:`facilitator_hours`);
* ``facilitation``: a caseload, ``facilitation_hours_per_week x C6 / homes`` hours a week for each
  home (:func:`caseload_hours`), banked towards sessions in the home
  (:mod:`qicsim.model.facilitation`); the same hours over more homes give each less.

Either way the hours delivered are counted (``facilitator_hours``) so that they can be costed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from qicsim.model.model import QICModel


def coach(model: QICModel, site: int, slots: np.ndarray | int) -> None:
    """A coaching contact: the people's QI skill grows with coaching (C6), during support."""
    if not model.supported:
        return
    table = model.staff
    rate = model.params.coaching_gain * model.context("qi_coaching", site)
    if isinstance(slots, int):  # one champion: plain arithmetic is cheaper than array calls
        skill = table.skill.item(slots)
        gain = rate * (1.0 - skill)
        table.skill[slots] = skill + gain
        model.counts.add("skill_from_coaching", table.unit.item(slots), gain)
        return
    skill = table.skill[slots]  # read once: the slots are different posts
    gain = rate * (1.0 - skill)
    table.skill[slots] = skill + gain
    model.counts.add_many("skill_from_coaching", table.unit[slots], gain)


def chunk_target(model: QICModel, champion: int) -> float:
    """Chunk size the champion plans: smaller with more QI skill."""
    params = model.params
    skill = float(model.staff.skill[champion])
    return params.chunk_hours_novice - (params.chunk_hours_novice - params.chunk_hours_skilled) * skill


def facilitator_hours(model: QICModel) -> np.ndarray:
    """Facilitator hours each home gets this week alongside its projects under test (C6; 0 after support).

    None under ``project_start`` facilitation: there the facilitators' hours are the caseload's,
    spent at sessions (:func:`caseload_hours`).
    """
    state = model.home_state
    if (not model.supported or model.params.facilitator_hours_per_home == 0
            or model.structure.project_start == "facilitation"):
        state.facilitator_hours[:] = 0.0
    else:
        coaching = model.context("qi_coaching")[state.site]
        state.facilitator_hours[:] = model.params.facilitator_hours_per_home * coaching
    return state.facilitator_hours


def caseload_hours(model: QICModel) -> np.ndarray:
    """Facilitator hours each home's caseload share gives it this week (C6; ``project_start`` facilitation).

    ``facilitation_hours_per_week x C6 / homes``: the programme's hours shared equally by all its
    homes, so that the same hours over more homes give each less; 0 after support.
    """
    state = model.home_state
    if not model.supported or model.params.facilitation_hours_per_week == 0:
        return np.zeros(state.n)
    coaching = model.context("qi_coaching")[state.site]
    return model.params.facilitation_hours_per_week * coaching / state.n
