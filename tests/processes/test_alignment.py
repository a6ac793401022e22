"""C5, alignment with existing work: each home's alignment practice (``alignment``)."""

from __future__ import annotations

import numpy as np
import pytest

from qicsim.model import alignment
from qicsim.model.roles import Role

from .world import post, small_world


def test_homes_whose_staff_attend_strengthen_their_practice_and_nhs_attendees_add_none():
    model = small_world({"alignment": 0.5})
    params = model.params
    practice = model.home_state.alignment_practice
    practice[:] = 0.4
    attendees = np.array([post(model, Role.GP, site=0), post(model, Role.CARE_HOME_MANAGER, home=1),
                          post(model, Role.SENIOR_CARER, home=1)])

    alignment.practise(model, 0, attendees)

    # Home 1 once, however many of its staff came; home 0 had only an NHS attendee's company.
    np.testing.assert_allclose(practice, [0.4, 0.4 + params.alignment_practice_gain * 0.5 * 0.6, 0.4, 0.4])


def test_practice_fades_a_little_every_week():
    model = small_world()
    practice = model.home_state.alignment_practice
    practice[:] = [0.0, 0.5, 1.0, 0.2]

    alignment.fade(model)

    np.testing.assert_allclose(practice, np.array([0.0, 0.5, 1.0, 0.2]) * (1.0 - model.params.alignment_practice_decay))


def test_only_ideas_off_the_priorities_are_refitted_with_chance_filter_times_practice():
    model = small_world()
    model.home_state.alignment_practice[0] = 0.5
    assert alignment.refit_probability(model, 0, fit=True) == 0.0
    assert alignment.refit_probability(model, 0, fit=False) == pytest.approx(model.params.alignment_filter * 0.5)


@pytest.mark.parametrize("fit", [True, False])
def test_a_new_projects_alignment_grows_from_the_base_with_practice(fit):
    model = small_world()
    params = model.params
    model.home_state.alignment_practice[0] = 0.25

    aligned = params.base_alignment + (1.0 - params.base_alignment) * 0.25
    expected = aligned if fit else aligned * params.unaligned_fit
    assert alignment.project_alignment(model, 0, fit) == pytest.approx(expected)
