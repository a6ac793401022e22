"""The report of a calibration across programmes: convergence, structures' probabilities, posteriors, checks, ensemble.

Writes into the calibration's folder: ``report.md``; ``convergence.csv`` (one row per generation);
``structures.csv`` (posterior probabilities and Bayes factors); ``posterior.csv`` (per structure and
model-averaged: median, 90% interval, width against the prior's); ``predictive.csv`` and
``predictive_checks.csv`` (posterior predictive check of every target, with the probability of the
observed value under the model); ``ensemble.csv`` (the model-averaged ensemble: structure and
parameters drawn together) and ``ensemble.json`` (what it was fitted to, and the validation checks it
fitted); ``correlations.csv``; ``probabilities.png``, ``marginals.png``, ``correlations.png`` and
``profile.png`` (the worst-identified parameter against every target).

A posterior predictive check draws particles from the model-averaged posterior by weight and runs
each, with seeds the fit never used, once per programme. Its p-value is two-sided: twice the
smaller of the shares of predictive runs at or below and at or above the observed value (capped at 1).
A check with p below 0.05 fails and is reported as a failure, never hidden.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from qicsim.lazy import needs_extra
from qicsim.run.folders import atomic_write
from qicsim.run.output import environment
from qicsim.run.runner import derived_seed
from qicsim.studies.calibration.posterior import NARROWED, PINNED, Posterior, correlations, weighted_quantile
from qicsim.studies.calibration.report import marginal_panels, plot_correlations
from qicsim.studies.calibration.selection import HISTORY, averaged, model_probabilities, models_of
from qicsim.studies.calibration.selection_settings import SelectionSettings, selection_targets
from qicsim.studies.validation.criteria import PREDICTIVE_FAIL, two_sided

with needs_extra("studies"):
    import pyabc

REPORT = "report.md"
PREDICTIVE_STREAM = 11  # master seed of the predictive runs: derived_seed(seed, 11), apart from the fit's
DRAW_STREAM = 12  # the draws of particles (the ensemble, the predictive check)
FAIL_BELOW = PREDICTIVE_FAIL  # a predictive check with p below this fails (as the held-out checks' own)
SWITCHES = ("project_start", "time_model", "project_sizes", "trap")


def load_history(folder: Path) -> pyabc.History:
    """The calibration's pyabc history."""
    return pyabc.History(f"sqlite:///{(folder / HISTORY).resolve()}")


def structures_table(probabilities: dict[str, float], reference: str) -> pd.DataFrame:
    """Each structure's posterior probability and its Bayes factor against ``reference`` (equal prior odds)."""
    ref = probabilities[reference]
    rows = []
    for name, p in probabilities.items():
        factor = p / ref if ref > 0 else (float("inf") if p > 0 else float("nan"))
        rows.append({"structure": name, "probability": p, f"bayes_factor_vs_{reference}": factor})
    return pd.DataFrame(rows)


def posterior_rows(frame: pd.DataFrame, weights: np.ndarray, settings: SelectionSettings, label: str) -> list[dict]:
    """Per parameter: median, 90% interval and its width against the uniform prior's 90% width."""
    rows = []
    for name, prior in settings.priors.items():
        values = frame[name].to_numpy(dtype=float)
        lo, med, hi = (weighted_quantile(values, weights, q) for q in (0.05, 0.5, 0.95))
        ratio = (hi - lo) / (0.9 * (prior.hi - prior.lo))
        verdict = "pinned down" if ratio < PINNED else "narrowed" if ratio < NARROWED else "free"
        rows.append({"structure": label, "parameter": name, "prior_lo": prior.lo, "prior_hi": prior.hi,
                     "median": med, "q05": lo, "q95": hi, "width_ratio": ratio, "identified": verdict})
    return rows


def posterior_table(history: pyabc.History, t: int, settings: SelectionSettings) -> pd.DataFrame:
    """Posterior marginals of every structure alive at ``t``, then model-averaged."""
    probabilities = model_probabilities(history, t, settings.structures)
    rows: list[dict] = []
    for m, name in enumerate(settings.structures):
        if probabilities[name] > 0:
            frame, w = history.get_distribution(m=m, t=t)
            rows += posterior_rows(frame.reset_index(drop=True), np.asarray(w, dtype=float), settings, name)
    frame, w = averaged(history, t, settings.structures)
    rows += posterior_rows(frame, w, settings, "model-averaged")
    return pd.DataFrame(rows)


