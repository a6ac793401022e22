"""C7, recruiting help through members' networks: readiness to ask, and its fading (``recruitment``).

Recruiting a missing discipline during project work is tested with project work (test_projects.py).
"""

from __future__ import annotations

import numpy as np
import pytest

from qicsim.model import recruitment
from qicsim.model.roles import Role

from .world import add_project, post, set_tie, small_world


def test_attendees_encouraged_to_use_their_networks_become_readier_to_ask():
    model = small_world({"network_recruitment": 0.5})
    table, params = model.staff, model.params
    attendees = np.array([post(model, Role.GP, site=0), post(model, Role.CARE_HOME_MANAGER, home=0)])
    absent = post(model, Role.SENIOR_CARER, home=0)
    table.network_use[[*attendees, absent]] = [0.1, 0.6, 0.1]

    recruitment.encourage(model, 0, attendees)

    gain = params.network_encouragement * 0.5
    np.testing.assert_allclose(table.network_use[attendees], [0.1 + gain * 0.9, 0.6 + gain * 0.4])
    assert table.network_use[absent] == 0.1


def test_readiness_to_ask_returns_towards_its_initial_level():
    model = small_world()
    table, params = model.staff, model.params
    slots = [post(model, Role.GP, site=0), post(model, Role.CARE_HOME_MANAGER, home=0)]
    table.network_use[slots] = [0.9, 0.0]

    recruitment.fade(model)

    initial = params.network_use_initial
    np.testing.assert_allclose(table.network_use[slots], [0.9 + params.network_use_decay * (initial - 0.9),
                                                          params.network_use_decay * initial])


def test_a_wanted_discipline_is_sought_once_nothing_needed_is_missing():
    model = small_world(recruit_prob=1.0)
    table = model.staff
    champion = post(model, Role.CARE_HOME_MANAGER, home=0)
    project = add_project(model, 0, champion, topic_name="end_of_life_care")
    project.wanted = {int(Role.SPECIALIST_NURSE)}
    nurse = post(model, Role.SPECIALIST_NURSE, site=0)
    set_tie(model, post(model, Role.GP, site=0), nurse, 1.0)
    table.available[nurse] = model.params.recruit_hours
    table.network_use[champion] = 1.0

    assert recruitment.recruit(model, project)

    assert project.recruited == [nurse] and project.wanted == set()
    assert Role.SPECIALIST_NURSE in project.disciplines


@pytest.mark.parametrize("available", [0.0, 1.0])
def test_a_professional_without_time_is_not_brought_in(available):
    model = small_world(recruit_prob=1.0, referral_prob=0.0)
    table = model.staff
    champion = post(model, Role.CARE_HOME_MANAGER, home=0)
    project = add_project(model, 0, champion, topic_name="nutrition_support")
    project.needs = {int(Role.DIETITIAN)}
    dietitian = post(model, Role.DIETITIAN, site=0)
    set_tie(model, post(model, Role.GP, site=0), dietitian, 1.0)
    table.available[dietitian] = available * model.params.recruit_hours
    table.network_use[champion] = 1.0

    assert recruitment.recruit(model, project) == bool(available)
    assert (project.recruited == [dietitian]) == bool(available)
