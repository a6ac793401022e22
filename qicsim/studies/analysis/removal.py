"""Removal effects of a one-at-a-time design: what switching one context off does.

A one-at-a-time sweep has, for each base scenario, a baseline point (``removed`` empty) and
one point per context with that context switched off (``removed`` names it). The removal
effect of a context on an outcome is ``mean(outcome | context removed) - mean(outcome |
baseline)``, over the replications of the two points. Replications of different points have
different seeds, so the two means are independent: the bootstrap resamples each point's
replications independently (:func:`qicsim.studies.analysis.bootstrap.bootstrap_point_means`), and the
interval is the percentile interval of the difference.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from qicsim.errors import ConfigError
from qicsim.model.contexts import CONTEXTS
from qicsim.studies.analysis.bootstrap import bootstrap_point_means, check_settings, percentile_interval, point_means
from qicsim.studies.analysis.design import checked_sweep, select_outcomes

REMOVAL_COLUMNS = ("outcome", "base", "removed", "code", "baseline_mean", "removed_mean", "estimate",
                   "ci_low", "ci_high", "n_baseline", "n")
_CODES = {c.name: c.code for c in CONTEXTS}


def removal_effects(data: pd.DataFrame, manifest: dict[str, Any], outcomes: list[str] | None = None, *,
                    n_boot: int = 1000, seed: int = 0, conf_level: float = 0.95) -> pd.DataFrame:
    """Removal effects with bootstrap percentile intervals.

    Args:
        data: The dataset of a ``one_at_a_time`` sweep.
        manifest: design.json as a dict.
        outcomes: Outcome columns, or None for the default outcomes present.
        n_boot: Bootstrap samples B.
        seed: Seed of the bootstrap's random generator.
        conf_level: Coverage of the intervals.

    Returns:
        One row per outcome, base and removed context, columns :data:`REMOVAL_COLUMNS`
        (``estimate`` = removed_mean - baseline_mean; ``n``/``n_baseline`` are the runs with
        a value of the outcome), in design order.

    Raises:
        ConfigError: For another design, unbalanced data, a base without exactly one
            baseline point, or a missing outcome.
    """
    check_settings(n_boot, conf_level, seed)
    sweep = checked_sweep(data, manifest, "one_at_a_time")
    outcomes = select_outcomes(sweep.data, outcomes)
    rows = sweep.point_rows()
    bases = rows["base"].astype(str).to_numpy()
    removed = rows["removed"].fillna("").astype(str).to_numpy()
    plan = []  # (base, baseline point, removed points)
    for base in dict.fromkeys(bases):
        baseline = np.flatnonzero((bases == base) & (removed == ""))
        if len(baseline) != 1:
            raise ConfigError(f"dataset.removed (base {base})", f"{len(baseline)} baseline points",
                              "exactly one point with nothing removed per base")
        plan.append((base, int(baseline[0]), np.flatnonzero((bases == base) & (removed != ""))))
    out = []
    for outcome in outcomes:
        values = sweep.values(outcome)
        means = point_means(values)
        boot = bootstrap_point_means(values, n_boot, np.random.default_rng(seed))
        counts = np.sum(~np.isnan(values), axis=1)
        for base, baseline, points in plan:
            if not len(points):
                continue
            low, high = percentile_interval(boot[:, points] - boot[:, [baseline]], conf_level)
            for i, p in enumerate(points):
                out.append((outcome, base, removed[p], _CODES.get(removed[p], removed[p]), float(means[baseline]),
                            float(means[p]), float(means[p] - means[baseline]), float(low[i]), float(high[i]),
                            int(counts[baseline]), int(counts[p])))
    return pd.DataFrame(out, columns=list(REMOVAL_COLUMNS))
