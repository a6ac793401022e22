"""The summary statistics a calibration fits, and the distance between a particle's and the targets.

Each statistic is a run outcome averaged over a particle's replications. The distance is the
largest of the scaled deviations ``|simulated - target| / tolerance``: a particle at distance
<= 1 reproduces every target within its tolerance, which is how the tolerances in
``configs/calibration/peach.yaml`` are meant (each with its source there).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

# Statistic name -> how to read it from a run's outcome row and the number of homes.
STATISTICS: dict[str, Callable[[Mapping[str, Any], int], float]] = {
    "measured_share": lambda row, homes: float(row["measured_share"]),
    "homes_with_implementation_share": lambda row, homes: float(row["homes_with_implementation"]) / homes,
    "spread": lambda row, homes: float(row["spread"]),
    "share_led_gp": lambda row, homes: float(row["share_led_gp"]),
    "share_led_care_home": lambda row, homes: float(row["share_led_care_home"]),
}

# Observations held out of every fit for the validation (issue 12, item 4): a calibration
# that names one of these as a target is refused.
HELD_OUT = (
    "teams_used_measurement",  # no PEACH team used measurement for change (0 of 4)
    "members_end_of_support", "original_members_share",  # retention of original members
    "sustained", "sustained_share",  # sustainment a year on (follow-up study)
    "attendances", "event_attendance_per_team",  # attendance at learning events
    "iterative_pdsa_share",  # share of projects running iterative PDSA cycles
)


def statistics(rows: list[Mapping[str, Any]], homes: int, names: tuple[str, ...]) -> dict[str, float]:
    """Each statistic's mean over replications (a replication where it is undefined, e.g. no cycle, is skipped).

    Args:
        rows: Outcome rows, one per replication (:func:`qicsim.run.runner.outcome_row`).
        homes: Homes in the run.
        names: The statistics wanted.

    Returns:
        Name to mean; NaN if undefined in every replication.
    """
    out = {}
    for name in names:
        values = np.array([STATISTICS[name](row, homes) for row in rows], dtype=float)
        values = values[~np.isnan(values)]
        out[name] = float(values.mean()) if len(values) else math.nan
    return out


class ScaledMaxDistance:
    """``max_i |x_i - target_i| / tolerance_i``; infinite if a statistic is undefined.

    Args:
        tolerances: Statistic name to tolerance.
    """

    def __init__(self, tolerances: Mapping[str, float]) -> None:
        self.tolerances = dict(tolerances)

    def deviations(self, x: Mapping[str, float], x_0: Mapping[str, float]) -> dict[str, float]:
        """Each statistic's scaled deviation from its target."""
        return {name: abs(float(x[name]) - float(x_0[name])) / tol for name, tol in self.tolerances.items()}

    def __call__(self, x: Mapping[str, float], x_0: Mapping[str, float]) -> float:
        """The distance pyabc compares with epsilon."""
        values = list(self.deviations(x, x_0).values())
        return math.inf if any(math.isnan(v) for v in values) else max(values)
