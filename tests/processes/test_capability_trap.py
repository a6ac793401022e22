"""The capability trap's full loop (``structure.trap = "full_loop"``; ``capability.update_trap``, docs/ODD.md 7.10).

One test or more per mechanism, on the small world, with the values its formula gives: QI time
taken from care (worse before better), work-arounds, erosion without practice and faster
under load, lapses under load (process 9), and managers learning the slack they give QI.
Under firefighting (today's structure) none of it acts.
"""

from __future__ import annotations

import numpy as np
import pytest

from qicsim.model import capability, problems, sustainment, workload
from qicsim.model.draws import Draw
from qicsim.model.project import Stage
from qicsim.model.roles import Role

from .world import PoissonMeans, add_project, count, fix_draws, join, post, small_world

FULL = {"trap": "full_loop"}
FIREFIGHTING = {"trap": "firefighting"}  # the structure PEACH was calibrated on (peach_2026)
AFTER_SUPPORT = 12  # the small world's support lasts 12 weeks


# --- worse before better: QI hours not backfilled come off care ---------------------------

def at_capacity(**settings):
    """A small world whose homes' demand equals their hours (load 1, every share 1), process 1 done."""
    model = small_world(care_workload_share=1.0, workaround_share=0.0, **settings)
    workload.update_time(model)
    return model


def test_unbackfilled_qi_hours_leave_care_uncovered_this_week():
    model = at_capacity(**FULL)
    manager = post(model, Role.CARE_HOME_MANAGER, home=0)
    table, homes = model.staff, model.home_state
    assert homes.uncovered == pytest.approx(0.0)
    table.engagement[manager] = 0.0  # no own time; no protected time in the small world (C4 = 0)
    table.hours_meetings[manager] += 5.0  # five hours at a meeting, travel included

    capability.update_trap(model)

    hours = table.hours_per_home[0]
    expected = 1.0 - (hours - 5.0) / homes.care_demand[0]
    assert homes.uncovered[0] == pytest.approx(expected) and expected > 0.02
    np.testing.assert_allclose(homes.uncovered[1:], 0.0, atol=1e-12)
    assert count(model, "qi_hours_off_floor", 0) == pytest.approx(5.0)
    assert count(model, "uncovered_from_qi", 0) == pytest.approx(expected)


def test_backfill_and_own_time_cover_qi_hours():
    model = at_capacity(**FULL)
    manager = post(model, Role.CARE_HOME_MANAGER, home=0)
    table = model.staff
    table.engagement[manager] = 1.0  # own_time_hours (1) of their own time
    table.protected_used[manager] = 3.0  # as process 1 leaves it when 3 backfilled hours are honoured
    table.hours_meetings[manager] += 5.0

    capability.update_trap(model)

    assert count(model, "qi_hours_off_floor", 0) == pytest.approx(5.0 - 3.0 - model.params.own_time_hours)


def test_under_firefighting_qi_hours_take_nothing_from_care():
    model = at_capacity(**FIREFIGHTING)
    manager = post(model, Role.CARE_HOME_MANAGER, home=0)
    model.staff.engagement[manager] = 0.0
    model.staff.hours_meetings[manager] += 5.0

    capability.update_trap(model)

    np.testing.assert_allclose(model.home_state.uncovered, 0.0, atol=1e-12)
    assert count(model, "qi_hours_off_floor") == 0


def test_a_home_with_spare_hours_absorbs_qi_time():
    model = small_world(workaround_share=0.0, **FULL)  # demand 0.97 of the hours: 3% spare
    workload.update_time(model)
    manager = post(model, Role.CARE_HOME_MANAGER, home=0)
    model.staff.engagement[manager] = 0.0
    model.staff.hours_meetings[manager] += 2.0  # less than the home's spare hours

    capability.update_trap(model)

    assert count(model, "qi_hours_off_floor", 0) == pytest.approx(2.0)
    np.testing.assert_allclose(model.home_state.uncovered, 0.0, atol=1e-12)


# --- work-arounds: quick fixes relieve care now and return as rushed care later ------------

def test_quick_fixes_cover_part_of_uncovered_care_and_add_to_the_work_around_stock():
    model = small_world(week=AFTER_SUPPORT, workaround_share=0.5, workaround_weeks=10.0, **FULL)
    homes = model.home_state
    homes.uncovered[:] = [0.0, 0.1, 0.2, 0.0]
    homes.workarounds[:] = [1.0, 0.0, 0.5, 0.0]

    capability.update_trap(model)  # after support: only work-arounds

    np.testing.assert_allclose(homes.uncovered, [0.0, 0.05, 0.1, 0.0])
    np.testing.assert_allclose(homes.workarounds, [0.9, 0.05, 0.45 + 0.1, 0.0])
    assert count(model, "workaround_relief") == pytest.approx(0.15)


