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

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from qicsim.model import QICModel
from qicsim.model.series import SERIES_INDEX
from qicsim.run.evaluator import Replication, evaluate
from qicsim.studies.mechanism_checks.runs import condition_kwargs, seeds
from qicsim.studies.paired import Effect, paired_effect

LOW_START = 0.5
HIGH_START = 4.0
END_WEEKS = 26
Z_MIN = 3.0
MIN_GAP = 0.25
STUCK = 3.0
"""A home whose open problems end above this multiple of its reference stock is stuck high (firefighting)."""


@dataclass(frozen=True)
class TrapCell:
    """One setting run from a low and a high starting load.

    Attributes:
        overrides: The settings of the cell (besides the starting load).
        low, high: Open problems per home over the last weeks, from each start (means).
        reference: The reference stock per home (inflow x problem_weeks).
        gap: High-start minus low-start end state (paired).
        implemented: Improvements implemented per run, high start minus low start (paired).
        stuck: Share of homes stuck high at the end (open problems above ``STUCK`` times their
            reference stock), high start minus low start (paired); None where not kept.
    """

    overrides: tuple[str, ...]
    low: float
    high: float
    reference: float
    gap: Effect
    implemented: Effect
    stuck: Effect | None = None

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


def end_state(model: QICModel, replication: Replication) -> tuple[float, float, float, float]:
    """What a trap cell keeps of a finished run (the evaluator's hook).

    Returns:
        Open problems per home over the last ``END_WEEKS`` weeks, improvements implemented, the
        reference stock per home, and the share of homes stuck high at the end.
    """
    weekly = model.series.values[-END_WEEKS:, :, SERIES_INDEX["open_problems"]].sum(axis=1)
    implemented = float(sum(p.week_implemented >= 0 for p in model.projects))
    homes = model.home_state
    stuck = float((homes.problems > STUCK * homes.reference_problems).mean())
    return float(weekly.mean()) / len(model.homes), implemented, float(homes.reference_problems.mean()), stuck


def trap_cells(cells: Sequence[tuple[str, ...]], *, replications: int = 20, master_seed: int = 2001,
               workers: int = 1, scenario: str = "peach") -> list[TrapCell]:
    """Run settings from the low and the high starting load, all in one batch (one pool for every cell).

    Each cell's replication ``i`` has the same seed, from each start and in every cell (common
    random numbers), so a cell gives the same result alone (:func:`trap_cell`) as in a batch.

    Args:
        cells: Each cell's overrides (besides the starting load).
        replications: Seeds per cell and start.
        master_seed: The seeds' master seed.
        workers: Processes.
        scenario: The scenario the overrides apply to.

    Returns:
        One :class:`TrapCell` per cell, in order.
    """
    shared = seeds(master_seed, replications)
    runs = []
    for overrides in cells:
        low = condition_kwargs((*overrides, f"parameters.initial_problem_load={LOW_START}"), scenario)
        high = condition_kwargs((*overrides, f"parameters.initial_problem_load={HIGH_START}"), scenario)
        runs += [Replication(seed, kwargs, i) for i, seed in enumerate(shared) for kwargs in (low, high)]
    kept = np.array(list(evaluate(runs, end_state, workers=workers))).reshape(len(cells), replications, 2, 4)
    return [_cell(tuple(overrides), values) for overrides, values in zip(cells, kept, strict=True)]


def _cell(overrides: tuple[str, ...], kept: np.ndarray) -> TrapCell:
    """A cell from what its runs kept, shape (seed, start, value)."""
    ends, implemented, stuck = kept[:, :, 0], kept[:, :, 1], kept[:, :, 3]
    reference = kept[:, 1, 2]  # the reference stock read from the high start's run
    return TrapCell(overrides=overrides, low=float(ends[:, 0].mean()), high=float(ends[:, 1].mean()),
                    reference=float(reference.mean()), gap=paired_effect(ends[:, 0], ends[:, 1]),
                    implemented=paired_effect(implemented[:, 0], implemented[:, 1]),
                    stuck=paired_effect(stuck[:, 0], stuck[:, 1]))


def trap_cell(overrides: tuple[str, ...] = (), *, replications: int = 20, master_seed: int = 2001,
              workers: int = 1, scenario: str = "peach") -> TrapCell:
    """Run one setting from the low and the high starting load."""
    return trap_cells([tuple(overrides)], replications=replications, master_seed=master_seed, workers=workers,
                      scenario=scenario)[0]
