"""Projects of different sizes: the kind of change sets effort and least cycles (``project_sizes``; ODD 7.4).

Each test plans a project through ``planning.start_project`` on the small world, with the
effort's lognormal spread at 0 (``project_effort_sigma = 0``) so that a project's effort is
its kind's mean exactly, and the idea's draw for its kind fixed where the kind depends on it.
"""

from __future__ import annotations

import math
import weakref

import pytest

from qicsim.model import planning, project_sizes
from qicsim.model.project import ChangeKind, Origin
from qicsim.model.roles import Role
from qicsim.model.topics import TOPICS

from .world import count, join, post, small_world, topic

HOME = 0
SMALL = "oral_health"  # needs no discipline: a small test or a process change, by the draw
REVIEW = "deterioration_review"  # needs a specialist nurse and a GP: a multidisciplinary review


KIND_DRAW: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
"""Each world's draw for the kind of its projects (0.5 where a test fixes none)."""
EFFORT_DRAWS = [0.3, 0.6]
"""The effort's two uniforms (a normal) of every project planned here."""


def sized_world(sizes="by_kind", draw=None, **settings):
    """Home 0's senior carer, a member with QI skill 0, will champion; effort without spread."""
    model = small_world(project_sizes=sizes, **({"project_effort_sigma": 0.0} | settings))
    champion = post(model, Role.SENIOR_CARER, home=HOME)
    join(model, champion, engagement=0.6)
    model.staff.skill[champion] = 0.0
    if draw is not None:
        KIND_DRAW[model] = draw
    return model, champion


def start(model, champion, topic_name, origin=Origin.VOICED, parent=-1, kind_draw=None):
    kind_draw = KIND_DRAW.get(model, 0.5) if kind_draw is None else kind_draw
    return planning.start_project(model, HOME, topic(topic_name), champion, origin, False, parent,
                                  [*EFFORT_DRAWS, kind_draw, 0.5])


def test_today_is_one_size_and_the_review_topic_needs_more_disciplines_than_the_small_one():
    model, _ = sized_world("one_size")
    assert model.structure.project_sizes == "one_size"
    assert small_world().structure.project_sizes == "one_size"
    needs = model.params.multidisciplinary_review_needs
    assert len(TOPICS[topic(REVIEW)].needs) >= needs > len(TOPICS[topic(SMALL)].needs)


def test_a_small_test_of_change_takes_hours_in_one_chunk():
    model, champion = sized_world(draw=0.0)  # below small_test_share: a small test
    params = model.params

    project = start(model, champion, SMALL)

    assert project.kind == ChangeKind.SMALL_TEST
    assert project.effort_hours == pytest.approx(params.small_test_hours) == pytest.approx(4.0)
    # Skill 0: chunks of chunk_hours_novice (16 h) at most; 4 h is one chunk, the kind's least (1).
    assert project.n_chunks == max(params.small_test_cycles, math.ceil(4.0 / params.chunk_hours_novice)) == 1
    assert project.chunk_hours == pytest.approx(4.0)
    assert count(model, "projects_small_test", HOME) == 1
    assert count(model, "projects_process_change") == count(model, "projects_multidisciplinary_review") == 0


def test_a_process_change_is_planned_in_at_least_its_least_number_of_cycles():
    model, champion = sized_world(draw=0.99)  # at or above small_test_share: a process change
    params = model.params

    project = start(model, champion, SMALL)

    assert project.kind == ChangeKind.PROCESS_CHANGE
    assert project.effort_hours == pytest.approx(params.process_change_hours) == pytest.approx(24.0)
    # ceil(24 / 16) = 2 chunks would do; the kind asks for at least 3 cycles: 3 chunks of 8 h.
    assert project.n_chunks == params.process_change_cycles == 3
    assert project.chunk_hours == pytest.approx(8.0)
    assert count(model, "projects_process_change", HOME) == 1


