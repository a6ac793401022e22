"""Process 1 under ``structure.time_model = "by_role"``: each care home role's own discretionary share.

Under "by_role" a care home role's mean workload share is 1 - its discretionary share
(``parameters.<role>_discretionary_share``) instead of one ``care_workload_share`` for all of
them (docs/ODD.md 7.1). The small world has no winter and no spread of workload, so each
post's share is its role's mean and the load is 1 unless a test raises it.
"""

from __future__ import annotations

import numpy as np
import pytest

from qicsim.model import setup, workload
from qicsim.model.roles import Role

from .world import count, home_members, join, post, small_world

BY_ROLE = {"time_model": "by_role"}
ALWAYS_HONOURED = {"protection_honour_load": 3.0, "protection_honour_spread": 0.001}
CARE_ROLES = (Role.CARE_HOME_MANAGER, Role.REGISTERED_NURSE, Role.SENIOR_CARER, Role.CARE_ASSISTANT)


def discretionary(model, role: Role) -> float:
    """The role's discretionary share, read from the setting the role maps to."""
    return getattr(model.params, setup.DISCRETIONARY_SHARE[role])


def test_every_care_home_role_has_its_own_discretionary_setting():
    assert set(setup.DISCRETIONARY_SHARE) == set(CARE_ROLES)
    model = small_world(**BY_ROLE)
    for role in CARE_ROLES:
        assert setup.workload_mean(model, role) == pytest.approx(1.0 - discretionary(model, role))
    # NHS roles keep their own shares under either time model.
    assert setup.workload_mean(model, Role.GP) == model.params.gp_workload_share
    assert setup.workload_mean(model, Role.COMMUNITY_NURSE) == model.params.nhs_workload_share
    assert setup.workload_mean(model, Role.LAY_MEMBER) == model.params.lay_workload_share


@pytest.mark.parametrize("load_excess", [0.0, 0.08])
def test_available_time_is_contracted_hours_less_demand_from_the_roles_share(load_excess):
    model = small_world(nursing_home_share=1.0, **BY_ROLE)  # nursing homes: registered nurses too
    table, homes, params = model.staff, model.home_state, model.params
    # Raise home 0's open problems so that its load is 1 + load_excess (problem pressure, process 10).
    extra = load_excess * homes.beds[0] * params.care_hours_per_bed / params.problem_hours_per_week
    homes.problems[0] = homes.reference_problems[0] + extra

    workload.update_time(model)

    assert homes.load[0] == pytest.approx(1.0 + load_excess)
    for role in CARE_ROLES:
        slot = post(model, role, home=0)
        contracted = table.contracted_hours[slot]
        demand = contracted * (1.0 - discretionary(model, role)) * (1.0 + load_excess)
        assert table.demand[slot] == pytest.approx(demand), role.name
        assert table.available[slot] == pytest.approx(max(0.0, contracted - demand)), role.name


def test_a_manager_has_more_time_than_a_senior_carer_and_a_care_assistant():
    model = small_world(**BY_ROLE)
    table = model.staff
    manager, senior, assistant = (post(model, r, home=1) for r in
                                  (Role.CARE_HOME_MANAGER, Role.SENIOR_CARER, Role.CARE_ASSISTANT))
    for slot in (manager, senior, assistant):
        join(model, slot, engagement=1.0)

    workload.update_time(model)

    assert table.available[manager] > table.available[senior] > table.available[assistant] > 0.0
    assert table.qic_hours[manager] > table.qic_hours[senior] > table.qic_hours[assistant]
    # At the defaults: 37.5 x 0.20 = 7.5 h against 36 x 0.03 = 1.08 h and 36 x 0.02 = 0.72 h.
    assert table.available[manager] == pytest.approx(37.5 * 0.20)
    assert table.available[senior] == pytest.approx(36.0 * 0.03)
    assert table.available[assistant] == pytest.approx(36.0 * 0.02)


