"""Processes 5-7: project work, PDSA cycles, implementation and drop-out (``projects``; docs/ODD.md 7.5-7.7)."""

from __future__ import annotations

import math

import pytest

from qicsim.model import projects
from qicsim.model.project import Origin, Stage
from qicsim.model.roles import Role

from .world import add_project, count, join, post, set_tie, small_world

HOME = 0
CERTAIN_SUCCESS = {"measured_learning_bonus": 1.0}  # with ``last_informed``: success chance q + 1 >= 1


def project_world(contexts=None, *, trust: float = 0.0, **settings):
    """Home 0's manager, a member, champions; their trust across the divide is ``trust`` (one tie to the GP)."""
    model = small_world(contexts, week=1, **settings)
    champion = post(model, Role.CARE_HOME_MANAGER, home=HOME)
    join(model, champion, engagement=0.6)
    for nhs in model.sites[0].nhs_staff:
        set_tie(model, champion, int(nhs), 0.0)
    set_tie(model, champion, post(model, Role.GP, site=0), trust)
    return model, champion


def test_a_persons_hours_left_are_shared_equally_between_the_projects_they_work_on():
    model, champion = project_world()
    table = model.staff
    gp = post(model, Role.GP, site=0)
    first, second = add_project(model, HOME, champion), add_project(model, HOME, champion, topic_name="hydration")
    first.helpers.append(gp)
    table.hours_left[champion], table.hours_left[gp] = 6.0, 4.0

    projects.share_hours(model, [first, second])

    assert table.project_hours[champion] == pytest.approx(3.0)
    assert table.project_hours[gp] == pytest.approx(4.0)


def test_a_weeks_effort_is_the_teams_hours_discounted_by_trust_plus_recruited_hours():
    model, champion = project_world(trust=0.5)
    table, params = model.staff, model.params
    gp, dietitian = post(model, Role.GP, site=0), post(model, Role.DIETITIAN, site=0)
    project = add_project(model, HOME, champion)
    project.helpers.append(gp)
    project.recruited.append(dietitian)
    table.hours_left[champion], table.hours_left[gp] = 6.0, 4.0
    table.available[dietitian] = 0.4  # gives what their week allows: min(recruit_hours, 0.4)

    projects.work_on_projects(model)

    collaboration = params.collaboration_floor + (1.0 - params.collaboration_floor) * 0.5
    recruited = min(params.recruit_hours, 0.4)
    assert project.progress == pytest.approx((6.0 + params.helper_share * 4.0) * collaboration + recruited)
    assert project.cycles == 0  # far from the 1,000-hour chunk
    assert table.hours_projects[champion] == pytest.approx(6.0)
    assert table.hours_projects[gp] == pytest.approx(params.helper_share * 4.0)
    assert project.hours_by_role[Role.DIETITIAN] == pytest.approx(recruited)


def test_facilitator_hours_are_shared_between_a_homes_projects_under_test():
    # The coaching route's facilitators (project_start meetings; under facilitation the hours are a caseload).
    model, champion = project_world({"qi_coaching": 1.0}, facilitator_hours_per_home=4.0, project_start="meetings")
    testing = [add_project(model, HOME, champion), add_project(model, HOME, champion, topic_name="hydration")]
    planned = add_project(model, HOME, champion, topic_name="handover_communication", stage=Stage.PLANNED)
    planned.setup_left = 5.0
    model.staff.hours_left[champion] = 0.0  # only the facilitator works

    projects.work_on_projects(model)

    assert [p.progress for p in testing] == pytest.approx([2.0, 2.0])  # 4 hours x C6, split in two
    assert planned.progress == 0.0
    assert count(model, "facilitator_hours", HOME) == pytest.approx(4.0)


def test_a_planned_project_counts_down_its_set_up_weeks_then_goes_to_testing():
    model, champion = project_world()
    project = add_project(model, HOME, champion, stage=Stage.PLANNED)
    project.setup_left = 2.0

    projects.work_on_projects(model)
    assert (project.stage, project.setup_left) == (Stage.PLANNED, 1.0)
    projects.work_on_projects(model)
    assert project.stage == Stage.TESTING
    assert project in model.open.active


