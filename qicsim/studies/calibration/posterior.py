"""What the last generation says: weighted quantiles, width ratios, correlations, and predictive checks.

A parameter is *pinned down* when its posterior 90% interval is under half as wide as its
prior's, *narrowed* when under 0.8 times, *free* otherwise (our convention, stated in the
report). The posterior predictive check draws particles by weight and runs each with seeds
the fit never used, so it shows what the ensemble does, not what it was selected on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from qicsim.lazy import needs_extra
from qicsim.run.runner import derived_seed
from qicsim.run.workers import Following, parallel
from qicsim.studies.calibration.particles import ParticleModel
from qicsim.studies.calibration.settings import CalibrationSettings
from qicsim.studies.calibration.targets import statistics

with needs_extra("studies"):
    from joblib import delayed

PINNED, NARROWED = 0.5, 0.8  # width ratio thresholds
PREDICTIVE_STREAM = 1  # master seed of the predictive check: derived_seed(seed, 1), apart from the fit's
DRAW_STREAM = 2  # the predictive check's draw of particles


@dataclass(frozen=True)
class Posterior:
    """The accepted particles of one generation.

    Attributes:
        parameters: One row per particle, one column per calibrated parameter.
        weights: Normalised weights.
        generation: pyabc's t of the population.
        epsilon: Its epsilon.
    """

    parameters: pd.DataFrame
    weights: np.ndarray
    generation: int
    epsilon: float


def effective_sample_size(weights: np.ndarray) -> float:
    """Kish's effective sample size of weighted particles: (sum w)^2 / sum w^2."""
    return float(weights.sum() ** 2 / np.sum(weights**2))


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """The q-quantile of weighted values (inverse of the weighted empirical distribution, midpoint rule)."""
    order = np.argsort(values)
    v, w = values[order], weights[order]
    cum = np.cumsum(w) - 0.5 * w
    return float(np.interp(q, cum / w.sum(), v))


def marginals(posterior: Posterior, settings: CalibrationSettings) -> pd.DataFrame:
    """Per parameter: prior range, posterior mean, median and 90% interval, width ratio and what it means."""
    rows = []
    for name, prior in settings.priors.items():
        values = posterior.parameters[name].to_numpy(dtype=float)
        lo, med, hi = (weighted_quantile(values, posterior.weights, q) for q in (0.05, 0.5, 0.95))
        ratio = (hi - lo) / (0.9 * (prior.hi - prior.lo))
        verdict = "pinned down" if ratio < PINNED else "narrowed" if ratio < NARROWED else "free"
        rows.append({"parameter": name, "prior_lo": prior.lo, "prior_hi": prior.hi,
                     "mean": float(np.average(values, weights=posterior.weights)), "median": med,
                     "q05": lo, "q95": hi, "width_ratio": ratio, "identified": verdict})
    return pd.DataFrame(rows)


def correlations(posterior: Posterior) -> pd.DataFrame:
    """Weighted Pearson correlations between the calibrated parameters."""
    cov = np.cov(posterior.parameters.to_numpy(dtype=float).T, aweights=posterior.weights)
    sd = np.sqrt(np.diag(cov))
    corr = cov / np.outer(sd, sd)
    names = list(posterior.parameters.columns)
    return pd.DataFrame(corr, index=names, columns=names)


def _particle_stats(model: ParticleModel, parameters: dict[str, float], replications: int,
                    master: int) -> tuple[dict[str, float], list[dict[str, float]]]:
    rows = model.rows(parameters, replications, master)
    per_run = [statistics([row], model.homes, model.names) for row in rows]
    return statistics(rows, model.homes, model.names), per_run


def predictive(posterior: Posterior, settings: CalibrationSettings, model: ParticleModel) -> pd.DataFrame:
    """Posterior predictive draws: particles drawn by weight, each run with fresh seeds.

    Returns:
        One row per (draw, replication): ``draw``, ``particle`` (row of the posterior),
        ``replication``, each statistic, and ``<statistic>_mean``, the particle's mean over its
        replications (what the fit compares with the target).
    """
    rng = np.random.default_rng(derived_seed(settings.seed, DRAW_STREAM))
    picks = rng.choice(len(posterior.weights), size=settings.predictive_particles, p=posterior.weights)
    master = derived_seed(settings.seed, PREDICTIVE_STREAM)
    jobs = 1 if settings.sampler == "single" else settings.n_procs
    task = Following(_particle_stats)  # the workers die with this process and leave Ctrl-C to it
    results = parallel(jobs)(delayed(task)(
        model, posterior.parameters.iloc[int(p)].to_dict(), settings.predictive_replications, master) for p in picks)
    rows: list[dict[str, Any]] = []
    for draw, (p, (means, runs)) in enumerate(zip(picks, results, strict=True)):
        for replication, stats in enumerate(runs):
            rows.append({"draw": draw, "particle": int(p), "replication": replication, **stats,
                         **{f"{k}_mean": v for k, v in means.items()}})
    return pd.DataFrame(rows)


def predictive_summary(draws: pd.DataFrame, settings: CalibrationSettings) -> pd.DataFrame:
    """Per target: its band, the predictive median and 90% range of particle means and of single runs, share in band."""
    rows = []
    for name, target in settings.targets.items():
        lo_band, hi_band = target.value - target.tolerance, target.value + target.tolerance
        means = draws.drop_duplicates("draw")[f"{name}_mean"].dropna().to_numpy()
        runs = draws[name].dropna().to_numpy()
        rows.append({
            "target": name, "value": target.value, "band_lo": lo_band, "band_hi": hi_band,
            "mean_median": float(np.median(means)), "mean_q05": float(np.quantile(means, 0.05)),
            "mean_q95": float(np.quantile(means, 0.95)),
            "means_in_band": float(np.mean((means >= lo_band) & (means <= hi_band))),
            "run_q05": float(np.quantile(runs, 0.05)), "run_q95": float(np.quantile(runs, 0.95)),
            "runs_in_band": float(np.mean((runs >= lo_band) & (runs <= hi_band))),
        })
    return pd.DataFrame(rows)