def test_work_arounds_raise_the_problem_inflow_as_deferred_rushed_care(monkeypatch):
    model = small_world(workaround_harm=2.0, workaround_weeks=10.0, rushed_care_problems=3.0, **FULL)
    params, homes = model.params, model.home_state
    homes.in_place[:] = [0, 1, 0, 0]
    homes.uncovered[:] = [0.0, 0.0, 0.1, 0.0]
    homes.workarounds[:] = [0.5, 0.5, 0.0, 0.0]
    stream = PoissonMeans()
    monkeypatch.setattr(problems, "poisson", stream)

    problems.update_problems(model)

    prevented = homes.problem_inflow * (1.0 - params.prevention_per_improvement) ** homes.in_place
    deferred = 2.0 / 10.0 * homes.workarounds
    np.testing.assert_allclose(stream.means, prevented * (1.0 + 3.0 * (homes.uncovered + deferred)))
    assert count(model, "problems_from_workarounds") == pytest.approx(float((prevented * 3.0 * deferred).sum()))


def test_under_firefighting_work_arounds_neither_relieve_nor_harm(monkeypatch):
    model = small_world(week=AFTER_SUPPORT, **FIREFIGHTING)
    homes = model.home_state
    homes.uncovered[:] = 0.1
    homes.workarounds[:] = 1.0

    capability.update_trap(model)

    np.testing.assert_allclose(homes.uncovered, 0.1)
    stream = PoissonMeans()
    monkeypatch.setattr(problems, "poisson", stream)
    problems.update_problems(model)
    np.testing.assert_allclose(stream.means, homes.problem_inflow * (1.0 + model.params.rushed_care_problems
                                                                             * 0.1))


# --- erosion: without practice, faster under load -------------------------------------------

def skilled_world(**settings):
    """Home 0's and home 2's managers at QI skill 0.6; every home's routines and data capability raised."""
    model = small_world(**FULL, **settings)
    homes = model.home_state
    for home in (0, 2):
        model.staff.skill[post(model, Role.CARE_HOME_MANAGER, home=home)] = 0.6
    homes.alignment_practice[:] = 0.5
    homes.data_capability[:] = 0.6
    return model


def period_share(rate: float, factor: float, weeks: int) -> float:
    return 1.0 - (1.0 - rate * factor) ** weeks


def test_skill_routines_and_data_capability_erode_without_practice():
    model = skilled_world()
    params, table, homes = model.params, model.staff, model.home_state
    practised = np.zeros(table.n, dtype=bool)
    practised[post(model, Role.CARE_HOME_MANAGER, home=2)] = True
    practised_home = np.array([False, False, True, False])

    capability.erode(model, practised, practised_home)

    weeks = params.manager_review_weeks
    skill_share = period_share(params.skill_erosion, 1.0, weeks)
    home_share = period_share(params.routine_erosion, 1.0, weeks)
    start = params.skill_initial_care
    assert table.skill[post(model, Role.CARE_HOME_MANAGER, home=0)] == pytest.approx(0.6 - skill_share * (0.6 - start))
    assert table.skill[post(model, Role.CARE_HOME_MANAGER, home=2)] == 0.6, "practised: no loss"
    np.testing.assert_allclose(homes.alignment_practice, [0.5 * (1 - home_share)] * 2 + [0.5, 0.5 * (1 - home_share)])
    routine = params.routine_data_capability
    lost = home_share * (0.6 - routine)
    np.testing.assert_allclose(homes.data_capability, [0.6 - lost, 0.6 - lost, 0.6, 0.6 - lost])
    assert count(model, "skill_eroded", 0) == pytest.approx(skill_share * (0.6 - start))
    assert count(model, "alignment_practice_eroded") == pytest.approx(3 * 0.5 * home_share)


def test_erosion_is_faster_under_load():
    model = skilled_world(erosion_pressure=10.0)
    params, table, homes = model.params, model.staff, model.home_state
    homes.load[0] = 1.1  # home 0 at 10% overload; home 2 at its usual load
    nobody = np.zeros(table.n, dtype=bool)

    capability.erode(model, nobody, np.zeros(homes.n, dtype=bool))

    weeks = params.manager_review_weeks
    start = params.skill_initial_care
    loaded, usual = (0.6 - table.skill[post(model, Role.CARE_HOME_MANAGER, home=h)] for h in (0, 2))
    assert loaded == pytest.approx(period_share(params.skill_erosion, 2.0, weeks) * (0.6 - start))
    assert usual == pytest.approx(period_share(params.skill_erosion, 1.0, weeks) * (0.6 - start))
    assert loaded > 1.9 * usual
    assert 0.5 - homes.alignment_practice[0] == pytest.approx(0.5 * period_share(params.routine_erosion, 2.0, weeks))


def test_a_review_erodes_only_what_was_not_practised_since_the_last():
    model = skilled_world(week=3)  # (3 + 1) % 4 == 0: a review week
    table = model.staff
    practising = post(model, Role.CARE_HOME_MANAGER, home=2)
    table.hours_projects[practising] += 1.0  # an hour of project work in the period

    capability.update_trap(model)

    assert table.skill[practising] == 0.6
    assert table.skill[post(model, Role.CARE_HOME_MANAGER, home=0)] < 0.6
    assert model.home_state.alignment_practice[2] == 0.5 and model.home_state.alignment_practice[0] < 0.5


