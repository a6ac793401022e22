"""Shared runs and the statistical check used by the CMO and pattern tests.

The conditions are those of :mod:`qicsim.studies.mechanism_checks.patterns` (PEACH, PEACH without each of
C1-C9, without C3 and C4, with data support), run once per test session (cached) on the
same replication seeds, in two worker processes.

Tolerance used throughout: a claimed effect must lie in the expected direction and its
size must be at least ``Z_MIN`` = 3 standard errors of the mean paired difference.
Replication i of every condition has the same seed (common random numbers: the same
homes, teams and draws until the switched context makes them diverge, and each process
draws from its own stream), so the difference is taken per replication and its standard
error is ``sd(differences) / sqrt(n)``. With 150 replications per condition this is a
difference well outside the seed-to-seed spread; a mechanism that does nothing gives a
difference of about 0 standard errors and fails.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

from qicsim.model.contexts import CONTEXT_NAMES
from qicsim.studies.mechanism_checks.patterns import Z_MIN, run_conditions
from qicsim.studies.mechanism_checks.runs import with_context, without
from qicsim.studies.paired import Effect, paired_effect

REPLICATIONS = 150
SEED = 4242
WORKERS = 2

__all__ = ["CMO_EXPECTATIONS", "REPLICATIONS", "SEED", "WORKERS", "Z_MIN", "Condition", "condition",
           "conditions", "effect", "moved", "switched", "with_context", "without"]


@dataclass
class Condition:
    """Per-replication outcomes and mechanism totals (``mech_<count>``) of one condition."""

    runs: pd.DataFrame

    def values(self, name: str) -> np.ndarray:
        """A run outcome, a mechanism total or a derived indicator, one value per replication."""
        if name in self.runs:
            return self.runs[name].to_numpy(dtype=float)
        if f"mech_{name}" in self.runs:
            return self.runs[f"mech_{name}"].to_numpy(dtype=float)
        if name == "chunk_success_rate":
            done = self.values("chunks_completed")
            return done / (done + self.values("chunks_failed"))
        raise KeyError(name)


@cache
def conditions() -> dict[str, Condition]:
    """Every condition of :data:`qicsim.studies.mechanism_checks.patterns.CONDITIONS`, run once per session."""
    runs = run_conditions(replications=REPLICATIONS, master_seed=SEED, workers=WORKERS)
    return {name: Condition(frame) for name, frame in runs.items()}


def condition(name: str = "peach") -> Condition:
    """One of the shared conditions by name (``peach``, ``without_<context>``, ``with_data_support``)."""
    return conditions()[name]


effect = paired_effect


def moved(eff: Effect, direction: int) -> bool:
    """Whether the effect is in ``direction`` (+1 up, -1 down) by at least Z_MIN SEs."""
    return direction * eff.z >= Z_MIN


# The programme theory, as tested: context -> (mechanism indicator, direction when the
# context is switched as in the test; outcome(s) the theory names, direction).
# Switch: C1-C9 from their PEACH value to 0; C10 from 0 to 1.
CMO_EXPECTATIONS: dict[str, tuple[tuple[str, int], list[tuple[str, int]]]] = {
    "remit_clarity": (("ideas_in_scope", -1), [("implemented", -1), ("iterated", -1)]),
    "prior_partnership": (("partnership_trust", -1),
                          [("mean_weeks_to_first_implementation", +1), ("implemented", -1)]),
    "hierarchy_reduction": (("ideas_voiced_care_home", -1), [("projects_led_care_home", -1)]),
    "protected_time": (("qic_hours_members", -1), [("attendances", -1), ("implemented", -1)]),
    "alignment": (("day_job_hours", -1), [("implemented", -1), ("sustained_share", -1)]),
    "qi_coaching": (("chunks_completed", -1), [("pdsa_cycles", -1), ("implemented", -1)]),
    "network_recruitment": (("disciplines_recruited_via_ties", -1), [("multidisciplinary_implemented", -1)]),
    "meetings_in_care_homes": (("care_home_meetings_within_time", -1), [("care_home_attendance_share", -1)]),
    "learning_events": (("ideas_spread", -1), [("spread", -1), ("implemented", -1)]),
    "data_support": (("decisions_on_data", +1), [("teams_used_measurement", +1), ("measured_share", +1)]),
}
assert tuple(CMO_EXPECTATIONS) == CONTEXT_NAMES


def switched(context: str) -> str:
    """The shared condition that switches a context: off for C1-C9, on for C10."""
    return "with_data_support" if context == "data_support" else f"without_{context}"
