"""Process 10: avoidable problems, the demand they add, and the capability trap they can set.

Each home holds a stock of open avoidable problems (falls, infections, unplanned admissions
being handled). New problems arise at the home's reference inflow (beds x the sourced
per-bed rates) cut by ``prevention_per_improvement`` for each improvement in place
(multiplicatively) and raised by rushed care: ``1 + rushed_care_problems x uncovered``, where
``uncovered`` is the share of clinical demand the home's staff could not cover this week.
New problems arise at random (Poisson); open problems are resolved at ``1 / problem_weeks``
of the stock a week (the expected number, so the stock is a mean, not a whole count); each
needs
``problem_hours_per_week`` of extra staff time while open; demand beyond the reference stock
raises the home's load (process 1, next week), which cuts the slack and the protected time
that improvement needs: working harder (firefighting) rather than smarter leaves no time to
improve. That much (``structure.trap = "firefighting"``) is only part of Repenning and
Sterman's capability trap. Under ``"full_loop"`` (:mod:`qicsim.model.capability`) QI hours
taken from care leave more of it uncovered, quick fixes cover part of what is uncovered now
and add to a stock of work-arounds ``W`` that returns as rushed care later: the inflow's
last factor becomes ``1 + rushed_care_problems x (uncovered + workaround_harm x W /
workaround_weeks)``. Whether either gives two stable states at plausible values is a finding
(``qicsim.studies.mechanism_checks.trap``, docs/mechanisms.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

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


def update_problems(batch: Batch | QICModel) -> None:
    """Problems arise and are resolved; improvements in place cut the inflow (process 10).

    The improvements in place per home were counted by process 9 this week. Batched
    (:mod:`qicsim.model.batch`): a model given alone is its batch of one.
    """
    batch = batch.own_batch()
    state = batch.homes
    if batch.structure.trap == "firefighting":
        rate = (state.problem_inflow * (1.0 - batch.param("prevention_per_improvement")) ** state.in_place
                * (1.0 + batch.param("rushed_care_problems") * state.uncovered))
    else:
        rate = full_loop_rate(batch)
    arising = poisson(batch.uniforms(Draw.PROBLEMS, batch.n_homes), rate)
    state.problems *= batch.each([1.0 - min(1.0, 1.0 / model.params.problem_weeks) for model in batch.models])
    state.problems += arising
    batch.add_per_home("problems_arising", arising)
    batch.add_per_home("problem_hours", state.problems * batch.param("problem_hours_per_week"))


def full_loop_rate(batch: Batch) -> np.ndarray:
    """Expected new problems per home under the full trap loop: rushed care now and work-arounds' deferred harm.

    ``inflow x (1 - prevention)^in_place x (1 + rushed_care_problems x (uncovered + workaround_harm x W /
    workaround_weeks))``; the work-arounds' part is counted (``problems_from_workarounds``).
    """
    state = batch.homes
    rushed = batch.param("rushed_care_problems")
    prevented = state.problem_inflow * (1.0 - batch.param("prevention_per_improvement")) ** state.in_place
    deferred = batch.param("workaround_harm") / batch.param("workaround_weeks") * state.workarounds
    batch.add_per_home("problems_from_workarounds", prevented * rushed * deferred)
    return prevented * (1.0 + rushed * (state.uncovered + deferred))