def test_a_project_without_a_champion_stalls_until_a_member_takes_it_over():
    model, champion = project_world(takeover_prob=0.0)
    table = model.staff
    project = add_project(model, HOME, champion)
    project.champion = -1
    table.hours_left[champion] = 5.0

    projects.work_on_projects(model)
    assert project.champion == -1 and project.progress == 0.0
    assert count(model, "stalled_weeks", HOME) == 1

    model.params.takeover_prob = 1.0
    carer = post(model, Role.SENIOR_CARER, home=HOME)
    join(model, carer, engagement=0.9)  # the most engaged member of the home
    projects.work_on_projects(model)
    assert project.champion == carer
    assert project.champion_holder == table.holder[carer]
    assert count(model, "champion_takeovers", HOME) == 1


@pytest.mark.parametrize(("alignment", "cycles"), [(1.0, 1), (0.0, 0)])
def test_a_cycle_runs_once_progress_covers_the_chunk_less_what_routine_work_absorbs(alignment, cycles):
    model, champion = project_world(trust=1.0, day_job_share=0.5)  # full trust: effort = hours
    project = add_project(model, HOME, champion, n_chunks=3, chunk_hours=10.0, alignment=alignment)
    model.staff.hours_left[champion] = 5.0  # exactly 10 x (1 - 1 x 0.5)

    projects.work_on_projects(model)

    assert project.cycles == cycles
    if not cycles:
        assert project.progress == pytest.approx(5.0)


def test_the_last_chunk_done_implements_the_project_and_rewards_the_team():
    model, champion = project_world(trust=1.0, iterate_prob=0.0, **CERTAIN_SUCCESS)
    table, params = model.staff, model.params
    gp = post(model, Role.GP, site=0)
    project = add_project(model, HOME, champion, n_chunks=2, chunk_hours=4.0, alignment=0.5)
    project.chunks_done, project.last_informed = 1, True
    project.helpers.append(gp)
    table.hours_left[champion] = 10.0
    table.engagement[gp] = 0.99
    table.skill[champion], table.understanding[champion] = 0.2, 0.4

    projects.work_on_projects(model)

    assert project.stage == Stage.IMPLEMENTED and project.week_implemented == model.week
    assert project in model.open.in_place and model.open.active_at_home[HOME] == 0
    assert (project.chunks_done, project.cycles, project.progress) == (2, 1, 0.0)
    assert table.engagement[champion] == pytest.approx(0.6 + params.engagement_gain)
    assert table.engagement[gp] == 1.0  # capped
    assert table.skill[champion] == pytest.approx(0.2 + params.skill_gain)  # no coaching (C6 = 0)
    assert table.understanding[champion] == pytest.approx(0.4 + params.experience_learning * 0.6)
    assert count(model, "chunks_completed", HOME) == 1
    assert count(model, "day_job_hours", HOME) == pytest.approx(4.0 * 0.5 * params.day_job_share)


def test_a_failed_cycle_sets_the_chunk_back_and_costs_the_champion_engagement():
    # Chunks of 200 hours on a scale of 0.1: success chance exp(-2000) = 0, and skill does not lift it.
    model, champion = project_world(trust=1.0, chunk_success_scale=0.1, skill_weight=0.0)
    params = model.params
    project = add_project(model, HOME, champion, n_chunks=2, chunk_hours=200.0)
    project.progress = 199.0
    model.staff.hours_left[champion] = 10.0

    projects.work_on_projects(model)

    assert (project.cycles, project.chunks_done, project.stage) == (1, 0, Stage.TESTING)
    assert project.progress == pytest.approx(200.0 * (1.0 - params.failure_setback))
    assert model.staff.engagement[champion] == pytest.approx(0.6 - params.engagement_loss)
    assert count(model, "chunks_failed", HOME) == 1


@pytest.mark.parametrize("skill", [0.0, 0.6])
@pytest.mark.parametrize("above", [False, True])
def test_a_cycle_succeeds_with_chance_exp_minus_chunk_over_scale_lifted_by_skill(skill, above):
    model, champion = project_world(chunk_success_scale=10.0, skill_weight=0.5)
    project = add_project(model, HOME, champion, n_chunks=2, chunk_hours=10.0)
    model.staff.skill[champion] = skill
    chance = math.exp(-10.0 / 10.0)
    chance += (1.0 - chance) * 0.5 * skill

    # The success draw a hair below the chance succeeds; a hair above, it fails.
    projects.run_cycle(model, project, 10.0, [chance + (1e-9 if above else -1e-9)] * projects.WEEK_DRAWS)

    assert project.chunks_done == (0 if above else 1)


