"""Dose-response: each context at 0, 0.25, 0.5, 0.75 and 1, the others as in PEACH.

For each context, the level is held for the whole run at every site (schedule cleared) and
the context's outcome (``ContextInfo.outcome``) is averaged over replications that share
seeds across levels. The shape is read from the share of the whole change (level 1 minus
level 0) reached at the midpoint: ``flat`` if the whole change is under ``Z_FLAT`` paired
standard errors; else ``saturating`` if over ``SATURATING`` of it is reached by 0.5,
``threshold`` if under ``THRESHOLD``, and ``linear`` otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np

from qicsim.model import QICModel
from qicsim.model.contexts import BY_NAME, ContextInfo
from qicsim.model.outcomes import outcome_rows
from qicsim.run.evaluator import Replication, evaluate
from qicsim.studies.mechanism_checks.runs import condition_kwargs, seeds, with_context
from qicsim.studies.paired import Effect, paired_effect

LEVELS = (0.0, 0.25, 0.5, 0.75, 1.0)
Z_FLAT = 3.0
SATURATING = 0.65
THRESHOLD = 0.35


@dataclass(frozen=True)
class DoseResponse:
    """One context's dose-response curve.

    Attributes:
        context: Context name.
        outcome: The outcome (``ContextInfo.outcome``).
        expected_sign: +1 or -1: the direction the programme theory states for a present context.
        means: Mean outcome at each level of ``LEVELS``.
        whole: Level 1 minus level 0 (paired).
        steps: Each adjacent step (paired), in order.
    """

    context: str
    outcome: str
    expected_sign: int
    means: tuple[float, ...]
    whole: Effect
    steps: tuple[Effect, ...]

    @property
    def midpoint_share(self) -> float:
        """Share of the whole change reached at level 0.5."""
        return (self.means[2] - self.means[0]) / self.whole.diff if self.whole.diff else float("nan")

    @property
    def shape(self) -> str:
        """``flat``, ``saturating``, ``linear`` or ``threshold``."""
        if abs(self.whole.z) < Z_FLAT:
            return "flat"
        share = self.midpoint_share
        return "saturating" if share > SATURATING else "threshold" if share < THRESHOLD else "linear"

    @property
    def worst_reversal_z(self) -> float:
        """The step most against the expected direction, in paired standard errors (negative = against)."""
        return min(self.expected_sign * step.z for step in self.steps)


def outcome_value(model: QICModel, replication: Replication, outcome: str) -> float:
    """One run outcome of a finished replication (the evaluator's hook, with the outcome bound)."""
    return float(outcome_rows(model)[0][outcome])


def dose_response(context: str | ContextInfo, *, replications: int = 40, master_seed: int = 4242,
                  workers: int = 1, scenario: str = "peach") -> DoseResponse:
    """Run one context's dose-response curve.

    Args:
        context: Context name or its ``ContextInfo``.
        replications: Seeds, shared by every level.
        master_seed: Master seed of the replication seeds.
        workers: Processes.
        scenario: The scenario whose other contexts are held.

    Returns:
        The curve.
    """
    info = context if isinstance(context, ContextInfo) else BY_NAME[context]
    level_kwargs = [condition_kwargs(with_context(info.name, level), scenario) for level in LEVELS]
    runs = [Replication(seed, kwargs, i) for i, seed in enumerate(seeds(master_seed, replications))
            for kwargs in level_kwargs]
    kept = evaluate(runs, partial(outcome_value, outcome=info.outcome), workers=workers)
    values = np.array(list(kept), dtype=float).reshape(replications, len(LEVELS))
    sign = next(o.sign for o in info.expected if o.measure == info.outcome)
    return DoseResponse(
        context=info.name, outcome=info.outcome, expected_sign=sign,
        means=tuple(float(np.nanmean(values[:, i])) for i in range(len(LEVELS))),
        whole=paired_effect(values[:, 0], values[:, -1]),
        steps=tuple(paired_effect(values[:, i], values[:, i + 1]) for i in range(len(LEVELS) - 1)))
