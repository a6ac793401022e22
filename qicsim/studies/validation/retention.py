"""Which of the team's first care home members still hold their posts when support ends.

The run's tables count leavers per home but not whose post turned over (a post can change hands
twice), so this quantity is read off the model: the replication is run again from its seed, with
the same settings the runner gave it (its ensemble draw included), up to the end of support. A
run is fixed by its seed and settings, so this is the same trajectory as the replication in the
tables (``tests/test_validation.py`` checks that the leavers agree).
"""

from __future__ import annotations

import numpy as np

from qicsim.config.ensemble import maybe_load
from qicsim.config.schema import Config
from qicsim.model import QICModel
from qicsim.run.evaluator import Replication, evaluate, replications
from qicsim.run.runner import model_kwargs


def care_posts_and_holders(model: QICModel, replication: Replication) -> tuple[np.ndarray, np.ndarray] | None:
    """At the start and at the end of support: which posts hold care home members, and each post's holder number.

    The evaluator's per-week hook; in the weeks between it keeps nothing.
    """
    if model.week not in (0, model.support_weeks):
        return None
    table = model.staff
    return table.member & table.is_care, table.holder.copy()


def original_members_in_post(config: Config, seed: int) -> float:
    """Share of care home staff in the team at week 0 who still hold their post at the end of support.

    A post keeps its holder number (``StaffTable.holder``) until its holder leaves; after
    ``collaborative_weeks`` weekly steps the share of first members whose posts still carry
    their holder numbers is the share still in post.

    Args:
        config: A validated config.
        seed: The replication's seed.

    Returns:
        The share, or NaN if the team had no care home members at the start.
    """
    runs = replications(model_kwargs(config), [seed], maybe_load(config.run.ensemble))
    weeks = next(evaluate(runs, each_week=care_posts_and_holders, weeks=config.structure.collaborative_weeks))
    (members, holders), (_, holders_then) = weeks[0], weeks[-1]
    first = np.flatnonzero(members)
    if not len(first):
        return float("nan")
    return float(np.mean(holders_then[first] == holders[first]))
