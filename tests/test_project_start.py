"""structure.project_start on PEACH: each rival structure moves the share of homes that start work.

The outcome is ``homes_starting_by_week_26`` (the share of homes that started a project of their
own in the first 26 weeks), so the runs stop there: PEACH as ``configs/scenario/peach.yaml``
builds it, 26 weeks of support, the first learning event only, over ``SEEDS`` replication seeds
shared by every condition (common random numbers). Each claim is a paired difference of at least
3 standard errors (``qicsim.studies.paired``); measured on this branch the differences were 6.6-24
standard errors, so the tests fail only if a route stops working:

- ``events_and_managers`` (plans at events, managers' topics) raises the share over ``meetings``;
- ``facilitation`` at 1 facilitator hour a home a week (29 h for PEACH's 29 homes) raises it further;
- the same 29 hours spread over twice as many homes lower it (dilution).
"""

from __future__ import annotations

import functools

import numpy as np

import qicsim
from qicsim.model import QICModel
from qicsim.model.outcomes import homes_starting_share, outcome_rows
from qicsim.run.runner import model_kwargs, replication_seed
from qicsim.studies.paired import Effect, paired_effect

SEEDS = 20
MASTER_SEED = 2021
FIRST_WEEKS = {"collaborative_weeks": 26, "follow_up_weeks": 0, "learning_event_weeks": [0]}
CAPACITY = {"project_start": "facilitation", "facilitation_hours_per_week": 29.0}
MIN_Z = 3.0


def shares(**settings: object) -> tuple[float, ...]:
    """The outcome of each replication of PEACH's first 26 weeks with ``settings`` (each condition run once)."""
    return _shares(tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in settings.items())))


@functools.cache
def _shares(settings: tuple[tuple[str, object], ...]) -> tuple[float, ...]:
    values = {k: list(v) if isinstance(v, tuple) else v for k, v in settings}
    kwargs = model_kwargs(qicsim.scenario_config("peach")) | FIRST_WEEKS | values
    return tuple(homes_starting_share(QICModel(seed=replication_seed(MASTER_SEED, i), **kwargs).run())
                 for i in range(SEEDS))


def effect(baseline: dict, changed: dict) -> Effect:
    return paired_effect(np.array(shares(**baseline)), np.array(shares(**changed)))


def test_plans_at_events_and_managers_topics_start_work_in_more_homes() -> None:
    found = effect({"project_start": "meetings"}, {"project_start": "events_and_managers"})
    assert found.z >= MIN_Z, found


def test_facilitation_in_the_home_starts_work_in_more_homes_still() -> None:
    found = effect({"project_start": "events_and_managers"}, CAPACITY)
    assert found.z >= MIN_Z, found


def test_the_same_facilitators_over_more_homes_start_work_in_fewer() -> None:
    found = effect(CAPACITY, CAPACITY | {"homes_per_site": [14, 14, 14, 16]})
    assert found.z <= -MIN_Z, found


def test_the_outcome_is_a_share_of_homes_and_a_run_is_reproducible_from_its_seed() -> None:
    assert all(0.0 <= share <= 1.0 for share in shares(**CAPACITY))
    kwargs = model_kwargs(qicsim.scenario_config("peach")) | FIRST_WEEKS | CAPACITY
    first, again = (QICModel(seed=7, **kwargs).run() for _ in range(2))
    assert repr(outcome_rows(first)) == repr(outcome_rows(again))
    assert first.counts.values.tobytes() == again.counts.values.tobytes()


def test_without_facilitator_hours_facilitation_is_events_and_managers_exactly() -> None:
    """PEACH had no facilitators in homes: under facilitation it runs as under events_and_managers, draw for draw."""
    kwargs = model_kwargs(qicsim.scenario_config("peach")) | FIRST_WEEKS
    assert kwargs["facilitation_hours_per_week"] == 0.0
    runs = [QICModel(seed=7, **(kwargs | {"project_start": start})).run()
            for start in ("events_and_managers", "facilitation")]
    assert repr(outcome_rows(runs[0])) == repr(outcome_rows(runs[1]))
    assert runs[0].counts.values.tobytes() == runs[1].counts.values.tobytes()

