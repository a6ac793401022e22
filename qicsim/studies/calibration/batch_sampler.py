"""A batch-aware pyabc sampler (``sampler: batched``): a generation's particles evaluated together, a round at a time.

pyabc gives a sampler one closure, ``simulate_one``, that proposes a particle (drawing from
NumPy's global generator), runs the model on it and accepts or rejects it; pyabc's own samplers
call it once per particle. Replications run fastest in lockstep batches (issue 20), so the
particles of a round must reach the model together. This sampler records, evaluates, replays:

1. **Record.** With the global generator's state saved, call ``simulate_one`` once per particle
   of the round with the model recording: it notes the proposed parameters and stops the closure
   (:class:`Proposed`) before anything is simulated, measured or accepted.
2. **Evaluate.** All the round's replications go through one evaluator call
   (:meth:`~qicsim.studies.calibration.particles.ParticleModel.many`: ``batch_size`` replications
   a batch, on ``n_procs`` worker processes).
3. **Replay.** Restore the generator's state and call ``simulate_one`` again until the
   generation has its accepted particles or the round is used up: it draws the same proposals,
   the model answers each from the round's results, and pyabc's own code computes the distance,
   the acceptance and the weight.

Why this design. Two others were weighed. A pool of threads each running ``simulate_one``, their
model calls gathered into one batch, would draw proposals from NumPy's one global generator in an
order the thread scheduler picks: a calibration would no longer be reproducible, and pyabc's
proposal code was not written for threads. Unpacking the closure (a ``functools.partial`` of
pyabc's private ``_simulate_one``) to call its proposal and evaluation steps directly would tie
this sampler to private names of pyabc. Replaying relies only on what the other samplers and
:func:`~qicsim.studies.calibration.smc.run_smc` already rely on: a closure draws its randomness
from NumPy's global generator, and a generation's proposals do not depend on its earlier
particles' results (the transition is fitted before the generation starts).

What follows. The particles replayed are exactly those pyabc's ``SingleCoreSampler`` would
propose and accept, in the same order, with the same statistics (a replication's result depends
on its seed alone, not on its batch): a batched calibration's populations are those of
``sampler: single``, bit for bit (tests/test_batch_sampler.py). Particles evaluated after a
generation's last acceptance (the rest of its last round) are counted as evaluations, as pyabc's
multicore sampler counts its workers' surplus, and dropped. Should a replay propose a particle
the round did not record (an acceptor drawing from the same generator would do that), the model
evaluates it alone: still correct, only not batched, and counted (``evaluated_alone``).

Round size: the particles whose replications fill ``batch_size`` x ``n_procs`` runs, fewer when
the generation needs fewer: the acceptances still missing over the acceptance rate seen so far in
the generation (every particle is accepted in pyabc's calibration sample from the prior).
What each generation's rounds were is kept (:attr:`BatchedSampler.generations`), logged, and
written by :func:`~qicsim.studies.calibration.smc.run_smc` to the progress line and the record.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from qicsim.lazy import needs_extra
from qicsim.studies.calibration.particles import ParticleModel, plain_values

with needs_extra("studies"):
    from jabbar import jabbar  # pyabc's own progress bar (a dependency of pyabc)
    from pyabc.sampler import Sampler

log = logging.getLogger("qicsim.calibration")


class Proposed(Exception):
    """Stops pyabc's closure at its model call while a round is recorded, carrying the proposed parameters.

    Args:
        parameters: The particle's parameters, as pyabc proposed them.
    """

    def __init__(self, parameters: Mapping[str, Any]) -> None:
        super().__init__("a proposal recorded by the batched sampler")
        self.parameters = dict(parameters)


def particle_identity(parameters: Mapping[str, Any]) -> tuple[tuple[str, float | int], ...]:
    """What the model sees of a particle (its plain values): particles equal in it get the same statistics."""
    return tuple(sorted(plain_values(parameters).items()))


class RoundModel:
    """The model pyabc calls under the batched sampler: records a round's proposals, then answers from its results.

    Outside a round (no recording, no results for the particle) it evaluates the particle alone,
    as :class:`ParticleModel` does.

    Args:
        model: The particle model.

    Attributes:
        model: The particle model.
        recording: While True, a call raises :class:`Proposed` instead of simulating.
        results: The current round's statistics by particle (:func:`particle_identity`).
        alone: Particles evaluated alone, outside a round's batch.
    """

    def __init__(self, model: ParticleModel) -> None:
        self.model = model
        self.recording = False
        self.results: dict[tuple[tuple[str, float | int], ...], dict[str, float]] = {}
        self.alone = 0

    def __call__(self, parameters: Mapping[str, Any]) -> dict[str, float]:
        """The particle's statistics (or, while recording, :class:`Proposed`)."""
        if self.recording:
            raise Proposed(parameters)
        found = self.results.get(particle_identity(parameters))
        if found is None:
            self.alone += 1
            return self.model(parameters)
        return dict(found)  # a copy: pyabc keeps what it gets

    def evaluate(self, particles: list[dict[str, Any]], batch_size: int, workers: int) -> None:
        """Evaluate a round's particles together and keep their statistics for the replay."""
        stats = self.model.many(particles, batch_size=batch_size, workers=workers)
        self.results = {particle_identity(p): s for p, s in zip(particles, stats, strict=True)}


