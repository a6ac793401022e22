"""Measurement for change and C10's data capability (``measurement``; docs/ODD.md 7.6 and 7.11)."""

from __future__ import annotations

import numpy as np
import pytest

from qicsim.model import measurement
from qicsim.model.roles import Role

from .world import add_project, count, join, post, small_world

HOME = 0


def test_data_support_builds_capability_and_without_it_capability_returns_to_the_routine_level():
    model = small_world({"data_support": {"sites": {"site_1": 1.0}}})
    params = model.params
    capability = model.home_state.data_capability
    routine = params.routine_data_capability
    capability[2:] = 0.6  # site 2's homes, above the routine level, without support

    measurement.update_data_capability(model)

    built = routine + params.data_support_rate * (1.0 - routine)
    supported = built - params.data_capability_decay * (built - routine)
    unsupported = 0.6 - params.data_capability_decay * (0.6 - routine)
    np.testing.assert_allclose(capability, [supported, supported, unsupported, unsupported])


def test_measuring_costs_fewer_hours_with_more_data_capability():
    model = small_world()
    params = model.params
    model.home_state.data_capability[:2] = [0.0, 1.0]
    assert measurement.cost_hours(model, 0) == pytest.approx(params.measurement_hours)
    assert measurement.cost_hours(model, 1) == pytest.approx(params.measurement_hours
                                                            * (1.0 - params.capability_cost_saving))


def measuring_world(capability, skill, belief):
    """Home 0's manager champions a project; every member of site 0 holds ``belief`` that measuring helps."""
    model = small_world(decision_noise_hours=0.01)  # a sharp decision: value vs cost decides it
    table = model.staff
    champion = post(model, Role.CARE_HOME_MANAGER, home=HOME)
    join(model, champion)
    table.measurement_belief[table.members_of_site(0)] = belief
    table.skill[champion] = skill
    model.home_state.data_capability[HOME] = capability
    return model, champion, add_project(model, HOME, champion)


def test_a_champion_measures_when_the_expected_value_clearly_exceeds_the_cost():
    model, _, project = measuring_world(capability=1.0, skill=1.0, belief=1.0)
    params = model.params
    # value = value_hours x belief 1 x quality 1 (capability 1 x (1 + 1) / 2); cost cut by capability 1.
    assert measurement.expected_value_hours(model, project) == pytest.approx(params.measurement_value_hours)

    measurement.plan_cycle(model, project, 0.999)

    assert project.measuring
    assert project.measure_cost == pytest.approx(params.measurement_hours * (1.0 - params.capability_cost_saving))


def test_a_champion_does_not_measure_when_the_data_are_useless():
    model, _, project = measuring_world(capability=0.0, skill=1.0, belief=1.0)
    assert measurement.expected_value_hours(model, project) == 0.0  # quality 0

    measurement.plan_cycle(model, project, 1e-6)

    assert not project.measuring and project.measure_cost == 0.0


def test_belief_is_the_mean_of_the_champions_own_and_their_site_teams():
    model, champion, project = measuring_world(capability=0.5, skill=0.0, belief=0.2)
    table = model.staff
    table.measurement_belief[champion] = 0.8
    team = table.members_of_site(0)
    team_belief = table.measurement_belief[team].mean()
    quality = 0.5 * (1.0 + 0.0) / 2.0

    assert measurement.expected_value_hours(model, project) == pytest.approx(
        model.params.measurement_value_hours * 0.5 * (0.8 + team_belief) * quality)


@pytest.mark.parametrize(("capability", "informed"), [(1.0, True), (0.0, False)])
def test_a_measured_cycles_data_inform_the_next_step_with_chance_equal_to_their_quality(capability, informed):
    model, champion, project = measuring_world(capability=capability, skill=1.0, belief=0.5)
    table, params = model.staff, model.params
    project.measuring, project.measure_cost = True, 2.0
    table.hours_projects[champion] = 5.0

    # A draw of 0.999 is below quality 1 and not below quality 0.
    assert measurement.study(model, project, 0.999) == informed

    assert project.measured_cycles == 1 and project.last_informed == informed
    assert project.decisions_on_data == int(informed)
    assert table.measurement_belief[champion] == pytest.approx(0.5 + params.belief_learning_rate * (informed - 0.5))
    assert table.hours_measurement[champion] == 2.0
    assert table.hours_projects[champion] == 3.0  # the measuring hours were part of the project's hours
    assert count(model, "measured_cycles", HOME) == 1
    assert count(model, "decisions_on_data", HOME) == int(informed)


def test_an_unmeasured_cycle_informs_nothing():
    model, champion, project = measuring_world(capability=1.0, skill=1.0, belief=0.5)
    project.last_informed = True

    assert not measurement.study(model, project, 0.0)

    assert project.measured_cycles == 0 and not project.last_informed
    assert model.staff.measurement_belief[champion] == 0.5
