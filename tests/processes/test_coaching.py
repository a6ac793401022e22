"""C6, QI coaching: skill from coaching contacts, chunk size, facilitator hours (``coaching``)."""

from __future__ import annotations

import numpy as np
import pytest

from qicsim.model import coaching
from qicsim.model.roles import Role

from .world import count, post, small_world


def test_a_coaching_contact_closes_a_share_of_the_gap_to_full_skill_at_the_sites_intensity():
    model = small_world({"qi_coaching": {"sites": {"site_1": 0.5}}})
    table, params = model.staff, model.params
    ours, theirs = post(model, Role.SENIOR_CARER, home=0), post(model, Role.SENIOR_CARER, home=2)
    table.skill[[ours, theirs]] = 0.2

    coaching.coach(model, 0, ours)
    coaching.coach(model, 1, np.array([theirs]))  # site 2: C6 = 0

    gain = params.coaching_gain * 0.5 * 0.8
    assert table.skill[ours] == pytest.approx(0.2 + gain)
    assert table.skill[theirs] == 0.2
    assert count(model, "skill_from_coaching", 0) == pytest.approx(gain)


def test_no_coaching_after_support():
    model = small_world({"qi_coaching": 1.0}, week=12)
    slot = post(model, Role.SENIOR_CARER, home=0)
    model.staff.skill[slot] = 0.2

    coaching.coach(model, 0, slot)

    assert model.staff.skill[slot] == 0.2


@pytest.mark.parametrize("skill", [0.0, 0.5, 1.0])
def test_a_champion_plans_smaller_chunks_the_more_skilled_they_are(skill):
    model = small_world()
    params = model.params
    slot = post(model, Role.SENIOR_CARER, home=0)
    model.staff.skill[slot] = skill

    expected = params.chunk_hours_novice - (params.chunk_hours_novice - params.chunk_hours_skilled) * skill
    assert coaching.chunk_target(model, slot) == pytest.approx(expected)


@pytest.mark.parametrize(("week", "hours"), [(0, [3.0, 3.0, 0.0, 0.0]), (12, [0.0] * 4)])
def test_facilitators_work_their_hours_times_c6_in_each_home_during_support(week, hours):
    model = small_world({"qi_coaching": {"sites": {"site_1": 0.5}}}, week=week, facilitator_hours_per_home=6.0,
                        project_start="meetings")  # the coaching route (under facilitation: a caseload, 7.4b)
    np.testing.assert_allclose(coaching.facilitator_hours(model), hours)