def ensemble(history: pyabc.History, t: int, settings: SelectionSettings) -> pd.DataFrame:
    """The model-averaged ensemble: ``ensemble_size`` particles drawn by weight x structure probability.

    Each row: the structure's preset name and switches, the parameters, and an equal weight.
    """
    from qicsim.run.api import scenario_config

    frames, weights, names = [], [], []
    probabilities = model_probabilities(history, t, settings.structures)
    for m, name in enumerate(settings.structures):
        if probabilities[name] > 0:
            frame, w = history.get_distribution(m=m, t=t)
            frames.append(frame.reset_index(drop=True))
            weights.append(np.asarray(w, dtype=float) / np.sum(w) * probabilities[name])
            names += [name] * len(frame)
    pool = pd.concat(frames, ignore_index=True)
    pool.insert(0, "structure", names)
    p = np.concatenate(weights)
    rng = np.random.default_rng(derived_seed(settings.seed, DRAW_STREAM))
    drawn = pool.iloc[rng.choice(len(pool), size=settings.ensemble_size, p=p / p.sum())].reset_index(drop=True)
    presets = {name: scenario_config("peach", overrides=[f"structure={name}"]).structure  # each composed once
               for name in settings.structures}
    for position, switch in enumerate(SWITCHES, start=1):
        drawn.insert(position, switch, drawn["structure"].map({n: str(getattr(p, switch)) for n, p in presets.items()}))
    drawn["weight"] = 1.0 / len(drawn)
    return drawn


def write_sidecar(path: Path, settings: SelectionSettings, record: dict[str, Any], probabilities: dict[str, float],
                  t: int) -> None:
    """The ensemble's record beside it: what it was fitted to, its structures, and the validation checks it fitted.

    ``fitted_validation_checks`` names the held-out checks whose observations the fit used
    (each target's ``overlaps_validation``): ``qicsim-validate`` over this ensemble shows them apart.
    """
    targets = selection_targets(settings)
    meta = {
        "calibration": settings.name, "kind": "model-averaged",
        "created": datetime.now(UTC).isoformat(timespec="seconds"), **environment(), "seed": settings.seed,
        "generation": t + 1,
        "status": record.get("status"), "stopped": record.get("stopped"), "structures": probabilities,
        "targets": [t_.id for t_ in targets], "priors": {n: vars(p) for n, p in settings.priors.items()},
        "fitted_validation_checks": sorted({t_.overlaps_validation for t_ in targets if t_.overlaps_validation}),
    }
    atomic_write(path, lambda p: p.write_text(json.dumps(meta, indent=2, default=str)))


def predictive(drawn: pd.DataFrame, settings: SelectionSettings, particles: int) -> pd.DataFrame:
    """Predictive runs: the first ``particles`` rows of the ensemble, each run once per programme (new seeds)."""
    models = {model.structure: model for model in models_of(settings)}
    rows = []
    for i, row in drawn.head(particles).iterrows():
        parameters = {name: row[name] for name in settings.priors}
        # Each draw its own seeds: a particle drawn twice is run twice, not the same run repeated.
        master = derived_seed(settings.seed, PREDICTIVE_STREAM, int(i))
        stats = models[row["structure"]].statistics(parameters, replications=1, master_seed=master,
                                                    workers=1 if settings.sampler == "single" else settings.n_procs)
        rows.append({"draw": int(i), "structure": row["structure"], **stats})
    return pd.DataFrame(rows)


def predictive_checks(runs: pd.DataFrame, settings: SelectionSettings) -> pd.DataFrame:
    """Per target point: observed value, predictive median and 90% range, two-sided p, and whether it fails."""
    rows = []
    for target in selection_targets(settings):
        for key, point in zip(target.statistic_keys(), target.points, strict=True):
            values = runs[key].dropna().to_numpy(dtype=float)
            if not len(values):
                rows.append({"target": key, "observed": point.value, "runs": 0, "p": float("nan"), "fails": True})
                continue
            p = two_sided(values, point.value)
            within = np.mean(np.abs(values - point.value) <= point.tolerance)
            rows.append({"target": key, "programme": target.programme, "observed": point.value,
                         "tolerance": point.tolerance, "runs": len(values), "median": float(np.median(values)),
                         "q05": float(np.quantile(values, 0.05)), "q95": float(np.quantile(values, 0.95)),
                         "within_tolerance": float(within), "p": p, "fails": bool(p < FAIL_BELOW)})
    return pd.DataFrame(rows)


