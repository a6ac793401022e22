"""Ensemble draws as a condition of a design: every point run under each of K parameter sets.

``sweep.ensemble=<name or CSV>`` with ``sweep.ensemble_draws=K`` draws K parameter sets from an
ensemble (issue 12's ensemble input, docs/analysis.md) and crosses them with the design: point
``k * P + p`` is design point ``p`` under set ``k``. Set k is the ensemble row drawn, weighted,
with the generator ``qicsim.config.ensemble.draw`` uses, seeded from ``derived_seed(master_seed,
*ENSEMBLE_KEY, k)``, so the same master seed draws the same sets on every node. Draws are with
replacement (a weighted ensemble then gives an equally weighted sample of sets), so two sets can
be the same row: ``ensemble_set`` (k) identifies the condition, ``ensemble_draw`` the row.

The ensemble is read by :func:`qicsim.config.ensemble.load_ensemble` (the same files and checks as
``run.ensemble``) and each set drawn by :func:`qicsim.config.ensemble.draw`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from qicsim.config.ensemble import draw, load_ensemble
from qicsim.errors import ConfigError
from qicsim.run.runner import derived_seed

SET_COLUMN = "ensemble_set"
"""Design column: the index k of the parameter set (the condition), 0 ... K-1."""
DRAW_COLUMN = "ensemble_draw"
"""Design column: the ensemble row the set is (the contract's name for it)."""
ENSEMBLE_KEY = (2**31 - 1, 1)
"""Spawn-key prefix of the draws' seeds: three-part keys, unlike point (2) and replication (1) seeds."""
SETTING = "sweep.ensemble"


@dataclass(frozen=True)
class EnsembleDraws:
    """The K parameter sets a design is crossed with.

    Attributes:
        source: The ensemble's name or path, as given.
        sha256: SHA-256 of the ensemble file.
        table: One row per set k: ``ensemble_set``, ``ensemble_draw`` and one column per parameter.
    """

    source: str
    sha256: str
    table: pd.DataFrame

    @property
    def parameters(self) -> tuple[str, ...]:
        """The parameters the ensemble sets."""
        return tuple(c for c in self.table.columns if c not in (SET_COLUMN, DRAW_COLUMN))

    def without(self, names: set[str]) -> EnsembleDraws:
        """The sets without these parameters (a design factor of the same name wins over the ensemble)."""
        return replace(self, table=self.table.drop(columns=[n for n in self.parameters if n in names]))

    def manifest(self) -> dict[str, object]:
        """design.json's ``ensemble_sets`` entry."""
        return {"source": self.source, "sha256": self.sha256, "draws": len(self.table),
                "parameters": list(self.parameters), "rows": self.table[DRAW_COLUMN].tolist()}


def draw_seed(master_seed: int, k: int) -> int:
    """The seed of set k's draw."""
    return derived_seed(master_seed, *ENSEMBLE_KEY, k)


def draw_sets(source: str, k: int, master_seed: int) -> EnsembleDraws:
    """Draw K parameter sets from an ensemble.

    Args:
        source: A shipped ensemble's name or a CSV path (as ``run.ensemble`` takes).
        k: How many sets.
        master_seed: The sweep's master seed.

    Returns:
        The sets.

    Raises:
        ConfigError: (naming ``sweep.ensemble``) for an ensemble that cannot be used.
    """
    try:
        ensemble = load_ensemble(source)
    except ConfigError as error:  # the same rules as run.ensemble, named for this setting
        raise ConfigError(SETTING, error.problem, error.allowed) from error
    rows, sets = [], []
    for i in range(k):
        row, values = draw(ensemble, draw_seed(master_seed, i))
        rows.append(row)
        sets.append(values)
    table = pd.DataFrame(sets, columns=list(ensemble.parameters.columns))
    table.insert(0, DRAW_COLUMN, rows)
    table.insert(0, SET_COLUMN, np.arange(k))
    return EnsembleDraws(source, ensemble.sha256, table)
