"""A particle's evaluation: a few replications of the scenario at its parameters, reduced to the statistics.

Seeds derive from the calibration's master seed and the particle itself (a hash of its
parameter values): the same particle always gets the same replications, whichever process
evaluates it and in whatever order, so any accepted particle can be rerun exactly. A
replication's result depends on its seed alone, not on the batch it runs in, so many particles
evaluated together (:meth:`ParticleModel.many`, for the batched sampler) get the statistics each
would get alone.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from qicsim.run.evaluator import BATCH_SIZE, Replication, evaluate
from qicsim.run.runner import derived_seed, mechanism_row
from qicsim.studies.calibration.settings import PARAMETER_FIELDS
from qicsim.studies.calibration.targets import statistics


def plain_values(parameters: Mapping[str, Any]) -> dict[str, float | int]:
    """A particle's parameters as the model takes them: floats, whole numbers rounded to ints."""
    return {name: (round(float(v)) if PARAMETER_FIELDS[name].metadata.get("integer") else float(v))
            for name, v in sorted(parameters.items())}


def particle_key(values: Mapping[str, float | int]) -> tuple[int, int]:
    """Two 32-bit words from a SHA-256 of the particle's values (exact: ``repr`` of each float)."""
    text = json.dumps({k: repr(v) for k, v in sorted(values.items())}, sort_keys=True)
    digest = hashlib.sha256(text.encode()).digest()
    return int.from_bytes(digest[:4], "little"), int.from_bytes(digest[4:8], "little")


def particle_seeds(master_seed: int, values: Mapping[str, float | int], replications: int) -> list[int]:
    """The model seeds of a particle's replications."""
    key = particle_key(values)
    return [derived_seed(master_seed, *key, r) for r in range(replications)]


class ParticleModel:
    """The model pyabc calls: parameters in, statistics out (picklable, for pyabc's worker processes).

    Args:
        kwargs: The scenario's model keyword arguments (:func:`qicsim.run.runner.model_kwargs`).
        master_seed: The calibration's master seed.
        replications: Replications per particle.
        names: The statistics to return.
    """

    def __init__(self, kwargs: dict[str, Any], master_seed: int, replications: int, names: tuple[str, ...]) -> None:
        self.kwargs = kwargs
        self.master_seed = master_seed
        self.replications = replications
        self.names = names
        self.homes = sum(kwargs["homes_per_site"])

    def runs_of(self, parameters: Mapping[str, Any], replications: int | None = None,
                     master_seed: int | None = None) -> list[Replication]:
        """What to run for a particle: its replications, with seeds from the master seed and its values."""
        values = plain_values(parameters)
        seeds = particle_seeds(self.master_seed if master_seed is None else master_seed, values,
                               replications or self.replications)
        kwargs = {**self.kwargs, **values}
        return [Replication(seed, kwargs, i) for i, seed in enumerate(seeds)]

    def rows(self, parameters: Mapping[str, Any], replications: int | None = None,
             master_seed: int | None = None) -> list[dict[str, Any]]:
        """The outcome rows of a particle's replications."""
        return list(evaluate(self.runs_of(parameters, replications, master_seed), mechanism_row))

    def __call__(self, parameters: Mapping[str, Any]) -> dict[str, float]:
        """The particle's statistics: each a mean over its replications."""
        return statistics(self.rows(parameters), self.homes, self.names)

    def many(self, particles: Sequence[Mapping[str, Any]], batch_size: int = BATCH_SIZE,
             workers: int = 1) -> list[dict[str, float]]:
        """Many particles' statistics from one evaluator call: their replications run in lockstep batches.

        Each particle gets what :meth:`__call__` gives it alone (its replications' seeds are its own).

        Args:
            particles: The particles' parameters.
            batch_size: Replications a batch runs at most.
            workers: Processes the evaluator uses.

        Returns:
            Each particle's statistics, in the particles' order.
        """
        runs = [self.runs_of(parameters) for parameters in particles]
        rows = iter(evaluate([r for particle in runs for r in particle], mechanism_row, batch_size=batch_size,
                             workers=workers))
        return [statistics([next(rows) for _ in particle], self.homes, self.names) for particle in runs]
