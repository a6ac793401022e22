"""The batched calibration sampler (issue 20, item 3): particles of a generation evaluated together.

A particle's statistics do not depend on the particles it is evaluated with; the sampler hands pyabc the
particles one process would sample, even when its replay strays from its record; a batched
calibration gives the populations of ``sampler: single`` bit for bit, writes its history, report
and ensemble, and records how many particles each evaluator call served; the other samplers are
still built as before; bad settings give one line.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyabc
import pytest
import yaml
from test_calibration import SMALL, tiny_settings

from qicsim.errors import ConfigError
from qicsim.studies.calibration.batch_sampler import BatchedSampler, Proposed, RoundModel
from qicsim.studies.calibration.settings import load_settings, settings_path
from qicsim.studies.calibration.smc import model_of, priors_of, sampler_of

TWO = {"care_workload_share": 0.85, "slack_use": 0.6}


def test_particles_together_get_what_each_gets_alone(tmp_path: Path) -> None:
    model = model_of(tiny_settings(tmp_path, replications=2))
    np.random.seed(4)
    particles = [dict(priors_of(tiny_settings(tmp_path)).rvs()) for _ in range(3)]
    particles.append(dict(particles[0]))  # the same particle twice in a round
    alone = [model(p) for p in particles]
    for batch_size in (64, 3, 1):  # one batch, batches that split particles, a batch per run
        together = model.many(particles, batch_size=batch_size)
        np.testing.assert_equal(together, alone)  # exact, NaN equal to NaN
    # Guard: the particles differ, so a mix-up of particles or replications would show.
    assert alone[0] != alone[1] and alone[1] != alone[2]


def test_round_model_records_then_answers_from_the_round(tmp_path: Path) -> None:
    model = model_of(tiny_settings(tmp_path, replications=1))
    rounds = RoundModel(model)
    rounds.recording = True
    with pytest.raises(Proposed) as caught:
        rounds(TWO)
    assert caught.value.parameters == TWO
    rounds.recording = False
    rounds.evaluate([TWO], batch_size=64, workers=1)
    assert rounds(dict(reversed(TWO.items()))) == model(TWO) and rounds.alone == 0  # from the round
    other = {**TWO, "slack_use": 0.5}
    assert rounds(other) == model(other) and rounds.alone == 1  # not in the round: evaluated alone


@pytest.mark.parametrize(("missing", "evaluated", "accepted", "budget", "all_accepted", "size"), [
    (8, 0, 0, np.inf, False, 8),  # no rate seen yet: as many as missing
    (200, 0, 0, np.inf, True, 21),  # capped at the capacity: 64 runs / 3 replications
    (4, 20, 5, np.inf, False, 16),  # 4 missing at a rate of 1/4
    (4, 20, 0, np.inf, False, 21),  # nothing accepted yet: a full round
    (4, 20, 5, 3, False, 3),  # the evaluation budget
])
def test_round_size(tmp_path: Path, missing: int, evaluated: int, accepted: int, budget: float,
                    all_accepted: bool, size: int) -> None:
    sampler = BatchedSampler(RoundModel(model_of(tiny_settings(tmp_path, replications=3))), batch_size=64)
    assert sampler.round_size(missing, evaluated, accepted, budget, all_accepted) == size


class Doubling:
    """A stand-in particle model: one statistic, twice ``slack_use``; counts what it is asked."""

    replications = 3

    def __init__(self) -> None:
        self.rounds: list[int] = []

    def __call__(self, parameters: dict) -> dict[str, float]:
        return {"x": 2 * parameters["slack_use"]}

    def many(self, particles: list[dict], batch_size: int, workers: int) -> list[dict[str, float]]:
        self.rounds.append(len(particles))
        return [self(p) for p in particles]


def closure(model, stochastic: bool):
    """pyabc's ``simulate_one`` in miniature: a proposal from NumPy's global generator, the model, acceptance."""

    def simulate_one() -> pyabc.Particle:
        parameter = pyabc.Parameter(slack_use=float(np.random.uniform()))
        x = model(parameter)["x"]
        accepted = x < 0.6 and (not stochastic or np.random.uniform() < 0.7)  # a stochastic acceptor draws too
        return pyabc.Particle(m=0, parameter=parameter, weight=1.0 if accepted else 0.0, sum_stat={"x": x},
                              distance=x, accepted=accepted, proposal_id=0, preliminary=False)

    return simulate_one


@pytest.mark.parametrize("stochastic", [False, True])
def test_the_sampler_replays_what_one_process_would_sample(stochastic: bool) -> None:
    np.random.seed(11)
    one = pyabc.sampler.SingleCoreSampler()
    single = one.sample_until_n_accepted(10, closure(Doubling(), stochastic), 0)
    doubling = Doubling()
    rounds = RoundModel(doubling)
    sampler = BatchedSampler(rounds, batch_size=30)  # 10 particles a round at most
    np.random.seed(11)
    batched = sampler.sample_until_n_accepted(10, closure(rounds, stochastic), 0)
    assert [p.parameter["slack_use"] for p in batched.all_particles] == \
        [p.parameter["slack_use"] for p in single.all_particles]  # record_rejected is off: the accepted ones
    assert batched.n_accepted == 10 and batched.ok
    (generation,) = sampler.generations
    assert generation.rounds == doubling.rounds and max(generation.rounds) == 10
    assert generation.replayed == one.nr_evaluations_  # pyabc saw the particles one process would have seen
    assert sampler.nr_evaluations_ == sum(generation.rounds) >= generation.replayed
    if stochastic:  # the replay drew more than the record: proposals it had not recorded were evaluated alone
        assert 0 < generation.alone == rounds.alone
    else:
        assert generation.alone == 0


def test_samplers_are_built_for_each_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    base = tiny_settings(tmp_path)
    model, sampler = sampler_of(base)
    assert isinstance(sampler, pyabc.sampler.SingleCoreSampler) and type(model).__name__ == "ParticleModel"
    model, sampler = sampler_of(dataclasses.replace(base, sampler="multicore", n_procs=1))
    assert isinstance(sampler, pyabc.sampler.MulticoreEvalParallelSampler) and sampler.n_procs == 1
    model, sampler = sampler_of(dataclasses.replace(base, sampler="batched", batch_size=10, n_procs=1))
    assert isinstance(sampler, BatchedSampler) and sampler.batch_size == 10 and sampler.model is model.sample_function
    assert model.name == "ParticleModel"  # pyabc's history names the model as under the other samplers
    import distributed  # a Dask client without a cluster: the sampler is built on whatever client is given

    class FakeClient:
        def __init__(self, address: str) -> None:
            self.address = address

    monkeypatch.setattr(distributed, "Client", FakeClient)
    model, sampler = sampler_of(dataclasses.replace(base, sampler="dask", dask_scheduler="tcp://x:8786"))
    assert isinstance(sampler, pyabc.sampler.DaskDistributedSampler) and sampler.client.address == "tcp://x:8786"


@pytest.mark.parametrize(("override", "message"), [
    ("sampler=mpi", r"^calibration\.sampler: 'mpi' is not a sampler; allowed: one of multicore, single, batched, "
                    r"dask$"),
    ("batch_size=0", r"^calibration\.batch_size: 0 is too small; allowed: a whole number >= 1$"),
    ("batch_size=many", r"^calibration\.batch_size: "),
])
def test_bad_batch_settings_give_one_line(override: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        load_settings("peach", [override])
    assert "\n" not in str(caught.value)


def test_batch_size_does_not_change_the_fingerprint() -> None:
    from qicsim.studies.calibration.smc import fingerprint

    base = load_settings("peach")
    assert fingerprint(base) == fingerprint(dataclasses.replace(base, sampler="batched", batch_size=8))


@pytest.mark.slow
def test_batched_calibration_is_the_single_one_and_writes_its_report(tmp_path: Path) -> None:
    """End to end through the command's function: history, report and ensemble; populations as sampler=single."""
    from qicsim.apps.cli.calibrate import calibrate
    from qicsim.studies.calibration.report import load_posterior
    from qicsim.studies.calibration.smc import read_record

    settings = yaml.safe_load(settings_path("peach").read_text())
    settings.update(population=8, replications=2, generations=2, epsilon_floor=0.0, n_procs=1, overrides=SMALL,
                    ship_as=None, predictive_particles=4, predictive_replications=1)
    histories = {}
    for sampler in ("batched", "single"):
        path = tmp_path / f"{sampler}.yaml"
        path.write_text(yaml.safe_dump({**settings, "name": sampler, "sampler": sampler}))
        folder = calibrate(str(path), [], tmp_path / "results", quiet=True)
        for name in ("history.db", "calibration.json", "report.md", "ensemble.csv", "ensemble.json"):
            assert (folder / name).is_file(), (sampler, name)
        histories[sampler] = load_posterior(folder)
        assert "the sampling is reproducible, bit for bit" in (folder / "report.md").read_text()
    (batched_history, batched), (single_history, single) = histories["batched"], histories["single"]
    pd.testing.assert_frame_equal(batched.parameters, single.parameters, check_exact=True)
    np.testing.assert_array_equal(batched.weights, single.weights)
    for t in range(2):  # every generation's distances and statistics, not only the last's parameters
        pd.testing.assert_frame_equal(batched_history.get_weighted_distances(t),
                                      single_history.get_weighted_distances(t), check_exact=True)
        np.testing.assert_equal(batched_history.get_weighted_sum_stats(t)[1],
                                single_history.get_weighted_sum_stats(t)[1])

    record = read_record(tmp_path / "results" / "batched")
    batches = record["sessions"][0]["batches"]
    assert [b["t"] for b in batches] == [-1, 0, 1]  # pyabc's calibration sample from the prior, two generations
    assert all(b["accepted"] == 8 and b["evaluated_alone"] == 0 for b in batches)
    assert max(b["largest_round"] for b in batches) > 1  # particles did share evaluator calls
    # pyabc counts every particle evaluated: those of the rounds, the dropped rest of the last one too.
    samples = batched_history.get_all_populations()["samples"].sum()
    assert samples == sum(b["particles"] for b in batches)
    assert all(b["particles"] - b["dropped"] >= b["accepted"] for b in batches)
    assert "batched" in json.dumps(record["settings"]) and record["settings"]["batch_size"] == 64
