"""Run conditions: a scenario with overrides, replicated over seeds, optionally in parallel.

The replications run through :mod:`qicsim.run.evaluator`; this module names the conditions and
their shared seeds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import cache
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from qicsim.lazy import needs_extra
from qicsim.run.api import scenario_config
from qicsim.run.evaluator import pool_map
from qicsim.run.runner import model_kwargs, replication_seed
from qicsim.studies.paired import Effect, paired_effect

with needs_extra("studies"):
    pass

T = TypeVar("T")
R = TypeVar("R")


def without(context: str) -> tuple[str, ...]:
    """Overrides that switch a context off for the whole run (schedule cleared)."""
    return (f"contexts.{context}.intensity=0", f"contexts.{context}.schedule=[]")


def with_context(context: str, intensity: float = 1.0) -> tuple[str, ...]:
    """Overrides that hold a context at an intensity for the whole run (schedule cleared)."""
    return (f"contexts.{context}.intensity={intensity:g}", f"contexts.{context}.schedule=[]")


NOISY_EFFECT_REPLICATIONS = {"remit_clarity": 150, "learning_events": 150}
"""Replications for contexts whose effect is small against the run-to-run spread of their
outcome: C9's outcome, spread, is a rare count (about 1.75 improvements a run), and C1's
effect on improvements implemented (about 2-3 of 12, paired SD about 4.4) reaches only
about 3-5 paired SE over 60 seeds; their dose-response and mediation use more seeds for
the same bar."""


def replications_for(context: str, default: int) -> int:
    """Replications an analysis of a context uses: ``default``, or more where its effect is small."""
    return max(default, NOISY_EFFECT_REPLICATIONS.get(context, default))


@cache
def condition_kwargs(overrides: tuple[str, ...] = (), scenario: str = "peach") -> dict[str, Any]:
    """The model's keyword arguments for a scenario with overrides (composed and validated once)."""
    return model_kwargs(scenario_config(scenario, list(overrides)))


def seeds(master_seed: int, replications: int) -> list[int]:
    """The replication seeds every condition of an analysis shares."""
    return [replication_seed(master_seed, i) for i in range(replications)]


def map_replications(task: Callable[[T], R], items: Iterable[T], workers: int = 1) -> list[R]:
    """Apply a task to each item, in this process or in ``workers`` processes (same results, same order).

    The evaluator's pool (:func:`qicsim.run.evaluator.pool_map`), for scripts and tests whose
    task is not one replication's hook.
    """
    return list(pool_map(task, items, workers))


def paired(baseline: pd.DataFrame | np.ndarray, changed: pd.DataFrame | np.ndarray,
           column: str | None = None) -> Effect:
    """Paired effect of a column (or of two arrays) between conditions run on the same seeds."""
    if column is not None:
        baseline, changed = baseline[column], changed[column]
    return paired_effect(np.asarray(baseline, dtype=float), np.asarray(changed, dtype=float))


def frame(rows: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """Rows of per-replication outcomes as a table."""
    return pd.DataFrame(list(rows))
