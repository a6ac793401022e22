"""Worse before better under the capability trap's full loop, over seeds (docs/ODD.md 7.10).

PEACH with ``structure.trap = "full_loop"``, run with its QI work and without any (no QIC time:
no protected time, no learning events, no slack given, no own time; so no meeting attended and
no project), 24 seeds shared between the two (common random numbers). Improvement work leaves
more of the homes' care uncovered in the first 26 weeks (QI hours taken from care) and fewer
problems open after support (weeks 79-130: improvements in place): each paired difference at
least 3 standard errors, in the expected direction. Under firefighting QI hours take nothing
from care: the same comparison shows no early rise in uncovered care (within 3 SE), so the
first check fails if the mechanism is deleted.
"""

from __future__ import annotations

import functools

import numpy as np

from qicsim.model import QICModel
from qicsim.run.evaluator import Replication, evaluate
from qicsim.studies.mechanism_checks.runs import condition_kwargs, seeds
from qicsim.studies.paired import Effect, paired_effect

SEEDS = 24
NO_QI_WORK = ("contexts.protected_time.intensity=0", "contexts.protected_time.schedule=[]",
              "contexts.learning_events.intensity=0", "contexts.learning_events.schedule=[]",
              "parameters.slack_use=0", "parameters.own_time_hours=0")
EARLY = slice(1, 27)  # the hook sees week w's start, i.e. week w - 1's end: weeks 0-25
LATER = slice(80, 131)  # weeks 79-129: after support


def week_state(model: QICModel, replication: Replication) -> tuple[float, float]:
    """Mean uncovered share of the homes' care and their open problems, as the week starts."""
    homes = model.home_state
    return float(homes.uncovered.mean()), float(homes.problems.sum())


@functools.cache
def with_and_without_qi_work(trap: str) -> tuple[Effect, Effect]:
    """Paired effects of QI work on early uncovered care and on later open problems."""
    structure = (f"structure.trap={trap}",)
    runs = [Replication(seed, condition_kwargs(overrides), i) for i, seed in enumerate(seeds(19, SEEDS))
            for overrides in (structure, (*structure, *NO_QI_WORK))]
    weekly = np.array(list(evaluate(runs, each_week=week_state))).reshape(SEEDS, 2, -1, 2)
    early = weekly[:, :, EARLY, 0].mean(axis=2)
    later = weekly[:, :, LATER, 1].mean(axis=2)
    return (paired_effect(early[:, 1], early[:, 0]), paired_effect(later[:, 1], later[:, 0]))  # without -> with


def test_qi_work_costs_care_now_and_prevents_problems_later_under_the_full_loop() -> None:
    uncovered, problems = with_and_without_qi_work("full_loop")
    assert uncovered.diff > 0 and uncovered.z >= 3.0, uncovered
    assert problems.diff < 0 and problems.z <= -3.0, problems


def test_under_firefighting_qi_work_costs_no_care() -> None:
    uncovered, _ = with_and_without_qi_work("firefighting")
    assert abs(uncovered.z) < 3.0, uncovered
