"""Which of the team's first care home members still hold their posts when support ends.

The run's tables count leavers per home but not whose post turned over (a post can change hands
twice), so this quantity is read off the model: the replication is run again from its seed, with
the same settings the runner gave it, up to the end of support. A run is fixed by its seed and
settings, so this is the same trajectory as the replication in the tables
(``tests/test_validation.py`` checks that the leavers agree).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from qicsim.config.ensemble import drawn_kwargs, maybe_load
from qicsim.config.schema import Config
from qicsim.model import QICModel
from qicsim.run.runner import model_kwargs


def replication_kwargs(config: Config, seed: int) -> dict[str, Any]:
    """The model's keyword arguments for the replication with this seed.

    The config's own settings, updated with the parameter set that replication draws from the
    ensemble when ``run.ensemble`` names one (``qicsim.config.ensemble.draw``, the ensemble contract).
    """
    return drawn_kwargs(model_kwargs(config), maybe_load(config.run.ensemble), seed)[0]


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
    model = QICModel(seed=seed, **replication_kwargs(config, seed))
    table = model.staff
    first = np.flatnonzero(table.member & table.is_care)
    if not len(first):
        return float("nan")
    holders = table.holder[first].copy()
    for _ in range(model.support_weeks):
        model.step()
    return float(np.mean(table.holder[first] == holders))
