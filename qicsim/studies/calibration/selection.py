"""Model selection across programmes: pyabc's multi-model ABC-SMC over the rival structures (issue 21).

Each rival structure is one model (:class:`~qicsim.studies.calibration.programme_model.StructureModel`),
all under the same priors; pyabc proposes a structure and its parameters together, so each
generation's particles carry the posterior probabilities of the structures with them. The history
lives in ``<folder>/history.db`` and a record in ``<folder>/calibration.json`` (settings,
fingerprint, one summary per generation, wall time over all sessions): a killed calibration loses at
most the generation it was sampling, and the same command goes on from the last one. A folder
holding another calibration is refused.

Stop rule (:func:`stop_reason`), whichever comes first:

- **settled**: after ``min_generations``, no parameter's 5%, 50% or 95% model-averaged posterior
  quantile moved by more than ``quantile_change`` of its prior's width between the last two
  generations, and no structure's probability by more than ``probability_change``;
- **exhausted**: the last generation accepted under ``min_acceptance`` of the particles it tried
  (epsilon has shrunk to where the models can hardly reach it);
- the budget: ``max_generations``, ``max_simulations`` (over all sittings) or ``max_minutes`` (of
  sampling in this sitting: the same command run again is another sitting and goes on).
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from qicsim.errors import ConfigError
from qicsim.lazy import needs_extra
from qicsim.run.output import environment
from qicsim.run.runner import derived_seed
from qicsim.run.workers import follow_forks
from qicsim.studies.calibration.distance import adaptive_distance_for, distance_for, observed
from qicsim.studies.calibration.posterior import effective_sample_size, weighted_quantile
from qicsim.studies.calibration.programme_model import StructureModel, programmes_under
from qicsim.studies.calibration.selection_settings import SelectionSettings, as_plain, selection_targets
from qicsim.studies.calibration.smc import HISTORY, Outcome, folder_record, say, write_record
from qicsim.studies.calibration.transition import DefensiveTransition

with needs_extra("studies"):
    import pyabc
    from pyabc.epsilon import QuantileEpsilon

FORMAT = "qicsim-calibration/1"
CONVERGED = ("settled", "acceptance")
"""How the stop reasons of a calibration its own rule ended begin (the others are its budget's)."""
QUANTILES = (0.05, 0.5, 0.95)
NOT_IDENTITY = ("description", "min_generations", "max_generations", "quantile_change", "probability_change",
                "min_acceptance", "max_minutes", "max_simulations", "sampler", "n_procs", "batch_size",
                "dask_scheduler", "ensemble_size", "predictive_particles", "ship_as")
"""Settings that do not change what a generation samples: a resumed calibration may change them."""


def fingerprint(settings: SelectionSettings) -> str:
    """SHA-256 of what fixes the calibration's samples (not its stop rule, budget, sampler or report)."""
    identity = {k: v for k, v in as_plain(settings).items() if k not in NOT_IDENTITY}
    # A calibration to the table's observations, or with pyabc's kernel estimate alone: its print as before
    # recovery and the defensive proposal existed (so the first sitting of issue 21 stays resumable).
    for key, off in (("synthetic", {}), ("defensive_share", 0.0)):
        if identity[key] == off:
            del identity[key]
    return hashlib.sha256(json.dumps(identity, sort_keys=True, default=str).encode()).hexdigest()


def models_of(settings: SelectionSettings) -> list[StructureModel]:
    """One model per rival structure, in the settings' order (pyabc's model index m)."""
    targets = selection_targets(settings)
    return [StructureModel(name, programmes_under(name, targets), settings.seed, settings.replications,
                           settings.batch_size) for name in settings.structures]


def priors_of(settings: SelectionSettings) -> pyabc.Distribution:
    """Uniform priors over each parameter's range (the same for every structure)."""
    return pyabc.Distribution(**{name: pyabc.RV("uniform", p.lo, p.hi - p.lo) for name, p in settings.priors.items()})


def distance_of(settings: SelectionSettings) -> Any:
    """The adaptive distance (default) or the fixed scaled one (:mod:`qicsim.studies.calibration.distance`)."""
    targets = selection_targets(settings)
    if settings.distance == "adaptive":
        return adaptive_distance_for(targets, settings.distance_p)
    return distance_for(targets, p=settings.distance_p)


def sampler_of(settings: SelectionSettings) -> Any:
    """The pyabc sampler: all local cores (default), one process, or a Dask cluster."""
    if settings.sampler == "single":
        return pyabc.sampler.SingleCoreSampler()
    if settings.sampler == "dask":
        try:
            from distributed import Client
        except ImportError as exc:
            raise ConfigError("calibration.sampler", "dask needs the 'distributed' package",
                              "pip install distributed, or sampler=multicore") from exc
        return pyabc.sampler.DaskDistributedSampler(dask_client=Client(settings.dask_scheduler))
    follow_forks()  # forked workers die with this process and leave Ctrl-C to it
    return pyabc.sampler.MulticoreEvalParallelSampler(n_procs=settings.n_procs)


def observations(settings: SelectionSettings) -> dict[str, float]:
    """The observed statistics the particles are compared with: the table's, or a synthetic case's (recovery)."""
    return {**observed(selection_targets(settings)), **settings.synthetic}


def open_history(settings: SelectionSettings, folder: Path) -> tuple[pyabc.ABCSMC, dict[str, Any]]:
    """An ABCSMC object on the folder's history: a new one, or the one a killed session left.

    Raises:
        ConfigError: If the folder holds another calibration.
        DataError: If its record is corrupt, or it has a history without a record.
    """
    print_ = fingerprint(settings)
    record = folder_record(folder, print_)
    db_path = folder / HISTORY
    models = [pyabc.FunctionModel(model, name=model.structure) for model in models_of(settings)]
    transitions = ([DefensiveTransition(priors_of(settings), settings.defensive_share) for _ in models]
                   if settings.defensive_share > 0 else None)  # None: pyabc's kernel estimate alone
    abc = pyabc.ABCSMC(models, [priors_of(settings)] * len(models), distance_of(settings),
                       population_size=settings.population, sampler=sampler_of(settings), transitions=transitions,
                       eps=QuantileEpsilon(initial_epsilon="from_sample", alpha=settings.epsilon_alpha))
    db = f"sqlite:///{db_path.resolve()}"
    if record is not None and db_path.is_file():
        abc.load(db, int(record["abc_id"]))
        return abc, record
    folder.mkdir(parents=True, exist_ok=True)
    history = abc.new(db, observations(settings))
    record = {"format": FORMAT, "kind": "selection", "name": settings.name, "fingerprint": print_,
              "abc_id": int(history.id), "settings": as_plain(settings), "seconds": 0.0, "sessions": [],
              "generations": [], "status": "running", "created": datetime.now(UTC).isoformat(timespec="seconds")}
    write_record(folder, record)
    return abc, record


def generations_done(history: pyabc.History) -> int:
    """Complete generations in the history."""
    return max(int(history.max_t) + 1, 0)


def model_probabilities(history: pyabc.History, t: int, structures: list[str]) -> dict[str, float]:
    """Each structure's posterior probability at generation ``t`` (0 for one that died out)."""
    column = history.get_model_probabilities(t)["p"]  # indexed by the model's number m
    return {name: float(column.get(m, 0.0)) for m, name in enumerate(structures)}


def averaged(history: pyabc.History, t: int, structures: list[str]) -> tuple[pd.DataFrame, np.ndarray]:
    """The model-averaged posterior of the parameters at ``t``.

    Every particle, weighted by its weight within its structure times the structure's probability.
    """
    probabilities = model_probabilities(history, t, structures)
    frames, weights = [], []
    for m, name in enumerate(structures):
        if probabilities[name] <= 0:
            continue
        frame, w = history.get_distribution(m=m, t=t)
        frames.append(frame.reset_index(drop=True))
        weights.append(np.asarray(w, dtype=float) / np.sum(w) * probabilities[name])
    return pd.concat(frames, ignore_index=True), np.concatenate(weights)


def quantile_change(history: pyabc.History, t: int, settings: SelectionSettings) -> float | None:
    """The largest move of a 5%, 50% or 95% model-averaged quantile from ``t - 1`` to ``t``.

    As a share of the parameter's prior width; None at the first generation (nothing to compare with).
    """
    if t < 1:
        return None
    now, before = averaged(history, t, settings.structures), averaged(history, t - 1, settings.structures)
    largest = 0.0
    for name, prior in settings.priors.items():
        for q in QUANTILES:
            moved = abs(weighted_quantile(now[0][name].to_numpy(), now[1], q)
                        - weighted_quantile(before[0][name].to_numpy(), before[1], q))
            largest = max(largest, moved / (prior.hi - prior.lo))
    return largest


def summary(history: pyabc.History, settings: SelectionSettings, seconds: float) -> dict[str, Any]:
    """The last generation in one row: epsilon, acceptance, effective sample sizes, model probabilities, changes."""
    t = int(history.max_t)
    populations = history.get_all_populations()
    row = populations.loc[populations["t"] == t].iloc[0]
    probabilities = model_probabilities(history, t, settings.structures)
    ess = {}
    for m, name in enumerate(settings.structures):
        if probabilities[name] > 0:
            _, w = history.get_distribution(m=m, t=t)
            ess[name] = effective_sample_size(np.asarray(w, dtype=float))
        else:
            ess[name] = 0.0
    _, pooled = averaged(history, t, settings.structures)
    before = model_probabilities(history, t - 1, settings.structures) if t >= 1 else None
    return {
        "t": t, "epsilon": float(row["epsilon"]), "samples": int(row["samples"]),
        "acceptance": settings.population / max(int(row["samples"]), 1),
        "ess": effective_sample_size(pooled), "ess_by_structure": ess, "probabilities": probabilities,
        "quantile_change": quantile_change(history, t, settings),
        "probability_change": (max(abs(probabilities[n] - before[n]) for n in settings.structures)
                               if before is not None else None),
        "seconds": seconds,
    }


def stop_reason(settings: SelectionSettings, generations: list[dict[str, Any]], seconds: float,
                simulations: int) -> str | None:
    """Why sampling should stop now (the module's rule), or None to sample another generation.

    ``seconds``: this sitting's sampling so far; ``simulations``: particle evaluations over all sittings.
    """
    done = len(generations)
    if done:
        last = generations[-1]
        if (done >= settings.min_generations and last["quantile_change"] is not None
                and last["quantile_change"] <= settings.quantile_change
                and last["probability_change"] <= settings.probability_change):
            return (f"settled: no quantile moved more than {last['quantile_change']:.1%} of its prior's width and no "
                    f"structure's probability more than {last['probability_change']:.3f} in the last generation")
        if last["acceptance"] < settings.min_acceptance:
            return f"acceptance {last['acceptance']:.2%} below {settings.min_acceptance:.2%}"
    if done >= settings.max_generations:
        return f"{settings.max_generations} generations done"
    if seconds >= settings.max_minutes * 60:
        return f"this sitting's time budget of {settings.max_minutes:g} minutes used (run it again to go on)"
    if settings.max_simulations and simulations >= settings.max_simulations:
        return f"{settings.max_simulations} particle evaluations done"
    return None


def progress_line(settings: SelectionSettings, last: dict[str, Any], sitting: float) -> str:
    """One line after a generation: epsilon, acceptance, probabilities, changes and the sitting's time left."""
    probabilities = ", ".join(f"{n} {p:.2f}" for n, p in last["probabilities"].items())
    budget = max(settings.max_minutes * 60 - sitting, 0)
    left = settings.max_generations - last["t"] - 1
    estimate = min(last["seconds"] * left, budget)
    return (f"generation {last['t'] + 1}/{settings.max_generations}: epsilon {last['epsilon']:.3g}, acceptance "
            f"{last['acceptance']:.1%} ({last['samples']} particles in {last['seconds']:.0f} s), ESS "
            f"{last['ess']:.0f}; structures: {probabilities}; quantiles moved "
            f"{'-' if last['quantile_change'] is None else format(last['quantile_change'], '.1%')}; "
            f"time left at most {budget / 60:.1f} min, about {estimate / 60:.1f} min if the rest go as this one")


def run_selection(settings: SelectionSettings, folder: Path, quiet: bool = False) -> Outcome:
    """Sample generations until the stop rule holds, resuming the folder's history if there is one.

    Returns:
        How it ended.
    """
    abc, record = open_history(settings, folder)
    try:
        return _sample(abc, record, settings, folder, quiet)
    finally:
        client = getattr(abc.sampler, "client", None)  # a Dask client: let go before its cluster goes
        if client is not None:
            client.close()


def _sample(abc: pyabc.ABCSMC, record: dict[str, Any], settings: SelectionSettings, folder: Path,
            quiet: bool) -> Outcome:
    """The sampling loop of :func:`run_selection`."""
    abc.sampler.show_progress = not quiet and sys.stdout.isatty()
    history = abc.history
    start, before = time.perf_counter(), float(record["seconds"])
    session = {"started": datetime.now(UTC).isoformat(timespec="seconds"),
               "generations_before": generations_done(history), **environment()}
    sampled = False
    # max_minutes is this sitting's budget: the same command run again is another sitting and goes on.
    while (reason := stop_reason(settings, record["generations"], time.perf_counter() - start,
                                 int(history.total_nr_simulations))) is None:
        if not sampled:
            record["sessions"].append(session)
            sampled = True
        t0 = generations_done(history)
        np.random.seed(derived_seed(settings.seed, t0) % 2**32)  # pyabc proposes from NumPy's global generator
        abc._initial_population = None  # start from the history's last generation (as run_smc)
        began = time.perf_counter()
        abc.run(max_nr_populations=1)
        now = time.perf_counter()
        record["seconds"] = before + now - start
        session["generations_after"] = generations_done(history)
        record["generations"].append(summary(history, settings, now - began))
        write_record(folder, record)
        if not quiet:
            say(progress_line(settings, record["generations"][-1], now - start))
    if sampled or (record.get("status"), record.get("stopped")) != ("done", reason):
        record["status"], record["stopped"] = "done", reason
        session["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
        write_record(folder, record)
    epsilon = record["generations"][-1]["epsilon"] if record["generations"] else float("inf")
    return Outcome(generations_done(history), epsilon, int(history.total_nr_simulations),
                   float(record["seconds"]), reason)
