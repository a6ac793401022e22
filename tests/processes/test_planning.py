"""Process 4, planning: ideas become projects (``planning.plan_idea``; docs/ODD.md 7.4)."""

from __future__ import annotations

import math

import pytest

from qicsim.model import planning
from qicsim.model.project import Origin, Stage
from qicsim.model.roles import Role
from qicsim.model.topics import N_TOPICS, TOPICS

from .world import add_project, count, join, post, set_tie, small_world, topic

HOME = 0


def planning_world(contexts=None, **settings):
    """Home 0's senior carer, a member who fully understands the remit, is the voicer; no trust yet."""
    model = small_world(contexts, **settings)
    table = model.staff
    voicer = post(model, Role.SENIOR_CARER, home=HOME)
    join(model, voicer, engagement=0.6)
    table.understanding[voicer] = 1.0
    table.skill[voicer] = 0.0
    for nhs in model.sites[0].nhs_staff:
        set_tie(model, voicer, int(nhs), 0.0)
    return model, voicer


def priority(model, home=HOME):
    return min(model.homes[home].priorities)


def off_priority(model, home=HOME):
    return min(set(range(N_TOPICS)) - model.homes[home].priorities)


def test_an_idea_not_seen_to_be_within_the_remit_is_dropped():
    model, voicer = planning_world(remit_scope_floor=0.0)
    model.staff.understanding[voicer] = 0.0  # scope chance 0 + (1 - 0) x 0

    assert planning.plan_idea(model, HOME, priority(model), voicer, Origin.VOICED) is None

    assert model.projects == []
    assert count(model, "ideas_out_of_scope", HOME) == 1


def test_a_member_who_voices_an_idea_for_their_home_leads_the_project_it_becomes():
    model, voicer = planning_world()
    params = model.params
    model.home_state.alignment_practice[HOME] = 0.5
    wanted = priority(model)

    project = planning.plan_idea(model, HOME, wanted, voicer, Origin.VOICED)

    assert project is model.projects[-1]
    assert (project.champion, project.home, project.topic, project.origin) == (voicer, HOME, wanted, Origin.VOICED)
    assert project.stage == Stage.PLANNED and project in model.open.active
    assert model.open.active_at_home[HOME] == 1 and model.open.open_topic[HOME][wanted] == 1
    assert project.alignment == pytest.approx(params.base_alignment + (1.0 - params.base_alignment) * 0.5)
    # Skill 0 and no coaching: chunks of chunk_hours_novice at most, as many as the effort needs.
    assert project.n_chunks == max(1, math.ceil(project.effort_hours / params.chunk_hours_novice))
    assert project.chunk_hours * project.n_chunks == pytest.approx(project.effort_hours)
    assert project.setup_left == params.setup_weeks_max  # no tie across the divide: no trust
    assert count(model, "ideas_in_scope", HOME) == 1 and count(model, "aligned_take_ups", HOME) == 1


def test_set_up_is_shorter_the_more_the_champion_trusts_their_partners():
    model, voicer = planning_world()
    set_tie(model, voicer, post(model, Role.GP, site=0), 0.5)

    project = planning.plan_idea(model, HOME, priority(model), voicer, Origin.VOICED)

    assert project.setup_left == pytest.approx(model.params.setup_weeks_max * (1.0 - 0.5))
    assert count(model, "partnership_trust", HOME) == pytest.approx(0.5)


def test_planning_with_the_coach_raises_skill_before_the_chunks_are_sized():
    model, voicer = planning_world({"qi_coaching": 1.0})
    params = model.params

    project = planning.plan_idea(model, HOME, priority(model), voicer, Origin.VOICED)

    skill = params.coaching_gain * (1.0 - 0.0)
    target = params.chunk_hours_novice - (params.chunk_hours_novice - params.chunk_hours_skilled) * skill
    assert model.staff.skill[voicer] == pytest.approx(skill)
    assert project.n_chunks == max(1, math.ceil(project.effort_hours / target))


def test_an_improvement_spread_from_elsewhere_is_in_scope_already():
    model, voicer = planning_world(remit_scope_floor=0.0)
    model.staff.understanding[voicer] = 0.0

    project = planning.plan_idea(model, HOME, priority(model), voicer, Origin.SPREAD_WITHIN_SITE, parent=7)

    assert project is not None and project.parent == 7
    assert count(model, "ideas_in_scope") == count(model, "ideas_out_of_scope") == 0


