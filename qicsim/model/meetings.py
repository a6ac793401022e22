"""Process 3: local meetings of a site team (attendance, voice, ties, local spread)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from qicsim.model import planning
from qicsim.model.project import Origin
from qicsim.model.topics import N_TOPICS

if TYPE_CHECKING:
    from qicsim.model.model import QICModel

LOW_STATUS = 1  # hierarchy level at or below which a voice counts as "low status"


def is_meeting_week(model: QICModel) -> bool:
    """Local meetings run during support, every ``meeting_interval_weeks``, not in event weeks."""
    return (model.supported and model.week % model.structure.meeting_interval_weeks == 0
            and model.week not in model.event_weeks)


def hold_local_meetings(model: QICModel) -> None:
    """Hold this week's local meeting at every site, if one is due."""
    if not is_meeting_week(model):
        return
    for site in model.sites:
        hold_meeting(model, site.index)


def hold_meeting(model: QICModel, site: int) -> None:
    """One site's local meeting.

    C8 sets the chance the meeting is held in a care home (shorter travel for care home
    staff; NHS staff see the setting). Attendance needs QIC time for the meeting and the
    journey. C3 raises attendees' psychological safety and tie growth; voice falls with the
    status gradient in the room for members who do not feel safe.

    Args:
        model: The model.
        site: Site index.
    """
    p = model.p
    rng = model.rng
    table = model.staff
    team = model.sites[site]
    counts = model.counts
    site_unit = counts.site_unit(site)
    in_home = rng.random() < model.context("meetings_in_care_homes", site)
    host = int(rng.choice(team.homes))
    counts.add("meetings_held", site_unit)
    if in_home:
        counts.add("meetings_in_care_homes", site_unit)

    members = np.flatnonzero(table.member & (table.site == site))
    if not len(members):
        return
    care = table.is_care[members]
    travel = np.where(care, p.travel_hours_in_home if in_home else p.travel_hours_away,
                      p.travel_hours_nhs)
    if in_home:
        travel = np.where(care & (table.home[members] == host), 0.0, travel)
    cost = p.meeting_hours + travel
    hours = model.hours_left[members]
    # A meeting that costs no time is open to everyone (guards meeting_hours = 0).
    attend_prob = table.engagement[members] * np.minimum(1.0, hours / np.maximum(cost, 1e-9))
    attended = rng.random(len(members)) < attend_prob
    att = members[attended]
    if not len(att):
        return
    att_cost = cost[attended]
    model.hours_left[att] = np.maximum(0.0, hours[attended] - att_cost)
    table.hours_meetings[att] += att_cost
    units = model.unit[att]
    counts.add_many("travel_hours", units, travel[attended])
    model.attendances[att] += 1
    # Attendances that protected time made possible: without it the member's hours would
    # not have covered the meeting.
    enabled = model.protected_now[att] & (model.unprotected_hours[att] < att_cost)
    counts.add_many("attendances_enabled_by_protection", units[enabled])
    if in_home:
        counts.add_many("care_home_attendances_in_homes", units[table.is_care[att]])

    c3 = model.context("hierarchy_reduction", site)
    voice_and_plan(model, site, att, in_home)
    strengthen_ties(model, att, c3)
    gain = p.safety_gain * c3 * (1.0 - table.safety[att])
    table.safety[att] += gain
    counts.add_many("safety_gained", units, gain)
    # Members who feel valued and safe come away more engaged (C3 acts through safety).
    table.engagement[att] += p.meeting_engagement_gain * table.safety[att]
    spread_locally(model, site, att)


def voice_and_plan(model: QICModel, site: int, att: np.ndarray, in_home: bool) -> None:
    """Attendees voice ideas; each idea goes to planning (process 4).

    Voice chance: ``voice_prob * exp(-hierarchy_penalty * gradient * (1 - safety))`` with
    the gradient the attendee's number of status levels below the highest in the room.
    """
    p = model.p
    rng = model.rng
    table = model.staff
    gradient = table.hierarchy[att].max() - table.hierarchy[att]
    voice = p.voice_prob * np.exp(-p.hierarchy_penalty * gradient * (1.0 - table.safety[att]))
    voiced = att[rng.random(len(att)) < voice]
    homes = model.sites[site].homes
    for slot in voiced:
        slot = int(slot)
        care = bool(table.is_care[slot])
        unit = int(model.unit[slot])
        model.counts.add("ideas_voiced_care_home" if care else "ideas_voiced_nhs", unit)
        if table.hierarchy[slot] <= LOW_STATUS:
            model.counts.add("ideas_voiced_low_status", unit)
        home = int(table.home[slot]) if care else int(rng.choice(homes))
        fit_prob = p.fit_care_idea if care else p.fit_nhs_idea + p.setting_fit_gain * in_home
        topic = draw_topic(model, home, rng.random() < fit_prob)
        planning.plan_idea(model, home, topic, slot, Origin.VOICED)


def draw_topic(model: QICModel, home: int, fit: bool) -> int:
    """A topic among the home's priorities (``fit``) or outside them."""
    priorities = model.homes[home].priorities
    pool = sorted(priorities) if fit else [t for t in range(N_TOPICS) if t not in priorities]
    if not pool:
        pool = list(range(N_TOPICS))
    return int(pool[int(model.rng.integers(len(pool)))])


def strengthen_ties(model: QICModel, att: np.ndarray, c3: float) -> None:
    """Co-attending strengthens ties, more so with hierarchy-reducing strategies (C3)."""
    ties = model.staff.ties
    block = np.ix_(att, att)
    before = ties[block]
    rate = min(1.0, model.p.tie_gain * (1.0 + model.p.hierarchy_tie_boost * c3))  # ties stay within [0, 1]
    gain = rate * (1.0 - before)
    np.fill_diagonal(gain, 0.0)
    ties[block] = before + gain
    model.counts.add_many("tie_strength_gained", model.unit[att], gain.sum(axis=1))


def spread_locally(model: QICModel, site: int, att: np.ndarray) -> None:
    """An improvement in place may be proposed for another home whose member attended."""
    rng = model.rng
    table = model.staff
    care_att = att[table.is_care[att]]
    if not len(care_att):
        return
    for project in [pr for pr in model.projects if pr.site == site and pr.in_place]:
        if rng.random() >= model.p.local_spread_prob:
            continue
        others = care_att[table.home[care_att] != project.home]
        if not len(others):
            continue
        champion = int(others[int(rng.integers(len(others)))])
        home = int(table.home[champion])
        model.counts.add("ideas_spread_locally", home)
        planning.plan_idea(model, home, project.topic, champion, Origin.LOCAL_SPREAD,
                           parent=project.pid)
