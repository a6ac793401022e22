"""The posterior report: ``report.md`` and its figures and tables in the calibration's folder.

Marginals against priors, pairwise correlations, what the patterns pin down and what they
leave free, and posterior predictive checks of each target.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from qicsim.lazy import needs_extra
from qicsim.run.folders import atomic_write
from qicsim.studies.calibration import posterior as post
from qicsim.studies.calibration.settings import CalibrationSettings
from qicsim.studies.calibration.smc import HISTORY, Outcome, model_of
from qicsim.studies.calibration.targets import HELD_OUT

with needs_extra("studies"):
    import pyabc

REPORT = "report.md"


def load_posterior(folder: Path) -> tuple[pyabc.History, post.Posterior]:
    """The history and its last generation."""
    history = pyabc.History(f"sqlite:///{(folder / HISTORY).resolve()}")
    t = int(history.max_t)
    frame, weights = history.get_distribution(m=0, t=t)
    populations = history.get_all_populations()
    epsilon = float(populations.loc[populations["t"] == t, "epsilon"].iloc[0])
    frame = frame.reset_index(drop=True).rename_axis(columns=None)
    return history, post.Posterior(frame, np.asarray(weights, dtype=float) / np.sum(weights), t, epsilon)


def plot_marginals(posterior: post.Posterior, settings: CalibrationSettings, path: Path) -> None:
    """One panel per parameter: the posterior's weighted histogram over the uniform prior's density."""
    marginal_panels(posterior.parameters, posterior.weights, settings.priors,
                    f"{settings.name}: posterior (generation {posterior.generation}) against uniform priors", path)


def marginal_panels(frame: pd.DataFrame, weights: np.ndarray, priors: dict[str, Any], title: str, path: Path) -> None:
    """One panel per prior: the weighted histogram of ``frame``'s column over the uniform prior's density."""
    names = list(priors)
    cols = 4
    rows = -(-len(names) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.6 * rows), squeeze=False)
    for ax, name in zip(axes.flat, names, strict=False):
        prior = priors[name]
        ax.hist(frame[name], bins=20, range=(prior.lo, prior.hi), weights=weights,
                density=True, color="tab:blue", alpha=0.7, label="posterior")
        ax.hlines(1 / (prior.hi - prior.lo), prior.lo, prior.hi, colors="k", linestyles="--", label="prior")
        ax.set_title(name, fontsize=9)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(names):]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=7)
    fig.suptitle(title)
    fig.tight_layout()
    atomic_write(path, lambda p: fig.savefig(p, dpi=110, format="png"))
    plt.close(fig)


def plot_correlations(corr: pd.DataFrame, path: Path) -> None:
    """Heat map of the weighted correlations."""
    fig, ax = plt.subplots(figsize=(7, 6))
    image = ax.imshow(corr.to_numpy(), vmin=-1, vmax=1, cmap="RdBu_r")
    ax.set_xticks(range(len(corr)), corr.columns, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(len(corr)), corr.index, fontsize=8)
    for i in range(len(corr)):
        for j in range(len(corr)):
            ax.text(j, i, f"{corr.iat[i, j]:.2f}", ha="center", va="center", fontsize=7)
    fig.colorbar(image, ax=ax, shrink=0.8)
    ax.set_title("posterior correlations (weighted)")
    fig.tight_layout()
    atomic_write(path, lambda p: fig.savefig(p, dpi=110, format="png"))
    plt.close(fig)


def plot_predictive(draws: pd.DataFrame, settings: CalibrationSettings, path: Path) -> None:
    """Per target: the predictive distribution of single runs and of particle means, against the band."""
    names = list(settings.targets)
    fig, axes = plt.subplots(1, len(names), figsize=(3.2 * len(names), 2.8), squeeze=False)
    for ax, name in zip(axes.flat, names, strict=True):
        target = settings.targets[name]
        runs = draws[name].dropna()
        means = draws.drop_duplicates("draw")[f"{name}_mean"].dropna()
        ax.axvspan(target.value - target.tolerance, target.value + target.tolerance, color="tab:green", alpha=0.2,
                   label="target band")
        ax.hist(runs, bins=20, density=True, alpha=0.5, color="tab:gray", label="single runs")
        ax.hist(means, bins=20, density=True, alpha=0.7, color="tab:blue", label="particle means")
        ax.axvline(target.value, color="tab:green")
        ax.set_title(name, fontsize=9)
        ax.tick_params(labelsize=7)
    axes.flat[0].legend(fontsize=7)
    fig.suptitle("posterior predictive check (fresh seeds)")
    fig.tight_layout()
    atomic_write(path, lambda p: fig.savefig(p, dpi=110, format="png"))
    plt.close(fig)


def _table(frame: pd.DataFrame, digits: int = 3) -> str:
    return frame.to_markdown(index=False, floatfmt=f".{digits}g")


def write_report(settings: CalibrationSettings, folder: Path, outcome: Outcome, record: dict[str, Any]) -> Path:
    """Compute the posterior summaries and predictive check; write tables, figures and ``report.md``.

    Args:
        settings: The calibration's settings.
        folder: Its folder (with the history).
        outcome: How sampling ended.
        record: The calibration record (``calibration.json``).

    Returns:
        The report's path.
    """
    history, posterior = load_posterior(folder)
    table = post.marginals(posterior, settings)
    corr = post.correlations(posterior)
    draws = post.predictive(posterior, settings, model_of(settings))
    checks = post.predictive_summary(draws, settings)
    for name, frame in (("posterior.csv", table), ("predictive.csv", draws), ("predictive_summary.csv", checks)):
        atomic_write(folder / name, lambda p, f=frame: f.to_csv(p, index=False))
    atomic_write(folder / "correlations.csv", lambda p: corr.to_csv(p))
    plot_marginals(posterior, settings, folder / "marginals.png")
    plot_correlations(corr, folder / "correlations.png")
    plot_predictive(draws, settings, folder / "predictive.png")
    text = report_text(settings, history, posterior, table, corr, checks, outcome, record)
    atomic_write(folder / REPORT, lambda p: p.write_text(text))
    return folder / REPORT


def report_text(settings: CalibrationSettings, history: pyabc.History, posterior: post.Posterior,
                table: pd.DataFrame, corr: pd.DataFrame, checks: pd.DataFrame, outcome: Outcome,
                record: dict[str, Any]) -> str:
    """The Markdown of the report."""
    populations = history.get_all_populations()
    populations = populations[populations["t"] >= 0]
    generations = pd.DataFrame({"generation": populations["t"], "epsilon": populations["epsilon"],
                                "particles evaluated": populations["samples"],
                                "acceptance": settings.population / populations["samples"]})
    priors = pd.DataFrame([{"parameter": n, "lo": p.lo, "hi": p.hi, "range from": p.range_source}
                           for n, p in settings.priors.items()])
    targets = pd.DataFrame([{"statistic": n, "target": t.value, "tolerance": t.tolerance, "source": t.source}
                            for n, t in settings.targets.items()])
    pairs = [(a, b, corr.loc[a, b]) for i, a in enumerate(corr.index) for b in corr.columns[i + 1:]]
    strong = sorted((p for p in pairs if abs(p[2]) >= 0.3), key=lambda p: -abs(p[2]))
    pinned = table.loc[table["identified"] == "pinned down", "parameter"].tolist()
    free = table.loc[table["identified"] == "free", "parameter"].tolist()
    commit = (record.get("sessions") or [{}])[0].get("git_commit")  # the session that began sampling
    ess = post.effective_sample_size(posterior.weights)
    model_runs = outcome.simulations * settings.replications
    lines = [
        f"# Calibration `{settings.name}`: posterior report",
        "",
        f"<!-- Written by `qicsim-calibrate {settings.name}` (qicsim/studies/calibration/report.py). -->",
        "",
        f"{settings.description}".strip(),
        "",
        f"ABC-SMC (pyabc) over {len(settings.priors)} assumed parameters, scenario `{settings.scenario}`"
        f"{' with ' + ' '.join(settings.overrides) if settings.overrides else ''}, master seed {settings.seed}, "
        f"{settings.population} particles a generation, each the mean of {settings.replications} replications "
        f"with seeds derived from the master seed and the particle. Distance: the largest scaled deviation "
        f"|simulated - target| / tolerance over the targets, so a particle at distance <= 1 reproduces every "
        f"target within its tolerance. Epsilon: the weighted {settings.epsilon_alpha:g}-quantile of the last "
        f"generation's distances, never below {settings.epsilon_floor:g}.",
        "",
        f"**Stopped:** {outcome.stopped}. {outcome.generations} generations, last epsilon "
        f"{outcome.epsilon:.3g}; {outcome.simulations:,} particle evaluations ({model_runs:,} model runs) in "
        f"{outcome.seconds / 60:.1f} minutes of wall time ({model_runs / max(outcome.seconds, 1e-9):.1f} model "
        f"runs per second); commit `{commit}`. The last generation's {len(posterior.weights)} particles have "
        f"an effective sample size of {ess:.0f} (Kish): uneven weights, from the importance correction "
        "against the prior, make the histograms spiky.",
        "",
        _table(generations),
        "",
        "## Targets (summary statistics)",
        "",
        "Each band (target +- tolerance) is our quantitative reading of a qualitative PEACH pattern: the "
        "tolerances are assumptions, the same bands the pattern tests use. Held out of the fit for "
        f"validation (issue 12, item 4): {', '.join(f'`{h}`' for h in HELD_OUT)}.",
        "",
        _table(targets),
        "",
        "## Priors",
        "",
        "Uniform over each range. No published range exists for these parameters: every range is itself an "
        "assumption, from where the table says.",
        "",
        _table(priors),
        "",
        "## Marginals against priors: what the patterns pin down",
        "",
        f"Width ratio: the posterior's 90% interval over the prior's. Pinned down below {post.PINNED:g}, "
        f"narrowed below {post.NARROWED:g}, free otherwise (our convention).",
        "",
        _table(table),
        "",
        f"**Pinned down:** {', '.join(pinned) or 'none'}. **Left free:** {', '.join(free) or 'none'}. A free "
        "parameter is not thereby unimportant: the patterns fitted here do not constrain it, so conclusions "
        "that depend on it must be checked across the ensemble (issue 12, item 5).",
        "",
        "![marginals](marginals.png)",
        "",
        "## Pairwise correlations",
        "",
        "Weighted Pearson correlations of the last generation (correlations.csv). A strong correlation means "
        "the patterns constrain a combination of the two parameters rather than each alone.",
        "",
        ("\n".join(f"- `{a}` and `{b}`: {r:+.2f}" for a, b, r in strong) if strong
         else "- no pair with |r| >= 0.3"),
        "",
        "![correlations](correlations.png)",
        "",
        "## Posterior predictive checks",
        "",
        f"{settings.predictive_particles} particles drawn by weight, each run {settings.predictive_replications} "
        "times with seeds the fit never used. `means in band`: share of particles whose mean over the runs (what "
        "the fit compared) lies in the band; `runs in band`: share of single runs.",
        "",
        _table(checks),
        "",
        "![predictive](predictive.png)",
        "",
        "## Limits",
        "",
        "- The targets are qualitative patterns read as bands; a different reading moves the posterior.",
        f"- Only {len(settings.priors)} of the assumed parameters are calibrated; the others stay at their "
        "defaults, so the ensemble's spread understates parameter uncertainty.",
        "- A particle's statistics are means of a few replications: the acceptance is itself noisy, which "
        "widens the posterior a little (the predictive check shows how often an accepted set misses with fresh seeds).",
        "- With worker processes pyabc reseeds its proposals per process: the ensemble is reproducible as a file "
        "(and each particle's evaluation exactly), the sampling itself only with `sampler=single`."
        if settings.sampler not in ("single", "batched") else
        f"- The proposals come from one seeded generator (`sampler={settings.sampler}`): the sampling is "
        "reproducible, bit for bit (and each particle's evaluation exactly).",
        "",
    ]
    return "\n".join(lines)
