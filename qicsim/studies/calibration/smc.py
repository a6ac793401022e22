"""ABC-SMC with pyabc: priors, sampler, epsilon schedule, the SQLite history, resuming, progress.

The history lives in ``<folder>/history.db`` and a record of the calibration in
``<folder>/calibration.json`` (settings, fingerprint, status, wall time over all sessions).
pyabc writes a generation when it is complete, so a killed calibration loses at most the
generation it was sampling: the same command loads the history (``ABCSMC.load``) and goes on.
A session that samples nothing (a finished calibration run again) leaves the record unchanged.
A folder holding another calibration (other priors, targets, scenario, seed, population or
replications) is refused.

Epsilon is the weighted median of the last generation's distances, never below
``epsilon_floor`` (1: every target within its tolerance); the calibration stops once
``generations_at_floor`` generations have been sampled at the floor (more than one lets the
proposal settle on the accepted region, which evens the weights), after ``generations`` generations, at the
time budget ``max_minutes`` or at ``max_simulations`` particle evaluations, whichever comes
first, and says which.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from qicsim.errors import ConfigError, DataError
from qicsim.lazy import needs_extra
from qicsim.model.parameters import RECORDED_STRUCTURE
from qicsim.run.folders import atomic_write
from qicsim.run.output import environment
from qicsim.run.runner import derived_seed, model_kwargs
from qicsim.run.workers import follow_forks
from qicsim.studies.calibration.particles import ParticleModel
from qicsim.studies.calibration.settings import CalibrationSettings, as_plain
from qicsim.studies.calibration.targets import ScaledMaxDistance

with needs_extra("studies"):
    import pyabc
    from pyabc.epsilon import QuantileEpsilon

HISTORY = "history.db"
RECORD = "calibration.json"
FORMAT = "qicsim-calibration/1"
# Settings that do not change what a generation samples: a resumed calibration may change them.
NOT_IDENTITY = ("description", "generations", "generations_at_floor", "max_minutes", "max_simulations", "sampler",
                "n_procs", "batch_size", "dask_scheduler", "predictive_particles", "predictive_replications", "ship_as")

logging.getLogger("ABC").setLevel(logging.WARNING)  # our own progress line replaces pyabc's INFO log


class FloorEpsilon(QuantileEpsilon):
    """pyabc's quantile epsilon, never below a floor (the distance at which every target is within tolerance).

    Args:
        alpha: The quantile of the last generation's weighted distances.
        floor: The smallest epsilon.
    """

    def __init__(self, alpha: float, floor: float) -> None:
        super().__init__(initial_epsilon="from_sample", alpha=alpha)
        self.floor = floor

    def get_config(self) -> dict[str, Any]:
        """The record pyabc keeps of the epsilon, with the floor."""
        return {**super().get_config(), "floor": self.floor}

    def _update(self, t: int, weighted_distances: Any) -> None:
        super()._update(t, weighted_distances)
        self._look_up[t] = max(self._look_up[t], self.floor)


@dataclass(frozen=True)
class Outcome:
    """How a calibration session ended.

    Attributes:
        generations: Generations in the history.
        epsilon: The last generation's epsilon.
        simulations: Particle evaluations over all generations (pyabc's count).
        seconds: Wall time over all sessions.
        stopped: Why sampling stopped.
    """

    generations: int
    epsilon: float
    simulations: int
    seconds: float
    stopped: str


def fingerprint(settings: CalibrationSettings) -> str:
    """SHA-256 of what fixes the calibration's samples (not its budget, sampler or report).

    The settings, and the rival structures' switches the scenario runs under where they differ from
    those the committed records were made with (:data:`qicsim.model.parameters.RECORDED_STRUCTURE`):
    a calibration made under the structure of its time keeps its fingerprint, and the same settings
    under another structure are another calibration.
    """
    identity = {k: v for k, v in as_plain(settings).items() if k not in NOT_IDENTITY}
    switches = structure_of(settings)
    if switches != RECORDED_STRUCTURE:
        identity["structure"] = switches
    return hashlib.sha256(json.dumps(identity, sort_keys=True, default=str).encode()).hexdigest()


def structure_of(settings: CalibrationSettings) -> dict[str, str]:
    """The rival structures' switches the calibration's scenario runs under (what an ensemble is fitted to)."""
    from qicsim.run.api import scenario_config  # composes the scenario as the command line does

    structure = scenario_config(settings.scenario, overrides=list(settings.overrides)).structure
    return {name: str(getattr(structure, name)) for name in RECORDED_STRUCTURE}


def priors_of(settings: CalibrationSettings) -> pyabc.Distribution:
    """Uniform priors over each parameter's range."""
    return pyabc.Distribution(**{name: pyabc.RV("uniform", p.lo, p.hi - p.lo) for name, p in settings.priors.items()})


def model_of(settings: CalibrationSettings) -> ParticleModel:
    """The particle model: the scenario (with the settings' overrides) run at a particle's parameters."""
    from qicsim.run.api import scenario_config  # composes the scenario as the command line does

    base = scenario_config(settings.scenario, overrides=list(settings.overrides))
    return ParticleModel(model_kwargs(base), settings.seed, settings.replications, tuple(settings.targets))


def sampler_of(settings: CalibrationSettings, model: ParticleModel | None = None) -> tuple[Any, Any]:
    """The model pyabc calls and the pyabc sampler: all local cores (default), one process, batches or Dask.

    Args:
        settings: Validated settings.
        model: The particle model (:func:`model_of` if None).

    Returns:
        The model for pyabc (the particle model, or under ``sampler: batched`` the round model the
        batched sampler feeds, named as the particle model in pyabc's history) and the sampler.
    """
    model = model_of(settings) if model is None else model
    if settings.sampler == "single":
        return model, pyabc.sampler.SingleCoreSampler()
    if settings.sampler == "batched":
        from qicsim.studies.calibration.batch_sampler import BatchedSampler, RoundModel

        rounds = RoundModel(model)
        return (pyabc.FunctionModel(rounds, name=type(model).__name__),
                BatchedSampler(rounds, settings.batch_size, workers=settings.n_procs))
    if settings.sampler == "dask":
        try:
            from distributed import Client
        except ImportError as exc:
            raise ConfigError("calibration.sampler", "dask needs the 'distributed' package",
                              "pip install distributed, or sampler=multicore") from exc
        return model, pyabc.sampler.DaskDistributedSampler(dask_client=Client(settings.dask_scheduler))
    # pyabc forks its workers: each then dies with this process and leaves Ctrl-C to it (one line, not
    # a traceback from every worker).
    follow_forks()
    return model, pyabc.sampler.MulticoreEvalParallelSampler(n_procs=settings.n_procs)


def observed(settings: CalibrationSettings) -> dict[str, float]:
    """The targets' values, as pyabc's observed summary statistics."""
    return {name: float(t.value) for name, t in settings.targets.items()}


def read_record(folder: Path) -> dict[str, Any] | None:
    """The folder's calibration record, or None if there is none.

    Raises:
        DataError: If it exists but cannot be read.
    """
    path = folder / RECORD
    if not path.is_file():
        return None
    try:
        record = json.loads(path.read_text())
    except (ValueError, OSError) as exc:
        raise DataError(str(path), "corrupt calibration record", "remove the folder to start again") from exc
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        raise DataError(str(path), "not a qicsim calibration record", "remove the folder to start again")
    return record


def write_record(folder: Path, record: dict[str, Any]) -> None:
    """Write the record atomically (it is rewritten after every generation)."""
    atomic_write(folder / RECORD, lambda p: p.write_text(json.dumps(record, indent=2, default=str)))


def folder_record(folder: Path, print_: str) -> dict[str, Any] | None:
    """The record of the calibration in ``folder`` if it is this one (fingerprint ``print_``), None if there is none.

    Raises:
        ConfigError: If the folder holds another calibration.
        DataError: If its record is corrupt, or it has a history without a record.
    """
    record = read_record(folder)
    db_path = folder / HISTORY
    if record is None and db_path.exists():
        raise DataError(str(db_path), f"a history without {RECORD}", "remove the folder to start again")
    if record is not None and record.get("fingerprint") != print_:
        raise ConfigError("calibration.name", f"{folder} holds another calibration (fingerprint "
                          f"{str(record.get('fingerprint'))[:12]}, this one {print_[:12]})",
                          "a new name (name=...) or another --results-dir, or remove that folder to start again")
    return record


def open_history(settings: CalibrationSettings, folder: Path) -> tuple[pyabc.ABCSMC, dict[str, Any]]:
    """An ABCSMC object on the folder's history: a new one, or the one a killed session left.

    Raises:
        ConfigError: If the folder holds another calibration.
        DataError: If its record is corrupt, or it has a history without a record.
    """
    print_ = fingerprint(settings)
    record = folder_record(folder, print_)
    db_path = folder / HISTORY
    model, sampler = sampler_of(settings)
    abc = pyabc.ABCSMC(model, priors_of(settings), ScaledMaxDistance(
        {n: t.tolerance for n, t in settings.targets.items()}), population_size=settings.population,
        sampler=sampler, eps=FloorEpsilon(settings.epsilon_alpha, settings.epsilon_floor))
    db = f"sqlite:///{db_path.resolve()}"
    if record is not None and db_path.is_file():
        abc.load(db, int(record["abc_id"]))
        return abc, record
    folder.mkdir(parents=True, exist_ok=True)
    history = abc.new(db, observed(settings))
    record = {"format": FORMAT, "name": settings.name, "fingerprint": print_, "abc_id": int(history.id),
              "settings": as_plain(settings), "seconds": 0.0, "sessions": [], "status": "running",
              "created": datetime.now(UTC).isoformat(timespec="seconds")}
    write_record(folder, record)
    return abc, record


def generations_done(history: pyabc.History) -> int:
    """Complete generations in the history (pyabc's max_t + 1; its calibration sample is not one)."""
    return max(int(history.max_t) + 1, 0)


def last_epsilon(history: pyabc.History) -> float:
    """The epsilon of the last complete generation (infinity before the first)."""
    populations = history.get_all_populations()
    populations = populations[populations["t"] >= 0]
    return float(populations["epsilon"].iloc[-1]) if len(populations) else float("inf")


def generations_at_floor(history: pyabc.History, floor: float) -> int:
    """How many complete generations were sampled at the epsilon floor."""
    populations = history.get_all_populations()
    return int(((populations["t"] >= 0) & (populations["epsilon"] <= floor)).sum())


def stop_reason(settings: CalibrationSettings, history: pyabc.History, seconds: float) -> str | None:
    """Why sampling should stop now, or None to sample another generation."""
    at_floor = generations_at_floor(history, settings.epsilon_floor)
    if at_floor >= settings.generations_at_floor:
        return (f"every target within its tolerance (epsilon {settings.epsilon_floor:g} reached"
                f"{f', {at_floor} generations at it' if at_floor > 1 else ''})")
    if generations_done(history) >= settings.generations:
        return f"{settings.generations} generations done"
    if seconds >= settings.max_minutes * 60:
        return f"time budget of {settings.max_minutes:g} minutes used"
    if settings.max_simulations and history.total_nr_simulations >= settings.max_simulations:
        return f"{settings.max_simulations} particle evaluations done"
    return None


def say(message: str) -> None:
    """A progress line on stderr."""
    print(f"qicsim-calibrate: {message}", file=sys.stderr, flush=True)


def run_smc(settings: CalibrationSettings, folder: Path, quiet: bool = False) -> Outcome:
    """Sample generations until a stop rule holds, resuming the folder's history if there is one.

    Args:
        settings: Validated settings.
        folder: ``results/calibration/<name>``.
        quiet: No progress lines.

    Returns:
        How it ended.
    """
    abc, record = open_history(settings, folder)
    # Within a generation, pyabc's own bar counts the accepted particles (on a terminal only).
    abc.sampler.show_progress = not quiet and sys.stdout.isatty()
    history = abc.history
    start, before = time.perf_counter(), float(record["seconds"])
    session = {"started": datetime.now(UTC).isoformat(timespec="seconds"), "generations_before":
               generations_done(history), **environment()}
    sampled = False  # a session that samples nothing (a finished calibration) leaves the record as it is
    last = time.perf_counter()
    while (reason := stop_reason(settings, history, before + time.perf_counter() - start)) is None:
        if not sampled:
            record["sessions"].append(session)
            sampled = True
        t0 = generations_done(history)
        # pyabc draws proposals from numpy's global generator: seeded per generation from the
        # master seed, a single-process calibration is reproducible (worker processes reseed).
        np.random.seed(derived_seed(settings.seed, t0) % 2**32)
        # pyabc caches the population its epsilon starts from (at first, the prior sample) for the
        # whole object: forget it, so that each call starts from the history's last generation.
        abc._initial_population = None
        abc.run(max_nr_populations=1)
        now = time.perf_counter()
        record["seconds"] = before + now - start
        session["generations_after"] = generations_done(history)
        batched = batches_of(abc.sampler)
        if batched:
            # Under sampler=batched: how many particles each evaluator call served (pyabc's t -1 is its
            # calibration sample from the prior, taken with the first generation).
            session.setdefault("batches", []).extend(g.summary() for g in batched)
        write_record(folder, record)
        if not quiet:
            say(progress_line(settings, history, now - last, record["seconds"])
                + (f"; {batched[-1].describe()}" if batched else ""))
        last = now
    if sampled or (record.get("status"), record.get("stopped")) != ("done", reason):
        record["status"] = "done"
        record["stopped"] = reason
        session["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
        write_record(folder, record)
    return Outcome(generations_done(history), last_epsilon(history), int(history.total_nr_simulations),
                   float(record["seconds"]), reason)


def batches_of(sampler: Any) -> list[Any]:
    """What the batched sampler's calls since the last look did (:class:`~.batch_sampler.Generation`); [] for others."""
    done = list(getattr(sampler, "generations", []))
    if done:
        sampler.generations.clear()
    return done


def progress_line(settings: CalibrationSettings, history: pyabc.History, seconds: float, total: float) -> str:
    """One line after a generation: epsilon, acceptance, evaluations, rate and time left."""
    populations = history.get_all_populations()
    row = populations.iloc[-1]
    done = generations_done(history)
    accepted = settings.population / max(int(row["samples"]), 1)
    rate = int(row["samples"]) * settings.replications / max(seconds, 1e-9)
    budget = max(settings.max_minutes * 60 - total, 0)
    # Acceptance falls as epsilon shrinks: the next generations take at least as long as this one.
    estimate = min(seconds * (settings.generations - done), budget)
    return (f"generation {done}/{settings.generations}: epsilon {row['epsilon']:.3g} "
            f"(stops at {settings.epsilon_floor:g}), acceptance {accepted:.0%}, {int(row['samples'])} particles "
            f"in {seconds:.0f} s ({rate:.1f} model runs/s); time left at most {budget / 60:.1f} min, "
            f"about {estimate / 60:.1f} min if the rest go as this one")
