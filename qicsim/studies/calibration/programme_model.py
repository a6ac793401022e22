"""A particle of the calibration across programmes: every programme's scenario run under one structure.

A rival structure (``configs/structure/<name>.yaml``) is one model of pyabc's model selection:
:class:`StructureModel` runs each programme's scenario under that structure at a particle's
parameters, ``replications`` times, and returns the statistic of every target's point (the keys
of :func:`qicsim.studies.calibration.distance.observed`), each a mean over the replications.

A replication keeps only its target values (:func:`target_values`, the evaluator's hook): the
statistics are computed in the worker from that replication's own tables, so a worker sends back a
few floats, not tables. Seeds derive from the master seed, the structure, the programme and the
particle's values (:func:`particle_seeds`), so the same particle of the same structure always gets
the same replications, in whichever process and batch it runs.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

from qicsim.model import QICModel
from qicsim.model.outcomes import outcome_rows
from qicsim.run.evaluator import BATCH_SIZE, Replication, evaluate
from qicsim.run.runner import derived_seed, model_kwargs, project_table, weekly_mechanism_table
from qicsim.studies.calibration.particles import particle_key, plain_values
from qicsim.studies.calibration.programme_targets import ProgrammeTarget
from qicsim.studies.calibration.statistics import compute

PROGRAMME_STREAM = 3
"""First word of every seed of the calibration across programmes (apart from the PEACH calibration's seeds)."""


def name_key(name: str) -> int:
    """A stable 32-bit number for a name (a structure's or a programme's), for seeds."""
    return zlib.crc32(name.encode())


def target_values(model: QICModel, replication: Replication, targets: tuple[ProgrammeTarget, ...]) -> dict[str, float]:
    """The evaluator's hook: one finished replication's value of every point of ``targets``.

    Builds only the tables the statistics read (runs, homes, projects, weekly mechanism counts).
    """
    key = {"replication": replication.index, "seed": replication.seed}
    run, homes, _ = outcome_rows(model)
    tables = SimpleNamespace(runs=pd.DataFrame([{**key, **run}]), homes=pd.DataFrame([{**key, **r} for r in homes]),
                             projects=project_table(model, key), mechanisms_weekly=weekly_mechanism_table(model, key))
    out = {}
    for target in targets:
        for stat_key, point in zip(target.statistic_keys(), target.points, strict=True):
            out[stat_key] = float(compute(target.statistic, tables, point.at).iloc[0])
    return out


def mean_values(rows: Sequence[Mapping[str, float]], keys: Sequence[str]) -> dict[str, float]:
    """Each key's mean over replications, leaving out those where it is undefined; NaN if undefined in all."""
    out = {}
    for key in keys:
        values = np.array([row[key] for row in rows], dtype=float)
        values = values[~np.isnan(values)]
        out[key] = float(values.mean()) if len(values) else math.nan
    return out


@dataclass(frozen=True)
class Programme:
    """One programme's part of a particle: its scenario's model arguments under the structure, and its targets."""

    scenario: str
    kwargs: Mapping[str, Any]
    targets: tuple[ProgrammeTarget, ...]

    @property
    def keys(self) -> list[str]:
        """The statistic keys of its targets' points."""
        return [key for target in self.targets for key in target.statistic_keys()]


def programmes_under(structure: str, targets: Sequence[ProgrammeTarget]) -> tuple[Programme, ...]:
    """Each programme of ``targets`` (by scenario, in first-use order) composed under a structure preset."""
    from qicsim.run.api import scenario_config  # composes a scenario as the command line does

    scenarios = list(dict.fromkeys(t.scenario for t in targets))
    return tuple(Programme(scenario, model_kwargs(scenario_config(scenario, overrides=[f"structure={structure}"])),
                           tuple(t for t in targets if t.scenario == scenario)) for scenario in scenarios)


def particle_seeds(master_seed: int, structure: str, scenario: str, values: Mapping[str, float | int],
                   replications: int) -> list[int]:
    """The model seeds of a particle's replications of one programme under one structure."""
    key = particle_key(values)
    return [derived_seed(master_seed, PROGRAMME_STREAM, name_key(structure), name_key(scenario), *key, r)
            for r in range(replications)]


class StructureModel:
    """One rival structure as a pyabc model: parameters in, every programme's statistics out (picklable).

    Args:
        structure: The structure preset's name (``configs/structure``).
        programmes: The programmes under it (:func:`programmes_under`).
        master_seed: The calibration's master seed.
        replications: Replications per programme per particle.
        batch_size: Replications a lockstep batch holds at most.
    """

    def __init__(self, structure: str, programmes: Sequence[Programme], master_seed: int, replications: int,
                 batch_size: int = BATCH_SIZE) -> None:
        self.structure = structure
        self.programmes = tuple(programmes)
        self.master_seed = master_seed
        self.replications = replications
        self.batch_size = batch_size
        self.keys = [key for programme in self.programmes for key in programme.keys]

    def runs_of(self, parameters: Mapping[str, Any], programme: Programme, replications: int | None = None,
                master_seed: int | None = None) -> list[Replication]:
        """What to run for a particle in one programme."""
        values = plain_values(parameters)
        seeds = particle_seeds(self.master_seed if master_seed is None else master_seed, self.structure,
                               programme.scenario, values, replications or self.replications)
        kwargs = {**programme.kwargs, **values}
        return [Replication(seed, kwargs, i) for i, seed in enumerate(seeds)]

    def statistics(self, parameters: Mapping[str, Any], replications: int | None = None,
                   master_seed: int | None = None, workers: int = 1) -> dict[str, float]:
        """The particle's statistics: each point's mean over its programme's replications."""
        out: dict[str, float] = {}
        for programme in self.programmes:
            runs = self.runs_of(parameters, programme, replications, master_seed)
            hook = partial(target_values, targets=programme.targets)
            rows = list(evaluate(runs, hook, batch_size=self.batch_size, workers=workers))
            out.update(mean_values(rows, programme.keys))
        return out

    def __call__(self, parameters: Mapping[str, Any]) -> dict[str, float]:
        """What pyabc calls: the particle's statistics."""
        return self.statistics(parameters)
