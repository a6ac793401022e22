"""Process 10, avoidable problems and the capability trap (``problems.update_problems``; docs/ODD.md 7.10)."""

from __future__ import annotations

import numpy as np
import pytest

from qicsim.model import problems

from .world import PoissonMeans, count, small_world


def test_the_reference_inflow_is_beds_times_the_yearly_rates_over_a_year():
    model = small_world()
    params, homes = model.params, model.home_state
    per_bed_year = params.falls_per_bed_year + params.infections_per_bed_year + params.avoidable_admissions_per_bed_year
    np.testing.assert_allclose(problems.reference_inflow(params, homes.beds), homes.beds * per_bed_year / 52.0)
    np.testing.assert_allclose(homes.problem_inflow, homes.beds * per_bed_year / 52.0)
    np.testing.assert_allclose(homes.reference_problems, homes.problem_inflow * params.problem_weeks)


def test_new_problems_arise_at_the_inflow_cut_by_improvements_and_raised_by_rushed_care(monkeypatch):
    model = small_world()
    params, homes = model.params, model.home_state
    homes.in_place[:] = [0, 2, 0, 1]
    homes.uncovered[:] = [0.0, 0.0, 0.25, 0.5]
    stream = PoissonMeans()
    monkeypatch.setattr(problems, "poisson", stream)  # records the Poisson means; draws no new problem

    problems.update_problems(model)

    expected = (homes.problem_inflow * (1.0 - params.prevention_per_improvement) ** homes.in_place
                * (1.0 + params.rushed_care_problems * homes.uncovered))
    np.testing.assert_allclose(stream.means, expected)


def test_open_problems_are_resolved_at_one_over_problem_weeks_of_the_stock_a_week():
    model = small_world(prevention_per_improvement=1.0)  # with an improvement in place, no new problem
    params, homes = model.params, model.home_state
    homes.in_place[:] = 1
    before = homes.problems.copy()

    problems.update_problems(model)

    after = before * (1.0 - 1.0 / params.problem_weeks)
    np.testing.assert_allclose(homes.problems, after)
    assert count(model, "problems_arising") == 0
    assert count(model, "problem_hours") == pytest.approx(after.sum() * params.problem_hours_per_week)


def test_whatever_the_draw_new_problems_are_whole_and_counted_on_their_home():
    model = small_world(rushed_care_problems=50.0)
    homes = model.home_state
    homes.uncovered[:] = 0.5  # many new problems
    before = homes.problems.copy()

    problems.update_problems(model)

    arising = homes.problems - before * (1.0 - 1.0 / model.params.problem_weeks)
    np.testing.assert_allclose(arising, np.round(arising), atol=1e-9)
    assert (arising > 0).all()
    np.testing.assert_allclose([count(model, "problems_arising", home) for home in range(4)], arising, atol=1e-9)
