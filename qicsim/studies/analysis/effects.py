"""Main effects and two-way interactions of a two-level full factorial design.

With m the mean outcome of each combination of levels over its replications (the cell
means of the 2^k grid, axis j for factor j, index 0 low and 1 high):

* main effect of factor j: the mean, over the pairs of cells that differ only in j, of
  ``m(j high) - m(j low)``; with every cell defined this is
  ``mean(m | j high) - mean(m | j low)``;
* two-way interaction of j and k (Yates's convention): the mean, over the squares of cells
  that differ only in j and k, of ``1/2 [(m_hh - m_lh) - (m_hl - m_ll)]``: half the
  difference between the effect of j with k high and with k low. It is symmetric in j and
  k; for y = x_j x_k on 0/1 levels it is 1/2, as are both main effects.

A cell whose every replication has no value (NaN: e.g. the weeks to a first implementation
where nothing was implemented) leaves out the pairs or squares it belongs to, so an effect
is estimated where the outcome is defined at both levels; ``n`` counts the pairs (squares)
used. With every cell defined, this is the classical contrast (2/P) sum_p x_pj m_p.
Bootstrap replicates are the same estimates computed on the bootstrapped point means
(:mod:`qicsim.studies.analysis.bootstrap`).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from qicsim.studies.analysis.bootstrap import bootstrap_point_means, check_settings, percentile_interval, point_means
from qicsim.studies.analysis.design import checked_sweep, select_outcomes, two_level_codes

MAIN_COLUMNS = ("outcome", "factor", "code", "mean_lo", "mean_hi", "estimate", "ci_low", "ci_high", "n")
INTERACTION_COLUMNS = ("outcome", "factor_a", "code_a", "factor_b", "code_b", "estimate", "ci_low", "ci_high", "n")


@dataclass(frozen=True)
class FactorialEffects:
    """Main effects and two-way interactions, one row per outcome and factor (pair).

    Attributes:
        main: Columns :data:`MAIN_COLUMNS`; ``mean_lo``/``mean_hi`` are the mean outcome
            over the points with the factor low/high, ``estimate`` their difference.
        interactions: Columns :data:`INTERACTION_COLUMNS` (Yates's convention).
    """

    main: pd.DataFrame
    interactions: pd.DataFrame


def factorial_effects(data: pd.DataFrame, manifest: dict[str, Any], outcomes: list[str] | None = None, *,
                      n_boot: int = 1000, seed: int = 0, conf_level: float = 0.95) -> FactorialEffects:
    """Main effects and two-way interactions with stratified bootstrap percentile intervals.

    Args:
        data: The dataset (one row per point and replication).
        manifest: design.json as a dict; its design must be ``factorial`` with two levels per factor.
        outcomes: Outcome columns, or None for the default outcomes present.
        n_boot: Bootstrap samples B.
        seed: Seed of the bootstrap's random generator (the same resamples for every outcome).
        conf_level: Coverage of the intervals.

    Returns:
        The effects. ``n`` is the number of pairs (main effects) or squares (interactions)
        of cells where the outcome is defined; ``mean_lo``/``mean_hi`` are means over the
        same pairs, so their difference is the estimate. An outcome defined in no pair has
        NaN estimates.

    Raises:
        ConfigError: For a design that is not a balanced two-level full factorial, a
            missing or non-numeric outcome, or bad bootstrap settings.
    """
    check_settings(n_boot, conf_level, seed)
    sweep = checked_sweep(data, manifest, "factorial")
    outcomes = select_outcomes(sweep.data, outcomes)
    coded = two_level_codes(sweep)
    k = coded.shape[1]
    to_grid = grid_of(coded)
    pairs = list(combinations(range(k), 2))
    main_rows, pair_rows = [], []
    for outcome in outcomes:
        values = sweep.values(outcome)
        cells = to_grid(point_means(values))
        boot_cells = to_grid(bootstrap_point_means(values, n_boot, np.random.default_rng(seed)))
        for j, f in enumerate(sweep.factors):
            lo, hi, n = paired_levels(cells, j, k)
            boot_lo, boot_hi, _ = paired_levels(boot_cells, j, k)
            low, upp = percentile_interval(nanmean_last(boot_hi - boot_lo), conf_level)
            main_rows.append((outcome, f.name, f.code, float(nanmean_last(lo)), float(nanmean_last(hi)),
                              float(nanmean_last(hi - lo)), float(low), float(upp), n))
        for a, b in pairs:
            estimate, n = interaction(cells, a, b, k)
            boot, _ = interaction(boot_cells, a, b, k)
            low, upp = percentile_interval(boot, conf_level)
            fa, fb = sweep.factors[a], sweep.factors[b]
            pair_rows.append((outcome, fa.name, fa.code, fb.name, fb.code, float(estimate), float(low),
                              float(upp), n))
    return FactorialEffects(pd.DataFrame(main_rows, columns=list(MAIN_COLUMNS)),
                            pd.DataFrame(pair_rows, columns=list(INTERACTION_COLUMNS)))


def grid_of(coded: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """A function from point means (..., points) to cell means on the 2^k grid (..., 2, ..., 2).

    Points are put in their cell (axis j: 0 if factor j is low, 1 if high); a balanced
    design with several points per cell is averaged within each cell.
    """
    n_points, k = coded.shape
    cell = ((coded > 0).astype(int) * (2 ** np.arange(k - 1, -1, -1))).sum(axis=1)
    order = np.argsort(cell, kind="stable")
    per_cell = n_points // 2 ** k

    def to_grid(means: np.ndarray) -> np.ndarray:
        lead = means.shape[:-1]
        grouped = means[..., order].reshape(*lead, 2 ** k, per_cell)
        return nanmean_last(grouped).reshape(*lead, *([2] * k))

    return to_grid


def nanmean_last(values: np.ndarray) -> np.ndarray:
    """Mean over the last axis ignoring NaN; NaN (without a warning) where all are NaN."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(values, axis=-1)


def paired_levels(cells: np.ndarray, j: int, k: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Cell means at factor j's low and high level, over the pairs where both are defined.

    Args:
        cells: Cell means, shape (..., 2, ..., 2) with the k grid axes last.
        j: The factor.
        k: Number of factors.

    Returns:
        ``(low, high, pairs)``: arrays of shape (..., 2^(k-1)) with NaN outside complete
        pairs, and the number of complete pairs in the first (or only) set of cells.
    """
    first = cells.ndim - k
    lo, hi = np.take(cells, 0, axis=first + j), np.take(cells, 1, axis=first + j)
    lead = cells.shape[:first]
    lo, hi = lo.reshape(*lead, -1), hi.reshape(*lead, -1)
    complete = ~(np.isnan(lo) | np.isnan(hi))
    lo, hi = np.where(complete, lo, np.nan), np.where(complete, hi, np.nan)
    return lo, hi, int(complete.reshape(-1, complete.shape[-1])[0].sum())


def interaction(cells: np.ndarray, a: int, b: int, k: int) -> tuple[np.ndarray, int]:
    """Yates interaction of factors a and b, averaged over the complete squares of cells.

    Returns:
        The estimate (shape of the lead axes) and the number of complete squares.
    """
    first = cells.ndim - k
    lead = cells.shape[:first]

    def at(level_a: int, level_b: int) -> np.ndarray:
        part = np.take(np.take(cells, level_b, axis=first + b), level_a, axis=first + a)
        return part.reshape(*lead, -1)

    square = 0.5 * ((at(1, 1) - at(0, 1)) - (at(1, 0) - at(0, 0)))
    n = int((~np.isnan(square)).reshape(-1, square.shape[-1])[0].sum())
    return nanmean_last(square), n


def main_effects(data: pd.DataFrame, manifest: dict[str, Any], outcomes: list[str] | None = None, *,
                 n_boot: int = 1000, seed: int = 0, conf_level: float = 0.95) -> pd.DataFrame:
    """Main effects of a two-level full factorial (see :func:`factorial_effects`).

    Returns:
        One row per outcome and factor, columns :data:`MAIN_COLUMNS`.
    """
    return factorial_effects(data, manifest, outcomes, n_boot=n_boot, seed=seed, conf_level=conf_level).main


def interactions(data: pd.DataFrame, manifest: dict[str, Any], outcomes: list[str] | None = None, *,
                 n_boot: int = 1000, seed: int = 0, conf_level: float = 0.95) -> pd.DataFrame:
    """Two-way interactions of a two-level full factorial (see :func:`factorial_effects`).

    Returns:
        One row per outcome and pair of factors, columns :data:`INTERACTION_COLUMNS`.
    """
    return factorial_effects(data, manifest, outcomes, n_boot=n_boot, seed=seed,
                             conf_level=conf_level).interactions
