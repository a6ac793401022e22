"""Bootstrap of per-point means, stratified by design point, and percentile intervals.

The runs of a design point are its replications. A bootstrap sample draws, for every point
independently, as many replications as it has, with replacement, from that point's own
replications (a stratified bootstrap: the design stays balanced, and the design points,
which are fixed by the design rather than sampled, are not resampled). Any estimate that
is a function of the point means, such as a factorial contrast, is then recomputed on each
bootstrap sample, and the interval is the percentile interval (Efron and Tibshirani 1993,
chapter 13).

Missing values (NaN, e.g. a share whose denominator was 0) are left out of a point's mean.
"""

from __future__ import annotations

import warnings

import numpy as np

from qicsim.errors import ConfigError

CHUNK_ELEMENTS = 4_000_000
"""Bootstrap samples are drawn in chunks of about this many resampled values (memory bound)."""


def check_settings(n_boot: int, conf_level: float = 0.95, seed: int = 0) -> None:
    """Check bootstrap settings.

    Args:
        n_boot: Bootstrap samples (or resamples), a whole number >= 1.
        conf_level: Interval coverage, in (0, 1).
        seed: Random seed, a whole number >= 0.

    Raises:
        ConfigError: For a value out of range or of the wrong type.
    """
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 1:
        raise ConfigError("bootstrap", f"{n_boot!r} is not a positive whole number", "a whole number >= 1, e.g. 1000")
    if isinstance(conf_level, bool) or not isinstance(conf_level, (int, float)) or not 0 < conf_level < 1:
        raise ConfigError("conf_level", f"{conf_level!r} is out of range", "a number in (0, 1), e.g. 0.95")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ConfigError("seed", f"{seed!r} is not a whole number >= 0", "a whole number >= 0")


def point_means(values: np.ndarray) -> np.ndarray:
    """Mean of each row (point) over its replications, ignoring NaN (NaN if all are NaN).

    Args:
        values: Array of shape (..., points, replications).

    Returns:
        Array of shape (..., points).
    """
    finite = ~np.isnan(values)
    total = np.where(finite, values, 0.0).sum(axis=-1)
    count = finite.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def bootstrap_point_means(values: np.ndarray, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """Point means of stratified bootstrap samples.

    Args:
        values: Outcome per run, shape (points, replications).
        n_boot: Number of bootstrap samples B.
        rng: Random generator; the same seed gives the same resamples for every outcome of
            the same shape, so outcomes are resampled jointly.

    Returns:
        Array of shape (B, points): each point's mean in each bootstrap sample.
    """
    values = np.asarray(values, dtype=float)
    n_points, n_reps = values.shape
    out = np.empty((n_boot, n_points))
    rows = np.arange(n_points)[:, None]
    step = max(1, CHUNK_ELEMENTS // max(1, n_points * n_reps))
    for start in range(0, n_boot, step):  # chunks of bootstrap samples, all points at once
        size = min(step, n_boot - start)
        draws = rng.integers(0, n_reps, size=(size, n_points, n_reps))
        out[start:start + size] = point_means(values[rows, draws])
    return out


def percentile_interval(samples: np.ndarray, conf_level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Percentile bootstrap interval of each column.

    Args:
        samples: Bootstrap replicates of the estimates, shape (B, estimates) or (B,).
            NaN replicates (an estimate undefined in that sample) are left out.
        conf_level: Coverage of the interval, e.g. 0.95 for the 2.5% and 97.5% quantiles.

    Returns:
        ``(low, high)``, each of shape (estimates,) or scalar arrays; NaN where every
        replicate is NaN.
    """
    if not 0 < conf_level < 1:
        raise ValueError(f"conf_level {conf_level} is not in (0, 1)")
    alpha = (1 - conf_level) / 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns give NaN, as documented
        low, high = np.nanquantile(samples, [alpha, 1 - alpha], axis=0)
    return low, high
