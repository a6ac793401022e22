"""Process 4, beyond meetings: plans made at learning events, and managers choosing a topic.

How a home comes to start a project is a rival structure (``structure.project_start``; docs/ODD.md
4 and 7.4b). Under ``meetings`` (``structure=peach_2026``) only ideas voiced at a site's local meeting start work and
nothing here acts. Under ``events_and_managers`` (and ``facilitation``, which adds sessions in the
home: :mod:`qicsim.model.facilitation`) two more routes do:

* **Plans for the action period** (:func:`plan_at_event`): in a Breakthrough Series, teams leave
  each learning session with the changes they will test in the action period after it. Each home
  of a site taking part whose care home members attended the event leaves with a plan with chance
  ``event_plan_prob``; its most engaged attendee proposes it, on one of the home's priorities with
  chance ``fit_care_idea`` (care home staff's ideas fit their home), and it goes to planning like
  a voiced idea (within the remit through the proposer's understanding, C1).
* **The manager's own choice** (:func:`start_by_managers`): each week of support, a care home
  manager in the team, out of induction, whose home has room for another project, chooses one of
  the home's priorities with no open project with chance ``manager_start_rate x understanding x
  (manager_alignment_floor + (1 - manager_alignment_floor) x alignment practice) x min(1, hours
  left / manager_start_hours)``: likelier with a clear remit (C1 acts through the manager's
  understanding), with a home that fits its work to its priorities (C5 through its alignment
  practice), and only with the time to plan it.

Both routes go through planning (:func:`qicsim.model.planning.plan_idea`), so champions, teams,
chunking by skill (C6) and set-up by trust (C2) treat their projects as they treat voiced ideas.
They draw from their own streams (``Draw.EVENT_PLAN*``, ``Draw.MANAGER_*``): the draws of every other process
stay as they were.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from qicsim.model import meetings, planning
from qicsim.model.draws import Draw, pick
from qicsim.model.project import Origin
from qicsim.model.roles import Role

if TYPE_CHECKING:
    from qicsim.model.model import QICModel


def routes_beyond_meetings(model: QICModel) -> bool:
    """Whether homes start work by routes other than meeting ideas (``project_start`` not ``meetings``)."""
    return model.structure.project_start != "meetings"


def plan_at_event(model: QICModel, attendees: np.ndarray) -> None:
    """Homes whose care home members attended a learning event leave with a plan for the action period.

    One draw per home of the programme at each event, whatever happens; a home plans if its draw
    is below ``event_plan_prob`` and one of its care home members attended. Called by the event
    (:func:`qicsim.model.events.hold_learning_event`) with its attendees.

    Args:
        model: The model.
        attendees: Staff slots of the event's attendees.
    """
    if not routes_beyond_meetings(model):
        return
    params = model.params
    table = model.staff
    counts = model.counts
    draws = model.uniforms(Draw.EVENT_PLAN, model.home_state.n)
    care = attendees[table.is_care[attendees]]
    if not len(care):
        return
    homes = table.home[care]
    # Each home's most engaged attendee proposes its plan: sort by home, then engagement (highest first).
    order = np.lexsort((-table.engagement[care], homes))
    care, homes = care[order], homes[order]
    first = np.ones(len(homes), dtype=bool)
    first[1:] = homes[1:] != homes[:-1]
    for home, proposer in zip(homes[first].tolist(), care[first].tolist(), strict=True):
        if draws[home] >= params.event_plan_prob:
            continue
        counts.add("event_plans_made", home)
        fit_draw, topic_draw = model.uniforms(Draw.EVENT_PLAN_IDEA, 2, home).tolist()
        topic = meetings.draw_topic(model, home, fit_draw < params.fit_care_idea, topic_draw)
        if planning.plan_idea(model, home, topic, proposer, Origin.EVENT_PLAN) is not None:
            counts.add("starts_from_event_plans", home)


def manager_probability(model: QICModel, slot: int) -> float:
    """A manager's chance this week of choosing a topic (0 if not in the team or in induction)."""
    params = model.params
    table = model.staff
    # (item(): Python values, cheaper to read and compute with than NumPy scalars)
    if not table.member.item(slot) or table.induction_left.item(slot) > 0:
        return 0.0
    practice = model.home_state.alignment_practice.item(table.home.item(slot))
    fit = params.manager_alignment_floor + (1.0 - params.manager_alignment_floor) * practice
    time = table.hours_left.item(slot) / params.manager_start_hours
    time = 1.0 if time > 1.0 else time  # min(1, time)
    return params.manager_start_rate * table.understanding.item(slot) * fit * time


def start_by_managers(model: QICModel) -> None:
    """Care home managers choose a topic for their home's next project (weekly, during support).

    One draw per manager post each week, whatever happens; a manager chooses if the draw is below
    :func:`manager_probability`. A manager who chooses picks, at random, one of the home's
    priorities on which it has no open project (none left: no choice), if the home has room for
    another project (``max_projects_per_home``).
    """
    if not routes_beyond_meetings(model) or not model.supported:
        return
    params = model.params
    table = model.staff
    counts = model.counts
    managers = table.holders[Role.CARE_HOME_MANAGER]
    draws = model.uniforms(Draw.MANAGER_START, len(managers))
    # Every factor but the rate is at most 1: only draws below the rate can choose (a few a week).
    for i in (draws < params.manager_start_rate).nonzero()[0].tolist():
        slot = int(managers[i])
        if draws[i] >= manager_probability(model, slot):
            continue
        home = int(table.home[slot])
        if model.open.active_at_home[home] >= params.max_projects_per_home:
            continue
        open_topic = model.open.open_topic[home]
        free = [t for t in sorted(model.homes[home].priorities) if open_topic[t] == 0]
        if not free:
            continue
        counts.add("manager_choices", home)
        topic = free[pick(model.uniform(Draw.MANAGER_TOPIC, slot), len(free))]
        if planning.plan_idea(model, home, topic, slot, Origin.MANAGER) is not None:
            counts.add("starts_by_manager", home)