@dataclass
class Generation:
    """What one call of the sampler did (a generation, or pyabc's calibration sample from the prior).

    Attributes:
        t: pyabc's generation index (-1: its calibration sample from the prior).
        rounds: Particles evaluated in each round (each round is one evaluator call).
        accepted: Particles accepted.
        replayed: Particles pyabc saw (the rest of the last round was evaluated and dropped).
        alone: Particles evaluated alone, outside a round's batch.
        replications_per_particle: Replications per particle.
    """

    t: int = 0
    rounds: list[int] = field(default_factory=list)
    accepted: int = 0
    replayed: int = 0
    alone: int = 0
    replications_per_particle: int = 1

    def summary(self) -> dict[str, Any]:
        """Plain data for the calibration's record."""
        return {"t": self.t, "rounds": len(self.rounds), "particles": sum(self.rounds),
                "largest_round": max(self.rounds, default=0),
                "mean_round": round(sum(self.rounds) / max(len(self.rounds), 1), 1),
                "replications_per_particle": self.replications_per_particle, "accepted": self.accepted,
                "dropped": sum(self.rounds) - self.replayed, "evaluated_alone": self.alone}

    def describe(self) -> str:
        """A few words for the progress line."""
        largest = max(self.rounds, default=0)
        return (f"{sum(self.rounds)} particles in {len(self.rounds)} batched rounds of up to {largest} "
                f"({largest * self.replications_per_particle} model runs)")


class BatchedSampler(Sampler):
    """Samples a generation in rounds: proposals recorded, evaluated in one evaluator call, replayed by pyabc.

    Args:
        model: The model pyabc was given (the same object: the sampler runs in this process).
        batch_size: Replications a batch runs at most.
        workers: Worker processes of the evaluator (1: this process).

    Attributes:
        generations: What each call did, in order (:class:`Generation`); the caller may clear it.
    """

    def __init__(self, model: RoundModel, batch_size: int, workers: int = 1) -> None:
        super().__init__()
        self.model = model
        self.batch_size = batch_size
        self.workers = workers
        self.generations: list[Generation] = []

    @property
    def round_capacity(self) -> int:
        """The most particles a round holds: those whose replications fill a batch on each worker."""
        return max(1, self.batch_size * self.workers // self.model.model.replications)

    def round_size(self, missing: int, evaluated: int, accepted: int, budget: float, all_accepted: bool) -> int:
        """Particles to propose next: enough for the acceptances missing at the rate seen, within the capacity.

        Args:
            missing: Acceptances the generation still needs.
            evaluated: Particles evaluated so far in the generation.
            accepted: Of which accepted.
            budget: Evaluations left (infinite: no cap).
            all_accepted: Whether every particle will be accepted.
        """
        rate = 1.0 if all_accepted or evaluated == 0 else accepted / evaluated
        wanted = math.ceil(missing / rate) if rate > 0 else self.round_capacity
        return int(max(1, min(wanted, self.round_capacity, budget)))

    def sample_until_n_accepted(self, n: int, simulate_one: Callable[[], Any], t: int, *, max_eval: float = np.inf,
                                all_accepted: bool = False, ana_vars: Any = None) -> Any:
        """Sample until ``n`` particles are accepted (pyabc's :class:`pyabc.sampler.Sampler` interface).

        Args:
            n: Particles to accept.
            simulate_one: pyabc's closure: propose, simulate, accept.
            t: The generation.
            max_eval: Evaluations allowed at most.
            all_accepted: Whether every particle will be accepted (pyabc's calibration sample).
            ana_vars: pyabc's analysis variables (not used).

        Returns:
            pyabc's sample: the particles replayed, in order.
        """
        del ana_vars  # the rounds need only the closure
        sample = self._create_empty_sample()
        record = Generation(t=t, replications_per_particle=self.model.model.replications)
        alone_before = self.model.alone
        evaluated = 0
        with jabbar(total=n, enable=self.show_progress, keep=False) as bar:
            while record.accepted < n and evaluated < max_eval:
                size = self.round_size(n - record.accepted, evaluated, record.accepted, max_eval - evaluated,
                                       all_accepted)
                state = np.random.get_state()
                proposals = self._record(simulate_one, size)
                self.model.evaluate(proposals, self.batch_size, self.workers)
                np.random.set_state(state)  # the replay draws the same proposals
                evaluated += size
                record.rounds.append(size)
                for _ in range(size):
                    particle = simulate_one()
                    sample.append(particle)
                    record.replayed += 1
                    if particle.accepted:
                        record.accepted += 1
                        bar.inc()
                        if record.accepted == n:
                            break
                self.model.results = {}
        record.alone = self.model.alone - alone_before
        self.generations.append(record)
        log.info("generation %d: %s", t, record.describe())
        if record.alone:
            log.warning("generation %d: %d particles evaluated alone (the replay proposed particles its round had "
                        "not recorded): correct, but not batched", t, record.alone)
        self.nr_evaluations_ = evaluated
        if sample.n_accepted < n:
            sample.ok = False
        return sample

    def _record(self, simulate_one: Callable[[], Any], size: int) -> list[dict[str, Any]]:
        """The next ``size`` proposals of the closure, nothing simulated."""
        proposals = []
        self.model.recording = True
        try:
            for _ in range(size):
                try:
                    simulate_one()
                except Proposed as proposed:
                    proposals.append(proposed.parameters)
                else:
                    raise RuntimeError("pyabc's closure returned without calling the model: the batched sampler "
                                       "needs a model pyabc calls (use sampler=single or multicore)")
        finally:
            self.model.recording = False
        return proposals
