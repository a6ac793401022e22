"""Living relationships: ties fade, new holders settle in, co-attendance and trust (docs/ODD.md 7.3b)."""

from __future__ import annotations

import numpy as np
import pytest

from qicsim.model import relationships
from qicsim.model.roles import Role

from .world import add_project, clear_ties, post, set_tie, small_world


def colleague_tie(model):
    return model.params.colleague_tie


def fade_every(model):
    return relationships.FADE_EVERY_WEEKS


def test_ties_between_people_who_do_not_work_side_by_side_fade_and_colleague_ties_keep():
    model = small_world()
    every = fade_every(model)
    model.week = every  # a fade week during support
    ties = model.staff.ties
    manager, carer = post(model, Role.CARE_HOME_MANAGER, home=0), post(model, Role.SENIOR_CARER, home=0)
    gp, far_manager = post(model, Role.GP, site=0), post(model, Role.CARE_HOME_MANAGER, home=2)
    set_tie(model, manager, gp, 0.6)  # across the divide: not colleagues
    ties.raise_cross(manager, np.array([far_manager]), 0.4)  # across sites

    relationships.update_ties(model)

    keep = (1.0 - model.params.tie_decay) ** every
    dense = ties.dense()
    assert dense[manager, gp] == pytest.approx(0.6 * keep) == dense[gp, manager]
    assert dense[manager, far_manager] == pytest.approx(0.4 * keep)
    assert dense[manager, carer] == colleague_tie(model)  # colleagues keep theirs


@pytest.mark.parametrize("week", [1, 12])  # between fade weeks; after support (12 weeks)
def test_ties_do_not_change_between_fade_weeks_or_after_support(week):
    model = small_world()
    set_tie(model, post(model, Role.CARE_HOME_MANAGER, home=0), post(model, Role.GP, site=0), 0.6)
    before = model.staff.ties.dense()
    model.week = week

    relationships.update_ties(model)

    np.testing.assert_array_equal(model.staff.ties.dense(), before)


@pytest.mark.parametrize("weeks_in_post", [3, 60])
def test_a_settling_new_holder_forms_ties_with_their_colleagues(weeks_in_post):
    model = small_world()
    model.week = fade_every(model)
    table = model.staff
    newcomer = post(model, Role.CARE_ASSISTANT, home=0)
    clear_ties(model, newcomer)
    table.settling[newcomer] = True
    table.weeks_in_post[newcomer] = weeks_in_post

    relationships.update_ties(model)

    level = colleague_tie(model) * (1.0 - (1.0 - model.params.colleague_tie_growth) ** weeks_in_post)
    row = table.ties.row(newcomer)
    colleagues = model.homes[0].staff[model.homes[0].staff != newcomer]
    np.testing.assert_allclose(row[colleagues], level)
    others = np.ones(table.n, dtype=bool)
    others[colleagues] = False
    assert not row[others].any()  # no tie beyond the home
    assert table.settling[newcomer] == (level < 0.99 * colleague_tie(model))


def test_co_attending_a_meeting_closes_a_share_of_the_gap_to_one_between_attendees():
    model = small_world()
    manager, gp = post(model, Role.CARE_HOME_MANAGER, home=0), post(model, Role.GP, site=0)
    carer, absent = post(model, Role.SENIOR_CARER, home=0), post(model, Role.COMMUNITY_NURSE, site=0)
    set_tie(model, manager, gp, 0.2)
    set_tie(model, manager, absent, 0.3)
    before = model.staff.ties.dense()
    attendees = np.array(sorted([manager, gp, carer]))

    gained = relationships.strengthen_ties(model, 0, attendees, 0.25)

    after = model.staff.ties.dense()
    expected = before.copy()
    for a in attendees:
        for b in attendees:
            if a != b:
                expected[a, b] = before[a, b] + 0.25 * (1.0 - before[a, b])
    np.testing.assert_allclose(after, expected)  # the absent member's tie, and self-ties, unchanged
    np.testing.assert_allclose(gained, (expected - before)[attendees].sum(axis=1))


def test_trust_across_the_divide_counts_every_tie_to_a_member_partner():
    model = small_world()
    table = model.staff
    carer = post(model, Role.SENIOR_CARER, home=0)
    gp, nurse = post(model, Role.GP, site=0), post(model, Role.COMMUNITY_NURSE, site=0)
    dietitian = post(model, Role.DIETITIAN, site=0)  # an outside professional: not a partner
    for nhs in model.sites[0].nhs_staff:
        set_tie(model, carer, int(nhs), 0.0)
    set_tie(model, carer, gp, 0.5)
    set_tie(model, carer, nurse, 0.2)
    set_tie(model, carer, dietitian, 0.9)
    project = add_project(model, 0, carer)

    trust = 1.0 - (1.0 - 0.5) * (1.0 - 0.2)
    assert relationships.partnership_trust(model, project) == pytest.approx(trust)
    table.member[gp] = False  # a partner who left the team no longer counts
    assert relationships.partnership_trust(model, project) == pytest.approx(0.2)
