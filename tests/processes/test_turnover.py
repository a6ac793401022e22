"""Process 2, turnover, induction and membership (``turnover.apply_turnover``; docs/ODD.md 7.2)."""

from __future__ import annotations

import numpy as np
import pytest

from qicsim.model import projects, turnover
from qicsim.model.project import Stage
from qicsim.model.roles import Role

from .world import add_project, count, join, post, set_tie, small_world

NO_TURNOVER = {"care_turnover_per_year": 0.0, "manager_turnover_per_year": 0.0, "nhs_turnover_per_year": 0.0}


def only_leaver(model, slot):
    """Make ``slot`` leave this week and nobody else: its weekly hazard 1, everyone else's 0."""
    hazard = np.zeros(model.staff.n)
    hazard[slot] = 1.0
    model.staff.leaving_hazard = hazard


@pytest.mark.parametrize("per_year", [0.1, 0.3, 0.99])
def test_the_weekly_hazard_compounds_to_the_annual_rate(per_year):
    weekly = turnover.weekly_hazard(per_year)
    assert 1.0 - (1.0 - weekly) ** 52 == pytest.approx(per_year)


def test_hazards_follow_the_role():
    model = small_world(week=1, care_turnover_per_year=0.3, manager_turnover_per_year=0.2, nhs_turnover_per_year=0.1)
    turnover.apply_turnover(model)
    hazard = model.staff.leaving_hazard
    assert hazard[post(model, Role.CARE_ASSISTANT, home=0)] == pytest.approx(turnover.weekly_hazard(0.3))
    assert hazard[post(model, Role.CARE_HOME_MANAGER, home=0)] == pytest.approx(turnover.weekly_hazard(0.2))
    assert hazard[post(model, Role.GP, site=0)] == pytest.approx(turnover.weekly_hazard(0.1))


def test_a_leaving_champion_is_replaced_by_a_new_holder_in_induction_and_their_projects_lose_them():
    model = small_world(week=1)  # not a meeting week: no invitations
    table, params = model.staff, model.params
    manager = post(model, Role.CARE_HOME_MANAGER, home=0)
    join(model, manager, engagement=0.9)
    table.skill[manager] = table.understanding[manager] = 0.7
    active = add_project(model, 0, manager, stage=Stage.TESTING)
    in_place = add_project(model, 0, manager, stage=Stage.IMPLEMENTED, topic_name="hydration")
    holders_before = table.holder.copy()
    assert table.ties.row(manager).any()
    only_leaver(model, manager)

    turnover.apply_turnover(model)

    new_holder_engagement = model.params.new_holder_engagement
    assert not table.member[manager] and not table.ever_member[manager]
    assert table.holder[manager] == table.holders_seen - 1 != holders_before[manager]
    assert table.induction_left[manager] == params.manager_induction_weeks
    assert table.engagement[manager] == new_holder_engagement
    assert table.skill[manager] == params.skill_initial_care
    assert table.understanding[manager] == 0.0
    assert table.weeks_in_post[manager] == 0
    assert table.settling[manager]
    assert not table.ties.row(manager).any()  # a stranger: no ties
    assert table.leavers[manager] == 1
    assert count(model, "leavers", 0) == 1
    # The projects lose their champion; only losing it after implementation threatens sustainment.
    assert active.champion == -1 and not active.champion_lost
    assert in_place.champion == -1 and in_place.champion_lost
    others = np.arange(table.n) != manager
    np.testing.assert_array_equal(table.holder[others], holders_before[others])


def test_a_project_whose_champion_left_stalls_in_that_weeks_project_work():
    # Turnover (process 2) runs first, as in the week; then project work (process 5) finds no champion.
    model = small_world(week=1, takeover_prob=0.0)
    manager = post(model, Role.CARE_HOME_MANAGER, home=0)
    join(model, manager)
    project = add_project(model, 0, manager)
    model.staff.hours_left[manager] = 5.0
    only_leaver(model, manager)

    turnover.apply_turnover(model)
    projects.work_on_projects(model)

    assert project.champion == -1 and project.progress == 0.0
    assert count(model, "stalled_weeks", 0) == 1


def test_a_recruited_professionals_post_keeps_serving_the_project_after_its_holder_changes():
    # docs/ODD.md 7.12: the post, not the person, is recruited.
    model = small_world(week=1)
    manager, dietitian = post(model, Role.CARE_HOME_MANAGER, home=0), post(model, Role.DIETITIAN, site=0)
    project = add_project(model, 0, manager)
    project.recruited.append(dietitian)
    only_leaver(model, dietitian)

    turnover.apply_turnover(model)

    assert project.recruited == [dietitian]


