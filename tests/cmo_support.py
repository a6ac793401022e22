"""Shared runs and the statistical check used by the CMO and pattern tests.

Conditions are PEACH with overrides; each is run once per test session (cached) with the
same master seed, so the conditions share replication seeds.

Tolerance used throughout: a claimed effect must lie in the expected direction and its
size must be at least ``Z_MIN`` = 3 standard errors of the mean paired difference.
Replication i of every condition has the same seed (common random numbers: the same
homes, teams and draws until the switched context makes them diverge), so the difference
is taken per replication and its standard error is ``sd(differences) / sqrt(n)``. With
100 replications per condition this is a difference well outside the seed-to-seed spread;
a mechanism that does nothing gives a difference of about 0 standard errors and fails.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

import qicsim
from qicsim.compare import Effect, paired_effect
from qicsim.contexts import CONTEXT_NAMES

REPLICATIONS = 100
SEED = 4242
Z_MIN = 3.0


def without(context: str) -> tuple[str, ...]:
    """Overrides that switch a context off for the whole run (schedule cleared)."""
    return (f"contexts.{context}.intensity=0", f"contexts.{context}.schedule=[]")


def with_context(context: str) -> tuple[str, ...]:
    """Overrides that switch a context fully on for the whole run."""
    return (f"contexts.{context}.intensity=1", f"contexts.{context}.schedule=[]")


@dataclass
class Condition:
    """Per-replication outcomes and mechanism totals of one condition."""

    runs: pd.DataFrame
    mechanisms: pd.DataFrame
    projects: pd.DataFrame

    def values(self, name: str) -> np.ndarray:
        """A run outcome, a mechanism total or a derived indicator, one value per replication."""
        if name in self.runs:
            return self.runs[name].to_numpy(dtype=float)
        if name in self.mechanisms:
            return self.mechanisms[name].to_numpy(dtype=float)
        if name == "chunk_success_rate":
            done = self.values("chunks_completed")
            return done / (done + self.values("chunks_failed"))
        raise KeyError(name)


@cache
def condition(overrides: tuple[str, ...] = (), scenario: str = "peach",
              replications: int = REPLICATIONS) -> Condition:
    """Run (once per session) a scenario with overrides."""
    results = qicsim.run(scenario, overrides=list(overrides), replications=replications, seed=SEED)
    return Condition(results.runs, results.mechanism_totals(), results.projects)


effect = paired_effect


def moved(eff: Effect, direction: int) -> bool:
    """Whether the effect is in ``direction`` (+1 up, -1 down) by at least Z_MIN SEs."""
    return direction * eff.z >= Z_MIN


# The programme theory, as tested: context -> (mechanism indicator, direction when the
# context is switched as in the test; outcome(s) the theory names, direction).
# Switch: C1-C9 from their PEACH value to 0; C10 from 0 to 1.
CMO_EXPECTATIONS: dict[str, tuple[tuple[str, int], list[tuple[str, int]]]] = {
    "remit_clarity": (("ideas_in_scope", -1), [("implemented", -1), ("iterated", -1)]),
    "prior_partnership": (("initial_partnership_ties", -1),
                          [("mean_weeks_to_first_implementation", +1), ("implemented", -1)]),
    "hierarchy_reduction": (("ideas_voiced_care_home", -1), [("projects_led_care_home", -1)]),
    "protected_time": (("attendances_enabled_by_protection", -1), [("attendances", -1), ("implemented", -1)]),
    "alignment": (("day_job_hours", -1), [("implemented", -1), ("sustained_share", -1)]),
    "qi_coaching": (("chunks_completed", -1), [("pdsa_cycles", -1), ("implemented", -1)]),
    "network_recruitment": (("disciplines_recruited_via_ties", -1), [("multidisciplinary_implemented", -1)]),
    "meetings_in_care_homes": (("care_home_attendances_in_homes", -1), [("care_home_attendance_share", -1)]),
    "learning_events": (("ideas_spread_at_events", -1), [("spread", -1), ("implemented", -1)]),
    "data_support": (("measured_cycles", +1), [("measured_share", +1)]),
}
assert tuple(CMO_EXPECTATIONS) == CONTEXT_NAMES


def switched(context: str) -> tuple[str, ...]:
    """The CMO test's switch for a context: off for C1-C9, on for C10."""
    return with_context(context) if context == "data_support" else without(context)
