"""Global sensitivity analysis of Morris and Sobol designs, with SALib.

* Morris elementary effects (Morris 1991), with mu* the mean absolute elementary effect
  (Campolongo et al. 2007): :func:`morris_indices` calls ``SALib.analyze.morris.analyze``.
* Sobol indices from a Saltelli sample (Saltelli 2002; Saltelli et al. 2010), first-order
  S1 and total ST (Jansen 1999 estimator), optionally second-order S2:
  :func:`sobol_indices` calls ``SALib.analyze.sobol.analyze``.

The SALib problem is built from design.json: ``names`` are the factor names and
``bounds`` their bounds. X is each point's factor values (as sampled) in point order, and Y
is each point's mean outcome over its replications. Confidence intervals are SALib's
bootstrap over trajectories (Morris) or sample rows (Sobol), at ``conf_level``; the
``*_conf`` columns are their half-widths.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from qicsim.lazy import needs_extra
from qicsim.studies.analysis.bootstrap import check_settings, point_means
from qicsim.studies.analysis.design import Sweep, checked_sweep, select_outcomes
from qicsim.studies.sweep.design import salib_problem

MORRIS_COLUMNS = ("outcome", "factor", "code", "mu", "mu_star", "mu_star_conf", "sigma")
SOBOL_COLUMNS = ("outcome", "factor", "code", "S1", "S1_conf", "ST", "ST_conf")
SOBOL2_COLUMNS = ("outcome", "factor_a", "code_a", "factor_b", "code_b", "S2", "S2_conf")
DEFAULT_MORRIS_LEVELS = 4


def _prepared(data: pd.DataFrame, manifest: dict[str, Any], outcomes: list[str] | None, design: str,
              num_resamples: int, conf_level: float, seed: int) -> tuple[Sweep, list[str], dict[str, Any]]:
    """Check the settings and the sweep; return it, the outcomes and SALib's problem."""
    check_settings(num_resamples, conf_level, seed)
    sweep = checked_sweep(data, manifest, design)
    return sweep, select_outcomes(sweep.data, outcomes), salib_problem(sweep.factors)


def _mean_outcome(sweep: Sweep, outcome: str) -> np.ndarray | None:
    """Per-point mean outcome, or None if a point has no value (the indices are then NaN)."""
    y = point_means(sweep.values(outcome))
    return None if np.isnan(y).any() else y


def morris_indices(data: pd.DataFrame, manifest: dict[str, Any], outcomes: list[str] | None = None, *,
                   num_resamples: int = 1000, seed: int = 0, conf_level: float = 0.95) -> pd.DataFrame:
    """Morris elementary-effects measures of each factor.

    Args:
        data: The dataset of a ``morris`` sweep (points in SALib's sample order).
        manifest: design.json as a dict; ``settings.morris_levels`` is the grid's number
            of levels (default 4).
        outcomes: Outcome columns, or None for the default outcomes present.
        num_resamples: Bootstrap resamples for ``mu_star_conf``.
        seed: Seed of SALib's bootstrap.
        conf_level: Coverage of the interval whose half-width is ``mu_star_conf``.

    Returns:
        One row per outcome and factor, columns :data:`MORRIS_COLUMNS`, in the units of the
        outcome per unit step of the factor scaled to [0, 1]. NaN for an outcome with a
        point without a value.

    Raises:
        ConfigError: For another design, unbalanced data, a missing outcome or bad settings.
    """
    with needs_extra("studies"):  # imported here: SALib is only needed by these designs
        from SALib.analyze import morris

    sweep, outcomes, problem = _prepared(data, manifest, outcomes, "morris", num_resamples, conf_level, seed)
    x = sweep.factor_matrix()
    levels = int(sweep.settings.get("morris_levels") or DEFAULT_MORRIS_LEVELS)
    rows = []
    for outcome in outcomes:
        y = _mean_outcome(sweep, outcome)
        if y is None:
            result = dict.fromkeys(("mu", "mu_star", "mu_star_conf", "sigma"), np.full(len(sweep.factors), np.nan))
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # a constant outcome gives 0 or NaN
                result = morris.analyze(problem, x, y, num_resamples=num_resamples, conf_level=conf_level,
                                        num_levels=levels, seed=seed)
        for j, f in enumerate(sweep.factors):
            rows.append((outcome, f.name, f.code, *(float(result[key][j])
                                                    for key in ("mu", "mu_star", "mu_star_conf", "sigma"))))
    return pd.DataFrame(rows, columns=list(MORRIS_COLUMNS))


@dataclass(frozen=True)
class SobolIndices:
    """Sobol indices of each outcome.

    Attributes:
        indices: First-order and total indices, columns :data:`SOBOL_COLUMNS`.
        second_order: Second-order indices, columns :data:`SOBOL2_COLUMNS` (no rows unless
            the design has ``settings.sobol_second_order``).
    """

    indices: pd.DataFrame
    second_order: pd.DataFrame


def sobol_indices(data: pd.DataFrame, manifest: dict[str, Any], outcomes: list[str] | None = None, *,
                  num_resamples: int = 1000, seed: int = 0, conf_level: float = 0.95) -> SobolIndices:
    """Sobol first-order, total and (if the design has them) second-order indices.

    Args:
        data: The dataset of a ``sobol`` sweep (points in SALib's Saltelli sample order).
        manifest: design.json as a dict; ``settings.sobol_second_order`` says whether
            the sample has the second-order block.
        outcomes: Outcome columns, or None for the default outcomes present.
        num_resamples: Bootstrap resamples for the ``*_conf`` columns.
        seed: Seed of SALib's bootstrap (passed as a ``SeedSequence``, because SALib's Sobol
            analysis ignores an integer seed of 0).
        conf_level: Coverage of the intervals whose half-widths are the ``*_conf`` columns.

    Returns:
        The indices. NaN for an outcome with a point without a value.

    Raises:
        ConfigError: For another design, unbalanced data, a missing outcome or bad settings.
    """
    with needs_extra("studies"):  # imported here: SALib is only needed by these designs
        from SALib.analyze import sobol

    sweep, outcomes, problem = _prepared(data, manifest, outcomes, "sobol", num_resamples, conf_level, seed)
    second = bool(sweep.settings.get("sobol_second_order"))
    k = len(sweep.factors)
    pairs = list(combinations(range(k), 2))
    rows, rows2 = [], []
    for outcome in outcomes:
        y = _mean_outcome(sweep, outcome)
        if y is None:
            nan = np.full(k, np.nan)
            result = {"S1": nan, "S1_conf": nan, "ST": nan, "ST_conf": nan,
                      "S2": np.full((k, k), np.nan), "S2_conf": np.full((k, k), np.nan)}
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # a constant outcome gives NaN
                result = sobol.analyze(problem, y, calc_second_order=second, num_resamples=num_resamples,
                                       conf_level=conf_level, seed=np.random.SeedSequence(seed))
        for j, f in enumerate(sweep.factors):
            rows.append((outcome, f.name, f.code,
                         *(float(result[key][j]) for key in ("S1", "S1_conf", "ST", "ST_conf"))))
        if second:
            for a, b in pairs:
                fa, fb = sweep.factors[a], sweep.factors[b]
                rows2.append((outcome, fa.name, fa.code, fb.name, fb.code, float(result["S2"][a, b]),
                              float(result["S2_conf"][a, b])))
    return SobolIndices(pd.DataFrame(rows, columns=list(SOBOL_COLUMNS)),
                        pd.DataFrame(rows2, columns=list(SOBOL2_COLUMNS)))
