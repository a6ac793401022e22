"""The capability trap's full loop (``structure.trap = "full_loop"``; process 10, docs/ODD.md 7.10).

Repenning and Sterman (California Management Review 2001) and Rahmandad and Repenning
(Strategic Management Journal 2016) describe a loop, not numbers: improvement takes time from
the work now and pays later; capability erodes without practice, faster under pressure;
managers learn from what they see; under pressure people work harder (quick fixes) rather than
smarter, which helps at once and hurts later (docs/sources.md, rows 4-9). Under
``"firefighting"`` (``structure=peach_2026``) only open problems adding demand is modelled and
:func:`update_trap` does nothing. Under ``"full_loop"`` it runs each week after sustainment
(process 9, where one more part, lapses under load, sits:
:func:`qicsim.model.sustainment.update_sustainment`) and before new problems arise (process 10):

1. **Worse before better** (:func:`time_off_the_floor`, every week of support): the QIC hours
   each post's holder spent this week (meetings with their travel, events, project work,
   measuring) beyond their backfill (protected hours used) and their own time
   (``own_time_hours x engagement``) come off the care they are contracted for; a home's
   uncovered share becomes ``max(0, 1 - (hours - off_floor) / demand)``
   (:func:`qicsim.model.workload.uncovered_share`).
2. **Work-arounds** (:func:`work_around`, every week): staff get ``workaround_share`` of the
   uncovered care done by quick fixes (working harder): ``relief = workaround_share x
   uncovered`` is no longer rushed care now, and joins a stock ``W <- W x (1 - 1 /
   workaround_weeks) + relief`` whose harm returns as rushed care later (``workaround_harm x W /
   workaround_weeks``; :func:`qicsim.model.problems.full_loop_rate`).
3. **Erosion** (:func:`erode`, at each manager review, every ``manager_review_weeks`` of
   support): a person who did no QI work since the last review loses ``1 - (1 - skill_erosion x
   f)^R`` of the gap between their QI skill and their starting skill (``R`` the weeks of the
   period); a home whose staff did none, that share with ``routine_erosion`` of its alignment
   practice and of its data capability above the routine level; ``f = 1 + erosion_pressure x
   max(0, load - 1)`` at the review week's load (the home's, or the season's for NHS posts).
4. **Managers learn** (:func:`learn_slack`, at each review): the share of their free time a
   home's members give QI (``HomeTable.qi_slack``, which process 1 reads instead of
   ``slack_use``) moves ``min(1, slack_learning x payoff)`` of the way to 1 and ``min(1,
   slack_learning x disappointment)`` of the way to 0. Payoff: improvements implemented and
   successful cycles in the period, and a fall of the period's mean open problems from the last
   period's (in reference stocks); disappointment: failed cycles, lapses, stalled or blocked
   project-weeks / ``R`` (a project stuck all period counts once), and a rise of the problems.

QI work happens only during support: parts 1, 3 and 4 run then (afterwards nobody spends QIC
hours, and nothing reads skill, routines or slack); work-arounds accumulate and harm all run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from qicsim.model import workload
from qicsim.model.counters import COUNT_INDEX

if TYPE_CHECKING:
    from qicsim.model.model import QICModel

LEARNING_EVENTS = ("chunks_completed", "chunks_failed", "stalled_weeks", "blocked_weeks", "lapses")
"""The counts a manager learns from, in the order of ``HomeTable.events_seen``."""
_EVENT_ROWS = [COUNT_INDEX[name] for name in LEARNING_EVENTS]


def update_trap(model: QICModel) -> None:
    """One week of the full loop: QI time off the floor, work-arounds, and at a review, erosion and learning."""
    if model.structure.trap == "firefighting":
        return
    if model.supported:
        homes = model.home_state
        spent_to_date = qic_hours_to_date(model)
        off_floor = time_off_the_floor(model, spent_to_date)
        model.counts.add_homes("qi_hours_off_floor", off_floor)
        # Only a home whose QI hours exceed its spare hours (contracted less demand) leaves care uncovered.
        # (np.count_nonzero: any() without the Python-level wrapper of ndarray.any)
        if np.count_nonzero(off_floor > model.staff.hours_per_home - homes.care_demand):
            take_from_care(model, off_floor)
        homes.problems_in_review += homes.problems
        if (model.week + 1) % model.params.manager_review_weeks == 0:
            review(model, spent_to_date)
    work_around(model)


def qic_hours_to_date(model: QICModel) -> np.ndarray:
    """Hours each post's holder has spent on QIC work so far: meetings, events, projects, measuring."""
    table = model.staff
    total = table.hours_meetings + table.hours_events
    total += table.hours_projects
    total += table.hours_measurement
    return total


