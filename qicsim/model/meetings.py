"""Process 3: local meetings of a site team (where, who attends, who speaks, what it changes)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from qicsim.model import alignment, coaching, planning, recruitment, relationships, remit
from qicsim.model.calendar import is_meeting_week
from qicsim.model.draws import Draw, pick
from qicsim.model.project import Origin
from qicsim.model.topics import N_TOPICS

if TYPE_CHECKING:
    from qicsim.model.model import QICModel


def hold_local_meetings(model: QICModel) -> None:
    """Hold this week's local meeting at every site, if one is due."""
    if not is_meeting_week(model):
        return
    for site in model.sites:
        hold_meeting(model, site.index)


def hold_meeting(model: QICModel, site: int) -> None:
    """One site's local meeting.

    C8 sets the chance the meeting is held in a care home, which sets how long it takes care
    home staff off the floor (meeting plus travel; none for the host home's staff). A member
    attends with chance engagement x min(1, QIC hours left / that time). At the meeting
    attendees voice ideas (C3: voice falls with the status gradient in the room for those who
    do not feel safe), ties between attendees grow (more with C3), and the meeting's work
    changes what attendees carry away: safety (C3), understanding of the remit (C1), QI skill
    from coaching (C6), readiness to ask their networks (C7), and their homes' practice of
    aligning work to priorities (C5).

    Args:
        model: The model.
        site: Site index.
    """
    params = model.params
    table = model.staff
    team = model.sites[site]
    counts = model.counts
    site_unit = counts.site_unit(site)
    venue_draw, host_draw = model.uniforms(Draw.MEETING_VENUE, 2, site).tolist()
    in_home = venue_draw < model.context("meetings_in_care_homes", site)
    host = int(team.homes[pick(host_draw, len(team.homes))])
    counts.add("meetings_held", site_unit)
    if in_home:
        counts.add("meetings_in_care_homes", site_unit)

    members = table.members_of_site(site)
    draws = model.uniforms(Draw.MEETING_ATTEND, len(members), site)  # one draw per member, whoever attends
    if not len(members):
        return
    care = table.is_care[members]
    # The meeting plus travel (none for the host home's staff; NHS posts have home -1).
    care_travel = params.travel_hours_in_home if in_home else params.travel_hours_away
    cost = np.where(care, params.meeting_hours + care_travel, params.meeting_hours + params.travel_hours_nhs)
    if in_home:
        cost[table.home[members] == host] = params.meeting_hours + 0.0
    table.meeting_cost[members] = cost
    model.mediation.at("meeting")
    held = model.mediation.imposes("meeting")
    if held:
        cost = table.meeting_cost[members]  # a held meeting_cost replaced it: read it back
    hours = table.hours_left[members]
    within = care & (hours >= cost)
    counts.add_many("care_home_meetings_within_time", table.unit[members[within]])
    # A meeting that costs no time is open to everyone: costs of at least meeting_hours (travel adds to
    # it) need no guard against 0 unless meeting_hours is 0 or a held cost replaced them.
    guarded = np.maximum(cost, 1e-9) if held or params.meeting_hours < 1e-9 else cost
    attend_prob = table.engagement[members] * np.minimum(1.0, hours / guarded)
    attended = draws < attend_prob
    att = members[attended]
    if not len(att):
        return
    att_cost = cost[attended]
    table.hours_left[att] = np.maximum(0.0, hours[attended] - att_cost)
    table.hours_meetings[att] += att_cost
    units = table.unit[att]
    counts.add_many("travel_hours", units, np.maximum(0.0, att_cost - params.meeting_hours))
    table.attendances[att] += 1
    counts.add_many_either("meeting_attendances_care_home", "meeting_attendances_nhs", table.is_care[att], units)

    hierarchy_reduction = model.context("hierarchy_reduction", site)
    voice_and_plan(model, site, att, in_home)
    gained = relationships.strengthen_ties(
        model, site, att, params.tie_gain * (1.0 + params.hierarchy_tie_boost * hierarchy_reduction))
    counts.add_many("tie_strength_gained", units, gained)
    # Members who feel valued and safe come away more engaged (C3 acts through safety), and
    # the meeting's ground rules and appreciative language make them feel safer next time.
    safety = table.safety[att]
    table.engagement[att] += params.meeting_engagement_gain * safety
    gain = params.safety_gain * hierarchy_reduction * (1.0 - safety)
    table.safety[att] = safety + gain
    counts.add_many("safety_gained", units, gain)
    remit.learn_at_meeting(model, site, att)
    coaching.coach(model, site, att)
    recruitment.encourage(model, site, att)
    alignment.practise(model, site, att)


def voice_and_plan(model: QICModel, site: int, att: np.ndarray, in_home: bool,
                   origin: Origin = Origin.VOICED, session_home: int = -1) -> int:
    """Attendees voice ideas; each idea goes to planning (process 4).

    Voice chance: ``voice_prob * exp(-hierarchy_penalty * gradient * (1 - safety))`` with
    the gradient the attendee's number of status levels below the highest in the room. A
    facilitator's session in ``session_home`` (:mod:`qicsim.model.facilitation`) uses the same rule, with
    its own origin and streams.

    Returns:
        The number of ideas that became projects.
    """
    params = model.params
    table = model.staff
    hierarchy = table.hierarchy[att]
    gradient = np.maximum.reduce(hierarchy) - hierarchy
    voice = params.voice_prob * np.exp(-params.hierarchy_penalty * gradient * (1.0 - table.safety[att]))
    session = session_home >= 0
    voice_stream, idea_stream = (Draw.SESSION_VOICE, Draw.SESSION_IDEA) if session else (Draw.MEETING_VOICE,
                                                                                          Draw.MEETING_IDEA)
    voiced = att[model.uniforms(voice_stream, len(att), session_home if session else site) < voice]
    homes = model.sites[site].homes
    started = 0
    for slot in voiced.tolist():
        # (item(): a Python value straight away, cheaper than a NumPy scalar and its conversion)
        care = table.is_care.item(slot)
        unit = table.unit.item(slot)
        model.counts.add("ideas_voiced_care_home" if care else "ideas_voiced_nhs", unit)
        if table.hierarchy.item(slot) <= params.low_status_level:
            model.counts.add("ideas_voiced_low_status", unit)
        home_draw, fit_draw, topic_draw = model.uniforms(idea_stream, 3, slot).tolist()
        home = table.home.item(slot) if care else int(homes[pick(home_draw, len(homes))])
        fit_prob = params.fit_care_idea if care else params.fit_nhs_idea + params.setting_fit_gain * in_home
        topic = draw_topic(model, home, fit_draw < fit_prob, topic_draw)
        started += planning.plan_idea(model, home, topic, slot, origin) is not None
    return started


def draw_topic(model: QICModel, home: int, fit: bool, draw: float) -> int:
    """A topic among the home's priorities (``fit``) or outside them, chosen by a uniform ``draw``."""
    priorities = model.homes[home].priorities
    pool = sorted(priorities) if fit else [t for t in range(N_TOPICS) if t not in priorities]
    if not pool:
        pool = list(range(N_TOPICS))
    return int(pool[pick(draw, len(pool))])
