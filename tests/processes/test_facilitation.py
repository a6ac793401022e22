"""Facilitation in the home: the caseload, sessions and what they do (``facilitation``; docs/ODD.md 7.4b)."""

from __future__ import annotations

import numpy as np
import pytest

from qicsim.model import coaching, facilitation
from qicsim.model.draws import Draw
from qicsim.model.project import Origin
from qicsim.model.roles import Role

from .world import add_project, count, fix_draws, home_members, join, post, small_world

SESSION_DRAWS = [draw for draw in Draw if draw.name.startswith("SESSION_")]

HOURS = 10.0  # each member's QIC hours left: more than a session costs
LENGTH = 3.0  # facilitation_session_hours (the default)
CONTEXTS = {"qi_coaching": 1.0, "remit_clarity": 1.0, "alignment": 1.0}
QUIET = {"voice_prob": 0.0, "facilitation_start_prob": 0.0, "facilitation_unstick_prob": 0.0,
         "facilitation_data_gain": 0.0}


def session_world(contexts=None, *, credit=(LENGTH - 1.0, 0.0, 0.0, 0.0), **settings):
    """4 homes, 1 caseload hour a week each (4 h at C6 = 1); home 0 has a session this week (its bank fills up).

    Every member is fully engaged with ``HOURS`` left; nothing is voiced, started, restarted or
    measured unless a test asks.
    """
    model = small_world(CONTEXTS if contexts is None else contexts, project_start="facilitation",
                        **(QUIET | {"facilitation_hours_per_week": 4.0} | settings))
    table = model.staff
    members = np.flatnonzero(table.member)
    table.engagement[members] = 1.0
    table.hours_left[members] = table.qic_hours[members] = HOURS
    model.home_state.facilitation_credit = np.array(credit, dtype=float)
    return model


# --- the caseload --------------------------------------------------------------------------------

def test_each_home_gets_the_programmes_hours_times_c6_shared_by_all_homes():
    model = small_world({"qi_coaching": {"sites": {"site_1": 0.5}}}, project_start="facilitation",
                        facilitation_hours_per_week=8.0)
    np.testing.assert_allclose(coaching.caseload_hours(model), [8.0 * 0.5 / 4] * 2 + [0.0] * 2)


def test_the_same_hours_over_more_homes_give_each_less():
    few = small_world({"qi_coaching": 1.0}, project_start="facilitation", facilitation_hours_per_week=8.0)
    many = small_world({"qi_coaching": 1.0}, project_start="facilitation", facilitation_hours_per_week=8.0,
                       homes_per_site=[4, 4])
    assert coaching.caseload_hours(few)[0] == pytest.approx(2.0)
    assert coaching.caseload_hours(many)[0] == pytest.approx(1.0)


def test_no_caseload_after_support_and_no_hours_alongside_projects_under_facilitation():
    ended = small_world({"qi_coaching": 1.0}, week=12, project_start="facilitation", facilitation_hours_per_week=8.0)
    assert not coaching.caseload_hours(ended).any()
    running = small_world({"qi_coaching": 1.0}, project_start="facilitation", facilitator_hours_per_home=6.0)
    assert not coaching.facilitator_hours(running).any()  # the facilitators hold sessions instead


# --- sessions ------------------------------------------------------------------------------------

def test_a_home_holds_a_session_when_its_bank_holds_one_and_the_hours_are_counted_as_delivered():
    model = session_world(credit=(2.5, 1.0, 0.0, 2.9))

    facilitation.hold_sessions(model)

    np.testing.assert_allclose(model.home_state.facilitation_credit, [0.5, 2.0, 1.0, 0.9])
    assert [count(model, "facilitation_sessions", h) for h in range(4)] == [1, 0, 0, 1]
    assert [count(model, "facilitator_hours", h) for h in range(4)] == [LENGTH, 0, 0, LENGTH]


def test_at_most_one_session_a_week_and_surplus_hours_are_not_banked():
    model = session_world(credit=(0.0,) * 4, facilitation_hours_per_week=40.0)  # 10 h a home a week

    facilitation.hold_sessions(model)

    assert count(model, "facilitation_sessions") == 4
    np.testing.assert_allclose(model.home_state.facilitation_credit, [LENGTH] * 4)


def test_the_first_bank_is_drawn_once_within_one_session():
    model = small_world({"qi_coaching": 1.0}, project_start="facilitation", facilitation_hours_per_week=0.004, **QUIET)
    expected = model.draws.uniforms(Draw.SESSION_CREDIT, model.week, 0, 4) * LENGTH + 0.001

    facilitation.hold_sessions(model)

    np.testing.assert_allclose(model.home_state.facilitation_credit, expected)


def test_members_with_engagement_and_hours_attend_on_site_and_spend_the_sessions_hours():
    model = session_world()
    table = model.staff
    members = home_members(model, 0)
    away = post(model, Role.SENIOR_CARER, home=0)
    join(model, away, engagement=0.0)  # a member with no engagement stays away
    table.hours_left[away] = HOURS
    outsider = post(model, Role.CARE_ASSISTANT, home=0)  # not in the team
    table.engagement[outsider], table.hours_left[outsider] = 1.0, HOURS

    facilitation.hold_sessions(model)

    attended = members[members != away]
    np.testing.assert_allclose(table.hours_left[attended], HOURS - LENGTH)  # no travel
    np.testing.assert_allclose(table.hours_sessions[attended], LENGTH)
    assert table.hours_sessions[away] == table.hours_sessions[outsider] == 0.0
    assert table.hours_left[away] == HOURS
    assert count(model, "facilitation_attendances", 0) == len(attended)
    assert not table.hours_sessions[table.home != 0].any()  # no session elsewhere