def test_no_review_between_reviews():
    model = skilled_world(week=2)

    capability.update_trap(model)

    assert model.staff.skill[post(model, Role.CARE_HOME_MANAGER, home=0)] == 0.6


# --- lapses: the hazard rises with load (process 9) -----------------------------------------

def lapse_world(load: float, **settings):
    """An improvement in place in home 0 after support, hazard 0.5 at usual load, the lapse draw 0.6."""
    model = small_world(week=AFTER_SUPPORT, takeover_prob=0.0, lapse_per_week=0.5, alignment_lapse_protection=0.0,
                        lapse_pressure=10.0, **settings)
    champion = post(model, Role.CARE_HOME_MANAGER, home=0)
    join(model, champion)
    project = add_project(model, 0, champion, stage=Stage.IMPLEMENTED, week_implemented=5)
    model.home_state.load[0] = load
    fix_draws(model, 0.6, Draw.SUSTAIN)
    return model, project


def test_an_improvement_lapses_more_easily_under_load():
    model, project = lapse_world(1.0, **FULL)
    sustainment.update_sustainment(model)  # hazard 0.5 < 0.6: kept
    assert project.stage == Stage.IMPLEMENTED and count(model, "lapse_hazard_from_load") == 0

    model, project = lapse_world(1.1, **FULL)
    sustainment.update_sustainment(model)  # hazard 0.5 x (1 + 10 x 0.1) = 1: lapses
    assert project.stage == Stage.ABANDONED
    assert count(model, "lapse_hazard_from_load", 0) == pytest.approx(0.5)


def test_under_firefighting_the_lapse_hazard_ignores_load():
    model, project = lapse_world(1.1, **FIREFIGHTING)
    sustainment.update_sustainment(model)
    assert project.stage == Stage.IMPLEMENTED


# --- managers learn how much slack to give QI ------------------------------------------------

def review_world(**settings):
    """The small world at a review, its managers' slack at slack_use and its problems level."""
    model = small_world(week=3, **(FULL | {"slack_learning": 0.05} | settings))
    homes = model.home_state
    homes.problems_in_review[:] = homes.problems_reviewed * model.params.manager_review_weeks  # no change
    return model


def test_slack_rises_after_visible_payoff():
    model = review_world()
    homes = model.home_state
    model.counts.add("chunks_completed", 0, 2.0)  # two successful cycles in home 0
    homes.in_place[1] = 1  # an improvement implemented in home 1

    capability.learn_slack(model)

    s = model.params.slack_use
    np.testing.assert_allclose(homes.qi_slack, [s + 0.1 * (1 - s), s + 0.05 * (1 - s), s, s])
    assert count(model, "qi_slack_raised") == pytest.approx(0.15 * (1 - s))


def test_slack_falls_after_disappointment():
    model = review_world()
    homes, weeks = model.home_state, model.params.manager_review_weeks
    model.counts.add("chunks_failed", 0, 3.0)  # three failed cycles
    model.counts.add("stalled_weeks", 1, float(weeks))  # a project stalled all period: one disappointment
    homes.problems_in_review[2] += homes.reference_problems[2] * weeks  # problems up one reference stock
    model.counts.add("lapses", 3, 1.0)  # an improvement lapsed (it was in place at the last review)
    homes.in_place_seen[3] = 1

    capability.learn_slack(model)

    s = model.params.slack_use
    np.testing.assert_allclose(homes.qi_slack, [s - 0.15 * s, s - 0.05 * s, s - 0.05 * s, s - 0.05 * s])
    assert count(model, "qi_slack_cut") == pytest.approx(0.3 * s)


def test_slack_falling_problems_are_a_payoff_and_slack_stays_in_bounds():
    model = review_world(slack_learning=1.0)
    homes, weeks = model.home_state, model.params.manager_review_weeks
    homes.problems_in_review[0] -= 0.5 * homes.reference_problems[0] * weeks  # problems down half a stock
    model.counts.add("chunks_completed", 1, 5.0)  # 5 x 1: capped at the whole gap
    model.counts.add("chunks_failed", 2, 5.0)

    capability.learn_slack(model)

    s = model.params.slack_use
    np.testing.assert_allclose(homes.qi_slack, [s + 0.5 * (1 - s), 1.0, 0.0, s])


def test_members_give_their_home_managers_slack():
    model = small_world(**FULL)
    homes, table = model.home_state, model.staff
    homes.qi_slack[0] = 0.0
    homes.qi_slack[1] = 1.0
    members = [post(model, Role.CARE_HOME_MANAGER, home=h) for h in (0, 1)]

    workload.update_time(model)

    own = model.params.own_time_hours
    for member, slack in zip(members, (0.0, 1.0), strict=True):
        free = table.available[member] - table.protected_used[member]
        engagement = table.engagement[member] + model.params.engagement_decay  # before this week's fading
        assert table.qic_hours[member] == pytest.approx((slack * free + own) * engagement)
    assert table.qic_hours[members[1]] > table.qic_hours[members[0]]
