"""Process 8: shared learning events, where all sites meet (C9)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from qicsim.model import starts
from qicsim.model.draws import Draw, poisson, smallest

if TYPE_CHECKING:
    from qicsim.model.model import QICModel


def hold_learning_event(model: QICModel) -> None:
    """Hold a learning event if one is scheduled this week.

    A site takes part while the event's draw lies below its C9 intensity. Members attend
    with chance ``event_attendance x engagement x min(1, time / event_hours)``, where the time
    is what their week leaves after clinical demand (protected hours included) plus their own
    time: a day out draws on more than QIC hours alone. Outside professionals of taking-part
    sites come with chance ``outside_event_attendance``. Attendees gain engagement
    (recognition) and QI skill (shared learning), and form ties with attendees of other sites;
    improvements then travel along those ties (:mod:`qicsim.model.spread`). Under
    ``structure.project_start`` other than meetings, homes whose staff attended leave with a plan
    for the action period (:func:`qicsim.model.starts.plan_at_event`).
    """
    if model.week not in model.event_weeks:
        return
    params = model.params
    table = model.staff
    counts = model.counts
    k = model.structure.learning_event_weeks.index(model.week)
    taking_part = model.event_draws[k] < model.context("learning_events")  # per site
    draws = model.uniforms(Draw.EVENT_ATTEND, table.n)  # one draw per post, whoever attends
    sites = taking_part.nonzero()[0].tolist()
    for site in sites:
        counts.add("events_held", counts.site_unit(site))
    if not sites:
        return
    at_site = taking_part[table.site]  # a look-up: np.isin costs more than the rest of the set-up
    time = table.available + params.own_time_hours * table.engagement
    time_share = np.minimum(1.0, time / max(params.event_hours, 1e-9))
    member_prob = params.event_attendance * table.engagement * time_share
    member_prob[table.induction_left > 0] = 0.0
    prob = np.where(table.outside, params.outside_event_attendance, np.where(table.member, member_prob, 0.0))
    att = (at_site & (draws < prob)).nonzero()[0]
    if not len(att):
        return
    table.hours_events[att] += params.event_hours
    table.hours_left[att] = np.maximum(0.0, table.hours_left[att] - params.event_hours)
    table.event_attendances[att] += 1
    counts.add_many("event_attendances", table.unit[att])
    table.engagement[att] += params.event_engagement_boost * (1.0 - table.engagement[att])
    table.skill[att] = np.minimum(1.0, table.skill[att] + params.event_skill_gain)
    form_ties(model, att)
    starts.plan_at_event(model, att)


def form_ties(model: QICModel, att: np.ndarray) -> None:
    """Each attendee forms new ties with attendees from other sites: a Poisson number, chosen at random."""
    params = model.params
    table = model.staff
    site = table.site[att]
    others_of = {}  # the attendees from other sites, for attendees of each site
    wanted = poisson(model.uniforms(Draw.EVENT_TIE_COUNT, len(att)), params.event_ties_per_attendee).tolist()
    for slot, slot_site, new in zip(att.tolist(), site.tolist(), wanted, strict=True):
        others = others_of.get(slot_site)
        if others is None:
            others = others_of[slot_site] = att[site != slot_site]
        n_new = new if new < len(others) else len(others)
        if not n_new:
            continue
        chosen = others[smallest(model.uniforms(Draw.EVENT_TIE_PICK, len(others), slot), n_new)]
        raised = table.ties.raise_cross(slot, chosen, params.event_tie_strength)
        model.counts.add("ties_formed_at_events", int(table.unit[slot]), float(raised))