def time_off_the_floor(model: QICModel, spent_to_date: np.ndarray) -> np.ndarray:
    """QIC hours each home's staff took from care this week: beyond their backfill and their own time.

    ``sum over the home's posts of max(0, spent - protected_used - own_time_hours x engagement)``,
    ``spent`` being this week's QIC hours (:func:`qic_hours_to_date` less last week's).
    """
    table = model.staff
    spent = spent_to_date - table.qic_hours_spent
    table.qic_hours_spent = spent_to_date  # a new array each week (qic_hours_to_date): kept, not copied
    covered = model.params.own_time_hours * table.engagement
    covered += table.protected_used
    taken = np.maximum(0.0, np.subtract(spent, covered, out=spent), out=spent)
    n = model.home_state.n
    return np.bincount(table.load_index, weights=taken, minlength=n + 1)[:n]  # NHS posts: the last bin, dropped


def take_from_care(model: QICModel, off_floor: np.ndarray) -> None:
    """The week's uncovered care, recomputed with the QIC hours taken from it (worse before better)."""
    homes = model.home_state
    with_qi = workload.uncovered_share(model, off_floor)
    model.counts.add_homes("uncovered_from_qi", with_qi - homes.uncovered)
    homes.uncovered[:] = with_qi


def work_around(model: QICModel) -> None:
    """Quick fixes cover part of the uncovered care now and pile up as work-arounds (working harder)."""
    params = model.params
    homes = model.home_state
    homes.workarounds *= 1.0 - 1.0 / params.workaround_weeks
    if not np.count_nonzero(homes.uncovered):
        return
    relief = params.workaround_share * homes.uncovered
    homes.uncovered -= relief
    homes.workarounds += relief
    model.counts.add_homes("workaround_relief", relief)


def review(model: QICModel, spent_to_date: np.ndarray) -> None:
    """A home manager's review of QI: unpractised capability erodes, and the slack given to QI is learned."""
    table = model.staff
    practised = spent_to_date > table.qic_hours_reviewed
    table.qic_hours_reviewed = spent_to_date  # shared with qic_hours_spent: neither is written in place
    n = model.home_state.n
    practised_home = np.bincount(table.load_index, weights=practised, minlength=n + 1)[:n] > 0
    erode(model, practised, practised_home)
    learn_slack(model)


def erode(model: QICModel, practised: np.ndarray, practised_home: np.ndarray) -> None:
    """Skill, alignment practice and data capability erode over a review period without practice, faster under load.

    Args:
        model: The model.
        practised: Per post, whether its holder did QI work in the period.
        practised_home: Per home, whether anyone on its staff did.
    """
    params = model.params
    table = model.staff
    homes = model.home_state
    periods = params.manager_review_weeks
    # One factor per home and, last, for NHS posts (the season's load).
    factor = np.maximum(0.0, homes.post_load - 1.0)
    factor *= params.erosion_pressure
    factor += 1.0
    skill_rate = 1.0 - (1.0 - np.minimum(1.0, params.skill_erosion * factor)) ** periods
    rate = skill_rate[table.load_index]
    rate[practised] = 0.0
    lost = np.maximum(0.0, table.skill - table.start_skill)
    lost *= rate
    table.skill -= lost
    units = model.counts.values.shape[1]
    model.counts.add_units("skill_eroded", np.bincount(table.unit, weights=lost, minlength=units))
    home_rate = 1.0 - (1.0 - np.minimum(1.0, params.routine_erosion * factor[:homes.n])) ** periods
    home_rate[practised_home] = 0.0
    practice_lost = home_rate * homes.alignment_practice
    homes.alignment_practice -= practice_lost
    model.counts.add_homes("alignment_practice_eroded", practice_lost)
    data_lost = np.maximum(0.0, homes.data_capability - params.routine_data_capability)
    data_lost *= home_rate
    homes.data_capability -= data_lost
    model.counts.add_homes("data_capability_eroded", data_lost)


def learn_slack(model: QICModel) -> None:
    """Managers give more slack to QI after visible payoff and less after disappointment (see the module's text).

    ``qi_slack += min(1, slack_learning x payoff) x (1 - qi_slack) - min(1, slack_learning x
    disappointment) x qi_slack``: it stays within [0, 1].
    """
    params = model.params
    homes = model.home_state
    weeks = params.manager_review_weeks
    seen = model.counts.values[_EVENT_ROWS, :homes.n]  # a copy
    completed, failed, stalled, blocked, lapses = seen - homes.events_seen
    homes.events_seen = seen
    problems = homes.problems_in_review / weeks
    homes.problems_in_review[:] = 0.0
    change = problems - homes.problems_reviewed
    change /= np.maximum(homes.reference_problems, 1e-9)
    homes.problems_reviewed = problems
    rise = np.maximum(change, 0.0)
    payoff = homes.in_place - homes.in_place_seen  # implemented in the period, less those that lapsed
    homes.in_place_seen[:] = homes.in_place
    payoff += lapses
    payoff += completed
    payoff += rise - change  # a fall of the problems
    disappointment = stalled + blocked
    disappointment /= weeks
    disappointment += failed
    disappointment += lapses
    disappointment += rise
    slack = homes.qi_slack
    raised = np.minimum(1.0, params.slack_learning * payoff) * (1.0 - slack)
    cut = np.minimum(1.0, params.slack_learning * disappointment) * slack
    slack += raised
    slack -= cut
    model.counts.add_homes("qi_slack_raised", raised)
    model.counts.add_homes("qi_slack_cut", cut)
