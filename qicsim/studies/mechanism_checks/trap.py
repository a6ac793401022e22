"""The capability trap: do the same parameters end in different states from two starting loads?

Process 10 (docs/ODD.md) gives each home a stock of open avoidable problems that adds to
demand; improvements in place cut the inflow, rushed care (demand beyond the hours staff
have) raises it, and pressure takes time from QI (less slack, protected time honoured
less). Repenning and Sterman's capability trap is the claim that such a loop has two stable
states. The test here: run the same settings (shared seeds) from a low and a high starting
stock of problems and compare the end states (open problems per home over the last
``END_WEEKS`` weeks). A cell shows hysteresis when the two end states differ by ``Z_MIN``
paired standard errors and by more than ``MIN_GAP`` of the reference stock; otherwise the
high start has relaxed back (one stable state).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from qicsim.model import QICModel
from qicsim.model.series import SERIES_INDEX
from qicsim.studies.mechanism_checks.runs import condition_kwargs, map_replications, seeds
from qicsim.studies.paired import Effect, paired_effect

LOW_START = 0.5
HIGH_START = 4.0
END_WEEKS = 26
Z_MIN = 3.0
MIN_GAP = 0.25


@dataclass(frozen=True)
class TrapCell:
    """One setting run from a low and a high starting load.

    Attributes:
        overrides: The settings of the cell (besides the starting load).
        low, high: Open problems per home over the last weeks, from each start (means).
        reference: The reference stock per home (inflow x problem_weeks).
        gap: High-start minus low-start end state (paired).
        implemented: Improvements implemented per run, high start minus low start (paired).
    """

    overrides: tuple[str, ...]
    low: float
    high: float
    reference: float
    gap: Effect
    implemented: Effect

    @property
    def implemented_low(self) -> float:
        """Improvements implemented per run from the low start."""
        return self.implemented.baseline

    @property
    def implemented_high(self) -> float:
        """Improvements implemented per run from the high start."""
        return self.implemented.changed

    @property
    def hysteresis(self) -> bool:
        """Whether the two starts end in different states."""
        return self.gap.z >= Z_MIN and self.gap.diff > MIN_GAP * self.reference


def _task(item: tuple[int, dict[str, Any], dict[str, Any]]) -> tuple[float, float, float, float, float]:
    seed, low_kwargs, high_kwargs = item
    ends, implemented = [], []
    for kwargs in (low_kwargs, high_kwargs):
        model = QICModel(seed=seed, **kwargs).run()
        weekly = model.series.values[-END_WEEKS:, :, SERIES_INDEX["open_problems"]].sum(axis=1)
        ends.append(float(weekly.mean()) / len(model.homes))
        implemented.append(float(sum(p.week_implemented >= 0 for p in model.projects)))
    reference = float(model.home_state.reference_problems.mean())
    return ends[0], ends[1], reference, implemented[0], implemented[1]


def trap_cell(overrides: tuple[str, ...] = (), *, replications: int = 20, master_seed: int = 2001,
              workers: int = 1, scenario: str = "peach") -> TrapCell:
    """Run one setting from the low and the high starting load."""
    low = condition_kwargs((*overrides, f"parameters.initial_problem_load={LOW_START}"), scenario)
    high = condition_kwargs((*overrides, f"parameters.initial_problem_load={HIGH_START}"), scenario)
    rows = np.array(map_replications(_task, [(s, low, high) for s in seeds(master_seed, replications)], workers))
    return TrapCell(overrides=tuple(overrides), low=float(rows[:, 0].mean()), high=float(rows[:, 1].mean()),
                    reference=float(rows[:, 2].mean()), gap=paired_effect(rows[:, 0], rows[:, 1]),
                    implemented=paired_effect(rows[:, 3], rows[:, 4]))
