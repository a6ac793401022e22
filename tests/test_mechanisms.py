"""Tests that could disagree with the programme theory: the battery of mechanism checks, dose-response,
and indicators that are not zero merely because their context is.

The battery (``qicsim.studies.mechanism_checks.battery``, on ``battery.replications_for`` seeds:
60; 100 for C1, C2 and C8, 120 for C5, 200 for C9) is the one the mutation suite runs on every
mutant of every mechanism and shows catching each (docs/mechanisms.md, the mutation table);
here it runs on the model as built, on other seeds than the table's. Tolerances (stated in ``battery``):
- indicator: switching the context moves its mechanism count the theory's way by 3 paired SE;
- direct path: with every mediator held at the baseline's trajectory, the effect left (the
  direct share) is within 10% of 0, or in the stated range (C6, C8, C9: ``battery.PATHS``);
- shares: for contexts with several mediators (C3, C4, C9), the share each mediator *alone*
  removes lies in its stated range, so a cut path shows;
- timing: each mediator moves apart (3 paired SE) no later than the outcome's weekly series:
  the onsets are compared, not fixed weeks;
- dose-response: from intensity 0 to 1 the outcome moves in the theory's direction by at
  least 3 paired SE, and no step of 0.25 goes against it by more than 3 SE;
- zero by construction: with the context at 0 for the whole run (the rest PEACH), its
  indicator is above zero in at least ``MIN_SHARE_POSITIVE`` = 20% of 20 replications (a
  gate gives 0%; a bar of half would confuse rarity with construction: with no data support
  decisions on data are rare, pattern 1, and were above zero in 40%).
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest
from helpers.battery import SEED as BATTERY_SEED

from qicsim.model.contexts import CONTEXT_NAMES, CONTEXTS
from qicsim.run.runner import outcome_row
from qicsim.studies.mechanism_checks.battery import PATHS, Check, replications_for, run_battery
from qicsim.studies.mechanism_checks.dose import DoseResponse, dose_response
from qicsim.studies.mechanism_checks.runs import (
    condition_kwargs,
    map_replications,
    seeds,
    with_context,
)
from qicsim.studies.mechanism_checks.runs import replications_for as noisy_replications_for

pytestmark = pytest.mark.slow

REPLICATIONS = 60  # dose-response, per context; more where the effect is small (runs.replications_for)
SEED = BATTERY_SEED  # tests/test_mutations.py judges the review mutants on the same seeds
WORKERS = 2
Z_MIN = 3.0
MIN_SHARE_POSITIVE = 0.2


@cache
def battery(context: str) -> dict[str, Check]:
    checks = run_battery(context, replications=replications_for(context), master_seed=SEED, workers=WORKERS)
    return {c.name: c for c in checks}


@cache
def curve(context: str) -> DoseResponse:
    return dose_response(context, replications=noisy_replications_for(context, REPLICATIONS), master_seed=SEED,
                         workers=WORKERS)


@pytest.mark.parametrize("context", CONTEXT_NAMES)
def test_indicator_moves_with_its_context(context: str) -> None:
    check = battery(context)["indicator"]
    assert check.passed, f"{context}: {check.figure}"


@pytest.mark.parametrize("context", CONTEXT_NAMES)
def test_holding_the_mediators_leaves_no_path_around_them(context: str) -> None:
    check = battery(context)["direct path"]
    assert check.passed, f"{context}: {check.figure}"


@pytest.mark.parametrize("context", [c for c in CONTEXT_NAMES if c in PATHS and PATHS[c].shares])
def test_each_mediator_alone_carries_its_share(context: str) -> None:
    check = battery(context)["shares"]
    assert check.passed, f"{context}: {check.figure}"


@pytest.mark.parametrize("context", CONTEXT_NAMES)
def test_mediators_move_no_later_than_the_outcome(context: str) -> None:
    check = battery(context)["timing"]
    assert check.passed, f"{context}: {check.figure}"


@pytest.mark.parametrize("context", CONTEXT_NAMES)
def test_dose_response_goes_the_way_the_theory_says(context: str) -> None:
    result = curve(context)
    assert result.expected_sign * result.whole.z >= Z_MIN, f"{context}: {result.whole} ({result.means})"
    assert result.worst_reversal_z > -Z_MIN, f"{context}: a step goes against the theory: {result.means}"


def _indicator_task(item: tuple[int, dict]) -> dict:
    seed, kwargs = item
    return outcome_row(seed, kwargs)


@pytest.mark.parametrize("info", CONTEXTS, ids=[c.code for c in CONTEXTS])
def test_indicator_is_not_zero_by_construction(info) -> None:
    kwargs = condition_kwargs(with_context(info.name, 0.0))
    rows = map_replications(_indicator_task, [(s, kwargs) for s in seeds(SEED, 20)], WORKERS)
    values = np.array([row[f"mech_{info.indicator}"] for row in rows])
    assert (values > 0).mean() >= MIN_SHARE_POSITIVE, f"{info.code}: {info.indicator} with the context at 0: {values}"
