"""C1, a clear remit: understanding from meetings and from doing, and ideas within scope (``remit``)."""

from __future__ import annotations

import numpy as np
import pytest

from qicsim.model import remit
from qicsim.model.roles import Role

from .world import count, post, small_world


def test_attending_a_meeting_closes_a_share_of_the_gap_in_understanding_set_by_the_remits_clarity():
    model = small_world({"remit_clarity": 0.5})
    table, params = model.staff, model.params
    attendees = np.array([post(model, Role.CARE_HOME_MANAGER, home=0), post(model, Role.GP, site=0)])
    table.understanding[attendees] = [0.0, 0.6]

    remit.learn_at_meeting(model, 0, attendees)

    np.testing.assert_allclose(table.understanding[attendees],
                               [params.remit_learning * 0.5, 0.6 + params.remit_learning * 0.5 * 0.4])
    assert count(model, "understanding_gained") == pytest.approx(params.remit_learning * 0.5 * 1.4)


def test_running_a_cycle_teaches_how_the_remit_fits_whatever_its_clarity():
    model = small_world()  # C1 = 0
    slot = post(model, Role.CARE_HOME_MANAGER, home=0)
    model.staff.understanding[slot] = 0.5

    remit.learn_by_doing(model, slot)

    assert model.staff.understanding[slot] == pytest.approx(0.5 + model.params.experience_learning * 0.5)


@pytest.mark.parametrize("understanding", [0.0, 0.4, 1.0])
def test_an_idea_is_within_scope_with_chance_rising_from_the_floor_with_understanding(understanding):
    model = small_world()
    slot = post(model, Role.CARE_HOME_MANAGER, home=0)
    model.staff.understanding[slot] = understanding
    floor = model.params.remit_scope_floor

    assert remit.scope_probability(model, slot) == pytest.approx(floor + (1.0 - floor) * understanding)
