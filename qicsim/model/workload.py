"""Process 1: each person's week as one budget of clinical demand, QIC time and what is left."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from qicsim.model.draws import Draw

if TYPE_CHECKING:
    from qicsim.model.model import QICModel

WEEKS_PER_YEAR = 52.0


def seasonal_load(model: QICModel) -> float:
    """Demand multiplier from winter pressure this week (a cosine, peak at winter_peak_week)."""
    params = model.params
    phase = 2.0 * np.pi * (model.week - params.winter_peak_week) / WEEKS_PER_YEAR
    return 1.0 + params.winter_amplitude * float(np.cos(phase))


def honour_probability(model: QICModel, load: np.ndarray) -> np.ndarray:
    """Chance that protected time is honoured at a given load (C4).

    Managers pull protected staff back to the floor under pressure: the chance falls smoothly
    (a logistic in the load) through 1/2 at ``protection_honour_load``.
    """
    params = model.params
    return 1.0 / (1.0 + np.exp((load - params.protection_honour_load) / params.protection_honour_spread))


def update_time(model: QICModel) -> None:
    """Set each person's time budget for the week (process 1; C4 acts here).

    Clinical demand is contracted hours x workload share x load, the load being the home's
    (season times the pressure of its open problems, process 10) or, for NHS posts, the
    season's. The workload share is drawn per holder around the role's mean
    (``setup.workload_mean``): one share for every care home role (``structure.time_model =
    "one_share"``), or 1 - the role's discretionary share (``"by_role"``). A member offered
    protected time (C4: their role is targeted, their protection draw lies below the site's
    intensity, support is running) is paid ``protected_hours``
    of backfill whether used or not; the backfill is honoured with the chance of
    :func:`honour_probability` at the home's load and then takes that many hours of clinical
    demand off them. What is left after demand is their available time: protected hours come
    out of it first, then members give a share of the rest (:func:`slack_share`) times their engagement, plus
    ``own_time_hours`` of their own time times engagement. Members in induction have no QIC
    time. Members' engagement fades a little every week (``engagement_decay``).
    """
    params = model.params
    table = model.staff
    season = seasonal_load(model)
    homes = model.home_state
    load = np.add(1.0, problem_pressure(model), out=homes.load)  # season x (1 + pressure), in place
    load *= season
    # Each post's load: its home's, or (last element) the season's for NHS posts.
    loads = homes.post_load
    loads[-1] = season
    # Results go straight into the table's columns (out=): on arrays this small each call's
    # overhead, not its arithmetic, is the cost.
    np.multiply(table.contracted_hours * table.workload_share, loads[table.load_index], out=table.demand)
    working = table.member & (table.induction_left == 0)
    if model.supported:
        offered = (table.member & table.protection_target
                   & (table.protection_draw < model.context("protected_time")[table.site]))
        # One draw per post every week, so that C4 changes no other draw (common random numbers).
        draws = model.uniforms(Draw.TIME_HONOURED, table.n)
        honoured = offered & (draws < honour_probability(model, loads)[table.load_index])
        backfill = params.protected_hours * honoured
        np.maximum(0.0, table.contracted_hours - (table.demand - backfill), out=table.available)
        protected_used = np.multiply(np.minimum(backfill, table.available), working, out=table.protected_used)
        np.multiply(params.protected_hours, offered, out=table.protected_offered)
    else:
        offered = np.zeros(table.n, dtype=bool)
        np.maximum(0.0, table.contracted_hours - table.demand, out=table.available)
        protected_used = table.protected_used
        protected_used[:] = 0.0
        table.protected_offered[:] = 0.0
    free = table.available - protected_used
    given = (slack_share(model) * free + params.own_time_hours) * table.engagement
    np.multiply(protected_used + given, working, out=table.qic_hours)
    table.hours_left[:] = table.qic_hours
    table.engagement -= params.engagement_decay * table.member
    record_hours(model, offered, np.multiply(free, working, out=free))
    homes.uncovered[:] = uncovered_share(model)


def slack_share(model: QICModel) -> float | np.ndarray:
    """Share of a member's free time they give QI: ``slack_use``, or under the full trap loop their home's manager's.

    Under ``structure.trap = "full_loop"`` each home's share is learned (``HomeTable.qi_slack``,
    :func:`qicsim.model.capability.learn_slack`); NHS posts keep ``slack_use``.
    """
    if model.structure.trap == "firefighting":
        return model.params.slack_use
    return model.home_state.post_slack[model.staff.load_index]


def record_hours(model: QICModel, offered: np.ndarray, slack: np.ndarray) -> None:
    """Count paid, used and withdrawn protected hours, members' slack and members' QIC hours.

    Args:
        model: The model.
        offered: Posts offered protected time this week.
        slack: Each working member's free hours after demand and protected time (0 for others).
    """
    table = model.staff
    counts = model.counts
    counts.add_many("slack_hours_members", table.unit, slack)
    if np.count_nonzero(offered):  # any(), without ndarray.any's Python-level wrapper
        # Hours are 0 where nothing was offered, so whole columns can be added.
        table.hours_protected_paid += table.protected_offered
        table.hours_protected_used += table.protected_used
        counts.add_many("protected_hours_paid", table.unit, table.protected_offered)
        counts.add_many("protected_hours_used", table.unit, table.protected_used)
        counts.add_many("protected_hours_withdrawn", table.unit, table.protected_offered - table.protected_used)
    counts.add_many("qic_hours_members", table.unit, table.qic_hours)  # 0 for non-members


def problem_pressure(model: QICModel) -> np.ndarray:
    """Extra demand of each home from open problems beyond the reference stock, as a share."""
    params = model.params
    homes = model.home_state
    extra = (homes.problems - homes.reference_problems) * params.problem_hours_per_week
    return extra / (homes.beds * params.care_hours_per_bed)


def uncovered_share(model: QICModel, off_floor: np.ndarray | None = None) -> np.ndarray:
    """Share of each home's clinical demand its modelled staff cannot cover within their hours.

    ``max(0, 1 - hours / demand)`` per home, with ``hours`` the contracted hours of its modelled
    posts and ``demand`` their clinical demand this week (kept as ``HomeTable.care_demand``).
    With ``off_floor`` (the capability trap's full loop, worse before better: the hours the
    home's staff spent on QI work that neither backfill nor their own time covered,
    :func:`qicsim.model.capability.time_off_the_floor`) the hours are less those, and the
    demand is the week's as computed before.
    """
    table = model.staff
    homes = model.home_state
    if off_floor is None:
        # Every post's demand in one bincount: NHS posts go to the last bin (``load_index``), dropped.
        # Each home's posts are added in slot order, as over the care home posts alone.
        homes.care_demand = np.bincount(table.load_index, weights=table.demand, minlength=homes.n + 1)[:homes.n]
        hours = table.hours_per_home
    else:
        hours = np.maximum(0.0, table.hours_per_home - off_floor)
    share = np.maximum(homes.care_demand, 1e-9)
    np.divide(hours, share, out=share)
    return np.maximum(0.0, np.subtract(1.0, share, out=share), out=share)