def plot_probabilities(generations: list[dict[str, Any]], path: Path) -> None:
    """Each structure's probability by generation."""
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    for name in generations[0]["probabilities"]:
        ax.plot([g["t"] + 1 for g in generations], [g["probabilities"][name] for g in generations], marker="o",
                label=name)
    ax.set_xlabel("generation")
    ax.set_ylabel("posterior probability")
    ax.set_ylim(0, 1)
    ax.legend(fontsize=8)
    fig.tight_layout()
    atomic_write(path, lambda p: fig.savefig(p, dpi=110, format="png"))
    plt.close(fig)


def plot_marginals(history: pyabc.History, t: int, settings: SelectionSettings, path: Path) -> None:
    """Model-averaged marginal of each parameter against its uniform prior."""
    frame, w = averaged(history, t, settings.structures)
    marginal_panels(frame, w, settings.priors, f"{settings.name}: model-averaged posterior (generation {t + 1})", path)


def plot_profile(history: pyabc.History, t: int, settings: SelectionSettings, parameter: str, path: Path) -> None:
    """The worst-identified parameter's profile: each accepted particle's statistics against its value, by structure.

    A target that does not move with the parameter cannot pin it down: the panels show which do.
    """
    particles = history.get_population(t=t).particles
    keys = list(particles[0].sum_stat)
    cols = 4
    rows = -(-len(keys) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.5 * rows), squeeze=False)
    for m, name in enumerate(settings.structures):
        mine = [p for p in particles if p.m == m]
        if not mine:
            continue
        x = [p.parameter[parameter] for p in mine]
        for ax, key in zip(axes.flat, keys, strict=False):
            ax.scatter(x, [p.sum_stat[key] for p in mine], s=6, alpha=0.5, label=name)
    observed = dict(history.observed_sum_stat())
    for ax, key in zip(axes.flat, keys, strict=False):
        ax.axhline(observed[key], color="k", linestyle="--", linewidth=1)
        ax.set_title(key, fontsize=8)
        ax.set_xlabel(parameter, fontsize=7)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(keys):]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=6)
    fig.suptitle(f"profile of the worst-identified parameter, {parameter} (dashed: observed)")
    fig.tight_layout()
    atomic_write(path, lambda p: fig.savefig(p, dpi=100, format="png"))
    plt.close(fig)


def recovery_lines(path: Path) -> list[str]:
    """The recovery table's counts if it was run beside this calibration (``<name>-recovery/``), else how to run it."""
    command = ("`python -m qicsim.studies.calibration.recovery <name> --cases 10 --parameters a,b,c,d "
               "--out results/calibration/<name>-recovery` (qicsim/studies/calibration/recovery.py)")
    if not path.is_file():
        return [f"Not run beside this calibration: {command}."]
    counts = [line for line in path.read_text().splitlines() if line.startswith("- ")]
    return [f"From [{path.parent.name}/recovery.md](../{path.parent.name}/recovery.md):", "", *counts]


def _csv(frame: pd.DataFrame, path: Path) -> None:
    atomic_write(path, lambda p: frame.to_csv(p, index=False, float_format="%.6g"))


def _md(frame: pd.DataFrame, digits: int = 3) -> str:
    return frame.to_markdown(index=False, floatfmt=f".{digits}g")


