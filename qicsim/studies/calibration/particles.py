"""A particle's evaluation: a few replications of the scenario at its parameters, reduced to the statistics.

Seeds derive from the calibration's master seed and the particle itself (a hash of its
parameter values): the same particle always gets the same replications, whichever process
evaluates it and in whatever order, so any accepted particle can be rerun exactly.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from qicsim.run.evaluator import Replication, evaluate
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

    def rows(self, parameters: Mapping[str, Any], replications: int | None = None,
             master_seed: int | None = None) -> list[dict[str, Any]]:
        """The outcome rows of a particle's replications."""
        values = plain_values(parameters)
        seeds = particle_seeds(self.master_seed if master_seed is None else master_seed, values,
                               replications or self.replications)
        kwargs = {**self.kwargs, **values}
        return list(evaluate([Replication(seed, kwargs, i) for i, seed in enumerate(seeds)], mechanism_row))

    def __call__(self, parameters: Mapping[str, Any]) -> dict[str, float]:
        """The particle's statistics: each a mean over its replications."""
        return statistics(self.rows(parameters), self.homes, self.names)
