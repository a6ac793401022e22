"""Ensemble draws as a condition of a design: every point run under each of K parameter sets.

``sweep.ensemble=<name or CSV>`` with ``sweep.ensemble_draws=K`` draws K parameter sets from an
ensemble (issue 12's ensemble input, docs/analysis.md) and crosses them with the design: point
``k * P + p`` is design point ``p`` under set ``k``. Set k is the ensemble row drawn, weighted,
with the generator ``qicsim.ensemble.draw`` uses, seeded from ``derived_seed(master_seed,
*ENSEMBLE_KEY, k)``, so the same master seed draws the same sets on every node. Draws are with
replacement (a weighted ensemble then gives an equally weighted sample of sets), so two sets can
be the same row: ``ensemble_set`` (k) identifies the condition, ``ensemble_draw`` the row.

The ensemble is read by ``qicsim.ensemble.load_ensemble`` when that module is installed (the
calibration branch). Without it, a CSV path is read here with the same rules (a ``weight``
column, one column per parameter, every value in the parameter's allowed range), so that a
synthetic ensemble can be crossed with a design before the calibrated one lands.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from qicsim.config.sweep import PARAMETER_FIELDS
from qicsim.errors import ConfigError
from qicsim.runner import derived_seed

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
        """design.json's ``ensemble`` entry."""
        return {"source": self.source, "sha256": self.sha256, "draws": len(self.table),
                "parameters": list(self.parameters), "rows": self.table[DRAW_COLUMN].tolist()}


def draw_seed(master_seed: int, k: int) -> int:
    """The seed of set k's draw."""
    return derived_seed(master_seed, *ENSEMBLE_KEY, k)


def draw_sets(source: str, k: int, master_seed: int) -> EnsembleDraws:
    """Draw K parameter sets from an ensemble.

    Args:
        source: A shipped ensemble's name or a CSV path.
        k: How many sets.
        master_seed: The sweep's master seed.

    Returns:
        The sets.

    Raises:
        ConfigError: (naming ``sweep.ensemble``) for an ensemble that cannot be used.
    """
    try:
        from qicsim.ensemble import draw, load_ensemble  # the ensemble input (issue 12), once merged
    except ImportError:
        parameters, weights, sha = read_csv_ensemble(source)
        rows = [local_draw(weights, draw_seed(master_seed, i)) for i in range(k)]
        sets = [parameters.iloc[row].to_dict() for row in rows]
    else:
        ensemble = load_ensemble(source)
        sha = ensemble.sha256
        rows, sets = [], []
        for i in range(k):
            row, values = draw(ensemble, draw_seed(master_seed, i))
            rows.append(row)
            sets.append(values)
    table = pd.DataFrame(sets)
    for name in table.columns:
        if PARAMETER_FIELDS[name].metadata.get("integer"):
            table[name] = table[name].round().astype(int)
    table.insert(0, DRAW_COLUMN, rows)
    table.insert(0, SET_COLUMN, np.arange(k))
    return EnsembleDraws(source, sha, table)


def local_draw(weights: np.ndarray, seed: int) -> int:
    """A weighted row, drawn with the generator the ensemble contract names (``spawn_key=(1,)``)."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(1,)))
    return int(rng.choice(len(weights), p=weights))


def read_csv_ensemble(source: str) -> tuple[pd.DataFrame, np.ndarray, str]:
    """Read an ensemble CSV: a ``weight`` column (optional: equal weights) and one column per parameter.

    Returns:
        The parameters (one row per set), the normalised weights, and the file's SHA-256.

    Raises:
        ConfigError: For a missing or unreadable file, an unknown column, a value out of the
            parameter's range, bad weights or no rows.
    """
    path = Path(source)
    if not path.is_file():
        raise ConfigError(SETTING, f"{source!r}: no such file",
                          "a CSV path (shipped ensemble names need qicsim.ensemble)")
    try:
        frame = pd.read_csv(path)
    except (OSError, ValueError) as exc:
        raise ConfigError(SETTING, f"{source!r} is not a readable CSV ({type(exc).__name__})",
                          "a CSV with a weight column and one column per parameter") from exc
    if frame.empty:
        raise ConfigError(SETTING, f"{source!r} has no rows", "at least one parameter set")
    weights = frame.pop("weight").to_numpy(dtype=float) if "weight" in frame else np.ones(len(frame))
    if not np.all(np.isfinite(weights)) or np.any(weights < 0) or weights.sum() <= 0:
        raise ConfigError(f"{SETTING} (weight)", "negative, missing or all-zero weights", "weights >= 0, not all 0")
    for name in frame.columns:
        field = PARAMETER_FIELDS.get(name)
        if field is None or isinstance(field.default, list | bool):
            raise ConfigError(f"{SETTING} ({name})", "not a numeric field of parameters",
                              "columns named after fields of parameters (docs/parameters.md) and weight")
        meta = field.metadata
        lo = -math.inf if meta.get("lo") is None else meta["lo"]
        hi = math.inf if meta.get("hi") is None else meta["hi"]
        values = pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float)
        if not np.all((values >= lo) & (values <= hi)):
            raise ConfigError(f"{SETTING} ({name})", "a value is missing or out of range",
                              f"numbers in [{lo:g}, {hi:g}]")
    return frame, weights / weights.sum(), hashlib.sha256(path.read_bytes()).hexdigest()