def test_an_idea_is_dropped_when_its_topic_is_under_way_unless_an_iteration_or_the_home_is_full():
    model, voicer = planning_world(max_projects_per_home=2)
    first, second = sorted(model.homes[HOME].priorities)[:2]
    add_project(model, HOME, voicer, topic_name=TOPICS[first].name)

    assert planning.plan_idea(model, HOME, first, voicer, Origin.VOICED) is None  # room, but the topic is taken
    assert planning.plan_idea(model, HOME, first, voicer, Origin.ITERATION) is not None  # iterating it is not
    assert model.open.active_at_home[HOME] == 2
    assert planning.plan_idea(model, HOME, second, voicer, Origin.VOICED) is None  # full: 2 of 2
    assert count(model, "ideas_no_capacity", HOME) == 2
    assert len(model.projects) == 2


def test_with_full_alignment_practice_an_idea_off_the_homes_priorities_is_refitted_to_one():
    model, voicer = planning_world(alignment_filter=1.0)
    model.home_state.alignment_practice[HOME] = 1.0

    project = planning.plan_idea(model, HOME, off_priority(model), voicer, Origin.VOICED)

    assert project.topic in model.homes[HOME].priorities
    assert project.alignment == pytest.approx(1.0)  # base + (1 - base) x 1
    assert count(model, "ideas_refitted_to_priorities", HOME) == 1


def test_a_project_off_the_homes_priorities_is_less_aligned():
    model, voicer = planning_world(alignment_filter=0.0)
    params = model.params
    model.home_state.alignment_practice[HOME] = 0.5

    project = planning.plan_idea(model, HOME, off_priority(model), voicer, Origin.VOICED)

    assert project.topic == off_priority(model)
    assert project.alignment == pytest.approx(
        (params.base_alignment + (1.0 - params.base_alignment) * 0.5) * params.unaligned_fit)
    assert count(model, "aligned_take_ups", HOME) == 0


def test_helpers_are_the_sites_nhs_members_of_the_disciplines_the_topic_needs():
    model, voicer = planning_world()
    gp = post(model, Role.GP, site=0)

    # End-of-life care needs a GP (always in the team) and is helped by a specialist nurse (never).
    project = planning.start_project(model, HOME, topic("end_of_life_care"), voicer, Origin.VOICED, True, -1,
                                     [0.5] * 4)
    assert project.helpers == [gp]
    assert project.disciplines == {Role.SENIOR_CARER, Role.GP}
    assert project.needs == set()
    assert project.wanted == {Role.SPECIALIST_NURSE}

    # Nutrition support needs a dietitian, always an outside professional: it is missing.
    project = planning.start_project(model, HOME, topic("nutrition_support"), voicer, Origin.VOICED, True, -1,
                                     [0.5] * 4)
    assert project.helpers == [] and project.needs == {Role.DIETITIAN}


def test_an_idea_from_a_non_member_goes_to_the_homes_most_engaged_member():
    model, _ = planning_world()
    table = model.staff
    outsider = post(model, Role.CARE_ASSISTANT, home=HOME)
    table.understanding[outsider] = 1.0
    manager = post(model, Role.CARE_HOME_MANAGER, home=HOME)
    join(model, manager, engagement=0.9)  # the voicer's engagement is 0.6

    project = planning.plan_idea(model, HOME, priority(model), outsider, Origin.VOICED)

    assert project.champion == manager


def test_an_nhs_member_leads_an_idea_only_if_they_have_the_time():
    model, _ = planning_world()
    params, table = model.params, model.staff
    gp = post(model, Role.GP, site=0)
    manager = post(model, Role.CARE_HOME_MANAGER, home=HOME)
    join(model, manager, engagement=0.9)

    table.qic_hours[gp] = params.lead_hours_min
    assert planning.lead_probability(model, gp) == pytest.approx(0.5)
    table.qic_hours[gp] = params.lead_hours_min + 20 * params.lead_hours_spread  # chance 1 - 2e-9
    assert planning.choose_champion(model, HOME, gp, lead_draw=0.999) == gp
    table.qic_hours[gp] = 0.0  # chance about 9e-4
    assert planning.choose_champion(model, HOME, gp, lead_draw=0.01) == manager
