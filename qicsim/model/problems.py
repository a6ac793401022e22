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
that improvement needs. That is the structure of Repenning and Sterman's capability trap:
working harder (firefighting) rather than smarter leaves no time to improve. Whether it
gives two stable states at plausible values is a finding (``experiments/capability_trap.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from qicsim.model.model import QICModel
    from qicsim.model.parameters import Parameters

WEEKS_PER_YEAR = 52.0


def reference_inflow(params: Parameters, beds: np.ndarray) -> np.ndarray:
    """Expected new problems a week per home with no improvement in place and no rushed care."""
    per_bed_year = (params.falls_per_bed_year + params.infections_per_bed_year
                    + params.avoidable_admissions_per_bed_year)
    return beds * per_bed_year / WEEKS_PER_YEAR


def update_problems(model: QICModel) -> None:
    """Problems arise and are resolved; improvements in place cut the inflow (process 10).

    The improvements in place per home were counted by process 9 this week.
    """
    params = model.params
    state = model.home_state
    rng = model.streams["problems"]
    rate = (state.problem_inflow * (1.0 - params.prevention_per_improvement) ** state.in_place
            * (1.0 + params.rushed_care_problems * state.uncovered))
    arising = rng.poisson(rate)
    state.problems *= 1.0 - min(1.0, 1.0 / params.problem_weeks)
    state.problems += arising
    model.counts.add_homes("problems_arising", arising)
    model.counts.add_homes("problem_hours", state.problems * params.problem_hours_per_week)
