"""The one way to run replications: every path in qicsim that runs the model comes through here.

A :class:`Replication` is a seed and the model's keyword arguments (with its ensemble draw
applied). :func:`evaluate` runs each one and hands its model to a hook that keeps what the
caller wants (a row, tables, arrays): plain data, so that the replications can run in this
process or in a pool of worker processes (joblib's reusable loky pool) with the same results
in the same order. Seeds come from the caller (``replication_seed`` or ``point_seed`` of
:mod:`qicsim.run.runner`, each derived from one master seed); draws come from
:func:`qicsim.config.ensemble.drawn_kwargs`, keyed by the seed.

Replications run in batches (:class:`qicsim.model.batch.Batch`): up to ``batch_size`` of them
advance in lockstep, a week at a time, so that each batched process serves them all with one
NumPy call. A replication's draws are keyed by its seed alone, so what a hook keeps of it is the
same bit for bit whatever the batch size, the worker count or the launcher (tests/test_batch.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import islice
from typing import Any, TypeVar

from qicsim.config.ensemble import NO_DRAW, Ensemble, drawn_kwargs
from qicsim.model import QICModel
from qicsim.model.batch import Batch

T = TypeVar("T")
R = TypeVar("R")

BATCH_SIZE = 16
"""Replications a batch advances in lockstep by default: the fastest of 1, 16, 64 and 256 per replication
with two processes batched (benchmarks/results/batch.md: 45.6 ms against 53.2, 54.7 and 62.5; past 16 the
processes still run one replication at a time lose more to the cache than the batched ones gain)."""


@dataclass(frozen=True)
class Replication:
    """One run of the model to make.

    Attributes:
        seed: The model's seed.
        kwargs: The model's keyword arguments (:func:`qicsim.run.runner.model_kwargs`, draw applied).
        index: The replication's index, 0-based (the tables' ``replication`` column).
        draw: The ensemble row its parameters came from (``NO_DRAW`` without an ensemble).
    """

    seed: int
    kwargs: Mapping[str, Any]
    index: int = 0
    draw: int = NO_DRAW


Hook = Callable[[QICModel, Replication], Any]
"""What a caller keeps of a replication: its model (finished, or as it stands in a week) and the replication in,
plain data out."""


def replications(kwargs: dict[str, Any], seeds: Iterable[int],
                 ensemble: Ensemble | None = None) -> Iterator[Replication]:
    """One replication per seed, in order, each with its parameters drawn from the ensemble if there is one.

    Lazy, so that a long streamed run does not hold every replication's drawn parameters at once.

    Args:
        kwargs: The model's keyword arguments (not changed; shared by the replications without a draw).
        seeds: The replications' seeds.
        ensemble: The ensemble each replication draws a parameter set from, by its seed; or None.

    Yields:
        The replications, indexed 0, 1, ...
    """
    for index, seed in enumerate(seeds):
        drawn, row = drawn_kwargs(kwargs, ensemble, seed)
        yield Replication(seed, drawn, index, row)


def run_model(replication: Replication, *, weeks: int | None = None,
              each_week: Callable[[QICModel], Any] | None = None) -> QICModel:
    """Build one replication's model and run it alone (a batch of one; :func:`run_batch` runs many).

    A hook that needs more than one linked run of a seed (a mediation analysis holds a state at
    another run's trajectory) calls this, in its worker, for the others.

    Args:
        replication: What to run.
        weeks: Run only this many weeks (None: all of them).
        each_week: Called with the model at the start of every week run and once after the last.

    Returns:
        The model, run.
    """
    model = QICModel(seed=replication.seed, **replication.kwargs)
    if weeks is None and each_week is None:
        return model.run()  # Mesa's own loop, as the model's docs show; stepping gives the same run
    for _ in range(model.total_weeks if weeks is None else min(weeks, model.total_weeks)):
        if each_week is not None:
            each_week(model)
        model.step()
    if each_week is not None:
        each_week(model)
    return model


def run_batch(replications: Sequence[Replication], *, weeks: int | None = None,
              each_week: Callable[[QICModel, int], Any] | None = None) -> list[QICModel]:
    """Build replications' models and run them in lockstep: consecutive ones of one structure share a batch.

    Args:
        replications: What to run.
        weeks: Run only this many weeks (None: all of them).
        each_week: Called with each model and its position in ``replications`` at the start of
            every week run and once after the last.

    Returns:
        The models, run, in the replications' order.
    """
    models = [QICModel(seed=replication.seed, **replication.kwargs) for replication in replications]
    start = 0
    while start < len(models):
        stop = start + 1
        while stop < len(models) and models[stop].structure == models[start].structure:
            stop += 1
        batch = Batch(models[start:stop])
        total = models[start].total_weeks
        for _ in range(total if weeks is None else min(weeks, total)):
            if each_week is not None:
                for position in range(start, stop):
                    each_week(models[position], position)
            batch.step()
        if each_week is not None:
            for position in range(start, stop):
                each_week(models[position], position)
        start = stop
    return models


def evaluate(replications: Iterable[Replication], keep: Hook | None = None, *, each_week: Hook | None = None,
             weeks: int | None = None, workers: int = 1, batch_size: int = BATCH_SIZE) -> Iterator[Any]:
    """Run replications and give back what a hook keeps of each, in the replications' order.

    Give one hook: ``keep`` (the finished model) or ``each_week`` (the model week by week; a
    replication then gives the list of what it returned). A hook must return plain data, never
    the model, when ``workers`` is above 1 (worker processes send back what it returns).

    Args:
        replications: What to run (:func:`replications`, or built by the caller).
        keep: The per-replication hook.
        each_week: The per-week hook.
        weeks: Run only this many weeks of each replication (None: all of them).
        workers: Processes; 1 runs the replications here, a batch at a time, as they are asked for.
        batch_size: Replications run in lockstep at most (fewer with more workers than batches would
            keep busy); the results do not depend on it.

    Returns:
        One result per replication, lazily in this process.

    Raises:
        ValueError: Unless exactly one hook is given, or for a batch size below 1.
    """
    if (keep is None) == (each_week is None):
        raise ValueError("give one hook: keep (the finished model) or each_week (the model week by week)")
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    if workers > 1:
        replications = list(replications)
        batch_size = max(1, min(batch_size, -(-len(replications) // workers)))
    task = partial(_evaluate_batch, keep=keep, each_week=each_week, weeks=weeks)
    return (result for results in pool_map(task, _chunks(replications, batch_size), workers) for result in results)


def _chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Consecutive lists of ``size`` items (the last may be shorter), lazily."""
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _evaluate_batch(replications: list[Replication], keep: Hook | None, each_week: Hook | None,
                    weeks: int | None) -> list[Any]:
    if each_week is None:
        models = run_batch(replications, weeks=weeks)
        return [keep(model, replication) for model, replication in zip(models, replications, strict=True)]
    seen: list[list[Any]] = [[] for _ in replications]
    run_batch(replications, weeks=weeks,
              each_week=lambda model, i: seen[i].append(each_week(model, replications[i])))
    return seen


def pool_map(task: Callable[[T], R], items: Iterable[T], workers: int = 1) -> Iterator[R]:
    """Apply a task to each item, in this process or in ``workers`` processes (same results, same order).

    Worker processes come from joblib's reusable pool (loky), so repeated calls do not pay for
    starting and importing again. Each worker follows this process (:mod:`qicsim.run.workers`):
    it dies within a second of this process's death and ignores Ctrl-C, which this process handles.

    Args:
        task: A picklable function of one item.
        items: The items.
        workers: Processes; 1 (or a single item) runs here, lazily.

    Returns:
        The task's results, in the items' order.
    """
    if workers <= 1:
        return map(task, items)
    items = list(items)
    if len(items) <= 1:
        return map(task, items)
    from joblib import delayed  # only a pool needs it

    from qicsim.run.workers import Following, parallel  # each worker dies with this process, leaves Ctrl-C to it

    following = Following(task)
    return parallel(workers, batch_size="auto", return_as="generator")(delayed(following)(item) for item in items)
