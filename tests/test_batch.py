"""Replications in lockstep (qicsim.model.batch, issue 20): a replication's run is the same whatever its batch.

Each replication's draws are keyed by its seed, and the batched processes act on each row of their
arrays as the one-run code acted on its arrays, so a run must be the same bit for bit alone, in a
batch of 7, 64 or 256, with other replications of other parameters beside it, and on 1 or 2 workers.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import qicsim
from qicsim.model.batch import Batch
from qicsim.model.model import QICModel
from qicsim.run.evaluator import Replication, evaluate, run_batch
from qicsim.run.runner import model_kwargs

PEACH = model_kwargs(qicsim.scenario_config("peach"))
SIZES = (1, 7, 64, 256)
WEEKS = 12  # a learning event (week 0), three local meetings, ties renewed: every process has run; whole runs below


def state(model: QICModel) -> list[np.ndarray]:
    """Everything a run leaves that a table is made from: counts, the weekly series, staff and home state."""
    staff, homes = model.staff, model.home_state
    return [model.counts.values.copy(), model.series.values.copy(), staff.engagement.copy(), staff.skill.copy(),
            staff.qic_hours.copy(), staff.member.copy(), homes.problems.copy(), homes.uncovered.copy(),
            np.array([len(model.projects), model.week])]


def same(a: list[np.ndarray], b: list[np.ndarray]) -> bool:
    return len(a) == len(b) and all(x.shape == y.shape and np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def kept(model: QICModel, _: Replication) -> list[np.ndarray]:
    return state(model)


def test_a_replication_is_the_same_in_batches_of_1_7_64_and_256() -> None:
    runs = [Replication(seed, PEACH, i) for i, seed in enumerate(range(5000, 5256))]
    alone = [state(run_batch([run], weeks=WEEKS)[0]) for run in runs[::37]]  # 7 of them, each alone
    for size in SIZES[1:]:
        batched = list(evaluate(runs[:size], kept, weeks=WEEKS, batch_size=size))
        assert len(batched) == size
        for i, expected in zip(range(0, size, 37), alone, strict=False):
            assert same(batched[i], expected), (size, i)
    by_sevens = list(evaluate(runs, kept, weeks=WEEKS, batch_size=7))
    in_one = list(evaluate(runs, kept, weeks=WEEKS, batch_size=256))
    assert all(same(a, b) for a, b in zip(by_sevens, in_one, strict=True))


@pytest.mark.parametrize("settings", [{}, {"trap": "firefighting", "project_start": "meetings"},
                                      {"time_model": "by_role"}],
                         ids=["peach", "firefighting-meetings", "by-role"])
def test_whole_runs_in_a_batch_match_runs_alone_and_stay_linked(settings: dict[str, Any]) -> None:
    kwargs = {**PEACH, **settings}
    seeds = list(range(11, 16))
    alone = [state(QICModel(seed=seed, **kwargs).run()) for seed in seeds]
    models = [QICModel(seed=seed, **kwargs) for seed in seeds]
    batch = Batch(models)
    assert len(set(batch.valid.sum(axis=1).tolist())) > 1 or len(seeds) == 1  # ragged: homes with and without nurses
    while models[0].week < models[0].total_weeks:
        batch.step()
        batch.check_linked()  # every replication's columns still view the batch's rows
    assert all(same(state(model), expected) for model, expected in zip(models, alone, strict=True))


def test_replications_with_other_parameters_share_a_batch_without_touching_each_other() -> None:
    changed = [{**PEACH, "protected_hours": hours, "problem_weeks": weeks}
               for hours, weeks in ((2.0, 4.0), (6.0, 4.0), (4.0, 1.0))]
    runs = [Replication(21 + i, kwargs, i) for i, kwargs in enumerate(changed)]
    together = run_batch(runs, weeks=WEEKS)
    for run, model in zip(runs, together, strict=True):
        assert same(state(model), state(run_batch([run], weeks=WEEKS)[0]))
    assert not same(state(together[0]), state(together[1]))  # the parameters did change the runs


def test_one_and_two_workers_give_the_same_results() -> None:
    runs = [Replication(seed, PEACH, i) for i, seed in enumerate(range(40, 50))]
    one = list(evaluate(runs, kept, weeks=WEEKS, workers=1, batch_size=4))
    two = list(evaluate(runs, kept, weeks=WEEKS, workers=2, batch_size=4))
    assert all(same(a, b) for a, b in zip(one, two, strict=True))


def test_consecutive_replications_of_another_structure_get_a_batch_of_their_own() -> None:
    runs = [Replication(1, PEACH, 0), Replication(2, PEACH, 1), Replication(3, {**PEACH, "trap": "firefighting"}, 2),
            Replication(4, PEACH, 3)]
    models = run_batch(runs, weeks=3)
    assert [m.batch.size for m in models] == [2, 2, 1, 1]
    assert models[0].batch is models[1].batch and models[3].batch is not models[0].batch


def test_a_batch_refuses_mixed_structures_and_a_model_in_it_refuses_to_step_alone() -> None:
    with pytest.raises(ValueError, match="one structure"):
        Batch([QICModel(seed=1, **PEACH), QICModel(seed=2, **{**PEACH, "trap": "firefighting"})])
    models = [QICModel(seed=1, **PEACH), QICModel(seed=2, **PEACH)]
    Batch(models)
    with pytest.raises(RuntimeError, match="batch of 2: step the batch"):
        models[0].step()
    with pytest.raises(ValueError, match="one batch for its life"):
        Batch(models[:1])
    with pytest.raises(ValueError, match="batch_size must be at least 1"):
        evaluate([], kept, batch_size=0)
