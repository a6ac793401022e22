"""Process 1, the time budget (``workload.update_time``; docs/ODD.md 7.1)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from qicsim.model import workload
from qicsim.model.roles import Role

from .world import count, join, post, small_world

# Honouring protected time is a logistic in the load; a very sharp one (spread 0.001, 0.01)
# makes it certain (1.0 in floating point) or hopeless (about 2e-22) at the usual load of 1.
ALWAYS_HONOURED = {"protection_honour_load": 3.0, "protection_honour_spread": 0.001}
NEVER_HONOURED = {"protection_honour_load": 0.5, "protection_honour_spread": 0.01}


def test_qic_hours_are_part_of_the_slack_and_some_own_time_times_engagement():
    model = small_world()  # no protected time (C4 = 0)
    table, params = model.staff, model.params
    manager = post(model, Role.CARE_HOME_MANAGER, home=0)
    table.workload_share[manager] = 0.8
    table.engagement[manager] = 0.5

    workload.update_time(model)

    contracted = table.contracted_hours[manager]
    demand = contracted * 0.8 * 1.0  # load 1: no winter, problems at the reference stock
    available = contracted - demand
    qic = (params.slack_use * available + params.own_time_hours) * 0.5
    assert table.demand[manager] == pytest.approx(demand)
    assert table.available[manager] == pytest.approx(available)
    assert table.protected_used[manager] == 0.0
    assert table.qic_hours[manager] == pytest.approx(qic)
    assert table.hours_left[manager] == pytest.approx(qic)
    assert table.engagement[manager] == pytest.approx(0.5 - params.engagement_decay)
    assert count(model, "qic_hours_members", 0) == pytest.approx(table.qic_hours[model.homes[0].staff].sum())


def test_non_members_and_members_in_induction_have_no_qic_time():
    model = small_world()
    table = model.staff
    outsider = post(model, Role.CARE_ASSISTANT, home=0)
    inducted = post(model, Role.SENIOR_CARER, home=0)
    table.engagement[outsider] = 1.0
    join(model, inducted, engagement=1.0)
    table.induction_left[inducted] = 2
    table.workload_share[[outsider, inducted]] = 0.5

    workload.update_time(model)

    for slot in (outsider, inducted):
        assert table.available[slot] == pytest.approx(table.contracted_hours[slot] * 0.5)  # time is there ...
        assert table.qic_hours[slot] == 0.0  # ... but none of it is QIC time
        assert table.hours_left[slot] == 0.0
    assert table.engagement[outsider] == 1.0  # only members' engagement fades
    assert table.engagement[inducted] == pytest.approx(1.0 - model.params.engagement_decay)


def test_open_problems_beyond_the_reference_stock_raise_the_homes_load_and_its_staffs_demand():
    model = small_world()
    table, params, homes = model.staff, model.params, model.home_state
    homes.problems[0] = homes.reference_problems[0] + 30.0
    manager, other_manager = post(model, Role.CARE_HOME_MANAGER, home=0), post(model, Role.CARE_HOME_MANAGER, home=1)
    gp = post(model, Role.GP, site=0)

    workload.update_time(model)

    load = 1.0 + 30.0 * params.problem_hours_per_week / (homes.beds[0] * params.care_hours_per_bed)
    assert homes.load[0] == pytest.approx(load)
    assert homes.load[1] == pytest.approx(1.0)
    assert table.demand[manager] == pytest.approx(table.contracted_hours[manager] * params.care_workload_share * load)
    assert table.demand[other_manager] == pytest.approx(
        table.contracted_hours[other_manager] * params.care_workload_share)
    # An NHS post carries the season's load only: its demand ignores the homes' problems.
    assert table.demand[gp] == pytest.approx(table.contracted_hours[gp] * params.gp_workload_share)


@pytest.mark.parametrize("weeks_after_peak", [0, 13, 26])
def test_winter_raises_every_homes_load_by_a_cosine_of_the_season(weeks_after_peak):
    model = small_world(week=2 + weeks_after_peak, winter_amplitude=0.1, winter_peak_week=2, follow_up_weeks=40)

    workload.update_time(model)

    season = 1.0 + 0.1 * math.cos(2.0 * math.pi * weeks_after_peak / 52.0)
    np.testing.assert_allclose(model.home_state.load, season)
    np.testing.assert_allclose(model.home_state.post_load[-1], season)  # NHS posts: the season alone


def test_honoured_protected_time_takes_demand_off_and_is_spent_first():
    model = small_world({"protected_time": 1.0}, **ALWAYS_HONOURED)
    table, params = model.staff, model.params
    manager = post(model, Role.CARE_HOME_MANAGER, home=0)
    table.workload_share[manager] = 1.0  # demand fills the contract: only the backfill frees time
    table.engagement[manager] = 0.5

    workload.update_time(model)

    backfill = params.protected_hours
    available = table.contracted_hours[manager] - (table.contracted_hours[manager] - backfill)
    used = min(backfill, available)
    assert table.protected_offered[manager] == backfill
    assert table.available[manager] == pytest.approx(available)
    assert table.protected_used[manager] == pytest.approx(used)
    assert table.qic_hours[manager] == pytest.approx(used + 0.5 * (params.slack_use * (available - used)
                                                                   + params.own_time_hours))
    assert table.hours_protected_paid[manager] == backfill
    assert table.hours_protected_used[manager] == pytest.approx(used)


def test_protected_time_is_paid_but_withdrawn_when_managers_need_staff_on_the_floor():
    model = small_world({"protected_time": 1.0}, **NEVER_HONOURED)
    table, params = model.staff, model.params
    manager = post(model, Role.CARE_HOME_MANAGER, home=0)
    table.engagement[manager] = 0.5

    workload.update_time(model)

    available = table.contracted_hours[manager] * (1.0 - params.care_workload_share)
    assert table.protected_offered[manager] == params.protected_hours
    assert table.protected_used[manager] == 0.0
    assert table.available[manager] == pytest.approx(available)  # no backfill
    assert table.qic_hours[manager] == pytest.approx(0.5 * (params.slack_use * available + params.own_time_hours))
    members_of_home = int(table.member[model.homes[0].staff].sum())
    assert count(model, "protected_hours_paid", 0) == pytest.approx(members_of_home * params.protected_hours)
    assert count(model, "protected_hours_withdrawn", 0) == pytest.approx(members_of_home * params.protected_hours)
    assert count(model, "protected_hours_used", 0) == 0.0


def test_protected_time_goes_only_to_the_roles_targeted_and_only_during_support():
    model = small_world({"protected_time": 1.0}, protected_roles=["care_home"], **ALWAYS_HONOURED)
    table = model.staff
    manager, gp = post(model, Role.CARE_HOME_MANAGER, home=0), post(model, Role.GP, site=0)
    outsider = post(model, Role.CARE_ASSISTANT, home=0)

    workload.update_time(model)
    assert table.protected_offered[manager] == model.params.protected_hours
    assert table.protected_offered[gp] == 0.0  # an NHS member: not targeted
    assert table.protected_offered[outsider] == 0.0  # not a member

    model.week = model.support_weeks  # the first week after support
    workload.update_time(model)
    assert not table.protected_offered.any()
    assert not table.protected_used.any()


def test_uncovered_share_is_the_part_of_a_homes_demand_its_staff_hours_cannot_cover():
    model = small_world()
    table = model.staff
    table.workload_share[model.homes[0].staff] = 1.5  # demand 1.5 x contracted hours in home 0

    workload.update_time(model)

    np.testing.assert_allclose(model.home_state.uncovered, [1.0 - 1.0 / 1.5, 0.0, 0.0, 0.0])