def test_an_implemented_project_may_be_iterated_during_support():
    model, champion = project_world(trust=1.0, iterate_prob=1.0, **CERTAIN_SUCCESS)
    model.staff.understanding[champion] = 1.0  # the iteration is seen to be within the remit
    project = add_project(model, HOME, champion, chunk_hours=4.0)
    project.last_informed = True
    model.staff.hours_left[champion] = 10.0

    projects.work_on_projects(model)

    assert project.stage == Stage.IMPLEMENTED
    iteration = model.projects[-1]
    assert iteration is not project
    assert (iteration.origin, iteration.parent, iteration.topic, iteration.champion) == (
        Origin.ITERATION, project.pid, project.topic, champion)


def test_a_project_missing_a_discipline_is_blocked_and_its_champion_loses_heart():
    model, champion = project_world(referral_prob=0.0)
    model.staff.network_use[champion] = 0.0  # never asks
    project = add_project(model, HOME, champion, topic_name="nutrition_support")
    project.needs = {int(Role.DIETITIAN)}
    model.staff.hours_left[champion] = 5.0

    projects.work_on_projects(model)

    assert project.progress == 0.0 and project.recruited == []
    assert count(model, "blocked_weeks", HOME) == 1
    assert model.staff.engagement[champion] == pytest.approx(0.6 - model.params.stall_loss)


def test_formal_referral_brings_in_the_sites_own_professional():
    model, champion = project_world(referral_prob=1.0)
    model.staff.network_use[champion] = 0.0
    project = add_project(model, HOME, champion, topic_name="nutrition_support")
    project.needs = {int(Role.DIETITIAN)}
    dietitian = post(model, Role.DIETITIAN, site=0)

    projects.work_on_projects(model)

    assert project.recruited == [dietitian]
    assert project.needs == set() and Role.DIETITIAN in project.disciplines
    assert count(model, "disciplines_referred", HOME) == 1
    assert count(model, "blocked_weeks") == 0


def test_a_champion_who_asks_recruits_the_professional_the_team_knows_who_has_time():
    model, champion = project_world(referral_prob=0.0, recruit_prob=1.0)
    table = model.staff
    table.network_use[champion] = 1.0  # always asks
    dietitian = post(model, Role.DIETITIAN, site=0)
    set_tie(model, post(model, Role.GP, site=0), dietitian, 1.0)  # a team member knows them well
    table.available[dietitian] = model.params.recruit_hours  # and they have the time
    project = add_project(model, HOME, champion, topic_name="nutrition_support")
    project.needs = {int(Role.DIETITIAN)}

    projects.work_on_projects(model)

    assert dietitian in project.recruited and project.needs == set()
    assert count(model, "recruitment_requests", HOME) == 1
    assert count(model, "disciplines_recruited_via_ties", HOME) == 1


def test_members_whose_engagement_runs_out_leave_the_team_and_their_projects():
    model, champion = project_world()
    table, params = model.staff, model.params
    project = add_project(model, HOME, champion)
    table.engagement[champion] = params.dropout_engagement / 2
    carer = post(model, Role.SENIOR_CARER, home=HOME)
    table.engagement[carer] = 1.3  # a meeting's gain can take it past 1 until this step

    projects.drop_disengaged(model)

    assert not table.member[champion] and project.champion == -1
    assert count(model, "members_dropped_out", HOME) == 1
    assert table.member[carer] and table.engagement[carer] == 1.0


def test_when_support_ends_unfinished_projects_are_abandoned_and_improvements_stay():
    model, champion = project_world()
    unfinished = add_project(model, HOME, champion)
    in_place = add_project(model, HOME, champion, topic_name="hydration", stage=Stage.IMPLEMENTED)

    projects.close_unfinished(model)

    assert unfinished.stage == Stage.ABANDONED and unfinished.week_ended == model.week
    assert model.open.active == [] and model.open.in_place == [in_place]
