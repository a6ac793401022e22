"""The capability-trap experiment (qicsim.studies.mechanism_checks.trap): the verdict can go either way.

- The detector: a synthetic cell whose high start stays high is flagged, one whose two
  starts meet is not (the rule, with its two bars).
- The model: where each open problem takes 8 staff hours a week (4 times the default), a
  home that starts with four times the reference stock of open problems implements fewer
  improvements (the pressure loop bites: fewer by at least 3 paired SE over 30 seeds), yet
  both starts end in the same state (no hysteresis, docs/mechanisms.md) and the end states
  do not differ by 3 SE. At the defaults a high start is worked off within weeks
  (``problem_weeks`` 3) and costs little improvement (docs/mechanisms.md, the implemented
  columns), so the pressure loop is tested where the pressure lasts.
"""

from __future__ import annotations

import pytest

from qicsim.studies.mechanism_checks.trap import MIN_GAP, TrapCell, trap_cell
from qicsim.studies.paired import Effect


def cell(gap: float, se: float, reference: float = 5.0) -> TrapCell:
    return TrapCell((), 5.0, 5.0 + gap, reference, Effect(5.0, 5.0 + gap, se, 20), Effect(10.0, 8.0, 0.5, 20))


def test_rule_flags_a_high_start_that_stays_high() -> None:
    assert cell(gap=3.0, se=0.2).hysteresis
    assert not cell(gap=0.05, se=0.01).hysteresis, "a gap under MIN_GAP of the reference is one state"
    assert not cell(gap=3.0, se=2.0).hysteresis, "a gap within the noise is not hysteresis"
    assert not cell(gap=MIN_GAP * 5.0, se=0.01).hysteresis


@pytest.mark.slow
def test_pressure_costs_improvement_but_homes_recover() -> None:
    result = trap_cell(("parameters.problem_hours_per_week=8", "structure.follow_up_weeks=104"), replications=30,
                       workers=2)
    assert result.high > result.reference > 0
    assert not result.hysteresis, result
    assert abs(result.gap.z) < 3.0, result
    assert result.implemented.z <= -3.0, result.implemented