def test_one_share_gives_every_care_home_role_care_workload_share_and_ignores_the_role_shares():
    model = small_world()
    changed = small_world(manager_discretionary_share=0.5, care_assistant_discretionary_share=0.5)
    care = model.staff.is_care
    assert np.all(model.staff.workload_mean[care] == model.params.care_workload_share)
    np.testing.assert_array_equal(changed.staff.workload_mean, model.staff.workload_mean)
    np.testing.assert_array_equal(changed.staff.workload_share, model.staff.workload_share)


def test_by_role_moves_the_means_and_draws_nothing_new():
    settings = {"workload_sd": 0.03}  # a spread, so that each post's draw shows
    one, by_role = small_world(**settings), small_world(**settings, **BY_ROLE)
    # The same standard normal draw per post around a different mean; every other draw the same.
    np.testing.assert_allclose(one.staff.workload_share - one.staff.workload_mean,
                               by_role.staff.workload_share - by_role.staff.workload_mean, atol=1e-12)
    np.testing.assert_array_equal(one.staff.protection_draw, by_role.staff.protection_draw)
    np.testing.assert_array_equal(one.staff.engagement, by_role.staff.engagement)
    for block, block_by_role in zip(one.staff.ties.blocks, by_role.staff.ties.blocks, strict=True):
        np.testing.assert_array_equal(block, block_by_role)  # drawn after the holders: set-up's draws in step
    nhs = ~one.staff.is_care
    np.testing.assert_array_equal(one.staff.workload_share[nhs], by_role.staff.workload_share[nhs])


def test_protected_time_adds_hours_only_to_the_roles_it_targets():
    model = small_world({"protected_time": 1.0}, protected_roles=["senior_carer"], **ALWAYS_HONOURED, **BY_ROLE)
    table, params = model.staff, model.params
    manager, senior = post(model, Role.CARE_HOME_MANAGER, home=0), post(model, Role.SENIOR_CARER, home=0)
    assert table.member[[manager, senior]].all()  # the first two posts of a home are in the team

    workload.update_time(model)

    for slot, role in ((manager, Role.CARE_HOME_MANAGER), (senior, Role.SENIOR_CARER)):
        demand = table.contracted_hours[slot] * (1.0 - discretionary(model, role))
        backfill = params.protected_hours if role == Role.SENIOR_CARER else 0.0
        assert table.demand[slot] == pytest.approx(demand)
        assert table.available[slot] == pytest.approx(table.contracted_hours[slot] - (demand - backfill))
        assert table.protected_offered[slot] == backfill
        assert table.protected_used[slot] == pytest.approx(backfill)
    # The backfill buys the senior carer the protected hours on top of their own slack.
    assert table.available[senior] == pytest.approx(36.0 * 0.03 + params.protected_hours)


def test_members_slack_is_counted_per_home():
    model = small_world(**BY_ROLE)
    table = model.staff

    workload.update_time(model)

    members = home_members(model, 0)
    free = table.available[members] - table.protected_used[members]
    assert count(model, "slack_hours_members", 0) == pytest.approx(free.sum())
    outsider = post(model, Role.CARE_ASSISTANT, home=0)
    assert not table.member[outsider] and table.available[outsider] > 0  # a non-member's slack is not counted
    assert count(model, "slack_hours_members") == pytest.approx(
        (table.available - table.protected_used)[table.member & (table.induction_left == 0)].sum())


def test_a_manager_s_slack_is_no_knife_edge():
    """+0.02 of discretionary share moves a manager's slack by a tenth, not by two thirds as under one share."""
    def manager_slack(**settings) -> float:
        model = small_world(**settings)
        workload.update_time(model)
        return float(model.staff.available[post(model, Role.CARE_HOME_MANAGER, home=0)])

    old, old_more = manager_slack(), manager_slack(care_workload_share=0.95)
    new, new_more = manager_slack(**BY_ROLE), manager_slack(manager_discretionary_share=0.22, **BY_ROLE)
    assert old_more / old - 1.0 == pytest.approx(0.02 / 0.03)  # 1.125 h -> 1.875 h
    assert new_more / new - 1.0 == pytest.approx(0.02 / 0.20)  # 7.5 h -> 8.25 h
