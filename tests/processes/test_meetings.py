"""Process 3, local meetings and voice (``meetings.hold_meeting``; docs/ODD.md 7.3)."""

from __future__ import annotations

import numpy as np
import pytest

from qicsim.model import meetings
from qicsim.model.roles import Role

from .world import count, post, small_world

HOURS = 10.0  # each member's QIC hours left: more than any meeting costs here
SITE = 0


def meeting_world(contexts=None, **settings):
    """Week 0 (a meeting week); every member of site 0 fully engaged with ``HOURS`` left: all attend.

    Nobody voices an idea (``voice_prob`` 0) unless a test asks, so no planning happens.
    """
    model = small_world(contexts, **({"voice_prob": 0.0} | settings))
    table = model.staff
    members = table.members_of_site(SITE)
    table.engagement[members] = 1.0
    table.hours_left[members] = table.qic_hours[members] = HOURS
    return model, members


def test_a_meeting_away_from_the_homes_costs_care_home_staff_the_meeting_and_their_travel():
    model, members = meeting_world({"meetings_in_care_homes": 0.0})
    table, params = model.staff, model.params

    meetings.hold_meeting(model, SITE)

    cost = np.where(table.is_care[members], params.meeting_hours + params.travel_hours_away,
                    params.meeting_hours + params.travel_hours_nhs)
    np.testing.assert_allclose(table.meeting_cost[members], cost)
    np.testing.assert_allclose(table.hours_left[members], HOURS - cost)
    np.testing.assert_allclose(table.hours_meetings[members], cost)
    np.testing.assert_array_equal(table.attendances[members], 1)
    site_unit = model.counts.site_unit(SITE)
    assert count(model, "meetings_held", site_unit) == 1
    assert count(model, "meetings_in_care_homes") == 0
    assert count(model, "travel_hours") == pytest.approx((cost - params.meeting_hours).sum())
    care = int(table.is_care[members].sum())
    assert count(model, "meeting_attendances_care_home") == care
    assert count(model, "meeting_attendances_nhs") == len(members) - care
    assert count(model, "care_home_meetings_within_time") == care  # 5 hours of 10


def test_a_meeting_in_a_care_home_costs_the_host_homes_staff_no_travel():
    model, members = meeting_world({"meetings_in_care_homes": 1.0})
    table, params = model.staff, model.params

    meetings.hold_meeting(model, SITE)

    assert count(model, "meetings_in_care_homes", model.counts.site_unit(SITE)) == 1
    cost = table.meeting_cost
    nhs = members[~table.is_care[members]]
    np.testing.assert_allclose(cost[nhs], params.meeting_hours + params.travel_hours_nhs)
    # Whichever home was drawn as host: its staff travel nowhere, the other home's travel in.
    by_home = {home: cost[members[table.home[members] == home]] for home in model.sites[SITE].homes}
    hosts = [home for home, c in by_home.items() if np.allclose(c, params.meeting_hours)]
    assert len(hosts) == 1
    for home, c in by_home.items():
        if home != hosts[0]:
            np.testing.assert_allclose(c, params.meeting_hours + params.travel_hours_in_home)


def test_only_members_with_engagement_and_hours_left_attend():
    model, members = meeting_world()
    table = model.staff
    unengaged, busy = post(model, Role.CARE_HOME_MANAGER, home=0), post(model, Role.GP, site=SITE)
    table.engagement[unengaged] = 0.0
    table.hours_left[busy] = 0.0

    meetings.hold_meeting(model, SITE)

    assert table.attendances[unengaged] == 0 and table.hours_left[unengaged] == HOURS
    assert table.attendances[busy] == 0
    others = members[(members != unengaged) & (members != busy)]
    np.testing.assert_array_equal(table.attendances[others], 1)
    assert not table.attendances[table.site != SITE].any()  # another site's meeting is its own


