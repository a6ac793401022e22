"""Mediation: how much of a context's effect runs through the state it is meant to act through.

For each replication seed, three runs: the baseline (PEACH), the switched condition (the
context off; data support on for C10), and the switched condition with the context's
mediators held, week by week and post by post, at the baseline's trajectory
(:mod:`qicsim.model.mediators`). If the context acts through that mediator, holding it
removes the context's effect on its outcome: ``share_removed = 1 - (held - baseline) /
(switched - baseline)``, from mean paired differences.

Timing: in the weekly series of the baseline and switched runs, the first week at which the
first mediator's summary (its mean over posts, pairs or homes) differs by ``Z_TIMING`` paired
standard errors, and the first week at which the outcome's weekly series does.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from qicsim.model import QICModel
from qicsim.model.contexts import BY_CODE, BY_NAME, ContextInfo
from qicsim.model.outcomes import outcome_rows
from qicsim.model.series import SERIES_INDEX
from qicsim.run.evaluator import Replication, evaluate, run_model
from qicsim.studies.mechanism_checks.runs import condition_kwargs, seeds, with_context, without
from qicsim.studies.paired import Effect, paired_effect

Z_TIMING = 3.0


@dataclass(frozen=True)
class MediationResult:
    """One context's mediation analysis.

    Attributes:
        context: Context name.
        mediators: The mediators held (together).
        outcome: The outcome the programme theory names (``ContextInfo.outcome``).
        effect: Switched minus baseline on the outcome (paired).
        held: Switched-with-mediator-held minus baseline on the outcome (paired).
        mediator_week: First week the mediator differs between baseline and switched (or None).
        outcome_week: First week the outcome's weekly series differs (or None).
        outcome_series: The weekly series used for the outcome's timing.
    """

    context: str
    mediators: tuple[str, ...]
    outcome: str
    effect: Effect
    held: Effect
    mediator_week: int | None
    outcome_week: int | None
    outcome_series: str

    @property
    def share_removed(self) -> float:
        """Share of the context's effect on its outcome that holding the mediator removes."""
        if self.effect.diff == 0:
            return float("nan")
        return 1.0 - self.held.diff / self.effect.diff


def switch(info: ContextInfo) -> tuple[str, ...]:
    """The switch of the CMO tests: C1-C9 from PEACH to off, C10 from off to on."""
    return without(info.name) if info.kind == "enabling" else with_context(info.name)


def _summary(trajectory: np.ndarray) -> np.ndarray:
    """A mediator's weekly summary: its mean over posts, pairs or homes."""
    return trajectory.reshape(trajectory.shape[0], -1).mean(axis=1, dtype=np.float64)


def _three_runs(base: QICModel, replication: Replication, context: str,
                switched_kwargs: dict[str, Any]) -> dict[str, Any]:
    """The evaluator's hook on a baseline run: the switched and held runs of its seed, and what the analysis reads.

    The held run needs the baseline's recorded trajectories, too large to send back from a
    worker (ties are posts x posts a week), so the linked runs are made here, in the same worker.
    """
    info = BY_NAME[context]
    series = SERIES_INDEX[info.outcome_series]
    changed = run_model(Replication(replication.seed, {**switched_kwargs, "record": info.mediators}))
    held = run_model(Replication(replication.seed, {**switched_kwargs, "hold": base.mediation.recorded}))
    return {
        "values": [outcome_rows(m)[0][info.outcome] for m in (base, changed, held)],
        # the first mediator is the one the timing is read from
        "mediator": [_summary(m.mediation.recorded[info.mediators[0]]) for m in (base, changed)],
        "outcome": [m.series.values[:, :, series].sum(axis=1) for m in (base, changed)],
    }


def first_week_apart(baseline: np.ndarray, changed: np.ndarray, z_min: float = Z_TIMING) -> int | None:
    """First week at which two paired sets of weekly series differ by ``z_min`` standard errors.

    Args:
        baseline: Array of shape (replications, weeks), the baseline condition.
        changed: The same for the changed condition (same seeds, same order).
        z_min: The bar.

    Returns:
        The week, or None if they never differ so clearly.
    """
    diff = changed - baseline
    se = diff.std(axis=0, ddof=1) / np.sqrt(diff.shape[0])
    mean = diff.mean(axis=0)
    apart = np.abs(mean) >= z_min * np.where(se > 0, se, np.inf)
    apart |= (se == 0) & (mean != 0)
    weeks = np.flatnonzero(apart)
    return int(weeks[0]) if len(weeks) else None


def mediation(context: str, *, replications: int = 50, master_seed: int = 4242, workers: int = 1,
              scenario: str = "peach") -> MediationResult:
    """Run the mediation analysis of one context.

    Args:
        context: Context name or code.
        replications: Seeds (each gives three runs).
        master_seed: Master seed of the replication seeds.
        workers: Processes.
        scenario: The baseline scenario.

    Returns:
        The result.
    """
    info = BY_CODE.get(context) or BY_NAME[context]
    base_kwargs = condition_kwargs((), scenario)
    switched_kwargs = condition_kwargs(switch(info), scenario)
    recorded_kwargs = {**base_kwargs, "record": info.mediators}
    runs = [Replication(seed, recorded_kwargs, i) for i, seed in enumerate(seeds(master_seed, replications))]
    results = list(evaluate(runs, partial(_three_runs, context=info.name, switched_kwargs=switched_kwargs),
                            workers=workers))
    values = np.array([r["values"] for r in results], dtype=float)
    mediator = np.array([r["mediator"] for r in results])
    outcome = np.array([r["outcome"] for r in results])
    return MediationResult(
        context=info.name, mediators=info.mediators, outcome=info.outcome,
        effect=paired_effect(values[:, 0], values[:, 1]), held=paired_effect(values[:, 0], values[:, 2]),
        mediator_week=first_week_apart(mediator[:, 0], mediator[:, 1]),
        outcome_week=first_week_apart(outcome[:, 0], outcome[:, 1]),
        outcome_series=info.outcome_series)
