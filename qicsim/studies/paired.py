"""Compare an outcome between two conditions run with the same replication seeds.

Replication i of each condition shares its seed (common random numbers), so differences
are taken replication by replication: the standard error of the mean difference is
``sd(differences) / sqrt(n)``, smaller than for independent samples when runs correlate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from qicsim.errors import DataError


@dataclass(frozen=True)
class Effect:
    """A mean paired difference between a changed condition and its baseline.

    Attributes:
        baseline: Mean of the baseline.
        changed: Mean of the changed condition.
        se: Standard error of the mean paired difference.
        n: Pairs used (pairs with a NaN on either side are dropped).
    """

    baseline: float
    changed: float
    se: float
    n: int

    @property
    def diff(self) -> float:
        """Changed minus baseline."""
        return self.changed - self.baseline

    @property
    def z(self) -> float:
        """The difference in standard errors (0 when the two conditions are identical)."""
        if self.se == 0:
            return 0.0 if self.diff == 0 else float(np.sign(self.diff)) * float("inf")
        return self.diff / self.se

    def interval(self, z: float = 1.96) -> tuple[float, float]:
        """Normal-approximation interval of the difference (default 95%)."""
        return self.diff - z * self.se, self.diff + z * self.se

    def __str__(self) -> str:
        return f"{self.baseline:.3f} -> {self.changed:.3f} (diff {self.diff:+.3f}, z {self.z:+.1f}, n {self.n})"


def paired_effect(baseline: ArrayLike, changed: ArrayLike, *, baseline_seeds: ArrayLike | None = None,
                  changed_seeds: ArrayLike | None = None) -> Effect:
    """Mean paired difference of two equally long per-replication arrays.

    Pairs are taken by position. If the seeds of both sides are known, they must match pair
    by pair: given as ``baseline_seeds`` and ``changed_seeds``, or as the index of pandas
    Series indexed by seed (``results.runs.set_index("seed")["implemented"]``).

    Args:
        baseline: One value per replication of the baseline.
        changed: One value per replication of the changed condition, same seeds, same order.
        baseline_seeds: The baseline's replication seeds (optional).
        changed_seeds: The changed condition's replication seeds (optional).

    Returns:
        The effect.

    Raises:
        ValueError: If the arrays differ in length or fewer than two pairs remain.
        DataError: If the seeds of one side only are known, or a pair's seeds differ.
    """
    seeds = (_seeds(baseline, baseline_seeds), _seeds(changed, changed_seeds))
    baseline = np.asarray(baseline, dtype=float)
    changed = np.asarray(changed, dtype=float)
    if baseline.shape != changed.shape:
        raise ValueError(f"paired arrays differ in length: {baseline.shape} vs {changed.shape}")
    if (seeds[0] is None) != (seeds[1] is None):
        raise DataError("seeds", "known for one condition only, so the pairs cannot be checked",
                        "the seeds of both conditions, or of neither")
    if seeds[0] is not None and seeds[1] is not None:
        if seeds[0].shape != baseline.shape or seeds[1].shape != changed.shape:
            raise DataError("seeds", f"{len(seeds[0])} and {len(seeds[1])} seeds for {len(baseline)} pairs",
                            "one seed per replication")
        differ = np.flatnonzero(seeds[0] != seeds[1])
        if len(differ):
            i = int(differ[0])
            raise DataError("seeds", f"pair {i} has seeds {seeds[0][i]} and {seeds[1][i]} ({len(differ)} pairs differ)",
                            "conditions run with the same seeds, in the same order (common random numbers)")
    keep = ~(np.isnan(baseline) | np.isnan(changed))
    a, b = baseline[keep], changed[keep]
    if len(a) < 2:
        raise ValueError("fewer than two replications without NaN on both sides")
    se = float((b - a).std(ddof=1) / np.sqrt(len(a)))
    return Effect(float(a.mean()), float(b.mean()), se, len(a))


def _seeds(values: ArrayLike, seeds: ArrayLike | None) -> np.ndarray | None:
    """The seeds given, else those of a pandas Series indexed by ``seed``, else None."""
    if seeds is not None:
        return np.asarray(seeds)
    if isinstance(values, pd.Series) and values.index.name == "seed":
        return values.index.to_numpy()
    return None
