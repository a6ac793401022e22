"""Observation: mechanism counts kept per week and site, and the weekly series (``counters``, ``series``)."""

from __future__ import annotations

import numpy as np
import pytest

from qicsim.model.counters import COUNT_INDEX
from qicsim.model.roles import Role
from qicsim.model.series import SERIES_INDEX

from .world import post, small_world


def test_each_weeks_increments_are_kept_per_site_homes_and_nhs_side_together():
    model = small_world()
    counts = model.counts
    counts.add("lapses", 0, 2.0)
    counts.add("lapses", counts.site_unit(0), 1.0)
    counts.add_many("lapses", np.array([3, 3]), np.array([2.0, 3.0]))
    counts.close_week(0)
    counts.add("lapses", 1)
    counts.close_week(1)

    weekly = counts.weekly[:, COUNT_INDEX["lapses"]]
    np.testing.assert_array_equal(weekly[0], [3.0, 5.0])  # site 1: home 0 and its NHS side; site 2: home 3
    np.testing.assert_array_equal(weekly[1], [1.0, 0.0])  # only what was added since
    assert counts.total("lapses") == 9.0


def test_the_weekly_series_records_members_their_engagement_and_each_sites_home_states():
    model = small_world(week=3)
    table, homes = model.staff, model.home_state
    table.member[:] = False
    engaged = [post(model, Role.CARE_HOME_MANAGER, home=0), post(model, Role.GP, site=0),
               post(model, Role.SENIOR_CARER, home=3)]
    table.member[engaged] = True
    table.engagement[engaged] = [0.2, 0.6, 0.9]
    homes.data_capability[:] = [0.1, 0.3, 0.5, 0.9]
    homes.problems[:] = [1.0, 2.0, 3.0, 4.0]
    homes.load[:] = [1.0, 1.2, 0.9, 1.1]

    model.series.record(model)

    row = model.series.values[3]
    column = SERIES_INDEX
    np.testing.assert_array_equal(row[:, column["members"]], [2, 1])
    np.testing.assert_allclose(row[:, column["mean_engagement"]], [0.4, 0.9])
    np.testing.assert_allclose(row[:, column["data_capability"]], [0.2, 0.7])  # mean of the site's homes
    np.testing.assert_allclose(row[:, column["open_problems"]], [3.0, 7.0])  # total
    np.testing.assert_allclose(row[:, column["mean_load"]], [1.1, 1.0])
    assert not model.series.values[:3].any()  # earlier weeks not recorded


def test_a_site_without_members_records_zero_engagement_not_nan():
    model = small_world()
    model.staff.member[model.staff.site == 1] = False

    model.series.record(model)

    assert model.series.values[0, 1, SERIES_INDEX["mean_engagement"]] == pytest.approx(0.0)