def test_attendees_are_coached_learn_the_remit_practise_alignment_and_gain_engagement():
    model = session_world()
    table, params, homes = model.staff, model.params, model.home_state
    att = home_members(model, 0)
    table.skill[att], table.understanding[att], table.safety[att], table.engagement[att] = 0.1, 0.3, 0.5, 0.6
    homes.alignment_practice[:] = 0.2
    fix_draws(model, 0.0, *SESSION_DRAWS)  # every attendance draw below its chance: all attend

    facilitation.hold_sessions(model)

    np.testing.assert_allclose(table.skill[att], 0.1 + params.coaching_gain * 0.9)  # C6
    np.testing.assert_allclose(table.understanding[att], 0.3 + params.remit_learning * 0.7)  # C1
    np.testing.assert_allclose(homes.alignment_practice, [0.2 + params.alignment_practice_gain * 0.8, 0.2, 0.2, 0.2])
    np.testing.assert_allclose(table.engagement[att], 0.6 + params.meeting_engagement_gain * 0.5)


def test_the_sessions_learning_follows_its_contexts():
    model = session_world(contexts={"qi_coaching": 1.0})  # C1 = C5 = 0
    table = model.staff
    att = home_members(model, 0)
    table.skill[att], table.understanding[att] = 0.1, 0.3

    facilitation.hold_sessions(model)

    np.testing.assert_allclose(table.skill[att], 0.1 + model.params.coaching_gain * 0.9)
    np.testing.assert_allclose(table.understanding[att], 0.3)
    assert not model.home_state.alignment_practice.any()
    without_coaching = session_world(contexts={})  # C6 = 0: no caseload, hence no session
    facilitation.hold_sessions(without_coaching)
    assert count(without_coaching, "facilitation_sessions") == 0


def test_ideas_voiced_at_a_session_become_the_homes_projects_without_a_scope_check():
    model = session_world(voice_prob=1.0, remit_scope_floor=0.0)
    table = model.staff
    att = home_members(model, 0)
    table.safety[att], table.understanding[att] = 1.0, 0.0  # all speak; none understands the remit

    facilitation.hold_sessions(model)

    assert count(model, "ideas_voiced_care_home") == len(att) and count(model, "ideas_out_of_scope") == 0
    assert model.projects and all(p.origin == Origin.FACILITATED and p.home == 0 for p in model.projects)
    assert count(model, "starts_with_facilitator", 0) == len(model.projects)


@pytest.mark.parametrize("active", [False, True])
def test_the_facilitator_helps_a_home_with_nothing_under_way_start_a_project(active):
    model = session_world(facilitation_start_prob=1.0)
    table = model.staff
    att = home_members(model, 0)
    table.engagement[att] = [0.7, 0.9]
    if active:
        add_project(model, 0, int(att[0]))

    facilitation.hold_sessions(model)

    started = [p for p in model.projects if p.origin == Origin.FACILITATED]
    if active:
        assert not started
    else:
        assert [(p.home, p.champion) for p in started] == [(0, int(att[1]))]  # the most engaged attendee
        assert started[0].topic in model.homes[0].priorities
        assert count(model, "starts_with_facilitator", 0) == 1


@pytest.mark.parametrize("chance", [0.0, 1.0])
def test_a_session_restarts_a_project_without_a_champion_and_one_blocked_for_a_discipline(chance):
    model = session_world(facilitation_unstick_prob=chance)
    table = model.staff
    att = home_members(model, 0)
    table.engagement[att] = [0.9, 0.7]
    stalled = add_project(model, 0, -1)
    blocked = add_project(model, 0, int(att[1]), topic_name="nutrition_support")
    blocked.needs = {int(Role.DIETITIAN)}

    facilitation.hold_sessions(model)

    if chance:
        assert stalled.champion == int(att[0])
        assert not blocked.needs and Role.DIETITIAN in blocked.disciplines
        assert table.role[blocked.recruited[0]] == Role.DIETITIAN and table.site[blocked.recruited[0]] == 0
        assert count(model, "projects_unstuck", 0) == 2
    else:
        assert stalled.champion == -1 and blocked.needs == {int(Role.DIETITIAN)}
        assert count(model, "projects_unstuck") == 0


def test_the_facilitator_helps_the_home_measure():
    model = session_world(facilitation_data_gain=0.1)
    capability = model.home_state.data_capability
    before = capability.copy()

    facilitation.hold_sessions(model)

    np.testing.assert_allclose(capability, [before[0] + 0.1 * (1.0 - before[0]), *before[1:]])
    assert count(model, "data_capability_from_sessions", 0) == pytest.approx(0.1 * (1.0 - before[0]))


@pytest.mark.parametrize("structure", ["meetings", "events_and_managers"])
def test_no_session_and_no_draw_under_the_other_structures(structure):
    model = small_world({"qi_coaching": 1.0}, project_start=structure, facilitation_hours_per_week=40.0)
    draws = fix_draws(model, 0.0)

    facilitation.hold_sessions(model)

    assert model.home_state.facilitation_credit is None and count(model, "facilitation_sessions") == 0
    assert draws.asked == []
