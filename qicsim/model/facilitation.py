"""Facilitation in the home: facilitator or improvement-adviser sessions held in each care home.

Programmes such as PROSPER (QI facilitators of Essex County Council) and SPACE (improvement
facilitators visiting each home) sent facilitators into the homes; PEACH coached its teams at
meetings and events only. Under ``structure.project_start`` = ``facilitation`` (docs/ODD.md 7.4b),
facilitation is capacity with a caseload: each home's share of the programme's hours,
``facilitation_hours_per_week x C6 / homes`` a week (:func:`qicsim.model.coaching.caseload_hours`),
is banked (``HomeTable.facilitation_credit``, its start drawn uniformly in [0, one session) so
that homes are not all visited in one week) and buys a session of ``facilitation_session_hours``
whenever enough is banked (at most one a week; hours banked beyond one session are not used).
Spreading the same hours over more homes makes each home's sessions rarer.

At a session, the home's team members out of induction attend on site, with no travel, with
chance ``engagement x min(1, hours left / session hours)``; attending costs them the session's
hours. What the session does, in order:

1. coaching (C6, :func:`qicsim.model.coaching.coach`), remit learning (C1,
   :func:`qicsim.model.remit.learn_at_meeting`) and alignment practice for the home (C5,
   :func:`qicsim.model.alignment.practise`), each read through its own context as at meetings;
   attendees gain ``meeting_engagement_gain x safety`` of engagement, as at meetings;
2. ideas voiced and planned, by the voice rule of meetings (:func:`qicsim.model.meetings.voice_and_plan`:
   safety and the status gradient in the room), with origin ``FACILITATED``; if none became a
   project and the home has no active project, the facilitator helps the most engaged attendee
   start one on a priority of the home with chance ``facilitation_start_prob``;
3. stalled projects restarted, each with chance ``facilitation_unstick_prob``: one without a
   champion is taken on by the most engaged attendee; one blocked for a missing discipline gets
   it by the facilitator's referral (:func:`qicsim.model.recruitment.referred`);
4. measurement help: the home's data capability closes ``facilitation_data_gain`` of its gap to 1.

The session's hours are the facilitators' hours delivered (``facilitator_hours``, which the
funding option "facilitation" is priced from), and are counted whether or not anyone attends.
Every draw comes from the sessions' own streams (``Draw.SESSION_*``), so the other processes' draws stay where
they were.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from qicsim.model import alignment, coaching, meetings, planning, recruitment, remit
from qicsim.model.draws import Draw, pick
from qicsim.model.project import Origin

if TYPE_CHECKING:
    from qicsim.model.model import QICModel


def hold_sessions(model: QICModel) -> None:
    """This week's facilitator sessions in homes (``project_start`` facilitation, during support)."""
    if (model.structure.project_start != "facilitation" or not model.supported
            or model.params.facilitation_hours_per_week == 0):
        return
    hours = coaching.caseload_hours(model)  # C6
    if not np.count_nonzero(hours):  # any(), without ndarray.any's Python-level wrapper
        return
    params = model.params
    state = model.home_state
    length = params.facilitation_session_hours
    if state.facilitation_credit is None:
        state.facilitation_credit = model.uniforms(Draw.SESSION_CREDIT, state.n) * length
    credit = state.facilitation_credit
    credit += hours
    due = (credit >= length).nonzero()[0]
    if not len(due):
        return
    credit[due] -= length
    np.minimum(credit, length, out=credit)  # at most one session a week: surplus hours are not banked
    attendees = attend(model, due)
    learn(model, due, attendees)
    table = model.staff
    for home in due.tolist():
        att = attendees[table.home[attendees] == home]
        start_projects(model, home, att)
        unstick(model, home, att)
        if len(att):
            help_measure(model, home)