def test_attendees_carry_away_safety_understanding_skill_readiness_and_alignment_practice():
    contexts = dict.fromkeys(("hierarchy_reduction", "remit_clarity", "qi_coaching", "network_recruitment",
                              "alignment"), 1.0)
    model, members = meeting_world(contexts)
    table, params, homes = model.staff, model.params, model.home_state
    table.safety[members], table.understanding[members] = 0.2, 0.3
    table.skill[members], table.network_use[members] = 0.1, 0.4
    ties_before = table.ties.dense()
    outsider = post(model, Role.CARE_ASSISTANT, home=0)
    outsider_state = [table.safety[outsider], table.skill[outsider], table.engagement[outsider]]

    meetings.hold_meeting(model, SITE)

    np.testing.assert_allclose(table.engagement[members], 1.0 + params.meeting_engagement_gain * 0.2)  # old safety
    np.testing.assert_allclose(table.safety[members], 0.2 + params.safety_gain * 0.8)
    np.testing.assert_allclose(table.understanding[members], 0.3 + params.remit_learning * 0.7)
    np.testing.assert_allclose(table.skill[members], 0.1 + params.coaching_gain * 0.9)
    np.testing.assert_allclose(table.network_use[members], 0.4 + params.network_encouragement * 0.6)
    np.testing.assert_allclose(homes.alignment_practice, [params.alignment_practice_gain] * 2 + [0.0] * 2)
    rate = params.tie_gain * (1.0 + params.hierarchy_tie_boost)
    pairs = np.ix_(members, members)
    expected = ties_before[pairs] + rate * (1.0 - ties_before[pairs])
    np.fill_diagonal(expected, 0.0)
    np.testing.assert_allclose(table.ties.dense()[pairs], expected)
    assert [table.safety[outsider], table.skill[outsider], table.engagement[outsider]] == outsider_state


STATES = ("engagement", "safety", "understanding", "skill", "network_use", "meeting_cost", "hours_left",
          "hours_meetings", "attendances")


def meeting_state(model):
    table = model.staff
    state = {name: getattr(table, name).copy() for name in STATES}
    state["ties"] = table.ties.dense()
    state["alignment_practice"] = model.home_state.alignment_practice.copy()
    return state


@pytest.mark.parametrize(("context", "changed"), [
    ("remit_clarity", {"understanding"}),  # C1
    ("hierarchy_reduction", {"safety", "ties"}),  # C3
    ("alignment", {"alignment_practice"}),  # C5
    ("qi_coaching", {"skill"}),  # C6
    ("network_recruitment", {"network_use"}),  # C7
    ("meetings_in_care_homes", {"meeting_cost", "hours_left", "hours_meetings"}),  # C8
])
def test_a_context_at_1_rather_than_0_changes_only_the_states_its_mechanism_names(context, changed):
    states = []
    for intensity in (0.0, 1.0):
        model, members = meeting_world({context: intensity})
        model.staff.safety[members] = 0.5
        meetings.hold_meeting(model, SITE)
        states.append(meeting_state(model))
    off, on = states
    differs = {name for name in off if not np.array_equal(off[name], on[name])}
    assert differs == changed


def test_a_safe_attendee_always_voices_an_idea_and_every_idea_goes_to_planning():
    model, members = meeting_world(voice_prob=1.0)
    table = model.staff
    table.safety[members] = 1.0  # voice = voice_prob whatever the gradient

    meetings.hold_meeting(model, SITE)

    care = table.is_care[members]
    assert count(model, "ideas_voiced_care_home") == care.sum()
    assert count(model, "ideas_voiced_nhs") == (~care).sum()
    assert count(model, "ideas_voiced_low_status") == (table.hierarchy[members] <= model.params.low_status_level).sum()
    assert count(model, "ideas_in_scope") + count(model, "ideas_out_of_scope") == len(members)


def test_an_unsafe_attendee_far_below_the_top_of_the_room_stays_silent():
    model, members = meeting_world(voice_prob=1.0, hierarchy_penalty=5.0)
    table = model.staff
    gp, carer = post(model, Role.GP, site=SITE), post(model, Role.SENIOR_CARER, home=0)
    table.engagement[members] = 0.0  # only the GP and the senior carer attend
    table.engagement[[gp, carer]] = 1.0
    table.safety[[gp, carer]] = 0.0

    meetings.hold_meeting(model, SITE)

    # The GP is the top of the room (voice 1); the carer is 4 levels below: exp(-5 x 4) = 2e-9.
    assert count(model, "ideas_voiced_nhs") == 1
    assert count(model, "ideas_voiced_care_home") == 0


def test_meetings_are_held_at_every_site_in_meeting_weeks_only():
    model = small_world(week=1)
    meetings.hold_local_meetings(model)
    assert count(model, "meetings_held") == 0

    model.week = 4
    meetings.hold_local_meetings(model)
    assert [count(model, "meetings_held", model.counts.site_unit(s)) for s in range(2)] == [1, 1]
