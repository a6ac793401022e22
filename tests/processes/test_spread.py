"""Process 7, spread of improvements along ties (``spread.share_along_ties``; docs/ODD.md 7.7)."""

from __future__ import annotations

import numpy as np
import pytest

from qicsim.model import spread
from qicsim.model.project import Origin, Stage
from qicsim.model.roles import Role

from .world import add_project, count, join, post, set_tie, small_world

CONTACT_WEEK = 4
SOURCE = 0  # the home with the improvement in place


def spread_world(**settings):
    """An improvement in place in home 0; nobody outside home 0 is tied to its staff yet."""
    model = small_world(week=CONTACT_WEEK, **({"spread_prob": 1.0} | settings))
    table = model.staff
    manager = post(model, Role.CARE_HOME_MANAGER, home=SOURCE)
    join(model, manager)
    improvement = add_project(model, SOURCE, manager, topic_name="hydration", stage=Stage.IMPLEMENTED)
    source_staff = model.homes[SOURCE].staff
    for slot in np.flatnonzero(table.home != SOURCE):
        for colleague in source_staff:
            if table.site[slot] == table.site[colleague]:
                set_tie(model, int(slot), int(colleague), 0.0)
    return model, improvement


def taken_up(model, improvement):
    return [p for p in model.projects if p.parent == improvement.pid]


def test_a_member_tied_to_a_home_with_an_improvement_takes_it_up_for_their_own_home():
    model, improvement = spread_world()
    adopter = post(model, Role.CARE_HOME_MANAGER, home=1)
    join(model, adopter)
    set_tie(model, adopter, post(model, Role.CARE_ASSISTANT, home=SOURCE), 1.0)

    spread.share_along_ties(model)

    [project] = taken_up(model, improvement)
    assert (project.home, project.topic, project.origin) == (1, improvement.topic, Origin.SPREAD_WITHIN_SITE)
    assert project.champion == adopter  # a member voicer for their own home leads it
    assert count(model, "ideas_spread", 1) == 1 and count(model, "ideas_spread_across_sites") == 0


def test_an_improvement_crosses_to_another_site_only_through_someone_met_there():
    model, improvement = spread_world()
    adopter = post(model, Role.CARE_HOME_MANAGER, home=2)  # site 2
    join(model, adopter)
    model.staff.ties.raise_cross(adopter, np.array([post(model, Role.SENIOR_CARER, home=SOURCE)]), 1.0)

    spread.share_along_ties(model)

    [project] = taken_up(model, improvement)
    assert (project.home, project.origin) == (2, Origin.SPREAD_ACROSS_SITES)
    assert count(model, "ideas_spread_across_sites", 2) == 1


@pytest.mark.parametrize(("week", "spread_prob", "tie"), [
    (CONTACT_WEEK, 1.0, 0.0),  # no tie: nothing to take it up through
    (CONTACT_WEEK + 1, 1.0, 1.0),  # not a contact week
    (CONTACT_WEEK, 0.0, 1.0),  # nobody passes things on
])
def test_nothing_spreads_without_a_tie_a_contact_week_or_a_chance(week, spread_prob, tie):
    model, improvement = spread_world(spread_prob=spread_prob)
    model.week = week
    adopter = post(model, Role.CARE_HOME_MANAGER, home=1)
    join(model, adopter)
    set_tie(model, adopter, post(model, Role.CARE_ASSISTANT, home=SOURCE), tie)

    spread.share_along_ties(model)

    assert taken_up(model, improvement) == [] and count(model, "ideas_spread") == 0


def test_the_homes_own_staff_and_non_members_do_not_take_it_up():
    model, improvement = spread_world()
    outsider = post(model, Role.CARE_ASSISTANT, home=1)  # not a member
    set_tie(model, outsider, post(model, Role.CARE_ASSISTANT, home=SOURCE), 1.0)

    spread.share_along_ties(model)  # the source home's own members are tied to its staff

    assert taken_up(model, improvement) == []