def test_a_leaving_helper_is_taken_off_the_project():
    model = small_world(week=1)
    manager, gp = post(model, Role.CARE_HOME_MANAGER, home=0), post(model, Role.GP, site=0)
    project = add_project(model, 0, manager)
    project.helpers.append(gp)
    only_leaver(model, gp)

    turnover.apply_turnover(model)

    assert project.helpers == []
    assert project.champion == manager


def test_at_zero_hazard_nobody_leaves_induction_counts_down_and_non_members_recover_engagement():
    model = small_world(week=1, **NO_TURNOVER)
    table, params = model.staff, model.params
    newcomer, outsider = post(model, Role.CARE_ASSISTANT, home=0), post(model, Role.CARE_ASSISTANT, home=1)
    manager = post(model, Role.CARE_HOME_MANAGER, home=0)
    table.induction_left[newcomer] = 3
    table.engagement[outsider] = 0.2
    table.engagement[manager] = 0.7
    holders, weeks = table.holder.copy(), table.weeks_in_post.copy()

    turnover.apply_turnover(model)

    np.testing.assert_array_equal(table.holder, holders)
    np.testing.assert_array_equal(table.weeks_in_post, weeks + 1)
    assert table.induction_left[newcomer] == 2
    assert table.induction_left[outsider] == 0  # never below 0
    new_holder_engagement = model.params.new_holder_engagement
    assert table.engagement[outsider] == pytest.approx(
        0.2 + params.engagement_recovery * (new_holder_engagement - 0.2))
    assert table.engagement[manager] == 0.7  # a member's engagement does not recover here


def inviting_world(**settings):
    """Week 0 (a meeting week), no turnover, every invitation made; non-members' engagement stays as set."""
    return small_world(week=0, invite_prob=1.0, engagement_recovery=0.0, **NO_TURNOVER, **settings)


def eager_and_reluctant(model):
    """Two non-members of home 0, each tied at 1 to its manager: one fully engaged, one not at all."""
    table = model.staff
    manager = post(model, Role.CARE_HOME_MANAGER, home=0)
    eager, reluctant = (post(model, Role.CARE_ASSISTANT, home=0, nth=i) for i in (0, 1))
    table.engagement[model.homes[0].staff[~table.member[model.homes[0].staff]]] = 0.0  # nobody else accepts
    for slot, engagement in ((eager, 1.0), (reluctant, 0.0)):
        table.engagement[slot] = engagement
        set_tie(model, manager, slot, 1.0)
    return eager, reluctant


def test_members_invite_a_tied_colleague_who_accepts_with_chance_equal_to_their_engagement():
    model = inviting_world()
    table = model.staff
    eager, reluctant = eager_and_reluctant(model)

    turnover.apply_turnover(model)

    assert table.member[eager] and table.ever_member[eager]
    assert not table.member[reluctant]
    assert count(model, "members_joined", 0) == 1
    assert count(model, "members_rejoined", 0) == 0


def test_someone_who_was_a_member_before_counts_as_rejoining():
    model = inviting_world()
    eager, _ = eager_and_reluctant(model)
    model.staff.ever_member[eager] = True  # dropped out earlier

    turnover.apply_turnover(model)

    assert model.staff.member[eager]
    assert count(model, "members_rejoined", 0) == 1


def test_a_homes_team_holds_at_most_max_members_per_home():
    model = inviting_world(max_members_per_home=3)  # the home has 2 members: room for one more
    table = model.staff
    eager, other = post(model, Role.CARE_ASSISTANT, home=0, nth=0), post(model, Role.CARE_ASSISTANT, home=0, nth=1)
    eager_and_reluctant(model)
    table.engagement[other] = 1.0  # two eager candidates now

    turnover.apply_turnover(model)

    assert table.member[model.homes[0].staff].sum() == 3
    assert table.member[eager] and not table.member[other]  # candidates in slot order


def test_nobody_is_invited_outside_meeting_weeks():
    model = inviting_world()
    eager, _ = eager_and_reluctant(model)
    model.week = 1

    turnover.apply_turnover(model)

    assert not model.staff.member[eager]


def test_the_most_engaged_member_out_of_induction_is_the_homes_champion():
    model = small_world()
    table = model.staff
    manager, carer = post(model, Role.CARE_HOME_MANAGER, home=0), post(model, Role.SENIOR_CARER, home=0)
    newcomer = post(model, Role.CARE_ASSISTANT, home=0)
    join(model, manager, engagement=0.4)
    join(model, carer, engagement=0.6)
    join(model, newcomer, engagement=0.9)
    table.induction_left[newcomer] = 1

    assert turnover.find_champion(model, 0) == carer
    table.member[model.homes[1].staff] = False
    assert turnover.find_champion(model, 1) == -1
