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

from qicsim.model.contexts import BY_NAME
from qicsim.model.theory import THEORY
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


def switch_sign(context: str) -> int:
    """How the shared conditions switch a context: -1 for C1-C9 (PEACH's value -> 0), +1 for C10 (0 -> 1)."""
    return -1 if BY_NAME[context].kind == "enabling" else +1


def switched(context: str) -> str:
    """The shared condition that switches a context: off for C1-C9, on for C10."""
    return f"without_{context}" if switch_sign(context) < 0 else f"with_{context}"


# The programme theory, as tested: context -> (mechanism indicator, direction when the context
# is switched as in the test; outcome(s) the theory names, direction). Read from the registry's
# theory (qicsim.model.theory), each sign multiplied by the switch's.
CMO_EXPECTATIONS: dict[str, tuple[tuple[str, int], list[tuple[str, int]]]] = {
    row.name: ((row.indicator.measure, switch_sign(row.name) * row.indicator.sign),
               [(o.measure, switch_sign(row.name) * o.sign) for o in row.outcomes])
    for row in THEORY
}
