"""Process 8: shared learning events, where all sites meet (C9)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from qicsim.contexts import CONTEXT_INDEX
from qicsim.model import planning
from qicsim.model.project import Origin

if TYPE_CHECKING:
    from qicsim.model.model import QICModel


def hold_learning_event(model: QICModel) -> None:
    """Hold a learning event if one is scheduled this week.

    A site takes part while the event's draw lies below its C9 intensity. Members attend
    if they have time; attendees gain engagement (recognition) and QI skill (shared
    learning), form ties across sites and
    professions (with outside professionals who come too), and take up improvements that
    other sites have put in place.
    """
    if model.week not in model.event_weeks:
        return
    p = model.p
    rng = model.rng
    table = model.staff
    counts = model.counts
    k = model.structure.learning_event_weeks.index(model.week)
    c9 = model.intensity[CONTEXT_INDEX["learning_events"], :, model.week]
    taking_part = np.flatnonzero(model.event_draws[k] < c9)
    for site in taking_part:
        counts.add("events_held", counts.site_unit(int(site)))
    if not len(taking_part):
        return
    at_site = np.isin(table.site, taking_part)
    # A day out needs the member's protected hours plus their whole slack, not QIC hours alone.
    available = model.slack + np.where(model.protected_now, p.protected_hours, 0.0)
    time_share = np.minimum(1.0, available / max(p.event_hours, 1e-9))
    member_prob = p.event_attendance * table.engagement * time_share
    prob = np.where(table.outside, p.outside_event_attendance, np.where(table.member, member_prob, 0.0))
    att = np.flatnonzero(at_site & (rng.random(table.n) < prob))
    if not len(att):
        return
    table.hours_events[att] += p.event_hours
    model.hours_left[att] = np.maximum(0.0, model.hours_left[att] - p.event_hours)
    model.event_attendances[att] += 1
    counts.add_many("event_attendances", model.unit[att])
    table.engagement[att] += p.event_engagement_boost * (1.0 - table.engagement[att])
    table.skill[att] = np.minimum(1.0, table.skill[att] + p.event_skill_gain)
    form_ties(model, att)
    spread_across_sites(model, att, taking_part)


def form_ties(model: QICModel, att: np.ndarray) -> None:
    """Each attendee forms new ties with attendees from other sites."""
    p = model.p
    rng = model.rng
    table = model.staff
    for slot in att:
        others = att[table.site[att] != table.site[slot]]
        n_new = min(len(others), int(rng.poisson(p.event_ties_per_attendee)))
        if not n_new:
            continue
        chosen = rng.choice(others, size=n_new, replace=False)
        new = table.ties[slot, chosen] < p.event_tie_strength
        table.ties[slot, chosen] = table.ties[chosen, slot] = np.maximum(
            table.ties[slot, chosen], p.event_tie_strength)
        model.counts.add("ties_formed_at_events", int(model.unit[slot]), float(new.sum()))


def spread_across_sites(model: QICModel, att: np.ndarray, taking_part: np.ndarray) -> None:
    """Improvements in place at a site taking part may be taken up by attendees from another."""
    rng = model.rng
    table = model.staff
    care_att = att[table.is_care[att] & table.member[att]]
    for project in [pr for pr in model.projects if pr.in_place and pr.site in taking_part]:
        others = care_att[table.site[care_att] != project.site]
        if not len(others) or rng.random() >= model.p.event_spread_prob:
            continue
        champion = int(others[int(rng.integers(len(others)))])
        home = int(table.home[champion])
        model.counts.add("ideas_spread_at_events", home)
        planning.plan_idea(model, home, project.topic, champion, Origin.EVENT_SPREAD,
                           parent=project.pid)
