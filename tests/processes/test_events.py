"""Process 8, shared learning events (``events.hold_learning_event``; docs/ODD.md 7.8)."""

from __future__ import annotations

import numpy as np
import pytest

from qicsim.model import events
from qicsim.model.roles import Role

from .world import count, post, small_world

EVENT_WEEK = 2
TIME = 40.0  # each member's available hours: more than a day out takes


def event_world(learning_events=1.0, *, engagement=1.0, **settings):
    """An event in week 2; every member has time and ``engagement``; outside professionals stay away."""
    settings = {"event_attendance": 1.0, "outside_event_attendance": 0.0} | settings
    model = small_world({"learning_events": learning_events}, week=EVENT_WEEK, learning_event_weeks=[EVENT_WEEK],
                        **settings)
    table = model.staff
    table.engagement[table.member] = engagement
    table.available[:] = TIME
    table.hours_left[table.member] = 5.0
    table.skill[:] = 0.1
    return model


def test_engaged_members_with_time_all_attend_and_gain_skill_and_ties_across_sites():
    model = event_world()
    table, params = model.staff, model.params
    members = table.member.copy()

    events.hold_learning_event(model)

    np.testing.assert_array_equal(table.event_attendances, members)  # chance 1 x 1 x min(1, 41 / 7)
    np.testing.assert_allclose(table.hours_events[members], params.event_hours)
    np.testing.assert_allclose(table.hours_left[members], max(0.0, 5.0 - params.event_hours))
    np.testing.assert_allclose(table.skill[members], min(1.0, 0.1 + params.event_skill_gain))
    np.testing.assert_allclose(table.skill[~members], 0.1)
    assert count(model, "events_held") == 2  # one per site taking part
    a, b, w = table.ties.cross
    assert len(w) > 0
    assert (table.site[a] != table.site[b]).all() and members[a].all() and members[b].all()
    np.testing.assert_allclose(w, params.event_tie_strength)
    assert count(model, "ties_formed_at_events") == len(w)  # each new tie counted once


def test_attendees_gain_recognition_a_share_of_their_gap_in_engagement_and_nobody_else_does():
    model = event_world(engagement=0.6)  # attendance is a draw now: check it for whoever attended
    table, params = model.staff, model.params
    before = table.engagement.copy()

    events.hold_learning_event(model)

    went = table.event_attendances > 0
    assert went.any()
    np.testing.assert_allclose(table.engagement[went], 0.6 + params.event_engagement_boost * 0.4)
    np.testing.assert_array_equal(table.engagement[~went], before[~went])


def test_members_in_induction_and_outside_professionals_kept_away_do_not_attend():
    model = event_world()
    table = model.staff
    newcomer = post(model, Role.SENIOR_CARER, home=0)
    table.induction_left[newcomer] = 2

    events.hold_learning_event(model)

    assert table.event_attendances[newcomer] == 0
    assert not table.event_attendances[table.outside].any()  # outside_event_attendance 0
    assert not table.event_attendances[~table.member].any()


@pytest.mark.parametrize(("learning_events", "sites_taking_part"), [(0.0, []), ({"sites": {"site_1": 1.0}}, [0])])
def test_only_sites_whose_draw_lies_below_their_c9_intensity_take_part(learning_events, sites_taking_part):
    model = event_world(learning_events)
    table = model.staff

    events.hold_learning_event(model)

    went_sites = sorted(set(table.site[table.event_attendances > 0].tolist()))
    assert went_sites == sites_taking_part
    assert count(model, "events_held") == len(sites_taking_part)
    assert table.ties.m == 0  # no other site's attendees to meet


def test_no_event_outside_the_scheduled_weeks():
    model = event_world()
    model.week = EVENT_WEEK + 1

    events.hold_learning_event(model)

    assert count(model, "events_held") == 0 and not model.staff.event_attendances.any()
