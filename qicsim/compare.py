"""Compare an outcome between two conditions run with the same replication seeds.

Replication i of each condition shares its seed (common random numbers), so differences
are taken replication by replication: the standard error of the mean difference is
``sd(differences) / sqrt(n)``, smaller than for independent samples when runs correlate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


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


def paired_effect(baseline: np.ndarray, changed: np.ndarray) -> Effect:
    """Mean paired difference of two equally long per-replication arrays.

    Args:
        baseline: One value per replication of the baseline.
        changed: One value per replication of the changed condition, same seeds, same order.

    Returns:
        The effect.

    Raises:
        ValueError: If the arrays differ in length or fewer than two pairs remain.
    """
    baseline = np.asarray(baseline, dtype=float)
    changed = np.asarray(changed, dtype=float)
    if baseline.shape != changed.shape:
        raise ValueError(f"paired arrays differ in length: {baseline.shape} vs {changed.shape}")
    keep = ~(np.isnan(baseline) | np.isnan(changed))
    a, b = baseline[keep], changed[keep]
    if len(a) < 2:
        raise ValueError("fewer than two replications without NaN on both sides")
    se = float((b - a).std(ddof=1) / np.sqrt(len(a)))
    return Effect(float(a.mean()), float(b.mean()), se, len(a))