def test_a_multidisciplinary_review_takes_tens_of_hours_whatever_the_draw():
    model, champion = sized_world(draw=0.0)  # the draw would make any other topic a small test
    params = model.params

    project = start(model, champion, REVIEW)

    assert project.kind == ChangeKind.MULTIDISCIPLINARY_REVIEW
    assert project.effort_hours == pytest.approx(params.multidisciplinary_review_hours) == pytest.approx(64.0)
    assert project.n_chunks == max(params.multidisciplinary_review_cycles, math.ceil(64.0 / 16.0)) == 4
    assert count(model, "projects_multidisciplinary_review", HOME) == 1


def test_how_many_disciplines_make_a_review_is_a_setting():
    model, champion = sized_world(draw=0.0, multidisciplinary_review_needs=1)

    project = start(model, champion, "falls_prevention")  # needs a therapist only

    assert len(TOPICS[project.topic].needs) == 1
    assert project.kind == ChangeKind.MULTIDISCIPLINARY_REVIEW


@pytest.mark.parametrize(("skill", "chunks"), [(0.0, 4), (0.5, 7), (1.0, 16)])
def test_coaching_still_cuts_the_kinds_effort_into_smaller_chunks_the_more_skilled_the_champion(skill, chunks):
    model, champion = sized_world(draw=0.0)
    params = model.params
    model.staff.skill[champion] = skill

    project = start(model, champion, REVIEW)

    target = params.chunk_hours_novice - (params.chunk_hours_novice - params.chunk_hours_skilled) * skill  # C6
    assert project.n_chunks == max(params.multidisciplinary_review_cycles, math.ceil(64.0 / target)) == chunks
    assert project.chunk_hours == pytest.approx(64.0 / chunks)


def test_a_spread_is_the_same_kind_of_change_as_its_parent_at_the_spread_share_of_its_effort():
    model, champion = sized_world(draw=0.0)
    params = model.params
    parent = start(model, champion, SMALL)  # a small test (draw 0)
    # A draw of 0.99 would make a new idea a process change.
    spread = start(model, champion, SMALL, Origin.SPREAD_WITHIN_SITE, parent=parent.pid, kind_draw=0.99)

    assert spread.kind == ChangeKind.SMALL_TEST
    assert spread.effort_hours == pytest.approx(params.small_test_hours * params.spread_effort_share)
    assert count(model, "projects_small_test", HOME) == 2


def test_by_kind_rescales_the_same_planning_draw_one_size_makes():
    """Common random numbers: the same effort draws; only the mean changes."""
    spread = {"project_effort_sigma": 0.5}
    one, champion = sized_world("one_size", **spread)
    kinds, _ = sized_world(draw=0.99, **spread)

    base = start(one, champion, SMALL)
    sized = start(kinds, champion, SMALL)

    params = kinds.params
    assert sized.effort_hours == pytest.approx(base.effort_hours * params.process_change_hours
                                               / params.project_effort_hours)


def test_one_size_plans_as_before_whatever_the_kind_draw():
    model, champion = sized_world("one_size", draw=0.0, project_effort_sigma=0.5)
    params = model.params

    project = start(model, champion, REVIEW)

    assert project.kind == ChangeKind.ONE_SIZE
    assert project.n_chunks == max(1, math.ceil(project.effort_hours / params.chunk_hours_novice))
    assert project.chunk_hours * project.n_chunks == pytest.approx(project.effort_hours)
    assert sum(count(model, name) for name in project_sizes.KIND_COUNTS.values()) == 0


def test_the_kind_is_in_the_projects_table():
    from qicsim.model.outcomes import PROJECT_COLUMNS, project_rows

    model, champion = sized_world(draw=0.0)
    start(model, champion, REVIEW)
    start(model, champion, SMALL)

    assert "kind" in PROJECT_COLUMNS
    assert [row["kind"] for row in project_rows(model)] == ["multidisciplinary_review", "small_test"]
