"""Process 9, sustainment and lapse (``sustainment.update_sustainment``; docs/ODD.md 7.9)."""

from __future__ import annotations

import numpy as np
import pytest

from qicsim.model import sustainment
from qicsim.model.project import Stage
from qicsim.model.roles import Role

from .world import add_project, count, join, post, small_world

HOME = 0
AFTER_SUPPORT = 12  # the small world's support lasts 12 weeks
SURE_LAPSE = {"lapse_per_week": 1.0, "alignment_lapse_protection": 0.0}  # hazard 1 unless something protects


def improvement(week=AFTER_SUPPORT, *, alignment=0.0, **settings):
    """An improvement in place in home 0 since week 5, championed by the home's manager."""
    model = small_world(week=week, takeover_prob=0.0, **settings)
    champion = post(model, Role.CARE_HOME_MANAGER, home=HOME)
    join(model, champion)
    project = add_project(model, HOME, champion, stage=Stage.IMPLEMENTED, alignment=alignment, week_implemented=5)
    return model, project


def lapsed(project):
    return project.stage == Stage.ABANDONED


def test_an_unprotected_improvement_lapses_at_hazard_one():
    model, project = improvement(**SURE_LAPSE)

    sustainment.update_sustainment(model)

    assert lapsed(project) and project.week_ended == AFTER_SUPPORT
    assert count(model, "lapses", HOME) == 1
    assert model.home_state.in_place[HOME] == 0


def test_a_fully_aligned_improvement_whose_champion_stays_never_lapses_when_alignment_protects_fully():
    model, project = improvement(alignment=1.0, lapse_per_week=1.0, alignment_lapse_protection=1.0)

    sustainment.update_sustainment(model)  # hazard 1 x (1 - 1 x 1) = 0

    assert project.stage == Stage.IMPLEMENTED
    np.testing.assert_array_equal(model.home_state.in_place, [1, 0, 0, 0])


def test_an_improvement_data_confirmed_is_protected_by_the_confirmation_share():
    model, project = improvement(**SURE_LAPSE, data_confirmation_lapse_protection=1.0)
    project.data_confirmed = True

    sustainment.update_sustainment(model)  # hazard 1 x (1 - 1) = 0

    assert project.stage == Stage.IMPLEMENTED


def test_during_support_the_hazard_is_cut_to_its_support_share():
    model, project = improvement(week=AFTER_SUPPORT - 1, **SURE_LAPSE, support_lapse_share=0.0)

    sustainment.update_sustainment(model)

    assert project.stage == Stage.IMPLEMENTED


def test_losing_the_champion_multiplies_the_hazard():
    # 0.25 a week with the champion; x 4 without: certain.
    model, project = improvement(lapse_per_week=0.25, alignment_lapse_protection=0.0, champion_loss_lapse=4.0)
    project.champion = -1

    sustainment.update_sustainment(model)

    assert lapsed(project)


def test_a_member_of_the_home_may_take_over_an_improvement_whose_champion_left():
    model, project = improvement(lapse_per_week=0.0)
    model.params.takeover_prob = 1.0
    carer = post(model, Role.SENIOR_CARER, home=HOME)
    join(model, carer, engagement=1.0)  # the most engaged member of the home
    project.champion = -1

    sustainment.update_sustainment(model)

    assert project.champion == carer and project.champion_holder == model.staff.holder[carer]
    assert count(model, "champion_takeovers", HOME) == 1


@pytest.mark.parametrize(("weeks_unsupported", "stage"), [(3, Stage.IMPLEMENTED), (4, Stage.SUSTAINED)])
def test_an_improvement_in_place_sustain_weeks_after_support_ended_counts_as_sustained(weeks_unsupported, stage):
    # In week w, the weeks in place unsupported are w + 1 - support weeks.
    model, project = improvement(week=AFTER_SUPPORT + weeks_unsupported - 1, lapse_per_week=0.0, sustain_weeks=4)

    sustainment.update_sustainment(model)

    assert project.stage == stage
    assert model.home_state.in_place[HOME] == 1  # sustained or not, it is in place
