"""A small model-averaged ensemble: two rival structures, each row a structure's switches and a parameter."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

PEACH_2026 = {"structure": "peach_2026", "project_start": "meetings", "time_model": "one_share",
              "project_sizes": "one_size", "trap": "firefighting"}
CANDIDATE_2027 = {"structure": "candidate_2027", "project_start": "facilitation", "time_model": "by_role",
                  "project_sizes": "by_kind", "trap": "full_loop"}


def two_structures() -> list[dict]:
    """Two rows, equal weights: peach_2026 with voice_prob 0.1, candidate_2027 with 0.6."""
    return [{**PEACH_2026, "voice_prob": 0.1, "weight": 1.0}, {**CANDIDATE_2027, "voice_prob": 0.6, "weight": 1.0}]


def write_two_structures(folder: Path) -> Path:
    """:func:`two_structures` as ``averaged.csv`` in ``folder``."""
    path = folder / "averaged.csv"
    pd.DataFrame(two_structures()).to_csv(path, index=False)
    return path