def write_report(settings: SelectionSettings, folder: Path, record: dict[str, Any],
                 reference: str = "selected_2027") -> Path:
    """Write the report and its tables and figures; return the report's path."""
    history = load_history(folder)
    t = int(history.max_t)
    generations = record.get("generations", [])
    convergence = pd.DataFrame([{
        "generation": g["t"] + 1, "epsilon": g["epsilon"], "particles_tried": g["samples"],
        "acceptance": g["acceptance"], "ess": g["ess"],
        **{f"p_{n}": p for n, p in g["probabilities"].items()},
        "quantile_change": g["quantile_change"], "probability_change": g["probability_change"],
        "seconds": round(g["seconds"])} for g in generations])
    _csv(convergence, folder / "convergence.csv")
    probabilities = model_probabilities(history, t, settings.structures)
    ref = reference if reference in probabilities else settings.structures[0]
    structures = structures_table(probabilities, ref)
    _csv(structures, folder / "structures.csv")
    posterior = posterior_table(history, t, settings)
    _csv(posterior, folder / "posterior.csv")
    drawn = ensemble(history, t, settings)
    _csv(drawn, folder / "ensemble.csv")
    write_sidecar(folder / "ensemble.json", settings, record, probabilities, t)
    runs = predictive(drawn, settings, settings.predictive_particles)
    _csv(runs, folder / "predictive.csv")
    checks = predictive_checks(runs, settings)
    _csv(checks, folder / "predictive_checks.csv")
    if generations:
        plot_probabilities(generations, folder / "probabilities.png")
    plot_marginals(history, t, settings, folder / "marginals.png")
    averaged_rows = posterior[posterior["structure"] == "model-averaged"]
    frame, w = averaged(history, t, settings.structures)
    corr = correlations(Posterior(frame[list(settings.priors)], w / w.sum(), t, float("nan")))
    _csv(corr.reset_index(names="parameter"), folder / "correlations.csv")
    plot_correlations(corr, folder / "correlations.png")
    worst = averaged_rows.sort_values("width_ratio").iloc[-1]["parameter"]
    plot_profile(history, t, settings, worst, folder / "profile.png")
    upper = corr.where(np.triu(np.ones(corr.shape, dtype=bool), k=1)).stack().dropna()
    strongest = upper.abs().sort_values().index[-1] if len(upper) else None
    failing = checks[checks["fails"]]
    lines = [
        f"# Calibration across programmes: {settings.name}", "",
        settings.description, "",
        f"Status: {record.get('status')}; stopped: {record.get('stopped')}. {len(generations)} generations, "
        f"{int(history.total_nr_simulations)} particle evaluations, {record.get('seconds', 0) / 60:.1f} min of "
        f"sampling over {len(record.get('sessions', []))} session(s); population {settings.population}, "
        f"{settings.replications} replication(s) per programme per particle, distance {settings.distance}.", "",
        "## Convergence", "",
        "Stop rule (qicsim/studies/calibration/selection.py): after at least "
        f"{settings.min_generations} generations, no 5/50/95% model-averaged quantile moved more than "
        f"{settings.quantile_change:.0%} of its prior's width and no structure's probability more than "
        f"{settings.probability_change:g}; or acceptance under {settings.min_acceptance:.0%}; or the budget.", "",
        _md(convergence.astype({c: str for c in ("generation", "particles_tried", "seconds")}))
        if len(convergence) else "(no generation yet)", "",
        "## Structures", "",
        f"Posterior probabilities (equal prior probabilities) and Bayes factors against {ref}.", "",
        _md(structures), "", "![structures by generation](probabilities.png)", "",
        "## Posterior (model-averaged)", "",
        f"90% interval width against the prior's: pinned down below {PINNED}, narrowed below {NARROWED}, "
        "free otherwise. Per structure: posterior.csv.", "",
        _md(averaged_rows.drop(columns=["structure"])), "", "![marginals](marginals.png)", "",
        "## Identifiability", "",
        f"Contraction: the width ratio above ({(averaged_rows['identified'] != 'free').sum()} of "
        f"{len(averaged_rows)} parameters narrowed or pinned down). Pairwise: correlations.csv and the heat map"
        + (f"; the strongest pair is {strongest[0]} with {strongest[1]}, {upper[strongest]:+.2f}" if strongest
           else "") + f". The worst-identified parameter, {worst}, against every target's statistic: if no "
        "panel moves with it, no target can pin it down.", "",
        "![correlations](correlations.png)", "", "![profile](profile.png)", "",
        "## Posterior predictive checks", "",
        f"{len(runs)} particles of the ensemble, each run once per programme with fresh seeds. p: two-sided "
        f"probability of the observed value under the model; below {FAIL_BELOW} fails. within_tolerance: the "
        "share of runs within the target's tolerance of it (most targets are bands read from qualitative "
        "statements: a run can be inside the band and still make the point value improbable).", "",
        _md(checks), "",
        (f"**{len(failing)} check(s) fail:** {', '.join(failing['target'])}." if len(failing)
         else "No check fails."), "",
        "## Recovery on synthetic data", "",
        *recovery_lines(folder.parent / f"{settings.name}-recovery" / "recovery.md"), "",
        "## Ensemble", "",
        f"ensemble.csv: {len(drawn)} rows drawn by weight x structure probability (structure and parameters "
        f"together); rows by structure: "
        + ", ".join(f"{k} {v}" for k, v in drawn['structure'].value_counts().items()) + ".", "",
    ]
    path = folder / REPORT
    atomic_write(path, lambda p: p.write_text("\n".join(lines)))
    return path
