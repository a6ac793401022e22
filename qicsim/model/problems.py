"""Process 10: avoidable problems, the demand they add, and the capability trap they can set.

Each home holds a stock of open avoidable problems (falls, infections, unplanned admissions
being handled). New problems arise at the home's reference inflow (beds x the sourced per-bed
rates) cut by ``prevention_per_improvement`` for each improvement in place (multiplicatively;
under ``structure.prevention = by_topic``, each kind of problem cut only by the topics sourced
to act on it, :mod:`qicsim.model.prevention`) and raised by rushed care: ``1 +
rushed_care_problems x uncovered``, where ``uncovered`` is the share of clinical demand the
home's staff could not cover this week. New problems arise at random (Poisson); open problems
are resolved at ``1 / problem_weeks`` of the stock a week (the expected number, so the stock is
a mean, not a whole count); each needs ``problem_hours_per_week`` of extra staff time while
open; demand beyond the reference stock raises the home's load (process 1, next week), which
cuts the slack and the protected time that improvement needs: working harder (firefighting)
rather than smarter leaves no time to improve. That much (``structure.trap = "firefighting"``)
is only part of Repenning and Sterman's capability trap. Under ``"full_loop"``
(:mod:`qicsim.model.capability`) QI hours taken from care leave more of it uncovered, quick
fixes cover part of what is uncovered now and add to a stock of work-arounds ``W`` that returns
as rushed care later: the inflow's last factor becomes ``1 + rushed_care_problems x (uncovered +
workaround_harm x W / workaround_weeks)``. Whether either gives two stable states at plausible
values is a finding (``qicsim.studies.mechanism_checks.trap``, docs/mechanisms.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from qicsim.model import prevention
from qicsim.model.draws import Draw, poisson

if TYPE_CHECKING:
    from qicsim.model.batch import Batch
    from qicsim.model.model import QICModel
    from qicsim.model.parameters import Parameters

WEEKS_PER_YEAR = 52.0


def reference_inflow(params: Parameters, beds: np.ndarray) -> np.ndarray:
    """Expected new problems a week per home with no improvement in place and no rushed care."""
    per_bed_year = (params.falls_per_bed_year + params.infections_per_bed_year
                    + params.avoidable_admissions_per_bed_year)
    return beds * per_bed_year / WEEKS_PER_YEAR


def kind_inflow(params: Parameters, beds: np.ndarray) -> np.ndarray:
    """Under ``structure.prevention = by_topic``: each home's expected new problems a week of each kind.

    With no improvement in place and no rushed care: ``beds x rate per bed-year / 52``.

    Returns:
        Shape (homes, :data:`qicsim.model.prevention.KINDS`).
    """
    rates = np.array([getattr(params, prevention.KIND_RATES[kind]) for kind in prevention.KINDS])
    return beds[:, None] * rates / WEEKS_PER_YEAR


def update_problems(batch: Batch | QICModel) -> None:
    """Problems arise and are resolved; improvements in place cut the inflow (process 10).

    The improvements in place per home were counted by process 9 this week. Batched
    (:mod:`qicsim.model.batch`): a model given alone is its batch of one. Under
    ``structure.prevention = by_topic`` the problems that arise are also counted by kind, each kind
    its share of the expected inflow (the expected split given their number).
    """
    batch = batch.own_batch()
    state = batch.homes
    prevented, by_kind = prevented_inflow(batch)
    if batch.structure.trap == "firefighting":
        rate = prevented * (1.0 + batch.param("rushed_care_problems") * state.uncovered)
    else:
        rate = full_loop_rate(batch, prevented)
    arising = poisson(batch.uniforms(Draw.PROBLEMS, batch.n_homes), rate)
    state.problems *= batch.each([1.0 - min(1.0, 1.0 / model.params.problem_weeks) for model in batch.models])
    state.problems += arising
    batch.add_per_home("problems_arising", arising)
    batch.add_per_home("problem_hours", state.problems * batch.param("problem_hours_per_week"))
    if by_kind is not None:
        # Rushed care multiplies every kind alike, so each kind's share of the rate is its share before it.
        shares = by_kind / np.where(prevented > 0.0, prevented, 1.0)[..., None]
        for k, kind in enumerate(prevention.KINDS):
            batch.add_per_home(f"problems_arising_{kind}", arising * shares[..., k])


def prevented_inflow(batch: Batch) -> tuple[np.ndarray, np.ndarray | None]:
    """Expected new problems per home with the improvements in place, before rushed care.

    ``uniform``: ``inflow x (1 - prevention_per_improvement) ^ in_place``, and None. ``by_topic``: the sum over
    kinds of ``inflow_k x remaining_k`` (:mod:`qicsim.model.prevention`), and those terms, shape (R, homes, kinds).
    """
    state = batch.homes
    if batch.structure.prevention == "uniform":
        return state.problem_inflow * (1.0 - batch.param("prevention_per_improvement")) ** state.in_place, None
    by_kind = np.stack([model.home_state.kind_inflow * model.home_state.remaining for model in batch.models])
    return by_kind.sum(axis=-1), by_kind


def full_loop_rate(batch: Batch, prevented: np.ndarray) -> np.ndarray:
    """Expected new problems per home under the full trap loop: rushed care now and work-arounds' deferred harm.

    ``prevented x (1 + rushed_care_problems x (uncovered + workaround_harm x W / workaround_weeks))``, with
    ``prevented`` from :func:`prevented_inflow`; the work-arounds' part is counted (``problems_from_workarounds``).
    """
    state = batch.homes
    rushed = batch.param("rushed_care_problems")
    deferred = batch.param("workaround_harm") / batch.param("workaround_weeks") * state.workarounds
    batch.add_per_home("problems_from_workarounds", prevented * rushed * deferred)
    return prevented * (1.0 + rushed * (state.uncovered + deferred))
