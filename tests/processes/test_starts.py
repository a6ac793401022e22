"""Process 4 beyond meetings: plans made at learning events, managers' topics (``starts``; docs/ODD.md 7.4b)."""

from __future__ import annotations

import numpy as np
import pytest

from qicsim.model import alignment, starts
from qicsim.model.draws import Draw
from qicsim.model.project import Origin, Stage
from qicsim.model.roles import Role
from qicsim.model.topics import TOPICS

from .world import add_project, count, fix_draws, post, small_world

ROUTES = "events_and_managers"


def managers(model):
    return [post(model, Role.CARE_HOME_MANAGER, home=home) for home in range(len(model.homes))]


# --- plans for the action period -------------------------------------------------------------

def event_world(**settings):
    """Event attendees: home 0's manager and senior carer, home 2's manager, a GP; all fully understand the remit."""
    model = small_world(project_start=ROUTES, event_plan_prob=1.0, fit_care_idea=1.0, project_effort_sigma=0.0,
                        **settings)
    table = model.staff
    mgr0, carer0 = post(model, Role.CARE_HOME_MANAGER, home=0), post(model, Role.SENIOR_CARER, home=0)
    mgr2, gp = post(model, Role.CARE_HOME_MANAGER, home=2), post(model, Role.GP, site=0)
    table.engagement[[mgr0, carer0, mgr2]] = [0.5, 0.9, 0.6]
    attendees = np.array([mgr0, carer0, mgr2, gp])
    table.understanding[attendees] = 1.0
    return model, attendees, (mgr0, carer0, mgr2)


def test_each_home_whose_staff_attended_leaves_with_a_plan_its_most_engaged_attendee_proposes_and_leads():
    model, attendees, (_, carer0, mgr2) = event_world()

    starts.plan_at_event(model, attendees)

    assert [(p.home, p.origin, p.champion) for p in model.projects] == [
        (0, Origin.EVENT_PLAN, carer0), (2, Origin.EVENT_PLAN, mgr2)]
    assert all(p.topic in model.homes[p.home].priorities for p in model.projects)  # fit_care_idea = 1
    # A home's own project, at full effort (sigma 0: exactly the mean), not an iteration's share.
    assert all(p.effort_hours == pytest.approx(model.params.project_effort_hours) for p in model.projects)
    assert [count(model, "event_plans_made", h) for h in range(4)] == [1, 0, 1, 0]
    assert [count(model, "starts_from_event_plans", h) for h in range(4)] == [1, 0, 1, 0]


def test_a_plan_not_seen_to_be_within_the_remit_is_dropped_like_a_voiced_idea():
    model, attendees, _ = event_world(remit_scope_floor=0.0)
    model.staff.understanding[attendees] = 0.0  # C1: nothing falls within scope

    starts.plan_at_event(model, attendees)

    assert not model.projects
    assert count(model, "event_plans_made") == 2 and count(model, "ideas_out_of_scope") == 2
    assert count(model, "starts_from_event_plans") == 0


def test_no_plan_when_the_chance_is_zero_but_the_homes_draws_are_taken():
    model, attendees, _ = event_world()
    model.params.event_plan_prob = 0.0
    draws = fix_draws(model, 0.0, Draw.EVENT_PLAN)  # a draw of 0 is not below a chance of 0

    starts.plan_at_event(model, attendees)

    assert not model.projects and count(model, "event_plans_made") == 0
    assert draws.asked == [Draw.EVENT_PLAN]


# --- the manager's choice ----------------------------------------------------------------------

@pytest.mark.parametrize(("understanding", "practice", "hours"), [(1.0, 1.0, 5.0), (0.5, 0.2, 1.0), (0.3, 0.0, 0.0)])
def test_a_managers_chance_rises_with_understanding_alignment_practice_and_hours(understanding, practice, hours):
    model = small_world(project_start=ROUTES)
    params, table = model.params, model.staff
    manager = post(model, Role.CARE_HOME_MANAGER, home=1)
    table.understanding[manager], table.hours_left[manager] = understanding, hours
    model.home_state.alignment_practice[1] = practice

    expected = (params.manager_start_rate * understanding
                * (params.manager_alignment_floor + (1.0 - params.manager_alignment_floor) * practice)
                * min(1.0, hours / params.manager_start_hours))
    assert starts.manager_probability(model, manager) == pytest.approx(expected)


def test_a_manager_outside_the_team_or_in_induction_does_not_choose():
    model = small_world(project_start=ROUTES)
    table = model.staff
    out, new = post(model, Role.CARE_HOME_MANAGER, home=0), post(model, Role.CARE_HOME_MANAGER, home=1)
    table.understanding[[out, new]], table.hours_left[[out, new]] = 1.0, 10.0
    table.member[out] = False
    table.induction_left[new] = 2
    assert starts.manager_probability(model, out) == 0.0 == starts.manager_probability(model, new)


def manager_world(**settings):
    """Every manager sure to choose: rate 1, full understanding and alignment practice, hours to spare."""
    model = small_world(project_start=ROUTES, manager_start_rate=1.0, project_effort_sigma=0.0, **settings)
    table = model.staff
    table.understanding[managers(model)] = 1.0
    table.hours_left[managers(model)] = 10.0
    model.home_state.alignment_practice[:] = 1.0
    return model


def test_a_manager_who_chooses_starts_and_leads_an_aligned_project_on_a_free_priority():
    model = manager_world()

    starts.start_by_managers(model)

    assert [(p.home, p.origin, p.champion) for p in model.projects] == [
        (h, Origin.MANAGER, m) for h, m in enumerate(managers(model))]
    for project in model.projects:
        assert project.topic in model.homes[project.home].priorities
        assert project.alignment == pytest.approx(alignment.project_alignment(model, project.home, True)) == 1.0
        assert project.effort_hours == pytest.approx(model.params.project_effort_hours)
    assert count(model, "manager_choices") == count(model, "starts_by_manager") == 4
    assert count(model, "aligned_take_ups") == 4


def test_no_choice_in_a_full_home_or_one_whose_priorities_all_have_a_project():
    model = manager_world(max_projects_per_home=3)
    for _ in range(3):
        add_project(model, 0, managers(model)[0])  # home 0 holds max_projects_per_home active projects
    for index in sorted(model.homes[1].priorities):  # home 1 has an improvement in place on each priority
        add_project(model, 1, managers(model)[1], topic_name=TOPICS[index].name, stage=Stage.IMPLEMENTED)
    before = len(model.projects)

    starts.start_by_managers(model)

    assert sorted(p.home for p in model.projects[before:]) == [2, 3]
    assert count(model, "manager_choices", 0) == count(model, "manager_choices", 1) == 0


def test_nothing_acts_or_draws_under_meetings_or_after_support():
    # Under meetings (peach_2026), and after support (the small world's support is 12 weeks).
    for model in (small_world(project_start="meetings"), small_world(project_start=ROUTES, week=12)):
        table = model.staff
        table.understanding[:] = 1.0
        model.params.manager_start_rate = model.params.event_plan_prob = 1.0
        draws = fix_draws(model, 0.0)  # every draw below its chance, were one drawn

        starts.start_by_managers(model)
        if model.structure.project_start == "meetings":
            starts.plan_at_event(model, np.flatnonzero(table.member))

        assert not model.projects and draws.asked == []