def attend(model: QICModel, due: np.ndarray) -> np.ndarray:
    """Members of the homes with a session attend it, if engaged and with the hours; the hours are counted.

    Returns:
        The attendees' slots, home by home.
    """
    params = model.params
    table = model.staff
    counts = model.counts
    length = params.facilitation_session_hours
    counts.add_many("facilitation_sessions", due)
    counts.add_many("facilitator_hours", due, length)
    homes = due.tolist()
    slots = np.concatenate([model.homes[home].staff for home in homes])
    # One draw per post of a visited home, whoever attends.
    draws = np.concatenate([model.uniforms(Draw.SESSION_ATTEND, len(model.homes[home].staff), home) for home in homes])
    hours = table.hours_left[slots]
    chance = table.engagement[slots] * np.minimum(1.0, hours / length)
    attended = table.member[slots] & (table.induction_left[slots] == 0) & (draws < chance)
    att = slots[attended]
    if len(att):
        table.hours_left[att] = np.maximum(0.0, hours[attended] - length)  # on site: no travel
        table.hours_sessions[att] += length
        counts.add_many("facilitation_attendances", table.unit[att])
    return att


def learn(model: QICModel, due: np.ndarray, attendees: np.ndarray) -> None:
    """Coaching (C6), remit learning (C1), alignment practice (C5) and engagement, site by site."""
    if not len(attendees):
        return
    table = model.staff
    for site in np.unique(model.home_state.site[due]).tolist():
        att = attendees[table.site[attendees] == site]
        if not len(att):
            continue
        coaching.coach(model, site, att)
        remit.learn_at_meeting(model, site, att)
        alignment.practise(model, site, att)
        table.engagement[att] += model.params.meeting_engagement_gain * table.safety[att]


def most_engaged(model: QICModel, att: np.ndarray) -> int:
    """The attendee with the highest engagement (the first such, in slot order)."""
    return int(att[np.argmax(model.staff.engagement[att])])


def start_projects(model: QICModel, home: int, att: np.ndarray) -> None:
    """Attendees voice ideas; if none became a project in a home with none active, the facilitator helps start one."""
    if not len(att):
        return
    params = model.params
    site = int(model.home_state.site[home])
    started = meetings.voice_and_plan(model, site, att, True, Origin.FACILITATED, session_home=home)
    start_draw, topic_draw = model.uniforms(Draw.SESSION_START, 2, home).tolist()
    if not started and model.open.active_at_home[home] == 0 and start_draw < params.facilitation_start_prob:
        open_topic = model.open.open_topic[home]
        free = [t for t in sorted(model.homes[home].priorities) if open_topic[t] == 0]
        if free:
            topic = free[pick(topic_draw, len(free))]
            started += planning.plan_idea(model, home, topic, most_engaged(model, att), Origin.FACILITATED) is not None
    if started:
        model.counts.add("starts_with_facilitator", home, started)


def unstick(model: QICModel, home: int, att: np.ndarray) -> None:
    """Stalled projects of the home restarted: a champion from the attendees, or a missing discipline referred."""
    table = model.staff
    for project in model.open.at_home[home]:
        if not project.active:
            continue
        if project.champion < 0 and len(att):
            if model.uniform(Draw.SESSION_UNSTICK, project.pid) >= model.params.facilitation_unstick_prob:
                continue
            project.champion = most_engaged(model, att)
            project.champion_holder = int(table.holder[project.champion])
        elif project.champion >= 0 and project.needs:
            if model.uniform(Draw.SESSION_UNSTICK, project.pid) >= model.params.facilitation_unstick_prob:
                continue
            for role in sorted(project.needs):
                recruitment.bring_in(project, role, recruitment.referred(model, project, role))
        else:
            continue
        model.counts.add("projects_unstuck", home)


def help_measure(model: QICModel, home: int) -> None:
    """The facilitator helps the home collect and read its data: its data capability grows."""
    capability = model.home_state.data_capability
    gain = model.params.facilitation_data_gain * (1.0 - float(capability[home]))
    capability[home] += gain
    model.counts.add("data_capability_from_sessions", home, gain)
