"""Process 1: each person's week as one budget of clinical demand, QIC time and what is left."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from qicsim.model.draws import Draw

if TYPE_CHECKING:
    from qicsim.model.batch import Batch
    from qicsim.model.model import QICModel

WEEKS_PER_YEAR = 52.0


def seasonal_load(batch: Batch) -> float | np.ndarray:
    """Demand multiplier from winter pressure this week (a cosine, peak at winter_peak_week), per replication."""
    return batch.each([_season(model) for model in batch.models])


def _season(model: QICModel) -> float:
    params = model.params
    phase = 2.0 * np.pi * (model.week - params.winter_peak_week) / WEEKS_PER_YEAR
    return 1.0 + params.winter_amplitude * float(np.cos(phase))


def honour_probability(batch: Batch, load: np.ndarray) -> np.ndarray:
    """Chance that protected time is honoured at a given load (C4).

    Managers pull protected staff back to the floor under pressure: the chance falls smoothly
    (a logistic in the load) through 1/2 at ``protection_honour_load``.
    """
    return 1.0 / (1.0 + np.exp((load - batch.param("protection_honour_load"))
                               / batch.param("protection_honour_spread")))


def update_time(batch: Batch | QICModel) -> None:
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

    Batched (:mod:`qicsim.model.batch`): every column has a leading replication axis; a model
    given alone is its batch of one.
    """
    batch = batch.own_batch()
    table = batch.staff
    homes = batch.homes
    season = seasonal_load(batch)
    load = np.add(1.0, problem_pressure(batch), out=homes.load)  # season x (1 + pressure), in place
    load *= season
    # Each post's load: its home's, or (last element) the season's for NHS posts.
    loads = homes.post_load
    loads[:, -1:] = season
    post_load = loads.reshape(-1)[batch.flat_load_index]
    # Results go straight into the table's columns (out=): each call's overhead, not its
    # arithmetic, is the cost.
    np.multiply(table.contracted_hours * table.workload_share, post_load, out=table.demand)
    working = table.member & (table.induction_left == 0)
    protected_hours = batch.param("protected_hours")
    if batch.models[0].supported:
        offered = (table.member & table.protection_target
                   & (table.protection_draw < batch.per_post(batch.context("protected_time"))))
        # One draw per post every week, so that C4 changes no other draw (common random numbers).
        draws = batch.uniforms(Draw.TIME_HONOURED, [model.staff.n for model in batch.models])
        honoured = offered & (draws < honour_probability(batch, loads).reshape(-1)[batch.flat_load_index])
        backfill = protected_hours * honoured
        np.maximum(0.0, table.contracted_hours - (table.demand - backfill), out=table.available)
        protected_used = np.multiply(np.minimum(backfill, table.available), working, out=table.protected_used)
        np.multiply(protected_hours, offered, out=table.protected_offered)
    else:
        offered = np.zeros(table.demand.shape, dtype=bool)
        np.maximum(0.0, table.contracted_hours - table.demand, out=table.available)
        protected_used = table.protected_used
        protected_used[:] = 0.0
        table.protected_offered[:] = 0.0
    free = table.available - protected_used
    given = (slack_share(batch) * free + batch.param("own_time_hours")) * table.engagement
    np.multiply(protected_used + given, working, out=table.qic_hours)
    table.hours_left[:] = table.qic_hours
    table.engagement -= batch.param("engagement_decay") * table.member
    record_hours(batch, offered, np.multiply(free, working, out=free))
    homes.uncovered[:] = uncovered_of(care_demand(batch), homes.hours_per_home)


def slack_share(batch: Batch) -> float | np.ndarray:
    """Share of a member's free time they give QI: ``slack_use``, or under the full trap loop their home's manager's.

    Under ``structure.trap = "full_loop"`` each home's share is learned (``HomeTable.qi_slack``,
    :func:`qicsim.model.capability.learn_slack`); NHS posts keep ``slack_use``.
    """
    if batch.structure.trap == "firefighting":
        return batch.param("slack_use")
    return batch.homes.post_slack.reshape(-1)[batch.flat_load_index]


def record_hours(batch: Batch, offered: np.ndarray, slack: np.ndarray) -> None:
    """Count paid, used and withdrawn protected hours, members' slack and members' QIC hours.

    Args:
        batch: The replications.
        offered: Posts offered protected time this week.
        slack: Each working member's free hours after demand and protected time (0 for others).
    """
    table = batch.staff
    batch.add_per_post("slack_hours_members", slack)
    if np.count_nonzero(offered):  # any(), without ndarray.any's Python-level wrapper
        # Hours are 0 where nothing was offered, so whole columns can be added.
        table.hours_protected_paid += table.protected_offered
        table.hours_protected_used += table.protected_used
        batch.add_per_post("protected_hours_paid", table.protected_offered)
        batch.add_per_post("protected_hours_used", table.protected_used)
        batch.add_per_post("protected_hours_withdrawn", table.protected_offered - table.protected_used)
    batch.add_per_post("qic_hours_members", table.qic_hours)  # 0 for non-members


def problem_pressure(batch: Batch) -> np.ndarray:
    """Extra demand of each home from open problems beyond the reference stock, as a share."""
    homes = batch.homes
    extra = (homes.problems - homes.reference_problems) * batch.param("problem_hours_per_week")
    return extra / (homes.beds * batch.param("care_hours_per_bed"))


def care_demand(batch: Batch) -> np.ndarray:
    """This week's clinical demand of each home's modelled posts, in hours (kept as ``HomeTable.care_demand``).

    Every post's demand in one bincount: NHS posts go to each replication's last bin (its
    ``load_index``), dropped. Each home's posts are added in slot order, as over its care home
    posts alone.
    """
    homes = batch.homes
    width = batch.n_homes + 1
    sums = np.bincount(batch.existing(batch.flat_load_index), weights=batch.existing(batch.staff.demand),
                       minlength=batch.size * width)
    homes.care_demand[:] = sums.reshape(batch.size, width)[:, :batch.n_homes]
    return homes.care_demand


def uncovered_share(model: QICModel, off_floor: np.ndarray) -> np.ndarray:
    """Share of each home's clinical demand its modelled staff cannot cover, QI hours taken from care.

    The capability trap's full loop, worse before better: the hours are the contracted hours
    of the home's modelled posts less ``off_floor`` (the hours its staff spent on QI work that
    neither backfill nor their own time covered,
    :func:`qicsim.model.capability.time_off_the_floor`); the demand is the week's, as process 1
    computed it (``HomeTable.care_demand``). See :func:`uncovered_of`.
    """
    hours = np.maximum(0.0, model.staff.hours_per_home - off_floor)
    return uncovered_of(model.home_state.care_demand, hours)


def uncovered_of(demand: np.ndarray, hours: np.ndarray) -> np.ndarray:
    """``max(0, 1 - hours / demand)`` per home: the share of the demand the hours cannot cover."""
    share = np.maximum(demand, 1e-9)
    np.divide(hours, share, out=share)
    return np.maximum(0.0, np.subtract(1.0, share, out=share), out=share)
