"""Process 1 (workload and QIC time) and process 10 (the improvement feedback loop)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from qicsim.model.project import IN_PLACE

if TYPE_CHECKING:
    from qicsim.model.model import QICModel

WEEKS_PER_YEAR = 52.0


def seasonal_load(model: QICModel) -> float:
    """Demand multiplier from winter pressure this week (a cosine, peak at winter_peak_week)."""
    p = model.p
    phase = 2.0 * np.pi * (model.week - p.winter_peak_week) / WEEKS_PER_YEAR
    return 1.0 + p.winter_amplitude * float(np.cos(phase))


def update_time(model: QICModel) -> None:
    """Set each member's QIC hours for the week (process 1; C4 acts here).

    Demand is contracted hours times the member's workload share times the load of their
    home (season and feedback) or the season (NHS). A member whose time is protected and
    paid (C4: the draw lies below the site's intensity, support is running, and the home is
    not in crisis) has the protected hours on top of what every member gives: part of the
    slack left after care duties, scaled by engagement. Members' engagement fades a little
    every week (``engagement_decay``) unless renewed by success, meetings or recognition.
    """
    p = model.p
    table = model.staff
    season = seasonal_load(model)
    model.home_load = season * model.feedback_factor
    load = np.where(table.is_care, model.home_load[np.maximum(table.home, 0)], season)
    demand = table.contracted_hours * table.workload_share * load
    model.slack = np.maximum(0.0, table.contracted_hours - demand)
    unprotected = p.slack_use * model.slack * table.engagement
    protected = (
        table.member
        & model.supported
        & (table.protection_draw < model.context_by_staff("protected_time"))
        & (load <= p.protection_breaks_at)
    )
    model.protected_now = protected
    model.unprotected_hours = np.where(table.member, unprotected, 0.0)
    model.qic_hours = model.unprotected_hours + np.where(protected, p.protected_hours, 0.0)
    model.hours_left = model.qic_hours.copy()
    table.engagement[table.member] -= p.engagement_decay
    if protected.any():
        table.hours_protected_paid[protected] += p.protected_hours
        model.counts.add_many("protected_hours", model.unit[protected], p.protected_hours)


def apply_feedback(model: QICModel) -> None:
    """Working improvements ease their home's workload (process 10, an assumption).

    Each improvement in place cuts the home's demand by ``feedback_strength``, down to
    ``feedback_floor``; with ``feedback_strength = 0`` the loop is off.
    """
    p = model.p
    if p.feedback_strength == 0:
        return
    in_place = np.zeros(len(model.homes))
    for project in model.projects:
        if project.stage in IN_PLACE:
            in_place[project.home] += 1
    model.feedback_factor = np.maximum(p.feedback_floor, 1.0 - p.feedback_strength * in_place)
    freed = 1.0 - model.feedback_factor
    if freed.any():
        table = model.staff
        care = table.is_care
        hours = table.contracted_hours[care] * table.workload_share[care] * freed[table.home[care]]
        model.counts.add_many("hours_freed_by_feedback", table.home[care], hours)
